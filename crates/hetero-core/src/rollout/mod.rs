//! Population evaluation: every (member, episode) pair is a *lane*. Lanes are split into groups
//! spread over the rayon pool (work stealing: a thread whose group finishes early takes another).
//! A group runs its lanes through [`SLOTS`] slots side by side, neuron-major and slot-minor, so
//! every kernel vectorises across slots; a slot whose episode ends is refilled with the group's
//! next lane, so finished episodes cost nothing and the rows stay full.
//!
//! Per step: observe every occupied slot; project the observations through `w_in` (in neuron
//! mode the weights are shared: one (slots × inputs)·(inputs × hidden) product); step the hidden
//! LIF layer with each slot's own coefficients; output currents = spikes · transposed output
//! weights; step the output layer; decode actions; step the environments. All scratch is
//! allocated per group before its time loop; the loop itself does not allocate (tested with a
//! counting allocator). The kernels are compiled twice, portable (SSE2) and AVX2 (picked at run
//! time; FMA off, so results are identical).
//!
//! Duplicate episodes: environments draw all their randomness at reset and step
//! deterministically, and the network is deterministic, so two episodes of one member from equal
//! initial states are the same episode. Each distinct initial state is simulated once per member
//! and its outcome copied to the duplicates (bsuite's memory_length with one context bit has only
//! two distinct episodes, so 16 episodes per member cost 2). Results are identical either way.
//!
//! Determinism: a lane's arithmetic depends only on its own member and episode, never on the
//! chunking or the thread that runs it, and reductions over lanes are done afterwards in lane
//! order, so results are bit-identical for any thread count.

use crate::env::obs_norm::{ObsNormalizer, ObsSums};
use crate::env::{Action, ActionSpace, Environment};
use crate::network::feedforward::argmax;
use crate::network::genome::{MemberNetwork, PopulationParams};
use crate::neuron::lif::{leaky_step, spiking_step};
use crate::rng::{stream_rng, Stream};
use rayon::prelude::*;

pub mod problem;
pub use problem::{env_model, evaluate_config, genome_returns, EnvProblem};

/// Lanes simulated side by side in one group's slots (the SIMD dimension of the step kernels).
pub const SLOTS: usize = 16;

/// Lanes per task: about four tasks per thread, at least a full set of slots when there are that
/// many lanes. Grouping never changes results.
fn group_size(lanes: usize) -> usize {
    (lanes / (4 * rayon::current_num_threads())).max(SLOTS.min(lanes)).max(1)
}

/// One value per slot.
type Row = [f32; SLOTS];

/// A group's working memory: every per-neuron quantity is a row of [`SLOTS`] values (neuron-major,
/// slot-minor), so each kernel loop runs across slots without horizontal reductions.
struct SlotState<S> {
    /// Lane held by each slot (`usize::MAX`: empty).
    lane: [usize; SLOTS],
    state: Vec<Option<S>>,
    obs: Vec<Row>,
    hidden: LayerRows,
    output: LayerRows,
    /// Per-slot input weights, inputs × hidden rows (weight mode only).
    w_in: Vec<Row>,
    /// Per-slot transposed output weights, outputs × hidden rows (weight mode only).
    w_out_t: Vec<Row>,
    current_hidden: Vec<Row>,
    spikes: Vec<Row>,
    current_out: Vec<Row>,
    out_spikes: Vec<Row>,
}

/// One layer's coefficients and potentials, a row per neuron.
struct LayerRows {
    decay: Vec<Row>,
    gain: Vec<Row>,
    drive: Vec<Row>,
    v_th: Vec<Row>,
    v_rest: Vec<Row>,
    v: Vec<Row>,
}

impl LayerRows {
    fn new(n: usize) -> Self {
        let z = vec![[0.0; SLOTS]; n];
        Self { decay: z.clone(), gain: z.clone(), drive: z.clone(), v_th: z.clone(), v_rest: z.clone(), v: z }
    }

    /// Loads one network's layer into slot `k` and sets its potentials to rest.
    fn load(&mut self, k: usize, c: crate::neuron::lif::CoefficientsView<'_>) {
        for i in 0..self.v.len() {
            self.decay[i][k] = c.decay[i];
            self.gain[i][k] = c.gain[i];
            self.drive[i][k] = c.drive[i];
            self.v_th[i][k] = c.v_th[i];
            self.v_rest[i][k] = c.v_rest[i];
            self.v[i][k] = c.v_rest[i];
        }
    }

    /// Eq. 2 with threshold and reset for every neuron and slot (same operations as
    /// [`crate::neuron::lif::spiking_step`]); adds each slot's spikes to `count`.
    #[inline(always)]
    fn spiking_step(&mut self, current: &[Row], spikes: &mut [Row], count: &mut [u32; SLOTS]) {
        // Rows are copied into locals so the compiler knows nothing aliases, and vectorises.
        let mut total = *count;
        for i in 0..self.v.len() {
            let (v, c, d, g, dr, th, vr) =
                (self.v[i], current[i], self.decay[i], self.gain[i], self.drive[i], self.v_th[i], self.v_rest[i]);
            let mut v_next: Row = [0.0; SLOTS];
            let mut s: Row = [0.0; SLOTS];
            for k in 0..SLOTS {
                let u = d[k] * v[k] + g[k] * c[k] + dr[k];
                let mask = ((u >= th[k]) as u32).wrapping_neg();
                s[k] = f32::from_bits(mask & 1.0f32.to_bits());
                v_next[k] = f32::from_bits((mask & vr[k].to_bits()) | (!mask & u.to_bits()));
                total[k] += mask & 1;
            }
            self.v[i] = v_next;
            spikes[i] = s;
        }
        *count = total;
    }

    /// Eq. 2 without threshold and reset (same operations as [`crate::neuron::lif::leaky_step`]).
    #[inline(always)]
    fn leaky_step(&mut self, current: &[Row]) {
        for i in 0..self.v.len() {
            let (v, c, d, g, dr) = (self.v[i], current[i], self.decay[i], self.gain[i], self.drive[i]);
            let mut v_next: Row = [0.0; SLOTS];
            for k in 0..SLOTS {
                v_next[k] = d[k] * v[k] + g[k] * c[k] + dr[k];
            }
            self.v[i] = v_next;
        }
    }
}

/// The lanes one task runs: lane `first + i` is member `(first + i) / episodes` playing episode
/// `(first + i) % episodes` from `initial[(first + i) % episodes]`.
struct Group<'a, E: Environment> {
    env: &'a E,
    params: &'a PopulationParams,
    episodes: usize,
    initial: &'a [E::State],
    first: usize,
    /// Observation normalisation (statistics fixed for this evaluation), if any.
    norm: Option<&'a ObsNormalizer>,
}

/// Where a task writes each of its lanes' return, steps and hidden spikes.
struct LaneOutputs<'a> {
    returns: &'a mut [f64],
    steps: &'a mut [u32],
    spikes: &'a mut [u64],
    /// Per-lane sums of raw observations for the normaliser's update (used only with `norm`).
    obs_sums: &'a mut [ObsSums],
}

/// Runs lanes `first..first + returns.len()` (lane = member · `episodes` + episode) through
/// [`SLOTS`] slots: a slot whose episode ends takes the next pending lane, so the kernels keep
/// running full rows and finished episodes cost nothing. Per lane, the arithmetic is exactly that
/// of [`network_step`] after [`project_rows`] (same operations in the same order), so results do
/// not depend on slots or grouping.
fn run_group<E: Environment>(group: &Group<'_, E>, out: LaneOutputs<'_>) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { run_group_avx2(group, out) };
            return;
        }
    }
    run_group_slots(group, out)
}

/// [`run_group_slots`] compiled for AVX2 (runtime dispatch; the portable build only assumes SSE2).
/// FMA stays off, so every operation and result is identical to the portable path.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_group_avx2<E: Environment>(group: &Group<'_, E>, out: LaneOutputs<'_>) {
    run_group_slots(group, out)
}

#[inline(always)]
fn run_group_slots<E: Environment>(group: &Group<'_, E>, out: LaneOutputs<'_>) {
    let Group { env, params, episodes, initial, first, norm } = *group;
    let LaneOutputs { returns, steps, spikes: lane_spikes, obs_sums } = out;
    let shape = params.shape;
    let (n_in, n_hid, n_out) = (shape.inputs, shape.hidden, shape.outputs);
    let shared_w_in = params.shares_input_weights();
    let shared_w_out = params.shares_output_weights();
    let member0 = params.member(0);
    let mut s = SlotState {
        lane: [usize::MAX; SLOTS],
        state: vec![None; SLOTS],
        obs: vec![[0.0; SLOTS]; n_in],
        hidden: LayerRows::new(n_hid),
        output: LayerRows::new(n_out),
        w_in: if shared_w_in { Vec::new() } else { vec![[0.0; SLOTS]; n_in * n_hid] },
        w_out_t: if shared_w_out { Vec::new() } else { vec![[0.0; SLOTS]; n_out * n_hid] },
        current_hidden: vec![[0.0; SLOTS]; n_hid],
        spikes: vec![[0.0; SLOTS]; n_hid],
        current_out: vec![[0.0; SLOTS]; n_out],
        out_spikes: vec![[0.0; SLOTS]; n_out],
    };
    let mut obs = vec![0.0f32; n_in];
    let mut v_out = vec![0.0f32; n_out];
    let mut action_buffer = vec![0.0f32; n_out];
    let action_space = env.action_space();
    let mut next = 0;
    let load = |s: &mut SlotState<E::State>, k: usize, lane: usize| {
        let net = params.member((first + lane) / episodes);
        s.lane[k] = lane;
        s.state[k] = Some(initial[(first + lane) % episodes].clone());
        s.hidden.load(k, net.hidden);
        s.output.load(k, net.output);
        if !shared_w_in {
            for (row, &w) in s.w_in.iter_mut().zip(net.w_in) {
                row[k] = w;
            }
        }
        if !shared_w_out {
            for (row, &w) in s.w_out_t.iter_mut().zip(net.w_out_t) {
                row[k] = w;
            }
        }
    };
    for k in 0..SLOTS.min(returns.len()) {
        load(&mut s, k, next);
        next += 1;
    }
    let h8 = n_hid - n_hid % 8;
    loop {
        let mut any = false;
        for k in 0..SLOTS {
            match &s.state[k] {
                Some(state) => {
                    any = true;
                    env.observe(state, &mut obs);
                    if let Some(n) = norm {
                        n.accumulate(&obs, &mut obs_sums[s.lane[k]]);
                        n.normalize(&mut obs);
                    }
                    for (row, &x) in s.obs.iter_mut().zip(&obs) {
                        row[k] = x;
                    }
                }
                None => s.obs.iter_mut().for_each(|row| row[k] = 0.0),
            }
        }
        if !any {
            break;
        }
        // Input projection: current = obs · w_in, summed over inputs in ascending order.
        for h in 0..n_hid {
            let mut cur: Row = [0.0; SLOTS];
            if shared_w_in {
                let w = member0.w_in;
                let (x0, w0) = (s.obs[0], w[h]);
                for k in 0..SLOTS {
                    cur[k] = x0[k] * w0;
                }
                for i in 1..n_in {
                    let (x, wi) = (s.obs[i], w[i * n_hid + h]);
                    for k in 0..SLOTS {
                        cur[k] += x[k] * wi;
                    }
                }
            } else {
                let (x0, w0) = (s.obs[0], s.w_in[h]);
                for k in 0..SLOTS {
                    cur[k] = x0[k] * w0[k];
                }
                for i in 1..n_in {
                    let (x, wi) = (s.obs[i], s.w_in[i * n_hid + h]);
                    for k in 0..SLOTS {
                        cur[k] += x[k] * wi[k];
                    }
                }
            }
            s.current_hidden[h] = cur;
        }
        let mut count = [0u32; SLOTS];
        s.hidden.spiking_step(&s.current_hidden, &mut s.spikes, &mut count);
        // Output currents: the dot product of spikes and w_out_t, in `dot`'s order.
        for o in 0..n_out {
            let mut part = [[0.0f32; SLOTS]; 9];
            for h in 0..n_hid {
                let j = if h < h8 { h % 8 } else { 8 };
                let sp = s.spikes[h];
                let mut acc = part[j];
                if shared_w_out {
                    let w = member0.w_out_t[o * n_hid + h];
                    for k in 0..SLOTS {
                        acc[k] += sp[k] * w;
                    }
                } else {
                    let w = s.w_out_t[o * n_hid + h];
                    for k in 0..SLOTS {
                        acc[k] += sp[k] * w[k];
                    }
                }
                part[j] = acc;
            }
            let mut c: Row = [0.0; SLOTS];
            for k in 0..SLOTS {
                c[k] = ((part[0][k] + part[4][k]) + (part[1][k] + part[5][k]))
                    + ((part[2][k] + part[6][k]) + (part[3][k] + part[7][k]))
                    + part[8][k];
            }
            s.current_out[o] = c;
        }
        if params.output_spiking {
            let mut ignored = [0u32; SLOTS];
            s.output.spiking_step(&s.current_out, &mut s.out_spikes, &mut ignored);
        } else {
            s.output.leaky_step(&s.current_out);
        }
        for k in 0..SLOTS {
            let Some(state) = s.state[k].as_mut() else { continue };
            let lane = s.lane[k];
            for (o, v) in v_out.iter_mut().enumerate() {
                *v = s.output.v[o][k];
            }
            let action = decode(action_space, &v_out, &mut action_buffer);
            let tr = env.step(state, action);
            returns[lane] += tr.reward;
            steps[lane] += 1;
            lane_spikes[lane] += count[k] as u64;
            if tr.done() {
                if next < returns.len() {
                    load(&mut s, k, next);
                    next += 1;
                } else {
                    s.state[k] = None;
                    s.lane[k] = usize::MAX;
                }
            }
        }
    }
}

/// Which initial states a batch of episodes starts from: episode e of every member starts from
/// `env.reset(stream_rng(seed, stream, [generation, e, 0]))`, so all members of a generation
/// face the same E initial conditions (common random numbers, as EvoJAX's SimManager).
#[derive(Clone, Copy, Debug)]
pub struct EpisodeSource {
    /// The run's seed.
    pub seed: u64,
    /// The purpose (population, centre evaluation, …).
    pub stream: Stream,
    /// The generation (or any index separating batches).
    pub generation: u64,
}

/// Outcome of evaluating a population.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RolloutResult {
    /// Return of every lane, member-major (member m, episode e at m·E + e).
    pub lane_returns: Vec<f64>,
    /// Steps of every lane.
    pub lane_steps: Vec<u32>,
    /// Total hidden-layer spikes over all lanes and steps.
    pub hidden_spikes: u64,
    /// Member-steps actually simulated (duplicate episodes are simulated once).
    pub simulated_steps: u64,
    /// Episodes per member.
    pub episodes: usize,
}

impl RolloutResult {
    /// Mean return over each member's episodes (the fitness).
    pub fn member_means(&self) -> Vec<f64> {
        self.lane_returns.chunks(self.episodes).map(|r| r.iter().sum::<f64>() / r.len() as f64).collect()
    }

    /// Total member-steps simulated.
    pub fn total_steps(&self) -> u64 {
        self.lane_steps.iter().map(|&s| s as u64).sum()
    }
}

/// Working memory of the reference engine.
#[cfg(test)]
struct ChunkScratch<S> {
    obs: Vec<f32>,
    current_hidden: Vec<f32>,
    v_hidden: Vec<f32>,
    spikes: Vec<f32>,
    current_out: Vec<f32>,
    v_out: Vec<f32>,
    out_spikes: Vec<f32>,
    action: Vec<f32>,
    states: Vec<S>,
    live: Vec<usize>,
}

/// `out[r] = x[r] · w` for `rows` rows: x is rows × k (k ≥ 1), w is k × n, out rows × n (row-major).
/// Each output row's sum runs over k in ascending order whatever `rows` is, so results do not
/// depend on how rows are batched.
#[inline]
pub fn project_rows(x: &[f32], k: usize, w: &[f32], n: usize, out: &mut [f32]) {
    let w = &w[..k * n];
    for (xr, or) in x.chunks_exact(k).zip(out.chunks_exact_mut(n)) {
        let (x0, w0) = (xr[0], &w[..n]);
        for (o, &wv) in or.iter_mut().zip(w0) {
            *o = x0 * wv;
        }
        for (kk, &xv) in xr.iter().enumerate().skip(1) {
            let wr = &w[kk * n..(kk + 1) * n];
            for (o, &wv) in or.iter_mut().zip(wr) {
                *o += xv * wv;
            }
        }
    }
}

/// Evaluates every member of `params` for `episodes` episodes on `env`.
pub fn evaluate<E: Environment>(
    env: &E,
    params: &PopulationParams,
    episodes: usize,
    source: EpisodeSource,
) -> RolloutResult {
    evaluate_normalized(env, params, episodes, source, None).0
}

/// As [`evaluate`], the network seeing observations normalised by `norm` (fixed during the
/// call); also returns the sums of the raw observations for [`ObsNormalizer::update`], summed in
/// lane order (empty without `norm`). Episodes from duplicate initial states count once.
pub fn evaluate_normalized<E: Environment>(
    env: &E,
    params: &PopulationParams,
    episodes: usize,
    source: EpisodeSource,
    norm: Option<&ObsNormalizer>,
) -> (RolloutResult, ObsSums) {
    let members = params.members();
    let initial: Vec<E::State> = (0..episodes)
        .map(|e| env.reset(&mut stream_rng(source.seed, source.stream, [source.generation, e as u64, 0])))
        .collect();
    // Distinct initial states, and which one each episode starts from.
    let mut distinct: Vec<E::State> = Vec::new();
    let mut which = Vec::with_capacity(episodes);
    for state in &initial {
        match distinct.iter().position(|d| d == state) {
            Some(k) => which.push(k),
            None => {
                which.push(distinct.len());
                distinct.push(state.clone());
            }
        }
    }
    let d = distinct.len();
    let lanes = members * d;
    let mut returns = vec![0.0; lanes];
    let mut steps = vec![0u32; lanes];
    let mut spikes = vec![0u64; lanes];
    let dim = norm.map_or(0, |n| n.dim());
    let mut obs_sums = vec![ObsSums::new(dim); lanes];
    let size = group_size(lanes);
    returns
        .par_chunks_mut(size)
        .zip(steps.par_chunks_mut(size))
        .zip(spikes.par_chunks_mut(size))
        .zip(obs_sums.par_chunks_mut(size))
        .enumerate()
        .for_each(|(g, (((returns, steps), spikes), obs_sums))| {
            let group = Group { env, params, episodes: d, initial: &distinct, first: g * size, norm };
            run_group(&group, LaneOutputs { returns, steps, spikes, obs_sums });
        });
    let mut total_sums = ObsSums::new(dim);
    for lane in &obs_sums {
        total_sums.add(lane);
    }
    let simulated_steps = steps.iter().map(|&s| s as u64).sum();
    let mut lane_returns = Vec::with_capacity(members * episodes);
    let mut lane_steps = Vec::with_capacity(members * episodes);
    let mut hidden_spikes = 0u64;
    for m in 0..members {
        for &k in &which {
            lane_returns.push(returns[m * d + k]);
            lane_steps.push(steps[m * d + k]);
            hidden_spikes += spikes[m * d + k];
        }
    }
    (RolloutResult { lane_returns, lane_steps, hidden_spikes, simulated_steps, episodes }, total_sums)
}

/// Reference engine for tests: lanes one after another through [`network_step`]; writes each
/// lane's return, steps and hidden spikes.
#[cfg(test)]
fn run_chunk<E: Environment>(group: &Group<'_, E>, out: LaneOutputs<'_>) {
    let Group { env, params, episodes, initial, first, .. } = *group;
    let LaneOutputs { returns, steps, spikes: lane_spikes, .. } = out;
    let shape = params.shape;
    let (n_in, n_hid, n_out) = (shape.inputs, shape.hidden, shape.outputs);
    let n = returns.len();
    let member_of = |lane: usize| (first + lane) / episodes;
    let mut s = ChunkScratch {
        obs: vec![0.0; n * n_in],
        current_hidden: vec![0.0; n * n_hid],
        v_hidden: vec![0.0; n * n_hid],
        spikes: vec![0.0; n_hid],
        current_out: vec![0.0; n_out],
        v_out: vec![0.0; n * n_out],
        out_spikes: vec![0.0; n_out],
        action: vec![0.0; n_out],
        states: (0..n).map(|lane| initial[(first + lane) % episodes].clone()).collect(),
        live: (0..n).collect(),
    };
    for lane in 0..n {
        let net = params.member(member_of(lane));
        s.v_hidden[lane * n_hid..(lane + 1) * n_hid].copy_from_slice(net.hidden.v_rest);
        s.v_out[lane * n_out..(lane + 1) * n_out].copy_from_slice(net.output.v_rest);
    }
    let shared_w_in = params.shares_input_weights();
    let action_space = env.action_space();
    while !s.live.is_empty() {
        let live_count = s.live.len();
        for (slot, &lane) in s.live.iter().enumerate() {
            env.observe(&s.states[lane], &mut s.obs[slot * n_in..(slot + 1) * n_in]);
        }
        if shared_w_in {
            let w_in = params.member(0).w_in;
            project_rows(&s.obs[..live_count * n_in], n_in, w_in, n_hid, &mut s.current_hidden[..live_count * n_hid]);
        } else {
            for (slot, &lane) in s.live.iter().enumerate() {
                let w_in = params.member(member_of(lane)).w_in;
                project_rows(
                    &s.obs[slot * n_in..(slot + 1) * n_in],
                    n_in,
                    w_in,
                    n_hid,
                    &mut s.current_hidden[slot * n_hid..(slot + 1) * n_hid],
                );
            }
        }
        let mut slot = 0;
        let mut kept = 0;
        while slot < live_count {
            let lane = s.live[slot];
            let net = params.member(member_of(lane));
            lane_spikes[lane] += network_step(
                &net,
                params.output_spiking,
                &s.current_hidden[slot * n_hid..(slot + 1) * n_hid],
                &mut s.v_hidden[lane * n_hid..(lane + 1) * n_hid],
                &mut s.spikes,
                &mut s.current_out,
                &mut s.v_out[lane * n_out..(lane + 1) * n_out],
                &mut s.out_spikes,
            ) as u64;
            let v_out = &s.v_out[lane * n_out..(lane + 1) * n_out];
            let action = decode(action_space, v_out, &mut s.action);
            let tr = env.step(&mut s.states[lane], action);
            returns[lane] += tr.reward;
            steps[lane] += 1;
            if !tr.done() {
                s.live[kept] = lane;
                kept += 1;
            }
            slot += 1;
        }
        s.live.truncate(kept);
    }
}

/// Σ_i a_i·b_i with eight partial sums in a fixed order (vectorises; deterministic).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; 8];
    let (a8, a_tail) = a.split_at(n - n % 8);
    let (b8, b_tail) = b.split_at(n - n % 8);
    for (x, y) in a8.chunks_exact(8).zip(b8.chunks_exact(8)) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut tail = 0.0;
    for (x, y) in a_tail.iter().zip(b_tail) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// One network step after the input projection: hidden LIF, output currents (dense: with few
/// outputs a dot product over all hidden neurons beats branching on each spike), output layer.
/// Returns the hidden spike count.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn network_step(
    net: &MemberNetwork<'_>,
    output_spiking: bool,
    current_hidden: &[f32],
    v_hidden: &mut [f32],
    spikes: &mut [f32],
    current_out: &mut [f32],
    v_out: &mut [f32],
    out_spikes: &mut [f32],
) -> u32 {
    let n_hid = v_hidden.len();
    let count = spiking_step(v_hidden, current_hidden, net.hidden, spikes);
    for (o, c) in current_out.iter_mut().enumerate() {
        *c = if count == 0 { 0.0 } else { dot(spikes, &net.w_out_t[o * n_hid..(o + 1) * n_hid]) };
    }
    if output_spiking {
        spiking_step(v_out, current_out, net.output, out_spikes);
    } else {
        leaky_step(v_out, current_out, net.output);
    }
    count
}

/// Output potentials → action: argmax for discrete spaces, tanh for continuous ones.
#[inline]
pub fn decode<'a>(space: ActionSpace, v_out: &[f32], buffer: &'a mut [f32]) -> Action<'a> {
    match space {
        ActionSpace::Discrete(_) => Action::Discrete(argmax(v_out)),
        ActionSpace::Continuous(_) => {
            for (b, &v) in buffer.iter_mut().zip(v_out) {
                *b = v.tanh();
            }
            Action::Continuous(buffer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::CartPole;
    use crate::network::{
        FixedWeights, GenomeConfig, GenomeLayout, GenomeMode, NetworkConfig, NetworkShape, OutputLayer,
    };

    fn population(mode: GenomeMode, members: usize) -> (GenomeLayout, NetworkConfig, FixedWeights, Vec<f32>) {
        let net = NetworkConfig { hidden: 16, ..Default::default() };
        let shape = NetworkShape { inputs: 4, hidden: 16, outputs: 2 };
        let fixed = FixedWeights::lecun(shape, 0);
        let layout = GenomeLayout::new(shape, OutputLayer::Leaky, &GenomeConfig { mode, ..Default::default() });
        let centre = layout.initial_centre(&net, &fixed);
        let mut genomes = Vec::new();
        for m in 0..members {
            genomes.extend(
                centre.iter().enumerate().map(|(i, &x)| x + 0.3 * (((m * 31 + i * 7) % 13) as f32 / 13.0 - 0.5)),
            );
        }
        (layout, net, fixed, genomes)
    }

    #[test]
    fn dot_matches_the_plain_sum_on_exact_values() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..19).map(|i| (i % 3) as f32 - 1.0).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), plain);
        assert_eq!(dot(&[], &[]), 0.0);
    }

    #[test]
    fn project_rows_is_a_matrix_product() {
        let x = [1.0, 2.0, 3.0, 4.0]; // 2 × 2
        let w = [1.0, 0.0, -1.0, 0.5, 2.0, 1.0]; // 2 × 3
        let mut out = [0.0; 6];
        project_rows(&x, 2, &w, 3, &mut out);
        assert_eq!(out, [2.0, 4.0, 1.0, 5.0, 8.0, 1.0]);
    }

    /// The chunked lockstep engine equals a plain one-lane-at-a-time loop.
    #[test]
    fn engine_matches_a_plain_loop() {
        for mode in [GenomeMode::Neuron, GenomeMode::Weight] {
            let members = 37; // not a multiple of the chunk size
            let (layout, net, fixed, genomes) = population(mode, members);
            let params = PopulationParams::build(&layout, &net, &fixed, &genomes, members);
            let env = CartPole::new(200);
            let source = EpisodeSource { seed: 9, stream: Stream::EnvReset, generation: 4 };
            let result = evaluate(&env, &params, 2, source);
            for m in 0..members {
                for e in 0..2 {
                    let net_m = params.member(m);
                    let mut state = env.reset(&mut stream_rng(9, Stream::EnvReset, [4, e as u64, 0]));
                    let mut v_h: Vec<f32> = net_m.hidden.v_rest.to_vec();
                    let mut v_o: Vec<f32> = net_m.output.v_rest.to_vec();
                    let (mut sp, mut co, mut os, mut buf) = (vec![0.0; 16], vec![0.0; 2], vec![0.0; 2], vec![0.0; 2]);
                    let mut obs = [0.0f32; 4];
                    let mut ret = 0.0;
                    loop {
                        env.observe(&state, &mut obs);
                        let mut cur = vec![0.0; 16];
                        project_rows(&obs, 4, net_m.w_in, 16, &mut cur);
                        network_step(&net_m, false, &cur, &mut v_h, &mut sp, &mut co, &mut v_o, &mut os);
                        let tr = env.step(&mut state, decode(env.action_space(), &v_o, &mut buf));
                        ret += tr.reward;
                        if tr.done() {
                            break;
                        }
                    }
                    assert_eq!(result.lane_returns[m * 2 + e], ret, "{mode:?} member {m} episode {e}");
                }
            }
        }
    }

    #[test]
    fn thread_count_does_not_change_results() {
        let members = 64;
        let (layout, net, fixed, genomes) = population(GenomeMode::Neuron, members);
        let params = PopulationParams::build(&layout, &net, &fixed, &genomes, members);
        let env = CartPole::new(300);
        let source = EpisodeSource { seed: 1, stream: Stream::EnvReset, generation: 0 };
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| evaluate(&env, &params, 3, source))
        };
        assert_eq!(run(1), run(2));
        assert_eq!(run(1), run(3));
    }

    /// Episodes from equal initial states are simulated once and give the same result as
    /// simulating each of them.
    #[test]
    fn duplicate_initial_states_are_simulated_once() {
        use crate::env::MemoryChain;
        let net = NetworkConfig { hidden: 16, ..Default::default() };
        let shape = NetworkShape { inputs: 3, hidden: 16, outputs: 2 };
        let fixed = FixedWeights::lecun(shape, 0);
        let layout = GenomeLayout::new(shape, OutputLayer::Leaky, &GenomeConfig::default());
        let centre = layout.initial_centre(&net, &fixed);
        let genomes: Vec<f32> = (0..8)
            .flat_map(|m| {
                centre.iter().enumerate().map(move |(i, &x)| x + 0.2 * (((m * 7 + i * 3) % 11) as f32 / 11.0 - 0.5))
            })
            .collect();
        let params = PopulationParams::build(&layout, &net, &fixed, &genomes, 8);
        let env = MemoryChain::new(4, 1, 1000);
        let source = EpisodeSource { seed: 2, stream: Stream::EnvReset, generation: 1 };
        let all = evaluate(&env, &params, 16, source);
        assert_eq!(all.simulated_steps, 8 * 2 * 5, "two distinct contexts, 5 steps each");
        assert_eq!(all.total_steps(), 8 * 16 * 5);
        // Each episode on its own gives the same return and spikes.
        for e in 0..16 {
            let initial = env.reset(&mut stream_rng(2, Stream::EnvReset, [1, e as u64, 0]));
            for m in 0..8 {
                let one =
                    PopulationParams::build(&layout, &net, &fixed, &genomes[m * layout.dim..(m + 1) * layout.dim], 1);
                let mut r = vec![0.0];
                let mut st = vec![0u32];
                let mut sp = vec![0u64];
                let group = Group {
                    env: &env,
                    params: &one,
                    episodes: 1,
                    initial: std::slice::from_ref(&initial),
                    first: 0,
                    norm: None,
                };
                run_chunk(&group, LaneOutputs { returns: &mut r, steps: &mut st, spikes: &mut sp, obs_sums: &mut [] });
                assert_eq!(all.lane_returns[m * 16 + e], r[0], "member {m} episode {e}");
            }
        }
    }
}
