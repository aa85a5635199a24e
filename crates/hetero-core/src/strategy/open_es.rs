//! OpenAI-ES (Salimans et al. 2017): fixed σ, mirrored sampling, centred ranks, Adam.
//! grad = (1/(P·σ))·Σ_k f_k ε_k over all P members (f = centred ranks), with optional L2
//! weight decay: grad −= weight_decay·μ.

use super::optim::{Optimizer, OptimizerKind};
use super::shaping::centred_ranks;
use super::{sample_mirrored, take_state, Strategy, MAX_RATE};
use crate::invalid::{check_range, Bound::*, InvalidValue};
use crate::rng::{stream_rng, Stream};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// OpenAI-ES hyper-parameters (`[strategy.open_es]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpenEsConfig {
    /// Adam learning rate, in (0, 1000].
    pub lr: f64,
    /// Fixed noise scale σ, in (0, 1000]: the gradient divides by σ.
    pub sigma: f64,
    /// L2 weight decay on the centre, in [0, 1000].
    pub weight_decay: f64,
}

impl OpenEsConfig {
    /// Checks the ranges on the fields (`strategy.open_es.*`).
    pub fn validate(&self) -> Result<(), InvalidValue> {
        check_range("strategy.open_es.lr", self.lr, (0.0, Open), (MAX_RATE, Closed))?;
        check_range("strategy.open_es.sigma", self.sigma, (0.0, Open), (MAX_RATE, Closed))?;
        check_range("strategy.open_es.weight_decay", self.weight_decay, (0.0, Closed), (MAX_RATE, Closed))
    }
}

impl Default for OpenEsConfig {
    fn default() -> Self {
        Self { lr: 0.05, sigma: 0.1, weight_decay: 0.0 }
    }
}

/// OpenAI-ES state.
pub struct OpenEs {
    config: OpenEsConfig,
    population: usize,
    seed: u64,
    mu: Vec<f64>,
    optimizer: Optimizer,
    noise: Vec<f64>,
}

impl OpenEs {
    /// OpenAI-ES centred at `centre`; `population` must be even.
    pub fn new(config: OpenEsConfig, centre: &[f32], population: usize, seed: u64) -> Self {
        assert!(population.is_multiple_of(2) && population > 0, "OpenAI-ES needs an even population");
        let d = centre.len();
        Self {
            optimizer: Optimizer::new(OptimizerKind::Adam, config.lr, 0.0, 0.0, d),
            config,
            population,
            seed,
            mu: centre.iter().map(|&x| x as f64).collect(),
            noise: vec![0.0; population / 2 * d],
        }
    }
}

impl Strategy for OpenEs {
    fn name(&self) -> &'static str {
        "open_es"
    }
    fn dim(&self) -> usize {
        self.mu.len()
    }
    fn population_size(&self) -> usize {
        self.population
    }

    fn ask(&mut self, generation: u64, population: &mut [f32]) {
        let mut rng = stream_rng(self.seed, Stream::StrategyNoise, [generation, 0, 0]);
        let sigma = self.config.sigma;
        sample_mirrored(&mut rng, &self.mu, |_| sigma, &mut self.noise, population);
    }

    fn tell(&mut self, fitness: &[f64]) {
        let d = self.mu.len();
        let shaped = centred_ranks(fitness);
        let mut grad = vec![0.0; d];
        for j in 0..self.population / 2 {
            let w = shaped[2 * j] - shaped[2 * j + 1];
            for i in 0..d {
                grad[i] += w * self.noise[j * d + i];
            }
        }
        let scale = 1.0 / (self.population as f64 * self.config.sigma);
        for i in 0..d {
            grad[i] = grad[i] * scale - self.config.weight_decay * self.mu[i];
        }
        self.optimizer.ascend(&mut self.mu, &grad);
    }

    fn centre(&self) -> Vec<f32> {
        self.mu.iter().map(|&x| x as f32).collect()
    }
    fn sigma_mean(&self) -> f64 {
        self.config.sigma
    }
    fn state(&self) -> Vec<(String, Vec<f64>)> {
        let mut s = vec![("open_es.mu".to_string(), self.mu.clone())];
        s.extend(self.optimizer.state("open_es.optimizer"));
        s
    }
    fn load_state(&mut self, state: &HashMap<String, Vec<f64>>) -> Result<(), super::StateError> {
        self.mu = take_state(state, "open_es.mu", self.mu.len())?;
        self.optimizer.load_state("open_es.optimizer", state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::test_functions::{minimise, rastrigin, sphere};

    #[test]
    fn sphere_converges() {
        let cfg = OpenEsConfig { lr: 0.02, sigma: 0.02, weight_decay: 0.0 };
        let mut s = OpenEs::new(cfg, &[1.0; 10], 64, 1);
        let f = minimise(&mut s, sphere, 600);
        assert!(f < 1e-3, "sphere {f}");
    }

    #[test]
    fn rastrigin_improves() {
        let start = [2.5f32; 10];
        let mut s = OpenEs::new(OpenEsConfig { lr: 0.05, sigma: 0.5, weight_decay: 0.0 }, &start, 128, 2);
        let f = minimise(&mut s, rastrigin, 300);
        assert!(f < 0.5 * rastrigin(&start), "rastrigin {f}");
    }
}
