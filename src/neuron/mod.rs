//! Neuron models on slices: the heterogeneous LIF of Paper A (SPEC §1.1).

pub mod lif;
