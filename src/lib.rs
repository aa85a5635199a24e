//! hetero: neuronal heterogeneity in spiking networks, optimised (Paper A) or intrinsic (Paper B).

pub mod env;
pub mod network;
pub mod neuron;
pub mod rng;
pub mod rollout;
pub mod strategy;
