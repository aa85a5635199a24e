//! Paper A §4.1 / Figure 2: bsuite memory_length, reward against memory length L for
//! (a) neuron mode (fixed random weights, τ, v_th, v_rest, R of the hidden neurons searched),
//! (b) weight mode (homogeneous neurons at τ = 20 ms, weights searched), at equal trainable
//!     parameter counts (presets `memory-neuron`, hidden 80, and `memory-weight`, hidden 64: 320 each),
//! (c) the homogeneous-τ sweep: weight mode at τ ∈ {5, 10, 20, 40, 80, 160} ms.
//!
//! Each (L, arm, seed) is one training run of up to `generations` generations that stops early
//! once its centre scores a perfect 1.0 on 100 fresh episodes for 10 generations in a row (unless
//! `early_stop` is off); its centre is then scored on `final_episodes` fresh episodes.
//!
//! Two observations ([`Observation`]): bsuite's (the default) and Paper A's `(c_t, t/N)`. The
//! weight arm's width keeps the parameter counts equal under both: 3-64-2 with bsuite's three
//! inputs, 2-80-2 with the paper's two (320 weights, as the neuron arm's 80 × 4 properties).
//! [`Options::paper`] is Paper A's protocol: 50 repetitions at L ∈ {5, 10, 15, 20, 25, 30, 40, 50},
//! neuron against weight mode at τ = 20 ms, every run the full 1000 generations so that the
//! last generation's population mean ± std (Paper A's measure) is taken at the same point in every
//! run, beside the final centre's reward (ours).
//!
//! A run is reused only when its configuration and evaluation settings equal the job's, continued
//! when only its budget grew, and otherwise rerun from scratch; the progress line says which
//! ([`super::job`]). Outputs in `out`: results.csv,
//! results.md, reward_vs_length.{svg,png}, population_vs_length.{svg,png} (without early stopping),
//! tau_sweep.{svg,png}, `tau_L<L>.{svg,png}` (learned τ of
//! the neuron-mode runs), tau_by_length.{svg,png}, and runs/ with every run's directory.

use super::job::{finish_job, job_key, start_job, JobOrigin, JobStart};
use super::{mean_std, run_jobs, writes_files, JobProgress, Quiet};
use crate::analysis::plot::{self, Chart, Scale, Series};
use hetero_classify::train::train_in_current_pool;
use hetero_core::config::{Config, ConfigTree};
use hetero_core::engine::{RunPaths, TrainError};
use hetero_core::env::memory_chain::Observation;
use hetero_core::env::MemoryChain;
use hetero_core::io::{load_arrays, write_atomic};
use hetero_core::rng::Stream;
use hetero_core::rollout::EpisodeSource;
use hetero_core::rollout::{env_model, genome_returns};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// bsuite's memory_len sweep up to 50 (Paper A's Figure 2 range).
pub const DEFAULT_LENGTHS: &[usize] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 17, 20, 25, 30, 40, 50];
/// Homogeneous time constants of the τ sweep (ms); 20 ms is the weight arm itself.
pub const DEFAULT_TAUS_MS: &[f32] = &[5.0, 10.0, 20.0, 40.0, 80.0, 160.0];
/// The lengths of Paper A's protocol ([`Options::paper`]).
pub const PAPER_LENGTHS: &[usize] = &[5, 10, 15, 20, 25, 30, 40, 50];
/// Searched parameters of every arm: 80 hidden neurons × 4 properties.
pub const PARAMETERS: usize = 320;

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Memory lengths L.
    pub lengths: Vec<usize>,
    /// Seeds 0..seeds per (L, arm).
    pub seeds: u64,
    /// Generation budget per run (Paper A: 1000).
    pub generations: u64,
    /// Homogeneous τ values (ms) of the weight-mode sweep.
    pub taus_ms: Vec<f32>,
    /// Episodes of each run's final centre evaluation.
    pub final_episodes: usize,
    /// bsuite's observation or Paper A's.
    pub observation: Observation,
    /// Stop a run once its centre is perfect for 10 generations (off: every run uses the budget).
    pub early_stop: bool,
    /// Each run's result is its best centre, not its last (`run.keep_best`).
    pub keep_best: bool,
    /// `key=value` overrides of the neuron arm only (the settings chosen on held-out seeds).
    pub neuron_overrides: Vec<String>,
    /// Output folder.
    pub out: PathBuf,
}

impl Options {
    /// The default sweep: every length, 5 seeds, 1000 generations, six τ values.
    pub fn full(out: PathBuf) -> Self {
        Self {
            lengths: DEFAULT_LENGTHS.to_vec(),
            seeds: 5,
            generations: 1000,
            taus_ms: DEFAULT_TAUS_MS.to_vec(),
            final_episodes: 1000,
            observation: Observation::Bsuite,
            early_stop: true,
            keep_best: false,
            neuron_overrides: Vec::new(),
            out,
        }
    }

    /// Paper A's protocol: 50 seeds at [`PAPER_LENGTHS`], neuron mode against weight mode at
    /// τ = 20 ms, 1000 generations without early stopping, each run's best centre as its result
    /// (`run.keep_best`, both arms); `observation` is left to the caller.
    pub fn paper(out: PathBuf, observation: Observation) -> Self {
        Self {
            lengths: PAPER_LENGTHS.to_vec(),
            seeds: 50,
            generations: 1000,
            taus_ms: vec![20.0],
            final_episodes: 1000,
            observation,
            early_stop: false,
            keep_best: true,
            neuron_overrides: Vec::new(),
            out,
        }
    }

    /// A reduced sweep for smoke tests (a few minutes on 2 cores).
    pub fn quick(out: PathBuf) -> Self {
        Self {
            lengths: vec![1, 3, 5, 10],
            seeds: 2,
            generations: 200,
            taus_ms: vec![5.0, 20.0, 80.0],
            final_episodes: 200,
            observation: Observation::Bsuite,
            early_stop: true,
            keep_best: false,
            neuron_overrides: Vec::new(),
            out,
        }
    }
}

/// One arm of the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    /// `neuron`, or `weight-tau<τ>`.
    pub name: String,
    /// neuron | weight.
    pub mode: &'static str,
    /// The homogeneous τ (ms) of weight mode, or the neuron mode's initial τ.
    pub tau_ms: f32,
}

/// One row of results.csv.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ResultRow {
    /// Memory length L.
    pub length: usize,
    /// Arm name.
    pub arm: String,
    /// neuron | weight.
    pub mode: String,
    /// τ (ms): the homogeneous value in weight mode, the initial value in neuron mode.
    pub tau_ms: f32,
    /// Seed.
    pub seed: u64,
    /// Mean reward of the final centre over `final_episodes` fresh episodes.
    pub centre_reward: f64,
    /// Population mean reward in the last generation (Paper A's figure).
    pub population_mean: f64,
    /// Population std in the last generation.
    pub population_std: f64,
    /// Generations run (fewer than the budget when the run stopped early).
    pub generations_used: u64,
    /// First generation whose centre reached 0.9 on its 100-episode evaluation.
    pub first_solved_generation: Option<u64>,
    /// Searched parameters (equal in both arms).
    pub parameters: usize,
}

/// The arms for a τ list: neuron mode, then weight mode at each τ.
pub fn arms(taus_ms: &[f32]) -> Vec<Arm> {
    let mut arms = vec![Arm { name: "neuron".into(), mode: "neuron", tau_ms: 20.0 }];
    for &tau in taus_ms {
        arms.push(Arm { name: format!("weight-tau{tau}"), mode: "weight", tau_ms: tau });
    }
    arms
}

/// The configuration of one run of the default sweep (early stopping, bsuite's observation).
pub fn job_config(length: usize, arm: &Arm, seed: u64, generations: u64) -> Result<Config, TrainError> {
    let settings = RunSettings {
        generations,
        observation: Observation::Bsuite,
        early_stop: true,
        keep_best: false,
        neuron_overrides: Vec::new(),
    };
    sweep_job_config(length, arm, seed, &settings)
}

/// What every run of a sweep shares besides its (L, arm, seed).
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// Generation budget.
    pub generations: u64,
    /// bsuite's observation or Paper A's.
    pub observation: Observation,
    /// Stop once the centre is perfect on 100 fresh episodes for 10 generations in a row.
    pub early_stop: bool,
    /// `run.keep_best`.
    pub keep_best: bool,
    /// `key=value` overrides of the neuron arm, applied last.
    pub neuron_overrides: Vec<String>,
}

impl Options {
    /// The settings every run of this sweep shares.
    pub fn run_settings(&self) -> RunSettings {
        RunSettings {
            generations: self.generations,
            observation: self.observation,
            early_stop: self.early_stop,
            keep_best: self.keep_best,
            neuron_overrides: self.neuron_overrides.clone(),
        }
    }
}

/// The configuration of one run of a sweep.
pub fn sweep_job_config(length: usize, arm: &Arm, seed: u64, settings: &RunSettings) -> Result<Config, TrainError> {
    let RunSettings { generations, observation, early_stop, keep_best, .. } = *settings;
    let preset = if arm.mode == "neuron" { "memory-neuron" } else { "memory-weight" };
    let mut t = ConfigTree::load(preset).map_err(|e| TrainError::Config(e.to_string()))?;
    let mut sets = vec![
        format!("env.memory_length={length}"),
        format!("run.seed={seed}"),
        format!("run.generations={generations}"),
        format!("run.checkpoint_every={}", generations.min(100)),
    ];
    if early_stop {
        sets.extend(["run.stop_fitness=1.0".to_string(), "run.stop_patience=10".to_string()]);
    }
    sets.extend(["run.plots=false".to_string(), format!("network.tau_ms={}", arm.tau_ms)]);
    if keep_best {
        sets.push("run.keep_best=true".into());
    }
    if arm.mode == "neuron" {
        sets.extend(settings.neuron_overrides.iter().cloned());
    }
    if observation != Observation::Bsuite {
        sets.push(format!("env.observation={}", observation.name()));
        if arm.mode == "weight" {
            // 2 inputs + 2 outputs: 320 weights at 80 hidden, as the neuron arm's 80 × 4.
            sets.push(format!("network.hidden={}", PARAMETERS / 4));
        }
    }
    for set in sets {
        t.set(&set).map_err(|e| TrainError::Config(e.to_string()))?;
    }
    t.finish().map_err(|e| TrainError::Config(e.to_string()))
}

fn job_dir(out: &Path, length: usize, arm: &Arm, seed: u64) -> PathBuf {
    out.join("runs").join(format!("L{length:02}-{}-s{seed}", arm.name))
}

/// Runs (or continues, or reuses) one job and returns its row ([`super::job`]).
fn run_job(opts: &Options, length: usize, arm: &Arm, seed: u64) -> Result<(ResultRow, JobOrigin), TrainError> {
    let dir = job_dir(&opts.out, length, arm, seed);
    let config = sweep_job_config(length, arm, seed, &opts.run_settings())?;
    let key = job_key(&config.to_toml(), &[("final_episodes", opts.final_episodes.to_string())]);
    let (resume, origin) = match start_job::<ResultRow>(&dir, Some(&config), &key)? {
        JobStart::Reused(row) => return Ok((row, JobOrigin::Reused)),
        JobStart::Train { resume, origin } => (resume, origin),
    };
    let summary = train_in_current_pool(&config, &dir, resume, &mut [&mut Quiet])?;
    let env = MemoryChain::new(length, 1, config.env.max_steps).with_observation(opts.observation);
    let model = env_model(&config, &env);
    let source = EpisodeSource { seed, stream: Stream::Evaluation, generation: 0 };
    let returns = genome_returns(&config, &model, &env, &summary.centre, opts.final_episodes, source, None);
    let row = ResultRow {
        length,
        arm: arm.name.clone(),
        mode: arm.mode.into(),
        tau_ms: arm.tau_ms,
        seed,
        centre_reward: returns.iter().sum::<f64>() / returns.len() as f64,
        population_mean: summary.last_fitness_mean,
        population_std: summary.last_fitness_std,
        generations_used: summary.generations,
        first_solved_generation: summary.first_solved_generation,
        parameters: summary.parameter_count,
    };
    finish_job(&dir, &key, &row)?;
    Ok((row, origin))
}

/// Runs the whole sweep on the current rayon pool and writes every output; returns the rows.
pub fn run(opts: &Options) -> Result<Vec<ResultRow>, TrainError> {
    if writes_files() {
        std::fs::create_dir_all(&opts.out).map_err(|e| hetero_core::io::IoError::Os {
            path: opts.out.display().to_string(),
            message: e.to_string(),
        })?;
    }
    let arms = arms(&opts.taus_ms);
    // Longest episodes first, so the slowest jobs do not start last.
    let mut jobs: Vec<(usize, Arm, u64)> = Vec::new();
    let mut lengths = opts.lengths.clone();
    lengths.sort_unstable_by(|a, b| b.cmp(a));
    for &l in &lengths {
        for arm in &arms {
            for seed in 0..opts.seeds {
                jobs.push((l, arm.clone(), seed));
            }
        }
    }
    let progress = JobProgress::new(jobs.len(), "memory-length");
    let rows: Result<Vec<ResultRow>, TrainError> = run_jobs(&jobs, |(l, arm, seed)| {
        let (row, origin) = run_job(opts, *l, arm, *seed)?;
        let note = origin.note();
        progress.finished(&format!(
            "L={l} {} seed {seed}: centre {:.3} after {} generations{note}",
            arm.name, row.centre_reward, row.generations_used
        ));
        Ok(row)
    })
    .into_iter()
    .collect();
    progress.finish();
    let mut rows = rows?;
    rows.sort_by_key(|r| (r.length, arm_order(&arms, &r.arm), r.seed));
    if writes_files() {
        write_outputs(opts, &arms, &rows)?;
    }
    Ok(rows)
}

fn arm_order(arms: &[Arm], name: &str) -> usize {
    arms.iter().position(|a| a.name == name).unwrap_or(usize::MAX)
}

/// Writes results.csv, results.md and the figures from `rows`.
pub fn write_outputs(opts: &Options, arms: &[Arm], rows: &[ResultRow]) -> Result<(), TrainError> {
    let out = &opts.out;
    let mut csv = String::from("length,arm,mode,tau_ms,seed,centre_reward,population_mean,population_std,generations_used,first_solved_generation,parameters\n");
    for r in rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{}",
            r.length,
            r.arm,
            r.mode,
            r.tau_ms,
            r.seed,
            r.centre_reward,
            r.population_mean,
            r.population_std,
            r.generations_used,
            r.first_solved_generation.map_or(String::new(), |g| g.to_string()),
            r.parameters
        );
    }
    write_atomic(&out.join("results.csv"), csv.as_bytes())?;

    let cell = |l: usize, arm: &str, f: fn(&ResultRow) -> f64| -> (f64, f64) {
        let v: Vec<f64> = rows.iter().filter(|r| r.length == l && r.arm == arm).map(f).collect();
        mean_std(&v)
    };
    let mut lengths: Vec<usize> = rows.iter().map(|r| r.length).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let seeds = rows.iter().map(|r| r.seed).max().map_or(0, |s| s + 1);
    let table = |value: &dyn Fn(usize, &Arm) -> String| -> String {
        let mut t = String::from("| L |");
        for a in arms {
            let _ = write!(t, " {} |", a.name);
        }
        t.push_str("\n|---|");
        t.push_str(&"---|".repeat(arms.len()));
        t.push('\n');
        for &l in &lengths {
            let _ = write!(t, "| {l} |");
            for a in arms {
                let _ = write!(t, " {} |", value(l, a));
            }
            t.push('\n');
        }
        t
    };
    let mut md = String::new();
    if opts.observation != Observation::Bsuite
        || !opts.early_stop
        || opts.keep_best
        || !opts.neuron_overrides.is_empty()
    {
        let _ = write!(
            md,
            "Observation: {}. Early stopping: {}. Result of a run: its {} centre.{}\n\n",
            match opts.observation {
                Observation::Bsuite => "bsuite's `[1 − t/L, query, context]`",
                Observation::Paper => "Paper A's `(c_t, t/N)`",
            },
            if opts.early_stop { "on" } else { "off (every run uses the whole budget)" },
            if opts.keep_best { "best (`run.keep_best`)" } else { "last" },
            if opts.neuron_overrides.is_empty() {
                String::new()
            } else {
                format!(" Neuron arm also: `{}`.", opts.neuron_overrides.join("`, `"))
            }
        );
    }
    let _ = write!(
        md,
        "Centre reward (mean ± std over {seeds} seeds; each centre scored on {} fresh episodes) after at most {} generations. \
         `neuron`: fixed random weights, hidden properties searched; `weight-tauT`: homogeneous neurons with τ = T ms, weights searched. \
         {} searched parameters in every arm.\n\n",
        opts.final_episodes,
        opts.generations,
        rows.first().map_or(0, |r| r.parameters)
    );
    md.push_str(&table(&|l, a| {
        let (m, s) = cell(l, &a.name, |r| r.centre_reward);
        format!("{m:.2} ± {s:.2}")
    }));
    md.push_str("\nPopulation mean reward in the last generation (Paper A's measure) and generations used, mean over seeds:\n\n");
    md.push_str(&table(&|l, a| {
        let (m, _) = cell(l, &a.name, |r| r.population_mean);
        let (g, _) = cell(l, &a.name, |r| r.generations_used as f64);
        format!("{m:.2} ({g:.0} gen)")
    }));
    if !opts.early_stop {
        md.push_str(
            "\nPopulation mean ± std over seeds of the last generation's population mean (Paper A's figure):\n\n",
        );
        md.push_str(&table(&|l, a| {
            let (m, s) = cell(l, &a.name, |r| r.population_mean);
            format!("{m:.2} ± {s:.2}")
        }));
        md.push_str("\nSeeds whose final centre reaches 0.9:\n\n");
        md.push_str(&table(&|l, a| {
            let runs: Vec<&ResultRow> = rows.iter().filter(|r| r.length == l && r.arm == a.name).collect();
            format!("{}/{}", runs.iter().filter(|r| r.centre_reward >= 0.9).count(), runs.len())
        }));
    }
    write_atomic(&out.join("results.md"), md.as_bytes())?;

    let series_of = |arm: &Arm, label: String, measure: fn(&ResultRow) -> f64| -> Series {
        let stats: Vec<(f64, (f64, f64))> = lengths.iter().map(|&l| (l as f64, cell(l, &arm.name, measure))).collect();
        Series {
            name: label,
            points: stats.iter().map(|(l, (m, _))| (*l, *m)).collect(),
            band: Some(stats.iter().map(|(_, (m, s))| (m - s, m + s)).collect()),
        }
    };
    let series = |arm: &Arm, label: String| series_of(arm, label, |r| r.centre_reward);
    let plot_err = |e: plot::PlotError| TrainError::Config(e.to_string());
    let neuron = arms.iter().find(|a| a.mode == "neuron");
    let weight20 = arms.iter().find(|a| a.mode == "weight" && a.tau_ms == 20.0);
    let mut main = Vec::new();
    if let Some(a) = neuron {
        main.push(series(a, "neuron mode (random weights, heterogeneous neurons)".into()));
    }
    if let Some(a) = weight20 {
        main.push(series(a, "weight mode (homogeneous neurons, τ = 20 ms)".into()));
    }
    let observation = match opts.observation {
        Observation::Bsuite => "bsuite memory_length",
        Observation::Paper => "Paper A's observation (c_t, t/N)",
    };
    let title = format!("{observation}: centre reward vs memory length");
    let chart = Chart { title: &title, x_label: "memory length L", y_label: "reward", x_scale: Scale::Linear };
    plot::line_chart(&out.join("reward_vs_length"), &chart, &main).map_err(plot_err)?;
    if !opts.early_stop {
        // Paper A's Figure 2 measure: the last generation's population mean, mean ± std over seeds
        // (only without early stopping, where every run's last generation is generation G).
        let mut population = Vec::new();
        if let Some(a) = neuron {
            population.push(series_of(a, "neuron mode".into(), |r| r.population_mean));
        }
        if let Some(a) = weight20 {
            population.push(series_of(a, "weight mode, τ = 20 ms".into(), |r| r.population_mean));
        }
        let title = format!("{observation}: population mean, last generation");
        let chart = Chart { title: &title, x_label: "memory length L", y_label: "reward", x_scale: Scale::Linear };
        plot::line_chart(&out.join("population_vs_length"), &chart, &population).map_err(plot_err)?;
    }
    let sweep: Vec<Series> = arms
        .iter()
        .map(|a| {
            series(
                a,
                if a.mode == "neuron" { "neuron mode".into() } else { format!("weight mode, τ = {} ms", a.tau_ms) },
            )
        })
        .collect();
    let chart = Chart {
        title: "Homogeneous τ sweep (weight mode) vs neuron mode",
        x_label: "memory length L",
        y_label: "reward",
        x_scale: Scale::Linear,
    };
    plot::line_chart(&out.join("tau_sweep"), &chart, &sweep).map_err(plot_err)?;

    // Learned τ of the neuron-mode runs, pooled over seeds, per length.
    if let Some(arm) = neuron {
        let mut by_length = Vec::new();
        for &l in &lengths {
            let mut taus = Vec::new();
            for seed in 0..seeds {
                let p = RunPaths::new(&job_dir(out, l, arm, seed)).params;
                if let Ok((arrays, _)) = load_arrays(&p) {
                    if let Some(t) = arrays.get("hidden.tau_ms") {
                        taus.extend(t.to_f64());
                    }
                }
            }
            if taus.is_empty() {
                continue;
            }
            let title = format!("Learned τ, neuron mode, L = {l}");
            let chart = Chart { title: &title, x_label: "τ (ms)", y_label: "count", x_scale: Scale::Linear };
            plot::histogram(
                &out.join(format!("tau_L{l:02}")),
                &chart,
                &[(format!("L = {l}"), taus.clone())],
                40,
                false,
                &[],
            )
            .map_err(plot_err)?;
            by_length.push((l, taus));
        }
        let pick: Vec<(String, Vec<f64>)> =
            pick_spread(&by_length, 4).into_iter().map(|(l, t)| (format!("L = {l}"), t)).collect();
        if !pick.is_empty() {
            let chart = Chart {
                title: "Learned τ by memory length (neuron mode)",
                x_label: "τ (ms)",
                y_label: "density",
                x_scale: Scale::Linear,
            };
            plot::histogram(&out.join("tau_by_length"), &chart, &pick, 40, true, &[]).map_err(plot_err)?;
        }
    }
    Ok(())
}

/// Up to `k` entries spread evenly over the list (first and last included).
fn pick_spread<T: Clone>(items: &[(usize, T)], k: usize) -> Vec<(usize, T)> {
    if items.len() <= k {
        return items.to_vec();
    }
    (0..k).map(|i| items[i * (items.len() - 1) / (k - 1)].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arms_have_equal_parameter_counts() {
        let env = MemoryChain::new(5, 1, 1000);
        let counts: Vec<usize> = arms(&[5.0, 20.0])
            .iter()
            .map(|a| {
                let c = job_config(5, a, 0, 10).unwrap();
                env_model(&c, &env).layout.parameter_count()
            })
            .collect();
        assert!(counts.iter().all(|&c| c == 320), "{counts:?}");
    }

    #[test]
    fn tau_equal_to_dt_is_a_memoryless_weight_arm() {
        let c = job_config(3, &Arm { name: "w".into(), mode: "weight", tau_ms: 5.0 }, 0, 10).unwrap();
        let env = MemoryChain::new(3, 1, 1000);
        let m = env_model(&c, &env);
        let arrays = m.layout.named_arrays(&m.layout.initial_centre(&c.network, &m.fixed), &c.network, &m.fixed);
        let tau = &arrays.iter().find(|a| a.0 == "hidden.tau_ms").unwrap().2;
        assert!(tau.iter().all(|&t| t == 5.0));
    }

    #[test]
    fn pick_spread_keeps_ends() {
        let items: Vec<(usize, ())> = (1..=10).map(|i| (i, ())).collect();
        let picked: Vec<usize> = pick_spread(&items, 4).iter().map(|p| p.0).collect();
        assert_eq!(picked, vec![1, 4, 7, 10]);
    }
}
