//! The single-network time loop as it was before the batched engine (issue 20): one condition,
//! one CSR row loop per step. Kept, for tests only, as the reference that
//! [`ReservoirBatch`](super::reservoir_batch::ReservoirBatch) and [`Reservoir::collect`] must
//! equal bit for bit.

use super::reservoir::{Activity, Kind, Recurrent, Reservoir};
use crate::rng::{stream_rng, Stream};
use rand_distr::{Distribution, StandardNormal};

/// [`Reservoir::collect`] computed the reference way.
pub fn collect(res: &Reservoir, stimulus: &[f64], noise_key: u64) -> (Vec<f64>, Activity) {
    let c = &res.config;
    let (n, d) = (c.n, c.inputs);
    assert_eq!(stimulus.len() % d, 0, "stimulus length is not a multiple of the input channels");
    let t_len = stimulus.len() / d;
    let mut features = vec![0.0; t_len * n];
    let mut activity = Activity { samples: t_len as u64, ..Default::default() };
    let mut noise_rng = stream_rng(res.seed, Stream::Auxiliary, [0xB4, noise_key, 0]);
    let noise_amp = c.noise * c.dt_ms.sqrt();
    let alpha: Vec<f64> = res.tau_ms.iter().map(|t| c.dt_ms / t).collect();
    let mut drive = vec![0.0; n];
    match c.kind {
        Kind::Rate => {
            let mut x = vec![0.0; n];
            let mut r = vec![0.0; n];
            let mut rec = vec![0.0; n];
            for t in 0..t_len {
                let u = &stimulus[t * d..(t + 1) * d];
                input_drive(&res.w_in, &res.bias, u, &mut drive);
                match &res.recurrent {
                    Recurrent::None => rec.fill(0.0),
                    Recurrent::Sparse(w) => w.matvec(&r, &mut rec),
                    Recurrent::Dense(w) => dense_matvec(w, n, &r, &mut rec),
                }
                for i in 0..n {
                    x[i] += alpha[i] * (-x[i] + rec[i] + drive[i]);
                }
                if noise_amp > 0.0 {
                    for xi in &mut x {
                        *xi += noise_amp * {
                            let z: f64 = StandardNormal.sample(&mut noise_rng);
                            z
                        };
                    }
                }
                for i in 0..n {
                    r[i] = super::tanh::tanh(x[i]);
                }
                features[t * n..(t + 1) * n].copy_from_slice(&r);
            }
            activity.synaptic_events = res.nnz as u64 * t_len as u64;
        }
        Kind::Spiking => {
            let syn_decay = (-c.dt_ms / c.tau_syn_ms).exp();
            let filt_decay = (-c.dt_ms / c.tau_filter_ms).exp();
            let mut v = vec![0.0; n];
            let mut syn = vec![0.0; n];
            let mut filt = vec![0.0; n];
            let mut spiked: Vec<u32> = Vec::with_capacity(n);
            let mut next: Vec<u32> = Vec::with_capacity(n);
            for t in 0..t_len {
                let u = &stimulus[t * d..(t + 1) * d];
                input_drive(&res.w_in, &res.bias, u, &mut drive);
                for _ in 0..c.substeps {
                    for s in &mut syn {
                        *s *= syn_decay;
                    }
                    match &res.recurrent {
                        Recurrent::None => {}
                        Recurrent::Sparse(wt) => {
                            for &j in &spiked {
                                let j = j as usize;
                                for e in wt.start[j]..wt.start[j + 1] {
                                    syn[wt.index[e] as usize] += wt.values[e];
                                }
                                activity.synaptic_events += (wt.start[j + 1] - wt.start[j]) as u64;
                            }
                        }
                        Recurrent::Dense(wt) => {
                            for &j in &spiked {
                                let col = &wt[j as usize * n..(j as usize + 1) * n];
                                for i in 0..n {
                                    syn[i] += col[i];
                                }
                                activity.synaptic_events += n as u64;
                            }
                        }
                    }
                    next.clear();
                    for i in 0..n {
                        v[i] += alpha[i] * (-v[i] + syn[i] + drive[i]);
                        if noise_amp > 0.0 {
                            v[i] += noise_amp * {
                                let z: f64 = StandardNormal.sample(&mut noise_rng);
                                z
                            };
                        }
                        filt[i] *= filt_decay;
                        if v[i] >= 1.0 {
                            v[i] = 0.0;
                            filt[i] += 1.0;
                            next.push(i as u32);
                        }
                    }
                    activity.spikes += next.len() as u64;
                    std::mem::swap(&mut spiked, &mut next);
                }
                features[t * n..(t + 1) * n].copy_from_slice(&filt);
            }
        }
    }
    (features, activity)
}

/// drive_i = Σ_k Win_ik u_k + b_i.
fn input_drive(w_in: &[f64], bias: &[f64], u: &[f64], drive: &mut [f64]) {
    let d = u.len();
    for i in 0..bias.len() {
        let mut s = bias[i];
        for k in 0..d {
            s += w_in[i * d + k] * u[k];
        }
        drive[i] = s;
    }
}

/// y = W·x for a dense row-major n × n matrix.
fn dense_matvec(w: &[f64], n: usize, x: &[f64], y: &mut [f64]) {
    for i in 0..n {
        let row = &w[i * n..(i + 1) * n];
        let mut s = 0.0;
        for j in 0..n {
            s += row[j] * x[j];
        }
        y[i] = s;
    }
}
