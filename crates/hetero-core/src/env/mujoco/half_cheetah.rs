//! HalfCheetah-v5 (Gymnasium defaults): obs = `qpos[1:]` (8) + qvel (9); reward = Δx/dt − 0.1‖a‖²;
//! never terminates; reset qpos + U(±0.1), qvel + 0.1·N(0, 1).

use super::{add_normal, add_uniform, sum_sq, MujocoEnv, Physics, Task};
use rand_chacha::ChaCha8Rng;

/// Forward reward weight.
pub const FORWARD_REWARD_WEIGHT: f64 = 1.0;
/// Control cost weight.
pub const CTRL_COST_WEIGHT: f64 = 0.1;
/// Reset noise scale (uniform on qpos, normal on qvel).
pub const RESET_NOISE_SCALE: f64 = 0.1;

/// The HalfCheetah-v5 rules.
pub struct HalfCheetahTask;

/// HalfCheetah-v5.
pub type HalfCheetah = MujocoEnv<HalfCheetahTask>;

impl Task for HalfCheetahTask {
    const NAME: &'static str = "halfcheetah";
    const XML: &'static str = "half_cheetah.xml";
    const FRAME_SKIP: usize = 5;
    const OBS: usize = 17;

    fn reset_noise(rng: &mut ChaCha8Rng, qpos: &mut [f64], qvel: &mut [f64]) {
        add_uniform(rng, qpos, RESET_NOISE_SCALE);
        add_normal(rng, qvel, RESET_NOISE_SCALE);
    }

    fn observe(p: &Physics<'_>, obs: &mut [f32]) {
        for (o, &x) in obs.iter_mut().zip(p.qpos[1..].iter().chain(p.qvel)) {
            *o = x as f32;
        }
    }

    fn reward(before: [f64; 2], after: &Physics<'_>, dt: f64, action: &[f64]) -> (f64, bool) {
        let x_velocity = (after.xy[0] - before[0]) / dt;
        (FORWARD_REWARD_WEIGHT * x_velocity - CTRL_COST_WEIGHT * sum_sq(action), true)
    }
}
