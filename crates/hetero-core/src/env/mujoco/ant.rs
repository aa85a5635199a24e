//! Ant-v5 (Gymnasium defaults): obs = `qpos[2:]` (13) + qvel (14) + clip(`cfrc_ext[1:]`, ±1) (13 × 6);
//! reward = Δx/dt of the main body (torso `xpos`) + 1·healthy − 0.5‖a‖² − 5e-4‖clip(cfrc_ext, ±1)‖²;
//! terminates when unhealthy: healthy iff (qpos, qvel) all finite and torso z ∈ [0.2, 1.0];
//! reset qpos + U(±0.1), qvel + 0.1·N(0, 1).

use super::{add_normal, add_uniform, sum_sq, MujocoEnv, Physics, Task};
use mujoco_rs::prelude::MjData;
use rand_chacha::ChaCha8Rng;

/// Forward reward weight.
pub const FORWARD_REWARD_WEIGHT: f64 = 1.0;
/// Control cost weight.
pub const CTRL_COST_WEIGHT: f64 = 0.5;
/// Contact cost weight.
pub const CONTACT_COST_WEIGHT: f64 = 5e-4;
/// Reward per healthy step (v5: only while healthy).
pub const HEALTHY_REWARD: f64 = 1.0;
/// Closed range of the torso height (m).
pub const HEALTHY_Z_RANGE: (f64, f64) = (0.2, 1.0);
/// Contact forces are clipped to this range (observation and cost).
pub const CONTACT_FORCE_RANGE: (f64, f64) = (-1.0, 1.0);
/// Reset noise scale (uniform on qpos, normal on qvel).
pub const RESET_NOISE_SCALE: f64 = 0.1;

/// The Ant-v5 rules.
pub struct AntTask;

/// Ant-v5.
pub type Ant = MujocoEnv<AntTask>;

fn clip(f: f64) -> f64 {
    f.clamp(CONTACT_FORCE_RANGE.0, CONTACT_FORCE_RANGE.1)
}

impl Task for AntTask {
    const NAME: &'static str = "ant";
    const XML: &'static str = "ant.xml";
    const FRAME_SKIP: usize = 5;
    const OBS: usize = 105;
    const USES_CONTACT_FORCES: bool = true;

    fn reset_noise(rng: &mut ChaCha8Rng, qpos: &mut [f64], qvel: &mut [f64]) {
        add_uniform(rng, qpos, RESET_NOISE_SCALE);
        add_normal(rng, qvel, RESET_NOISE_SCALE);
    }

    fn xy(data: &MjData<std::sync::Arc<mujoco_rs::prelude::MjModel>>, main_body: usize) -> [f64; 2] {
        let p = data.xpos()[main_body];
        [p[0], p[1]]
    }

    fn observe(p: &Physics<'_>, obs: &mut [f32]) {
        let forces = p.cfrc_ext[6..].iter().map(|&f| clip(f));
        for (o, x) in obs.iter_mut().zip(p.qpos[2..].iter().chain(p.qvel).copied().chain(forces)) {
            *o = x as f32;
        }
    }

    fn reward(before: [f64; 2], after: &Physics<'_>, dt: f64, action: &[f64]) -> (f64, bool) {
        let finite = after.qpos.iter().chain(after.qvel).all(|x| x.is_finite());
        let z = after.qpos[2];
        let healthy = finite && HEALTHY_Z_RANGE.0 <= z && z <= HEALTHY_Z_RANGE.1;
        let x_velocity = (after.xy[0] - before[0]) / dt;
        let healthy_reward = if healthy { HEALTHY_REWARD } else { 0.0 };
        let contact_cost = CONTACT_COST_WEIGHT * after.cfrc_ext.iter().map(|&f| clip(f) * clip(f)).sum::<f64>();
        let rewards = FORWARD_REWARD_WEIGHT * x_velocity + healthy_reward;
        let costs = CTRL_COST_WEIGHT * sum_sq(action) + contact_cost;
        (rewards - costs, healthy)
    }
}
