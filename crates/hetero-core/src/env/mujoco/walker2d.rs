//! Walker2d-v5 (Gymnasium defaults, walker2d_v5.xml): obs = `qpos[1:]` (8) + clip(qvel, ±10) (9);
//! reward and reset as [`super::planar_walker`]; terminates when unhealthy: healthy iff
//! z ∈ (0.8, 2.0) and torso angle ∈ (−1, 1), strict.

use super::planar_walker::{self, inside};
use super::{MujocoEnv, Physics, Task};
use rand_chacha::ChaCha8Rng;

/// Open range of the torso height (m).
pub const HEALTHY_Z_RANGE: (f64, f64) = (0.8, 2.0);
/// Open range of the torso angle (rad).
pub const HEALTHY_ANGLE_RANGE: (f64, f64) = (-1.0, 1.0);

/// The Walker2d-v5 rules.
pub struct Walker2dTask;

/// Walker2d-v5.
pub type Walker2d = MujocoEnv<Walker2dTask>;

impl Task for Walker2dTask {
    const NAME: &'static str = "walker2d";
    const XML: &'static str = "walker2d_v5.xml";
    const FRAME_SKIP: usize = 4;
    const OBS: usize = 17;

    fn reset_noise(rng: &mut ChaCha8Rng, qpos: &mut [f64], qvel: &mut [f64]) {
        planar_walker::reset_noise(rng, qpos, qvel);
    }

    fn observe(p: &Physics<'_>, obs: &mut [f32]) {
        planar_walker::observe(p, obs);
    }

    fn reward(before: [f64; 2], after: &Physics<'_>, dt: f64, action: &[f64]) -> (f64, bool) {
        let healthy = inside(after.qpos[1], HEALTHY_Z_RANGE) && inside(after.qpos[2], HEALTHY_ANGLE_RANGE);
        planar_walker::reward(before, after, dt, action, healthy)
    }
}
