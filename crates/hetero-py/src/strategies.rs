//! The evolution strategies with evosax's ask/tell seam, on any objective (maximisation).
//! The strategy is hetero's own (`hetero_core::strategy`), built from a configuration so every
//! setting is validated as `--set strategy.…` is; generation g's noise is keyed by (seed, g), so
//! the same seed and the same fitness give the same populations as a `hetero train` run.

use crate::errors;
use hetero_core::config::ConfigTree;
use hetero_core::strategy::Strategy as RustStrategy;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;
use std::sync::Mutex;

/// One strategy, its generation counter and the population of the last ask.
#[pyclass(module = "hetero._hetero")]
pub struct Strategy {
    inner: Mutex<Box<dyn RustStrategy>>,
    name: String,
    generation: u64,
    asked: bool,
    fixed_sigma: Option<f64>,
}

impl Strategy {
    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn RustStrategy>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl Strategy {
    /// `name` is pgpe | open_es | snes; `settings` are `strategy.<name>.<key>=<value>` pairs.
    #[new]
    #[pyo3(signature = (name, num_dims, popsize, settings, seed, init))]
    fn new(
        name: &str,
        num_dims: usize,
        popsize: usize,
        settings: Vec<(String, String)>,
        seed: u64,
        init: Option<PyReadonlyArray1<'_, f32>>,
    ) -> PyResult<Self> {
        if num_dims == 0 {
            return Err(PyValueError::new_err("num_dims = 0: must be at least 1"));
        }
        let mut tree = ConfigTree::parse("", "strategy").map_err(errors::config)?;
        tree.set(&format!("strategy.name={name}")).map_err(errors::config)?;
        tree.set(&format!("strategy.population={popsize}")).map_err(errors::config)?;
        for (key, value) in &settings {
            tree.set(&format!("strategy.{name}.{key}={value}")).map_err(errors::config)?;
        }
        let config = tree.finish().map_err(errors::config)?;
        // The population (f32) and the noise (f64) of every member, before they are allocated.
        let needs = (num_dims as u128).saturating_mul(popsize as u128).saturating_mul(12);
        hetero_core::resources::check_memory(format!("num_dims = {num_dims}, popsize = {popsize}"), needs)
            .map_err(|e| pyo3::exceptions::PyMemoryError::new_err(e.to_string()))?;
        let centre = match init {
            Some(a) => {
                let v = a.as_slice()?.to_vec();
                if v.len() != num_dims {
                    return Err(PyValueError::new_err(format!(
                        "init: expected shape ({num_dims},), got ({},)",
                        v.len()
                    )));
                }
                v
            }
            None => vec![0.0; num_dims],
        };
        let fixed_sigma = (name == "open_es").then_some(config.strategy.open_es.sigma);
        Ok(Self {
            inner: Mutex::new(config.strategy.build(&centre, seed)),
            name: name.into(),
            generation: 0,
            asked: false,
            fixed_sigma,
        })
    }

    /// The population of this generation, float32 `[popsize, num_dims]`.
    fn ask<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let g = self.generation;
        let strategy = self.inner.get_mut().unwrap_or_else(|e| e.into_inner());
        let (p, d) = (strategy.population_size(), strategy.dim());
        let mut population = vec![0.0f32; p * d];
        py.detach(|| strategy.ask(g, &mut population));
        self.asked = true;
        PyArray1::from_vec(py, population).reshape([p, d])
    }

    /// Updates from the fitness of the last ask (float64 `[popsize]`, finite; higher is better).
    fn tell(&mut self, py: Python<'_>, fitness: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        if !self.asked {
            return Err(PyRuntimeError::new_err("tell() before ask(): ask for this generation's population first"));
        }
        let f = fitness.as_slice()?.to_vec();
        let strategy = self.inner.get_mut().unwrap_or_else(|e| e.into_inner());
        if f.len() != strategy.population_size() {
            return Err(PyValueError::new_err(format!(
                "fitness: expected shape ({},), got ({},)",
                strategy.population_size(),
                f.len()
            )));
        }
        if let Some((i, x)) = f.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(PyValueError::new_err(format!("fitness[{i}] = {x}: every fitness must be a finite number")));
        }
        py.detach(|| strategy.tell(&f));
        self.generation += 1;
        self.asked = false;
        Ok(())
    }

    /// Generations told so far.
    #[getter]
    fn generation(&self) -> u64 {
        self.generation
    }

    /// Members per generation.
    #[getter]
    fn popsize(&self) -> usize {
        self.lock().population_size()
    }

    /// Genome length.
    #[getter]
    fn num_dims(&self) -> usize {
        self.lock().dim()
    }

    /// The strategy's name.
    #[getter]
    fn name(&self) -> String {
        self.name.clone()
    }

    /// The distribution's mean μ, float64 (the state the strategy keeps).
    #[getter]
    fn mean<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.vector(py, "mu")
    }

    /// The per-dimension search widths σ, float64 (OpenAI-ES: its fixed σ in every dimension).
    #[getter]
    fn sigma<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        if let Some(s) = self.fixed_sigma {
            let d = self.lock().dim();
            return Ok(PyArray1::from_vec(py, vec![s; d]));
        }
        self.vector(py, "sigma")
    }

    /// Every state vector by name (`pgpe.mu`, `pgpe.sigma`, the optimiser's moments, …) plus
    /// `generation`: what a checkpoint holds.
    fn state_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.lock().state() {
            d.set_item(k, PyArray1::from_vec(py, v))?;
        }
        d.set_item("generation", self.generation)?;
        Ok(d)
    }

    /// Restores what `state_dict` returned.
    fn load_state_dict(&mut self, state: &Bound<'_, PyDict>) -> PyResult<()> {
        let mut vectors: HashMap<String, Vec<f64>> = HashMap::new();
        let mut generation = None;
        for (k, v) in state.iter() {
            let k: String = k.extract()?;
            if k == "generation" {
                generation = Some(v.extract::<u64>()?);
            } else {
                let a: PyReadonlyArray1<'_, f64> = v.extract().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(format!("state[{k}]: expected a 1-D float64 array"))
                })?;
                vectors.insert(k, a.as_slice()?.to_vec());
            }
        }
        let generation = generation.ok_or_else(|| PyValueError::new_err("state: no `generation`"))?;
        self.lock().load_state(&vectors).map_err(|e| PyValueError::new_err(format!("state: {e}")))?;
        self.generation = generation;
        self.asked = false;
        Ok(())
    }
}

impl Strategy {
    fn vector<'py>(&self, py: Python<'py>, what: &str) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let key = format!("{}.{what}", self.name);
        let v = self.lock().state().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v);
        v.map(|v| PyArray1::from_vec(py, v)).ok_or_else(|| PyRuntimeError::new_err(format!("no `{key}` in the state")))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Strategy>()
}
