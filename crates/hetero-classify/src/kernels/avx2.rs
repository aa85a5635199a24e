//! The AVX2 kernel (x86-64): 8 neurons per instruction, spike lists by table lookup.

use super::portable::BYTE_LANES;
use super::{count_listed, list_stride, neuron_trajectory, spikes_from_crossings};
use crate::OUT_PAD;
use aligned_vec::AVec;
use hetero_core::neuron::lif::CoefficientsView;

/// The AVX2 kernel: the same arithmetic as
/// [`hidden_steps_reference`](super::reference::hidden_steps_reference), 8 neurons per
/// instruction, four vectors (32 neurons) at a time, and the AVX-512 kernel's scheme
/// ([`hidden_steps_avx512`](super::avx512::hidden_steps_avx512)): reset-free trajectories,
/// per-step spike lists, the lists summed side by side. AVX2 has no compress, so a list grows by
/// a table lookup per 8 neurons ([`BYTE_LANES`]).
///
/// # Safety
///
/// The CPU must support AVX2 and POPCNT. [`Kernel::available`](super::Kernel::available) offers
/// this kernel when the CPU has AVX2 (every CPU with AVX2 also has POPCNT). The lengths of the
/// slices are checked here ([`list_stride`] panics on short ones), so the caller need not
/// guarantee them.
#[target_feature(enable = "avx2,popcnt")]
#[inline] // compiled in the caller's codegen unit, see the module docs of `kernels`
pub(super) unsafe fn hidden_steps_avx2<const S: usize>(
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
    let mut base = 0;
    while base < n {
        let end = (base + 64).min(n);
        // crossed[t]: the neuron's reset-free trajectory is at or above threshold at step t.
        let mut crossed = [0u64; S];
        let mut i = base;
        // SAFETY: every load below is at an index + 8 ≤ end ≤ n; list_stride checked the lengths.
        while i + 32 <= end {
            let mut decay = [_mm256_setzero_ps(); 4];
            let mut g = decay;
            let mut drive = decay;
            let mut v_th = decay;
            let mut v = decay;
            for q in 0..4 {
                let k = i + 8 * q;
                decay[q] = _mm256_loadu_ps(c.decay.as_ptr().add(k));
                g[q] = _mm256_mul_ps(_mm256_loadu_ps(c.gain.as_ptr().add(k)), _mm256_loadu_ps(current.as_ptr().add(k)));
                drive[q] = _mm256_loadu_ps(c.drive.as_ptr().add(k));
                v_th[q] = _mm256_loadu_ps(c.v_th.as_ptr().add(k));
                v[q] = _mm256_loadu_ps(c.v_rest.as_ptr().add(k));
            }
            for mask in crossed.iter_mut() {
                let mut bits = [0u32; 4];
                for q in 0..4 {
                    v[q] = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(decay[q], v[q]), g[q]), drive[q]);
                    bits[q] = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(v[q], v_th[q])) as u32;
                }
                *mask |= (join_bytes(bits) as u64) << (i - base);
            }
            i += 32;
        }
        while i + 8 <= end {
            let decay = _mm256_loadu_ps(c.decay.as_ptr().add(i));
            let g = _mm256_mul_ps(_mm256_loadu_ps(c.gain.as_ptr().add(i)), _mm256_loadu_ps(current.as_ptr().add(i)));
            let drive = _mm256_loadu_ps(c.drive.as_ptr().add(i));
            let v_th = _mm256_loadu_ps(c.v_th.as_ptr().add(i));
            let mut v = _mm256_loadu_ps(c.v_rest.as_ptr().add(i));
            for mask in crossed.iter_mut() {
                v = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(decay, v), g), drive);
                *mask |= (_mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(v, v_th)) as u32 as u64) << (i - base);
            }
            i += 8;
        }
        let mut masks = spikes_from_crossings(crossed);
        for i in i..end {
            neuron_trajectory(i, i - base, current, &c, &mut masks);
        }
        for (t, &mask) in masks.iter().enumerate() {
            let list = lists.as_mut_ptr().add(t * stride);
            for byte in 0..8 {
                let bits = ((mask >> (8 * byte)) & 0xff) as usize;
                // SAFETY: lens[t] + 8 ≤ (neurons listed so far) + 8 ≤ stride.
                let lanes = _mm_add_epi16(
                    _mm_loadu_si128(BYTE_LANES[bits].as_ptr() as *const __m128i),
                    _mm_set1_epi16((base + 8 * byte) as u16 as i16),
                );
                _mm_storeu_si128(list.add(lens[t]) as *mut __m128i, lanes);
                lens[t] += bits.count_ones() as usize;
            }
        }
        base = end;
    }
    // Output rows, as in the AVX-512 kernel: the steps' lists side by side, in phases by length;
    // a row is two 8-wide vectors.
    let mut order: [usize; S] = std::array::from_fn(|t| t);
    order.sort_unstable_by_key(|&t| lens[t]);
    let rows = w_rows.as_ptr();
    let starts: [*const u16; S] = std::array::from_fn(|q| lists.as_ptr().add(order[q] * stride));
    let mut low: [__m256; S] = std::array::from_fn(|q| _mm256_loadu_ps(acc[order[q]].as_ptr()));
    let mut high: [__m256; S] = std::array::from_fn(|q| _mm256_loadu_ps(acc[order[q]].as_ptr().add(8)));
    let mut k = 0;
    for p in 0..S {
        let end = lens[order[p]];
        while k < end {
            for q in p..S {
                // SAFETY: k < lens[order[q]] for q ≥ p; list entries are neuron numbers < n.
                let row = rows.add(*starts[q].add(k) as usize * OUT_PAD);
                low[q] = _mm256_add_ps(low[q], _mm256_loadu_ps(row));
                high[q] = _mm256_add_ps(high[q], _mm256_loadu_ps(row.add(8)));
            }
            k += 1;
        }
    }
    for q in 0..S {
        _mm256_storeu_ps(acc[order[q]].as_mut_ptr(), low[q]);
        _mm256_storeu_ps(acc[order[q]].as_mut_ptr().add(8), high[q]);
    }
    count_listed(counts, lists, stride, &lens)
}

/// Four 8-lane `movemask` results as one 32-bit mask (`bits[q]` in bits 8q..8q+8), in scalar
/// registers: the compiler otherwise assembles such words with vector shuffles.
#[inline(always)]
fn join_bytes(bits: [u32; 4]) -> u32 {
    let joined: u32;
    // SAFETY: register-only integer instructions.
    unsafe {
        std::arch::asm!(
            "shl {b1:e}, 8",
            "shl {b2:e}, 16",
            "shl {b3:e}, 24",
            "or {b0:e}, {b1:e}",
            "or {b2:e}, {b3:e}",
            "or {b0:e}, {b2:e}",
            b0 = inout(reg) bits[0] => joined,
            b1 = inout(reg) bits[1] => _,
            b2 = inout(reg) bits[2] => _,
            b3 = inout(reg) bits[3] => _,
            options(pure, nomem, nostack),
        );
    }
    joined
}
