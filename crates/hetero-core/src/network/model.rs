//! A configured feed-forward network: its shape, the fixed LeCun draw of the run's seed and the
//! genome layout, and the params.safetensors arrays of a genome (the centre in physical units).

use super::{FixedWeights, GenomeConfig, GenomeLayout, NetworkConfig, NetworkShape};
use crate::io::Array;
use std::collections::HashMap;

/// The network pieces a config builds for a task of `inputs` observations and `outputs` actions
/// (or classes).
#[derive(Clone, Debug)]
pub struct Model {
    /// Layer sizes.
    pub shape: NetworkShape,
    /// The fixed LeCun draw.
    pub fixed: FixedWeights,
    /// The genome layout.
    pub layout: GenomeLayout,
}

/// The `format` metadata of a params file.
pub const PARAMS_FORMAT: &str = "hetero-params-1";

impl Model {
    /// The network of `hidden` neurons between `inputs` and `outputs`, weights drawn from `seed`.
    pub fn build(inputs: usize, outputs: usize, network: &NetworkConfig, genome: &GenomeConfig, seed: u64) -> Self {
        let shape = NetworkShape { inputs, hidden: network.hidden, outputs };
        let fixed = FixedWeights::lecun(shape, seed);
        let layout = GenomeLayout::new(shape, network.output, genome);
        Self { shape, fixed, layout }
    }

    /// params.safetensors for `centre`: every layer's properties in physical units and the
    /// weights (`hidden.tau_ms`, …, `w_in`, `w_out`), then `extra` arrays, then the raw `genome`;
    /// metadata: the format, the genome segments and the whole configuration (`config_toml`).
    pub fn params_arrays(
        &self,
        network: &NetworkConfig,
        centre: &[f32],
        extra: Vec<(String, Array)>,
        config_toml: String,
    ) -> (Vec<(String, Array)>, HashMap<String, String>) {
        let mut arrays: Vec<(String, Array)> = self
            .layout
            .named_arrays(centre, network, &self.fixed)
            .into_iter()
            .map(|(n, s, v)| (n, Array::F32(s, v)))
            .collect();
        arrays.extend(extra);
        arrays.push(("genome".into(), Array::F32(vec![centre.len()], centre.to_vec())));
        let segments: Vec<String> =
            self.layout.segments.iter().map(|s| format!("{}:{}:{}", s.name, s.offset, s.len)).collect();
        let meta = HashMap::from([
            ("format".to_string(), PARAMS_FORMAT.to_string()),
            ("genome_segments".to_string(), segments.join(",")),
            ("config".to_string(), config_toml),
        ]);
        (arrays, meta)
    }
}
