//! Run configuration: TOML files or embedded presets, overridden by `--set dotted.key=value`.
//!
//! Every key has a default, so a config file names only what differs. `--set` is checked against
//! the complete tree of keys (the defaults filled in), so a misspelt key or a value of the wrong
//! type is refused with the key and value named.

use crate::env::{EnvConfig, ENV_NAMES};
use crate::invalid::{check_count, InvalidValue};
use crate::network::{GenomeConfig, GenomeMode, NetworkConfig};
use crate::strategy::StrategyConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Settings of the training run itself (`[run]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// One line shown by `hetero presets`.
    pub description: String,
    /// Seed of every random stream (weights, noise, initial states); 0..=2⁶³−1 (TOML integers).
    pub seed: u64,
    /// Generations to run, 1..=10⁹.
    pub generations: u64,
    /// Worker threads, 0..=1024 ([`MAX_THREADS`]); 0 = all cores.
    pub threads: usize,
    /// Write a checkpoint every this many generations (and at the end).
    pub checkpoint_every: u64,
    /// When stdout is not a terminal, print a log line every this many generations.
    pub log_every: u64,
    /// Stop early once the centre's fitness is at least this (`inf`: never; NaN is refused).
    pub stop_fitness: f64,
    /// … for this many consecutive generations.
    pub stop_patience: u64,
    /// Draw fitness.svg / fitness.png at the end.
    pub plots: bool,
    /// Keep the centre with the best centre fitness (the first of equals) as the run's result:
    /// params.safetensors and the summary's centre are that centre, not the last one (EvoJAX's
    /// trainer likewise keeps the best model by its test score). Left out of a written config.toml
    /// when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub keep_best: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            description: String::new(),
            seed: 0,
            generations: 100,
            threads: 0,
            checkpoint_every: 10,
            log_every: 10,
            stop_fitness: f64::INFINITY,
            stop_patience: 10,
            plots: true,
            keep_best: false,
        }
    }
}

/// Settings of a classification task (`[data]` in a config file); used when `env.name` is a
/// dataset (`mnist`, `fashion-mnist`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Folder holding `mnist/` and `fashion-mnist/` ("" = search `$HETERO_DATA`, `./data`,
    /// `/usr/share/datasets`).
    pub dir: String,
    /// Training images per generation (one minibatch, shared by all members): 1 up to the
    /// training images less `validation` (a larger batch is refused, not clamped).
    pub batch_size: usize,
    /// Simulation steps per image, 1..=10⁴.
    pub steps: usize,
    /// Evaluate the centre on the test set every this many generations (and at the end).
    pub test_every: u64,
    /// Test images used by that evaluation: 0 = all, else at most the test set's size.
    pub test_images: usize,
    /// Training images held out for validation (0 = none): the last `validation` images of the
    /// training file are never drawn into a minibatch, and every evaluation also scores the
    /// centre on them (`validation_accuracy` in accuracy.csv). Tune hyper-parameters on this,
    /// not on the test set.
    pub validation: usize,
    /// Hidden neurons whose per-class firing rates are recorded (Figure 6): at most
    /// `network.hidden`, except that the default 32 records min(32, hidden).
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
            rate_neurons: DEFAULT_RATE_NEURONS,
        }
    }
}

impl DataConfig {
    /// `dir` as an optional path.
    pub fn dir_path(&self) -> Option<&Path> {
        (!self.dir.is_empty()).then(|| Path::new(self.dir.as_str()))
    }
}

/// A whole run's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[run]`.
    pub run: RunConfig,
    /// `[env]`.
    pub env: EnvConfig,
    /// `[network]`.
    pub network: NetworkConfig,
    /// `[genome]`.
    pub genome: GenomeConfig,
    /// `[strategy]`.
    pub strategy: StrategyConfig,
    /// `[data]`: the classification task, used when `env.name` is a dataset.
    pub data: DataConfig,
    /// What the run was started from (a preset name or a config file's stem), when the caller
    /// knows it: not part of config.toml, recorded in the checkpoint so that a resume naming
    /// another preset is refused. Empty: unknown (no check).
    #[serde(skip)]
    pub source: String,
}

/// Keys a resumed run may change (`--generations`, `--threads`, and how it reports); every other
/// key must equal the checkpoint's configuration.
pub const RESUMABLE_KEYS: &[&str] = &["run.generations", "run.threads", "run.log_every", "run.plots"];

/// The keys whose values differ between two config.toml texts, as `key: before → after`
/// (`(none)` for a key only one of them has), leaving out [`RESUMABLE_KEYS`]. Texts that do
/// not parse differ at `(the whole file)`.
pub fn changed_keys(before: &str, after: &str) -> Vec<String> {
    fn flatten(prefix: &str, value: &toml::Value, out: &mut std::collections::BTreeMap<String, String>) {
        match value {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    flatten(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let parse = |text: &str| text.parse::<toml::Table>().map(toml::Value::Table);
    let (Ok(a), Ok(b)) = (parse(before), parse(after)) else {
        return vec!["(the whole file)".into()];
    };
    let (mut fa, mut fb) = (Default::default(), Default::default());
    flatten("", &a, &mut fa);
    flatten("", &b, &mut fb);
    let keys: std::collections::BTreeSet<&String> = fa.keys().chain(fb.keys()).collect();
    let none = "(none)".to_string();
    keys.into_iter()
        .filter(|k| !RESUMABLE_KEYS.contains(&k.as_str()))
        .filter_map(|k| {
            let (x, y) = (fa.get(k).unwrap_or(&none), fb.get(k).unwrap_or(&none));
            (x != y).then(|| format!("{k}: {x} → {y}"))
        })
        .collect()
}

/// The built-in presets: (name, TOML text).
pub const PRESETS: &[(&str, &str)] = &[
    ("cartpole", include_str!("../../../presets/cartpole.toml")),
    ("cartpole-weight", include_str!("../../../presets/cartpole-weight.toml")),
    ("memory-neuron", include_str!("../../../presets/memory-neuron.toml")),
    ("memory-weight", include_str!("../../../presets/memory-weight.toml")),
    ("mnist-neuron-4096", include_str!("../../../presets/mnist-neuron-4096.toml")),
    ("mnist-neuron-8192", include_str!("../../../presets/mnist-neuron-8192.toml")),
    ("mnist-neuron-16384", include_str!("../../../presets/mnist-neuron-16384.toml")),
    ("mnist-neuron-32768", include_str!("../../../presets/mnist-neuron-32768.toml")),
    ("mnist-weight-3970", include_str!("../../../presets/mnist-weight-3970.toml")),
    ("mnist-weight-7940", include_str!("../../../presets/mnist-weight-7940.toml")),
    ("mnist-weight-16674", include_str!("../../../presets/mnist-weight-16674.toml")),
    ("mnist-weight-33348", include_str!("../../../presets/mnist-weight-33348.toml")),
    ("halfcheetah", include_str!("../../../presets/halfcheetah.toml")),
];

/// Errors of loading and overriding a configuration; each renders as one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither a preset nor an existing file.
    #[error("unknown preset `{name}` (presets: {known}; or give a path to a .toml file)")]
    UnknownPreset {
        /// What was asked for.
        name: String,
        /// The preset names.
        known: String,
    },
    /// The file could not be read.
    #[error("{path}: cannot read: {message}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
    /// The TOML is malformed or does not fit the schema.
    #[error("{source_name}: {message}")]
    Parse {
        /// File or preset name.
        source_name: String,
        /// What is wrong, with the key where known.
        message: String,
    },
    /// `--set` with a key that does not exist.
    #[error("--set {assignment}: unknown config key `{key}`")]
    UnknownKey {
        /// The whole assignment.
        assignment: String,
        /// The key.
        key: String,
    },
    /// `--set` without `=`.
    #[error("--set {0}: expected dotted.key=value")]
    Malformed(String),
    /// `--set` with a value of the wrong type.
    #[error("--set {key}={value}: expected {expected}")]
    WrongType {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// The type expected.
        expected: String,
    },
    /// A value of the right type that is not allowed.
    #[error("{field} = {value}: {reason}")]
    Invalid {
        /// The key.
        field: String,
        /// The value.
        value: String,
        /// Why not.
        reason: String,
    },
}

impl From<InvalidValue> for ConfigError {
    fn from(e: InvalidValue) -> Self {
        ConfigError::Invalid { field: e.field, value: e.value, reason: e.reason }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The kind of value a configuration key takes ([`ConfigTree::keys`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number.
    Integer,
    /// A number (an integer is accepted too).
    Float,
    /// true or false.
    Boolean,
    /// Text (a name, a path).
    String,
    /// A list (`a,b` on the command line).
    List,
}

/// A configuration as a TOML tree, kept as a tree until every override is applied.
#[derive(Clone, Debug)]
pub struct ConfigTree {
    /// Where it came from (preset name or file path), for messages.
    pub source_name: String,
    tree: toml::Value,
}

impl ConfigTree {
    /// Loads a preset by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Self, ConfigError> {
        if let Some((_, text)) = PRESETS.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, &format!("preset `{name_or_path}`"));
        }
        let path = Path::new(name_or_path);
        if path.extension().is_some_and(|e| e == "toml") || path.exists() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError::Read { path: name_or_path.into(), message: e.to_string() })?;
            return Self::parse(&text, name_or_path);
        }
        Err(ConfigError::UnknownPreset {
            name: name_or_path.into(),
            known: PRESETS.iter().map(|p| p.0).collect::<Vec<_>>().join(", "),
        })
    }

    /// Parses TOML text and fills in every default.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, ConfigError> {
        let parse_err =
            |message: String| ConfigError::Parse { source_name: source_name.into(), message: one_line(&message) };
        let config: Config =
            toml::from_str(text).map_err(|e| parse_err(e.message().to_string() + &location(text, e.span())))?;
        let mut tree = toml::Value::try_from(&config).map_err(|e| parse_err(e.to_string()))?;
        insert_quiet_keys(&config, &mut tree);
        Ok(Self { source_name: source_name.into(), tree })
    }

    /// Applies `dotted.key=value`. The key must exist; the value must have the key's type
    /// (integers are accepted for floats; a bare word is a string; `a,b` is a list of strings).
    pub fn set(&mut self, assignment: &str) -> Result<(), ConfigError> {
        let (key, raw) = assignment.split_once('=').ok_or_else(|| ConfigError::Malformed(assignment.into()))?;
        let (key, raw) = (key.trim(), raw.trim());
        let unknown = || ConfigError::UnknownKey { assignment: assignment.into(), key: key.into() };
        let mut node = &mut self.tree;
        for part in key.split('.') {
            node = node.as_table_mut().and_then(|t| t.get_mut(part)).ok_or_else(unknown)?;
        }
        if node.is_table() {
            return Err(unknown());
        }
        let parsed: Option<toml::Value> =
            toml::from_str::<toml::Table>(&format!("v = {raw}")).ok().and_then(|mut t| t.remove("v"));
        let wrong =
            |expected: &str| ConfigError::WrongType { key: key.into(), value: raw.into(), expected: expected.into() };
        let new = match (&*node, parsed) {
            (toml::Value::Integer(_), Some(v @ toml::Value::Integer(_))) => v,
            (toml::Value::Integer(_), _) if raw.parse::<i128>().is_ok() => {
                return Err(wrong(
                    "an integer in -9223372036854775808..=9223372036854775807 (TOML integers are 64-bit)",
                ))
            }
            (toml::Value::Integer(_), _) => return Err(wrong("an integer")),
            (toml::Value::Float(_), Some(toml::Value::Integer(i))) => toml::Value::Float(i as f64),
            (toml::Value::Float(_), Some(v @ toml::Value::Float(_))) => v,
            (toml::Value::Float(_), _) => return Err(wrong("a number")),
            (toml::Value::Boolean(_), Some(v @ toml::Value::Boolean(_))) => v,
            (toml::Value::Boolean(_), _) => return Err(wrong("true or false")),
            (toml::Value::String(_), Some(v @ toml::Value::String(_))) => v,
            (toml::Value::String(_), _) => toml::Value::String(raw.into()),
            (toml::Value::Array(_), Some(v @ toml::Value::Array(_))) => v,
            (toml::Value::Array(_), _) => toml::Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| toml::Value::String(s.into()))
                    .collect(),
            ),
            _ => return Err(wrong("a value of the key's type")),
        };
        *node = new;
        Ok(())
    }

    /// Every key `--set` can change, dotted, with the kind of value it takes, in the tree's
    /// order (the whole resolved configuration: each preset's file and every default).
    pub fn keys(&self) -> Vec<(String, ValueKind)> {
        fn walk(prefix: &str, table: &toml::Table, out: &mut Vec<(String, ValueKind)>) {
            for (k, v) in table {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                let kind = match v {
                    toml::Value::Table(t) => {
                        walk(&key, t, out);
                        continue;
                    }
                    toml::Value::Integer(_) => ValueKind::Integer,
                    toml::Value::Float(_) => ValueKind::Float,
                    toml::Value::Boolean(_) => ValueKind::Boolean,
                    toml::Value::Array(_) => ValueKind::List,
                    toml::Value::String(_) | toml::Value::Datetime(_) => ValueKind::String,
                };
                out.push((key, kind));
            }
        }
        let mut out = Vec::new();
        if let Some(t) = self.tree.as_table() {
            walk("", t, &mut out);
        }
        out
    }

    /// Sets a key to an integer given on the command line (as `--population`), with the flag's
    /// name in messages.
    pub fn set_integer(&mut self, key: &str, value: i64) -> Result<(), ConfigError> {
        self.set(&format!("{key}={value}"))
    }

    /// The finished, validated configuration.
    pub fn finish(&self) -> Result<Config, ConfigError> {
        let config: Config = serde_path_to_error::deserialize(self.tree.clone()).map_err(
            |e: serde_path_to_error::Error<toml::de::Error>| {
                let key = e.path().to_string();
                let message = one_line(e.inner().message());
                ConfigError::Parse {
                    source_name: self.source_name.clone(),
                    message: if key == "." { message } else { format!("{key}: {message}") },
                }
            },
        )?;
        config.validate()?;
        Ok(config)
    }
}

/// Keys a written config.toml leaves out at their default (so the files of runs made before the
/// key existed stay byte-identical) but that `--set` must still find in the tree.
fn insert_quiet_keys(config: &Config, tree: &mut toml::Value) {
    let quiet = [
        ("run", "keep_best", toml::Value::Boolean(config.run.keep_best)),
        ("env", "observation", toml::Value::String(config.env.observation.name().into())),
    ];
    for (section, key, value) in quiet {
        if let Some(table) = tree.get_mut(section).and_then(toml::Value::as_table_mut) {
            table.entry(key).or_insert(value);
        }
    }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(s) => {
            let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

/// Most generations a run may ask for (10⁹): more could not finish on any machine.
pub const MAX_GENERATIONS: u64 = 1_000_000_000;
/// Most worker threads (1024): a pool needs a stack per thread, and beyond a few times the
/// cores more threads only add overhead (20 000 threads exhausted this 24 GiB machine).
pub const MAX_THREADS: usize = 1024;
/// Most episodes per member and generation, or of the centre's evaluation (10⁶).
pub const MAX_EPISODES: usize = 1_000_000;
/// Longest episode step limit (10⁹).
pub const MAX_STEPS: usize = 1_000_000_000;
/// Longest memory_chain memory length L (10⁶; bsuite's longest is 100).
pub const MAX_MEMORY_LENGTH: usize = 1_000_000;
/// Most simulation steps per image (10⁴; Paper A uses 4).
pub const MAX_IMAGE_STEPS: usize = 10_000;
/// The largest seed: config files hold TOML integers, which are 64-bit signed.
pub const MAX_SEED: u64 = i64::MAX as u64;
/// `data.rate_neurons`' default: 32, or every hidden neuron when the network has fewer.
pub const DEFAULT_RATE_NEURONS: usize = 32;

impl RunConfig {
    /// Checks `[run]`: seed 0..=2⁶³−1 (TOML integers are signed), generations 1..=10⁹, threads
    /// 0..=1024, checkpoint_every / log_every / stop_patience at least 1, stop_fitness a number
    /// (inf: never stop).
    pub fn validate(&self) -> Result<(), InvalidValue> {
        check_count("run.seed", self.seed, 0, MAX_SEED)?;
        check_count("run.generations", self.generations, 1, MAX_GENERATIONS)?;
        check_count("run.threads", self.threads as u64, 0, MAX_THREADS as u64)
            .map_err(|e| InvalidValue { reason: format!("{} (0 = all cores)", e.reason), ..e })?;
        for (field, value) in [
            ("run.checkpoint_every", self.checkpoint_every),
            ("run.log_every", self.log_every),
            ("run.stop_patience", self.stop_patience),
        ] {
            if value == 0 {
                return Err(InvalidValue::new(field, 0, "must be at least 1"));
            }
        }
        if self.stop_fitness.is_nan() {
            return Err(InvalidValue::new(
                "run.stop_fitness",
                self.stop_fitness,
                "must be a number (inf: never stop early)",
            ));
        }
        Ok(())
    }
}

impl DataConfig {
    /// Checks `[data]` where the dataset is not needed: batch_size at least 1, steps 1..=10⁴,
    /// test_every at least 1, and rate_neurons at most `hidden` (the default 32 records
    /// min(32, hidden)). batch_size, test_images and validation against the dataset's sizes are
    /// checked when it is loaded ([`DataConfig::check_against`]).
    pub fn validate(&self, hidden: usize) -> Result<(), InvalidValue> {
        if self.batch_size == 0 {
            return Err(InvalidValue::new("data.batch_size", 0, "must be at least 1"));
        }
        check_count("data.steps", self.steps as u64, 1, MAX_IMAGE_STEPS as u64)?;
        if self.test_every == 0 {
            return Err(InvalidValue::new("data.test_every", 0, "must be at least 1"));
        }
        if self.rate_neurons > hidden && self.rate_neurons != DEFAULT_RATE_NEURONS {
            return Err(InvalidValue::new(
                "data.rate_neurons",
                self.rate_neurons,
                format!("must be at most network.hidden = {hidden} (the neurons recorded are hidden ones)"),
            ));
        }
        Ok(())
    }

    /// Checks the sizes against a dataset of `train` training and `test` test images:
    /// validation below `train`, batch_size at most the `train − validation` images drawn
    /// from, test_images at most `test` (0 = all).
    pub fn check_against(&self, train: usize, test: usize) -> Result<(), InvalidValue> {
        if self.validation >= train {
            return Err(InvalidValue::new(
                "data.validation",
                self.validation,
                format!("the training set has only {train} images (allowed: 0..{train})"),
            ));
        }
        let drawn = train - self.validation;
        if self.batch_size > drawn {
            return Err(InvalidValue::new(
                "data.batch_size",
                self.batch_size,
                format!(
                    "must be at most the {drawn} training images minibatches are drawn from ({train} less data.validation = {})",
                    self.validation
                ),
            ));
        }
        if self.test_images > test {
            return Err(InvalidValue::new(
                "data.test_images",
                self.test_images,
                format!("the test set has only {test} images (allowed: 0 = all, or 1..={test})"),
            ));
        }
        Ok(())
    }
}

impl Config {
    /// Checks values whose type is right but whose value is not allowed, section by section
    /// (README "Allowed values"); each error names the key, the value and the allowed range.
    // `!(x > y)` on purpose: it also refuses NaN.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field: &str, value: String, reason: &str| {
            Err(ConfigError::Invalid { field: field.into(), value, reason: reason.into() })
        };
        let dataset = self.env.name.parse::<crate::data::DatasetName>().is_ok();
        if !ENV_NAMES.contains(&self.env.name.as_str()) && !dataset {
            return invalid(
                "env.name",
                self.env.name.clone(),
                &format!("unknown environment (known: {}; datasets: mnist, fashion-mnist)", ENV_NAMES.join(", ")),
            );
        }
        self.run.validate()?;
        if dataset {
            self.data.validate(self.network.hidden)?;
        }
        check_count("env.max_steps", self.env.max_steps as u64, 1, MAX_STEPS as u64)?;
        if self.env.name == "memory_chain" {
            check_count("env.memory_length", self.env.memory_length as u64, 1, MAX_MEMORY_LENGTH as u64)?;
            if !(1..=crate::env::memory_chain::MAX_BITS).contains(&self.env.num_bits) {
                return invalid("env.num_bits", self.env.num_bits.to_string(), "must be 1..=64");
            }
            if self.env.observation == crate::env::memory_chain::Observation::Paper && self.env.num_bits != 1 {
                return invalid(
                    "env.num_bits",
                    self.env.num_bits.to_string(),
                    "must be 1 with env.observation = \"paper\" (Paper A's observation has one context bit)",
                );
            }
        }
        check_count("env.episodes", self.env.episodes as u64, 1, MAX_EPISODES as u64)?;
        check_count("env.eval_episodes", self.env.eval_episodes as u64, 1, MAX_EPISODES as u64)?;
        let tau_searched =
            self.genome.mode != GenomeMode::Weight && self.genome.properties.contains(&crate::network::Property::Tau);
        self.network.validate(tau_searched)?;
        self.genome.validate()?;
        self.strategy.validate()?;
        Ok(())
    }

    /// The configuration as TOML text (every key).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse_and_validate() {
        for (name, _) in PRESETS {
            let c = ConfigTree::load(name).unwrap().finish().unwrap();
            assert!(!c.run.description.is_empty(), "{name} has no description");
        }
    }

    /// Keys left out of config.toml at their default can still be set, and are written once set.
    #[test]
    fn quiet_keys_can_be_set_and_are_written_when_not_default() {
        let mut t = ConfigTree::load("memory-neuron").unwrap();
        let plain = t.finish().unwrap().to_toml();
        assert!(!plain.contains("keep_best") && !plain.contains("observation"), "{plain}");
        t.set("run.keep_best=true").unwrap();
        t.set("env.observation=paper").unwrap();
        let c = t.finish().unwrap();
        assert!(c.run.keep_best && c.env.observation == crate::env::memory_chain::Observation::Paper);
        let written = c.to_toml();
        assert!(written.contains("keep_best = true") && written.contains("observation = \"paper\""), "{written}");
        assert_eq!(ConfigTree::parse(&written, "x").unwrap().finish().unwrap(), c);
        t.set("env.observation=papers").unwrap();
        let e = t.finish().unwrap_err().to_string();
        assert!(e.contains("papers") && !e.contains('\n'), "{e}");
        t.set("env.observation=paper").unwrap();
        t.set("env.num_bits=2").unwrap();
        let e = t.finish().unwrap_err().to_string();
        assert!(e.starts_with("env.num_bits = 2") && e.contains("paper"), "{e}");
    }

    #[test]
    fn set_overrides_and_checks() {
        let mut t = ConfigTree::load("cartpole").unwrap();
        t.set("network.hidden=32").unwrap();
        t.set("strategy.pgpe.center_lr=1").unwrap(); // integer accepted for a float
        t.set("genome.mode=weight").unwrap(); // bare word
        t.set("genome.properties=tau,r").unwrap(); // list shorthand
        let c = t.finish().unwrap();
        assert_eq!(c.network.hidden, 32);
        assert_eq!(c.strategy.pgpe.center_lr, 1.0);
        assert_eq!(c.genome.mode, GenomeMode::Weight);
        assert_eq!(c.genome.properties.len(), 2);
        let e = t.set("no_such.key=1").unwrap_err().to_string();
        assert_eq!(e, "--set no_such.key=1: unknown config key `no_such.key`");
        let e = t.set("network.hidden=abc").unwrap_err().to_string();
        assert_eq!(e, "--set network.hidden=abc: expected an integer");
        assert!(t.set("network=3").is_err());
        assert!(t.set("network.hidden").is_err());
    }

    #[test]
    fn invalid_values_are_named() {
        let mut t = ConfigTree::load("cartpole").unwrap();
        t.set("strategy.population=7").unwrap();
        let e = t.finish().unwrap_err().to_string();
        assert!(e.starts_with("strategy.population = 7: must be even"), "{e}");
        let mut t = ConfigTree::load("cartpole").unwrap();
        t.set("genome.mode=neurons").unwrap();
        let e = t.finish().unwrap_err().to_string();
        assert!(e.contains("neurons") && !e.contains('\n'), "{e}");
    }

    /// `keys` lists every leaf of the resolved tree, quiet keys included, and each can be set.
    #[test]
    fn keys_list_every_settable_leaf() {
        let t = ConfigTree::load("cartpole").unwrap();
        let keys = t.keys();
        for k in
            ["run.seed", "run.keep_best", "env.observation", "genome.scale.tau", "strategy.snes.sigma_lr", "data.dir"]
        {
            assert!(keys.iter().any(|(key, _)| key == k), "{k} missing");
        }
        assert!(keys.iter().all(|(k, _)| !k.ends_with('.')));
        assert_eq!(keys.iter().find(|(k, _)| k == "strategy.pgpe.momentum").unwrap().1, ValueKind::Float);
        assert_eq!(keys.iter().find(|(k, _)| k == "genome.properties").unwrap().1, ValueKind::List);
        for (key, kind) in keys {
            let value = match kind {
                ValueKind::Integer => "1",
                ValueKind::Float => "0.5",
                ValueKind::Boolean => "true",
                ValueKind::String | ValueKind::List => "x",
            };
            t.clone().set(&format!("{key}={value}")).unwrap();
        }
    }

    /// Each section's numbers are range-checked; the message names key, value and range.
    #[test]
    fn numbers_outside_their_range_are_named() {
        for (set, message) in [
            ("network.v_th=nan", "network.v_th = NaN: must be a number in [-1000000, 1000000]"),
            ("strategy.pgpe.sigma_max_change=1", "strategy.pgpe.sigma_max_change = 1: must be a number in [0, 1)"),
            ("strategy.open_es.sigma=0", "strategy.open_es.sigma = 0: must be a number in (0, 1000]"),
            ("run.threads=2000", "run.threads = 2000: must be a whole number in 0..=1024 (0 = all cores)"),
            ("genome.properties=r,tau,r", "genome.properties = [r, tau, r]: `r` is listed twice"),
        ] {
            let mut t = ConfigTree::load("cartpole").unwrap();
            t.set(set).unwrap();
            let e = t.finish().unwrap_err().to_string();
            assert!(e.starts_with(message), "{set}: {e}");
        }
        let mut t = ConfigTree::load("cartpole").unwrap();
        let e = t.set("run.seed=9223372036854775808").unwrap_err().to_string();
        assert!(e.contains("64-bit"), "{e}");
    }

    #[test]
    fn broken_toml_is_one_line_with_the_source() {
        let e = ConfigTree::parse("[run]\ngenerations = = 3\n", "bad.toml").unwrap_err().to_string();
        assert!(e.starts_with("bad.toml: ") && !e.contains('\n'), "{e}");
        let e = ConfigTree::parse("[run]\ngenerations = \"many\"\n", "bad.toml").unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("line 2"), "{e}");
        let e = ConfigTree::parse("[net]\nhidden = 3\n", "bad.toml").unwrap_err().to_string();
        assert!(e.contains("net"), "{e}");
    }

    #[test]
    fn unknown_preset() {
        let e = ConfigTree::load("cartpol").unwrap_err().to_string();
        assert!(e.starts_with("unknown preset `cartpol`"), "{e}");
    }
}
