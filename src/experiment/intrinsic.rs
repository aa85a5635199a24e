//! Paper B (Golmohammadi, Luboeinski, Tetzlaff): intrinsic, quenched τ heterogeneity in
//! reservoirs, measured on the task bank ([`crate::data::tasks`]). Four studies, each for rate
//! and spiking networks (our design, research/paper_b_methods.md §B5):
//! - `profiles`: τ family × CV at a fixed mean (claims 1–2: heterogeneity helps; only skewed profiles do);
//! - `size`: N from 25 to 800 and the readout's training length, homogeneous vs heterogeneous (claim 3);
//! - `robustness`: spectral radius 0…3, connection probability 0.01…1, recurrence removed (claim 4);
//! - `cost`: MACs and spikes per sample and readout-training FLOP at matched performance (claim 5).
//!
//! Every (condition, seed) job builds its reservoir from the seed, runs it once per stimulus
//! (one state collection per (reservoir, stimulus), shared by all tasks on that stimulus), fits
//! all readouts of that stimulus together ([`ridge::fit`], multiple right-hand sides, λ per task on
//! a validation split) for every training length, and scores R² on held-out samples. Networks of
//! one seed share every weight and differ only in τ, so comparisons are paired by seed.
//! Jobs are seeded from (seed, condition) and results do not depend on the thread count.
//! Outputs in `out`: results.csv (one row per job and training length), tasks.csv (capacity per
//! condition and task, mean over seeds), results.md, and figures (PNG + SVG).

use super::{mean_std, run_jobs, writes_files, JobProgress};
use crate::analysis::plot::{self, Chart, Scale, Series};
use crate::analysis::ridge::{self, LAMBDA_GRID};
use crate::data::tasks::{self, bank, by_stimulus, FUTURE};
use crate::io::write_atomic;
use crate::network::reservoir::{Activity, Kind, Reservoir, ReservoirConfig};
use crate::neuron::heterogeneity::{moments, Family, Profile};
use crate::train::TrainError;
use faer::MatRef;
use std::collections::BTreeMap;
use std::fmt::Write as _;
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
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "profiles" => Ok(Study::Profiles),
            "size" => Ok(Study::Size),
            "robustness" => Ok(Study::Robustness),
            "cost" => Ok(Study::Cost),
            _ => Err(format!("intrinsic study `{s}`: unknown (known: profiles, size, robustness, cost)")),
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
pub fn parse_networks(s: &str) -> Result<Vec<Kind>, String> {
    match s {
        "rate" => Ok(vec![Kind::Rate]),
        "spiking" => Ok(vec![Kind::Spiking]),
        "both" => Ok(vec![Kind::Rate, Kind::Spiking]),
        _ => Err(format!("--network {s}: expected rate, spiking or both")),
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

/// One network condition of a study.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// Rate or spiking.
    pub kind: Kind,
    /// τ family.
    pub family: Family,
    /// τ CV (0 for homogeneous).
    pub cv: f64,
    /// Neurons.
    pub n: usize,
    /// Spectral radius.
    pub rho: f64,
    /// Connection probability.
    pub p: f64,
    /// Recurrent connections present.
    pub recurrent: bool,
    /// Training lengths evaluated from the same states.
    pub train_lengths: Vec<usize>,
    /// Mean τ as a multiple of the network's default (rate 5 ms, spiking 25 ms); ≠ 1 only for the
    /// homogeneous-τ controls of the profiles study.
    pub tau_factor: f64,
}

impl Condition {
    /// Arm label: `homogeneous` or `<family>-cv<c>`.
    pub fn arm(&self) -> String {
        let tau = if self.tau_factor != 1.0 {
            format!("-tau{}", self.tau_factor * default_tau_ms(self.kind))
        } else {
            String::new()
        };
        if self.family == Family::Homogeneous {
            format!("homogeneous{tau}")
        } else {
            format!("{}-cv{}{tau}", self.family, self.cv)
        }
    }

    /// The key that pairs a condition with its homogeneous baseline (everything but τ).
    fn setting(&self) -> String {
        format!("{}|{}|{}|{}|{}", self.kind.name(), self.n, self.rho, self.p, self.recurrent)
    }

    /// True for the baseline every arm is compared with: homogeneous τ at the default mean.
    fn is_baseline(&self) -> bool {
        self.family == Family::Homogeneous && self.tau_factor == 1.0
    }

    /// The reservoir configuration for `inputs` channels.
    pub fn config(&self, inputs: usize) -> ReservoirConfig {
        let mean = default_tau_ms(self.kind) * self.tau_factor;
        let profile = Profile {
            family: self.family,
            mean_ms: mean,
            cv: if self.family == Family::Homogeneous { 0.0 } else { self.cv },
        };
        let mut c = match self.kind {
            Kind::Rate => ReservoirConfig::rate(self.n, profile),
            Kind::Spiking => ReservoirConfig::spiking(self.n, profile),
        };
        c.inputs = inputs;
        c.spectral_radius = self.rho;
        c.p_connect = self.p;
        c.recurrent = self.recurrent;
        c
    }
}

/// Default mean τ (ms): rate 5, spiking 25 (both 5 input samples).
pub fn default_tau_ms(kind: Kind) -> f64 {
    match kind {
        Kind::Rate => 5.0,
        Kind::Spiking => 25.0,
    }
}

/// Everything measured on one (condition, seed).
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// R² per training length (outer) and task (inner, in the order given).
    pub r2: Vec<Vec<f64>>,
    /// Activity summed over every stimulus.
    pub activity: Activity,
    /// Multiply–accumulates per sample (rate: nnz + N·D + N; spiking adds synaptic events).
    pub macs_per_sample: f64,
    /// Realised τ mean (ms), CV and skewness.
    pub tau: (f64, f64, f64),
    /// Readout training FLOP per training length (all tasks, all stimuli).
    pub readout_flop: Vec<f64>,
}

/// Runs one reservoir of `condition` and `seed` over every stimulus of `task_ids` and scores every task.
pub fn evaluate(condition: &Condition, seed: u64, split: Split, task_ids: &[usize]) -> Result<Evaluation, String> {
    let groups = by_stimulus(task_ids);
    let position: BTreeMap<usize, usize> = task_ids.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let lengths = &condition.train_lengths;
    let mut r2 = vec![vec![f64::NAN; task_ids.len()]; lengths.len()];
    let mut activity = Activity::default();
    let mut macs = 0.0;
    let mut flop = vec![0.0; lengths.len()];
    let mut tau = (0.0, 0.0, 0.0);
    let mut built: Vec<(usize, Reservoir)> = Vec::new();
    for (kind, ids) in groups {
        let d = kind.channels();
        if !built.iter().any(|b| b.0 == d) {
            built.push((d, Reservoir::build(&condition.config(d), seed)?));
        }
        let res = &built.iter().find(|b| b.0 == d).expect("built").1;
        tau = moments(&res.tau_ms);
        let total = split.total();
        let u = kind.generate(seed, total + FUTURE);
        let (states, act) = res.collect(&u[..total * d], kind as u64);
        activity.samples += act.samples;
        activity.spikes += act.spikes;
        activity.synaptic_events += act.synaptic_events;
        macs += res.macs_per_sample() * act.samples as f64
            + if condition.kind == Kind::Spiking { act.synaptic_events as f64 } else { 0.0 };
        let k = ids.len();
        let mut y = vec![0.0; total * k];
        for (j, &i) in ids.iter().enumerate() {
            let target = bank()[i].operator.apply(&u, d, total);
            for t in 0..total {
                y[t * k + j] = target[t];
            }
        }
        let n = res.config.n;
        let x = MatRef::from_row_major_slice(&states, total, n);
        let ym = MatRef::from_row_major_slice(&y, total, k);
        let (w, tr) = (split.washout, split.train);
        let val = split.washout + split.train;
        let test = val + split.val;
        for (li, &len) in lengths.iter().enumerate() {
            let len = len.min(tr);
            let fit = ridge::fit(
                x.subrows(w, len),
                ym.subrows(w, len),
                x.subrows(val, split.val),
                ym.subrows(val, split.val),
                &LAMBDA_GRID,
            );
            let pred = fit.predict(x.subrows(test, split.test));
            let scores = ridge::r2_per_column(pred.as_ref(), ym.subrows(test, split.test));
            for (j, &i) in ids.iter().enumerate() {
                r2[li][position[&i]] = scores[j];
            }
            flop[li] += ridge::training_flop(len, n, k, split.val, LAMBDA_GRID.len());
        }
    }
    let macs_per_sample = macs / activity.samples.max(1) as f64;
    Ok(Evaluation { r2, activity, macs_per_sample, tau, readout_flop: flop })
}

/// Capacity = max(0, R²); NaN (constant test target) counts as 0.
pub fn capacity(r2: f64) -> f64 {
    if r2.is_finite() {
        r2.max(0.0)
    } else {
        0.0
    }
}

/// One row of results.csv.
#[derive(Clone, Debug)]
pub struct ResultRow {
    /// The condition.
    pub condition: Condition,
    /// Training length of this row.
    pub train_length: usize,
    /// Seed.
    pub seed: u64,
    /// Capacity per task (bank order of the study's tasks).
    pub capacities: Vec<f64>,
    /// Mean capacity over tasks.
    pub mean_capacity: f64,
    /// Median capacity over tasks.
    pub median_capacity: f64,
    /// Realised τ mean, CV, skewness.
    pub tau: (f64, f64, f64),
    /// Spikes per neuron per input sample (spiking; 0 for rate).
    pub spikes_per_neuron_sample: f64,
    /// MACs per input sample.
    pub macs_per_sample: f64,
    /// Readout training FLOP.
    pub readout_flop: f64,
}

fn median(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        0.5 * (v[m - 1] + v[m])
    } else {
        v[m]
    }
}

/// The conditions of a study.
pub fn conditions(opts: &Options) -> Vec<Condition> {
    let q = opts.quick;
    let train = opts.split().train;
    let (hf, hcv) = opts.hetero;
    let mut out = Vec::new();
    for &kind in &opts.networks {
        let base = Condition {
            kind,
            family: Family::Homogeneous,
            cv: 0.0,
            n: if q { 100 } else { 200 },
            rho: 0.9,
            p: 0.1,
            recurrent: true,
            train_lengths: vec![train],
            tau_factor: 1.0,
        };
        let arms =
            |c: &Condition| -> Vec<Condition> { vec![c.clone(), Condition { family: hf, cv: hcv, ..c.clone() }] };
        match opts.study {
            Study::Profiles => {
                out.push(base.clone());
                let cvs: &[f64] = if q { &[0.25, 0.5, 1.0] } else { &[0.1, 0.25, 0.5, 1.0, 2.0] };
                for family in [Family::Uniform, Family::Normal, Family::Gamma, Family::LogNormal, Family::LogUniform] {
                    for &cv in cvs {
                        // Symmetric families stop at CV 0.5 (uniform cannot go beyond 1/√3; a normal beyond it is mostly truncation).
                        if !family.skewed() && cv > 0.5 {
                            continue;
                        }
                        out.push(Condition { family, cv, ..base.clone() });
                    }
                }
                // Controls: homogeneous networks at other mean τ (is heterogeneity better than a tuned τ?).
                for f in [0.2, 0.4, 2.0, 4.0] {
                    out.push(Condition { tau_factor: f, ..base.clone() });
                }
                // And the heterogeneous arm at the shorter means, against those controls.
                for f in [0.2, 0.4] {
                    out.push(Condition { family: hf, cv: hcv, tau_factor: f, ..base.clone() });
                }
            }
            Study::Size => {
                let ns: &[usize] = if q { &[25, 50, 100, 200] } else { &[25, 50, 100, 200, 400, 800] };
                let lengths: Vec<usize> = if q { vec![150, 300, 600] } else { vec![250, 500, 1000, 2000] };
                for &n in ns {
                    out.extend(arms(&Condition { n, train_lengths: lengths.clone(), ..base.clone() }));
                }
            }
            Study::Robustness => {
                let rhos: &[f64] =
                    if q { &[0.0, 0.5, 0.9, 2.0, 3.0] } else { &[0.0, 0.25, 0.5, 0.9, 1.2, 1.5, 2.0, 3.0] };
                for &rho in rhos {
                    out.extend(arms(&Condition { rho, ..base.clone() }));
                }
                let ps: &[f64] = if q { &[0.01, 0.1, 1.0] } else { &[0.01, 0.03, 0.1, 0.3, 1.0] };
                for &p in ps {
                    if p != base.p {
                        out.extend(arms(&Condition { p, ..base.clone() }));
                    }
                }
                out.extend(arms(&Condition { recurrent: false, ..base.clone() }));
            }
            Study::Cost => {
                let ns: &[usize] = if q { &[25, 50, 100, 200] } else { &[25, 50, 100, 200, 400] };
                for &n in ns {
                    out.extend(arms(&Condition { n, ..base.clone() }));
                }
            }
        }
    }
    out
}

/// Runs the study on the current rayon pool and writes every output; returns the rows.
pub fn run(opts: &Options) -> Result<Vec<ResultRow>, TrainError> {
    // The eigendecompositions inside faer follow the global setting; keep them sequential so that
    // results never depend on the thread count (jobs are parallel instead).
    faer::set_global_parallelism(faer::Par::Seq);
    if writes_files() {
        std::fs::create_dir_all(&opts.out)
            .map_err(|e| crate::io::IoError::Os { path: opts.out.display().to_string(), message: e.to_string() })?;
    }
    let conds = conditions(opts);
    let task_ids: Vec<usize> = (0..bank().len()).collect();
    let split = opts.split();
    let mut jobs: Vec<(usize, u64)> = Vec::new();
    // Largest networks first, so the slowest jobs do not start last.
    let mut order: Vec<usize> = (0..conds.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(conds[i].n * if conds[i].kind == Kind::Spiking { 3 } else { 1 }));
    for &c in &order {
        for seed in 0..opts.seeds {
            jobs.push((c, seed));
        }
    }
    let progress = JobProgress::new(jobs.len(), &format!("intrinsic {}", opts.study.name()));
    let results: Vec<Result<Vec<ResultRow>, String>> = run_jobs(&jobs, |&(c, seed)| {
        let cond = &conds[c];
        let e = evaluate(cond, seed, split, &task_ids)?;
        let rows: Vec<ResultRow> = cond
            .train_lengths
            .iter()
            .enumerate()
            .map(|(li, &len)| {
                let caps: Vec<f64> = e.r2[li].iter().map(|&r| capacity(r)).collect();
                ResultRow {
                    condition: cond.clone(),
                    train_length: len,
                    seed,
                    mean_capacity: caps.iter().sum::<f64>() / caps.len() as f64,
                    median_capacity: median(&caps),
                    capacities: caps,
                    tau: e.tau,
                    spikes_per_neuron_sample: e.activity.spikes as f64 / (e.activity.samples as f64 * cond.n as f64),
                    macs_per_sample: e.macs_per_sample,
                    readout_flop: e.readout_flop[li],
                }
            })
            .collect();
        let last = rows.last().map_or(0.0, |r| r.mean_capacity);
        progress.finished(&format!(
            "{} N={} {} ρ={} p={}{} seed {seed}: mean capacity {last:.3}",
            cond.kind.name(),
            cond.n,
            cond.arm(),
            cond.rho,
            cond.p,
            if cond.recurrent { "" } else { " no-rec" }
        ));
        Ok(rows)
    });
    progress.finish();
    let mut rows = Vec::new();
    for r in results {
        rows.extend(r.map_err(TrainError::Config)?);
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

/// Aggregate of one (condition, training length) over seeds, paired with its homogeneous baseline.
#[derive(Clone, Debug)]
pub struct Aggregate {
    /// The condition.
    pub condition: Condition,
    /// Training length.
    pub train_length: usize,
    /// Mean and std over seeds of the mean capacity.
    pub mean: (f64, f64),
    /// Mean over seeds of the median capacity.
    pub median: f64,
    /// Mean over seeds of (this − homogeneous) mean capacity, or NaN without a baseline.
    pub delta: f64,
    /// Two-sided paired t-test p-value of that difference over seeds.
    pub p_value: f64,
    /// Fractions of tasks whose seed-mean capacity is above / below the baseline's by more than 0.01.
    pub improved: (f64, f64),
    /// Mean capacity per task over seeds.
    pub per_task: Vec<f64>,
    /// Means over seeds of: spikes per neuron-sample, MACs per sample, readout FLOP, τ CV, τ skewness.
    pub costs: (f64, f64, f64, f64, f64),
}

/// Two-sided paired t-test p-value of differences `d` (NaN for fewer than 2 or zero variance).
pub fn paired_t_p(d: &[f64]) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let n = d.len();
    if n < 2 {
        return f64::NAN;
    }
    let (m, s) = mean_std(d);
    let sd = s * (n as f64 / (n as f64 - 1.0)).sqrt();
    if sd == 0.0 {
        return if m == 0.0 { 1.0 } else { 0.0 };
    }
    let t = m / (sd / (n as f64).sqrt());
    let dist = StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("valid t");
    2.0 * (1.0 - dist.cdf(t.abs()))
}

/// Aggregates rows per (condition, training length), in condition order.
pub fn aggregate(conds: &[Condition], rows: &[ResultRow]) -> Vec<Aggregate> {
    let mut out = Vec::new();
    let mut lengths: Vec<usize> = rows.iter().map(|r| r.train_length).collect();
    lengths.sort_unstable();
    lengths.dedup();
    for c in conds {
        for &len in &lengths {
            let mine: Vec<&ResultRow> = rows.iter().filter(|r| r.condition == *c && r.train_length == len).collect();
            if mine.is_empty() {
                continue;
            }
            let base: Vec<&ResultRow> = rows
                .iter()
                .filter(|r| r.condition.is_baseline() && r.condition.setting() == c.setting() && r.train_length == len)
                .collect();
            let means: Vec<f64> = mine.iter().map(|r| r.mean_capacity).collect();
            let k = mine[0].capacities.len();
            let per_task: Vec<f64> =
                (0..k).map(|j| mine.iter().map(|r| r.capacities[j]).sum::<f64>() / mine.len() as f64).collect();
            let (delta, p_value, improved) = if base.is_empty() || c.is_baseline() {
                (f64::NAN, f64::NAN, (f64::NAN, f64::NAN))
            } else {
                let d: Vec<f64> = mine
                    .iter()
                    .filter_map(|r| base.iter().find(|b| b.seed == r.seed).map(|b| r.mean_capacity - b.mean_capacity))
                    .collect();
                let base_task: Vec<f64> =
                    (0..k).map(|j| base.iter().map(|r| r.capacities[j]).sum::<f64>() / base.len() as f64).collect();
                let up = per_task.iter().zip(&base_task).filter(|(a, b)| *a - *b > 0.01).count() as f64 / k as f64;
                let down = per_task.iter().zip(&base_task).filter(|(a, b)| *b - *a > 0.01).count() as f64 / k as f64;
                (d.iter().sum::<f64>() / d.len().max(1) as f64, paired_t_p(&d), (up, down))
            };
            let avg = |f: &dyn Fn(&ResultRow) -> f64| mine.iter().map(|r| f(r)).sum::<f64>() / mine.len() as f64;
            out.push(Aggregate {
                condition: c.clone(),
                train_length: len,
                mean: mean_std(&means),
                median: avg(&|r| r.median_capacity),
                delta,
                p_value,
                improved,
                per_task,
                costs: (
                    avg(&|r| r.spikes_per_neuron_sample),
                    avg(&|r| r.macs_per_sample),
                    avg(&|r| r.readout_flop),
                    avg(&|r| r.tau.1),
                    avg(&|r| r.tau.2),
                ),
            });
        }
    }
    out
}

fn fmt_p(p: f64) -> String {
    if p.is_nan() {
        "–".into()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

fn fmt_delta(a: &Aggregate) -> String {
    if a.delta.is_nan() {
        "–".into()
    } else {
        format!("{:+.4}", a.delta)
    }
}

fn io_err(e: plot::PlotError) -> TrainError {
    TrainError::Config(e.to_string())
}

/// The standard aggregate table.
fn table(aggs: &[&Aggregate], first: &str, label: &dyn Fn(&Aggregate) -> String) -> String {
    let mut t = format!("| network | {first} | arm | mean capacity ± sd | median | Δ vs homogeneous | paired p | tasks ↑ / ↓ | τ CV (real.) | τ skew (real.) |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for a in aggs {
        let (up, down) = a.improved;
        let frac = if up.is_nan() { "–".into() } else { format!("{:.0}% / {:.0}%", 100.0 * up, 100.0 * down) };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.4} ± {:.4} | {:.4} | {} | {} | {} | {:.3} | {:.2} |",
            a.condition.kind.name(),
            label(a),
            a.condition.arm(),
            a.mean.0,
            a.mean.1,
            a.median,
            fmt_delta(a),
            fmt_p(a.p_value),
            frac,
            a.costs.3,
            a.costs.4
        );
    }
    t
}

/// Mean capacity per task category for each aggregate.
fn category_table(aggs: &[&Aggregate], label: &dyn Fn(&Aggregate) -> String) -> String {
    let cats = ["delay", "legendre", "integrate", "narma", "xor", "parity", "predict"];
    let mut t = String::from("| network | arm |");
    for c in cats {
        let _ = write!(t, " {c} |");
    }
    t.push_str("\n|---|---|");
    t.push_str(&"---|".repeat(cats.len()));
    t.push('\n');
    for a in aggs {
        let _ = write!(t, "| {} | {} |", a.condition.kind.name(), label(a));
        for c in cats {
            let v: Vec<f64> = bank()
                .iter()
                .zip(&a.per_task)
                .filter(|(task, _)| task.operator.category() == c)
                .map(|(_, &v)| v)
                .collect();
            let _ = write!(t, " {:.3} |", v.iter().sum::<f64>() / v.len().max(1) as f64);
        }
        t.push('\n');
    }
    t
}

/// Writes results.csv, tasks.csv, results.md and the figures.
pub fn write_outputs(opts: &Options, conds: &[Condition], rows: &[ResultRow]) -> Result<(), TrainError> {
    let out = &opts.out;
    let mut csv = String::from("study,network,arm,family,cv,n,rho,p,recurrent,train_length,seed,mean_capacity,median_capacity,tau_mean_ms,tau_cv,tau_skew,spikes_per_neuron_sample,macs_per_sample,readout_flop\n");
    for r in rows {
        let c = &r.condition;
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            opts.study.name(),
            c.kind.name(),
            c.arm(),
            c.family,
            c.cv,
            c.n,
            c.rho,
            c.p,
            c.recurrent,
            r.train_length,
            r.seed,
            r.mean_capacity,
            r.median_capacity,
            r.tau.0,
            r.tau.1,
            r.tau.2,
            r.spikes_per_neuron_sample,
            r.macs_per_sample,
            r.readout_flop
        );
    }
    write_atomic(&out.join("results.csv"), csv.as_bytes())?;
    let aggs = aggregate(conds, rows);
    let mut tcsv = String::from("network,arm,n,rho,p,recurrent,train_length,task,category,capacity_mean_over_seeds\n");
    for a in &aggs {
        let c = &a.condition;
        for (task, v) in bank().iter().zip(&a.per_task) {
            let _ = writeln!(
                tcsv,
                "{},{},{},{},{},{},{},{},{},{}",
                c.kind.name(),
                c.arm(),
                c.n,
                c.rho,
                c.p,
                c.recurrent,
                a.train_length,
                task.name,
                task.operator.category(),
                v
            );
        }
    }
    write_atomic(&out.join("tasks.csv"), tcsv.as_bytes())?;

    let split = opts.split();
    let seeds = opts.seeds;
    let mut md = format!(
        "Study `{}`{}: {} tasks, {seeds} network seeds per condition (paired: one seed = the same weights and data, only τ differs). \
         Capacity = max(0, R²) on {} held-out samples after a {}-sample washout; ridge λ per task chosen on {} validation samples. \
         Δ = mean over seeds of (arm − homogeneous) mean capacity; p = two-sided paired t-test over seeds; \
         tasks ↑/↓ = share of tasks whose seed-mean capacity is higher/lower than homogeneous by more than 0.01. \
         Rate: τ mean 5 ms at Δt = 1 ms; spiking: τ_m mean 25 ms at Δt = 1 ms, 5 steps per sample (both 5 samples).\n\n",
        opts.study.name(),
        if opts.quick { " (--quick)" } else { "" },
        bank().len(),
        split.test,
        split.washout,
        split.val
    );
    let all: Vec<&Aggregate> = aggs.iter().collect();
    match opts.study {
        Study::Profiles => {
            md.push_str(&table(&all, "N", &|a| a.condition.n.to_string()));
            md.push_str(&skew_table(rows));
            md.push_str("\nMean capacity per task category:\n\n");
            md.push_str(&category_table(&all, &|a| a.condition.arm()));
            for &kind in &opts.networks {
                let mut series = Vec::new();
                let homog = aggs.iter().find(|a| a.condition.kind == kind && a.condition.is_baseline());
                for family in [Family::Uniform, Family::Normal, Family::Gamma, Family::LogNormal, Family::LogUniform] {
                    let pts: Vec<&Aggregate> = aggs
                        .iter()
                        .filter(|a| {
                            a.condition.kind == kind && a.condition.family == family && a.condition.tau_factor == 1.0
                        })
                        .collect();
                    let mut s = Series { name: family.name().into(), points: Vec::new(), band: Some(Vec::new()) };
                    if let Some(h) = homog {
                        s.points.push((0.0, h.mean.0));
                        s.band.as_mut().expect("band").push((h.mean.0 - h.mean.1, h.mean.0 + h.mean.1));
                    }
                    for a in pts {
                        s.points.push((a.condition.cv, a.mean.0));
                        s.band.as_mut().expect("band").push((a.mean.0 - a.mean.1, a.mean.0 + a.mean.1));
                    }
                    series.push(s);
                }
                let title = format!("{} network: mean capacity over {} tasks vs τ CV", kind.name(), bank().len());
                let chart = Chart {
                    title: &title,
                    x_label: "coefficient of variation of τ (0 = homogeneous)",
                    y_label: "mean capacity",
                    x_scale: Scale::Linear,
                };
                plot::line_chart(&out.join(format!("profiles_{}", kind.name())), &chart, &series).map_err(io_err)?;
            }
            // The profiles themselves at CV 0.5 (mean 5 ms), 20 000 draws each.
            let samples: Vec<(String, Vec<f64>)> = [Family::Uniform, Family::Normal, Family::Gamma, Family::LogNormal]
                .iter()
                .map(|&f| {
                    let p = Profile { family: f, mean_ms: 5.0, cv: 0.5 };
                    (
                        f.name().to_string(),
                        p.sample_clipped(
                            20000,
                            1.0,
                            &mut crate::rng::stream_rng(0, crate::rng::Stream::Auxiliary, [f as u64, 0, 0]),
                        ),
                    )
                })
                .collect();
            let chart = Chart {
                title: "τ profiles at mean 5 ms, CV 0.5 (clipped at Δt = 1 ms)",
                x_label: "τ (ms)",
                y_label: "density",
                x_scale: Scale::Linear,
            };
            plot::histogram(&out.join("tau_profiles"), &chart, &samples, 60, true, &[]).map_err(io_err)?;
        }
        Study::Size => {
            let maxlen = aggs.iter().map(|a| a.train_length).max().unwrap_or(0);
            let at_max: Vec<&Aggregate> = aggs.iter().filter(|a| a.train_length == maxlen).collect();
            md.push_str(&format!("Training length {maxlen}:\n\n"));
            md.push_str(&table(&at_max, "N", &|a| a.condition.n.to_string()));
            md.push_str("\nMean capacity by training length (rows) and N (columns), homogeneous / heterogeneous:\n\n");
            for &kind in &opts.networks {
                let mut ns: Vec<usize> =
                    aggs.iter().filter(|a| a.condition.kind == kind).map(|a| a.condition.n).collect();
                ns.dedup();
                let mut lens: Vec<usize> = aggs.iter().map(|a| a.train_length).collect();
                lens.sort_unstable();
                lens.dedup();
                let _ = write!(md, "\n{}:\n\n| T_train |", kind.name());
                for n in &ns {
                    let _ = write!(md, " N={n} |");
                }
                md.push_str("\n|---|");
                md.push_str(&"---|".repeat(ns.len()));
                md.push('\n');
                for &l in &lens {
                    let _ = write!(md, "| {l} |");
                    for &n in &ns {
                        let get = |hom: bool| {
                            aggs.iter()
                                .find(|a| {
                                    a.condition.kind == kind
                                        && a.condition.n == n
                                        && a.train_length == l
                                        && (a.condition.family == Family::Homogeneous) == hom
                                })
                                .map_or(f64::NAN, |a| a.mean.0)
                        };
                        let _ = write!(md, " {:.3} / {:.3} |", get(true), get(false));
                    }
                    md.push('\n');
                }
                md.push_str(&matched_size_text(&aggs, kind));
                let series: Vec<Series> = [true, false]
                    .iter()
                    .map(|&hom| {
                        let pts: Vec<&&Aggregate> = at_max
                            .iter()
                            .filter(|a| a.condition.kind == kind && (a.condition.family == Family::Homogeneous) == hom)
                            .collect();
                        Series {
                            name: pts.first().map_or(String::new(), |a| a.condition.arm()),
                            points: pts.iter().map(|a| (a.condition.n as f64, a.mean.0)).collect(),
                            band: Some(pts.iter().map(|a| (a.mean.0 - a.mean.1, a.mean.0 + a.mean.1)).collect()),
                        }
                    })
                    .collect();
                let title = format!("{} network: mean capacity vs N (T_train = {maxlen})", kind.name());
                let chart =
                    Chart { title: &title, x_label: "neurons N", y_label: "mean capacity", x_scale: Scale::Log10 };
                plot::line_chart(&out.join(format!("size_{}", kind.name())), &chart, &series).map_err(io_err)?;
                let mut series = Vec::new();
                for &n in &ns {
                    for hom in [true, false] {
                        let pts: Vec<&Aggregate> = aggs
                            .iter()
                            .filter(|a| {
                                a.condition.kind == kind
                                    && a.condition.n == n
                                    && (a.condition.family == Family::Homogeneous) == hom
                            })
                            .collect();
                        if n == ns[0] || n == ns[ns.len() / 2] || n == ns[ns.len() - 1] {
                            series.push(Series {
                                name: format!("N={n} {}", if hom { "homog." } else { "hetero." }),
                                points: pts.iter().map(|a| (a.train_length as f64, a.mean.0)).collect(),
                                band: None,
                            });
                        }
                    }
                }
                let title = format!("{} network: mean capacity vs training length", kind.name());
                let chart = Chart {
                    title: &title,
                    x_label: "training samples",
                    y_label: "mean capacity",
                    x_scale: Scale::Log10,
                };
                plot::line_chart(&out.join(format!("data_{}", kind.name())), &chart, &series).map_err(io_err)?;
            }
        }
        Study::Robustness => {
            md.push_str(&table(&all, "setting", &|a| {
                if !a.condition.recurrent {
                    "recurrence removed".into()
                } else {
                    format!("ρ={} p={}", a.condition.rho, a.condition.p)
                }
            }));
            for &kind in &opts.networks {
                for (what, stem, log) in
                    [("spectral radius ρ (p = 0.1)", "rho", false), ("connection probability p (ρ = 0.9)", "p", true)]
                {
                    let series: Vec<Series> = [true, false]
                        .iter()
                        .map(|&hom| {
                            let pts: Vec<&Aggregate> = aggs
                                .iter()
                                .filter(|a| {
                                    a.condition.kind == kind
                                        && a.condition.recurrent
                                        && (a.condition.family == Family::Homogeneous) == hom
                                })
                                .filter(|a| if stem == "rho" { a.condition.p == 0.1 } else { a.condition.rho == 0.9 })
                                .collect();
                            let x = |a: &Aggregate| if stem == "rho" { a.condition.rho } else { a.condition.p };
                            Series {
                                name: pts.first().map_or(String::new(), |a| a.condition.arm()),
                                points: pts.iter().map(|a| (x(a), a.mean.0)).collect(),
                                band: Some(pts.iter().map(|a| (a.mean.0 - a.mean.1, a.mean.0 + a.mean.1)).collect()),
                            }
                        })
                        .collect();
                    let title = format!("{} network: mean capacity vs {what}", kind.name());
                    let chart = Chart {
                        title: &title,
                        x_label: what,
                        y_label: "mean capacity",
                        x_scale: if log { Scale::Log10 } else { Scale::Linear },
                    };
                    plot::line_chart(&out.join(format!("robustness_{stem}_{}", kind.name())), &chart, &series)
                        .map_err(io_err)?;
                }
            }
        }
        Study::Cost => {
            md.push_str(&cost_table(&all));
            for &kind in &opts.networks {
                md.push_str(&matched_size_text(&aggs, kind));
                let series: Vec<Series> = [true, false]
                    .iter()
                    .map(|&hom| {
                        let pts: Vec<&Aggregate> = aggs
                            .iter()
                            .filter(|a| a.condition.kind == kind && (a.condition.family == Family::Homogeneous) == hom)
                            .collect();
                        Series {
                            name: pts.first().map_or(String::new(), |a| a.condition.arm()),
                            points: pts.iter().map(|a| (a.costs.1, a.mean.0)).collect(),
                            band: None,
                        }
                    })
                    .collect();
                let title = format!("{} network: mean capacity vs operations per sample", kind.name());
                let chart = Chart {
                    title: &title,
                    x_label: "multiply–accumulates per input sample",
                    y_label: "mean capacity",
                    x_scale: Scale::Log10,
                };
                plot::line_chart(&out.join(format!("cost_{}", kind.name())), &chart, &series).map_err(io_err)?;
            }
        }
    }
    write_atomic(&out.join("results.md"), md.as_bytes())?;
    Ok(())
}

/// Claim 2 at matched mean and CV: per seed, mean capacity of the skewed families (gamma,
/// lognormal, log-uniform) minus that of the symmetric ones (uniform, normal), paired t-test over seeds.
fn skew_table(rows: &[ResultRow]) -> String {
    let mut t = String::from("\nSkewed vs symmetric at the same mean and CV (per seed: mean over gamma, lognormal, log-uniform minus mean over uniform, normal; paired t-test over seeds):\n\n| network | CV | skewed | symmetric | skewed − symmetric | paired p |\n|---|---|---|---|---|---|\n");
    let mut keys: Vec<(Kind, u64)> = Vec::new();
    for r in rows {
        let c = &r.condition;
        if c.family != Family::Homogeneous && !c.family.skewed() && c.tau_factor == 1.0 {
            let key = (c.kind, (c.cv * 1e6) as u64);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    for (kind, cvk) in keys {
        let cv = cvk as f64 / 1e6;
        let mut seeds: Vec<u64> = rows.iter().map(|r| r.seed).collect();
        seeds.sort_unstable();
        seeds.dedup();
        let (mut sk, mut sy, mut d) = (Vec::new(), Vec::new(), Vec::new());
        for s in seeds {
            let pick = |skewed: bool| -> Vec<f64> {
                rows.iter()
                    .filter(|r| {
                        r.seed == s
                            && r.condition.kind == kind
                            && r.condition.family != Family::Homogeneous
                            && r.condition.family.skewed() == skewed
                            && r.condition.tau_factor == 1.0
                            && (r.condition.cv * 1e6) as u64 == cvk
                    })
                    .map(|r| r.mean_capacity)
                    .collect()
            };
            let (a, b) = (pick(true), pick(false));
            if a.is_empty() || b.is_empty() {
                continue;
            }
            let (ma, mb) = (a.iter().sum::<f64>() / a.len() as f64, b.iter().sum::<f64>() / b.len() as f64);
            sk.push(ma);
            sy.push(mb);
            d.push(ma - mb);
        }
        if d.is_empty() {
            continue;
        }
        let _ = writeln!(
            t,
            "| {} | {cv} | {:.4} | {:.4} | {:+.4} | {} |",
            kind.name(),
            mean_std(&sk).0,
            mean_std(&sy).0,
            mean_std(&d).0,
            fmt_p(paired_t_p(&d))
        );
    }
    t
}

fn cost_table(aggs: &[&Aggregate]) -> String {
    let mut t = String::from("| network | N | arm | mean capacity ± sd | MACs / sample | spikes / neuron / sample | readout training FLOP |\n|---|---|---|---|---|---|---|\n");
    for a in aggs {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.4} ± {:.4} | {:.3e} | {:.4} | {:.3e} |",
            a.condition.kind.name(),
            a.condition.n,
            a.condition.arm(),
            a.mean.0,
            a.mean.1,
            a.costs.1,
            a.costs.0,
            a.costs.2
        );
    }
    t
}

/// For each homogeneous N: the smallest heterogeneous N (interpolated in log N) whose mean capacity
/// reaches it, and the cost ratios there (largest training length).
fn matched_size_text(aggs: &[Aggregate], kind: Kind) -> String {
    let maxlen = aggs.iter().map(|a| a.train_length).max().unwrap_or(0);
    let pick = |hom: bool| -> Vec<&Aggregate> {
        aggs.iter()
            .filter(|a| {
                a.condition.kind == kind
                    && a.train_length == maxlen
                    && (a.condition.family == Family::Homogeneous) == hom
            })
            .collect()
    };
    let (homs, hets) = (pick(true), pick(false));
    let mut t = format!("\nMatched performance, {} (training length {maxlen}): for each homogeneous N, the heterogeneous N reaching the same mean capacity (log-linear interpolation between sizes; ≤ when the smallest heterogeneous network already reaches it) and the cost of each at that point (spikes per sample summed over the network):\n\n| homog. N | capacity | hetero. N matching | size ratio | MACs/sample homog. → hetero. | spikes/sample homog. → hetero. | readout FLOP homog. → hetero. |\n|---|---|---|---|---|---|---|\n", kind.name());
    for h in &homs {
        let target = h.mean.0;
        let mut found = None;
        // True when even the smallest heterogeneous network reaches the target (the match is an upper bound).
        let mut bound = false;
        for w in hets.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.mean.0 >= target {
                found = Some((a.condition.n as f64, a.costs));
                bound = true;
                break;
            }
            if b.mean.0 >= target {
                let f = (target - a.mean.0) / (b.mean.0 - a.mean.0);
                let ln = (a.condition.n as f64).ln() + f * ((b.condition.n as f64).ln() - (a.condition.n as f64).ln());
                let lerp = |x: f64, y: f64| x + f * (y - x);
                let c = (lerp(a.costs.0, b.costs.0), lerp(a.costs.1, b.costs.1), lerp(a.costs.2, b.costs.2), 0.0, 0.0);
                found = Some((ln.exp(), c));
                break;
            }
        }
        if found.is_none() && hets.len() == 1 && hets[0].mean.0 >= target {
            found = Some((hets[0].condition.n as f64, hets[0].costs));
            bound = true;
        }
        let le = if bound { "≤ " } else { "" };
        let spikes = |s: f64| s * h.condition.n as f64;
        match found {
            Some((n, c)) => {
                let _ = writeln!(
                    t,
                    "| {} | {:.4} | {le}{:.0} | {le}{:.2} | {:.3e} → {:.3e} | {:.2} → {:.2} | {:.3e} → {:.3e} |",
                    h.condition.n,
                    target,
                    n,
                    n / h.condition.n as f64,
                    h.costs.1,
                    c.1,
                    spikes(h.costs.0),
                    c.0 * n,
                    h.costs.2,
                    c.2
                );
            }
            None => {
                let _ = writeln!(t, "| {} | {:.4} | not reached | – | – | – | – |", h.condition.n, target);
            }
        }
    }
    t
}

/// Runs one task by name on one reservoir (used by tests and for spot checks): R² on the test split.
pub fn score_task(name: &str, condition: &Condition, seed: u64, split: Split) -> Result<f64, String> {
    let task = tasks::find(name).map_err(|e| e.to_string())?;
    let i = bank().iter().position(|t| t.name == task.name).expect("in bank");
    let e = evaluate(condition, seed, split, &[i])?;
    Ok(e.r2[0][0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(kind: Kind, family: Family) -> Condition {
        Condition {
            kind,
            family,
            cv: 1.0,
            n: 40,
            rho: 0.9,
            p: 0.2,
            recurrent: true,
            train_lengths: vec![300],
            tau_factor: 1.0,
        }
    }

    const SPLIT: Split = Split { washout: 120, train: 300, val: 100, test: 200 };

    #[test]
    fn a_reservoir_learns_short_delays_and_integration() {
        let c = small(Kind::Rate, Family::LogNormal);
        assert!(score_task("white/delay-1", &c, 0, SPLIT).unwrap() > 0.8);
        assert!(score_task("white/integrate-4", &c, 0, SPLIT).unwrap() > 0.8);
        let s = small(Kind::Spiking, Family::LogNormal);
        assert!(score_task("white/integrate-8", &s, 0, SPLIT).unwrap() > 0.5);
    }

    #[test]
    fn shared_states_give_the_same_scores_as_single_tasks() {
        let c = small(Kind::Rate, Family::Gamma);
        let ids: Vec<usize> =
            (0..bank().len()).filter(|&i| bank()[i].stimulus == tasks::StimulusKind::Ou).take(12).collect();
        let all = evaluate(&c, 2, SPLIT, &ids).unwrap();
        for (k, &i) in ids.iter().enumerate().step_by(5) {
            let one = evaluate(&c, 2, SPLIT, &[i]).unwrap();
            assert!((one.r2[0][0] - all.r2[0][k]).abs() < 1e-9, "{}", bank()[i].name);
        }
    }

    #[test]
    fn paired_t_test_p_values() {
        assert!(paired_t_p(&[0.1, 0.12, 0.09, 0.11, 0.1]) < 1e-3);
        assert!(paired_t_p(&[0.1, -0.1, 0.05, -0.05]) > 0.5);
    }

    #[test]
    fn unknown_study_and_network_are_named() {
        assert!(Study::parse("sizes").unwrap_err().contains("sizes"));
        assert!(parse_networks("lif").unwrap_err().contains("lif"));
    }
}
