//! K reservoirs at once: conditions that share W, Win, the bias and the stimulus and differ only
//! in their time constants τ (issue 20). Paper B's studies run every τ profile of a network seed
//! on the same weights ([`Reservoir::build`]: W, Win and b depend on (seed, N, p, D) only), so one
//! step of all K conditions is one product of W with an N × K block of states instead of K
//! matrix-vector products, and the leak is one vectorised pass over the (neuron, condition) block.
//!
//! Layout: the state of neuron i in condition k is at `i·L + k`, L = K rounded up to the lane
//! width (8, 4, 2 or 1; padded lanes have Δt/τ = 0 and stay at rest). Kernels, rate network:
//! ```text
//! rec_ik = Σ_{e ∈ row i of W} W_e · r_{j(e),k}        (CSR row loop, or dense row i, in column order)
//! x_ik  ← x_ik + α_ik·(−x_ik + rec_ik + drive_i) + √Δt·σ·ξ_ik,   r_ik = tanh(x_ik)
//! ```
//! with tanh from [`super::tanh`] (vectorised, the bits of glibc's), one pass over the block.
//! and the spiking network adds, per condition, the columns of Wᵀ of that condition's presynaptic
//! spikes (event-driven, as [`Reservoir::collect`]).
//!
//! **Bit-identity.** For every condition the floating-point operations are exactly those of
//! [`Reservoir::collect`] on that condition alone, in the same order: each recurrent sum starts at
//! 0 and adds the row's non-zeros (or the dense row's entries) in column order; the leak, noise,
//! tanh, threshold and filter are the same expressions; each condition's noise comes from its own
//! stream keyed like the single network's. Only the loop nest differs (conditions innermost), and
//! no FMA contraction happens (Rust never fuses `a * b + c`), so the SIMD builds (AVX2, AVX-512,
//! chosen at run time) give the same bits as the portable one. `tests` check it bit for bit: rate
//! and spiking, sparse, dense and no recurrence, with and without noise, K = 1…11.

use super::column_panels::ColumnPanels;
use super::lockstep;
use super::reservoir::{Activity, Kind, Recurrent, Reservoir};
use super::sliced_rows::{SlicedRows, SLICE};
use crate::invalid::InvalidValue;
use crate::rng::{stream_rng, Stream};
use rand_distr::{Distribution, StandardNormal};
use std::sync::atomic::AtomicBool;

/// K reservoirs that share every weight and differ only in τ; see the module documentation.
#[derive(Clone, Debug)]
pub struct ReservoirBatch {
    /// The shared network (weights, biases and configuration of condition 0).
    base: Reservoir,
    /// Conditions K.
    k: usize,
    /// Lanes L ≥ K per neuron (K rounded up to the lane width).
    lanes: usize,
    /// Δt/τ per (neuron, lane), N × L (0 in padded lanes).
    alpha: Vec<f64>,
    /// Rate features through [`tanh_fast`] instead of libm's `tanh` (not bit-identical).
    fast_tanh: bool,
    /// W in slices of 8 rows, for K = 1 rate networks ([`SlicedRows`]).
    sliced: Option<SlicedRows>,
    /// W in column panels, for K > 1 rate networks ([`ColumnPanels`]).
    panels: Option<ColumnPanels>,
}

/// Lane width for K conditions: 8, 4, 2 or 1 (the largest not above K).
fn lane_width(k: usize) -> usize {
    match k {
        0 | 1 => 1,
        2 | 3 => 2,
        4..=7 => 4,
        _ => 8,
    }
}

/// Bytes of the features of `k` conditions over `t_len` samples of `n` neurons (f64), the
/// largest allocation of [`ReservoirBatch::collect`].
pub fn feature_bytes(k: usize, t_len: usize, n: usize) -> u128 {
    k as u128 * t_len as u128 * n as u128 * 8
}

impl ReservoirBatch {
    /// Groups `members` (at least one), which must share the seed and every setting but the τ
    /// profile, so that their W, Win and b are the same; the error names what differs.
    pub fn new(members: &[Reservoir]) -> Result<Self, InvalidValue> {
        let Some(first) = members.first() else {
            return Err(InvalidValue::new("reservoir batch", 0, "needs at least one reservoir"));
        };
        for (m, r) in members.iter().enumerate().skip(1) {
            let mut c = r.config.clone();
            c.profile = first.config.profile;
            if c != first.config || r.seed != first.seed {
                return Err(InvalidValue::new(
                    "reservoir batch",
                    m,
                    "member differs from member 0 in more than its τ profile (seed, size, p, ρ, …)",
                ));
            }
            if r.w_in != first.w_in || r.bias != first.bias || r.nnz != first.nnz {
                return Err(InvalidValue::new("reservoir batch", m, "member's weights differ from member 0's"));
            }
        }
        let n = first.config.n;
        let k = members.len();
        let width = lane_width(k);
        let lanes = k.div_ceil(width) * width;
        let mut alpha = vec![0.0; n * lanes];
        for (m, r) in members.iter().enumerate() {
            for i in 0..n {
                alpha[i * lanes + m] = r.config.dt_ms / r.tau_ms[i];
            }
        }
        let sliced = match (&first.recurrent, first.config.kind, k) {
            (Recurrent::Sparse(w), Kind::Rate, 1) => Some(SlicedRows::from_csr(w)),
            (Recurrent::Dense(w), Kind::Rate, 1) => Some(SlicedRows::from_dense(w, n)),
            _ => None,
        };
        let width = ColumnPanels::width_for(lanes);
        let panels = match (&first.recurrent, first.config.kind, k) {
            (Recurrent::Sparse(w), Kind::Rate, 2..) => Some(ColumnPanels::from_csr(w, width)),
            (Recurrent::Dense(w), Kind::Rate, 2..) => Some(ColumnPanels::from_dense(w, n, width)),
            _ => None,
        };
        Ok(Self { base: first.clone(), k, lanes, alpha, fast_tanh: false, sliced, panels })
    }

    /// With `on`, the rate features are r = [`tanh_fast`]\(x) (vectorised, within 4 ulp of libm's
    /// `tanh`) instead of libm's scalar `tanh`: faster, but no longer bit-identical to
    /// [`Reservoir::collect`]. Off by default; the studies keep it off.
    pub fn with_fast_tanh(mut self, on: bool) -> Self {
        self.fast_tanh = on;
        self
    }

    /// Conditions K.
    pub fn len(&self) -> usize {
        self.k
    }

    /// Always false (a batch has at least one member).
    pub fn is_empty(&self) -> bool {
        self.k == 0
    }

    /// The shared network (condition 0).
    pub fn base(&self) -> &Reservoir {
        &self.base
    }

    /// Runs all K conditions from rest over `stimulus` (T × D row-major) and returns the features,
    /// K × T × N (condition-major, each condition's T × N row-major), and each condition's activity
    /// counters — bit for bit what [`Reservoir::collect`] returns for that condition with
    /// `noise_keys[k]`. One thread; see [`ReservoirBatch::collect_into`].
    pub fn collect(&self, stimulus: &[f64], noise_keys: &[u64]) -> (Vec<f64>, Vec<Activity>) {
        let t_len = stimulus.len() / self.base.config.inputs.max(1);
        let mut features = vec![0.0; self.k * t_len * self.base.config.n];
        let activity =
            self.collect_into(stimulus, noise_keys, 1, &AtomicBool::new(false), &mut features).expect("never stopped");
        (features, activity)
    }

    /// [`ReservoirBatch::collect`] into `features` (K × T × N) on `threads` threads (0 = as many
    /// as pay off, at most one per core: [`lockstep::threads_for`]; at most one per 8 neurons;
    /// spiking and noisy networks run on one). The rows of the network are split between the threads, which meet at
    /// a barrier after every step, so results never depend on the count. Gives up (`None`) at
    /// the first input sample after `stop` is set. Every buffer is allocated before the time loop.
    pub fn collect_into(
        &self,
        stimulus: &[f64],
        noise_keys: &[u64],
        threads: usize,
        stop: &AtomicBool,
        features: &mut [f64],
    ) -> Option<Vec<Activity>> {
        assert_eq!(noise_keys.len(), self.k, "one noise key per condition");
        let d = self.base.config.inputs;
        assert_eq!(stimulus.len() % d, 0, "stimulus length is not a multiple of the input channels");
        let t_len = stimulus.len() / d;
        let n = self.base.config.n;
        assert_eq!(features.len(), self.k * t_len * n, "features must hold K × T × N values");
        let mut activity = vec![Activity { samples: t_len as u64, ..Default::default() }; self.k];
        let c = &self.base.config;
        let threads = if c.kind == Kind::Spiking || c.noise > 0.0 {
            1
        } else if threads == 0 {
            lockstep::threads_for(self.base.nnz.max(n) * self.lanes, 0)
        } else {
            threads.min(n.div_ceil(SLICE)).max(1)
        };
        let done = dispatch(self, stimulus, noise_keys, threads, stop, features, &mut activity);
        done.then_some(activity)
    }
}

impl Reservoir {
    /// Runs the reservoir from rest over `stimulus` (T × D row-major) and returns the features
    /// (T × N row-major, one row per input sample) and the activity counters. `noise_key` seeds the
    /// noise stream (used only when σ > 0). One thread: the batched engine with K = 1.
    pub fn collect(&self, stimulus: &[f64], noise_key: u64) -> (Vec<f64>, Activity) {
        self.collect_until(stimulus, noise_key, 1, &AtomicBool::new(false)).expect("never stopped")
    }

    /// [`Reservoir::collect`] on `threads` threads (0 = as many as pay off; see
    /// [`ReservoirBatch::collect_into`]; the same result for any count) that gives up (`None`)
    /// at the first input sample after `stop` is set (a caller's interrupt, e.g. Ctrl-C from Python).
    pub fn collect_until(
        &self,
        stimulus: &[f64],
        noise_key: u64,
        threads: usize,
        stop: &AtomicBool,
    ) -> Option<(Vec<f64>, Activity)> {
        let batch = ReservoirBatch::new(std::slice::from_ref(self)).expect("one reservoir is a batch");
        let t_len = stimulus.len() / self.config.inputs.max(1);
        let mut features = vec![0.0; t_len * self.config.n];
        let activity = batch.collect_into(stimulus, &[noise_key], threads, stop, &mut features)?;
        Some((features, activity[0]))
    }

    /// [`Reservoir::collect`] for several τ vectors on these weights (each N values, clipped at
    /// Δt as [`Reservoir::set_tau_ms`] clips), all in one [`ReservoirBatch`]: features P × T × N
    /// row-major, P = `taus.len()`, each profile's equal to its own `collect` bit for bit, and the
    /// activity summed over profiles. `threads` and `stop` as [`Reservoir::collect_until`].
    pub fn collect_many(
        &self,
        stimulus: &[f64],
        taus: &[Vec<f64>],
        noise_key: u64,
        threads: usize,
        stop: &AtomicBool,
    ) -> Result<Option<(Vec<f64>, Activity)>, InvalidValue> {
        let members = taus
            .iter()
            .map(|tau| {
                let mut r = self.clone();
                r.set_tau_ms(tau).map(|()| r)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if members.is_empty() {
            return Ok(Some((Vec::new(), Activity::default())));
        }
        let batch = ReservoirBatch::new(&members)?;
        let t_len = stimulus.len() / self.config.inputs.max(1);
        let mut features = vec![0.0; members.len() * t_len * self.config.n];
        let keys = vec![noise_key; members.len()];
        let Some(per) = batch.collect_into(stimulus, &keys, threads, stop, &mut features) else { return Ok(None) };
        let total = per.iter().fold(Activity::default(), |a, b| Activity {
            samples: a.samples + b.samples,
            spikes: a.spikes + b.spikes,
            synaptic_events: a.synaptic_events + b.synaptic_events,
        });
        Ok(Some((features, total)))
    }
}

/// Everything one run needs, passed down the instruction-set dispatch.
struct Job<'a> {
    b: &'a ReservoirBatch,
    u: &'a [f64],
    keys: &'a [u64],
    threads: usize,
    stop: &'a AtomicBool,
    features: &'a mut [f64],
    activity: &'a mut [Activity],
}

fn dispatch(
    b: &ReservoirBatch,
    u: &[f64],
    keys: &[u64],
    threads: usize,
    stop: &AtomicBool,
    features: &mut [f64],
    activity: &mut [Activity],
) -> bool {
    let job = Job { b, u, keys, threads, stop, features, activity };
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { run_avx512(job) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { run_avx2(job) };
        }
    }
    run(job)
}

/// [`run`] compiled for AVX-512F; FMA stays off, so results equal the portable path's.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512(job: Job<'_>) -> bool {
    run(job)
}

/// [`run`] compiled for AVX2; FMA stays off, so results equal the portable path's.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2(job: Job<'_>) -> bool {
    run(job)
}

#[inline(always)]
fn run(job: Job<'_>) -> bool {
    match (job.b.base.config.kind, lane_width(job.b.k)) {
        (Kind::Spiking, _) => spiking(job),
        (Kind::Rate, 8) => rate::<8>(job),
        (Kind::Rate, 4) => rate::<4>(job),
        (Kind::Rate, 2) => rate::<2>(job),
        (Kind::Rate, _) => rate::<1>(job),
    }
}

/// drive_i = Σ_k Win_ik u_k + b_i for the rows of `w_in` and `bias` given (as the single network).
#[inline(always)]
fn input_drive(w_in: &[f64], bias: &[f64], u: &[f64], drive: &mut [f64]) {
    let d = u.len();
    for i in 0..bias.len() {
        let mut s = bias[i];
        for k in 0..d {
            s += w_in[i * d + k] * u[k];
        }
        drive[i] = s;
    }
}

/// A buffer the threads of a [`lockstep`] run share: each writes only its own rows, and reads
/// rows others wrote only after the barrier that ends the step they were written in.
#[derive(Clone, Copy)]
struct Shared(*mut f64);
// SAFETY: see the type's documentation; `rate` upholds it.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

impl Shared {
    /// The element at `offset` (a method, so that closures capture the whole `Shared`).
    ///
    /// # Safety
    /// `offset` is within the buffer.
    unsafe fn at(self, offset: usize) -> *mut f64 {
        self.0.add(offset)
    }
}

/// What each thread of the rate network owns: its rows' input drive and recurrent sums, and
/// (thread 0 of a one-thread run with noise) the noise streams.
struct RateScratch {
    drive: Vec<f64>,
    rec: Vec<f64>,
    noise: Vec<rand_chacha::ChaCha8Rng>,
}

/// The rate network; `W` lanes per vector block. Rows are split between the threads in whole
/// slices of 8; states r live in two buffers (step t reads one and writes the other), each with
/// a zero slot after the last neuron for the sliced kernel's pads.
#[inline(always)]
fn rate<const W: usize>(job: Job<'_>) -> bool {
    let Job { b, u, keys, threads, stop, features, activity } = job;
    let res = &b.base;
    let c = &res.config;
    let (n, d, lanes, k) = (c.n, c.inputs, b.lanes, b.k);
    let t_len = u.len() / d;
    let noise_amp = c.noise * c.dt_ms.sqrt();
    let slices = n.div_ceil(SLICE);
    let bounds: Vec<usize> = (0..=threads).map(|p| (slices * p / threads * SLICE).min(n)).collect();
    let stride = (n + 1) * lanes;
    let mut x = vec![0.0; n * lanes];
    let mut r = vec![0.0; 2 * stride];
    let (xs, rs, fs) = (Shared(x.as_mut_ptr()), Shared(r.as_mut_ptr()), Shared(features.as_mut_ptr()));
    let alpha = &b.alpha;
    let init = |thread: usize| {
        let rows = bounds[thread + 1] - bounds[thread];
        let noise = if thread == 0 && noise_amp > 0.0 {
            keys.iter().map(|&key| stream_rng(res.seed, Stream::Auxiliary, [0xB4, key, 0])).collect()
        } else {
            Vec::new()
        };
        RateScratch { drive: vec![0.0; rows], rec: vec![0.0; rows * lanes], noise }
    };
    let leak_rows = rows_kernel::<W>();
    let step = |scratch: &mut RateScratch, thread: usize, t: usize| {
        let (lo, hi) = (bounds[thread], bounds[thread + 1]);
        let cur = t % 2;
        // SAFETY: during step t every thread only reads buffer `cur` of r (written in step t − 1,
        // before the barrier) and writes rows lo..hi of the other buffer, of x and of the
        // features; the row ranges of the threads are disjoint.
        let (r_cur, r_next, x) = unsafe {
            (
                std::slice::from_raw_parts(rs.at(cur * stride), stride),
                std::slice::from_raw_parts_mut(rs.at((1 - cur) * stride + lo * lanes), (hi - lo) * lanes),
                std::slice::from_raw_parts_mut(xs.at(lo * lanes), (hi - lo) * lanes),
            )
        };
        let drive = &mut scratch.drive;
        input_drive(&res.w_in[lo * d..hi * d], &res.bias[lo..hi], &u[t * d..(t + 1) * d], drive);
        let alpha = &alpha[lo * lanes..hi * lanes];
        // SAFETY: `leak_rows` was chosen for an instruction set this CPU has.
        unsafe { leak_rows(RowStep { b, r: r_cur, x: &mut *x, alpha, drive, rec: &mut scratch.rec, lo, hi }) };
        // Noise (one thread only): each condition's stream over its neurons in order.
        for (m, rng) in scratch.noise.iter_mut().enumerate() {
            for i in 0..hi - lo {
                let z: f64 = StandardNormal.sample(rng);
                x[i * lanes + m] += noise_amp * z;
            }
        }
        if b.fast_tanh {
            for (ri, xi) in r_next.iter_mut().zip(x.iter()) {
                *ri = tanh_fast(*xi);
            }
        } else {
            super::tanh::tanh_into(x, r_next);
        }
        for m in 0..k {
            // SAFETY: rows lo..hi of condition m's sample t, this thread's alone.
            let row = unsafe { std::slice::from_raw_parts_mut(fs.at((m * t_len + t) * n + lo), hi - lo) };
            for (i, f) in row.iter_mut().enumerate() {
                *f = r_next[i * lanes + m];
            }
        }
    };
    let done = lockstep::run(threads, t_len, stop, init, step);
    for a in activity.iter_mut() {
        a.synaptic_events = res.nnz as u64 * t_len as u64;
    }
    done
}

/// One step of rows lo..hi of the rate network, every lane: x ← x + α·(−x + W·r + drive).
struct RowStep<'a> {
    b: &'a ReservoirBatch,
    /// All states of the previous step (N + 1 blocks of L lanes, the last zero).
    r: &'a [f64],
    /// This range's rows of x, Δt/τ and the input drive.
    x: &'a mut [f64],
    alpha: &'a [f64],
    drive: &'a [f64],
    /// Scratch for the recurrent sums of this range.
    rec: &'a mut [f64],
    lo: usize,
    hi: usize,
}

/// [`leak_rows`] for one instruction set.
type LeakRows = unsafe fn(RowStep<'_>);

/// [`leak_rows`] compiled for the best instruction set this CPU has (the step closure itself is
/// compiled for the baseline, so the choice is made here, once per run). FMA stays off, so every
/// build gives the same bits.
fn rows_kernel<const W: usize>() -> LeakRows {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return leak_rows_avx512::<W>;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return leak_rows_avx2::<W>;
        }
    }
    leak_rows_portable::<W>
}

/// [`leak_rows`] for AVX-512F.
///
/// # Safety
/// The CPU supports AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn leak_rows_avx512<const W: usize>(step: RowStep<'_>) {
    leak_rows::<W>(step)
}

/// [`leak_rows`] for AVX2.
///
/// # Safety
/// The CPU supports AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn leak_rows_avx2<const W: usize>(step: RowStep<'_>) {
    leak_rows::<W>(step)
}

/// [`leak_rows`] for any CPU (an `unsafe fn` only to share the [`LeakRows`] type).
unsafe fn leak_rows_portable<const W: usize>(step: RowStep<'_>) {
    leak_rows::<W>(step)
}

/// Rows lo..hi of one rate step (see [`RowStep`]).
#[inline(always)]
fn leak_rows<const W: usize>(step: RowStep<'_>) {
    let RowStep { b, r, x, alpha, drive, rec, lo, hi } = step;
    let lanes = b.lanes;
    match (&b.sliced, &b.base.recurrent) {
        (Some(sliced), _) => {
            sliced.matvec_slices(lo / SLICE..hi.div_ceil(SLICE), r, rec);
            for i in 0..hi - lo {
                x[i] += alpha[i] * (-x[i] + rec[i] + drive[i]);
            }
        }
        (None, Recurrent::None) => {
            for i in 0..hi - lo {
                let di = drive[i];
                let xs = &mut x[i * lanes..(i + 1) * lanes];
                let al = &alpha[i * lanes..(i + 1) * lanes];
                for l in 0..lanes {
                    xs[l] += al[l] * (-xs[l] + 0.0 + di);
                }
            }
        }
        (None, _) => {
            let panels = b.panels.as_ref().expect("K > 1 rate networks with W have panels");
            let rows = hi - lo;
            let rec = &mut rec[..rows * lanes];
            rec.fill(0.0);
            for p in 0..panels.panels() {
                for i in lo..hi {
                    let (vals, idx) = panels.row(p, i);
                    if !vals.is_empty() {
                        panel_row::<W>(vals, idx, r, &mut rec[(i - lo) * lanes..(i - lo + 1) * lanes]);
                    }
                }
            }
            for i in 0..rows {
                for o in (0..lanes).step_by(W) {
                    let at = i * lanes + o;
                    let sums: &[f64; W] = rec[at..at + W].try_into().expect("lane block");
                    leak::<W>(&mut x[at..at + W], &alpha[at..at + W], sums, drive[i]);
                }
            }
        }
    }
}

/// Row i's entries of one panel added to its partial sums `rec` (L lanes), in entry order.
#[inline(always)]
fn panel_row<const W: usize>(vals: &[f64], idx: &[u32], r: &[f64], rec: &mut [f64]) {
    let blocks = rec.len() / W;
    let mut b0 = 0;
    while b0 < blocks {
        match blocks - b0 {
            1 => panel_group::<W, 1>(vals, idx, r, rec, b0 * W),
            2 => panel_group::<W, 2>(vals, idx, r, rec, b0 * W),
            3 => panel_group::<W, 3>(vals, idx, r, rec, b0 * W),
            _ => panel_group::<W, GROUP>(vals, idx, r, rec, b0 * W),
        }
        b0 += GROUP;
    }
}

/// `G` blocks of `W` lanes from lane `o`: the partial sums loaded, the entries added, stored.
#[inline(always)]
fn panel_group<const W: usize, const G: usize>(vals: &[f64], idx: &[u32], r: &[f64], rec: &mut [f64], o: usize) {
    let lanes = rec.len();
    let mut acc = [[0.0f64; W]; G];
    for (g, a) in acc.iter_mut().enumerate() {
        a.copy_from_slice(&rec[o + g * W..o + g * W + W]);
    }
    for (&v, &j) in vals.iter().zip(idx) {
        let base = j as usize * lanes + o;
        accumulate::<W, G>(&mut acc, v, &r[base..base + G * W]);
    }
    for (g, a) in acc.iter().enumerate() {
        rec[o + g * W..o + g * W + W].copy_from_slice(a);
    }
}

/// tanh without branches or library calls, so that a loop over it vectorises (our derivation):
/// tanh|x| = m/(m + 2) with m = e^{2|x|} − 1, and m = 2^k·p(r) + (2^k − 1) for 2|x| = k·ln 2 + r,
/// |r| ≤ ln 2 / 2, where p(r) = e^r − 1 is its Taylor polynomial to r¹³ (truncation below 10⁻¹⁷
/// relative); |x| is clamped at 20 (tanh 20 rounds to 1) and the sign copied back. Within 4 ulp
/// of libm's `tanh` (tested); NaN stays NaN.
#[inline(always)]
pub fn tanh_fast(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split: LN2_HI keeps 24 significant bits, so k·LN2_HI is exact for the k used here
    // (k ≤ 58); LN2_LO is the rest (exact in f64).
    const LN2_HI: f64 = f64::from_bits(std::f64::consts::LN_2.to_bits() & !((1u64 << 29) - 1));
    const LN2_LO: f64 = std::f64::consts::LN_2 - LN2_HI;
    // 1.5·2⁵²: adding it rounds a small non-negative number to an integer (kept in the low bits).
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let a = x.abs();
    let a = if a < 20.0 { a } else { 20.0 };
    let y = a + a;
    let shifted = y * LOG2E + SHIFT;
    let kf = shifted - SHIFT;
    let k = shifted.to_bits().wrapping_sub(SHIFT.to_bits());
    let r = (y - kf * LN2_HI) - kf * LN2_LO;
    // e^r − 1 = r + r²(1/2! + r(1/3! + … + r·1/13!)).
    const C: [f64; 12] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let mut q = C[11];
    for &c in C[..11].iter().rev() {
        q = q * r + c;
    }
    let p = r + r * r * q;
    let two_k = f64::from_bits(k.wrapping_add(1023) << 52);
    let m = two_k * p + (two_k - 1.0);
    let t = m / (m + 2.0);
    let t = f64::from_bits(t.to_bits() | (x.to_bits() & (1u64 << 63)));
    if x.is_nan() {
        x
    } else {
        t
    }
}

/// Lane blocks of `W` lanes accumulated together (independent dependency chains per entry).
const GROUP: usize = 4;

/// acc_gl += v · r_(g·W + l): one entry of W for G·W lanes (separate sums, no reordering).
#[inline(always)]
fn accumulate<const W: usize, const G: usize>(acc: &mut [[f64; W]; G], v: f64, r: &[f64]) {
    for (g, a) in acc.iter_mut().enumerate() {
        let rg: &[f64; W] = r[g * W..g * W + W].try_into().expect("lane block");
        for l in 0..W {
            a[l] += v * rg[l];
        }
    }
}

/// x ← x + α·(−x + rec + drive), one block of `W` lanes.
#[inline(always)]
fn leak<const W: usize>(x: &mut [f64], alpha: &[f64], rec: &[f64; W], drive: f64) {
    let x: &mut [f64; W] = x.try_into().expect("lane block");
    let alpha: &[f64; W] = alpha[..W].try_into().expect("lane block");
    for l in 0..W {
        x[l] += alpha[l] * (-x[l] + rec[l] + drive);
    }
}

/// The spiking network: per condition, the same event-driven input and update as the single
/// one. There is no weight to share between conditions (each scatters the columns of its own
/// spikes), so the state is condition-major (condition m's neurons contiguous) and each pass over
/// the neurons vectorises: synaptic decay, the leak and the filter decay first, then the
/// threshold, which only branches where some neuron reached it.
#[inline(always)]
fn spiking(job: Job<'_>) -> bool {
    let Job { b, u, keys, stop, features, activity: act, .. } = job;
    let res = &b.base;
    let c = &res.config;
    let (n, d, lanes, k) = (c.n, c.inputs, b.lanes, b.k);
    let t_len = u.len() / d;
    let noise_amp = c.noise * c.dt_ms.sqrt();
    let mut noise_rngs: Vec<_> =
        keys.iter().map(|&key| stream_rng(res.seed, Stream::Auxiliary, [0xB4, key, 0])).collect();
    let syn_decay = (-c.dt_ms / c.tau_syn_ms).exp();
    let filt_decay = (-c.dt_ms / c.tau_filter_ms).exp();
    // Δt/τ, condition-major.
    let alpha: Vec<f64> = (0..k).flat_map(|m| (0..n).map(move |i| b.alpha[i * lanes + m])).collect();
    let mut drive = vec![0.0; n];
    let mut v = vec![0.0; n * k];
    let mut syn = vec![0.0; n * k];
    let mut filt = vec![0.0; n * k];
    if let Recurrent::Sparse(wt) = &res.recurrent {
        // Checked once here so that the scatter below can index without checks (the fields are
        // public, so a hand-made matrix could hold anything).
        assert!(
            wt.start.len() == n + 1 && wt.index.iter().all(|&i| (i as usize) < n),
            "the spiking reservoir's Wᵀ has a row index outside 0..{n}"
        );
    }
    let mut spiked: Vec<Vec<u32>> = (0..k).map(|_| Vec::with_capacity(n)).collect();
    let mut next: Vec<Vec<u32>> = (0..k).map(|_| Vec::with_capacity(n)).collect();
    for t in 0..t_len {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return false;
        }
        input_drive(&res.w_in, &res.bias, &u[t * d..(t + 1) * d], &mut drive);
        for m in 0..k {
            let o = m * n;
            let (v, syn, filt, alpha) = (&mut v[o..o + n], &mut syn[o..o + n], &mut filt[o..o + n], &alpha[o..o + n]);
            for _ in 0..c.substeps {
                for s in syn.iter_mut() {
                    *s *= syn_decay;
                }
                match &res.recurrent {
                    Recurrent::None => {}
                    Recurrent::Sparse(wt) => {
                        let mut events = 0;
                        for &j in &spiked[m] {
                            let j = j as usize;
                            let (s, e) = (wt.start[j], wt.start[j + 1]);
                            for (&i, &w) in wt.index[s..e].iter().zip(&wt.values[s..e]) {
                                debug_assert!((i as usize) < syn.len());
                                // SAFETY: every index of Wᵀ is < n (asserted before the loop), and
                                // `syn` has n entries.
                                unsafe { *syn.get_unchecked_mut(i as usize) += w };
                            }
                            events += (e - s) as u64;
                        }
                        act[m].synaptic_events += events;
                    }
                    Recurrent::Dense(wt) => {
                        for &j in &spiked[m] {
                            let col = &wt[j as usize * n..(j as usize + 1) * n];
                            for i in 0..n {
                                syn[i] += col[i];
                            }
                            act[m].synaptic_events += n as u64;
                        }
                    }
                }
                if noise_amp > 0.0 {
                    let rng = &mut noise_rngs[m];
                    for i in 0..n {
                        v[i] += alpha[i] * (-v[i] + syn[i] + drive[i]);
                        let z: f64 = StandardNormal.sample(rng);
                        v[i] += noise_amp * z;
                    }
                } else {
                    for i in 0..n {
                        v[i] += alpha[i] * (-v[i] + syn[i] + drive[i]);
                    }
                }
                for f in filt.iter_mut() {
                    *f *= filt_decay;
                }
                let list = &mut next[m];
                list.clear();
                for (i0, block) in v.chunks_mut(8).enumerate() {
                    // Lanes at threshold as bits (one vector compare), then only those, in order.
                    let mut reached =
                        block.iter().enumerate().fold(0u32, |bits, (l, &x)| bits | (u32::from(x >= 1.0) << l));
                    while reached != 0 {
                        let l = reached.trailing_zeros() as usize;
                        reached &= reached - 1;
                        let i = i0 * 8 + l;
                        block[l] = 0.0;
                        filt[i] += 1.0;
                        list.push(i as u32);
                    }
                }
                act[m].spikes += list.len() as u64;
                std::mem::swap(&mut spiked[m], &mut next[m]);
            }
            features[(m * t_len + t) * n..(m * t_len + t + 1) * n].copy_from_slice(filt);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::reservoir_reference as reference;
    use super::*;
    use crate::network::reservoir::ReservoirConfig;
    use crate::neuron::heterogeneity::{Family, Profile};

    fn profiles(kind: Kind, k: usize) -> Vec<Profile> {
        let mean = if kind == Kind::Rate { 5.0 } else { 25.0 };
        let families = [Family::Homogeneous, Family::LogNormal, Family::Gamma, Family::Uniform, Family::LogUniform];
        (0..k)
            .map(|m| {
                let family = families[m % families.len()];
                let cv = if family == Family::Homogeneous { 0.0 } else { 0.25 * (1 + m % 4) as f64 };
                let cv = if family == Family::Uniform { cv.min(0.5) } else { cv };
                Profile { family, mean_ms: mean * (1.0 + 0.1 * (m / 5) as f64), cv }
            })
            .collect()
    }

    /// Batched K == K single runs, bit for bit (f64 bit patterns), features and activity.
    fn check(kind: Kind, n: usize, p: f64, recurrent: bool, noise: f64, k: usize, dense: bool) {
        let members: Vec<Reservoir> = profiles(kind, k)
            .into_iter()
            .map(|prof| {
                let mut c =
                    if kind == Kind::Rate { ReservoirConfig::rate(n, prof) } else { ReservoirConfig::spiking(n, prof) };
                c.p_connect = p;
                c.recurrent = recurrent;
                c.noise = noise;
                c.inputs = 2;
                let mut r = Reservoir::build(&c, 7).unwrap();
                if dense {
                    if let Recurrent::Sparse(w) = &r.recurrent {
                        r.recurrent = Recurrent::Dense(w.to_dense());
                    }
                }
                r
            })
            .collect();
        let batch = ReservoirBatch::new(&members).unwrap();
        let stim: Vec<f64> = (0..2 * 150).map(|t| (t as f64 * 0.37).sin() * 0.8 + 0.1 * (t % 7) as f64).collect();
        let keys: Vec<u64> = (0..k as u64).map(|m| 3 + m % 2).collect();
        let (fb, ab) = batch.collect(&stim, &keys);
        let per = fb.len() / k;
        for threads in [2, 3] {
            let mut ft = vec![f64::NAN; fb.len()];
            let at = batch.collect_into(&stim, &keys, threads, &AtomicBool::new(false), &mut ft).unwrap();
            assert!(ft.iter().zip(&fb).all(|(x, y)| x.to_bits() == y.to_bits()), "{threads} threads, k={k}");
            assert_eq!(at, ab);
        }
        assert!(batch.collect_into(&stim, &keys, 2, &AtomicBool::new(true), &mut vec![0.0; fb.len()]).is_none());
        for (m, r) in members.iter().enumerate() {
            let (fs, a) = reference::collect(r, &stim, keys[m]);
            let same = fs.iter().zip(&fb[m * per..(m + 1) * per]).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(
                same,
                "{kind:?} n={n} p={p} rec={recurrent} noise={noise} k={k} dense={dense}: condition {m} differs"
            );
            assert_eq!(a, ab[m], "{kind:?} k={k}: activity of condition {m}");
        }
        if kind == Kind::Spiking && recurrent {
            assert!(ab.iter().all(|a| a.spikes > 0));
        }
    }

    #[test]
    fn batched_rate_conditions_equal_single_runs_bit_for_bit() {
        for k in [1, 2, 3, 5, 8, 11] {
            for noise in [0.0, 0.05] {
                check(Kind::Rate, 37, 0.15, true, noise, k, false);
                check(Kind::Rate, 37, 0.15, true, noise, k, true);
                check(Kind::Rate, 30, 1.0, true, noise, k, false); // dense by density
                check(Kind::Rate, 20, 0.2, false, noise, k, false);
            }
        }
    }

    #[test]
    fn batched_spiking_conditions_equal_single_runs_bit_for_bit() {
        for k in [1, 2, 3, 8, 11] {
            for noise in [0.0, 0.05] {
                check(Kind::Spiking, 37, 0.15, true, noise, k, false);
                check(Kind::Spiking, 37, 0.15, true, noise, k, true);
                check(Kind::Spiking, 30, 1.0, true, noise, k, false);
                check(Kind::Spiking, 20, 0.2, false, noise, k, false);
            }
        }
    }

    #[test]
    fn fast_tanh_is_within_4_ulp_of_libm() {
        let ulp = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs();
        let mut worst = (0u64, 0.0);
        let mut x = 1e-300f64;
        while x < 40.0 {
            for v in [x, -x, x * 1.000_000_1, x * 0.999_999_3] {
                let (want, got) = (v.tanh(), tanh_fast(v));
                let e = ulp(want, got);
                if e > worst.0 {
                    worst = (e, v);
                }
            }
            x *= 1.001;
        }
        for i in 0..200_000 {
            let v = -8.0 + 16.0 * i as f64 / 200_000.0;
            let e = ulp(v.tanh(), tanh_fast(v));
            if e > worst.0 {
                worst = (e, v);
            }
        }
        assert!(worst.0 <= 4, "{} ulp at x = {}", worst.0, worst.1);
        assert!(tanh_fast(f64::NAN).is_nan());
        assert_eq!(tanh_fast(f64::INFINITY), 1.0);
        assert_eq!(tanh_fast(f64::NEG_INFINITY), -1.0);
        assert_eq!(tanh_fast(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh_fast(-0.0).to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn fast_tanh_batches_stay_close_to_libm_ones() {
        let members: Vec<Reservoir> = profiles(Kind::Rate, 8)
            .into_iter()
            .map(|prof| Reservoir::build(&ReservoirConfig::rate(50, prof), 4).unwrap())
            .collect();
        let stim: Vec<f64> = (0..400).map(|t| (t as f64 * 0.21).sin()).collect();
        let exact = ReservoirBatch::new(&members).unwrap();
        let fast = exact.clone().with_fast_tanh(true);
        let (a, _) = exact.collect(&stim, &[0; 8]);
        let (b, _) = fast.collect(&stim, &[0; 8]);
        let err = a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        assert!(err < 1e-12, "{err}");
    }

    #[test]
    fn members_with_other_weights_are_refused() {
        let prof = Profile { family: Family::Homogeneous, mean_ms: 5.0, cv: 0.0 };
        let a = Reservoir::build(&ReservoirConfig::rate(20, prof), 1).unwrap();
        let b = Reservoir::build(&ReservoirConfig::rate(20, prof), 2).unwrap();
        let mut c = ReservoirConfig::rate(20, prof);
        c.spectral_radius = 0.5;
        let c = Reservoir::build(&c, 1).unwrap();
        assert!(ReservoirBatch::new(&[a.clone(), b]).is_err());
        assert!(ReservoirBatch::new(&[a.clone(), c]).is_err());
        assert!(ReservoirBatch::new(&[]).is_err());
        assert_eq!(ReservoirBatch::new(&[a.clone(), a]).unwrap().len(), 2);
    }
}
