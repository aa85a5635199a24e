//! The run directory: which files a run writes, where a new run goes (naming and numbering), and
//! what resuming one needs. The CLI and the Python package both use this one policy.
//!
//! A new run goes to `--out DIR`, which must not already hold a run, or to
//! `runs/<stem>-s<seed>`, numbered `-2`, `-3`, … when that name is taken. A resumed run needs
//! the directory's `checkpoint.safetensors`, and continues with its `config.toml`.

use std::path::{Path, PathBuf};

/// File names inside a run directory.
#[derive(Clone, Debug)]
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

/// Why a directory cannot take a run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RunDirError {
    /// A new run was pointed at a directory that holds one.
    #[error("--out {}: already holds a run; add --resume to continue it, or choose another directory", .0.display())]
    HoldsRun(PathBuf),
    /// A run to resume has no checkpoint.
    #[error("{}: no checkpoint to resume from", .0.display())]
    NoCheckpoint(PathBuf),
}

/// The default directory of a run of `stem` (a preset name or a config file's stem) and `seed`.
pub fn default_run_dir(stem: &str, seed: u64) -> PathBuf {
    PathBuf::from(format!("runs/{stem}-s{seed}"))
}

/// The directory a new run writes to: `out` if given (refused when it holds a run), else the
/// first free one of `runs/<stem>-s<seed>`, `…-2`, `…-3`, …. `writer` is false on processes that
/// do not write files (non-zero MPI ranks), which take the name as it comes without checking.
pub fn new_run_dir(out: Option<&Path>, stem: &str, seed: u64, writer: bool) -> Result<PathBuf, RunDirError> {
    if let Some(dir) = out {
        if writer && RunPaths::new(dir).metrics.exists() {
            return Err(RunDirError::HoldsRun(dir.to_path_buf()));
        }
        return Ok(dir.to_path_buf());
    }
    let base = default_run_dir(stem, seed);
    let mut dir = base.clone();
    let mut k = 2;
    while writer && dir.exists() {
        dir = PathBuf::from(format!("{}-{k}", base.display()));
        k += 1;
    }
    Ok(dir)
}

/// The directory of a run to resume: `out` if given, else `runs/<stem>-s<seed>`; it must hold a
/// checkpoint.
pub fn resume_run_dir(out: Option<&Path>, stem: &str, seed: u64) -> Result<PathBuf, RunDirError> {
    let dir = out.map_or_else(|| default_run_dir(stem, seed), Path::to_path_buf);
    let checkpoint = RunPaths::new(&dir).checkpoint;
    if !checkpoint.exists() {
        return Err(RunDirError::NoCheckpoint(checkpoint));
    }
    Ok(dir)
}

/// The stem a run directory is named after: a config file's stem, or the preset's name.
pub fn config_stem(source: &str) -> String {
    Path::new(source).file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| source.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("hetero-rundir-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn an_out_directory_holding_a_run_is_refused_and_an_empty_one_taken() {
        let d = scratch("out");
        assert_eq!(new_run_dir(Some(&d), "x", 0, true), Ok(d.clone()));
        std::fs::write(d.join("metrics.csv"), "").unwrap();
        assert_eq!(new_run_dir(Some(&d), "x", 0, true), Err(RunDirError::HoldsRun(d.clone())));
        assert_eq!(new_run_dir(Some(&d), "x", 0, false), Ok(d.clone()));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn resuming_needs_a_checkpoint() {
        let d = scratch("resume");
        assert!(matches!(resume_run_dir(Some(&d), "x", 0), Err(RunDirError::NoCheckpoint(_))));
        std::fs::write(d.join("checkpoint.safetensors"), "").unwrap();
        assert_eq!(resume_run_dir(Some(&d), "x", 0), Ok(d.clone()));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn default_names_are_numbered_when_taken() {
        assert_eq!(default_run_dir("cartpole", 3), PathBuf::from("runs/cartpole-s3"));
        assert_eq!(config_stem("presets/memory.toml"), "memory");
        assert_eq!(config_stem("cartpole"), "cartpole");
    }
}
