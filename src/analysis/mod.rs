//! Analysis and figures.

pub mod plot;
