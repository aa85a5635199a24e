//! The 2-layer spiking network of Paper A (SPEC §2) and its genome (SPEC §3).

pub mod column_panels;
pub mod feedforward;
pub mod genome;
pub mod lockstep;
pub mod model;
pub mod reservoir;
pub mod reservoir_batch;
#[cfg(test)]
mod reservoir_reference;
pub mod sliced_rows;
pub mod tanh;

pub use feedforward::{FixedWeights, NetworkConfig, NetworkShape, OutputLayer};
pub use genome::{GenomeConfig, GenomeLayout, GenomeMode, Layer, PopulationParams, Property};
pub use model::Model;
