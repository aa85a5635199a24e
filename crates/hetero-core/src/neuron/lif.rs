//! Heterogeneous leaky integrate-and-fire neurons, Paper A Eq. 2 (SPEC §1.1), Euler step Δt:
//!
//! ```text
//! u_i(t) = v_i(t−Δt) + (Δt/τ_i)·(R_i·I_i(t) − v_i(t−Δt) + v_rest,i)
//! s_i(t) = H(u_i(t) − v_th,i)            H(0) = 1 (SpikingJelly's heaviside)
//! v_i(t) = u_i(t)·(1 − s_i(t)) + v_rest,i·s_i(t)      (v_reset = v_rest)
//! ```
//!
//! τ is searched through the PLIF reparameterisation Δt/τ = sigmoid(a) (Fang et al. 2021), so
//! τ > Δt for every real `a`. Units are scaled (SPEC §1.1 Decision): R is a dimensionless gain
//! (Paper A's 5·10⁷ Ω ↦ 1.0) and potentials share the units of v_th.
//!
//! The hot loop uses [`LifCoefficients`], the equation rearranged once per generation to
//! `u = decay·v + gain·I + drive` with decay = 1 − k, gain = k·R, drive = k·v_rest, k = Δt/τ.

use aligned_vec::{avec, AVec};

/// Per-step leak k = Δt/τ = sigmoid(a) from the searched logit `a`.
#[inline]
pub fn leak_from_logit(a: f32) -> f32 {
    1.0 / (1.0 + (-a).exp())
}

/// Membrane time constant τ (ms) from the searched logit: τ = Δt / sigmoid(a). Below
/// a ≈ −88 the leak underflows to 0 in f32 (a perfect integrator); τ is then reported as
/// `f32::MAX` ms rather than inf, so no file ever holds a non-finite τ.
pub fn tau_ms_from_logit(a: f32, dt_ms: f32) -> f32 {
    (dt_ms / leak_from_logit(a)).min(f32::MAX)
}

/// Inverse of [`tau_ms_from_logit`]: a = ln(k / (1 − k)) with k = Δt/τ; needs τ > Δt.
pub fn logit_from_tau_ms(tau_ms: f32, dt_ms: f32) -> f32 {
    let k = (dt_ms as f64) / (tau_ms as f64);
    (k / (1.0 - k)).ln() as f32
}

/// The four physical properties of one neuron, in the searched parameterisation (τ as a logit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronProperties {
    /// a, with Δt/τ = sigmoid(a).
    pub tau_logit: f32,
    /// Firing threshold v_th.
    pub v_th: f32,
    /// Resting and reset potential v_rest = v_reset.
    pub v_rest: f32,
    /// Membrane resistance as a dimensionless gain on the input current.
    pub r: f32,
}

/// Result of one Eq. 2 step for one neuron.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifStep {
    /// Pre-reset potential u(t).
    pub u: f32,
    /// Spike s(t) ∈ {0, 1}.
    pub spike: bool,
    /// Post-reset potential v(t).
    pub v: f32,
}

/// Eq. 2 for one neuron written exactly as in the paper (the readable reference for tests).
pub fn lif_step_reference(v: f32, current: f32, p: &NeuronProperties) -> LifStep {
    let k = leak_from_logit(p.tau_logit);
    let u = v + k * (p.r * current - v + p.v_rest);
    let spike = u >= p.v_th;
    let v_next = if spike { p.v_rest } else { u };
    LifStep { u, spike, v: v_next }
}

/// One neuron's [decay, gain, drive, v_th, v_rest] (see [`LifCoefficients`]).
fn coefficients(p: &NeuronProperties) -> [f32; 5] {
    let k = leak_from_logit(p.tau_logit);
    [1.0 - k, k * p.r, k * p.v_rest, p.v_th, p.v_rest]
}

/// Per-neuron step coefficients of one layer (structure of arrays), `u = decay·v + gain·I + drive`.
/// The arrays are cache-line aligned, so a member's slice starts on a line whenever its offset
/// is a multiple of 16 neurons (whole 512-bit loads in the MNIST kernel).
#[derive(Clone, Debug)]
pub struct LifCoefficients {
    /// 1 − k.
    pub decay: AVec<f32>,
    /// k·R.
    pub gain: AVec<f32>,
    /// k·v_rest.
    pub drive: AVec<f32>,
    /// v_th (unused by non-spiking layers).
    pub v_th: AVec<f32>,
    /// v_reset = v_rest; also the initial potential at episode start.
    pub v_rest: AVec<f32>,
}

impl Default for LifCoefficients {
    fn default() -> Self {
        Self::zeros(0)
    }
}

impl LifCoefficients {
    /// Empty coefficients for `n` neurons (all zero); fill with [`LifCoefficients::set`].
    pub fn zeros(n: usize) -> Self {
        Self {
            decay: avec![0.0; n],
            gain: avec![0.0; n],
            drive: avec![0.0; n],
            v_th: avec![0.0; n],
            v_rest: avec![0.0; n],
        }
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.decay.len()
    }

    /// True when there are no neurons.
    pub fn is_empty(&self) -> bool {
        self.decay.is_empty()
    }

    /// Writes neuron `i`'s coefficients from its properties.
    pub fn set(&mut self, i: usize, p: &NeuronProperties) {
        [self.decay[i], self.gain[i], self.drive[i], self.v_th[i], self.v_rest[i]] = coefficients(p);
    }

    /// Fills `self.len() / width` groups of `width` neurons in parallel (a population's members),
    /// group m from the properties `neurons_of(m)` returns; the same values as [`Self::set`].
    pub fn fill_groups(&mut self, width: usize, neurons_of: impl Fn(usize) -> Vec<NeuronProperties> + Sync) {
        use rayon::prelude::*;
        let Self { decay, gain, drive, v_th, v_rest } = self;
        let groups = decay
            .par_chunks_mut(width)
            .zip(gain.par_chunks_mut(width))
            .zip(drive.par_chunks_mut(width))
            .zip(v_th.par_chunks_mut(width))
            .zip(v_rest.par_chunks_mut(width));
        groups.enumerate().for_each(|(m, ((((decay, gain), drive), v_th), v_rest))| {
            for (i, p) in neurons_of(m).iter().enumerate() {
                [decay[i], gain[i], drive[i], v_th[i], v_rest[i]] = coefficients(p);
            }
        });
    }

    /// A borrowed view of neurons `start..start + len`.
    pub fn view(&self, start: usize, len: usize) -> CoefficientsView<'_> {
        let r = start..start + len;
        CoefficientsView {
            decay: &self.decay[r.clone()],
            gain: &self.gain[r.clone()],
            drive: &self.drive[r.clone()],
            v_th: &self.v_th[r.clone()],
            v_rest: &self.v_rest[r],
        }
    }
}

/// Borrowed coefficients of one layer of one network.
#[derive(Clone, Copy, Debug)]
pub struct CoefficientsView<'a> {
    /// 1 − k.
    pub decay: &'a [f32],
    /// k·R.
    pub gain: &'a [f32],
    /// k·v_rest.
    pub drive: &'a [f32],
    /// v_th.
    pub v_th: &'a [f32],
    /// v_reset = v_rest.
    pub v_rest: &'a [f32],
}

/// One Eq. 2 step of a spiking layer: updates `v` in place, writes spikes (0.0 / 1.0), returns
/// the spike count. Written branch-free (selects) so the compiler vectorises it.
#[inline]
pub fn spiking_step(v: &mut [f32], current: &[f32], c: CoefficientsView<'_>, spikes: &mut [f32]) -> u32 {
    let n = v.len();
    let (current, decay, gain, drive) = (&current[..n], &c.decay[..n], &c.gain[..n], &c.drive[..n]);
    let (v_th, v_rest, spikes) = (&c.v_th[..n], &c.v_rest[..n], &mut spikes[..n]);
    let mut count = 0u32;
    for i in 0..n {
        let u = decay[i] * v[i] + gain[i] * current[i] + drive[i];
        // All-ones where the neuron fires: selects by bit masks, so the loop has no branch.
        let mask = ((u >= v_th[i]) as u32).wrapping_neg();
        spikes[i] = f32::from_bits(mask & 1.0f32.to_bits());
        v[i] = f32::from_bits((mask & v_rest[i].to_bits()) | (!mask & u.to_bits()));
        count += mask & 1;
    }
    count
}

/// One step of a non-spiking leaky integrator layer (Eq. 2 without threshold and reset).
#[inline]
pub fn leaky_step(v: &mut [f32], current: &[f32], c: CoefficientsView<'_>) {
    let n = v.len();
    let (current, decay, gain, drive) = (&current[..n], &c.decay[..n], &c.gain[..n], &c.drive[..n]);
    for i in 0..n {
        v[i] = decay[i] * v[i] + gain[i] * current[i] + drive[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DT: f32 = 5.0;

    fn defaults() -> NeuronProperties {
        NeuronProperties { tau_logit: logit_from_tau_ms(20.0, DT), v_th: 0.5, v_rest: 0.0, r: 1.0 }
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-6 * (1.0 + b.abs())
    }

    #[test]
    fn default_logit_is_ln_one_third() {
        assert!(close(logit_from_tau_ms(20.0, 5.0), (1.0f32 / 3.0).ln()));
        assert!(close(leak_from_logit(logit_from_tau_ms(20.0, 5.0)), 0.25));
    }

    #[test]
    fn tau_reparameterisation_round_trips() {
        for tau in [5.5f32, 8.0, 20.0, 47.3, 200.0, 1000.0] {
            let a = logit_from_tau_ms(tau, DT);
            let back = tau_ms_from_logit(a, DT);
            assert!((back - tau).abs() / tau < 1e-5, "tau {tau} -> {a} -> {back}");
        }
        for a in [-6.0f32, -1.0, 0.0, 2.5] {
            let back = logit_from_tau_ms(tau_ms_from_logit(a, DT), DT);
            assert!((back - a).abs() < 1e-4, "a {a} -> {back}");
            assert!(tau_ms_from_logit(a, DT) > DT);
        }
    }

    // Hand-computed values: k = 0.25 at τ = 20 ms, Δt = 5 ms.
    #[test]
    fn step_with_defaults() {
        // v = 0.2, I = 1: u = 0.2 + 0.25·(1 − 0.2 + 0) = 0.4 < 0.5, no spike.
        let s = lif_step_reference(0.2, 1.0, &defaults());
        assert!(close(s.u, 0.4) && !s.spike && close(s.v, 0.4));
        // v = 0.3, I = 1.2: u = 0.3 + 0.25·(1.2 − 0.3) = 0.525 ≥ 0.5, spike, reset to 0.
        let s = lif_step_reference(0.3, 1.2, &defaults());
        assert!(close(s.u, 0.525) && s.spike && s.v == 0.0);
    }

    #[test]
    fn step_tau_property() {
        // τ = 10 ms ⇒ k = 0.5. v = 0.2, I = 0.6: u = 0.2 + 0.5·(0.6 − 0.2) = 0.4.
        let p = NeuronProperties { tau_logit: logit_from_tau_ms(10.0, DT), ..defaults() };
        let s = lif_step_reference(0.2, 0.6, &p);
        assert!(close(s.u, 0.4) && !s.spike);
    }

    #[test]
    fn step_threshold_property() {
        // v_th = 0.3: u = 0.4 from the default case now spikes; H(0) = 1 at u = v_th exactly.
        let p = NeuronProperties { v_th: 0.3, ..defaults() };
        assert!(lif_step_reference(0.2, 1.0, &p).spike);
        let p = NeuronProperties { v_th: 0.25, ..defaults() };
        let s = lif_step_reference(0.0, 1.0, &p); // u = 0.25 exactly
        assert!(s.u == 0.25 && s.spike);
    }

    #[test]
    fn step_rest_property() {
        // v_rest = −0.2, v = 0, I = 0: u = 0 + 0.25·(0 − 0 − 0.2) = −0.05 (decays towards v_rest).
        let p = NeuronProperties { v_rest: -0.2, ..defaults() };
        let s = lif_step_reference(0.0, 0.0, &p);
        assert!(close(s.u, -0.05) && !s.spike);
        // After a spike, v resets to v_rest: v = 0.4, I = 2 → u = 0.4 + 0.25(2 − 0.4 − 0.2) = 0.75.
        let s = lif_step_reference(0.4, 2.0, &p);
        assert!(close(s.u, 0.75) && s.spike && s.v == -0.2);
    }

    #[test]
    fn step_resistance_property() {
        // R = 3, v = 0, I = 0.4: u = 0.25·(1.2) = 0.3.
        let p = NeuronProperties { r: 3.0, ..defaults() };
        let s = lif_step_reference(0.0, 0.4, &p);
        assert!(close(s.u, 0.3) && !s.spike);
    }

    #[test]
    fn fast_kernel_matches_reference() {
        let props: Vec<NeuronProperties> = (0..7)
            .map(|i| NeuronProperties {
                tau_logit: -2.0 + 0.5 * i as f32,
                v_th: 0.2 + 0.1 * i as f32,
                v_rest: -0.1 + 0.03 * i as f32,
                r: 0.5 + 0.2 * i as f32,
            })
            .collect();
        let mut c = LifCoefficients::zeros(7);
        for (i, p) in props.iter().enumerate() {
            c.set(i, p);
        }
        let mut v: Vec<f32> = props.iter().map(|p| p.v_rest).collect();
        let mut v_ref = v.clone();
        let mut spikes = vec![0.0; 7];
        for t in 0..50 {
            let current: Vec<f32> = (0..7).map(|i| ((t * 7 + i) as f32 * 0.37).sin() * 1.5).collect();
            let count = spiking_step(&mut v, &current, c.view(0, 7), &mut spikes);
            let mut expected = 0;
            for i in 0..7 {
                let s = lif_step_reference(v_ref[i], current[i], &props[i]);
                v_ref[i] = s.v;
                expected += s.spike as u32;
                assert_eq!(spikes[i] == 1.0, s.spike, "t {t} neuron {i}");
                assert!((v[i] - v_ref[i]).abs() < 1e-5, "t {t} neuron {i}: {} vs {}", v[i], v_ref[i]);
            }
            assert_eq!(count, expected);
        }
    }

    #[test]
    fn leaky_layer_integrates_without_reset() {
        let mut c = LifCoefficients::zeros(1);
        c.set(0, &defaults());
        let mut v = vec![0.0f32];
        for _ in 0..3 {
            leaky_step(&mut v, &[1.0], c.view(0, 1));
        }
        // v_n = 1 − 0.75^n: 1 − 0.421875 = 0.578125 (above v_th, no reset).
        assert!(close(v[0], 0.578125));
    }
}
