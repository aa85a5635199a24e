//! Paper A §4.2 / Figure 3: reward against the number of trainable parameters on the locomotion
//! tasks, neuron mode (fixed random weights, the four properties of H hidden neurons searched:
//! 4H parameters) against weight mode (homogeneous neurons, all in·H + H·out weights searched).
//! For a budget P, neuron mode uses H = ⌊P/4⌋ and weight mode H = ⌊P/(in + out)⌋ (at least 1), so
//! both search about P parameters. Each run's final centre is scored on `final_episodes` fresh
//! episodes (observations normalised with the run's saved statistics).
//!
//! Outputs in `out`: results.csv, results.md, reward_vs_params.{svg,png} (log x, mean ± std over
//! seeds per task and mode), and runs/.

use super::ablation::evaluate_config;
use super::job::{finish_job, job_key, start_job, JobOrigin, JobStart};
use super::{mean_std, run_jobs, writes_files, JobProgress, Quiet};
use crate::analysis::plot::{self, Chart, Scale, Series};
use hetero_classify::train::train_in_current_pool;
use hetero_core::config::{Config, ConfigTree};
use hetero_core::engine::{RunPaths, TrainError};
use hetero_core::env::obs_norm::load_obs_norm;
use hetero_core::io::{load_arrays, write_atomic, IoError};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Default budgets (trainable parameters).
pub const DEFAULT_SIZES: &[usize] = &[256, 1024, 4096, 16_384];

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Tasks.
    pub envs: Vec<String>,
    /// Parameter budgets.
    pub sizes: Vec<usize>,
    /// Seeds per (task, size, mode) (Paper A: 5).
    pub seeds: u64,
    /// Generations per run (Paper A: 1000).
    pub generations: u64,
    /// PGPE population.
    pub population: usize,
    /// Episode step limit.
    pub max_steps: usize,
    /// Episodes of each final centre evaluation.
    pub final_episodes: usize,
    /// Output folder.
    pub out: PathBuf,
}

impl Options {
    /// Paper A's setting.
    pub fn full(envs: Vec<String>, out: PathBuf) -> Self {
        Self {
            envs,
            sizes: DEFAULT_SIZES.to_vec(),
            seeds: 5,
            generations: 1000,
            population: 256,
            max_steps: 1000,
            final_episodes: 10,
            out,
        }
    }

    /// A smoke test (seconds).
    pub fn quick(envs: Vec<String>, out: PathBuf) -> Self {
        Self {
            envs,
            sizes: vec![32, 128],
            seeds: 1,
            generations: 2,
            population: 8,
            max_steps: 50,
            final_episodes: 2,
            out,
        }
    }
}

/// One row of results.csv.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ResultRow {
    /// Task.
    pub env: String,
    /// neuron | weight.
    pub mode: String,
    /// Budget P.
    pub budget: usize,
    /// Parameters actually searched.
    pub parameters: usize,
    /// Hidden width.
    pub hidden: usize,
    /// Seed.
    pub seed: u64,
    /// Final centre's mean return.
    pub centre_reward: f64,
    /// Population mean return of the last generation.
    pub population_mean: f64,
    /// Population std of the last generation.
    pub population_std: f64,
}

/// Observation and action sizes of the tasks (Gymnasium v5).
pub fn io_sizes(env: &str) -> (usize, usize) {
    match env {
        "halfcheetah" => (17, 6),
        "hopper" => (11, 3),
        "walker2d" => (17, 6),
        "ant" => (105, 8),
        _ => (1, 1),
    }
}

/// Hidden width of `mode` at budget `p` on `env`.
pub fn hidden_for(env: &str, mode: &str, p: usize) -> usize {
    let (i, o) = io_sizes(env);
    if mode == "neuron" { p / 4 } else { p / (i + o) }.max(1)
}

/// The configuration of one run.
pub fn job_config(opts: &Options, env: &str, mode: &str, p: usize, seed: u64) -> Result<Config, TrainError> {
    let mut t = ConfigTree::load("halfcheetah").map_err(|e| TrainError::Config(e.to_string()))?;
    for set in [
        format!("env.name=\"{env}\""),
        format!("env.max_steps={}", opts.max_steps),
        format!("run.seed={seed}"),
        format!("run.generations={}", opts.generations),
        format!("run.checkpoint_every={}", opts.generations.min(25)),
        "run.plots=false".to_string(),
        format!("network.hidden={}", hidden_for(env, mode, p)),
        format!("genome.mode=\"{mode}\""),
        format!("strategy.population={}", opts.population),
    ] {
        t.set(&set).map_err(|e| TrainError::Config(format!("{set}: {e}")))?;
    }
    t.finish().map_err(|e| TrainError::Config(e.to_string()))
}

fn job_dir(out: &Path, env: &str, mode: &str, p: usize, seed: u64) -> PathBuf {
    out.join("runs").join(format!("{env}-{mode}-p{p}-s{seed}"))
}

fn run_job(opts: &Options, env: &str, mode: &str, p: usize, seed: u64) -> Result<(ResultRow, JobOrigin), TrainError> {
    let dir = job_dir(&opts.out, env, mode, p, seed);
    let config = job_config(opts, env, mode, p, seed)?;
    let key = job_key(&config.to_toml(), &[("final_episodes", opts.final_episodes.to_string())]);
    let (resume, origin) = match start_job::<ResultRow>(&dir, Some(&config), &key)? {
        JobStart::Reused(row) => return Ok((row, JobOrigin::Reused)),
        JobStart::Train { resume, origin } => (resume, origin),
    };
    let summary = train_in_current_pool(&config, &dir, resume, &mut [&mut Quiet])?;
    let norm = if writes_files() {
        load_arrays(&RunPaths::new(&dir).params).ok().and_then(|(a, _)| load_obs_norm(&a))
    } else {
        None
    };
    let returns = evaluate_config(&config, Some(&summary.centre), norm.as_ref(), opts.final_episodes, seed)?;
    let row = ResultRow {
        env: env.into(),
        mode: mode.into(),
        budget: p,
        parameters: summary.paper_parameter_count,
        hidden: config.network.hidden,
        seed,
        centre_reward: mean_std(&returns).0,
        population_mean: summary.last_fitness_mean,
        population_std: summary.last_fitness_std,
    };
    finish_job(&dir, &key, &row)?;
    Ok((row, origin))
}

/// Runs the sweep on the current rayon pool and writes every output; returns the rows.
pub fn run(opts: &Options) -> Result<Vec<ResultRow>, TrainError> {
    super::ablation::check_envs(&opts.envs)?;
    if writes_files() {
        std::fs::create_dir_all(&opts.out)
            .map_err(|e| IoError::Os { path: opts.out.display().to_string(), message: e.to_string() })?;
    }
    let mut jobs = Vec::new();
    for env in &opts.envs {
        for &p in opts.sizes.iter().rev() {
            for mode in ["neuron", "weight"] {
                for seed in 0..opts.seeds {
                    jobs.push((env.clone(), mode, p, seed));
                }
            }
        }
    }
    let progress = JobProgress::new(jobs.len(), "control-scaling");
    let rows: Result<Vec<ResultRow>, TrainError> = run_jobs(&jobs, |(env, mode, p, seed)| {
        let (row, origin) = run_job(opts, env, mode, *p, *seed)?;
        progress.finished(&format!("{env} {mode} P={p} seed {seed}: centre {:.1}{}", row.centre_reward, origin.note()));
        Ok(row)
    })
    .into_iter()
    .collect();
    progress.finish();
    let mut rows = rows?;
    rows.sort_by(|a, b| (&a.env, &a.mode, a.budget, a.seed).cmp(&(&b.env, &b.mode, b.budget, b.seed)));
    if writes_files() {
        write_outputs(opts, &rows)?;
    }
    Ok(rows)
}

fn write_outputs(opts: &Options, rows: &[ResultRow]) -> Result<(), TrainError> {
    let out = &opts.out;
    let mut csv = String::from("env,mode,budget,parameters,hidden,seed,centre_reward,population_mean,population_std\n");
    for r in rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            r.env,
            r.mode,
            r.budget,
            r.parameters,
            r.hidden,
            r.seed,
            r.centre_reward,
            r.population_mean,
            r.population_std
        );
    }
    write_atomic(&out.join("results.csv"), csv.as_bytes())?;
    let mut md = format!(
        "Reward vs trainable parameters (Paper A Figure 3 protocol; Paper A reports no numbers for it). {} generations, population {}, \
         episodes ≤ {} steps, {} seed(s); final centre on {} fresh episodes, mean ± std over seeds. MuJoCo v5, not Brax v1.\n\n\
         | task | budget | neuron (H) | neuron centre | weight (H) | weight centre |\n|---|---|---|---|---|---|\n",
        opts.generations, opts.population, opts.max_steps, opts.seeds, opts.final_episodes
    );
    let mut series = Vec::new();
    for env in &opts.envs {
        for &p in &opts.sizes {
            let cell = |mode: &str| {
                let v: Vec<&ResultRow> =
                    rows.iter().filter(|r| &r.env == env && r.mode == mode && r.budget == p).collect();
                let (m, s) = mean_std(&v.iter().map(|r| r.centre_reward).collect::<Vec<_>>());
                (v.first().map_or(0, |r| r.hidden), m, s)
            };
            let (hn, mn, sn) = cell("neuron");
            let (hw, mw, sw) = cell("weight");
            let _ = writeln!(md, "| {env} | {p} | {hn} | {mn:.1} ± {sn:.1} | {hw} | {mw:.1} ± {sw:.1} |");
        }
        for mode in ["neuron", "weight"] {
            let stats: Vec<(f64, (f64, f64))> = opts
                .sizes
                .iter()
                .map(|&p| {
                    (
                        p as f64,
                        mean_std(
                            &rows
                                .iter()
                                .filter(|r| &r.env == env && r.mode == mode && r.budget == p)
                                .map(|r| r.centre_reward)
                                .collect::<Vec<_>>(),
                        ),
                    )
                })
                .collect();
            series.push(Series {
                name: format!("{env} {mode} mode"),
                points: stats.iter().map(|(x, (m, _))| (*x, *m)).collect(),
                band: Some(stats.iter().map(|(_, (m, s))| (m - s, m + s)).collect()),
            });
        }
    }
    write_atomic(&out.join("results.md"), md.as_bytes())?;
    let chart = Chart {
        title: "Reward vs trainable parameters",
        x_label: "trainable parameters",
        y_label: "centre reward",
        x_scale: Scale::Log10,
    };
    plot::line_chart(&out.join("reward_vs_params"), &chart, &series).map_err(|e| TrainError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_modes_search_about_the_budget() {
        assert_eq!(hidden_for("halfcheetah", "neuron", 4096), 1024);
        assert_eq!(hidden_for("halfcheetah", "weight", 4096), 178);
        assert_eq!(hidden_for("ant", "weight", 16), 1);
        let opts = Options::quick(vec!["hopper".into()], PathBuf::from("/tmp/unused"));
        let c = job_config(&opts, "hopper", "weight", 128, 0).unwrap();
        assert_eq!(c.network.hidden, 128 / 14);
    }
}
