//! Image classification with a population of LIF networks (Paper A §4.5, SPEC §6 MNIST).
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

mod problem;

pub use problem::{
    classifier_model, draw_minibatch, evaluate_genome_on_test, is_classification, load_dataset, project_batch,
    rate_neurons, read_accuracy, read_rates, AccuracyRow, ImageProblem, RateHistory, ACCURACY_FILE, RATES_FILE,
};

use crate::network::genome::{MemberNetwork, PopulationParams};
use crate::neuron::lif::CoefficientsView;
use aligned_vec::{avec, AVec};
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
            crate::machine::clean_upper_vector_state(); // after the projection GEMM
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

/// One member's output-layer coefficients (see [`LifCoefficients`](crate::neuron::lif::LifCoefficients)),
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
    /// [`leaky_step`](crate::neuron::lif::leaky_step) (or [`spiking_step`](crate::neuron::lif::spiking_step))
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
        correct: (crate::network::feedforward::argmax(v_out) == label) as u64,
        hidden_spikes: spikes,
        images: 1,
    }
}

/// All `acc.len()` Eq. 2 steps of the hidden layer for one image, from v = v_rest, as
/// [`spiking_step`](crate::neuron::lif::spiking_step) computes them (u = (decay·v + gain·I) + drive). The input current is
/// constant, so each neuron's whole trajectory stays in registers; the output row of every
/// neuron that fires at step t is added to `acc[t]`, in neuron order. Returns the spike count.
#[inline]
fn hidden_steps(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    hidden_steps_with(Kernel::best(), current, c, w_rows, acc, counts, lists)
}

/// The hidden-layer kernels; all compute the same bits (separate multiply and add, no FMA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust, any CPU.
    Portable,
    /// 8 neurons per instruction (x86-64 with AVX2).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// 16 neurons per instruction, compare-into-mask-register, spike lists by `vpcompressw`
    /// (x86-64 with AVX-512F, BW and VBMI2: Ice Lake and later, Zen 4 and later).
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    /// The fastest kernel this CPU runs, or the one `HETERO_KERNEL` (portable | avx2 | avx512)
    /// names if this CPU runs it (for before/after measurements; results are the same bits).
    /// Decided once per process.
    #[inline]
    pub fn best() -> Kernel {
        static CHOSEN: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
        *CHOSEN.get_or_init(|| {
            let available = Kernel::available();
            let wanted = std::env::var("HETERO_KERNEL")
                .ok()
                .and_then(|name| available.iter().copied().find(|k| k.name() == name));
            wanted.unwrap_or(*available.last().expect("portable is always available"))
        })
    }

    /// portable | avx2 | avx512.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => "avx512",
        }
    }

    /// Every kernel this CPU runs, portable first.
    pub fn available() -> Vec<Kernel> {
        let mut v = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                v.push(Kernel::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vbmi2")
            {
                v.push(Kernel::Avx512);
            }
        }
        v
    }
}

/// [`hidden_steps`] with a chosen kernel, which must be one of [`Kernel::available`].
fn hidden_steps_with(
    kernel: Kernel,
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    // The step count is a constant of each kernel instance, so the per-step spike masks live
    // in registers; longer runs use the reference kernel.
    macro_rules! by_steps {
        ($f:ident) => {
            match acc.len() {
                1 => $f::<1>(current, c, w_rows, acc, counts, lists),
                2 => $f::<2>(current, c, w_rows, acc, counts, lists),
                3 => $f::<3>(current, c, w_rows, acc, counts, lists),
                4 => $f::<4>(current, c, w_rows, acc, counts, lists),
                5 => $f::<5>(current, c, w_rows, acc, counts, lists),
                6 => $f::<6>(current, c, w_rows, acc, counts, lists),
                7 => $f::<7>(current, c, w_rows, acc, counts, lists),
                8 => $f::<8>(current, c, w_rows, acc, counts, lists),
                _ => hidden_steps_reference(current, c, w_rows, acc, counts),
            }
        };
    }
    match kernel {
        // SAFETY: the caller picked the kernel from `Kernel::available`, so the CPU has the
        // instructions.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { by_steps!(hidden_steps_avx512) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { by_steps!(hidden_steps_avx2) },
        Kernel::Portable => by_steps!(hidden_steps_portable),
    }
}

/// Adds the output rows of the neurons set in `mask` (neuron `base + bit`) to `acc`, and counts
/// their spikes.
#[inline(always)]
fn add_rows(mut mask: u64, base: usize, w_rows: &[f32], acc: &mut [f32; OUT_PAD], counts: &mut Option<&mut [u64]>) {
    while mask != 0 {
        let j = base + mask.trailing_zeros() as usize;
        let row = &w_rows[j * OUT_PAD..(j + 1) * OUT_PAD];
        for k in 0..OUT_PAD {
            acc[k] += row[k];
        }
        if let Some(c) = counts.as_deref_mut() {
            c[j] += 1;
        }
        mask &= mask - 1;
    }
}

/// One neuron's trajectory; sets bit `bit` of `masks[t]` when it fires at step t.
#[inline(always)]
fn neuron_trajectory(i: usize, bit: usize, current: &[f32], c: &CoefficientsView<'_>, masks: &mut [u64]) {
    let g = c.gain[i] * current[i];
    let mut v = c.v_rest[i];
    for mask in masks.iter_mut() {
        let u = c.decay[i] * v + g + c.drive[i];
        let fire = u >= c.v_th[i];
        v = if fire { c.v_rest[i] } else { u };
        *mask |= (fire as u64) << bit;
    }
}

/// The reference kernel: neuron by neuron with the reset, 64 neurons at a time into one mask per
/// step, then their output rows; any step count. The other kernels are tested against it.
fn hidden_steps_reference(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    mut counts: Option<&mut [u64]>,
) -> u64 {
    let n = c.decay.len();
    let steps = acc.len();
    let mut masks = [0u64; MAX_STEPS];
    let mut total = 0u64;
    let mut base = 0;
    while base < n {
        let end = (base + 64).min(n);
        masks[..steps].fill(0);
        for i in base..end {
            neuron_trajectory(i, i - base, current, &c, &mut masks[..steps]);
        }
        for (t, &mask) in masks[..steps].iter().enumerate() {
            total += mask.count_ones() as u64;
            add_rows(mask, base, w_rows, &mut acc[t], &mut counts);
        }
        base = end;
    }
    total
}

/// Checks the list kernels' inputs (`steps` accumulators, every array at least one entry per
/// neuron, neuron numbers that fit in u16) and sizes `lists` for one list per step; returns the
/// list stride: room for every neuron plus the 32 entries a vector store may write past a list's
/// end.
#[inline(always)]
fn list_stride(
    current: &[f32],
    c: &CoefficientsView<'_>,
    w_rows: &[f32],
    accumulators: usize,
    steps: usize,
    lists: &mut AVec<u16>,
) -> usize {
    let n = c.decay.len();
    assert!(current.len() >= n && c.gain.len() >= n && c.drive.len() >= n && c.v_th.len() >= n && c.v_rest.len() >= n);
    assert!(w_rows.len() >= n * OUT_PAD && accumulators == steps && n <= u16::MAX as usize + 1);
    let stride = n + 32;
    if lists.len() < steps * stride {
        lists.resize(steps * stride, 0);
    }
    stride
}

/// Adds one to `counts[j]` for every entry j of the step lists, and returns the spike total.
#[inline(always)]
fn count_listed(counts: Option<&mut [u64]>, lists: &[u16], stride: usize, lens: &[usize]) -> u64 {
    if let Some(cn) = counts {
        for (t, &len) in lens.iter().enumerate() {
            for &j in &lists[t * stride..t * stride + len] {
                cn[j as usize] += 1;
            }
        }
    }
    lens.iter().sum::<usize>() as u64
}

/// Lanes of the portable kernel's fixed-size arrays (the compiler vectorizes them: SSE2, NEON).
const LANES: usize = 16;

/// The portable kernel: the scheme of [`hidden_steps_avx512`] in plain Rust on fixed-size
/// arrays of [`LANES`] neurons (reset-free trajectories, per-step spike lists by table lookup,
/// the lists summed side by side in phases), so any CPU gets vector code and no branch on where
/// the spikes fall.
fn hidden_steps_portable<const S: usize>(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    let n = c.decay.len();
    let stride = list_stride(current, &c, w_rows, acc.len(), S, lists);
    let mut lens = [0usize; S];
    let lanes = |x: &[f32], i: usize| -> [f32; LANES] { x[i..i + LANES].try_into().expect("LANES values") };
    let mut base = 0;
    while base < n {
        let end = (base + 64).min(n);
        let mut crossed = [0u64; S];
        let mut i = base;
        while i + LANES <= end {
            let (decay, gain, input, drive, v_th) =
                (lanes(c.decay, i), lanes(c.gain, i), lanes(current, i), lanes(c.drive, i), lanes(c.v_th, i));
            let g: [f32; LANES] = std::array::from_fn(|l| gain[l] * input[l]);
            let mut v = lanes(c.v_rest, i);
            for mask in crossed.iter_mut() {
                let mut bits = 0u64;
                for l in 0..LANES {
                    v[l] = decay[l] * v[l] + g[l] + drive[l];
                    bits |= ((v[l] >= v_th[l]) as u64) << l;
                }
                *mask |= bits << (i - base);
            }
            i += LANES;
        }
        let mut masks = spikes_from_crossings(crossed);
        for i in i..end {
            neuron_trajectory(i, i - base, current, &c, &mut masks);
        }
        for (t, &mask) in masks.iter().enumerate() {
            let list = &mut lists[t * stride..(t + 1) * stride];
            for byte in 0..8 {
                let bits = ((mask >> (8 * byte)) & 0xff) as usize;
                let offset = (base + 8 * byte) as u16;
                let slot: &mut [u16; 8] = (&mut list[lens[t]..lens[t] + 8]).try_into().expect("8 slots");
                for (dst, &lane) in slot.iter_mut().zip(&BYTE_LANES[bits]) {
                    *dst = lane.wrapping_add(offset);
                }
                lens[t] += bits.count_ones() as usize;
            }
        }
        base = end;
    }
    let mut order: [usize; S] = std::array::from_fn(|t| t);
    order.sort_unstable_by_key(|&t| lens[t]);
    let mut sums: [[f32; OUT_PAD]; S] = std::array::from_fn(|q| acc[order[q]]);
    let mut k = 0;
    for p in 0..S {
        let end = lens[order[p]];
        while k < end {
            for q in p..S {
                let j = lists[order[q] * stride + k] as usize;
                let row: &[f32; OUT_PAD] = w_rows[j * OUT_PAD..(j + 1) * OUT_PAD].try_into().expect("one row");
                for (a, &w) in sums[q].iter_mut().zip(row) {
                    *a += w;
                }
            }
            k += 1;
        }
    }
    for q in 0..S {
        acc[order[q]] = sums[q];
    }
    count_listed(counts, lists, stride, &lens)
}

/// The AVX2 kernel: the same arithmetic as [`hidden_steps_reference`], 8 neurons per
/// instruction, four vectors (32 neurons) at a time, and the AVX-512 kernel's scheme
/// ([`hidden_steps_avx512`]): reset-free trajectories, per-step spike lists, the lists summed side
/// by side. AVX2 has no compress, so a list grows by a table lookup per 8 neurons
/// ([`BYTE_LANES`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn hidden_steps_avx2<const S: usize>(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    use std::arch::x86_64::*;
    let n = c.decay.len();
    let stride = list_stride(current, &c, w_rows, acc.len(), S, lists);
    let mut lens = [0usize; S];
    let mut base = 0;
    while base < n {
        let end = (base + 64).min(n);
        // crossed[t]: the neuron's reset-free trajectory is at or above threshold at step t.
        let mut crossed = [0u64; S];
        let mut i = base;
        // SAFETY: every load below is at an index + 8 ≤ end ≤ n; list_stride checked the lengths.
        while i + 32 <= end {
            let mut decay = [_mm256_setzero_ps(); 4];
            let mut g = decay;
            let mut drive = decay;
            let mut v_th = decay;
            let mut v = decay;
            for q in 0..4 {
                let k = i + 8 * q;
                decay[q] = _mm256_loadu_ps(c.decay.as_ptr().add(k));
                g[q] = _mm256_mul_ps(_mm256_loadu_ps(c.gain.as_ptr().add(k)), _mm256_loadu_ps(current.as_ptr().add(k)));
                drive[q] = _mm256_loadu_ps(c.drive.as_ptr().add(k));
                v_th[q] = _mm256_loadu_ps(c.v_th.as_ptr().add(k));
                v[q] = _mm256_loadu_ps(c.v_rest.as_ptr().add(k));
            }
            for mask in crossed.iter_mut() {
                let mut bits = [0u32; 4];
                for q in 0..4 {
                    v[q] = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(decay[q], v[q]), g[q]), drive[q]);
                    bits[q] = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(v[q], v_th[q])) as u32;
                }
                *mask |= (join_bytes(bits) as u64) << (i - base);
            }
            i += 32;
        }
        while i + 8 <= end {
            let decay = _mm256_loadu_ps(c.decay.as_ptr().add(i));
            let g = _mm256_mul_ps(_mm256_loadu_ps(c.gain.as_ptr().add(i)), _mm256_loadu_ps(current.as_ptr().add(i)));
            let drive = _mm256_loadu_ps(c.drive.as_ptr().add(i));
            let v_th = _mm256_loadu_ps(c.v_th.as_ptr().add(i));
            let mut v = _mm256_loadu_ps(c.v_rest.as_ptr().add(i));
            for mask in crossed.iter_mut() {
                v = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(decay, v), g), drive);
                *mask |= (_mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(v, v_th)) as u32 as u64) << (i - base);
            }
            i += 8;
        }
        let mut masks = spikes_from_crossings(crossed);
        for i in i..end {
            neuron_trajectory(i, i - base, current, &c, &mut masks);
        }
        for (t, &mask) in masks.iter().enumerate() {
            let list = lists.as_mut_ptr().add(t * stride);
            for byte in 0..8 {
                let bits = ((mask >> (8 * byte)) & 0xff) as usize;
                // SAFETY: lens[t] + 8 ≤ (neurons listed so far) + 8 ≤ stride.
                let lanes = _mm_add_epi16(
                    _mm_loadu_si128(BYTE_LANES[bits].as_ptr() as *const __m128i),
                    _mm_set1_epi16((base + 8 * byte) as u16 as i16),
                );
                _mm_storeu_si128(list.add(lens[t]) as *mut __m128i, lanes);
                lens[t] += bits.count_ones() as usize;
            }
        }
        base = end;
    }
    // Output rows, as in the AVX-512 kernel: the steps' lists side by side, in phases by length;
    // a row is two 8-wide vectors.
    let mut order: [usize; S] = std::array::from_fn(|t| t);
    order.sort_unstable_by_key(|&t| lens[t]);
    let rows = w_rows.as_ptr();
    let starts: [*const u16; S] = std::array::from_fn(|q| lists.as_ptr().add(order[q] * stride));
    let mut low: [__m256; S] = std::array::from_fn(|q| _mm256_loadu_ps(acc[order[q]].as_ptr()));
    let mut high: [__m256; S] = std::array::from_fn(|q| _mm256_loadu_ps(acc[order[q]].as_ptr().add(8)));
    let mut k = 0;
    for p in 0..S {
        let end = lens[order[p]];
        while k < end {
            for q in p..S {
                // SAFETY: k < lens[order[q]] for q ≥ p; list entries are neuron numbers < n.
                let row = rows.add(*starts[q].add(k) as usize * OUT_PAD);
                low[q] = _mm256_add_ps(low[q], _mm256_loadu_ps(row));
                high[q] = _mm256_add_ps(high[q], _mm256_loadu_ps(row.add(8)));
            }
            k += 1;
        }
    }
    for q in 0..S {
        _mm256_storeu_ps(acc[order[q]].as_mut_ptr(), low[q]);
        _mm256_storeu_ps(acc[order[q]].as_mut_ptr().add(8), high[q]);
    }
    count_listed(counts, lists, stride, &lens)
}

/// Four 8-lane `movemask` results as one 32-bit mask (`bits[q]` in bits 8q..8q+8), in scalar
/// registers: the compiler otherwise assembles such words with vector shuffles.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn join_bytes(bits: [u32; 4]) -> u32 {
    let joined: u32;
    // SAFETY: register-only integer instructions.
    unsafe {
        std::arch::asm!(
            "shl {b1:e}, 8",
            "shl {b2:e}, 16",
            "shl {b3:e}, 24",
            "or {b0:e}, {b1:e}",
            "or {b2:e}, {b3:e}",
            "or {b0:e}, {b2:e}",
            b0 = inout(reg) bits[0] => joined,
            b1 = inout(reg) bits[1] => _,
            b2 = inout(reg) bits[2] => _,
            b3 = inout(reg) bits[3] => _,
            options(pure, nomem, nostack),
        );
    }
    joined
}

/// For each 8-bit spike mask, the positions of its set bits (ascending), then zeros: the AVX2
/// and portable kernels' compress by table lookup.
static BYTE_LANES: [[u16; 8]; 256] = {
    let mut table = [[0u16; 8]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut bit, mut count) = (0, 0);
        while bit < 8 {
            if mask & (1 << bit) != 0 {
                table[mask][count] = bit as u16;
                count += 1;
            }
            bit += 1;
        }
        mask += 1;
    }
    table
};

/// Spike masks from the steps at which each neuron's reset-free trajectory is at or above
/// threshold. With a constant input current, a neuron that fires is reset to exactly v_rest, its
/// starting state, so its trajectory repeats: if it first fires at step k (1-based) it fires at
/// every multiple of k and at no other step, and until then it follows the reset-free trajectory
/// bit for bit. So a neuron fires at step t if its first crossing is at a divisor of t.
#[inline(always)]
fn spikes_from_crossings<const S: usize>(crossed: [u64; S]) -> [u64; S] {
    let mut first = [0u64; S];
    let mut before = 0u64;
    for t in 0..S {
        first[t] = crossed[t] & !before;
        before |= crossed[t];
    }
    let mut spikes = [0u64; S];
    for t in 0..S {
        for k in 0..=t {
            if (t + 1) % (k + 1) == 0 {
                spikes[t] |= first[k];
            }
        }
    }
    spikes
}

/// The four 16-lane compare masks of a 64-neuron block as one 64-bit mask (`k[q]` in bits
/// 16q..16q+16), with mask-register unpacks. Written in assembly because the compiler otherwise
/// moves each mask to a general register and assembles the words with vector inserts and
/// shifts, which took more issue slots than the neuron arithmetic.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
unsafe fn concat_masks(k: [u16; 4]) -> u64 {
    let mask: u64;
    // SAFETY: register-only AVX-512BW mask instructions; the caller's target features include
    // avx512bw.
    unsafe {
        std::arch::asm!(
            "kunpckwd {low}, {k1}, {k0}",
            "kunpckwd {high}, {k3}, {k2}",
            "kunpckdq {low}, {high}, {low}",
            "kmovq {mask}, {low}",
            k0 = in(kreg) k[0],
            k1 = in(kreg) k[1],
            k2 = in(kreg) k[2],
            k3 = in(kreg) k[3],
            low = out(kreg) _,
            high = out(kreg) _,
            mask = out(reg) mask,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    mask
}

/// The AVX-512 kernel: the same arithmetic as [`hidden_steps_reference`], 16 neurons per
/// instruction, four independent chains (one 64-neuron block).
///
/// - Dynamics: each neuron's reset-free trajectory, one multiply and two adds per step with the
///   compare off the dependency chain; the spikes follow from its threshold crossings
///   ([`spikes_from_crossings`]). The four compare masks of a block are joined in mask registers
///   ([`concat_masks`]).
/// - Output rows, in a second pass: each step's firing neurons are compressed (`vpcompressw`)
///   into one index list for the whole layer, in neuron order, and the steps' lists are summed
///   side by side, so their adds are independent chains and no branch depends on where the
///   spikes fall. (A per-block loop over the mask bits mispredicted its exit about once per
///   block and step, and its single chain of adds ran at the add latency.)
///
/// Needs 64-byte aligned coefficients, currents and rows for full speed (unaligned 512-bit
/// loads split cache lines), as [`LifCoefficients`](crate::neuron::lif::LifCoefficients),
/// [`project_batch`] and [`padded_rows`] provide.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
unsafe fn hidden_steps_avx512<const S: usize>(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    use std::arch::x86_64::*;
    let n = c.decay.len();
    let stride = list_stride(current, &c, w_rows, acc.len(), S, lists);
    let mut lens = [0usize; S];
    let lanes = _mm512_set_epi16(
        31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2,
        1, 0,
    );
    let mut base = 0;
    while base < n {
        let end = (base + 64).min(n);
        // crossed[t]: the neuron's reset-free trajectory is at or above threshold at step t.
        let mut crossed = [0u64; S];
        let mut i = base;
        // SAFETY: every load below is at an index + 16 ≤ end ≤ n; list_stride checked the lengths.
        if i + 64 <= end {
            let mut decay = [_mm512_setzero_ps(); 4];
            let mut g = decay;
            let mut drive = decay;
            let mut v_th = decay;
            let mut v = decay;
            for q in 0..4 {
                let k = i + 16 * q;
                decay[q] = _mm512_loadu_ps(c.decay.as_ptr().add(k));
                g[q] = _mm512_mul_ps(_mm512_loadu_ps(c.gain.as_ptr().add(k)), _mm512_loadu_ps(current.as_ptr().add(k)));
                drive[q] = _mm512_loadu_ps(c.drive.as_ptr().add(k));
                v_th[q] = _mm512_loadu_ps(c.v_th.as_ptr().add(k));
                v[q] = _mm512_loadu_ps(c.v_rest.as_ptr().add(k));
            }
            for mask in crossed.iter_mut() {
                let mut k = [0u16; 4];
                for q in 0..4 {
                    v[q] = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(decay[q], v[q]), g[q]), drive[q]);
                    k[q] = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(v[q], v_th[q]);
                }
                *mask = concat_masks(k);
            }
            i += 64;
        }
        while i + 16 <= end {
            let decay = _mm512_loadu_ps(c.decay.as_ptr().add(i));
            let g = _mm512_mul_ps(_mm512_loadu_ps(c.gain.as_ptr().add(i)), _mm512_loadu_ps(current.as_ptr().add(i)));
            let drive = _mm512_loadu_ps(c.drive.as_ptr().add(i));
            let v_th = _mm512_loadu_ps(c.v_th.as_ptr().add(i));
            let mut v = _mm512_loadu_ps(c.v_rest.as_ptr().add(i));
            for mask in crossed.iter_mut() {
                v = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(decay, v), g), drive);
                *mask |= (_mm512_cmp_ps_mask::<_CMP_GE_OQ>(v, v_th) as u64) << (i - base);
            }
            i += 16;
        }
        let mut masks = spikes_from_crossings(crossed);
        for i in i..end {
            neuron_trajectory(i, i - base, current, &c, &mut masks);
        }
        // The block's neuron numbers, 32 per vector (u16 lanes).
        let low = _mm512_add_epi16(lanes, _mm512_set1_epi16(base as u16 as i16));
        let high = _mm512_add_epi16(low, _mm512_set1_epi16(32));
        for (t, &mask) in masks.iter().enumerate() {
            // SAFETY: lens[t] + 32 ≤ (neurons listed so far) + 32 ≤ stride.
            let list = lists.as_mut_ptr().add(t * stride);
            let (m0, m1) = (mask as u32, (mask >> 32) as u32);
            _mm512_storeu_si512(list.add(lens[t]) as *mut _, _mm512_maskz_compress_epi16(m0, low));
            lens[t] += m0.count_ones() as usize;
            _mm512_storeu_si512(list.add(lens[t]) as *mut _, _mm512_maskz_compress_epi16(m1, high));
            lens[t] += m1.count_ones() as usize;
        }
        base = end;
    }
    // Output rows: each step's list in order into its own accumulator, the steps side by side.
    // With the lists ordered by length, phase p adds entry k of every list that still has one
    // (lists p.. in that order), so no slot is wasted on a finished list.
    let mut order: [usize; S] = std::array::from_fn(|t| t);
    order.sort_unstable_by_key(|&t| lens[t]);
    let rows = w_rows.as_ptr();
    let starts: [*const u16; S] = std::array::from_fn(|q| lists.as_ptr().add(order[q] * stride));
    let mut sums: [__m512; S] = std::array::from_fn(|q| _mm512_loadu_ps(acc[order[q]].as_ptr()));
    let mut k = 0;
    for p in 0..S {
        let end = lens[order[p]];
        while k < end {
            for q in p..S {
                // SAFETY: k < lens[order[q]] for q ≥ p; list entries are neuron numbers < n.
                let j = *starts[q].add(k) as usize;
                sums[q] = _mm512_add_ps(sums[q], _mm512_loadu_ps(rows.add(j * OUT_PAD)));
            }
            k += 1;
        }
    }
    for q in 0..S {
        _mm512_storeu_ps(acc[order[q]].as_mut_ptr(), sums[q]);
    }
    count_listed(counts, lists, stride, &lens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::feedforward::{FixedWeights, NetworkConfig, NetworkShape, OutputLayer};
    use crate::network::genome::{GenomeConfig, GenomeLayout, GenomeMode};
    use crate::neuron::lif::{leaky_step, spiking_step};
    use crate::rng::{stream_rng, Stream};
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
                    correct += (crate::network::feedforward::argmax(&v_out) == label as usize) as u64;
                }
                (loss, correct, spikes)
            })
            .collect()
    }

    fn setup(
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
    fn portable_and_simd_kernels_agree_to_the_bit() {
        // 203 = 3 full 64-neuron blocks + 11 scalar; 91 = 64 + 16 (one AVX-512 vector) + 8 + 3.
        for hidden in [203, 91] {
            kernels_agree(hidden);
        }
    }

    fn kernels_agree(hidden: usize) {
        let (params, x, _) = setup(hidden, GenomeMode::Neuron, OutputLayer::Leaky, 3, 20);
        let mut buf = AVec::new(0);
        let proj = project_batch(&params, &x, 20, &mut buf);
        let w_rows = padded_rows(&params.member(0), hidden, 10);
        let mut lists = AVec::new(0); // reused across calls, as in a real generation
        let mut most_spikes = 0;
        for m in 0..3 {
            for b in 0..20 {
                // 6 and 8 steps have neurons firing at every second, third and fourth step; 9 is
                // past the step counts the vector kernels are built for (they use the reference).
                for steps in [1usize, 4, 6, 8, 9] {
                    let current = proj.row(m, b, hidden);
                    let (mut a1, mut a2) = (vec![[0.0; OUT_PAD]; steps], vec![[0.0; OUT_PAD]; steps]);
                    let (mut c1, mut c2) = (vec![0u64; hidden], vec![0u64; hidden]);
                    let n2 = hidden_steps_reference(current, params.member(m).hidden, &w_rows, &mut a2, Some(&mut c2));
                    most_spikes = most_spikes.max(*c2.iter().max().unwrap());
                    let bits = |a: &Vec<[f32; OUT_PAD]>| a.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
                    for kernel in Kernel::available() {
                        a1.iter_mut().for_each(|a| *a = [0.0; OUT_PAD]);
                        c1.fill(0);
                        let n1 = hidden_steps_with(
                            kernel,
                            current,
                            params.member(m).hidden,
                            &w_rows,
                            &mut a1,
                            Some(&mut c1),
                            &mut lists,
                        );
                        assert_eq!(n1, n2, "{kernel:?}");
                        assert_eq!(c1, c2, "{kernel:?}");
                        assert_eq!(bits(&a1), bits(&a2), "{kernel:?}");
                    }
                }
            }
        }
        // The reset-free trajectories of the list kernels must get repeated firing right.
        assert!(most_spikes >= 5, "the test network must have neurons that fire repeatedly");
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
