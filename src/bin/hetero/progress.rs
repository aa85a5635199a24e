//! Progress for people: an indicatif bar on a terminal, plain log lines otherwise (an engine
//! observer the CLI attaches).

use hetero::engine::{MetricsRow, Observer, ObserverError, RunInfo, Summary};

/// Progress for people: an indicatif bar on a terminal, else a plain line every `log_every`.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    log_every: u64,
    total: u64,
}

impl Progress {
    /// A bar when stderr is a terminal, log lines otherwise.
    pub fn new(log_every: u64) -> Self {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(indicatif::ProgressBar::hidden);
        Self { bar, log_every, total: 0 }
    }
}

impl Observer for Progress {
    fn on_start(&mut self, info: &RunInfo) {
        self.total = info.generations;
        crate::interrupt::finished_generation(info.start_generation);
        println!(
            "training {} generations into {} ({} parameters searched, {} as Paper A counts; {} threads)",
            info.generations - info.start_generation,
            info.out_dir.display(),
            info.parameter_count,
            info.paper_parameter_count,
            info.threads
        );
        if let Some(bar) = &self.bar {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(info.generations);
            bar.set_position(info.start_generation);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30.cyan/blue} gen {pos}/{len} {msg} [{elapsed_precise}<{eta_precise}]",
                )
                .expect("valid template"),
            );
        }
    }

    fn on_generation(&mut self, row: &MetricsRow) {
        crate::interrupt::finished_generation(row.generation);
        let msg = format!(
            "mean {:.1} max {:.1} centre {:.1} | {:.0} episodes/s",
            row.fitness_mean, row.fitness_max, row.centre_fitness, row.episodes_per_s
        );
        match &self.bar {
            Some(bar) => {
                bar.set_message(msg);
                bar.set_position(row.generation);
            }
            None => {
                if row.generation.is_multiple_of(self.log_every) || row.generation == self.total {
                    println!("gen {:>5}/{} {msg} | {:.1} s", row.generation, self.total, row.wall_s);
                }
            }
        }
    }

    /// A SIGINT or SIGTERM stops the run at the end of this generation (see `interrupt`).
    fn stop_requested(&self) -> bool {
        crate::interrupt::stop_requested()
    }

    fn on_finish(&mut self, s: &Summary) -> Result<(), ObserverError> {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
        let solved = match (s.first_solved_generation, s.solved_threshold) {
            (Some(g), Some(t)) => format!("; centre first reached {t} at generation {g}"),
            (None, Some(t)) => format!("; centre never reached {t}"),
            _ => String::new(),
        };
        println!(
            "done: centre fitness {:.2} (best {:.2}) after {} generations in {:.1} s{solved}",
            s.final_centre_fitness, s.best_centre_fitness, s.generations, s.wall_s
        );
        Ok(())
    }
}
