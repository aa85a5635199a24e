//! The generation loop: ask → evaluate → tell, then the centre's evaluation, a metrics row,
//! a checkpoint every K generations, and progress through observers (argmin's split: the loop
//! owns files and progress, strategies and networks stay pure).
//!
//! A run directory holds `config.toml` (every key), `metrics.csv` (one row per generation),
//! `checkpoint.safetensors` (strategy state, f64), `params.safetensors` (the centre in physical
//! units: `hidden.tau_ms`, `hidden.v_th`, `hidden.v_rest`, `hidden.r`, the same for `output`,
//! `w_in`, `w_out`, the raw `genome`, and with `env.normalize_obs` the observation normaliser
//! `obs_norm.*`, also in the checkpoint), `summary.json`, and `fitness.svg` / `fitness.png`.
//! Every file is written atomically. `--resume` restarts from the checkpoint and truncates
//! metrics to it; because all randomness is keyed by (seed, generation), the continued run is
//! bit-identical to an uninterrupted one.

use crate::analysis::plot::{self, Chart, Scale, Series};
use crate::config::Config;
use crate::env::obs_norm::{ObsNormalizer, ObsSums};
use crate::env::{visit_env, EnvVisitor, Environment};
use crate::io::{load_arrays, save_arrays, write_atomic, Array, IoError};
use crate::network::genome::PopulationParams;
use crate::network::{FixedWeights, GenomeLayout, NetworkShape};
use crate::rng::Stream;
use crate::rollout::{evaluate, evaluate_normalized, EpisodeSource};
use crate::strategy::Strategy;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Errors of a training run; each renders as one line naming the file or field.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Reading or writing a run file failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The configuration cannot be built (unknown environment, …).
    #[error("{0}")]
    Config(String),
    /// The run directory does not hold what resuming needs.
    #[error("{path}: {message}")]
    Resume {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The thread pool could not be built.
    #[error("thread pool: {0}")]
    Threads(String),
}

/// One row of metrics.csv.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricsRow {
    /// Generations completed (1-based).
    pub generation: u64,
    /// Mean fitness of the population.
    pub fitness_mean: f64,
    /// Standard deviation of the population's fitness (population std).
    pub fitness_std: f64,
    /// Worst member.
    pub fitness_min: f64,
    /// Best member.
    pub fitness_max: f64,
    /// The centre's mean return over `env.eval_episodes` fresh episodes.
    pub centre_fitness: f64,
    /// Mean search width σ.
    pub sigma_mean: f64,
    /// Hidden spikes per hidden neuron per simulated step, over the population.
    pub spikes_per_neuron_step: f64,
    /// Member-steps simulated this generation (population only).
    pub member_steps: u64,
    /// Population episodes per second of wall time this generation.
    pub episodes_per_s: f64,
    /// Wall time since the run started (s), summed over resumed sessions.
    pub wall_s: f64,
}

impl MetricsRow {
    /// The CSV header.
    pub const HEADER: &'static str = "generation,fitness_mean,fitness_std,fitness_min,fitness_max,centre_fitness,sigma_mean,spikes_per_neuron_step,member_steps,episodes_per_s,wall_s";

    /// Columns that depend on the machine's speed, not on the computation.
    pub const TIMING_COLUMNS: [&'static str; 2] = ["episodes_per_s", "wall_s"];

    pub(crate) fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{},{},{:.1},{:.3}",
            self.generation,
            self.fitness_mean,
            self.fitness_std,
            self.fitness_min,
            self.fitness_max,
            self.centre_fitness,
            self.sigma_mean,
            self.spikes_per_neuron_step,
            self.member_steps,
            self.episodes_per_s,
            self.wall_s
        )
    }
}

/// What a finished (or stopped) run reports; also written as summary.json.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Environment name.
    pub env: String,
    /// Genome mode.
    pub mode: String,
    /// The run's seed.
    pub seed: u64,
    /// Generations completed.
    pub generations: u64,
    /// Genome length (every searched value, output neurons included).
    pub parameter_count: usize,
    /// Trainable parameters as Paper A counts them (hidden neurons × properties, + weights).
    pub paper_parameter_count: usize,
    /// Centre fitness after the last generation.
    pub final_centre_fitness: f64,
    /// Best centre fitness seen.
    pub best_centre_fitness: f64,
    /// The task's solved threshold, if any.
    pub solved_threshold: Option<f64>,
    /// First generation whose centre reached the threshold.
    pub first_solved_generation: Option<u64>,
    /// Wall time (s).
    pub wall_s: f64,
    /// Population mean fitness in the last generation.
    pub last_fitness_mean: f64,
    /// Population fitness std in the last generation.
    pub last_fitness_std: f64,
    /// True when the run stopped early (run.stop_fitness reached for run.stop_patience generations).
    pub stopped_early: bool,
    /// Classification runs: the centre's last test accuracy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    /// The final centre (not in summary.json: it is in params.safetensors).
    #[serde(skip)]
    pub centre: Vec<f32>,
}

/// Facts about a run, given to observers at the start.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// Run directory.
    pub out_dir: PathBuf,
    /// Genome length.
    pub parameter_count: usize,
    /// Paper A's count.
    pub paper_parameter_count: usize,
    /// First generation this session will run (0 unless resumed).
    pub start_generation: u64,
    /// Total generations.
    pub generations: u64,
    /// Worker threads.
    pub threads: usize,
}

/// Watches a run (progress bars, logs); never changes it.
pub trait Observer: Send {
    /// Before the first generation of this session.
    fn on_start(&mut self, _info: &RunInfo) {}
    /// After every generation.
    fn on_generation(&mut self, _row: &MetricsRow) {}
    /// After the last generation.
    fn on_finish(&mut self, _summary: &Summary) {}
}

/// Progress for people: an indicatif bar on a terminal, else a plain line every `log_every`.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    log_every: u64,
    total: u64,
}

impl Progress {
    /// A bar when stderr is a terminal, log lines otherwise.
    pub fn new(log_every: u64) -> Self {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(indicatif::ProgressBar::hidden);
        Self { bar, log_every, total: 0 }
    }
}

impl Observer for Progress {
    fn on_start(&mut self, info: &RunInfo) {
        self.total = info.generations;
        println!(
            "training {} generations into {} ({} parameters searched, {} as Paper A counts; {} threads)",
            info.generations - info.start_generation,
            info.out_dir.display(),
            info.parameter_count,
            info.paper_parameter_count,
            info.threads
        );
        if let Some(bar) = &self.bar {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(info.generations);
            bar.set_position(info.start_generation);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30.cyan/blue} gen {pos}/{len} {msg} [{elapsed_precise}<{eta_precise}]",
                )
                .expect("valid template"),
            );
        }
    }

    fn on_generation(&mut self, row: &MetricsRow) {
        let msg = format!(
            "mean {:.1} max {:.1} centre {:.1} | {:.0} episodes/s",
            row.fitness_mean, row.fitness_max, row.centre_fitness, row.episodes_per_s
        );
        match &self.bar {
            Some(bar) => {
                bar.set_message(msg);
                bar.set_position(row.generation);
            }
            None => {
                if row.generation.is_multiple_of(self.log_every) || row.generation == self.total {
                    println!("gen {:>5}/{} {msg} | {:.1} s", row.generation, self.total, row.wall_s);
                }
            }
        }
    }

    fn on_finish(&mut self, s: &Summary) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
        let solved = match (s.first_solved_generation, s.solved_threshold) {
            (Some(g), Some(t)) => format!("; centre first reached {t} at generation {g}"),
            (None, Some(t)) => format!("; centre never reached {t}"),
            _ => String::new(),
        };
        println!(
            "done: centre fitness {:.2} (best {:.2}) after {} generations in {:.1} s{solved}",
            s.final_centre_fitness, s.best_centre_fitness, s.generations, s.wall_s
        );
    }
}

/// Trains `config` into `out_dir` (created if needed) on a pool of `run.threads` threads;
/// resumes from its checkpoint if `resume`.
pub fn train(
    config: &Config,
    out_dir: &Path,
    resume: bool,
    observers: &mut [&mut dyn Observer],
) -> Result<Summary, TrainError> {
    let threads = if config.run.threads == 0 { rayon::current_num_threads() } else { config.run.threads };
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| TrainError::Threads(e.to_string()))?;
    pool.install(|| train_in_current_pool(config, out_dir, resume, observers))
}

/// As [`train`], on the rayon pool the caller is in (`run.threads` is ignored): many runs can then
/// share one pool, as `hetero reproduce` does. Results are the same either way.
pub fn train_in_current_pool(
    config: &Config,
    out_dir: &Path,
    resume: bool,
    observers: &mut [&mut dyn Observer],
) -> Result<Summary, TrainError> {
    if crate::classify::is_classification(config) {
        let dataset = crate::classify::load_dataset(config)?;
        return crate::classify::train_classifier(config, &dataset, out_dir, resume, observers);
    }
    let visitor = TrainVisitor { config, out_dir, resume, observers, threads: rayon::current_num_threads() };
    visit_env(&config.env, visitor).map_err(|e| TrainError::Config(e.to_string()))?
}

struct TrainVisitor<'a, 'b> {
    config: &'a Config,
    out_dir: &'a Path,
    resume: bool,
    observers: &'a mut [&'b mut dyn Observer],
    threads: usize,
}

impl EnvVisitor for TrainVisitor<'_, '_> {
    type Output = Result<Summary, TrainError>;
    fn visit<E: Environment>(self, env: E) -> Self::Output {
        run(&env, self)
    }
}

/// The network pieces a config builds for an environment.
pub struct Model {
    /// Layer sizes.
    pub shape: NetworkShape,
    /// The fixed LeCun draw.
    pub fixed: FixedWeights,
    /// The genome layout.
    pub layout: GenomeLayout,
}

impl Model {
    /// Builds the network of `config` for `env`.
    pub fn new<E: Environment>(config: &Config, env: &E) -> Self {
        let shape = NetworkShape {
            inputs: env.observation_size(),
            hidden: config.network.hidden,
            outputs: env.action_space().outputs(),
        };
        let fixed = FixedWeights::lecun(shape, config.run.seed);
        let layout = GenomeLayout::new(shape, config.network.output, &config.genome);
        Self { shape, fixed, layout }
    }

    /// Mean return of one genome over `episodes` episodes from `source`, and its spike count.
    pub fn evaluate_genome<E: Environment>(
        &self,
        config: &Config,
        env: &E,
        genome: &[f32],
        episodes: usize,
        source: EpisodeSource,
    ) -> Vec<f64> {
        let params = PopulationParams::build(&self.layout, &config.network, &self.fixed, genome, 1);
        evaluate(env, &params, episodes, source).lane_returns
    }

    /// As [`Model::evaluate_genome`], observations normalised by `norm` (not updated).
    pub fn evaluate_genome_normalized<E: Environment>(
        &self,
        config: &Config,
        env: &E,
        genome: &[f32],
        episodes: usize,
        source: EpisodeSource,
        norm: Option<&ObsNormalizer>,
    ) -> Vec<f64> {
        let params = PopulationParams::build(&self.layout, &config.network, &self.fixed, genome, 1);
        evaluate_normalized(env, &params, episodes, source, norm).0.lane_returns
    }
}

/// Array names of the observation normaliser in checkpoint and params files.
pub const OBS_NORM_ARRAYS: [&str; 3] = ["obs_norm.steps", "obs_norm.mean", "obs_norm.var"];

/// The observation normaliser saved in a checkpoint or params file, if the run used one.
pub fn load_obs_norm(arrays: &HashMap<String, Array>) -> Option<ObsNormalizer> {
    let [steps, mean, var] = OBS_NORM_ARRAYS.map(|k| arrays.get(k).map(|a| a.to_f64()));
    Some(ObsNormalizer::from_parts(*steps?.first()?, mean?, var?))
}

fn obs_norm_arrays(norm: &ObsNormalizer) -> Vec<(String, Array)> {
    vec![
        (OBS_NORM_ARRAYS[0].into(), Array::vector64(vec![norm.steps])),
        (OBS_NORM_ARRAYS[1].into(), Array::vector64(norm.mean.clone())),
        (OBS_NORM_ARRAYS[2].into(), Array::vector64(norm.var.clone())),
    ]
}

/// True when this process writes the run's files (always, unless it is a non-zero MPI rank).
pub(crate) fn writes_files() -> bool {
    #[cfg(feature = "mpi")]
    {
        crate::distributed::is_writer()
    }
    #[cfg(not(feature = "mpi"))]
    {
        true
    }
}

/// Evaluates the population, split across MPI ranks when there are several (feature `mpi`):
/// each rank decodes and runs only its share, then all ranks gather the whole result.
fn evaluate_population<E: Environment>(
    env: &E,
    model: &Model,
    config: &Config,
    population: &[f32],
    members: usize,
    source: EpisodeSource,
    norm: Option<&ObsNormalizer>,
) -> (crate::rollout::RolloutResult, ObsSums) {
    let d = model.layout.dim;
    #[cfg(feature = "mpi")]
    {
        if let Some((rank, size)) = crate::distributed::ranks() {
            let (lo, hi) = crate::distributed::share(members, rank, size);
            let params = PopulationParams::build(
                &model.layout,
                &config.network,
                &model.fixed,
                &population[lo * d..hi * d],
                hi - lo,
            );
            let local = evaluate(env, &params, config.env.episodes, source);
            return (crate::distributed::gather(&local, members), ObsSums::default());
        }
    }
    let params =
        PopulationParams::build(&model.layout, &config.network, &model.fixed, &population[..members * d], members);
    evaluate_normalized(env, &params, config.env.episodes, source, norm)
}

pub(crate) fn mean_std_min_max(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    (mean, var.sqrt(), min, max)
}

fn run<E: Environment>(env: &E, v: TrainVisitor<'_, '_>) -> Result<Summary, TrainError> {
    let TrainVisitor { config, out_dir, resume, observers, threads } = v;
    let model = Model::new(config, env);
    let centre0 = model.layout.initial_centre(&config.network, &model.fixed);
    let mut strategy = config.strategy.build(&centre0, config.run.seed);
    let p = strategy.population_size();
    let d = strategy.dim();
    let paths = RunPaths::new(out_dir);
    let writer = writes_files();
    let mut norm = config.env.normalize_obs.then(|| ObsNormalizer::new(env.observation_size()));
    #[cfg(feature = "mpi")]
    if norm.is_some() && crate::distributed::ranks().is_some_and(|(_, size)| size > 1) {
        return Err(TrainError::Config("env.normalize_obs: not supported across MPI ranks (run one process)".into()));
    }
    if writer {
        std::fs::create_dir_all(out_dir)
            .map_err(|e| IoError::Os { path: out_dir.display().to_string(), message: e.to_string() })?;
    }

    let mut rows: Vec<MetricsRow> = Vec::new();
    let mut start = 0u64;
    let mut wall_before = 0.0;
    if resume {
        let saved = restore_checkpoint(&paths.checkpoint, strategy.as_mut())?;
        let bad = |m: String| TrainError::Resume { path: paths.checkpoint.display().to_string(), message: m };
        (start, wall_before) = (saved.generation, saved.wall_s);
        if norm.is_some() {
            norm = Some(
                load_obs_norm(&saved.arrays)
                    .ok_or_else(|| bad("no obs_norm arrays (env.normalize_obs is on)".into()))?,
            );
        }
        rows = read_metrics(&paths.metrics, start)?;
        if start >= config.run.generations {
            return Err(bad(format!(
                "already at generation {start} of {}; raise --generations to continue",
                config.run.generations
            )));
        }
    }
    let mut metrics_file = open_run_files(&paths, config, &rows, writer)?;
    start_observers(observers, out_dir, &model.layout, start, config.run.generations, threads);

    let episodes = config.env.episodes;
    let mut population = vec![0.0f32; p * d];
    let t0 = Instant::now();
    for g in start..config.run.generations {
        #[cfg(feature = "mpi")]
        crate::distributed::maybe_fail(g);
        let tg = Instant::now();
        strategy.ask(g, &mut population);
        let source = EpisodeSource { seed: config.run.seed, stream: Stream::EnvReset, generation: g };
        let (result, sums) = evaluate_population(env, &model, config, &population, p, source, norm.as_ref());
        let fitness = result.member_means();
        strategy.tell(&fitness);
        let centre = strategy.centre();
        let centre_source = EpisodeSource { seed: config.run.seed, stream: Stream::CentreEval, generation: g };
        // The centre sees the statistics its population was evaluated with (EvoJAX updates them
        // after the generation); then this generation's observations enter the statistics.
        let centre_returns = model.evaluate_genome_normalized(
            config,
            env,
            &centre,
            config.env.eval_episodes,
            centre_source,
            norm.as_ref(),
        );
        if let Some(n) = norm.as_mut() {
            n.update(&sums);
        }
        let (mean, std, min, max) = mean_std_min_max(&fitness);
        let steps = result.total_steps();
        let row = MetricsRow {
            generation: g + 1,
            fitness_mean: mean,
            fitness_std: std,
            fitness_min: min,
            fitness_max: max,
            centre_fitness: centre_returns.iter().sum::<f64>() / centre_returns.len() as f64,
            sigma_mean: strategy.sigma_mean(),
            spikes_per_neuron_step: result.hidden_spikes as f64 / (steps.max(1) as f64 * model.shape.hidden as f64),
            member_steps: steps,
            episodes_per_s: (p * episodes) as f64 / tg.elapsed().as_secs_f64(),
            wall_s: wall_before + t0.elapsed().as_secs_f64(),
        };
        log_generation(&mut metrics_file, &paths, observers, &row)?;
        let solved_streak = rows.iter().rev().take_while(|r| r.centre_fitness >= config.run.stop_fitness).count()
            as u64
            + (row.centre_fitness >= config.run.stop_fitness) as u64;
        rows.push(row);
        let stop_now = solved_streak >= config.run.stop_patience;
        let last = g + 1 == config.run.generations || stop_now;
        if writer && ((g + 1) % config.run.checkpoint_every == 0 || last) {
            let saved = SavedState {
                strategy: strategy.as_ref(),
                generation: g + 1,
                wall_s: wall_before + t0.elapsed().as_secs_f64(),
                centre: &centre,
                norm: norm.as_ref(),
            };
            save_run_state(&paths, &metrics_file, config, &model, &saved)?;
        }
        if stop_now {
            break;
        }
    }
    let mut summary = summarise(config, &model, &rows, env.solved_threshold());
    summary.centre = strategy.centre();
    finish_run(&paths, config, &rows, &summary, "return", observers)?;
    Ok(summary)
}

/// Appends `row` to metrics.csv (when this process writes) and tells the observers.
pub(crate) fn log_generation(
    metrics_file: &mut Option<std::fs::File>,
    paths: &RunPaths,
    observers: &mut [&mut dyn Observer],
    row: &MetricsRow,
) -> Result<(), IoError> {
    if let Some(f) = metrics_file.as_mut() {
        writeln!(f, "{}", row.csv())
            .map_err(|e| IoError::Os { path: paths.metrics.display().to_string(), message: e.to_string() })?;
    }
    for o in observers.iter_mut() {
        o.on_generation(row);
    }
    Ok(())
}

/// What a checkpoint saves besides the configuration and the model.
pub(crate) struct SavedState<'a> {
    /// The strategy whose state is saved.
    pub strategy: &'a dyn Strategy,
    /// Generations completed.
    pub generation: u64,
    /// Wall time of the run so far (s).
    pub wall_s: f64,
    /// The strategy's centre (for params.safetensors).
    pub centre: &'a [f32],
    /// The observation normaliser, if the run has one.
    pub norm: Option<&'a ObsNormalizer>,
}

/// Flushes metrics.csv to disk, then writes checkpoint.safetensors and params.safetensors, so a
/// checkpoint never refers to metrics rows that a crash could lose.
pub(crate) fn save_run_state(
    paths: &RunPaths,
    metrics_file: &Option<std::fs::File>,
    config: &Config,
    model: &Model,
    saved: &SavedState<'_>,
) -> Result<(), IoError> {
    if let Some(f) = metrics_file.as_ref() {
        f.sync_data().ok();
    }
    save_checkpoint(paths, saved.strategy, saved.generation, saved.wall_s, saved.norm)?;
    save_params(paths, config, model, saved.centre, saved.norm)
}

/// Writes summary.json and (if configured) the fitness plot, then tells the observers the run
/// finished.
pub(crate) fn finish_run(
    paths: &RunPaths,
    config: &Config,
    rows: &[MetricsRow],
    summary: &Summary,
    y_label: &str,
    observers: &mut [&mut dyn Observer],
) -> Result<(), TrainError> {
    if writes_files() {
        write_atomic(&paths.summary, serde_json::to_string_pretty(summary).expect("summary serialises").as_bytes())?;
        if config.run.plots {
            plot_fitness(paths, rows, y_label)?;
        }
    }
    for o in observers.iter_mut() {
        o.on_finish(summary);
    }
    Ok(())
}

/// What [`restore_checkpoint`] read back besides the strategy state.
pub struct RestoredCheckpoint {
    /// Generations completed when the checkpoint was written.
    pub generation: u64,
    /// Wall seconds of the run up to then.
    pub wall_s: f64,
    /// Every array of the file (the observation normaliser's `obs_norm.*` among them).
    pub arrays: crate::io::Arrays,
}

/// Reads checkpoint.safetensors and loads its strategy state (every array but `obs_norm.*`)
/// into `strategy`; errors name the file.
pub fn restore_checkpoint(path: &Path, strategy: &mut dyn Strategy) -> Result<RestoredCheckpoint, TrainError> {
    let (arrays, meta) = load_arrays(path)?;
    let bad = |m: String| TrainError::Resume { path: path.display().to_string(), message: m };
    let generation =
        meta.get("generation").and_then(|g| g.parse().ok()).ok_or_else(|| bad("no `generation` in metadata".into()))?;
    let wall_s = meta.get("wall_s").and_then(|g| g.parse().ok()).unwrap_or(0.0);
    let state: HashMap<String, Vec<f64>> =
        arrays.iter().filter(|(k, _)| !k.starts_with("obs_norm.")).map(|(k, a)| (k.clone(), a.to_f64())).collect();
    strategy.load_state(&state).map_err(|m| bad(format!("strategy state: {m}")))?;
    Ok(RestoredCheckpoint { generation, wall_s, arrays })
}

/// Writes config.toml, rewrites metrics.csv with `rows` (the kept history of a resumed run) and
/// opens it for appending; nothing on a process that does not write (a non-zero MPI rank).
pub(crate) fn open_run_files(
    paths: &RunPaths,
    config: &Config,
    rows: &[MetricsRow],
    writer: bool,
) -> Result<Option<std::fs::File>, IoError> {
    if !writer {
        return Ok(None);
    }
    write_atomic(&paths.config, config.to_toml().as_bytes())?;
    rewrite_metrics(&paths.metrics, rows)?;
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(&paths.metrics)
        .map_err(|e| IoError::Os { path: paths.metrics.display().to_string(), message: e.to_string() })?;
    Ok(Some(file))
}

/// Tells every observer that a session of a run starts.
pub(crate) fn start_observers(
    observers: &mut [&mut dyn Observer],
    out_dir: &Path,
    layout: &GenomeLayout,
    start: u64,
    generations: u64,
    threads: usize,
) {
    let info = RunInfo {
        out_dir: out_dir.to_path_buf(),
        parameter_count: layout.parameter_count(),
        paper_parameter_count: layout.paper_parameter_count(),
        start_generation: start,
        generations,
        threads,
    };
    for o in observers.iter_mut() {
        o.on_start(&info);
    }
}

/// File names inside a run directory.
pub struct RunPaths {
    /// config.toml.
    pub config: PathBuf,
    /// metrics.csv.
    pub metrics: PathBuf,
    /// checkpoint.safetensors.
    pub checkpoint: PathBuf,
    /// params.safetensors.
    pub params: PathBuf,
    /// summary.json.
    pub summary: PathBuf,
    /// fitness (.svg / .png).
    pub fitness_plot: PathBuf,
}

impl RunPaths {
    /// The files of run directory `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            config: dir.join("config.toml"),
            metrics: dir.join("metrics.csv"),
            checkpoint: dir.join("checkpoint.safetensors"),
            params: dir.join("params.safetensors"),
            summary: dir.join("summary.json"),
            fitness_plot: dir.join("fitness"),
        }
    }
}

pub(crate) fn save_checkpoint(
    paths: &RunPaths,
    strategy: &dyn Strategy,
    generation: u64,
    wall_s: f64,
    norm: Option<&ObsNormalizer>,
) -> Result<(), IoError> {
    let mut arrays: Vec<(String, Array)> = strategy.state().into_iter().map(|(k, v)| (k, Array::vector64(v))).collect();
    arrays.extend(norm.map(obs_norm_arrays).unwrap_or_default());
    let meta = HashMap::from([
        ("format".to_string(), "hetero-checkpoint-1".to_string()),
        ("strategy".to_string(), strategy.name().to_string()),
        ("generation".to_string(), generation.to_string()),
        ("wall_s".to_string(), format!("{wall_s:.3}")),
    ]);
    save_arrays(&paths.checkpoint, &arrays, &meta)
}

pub(crate) fn save_params(
    paths: &RunPaths,
    config: &Config,
    model: &Model,
    centre: &[f32],
    norm: Option<&ObsNormalizer>,
) -> Result<(), IoError> {
    let mut arrays: Vec<(String, Array)> = model
        .layout
        .named_arrays(centre, &config.network, &model.fixed)
        .into_iter()
        .map(|(n, s, v)| (n, Array::F32(s, v)))
        .collect();
    arrays.extend(norm.map(obs_norm_arrays).unwrap_or_default());
    arrays.push(("genome".into(), Array::F32(vec![centre.len()], centre.to_vec())));
    let segments: Vec<String> =
        model.layout.segments.iter().map(|s| format!("{}:{}:{}", s.name, s.offset, s.len)).collect();
    let meta = HashMap::from([
        ("format".to_string(), "hetero-params-1".to_string()),
        ("genome_segments".to_string(), segments.join(",")),
        ("config".to_string(), config.to_toml()),
    ]);
    save_arrays(&paths.params, &arrays, &meta)
}

/// Reads metrics.csv rows up to and including `through` generations.
pub fn read_metrics(path: &Path, through: u64) -> Result<Vec<MetricsRow>, TrainError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| IoError::Os { path: path.display().to_string(), message: e.to_string() })?;
    let rows = read_run_csv(path, &text, &[11], through)?;
    Ok(rows
        .iter()
        .map(|f| MetricsRow {
            generation: f[0] as u64,
            fitness_mean: f[1],
            fitness_std: f[2],
            fitness_min: f[3],
            fitness_max: f[4],
            centre_fitness: f[5],
            sigma_mean: f[6],
            spikes_per_neuron_step: f[7],
            member_steps: f[8] as u64,
            episodes_per_s: f[9],
            wall_s: f[10],
        })
        .collect())
}

/// The data lines of a per-generation CSV a run wrote (`text`, read from `path`; header skipped),
/// as numbers, keeping the lines whose generation (column 0) is at most `through`. A line must
/// have one of the `widths` column counts (the first is the current format); shorter lines are
/// padded with NaN to the first width. Errors name the file and line.
pub(crate) fn read_run_csv(
    path: &Path,
    text: &str,
    widths: &[usize],
    through: u64,
) -> Result<Vec<Vec<f64>>, TrainError> {
    let bad = |line: usize, m: &str| TrainError::Resume {
        path: path.display().to_string(),
        message: format!("line {line}: {m}"),
    };
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if !widths.contains(&fields.len()) {
            return Err(bad(i + 1, &format!("expected {} columns", widths[0])));
        }
        let mut row = fields
            .iter()
            .map(|v| v.parse::<f64>().map_err(|_| bad(i + 1, &format!("`{v}` is not a number"))))
            .collect::<Result<Vec<f64>, _>>()?;
        row.resize(widths[0].max(row.len()), f64::NAN);
        if row[0] as u64 <= through {
            rows.push(row);
        }
    }
    Ok(rows)
}

pub(crate) fn rewrite_metrics(path: &Path, rows: &[MetricsRow]) -> Result<(), IoError> {
    let mut text = String::from(MetricsRow::HEADER);
    text.push('\n');
    for r in rows {
        text.push_str(&r.csv());
        text.push('\n');
    }
    write_atomic(path, text.as_bytes())
}

/// The summary of a run from its metrics rows; `threshold` is the task's solved threshold. The
/// fields that only the caller knows (the centre, a classifier's test accuracy) are left empty.
pub(crate) fn summarise(config: &Config, model: &Model, rows: &[MetricsRow], threshold: Option<f64>) -> Summary {
    let last = rows.last();
    Summary {
        env: config.env.name.clone(),
        mode: format!("{:?}", config.genome.mode).to_lowercase(),
        seed: config.run.seed,
        generations: last.map_or(0, |r| r.generation),
        parameter_count: model.layout.parameter_count(),
        paper_parameter_count: model.layout.paper_parameter_count(),
        final_centre_fitness: last.map_or(f64::NAN, |r| r.centre_fitness),
        best_centre_fitness: rows.iter().map(|r| r.centre_fitness).fold(f64::NEG_INFINITY, f64::max),
        solved_threshold: threshold,
        first_solved_generation: threshold
            .and_then(|t| rows.iter().find(|r| r.centre_fitness >= t).map(|r| r.generation)),
        wall_s: last.map_or(0.0, |r| r.wall_s),
        last_fitness_mean: last.map_or(f64::NAN, |r| r.fitness_mean),
        last_fitness_std: last.map_or(f64::NAN, |r| r.fitness_std),
        stopped_early: last.is_some_and(|r| r.generation < config.run.generations),
        test_accuracy: None,
        centre: Vec::new(),
    }
}

pub(crate) fn plot_fitness(paths: &RunPaths, rows: &[MetricsRow], y_label: &str) -> Result<(), TrainError> {
    let g = |r: &MetricsRow| r.generation as f64;
    let series = vec![
        Series {
            name: "population mean ± std".into(),
            points: rows.iter().map(|r| (g(r), r.fitness_mean)).collect(),
            band: Some(rows.iter().map(|r| (r.fitness_mean - r.fitness_std, r.fitness_mean + r.fitness_std)).collect()),
        },
        Series {
            name: "population max".into(),
            points: rows.iter().map(|r| (g(r), r.fitness_max)).collect(),
            band: None,
        },
        Series { name: "centre".into(), points: rows.iter().map(|r| (g(r), r.centre_fitness)).collect(), band: None },
    ];
    let chart = Chart { title: "Fitness per generation", x_label: "generation", y_label, x_scale: Scale::Linear };
    plot::line_chart(&paths.fitness_plot, &chart, &series).map_err(|e| TrainError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, widths: &[usize], through: u64) -> Result<Vec<Vec<f64>>, String> {
        read_run_csv(Path::new("run/accuracy.csv"), text, widths, through).map_err(|e| e.to_string())
    }

    /// Lines after `through` are dropped, old shorter lines are padded with NaN.
    #[test]
    fn run_csv_keeps_generations_through_and_pads_old_lines() {
        let text = "generation,a,b\n10,0.5,NaN\n20,0.25\n30,1,2\n";
        let rows = read(text, &[3, 2], 20).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][..2], &[10.0, 0.5]);
        assert!(rows[0][2].is_nan() && rows[1][2].is_nan());
        assert_eq!(rows[1][1], 0.25);
        assert_eq!(read("generation,a,b\n", &[3], 5).unwrap().len(), 0);
    }

    /// A wrong column count or a non-number names the file and line.
    #[test]
    fn run_csv_rejects_malformed_lines() {
        let err = read("g,a,b\n10,1,2\n20,1\n", &[3], u64::MAX).unwrap_err();
        assert!(
            err.contains("run/accuracy.csv") && err.contains("line 3") && err.contains("expected 3 columns"),
            "{err}"
        );
        let err = read("g,a,b\n10,x1,2\n", &[3], u64::MAX).unwrap_err();
        assert!(err.contains("line 2") && err.contains("`x1` is not a number"), "{err}");
    }
}
