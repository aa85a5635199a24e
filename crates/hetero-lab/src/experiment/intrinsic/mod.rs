//! Paper B (Golmohammadi, Luboeinski, Tetzlaff): intrinsic, quenched τ heterogeneity in
//! reservoirs, measured on the task bank ([`hetero_core::data::tasks`]). Four studies, each for rate
//! and spiking networks (our design, research/paper_b_methods.md §B5):
//! - `profiles`: τ family × CV at a fixed mean (claims 1–2: heterogeneity helps; only skewed profiles do);
//! - `size`: N from 25 to 800 and the readout's training length, homogeneous vs heterogeneous (claim 3);
//! - `robustness`: spectral radius 0…3, connection probability 0.01…1, recurrence removed (claim 4);
//! - `cost`: MACs and spikes per sample and readout-training FLOP at matched performance (claim 5).
//!
//! Every (condition, seed) job builds its reservoir from the seed, runs it once per stimulus
//! (one state collection per (reservoir, stimulus), shared by all tasks on that stimulus; the
//! jobs of one seed that share the network — same kind, N, ρ, p, recurrence — run as one group,
//! their states collected together by [`ReservoirBatch`](hetero_core::network::reservoir_batch::ReservoirBatch),
//! bit for bit as alone), fits
//! all readouts of that stimulus together ([`ridge::fit`](crate::analysis::ridge::fit), multiple
//! right-hand sides, λ per task on a validation split) for every training length, and scores R²
//! on held-out samples. Networks of one seed share every weight and differ only in τ, so
//! comparisons are paired by seed.
//! Jobs are seeded from (seed, condition) and results do not depend on the thread count.
//! Outputs in `out`: results.csv (one row per job and training length), tasks.csv (capacity per
//! condition and task, mean over seeds), results.md, and figures (PNG + SVG).
//!
//! Layout: this file holds the options and [`run`]; `grid.rs` builds the conditions of a study
//! and its (condition, seed) jobs, `evaluate.rs` runs one job (reservoir states, readouts, R²),
//! and `report.rs` aggregates over seeds and writes the files. General statistics (paired
//! t-test, median) are in [`crate::analysis::stats`].

mod evaluate;
mod grid;
mod report;

pub use crate::analysis::stats::paired_t_p;
pub use evaluate::{capacity, evaluate, evaluate_batch, score_task, Evaluation, ResultRow, BATCH_FEATURE_BYTES};
pub use grid::{conditions, default_tau_ms, Condition};
pub use report::{aggregate, write_outputs, Aggregate};

use super::{run_jobs, writes_files, JobProgress};
use evaluate::result_rows;
use hetero_classify::train::TrainError;
use hetero_core::data::tasks::bank;
use hetero_core::invalid::InvalidValue;
use hetero_core::network::reservoir::Kind;
use hetero_core::neuron::heterogeneity::Family;
use std::path::PathBuf;

/// The four studies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Study {
    /// τ family × CV.
    Profiles,
    /// Network size and training length.
    Size,
    /// Recurrent weight scale, sparsity and removal.
    Robustness,
    /// Operations, spikes and readout cost at matched performance.
    Cost,
}

impl Study {
    /// Parses `profiles|size|robustness|cost`.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        match s {
            "profiles" => Ok(Study::Profiles),
            "size" => Ok(Study::Size),
            "robustness" => Ok(Study::Robustness),
            "cost" => Ok(Study::Cost),
            _ => Err(InvalidValue::new("intrinsic study", s, "unknown (known: profiles, size, robustness, cost)")),
        }
    }

    /// The study's name.
    pub fn name(self) -> &'static str {
        match self {
            Study::Profiles => "profiles",
            Study::Size => "size",
            Study::Robustness => "robustness",
            Study::Cost => "cost",
        }
    }
}

/// Parses `rate|spiking|both`.
pub fn parse_networks(s: &str) -> Result<Vec<Kind>, InvalidValue> {
    match s {
        "rate" => Ok(vec![Kind::Rate]),
        "spiking" => Ok(vec![Kind::Spiking]),
        "both" => Ok(vec![Kind::Rate, Kind::Spiking]),
        _ => Err(InvalidValue::new("--network", s, "expected rate, spiking or both")),
    }
}

/// Sample counts of one state collection: washout, training (the longest), validation, test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Split {
    /// Discarded initial samples (≥ the longest delay of the bank, 100).
    pub washout: usize,
    /// Longest training length.
    pub train: usize,
    /// Validation samples (λ selection).
    pub val: usize,
    /// Held-out test samples (R²).
    pub test: usize,
}

impl Split {
    /// Samples the reservoir is run for.
    pub fn total(&self) -> usize {
        self.washout + self.train + self.val + self.test
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The study.
    pub study: Study,
    /// Rate, spiking or both.
    pub networks: Vec<Kind>,
    /// Seeds 0..seeds per condition.
    pub seeds: u64,
    /// Reduced sizes (minutes, not tens of minutes).
    pub quick: bool,
    /// Output folder.
    pub out: PathBuf,
    /// The heterogeneous profile of the size, robustness and cost studies.
    pub hetero: (Family, f64),
}

impl Options {
    /// Defaults: both networks, 10 seeds, lognormal CV 1 as the heterogeneous arm.
    pub fn new(study: Study, quick: bool, out: PathBuf) -> Self {
        Self {
            study,
            networks: vec![Kind::Rate, Kind::Spiking],
            seeds: if quick { 3 } else { 10 },
            quick,
            out,
            hetero: (Family::LogNormal, 1.0),
        }
    }

    /// The split: 200 washout, 2000 train, 500 validation, 1000 test (quick: 200/600/300/500).
    pub fn split(&self) -> Split {
        if self.quick {
            Split { washout: 200, train: 600, val: 300, test: 500 }
        } else {
            Split { washout: 200, train: 2000, val: 500, test: 1000 }
        }
    }
}

/// Runs the study on the current rayon pool and writes every output; returns the rows.
pub fn run(opts: &Options) -> Result<Vec<ResultRow>, TrainError> {
    // The eigendecompositions inside faer follow the global setting; keep them sequential so that
    // results never depend on the thread count (jobs are parallel instead).
    faer::set_global_parallelism(faer::Par::Seq);
    if writes_files() {
        std::fs::create_dir_all(&opts.out).map_err(|e| hetero_core::io::IoError::Os {
            path: opts.out.display().to_string(),
            message: e.to_string(),
        })?;
    }
    let conds = conditions(opts);
    let task_ids: Vec<usize> = (0..bank().len()).collect();
    let split = opts.split();
    let jobs = grid::jobs(&conds, opts.seeds);
    // Conditions of one seed that share the network run together (states batched over τ).
    let groups = grid::groups(&conds, &jobs);
    let progress = JobProgress::new(jobs.len(), &format!("intrinsic {}", opts.study.name()));
    let results: Vec<Result<Vec<ResultRow>, InvalidValue>> = run_jobs(&groups, |(members, seed)| {
        let seed = *seed;
        let group: Vec<&Condition> = members.iter().map(|&c| &conds[c]).collect();
        let evals = evaluate_batch(&group, seed, split, &task_ids)?;
        let mut rows = Vec::new();
        for (cond, e) in group.iter().zip(&evals) {
            let job_rows = result_rows(cond, seed, e);
            let last = job_rows.last().map_or(0.0, |r| r.mean_capacity);
            progress.finished(&format!(
                "{} N={} {} ρ={} p={}{} seed {seed}: mean capacity {last:.3}",
                cond.kind.name(),
                cond.n,
                cond.arm(),
                cond.rho,
                cond.p,
                if cond.recurrent { "" } else { " no-rec" }
            ));
            rows.extend(job_rows);
        }
        Ok(rows)
    });
    progress.finish();
    let mut rows = Vec::new();
    for r in results {
        rows.extend(r?);
    }
    // Deterministic order: condition index, training length, seed.
    rows.sort_by(|a, b| {
        let ia = conds.iter().position(|c| *c == a.condition).unwrap_or(0);
        let ib = conds.iter().position(|c| *c == b.condition).unwrap_or(0);
        (ia, a.train_length, a.seed).cmp(&(ib, b.train_length, b.seed))
    });
    if writes_files() {
        write_outputs(opts, &conds, &rows)?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_study_and_network_are_named() {
        assert!(Study::parse("sizes").unwrap_err().to_string().contains("sizes"));
        assert!(parse_networks("lif").unwrap_err().to_string().contains("lif"));
    }
}
