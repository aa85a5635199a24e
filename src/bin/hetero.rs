//! The `hetero` command line: parses, loads the configuration, calls the library. Every error is
//! one line on stderr and exit code 2.

use clap::{Parser, Subcommand};
use hetero::config::{ConfigTree, PRESETS};
use hetero::engine::{config_stem, new_run_dir, resume_run_dir, MetricsRow, Observer, ObserverError, RunInfo, Summary};
use hetero::env::{visit_env, Action, ActionSpace, EnvConfig, EnvVisitor, Environment};
use hetero::rng::{stream_rng, Stream};
use hetero::train::{evaluate_run, train, RunEvaluation};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hetero",
    version,
    about = "Neuronal heterogeneity in spiking networks: evolution strategies over neuron properties"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a network with an evolution strategy.
    Train {
        /// A preset name (see `hetero presets`) or a path to a .toml config.
        config: String,
        /// Generations to run (run.generations).
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        generations: Option<i64>,
        /// Population size (strategy.population).
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        population: Option<i64>,
        /// Seed of every random stream (run.seed).
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Worker threads, 0 = all cores (run.threads); results do not depend on it.
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        threads: Option<i64>,
        /// Run directory (default runs/<preset>-s<seed>, numbered if taken).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Continue the run in --out (or the default directory) from its checkpoint.
        #[arg(long)]
        resume: bool,
        /// Override any config key, e.g. --set network.hidden=128 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Evaluate a run's centre on fresh episodes.
    Eval {
        /// The run directory.
        run_dir: PathBuf,
        /// Episodes.
        #[arg(long, default_value_t = 100, value_name = "N")]
        episodes: usize,
        /// Seed of the evaluation episodes (default: the run's seed).
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List the built-in presets.
    Presets,
    /// Replay actions in an environment from its seeded initial state, printing every step.
    Env {
        /// Environment name (cartpole, memory_chain; with feature mujoco halfcheetah, hopper, walker2d, ant).
        name: String,
        /// Seed: the initial state is episode 0 of generation 0 of a run with this seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Comma-separated actions; continuous: `;`-separated vectors of `,`-separated numbers.
        #[arg(long, value_name = "A,B,... | a1,a2;b1,b2;...", default_value = "")]
        actions: String,
        /// Step limit.
        #[arg(long, default_value_t = 500)]
        max_steps: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Reproduce an experiment of the papers.
    #[command(subcommand)]
    Reproduce(Reproduce),
    /// The temporal task bank of the intrinsic-heterogeneity studies.
    #[command(subcommand)]
    Tasks(Tasks),
    /// Analyse finished runs.
    #[command(subcommand)]
    Analyze(Analyze),
    /// Print throughput figures.
    Bench {
        /// Which benchmark: all | cartpole | memory | bptt | mnist | reservoir | locomotion (feature mujoco).
        name: String,
        /// locomotion: the task (halfcheetah, hopper, walker2d, ant).
        #[arg(long, default_value = "halfcheetah")]
        env: String,
        /// One JSON object per row.
        #[arg(long)]
        json: bool,
        /// Timed generations per row (default 12; locomotion 3).
        #[arg(long)]
        generations: Option<u64>,
        /// Worker threads, 0 = all cores.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// mnist: time generations of this run (its config and checkpoint: trained centre and σ,
        /// so trained spike rates) instead of the paper's sizes from the initial centre.
        #[arg(long, value_name = "RUN_DIR")]
        run: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Tasks {
    /// Print every task name, one per line, in bank order.
    List,
    /// Print one task's stimulus and target as CSV (t, u0[, u1, u2], y).
    Show {
        /// Task name (see `hetero tasks list`).
        name: String,
        /// Seed of the stimulus.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Samples.
        #[arg(long, default_value_t = 200)]
        len: usize,
    },
}

#[derive(Subcommand)]
enum Reproduce {
    /// Paper B: quenched τ heterogeneity in reservoirs on the task bank (profiles | size | robustness | cost).
    Intrinsic {
        /// profiles | size | robustness | cost.
        study: String,
        /// rate | spiking | both (default both).
        #[arg(long, default_value = "both")]
        network: String,
        /// Network seeds per condition (default 10; 3 with --quick).
        #[arg(long, value_name = "N")]
        seeds: Option<u64>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
    /// Paper A Figure 7 / Table 5: BP (REINFORCE + BPTT) vs ES on CartPole, neuron and weight mode.
    BpVsEs {
        /// CartPole step limits (default 100,200,500,1000).
        #[arg(long = "max-steps", value_name = "N,N,...", value_delimiter = ',')]
        max_steps: Option<Vec<usize>>,
        /// Seeds per (arm, max steps) (default 20; Paper A used 100).
        #[arg(long, value_name = "N")]
        seeds: Option<u64>,
        /// BP learning rate (Adam; default 3e-2). Table 5's sweep: 1e-3, 1e-2, 3e-2, 0.1, 0.3.
        #[arg(long, value_name = "LR", allow_negative_numbers = true)]
        lr: Option<f64>,
        /// BP surrogate: atan:ALPHA (default atan:2), log:ALPHA, triangle, rectangular (Table 6).
        #[arg(long, value_name = "NAME[:ALPHA]")]
        surrogate: Option<String>,
        /// BP recurrent Jacobian: reset (Eq. 9, default) or detached (Eq. 11).
        #[arg(long, value_name = "reset|detached")]
        jacobian: Option<String>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
    /// Paper A Figure 2: bsuite memory_length, neuron vs weight mode and a homogeneous-τ sweep.
    MemoryLength {
        /// Memory lengths (default 1-10,12,14,17,20,25,30,40,50).
        #[arg(long, value_name = "L,L,...", value_delimiter = ',')]
        lengths: Option<Vec<usize>>,
        /// Seeds per (length, arm) (default 5).
        #[arg(long, value_name = "N")]
        seeds: Option<u64>,
        /// Generation budget per run (default 1000, Paper A's).
        #[arg(long, value_name = "G")]
        generations: Option<u64>,
        /// Homogeneous τ values (ms) of the weight-mode sweep (default 5,10,20,40,80,160).
        #[arg(long, value_name = "MS,MS,...", value_delimiter = ',')]
        taus: Option<Vec<f32>>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
    /// Paper A Table 3 and Figure 6: MNIST / Fashion-MNIST, neuron vs weight mode at equal sizes.
    Mnist {
        /// mnist, fashion-mnist or both (default both).
        #[arg(long, value_name = "NAME")]
        dataset: Option<String>,
        /// Sizes in trainable neuron parameters (default 4096,8192,16384,32768).
        #[arg(long, value_name = "N,N,...", value_delimiter = ',')]
        sizes: Option<Vec<usize>>,
        /// Generations per run (default 300).
        #[arg(long, value_name = "G")]
        generations: Option<u64>,
        /// Seeds per (dataset, size, arm) (default 1).
        #[arg(long, value_name = "N")]
        seeds: Option<u64>,
        /// Folder holding mnist/ and fashion-mnist/ (default: $HETERO_DATA, ./data, /usr/share/datasets).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
    /// Paper A Table 1 / Figure 4: the 15 neuron-property subsets on locomotion (feature mujoco) and Shapley values.
    Ablation {
        /// Task: halfcheetah, hopper, walker2d, ant or all.
        #[arg(long, value_name = "NAME")]
        env: String,
        /// Generations per run (default 1000, Paper A's).
        #[arg(long, value_name = "G")]
        generations: Option<u64>,
        /// Seeds per coalition (default 5).
        #[arg(long, value_name = "N")]
        seeds: Option<u64>,
        /// Trainable-parameter budget per network (default 16384, Paper A's).
        #[arg(long, value_name = "P")]
        params: Option<usize>,
        /// PGPE population (default 256).
        #[arg(long, value_name = "N")]
        population: Option<usize>,
        /// Episode step limit (default 1000).
        #[arg(long = "max-steps", value_name = "N")]
        max_steps: Option<usize>,
        /// Episodes of each final centre evaluation (default 10).
        #[arg(long = "final-episodes", value_name = "N")]
        final_episodes: Option<usize>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
    /// Paper A Figure 3: reward vs trainable parameters on locomotion (feature mujoco), neuron vs weight mode.
    ControlScaling {
        /// Task: halfcheetah, hopper, walker2d, ant or all.
        #[arg(long, value_name = "NAME")]
        env: String,
        /// Parameter budgets (default 256,1024,4096,16384).
        #[arg(long, value_name = "P,P,...", value_delimiter = ',')]
        sizes: Option<Vec<usize>>,
        /// Generations per run (default 1000).
        #[arg(long, value_name = "G")]
        generations: Option<u64>,
        /// Seeds per (size, mode) (default 5).
        #[arg(long, value_name = "N")]
        seeds: Option<u64>,
        /// PGPE population (default 256).
        #[arg(long, value_name = "N")]
        population: Option<usize>,
        /// Episode step limit (default 1000).
        #[arg(long = "max-steps", value_name = "N")]
        max_steps: Option<usize>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
}

#[derive(Subcommand)]
enum Analyze {
    /// Gamma and lognormal fits (location 0) of the learned hidden τ beside Paper A's Table 2 and biology.
    Tau {
        /// Run directories (each with params.safetensors holding hidden.tau_ms).
        #[arg(required = true)]
        run_dirs: Vec<PathBuf>,
        /// Output folder (default: the first run directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// Flags every reproduction takes.
#[derive(clap::Args)]
struct ReproduceCommon {
    /// A reduced study for smoke tests (a few seconds).
    #[arg(long)]
    quick: bool,
    /// Output folder (default runs/<experiment>, or runs/<experiment>-quick).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads, 0 = all cores.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl ReproduceCommon {
    /// The output folder: --out, or runs/<name>[-quick].
    fn out_dir(&self, name: &str) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            PathBuf::from(if self.quick { format!("runs/{name}-quick") } else { format!("runs/{name}") })
        })
    }
}

/// Runs a reproduction on a pool of `threads` and prints one summary line (on the writing rank).
fn run_reproduction<R: Send>(
    threads: usize,
    out: &Path,
    figures: &str,
    run: impl FnOnce() -> Result<Vec<R>, hetero::train::TrainError> + Send,
) -> Result<(), Failure> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let start = std::time::Instant::now();
    let rows = pool.install(run)?;
    if hetero::experiment::writes_files() {
        println!(
            "{} runs in {:.1} s on {} threads; results in {}/results.md, results.csv, {figures}",
            rows.len(),
            start.elapsed().as_secs_f64(),
            pool.current_num_threads(),
            out.display()
        );
    }
    Ok(())
}

/// `value` if it is at least 1, else the error naming `flag`.
fn at_least_one<T: PartialOrd + From<u8> + std::fmt::Display>(flag: &str, value: T) -> Result<T, Failure> {
    if value >= T::from(1) {
        Ok(value)
    } else {
        Err(Failure(format!("{flag} {value}: must be at least 1")))
    }
}

/// Sets `field` to `value` when the flag was given, after [`at_least_one`].
fn override_at_least_one<T: PartialOrd + From<u8> + std::fmt::Display>(
    field: &mut T,
    flag: &str,
    value: Option<T>,
) -> Result<(), Failure> {
    if let Some(v) = value {
        *field = at_least_one(flag, v)?;
    }
    Ok(())
}

/// The locomotion tasks named by `--env` (one task, or `all`).
fn locomotion_envs(env: &str) -> Result<Vec<String>, Failure> {
    use hetero::experiment::ablation::TASKS;
    match env {
        "all" => Ok(TASKS.iter().map(|t| t.to_string()).collect()),
        e if TASKS.contains(&e) => Ok(vec![e.to_string()]),
        e => Err(Failure(format!("--env {e}: unknown (halfcheetah, hopper, walker2d, ant, all)"))),
    }
}

/// `values` if non-empty and each is at least 1, else the error naming `flag`.
fn all_at_least_one(flag: &str, values: Vec<usize>) -> Result<Vec<usize>, Failure> {
    if values.is_empty() || values.contains(&0) {
        return Err(Failure(format!("{flag} {values:?}: every value must be at least 1")));
    }
    Ok(values)
}

/// A failure to report in one line.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
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

    fn on_finish(&mut self, s: &Summary) -> Result<(), ObserverError> {
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
        Ok(())
    }
}

fn main() -> ExitCode {
    // Under MPI every rank runs this program; the universe lives until main returns.
    #[cfg(feature = "mpi")]
    let _mpi = hetero::distributed::init();
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        hetero::io::report_line(&format!("error: internal error{at}: {} (please report)", msg.replace('\n', " ")));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.render().to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("error: invalid arguments");
            hetero::io::report_line(&format!("{first} (see --help)"));
            return ExitCode::from(2);
        }
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(m)) => {
            hetero::io::report_line(&format!("error: {}", m.replace('\n', " ")));
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Train { config, generations, population, seed, threads, out, resume, set } => {
            train_command(&config, generations, population, seed, threads, out, resume, &set)
        }
        Command::Eval { run_dir, episodes, seed, json } => eval_command(&run_dir, episodes, seed, json),
        Command::Presets => {
            for (name, text) in PRESETS {
                let c = ConfigTree::parse(text, name)?.finish()?;
                println!("{name:<18} {}", c.run.description);
            }
            Ok(())
        }
        Command::Env { name, seed, actions, max_steps, json } => env_command(&name, seed, &actions, max_steps, json),
        Command::Bench { name, env, json, generations, threads, run } => {
            if let Some(dir) = run {
                if name != "mnist" {
                    return Err(Failure(format!(
                        "--run: only `bench mnist` takes a run directory, not `bench {name}`"
                    )));
                }
                return bench_mnist_run(&dir, json, generations.unwrap_or(12), threads);
            }
            if name == "locomotion" {
                return locomotion_bench(&env, json, generations.unwrap_or(3), threads);
            }
            bench_command(&name, json, generations.unwrap_or(12), threads)
        }
        Command::Tasks(Tasks::List) => {
            for t in hetero::data::tasks::bank() {
                println!("{}", t.name);
            }
            Ok(())
        }
        Command::Tasks(Tasks::Show { name, seed, len }) => {
            at_least_one("--len", len)?;
            print!("{}", hetero::data::tasks::to_csv(&name, seed, len)?);
            Ok(())
        }
        Command::Reproduce(Reproduce::Intrinsic { study, network, seeds, common }) => {
            use hetero::experiment::intrinsic::{self, Options, Study};
            let study = Study::parse(&study)?;
            let mut opts = Options::new(study, common.quick, common.out_dir(&format!("intrinsic-{}", study.name())));
            opts.networks = intrinsic::parse_networks(&network)?;
            if let Some(s) = seeds {
                opts.seeds = at_least_one("--seeds", s)?;
            }
            run_reproduction(common.threads, &opts.out, "tasks.csv and figures", || intrinsic::run(&opts))
        }
        Command::Reproduce(Reproduce::BpVsEs { max_steps, seeds, lr, surrogate, jacobian, common }) => {
            use hetero::experiment::bp_vs_es::{self, Options};
            use hetero::gradient::{Jacobian, Surrogate};
            let mut opts = Options::full(common.out_dir("bp-vs-es"));
            if common.quick {
                opts.max_steps = vec![100, 200];
                opts.seeds = 2;
                opts.es_population = 8;
                opts.es_generations = 10;
            }
            if let Some(m) = max_steps {
                opts.max_steps = all_at_least_one("--max-steps", m)?;
            }
            if let Some(s) = seeds {
                opts.seeds = at_least_one("--seeds", s)?;
            }
            if let Some(l) = lr {
                if !(l > 0.0 && l.is_finite()) {
                    return Err(Failure(format!("--lr {l}: must be a positive number")));
                }
                opts.lr = l;
            }
            if let Some(name) = surrogate {
                let (kind, alpha) = name.split_once(':').map_or((name.as_str(), None), |(k, a)| (k, Some(a)));
                let alpha = match alpha.map(|a| a.parse::<f64>()) {
                    None => Ok(2.0),
                    Some(Ok(a)) if a > 0.0 => Ok(a),
                    _ => Err(Failure(format!("--surrogate {name}: α must be a positive number"))),
                }?;
                opts.surrogate = match kind {
                    "atan" => Surrogate::ATan { alpha },
                    "log" => Surrogate::Log { alpha },
                    "triangle" => Surrogate::Triangle,
                    "rectangular" => Surrogate::Rectangular,
                    _ => {
                        return Err(Failure(format!(
                            "--surrogate {name}: unknown (atan:α, log:α, triangle, rectangular)"
                        )))
                    }
                };
            }
            if let Some(j) = jacobian {
                opts.jacobian = match j.as_str() {
                    "reset" => Jacobian::WithReset,
                    "detached" => Jacobian::Detached,
                    _ => return Err(Failure(format!("--jacobian {j}: expected reset or detached"))),
                };
            }
            run_reproduction(common.threads, &opts.out, "reward_vs_max_steps.png, pre_reset_u.png", || {
                bp_vs_es::run(&opts)
            })
        }
        Command::Reproduce(Reproduce::Mnist { dataset, sizes, generations, seeds, data_dir, common }) => {
            use hetero::data::DatasetName;
            use hetero::experiment::mnist::{self, Options};
            let out = common.out_dir("mnist");
            let mut opts = if common.quick { Options::quick(out) } else { Options::full(out) };
            if let Some(d) = dataset {
                opts.datasets = match d.as_str() {
                    "both" => vec![DatasetName::Mnist, DatasetName::FashionMnist],
                    other => vec![other
                        .parse::<DatasetName>()
                        .map_err(|e| Failure(format!("--dataset {other}: {e}; or both")))?],
                };
            }
            if let Some(s) = sizes {
                opts.sizes = all_at_least_one("--sizes", s)?;
            }
            if let Some(g) = generations {
                opts.generations = at_least_one("--generations", g)?;
            }
            if let Some(s) = seeds {
                opts.seeds = at_least_one("--seeds", s)?;
            }
            opts.data_dir = data_dir;
            run_reproduction(
                common.threads,
                &opts.out,
                "accuracy_<dataset>.png, fig6_<dataset>_<arm>.png, silent_<dataset>.png",
                || mnist::run(&opts),
            )
        }
        Command::Reproduce(Reproduce::MemoryLength { lengths, seeds, generations, taus, common }) => {
            use hetero::experiment::memory_length::{self, Options};
            let out = common.out_dir("memory-length");
            let mut opts = if common.quick { Options::quick(out) } else { Options::full(out) };
            if let Some(l) = lengths {
                opts.lengths = all_at_least_one("--lengths", l)?;
            }
            if let Some(s) = seeds {
                opts.seeds = at_least_one("--seeds", s)?;
            }
            if let Some(g) = generations {
                opts.generations = at_least_one("--generations", g)?;
            }
            if let Some(t) = taus {
                // `!(t >= 5)` also refuses NaN.
                #[allow(clippy::neg_cmp_op_on_partial_ord)]
                let too_small = |t: f32| !(t >= 5.0);
                if let Some(bad) = t.iter().find(|&&t| too_small(t)) {
                    return Err(Failure(format!("--taus {bad}: τ must be at least Δt = 5 ms")));
                }
                opts.taus_ms = t;
            }
            run_reproduction(common.threads, &opts.out, "reward_vs_length.png, tau_sweep.png", || {
                memory_length::run(&opts)
            })
        }
        Command::Reproduce(Reproduce::Ablation {
            env,
            generations,
            seeds,
            params,
            population,
            max_steps,
            final_episodes,
            common,
        }) => {
            use hetero::experiment::ablation::{self, Options};
            let out = common.out_dir("ablation");
            let envs = locomotion_envs(&env)?;
            let mut opts = if common.quick { Options::quick(envs, out) } else { Options::full(envs, out) };
            override_at_least_one(&mut opts.generations, "--generations", generations)?;
            override_at_least_one(&mut opts.seeds, "--seeds", seeds)?;
            if let Some(p) = params {
                if p < 4 {
                    return Err(Failure(format!("--params {p}: must be at least 4 (one neuron per property)")));
                }
                opts.parameters = p;
            }
            override_at_least_one(&mut opts.population, "--population", population)?;
            override_at_least_one(&mut opts.max_steps, "--max-steps", max_steps)?;
            override_at_least_one(&mut opts.final_episodes, "--final-episodes", final_episodes)?;
            run_reproduction(common.threads, &opts.out, "shapley.md, shapley.png, tau/<env>/tau_fit.md", || {
                ablation::run(&opts)
            })
        }
        Command::Reproduce(Reproduce::ControlScaling {
            env,
            sizes,
            generations,
            seeds,
            population,
            max_steps,
            common,
        }) => {
            use hetero::experiment::control_scaling::{self, Options};
            let out = common.out_dir("control-scaling");
            let envs = locomotion_envs(&env)?;
            let mut opts = if common.quick { Options::quick(envs, out) } else { Options::full(envs, out) };
            if let Some(s) = sizes {
                opts.sizes = all_at_least_one("--sizes", s)?;
            }
            override_at_least_one(&mut opts.generations, "--generations", generations)?;
            override_at_least_one(&mut opts.seeds, "--seeds", seeds)?;
            override_at_least_one(&mut opts.population, "--population", population)?;
            override_at_least_one(&mut opts.max_steps, "--max-steps", max_steps)?;
            run_reproduction(common.threads, &opts.out, "reward_vs_params.png", || control_scaling::run(&opts))
        }
        Command::Analyze(Analyze::Tau { run_dirs, out }) => {
            let out = out.unwrap_or_else(|| run_dirs[0].clone());
            let fits = hetero::analysis::tau::analyze_tau(&run_dirs, &out).map_err(Failure)?;
            for f in &fits {
                println!(
                    "{} (n = {}, mean {:.2} ms): gamma shape {:.3} scale {:.3} ms (KS {:.4}); lognormal shape {:.3} scale {:.3} ms (KS {:.4})",
                    f.name, f.n, f.mean_ms, f.gamma.shape, f.gamma.scale, f.gamma.ks, f.lognormal.shape, f.lognormal.scale, f.lognormal.ks
                );
            }
            println!("table in {}/tau_fit.md, tau_fit.csv; histogram tau_hist.png / .svg", out.display());
            Ok(())
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn train_command(
    source: &str,
    generations: Option<i64>,
    population: Option<i64>,
    seed: Option<u64>,
    threads: Option<i64>,
    out: Option<PathBuf>,
    resume: bool,
    set: &[String],
) -> Result<(), Failure> {
    if let Some(g) = generations {
        if g < 1 {
            return Err(Failure(format!("--generations {g}: must be at least 1")));
        }
    }
    if let Some(p) = population {
        if p < 1 {
            return Err(Failure(format!("--population {p}: must be a positive even number")));
        }
    }
    if let Some(t) = threads {
        if t < 0 {
            return Err(Failure(format!("--threads {t}: must be 0 (all cores) or more")));
        }
    }
    let mut tree = ConfigTree::load(source)?;
    let stem = config_stem(source);
    let mut resume_dir = None;
    if resume {
        if population.is_some() || seed.is_some() || !set.is_empty() {
            return Err(Failure(
                "--resume continues the saved configuration; --population, --seed and --set cannot change it".into(),
            ));
        }
        let dir = resume_run_dir(out.as_deref(), &stem, tree.finish()?.run.seed)?;
        tree = ConfigTree::load(&dir.join("config.toml").display().to_string())?;
        resume_dir = Some(dir);
    }
    if let Some(g) = generations {
        tree.set_integer("run.generations", g)?;
    }
    if let Some(t) = threads {
        tree.set_integer("run.threads", t)?;
    }
    if !resume {
        if let Some(p) = population {
            tree.set_integer("strategy.population", p).map_err(|e| Failure(format!("--population {p}: {e}")))?;
        }
        if let Some(s) = seed {
            tree.set(&format!("run.seed={s}"))?;
        }
        for assignment in set {
            tree.set(assignment)?;
        }
    }
    let config = tree.finish().map_err(|e| match (population, e.to_string()) {
        (Some(p), m) if m.starts_with("strategy.population") => {
            Failure(format!("--population {p}: {}", m.split_once(": ").map_or(m.as_str(), |x| x.1)))
        }
        (_, m) => Failure(m),
    })?;
    // Under MPI only rank 0 writes; the others must not race it over directory checks.
    #[cfg(feature = "mpi")]
    let writer = hetero::distributed::is_writer();
    #[cfg(not(feature = "mpi"))]
    let writer = true;
    let out_dir = match resume_dir {
        Some(dir) => dir,
        None => new_run_dir(out.as_deref(), &stem, config.run.seed, writer)?,
    };
    // Non-zero MPI ranks watch nothing and draw nothing.
    let mut progress = Progress::new(config.run.log_every);
    let mut figure = hetero::analysis::fitness_figure::FitnessFigure::new();
    let mut observers: Vec<&mut dyn Observer> = Vec::new();
    if writer {
        observers.push(&mut progress);
        if config.run.plots {
            observers.push(&mut figure);
        }
    }
    train(&config, &out_dir, resume, &mut observers)?;
    Ok(())
}

fn eval_command(run_dir: &Path, episodes: usize, seed: Option<u64>, json: bool) -> Result<(), Failure> {
    at_least_one("--episodes", episodes)?;
    match evaluate_run(run_dir, episodes, seed)? {
        RunEvaluation::Test(score) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"run_dir": run_dir, "test_images": score.images, "test_accuracy": score.accuracy(), "test_loss": score.loss()})
                );
            } else {
                println!(
                    "{}: centre on {} test images: accuracy {:.2} %, cross-entropy {:.4}",
                    run_dir.display(),
                    score.images,
                    100.0 * score.accuracy(),
                    score.loss()
                );
            }
        }
        RunEvaluation::Returns { seed, returns } => {
            let (mean, std, min, max) = hetero::engine::mean_std_min_max(&returns);
            if json {
                println!(
                    "{}",
                    serde_json::json!({"run_dir": run_dir, "episodes": episodes, "seed": seed, "mean": mean, "std": std, "min": min, "max": max})
                );
            } else {
                println!(
                    "{}: centre over {episodes} episodes (seed {seed}): mean {mean:.2} ± {std:.2} (min {min}, max {max})",
                    run_dir.display()
                );
            }
        }
    }
    Ok(())
}

fn env_command(name: &str, seed: u64, actions: &str, max_steps: usize, json: bool) -> Result<(), Failure> {
    let config = EnvConfig { name: name.into(), max_steps, ..Default::default() };
    // Discrete actions are `,`-separated; continuous ones `;`-separated vectors of `,`-separated numbers.
    let separator = if actions.contains(';') || hetero::env::LOCOMOTION_NAMES.contains(&name) { ';' } else { ',' };
    let actions: Vec<&str> = actions.split(separator).map(str::trim).filter(|s| !s.is_empty()).collect();
    struct Replay<'a> {
        seed: u64,
        actions: Vec<&'a str>,
        json: bool,
    }
    impl EnvVisitor for Replay<'_> {
        type Output = Result<(), Failure>;
        fn visit<E: Environment>(self, env: E) -> Self::Output {
            let mut state = env.reset(&mut stream_rng(self.seed, Stream::EnvReset, [0, 0, 0]));
            let mut obs = vec![0.0f32; env.observation_size()];
            env.observe(&state, &mut obs);
            let initial = env.initial_qpos_qvel(&state);
            let print = |t: usize,
                         action: Option<&str>,
                         state: &[f64],
                         obs: &[f32],
                         reward: Option<f64>,
                         term: bool,
                         trunc: bool| {
                if self.json {
                    let mut record = serde_json::json!({"t": t, "action": action, "state": state, "obs": obs, "reward": reward, "terminated": term, "truncated": trunc});
                    if let (0, Some((qpos, qvel))) = (t, &initial) {
                        record["qpos"] = serde_json::json!(qpos);
                        record["qvel"] = serde_json::json!(qvel);
                    }
                    println!("{record}");
                } else {
                    let a = action.map_or("reset".to_string(), |a| format!("action {a}"));
                    let r = reward.map_or(String::new(), |r| format!(" reward {r}"));
                    println!(
                        "t {t:>4} {a:<10} state {state:?} obs {obs:?}{r}{}{}",
                        if term { " terminated" } else { "" },
                        if trunc { " truncated" } else { "" }
                    );
                }
            };
            print(0, None, &env.state_values(&state), &obs, None, false, false);
            let mut buffer = vec![0.0f32; env.action_space().outputs()];
            for (t, a) in self.actions.iter().enumerate() {
                let action = match env.action_space() {
                    ActionSpace::Discrete(n) => match a.parse::<usize>() {
                        Ok(i) if i < n => Action::Discrete(i),
                        _ => {
                            return Err(Failure(format!(
                                "--actions: `{a}` is not an action of {} (0..{})",
                                env.name(),
                                n - 1
                            )))
                        }
                    },
                    ActionSpace::Continuous(dim) => {
                        let v: Result<Vec<f32>, _> = a.split([',', ';']).map(|x| x.trim().parse::<f32>()).collect();
                        match v {
                            Ok(v) if v.len() == dim => {
                                buffer.copy_from_slice(&v);
                                Action::Continuous(&buffer)
                            }
                            _ => return Err(Failure(format!("--actions: `{a}` is not a vector of {dim} numbers"))),
                        }
                    }
                };
                let tr = env.step(&mut state, action);
                env.observe(&state, &mut obs);
                print(t + 1, Some(a), &env.state_values(&state), &obs, Some(tr.reward), tr.terminated, tr.truncated);
                if tr.done() {
                    if t + 1 < self.actions.len() {
                        eprintln!("episode ended after {} actions; {} not applied", t + 1, self.actions.len() - t - 1);
                    }
                    break;
                }
            }
            Ok(())
        }
    }
    visit_env(&config, Replay { seed, actions, json })?
}

/// `hetero bench locomotion --env <task>`: env-steps/s of a 256 × 1000-step generation beside raw mj_step/s.
fn locomotion_bench(env: &str, json: bool, generations: u64, threads: usize) -> Result<(), Failure> {
    at_least_one("--generations", generations)?;
    #[cfg(feature = "mujoco")]
    {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        let r = pool.install(|| hetero::bench::locomotion(env, 256, generations)).map_err(Failure)?;
        if json {
            println!("{}", serde_json::to_string(&r)?);
        } else {
            println!("locomotion {}: pop {} × 1 episode (≤ 1000 steps), hidden 64, neuron mode, median of {generations} generations, {} threads", r.env, r.population, r.threads);
            println!("{:.3} s/generation, {:.0} env-steps/s = {:.0} mj_step/s; raw mj_step loop on the same threads {:.0}/s; ratio {:.2}", r.s_per_generation, r.env_steps_per_s, r.physics_steps_per_s, r.raw_mj_steps_per_s, r.ratio);
            println!(
                "inside mj_step {:.1} % of the threads' wall time (= the ratio against a bare mj_step loop over the same trajectories); {:.2} µs per mj_step on the policy's trajectories vs {:.2} µs on the raw loop's random controls",
                100.0 * r.physics_share,
                r.us_per_mj_step,
                r.raw_us_per_mj_step
            );
            println!(
                "bare mj_step loop replaying generation 0's {} episodes (same initial states and actions; {} end in the engine's final state bit for bit): {:.0} mj_step/s; ratio {:.2}",
                r.replayed, r.replay_matched, r.replay_mj_steps_per_s, r.replay_ratio
            );
        }
        Ok(())
    }
    #[cfg(not(feature = "mujoco"))]
    {
        let _ = (env, json, threads);
        Err(Failure(
            "bench locomotion needs MuJoCo: build with `--features mujoco` after scripts/install_mujoco.sh".into(),
        ))
    }
}

fn bench_command(name: &str, json: bool, generations: u64, threads: usize) -> Result<(), Failure> {
    if name == "mnist" {
        return bench_mnist(json, generations, threads);
    }
    if name == "reservoir" {
        for line in hetero::bench::reservoir(json) {
            println!("{line}");
        }
        return Ok(());
    }
    if name == "bptt" {
        let (eps, steps) = hetero::bench::bptt(64, 500, 20, 5);
        if json {
            println!(
                "{}",
                serde_json::json!({"bench": "bptt", "hidden": 64, "steps": 500, "episodes_per_s": eps, "steps_per_s": steps, "threads": 1})
            );
        } else {
            println!("bptt: 4-64-2 LIF network, 500-step episodes, forward + backward (reset-path Jacobian, ATan α=2), f64, 1 thread");
            println!("{eps:.1} episodes/s ({steps:.3e} steps/s); REINFORCE runs one episode per update, so parallelism is across seeds");
        }
        return Ok(());
    }
    let names: Vec<&str> = match name {
        "all" => vec!["cartpole", "memory"],
        "cartpole" | "memory" => vec![name],
        _ => {
            return Err(Failure(format!(
                "bench `{name}`: unknown (known: all, cartpole, memory, bptt, mnist, reservoir)"
            )))
        }
    };
    at_least_one("--generations", generations)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let machine = hetero::machine::Machine::detect();
    let used = pool.current_num_threads();
    let peak = machine.peak_gflops(used.min(machine.cores));
    if json {
        println!("{}", serde_json::json!({"machine": machine, "threads": used, "peak_gflops": peak}));
    } else {
        println!("machine: {}", machine.describe());
        println!("build: portable x86-64 (SSE2 vectors; rustc may not use wider ones), so {:.0}% of the listed peak is the most this build can reach", 100.0 * 4.0 / machine.f32_lanes as f64);
    }
    for bench in names {
        let memory = bench == "memory";
        let rows = pool.install(|| {
            if memory {
                hetero::bench::memory(&[5, 10, 20, 30], generations, 256, 64)
            } else {
                hetero::bench::cartpole(&[100, 200, 500, 1000], generations, 256, 64)
            }
        });
        if !json {
            let episodes = if memory { 16 } else { 1 };
            println!();
            println!("{bench}: pop 256, hidden 64, {episodes} episode(s)/member, median of {generations} generations from the initial centre, {used} threads");
            println!(
                "{:<7} {:>9} {:>13} {:>9} {:>15} {:>16} {:>8} {:>8} {:>12}",
                "mode",
                if memory { "L" } else { "max_steps" },
                "s/generation",
                "gen/s",
                "member-steps/s",
                "neuron-updates/s",
                "GFLOP/s",
                "% peak",
                "mean return"
            );
        }
        for r in rows {
            if json {
                let mut v = serde_json::to_value(&r)?;
                v["bench"] = serde_json::json!(bench);
                v["fraction_of_peak"] = serde_json::json!(peak.map(|p| r.gflops / p));
                if memory {
                    let l = v["max_steps"].take();
                    v.as_object_mut().expect("object").remove("max_steps");
                    v["memory_length"] = l;
                }
                println!("{v}");
            } else {
                let pct = peak.map_or("-".to_string(), |p| format!("{:.2}", 100.0 * r.gflops / p));
                println!(
                    "{:<7} {:>9} {:>13.5} {:>9.1} {:>15.3e} {:>16.3e} {:>8.2} {:>8} {:>12.3}",
                    r.mode,
                    r.max_steps,
                    r.s_per_generation,
                    r.generations_per_s,
                    r.member_steps_per_s,
                    r.neuron_updates / r.s_per_generation,
                    r.gflops,
                    pct,
                    r.mean_return
                );
            }
        }
    }
    if !json {
        println!();
        println!("MNIST: `hetero bench mnist` (needs the dataset for real spike rates); reservoirs: `hetero bench reservoir`; locomotion: `hetero bench locomotion --env halfcheetah` (feature mujoco). These rows are latency-bound (small layers, per-step environment logic), not compute-bound: % peak is given for scale only.");
    }
    Ok(())
}

/// `hetero bench mnist --run DIR`: generations of a (trained) classification run.
fn bench_mnist_run(dir: &Path, json: bool, generations: u64, threads: usize) -> Result<(), Failure> {
    at_least_one("--generations", generations)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let used = pool.current_num_threads();
    let r = pool.install(|| hetero::bench::mnist_from_run(dir, generations))?;
    if json {
        let mut v = serde_json::to_value(&r)?;
        v["bench"] = serde_json::json!("mnist");
        v["run"] = serde_json::json!(dir.display().to_string());
        v["threads"] = serde_json::json!(used);
        println!("{v}");
    } else {
        println!("mnist: {} from its checkpoint, median of {generations} generations, {used} threads", dir.display());
        println!(
            "{:<7} {:>6} {:>7} {:>13} {:>11} {:>11} {:>13} {:>18} {:>16} {:>12}",
            "mode",
            "hidden",
            "params",
            "projection s",
            "proj GFLOP/s",
            "dynamics s",
            "generation s",
            "images·members/s",
            "neuron-updates/s",
            "spikes/n/step"
        );
        println!(
            "{:<7} {:>6} {:>7} {:>13.4} {:>11.1} {:>11.4} {:>13.4} {:>18.3e} {:>16.3e} {:>12.4}",
            r.mode,
            r.hidden,
            r.params,
            r.projection_s,
            r.projection_gflops,
            r.dynamics_s,
            r.generation_s,
            r.images_members_per_s,
            r.neuron_updates_per_s,
            r.spikes_per_neuron_step
        );
    }
    Ok(())
}

/// `hetero bench mnist`: both arms at the paper's four sizes; real MNIST if found, else random
/// pixels (said in the output).
fn bench_mnist(json: bool, generations: u64, threads: usize) -> Result<(), Failure> {
    use hetero::network::GenomeMode::{Neuron, Weight};
    at_least_one("--generations", generations)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let machine = hetero::machine::Machine::detect();
    let used = pool.current_num_threads();
    let peak = machine.peak_gflops(used.min(machine.cores));
    let dataset = hetero::data::load(hetero::data::DatasetName::Mnist, None).ok();
    let cases = [
        (Neuron, 1024),
        (Neuron, 2048),
        (Neuron, 4096),
        (Neuron, 8192),
        (Weight, 5),
        (Weight, 10),
        (Weight, 21),
        (Weight, 42),
    ];
    let rows = pool.install(|| hetero::bench::mnist(&cases, generations, 256, dataset.as_ref()));
    let source =
        if dataset.is_some() { "MNIST training images" } else { "random pixels (MNIST not found: set HETERO_DATA)" };
    if !json {
        println!("machine: {}", machine.describe());
        println!("mnist: pop 256, batch 1024, 4 steps, {source}, median of {generations} generations from the initial centre, {used} threads");
        println!(
            "{:<7} {:>6} {:>7} {:>13} {:>11} {:>7} {:>11} {:>13} {:>18} {:>16} {:>12}",
            "mode",
            "hidden",
            "params",
            "projection s",
            "proj GFLOP/s",
            "% peak",
            "dynamics s",
            "generation s",
            "images·members/s",
            "neuron-updates/s",
            "spikes/n/step"
        );
    }
    for r in rows {
        if json {
            let mut v = serde_json::to_value(&r)?;
            v["bench"] = serde_json::json!("mnist");
            v["threads"] = serde_json::json!(used);
            v["peak_gflops"] = serde_json::json!(peak);
            v["data"] = serde_json::json!(source);
            println!("{v}");
        } else {
            let pct = peak.map_or("-".to_string(), |p| format!("{:.1}", 100.0 * r.projection_gflops / p));
            println!(
                "{:<7} {:>6} {:>7} {:>13.4} {:>11.1} {:>7} {:>11.4} {:>13.4} {:>18.3e} {:>16.3e} {:>12.4}",
                r.mode,
                r.hidden,
                r.params,
                r.projection_s,
                r.projection_gflops,
                pct,
                r.dynamics_s,
                r.generation_s,
                r.images_members_per_s,
                r.neuron_updates_per_s,
                r.spikes_per_neuron_step
            );
        }
    }
    Ok(())
}
