//! Image-classification data sets: MNIST and Fashion-MNIST.
//!
//! [`idx`] reads and validates single IDX files (raw or gzip). This module finds a
//! data set's four files under a list of search roots ([`search_roots`]) and checks
//! that they fit together ([`load`]).
//!
//! Each root holds one folder per data set (`mnist/`, `fashion-mnist/`) with the
//! standard file names, each raw or gzipped:
//!
//! ```text
//! <root>/mnist/train-images-idx3-ubyte[.gz]
//! <root>/mnist/train-labels-idx1-ubyte[.gz]
//! <root>/mnist/t10k-images-idx3-ubyte[.gz]
//! <root>/mnist/t10k-labels-idx1-ubyte[.gz]
//! ```

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub mod idx;
pub mod tasks;

use idx::{dims_text, read_idx, IdxArray};

/// Environment variable naming an extra search root (checked after `--data-dir`).
pub const DATA_ENV: &str = "HETERO_DATA";

/// System-wide search root, where Debian's `dataset-fashion-mnist` package installs.
pub const SYSTEM_ROOT: &str = "/usr/share/datasets";

/// Number of classes in both data sets; every label must be below this.
pub const NUM_CLASSES: u8 = 10;

/// Standard file stems, in the order train images, train labels, test images, test labels.
const FILE_STEMS: [&str; 4] =
    ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/// Everything that can go wrong reading a data set. Messages are one line and
/// name the file (or, for [`DataError::NotFound`], every place searched).
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file starts like gzip but does not decompress.
    #[error("{path}: bad gzip data: {source}")]
    Gzip {
        /// File path.
        path: String,
        /// Underlying error from the decompressor.
        source: std::io::Error,
    },
    /// Fewer than the 4 magic bytes.
    #[error("{path}: too short for an IDX file: need at least 4 header bytes, found {found}")]
    TooShort {
        /// File path.
        path: String,
        /// Bytes present.
        found: usize,
    },
    /// The first two magic bytes are not zero.
    #[error(
        "{path}: not an IDX file: magic must be 00 00 <type> <ndim>, found {:02x} {:02x} {:02x} {:02x}",
        .magic[0], .magic[1], .magic[2], .magic[3]
    )]
    BadMagic {
        /// File path.
        path: String,
        /// The four magic bytes found.
        magic: [u8; 4],
    },
    /// A type code other than 0x08 (unsigned byte).
    #[error("{path}: unsupported type 0x{code:02x} ({}); only 0x08 (u8) is supported", type_name(*.code))]
    UnsupportedType {
        /// File path.
        path: String,
        /// Type code from the magic.
        code: u8,
    },
    /// The magic declares zero dimensions.
    #[error("{path}: header declares 0 dimensions")]
    NoDimensions {
        /// File path.
        path: String,
    },
    /// The file ends inside the dimension list.
    #[error("{path}: truncated header: {ndim} dimensions need {need} header bytes, found {found}")]
    TruncatedHeader {
        /// File path.
        path: String,
        /// Dimensions declared by the magic.
        ndim: usize,
        /// Header length those dimensions need.
        need: usize,
        /// Bytes present.
        found: usize,
    },
    /// A dimension is 0.
    #[error("{path}: dimension {index} is 0 (dims {})", dims_text(.dims))]
    ZeroDimension {
        /// File path.
        path: String,
        /// Position of the zero, from 0.
        index: usize,
        /// All dimensions.
        dims: Vec<usize>,
    },
    /// The product of the dimensions does not fit in memory sizes.
    #[error("{path}: dims {} are too large to address", dims_text(.dims))]
    TooLarge {
        /// File path.
        path: String,
        /// All dimensions.
        dims: Vec<usize>,
    },
    /// Less data than the header promises.
    #[error("{path}: truncated: header says {} = {expected} bytes of data, found {found}", dims_text(.dims))]
    Truncated {
        /// File path.
        path: String,
        /// Dimensions from the header.
        dims: Vec<usize>,
        /// Data bytes the dimensions call for.
        expected: usize,
        /// Data bytes present.
        found: usize,
    },
    /// More data than the header promises.
    #[error(
        "{path}: {} trailing bytes: header says {} = {expected} bytes of data, found {found}",
        .found - .expected, dims_text(.dims)
    )]
    TrailingBytes {
        /// File path.
        path: String,
        /// Dimensions from the header.
        dims: Vec<usize>,
        /// Data bytes the dimensions call for.
        expected: usize,
        /// Data bytes present.
        found: usize,
    },
    /// Images that are not 3-D, or labels that are not 1-D.
    #[error("{path}: {what} must have {expected} dimension(s), found {} ({})", .dims.len(), dims_text(.dims))]
    WrongRank {
        /// File path.
        path: String,
        /// "images" or "labels".
        what: &'static str,
        /// Required number of dimensions.
        expected: usize,
        /// Dimensions found.
        dims: Vec<usize>,
    },
    /// Image and label files of one split disagree on the count.
    #[error("{labels}: {n_labels} labels, but {images} has {n_images} images")]
    CountMismatch {
        /// Image file path.
        images: String,
        /// Label file path.
        labels: String,
        /// Number of images.
        n_images: usize,
        /// Number of labels.
        n_labels: usize,
    },
    /// Train and test images have different sizes.
    #[error("{test}: images are {test_rows}×{test_cols}, but {train} has {train_rows}×{train_cols}")]
    ShapeMismatch {
        /// Training image file path.
        train: String,
        /// Test image file path.
        test: String,
        /// Training image rows.
        train_rows: usize,
        /// Training image columns.
        train_cols: usize,
        /// Test image rows.
        test_rows: usize,
        /// Test image columns.
        test_cols: usize,
    },
    /// A label is not a valid class (must be below [`NUM_CLASSES`]).
    #[error("{path}: label {value} at index {index} is out of range (must be < 10)")]
    BadLabel {
        /// Label file path.
        path: String,
        /// Position of the first bad label.
        index: usize,
        /// Its value.
        value: u8,
    },
    /// No search root holds all four files of the data set.
    #[error("{dataset} not found; looked in: {} ({hint})", .looked.join(", "))]
    NotFound {
        /// Data set folder name.
        dataset: DatasetName,
        /// Every folder searched, with a note on folders that hold only some files.
        looked: Vec<String>,
        /// How to get the files.
        hint: String,
    },
}

/// Names of IDX element types, for the unsupported-type message.
fn type_name(code: u8) -> &'static str {
    match code {
        0x08 => "u8",
        0x09 => "i8",
        0x0b => "i16",
        0x0c => "i32",
        0x0d => "f32",
        0x0e => "f64",
        _ => "not an IDX type code",
    }
}

/// The supported data sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetName {
    /// Handwritten digits, folder `mnist`.
    Mnist,
    /// Zalando clothing images, folder `fashion-mnist`.
    FashionMnist,
}

impl DatasetName {
    /// Folder name under a search root: `"mnist"` or `"fashion-mnist"`.
    pub fn folder(self) -> &'static str {
        match self {
            DatasetName::Mnist => "mnist",
            DatasetName::FashionMnist => "fashion-mnist",
        }
    }

    /// How to obtain the files, for the not-found message; `explicit`: a folder was given
    /// (`data.dir`, `--data-dir`), the only place searched.
    fn install_hint(self, explicit: bool) -> String {
        let files: Vec<String> = FILE_STEMS.iter().map(|s| format!("{s}[.gz]")).collect();
        let how = match self {
            DatasetName::Mnist => "MNIST has no Debian package: copy the four files from an MNIST mirror",
            DatasetName::FashionMnist => "on Debian: apt-get install dataset-fashion-mnist",
        };
        if explicit {
            return format!(
                "the folder given by data.dir or --data-dir is the only place searched; it must hold {}/ with {}; {how}",
                self.folder(),
                files.join(", ")
            );
        }
        format!(
            "point {DATA_ENV}, `reproduce mnist --data-dir DIR` or `train --set data.dir=DIR` at a folder holding {}/ with {}; {how}",
            self.folder(),
            files.join(", ")
        )
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.folder())
    }
}

impl FromStr for DatasetName {
    type Err = String;

    /// Parses a folder name (`mnist`, `fashion-mnist`; `_` accepted for `-`, any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "mnist" => Ok(DatasetName::Mnist),
            "fashion-mnist" => Ok(DatasetName::FashionMnist),
            _ => Err(format!("unknown dataset {s:?}; expected mnist or fashion-mnist")),
        }
    }
}

/// A loaded data set: images as row-major bytes (`rows × cols` per image, 0–255),
/// labels as class indices below 10.
#[derive(Clone, PartialEq, Eq)]
pub struct Dataset {
    /// Training images, `train_len() × rows × cols` bytes.
    pub train_images: Vec<u8>,
    /// Training labels, one byte per image.
    pub train_labels: Vec<u8>,
    /// Test images, `test_len() × rows × cols` bytes.
    pub test_images: Vec<u8>,
    /// Test labels, one byte per image.
    pub test_labels: Vec<u8>,
    /// Image height in pixels.
    pub rows: usize,
    /// Image width in pixels.
    pub cols: usize,
}

impl Dataset {
    /// Number of training images.
    pub fn train_len(&self) -> usize {
        self.train_labels.len()
    }

    /// Number of test images.
    pub fn test_len(&self) -> usize {
        self.test_labels.len()
    }
}

impl fmt::Debug for Dataset {
    /// A summary of the shapes (the pixel arrays are far too long to print).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Dataset {{ train: {}, test: {}, image: {}×{} }}",
            self.train_len(),
            self.test_len(),
            self.rows,
            self.cols
        )
    }
}

/// Search roots: `data_dir` alone when given (`--data-dir`, `data.dir`: an explicit folder
/// is never passed over for another), else `$HETERO_DATA` (if set and non-empty), then
/// `./data`, then `/usr/share/datasets`.
pub fn search_roots(data_dir: Option<&Path>) -> Vec<PathBuf> {
    search_roots_from(data_dir, std::env::var_os(DATA_ENV), Path::new("."))
}

/// [`search_roots`] with the environment value and working directory passed in,
/// so the order can be tested without touching process-wide state.
fn search_roots_from(data_dir: Option<&Path>, env_value: Option<OsString>, cwd: &Path) -> Vec<PathBuf> {
    if let Some(dir) = data_dir {
        return vec![dir.to_path_buf()];
    }
    let candidates = [
        env_value.filter(|v| !v.is_empty()).map(PathBuf::from),
        Some(cwd.join("data")),
        Some(PathBuf::from(SYSTEM_ROOT)),
    ];
    let mut roots: Vec<PathBuf> = Vec::new();
    for root in candidates.into_iter().flatten() {
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    roots
}

/// Loads and checks a data set from the first search root (see [`search_roots`])
/// whose dataset folder holds all four files.
pub fn load(name: DatasetName, data_dir: Option<&Path>) -> Result<Dataset, DataError> {
    load_from_roots(name, &search_roots(data_dir)).map_err(|e| explicit_hint(e, name, data_dir))
}

/// A not-found error for an explicit folder says it was the only place searched.
fn explicit_hint(e: DataError, name: DatasetName, data_dir: Option<&Path>) -> DataError {
    match e {
        DataError::NotFound { dataset, looked, .. } if data_dir.is_some() => {
            DataError::NotFound { dataset, looked, hint: name.install_hint(true) }
        }
        e => e,
    }
}

/// The folder [`load`] would read `name` from, without reading the files.
pub fn locate(name: DatasetName, data_dir: Option<&Path>) -> Result<PathBuf, DataError> {
    let files = find_files(name, &search_roots(data_dir)).map_err(|e| explicit_hint(e, name, data_dir))?;
    let folder = files[0].parent().unwrap_or(Path::new("")).to_path_buf();
    Ok(folder)
}

fn load_from_roots(name: DatasetName, roots: &[PathBuf]) -> Result<Dataset, DataError> {
    let [train_images_path, train_labels_path, test_images_path, test_labels_path] = find_files(name, roots)?;
    let (train_images, train_labels, rows, cols) = load_split(&train_images_path, &train_labels_path)?;
    let (test_images, test_labels, test_rows, test_cols) = load_split(&test_images_path, &test_labels_path)?;
    if (test_rows, test_cols) != (rows, cols) {
        return Err(DataError::ShapeMismatch {
            train: train_images_path.display().to_string(),
            test: test_images_path.display().to_string(),
            train_rows: rows,
            train_cols: cols,
            test_rows,
            test_cols,
        });
    }
    Ok(Dataset { train_images, train_labels, test_images, test_labels, rows, cols })
}

/// The four files of `name` in the first root that has them all, each the
/// `.gz` variant if present, else the raw one.
fn find_files(name: DatasetName, roots: &[PathBuf]) -> Result<[PathBuf; 4], DataError> {
    let mut looked = Vec::new();
    for root in roots {
        let folder = root.join(name.folder());
        let found: Vec<Option<PathBuf>> = FILE_STEMS.iter().map(|stem| pick_file(&folder, stem)).collect();
        if let [Some(a), Some(b), Some(c), Some(d)] = found.as_slice() {
            return Ok([a.clone(), b.clone(), c.clone(), d.clone()]);
        }
        let missing: Vec<String> = FILE_STEMS
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(stem, _)| format!("{stem}[.gz]"))
            .collect();
        if missing.len() < FILE_STEMS.len() {
            looked.push(format!("{} (incomplete: missing {})", folder.display(), missing.join(", ")));
        } else {
            looked.push(folder.display().to_string());
        }
    }
    Err(DataError::NotFound { dataset: name, looked, hint: name.install_hint(false) })
}

/// `folder/stem.gz` if it is a file, else `folder/stem` if it is a file.
fn pick_file(folder: &Path, stem: &str) -> Option<PathBuf> {
    [folder.join(format!("{stem}.gz")), folder.join(stem)].into_iter().find(|p| p.is_file())
}

/// Reads one split and checks it: 3-D images, 1-D labels, equal counts, labels < 10.
/// Returns images, labels, rows, cols.
fn load_split(images_path: &Path, labels_path: &Path) -> Result<(Vec<u8>, Vec<u8>, usize, usize), DataError> {
    let images = read_idx(images_path)?;
    let labels = read_idx(labels_path)?;
    check_rank(&images, images_path, "images", 3)?;
    check_rank(&labels, labels_path, "labels", 1)?;
    let (n_images, rows, cols) = (images.dims[0], images.dims[1], images.dims[2]);
    let n_labels = labels.dims[0];
    if n_images != n_labels {
        return Err(DataError::CountMismatch {
            images: images_path.display().to_string(),
            labels: labels_path.display().to_string(),
            n_images,
            n_labels,
        });
    }
    if let Some((index, &value)) = labels.data.iter().enumerate().find(|(_, &v)| v >= NUM_CLASSES) {
        return Err(DataError::BadLabel { path: labels_path.display().to_string(), index, value });
    }
    Ok((images.data, labels.data, rows, cols))
}

fn check_rank(arr: &IdxArray, path: &Path, what: &'static str, expected: usize) -> Result<(), DataError> {
    if arr.dims.len() == expected {
        return Ok(());
    }
    Err(DataError::WrongRank { path: path.display().to_string(), what, expected, dims: arr.dims.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use idx::write_idx;
    use std::io::Write;

    /// A fresh, empty folder unique to this process and test.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hetero-data-{}-{}", std::process::id(), test));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Small synthetic split sizes and image shape for a fake data set.
    struct Fake {
        n_train: usize,
        n_test: usize,
        rows: usize,
        cols: usize,
    }

    const SMALL: Fake = Fake { n_train: 12, n_test: 5, rows: 3, cols: 2 };

    /// Writes the four raw files of a fake data set to `root/<folder>/`; returns the folder.
    fn write_fake(root: &Path, name: DatasetName, fake: &Fake) -> PathBuf {
        let folder = root.join(name.folder());
        std::fs::create_dir_all(&folder).unwrap();
        let pixels = fake.rows * fake.cols;
        for (prefix, n) in [("train", fake.n_train), ("t10k", fake.n_test)] {
            let images: Vec<u8> = (0..n * pixels).map(|i| (i % 251) as u8).collect();
            let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
            let img_path = folder.join(format!("{prefix}-images-idx3-ubyte"));
            write_idx(&img_path, &[n, fake.rows, fake.cols], &images).unwrap();
            write_idx(&folder.join(format!("{prefix}-labels-idx1-ubyte")), &[n], &labels).unwrap();
        }
        folder
    }

    fn gzip_file(path: &Path) {
        let raw = std::fs::read(path).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        let mut gz_name = path.as_os_str().to_owned();
        gz_name.push(".gz");
        std::fs::write(PathBuf::from(gz_name), enc.finish().unwrap()).unwrap();
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn search_roots_order() {
        // An explicit folder is the only root.
        let roots = search_roots_from(Some(Path::new("/flag")), Some(OsString::from("/env")), Path::new("/cwd"));
        assert_eq!(roots, vec![PathBuf::from("/flag")]);
        let roots = search_roots_from(None, Some(OsString::from("/env")), Path::new("/cwd"));
        let expect: Vec<PathBuf> = ["/env", "/cwd/data", "/usr/share/datasets"].iter().map(PathBuf::from).collect();
        assert_eq!(roots, expect);

        // Unset or empty HETERO_DATA and no flag: just ./data and the system root.
        let expect = vec![PathBuf::from("./data"), PathBuf::from(SYSTEM_ROOT)];
        assert_eq!(search_roots_from(None, None, Path::new(".")), expect);
        assert_eq!(search_roots_from(None, Some(OsString::new()), Path::new(".")), expect);

        // The same folder twice is searched once.
        let roots = search_roots_from(None, Some(OsString::from("./data")), Path::new("."));
        assert_eq!(roots.len(), 2);

        // The public function: the flag alone, or the system root last.
        assert_eq!(search_roots(Some(Path::new("/flag"))), vec![PathBuf::from("/flag")]);
        assert_eq!(search_roots(None).last().unwrap(), &PathBuf::from(SYSTEM_ROOT));
    }

    #[test]
    fn data_dir_wins_over_env_and_cwd() {
        let dir = scratch("lookup_order");
        let (flag, env, cwd) = (dir.join("flag"), dir.join("env"), dir.join("cwd"));
        let fake = |n_train| Fake { n_train, ..SMALL };
        write_fake(&flag, DatasetName::Mnist, &fake(11));
        write_fake(&env, DatasetName::Mnist, &fake(22));
        write_fake(&cwd.join("data"), DatasetName::Mnist, &fake(33));

        let roots = |flag: Option<&Path>| search_roots_from(flag, Some(env.clone().into_os_string()), &cwd);
        assert_eq!(load_from_roots(DatasetName::Mnist, &roots(Some(&flag))).unwrap().train_len(), 11);
        assert_eq!(load_from_roots(DatasetName::Mnist, &roots(None)).unwrap().train_len(), 22);
        let no_env = search_roots_from(None, None, &cwd);
        assert_eq!(load_from_roots(DatasetName::Mnist, &no_env).unwrap().train_len(), 33);

        // A root with only some of the files is skipped, but an explicit folder is never
        // passed over for another.
        std::fs::remove_file(env.join("mnist/t10k-labels-idx1-ubyte")).unwrap();
        assert_eq!(load_from_roots(DatasetName::Mnist, &[env.clone(), cwd.join("data")]).unwrap().train_len(), 33);
        std::fs::remove_file(flag.join("mnist/t10k-labels-idx1-ubyte")).unwrap();
        assert!(load_from_roots(DatasetName::Mnist, &roots(Some(&flag))).is_err());
        let e = load(DatasetName::Mnist, Some(&flag)).unwrap_err().to_string();
        assert!(e.contains("incomplete") && e.contains("the only place searched") && !e.contains(DATA_ENV), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn loads_gzip_and_prefers_gz_over_raw() {
        let dir = scratch("prefers_gz");
        let folder = write_fake(&dir, DatasetName::FashionMnist, &SMALL);
        for stem in FILE_STEMS {
            gzip_file(&folder.join(stem));
        }
        // A raw training-label file that would fail if it were read instead of the .gz.
        std::fs::write(folder.join("train-labels-idx1-ubyte"), b"junk").unwrap();

        let ds = load_from_roots(DatasetName::FashionMnist, std::slice::from_ref(&dir)).unwrap();
        assert_eq!((ds.train_len(), ds.test_len(), ds.rows, ds.cols), (12, 5, 3, 2));
        assert_eq!(ds.train_images.len(), 12 * 3 * 2);
        assert_eq!(ds.test_images.len(), 5 * 3 * 2);
        assert_eq!(ds.train_labels[..3], [0, 1, 2]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn image_label_count_mismatch() {
        let dir = scratch("count_mismatch");
        let folder = write_fake(&dir, DatasetName::Mnist, &SMALL);
        let labels = folder.join("train-labels-idx1-ubyte");
        write_idx(&labels, &[11], &[1; 11]).unwrap();
        let err = load_from_roots(DatasetName::Mnist, std::slice::from_ref(&dir)).unwrap_err();
        assert!(matches!(err, DataError::CountMismatch { n_images: 12, n_labels: 11, .. }));
        assert_eq!(
            err.to_string(),
            format!(
                "{}: 11 labels, but {} has 12 images",
                labels.display(),
                folder.join("train-images-idx3-ubyte").display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn label_out_of_range() {
        let dir = scratch("bad_label");
        let folder = write_fake(&dir, DatasetName::Mnist, &SMALL);
        let labels = folder.join("t10k-labels-idx1-ubyte");
        write_idx(&labels, &[5], &[0, 9, 3, 10, 200]).unwrap();
        let err = load_from_roots(DatasetName::Mnist, std::slice::from_ref(&dir)).unwrap_err();
        assert!(matches!(err, DataError::BadLabel { index: 3, value: 10, .. }));
        assert_eq!(
            err.to_string(),
            format!("{}: label 10 at index 3 is out of range (must be < 10)", labels.display())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wrong_rank_and_train_test_shape_mismatch() {
        let dir = scratch("shapes");
        let folder = write_fake(&dir, DatasetName::Mnist, &SMALL);
        let labels = folder.join("train-labels-idx1-ubyte");
        write_idx(&labels, &[12, 1], &[1; 12]).unwrap();
        let err = load_from_roots(DatasetName::Mnist, std::slice::from_ref(&dir)).unwrap_err();
        assert_eq!(err.to_string(), format!("{}: labels must have 1 dimension(s), found 2 (12×1)", labels.display()));

        let folder = write_fake(&dir, DatasetName::Mnist, &SMALL);
        let test_images = folder.join("t10k-images-idx3-ubyte");
        write_idx(&test_images, &[5, 2, 3], &[0; 30]).unwrap();
        let err = load_from_roots(DatasetName::Mnist, std::slice::from_ref(&dir)).unwrap_err();
        assert!(matches!(err, DataError::ShapeMismatch { .. }));
        assert_eq!(
            err.to_string(),
            format!(
                "{}: images are 2×3, but {} has 3×2",
                test_images.display(),
                folder.join("train-images-idx3-ubyte").display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_file_error_propagates_with_its_path() {
        let dir = scratch("bad_file");
        let folder = write_fake(&dir, DatasetName::Mnist, &SMALL);
        let images = folder.join("train-images-idx3-ubyte");
        let mut bytes = std::fs::read(&images).unwrap();
        bytes.truncate(bytes.len() - 10);
        std::fs::write(&images, &bytes).unwrap();
        let err = load_from_roots(DatasetName::Mnist, std::slice::from_ref(&dir)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: truncated: header says 12×3×2 = 72 bytes of data, found 62", images.display())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_dataset_lists_every_place_on_one_line() {
        let dir = scratch("missing");
        let (flag, env, cwd) = (dir.join("x"), dir.join("env"), dir.join("cwd"));
        // The env root holds an incomplete copy; the message says what is missing.
        let partial = write_fake(&env, DatasetName::FashionMnist, &SMALL);
        std::fs::remove_file(partial.join("t10k-images-idx3-ubyte")).unwrap();
        std::fs::remove_file(partial.join("t10k-labels-idx1-ubyte")).unwrap();
        // Only test roots: the real system root might hold the data on some machines.
        let roots = [flag.clone(), env.clone(), cwd.join("data")];
        let err = load_from_roots(DatasetName::FashionMnist, &roots).unwrap_err();
        assert!(matches!(err, DataError::NotFound { .. }));
        let msg = err.to_string();
        assert_eq!(
            msg,
            format!(
                "fashion-mnist not found; looked in: {}, {} (incomplete: missing t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]), {} \
                 (point HETERO_DATA, `reproduce mnist --data-dir DIR` or `train --set data.dir=DIR` at a folder holding fashion-mnist/ with train-images-idx3-ubyte[.gz], \
                 train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]; \
                 on Debian: apt-get install dataset-fashion-mnist)",
                flag.join("fashion-mnist").display(),
                env.join("fashion-mnist").display(),
                cwd.join("data/fashion-mnist").display(),
            )
        );
        assert!(!msg.contains('\n'));

        // The default roots appear in the message as given: ./data and the system root.
        let err = load_from_roots(DatasetName::Mnist, &search_roots_from(None, None, Path::new(".")));
        if let Err(err @ DataError::NotFound { .. }) = err {
            let msg = err.to_string();
            assert!(msg.contains("./data/mnist, /usr/share/datasets/mnist ("), "{msg}");
            assert!(msg.contains("MNIST has no Debian package"), "{msg}");
        }
        // An explicit folder is the only place looked in, and the message says so.
        let msg = load(DatasetName::Mnist, Some(&flag)).unwrap_err().to_string();
        let only = format!("mnist not found; looked in: {} (the folder given", flag.join("mnist").display());
        assert!(msg.starts_with(&only), "{msg}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dataset_names() {
        assert_eq!(DatasetName::Mnist.to_string(), "mnist");
        assert_eq!(DatasetName::FashionMnist.folder(), "fashion-mnist");
        assert_eq!("Fashion_MNIST".parse::<DatasetName>(), Ok(DatasetName::FashionMnist));
        assert_eq!("mnist".parse::<DatasetName>(), Ok(DatasetName::Mnist));
        assert!("cifar".parse::<DatasetName>().is_err());
    }

    /// Loads the real files if this machine has them (shared/data); passes otherwise.
    #[test]
    fn real_mnist_and_fashion_mnist_if_present() {
        let root = Path::new("/work/shared/data");
        for name in [DatasetName::Mnist, DatasetName::FashionMnist] {
            if find_files(name, &[root.to_path_buf()]).is_err() {
                eprintln!("skipping {name}: not in {}", root.display());
                continue;
            }
            let ds = load(name, Some(root)).unwrap();
            assert_eq!((ds.train_len(), ds.test_len()), (60000, 10000), "{name}");
            assert_eq!((ds.rows, ds.cols), (28, 28), "{name}");
            assert_eq!(ds.train_images.len(), 60000 * 28 * 28);
            assert_eq!(ds.test_images.len(), 10000 * 28 * 28);
            assert!(ds.train_labels.iter().chain(&ds.test_labels).all(|&l| l < 10));
            // Every class occurs in both splits.
            for class in 0..10 {
                assert!(ds.train_labels.contains(&class) && ds.test_labels.contains(&class));
            }
        }
    }
}
