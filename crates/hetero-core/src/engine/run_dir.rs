//! The run directory: which files a run writes, where a new run goes (naming and numbering), and
//! what resuming one needs. The CLI and the Python package both use this one policy.
//!
//! A new run goes to `--out DIR`, which must not already hold any run file, or to
//! `runs/<stem>-s<seed>`, numbered `-2`, `-3`, … when that name is taken. A resumed run needs
//! the directory's `checkpoint.safetensors` (or, for a run stopped before its first checkpoint,
//! its `config.toml`: it continues from generation 0), and continues with its `config.toml`.
//!
//! A run claims its directory for as long as it runs ([`claim_run_dir`]): a lock file created
//! with `create_new`, holding the process id. A second run into the same directory is refused
//! with the id of the process holding it; a claim left by a process that no longer runs (killed)
//! is taken over.

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

/// Every file a run (or a Problem of it) writes into its directory. A new run refuses a
/// directory holding any of them, unless it is a run of the same configuration that stopped
/// before its first checkpoint (see [`claim_run_dir`]).
pub const RUN_FILES: &[&str] = &[
    "config.toml",
    "metrics.csv",
    "checkpoint.safetensors",
    "params.safetensors",
    "summary.json",
    "fitness.svg",
    "fitness.png",
    "accuracy.csv",
    "rates.safetensors",
    "result.json",
];

/// The claim file of a run directory: created with `create_new` by the run that owns the
/// directory, holding its process id, removed when the run ends.
pub const LOCK_FILE: &str = ".hetero.lock";

/// Why a directory cannot take a run.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum RunDirError {
    /// A new run was pointed at a directory that holds one (the file named is one of its files).
    #[error("--out {}: already holds a run ({file}); add --resume to continue it, or choose another directory", .dir.display())]
    HoldsRun {
        /// The directory.
        dir: PathBuf,
        /// A run file found in it.
        file: String,
    },
    /// A run to resume has no checkpoint (and no config.toml: nothing was started there).
    #[error("{}: no checkpoint to resume from (and no config.toml: no run was started there)", .0.display())]
    NoCheckpoint(PathBuf),
    /// Another live process holds the directory's claim.
    #[error("{}: in use by another run (process {pid}); wait for it to end, or choose another directory", .dir.display())]
    Busy {
        /// The directory.
        dir: PathBuf,
        /// The process holding it (as its claim file says; "?" while it is being written).
        pid: String,
    },
    /// The directory or its claim file could not be made.
    #[error("{path}: {message}")]
    Os {
        /// The path.
        path: String,
        /// The OS message.
        message: String,
    },
}

fn os_err(path: &Path, e: std::io::Error) -> RunDirError {
    RunDirError::Os { path: path.display().to_string(), message: e.to_string() }
}

/// The default directory of a run of `stem` (a preset name or a config file's stem) and `seed`.
pub fn default_run_dir(stem: &str, seed: u64) -> PathBuf {
    PathBuf::from(format!("runs/{stem}-s{seed}"))
}

/// The `k`-th default name: `runs/<stem>-s<seed>`, then `…-2`, `…-3`, ….
fn numbered(stem: &str, seed: u64, k: u64) -> PathBuf {
    let base = default_run_dir(stem, seed);
    if k < 2 {
        base
    } else {
        PathBuf::from(format!("{}-{k}", base.display()))
    }
}

/// The first run file `dir` holds, if any.
pub fn first_run_file(dir: &Path) -> Option<String> {
    RUN_FILES.iter().find(|f| dir.join(f).exists()).map(|f| f.to_string())
}

/// The directory a new run writes to, without claiming it: `out` if given (refused when it
/// holds any run file), else the first of `runs/<stem>-s<seed>`, `…-2`, `…-3`, … that does not
/// exist. `writer` is false on processes that do not write files (non-zero MPI ranks), which
/// take the name as it comes without checking. Writers should prefer [`claim_new_run_dir`],
/// which is free of races between runs started at once.
pub fn new_run_dir(out: Option<&Path>, stem: &str, seed: u64, writer: bool) -> Result<PathBuf, RunDirError> {
    if let Some(dir) = out {
        if writer {
            if let Some(file) = first_run_file(dir) {
                return Err(RunDirError::HoldsRun { dir: dir.to_path_buf(), file });
            }
        }
        return Ok(dir.to_path_buf());
    }
    let mut k = 1;
    while writer && numbered(stem, seed, k).exists() {
        k += 1;
    }
    Ok(numbered(stem, seed, k))
}

/// Claims the directory of a new run of the configuration whose config.toml text is
/// `config_toml`: `out` if given ([`claim_run_dir`]'s checks; the error names the directory
/// and the process holding it), else the first of `runs/<stem>-s<seed>`, `…-2`, … that this
/// process can claim and that holds no other run, so runs started at once each get their own.
pub fn claim_new_run_dir(
    out: Option<&Path>,
    stem: &str,
    seed: u64,
    config_toml: &str,
) -> Result<(PathBuf, RunClaim), RunDirError> {
    if let Some(dir) = out {
        return Ok((dir.to_path_buf(), claim_run_dir(dir, false, config_toml)?));
    }
    for k in 1.. {
        let dir = numbered(stem, seed, k);
        match claim_run_dir(&dir, false, config_toml) {
            Ok(claim) => return Ok((dir, claim)),
            Err(RunDirError::Busy { .. } | RunDirError::HoldsRun { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("the numbering is unbounded")
}

/// The directory of a run to resume: `out` if given, else `runs/<stem>-s<seed>`; it must hold a
/// checkpoint, or at least a config.toml (a run stopped before its first checkpoint, which then
/// continues from generation 0).
pub fn resume_run_dir(out: Option<&Path>, stem: &str, seed: u64) -> Result<PathBuf, RunDirError> {
    let dir = out.map_or_else(|| default_run_dir(stem, seed), Path::to_path_buf);
    let paths = RunPaths::new(&dir);
    if !paths.checkpoint.exists() && !paths.config.exists() {
        return Err(RunDirError::NoCheckpoint(paths.checkpoint));
    }
    Ok(dir)
}

/// Claims `dir` for one run (creating it if needed) and checks it can take the run:
/// - a new run (`resume` false) needs a directory without run files ([`RUN_FILES`]), or one
///   holding a run of the same configuration (`config_toml` equals its config.toml) that stopped
///   before its first checkpoint: that run is then started again;
/// - a resumed run needs a checkpoint or a config.toml ([`resume_run_dir`]).
///
/// The claim is held until the returned guard is dropped; a second claim of the same directory
/// by another process fails with [`RunDirError::Busy`], while a claim left by a process that no
/// longer runs is taken over. A claim this process already holds is granted again (the guard
/// then leaves the claim to the first one).
pub fn claim_run_dir(dir: &Path, resume: bool, config_toml: &str) -> Result<RunClaim, RunDirError> {
    let mut created = Vec::new();
    let mut missing = Some(dir);
    while let Some(d) = missing.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        created.push(d.to_path_buf());
        missing = d.parent();
    }
    std::fs::create_dir_all(dir).map_err(|e| os_err(dir, e))?;
    let claim = RunClaim::acquire(dir, created)?;
    let paths = RunPaths::new(dir);
    if resume {
        if !paths.checkpoint.exists() && !paths.config.exists() {
            return Err(RunDirError::NoCheckpoint(paths.checkpoint));
        }
    } else if let Some(file) = first_run_file(dir) {
        let restartable = !paths.checkpoint.exists()
            && !paths.params.exists()
            && !paths.summary.exists()
            && std::fs::read_to_string(&paths.config).is_ok_and(|t| t == config_toml);
        if !restartable {
            return Err(RunDirError::HoldsRun { dir: dir.to_path_buf(), file });
        }
    }
    Ok(claim)
}

/// A held claim of a run directory ([`claim_run_dir`]); dropping it releases the claim and
/// removes the directories the claim created if the run left them empty.
#[derive(Debug)]
pub struct RunClaim {
    lock: PathBuf,
    owned: bool,
    created: Vec<PathBuf>,
}

/// What this process writes into its claim files: its id and a number drawn once per process,
/// so a claim left by an earlier process that had the same id is not taken for this one's.
fn claim_token() -> &'static str {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        format!("{} {nanos:x}\n", std::process::id())
    })
}

/// Whether process `pid` is running (not a zombie). Where this cannot be read (no `/proc`),
/// every process counts as running, so a claim is never taken from a live run.
fn process_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // Field 3, after the parenthesised command name, is the state; Z and X are dead.
        Ok(stat) => {
            !stat.rsplit_once(')').is_some_and(|(_, rest)| matches!(rest.trim_start().chars().next(), Some('Z' | 'X')))
        }
        Err(_) => false,
    }
}

impl RunClaim {
    fn acquire(dir: &Path, created: Vec<PathBuf>) -> Result<RunClaim, RunDirError> {
        let lock = dir.join(LOCK_FILE);
        let token = claim_token();
        let mut unreadable_since: Option<std::time::Instant> = None;
        loop {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&lock) {
                Ok(mut f) => {
                    use std::io::Write;
                    let written = f.write_all(token.as_bytes()).and_then(|()| f.sync_all());
                    let claim = RunClaim { lock: lock.clone(), owned: true, created };
                    written.map_err(|e| os_err(&lock, e))?;
                    return Ok(claim);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(os_err(&lock, e)),
            }
            let held = match std::fs::read_to_string(&lock) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(os_err(&lock, e)),
            };
            if held == token {
                return Ok(RunClaim { lock, owned: false, created: Vec::new() });
            }
            match held.split_whitespace().next().and_then(|p| p.parse::<u32>().ok()) {
                Some(pid) if process_alive(pid) => {
                    return Err(RunDirError::Busy { dir: dir.to_path_buf(), pid: pid.to_string() })
                }
                Some(_) => take_over(&lock, &held),
                None => {
                    // Created but not yet written: its owner writes it within microseconds.
                    // One that stays empty was left by a process killed in between.
                    let since = *unreadable_since.get_or_insert_with(std::time::Instant::now);
                    if since.elapsed() > std::time::Duration::from_secs(2) {
                        take_over(&lock, &held);
                    } else {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                }
            }
        }
    }

    /// The claim file.
    pub fn lock_path(&self) -> &Path {
        &self.lock
    }
}

/// Removes the stale claim file `lock` whose text was `held`. Moving it aside first makes this
/// safe when several processes take over at once: only one moves the stale file, and a process
/// that moved a fresh claim by mistake puts it back.
fn take_over(lock: &Path, held: &str) {
    let aside = lock.with_file_name(format!("{LOCK_FILE}.stale-{}", claim_token().trim().replace(' ', "-")));
    if std::fs::rename(lock, &aside).is_err() {
        return;
    }
    if std::fs::read_to_string(&aside).is_ok_and(|moved| moved != held) {
        let _ = std::fs::hard_link(&aside, lock);
    }
    let _ = std::fs::remove_file(&aside);
}

impl Drop for RunClaim {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let _ = std::fs::remove_file(&self.lock);
        for d in &self.created {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
        }
    }
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
        std::fs::write(d.join("params.safetensors"), "").unwrap();
        let holds = RunDirError::HoldsRun { dir: d.clone(), file: "params.safetensors".into() };
        assert_eq!(new_run_dir(Some(&d), "x", 0, true), Err(holds.clone()));
        assert_eq!(new_run_dir(Some(&d), "x", 0, false), Ok(d.clone()));
        assert_eq!(claim_run_dir(&d, false, "").unwrap_err(), holds);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn resuming_needs_a_checkpoint() {
        let d = scratch("resume");
        assert!(matches!(resume_run_dir(Some(&d), "x", 0), Err(RunDirError::NoCheckpoint(_))));
        std::fs::write(d.join("config.toml"), "").unwrap();
        assert_eq!(resume_run_dir(Some(&d), "x", 0), Ok(d.clone()));
        std::fs::write(d.join("checkpoint.safetensors"), "").unwrap();
        assert_eq!(resume_run_dir(Some(&d), "x", 0), Ok(d.clone()));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_claim_is_held_until_dropped_and_a_dead_claim_is_taken_over() {
        let d = scratch("claim");
        let lock = d.join(LOCK_FILE);
        {
            let _claim = claim_run_dir(&d, false, "").unwrap();
            assert!(std::fs::read_to_string(&lock).unwrap().starts_with(&std::process::id().to_string()));
            let _again = claim_run_dir(&d, false, "").unwrap(); // the same process
            assert!(lock.exists());
        }
        assert!(!lock.exists());
        std::fs::write(&lock, "1 0\n").unwrap(); // pid 1 runs: held
        assert!(matches!(claim_run_dir(&d, false, ""), Err(RunDirError::Busy { pid, .. }) if pid == "1"));
        std::fs::write(&lock, format!("{} 0\n", u32::MAX - 1)).unwrap(); // no such process: stale
        drop(claim_run_dir(&d, false, "").unwrap());
        assert!(!lock.exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn default_names_are_numbered_when_taken() {
        assert_eq!(default_run_dir("cartpole", 3), PathBuf::from("runs/cartpole-s3"));
        assert_eq!(config_stem("presets/memory.toml"), "memory");
        assert_eq!(config_stem("cartpole"), "cartpole");
    }
}
