//! The gradient baseline of Paper A §3.2 / §4.6 (SPEC §5): backpropagation through time through
//! the 2-layer LIF network with surrogate derivatives of the spike. f64 throughout.

pub mod bptt;
pub mod reinforce;
pub mod surrogate;

pub use bptt::{backward, forward, Gradients, Jacobian, NeuronGrads, NeuronParams, Params, Tape};
pub use surrogate::Surrogate;
