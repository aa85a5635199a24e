//! `fitness.svg` / `fitness.png`: population mean ± std, population max and centre per
//! generation, drawn from the run's metrics.csv when the run finishes. An observer, so the
//! generation loop itself draws nothing.

use super::plot::{self, Chart, Scale, Series};
use hetero_core::engine::{read_metrics, MetricsRow, Observer, ObserverError, RunInfo, RunPaths, Summary};
use std::path::PathBuf;

/// Draws the fitness figure of a run at its end (attach it where `run.plots` is on).
#[derive(Default)]
pub struct FitnessFigure {
    dir: Option<PathBuf>,
    y_label: &'static str,
}

impl FitnessFigure {
    /// A figure observer; it learns the run directory at the run's start.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Observer for FitnessFigure {
    fn on_start(&mut self, info: &RunInfo) {
        self.dir = Some(info.out_dir.clone());
        self.y_label = info.fitness_label;
    }

    fn on_finish(&mut self, summary: &Summary) -> Result<(), ObserverError> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let paths = RunPaths::new(dir);
        let rows = read_metrics(&paths.metrics, summary.generations)?;
        draw_fitness(&paths.fitness_plot, &rows, self.y_label)?;
        Ok(())
    }
}

/// Draws the fitness figure of `rows` to `stem`.svg and `stem`.png.
pub fn draw_fitness(stem: &std::path::Path, rows: &[MetricsRow], y_label: &str) -> Result<(), plot::PlotError> {
    let g = |r: &MetricsRow| r.generation as f64;
    let series = vec![
        Series {
            name: "population mean ± std".into(),
            points: rows.iter().map(|r| (g(r), r.fitness_mean)).collect(),
            band: Some(rows.iter().map(|r| (r.fitness_mean - r.fitness_std, r.fitness_mean + r.fitness_std)).collect()),
        },
        Series {
            name: "population max".into(),
            points: rows.iter().map(|r| (g(r), r.fitness_max)).collect(),
            band: None,
        },
        Series { name: "centre".into(), points: rows.iter().map(|r| (g(r), r.centre_fitness)).collect(), band: None },
    ];
    let chart = Chart { title: "Fitness per generation", x_label: "generation", y_label, x_scale: Scale::Linear };
    plot::line_chart(stem, &chart, &series)
}
