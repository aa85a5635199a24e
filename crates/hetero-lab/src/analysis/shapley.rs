//! Shapley values of the players of a cooperative game given by the value of every coalition
//! (SPEC §8: the four neuron properties, coalition values from the ablation, the empty coalition
//! = the untrained random network).
//!
//! φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S)), computed in the equivalent
//! form "mean over coalition sizes k of the mean marginal contribution over the C(n−1, k)
//! coalitions of size k": an additive game then returns its weights exactly whenever the marginal
//! sums are exact (e.g. dyadic weights), and efficiency Σφ_i = v(N) − v(∅) holds to rounding.

/// Shapley values of `n` players from `values[mask]`, the value of the coalition whose members
/// are the set bits of `mask` (so `values.len() == 2^n`; `values[0]` is the empty coalition).
/// Returns `None` if the length is not a power of two with n ≤ 16.
pub fn shapley_values(values: &[f64]) -> Option<Vec<f64>> {
    let len = values.len();
    if len == 0 || !len.is_power_of_two() || len > 1 << 16 {
        return None;
    }
    let n = len.trailing_zeros() as usize;
    let mut phi = vec![0.0; n];
    for (i, p) in phi.iter_mut().enumerate() {
        let bit = 1usize << i;
        let mut sum_by_size = vec![0.0; n];
        let mut count_by_size = vec![0usize; n];
        for mask in 0..len {
            if mask & bit != 0 {
                continue;
            }
            let k = mask.count_ones() as usize;
            sum_by_size[k] += values[mask | bit] - values[mask];
            count_by_size[k] += 1;
        }
        let mean_by_size: f64 = sum_by_size.iter().zip(&count_by_size).map(|(s, &c)| s / c as f64).sum();
        *p = mean_by_size / n as f64;
    }
    Some(phi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn additive(weights: &[f64], base: f64) -> Vec<f64> {
        (0..1usize << weights.len())
            .map(|m| base + weights.iter().enumerate().filter(|(i, _)| m & (1 << i) != 0).map(|(_, w)| w).sum::<f64>())
            .collect()
    }

    /// An additive game's Shapley values are exactly its weights.
    #[test]
    fn additive_game_returns_its_weights_exactly() {
        let w = [1.5, -2.25, 3.0, 0.5];
        assert_eq!(shapley_values(&additive(&w, 10.0)).unwrap(), w.to_vec());
        let w = [3967.0, 101.0, 3544.0, 3264.0];
        assert_eq!(shapley_values(&additive(&w, 0.0)).unwrap(), w.to_vec());
    }

    /// Σφ = v(N) − v(∅) for an arbitrary game; symmetric players get equal values; a null
    /// player gets 0.
    #[test]
    fn efficiency_symmetry_and_null_player() {
        let values: Vec<f64> =
            (0..16).map(|m: usize| ((m * 37 + 11) % 23) as f64 * 1.7 - (m.count_ones() as f64).powi(2)).collect();
        let phi = shapley_values(&values).unwrap();
        let total: f64 = phi.iter().sum();
        assert!((total - (values[15] - values[0])).abs() < 1e-12, "{total} vs {}", values[15] - values[0]);
        // v depends only on |S| → all equal.
        let sym: Vec<f64> = (0..16).map(|m: usize| (m.count_ones() as f64).powi(3)).collect();
        let phi = shapley_values(&sym).unwrap();
        assert!(phi.iter().all(|&p| (p - phi[0]).abs() < 1e-12));
        // Player 3 never changes the value.
        let null: Vec<f64> = (0..16).map(|m: usize| ((m & 7) * (m & 7)) as f64).collect();
        assert_eq!(shapley_values(&null).unwrap()[3], 0.0);
    }

    #[test]
    fn bad_lengths_are_refused() {
        assert!(shapley_values(&[]).is_none());
        assert!(shapley_values(&[1.0, 2.0, 3.0]).is_none());
    }
}
