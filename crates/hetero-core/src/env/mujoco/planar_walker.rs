//! The rules Hopper-v5 and Walker2d-v5 share (Gymnasium defaults): obs = `qpos[1:]` +
//! clip(qvel, ±10); reward = Δx/dt + 1·healthy − 1e-3‖a‖²; reset qpos, qvel + U(±5e-3). Each task
//! file adds its own health test.

use super::{add_uniform, sum_sq, Physics};
use rand_chacha::ChaCha8Rng;

/// Forward reward weight.
pub const FORWARD_REWARD_WEIGHT: f64 = 1.0;
/// Control cost weight.
pub const CTRL_COST_WEIGHT: f64 = 1e-3;
/// Reward per healthy step (v5: only while healthy).
pub const HEALTHY_REWARD: f64 = 1.0;
/// Reset noise scale (uniform on qpos and qvel).
pub const RESET_NOISE_SCALE: f64 = 5e-3;
/// Observed velocities are clipped to ±this.
pub const VELOCITY_CLIP: f64 = 10.0;

/// `lo < x < hi` (Gymnasium's health ranges are open).
pub fn inside(x: f64, (lo, hi): (f64, f64)) -> bool {
    lo < x && x < hi
}

/// qpos, qvel + U(±[`RESET_NOISE_SCALE`]).
pub fn reset_noise(rng: &mut ChaCha8Rng, qpos: &mut [f64], qvel: &mut [f64]) {
    add_uniform(rng, qpos, RESET_NOISE_SCALE);
    add_uniform(rng, qvel, RESET_NOISE_SCALE);
}

/// `qpos[1:]` then qvel clipped to ±[`VELOCITY_CLIP`].
pub fn observe(p: &Physics<'_>, obs: &mut [f32]) {
    let vel = p.qvel.iter().map(|v| v.clamp(-VELOCITY_CLIP, VELOCITY_CLIP));
    for (o, x) in obs.iter_mut().zip(p.qpos[1..].iter().copied().chain(vel)) {
        *o = x as f32;
    }
}

/// The step's reward (the healthy reward only if `healthy`) and `healthy`, for [`super::Task::reward`].
pub fn reward(before: [f64; 2], after: &Physics<'_>, dt: f64, action: &[f64], healthy: bool) -> (f64, bool) {
    let x_velocity = (after.xy[0] - before[0]) / dt;
    let healthy_reward = if healthy { HEALTHY_REWARD } else { 0.0 };
    (FORWARD_REWARD_WEIGHT * x_velocity + healthy_reward - CTRL_COST_WEIGHT * sum_sq(action), healthy)
}
