//! `metrics.csv`: one row per generation, written by the generation loop for every Problem.

use super::TrainError;
use crate::io::{write_atomic, IoError};
use serde::Serialize;
use std::path::Path;

/// One row of metrics.csv.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricsRow {
    /// Generations completed (1-based).
    pub generation: u64,
    /// Mean fitness of the population.
    pub fitness_mean: f64,
    /// Standard deviation of the population's fitness (population std).
    pub fitness_std: f64,
    /// Worst member.
    pub fitness_min: f64,
    /// Best member.
    pub fitness_max: f64,
    /// The centre's fitness, as the Problem scores it (environments: the mean return over
    /// `env.eval_episodes` fresh episodes; images: −cross-entropy on the generation's batch).
    pub centre_fitness: f64,
    /// Mean search width σ.
    pub sigma_mean: f64,
    /// Hidden spikes per hidden neuron per simulated step, over the population.
    pub spikes_per_neuron_step: f64,
    /// Member-steps simulated this generation (population only).
    pub member_steps: u64,
    /// Population episodes (or images) per second of wall time this generation.
    pub episodes_per_s: f64,
    /// Wall time since the run started (s), summed over resumed sessions.
    pub wall_s: f64,
}

impl MetricsRow {
    /// The CSV header.
    pub const HEADER: &'static str = "generation,fitness_mean,fitness_std,fitness_min,fitness_max,centre_fitness,sigma_mean,spikes_per_neuron_step,member_steps,episodes_per_s,wall_s";

    /// Columns that depend on the machine's speed, not on the computation.
    pub const TIMING_COLUMNS: [&'static str; 2] = ["episodes_per_s", "wall_s"];

    /// The row as one CSV line (no newline).
    pub fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{},{},{:.1},{:.3}",
            self.generation,
            self.fitness_mean,
            self.fitness_std,
            self.fitness_min,
            self.fitness_max,
            self.centre_fitness,
            self.sigma_mean,
            self.spikes_per_neuron_step,
            self.member_steps,
            self.episodes_per_s,
            self.wall_s
        )
    }
}

/// Mean, population standard deviation, minimum and maximum of `x`.
pub fn mean_std_min_max(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    (mean, var.sqrt(), min, max)
}

/// Reads metrics.csv rows up to and including `through` generations.
pub fn read_metrics(path: &Path, through: u64) -> Result<Vec<MetricsRow>, TrainError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| IoError::Os { path: path.display().to_string(), message: e.to_string() })?;
    let rows = read_run_csv(path, &text, &[11], through)?;
    Ok(rows
        .iter()
        .map(|f| MetricsRow {
            generation: f[0] as u64,
            fitness_mean: f[1],
            fitness_std: f[2],
            fitness_min: f[3],
            fitness_max: f[4],
            centre_fitness: f[5],
            sigma_mean: f[6],
            spikes_per_neuron_step: f[7],
            member_steps: f[8] as u64,
            episodes_per_s: f[9],
            wall_s: f[10],
        })
        .collect())
}

/// The data lines of a per-generation CSV a run wrote (`text`, read from `path`; header skipped),
/// as numbers, keeping the lines whose generation (column 0) is at most `through`. A line must
/// have one of the `widths` column counts (the first is the current format); shorter lines are
/// padded with NaN to the first width. Errors name the file and line.
pub fn read_run_csv(path: &Path, text: &str, widths: &[usize], through: u64) -> Result<Vec<Vec<f64>>, TrainError> {
    let bad = |line: usize, m: &str| TrainError::Resume {
        path: path.display().to_string(),
        message: format!("line {line}: {m}"),
    };
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if !widths.contains(&fields.len()) {
            return Err(bad(i + 1, &format!("expected {} columns", widths[0])));
        }
        let mut row = fields
            .iter()
            .map(|v| v.parse::<f64>().map_err(|_| bad(i + 1, &format!("`{v}` is not a number"))))
            .collect::<Result<Vec<f64>, _>>()?;
        row.resize(widths[0].max(row.len()), f64::NAN);
        if row[0] as u64 <= through {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Writes `header` and one line per row to `path`, atomically.
pub fn write_csv<'a>(path: &Path, header: &str, lines: impl Iterator<Item = String> + 'a) -> Result<(), IoError> {
    let mut text = String::from(header);
    text.push('\n');
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, widths: &[usize], through: u64) -> Result<Vec<Vec<f64>>, String> {
        read_run_csv(Path::new("run/accuracy.csv"), text, widths, through).map_err(|e| e.to_string())
    }

    /// Lines after `through` are dropped, old shorter lines are padded with NaN.
    #[test]
    fn run_csv_keeps_generations_through_and_pads_old_lines() {
        let text = "generation,a,b\n10,0.5,NaN\n20,0.25\n30,1,2\n";
        let rows = read(text, &[3, 2], 20).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][..2], &[10.0, 0.5]);
        assert!(rows[0][2].is_nan() && rows[1][2].is_nan());
        assert_eq!(rows[1][1], 0.25);
        assert_eq!(read("generation,a,b\n", &[3], 5).unwrap().len(), 0);
    }

    /// A wrong column count or a non-number names the file and line.
    #[test]
    fn run_csv_rejects_malformed_lines() {
        let err = read("g,a,b\n10,1,2\n20,1\n", &[3], u64::MAX).unwrap_err();
        assert!(
            err.contains("run/accuracy.csv") && err.contains("line 3") && err.contains("expected 3 columns"),
            "{err}"
        );
        let err = read("g,a,b\n10,x1,2\n", &[3], u64::MAX).unwrap_err();
        assert!(err.contains("line 2") && err.contains("`x1` is not a number"), "{err}");
    }

    /// Hand-computed: mean 2, population variance 2/3.
    #[test]
    fn mean_std_min_max_of_three_values() {
        let (m, s, lo, hi) = mean_std_min_max(&[1.0, 2.0, 3.0]);
        assert_eq!((m, lo, hi), (2.0, 1.0, 3.0));
        assert!((s - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
    }
}
