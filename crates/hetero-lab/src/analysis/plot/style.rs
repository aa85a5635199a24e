//! Colours and text: font sizes, grid colours, the series palette, the viridis colour map of
//! heat maps, and shortening of labels too long for their place.

use plotters::style::{RGBAColor, RGBColor};

/// Text sizes (px) of the caption, the axis descriptions, the tick labels and the legend.
pub(super) const TITLE_SIZE: u32 = 22;
pub(super) const AXIS_DESC_SIZE: u32 = 16;
pub(super) const TICK_SIZE: u32 = 13;
pub(super) const LEGEND_SIZE: u32 = 14;

/// Grid lines at labelled ticks, and the fainter ones between them.
pub(super) const GRID_BOLD: RGBAColor = RGBAColor(0, 0, 0, 0.15);
pub(super) const GRID_LIGHT: RGBAColor = RGBAColor(0, 0, 0, 0.04);

/// Matplotlib's "tab10" colours: distinct and readable for up to ten series.
pub(super) const PALETTE: [RGBColor; 10] = [
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

/// The i-th palette colour, cycling after ten.
pub(super) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Viridis colour for `t` in 0..=1 (clamped).
pub(super) fn viridis(t: f64) -> RGBColor {
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
pub(super) fn shorten(label: &str, max_chars: usize) -> String {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= max_chars {
        return label.to_string();
    }
    let keep = max_chars.saturating_sub(1);
    let head: String = chars[..keep.div_ceil(2)].iter().collect();
    let tail: String = chars[chars.len() - keep / 2..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_lose_their_middle() {
        assert_eq!(shorten("abcdef", 4), "ab…f");
        assert_eq!(shorten("condition 12", 8), "cond… 12");
        assert_eq!(shorten("short", 8), "short");
    }
}
