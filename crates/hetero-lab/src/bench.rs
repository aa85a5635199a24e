//! Benchmarks that print figures (no timing assertions anywhere in the tests).
//!
//! `cartpole`: the JAX peer's protocol (../shared/peers/jax_baseline/bench_cartpole.py): pop 256,
//! hidden 64, one episode per member, PGPE from the initial centre, median seconds per generation
//! over 12 generations (a generation = ask + population rollout + tell; the centre evaluation is
//! not timed, as in the peer). member-steps/s counts the steps actually simulated.
//!
//! `memory`: the protocol of the peer's bench_memory.py: pop 256, hidden 64, 16 episodes per
//! member, memory lengths 5, 10, 20, 30; median seconds per generation and generations/s.

use hetero_core::config::{Config, ConfigTree};
use hetero_core::env::{CartPole, Environment, MemoryChain};
use hetero_core::network::genome::PopulationParams;
use hetero_core::network::GenomeMode;
use hetero_core::network::Model;
use hetero_core::rng::Stream;
use hetero_core::rollout::{evaluate, EpisodeSource};
use serde::Serialize;
#[cfg(feature = "mujoco")]
use std::sync::Mutex;
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
    let (s, steps, mean_return, _) = time_generations_probed(config, env, generations, &|| 0.0);
    (s, steps, mean_return)
}

/// As [`time_generations`], also returning how much a monotone counter `probe` (for instance
/// seconds spent in physics) grew during the median generation.
fn time_generations_probed<E: Environment>(
    config: &Config,
    env: &E,
    generations: u64,
    probe: &dyn Fn() -> f64,
) -> (f64, f64, f64, f64) {
    let model = hetero_core::rollout::env_model(config, env);
    let centre = model.layout.initial_centre(&config.network, &model.fixed);
    let mut strategy = config.strategy.build(&centre, 0);
    let (p, d) = (strategy.population_size(), strategy.dim());
    let mut pop = vec![0.0f32; p * d];
    let mut times = Vec::new();
    let mut steps_done = Vec::new();
    let mut probed = Vec::new();
    let mut mean_return = 0.0;
    for g in 0..generations {
        let t = Instant::now();
        let before = probe();
        strategy.ask(g, &mut pop);
        let params = PopulationParams::build(&model.layout, &config.network, &model.fixed, &pop, p);
        let r = evaluate(
            env,
            &params,
            config.env.episodes,
            EpisodeSource { seed: 0, stream: Stream::EnvReset, generation: g },
        );
        let fitness = r.member_means();
        strategy.tell(&fitness);
        times.push(t.elapsed().as_secs_f64());
        probed.push(probe() - before);
        steps_done.push(r.simulated_steps as f64);
        mean_return = fitness.iter().sum::<f64>() / fitness.len() as f64;
    }
    let order = median_index(&times);
    (times[order], steps_done[order], mean_return, probed[order])
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
    use hetero_core::gradient::bptt::{backward, forward, Jacobian, Params, Tape};
    use hetero_core::gradient::reinforce::initial_params;
    use hetero_core::gradient::Surrogate;
    use hetero_core::network::{NetworkConfig, NetworkShape};
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

/// One row of `hetero bench mnist`.
#[derive(Clone, Debug, Serialize)]
pub struct MnistBenchRow {
    /// neuron | weight.
    pub mode: String,
    /// Hidden width H.
    pub hidden: usize,
    /// Trainable parameters as Paper A counts them.
    pub params: usize,
    /// Median seconds of the batch's input projection (one GEMM).
    pub projection_s: f64,
    /// GFLOP/s of that GEMM (2·batch·784·H·members_projected / time).
    pub projection_gflops: f64,
    /// Median seconds of the population's dynamics on the batch (all members, all steps).
    pub dynamics_s: f64,
    /// Median seconds of a whole generation (ask, minibatch, decode, projection, dynamics, tell).
    pub generation_s: f64,
    /// images × members per second of a whole generation.
    pub images_members_per_s: f64,
    /// Hidden neuron updates per second of the dynamics.
    pub neuron_updates_per_s: f64,
    /// Hidden spikes per neuron per step in the last generation (the output cost scales with it).
    pub spikes_per_neuron_step: f64,
}

/// MNIST generations from the initial centre (pop `population`, batch 1024, 4 steps) for each
/// `(mode, hidden)`, median over `generations` generations. `dataset` = None uses random pixels
/// of MNIST's shape (spike rates, and so the output cost, then differ from real data).
pub fn mnist(
    cases: &[(GenomeMode, usize)],
    generations: u64,
    population: usize,
    dataset: Option<&hetero_core::data::Dataset>,
) -> Vec<MnistBenchRow> {
    use rand::Rng;
    let synthetic;
    let data = match dataset {
        Some(d) => d,
        None => {
            let mut rng = hetero_core::rng::stream_rng(0, Stream::Auxiliary, [5, 0, 0]);
            let n = 2048;
            synthetic = hetero_core::data::Dataset {
                train_images: (0..n * 784).map(|_| if rng.random::<f32>() < 0.2 { rng.random() } else { 0 }).collect(),
                train_labels: (0..n).map(|i| (i % 10) as u8).collect(),
                test_images: Vec::new(),
                test_labels: Vec::new(),
                rows: 28,
                cols: 28,
            };
            &synthetic
        }
    };
    let mut rows = Vec::new();
    for &(mode, hidden) in cases {
        let config = bench_config(
            "mnist-neuron-4096",
            &[
                format!("network.hidden={hidden}"),
                format!("genome.mode={}", mode_name(mode)),
                format!("strategy.population={population}"),
            ],
        );
        let model = hetero_classify::classifier_model(&config, data);
        let mut strategy = config.strategy.build(&model.layout.initial_centre(&config.network, &model.fixed), 0);
        rows.push(mnist_generations(&config, &model, strategy.as_mut(), data, 0, generations));
    }
    rows
}

/// Generations of a classification run from where it stopped: its config and checkpoint (the
/// trained centre and σ, so the population's spike rates are those of training at that point),
/// median over `generations` generations on the dataset the run names. Errors name the file.
pub fn mnist_from_run(
    dir: &std::path::Path,
    generations: u64,
) -> Result<MnistBenchRow, hetero_core::engine::TrainError> {
    use hetero_core::engine::{restore_checkpoint, RunPaths, TrainError};
    let paths = RunPaths::new(dir);
    if !paths.config.exists() {
        return Err(TrainError::Config(format!(
            "{}: not a run directory (no config.toml; `hetero train --out DIR` makes one)",
            dir.display()
        )));
    }
    let config = ConfigTree::load(&paths.config.display().to_string())
        .and_then(|t| t.finish())
        .map_err(|e| TrainError::Config(e.to_string()))?;
    if !hetero_classify::is_classification(&config) {
        return Err(TrainError::Config(format!(
            "{}: a {} run; `bench mnist --run` times classification runs (env.name = mnist or fashion-mnist)",
            dir.display(),
            config.env.name
        )));
    }
    if !paths.checkpoint.exists() {
        return Err(TrainError::Config(format!(
            "{}: missing (the run has not reached its first checkpoint)",
            paths.checkpoint.display()
        )));
    }
    hetero_classify::Kernel::from_env().map_err(|e| TrainError::Config(e.to_string()))?;
    let data = hetero_classify::load_dataset(&config)?;
    config.data.check_against(data.train_len(), data.test_len())?;
    let model = hetero_classify::classifier_model(&config, &data);
    let mut strategy =
        config.strategy.build(&model.layout.initial_centre(&config.network, &model.fixed), config.run.seed);
    let start = restore_checkpoint(&paths.checkpoint, strategy.as_mut())?.generation;
    Ok(mnist_generations(&config, &model, strategy.as_mut(), &data, start, generations))
}

/// Times `generations` training generations (ask, minibatch, decode, projection, dynamics,
/// tell) of `strategy` from generation `first`; the centre's own evaluation is not timed.
fn mnist_generations(
    config: &Config,
    model: &Model,
    strategy: &mut dyn hetero_core::strategy::Strategy,
    data: &hetero_core::data::Dataset,
    first: u64,
    generations: u64,
) -> MnistBenchRow {
    use hetero_classify::{currents_from_pixels, draw_minibatch, evaluate, project_batch};
    let (layout, fixed, hidden, inputs) = (&model.layout, &model.fixed, model.shape.hidden, model.shape.inputs);
    let batch = config.data.batch_size.min(data.train_len());
    let steps = config.data.steps;
    let (p, d) = (strategy.population_size(), strategy.dim());
    let mut pop = vec![0.0f32; p * d];
    let (mut x, mut proj, mut idx) = (Vec::new(), aligned_vec::AVec::new(0), vec![0usize; batch]);
    let (mut t_proj, mut t_dyn, mut t_gen) = (Vec::new(), Vec::new(), Vec::new());
    let mut spikes = 0.0;
    for g in first..first + generations {
        let t = Instant::now();
        strategy.ask(g, &mut pop);
        draw_minibatch(config.run.seed, g, data.train_len(), &mut idx);
        currents_from_pixels(&data.train_images, inputs, &idx, &mut x);
        let labels: Vec<u8> = idx.iter().map(|&i| data.train_labels[i]).collect();
        let params = PopulationParams::build(layout, &config.network, fixed, &pop, p);
        let tp = Instant::now();
        let projection = project_batch(&params, &x, batch, &mut proj);
        t_proj.push(tp.elapsed().as_secs_f64());
        let td = Instant::now();
        let scores = evaluate(&params, projection, &labels, steps);
        t_dyn.push(td.elapsed().as_secs_f64());
        strategy.tell(&scores.iter().map(|s| -s.loss()).collect::<Vec<_>>());
        t_gen.push(t.elapsed().as_secs_f64());
        spikes = scores.iter().map(|s| s.hidden_spikes as f64).sum::<f64>() / (p * batch * steps * hidden) as f64;
    }
    let med = |t: &[f64]| t[median_index(t)];
    let neuron_mode = !layout.has_weights();
    let projected = if neuron_mode { 1 } else { p };
    let flop = 2.0 * (batch * inputs * hidden * projected) as f64;
    MnistBenchRow {
        mode: if neuron_mode { "neuron" } else { "weight" }.into(),
        hidden,
        params: layout.paper_parameter_count(),
        projection_s: med(&t_proj),
        projection_gflops: flop / med(&t_proj) / 1e9,
        dynamics_s: med(&t_dyn),
        generation_s: med(&t_gen),
        images_members_per_s: (batch * p) as f64 / med(&t_gen),
        neuron_updates_per_s: (batch * p * steps * hidden) as f64 / med(&t_dyn),
        spikes_per_neuron_step: spikes,
    }
}

/// The 32 τ profiles of the batched reservoir benchmarks (one seed's conditions): lognormal,
/// gamma, log-uniform and homogeneous at several CVs and means, as Paper B's profiles study.
fn bench_profiles(
    kind: hetero_core::network::reservoir::Kind,
    k: usize,
) -> Vec<hetero_core::neuron::heterogeneity::Profile> {
    use hetero_core::neuron::heterogeneity::{Family, Profile};
    let mean = if kind == hetero_core::network::reservoir::Kind::Rate { 5.0 } else { 25.0 };
    let families = [Family::LogNormal, Family::Gamma, Family::LogUniform, Family::Homogeneous];
    (0..k)
        .map(|m| {
            let family = families[m % 4];
            let cv = if family == Family::Homogeneous { 0.0 } else { [1.0, 0.5, 0.25, 2.0][(m / 4) % 4] };
            Profile { family, mean_ms: mean * [1.0, 0.4][(m / 16) % 2], cv }
        })
        .collect()
}

/// The reservoirs of the benchmarks: `k` conditions of seed 0 sharing W (N, p), one input channel.
pub fn bench_reservoirs(
    kind: hetero_core::network::reservoir::Kind,
    n: usize,
    p: f64,
    k: usize,
) -> Vec<hetero_core::network::reservoir::Reservoir> {
    use hetero_core::network::reservoir::{Kind, Reservoir, ReservoirConfig};
    bench_profiles(kind, k)
        .into_iter()
        .map(|prof| {
            let mut c =
                if kind == Kind::Rate { ReservoirConfig::rate(n, prof) } else { ReservoirConfig::spiking(n, prof) };
            c.p_connect = p;
            Reservoir::build(&c, 0).expect("valid config")
        })
        .collect()
}

/// Floating-point operations per condition and input sample, as counted by the benchmark: rate
/// 2·nnz (multiply, add) + 2·N·D (input) + 5·N (leak), tanh not counted; spiking per Euler step
/// 1 per synaptic event + 2·N·D/substeps + 8·N (decays, leak, threshold, filter).
pub fn reservoir_flop_per_sample(r: &hetero_core::network::reservoir::Reservoir, events_per_sample: f64) -> f64 {
    use hetero_core::network::reservoir::Kind;
    let c = &r.config;
    let (n, d) = (c.n as f64, c.inputs as f64);
    match c.kind {
        Kind::Rate => 2.0 * r.nnz as f64 + 2.0 * n * d + 5.0 * n,
        Kind::Spiking => events_per_sample + 2.0 * n * d + 8.0 * n * c.substeps as f64,
    }
}

/// `hetero bench reservoir`: state-collection throughput of the rate and spiking reservoirs at
/// N = 100, 400, 1600 (p = 0.1, sparse kernel; p = 1, dense kernel): one network and K = 8, 32
/// conditions sharing W, one at a time (K = 1 is [`Reservoir::collect`](hetero_core::network::reservoir::Reservoir::collect)) or batched
/// ([`ReservoirBatch`](hetero_core::network::reservoir_batch::ReservoirBatch)), on 1 and on all
/// cores (rate; the spiking network runs on one), plus `32f` (batched with
/// [`tanh_fast`](hetero_core::network::reservoir_batch::tanh_fast), not bit-identical); as
/// condition-neuron-steps/s, GFLOP/s ([`reservoir_flop_per_sample`]) and % of the f64 peak of the
/// cores used; and the time to fit 300 ridge readouts (multi-RHS, 10-value λ grid) on 2000 + 500
/// samples of N = 400 states. Returns printable lines (JSON objects with `json`).
pub fn reservoir(json: bool) -> Vec<String> {
    use crate::analysis::ridge::{fit, LAMBDA_GRID};
    use hetero_core::network::reservoir::{Kind, Recurrent, Reservoir, ReservoirConfig};
    use hetero_core::network::reservoir_batch::ReservoirBatch;
    use hetero_core::neuron::heterogeneity::{Family, Profile};
    use std::sync::atomic::AtomicBool;
    faer::set_global_parallelism(faer::Par::Seq);
    let machine = hetero_core::machine::Machine::detect();
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    // f64 peak of one core: half the f32 lanes.
    let peak = machine.peak_gflops(1).map(|g| g / 2.0);
    let mut lines = Vec::new();
    if !json {
        lines.push("reservoir state collection, seed 0, one white-noise input channel; a neuron-step is one Euler update of one neuron of one condition; K conditions share W, Win, b and the input and differ in τ (lognormal, gamma, log-uniform, homogeneous); `K×1` runs them one at a time (Reservoir::collect), `K` batched (ReservoirBatch, bit-identical per condition), `32f` batched with the vectorised tanh_fast (within 4 ulp, not bit-identical); f64 throughout".to_string());
        lines.push(format!(
            "machine: {}; % peak against the f64 peak of the threads used ({} per core)",
            machine.describe(),
            peak.map_or("unknown".into(), |p| format!("{p:.1} GFLOP/s"))
        ));
        lines.push(format!(
            "{:<8} {:>5} {:>5} {:>7} {:>6} {:>7} {:>8} {:>16} {:>10} {:>7}",
            "network", "N", "p", "kernel", "K", "threads", "samples", "neuron-steps/s", "GFLOP/s", "% peak"
        ));
    }
    for kind in [Kind::Rate, Kind::Spiking] {
        for n in [100usize, 400, 1600] {
            for p in [0.1, 1.0] {
                let members = bench_reservoirs(kind, n, p, 32);
                let r = &members[0];
                let c = &r.config;
                let kernel = match r.recurrent {
                    Recurrent::Dense(_) => "dense",
                    Recurrent::Sparse(_) => "sparse",
                    Recurrent::None => "none",
                };
                // (conditions, batched, fast tanh, threads)
                let mut variants = vec![(1, true, false, 1), (8, false, false, 1), (8, true, false, 1)];
                variants.extend([(32, false, false, 1), (32, true, false, 1)]);
                if kind == Kind::Rate && cores > 1 {
                    variants.extend([(1, true, false, cores), (8, true, false, cores), (32, true, false, cores)]);
                    variants.push((32, true, true, cores));
                }
                for (kk, batched, fast, threads) in variants {
                    // About 2e8 synaptic operations per timing, at least 200 samples.
                    let per_sample = (r.nnz.max(n) * c.substeps * kk) as f64;
                    let samples = ((2e8 / per_sample) as usize).clamp(200, 20000);
                    let u = hetero_core::data::tasks::StimulusKind::White.generate(0, samples);
                    let batch = ReservoirBatch::new(&members[..kk]).expect("shared weights").with_fast_tanh(fast);
                    let keys = vec![0u64; kk];
                    let mut features = vec![0.0; kk * samples * n];
                    let stop = AtomicBool::new(false);
                    let mut times = Vec::new();
                    let mut events = 0u64;
                    for _ in 0..3 {
                        let t = Instant::now();
                        events = 0;
                        if batched {
                            let a = batch.collect_into(&u, &keys, threads, &stop, &mut features).expect("not stopped");
                            events = a.iter().map(|a| a.synaptic_events).sum::<u64>();
                        } else {
                            for m in &members[..kk] {
                                let (_, a) = std::hint::black_box(m.collect(&u, 0));
                                events += a.synaptic_events;
                            }
                        }
                        std::hint::black_box(&features);
                        times.push(t.elapsed().as_secs_f64());
                    }
                    let events = events / kk as u64;
                    let s = times[median_index(&times)];
                    let steps = (samples * n * c.substeps * kk) as f64 / s;
                    let gflops =
                        reservoir_flop_per_sample(r, events as f64 / samples as f64) * (samples * kk) as f64 / s / 1e9;
                    let pct = peak.map(|p| 100.0 * gflops / (p * threads as f64));
                    let label = match (batched, fast) {
                        (false, _) => format!("{kk}×1"),
                        (true, true) => format!("{kk}f"),
                        (true, false) => kk.to_string(),
                    };
                    if json {
                        lines.push(serde_json::json!({"bench": "reservoir", "network": kind.name(), "n": n, "p": p, "kernel": kernel, "conditions": label, "threads": threads, "samples": samples, "neuron_steps_per_s": steps, "samples_per_s": (samples * kk) as f64 / s, "gflops": gflops, "percent_of_peak": pct}).to_string());
                    } else {
                        lines.push(format!(
                            "{:<8} {:>5} {:>5} {:>7} {:>6} {:>7} {:>8} {:>16.3e} {:>10.2} {:>7}",
                            kind.name(),
                            n,
                            p,
                            kernel,
                            label,
                            threads,
                            samples,
                            steps,
                            gflops,
                            pct.map_or("-".into(), |p| format!("{p:.1}"))
                        ));
                    }
                }
            }
        }
    }
    // Readout fit: 300 targets on N = 400 states.
    let (n, t, tv, k) = (400usize, 2000usize, 500usize, 300usize);
    let profile = Profile { family: Family::LogNormal, mean_ms: 5.0, cv: 1.0 };
    let r = Reservoir::build(&ReservoirConfig::rate(n, profile), 0).expect("valid config");
    let u = hetero_core::data::tasks::StimulusKind::White.generate(0, t + tv + 100);
    let (x, _) = r.collect(&u, 0);
    let y: Vec<f64> = (0..(t + tv) * k).map(|i| u[(i / k + 100 - (i % k) % 100).min(t + tv + 99)]).collect();
    let xs = faer::MatRef::from_row_major_slice(&x[100 * n..], t + tv, n);
    let ys = faer::MatRef::from_row_major_slice(&y, t + tv, k);
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        std::hint::black_box(fit(
            xs.subrows(0, t),
            ys.subrows(0, t),
            xs.subrows(t, tv),
            ys.subrows(t, tv),
            &LAMBDA_GRID,
        ));
        times.push(start.elapsed().as_secs_f64());
    }
    let s = times[median_index(&times)];
    if json {
        lines.push(serde_json::json!({"bench": "readout", "n": n, "train": t, "val": tv, "readouts": k, "lambdas": LAMBDA_GRID.len(), "seconds": s}).to_string());
    } else {
        lines.push(String::new());
        lines.push(format!("readout fit: {k} ridge readouts together on N = {n} states, {t} training + {tv} validation samples, {} λ values each: {s:.3} s (median of 3, 1 thread)", LAMBDA_GRID.len()));
    }
    lines
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
    /// Thread time inside `mj_step` during the generation / (threads × wall time): the generation's
    /// throughput relative to a bare `mj_step` loop over the very same trajectories.
    pub physics_share: f64,
    /// Mean thread time per `mj_step` in the generation (µs).
    pub us_per_mj_step: f64,
    /// Mean thread time per `mj_step` in the raw loop (µs): the random-control trajectories of the
    /// raw loop cost a different amount of physics than the policy's.
    pub raw_us_per_mj_step: f64,
    /// `mj_step`/s of a bare loop replaying the first generation's episodes (same initial states,
    /// same actions) on the same threads.
    pub replay_mj_steps_per_s: f64,
    /// physics_steps_per_s / replay_mj_steps_per_s: the generation against raw physics on the
    /// same trajectories.
    pub replay_ratio: f64,
    /// Replayed episodes, and how many ended in exactly the engine's final state.
    pub replayed: usize,
    /// See `replayed`.
    pub replay_matched: usize,
}

/// Why the locomotion benchmark could not run.
#[cfg(feature = "mujoco")]
#[derive(Debug, thiserror::Error)]
pub enum LocomotionBenchError {
    /// The benchmark's configuration (say a population that is not even) is not allowed.
    #[error(transparent)]
    Config(#[from] hetero_core::config::ConfigError),
    /// The robot model could not be loaded.
    #[error(transparent)]
    Model(#[from] hetero_core::env::mujoco::ModelError),
    /// Not a locomotion task.
    #[error(transparent)]
    UnknownEnv(#[from] hetero_core::invalid::InvalidValue),
}

/// Runs the locomotion benchmark on the current rayon pool.
#[cfg(feature = "mujoco")]
pub fn locomotion(name: &str, population: usize, generations: u64) -> Result<LocomotionBench, LocomotionBenchError> {
    use hetero_core::env::mujoco::{Ant, HalfCheetah, Hopper, MujocoEnv, Task, Walker2d};
    fn go<T: Task>(
        env: MujocoEnv<T>,
        population: usize,
        generations: u64,
    ) -> Result<LocomotionBench, LocomotionBenchError> {
        let mut t = ConfigTree::load("halfcheetah")?;
        for set in [
            format!("env.name=\"{}\"", T::NAME),
            "network.hidden=64".into(),
            format!("strategy.population={population}"),
        ] {
            t.set(&set)?;
        }
        let config = t.finish()?;
        let threads = rayon::current_num_threads();
        // The raw loop before and after the generations, averaged, so that drift in the machine's
        // speed during the bench affects both sides alike.
        let raw_before = env.raw_steps_per_s(100_000);
        let (s, steps, _, physics_s) =
            time_generations_probed(&config, &env, generations, &hetero_core::env::mujoco::physics_seconds);
        let raw = 0.5 * (raw_before + env.raw_steps_per_s(100_000));
        // Generation 0 again, its episodes recorded, then replayed in a bare mj_step loop.
        let recorder = Recorder { env: &env, done: Mutex::new(Vec::new()) };
        time_generations(&config, &recorder, 1);
        let episodes = recorder.done.into_inner().unwrap_or_else(|e| e.into_inner());
        let (replay, matched) = env.replay_steps_per_s(&episodes);
        let env_steps_per_s = steps / s;
        let physics = env_steps_per_s * T::FRAME_SKIP as f64;
        let mj_steps = steps * T::FRAME_SKIP as f64;
        Ok(LocomotionBench {
            env: T::NAME.into(),
            population,
            threads,
            s_per_generation: s,
            env_steps_per_s,
            physics_steps_per_s: physics,
            raw_mj_steps_per_s: raw,
            ratio: physics / raw,
            physics_share: physics_s / (threads as f64 * s),
            us_per_mj_step: 1e6 * physics_s / mj_steps,
            raw_us_per_mj_step: 1e6 * threads as f64 / raw,
            replay_mj_steps_per_s: replay,
            replay_ratio: physics / replay,
            replayed: episodes.len(),
            replay_matched: matched,
        })
    }
    match name {
        "halfcheetah" => go(HalfCheetah::new(1000)?, population, generations),
        "hopper" => go(Hopper::new(1000)?, population, generations),
        "walker2d" => go(Walker2d::new(1000)?, population, generations),
        "ant" => go(Ant::new(1000)?, population, generations),
        other => {
            Err(hetero_core::invalid::InvalidValue::new("--env", other, "unknown (halfcheetah, hopper, walker2d, ant)")
                .into())
        }
    }
}

/// An environment that records every finished episode of `env` (initial qpos/qvel, actions, final
/// qpos/qvel), for [`MujocoEnv::replay_steps_per_s`](hetero_core::env::mujoco::MujocoEnv::replay_steps_per_s).
#[cfg(feature = "mujoco")]
struct Recorder<'a, E: Environment> {
    env: &'a E,
    done: Mutex<Vec<hetero_core::env::mujoco::RecordedEpisode>>,
}

/// A state of [`Recorder`]: the wrapped state and the episode so far.
#[cfg(feature = "mujoco")]
#[derive(Clone, PartialEq)]
struct RecordedState<S> {
    inner: S,
    qpos: Vec<f64>,
    qvel: Vec<f64>,
    actions: Vec<f32>,
}

#[cfg(feature = "mujoco")]
impl<E: Environment> Environment for Recorder<'_, E> {
    type State = RecordedState<E::State>;

    fn name(&self) -> &'static str {
        self.env.name()
    }

    fn observation_size(&self) -> usize {
        self.env.observation_size()
    }

    fn action_space(&self) -> hetero_core::env::ActionSpace {
        self.env.action_space()
    }

    fn max_steps(&self) -> usize {
        self.env.max_steps()
    }

    fn reset(&self, rng: &mut rand_chacha::ChaCha8Rng) -> Self::State {
        let inner = self.env.reset(rng);
        let (qpos, qvel) = self.env.initial_qpos_qvel(&inner).unwrap_or_default();
        RecordedState { inner, qpos, qvel, actions: Vec::new() }
    }

    fn observe(&self, state: &Self::State, obs: &mut [f32]) {
        self.env.observe(&state.inner, obs);
    }

    fn step(&self, state: &mut Self::State, action: hetero_core::env::Action<'_>) -> hetero_core::env::Transition {
        if let hetero_core::env::Action::Continuous(a) = action {
            state.actions.extend_from_slice(a);
        }
        let t = self.env.step(&mut state.inner, action);
        if t.terminated || t.truncated {
            let episode = hetero_core::env::mujoco::RecordedEpisode {
                qpos: state.qpos.clone(),
                qvel: state.qvel.clone(),
                actions: std::mem::take(&mut state.actions),
                final_state: self.env.state_values(&state.inner),
            };
            self.done.lock().unwrap_or_else(|e| e.into_inner()).push(episode);
        }
        t
    }

    fn state_values(&self, state: &Self::State) -> Vec<f64> {
        self.env.state_values(&state.inner)
    }
}
