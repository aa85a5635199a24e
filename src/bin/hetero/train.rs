//! `hetero train`, `hetero eval` and `hetero presets`.

use crate::checks::{at_least_one, Failure};
use crate::progress::Progress;
use hetero::config::{ConfigTree, PRESETS};
use hetero::engine::{claim_new_run_dir, config_stem, new_run_dir, resume_run_dir, Observer};
use hetero::train::{evaluate_run, train, RunEvaluation};
use std::path::{Path, PathBuf};

/// `hetero presets`: every built-in preset with its one-line description.
pub(crate) fn presets() -> Result<(), Failure> {
    for (name, text) in PRESETS {
        let c = ConfigTree::parse(text, name)?.finish()?;
        println!("{name:<18} {}", c.run.description);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn train_command(
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
        let max = hetero::config::MAX_THREADS;
        if !(0..=max as i64).contains(&t) {
            return Err(Failure(format!("--threads {t}: must be 0 (all cores) up to {max}")));
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
    let mut config = tree.finish().map_err(|e| match (population, e.to_string()) {
        (Some(p), m) if m.starts_with("strategy.population") => {
            Failure(format!("--population {p}: {}", m.split_once(": ").map_or(m.as_str(), |x| x.1)))
        }
        (_, m) => Failure(m),
    })?;
    // Recorded in the checkpoint: a resume naming another preset or file is refused.
    config.source = stem.clone();
    // Under MPI only rank 0 writes; the others must not race it over directory checks.
    #[cfg(feature = "mpi")]
    let writer = hetero::distributed::is_writer();
    #[cfg(not(feature = "mpi"))]
    let writer = true;
    // A writer claims the directory before it starts (runs started at once each get their own
    // default name; a second run into one --out is refused); training holds the claim again.
    let (out_dir, _claim) = match resume_dir {
        Some(dir) => (dir, None),
        None if writer => {
            let (dir, claim) = claim_new_run_dir(out.as_deref(), &stem, config.run.seed, &config.to_toml())?;
            (dir, Some(claim))
        }
        None => (new_run_dir(out.as_deref(), &stem, config.run.seed, false)?, None),
    };
    if writer && !resume && out_dir.join("config.toml").exists() {
        eprintln!("note: {} stopped before its first checkpoint; starting it again", out_dir.display());
    }
    if writer && resume && !out_dir.join("checkpoint.safetensors").exists() {
        eprintln!("note: {} stopped before its first checkpoint; continuing from generation 0", out_dir.display());
    }
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
    if writer {
        let mut command = vec!["hetero".to_string(), "train".into(), source.to_string(), "--out".into()];
        command.push(out_dir.display().to_string());
        command.push("--resume".into());
        if let Some(g) = generations {
            command.extend(["--generations".into(), g.to_string()]);
        }
        if let Some(t) = threads {
            command.extend(["--threads".into(), t.to_string()]);
        }
        crate::interrupt::watch_run(out_dir.clone(), crate::interrupt::command_line(&command));
    }
    match train(&config, &out_dir, resume, &mut observers) {
        Ok(_) => Ok(()),
        Err(hetero::train::TrainError::Interrupted { generation }) => {
            Err(Failure(crate::interrupt::stopped_line(generation)))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn eval_command(
    run_dir: &Path,
    episodes: Option<usize>,
    seed: Option<u64>,
    json: bool,
) -> Result<(), Failure> {
    if let Some(e) = episodes {
        at_least_one("--episodes", e)?;
    }
    // A classification run is scored on its test set: episode flags would be ignored.
    let config = ConfigTree::load(&run_dir.join("config.toml").display().to_string()).and_then(|t| t.finish());
    if let Some(c) = config.ok().filter(hetero::classify::is_classification) {
        for (flag, given) in [("--episodes", episodes.is_some()), ("--seed", seed.is_some())] {
            if given {
                return Err(Failure(format!(
                    "{flag}: {} is a {} classification run, scored on its test set (data.test_images); {flag} applies to environment runs",
                    run_dir.display(),
                    c.env.name
                )));
            }
        }
    }
    let episodes = episodes.unwrap_or(100);
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
