//! hetero: neuronal heterogeneity in spiking networks, optimised (Paper A) or intrinsic (Paper B).
//!
//! Data flow: config → env · network · genome layout · strategy → generation loop (train) →
//! run directory (config, metrics.csv, params.safetensors, plots).

// Numerical kernels index several arrays in lockstep; iterator zips would hide the equations.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

pub mod analysis;
pub mod bench;
pub mod classify;
pub mod config;
pub mod data;
#[cfg(feature = "mpi")]
pub mod distributed;
pub mod engine;
pub mod env;
pub mod experiment;
pub mod gradient;
pub mod invalid;
pub mod io;
pub mod machine;
pub mod network;
pub mod neuron;
pub mod rng;
pub mod rollout;
pub mod strategy;
pub mod train;
