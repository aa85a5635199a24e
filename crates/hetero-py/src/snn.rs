//! The feed-forward spiking network from Python: the network a run builds (same configuration
//! keys, same LeCun draw of `run.seed`, same genome layout), its genome decoded into physical
//! units, and a population simulator stepped one observation at a time.
//!
//! Per lane (member × environment) a step is the rollout engine's arithmetic, operation for
//! operation: optional observation normalisation ([`ObsNormalizer::normalize`]), the input
//! projection [`project_rows`], then [`network_step`] (hidden LIF, output currents, output
//! layer). The engine's own tests pin its slot kernels to exactly these functions, so a Python
//! loop over `step` reproduces a rollout bit for bit. Steps run with the GIL released; large
//! ones spread their lanes over the rayon pool, small ones stay on the calling thread (see
//! [`PARALLEL_WORK`]). A lane's values never depend on the others or on the path.

use crate::{envs, errors};
use hetero_classify::train::{evaluate_run as evaluate_run_dir, RunEvaluation};
use hetero_core::config::{Config, ConfigTree};
use hetero_core::env::obs_norm::ObsNormalizer;
use hetero_core::env::{visit_env, ActionSpace, EnvVisitor, Environment};
use hetero_core::network::{Model, PopulationParams};
use hetero_core::rng::Stream;
use hetero_core::rollout::{decode, evaluate_normalized, network_step, project_rows, EpisodeSource, RolloutResult};
use numpy::{
    PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3, PyReadonlyArray4,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;
use std::path::PathBuf;

/// Observation statistics as Python passes them: (steps, mean, var), EvoJAX's ObsNormalizer.
type NormParts = (f64, Vec<f64>, Vec<f64>);

/// The stream a batch of episodes draws its initial states from, by its Python name.
pub fn stream_by_name(name: &str) -> PyResult<Stream> {
    match name {
        "population" => Ok(Stream::EnvReset),
        "centre" => Ok(Stream::CentreEval),
        "evaluation" => Ok(Stream::Evaluation),
        other => Err(PyValueError::new_err(format!(
            "stream = {other:?}: expected \"population\", \"centre\" or \"evaluation\""
        ))),
    }
}

/// The observation and output sizes of an environment.
struct Sizes;

impl EnvVisitor for Sizes {
    type Output = (usize, usize);
    fn visit<E: Environment + 'static>(self, env: E) -> (usize, usize) {
        (env.observation_size(), env.action_space().outputs())
    }
}

/// A configured feed-forward network (`network.*`, `genome.*`, `run.seed`).
#[pyclass(module = "hetero._hetero")]
pub struct Network {
    config: Config,
    model: Model,
}

#[pymethods]
impl Network {
    /// The network of the configuration `source` (a preset or TOML path; defaults when `None`)
    /// with `settings` (`dotted.key`, `value`) applied. Sizes default to the configured
    /// environment's observation and action sizes.
    #[new]
    #[pyo3(signature = (source, settings, inputs, outputs))]
    fn new(
        source: Option<String>,
        settings: Vec<(String, String)>,
        inputs: Option<usize>,
        outputs: Option<usize>,
    ) -> PyResult<Self> {
        let mut tree = match &source {
            Some(s) => ConfigTree::load(s),
            None => ConfigTree::parse("", "FeedForwardSNN"),
        }
        .map_err(errors::config)?;
        for (k, v) in &settings {
            tree.set(&format!("{k}={v}")).map_err(errors::config)?;
        }
        let config = tree.finish().map_err(errors::config)?;
        let (inputs, outputs) = match (inputs, outputs) {
            (Some(i), Some(o)) => (i, o),
            _ => {
                let (i, o) = visit_env(&config.env, Sizes).map_err(|e| PyValueError::new_err(e.to_string()))?;
                (inputs.unwrap_or(i), outputs.unwrap_or(o))
            }
        };
        for (name, n) in [("inputs", inputs), ("outputs", outputs)] {
            if n == 0 {
                return Err(PyValueError::new_err(format!("{name} = 0: must be at least 1")));
            }
        }
        let model = Model::build(inputs, outputs, &config.network, &config.genome, config.run.seed);
        Ok(Self { config, model })
    }

    /// Genome length.
    #[getter]
    fn num_params(&self) -> usize {
        self.model.layout.dim
    }

    /// (inputs, hidden, outputs).
    #[getter]
    fn shape(&self) -> (usize, usize, usize) {
        let s = self.model.shape;
        (s.inputs, s.hidden, s.outputs)
    }

    /// The simulation step Δt (ms).
    #[getter]
    fn dt_ms(&self) -> f32 {
        self.config.network.dt_ms
    }

    /// True when the output layer spikes and resets.
    #[getter]
    fn output_spiking(&self) -> bool {
        self.model.layout.output == hetero_core::network::OutputLayer::Spiking
    }

    /// The seed of the fixed weights.
    #[getter]
    fn seed(&self) -> u64 {
        self.config.run.seed
    }

    /// (name, offset, length) of every genome segment, in genome order.
    fn segments(&self) -> Vec<(String, usize, usize)> {
        self.model.layout.segments.iter().map(|s| (s.name.clone(), s.offset, s.len)).collect()
    }

    /// The starting genome: the homogeneous defaults and, where weights are searched, the LeCun draw.
    fn initial_genome<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_vec(py, self.model.layout.initial_centre(&self.config.network, &self.model.fixed))
    }

    /// The genome in physical units, by params.safetensors names.
    fn decode<'py>(&self, py: Python<'py>, genome: PyReadonlyArray1<'_, f32>) -> PyResult<Bound<'py, PyDict>> {
        let g = genome.as_slice()?;
        self.check_genomes(g, 1)?;
        let d = PyDict::new(py);
        for (name, shape, values) in self.model.layout.named_arrays(g, &self.config.network, &self.model.fixed) {
            d.set_item(name, PyArray1::from_vec(py, values).reshape(shape)?)?;
        }
        Ok(d)
    }

    /// A simulator of the members `genomes` (popsize × num_params).
    #[pyo3(signature = (genomes, obs_norm=None))]
    fn population(
        &self,
        py: Python<'_>,
        genomes: PyReadonlyArray2<'_, f32>,
        obs_norm: Option<NormParts>,
    ) -> PyResult<Population> {
        let members = genomes.shape()[0];
        let g = &genomes.as_slice()?.to_vec(); // copied: used with the GIL released
        self.check_genomes(g, members)?;
        let norm = self.normalizer(obs_norm)?;
        let (layout, network, fixed) = (&self.model.layout, &self.config.network, &self.model.fixed);
        let params = py.detach(|| PopulationParams::build(layout, network, fixed, g, members));
        Ok(Population {
            params,
            norm,
            envs: 0,
            v_hidden: Vec::new(),
            v_out: Vec::new(),
            spikes: Vec::new(),
            counts: Vec::new(),
            steps: 0,
        })
    }

    /// The rollout engine on `genomes`: `episodes` episodes per member of the environment
    /// `env_name` (with `env.*` settings), initial states of stream (seed, `stream`, generation).
    /// Returns (returns, steps), each popsize × episodes.
    #[pyo3(signature = (genomes, env_name, env_settings, episodes, seed, stream, generation, obs_norm=None))]
    #[allow(clippy::too_many_arguments)]
    fn rollout<'py>(
        &self,
        py: Python<'py>,
        genomes: PyReadonlyArray2<'_, f32>,
        env_name: &str,
        env_settings: Vec<(String, String)>,
        episodes: usize,
        seed: u64,
        stream: &str,
        generation: u64,
        obs_norm: Option<NormParts>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        if episodes == 0 {
            return Err(PyValueError::new_err("episodes = 0: must be at least 1"));
        }
        let members = genomes.shape()[0];
        let g = &genomes.as_slice()?.to_vec(); // copied: used with the GIL released
        self.check_genomes(g, members)?;
        let norm = self.normalizer(obs_norm)?;
        let env_config = envs::env_config(env_name, &env_settings)?;
        let source = EpisodeSource { seed, stream: stream_by_name(stream)?, generation };
        let job = Rollout { net: self, genomes: g, members, episodes, source, norm: norm.as_ref() };
        let result = py
            .detach(|| visit_env(&env_config.env, job))
            .map_err(|e| PyValueError::new_err(e.to_string()))?
            .map_err(PyValueError::new_err)?;
        let returns = PyArray1::from_vec(py, result.lane_returns).reshape([members, episodes])?;
        let steps: Vec<i64> = result.lane_steps.iter().map(|&s| s as i64).collect();
        let steps = PyArray1::from_vec(py, steps).reshape([members, episodes])?;
        Ok((returns.into_any(), steps.into_any()))
    }
}

impl Network {
    fn check_genomes(&self, g: &[f32], members: usize) -> PyResult<()> {
        let dim = self.model.layout.dim;
        if g.len() != members * dim {
            return Err(PyValueError::new_err(format!("genome: expected {dim} values per member, got {}", g.len())));
        }
        if let Some(i) = g.iter().position(|x| !x.is_finite()) {
            return Err(PyValueError::new_err(format!(
                "genomes[{}, {}] = {}: every genome value must be finite",
                i / dim,
                i % dim,
                g[i]
            )));
        }
        Ok(())
    }

    fn normalizer(&self, parts: Option<NormParts>) -> PyResult<Option<ObsNormalizer>> {
        let Some((steps, mean, var)) = parts else { return Ok(None) };
        let n = self.model.shape.inputs;
        if mean.len() != n || var.len() != n {
            return Err(PyValueError::new_err(format!(
                "obs_norm: expected mean and var of shape ({n},), got ({},) and ({},)",
                mean.len(),
                var.len()
            )));
        }
        Ok(Some(ObsNormalizer::from_parts(steps, mean, var)))
    }
}

/// The rollout engine on one environment.
struct Rollout<'a> {
    net: &'a Network,
    genomes: &'a [f32],
    members: usize,
    episodes: usize,
    source: EpisodeSource,
    norm: Option<&'a ObsNormalizer>,
}

impl EnvVisitor for Rollout<'_> {
    type Output = Result<RolloutResult, String>;
    fn visit<E: Environment + 'static>(self, env: E) -> Self::Output {
        let (model, network) = (&self.net.model, &self.net.config.network);
        let (inputs, outputs) = (env.observation_size(), env.action_space().outputs());
        if (inputs, outputs) != (model.shape.inputs, model.shape.outputs) {
            return Err(format!(
                "env: `{}` has {inputs} observations and {outputs} outputs, the network {} inputs and {} outputs",
                env.name(),
                model.shape.inputs,
                model.shape.outputs
            ));
        }
        let params = PopulationParams::build(&model.layout, network, &model.fixed, self.genomes, self.members);
        Ok(evaluate_normalized(&env, &params, self.episodes, self.source, self.norm).0)
    }
}

/// A population of networks, each run on `envs` environments side by side; the state (membrane
/// potentials, spike counts) is kept between steps.
#[pyclass(module = "hetero._hetero")]
pub struct Population {
    params: PopulationParams,
    norm: Option<ObsNormalizer>,
    /// Environments per member (0: not reset yet).
    envs: usize,
    /// Hidden potentials, lane-major (lane = member · envs + env), hidden values per lane.
    v_hidden: Vec<f32>,
    /// Output potentials, lane-major.
    v_out: Vec<f32>,
    /// Hidden spikes of the last step (0.0 / 1.0).
    spikes: Vec<f32>,
    /// Hidden spikes per neuron since the lane's reset.
    counts: Vec<u64>,
    /// Steps since `reset`.
    steps: u64,
}

/// Multiply-adds per step below which a step runs on the calling thread (about 0.5 ms).
const PARALLEL_WORK: usize = 1 << 20;

/// One lane's step: normalise the observation (when `norm`), project it through `w_in`, then
/// [`network_step`]; adds the hidden spikes to the lane's per-neuron `counts`.
#[allow(clippy::too_many_arguments)]
#[inline]
fn step_lane(
    params: &PopulationParams,
    norm: Option<&ObsNormalizer>,
    member: usize,
    obs: &[f32],
    sc: &mut Scratch,
    v_hidden: &mut [f32],
    v_out: &mut [f32],
    spikes: &mut [f32],
    counts: &mut [u64],
) {
    let s = params.shape;
    let net = params.member(member);
    sc.obs.copy_from_slice(obs);
    if let Some(n) = norm {
        n.normalize(&mut sc.obs);
    }
    project_rows(&sc.obs, s.inputs, net.w_in, s.hidden, &mut sc.current_hidden);
    network_step(
        &net,
        params.output_spiking,
        &sc.current_hidden,
        v_hidden,
        spikes,
        &mut sc.current_out,
        v_out,
        &mut sc.out_spikes,
    );
    for (c, &x) in counts.iter_mut().zip(spikes.iter()) {
        *c += (x != 0.0) as u64;
    }
}

/// Hidden potentials and spikes of every step of [`Population::run`] (T × popsize × envs × hidden).
type Traces<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>);

/// One lane's scratch.
struct Scratch {
    obs: Vec<f32>,
    current_hidden: Vec<f32>,
    current_out: Vec<f32>,
    out_spikes: Vec<f32>,
}

impl Population {
    fn lanes(&self) -> usize {
        self.params.members() * self.envs
    }

    fn require_reset(&self) -> PyResult<()> {
        if self.envs == 0 {
            return Err(PyRuntimeError::new_err("step() before reset(): call reset(envs_per_member) first"));
        }
        Ok(())
    }

    /// Sets lane `lane` to rest: potentials v_rest, no spikes, zero counts.
    fn rest_lane(&mut self, lane: usize) {
        let s = self.params.shape;
        let net = self.params.member(lane / self.envs);
        self.v_hidden[lane * s.hidden..][..s.hidden].copy_from_slice(net.hidden.v_rest);
        self.v_out[lane * s.outputs..][..s.outputs].copy_from_slice(net.output.v_rest);
        self.spikes[lane * s.hidden..][..s.hidden].fill(0.0);
        self.counts[lane * s.hidden..][..s.hidden].fill(0);
    }

    /// One step of every lane on `obs` (lanes × inputs, finite): on the calling thread when the
    /// step is small (waking the pool's threads then costs more than it saves, most of all when
    /// Python runs between steps), else lanes in parallel on the rayon pool. Either way each lane
    /// gets the same operations, so results do not depend on the path.
    fn advance(&mut self, obs: &[f32]) {
        let s = self.params.shape;
        let (n_in, n_hid, n_out) = (s.inputs, s.hidden, s.outputs);
        let (params, norm, envs) = (&self.params, self.norm.as_ref(), self.envs);
        let scratch = || Scratch {
            obs: vec![0.0; n_in],
            current_hidden: vec![0.0; n_hid],
            current_out: vec![0.0; n_out],
            out_spikes: vec![0.0; n_out],
        };
        let lane_step = |sc: &mut Scratch, (lane, (((v_hidden, v_out), spikes), counts))| {
            step_lane(params, norm, lane / envs, &obs[lane * n_in..][..n_in], sc, v_hidden, v_out, spikes, counts)
        };
        let work = self.lanes() * (n_in * n_hid + n_hid * n_out + n_hid);
        if work < PARALLEL_WORK || rayon::current_num_threads() == 1 {
            let mut sc = scratch();
            self.v_hidden
                .chunks_mut(n_hid)
                .zip(self.v_out.chunks_mut(n_out))
                .zip(self.spikes.chunks_mut(n_hid))
                .zip(self.counts.chunks_mut(n_hid))
                .enumerate()
                .for_each(|lane| lane_step(&mut sc, lane));
        } else {
            self.v_hidden
                .par_chunks_mut(n_hid)
                .zip(self.v_out.par_chunks_mut(n_out))
                .zip(self.spikes.par_chunks_mut(n_hid))
                .zip(self.counts.par_chunks_mut(n_hid))
                .enumerate()
                .with_min_len(16)
                .for_each_init(scratch, lane_step);
        }
        self.steps += 1;
    }

    /// Checks `obs` (lanes × inputs values) is finite; names the first bad entry.
    fn check_finite(&self, obs: &[f32], what: &str, leading: Option<usize>) -> PyResult<()> {
        let Some(i) = obs.iter().position(|x| !x.is_finite()) else { return Ok(()) };
        let s = self.params.shape;
        let per_step = self.lanes() * s.inputs;
        let (t, rest) = (i / per_step, i % per_step);
        let (lane, k) = (rest / s.inputs, rest % s.inputs);
        let (m, e) = (lane / self.envs, lane % self.envs);
        let at = match leading {
            Some(_) => format!("{what}[{t}, {m}, {e}, {k}]"),
            None => format!("{what}[{m}, {e}, {k}]"),
        };
        Err(PyValueError::new_err(format!("{at} = {}: observations must be finite (the state is unchanged)", obs[i])))
    }

    fn array3<'py, T: numpy::Element + Copy>(
        &self,
        py: Python<'py>,
        values: &[T],
        width: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyArray1::from_slice(py, values).reshape([self.params.members(), self.envs, width])?.into_any())
    }
}

#[pymethods]
impl Population {
    /// Sets `envs_per_member` lanes per member to rest (potentials v_rest, zero spike counts).
    fn reset(&mut self, envs_per_member: usize) -> PyResult<()> {
        if envs_per_member == 0 {
            return Err(PyValueError::new_err("envs_per_member = 0: must be at least 1"));
        }
        self.envs = envs_per_member;
        let s = self.params.shape;
        let lanes = self.lanes();
        self.v_hidden = vec![0.0; lanes * s.hidden];
        self.v_out = vec![0.0; lanes * s.outputs];
        self.spikes = vec![0.0; lanes * s.hidden];
        self.counts = vec![0; lanes * s.hidden];
        for lane in 0..lanes {
            self.rest_lane(lane);
        }
        self.steps = 0;
        Ok(())
    }

    /// Sets the lanes where `mask` (popsize × envs, bool) is true to rest (a new episode there).
    fn reset_where(&mut self, mask: PyReadonlyArray2<'_, bool>) -> PyResult<()> {
        self.require_reset()?;
        let m = mask.as_slice()?;
        if m.len() != self.lanes() {
            return Err(PyValueError::new_err(format!("mask: expected {} values, got {}", self.lanes(), m.len())));
        }
        for (lane, &rest) in m.iter().enumerate() {
            if rest {
                self.rest_lane(lane);
            }
        }
        Ok(())
    }

    /// One step of every member on every environment: `obs` is popsize × envs × inputs; returns
    /// the output potentials, popsize × envs × outputs.
    fn step<'py>(&mut self, py: Python<'py>, obs: PyReadonlyArray3<'_, f32>) -> PyResult<Bound<'py, PyAny>> {
        self.require_reset()?;
        let s = self.params.shape;
        let expected = [self.params.members(), self.envs, s.inputs];
        if obs.shape() != expected {
            return Err(PyValueError::new_err(format!("obs: expected shape {expected:?}, got {:?}", obs.shape())));
        }
        // Copied: the GIL is released while stepping, and Python may write the array meanwhile.
        let x = obs.as_slice()?.to_vec();
        self.check_finite(&x, "obs", None)?;
        py.detach(|| self.advance(&x));
        self.array3(py, &self.v_out, s.outputs)
    }

    /// `obs` (T × popsize × envs × inputs) through T steps in one call; returns the output
    /// potentials of every step, and with `record` the hidden potentials and spikes of every step.
    /// Ctrl-C raises `KeyboardInterrupt` within about 50 ms, the state after the last whole step.
    #[pyo3(signature = (obs, record=false))]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        obs: PyReadonlyArray4<'_, f32>,
        record: bool,
    ) -> PyResult<(Bound<'py, PyAny>, Option<Traces<'py>>)> {
        self.require_reset()?;
        let s = self.params.shape;
        let t = obs.shape()[0];
        let expected = [t, self.params.members(), self.envs, s.inputs];
        if obs.shape() != expected {
            return Err(PyValueError::new_err(format!(
                "obs: expected shape [T, {}, {}, {}], got {:?}",
                expected[1],
                expected[2],
                expected[3],
                obs.shape()
            )));
        }
        // Copied: the GIL is released while stepping, and Python may write the array meanwhile.
        let x = obs.as_slice()?.to_vec();
        self.check_finite(&x, "obs", Some(t))?;
        let lanes = self.lanes();
        let mut out = Vec::with_capacity(t * lanes * s.outputs);
        let mut hidden = Vec::with_capacity(if record { t * lanes * s.hidden } else { 0 });
        let mut spikes: Vec<bool> = Vec::with_capacity(hidden.capacity());
        // Steps run with the GIL released, in slices of about 50 ms between which Ctrl-C is
        // checked: KeyboardInterrupt then leaves the state after the last whole step.
        let mut step = 0;
        while step < t {
            step = py.detach(|| {
                let started = std::time::Instant::now();
                let mut step = step;
                while step < t && started.elapsed() < std::time::Duration::from_millis(50) {
                    self.advance(&x[step * lanes * s.inputs..][..lanes * s.inputs]);
                    out.extend_from_slice(&self.v_out);
                    if record {
                        hidden.extend_from_slice(&self.v_hidden);
                        spikes.extend(self.spikes.iter().map(|&v| v != 0.0));
                    }
                    step += 1;
                }
                step
            });
            py.check_signals()?;
        }
        let (m, e) = (self.params.members(), self.envs);
        let out = PyArray1::from_vec(py, out).reshape([t, m, e, s.outputs])?.into_any();
        let recorded = if record {
            Some((
                PyArray1::from_vec(py, hidden).reshape([t, m, e, s.hidden])?.into_any(),
                PyArray1::from_vec(py, spikes).reshape([t, m, e, s.hidden])?.into_any(),
            ))
        } else {
            None
        };
        Ok((out, recorded))
    }

    /// Members.
    #[getter]
    fn popsize(&self) -> usize {
        self.params.members()
    }

    /// Environments per member (0 before `reset`).
    #[getter]
    fn envs(&self) -> usize {
        self.envs
    }

    /// Steps since `reset`.
    #[getter]
    fn steps(&self) -> u64 {
        self.steps
    }

    /// Hidden membrane potentials after the last step (post-reset), popsize × envs × hidden.
    #[getter]
    fn hidden_potentials<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.require_reset()?;
        self.array3(py, &self.v_hidden, self.params.shape.hidden)
    }

    /// Output potentials after the last step, popsize × envs × outputs.
    #[getter]
    fn output_potentials<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.require_reset()?;
        self.array3(py, &self.v_out, self.params.shape.outputs)
    }

    /// Hidden spikes of the last step (bool), popsize × envs × hidden.
    #[getter]
    fn spikes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.require_reset()?;
        let b: Vec<bool> = self.spikes.iter().map(|&v| v != 0.0).collect();
        self.array3(py, &b, self.params.shape.hidden)
    }

    /// Hidden spikes per neuron since each lane's reset (int64), popsize × envs × hidden.
    #[getter]
    fn spike_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.require_reset()?;
        let c: Vec<i64> = self.counts.iter().map(|&v| v as i64).collect();
        self.array3(py, &c, self.params.shape.hidden)
    }
}

/// Output potentials (rows × outputs) to actions as the rollout decodes them: the first argmax
/// (int64, one per row) when `discrete`, else tanh of each potential (float32).
#[pyfunction]
fn decode_actions<'py>(
    py: Python<'py>,
    potentials: PyReadonlyArray2<'_, f32>,
    discrete: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let [rows, outputs] = [potentials.shape()[0], potentials.shape()[1]];
    if outputs == 0 {
        return Err(PyValueError::new_err("potentials: need at least one output"));
    }
    let v = potentials.as_slice()?;
    let mut buffer = vec![0.0f32; outputs];
    if discrete {
        let space = ActionSpace::Discrete(outputs);
        let a: Vec<i64> = v
            .chunks_exact(outputs)
            .map(|row| match decode(space, row, &mut buffer) {
                hetero_core::env::Action::Discrete(i) => i as i64,
                hetero_core::env::Action::Continuous(_) => unreachable!("a discrete space decodes to an index"),
            })
            .collect();
        Ok(PyArray1::from_vec(py, a).into_any())
    } else {
        let space = ActionSpace::Continuous(outputs);
        let mut a = Vec::with_capacity(v.len());
        for row in v.chunks_exact(outputs) {
            if let hetero_core::env::Action::Continuous(x) = decode(space, row, &mut buffer) {
                a.extend_from_slice(x);
            }
        }
        Ok(PyArray1::from_vec(py, a).reshape([rows, outputs])?.into_any())
    }
}

/// The centre of run directory `path` on `episodes` fresh episodes (stream (seed, Evaluation, 0),
/// the run's seed by default), as `hetero eval` runs it: the returns, or for a classification
/// run (test accuracy, test loss, images).
#[pyfunction]
#[pyo3(signature = (path, episodes, seed=None))]
fn evaluate_run<'py>(
    py: Python<'py>,
    path: PathBuf,
    episodes: usize,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyAny>> {
    if episodes == 0 {
        return Err(PyValueError::new_err("episodes = 0: must be at least 1"));
    }
    let result = py
        .detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| evaluate_run_dir(&path, episodes, seed))))
        .map_err(errors::panic)?
        .map_err(errors::train)?;
    Ok(match result {
        RunEvaluation::Returns { returns, .. } => PyArray1::from_vec(py, returns).into_any(),
        RunEvaluation::Test(score) => (score.accuracy(), score.loss(), score.images).into_pyobject(py)?.into_any(),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Network>()?;
    m.add_class::<Population>()?;
    m.add_function(wrap_pyfunction!(decode_actions, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_run, m)?)?;
    Ok(())
}
