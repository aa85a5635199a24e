//! Reproductions of the papers' experiments. Each composes library pieces (configs, the trainer,
//! analysis) and holds no equations. Runs are jobs executed in parallel on one rayon pool; a job
//! is reused only when everything its result depends on matches ([`job`]), so an interrupted
//! reproduction continues where it stopped and a changed one never reuses a stale result.

pub mod ablation;
pub mod bp_vs_es;
pub mod control_scaling;
pub mod intrinsic;
pub mod job;
pub mod memory_length;
pub mod mnist;

pub use hetero_core::engine::Quiet;
use std::io::IsTerminal;
use std::sync::Mutex;

/// Runs `f` over `jobs`: in parallel normally; under MPI with several ranks, one job after
/// another in the same order on every rank (each job's population is then split across the
/// ranks), so the ranks' collective calls always match.
pub fn run_jobs<J: Sync, R: Send>(jobs: &[J], f: impl Fn(&J) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    if under_mpi() {
        jobs.iter().map(f).collect()
    } else {
        jobs.par_iter().map(f).collect()
    }
}

/// True when running under MPI with more than one rank.
pub fn under_mpi() -> bool {
    #[cfg(feature = "mpi")]
    {
        hetero_core::distributed::ranks().is_some()
    }
    #[cfg(not(feature = "mpi"))]
    {
        false
    }
}

pub use hetero_core::engine::writes_files;

/// Progress over the jobs of a reproduction: a bar on a terminal, a line per job otherwise.
pub struct JobProgress {
    bar: Option<indicatif::ProgressBar>,
    done: Mutex<usize>,
    total: usize,
}

impl JobProgress {
    /// Progress over `total` jobs.
    pub fn new(total: usize, what: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{what} {{bar:30.cyan/blue}} {{pos}}/{{len}} runs {{msg}} [{{elapsed_precise}}<{{eta_precise}}]"
                ))
                .expect("valid template"),
            );
            bar
        });
        Self { bar, done: Mutex::new(0), total }
    }

    /// One job finished with this description.
    pub fn finished(&self, line: &str) {
        let mut done = self.done.lock().expect("progress lock");
        *done += 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(line.to_string());
                bar.inc(1);
            }
            None => println!("[{:>4}/{}] {line}", *done, self.total),
        }
    }

    /// All jobs finished.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

pub use crate::analysis::stats::mean_std;
