//! hetero-core: the engine of hetero. Neurons, networks and genomes, strategies, environments,
//! datasets, surrogate gradients, configuration, the one generation loop ([`engine`]) with its
//! Problem seam, environment rollouts ([`rollout`]) and the MPI split (feature `mpi`).
//!
//! Layers (a module imports only from its own layer or below): 0 `io`, `rng`, `invalid`,
//! `machine` → 1 `neuron`, `network`, `readout`, `strategy`, `env`, `data`, `gradient` → 2 `config`,
//! `engine`, `rollout`, `distributed`. No figures, progress bars or argument parsing here: those
//! are observers and front ends (hetero-lab, the CLI, the Python package).

// Numerical kernels index several arrays in lockstep; iterator zips would hide the equations.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

pub mod config;
pub mod data;
#[cfg(feature = "mpi")]
pub mod distributed;
pub mod engine;
pub mod env;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod gradient;
pub mod invalid;
pub mod io;
pub mod machine;
pub mod network;
pub mod neuron;
pub mod readout;
pub mod resources;
pub mod rng;
pub mod rollout;
pub mod strategy;
