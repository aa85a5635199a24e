//! Fitness shaping: rank transforms that make a strategy invariant to monotone changes of fitness.

use serde::{Deserialize, Serialize};

/// How centred ranks treat equal fitness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// Tied members get distinct ranks in member order (EvoJAX: a stable argsort). On a plateau
    /// where every member ties, the update is then a random direction: the search keeps moving.
    Ordered,
    /// Tied members share the average rank (evosax, scipy `rankdata`). On a plateau where every
    /// member ties, the update is exactly zero and the search stops.
    Average,
}

/// Centred ranks in [−0.5, 0.5] (EvoJAX `compute_centered_ranks`): rank/(P − 1) − 0.5, best = +0.5;
/// ties as `ties` says; NaN counts as the worst fitness.
pub fn centred_ranks_with(fitness: &[f64], ties: Ties) -> Vec<f64> {
    match ties {
        Ties::Average => centred_ranks(fitness),
        Ties::Ordered => {
            let n = fitness.len();
            if n < 2 {
                return vec![0.0; n];
            }
            let order = ascending_order(fitness);
            let mut shaped = vec![0.0; n];
            for (rank, &i) in order.iter().enumerate() {
                shaped[i] = rank as f64 / (n - 1) as f64 - 0.5;
            }
            shaped
        }
    }
}

/// Fitness with NaN as the worst value.
fn sort_key(x: f64) -> f64 {
    if x.is_nan() {
        f64::NEG_INFINITY
    } else {
        x
    }
}

/// Member indices from worst to best fitness; equal fitness in member order.
fn ascending_order(fitness: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..fitness.len()).collect();
    order.sort_by(|&a, &b| sort_key(fitness[a]).total_cmp(&sort_key(fitness[b])).then(a.cmp(&b)));
    order
}

/// Centred ranks with average ties (see [`centred_ranks_with`]).
pub fn centred_ranks(fitness: &[f64]) -> Vec<f64> {
    let n = fitness.len();
    if n < 2 {
        return vec![0.0; n];
    }
    let key = sort_key;
    let order = ascending_order(fitness);
    let mut ranks = vec![0.0; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && key(fitness[order[end]]) == key(fitness[order[start]]) {
            end += 1;
        }
        let average = (start + end - 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = average;
        }
        start = end;
    }
    ranks.iter().map(|r| r / (n - 1) as f64 - 0.5).collect()
}

/// NES utilities (Wierstra et al. 2014): for rank k = 1 (best) … λ,
/// u_k = max(0, ln(λ/2 + 1) − ln k) / Σ_j max(0, ln(λ/2 + 1) − ln j) − 1/λ. Ties broken by index.
pub fn nes_utilities(fitness: &[f64]) -> Vec<f64> {
    let n = fitness.len();
    let key = |x: f64| if x.is_nan() { f64::NEG_INFINITY } else { x };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key(fitness[b]).total_cmp(&key(fitness[a])).then(a.cmp(&b)));
    let raw: Vec<f64> = (1..=n).map(|k| ((n as f64 / 2.0 + 1.0).ln() - (k as f64).ln()).max(0.0)).collect();
    let total: f64 = raw.iter().sum();
    let mut u = vec![0.0; n];
    for (position, &i) in order.iter().enumerate() {
        u[i] = raw[position] / total - 1.0 / n as f64;
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centred_ranks_span_and_ties() {
        assert_eq!(centred_ranks(&[3.0, 1.0, 2.0]), vec![0.5, -0.5, 0.0]);
        // ties at 500: ranks 1 and 2 average to 1.5 → 1.5/3 − 0.5 = 0
        assert_eq!(centred_ranks(&[10.0, 500.0, 500.0, 700.0]), vec![-0.5, 0.0, 0.0, 0.5]);
        assert_eq!(centred_ranks(&[f64::NAN, 0.0]), vec![-0.5, 0.5]);
        let s = centred_ranks(&[5.0, 1.0, 1.0, 9.0, 2.0]);
        assert!(s.iter().sum::<f64>().abs() < 1e-12);
    }

    #[test]
    fn ordered_ties_follow_member_order() {
        assert_eq!(
            centred_ranks_with(&[10.0, 500.0, 500.0, 700.0], Ties::Ordered),
            vec![-0.5, 1.0 / 3.0 - 0.5, 2.0 / 3.0 - 0.5, 0.5]
        );
        assert_eq!(centred_ranks_with(&[3.0, 1.0, 2.0], Ties::Ordered), centred_ranks(&[3.0, 1.0, 2.0]));
    }

    #[test]
    fn nes_utilities_sum_to_zero_and_favour_the_best() {
        let u = nes_utilities(&[1.0, 4.0, 2.0, 3.0]);
        assert!(u.iter().sum::<f64>().abs() < 1e-12);
        assert!(u[1] > u[3] && u[3] > u[2] && u[2] >= u[0]);
    }
}
