//! End-to-end tests of the `hetero` binary: bad input, determinism across thread counts, and
//! exact resumption after a kill.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn hetero() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hetero"))
}

/// A fresh, empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hetero-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    hetero().current_dir(dir).args(args).output().unwrap()
}

/// Asserts a one-line error on stderr, exit code 2, no panic, and an untouched folder.
fn assert_clean_failure(dir: &Path, args: &[&str], must_contain: &[&str]) {
    let out = run_in(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: exit code; stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: not one line: {stderr}");
    assert!(stderr.starts_with("error"), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{args:?}: {stderr}");
    for needle in must_contain {
        assert!(stderr.contains(needle), "{args:?}: `{needle}` not in: {stderr}");
    }
    let left: Vec<_> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).filter(|n| n != "bad.toml").collect();
    assert!(left.is_empty(), "{args:?} wrote {left:?}");
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let dir = scratch("bad");
    std::fs::write(dir.join("bad.toml"), "[run]\ngenerations = = 3\n").unwrap();
    assert_clean_failure(&dir, &["train", "no-such-preset"], &["no-such-preset"]);
    assert_clean_failure(&dir, &["train", "cartpole", "--set", "no_such.key=1"], &["no_such.key"]);
    assert_clean_failure(&dir, &["train", "cartpole", "--set", "network.hidden=abc"], &["network.hidden", "abc"]);
    assert_clean_failure(&dir, &["train", "cartpole", "--generations", "abc"], &["--generations", "abc"]);
    assert_clean_failure(&dir, &["train", "cartpole", "--generations", "-3"], &["--generations", "-3"]);
    assert_clean_failure(&dir, &["train", "cartpole", "--population", "-4"], &["--population", "-4"]);
    assert_clean_failure(&dir, &["train", "cartpole", "--population", "7"], &["--population", "7", "even"]);
    assert_clean_failure(&dir, &["train", "cartpole", "--set", "genome.mode=neurons"], &["neurons"]);
    assert_clean_failure(&dir, &["train", "bad.toml"], &["bad.toml"]);
    assert_clean_failure(&dir, &["train", "missing.toml"], &["missing.toml"]);
    assert_clean_failure(&dir, &["eval", "no-such-run"], &["no-such-run"]);
    assert_clean_failure(&dir, &["train", "cartpole", "--resume", "--out", "nowhere"], &["nowhere", "checkpoint"]);
    assert_clean_failure(&dir, &["env", "cartpole", "--actions", "1,7"], &["7"]);
    assert_clean_failure(&dir, &["env", "no-such-env"], &["no-such-env"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A small, quick run configuration.
fn small_config(dir: &Path, generations: u64) -> PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(
        &path,
        format!(
            "[run]\ngenerations = {generations}\ncheckpoint_every = 3\nseed = 5\n[env]\nmax_steps = 200\neval_episodes = 3\n\
             [network]\nhidden = 16\n[strategy]\npopulation = 32\n"
        ),
    )
    .unwrap();
    path
}

/// metrics.csv without the wall-clock columns.
fn metrics_without_timing(run: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    text.lines().map(|l| l.split(',').take(9).collect::<Vec<_>>().join(",")).collect()
}

/// Asserts two files have the same bytes (short message on failure).
fn assert_same_file(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(x == y, "{} and {} differ ({} vs {} bytes)", a.display(), b.display(), x.len(), y.len());
}

/// Asserts two safetensors files hold the same arrays, bit for bit (metadata may differ).
fn assert_same_arrays(a: &Path, b: &Path) {
    let (x, _) = hetero::io::load_arrays(a).unwrap();
    let (y, _) = hetero::io::load_arrays(b).unwrap();
    assert_eq!(x.len(), y.len());
    for (name, array) in &x {
        let same = y
            .get(name)
            .is_some_and(|other| other.to_f64().iter().zip(array.to_f64()).all(|(p, q)| p.to_bits() == q.to_bits()));
        assert!(same, "{name} differs between {} and {}", a.display(), b.display());
    }
}

fn train(dir: &Path, config: &Path, out: &str, extra: &[&str]) {
    let mut args = vec!["train", config.to_str().unwrap(), "--out", out];
    args.extend_from_slice(extra);
    let o = run_in(dir, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn same_seed_is_bit_identical_with_one_or_two_threads() {
    let dir = scratch("threads");
    let config = small_config(&dir, 12);
    train(&dir, &config, "one", &["--threads", "1"]);
    train(&dir, &config, "two", &["--threads", "2"]);
    let (a, b) = (metrics_without_timing(&dir.join("one")), metrics_without_timing(&dir.join("two")));
    assert_eq!(a.len(), 13);
    assert_eq!(a, b);
    for file in ["params.safetensors", "checkpoint.safetensors"] {
        assert_same_arrays(&dir.join("one").join(file), &dir.join("two").join(file));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resume_continues_exactly() {
    let dir = scratch("resume");
    let config = small_config(&dir, 12);
    train(&dir, &config, "straight", &[]);
    // Stop at generation 6 (a checkpoint), then continue to 12.
    train(&dir, &config, "split", &["--generations", "6"]);
    train(&dir, &config, "split", &["--resume", "--generations", "12"]);
    assert_eq!(metrics_without_timing(&dir.join("straight")), metrics_without_timing(&dir.join("split")));
    assert_same_file(&dir.join("straight/params.safetensors"), &dir.join("split/params.safetensors"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kill_during_training_then_resume_gives_the_same_params() {
    let dir = scratch("kill");
    let config = small_config(&dir, 300);
    train(&dir, &config, "straight", &[]);
    let mut child = hetero()
        .current_dir(&dir)
        .args(["train", config.to_str().unwrap(), "--out", "killed"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = dir.join("killed/checkpoint.safetensors");
    let start = Instant::now();
    while !checkpoint.exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL: no chance to tidy up
    child.wait().unwrap();
    let killed_early = !dir.join("killed/summary.json").exists();
    train(&dir, &config, "killed", &["--resume"]);
    assert_same_file(&dir.join("straight/params.safetensors"), &dir.join("killed/params.safetensors"));
    assert_eq!(metrics_without_timing(&dir.join("straight")), metrics_without_timing(&dir.join("killed")));
    assert!(killed_early, "the run finished before it could be killed; make it longer");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_directory_holds_what_python_users_open() {
    let dir = scratch("files");
    let config = small_config(&dir, 3);
    train(&dir, &config, "run", &[]);
    for f in [
        "config.toml",
        "metrics.csv",
        "checkpoint.safetensors",
        "params.safetensors",
        "summary.json",
        "fitness.svg",
        "fitness.png",
    ] {
        assert!(dir.join("run").join(f).exists(), "{f} missing");
    }
    let header = std::fs::read_to_string(dir.join("run/metrics.csv")).unwrap().lines().next().unwrap().to_string();
    for col in [
        "generation",
        "fitness_mean",
        "fitness_std",
        "fitness_min",
        "fitness_max",
        "centre_fitness",
        "sigma_mean",
        "spikes_per_neuron_step",
        "wall_s",
    ] {
        assert!(header.split(',').any(|c| c == col), "{col} missing from {header}");
    }
    let (arrays, _) = hetero::io::load_arrays(&dir.join("run/params.safetensors")).unwrap();
    for name in ["hidden.tau_ms", "hidden.v_th", "hidden.v_rest", "hidden.r", "w_in", "w_out", "genome"] {
        assert!(arrays.contains_key(name), "{name} missing");
    }
    let eval = run_in(&dir, &["eval", "run", "--episodes", "5", "--json"]);
    assert!(eval.status.success());
    let v: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(v["episodes"], 5);
    let again = run_in(&dir, &["train", config.to_str().unwrap(), "--out", "run"]);
    assert_eq!(again.status.code(), Some(2), "refuses to overwrite a run");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn env_command_replays_actions_as_json_lines() {
    let out = hetero().args(["env", "cartpole", "--seed", "3", "--actions", "1,1,0", "--json"]).output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0]["action"].is_null());
    assert_eq!(lines[3]["reward"], 1.0);
    let x0 = lines[0]["state"][0].as_f64().unwrap();
    assert!(x0.abs() <= 0.05);
    // The same seed gives the same initial state.
    let again = hetero().args(["env", "cartpole", "--seed", "3", "--json"]).output().unwrap();
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&again.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["state"], lines[0]["state"]);
}

#[test]
fn presets_are_listed_one_per_line() {
    let out = hetero().arg("presets").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("cartpole ")));
    assert!(text.lines().any(|l| l.starts_with("cartpole-weight ")));
}

#[test]
fn reproduce_memory_length_writes_everything_and_reuses_finished_runs() {
    let dir = scratch("memory");
    let args = [
        "reproduce",
        "memory-length",
        "--lengths",
        "1,3",
        "--seeds",
        "2",
        "--generations",
        "5",
        "--taus",
        "5,20",
        "--out",
        "ml",
    ];
    let first = run_in(&dir, &args);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    for f in [
        "results.csv",
        "results.md",
        "reward_vs_length.png",
        "reward_vs_length.svg",
        "tau_sweep.png",
        "tau_L01.png",
        "tau_by_length.png",
    ] {
        assert!(dir.join("ml").join(f).exists(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.join("ml/results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 3 * 2, "2 lengths × 3 arms × 2 seeds");
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("length,arm,mode,tau_ms,seed,centre_reward,population_mean,population_std,generations_used"));
    // A second invocation reuses every finished run and writes the same table.
    let marker = dir.join("ml/runs/L01-neuron-s0/result.json");
    let before = std::fs::metadata(&marker).unwrap().modified().unwrap();
    assert!(run_in(&dir, &args).status.success());
    assert_eq!(std::fs::metadata(&marker).unwrap().modified().unwrap(), before, "a finished run was redone");
    assert_eq!(std::fs::read_to_string(dir.join("ml/results.csv")).unwrap(), csv);
    std::fs::remove_dir_all(&dir).unwrap();
    let empty = scratch("memory-bad");
    assert_clean_failure(&empty, &["reproduce", "memory-length", "--lengths", "0"], &["--lengths"]);
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn reproduce_bp_vs_es_quick_writes_its_outputs() {
    let dir = scratch("bpes");
    let out = run_in(&dir, &["reproduce", "bp-vs-es", "--quick", "--out", "bp"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["results.csv", "results.md", "reward_vs_max_steps.png", "pre_reset_u.png"] {
        assert!(dir.join("bp").join(f).exists(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.join("bp/results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4 * 2 * 2, "4 arms × 2 max steps × 2 seeds");
    let md = std::fs::read_to_string(dir.join("bp/results.md")).unwrap();
    assert!(md.contains("[81.2]") && md.contains("[55.3]"), "Table 5 beside ours: {md}");
    std::fs::remove_dir_all(&dir).unwrap();
    let empty = scratch("bpes-bad");
    assert_clean_failure(&empty, &["reproduce", "bp-vs-es", "--surrogate", "sinc"], &["--surrogate", "sinc"]);
    assert_clean_failure(&empty, &["reproduce", "bp-vs-es", "--lr", "-1"], &["--lr"]);
    std::fs::remove_dir_all(&empty).unwrap();
}

/// A tiny MNIST-shaped dataset under `dir/data/mnist`: 8×8 images whose class shows as a
/// bright row, so a network can learn it.
fn tiny_dataset(dir: &Path) -> PathBuf {
    tiny_dataset_in(dir, "data", 0)
}

/// [`tiny_dataset`] under `dir/<name>/mnist`, with the last `scrambled` training images
/// replaced by noise (and their labels shifted).
fn tiny_dataset_in(dir: &Path, name: &str, scrambled: usize) -> PathBuf {
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
        let (mut images, mut labels) = (images, labels);
        if stem == "train" {
            for i in n - scrambled..n {
                labels[i] = (labels[i] + 1) % 10;
                for (k, p) in images[i * 64..(i + 1) * 64].iter_mut().enumerate() {
                    *p = ((i * 31 + k * 17) % 251) as u8;
                }
            }
        }
        write_idx(&folder.join(format!("{stem}-images-idx3-ubyte")), &[n, 8, 8], &images).unwrap();
        write_idx(&folder.join(format!("{stem}-labels-idx1-ubyte")), &[n], &labels).unwrap();
    };
    make(300, "train", 0);
    make(120, "t10k", 3);
    root
}

#[test]
fn mnist_run_is_thread_independent_resumes_exactly_and_writes_accuracy_and_rates() {
    let dir = scratch("mnist");
    let data = tiny_dataset(&dir);
    let data_set = format!("data.dir={}", data.display());
    let args = |out: &str, gens: &str, threads: &str| -> Vec<String> {
        [
            "train",
            "mnist-neuron-4096",
            "--out",
            out,
            "--generations",
            gens,
            "--threads",
            threads,
            "--population",
            "16",
            "--set",
            "network.hidden=40",
            "--set",
            "data.batch_size=64",
            "--set",
            "data.test_every=2",
            "--set",
            "run.checkpoint_every=2",
            "--set",
            &data_set,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = run_in(&dir, &refs);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(args("one", "6", "1"));
    run(args("two", "6", "2"));
    run(args("split", "4", "2"));
    run(["train", "mnist-neuron-4096", "--out", "split", "--generations", "6", "--threads", "1", "--resume"]
        .iter()
        .map(|s| s.to_string())
        .collect());
    for other in ["two", "split"] {
        assert_eq!(metrics_without_timing(&dir.join("one")), metrics_without_timing(&dir.join(other)), "{other}");
        assert_same_file(&dir.join("one/accuracy.csv"), &dir.join(other).join("accuracy.csv"));
        for file in ["params.safetensors", "rates.safetensors"] {
            assert_same_arrays(&dir.join("one").join(file), &dir.join(other).join(file));
        }
    }
    let accuracy = std::fs::read_to_string(dir.join("one/accuracy.csv")).unwrap();
    assert_eq!(accuracy.lines().count(), 4, "header + generations 2, 4, 6: {accuracy}");
    let (rates, _) = hetero::io::load_arrays(&dir.join("one/rates.safetensors")).unwrap();
    assert_eq!(rates["rates"].to_f64().len(), 3 * 10 * 32);
    let summary = std::fs::read_to_string(dir.join("one/summary.json")).unwrap();
    assert!(summary.contains("test_accuracy"), "{summary}");
    // `hetero eval` on a classification run scores the centre on the test set, as the run did.
    let o = run_in(&dir, &["eval", "one", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let last = accuracy.lines().last().unwrap().split(',').nth(1).unwrap().parse::<f64>().unwrap();
    assert_eq!(v["test_accuracy"].as_f64().unwrap(), last);
    // A missing dataset is one clear line.
    assert_clean_failure(
        &scratch("mnist-missing"),
        &["train", "mnist-neuron-4096", "--set", "data.dir=/nonexistent"],
        &["/nonexistent/mnist", "the only place searched"],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `data.validation = N` holds out the last N training images: training never sees them (two
/// datasets that differ only there train to the same bits), every evaluation scores them, and
/// a split that leaves no training images is a one-line error.
#[test]
fn validation_split_is_held_out_of_training_and_scored() {
    let dir = scratch("mnist-validation");
    let plain = tiny_dataset_in(&dir, "plain", 0);
    let scrambled = tiny_dataset_in(&dir, "scrambled", 100);
    let train = |data: &Path, out: &str, validation: &str| {
        let data_set = format!("data.dir={}", data.display());
        let validation_set = format!("data.validation={validation}");
        let o = run_in(
            &dir,
            &[
                "train",
                "mnist-neuron-4096",
                "--out",
                out,
                "--generations",
                "4",
                "--threads",
                "2",
                "--population",
                "16",
                "--set",
                "network.hidden=40",
                "--set",
                "data.batch_size=64",
                "--set",
                "data.test_every=2",
                "--set",
                &data_set,
                "--set",
                &validation_set,
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(dir.join(out).join("accuracy.csv")).unwrap()
    };
    let a = train(&plain, "plain", "100");
    let b = train(&scrambled, "scrambled", "100");
    assert_eq!(metrics_without_timing(&dir.join("plain")), metrics_without_timing(&dir.join("scrambled")));
    assert_same_arrays(&dir.join("plain/params.safetensors"), &dir.join("scrambled/params.safetensors"));
    let column = |csv: &str, k: usize| -> Vec<f64> {
        csv.lines().skip(1).map(|l| l.split(',').nth(k).unwrap().parse().unwrap()).collect()
    };
    assert!(a.starts_with("generation,test_accuracy,test_loss,silent_fraction,spikes_per_neuron_step,validation_accuracy,validation_loss\n"), "{a}");
    assert_eq!(column(&a, 1), column(&b, 1), "same test scores");
    assert_ne!(column(&a, 6), column(&b, 6), "the held-out images are scored");
    assert!(column(&a, 5).iter().all(|v| (0.0..=1.0).contains(v)));
    // Without the split the scrambled images are trained on, and the columns are NaN.
    let c = train(&scrambled, "no-split", "0");
    assert_ne!(metrics_without_timing(&dir.join("plain")), metrics_without_timing(&dir.join("no-split")));
    assert!(column(&c, 5).iter().all(|v| v.is_nan()));
    let data_set = format!("data.dir={}", plain.display());
    assert_clean_failure(
        &scratch("mnist-validation-bad"),
        &["train", "mnist-neuron-4096", "--set", &data_set, "--set", "data.validation=300"],
        &["data.validation = 300", "300 images"],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `hetero analyze tau` works on any run directory (here CartPole) without MuJoCo.
#[test]
fn analyze_tau_fits_a_cartpole_run() {
    let dir = scratch("tau");
    let config = small_config(&dir, 3);
    train(&dir, &config, "run", &[]);
    let out = run_in(&dir, &["analyze", "tau", "run", "--out", "fits"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("gamma shape") && stdout.contains("lognormal shape"), "{stdout}");
    for f in ["tau_fit.csv", "tau_fit.md", "tau_hist.png", "tau_hist.svg"] {
        assert!(dir.join("fits").join(f).exists(), "{f} missing");
    }
    let md = std::fs::read_to_string(dir.join("fits/tau_fit.md")).unwrap();
    assert!(md.contains("mouse V1") && md.contains("| 1.64 |") && md.contains("human MTG"), "{md}");
    std::fs::remove_dir_all(&dir).unwrap();
    let empty = scratch("tau-bad");
    assert_clean_failure(&empty, &["analyze", "tau", "no-such-run"], &["no-such-run"]);
    std::fs::remove_dir_all(&empty).unwrap();
}

/// Without the `mujoco` feature the locomotion tasks fail with one line naming the feature.
#[cfg(not(feature = "mujoco"))]
#[test]
fn locomotion_without_the_feature_is_a_clean_error() {
    let dir = scratch("nomujoco");
    assert_clean_failure(
        &dir,
        &["env", "halfcheetah", "--actions", "0,0,0,0,0,0"],
        &["halfcheetah", "--features mujoco"],
    );
    assert_clean_failure(
        &dir,
        &["reproduce", "ablation", "--env", "halfcheetah", "--quick", "--out", "a"],
        &["--features mujoco"],
    );
    assert_clean_failure(
        &dir,
        &["reproduce", "control-scaling", "--env", "ant", "--quick", "--out", "c"],
        &["--features mujoco"],
    );
    assert_clean_failure(&dir, &["bench", "locomotion"], &["--features mujoco"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reproduce_mnist_quick_writes_table_curves_and_heat_maps() {
    let dir = scratch("mnist-repro");
    let data = tiny_dataset(&dir);
    let o = run_in(
        &dir,
        &[
            "reproduce",
            "mnist",
            "--quick",
            "--sizes",
            "160",
            "--generations",
            "4",
            "--data-dir",
            data.to_str().unwrap(),
            "--out",
            "r",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "results.csv",
        "results.md",
        "accuracy_mnist.png",
        "silent_mnist.svg",
        "fig6_mnist_neuron.png",
        "fig6_mnist_weight.png",
    ] {
        assert!(dir.join("r").join(f).exists(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.join("r/results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("mnist,neuron,160,40,160,0,") && csv.contains("mnist,weight,160,"), "{csv}");
    // Asking the same folder for more generations continues each run from its checkpoint, and
    // ends where a straight run of that length ends.
    let more = |out: &str| {
        let o = run_in(
            &dir,
            &[
                "reproduce",
                "mnist",
                "--quick",
                "--sizes",
                "160",
                "--generations",
                "6",
                "--data-dir",
                data.to_str().unwrap(),
                "--out",
                out,
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(dir.join(out).join("results.csv")).unwrap()
    };
    let continued = more("r");
    let straight = more("straight");
    let without_wall = |csv: &str| csv.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string()).collect::<Vec<_>>();
    assert_eq!(without_wall(&continued), without_wall(&straight));
    assert!(continued.lines().skip(1).all(|l| l.split(',').nth(7) == Some("6")), "{continued}");
    // (The continued run also keeps its evaluation at its old last generation, 4.)
    let last_row = |out: &str| {
        std::fs::read_to_string(dir.join(out).join("runs/mnist-neuron-160-s0/accuracy.csv"))
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_string()
    };
    assert_eq!(last_row("r"), last_row("straight"));
    assert!(last_row("r").starts_with("6,"));
    assert_same_arrays(
        &dir.join("r/runs/mnist-neuron-160-s0/params.safetensors"),
        &dir.join("straight/runs/mnist-neuron-160-s0/params.safetensors"),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn intrinsic_tasks_list_and_quick_study_are_deterministic_across_threads() {
    let dir = scratch("intrinsic");
    let out = run_in(&dir, &["tasks", "list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = text.lines().collect();
    assert!(names.len() >= 300, "{} tasks", names.len());
    assert!(names.contains(&"white/delay-1") && names.contains(&"lorenz/narma-10"));
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    assert_clean_failure(&dir, &["reproduce", "intrinsic", "sizes"], &["sizes"]);
    assert_clean_failure(&dir, &["reproduce", "intrinsic", "size", "--network", "lif"], &["--network", "lif"]);
    assert_clean_failure(&dir, &["reproduce", "intrinsic", "size", "--seeds", "0"], &["--seeds", "0"]);
    assert_clean_failure(&dir, &["bench", "reservoirs"], &["reservoirs"]);
    assert_clean_failure(&dir, &["tasks", "show", "white/delay-999"], &["white/delay-999"]);
    let shown = run_in(&dir, &["tasks", "show", "white/delay-2", "--seed", "3", "--len", "20"]);
    let rows: Vec<Vec<f64>> = String::from_utf8(shown.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 20);
    assert!((2..20).all(|t| rows[t][2] == rows[t - 2][1]), "delay-2 target is not the input shifted by 2");
    let mut csv = Vec::new();
    for threads in ["1", "2"] {
        let o = format!("out{threads}");
        let r = run_in(
            &dir,
            &[
                "reproduce",
                "intrinsic",
                "robustness",
                "--quick",
                "--network",
                "both",
                "--seeds",
                "2",
                "--threads",
                threads,
                "--out",
                &o,
            ],
        );
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        for f in ["results.md", "tasks.csv", "robustness_rho_rate.png", "robustness_p_spiking.svg"] {
            assert!(dir.join(&o).join(f).exists(), "{f}");
        }
        csv.push(std::fs::read(dir.join(&o).join("results.csv")).unwrap());
    }
    assert_eq!(csv[0], csv[1], "results differ between 1 and 2 threads");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reproduce_ablation_refuses_unknown_tasks() {
    let dir = scratch("ablation-bad");
    assert_clean_failure(&dir, &["reproduce", "ablation", "--env", "swimmer"], &["--env", "swimmer"]);
    assert_clean_failure(&dir, &["reproduce", "ablation", "--env", "hopper", "--params", "2"], &["--params"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Classification honours the stop criterion like every Problem: a centre fitness (−loss) above
/// `run.stop_fitness` for `run.stop_patience` generations ends the run early.
#[test]
fn classification_stops_early_on_the_stop_criterion() {
    let dir = scratch("mnist-stop");
    let data = tiny_dataset(&dir);
    let data_set = format!("data.dir={}", data.display());
    let o = run_in(
        &dir,
        &[
            "train",
            "mnist-neuron-4096",
            "--out",
            "stop",
            "--generations",
            "20",
            "--population",
            "8",
            "--set",
            "network.hidden=16",
            "--set",
            "data.batch_size=32",
            "--set",
            "run.stop_fitness=-1000",
            "--set",
            "run.stop_patience=3",
            "--set",
            &data_set,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("stop/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["generations"], 3, "{summary}");
    assert_eq!(summary["stopped_early"], true, "{summary}");
    let accuracy = std::fs::read_to_string(dir.join("stop/accuracy.csv")).unwrap();
    assert_eq!(accuracy.lines().last().unwrap().split(',').next(), Some("3"), "the last generation is scored");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The first generation with the highest centre fitness in a run's metrics.csv.
fn best_centre_generation(run: &Path) -> u64 {
    let text = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    let mut best = (0u64, f64::NEG_INFINITY);
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let (g, f): (u64, f64) = (cols[0].parse().unwrap(), cols[5].parse().unwrap());
        if f > best.1 {
            best = (g, f);
        }
    }
    best.0
}

#[test]
fn keep_best_returns_the_best_centre_and_resumes_exactly() {
    let dir = scratch("keep-best");
    let config = small_config(&dir, 12);
    let keep = ["--set", "run.keep_best=true"];
    train(&dir, &config, "kept", &keep);
    let k = best_centre_generation(&dir.join("kept"));
    let summary = std::fs::read_to_string(dir.join("kept/summary.json")).unwrap();
    assert!(summary.contains(&format!("\"kept_generation\": {k}")), "k = {k}: {summary}");
    // The kept centre is the plain run's centre after generation k: the search is the same.
    train(&dir, &config, "plain", &["--generations", &k.to_string()]);
    assert_same_arrays(&dir.join("plain/params.safetensors"), &dir.join("kept/params.safetensors"));
    // Stopped at a checkpoint and resumed, the kept centre survives.
    train(&dir, &config, "split", &["--generations", "6", "--set", "run.keep_best=true"]);
    train(&dir, &config, "split", &["--resume", "--generations", "12"]);
    assert_same_file(&dir.join("kept/params.safetensors"), &dir.join("split/params.safetensors"));
    assert_same_arrays(&dir.join("kept/checkpoint.safetensors"), &dir.join("split/checkpoint.safetensors"));
    // Without the option nothing changes: no key in config.toml, no field in summary.json.
    assert!(!std::fs::read_to_string(dir.join("plain/config.toml")).unwrap().contains("keep_best"));
    assert!(!std::fs::read_to_string(dir.join("plain/summary.json")).unwrap().contains("kept_generation"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn memory_length_reruns_stale_runs_and_runs_paper_a_observation() {
    let dir = scratch("memory-stale");
    let base = ["reproduce", "memory-length", "--lengths", "3", "--seeds", "1", "--taus", "20"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> { base.iter().chain(extra).copied().collect() };
    let first = run_in(&dir, &with(&["--generations", "2", "--out", "ml"]));
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    // Another budget: the stored runs are not reused, and the table reports the new budget.
    let second = run_in(&dir, &with(&["--generations", "3", "--out", "ml"]));
    let log = String::from_utf8_lossy(&second.stderr).to_string() + &String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{log}");
    assert!(log.contains("rerun"), "{log}"); // checkpoint_every follows the budget: another configuration
    let csv = std::fs::read_to_string(dir.join("ml/results.csv")).unwrap();
    for row in csv.lines().skip(1) {
        let used: u64 = row.split(',').nth(8).unwrap().parse().unwrap();
        assert_eq!(used, 3, "stale row: {row}"); // patience 10 cannot stop a 3-generation run early
    }
    assert!(std::fs::read_to_string(dir.join("ml/results.md")).unwrap().contains("at most 3 generations"));
    // Paper A's observation: two inputs, so the weight arm is 2-80-2 (320 weights, as the neuron arm).
    let paper = run_in(&dir, &with(&["--generations", "2", "--observation", "paper", "--out", "paper"]));
    assert!(paper.status.success(), "{}", String::from_utf8_lossy(&paper.stderr));
    let config = std::fs::read_to_string(dir.join("paper/runs/L03-weight-tau20-s0/config.toml")).unwrap();
    assert!(config.contains("observation = \"paper\"") && config.contains("hidden = 80"), "{config}");
    let csv = std::fs::read_to_string(dir.join("paper/results.csv")).unwrap();
    assert!(csv.lines().skip(1).all(|r| r.ends_with(",320")), "{csv}");
    assert!(std::fs::read_to_string(dir.join("paper/results.md")).unwrap().contains("Paper A's"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The config text of a quick run whose only checkpoint is at its end (generation `generations`).
fn late_checkpoint_config(dir: &Path, generations: u64) -> PathBuf {
    let path = dir.join("late.toml");
    std::fs::write(
        &path,
        format!(
            "[run]\ngenerations = {generations}\ncheckpoint_every = 100000\nseed = 5\nplots = false\n[env]\nmax_steps = 200\n\
             eval_episodes = 3\n[network]\nhidden = 16\n[strategy]\npopulation = 32\n"
        ),
    )
    .unwrap();
    path
}

/// Files ending in `.tmp` left in `dir`.
fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp") || n.contains(".stale-"))
        .collect()
}

/// Point 1 of issue 17: runs started at once into one `--out` leave exactly one whole run (its
/// config, metrics and params all of the same run); the others exit 2 naming the directory and
/// the process that holds it (or, when they came after it ended, the run it holds). Repeated.
#[test]
fn concurrent_runs_into_one_out_directory_leave_one_whole_run() {
    let dir = scratch("race-out");
    let config = small_config(&dir, 6);
    let seeds = ["1", "2", "3", "4"];
    for s in seeds {
        train(&dir, &config, &format!("ref-{s}"), &["--seed", s, "--threads", "1"]);
    }
    for round in 0..4 {
        let out = format!("same-{round}");
        let children: Vec<_> = seeds
            .iter()
            .map(|s| {
                hetero()
                    .current_dir(&dir)
                    .args(["train", config.to_str().unwrap(), "--out", &out, "--seed", s, "--threads", "1"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        let winners = outputs.iter().filter(|o| o.status.success()).count();
        assert_eq!(winners, 1, "round {round}: {winners} runs succeeded");
        for o in outputs.iter().filter(|o| !o.status.success()) {
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
            assert!(stderr.contains(&out), "{stderr}");
            assert!(
                stderr.contains("in use by another run (process ") || stderr.contains("already holds a run"),
                "{stderr}"
            );
        }
        let run = dir.join(&out);
        let text = std::fs::read_to_string(run.join("config.toml")).unwrap();
        let seed = text.lines().find_map(|l| l.strip_prefix("seed = ")).unwrap().to_string();
        let reference = dir.join(format!("ref-{seed}"));
        assert_eq!(metrics_without_timing(&run), metrics_without_timing(&reference), "round {round}");
        assert_same_file(&run.join("params.safetensors"), &reference.join("params.safetensors"));
        assert_same_file(&run.join("config.toml"), &reference.join("config.toml"));
        assert!(!run.join(".hetero.lock").exists(), "the claim is released at the end");
        assert!(temporary_files(&run).is_empty());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 1 of issue 17: runs started at once under the same default name each get their own
/// numbered directory, with their own config and params. Repeated.
#[test]
fn concurrent_default_named_runs_each_get_their_own_directory() {
    let dir = scratch("race-default");
    let config = small_config(&dir, 3);
    let hidden = ["8", "12", "16", "20"];
    let rounds = 3;
    for _ in 0..rounds {
        let children: Vec<_> = hidden
            .iter()
            .map(|h| {
                hetero()
                    .current_dir(&dir)
                    .args([
                        "train",
                        config.to_str().unwrap(),
                        "--threads",
                        "1",
                        "--set",
                        &format!("network.hidden={h}"),
                    ])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
    }
    let mut seen: Vec<usize> = Vec::new();
    let runs: Vec<PathBuf> = std::fs::read_dir(dir.join("runs")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(runs.len(), rounds * hidden.len(), "{runs:?}");
    for run in &runs {
        let text = std::fs::read_to_string(run.join("config.toml")).unwrap();
        let h: usize = text.lines().find_map(|l| l.strip_prefix("hidden = ")).unwrap().parse().unwrap();
        let (arrays, _) = hetero::io::load_arrays(&run.join("params.safetensors")).unwrap();
        assert_eq!(arrays["hidden.tau_ms"].to_f64().len(), h, "{} mixes two runs", run.display());
        assert_eq!(metrics_without_timing(run).len(), 4);
        seen.push(h);
    }
    seen.sort_unstable();
    let mut expected: Vec<usize> = hidden.iter().flat_map(|h| vec![h.parse().unwrap(); rounds]).collect();
    expected.sort_unstable();
    assert_eq!(seen, expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 1 of issue 17: a directory claimed by a live process is refused, naming the process.
#[test]
fn a_directory_claimed_by_a_live_process_is_refused_naming_it() {
    let dir = scratch("claimed");
    let config = small_config(&dir, 3);
    std::fs::create_dir_all(dir.join("held")).unwrap();
    let me = std::process::id().to_string();
    std::fs::write(dir.join("held/.hetero.lock"), format!("{me} 0\n")).unwrap();
    let o = run_in(&dir, &["train", config.to_str().unwrap(), "--out", "held"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("held") && stderr.contains(&format!("process {me}")), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.join("held")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from(".hetero.lock")], "nothing written");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 2 of issue 17: `--out` refuses a directory holding any one run file, and leaves it as it was.
#[test]
fn out_refuses_a_directory_holding_any_run_file() {
    let dir = scratch("any-file");
    let config = small_config(&dir, 3);
    for file in [
        "config.toml",
        "metrics.csv",
        "params.safetensors",
        "checkpoint.safetensors",
        "summary.json",
        "fitness.svg",
        "fitness.png",
    ] {
        let out = dir.join(format!("d-{file}"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(file), "precious").unwrap();
        let o = run_in(&dir, &["train", config.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("already holds a run") && stderr.contains(file), "{stderr}");
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from(file)], "{file}: the directory changed");
        assert_eq!(std::fs::read_to_string(out.join(file)).unwrap(), "precious");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Kills a run of `config` into `out` once metrics.csv has a generation row; asserts it had
/// not reached its (only) checkpoint.
fn kill_before_first_checkpoint(dir: &Path, config: &Path, out: &str) {
    let mut child = hetero()
        .current_dir(dir)
        .args(["train", config.to_str().unwrap(), "--out", out])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let metrics = dir.join(out).join("metrics.csv");
    let start = Instant::now();
    while std::fs::read_to_string(&metrics).map_or(0, |t| t.lines().count()) < 2
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!dir.join(out).join("checkpoint.safetensors").exists(), "the run reached its checkpoint; make it longer");
    assert!(dir.join(out).join(".hetero.lock").exists(), "the killed run's claim is left behind");
}

/// Point 3 of issue 17: a run killed before its first checkpoint is no dead end: `--resume`
/// continues it from generation 0, and the same command runs it again; either way the result is
/// the uninterrupted run's (the killed process's claim is taken over).
#[test]
fn a_run_killed_before_its_first_checkpoint_resumes_or_reruns() {
    let dir = scratch("early-kill");
    let config = late_checkpoint_config(&dir, 400);
    train(&dir, &config, "straight", &[]);
    kill_before_first_checkpoint(&dir, &config, "resumed");
    train(&dir, &config, "resumed", &["--resume"]);
    kill_before_first_checkpoint(&dir, &config, "rerun");
    train(&dir, &config, "rerun", &[]);
    for run in ["resumed", "rerun"] {
        assert_eq!(metrics_without_timing(&dir.join("straight")), metrics_without_timing(&dir.join(run)), "{run}");
        assert_same_file(&dir.join("straight/params.safetensors"), &dir.join(run).join("params.safetensors"));
        assert!(!dir.join(run).join(".hetero.lock").exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 3 of issue 17: a full disk (a write to /dev/full) stops a run with one line, leaves no
/// `.tmp` file, and the run can then be resumed or rerun with the same command.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_leaves_no_temporary_file_and_no_dead_end() {
    let dir = scratch("full-disk");
    let config = small_config(&dir, 6);
    train(&dir, &config, "straight", &[]);
    for (out, file, then) in [
        ("config", "config.toml.tmp", &[][..]),
        ("first-checkpoint", "checkpoint.safetensors.tmp", &["--resume"][..]),
        ("first-checkpoint-rerun", "checkpoint.safetensors.tmp", &[][..]),
    ] {
        std::fs::create_dir_all(dir.join(out)).unwrap();
        std::os::unix::fs::symlink("/dev/full", dir.join(out).join(file)).unwrap();
        let o = run_in(&dir, &["train", config.to_str().unwrap(), "--out", out]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("No space left on device") && stderr.contains(file), "{stderr}");
        assert!(temporary_files(&dir.join(out)).is_empty(), "{out}: {:?}", temporary_files(&dir.join(out)));
        assert!(!dir.join(out).join(".hetero.lock").exists());
        train(&dir, &config, out, then);
        assert_eq!(metrics_without_timing(&dir.join("straight")), metrics_without_timing(&dir.join(out)), "{out}");
        assert_same_file(&dir.join("straight/params.safetensors"), &dir.join(out).join("params.safetensors"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 4 of issue 17, the issue's commands: the same sweep folder with another budget never
/// reuses the old per-run results; each job says whether it was reused, continued or rerun, and
/// results.csv holds each job once. A smaller budget reruns (the old runs went further).
#[test]
fn sweeps_never_reuse_a_stale_result() {
    let dir = scratch("sweep-stale");
    let base = ["reproduce", "memory-length", "--quick", "--lengths", "10", "--taus", "20", "--out", "X"];
    let run = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let o = run_in(&dir, &args);
        let log = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{log}");
        let csv = std::fs::read_to_string(dir.join("X/results.csv")).unwrap();
        (log, csv)
    };
    let used = |csv: &str| -> Vec<u64> {
        csv.lines().skip(1).map(|r| r.split(',').nth(8).unwrap().parse().unwrap()).collect()
    };
    let (_, first) = run(&["--generations", "2"]);
    assert!(used(&first).iter().all(|&g| g == 2), "{first}");
    let (log, same) = run(&["--generations", "2"]);
    assert_eq!(log.matches("(reused: same configuration)").count(), same.lines().count() - 1, "{log}");
    assert_eq!(same, first);
    let (log, more) = run(&["--generations", "3"]);
    assert!(!log.contains("reused"), "{log}");
    assert!(used(&more).iter().all(|&g| g == 3), "stale rows: {more}");
    let (log, fewer) = run(&["--generations", "1"]);
    assert!(log.contains("(rerun: the stored run had another configuration)") && !log.contains("reused"), "{log}");
    assert!(used(&fewer).iter().all(|&g| g == 1), "stale rows: {fewer}");
    let rows: Vec<&str> = fewer.lines().collect();
    let mut unique = rows.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), rows.len(), "a row twice: {fewer}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 4 of issue 17: a value repeated in a list flag is refused, naming the flag and value.
#[test]
fn repeated_list_values_are_refused() {
    let dir = scratch("repeats");
    for (args, flag) in [
        (&["reproduce", "memory-length", "--quick", "--lengths", "3,3"][..], "--lengths 3,3: 3 is given twice"),
        (&["reproduce", "memory-length", "--quick", "--taus", "20,40,20"][..], "--taus 20,40,20: 20 is given twice"),
        (&["reproduce", "mnist", "--quick", "--sizes", "160,160"][..], "--sizes 160,160: 160 is given twice"),
        (&["reproduce", "bp-vs-es", "--quick", "--max-steps", "50,50"][..], "--max-steps 50,50: 50 is given twice"),
    ] {
        assert_clean_failure(&dir, args, &[flag]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 5 of issue 17: a config.toml edited after the run started is refused on resume, naming
/// the changed key; so is a positional preset other than the run's. Nothing is written.
#[test]
fn resume_refuses_an_edited_configuration_and_another_preset() {
    let dir = scratch("resume-fingerprint");
    let o = run_in(&dir, &["train", "cartpole", "--generations", "3", "--out", "run"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let config = dir.join("run/config.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let metrics = std::fs::read_to_string(dir.join("run/metrics.csv")).unwrap();
    let edited = original.replacen("center_lr = 0.15", "center_lr = 0.3", 1);
    assert_ne!(edited, original, "the preset's center_lr moved");
    std::fs::write(&config, &edited).unwrap();
    let o = run_in(&dir, &["train", "cartpole", "--out", "run", "--resume", "--generations", "5"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("strategy.pgpe.center_lr: 0.15 → 0.3") && stderr.contains("config.toml"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.join("run/metrics.csv")).unwrap(), metrics, "nothing written");
    std::fs::write(&config, &original).unwrap();
    let o = run_in(&dir, &["train", "cartpole-weight", "--out", "run", "--resume", "--generations", "5"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("started from `cartpole`, not `cartpole-weight`"), "{stderr}");
    // The budget and threads may change: the same run continues.
    let o = run_in(&dir, &["train", "cartpole", "--out", "run", "--resume", "--generations", "5", "--threads", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 11 of issue 17: SIGINT and SIGTERM stop a run at the end of its generation with the
/// checkpoint written, print where it stopped and the exact command that continues it, and exit
/// 130 / 143; that command then ends where a straight run ends.
#[cfg(unix)]
#[test]
fn interrupts_say_where_the_run_stopped_and_how_to_continue() {
    let dir = scratch("interrupt");
    let config = small_config(&dir, 400);
    train(&dir, &config, "straight", &["--threads", "1"]);
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let out = format!("sig{signal}");
        let child = hetero()
            .current_dir(&dir)
            .args(["train", config.to_str().unwrap(), "--out", &out, "--threads", "1"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let metrics = dir.join(&out).join("metrics.csv");
        let start = Instant::now();
        while std::fs::read_to_string(&metrics).map_or(0, |t| t.lines().count()) < 3
            && start.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        let killed = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{stderr}");
        let line = stderr.lines().last().unwrap();
        let (stopped, command) = line.split_once("; continue with: ").expect(line);
        let generation: u64 = stopped
            .strip_prefix("interrupted at generation ")
            .and_then(|r| r.split(';').next())
            .expect(line)
            .parse()
            .unwrap();
        assert!(stopped.ends_with(&format!("last checkpoint at {generation}")), "{line}");
        assert!(generation < 400, "the run finished before the signal; make it longer");
        let (_, meta) = hetero::io::load_arrays(&dir.join(&out).join("checkpoint.safetensors")).unwrap();
        assert_eq!(meta["generation"], generation.to_string());
        assert_eq!(command, format!("hetero train {} --out {out} --resume --threads 1", config.display()));
        let args: Vec<&str> = command.split(' ').skip(1).collect();
        let o = run_in(&dir, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(metrics_without_timing(&dir.join("straight")), metrics_without_timing(&dir.join(&out)));
        assert_same_file(&dir.join("straight/params.safetensors"), &dir.join(&out).join("params.safetensors"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Point 11 of issue 17: a signal during a reproduction exits at once with 130 / 143, saying that
/// finished runs are kept and giving the same command, which then completes the study (finished
/// jobs reused, unfinished ones continued or rerun) with the results of an uninterrupted study.
#[cfg(unix)]
#[test]
fn an_interrupted_reproduction_says_how_to_continue_and_continues() {
    let dir = scratch("interrupt-sweep");
    let args =
        ["reproduce", "memory-length", "--quick", "--lengths", "5,10", "--taus", "20", "--generations", "60", "--out"];
    let with = |out: &str| -> Vec<String> { args.iter().map(|s| s.to_string()).chain([out.to_string()]).collect() };
    let o = run_in(&dir, &with("straight").iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let child = hetero()
        .current_dir(&dir)
        .args(with("cut"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let runs = dir.join("cut/runs");
    let start = Instant::now();
    while std::fs::read_dir(&runs).map_or(0, |d| d.count()) < 1 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    if o.status.success() {
        panic!("the study finished before the signal; make it longer: {stderr}");
    }
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    let line = stderr.lines().last().unwrap();
    let command = line.split_once("continue with: ").expect(line).1;
    assert!(line.starts_with("interrupted; finished runs are kept"), "{line}");
    assert_eq!(command, format!("hetero {}", with("cut").join(" ")));
    let o = run_in(&dir, &command.split(' ').skip(1).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("straight/results.csv")).unwrap(),
        std::fs::read_to_string(dir.join("cut/results.csv")).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A run that met its stop criterion and was killed after its last checkpoint but before its
/// summary is finished: resuming it writes the summary and trains no further generation (a
/// reproduction continues such a job; its row must equal the uninterrupted one).
#[test]
fn resuming_a_run_that_already_stopped_trains_no_further() {
    let dir = scratch("stopped-resume");
    let config = small_config(&dir, 20);
    let stop = ["--set", "run.stop_fitness=0", "--set", "run.stop_patience=2"];
    train(&dir, &config, "straight", &stop);
    let straight = metrics_without_timing(&dir.join("straight"));
    assert_eq!(straight.len(), 3, "stopped after 2 generations: {straight:?}");
    train(&dir, &config, "cut", &stop);
    std::fs::remove_file(dir.join("cut/summary.json")).unwrap();
    train(&dir, &config, "cut", &["--resume"]);
    assert_eq!(metrics_without_timing(&dir.join("cut")), straight);
    assert_same_file(&dir.join("straight/params.safetensors"), &dir.join("cut/params.safetensors"));
    let summary = std::fs::read_to_string(dir.join("cut/summary.json")).unwrap();
    assert!(summary.contains("\"generations\""), "{summary}");
    std::fs::remove_dir_all(&dir).unwrap();
}
