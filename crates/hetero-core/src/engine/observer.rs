//! Observers: what a person watches while a run trains (progress bars, log lines, figures),
//! attached by the caller (the CLI, an experiment, the Python package). The generation loop tells
//! them what happened and never depends on them: it writes only the run's data files (argmin's
//! observers, attached to the executor rather than written into the solver).

use super::{MetricsRow, Summary};
use std::path::PathBuf;

/// Facts about a run, given to observers at the start of a session.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// Run directory.
    pub out_dir: PathBuf,
    /// Genome length.
    pub parameter_count: usize,
    /// Paper A's count.
    pub paper_parameter_count: usize,
    /// First generation this session will run (0 unless resumed).
    pub start_generation: u64,
    /// Total generations.
    pub generations: u64,
    /// Worker threads.
    pub threads: usize,
    /// What the fitness measures, for axis labels ("return", "−cross-entropy").
    pub fitness_label: &'static str,
}

/// An error an observer reports at the end of a run (a figure that could not be written).
pub type ObserverError = Box<dyn std::error::Error + Send + Sync>;

/// Watches a run; never changes its results. It may ask the run to stop (an interrupt).
pub trait Observer: Send {
    /// Before the first generation of this session.
    fn on_start(&mut self, _info: &RunInfo) {}
    /// After every generation, once its row is in metrics.csv.
    fn on_generation(&mut self, _row: &MetricsRow) {}
    /// Asked after every generation: true ends the run there, with a checkpoint of that
    /// generation written first, as [`TrainError::Interrupted`](super::TrainError::Interrupted)
    /// (Ctrl-C in Python). A resumed run then continues exactly.
    fn stop_requested(&self) -> bool {
        false
    }
    /// After the last generation, once summary.json is written. An error here fails the run.
    fn on_finish(&mut self, _summary: &Summary) -> Result<(), ObserverError> {
        Ok(())
    }
}

/// An observer that says nothing (jobs inside a reproduction).
pub struct Quiet;

impl Observer for Quiet {}
