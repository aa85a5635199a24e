//! The portable kernel: the vector kernels' scheme in plain Rust on fixed-size arrays, which the
//! compiler vectorizes for any CPU (SSE2, NEON).

use super::{count_listed, list_stride, neuron_trajectory, spikes_from_crossings};
use crate::OUT_PAD;
use aligned_vec::AVec;
use hetero_core::neuron::lif::CoefficientsView;

/// Lanes of the portable kernel's fixed-size arrays (the compiler vectorizes them: SSE2, NEON).
const LANES: usize = 16;

/// The portable kernel: the scheme of
/// [`hidden_steps_avx512`](super::avx512::hidden_steps_avx512) in plain Rust on fixed-size
/// arrays of [`LANES`] neurons (reset-free trajectories, per-step spike lists by table lookup,
/// the lists summed side by side in phases), so any CPU gets vector code and no branch on where
/// the spikes fall.
pub(super) fn hidden_steps_portable<const S: usize>(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    counts: Option<&mut [u64]>,
    lists: &mut AVec<u16>,
) -> u64 {
    let n = c.decay.len();
    let stride = list_stride(current, &c, w_rows, acc.len(), S, lists);
    let mut lens = [0usize; S];
    let lanes = |x: &[f32], i: usize| -> [f32; LANES] { x[i..i + LANES].try_into().expect("LANES values") };
    let mut base = 0;
    while base < n {
        let end = (base + 64).min(n);
        let mut crossed = [0u64; S];
        let mut i = base;
        while i + LANES <= end {
            let (decay, gain, input, drive, v_th) =
                (lanes(c.decay, i), lanes(c.gain, i), lanes(current, i), lanes(c.drive, i), lanes(c.v_th, i));
            let g: [f32; LANES] = std::array::from_fn(|l| gain[l] * input[l]);
            let mut v = lanes(c.v_rest, i);
            for mask in crossed.iter_mut() {
                let mut bits = 0u64;
                for l in 0..LANES {
                    v[l] = decay[l] * v[l] + g[l] + drive[l];
                    bits |= ((v[l] >= v_th[l]) as u64) << l;
                }
                *mask |= bits << (i - base);
            }
            i += LANES;
        }
        let mut masks = spikes_from_crossings(crossed);
        for i in i..end {
            neuron_trajectory(i, i - base, current, &c, &mut masks);
        }
        for (t, &mask) in masks.iter().enumerate() {
            let list = &mut lists[t * stride..(t + 1) * stride];
            for byte in 0..8 {
                let bits = ((mask >> (8 * byte)) & 0xff) as usize;
                let offset = (base + 8 * byte) as u16;
                let slot: &mut [u16; 8] = (&mut list[lens[t]..lens[t] + 8]).try_into().expect("8 slots");
                for (dst, &lane) in slot.iter_mut().zip(&BYTE_LANES[bits]) {
                    *dst = lane.wrapping_add(offset);
                }
                lens[t] += bits.count_ones() as usize;
            }
        }
        base = end;
    }
    let mut order: [usize; S] = std::array::from_fn(|t| t);
    order.sort_unstable_by_key(|&t| lens[t]);
    let mut sums: [[f32; OUT_PAD]; S] = std::array::from_fn(|q| acc[order[q]]);
    let mut k = 0;
    for p in 0..S {
        let end = lens[order[p]];
        while k < end {
            for q in p..S {
                let j = lists[order[q] * stride + k] as usize;
                let row: &[f32; OUT_PAD] = w_rows[j * OUT_PAD..(j + 1) * OUT_PAD].try_into().expect("one row");
                for (a, &w) in sums[q].iter_mut().zip(row) {
                    *a += w;
                }
            }
            k += 1;
        }
    }
    for q in 0..S {
        acc[order[q]] = sums[q];
    }
    count_listed(counts, lists, stride, &lens)
}

/// For each 8-bit spike mask, the positions of its set bits (ascending), then zeros: the AVX2
/// and portable kernels' compress by table lookup.
///
/// Defined here, beside the portable kernel, so that the two are compiled in one codegen unit:
/// the compiler vectorizes the kernel's lookups only where it sees the table's contents (with the
/// table in another unit the kernel ran about 40% more instructions).
pub(super) static BYTE_LANES: [[u16; 8]; 256] = {
    let mut table = [[0u16; 8]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut bit, mut count) = (0, 0);
        while bit < 8 {
            if mask & (1 << bit) != 0 {
                table[mask][count] = bit as u16;
                count += 1;
            }
            bit += 1;
        }
        mask += 1;
    }
    table
};
