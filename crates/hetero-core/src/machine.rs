//! What this machine can do, read at run time: cores, vector width and clock, and the
//! single-precision peak they imply. Peak = cores × f32 lanes per vector × 2 (multiply and add
//! of an FMA) × 2 (FMA units per core, as on current x86 server cores) × clock. The clock is
//! `cpu MHz` from /proc/cpuinfo (the current frequency, so the figure is approximate).

/// Facts about the machine.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Machine {
    /// The CPU's model name.
    pub model: String,
    /// Logical cores available to this process.
    pub cores: usize,
    /// Widest vector instruction set found: avx512f, avx2 or sse2.
    pub vector_isa: &'static str,
    /// f32 lanes per vector of that set.
    pub f32_lanes: usize,
    /// FMA instructions available.
    pub fma: bool,
    /// Clock (GHz), if it could be read.
    pub ghz: Option<f64>,
}

impl Machine {
    /// Reads the machine's facts.
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |name: &str| {
            cpuinfo
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_string())
        };
        let (vector_isa, f32_lanes, fma) = detect_isa();
        Self {
            model: field("model name").unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            vector_isa,
            f32_lanes,
            fma,
            ghz: field("cpu MHz").and_then(|m| m.parse::<f64>().ok()).map(|m| m / 1000.0),
        }
    }

    /// Single-precision peak of `cores` cores (GFLOP/s), with the rule used.
    pub fn peak_gflops(&self, cores: usize) -> Option<f64> {
        let per_cycle = self.f32_lanes as f64 * if self.fma { 2.0 * 2.0 } else { 2.0 };
        self.ghz.map(|g| cores as f64 * per_cycle * g)
    }

    /// One line describing the machine and how peak was computed.
    pub fn describe(&self) -> String {
        let peak = self.peak_gflops(self.cores).map_or("unknown".to_string(), |p| format!("{p:.0} GFLOP/s"));
        format!(
            "{} | {} cores | {} ({} f32 lanes{}) | {} | peak {} = cores × lanes × {} × clock",
            self.model,
            self.cores,
            self.vector_isa,
            self.f32_lanes,
            if self.fma { ", FMA" } else { "" },
            self.ghz.map_or("clock unknown".to_string(), |g| format!("{g:.2} GHz")),
            peak,
            if self.fma { "2 (FMA) × 2 (units)" } else { "2" }
        )
    }
}

#[cfg(target_arch = "x86_64")]
fn detect_isa() -> (&'static str, usize, bool) {
    let fma = std::arch::is_x86_feature_detected!("fma");
    if std::arch::is_x86_feature_detected!("avx512f") {
        ("avx512f", 16, fma)
    } else if std::arch::is_x86_feature_detected!("avx2") {
        ("avx2", 8, fma)
    } else {
        ("sse2", 4, false)
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect_isa() -> (&'static str, usize, bool) {
    ("scalar", 1, false)
}

/// Clears the upper halves of the vector registers (`vzeroupper`) when the CPU has AVX. The
/// GEMM and solvers (faer) can leave them dirty on the threads they ran on, and then every
/// legacy-SSE instruction of code compiled for baseline x86-64 (glibc's `exp` wrapper, the
/// portable kernels) waits on them. Call after such library code, before hot baseline code.
#[inline]
pub fn clean_upper_vector_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX (checked).
        unsafe { std::arch::x86_64::_mm256_zeroupper() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_follows_the_stated_rule() {
        let m = Machine { model: "x".into(), cores: 2, vector_isa: "avx2", f32_lanes: 8, fma: true, ghz: Some(2.5) };
        assert_eq!(m.peak_gflops(2), Some(2.0 * 8.0 * 4.0 * 2.5));
        let detected = Machine::detect();
        assert!(detected.cores >= 1 && detected.f32_lanes >= 1);
    }
}
