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

use std::ffi::OsString;
use std::fs;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

/// Pixel size of every figure (width, height).
const SIZE: (u32, u32) = (800, 500);
/// Family name under which the embedded font is registered; plotters' default family.
const FONT: &str = "sans-serif";
/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

const TITLE_SIZE: u32 = 22;
const AXIS_DESC_SIZE: u32 = 16;
const TICK_SIZE: u32 = 13;
const LEGEND_SIZE: u32 = 14;
/// Series with at most this many points also get a marker on each point.
const MARKER_LIMIT: usize = 25;
/// Heat maps larger than this many cells per axis are averaged into blocks before drawing.
const MAX_HEAT_CELLS: usize = 128;
/// Histograms use at most this many bins (already more than there are pixels).
const MAX_BINS: usize = 4096;
/// Most tick labels per axis.
const TICKS: usize = 10;
/// Grid lines at labelled ticks, and the fainter ones between them.
const GRID_BOLD: RGBAColor = RGBAColor(0, 0, 0, 0.15);
const GRID_LIGHT: RGBAColor = RGBAColor(0, 0, 0, 0.04);
/// Values beyond ±this are skipped like NaN, so that range and pixel arithmetic never overflows.
const VALUE_LIMIT: f64 = 1e300;
/// Axis spans below this are padded, since tick spacing cannot be computed for them.
const MIN_SPAN: f64 = 1e-250;

/// Matplotlib's "tab10" colours: distinct and readable for up to ten series.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Viridis control points, interpolated linearly for heat maps.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

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

type DrawResult = Result<(), Box<dyn std::error::Error>>;

impl Figure<'_> {
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

// ---------------------------------------------------------------------------------------------
// Files

/// Registers the embedded font once per process; false if it could not be parsed.
fn font_ready() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok())
}

/// Runs a drawing step, turning a panic inside plotters into an error: a figure at the end of
/// a long run must not take the run's other results down with it.
fn guarded(step: impl FnOnce() -> DrawResult) -> DrawResult {
    std::panic::catch_unwind(AssertUnwindSafe(step)).unwrap_or_else(|_| Err("plotters panicked while drawing".into()))
}

/// `stem` with `suffix` appended (not replacing any extension the stem already has).
fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(stem.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// A temporary path beside `stem` that ends in `.<ext>` (the PNG encoder picks the format
/// from the extension) and is unique within this process.
fn temp_path(stem: &Path, ext: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    with_suffix(stem, &format!(".{}-{n}.tmp.{ext}", std::process::id()))
}

/// Draws `fig` to `<stem>.svg` and `<stem>.png`, each through a temporary file and a rename.
fn render(stem: &Path, fig: &Figure) -> Result<(), PlotError> {
    let svg_path = with_suffix(stem, ".svg");
    let png_path = with_suffix(stem, ".png");
    if !font_ready() {
        return Err(PlotError::Font { path: svg_path });
    }
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|source| PlotError::Io { path: svg_path.clone(), source })?;
    }

    let mut svg = String::new();
    guarded(|| {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        fig.draw(&root)?;
        Ok(root.present()?)
    })
    .map_err(|e| PlotError::Draw { path: svg_path.clone(), message: e.to_string() })?;

    let png_tmp = temp_path(stem, "png");
    let drawn = guarded(|| {
        let root = BitMapBackend::new(&png_tmp, SIZE).into_drawing_area();
        fig.draw(&root)?;
        Ok(root.present()?)
    });
    if let Err(e) = drawn {
        // The backend was dropped above, so nothing writes to the temporary file any more.
        let _ = fs::remove_file(&png_tmp);
        return Err(PlotError::Draw { path: png_path, message: e.to_string() });
    }

    let svg_tmp = temp_path(stem, "svg");
    let written = fs::write(&svg_tmp, svg.as_bytes()).and_then(|()| fs::rename(&svg_tmp, &svg_path));
    if let Err(source) = written {
        let _ = fs::remove_file(&svg_tmp);
        let _ = fs::remove_file(&png_tmp);
        return Err(PlotError::Io { path: svg_path, source });
    }
    fs::rename(&png_tmp, &png_path).map_err(|source| {
        let _ = fs::remove_file(&png_tmp);
        PlotError::Io { path: png_path, source }
    })
}

// ---------------------------------------------------------------------------------------------
// Ranges, ticks and colours

/// A value that can be drawn: finite and within ±[`VALUE_LIMIT`].
fn drawable(v: f64) -> bool {
    v.is_finite() && v.abs() <= VALUE_LIMIT
}

/// Smallest and largest of the drawable values; `None` if there are none.
fn bounds(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|&v| drawable(v)).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The y range of bars: from 0 (or 8 % below the lowest negative value) to 8 % above the highest
/// value; `(0, 1)` when nothing is drawable.
fn zero_based_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    match bounds(values.into_iter().chain([0.0])) {
        Some((lo, hi)) if hi > lo => {
            let pad = (hi - lo) * 0.08;
            (if lo < 0.0 { lo - pad } else { 0.0 }, if hi > 0.0 { hi + pad } else { 0.0 })
        }
        _ => (0.0, 1.0),
    }
}

/// A drawable linear range: `(0, 1)` without data, padded around a single value (or a
/// span too small to divide into ticks), and widened by `margin` (a fraction of the span) on
/// both sides otherwise.
fn linear_range(b: Option<(f64, f64)>, margin: f64) -> (f64, f64) {
    let Some((lo, hi)) = b else {
        return (0.0, 1.0);
    };
    let span = hi - lo;
    if span <= lo.abs().max(hi.abs()) * 1e-9 || span < MIN_SPAN {
        let mid = (lo + hi) / 2.0;
        let pad = if mid == 0.0 { 1.0 } else { (mid.abs() * 0.1).max(MIN_SPAN) };
        return (mid - pad, mid + pad);
    }
    (lo - span * margin, hi + span * margin)
}

/// A log-axis range widened to whole decades (at least one), `(1, 10)` without data.
fn log_range(b: Option<(f64, f64)>) -> (f64, f64) {
    let Some((lo, hi)) = b else {
        return (1.0, 10.0);
    };
    let lo_exp = lo.log10().floor().clamp(-300.0, 299.0);
    let hi_exp = hi.log10().ceil().clamp(lo_exp + 1.0, 300.0);
    (10f64.powf(lo_exp), 10f64.powf(hi_exp))
}

/// Formats `v` in scientific notation with up to `decimals` mantissa digits, trailing zeros
/// trimmed, e.g. `2.5e-4`.
fn scientific(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$e}");
    match s.split_once('e') {
        Some((mantissa, exp)) if mantissa.contains('.') => {
            format!("{}e{exp}", mantissa.trim_end_matches('0').trim_end_matches('.'))
        }
        _ => s,
    }
}

/// The tick spacing plotters picks for at most `max_ticks` ticks over `lo..hi` (mirroring its
/// search): the smallest of 1, 0.5, 0.2, 0.1, 0.05, ... times a power of ten that still gives
/// no more than `max_ticks` ticks.
fn tick_step(lo: f64, hi: f64, max_ticks: usize) -> f64 {
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    let too_many = |step: f64| (hi / step).floor() - (lo / step).ceil() + 1.0 > max_ticks as f64;
    let mut decade = 10f64.powf((hi - lo).log10().floor());
    if too_many(decade) {
        decade *= 10.0;
    }
    let mut step = decade;
    for _ in 0..40 {
        for divisor in [2.0, 5.0, 10.0] {
            if too_many(decade / divisor) {
                return step;
            }
            step = decade / divisor;
        }
        decade /= 10.0;
    }
    step
}

/// Tick labels for a linear axis over `lo..hi` with [`TICKS`] ticks: as many decimals as the
/// tick spacing needs, or scientific notation for very large or very small magnitudes.
fn linear_ticks(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let span = (hi - lo).abs();
    let step_exp = tick_step(lo, hi, TICKS).log10().floor();
    let magnitude = lo.abs().max(hi.abs());
    let use_scientific = !(1e-3..1e5).contains(&magnitude);
    let digits = |d: f64| d.clamp(0.0, 10.0) as usize;
    let decimals = if use_scientific { digits(magnitude.log10().floor() - step_exp) } else { digits(-step_exp) };
    move |v: &f64| {
        // Snap rounding noise such as 1e-17 to an exact zero (and avoid "-0.0").
        let v = if v.abs() < span * 1e-9 { 0.0 } else { *v };
        if v == 0.0 {
            "0".to_string()
        } else if use_scientific {
            scientific(v, decimals)
        } else {
            format!("{v:.decimals$}")
        }
    }
}

/// Tick labels for a log axis: plain numbers from 0.001 to 10000, `1e5` style beyond.
fn log_ticks(v: &f64) -> String {
    let v = *v;
    if (1e-3..1e5).contains(&v) {
        // Ticks are round numbers, so six significant digits print them exactly.
        let digits = (5.0 - v.log10().floor()).clamp(0.0, 8.0) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        scientific(v, 2)
    }
}

/// The i-th palette colour, cycling after ten.
fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Viridis colour for `t` in 0..=1 (clamped).
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Shortens `label` to at most `max_chars` characters by replacing its middle with an
/// ellipsis, keeping both ends (which tell labels like "run 1" and "run 2" apart).
fn shorten(label: &str, max_chars: usize) -> String {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= max_chars {
        return label.to_string();
    }
    let keep = max_chars.saturating_sub(1);
    let head: String = chars[..keep.div_ceil(2)].iter().collect();
    let tail: String = chars[chars.len() - keep / 2..].iter().collect();
    format!("{head}…{tail}")
}

/// Splits a sequence into maximal runs of `Some` values.
fn runs<T>(items: impl IntoIterator<Item = Option<T>>) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for item in items {
        match item {
            Some(v) => current.push(v),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

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
fn sample_polyline(points: &[(f64, f64)], out: &mut Vec<(f64, f64)>) {
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
fn draw_legend<'a, DB, X, Y>(
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

// ---------------------------------------------------------------------------------------------
// Line chart

/// A point usable on the chart: finite, and with positive x on a log axis.
fn usable(x: f64, y: f64, log_x: bool) -> bool {
    drawable(x) && drawable(y) && (!log_x || x > 0.0)
}

fn draw_lines<DB>(root: &DrawingArea<DB, Shift>, chart: &Chart, series: &[Series]) -> DrawResult
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

/// A chart context over the coordinates `x` and `y` convert to.
type FramedChart<'a, DB, X, Y> =
    ChartContext<'a, DB, Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>>;

/// The frame every line chart, histogram and bar chart shares: the title, a 15 px margin and
/// room for the axis labels, around Cartesian axes over `x` and `y`.
fn framed_chart<'a, DB, X, Y>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x: X,
    y: Y,
) -> Result<FramedChart<'a, DB, X, Y>, DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    X: AsRangedCoord,
    Y: AsRangedCoord,
{
    ChartBuilder::on(root)
        .caption(title, (FONT, TITLE_SIZE))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(75)
        .build_cartesian_2d(x, y)
}

// ---------------------------------------------------------------------------------------------
// Histogram

fn draw_histogram<DB>(
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

// ---------------------------------------------------------------------------------------------
// Bar chart

fn draw_bars<DB>(root: &DrawingArea<DB, Shift>, chart: &Chart, bars: &[(String, f64, Option<f64>)]) -> DrawResult
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

// ---------------------------------------------------------------------------------------------
// Heat map

fn draw_heat_map<DB>(
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
    use super::*;

    type Samples = Vec<(String, Vec<f64>)>;
    type Bars = Vec<(String, f64, Option<f64>)>;

    /// A fresh, empty folder for one test.
    fn test_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hetero-plot-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create test dir");
        dir
    }

    fn chart(title: &str) -> Chart<'_> {
        Chart { title, x_label: "generation", y_label: "fitness", x_scale: Scale::Linear }
    }

    fn series(name: &str, points: Vec<(f64, f64)>) -> Series {
        Series { name: name.to_string(), points, band: None }
    }

    /// Both files exist, the PNG is a real image, the SVG names the title, no temp files remain.
    fn assert_written(stem: &Path, title: &str) {
        let png = fs::read(with_suffix(stem, ".png")).expect("png written");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG magic bytes");
        assert!(png.len() > 4000, "PNG too small: {} bytes", png.len());
        let svg = fs::read_to_string(with_suffix(stem, ".svg")).expect("svg written");
        assert!(svg.starts_with("<svg"), "SVG root element");
        assert!(svg.contains(title), "SVG should contain the title {title:?}");
        let dir = stem.parent().expect("stem has a folder");
        for entry in fs::read_dir(dir).expect("read test dir") {
            let name = entry.expect("dir entry").file_name();
            assert!(!name.to_string_lossy().contains(".tmp."), "temp file left: {name:?}");
        }
    }

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

    #[test]
    fn unwritable_folder_gives_io_error_naming_the_file() {
        let dir = test_dir("unwritable");
        let blocker = dir.join("not-a-dir");
        fs::write(&blocker, b"file").expect("write blocker");
        let stem = blocker.join("plot");
        let err = line_chart(&stem, &chart("Nope"), &[]).expect_err("parent is a file");
        assert!(matches!(err, PlotError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("plot.svg"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

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

    #[test]
    fn stem_suffix_is_appended_and_files_are_replaced() {
        let dir = test_dir("stem");
        let stem = dir.join("nested").join("run.v2");
        line_chart(&stem, &chart("First"), &[series("a", vec![(0.0, 1.0), (1.0, 2.0)])]).expect("first");
        line_chart(&stem, &chart("Second"), &[series("a", vec![(0.0, 1.0), (1.0, 3.0)])]).expect("second");
        assert_written(&stem, "Second");
        let svg = fs::read_to_string(dir.join("nested").join("run.v2.svg")).expect("svg");
        assert!(!svg.contains("First"));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn tick_labels_are_compact() {
        let f = linear_ticks(0.0, 1.0);
        assert_eq!(f(&0.5), "0.5");
        assert_eq!(f(&1e-17), "0");
        let f = linear_ticks(0.0, 2e6);
        assert_eq!(f(&1.5e6), "1.5e6");
        assert_eq!(log_ticks(&1000.0), "1000");
        assert_eq!(log_ticks(&0.01), "0.01");
        assert_eq!(log_ticks(&1e6), "1e6");
        assert_eq!(shorten("abcdef", 4), "ab…f");
        assert_eq!(shorten("condition 12", 8), "cond… 12");
        assert_eq!(shorten("short", 8), "short");
        assert_eq!(runs([Some(1), None, None, Some(2), Some(3), None]), vec![vec![1], vec![2, 3]]);
    }
}
