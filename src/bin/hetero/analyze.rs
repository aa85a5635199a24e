//! `hetero analyze`: analyses of finished runs.

use crate::args::Analyze;
use crate::checks::Failure;

/// `hetero analyze tau`.
pub(crate) fn analyze(command: Analyze) -> Result<(), Failure> {
    match command {
        Analyze::Tau { run_dirs, out } => {
            let out = out.unwrap_or_else(|| run_dirs[0].clone());
            let fits = hetero::analysis::tau::analyze_tau(&run_dirs, &out).map_err(|e| Failure(e.to_string()))?;
            for f in &fits {
                println!(
                    "{} (n = {}, mean {:.2} ms): gamma shape {:.3} scale {:.3} ms (KS {:.4}); lognormal shape {:.3} scale {:.3} ms (KS {:.4})",
                    f.name, f.n, f.mean_ms, f.gamma.shape, f.gamma.scale, f.gamma.ks, f.lognormal.shape, f.lognormal.scale, f.lognormal.ks
                );
            }
            println!("table in {}/tau_fit.md, tau_fit.csv; histogram tau_hist.png / .svg", out.display());
            Ok(())
        }
    }
}
