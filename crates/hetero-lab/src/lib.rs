//! hetero-lab: what a study needs on top of the engine. Analysis (figures, fits, statistics,
//! ridge readouts, Shapley values), the papers' experiments (`hetero reproduce …`) and the
//! benchmarks (`hetero bench …`). Figures (plotters) and progress bars (indicatif) live here, as
//! observers the engine is handed, never inside it.

// Numerical kernels index several arrays in lockstep; iterator zips would hide the equations.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

pub mod analysis;
pub mod bench;
pub mod experiment;
