//! Evolution strategies behind one ask/tell interface (SPEC §4). The training loop never
//! knows which strategy it drives. Fitness is maximised. Sampling noise for generation g comes
//! from the stream (seed, StrategyNoise, g), so a strategy's whole state is its vectors: a
//! checkpoint of them resumes bit-identically.

pub mod open_es;
pub mod optim;
pub mod pgpe;
pub mod shaping;
pub mod snes;

use crate::invalid::InvalidValue;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub use open_es::{OpenEs, OpenEsConfig};
pub use optim::{Optimizer, OptimizerKind};
pub use pgpe::{Pgpe, PgpeConfig};
pub use snes::{Snes, SnesConfig};

/// Largest learning rate, σ, speed limit or weight decay a strategy takes (1000): orders of
/// magnitude past any useful value, and small enough that one generation's step stays finite.
pub const MAX_RATE: f64 = 1000.0;

/// A saved strategy state that does not fit the strategy (a missing or mis-sized vector).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct StateError(pub String);

/// A population-based search distribution.
pub trait Strategy: Send {
    /// Short name (`pgpe`, `open_es`, `snes`).
    fn name(&self) -> &'static str;
    /// Genome length.
    fn dim(&self) -> usize;
    /// Members per generation.
    fn population_size(&self) -> usize;
    /// Writes generation `generation`'s candidates into `population` (row-major, P × dim).
    fn ask(&mut self, generation: u64, population: &mut [f32]);
    /// Updates the distribution from the fitness of the last `ask` (higher is better).
    fn tell(&mut self, fitness: &[f64]);
    /// The distribution's centre (the current best guess).
    fn centre(&self) -> Vec<f32>;
    /// Mean of the per-dimension search widths σ.
    fn sigma_mean(&self) -> f64;
    /// Everything needed to resume, as named f64 vectors.
    fn state(&self) -> Vec<(String, Vec<f64>)>;
    /// Restores what [`Strategy::state`] returned.
    fn load_state(&mut self, state: &HashMap<String, Vec<f64>>) -> Result<(), StateError>;
}

/// Which strategy to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyName {
    /// PGPE, EvoJAX semantics (Paper A).
    Pgpe,
    /// OpenAI-ES (Salimans et al. 2017).
    OpenEs,
    /// Separable NES (Schaul et al. 2011).
    Snes,
}

/// Strategy configuration (`[strategy]` with one sub-table per strategy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategyConfig {
    /// Which strategy.
    pub name: StrategyName,
    /// Members per generation (PGPE and OpenAI-ES: even, mirrored pairs).
    pub population: usize,
    /// PGPE settings.
    pub pgpe: PgpeConfig,
    /// OpenAI-ES settings.
    pub open_es: OpenEsConfig,
    /// SNES settings.
    pub snes: SnesConfig,
}

impl Default for StrategyConfig {
    fn default() -> Self {
        Self {
            name: StrategyName::Pgpe,
            population: 256,
            pgpe: PgpeConfig::default(),
            open_es: OpenEsConfig::default(),
            snes: SnesConfig::default(),
        }
    }
}

impl StrategyConfig {
    /// Checks what can be checked before building; the message names the field and value.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        let p = self.population;
        let invalid = |reason: String| Err(InvalidValue::new("strategy.population", p, reason));
        if p == 0 {
            return invalid("must be positive".into());
        }
        if matches!(self.name, StrategyName::Pgpe | StrategyName::OpenEs) && !p.is_multiple_of(2) {
            return invalid(format!("must be even for mirrored sampling ({:?})", self.name).to_lowercase());
        }
        if self.name == StrategyName::Snes && p < 2 {
            return invalid("SNES needs at least 2".into());
        }
        // Every strategy's settings are checked, not only the chosen one's: a config names
        // them all, and a bad value should not wait for the day the strategy is switched.
        self.pgpe.validate()?;
        self.open_es.validate()?;
        self.snes.validate()
    }

    /// Builds the strategy around `centre` with noise keyed by `seed`.
    pub fn build(&self, centre: &[f32], seed: u64) -> Box<dyn Strategy> {
        match self.name {
            StrategyName::Pgpe => Box::new(Pgpe::new(self.pgpe.clone(), centre, self.population, seed)),
            StrategyName::OpenEs => Box::new(OpenEs::new(self.open_es.clone(), centre, self.population, seed)),
            StrategyName::Snes => Box::new(Snes::new(self.snes.clone(), centre, self.population, seed)),
        }
    }
}

/// Mirrored sampling (SPEC §4.1): for pair j, draws ε_j ~ N(0, I) into `eps` (pairs × d) and
/// writes members 2j = μ + σ ⊙ ε_j and 2j + 1 = μ − σ ⊙ ε_j (interleaved, as EvoJAX).
pub(crate) fn sample_mirrored(
    rng: &mut rand_chacha::ChaCha8Rng,
    mu: &[f64],
    sigma: impl Fn(usize) -> f64,
    eps: &mut [f64],
    population: &mut [f32],
) {
    use rand_distr::{Distribution, StandardNormal};
    let d = mu.len();
    for (e, pair) in eps.chunks_exact_mut(d).zip(population.chunks_exact_mut(2 * d)) {
        let (plus, minus) = pair.split_at_mut(d);
        for i in 0..d {
            let x: f64 = StandardNormal.sample(rng);
            e[i] = x;
            let delta = sigma(i) * x;
            plus[i] = (mu[i] + delta) as f32;
            minus[i] = (mu[i] - delta) as f32;
        }
    }
}

/// Reads a named vector of an expected length from a saved state.
pub(crate) fn take_state(state: &HashMap<String, Vec<f64>>, name: &str, len: usize) -> Result<Vec<f64>, StateError> {
    let v = state.get(name).ok_or_else(|| StateError(format!("missing `{name}`")))?;
    if v.len() != len {
        return Err(StateError(format!("`{name}` has {} entries, expected {len}", v.len())));
    }
    Ok(v.clone())
}

#[cfg(test)]
pub(crate) mod test_functions {
    /// f(x) = Σ x² (minimum 0 at the origin).
    pub fn sphere(x: &[f32]) -> f64 {
        x.iter().map(|&v| (v as f64).powi(2)).sum()
    }

    /// Rastrigin: 10·n + Σ (x² − 10 cos 2πx) (minimum 0 at the origin).
    pub fn rastrigin(x: &[f32]) -> f64 {
        10.0 * x.len() as f64
            + x.iter()
                .map(|&v| {
                    let v = v as f64;
                    v * v - 10.0 * (2.0 * std::f64::consts::PI * v).cos()
                })
                .sum::<f64>()
    }

    /// Minimises `f` with `s` for `generations`; returns f(centre) at the end.
    pub fn minimise(s: &mut dyn super::Strategy, f: fn(&[f32]) -> f64, generations: u64) -> f64 {
        let (p, d) = (s.population_size(), s.dim());
        let mut pop = vec![0.0; p * d];
        for g in 0..generations {
            s.ask(g, &mut pop);
            let fitness: Vec<f64> = pop.chunks(d).map(|x| -f(x)).collect();
            s.tell(&fitness);
        }
        f(&s.centre())
    }
}
