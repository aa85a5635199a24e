//! `checkpoint.safetensors`: the strategy's state (f64) and the Problem's own state, written
//! every `run.checkpoint_every` generations; `params.safetensors`: the centre in physical units.
//! Because all randomness is keyed by (seed, generation), a checkpoint needs no RNG state and a
//! resumed run is bit-identical to an uninterrupted one.

use super::TrainError;
use crate::io::{load_arrays, save_arrays, Array, Arrays, IoError};
use crate::strategy::Strategy;
use std::collections::HashMap;
use std::path::Path;

/// The `format` metadata of a checkpoint file.
pub const CHECKPOINT_FORMAT: &str = "hetero-checkpoint-1";

/// Writes the strategy's state, `extra` arrays, the generation and the wall time to `path`.
pub fn save_checkpoint(
    path: &Path,
    strategy: &dyn Strategy,
    generation: u64,
    wall_s: f64,
    extra: Vec<(String, Array)>,
) -> Result<(), IoError> {
    let mut arrays: Vec<(String, Array)> = strategy.state().into_iter().map(|(k, v)| (k, Array::vector64(v))).collect();
    arrays.extend(extra);
    let meta = HashMap::from([
        ("format".to_string(), CHECKPOINT_FORMAT.to_string()),
        ("strategy".to_string(), strategy.name().to_string()),
        ("generation".to_string(), generation.to_string()),
        ("wall_s".to_string(), format!("{wall_s:.3}")),
    ]);
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
}

/// Prefix of the arrays the loop itself keeps in a checkpoint (`run.keep_best`).
pub const KEPT_PREFIX: &str = "kept.";

/// Reads checkpoint.safetensors and loads its strategy state (every array but `obs_norm.*` and `kept.*`)
/// into `strategy`; errors name the file.
pub fn restore_checkpoint(path: &Path, strategy: &mut dyn Strategy) -> Result<RestoredCheckpoint, TrainError> {
    let (arrays, meta) = load_arrays(path)?;
    let bad = |m: String| TrainError::Resume { path: path.display().to_string(), message: m };
    let generation =
        meta.get("generation").and_then(|g| g.parse().ok()).ok_or_else(|| bad("no `generation` in metadata".into()))?;
    let wall_s = meta.get("wall_s").and_then(|g| g.parse().ok()).unwrap_or(0.0);
    let state: HashMap<String, Vec<f64>> = arrays
        .iter()
        .filter(|(k, _)| !k.starts_with("obs_norm.") && !k.starts_with(KEPT_PREFIX))
        .map(|(k, a)| (k.clone(), a.to_f64()))
        .collect();
    strategy.load_state(&state).map_err(|m| bad(format!("strategy state: {m}")))?;
    Ok(RestoredCheckpoint { generation, wall_s, arrays })
}
