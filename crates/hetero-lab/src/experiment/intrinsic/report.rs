//! The study's outputs: aggregates over seeds paired with the homogeneous baseline, and
//! results.csv, tasks.csv, results.md and the figures.

use super::{Condition, Options, ResultRow, Study};
use crate::analysis::plot::{self, Chart, Scale, Series};
use crate::analysis::stats::{mean_std, paired_t_p};
use hetero_classify::train::TrainError;
use hetero_core::data::tasks::bank;
use hetero_core::io::write_atomic;
use hetero_core::network::reservoir::Kind;
use hetero_core::neuron::heterogeneity::{Family, Profile};
use std::fmt::Write as _;

/// Aggregate of one (condition, training length) over seeds, paired with its homogeneous baseline.
#[derive(Clone, Debug)]
pub struct Aggregate {
    /// The condition.
    pub condition: Condition,
    /// Training length.
    pub train_length: usize,
    /// Mean and std over seeds of the mean capacity.
    pub mean: (f64, f64),
    /// Mean over seeds of the median capacity.
    pub median: f64,
    /// Mean over seeds of (this − homogeneous) mean capacity, or NaN without a baseline.
    pub delta: f64,
    /// Two-sided paired t-test p-value of that difference over seeds.
    pub p_value: f64,
    /// Fractions of tasks whose seed-mean capacity is above / below the baseline's by more than 0.01.
    pub improved: (f64, f64),
    /// Mean capacity per task over seeds.
    pub per_task: Vec<f64>,
    /// Means over seeds of: spikes per neuron-sample, MACs per sample, readout FLOP, τ CV, τ skewness.
    pub costs: (f64, f64, f64, f64, f64),
}

/// Aggregates rows per (condition, training length), in condition order.
pub fn aggregate(conds: &[Condition], rows: &[ResultRow]) -> Vec<Aggregate> {
    let mut out = Vec::new();
    let mut lengths: Vec<usize> = rows.iter().map(|r| r.train_length).collect();
    lengths.sort_unstable();
    lengths.dedup();
    for c in conds {
        for &len in &lengths {
            let mine: Vec<&ResultRow> = rows.iter().filter(|r| r.condition == *c && r.train_length == len).collect();
            if mine.is_empty() {
                continue;
            }
            let base: Vec<&ResultRow> = rows
                .iter()
                .filter(|r| r.condition.is_baseline() && r.condition.setting() == c.setting() && r.train_length == len)
                .collect();
            let means: Vec<f64> = mine.iter().map(|r| r.mean_capacity).collect();
            let k = mine[0].capacities.len();
            let per_task: Vec<f64> =
                (0..k).map(|j| mine.iter().map(|r| r.capacities[j]).sum::<f64>() / mine.len() as f64).collect();
            let (delta, p_value, improved) = if base.is_empty() || c.is_baseline() {
                (f64::NAN, f64::NAN, (f64::NAN, f64::NAN))
            } else {
                let d: Vec<f64> = mine
                    .iter()
                    .filter_map(|r| base.iter().find(|b| b.seed == r.seed).map(|b| r.mean_capacity - b.mean_capacity))
                    .collect();
                let base_task: Vec<f64> =
                    (0..k).map(|j| base.iter().map(|r| r.capacities[j]).sum::<f64>() / base.len() as f64).collect();
                let up = per_task.iter().zip(&base_task).filter(|(a, b)| *a - *b > 0.01).count() as f64 / k as f64;
                let down = per_task.iter().zip(&base_task).filter(|(a, b)| *b - *a > 0.01).count() as f64 / k as f64;
                (d.iter().sum::<f64>() / d.len().max(1) as f64, paired_t_p(&d), (up, down))
            };
            let avg = |f: &dyn Fn(&ResultRow) -> f64| mine.iter().map(|r| f(r)).sum::<f64>() / mine.len() as f64;
            out.push(Aggregate {
                condition: c.clone(),
                train_length: len,
                mean: mean_std(&means),
                median: avg(&|r| r.median_capacity),
                delta,
                p_value,
                improved,
                per_task,
                costs: (
                    avg(&|r| r.spikes_per_neuron_sample),
                    avg(&|r| r.macs_per_sample),
                    avg(&|r| r.readout_flop),
                    avg(&|r| r.tau.1),
                    avg(&|r| r.tau.2),
                ),
            });
        }
    }
    out
}

/// A p-value for the tables: "–" for NaN, scientific below 1e-4.
fn fmt_p(p: f64) -> String {
    if p.is_nan() {
        "–".into()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// The difference from the baseline for the tables, signed; "–" without a baseline.
fn fmt_delta(a: &Aggregate) -> String {
    if a.delta.is_nan() {
        "–".into()
    } else {
        format!("{:+.4}", a.delta)
    }
}

/// A figure that could not be written, as the study's error.
fn io_err(e: plot::PlotError) -> TrainError {
    TrainError::Config(e.to_string())
}

/// The standard aggregate table.
fn table(aggs: &[&Aggregate], first: &str, label: &dyn Fn(&Aggregate) -> String) -> String {
    let mut t = format!("| network | {first} | arm | mean capacity ± sd | median | Δ vs homogeneous | paired p | tasks ↑ / ↓ | τ CV (real.) | τ skew (real.) |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for a in aggs {
        let (up, down) = a.improved;
        let frac = if up.is_nan() { "–".into() } else { format!("{:.0}% / {:.0}%", 100.0 * up, 100.0 * down) };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.4} ± {:.4} | {:.4} | {} | {} | {} | {:.3} | {:.2} |",
            a.condition.kind.name(),
            label(a),
            a.condition.arm(),
            a.mean.0,
            a.mean.1,
            a.median,
            fmt_delta(a),
            fmt_p(a.p_value),
            frac,
            a.costs.3,
            a.costs.4
        );
    }
    t
}

/// Mean capacity per task category for each aggregate.
fn category_table(aggs: &[&Aggregate], label: &dyn Fn(&Aggregate) -> String) -> String {
    let cats = ["delay", "legendre", "integrate", "narma", "xor", "parity", "predict"];
    let mut t = String::from("| network | arm |");
    for c in cats {
        let _ = write!(t, " {c} |");
    }
    t.push_str("\n|---|---|");
    t.push_str(&"---|".repeat(cats.len()));
    t.push('\n');
    for a in aggs {
        let _ = write!(t, "| {} | {} |", a.condition.kind.name(), label(a));
        for c in cats {
            let v: Vec<f64> = bank()
                .iter()
                .zip(&a.per_task)
                .filter(|(task, _)| task.operator.category() == c)
                .map(|(_, &v)| v)
                .collect();
            let _ = write!(t, " {:.3} |", v.iter().sum::<f64>() / v.len().max(1) as f64);
        }
        t.push('\n');
    }
    t
}

/// Writes results.csv, tasks.csv, results.md and the figures.
pub fn write_outputs(opts: &Options, conds: &[Condition], rows: &[ResultRow]) -> Result<(), TrainError> {
    let out = &opts.out;
    let mut csv = String::from("study,network,arm,family,cv,n,rho,p,recurrent,train_length,seed,mean_capacity,median_capacity,tau_mean_ms,tau_cv,tau_skew,spikes_per_neuron_sample,macs_per_sample,readout_flop\n");
    for r in rows {
        let c = &r.condition;
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            opts.study.name(),
            c.kind.name(),
            c.arm(),
            c.family,
            c.cv,
            c.n,
            c.rho,
            c.p,
            c.recurrent,
            r.train_length,
            r.seed,
            r.mean_capacity,
            r.median_capacity,
            r.tau.0,
            r.tau.1,
            r.tau.2,
            r.spikes_per_neuron_sample,
            r.macs_per_sample,
            r.readout_flop
        );
    }
    write_atomic(&out.join("results.csv"), csv.as_bytes())?;
    let aggs = aggregate(conds, rows);
    let mut tcsv = String::from("network,arm,n,rho,p,recurrent,train_length,task,category,capacity_mean_over_seeds\n");
    for a in &aggs {
        let c = &a.condition;
        for (task, v) in bank().iter().zip(&a.per_task) {
            let _ = writeln!(
                tcsv,
                "{},{},{},{},{},{},{},{},{},{}",
                c.kind.name(),
                c.arm(),
                c.n,
                c.rho,
                c.p,
                c.recurrent,
                a.train_length,
                task.name,
                task.operator.category(),
                v
            );
        }
    }
    write_atomic(&out.join("tasks.csv"), tcsv.as_bytes())?;

    let split = opts.split();
    let seeds = opts.seeds;
    let mut md = format!(
        "Study `{}`{}: {} tasks, {seeds} network seeds per condition (paired: one seed = the same weights and data, only τ differs). \
         Capacity = max(0, R²) on {} held-out samples after a {}-sample washout; ridge λ per task chosen on {} validation samples. \
         Δ = mean over seeds of (arm − homogeneous) mean capacity; p = two-sided paired t-test over seeds; \
         tasks ↑/↓ = share of tasks whose seed-mean capacity is higher/lower than homogeneous by more than 0.01. \
         Rate: τ mean 5 ms at Δt = 1 ms; spiking: τ_m mean 25 ms at Δt = 1 ms, 5 steps per sample (both 5 samples).\n\n",
        opts.study.name(),
        if opts.quick { " (--quick)" } else { "" },
        bank().len(),
        split.test,
        split.washout,
        split.val
    );
    let all: Vec<&Aggregate> = aggs.iter().collect();
    match opts.study {
        Study::Profiles => {
            md.push_str(&table(&all, "N", &|a| a.condition.n.to_string()));
            md.push_str(&skew_table(rows));
            md.push_str("\nMean capacity per task category:\n\n");
            md.push_str(&category_table(&all, &|a| a.condition.arm()));
            for &kind in &opts.networks {
                let mut series = Vec::new();
                let homog = aggs.iter().find(|a| a.condition.kind == kind && a.condition.is_baseline());
                for family in [Family::Uniform, Family::Normal, Family::Gamma, Family::LogNormal, Family::LogUniform] {
                    let pts: Vec<&Aggregate> = aggs
                        .iter()
                        .filter(|a| {
                            a.condition.kind == kind && a.condition.family == family && a.condition.tau_factor == 1.0
                        })
                        .collect();
                    let mut s = Series { name: family.name().into(), points: Vec::new(), band: Some(Vec::new()) };
                    if let Some(h) = homog {
                        s.points.push((0.0, h.mean.0));
                        s.band.as_mut().expect("band").push((h.mean.0 - h.mean.1, h.mean.0 + h.mean.1));
                    }
                    for a in pts {
                        s.points.push((a.condition.cv, a.mean.0));
                        s.band.as_mut().expect("band").push((a.mean.0 - a.mean.1, a.mean.0 + a.mean.1));
                    }
                    series.push(s);
                }
                let title = format!("{} network: mean capacity over {} tasks vs τ CV", kind.name(), bank().len());
                let chart = Chart {
                    title: &title,
                    x_label: "coefficient of variation of τ (0 = homogeneous)",
                    y_label: "mean capacity",
                    x_scale: Scale::Linear,
                };
                plot::line_chart(&out.join(format!("profiles_{}", kind.name())), &chart, &series).map_err(io_err)?;
            }
            // The profiles themselves at CV 0.5 (mean 5 ms), 20 000 draws each.
            let samples: Vec<(String, Vec<f64>)> = [Family::Uniform, Family::Normal, Family::Gamma, Family::LogNormal]
                .iter()
                .map(|&f| {
                    let p = Profile { family: f, mean_ms: 5.0, cv: 0.5 };
                    (
                        f.name().to_string(),
                        p.sample_clipped(
                            20000,
                            1.0,
                            &mut hetero_core::rng::stream_rng(0, hetero_core::rng::Stream::Auxiliary, [f as u64, 0, 0]),
                        ),
                    )
                })
                .collect();
            let chart = Chart {
                title: "τ profiles at mean 5 ms, CV 0.5 (clipped at Δt = 1 ms)",
                x_label: "τ (ms)",
                y_label: "density",
                x_scale: Scale::Linear,
            };
            plot::histogram(&out.join("tau_profiles"), &chart, &samples, 60, true, &[]).map_err(io_err)?;
        }
        Study::Size => {
            let maxlen = aggs.iter().map(|a| a.train_length).max().unwrap_or(0);
            let at_max: Vec<&Aggregate> = aggs.iter().filter(|a| a.train_length == maxlen).collect();
            md.push_str(&format!("Training length {maxlen}:\n\n"));
            md.push_str(&table(&at_max, "N", &|a| a.condition.n.to_string()));
            md.push_str("\nMean capacity by training length (rows) and N (columns), homogeneous / heterogeneous:\n\n");
            for &kind in &opts.networks {
                let mut ns: Vec<usize> =
                    aggs.iter().filter(|a| a.condition.kind == kind).map(|a| a.condition.n).collect();
                ns.dedup();
                let mut lens: Vec<usize> = aggs.iter().map(|a| a.train_length).collect();
                lens.sort_unstable();
                lens.dedup();
                let _ = write!(md, "\n{}:\n\n| T_train |", kind.name());
                for n in &ns {
                    let _ = write!(md, " N={n} |");
                }
                md.push_str("\n|---|");
                md.push_str(&"---|".repeat(ns.len()));
                md.push('\n');
                for &l in &lens {
                    let _ = write!(md, "| {l} |");
                    for &n in &ns {
                        let get = |hom: bool| {
                            aggs.iter()
                                .find(|a| {
                                    a.condition.kind == kind
                                        && a.condition.n == n
                                        && a.train_length == l
                                        && (a.condition.family == Family::Homogeneous) == hom
                                })
                                .map_or(f64::NAN, |a| a.mean.0)
                        };
                        let _ = write!(md, " {:.3} / {:.3} |", get(true), get(false));
                    }
                    md.push('\n');
                }
                md.push_str(&matched_size_text(&aggs, kind));
                let series: Vec<Series> = [true, false]
                    .iter()
                    .map(|&hom| {
                        let pts: Vec<&&Aggregate> = at_max
                            .iter()
                            .filter(|a| a.condition.kind == kind && (a.condition.family == Family::Homogeneous) == hom)
                            .collect();
                        Series {
                            name: pts.first().map_or(String::new(), |a| a.condition.arm()),
                            points: pts.iter().map(|a| (a.condition.n as f64, a.mean.0)).collect(),
                            band: Some(pts.iter().map(|a| (a.mean.0 - a.mean.1, a.mean.0 + a.mean.1)).collect()),
                        }
                    })
                    .collect();
                let title = format!("{} network: mean capacity vs N (T_train = {maxlen})", kind.name());
                let chart =
                    Chart { title: &title, x_label: "neurons N", y_label: "mean capacity", x_scale: Scale::Log10 };
                plot::line_chart(&out.join(format!("size_{}", kind.name())), &chart, &series).map_err(io_err)?;
                let mut series = Vec::new();
                for &n in &ns {
                    for hom in [true, false] {
                        let pts: Vec<&Aggregate> = aggs
                            .iter()
                            .filter(|a| {
                                a.condition.kind == kind
                                    && a.condition.n == n
                                    && (a.condition.family == Family::Homogeneous) == hom
                            })
                            .collect();
                        if n == ns[0] || n == ns[ns.len() / 2] || n == ns[ns.len() - 1] {
                            series.push(Series {
                                name: format!("N={n} {}", if hom { "homog." } else { "hetero." }),
                                points: pts.iter().map(|a| (a.train_length as f64, a.mean.0)).collect(),
                                band: None,
                            });
                        }
                    }
                }
                let title = format!("{} network: mean capacity vs training length", kind.name());
                let chart = Chart {
                    title: &title,
                    x_label: "training samples",
                    y_label: "mean capacity",
                    x_scale: Scale::Log10,
                };
                plot::line_chart(&out.join(format!("data_{}", kind.name())), &chart, &series).map_err(io_err)?;
            }
        }
        Study::Robustness => {
            md.push_str(&table(&all, "setting", &|a| {
                if !a.condition.recurrent {
                    "recurrence removed".into()
                } else {
                    format!("ρ={} p={}", a.condition.rho, a.condition.p)
                }
            }));
            for &kind in &opts.networks {
                for (what, stem, log) in
                    [("spectral radius ρ (p = 0.1)", "rho", false), ("connection probability p (ρ = 0.9)", "p", true)]
                {
                    let series: Vec<Series> = [true, false]
                        .iter()
                        .map(|&hom| {
                            let pts: Vec<&Aggregate> = aggs
                                .iter()
                                .filter(|a| {
                                    a.condition.kind == kind
                                        && a.condition.recurrent
                                        && (a.condition.family == Family::Homogeneous) == hom
                                })
                                .filter(|a| if stem == "rho" { a.condition.p == 0.1 } else { a.condition.rho == 0.9 })
                                .collect();
                            let x = |a: &Aggregate| if stem == "rho" { a.condition.rho } else { a.condition.p };
                            Series {
                                name: pts.first().map_or(String::new(), |a| a.condition.arm()),
                                points: pts.iter().map(|a| (x(a), a.mean.0)).collect(),
                                band: Some(pts.iter().map(|a| (a.mean.0 - a.mean.1, a.mean.0 + a.mean.1)).collect()),
                            }
                        })
                        .collect();
                    let title = format!("{} network: mean capacity vs {what}", kind.name());
                    let chart = Chart {
                        title: &title,
                        x_label: what,
                        y_label: "mean capacity",
                        x_scale: if log { Scale::Log10 } else { Scale::Linear },
                    };
                    plot::line_chart(&out.join(format!("robustness_{stem}_{}", kind.name())), &chart, &series)
                        .map_err(io_err)?;
                }
            }
        }
        Study::Cost => {
            md.push_str(&cost_table(&all));
            for &kind in &opts.networks {
                md.push_str(&matched_size_text(&aggs, kind));
                let series: Vec<Series> = [true, false]
                    .iter()
                    .map(|&hom| {
                        let pts: Vec<&Aggregate> = aggs
                            .iter()
                            .filter(|a| a.condition.kind == kind && (a.condition.family == Family::Homogeneous) == hom)
                            .collect();
                        Series {
                            name: pts.first().map_or(String::new(), |a| a.condition.arm()),
                            points: pts.iter().map(|a| (a.costs.1, a.mean.0)).collect(),
                            band: None,
                        }
                    })
                    .collect();
                let title = format!("{} network: mean capacity vs operations per sample", kind.name());
                let chart = Chart {
                    title: &title,
                    x_label: "multiply–accumulates per input sample",
                    y_label: "mean capacity",
                    x_scale: Scale::Log10,
                };
                plot::line_chart(&out.join(format!("cost_{}", kind.name())), &chart, &series).map_err(io_err)?;
            }
        }
    }
    write_atomic(&out.join("results.md"), md.as_bytes())?;
    Ok(())
}

/// Claim 2 at matched mean and CV: per seed, mean capacity of the skewed families (gamma,
/// lognormal, log-uniform) minus that of the symmetric ones (uniform, normal), paired t-test over seeds.
fn skew_table(rows: &[ResultRow]) -> String {
    let mut t = String::from("\nSkewed vs symmetric at the same mean and CV (per seed: mean over gamma, lognormal, log-uniform minus mean over uniform, normal; paired t-test over seeds):\n\n| network | CV | skewed | symmetric | skewed − symmetric | paired p |\n|---|---|---|---|---|---|\n");
    let mut keys: Vec<(Kind, u64)> = Vec::new();
    for r in rows {
        let c = &r.condition;
        if c.family != Family::Homogeneous && !c.family.skewed() && c.tau_factor == 1.0 {
            let key = (c.kind, (c.cv * 1e6) as u64);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    for (kind, cvk) in keys {
        let cv = cvk as f64 / 1e6;
        let mut seeds: Vec<u64> = rows.iter().map(|r| r.seed).collect();
        seeds.sort_unstable();
        seeds.dedup();
        let (mut sk, mut sy, mut d) = (Vec::new(), Vec::new(), Vec::new());
        for s in seeds {
            let pick = |skewed: bool| -> Vec<f64> {
                rows.iter()
                    .filter(|r| {
                        r.seed == s
                            && r.condition.kind == kind
                            && r.condition.family != Family::Homogeneous
                            && r.condition.family.skewed() == skewed
                            && r.condition.tau_factor == 1.0
                            && (r.condition.cv * 1e6) as u64 == cvk
                    })
                    .map(|r| r.mean_capacity)
                    .collect()
            };
            let (a, b) = (pick(true), pick(false));
            if a.is_empty() || b.is_empty() {
                continue;
            }
            let (ma, mb) = (a.iter().sum::<f64>() / a.len() as f64, b.iter().sum::<f64>() / b.len() as f64);
            sk.push(ma);
            sy.push(mb);
            d.push(ma - mb);
        }
        if d.is_empty() {
            continue;
        }
        let _ = writeln!(
            t,
            "| {} | {cv} | {:.4} | {:.4} | {:+.4} | {} |",
            kind.name(),
            mean_std(&sk).0,
            mean_std(&sy).0,
            mean_std(&d).0,
            fmt_p(paired_t_p(&d))
        );
    }
    t
}

/// Capacity and costs (MACs, spikes, readout FLOP) of each aggregate.
fn cost_table(aggs: &[&Aggregate]) -> String {
    let mut t = String::from("| network | N | arm | mean capacity ± sd | MACs / sample | spikes / neuron / sample | readout training FLOP |\n|---|---|---|---|---|---|---|\n");
    for a in aggs {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.4} ± {:.4} | {:.3e} | {:.4} | {:.3e} |",
            a.condition.kind.name(),
            a.condition.n,
            a.condition.arm(),
            a.mean.0,
            a.mean.1,
            a.costs.1,
            a.costs.0,
            a.costs.2
        );
    }
    t
}

/// For each homogeneous N: the smallest heterogeneous N (interpolated in log N) whose mean capacity
/// reaches it, and the cost ratios there (largest training length).
fn matched_size_text(aggs: &[Aggregate], kind: Kind) -> String {
    let maxlen = aggs.iter().map(|a| a.train_length).max().unwrap_or(0);
    let pick = |hom: bool| -> Vec<&Aggregate> {
        aggs.iter()
            .filter(|a| {
                a.condition.kind == kind
                    && a.train_length == maxlen
                    && (a.condition.family == Family::Homogeneous) == hom
            })
            .collect()
    };
    let (homs, hets) = (pick(true), pick(false));
    let mut t = format!("\nMatched performance, {} (training length {maxlen}): for each homogeneous N, the heterogeneous N reaching the same mean capacity (log-linear interpolation between sizes; ≤ when the smallest heterogeneous network already reaches it) and the cost of each at that point (spikes per sample summed over the network):\n\n| homog. N | capacity | hetero. N matching | size ratio | MACs/sample homog. → hetero. | spikes/sample homog. → hetero. | readout FLOP homog. → hetero. |\n|---|---|---|---|---|---|---|\n", kind.name());
    for h in &homs {
        let target = h.mean.0;
        let mut found = None;
        // True when even the smallest heterogeneous network reaches the target (the match is an upper bound).
        let mut bound = false;
        for w in hets.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.mean.0 >= target {
                found = Some((a.condition.n as f64, a.costs));
                bound = true;
                break;
            }
            if b.mean.0 >= target {
                let f = (target - a.mean.0) / (b.mean.0 - a.mean.0);
                let ln = (a.condition.n as f64).ln() + f * ((b.condition.n as f64).ln() - (a.condition.n as f64).ln());
                let lerp = |x: f64, y: f64| x + f * (y - x);
                let c = (lerp(a.costs.0, b.costs.0), lerp(a.costs.1, b.costs.1), lerp(a.costs.2, b.costs.2), 0.0, 0.0);
                found = Some((ln.exp(), c));
                break;
            }
        }
        if found.is_none() && hets.len() == 1 && hets[0].mean.0 >= target {
            found = Some((hets[0].condition.n as f64, hets[0].costs));
            bound = true;
        }
        let le = if bound { "≤ " } else { "" };
        let spikes = |s: f64| s * h.condition.n as f64;
        match found {
            Some((n, c)) => {
                let _ = writeln!(
                    t,
                    "| {} | {:.4} | {le}{:.0} | {le}{:.2} | {:.3e} → {:.3e} | {:.2} → {:.2} | {:.3e} → {:.3e} |",
                    h.condition.n,
                    target,
                    n,
                    n / h.condition.n as f64,
                    h.costs.1,
                    c.1,
                    spikes(h.costs.0),
                    c.0 * n,
                    h.costs.2,
                    c.2
                );
            }
            None => {
                let _ = writeln!(t, "| {} | {:.4} | not reached | – | – | – | – |", h.condition.n, target);
            }
        }
    }
    t
}
