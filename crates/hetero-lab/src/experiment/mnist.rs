//! Paper A §4.5: Table 3 (test accuracy at equal trainable-parameter counts) and Figure 6
//! (firing rates per class across generations) on MNIST and Fashion-MNIST.
//!
//! Sizes are trainable neuron parameters: size S pairs the neuron-mode network of hidden width
//! S / 4 (four properties per hidden neuron) with the weight-mode network whose 784·H + 10·H
//! weights are closest to S — Paper A's H = 5, 10, 21, 42 for 4096 … 32768 (SPEC §3).
//! Each (dataset, size, arm, seed) is one training run (presets `mnist-neuron-*`,
//! `mnist-weight-*`); its centre's accuracy on the whole test set after the last generation is
//! the table entry. Outputs in `out`: results.csv, results.md (beside the paper's numbers),
//! `accuracy_<dataset>.{svg,png}` (test accuracy vs generation), `fig6_<dataset>_<arm>.{svg,png}`
//! (rates of 32 recorded hidden neurons per class at the first, middle and last evaluation of the
//! smallest size, seed 0), `silent_<dataset>.{svg,png}` (fraction of silent hidden neurons per
//! evaluation), and runs/ with every run's directory.

use super::job::{finish_job, job_key, start_job, JobOrigin, JobStart};
use super::{mean_std, run_jobs, writes_files, JobProgress, Quiet};
use crate::analysis::plot::{self, Chart, Scale, Series};
use hetero_classify::{read_accuracy, read_rates, AccuracyRow, ImageProblem, RateHistory};
use hetero_core::config::{Config, ConfigTree};
use hetero_core::data::{Dataset, DatasetName};
use hetero_core::engine::train_problem;
use hetero_core::engine::TrainError;
use hetero_core::io::write_atomic;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Paper A's sizes (trainable neuron parameters).
pub const DEFAULT_SIZES: &[usize] = &[4096, 8192, 16384, 32768];

/// Paper A Table 3: (size, MNIST neuron, MNIST weight, FMNIST neuron, FMNIST weight), in %.
pub const PAPER_TABLE3: &[(usize, f64, f64, f64, f64)] = &[
    (4096, 80.96, 78.66, 76.35, 48.33),
    (8192, 85.64, 88.69, 77.64, 58.15),
    (16384, 88.89, 90.59, 79.31, 80.41),
    (32768, 90.84, 91.29, 80.90, 81.22),
];

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Datasets.
    pub datasets: Vec<DatasetName>,
    /// Sizes in trainable neuron parameters (multiples of 4).
    pub sizes: Vec<usize>,
    /// Seeds 0..seeds per (dataset, size, arm).
    pub seeds: u64,
    /// Generations per run.
    pub generations: u64,
    /// Test-set evaluation every this many generations.
    pub test_every: u64,
    /// Folder holding mnist/ and fashion-mnist/ (None: the standard search).
    pub data_dir: Option<PathBuf>,
    /// Output folder.
    pub out: PathBuf,
}

impl Options {
    /// The default study: both datasets, the four sizes, 1 seed, 300 generations.
    pub fn full(out: PathBuf) -> Self {
        Self {
            datasets: vec![DatasetName::Mnist, DatasetName::FashionMnist],
            sizes: DEFAULT_SIZES.to_vec(),
            seeds: 1,
            generations: 300,
            test_every: 10,
            data_dir: None,
            out,
        }
    }

    /// A reduced study (a few minutes): MNIST, the smallest size, 30 generations.
    pub fn quick(out: PathBuf) -> Self {
        Self {
            datasets: vec![DatasetName::Mnist],
            sizes: vec![4096],
            seeds: 1,
            generations: 30,
            test_every: 10,
            data_dir: None,
            out,
        }
    }
}

/// The weight-mode hidden width paired with a neuron-parameter size: Paper A's for its sizes,
/// else the width whose 794·H weights are closest.
pub fn weight_hidden(size: usize) -> usize {
    match size {
        4096 => 5,
        8192 => 10,
        16384 => 21,
        32768 => 42,
        s => ((s as f64 / 794.0).round() as usize).max(1),
    }
}

/// One row of results.csv.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ResultRow {
    /// mnist | fashion-mnist.
    pub dataset: String,
    /// neuron | weight.
    pub arm: String,
    /// The size (neuron parameters) this run is compared at.
    pub size: usize,
    /// Hidden width.
    pub hidden: usize,
    /// Trainable parameters of this run as Paper A counts them.
    pub parameters: usize,
    /// Seed.
    pub seed: u64,
    /// The final centre's accuracy on the test set.
    pub test_accuracy: f64,
    /// Generations run.
    pub generations: u64,
    /// Wall time of the run (s).
    pub wall_s: f64,
}

/// The configuration of one run.
pub fn job_config(
    opts: &Options,
    dataset: DatasetName,
    size: usize,
    arm: &str,
    seed: u64,
) -> Result<Config, TrainError> {
    let (preset, hidden) =
        if arm == "neuron" { ("mnist-neuron-4096", size / 4) } else { ("mnist-weight-3970", weight_hidden(size)) };
    let mut t = ConfigTree::load(preset).map_err(|e| TrainError::Config(e.to_string()))?;
    for set in [
        format!("env.name={dataset}"),
        format!("network.hidden={hidden}"),
        format!("run.seed={seed}"),
        format!("run.generations={}", opts.generations),
        format!("run.checkpoint_every={}", opts.generations.min(50)),
        "run.plots=false".to_string(),
        format!("data.test_every={}", opts.test_every),
    ] {
        t.set(&set).map_err(|e| TrainError::Config(e.to_string()))?;
    }
    t.finish().map_err(|e| TrainError::Config(e.to_string()))
}

fn job_dir(out: &Path, dataset: DatasetName, size: usize, arm: &str, seed: u64) -> PathBuf {
    out.join("runs").join(format!("{dataset}-{arm}-{size}-s{seed}"))
}

/// Runs (or continues, or reuses) one job and returns its row ([`super::job`]): asking for more
/// generations continues the run from its checkpoint, bit-identical to a straight run.
fn run_job(
    opts: &Options,
    data: &Dataset,
    dataset: DatasetName,
    size: usize,
    arm: &str,
    seed: u64,
) -> Result<(ResultRow, JobOrigin), TrainError> {
    let dir = job_dir(&opts.out, dataset, size, arm, seed);
    let mut config = job_config(opts, dataset, size, arm, seed)?;
    // The presets' batch of 1024 images, or the whole training set when it has fewer (a small
    // test dataset); the run's config.toml records the size used.
    config.data.batch_size = config.data.batch_size.min(data.train_len() - config.data.validation);
    // The test set is part of the result: the same folder with other files is another job.
    let key = job_key(
        &config.to_toml(),
        &[("train_images", data.train_len().to_string()), ("test_images", data.test_len().to_string())],
    );
    let (resume, origin) = match start_job::<ResultRow>(&dir, Some(&config), &key)? {
        JobStart::Reused(row) => return Ok((row, JobOrigin::Reused)),
        JobStart::Train { resume, origin } => (resume, origin),
    };
    let mut problem = ImageProblem::new(&config, data)?;
    let summary = train_problem(&config, &mut problem, &dir, resume, &mut [&mut Quiet])?;
    let row = ResultRow {
        dataset: dataset.to_string(),
        arm: arm.into(),
        size,
        hidden: config.network.hidden,
        parameters: summary.paper_parameter_count,
        seed,
        test_accuracy: summary.test_accuracy.unwrap_or(f64::NAN),
        generations: summary.generations,
        wall_s: summary.wall_s,
    };
    finish_job(&dir, &key, &row)?;
    Ok((row, origin))
}

/// Runs the whole study on the current rayon pool and writes every output; returns the rows.
pub fn run(opts: &Options) -> Result<Vec<ResultRow>, TrainError> {
    if let Some(bad) = opts.sizes.iter().find(|&&s| s < 4 || s % 4 != 0) {
        return Err(TrainError::Config(format!(
            "--sizes {bad}: a size is a number of neuron parameters, a positive multiple of 4"
        )));
    }
    let mut data = Vec::new();
    for &d in &opts.datasets {
        data.push(hetero_core::data::load(d, opts.data_dir.as_deref()).map_err(|e| TrainError::Config(e.to_string()))?);
    }
    if writes_files() {
        std::fs::create_dir_all(&opts.out).map_err(|e| hetero_core::io::IoError::Os {
            path: opts.out.display().to_string(),
            message: e.to_string(),
        })?;
    }
    // Smallest networks first: an interrupted study then has its cheapest rows complete (it
    // resumes from result.json and the runs' checkpoints).
    let mut jobs: Vec<(usize, usize, &str, u64)> = Vec::new();
    let mut sizes = opts.sizes.clone();
    sizes.sort_unstable();
    for &size in &sizes {
        for d in 0..opts.datasets.len() {
            for arm in ["neuron", "weight"] {
                for seed in 0..opts.seeds {
                    jobs.push((d, size, arm, seed));
                }
            }
        }
    }
    let progress = JobProgress::new(jobs.len(), "mnist");
    let rows: Result<Vec<ResultRow>, TrainError> = run_jobs(&jobs, |&(d, size, arm, seed)| {
        let dataset = opts.datasets[d];
        let (row, origin) = run_job(opts, &data[d], dataset, size, arm, seed)?;
        progress.finished(&format!(
            "{dataset} {arm} {size} seed {seed}: test accuracy {:.2} % after {} generations ({:.0} s){}",
            100.0 * row.test_accuracy,
            row.generations,
            row.wall_s,
            origin.note()
        ));
        Ok(row)
    })
    .into_iter()
    .collect();
    progress.finish();
    let mut rows = rows?;
    rows.sort_by(|a, b| (&a.dataset, a.size, &a.arm, a.seed).cmp(&(&b.dataset, b.size, &b.arm, b.seed)));
    if writes_files() {
        write_outputs(opts, &rows)?;
    }
    Ok(rows)
}

fn paper(size: usize, dataset: &str, arm: &str) -> Option<f64> {
    PAPER_TABLE3.iter().find(|r| r.0 == size).map(|r| match (dataset, arm) {
        ("mnist", "neuron") => r.1,
        ("mnist", _) => r.2,
        (_, "neuron") => r.3,
        _ => r.4,
    })
}

/// Writes results.csv, results.md and the figures from `rows` (and the runs' files).
pub fn write_outputs(opts: &Options, rows: &[ResultRow]) -> Result<(), TrainError> {
    let out = &opts.out;
    let mut csv = String::from("dataset,arm,size,hidden,parameters,seed,test_accuracy,generations,wall_s\n");
    for r in rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{:.1}",
            r.dataset, r.arm, r.size, r.hidden, r.parameters, r.seed, r.test_accuracy, r.generations, r.wall_s
        );
    }
    write_atomic(&out.join("results.csv"), csv.as_bytes())?;

    let mut sizes: Vec<usize> = rows.iter().map(|r| r.size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let seeds = rows.iter().map(|r| r.seed).max().map_or(0, |s| s + 1);
    let cell = |d: &str, size: usize, arm: &str| -> String {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| r.dataset == d && r.size == size && r.arm == arm)
            .map(|r| 100.0 * r.test_accuracy)
            .collect();
        let ours = match v.len() {
            0 => "–".to_string(),
            1 => format!("{:.2}", v[0]),
            _ => {
                let (m, s) = mean_std(&v);
                format!("{m:.2} ± {s:.2}")
            }
        };
        let p = paper(size, d, arm).map_or("–".to_string(), |p| format!("{p:.2}"));
        format!("{ours} ({p})")
    };
    let params =
        |size: usize, arm: &str| rows.iter().find(|r| r.size == size && r.arm == arm).map_or(0, |r| r.parameters);
    let mut md = format!(
        "Test accuracy (%) of the final centre on the whole test set after {} generations (pop 256, batch 1024, 4 steps per image), \
         {seeds} seed(s); Paper A's Table 3 in parentheses. `neuron`: fixed random weights, τ, v_th, v_rest, R of the hidden neurons searched; \
         `weight`: homogeneous neurons, all weights searched.\n\n",
        opts.generations
    );
    let datasets: Vec<String> = opts.datasets.iter().map(|d| d.to_string()).collect();
    md.push_str("| #params neuron / weight |");
    for d in &datasets {
        let _ = write!(md, " {d} neuron | {d} weight |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---|---|".repeat(datasets.len()));
    md.push('\n');
    for &size in &sizes {
        let _ = write!(md, "| {} / {} |", params(size, "neuron"), params(size, "weight"));
        for d in &datasets {
            let _ = write!(md, " {} | {} |", cell(d, size, "neuron"), cell(d, size, "weight"));
        }
        md.push('\n');
    }
    write_atomic(&out.join("results.md"), md.as_bytes())?;

    let plot_err = |e: plot::PlotError| TrainError::Config(e.to_string());
    for &dataset in &opts.datasets {
        let d = dataset.to_string();
        // Test accuracy vs generation, mean over seeds.
        let mut curves = Vec::new();
        let mut silent = Vec::new();
        for &size in &sizes {
            for arm in ["neuron", "weight"] {
                let histories: Vec<Vec<AccuracyRow>> = (0..seeds)
                    .filter_map(|s| {
                        read_accuracy(&job_dir(out, dataset, size, arm, s).join("accuracy.csv"), u64::MAX).ok()
                    })
                    .filter(|h| !h.is_empty())
                    .collect();
                if histories.is_empty() {
                    continue;
                }
                let n = histories.iter().map(|h| h.len()).min().unwrap_or(0);
                let mean_at = |i: usize, f: fn(&AccuracyRow) -> f64| {
                    histories.iter().map(|h| f(&h[i])).sum::<f64>() / histories.len() as f64
                };
                let gens = |i: usize| histories[0][i].generation as f64;
                let label = format!("{arm} {} params", params(size, arm));
                curves.push(Series {
                    name: label.clone(),
                    points: (0..n).map(|i| (gens(i), 100.0 * mean_at(i, |r| r.test_accuracy))).collect(),
                    band: None,
                });
                silent.push(Series {
                    name: label,
                    points: (0..n).map(|i| (gens(i), mean_at(i, |r| r.silent_fraction))).collect(),
                    band: None,
                });
            }
        }
        let title = format!("{d}: test accuracy of the centre");
        let chart =
            Chart { title: &title, x_label: "generation", y_label: "test accuracy (%)", x_scale: Scale::Linear };
        plot::line_chart(&out.join(format!("accuracy_{d}")), &chart, &curves).map_err(plot_err)?;
        let title = format!("{d}: fraction of silent hidden neurons (test set)");
        let chart = Chart { title: &title, x_label: "generation", y_label: "silent fraction", x_scale: Scale::Linear };
        plot::line_chart(&out.join(format!("silent_{d}")), &chart, &silent).map_err(plot_err)?;
        // Figure 6: the smallest size, seed 0.
        if let Some(&size) = sizes.first() {
            for arm in ["neuron", "weight"] {
                let dir = job_dir(out, dataset, size, arm, 0);
                if let Some(fig) = fig6_matrix(&dir)? {
                    let title = format!("{d} {arm}: spikes/step per class, generations {}", fig.generations);
                    let chart = Chart {
                        title: &title,
                        x_label: "class 0-9 at each of the three generations",
                        y_label: "recorded hidden neuron",
                        x_scale: Scale::Linear,
                    };
                    plot::heat_map(&out.join(format!("fig6_{d}_{arm}")), &chart, fig.rows, fig.cols, &fig.values)
                        .map_err(plot_err)?;
                }
            }
        }
    }
    Ok(())
}

/// A Figure 6 heat map: `rows × cols` values, row-major, and the generations it shows.
struct Fig6 {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
    generations: String,
}

/// The Figure 6 matrix of a run: rows = recorded neurons, columns = the 10 classes at the first,
/// middle and last test evaluation side by side (spikes per step). None if the run has no rates.
fn fig6_matrix(dir: &Path) -> Result<Option<Fig6>, TrainError> {
    let path = dir.join("rates.safetensors");
    if !path.exists() {
        return Ok(None);
    }
    let (arrays, _) = hetero_core::io::load_arrays(&path)?;
    let neurons: Vec<usize> =
        arrays.get("neurons").map(|a| a.to_f64().iter().map(|&x| x as usize).collect()).unwrap_or_default();
    let history = read_rates(&path, u64::MAX, RateHistory { neurons, ..Default::default() })?;
    let e = history.generations.len();
    if e == 0 || history.neurons.is_empty() {
        return Ok(None);
    }
    let picks: Vec<usize> = {
        let mut p = vec![0, e / 2, e - 1];
        p.dedup();
        p
    };
    let k = history.neurons.len();
    let classes = history.rates[0].len() / k;
    let cols = classes * picks.len();
    let mut values = vec![0.0; k * cols];
    for (pi, &snap) in picks.iter().enumerate() {
        for c in 0..classes {
            for n in 0..k {
                values[n * cols + pi * classes + c] = history.rates[snap][c * k + n] as f64;
            }
        }
    }
    let snaps = picks.iter().map(|&p| history.generations[p].to_string()).collect::<Vec<_>>().join(", ");
    Ok(Some(Fig6 { rows: k, cols, values, generations: snaps }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arms_are_paired_at_the_papers_counts() {
        let opts = Options::quick(PathBuf::from("unused"));
        for &(size, ..) in PAPER_TABLE3 {
            let n = job_config(&opts, DatasetName::Mnist, size, "neuron", 0).unwrap();
            let w = job_config(&opts, DatasetName::Mnist, size, "weight", 0).unwrap();
            assert_eq!(n.network.hidden * 4, size);
            let h = w.network.hidden;
            assert_eq!(
                784 * h + h * 10,
                [3970, 7940, 16674, 33348][DEFAULT_SIZES.iter().position(|&s| s == size).unwrap()]
            );
        }
        assert_eq!(weight_hidden(1600), 2);
    }
}
