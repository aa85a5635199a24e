//! Benchmarks that print figures (no timing assertions anywhere in the tests).
//!
//! `cartpole`: the JAX peer's protocol (../shared/peers/jax_baseline/bench_cartpole.py): pop 256,
//! hidden 64, one episode per member, PGPE from the initial centre, median seconds per generation
//! over 12 generations (a generation = ask + population rollout + tell; the centre evaluation is
//! not timed, as in the peer). member-steps/s counts the steps actually simulated.
//!
//! `memory`: the protocol of the peer's bench_memory.py: pop 256, hidden 64, 16 episodes per
//! member, memory lengths 5, 10, 20, 30; median seconds per generation and generations/s.

use crate::config::{Config, ConfigTree};
use crate::env::{CartPole, Environment, MemoryChain};
use crate::network::genome::PopulationParams;
use crate::network::GenomeMode;
use crate::rng::Stream;
use crate::rollout::{evaluate, EpisodeSource};
use crate::train::Model;
use serde::Serialize;
use std::time::Instant;

/// One benchmark row.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    /// neuron | weight.
    pub mode: String,
    /// Step limit (CartPole) or memory length L (memory_chain).
    pub max_steps: usize,
    /// Median wall seconds per generation.
    pub s_per_generation: f64,
    /// Generations per second (1 / median).
    pub generations_per_s: f64,
    /// Member-steps actually simulated per second (median generation; duplicate episodes count once).
    pub member_steps_per_s: f64,
    /// Mean population return in the last timed generation.
    pub mean_return: f64,
    /// Member-steps simulated in the median generation (duplicate episodes once).
    pub env_steps: f64,
    /// Neuron updates in the median generation (hidden + output neurons × member-steps).
    pub neuron_updates: f64,
    /// Floating-point operations of the network in the median generation (see [`flop_per_step`]).
    pub flop: f64,
    /// flop / s_per_generation / 1e9.
    pub gflops: f64,
}

/// Network FLOP per member-step: input projection 2·in·H, hidden LIF 5·H (3 multiplies, 2 adds),
/// output currents 2·H·O (dense), output layer 5·O. The environment and the strategy are not
/// counted.
pub fn flop_per_step(inputs: usize, hidden: usize, outputs: usize) -> f64 {
    (2 * inputs * hidden + 5 * hidden + 2 * hidden * outputs + 5 * outputs) as f64
}

fn row(mode: GenomeMode, x: usize, (s, steps, ret): (f64, f64, f64), shape: (usize, usize, usize)) -> BenchRow {
    let (i, h, o) = shape;
    let flop = steps * flop_per_step(i, h, o);
    BenchRow {
        mode: mode_name(mode).into(),
        max_steps: x,
        s_per_generation: s,
        generations_per_s: 1.0 / s,
        member_steps_per_s: steps / s,
        mean_return: ret,
        env_steps: steps,
        neuron_updates: steps * (h + o) as f64,
        flop,
        gflops: flop / s / 1e9,
    }
}

/// Times `generations` generations (ask + rollout + tell, from the initial centre) of `config`.
fn time_generations<E: Environment>(config: &Config, env: &E, generations: u64) -> (f64, f64, f64) {
    let model = Model::new(config, env);
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
        let r = evaluate(env, &params, config.env.episodes, EpisodeSource { seed: 0, stream: Stream::EnvReset, generation: g });
        let fitness = r.member_means();
        strategy.tell(&fitness);
        times.push(t.elapsed().as_secs_f64());
        steps_done.push(r.simulated_steps as f64);
        mean_return = fitness.iter().sum::<f64>() / fitness.len() as f64;
    }
    let order = median_index(&times);
    (times[order], steps_done[order], mean_return)
}

fn bench_config(preset: &str, sets: &[String]) -> Config {
    let mut tree = ConfigTree::load(preset).expect("preset");
    for s in sets {
        tree.set(s).expect("key");
    }
    tree.finish().expect("valid")
}

fn mode_name(mode: GenomeMode) -> &'static str {
    if mode == GenomeMode::Neuron {
        "neuron"
    } else {
        "weight"
    }
}

/// CartPole, the JAX peer's protocol: both modes × `max_steps`, hidden 64, one episode per member.
pub fn cartpole(max_steps: &[usize], generations: u64, population: usize, hidden: usize) -> Vec<BenchRow> {
    let mut rows = Vec::new();
    for mode in [GenomeMode::Neuron, GenomeMode::Weight] {
        for &steps in max_steps {
            let config = bench_config(
                "cartpole",
                &[
                    format!("env.max_steps={steps}"),
                    format!("strategy.population={population}"),
                    format!("network.hidden={hidden}"),
                    format!("genome.mode={}", mode_name(mode)),
                ],
            );
            let timed = time_generations(&config, &CartPole::new(steps), generations);
            rows.push(row(mode, steps, timed, (4, hidden, 2)));
        }
    }
    rows
}

/// memory_chain, the JAX peer's bench_memory.py protocol: both modes × L, hidden 64, 16 episodes
/// per member (an episode is always L + 1 steps, so the work does not depend on the policy).
pub fn memory(lengths: &[usize], generations: u64, population: usize, hidden: usize) -> Vec<BenchRow> {
    let mut rows = Vec::new();
    for mode in [GenomeMode::Neuron, GenomeMode::Weight] {
        for &l in lengths {
            let config = bench_config(
                "memory-neuron",
                &[
                    format!("env.memory_length={l}"),
                    format!("strategy.population={population}"),
                    format!("network.hidden={hidden}"),
                    format!("genome.mode={}", mode_name(mode)),
                ],
            );
            let timed = time_generations(&config, &MemoryChain::new(l, 1, 1000), generations);
            rows.push(row(mode, l, timed, (3, hidden, 2)));
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

/// BPTT throughput: forward and backward passes of `steps`-step episodes of a 4-`hidden`-2
/// network (weight-mode REINFORCE's per-episode work without the environment), median of
/// `repeats` timings of `episodes` episodes on one thread. Returns (episodes/s, steps/s).
pub fn bptt(hidden: usize, steps: usize, episodes: usize, repeats: usize) -> (f64, f64) {
    use crate::gradient::bptt::{backward, forward, Jacobian, Params, Tape};
    use crate::gradient::reinforce::initial_params;
    use crate::gradient::Surrogate;
    use crate::network::{NetworkConfig, NetworkShape};
    let shape = NetworkShape { inputs: 4, hidden, outputs: 2 };
    let p = initial_params(shape, &NetworkConfig { hidden, ..Default::default() }, 0);
    let inputs: Vec<f64> = (0..steps * 4).map(|i| 0.5 * (i as f64 * 0.37).sin()).collect();
    let d: Vec<f64> = (0..steps * 2).map(|i| (i as f64 * 0.11).cos()).collect();
    let mut tape = Tape::with_capacity(&p, steps);
    let mut grads = Params::zeros(4, hidden, 2);
    let mut times = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        for _ in 0..episodes {
            forward(&p, &inputs, Surrogate::DEFAULT, &mut tape);
            backward(&p, &tape, &d, Surrogate::DEFAULT, Jacobian::WithReset, &mut grads);
        }
        times.push(t.elapsed().as_secs_f64());
    }
    let s = times[median_index(&times)];
    std::hint::black_box(&grads);
    (episodes as f64 / s, (episodes * steps) as f64 / s)
}

/// `hetero bench locomotion` (feature `mujoco`): one generation of `population` members × one
/// episode of up to 1000 steps on a locomotion task (neuron mode, hidden 64, the initial centre's
/// PGPE population), next to the raw `mj_step` rate of the same machine and threads.
#[cfg(feature = "mujoco")]
#[derive(Clone, Debug, Serialize)]
pub struct LocomotionBench {
    /// Task.
    pub env: String,
    /// Members (one episode each).
    pub population: usize,
    /// Threads.
    pub threads: usize,
    /// Median seconds per generation (ask + rollout + tell).
    pub s_per_generation: f64,
    /// Environment steps per second in the median generation.
    pub env_steps_per_s: f64,
    /// Physics steps per second implied (env steps × frame_skip).
    pub physics_steps_per_s: f64,
    /// Raw `mj_step`/s on the same threads (no network, no state copies).
    pub raw_mj_steps_per_s: f64,
    /// physics_steps_per_s / raw_mj_steps_per_s.
    pub ratio: f64,
}

/// Runs the locomotion benchmark on the current rayon pool.
#[cfg(feature = "mujoco")]
pub fn locomotion(name: &str, population: usize, generations: u64) -> Result<LocomotionBench, String> {
    use crate::env::mujoco::{Ant, HalfCheetah, Hopper, MujocoEnv, Task, Walker2d};
    fn go<T: Task>(env: MujocoEnv<T>, population: usize, generations: u64) -> Result<LocomotionBench, String> {
        let mut t = ConfigTree::load("halfcheetah").map_err(|e| e.to_string())?;
        for set in [format!("env.name=\"{}\"", T::NAME), "network.hidden=64".into(), format!("strategy.population={population}")] {
            t.set(&set).map_err(|e| e.to_string())?;
        }
        let config = t.finish().map_err(|e| e.to_string())?;
        let raw = env.raw_steps_per_s(200_000);
        let (s, steps, _) = time_generations(&config, &env, generations);
        let env_steps_per_s = steps / s;
        let physics = env_steps_per_s * T::FRAME_SKIP as f64;
        Ok(LocomotionBench {
            env: T::NAME.into(),
            population,
            threads: rayon::current_num_threads(),
            s_per_generation: s,
            env_steps_per_s,
            physics_steps_per_s: physics,
            raw_mj_steps_per_s: raw,
            ratio: physics / raw,
        })
    }
    let e = |m: crate::env::mujoco::ModelError| m.to_string();
    match name {
        "halfcheetah" => go(HalfCheetah::new(1000).map_err(e)?, population, generations),
        "hopper" => go(Hopper::new(1000).map_err(e)?, population, generations),
        "walker2d" => go(Walker2d::new(1000).map_err(e)?, population, generations),
        "ant" => go(Ant::new(1000).map_err(e)?, population, generations),
        other => Err(format!("--env {other}: unknown (halfcheetah, hopper, walker2d, ant)")),
    }
}
