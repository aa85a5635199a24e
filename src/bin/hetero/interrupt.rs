//! SIGINT and SIGTERM (Unix): say what happened and how to continue, exit 130 or 143.
//!
//! During `hetero train` the first signal asks the run to stop at the end of the generation it is
//! in: that generation's checkpoint is written, and the run exits with "interrupted at generation
//! N; last checkpoint at N; continue with: <command>". A second signal (or the first, for every
//! other command) exits at once: every file a run writes is replaced atomically, so what is on
//! disk is the last checkpoint, which the line names. Reproductions continue with the same
//! command (finished jobs are reused, unfinished ones continue from their checkpoints).

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Mutex;

/// The first signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The last generation a training run finished.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The training run being watched: its directory and the command that continues it.
struct Watched {
    dir: PathBuf,
    resume_command: String,
}

static WATCHED: Mutex<Option<Watched>> = Mutex::new(None);

/// The process's exit code for `signal`: 128 + its number (130 for SIGINT, 143 for SIGTERM).
pub(crate) fn exit_code(signal: i32) -> u8 {
    (128 + signal).clamp(0, 255) as u8
}

/// The signal received, if any.
pub(crate) fn received() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// True once a signal asked a training run to stop.
pub(crate) fn stop_requested() -> bool {
    received().is_some()
}

/// A training run finished `generation`.
pub(crate) fn finished_generation(generation: u64) {
    GENERATION.store(generation, Ordering::SeqCst);
}

/// Watches the training run in `dir`, continued by `resume_command`: a signal then stops it at
/// the end of its generation.
pub(crate) fn watch_run(dir: PathBuf, resume_command: String) {
    *WATCHED.lock().unwrap_or_else(|e| e.into_inner()) = Some(Watched { dir, resume_command });
}

/// The generation of the checkpoint in `dir`, if it has one.
fn checkpoint_generation(dir: &std::path::Path) -> Option<u64> {
    let (_, meta) = hetero::io::load_arrays(&dir.join("checkpoint.safetensors")).ok()?;
    meta.get("generation")?.parse().ok()
}

/// The line for a training run that stopped at the end of `generation` (its checkpoint written).
pub(crate) fn stopped_line(generation: u64) -> String {
    let command = WATCHED.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|w| w.resume_command.clone());
    format!(
        "interrupted at generation {generation}; last checkpoint at {generation}; continue with: {}",
        command.unwrap_or_default()
    )
}

/// The line for exiting at once.
fn immediate_line() -> String {
    let watched = WATCHED.lock().unwrap_or_else(|e| e.into_inner());
    match watched.as_ref() {
        Some(w) => {
            let done = GENERATION.load(Ordering::SeqCst);
            let checkpoint = checkpoint_generation(&w.dir)
                .map_or("none yet (it continues from generation 0)".to_string(), |g| g.to_string());
            format!(
                "interrupted during generation {}; last checkpoint at {checkpoint}; continue with: {}",
                done + 1,
                w.resume_command
            )
        }
        None => format!(
            "interrupted; finished runs are kept and unfinished ones continue from their checkpoints; continue with: {}",
            command_line(&std::env::args().collect::<Vec<_>>())
        ),
    }
}

/// `args` as a shell command line (arguments with spaces or quotes single-quoted).
pub(crate) fn command_line(args: &[String]) -> String {
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            let a = if i == 0 { "hetero" } else { a.as_str() };
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c)) {
                a.to_string()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts listening for SIGINT and SIGTERM.
#[cfg(unix)]
pub(crate) fn install() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // without a handler the default action (exit) remains
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let first = SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst).is_ok();
            let training = WATCHED.lock().unwrap_or_else(|e| e.into_inner()).is_some();
            if first && training {
                eprintln!(
                    "\nstopping at the end of this generation (its checkpoint is written); signal again to stop now"
                );
                continue;
            }
            let code = exit_code(received().unwrap_or(signal));
            hetero::io::report_line(&immediate_line());
            std::process::exit(code as i32);
        }
    });
}

/// Without Unix signals the default action remains.
#[cfg(not(unix))]
pub(crate) fn install() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(exit_code(2), 130);
        assert_eq!(exit_code(15), 143);
    }

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        let args: Vec<String> =
            ["/x/hetero", "train", "my run.toml", "--set", "a=b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(command_line(&args), "hetero train 'my run.toml' --set a=b");
    }
}
