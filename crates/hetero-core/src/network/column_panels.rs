//! W cut into column panels, for the batched product of W with an N × L block of states (L
//! lanes, one per condition): panel p holds, for every row, that row's non-zeros in columns
//! [p·w, (p+1)·w). The product runs panel by panel, so the states it reads (w rows of the
//! block, w·L·8 bytes) stay in the first-level cache while W streams past, instead of every
//! non-zero fetching a random row of the whole block from the second or third level.
//!
//! **Bit-identity.** Row i's sum still starts at +0 and adds its non-zeros in column order: each
//! panel continues the partial sum the previous one left (held in memory between panels, in f64,
//! so nothing is rounded differently), exactly the operations of the CSR row loop.

use super::reservoir::Csr;

/// Bytes of states one panel may read (half of a 48 KiB first-level data cache).
pub const PANEL_BYTES: usize = 24 << 10;

/// W (n × n) in column panels; see the module documentation.
#[derive(Clone, Debug)]
pub struct ColumnPanels {
    /// Rows n.
    pub n: usize,
    /// Columns per panel.
    pub width: usize,
    /// Entry range of row i in panel p: `start[p·(n+1) + i] .. start[p·(n+1) + i + 1]`.
    pub start: Vec<usize>,
    /// Values, panel-major, then row, then column order.
    pub values: Vec<f64>,
    /// Columns of the values.
    pub index: Vec<u32>,
}

impl ColumnPanels {
    /// The non-zeros of `w` in panels of `width` (≥ 1) columns.
    pub fn from_csr(w: &Csr, width: usize) -> Self {
        let n = w.n;
        let width = width.max(1);
        let panels = n.div_ceil(width).max(1);
        let mut start = Vec::with_capacity(panels * (n + 1));
        let mut values = Vec::with_capacity(w.nnz());
        let mut index = Vec::with_capacity(w.nnz());
        // Per row, the next entry not yet placed (columns ascend within a row).
        let mut next: Vec<usize> = w.start[..n].to_vec();
        for p in 0..panels {
            let end_col = ((p + 1) * width) as u64;
            for i in 0..n {
                start.push(values.len());
                let mut e = next[i];
                while e < w.start[i + 1] && (w.index[e] as u64) < end_col {
                    values.push(w.values[e]);
                    index.push(w.index[e]);
                    e += 1;
                }
                next[i] = e;
            }
            start.push(values.len());
        }
        Self { n, width, start, values, index }
    }

    /// Every entry of a dense row-major n × n W (zeros included, as the dense row loop sums them).
    pub fn from_dense(w: &[f64], n: usize, width: usize) -> Self {
        let csr = Csr {
            n,
            start: (0..=n).map(|i| i * n).collect(),
            index: (0..n * n).map(|e| (e % n) as u32).collect(),
            values: w.to_vec(),
        };
        Self::from_csr(&csr, width)
    }

    /// Panel width for `lanes` f64 lanes per state row: [`PANEL_BYTES`] of states, at least 16.
    pub fn width_for(lanes: usize) -> usize {
        (PANEL_BYTES / (8 * lanes.max(1))).max(16)
    }

    /// Panels.
    pub fn panels(&self) -> usize {
        self.start.len() / (self.n + 1)
    }

    /// Row i's values and columns in panel p.
    #[inline(always)]
    pub fn row(&self, p: usize, i: usize) -> (&[f64], &[u32]) {
        let at = p * (self.n + 1) + i;
        let (s, e) = (self.start[at], self.start[at + 1]);
        (&self.values[s..e], &self.index[s..e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_hold_every_entry_once_in_row_and_column_order() {
        let n = 23;
        let mut w = Csr { n, start: vec![0], index: Vec::new(), values: Vec::new() };
        for i in 0..n {
            for j in 0..n {
                if (i * 7 + j * 3) % 5 == 0 {
                    w.index.push(j as u32);
                    w.values.push((i * n + j) as f64);
                }
            }
            w.start.push(w.index.len());
        }
        for width in [1, 4, 7, 23, 100] {
            let p = ColumnPanels::from_csr(&w, width);
            assert_eq!(p.panels(), n.div_ceil(width));
            for i in 0..n {
                let mut got: Vec<(u32, f64)> = Vec::new();
                for q in 0..p.panels() {
                    let (v, j) = p.row(q, i);
                    assert!(j.iter().all(|&c| (c as usize) / width == q), "width {width} panel {q}");
                    got.extend(j.iter().copied().zip(v.iter().copied()));
                }
                let want: Vec<(u32, f64)> = (w.start[i]..w.start[i + 1]).map(|e| (w.index[e], w.values[e])).collect();
                assert_eq!(got, want, "width {width} row {i}");
            }
        }
        let dense = ColumnPanels::from_dense(&w.to_dense(), n, 5);
        assert_eq!(dense.values.len(), n * n);
    }
}
