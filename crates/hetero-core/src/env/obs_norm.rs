//! Running observation normalisation shared by the whole population, with EvoJAX's
//! `ObsNormalizer` semantics (the lab's own JAX code uses it with PGPE):
//!
//! - state: a step count n, a running mean m and a running sum of squared deviations s
//!   (initially n = 0, m = 0, s = 1);
//! - normalise: `clip((x − m) / sqrt(clip(s / (n + 1), 1e-6, 1e6)), −5, 5)`;
//! - update after each generation with every observation the population saw before acting
//!   (N new ones): `m' = m + Σ(x − m)/(n + N)`, `s' = s + Σ(x − m')(x − m)`, `n' = n + N`.
//!
//! The rollout engine normalises with the statistics fixed during a generation and returns, per
//! lane, Σ(x − m) and Σ(x − m)² (f64, in step order); they are summed in lane order, so the update
//! is bit-identical for any thread count. Σ(x − m')(x − m) = Σ(x − m)² − (m' − m)·Σ(x − m).
//! The centre's evaluation and `hetero eval` use the statistics without updating them. The state
//! is saved in checkpoint.safetensors and params.safetensors as `obs_norm.steps`,
//! `obs_norm.mean`, `obs_norm.var`.

/// Normalised values are clipped to ±this.
pub const CLIP_VALUE: f64 = 5.0;
/// Lower clip of the variance estimate.
pub const VAR_MIN: f64 = 1e-6;
/// Upper clip of the variance estimate.
pub const VAR_MAX: f64 = 1e6;

/// The running statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct ObsNormalizer {
    /// Observations seen.
    pub steps: f64,
    /// Running mean.
    pub mean: Vec<f64>,
    /// Running sum of squared deviations (EvoJAX's `running_var`, initialised to 1).
    pub var: Vec<f64>,
    /// Per-dimension scale 1/sqrt(clip(var/(steps+1))), cached for [`ObsNormalizer::normalize`].
    inv_std: Vec<f64>,
}

/// Sums a batch of observations contributes: Σ(x − m) then Σ(x − m)², each `dim` long.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObsSums {
    /// Observations summed.
    pub count: u64,
    /// Σ(x − m) (dim values) followed by Σ(x − m)² (dim values).
    pub sums: Vec<f64>,
}

impl ObsSums {
    /// Zero sums for `dim` observation values.
    pub fn new(dim: usize) -> Self {
        Self { count: 0, sums: vec![0.0; 2 * dim] }
    }

    /// Adds `other` (call in a fixed order for reproducible results).
    pub fn add(&mut self, other: &ObsSums) {
        self.count += other.count;
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
    }
}

impl ObsNormalizer {
    /// Fresh statistics (n = 0, m = 0, s = 1: the identity map at first).
    pub fn new(dim: usize) -> Self {
        Self::from_parts(0.0, vec![0.0; dim], vec![1.0; dim])
    }

    /// Statistics from saved values.
    pub fn from_parts(steps: f64, mean: Vec<f64>, var: Vec<f64>) -> Self {
        let mut n = Self { steps, mean, var, inv_std: Vec::new() };
        n.refresh();
        n
    }

    fn refresh(&mut self) {
        let steps = self.steps;
        self.inv_std = self.var.iter().map(|&s| 1.0 / (s / (steps + 1.0)).clamp(VAR_MIN, VAR_MAX).sqrt()).collect();
    }

    /// Observation length.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Adds raw observation `obs` to `sums` (relative to the current mean).
    #[inline]
    pub fn accumulate(&self, obs: &[f32], sums: &mut ObsSums) {
        let d = self.dim();
        let (first, second) = sums.sums.split_at_mut(d);
        for i in 0..d {
            let dev = obs[i] as f64 - self.mean[i];
            first[i] += dev;
            second[i] += dev * dev;
        }
        sums.count += 1;
    }

    /// Normalises `obs` in place.
    #[inline]
    pub fn normalize(&self, obs: &mut [f32]) {
        for ((o, &m), &s) in obs.iter_mut().zip(&self.mean).zip(&self.inv_std) {
            *o = ((*o as f64 - m) * s).clamp(-CLIP_VALUE, CLIP_VALUE) as f32;
        }
    }

    /// EvoJAX's update with the sums of a generation's observations.
    pub fn update(&mut self, sums: &ObsSums) {
        if sums.count == 0 {
            return;
        }
        let d = self.dim();
        let total = self.steps + sums.count as f64;
        for i in 0..d {
            let s1 = sums.sums[i];
            let s2 = sums.sums[d + i];
            let diff = s1 / total;
            self.mean[i] += diff;
            self.var[i] += s2 - diff * s1;
        }
        self.steps = total;
        self.refresh();
    }
}

/// Array names of the observation normaliser in checkpoint and params files.
pub const OBS_NORM_ARRAYS: [&str; 3] = ["obs_norm.steps", "obs_norm.mean", "obs_norm.var"];

/// The observation normaliser saved in a checkpoint or params file, if the run used one.
pub fn load_obs_norm(arrays: &std::collections::HashMap<String, crate::io::Array>) -> Option<ObsNormalizer> {
    let [steps, mean, var] = OBS_NORM_ARRAYS.map(|k| arrays.get(k).map(|a| a.to_f64()));
    Some(ObsNormalizer::from_parts(*steps?.first()?, mean?, var?))
}

/// The normaliser as the arrays of a checkpoint or params file.
pub fn obs_norm_arrays(norm: &ObsNormalizer) -> Vec<(String, crate::io::Array)> {
    use crate::io::Array;
    vec![
        (OBS_NORM_ARRAYS[0].into(), Array::vector64(vec![norm.steps])),
        (OBS_NORM_ARRAYS[1].into(), Array::vector64(norm.mean.clone())),
        (OBS_NORM_ARRAYS[2].into(), Array::vector64(norm.var.clone())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sums-based update equals EvoJAX's two-pass formula on a small batch.
    #[test]
    fn update_matches_the_evojax_formula() {
        let batch = [[1.0f32, -2.0], [3.0, 0.5], [0.0, 4.0]];
        let mut n = ObsNormalizer::from_parts(2.0, vec![0.5, 1.0], vec![3.0, 2.0]);
        let mut sums = ObsSums::new(2);
        for x in &batch {
            n.accumulate(x, &mut sums);
        }
        let (m_old, s_old) = (n.mean.clone(), n.var.clone());
        n.update(&sums);
        let total = 5.0;
        for i in 0..2 {
            let m_new = m_old[i] + batch.iter().map(|x| (x[i] as f64 - m_old[i]) / total).sum::<f64>();
            let s_new = s_old[i] + batch.iter().map(|x| (x[i] as f64 - m_new) * (x[i] as f64 - m_old[i])).sum::<f64>();
            assert!((n.mean[i] - m_new).abs() < 1e-12);
            assert!((n.var[i] - s_new).abs() < 1e-12);
        }
        assert_eq!(n.steps, 5.0);
    }

    /// Fresh statistics leave observations unchanged (within the clip); many samples of a
    /// constant-plus-noise stream end near mean 0, variance 1 after normalising.
    #[test]
    fn normalises_to_zero_mean_unit_variance() {
        let mut n = ObsNormalizer::new(1);
        let mut x = [0.7f32];
        n.normalize(&mut x);
        assert_eq!(x[0], 0.7);
        let data: Vec<f32> =
            (0..10_000).map(|i| 10.0 + 3.0 * ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 12f32.sqrt()).collect();
        let mut sums = ObsSums::new(1);
        for v in &data {
            n.accumulate(&[*v], &mut sums);
        }
        n.update(&sums);
        let z: Vec<f64> = data
            .iter()
            .map(|&v| {
                let mut o = [v];
                n.normalize(&mut o);
                o[0] as f64
            })
            .collect();
        let mean = z.iter().sum::<f64>() / z.len() as f64;
        let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / z.len() as f64;
        assert!(mean.abs() < 1e-3 && (var - 1.0).abs() < 1e-2, "mean {mean} var {var}");
    }
}
