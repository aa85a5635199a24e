//! Hopper-v5 (Gymnasium defaults): obs = `qpos[1:]` (5) + clip(qvel, ±10) (6); reward = Δx/dt +
//! 1·healthy − 1e-3‖a‖²; terminates when unhealthy: healthy iff every element of
//! `(qpos, qvel)[2:]` ∈ (−100, 100), z ∈ (0.7, ∞) and torso angle ∈ (−0.2, 0.2), all strict;
//! reset qpos, qvel + U(±5e-3).

use super::{add_uniform, sum_sq, MujocoEnv, Physics, Task};
use rand_chacha::ChaCha8Rng;

/// Forward reward weight.
pub const FORWARD_REWARD_WEIGHT: f64 = 1.0;
/// Control cost weight.
pub const CTRL_COST_WEIGHT: f64 = 1e-3;
/// Reward per healthy step (v5: only while healthy).
pub const HEALTHY_REWARD: f64 = 1.0;
/// Open range of every state element after the first two.
pub const HEALTHY_STATE_RANGE: (f64, f64) = (-100.0, 100.0);
/// Open range of the torso height (m).
pub const HEALTHY_Z_RANGE: (f64, f64) = (0.7, f64::INFINITY);
/// Open range of the torso angle (rad).
pub const HEALTHY_ANGLE_RANGE: (f64, f64) = (-0.2, 0.2);
/// Reset noise scale (uniform on qpos and qvel).
pub const RESET_NOISE_SCALE: f64 = 5e-3;
/// Observed velocities are clipped to ±this.
pub const VELOCITY_CLIP: f64 = 10.0;

/// The Hopper-v5 rules.
pub struct HopperTask;

/// Hopper-v5.
pub type Hopper = MujocoEnv<HopperTask>;

fn inside(x: f64, (lo, hi): (f64, f64)) -> bool {
    lo < x && x < hi
}

impl Task for HopperTask {
    const NAME: &'static str = "hopper";
    const XML: &'static str = "hopper.xml";
    const FRAME_SKIP: usize = 4;
    const OBS: usize = 11;

    fn reset_noise(rng: &mut ChaCha8Rng, qpos: &mut [f64], qvel: &mut [f64]) {
        add_uniform(rng, qpos, RESET_NOISE_SCALE);
        add_uniform(rng, qvel, RESET_NOISE_SCALE);
    }

    fn observe(p: &Physics<'_>, obs: &mut [f32]) {
        let vel = p.qvel.iter().map(|v| v.clamp(-VELOCITY_CLIP, VELOCITY_CLIP));
        for (o, x) in obs.iter_mut().zip(p.qpos[1..].iter().copied().chain(vel)) {
            *o = x as f32;
        }
    }

    fn reward(before: [f64; 2], after: &Physics<'_>, dt: f64, action: &[f64]) -> (f64, bool) {
        let state = after.qpos[2..].iter().chain(after.qvel);
        let healthy = state.into_iter().all(|&x| inside(x, HEALTHY_STATE_RANGE))
            && inside(after.qpos[1], HEALTHY_Z_RANGE)
            && inside(after.qpos[2], HEALTHY_ANGLE_RANGE);
        let x_velocity = (after.xy[0] - before[0]) / dt;
        let healthy_reward = if healthy { HEALTHY_REWARD } else { 0.0 };
        (FORWARD_REWARD_WEIGHT * x_velocity + healthy_reward - CTRL_COST_WEIGHT * sum_sq(action), healthy)
    }
}
