//! `hetero reproduce`: the papers' experiments, each one library call with its options.

use crate::args::Reproduce;
use crate::checks::{all_at_least_one, at_least_one, locomotion_envs, no_repeats, override_at_least_one, Failure};
use std::path::Path;

/// `hetero reproduce <experiment>`.
pub(crate) fn reproduce(command: Reproduce) -> Result<(), Failure> {
    match command {
        Reproduce::Intrinsic { study, network, seeds, common } => {
            use hetero::experiment::intrinsic::{self, Options, Study};
            let study = Study::parse(&study)?;
            let mut opts = Options::new(study, common.quick, common.out_dir(&format!("intrinsic-{}", study.name())));
            opts.networks = intrinsic::parse_networks(&network)?;
            if let Some(s) = seeds {
                opts.seeds = at_least_one("--seeds", s)?;
            }
            run_reproduction(common.threads, &opts.out, "tasks.csv and figures", || intrinsic::run(&opts))
        }
        Reproduce::BpVsEs { max_steps, seeds, lr, surrogate, jacobian, common } => {
            use hetero::experiment::bp_vs_es::{self, Options};
            let out = common.out_dir("bp-vs-es");
            let mut opts = if common.quick { Options::quick(out) } else { Options::full(out) };
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
                opts.surrogate = name.parse().map_err(|e| Failure(format!("--surrogate {e}")))?;
            }
            if let Some(j) = jacobian {
                opts.jacobian = j.parse().map_err(|e| Failure(format!("--jacobian {e}")))?;
            }
            run_reproduction(common.threads, &opts.out, "reward_vs_max_steps.png, pre_reset_u.png", || {
                bp_vs_es::run(&opts)
            })
        }
        Reproduce::Mnist { dataset, sizes, generations, seeds, data_dir, common } => {
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
        Reproduce::MemoryLength {
            lengths,
            seeds,
            generations,
            taus,
            observation,
            protocol,
            keep_best,
            neuron_set,
            common,
        } => {
            use hetero::env::memory_chain::Observation;
            use hetero::experiment::memory_length::{self, Options};
            let observation = match observation.as_deref() {
                None | Some("bsuite") => Observation::Bsuite,
                Some("paper") => Observation::Paper,
                Some(other) => {
                    return Err(Failure(format!("--observation {other}: expected `bsuite` or `paper`")));
                }
            };
            let paper = match protocol.as_deref() {
                None => false,
                Some("paper") => true,
                Some(other) => return Err(Failure(format!("--protocol {other}: the only protocol is `paper`"))),
            };
            let default_out = match (paper, observation) {
                (false, Observation::Bsuite) => "memory-length".to_string(),
                (false, o) => format!("memory-length-{}", o.name()),
                (true, o) => format!("memory-length-protocol-paper-{}", o.name()),
            };
            let out = common.out_dir(&default_out);
            let mut opts = match (paper, common.quick) {
                (true, true) => return Err(Failure("--protocol paper and --quick exclude each other".into())),
                (true, false) => Options::paper(out, observation),
                (false, true) => Options::quick(out),
                (false, false) => Options::full(out),
            };
            opts.observation = observation;
            opts.keep_best |= keep_best;
            opts.neuron_overrides = neuron_set;
            // A bad override is refused before any run starts, naming the flag.
            if let Some(l) = opts.lengths.first() {
                let arm = memory_length::arms(&[]).remove(0);
                memory_length::sweep_job_config(*l, &arm, 0, &opts.run_settings())
                    .map_err(|e| Failure(format!("--neuron-set: {e}")))?;
            }
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
                no_repeats("--taus", &t)?;
                opts.taus_ms = t;
            }
            run_reproduction(common.threads, &opts.out, "reward_vs_length.png, tau_sweep.png", || {
                memory_length::run(&opts)
            })
        }
        Reproduce::Ablation { env, generations, seeds, params, population, max_steps, final_episodes, common } => {
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
        Reproduce::ControlScaling { env, sizes, generations, seeds, population, max_steps, common } => {
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
