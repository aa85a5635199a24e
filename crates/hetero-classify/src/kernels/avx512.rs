//! The AVX-512 kernel (x86-64 with AVX-512F, BW and VBMI2): 16 neurons per instruction,
//! compare-into-mask-register, spike lists by `vpcompressw`.

use super::{count_listed, list_stride, neuron_trajectory, spikes_from_crossings};
use crate::OUT_PAD;
use aligned_vec::AVec;
use hetero_core::neuron::lif::CoefficientsView;

/// The AVX-512 kernel: the same arithmetic as
/// [`hidden_steps_reference`](super::reference::hidden_steps_reference), 16 neurons per
/// instruction, four independent chains (one 64-neuron block).
///
/// - Dynamics: each neuron's reset-free trajectory, one multiply and two adds per step with the
///   compare off the dependency chain; the spikes follow from its threshold crossings
///   ([`spikes_from_crossings`]). The four compare masks of a block are joined in mask registers
///   ([`concat_masks`]).
/// - Output rows, in a second pass: each step's firing neurons are compressed (`vpcompressw`)
///   into one index list for the whole layer, in neuron order, and the steps' lists are summed
///   side by side, so their adds are independent chains and no branch depends on where the
///   spikes fall. (A per-block loop over the mask bits mispredicted its exit about once per
///   block and step, and its single chain of adds ran at the add latency.)
///
/// Needs 64-byte aligned coefficients, currents and rows for full speed (unaligned 512-bit
/// loads split cache lines), as [`LifCoefficients`](hetero_core::neuron::lif::LifCoefficients),
/// [`project_batch`](crate::project_batch) and
/// [`padded_rows`](crate::padded_rows) provide.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX-512BW, AVX-512VBMI2 and POPCNT.
/// [`Kernel::available`](super::Kernel::available) offers this kernel when the CPU has the three
/// AVX-512 subsets (every such CPU also has POPCNT). The lengths of the slices are checked here
/// ([`list_stride`] panics on short ones), so the caller need not guarantee them.
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
#[inline] // compiled in the caller's codegen unit, see the module docs of `kernels`
pub(super) unsafe fn hidden_steps_avx512<const S: usize>(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    use std::arch::x86_64::*;
    let n = c.decay.len();
    let stride = list_stride(current, &c, w_rows, acc.len(), S, lists);
    let mut lens = [0usize; S];
    let lanes = _mm512_set_epi16(
        31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2,
        1, 0,
    );
    let mut base = 0;
    while base < n {
        let end = (base + 64).min(n);
        // crossed[t]: the neuron's reset-free trajectory is at or above threshold at step t.
        let mut crossed = [0u64; S];
        let mut i = base;
        // SAFETY: every load below is at an index + 16 ≤ end ≤ n; list_stride checked the lengths.
        if i + 64 <= end {
            let mut decay = [_mm512_setzero_ps(); 4];
            let mut g = decay;
            let mut drive = decay;
            let mut v_th = decay;
            let mut v = decay;
            for q in 0..4 {
                let k = i + 16 * q;
                decay[q] = _mm512_loadu_ps(c.decay.as_ptr().add(k));
                g[q] = _mm512_mul_ps(_mm512_loadu_ps(c.gain.as_ptr().add(k)), _mm512_loadu_ps(current.as_ptr().add(k)));
                drive[q] = _mm512_loadu_ps(c.drive.as_ptr().add(k));
                v_th[q] = _mm512_loadu_ps(c.v_th.as_ptr().add(k));
                v[q] = _mm512_loadu_ps(c.v_rest.as_ptr().add(k));
            }
            for mask in crossed.iter_mut() {
                let mut k = [0u16; 4];
                for q in 0..4 {
                    v[q] = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(decay[q], v[q]), g[q]), drive[q]);
                    k[q] = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(v[q], v_th[q]);
                }
                *mask = concat_masks(k);
            }
            i += 64;
        }
        while i + 16 <= end {
            let decay = _mm512_loadu_ps(c.decay.as_ptr().add(i));
            let g = _mm512_mul_ps(_mm512_loadu_ps(c.gain.as_ptr().add(i)), _mm512_loadu_ps(current.as_ptr().add(i)));
            let drive = _mm512_loadu_ps(c.drive.as_ptr().add(i));
            let v_th = _mm512_loadu_ps(c.v_th.as_ptr().add(i));
            let mut v = _mm512_loadu_ps(c.v_rest.as_ptr().add(i));
            for mask in crossed.iter_mut() {
                v = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(decay, v), g), drive);
                *mask |= (_mm512_cmp_ps_mask::<_CMP_GE_OQ>(v, v_th) as u64) << (i - base);
            }
            i += 16;
        }
        let mut masks = spikes_from_crossings(crossed);
        for i in i..end {
            neuron_trajectory(i, i - base, current, &c, &mut masks);
        }
        // The block's neuron numbers, 32 per vector (u16 lanes).
        let low = _mm512_add_epi16(lanes, _mm512_set1_epi16(base as u16 as i16));
        let high = _mm512_add_epi16(low, _mm512_set1_epi16(32));
        for (t, &mask) in masks.iter().enumerate() {
            // SAFETY: lens[t] + 32 ≤ (neurons listed so far) + 32 ≤ stride.
            let list = lists.as_mut_ptr().add(t * stride);
            let (m0, m1) = (mask as u32, (mask >> 32) as u32);
            _mm512_storeu_si512(list.add(lens[t]) as *mut _, _mm512_maskz_compress_epi16(m0, low));
            lens[t] += m0.count_ones() as usize;
            _mm512_storeu_si512(list.add(lens[t]) as *mut _, _mm512_maskz_compress_epi16(m1, high));
            lens[t] += m1.count_ones() as usize;
        }
        base = end;
    }
    // Output rows: each step's list in order into its own accumulator, the steps side by side.
    // With the lists ordered by length, phase p adds entry k of every list that still has one
    // (lists p.. in that order), so no slot is wasted on a finished list.
    let mut order: [usize; S] = std::array::from_fn(|t| t);
    order.sort_unstable_by_key(|&t| lens[t]);
    let rows = w_rows.as_ptr();
    let starts: [*const u16; S] = std::array::from_fn(|q| lists.as_ptr().add(order[q] * stride));
    let mut sums: [__m512; S] = std::array::from_fn(|q| _mm512_loadu_ps(acc[order[q]].as_ptr()));
    let mut k = 0;
    for p in 0..S {
        let end = lens[order[p]];
        while k < end {
            for q in p..S {
                // SAFETY: k < lens[order[q]] for q ≥ p; list entries are neuron numbers < n.
                let j = *starts[q].add(k) as usize;
                sums[q] = _mm512_add_ps(sums[q], _mm512_loadu_ps(rows.add(j * OUT_PAD)));
            }
            k += 1;
        }
    }
    for q in 0..S {
        _mm512_storeu_ps(acc[order[q]].as_mut_ptr(), sums[q]);
    }
    count_listed(counts, lists, stride, &lens)
}

/// The four 16-lane compare masks of a 64-neuron block as one 64-bit mask (`k[q]` in bits
/// 16q..16q+16), with mask-register unpacks. Written in assembly because the compiler otherwise
/// moves each mask to a general register and assembles the words with vector inserts and
/// shifts, which took more issue slots than the neuron arithmetic.
///
/// # Safety
///
/// The CPU must support AVX-512F and AVX-512BW.
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
unsafe fn concat_masks(k: [u16; 4]) -> u64 {
    let mask: u64;
    // SAFETY: register-only AVX-512BW mask instructions; the caller's target features include
    // avx512bw.
    unsafe {
        std::arch::asm!(
            "kunpckwd {low}, {k1}, {k0}",
            "kunpckwd {high}, {k3}, {k2}",
            "kunpckdq {low}, {high}, {low}",
            "kmovq {mask}, {low}",
            k0 = in(kreg) k[0],
            k1 = in(kreg) k[1],
            k2 = in(kreg) k[2],
            k3 = in(kreg) k[3],
            low = out(kreg) _,
            high = out(kreg) _,
            mask = out(reg) mask,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    mask
}
