//! `summary.json`: what a finished (or stopped) run reports.

use super::MetricsRow;
use serde::Serialize;

/// What a finished (or stopped) run reports; also written as summary.json.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Environment (or dataset) name.
    pub env: String,
    /// Genome mode.
    pub mode: String,
    /// The run's seed.
    pub seed: u64,
    /// Generations completed.
    pub generations: u64,
    /// Genome length (every searched value, output neurons included).
    pub parameter_count: usize,
    /// Trainable parameters as Paper A counts them (hidden neurons × properties, + weights).
    pub paper_parameter_count: usize,
    /// Centre fitness after the last generation.
    pub final_centre_fitness: f64,
    /// Best centre fitness seen.
    pub best_centre_fitness: f64,
    /// The task's solved threshold, if any.
    pub solved_threshold: Option<f64>,
    /// First generation whose centre reached the threshold.
    pub first_solved_generation: Option<u64>,
    /// Wall time (s).
    pub wall_s: f64,
    /// Population mean fitness in the last generation.
    pub last_fitness_mean: f64,
    /// Population fitness std in the last generation.
    pub last_fitness_std: f64,
    /// True when the run stopped early (run.stop_fitness reached for run.stop_patience generations).
    pub stopped_early: bool,
    /// With `run.keep_best`: the generation whose centre is the result (params.safetensors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_generation: Option<u64>,
    /// Classification runs: the centre's last test accuracy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    /// The run's result centre: the last one, or the best with `run.keep_best` (not in
    /// summary.json: it is in params.safetensors).
    #[serde(skip)]
    pub centre: Vec<f32>,
}

/// What the generation loop knows of a run besides its metrics rows.
pub struct SummaryFacts<'a> {
    /// Environment (or dataset) name.
    pub env: &'a str,
    /// Genome mode, lower case.
    pub mode: String,
    /// The run's seed.
    pub seed: u64,
    /// The configured number of generations (a run that ended before it stopped early).
    pub generations: u64,
    /// Genome length and Paper A's count.
    pub counts: (usize, usize),
    /// The task's solved threshold.
    pub threshold: Option<f64>,
}

/// The summary of a run from its metrics rows. The fields only the Problem and the strategy know
/// (the centre, a classifier's test accuracy) are left empty.
pub fn summarise(facts: &SummaryFacts<'_>, rows: &[MetricsRow]) -> Summary {
    let last = rows.last();
    let threshold = facts.threshold;
    Summary {
        env: facts.env.to_string(),
        mode: facts.mode.clone(),
        seed: facts.seed,
        generations: last.map_or(0, |r| r.generation),
        parameter_count: facts.counts.0,
        paper_parameter_count: facts.counts.1,
        final_centre_fitness: last.map_or(f64::NAN, |r| r.centre_fitness),
        best_centre_fitness: rows.iter().map(|r| r.centre_fitness).fold(f64::NEG_INFINITY, f64::max),
        solved_threshold: threshold,
        first_solved_generation: threshold
            .and_then(|t| rows.iter().find(|r| r.centre_fitness >= t).map(|r| r.generation)),
        wall_s: last.map_or(0.0, |r| r.wall_s),
        last_fitness_mean: last.map_or(f64::NAN, |r| r.fitness_mean),
        last_fitness_std: last.map_or(f64::NAN, |r| r.fitness_std),
        stopped_early: last.is_some_and(|r| r.generation < facts.generations),
        kept_generation: None,
        test_accuracy: None,
        centre: Vec::new(),
    }
}
