//! Separable NES (Schaul, Glasmachers & Schmidhuber 2011). Samples z_k = μ + σ ⊙ s_k,
//! s_k ~ N(0, I); with NES utilities u_k:
//! ```text
//! ∇μ = Σ_k u_k s_k        μ ← μ + η_μ·σ ⊙ ∇μ
//! ∇σ = Σ_k u_k (s_k² − 1) σ ← σ ⊙ exp(η_σ/2 · ∇σ)
//! ```
//! The customary η_σ is (3 + ln d)/(5√d); the default 0.1 fits d ≈ 250.

use super::shaping::nes_utilities;
use super::{take_state, Strategy, MAX_RATE};
use crate::invalid::{check_range, Bound::*, InvalidValue};
use crate::rng::{stream_rng, Stream};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// SNES hyper-parameters (`[strategy.snes]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SnesConfig {
    /// η_μ, in (0, 1000].
    pub mean_lr: f64,
    /// η_σ, in [0, 10]: σ is multiplied by exp(η_σ/2 · ∇σ) each generation, so a larger η_σ
    /// overflows σ within a few generations (the customary value is at most 0.6).
    pub sigma_lr: f64,
    /// Initial σ, in (0, 1000].
    pub sigma_init: f64,
}

/// Largest SNES η_σ.
pub const MAX_SIGMA_LR: f64 = 10.0;

impl SnesConfig {
    /// Checks the ranges on the fields (`strategy.snes.*`).
    pub fn validate(&self) -> Result<(), InvalidValue> {
        check_range("strategy.snes.mean_lr", self.mean_lr, (0.0, Open), (MAX_RATE, Closed))?;
        check_range("strategy.snes.sigma_lr", self.sigma_lr, (0.0, Closed), (MAX_SIGMA_LR, Closed))?;
        check_range("strategy.snes.sigma_init", self.sigma_init, (0.0, Open), (MAX_RATE, Closed))
    }
}

impl Default for SnesConfig {
    fn default() -> Self {
        Self { mean_lr: 1.0, sigma_lr: 0.1, sigma_init: 0.1 }
    }
}

/// SNES state.
pub struct Snes {
    config: SnesConfig,
    population: usize,
    seed: u64,
    mu: Vec<f64>,
    sigma: Vec<f64>,
    noise: Vec<f64>,
}

impl Snes {
    /// SNES centred at `centre`.
    pub fn new(config: SnesConfig, centre: &[f32], population: usize, seed: u64) -> Self {
        let d = centre.len();
        Self {
            sigma: vec![config.sigma_init; d],
            config,
            population,
            seed,
            mu: centre.iter().map(|&x| x as f64).collect(),
            noise: vec![0.0; population * d],
        }
    }
}

impl Strategy for Snes {
    fn name(&self) -> &'static str {
        "snes"
    }
    fn dim(&self) -> usize {
        self.mu.len()
    }
    fn population_size(&self) -> usize {
        self.population
    }

    fn ask(&mut self, generation: u64, population: &mut [f32]) {
        let d = self.mu.len();
        let mut rng = stream_rng(self.seed, Stream::StrategyNoise, [generation, 0, 0]);
        for k in 0..self.population {
            for i in 0..d {
                let s: f64 = StandardNormal.sample(&mut rng);
                self.noise[k * d + i] = s;
                population[k * d + i] = (self.mu[i] + self.sigma[i] * s) as f32;
            }
        }
    }

    fn tell(&mut self, fitness: &[f64]) {
        let d = self.mu.len();
        let u = nes_utilities(fitness);
        let mut g_mu = vec![0.0; d];
        let mut g_sigma = vec![0.0; d];
        for (k, &uk) in u.iter().enumerate() {
            for i in 0..d {
                let s = self.noise[k * d + i];
                g_mu[i] += uk * s;
                g_sigma[i] += uk * (s * s - 1.0);
            }
        }
        for i in 0..d {
            self.mu[i] += self.config.mean_lr * self.sigma[i] * g_mu[i];
            self.sigma[i] *= (self.config.sigma_lr / 2.0 * g_sigma[i]).exp();
        }
    }

    fn centre(&self) -> Vec<f32> {
        self.mu.iter().map(|&x| x as f32).collect()
    }
    fn sigma_mean(&self) -> f64 {
        self.sigma.iter().sum::<f64>() / self.sigma.len().max(1) as f64
    }
    fn state(&self) -> Vec<(String, Vec<f64>)> {
        vec![("snes.mu".into(), self.mu.clone()), ("snes.sigma".into(), self.sigma.clone())]
    }
    fn load_state(&mut self, state: &HashMap<String, Vec<f64>>) -> Result<(), super::StateError> {
        self.mu = take_state(state, "snes.mu", self.mu.len())?;
        self.sigma = take_state(state, "snes.sigma", self.sigma.len())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::test_functions::{minimise, rastrigin, sphere};

    #[test]
    fn sphere_converges() {
        let cfg = SnesConfig { mean_lr: 1.0, sigma_lr: 0.33, sigma_init: 0.5 };
        let mut s = Snes::new(cfg, &[1.0; 10], 32, 1);
        let f = minimise(&mut s, sphere, 400);
        assert!(f < 1e-3, "sphere {f}");
    }

    #[test]
    fn rastrigin_improves() {
        let start = [2.5f32; 10];
        let mut s = Snes::new(SnesConfig { mean_lr: 1.0, sigma_lr: 0.2, sigma_init: 1.0 }, &start, 64, 2);
        let f = minimise(&mut s, rastrigin, 300);
        assert!(f < 0.5 * rastrigin(&start), "rastrigin {f}");
    }
}
