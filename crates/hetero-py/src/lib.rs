//! `hetero._hetero`: the native half of the `hetero` Python package (python/hetero/). The Python
//! half checks shapes and dtypes, holds the docstrings and builds the user-facing classes; this
//! crate runs the engine with the GIL released and turns every Rust error (and panic) into a
//! Python exception.

#![warn(missing_docs)]

mod envs;
mod errors;
mod reservoirs;
mod runs;
mod snn;
mod strategies;

use pyo3::prelude::*;

/// The module: functions and classes the Python package wraps.
#[pymodule]
fn _hetero(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    runs::register(m)?;
    strategies::register(m)?;
    envs::register(m)?;
    snn::register(m)?;
    reservoirs::register(m)?;
    errors::register(m)?;
    Ok(())
}
