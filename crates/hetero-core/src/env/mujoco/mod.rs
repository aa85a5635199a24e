//! MuJoCo locomotion with Gymnasium v5 semantics (feature `mujoco`; research/envs_spec.md (c)):
//! HalfCheetah-v5, Hopper-v5, Walker2d-v5, Ant-v5 on MuJoCo 3.17 through `mujoco-rs`.
//!
//! Each task is one file holding its constants and its observation / reward / health rules; this
//! module holds what they share: loading the robot model (once per process), the physics step,
//! and the state.
//!
//! State: [`MujocoState`] carries MuJoCo's full integration state (`mjSTATE_INTEGRATION`: qpos,
//! qvel, act, warm-start accelerations, ctrl, time, …), so an episode continues bit for bit in any
//! `MjData`. Each worker thread keeps one `MjData` per model and reuses it for every episode it
//! steps: a step writes the state in, calls `mj_step` frame_skip times, then
//! `mj_rnePostConstraint` (as Gymnasium's `do_simulation`) when the task observes contact forces
//! (Ant; the other tasks never read what it computes, and it does not touch the integration
//! state), and reads the state back with the derived quantities the task observes (the main
//! body's x-y position, external contact forces). Reset follows Gymnasium: `mj_resetData`,
//! initial pose + noise, `mj_forward`.
//!
//! The wall time spent inside `mj_step` is summed over all threads ([`physics_seconds`]) so that
//! `hetero bench locomotion` can tell the engine's overhead apart from physics cost.
//!
//! Robot models: `third_party/mujoco/assets/` (scripts/install_mujoco.sh copies them from the
//! gymnasium 1.4.0 wheel), or the directory in the environment variable `HETERO_MUJOCO_ASSETS`.

pub mod ant;
pub mod half_cheetah;
pub mod hopper;
pub mod planar_walker;
pub mod walker2d;

use super::{Action, ActionSpace, Environment, Transition};
use mujoco_rs::prelude::*;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use ant::Ant;
pub use half_cheetah::HalfCheetah;
pub use hopper::Hopper;
pub use walker2d::Walker2d;

/// Gymnasium's TimeLimit for all four tasks.
pub const MAX_EPISODE_STEPS: usize = 1000;

/// What the simulator computed after a step (or at reset), for the task's rules.
pub struct Physics<'a> {
    /// Generalised positions.
    pub qpos: &'a [f64],
    /// Generalised velocities.
    pub qvel: &'a [f64],
    /// External contact forces (`cfrc_ext`), body-major, 6 per body (Ant only; else empty).
    pub cfrc_ext: &'a [f64],
    /// x-y position the forward reward differentiates (`qpos[0]` for planar robots; main body for Ant).
    pub xy: [f64; 2],
}

/// The rules of one locomotion task (one file per task).
pub trait Task: Send + Sync + 'static {
    /// Name in configs (`halfcheetah`, …).
    const NAME: &'static str;
    /// The gymnasium asset file.
    const XML: &'static str;
    /// Physics steps per environment step.
    const FRAME_SKIP: usize;
    /// Observation length.
    const OBS: usize;
    /// Whether the task reads `cfrc_ext` (Ant); only then does a step run `mj_rnePostConstraint`.
    const USES_CONTACT_FORCES: bool = false;
    /// Initial qpos + reset noise, initial qvel + reset noise (`qpos`/`qvel` hold the model's
    /// initial values on entry).
    fn reset_noise(rng: &mut ChaCha8Rng, qpos: &mut [f64], qvel: &mut [f64]);
    /// The x-y position used by the forward reward, from the data after a step.
    fn xy(data: &MjData<std::sync::Arc<mujoco_rs::prelude::MjModel>>, main_body: usize) -> [f64; 2] {
        let _ = main_body;
        [data.qpos()[0], 0.0]
    }
    /// Writes the observation.
    fn observe(p: &Physics<'_>, obs: &mut [f32]);
    /// Reward of a step (forward velocity from the positions before and after) and whether the
    /// state is healthy; Gymnasium's reward = rewards − costs.
    fn reward(before: [f64; 2], after: &Physics<'_>, dt: f64, action: &[f64]) -> (f64, bool);
}

/// Dynamic state: MuJoCo's integration state and what the task reads from it.
#[derive(Clone, Debug, PartialEq)]
pub struct MujocoState {
    /// `mj_getState(…, mjSTATE_INTEGRATION)`.
    pub sim: Vec<f64>,
    /// Generalised positions.
    pub qpos: Vec<f64>,
    /// Generalised velocities.
    pub qvel: Vec<f64>,
    /// External contact forces (Ant only).
    pub cfrc_ext: Vec<f64>,
    /// The forward-reward position after the last step.
    pub xy: [f64; 2],
    /// Steps taken.
    pub t: usize,
}

impl MujocoState {
    fn physics(&self) -> Physics<'_> {
        Physics { qpos: &self.qpos, qvel: &self.qvel, cfrc_ext: &self.cfrc_ext, xy: self.xy }
    }
}

/// A MuJoCo model failed to load.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: {message} (run scripts/install_mujoco.sh, or set HETERO_MUJOCO_ASSETS)")]
pub struct ModelError {
    /// The XML file.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// The directory holding the gymnasium robot models.
pub fn assets_dir() -> PathBuf {
    match std::env::var_os("HETERO_MUJOCO_ASSETS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../third_party/mujoco/assets"),
    }
}

/// Loaded models, one per asset file, shared by every environment value and thread.
static MODELS: Mutex<Vec<(&'static str, Arc<MjModel>)>> = Mutex::new(Vec::new());

fn load_model(xml: &'static str) -> Result<Arc<MjModel>, ModelError> {
    let mut models = MODELS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, m)) = models.iter().find(|(x, _)| *x == xml) {
        return Ok(m.clone());
    }
    if models.is_empty() {
        // SAFETY: no model exists yet, so no thread is using MuJoCo. Routes MuJoCo's messages
        // (half_cheetah.xml's deprecation warning) to `log` instead of stdout and MUJOCO_LOG.TXT.
        // The default handler's file and console output are switched off too: the model
        // compiler's warning otherwise still reaches MUJOCO_LOG.TXT.
        unsafe {
            mujoco_rs::prelude::install_logging_hook();
            use mujoco_rs::wrappers::mj_logging::{log_config, set_log_config};
            set_log_config(log_config().with_logto_file(false).with_logto_console(false));
        }
    }
    let path = assets_dir().join(xml);
    if !path.is_file() {
        return Err(ModelError { path: path.display().to_string(), message: "no such file".into() });
    }
    let model = MjModel::from_xml(&path)
        .map_err(|e| ModelError { path: path.display().to_string(), message: e.to_string() })?;
    let model = Arc::new(model);
    models.push((xml, model.clone()));
    Ok(model)
}

/// Simulation data of one model, keyed by its asset file.
type DataSlot = (&'static str, MjData<Arc<MjModel>>);

thread_local! {
    /// This thread's simulation data, one per model, reused across episodes.
    static DATA: RefCell<Vec<DataSlot>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's `MjData` of `model`.
fn with_data<R>(xml: &'static str, model: &Arc<MjModel>, f: impl FnOnce(&mut MjData<Arc<MjModel>>) -> R) -> R {
    DATA.with(|cell| {
        let mut all = cell.borrow_mut();
        let k = match all.iter().position(|(x, _)| *x == xml) {
            Some(k) => k,
            None => {
                all.push((xml, MjData::new(model.clone())));
                all.len() - 1
            }
        };
        f(&mut all[k].1)
    })
}

const INTEGRATION: u32 = MjtState::mjSTATE_INTEGRATION as u32;

/// Nanoseconds spent inside `mj_step` by [`MujocoEnv::step`], summed over threads.
static PHYSICS_NANOS: AtomicU64 = AtomicU64::new(0);

/// Seconds of thread time spent inside `mj_step` by environment steps since the process started,
/// summed over threads (one clock read per environment step, ≈ 0.05 % of a HalfCheetah step).
pub fn physics_seconds() -> f64 {
    PHYSICS_NANOS.load(Ordering::Relaxed) as f64 * 1e-9
}

/// A Gymnasium v5 locomotion task on MuJoCo.
pub struct MujocoEnv<T: Task> {
    model: Arc<MjModel>,
    /// Step limit (Gymnasium: 1000).
    pub max_steps: usize,
    /// Environment step = frame_skip × model timestep (s).
    pub dt: f64,
    main_body: usize,
    nu: usize,
    task: PhantomData<T>,
}

impl<T: Task> MujocoEnv<T> {
    /// Loads the task's robot model (once per process).
    pub fn new(max_steps: usize) -> Result<Self, ModelError> {
        let model = load_model(T::XML)?;
        let dt = model.opt().timestep * T::FRAME_SKIP as f64;
        let nu = model.nu() as usize;
        Ok(Self { model, max_steps, dt, main_body: 1, nu, task: PhantomData })
    }

    /// Number of generalised positions and velocities.
    pub fn nq_nv(&self) -> (usize, usize) {
        (self.model.nq() as usize, self.model.nv() as usize)
    }

    /// The state Gymnasium's `set_state(qpos, qvel)` makes after `mj_resetData` (for fixtures and
    /// replays in other implementations).
    pub fn state_from(&self, qpos: &[f64], qvel: &[f64]) -> MujocoState {
        with_data(T::XML, &self.model, |data| {
            data.reset();
            data.qpos_mut().copy_from_slice(qpos);
            data.qvel_mut().copy_from_slice(qvel);
            data.forward();
            self.capture(data, 0)
        })
    }

    fn capture(&self, data: &MjData<Arc<MjModel>>, t: usize) -> MujocoState {
        let cfrc_ext =
            if T::USES_CONTACT_FORCES { data.cfrc_ext().iter().flatten().copied().collect() } else { Vec::new() };
        MujocoState {
            sim: data.state(INTEGRATION).into_vec(),
            qpos: data.qpos().to_vec(),
            qvel: data.qvel().to_vec(),
            cfrc_ext,
            xy: T::xy(data, self.main_body),
            t,
        }
    }
}

impl<T: Task> Environment for MujocoEnv<T> {
    type State = MujocoState;

    fn name(&self) -> &'static str {
        T::NAME
    }

    fn observation_size(&self) -> usize {
        T::OBS
    }

    fn action_space(&self) -> ActionSpace {
        ActionSpace::Continuous(self.nu)
    }

    fn max_steps(&self) -> usize {
        self.max_steps
    }

    fn reset(&self, rng: &mut ChaCha8Rng) -> MujocoState {
        let mut qpos = self.model.qpos0().to_vec();
        let mut qvel = vec![0.0; self.model.nv() as usize];
        T::reset_noise(rng, &mut qpos, &mut qvel);
        self.state_from(&qpos, &qvel)
    }

    fn observe(&self, state: &MujocoState, obs: &mut [f32]) {
        T::observe(&state.physics(), obs);
    }

    fn step(&self, state: &mut MujocoState, action: Action<'_>) -> Transition {
        let mut ctrl = [0.0f64; 16];
        let ctrl = &mut ctrl[..self.nu];
        match action {
            Action::Continuous(a) => ctrl.iter_mut().zip(a).for_each(|(c, &x)| *c = x as f64),
            Action::Discrete(_) => panic!("{}: continuous actions only", T::NAME),
        }
        let before = state.xy;
        with_data(T::XML, &self.model, |data| {
            data.set_state(&state.sim, INTEGRATION).expect("state from this model");
            data.ctrl_mut().copy_from_slice(ctrl);
            let physics_start = Instant::now();
            for _ in 0..T::FRAME_SKIP {
                data.step();
            }
            PHYSICS_NANOS.fetch_add(physics_start.elapsed().as_nanos() as u64, Ordering::Relaxed);
            if T::USES_CONTACT_FORCES {
                data.rne_post_constraint();
            }
            // Read back into the state's own buffers (no allocation per step).
            data.read_state_into(INTEGRATION, &mut state.sim);
            state.qpos.copy_from_slice(data.qpos());
            state.qvel.copy_from_slice(data.qvel());
            if T::USES_CONTACT_FORCES {
                for (dst, src) in state.cfrc_ext.chunks_exact_mut(6).zip(data.cfrc_ext()) {
                    dst.copy_from_slice(src);
                }
            }
            state.xy = T::xy(data, self.main_body);
            state.t += 1;
        });
        let (reward, healthy) = T::reward(before, &state.physics(), self.dt, ctrl);
        let terminated = !healthy;
        Transition { reward, terminated, truncated: !terminated && state.t >= self.max_steps }
    }

    /// qpos then qvel.
    fn state_values(&self, state: &MujocoState) -> Vec<f64> {
        state.qpos.iter().chain(&state.qvel).copied().collect()
    }

    fn initial_qpos_qvel(&self, state: &MujocoState) -> Option<(Vec<f64>, Vec<f64>)> {
        Some((state.qpos.clone(), state.qvel.clone()))
    }
}

/// Σ a².
pub fn sum_sq(a: &[f64]) -> f64 {
    a.iter().map(|x| x * x).sum()
}

/// Draws `x += U(−scale, scale)` for each element (numpy's `uniform(low, high)`: low + (high − low)·u).
pub fn add_uniform(rng: &mut ChaCha8Rng, x: &mut [f64], scale: f64) {
    use rand::Rng;
    for v in x {
        let u: f64 = rng.random();
        *v += -scale + 2.0 * scale * u;
    }
}

/// Draws `x += scale · N(0, 1)` for each element.
pub fn add_normal(rng: &mut ChaCha8Rng, x: &mut [f64], scale: f64) {
    use rand::Rng;
    for v in x {
        let n: f64 = rng.sample(rand_distr::StandardNormal);
        *v += scale * n;
    }
}

impl<T: Task> MujocoEnv<T> {
    /// Raw physics throughput: `mj_step` calls per second summed over the threads of the current
    /// rayon pool, each thread stepping its own `MjData` `steps` times with controls drawn from
    /// U(−1, 1) every frame_skip steps and a reset every 1000 environment steps (the
    /// research/feasibility.md protocol).
    pub fn raw_steps_per_s(&self, steps: usize) -> f64 {
        use rand::{Rng, SeedableRng};
        use rayon::prelude::*;
        let threads = rayon::current_num_threads();
        let start = std::time::Instant::now();
        (0..threads).into_par_iter().for_each(|t| {
            let mut data = MjData::new(self.model.clone());
            let mut rng = ChaCha8Rng::seed_from_u64(t as u64);
            for i in 0..steps {
                if i % (1000 * T::FRAME_SKIP) == 0 {
                    data.reset();
                }
                if i % T::FRAME_SKIP == 0 {
                    for c in data.ctrl_mut() {
                        *c = rng.random_range(-1.0..1.0);
                    }
                }
                data.step();
            }
        });
        (threads * steps) as f64 / start.elapsed().as_secs_f64()
    }
}

/// One recorded episode: the initial state, the actions taken, and the final qpos and qvel.
#[derive(Clone, Debug, Default)]
pub struct RecordedEpisode {
    /// qpos at reset.
    pub qpos: Vec<f64>,
    /// qvel at reset.
    pub qvel: Vec<f64>,
    /// The actions, step-major (nu per step).
    pub actions: Vec<f32>,
    /// qpos then qvel after the last step.
    pub final_state: Vec<f64>,
}

impl<T: Task> MujocoEnv<T> {
    /// Replays `episodes` in a bare loop (reset as Gymnasium, then per action: ctrl and
    /// frame_skip `mj_step` calls; no network, no state copies) on the current rayon pool, one
    /// `MjData` per thread. Returns `mj_step` calls per second and how many episodes ended in
    /// exactly their recorded final state.
    pub fn replay_steps_per_s(&self, episodes: &[RecordedEpisode]) -> (f64, usize) {
        use rayon::prelude::*;
        let nu = self.nu;
        let start = Instant::now();
        let matched: usize = episodes
            .par_iter()
            .map_init(
                || MjData::new(self.model.clone()),
                |data, ep| {
                    data.reset();
                    data.qpos_mut().copy_from_slice(&ep.qpos);
                    data.qvel_mut().copy_from_slice(&ep.qvel);
                    data.forward();
                    for a in ep.actions.chunks_exact(nu) {
                        data.ctrl_mut().iter_mut().zip(a).for_each(|(c, &x)| *c = x as f64);
                        for _ in 0..T::FRAME_SKIP {
                            data.step();
                        }
                    }
                    let end: Vec<f64> = data.qpos().iter().chain(data.qvel()).copied().collect();
                    usize::from(end == ep.final_state)
                },
            )
            .sum();
        let steps: usize = episodes.iter().map(|e| e.actions.len() / nu * T::FRAME_SKIP).sum();
        (steps as f64 / start.elapsed().as_secs_f64(), matched)
    }
}
