//! Files a run writes: atomic writes (temporary file in the same folder, then rename, so a
//! reader or a crash never sees half a file) and safetensors arrays readable from Python
//! (`safetensors.numpy.load_file`).

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prints one line to stderr with a single `write` call. `eprintln!` writes each formatted
/// piece separately, so under `mpirun` (which forwards every rank's stderr and prints its own
/// banners) a message could arrive cut in two with other text in between.
pub fn report_line(line: &str) {
    let mut whole = String::with_capacity(line.len() + 1);
    whole.push_str(line);
    whole.push('\n');
    let _ = std::io::stderr().lock().write_all(whole.as_bytes());
}

/// I/O errors, each naming the file.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The OS refused.
    #[error("{path}: {message}")]
    Os {
        /// The file.
        path: String,
        /// The OS message.
        message: String,
    },
    /// A safetensors file is malformed or lacks an entry.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn os(path: &Path, e: impl std::fmt::Display) -> IoError {
    IoError::Os { path: path.display().to_string(), message: e.to_string() }
}

/// Writes `bytes` to `path` atomically: `<path>.tmp`, fsync, rename; on failure the temporary
/// file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let tmp: PathBuf = {
        let mut s = path.as_os_str().to_owned();
        s.push(".tmp");
        s.into()
    };
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    // A failed write (a full disk) leaves no temporary file behind.
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(os(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        os(path, e)
    })
}

/// An array to save: f32 or f64 values with a shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Array {
    /// 32-bit floats.
    F32(Vec<usize>, Vec<f32>),
    /// 64-bit floats.
    F64(Vec<usize>, Vec<f64>),
}

impl Array {
    /// A 1-D f64 array.
    pub fn vector64(v: Vec<f64>) -> Self {
        Array::F64(vec![v.len()], v)
    }

    /// The values as f64, whatever the stored type.
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Array::F32(_, v) => v.iter().map(|&x| x as f64).collect(),
            Array::F64(_, v) => v.clone(),
        }
    }

    /// The values as f32.
    pub fn to_f32(&self) -> Vec<f32> {
        match self {
            Array::F32(_, v) => v.clone(),
            Array::F64(_, v) => v.iter().map(|&x| x as f32).collect(),
        }
    }
}

/// The one safetensors metadata key hetero writes: its value is a JSON object with sorted keys.
/// (safetensors stores metadata as a hash map whose order changes from run to run; one key
/// keeps the file's bytes identical for identical content.) Python:
/// `json.loads(safetensors.safe_open(path, "np").metadata()["hetero"])`.
pub const METADATA_KEY: &str = "hetero";

/// Saves named arrays and string metadata as one safetensors file, atomically; the same
/// content always gives the same bytes.
pub fn save_arrays(path: &Path, arrays: &[(String, Array)], metadata: &HashMap<String, String>) -> Result<(), IoError> {
    let sorted: std::collections::BTreeMap<&String, &String> = metadata.iter().collect();
    let packed =
        HashMap::from([(METADATA_KEY.to_string(), serde_json::to_string(&sorted).expect("strings serialise"))]);
    let bytes: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = arrays
        .iter()
        .map(|(name, a)| match a {
            Array::F32(shape, v) => {
                (name.clone(), Dtype::F32, shape.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect())
            }
            Array::F64(shape, v) => {
                (name.clone(), Dtype::F64, shape.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect())
            }
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = bytes
        .iter()
        .map(|(n, d, s, b)| {
            Ok((
                n.clone(),
                TensorView::new(*d, s.clone(), b)
                    .map_err(|e| IoError::Format { path: path.display().to_string(), message: e.to_string() })?,
            ))
        })
        .collect::<Result<_, IoError>>()?;
    let data = safetensors::serialize(views, &Some(packed))
        .map_err(|e| IoError::Format { path: path.display().to_string(), message: e.to_string() })?;
    write_atomic(path, &data)
}

/// Named arrays of a safetensors file.
pub type Arrays = HashMap<String, Array>;
/// String metadata of a safetensors file.
pub type Metadata = HashMap<String, String>;

/// Loads every array and the metadata of a safetensors file (f32 and f64 arrays only).
pub fn load_arrays(path: &Path) -> Result<(Arrays, Metadata), IoError> {
    let bytes = std::fs::read(path).map_err(|e| os(path, e))?;
    parse_arrays(&bytes, &path.display().to_string())
}

/// Parses the bytes of a safetensors file (as [`load_arrays`]); `name` is used in errors only.
/// Malformed bytes are an [`IoError::Format`], never a panic (fuzzed: `fuzz/`).
pub fn parse_arrays(bytes: &[u8], name: &str) -> Result<(Arrays, Metadata), IoError> {
    let fmt = |m: String| IoError::Format { path: name.to_string(), message: m };
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| fmt(format!("not a safetensors file ({e})")))?;
    let raw = meta.metadata().clone().unwrap_or_default();
    let metadata: Metadata = match raw.get(METADATA_KEY) {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| fmt(format!("metadata `{METADATA_KEY}` is not a JSON object of strings ({e})")))?,
        None => raw,
    };
    let st = SafeTensors::deserialize(bytes).map_err(|e| fmt(format!("not a safetensors file ({e})")))?;
    let mut out = HashMap::new();
    for (name, view) in st.tensors() {
        let shape = view.shape().to_vec();
        let data = view.data();
        let array = match view.dtype() {
            Dtype::F32 => {
                Array::F32(shape, data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect())
            }
            Dtype::F64 => {
                Array::F64(shape, data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect())
            }
            other => return Err(fmt(format!("array `{name}` has unsupported type {other:?}"))),
        };
        out.insert(name, array);
    }
    Ok((out, metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_round_trip_and_leave_no_temporary() {
        let dir = std::env::temp_dir().join(format!("hetero-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.safetensors");
        let arrays = vec![
            ("x".to_string(), Array::F32(vec![2, 2], vec![1.0, 2.0, 3.0, -4.5])),
            ("y".to_string(), Array::vector64(vec![0.1, 1e-300])),
        ];
        let meta = HashMap::from([("generation".to_string(), "7".to_string())]);
        save_arrays(&path, &arrays, &meta).unwrap();
        let (back, m) = load_arrays(&path).unwrap();
        assert_eq!(back["x"], arrays[0].1);
        assert_eq!(back["y"], arrays[1].1);
        assert_eq!(m["generation"], "7");
        assert!(!dir.join("a.safetensors.tmp").exists());
        let bytes = std::fs::read(&path).unwrap();
        let meta2 = HashMap::from([
            ("b".to_string(), "2".to_string()),
            ("a".to_string(), "1".to_string()),
            ("c".to_string(), "3".to_string()),
        ]);
        save_arrays(&path, &arrays, &meta2).unwrap();
        let first = std::fs::read(&path).unwrap();
        for _ in 0..5 {
            save_arrays(&path, &arrays, &meta2.clone().into_iter().collect()).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), first, "same content, same bytes");
        }
        assert_ne!(bytes, first);
        std::fs::write(dir.join("bad.safetensors"), b"garbage").unwrap();
        let e = load_arrays(&dir.join("bad.safetensors")).unwrap_err().to_string();
        assert!(e.contains("bad.safetensors") && e.contains("not a safetensors file"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
