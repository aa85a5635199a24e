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

use super::reservoir::{Activity, Kind, Recurrent, Reservoir};
use crate::invalid::InvalidValue;
use crate::rng::{stream_rng, Stream};
use rand_distr::{Distribution, StandardNormal};

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
        Ok(Self { base: first.clone(), k, lanes, alpha, fast_tanh: false })
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

    /// Runs all K conditions from rest over `stimulus` (T × D row-major) and returns, per
    /// condition, the features (T × N row-major) and activity counters — bit for bit what
    /// [`Reservoir::collect`] returns for that condition with `noise_keys[k]`. Every buffer is
    /// allocated before the time loop.
    pub fn collect(&self, stimulus: &[f64], noise_keys: &[u64]) -> (Vec<Vec<f64>>, Vec<Activity>) {
        assert_eq!(noise_keys.len(), self.k, "one noise key per condition");
        let d = self.base.config.inputs;
        assert_eq!(stimulus.len() % d, 0, "stimulus length is not a multiple of the input channels");
        let t_len = stimulus.len() / d;
        let n = self.base.config.n;
        let mut features: Vec<Vec<f64>> = (0..self.k).map(|_| vec![0.0; t_len * n]).collect();
        let mut activity = vec![Activity { samples: t_len as u64, ..Default::default() }; self.k];
        dispatch(self, stimulus, noise_keys, &mut features, &mut activity);
        (features, activity)
    }
}

fn dispatch(b: &ReservoirBatch, u: &[f64], keys: &[u64], f: &mut [Vec<f64>], a: &mut [Activity]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            unsafe { run_avx512(b, u, keys, f, a) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { run_avx2(b, u, keys, f, a) };
            return;
        }
    }
    run(b, u, keys, f, a)
}

/// [`run`] compiled for AVX-512F; FMA stays off, so results equal the portable path's.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512(b: &ReservoirBatch, u: &[f64], keys: &[u64], f: &mut [Vec<f64>], a: &mut [Activity]) {
    run(b, u, keys, f, a)
}

/// [`run`] compiled for AVX2; FMA stays off, so results equal the portable path's.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2(b: &ReservoirBatch, u: &[f64], keys: &[u64], f: &mut [Vec<f64>], a: &mut [Activity]) {
    run(b, u, keys, f, a)
}

#[inline(always)]
fn run(b: &ReservoirBatch, u: &[f64], keys: &[u64], f: &mut [Vec<f64>], a: &mut [Activity]) {
    match lane_width(b.k) {
        8 => run_lanes::<8>(b, u, keys, f, a),
        4 => run_lanes::<4>(b, u, keys, f, a),
        2 => run_lanes::<2>(b, u, keys, f, a),
        _ => run_lanes::<1>(b, u, keys, f, a),
    }
}

#[inline(always)]
fn run_lanes<const W: usize>(b: &ReservoirBatch, u: &[f64], keys: &[u64], f: &mut [Vec<f64>], a: &mut [Activity]) {
    match b.base.config.kind {
        Kind::Rate => rate::<W>(b, u, keys, f, a),
        Kind::Spiking => spiking(b, u, keys, f, a),
    }
}

/// drive_i = Σ_k Win_ik u_k + b_i (as the single network).
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

/// The rate network; `W` lanes per vector block.
#[inline(always)]
fn rate<const W: usize>(b: &ReservoirBatch, u: &[f64], keys: &[u64], features: &mut [Vec<f64>], act: &mut [Activity]) {
    let res = &b.base;
    let c = &res.config;
    let (n, d, lanes, k) = (c.n, c.inputs, b.lanes, b.k);
    let t_len = u.len() / d;
    let noise_amp = c.noise * c.dt_ms.sqrt();
    let mut noise_rngs: Vec<_> =
        keys.iter().map(|&key| stream_rng(res.seed, Stream::Auxiliary, [0xB4, key, 0])).collect();
    let mut drive = vec![0.0; n];
    let mut x = vec![0.0; n * lanes];
    let mut r = vec![0.0; n * lanes];
    let alpha = &b.alpha;
    for t in 0..t_len {
        input_drive(&res.w_in, &res.bias, &u[t * d..(t + 1) * d], &mut drive);
        match &res.recurrent {
            Recurrent::None => {
                for i in 0..n {
                    let di = drive[i];
                    let xs = &mut x[i * lanes..(i + 1) * lanes];
                    let al = &alpha[i * lanes..(i + 1) * lanes];
                    for l in 0..lanes {
                        xs[l] += al[l] * (-xs[l] + 0.0 + di);
                    }
                }
            }
            Recurrent::Sparse(w) => {
                for i in 0..n {
                    let (s, e) = (w.start[i], w.start[i + 1]);
                    let row = Row::Sparse(&w.values[s..e], &w.index[s..e]);
                    rate_row::<W>(
                        row,
                        &r,
                        &mut x[i * lanes..(i + 1) * lanes],
                        &alpha[i * lanes..(i + 1) * lanes],
                        drive[i],
                    );
                }
            }
            Recurrent::Dense(w) => {
                for i in 0..n {
                    let row = Row::Dense(&w[i * n..(i + 1) * n]);
                    rate_row::<W>(
                        row,
                        &r,
                        &mut x[i * lanes..(i + 1) * lanes],
                        &alpha[i * lanes..(i + 1) * lanes],
                        drive[i],
                    );
                }
            }
        }
        if noise_amp > 0.0 {
            for (m, rng) in noise_rngs.iter_mut().enumerate() {
                for i in 0..n {
                    let z: f64 = StandardNormal.sample(rng);
                    x[i * lanes + m] += noise_amp * z;
                }
            }
        }
        if b.fast_tanh {
            for (ri, xi) in r.iter_mut().zip(&x) {
                *ri = tanh_fast(*xi);
            }
        } else {
            for (ri, xi) in r.iter_mut().zip(&x) {
                *ri = xi.tanh();
            }
        }
        for (m, f) in features.iter_mut().enumerate().take(k) {
            let row = &mut f[t * n..(t + 1) * n];
            for i in 0..n {
                row[i] = r[i * lanes + m];
            }
        }
    }
    for a in act.iter_mut() {
        a.synaptic_events = res.nnz as u64 * t_len as u64;
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

/// One row of W: its non-zeros (values, columns) or all its entries.
#[derive(Clone, Copy)]
enum Row<'a> {
    Sparse(&'a [f64], &'a [u32]),
    Dense(&'a [f64]),
}

/// Lane blocks of `W` lanes accumulated together (independent dependency chains per entry).
const GROUP: usize = 4;

/// Row i of the rate update for every lane: rec = Σ_e W_e·r_{j(e)} in entry order, then the leak.
#[inline(always)]
fn rate_row<const W: usize>(row: Row<'_>, r: &[f64], x: &mut [f64], alpha: &[f64], drive: f64) {
    let lanes = x.len();
    let blocks = lanes / W;
    let mut b0 = 0;
    while b0 < blocks {
        match blocks - b0 {
            1 => rate_group::<W, 1>(row, r, x, alpha, drive, b0 * W),
            2 => rate_group::<W, 2>(row, r, x, alpha, drive, b0 * W),
            3 => rate_group::<W, 3>(row, r, x, alpha, drive, b0 * W),
            _ => rate_group::<W, GROUP>(row, r, x, alpha, drive, b0 * W),
        }
        b0 += GROUP;
    }
}

/// `G` blocks of `W` lanes from lane `o`: G·W accumulators, each summing the row's entries in order.
#[inline(always)]
fn rate_group<const W: usize, const G: usize>(
    row: Row<'_>,
    r: &[f64],
    x: &mut [f64],
    alpha: &[f64],
    drive: f64,
    o: usize,
) {
    let lanes = x.len();
    let mut acc = [[0.0f64; W]; G];
    match row {
        Row::Sparse(vals, idx) => {
            for (&v, &j) in vals.iter().zip(idx) {
                let base = j as usize * lanes + o;
                accumulate::<W, G>(&mut acc, v, &r[base..base + G * W]);
            }
        }
        Row::Dense(vals) => {
            for (j, &v) in vals.iter().enumerate() {
                let base = j * lanes + o;
                accumulate::<W, G>(&mut acc, v, &r[base..base + G * W]);
            }
        }
    }
    for (g, a) in acc.iter().enumerate() {
        let at = o + g * W;
        leak::<W>(&mut x[at..at + W], &alpha[at..at + W], a, drive);
    }
}

/// acc[g][l] += v · r[g·W + l]: one entry of W for G·W lanes (separate sums, no reordering).
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

/// The spiking network: per condition, the same event-driven input and update as the single one.
#[inline(always)]
fn spiking(b: &ReservoirBatch, u: &[f64], keys: &[u64], features: &mut [Vec<f64>], act: &mut [Activity]) {
    let res = &b.base;
    let c = &res.config;
    let (n, d, lanes, k) = (c.n, c.inputs, b.lanes, b.k);
    let t_len = u.len() / d;
    let noise_amp = c.noise * c.dt_ms.sqrt();
    let mut noise_rngs: Vec<_> =
        keys.iter().map(|&key| stream_rng(res.seed, Stream::Auxiliary, [0xB4, key, 0])).collect();
    let syn_decay = (-c.dt_ms / c.tau_syn_ms).exp();
    let filt_decay = (-c.dt_ms / c.tau_filter_ms).exp();
    let alpha = &b.alpha;
    let mut drive = vec![0.0; n];
    let mut v = vec![0.0; n * lanes];
    let mut syn = vec![0.0; n * lanes];
    let mut filt = vec![0.0; n * lanes];
    let mut noise = vec![0.0; if noise_amp > 0.0 { n * lanes } else { 0 }];
    let mut spiked: Vec<Vec<u32>> = (0..k).map(|_| Vec::with_capacity(n)).collect();
    let mut next: Vec<Vec<u32>> = (0..k).map(|_| Vec::with_capacity(n)).collect();
    for t in 0..t_len {
        input_drive(&res.w_in, &res.bias, &u[t * d..(t + 1) * d], &mut drive);
        for _ in 0..c.substeps {
            for s in &mut syn {
                *s *= syn_decay;
            }
            for (m, list) in spiked.iter().enumerate() {
                match &res.recurrent {
                    Recurrent::None => {}
                    Recurrent::Sparse(wt) => {
                        for &j in list {
                            let j = j as usize;
                            for e in wt.start[j]..wt.start[j + 1] {
                                syn[wt.index[e] as usize * lanes + m] += wt.values[e];
                            }
                            act[m].synaptic_events += (wt.start[j + 1] - wt.start[j]) as u64;
                        }
                    }
                    Recurrent::Dense(wt) => {
                        for &j in list {
                            let col = &wt[j as usize * n..(j as usize + 1) * n];
                            for i in 0..n {
                                syn[i * lanes + m] += col[i];
                            }
                            act[m].synaptic_events += n as u64;
                        }
                    }
                }
            }
            if noise_amp > 0.0 {
                for (m, rng) in noise_rngs.iter_mut().enumerate() {
                    for i in 0..n {
                        let z: f64 = StandardNormal.sample(rng);
                        noise[i * lanes + m] = noise_amp * z;
                    }
                }
            }
            // The arithmetic of every (neuron, lane), vectorised; then the threshold per condition.
            for i in 0..n {
                let di = drive[i];
                let o = i * lanes;
                let (vs, ss, al, fs) =
                    (&mut v[o..o + lanes], &syn[o..o + lanes], &alpha[o..o + lanes], &mut filt[o..o + lanes]);
                for l in 0..lanes {
                    vs[l] += al[l] * (-vs[l] + ss[l] + di);
                }
                if noise_amp > 0.0 {
                    for l in 0..lanes {
                        vs[l] += noise[o + l];
                    }
                }
                for f in fs.iter_mut() {
                    *f *= filt_decay;
                }
            }
            for list in &mut next {
                list.clear();
            }
            for i in 0..n {
                let o = i * lanes;
                for m in 0..k {
                    if v[o + m] >= 1.0 {
                        v[o + m] = 0.0;
                        filt[o + m] += 1.0;
                        next[m].push(i as u32);
                    }
                }
            }
            for m in 0..k {
                act[m].spikes += next[m].len() as u64;
            }
            std::mem::swap(&mut spiked, &mut next);
        }
        for (m, f) in features.iter_mut().enumerate().take(k) {
            let row = &mut f[t * n..(t + 1) * n];
            for i in 0..n {
                row[i] = filt[i * lanes + m];
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
        for (m, r) in members.iter().enumerate() {
            let (fs, a) = r.collect(&stim, keys[m]);
            let same = fs.iter().zip(&fb[m]).all(|(x, y)| x.to_bits() == y.to_bits());
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
        let err = a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
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
