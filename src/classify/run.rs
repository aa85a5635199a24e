//! The generation loop of a classification run (MNIST, Fashion-MNIST): the same run directory,
//! metrics, checkpoints and resume as an environment run ([`crate::train`]), with a minibatch in
//! place of episodes.
//!
//! Per generation g: the strategy asks for the population; a fresh minibatch of
//! `data.batch_size` training images is drawn without replacement from stream
//! (seed, Minibatch, g) among the first train_len − `data.validation` images (the rest are held
//! out and scored at each evaluation), the same batch for every member; the batch is projected through W_in
//! (one GEMM) and every member's loss is computed; fitness = −mean cross-entropy. The centre's
//! fitness in metrics.csv is its −loss on the same batch. Every `data.test_every` generations and
//! at the end the centre is evaluated on the whole test set: `accuracy.csv` gets a row (test
//! accuracy and loss, silent fraction, spikes per neuron and step) and `rates.safetensors` the
//! firing rates per class of `data.rate_neurons` hidden neurons chosen once per seed (Figure 6).

use super::{
    currents_from_pixels, evaluate, evaluate_with_counts, project, stacked_input_weights, Projection, SpikeCounts,
};
use crate::config::Config;
use crate::data::{self, Dataset, DatasetName, NUM_CLASSES};
use crate::io::{load_arrays, save_arrays, write_atomic, Array, IoError};
use crate::network::genome::PopulationParams;
use crate::network::{FixedWeights, GenomeLayout, NetworkShape};
use crate::rng::{stream_rng, Stream};
use crate::train::{
    finish_run, log_generation, mean_std_min_max, open_run_files, read_metrics, read_run_csv, restore_checkpoint,
    save_run_state, start_observers, summarise, writes_files, MetricsRow, Model, Observer, RunPaths, SavedState,
    Summary, TrainError,
};
use aligned_vec::AVec;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Settings of a classification task (`[data]` in a config file); used when `env.name` is a
/// dataset (`mnist`, `fashion-mnist`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Folder holding `mnist/` and `fashion-mnist/` ("" = search `$HETERO_DATA`, `./data`,
    /// `/usr/share/datasets`).
    pub dir: String,
    /// Training images per generation (one minibatch, shared by all members).
    pub batch_size: usize,
    /// Simulation steps per image.
    pub steps: usize,
    /// Evaluate the centre on the test set every this many generations (and at the end).
    pub test_every: u64,
    /// Test images used by that evaluation (0 = all).
    pub test_images: usize,
    /// Training images held out for validation (0 = none): the last `validation` images of the
    /// training file are never drawn into a minibatch, and every evaluation also scores the
    /// centre on them (`validation_accuracy` in accuracy.csv). Tune hyper-parameters on this,
    /// not on the test set.
    pub validation: usize,
    /// Hidden neurons whose per-class firing rates are recorded (Figure 6).
    pub rate_neurons: usize,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            dir: String::new(),
            batch_size: 1024,
            steps: 4,
            test_every: 10,
            test_images: 0,
            validation: 0,
            rate_neurons: 32,
        }
    }
}

impl DataConfig {
    /// `dir` as an optional path.
    pub fn dir_path(&self) -> Option<&Path> {
        (!self.dir.is_empty()).then(|| Path::new(self.dir.as_str()))
    }
}

/// One row of accuracy.csv: the centre on the test set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccuracyRow {
    /// Generations completed.
    pub generation: u64,
    /// Fraction of test images classified correctly.
    pub test_accuracy: f64,
    /// Mean cross-entropy on the test images.
    pub test_loss: f64,
    /// Fraction of hidden neurons that never fired on the test images.
    pub silent_fraction: f64,
    /// Hidden spikes per neuron per simulated step on the test images.
    pub spikes_per_neuron_step: f64,
    /// Fraction of the held-out training images classified correctly (NaN without `data.validation`).
    pub validation_accuracy: f64,
    /// Mean cross-entropy on the held-out training images (NaN without `data.validation`).
    pub validation_loss: f64,
}

impl AccuracyRow {
    /// The CSV header.
    pub const HEADER: &'static str =
        "generation,test_accuracy,test_loss,silent_fraction,spikes_per_neuron_step,validation_accuracy,validation_loss";

    fn csv(&self) -> String {
        let r = self;
        format!(
            "{},{},{},{},{},{},{}",
            r.generation,
            r.test_accuracy,
            r.test_loss,
            r.silent_fraction,
            r.spikes_per_neuron_step,
            r.validation_accuracy,
            r.validation_loss
        )
    }
}

/// Per-class firing rates of the recorded neurons at each test evaluation (Figure 6).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateHistory {
    /// The recorded hidden neurons (indices).
    pub neurons: Vec<usize>,
    /// Generation of each snapshot.
    pub generations: Vec<u64>,
    /// Snapshots, each classes × neurons, spikes per step.
    pub rates: Vec<Vec<f32>>,
}

/// The network of a classification config on `dataset`: pixels → hidden → 10 classes, the
/// LeCun draw of the run's seed, and the genome layout.
pub fn classifier_model(config: &Config, dataset: &Dataset) -> Model {
    let shape = NetworkShape {
        inputs: dataset.rows * dataset.cols,
        hidden: config.network.hidden,
        outputs: NUM_CLASSES as usize,
    };
    let fixed = FixedWeights::lecun(shape, config.run.seed);
    let layout = GenomeLayout::new(shape, config.network.output, &config.genome);
    Model { shape, fixed, layout }
}

/// Loads the dataset a config names (`env.name`), from `data.dir` or the search roots.
pub fn load_dataset(config: &Config) -> Result<Dataset, TrainError> {
    let name: DatasetName = config.env.name.parse().map_err(TrainError::Config)?;
    data::load(name, config.data.dir_path()).map_err(|e| TrainError::Config(e.to_string()))
}

/// True when `env.name` names a dataset, so the run is a classification run.
pub fn is_classification(config: &Config) -> bool {
    config.env.name.parse::<DatasetName>().is_ok()
}

/// File names a classification run adds to a run directory.
struct ExtraPaths {
    accuracy: PathBuf,
    rates: PathBuf,
}

/// Trains `config` on `dataset` into `out_dir` on the current rayon pool; resumes if `resume`.
pub fn train_classifier(
    config: &Config,
    dataset: &Dataset,
    out_dir: &Path,
    resume: bool,
    observers: &mut [&mut dyn Observer],
) -> Result<Summary, TrainError> {
    let dc = &config.data;
    let pixels = dataset.rows * dataset.cols;
    let model = classifier_model(config, dataset);
    let shape = model.shape;
    let centre0 = model.layout.initial_centre(&config.network, &model.fixed);
    let mut strategy = config.strategy.build(&centre0, config.run.seed);
    let (p, d) = (strategy.population_size(), strategy.dim());
    if dc.validation >= dataset.train_len() {
        return Err(TrainError::Config(format!(
            "data.validation = {}: the training set has only {} images",
            dc.validation,
            dataset.train_len()
        )));
    }
    let train_len = dataset.train_len() - dc.validation; // minibatches come from the images before the split
    let batch = dc.batch_size.min(train_len);
    let paths = RunPaths::new(out_dir);
    let extra = ExtraPaths { accuracy: out_dir.join("accuracy.csv"), rates: out_dir.join("rates.safetensors") };
    let writer = writes_files();
    if writer {
        std::fs::create_dir_all(out_dir)
            .map_err(|e| IoError::Os { path: out_dir.display().to_string(), message: e.to_string() })?;
    }

    let mut rows: Vec<MetricsRow> = Vec::new();
    let mut accuracy: Vec<AccuracyRow> = Vec::new();
    let mut history =
        RateHistory { neurons: rate_neurons(config.run.seed, shape.hidden, dc.rate_neurons), ..Default::default() };
    let mut start = 0u64;
    let mut wall_before = 0.0;
    if resume {
        let saved = restore_checkpoint(&paths.checkpoint, strategy.as_mut())?;
        let bad = |m: String| TrainError::Resume { path: paths.checkpoint.display().to_string(), message: m };
        (start, wall_before) = (saved.generation, saved.wall_s);
        rows = read_metrics(&paths.metrics, start)?;
        accuracy = read_accuracy(&extra.accuracy, start)?;
        history = read_rates(&extra.rates, start, history)?;
        if start >= config.run.generations {
            return Err(bad(format!(
                "already at generation {start} of {}; raise --generations to continue",
                config.run.generations
            )));
        }
    }
    let mut metrics_file = open_run_files(&paths, config, &rows, writer)?;
    start_observers(observers, out_dir, &model.layout, start, config.run.generations, rayon::current_num_threads());

    let mut test = EvalSet::test(dataset, dc.test_images);
    let mut validation = EvalSet::validation(dataset, dc.validation);
    let mut population = vec![0.0f32; p * d];
    let mut x = Vec::new();
    let mut proj = AVec::new(0);
    let mut indices = vec![0usize; batch];
    let t0 = Instant::now();
    for g in start..config.run.generations {
        let tg = Instant::now();
        strategy.ask(g, &mut population);
        draw_minibatch(config.run.seed, g, train_len, &mut indices);
        currents_from_pixels(&dataset.train_images, pixels, &indices, &mut x);
        let labels: Vec<u8> = indices.iter().map(|&i| dataset.train_labels[i]).collect();
        let params = PopulationParams::build(&model.layout, &config.network, &model.fixed, &population, p);
        let projection = project_batch(&params, &x, batch, &mut proj);
        let scores = evaluate(&params, projection, &labels, dc.steps);
        let fitness: Vec<f64> = scores.iter().map(|s| -s.loss()).collect();
        strategy.tell(&fitness);
        let centre = strategy.centre();
        let centre_params = PopulationParams::build(&model.layout, &config.network, &model.fixed, &centre, 1);
        let centre_projection = project_batch(&centre_params, &x, batch, &mut proj);
        let centre_score = evaluate(&centre_params, centre_projection, &labels, dc.steps)[0];
        let (mean, std, min, max) = mean_std_min_max(&fitness);
        let spikes: u64 = scores.iter().map(|s| s.hidden_spikes).sum();
        let member_steps = (p * batch * dc.steps) as u64;
        let row = MetricsRow {
            generation: g + 1,
            fitness_mean: mean,
            fitness_std: std,
            fitness_min: min,
            fitness_max: max,
            centre_fitness: -centre_score.loss(),
            sigma_mean: strategy.sigma_mean(),
            spikes_per_neuron_step: spikes as f64 / (member_steps as f64 * shape.hidden as f64),
            member_steps,
            episodes_per_s: (p * batch) as f64 / tg.elapsed().as_secs_f64(),
            wall_s: wall_before + t0.elapsed().as_secs_f64(),
        };
        log_generation(&mut metrics_file, &paths, observers, &row)?;
        let last = g + 1 == config.run.generations;
        if (g + 1) % dc.test_every == 0 || last {
            let (acc_row, rates) =
                evaluate_centre(&mut test, validation.as_mut(), &centre_params, dc.steps, &history.neurons, g + 1);
            accuracy.push(acc_row);
            history.generations.push(g + 1);
            history.rates.push(rates);
            if writer {
                write_accuracy(&extra.accuracy, &accuracy)?;
                write_rates(&extra.rates, &history)?;
            }
        }
        rows.push(row);
        if writer && ((g + 1) % config.run.checkpoint_every == 0 || last) {
            let saved = SavedState {
                strategy: strategy.as_ref(),
                generation: g + 1,
                wall_s: wall_before + t0.elapsed().as_secs_f64(),
                centre: &centre,
                norm: None,
            };
            save_run_state(&paths, &metrics_file, config, &model, &saved)?;
        }
    }
    let summary = Summary {
        stopped_early: false,
        test_accuracy: accuracy.last().map(|a| a.test_accuracy),
        centre: strategy.centre(),
        ..summarise(config, &model, &rows, None)
    };
    finish_run(&paths, config, &rows, &summary, "−cross-entropy", observers)?;
    Ok(summary)
}

/// Projects the batch `x` (batch × inputs) through the input weights of `params` into `buffer`:
/// one GEMM with the shared W_in (neuron mode) or with all members' W_in side by side.
pub fn project_batch<'a>(
    params: &PopulationParams,
    x: &[f32],
    batch: usize,
    buffer: &'a mut AVec<f32>,
) -> Projection<'a> {
    let s = params.shape;
    if params.shares_input_weights() {
        buffer.resize(batch * s.hidden, 0.0);
        project(x, batch, s.inputs, params.member(0).w_in, s.hidden, buffer);
        Projection { data: buffer, row_stride: s.hidden, member_stride: 0 }
    } else {
        let width = params.members() * s.hidden;
        buffer.resize(batch * width, 0.0);
        project(x, batch, s.inputs, &stacked_input_weights(params), width, buffer);
        Projection { data: buffer, row_stride: width, member_stride: s.hidden }
    }
}

/// Fills `indices` with a minibatch drawn without replacement from `0..train_len`, from stream
/// (seed, Minibatch, generation).
pub fn draw_minibatch(seed: u64, generation: u64, train_len: usize, indices: &mut [usize]) {
    let mut rng = stream_rng(seed, Stream::Minibatch, [generation, 0, 0]);
    let picked = rand::seq::index::sample(&mut rng, train_len, indices.len());
    for (dst, i) in indices.iter_mut().zip(picked.iter()) {
        *dst = i;
    }
}

/// The hidden neurons recorded for Figure 6: `count` distinct indices drawn once per seed,
/// sorted.
pub fn rate_neurons(seed: u64, hidden: usize, count: usize) -> Vec<usize> {
    let mut rng = stream_rng(seed, Stream::Analysis, [0, 0, 0]);
    let mut v = rand::seq::index::sample(&mut rng, hidden, count.min(hidden)).into_vec();
    v.sort_unstable();
    v
}

/// A fixed set of images the centre is scored on (the test set, or the validation images held
/// out of the training set), as currents, and their projection through the fixed W_in once
/// computed (neuron mode: W_in never changes, so the n × H product is made once per run).
struct EvalSet<'a> {
    labels: &'a [u8],
    x: Vec<f32>,
    inputs: usize,
    shared_projection: Option<Vec<f32>>,
}

impl<'a> EvalSet<'a> {
    /// The first `limit` test images (0 = all).
    fn test(dataset: &'a Dataset, limit: usize) -> Self {
        let n = if limit == 0 { dataset.test_len() } else { limit.min(dataset.test_len()) };
        Self::new(&dataset.test_images, &dataset.test_labels[..n], dataset.rows * dataset.cols)
    }

    /// The last `count` training images (the validation split), or `None` for 0.
    fn validation(dataset: &'a Dataset, count: usize) -> Option<Self> {
        let first = dataset.train_len() - count;
        let inputs = dataset.rows * dataset.cols;
        (count > 0).then(|| Self::new(&dataset.train_images[first * inputs..], &dataset.train_labels[first..], inputs))
    }

    fn new(images: &[u8], labels: &'a [u8], inputs: usize) -> Self {
        let idx: Vec<usize> = (0..labels.len()).collect();
        let mut x = Vec::new();
        currents_from_pixels(images, inputs, &idx, &mut x);
        Self { labels, x, inputs, shared_projection: None }
    }

    /// The centre (member 0 of `params`) on the set: its score and hidden spike counts.
    fn evaluate(&mut self, params: &PopulationParams, steps: usize) -> (super::MemberScore, SpikeCounts) {
        let h = params.shape.hidden;
        let n = self.labels.len();
        let mut own = Vec::new();
        let data: &[f32] = if params.shares_input_weights() {
            let x = &self.x;
            let inputs = self.inputs;
            self.shared_projection.get_or_insert_with(|| {
                let mut p = vec![0.0; n * h];
                project(x, n, inputs, params.member(0).w_in, h, &mut p);
                p
            })
        } else {
            own.resize(n * h, 0.0);
            project(&self.x, n, self.inputs, params.member(0).w_in, h, &mut own);
            &own
        };
        let proj = Projection { data, row_stride: h, member_stride: 0 };
        evaluate_with_counts(params, 0, proj, self.labels, steps, NUM_CLASSES as usize)
    }
}

/// The centre on the test set (and the validation images, if any): its accuracy row and the
/// per-class test-set rates of `neurons` (classes × neurons).
fn evaluate_centre(
    test: &mut EvalSet<'_>,
    validation: Option<&mut EvalSet<'_>>,
    params: &PopulationParams,
    steps: usize,
    neurons: &[usize],
    generation: u64,
) -> (AccuracyRow, Vec<f32>) {
    let (score, counts) = test.evaluate(params, steps);
    let steps_total = score.images as usize * steps * params.shape.hidden;
    let (validation_accuracy, validation_loss) = match validation {
        Some(v) => {
            let (s, _) = v.evaluate(params, steps);
            (s.accuracy(), s.loss())
        }
        None => (f64::NAN, f64::NAN),
    };
    let row = AccuracyRow {
        generation,
        test_accuracy: score.accuracy(),
        test_loss: score.loss(),
        silent_fraction: counts.silent_fraction(),
        spikes_per_neuron_step: score.hidden_spikes as f64 / (steps_total.max(1) as f64),
        validation_accuracy,
        validation_loss,
    };
    (row, class_rates(&counts, neurons, steps))
}

/// Rates of `neurons` per class, classes × neurons row-major.
fn class_rates(counts: &SpikeCounts, neurons: &[usize], steps: usize) -> Vec<f32> {
    let classes = counts.images.len();
    let mut out = Vec::with_capacity(classes * neurons.len());
    for c in 0..classes {
        for &j in neurons {
            out.push(counts.rate(c, j, steps) as f32);
        }
    }
    out
}

fn write_accuracy(path: &Path, rows: &[AccuracyRow]) -> Result<(), IoError> {
    let mut text = String::from(AccuracyRow::HEADER);
    text.push('\n');
    for r in rows {
        text.push_str(&r.csv());
        text.push('\n');
    }
    write_atomic(path, text.as_bytes())
}

/// Reads accuracy.csv rows up to generation `through` (a missing file is empty).
pub fn read_accuracy(path: &Path, through: u64) -> Result<Vec<AccuracyRow>, TrainError> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(Vec::new()) };
    // 5 columns: runs written before the validation split existed.
    let rows = read_run_csv(path, &text, &[7, 5], through)?;
    Ok(rows
        .iter()
        .map(|f| AccuracyRow {
            generation: f[0] as u64,
            test_accuracy: f[1],
            test_loss: f[2],
            silent_fraction: f[3],
            spikes_per_neuron_step: f[4],
            validation_accuracy: f[5],
            validation_loss: f[6],
        })
        .collect())
}

/// Writes rates.safetensors: `generation` [E], `rates` [E, classes, neurons] (spikes per step),
/// `neurons` [neurons] (hidden indices, as f32).
fn write_rates(path: &Path, h: &RateHistory) -> Result<(), IoError> {
    let e = h.generations.len();
    let k = h.neurons.len();
    let classes = NUM_CLASSES as usize;
    let arrays = vec![
        ("generation".to_string(), Array::F32(vec![e], h.generations.iter().map(|&g| g as f32).collect())),
        ("rates".to_string(), Array::F32(vec![e, classes, k], h.rates.concat())),
        ("neurons".to_string(), Array::F32(vec![k], h.neurons.iter().map(|&j| j as f32).collect())),
    ];
    let meta = HashMap::from([("format".to_string(), "hetero-rates-1".to_string())]);
    save_arrays(path, &arrays, &meta)
}

/// Reads rates.safetensors snapshots up to generation `through` into `history` (a missing file
/// is empty).
pub fn read_rates(path: &Path, through: u64, mut history: RateHistory) -> Result<RateHistory, TrainError> {
    if !path.exists() {
        return Ok(history);
    }
    let (arrays, _) = load_arrays(path)?;
    let bad = |m: &str| TrainError::Resume { path: path.display().to_string(), message: m.to_string() };
    let generations = arrays.get("generation").ok_or_else(|| bad("no `generation` array"))?.to_f64();
    let rates = arrays.get("rates").ok_or_else(|| bad("no `rates` array"))?.to_f64();
    let per = NUM_CLASSES as usize * history.neurons.len();
    if rates.len() != generations.len() * per {
        return Err(bad("`rates` does not match `generation` and the recorded neurons"));
    }
    for (i, &g) in generations.iter().enumerate() {
        if g as u64 <= through {
            history.generations.push(g as u64);
            history.rates.push(rates[i * per..(i + 1) * per].iter().map(|&r| r as f32).collect());
        }
    }
    Ok(history)
}

/// The test-set score of one genome of a classification config (`hetero eval` on an MNIST run).
pub fn evaluate_genome_on_test(
    config: &Config,
    dataset: &Dataset,
    genome: &[f32],
) -> Result<super::MemberScore, TrainError> {
    let Model { fixed, layout, .. } = classifier_model(config, dataset);
    if genome.len() != layout.dim {
        return Err(TrainError::Config(format!(
            "genome has {} values, the config's layout {}",
            genome.len(),
            layout.dim
        )));
    }
    let params = PopulationParams::build(&layout, &config.network, &fixed, genome, 1);
    let mut test = EvalSet::test(dataset, config.data.test_images);
    Ok(test.evaluate(&params, config.data.steps).0)
}
