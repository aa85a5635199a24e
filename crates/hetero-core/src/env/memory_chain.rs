//! bsuite's MemoryChain, the `memory_length` experiment (Osband et al. 2020; research/envs_spec.md
//! (a)). The agent sees a context at the start, must remember it for L steps, and is rewarded on
//! its last action only.
//!
//! Observation (num_bits + 2): `[1 − τ/L, query if τ = L − 1 else 0, (2·context − 1) if τ = 0
//! else 0 …]` where τ is the time *before* the last action (bsuite computes the observation before
//! incrementing time). So after reset and after the first action the agent sees τ = 0: the context
//! is visible twice. An episode is L + 1 actions; the last one earns +1 if it equals
//! `context[query]` and −1 otherwise; all others earn 0.
//!
//! [`Observation::Paper`] is Paper A's description instead (§4.1): `s_t = (c_t, t/N)` with
//! `c_0 = 2·context − 1 ∈ {−1, +1}`, `c_t = 0` for t ≥ 1, and N = L + 1 the episode's actions, so t
//! counts the actions taken (0 after reset, N − 1 before the rewarded one). The context is shown
//! once and there is no query column; it needs one context bit. The episode, reward and the
//! delay L are bsuite's, so the two observations compare length for length.

use super::{Action, ActionSpace, Environment, Transition};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The most context bits supported (they are stored in one u64).
pub const MAX_BITS: usize = 64;

/// What the agent sees of a MemoryChain episode (`env.observation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observation {
    /// bsuite's `[1 − τ/L, query, context…]`, the context shown twice (the default).
    #[default]
    Bsuite,
    /// Paper A's `(c_t, t/N)`: the context once, then 0; the elapsed fraction of the episode.
    Paper,
}

impl Observation {
    /// `bsuite` or `paper`.
    pub fn name(self) -> &'static str {
        match self {
            Observation::Bsuite => "bsuite",
            Observation::Paper => "paper",
        }
    }
}

/// MemoryChain with memory length L and `num_bits` context bits.
#[derive(Clone, Debug)]
pub struct MemoryChain {
    /// L: steps between seeing the context and being asked for it.
    pub memory_length: usize,
    /// Context bits (1 in bsuite's memory_len experiment).
    pub num_bits: usize,
    /// Truncation limit (gymnax: 1000; never reached when L + 1 ≤ it).
    pub max_steps: usize,
    /// bsuite's observation or Paper A's.
    pub observation: Observation,
}

/// Dynamic state: actions taken so far, the context bits and the query index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryChainState {
    /// Actions taken in this episode.
    pub t: usize,
    /// Context bit i is `(context >> i) & 1`.
    pub context: u64,
    /// Which bit is asked for.
    pub query: usize,
}

impl MemoryChain {
    /// MemoryChain(L, num_bits) with a step limit and bsuite's observation; `num_bits` in 1..=64.
    pub fn new(memory_length: usize, num_bits: usize, max_steps: usize) -> Self {
        assert!((1..=MAX_BITS).contains(&num_bits), "num_bits must be 1..=64");
        Self { memory_length, num_bits, max_steps, observation: Observation::Bsuite }
    }

    /// The same task seen through `observation` (Paper A's needs `num_bits = 1`; the config checks it).
    pub fn with_observation(mut self, observation: Observation) -> Self {
        assert!(observation == Observation::Bsuite || self.num_bits == 1, "Paper A's observation has one context bit");
        self.observation = observation;
        self
    }

    /// The correct final action: bit `query` of the context.
    pub fn correct_action(&self, s: &MemoryChainState) -> usize {
        ((s.context >> s.query) & 1) as usize
    }
}

impl Environment for MemoryChain {
    type State = MemoryChainState;

    fn name(&self) -> &'static str {
        "memory_chain"
    }

    fn observation_size(&self) -> usize {
        match self.observation {
            Observation::Bsuite => self.num_bits + 2,
            Observation::Paper => 2,
        }
    }

    fn action_space(&self) -> ActionSpace {
        ActionSpace::Discrete(2)
    }

    fn max_steps(&self) -> usize {
        self.max_steps
    }

    /// Context bits ~ Bernoulli(0.5), query ~ uniform over the bits.
    fn reset(&self, rng: &mut ChaCha8Rng) -> MemoryChainState {
        let mut context = 0u64;
        for i in 0..self.num_bits {
            if rng.random_bool(0.5) {
                context |= 1 << i;
            }
        }
        let query = rng.random_range(0..self.num_bits);
        MemoryChainState { t: 0, context, query }
    }

    #[inline]
    fn observe(&self, s: &MemoryChainState, obs: &mut [f32]) {
        if self.observation == Observation::Paper {
            obs[0] = if s.t == 0 { 2.0 * (s.context & 1) as f32 - 1.0 } else { 0.0 };
            obs[1] = (s.t as f64 / (self.memory_length + 1) as f64) as f32;
            return;
        }
        let tau = s.t.saturating_sub(1);
        let l = self.memory_length;
        obs[0] = (1.0 - tau as f64 / l as f64) as f32;
        obs[1] = if tau + 1 == l { s.query as f32 } else { 0.0 };
        for i in 0..self.num_bits {
            obs[2 + i] = if tau == 0 { 2.0 * ((s.context >> i) & 1) as f32 - 1.0 } else { 0.0 };
        }
    }

    #[inline]
    fn step(&self, s: &mut MemoryChainState, action: Action<'_>) -> Transition {
        let a = match action {
            Action::Discrete(a) => a,
            Action::Continuous(v) => (v[0] > 0.0) as usize,
        };
        let last = s.t == self.memory_length;
        let reward = if last {
            if a == self.correct_action(s) {
                1.0
            } else {
                -1.0
            }
        } else {
            0.0
        };
        s.t += 1;
        Transition { reward, terminated: last, truncated: !last && s.t >= self.max_steps }
    }

    fn state_values(&self, s: &MemoryChainState) -> Vec<f64> {
        vec![s.t as f64, s.context as f64, s.query as f64]
    }

    /// Paper A's bar: mean reward 0.9.
    fn solved_threshold(&self) -> Option<f64> {
        Some(0.9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream_rng, Stream};

    fn run(env: &MemoryChain, s: &mut MemoryChainState, actions: &[usize]) -> Vec<(Vec<f32>, Transition)> {
        actions
            .iter()
            .map(|&a| {
                let tr = env.step(s, Action::Discrete(a));
                let mut obs = vec![0.0; env.observation_size()];
                env.observe(s, &mut obs);
                (obs, tr)
            })
            .collect()
    }

    /// L = 3, context bit 0 (seen as −1), always action 1: research/envs_spec.md's worked example.
    #[test]
    fn worked_example_from_the_reference() {
        let env = MemoryChain::new(3, 1, 1000);
        let mut s = MemoryChainState { t: 0, context: 0, query: 0 };
        let mut obs = vec![0.0; 3];
        env.observe(&s, &mut obs);
        assert_eq!(obs, vec![1.0, 0.0, -1.0]);
        let steps = run(&env, &mut s, &[1, 1, 1, 1]);
        let third = (1.0f64 - 1.0 / 3.0) as f32;
        let two_thirds = (1.0f64 - 2.0 / 3.0) as f32;
        assert_eq!(steps[0].0, vec![1.0, 0.0, -1.0]); // context shown again
        assert_eq!(steps[1].0, vec![third, 0.0, 0.0]);
        assert_eq!(steps[2].0, vec![two_thirds, 0.0, 0.0]); // τ = L − 1: query column (0 with one bit)
        let rewards: Vec<f64> = steps.iter().map(|s| s.1.reward).collect();
        assert_eq!(rewards, vec![0.0, 0.0, 0.0, -1.0]);
        let done: Vec<bool> = steps.iter().map(|s| s.1.terminated).collect();
        assert_eq!(done, vec![false, false, false, true]);
    }

    #[test]
    fn correct_last_action_earns_one_and_length_is_l_plus_one() {
        for l in [1usize, 2, 5, 25] {
            let env = MemoryChain::new(l, 1, 1000);
            let mut s = MemoryChainState { t: 0, context: 1, query: 0 };
            let steps = run(&env, &mut s, &vec![1; l + 1]);
            assert!(steps[..l].iter().all(|s| s.1.reward == 0.0 && !s.1.done()));
            assert_eq!(steps[l].1, Transition { reward: 1.0, terminated: true, truncated: false });
        }
    }

    /// Every episode recorded from bsuite 0.3.6 (cross-checked with gymnax 1.0.1), bit for bit.
    #[test]
    fn episodes_match_bsuite_exactly() {
        let text = include_str!("../../../../tests/fixtures/memory_chain_reference.json");
        let f: serde_json::Value = serde_json::from_str(text).unwrap();
        let floats = |v: &serde_json::Value| -> Vec<f32> {
            v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
        };
        let mut steps_checked = 0;
        for ep in f["episodes"].as_array().unwrap() {
            let name = ep["name"].as_str().unwrap();
            let l = ep["memory_length"].as_u64().unwrap() as usize;
            let bits = ep["num_bits"].as_u64().unwrap() as usize;
            let context = ep["context"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .fold(0u64, |acc, (i, b)| acc | (b.as_u64().unwrap() << i));
            let query = ep["query"].as_u64().unwrap() as usize;
            let env = MemoryChain::new(l, bits, 1000);
            let mut s = MemoryChainState { t: 0, context, query };
            let mut obs = vec![0.0; env.observation_size()];
            env.observe(&s, &mut obs);
            assert_eq!(obs, floats(&ep["reset_obs"]), "{name}: reset obs");
            let actions = ep["actions"].as_array().unwrap();
            let steps = ep["steps"].as_array().unwrap();
            assert_eq!(actions.len(), l + 1, "{name}: L + 1 actions");
            for (i, (a, want)) in actions.iter().zip(steps).enumerate() {
                let tr = env.step(&mut s, Action::Discrete(a.as_u64().unwrap() as usize));
                env.observe(&s, &mut obs);
                assert_eq!(obs, floats(&want["obs"]), "{name} step {i}: obs");
                assert_eq!(tr.reward, want["reward"].as_f64().unwrap(), "{name} step {i}: reward");
                assert_eq!(tr.terminated, want["terminated"].as_bool().unwrap(), "{name} step {i}: terminated");
                steps_checked += 1;
            }
        }
        assert!(steps_checked >= 200, "{steps_checked}");
    }

    /// Paper A's observation, L = 3 (N = 4 actions), context 1: (+1, 0), then (0, t/4); reward bsuite's.
    #[test]
    fn paper_observation_shows_the_context_once_and_elapsed_time() {
        let env = MemoryChain::new(3, 1, 1000).with_observation(Observation::Paper);
        assert_eq!(env.observation_size(), 2);
        let mut s = MemoryChainState { t: 0, context: 1, query: 0 };
        let mut obs = vec![9.0; 2];
        env.observe(&s, &mut obs);
        assert_eq!(obs, vec![1.0, 0.0]);
        let steps = run(&env, &mut s, &[0, 0, 0, 1]);
        let seen: Vec<Vec<f32>> = steps.iter().map(|s| s.0.clone()).collect();
        assert_eq!(seen, vec![vec![0.0, 0.25], vec![0.0, 0.5], vec![0.0, 0.75], vec![0.0, 1.0]]);
        let rewards: Vec<f64> = steps.iter().map(|s| s.1.reward).collect();
        assert_eq!(rewards, vec![0.0, 0.0, 0.0, 1.0]);
        let mut s = MemoryChainState { t: 0, context: 0, query: 0 };
        env.observe(&s, &mut obs);
        assert_eq!(obs, vec![-1.0, 0.0]);
        assert_eq!(run(&env, &mut s, &[1, 1, 1, 1])[3].1.reward, -1.0);
    }

    #[test]
    fn reset_draws_balanced_contexts_and_valid_queries() {
        let env = MemoryChain::new(5, 3, 1000);
        let mut rng = stream_rng(0, Stream::Auxiliary, [0, 0, 0]);
        let (mut ones, n) = (0, 3000);
        for _ in 0..n {
            let s = env.reset(&mut rng);
            assert!(s.query < 3 && s.context < 8);
            ones += s.context.count_ones();
        }
        let frac = ones as f64 / (3 * n) as f64;
        assert!((frac - 0.5).abs() < 0.03, "{frac}");
    }
}
