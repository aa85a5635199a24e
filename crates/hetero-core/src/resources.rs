//! Will a run fit? An estimate of the memory a run or an evaluation allocates, made from its
//! configuration before anything is allocated, checked against what the machine has
//! (`MemAvailable` in /proc/meminfo), so a size that cannot fit is one clear line
//! ("needs 37.3 GiB, this machine has 21.0 GiB available") instead of an abort in the
//! allocator. The estimate counts the large buffers (genomes, noise, per-member coefficients,
//! rollout lanes, minibatch and test-set projections) and is a lower bound: a run it refuses
//! could not have run. Where /proc/meminfo cannot be read (not Linux) only sizes beyond the
//! 64-bit address space are refused.

use crate::config::Config;
use crate::network::{GenomeMode, Property};
use crate::strategy::StrategyName;

/// Bytes in a GiB.
const GIB: f64 = (1u64 << 30) as f64;

/// Largest allocation any machine could make where /proc/meminfo is not there (2⁴⁷ bytes, the
/// user half of x86-64's and AArch64's 48-bit address space).
const ADDRESS_SPACE: u128 = 1 << 47;

/// The machine's memory (bytes), from /proc/meminfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryInfo {
    /// `MemTotal`.
    pub total: u64,
    /// `MemAvailable`: what can be allocated without swapping.
    pub available: u64,
}

impl MemoryInfo {
    /// Reads /proc/meminfo; `None` where it is missing or lacks the two fields.
    pub fn read() -> Option<Self> {
        Self::parse(&std::fs::read_to_string("/proc/meminfo").ok()?)
    }

    /// Parses the text of /proc/meminfo (`MemTotal:  24576000 kB`, …).
    pub fn parse(text: &str) -> Option<Self> {
        let field = |name: &str| -> Option<u64> {
            let line = text.lines().find(|l| l.starts_with(name))?;
            let kb: u64 = line[name.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
            kb.checked_mul(1024)
        };
        Some(Self { total: field("MemTotal:")?, available: field("MemAvailable:")? })
    }
}

/// A size that cannot fit in this machine's memory.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{what} needs {} GiB, this machine has {}", gib(*.needs), has(.machine))]
pub struct MemoryError {
    /// What needs it (`network.hidden = 100000000, strategy.population = 256`).
    pub what: String,
    /// Bytes needed (at least).
    pub needs: u128,
    /// The machine's memory, where known.
    pub machine: Option<MemoryInfo>,
}

fn gib(bytes: u128) -> String {
    let g = bytes as f64 / GIB;
    if g < 1e5 {
        format!("{g:.1}")
    } else {
        format!("{g:.1e}")
    }
}

fn has(machine: &Option<MemoryInfo>) -> String {
    match machine {
        Some(m) => format!("{} GiB available ({} GiB in all)", gib(m.available as u128), gib(m.total as u128)),
        None => format!("at most {} GiB of address space", gib(ADDRESS_SPACE)),
    }
}

/// Refuses `needs` bytes when they exceed `MemAvailable` (or, where that is unknown, the
/// address space); `what` names the settings that make the size.
pub fn check_memory(what: impl Into<String>, needs: u128) -> Result<(), MemoryError> {
    check_memory_on(what, needs, MemoryInfo::read())
}

/// [`check_memory`] against given machine facts (for tests).
pub fn check_memory_on(what: impl Into<String>, needs: u128, machine: Option<MemoryInfo>) -> Result<(), MemoryError> {
    let limit = machine.map_or(ADDRESS_SPACE, |m| m.available as u128);
    if needs <= limit {
        Ok(())
    } else {
        Err(MemoryError { what: what.into(), needs, machine })
    }
}

/// Products and sums that saturate instead of overflowing: a size past u128 is "too large".
fn mul(factors: &[usize]) -> u128 {
    factors.iter().fold(1u128, |acc, &f| acc.saturating_mul(f as u128))
}

/// The genome length of `config` on a network of `inputs` and `outputs`, saturating.
fn genome_len(config: &Config, inputs: usize, outputs: usize) -> u128 {
    let h = config.network.hidden;
    let weights = mul(&[inputs, h]).saturating_add(mul(&[h, outputs]));
    let props = match config.genome.mode {
        GenomeMode::Weight => 0,
        _ => config.genome.properties.iter().filter(|p| Property::ALL.contains(p)).count(),
    };
    let neurons =
        mul(&[props, h]).saturating_add(if config.genome.output_neurons { mul(&[props, outputs]) } else { 0 });
    match config.genome.mode {
        GenomeMode::Neuron => neurons,
        GenomeMode::Weight => weights,
        GenomeMode::Both => weights.saturating_add(neurons),
    }
}

/// Bytes a training run of `config` allocates at least, on a network of `inputs` and
/// `outputs` with `eval_images` images held as currents for evaluation (test and validation
/// sets; 0 for an environment): fixed weights, the strategy's population, noise and vectors,
/// per-member coefficients, rollout lanes, and for classification the minibatch and the
/// evaluation sets with their projections.
pub fn run_bytes(config: &Config, inputs: usize, outputs: usize, eval_images: usize) -> u128 {
    let h = config.network.hidden;
    let p = config.strategy.population;
    let dim = genome_len(config, inputs, outputs);
    let fixed = mul(&[4]).saturating_mul(mul(&[inputs, h]).saturating_add(mul(&[h, outputs])));
    let noise_rows = match config.strategy.name {
        StrategyName::Snes => p,
        StrategyName::Pgpe | StrategyName::OpenEs => p / 2,
    };
    // Population (f32), noise (f64), centre / σ / optimiser moments (f64), and each member's
    // genome again as network parameters (f32).
    let strategy = dim
        .saturating_mul(mul(&[p, 4]))
        .saturating_add(dim.saturating_mul(mul(&[noise_rows, 8])))
        .saturating_add(dim.saturating_mul(48))
        .saturating_add(dim.saturating_mul(mul(&[p, 4])));
    // Per-member coefficients (decay, gain, drive of every neuron) and rollout lanes (return,
    // steps, spikes, observation sums, state).
    let neurons = h.saturating_add(outputs);
    let members = mul(&[p, neurons, 12]);
    let lanes = mul(&[p, config.env.episodes, 128 + 16 * inputs.min(1 << 20)]);
    let mut total = fixed.saturating_add(strategy).saturating_add(members).saturating_add(lanes);
    if eval_images > 0 {
        let batch = config.data.batch_size;
        // The minibatch as currents and its projection; the evaluation sets likewise.
        total = total
            .saturating_add(mul(&[batch, inputs, 4]))
            .saturating_add(mul(&[batch, h, 4]))
            .saturating_add(mul(&[eval_images, inputs, 4]))
            .saturating_add(mul(&[eval_images, h, 4]));
    }
    total
}

/// Bytes evaluating one genome of `config` on `episodes` episodes allocates at least (the
/// initial states and one rollout lane per episode).
pub fn eval_bytes(config: &Config, inputs: usize, outputs: usize, episodes: usize) -> u128 {
    let dim = genome_len(config, inputs, outputs);
    let per_episode = 192 + 16 * inputs.min(1 << 20);
    mul(&[episodes, per_episode]).saturating_add(dim.saturating_mul(8))
}

/// Refuses a training run of `config` that cannot fit ([`run_bytes`]).
pub fn check_run(config: &Config, inputs: usize, outputs: usize, eval_images: usize) -> Result<(), MemoryError> {
    let what = format!(
        "network.hidden = {}, strategy.population = {}{}",
        config.network.hidden,
        config.strategy.population,
        if eval_images > 0 {
            format!(", data.batch_size = {}", config.data.batch_size)
        } else {
            format!(", env.episodes = {}", config.env.episodes)
        }
    );
    check_memory(what, run_bytes(config, inputs, outputs, eval_images))
}

/// Refuses an evaluation of `episodes` episodes that cannot fit ([`eval_bytes`]).
pub fn check_eval(config: &Config, inputs: usize, outputs: usize, episodes: usize) -> Result<(), MemoryError> {
    check_memory(format!("{episodes} episodes"), eval_bytes(config, inputs, outputs, episodes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigTree;

    const MACHINE: MemoryInfo = MemoryInfo { total: 24 << 30, available: 20 << 30 };

    #[test]
    fn meminfo_parses() {
        let m = MemoryInfo::parse("MemTotal:       24576000 kB\nMemFree: 1 kB\nMemAvailable:   20480000 kB\n").unwrap();
        assert_eq!(m, MemoryInfo { total: 24576000 * 1024, available: 20480000 * 1024 });
        assert!(MemoryInfo::parse("MemTotal: 5 kB\n").is_none());
    }

    #[test]
    fn presets_fit_and_absurd_sizes_do_not() {
        for (name, _) in crate::config::PRESETS {
            let c = ConfigTree::load(name).unwrap().finish().unwrap();
            let (i, o, images) = if c.env.name == "mnist" { (784, 10, 10_000) } else { (17, 6, 0) };
            let needs = run_bytes(&c, i, o, images);
            assert!(needs < 4 << 30, "{name}: {needs}");
            assert!(check_memory_on("x", needs, Some(MACHINE)).is_ok());
        }
        let mut t = ConfigTree::load("cartpole").unwrap();
        t.set("network.hidden=100000000").unwrap();
        let c = t.finish().unwrap();
        let e = check_memory_on("network.hidden = 100000000", run_bytes(&c, 4, 2, 0), Some(MACHINE)).unwrap_err();
        let m = e.to_string();
        assert!(
            m.starts_with("network.hidden = 100000000 needs ")
                && m.contains("this machine has 20.0 GiB available (24.0 GiB in all)"),
            "{m}"
        );
        t.set(&format!("network.hidden={}", i64::MAX)).unwrap();
        let c = t.finish().unwrap();
        assert!(check_memory_on("x", run_bytes(&c, 4, 2, 0), None).is_err(), "saturates, is refused");
        assert!(check_memory_on("x", eval_bytes(&c, 4, 2, 1_000_000_000), Some(MACHINE)).is_err());
    }
}
