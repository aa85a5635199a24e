//! Bad input at the command line (issue 17, points 6–10 and 12): every number is checked,
//! no input ends in an internal error, sizes that cannot fit are refused before allocating,
//! negative numbers are values, messages name the cause, and an explicit data folder is never
//! passed over. Each refusal is one line on stderr, exit code 2, and nothing written.
//!
//! `every_key_at_every_edge_value` sets each key of the resolved configuration of cartpole,
//! memory-neuron and an MNIST preset (on a tiny dataset) to NaN, ±inf, 0, −1, 1e30 and
//! 2⁶³−1 in turn and runs one generation through the library; a sample of the cases runs
//! through the binary for the exit-code contract.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hetero() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hetero"));
    c.env_remove("HETERO_KERNEL").env_remove("HETERO_DATA");
    c
}

/// A fresh, empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hetero-bad-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    hetero().current_dir(dir).args(args).output().unwrap()
}

/// The entries of `dir` other than those named in `keep`.
fn entries_except(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

/// Asserts a one-line error on stderr, exit code 2, and that nothing but `keep` is in `dir`.
fn assert_refused_output(dir: &Path, what: &str, out: &Output, must_contain: &[&str], keep: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: exit code; stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{what}: not one line: {stderr}");
    assert!(stderr.starts_with("error"), "{what}: {stderr}");
    assert!(!stderr.contains("internal error") && !stderr.contains("panicked"), "{what}: {stderr}");
    for needle in must_contain {
        assert!(stderr.contains(needle), "{what}: `{needle}` not in: {stderr}");
    }
    let left = entries_except(dir, keep);
    assert!(left.is_empty(), "{what} wrote {left:?}");
}

/// Runs `args` in `dir` and asserts a clean refusal ([`assert_refused_output`]).
fn assert_refused(dir: &Path, args: &[&str], must_contain: &[&str], keep: &[&str]) {
    let out = run_in(dir, args);
    assert_refused_output(dir, &format!("{args:?}"), &out, must_contain, keep);
}

/// A tiny MNIST-shaped dataset under `dir/<name>/mnist` (300 training and 120 test images of
/// 8×8 pixels whose class shows as a bright row).
fn tiny_dataset(dir: &Path, name: &str) -> PathBuf {
    use hetero::data::idx::write_idx;
    let root = dir.join(name);
    let folder = root.join("mnist");
    std::fs::create_dir_all(&folder).unwrap();
    let make = |n: usize, stem: &str, offset: usize| {
        let labels: Vec<u8> = (0..n).map(|i| ((i * 7 + offset) % 10) as u8).collect();
        let mut images = vec![0u8; n * 64];
        for (i, &l) in labels.iter().enumerate() {
            for c in 0..8 {
                images[i * 64 + (l as usize % 8) * 8 + c] = 200 + (i % 50) as u8;
                images[i * 64 + ((i + c) % 64)] = 90;
            }
        }
        write_idx(&folder.join(format!("{stem}-images-idx3-ubyte")), &[n, 8, 8], &images).unwrap();
        write_idx(&folder.join(format!("{stem}-labels-idx1-ubyte")), &[n], &labels).unwrap();
    };
    make(300, "train", 0);
    make(120, "t10k", 3);
    root
}

/// Every array of a safetensors file is finite.
fn assert_all_finite(path: &Path, what: &str) {
    let (arrays, _) = hetero::io::load_arrays(path).unwrap_or_else(|e| panic!("{what}: {e}"));
    for (name, a) in &arrays {
        if let Some(x) = a.to_f64().iter().find(|x| !x.is_finite()) {
            panic!("{what}: {} holds {x} in `{name}`", path.display());
        }
    }
}

/// A finished small CartPole run in `dir/name`.
fn small_run(dir: &Path, name: &str) {
    let o = run_in(
        dir,
        &[
            "train",
            "cartpole",
            "--out",
            name,
            "--generations",
            "2",
            "--population",
            "8",
            "--set",
            "network.hidden=8",
            "--set",
            "env.max_steps=50",
            "--set",
            "run.plots=false",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Point 6: each value that parses but is not allowed is one line naming the key, the value and
/// the allowed range.
#[test]
fn every_number_is_checked() {
    let dir = scratch("numbers");
    let cases: &[(&[&str], &[&str])] = &[
        (&["network.v_th=nan"], &["network.v_th = NaN", "[-1000000, 1000000]"]),
        (&["network.r=inf"], &["network.r = inf", "(0, 1000000]"]),
        (&["network.tau_ms=inf"], &["network.tau_ms = inf", "[5, 1000000]"]),
        (&["strategy.pgpe.sigma_init=-1"], &["strategy.pgpe.sigma_init = -1", "(0, 1000]"]),
        (
            &["strategy.pgpe.sigma_init=1e30"],
            &["strategy.pgpe.sigma_init = 1000000000000000000000000000000", "(0, 1000]"],
        ),
        (&["strategy.pgpe.optimizer=sgd", "strategy.pgpe.center_lr=1e30"], &["strategy.pgpe.center_lr", "(0, 1000]"]),
        (&["strategy.name=open_es", "strategy.open_es.sigma=0"], &["strategy.open_es.sigma = 0", "(0, 1000]"]),
        (&["strategy.name=snes", "strategy.snes.mean_lr=1e30"], &["strategy.snes.mean_lr", "(0, 1000]"]),
        (&["strategy.pgpe.momentum=5"], &["strategy.pgpe.momentum = 5", "[0, 1)"]),
        (&["strategy.pgpe.max_speed=-1"], &["strategy.pgpe.max_speed = -1", "(0, 1000]"]),
        (&["strategy.pgpe.center_lr=-1"], &["strategy.pgpe.center_lr = -1", "(0, 1000]"]),
        (&["run.stop_fitness=nan"], &["run.stop_fitness = NaN", "must be a number"]),
        (&["genome.properties=tau,tau"], &["genome.properties = [tau, tau]", "`tau` is listed twice"]),
        (&["genome.scale.r=0"], &["genome.scale.r = 0", "(0, 1000000]"]),
        (&["strategy.snes.sigma_lr=50"], &["strategy.snes.sigma_lr = 50", "[0, 10]"]),
        (&["run.generations=2000000000"], &["run.generations = 2000000000", "1..=1000000000"]),
        (&["run.threads=5000"], &["run.threads = 5000", "0..=1024"]),
        (&["env.episodes=2000000"], &["env.episodes = 2000000", "1..=1000000"]),
    ];
    for (sets, needles) in cases {
        let mut args = vec!["train", "cartpole"];
        for s in *sets {
            args.extend(["--set", s]);
        }
        assert_refused(&dir, &args, needles, &[]);
    }
    // Sizes checked against the dataset once it is read (no clamping).
    let data = tiny_dataset(&dir, "data");
    let data_set = format!("data.dir={}", data.display());
    let keep = ["data"];
    for (set, needles) in [
        ("data.batch_size=100000", &["data.batch_size = 100000", "at most the 300 training images"][..]),
        ("data.test_images=500", &["data.test_images = 500", "only 120 images"]),
        ("data.rate_neurons=100", &["data.rate_neurons = 100", "network.hidden = 40"]),
    ] {
        assert_refused(
            &dir,
            &[
                "train",
                "mnist-neuron-4096",
                "--set",
                &data_set,
                "--set",
                "network.hidden=40",
                "--set",
                "data.batch_size=64",
                "--set",
                set,
            ],
            needles,
            &keep,
        );
    }
    // An unknown kernel is refused, not ignored.
    let out = hetero()
        .current_dir(&dir)
        .env("HETERO_KERNEL", "avx9000")
        .args(["train", "mnist-neuron-4096", "--set", &data_set, "--set", "network.hidden=40"])
        .output()
        .unwrap();
    assert_refused_output(&dir, "HETERO_KERNEL=avx9000", &out, &["HETERO_KERNEL=avx9000", "portable"], &keep);
    // Flags that would be ignored are refused.
    assert_refused(&dir, &["bench", "bptt", "--generations", "3"], &["--generations 3", "bench bptt"], &keep);
    assert_refused(&dir, &["bench", "reservoir", "--generations", "3"], &["--generations 3", "bench reservoir"], &keep);
    assert_refused(&dir, &["bench", "bptt", "--threads", "2"], &["--threads 2", "one thread"], &keep);
    assert_refused(&dir, &["bench", "cartpole", "--env", "hopper"], &["--env hopper", "bench locomotion"], &keep);
    let o = run_in(
        &dir,
        &[
            "train",
            "mnist-neuron-4096",
            "--out",
            "image-run",
            "--generations",
            "1",
            "--population",
            "4",
            "--set",
            &data_set,
            "--set",
            "network.hidden=8",
            "--set",
            "data.batch_size=16",
            "--set",
            "run.plots=false",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let keep = ["data", "image-run"];
    assert_refused(&dir, &["eval", "image-run", "--episodes", "5"], &["--episodes", "test set"], &keep);
    assert_refused(&dir, &["eval", "image-run", "--seed", "5"], &["--seed", "test set"], &keep);
    let o = run_in(&dir, &["eval", "image-run"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 7: values that used to end in a panic are one-line errors, and no half-made run is left.
#[test]
fn no_internal_error_from_input() {
    let dir = scratch("internal");
    for set in ["strategy.pgpe.sigma_init=0", "strategy.pgpe.sigma_max_change=-1", "strategy.pgpe.sigma_max_change=1"] {
        let key = set.split('=').next().unwrap();
        assert_refused(&dir, &["train", "cartpole", "--set", set], &[key], &[]);
    }
    // Allowed values can still overflow over many generations (SNES at its largest η_σ): the run
    // stops with one line, and the files of its last checkpoint hold finite numbers.
    let out = run_in(
        &dir,
        &[
            "train",
            "cartpole",
            "--out",
            "diverges",
            "--generations",
            "1000",
            "--population",
            "8",
            "--set",
            "network.hidden=8",
            "--set",
            "env.max_steps=50",
            "--set",
            "run.plots=false",
            "--set",
            "strategy.name=snes",
            "--set",
            "strategy.snes.sigma_lr=10",
            "--set",
            "strategy.snes.sigma_init=1000",
            "--set",
            "strategy.snes.mean_lr=1000",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the search diverged") && stderr.trim_end().lines().count() == 1, "{stderr}");
    for file in ["params.safetensors", "checkpoint.safetensors"] {
        assert_all_finite(&dir.join("diverges").join(file), "diverged run");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The three presets of the edge-value sweep, each made small and fast (the key under test is
/// set after these, so it wins).
fn sweep_presets(data: &Path) -> Vec<(&'static str, Vec<String>)> {
    let common = ["run.generations=1", "run.threads=1", "run.plots=false", "strategy.population=4", "network.hidden=8"];
    let with = |extra: &[String]| common.iter().map(|s| s.to_string()).chain(extra.iter().cloned()).collect();
    vec![
        ("cartpole", with(&["env.max_steps=40".into(), "env.eval_episodes=1".into()])),
        ("memory-neuron", with(&["env.memory_length=3".into(), "env.episodes=2".into(), "env.eval_episodes=2".into()])),
        (
            "mnist-neuron-4096",
            with(&[format!("data.dir={}", data.display()), "data.batch_size=16".into(), "data.rate_neurons=4".into()]),
        ),
    ]
}

/// The edge values every key is set to: NaN, ±inf, 0, −1, 1e30 and 2⁶³−1.
const EDGE_VALUES: [&str; 7] = ["nan", "inf", "-inf", "0", "-1", "1e30", "9223372036854775807"];

/// What one edge case did.
enum Outcome {
    /// The run finished; its params are checked for finite values.
    Trained,
    /// A one-line error.
    Refused(String),
}

/// Runs one edge case in-process: the preset, its small settings, then `key=value`, one
/// generation into `out`. Panics (a test failure) on a panic inside the library.
fn edge_case(preset: &str, base: &[String], assignment: &str, out: &Path) -> Outcome {
    let mut tree = hetero::config::ConfigTree::load(preset).unwrap();
    for s in base {
        tree.set(s).unwrap();
    }
    if let Err(e) = tree.set(assignment) {
        return Outcome::Refused(e.to_string());
    }
    let config = match tree.finish() {
        Ok(c) => c,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let run = std::panic::catch_unwind(|| hetero::train::train(&config, out, false, &mut []));
    match run {
        Ok(Ok(_)) => Outcome::Trained,
        Ok(Err(e)) => Outcome::Refused(e.to_string()),
        Err(_) => panic!("{preset} --set {assignment}: panicked (an internal error, exit 101)"),
    }
}

/// Point 7: every key of three presets' resolved configurations at every edge value, one
/// generation each. Each case either trains with finite parameters or is refused in one line
/// with nothing written; never a panic, never a NaN or inf in a file. A sample runs through the
/// binary: exit 0 with finite params, or exit 2 with one line and nothing written.
#[test]
fn every_key_at_every_edge_value() {
    let start = std::time::Instant::now();
    let dir = scratch("edges");
    let data = tiny_dataset(&dir, "data");
    let (mut trained, mut refused, mut sampled) = (0, 0, 0);
    let mut case = 0usize;
    for (preset, base) in sweep_presets(&data) {
        let keys = hetero::config::ConfigTree::load(preset).unwrap().keys();
        assert!(keys.len() > 40, "{preset}: only {} keys", keys.len());
        assert!(keys.iter().any(|(k, _)| k == "strategy.pgpe.sigma_max_change"));
        for (key, _) in &keys {
            for value in EDGE_VALUES {
                case += 1;
                let assignment = format!("{key}={value}");
                let what = format!("{preset} --set {assignment}");
                let out = dir.join(format!("case-{case}"));
                match edge_case(preset, &base, &assignment, &out) {
                    Outcome::Trained => {
                        trained += 1;
                        for file in ["params.safetensors", "checkpoint.safetensors"] {
                            assert_all_finite(&out.join(file), &what);
                        }
                        let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
                        let row = metrics.lines().nth(1).unwrap_or_else(|| panic!("{what}: no metrics row"));
                        assert!(!row.to_lowercase().contains("nan") && !row.contains("inf"), "{what}: metrics {row}");
                    }
                    Outcome::Refused(message) => {
                        refused += 1;
                        assert!(!message.contains('\n') && !message.is_empty(), "{what}: {message:?}");
                        assert!(!out.exists(), "{what}: refused ({message}) but wrote {}", out.display());
                    }
                }
                let _ = std::fs::remove_dir_all(&out);
                // Every 23rd case again through the binary: the exit-code contract.
                if case.is_multiple_of(23) {
                    sampled += 1;
                    let run_dir = dir.join(format!("bin-{case}"));
                    std::fs::create_dir_all(&run_dir).unwrap();
                    let mut args = vec!["train".to_string(), preset.to_string(), "--out".into(), "run".into()];
                    for s in base.iter().chain(std::iter::once(&assignment)) {
                        args.extend(["--set".to_string(), s.clone()]);
                    }
                    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                    let o = run_in(&run_dir, &refs);
                    match o.status.code() {
                        Some(0) => assert_all_finite(&run_dir.join("run/params.safetensors"), &what),
                        Some(2) => assert_refused_output(&run_dir, &what, &o, &[], &[]),
                        other => panic!("{what}: exit {other:?}: {}", String::from_utf8_lossy(&o.stderr)),
                    }
                    std::fs::remove_dir_all(&run_dir).unwrap();
                }
            }
        }
    }
    assert!(trained > 50 && refused > 300, "trained {trained}, refused {refused}");
    println!(
        "{case} edge cases ({trained} trained, {refused} refused, {sampled} also through the binary) in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 8: sizes that cannot fit are refused before anything is allocated, naming what is
/// needed and what the machine has; `--threads` has an upper bound; `tasks show` streams.
#[test]
fn sizes_that_cannot_fit_are_refused() {
    let dir = scratch("sizes");
    let needs = ["needs", "GiB, this machine has"];
    assert_refused(&dir, &["train", "cartpole", "--set", "network.hidden=100000000"], &needs, &[]);
    assert_refused(&dir, &["train", "cartpole", "--population", "100000000"], &needs, &[]);
    assert_refused(&dir, &["train", "cartpole", "--threads", "20000"], &["--threads 20000", "1024"], &[]);
    assert_refused(&dir, &["bench", "cartpole", "--threads", "1000000"], &["--threads", "1024"], &[]);
    assert_refused(&dir, &["reproduce", "memory-length", "--quick", "--threads", "5000"], &["--threads", "1024"], &[]);
    assert_refused(&dir, &["tasks", "show", "white/narma-10", "--len", "100000000000"], &needs, &[]);
    small_run(&dir, "run");
    assert_refused(&dir, &["eval", "run", "--episodes", "1000000000"], &["1000000000 episodes needs"], &["run"]);
    // A long task is written as it is made: a reader that stops early ends it cleanly.
    let mut child = hetero()
        .current_dir(&dir)
        .args(["tasks", "show", "white/narma-10", "--len", "3000000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 64];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    assert!(head.starts_with(b"t,u0,y\n0,"), "{}", String::from_utf8_lossy(&head));
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 9: a leading minus is a value; it is then checked and refused naming the flag.
#[test]
fn negative_numbers_are_values() {
    let dir = scratch("negative");
    let seed_range = "0..=9223372036854775807";
    assert_refused(&dir, &["train", "cartpole", "--seed", "-1"], &["--seed", "-1", seed_range], &[]);
    assert_refused(
        &dir,
        &["reproduce", "memory-length", "--quick", "--taus", "-5", "--out", "x"],
        &["--taus -5", "at least"],
        &[],
    );
    assert_refused(
        &dir,
        &["reproduce", "memory-length", "--quick", "--lengths", "-3,4", "--out", "x"],
        &["--lengths", "-3"],
        &[],
    );
    assert_refused(&dir, &["tasks", "show", "white/narma-10", "--len", "-5"], &["--len", "-5"], &[]);
    assert_refused(&dir, &["env", "cartpole", "--seed", "-2"], &["--seed", "-2"], &[]);
    assert_refused(&dir, &["env", "cartpole", "--actions", "-1,0"], &["`-1` is not an action index"], &[]);
    assert_refused(&dir, &["bench", "cartpole", "--generations", "-1"], &["--generations", "-1"], &[]);
    assert_refused(&dir, &["reproduce", "bp-vs-es", "--quick", "--seeds", "-4"], &["--seeds", "-4"], &[]);
    // A continuous action vector may start with a minus (without MuJoCo the task is refused for
    // that reason, not for the argument).
    #[cfg(not(feature = "mujoco"))]
    assert_refused(&dir, &["env", "halfcheetah", "--actions", "-0.5,0.2,0,0,0,0"], &["--features mujoco"], &[]);
    small_run(&dir, "run");
    assert_refused(&dir, &["eval", "run", "--episodes", "-3"], &["--episodes", "-3"], &["run"]);
    assert_refused(&dir, &["eval", "run", "--seed", "-3"], &["--seed", "-3"], &["run"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 10: each message names the cause.
#[test]
fn messages_name_the_cause() {
    let dir = scratch("messages");
    assert_refused(&dir, &["train", "cartpole", "--set", "network.hidden=-3"], &["network.hidden", "-3"], &[]);
    assert_refused(&dir, &["train", "cartpole", "--set", "genome.mode=foo"], &["genome.mode", "foo"], &[]);
    let out = run_in(&dir, &["train", "cartpole", "--seed", "9223372036854775808"]);
    assert_refused_output(
        &dir,
        "--seed 2^63",
        &out,
        &["--seed", "9223372036854775808", "0..=9223372036854775807"],
        &[],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("--set"));
    assert_refused(&dir, &["train", "cartpole", "--set", "run.seed=9223372036854775808"], &["run.seed", "64-bit"], &[]);
    assert_refused(&dir, &["train"], &["required", "<CONFIG>"], &[]);
    assert_refused(&dir, &["eval"], &["required", "<RUN_DIR>"], &[]);
    assert_refused(&dir, &["tasks", "show"], &["required", "<NAME>"], &[]);
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    assert_refused(&dir, &["eval", "empty"], &["empty: not a run directory (no config.toml"], &["empty"]);
    small_run(&dir, "run");
    let keep = ["empty", "run"];
    assert_refused(&dir, &["bench", "mnist", "--run", "run"], &["a cartpole run", "classification"], &keep);
    assert_refused(&dir, &["bench", "mnist", "--run", "empty"], &["not a run directory"], &keep);
    // A config edited to another size after the run.
    let config = dir.join("run/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("hidden = 8", "hidden = 16")).unwrap();
    assert_refused(&dir, &["eval", "run"], &["holds a genome of", "network.hidden = 16", "edited"], &keep);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 10: a figure that cannot be written (the disk full, here a file-size limit with
/// SIGXFSZ ignored so the write fails with EFBIG) is one plain line, not a Debug dump.
#[cfg(target_os = "linux")]
#[test]
fn a_figure_that_cannot_be_written_is_one_plain_line() {
    let dir = scratch("figure");
    // A run whose files are all small; its fitness figure is the largest file it writes.
    let limit_kb = 16;
    let script = format!(
        "trap '' XFSZ; ulimit -f {limit_kb}; exec \"$0\" train cartpole --out run --generations 2 --population 4 --set network.hidden=4 --set env.max_steps=20"
    );
    let out = Command::new("bash")
        .current_dir(&dir)
        .args(["-c", &script, env!("CARGO_BIN_EXE_hetero")])
        .env_remove("HETERO_KERNEL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.trim_end().lines().last().unwrap_or("");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(last.starts_with("error: failed to write") && last.contains("fitness.png"), "{stderr}");
    assert!(last.contains("File too large") && !last.contains("Os {") && !last.contains("IoError"), "{last}");
    // The run's own files are intact.
    assert_all_finite(&dir.join("run/params.safetensors"), "figure");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 12: an explicit data folder is the only place looked in.
#[test]
fn an_explicit_data_folder_is_never_ignored() {
    let dir = scratch("datadir");
    let data = tiny_dataset(&dir, "data");
    let env_data = |c: &mut Command| {
        c.env("HETERO_DATA", &data);
    };
    let mut c = hetero();
    env_data(&mut c);
    let out = c
        .current_dir(&dir)
        .args(["train", "mnist-neuron-4096", "--set", "data.dir=/nonexistent", "--set", "network.hidden=8"])
        .output()
        .unwrap();
    assert_refused_output(
        &dir,
        "data.dir=/nonexistent",
        &out,
        &["/nonexistent/mnist", "only place searched"],
        &["data"],
    );
    let mut c = hetero();
    env_data(&mut c);
    let out = c
        .current_dir(&dir)
        .args(["reproduce", "mnist", "--quick", "--data-dir", "/nonexistent", "--out", "r"])
        .output()
        .unwrap();
    assert_refused_output(
        &dir,
        "--data-dir /nonexistent",
        &out,
        &["/nonexistent/mnist", "only place searched"],
        &["data"],
    );
    // Without an explicit folder, $HETERO_DATA is searched.
    let mut c = hetero();
    env_data(&mut c);
    let o = c
        .current_dir(&dir)
        .args([
            "train",
            "mnist-neuron-4096",
            "--out",
            "r",
            "--generations",
            "1",
            "--population",
            "4",
            "--set",
            "network.hidden=8",
            "--set",
            "data.batch_size=16",
            "--set",
            "run.plots=false",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}
