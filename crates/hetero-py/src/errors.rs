//! Rust errors as Python exceptions: a value or configuration that is not allowed is a
//! `ValueError`, a file problem an `OSError`, a size that cannot fit a `MemoryError`, an interrupt `KeyboardInterrupt`, a panic a
//! `RuntimeError` naming it (never an aborted interpreter).

use hetero_core::config::ConfigError;
use hetero_core::engine::{RunDirError, TrainError};
use hetero_core::io::IoError;
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyKeyboardInterrupt, PyMemoryError, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;

/// A configuration error: `ValueError` with the CLI's one-line message.
pub fn config(e: ConfigError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A file error: `OSError` naming the file.
pub fn io(e: IoError) -> PyErr {
    PyOSError::new_err(e.to_string())
}

/// A training error by kind.
pub fn train(e: TrainError) -> PyErr {
    let message = e.to_string();
    match e {
        TrainError::Io(_) | TrainError::Threads(_) => PyOSError::new_err(message),
        TrainError::RunDir(RunDirError::NoCheckpoint(_)) => PyFileNotFoundError::new_err(message),
        TrainError::RunDir(_) => PyFileExistsError::new_err(message),
        TrainError::Interrupted { .. } => PyKeyboardInterrupt::new_err(message),
        TrainError::Observer(_) => PyRuntimeError::new_err(message),
        TrainError::Memory(_) => PyMemoryError::new_err(message),
        _ => PyValueError::new_err(message),
    }
}

/// A panic payload as a `RuntimeError` ("internal error … (please report)").
pub fn panic(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let what = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    PyRuntimeError::new_err(format!("internal error in hetero: {what} (please report)"))
}

/// Panics inside Rust on purpose, for the tests of [`panic()`]'s path.
#[pyfunction]
fn _panic_for_test(py: Python<'_>) -> PyResult<()> {
    let worker = std::thread::spawn(|| -> () { panic!("a test panic") });
    py.detach(|| worker.join()).map_err(panic)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)
}
