//! Population evaluation across processes with MPI (Cargo feature `mpi`; Open MPI, `mpirun`,
//! Slurm's `srun`). Nothing is shipped but fitness: every rank runs the same strategy, and
//! because all sampling noise is keyed by (seed, generation), every rank regenerates the same
//! population itself. Rank r evaluates a contiguous share of the members; their fitness, steps and
//! spike counts are gathered on every rank in member order, so each rank holds the
//! single-process result bit for bit and takes the same `tell`. Rank 0 alone writes files.
//! A run resumes from its checkpoint with any number of ranks.

use crate::engine::PopulationScores;
use mpi::collective::{CommunicatorCollectives, SystemOperation};
use mpi::datatype::PartitionMut;
use mpi::topology::{Communicator, SimpleCommunicator};
use std::sync::OnceLock;

/// The world communicator, set once by [`init`]. MPI calls come only from the training loop, one
/// at a time, and MPI is initialised with `Threading::Serialized`.
struct World(SimpleCommunicator);
// SAFETY: the communicator is only used from one thread at a time (see above), which
// MPI_THREAD_SERIALIZED permits.
unsafe impl Send for World {}
unsafe impl Sync for World {}

static WORLD: OnceLock<World> = OnceLock::new();

/// Initialises MPI (call once, first thing in `main`); keep the returned universe alive until
/// the end of `main` (dropping it finalises MPI). Returns None when MPI was already initialised.
pub fn init() -> Option<mpi::environment::Universe> {
    let (universe, threading) = mpi::initialize_with_threading(mpi::Threading::Serialized)?;
    if threading < mpi::Threading::Serialized {
        crate::io::report_line(&format!(
            "warning: this MPI library gives threading level {threading:?}; hetero needs Serialized"
        ));
    }
    let _ = WORLD.set(World(universe.world()));
    Some(universe)
}

/// This process's rank and the number of ranks, when running under MPI with more than one rank.
pub fn ranks() -> Option<(usize, usize)> {
    let w = &WORLD.get()?.0;
    let size = w.size() as usize;
    (size > 1).then(|| (w.rank() as usize, size))
}

/// True on the rank that writes files (rank 0, or the only process).
pub fn is_writer() -> bool {
    ranks().is_none_or(|(r, _)| r == 0)
}

/// Members `lo..hi` that rank `rank` of `size` evaluates: contiguous, sizes differing by ≤ 1.
pub fn share(members: usize, rank: usize, size: usize) -> (usize, usize) {
    let base = members / size;
    let extra = members % size;
    let lo = rank * base + rank.min(extra);
    (lo, lo + base + usize::from(rank < extra))
}

/// Gathers every rank's [`PopulationScores`] share into the whole population's, in member
/// order: fitness by a variable-count all-gather, steps and spikes by an all-reduce (integer sums,
/// exact in any order).
pub fn gather_scores(local: &PopulationScores, members: usize) -> PopulationScores {
    let w = &WORLD.get().expect("MPI initialised").0;
    let size = w.size() as usize;
    let counts: Vec<i32> = (0..size).map(|r| share(members, r, size)).map(|(lo, hi)| (hi - lo) as i32).collect();
    let displs: Vec<i32> = counts
        .iter()
        .scan(0, |acc, &c| {
            let d = *acc;
            *acc += c;
            Some(d)
        })
        .collect();
    let mut fitness = vec![0.0f64; members];
    {
        let mut part = PartitionMut::new(&mut fitness[..], counts, &displs[..]);
        w.all_gather_varcount_into(&local.fitness[..], &mut part);
    }
    let mut totals = [0u64; 2];
    w.all_reduce_into(&[local.steps, local.hidden_spikes][..], &mut totals[..], SystemOperation::sum());
    PopulationScores { fitness, steps: totals[0], hidden_spikes: totals[1] }
}

/// Test hook: `HETERO_MPI_FAIL=rank:generation` makes that rank fail at the start of that
/// generation (0-based), as a crashed node would, ending the whole job.
pub fn maybe_fail(generation: u64) {
    let Some((rank, _)) = ranks() else { return };
    let Ok(spec) = std::env::var("HETERO_MPI_FAIL") else { return };
    let Some((r, g)) = spec.split_once(':') else { return };
    if r.parse() == Ok(rank) && g.parse() == Ok(generation) {
        crate::io::report_line(&format!("error: rank {rank} failed at generation {generation} (simulated by HETERO_MPI_FAIL); the last checkpoint is intact, rerun with --resume"));
        WORLD.get().expect("MPI initialised").0.abort(3);
    }
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn shares_cover_the_population_evenly() {
        for members in [0usize, 1, 7, 256, 257] {
            for size in 1..6 {
                let mut next = 0;
                for r in 0..size {
                    let (lo, hi) = share(members, r, size);
                    assert_eq!(lo, next);
                    assert!(hi - lo <= members / size + 1);
                    next = hi;
                }
                assert_eq!(next, members);
            }
        }
    }
}
