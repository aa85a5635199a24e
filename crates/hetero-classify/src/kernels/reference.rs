//! The reference kernel: neuron by neuron with the reset, any step count. The vector kernels
//! are tested against it, and it runs the step counts they are not built for.

use super::neuron_trajectory;
use crate::{MAX_STEPS, OUT_PAD};
use hetero_core::neuron::lif::CoefficientsView;

/// Adds the output rows of the neurons set in `mask` (neuron `base + bit`) to `acc`, and counts
/// their spikes.
#[inline(always)]
fn add_rows(mut mask: u64, base: usize, w_rows: &[f32], acc: &mut [f32; OUT_PAD], counts: &mut Option<&mut [u64]>) {
    while mask != 0 {
        let j = base + mask.trailing_zeros() as usize;
        let row = &w_rows[j * OUT_PAD..(j + 1) * OUT_PAD];
        for k in 0..OUT_PAD {
            acc[k] += row[k];
        }
        if let Some(c) = counts.as_deref_mut() {
            c[j] += 1;
        }
        mask &= mask - 1;
    }
}

/// The reference kernel: neuron by neuron with the reset, 64 neurons at a time into one mask per
/// step, then their output rows; any step count. The other kernels are tested against it.
#[inline] // compiled in the caller's codegen unit, see the module docs of `kernels`
pub(super) fn hidden_steps_reference(
    current: &[f32],
    c: CoefficientsView<'_>,
    w_rows: &[f32],
    acc: &mut [[f32; OUT_PAD]],
    mut counts: Option<&mut [u64]>,
) -> u64 {
    let n = c.decay.len();
    let steps = acc.len();
    let mut masks = [0u64; MAX_STEPS];
    let mut total = 0u64;
    let mut base = 0;
    while base < n {
        let end = (base + 64).min(n);
        masks[..steps].fill(0);
        for i in base..end {
            neuron_trajectory(i, i - base, current, &c, &mut masks[..steps]);
        }
        for (t, &mask) in masks[..steps].iter().enumerate() {
            total += mask.count_ones() as u64;
            add_rows(mask, base, w_rows, &mut acc[t], &mut counts);
        }
        base = end;
    }
    total
}
