//! Ridge-regression readouts, all tasks at once (multiple right-hand sides), with the penalty
//! chosen per task on a validation split (research/paper_b_methods.md §B1, §B4).
//!
//! Readout on [x, 1] with an unpenalised bias, i.e. on centred features and targets:
//! ```text
//! W_λ = (X̃ᵀX̃ + λI)⁻¹ X̃ᵀỸ,   b = ȳ − x̄ᵀW_λ,     X̃ = X − 1x̄ᵀ, Ỹ = Y − 1ȳᵀ (training means)
//! ```
//! With X̃ᵀX̃ = V diag(s) Vᵀ (one symmetric eigendecomposition per state matrix),
//! W_λ = V diag(1/(s+λ)) VᵀX̃ᵀỸ for every λ of the grid at the cost of a diagonal scaling, so
//! one decomposition serves every task and every λ. λ = λ_rel · tr(X̃ᵀX̃)/N (scale-free grid).
//! Metric: R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ_test)² per task on held-out data; capacity = max(0, R²).
//!
//! All dense products run with `faer::Par::Seq`, so results never depend on the thread count.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par, Side};

/// The default relative λ grid: 10⁻⁸ … 10¹.
pub const LAMBDA_GRID: [f64; 10] = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1];

/// Fitted readouts: weights N × K, biases K, chosen relative λ per task.
#[derive(Clone, Debug)]
pub struct Readout {
    /// Weights, N × K.
    pub weights: Mat<f64>,
    /// Bias per task.
    pub bias: Vec<f64>,
    /// Relative λ chosen per task.
    pub lambda_rel: Vec<f64>,
}

impl Readout {
    /// Predictions X·W + 1bᵀ (T × K).
    pub fn predict(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        let mut p = Mat::<f64>::zeros(x.nrows(), self.weights.ncols());
        matmul(p.as_mut(), Accum::Replace, x, self.weights.as_ref(), 1.0, Par::Seq);
        for k in 0..p.ncols() {
            for t in 0..p.nrows() {
                p[(t, k)] += self.bias[k];
            }
        }
        p
    }
}

/// Column means, each column summed in row order from −0.0 (what `Iterator::sum` does, so the bits
/// are those of a per-column sum); a row-major matrix (reservoir states) is read row by row.
fn column_means(m: MatRef<'_, f64>) -> Vec<f64> {
    let t = m.nrows() as f64;
    let mut sums = vec![-0.0; m.ncols()];
    match m.try_as_row_major() {
        Some(rows) => {
            for i in 0..m.nrows() {
                for (s, &v) in sums.iter_mut().zip(rows.row(i).as_slice()) {
                    *s += v;
                }
            }
        }
        None => {
            for (j, s) in sums.iter_mut().enumerate() {
                for i in 0..m.nrows() {
                    *s += m[(i, j)];
                }
            }
        }
    }
    sums.into_iter().map(|s| s / t).collect()
}

/// Rows per block when a row-major matrix is copied into a column-major one: each block reads
/// `CENTRED_BLOCK` whole rows and writes one cache line per column.
const CENTRED_BLOCK: usize = 8;

/// m − 1·meanᵀ as a column-major matrix; a row-major m is copied in blocks of rows (reading it
/// column by column would touch one cache line per element).
fn centred(m: MatRef<'_, f64>, mean: &[f64]) -> Mat<f64> {
    let (t, n) = (m.nrows(), m.ncols());
    let Some(rows) = m.try_as_row_major() else {
        return Mat::from_fn(t, n, |i, j| m[(i, j)] - mean[j]);
    };
    let mut out = Mat::<f64>::zeros(t, n);
    for i0 in (0..t).step_by(CENTRED_BLOCK) {
        let i1 = (i0 + CENTRED_BLOCK).min(t);
        for (j, &mu) in mean.iter().enumerate() {
            let col = &mut out.col_as_slice_mut(j)[i0..i1];
            for (i, c) in (i0..i1).zip(col.iter_mut()) {
                *c = rows.row(i).as_slice()[j] - mu;
            }
        }
    }
    out
}

/// Fits every column of `y` on `x` for each relative λ in `grid` and keeps, per task, the λ
/// with the smallest squared error on (`x_val`, `y_val`). A single-λ grid gives the plain ridge fit.
pub fn fit(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    x_val: MatRef<'_, f64>,
    y_val: MatRef<'_, f64>,
    grid: &[f64],
) -> Readout {
    let (n, k) = (x.ncols(), y.ncols());
    let xm = column_means(x);
    let ym = column_means(y);
    let xc = centred(x, &xm);
    let yc = centred(y, &ym);
    let mut g = Mat::<f64>::zeros(n, n);
    matmul(g.as_mut(), Accum::Replace, xc.transpose(), xc.as_ref(), 1.0, Par::Seq);
    let mut b = Mat::<f64>::zeros(n, k);
    matmul(b.as_mut(), Accum::Replace, xc.transpose(), yc.as_ref(), 1.0, Par::Seq);
    let scale = (0..n).map(|i| g[(i, i)]).sum::<f64>() / n.max(1) as f64;
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let eig = g.self_adjoint_eigen(Side::Lower).expect("symmetric eigendecomposition converges");
    let v = eig.U();
    let s: Vec<f64> = (0..n).map(|i| eig.S()[i].max(0.0)).collect();
    let mut c = Mat::<f64>::zeros(n, k);
    matmul(c.as_mut(), Accum::Replace, v.transpose(), b.as_ref(), 1.0, Par::Seq);
    // Validation projections P = (X_val − x̄)·V, computed once.
    let xvc = centred(x_val, &xm);
    let mut p = Mat::<f64>::zeros(x_val.nrows(), n);
    matmul(p.as_mut(), Accum::Replace, xvc.as_ref(), v, 1.0, Par::Seq);
    let mut best = vec![(f64::INFINITY, grid[0]); k];
    if grid.len() > 1 {
        let mut scaled = Mat::<f64>::zeros(n, k);
        let mut pred = Mat::<f64>::zeros(x_val.nrows(), k);
        for &lr in grid {
            let lam = lr * scale;
            for j in 0..k {
                for i in 0..n {
                    scaled[(i, j)] = c[(i, j)] / (s[i] + lam);
                }
            }
            matmul(pred.as_mut(), Accum::Replace, p.as_ref(), scaled.as_ref(), 1.0, Par::Seq);
            for j in 0..k {
                let mut sse = 0.0;
                for t in 0..x_val.nrows() {
                    let e = y_val[(t, j)] - ym[j] - pred[(t, j)];
                    sse += e * e;
                }
                if sse < best[j].0 {
                    best[j] = (sse, lr);
                }
            }
        }
    }
    let mut scaled = Mat::<f64>::zeros(n, k);
    for j in 0..k {
        let lam = best[j].1 * scale;
        for i in 0..n {
            scaled[(i, j)] = c[(i, j)] / (s[i] + lam);
        }
    }
    let mut weights = Mat::<f64>::zeros(n, k);
    matmul(weights.as_mut(), Accum::Replace, v, scaled.as_ref(), 1.0, Par::Seq);
    let bias = (0..k).map(|j| ym[j] - (0..n).map(|i| xm[i] * weights[(i, j)]).sum::<f64>()).collect();
    crate::machine::clean_upper_vector_state(); // faer's kernels may leave it dirty
    Readout { weights, bias, lambda_rel: best.iter().map(|b| b.1).collect() }
}

/// R² per column of `y` against `pred`: 1 − SSE/SST, SST around the column's own mean
/// (NaN for a constant column).
pub fn r2_per_column(pred: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Vec<f64> {
    let ym = column_means(y);
    (0..y.ncols())
        .map(|j| {
            let (mut sse, mut sst) = (0.0, 0.0);
            for t in 0..y.nrows() {
                sse += (y[(t, j)] - pred[(t, j)]).powi(2);
                sst += (y[(t, j)] - ym[j]).powi(2);
            }
            if sst > 0.0 {
                1.0 - sse / sst
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// Readout training cost in floating-point operations for T samples, N features, K tasks and
/// L grid values: Gram 2TN², eigendecomposition ≈ 9N³, right-hand sides 2TNK, grid 2L·T_val·N·K.
pub fn training_flop(t: usize, n: usize, k: usize, t_val: usize, grid: usize) -> f64 {
    let (t, n, k, tv, l) = (t as f64, n as f64, k as f64, t_val as f64, grid as f64);
    2.0 * t * n * n + 9.0 * n * n * n + 2.0 * t * n * k + 2.0 * l * tv * n * k + 2.0 * n * n * k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream_rng, Stream};
    use faer::linalg::solvers::Solve;
    use rand_distr::{Distribution, StandardNormal};

    fn random(rows: usize, cols: usize, seed: u64) -> Mat<f64> {
        let mut r = stream_rng(seed, Stream::Auxiliary, [rows as u64, cols as u64, 0]);
        Mat::from_fn(rows, cols, |_, _| StandardNormal.sample(&mut r))
    }

    /// The row-major paths of `column_means` and `centred` against the plain per-element forms
    /// they replaced: the same bits, zeros of both signs included.
    #[test]
    fn row_major_means_and_centring_keep_the_bits() {
        let (t, n) = (37, 11);
        // `Iterator::sum` of f64 starts at −0.0, which `column_means` relies on.
        assert_eq!(std::iter::empty::<f64>().sum::<f64>().to_bits(), (-0.0f64).to_bits());
        let r = random(t, n, 9);
        let mut data: Vec<f64> = (0..t).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| r[(i, j)]).collect();
        for z in data.iter_mut().step_by(5) {
            *z = if *z > 0.0 { 0.0 } else { -0.0 };
        }
        data[0..n].iter_mut().for_each(|v| *v = -0.0); // a first row of −0.0
        let m = MatRef::from_row_major_slice(&data, t, n);
        let plain_means: Vec<f64> = (0..n).map(|j| (0..t).map(|i| m[(i, j)]).sum::<f64>() / t as f64).collect();
        let means = column_means(m);
        assert_eq!(
            means.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            plain_means.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        let c = centred(m, &means);
        for i in 0..t {
            for j in 0..n {
                assert_eq!(c[(i, j)].to_bits(), (m[(i, j)] - means[j]).to_bits(), "({i}, {j})");
            }
        }
    }

    #[test]
    fn recovers_a_known_linear_map_exactly() {
        let (t, n, k) = (400, 30, 7);
        let x = random(t, n, 1);
        let a = random(n, k, 2);
        let c: Vec<f64> = (0..k).map(|j| j as f64 - 3.0).collect();
        let mut y = Mat::<f64>::zeros(t, k);
        matmul(y.as_mut(), Accum::Replace, x.as_ref(), a.as_ref(), 1.0, Par::Seq);
        for j in 0..k {
            for i in 0..t {
                y[(i, j)] += c[j];
            }
        }
        let r = fit(x.as_ref(), y.as_ref(), x.as_ref(), y.as_ref(), &[1e-14]);
        for i in 0..n {
            for j in 0..k {
                assert!((r.weights[(i, j)] - a[(i, j)]).abs() < 1e-8, "w[{i},{j}]");
            }
        }
        for j in 0..k {
            assert!((r.bias[j] - c[j]).abs() < 1e-8);
        }
        let r2 = r2_per_column(r.predict(x.as_ref()).as_ref(), y.as_ref());
        assert!(r2.iter().all(|&v| (v - 1.0).abs() < 1e-12), "{r2:?}");
    }

    #[test]
    fn matches_the_closed_form() {
        let (t, n, k) = (200, 25, 4);
        let x = random(t, n, 3);
        let y = random(t, k, 4);
        let lam_rel = 0.1;
        let r = fit(x.as_ref(), y.as_ref(), x.as_ref(), y.as_ref(), &[lam_rel]);
        // Closed form through a Cholesky solve of (X̃ᵀX̃ + λI) W = X̃ᵀỸ.
        let xm = column_means(x.as_ref());
        let ym = column_means(y.as_ref());
        let xc = centred(x.as_ref(), &xm);
        let yc = centred(y.as_ref(), &ym);
        let mut g = xc.transpose() * &xc;
        let lam = lam_rel * (0..n).map(|i| g[(i, i)]).sum::<f64>() / n as f64;
        for i in 0..n {
            g[(i, i)] += lam;
        }
        let rhs = xc.transpose() * &yc;
        let w = g.llt(Side::Lower).unwrap().solve(&rhs);
        for i in 0..n {
            for j in 0..k {
                assert!(
                    (w[(i, j)] - r.weights[(i, j)]).abs() < 1e-10,
                    "w[{i},{j}]: {} vs {}",
                    w[(i, j)],
                    r.weights[(i, j)]
                );
            }
        }
        for j in 0..k {
            let b = ym[j] - (0..n).map(|i| xm[i] * w[(i, j)]).sum::<f64>();
            assert!((b - r.bias[j]).abs() < 1e-10);
        }
    }

    #[test]
    fn validation_picks_a_larger_penalty_for_noise() {
        // Pure-noise targets: the best validation λ is the largest of the grid.
        let x = random(100, 40, 5);
        let y = random(100, 3, 6);
        let xv = random(100, 40, 7);
        let yv = random(100, 3, 8);
        let r = fit(x.as_ref(), y.as_ref(), xv.as_ref(), yv.as_ref(), &LAMBDA_GRID);
        assert!(r.lambda_rel.iter().all(|&l| l >= 1.0), "{:?}", r.lambda_rel);
    }
}
