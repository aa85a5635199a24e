//! MPI (feature `mpi`): training under `mpirun` with 1, 2 and 3 ranks gives exactly the plain
//! run's metrics and params; a rank that fails ends the job with a clear message and leaves the
//! last checkpoint intact, and `--resume` with a different number of ranks finishes the run
//! exactly as an uninterrupted one; classification runs split their population the same way.
//! Needs Open MPI's `mpirun` (scripts/install_mpi.sh).
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hetero-mpi-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(dir: &Path, generations: u64) -> PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(
        &path,
        format!("[run]\ngenerations = {generations}\ncheckpoint_every = 3\nseed = 4\n[env]\nmax_steps = 200\neval_episodes = 3\n[network]\nhidden = 16\n[strategy]\npopulation = 30\n"),
    )
    .unwrap();
    path
}

fn plain(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hetero")).current_dir(dir).args(args).output().unwrap()
}

fn mpirun(dir: &Path, ranks: usize, args: &[&str], fail: Option<&str>) -> Output {
    let mut c = Command::new("mpirun");
    c.current_dir(dir).args(["--allow-run-as-root", "--oversubscribe", "-np", &ranks.to_string()]);
    if let Some(spec) = fail {
        c.env("HETERO_MPI_FAIL", spec).args(["-x", "HETERO_MPI_FAIL"]);
    }
    c.arg(env!("CARGO_BIN_EXE_hetero")).args(args).output().unwrap()
}

fn metrics(run: &Path) -> Vec<String> {
    std::fs::read_to_string(run.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').take(9).collect::<Vec<_>>().join(","))
        .collect()
}

fn arrays(path: &Path) -> Vec<(String, Vec<u64>)> {
    let (a, _) = hetero::io::load_arrays(path).unwrap();
    let mut v: Vec<(String, Vec<u64>)> =
        a.into_iter().map(|(k, x)| (k, x.to_f64().iter().map(|f| f.to_bits()).collect())).collect();
    v.sort();
    v
}

#[test]
fn any_number_of_ranks_gives_the_plain_result() {
    let dir = scratch("ranks");
    let cfg = config(&dir, 9);
    let cfg = cfg.to_str().unwrap();
    assert!(plain(&dir, &["train", cfg, "--out", "plain"]).status.success());
    for ranks in [1usize, 2, 3] {
        let out = format!("np{ranks}");
        let o = mpirun(&dir, ranks, &["train", cfg, "--out", &out], None);
        assert!(o.status.success(), "mpirun -np {ranks}: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(metrics(&dir.join("plain")), metrics(&dir.join(&out)), "metrics with {ranks} ranks");
        assert_eq!(
            arrays(&dir.join("plain/params.safetensors")),
            arrays(&dir.join(&out).join("params.safetensors")),
            "params with {ranks} ranks"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_rank_ends_the_run_cleanly_and_resume_with_other_ranks_is_exact() {
    let dir = scratch("fail");
    let cfg = config(&dir, 12);
    let cfg = cfg.to_str().unwrap();
    assert!(plain(&dir, &["train", cfg, "--out", "plain"]).status.success());
    let o = mpirun(&dir, 2, &["train", cfg, "--out", "run"], Some("1:7"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "the job must fail");
    assert!(stderr.contains("rank 1 failed at generation 7"), "{stderr}");
    let (_, meta) = hetero::io::load_arrays(&dir.join("run/checkpoint.safetensors")).expect("checkpoint intact");
    assert_eq!(meta["generation"], "6", "the last checkpoint before the failure");
    let o = mpirun(&dir, 3, &["train", cfg, "--out", "run", "--resume"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(metrics(&dir.join("plain")), metrics(&dir.join("run")));
    assert_eq!(arrays(&dir.join("plain/params.safetensors")), arrays(&dir.join("run/params.safetensors")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reproduce_under_mpi_gives_the_plain_table() {
    let dir = scratch("reproduce");
    let args = ["reproduce", "memory-length", "--lengths", "1,3", "--seeds", "2", "--generations", "6", "--taus", "20"];
    let mut plain_args = args.to_vec();
    plain_args.extend(["--out", "plain"]);
    assert!(plain(&dir, &plain_args).status.success());
    let mut mpi_args = args.to_vec();
    mpi_args.extend(["--out", "mpi"]);
    let o = mpirun(&dir, 2, &mpi_args, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("plain/results.csv")).unwrap(),
        std::fs::read_to_string(dir.join("mpi/results.csv")).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A tiny MNIST-shaped dataset under `dir/data/mnist` (8×8 images, the class a bright row).
fn tiny_dataset(dir: &Path) -> PathBuf {
    use hetero::data::idx::write_idx;
    let root = dir.join("data");
    let folder = root.join("mnist");
    std::fs::create_dir_all(&folder).unwrap();
    for (stem, n, offset) in [("train", 300usize, 0usize), ("t10k", 120, 3)] {
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
    }
    root
}

/// Classification splits its members across ranks like any Problem: 2 and 3 ranks write the
/// plain run's metrics, accuracy.csv, params and rates, in neuron and in weight mode.
#[test]
fn classification_under_mpi_gives_the_plain_run() {
    let dir = scratch("mnist");
    let data = tiny_dataset(&dir);
    let data_set = format!("data.dir={}", data.display());
    for preset in ["mnist-neuron-4096", "mnist-weight-3970"] {
        let args = |out: &str| -> Vec<String> {
            let hidden = if preset.contains("neuron") { "network.hidden=40" } else { "network.hidden=6" };
            [
                "train",
                preset,
                "--out",
                out,
                "--generations",
                "4",
                "--threads",
                "1",
                "--population",
                "14",
                "--set",
                hidden,
                "--set",
                "data.batch_size=64",
                "--set",
                "data.test_every=2",
                "--set",
                &data_set,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        let plain_out = format!("{preset}-plain");
        let a = args(&plain_out);
        let o = plain(&dir, &a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for ranks in [2usize, 3] {
            let out = format!("{preset}-np{ranks}");
            let a = args(&out);
            let o = mpirun(&dir, ranks, &a.iter().map(String::as_str).collect::<Vec<_>>(), None);
            assert!(o.status.success(), "mpirun -np {ranks}: {}", String::from_utf8_lossy(&o.stderr));
            assert_eq!(metrics(&dir.join(&plain_out)), metrics(&dir.join(&out)), "{preset}: metrics, {ranks} ranks");
            assert_eq!(
                std::fs::read_to_string(dir.join(&plain_out).join("accuracy.csv")).unwrap(),
                std::fs::read_to_string(dir.join(&out).join("accuracy.csv")).unwrap(),
                "{preset}: accuracy.csv, {ranks} ranks"
            );
            for file in ["params.safetensors", "rates.safetensors", "checkpoint.safetensors"] {
                assert_eq!(
                    arrays(&dir.join(&plain_out).join(file)),
                    arrays(&dir.join(&out).join(file)),
                    "{preset}: {file}, {ranks} ranks"
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
