//! Analysis and figures.

pub mod fit;
pub mod fitness_figure;
pub mod plot;
/// Ridge readouts: moved to hetero-core (the Python package needs them), re-exported here.
pub use hetero_core::readout::ridge;
pub mod shapley;
pub mod stats;
pub mod tau;
