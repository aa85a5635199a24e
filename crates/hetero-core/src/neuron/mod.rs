//! Neuron models on slices: the heterogeneous LIF of Paper A (SPEC §1.1) and the quenched τ profiles of Paper B.

pub mod heterogeneity;
pub mod lif;
