//! PGPE (Sehnke et al. 2010) with EvoJAX's semantics, the numbers Paper A used (SPEC §4.1).
//!
//! Mirrored sampling: for pair j, ε_j ~ N(0, I), δ_j = σ ⊙ ε_j, members 2j = μ + δ_j and
//! 2j + 1 = μ − δ_j (interleaved as EvoJAX). With shaped fitness f (centred ranks) and
//! b = mean(f):
//! ```text
//! grad_μ = mean_j δ_j·(f⁺_j − f⁻_j)/2
//! grad_σ = mean_j ((f⁺_j + f⁻_j)/2 − b)·(δ_j² − σ²)/σ
//! μ ← optimiser step ascending grad_μ
//! σ ← clip(σ + lr_σ·grad_σ, σ·(1 − c), σ·(1 + c))      c = sigma_max_change
//! ```

use super::optim::{Optimizer, OptimizerKind};
use super::shaping::{centred_ranks_with, Ties};
use super::{sample_mirrored, take_state, Strategy, MAX_RATE};
use crate::invalid::{check_range, Bound::*, InvalidValue};
use crate::rng::{stream_rng, Stream};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// PGPE hyper-parameters (`[strategy.pgpe]`); defaults are EvoJAX's = Paper A's, except the
/// optimiser (SPEC §4.1 Decision: ClipUp with max_speed = 2·lr; EvoJAX's own default is SGD).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PgpeConfig {
    /// Centre learning rate (EvoJAX `center_learning_rate`), in (0, 1000].
    pub center_lr: f64,
    /// Initial σ for every dimension (`init_stdev`), in (0, 1000]: σ = 0 would divide by zero
    /// in the σ gradient.
    pub sigma_init: f64,
    /// σ learning rate (`stdev_learning_rate`), in [0, 1000] (0: σ fixed).
    pub sigma_lr: f64,
    /// Largest relative change of σ per generation (`stdev_max_change`), in [0, 1): 1 would let
    /// σ reach 0.
    pub sigma_max_change: f64,
    /// Centre optimiser: sgd | adam | clipup.
    pub optimizer: OptimizerKind,
    /// ClipUp speed limit, in (0, 1000] (checked with every optimiser).
    pub max_speed: f64,
    /// ClipUp momentum, in [0, 1): 1 or more lets the velocity grow without bound.
    pub momentum: f64,
    /// Rank ties: `ordered` (EvoJAX) or `average` (evosax).
    pub ties: Ties,
}

impl Default for PgpeConfig {
    fn default() -> Self {
        Self {
            center_lr: 0.15,
            sigma_init: 0.1,
            sigma_lr: 0.1,
            sigma_max_change: 0.2,
            optimizer: OptimizerKind::Clipup,
            max_speed: 0.3,
            momentum: 0.9,
            ties: Ties::Ordered,
        }
    }
}

impl PgpeConfig {
    /// Checks the ranges on the fields (`strategy.pgpe.*`).
    pub fn validate(&self) -> Result<(), InvalidValue> {
        let key = |k: &str| format!("strategy.pgpe.{k}");
        check_range(&key("center_lr"), self.center_lr, (0.0, Open), (MAX_RATE, Closed))?;
        check_range(&key("sigma_init"), self.sigma_init, (0.0, Open), (MAX_RATE, Closed))?;
        check_range(&key("sigma_lr"), self.sigma_lr, (0.0, Closed), (MAX_RATE, Closed))?;
        check_range(&key("sigma_max_change"), self.sigma_max_change, (0.0, Closed), (1.0, Open))?;
        check_range(&key("max_speed"), self.max_speed, (0.0, Open), (MAX_RATE, Closed))?;
        check_range(&key("momentum"), self.momentum, (0.0, Closed), (1.0, Open))
    }
}

/// PGPE state.
pub struct Pgpe {
    config: PgpeConfig,
    population: usize,
    seed: u64,
    mu: Vec<f64>,
    sigma: Vec<f64>,
    optimizer: Optimizer,
    /// ε_j of the last ask, pairs × dim (δ_j = σ ⊙ ε_j).
    noise: Vec<f64>,
}

impl Pgpe {
    /// PGPE centred at `centre`; `population` must be even.
    pub fn new(config: PgpeConfig, centre: &[f32], population: usize, seed: u64) -> Self {
        assert!(population.is_multiple_of(2) && population > 0, "PGPE needs an even population");
        let d = centre.len();
        let optimizer = Optimizer::new(config.optimizer, config.center_lr, config.max_speed, config.momentum, d);
        Self {
            sigma: vec![config.sigma_init; d],
            mu: centre.iter().map(|&x| x as f64).collect(),
            config,
            population,
            seed,
            optimizer,
            noise: vec![0.0; population / 2 * d],
        }
    }

    /// Per-dimension σ.
    pub fn sigma(&self) -> &[f64] {
        &self.sigma
    }

    /// The centre in f64.
    pub fn mu(&self) -> &[f64] {
        &self.mu
    }

    /// Gradient estimates (grad_μ, grad_σ) of the last ask for shaped fitness `f` (SPEC §4.1).
    pub fn gradients(&self, shaped: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let d = self.mu.len();
        let pairs = self.population / 2;
        let baseline = shaped.iter().sum::<f64>() / shaped.len() as f64;
        let mut grad_mu = vec![0.0; d];
        let mut grad_sigma = vec![0.0; d];
        for j in 0..pairs {
            let (fp, fm) = (shaped[2 * j], shaped[2 * j + 1]);
            let diff = (fp - fm) / 2.0;
            let avg = (fp + fm) / 2.0 - baseline;
            let eps = &self.noise[j * d..(j + 1) * d];
            for i in 0..d {
                let delta = self.sigma[i] * eps[i];
                grad_mu[i] += delta * diff;
                grad_sigma[i] += avg * (delta * delta - self.sigma[i] * self.sigma[i]) / self.sigma[i];
            }
        }
        for i in 0..d {
            grad_mu[i] /= pairs as f64;
            grad_sigma[i] /= pairs as f64;
        }
        (grad_mu, grad_sigma)
    }
}

impl Strategy for Pgpe {
    fn name(&self) -> &'static str {
        "pgpe"
    }

    fn dim(&self) -> usize {
        self.mu.len()
    }

    fn population_size(&self) -> usize {
        self.population
    }

    fn ask(&mut self, generation: u64, population: &mut [f32]) {
        let mut rng = stream_rng(self.seed, Stream::StrategyNoise, [generation, 0, 0]);
        let sigma = &self.sigma;
        sample_mirrored(&mut rng, &self.mu, |i| sigma[i], &mut self.noise, population);
    }

    fn tell(&mut self, fitness: &[f64]) {
        assert_eq!(fitness.len(), self.population);
        let shaped = centred_ranks_with(fitness, self.config.ties);
        let (grad_mu, grad_sigma) = self.gradients(&shaped);
        self.optimizer.ascend(&mut self.mu, &grad_mu);
        let c = self.config.sigma_max_change;
        for i in 0..self.sigma.len() {
            let s = self.sigma[i];
            let allowed = s.abs() * c;
            self.sigma[i] = (s + self.config.sigma_lr * grad_sigma[i]).clamp(s - allowed, s + allowed);
        }
    }

    fn centre(&self) -> Vec<f32> {
        self.mu.iter().map(|&x| x as f32).collect()
    }

    fn sigma_mean(&self) -> f64 {
        self.sigma.iter().sum::<f64>() / self.sigma.len().max(1) as f64
    }

    fn state(&self) -> Vec<(String, Vec<f64>)> {
        let mut s = vec![("pgpe.mu".into(), self.mu.clone()), ("pgpe.sigma".into(), self.sigma.clone())];
        s.extend(self.optimizer.state("pgpe.optimizer"));
        s
    }

    fn load_state(&mut self, state: &HashMap<String, Vec<f64>>) -> Result<(), super::StateError> {
        let d = self.mu.len();
        self.mu = take_state(state, "pgpe.mu", d)?;
        self.sigma = take_state(state, "pgpe.sigma", d)?;
        self.optimizer.load_state("pgpe.optimizer", state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::test_functions::{minimise, rastrigin, sphere};

    fn config(optimizer: OptimizerKind) -> PgpeConfig {
        PgpeConfig { optimizer, ..Default::default() }
    }

    /// 2 members, 3 parameters, SGD: the update by hand.
    #[test]
    fn two_member_update_by_hand() {
        let cfg = PgpeConfig { sigma_init: 0.1, ..config(OptimizerKind::Sgd) };
        let mut p = Pgpe::new(cfg, &[1.0, 2.0, 3.0], 2, 11);
        let mut pop = vec![0.0f32; 6];
        p.ask(0, &mut pop);
        let delta: Vec<f64> = (0..3).map(|i| pop[i] as f64 - [1.0, 2.0, 3.0][i]).collect();
        for i in 0..3 {
            assert!((pop[3 + i] as f64 - ([1.0, 2.0, 3.0][i] - delta[i])).abs() < 1e-6, "mirrored");
        }
        // Fitness 5 (plus) > 2 (minus): shaped (+0.5, −0.5), baseline 0.
        // grad_μ = δ·(0.5 − (−0.5))/2 = δ/2; μ' = μ + 0.15·δ/2.
        // grad_σ = (0 − 0)·… = 0, so σ stays 0.1.
        p.tell(&[5.0, 2.0]);
        for i in 0..3 {
            let expected = [1.0, 2.0, 3.0][i] + 0.15 * delta[i] / 2.0;
            assert!((p.mu()[i] - expected).abs() < 1e-6, "mu[{i}] {} vs {expected}", p.mu()[i]);
            assert!((p.sigma()[i] - 0.1).abs() < 1e-15);
        }
    }

    /// 4 members, 3 parameters: σ's update and its ±20 % clip, by hand.
    #[test]
    fn four_member_sigma_update_by_hand() {
        let cfg = PgpeConfig { sigma_init: 0.5, sigma_lr: 0.1, ..config(OptimizerKind::Sgd) };
        let mut p = Pgpe::new(cfg, &[0.0, 0.0, 0.0], 4, 5);
        let mut pop = vec![0.0f32; 12];
        p.ask(0, &mut pop);
        let d0: Vec<f64> = (0..3).map(|i| 0.5 * p.noise[i]).collect();
        let d1: Vec<f64> = (0..3).map(|i| 0.5 * p.noise[3 + i]).collect();
        // Fitness: pair 0 = (4, 3), pair 1 = (1, 2) → ranks 3,2,0,1 → shaped (0.5, 1/6, −0.5, −1/6).
        p.tell(&[4.0, 3.0, 1.0, 2.0]);
        let (f0p, f0m, f1p, f1m) = (0.5, 1.0 / 6.0, -0.5, -1.0 / 6.0);
        for i in 0..3 {
            let g_mu = (d0[i] * (f0p - f0m) / 2.0 + d1[i] * (f1p - f1m) / 2.0) / 2.0;
            assert!((p.mu()[i] - 0.15 * g_mu).abs() < 1e-12);
            let g_s = (((f0p + f0m) / 2.0) * (d0[i] * d0[i] - 0.25) / 0.5
                + ((f1p + f1m) / 2.0) * (d1[i] * d1[i] - 0.25) / 0.5)
                / 2.0;
            let expected = (0.5 + 0.1 * g_s).clamp(0.4, 0.6);
            assert!((p.sigma()[i] - expected).abs() < 1e-12, "sigma[{i}] {} vs {expected}", p.sigma()[i]);
        }
    }

    #[test]
    fn sphere_converges_with_every_optimizer() {
        for (opt, lr, speed) in
            [(OptimizerKind::Sgd, 0.5, 0.0), (OptimizerKind::Adam, 0.05, 0.0), (OptimizerKind::Clipup, 0.02, 0.04)]
        {
            let cfg = PgpeConfig { center_lr: lr, max_speed: speed, sigma_init: 0.5, sigma_lr: 0.2, ..config(opt) };
            let mut p = Pgpe::new(cfg, &[1.5; 10], 64, 1);
            let f = minimise(&mut p, sphere, 600);
            assert!(f < 1e-3, "{opt:?}: sphere {f}");
        }
    }

    #[test]
    fn rastrigin_improves() {
        let start = [2.5f32; 10];
        let cfg = PgpeConfig { center_lr: 0.1, max_speed: 0.2, sigma_init: 1.0, ..Default::default() };
        let mut p = Pgpe::new(cfg, &start, 128, 2);
        let f = minimise(&mut p, rastrigin, 300);
        assert!(f < 0.5 * rastrigin(&start), "rastrigin {f} vs start {}", rastrigin(&start));
    }

    #[test]
    fn state_round_trips() {
        let mut p = Pgpe::new(PgpeConfig::default(), &[0.5; 4], 8, 3);
        let mut pop = vec![0.0; 32];
        p.ask(0, &mut pop);
        p.tell(&[1., 2., 3., 4., 5., 6., 7., 8.]);
        let saved: HashMap<_, _> = p.state().into_iter().collect();
        let mut q = Pgpe::new(PgpeConfig::default(), &[0.0; 4], 8, 3);
        q.load_state(&saved).unwrap();
        assert_eq!(p.state(), q.state());
    }
}
