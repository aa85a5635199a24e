//! Axis ranges and tick labels: which values can be drawn, ranges that hold them (padded,
//! zero-based or in whole decades), tick spacing and compact tick labels, and the Cartesian
//! frame the line charts, histograms and bar charts share.

use plotters::coord::ranged1d::AsRangedCoord;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::render::FONT;
use super::style::TITLE_SIZE;

/// Most tick labels per axis.
pub(super) const TICKS: usize = 10;

/// Values beyond ±this are skipped like NaN, so that range and pixel arithmetic never overflows.
const VALUE_LIMIT: f64 = 1e300;

/// Axis spans below this are padded, since tick spacing cannot be computed for them.
const MIN_SPAN: f64 = 1e-250;

/// A value that can be drawn: finite and within ±[`VALUE_LIMIT`].
pub(super) fn drawable(v: f64) -> bool {
    v.is_finite() && v.abs() <= VALUE_LIMIT
}

/// A point usable on the chart: finite, and with positive x on a log axis.
pub(super) fn usable(x: f64, y: f64, log_x: bool) -> bool {
    drawable(x) && drawable(y) && (!log_x || x > 0.0)
}

/// Smallest and largest of the drawable values; `None` if there are none.
pub(super) fn bounds(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|&v| drawable(v)).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The y range of bars: from 0 (or 8 % below the lowest negative value) to 8 % above the highest
/// value; `(0, 1)` when nothing is drawable.
pub(super) fn zero_based_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
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
pub(super) fn linear_range(b: Option<(f64, f64)>, margin: f64) -> (f64, f64) {
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
pub(super) fn log_range(b: Option<(f64, f64)>) -> (f64, f64) {
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
pub(super) fn linear_ticks(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
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
pub(super) fn log_ticks(v: &f64) -> String {
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

/// Splits a sequence into maximal runs of `Some` values.
pub(super) fn runs<T>(items: impl IntoIterator<Item = Option<T>>) -> Vec<Vec<T>> {
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

/// A chart context over the coordinates `x` and `y` convert to.
type FramedChart<'a, DB, X, Y> =
    ChartContext<'a, DB, Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>>;

/// The frame every line chart, histogram and bar chart shares: the title, a 15 px margin and
/// room for the axis labels, around Cartesian axes over `x` and `y`.
pub(super) fn framed_chart<'a, DB, X, Y>(
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn runs_split_at_missing_values() {
        assert_eq!(runs([Some(1), None, None, Some(2), Some(3), None]), vec![vec![1], vec![2, 3]]);
    }
}
