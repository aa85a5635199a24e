//! Fuzz target: hetero_core::fuzz_targets::arrays (see that module for what it checks).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hetero_core::fuzz_targets::arrays(data));
