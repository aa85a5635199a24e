//! Replays the fuzz corpus (fuzz/corpus/<target>/, found by libFuzzer runs of `fuzz/` and
//! committed) through the same readers on stable Rust: none may panic. This is the short fixed
//! corpus pass CI runs; the fuzzing itself needs nightly (`fuzz/Cargo.toml`).

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 3, "{}: the corpus is missing", dir.display());
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        if std::panic::catch_unwind(|| run(&bytes)).is_err() {
            panic!("{} makes the {target} reader panic", f.display());
        }
    }
    println!("{target}: {} inputs replayed", files.len());
}

#[test]
fn idx_corpus() {
    replay("idx", hetero_core::fuzz_targets::idx);
}

#[test]
fn config_corpus() {
    replay("config", hetero_core::fuzz_targets::config);
}

#[test]
fn arrays_corpus() {
    replay("arrays", hetero_core::fuzz_targets::arrays);
}
