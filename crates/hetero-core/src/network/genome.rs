//! The searched vector (SPEC §3): its layout, its starting point, and its decoding into the
//! per-member coefficients the rollout engine runs.
//!
//! Layout (stable; saved with every run): first the neuron segments, layer by layer (hidden, then
//! output), property by property in the order tau, v_th, v_rest, r; then `w_in` (inputs × hidden,
//! row-major), then `w_out` (hidden × outputs). Segment names are `hidden.tau`, `output.r`, `w_in`…
//! `tau` segments hold the logit a (Δt/τ = sigmoid(a)); the others hold the physical value.
//! A non-spiking output layer has no threshold, so `output.v_th` is never searched.

use super::feedforward::{FixedWeights, NetworkConfig, NetworkShape, OutputLayer};
use crate::neuron::lif::{tau_ms_from_logit, CoefficientsView, LifCoefficients, NeuronProperties};
use serde::{Deserialize, Serialize};

/// A per-neuron property that can be searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    /// Membrane time constant, searched as the logit a.
    Tau,
    /// Threshold.
    VTh,
    /// Resting = reset potential.
    VRest,
    /// Resistance gain.
    R,
}

impl Property {
    /// All four, in layout order.
    pub const ALL: [Property; 4] = [Property::Tau, Property::VTh, Property::VRest, Property::R];

    /// The name used in configs and segment names.
    pub fn name(self) -> &'static str {
        match self {
            Property::Tau => "tau",
            Property::VTh => "v_th",
            Property::VRest => "v_rest",
            Property::R => "r",
        }
    }

    /// The 15 non-empty subsets of the four properties (the ablation's coalitions), by bit mask.
    pub fn all_subsets() -> Vec<Vec<Property>> {
        (1u8..16)
            .map(|mask| Self::ALL.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, &p)| p).collect())
            .collect()
    }

    fn get(self, p: &NeuronProperties) -> f32 {
        match self {
            Property::Tau => p.tau_logit,
            Property::VTh => p.v_th,
            Property::VRest => p.v_rest,
            Property::R => p.r,
        }
    }

    fn set(self, p: &mut NeuronProperties, value: f32) {
        match self {
            Property::Tau => p.tau_logit = value,
            Property::VTh => p.v_th = value,
            Property::VRest => p.v_rest = value,
            Property::R => p.r = value,
        }
    }
}

/// What the strategy searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GenomeMode {
    /// Per-neuron properties; weights fixed at the LeCun draw (Paper A's heterogeneous arm).
    Neuron,
    /// All weights; neurons homogeneous at the defaults (Paper A's homogeneous arm).
    Weight,
    /// Both at once.
    Both,
}

/// Genome configuration (`[genome]` in a config file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenomeConfig {
    /// neuron | weight | both.
    pub mode: GenomeMode,
    /// The searched neuron properties (neuron and both modes), any non-empty subset, each once.
    pub properties: Vec<Property>,
    /// Search the output neurons' properties too. Default false: the genome length then equals
    /// Paper A's count (properties × hidden width), and on CartPole it is more robust — searched
    /// output resting potentials can drift apart until one action always wins the argmax, every
    /// member ties and PGPE stalls (measured with average rank ties: 19/20 seeds solved within
    /// 100 generations with hidden neurons only, 16/20 with output neurons searched too; README).
    pub output_neurons: bool,
    /// Search scale of each property (`[genome.scale]`, each in (0, 10⁶]): the genome holds value / scale, so the
    /// strategy's σ and steps are `scale` times larger for that property in physical units (a
    /// diagonal preconditioner). Default 1 (the genome holds the physical value).
    pub scale: PropertyScales,
}

impl GenomeConfig {
    /// Checks `[genome]`: in neuron and both modes at least one property, none twice; every
    /// scale in (0, 10⁶].
    pub fn validate(&self) -> Result<(), crate::invalid::InvalidValue> {
        use crate::invalid::{check_range, Bound::*, InvalidValue};
        let names = || format!("[{}]", self.properties.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "));
        if self.mode != GenomeMode::Weight && self.properties.is_empty() {
            return Err(InvalidValue::new(
                "genome.properties",
                "[]",
                "neuron and both modes need at least one property",
            ));
        }
        if let Some(p) =
            self.properties.iter().enumerate().find_map(|(i, p)| self.properties[..i].contains(p).then_some(p))
        {
            return Err(InvalidValue::new(
                "genome.properties",
                names(),
                format!("`{}` is listed twice (each of tau, v_th, v_rest, r at most once)", p.name()),
            ));
        }
        for p in Property::ALL {
            check_range(&format!("genome.scale.{}", p.name()), self.scale.of(p), (0.0, Open), (1e6, Closed))?;
        }
        Ok(())
    }
}

impl Default for GenomeConfig {
    fn default() -> Self {
        Self {
            mode: GenomeMode::Neuron,
            properties: Property::ALL.to_vec(),
            output_neurons: false,
            scale: PropertyScales::default(),
        }
    }
}

/// One positive factor per property: physical value = scale · genome value (for τ, the logit a).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PropertyScales {
    /// Scale of the τ logit a.
    pub tau: f32,
    /// Scale of v_th.
    pub v_th: f32,
    /// Scale of v_rest.
    pub v_rest: f32,
    /// Scale of R.
    pub r: f32,
}

impl Default for PropertyScales {
    fn default() -> Self {
        Self { tau: 1.0, v_th: 1.0, v_rest: 1.0, r: 1.0 }
    }
}

impl PropertyScales {
    /// The scale of one property.
    pub fn of(&self, p: Property) -> f32 {
        match p {
            Property::Tau => self.tau,
            Property::VTh => self.v_th,
            Property::VRest => self.v_rest,
            Property::R => self.r,
        }
    }
}

/// A network layer holding neurons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// The spiking hidden layer.
    Hidden,
    /// The output (readout) layer.
    Output,
}

impl Layer {
    /// `hidden` or `output`.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Hidden => "hidden",
            Layer::Output => "output",
        }
    }
}

/// What a segment of the genome sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// One property of every neuron of a layer.
    Neuron(Layer, Property),
    /// The input weights.
    InputWeights,
    /// The output weights.
    OutputWeights,
}

/// A named, contiguous piece of the genome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// e.g. `hidden.tau`, `w_in`.
    pub name: String,
    /// What it sets.
    pub target: Target,
    /// Start index in the genome.
    pub offset: usize,
    /// Number of entries.
    pub len: usize,
}

/// The genome's layout for one network shape and configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct GenomeLayout {
    /// Layer sizes.
    pub shape: NetworkShape,
    /// Output layer kind.
    pub output: OutputLayer,
    /// The searched properties (sorted, deduplicated; empty in weight mode).
    pub properties: Vec<Property>,
    /// Segments in genome order.
    pub segments: Vec<Segment>,
    /// Total length.
    pub dim: usize,
    /// Physical value = scale · genome value, per property.
    pub scales: PropertyScales,
}

impl GenomeLayout {
    /// Builds the layout; `properties` must be non-empty unless the mode is `weight`.
    pub fn new(shape: NetworkShape, output: OutputLayer, config: &GenomeConfig) -> Self {
        let mut properties = match config.mode {
            GenomeMode::Weight => Vec::new(),
            _ => config.properties.clone(),
        };
        properties.sort();
        properties.dedup();
        let mut segments = Vec::new();
        let mut offset = 0;
        let mut push = |name: String, target: Target, len: usize| {
            segments.push(Segment { name, target, offset, len });
            offset += len;
        };
        for (layer, width) in [(Layer::Hidden, shape.hidden), (Layer::Output, shape.outputs)] {
            for &p in &properties {
                if layer == Layer::Output
                    && (!config.output_neurons || (p == Property::VTh && output == OutputLayer::Leaky))
                {
                    continue;
                }
                push(format!("{}.{}", layer.name(), p.name()), Target::Neuron(layer, p), width);
            }
        }
        if config.mode != GenomeMode::Neuron {
            push("w_in".into(), Target::InputWeights, shape.w_in_len());
            push("w_out".into(), Target::OutputWeights, shape.w_out_len());
        }
        Self { shape, output, properties, segments, dim: offset, scales: config.scale }
    }

    /// The segment of a name, if present.
    pub fn segment(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.name == name)
    }

    fn has_neurons(&self, layer: Layer) -> bool {
        self.segments.iter().any(|s| matches!(s.target, Target::Neuron(l, _) if l == layer))
    }

    /// True when the weights are searched (weight and both modes); otherwise every member
    /// shares the fixed draw.
    pub fn has_weights(&self) -> bool {
        self.segments.iter().any(|s| s.target == Target::InputWeights)
    }

    /// Trainable parameters counted as Paper A counts them (Table 3): searched properties × hidden
    /// width (output neurons not counted) plus all weights in weight mode.
    pub fn paper_parameter_count(&self) -> usize {
        let neurons = self.properties.len() * self.shape.hidden;
        let weights = if self.has_weights() { self.shape.w_in_len() + self.shape.w_out_len() } else { 0 };
        neurons + weights
    }

    /// Trainable parameters as hetero counts them: the genome length.
    pub fn parameter_count(&self) -> usize {
        self.dim
    }

    /// The starting centre: homogeneous defaults for neuron segments, the LeCun draw for weights.
    pub fn initial_centre(&self, network: &NetworkConfig, weights: &FixedWeights) -> Vec<f32> {
        let default = network.default_neuron();
        let mut centre = vec![0.0; self.dim];
        for s in &self.segments {
            let dst = &mut centre[s.offset..s.offset + s.len];
            match s.target {
                Target::Neuron(_, p) => dst.fill(p.get(&default) / self.scales.of(p)),
                Target::InputWeights => dst.copy_from_slice(&weights.w_in),
                Target::OutputWeights => dst.copy_from_slice(&weights.w_out),
            }
        }
        centre
    }

    /// The neurons of one layer as encoded in `genome` (defaults where a property is not searched).
    pub fn neurons(&self, genome: &[f32], layer: Layer, network: &NetworkConfig) -> Vec<NeuronProperties> {
        let width = match layer {
            Layer::Hidden => self.shape.hidden,
            Layer::Output => self.shape.outputs,
        };
        let mut neurons = vec![network.default_neuron(); width];
        for s in &self.segments {
            if let Target::Neuron(l, p) = s.target {
                if l == layer {
                    let scale = self.scales.of(p);
                    for (n, &x) in neurons.iter_mut().zip(&genome[s.offset..s.offset + s.len]) {
                        p.set(n, x * scale); // x · 1 = x exactly: unscaled genomes decode as before
                    }
                }
            }
        }
        neurons
    }

    /// The weights encoded in `genome`, or the fixed ones where weights are not searched.
    pub fn weights(&self, genome: &[f32], fixed: &FixedWeights) -> FixedWeights {
        let mut w = fixed.clone();
        for s in &self.segments {
            match s.target {
                Target::InputWeights => w.w_in.copy_from_slice(&genome[s.offset..s.offset + s.len]),
                Target::OutputWeights => w.w_out.copy_from_slice(&genome[s.offset..s.offset + s.len]),
                Target::Neuron(..) => {}
            }
        }
        w
    }

    /// The genome in physical units as named arrays `(name, shape, values)`, for params.safetensors:
    /// `hidden.tau_ms`, `hidden.v_th`, `hidden.v_rest`, `hidden.r`, the same for `output`, then
    /// `w_in` [inputs, hidden] and `w_out` [hidden, outputs].
    pub fn named_arrays(
        &self,
        genome: &[f32],
        network: &NetworkConfig,
        fixed: &FixedWeights,
    ) -> Vec<(String, Vec<usize>, Vec<f32>)> {
        let mut out = Vec::new();
        for layer in [Layer::Hidden, Layer::Output] {
            let neurons = self.neurons(genome, layer, network);
            let n = neurons.len();
            let l = layer.name();
            out.push((
                format!("{l}.tau_ms"),
                vec![n],
                neurons.iter().map(|p| tau_ms_from_logit(p.tau_logit, network.dt_ms)).collect(),
            ));
            out.push((format!("{l}.v_th"), vec![n], neurons.iter().map(|p| p.v_th).collect()));
            out.push((format!("{l}.v_rest"), vec![n], neurons.iter().map(|p| p.v_rest).collect()));
            out.push((format!("{l}.r"), vec![n], neurons.iter().map(|p| p.r).collect()));
        }
        let w = self.weights(genome, fixed);
        out.push(("w_in".into(), vec![self.shape.inputs, self.shape.hidden], w.w_in));
        out.push(("w_out".into(), vec![self.shape.hidden, self.shape.outputs], w.w_out));
        out
    }
}

/// Decoded parameters of a whole population, ready for the rollout engine. Parts that are not
/// searched are stored once and shared (stride 0): in neuron mode every member reads the same
/// weights, in weight mode the same neuron coefficients.
#[derive(Clone, Debug)]
pub struct PopulationParams {
    /// Layer sizes.
    pub shape: NetworkShape,
    /// True when the output layer spikes and resets.
    pub output_spiking: bool,
    hidden: LifCoefficients,
    hidden_stride: usize,
    output: LifCoefficients,
    output_stride: usize,
    w_in: Vec<f32>,
    w_in_stride: usize,
    w_out_t: Vec<f32>,
    w_out_stride: usize,
    members: usize,
}

/// One member's network, borrowed from [`PopulationParams`].
#[derive(Clone, Copy, Debug)]
pub struct MemberNetwork<'a> {
    /// Hidden-layer coefficients.
    pub hidden: CoefficientsView<'a>,
    /// Output-layer coefficients.
    pub output: CoefficientsView<'a>,
    /// inputs × hidden.
    pub w_in: &'a [f32],
    /// The output weights transposed, outputs × hidden, so each output current is one dot product.
    pub w_out_t: &'a [f32],
}

impl PopulationParams {
    /// Decodes `members` genomes stored row-major in `genomes` (members × layout.dim).
    pub fn build(
        layout: &GenomeLayout,
        network: &NetworkConfig,
        fixed: &FixedWeights,
        genomes: &[f32],
        members: usize,
    ) -> Self {
        assert_eq!(genomes.len(), members * layout.dim, "genome matrix has the wrong size");
        let shape = layout.shape;
        let layer_coefficients = |layer: Layer, width: usize| -> (LifCoefficients, usize) {
            if layout.has_neurons(layer) {
                let mut c = LifCoefficients::zeros(width * members);
                c.fill_groups(width, |m| {
                    layout.neurons(&genomes[m * layout.dim..(m + 1) * layout.dim], layer, network)
                });
                (c, width)
            } else {
                let mut c = LifCoefficients::zeros(width);
                let p = network.default_neuron();
                for i in 0..width {
                    c.set(i, &p);
                }
                (c, 0)
            }
        };
        let (hidden, hidden_stride) = layer_coefficients(Layer::Hidden, shape.hidden);
        let (output, output_stride) = layer_coefficients(Layer::Output, shape.outputs);
        let weights = |target: Target, fixed: &[f32]| -> (Vec<f32>, usize) {
            match layout.segments.iter().find(|s| s.target == target) {
                Some(s) => {
                    let mut w = Vec::with_capacity(s.len * members);
                    for m in 0..members {
                        w.extend_from_slice(&genomes[m * layout.dim + s.offset..][..s.len]);
                    }
                    (w, s.len)
                }
                None => (fixed.to_vec(), 0),
            }
        };
        let (w_in, w_in_stride) = weights(Target::InputWeights, &fixed.w_in);
        let (w_out, w_out_stride) = weights(Target::OutputWeights, &fixed.w_out);
        let (h, o) = (shape.hidden, shape.outputs);
        let mut w_out_t = vec![0.0; w_out.len()];
        for (src, dst) in w_out.chunks_exact(h * o).zip(w_out_t.chunks_exact_mut(h * o)) {
            for i in 0..h {
                for j in 0..o {
                    dst[j * h + i] = src[i * o + j];
                }
            }
        }
        Self {
            shape,
            output_spiking: layout.output == OutputLayer::Spiking,
            hidden,
            hidden_stride,
            output,
            output_stride,
            w_in,
            w_in_stride,
            w_out_t,
            w_out_stride,
            members,
        }
    }

    /// Number of members.
    pub fn members(&self) -> usize {
        self.members
    }

    /// True when all members share the input weights (neuron mode): the input projection of many
    /// members is then one matrix product.
    pub fn shares_input_weights(&self) -> bool {
        self.w_in_stride == 0
    }

    /// True when all members share the output weights (neuron mode).
    pub fn shares_output_weights(&self) -> bool {
        self.w_out_stride == 0
    }

    /// Member `m`'s network.
    #[inline]
    pub fn member(&self, m: usize) -> MemberNetwork<'_> {
        let s = self.shape;
        MemberNetwork {
            hidden: self.hidden.view(m * self.hidden_stride, s.hidden),
            output: self.output.view(m * self.output_stride, s.outputs),
            w_in: &self.w_in[m * self.w_in_stride..][..s.w_in_len()],
            w_out_t: &self.w_out_t[m * self.w_out_stride..][..s.w_out_len()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> NetworkShape {
        NetworkShape { inputs: 3, hidden: 5, outputs: 2 }
    }

    #[test]
    fn every_subset_round_trips() {
        let net = NetworkConfig { hidden: 5, ..Default::default() };
        let fixed = FixedWeights::lecun(shape(), 1);
        for subset in Property::all_subsets() {
            for mode in [GenomeMode::Neuron, GenomeMode::Both] {
                let cfg = GenomeConfig { mode, properties: subset.clone(), output_neurons: true, ..Default::default() };
                let layout = GenomeLayout::new(shape(), OutputLayer::Leaky, &cfg);
                // Write a distinct value into every entry, decode, re-encode, compare.
                let genome: Vec<f32> = (0..layout.dim).map(|i| 0.01 * i as f32 - 0.3).collect();
                let mut again = vec![f32::NAN; layout.dim];
                for s in &layout.segments {
                    match s.target {
                        Target::Neuron(layer, p) => {
                            let neurons = layout.neurons(&genome, layer, &net);
                            for (i, n) in neurons.iter().enumerate() {
                                again[s.offset + i] = p.get(n);
                            }
                        }
                        Target::InputWeights => {
                            again[s.offset..s.offset + s.len].copy_from_slice(&layout.weights(&genome, &fixed).w_in)
                        }
                        Target::OutputWeights => {
                            again[s.offset..s.offset + s.len].copy_from_slice(&layout.weights(&genome, &fixed).w_out)
                        }
                    }
                }
                assert_eq!(genome, again, "subset {subset:?} mode {mode:?}");
                // Segment bookkeeping: contiguous, covering, named after the property.
                let mut next = 0;
                for s in &layout.segments {
                    assert_eq!(s.offset, next);
                    next += s.len;
                }
                assert_eq!(next, layout.dim);
                let n_props = subset.len();
                let out_props = n_props - subset.contains(&Property::VTh) as usize;
                let weights = if mode == GenomeMode::Both { 3 * 5 + 5 * 2 } else { 0 };
                assert_eq!(layout.dim, n_props * 5 + out_props * 2 + weights);
                assert_eq!(layout.paper_parameter_count(), n_props * 5 + weights);
            }
        }
        assert_eq!(Property::all_subsets().len(), 15);
    }

    #[test]
    fn weight_mode_layout_and_centre() {
        let net = NetworkConfig { hidden: 5, ..Default::default() };
        let fixed = FixedWeights::lecun(shape(), 3);
        let layout = GenomeLayout::new(
            shape(),
            OutputLayer::Leaky,
            &GenomeConfig { mode: GenomeMode::Weight, ..Default::default() },
        );
        assert_eq!(layout.dim, 15 + 10);
        assert_eq!(layout.paper_parameter_count(), 25);
        let centre = layout.initial_centre(&net, &fixed);
        assert_eq!(&centre[..15], &fixed.w_in[..]);
        assert_eq!(&centre[15..], &fixed.w_out[..]);
    }

    #[test]
    fn hidden_only_genome_matches_the_paper_count() {
        let cfg = GenomeConfig { output_neurons: false, ..Default::default() };
        let layout = GenomeLayout::new(shape(), OutputLayer::Spiking, &cfg);
        assert_eq!(layout.dim, 4 * 5);
        assert_eq!(layout.dim, layout.paper_parameter_count());
        assert!(layout.segments.iter().all(|s| s.name.starts_with("hidden.")));
    }

    #[test]
    fn neuron_centre_is_homogeneous_default() {
        let net = NetworkConfig { hidden: 5, ..Default::default() };
        let fixed = FixedWeights::lecun(shape(), 3);
        let cfg = GenomeConfig { output_neurons: true, ..Default::default() };
        let layout = GenomeLayout::new(shape(), OutputLayer::Spiking, &cfg);
        assert_eq!(layout.dim, 4 * 5 + 4 * 2);
        let centre = layout.initial_centre(&net, &fixed);
        let tau = layout.segment("hidden.tau").unwrap();
        assert!(centre[tau.offset..tau.offset + 5].iter().all(|&a| (a - (1.0f32 / 3.0).ln()).abs() < 1e-6));
        let arrays = layout.named_arrays(&centre, &net, &fixed);
        let tau_ms = &arrays.iter().find(|a| a.0 == "hidden.tau_ms").unwrap().2;
        assert!(tau_ms.iter().all(|&t| (t - 20.0).abs() < 1e-4));
    }

    #[test]
    fn population_params_share_what_is_not_searched() {
        let net = NetworkConfig { hidden: 5, ..Default::default() };
        let fixed = FixedWeights::lecun(shape(), 3);
        let layout = GenomeLayout::new(
            shape(),
            OutputLayer::Leaky,
            &GenomeConfig {
                mode: GenomeMode::Neuron,
                properties: vec![Property::R],
                output_neurons: true,
                ..Default::default()
            },
        );
        let mut genomes = layout.initial_centre(&net, &fixed);
        genomes.extend(layout.initial_centre(&net, &fixed));
        let r = layout.segment("hidden.r").unwrap().offset;
        genomes[layout.dim + r] = 2.0; // member 1, hidden neuron 0: R = 2
        let pop = PopulationParams::build(&layout, &net, &fixed, &genomes, 2);
        assert!(pop.shares_input_weights());
        assert_eq!(pop.member(0).w_in, &fixed.w_in[..]);
        assert!((pop.member(0).hidden.gain[0] - 0.25).abs() < 1e-6);
        assert!((pop.member(1).hidden.gain[0] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn scaled_properties_decode_to_scale_times_the_genome_value() {
        let net = NetworkConfig { hidden: 5, ..Default::default() };
        let fixed = FixedWeights::lecun(shape(), 3);
        let scale = PropertyScales { tau: 3.0, v_th: 1.0, v_rest: 0.5, r: 5.0 };
        let layout = GenomeLayout::new(
            shape(),
            OutputLayer::Leaky,
            &GenomeConfig { output_neurons: true, scale, ..Default::default() },
        );
        // The centre still decodes to the homogeneous defaults (R = 1, τ = 20 ms, v_th = 0.5, v_rest = 0).
        let mut genome = layout.initial_centre(&net, &fixed);
        let r = layout.segment("hidden.r").unwrap().offset;
        assert_eq!(genome[r], 0.2);
        let tau = layout.segment("hidden.tau").unwrap().offset;
        assert!((genome[tau] - (1.0f32 / 3.0).ln() / 3.0).abs() < 1e-6);
        let hidden = layout.neurons(&genome, Layer::Hidden, &net);
        assert!((hidden[0].r - 1.0).abs() < 1e-6 && (hidden[0].tau_logit - (1.0f32 / 3.0).ln()).abs() < 1e-6);
        // A genome step of 0.1 moves R by 0.5, v_rest by 0.05, the τ logit by 0.3.
        genome[r] += 0.1;
        genome[layout.segment("output.v_rest").unwrap().offset] = 0.1;
        genome[tau + 1] += 0.1;
        let hidden = layout.neurons(&genome, Layer::Hidden, &net);
        assert!((hidden[0].r - 1.5).abs() < 1e-6, "R = {}", hidden[0].r);
        assert!((hidden[1].tau_logit - ((1.0f32 / 3.0).ln() + 0.3)).abs() < 1e-6);
        assert!((layout.neurons(&genome, Layer::Output, &net)[0].v_rest - 0.05).abs() < 1e-7);
        let arrays = layout.named_arrays(&genome, &net, &fixed);
        assert!((arrays.iter().find(|a| a.0 == "hidden.r").unwrap().2[0] - 1.5).abs() < 1e-6);
    }
}
