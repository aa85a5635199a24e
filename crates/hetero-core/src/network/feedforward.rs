//! Input → hidden LIF layer → output layer, no biases (SPEC §2).
//!
//! Weights are LeCun-normal, N(0, 1/fan_in), drawn once from the run's seed and stored as
//! `[fan_in][fan_out]` row-major (Flax kernel convention): `w_in` is inputs × hidden, `w_out`
//! hidden × outputs. The readout is the output layer's membrane potential; by default the output
//! neurons are non-spiking leaky integrators (SPEC §2 Decision).

use crate::invalid::InvalidValue;
use crate::neuron::lif::{logit_from_tau_ms, NeuronProperties};
use crate::rng::{stream_rng, Stream};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Kind of the output layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputLayer {
    /// Eq. 2 without threshold and reset: the potential is a leaky integral of the input.
    Leaky,
    /// Eq. 2 with threshold and reset, like the hidden layer; readout is still the potential.
    Spiking,
}

/// Homogeneous defaults of the network (Paper A Table 4 in scaled units) and its width.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Hidden width H, at least 1 (and a run that fits the machine's memory).
    pub hidden: usize,
    /// Simulation step Δt (ms), in (0, 1000].
    pub dt_ms: f32,
    /// Default membrane time constant τ (ms), in [dt_ms, 10⁶]; above dt_ms when τ is searched.
    pub tau_ms: f32,
    /// Default threshold v_th, in [−10⁶, 10⁶].
    pub v_th: f32,
    /// Default resting (and reset) potential, in [−10⁶, 10⁶].
    pub v_rest: f32,
    /// Default resistance gain R (Paper A's 5·10⁷ Ω ↦ 1.0), in (0, 10⁶].
    pub r: f32,
    /// Output layer kind.
    pub output: OutputLayer,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self { hidden: 64, dt_ms: 5.0, tau_ms: 20.0, v_th: 0.5, v_rest: 0.0, r: 1.0, output: OutputLayer::Leaky }
    }
}

/// Largest magnitude of a potential, gain or time constant in a config (10⁶): far beyond any
/// meaningful value in these scaled units, and small enough that products stay finite in f32.
pub const MAX_MAGNITUDE: f64 = 1e6;

impl NetworkConfig {
    /// Checks `[network]` (ranges on the fields); `tau_searched`: τ is in the genome, so the
    /// default τ must exceed Δt (Δt/τ = sigmoid(a) < 1).
    // `!(x > y)` on purpose: it also refuses NaN.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn validate(&self, tau_searched: bool) -> Result<(), InvalidValue> {
        use crate::invalid::{check_range, Bound::*};
        if self.hidden == 0 {
            return Err(InvalidValue::new("network.hidden", 0, "must be at least 1"));
        }
        check_range("network.dt_ms", self.dt_ms, (0.0, Open), (1000.0, Closed))?;
        check_range("network.tau_ms", self.tau_ms, (self.dt_ms as f64, Closed), (MAX_MAGNITUDE, Closed))?;
        if tau_searched && !(self.tau_ms > self.dt_ms) {
            return Err(InvalidValue::new(
                "network.tau_ms",
                self.tau_ms,
                "must exceed network.dt_ms when tau is searched (Δt/τ = sigmoid(a) < 1)",
            ));
        }
        check_range("network.v_th", self.v_th, (-MAX_MAGNITUDE, Closed), (MAX_MAGNITUDE, Closed))?;
        check_range("network.v_rest", self.v_rest, (-MAX_MAGNITUDE, Closed), (MAX_MAGNITUDE, Closed))?;
        check_range("network.r", self.r, (0.0, Open), (MAX_MAGNITUDE, Closed))?;
        Ok(())
    }

    /// The homogeneous default neuron in the searched parameterisation.
    pub fn default_neuron(&self) -> NeuronProperties {
        NeuronProperties {
            tau_logit: logit_from_tau_ms(self.tau_ms, self.dt_ms),
            v_th: self.v_th,
            v_rest: self.v_rest,
            r: self.r,
        }
    }
}

/// Layer sizes of one network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkShape {
    /// Input size (observation dimension).
    pub inputs: usize,
    /// Hidden width H.
    pub hidden: usize,
    /// Output size (actions or classes).
    pub outputs: usize,
}

impl NetworkShape {
    /// Number of input weights (inputs × hidden).
    pub fn w_in_len(&self) -> usize {
        self.inputs * self.hidden
    }
    /// Number of output weights (hidden × outputs).
    pub fn w_out_len(&self) -> usize {
        self.hidden * self.outputs
    }
}

/// The network's weights, drawn once per run.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedWeights {
    /// inputs × hidden, row-major.
    pub w_in: Vec<f32>,
    /// hidden × outputs, row-major.
    pub w_out: Vec<f32>,
}

impl FixedWeights {
    /// LeCun-normal draw N(0, 1/fan_in) from the run's seed (stream [`Stream::Weights`]).
    pub fn lecun(shape: NetworkShape, seed: u64) -> Self {
        let draw = |len: usize, fan_in: usize, layer: u64| {
            let mut rng = stream_rng(seed, Stream::Weights, [layer, 0, 0]);
            let scale = 1.0 / (fan_in.max(1) as f64).sqrt();
            (0..len)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    (z * scale) as f32
                })
                .collect::<Vec<f32>>()
        };
        Self { w_in: draw(shape.w_in_len(), shape.inputs, 0), w_out: draw(shape.w_out_len(), shape.hidden, 1) }
    }
}

/// Index of the largest value; the first one on ties (discrete-action decoding).
#[inline]
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in values.iter().enumerate().skip(1) {
        if x > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lecun_weights_have_unit_fan_in_variance() {
        let shape = NetworkShape { inputs: 400, hidden: 100, outputs: 10 };
        let w = FixedWeights::lecun(shape, 7);
        let var = w.w_in.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / w.w_in.len() as f64;
        assert!((var * 400.0 - 1.0).abs() < 0.03, "fan_in·var = {}", var * 400.0);
        assert_eq!(w, FixedWeights::lecun(shape, 7));
        assert_ne!(w, FixedWeights::lecun(shape, 8));
    }

    #[test]
    fn argmax_takes_first_of_ties() {
        assert_eq!(argmax(&[0.1, 0.3, 0.3]), 1);
        assert_eq!(argmax(&[-1.0]), 0);
    }
}
