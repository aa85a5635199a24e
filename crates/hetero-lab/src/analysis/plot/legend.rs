//! Legends: drawn in the plot corner that covers the fewest data samples.

use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;

use super::render::FONT;
use super::style::LEGEND_SIZE;
use super::DrawResult;

/// Legend corner with the fewest data samples; samples are in plot-fraction coordinates
/// (0..1 on both axes, y upwards).
fn legend_corner(samples: &[(f64, f64)]) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, 0.55, 1.0, 0.6, 1.0),
        (SeriesLabelPosition::UpperLeft, 0.0, 0.45, 0.6, 1.0),
        (SeriesLabelPosition::LowerRight, 0.55, 1.0, 0.0, 0.4),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.45, 0.0, 0.4),
    ];
    let mut best = (SeriesLabelPosition::UpperRight, usize::MAX);
    for (pos, x0, x1, y0, y1) in corners {
        let count = samples.iter().filter(|&&(x, y)| x >= x0 && x <= x1 && y >= y0 && y <= y1).count();
        if count < best.1 {
            best = (pos, count);
        }
    }
    best.0
}

/// Samples along a polyline (already in plot fractions), so that a legend placed on a long
/// straight segment is noticed too.
pub(super) fn sample_polyline(points: &[(f64, f64)], out: &mut Vec<(f64, f64)>) {
    out.extend(points.first());
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        for k in 1..=8 {
            let t = f64::from(k) / 8.0;
            out.push((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t));
        }
    }
}

/// Draws the legend of `cc` in the emptiest corner, if any entry has a name.
pub(super) fn draw_legend<'a, DB, X, Y>(
    cc: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    any_named: bool,
    samples: &[(f64, f64)],
) -> DrawResult
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged,
    Y: Ranged,
{
    if any_named {
        cc.configure_series_labels()
            .position(legend_corner(samples))
            .margin(8)
            .label_font((FONT, LEGEND_SIZE))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.5))
            .draw()?;
    }
    Ok(())
}
