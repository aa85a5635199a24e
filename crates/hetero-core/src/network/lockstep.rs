//! A team of threads that runs a time loop in lockstep: every thread computes its own part of
//! step t (rows of a reservoir), then all wait at a barrier before step t + 1 reads what step t
//! wrote. The barrier spins (a step of a large reservoir lasts tens of microseconds, far below
//! what a sleeping wait costs) and yields to the scheduler after a while, so an oversubscribed
//! machine still progresses. Which thread computes which rows never changes a result.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A reusable spinning barrier for `parties` threads.
pub struct SpinBarrier {
    parties: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
}

impl SpinBarrier {
    /// A barrier for `parties` (≥ 1) threads.
    pub fn new(parties: usize) -> Self {
        Self { parties: parties.max(1), arrived: AtomicUsize::new(0), generation: AtomicUsize::new(0) }
    }

    /// Waits until all parties have arrived; what each wrote before is visible to all after.
    pub fn wait(&self) {
        if self.parties == 1 {
            return;
        }
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.parties {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::AcqRel);
            return;
        }
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            if spins < 20_000 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// Runs `step(&mut state, thread, t)` for t = 0..`steps` on `threads` threads (the caller's
/// thread is thread 0), with a barrier after every step; each thread's `state` comes from
/// `init(thread)`, made before its first step. Before each step thread 0 reads `stop`; once set,
/// every thread leaves before that step. Returns false if stopped.
pub fn run<S, I, F>(threads: usize, steps: usize, stop: &AtomicBool, init: I, step: F) -> bool
where
    I: Fn(usize) -> S + Sync,
    F: Fn(&mut S, usize, usize) + Sync,
{
    let threads = threads.max(1);
    let barrier = SpinBarrier::new(threads);
    // The first step not to run (usize::MAX: none yet). Set once, by thread 0 before the
    // barrier of that step, so a thread still reading it for an earlier step sees a later one.
    let stop_at = AtomicUsize::new(usize::MAX);
    let body = |thread: usize| {
        let mut state = init(thread);
        for t in 0..steps {
            if thread == 0 && stop_at.load(Ordering::Relaxed) == usize::MAX && stop.load(Ordering::Relaxed) {
                stop_at.store(t, Ordering::Relaxed);
            }
            barrier.wait();
            if stop_at.load(Ordering::Relaxed) <= t {
                return;
            }
            step(&mut state, thread, t);
        }
    };
    if threads == 1 {
        body(0);
    } else {
        std::thread::scope(|s| {
            for thread in 1..threads {
                let body = &body;
                s.spawn(move || body(thread));
            }
            body(0);
        });
    }
    stop_at.load(Ordering::Relaxed) == usize::MAX
}

/// Threads for a time loop of `work` multiply–accumulates per step: one per 60 000 (below that
/// a barrier per step costs more than it saves), at most `limit` (0 = every core).
pub fn threads_for(work: usize, limit: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let limit = if limit == 0 { cores } else { limit };
    (work / 60_000).clamp(1, limit.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn every_thread_sees_every_step_in_order() {
        for threads in [1, 2, 3] {
            let steps = 500;
            let sums: Vec<AtomicU64> = (0..threads).map(|_| AtomicU64::new(0)).collect();
            let shared = AtomicU64::new(0);
            let ok = run(
                threads,
                steps,
                &AtomicBool::new(false),
                |_| (),
                |_, thread, t| {
                    // Each step reads what every thread added in the previous step.
                    let seen = shared.load(Ordering::Relaxed);
                    assert!(seen >= (t * threads) as u64 && seen < ((t + 1) * threads) as u64, "t={t} seen={seen}");
                    sums[thread].fetch_add(t as u64, Ordering::Relaxed);
                    shared.fetch_add(1, Ordering::Relaxed);
                },
            );
            assert!(ok);
            for s in &sums {
                assert_eq!(s.load(Ordering::Relaxed), (steps * (steps - 1) / 2) as u64);
            }
        }
    }

    #[test]
    fn a_set_stop_flag_leaves_before_the_first_step() {
        let ran = AtomicU64::new(0);
        let ok = run(
            2,
            10,
            &AtomicBool::new(true),
            |_| (),
            |_, _, _| {
                ran.fetch_add(1, Ordering::Relaxed);
            },
        );
        assert!(!ok);
        assert_eq!(ran.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn threads_follow_the_work() {
        assert_eq!(threads_for(100, 0), 1);
        assert_eq!(threads_for(10_000_000, 1), 1);
        assert!(threads_for(10_000_000, 2) <= 2);
    }
}
