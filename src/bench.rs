//! Benchmarks that print figures (no timing assertions anywhere in the tests).
//!
//! `cartpole`: the JAX peer's protocol (../shared/peers/jax_baseline/bench_cartpole.py): pop 256,
//! hidden 64, one episode per member, PGPE from the initial centre, median seconds per generation
//! over 12 generations (a generation = ask + population rollout + tell; the centre evaluation is
//! not timed, as in the peer). member-steps/s counts the steps actually simulated.

use crate::config::{Config, ConfigTree};
use crate::env::CartPole;
use crate::network::genome::PopulationParams;
use crate::network::GenomeMode;
use crate::rng::Stream;
use crate::rollout::{evaluate, EpisodeSource};
use crate::train::Model;
use serde::Serialize;
use std::time::Instant;

/// One benchmark row.
#[derive(Clone, Debug, Serialize)]
pub struct CartpoleRow {
    /// neuron | weight.
    pub mode: String,
    /// Step limit.
    pub max_steps: usize,
    /// Median wall seconds per generation.
    pub s_per_generation: f64,
    /// Member-steps simulated per second (median generation).
    pub member_steps_per_s: f64,
    /// Mean population return in the last timed generation.
    pub mean_return: f64,
}

/// Runs the CartPole benchmark: both modes × `max_steps`, `generations` timed generations each.
pub fn cartpole(max_steps: &[usize], generations: u64, population: usize, hidden: usize) -> Vec<CartpoleRow> {
    let mut rows = Vec::new();
    for mode in [GenomeMode::Neuron, GenomeMode::Weight] {
        for &steps in max_steps {
            let mut tree = ConfigTree::load("cartpole").expect("preset");
            tree.set(&format!("env.max_steps={steps}")).expect("key");
            tree.set(&format!("strategy.population={population}")).expect("key");
            tree.set(&format!("network.hidden={hidden}")).expect("key");
            tree.set(&format!("genome.mode={}", if mode == GenomeMode::Neuron { "neuron" } else { "weight" })).expect("key");
            let config: Config = tree.finish().expect("valid");
            let env = CartPole::new(steps);
            let model = Model::new(&config, &env);
            let centre = model.layout.initial_centre(&config.network, &model.fixed);
            let mut strategy = config.strategy.build(&centre, 0);
            let (p, d) = (strategy.population_size(), strategy.dim());
            let mut pop = vec![0.0f32; p * d];
            let mut times = Vec::new();
            let mut steps_done = Vec::new();
            let mut mean_return = 0.0;
            for g in 0..generations {
                let t = Instant::now();
                strategy.ask(g, &mut pop);
                let params = PopulationParams::build(&model.layout, &config.network, &model.fixed, &pop, p);
                let r = evaluate(&env, &params, 1, EpisodeSource { seed: 0, stream: Stream::EnvReset, generation: g });
                let fitness = r.member_means();
                strategy.tell(&fitness);
                times.push(t.elapsed().as_secs_f64());
                steps_done.push(r.total_steps() as f64);
                mean_return = fitness.iter().sum::<f64>() / fitness.len() as f64;
            }
            let order = median_index(&times);
            rows.push(CartpoleRow {
                mode: if mode == GenomeMode::Neuron { "neuron" } else { "weight" }.into(),
                max_steps: steps,
                s_per_generation: times[order],
                member_steps_per_s: steps_done[order] / times[order],
                mean_return,
            });
        }
    }
    rows
}

/// Index of the median (lower median for even lengths).
fn median_index(x: &[f64]) -> usize {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    idx[(x.len() - 1) / 2]
}
