//! Writing a figure: the embedded font, and each of `<stem>.svg` and `<stem>.png` drawn to a
//! temporary file beside its final name and renamed onto it.

use std::ffi::OsString;
use std::fs;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use super::{DrawResult, Figure, PlotError};

/// Pixel size of every figure (width, height).
pub(super) const SIZE: (u32, u32) = (800, 500);

/// Family name under which the embedded font is registered; plotters' default family.
pub(super) const FONT: &str = "sans-serif";

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../../../../assets/fonts/DejaVuSans.ttf");

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

/// The I/O error inside a bitmap backend's error (a full disk while the PNG is encoded), so
/// it is reported as one plain line: plotters' bitmap error displays as a Debug dump.
fn io_cause(e: &(dyn std::error::Error + 'static)) -> Option<std::io::Error> {
    use plotters::backend::DrawingBackend;
    use plotters::drawing::DrawingAreaErrorKind;
    use plotters_backend::DrawingErrorKind::DrawingError;
    type BitmapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;
    let plain = |io: &std::io::Error| std::io::Error::new(io.kind(), io.to_string());
    let DrawingAreaErrorKind::BackendError(DrawingError(b)) = e.downcast_ref::<DrawingAreaErrorKind<BitmapError>>()?
    else {
        return None;
    };
    match b {
        BitmapError::IOError(io) => Some(plain(io)),
        BitmapError::ImageError(image) => match std::error::Error::source(image) {
            Some(io) => io.downcast_ref::<std::io::Error>().map(plain),
            None => Some(std::io::Error::other(image.to_string())),
        },
        _ => None,
    }
}

/// `stem` with `suffix` appended (not replacing any extension the stem already has).
pub(super) fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
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
pub(super) fn render(stem: &Path, fig: &Figure) -> Result<(), PlotError> {
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
        return Err(match io_cause(e.as_ref()) {
            Some(source) => PlotError::Io { path: png_path, source },
            None => PlotError::Draw { path: png_path, message: e.to_string() },
        });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::plot::line_chart;
    use crate::analysis::plot::test_util::{assert_written, chart, series, test_dir};

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
}
