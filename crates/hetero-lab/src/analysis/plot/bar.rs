//! Bar charts: one vertical bar per label from zero, with optional error bars, and labels thinned
//! out and shortened when the bars are narrow.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{drawable, framed_chart, linear_ticks, zero_based_range, TICKS};
use super::render::FONT;
use super::style::{colour, shorten, AXIS_DESC_SIZE, GRID_BOLD, GRID_LIGHT, PALETTE, TICK_SIZE};
use super::{Chart, DrawResult};

/// Draws a bar chart (see [`bar_chart`](super::bar_chart)) on `root`.
pub(super) fn draw_bars<DB>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    bars: &[(String, f64, Option<f64>)],
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let slots = bars.len().max(1);
    // Error half-widths, ignoring non-finite ones and bars without a value.
    let error = |value: f64, err: Option<f64>| err.filter(|&e| drawable(e) && drawable(value)).map(f64::abs);
    let extents = bars.iter().flat_map(|&(_, v, e)| {
        let e = error(v, e).unwrap_or(0.0);
        [v - e, v + e]
    });
    let (y_lo, y_hi) = zero_based_range(extents);

    // Roughly 690 px of plot width and 7.5 px per character of tick text. When slots are too
    // narrow for 8 characters, only every `stride`-th bar is labelled.
    let slot_px = 690.0 / slots as f64;
    let chars_per_slot = slot_px / 7.5;
    let stride = ((8.0 / chars_per_slot).ceil() as usize).max(1);
    let max_chars = ((chars_per_slot * stride as f64).floor() as usize).saturating_sub(1).max(3);
    let labels: Vec<String> = bars.iter().map(|(l, _, _)| shorten(l, max_chars)).collect();
    let x_ticks = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) if (*i as usize).is_multiple_of(stride) => {
            labels.get(*i as usize).cloned().unwrap_or_default()
        }
        _ => String::new(),
    };
    let y_ticks = linear_ticks(y_lo, y_hi);

    // Integer ranges are inclusive in plotters, so `0..slots - 1` gives `slots` segments.
    let slots_u32 = u32::try_from(slots).map_err(|_| "too many bars to draw")?;
    let mut cc = framed_chart(root, chart.title, (0..slots_u32 - 1).into_segmented(), y_lo..y_hi)?;
    cc.configure_mesh()
        .disable_x_mesh()
        .x_labels(slots)
        .y_labels(TICKS)
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .x_desc(chart.x_label)
        .y_desc(chart.y_label)
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .label_style((FONT, TICK_SIZE))
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .draw()?;

    let gap = (slot_px * 0.15).round() as u32;
    for (i, &(_, value, err)) in (0u32..).zip(bars) {
        if !drawable(value) {
            continue;
        }
        // Distinct colours help tell a few bars apart; many bars share one colour.
        let c = if bars.len() <= PALETTE.len() { colour(i as usize) } else { colour(0) };
        let mut bar =
            Rectangle::new([(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), value)], c.mix(0.85).filled());
        bar.set_margin(0, 0, gap, gap);
        cc.draw_series(std::iter::once(bar))?;
        if let Some(e) = error(value, err) {
            let style = BLACK.stroke_width(2);
            let cap = (slot_px * 0.12).clamp(3.0, 12.0) as i32;
            let centre = || SegmentValue::CenterOf(i);
            let whisker = PathElement::new(vec![(centre(), value - e), (centre(), value + e)], style);
            let caps = [value - e, value + e]
                .map(|y| EmptyElement::at((centre(), y)) + PathElement::new(vec![(-cap, 0), (cap, 0)], style));
            cc.draw_series(std::iter::once(whisker))?;
            cc.draw_series(caps)?;
        }
    }
    if y_lo < 0.0 {
        let axis = vec![(SegmentValue::Exact(0), 0.0), (SegmentValue::Exact(slots_u32), 0.0)];
        cc.draw_series(std::iter::once(PathElement::new(axis, BLACK.stroke_width(1))))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::analysis::plot::bar_chart;
    use crate::analysis::plot::test_util::{assert_written, chart, test_dir};
    use std::fs;

    type Bars = Vec<(String, f64, Option<f64>)>;

    #[test]
    fn bar_chart_with_error_bars_and_negatives() {
        let dir = test_dir("bars");
        let stem = dir.join("accuracy");
        let bars = vec![
            ("homogeneous".to_string(), 0.71, Some(0.03)),
            ("heterogeneous tau".to_string(), 0.83, Some(0.02)),
            ("heterogeneous threshold".to_string(), 0.78, None),
            ("control".to_string(), -0.1, Some(-0.05)),
        ];
        bar_chart(&stem, &chart("Test accuracy"), &bars).expect("bar chart");
        assert_written(&stem, "Test accuracy");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn bar_chart_degenerate_inputs_do_not_panic() {
        let dir = test_dir("bars-degenerate");
        let many: Bars = (0..200).map(|i| (format!("condition number {i}"), f64::from(i), Some(1.0))).collect();
        let cases: Vec<(&str, Bars)> = vec![
            ("empty", vec![]),
            ("zero", vec![("z".into(), 0.0, None)]),
            ("non-finite", vec![("nan".into(), f64::NAN, Some(1.0)), ("inf".into(), 1.0, Some(f64::INFINITY))]),
            ("equal", vec![("a".into(), 3.0, None), ("b".into(), 3.0, None)]),
            ("many", many),
        ];
        for (name, bars) in cases {
            let stem = dir.join(name);
            bar_chart(&stem, &chart("Bars"), &bars).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_written(&stem, "Bars");
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
