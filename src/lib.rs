//! hetero: neuronal heterogeneity in spiking networks, optimised (Paper A) or intrinsic (Paper B).
//!
//! This crate is the `hetero` command line and a facade over the workspace, so `hetero::engine`,
//! `hetero::train` and `hetero::experiment` name the same items as the crates that hold them:
//! - [`hetero_core`]: neurons, networks, strategies, environments, config, the generation loop;
//! - [`hetero_classify`]: image classification (SIMD kernels) and [`train()`](train::train);
//! - [`hetero_lab`]: analysis, the papers' experiments, benchmarks.
//!
//! Data flow: config → env · network · genome layout · strategy → generation loop (train) →
//! run directory (config, metrics.csv, params.safetensors, plots).

#![warn(missing_docs)]

pub use hetero_classify as classify;
pub use hetero_classify::train;
pub use hetero_core::*;
pub use hetero_lab::{analysis, bench, experiment};
