//! The command line's arguments (clap): one enum of commands, their flags and help texts.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "hetero",
    version,
    about = "Neuronal heterogeneity in spiking networks: evolution strategies over neuron properties"
)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
        /// Seed of every random stream (run.seed), 0..=9223372036854775807.
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = config_seed)]
        seed: Option<u64>,
        /// Worker threads, 0 = all cores, at most 1024 (run.threads); results do not depend on it.
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
        /// Episodes (default 100; environment runs: a classification run is scored on its test set).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<usize>)]
        episodes: Option<usize>,
        /// Seed of the evaluation episodes (default: the run's seed; environment runs).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<u64>)]
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
        #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = count::<u64>)]
        seed: u64,
        /// Comma-separated actions; continuous: `;`-separated vectors of `,`-separated numbers.
        #[arg(long, value_name = "A,B,... | a1,a2;b1,b2;...", default_value = "", allow_hyphen_values = true)]
        actions: String,
        /// Step limit.
        #[arg(long, default_value_t = 500, allow_negative_numbers = true, value_parser = count::<usize>)]
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
        /// locomotion: the task (halfcheetah, hopper, walker2d, ant; default halfcheetah).
        #[arg(long)]
        env: Option<String>,
        /// One JSON object per row.
        #[arg(long)]
        json: bool,
        /// Timed generations per row (default 12; locomotion 3); not taken by bptt and reservoir,
        /// which time fixed workloads.
        #[arg(long, allow_negative_numbers = true, value_parser = count::<u64>)]
        generations: Option<u64>,
        /// Worker threads, 0 = all cores (the default), at most 1024; bptt runs on one thread.
        #[arg(long, allow_negative_numbers = true, value_parser = threads)]
        threads: Option<usize>,
        /// mnist: time generations of this run (its config and checkpoint: trained centre and σ,
        /// so trained spike rates) instead of the paper's sizes from the initial centre.
        #[arg(long, value_name = "RUN_DIR")]
        run: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub(crate) enum Tasks {
    /// Print every task name, one per line, in bank order.
    List,
    /// Print one task's stimulus and target as CSV (t, u0[, u1, u2], y).
    Show {
        /// Task name (see `hetero tasks list`).
        name: String,
        /// Seed of the stimulus.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = count::<u64>)]
        seed: u64,
        /// Samples (written as they are made, so any length that fits the stimulus in memory).
        #[arg(long, default_value_t = 200, allow_negative_numbers = true, value_parser = count::<usize>)]
        len: usize,
    },
}

#[derive(Subcommand)]
pub(crate) enum Reproduce {
    /// Paper B: quenched τ heterogeneity in reservoirs on the task bank (profiles | size | robustness | cost).
    Intrinsic {
        /// profiles | size | robustness | cost.
        study: String,
        /// rate | spiking | both (default both).
        #[arg(long, default_value = "both")]
        network: String,
        /// Network seeds per condition (default 10; 3 with --quick).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<u64>)]
        seeds: Option<u64>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
    /// Paper A Figure 7 / Table 5: BP (REINFORCE + BPTT) vs ES on CartPole, neuron and weight mode.
    BpVsEs {
        /// CartPole step limits (default 100,200,500,1000).
        #[arg(long = "max-steps", value_name = "N,N,...", value_delimiter = ',', allow_hyphen_values = true, value_parser = count::<usize>)]
        max_steps: Option<Vec<usize>>,
        /// Seeds per (arm, max steps) (default 20; Paper A used 100).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<u64>)]
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
        #[arg(long, value_name = "L,L,...", value_delimiter = ',', allow_hyphen_values = true, value_parser = count::<usize>)]
        lengths: Option<Vec<usize>>,
        /// Seeds per (length, arm) (default 5).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<u64>)]
        seeds: Option<u64>,
        /// Generation budget per run (default 1000, Paper A's).
        #[arg(long, value_name = "G", allow_negative_numbers = true, value_parser = count::<u64>)]
        generations: Option<u64>,
        /// Homogeneous τ values (ms) of the weight-mode sweep (default 5,10,20,40,80,160).
        #[arg(long, value_name = "MS,MS,...", value_delimiter = ',', allow_hyphen_values = true)]
        taus: Option<Vec<f32>>,
        /// What the agent sees: bsuite's [1 − t/L, query, context] (default) or Paper A's (c_t, t/N).
        #[arg(long, value_name = "bsuite|paper")]
        observation: Option<String>,
        /// `paper`: Paper A's protocol: 50 seeds, L = 5,10,15,20,25,30,40,50, neuron vs weight at
        /// τ = 20 ms, the whole 1000 generations (no early stop). Other flags override its parts.
        #[arg(long, value_name = "paper")]
        protocol: Option<String>,
        /// Keep each run's best centre instead of its last (`run.keep_best`; on in `--protocol paper`).
        #[arg(long)]
        keep_best: bool,
        /// KEY=VALUE override of the neuron arm's configuration (repeatable), e.g.
        /// `strategy.pgpe.max_speed=0.15`.
        #[arg(long = "neuron-set", value_name = "KEY=VALUE")]
        neuron_set: Vec<String>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
    /// Paper A Table 3 and Figure 6: MNIST / Fashion-MNIST, neuron vs weight mode at equal sizes.
    Mnist {
        /// mnist, fashion-mnist or both (default both).
        #[arg(long, value_name = "NAME")]
        dataset: Option<String>,
        /// Sizes in trainable neuron parameters (default 4096,8192,16384,32768).
        #[arg(long, value_name = "N,N,...", value_delimiter = ',', allow_hyphen_values = true, value_parser = count::<usize>)]
        sizes: Option<Vec<usize>>,
        /// Generations per run (default 300).
        #[arg(long, value_name = "G", allow_negative_numbers = true, value_parser = count::<u64>)]
        generations: Option<u64>,
        /// Seeds per (dataset, size, arm) (default 1).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<u64>)]
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
        #[arg(long, value_name = "G", allow_negative_numbers = true, value_parser = count::<u64>)]
        generations: Option<u64>,
        /// Seeds per coalition (default 5).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<u64>)]
        seeds: Option<u64>,
        /// Trainable-parameter budget per network (default 16384, Paper A's).
        #[arg(long, value_name = "P", allow_negative_numbers = true, value_parser = count::<usize>)]
        params: Option<usize>,
        /// PGPE population (default 256).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<usize>)]
        population: Option<usize>,
        /// Episode step limit (default 1000).
        #[arg(long = "max-steps", value_name = "N", allow_negative_numbers = true, value_parser = count::<usize>)]
        max_steps: Option<usize>,
        /// Episodes of each final centre evaluation (default 10).
        #[arg(long = "final-episodes", value_name = "N", allow_negative_numbers = true, value_parser = count::<usize>)]
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
        #[arg(long, value_name = "P,P,...", value_delimiter = ',', allow_hyphen_values = true, value_parser = count::<usize>)]
        sizes: Option<Vec<usize>>,
        /// Generations per run (default 1000).
        #[arg(long, value_name = "G", allow_negative_numbers = true, value_parser = count::<u64>)]
        generations: Option<u64>,
        /// Seeds per (size, mode) (default 5).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<u64>)]
        seeds: Option<u64>,
        /// PGPE population (default 256).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count::<usize>)]
        population: Option<usize>,
        /// Episode step limit (default 1000).
        #[arg(long = "max-steps", value_name = "N", allow_negative_numbers = true, value_parser = count::<usize>)]
        max_steps: Option<usize>,
        #[command(flatten)]
        common: ReproduceCommon,
    },
}

#[derive(Subcommand)]
pub(crate) enum Analyze {
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
pub(crate) struct ReproduceCommon {
    /// A reduced study for smoke tests (a few seconds).
    #[arg(long)]
    pub(crate) quick: bool,
    /// Output folder (default runs/<experiment>, or runs/<experiment>-quick).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads, 0 = all cores, at most 1024.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = threads)]
    pub(crate) threads: usize,
}

impl ReproduceCommon {
    /// The output folder: --out, or runs/<name>[-quick].
    pub(crate) fn out_dir(&self, name: &str) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            PathBuf::from(if self.quick { format!("runs/{name}-quick") } else { format!("runs/{name}") })
        })
    }
}

/// A whole number of `T` (a count, a seed): a minus sign, a fraction or a size past `T` is
/// refused with the range, and clap names the flag and the value.
pub(crate) fn count<T: TryFrom<u128> + std::fmt::Display + Bounded>(text: &str) -> Result<T, String> {
    let range = || format!("must be a whole number in 0..={}", T::MAX);
    let t = text.trim();
    if t.starts_with('-') && t[1..].parse::<f64>().is_ok() {
        return Err(range());
    }
    let n: u128 = t.parse().map_err(|_| range())?;
    T::try_from(n).map_err(|_| range())
}

/// The largest value of an unsigned integer type, for [`count`]'s message.
pub(crate) trait Bounded {
    /// `T::MAX`.
    const MAX: Self;
}

impl Bounded for u64 {
    const MAX: Self = u64::MAX;
}

impl Bounded for usize {
    const MAX: Self = usize::MAX;
}

/// A seed that a config file can hold: 0..=2⁶³−1 (TOML integers are 64-bit signed).
pub(crate) fn config_seed(text: &str) -> Result<u64, String> {
    let range = || format!("must be a whole number in 0..={} (config files hold 64-bit signed integers)", i64::MAX);
    match count::<u64>(text) {
        Ok(s) if s <= i64::MAX as u64 => Ok(s),
        _ => Err(range()),
    }
}

/// Worker threads: 0 (all cores) up to [`hetero::config::MAX_THREADS`].
pub(crate) fn threads(text: &str) -> Result<usize, String> {
    let max = hetero::config::MAX_THREADS;
    match count::<usize>(text) {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!("must be 0 (all cores) up to {max}")),
    }
}
