//! The engine: one generation loop ([`train_problem`]) that drives any [`Problem`] with any
//! strategy, its observers, the run directory and its files.
//!
//! ```text
//! strategy.ask ─► Problem::evaluate (this rank's share) ─► gather ─► strategy.tell
//!      ─► Problem::evaluate_centre ─► Problem::end_generation ─► metrics row ─► observers
//!      ─► checkpoint every K generations ─► … ─► summary.json
//! ```

pub mod checkpoint;
pub mod metrics;
pub mod observer;
pub mod problem;
pub mod run_dir;
pub mod summary;
pub mod trainer;

pub use checkpoint::{check_same_experiment, restore_checkpoint, save_checkpoint, RestoredCheckpoint};
pub use metrics::{mean_std_min_max, read_metrics, read_run_csv, write_csv, MetricsRow};
pub use observer::{Observer, ObserverError, Quiet, RunInfo};
pub use problem::{PopulationScores, Problem, ProblemInfo};
pub use run_dir::{
    claim_new_run_dir, claim_run_dir, config_stem, default_run_dir, first_run_file, new_run_dir, resume_run_dir,
    RunClaim, RunDirError, RunPaths,
};
pub use summary::{summarise, Summary, SummaryFacts};
pub use trainer::{in_pool, train_problem, writes_files};

use crate::io::IoError;

/// Errors of a training run; each renders as one line naming the file or field.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Reading or writing a run file failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The configuration cannot be built (unknown environment, a dataset that is not there, …).
    #[error("{0}")]
    Config(String),
    /// The run directory does not hold what resuming needs.
    #[error("{path}: {message}")]
    Resume {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The run directory cannot take the run.
    #[error(transparent)]
    RunDir(#[from] RunDirError),
    /// A value that is not allowed (named, with its allowed range).
    #[error(transparent)]
    Invalid(#[from] crate::invalid::InvalidValue),
    /// The run or evaluation would not fit in the machine's memory.
    #[error(transparent)]
    Memory(#[from] crate::resources::MemoryError),
    /// The search overflowed: a centre value or σ is no longer finite. Nothing of that
    /// generation is written; the last checkpoint stays.
    #[error("generation {generation}: the search diverged ({what}); nothing of this generation was written; lower the learning rates or σ")]
    Diverged {
        /// The generation whose update overflowed.
        generation: u64,
        /// What is not finite.
        what: String,
    },
    /// The thread pool could not be built.
    #[error("thread pool: {0}")]
    Threads(String),
    /// An observer asked the run to stop; the checkpoint of `generation` is written.
    #[error("interrupted after generation {generation}; the checkpoint of that generation is written")]
    Interrupted {
        /// Generations completed (and checkpointed).
        generation: u64,
    },
    /// An observer failed at the end of the run (a figure that could not be written).
    #[error("{0}")]
    Observer(String),
}
