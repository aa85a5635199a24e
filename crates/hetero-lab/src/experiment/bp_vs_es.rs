//! Paper A §4.6 / Figure 7 / Table 5: backpropagation (REINFORCE with BPTT and a surrogate) versus
//! ES (PGPE) on CartPole-v1 at max steps 100/200/500/1000, for neuron mode (random fixed weights,
//! hidden neurons trained) and weight mode (homogeneous neurons, weights trained), at equal episode
//! budgets: ES pop 128 × 30 generations = 3840 episodes, BP 3840 episodes.
//!
//! Score of a run: the final policy's mean return over 10 fresh episodes with greedy (argmax)
//! actions, for both methods (ES: the centre). Outputs in `out`: results.csv, results.md (beside
//! Table 5's lr = 3e-2 column), reward_vs_max_steps.{svg,png}, and pre_reset_u.{svg,png}: the
//! hidden layer's pre-reset potentials u over four episodes of the trained weight-mode BP policy
//! (Fig. 8; the paper reports u reaching ≈ 5 ≫ v_th = 0.5).

use super::{mean_std, run_jobs, writes_files, JobProgress, Quiet};
use crate::analysis::plot::{self, Chart, Scale, Series};
use hetero_classify::train::train_in_current_pool;
use hetero_core::config::ConfigTree;
use hetero_core::engine::TrainError;
use hetero_core::env::{Action, CartPole, Environment};
use hetero_core::gradient::bptt::{Jacobian, Tape};
use hetero_core::gradient::reinforce::{self, initial_params, ReinforceConfig};
use hetero_core::gradient::Surrogate;
use hetero_core::io::write_atomic;
use hetero_core::network::{GenomeMode, NetworkConfig, NetworkShape};
use hetero_core::rng::{stream_rng, Stream};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Paper A Table 5, lr = 3e-2 column (= Table 6, ATan α = 2): (arm, [100, 200, 500, 1000]).
pub const PAPER_TABLE5: &[(&str, [f64; 4])] =
    &[("weight-bp", [81.2, 127.3, 183.7, 190.7]), ("neuron-bp", [55.3, 62.3, 63.5, 76.4])];

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// CartPole step limits.
    pub max_steps: Vec<usize>,
    /// Seeds per (arm, max steps).
    pub seeds: u64,
    /// BP learning rate (Adam).
    pub lr: f64,
    /// BP surrogate.
    pub surrogate: Surrogate,
    /// BP recurrent Jacobian.
    pub jacobian: Jacobian,
    /// Hidden width.
    pub hidden: usize,
    /// ES population (episodes per generation).
    pub es_population: usize,
    /// ES generations; BP gets population × generations episodes.
    pub es_generations: u64,
    /// Output folder.
    pub out: PathBuf,
}

impl Options {
    /// The default study: 20 seeds (Paper A used 100; `--seeds 100` works).
    pub fn full(out: PathBuf) -> Self {
        Self {
            max_steps: vec![100, 200, 500, 1000],
            seeds: 20,
            lr: 3e-2,
            surrogate: Surrogate::DEFAULT,
            jacobian: Jacobian::WithReset,
            hidden: 64,
            es_population: 128,
            es_generations: 30,
            out,
        }
    }

    /// A smoke test: horizons 100 and 200, 2 seeds, ES with 8 members × 10 generations.
    pub fn quick(out: PathBuf) -> Self {
        Self { max_steps: vec![100, 200], seeds: 2, es_population: 8, es_generations: 10, ..Self::full(out) }
    }
}

/// One row of results.csv.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResultRow {
    /// neuron-bp | weight-bp | neuron-es | weight-es.
    pub arm: String,
    /// Step limit.
    pub max_steps: usize,
    /// Seed.
    pub seed: u64,
    /// Greedy return of the final policy over 10 fresh episodes.
    pub score: f64,
    /// Mean return of the last 10 % of training episodes (BP: sampled actions; ES: last generation's population).
    pub training_tail: f64,
    /// BP updates skipped for non-finite gradients.
    pub skipped_updates: usize,
    /// Episodes used.
    pub episodes: usize,
}

const ARMS: [&str; 4] = ["neuron-bp", "weight-bp", "neuron-es", "weight-es"];

fn run_job(opts: &Options, arm: &str, max_steps: usize, seed: u64) -> Result<ResultRow, TrainError> {
    let env = CartPole::new(max_steps);
    let mode = if arm.starts_with("neuron") { GenomeMode::Neuron } else { GenomeMode::Weight };
    let episodes = opts.es_population * opts.es_generations as usize;
    if arm.ends_with("bp") {
        let shape = NetworkShape { inputs: 4, hidden: opts.hidden, outputs: 2 };
        let p = initial_params(shape, &NetworkConfig { hidden: opts.hidden, ..Default::default() }, seed);
        let cfg = ReinforceConfig { episodes, lr: opts.lr, surrogate: opts.surrogate, jacobian: opts.jacobian, mode };
        let run = reinforce::train(&env, p, cfg, seed);
        let tail = &run.episode_returns[episodes - (episodes / 10).max(1)..];
        return Ok(ResultRow {
            arm: arm.into(),
            max_steps,
            seed,
            score: reinforce::evaluate_greedy(&env, &run.params, 10, seed),
            training_tail: tail.iter().sum::<f64>() / tail.len() as f64,
            skipped_updates: run.skipped_updates,
            episodes,
        });
    }
    let preset = if mode == GenomeMode::Neuron { "cartpole" } else { "cartpole-weight" };
    let mut t = ConfigTree::load(preset).map_err(|e| TrainError::Config(e.to_string()))?;
    for s in [
        format!("env.max_steps={max_steps}"),
        format!("strategy.population={}", opts.es_population),
        format!("run.generations={}", opts.es_generations),
        format!("run.checkpoint_every={}", opts.es_generations),
        format!("run.seed={seed}"),
        format!("network.hidden={}", opts.hidden),
        "run.plots=false".into(),
    ] {
        t.set(&s).map_err(|e| TrainError::Config(e.to_string()))?;
    }
    let config = t.finish().map_err(|e| TrainError::Config(e.to_string()))?;
    let dir = opts.out.join("runs").join(format!("{arm}-m{max_steps}-s{seed}"));
    if writes_files() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let summary = train_in_current_pool(&config, &dir, false, &mut [&mut Quiet])?;
    Ok(ResultRow {
        arm: arm.into(),
        max_steps,
        seed,
        score: summary.final_centre_fitness,
        training_tail: summary.last_fitness_mean,
        skipped_updates: 0,
        episodes,
    })
}

/// Runs the study on the current pool and writes every output.
pub fn run(opts: &Options) -> Result<Vec<ResultRow>, TrainError> {
    if writes_files() {
        std::fs::create_dir_all(&opts.out).map_err(|e| hetero_core::io::IoError::Os {
            path: opts.out.display().to_string(),
            message: e.to_string(),
        })?;
    }
    let mut jobs = Vec::new();
    for &m in opts.max_steps.iter().rev() {
        for arm in ARMS {
            for seed in 0..opts.seeds {
                jobs.push((arm, m, seed));
            }
        }
    }
    let progress = JobProgress::new(jobs.len(), "bp-vs-es");
    let rows: Result<Vec<ResultRow>, TrainError> = run_jobs(&jobs, |&(arm, m, seed)| {
        let row = run_job(opts, arm, m, seed)?;
        progress.finished(&format!("{arm} max_steps {m} seed {seed}: score {:.1}", row.score));
        Ok(row)
    })
    .into_iter()
    .collect();
    progress.finish();
    let mut rows = rows?;
    rows.sort_by_key(|r| (ARMS.iter().position(|a| *a == r.arm), r.max_steps, r.seed));
    if writes_files() {
        write_outputs(opts, &rows)?;
    }
    Ok(rows)
}

fn write_outputs(opts: &Options, rows: &[ResultRow]) -> Result<(), TrainError> {
    let out = &opts.out;
    let mut csv = String::from("arm,max_steps,seed,score,training_tail,skipped_updates,episodes\n");
    for r in rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{}",
            r.arm, r.max_steps, r.seed, r.score, r.training_tail, r.skipped_updates, r.episodes
        );
    }
    write_atomic(&out.join("results.csv"), csv.as_bytes())?;
    let stat = |arm: &str, m: usize| -> (f64, f64) {
        let v: Vec<f64> = rows.iter().filter(|r| r.arm == arm && r.max_steps == m).map(|r| r.score).collect();
        mean_std(&v)
    };
    let seeds = rows.iter().map(|r| r.seed).max().map_or(0, |s| s + 1);
    let mut md = format!(
        "Greedy return of the final policy (10 episodes), mean ± std over {seeds} seeds; {} episodes per run; BP: REINFORCE, Adam lr {}, {:?}, {:?} Jacobian. Paper A Table 5 (lr 3e-2) in brackets.\n\n| arm |",
        opts.es_population * opts.es_generations as usize,
        opts.lr,
        opts.surrogate,
        opts.jacobian
    );
    for m in &opts.max_steps {
        let _ = write!(md, " {m} |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(opts.max_steps.len()));
    md.push('\n');
    for arm in ARMS {
        let _ = write!(md, "| {arm} |");
        let paper = PAPER_TABLE5.iter().find(|(a, _)| *a == arm).map(|p| p.1);
        for (i, &m) in opts.max_steps.iter().enumerate() {
            let (mean, std) = stat(arm, m);
            let p = match (paper, [100, 200, 500, 1000].iter().position(|&x| x == m)) {
                (Some(v), Some(j)) if i < 4 => format!(" [{}]", v[j]),
                _ => String::new(),
            };
            let _ = write!(md, " {mean:.1} ± {std:.1}{p} |");
        }
        md.push('\n');
    }
    let skipped: usize = rows.iter().map(|r| r.skipped_updates).sum();
    let _ = writeln!(md, "\nBP updates skipped for non-finite gradients: {skipped}.");
    write_atomic(&out.join("results.md"), md.as_bytes())?;

    let series: Vec<Series> = ARMS
        .iter()
        .map(|arm| {
            let stats: Vec<(f64, (f64, f64))> = opts.max_steps.iter().map(|&m| (m as f64, stat(arm, m))).collect();
            Series {
                name: (*arm).into(),
                points: stats.iter().map(|(m, (a, _))| (*m, *a)).collect(),
                band: Some(stats.iter().map(|(_, (a, s))| (a - s, a + s)).collect()),
            }
        })
        .collect();
    let plot_err = |e: plot::PlotError| TrainError::Config(e.to_string());
    let chart = Chart {
        title: "CartPole: BP (REINFORCE) vs ES (PGPE), equal episodes",
        x_label: "max steps",
        y_label: "greedy return",
        x_scale: Scale::Log10,
    };
    plot::line_chart(&out.join("reward_vs_max_steps"), &chart, &series).map_err(plot_err)?;

    // Fig. 8: pre-reset potentials of a trained weight-mode BP policy (seed 0, largest max steps).
    if let Some(&m) = opts.max_steps.iter().max() {
        let env = CartPole::new(m);
        let shape = NetworkShape { inputs: 4, hidden: opts.hidden, outputs: 2 };
        let p = initial_params(shape, &NetworkConfig { hidden: opts.hidden, ..Default::default() }, 0);
        let cfg = ReinforceConfig {
            episodes: opts.es_population * opts.es_generations as usize,
            lr: opts.lr,
            surrogate: opts.surrogate,
            jacobian: opts.jacobian,
            mode: GenomeMode::Weight,
        };
        let run = reinforce::train(&env, p, cfg, 0);
        let mut u = Vec::new();
        let mut tape = Tape::with_capacity(&run.params, m);
        let (mut obs, mut x) = (vec![0.0f32; 4], vec![0.0f64; 4]);
        for e in 0..4u64 {
            let mut state = env.reset(&mut stream_rng(0, Stream::Evaluation, [1, e, 0]));
            tape.begin(&run.params);
            loop {
                env.observe(&state, &mut obs);
                for (xi, &o) in x.iter_mut().zip(&obs) {
                    *xi = o as f64;
                }
                let v = tape.step(&run.params, &x, opts.surrogate);
                let a = if v[1] > v[0] { 1 } else { 0 };
                if env.step(&mut state, Action::Discrete(a)).done() {
                    break;
                }
            }
            u.extend_from_slice(tape.pre_reset_potentials());
        }
        let max_u = u.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let title = format!("Pre-reset potentials u, trained weight-mode BP policy (max u = {max_u:.2}, v_th = 0.5)");
        let chart = Chart { title: &title, x_label: "u", y_label: "count", x_scale: Scale::Linear };
        plot::histogram(&out.join("pre_reset_u"), &chart, &[("u over 4 episodes".into(), u)], 60, false, &[])
            .map_err(plot_err)?;
    }
    Ok(())
}
