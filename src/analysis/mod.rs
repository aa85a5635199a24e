//! Analysis and figures.

pub mod plot;
pub mod ridge;
