//! One job of a study: a reservoir of one condition and seed run over every stimulus, the
//! readouts of all tasks fitted on its states for every training length, and their scores.

use super::{Condition, Split};
use crate::analysis::ridge::{self, LAMBDA_GRID};
use crate::analysis::stats::median;
use faer::MatRef;
use hetero_core::data::tasks::{self, bank, by_stimulus, FUTURE};
use hetero_core::invalid::InvalidValue;
use hetero_core::network::reservoir::{Activity, Kind, Reservoir};
use hetero_core::network::reservoir_batch::{feature_bytes, ReservoirBatch};
use hetero_core::neuron::heterogeneity::moments;
use std::collections::BTreeMap;

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

/// Runs one reservoir of `condition` and `seed` over every stimulus of `task_ids` and scores every
/// task (one network at a time: the reference for [`evaluate_batch`]).
pub fn evaluate(
    condition: &Condition,
    seed: u64,
    split: Split,
    task_ids: &[usize],
) -> Result<Evaluation, InvalidValue> {
    let groups = by_stimulus(task_ids);
    let position: BTreeMap<usize, usize> = task_ids.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let mut acc = Accumulator::new(condition, task_ids.len());
    let mut built: Vec<(usize, Reservoir)> = Vec::new();
    for (kind, ids) in groups {
        let d = kind.channels();
        if !built.iter().any(|b| b.0 == d) {
            built.push((d, Reservoir::build(&condition.config(d), seed)?));
        }
        let res = &built.iter().find(|b| b.0 == d).expect("built").1;
        let total = split.total();
        let u = kind.generate(seed, total + FUTURE);
        let y = targets(&ids, &u, d, total);
        let (states, act) = res.collect(&u[..total * d], kind as u64);
        acc.add(condition, res, &states, act, &y, &ids, &position, split);
    }
    Ok(acc.finish())
}

/// Bytes of reservoir features one [`evaluate_batch`] call holds at a time (at most; a single
/// condition larger than this runs alone). 128 MiB keeps a 2-thread study under ½ GiB of states.
pub const BATCH_FEATURE_BYTES: u128 = 128 << 20;

/// [`evaluate`] for several conditions of one seed that share the network (same kind, N, ρ, p and
/// recurrence; they differ only in τ): each stimulus and its targets are made once, and the
/// conditions' states are collected together ([`ReservoirBatch`], in chunks of at most
/// [`BATCH_FEATURE_BYTES`] of features), then every condition's readouts are fitted on its own
/// states. Bit for bit the evaluations [`evaluate`] returns for each condition alone.
pub fn evaluate_batch(
    conditions: &[&Condition],
    seed: u64,
    split: Split,
    task_ids: &[usize],
) -> Result<Vec<Evaluation>, InvalidValue> {
    let groups = by_stimulus(task_ids);
    let position: BTreeMap<usize, usize> = task_ids.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let mut accs: Vec<Accumulator> = conditions.iter().map(|c| Accumulator::new(c, task_ids.len())).collect();
    let mut built: Vec<(usize, Vec<Reservoir>)> = Vec::new();
    let total = split.total();
    for (kind, ids) in groups {
        let d = kind.channels();
        if !built.iter().any(|b| b.0 == d) {
            // One W (and spectral radius) for the batch: members differ only in τ.
            let first = Reservoir::build(&conditions[0].config(d), seed)?;
            let members =
                conditions.iter().map(|c| first.with_profile(c.config(d).profile)).collect::<Result<Vec<_>, _>>()?;
            built.push((d, members));
        }
        let members = &built.iter().find(|b| b.0 == d).expect("built").1;
        let u = kind.generate(seed, total + FUTURE);
        let y = targets(&ids, &u, d, total);
        let n = members.first().map_or(1, |r| r.config.n);
        let chunk = (BATCH_FEATURE_BYTES / feature_bytes(1, total, n).max(1)).max(1) as usize;
        for (c0, part) in members.chunks(chunk).enumerate() {
            let batch = ReservoirBatch::new(part)?;
            let keys = vec![kind as u64; part.len()];
            let (states, acts) = batch.collect(&u[..total * d], &keys);
            for (m, (x, act)) in states.chunks_exact(total * n).zip(acts).enumerate() {
                let c = c0 * chunk + m;
                accs[c].add(conditions[c], &members[c], x, act, &y, &ids, &position, split);
            }
        }
    }
    Ok(accs.into_iter().map(Accumulator::finish).collect())
}

/// The targets of `ids` on stimulus `u` (D = `d` channels), T × K row-major.
fn targets(ids: &[usize], u: &[f64], d: usize, total: usize) -> Vec<f64> {
    let k = ids.len();
    let mut y = vec![0.0; total * k];
    for (j, &i) in ids.iter().enumerate() {
        let target = bank()[i].operator.apply(u, d, total);
        for t in 0..total {
            y[t * k + j] = target[t];
        }
    }
    y
}

/// What one condition's evaluation gathers stimulus by stimulus.
struct Accumulator {
    r2: Vec<Vec<f64>>,
    activity: Activity,
    macs: f64,
    flop: Vec<f64>,
    tau: (f64, f64, f64),
}

impl Accumulator {
    fn new(condition: &Condition, tasks: usize) -> Self {
        let lengths = condition.train_lengths.len();
        Self {
            r2: vec![vec![f64::NAN; tasks]; lengths],
            activity: Activity::default(),
            macs: 0.0,
            flop: vec![0.0; lengths],
            tau: (0.0, 0.0, 0.0),
        }
    }

    /// Adds one stimulus: the reservoir's `states` (T × N) and activity, and the readouts of the
    /// tasks `ids` (targets `y`, T × K) fitted and scored for every training length.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        condition: &Condition,
        res: &Reservoir,
        states: &[f64],
        act: Activity,
        y: &[f64],
        ids: &[usize],
        position: &BTreeMap<usize, usize>,
        split: Split,
    ) {
        self.tau = moments(&res.tau_ms);
        let total = split.total();
        self.activity.samples += act.samples;
        self.activity.spikes += act.spikes;
        self.activity.synaptic_events += act.synaptic_events;
        self.macs += res.macs_per_sample() * act.samples as f64
            + if condition.kind == Kind::Spiking { act.synaptic_events as f64 } else { 0.0 };
        let k = ids.len();
        let n = res.config.n;
        let x = MatRef::from_row_major_slice(states, total, n);
        let ym = MatRef::from_row_major_slice(y, total, k);
        let (w, tr) = (split.washout, split.train);
        let val = split.washout + split.train;
        let test = val + split.val;
        for (li, &len) in condition.train_lengths.iter().enumerate() {
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
                self.r2[li][position[&i]] = scores[j];
            }
            self.flop[li] += ridge::training_flop(len, n, k, split.val, LAMBDA_GRID.len());
        }
    }

    fn finish(self) -> Evaluation {
        let macs_per_sample = self.macs / self.activity.samples.max(1) as f64;
        Evaluation { r2: self.r2, activity: self.activity, macs_per_sample, tau: self.tau, readout_flop: self.flop }
    }
}

/// Capacity = max(0, R²); NaN (constant test target) counts as 0.
pub fn capacity(r2: f64) -> f64 {
    if r2.is_finite() {
        r2.max(0.0)
    } else {
        0.0
    }
}

/// Runs one task by name on one reservoir (used by tests and for spot checks): R² on the test split.
pub fn score_task(name: &str, condition: &Condition, seed: u64, split: Split) -> Result<f64, ScoreError> {
    let task = tasks::find(name)?;
    let i = bank().iter().position(|t| t.name == task.name).expect("in bank");
    let e = evaluate(condition, seed, split, &[i])?;
    Ok(e.r2[0][0])
}

/// Why [`score_task`] could not score.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// No task of that name in the bank.
    #[error(transparent)]
    Task(#[from] tasks::TaskError),
    /// The condition's reservoir cannot be built.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
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

/// The rows of one job: one per training length of `cond`, from its evaluation `e` on `seed`.
pub(super) fn result_rows(cond: &Condition, seed: u64, e: &Evaluation) -> Vec<ResultRow> {
    cond.train_lengths
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
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hetero_core::neuron::heterogeneity::Family;

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
    fn batched_conditions_evaluate_bit_for_bit_as_single_ones() {
        for kind in [Kind::Rate, Kind::Spiking] {
            let conds: Vec<Condition> =
                [(Family::Homogeneous, 0.0, 1.0), (Family::LogNormal, 1.0, 1.0), (Family::Gamma, 0.5, 0.4)]
                    .iter()
                    .map(|&(family, cv, tau_factor)| Condition {
                        family,
                        cv,
                        tau_factor,
                        train_lengths: vec![150, 300],
                        ..small(kind, family)
                    })
                    .collect();
            let ids: Vec<usize> = (0..bank().len()).step_by(9).collect();
            let refs: Vec<&Condition> = conds.iter().collect();
            let batch = evaluate_batch(&refs, 1, SPLIT, &ids).unwrap();
            for (c, b) in conds.iter().zip(&batch) {
                let one = evaluate(c, 1, SPLIT, &ids).unwrap();
                let bits = |e: &Evaluation| -> Vec<u64> {
                    e.r2.iter()
                        .flatten()
                        .chain(&e.readout_flop)
                        .chain([e.macs_per_sample, e.tau.0, e.tau.1, e.tau.2].iter())
                        .map(|v| v.to_bits())
                        .collect()
                };
                assert_eq!(bits(&one), bits(b), "{kind:?} {}", c.arm());
                assert_eq!(one.activity, b.activity, "{kind:?} {}", c.arm());
            }
        }
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
}
