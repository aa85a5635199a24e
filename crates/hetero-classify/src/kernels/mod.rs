//! The hidden-layer kernels of image classification: all Eq. 2 steps of one image's hidden
//! layer, and the output rows of the neurons that fire, added per step.
//!
//! One file per instruction set: `avx512.rs` (16 neurons per instruction, spike lists by
//! `vpcompressw`), `avx2.rs` (8 per instruction, lists by table lookup) and `portable.rs`
//! (plain Rust on fixed-size arrays), all on the same scheme: each neuron's reset-free
//! trajectory, the spikes derived from its threshold crossings ([`spikes_from_crossings`]), and
//! per-step spike lists summed side by side. `reference.rs` holds the neuron-by-neuron kernel
//! with the reset that the others are tested against, and that runs step counts beyond 8.
//!
//! All use separate multiply and add (no FMA), so they compute the same bits. [`Kernel::best`]
//! picks the fastest one the CPU runs, once per process, unless `HETERO_KERNEL` names another.
//! This file holds that choice, the dispatch on the step count, and the helpers the kernels share.
//!
//! Code generation: [`hidden_steps_with`] and the AVX-512, AVX2 and reference kernels are
//! `#[inline]`, so they are compiled in their caller's codegen unit, as when they were all in
//! `classify/mod.rs`; in a unit of their own the vector kernels compiled to different code (more
//! bounds checks left in). The lookup table of the portable kernel lives in `portable.rs` for the
//! same kind of reason (see [`BYTE_LANES`](portable::BYTE_LANES)). With that, the kernels'
//! machine code is instruction for instruction what it was before the split.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod portable;
mod reference;

use super::OUT_PAD;
use aligned_vec::AVec;
#[cfg(target_arch = "x86_64")]
use avx2::hidden_steps_avx2;
#[cfg(target_arch = "x86_64")]
use avx512::hidden_steps_avx512;
use hetero_core::neuron::lif::CoefficientsView;
use portable::hidden_steps_portable;
use reference::hidden_steps_reference;

/// All `acc.len()` Eq. 2 steps of the hidden layer for one image, from v = v_rest, as
/// [`spiking_step`](hetero_core::neuron::lif::spiking_step) computes them (u = (decay·v + gain·I) + drive). The input current is
/// constant, so each neuron's whole trajectory stays in registers; the output row of every
/// neuron that fires at step t is added to `acc[t]`, in neuron order. Returns the spike count.
#[inline]
pub(super) fn hidden_steps(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    hidden_steps_with(Kernel::best(), current, c, w_rows, acc, counts, lists)
}

/// The environment variable that picks a kernel (portable | avx2 | avx512; unset: the fastest).
pub const KERNEL_ENV: &str = "HETERO_KERNEL";

/// `HETERO_KERNEL` names no kernel this CPU runs.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("HETERO_KERNEL={value}: {reason}")]
pub struct KernelError {
    /// The variable's value.
    pub value: String,
    /// Why it cannot be used.
    pub reason: String,
}

/// The hidden-layer kernels; all compute the same bits (separate multiply and add, no FMA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust, any CPU.
    Portable,
    /// 8 neurons per instruction (x86-64 with AVX2).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// 16 neurons per instruction, compare-into-mask-register, spike lists by `vpcompressw`
    /// (x86-64 with AVX-512F, BW and VBMI2: Ice Lake and later, Zen 4 and later).
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    /// The fastest kernel this CPU runs, or the one `HETERO_KERNEL` (portable | avx2 | avx512)
    /// names if this CPU runs it (for before/after measurements; results are the same bits).
    /// Decided once per process.
    /// A `HETERO_KERNEL` that names no kernel this CPU runs is an error of
    /// [`Kernel::from_env`], which every classification run checks before it starts; here it
    /// falls back to the fastest.
    #[inline]
    pub fn best() -> Kernel {
        static CHOSEN: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
        *CHOSEN.get_or_init(|| {
            let fastest = *Kernel::available().last().expect("portable is always available");
            Kernel::from_env().ok().flatten().unwrap_or(fastest)
        })
    }

    /// The kernel `HETERO_KERNEL` names, `None` when it is unset or empty, or an error naming
    /// the value and the kernels this CPU runs.
    pub fn from_env() -> Result<Option<Kernel>, KernelError> {
        let Some(value) = std::env::var_os(KERNEL_ENV) else { return Ok(None) };
        let name = value.to_string_lossy().to_string();
        if name.is_empty() {
            return Ok(None);
        }
        let available = Kernel::available();
        let names = available.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ");
        if let Some(k) = available.iter().copied().find(|k| k.name() == name) {
            return Ok(Some(k));
        }
        let known = ["portable", "avx2", "avx512"];
        let reason = if known.contains(&name.as_str()) {
            format!("this CPU does not run it (it runs: {names})")
        } else {
            format!("unknown kernel (known: portable, avx2, avx512; this CPU runs: {names})")
        };
        Err(KernelError { value: name, reason })
    }

    /// portable | avx2 | avx512.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => "avx512",
        }
    }

    /// Every kernel this CPU runs, portable first.
    pub fn available() -> Vec<Kernel> {
        let mut v = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                v.push(Kernel::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vbmi2")
            {
                v.push(Kernel::Avx512);
            }
        }
        v
    }
}

/// [`hidden_steps`] with a chosen kernel, which must be one of [`Kernel::available`].
#[inline] // compiled in the caller's codegen unit, see the module docs
fn hidden_steps_with(
    kernel: Kernel,
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    // The step count is a constant of each kernel instance, so the per-step spike masks live
    // in registers; longer runs use the reference kernel.
    macro_rules! by_steps {
        ($f:ident) => {
            match acc.len() {
                1 => $f::<1>(current, c, w_rows, acc, counts, lists),
                2 => $f::<2>(current, c, w_rows, acc, counts, lists),
                3 => $f::<3>(current, c, w_rows, acc, counts, lists),
                4 => $f::<4>(current, c, w_rows, acc, counts, lists),
                5 => $f::<5>(current, c, w_rows, acc, counts, lists),
                6 => $f::<6>(current, c, w_rows, acc, counts, lists),
                7 => $f::<7>(current, c, w_rows, acc, counts, lists),
                8 => $f::<8>(current, c, w_rows, acc, counts, lists),
                _ => hidden_steps_reference(current, c, w_rows, acc, counts),
            }
        };
    }
    match kernel {
        // SAFETY: the caller picked the kernel from `Kernel::available`, so the CPU has the
        // instructions.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { by_steps!(hidden_steps_avx512) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { by_steps!(hidden_steps_avx2) },
        Kernel::Portable => by_steps!(hidden_steps_portable),
    }
}

/// One neuron's trajectory; sets bit `bit` of `masks[t]` when it fires at step t.
#[inline(always)]
fn neuron_trajectory(i: usize, bit: usize, current: &[f32], c: &CoefficientsView<'_>, masks: &mut [u64]) {
    let g = c.gain[i] * current[i];
    let mut v = c.v_rest[i];
    for mask in masks.iter_mut() {
        let u = c.decay[i] * v + g + c.drive[i];
        let fire = u >= c.v_th[i];
        v = if fire { c.v_rest[i] } else { u };
        *mask |= (fire as u64) << bit;
    }
}

/// Checks the list kernels' inputs (`steps` accumulators, every array at least one entry per
/// neuron, neuron numbers that fit in u16) and sizes `lists` for one list per step; returns the
/// list stride: room for every neuron plus the 32 entries a vector store may write past a list's
/// end.
#[inline(always)]
fn list_stride(
    current: &[f32],
    c: &CoefficientsView<'_>,
    w_rows: &[f32],
    accumulators: usize,
    steps: usize,
    lists: &mut AVec<u16>,
) -> usize {
    let n = c.decay.len();
    assert!(current.len() >= n && c.gain.len() >= n && c.drive.len() >= n && c.v_th.len() >= n && c.v_rest.len() >= n);
    assert!(w_rows.len() >= n * OUT_PAD && accumulators == steps && n <= u16::MAX as usize + 1);
    let stride = n + 32;
    if lists.len() < steps * stride {
        lists.resize(steps * stride, 0);
    }
    stride
}

/// Adds one to `counts[j]` for every entry j of the step lists, and returns the spike total.
#[inline(always)]
fn count_listed(counts: Option<&mut [u64]>, lists: &[u16], stride: usize, lens: &[usize]) -> u64 {
    if let Some(cn) = counts {
        for (t, &len) in lens.iter().enumerate() {
            for &j in &lists[t * stride..t * stride + len] {
                cn[j as usize] += 1;
            }
        }
    }
    lens.iter().sum::<usize>() as u64
}

/// Spike masks from the steps at which each neuron's reset-free trajectory is at or above
/// threshold. With a constant input current, a neuron that fires is reset to exactly v_rest, its
/// starting state, so its trajectory repeats: if it first fires at step k (1-based) it fires at
/// every multiple of k and at no other step, and until then it follows the reset-free trajectory
/// bit for bit. So a neuron fires at step t if its first crossing is at a divisor of t.
#[inline(always)]
fn spikes_from_crossings<const S: usize>(crossed: [u64; S]) -> [u64; S] {
    let mut first = [0u64; S];
    let mut before = 0u64;
    for t in 0..S {
        first[t] = crossed[t] & !before;
        before |= crossed[t];
    }
    let mut spikes = [0u64; S];
    for t in 0..S {
        for k in 0..=t {
            if (t + 1) % (k + 1) == 0 {
                spikes[t] |= first[k];
            }
        }
    }
    spikes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::setup;
    use crate::{padded_rows, project_batch};
    use hetero_core::network::feedforward::OutputLayer;
    use hetero_core::network::genome::GenomeMode;

    #[test]
    fn portable_and_simd_kernels_agree_to_the_bit() {
        // 203 = 3 full 64-neuron blocks + 11 scalar; 91 = 64 + 16 (one AVX-512 vector) + 8 + 3.
        for hidden in [203, 91] {
            kernels_agree(hidden);
        }
    }

    fn kernels_agree(hidden: usize) {
        let (params, x, _) = setup(hidden, GenomeMode::Neuron, OutputLayer::Leaky, 3, 20);
        let mut buf = AVec::new(0);
        let proj = project_batch(&params, &x, 20, &mut buf);
        let w_rows = padded_rows(&params.member(0), hidden, 10);
        let mut lists = AVec::new(0); // reused across calls, as in a real generation
        let mut most_spikes = 0;
        for m in 0..3 {
            for b in 0..20 {
                // 6 and 8 steps have neurons firing at every second, third and fourth step; 9 is
                // past the step counts the vector kernels are built for (they use the reference).
                for steps in [1usize, 4, 6, 8, 9] {
                    let current = proj.row(m, b, hidden);
                    let (mut a1, mut a2) = (vec![[0.0; OUT_PAD]; steps], vec![[0.0; OUT_PAD]; steps]);
                    let (mut c1, mut c2) = (vec![0u64; hidden], vec![0u64; hidden]);
                    let n2 = hidden_steps_reference(current, params.member(m).hidden, &w_rows, &mut a2, Some(&mut c2));
                    most_spikes = most_spikes.max(*c2.iter().max().unwrap());
                    let bits = |a: &Vec<[f32; OUT_PAD]>| a.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
                    for kernel in Kernel::available() {
                        a1.iter_mut().for_each(|a| *a = [0.0; OUT_PAD]);
                        c1.fill(0);
                        let n1 = hidden_steps_with(
                            kernel,
                            current,
                            params.member(m).hidden,
                            &w_rows,
                            &mut a1,
                            Some(&mut c1),
                            &mut lists,
                        );
                        assert_eq!(n1, n2, "{kernel:?}");
                        assert_eq!(c1, c2, "{kernel:?}");
                        assert_eq!(bits(&a1), bits(&a2), "{kernel:?}");
                    }
                }
            }
        }
        // The reset-free trajectories of the list kernels must get repeated firing right.
        assert!(most_spikes >= 5, "the test network must have neurons that fire repeatedly");
    }
}
