//! CartPole-v1 with Gymnasium's constants, explicit-Euler update order and termination rules
//! (research/envs_spec.md (b)). State in f64 like Gymnasium; the observation is its f32 cast.
//! Reward +1 on every step including the terminating one; truncation at `max_steps`.

use super::{Action, ActionSpace, Environment, Transition};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Gravitational acceleration (m/s²).
pub const GRAVITY: f64 = 9.8;
/// Cart mass (kg).
pub const MASS_CART: f64 = 1.0;
/// Pole mass (kg).
pub const MASS_POLE: f64 = 0.1;
/// Cart + pole mass (kg).
pub const TOTAL_MASS: f64 = MASS_POLE + MASS_CART;
/// Half the pole's length (m).
pub const HALF_LENGTH: f64 = 0.5;
/// Pole mass × half length (kg·m).
pub const POLE_MASS_LENGTH: f64 = MASS_POLE * HALF_LENGTH;
/// Magnitude of the push (N).
pub const FORCE_MAG: f64 = 10.0;
/// Integration step (s).
pub const TAU_S: f64 = 0.02;
/// Pole angle limit, 12° (rad), computed as Gymnasium does.
pub const THETA_THRESHOLD_RAD: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
/// Cart position limit (m).
pub const X_THRESHOLD_M: f64 = 2.4;
/// Reset draws every state variable from U(−RESET_BOUND, RESET_BOUND).
pub const RESET_BOUND: f64 = 0.05;

/// CartPole-v1 with a configurable step limit (Paper A uses 100…1000).
#[derive(Clone, Debug)]
pub struct CartPole {
    /// Truncation limit.
    pub max_steps: usize,
}

/// Dynamic state: [x, ẋ, θ, θ̇] and the step count.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CartPoleState {
    /// Cart position (m), velocity (m/s), pole angle (rad), angular velocity (rad/s).
    pub physics: [f64; 4],
    /// Steps taken in this episode.
    pub t: usize,
}

impl CartPole {
    /// CartPole with a step limit.
    pub fn new(max_steps: usize) -> Self {
        Self { max_steps }
    }
}

impl Environment for CartPole {
    type State = CartPoleState;

    fn name(&self) -> &'static str {
        "cartpole"
    }

    fn observation_size(&self) -> usize {
        4
    }

    fn action_space(&self) -> ActionSpace {
        ActionSpace::Discrete(2)
    }

    fn max_steps(&self) -> usize {
        self.max_steps
    }

    fn reset(&self, rng: &mut ChaCha8Rng) -> CartPoleState {
        let mut physics = [0.0; 4];
        for x in &mut physics {
            *x = rng.random_range(-RESET_BOUND..RESET_BOUND);
        }
        CartPoleState { physics, t: 0 }
    }

    #[inline]
    fn observe(&self, state: &CartPoleState, obs: &mut [f32]) {
        for (o, &x) in obs.iter_mut().zip(&state.physics) {
            *o = x as f32;
        }
    }

    /// Gymnasium's `CartPoleEnv.step`, same operation order (so results match it bit for bit).
    #[inline]
    fn step(&self, state: &mut CartPoleState, action: Action<'_>) -> Transition {
        let push_right = match action {
            Action::Discrete(a) => a == 1,
            Action::Continuous(a) => a[0] > 0.0,
        };
        let [x, x_dot, theta, theta_dot] = state.physics;
        let force = if push_right { FORCE_MAG } else { -FORCE_MAG };
        let (sin, cos) = (theta.sin(), theta.cos());
        let temp = (force + POLE_MASS_LENGTH * (theta_dot * theta_dot) * sin) / TOTAL_MASS;
        let theta_acc =
            (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * (cos * cos) / TOTAL_MASS));
        let x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS;
        let physics =
            [x + TAU_S * x_dot, x_dot + TAU_S * x_acc, theta + TAU_S * theta_dot, theta_dot + TAU_S * theta_acc];
        state.physics = physics;
        state.t += 1;
        let terminated = physics[0] < -X_THRESHOLD_M
            || physics[0] > X_THRESHOLD_M
            || physics[2] < -THETA_THRESHOLD_RAD
            || physics[2] > THETA_THRESHOLD_RAD;
        Transition { reward: 1.0, terminated, truncated: !terminated && state.t >= self.max_steps }
    }

    fn state_values(&self, state: &CartPoleState) -> Vec<f64> {
        state.physics.to_vec()
    }

    /// 95 % of the step limit (gymnasium's 475 at 500 steps).
    fn solved_threshold(&self) -> Option<f64> {
        Some(0.95 * self.max_steps as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream_rng, Stream};
    use serde_json::Value;

    fn fixture() -> Value {
        let text = include_str!("../../../../tests/fixtures/cartpole_gymnasium.json");
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn constants_match_gymnasium() {
        let f = fixture();
        let c = &f["constants"];
        for (name, ours) in [
            ("gravity", GRAVITY),
            ("masscart", MASS_CART),
            ("masspole", MASS_POLE),
            ("length", HALF_LENGTH),
            ("force_mag", FORCE_MAG),
            ("tau", TAU_S),
            ("theta_threshold_radians", THETA_THRESHOLD_RAD),
            ("x_threshold", X_THRESHOLD_M),
            ("total_mass", TOTAL_MASS),
            ("polemass_length", POLE_MASS_LENGTH),
        ] {
            assert_eq!(c[name].as_f64().unwrap(), ours, "{name}");
        }
        assert_eq!(c["kinematics_integrator"], "euler");
    }

    /// Every gymnasium trajectory replayed from its initial state, bit for bit.
    #[test]
    fn trajectories_match_gymnasium_exactly() {
        let f = fixture();
        let env = CartPole::new(500);
        let mut steps_checked = 0;
        for traj in f["trajectories"].as_array().unwrap() {
            let name = traj["name"].as_str().unwrap();
            let init: Vec<f64> =
                traj["initial_state"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            let mut state = CartPoleState { physics: [init[0], init[1], init[2], init[3]], t: 0 };
            let actions = traj["actions"].as_array().unwrap();
            let steps = traj["steps"].as_array().unwrap();
            assert_eq!(actions.len(), steps.len());
            for (i, (a, expected)) in actions.iter().zip(steps).enumerate() {
                let tr = env.step(&mut state, Action::Discrete(a.as_u64().unwrap() as usize));
                let want: Vec<f64> =
                    expected["state"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
                assert_eq!(state.physics.to_vec(), want, "{name} step {i}: state");
                let mut obs = [0f32; 4];
                env.observe(&state, &mut obs);
                let want_obs: Vec<f32> =
                    expected["obs"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
                assert_eq!(obs.to_vec(), want_obs, "{name} step {i}: obs");
                assert_eq!(tr.reward, expected["reward"].as_f64().unwrap(), "{name} step {i}: reward");
                assert_eq!(tr.terminated, expected["terminated"].as_bool().unwrap(), "{name} step {i}: terminated");
                assert_eq!(tr.truncated, expected["truncated"].as_bool().unwrap(), "{name} step {i}: truncated");
                steps_checked += 1;
            }
        }
        assert!(steps_checked >= 1000, "only {steps_checked} steps in the fixture");
    }

    #[test]
    fn reset_is_uniform_in_bounds_and_seeded() {
        let env = CartPole::new(500);
        let mut rng = stream_rng(3, Stream::Auxiliary, [0, 0, 0]);
        let mut again = stream_rng(3, Stream::Auxiliary, [0, 0, 0]);
        for _ in 0..1000 {
            let s = env.reset(&mut rng);
            assert_eq!(s, env.reset(&mut again));
            assert!(s.physics.iter().all(|x| x.abs() <= RESET_BOUND) && s.t == 0);
        }
    }

    #[test]
    fn truncates_at_max_steps() {
        let env = CartPole::new(3);
        let mut s = CartPoleState::default();
        let a = [Action::Discrete(1), Action::Discrete(0), Action::Discrete(1)];
        let done: Vec<bool> = a.iter().map(|&a| env.step(&mut s, a).truncated).collect();
        assert_eq!(done, vec![false, false, true]);
    }
}
