//! Paper B from Python: τ profiles, rate and spiking reservoirs, ridge readouts and the temporal
//! task bank, all hetero-core's (`network::reservoir`, `neuron::heterogeneity`,
//! `readout::ridge`, `data::tasks`), so a Python reservoir of seed s is the study's network of
//! seed s. Arrays arrive float64 and C-contiguous (the Python half converts and checks shapes);
//! compute runs with the GIL released, a panic becomes a `RuntimeError`, and Ctrl-C during a
//! reservoir run stops it at the next input sample and raises `KeyboardInterrupt`.

use crate::errors;
use faer::MatRef;
use hetero_core::data::tasks;
use hetero_core::invalid::InvalidValue;
use hetero_core::network::reservoir::{tau_rng, Activity, Kind, Reservoir as RustReservoir, ReservoirConfig};
use hetero_core::neuron::heterogeneity::{Family, Profile};
use hetero_core::readout::ridge;
use numpy::{PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;

fn invalid(e: InvalidValue) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Runs `f` with the GIL released; a panic becomes a `RuntimeError`.
fn compute<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    py.detach(|| catch_unwind(AssertUnwindSafe(f))).map_err(errors::panic)
}

/// Runs `f(stop)` on a worker thread while this thread waits with the GIL released, checking
/// for signals every 50 ms: on Ctrl-C it sets `stop`, waits for the worker to give up (at its
/// next input sample) and raises `KeyboardInterrupt`. A panic becomes a `RuntimeError`.
fn interruptible<T: Send>(py: Python<'_>, f: impl FnOnce(&AtomicBool) -> T + Send) -> PyResult<T> {
    let stop = AtomicBool::new(false);
    let (done, finished) = channel::<()>();
    let finished = Mutex::new(finished); // a Receiver is Send but not Sync
    std::thread::scope(|scope| {
        let stop_ref = &stop;
        let worker = scope.spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| f(stop_ref)));
            let _ = done.send(());
            result
        });
        loop {
            let wait = || finished.lock().unwrap_or_else(|e| e.into_inner()).recv_timeout(Duration::from_millis(50));
            match py.detach(wait) {
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(interrupt) = py.check_signals() {
                        stop.store(true, Ordering::Relaxed);
                        let _ = py.detach(|| worker.join());
                        return Err(interrupt);
                    }
                }
                _ => break,
            }
        }
        py.detach(|| worker.join()).map_err(errors::panic)?.map_err(errors::panic)
    })
}

fn interrupted() -> PyErr {
    PyKeyboardInterrupt::new_err("reservoir run interrupted")
}

fn matrix<'py>(py: Python<'py>, v: Vec<f64>, rows: usize, cols: usize) -> PyResult<Bound<'py, PyArray2<f64>>> {
    PyArray1::from_vec(py, v).reshape([rows, cols])
}

fn parse_family(family: &str) -> PyResult<Family> {
    family.parse::<Family>().map_err(invalid)
}

/// n values of τ (ms) from `family` with mean `mean_ms` and CV `cv`, drawn from the stream a
/// reservoir of `n` neurons and `seed` draws its τ from; clipped below at `min_ms` when given.
#[pyfunction]
#[pyo3(signature = (family, mean_ms, cv, n, seed, min_ms))]
fn tau_profile<'py>(
    py: Python<'py>,
    family: &str,
    mean_ms: f64,
    cv: f64,
    n: usize,
    seed: u64,
    min_ms: Option<f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let family = parse_family(family)?;
    let profile = Profile { family, mean_ms, cv: if family == Family::Homogeneous { 0.0 } else { cv } };
    profile.validate().map_err(invalid)?;
    let mut rng = tau_rng(seed, n);
    let tau = match min_ms {
        Some(m) => profile.sample_clipped(n, m, &mut rng),
        None => profile.sample(n, &mut rng),
    };
    Ok(PyArray1::from_vec(py, tau))
}

/// A reservoir of hetero-core: built from its seed, with optional given W, W_in and bias.
#[pyclass(module = "hetero._hetero")]
pub struct Reservoir {
    inner: RustReservoir,
    last: Activity,
}

#[pymethods]
impl Reservoir {
    /// `kind` is rate | spiking; `tau_ms` has N values; `w` (N × N), `w_in` (N × D) and `bias`
    /// (N), when given, replace what the seed draws.
    #[new]
    #[pyo3(signature = (kind, n, inputs, tau_ms, spectral_radius, density, input_scaling, bias_scaling,
        bias_centre, recurrent, noise, dt_ms, substeps, tau_syn_ms, tau_filter_ms, spike_gain, seed, w, w_in, bias))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        kind: &str,
        n: usize,
        inputs: usize,
        tau_ms: PyReadonlyArray1<'_, f64>,
        spectral_radius: f64,
        density: f64,
        input_scaling: f64,
        bias_scaling: f64,
        bias_centre: Option<f64>,
        recurrent: bool,
        noise: f64,
        dt_ms: f64,
        substeps: Option<usize>,
        tau_syn_ms: Option<f64>,
        tau_filter_ms: Option<f64>,
        spike_gain: Option<f64>,
        seed: u64,
        w: Option<PyReadonlyArray2<'_, f64>>,
        w_in: Option<PyReadonlyArray2<'_, f64>>,
        bias: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        // Any placeholder profile: τ is replaced below, and W, W_in, b do not depend on it.
        let placeholder = Profile { family: Family::Homogeneous, mean_ms: 1.0, cv: 0.0 };
        let mut c = match kind {
            "rate" => ReservoirConfig::rate(n, placeholder),
            "spiking" => ReservoirConfig::spiking(n, placeholder),
            _ => return Err(PyValueError::new_err(format!("kind = {kind:?}: expected \"rate\" or \"spiking\""))),
        };
        c.inputs = inputs;
        c.spectral_radius = spectral_radius;
        c.p_connect = density;
        c.input_scale = input_scaling;
        c.bias_scale = bias_scaling;
        c.recurrent = recurrent;
        c.noise = noise;
        c.dt_ms = dt_ms;
        if let Some(v) = bias_centre {
            c.bias_centre = v;
        }
        if let Some(v) = substeps {
            c.substeps = v;
        }
        if let Some(v) = tau_syn_ms {
            c.tau_syn_ms = v;
        }
        if let Some(v) = tau_filter_ms {
            c.tau_filter_ms = v;
        }
        if let Some(v) = spike_gain {
            c.spike_gain = v;
        }
        let tau = tau_ms.as_slice()?.to_vec();
        let w = w.map(|a| a.as_slice().map(|s| s.to_vec())).transpose()?;
        let w_in = w_in.map(|a| a.as_slice().map(|s| s.to_vec())).transpose()?;
        let bias = bias.map(|a| a.as_slice().map(|s| s.to_vec())).transpose()?;
        let built = compute(py, move || -> Result<RustReservoir, InvalidValue> {
            let mut r = RustReservoir::build(&c, seed)?;
            if w.is_some() || w_in.is_some() || bias.is_some() {
                let w = w.unwrap_or_else(|| r.w_dense());
                let w_in = w_in.unwrap_or_else(|| r.w_in.clone());
                let bias = bias.unwrap_or_else(|| r.bias.clone());
                r = RustReservoir::from_weights(&c, seed, &w, &w_in, &bias, &tau)?;
            } else {
                r.set_tau_ms(&tau)?;
            }
            Ok(r)
        })?
        .map_err(invalid)?;
        Ok(Self { inner: built, last: Activity::default() })
    }

    /// States from rest over `inputs` (T × D): rate tanh(x), spiking the filtered spike trains,
    /// one row per input sample (T × N). `noise_key` keys the noise stream (σ > 0 only).
    /// `threads`: 0 = as many as pay off, n = exactly n (rate without noise; same bits for any).
    #[pyo3(signature = (inputs, noise_key, threads))]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        inputs: PyReadonlyArray2<'py, f64>,
        noise_key: u64,
        threads: usize,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (t, d) = (inputs.shape()[0], inputs.shape()[1]);
        let r = &self.inner;
        if d != r.config.inputs {
            return Err(PyValueError::new_err(format!(
                "inputs: expected shape (T, {}), got ({t}, {d})",
                r.config.inputs
            )));
        }
        let u = inputs.as_slice()?;
        let (states, activity) =
            interruptible(py, |stop| r.collect_until(u, noise_key, threads, stop))?.ok_or_else(interrupted)?;
        self.last = activity;
        matrix(py, states, t, r.config.n)
    }

    /// States from rest for each row of `tau_ms` (P × N) on these weights: P × T × N, all P in one
    /// [`ReservoirBatch`](hetero_core::network::reservoir_batch::ReservoirBatch), equal to P
    /// separate runs bit for bit. `threads` as in `run`.
    #[pyo3(signature = (inputs, tau_ms, noise_key, threads))]
    fn run_many<'py>(
        &mut self,
        py: Python<'py>,
        inputs: PyReadonlyArray2<'py, f64>,
        tau_ms: PyReadonlyArray2<'py, f64>,
        noise_key: u64,
        threads: usize,
    ) -> PyResult<Bound<'py, PyArray3<f64>>> {
        let (t, d) = (inputs.shape()[0], inputs.shape()[1]);
        let (p, n) = (tau_ms.shape()[0], tau_ms.shape()[1]);
        let r = &self.inner;
        if d != r.config.inputs || n != r.config.n {
            return Err(PyValueError::new_err(format!(
                "inputs / tau_ms: expected shapes (T, {}) / (P, {}), got ({t}, {d}) / ({p}, {n})",
                r.config.inputs, r.config.n
            )));
        }
        let u = inputs.as_slice()?;
        let taus: Vec<Vec<f64>> = tau_ms.as_slice()?.chunks(n.max(1)).map(|c| c.to_vec()).collect();
        let (states, activity) = interruptible(py, |stop| r.collect_many(u, &taus[..p], noise_key, threads, stop))?
            .map_err(invalid)?
            .ok_or_else(interrupted)?;
        self.last = activity;
        PyArray1::from_vec(py, states).reshape([p, t, n])
    }

    /// A reservoir with the same weights and biases and τ = `tau_ms` (N values, clipped at Δt).
    fn with_tau(&self, tau_ms: PyReadonlyArray1<'_, f64>) -> PyResult<Self> {
        let mut inner = self.inner.clone();
        inner.set_tau_ms(tau_ms.as_slice()?).map_err(invalid)?;
        Ok(Self { inner, last: Activity::default() })
    }

    /// Recurrent weights as used, N × N (W_ij from j to i).
    #[getter(W)]
    fn w<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let n = self.inner.config.n;
        matrix(py, self.inner.w_dense(), n, n)
    }

    /// Input weights, N × D.
    #[getter(W_in)]
    fn w_in<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let c = &self.inner.config;
        matrix(py, self.inner.w_in.clone(), c.n, c.inputs)
    }

    /// Biases, N.
    #[getter]
    fn bias<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.inner.bias.clone())
    }

    /// τ (ms) after clipping at Δt, N.
    #[getter]
    fn tau_ms<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.inner.tau_ms.clone())
    }

    /// Neurons N.
    #[getter]
    fn n(&self) -> usize {
        self.inner.config.n
    }

    /// Input channels D.
    #[getter]
    fn inputs(&self) -> usize {
        self.inner.config.inputs
    }

    /// rate | spiking.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.config.kind.name()
    }

    /// The seed it was built from.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// Non-zero recurrent weights (0 when recurrence is removed).
    #[getter]
    fn nnz(&self) -> usize {
        self.inner.nnz
    }

    /// Δt (ms).
    #[getter]
    fn dt_ms(&self) -> f64 {
        self.inner.config.dt_ms
    }

    /// The configuration as a dict (every field of hetero-core's `ReservoirConfig` but the profile).
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.inner.config;
        let d = PyDict::new(py);
        d.set_item("kind", c.kind.name())?;
        d.set_item("n", c.n)?;
        d.set_item("inputs", c.inputs)?;
        d.set_item("density", c.p_connect)?;
        d.set_item("spectral_radius", c.spectral_radius)?;
        d.set_item("recurrent", c.recurrent)?;
        d.set_item("input_scaling", c.input_scale)?;
        d.set_item("bias_scaling", c.bias_scale)?;
        d.set_item("noise", c.noise)?;
        d.set_item("dt_ms", c.dt_ms)?;
        if c.kind == Kind::Spiking {
            d.set_item("bias_centre", c.bias_centre)?;
            d.set_item("substeps", c.substeps)?;
            d.set_item("tau_syn_ms", c.tau_syn_ms)?;
            d.set_item("tau_filter_ms", c.tau_filter_ms)?;
            d.set_item("spike_gain", c.spike_gain)?;
        }
        Ok(d)
    }

    /// Counters of the last `run`: samples, spikes (spiking), synaptic events.
    fn last_activity<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("samples", self.last.samples)?;
        d.set_item("spikes", self.last.spikes)?;
        d.set_item("synaptic_events", self.last.synaptic_events)?;
        Ok(d)
    }
}

/// Ridge readouts of every column of `y` on `x` (hetero-core's `readout::ridge::fit`): relative
/// λ per column chosen on (`x_val`, `y_val`) from `grid`. Returns (weights N × K, bias K, λ K).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn ridge_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    x_val: PyReadonlyArray2<'py, f64>,
    y_val: PyReadonlyArray2<'py, f64>,
    grid: Vec<f64>,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>)> {
    if grid.is_empty() {
        return Err(PyValueError::new_err("lambdas: give at least one value"));
    }
    let (t, n, k, tv) = (x.shape()[0], x.shape()[1], y.shape()[1], x_val.shape()[0]);
    let (xs, ys, xvs, yvs) = (x.as_slice()?, y.as_slice()?, x_val.as_slice()?, y_val.as_slice()?);
    let readout = compute(py, || {
        // The eigendecomposition follows faer's global setting: sequential, so results never
        // depend on the thread count (as in the study).
        faer::set_global_parallelism(faer::Par::Seq);
        ridge::fit(
            MatRef::from_row_major_slice(xs, t, n),
            MatRef::from_row_major_slice(ys, t, k),
            MatRef::from_row_major_slice(xvs, tv, n),
            MatRef::from_row_major_slice(yvs, tv, k),
            &grid,
        )
    })?;
    let w: Vec<f64> = (0..n * k).map(|e| readout.weights[(e / k, e % k)]).collect();
    Ok((matrix(py, w, n, k)?, PyArray1::from_vec(py, readout.bias), PyArray1::from_vec(py, readout.lambda_rel)))
}

/// Predictions X·W + 1bᵀ (T × K) of a readout (weights N × K, bias K).
#[pyfunction]
fn ridge_predict<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    weights: PyReadonlyArray2<'py, f64>,
    bias: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (t, n, k) = (x.shape()[0], x.shape()[1], weights.shape()[1]);
    let (xs, ws) = (x.as_slice()?, weights.as_slice()?);
    let readout = ridge::Readout {
        weights: MatRef::from_row_major_slice(ws, n, k).to_owned(),
        bias: bias.as_slice()?.to_vec(),
        lambda_rel: vec![f64::NAN; k],
    };
    let p = compute(py, || readout.predict(MatRef::from_row_major_slice(xs, t, n)))?;
    let v: Vec<f64> = (0..t * k).map(|e| p[(e / k, e % k)]).collect();
    matrix(py, v, t, k)
}

/// R² per column (1 − SSE/SST, SST around the column's mean; NaN for a constant column).
#[pyfunction]
fn r2_per_column<'py>(
    py: Python<'py>,
    pred: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (t, k) = (y.shape()[0], y.shape()[1]);
    let p = MatRef::from_row_major_slice(pred.as_slice()?, t, k);
    let y = MatRef::from_row_major_slice(y.as_slice()?, t, k);
    Ok(PyArray1::from_vec(py, ridge::r2_per_column(p, y)))
}

/// Every task of the bank, in its fixed order.
#[pyfunction]
fn task_names() -> Vec<String> {
    tasks::bank().iter().map(|t| t.name.clone()).collect()
}

/// The stimulus (`length` × D) and target (`length`) of the task `name` for `seed`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn task_get<'py>(
    py: Python<'py>,
    name: &str,
    seed: u64,
    length: usize,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>)> {
    let task = tasks::find(name).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let d = task.stimulus.channels();
    let (mut u, y) =
        compute(py, || tasks::generate(name, seed, length))?.map_err(|e| PyValueError::new_err(e.to_string()))?;
    u.truncate(length * d);
    Ok((matrix(py, u, length, d)?, PyArray1::from_vec(py, y)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Reservoir>()?;
    m.add_function(wrap_pyfunction!(tau_profile, m)?)?;
    m.add_function(wrap_pyfunction!(ridge_fit, m)?)?;
    m.add_function(wrap_pyfunction!(ridge_predict, m)?)?;
    m.add_function(wrap_pyfunction!(r2_per_column, m)?)?;
    m.add_function(wrap_pyfunction!(task_names, m)?)?;
    m.add_function(wrap_pyfunction!(task_get, m)?)?;
    Ok(())
}
