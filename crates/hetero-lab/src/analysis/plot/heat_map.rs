//! Heat maps: a matrix drawn cell by cell (row 0 at the top) in viridis colours, averaged into
//! blocks when large, with a colour bar giving the value scale.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{bounds, drawable, linear_range, linear_ticks, TICKS};
use super::render::{FONT, SIZE};
use super::style::{viridis, AXIS_DESC_SIZE, TICK_SIZE, TITLE_SIZE};
use super::{Chart, DrawResult};

/// Heat maps larger than this many cells per axis are averaged into blocks before drawing.
const MAX_HEAT_CELLS: usize = 128;

/// Draws a heat map (see [`heat_map`](super::heat_map())) on `root`; `values` fills `rows × cols`.
pub(super) fn draw_heat_map<DB>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    rows: usize,
    cols: usize,
    values: &[f64],
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (v_lo, v_hi) = linear_range(bounds(values.iter().copied()), 0.0);
    let body = root.titled(chart.title, (FONT, TITLE_SIZE))?;
    let (main, bar) = body.split_horizontally(SIZE.0 - 110);

    // Cell centres sit on integer coordinates, so ticks fall on cell indices. The y range
    // runs downwards, putting row 0 at the top as in a printed matrix.
    let x_range = -0.5..cols.max(1) as f64 - 0.5;
    let y_range = rows.max(1) as f64 - 0.5..-0.5;
    let index_label = |v: &f64| {
        let i = v.round();
        if (v - i).abs() > 1e-6 || i < 0.0 {
            String::new()
        } else {
            format!("{}", i as u64)
        }
    };
    let mut cc = ChartBuilder::on(&main)
        .margin(10)
        .margin_left(15)
        .x_label_area_size(50)
        .y_label_area_size(65)
        .build_cartesian_2d(x_range, y_range)?;
    cc.configure_mesh()
        .disable_mesh()
        .x_labels(cols.clamp(1, 10))
        .y_labels(rows.clamp(1, 10))
        .x_desc(chart.x_label)
        .y_desc(chart.y_label)
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .label_style((FONT, TICK_SIZE))
        .x_label_formatter(&index_label)
        .y_label_formatter(&index_label)
        .draw()?;

    // Average into blocks when the matrix has more than MAX_HEAT_CELLS rows or columns, which
    // is about what the plot area can show and keeps the SVG small.
    let block_rows = rows.div_ceil(MAX_HEAT_CELLS).max(1);
    let block_cols = cols.div_ceil(MAX_HEAT_CELLS).max(1);
    let mut cells = Vec::new();
    for r0 in (0..rows).step_by(block_rows) {
        let r1 = (r0 + block_rows).min(rows);
        for c0 in (0..cols).step_by(block_cols) {
            let c1 = (c0 + block_cols).min(cols);
            let block = (r0..r1).flat_map(|r| values[r * cols + c0..r * cols + c1].iter().copied());
            // Running mean, which cannot overflow for drawable values.
            let (mean, n) = block
                .filter(|&v| drawable(v))
                .fold((0.0, 0.0), |(mean, n), v| (mean + (v - mean) / (n + 1.0), n + 1.0));
            let fill = if n == 0.0 { RGBColor(200, 200, 200) } else { viridis((mean - v_lo) / (v_hi - v_lo)) };
            let rect = [(c0 as f64 - 0.5, r0 as f64 - 0.5), (c1 as f64 - 0.5, r1 as f64 - 0.5)];
            cells.push(Rectangle::new(rect, fill.filled()));
        }
    }
    cc.draw_series(cells)?;

    // Colour bar, aligned with the plot area through equal top margin and bottom label area.
    let v_ticks = linear_ticks(v_lo, v_hi);
    let mut cb = ChartBuilder::on(&bar)
        .margin(10)
        .margin_right(5)
        .x_label_area_size(50)
        .right_y_label_area_size(65)
        .build_cartesian_2d(0.0..1.0, v_lo..v_hi)?;
    cb.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .set_tick_mark_size(LabelAreaPosition::Right, 6)
        .y_labels(TICKS)
        .label_style((FONT, TICK_SIZE))
        .y_label_formatter(&v_ticks)
        .draw()?;
    let steps = 64;
    let strip = (0..steps).map(|k| {
        let t0 = f64::from(k) / f64::from(steps);
        let t1 = f64::from(k + 1) / f64::from(steps);
        let y = |t: f64| v_lo + (v_hi - v_lo) * t;
        Rectangle::new([(0.0, y(t0)), (1.0, y(t1))], viridis((t0 + t1) / 2.0).filled())
    });
    cb.draw_series(strip)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::analysis::plot::render::with_suffix;
    use crate::analysis::plot::test_util::{assert_written, chart, test_dir};
    use crate::analysis::plot::{heat_map, Chart, PlotError, Scale};
    use std::fs;

    #[test]
    fn heat_map_writes_and_handles_awkward_matrices() {
        let dir = test_dir("heat");
        let c =
            Chart { title: "Weight matrix", x_label: "presynaptic", y_label: "postsynaptic", x_scale: Scale::Linear };
        let values: Vec<f64> = (0..12 * 20).map(|i| (f64::from(i) * 0.37).sin()).collect();
        heat_map(&dir.join("weights"), &c, 12, 20, &values).expect("heat map");
        assert_written(&dir.join("weights"), "Weight matrix");

        let big: Vec<f64> = (0..300 * 200).map(|i| f64::from(i % 97)).collect();
        let cases: Vec<(&str, usize, usize, Vec<f64>)> = vec![
            ("empty", 0, 0, vec![]),
            ("one", 1, 1, vec![2.5]),
            ("constant", 3, 3, vec![1.0; 9]),
            ("non-finite", 2, 2, vec![f64::NAN, 1.0, f64::INFINITY, -4.0]),
            ("all-nan", 2, 1, vec![f64::NAN; 2]),
            ("big", 300, 200, big),
        ];
        for (name, rows, cols, values) in cases {
            let stem = dir.join(name);
            heat_map(&stem, &c, rows, cols, &values).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_written(&stem, "Weight matrix");
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn heat_map_size_mismatch_is_an_error_naming_the_file() {
        let dir = test_dir("heat-mismatch");
        let stem = dir.join("bad");
        let err = heat_map(&stem, &chart("Bad"), 2, 3, &[1.0; 5]).expect_err("5 values cannot fill 2 x 3");
        assert!(matches!(err, PlotError::InvalidInput { .. }));
        assert!(err.to_string().contains("bad.svg"), "{err}");
        let err = heat_map(&stem, &chart("Bad"), usize::MAX, 2, &[]).expect_err("overflowing size");
        assert!(matches!(err, PlotError::InvalidInput { .. }));
        assert!(!with_suffix(&stem, ".svg").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
