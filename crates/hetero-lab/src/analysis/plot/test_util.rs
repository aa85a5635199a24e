//! Helpers shared by the figure tests: scratch folders, a default chart, and the check that
//! both files of a figure were written whole.

use std::fs;
use std::path::{Path, PathBuf};

use super::render::with_suffix;
use super::{Chart, Scale, Series};

/// A fresh, empty folder for one test.
pub(super) fn test_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hetero-plot-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create test dir");
    dir
}

pub(super) fn chart(title: &str) -> Chart<'_> {
    Chart { title, x_label: "generation", y_label: "fitness", x_scale: Scale::Linear }
}

pub(super) fn series(name: &str, points: Vec<(f64, f64)>) -> Series {
    Series { name: name.to_string(), points, band: None }
}

/// Both files exist, the PNG is a real image, the SVG names the title, no temp files remain.
pub(super) fn assert_written(stem: &Path, title: &str) {
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
