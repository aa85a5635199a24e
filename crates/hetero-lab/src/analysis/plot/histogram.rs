//! Histograms: sample sets binned over their pooled range, overlaid translucently, as counts or
//! densities, with optional curves (e.g. fitted densities) on top.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{bounds, drawable, framed_chart, linear_range, linear_ticks, runs, usable, zero_based_range, TICKS};
use super::legend::{draw_legend, sample_polyline};
use super::render::FONT;
use super::style::{colour, AXIS_DESC_SIZE, GRID_BOLD, GRID_LIGHT, TICK_SIZE};
use super::{Chart, DrawResult, Series};

/// Histograms use at most this many bins (already more than there are pixels).
pub(super) const MAX_BINS: usize = 4096;

/// Draws histograms (see [`histogram`](super::histogram())) on `root`; `bins` is already clamped.
pub(super) fn draw_histogram<DB>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    samples: &[(String, Vec<f64>)],
    bins: usize,
    density: bool,
    curves: &[Series],
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (bin_lo, bin_hi) = linear_range(bounds(samples.iter().flat_map(|(_, v)| v.iter().copied())), 0.0);
    let width = (bin_hi - bin_lo) / bins as f64;

    // Bar heights per sample set: counts, or densities that integrate to one.
    let heights: Vec<Vec<f64>> = samples
        .iter()
        .map(|(_, values)| {
            let mut counts = vec![0usize; bins];
            for &v in values.iter().filter(|&&v| drawable(v)) {
                let bin = ((v - bin_lo) / width).floor().clamp(0.0, (bins - 1) as f64) as usize;
                counts[bin] += 1;
            }
            let n: usize = counts.iter().sum();
            let scale = if density && n > 0 { 1.0 / (n as f64 * width) } else { 1.0 };
            counts.iter().map(|&c| c as f64 * scale).collect()
        })
        .collect();

    let curve_points = || curves.iter().flat_map(|s| s.points.iter().copied()).filter(|&(x, y)| usable(x, y, false));
    let x_bounds = bounds([bin_lo, bin_hi].into_iter().chain(curve_points().map(|(x, _)| x)));
    let (x_lo, x_hi) = linear_range(x_bounds, 0.02);
    let y_values = heights.iter().flatten().copied().chain(curve_points().map(|(_, y)| y));
    let (y_lo, y_hi) = zero_based_range(y_values);

    let y_label = match chart.y_label {
        "" if density => "density",
        "" => "count",
        label => label,
    };
    let x_ticks = linear_ticks(x_lo, x_hi);
    let y_ticks = linear_ticks(y_lo, y_hi);
    let mut cc = framed_chart(root, chart.title, x_lo..x_hi, y_lo..y_hi)?;
    cc.configure_mesh()
        .x_labels(TICKS)
        .y_labels(TICKS)
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .x_desc(chart.x_label)
        .y_desc(y_label)
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .label_style((FONT, TICK_SIZE))
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .draw()?;

    let frac = |(x, y): (f64, f64)| ((x - x_lo) / (x_hi - x_lo), (y - y_lo) / (y_hi - y_lo));
    let mut legend_samples = Vec::new();
    let alpha = if samples.len() > 1 { 0.45 } else { 0.7 };
    for (i, ((name, _), hs)) in samples.iter().zip(&heights).enumerate() {
        let c = colour(i);
        let mut bars = Vec::new();
        for (b, &h) in hs.iter().enumerate() {
            if h > 0.0 && drawable(h) {
                let x0 = bin_lo + width * b as f64;
                let centre = x0 + width / 2.0;
                legend_samples.extend((0..=4).map(|k| frac((centre, h * f64::from(k) / 4.0))));
                bars.push([(x0, 0.0), (x0 + width, h)]);
            }
        }
        cc.draw_series(bars.iter().map(|&r| Rectangle::new(r, c.mix(alpha).filled())))?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], c.mix(alpha).filled()));
        cc.draw_series(bars.iter().map(|&r| Rectangle::new(r, c.stroke_width(1))))?;
    }
    for (j, s) in curves.iter().enumerate() {
        let c = colour(samples.len() + j);
        cc.draw_series(LineSeries::new(std::iter::empty(), c.stroke_width(2)))?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        for run in runs(s.points.iter().map(|&(x, y)| usable(x, y, false).then_some((x, y)))) {
            let run_frac: Vec<(f64, f64)> = run.iter().copied().map(frac).collect();
            sample_polyline(&run_frac, &mut legend_samples);
            cc.draw_series(LineSeries::new(run, c.stroke_width(2)))?;
        }
    }
    let any_named = samples.iter().any(|(n, _)| !n.is_empty()) || curves.iter().any(|s| !s.name.is_empty());
    draw_legend(&mut cc, any_named, &legend_samples)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::analysis::plot::test_util::{assert_written, chart, series, test_dir};
    use crate::analysis::plot::{histogram, Chart, Scale};
    use std::fs;

    type Samples = Vec<(String, Vec<f64>)>;

    #[test]
    fn histogram_overlay_with_density_curve() {
        let dir = test_dir("hist");
        let stem = dir.join("tau");
        let a: Vec<f64> = (0..500).map(|i| (f64::from(i) * 0.618).fract() * 4.0 - 2.0).collect();
        let b: Vec<f64> = (0..300).map(|i| (f64::from(i) * 0.414).fract() * 2.0).collect();
        let pdf = (0..=60).map(|k| {
            let x = -3.0 + f64::from(k) * 0.1;
            (x, (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt())
        });
        let curve = series("normal pdf", pdf.collect());
        let samples = [("initial".to_string(), a), ("evolved".to_string(), b)];
        let c = Chart { title: "Membrane time constants", x_label: "tau (ms)", y_label: "", x_scale: Scale::Linear };
        histogram(&stem, &c, &samples, 30, true, &[curve]).expect("density histogram");
        assert_written(&stem, "Membrane time constants");
        histogram(&stem, &c, &samples[..1], 20, false, &[]).expect("count histogram");
        assert_written(&stem, "Membrane time constants");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn histogram_degenerate_inputs_do_not_panic() {
        let dir = test_dir("hist-degenerate");
        let cases: Vec<(&str, Samples, usize)> = vec![
            ("none", vec![], 10),
            ("empty-set", vec![("a".into(), vec![])], 10),
            ("constant", vec![("c".into(), vec![5.0; 40])], 10),
            ("single", vec![("s".into(), vec![-2.0])], 10),
            ("zero-bins", vec![("z".into(), vec![1.0, 2.0, 3.0])], 0),
            ("non-finite", vec![("n".into(), vec![f64::NAN, f64::INFINITY, -1.0, 1.0])], 5),
            ("only-nan", vec![("n".into(), vec![f64::NAN])], 5),
            ("many-bins", vec![("m".into(), vec![0.0, 1.0])], usize::MAX),
            ("tiny", vec![("t".into(), vec![5e-324, 5e-324, 1e-320])], 50),
            ("huge", vec![("h".into(), vec![-1e300, 1e300, 1e308])], 50),
        ];
        for (name, samples, bins) in cases {
            let stem = dir.join(name);
            for density in [false, true] {
                histogram(&stem, &chart("Spread"), &samples, bins, density, &[])
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_written(&stem, "Spread");
            }
        }
        let stem = dir.join("curve-only");
        let curve = series("nan curve", vec![(f64::NAN, 1.0), (0.0, 0.5)]);
        histogram(&stem, &chart("Spread"), &[], 10, true, &[curve]).expect("curve only");
        assert_written(&stem, "Spread");
        let _ = fs::remove_dir_all(&dir);
    }
}
