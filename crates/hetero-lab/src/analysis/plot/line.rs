//! Line charts: one line per series on a linear or log x axis, with optional ±bands, markers on
//! short series, and a legend.

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{
    bounds, drawable, framed_chart, linear_range, linear_ticks, log_range, log_ticks, runs, usable, TICKS,
};
use super::legend::{draw_legend, sample_polyline};
use super::render::FONT;
use super::style::{colour, AXIS_DESC_SIZE, GRID_BOLD, GRID_LIGHT, TICK_SIZE};
use super::{Chart, DrawResult, Scale, Series};

/// Series with at most this many points also get a marker on each point.
const MARKER_LIMIT: usize = 25;

/// Draws a line chart (see [`line_chart`](super::line_chart)) on `root`.
pub(super) fn draw_lines<DB>(root: &DrawingArea<DB, Shift>, chart: &Chart, series: &[Series]) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let log_x = chart.x_scale == Scale::Log10;
    let points = || series.iter().flat_map(|s| s.points.iter().copied()).filter(move |&(x, y)| usable(x, y, log_x));
    let band_ys = series.iter().flat_map(|s| {
        let band = s.band.as_deref().unwrap_or(&[]);
        s.points
            .iter()
            .zip(band)
            .filter(move |&(&(x, _), &(lo, hi))| usable(x, lo, log_x) && drawable(hi))
            .flat_map(|(_, &(lo, hi))| [lo, hi])
    });
    let x_bounds = bounds(points().map(|(x, _)| x));
    let (y_lo, y_hi) = linear_range(bounds(points().map(|(_, y)| y).chain(band_ys)), 0.05);

    if log_x {
        let (x_lo, x_hi) = log_range(x_bounds);
        let (ln_lo, ln_hi) = (x_lo.ln(), x_hi.ln());
        let x_frac = move |x: f64| (x.ln() - ln_lo) / (ln_hi - ln_lo);
        let x_coord: LogCoord<f64> = (x_lo..x_hi).log_scale().base(10.0).into();
        draw_lines_on(root, chart, series, x_coord, x_frac, &log_ticks, (y_lo, y_hi))
    } else {
        let (x_lo, x_hi) = linear_range(x_bounds, 0.0);
        let x_frac = move |x: f64| (x - x_lo) / (x_hi - x_lo);
        let x_ticks = linear_ticks(x_lo, x_hi);
        let x_coord: RangedCoordf64 = (x_lo..x_hi).into();
        draw_lines_on(root, chart, series, x_coord, x_frac, &x_ticks, (y_lo, y_hi))
    }
}

/// Draws the line chart with the given x coordinate (linear or log); `x_frac` maps x to its
/// fraction of the axis, for legend placement.
fn draw_lines_on<DB, X>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    series: &[Series],
    x_coord: X,
    x_frac: impl Fn(f64) -> f64,
    x_ticks: &dyn Fn(&f64) -> String,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let log_x = chart.x_scale == Scale::Log10;
    let y_ticks = linear_ticks(y_lo, y_hi);
    let mut cc = framed_chart(root, chart.title, x_coord, y_lo..y_hi)?;
    cc.configure_mesh()
        .x_labels(TICKS)
        .y_labels(TICKS)
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .x_desc(chart.x_label)
        .y_desc(chart.y_label)
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .label_style((FONT, TICK_SIZE))
        .x_label_formatter(x_ticks)
        .y_label_formatter(&y_ticks)
        .draw()?;

    let frac = |(x, y): (f64, f64)| (x_frac(x), (y - y_lo) / (y_hi - y_lo));
    let mut legend_samples = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let c = colour(i);
        if let Some(band) = &s.band {
            let band_runs = runs(
                s.points
                    .iter()
                    .zip(band)
                    .map(|(&(x, _), &(lo, hi))| (usable(x, lo, log_x) && drawable(hi)).then_some((x, lo, hi))),
            );
            for run in band_runs {
                let upper = run.iter().map(|&(x, _, hi)| (x, hi));
                let lower = run.iter().rev().map(|&(x, lo, _)| (x, lo));
                let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
                for &(x, lo, hi) in &run {
                    legend_samples.extend((0..=4).map(|k| frac((x, lo + (hi - lo) * f64::from(k) / 4.0))));
                }
                cc.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.2).filled())))?;
            }
        }

        // An empty series carries the legend entry, so it appears even without usable points.
        cc.draw_series(LineSeries::new(std::iter::empty(), c.stroke_width(2)))?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        let line_runs = runs(s.points.iter().map(|&(x, y)| usable(x, y, log_x).then_some((x, y))));
        for run in &line_runs {
            let run_frac: Vec<(f64, f64)> = run.iter().copied().map(frac).collect();
            sample_polyline(&run_frac, &mut legend_samples);
            cc.draw_series(LineSeries::new(run.iter().copied(), c.stroke_width(2)))?;
        }
        let count: usize = line_runs.iter().map(Vec::len).sum();
        if count <= MARKER_LIMIT {
            let markers = line_runs.iter().flatten().map(|&p| Circle::new(p, 3, c.filled()));
            cc.draw_series(markers)?;
        }
    }
    let any_named = series.iter().any(|s| !s.name.is_empty());
    draw_legend(&mut cc, any_named, &legend_samples)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::analysis::plot::test_util::{assert_written, chart, series, test_dir};
    use crate::analysis::plot::{line_chart, Chart, Scale, Series};
    use std::fs;

    #[test]
    fn line_chart_writes_svg_and_png() {
        let dir = test_dir("line");
        let stem = dir.join("fitness");
        let mean: Vec<(f64, f64)> = (0..50).map(|g| (f64::from(g), (f64::from(g) / 10.0).sin())).collect();
        let band = mean.iter().map(|&(_, y)| (y - 0.2, y + 0.2)).collect();
        let best = series("best", mean.iter().map(|&(x, y)| (x, y + 0.5)).collect());
        let mean = Series { name: "mean ± sd".into(), points: mean, band: Some(band) };
        line_chart(&stem, &chart("Fitness per generation"), &[mean, best]).expect("line chart");
        assert_written(&stem, "Fitness per generation");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn line_chart_log_scale() {
        let dir = test_dir("log");
        let stem = dir.join("sweep");
        let c = Chart {
            title: "Accuracy vs parameters",
            x_label: "parameters",
            y_label: "accuracy",
            x_scale: Scale::Log10,
        };
        let points = [(1e2, 0.5), (1e3, 0.7), (1e4, 0.8), (1e5, 0.85), (0.0, 0.9), (-5.0, 1.0)];
        line_chart(&stem, &c, &[series("homogeneous", points.to_vec())]).expect("log chart");
        assert_written(&stem, "Accuracy vs parameters");
        // Within a single decade, and with no usable points at all.
        line_chart(&stem, &c, &[series("narrow", vec![(2.0, 1.0), (3.0, 2.0)])]).expect("narrow log");
        line_chart(&stem, &c, &[series("none", vec![(0.0, 1.0), (-1.0, 2.0)])]).expect("empty log");
        assert_written(&stem, "Accuracy vs parameters");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn line_chart_degenerate_inputs_do_not_panic() {
        let dir = test_dir("line-degenerate");
        let cases: Vec<(&str, Vec<Series>)> = vec![
            ("empty", vec![]),
            ("one-point", vec![series("one", vec![(3.0, 4.0)])]),
            ("flat", vec![series("flat", vec![(0.0, 2.0), (1.0, 2.0), (2.0, 2.0)])]),
            ("zeros", vec![series("zeros", vec![(0.0, 0.0), (0.0, 0.0)])]),
            (
                "non-finite",
                vec![series(
                    "nan",
                    vec![(0.0, 1.0), (1.0, f64::NAN), (f64::INFINITY, 2.0), (3.0, -1.0), (4.0, f64::NEG_INFINITY)],
                )],
            ),
            ("all-nan", vec![series("", vec![(f64::NAN, f64::NAN)])]),
            ("negative", vec![series("neg", vec![(-3.0, -10.0), (-1.0, -20.0), (2.0, -5.0)])]),
            ("huge", vec![series("huge", vec![(0.0, -1e308), (1.0, 1e300), (f64::MAX, 0.0)])]),
            ("tiny", vec![series("tiny", vec![(0.0, 1e-320), (1e-320, 5e-324)])]),
            ("no-points", vec![series("empty", vec![]), series("other", vec![(1.0, 1.0)])]),
            (
                "odd-band",
                vec![Series {
                    name: "band".into(),
                    points: vec![(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)],
                    band: Some(vec![(0.5, 1.5), (f64::NAN, 2.5)]),
                }],
            ),
        ];
        for (name, data) in cases {
            let stem = dir.join(name);
            line_chart(&stem, &chart("Degenerate"), &data).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_written(&stem, "Degenerate");
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
