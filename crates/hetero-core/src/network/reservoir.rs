//! Reservoirs with quenched, heterogeneous time constants (Paper B; SPEC §1.2;
//! research/paper_b_methods.md §B1–B2). Weights and τ are drawn once from the network seed and
//! never trained; only a linear readout ([`crate::readout::ridge`]) is fitted on the states.
//!
//! Rate (leaky tanh), one Euler step Δt per input sample:
//! ```text
//! x_i ← x_i + (Δt/τ_i)·(−x_i + Σ_j W_ij r_j + Σ_k Win_ik u_k + b_i) + √Δt·σ·ξ_i,   r = tanh(x)
//! (tanh: network/tanh.rs, fdlibm's algorithm with glibc's bits on every platform)
//! ```
//! Spiking (LIF with only τ_m heterogeneous, current-based exponential synapses), `substeps`
//! Euler steps of Δt per input sample, the input held constant over them:
//! ```text
//! I_i ← e^{−Δt/τ_s}·I_i + g·Σ_j W_ij s_j(t−Δt)
//! v_i ← v_i + (Δt/τ_i)·(−v_i + I_i + Σ_k Win_ik u_k + b_i) + √Δt·σ·ξ_i
//! s_i = H(v_i − v_th), then v_i ← 0 where s_i = 1
//! f_i ← e^{−Δt/τ_f}·f_i + s_i           (features: filtered spike trains, read once per sample)
//! ```
//! W is Erdős–Rényi with connection probability p and N(0, 1) entries, rescaled so its
//! spectral radius (estimated by [`spectral_radius`], power iteration) equals the target ρ.
//! Recurrence can be switched off (W = 0). The recurrent product uses a sparse (CSR/CSC) kernel
//! below density [`DENSE_ABOVE`] and a dense one above it.

use crate::invalid::InvalidValue;
use crate::neuron::heterogeneity::Profile;
use crate::rng::{stream_rng, Stream};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Density (nnz / N²) above which the recurrent product uses the dense kernel.
pub const DENSE_ABOVE: f64 = 0.25;

/// Rate or spiking neurons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Leaky tanh rate neurons.
    Rate,
    /// LIF neurons with filtered spike trains as features.
    Spiking,
}

impl Kind {
    /// `rate` or `spiking`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rate => "rate",
            Kind::Spiking => "spiking",
        }
    }
}

/// Everything that defines a reservoir apart from its seed.
#[derive(Clone, Debug, PartialEq)]
pub struct ReservoirConfig {
    /// Rate or spiking.
    pub kind: Kind,
    /// Neurons N.
    pub n: usize,
    /// Input channels D.
    pub inputs: usize,
    /// Connection probability p of W.
    pub p_connect: f64,
    /// Target spectral radius ρ of W.
    pub spectral_radius: f64,
    /// False removes the recurrent connections (W = 0).
    pub recurrent: bool,
    /// Win entries ~ U(−s, s).
    pub input_scale: f64,
    /// Rate: b ~ N(0, s²). Spiking: b ~ U(bias_centre − s, bias_centre + s).
    pub bias_scale: f64,
    /// Spiking only: centre of the bias distribution (threshold units).
    pub bias_centre: f64,
    /// Noise σ (0 = deterministic states).
    pub noise: f64,
    /// Euler step Δt (ms).
    pub dt_ms: f64,
    /// τ profile (membrane / leak time constants), clipped at Δt.
    pub profile: Profile,
    /// Spiking only: Euler steps per input sample.
    pub substeps: usize,
    /// Spiking only: synaptic time constant τ_s (ms).
    pub tau_syn_ms: f64,
    /// Spiking only: feature filter time constant τ_f (ms).
    pub tau_filter_ms: f64,
    /// Spiking only: gain g on the recurrent spike input.
    pub spike_gain: f64,
}

impl ReservoirConfig {
    /// Defaults of the rate network: Δt = 1 ms, τ mean 5 ms, N(0,0.2²) bias, Win ~ U(−1, 1), p = 0.1, ρ = 0.9.
    pub fn rate(n: usize, profile: Profile) -> Self {
        Self {
            kind: Kind::Rate,
            n,
            inputs: 1,
            p_connect: 0.1,
            spectral_radius: 0.9,
            recurrent: true,
            input_scale: 1.0,
            bias_scale: 0.2,
            bias_centre: 0.0,
            noise: 0.0,
            dt_ms: 1.0,
            profile,
            substeps: 1,
            tau_syn_ms: 5.0,
            tau_filter_ms: 10.0,
            spike_gain: 1.0,
        }
    }

    /// Defaults of the spiking network: Δt = 1 ms, 5 steps per sample, τ_m mean 25 ms (5 samples,
    /// as the rate network), τ_s = 5 ms, τ_f = 10 ms, v_th = 1, bias ~ U(0.9, 1.3), Win ~ U(−1.5, 1.5).
    pub fn spiking(n: usize, profile: Profile) -> Self {
        Self {
            kind: Kind::Spiking,
            n,
            inputs: 1,
            p_connect: 0.1,
            spectral_radius: 0.9,
            recurrent: true,
            input_scale: 1.5,
            bias_scale: 0.2,
            bias_centre: 1.1,
            noise: 0.0,
            dt_ms: 1.0,
            profile,
            substeps: 5,
            tau_syn_ms: 5.0,
            tau_filter_ms: 10.0,
            spike_gain: 1.0,
        }
    }

    /// Checks sizes and ranges; the message names the field and value.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        self.profile.validate()?;
        for (field, value) in [("reservoir N", self.n), ("reservoir inputs", self.inputs), ("substeps", self.substeps)]
        {
            if value == 0 {
                return Err(InvalidValue::new(field, value, "must be at least 1"));
            }
        }
        if !(self.p_connect > 0.0 && self.p_connect <= 1.0) {
            return Err(InvalidValue::new("connection probability", self.p_connect, "must be in (0, 1]"));
        }
        if !(self.spectral_radius >= 0.0 && self.spectral_radius.is_finite()) {
            return Err(InvalidValue::new("spectral radius", self.spectral_radius, "must be a non-negative number"));
        }
        if !(self.dt_ms > 0.0 && self.dt_ms.is_finite()) {
            return Err(InvalidValue::new("dt_ms", self.dt_ms, "must be a positive number"));
        }
        Ok(())
    }
}

/// Compressed sparse rows: row i's entries are `values[start[i]..start[i+1]]` at columns `index`.
#[derive(Clone, Debug, Default)]
pub struct Csr {
    /// Rows.
    pub n: usize,
    /// Row starts (n + 1).
    pub start: Vec<usize>,
    /// Column of each entry.
    pub index: Vec<u32>,
    /// Value of each entry.
    pub values: Vec<f64>,
}

impl Csr {
    /// y = A·x.
    pub fn matvec(&self, x: &[f64], y: &mut [f64]) {
        for i in 0..self.n {
            let mut s = 0.0;
            for e in self.start[i]..self.start[i + 1] {
                s += self.values[e] * x[self.index[e] as usize];
            }
            y[i] = s;
        }
    }

    /// The transpose (CSR of Aᵀ, i.e. the columns of A).
    pub fn transpose(&self) -> Csr {
        let mut count = vec![0usize; self.n + 1];
        for &j in &self.index {
            count[j as usize + 1] += 1;
        }
        for i in 0..self.n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let mut index = vec![0u32; self.index.len()];
        let mut values = vec![0.0; self.values.len()];
        for i in 0..self.n {
            for e in self.start[i]..self.start[i + 1] {
                let j = self.index[e] as usize;
                index[fill[j]] = i as u32;
                values[fill[j]] = self.values[e];
                fill[j] += 1;
            }
        }
        Csr { n: self.n, start: count, index, values }
    }

    /// Non-zeros.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Every entry multiplied by `s`.
    pub fn scale(&mut self, s: f64) {
        for v in &mut self.values {
            *v *= s;
        }
    }

    /// Dense row-major copy.
    pub fn to_dense(&self) -> Vec<f64> {
        let mut d = vec![0.0; self.n * self.n];
        for i in 0..self.n {
            for e in self.start[i]..self.start[i + 1] {
                d[i * self.n + self.index[e] as usize] = self.values[e];
            }
        }
        d
    }
}

/// Spectral radius of a square sparse matrix by power iteration: the growth rate
/// (ln‖Wᵏx‖ − ln‖Wʲx‖)/(k − j) between iterations j = `iters`/4 and k = `iters`, which converges
/// to max|λ| also when the dominant eigenvalues are a complex pair. 0 for a nilpotent matrix.
pub fn spectral_radius(w: &Csr, iters: usize, seed: u64) -> f64 {
    let n = w.n;
    if n == 0 || w.nnz() == 0 {
        return 0.0;
    }
    let mut rng = stream_rng(seed, Stream::Auxiliary, [0x5EC7, n as u64, 0]);
    let mut x: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
    let mut y = vec![0.0; n];
    let start = iters / 4;
    let (mut log_norm, mut log_at_start) = (0.0f64, 0.0f64);
    for k in 1..=iters {
        w.matvec(&x, &mut y);
        let norm = y.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm.is_nan() || norm <= 1e-300 {
            return 0.0;
        }
        log_norm += norm.ln();
        for i in 0..n {
            x[i] = y[i] / norm;
        }
        if k == start {
            log_at_start = log_norm;
        }
    }
    ((log_norm - log_at_start) / (iters - start) as f64).exp()
}

/// The recurrent weights in the kernel chosen by density.
#[derive(Clone, Debug)]
pub enum Recurrent {
    /// No recurrent connections.
    None,
    /// Sparse: CSR of W (rate) or of Wᵀ (spiking, event-driven by presynaptic spikes).
    Sparse(Csr),
    /// Dense row-major W (rate) or Wᵀ (spiking).
    Dense(Vec<f64>),
}

impl Recurrent {
    /// The kernel for the (non-empty) W as CSR: rate keeps W, spiking uses Wᵀ; dense above
    /// [`DENSE_ABOVE`].
    fn kernel(w: Csr, kind: Kind) -> Self {
        let n = w.n;
        let dense = w.nnz() as f64 / (n * n) as f64 > DENSE_ABOVE;
        let m = if kind == Kind::Spiking { w.transpose() } else { w };
        if dense {
            Recurrent::Dense(m.to_dense())
        } else {
            Recurrent::Sparse(m)
        }
    }
}

/// The random stream τ is drawn from for `n` neurons and `seed` ([`Reservoir::build`]; also the
/// Python package's `tau_profile`, so a profile drawn alone equals the reservoir's).
pub fn tau_rng(seed: u64, n: usize) -> ChaCha8Rng {
    stream_rng(seed, Stream::Weights, [0xB3, n as u64, 0])
}

/// A built reservoir: weights, biases and τ, fixed for its lifetime.
#[derive(Clone, Debug)]
pub struct Reservoir {
    /// The configuration it was built from.
    pub config: ReservoirConfig,
    /// The seed it was built from.
    pub seed: u64,
    /// τ_i (ms) after clipping at Δt.
    pub tau_ms: Vec<f64>,
    /// Recurrent weights (scaled).
    pub recurrent: Recurrent,
    /// Non-zeros of W (0 when removed).
    pub nnz: usize,
    /// Spectral radius of the unscaled W (power iteration).
    pub raw_radius: f64,
    /// Input weights, row-major N × D.
    pub w_in: Vec<f64>,
    /// Biases b_i.
    pub bias: Vec<f64>,
}

/// Cost counters of one state collection.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Activity {
    /// Input samples simulated.
    pub samples: u64,
    /// Spikes emitted (spiking only).
    pub spikes: u64,
    /// Synaptic events: spikes × out-degree (spiking), or recurrent multiply–accumulates (rate).
    pub synaptic_events: u64,
}

impl Reservoir {
    /// Builds the reservoir of `seed`. W, Win and b depend on (seed, N, p, D) only and τ on (seed, N),
    /// so networks that differ only in their τ profile share every weight (paired comparisons).
    pub fn build(config: &ReservoirConfig, seed: u64) -> Result<Self, InvalidValue> {
        config.validate()?;
        let n = config.n;
        let d = config.inputs;
        let mut rng = stream_rng(seed, Stream::Weights, [0xB0, n as u64, (config.p_connect * 1e9).round() as u64]);
        let mut csr = Csr { n, start: vec![0], index: Vec::new(), values: Vec::new() };
        for _ in 0..n {
            for j in 0..n {
                let keep = config.p_connect >= 1.0 || rng.random::<f64>() < config.p_connect;
                let v: f64 = StandardNormal.sample(&mut rng);
                if keep {
                    csr.index.push(j as u32);
                    csr.values.push(v);
                }
            }
            csr.start.push(csr.index.len());
        }
        let raw_radius = spectral_radius(&csr, 600, seed);
        let mut scale = if raw_radius > 1e-12 { config.spectral_radius / raw_radius } else { 0.0 };
        if config.kind == Kind::Spiking {
            scale *= config.spike_gain;
        }
        csr.scale(scale);
        let nnz = if config.recurrent && scale != 0.0 { csr.nnz() } else { 0 };
        let recurrent = if nnz == 0 { Recurrent::None } else { Recurrent::kernel(csr, config.kind) };
        // Input columns are drawn per channel, so a 1-channel and a 3-channel network share column 0.
        let mut w_in = vec![0.0; n * d];
        for k in 0..d {
            let mut r = stream_rng(seed, Stream::Weights, [0xB1, n as u64, k as u64]);
            for i in 0..n {
                w_in[i * d + k] = config.input_scale * r.random_range(-1.0..=1.0);
            }
        }
        let mut r = stream_rng(seed, Stream::Weights, [0xB2, n as u64, 0]);
        let bias: Vec<f64> = match config.kind {
            Kind::Rate => (0..n)
                .map(|_| {
                    config.bias_scale * {
                        let z: f64 = StandardNormal.sample(&mut r);
                        z
                    }
                })
                .collect(),
            Kind::Spiking => {
                (0..n).map(|_| config.bias_centre + config.bias_scale * r.random_range(-1.0..=1.0)).collect()
            }
        };
        let tau_ms = config.profile.sample_clipped(n, config.dt_ms, &mut tau_rng(seed, n));
        Ok(Self { config: config.clone(), seed, tau_ms, recurrent, nnz, raw_radius, w_in, bias })
    }

    /// This reservoir with its time constants drawn again from `profile` (the draw
    /// [`Reservoir::build`] makes for seed and N): the same W, W_in and bias, so
    /// `build(c, seed)?.with_profile(p)` equals `build(&ReservoirConfig { profile: p, ..c }, seed)`
    /// bit for bit without drawing W and its spectral radius again.
    pub fn with_profile(&self, profile: Profile) -> Result<Self, InvalidValue> {
        let config = ReservoirConfig { profile, ..self.config.clone() };
        config.validate()?;
        let tau_ms = config.profile.sample_clipped(config.n, config.dt_ms, &mut tau_rng(self.seed, config.n));
        Ok(Self { config, tau_ms, ..self.clone() })
    }

    /// A reservoir with the given weights, used as given (no rescaling): `w` row-major N × N (the
    /// W of the equations, W_ij from j to i; spiking: the gain g included), `w_in` row-major N × D,
    /// `bias` N and `tau_ms` N (clipped below at Δt as [`Reservoir::build`] clips). The config's
    /// drawing fields (p, ρ, input and bias scales, profile) are not used; `recurrent = false`
    /// removes W. `seed` keys only the noise stream. The kernel (sparse or dense) is chosen by
    /// the density of `w` as in [`Reservoir::build`], so `from_weights` of a built reservoir's
    /// [`Reservoir::w_dense`], `w_in`, `bias` and `tau_ms` collects the same states bit for bit.
    pub fn from_weights(
        config: &ReservoirConfig,
        seed: u64,
        w: &[f64],
        w_in: &[f64],
        bias: &[f64],
        tau_ms: &[f64],
    ) -> Result<Self, InvalidValue> {
        config.validate()?;
        let (n, d) = (config.n, config.inputs);
        for (field, len, want) in
            [("W entries", w.len(), n * n), ("W_in entries", w_in.len(), n * d), ("bias entries", bias.len(), n)]
        {
            if len != want {
                return Err(InvalidValue::new(field, len, format!("expected {want} (N = {n}, D = {d})")));
            }
        }
        for (field, values) in [("W", w), ("W_in", w_in), ("bias", bias)] {
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(InvalidValue::new(&format!("{field}[{i}]"), values[i], "must be finite"));
            }
        }
        let mut csr = Csr { n, start: vec![0], index: Vec::new(), values: Vec::new() };
        for i in 0..n {
            for j in 0..n {
                if w[i * n + j] != 0.0 {
                    csr.index.push(j as u32);
                    csr.values.push(w[i * n + j]);
                }
            }
            csr.start.push(csr.index.len());
        }
        let nnz = if config.recurrent { csr.nnz() } else { 0 };
        let recurrent = if nnz == 0 { Recurrent::None } else { Recurrent::kernel(csr, config.kind) };
        let mut r = Self {
            config: config.clone(),
            seed,
            tau_ms: Vec::new(),
            recurrent,
            nnz,
            raw_radius: f64::NAN,
            w_in: w_in.to_vec(),
            bias: bias.to_vec(),
        };
        r.set_tau_ms(tau_ms)?;
        Ok(r)
    }

    /// Replaces τ (ms; N values, each positive and finite), clipped below at Δt. Weights stay.
    pub fn set_tau_ms(&mut self, tau_ms: &[f64]) -> Result<(), InvalidValue> {
        if tau_ms.len() != self.config.n {
            return Err(InvalidValue::new("tau_ms entries", tau_ms.len(), format!("expected N = {}", self.config.n)));
        }
        if let Some(i) = tau_ms.iter().position(|t| !(*t > 0.0 && t.is_finite())) {
            return Err(InvalidValue::new(&format!("tau_ms[{i}]"), tau_ms[i], "must be a positive number"));
        }
        self.tau_ms = tau_ms.iter().map(|t| t.max(self.config.dt_ms)).collect();
        Ok(())
    }

    /// The recurrent weights as used, dense row-major N × N with W_ij from j to i (spiking: the
    /// gain g included); zeros when recurrence is removed.
    pub fn w_dense(&self) -> Vec<f64> {
        let n = self.config.n;
        let stored = match &self.recurrent {
            Recurrent::None => return vec![0.0; n * n],
            Recurrent::Sparse(m) => m.to_dense(),
            Recurrent::Dense(m) => m.clone(),
        };
        if self.config.kind == Kind::Spiking {
            (0..n * n).map(|k| stored[(k % n) * n + k / n]).collect()
        } else {
            stored
        }
    }

    /// Multiply–accumulates per input sample: recurrent non-zeros + N·D input + N leak updates (rate);
    /// spiking adds the synaptic events counted during simulation instead of the recurrent term.
    pub fn macs_per_sample(&self) -> f64 {
        let c = &self.config;
        match c.kind {
            Kind::Rate => (self.nnz + c.n * c.inputs + c.n) as f64,
            Kind::Spiking => (c.substeps * (c.n * c.inputs + 3 * c.n)) as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neuron::heterogeneity::Family;
    use std::sync::atomic::AtomicBool;

    fn homog(mean: f64) -> Profile {
        Profile { family: Family::Homogeneous, mean_ms: mean, cv: 0.0 }
    }

    fn eig_radius(dense: &[f64], n: usize) -> f64 {
        let m = faer::Mat::<f64>::from_fn(n, n, |i, j| dense[i * n + j]);
        m.eigenvalues().unwrap().iter().map(|z| (z.re * z.re + z.im * z.im).sqrt()).fold(0.0, f64::max)
    }

    #[test]
    fn with_profile_equals_a_fresh_build() {
        use crate::neuron::heterogeneity::Family;
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for make in [ReservoirConfig::rate, ReservoirConfig::spiking] {
            let base = make(60, homog(5.0));
            let other = Profile { family: Family::LogNormal, mean_ms: 7.0, cv: 1.0 };
            let fresh = Reservoir::build(&ReservoirConfig { profile: other, ..base.clone() }, 4).unwrap();
            let derived = Reservoir::build(&base, 4).unwrap().with_profile(other).unwrap();
            assert_eq!(derived.config, fresh.config);
            assert_eq!(bits(&derived.tau_ms), bits(&fresh.tau_ms));
            assert_eq!(bits(&derived.w_dense()), bits(&fresh.w_dense()));
            assert_eq!(bits(&derived.w_in), bits(&fresh.w_in));
            assert_eq!(bits(&derived.bias), bits(&fresh.bias));
            assert_eq!((derived.nnz, derived.raw_radius.to_bits()), (fresh.nnz, fresh.raw_radius.to_bits()));
        }
        let bad = Profile { family: Family::LogNormal, mean_ms: -1.0, cv: 1.0 };
        assert!(Reservoir::build(&ReservoirConfig::rate(10, homog(5.0)), 0).unwrap().with_profile(bad).is_err());
    }

    #[test]
    fn power_iteration_matches_the_eigenvalues() {
        for (n, p) in [(200, 0.1), (100, 1.0), (300, 0.03)] {
            let mut c = ReservoirConfig::rate(n, homog(5.0));
            c.p_connect = p;
            let r = Reservoir::build(&c, 3).unwrap();
            let mut rng = stream_rng(3, Stream::Weights, [0xB0, n as u64, (p * 1e9).round() as u64]);
            // Rebuild the unscaled matrix the same way and compare with the dense eigenvalues.
            let mut csr = Csr { n, start: vec![0], index: Vec::new(), values: Vec::new() };
            for _ in 0..n {
                for j in 0..n {
                    let keep = p >= 1.0 || rng.random::<f64>() < p;
                    let v: f64 = StandardNormal.sample(&mut rng);
                    if keep {
                        csr.index.push(j as u32);
                        csr.values.push(v);
                    }
                }
                csr.start.push(csr.index.len());
            }
            let exact = eig_radius(&csr.to_dense(), n);
            assert!((r.raw_radius / exact - 1.0).abs() < 0.03, "n={n} p={p}: power {} vs eig {exact}", r.raw_radius);
        }
    }

    #[test]
    fn scaled_weights_have_the_target_radius() {
        for rho in [0.5, 0.9, 2.0] {
            for p in [0.1, 1.0] {
                let mut c = ReservoirConfig::rate(200, homog(5.0));
                c.spectral_radius = rho;
                c.p_connect = p;
                let r = Reservoir::build(&c, 11).unwrap();
                let w = match &r.recurrent {
                    Recurrent::Sparse(w) => w.clone(),
                    Recurrent::Dense(d) => dense_to_csr(d, 200),
                    Recurrent::None => panic!("no weights"),
                };
                assert_eq!(matches!(r.recurrent, Recurrent::Dense(_)), p > DENSE_ABOVE);
                let est = spectral_radius(&w, 2000, 99);
                assert!((est / rho - 1.0).abs() < 0.03, "rho {rho} p {p}: power iteration {est}");
                let exact = eig_radius(&w.to_dense(), 200);
                assert!((exact / rho - 1.0).abs() < 0.03, "rho {rho} p {p}: eigenvalues {exact}");
            }
        }
    }

    fn dense_to_csr(d: &[f64], n: usize) -> Csr {
        let mut c = Csr { n, start: vec![0], index: Vec::new(), values: Vec::new() };
        for i in 0..n {
            for j in 0..n {
                if d[i * n + j] != 0.0 {
                    c.index.push(j as u32);
                    c.values.push(d[i * n + j]);
                }
            }
            c.start.push(c.index.len());
        }
        c
    }

    #[test]
    fn sparse_and_dense_kernels_agree() {
        for kind in [Kind::Rate, Kind::Spiking] {
            let mut c = if kind == Kind::Rate {
                ReservoirConfig::rate(60, homog(5.0))
            } else {
                ReservoirConfig::spiking(60, homog(25.0))
            };
            c.p_connect = 0.2;
            let sparse = Reservoir::build(&c, 5).unwrap();
            assert!(matches!(sparse.recurrent, Recurrent::Sparse(_)));
            let mut dense = sparse.clone();
            dense.recurrent = match &sparse.recurrent {
                Recurrent::Sparse(w) => Recurrent::Dense(w.to_dense()),
                _ => unreachable!(),
            };
            let stim: Vec<f64> = (0..300).map(|t| (t as f64 * 0.37).sin() * 0.5).collect();
            let (a, aa) = sparse.collect(&stim, 0);
            let (b, _) = dense.collect(&stim, 0);
            let err = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            assert!(err < 1e-9, "{kind:?}: {err}");
            if kind == Kind::Spiking {
                assert!(aa.spikes > 0);
            }
        }
    }

    #[test]
    fn removed_recurrence_makes_independent_leaky_filters() {
        let mut c = ReservoirConfig::rate(10, Profile { family: Family::Gamma, mean_ms: 5.0, cv: 0.5 });
        c.recurrent = false;
        let r = Reservoir::build(&c, 1).unwrap();
        assert!(matches!(r.recurrent, Recurrent::None) && r.nnz == 0);
        let stim = vec![0.3; 50];
        let (f, _) = r.collect(&stim, 0);
        // Without recurrence x_i(t) = x_i(t−1) + α_i(−x_i(t−1) + Win_i u + b_i) exactly.
        let mut x = 0.0;
        let a = 1.0 / r.tau_ms[3];
        for t in 0..50 {
            x += a * (-x + r.w_in[3] * 0.3 + r.bias[3]);
            assert!((f[t * 10 + 3] - f64::tanh(x)).abs() < 1e-12);
        }
    }

    #[test]
    fn from_weights_of_a_built_reservoir_collects_the_same_states() {
        for kind in [Kind::Rate, Kind::Spiking] {
            for p in [0.1, 0.5] {
                let profile = Profile { family: Family::LogNormal, mean_ms: 5.0, cv: 1.0 };
                let mut c = if kind == Kind::Rate {
                    ReservoirConfig::rate(40, profile)
                } else {
                    ReservoirConfig::spiking(40, profile)
                };
                c.p_connect = p;
                c.inputs = 2;
                let a = Reservoir::build(&c, 4).unwrap();
                let b = Reservoir::from_weights(&c, 4, &a.w_dense(), &a.w_in, &a.bias, &a.tau_ms).unwrap();
                assert_eq!(b.nnz, a.nnz);
                assert_eq!(matches!(b.recurrent, Recurrent::Dense(_)), matches!(a.recurrent, Recurrent::Dense(_)));
                let stim: Vec<f64> = (0..400).map(|t| (t as f64 * 0.21).sin()).collect();
                assert_eq!(a.collect(&stim, 0).0, b.collect(&stim, 0).0, "{kind:?} p={p}");
                if kind == Kind::Spiking {
                    // W as used: I_i gains W_ij when j spikes (Wᵀ stored).
                    let (w, n) = (a.w_dense(), 40);
                    let wt = match &a.recurrent {
                        Recurrent::Sparse(m) => m.to_dense(),
                        Recurrent::Dense(m) => m.clone(),
                        Recurrent::None => unreachable!(),
                    };
                    assert!((0..n).all(|i| (0..n).all(|j| w[i * n + j] == wt[j * n + i])));
                }
            }
        }
        let c = ReservoirConfig::rate(3, homog(5.0));
        let e = Reservoir::from_weights(&c, 0, &[0.0; 9], &[1.0; 3], &[0.0; 3], &[5.0, 0.5, 0.0]).unwrap_err();
        assert_eq!(e.field, "tau_ms[2]");
        let r = Reservoir::from_weights(&c, 0, &[0.0; 9], &[1.0; 3], &[0.0; 3], &[5.0, 0.5, 2.0]).unwrap();
        assert_eq!(r.tau_ms, vec![5.0, 1.0, 2.0]);
        assert!(matches!(r.recurrent, Recurrent::None));
    }

    #[test]
    fn collect_many_equals_collect_per_profile() {
        for (kind, p, noise) in
            [(Kind::Rate, 0.1, 0.0), (Kind::Rate, 0.5, 0.0), (Kind::Rate, 0.1, 0.05), (Kind::Spiking, 0.1, 0.0)]
        {
            let profile = Profile { family: Family::Gamma, mean_ms: 5.0, cv: 1.0 };
            let mut c = if kind == Kind::Rate {
                ReservoirConfig::rate(30, profile)
            } else {
                ReservoirConfig::spiking(30, profile)
            };
            c.p_connect = p;
            c.noise = noise;
            let base = Reservoir::build(&c, 6).unwrap();
            // 10 profiles: one block of 8 in registers and 2 one at a time.
            let taus: Vec<Vec<f64>> = (0..10)
                .map(|k| Profile { family: Family::LogNormal, mean_ms: 5.0, cv: 1.0 }.sample(30, &mut tau_rng(k, 30)))
                .collect();
            let stim: Vec<f64> = (0..200).map(|t| (t as f64 * 0.4).cos()).collect();
            let (all, activity) = base.collect_many(&stim, &taus, 2, 1, &AtomicBool::new(false)).unwrap().unwrap();
            assert!(base.collect_many(&stim, &taus, 2, 1, &AtomicBool::new(true)).unwrap().is_none());
            assert!(base.collect_until(&stim, 2, 1, &AtomicBool::new(true)).is_none());
            assert_eq!(activity.samples, 2000);
            for (k, tau) in taus.iter().enumerate() {
                let mut one = base.clone();
                one.set_tau_ms(tau).unwrap();
                assert_eq!(
                    &all[k * 200 * 30..(k + 1) * 200 * 30],
                    one.collect(&stim, 2).0.as_slice(),
                    "{kind:?} p={p} {k}"
                );
            }
        }
    }

    #[test]
    fn same_seed_same_weights_across_profiles() {
        let a = Reservoir::build(&ReservoirConfig::rate(50, homog(5.0)), 2).unwrap();
        let b = Reservoir::build(
            &ReservoirConfig::rate(50, Profile { family: Family::LogNormal, mean_ms: 5.0, cv: 1.0 }),
            2,
        )
        .unwrap();
        assert_eq!(a.w_in, b.w_in);
        assert_eq!(a.bias, b.bias);
        assert!(a.tau_ms != b.tau_ms);
        assert!(b.tau_ms.iter().all(|&t| t >= 1.0));
    }
}
