//! The seam between the generation loop and what it optimises (evosax's `Problem.eval`,
//! argmin's `CostFunction`). A Problem scores genomes; the loop ([`super::train_problem`]) owns the
//! strategy, the run directory, stop criteria, resume and the MPI split of the population, the
//! same for every Problem. Environment rollouts and image classification are the two built in.
//!
//! One generation g, as the loop calls it:
//! 1. `strategy.ask(g)` → the population;
//! 2. [`Problem::evaluate`] on this process's share of the members (all of them without MPI);
//!    the shares are gathered in member order;
//! 3. `strategy.tell(fitness)`;
//! 4. [`Problem::evaluate_centre`] on the strategy's new centre;
//! 5. [`Problem::end_generation`] (the Problem's own files, statistics updates);
//! 6. the metrics row, the observers, and every `run.checkpoint_every` generations the
//!    checkpoint, with [`Problem::checkpoint_arrays`] and [`Problem::params_arrays`].
//!
//! Fitness is maximised.

use super::TrainError;
use crate::io::Array;
use std::collections::HashMap;
use std::path::Path;

/// What one generation's evaluation of a share of the population reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PopulationScores {
    /// Fitness of each member of the share, in member order.
    pub fitness: Vec<f64>,
    /// Member-steps simulated for the share.
    pub steps: u64,
    /// Hidden spikes over the share.
    pub hidden_spikes: u64,
}

/// Facts a Problem states about itself, for metrics, observers and summary.json.
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemInfo {
    /// Environment or dataset name.
    pub name: String,
    /// Genome length.
    pub dim: usize,
    /// Trainable parameters as Paper A counts them.
    pub paper_parameter_count: usize,
    /// Hidden neurons of one member (for spikes per neuron and step).
    pub hidden_neurons: usize,
    /// Episodes (or images) each member is scored on per generation (for episodes/s).
    pub items_per_member: usize,
    /// The task's solved threshold, if it has one.
    pub solved_threshold: Option<f64>,
    /// What the fitness measures, for axis labels.
    pub fitness_label: &'static str,
}

/// A population-based optimisation problem: genomes in, fitness out.
pub trait Problem {
    /// Facts about the problem.
    fn info(&self) -> ProblemInfo;

    /// The genome the strategy starts from.
    fn initial_centre(&self) -> Vec<f32>;

    /// Scores `members` genomes of generation `generation` (0-based), laid out row-major in
    /// `population` (`members × dim`). Members must be scored independently of each other, so
    /// that any split of the population (threads, MPI ranks) gives the same scores.
    fn evaluate(&mut self, generation: u64, population: &[f32], members: usize) -> PopulationScores;

    /// The fitness of the strategy's centre after generation `generation`'s update.
    fn evaluate_centre(&mut self, generation: u64, centre: &[f32]) -> f64;

    /// Called once per generation after the centre's evaluation with the number of generations
    /// completed; `last` is true for the final generation of the run (or the one that stops it),
    /// `writer` on the process that writes files. Write the Problem's own run files here.
    fn end_generation(
        &mut self,
        _completed: u64,
        _centre: &[f32],
        _last: bool,
        _dir: &Path,
        _writer: bool,
    ) -> Result<(), TrainError> {
        Ok(())
    }

    /// Arrays the checkpoint keeps besides the strategy's state (the observation normaliser).
    fn checkpoint_arrays(&self) -> Vec<(String, Array)> {
        Vec::new()
    }

    /// The arrays and metadata of params.safetensors for the genome `centre`.
    fn params_arrays(&self, centre: &[f32]) -> (Vec<(String, Array)>, HashMap<String, String>);

    /// Restores the Problem's state when a run resumes from a checkpoint at generation
    /// `generation`, given every array of the checkpoint file (`checkpoint`) and the run
    /// directory (for the Problem's own files).
    fn restore(
        &mut self,
        _checkpoint_path: &Path,
        _checkpoint: &HashMap<String, Array>,
        _generation: u64,
        _dir: &Path,
    ) -> Result<(), TrainError> {
        Ok(())
    }

    /// Adds what only the Problem knows to the run's summary (a classifier's test accuracy).
    fn finish(&self, _summary: &mut super::Summary) {}

    /// A reason (the configuration key) when the Problem cannot split its population across MPI ranks.
    fn needs_single_process(&self) -> Option<&'static str> {
        None
    }
}
