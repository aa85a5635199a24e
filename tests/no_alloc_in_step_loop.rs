//! The rollout's step loop allocates nothing: with a counting global allocator, evaluating a
//! population for 10 steps and for 2000 steps performs exactly the same allocations (all of them
//! are per-chunk scratch made before the loop).
//!
//! Rayon's own bookkeeping allocates now and then outside our code: its job injector
//! (crossbeam-deque) takes a new 1520-byte block every 63 jobs, and the epoch collector seals a
//! bag of deferred frees, at times that depend on thread scheduling. A single measurement therefore
//! sees 1–4 extra allocations in roughly one run in 200. Each count is the minimum over
//! `REPEATS` evaluations: the bookkeeping only ever adds, while an allocation in the step loop
//! would show up in every repeat (at least once per step, so ≥ 1990 more for the long run).

use hetero::env::{Action, ActionSpace, Environment, Transition};
use hetero::network::genome::PopulationParams;
use hetero::network::{FixedWeights, GenomeConfig, GenomeLayout, GenomeMode, NetworkConfig, NetworkShape, OutputLayer};
use hetero::rng::Stream;
use hetero::rollout::{evaluate, EpisodeSource};
use rand_chacha::ChaCha8Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A task that only ends at its step limit, so every lane runs exactly `max_steps` steps.
struct Endless {
    max_steps: usize,
}

impl Environment for Endless {
    type State = (usize, f32);
    fn name(&self) -> &'static str {
        "endless"
    }
    fn observation_size(&self) -> usize {
        3
    }
    fn action_space(&self) -> ActionSpace {
        ActionSpace::Discrete(2)
    }
    fn max_steps(&self) -> usize {
        self.max_steps
    }
    fn reset(&self, _rng: &mut ChaCha8Rng) -> (usize, f32) {
        (0, 0.0)
    }
    fn observe(&self, s: &(usize, f32), obs: &mut [f32]) {
        obs[0] = (s.0 as f32 * 0.1).sin();
        obs[1] = s.1;
        obs[2] = 1.0;
    }
    fn step(&self, s: &mut (usize, f32), action: Action<'_>) -> Transition {
        s.0 += 1;
        s.1 = if matches!(action, Action::Discrete(1)) { 0.5 } else { -0.5 };
        Transition { reward: 1.0, terminated: false, truncated: s.0 >= self.max_steps }
    }
    fn state_values(&self, s: &(usize, f32)) -> Vec<f64> {
        vec![s.0 as f64, s.1 as f64]
    }
}

/// Evaluations per measurement; the count is their minimum (see the module docs).
const REPEATS: usize = 5;

#[test]
fn step_loop_allocates_nothing() {
    let net = NetworkConfig { hidden: 32, ..Default::default() };
    let shape = NetworkShape { inputs: 3, hidden: 32, outputs: 2 };
    let fixed = FixedWeights::lecun(shape, 0);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    for mode in [GenomeMode::Neuron, GenomeMode::Weight] {
        let layout = GenomeLayout::new(shape, OutputLayer::Leaky, &GenomeConfig { mode, ..Default::default() });
        let genomes: Vec<f32> = (0..40).flat_map(|_| layout.initial_centre(&net, &fixed)).collect();
        let params = PopulationParams::build(&layout, &net, &fixed, &genomes, 40);
        let source = EpisodeSource { seed: 0, stream: Stream::EnvReset, generation: 0 };
        let count = |max_steps: usize| {
            let env = Endless { max_steps };
            pool.install(|| evaluate(&env, &params, 2, source)); // warm up the pool
            (0..REPEATS)
                .map(|_| {
                    let before = ALLOCATIONS.load(Ordering::SeqCst);
                    let result = pool.install(|| evaluate(&env, &params, 2, source));
                    let after = ALLOCATIONS.load(Ordering::SeqCst);
                    assert_eq!(result.total_steps(), (80 * max_steps) as u64);
                    after - before
                })
                .min()
                .unwrap()
        };
        let short = count(10);
        let long = count(2000);
        assert_eq!(short, long, "{mode:?}: {short} allocations for 10 steps, {long} for 2000");
    }
}
