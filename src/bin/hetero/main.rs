//! The `hetero` command line: parses, loads the configuration, calls the library. Every error is
//! one line on stderr and exit code 2. One module per command; none holds logic a library user
//! would need (that lives in the `hetero` library: run directories, evaluation, parsing).

mod analyze;
mod args;
mod bench;
mod checks;
mod env;
mod interrupt;
mod progress;
mod reproduce;
mod tasks;
mod train;

use args::{Cli, Command};
use checks::Failure;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Under MPI every rank runs this program; the universe lives until main returns.
    #[cfg(feature = "mpi")]
    let _mpi = hetero::distributed::init();
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        hetero::io::report_line(&format!("error: internal error{at}: {} (please report)", msg.replace('\n', " ")));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // clap's first paragraph, on one line: it names what is missing
            // ("the following required arguments were not provided: <CONFIG>").
            let text = e.render().to_string();
            let first: Vec<&str> = text
                .lines()
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let first = if first.is_empty() { "error: invalid arguments".to_string() } else { first.join(" ") };
            let first = first.trim_end_matches(':');
            hetero::io::report_line(&format!("{first} (see --help)"));
            return ExitCode::from(2);
        }
    };
    interrupt::install();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(m)) if interrupt::received().is_some() => {
            hetero::io::report_line(&m.replace('\n', " "));
            ExitCode::from(interrupt::exit_code(interrupt::received().unwrap_or(2)))
        }
        Err(Failure(m)) => {
            hetero::io::report_line(&format!("error: {}", m.replace('\n', " ")));
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Train { config, generations, population, seed, threads, out, resume, set } => {
            train::train_command(&config, generations, population, seed, threads, out, resume, &set)
        }
        Command::Eval { run_dir, episodes, seed, json } => train::eval_command(&run_dir, episodes, seed, json),
        Command::Presets => train::presets(),
        Command::Env { name, seed, actions, max_steps, json } => {
            env::env_command(&name, seed, &actions, max_steps, json)
        }
        Command::Bench { name, env, json, generations, threads, run } => {
            bench::bench(&name, env, json, generations, threads, run)
        }
        Command::Tasks(t) => tasks::tasks(t),
        Command::Reproduce(r) => reproduce::reproduce(r),
        Command::Analyze(a) => analyze::analyze(a),
    }
}
