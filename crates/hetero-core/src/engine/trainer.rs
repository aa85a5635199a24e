//! The one generation loop: ask → evaluate → tell → the centre → the Problem's end of generation
//! → a metrics row → observers → a checkpoint every `run.checkpoint_every` generations, with
//! stop criteria (`run.stop_fitness` held for `run.stop_patience` generations), exact resume, and
//! the population split across MPI ranks (feature `mpi`), the same for every [`Problem`].
//!
//! The loop writes only the run's data files: `config.toml` (every key), `metrics.csv`,
//! `checkpoint.safetensors`, `params.safetensors`, `summary.json`, and whatever the Problem adds
//! in [`Problem::end_generation`]. Figures and progress are observers. Every file is written
//! atomically; `--resume` restarts from the checkpoint and truncates metrics to it.

use super::checkpoint::{check_same_experiment, restore_checkpoint, save_checkpoint, KEPT_PREFIX};
use super::metrics::{mean_std_min_max, read_metrics, write_csv, MetricsRow};
use super::observer::{Observer, RunInfo};
use super::problem::{PopulationScores, Problem};
use super::run_dir::{claim_run_dir, RunPaths};
use super::summary::{summarise, Summary, SummaryFacts};
use super::TrainError;
use crate::config::Config;
use crate::io::{save_arrays, write_atomic, Array, Arrays, IoError};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// True when this process writes the run's files (always, unless it is a non-zero MPI rank).
pub fn writes_files() -> bool {
    #[cfg(feature = "mpi")]
    {
        crate::distributed::is_writer()
    }
    #[cfg(not(feature = "mpi"))]
    {
        true
    }
}

/// Runs `f` on a pool of `threads` worker threads (0 = all cores).
pub fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R, TrainError> {
    let threads = if threads == 0 { rayon::current_num_threads() } else { threads };
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| TrainError::Threads(e.to_string()))?;
    Ok(pool.install(f))
}

/// Scores the population, split across MPI ranks when there are several (feature `mpi`): each
/// rank evaluates only its contiguous share, then every rank gathers the whole result in member
/// order, so every rank holds the single-process scores bit for bit.
fn evaluate_population(
    problem: &mut dyn Problem,
    generation: u64,
    population: &[f32],
    members: usize,
    dim: usize,
) -> PopulationScores {
    #[cfg(feature = "mpi")]
    {
        if let Some((rank, size)) = crate::distributed::ranks() {
            let (lo, hi) = crate::distributed::share(members, rank, size);
            let local = problem.evaluate(generation, &population[lo * dim..hi * dim], hi - lo);
            return crate::distributed::gather_scores(&local, members);
        }
    }
    problem.evaluate(generation, &population[..members * dim], members)
}

/// Trains `problem` with the strategy, budget and stop criteria of `config` into `out_dir`
/// (created if needed) on the rayon pool the caller is in; resumes from the directory's
/// checkpoint if `resume`. Many runs can share one pool, as `hetero reproduce` does; results are
/// the same for any number of threads.
pub fn train_problem(
    config: &Config,
    problem: &mut dyn Problem,
    out_dir: &Path,
    resume: bool,
    observers: &mut [&mut dyn Observer],
) -> Result<Summary, TrainError> {
    let info = problem.info();
    let centre0 = problem.initial_centre();
    let mut strategy = config.strategy.build(&centre0, config.run.seed);
    let p = strategy.population_size();
    let d = strategy.dim();
    let paths = RunPaths::new(out_dir);
    let writer = writes_files();
    #[cfg(feature = "mpi")]
    if let Some(reason) = problem.needs_single_process() {
        if crate::distributed::ranks().is_some_and(|(_, size)| size > 1) {
            return Err(TrainError::Config(format!("{reason}: not supported across MPI ranks (run one process)")));
        }
    }
    // The claim is held until this function returns (see `claim_run_dir`).
    let _claim = if writer { Some(claim_run_dir(out_dir, resume, &config.to_toml())?) } else { None };
    // A run stopped before its first checkpoint continues from generation 0.
    let resume = resume && paths.checkpoint.exists();

    let mut rows: Vec<MetricsRow> = Vec::new();
    let mut start = 0u64;
    let mut wall_before = 0.0;
    let mut kept: Option<Kept> = None;
    let mut stopped_early = false;
    if resume {
        let saved = restore_checkpoint(&paths.checkpoint, strategy.as_mut())?;
        check_same_experiment(&saved, config, &paths.checkpoint, &paths.config)?;
        (start, wall_before) = (saved.generation, saved.wall_s);
        if config.run.keep_best {
            kept = Kept::restore(&saved.arrays, d)
                .map(Some)
                .map_err(|m| TrainError::Resume { path: paths.checkpoint.display().to_string(), message: m })?;
        }
        problem.restore(&paths.checkpoint, &saved.arrays, start, out_dir)?;
        rows = read_metrics(&paths.metrics, start)?;
        // A run that had already met its stop criterion (killed after its last checkpoint but
        // before its summary) is finished: it trains no further generation, as a straight run.
        stopped_early = streak(&rows, config.run.stop_fitness) >= config.run.stop_patience;
        if start >= config.run.generations && !stopped_early {
            return Err(TrainError::Resume {
                path: paths.checkpoint.display().to_string(),
                message: format!(
                    "already at generation {start} of {}; raise --generations to continue",
                    config.run.generations
                ),
            });
        }
    }
    let mut metrics_file = open_run_files(&paths, config, &rows, writer)?;
    let run_info = RunInfo {
        out_dir: out_dir.to_path_buf(),
        parameter_count: info.dim,
        paper_parameter_count: info.paper_parameter_count,
        start_generation: start,
        generations: config.run.generations,
        threads: rayon::current_num_threads(),
        fitness_label: info.fitness_label,
    };
    for o in observers.iter_mut() {
        o.on_start(&run_info);
    }

    let mut population = vec![0.0f32; p * d];
    let t0 = Instant::now();
    let end = if stopped_early { start } else { config.run.generations };
    for g in start..end {
        #[cfg(feature = "mpi")]
        crate::distributed::maybe_fail(g);
        let tg = Instant::now();
        strategy.ask(g, &mut population);
        let scores = evaluate_population(problem, g, &population, p, d);
        strategy.tell(&scores.fitness);
        let centre = strategy.centre();
        // A search that overflowed stops before anything of this generation is written.
        if let Some(x) = centre.iter().find(|x| !x.is_finite()) {
            return Err(TrainError::Diverged { generation: g + 1, what: format!("a centre value is {x}") });
        }
        if !strategy.sigma_mean().is_finite() {
            return Err(TrainError::Diverged {
                generation: g + 1,
                what: format!("mean σ is {}", strategy.sigma_mean()),
            });
        }
        let centre_fitness = problem.evaluate_centre(g, &centre);
        if config.run.keep_best && kept.as_ref().is_none_or(|k| centre_fitness > k.fitness) {
            kept = Some(Kept { centre: centre.clone(), fitness: centre_fitness, generation: g + 1 });
        }
        let result_centre = kept.as_ref().map_or(&centre, |k| &k.centre);
        let (mean, std, min, max) = mean_std_min_max(&scores.fitness);
        let row = MetricsRow {
            generation: g + 1,
            fitness_mean: mean,
            fitness_std: std,
            fitness_min: min,
            fitness_max: max,
            centre_fitness,
            sigma_mean: strategy.sigma_mean(),
            spikes_per_neuron_step: scores.hidden_spikes as f64
                / (scores.steps.max(1) as f64 * info.hidden_neurons as f64),
            member_steps: scores.steps,
            episodes_per_s: (p * info.items_per_member) as f64 / tg.elapsed().as_secs_f64(),
            wall_s: wall_before + t0.elapsed().as_secs_f64(),
        };
        let solved_streak =
            streak(&rows, config.run.stop_fitness) + (row.centre_fitness >= config.run.stop_fitness) as u64;
        let stop_now = solved_streak >= config.run.stop_patience;
        let last = g + 1 == config.run.generations || stop_now;
        problem.end_generation(g + 1, &centre, last, out_dir, writer)?;
        if let Some(f) = metrics_file.as_mut() {
            writeln!(f, "{}", row.csv())
                .map_err(|e| IoError::Os { path: paths.metrics.display().to_string(), message: e.to_string() })?;
        }
        for o in observers.iter_mut() {
            o.on_generation(&row);
        }
        rows.push(row);
        let interrupted = observers.iter().any(|o| o.stop_requested());
        if writer && ((g + 1) % config.run.checkpoint_every == 0 || last || interrupted) {
            // metrics.csv reaches the disk first, so a checkpoint never refers to rows a crash
            // could lose.
            if let Some(f) = metrics_file.as_ref() {
                f.sync_data().ok();
            }
            let wall_s = wall_before + t0.elapsed().as_secs_f64();
            let mut extra = problem.checkpoint_arrays();
            if let Some(k) = &kept {
                extra.extend(k.arrays());
            }
            save_checkpoint(&paths.checkpoint, strategy.as_ref(), g + 1, wall_s, extra, config)?;
            let (arrays, meta) = problem.params_arrays(result_centre);
            save_arrays(&paths.params, &arrays, &meta)?;
        }
        if interrupted && !last {
            return Err(TrainError::Interrupted { generation: g + 1 });
        }
        if stop_now {
            break;
        }
    }
    let facts = SummaryFacts {
        env: &info.name,
        mode: format!("{:?}", config.genome.mode).to_lowercase(),
        seed: config.run.seed,
        generations: config.run.generations,
        counts: (info.dim, info.paper_parameter_count),
        threshold: info.solved_threshold,
    };
    let mut summary = summarise(&facts, &rows);
    match kept {
        Some(k) => {
            summary.centre = k.centre;
            summary.kept_generation = Some(k.generation);
        }
        None => summary.centre = strategy.centre(),
    }
    problem.finish(&mut summary);
    if writer {
        write_atomic(&paths.summary, serde_json::to_string_pretty(&summary).expect("summary serialises").as_bytes())?;
    }
    for o in observers.iter_mut() {
        o.on_finish(&summary).map_err(|e| TrainError::Observer(e.to_string()))?;
    }
    Ok(summary)
}

/// Generations at the end of `rows` whose centre reached `stop_fitness`.
fn streak(rows: &[MetricsRow], stop_fitness: f64) -> u64 {
    rows.iter().rev().take_while(|r| r.centre_fitness >= stop_fitness).count() as u64
}

/// The best centre so far (`run.keep_best`), kept in the checkpoint as `kept.centre` (f32) and
/// `kept.fitness_generation` (f64: fitness, generation) so a resumed run keeps the same one.
struct Kept {
    centre: Vec<f32>,
    fitness: f64,
    generation: u64,
}

impl Kept {
    fn arrays(&self) -> Vec<(String, Array)> {
        vec![
            (format!("{KEPT_PREFIX}centre"), Array::F32(vec![self.centre.len()], self.centre.clone())),
            (format!("{KEPT_PREFIX}fitness_generation"), Array::vector64(vec![self.fitness, self.generation as f64])),
        ]
    }

    /// The kept centre of a checkpoint.
    fn restore(arrays: &Arrays, dim: usize) -> Result<Kept, String> {
        let (Some(centre), Some(fg)) =
            (arrays.get(&format!("{KEPT_PREFIX}centre")), arrays.get(&format!("{KEPT_PREFIX}fitness_generation")))
        else {
            return Err(
                "run.keep_best is on but the checkpoint holds no kept centre (was it written without it?)".into()
            );
        };
        let centre = centre.to_f32();
        let fg = fg.to_f64();
        if centre.len() != dim || fg.len() != 2 {
            return Err(format!("kept centre has {} values, the genome {dim}", centre.len()));
        }
        Ok(Kept { centre, fitness: fg[0], generation: fg[1] as u64 })
    }
}

/// Writes config.toml, rewrites metrics.csv with `rows` (the kept history of a resumed run) and
/// opens it for appending; nothing on a process that does not write (a non-zero MPI rank).
fn open_run_files(
    paths: &RunPaths,
    config: &Config,
    rows: &[MetricsRow],
    writer: bool,
) -> Result<Option<std::fs::File>, IoError> {
    if !writer {
        return Ok(None);
    }
    write_atomic(&paths.config, config.to_toml().as_bytes())?;
    write_csv(&paths.metrics, MetricsRow::HEADER, rows.iter().map(MetricsRow::csv))?;
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(&paths.metrics)
        .map_err(|e| IoError::Os { path: paths.metrics.display().to_string(), message: e.to_string() })?;
    Ok(Some(file))
}
