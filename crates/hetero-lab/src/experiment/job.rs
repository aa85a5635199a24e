//! One job of a reproduction in its own directory: reused only when everything its result
//! depends on matches, otherwise continued or rerun, and the progress line says which.
//!
//! A finished job holds `result.json` (its row) and `result.key`: the text of everything the
//! row depends on, the training configuration (config.toml) and the evaluation settings. On the
//! next invocation the job is
//! - **reused** when `result.key` equals the new key;
//! - **continued** from its checkpoint when its config.toml equals the new configuration but
//!   for the budget and it has not reached the new budget (a reproduction interrupted mid-run,
//!   or asked for more generations);
//! - **rerun** from scratch otherwise (another budget, other evaluation settings, a result from
//!   before keys were recorded): the directory is cleared first, so no file of the old run mixes
//!   with the new one.

use hetero_core::config::{changed_keys, Config, ConfigTree};
use hetero_core::engine::{writes_files, RunPaths, TrainError};
use hetero_core::io::{load_arrays, write_atomic, IoError};
use serde::{de::DeserializeOwned, Serialize};
use std::path::Path;

/// How a job's row was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobOrigin {
    /// Trained now, from scratch (nothing was there).
    Trained,
    /// Continued from the checkpoint of an unfinished run of the same configuration.
    Continued,
    /// A finished job with the same configuration and evaluation settings.
    Reused,
    /// A job made with other settings was found, cleared and run again.
    Replaced,
}

impl JobOrigin {
    /// The note on the job's progress line.
    pub fn note(self) -> &'static str {
        match self {
            JobOrigin::Trained => "",
            JobOrigin::Continued => " (continued from its checkpoint)",
            JobOrigin::Reused => " (reused: same configuration)",
            JobOrigin::Replaced => " (rerun: the stored run had another configuration)",
        }
    }
}

/// What to do with a job.
pub enum JobStart<R> {
    /// The stored row, reused.
    Reused(R),
    /// Train (resuming the directory's checkpoint if `resume`).
    Train {
        /// Continue from the checkpoint.
        resume: bool,
        /// How the row will have been obtained.
        origin: JobOrigin,
    },
}

fn os(path: &Path, e: std::io::Error) -> TrainError {
    IoError::Os { path: path.display().to_string(), message: e.to_string() }.into()
}

/// The key of a job: its configuration's TOML text and the evaluation settings
/// (`name = value` lines) its row also depends on.
pub fn job_key(config_toml: &str, evaluation: &[(&str, String)]) -> String {
    let mut key = config_toml.to_string();
    key.push_str("\n# evaluation\n");
    for (name, value) in evaluation {
        key.push_str(&format!("{name} = {value}\n"));
    }
    key
}

/// Decides how job `dir` starts (see the module docs): `config` is the configuration it trains
/// with (`None` for a job that only evaluates), `key` the whole [`job_key`]. An unfinished run
/// continues when its config.toml differs at most in `RESUMABLE_KEYS` (the budget) and its
/// checkpoint is before the new budget; a finished
/// run continues to a larger budget only if it ran its whole budget (one stopped early would not
/// have run on).
pub fn start_job<R: DeserializeOwned>(
    dir: &Path,
    config: Option<&Config>,
    key: &str,
) -> Result<JobStart<R>, TrainError> {
    let result = std::fs::read_to_string(dir.join("result.json")).ok();
    let stored_key = std::fs::read_to_string(dir.join("result.key")).ok();
    if let (Some(text), Some(k)) = (&result, &stored_key) {
        if k == key {
            if let Ok(row) = serde_json::from_str::<R>(text) {
                return Ok(JobStart::Reused(row));
            }
        }
    }
    if !dir.exists() {
        return Ok(JobStart::Train { resume: false, origin: JobOrigin::Trained });
    }
    let paths = RunPaths::new(dir);
    if let (Some(config), Ok(stored)) = (config, std::fs::read_to_string(&paths.config)) {
        if changed_keys(&stored, &config.to_toml()).is_empty() {
            let checkpoint = load_arrays(&paths.checkpoint)
                .ok()
                .and_then(|(_, meta)| meta.get("generation").and_then(|g| g.parse::<u64>().ok()));
            let stored_budget = ConfigTree::parse(&stored, "config.toml").ok().and_then(|t| t.finish().ok());
            let continues = match checkpoint {
                None => !paths.summary.exists(),
                Some(g) => {
                    g < config.run.generations
                        && (!paths.summary.exists() || stored_budget.is_some_and(|c| c.run.generations == g))
                }
            };
            if continues {
                return Ok(JobStart::Train { resume: true, origin: JobOrigin::Continued });
            }
        }
    }
    let empty = std::fs::read_dir(dir).map_err(|e| os(dir, e))?.next().is_none();
    if empty {
        return Ok(JobStart::Train { resume: false, origin: JobOrigin::Trained });
    }
    if writes_files() {
        std::fs::remove_dir_all(dir).map_err(|e| os(dir, e))?;
    }
    Ok(JobStart::Train { resume: false, origin: JobOrigin::Replaced })
}

/// Marks job `dir` finished: writes `result.json` (the row) and then `result.key`, each
/// atomically (a job killed in between has no key and is rerun, never reused with a wrong one).
pub fn finish_job<R: Serialize>(dir: &Path, key: &str, row: &R) -> Result<(), TrainError> {
    if !writes_files() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| os(dir, e))?;
    let json = serde_json::to_string_pretty(row).expect("a row serialises");
    write_atomic(&dir.join("result.json"), json.as_bytes())?;
    write_atomic(&dir.join("result.key"), key.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("hetero-job-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_job_is_reused_only_with_the_same_key_and_cleared_otherwise() {
        let d = scratch("key");
        let config = Config::default();
        let key = job_key(&config.to_toml(), &[("episodes", "10".into())]);
        assert!(matches!(
            start_job::<u32>(&d, Some(&config), &key).unwrap(),
            JobStart::Train { origin: JobOrigin::Trained, .. }
        ));
        finish_job(&d, &key, &7u32).unwrap();
        assert!(matches!(start_job::<u32>(&d, Some(&config), &key).unwrap(), JobStart::Reused(7)));
        let other = job_key(&config.to_toml(), &[("episodes", "20".into())]);
        assert!(matches!(
            start_job::<u32>(&d, Some(&config), &other).unwrap(),
            JobStart::Train { resume: false, origin: JobOrigin::Replaced }
        ));
        assert!(!d.exists(), "the stale job is cleared");
    }

    #[test]
    fn an_unfinished_job_of_the_same_configuration_continues() {
        let d = scratch("continue");
        std::fs::create_dir_all(&d).unwrap();
        let mut config = Config::default();
        std::fs::write(d.join("config.toml"), config.to_toml()).unwrap();
        config.run.generations += 5; // a larger budget continues
        let key = job_key(&config.to_toml(), &[]);
        assert!(matches!(
            start_job::<u32>(&d, Some(&config), &key).unwrap(),
            JobStart::Train { resume: true, origin: JobOrigin::Continued }
        ));
        config.run.seed += 1; // another experiment is rerun
        assert!(matches!(
            start_job::<u32>(&d, Some(&config), &job_key(&config.to_toml(), &[])).unwrap(),
            JobStart::Train { resume: false, origin: JobOrigin::Replaced }
        ));
        assert!(!d.exists());
    }
}
