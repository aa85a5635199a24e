//! The readers of untrusted bytes, as the fuzz targets call them (`fuzz/`, cargo-fuzz) and as
//! `tests/fuzz_corpus.rs` replays their corpus on stable Rust: the IDX reader, the TOML
//! configuration loader and the checkpoint / params reader. Each takes any bytes and must
//! return (an error or a value that holds its invariants), never panic or abort.

use crate::config::ConfigTree;
use crate::data::idx::parse_idx;
use crate::engine::checkpoint::restore_parsed;
use crate::env::obs_norm::load_obs_norm;
use crate::io::parse_arrays;
use crate::strategy::StrategyConfig;

/// The IDX reader: a parsed array's length is the product of its dimensions.
pub fn idx(bytes: &[u8]) {
    if let Ok(a) = parse_idx(bytes, "fuzz") {
        let n = a.dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        assert_eq!(n, Some(a.data.len()), "dims {:?} and {} values", a.dims, a.data.len());
    }
}

/// The configuration loader: TOML text, then a few `--set` assignments taken from its last
/// lines; a configuration that finishes validates and writes TOML that loads back the same.
pub fn config(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let Ok(mut tree) = ConfigTree::parse(text, "fuzz") else { return };
    for line in text.lines().rev().take(3).filter(|l| l.starts_with("--set ")) {
        let _ = tree.set(&line["--set ".len()..]);
    }
    if let Ok(config) = tree.finish() {
        let written = config.to_toml();
        let again = ConfigTree::parse(&written, "written").and_then(|t| t.finish());
        let again = again.unwrap_or_else(|e| panic!("a valid configuration wrote TOML that does not load: {e}"));
        assert_eq!(again.to_toml(), written);
    }
}

/// The checkpoint / params reader: safetensors bytes, then what resuming does with them (the
/// strategy state into a PGPE of 8 dimensions, the observation normaliser).
pub fn arrays(bytes: &[u8]) {
    let Ok((arrays, meta)) = parse_arrays(bytes, "fuzz") else { return };
    let _ = load_obs_norm(&arrays);
    let strategy_config = StrategyConfig { population: 8, ..Default::default() };
    let mut strategy = strategy_config.build(&[0.0; 8], 0);
    if restore_parsed("fuzz", arrays, meta, strategy.as_mut()).is_ok() {
        assert_eq!(strategy.centre().len(), 8);
    }
}
