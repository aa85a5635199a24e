//! REINFORCE (Williams 1992) with BPTT through the LIF network (Paper A §4.6, SPEC §5).
//!
//! Per episode: actions are sampled from softmax(v_o(t)); returns-to-go G_t = Σ_{t' ≥ t} r_t'
//! (undiscounted, the task is episodic); the advantage is G_t normalised over the episode,
//! A_t = (G_t − mean G)/(std G + 1e−8) (a per-episode baseline); the loss
//! L = −Σ_t A_t log π(a_t | v_o(t)) has ∂L/∂v_o(t) = −A_t (onehot(a_t) − π_t), which BPTT
//! carries to the parameters; Adam (lr 3·10⁻² by default) takes one step per episode. Only the
//! mode's parameters are trained: the weights (weight mode) or the hidden neurons' four
//! properties (neuron mode, as the ES genome's default). An episode whose gradient is not finite
//! (the reset-path Jacobian can explode) is skipped and counted.

use super::bptt::{backward, Jacobian, NeuronParams, Params, Tape};
use super::surrogate::Surrogate;
use crate::env::{Action, Environment};
use crate::network::{FixedWeights, GenomeMode, NetworkConfig, NetworkShape};
use crate::rng::{stream_rng, Stream};
use crate::strategy::optim::{Optimizer, OptimizerKind};
use rand::Rng;

/// REINFORCE settings.
#[derive(Clone, Copy, Debug)]
pub struct ReinforceConfig {
    /// Training episodes.
    pub episodes: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Surrogate derivative of the spike.
    pub surrogate: Surrogate,
    /// Recurrent Jacobian.
    pub jacobian: Jacobian,
    /// What is trained.
    pub mode: GenomeMode,
}

impl Default for ReinforceConfig {
    fn default() -> Self {
        Self {
            episodes: 3840,
            lr: 3e-2,
            surrogate: Surrogate::DEFAULT,
            jacobian: Jacobian::WithReset,
            mode: GenomeMode::Weight,
        }
    }
}

/// What a REINFORCE run produced.
#[derive(Clone, Debug)]
pub struct ReinforceRun {
    /// Return of every training episode.
    pub episode_returns: Vec<f64>,
    /// Episodes skipped for a non-finite gradient.
    pub skipped_updates: usize,
    /// The trained parameters.
    pub params: Params,
}

/// The network of `network` for `shape` as f64 parameters: LeCun weights of `seed`, homogeneous
/// default neurons (the ES side's starting point).
pub fn initial_params(shape: NetworkShape, network: &NetworkConfig, seed: u64) -> Params {
    let w = FixedWeights::lecun(shape, seed);
    let d = network.default_neuron();
    let neurons = |n| NeuronParams::uniform(n, d.tau_logit as f64, d.v_th as f64, d.v_rest as f64, d.r as f64);
    Params {
        inputs: shape.inputs,
        hidden: shape.hidden,
        outputs: shape.outputs,
        w_in: w.w_in.iter().map(|&x| x as f64).collect(),
        w_out: w.w_out.iter().map(|&x| x as f64).collect(),
        hidden_neurons: neurons(shape.hidden),
        output_neurons: neurons(shape.outputs),
    }
}

/// Names of the parameter vectors a mode trains.
fn trained(mode: GenomeMode) -> &'static [&'static str] {
    match mode {
        GenomeMode::Weight => &["w_in", "w_out"],
        GenomeMode::Neuron => &["hidden.tau", "hidden.v_th", "hidden.v_rest", "hidden.r"],
        GenomeMode::Both => &["w_in", "w_out", "hidden.tau", "hidden.v_th", "hidden.v_rest", "hidden.r"],
    }
}

/// softmax(v) into `out`.
fn softmax(v: &[f64], out: &mut [f64]) {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut z = 0.0;
    for (o, &x) in out.iter_mut().zip(v) {
        *o = (x - m).exp();
        z += *o;
    }
    out.iter_mut().for_each(|o| *o /= z);
}

/// ∂L/∂v_o for one episode: −A_t (onehot(a_t) − π_t), with A the normalised returns-to-go.
pub fn policy_gradient_targets(rewards: &[f64], actions: &[usize], probs: &[f64], outputs: usize, out: &mut Vec<f64>) {
    let n = rewards.len();
    let mut g = vec![0.0; n];
    let mut acc = 0.0;
    for t in (0..n).rev() {
        acc += rewards[t];
        g[t] = acc;
    }
    let mean = g.iter().sum::<f64>() / n as f64;
    let std = (g.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    out.clear();
    for t in 0..n {
        let a = (g[t] - mean) / (std + 1e-8);
        for o in 0..outputs {
            let onehot = if o == actions[t] { 1.0 } else { 0.0 };
            out.push(-a * (onehot - probs[t * outputs + o]));
        }
    }
}

/// Trains `params` on `env` with REINFORCE; episodes start from `(seed, EnvReset, [episode])` and
/// actions are drawn from (seed, Auxiliary) streams, so a run is reproducible from its seed.
pub fn train<E: Environment>(env: &E, mut params: Params, config: ReinforceConfig, seed: u64) -> ReinforceRun {
    let n_o = params.outputs;
    let names = trained(config.mode);
    let mut optimizers: Vec<Optimizer> = params
        .named_vectors_mut()
        .into_iter()
        .filter(|(n, _)| names.contains(n))
        .map(|(_, v)| Optimizer::new(OptimizerKind::Adam, config.lr, 0.0, 0.0, v.len()))
        .collect();
    let mut tape = Tape::with_capacity(&params, env.max_steps());
    let mut grads = Params::zeros(params.inputs, params.hidden, params.outputs);
    let (mut obs, mut x, mut pi) = (vec![0.0f32; params.inputs], vec![0.0f64; params.inputs], vec![0.0f64; n_o]);
    let (mut rewards, mut actions, mut probs, mut targets) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut returns = Vec::with_capacity(config.episodes);
    let mut skipped = 0;
    let mut action_rng = stream_rng(seed, Stream::Auxiliary, [1, 0, 0]);
    for episode in 0..config.episodes {
        let mut state = env.reset(&mut stream_rng(seed, Stream::EnvReset, [episode as u64, 0, 0]));
        tape.begin(&params);
        rewards.clear();
        actions.clear();
        probs.clear();
        loop {
            env.observe(&state, &mut obs);
            for (xi, &o) in x.iter_mut().zip(&obs) {
                *xi = o as f64;
            }
            let v_o = tape.step(&params, &x, config.surrogate);
            softmax(v_o, &mut pi);
            let r: f64 = action_rng.random();
            let mut a = n_o - 1;
            let mut cum = 0.0;
            for (o, &p) in pi.iter().enumerate() {
                cum += p;
                if r < cum {
                    a = o;
                    break;
                }
            }
            probs.extend_from_slice(&pi);
            actions.push(a);
            let tr = env.step(&mut state, Action::Discrete(a));
            rewards.push(tr.reward);
            if tr.done() {
                break;
            }
        }
        returns.push(rewards.iter().sum());
        policy_gradient_targets(&rewards, &actions, &probs, n_o, &mut targets);
        for (_, v) in grads.named_vectors_mut() {
            v.iter_mut().for_each(|g| *g = 0.0);
        }
        backward(&params, &tape, &targets, config.surrogate, config.jacobian, &mut grads);
        let finite = grads
            .named_vectors_mut()
            .into_iter()
            .filter(|(n, _)| names.contains(n))
            .all(|(_, v)| v.iter().all(|g| g.is_finite()));
        if !finite {
            skipped += 1;
            continue;
        }
        let g: Vec<Vec<f64>> = grads
            .named_vectors_mut()
            .into_iter()
            .filter(|(n, _)| names.contains(n))
            .map(|(_, v)| v.iter().map(|x| -x).collect())
            .collect();
        for ((opt, (_, v)), g) in
            optimizers.iter_mut().zip(params.named_vectors_mut().into_iter().filter(|(n, _)| names.contains(n))).zip(&g)
        {
            opt.ascend(v, g);
        }
    }
    ReinforceRun { episode_returns: returns, skipped_updates: skipped, params }
}

/// Mean return of greedy (argmax) play over `episodes` fresh episodes (stream Evaluation).
pub fn evaluate_greedy<E: Environment>(env: &E, params: &Params, episodes: usize, seed: u64) -> f64 {
    let mut tape = Tape::with_capacity(params, env.max_steps());
    let (mut obs, mut x) = (vec![0.0f32; params.inputs], vec![0.0f64; params.inputs]);
    let mut total = 0.0;
    for e in 0..episodes {
        let mut state = env.reset(&mut stream_rng(seed, Stream::Evaluation, [0, e as u64, 0]));
        tape.begin(params);
        loop {
            env.observe(&state, &mut obs);
            for (xi, &o) in x.iter_mut().zip(&obs) {
                *xi = o as f64;
            }
            let v = tape.step(params, &x, Surrogate::DEFAULT);
            let a = (0..v.len()).fold(0, |best, o| if v[o] > v[best] { o } else { best });
            let tr = env.step(&mut state, Action::Discrete(a));
            total += tr.reward;
            if tr.done() {
                break;
            }
        }
        tape.begin(params);
    }
    total / episodes as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::CartPole;

    /// ∂L/∂v_o from `policy_gradient_targets` against finite differences of
    /// L(v) = −Σ_t A_t log softmax(v_t)[a_t] with A held fixed.
    #[test]
    fn policy_gradient_targets_are_the_derivative_of_the_loss() {
        let rewards = [1.0, 1.0, 1.0, 0.0, 1.0];
        let actions = [0usize, 1, 1, 0, 1];
        let v: Vec<f64> = (0..10).map(|i| (i as f64 * 0.7).sin()).collect();
        let mut probs = vec![0.0; 10];
        for t in 0..5 {
            softmax(&v[2 * t..2 * t + 2], &mut probs[2 * t..2 * t + 2]);
        }
        let mut d = Vec::new();
        policy_gradient_targets(&rewards, &actions, &probs, 2, &mut d);
        let g: Vec<f64> = (0..5).map(|t| rewards[t..].iter().sum()).collect();
        let mean = g.iter().sum::<f64>() / 5.0;
        let std = (g.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 5.0).sqrt();
        let loss = |v: &[f64]| -> f64 {
            (0..5)
                .map(|t| {
                    let mut p = [0.0; 2];
                    softmax(&v[2 * t..2 * t + 2], &mut p);
                    -((g[t] - mean) / (std + 1e-8)) * p[actions[t]].ln()
                })
                .sum()
        };
        for j in 0..10 {
            let (mut a, mut b) = (v.clone(), v.clone());
            a[j] += 1e-6;
            b[j] -= 1e-6;
            let fd = (loss(&a) - loss(&b)) / 2e-6;
            assert!((d[j] - fd).abs() < 1e-6, "{j}: {} vs {fd}", d[j]);
        }
    }

    /// Weight-mode REINFORCE learns CartPole: the last 100 of 600 episodes average clearly more
    /// than the first 100.
    #[test]
    fn reinforce_improves_cartpole_returns() {
        let env = CartPole::new(200);
        let shape = NetworkShape { inputs: 4, hidden: 32, outputs: 2 };
        let p = initial_params(shape, &NetworkConfig::default(), 0);
        let run = train(&env, p, ReinforceConfig { episodes: 600, ..Default::default() }, 0);
        let first: f64 = run.episode_returns[..100].iter().sum::<f64>() / 100.0;
        let last: f64 = run.episode_returns[500..].iter().sum::<f64>() / 100.0;
        assert!(last > first + 20.0, "first 100 episodes {first:.1}, last 100 {last:.1}");
    }
}
