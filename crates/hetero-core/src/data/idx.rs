//! IDX files, the format MNIST and Fashion-MNIST ship in.
//!
//! Layout: a 4-byte magic `[0, 0, type code, ndim]`, then `ndim` big-endian `u32`
//! dimensions, then the values in row-major order. Only type code 0x08 (unsigned
//! byte) is supported, which covers both images (3 dims) and labels (1 dim).
//! Files may be raw or gzip-compressed; gzip is recognised by its magic bytes
//! `1f 8b`, not by the file name.
//!
//! Every check failure is a [`DataError`] that names the file and the numbers
//! involved; malformed input never panics.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::DataError;

/// IDX type code for unsigned bytes, the only type this reader supports.
pub const TYPE_U8: u8 = 0x08;

/// First two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Largest expansion deflate can achieve (about 1032:1); bounds the buffer we
/// pre-allocate from the size a gzip trailer claims.
const MAX_DEFLATE_RATIO: usize = 1032;

/// An n-dimensional array of bytes read from an IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimensions, outermost first (e.g. `[60000, 28, 28]` for MNIST training images).
    pub dims: Vec<usize>,
    /// The values in row-major order; `data.len()` equals the product of `dims`.
    pub data: Vec<u8>,
}

/// Reads an IDX file (raw or gzip) and validates its header against its length.
///
/// Error messages name `path`.
pub fn read_idx(path: &Path) -> Result<IdxArray, DataError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| DataError::Io { path: name.clone(), source })?;
    let bytes = if is_gzip(&bytes) { gunzip(&bytes, &name)? } else { bytes };
    into_array(bytes, &name)
}

/// Parses the bytes of an IDX file (raw or gzip) already in memory.
///
/// `name` is used only in error messages (usually the file path).
pub fn parse_idx(bytes: &[u8], name: &str) -> Result<IdxArray, DataError> {
    if is_gzip(bytes) {
        return into_array(gunzip(bytes, name)?, name);
    }
    let (dims, header_len) = check_layout(bytes, name)?;
    Ok(IdxArray { dims, data: bytes[header_len..].to_vec() })
}

/// Writes `data` as a raw (uncompressed) unsigned-byte IDX file with shape `dims`.
///
/// Meant for tests and fixtures. Fails with `InvalidInput` if `dims` is empty or
/// has more than 255 entries, if a dimension is 0 or does not fit in a `u32`, or
/// if `data.len()` is not the product of `dims`.
pub fn write_idx(path: &Path, dims: &[usize], data: &[u8]) -> io::Result<()> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
    let ndim = u8::try_from(dims.len())
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| invalid(format!("IDX needs 1 to 255 dimensions, got {}", dims.len())))?;
    let mut header = vec![0, 0, TYPE_U8, ndim];
    for &d in dims {
        let d32 = u32::try_from(d)
            .ok()
            .filter(|&d| d > 0)
            .ok_or_else(|| invalid(format!("IDX dimension must be 1..=u32::MAX, got {d}")))?;
        header.extend_from_slice(&d32.to_be_bytes());
    }
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if expected != Some(data.len()) {
        return Err(invalid(format!("dims {} do not match {} bytes of data", dims_text(dims), data.len())));
    }
    let mut file = io::BufWriter::new(File::create(path)?);
    file.write_all(&header)?;
    file.write_all(data)?;
    file.flush()
}

/// Dimensions joined with `×`, as used in error messages (`60000×28×28`).
pub(crate) fn dims_text(dims: &[usize]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    parts.join("×")
}

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Decompresses a whole gzip stream (all members).
fn gunzip(compressed: &[u8], name: &str) -> Result<Vec<u8>, DataError> {
    // The trailer's last 4 bytes hold the uncompressed size mod 2^32: a good
    // capacity hint, capped so a forged trailer cannot force a huge allocation.
    let claimed = match compressed.len().checked_sub(4) {
        Some(at) => {
            let tail = [compressed[at], compressed[at + 1], compressed[at + 2], compressed[at + 3]];
            u32::from_le_bytes(tail) as usize
        }
        None => 0,
    };
    let capacity = claimed.min(compressed.len().saturating_mul(MAX_DEFLATE_RATIO));
    let mut out = Vec::with_capacity(capacity);
    MultiGzDecoder::new(compressed)
        .read_to_end(&mut out)
        .map_err(|source| DataError::Gzip { path: name.to_string(), source })?;
    Ok(out)
}

/// Validates a raw IDX buffer and strips its header in place.
fn into_array(mut bytes: Vec<u8>, name: &str) -> Result<IdxArray, DataError> {
    let (dims, header_len) = check_layout(&bytes, name)?;
    bytes.drain(..header_len);
    Ok(IdxArray { dims, data: bytes })
}

/// Checks magic, type, dimensions and total length of a raw IDX buffer.
/// Returns the dimensions and the header length in bytes.
fn check_layout(bytes: &[u8], name: &str) -> Result<(Vec<usize>, usize), DataError> {
    let path = || name.to_string();
    let magic: [u8; 4] = match bytes.get(..4) {
        Some(m) => [m[0], m[1], m[2], m[3]],
        None => return Err(DataError::TooShort { path: path(), found: bytes.len() }),
    };
    if magic[0] != 0 || magic[1] != 0 {
        return Err(DataError::BadMagic { path: path(), magic });
    }
    if magic[2] != TYPE_U8 {
        return Err(DataError::UnsupportedType { path: path(), code: magic[2] });
    }
    let ndim = usize::from(magic[3]);
    if ndim == 0 {
        return Err(DataError::NoDimensions { path: path() });
    }
    let header_len = 4 + 4 * ndim;
    if bytes.len() < header_len {
        return Err(DataError::TruncatedHeader { path: path(), ndim, need: header_len, found: bytes.len() });
    }
    let dims: Vec<usize> =
        bytes[4..header_len].chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize).collect();
    if let Some(index) = dims.iter().position(|&d| d == 0) {
        return Err(DataError::ZeroDimension { path: path(), index, dims });
    }
    let Some(expected) = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) else {
        return Err(DataError::TooLarge { path: path(), dims });
    };
    let found = bytes.len() - header_len;
    if found < expected {
        return Err(DataError::Truncated { path: path(), dims, expected, found });
    }
    if found > expected {
        return Err(DataError::TrailingBytes { path: path(), dims, expected, found });
    }
    Ok((dims, header_len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::path::PathBuf;

    /// A fresh, empty folder unique to this process and test.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hetero-idx-{}-{}", std::process::id(), test));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Raw IDX bytes with an arbitrary header, for malformed-file tests.
    fn raw_idx(magic: [u8; 4], dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut bytes = magic.to_vec();
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes.extend_from_slice(data);
        bytes
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 256) as u8).collect()
    }

    #[test]
    fn round_trip_raw() {
        let dir = scratch("round_trip_raw");
        let path = dir.join("images-idx3-ubyte");
        let data = pattern(3 * 4 * 5);
        write_idx(&path, &[3, 4, 5], &data).unwrap();

        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..4], &[0, 0, 0x08, 3]);
        assert_eq!(bytes.len(), 4 + 3 * 4 + 60);

        let arr = read_idx(&path).unwrap();
        assert_eq!(arr.dims, vec![3, 4, 5]);
        assert_eq!(arr.data, data);
        assert_eq!(parse_idx(&bytes, "mem").unwrap(), arr);

        let labels = dir.join("labels-idx1-ubyte");
        write_idx(&labels, &[4], &[0, 9, 3, 1]).unwrap();
        let arr = read_idx(&labels).unwrap();
        assert_eq!(arr.dims, vec![4]);
        assert_eq!(arr.data, vec![0, 9, 3, 1]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn gzip_is_detected_by_content_not_name() {
        let dir = scratch("gzip");
        let data = pattern(2 * 3 * 3);
        let raw = raw_idx([0, 0, 8, 3], &[2, 3, 3], &data);
        let gz = gzip(&raw);
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);

        // Gzip content under a name without .gz, and raw content under a .gz name.
        let gz_path = dir.join("plain-name");
        std::fs::write(&gz_path, &gz).unwrap();
        let raw_path = dir.join("misnamed.gz");
        std::fs::write(&raw_path, &raw).unwrap();
        for path in [&gz_path, &raw_path] {
            let arr = read_idx(path).unwrap();
            assert_eq!(arr.dims, vec![2, 3, 3]);
            assert_eq!(arr.data, data);
        }
        assert_eq!(parse_idx(&gz, "mem").unwrap().data, data);

        // A gzip file with validation errors inside is reported with its own path.
        let bad_path = dir.join("bad.gz");
        std::fs::write(&bad_path, gzip(&raw[..raw.len() - 1])).unwrap();
        let err = read_idx(&bad_path).unwrap_err().to_string();
        assert_eq!(err, format!("{}: truncated: header says 2×3×3 = 18 bytes of data, found 17", bad_path.display()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_gzip_is_an_error() {
        let raw = raw_idx([0, 0, 8, 1], &[100], &pattern(100));
        let gz = gzip(&raw);
        let err = parse_idx(&gz[..gz.len() / 2], "x.gz").unwrap_err();
        assert!(matches!(err, DataError::Gzip { .. }), "{err}");
        assert!(err.to_string().starts_with("x.gz: bad gzip data: "), "{err}");
    }

    #[test]
    fn wrong_magic() {
        let bytes = raw_idx([0x12, 0x34, 8, 1], &[2], &[1, 2]);
        let err = parse_idx(&bytes, "f").unwrap_err();
        assert!(matches!(err, DataError::BadMagic { .. }));
        assert_eq!(err.to_string(), "f: not an IDX file: magic must be 00 00 <type> <ndim>, found 12 34 08 01");
    }

    #[test]
    fn unsupported_type_code() {
        let bytes = raw_idx([0, 0, 0x0d, 1], &[2], &[0; 8]);
        let err = parse_idx(&bytes, "f").unwrap_err();
        assert!(matches!(err, DataError::UnsupportedType { code: 0x0d, .. }));
        assert_eq!(err.to_string(), "f: unsupported type 0x0d (f32); only 0x08 (u8) is supported");
        let err = parse_idx(&raw_idx([0, 0, 0x42, 1], &[2], &[0; 2]), "f").unwrap_err();
        assert_eq!(err.to_string(), "f: unsupported type 0x42 (not an IDX type code); only 0x08 (u8) is supported");
    }

    #[test]
    fn zero_dimension() {
        let bytes = raw_idx([0, 0, 8, 3], &[5, 0, 28], &[]);
        let err = parse_idx(&bytes, "f").unwrap_err();
        assert!(matches!(err, DataError::ZeroDimension { index: 1, .. }));
        assert_eq!(err.to_string(), "f: dimension 1 is 0 (dims 5×0×28)");

        let err = parse_idx(&[0, 0, 8, 0], "f").unwrap_err();
        assert!(matches!(err, DataError::NoDimensions { .. }));
        assert_eq!(err.to_string(), "f: header declares 0 dimensions");
    }

    #[test]
    fn truncated_file() {
        let bytes = raw_idx([0, 0, 8, 3], &[60000, 28, 28], &[7; 1000]);
        let err = parse_idx(&bytes, "data/mnist/train-images-idx3-ubyte.gz").unwrap_err();
        assert!(matches!(err, DataError::Truncated { .. }));
        assert_eq!(
            err.to_string(),
            "data/mnist/train-images-idx3-ubyte.gz: truncated: header says 60000×28×28 = 47040000 bytes of data, found 1000"
        );

        let err = parse_idx(&[0, 0, 8, 3, 0, 0, 0, 1], "f").unwrap_err();
        assert_eq!(err.to_string(), "f: truncated header: 3 dimensions need 16 header bytes, found 8");
        let err = parse_idx(&[0, 0], "f").unwrap_err();
        assert_eq!(err.to_string(), "f: too short for an IDX file: need at least 4 header bytes, found 2");
    }

    #[test]
    fn trailing_bytes() {
        let bytes = raw_idx([0, 0, 8, 2], &[2, 3], &[1; 8]);
        let err = parse_idx(&bytes, "f").unwrap_err();
        assert!(matches!(err, DataError::TrailingBytes { .. }));
        assert_eq!(err.to_string(), "f: 2 trailing bytes: header says 2×3 = 6 bytes of data, found 8");
    }

    #[test]
    fn oversized_dims_do_not_overflow() {
        let bytes = raw_idx([0, 0, 8, 4], &[u32::MAX; 4], &[]);
        let err = parse_idx(&bytes, "f").unwrap_err();
        assert!(matches!(err, DataError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn every_prefix_of_a_valid_file_is_an_error_not_a_panic() {
        let raw = raw_idx([0, 0, 8, 3], &[2, 3, 4], &pattern(24));
        let gz = gzip(&raw);
        for bytes in [&raw, &gz] {
            for cut in 0..bytes.len() {
                assert!(parse_idx(&bytes[..cut], "f").is_err(), "prefix {cut} accepted");
            }
            assert!(parse_idx(bytes, "f").is_ok());
        }
    }

    #[test]
    fn missing_file_names_the_path() {
        let dir = scratch("missing_file");
        let path = dir.join("nope-idx1-ubyte");
        let err = read_idx(&path).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }));
        assert!(err.to_string().starts_with(&format!("{}: cannot read: ", path.display())), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn write_idx_rejects_inconsistent_shapes() {
        let dir = scratch("write_rejects");
        let path = dir.join("x");
        for (dims, len) in [(vec![2usize, 3], 5usize), (vec![], 0), (vec![0, 3], 0)] {
            let err = write_idx(&path, &dims, &vec![0; len]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{dims:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
