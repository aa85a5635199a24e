//! Maximum-likelihood fits with location fixed at 0 (SPEC §8; scipy's `fit(x, floc=0)`
//! parameterisation) and Kolmogorov–Smirnov distances.
//!
//! - Gamma(shape k, scale θ): k solves ln k − ψ(k) = ln(mean x) − mean(ln x) (the left side
//!   decreases monotonically in k; solved by bisection on ln k), θ = mean x / k.
//! - Lognormal(shape σ, scale e^μ): μ = mean(ln x), σ² = mean((ln x − μ)²) (the ML estimate, 1/n).
//! - KS distance: sup over x of |F_n(x) − F(x)|, evaluated on both sides of every sample.

use statrs::distribution::{ContinuousCDF, Gamma, LogNormal};
use statrs::function::gamma::digamma;

/// A two-parameter fit with location 0.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Fit {
    /// Gamma: k; lognormal: σ of ln x.
    pub shape: f64,
    /// Gamma: θ; lognormal: e^μ (the median). Same unit as the data.
    pub scale: f64,
    /// Kolmogorov–Smirnov distance between the sample and the fitted distribution.
    pub ks: f64,
}

/// Why a fit is impossible.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Fewer than two samples.
    #[error("need at least 2 samples, got {0}")]
    TooFew(usize),
    /// A sample is not a positive finite number.
    #[error("sample {index} is {value}: location-0 fits need positive finite values")]
    NotPositive {
        /// Its position.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// All samples are equal (no spread to fit).
    #[error("all samples equal {0}: no spread to fit")]
    Degenerate(f64),
}

fn check(x: &[f64]) -> Result<(), FitError> {
    if x.len() < 2 {
        return Err(FitError::TooFew(x.len()));
    }
    if let Some((index, &value)) = x.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v > 0.0)) {
        return Err(FitError::NotPositive { index, value });
    }
    if x.iter().all(|&v| v == x[0]) {
        return Err(FitError::Degenerate(x[0]));
    }
    Ok(())
}

/// ML gamma fit with location 0.
pub fn fit_gamma(x: &[f64]) -> Result<Fit, FitError> {
    check(x)?;
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let mean_ln = x.iter().map(|v| v.ln()).sum::<f64>() / n;
    let s = mean.ln() - mean_ln; // > 0 by Jensen unless all equal
                                 // f(k) = ln k − ψ(k) − s decreases from +∞ to −s; bisection on ln k.
    let f = |lk: f64| lk - digamma(lk.exp()) - s;
    let (mut lo, mut hi) = (-20.0f64, 30.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let shape = (0.5 * (lo + hi)).exp();
    let scale = mean / shape;
    let dist = Gamma::new(shape, 1.0 / scale).map_err(|_| FitError::Degenerate(mean))?;
    Ok(Fit { shape, scale, ks: ks_distance(x, |v| dist.cdf(v)) })
}

/// ML lognormal fit with location 0.
pub fn fit_lognormal(x: &[f64]) -> Result<Fit, FitError> {
    check(x)?;
    let n = x.len() as f64;
    let mu = x.iter().map(|v| v.ln()).sum::<f64>() / n;
    let sigma = (x.iter().map(|v| (v.ln() - mu).powi(2)).sum::<f64>() / n).sqrt();
    let dist = LogNormal::new(mu, sigma).map_err(|_| FitError::Degenerate(mu.exp()))?;
    Ok(Fit { shape: sigma, scale: mu.exp(), ks: ks_distance(x, |v| dist.cdf(v)) })
}

/// Kolmogorov–Smirnov distance sup |F_n − F| of the sample `x` from the CDF `cdf`.
pub fn ks_distance(x: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut sorted = x.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = cdf(v);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// Density of Gamma(shape, scale) at x (for plotting fits).
pub fn gamma_pdf(shape: f64, scale: f64, x: f64) -> f64 {
    use statrs::distribution::Continuous;
    Gamma::new(shape, 1.0 / scale).map_or(f64::NAN, |d| d.pdf(x))
}

/// Density of Lognormal(shape σ, scale e^μ) at x (for plotting fits).
pub fn lognormal_pdf(shape: f64, scale: f64, x: f64) -> f64 {
    use statrs::distribution::Continuous;
    LogNormal::new(scale.ln(), shape).map_or(f64::NAN, |d| d.pdf(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::Distribution;

    fn within(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs()
    }

    /// Samples (n = 10 000) from known gamma distributions are recovered within 5 %.
    #[test]
    fn gamma_parameters_are_recovered() {
        for (seed, (k, theta)) in [(1.46, 14.6), (1.85, 11.7), (3.18, 9.11), (0.7, 2.0)].into_iter().enumerate() {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed as u64);
            let d = rand_distr::Gamma::new(k, theta).unwrap();
            let x: Vec<f64> = (0..10_000).map(|_| d.sample(&mut rng)).collect();
            let f = fit_gamma(&x).unwrap();
            assert!(within(f.shape, k, 0.05) && within(f.scale, theta, 0.05), "k {k} θ {theta}: fit {f:?}");
            assert!(f.ks < 0.02, "{f:?}");
            // The fitted gamma fits better than the fitted lognormal.
            assert!(f.ks < fit_lognormal(&x).unwrap().ks);
        }
    }

    /// Samples (n = 10 000) from known lognormal distributions are recovered within 5 %.
    #[test]
    fn lognormal_parameters_are_recovered() {
        for (seed, (sigma, scale)) in [(0.26, 20.6), (0.30, 20.9), (0.33, 27.3), (1.2, 3.0)].into_iter().enumerate() {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + seed as u64);
            let d = rand_distr::LogNormal::new(f64::ln(scale), sigma).unwrap();
            let x: Vec<f64> = (0..10_000).map(|_| d.sample(&mut rng)).collect();
            let f = fit_lognormal(&x).unwrap();
            assert!(within(f.shape, sigma, 0.05) && within(f.scale, scale, 0.05), "σ {sigma} scale {scale}: fit {f:?}");
            assert!(f.ks < 0.02, "{f:?}");
        }
    }

    #[test]
    fn ks_distance_of_a_perfect_grid_is_half_a_step() {
        let x: Vec<f64> = (0..100).map(|i| (i as f64 + 0.5) / 100.0).collect();
        assert!((ks_distance(&x, |v| v.clamp(0.0, 1.0)) - 0.005).abs() < 1e-12);
    }

    #[test]
    fn bad_samples_are_refused() {
        assert_eq!(fit_gamma(&[1.0]), Err(FitError::TooFew(1)));
        assert!(matches!(fit_lognormal(&[1.0, -2.0]), Err(FitError::NotPositive { index: 1, .. })));
        assert_eq!(fit_gamma(&[3.0, 3.0, 3.0]), Err(FitError::Degenerate(3.0)));
    }
}
