//! hetero-classify: image classification with a population of LIF networks (Paper A §4.5,
//! SPEC §6 MNIST) as a [`hetero_core::engine::Problem`], its SIMD kernels (the only code that
//! needs Rust 1.89, for the AVX-512 intrinsics), and [`train`], which runs any configuration:
//! an environment through [`hetero_core::rollout::EnvProblem`], a dataset through [`ImageProblem`].
//!
//! An image is shown for `steps` simulation steps as a constant input current, pixel / 255
//! (direct current encoding). The hidden layer runs Eq. 2; the output layer's membrane potential
//! after the last step is the logit vector, and a member's loss is the mean cross-entropy of
//! softmax(logits) (EvoJAX's MNIST task). Fitness = −loss.
//!
//! Because the current is constant over the steps, the input projection I = X·W_in of a batch is
//! computed once, as one GEMM (faer), before any dynamics: in neuron mode every member shares
//! W_in, so the batch is projected once per generation for the whole population; in weight mode
//! the members' W_in are laid side by side and projected in one wider GEMM. Each member then runs
//! only its own neuron dynamics on its rows of the projection.
//!
//! Hidden spikes are binary, so the output current Σ_j s_j·W_out[j, :] is accumulated event by
//! event: the hidden step writes a 64-bit spike mask per 64 neurons and the output rows of the
//! spiking neurons are added in neuron order (bit-identical to the dense sum, which adds exact
//! zeros for silent neurons). The step kernel has AVX-512 and AVX2 versions chosen at run time
//! ([`Kernel::best`]) and a portable one; all use separate multiply and add (no FMA), so they
//! agree to the bit (tested).
//!
//! Determinism: work is split into (member, chunk of [`CHUNK`] images) items whose arithmetic
//! does not depend on the thread that runs them, and partial sums are combined in chunk order,
//! so results are identical for any thread count.

// Numerical kernels index several arrays in lockstep; iterator zips would hide the equations.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

mod problem;
pub mod train;

pub use problem::{
    classifier_model, draw_minibatch, evaluate_genome_on_test, is_classification, load_dataset, project_batch,
    rate_neurons, read_accuracy, read_rates, AccuracyRow, ImageProblem, RateHistory, ACCURACY_FILE, RATES_FILE,
};

mod kernels;

pub use kernels::{Kernel, KernelError, KERNEL_ENV};

use aligned_vec::{avec, AVec};
use hetero_core::network::genome::{MemberNetwork, PopulationParams};
use kernels::hidden_steps;
use rayon::prelude::*;

/// Images per work item (fixed, so partial sums never depend on the thread count).
pub const CHUNK: usize = 128;

/// Output rows are padded to this many lanes so one spike adds two 8-wide vectors.
pub const OUT_PAD: usize = 16;

/// Converts images (bytes, `pixels` per image) to input currents pixel / 255, rows in `indices`
/// order, into `out` (resized to `indices.len() × pixels`).
pub fn currents_from_pixels(images: &[u8], pixels: usize, indices: &[usize], out: &mut Vec<f32>) {
    out.clear();
    out.reserve(indices.len() * pixels);
    for &i in indices {
        out.extend(images[i * pixels..(i + 1) * pixels].iter().map(|&p| p as f32 / 255.0));
    }
}

/// `out = x · w` with x `rows × inner` and w `inner × cols`, all row-major f32: one faer GEMM on
/// the current rayon pool. faer splits the output into blocks and keeps each element's
/// reduction order fixed, so the result does not depend on the thread count (tested).
pub fn project(x: &[f32], rows: usize, inner: usize, w: &[f32], cols: usize, out: &mut [f32]) {
    assert_eq!(x.len(), rows * inner, "project: x has the wrong size");
    assert_eq!(w.len(), inner * cols, "project: w has the wrong size");
    assert_eq!(out.len(), rows * cols, "project: out has the wrong size");
    let lhs = faer::MatRef::from_row_major_slice(x, rows, inner);
    let rhs = faer::MatRef::from_row_major_slice(w, inner, cols);
    let dst = faer::MatMut::from_row_major_slice_mut(out, rows, cols);
    let threads = rayon::current_num_threads();
    let par = if threads > 1 { faer::Par::rayon(threads) } else { faer::Par::Seq };
    faer::linalg::matmul::matmul(dst, faer::Accum::Replace, lhs, rhs, 1.0f32, par);
}

/// The input weights of all members side by side, `inputs × (members·hidden)` row-major, so one
/// GEMM projects a batch for the whole population (weight mode). Member m's block of columns is
/// `m·hidden .. (m+1)·hidden`.
pub fn stacked_input_weights(params: &PopulationParams) -> Vec<f32> {
    let s = params.shape;
    let members = params.members();
    let width = members * s.hidden;
    let mut w = vec![0.0f32; s.inputs * width];
    for m in 0..members {
        let wm = params.member(m).w_in;
        for i in 0..s.inputs {
            w[i * width + m * s.hidden..][..s.hidden].copy_from_slice(&wm[i * s.hidden..(i + 1) * s.hidden]);
        }
    }
    w
}

/// The projected input currents of a batch: member m, image b, hidden neuron j is
/// `data[b·row_stride + m·member_stride + j]` (`member_stride` = 0 when all members share W_in).
#[derive(Clone, Copy, Debug)]
pub struct Projection<'a> {
    /// The projection matrix.
    pub data: &'a [f32],
    /// Distance between consecutive images.
    pub row_stride: usize,
    /// Distance between consecutive members' blocks (0: shared).
    pub member_stride: usize,
}

impl<'a> Projection<'a> {
    /// The currents of member `m` for image `b` (length `hidden`).
    #[inline]
    pub fn row(&self, m: usize, b: usize, hidden: usize) -> &'a [f32] {
        &self.data[b * self.row_stride + m * self.member_stride..][..hidden]
    }
}

/// One member's result on a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MemberScore {
    /// Σ over images of the cross-entropy −log softmax(logits)\[label\] (nats).
    pub loss_sum: f64,
    /// Images whose argmax logit is the label (first index on ties).
    pub correct: u64,
    /// Hidden spikes over all images and steps.
    pub hidden_spikes: u64,
    /// Images evaluated.
    pub images: u64,
}

impl MemberScore {
    /// Mean cross-entropy.
    pub fn loss(&self) -> f64 {
        self.loss_sum / self.images.max(1) as f64
    }
    /// Fraction correct.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.images.max(1) as f64
    }
    fn add(&mut self, o: &MemberScore) {
        self.loss_sum += o.loss_sum;
        self.correct += o.correct;
        self.hidden_spikes += o.hidden_spikes;
        self.images += o.images;
    }
}

/// Hidden spike counts per (class, neuron) of one network: `counts[c·hidden + j]` spikes of
/// neuron j over all images of class c and all steps; `images[c]` images of class c.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeCounts {
    /// Hidden width.
    pub hidden: usize,
    /// classes × hidden.
    pub counts: Vec<u64>,
    /// Images per class.
    pub images: Vec<u64>,
}

impl SpikeCounts {
    fn zeros(classes: usize, hidden: usize) -> Self {
        Self { hidden, counts: vec![0; classes * hidden], images: vec![0; classes] }
    }

    /// Firing rate (spikes per step) of neuron j on class c.
    pub fn rate(&self, class: usize, neuron: usize, steps: usize) -> f64 {
        self.counts[class * self.hidden + neuron] as f64 / (self.images[class].max(1) as f64 * steps as f64)
    }

    /// Fraction of hidden neurons that never fired on any image.
    pub fn silent_fraction(&self) -> f64 {
        let classes = self.images.len();
        let silent = (0..self.hidden).filter(|&j| (0..classes).all(|c| self.counts[c * self.hidden + j] == 0)).count();
        silent as f64 / self.hidden.max(1) as f64
    }
}

/// Members per work item (fixed, so results never depend on the thread count). Each member runs
/// all the chunk's images in turn, so its coefficients stay in L1.
pub const MEMBER_BLOCK: usize = 8;

/// Most simulation steps per image the kernels support.
pub const MAX_STEPS: usize = 64;

/// Evaluates every member of `params` on the batch whose projection is `proj` and whose labels
/// are `labels`, simulating `steps` steps per image. Returns one score per member, in order.
pub fn evaluate(params: &PopulationParams, proj: Projection<'_>, labels: &[u8], steps: usize) -> Vec<MemberScore> {
    assert!((1..=MAX_STEPS).contains(&steps), "steps must be 1..={MAX_STEPS}");
    let members = params.members();
    let chunks = labels.len().div_ceil(CHUNK);
    let blocks = members.div_ceil(MEMBER_BLOCK);
    let out_rows = OutputRows::new(params, 0..members);
    // Item (block, chunk) → the scores of the block's members on the chunk.
    let items: Vec<Vec<MemberScore>> = (0..blocks * chunks)
        .into_par_iter()
        .map_init(Scratch::new, |scratch, item| {
            let (block, c) = (item / chunks, item % chunks);
            hetero_core::machine::clean_upper_vector_state(); // after the projection GEMM
            let first = block * MEMBER_BLOCK;
            let last = (first + MEMBER_BLOCK).min(members);
            let range = c * CHUNK..((c + 1) * CHUNK).min(labels.len());
            let mut scores = vec![MemberScore::default(); last - first];
            // Members outer: a member's coefficients stay in L1 across the chunk's images.
            for (k, m) in (first..last).enumerate() {
                let net = params.member(m);
                let output = OutputNeurons::new(&net, params.output_spiking);
                for b in range.clone() {
                    scores[k].add(&run_image(
                        &net,
                        out_rows.get(m),
                        &output,
                        proj.row(m, b, params.shape.hidden),
                        labels[b],
                        steps,
                        scratch,
                        None,
                    ));
                }
            }
            scores
        })
        .collect();
    let mut out = vec![MemberScore::default(); members];
    for (item, scores) in items.iter().enumerate() {
        let first = (item / chunks) * MEMBER_BLOCK;
        for (k, s) in scores.iter().enumerate() {
            out[first + k].add(s); // chunks of one block arrive in chunk order
        }
    }
    out
}

/// Evaluates member `member` of `params` and counts its hidden spikes per class and neuron (the
/// centre's test evaluation and Figure 6). Parallel over chunks of images.
pub fn evaluate_with_counts(
    params: &PopulationParams,
    member: usize,
    proj: Projection<'_>,
    labels: &[u8],
    steps: usize,
    classes: usize,
) -> (MemberScore, SpikeCounts) {
    assert!((1..=MAX_STEPS).contains(&steps), "steps must be 1..={MAX_STEPS}");
    let hidden = params.shape.hidden;
    let chunks = labels.len().div_ceil(CHUNK);
    let net = params.member(member);
    let out_rows = OutputRows::new(params, member..member + 1);
    let output = OutputNeurons::new(&net, params.output_spiking);
    let parts: Vec<(MemberScore, SpikeCounts)> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut scratch = Scratch::new();
            let mut counts = SpikeCounts::zeros(classes, hidden);
            let mut score = MemberScore::default();
            for b in c * CHUNK..((c + 1) * CHUNK).min(labels.len()) {
                let label = labels[b];
                let row = &mut counts.counts[label as usize * hidden..(label as usize + 1) * hidden];
                score.add(&run_image(
                    &net,
                    out_rows.get(0),
                    &output,
                    proj.row(member, b, hidden),
                    label,
                    steps,
                    &mut scratch,
                    Some(row),
                ));
                counts.images[label as usize] += 1;
            }
            (score, counts)
        })
        .collect();
    let mut score = MemberScore::default();
    let mut counts = SpikeCounts::zeros(classes, hidden);
    for (s, c) in &parts {
        score.add(s);
        for (a, b) in counts.counts.iter_mut().zip(&c.counts) {
            *a += b;
        }
        for (a, b) in counts.images.iter_mut().zip(&c.images) {
            *a += b;
        }
    }
    (score, counts)
}

/// Output weights as padded rows, one per hidden neuron: `w_rows[j·16 + k]` = W_out[j, k] (zero
/// for k ≥ outputs), so a spike adds one 16-wide or two 8-wide vectors.
fn padded_rows(net: &MemberNetwork<'_>, hidden: usize, outputs: usize) -> AVec<f32> {
    assert!(outputs <= OUT_PAD, "at most {OUT_PAD} classes");
    let mut w_rows = avec![0.0; hidden * OUT_PAD];
    for j in 0..hidden {
        for k in 0..outputs {
            w_rows[j * OUT_PAD + k] = net.w_out_t[k * hidden + j];
        }
    }
    w_rows
}

/// The padded output rows of every member: built once when the members share W_out (neuron
/// mode), else once per member.
struct OutputRows {
    rows: Vec<AVec<f32>>,
    shared: bool,
}

impl OutputRows {
    fn new(params: &PopulationParams, members: std::ops::Range<usize>) -> Self {
        let (hidden, outputs) = (params.shape.hidden, params.shape.outputs);
        if params.shares_output_weights() {
            Self { rows: vec![padded_rows(&params.member(0), hidden, outputs)], shared: true }
        } else {
            Self { rows: members.map(|m| padded_rows(&params.member(m), hidden, outputs)).collect(), shared: false }
        }
    }

    /// Rows of the k-th member of the range given to [`OutputRows::new`].
    fn get(&self, k: usize) -> &[f32] {
        if self.shared {
            &self.rows[0]
        } else {
            &self.rows[k]
        }
    }
}

/// Working memory of one thread.
struct Scratch {
    acc: Vec<[f32; OUT_PAD]>,
    /// Per-step spike lists of the AVX-512 kernel.
    lists: AVec<u16>,
}

impl Scratch {
    fn new() -> Self {
        Self { acc: vec![[0.0; OUT_PAD]; MAX_STEPS], lists: AVec::new(0) }
    }
}

/// One member's output-layer coefficients (see [`LifCoefficients`](hetero_core::neuron::lif::LifCoefficients)),
/// padded with zeros to [`OUT_PAD`] lanes, so an output step is a few whole-vector operations.
/// Padding lanes stay at 0 and are never read as logits.
struct OutputNeurons {
    decay: [f32; OUT_PAD],
    gain: [f32; OUT_PAD],
    drive: [f32; OUT_PAD],
    v_th: [f32; OUT_PAD],
    v_rest: [f32; OUT_PAD],
    outputs: usize,
    spiking: bool,
}

impl OutputNeurons {
    fn new(net: &MemberNetwork<'_>, spiking: bool) -> Self {
        let c = net.output;
        let outputs = c.decay.len();
        assert!(outputs <= OUT_PAD, "at most {OUT_PAD} classes");
        let pad = |x: &[f32]| std::array::from_fn(|k| if k < outputs { x[k] } else { 0.0 });
        Self {
            decay: pad(c.decay),
            gain: pad(c.gain),
            drive: pad(c.drive),
            v_th: pad(c.v_th),
            v_rest: pad(c.v_rest),
            outputs,
            spiking,
        }
    }

    /// The logits after the steps whose input currents are `acc`: Eq. 2 from v = v_rest, as
    /// [`leaky_step`](hetero_core::neuron::lif::leaky_step) (or [`spiking_step`](hetero_core::neuron::lif::spiking_step))
    /// computes it, u = (decay·v + gain·I) + drive.
    #[inline]
    fn logits(&self, acc: &[[f32; OUT_PAD]]) -> [f32; OUT_PAD] {
        let mut v = self.v_rest;
        for a in acc {
            for k in 0..OUT_PAD {
                let u = self.decay[k] * v[k] + self.gain[k] * a[k] + self.drive[k];
                v[k] = if self.spiking && u >= self.v_th[k] { self.v_rest[k] } else { u };
            }
        }
        v
    }
}

/// Simulates one image (projected currents `current`) through a network for `steps` steps and
/// scores its logits against `label`; adds the image's hidden spikes per neuron to `counts`.
#[allow(clippy::too_many_arguments)]
fn run_image(
    net: &MemberNetwork<'_>,
    w_rows: &[f32],
    output: &OutputNeurons,
    current: &[f32],
    label: u8,
    steps: usize,
    s: &mut Scratch,
    counts: Option<&mut [u64]>,
) -> MemberScore {
    let acc = &mut s.acc[..steps];
    acc.fill([0.0; OUT_PAD]);
    let spikes = hidden_steps(current, net.hidden, w_rows, acc, counts, &mut s.lists);
    let logits = output.logits(acc);
    let v_out = &logits[..output.outputs];
    let label = label as usize;
    let max = v_out.iter().fold(f32::NEG_INFINITY, |a, &x| a.max(x)) as f64;
    let log_sum = v_out.iter().map(|&x| (x as f64 - max).exp()).sum::<f64>().ln() + max;
    MemberScore {
        loss_sum: log_sum - v_out[label] as f64,
        correct: (hetero_core::network::feedforward::argmax(v_out) == label) as u64,
        hidden_spikes: spikes,
        images: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hetero_core::network::feedforward::{FixedWeights, NetworkConfig, NetworkShape, OutputLayer};
    use hetero_core::network::genome::{GenomeConfig, GenomeLayout, GenomeMode};
    use hetero_core::neuron::lif::{leaky_step, spiking_step};
    use hetero_core::rng::{stream_rng, Stream};
    use rand::Rng;

    /// The population's genomes: the centre plus uniform noise of width `spread`.
    fn population(
        layout: &GenomeLayout,
        net: &NetworkConfig,
        fixed: &FixedWeights,
        members: usize,
        spread: f32,
        seed: u64,
    ) -> Vec<f32> {
        let centre = layout.initial_centre(net, fixed);
        let mut rng = stream_rng(seed, Stream::Auxiliary, [9, 0, 0]);
        (0..members)
            .flat_map(|_| centre.iter().map(|&c| c + spread * (rng.random::<f32>() - 0.5)).collect::<Vec<_>>())
            .collect()
    }

    /// Eq. 2 written step by step with the library's layer functions and a dense output sum.
    fn reference(params: &PopulationParams, proj: Projection<'_>, labels: &[u8], steps: usize) -> Vec<(f64, u64, u64)> {
        let (h, o) = (params.shape.hidden, params.shape.outputs);
        (0..params.members())
            .map(|m| {
                let net = params.member(m);
                let (mut loss, mut correct, mut spikes) = (0.0, 0, 0);
                for (b, &label) in labels.iter().enumerate() {
                    let current = proj.row(m, b, h);
                    let mut v = net.hidden.v_rest.to_vec();
                    let mut v_out = net.output.v_rest.to_vec();
                    let mut s = vec![0.0; h];
                    let mut s_out = vec![0.0; o];
                    for _ in 0..steps {
                        spikes += spiking_step(&mut v, current, net.hidden, &mut s) as u64;
                        let out_current: Vec<f32> = (0..o)
                            .map(|k| {
                                let mut a = 0.0f32;
                                for j in 0..h {
                                    a += s[j] * net.w_out_t[k * h + j];
                                }
                                a
                            })
                            .collect();
                        if params.output_spiking {
                            spiking_step(&mut v_out, &out_current, net.output, &mut s_out);
                        } else {
                            leaky_step(&mut v_out, &out_current, net.output);
                        }
                    }
                    let max = v_out.iter().fold(f32::NEG_INFINITY, |a, &x| a.max(x)) as f64;
                    let lse = v_out.iter().map(|&x| (x as f64 - max).exp()).sum::<f64>().ln() + max;
                    loss += lse - v_out[label as usize] as f64;
                    correct += (hetero_core::network::feedforward::argmax(&v_out) == label as usize) as u64;
                }
                (loss, correct, spikes)
            })
            .collect()
    }

    pub(super) fn setup(
        hidden: usize,
        mode: GenomeMode,
        output: OutputLayer,
        members: usize,
        images: usize,
    ) -> (PopulationParams, Vec<f32>, Vec<u8>) {
        let shape = NetworkShape { inputs: 12, hidden, outputs: 10 };
        let net = NetworkConfig { hidden, output, ..Default::default() };
        let fixed = FixedWeights::lecun(shape, 4);
        let layout =
            GenomeLayout::new(shape, output, &GenomeConfig { mode, output_neurons: true, ..Default::default() });
        let genomes = population(&layout, &net, &fixed, members, 0.6, hidden as u64);
        let params = PopulationParams::build(&layout, &net, &fixed, &genomes, members);
        let mut rng = stream_rng(1, Stream::Auxiliary, [8, hidden as u64, 0]);
        let x: Vec<f32> = (0..images * 12).map(|_| 3.0 * rng.random::<f32>()).collect();
        let labels: Vec<u8> = (0..images).map(|_| rng.random_range(0..10u8)).collect();
        (params, x, labels)
    }

    #[test]
    fn hand_computed_single_neuron() {
        // One input at 1.0, w_in = 2 → I = 2; τ = 20 ms, Δt = 5 ms → k = 0.25, R = 1, v_th = 0.5.
        // Step 1: u = 0.75·0 + 0.25·2 = 0.5 ≥ 0.5 → spike, reset to 0; step 2 the same.
        // Output (leaky, w_out = [1, −1]): v = 0.25, −0.25, then 0.75·0.25 + 0.25 = 0.4375, −0.4375.
        // Loss for label 0: ln(e^0.4375 + e^−0.4375) − 0.4375 = ln(1 + e^−0.875).
        let shape = NetworkShape { inputs: 1, hidden: 1, outputs: 2 };
        let net = NetworkConfig { hidden: 1, ..Default::default() };
        let fixed = FixedWeights { w_in: vec![2.0], w_out: vec![1.0, -1.0] };
        let layout = GenomeLayout::new(shape, OutputLayer::Leaky, &GenomeConfig::default());
        let params = PopulationParams::build(&layout, &net, &fixed, &layout.initial_centre(&net, &fixed), 1);
        let mut p = vec![0.0];
        project(&[1.0], 1, 1, &fixed.w_in, 1, &mut p);
        assert_eq!(p, [2.0]);
        let s = evaluate(&params, Projection { data: &p, row_stride: 1, member_stride: 0 }, &[0], 2)[0];
        assert_eq!(s.hidden_spikes, 2);
        assert_eq!(s.correct, 1);
        assert!((s.loss_sum - (1.0f64 + (-0.875f64).exp()).ln()).abs() < 1e-6, "{}", s.loss_sum);
        let s1 = evaluate(&params, Projection { data: &p, row_stride: 1, member_stride: 0 }, &[1], 2)[0];
        assert_eq!(s1.correct, 0);
        assert!((s1.loss_sum - (1.0f64 + (0.875f64).exp()).ln()).abs() < 1e-6);
    }

    #[test]
    fn batched_kernel_equals_the_step_by_step_reference() {
        for &hidden in &[1usize, 7, 64, 100, 131] {
            for (mode, output) in [
                (GenomeMode::Neuron, OutputLayer::Leaky),
                (GenomeMode::Weight, OutputLayer::Leaky),
                (GenomeMode::Both, OutputLayer::Spiking),
            ] {
                for steps in [1usize, 4, 9] {
                    let (members, images) = (11, 150);
                    let (params, x, labels) = setup(hidden, mode, output, members, images);
                    let mut buf = AVec::new(0);
                    let proj = project_batch(&params, &x, images, &mut buf);
                    let got = evaluate(&params, proj, &labels, steps);
                    let want = reference(&params, proj, &labels, steps);
                    for (m, (g, w)) in got.iter().zip(&want).enumerate() {
                        // Loss sums differ only by the order of the f64 additions (chunks).
                        assert!(
                            (g.loss_sum - w.0).abs() <= 1e-9 * w.0.abs().max(1.0),
                            "H {hidden} {mode:?} steps {steps} member {m}: {} vs {}",
                            g.loss_sum,
                            w.0
                        );
                        assert_eq!(
                            (g.correct, g.hidden_spikes, g.images),
                            (w.1, w.2, images as u64),
                            "H {hidden} {mode:?} steps {steps} member {m}"
                        );
                    }
                    assert!(got.iter().any(|g| g.hidden_spikes > 0), "the test should exercise spikes");
                }
            }
        }
    }

    #[test]
    fn projection_is_a_matrix_product_independent_of_threads() {
        let (rows, inner, cols) = (300, 784, 70);
        let mut rng = stream_rng(2, Stream::Auxiliary, [7, 0, 0]);
        let x: Vec<f32> = (0..rows * inner).map(|_| rng.random()).collect();
        let w: Vec<f32> = (0..inner * cols).map(|_| rng.random::<f32>() - 0.5).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut out = vec![0.0f32; rows * cols];
            pool.install(|| project(&x, rows, inner, &w, cols, &mut out));
            out
        };
        let one = run(1);
        for (i, &got) in one.iter().enumerate() {
            let (r, c) = (i / cols, i % cols);
            let want: f64 = (0..inner).map(|k| x[r * inner + k] as f64 * w[k * cols + c] as f64).sum();
            assert!((got as f64 - want).abs() < 1e-4 * (1.0 + want.abs()), "({r},{c}) {got} vs {want}");
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&run(2)));
        assert_eq!(bits(&one), bits(&run(3)));
    }

    #[test]
    fn evaluation_is_independent_of_threads() {
        let (params, x, labels) = setup(77, GenomeMode::Weight, OutputLayer::Leaky, 19, 300);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut buf = AVec::new(0);
                let proj = project_batch(&params, &x, 300, &mut buf);
                let scores = evaluate(&params, proj, &labels, 4);
                let detailed = evaluate_with_counts(&params, 5, proj, &labels, 4, 10);
                (scores, detailed)
            })
        };
        let (a, b) = (run(1), run(3));
        assert_eq!(a, b);
        // The detailed evaluation of a member equals its population score, and counts add up.
        assert_eq!(a.1 .0, a.0[5]);
        assert_eq!(a.1 .1.counts.iter().sum::<u64>(), a.0[5].hidden_spikes);
        assert_eq!(a.1 .1.images.iter().sum::<u64>(), 300);
    }

    #[test]
    fn silent_fraction_and_rates() {
        let c = SpikeCounts { hidden: 3, counts: vec![0, 4, 0, 0, 2, 0], images: vec![2, 1] };
        assert!((c.silent_fraction() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.rate(0, 1, 4) - 0.5).abs() < 1e-12);
        assert!((c.rate(1, 1, 4) - 0.5).abs() < 1e-12);
    }
}
