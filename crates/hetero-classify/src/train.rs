//! Training a configuration: pick the built-in [`Problem`](hetero_core::engine::Problem) it names
//! (an environment's rollouts, or image classification when `env.name` is a dataset) and run
//! the one generation loop ([`hetero_core::engine::train_problem`]) on it.

use crate::{evaluate_genome_on_test, is_classification, load_dataset, ImageProblem, MemberScore};
use hetero_core::config::{Config, ConfigTree};
pub use hetero_core::engine::TrainError;
use hetero_core::engine::{in_pool, train_problem, Observer, RunPaths, Summary};
use hetero_core::env::obs_norm::load_obs_norm;
use hetero_core::env::{visit_env, EnvVisitor, Environment};
use hetero_core::io::load_arrays;
use hetero_core::rollout::{evaluate_config, EnvProblem};
use std::path::Path;

/// Trains `config` into `out_dir` (created if needed) on a pool of `run.threads` threads;
/// resumes from its checkpoint if `resume`.
pub fn train(
    config: &Config,
    out_dir: &Path,
    resume: bool,
    observers: &mut [&mut dyn Observer],
) -> Result<Summary, TrainError> {
    in_pool(config.run.threads, || train_in_current_pool(config, out_dir, resume, observers))?
}

/// As [`train`], on the rayon pool the caller is in (`run.threads` is ignored): many runs can then
/// share one pool, as `hetero reproduce` does. Results are the same either way.
pub fn train_in_current_pool(
    config: &Config,
    out_dir: &Path,
    resume: bool,
    observers: &mut [&mut dyn Observer],
) -> Result<Summary, TrainError> {
    if is_classification(config) {
        let dataset = load_dataset(config)?;
        let mut problem = ImageProblem::new(config, &dataset)?;
        return train_problem(config, &mut problem, out_dir, resume, observers);
    }
    struct Train<'a, 'b> {
        config: &'a Config,
        out_dir: &'a Path,
        resume: bool,
        observers: &'a mut [&'b mut dyn Observer],
    }
    impl EnvVisitor for Train<'_, '_> {
        type Output = Result<Summary, TrainError>;
        fn visit<E: Environment>(self, env: E) -> Self::Output {
            let (inputs, outputs) = (env.observation_size(), env.action_space().outputs());
            hetero_core::resources::check_run(self.config, inputs, outputs, 0)?;
            let mut problem = EnvProblem::new(self.config, env);
            train_problem(self.config, &mut problem, self.out_dir, self.resume, self.observers)
        }
    }
    visit_env(&config.env, Train { config, out_dir, resume, observers })
        .map_err(|e| TrainError::Config(e.to_string()))?
}

/// What evaluating a run's centre gave.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvaluation {
    /// An environment run: the centre's return in each fresh episode.
    Returns {
        /// The evaluation seed (the run's own unless another was asked for).
        seed: u64,
        /// One return per episode.
        returns: Vec<f64>,
    },
    /// A classification run: the centre on the test set.
    Test(MemberScore),
}

/// Evaluates the centre saved in run directory `dir` (its params.safetensors, under its
/// config.toml): on `episodes` fresh episodes of stream (seed, Evaluation, 0), `seed` defaulting
/// to the run's, or on the test set for a classification run.
pub fn evaluate_run(dir: &Path, episodes: usize, seed: Option<u64>) -> Result<RunEvaluation, TrainError> {
    let paths = RunPaths::new(dir);
    if !dir.is_dir() {
        return Err(TrainError::Config(format!("{}: no such run directory", dir.display())));
    }
    if !paths.config.exists() {
        return Err(TrainError::Config(format!(
            "{}: not a run directory (no config.toml; `hetero train --out DIR` makes one)",
            dir.display()
        )));
    }
    if !paths.params.exists() {
        return Err(TrainError::Config(format!(
            "{}: missing (the run has not reached its first checkpoint)",
            paths.params.display()
        )));
    }
    let config = ConfigTree::load(&paths.config.display().to_string())
        .and_then(|t| t.finish())
        .map_err(|e| TrainError::Config(e.to_string()))?;
    let (arrays, _) = load_arrays(&paths.params)?;
    let genome = arrays
        .get("genome")
        .ok_or_else(|| TrainError::Config(format!("{}: no `genome` array", paths.params.display())))?
        .to_f32();
    let edited = |need: usize| {
        TrainError::Config(format!(
            "{} holds a genome of {} values, but {} describes one of {need} (network.hidden = {}, genome.mode = {}): was config.toml edited after the run?",
            paths.params.display(),
            genome.len(),
            paths.config.display(),
            config.network.hidden,
            format!("{:?}", config.genome.mode).to_lowercase(),
        ))
    };
    if is_classification(&config) {
        crate::Kernel::from_env().map_err(|e| TrainError::Config(e.to_string()))?;
        let dataset = load_dataset(&config)?;
        config.data.check_against(dataset.train_len(), dataset.test_len())?;
        let need = crate::classifier_model(&config, &dataset).layout.dim;
        if genome.len() != need {
            return Err(edited(need));
        }
        return Ok(RunEvaluation::Test(evaluate_genome_on_test(&config, &dataset, &genome)?));
    }
    let need = genome_dim(&config)?;
    if genome.len() != need {
        return Err(edited(need));
    }
    let norm = load_obs_norm(&arrays);
    if config.env.normalize_obs && norm.is_none() {
        return Err(TrainError::Config(format!(
            "{}: no obs_norm arrays, but the run's env.normalize_obs is on",
            paths.params.display()
        )));
    }
    let seed = seed.unwrap_or(config.run.seed);
    let returns = evaluate_config(&config, Some(&genome), norm.as_ref(), episodes, seed)?;
    Ok(RunEvaluation::Returns { seed, returns })
}

/// The genome length an environment configuration's network has (no weights are drawn).
fn genome_dim(config: &Config) -> Result<usize, TrainError> {
    struct Dim<'a>(&'a Config);
    impl EnvVisitor for Dim<'_> {
        type Output = usize;
        fn visit<E: Environment>(self, env: E) -> usize {
            let shape = hetero_core::network::NetworkShape {
                inputs: env.observation_size(),
                hidden: self.0.network.hidden,
                outputs: env.action_space().outputs(),
            };
            hetero_core::network::GenomeLayout::new(shape, self.0.network.output, &self.0.genome).dim
        }
    }
    visit_env(&config.env, Dim(config)).map_err(|e| TrainError::Config(e.to_string()))
}
