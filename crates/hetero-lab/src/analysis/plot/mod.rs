//! Report figures (line charts, histograms, bar charts, heat maps) written as SVG and PNG.
//!
//! Every public function takes a path *stem* and writes `<stem>.svg` and `<stem>.png`
//! (800x500 pixels) with the `plotters` crate. The suffix is appended to the stem, so a stem
//! such as `runs/fitness.v2` gives `runs/fitness.v2.svg`; missing parent folders are created.
//!
//! - Text is drawn with DejaVu Sans, embedded from `assets/fonts/DejaVuSans.ttf` and
//!   registered with plotters once per process, so no system fonts are needed.
//! - Each file is rendered to a temporary file in the same folder and then renamed onto its
//!   final name, so a reader never sees a half-written figure.
//! - Awkward data never panics: NaN and infinite values are skipped, constant data gets a
//!   padded axis range, and empty input draws an empty, labelled frame.
//!
//! Layout: this file holds the public types and entry points; `render.rs` writes the files,
//! `axes.rs` computes ranges and tick labels, `style.rs` holds colours and text sizes,
//! `legend.rs` places legends, and `line.rs`, `histogram.rs`, `bar.rs` and `heat_map.rs` draw
//! one kind of chart each.

mod axes;
mod bar;
mod heat_map;
mod histogram;
mod legend;
mod line;
mod render;
mod style;
#[cfg(test)]
mod test_util;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use bar::draw_bars;
use heat_map::draw_heat_map;
use histogram::{draw_histogram, MAX_BINS};
use line::draw_lines;
use render::{render, with_suffix};

/// One named line of a line chart (or a curve overlaid on a histogram).
///
/// Points whose x or y is NaN or infinite are skipped, and the line is broken there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Name shown in the legend.
    pub name: String,
    /// Data points `(x, y)`, drawn in the given order.
    pub points: Vec<(f64, f64)>,
    /// Optional ±band (y_low, y_high) per point, drawn as a translucent area.
    ///
    /// The band's i-th entry belongs to the i-th point; extra entries on either side are
    /// ignored, and entries with non-finite bounds break the band.
    pub band: Option<Vec<(f64, f64)>>,
}

/// Scale of the x axis of a line chart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Base-10 logarithmic axis, e.g. for parameter-count sweeps.
    ///
    /// The range is widened to whole decades and points with x <= 0 are skipped.
    Log10,
}

/// Title, axis labels and x scale of a figure.
#[derive(Debug, Clone, Copy, Default)]
pub struct Chart<'a> {
    /// Caption drawn above the plot.
    pub title: &'a str,
    /// Label under the x axis.
    pub x_label: &'a str,
    /// Label beside the y axis.
    pub y_label: &'a str,
    /// Scale of the x axis; only [`line_chart`] uses [`Scale::Log10`], the others ignore it.
    pub x_scale: Scale,
}

/// Error from writing a figure; every message names the file being written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The embedded font could not be registered with plotters.
    #[error("cannot write {}: the embedded font could not be loaded", path.display())]
    Font {
        /// File that was being written.
        path: PathBuf,
    },
    /// The data cannot be drawn, e.g. a heat map whose `values` do not fill `rows × cols`.
    #[error("cannot write {}: {reason}", path.display())]
    InvalidInput {
        /// File that was being written.
        path: PathBuf,
        /// What is wrong with the input.
        reason: String,
    },
    /// plotters failed while drawing or encoding the figure.
    #[error("failed to draw {}: {message}", path.display())]
    Draw {
        /// File that was being written.
        path: PathBuf,
        /// The error reported by plotters.
        message: String,
    },
    /// Creating the folder, or writing or renaming the file, failed.
    #[error("failed to write {}: {source}", path.display())]
    Io {
        /// File that was being written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Writes `<stem>.svg` and `<stem>.png` (800x500): one line per series with a legend.
///
/// A series with a `band` gets a translucent area between its band bounds. Series with at
/// most 25 points also mark each point. The y range covers all points and bands with a 5%
/// margin; an empty `series` slice draws an empty frame.
pub fn line_chart(stem: &Path, chart: &Chart, series: &[Series]) -> Result<(), PlotError> {
    render(stem, &Figure::Lines { chart, series })
}

/// Writes `<stem>.svg` and `<stem>.png`: histograms of sample sets in `bins` equal bins.
///
/// The bins span the pooled range of all sets; several sets overlay translucently with a
/// legend. Optional density curves `(name, points)` are overlaid, on a density-normalised y
/// axis when `density` is true.
///
/// Each entry of `samples` is `(name, values)`; non-finite values are ignored and `bins` is
/// clamped to 1..=4096. With `density` each set is normalised to unit area (count / (n · bin width)),
/// otherwise bars show counts. `curves` are drawn as lines in y-axis units on top of the bars
/// (so they should be densities when `density` is true) and widen the x range if needed.
/// An empty `chart.y_label` becomes "density" or "count".
pub fn histogram(
    stem: &Path,
    chart: &Chart,
    samples: &[(String, Vec<f64>)],
    bins: usize,
    density: bool,
    curves: &[Series],
) -> Result<(), PlotError> {
    let fig = Figure::Histogram { chart, samples, bins: bins.clamp(1, MAX_BINS), density, curves };
    render(stem, &fig)
}

/// Writes `<stem>.svg` and `<stem>.png`: a vertical bar chart, one bar per label.
///
/// Each entry is `(label, value, error)`; an error bar spans `value ± |error|`. Bars start at
/// zero, so negative values point down. Non-finite values leave their slot empty, and labels
/// too long for their slot are shortened with an ellipsis.
pub fn bar_chart(stem: &Path, chart: &Chart, bars: &[(String, f64, Option<f64>)]) -> Result<(), PlotError> {
    render(stem, &Figure::Bars { chart, bars })
}

/// Writes `<stem>.svg` and `<stem>.png`: a heat map of a row-major `rows × cols` matrix.
///
/// Row 0 is drawn at the top; the axes are labelled with row and column indices, and a
/// viridis colour bar on the right gives the value scale. Non-finite cells are grey. Matrices with more than 128
/// rows or columns are averaged into blocks. `values.len()` must equal `rows * cols`,
/// otherwise [`PlotError::InvalidInput`] is returned; an empty matrix draws an empty frame.
pub fn heat_map(stem: &Path, chart: &Chart, rows: usize, cols: usize, values: &[f64]) -> Result<(), PlotError> {
    if rows.checked_mul(cols) != Some(values.len()) {
        return Err(PlotError::InvalidInput {
            path: with_suffix(stem, ".svg"),
            reason: format!("heat map of {rows} x {cols} needs {rows} * {cols} values, got {}", values.len()),
        });
    }
    render(stem, &Figure::HeatMap { chart, rows, cols, values })
}

/// A figure with borrowed inputs, drawable on any plotters backend.
enum Figure<'a> {
    Lines {
        chart: &'a Chart<'a>,
        series: &'a [Series],
    },
    Histogram {
        chart: &'a Chart<'a>,
        samples: &'a [(String, Vec<f64>)],
        bins: usize,
        density: bool,
        curves: &'a [Series],
    },
    Bars {
        chart: &'a Chart<'a>,
        bars: &'a [(String, f64, Option<f64>)],
    },
    HeatMap {
        chart: &'a Chart<'a>,
        rows: usize,
        cols: usize,
        values: &'a [f64],
    },
}

/// The result of a drawing step (plotters' errors are of many types, so they are boxed).
type DrawResult = Result<(), Box<dyn std::error::Error>>;

impl Figure<'_> {
    /// Fills `root` white and draws the figure on it.
    fn draw<DB>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        match *self {
            Figure::Lines { chart, series } => draw_lines(root, chart, series),
            Figure::Histogram { chart, samples, bins, density, curves } => {
                draw_histogram(root, chart, samples, bins, density, curves)
            }
            Figure::Bars { chart, bars } => draw_bars(root, chart, bars),
            Figure::HeatMap { chart, rows, cols, values } => draw_heat_map(root, chart, rows, cols, values),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use test_util::{assert_written, series, test_dir};

    #[test]
    fn empty_title_and_labels_are_fine() {
        let dir = test_dir("blank");
        let blank = Chart::default();
        let one = [series("", vec![(1.0, 1.0), (2.0, 3.0)])];
        line_chart(&dir.join("line"), &blank, &one).expect("line");
        histogram(&dir.join("hist"), &blank, &[(String::new(), vec![1.0, 2.0])], 4, false, &[]).expect("histogram");
        bar_chart(&dir.join("bars"), &blank, &[(String::new(), 1.0, None)]).expect("bars");
        heat_map(&dir.join("heat"), &blank, 1, 2, &[0.0, 1.0]).expect("heat map");
        for name in ["line", "hist", "bars", "heat"] {
            assert_written(&dir.join(name), "");
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
