//! Exact reverse-mode BPTT through the 2-layer LIF network of SPEC §1.1/§2 (non-spiking leaky
//! output layer), for the weights and all four neuron properties, through the τ
//! reparameterisation k = Δt/τ = sigmoid(a). Per step t, hidden neuron h and output o:
//! ```text
//! I_h = Σ_i x_i W_in[i,h]          u_h = v_h + k_h (R_h I_h − v_h + vr_h)
//! s_h = H(u_h − th_h)              v_h ← u_h (1 − s_h) + vr_h s_h
//! I_o = Σ_h s_h W_out[h,o]         v_o ← v_o + k_o (R_o I_o − v_o + vr_o)
//! ```
//! The backward pass replaces H' by a surrogate g'. Recurrent Jacobian of the hidden potential:
//! with the reset path (Paper A Eq. 9) ∂v/∂u = 1 − s + (vr − u)·g'(u − th); detached (Eq. 11,
//! the reset uses a stop-gradient spike) ∂v/∂u = 1 − s, and the threshold then reaches the loss
//! only through the spikes sent to the output layer. The tape is preallocated and reused, so the
//! time loops do not allocate.

use super::surrogate::Surrogate;

/// Per-neuron properties of one layer (τ as the logit a, k = sigmoid(a)).
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronParams {
    /// a, with Δt/τ = sigmoid(a).
    pub tau_logit: Vec<f64>,
    /// Threshold (unused by the output layer).
    pub v_th: Vec<f64>,
    /// Resting = reset potential.
    pub v_rest: Vec<f64>,
    /// Resistance gain.
    pub r: Vec<f64>,
}

/// Gradients have the shape of the parameters.
pub type NeuronGrads = NeuronParams;

impl NeuronParams {
    /// `n` neurons at one value each.
    pub fn uniform(n: usize, tau_logit: f64, v_th: f64, v_rest: f64, r: f64) -> Self {
        Self { tau_logit: vec![tau_logit; n], v_th: vec![v_th; n], v_rest: vec![v_rest; n], r: vec![r; n] }
    }

    /// Zeros for `n` neurons.
    pub fn zeros(n: usize) -> Self {
        Self::uniform(n, 0.0, 0.0, 0.0, 0.0)
    }

    /// The four property vectors, mutably, in the order tau, v_th, v_rest, r.
    pub fn vectors_mut(&mut self) -> [&mut Vec<f64>; 4] {
        [&mut self.tau_logit, &mut self.v_th, &mut self.v_rest, &mut self.r]
    }
}

/// All parameters of the network.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Input size.
    pub inputs: usize,
    /// Hidden width.
    pub hidden: usize,
    /// Outputs.
    pub outputs: usize,
    /// inputs × hidden, row-major.
    pub w_in: Vec<f64>,
    /// hidden × outputs, row-major.
    pub w_out: Vec<f64>,
    /// Hidden neurons.
    pub hidden_neurons: NeuronParams,
    /// Output neurons.
    pub output_neurons: NeuronParams,
}

/// Gradients of all parameters.
pub type Gradients = Params;

impl Params {
    /// Zero parameters (or gradients) of a shape.
    pub fn zeros(inputs: usize, hidden: usize, outputs: usize) -> Self {
        Self {
            inputs,
            hidden,
            outputs,
            w_in: vec![0.0; inputs * hidden],
            w_out: vec![0.0; hidden * outputs],
            hidden_neurons: NeuronParams::zeros(hidden),
            output_neurons: NeuronParams::zeros(outputs),
        }
    }

    /// Every parameter vector, mutably, with its name (for optimisers and gradient checks).
    pub fn named_vectors_mut(&mut self) -> Vec<(&'static str, &mut Vec<f64>)> {
        let [ht, hv, hr, hrr] = self.hidden_neurons.vectors_mut();
        let [ot, ov, or, orr] = self.output_neurons.vectors_mut();
        vec![
            ("w_in", &mut self.w_in),
            ("w_out", &mut self.w_out),
            ("hidden.tau", ht),
            ("hidden.v_th", hv),
            ("hidden.v_rest", hr),
            ("hidden.r", hrr),
            ("output.tau", ot),
            ("output.v_th", ov),
            ("output.v_rest", or),
            ("output.r", orr),
        ]
    }
}

/// Which recurrent Jacobian the backward pass uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jacobian {
    /// Paper A Eq. 9: the reset contributes (vr − u)·g'.
    WithReset,
    /// Paper A Eq. 11: the reset's spike is a constant.
    Detached,
}

/// A Jacobian name that does not parse.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}: expected reset or detached")]
pub struct ParseJacobianError(String);

impl std::str::FromStr for Jacobian {
    type Err = ParseJacobianError;

    /// `reset` (Eq. 9) or `detached` (Eq. 11).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "reset" => Ok(Jacobian::WithReset),
            "detached" => Ok(Jacobian::Detached),
            _ => Err(ParseJacobianError(name.to_string())),
        }
    }
}

/// Everything the backward pass needs from the forward pass, step-major.
#[derive(Clone, Debug, Default)]
pub struct Tape {
    /// Steps recorded.
    pub steps: usize,
    x: Vec<f64>,
    i_h: Vec<f64>,
    u_h: Vec<f64>,
    s_h: Vec<f64>,
    v_h_prev: Vec<f64>,
    i_o: Vec<f64>,
    v_o_prev: Vec<f64>,
    /// Output potentials per step (steps × outputs).
    pub v_o: Vec<f64>,
    v_h_now: Vec<f64>,
    v_o_now: Vec<f64>,
}

impl Tape {
    /// Pre-reserves room for `steps` steps of a network shape (then no allocation up to that).
    pub fn with_capacity(p: &Params, steps: usize) -> Self {
        let (i, h, o) = (p.inputs, p.hidden, p.outputs);
        Self {
            steps: 0,
            x: Vec::with_capacity(steps * i),
            i_h: Vec::with_capacity(steps * h),
            u_h: Vec::with_capacity(steps * h),
            s_h: Vec::with_capacity(steps * h),
            v_h_prev: Vec::with_capacity(steps * h),
            i_o: Vec::with_capacity(steps * o),
            v_o_prev: Vec::with_capacity(steps * o),
            v_o: Vec::with_capacity(steps * o),
            v_h_now: Vec::with_capacity(h),
            v_o_now: Vec::with_capacity(o),
        }
    }

    /// Starts an episode: clears the record and puts every neuron at rest.
    pub fn begin(&mut self, p: &Params) {
        self.clear();
        self.v_h_now.clear();
        self.v_h_now.extend_from_slice(&p.hidden_neurons.v_rest);
        self.v_o_now.clear();
        self.v_o_now.extend_from_slice(&p.output_neurons.v_rest);
    }

    /// One network step on input `x`, recorded; returns the output potentials.
    pub fn step(&mut self, p: &Params, x: &[f64], surrogate: Surrogate) -> &[f64] {
        self.step_with_reset_spike(p, x, surrogate, None)
    }

    fn step_with_reset_spike(
        &mut self,
        p: &Params,
        x: &[f64],
        surrogate: Surrogate,
        reset_spikes: Option<&[f64]>,
    ) -> &[f64] {
        let (n_in, n_h, n_o) = (p.inputs, p.hidden, p.outputs);
        let (hn, on) = (&p.hidden_neurons, &p.output_neurons);
        let t = self.steps;
        self.x.extend_from_slice(&x[..n_in]);
        self.v_h_prev.extend_from_slice(&self.v_h_now);
        for h in 0..n_h {
            let i_h: f64 = (0..n_in).map(|i| x[i] * p.w_in[i * n_h + h]).sum();
            let k = sigmoid(hn.tau_logit[h]);
            let v = self.v_h_now[h];
            let u = v + k * (hn.r[h] * i_h - v + hn.v_rest[h]);
            let s = surrogate.spike(u - hn.v_th[h]);
            let s_reset = reset_spikes.map_or(s, |r| r[t * n_h + h]);
            self.v_h_now[h] = u * (1.0 - s_reset) + hn.v_rest[h] * s_reset;
            self.i_h.push(i_h);
            self.u_h.push(u);
            self.s_h.push(s);
        }
        self.v_o_prev.extend_from_slice(&self.v_o_now);
        for o in 0..n_o {
            let s_row = &self.s_h[t * n_h..(t + 1) * n_h];
            let i_o: f64 = (0..n_h).map(|h| s_row[h] * p.w_out[h * n_o + o]).sum();
            let k = sigmoid(on.tau_logit[o]);
            self.v_o_now[o] += k * (on.r[o] * i_o - self.v_o_now[o] + on.v_rest[o]);
            self.i_o.push(i_o);
        }
        self.v_o.extend_from_slice(&self.v_o_now);
        self.steps += 1;
        &self.v_o_now
    }

    fn clear(&mut self) {
        self.steps = 0;
        for v in [
            &mut self.x,
            &mut self.i_h,
            &mut self.u_h,
            &mut self.s_h,
            &mut self.v_h_prev,
            &mut self.i_o,
            &mut self.v_o_prev,
            &mut self.v_o,
        ] {
            v.clear();
        }
    }

    /// The hidden layer's pre-reset potentials u (steps × hidden), e.g. for Paper A's Fig. 8.
    pub fn pre_reset_potentials(&self) -> &[f64] {
        &self.u_h
    }
}

fn sigmoid(a: f64) -> f64 {
    1.0 / (1.0 + (-a).exp())
}

/// Runs the network on `inputs` (steps × inputs, row-major) from rest, recording the tape.
pub fn forward(p: &Params, inputs: &[f64], surrogate: Surrogate, tape: &mut Tape) {
    forward_with_reset_spikes(p, inputs, surrogate, None, tape)
}

/// As [`forward`]; when `reset_spikes` is given (steps × hidden), the reset uses those spikes
/// instead of the current ones (the function whose exact gradient the detached Jacobian is).
pub(crate) fn forward_with_reset_spikes(
    p: &Params,
    inputs: &[f64],
    surrogate: Surrogate,
    reset_spikes: Option<&[f64]>,
    tape: &mut Tape,
) {
    tape.begin(p);
    for x in inputs.chunks_exact(p.inputs) {
        tape.step_with_reset_spike(p, x, surrogate, reset_spikes);
    }
}

/// Adds to `grads` the gradient of a loss whose derivative with respect to every output
/// potential is `dl_dvo` (steps × outputs), through the recorded tape.
pub fn backward(
    p: &Params,
    tape: &Tape,
    dl_dvo: &[f64],
    surrogate: Surrogate,
    jacobian: Jacobian,
    grads: &mut Gradients,
) {
    let (n_in, n_h, n_o) = (p.inputs, p.hidden, p.outputs);
    let hn = &p.hidden_neurons;
    let on = &p.output_neurons;
    let mut lambda_h = vec![0.0; n_h]; // ∂L/∂v_h(t), from later steps
    let mut lambda_o = vec![0.0; n_o]; // ∂L/∂v_o(t), from later steps
    let mut g_s = vec![0.0; n_h];
    for t in (0..tape.steps).rev() {
        // Output layer.
        for h in 0..n_h {
            g_s[h] = 0.0;
        }
        for o in 0..n_o {
            let g_v = dl_dvo[t * n_o + o] + lambda_o[o];
            let k = sigmoid(on.tau_logit[o]);
            let (i_o, v_prev) = (tape.i_o[t * n_o + o], tape.v_o_prev[t * n_o + o]);
            let go = &mut grads.output_neurons;
            go.r[o] += g_v * k * i_o;
            go.v_rest[o] += g_v * k;
            go.tau_logit[o] += g_v * (on.r[o] * i_o - v_prev + on.v_rest[o]) * k * (1.0 - k);
            lambda_o[o] = g_v * (1.0 - k);
            let g_i = g_v * k * on.r[o];
            for h in 0..n_h {
                grads.w_out[h * n_o + o] += g_i * tape.s_h[t * n_h + h];
                g_s[h] += g_i * p.w_out[h * n_o + o];
            }
        }
        // Hidden layer.
        for h in 0..n_h {
            let idx = t * n_h + h;
            let (u, s, v_prev, i_h) = (tape.u_h[idx], tape.s_h[idx], tape.v_h_prev[idx], tape.i_h[idx]);
            let (th, vr, r) = (hn.v_th[h], hn.v_rest[h], hn.r[h]);
            let k = sigmoid(hn.tau_logit[h]);
            let sg = surrogate.derivative(u - th, th);
            let g_v = lambda_h[h];
            // Reset v = u(1 − s) + vr·s: direct terms, then through s (reset path only).
            let reset_through_s = match jacobian {
                Jacobian::WithReset => g_v * (vr - u),
                Jacobian::Detached => 0.0,
            };
            let g_spike = g_s[h] + reset_through_s; // ∂L/∂s
            let g_u = g_v * (1.0 - s) + g_spike * sg;
            let gh = &mut grads.hidden_neurons;
            gh.v_th[h] -= g_spike * sg;
            gh.v_rest[h] += g_v * s + g_u * k;
            gh.r[h] += g_u * k * i_h;
            gh.tau_logit[h] += g_u * (r * i_h - v_prev + vr) * k * (1.0 - k);
            lambda_h[h] = g_u * (1.0 - k);
            let g_i = g_u * k * r;
            let x = &tape.x[t * n_in..(t + 1) * n_in];
            for i in 0..n_in {
                grads.w_in[i * n_h + h] += g_i * x[i];
            }
        }
    }
    // Episodes start at rest: v(0) = v_rest, so v_rest also reaches the loss through the
    // initial potentials.
    for h in 0..n_h {
        grads.hidden_neurons.v_rest[h] += lambda_h[h];
    }
    for o in 0..n_o {
        grads.output_neurons.v_rest[o] += lambda_o[o];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small network with varied parameters, in a regime where hidden neurons spike.
    fn network(n_in: usize, n_h: usize, n_o: usize) -> Params {
        let mut p = Params::zeros(n_in, n_h, n_o);
        let wave = |i: usize, f: f64| (i as f64 * f).sin();
        p.w_in = (0..n_in * n_h).map(|i| 1.2 * wave(i, 1.7)).collect();
        p.w_out = (0..n_h * n_o).map(|i| 0.8 * wave(i, 2.3)).collect();
        p.hidden_neurons = NeuronParams {
            tau_logit: (0..n_h).map(|i| -1.1 + 0.3 * wave(i, 0.9)).collect(),
            v_th: (0..n_h).map(|i| 0.5 + 0.1 * wave(i, 1.3)).collect(),
            v_rest: (0..n_h).map(|i| 0.05 * wave(i, 2.9)).collect(),
            r: (0..n_h).map(|i| 1.0 + 0.2 * wave(i, 0.7)).collect(),
        };
        p.output_neurons = NeuronParams {
            tau_logit: (0..n_o).map(|i| -1.0 + 0.2 * wave(i, 1.1)).collect(),
            v_th: vec![0.5; n_o],
            v_rest: (0..n_o).map(|i| 0.1 * wave(i, 3.1)).collect(),
            r: (0..n_o).map(|i| 1.0 + 0.1 * wave(i, 0.5)).collect(),
        };
        p
    }

    fn inputs(steps: usize, n_in: usize) -> Vec<f64> {
        (0..steps * n_in).map(|i| 0.8 * ((i as f64) * 0.37).sin() + 0.3).collect()
    }

    /// L = Σ_t Σ_o c_to·v_o + ½·v_o², so ∂L/∂v_o = c + v_o.
    fn loss(tape: &Tape, c: &[f64]) -> (f64, Vec<f64>) {
        let l = tape.v_o.iter().zip(c).map(|(v, c)| c * v + 0.5 * v * v).sum();
        let d = tape.v_o.iter().zip(c).map(|(v, c)| c + v).collect();
        (l, d)
    }

    /// BPTT against central finite differences for every parameter kind, over 60 steps, with the
    /// smooth sigmoid stand-in (its exact derivative as the surrogate). Detached: the finite
    /// differences are of the function whose reset uses the base run's spikes, which is exactly
    /// what the detached Jacobian differentiates.
    fn check(jacobian: Jacobian) {
        let (n_in, n_h, n_o, steps) = (3, 6, 2, 60);
        let sur = Surrogate::Sigmoid { beta: 6.0 };
        let base = network(n_in, n_h, n_o);
        let x = inputs(steps, n_in);
        let c: Vec<f64> = (0..steps * n_o).map(|i| ((i as f64) * 0.61).cos()).collect();
        let mut tape = Tape::with_capacity(&base, steps);
        forward(&base, &x, sur, &mut tape);
        let spikes_used = tape.s_h.clone();
        let frozen = match jacobian {
            Jacobian::WithReset => None,
            Jacobian::Detached => Some(spikes_used.as_slice()),
        };
        let mean_spike = spikes_used.iter().sum::<f64>() / spikes_used.len() as f64;
        assert!(mean_spike > 0.05 && mean_spike < 0.95, "regime without spiking dynamics: {mean_spike}");
        let (_, d) = loss(&tape, &c);
        let mut grads = Params::zeros(n_in, n_h, n_o);
        backward(&base, &tape, &d, sur, jacobian, &mut grads);
        let analytic: Vec<(&str, Vec<f64>)> =
            grads.clone().named_vectors_mut().into_iter().map(|(n, v)| (n, v.clone())).collect();
        let eval = |p: &Params| -> f64 {
            let mut t = Tape::with_capacity(p, steps);
            forward_with_reset_spikes(p, &x, sur, frozen, &mut t);
            loss(&t, &c).0
        };
        let h = 1e-6;
        for (name, g) in &analytic {
            if *name == "output.v_th" {
                assert!(g.iter().all(|&v| v == 0.0), "the leaky output layer has no threshold");
                continue;
            }
            for j in 0..g.len() {
                let mut plus = base.clone();
                let mut minus = base.clone();
                plus.named_vectors_mut().into_iter().find(|(n, _)| n == name).unwrap().1[j] += h;
                minus.named_vectors_mut().into_iter().find(|(n, _)| n == name).unwrap().1[j] -= h;
                let fd = (eval(&plus) - eval(&minus)) / (2.0 * h);
                let rel = (g[j] - fd).abs() / fd.abs().max(g[j].abs()).max(1e-3);
                assert!(
                    rel < 1e-3,
                    "{jacobian:?} {name}[{j}]: bptt {} vs finite difference {fd} (rel {rel:.2e})",
                    g[j]
                );
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences_with_reset_path() {
        check(Jacobian::WithReset);
    }

    #[test]
    fn gradients_match_finite_differences_detached() {
        check(Jacobian::Detached);
    }

    /// Sensitivity of the last step's output to the input weight's use at the first step. A drive
    /// that keeps u just above threshold with a steep surrogate is Paper A's Fig. 8 regime:
    /// |∂v(t)/∂v(t−1)| = |(v_rest − u)·g'|·(1 − k) > 1 with the reset path, so that gradient does
    /// not decay; detached, the membrane path is cut at every spike and only the leaky output
    /// path remains, which decays as (1 − k_o)^T.
    #[test]
    fn detached_gradients_decay_with_horizon_reset_path_ones_do_not() {
        let sur = Surrogate::ATan { alpha: 20.0 };
        let magnitude = |steps: usize, jacobian: Jacobian| -> f64 {
            let mut p = network(1, 1, 1);
            p.w_in = vec![1.0];
            p.w_out = vec![1.0];
            p.hidden_neurons = NeuronParams::uniform(1, (1.0f64 / 3.0).ln(), 0.5, 0.0, 1.0);
            // A constant drive: u = 0.25 · 2.08 = 0.52 after every reset, just above v_th = 0.5.
            let x: Vec<f64> = vec![2.08; steps];
            let mut tape = Tape::with_capacity(&p, steps);
            forward(&p, &x, sur, &mut tape);
            let mut d = vec![0.0; steps];
            d[steps - 1] = 1.0;
            let mut g = Params::zeros(1, 1, 1);
            // Only the first input's share: differentiate w.r.t. a weight seen at t = 0 by
            // backpropagating with all later inputs zeroed in the tape's x.
            let mut tape0 = tape.clone();
            for t in 1..steps {
                tape0.x[t] = 0.0;
            }
            backward(&p, &tape0, &d, sur, jacobian, &mut g);
            g.w_in[0].abs()
        };
        let (d10, d40) = (magnitude(10, Jacobian::Detached), magnitude(40, Jacobian::Detached));
        let (r10, r40) = (magnitude(10, Jacobian::WithReset), magnitude(40, Jacobian::WithReset));
        assert!(d40 < 1e-3 * d10.max(1e-300), "detached: {d10:e} at 10 steps, {d40:e} at 40");
        assert!(r40 > 0.1 * r10, "with reset: {r10:e} at 10 steps, {r40:e} at 40");
    }

    #[test]
    fn tape_does_not_grow_past_its_capacity() {
        let p = network(3, 8, 2);
        let mut tape = Tape::with_capacity(&p, 100);
        let caps = (tape.u_h.capacity(), tape.x.capacity());
        for steps in [100, 50, 100] {
            forward(&p, &inputs(steps, 3), Surrogate::DEFAULT, &mut tape);
        }
        assert_eq!((tape.u_h.capacity(), tape.x.capacity()), caps);
    }
}
