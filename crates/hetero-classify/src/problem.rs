use super::{
    currents_from_pixels, evaluate as evaluate_members, evaluate_with_counts, project, stacked_input_weights,
    Projection, SpikeCounts,
};
use aligned_vec::AVec;
use hetero_core::config::Config;
use hetero_core::data::{self, Dataset, DatasetName, NUM_CLASSES};
use hetero_core::engine::{read_run_csv, write_csv, PopulationScores, Problem, ProblemInfo, Summary, TrainError};
use hetero_core::io::{load_arrays, save_arrays, Array, IoError};
use hetero_core::network::{Model, PopulationParams};
use hetero_core::rng::{stream_rng, Stream};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

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
    Model::build(dataset.rows * dataset.cols, NUM_CLASSES as usize, &config.network, &config.genome, config.run.seed)
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

/// A configured network on a dataset, scored by cross-entropy on minibatches.
pub struct ImageProblem<'a> {
    config: &'a Config,
    dataset: &'a Dataset,
    model: Model,
    /// Minibatches come from the images before the validation split.
    train_len: usize,
    /// The generation whose minibatch `x` and `labels` hold.
    batch_of: Option<u64>,
    indices: Vec<usize>,
    x: Vec<f32>,
    labels: Vec<u8>,
    projection: AVec<f32>,
    test: EvalSet<'a>,
    validation: Option<EvalSet<'a>>,
    accuracy: Vec<AccuracyRow>,
    history: RateHistory,
}

impl<'a> ImageProblem<'a> {
    /// The network of `config` on `dataset`; refuses sizes the dataset does not have
    /// ([`DataConfig::check_against`](hetero_core::config::DataConfig::check_against)), a run
    /// that cannot fit in memory, and a `HETERO_KERNEL` this CPU does not run.
    pub fn new(config: &'a Config, dataset: &'a Dataset) -> Result<Self, TrainError> {
        crate::Kernel::from_env().map_err(|e| TrainError::Config(e.to_string()))?;
        let dc = &config.data;
        dc.check_against(dataset.train_len(), dataset.test_len())?;
        let test_images = if dc.test_images == 0 { dataset.test_len() } else { dc.test_images };
        let inputs = dataset.rows * dataset.cols;
        hetero_core::resources::check_run(config, inputs, NUM_CLASSES as usize, test_images + dc.validation)?;
        let model = classifier_model(config, dataset);
        let train_len = dataset.train_len() - dc.validation;
        let batch = dc.batch_size;
        let neurons = rate_neurons(config.run.seed, model.shape.hidden, dc.rate_neurons);
        Ok(Self {
            config,
            dataset,
            model,
            train_len,
            batch_of: None,
            indices: vec![0; batch],
            x: Vec::new(),
            labels: Vec::new(),
            projection: AVec::new(0),
            test: EvalSet::test(dataset, dc.test_images),
            validation: EvalSet::validation(dataset, dc.validation),
            accuracy: Vec::new(),
            history: RateHistory { neurons, ..Default::default() },
        })
    }

    /// The network.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The test-set rows so far.
    pub fn accuracy(&self) -> &[AccuracyRow] {
        &self.accuracy
    }

    /// Draws generation `g`'s minibatch unless it is already drawn.
    fn minibatch(&mut self, generation: u64) {
        if self.batch_of == Some(generation) {
            return;
        }
        draw_minibatch(self.config.run.seed, generation, self.train_len, &mut self.indices);
        let pixels = self.dataset.rows * self.dataset.cols;
        currents_from_pixels(&self.dataset.train_images, pixels, &self.indices, &mut self.x);
        self.labels = self.indices.iter().map(|&i| self.dataset.train_labels[i]).collect();
        self.batch_of = Some(generation);
    }

    fn params(&self, genomes: &[f32], members: usize) -> PopulationParams {
        PopulationParams::build(&self.model.layout, &self.config.network, &self.model.fixed, genomes, members)
    }
}

impl Problem for ImageProblem<'_> {
    fn info(&self) -> ProblemInfo {
        ProblemInfo {
            name: self.config.env.name.clone(),
            dim: self.model.layout.dim,
            paper_parameter_count: self.model.layout.paper_parameter_count(),
            hidden_neurons: self.model.shape.hidden,
            items_per_member: self.indices.len(),
            solved_threshold: None,
            fitness_label: "−cross-entropy",
        }
    }

    fn initial_centre(&self) -> Vec<f32> {
        self.model.layout.initial_centre(&self.config.network, &self.model.fixed)
    }

    fn evaluate(&mut self, generation: u64, population: &[f32], members: usize) -> PopulationScores {
        self.minibatch(generation);
        let params = self.params(population, members);
        let batch = self.indices.len();
        let projection = project_batch(&params, &self.x, batch, &mut self.projection);
        let scores = evaluate_members(&params, projection, &self.labels, self.config.data.steps);
        PopulationScores {
            fitness: scores.iter().map(|s| -s.loss()).collect(),
            steps: (members * batch * self.config.data.steps) as u64,
            hidden_spikes: scores.iter().map(|s| s.hidden_spikes).sum(),
        }
    }

    fn evaluate_centre(&mut self, generation: u64, centre: &[f32]) -> f64 {
        self.minibatch(generation);
        let params = self.params(centre, 1);
        let projection = project_batch(&params, &self.x, self.indices.len(), &mut self.projection);
        -evaluate_members(&params, projection, &self.labels, self.config.data.steps)[0].loss()
    }

    fn end_generation(
        &mut self,
        completed: u64,
        centre: &[f32],
        last: bool,
        dir: &Path,
        writer: bool,
    ) -> Result<(), TrainError> {
        let dc = &self.config.data;
        if !completed.is_multiple_of(dc.test_every) && !last {
            return Ok(());
        }
        let params = self.params(centre, 1);
        let (row, rates) = evaluate_centre(
            &mut self.test,
            self.validation.as_mut(),
            &params,
            dc.steps,
            &self.history.neurons,
            completed,
        );
        self.accuracy.push(row);
        self.history.generations.push(completed);
        self.history.rates.push(rates);
        if writer {
            write_accuracy(&dir.join(ACCURACY_FILE), &self.accuracy)?;
            write_rates(&dir.join(RATES_FILE), &self.history)?;
        }
        Ok(())
    }

    fn params_arrays(&self, centre: &[f32]) -> (Vec<(String, Array)>, HashMap<String, String>) {
        self.model.params_arrays(&self.config.network, centre, Vec::new(), self.config.to_toml())
    }

    fn restore(
        &mut self,
        _path: &Path,
        _checkpoint: &HashMap<String, Array>,
        generation: u64,
        dir: &Path,
    ) -> Result<(), TrainError> {
        self.accuracy = read_accuracy(&dir.join(ACCURACY_FILE), generation)?;
        let empty = RateHistory { neurons: std::mem::take(&mut self.history.neurons), ..Default::default() };
        self.history = read_rates(&dir.join(RATES_FILE), generation, empty)?;
        Ok(())
    }

    fn finish(&self, summary: &mut Summary) {
        summary.test_accuracy = self.accuracy.last().map(|a| a.test_accuracy);
    }
}

/// The test-set rows a classification run adds to its directory.
pub const ACCURACY_FILE: &str = "accuracy.csv";
/// The per-class firing rates a classification run adds to its directory (Figure 6).
pub const RATES_FILE: &str = "rates.safetensors";

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
    write_csv(path, AccuracyRow::HEADER, rows.iter().map(AccuracyRow::csv))
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
