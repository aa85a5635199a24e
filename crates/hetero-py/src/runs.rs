//! Runs from Python: train a configuration into a run directory (the CLI's format), read a run's
//! files back, list the presets.
//!
//! `train` runs the engine on a worker thread with the GIL released. The calling thread waits on
//! a channel of metrics rows, hands each to the Python progress callback, and checks for signals
//! between rows: on Ctrl-C it asks the loop to stop (an observer's `stop_requested`), the loop
//! writes the checkpoint of the generation it is in and returns, and `KeyboardInterrupt` is raised
//! with the run files intact (resume with `resume=True`).

use crate::errors;
use hetero_classify::train::train as train_config;
use hetero_core::config::{Config, ConfigTree, PRESETS};
use hetero_core::engine::{claim_new_run_dir, config_stem, resume_run_dir, MetricsRow, Observer, TrainError};
use hetero_core::io::{load_arrays as read_arrays, Array};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

/// Forwards rows to the waiting Python thread and relays its stop request to the loop.
struct Relay {
    rows: Sender<MetricsRow>,
    stop: Arc<AtomicBool>,
}

impl Observer for Relay {
    fn on_generation(&mut self, row: &MetricsRow) {
        let _ = self.rows.send(row.clone());
    }
    fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// The configuration `source` (a preset name or a TOML path) or `toml_text` names, with the
/// `overrides` (`key=value`) applied, validated.
fn load_config(source: Option<&str>, toml_text: Option<&str>, overrides: &[String]) -> PyResult<(ConfigTree, String)> {
    let (tree, stem) = match (source, toml_text) {
        (_, Some(text)) => (ConfigTree::parse(text, "config dict").map_err(errors::config)?, "config".to_string()),
        (Some(s), None) => (ConfigTree::load(s).map_err(errors::config)?, config_stem(s)),
        (None, None) => {
            return Err(pyo3::exceptions::PyValueError::new_err("config: give a preset name, a path or a dict"))
        }
    };
    let mut tree = tree;
    for o in overrides {
        tree.set(o).map_err(errors::config)?;
    }
    Ok((tree, stem))
}

/// Trains; returns the run directory. `progress(row_dict)` is called after every generation.
#[pyfunction]
#[pyo3(signature = (source, toml_text, overrides, out, resume, progress))]
fn train(
    py: Python<'_>,
    source: Option<String>,
    toml_text: Option<String>,
    overrides: Vec<String>,
    out: Option<PathBuf>,
    resume: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let (tree, stem) = load_config(source.as_deref(), toml_text.as_deref(), &overrides)?;
    let mut config: Config = tree.finish().map_err(errors::config)?;
    config.source = stem.clone();
    if resume {
        let dir = resume_run_dir(out.as_deref(), &stem, config.run.seed).map_err(|e| errors::train(e.into()))?;
        let saved = ConfigTree::load(&dir.join("config.toml").display().to_string()).map_err(errors::config)?;
        let mut saved = saved;
        for o in &overrides {
            if !(o.starts_with("run.generations=") || o.starts_with("run.threads=")) {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "resume=True continues the saved configuration; `{o}` cannot change it (only generations and threads)"
                )));
            }
            saved.set(o).map_err(errors::config)?;
        }
        let mut saved = saved.finish().map_err(errors::config)?;
        saved.source = stem;
        return run_in_worker(py, saved, dir, true, progress);
    }
    // Claimed before training starts: runs started at once get their own default names, and a
    // second run into one `out` is refused (FileExistsError naming the process holding it).
    let (dir, claim) = claim_new_run_dir(out.as_deref(), &stem, config.run.seed, &config.to_toml())
        .map_err(|e| errors::train(e.into()))?;
    let trained = run_in_worker(py, config, dir, false, progress);
    drop(claim);
    trained
}

fn run_in_worker(
    py: Python<'_>,
    config: Config,
    dir: PathBuf,
    resume: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let (tx, rx) = channel::<MetricsRow>();
    let stop = Arc::new(AtomicBool::new(false));
    let mut relay = Relay { rows: tx, stop: stop.clone() };
    let worker_dir = dir.clone();
    let worker = std::thread::spawn(move || train_config(&config, &worker_dir, resume, &mut [&mut relay]));
    let mut interrupt: Option<PyErr> = None;
    let rx = std::sync::Mutex::new(rx); // waited on with the GIL released, from this thread only
    loop {
        match py.detach(|| rx.lock().unwrap_or_else(|e| e.into_inner()).recv_timeout(Duration::from_millis(50))) {
            Ok(row) => {
                if let (Some(callback), None) = (&progress, &interrupt) {
                    let d = row_dict(py, &row)?;
                    if let Err(e) = callback.call1(py, (d,)) {
                        stop.store(true, Ordering::Relaxed);
                        interrupt = Some(e);
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if interrupt.is_none() {
            if let Err(e) = py.check_signals() {
                stop.store(true, Ordering::Relaxed);
                interrupt = Some(e);
            }
        }
    }
    let result = py.detach(|| worker.join()).map_err(errors::panic)?;
    match (result, interrupt) {
        (Err(TrainError::Interrupted { .. }), Some(e)) | (Ok(_), Some(e)) => Err(e),
        (Err(e), _) => Err(errors::train(e)),
        (Ok(_), None) => Ok(dir.display().to_string()),
    }
}

fn row_dict<'py>(py: Python<'py>, row: &MetricsRow) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("generation", row.generation)?;
    d.set_item("fitness_mean", row.fitness_mean)?;
    d.set_item("fitness_max", row.fitness_max)?;
    d.set_item("centre_fitness", row.centre_fitness)?;
    d.set_item("sigma_mean", row.sigma_mean)?;
    d.set_item("wall_s", row.wall_s)?;
    Ok(d)
}

/// Every array of a safetensors file (params, checkpoint), with its shape and dtype.
#[pyfunction]
fn load_arrays<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let (arrays, _) = read_arrays(&path).map_err(errors::io)?;
    let d = PyDict::new(py);
    let mut names: Vec<&String> = arrays.keys().collect();
    names.sort();
    for name in names {
        match &arrays[name] {
            Array::F32(shape, v) => d.set_item(name, PyArray1::from_slice(py, v).reshape(shape.clone())?)?,
            Array::F64(shape, v) => d.set_item(name, PyArray1::from_slice(py, v).reshape(shape.clone())?)?,
        }
    }
    Ok(d)
}

/// The validated configuration (every key) of a preset, TOML path or TOML text, with overrides,
/// as a nested dict.
#[pyfunction]
#[pyo3(signature = (source, toml_text, overrides))]
fn resolve_config<'py>(
    py: Python<'py>,
    source: Option<String>,
    toml_text: Option<String>,
    overrides: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let (tree, _) = load_config(source.as_deref(), toml_text.as_deref(), &overrides)?;
    let config = tree.finish().map_err(errors::config)?;
    let value = toml::Value::try_from(&config).expect("a config serialises");
    toml_to_py(py, &value)
}

/// A TOML value as Python objects (tables as dicts).
fn toml_to_py<'py>(py: Python<'py>, v: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        toml::Value::String(s) => s.into_pyobject(py)?.into_any(),
        toml::Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        toml::Value::Float(f) => f.into_pyobject(py)?.into_any(),
        toml::Value::Boolean(b) => b.into_pyobject(py)?.to_owned().into_any(),
        toml::Value::Datetime(d) => d.to_string().into_pyobject(py)?.into_any(),
        toml::Value::Array(a) => {
            let items: Vec<Bound<'py, PyAny>> = a.iter().map(|x| toml_to_py(py, x)).collect::<PyResult<_>>()?;
            pyo3::types::PyList::new(py, items)?.into_any()
        }
        toml::Value::Table(t) => {
            let d = PyDict::new(py);
            for (k, x) in t {
                d.set_item(k, toml_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// A nested dict of configuration values as TOML text (`ValueError` naming a key whose value is
/// not a bool, int, float, str, list or dict).
#[pyfunction]
fn dict_to_toml(table: &Bound<'_, PyDict>) -> PyResult<String> {
    fn convert(key: &str, v: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
        use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple};
        if v.is_instance_of::<PyBool>() {
            return Ok(toml::Value::Boolean(v.extract()?));
        }
        if v.is_instance_of::<PyInt>() {
            return Ok(toml::Value::Integer(v.extract().map_err(|_| {
                pyo3::exceptions::PyValueError::new_err(format!("config[{key}] = {v}: integer out of range"))
            })?));
        }
        if v.is_instance_of::<PyFloat>() {
            return Ok(toml::Value::Float(v.extract()?));
        }
        if v.is_instance_of::<PyString>() {
            return Ok(toml::Value::String(v.extract()?));
        }
        if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            let items: Vec<toml::Value> = v.try_iter()?.map(|x| convert(key, &x?)).collect::<PyResult<_>>()?;
            return Ok(toml::Value::Array(items));
        }
        if let Ok(d) = v.cast::<PyDict>() {
            let mut t = toml::map::Map::new();
            for (k, x) in d.iter() {
                let k: String = k.extract().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(format!("config[{key}]: keys must be strings"))
                })?;
                let path = if key.is_empty() { k.clone() } else { format!("{key}.{k}") };
                t.insert(k, convert(&path, &x)?);
            }
            return Ok(toml::Value::Table(t));
        }
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "config[{key}]: a {} is not a configuration value (bool, int, float, str, list or dict)",
            v.get_type().name()?
        )))
    }
    let value = convert("", table.as_any())?;
    toml::to_string(&value).map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("config: {e}")))
}

/// (name, description) of every built-in preset.
#[pyfunction]
fn presets() -> PyResult<Vec<(String, String)>> {
    PRESETS
        .iter()
        .map(|(name, text)| {
            let c = ConfigTree::parse(text, name).and_then(|t| t.finish()).map_err(errors::config)?;
            Ok((name.to_string(), c.run.description))
        })
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(load_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_config, m)?)?;
    m.add_function(wrap_pyfunction!(dict_to_toml, m)?)?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    Ok(())
}
