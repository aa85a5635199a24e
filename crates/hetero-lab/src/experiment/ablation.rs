//! Paper A §4.3 / Table 1 / Figure 4: the neuron-property ablation on the locomotion tasks and
//! the Shapley value of each property.
//!
//! For every non-empty subset S of {τ, v_th, v_rest, R} (15 coalitions) and seed, a neuron-mode
//! run searches only the properties in S at a fixed trainable-parameter budget P: hidden width
//! ⌊P / |S|⌋ (Paper A: P = 16 384; its text does not say how the width was chosen, this is one
//! reading). Each run's final centre is scored on `final_episodes` fresh episodes. The empty
//! coalition is the untrained random network at the full coalition's width (⌊P / 4⌋), all
//! neurons at the defaults, scored the same way. Shapley values come from the 16 coalition
//! values (centre scores, mean over seeds; [`crate::analysis::shapley`]).
//!
//! Outputs in `out`: results.csv (one row per run), results.md (Table 1's layout, ours beside
//! Paper A's; Paper A used Brax v1, whose rewards are not 1:1 comparable with MuJoCo v5),
//! shapley.csv, shapley.md, shapley.{svg,png}, tau/ (`hetero analyze tau` on the
//! all-four-properties runs of each task), and runs/ with every run's directory.

use super::job::{finish_job, job_key, start_job, JobOrigin, JobStart};
use super::{mean_std, run_jobs, writes_files, JobProgress, Quiet};
use crate::analysis::plot::{self, Chart, Scale};
use crate::analysis::shapley::shapley_values;
use hetero_classify::train::train_in_current_pool;
use hetero_core::config::{Config, ConfigTree};
use hetero_core::engine::{RunPaths, TrainError};
use hetero_core::env::obs_norm::load_obs_norm;
use hetero_core::env::{visit_env, EnvVisitor, Environment};
use hetero_core::io::{load_arrays, write_atomic, IoError};
use hetero_core::network::Property;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Paper A's budget of trainable parameters per network.
pub const PAPER_PARAMETERS: usize = 16_384;

/// Table 1's row order as coalition masks (bit 0 τ, 1 v_th, 2 v_rest, 3 R).
pub const TABLE1_ORDER: [usize; 15] = [1, 2, 4, 8, 3, 5, 9, 6, 10, 12, 7, 11, 13, 14, 15];

/// Paper A Table 1 (mean ± std per task HC, ANT, HP, WAL), rows in [`TABLE1_ORDER`].
pub const PAPER_TABLE1: [[(f64, f64); 4]; 15] = [
    [(3967.0, 171.0), (1180.0, 200.0), (1796.0, 9.0), (2580.0, 351.0)],
    [(101.0, 24.0), (431.0, 18.0), (399.0, 12.0), (750.0, 254.0)],
    [(3544.0, 236.0), (680.0, 19.0), (1502.0, 9.0), (2286.0, 549.0)],
    [(3264.0, 528.0), (732.0, 60.0), (1654.0, 29.0), (2143.0, 551.0)],
    [(3110.0, 749.0), (1046.0, 11.0), (1982.0, 154.0), (2866.0, 402.0)],
    [(3887.0, 637.0), (1160.0, 215.0), (2016.0, 94.0), (2184.0, 669.0)],
    [(3460.0, 331.0), (953.0, 50.0), (2031.0, 13.0), (3140.0, 216.0)],
    [(3335.0, 248.0), (765.0, 172.0), (448.0, 89.0), (2880.0, 174.0)],
    [(2679.0, 406.0), (838.0, 14.0), (1771.0, 12.0), (2674.0, 99.0)],
    [(3587.0, 193.0), (457.0, 413.0), (1902.0, 9.0), (2286.0, 549.0)],
    [(3924.0, 342.0), (967.0, 57.0), (1914.0, 21.0), (2431.0, 19.0)],
    [(3724.0, 472.0), (1119.0, 85.0), (1828.0, 15.0), (2880.0, 174.0)],
    [(3982.0, 319.0), (1276.0, 18.0), (1943.0, 34.0), (2779.0, 73.0)],
    [(3214.0, 204.0), (978.0, 21.0), (1790.0, 26.0), (2529.0, 38.0)],
    [(4221.0, 413.0), (1221.0, 35.0), (2142.0, 27.0), (2699.0, 404.0)],
];

/// The four tasks in Table 1's column order.
pub const TASKS: [&str; 4] = ["halfcheetah", "ant", "hopper", "walker2d"];

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Tasks (names from [`TASKS`]).
    pub envs: Vec<String>,
    /// Seeds 0..seeds per (task, coalition).
    pub seeds: u64,
    /// Generations per run (Paper A: 1000).
    pub generations: u64,
    /// Trainable-parameter budget P.
    pub parameters: usize,
    /// PGPE population (Paper A: 256).
    pub population: usize,
    /// Episode step limit (Gymnasium: 1000).
    pub max_steps: usize,
    /// Episodes of each final centre evaluation.
    pub final_episodes: usize,
    /// Output folder.
    pub out: PathBuf,
}

impl Options {
    /// Paper A's setting on `envs`: P = 16 384, population 256, 1000 generations, 5 seeds.
    pub fn full(envs: Vec<String>, out: PathBuf) -> Self {
        Self {
            envs,
            seeds: 5,
            generations: 1000,
            parameters: PAPER_PARAMETERS,
            population: 256,
            max_steps: 1000,
            final_episodes: 10,
            out,
        }
    }

    /// A smoke test (seconds).
    pub fn quick(envs: Vec<String>, out: PathBuf) -> Self {
        Self { envs, seeds: 1, generations: 2, parameters: 48, population: 8, max_steps: 50, final_episodes: 2, out }
    }
}

/// The properties of coalition `mask`.
pub fn coalition(mask: usize) -> Vec<Property> {
    Property::ALL.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, &p)| p).collect()
}

/// Short label: `τ+v_th`, or `none`.
pub fn label(mask: usize) -> String {
    let names = ["τ", "v_th", "v_rest", "R"];
    let parts: Vec<&str> = (0..4).filter(|i| mask & (1 << i) != 0).map(|i| names[i]).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join("+")
    }
}

/// Hidden width of coalition `mask` at budget `parameters` (the empty coalition takes the full
/// coalition's width).
pub fn hidden_width(mask: usize, parameters: usize) -> usize {
    let k = mask.count_ones().max(if mask == 0 { 4 } else { 1 }) as usize;
    (parameters / k).max(1)
}

/// One row of results.csv.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ResultRow {
    /// Task.
    pub env: String,
    /// Coalition mask (bit 0 τ, 1 v_th, 2 v_rest, 3 R).
    pub mask: usize,
    /// Coalition label.
    pub coalition: String,
    /// Seed.
    pub seed: u64,
    /// Hidden width.
    pub hidden: usize,
    /// Searched parameters (0 for the empty coalition).
    pub parameters: usize,
    /// Mean return of the final centre on `final_episodes` fresh episodes.
    pub centre_reward: f64,
    /// Population mean return in the last generation (Paper A's Table 1 measure; NaN for none).
    pub population_mean: f64,
    /// Population std in the last generation.
    pub population_std: f64,
    /// Generations run.
    pub generations: u64,
    /// Wall time of the run (s).
    pub wall_s: f64,
}

/// The configuration of one run.
pub fn job_config(opts: &Options, env: &str, mask: usize, seed: u64) -> Result<Config, TrainError> {
    let mut t = ConfigTree::load("halfcheetah").map_err(|e| TrainError::Config(e.to_string()))?;
    let props: Vec<String> =
        coalition(if mask == 0 { 15 } else { mask }).iter().map(|p| format!("\"{}\"", p.name())).collect();
    for set in [
        format!("env.name=\"{env}\""),
        format!("env.max_steps={}", opts.max_steps),
        format!("run.seed={seed}"),
        format!("run.generations={}", opts.generations),
        format!("run.checkpoint_every={}", opts.generations.min(25)),
        "run.plots=false".to_string(),
        format!("network.hidden={}", hidden_width(mask, opts.parameters)),
        format!("genome.properties=[{}]", props.join(",")),
        format!("strategy.population={}", opts.population),
    ] {
        t.set(&set).map_err(|e| TrainError::Config(format!("{set}: {e}")))?;
    }
    t.finish().map_err(|e| TrainError::Config(e.to_string()))
}

pub use hetero_core::rollout::evaluate_config;

fn job_dir(out: &Path, env: &str, mask: usize, seed: u64) -> PathBuf {
    out.join("runs").join(format!("{env}-m{mask:02}-{}-s{seed}", label(mask).replace('τ', "tau").replace('+', "_")))
}

/// Runs (or continues, or reuses) one job ([`super::job`]).
fn run_job(opts: &Options, env: &str, mask: usize, seed: u64) -> Result<(ResultRow, JobOrigin), TrainError> {
    let dir = job_dir(&opts.out, env, mask, seed);
    let config = job_config(opts, env, mask, seed)?;
    // The empty coalition is only evaluated: its key is the configuration it is evaluated with.
    let key = job_key(&config.to_toml(), &[("final_episodes", opts.final_episodes.to_string())]);
    let trained = (mask != 0).then_some(&config);
    let (resume, origin) = match start_job::<ResultRow>(&dir, trained, &key)? {
        JobStart::Reused(row) => return Ok((row, JobOrigin::Reused)),
        JobStart::Train { resume, origin } => (resume, origin),
    };
    let started = std::time::Instant::now();
    // (final centre returns, parameters, population mean and std, generations, wall time)
    let (returns, parameters, population_mean, population_std, generations, wall_s) = if mask == 0 {
        let returns = evaluate_config(&config, None, None, opts.final_episodes, seed)?;
        (returns, 0, f64::NAN, f64::NAN, 0, started.elapsed().as_secs_f64())
    } else {
        let summary = train_in_current_pool(&config, &dir, resume, &mut [&mut Quiet])?;
        let norm = if writes_files() {
            load_arrays(&RunPaths::new(&dir).params).ok().and_then(|(a, _)| load_obs_norm(&a))
        } else {
            None
        };
        let returns = evaluate_config(&config, Some(&summary.centre), norm.as_ref(), opts.final_episodes, seed)?;
        (
            returns,
            summary.paper_parameter_count,
            summary.last_fitness_mean,
            summary.last_fitness_std,
            summary.generations,
            summary.wall_s,
        )
    };
    let row = ResultRow {
        env: env.into(),
        mask,
        coalition: label(mask),
        seed,
        hidden: config.network.hidden,
        parameters,
        centre_reward: mean_std(&returns).0,
        population_mean,
        population_std,
        generations,
        wall_s,
    };
    finish_job(&dir, &key, &row)?;
    Ok((row, origin))
}

/// Fails (before anything is written) if a task cannot be built, e.g. without feature `mujoco`.
pub fn check_envs(envs: &[String]) -> Result<(), TrainError> {
    struct Probe;
    impl EnvVisitor for Probe {
        type Output = ();
        fn visit<E: Environment>(self, _env: E) {}
    }
    for e in envs {
        let config = hetero_core::env::EnvConfig { name: e.clone(), ..Default::default() };
        visit_env(&config, Probe).map_err(|err| TrainError::Config(err.to_string()))?;
    }
    Ok(())
}

/// Runs the ablation on the current rayon pool and writes every output; returns the rows.
pub fn run(opts: &Options) -> Result<Vec<ResultRow>, TrainError> {
    check_envs(&opts.envs)?;
    if writes_files() {
        std::fs::create_dir_all(&opts.out)
            .map_err(|e| IoError::Os { path: opts.out.display().to_string(), message: e.to_string() })?;
    }
    let mut jobs = Vec::new();
    for env in &opts.envs {
        // Widest networks first, so the slowest jobs do not start last.
        for mask in [1usize, 2, 4, 8, 3, 5, 6, 9, 10, 12, 7, 11, 13, 14, 15, 0] {
            for seed in 0..opts.seeds {
                jobs.push((env.clone(), mask, seed));
            }
        }
    }
    let progress = JobProgress::new(jobs.len(), "ablation");
    let rows: Result<Vec<ResultRow>, TrainError> = run_jobs(&jobs, |(env, mask, seed)| {
        let (row, origin) = run_job(opts, env, *mask, *seed)?;
        progress.finished(&format!(
            "{env} {} seed {seed}: centre {:.1}, population {:.1} ± {:.1} ({:.0} s){}",
            row.coalition,
            row.centre_reward,
            row.population_mean,
            row.population_std,
            row.wall_s,
            origin.note()
        ));
        Ok(row)
    })
    .into_iter()
    .collect();
    progress.finish();
    let mut rows = rows?;
    rows.sort_by(|a, b| {
        (TASKS.iter().position(|t| *t == a.env), a.mask, a.seed).cmp(&(
            TASKS.iter().position(|t| *t == b.env),
            b.mask,
            b.seed,
        ))
    });
    if writes_files() {
        write_outputs(opts, &rows)?;
    }
    Ok(rows)
}

/// Mean coalition values (centre reward over seeds) of `env`, indexed by mask.
pub fn coalition_values(rows: &[ResultRow], env: &str) -> Option<Vec<f64>> {
    (0..16)
        .map(|mask| {
            let v: Vec<f64> = rows.iter().filter(|r| r.env == env && r.mask == mask).map(|r| r.centre_reward).collect();
            (!v.is_empty()).then(|| mean_std(&v).0)
        })
        .collect()
}

/// Writes results.csv, results.md, shapley.*, and the τ fits.
pub fn write_outputs(opts: &Options, rows: &[ResultRow]) -> Result<(), TrainError> {
    let out = &opts.out;
    let mut csv = String::from("env,mask,coalition,tau,v_th,v_rest,r,seed,hidden,parameters,centre_reward,population_mean,population_std,generations,wall_s\n");
    for r in rows {
        let bit = |i: usize| (r.mask >> i) & 1;
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.1}",
            r.env,
            r.mask,
            r.coalition,
            bit(0),
            bit(1),
            bit(2),
            bit(3),
            r.seed,
            r.hidden,
            r.parameters,
            r.centre_reward,
            r.population_mean,
            r.population_std,
            r.generations,
            r.wall_s
        );
    }
    write_atomic(&out.join("results.csv"), csv.as_bytes())?;

    let envs: Vec<&str> = TASKS.iter().copied().filter(|t| opts.envs.iter().any(|e| e == t)).collect();
    let seeds = opts.seeds;
    let mut md = format!(
        "Property ablation (Paper A Table 1 layout). Ours: {} generations, population {}, budget P = {} trainable parameters \
         (hidden width ⌊P/|S|⌋), episodes of at most {} steps, {} seed(s); `pop` = population mean ± std of the last generation \
         (Paper A's measure, mean over seeds), `centre` = final centre on {} fresh episodes. Paper: Brax v1, P = 16 384, \
         1000 generations, population 256, 5 seeds — Brax v1 and MuJoCo v5 rewards are not 1:1 comparable \
         (different simulators, contact models and reward terms), so compare rankings, not values.\n\n",
        opts.generations, opts.population, opts.parameters, opts.max_steps, seeds, opts.final_episodes
    );
    md.push_str("| τ_m | v_th | v_rest | R |");
    for e in &envs {
        let _ = write!(md, " {e} pop | {e} centre | paper {e} |");
    }
    md.push_str("\n|---|---|---|---|");
    md.push_str(&"---|---|---|".repeat(envs.len()));
    md.push('\n');
    let tick = |m: usize, i: usize| if m & (1 << i) != 0 { "✓" } else { "" };
    let cell = |env: &str, mask: usize, f: fn(&ResultRow) -> f64| {
        mean_std(&rows.iter().filter(|r| r.env == env && r.mask == mask).map(f).collect::<Vec<_>>())
    };
    let mut order: Vec<usize> = TABLE1_ORDER.to_vec();
    order.push(0);
    for (row, &mask) in order.iter().enumerate() {
        let _ = write!(md, "| {} | {} | {} | {} |", tick(mask, 0), tick(mask, 1), tick(mask, 2), tick(mask, 3));
        for e in &envs {
            let (pm, _) = cell(e, mask, |r| r.population_mean);
            let (ps, _) = cell(e, mask, |r| r.population_std);
            let (cm, cs) = cell(e, mask, |r| r.centre_reward);
            let col = TASKS.iter().position(|t| t == e).expect("known task");
            let paper = if row < 15 {
                let (m, s) = PAPER_TABLE1[row][col];
                format!("{m:.0} ± {s:.0}")
            } else {
                "–".into()
            };
            let pop = if pm.is_nan() { "–".to_string() } else { format!("{pm:.1} ± {ps:.1}") };
            let centre = if seeds > 1 { format!("{cm:.1} ± {cs:.1}") } else { format!("{cm:.1}") };
            let _ = write!(md, " {pop} | {centre} | {paper} |");
        }
        md.push('\n');
    }
    md.push_str("\nThe last row (no property searched) is the untrained random network, the empty coalition of the Shapley values.\n");
    write_atomic(&out.join("results.md"), md.as_bytes())?;

    // Shapley values.
    let names = ["τ_m", "v_th", "v_rest", "R"];
    let mut scsv = String::from("env,property,shapley,value_all,value_none\n");
    let mut smd = String::from(
        "Shapley values of the four properties from the 16 coalition values (centre reward, mean over seeds; \
         empty coalition = untrained random network). Σφ = v(all) − v(none).\n\n| task | φ τ_m | φ v_th | φ v_rest | φ R | v(all) | v(none) |\n|---|---|---|---|---|---|---|\n",
    );
    let mut bars = Vec::new();
    for e in &envs {
        let Some(values) = coalition_values(rows, e) else { continue };
        let phi = shapley_values(&values).expect("16 coalitions");
        for (n, p) in names.iter().zip(&phi) {
            let _ = writeln!(scsv, "{e},{n},{p},{},{}", values[15], values[0]);
            bars.push((if envs.len() > 1 { format!("{e} {n}") } else { n.to_string() }, *p, None));
        }
        let _ = writeln!(
            smd,
            "| {e} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            phi[0], phi[1], phi[2], phi[3], values[15], values[0]
        );
    }
    write_atomic(&out.join("shapley.csv"), scsv.as_bytes())?;
    write_atomic(&out.join("shapley.md"), smd.as_bytes())?;
    if !bars.is_empty() {
        let chart = Chart {
            title: "Shapley value of each neuron property",
            x_label: "property",
            y_label: "Shapley value (reward)",
            x_scale: Scale::Linear,
        };
        plot::bar_chart(&out.join("shapley"), &chart, &bars).map_err(|e| TrainError::Config(e.to_string()))?;
    }

    // τ fits of the all-four-properties runs.
    for e in &envs {
        let dirs: Vec<PathBuf> =
            (0..seeds).map(|s| job_dir(out, e, 15, s)).filter(|d| RunPaths::new(d).params.exists()).collect();
        if !dirs.is_empty() {
            crate::analysis::tau::analyze_tau(&dirs, &out.join("tau").join(e))
                .map_err(|e| TrainError::Config(e.to_string()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coalitions_share_the_budget() {
        assert_eq!(hidden_width(1, 16_384), 16_384);
        assert_eq!(hidden_width(15, 16_384), 4096);
        assert_eq!(hidden_width(0, 16_384), 4096);
        assert_eq!(hidden_width(7, 16_384), 5461);
        assert_eq!(label(5), "τ+v_rest");
        assert_eq!(label(0), "none");
        let mut seen: Vec<usize> = TABLE1_ORDER.to_vec();
        seen.sort_unstable();
        assert_eq!(seen, (1..16).collect::<Vec<_>>());
    }

    #[test]
    fn job_configs_search_the_coalition_at_the_budget() {
        let opts = Options::quick(vec!["halfcheetah".into()], PathBuf::from("/tmp/unused"));
        for mask in 1..16 {
            let c = job_config(&opts, "halfcheetah", mask, 0).unwrap();
            assert_eq!(c.genome.properties, coalition(mask));
            assert_eq!(
                c.network.hidden * coalition(mask).len(),
                opts.parameters / coalition(mask).len() * coalition(mask).len()
            );
        }
    }
}
