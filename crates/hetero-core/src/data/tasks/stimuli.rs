//! Input stimuli of the temporal task bank (research/paper_b_methods.md §B4). Every stimulus is a
//! deterministic function of (kind, seed, length); channels are scaled to zero mean and variance
//! 1/3 (that of U(−1, 1), so Legendre polynomials of the inputs are near-orthogonal), except the
//! white-noise and telegraph stimuli, which have that variance by construction.

use crate::rng::{stream_rng, Stream};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Correlation time (samples) of the OU stimulus.
pub const OU_CORRELATION_SAMPLES: f64 = 10.0;
/// Per-sample switching probability of the telegraph stimulus.
pub const TELEGRAPH_SWITCH: f64 = 0.1;
/// Mackey–Glass delay τ (time units) and integration step; one sample per time unit.
pub const MACKEY_GLASS_TAU: f64 = 17.0;
/// Lorenz integration step (RK4) and steps per sample.
pub const LORENZ_DT: f64 = 0.01;
/// Lorenz RK4 steps per sample (0.05 time units per sample).
pub const LORENZ_STEPS_PER_SAMPLE: usize = 5;

/// The kinds of stimulus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StimulusKind {
    /// i.i.d. U(−1, 1), one channel.
    White,
    /// Ornstein–Uhlenbeck (AR(1)) noise, correlation time [`OU_CORRELATION_SAMPLES`].
    Ou,
    /// Sum of four sinusoids, periods log-uniform in [5, 100] samples, random phases.
    Sines,
    /// Random telegraph ±1/√3, switching with probability [`TELEGRAPH_SWITCH`] per sample.
    Telegraph,
    /// Mackey–Glass delay equation (τ = 17), one sample per time unit.
    MackeyGlass,
    /// Lorenz x(t) (σ = 10, ρ = 28, β = 8/3), 0.05 time units per sample.
    Lorenz,
    /// Three independent U(−1, 1) channels.
    White3,
    /// Lorenz x, y, z as three channels.
    Lorenz3,
}

impl StimulusKind {
    /// Every stimulus, in bank order.
    pub const ALL: [StimulusKind; 8] = [
        StimulusKind::White,
        StimulusKind::Ou,
        StimulusKind::Sines,
        StimulusKind::Telegraph,
        StimulusKind::MackeyGlass,
        StimulusKind::Lorenz,
        StimulusKind::White3,
        StimulusKind::Lorenz3,
    ];

    /// Name used in task names.
    pub fn name(self) -> &'static str {
        match self {
            StimulusKind::White => "white",
            StimulusKind::Ou => "ou",
            StimulusKind::Sines => "sines",
            StimulusKind::Telegraph => "telegraph",
            StimulusKind::MackeyGlass => "mackey-glass",
            StimulusKind::Lorenz => "lorenz",
            StimulusKind::White3 => "white3",
            StimulusKind::Lorenz3 => "lorenz3",
        }
    }

    /// Input channels D.
    pub fn channels(self) -> usize {
        match self {
            StimulusKind::White3 | StimulusKind::Lorenz3 => 3,
            _ => 1,
        }
    }

    /// `len` samples (row-major len × D) for `seed`.
    pub fn generate(self, seed: u64, len: usize) -> Vec<f64> {
        let mut rng = stream_rng(seed, Stream::Auxiliary, [0x57_1A, self as u64, 0]);
        match self {
            StimulusKind::White | StimulusKind::White3 => {
                (0..len * self.channels()).map(|_| rng.random_range(-1.0..=1.0)).collect()
            }
            StimulusKind::Ou => {
                let a = (-1.0 / OU_CORRELATION_SAMPLES).exp();
                let b = (1.0 - a * a).sqrt();
                let mut x: f64 = StandardNormal.sample(&mut rng);
                let mut out = Vec::with_capacity(len);
                for _ in 0..len {
                    out.push(x);
                    x = a * x
                        + b * {
                            let z: f64 = StandardNormal.sample(&mut rng);
                            z
                        };
                }
                standardise(out, 1)
            }
            StimulusKind::Sines => {
                let params = sines_parameters(seed);
                standardise((0..len).map(|t| sines_value(&params, t)).collect(), 1)
            }
            StimulusKind::Telegraph => {
                let a = 1.0 / 3f64.sqrt();
                let mut s = if rng.random::<bool>() { a } else { -a };
                (0..len)
                    .map(|_| {
                        let v = s;
                        if rng.random::<f64>() < TELEGRAPH_SWITCH {
                            s = -s;
                        }
                        v
                    })
                    .collect()
            }
            StimulusKind::MackeyGlass => standardise(mackey_glass_raw(seed, len), 1),
            StimulusKind::Lorenz => {
                let xyz = lorenz_raw(seed, len);
                standardise((0..len).map(|t| xyz[3 * t]).collect(), 1)
            }
            StimulusKind::Lorenz3 => standardise(lorenz_raw(seed, len), 3),
        }
    }
}

/// (period, phase) of the four sinusoids of [`StimulusKind::Sines`] for `seed`.
pub fn sines_parameters(seed: u64) -> Vec<(f64, f64)> {
    let mut rng = stream_rng(seed, Stream::Auxiliary, [0x57_1A, StimulusKind::Sines as u64, 1]);
    (0..4)
        .map(|_| ((rng.random_range(5f64.ln()..100f64.ln())).exp(), rng.random_range(0.0..std::f64::consts::TAU)))
        .collect()
}

/// Σ_m sin(2πt/P_m + φ_m) before standardisation.
pub fn sines_value(params: &[(f64, f64)], t: usize) -> f64 {
    params.iter().map(|(p, phi)| (std::f64::consts::TAU * t as f64 / p + phi).sin()).sum()
}

/// Mackey–Glass dx/dt = 0.2·x(t−17)/(1 + x(t−17)¹⁰) − 0.1·x, Euler step 0.1 (history kept on the
/// step grid), one sample per time unit after a 500-unit burn-in; initial history 1.2 + U(−0.1, 0.1).
pub fn mackey_glass_raw(seed: u64, len: usize) -> Vec<f64> {
    let mut rng = stream_rng(seed, Stream::Auxiliary, [0x57_1A, StimulusKind::MackeyGlass as u64, 1]);
    let h = 0.1;
    let per_sample = 10;
    let lag = (MACKEY_GLASS_TAU / h).round() as usize;
    let burn = 500;
    let total = (len + burn) * per_sample;
    let mut x = Vec::with_capacity(total + lag + 1);
    for _ in 0..=lag {
        x.push(1.2 + rng.random_range(-0.1f64..0.1));
    }
    for _ in 0..total {
        let now = *x.last().expect("history");
        let past = x[x.len() - 1 - lag];
        x.push(now + h * (0.2 * past / (1.0 + past.powi(10)) - 0.1 * now));
    }
    (0..len).map(|t| x[lag + (burn + t) * per_sample]).collect()
}

fn lorenz_deriv(s: [f64; 3]) -> [f64; 3] {
    [10.0 * (s[1] - s[0]), s[0] * (28.0 - s[2]) - s[1], s[0] * s[1] - 8.0 / 3.0 * s[2]]
}

/// Lorenz (σ = 10, ρ = 28, β = 8/3), RK4 with step [`LORENZ_DT`], one sample every
/// [`LORENZ_STEPS_PER_SAMPLE`] steps after a 1000-sample burn-in; row-major len × 3 (x, y, z).
pub fn lorenz_raw(seed: u64, len: usize) -> Vec<f64> {
    let mut rng = stream_rng(seed, Stream::Auxiliary, [0x57_1A, StimulusKind::Lorenz as u64, 1]);
    let mut s =
        [1.0 + rng.random_range(-0.5..0.5), 1.0 + rng.random_range(-0.5..0.5), 20.0 + rng.random_range(-0.5..0.5)];
    let h = LORENZ_DT;
    let mut out = Vec::with_capacity(3 * len);
    for t in 0..(len + 1000) {
        if t >= 1000 {
            out.extend_from_slice(&s);
        }
        for _ in 0..LORENZ_STEPS_PER_SAMPLE {
            let k1 = lorenz_deriv(s);
            let k2 = lorenz_deriv([s[0] + 0.5 * h * k1[0], s[1] + 0.5 * h * k1[1], s[2] + 0.5 * h * k1[2]]);
            let k3 = lorenz_deriv([s[0] + 0.5 * h * k2[0], s[1] + 0.5 * h * k2[1], s[2] + 0.5 * h * k2[2]]);
            let k4 = lorenz_deriv([s[0] + h * k3[0], s[1] + h * k3[1], s[2] + h * k3[2]]);
            for i in 0..3 {
                s[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
    }
    out
}

/// Scales each of `d` channels of a row-major signal to zero mean and variance 1/3.
fn standardise(mut x: Vec<f64>, d: usize) -> Vec<f64> {
    let t = (x.len() / d) as f64;
    for c in 0..d {
        let m = x.iter().skip(c).step_by(d).sum::<f64>() / t;
        let v = x.iter().skip(c).step_by(d).map(|v| (v - m).powi(2)).sum::<f64>() / t;
        let s = if v > 0.0 { (1.0 / (3.0 * v)).sqrt() } else { 1.0 };
        for e in x.iter_mut().skip(c).step_by(d) {
            *e = (*e - m) * s;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn autocorr(x: &[f64], lag: usize) -> f64 {
        let n = x.len() - lag;
        let m = x.iter().sum::<f64>() / x.len() as f64;
        let v = x.iter().map(|a| (a - m).powi(2)).sum::<f64>() / x.len() as f64;
        (0..n).map(|t| (x[t] - m) * (x[t + lag] - m)).sum::<f64>() / n as f64 / v
    }

    #[test]
    fn every_stimulus_is_deterministic_and_scaled() {
        for kind in StimulusKind::ALL {
            let a = kind.generate(4, 3000);
            assert_eq!(a, kind.generate(4, 3000), "{kind:?}");
            assert_ne!(a, kind.generate(5, 3000), "{kind:?}");
            assert_eq!(a.len(), 3000 * kind.channels());
            for c in 0..kind.channels() {
                let ch: Vec<f64> = a.iter().skip(c).step_by(kind.channels()).copied().collect();
                let m = ch.iter().sum::<f64>() / ch.len() as f64;
                let v = ch.iter().map(|x| (x - m).powi(2)).sum::<f64>() / ch.len() as f64;
                assert!(m.abs() < 0.05 && (v * 3.0 - 1.0).abs() < 0.1, "{kind:?} channel {c}: mean {m} var {v}");
            }
        }
    }

    #[test]
    fn white_noise_is_uncorrelated_and_bounded() {
        let x = StimulusKind::White.generate(1, 20000);
        assert!(x.iter().all(|v| v.abs() <= 1.0));
        assert!(autocorr(&x, 1).abs() < 0.03);
    }

    #[test]
    fn ou_has_its_correlation_time() {
        let x = StimulusKind::Ou.generate(1, 50000);
        let expect = (-1.0 / OU_CORRELATION_SAMPLES).exp();
        assert!((autocorr(&x, 1) - expect).abs() < 0.02, "{}", autocorr(&x, 1));
        assert!((autocorr(&x, 10) - expect.powi(10)).abs() < 0.05, "{}", autocorr(&x, 10));
    }

    #[test]
    fn sines_are_the_sum_of_their_components() {
        let p = sines_parameters(3);
        let raw: Vec<f64> = (0..500).map(|t| sines_value(&p, t)).collect();
        let x = StimulusKind::Sines.generate(3, 500);
        // Standardisation is affine: x = (raw − m)·s.
        let s = (x[1] - x[0]) / (raw[1] - raw[0]);
        let m = raw[0] - x[0] / s;
        assert!(raw.iter().zip(&x).all(|(r, v)| ((r - m) * s - v).abs() < 1e-9));
    }

    #[test]
    fn telegraph_is_two_valued_and_switches_at_its_rate() {
        let x = StimulusKind::Telegraph.generate(2, 50000);
        let a = 1.0 / 3f64.sqrt();
        assert!(x.iter().all(|&v| v == a || v == -a));
        let flips = x.windows(2).filter(|w| w[0] != w[1]).count() as f64 / 49999.0;
        assert!((flips - TELEGRAPH_SWITCH).abs() < 0.01, "{flips}");
    }

    #[test]
    fn mackey_glass_stays_on_its_attractor() {
        let x = mackey_glass_raw(1, 3000);
        assert!(x.iter().all(|&v| v > 0.2 && v < 1.5), "range");
        let m = x.iter().sum::<f64>() / x.len() as f64;
        assert!((m - 0.9).abs() < 0.1, "mean {m}");
        // Aperiodic: the autocorrelation never comes back close to 1 within 200 samples.
        let s = StimulusKind::MackeyGlass.generate(1, 3000);
        assert!((20..200).all(|l| autocorr(&s, l) < 0.95));
    }

    #[test]
    fn lorenz_samples_obey_the_lorenz_equations() {
        let xyz = lorenz_raw(2, 2000);
        let h = LORENZ_DT * LORENZ_STEPS_PER_SAMPLE as f64;
        // Central differences of x against σ(y − x): correlation above 0.99.
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for t in 1..1999 {
            a.push((xyz[3 * (t + 1)] - xyz[3 * (t - 1)]) / (2.0 * h));
            b.push(10.0 * (xyz[3 * t + 1] - xyz[3 * t]));
        }
        let err = a.iter().zip(&b).map(|(p, q)| (p - q).powi(2)).sum::<f64>() / b.iter().map(|q| q * q).sum::<f64>();
        assert!(err < 0.02, "relative error {err}");
        assert!(xyz.iter().skip(2).step_by(3).all(|&z| z > 0.0 && z < 60.0));
    }
}
