//! Quenched time-constant profiles (Paper B; research/paper_b_methods.md §B3): τ is drawn once
//! per network seed from a family parameterised by its mean μ and coefficient of variation c,
//! so families can be compared at matched mean and variance and differ only in shape.
//!
//! | family | parameterisation for mean μ, CV c | skewness |
//! |---|---|---|
//! | homogeneous | τ_i = μ | 0 |
//! | uniform | U(μ(1−√3c), μ(1+√3c)), needs c < 1/√3 | 0 |
//! | normal | N(μ, (cμ)²) truncated at 0 (resampled), so exact for small c only | ≈ 0 |
//! | gamma | shape k = 1/c², scale θ = μc² | 2c |
//! | lognormal | σ² = ln(1+c²), m = ln μ − σ²/2 | (e^{σ²}+2)·√(e^{σ²}−1) |
//! | log-uniform | ln τ ~ U(ln a, ln b), b = r·a with r solving CV(r) = c, a = μ ln r/(r−1) | > 0 |
//!
//! After sampling every τ is clipped below at `tau_min` (the Euler step needs Δt/τ ≤ 1); the
//! realised mean, CV and skewness are reported by [`moments`] so clipping is visible.

use crate::invalid::InvalidValue;
use rand::Rng;
use rand_distr::{Distribution, Gamma, LogNormal, Normal};
use std::fmt;
use std::str::FromStr;

/// A family of τ distributions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Every neuron has τ = μ.
    Homogeneous,
    /// Uniform on μ(1 ± √3 c).
    Uniform,
    /// Normal N(μ, (cμ)²), truncated at 0 by resampling.
    Normal,
    /// Gamma with shape 1/c², scale μc².
    Gamma,
    /// Lognormal with σ² = ln(1+c²), median μ/√(1+c²).
    LogNormal,
    /// Log-uniform on [a, r·a].
    LogUniform,
}

impl Family {
    /// All families in table order.
    pub const ALL: [Family; 6] =
        [Family::Homogeneous, Family::Uniform, Family::Normal, Family::Gamma, Family::LogNormal, Family::LogUniform];

    /// The name used in CSV files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Family::Homogeneous => "homogeneous",
            Family::Uniform => "uniform",
            Family::Normal => "normal",
            Family::Gamma => "gamma",
            Family::LogNormal => "lognormal",
            Family::LogUniform => "loguniform",
        }
    }

    /// True for the right-skewed families (gamma, lognormal, log-uniform).
    pub fn skewed(self) -> bool {
        matches!(self, Family::Gamma | Family::LogNormal | Family::LogUniform)
    }

    /// Largest CV the family can express (uniform: τ ≥ 0 needs c ≤ 1/√3).
    pub fn max_cv(self) -> f64 {
        match self {
            Family::Homogeneous => 0.0,
            Family::Uniform => 1.0 / 3f64.sqrt(),
            _ => f64::INFINITY,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Family {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        Family::ALL.iter().copied().find(|f| f.name() == s).ok_or_else(|| {
            InvalidValue::new(
                "tau profile",
                s,
                "unknown (known: homogeneous, uniform, normal, gamma, lognormal, loguniform)",
            )
        })
    }
}

/// A τ profile: family, mean μ (ms) and CV c.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    /// Family.
    pub family: Family,
    /// Mean μ (ms).
    pub mean_ms: f64,
    /// Coefficient of variation c = σ/μ (ignored by the homogeneous family).
    pub cv: f64,
}

impl Profile {
    /// Checks μ > 0 and 0 ≤ c ≤ the family's maximum.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if !(self.mean_ms > 0.0 && self.mean_ms.is_finite()) {
            return Err(InvalidValue::new("tau mean (ms)", self.mean_ms, "must be a positive number"));
        }
        if self.family != Family::Homogeneous && !(self.cv > 0.0 && self.cv <= self.family.max_cv()) {
            return Err(InvalidValue::new(
                &format!("{} CV", self.family),
                self.cv,
                format!("must be in (0, {:.4}]", self.family.max_cv()),
            ));
        }
        Ok(())
    }

    /// n values drawn from the profile (no clipping; see [`Profile::sample_clipped`]).
    pub fn sample<R: Rng>(&self, n: usize, rng: &mut R) -> Vec<f64> {
        let (mu, c) = (self.mean_ms, self.cv);
        match self.family {
            Family::Homogeneous => vec![mu; n],
            Family::Uniform => {
                let h = 3f64.sqrt() * c * mu;
                (0..n).map(|_| rng.random_range(mu - h..=mu + h)).collect()
            }
            Family::Normal => {
                let d = Normal::new(mu, c * mu).expect("finite σ");
                (0..n)
                    .map(|_| loop {
                        let x: f64 = d.sample(rng);
                        if x > 0.0 {
                            break x;
                        }
                    })
                    .collect()
            }
            Family::Gamma => {
                let d = Gamma::new(1.0 / (c * c), mu * c * c).expect("positive shape and scale");
                (0..n).map(|_| d.sample(rng)).collect()
            }
            Family::LogNormal => {
                let s2 = (1.0 + c * c).ln();
                let d = LogNormal::new(mu.ln() - s2 / 2.0, s2.sqrt()).expect("finite σ");
                (0..n).map(|_| d.sample(rng)).collect()
            }
            Family::LogUniform => {
                let r = loguniform_ratio(c);
                let a = mu * r.ln() / (r - 1.0);
                let (la, lb) = (a.ln(), (a * r).ln());
                (0..n).map(|_| rng.random_range(la..=lb).exp()).collect()
            }
        }
    }

    /// [`Profile::sample`] with every value clipped below at `tau_min_ms`.
    pub fn sample_clipped<R: Rng>(&self, n: usize, tau_min_ms: f64, rng: &mut R) -> Vec<f64> {
        let mut t = self.sample(n, rng);
        for x in &mut t {
            *x = x.max(tau_min_ms);
        }
        t
    }
}

/// The ratio r = b/a of a log-uniform distribution with CV c:
/// CV² = (r+1)·ln r / (2(r−1)) − 1, solved by bisection on ln r (monotone in r).
pub fn loguniform_ratio(c: f64) -> f64 {
    let cv2 = |lr: f64| {
        let r = lr.exp();
        (r + 1.0) * lr / (2.0 * (r - 1.0)) - 1.0
    };
    let (mut lo, mut hi) = (1e-9f64, 700.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cv2(mid) < c * c {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// Sample mean, coefficient of variation (population σ / mean) and skewness (third standardised moment).
pub fn moments(x: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n;
    let m3 = x.iter().map(|v| (v - m).powi(3)).sum::<f64>() / n;
    let sd = var.sqrt();
    (m, sd / m, if sd > 0.0 { m3 / (sd * sd * sd) } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream_rng, Stream};

    #[test]
    fn every_profile_matches_mean_cv_and_skew_sign() {
        let n = 100_000;
        for family in Family::ALL {
            // c = 0.25 keeps the truncation of the normal below 1e-4 of its mass; 0.5 for the others.
            for c in [0.25, 0.5] {
                if family == Family::Normal && c > 0.3 {
                    continue;
                }
                let p = Profile { family, mean_ms: 20.0, cv: c };
                let x = p.sample(n, &mut stream_rng(7, Stream::Auxiliary, [family as u64, (c * 100.0) as u64, 0]));
                let (m, cv, skew) = moments(&x);
                assert!((m / 20.0 - 1.0).abs() < 0.03, "{family} c={c}: mean {m}");
                if family == Family::Homogeneous {
                    assert_eq!(cv, 0.0);
                    continue;
                }
                assert!((cv / c - 1.0).abs() < 0.03, "{family} c={c}: cv {cv}");
                if family.skewed() {
                    assert!(skew > 0.3, "{family} c={c}: skew {skew}");
                } else {
                    assert!(skew.abs() < 0.05, "{family} c={c}: skew {skew}");
                }
                if family == Family::Gamma {
                    assert!((skew / (2.0 * c) - 1.0).abs() < 0.1, "gamma skew {skew} vs {}", 2.0 * c);
                }
            }
        }
    }

    #[test]
    fn heavy_skew_families_hold_at_cv_one() {
        for family in [Family::Gamma, Family::LogNormal, Family::LogUniform] {
            let p = Profile { family, mean_ms: 5.0, cv: 1.0 };
            let x = p.sample(100_000, &mut stream_rng(3, Stream::Auxiliary, [family as u64, 1, 0]));
            let (m, cv, skew) = moments(&x);
            assert!((m / 5.0 - 1.0).abs() < 0.03, "{family}: mean {m}");
            assert!((cv - 1.0).abs() < 0.03, "{family}: cv {cv}");
            assert!(skew > 1.0, "{family}: skew {skew}");
        }
    }

    #[test]
    fn validation_names_the_value() {
        let e = Profile { family: Family::Uniform, mean_ms: 5.0, cv: 0.9 }.validate().unwrap_err();
        assert_eq!((e.field.as_str(), e.value.as_str()), ("uniform CV", "0.9"), "{e}");
        assert!("cauchy".parse::<Family>().unwrap_err().to_string().contains("cauchy"));
    }

    #[test]
    fn clipping_is_applied() {
        let p = Profile { family: Family::Gamma, mean_ms: 5.0, cv: 2.0 };
        let x = p.sample_clipped(1000, 1.0, &mut stream_rng(1, Stream::Auxiliary, [0; 3]));
        assert!(x.iter().all(|&t| t >= 1.0));
    }
}
