//! Hopper-v5 (Gymnasium defaults): obs = `qpos[1:]` (5) + clip(qvel, ±10) (6); reward and reset as
//! [`super::planar_walker`]; terminates when unhealthy: healthy iff every element of
//! `(qpos, qvel)[2:]` ∈ (−100, 100), z ∈ (0.7, ∞) and torso angle ∈ (−0.2, 0.2), all strict.

use super::planar_walker::{self, inside};
use super::{MujocoEnv, Physics, Task};
use rand_chacha::ChaCha8Rng;

/// Open range of every state element after the first two.
pub const HEALTHY_STATE_RANGE: (f64, f64) = (-100.0, 100.0);
/// Open range of the torso height (m).
pub const HEALTHY_Z_RANGE: (f64, f64) = (0.7, f64::INFINITY);
/// Open range of the torso angle (rad).
pub const HEALTHY_ANGLE_RANGE: (f64, f64) = (-0.2, 0.2);

/// The Hopper-v5 rules.
pub struct HopperTask;

/// Hopper-v5.
pub type Hopper = MujocoEnv<HopperTask>;

impl Task for HopperTask {
    const NAME: &'static str = "hopper";
    const XML: &'static str = "hopper.xml";
    const FRAME_SKIP: usize = 4;
    const OBS: usize = 11;

    fn reset_noise(rng: &mut ChaCha8Rng, qpos: &mut [f64], qvel: &mut [f64]) {
        planar_walker::reset_noise(rng, qpos, qvel);
    }

    fn observe(p: &Physics<'_>, obs: &mut [f32]) {
        planar_walker::observe(p, obs);
    }

    fn reward(before: [f64; 2], after: &Physics<'_>, dt: f64, action: &[f64]) -> (f64, bool) {
        let state = after.qpos[2..].iter().chain(after.qvel);
        let healthy = state.into_iter().all(|&x| inside(x, HEALTHY_STATE_RANGE))
            && inside(after.qpos[1], HEALTHY_Z_RANGE)
            && inside(after.qpos[2], HEALTHY_ANGLE_RANGE);
        planar_walker::reward(before, after, dt, action, healthy)
    }
}
