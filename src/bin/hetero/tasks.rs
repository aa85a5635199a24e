//! `hetero tasks`: the temporal task bank of the intrinsic-heterogeneity studies.

use crate::args::Tasks;
use crate::checks::{at_least_one, Failure};

/// `hetero tasks list|show`.
pub(crate) fn tasks(command: Tasks) -> Result<(), Failure> {
    match command {
        Tasks::List => {
            for t in hetero::data::tasks::bank() {
                println!("{}", t.name);
            }
            Ok(())
        }
        Tasks::Show { name, seed, len } => {
            at_least_one("--len", len)?;
            let stdout = std::io::stdout();
            match hetero::data::tasks::write_csv(&name, seed, len, &mut stdout.lock()) {
                // A reader that stops early (`| head`) is not an error.
                Err(hetero::data::tasks::TaskError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => Ok(r?),
            }
        }
    }
}
