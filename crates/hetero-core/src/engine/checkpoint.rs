//! `checkpoint.safetensors`: the strategy's state (f64) and the Problem's own state, written
//! every `run.checkpoint_every` generations; `params.safetensors`: the centre in physical units.
//! Because all randomness is keyed by (seed, generation), a checkpoint needs no RNG state and a
//! resumed run is bit-identical to an uninterrupted one.

use super::TrainError;
use crate::config::{changed_keys, Config};
use crate::io::{load_arrays, save_arrays, Array, Arrays, IoError};
use crate::strategy::Strategy;
use std::collections::HashMap;
use std::path::Path;

/// The `format` metadata of a checkpoint file.
pub const CHECKPOINT_FORMAT: &str = "hetero-checkpoint-1";

/// Writes the strategy's state, `extra` arrays, the generation and the wall time to `path`,
/// with the run's identity: its whole configuration (`config`, the config.toml text) and what it
/// was started from (`source`, when known), which a resume checks ([`check_same_experiment`]).
pub fn save_checkpoint(
    path: &Path,
    strategy: &dyn Strategy,
    generation: u64,
    wall_s: f64,
    extra: Vec<(String, Array)>,
    config: &Config,
) -> Result<(), IoError> {
    let mut arrays: Vec<(String, Array)> = strategy.state().into_iter().map(|(k, v)| (k, Array::vector64(v))).collect();
    arrays.extend(extra);
    let meta = HashMap::from([
        ("format".to_string(), CHECKPOINT_FORMAT.to_string()),
        ("strategy".to_string(), strategy.name().to_string()),
        ("generation".to_string(), generation.to_string()),
        ("wall_s".to_string(), format!("{wall_s:.3}")),
        ("config".to_string(), config.to_toml()),
    ]);
    let mut meta = meta;
    if !config.source.is_empty() {
        meta.insert("source".into(), config.source.clone());
    }
    save_arrays(path, &arrays, &meta)
}

/// What [`restore_checkpoint`] read back besides the strategy state.
pub struct RestoredCheckpoint {
    /// Generations completed when the checkpoint was written.
    pub generation: u64,
    /// Wall seconds of the run up to then.
    pub wall_s: f64,
    /// Every array of the file (the observation normaliser's `obs_norm.*` among them).
    pub arrays: Arrays,
    /// The configuration the run was started with (config.toml text), if the checkpoint records
    /// it (checkpoints written before hetero 0.1's fingerprints do not).
    pub config: Option<String>,
    /// What the run was started from (a preset name or a file stem), if recorded.
    pub source: Option<String>,
}

/// Checks that `config` continues the experiment `saved` was written by: every key but
/// [`RESUMABLE_KEYS`](crate::config::RESUMABLE_KEYS) equal, and the same preset or file when both
/// are known. `checkpoint` and `config_path` name the files in the error.
pub fn check_same_experiment(
    saved: &RestoredCheckpoint,
    config: &Config,
    checkpoint: &Path,
    config_path: &Path,
) -> Result<(), TrainError> {
    if let (Some(before), false) = (&saved.source, config.source.is_empty()) {
        if *before != config.source {
            return Err(TrainError::Resume {
                path: checkpoint.display().to_string(),
                message: format!(
                    "this run was started from `{before}`, not `{}`; resume it with `{before}` as the configuration, or start a new run elsewhere",
                    config.source
                ),
            });
        }
    }
    if let Some(before) = &saved.config {
        let changed = changed_keys(before, &config.to_toml());
        if !changed.is_empty() {
            return Err(TrainError::Resume {
                path: config_path.display().to_string(),
                message: format!(
                    "differs from the configuration the run started with ({}); a resumed run continues the same experiment: undo the change, or start a new run elsewhere",
                    changed.join("; ")
                ),
            });
        }
    }
    Ok(())
}

/// Prefix of the arrays the loop itself keeps in a checkpoint (`run.keep_best`).
pub const KEPT_PREFIX: &str = "kept.";

/// Reads checkpoint.safetensors and loads its strategy state (every array but `obs_norm.*` and `kept.*`)
/// into `strategy`; errors name the file.
pub fn restore_checkpoint(path: &Path, strategy: &mut dyn Strategy) -> Result<RestoredCheckpoint, TrainError> {
    let (arrays, meta) = load_arrays(path)?;
    restore_parsed(&path.display().to_string(), arrays, meta, strategy)
}

/// [`restore_checkpoint`] of a file already parsed; `name` names it in errors.
pub fn restore_parsed(
    name: &str,
    arrays: Arrays,
    meta: HashMap<String, String>,
    strategy: &mut dyn Strategy,
) -> Result<RestoredCheckpoint, TrainError> {
    let bad = |m: String| TrainError::Resume { path: name.to_string(), message: m };
    let generation =
        meta.get("generation").and_then(|g| g.parse().ok()).ok_or_else(|| bad("no `generation` in metadata".into()))?;
    let wall_s = meta.get("wall_s").and_then(|g| g.parse().ok()).unwrap_or(0.0);
    let state: HashMap<String, Vec<f64>> = arrays
        .iter()
        .filter(|(k, _)| !k.starts_with("obs_norm.") && !k.starts_with(KEPT_PREFIX))
        .map(|(k, a)| (k.clone(), a.to_f64()))
        .collect();
    strategy.load_state(&state).map_err(|m| bad(format!("strategy state: {m}")))?;
    Ok(RestoredCheckpoint {
        generation,
        wall_s,
        arrays,
        config: meta.get("config").cloned(),
        source: meta.get("source").cloned(),
    })
}
