//! Golden outputs: fixed-seed runs whose data files must stay byte-identical across refactors.
//!
//! Each case runs the `hetero` binary into a scratch folder and digests what it wrote: CSV files
//! as text without their timing columns (`wall_s`, `*_per_s`), JSON files without `wall_s`,
//! long CSV files as their first lines and a digest of the rest,
//! safetensors files as one line per tensor (name, dtype, shape, FNV-1a 64 of the little-endian
//! bytes). The digest is compared with `tests/golden/<case>.txt`.
//!
//! `bash scripts/golden.sh` (or `HETERO_BLESS=1 cargo test --release --test golden`) rewrites
//! the files; do that only for a change that is meant to change results, and say so in the
//! commit with before/after numbers. `HETERO_GOLDEN_ONLY=<part of a case name>` restricts a run
//! to the matching cases. Cases marked `full` (a whole study at its defaults, minutes) run only
//! with `HETERO_GOLDEN_FULL=1`: `bash scripts/golden_full.sh` compares them.
//!
//! MNIST results depend on the CPU's vector instructions (faer picks its FMA kernels at run
//! time), so those cases record the instruction sets they were made with and are compared only
//! on a machine with the same ones (the test prints that it skipped them otherwise). They need
//! the MNIST files: `$HETERO_DATA`, or `../shared/data` beside the checkout.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One golden case: the command and the files it writes that are digested.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    /// Files relative to the output folder.
    files: &'static [&'static str],
    /// True for results that depend on the CPU's vector instructions.
    machine_dependent: bool,
    /// True when it needs the MNIST data folder.
    needs_data: bool,
    /// True for a long case (minutes on 2 cores) compared only with `HETERO_GOLDEN_FULL=1`
    /// (`bash scripts/golden_full.sh`), so the default test run stays short.
    full: bool,
}

const RUN_FILES: &[&str] =
    &["config.toml", "metrics.csv", "params.safetensors", "checkpoint.safetensors", "summary.json"];
const IMAGE_RUN_FILES: &[&str] = &[
    "config.toml",
    "metrics.csv",
    "params.safetensors",
    "checkpoint.safetensors",
    "summary.json",
    "accuracy.csv",
    "rates.safetensors",
];

const CASES: &[Case] = &[
    Case {
        name: "train-cartpole",
        args: &["train", "cartpole"],
        files: RUN_FILES,
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    Case {
        name: "train-cartpole-weight",
        args: &["train", "cartpole-weight"],
        files: RUN_FILES,
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    Case {
        name: "train-memory-neuron-50",
        args: &["train", "memory-neuron", "--generations", "50"],
        files: RUN_FILES,
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    Case {
        name: "train-mnist-neuron-4096-5",
        args: &["train", "mnist-neuron-4096", "--generations", "5"],
        files: IMAGE_RUN_FILES,
        machine_dependent: true,
        needs_data: true,
        full: false,
    },
    Case {
        name: "train-mnist-weight-3970-5",
        args: &["train", "mnist-weight-3970", "--generations", "5"],
        files: IMAGE_RUN_FILES,
        machine_dependent: true,
        needs_data: true,
        full: false,
    },
    #[cfg(feature = "mujoco")]
    Case {
        name: "train-halfcheetah-short",
        args: &["train", "halfcheetah", "--generations", "2", "--population", "16", "--set", "env.max_steps=100"],
        files: RUN_FILES,
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    Case {
        name: "reproduce-memory-length-quick",
        args: &["reproduce", "memory-length", "--quick"],
        files: &["results.csv"],
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    Case {
        name: "reproduce-intrinsic-profiles-quick",
        args: &["reproduce", "intrinsic", "profiles", "--quick"],
        files: &["results.csv", "tasks.csv"],
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    Case {
        name: "reproduce-intrinsic-size-quick",
        args: &["reproduce", "intrinsic", "size", "--quick"],
        files: &["results.csv", "tasks.csv"],
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    Case {
        name: "reproduce-intrinsic-robustness-quick",
        args: &["reproduce", "intrinsic", "robustness", "--quick"],
        files: &["results.csv", "tasks.csv"],
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    Case {
        name: "reproduce-intrinsic-cost-quick",
        args: &["reproduce", "intrinsic", "cost", "--quick"],
        files: &["results.csv", "tasks.csv"],
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
    // The cheapest full study (200 jobs, N = 25…400, both networks, 10 seeds): about 3 minutes on
    // the 2-core machine under load, so only with HETERO_GOLDEN_FULL=1.
    Case {
        name: "reproduce-intrinsic-cost-full",
        args: &["reproduce", "intrinsic", "cost"],
        files: &["results.csv", "tasks.csv"],
        machine_dependent: false,
        needs_data: false,
        full: true,
    },
    Case {
        name: "reproduce-bp-vs-es-quick",
        args: &["reproduce", "bp-vs-es", "--quick"],
        files: &["results.csv"],
        machine_dependent: false,
        needs_data: false,
        full: false,
    },
];

/// FNV-1a, 64 bits: a fixed, dependency-free digest of tensor bytes.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn is_timing_column(name: &str) -> bool {
    name == "wall_s" || name.ends_with("_per_s")
}

/// The CSV text without its timing columns.
fn csv_digest(text: &str) -> String {
    let mut lines = text.lines();
    let Some(header) = lines.next() else { return String::new() };
    let keep: Vec<bool> = header.split(',').map(|c| !is_timing_column(c)).collect();
    let mut out = String::new();
    for line in std::iter::once(header).chain(lines) {
        let fields: Vec<&str> = line
            .split(',')
            .enumerate()
            .filter(|(i, _)| keep.get(*i).copied().unwrap_or(true))
            .map(|(_, f)| f)
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// A text of more than [`LONG_TEXT_LINES`] lines as its first lines, its line count and its
/// FNV-1a digest (the intrinsic study's tasks.csv has 15 000 lines).
fn long_text_digest(text: String) -> String {
    let n = text.lines().count();
    if n <= LONG_TEXT_LINES {
        return text;
    }
    let mut out: String = text.lines().take(LONG_TEXT_LINES / 2).map(|l| format!("{l}\n")).collect();
    let _ = writeln!(out, "... {n} lines in all, FNV-1a {:016x}", fnv1a(text.as_bytes()));
    out
}

/// Files longer than this are digested, not kept whole.
const LONG_TEXT_LINES: usize = 400;

/// The JSON text without its `wall_s` lines (summary.json is pretty-printed, one key a line).
fn json_digest(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with("\"wall_s\"")).map(|l| format!("{l}\n")).collect()
}

/// One line per tensor: name, dtype, shape, FNV-1a of the data.
fn safetensors_digest(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut names: Vec<String> = st.names().into_iter().cloned().collect();
    names.sort();
    let mut out = String::new();
    for n in names {
        let t = st.tensor(&n).unwrap();
        let _ = writeln!(out, "{n} {:?} {:?} {:016x}", t.dtype(), t.shape(), fnv1a(t.data()));
    }
    out
}

fn digest(dir: &Path, files: &[&str]) -> String {
    let mut out = String::new();
    for f in files {
        let path = dir.join(f);
        let _ = writeln!(out, "== {f}");
        if !path.exists() {
            out.push_str("(missing)\n");
            continue;
        }
        if f.ends_with(".safetensors") {
            out.push_str(&safetensors_digest(&path));
        } else {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push_str(&if f.ends_with(".csv") {
                long_text_digest(csv_digest(&text))
            } else if f.ends_with(".json") {
                json_digest(&text)
            } else {
                text
            });
        }
    }
    out
}

/// The vector instruction sets that change MNIST bits.
fn machine_signature() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        let f = |n: &str, on: bool| if on { n.to_string() } else { format!("no-{n}") };
        [
            f("avx512f", is_x86_feature_detected!("avx512f")),
            f("avx512bw", is_x86_feature_detected!("avx512bw")),
            f("avx512vbmi2", is_x86_feature_detected!("avx512vbmi2")),
            f("avx2", is_x86_feature_detected!("avx2")),
            f("fma", is_x86_feature_detected!("fma")),
        ]
        .join(",")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::env::consts::ARCH.to_string()
    }
}

fn data_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("HETERO_DATA")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("../shared/data")])
        .find(|d| d.join("mnist").is_dir())
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.txt"))
}

const MACHINE_LINE: &str = "# machine: ";

#[test]
fn fixed_seed_outputs_match_the_golden_files() {
    let bless = std::env::var_os("HETERO_BLESS").is_some();
    let scratch = std::env::temp_dir().join(format!("hetero-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let signature = machine_signature();
    let mut failures = Vec::new();
    let full = std::env::var_os("HETERO_GOLDEN_FULL").is_some();
    let only = std::env::var("HETERO_GOLDEN_ONLY").ok();
    for case in CASES {
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        if case.full && !full {
            println!("{}: skipped (a full study; set HETERO_GOLDEN_FULL=1 or run scripts/golden_full.sh)", case.name);
            continue;
        }
        let golden = golden_path(case.name);
        let data = data_dir();
        if case.needs_data && data.is_none() {
            println!("{}: skipped (no MNIST files in $HETERO_DATA or ../shared/data)", case.name);
            continue;
        }
        if case.machine_dependent && !bless {
            let recorded = std::fs::read_to_string(&golden).ok().and_then(|t| t.lines().next().map(str::to_string));
            let here = format!("{MACHINE_LINE}{signature}");
            if recorded.as_deref() != Some(here.as_str()) {
                println!(
                    "{}: skipped (recorded on `{}`, this machine is `{signature}`)",
                    case.name,
                    recorded.unwrap_or_default()
                );
                continue;
            }
        }
        let out = scratch.join(case.name);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hetero"));
        cmd.current_dir(&scratch).args(case.args).args(["--out", out.to_str().unwrap()]).env_remove("HETERO_KERNEL");
        if let Some(d) = &data {
            cmd.env("HETERO_DATA", d);
        }
        let result = cmd.output().unwrap();
        assert!(
            result.status.success(),
            "{}: {:?} failed: {}",
            case.name,
            case.args,
            String::from_utf8_lossy(&result.stderr)
        );
        let mut text = String::new();
        if case.machine_dependent {
            let _ = writeln!(text, "{MACHINE_LINE}{signature}");
        }
        let _ = writeln!(text, "# hetero {}", case.args.join(" "));
        text.push_str(&digest(&out, case.files));
        if bless {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &text).unwrap();
            println!("{}: written", case.name);
            continue;
        }
        let want =
            std::fs::read_to_string(&golden).unwrap_or_else(|_| format!("(no golden file {})", golden.display()));
        if want != text {
            let first = want.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(0);
            failures.push(format!(
                "{}: differs from {} at line {}:\n  golden: {}\n  now:    {}",
                case.name,
                golden.display(),
                first + 1,
                want.lines().nth(first).unwrap_or(""),
                text.lines().nth(first).unwrap_or("")
            ));
        } else {
            println!("{}: identical", case.name);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
