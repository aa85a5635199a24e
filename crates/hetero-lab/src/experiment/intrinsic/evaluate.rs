//! One job of a study: a reservoir of one condition and seed run over every stimulus, the
//! readouts of all tasks fitted on its states for every training length, and their scores.

use super::{Condition, Split};
use crate::analysis::ridge::{self, LAMBDA_GRID};
use crate::analysis::stats::median;
use faer::MatRef;
use hetero_core::data::tasks::{self, bank, by_stimulus, FUTURE};
use hetero_core::invalid::InvalidValue;
use hetero_core::network::reservoir::{Activity, Kind, Reservoir};
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

/// Runs one reservoir of `condition` and `seed` over every stimulus of `task_ids` and scores every task.
pub fn evaluate(
    condition: &Condition,
    seed: u64,
    split: Split,
    task_ids: &[usize],
) -> Result<Evaluation, InvalidValue> {
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
