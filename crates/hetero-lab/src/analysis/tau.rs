//! `hetero analyze tau`: learned membrane time constants against Paper A's Table 2 and biology.
//!
//! Reads `hidden.tau_ms` from each run directory's params.safetensors, fits gamma and lognormal
//! distributions with location 0 ([`super::fit`]) to each run and to all runs pooled, and writes
//! `tau_fit.csv`, `tau_fit.md` (Table 2's layout: our columns beside Paper A's fits and the mouse
//! V1 / human MTG reference parameters) and `tau_hist.{svg,png}` (pooled histogram, density
//! scale, with both fitted densities and the two biological reference densities).

use super::fit::{fit_gamma, fit_lognormal, gamma_pdf, lognormal_pdf, Fit, FitError};
use super::plot::{self, Chart, Scale, Series};
use hetero_core::io::{load_arrays, write_atomic, IoError};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One column of Table 2: gamma (shape, scale), lognormal (shape, scale), scales in ms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Table2Column {
    /// Column heading.
    pub name: &'static str,
    /// Gamma shape k and scale θ (ms).
    pub gamma: (f64, f64),
    /// Lognormal shape σ and scale e^μ (ms).
    pub lognormal: (f64, f64),
}

/// Paper A Table 2 (research/paper_a_details.md §4.4): learned τ on Brax HC/ANT/HP/WAL, and the
/// biological references (layer-4 spiny cells of mouse V1, spiny cells of human MTG).
pub const PAPER_TABLE2: [Table2Column; 6] = [
    Table2Column { name: "paper HC", gamma: (1.46, 14.6), lognormal: (0.26, 20.6) },
    Table2Column { name: "paper ANT", gamma: (1.85, 11.7), lognormal: (0.28, 20.7) },
    Table2Column { name: "paper HP", gamma: (2.20, 10.0), lognormal: (0.30, 20.9) },
    Table2Column { name: "paper WAL", gamma: (1.85, 11.8), lognormal: (0.28, 20.8) },
    Table2Column { name: "mouse V1", gamma: (1.64, 13.4), lognormal: (0.27, 21.1) },
    Table2Column { name: "human MTG", gamma: (3.18, 9.11), lognormal: (0.33, 27.3) },
];

/// Fits of one sample set.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TauFits {
    /// Run directory name, or `pooled`.
    pub name: String,
    /// Number of τ values.
    pub n: usize,
    /// Mean τ (ms).
    pub mean_ms: f64,
    /// Gamma fit.
    pub gamma: Fit,
    /// Lognormal fit.
    pub lognormal: Fit,
}

/// Why the τ analysis could not finish.
#[derive(Debug, thiserror::Error)]
pub enum TauError {
    /// No run directory was given.
    #[error("no run directories given")]
    NoRuns,
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The run's params hold no learned τ (a weight-mode run, or not a hetero run).
    #[error("{path}: no `hidden.tau_ms` array")]
    NoTau {
        /// The params file.
        path: String,
    },
    /// A maximum-likelihood fit failed.
    #[error("{name}: {distribution} fit: {source}")]
    Fit {
        /// Run name or `pooled`.
        name: String,
        /// gamma | lognormal.
        distribution: &'static str,
        /// Why.
        source: FitError,
    },
    /// The figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] plot::PlotError),
}

/// Reads `hidden.tau_ms` of a run directory.
pub fn read_tau(run_dir: &Path) -> Result<Vec<f64>, TauError> {
    let path = run_dir.join("params.safetensors");
    let (arrays, _) = load_arrays(&path)?;
    let tau = arrays.get("hidden.tau_ms").ok_or_else(|| TauError::NoTau { path: path.display().to_string() })?;
    Ok(tau.to_f64())
}

fn fits(name: String, x: &[f64]) -> Result<TauFits, TauError> {
    let fit_err = |distribution, source| TauError::Fit { name: name.clone(), distribution, source };
    let g = fit_gamma(x).map_err(|e| fit_err("gamma", e))?;
    let l = fit_lognormal(x).map_err(|e| fit_err("lognormal", e))?;
    Ok(TauFits { name, n: x.len(), mean_ms: x.iter().sum::<f64>() / x.len() as f64, gamma: g, lognormal: l })
}

/// Fits every run and the pool, writes the table and the figure into `out`; returns the fits
/// (runs first, pooled last when there are several runs).
pub fn analyze_tau(run_dirs: &[PathBuf], out: &Path) -> Result<Vec<TauFits>, TauError> {
    if run_dirs.is_empty() {
        return Err(TauError::NoRuns);
    }
    let mut all = Vec::new();
    let mut rows = Vec::new();
    for dir in run_dirs {
        let tau = read_tau(dir)?;
        let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        rows.push(fits(name, &tau)?);
        all.extend(tau);
    }
    if run_dirs.len() > 1 {
        rows.push(fits("pooled".into(), &all)?);
    }
    std::fs::create_dir_all(out)
        .map_err(|e| IoError::Os { path: out.display().to_string(), message: e.to_string() })?;
    let mut csv = String::from(
        "name,n,mean_ms,gamma_shape,gamma_scale_ms,gamma_ks,lognormal_shape,lognormal_scale_ms,lognormal_ks\n",
    );
    for r in &rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            r.name,
            r.n,
            r.mean_ms,
            r.gamma.shape,
            r.gamma.scale,
            r.gamma.ks,
            r.lognormal.shape,
            r.lognormal.scale,
            r.lognormal.ks
        );
    }
    write_atomic(&out.join("tau_fit.csv"), csv.as_bytes())?;
    write_atomic(&out.join("tau_fit.md"), table2_markdown(&rows).as_bytes())?;
    let shown = rows.last().expect("at least one row");
    plot_fits(&out.join("tau_hist"), &all, shown)?;
    Ok(rows)
}

/// Table 2's layout: rows gamma/lognormal × shape/scale (+ KS for ours), columns ours then paper.
pub fn table2_markdown(rows: &[TauFits]) -> String {
    let mut md = String::from(
        "Maximum-likelihood fits with location 0 of the learned hidden-neuron τ (ms); scale in ms. \
         Lognormal shape = σ of ln τ, scale = e^μ. KS = Kolmogorov–Smirnov distance of the fit (ours only). \
         Paper columns: Paper A Table 2 (Brax v1, 1000 generations); mouse V1 / human MTG: the biological references it cites.\n\n| Dist | param |",
    );
    for r in rows {
        let _ = write!(md, " {} (n={}) |", r.name, r.n);
    }
    for c in &PAPER_TABLE2 {
        let _ = write!(md, " {} |", c.name);
    }
    md.push_str("\n|---|---|");
    md.push_str(&"---|".repeat(rows.len() + PAPER_TABLE2.len()));
    md.push('\n');
    type Get = fn(&TauFits) -> f64;
    type Ref = fn(&Table2Column) -> Option<f64>;
    let lines: [(&str, &str, Get, Ref); 6] = [
        ("gamma", "shape", |r| r.gamma.shape, |c| Some(c.gamma.0)),
        ("gamma", "scale", |r| r.gamma.scale, |c| Some(c.gamma.1)),
        ("gamma", "KS", |r| r.gamma.ks, |_| None),
        ("lognormal", "shape", |r| r.lognormal.shape, |c| Some(c.lognormal.0)),
        ("lognormal", "scale", |r| r.lognormal.scale, |c| Some(c.lognormal.1)),
        ("lognormal", "KS", |r| r.lognormal.ks, |_| None),
    ];
    for (dist, param, get, reference) in lines {
        let _ = write!(md, "| {dist} | {param} |");
        for r in rows {
            let _ = write!(md, " {:.3} |", get(r));
        }
        for c in &PAPER_TABLE2 {
            let _ = write!(md, " {} |", reference(c).map_or("–".to_string(), |v| format!("{v}")));
        }
        md.push('\n');
    }
    let _ = writeln!(md, "\nMean τ (ms): {}; gamma means (k·θ) of the paper columns: HC 21.3, ANT 21.6, HP 22.0, WAL 21.8, mouse 22.0, human 29.0.",
        rows.iter().map(|r| format!("{} {:.2}", r.name, r.mean_ms)).collect::<Vec<_>>().join(", "));
    md
}

fn plot_fits(stem: &Path, tau: &[f64], fit: &TauFits) -> Result<(), plot::PlotError> {
    let hi = tau.iter().cloned().fold(0.0f64, f64::max).max(60.0);
    let xs: Vec<f64> = (1..=300).map(|i| hi * i as f64 / 300.0).collect();
    let curve = |name: String, f: &dyn Fn(f64) -> f64| Series {
        name,
        points: xs.iter().map(|&x| (x, f(x))).collect(),
        band: None,
    };
    let (g, l) = (fit.gamma, fit.lognormal);
    let mouse = PAPER_TABLE2[4];
    let human = PAPER_TABLE2[5];
    let curves = vec![
        curve(format!("gamma fit k={:.2} θ={:.1} ms (KS {:.3})", g.shape, g.scale, g.ks), &|x| {
            gamma_pdf(g.shape, g.scale, x)
        }),
        curve(format!("lognormal fit σ={:.2} scale={:.1} ms (KS {:.3})", l.shape, l.scale, l.ks), &|x| {
            lognormal_pdf(l.shape, l.scale, x)
        }),
        curve("mouse V1 (gamma 1.64, 13.4 ms)".into(), &|x| gamma_pdf(mouse.gamma.0, mouse.gamma.1, x)),
        curve("human MTG (gamma 3.18, 9.11 ms)".into(), &|x| gamma_pdf(human.gamma.0, human.gamma.1, x)),
    ];
    let chart = Chart {
        title: "Learned membrane time constants τ",
        x_label: "τ (ms)",
        y_label: "density",
        x_scale: Scale::Linear,
    };
    plot::histogram(
        stem,
        &chart,
        &[(format!("learned τ ({}, n = {})", fit.name, fit.n), tau.to_vec())],
        40,
        true,
        &curves,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_column() {
        let f = Fit { shape: 1.5, scale: 14.0, ks: 0.01 };
        let md = table2_markdown(&[TauFits { name: "run".into(), n: 10, mean_ms: 21.0, gamma: f, lognormal: f }]);
        assert!(md.contains("| run (n=10) | paper HC | paper ANT | paper HP | paper WAL | mouse V1 | human MTG |"));
        assert!(md.contains("| gamma | shape | 1.500 | 1.46 | 1.85 | 2.2 | 1.85 | 1.64 | 3.18 |"));
    }
}
