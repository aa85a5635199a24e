//! Environment rollouts as a [`Problem`]: a member's fitness is its mean return over
//! `env.episodes` episodes from the generation's common initial states (stream (seed, EnvReset,
//! g)); the centre's is its mean return over `env.eval_episodes` fresh episodes (stream (seed,
//! CentreEval, g)). With `env.normalize_obs` the observations are normalised by running
//! statistics shared by the whole population (EvoJAX's ObsNormalizer): the centre sees the
//! statistics its population was evaluated with, then this generation's observations enter them.

use super::{evaluate_normalized, EpisodeSource};
use crate::config::Config;
use crate::engine::{PopulationScores, Problem, ProblemInfo, TrainError};
use crate::env::obs_norm::{load_obs_norm, obs_norm_arrays, ObsNormalizer, ObsSums};
use crate::env::{visit_env, EnvVisitor, Environment};
use crate::io::Array;
use crate::network::{Model, PopulationParams};
use crate::rng::Stream;
use std::collections::HashMap;
use std::path::Path;

/// A configured network on an environment, scored by episodes.
pub struct EnvProblem<'a, E: Environment> {
    config: &'a Config,
    env: E,
    model: Model,
    norm: Option<ObsNormalizer>,
    /// The population's observation sums of the current generation (for the normaliser).
    pending: ObsSums,
}

impl<'a, E: Environment> EnvProblem<'a, E> {
    /// The network of `config` on `env`.
    pub fn new(config: &'a Config, env: E) -> Self {
        let model = env_model(config, &env);
        let norm = config.env.normalize_obs.then(|| ObsNormalizer::new(env.observation_size()));
        Self { config, env, model, norm, pending: ObsSums::default() }
    }

    /// The network.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The environment.
    pub fn env(&self) -> &E {
        &self.env
    }
}

/// The network of `config` for `env`: observations in, the action space's outputs out.
pub fn env_model<E: Environment>(config: &Config, env: &E) -> Model {
    Model::build(env.observation_size(), env.action_space().outputs(), &config.network, &config.genome, config.run.seed)
}

/// The returns of one genome over `episodes` episodes from `source`, observations normalised by
/// `norm` (not updated) when given.
pub fn genome_returns<E: Environment>(
    config: &Config,
    model: &Model,
    env: &E,
    genome: &[f32],
    episodes: usize,
    source: EpisodeSource,
    norm: Option<&ObsNormalizer>,
) -> Vec<f64> {
    let params = PopulationParams::build(&model.layout, &config.network, &model.fixed, genome, 1);
    evaluate_normalized(env, &params, episodes, source, norm).0.lane_returns
}

impl<E: Environment> Problem for EnvProblem<'_, E> {
    fn info(&self) -> ProblemInfo {
        ProblemInfo {
            name: self.config.env.name.clone(),
            dim: self.model.layout.dim,
            paper_parameter_count: self.model.layout.paper_parameter_count(),
            hidden_neurons: self.model.shape.hidden,
            items_per_member: self.config.env.episodes,
            solved_threshold: self.env.solved_threshold(),
            fitness_label: "return",
        }
    }

    fn initial_centre(&self) -> Vec<f32> {
        self.model.layout.initial_centre(&self.config.network, &self.model.fixed)
    }

    fn evaluate(&mut self, generation: u64, population: &[f32], members: usize) -> PopulationScores {
        let c = self.config;
        let source = EpisodeSource { seed: c.run.seed, stream: Stream::EnvReset, generation };
        let params = PopulationParams::build(&self.model.layout, &c.network, &self.model.fixed, population, members);
        let (result, sums) = evaluate_normalized(&self.env, &params, c.env.episodes, source, self.norm.as_ref());
        self.pending = sums;
        PopulationScores {
            fitness: result.member_means(),
            steps: result.total_steps(),
            hidden_spikes: result.hidden_spikes,
        }
    }

    fn evaluate_centre(&mut self, generation: u64, centre: &[f32]) -> f64 {
        let c = self.config;
        let source = EpisodeSource { seed: c.run.seed, stream: Stream::CentreEval, generation };
        let returns =
            genome_returns(c, &self.model, &self.env, centre, c.env.eval_episodes, source, self.norm.as_ref());
        returns.iter().sum::<f64>() / returns.len() as f64
    }

    fn end_generation(
        &mut self,
        _completed: u64,
        _centre: &[f32],
        _last: bool,
        _dir: &Path,
        _writer: bool,
    ) -> Result<(), TrainError> {
        if let Some(n) = self.norm.as_mut() {
            n.update(&self.pending);
        }
        Ok(())
    }

    fn checkpoint_arrays(&self) -> Vec<(String, Array)> {
        self.norm.as_ref().map(obs_norm_arrays).unwrap_or_default()
    }

    fn params_arrays(&self, centre: &[f32]) -> (Vec<(String, Array)>, HashMap<String, String>) {
        self.model.params_arrays(&self.config.network, centre, self.checkpoint_arrays(), self.config.to_toml())
    }

    fn restore(
        &mut self,
        path: &Path,
        checkpoint: &HashMap<String, Array>,
        _generation: u64,
        _dir: &Path,
    ) -> Result<(), TrainError> {
        if self.norm.is_some() {
            self.norm = Some(load_obs_norm(checkpoint).ok_or_else(|| TrainError::Resume {
                path: path.display().to_string(),
                message: "no obs_norm arrays (env.normalize_obs is on)".into(),
            })?);
        }
        Ok(())
    }

    fn needs_single_process(&self) -> Option<&'static str> {
        self.norm.is_some().then_some("env.normalize_obs")
    }
}

/// The returns of `genome` (the initial centre when `None`) over `episodes` fresh episodes of
/// stream (seed, Evaluation, 0) on the environment `config` names, observations normalised by
/// `norm` (not updated): the evaluation `hetero eval` and the experiments' final scores use.
pub fn evaluate_config(
    config: &Config,
    genome: Option<&[f32]>,
    norm: Option<&ObsNormalizer>,
    episodes: usize,
    seed: u64,
) -> Result<Vec<f64>, TrainError> {
    struct Eval<'a> {
        config: &'a Config,
        genome: Option<&'a [f32]>,
        norm: Option<&'a ObsNormalizer>,
        episodes: usize,
        seed: u64,
    }
    impl EnvVisitor for Eval<'_> {
        type Output = Result<Vec<f64>, TrainError>;
        fn visit<E: Environment>(self, env: E) -> Self::Output {
            let (inputs, outputs) = (env.observation_size(), env.action_space().outputs());
            crate::resources::check_eval(self.config, inputs, outputs, self.episodes)?;
            let model = env_model(self.config, &env);
            let centre = match self.genome {
                Some(g) if g.len() != model.layout.dim => {
                    return Err(TrainError::Config(format!(
                        "genome has {} values, the config's layout {}",
                        g.len(),
                        model.layout.dim
                    )))
                }
                Some(g) => g.to_vec(),
                None => model.layout.initial_centre(&self.config.network, &model.fixed),
            };
            let source = EpisodeSource { seed: self.seed, stream: Stream::Evaluation, generation: 0 };
            Ok(genome_returns(self.config, &model, &env, &centre, self.episodes, source, self.norm))
        }
    }
    visit_env(&config.env, Eval { config, genome, norm, episodes, seed })
        .map_err(|e| TrainError::Config(e.to_string()))?
}
