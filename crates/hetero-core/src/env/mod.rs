//! Environments (SPEC §6): static parameters in the environment value, dynamic state in
//! `Self::State`, and [`Environment::step`] the only way state changes (gymnax's split).
//! The rollout engine drives many states of one environment at once.

pub mod cartpole;
pub mod memory_chain;
#[cfg(feature = "mujoco")]
pub mod mujoco;
pub mod obs_norm;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use cartpole::CartPole;
pub use memory_chain::MemoryChain;

/// The action space of an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionSpace {
    /// `n` discrete actions, decoded from the output potentials by argmax.
    Discrete(usize),
    /// A box [−1, 1]^dim, decoded by tanh of the output potentials.
    Continuous(usize),
}

impl ActionSpace {
    /// Number of network outputs needed.
    pub fn outputs(self) -> usize {
        match self {
            ActionSpace::Discrete(n) | ActionSpace::Continuous(n) => n,
        }
    }
}

/// One action.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action<'a> {
    /// Index of a discrete action.
    Discrete(usize),
    /// A continuous action vector in [−1, 1]^dim.
    Continuous(&'a [f32]),
}

/// An action parsed from text, owned ([`ActionSpace::parse_actions`]).
#[derive(Clone, Debug, PartialEq)]
pub enum ActionValue {
    /// Index of a discrete action.
    Discrete(usize),
    /// A continuous action vector.
    Continuous(Vec<f32>),
}

impl ActionValue {
    /// The action to step with.
    pub fn as_action(&self) -> Action<'_> {
        match self {
            ActionValue::Discrete(i) => Action::Discrete(*i),
            ActionValue::Continuous(v) => Action::Continuous(v),
        }
    }
}

/// Text that is not an action of the space.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("`{text}` is not {expected}")]
pub struct ActionParseError {
    /// The offending piece.
    pub text: String,
    /// What the space takes.
    pub expected: String,
}

impl ActionSpace {
    /// Parses a sequence of actions: discrete ones as indices separated by `,` (or `;`),
    /// continuous ones as vectors of `dim` numbers separated by `;`, each vector's numbers by `,`.
    /// Empty pieces are skipped. Returns each action with the text it came from.
    pub fn parse_actions(self, text: &str) -> Result<Vec<(String, ActionValue)>, ActionParseError> {
        let pieces: Vec<&str> = match self {
            ActionSpace::Discrete(_) => text.split([',', ';']).collect(),
            ActionSpace::Continuous(_) => text.split(';').collect(),
        };
        pieces
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| Ok((p.to_string(), self.parse_action(p)?)))
            .collect()
    }

    /// Parses one action: an index below `n`, or `dim` comma-separated numbers.
    pub fn parse_action(self, text: &str) -> Result<ActionValue, ActionParseError> {
        match self {
            ActionSpace::Discrete(n) => match text.trim().parse::<usize>() {
                Ok(i) if i < n => Ok(ActionValue::Discrete(i)),
                _ => Err(ActionParseError { text: text.into(), expected: format!("an action index 0..{}", n - 1) }),
            },
            ActionSpace::Continuous(dim) => {
                match text.split(',').map(|x| x.trim().parse::<f32>()).collect::<Result<Vec<f32>, _>>() {
                    Ok(v) if v.len() == dim => Ok(ActionValue::Continuous(v)),
                    _ => Err(ActionParseError { text: text.into(), expected: format!("a vector of {dim} numbers") }),
                }
            }
        }
    }
}

/// What one step returned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transition {
    /// Reward of this step.
    pub reward: f64,
    /// The episode ended by the task's own rule.
    pub terminated: bool,
    /// The episode was cut by the step limit.
    pub truncated: bool,
}

impl Transition {
    /// Terminated or truncated.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// A single-agent episodic task.
///
/// Contract: all randomness is drawn in [`Environment::reset`]; [`Environment::step`] is a
/// deterministic function of the state and the action. The rollout engine relies on it to
/// simulate equal initial states only once per member.
pub trait Environment: Sync + Send {
    /// The dynamic state of one episode.
    type State: Clone + Send + Sync + PartialEq;

    /// Name used in configs and on the command line.
    fn name(&self) -> &'static str;
    /// Observation length.
    fn observation_size(&self) -> usize;
    /// The action space.
    fn action_space(&self) -> ActionSpace;
    /// The step limit (truncation).
    fn max_steps(&self) -> usize;
    /// A fresh initial state drawn from `rng`.
    fn reset(&self, rng: &mut ChaCha8Rng) -> Self::State;
    /// Writes the observation of `state` into `obs` (length [`Environment::observation_size`]).
    fn observe(&self, state: &Self::State, obs: &mut [f32]);
    /// Advances `state` by one action.
    fn step(&self, state: &mut Self::State, action: Action<'_>) -> Transition;
    /// The physical state as numbers, for `hetero env` and fixtures.
    fn state_values(&self, state: &Self::State) -> Vec<f64>;
    /// qpos and qvel of a state, for physics environments (`hetero env` prints them at reset so a
    /// trajectory can be replayed in another implementation).
    fn initial_qpos_qvel(&self, _state: &Self::State) -> Option<(Vec<f64>, Vec<f64>)> {
        None
    }
    /// Mean return that counts as solving the task, if the task has one.
    fn solved_threshold(&self) -> Option<f64> {
        None
    }
}

/// Environment configuration (`[env]` in a config file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvConfig {
    /// Environment name: `cartpole`, `memory_chain`, or (feature `mujoco`) `halfcheetah`,
    /// `hopper`, `walker2d`, `ant`.
    pub name: String,
    /// Step limit per episode, 1..=10⁹.
    pub max_steps: usize,
    /// Episodes per population member per generation (fitness = mean return), 1..=10⁶.
    pub episodes: usize,
    /// Episodes of the centre's evaluation each generation, 1..=10⁶.
    pub eval_episodes: usize,
    /// memory_chain: memory length L (an episode is L + 1 actions), 1..=10⁶.
    pub memory_length: usize,
    /// memory_chain: context bits, 1..=64.
    pub num_bits: usize,
    /// memory_chain: `bsuite` (default) or `paper` (Paper A's `(c_t, t/N)`); see
    /// [`memory_chain::Observation`]. Left out of a written config.toml when it is the default.
    #[serde(skip_serializing_if = "is_bsuite")]
    pub observation: memory_chain::Observation,
    /// Normalise observations with running statistics shared by the population (EvoJAX
    /// ObsNormalizer; saved with the params). See [`obs_norm`].
    pub normalize_obs: bool,
}

impl Default for EnvConfig {
    fn default() -> Self {
        Self {
            name: "cartpole".into(),
            max_steps: 500,
            episodes: 1,
            eval_episodes: 10,
            memory_length: 5,
            num_bits: 1,
            observation: memory_chain::Observation::Bsuite,
            normalize_obs: false,
        }
    }
}

fn is_bsuite(o: &memory_chain::Observation) -> bool {
    *o == memory_chain::Observation::Bsuite
}

/// The environment names hetero knows.
pub const ENV_NAMES: &[&str] = &["cartpole", "memory_chain", "halfcheetah", "hopper", "walker2d", "ant"];

/// The MuJoCo locomotion tasks (feature `mujoco`).
pub const LOCOMOTION_NAMES: &[&str] = &["halfcheetah", "hopper", "walker2d", "ant"];

/// Runs generic code on the concrete environment a config names (static dispatch inside).
pub trait EnvVisitor {
    /// What the visit returns.
    type Output;
    /// Called with the concrete environment.
    fn visit<E: Environment + 'static>(self, env: E) -> Self::Output;
}

/// Error for an environment hetero cannot build (unknown name, MuJoCo missing); the message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnknownEnv(pub String);

impl UnknownEnv {
    fn unknown(name: &str) -> Self {
        UnknownEnv(format!("unknown environment `{name}` (known: {})", ENV_NAMES.join(", ")))
    }
}

/// Builds the environment of `config` and hands it to `visitor`.
pub fn visit_env<V: EnvVisitor>(config: &EnvConfig, visitor: V) -> Result<V::Output, UnknownEnv> {
    match config.name.as_str() {
        "cartpole" => Ok(visitor.visit(CartPole::new(config.max_steps))),
        "memory_chain" => Ok(visitor.visit(
            MemoryChain::new(config.memory_length, config.num_bits, config.max_steps)
                .with_observation(config.observation),
        )),
        #[cfg(feature = "mujoco")]
        "halfcheetah" => {
            Ok(visitor.visit(mujoco::HalfCheetah::new(config.max_steps).map_err(|e| UnknownEnv(e.to_string()))?))
        }
        #[cfg(feature = "mujoco")]
        "hopper" => Ok(visitor.visit(mujoco::Hopper::new(config.max_steps).map_err(|e| UnknownEnv(e.to_string()))?)),
        #[cfg(feature = "mujoco")]
        "walker2d" => {
            Ok(visitor.visit(mujoco::Walker2d::new(config.max_steps).map_err(|e| UnknownEnv(e.to_string()))?))
        }
        #[cfg(feature = "mujoco")]
        "ant" => Ok(visitor.visit(mujoco::Ant::new(config.max_steps).map_err(|e| UnknownEnv(e.to_string()))?)),
        #[cfg(not(feature = "mujoco"))]
        name if LOCOMOTION_NAMES.contains(&name) => Err(UnknownEnv(format!(
            "environment `{name}` needs MuJoCo: build with `--features mujoco` after scripts/install_mujoco.sh"
        ))),
        other => Err(UnknownEnv::unknown(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discrete_actions_parse_as_indices_below_n() {
        let a = ActionSpace::Discrete(2).parse_actions("0, 1,1;0").unwrap();
        let v: Vec<ActionValue> = a.into_iter().map(|(_, v)| v).collect();
        assert_eq!(v, [0, 1, 1, 0].map(ActionValue::Discrete));
        let e = ActionSpace::Discrete(2).parse_actions("1,7").unwrap_err();
        assert_eq!(e.to_string(), "`7` is not an action index 0..1");
        assert!(ActionSpace::Discrete(2).parse_actions("-1").is_err());
        assert!(ActionSpace::Discrete(2).parse_actions("").unwrap().is_empty());
    }

    #[test]
    fn continuous_actions_parse_as_vectors_of_dim_numbers() {
        let a = ActionSpace::Continuous(2).parse_actions("0.5,-1; 0,0.25").unwrap();
        assert_eq!(a[0].1, ActionValue::Continuous(vec![0.5, -1.0]));
        assert_eq!(a[1].1.as_action(), Action::Continuous(&[0.0, 0.25]));
        let e = ActionSpace::Continuous(2).parse_actions("0.5,-1;1").unwrap_err();
        assert_eq!(e.to_string(), "`1` is not a vector of 2 numbers");
        assert!(ActionSpace::Continuous(2).parse_actions("a,b").is_err());
    }
}
