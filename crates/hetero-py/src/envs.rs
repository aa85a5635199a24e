//! The built-in environments with Gymnasium's API: `reset(seed) -> (obs, info)`,
//! `step(action) -> (obs, reward, terminated, truncated, info)`. Parameters come as `env.*`
//! configuration keys, validated as `--set env.…` is. `reset(seed)` draws the initial state as
//! `hetero env --seed` does (stream EnvReset, seed); `reset()` without a seed draws the next
//! episode from the same stream (seed 0 if none was ever given: reproducible by default).

use crate::{errors, snn};
use hetero_core::config::{Config, ConfigTree};
use hetero_core::env::{visit_env, Action, ActionSpace, EnvVisitor, Environment};
use hetero_core::rng::{stream_rng, Stream};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use rand_chacha::ChaCha8Rng;

/// One environment and the state of its current episode, behind one object-safe face.
trait AnyEnv: Send + Sync {
    fn reset(&mut self, rng: &mut ChaCha8Rng) -> Vec<f32>;
    fn step(&mut self, action: Action<'_>) -> Option<(Vec<f32>, f64, bool, bool)>;
    fn state_values(&self) -> Option<Vec<f64>>;
    fn space(&self) -> ActionSpace;
    fn observation_size(&self) -> usize;
    fn name(&self) -> &'static str;
    fn max_steps(&self) -> usize;
}

struct Episode<E: Environment> {
    env: E,
    state: Option<E::State>,
    done: bool,
}

impl<E: Environment> AnyEnv for Episode<E> {
    fn reset(&mut self, rng: &mut ChaCha8Rng) -> Vec<f32> {
        let s = self.env.reset(rng);
        let mut obs = vec![0.0; self.env.observation_size()];
        self.env.observe(&s, &mut obs);
        self.state = Some(s);
        self.done = false;
        obs
    }
    fn step(&mut self, action: Action<'_>) -> Option<(Vec<f32>, f64, bool, bool)> {
        if self.done {
            return None;
        }
        let s = self.state.as_mut()?;
        let t = self.env.step(s, action);
        let mut obs = vec![0.0; self.env.observation_size()];
        self.env.observe(s, &mut obs);
        self.done = t.done();
        Some((obs, t.reward, t.terminated, t.truncated))
    }
    fn state_values(&self) -> Option<Vec<f64>> {
        self.state.as_ref().map(|s| self.env.state_values(s))
    }
    fn space(&self) -> ActionSpace {
        self.env.action_space()
    }
    fn observation_size(&self) -> usize {
        self.env.observation_size()
    }
    fn name(&self) -> &'static str {
        self.env.name()
    }
    fn max_steps(&self) -> usize {
        self.env.max_steps()
    }
}

struct Boxed;

impl EnvVisitor for Boxed {
    type Output = Box<dyn AnyEnv>;
    fn visit<E: Environment + 'static>(self, env: E) -> Box<dyn AnyEnv> {
        Box::new(Episode { env, state: None, done: true })
    }
}

/// A built-in environment, Gymnasium style.
#[pyclass(module = "hetero._hetero")]
pub struct Env {
    inner: Box<dyn AnyEnv>,
    rng: ChaCha8Rng,
    /// The last seed given to `reset` (0 before).
    seed: u64,
}

#[pymethods]
impl Env {
    /// `name` with `env.<key>=<value>` settings.
    #[new]
    fn new(name: &str, settings: Vec<(String, String)>) -> PyResult<Self> {
        let config = env_config(name, &settings)?;
        let inner = visit_env(&config.env, Boxed).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self { inner, rng: stream_rng(0, Stream::EnvReset, [0, 0, 0]), seed: 0 })
    }

    /// Starts an episode; returns the first observation (float32). With `episode` =
    /// (stream, generation, index), the initial state is the one that episode of a run with this
    /// seed (the last seed given when `None`) starts from: stream (seed, stream, [generation,
    /// index, 0]), `stream` named as [`snn::stream_by_name`] takes it.
    #[pyo3(signature = (seed=None, episode=None))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<u64>,
        episode: Option<(String, u64, u64)>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        if let Some(s) = seed {
            self.seed = s;
        }
        match episode {
            Some((stream, generation, index)) => {
                self.rng = stream_rng(self.seed, snn::stream_by_name(&stream)?, [generation, index, 0]);
            }
            None if seed.is_some() => self.rng = stream_rng(self.seed, Stream::EnvReset, [0, 0, 0]),
            None => {}
        }
        Ok(PyArray1::from_vec(py, self.inner.reset(&mut self.rng)))
    }

    /// One step: (obs, reward, terminated, truncated). A discrete action is an int, a
    /// continuous one a float32 array of the action size.
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyArray1<f32>>, f64, bool, bool)> {
        let stepped = match self.inner.space() {
            ActionSpace::Discrete(n) => {
                let a: i64 = action.extract().map_err(|_| {
                    PyTypeError::new_err(format!("action: expected an int in 0..{n}, got {}", type_name(action)))
                })?;
                if a < 0 || a as usize >= n {
                    return Err(PyValueError::new_err(format!("action = {a}: must be in 0..{n}")));
                }
                self.inner.step(Action::Discrete(a as usize))
            }
            ActionSpace::Continuous(dim) => {
                let a: PyReadonlyArray1<'_, f32> = action
                    .extract()
                    .map_err(|_| PyTypeError::new_err(format!("action: expected a float32 array of shape ({dim},)")))?;
                let v = a.as_slice()?;
                if v.len() != dim {
                    return Err(PyValueError::new_err(format!("action: expected shape ({dim},), got ({},)", v.len())));
                }
                self.inner.step(Action::Continuous(v))
            }
        };
        let (obs, r, term, trunc) =
            stepped.ok_or_else(|| PyRuntimeError::new_err("step() after the episode ended: call reset() first"))?;
        Ok((PyArray1::from_vec(py, obs), r, term, trunc))
    }

    /// ("discrete", n) or ("continuous", dim).
    #[getter]
    fn action_space(&self) -> (&'static str, usize) {
        match self.inner.space() {
            ActionSpace::Discrete(n) => ("discrete", n),
            ActionSpace::Continuous(d) => ("continuous", d),
        }
    }

    /// Observation length.
    #[getter]
    fn observation_size(&self) -> usize {
        self.inner.observation_size()
    }

    /// The environment's name.
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    /// The step limit (truncation).
    #[getter]
    fn max_steps(&self) -> usize {
        self.inner.max_steps()
    }

    /// The physical state of the current episode as numbers (as `hetero env` prints it).
    fn state_values(&self) -> Option<Vec<f64>> {
        self.inner.state_values()
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// The configuration of environment `name` with `env.<key>=<value>` settings, validated as
/// `--set env.…` is.
pub fn env_config(name: &str, settings: &[(String, String)]) -> PyResult<Config> {
    let mut tree = ConfigTree::parse("", "make_env").map_err(errors::config)?;
    tree.set(&format!("env.name={name}")).map_err(errors::config)?;
    for (k, v) in settings {
        tree.set(&format!("env.{k}={v}")).map_err(errors::config)?;
    }
    tree.finish().map_err(errors::config)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Env>()
}
