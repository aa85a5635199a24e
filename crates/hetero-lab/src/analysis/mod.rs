//! Analysis and figures.

pub mod fit;
pub mod fitness_figure;
pub mod plot;
pub mod ridge;
pub mod shapley;
pub mod stats;
pub mod tau;
