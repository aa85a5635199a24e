//! W in slices of 8 rows (SELL-8, "sliced ELLPACK"; Kreutzer et al. 2014, SIAM J. Sci. Comput.
//! 36(5)), for one network's recurrent product y = W·x: the 8 rows of a slice are summed side by
//! side, one vector lane per row, so the 8 dependency chains overlap instead of one row's chain
//! waiting on the adder's latency.
//!
//! Layout: slice s holds rows 8s … 8s+7; its entries are stored entry-major, lane-minor
//! (`values[start_s + 8e + l]` is the e-th non-zero of row 8s+l), padded to the slice's longest
//! row with value 0 at column n, a slot of x that callers keep at 0 (so a pad adds 0·0 = +0).
//! Dense W is stored as panels of 8 rows by all n columns (column e of every lane), no index.
//!
//! **Bit-identity with the CSR row loop.** Row i's sum starts at +0 and adds W_e·x_{j(e)} over its
//! non-zeros in column order, exactly as [`Csr::matvec`]; the pads come after the last non-zero and
//! add +0, which leaves every sum unchanged (a sum that starts at +0 is never −0, and s + 0 = s).
//! Multiplications and additions stay separate (no FMA), so the AVX-512, AVX2 and portable builds
//! give the same bits.

use super::reservoir::Csr;

/// Rows per slice (one AVX-512 register of f64).
pub const SLICE: usize = 8;

/// W (n × n) in slices of [`SLICE`] rows; see the module documentation.
#[derive(Clone, Debug)]
pub struct SlicedRows {
    /// Rows (and columns) n.
    n: usize,
    /// Entry offset of slice s (in f64 values, a multiple of 8); slices + 1 values.
    start: Vec<usize>,
    /// Values, entry-major and lane-minor within a slice.
    values: Vec<f64>,
    /// Column of each value (n for pads); empty for a dense W.
    index: Vec<u32>,
}

impl SlicedRows {
    /// The non-zeros of a CSR matrix, in each row's order.
    pub fn from_csr(w: &Csr) -> Self {
        let n = w.n;
        let slices = n.div_ceil(SLICE);
        let mut start = Vec::with_capacity(slices + 1);
        let mut values = Vec::new();
        let mut index = Vec::new();
        start.push(0);
        for s in 0..slices {
            let rows = s * SLICE..((s + 1) * SLICE).min(n);
            let len = rows.clone().map(|i| w.start[i + 1] - w.start[i]).max().unwrap_or(0);
            for e in 0..len {
                for l in 0..SLICE {
                    let i = s * SLICE + l;
                    let at = if i < n { w.start[i] + e } else { usize::MAX };
                    if i < n && at < w.start[i + 1] {
                        values.push(w.values[at]);
                        index.push(w.index[at]);
                    } else {
                        values.push(0.0);
                        index.push(n as u32);
                    }
                }
            }
            start.push(values.len());
        }
        Self { n, start, values, index }
    }

    /// Every entry of a dense row-major n × n W (zeros included, as the dense row loop sums them).
    pub fn from_dense(w: &[f64], n: usize) -> Self {
        let slices = n.div_ceil(SLICE);
        let mut values = Vec::with_capacity(slices * SLICE * n);
        let start = (0..=slices).map(|s| s * SLICE * n).collect();
        for s in 0..slices {
            for j in 0..n {
                for l in 0..SLICE {
                    let i = s * SLICE + l;
                    values.push(if i < n { w[i * n + j] } else { 0.0 });
                }
            }
        }
        Self { n, start, values, index: Vec::new() }
    }

    /// Slices ⌈n/8⌉.
    pub fn slices(&self) -> usize {
        self.start.len() - 1
    }

    /// Stored entries (pads included) of slices `0..s`, for splitting the work evenly.
    pub fn entries_before(&self, s: usize) -> usize {
        self.start[s]
    }

    /// y_i = Σ_e W_ie·x_j(e) for the rows of slices `slices` (y holds those rows, from row
    /// 8·slices.start; the last slice may be partial). `x` has n + 1 values, x_n = 0.
    pub fn matvec_slices(&self, slices: std::ops::Range<usize>, x: &[f64], y: &mut [f64]) {
        assert!(x.len() > self.n && x[self.n] == 0.0, "x needs n + 1 values with x[n] = 0");
        assert!(slices.end <= self.slices());
        let first_row = slices.start * SLICE;
        let rows = (slices.end * SLICE).min(self.n) - first_row.min(self.n);
        assert!(y.len() >= rows);
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above); every index is < n + 1 =
                // x.len() or the panel is dense (columns < n), as built by the constructors.
                unsafe { self.matvec_avx512(slices, x, y, first_row) };
                return;
            }
        }
        self.matvec_portable(slices, x, y, first_row)
    }

    /// Writes a slice's 8 sums (or those of its existing rows) to y.
    #[inline(always)]
    fn store(&self, acc: &[f64; SLICE], s: usize, first_row: usize, y: &mut [f64]) {
        for (l, &a) in acc.iter().enumerate() {
            let i = s * SLICE + l;
            if i < self.n {
                y[i - first_row] = a;
            }
        }
    }

    fn matvec_portable(&self, slices: std::ops::Range<usize>, x: &[f64], y: &mut [f64], first_row: usize) {
        for s in slices {
            let mut acc = [0.0f64; SLICE];
            let (a, b) = (self.start[s], self.start[s + 1]);
            let vals = &self.values[a..b];
            if self.index.is_empty() {
                for (e, v) in vals.chunks_exact(SLICE).enumerate() {
                    for l in 0..SLICE {
                        acc[l] += v[l] * x[e];
                    }
                }
            } else {
                let idx = &self.index[a..b];
                for (v, j) in vals.chunks_exact(SLICE).zip(idx.chunks_exact(SLICE)) {
                    for l in 0..SLICE {
                        // SAFETY: every index is ≤ n < x.len() (checked by the caller's assert
                        // on x.len() and by construction of `index`).
                        acc[l] += v[l] * unsafe { *x.get_unchecked(j[l] as usize) };
                    }
                }
            }
            self.store(&acc, s, first_row, y);
        }
    }

    /// The portable loop with 8-lane gathers; multiplications and additions separate (no FMA).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn matvec_avx512(&self, slices: std::ops::Range<usize>, x: &[f64], y: &mut [f64], first_row: usize) {
        use std::arch::x86_64::*;
        for s in slices {
            let (a, b) = (self.start[s], self.start[s + 1]);
            let mut acc = _mm512_setzero_pd();
            let mut e = a;
            if self.index.is_empty() {
                let mut col = 0;
                while e < b {
                    // SAFETY: e + 8 ≤ b ≤ values.len(); col < n < x.len().
                    let v = _mm512_loadu_pd(self.values.as_ptr().add(e));
                    let xj = _mm512_set1_pd(*x.get_unchecked(col));
                    acc = _mm512_add_pd(acc, _mm512_mul_pd(v, xj));
                    e += SLICE;
                    col += 1;
                }
            } else {
                while e < b {
                    // SAFETY: e + 8 ≤ b ≤ values.len() = index.len(); every index ≤ n < x.len().
                    let v = _mm512_loadu_pd(self.values.as_ptr().add(e));
                    let j = _mm256_loadu_si256(self.index.as_ptr().add(e) as *const __m256i);
                    let xj = _mm512_i32gather_pd::<8>(j, x.as_ptr());
                    acc = _mm512_add_pd(acc, _mm512_mul_pd(v, xj));
                    e += SLICE;
                }
            }
            let mut out = [0.0f64; SLICE];
            _mm512_storeu_pd(out.as_mut_ptr(), acc);
            self.store(&out, s, first_row, y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_csr(n: usize, p: f64, seed: u64) -> Csr {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut w = Csr { n, start: vec![0], index: Vec::new(), values: Vec::new() };
        for i in 0..n {
            // Row 3 stays empty, to test an empty row inside a slice.
            for j in 0..n {
                if i != 3 && next() < p {
                    w.index.push(j as u32);
                    w.values.push(next() * 2.0 - 1.0);
                }
            }
            w.start.push(w.index.len());
        }
        w
    }

    #[test]
    fn sliced_products_equal_the_csr_row_loop_bit_for_bit() {
        for (n, p) in [(1, 1.0), (7, 0.5), (8, 0.3), (37, 0.15), (100, 0.1), (64, 1.0)] {
            let w = random_csr(n, p, n as u64);
            let mut x: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.77).sin()).collect();
            x.push(0.0);
            let mut want = vec![0.0; n];
            w.matvec(&x[..n], &mut want);
            for sliced in [SlicedRows::from_csr(&w), SlicedRows::from_dense(&w.to_dense(), n)] {
                let mut got = vec![f64::NAN; n];
                sliced.matvec_slices(0..sliced.slices(), &x, &mut got);
                let mut portable = vec![f64::NAN; n];
                sliced.matvec_portable(0..sliced.slices(), &x, &mut portable, 0);
                if sliced.index.is_empty() {
                    // The dense row loop adds the zeros too; compare with it.
                    let d = w.to_dense();
                    for i in 0..n {
                        let mut s = 0.0;
                        for j in 0..n {
                            s += d[i * n + j] * x[j];
                        }
                        want[i] = s;
                    }
                }
                for i in 0..n {
                    assert_eq!(got[i].to_bits(), want[i].to_bits(), "n={n} p={p} row {i}");
                    assert_eq!(portable[i].to_bits(), want[i].to_bits(), "portable n={n} p={p} row {i}");
                }
                // A split into two ranges gives the same rows.
                let half = sliced.slices() / 2;
                let mut split = vec![f64::NAN; n];
                let (lo, hi) = split.split_at_mut((half * SLICE).min(n));
                sliced.matvec_slices(0..half, &x, lo);
                sliced.matvec_slices(half..sliced.slices(), &x, hi);
                assert!(split.iter().zip(&got).all(|(a, b)| a.to_bits() == b.to_bits()));
            }
        }
    }

    #[test]
    fn a_pad_never_turns_a_sum_negative_zero() {
        // Row 0: −1·0 = −0 as its only product; the pad adds +0 after it: the CSR loop gives
        // 0 + (−0) = +0 and so must the slice.
        let w = Csr { n: 2, start: vec![0, 1, 3], index: vec![1, 0, 1], values: vec![-1.0, 2.0, 3.0] };
        let x = vec![1.0, 0.0, 0.0];
        let mut want = vec![0.0; 2];
        w.matvec(&x[..2], &mut want);
        let mut got = vec![f64::NAN; 2];
        SlicedRows::from_csr(&w).matvec_slices(0..1, &x, &mut got);
        assert_eq!(got[0].to_bits(), want[0].to_bits());
        assert_eq!(got[0].to_bits(), 0.0f64.to_bits());
    }
}
