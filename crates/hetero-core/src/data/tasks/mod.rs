//! The temporal task bank (Paper B's "hundreds of temporal tasks"; our design,
//! research/paper_b_methods.md §B4): stimuli ([`stimuli`]) × target operators × parameters.
//! Every task has a unique name `<stimulus>/<operator>` and is reproducible from its name and a
//! seed ([`generate`]); [`bank`] lists them in a fixed order (`hetero tasks list`).
//!
//! Operators on channel c of the stimulus u (samples before t = 0 count as 0):
//! - `delay-d`: y(t) = u_c(t − d)
//! - `legendre-P{n}d{d}[c{c}]-…`: y(t) = Π_m P_{n_m}(u_{c_m}(t − d_m)), Legendre polynomials, total degree 1–3
//! - `integrate-T`: y(t) = (1 − 1/T)·y(t−1) + u_c(t)/T
//! - `narma-n`: s = (clamp(u_c, −1, 1) + 1)/4 ∈ [0, 0.5];
//!   y(t+1) = tanh(0.3·y(t) + 0.05·y(t)·Σ_{i<n} y(t−i) + 1.5·s(t−n+1)·s(t) + 0.1)
//!   (NARMA-n saturated by tanh so that it stays bounded for every stimulus)
//! - `xor-d{d}`: b = 1 if u > 0, else 0; y(t) = ±1 for b(t−d) ⊕ b(t−d−1); cross-channel `xor-d{d}c{a}-d{d}c{b}`
//! - `parity-k`: y(t) = ±1 for b(t) ⊕ … ⊕ b(t−k+1)
//! - `predict-h`: y(t) = u_c(t + h) (one- and multi-step prediction)

pub mod stimuli;

use std::collections::HashMap;
use std::sync::OnceLock;
pub use stimuli::StimulusKind;

/// Extra stimulus samples generated after the reservoir's input, for prediction targets.
pub const FUTURE: usize = 10;

/// A target operator.
#[derive(Clone, Debug, PartialEq)]
pub enum Operator {
    /// y(t) = u_c(t − d).
    Delay {
        /// Delay d (samples).
        d: usize,
        /// Channel.
        c: usize,
    },
    /// y(t) = Π P_n(u_c(t − d)) over (n, d, c) terms.
    Legendre {
        /// (degree n, delay d, channel c) per factor.
        terms: Vec<(usize, usize, usize)>,
    },
    /// Leaky integration with timescale T.
    Integrate {
        /// T (samples).
        t: usize,
        /// Channel.
        c: usize,
    },
    /// tanh-saturated NARMA-n.
    Narma {
        /// Order n.
        n: usize,
        /// Channel.
        c: usize,
    },
    /// XOR of two delayed sign bits (d, c) each.
    Xor {
        /// First bit.
        a: (usize, usize),
        /// Second bit.
        b: (usize, usize),
    },
    /// Parity of the last k sign bits of channel 0.
    Parity {
        /// k.
        k: usize,
    },
    /// y(t) = u_c(t + h).
    Predict {
        /// Horizon h ≤ [`FUTURE`].
        h: usize,
        /// Channel.
        c: usize,
    },
}

impl Operator {
    /// The category used in tables: delay, legendre, integrate, narma, xor, parity, predict.
    pub fn category(&self) -> &'static str {
        match self {
            Operator::Delay { .. } => "delay",
            Operator::Legendre { .. } => "legendre",
            Operator::Integrate { .. } => "integrate",
            Operator::Narma { .. } => "narma",
            Operator::Xor { .. } => "xor",
            Operator::Parity { .. } => "parity",
            Operator::Predict { .. } => "predict",
        }
    }

    /// The target for the first `len` samples of a row-major stimulus `u` with `d` channels
    /// (`u` may be longer, for prediction).
    pub fn apply(&self, u: &[f64], d: usize, len: usize) -> Vec<f64> {
        let at = |t: isize, c: usize| -> f64 {
            if t < 0 {
                0.0
            } else {
                u[t as usize * d + c]
            }
        };
        let bit = |t: isize, c: usize| -> bool { at(t, c) > 0.0 };
        let sign = |b: bool| if b { 1.0 } else { -1.0 };
        match self {
            Operator::Delay { d: lag, c } => (0..len).map(|t| at(t as isize - *lag as isize, *c)).collect(),
            Operator::Legendre { terms } => (0..len)
                .map(|t| terms.iter().map(|&(n, lag, c)| legendre(n, at(t as isize - lag as isize, c))).product())
                .collect(),
            Operator::Integrate { t: tau, c } => {
                let k = 1.0 / *tau as f64;
                let mut y = 0.0;
                (0..len)
                    .map(|t| {
                        y = (1.0 - k) * y + k * at(t as isize, *c);
                        y
                    })
                    .collect()
            }
            Operator::Narma { n, c } => {
                let s = |t: isize| -> f64 { (at(t, *c).clamp(-1.0, 1.0) + 1.0) / 4.0 };
                let mut y = vec![0.0; len];
                for t in 0..len.saturating_sub(1) {
                    let lo = t.saturating_sub(n - 1);
                    let sum: f64 = y[lo..=t].iter().sum();
                    let z =
                        0.3 * y[t] + 0.05 * y[t] * sum + 1.5 * s(t as isize - *n as isize + 1) * s(t as isize) + 0.1;
                    y[t + 1] = z.tanh();
                }
                y
            }
            Operator::Xor { a, b } => (0..len)
                .map(|t| sign(bit(t as isize - a.0 as isize, a.1) ^ bit(t as isize - b.0 as isize, b.1)))
                .collect(),
            Operator::Parity { k } => {
                (0..len).map(|t| sign((0..*k).fold(false, |p, i| p ^ bit(t as isize - i as isize, 0)))).collect()
            }
            Operator::Predict { h, c } => (0..len).map(|t| u[(t + h) * d + c]).collect(),
        }
    }
}

/// Legendre polynomial P_n(x) by the three-term recurrence (n+1)P_{n+1} = (2n+1)xP_n − nP_{n−1}.
pub fn legendre(n: usize, x: f64) -> f64 {
    let (mut p0, mut p1) = (1.0, x);
    if n == 0 {
        return 1.0;
    }
    for k in 1..n {
        let p2 = ((2 * k + 1) as f64 * x * p1 - k as f64 * p0) / (k + 1) as f64;
        p0 = p1;
        p1 = p2;
    }
    p1
}

/// One named task.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// `<stimulus>/<operator>`.
    pub name: String,
    /// Its stimulus.
    pub stimulus: StimulusKind,
    /// Its target operator.
    pub operator: Operator,
}

/// Errors naming the task.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// No task of that name.
    #[error("task `{0}`: unknown (see `hetero tasks list`)")]
    Unknown(String),
    /// The stimulus and target of that length would not fit in memory.
    #[error(transparent)]
    Memory(#[from] crate::resources::MemoryError),
    /// Writing the CSV failed (a closed pipe, a full disk).
    #[error("writing the CSV: {0}")]
    Write(#[from] std::io::Error),
}

fn term_name(n: usize, d: usize, c: usize, multi: bool) -> String {
    if multi {
        format!("P{n}d{d}c{c}")
    } else {
        format!("P{n}d{d}")
    }
}

const DELAYS: [usize; 18] = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100];
const LEGENDRE_SETS: [&[(usize, usize)]; 20] = [
    &[(2, 0)],
    &[(2, 1)],
    &[(2, 2)],
    &[(2, 4)],
    &[(2, 8)],
    &[(1, 0), (1, 1)],
    &[(1, 0), (1, 2)],
    &[(1, 1), (1, 2)],
    &[(1, 0), (1, 4)],
    &[(1, 2), (1, 5)],
    &[(3, 0)],
    &[(3, 1)],
    &[(3, 2)],
    &[(3, 4)],
    &[(2, 0), (1, 1)],
    &[(1, 0), (2, 1)],
    &[(2, 0), (1, 2)],
    &[(1, 0), (1, 1), (1, 2)],
    &[(1, 0), (1, 2), (1, 4)],
    &[(1, 1), (1, 3), (1, 5)],
];

fn operator_name(op: &Operator, multi: bool) -> String {
    let ch = |c: usize| if multi { format!("-c{c}") } else { String::new() };
    match op {
        Operator::Delay { d, c } => format!("delay-{d}{}", ch(*c)),
        Operator::Legendre { terms } => format!(
            "legendre-{}",
            terms.iter().map(|&(n, d, c)| term_name(n, d, c, multi)).collect::<Vec<_>>().join("-")
        ),
        Operator::Integrate { t, c } => format!("integrate-{t}{}", ch(*c)),
        Operator::Narma { n, c } => format!("narma-{n}{}", ch(*c)),
        Operator::Xor { a, b } => {
            if multi {
                format!("xor-d{}c{}-d{}c{}", a.0, a.1, b.0, b.1)
            } else {
                format!("xor-d{}", a.0)
            }
        }
        Operator::Parity { k } => format!("parity-{k}"),
        Operator::Predict { h, c } => format!("predict-{h}{}", ch(*c)),
    }
}

fn single_channel_operators() -> Vec<Operator> {
    let mut ops = Vec::new();
    for d in DELAYS {
        ops.push(Operator::Delay { d, c: 0 });
    }
    for set in LEGENDRE_SETS {
        ops.push(Operator::Legendre { terms: set.iter().map(|&(n, d)| (n, d, 0)).collect() });
    }
    for t in [2, 4, 8, 16, 32, 64, 128] {
        ops.push(Operator::Integrate { t, c: 0 });
    }
    for n in [5, 10, 20] {
        ops.push(Operator::Narma { n, c: 0 });
    }
    for d in [0, 1, 2, 4, 8] {
        ops.push(Operator::Xor { a: (d, 0), b: (d + 1, 0) });
    }
    for k in [3, 4, 5] {
        ops.push(Operator::Parity { k });
    }
    for h in [1, 3, 10] {
        ops.push(Operator::Predict { h, c: 0 });
    }
    ops
}

fn multi_channel_operators(kind: StimulusKind) -> Vec<Operator> {
    let mut ops = Vec::new();
    match kind {
        StimulusKind::White3 => {
            for c in 0..3 {
                for d in [1, 5, 10, 20] {
                    ops.push(Operator::Delay { d, c });
                }
                ops.push(Operator::Integrate { t: 16, c });
            }
            for terms in [
                vec![(1, 0, 0), (1, 0, 1)],
                vec![(1, 0, 0), (1, 1, 1)],
                vec![(1, 0, 1), (1, 0, 2)],
                vec![(1, 2, 0), (1, 5, 2)],
                vec![(1, 0, 0), (1, 0, 1), (1, 0, 2)],
                vec![(2, 0, 0), (1, 0, 1)],
            ] {
                ops.push(Operator::Legendre { terms });
            }
            for d in [0, 2] {
                ops.push(Operator::Xor { a: (d, 0), b: (d, 1) });
            }
        }
        StimulusKind::Lorenz3 => {
            for c in 0..3 {
                ops.push(Operator::Predict { h: 1, c });
                ops.push(Operator::Predict { h: 5, c });
                ops.push(Operator::Delay { d: 10, c });
            }
            ops.push(Operator::Legendre { terms: vec![(1, 0, 0), (1, 0, 2)] });
            ops.push(Operator::Legendre { terms: vec![(1, 0, 0), (1, 0, 1)] });
        }
        _ => {}
    }
    ops
}

/// Every task, in a fixed order (stimuli in [`StimulusKind::ALL`] order, operators grouped by kind).
pub fn bank() -> &'static [Task] {
    static BANK: OnceLock<Vec<Task>> = OnceLock::new();
    BANK.get_or_init(|| {
        let mut tasks = Vec::new();
        for kind in StimulusKind::ALL {
            let multi = kind.channels() > 1;
            let ops = if multi { multi_channel_operators(kind) } else { single_channel_operators() };
            for operator in ops {
                // On the two-valued telegraph stimulus P2 is constant and P3 ∝ P1: keep products of P1 only.
                if let (StimulusKind::Telegraph, Operator::Legendre { terms }) = (kind, &operator) {
                    if terms.iter().any(|t| t.0 > 1) {
                        continue;
                    }
                }
                tasks.push(Task {
                    name: format!("{}/{}", kind.name(), operator_name(&operator, multi)),
                    stimulus: kind,
                    operator,
                });
            }
        }
        tasks
    })
}

/// The task called `name`.
pub fn find(name: &str) -> Result<&'static Task, TaskError> {
    static INDEX: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| bank().iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect());
    index.get(name).map(|&i| &bank()[i]).ok_or_else(|| TaskError::Unknown(name.to_string()))
}

/// The stimulus (len × D, row-major, plus [`FUTURE`] extra samples) and target (len) of the
/// task `name` for `seed`. Tasks on the same stimulus share it exactly.
pub fn generate(name: &str, seed: u64, len: usize) -> Result<(Vec<f64>, Vec<f64>), TaskError> {
    let task = find(name)?;
    // The stimulus, the target and the operator's scratch of the same length, in f64.
    let d = task.stimulus.channels() as u128;
    let needs = (len as u128 + FUTURE as u128).saturating_mul(8 * (2 * d + 2));
    crate::resources::check_memory(format!("a task of {len} samples"), needs)?;
    let u = task.stimulus.generate(seed, len + FUTURE);
    let y = task.operator.apply(&u, task.stimulus.channels(), len);
    Ok((u, y))
}

/// CSV text `t,u0[,u1,u2],y` of the task `name` for `seed` over `len` samples (`hetero tasks show`).
pub fn to_csv(name: &str, seed: u64, len: usize) -> Result<String, TaskError> {
    let mut out = Vec::new();
    write_csv(name, seed, len, &mut out)?;
    Ok(String::from_utf8(out).expect("the CSV is ASCII"))
}

/// [`to_csv`] written row by row to `out` (`hetero tasks show`), so the text of a long task is
/// never held in memory; a length whose stimulus cannot fit is refused before it is made.
pub fn write_csv(name: &str, seed: u64, len: usize, out: &mut impl std::io::Write) -> Result<(), TaskError> {
    use std::io::Write as _;
    let task = find(name)?;
    let d = task.stimulus.channels();
    let (u, y) = generate(name, seed, len)?;
    let mut out = std::io::BufWriter::new(out);
    write!(out, "t")?;
    for c in 0..d {
        write!(out, ",u{c}")?;
    }
    writeln!(out, ",y")?;
    for t in 0..len {
        write!(out, "{t}")?;
        for c in 0..d {
            write!(out, ",{}", u[t * d + c])?;
        }
        writeln!(out, ",{}", y[t])?;
    }
    out.flush()?;
    Ok(())
}

/// The tasks of the bank grouped by stimulus, in bank order: (stimulus, indices into [`bank`]).
pub fn by_stimulus(tasks: &[usize]) -> Vec<(StimulusKind, Vec<usize>)> {
    let mut groups: Vec<(StimulusKind, Vec<usize>)> = Vec::new();
    for &i in tasks {
        let kind = bank()[i].stimulus;
        match groups.iter_mut().find(|g| g.0 == kind) {
            Some(g) => g.1.push(i),
            None => groups.push((kind, vec![i])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(name: &str, seed: u64, len: usize) -> (Vec<f64>, Vec<f64>) {
        generate(name, seed, len).unwrap()
    }

    #[test]
    fn the_bank_has_at_least_300_unique_names() {
        let b = bank();
        assert!(b.len() >= 300, "{}", b.len());
        let mut names: Vec<&str> = b.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), b.len());
        assert!(matches!(find("white/no-such"), Err(TaskError::Unknown(n)) if n == "white/no-such"));
    }

    #[test]
    fn every_task_is_deterministic_by_name_and_seed_and_finite() {
        for t in bank() {
            let (u1, y1) = gen(&t.name, 3, 400);
            let (u2, y2) = gen(&t.name, 3, 400);
            assert!(u1 == u2 && y1 == y2, "{}", t.name);
            let (_, y3) = gen(&t.name, 4, 400);
            assert!(y1 != y3, "{}: seed does not matter", t.name);
            assert!(y1.iter().all(|v| v.is_finite()), "{}", t.name);
            let m = y1.iter().sum::<f64>() / 400.0;
            assert!(y1.iter().any(|v| (v - m).abs() > 1e-9), "{}: constant target", t.name);
        }
    }

    #[test]
    fn delayed_recall_is_the_shifted_input() {
        let (u, y) = gen("ou/delay-15", 1, 300);
        assert!((0..15).all(|t| y[t] == 0.0));
        assert!((15..300).all(|t| y[t] == u[t - 15]));
        let (u, y) = gen("white3/delay-5-c2", 1, 300);
        assert!((5..300).all(|t| y[t] == u[(t - 5) * 3 + 2]));
    }

    #[test]
    fn legendre_targets_are_products_of_legendre_polynomials() {
        assert_eq!(legendre(2, 0.5), 0.5 * (3.0 * 0.25 - 1.0));
        assert!((legendre(3, 0.3) - 0.5 * (5.0 * 0.027 - 0.9)).abs() < 1e-15);
        let (u, y) = gen("white/legendre-P2d0-P1d2", 2, 200);
        for t in 2..200 {
            assert!((y[t] - 0.5 * (3.0 * u[t] * u[t] - 1.0) * u[t - 2]).abs() < 1e-12);
        }
        let (u, y) = gen("white3/legendre-P1d0c0-P1d0c1-P1d0c2", 2, 50);
        assert!((0..50).all(|t| (y[t] - u[3 * t] * u[3 * t + 1] * u[3 * t + 2]).abs() < 1e-15));
    }

    #[test]
    fn integration_is_a_leaky_integrator() {
        let (u, y) = gen("sines/integrate-8", 1, 300);
        assert_eq!(y[0], u[0] / 8.0);
        assert!((1..300).all(|t| (y[t] - (7.0 / 8.0 * y[t - 1] + u[t] / 8.0)).abs() < 1e-15));
    }

    #[test]
    fn narma_obeys_its_recurrence() {
        let (u, y) = gen("white/narma-10", 5, 500);
        let s = |t: usize| (u[t].clamp(-1.0, 1.0) + 1.0) / 4.0;
        for t in 10..499 {
            let sum: f64 = y[t - 9..=t].iter().sum();
            let z = 0.3 * y[t] + 0.05 * y[t] * sum + 1.5 * s(t - 9) * s(t) + 0.1;
            assert!((y[t + 1] - z.tanh()).abs() < 1e-14);
        }
    }

    #[test]
    fn xor_and_parity_are_the_bitwise_functions() {
        let (u, y) = gen("telegraph/xor-d2", 3, 300);
        let b = |t: usize| u[t] > 0.0;
        assert!((3..300).all(|t| y[t] == if b(t - 2) != b(t - 3) { 1.0 } else { -1.0 }));
        let (u, y) = gen("white/parity-3", 3, 300);
        let b = |t: usize| u[t] > 0.0;
        assert!((2..300).all(|t| y[t] == if b(t) ^ b(t - 1) ^ b(t - 2) { 1.0 } else { -1.0 }));
        let (u, y) = gen("white3/xor-d2c0-d2c1", 3, 100);
        assert!((2..100).all(|t| y[t] == if (u[3 * (t - 2)] > 0.0) != (u[3 * (t - 2) + 1] > 0.0) { 1.0 } else { -1.0 }));
    }

    #[test]
    fn prediction_is_the_future_input() {
        let (u, y) = gen("mackey-glass/predict-3", 1, 200);
        assert_eq!(u.len(), 200 + FUTURE);
        assert!((0..200).all(|t| y[t] == u[t + 3]));
        let (u, y) = gen("lorenz3/predict-5-c1", 1, 100);
        assert!((0..100).all(|t| y[t] == u[(t + 5) * 3 + 1]));
    }

    #[test]
    fn tasks_on_one_stimulus_share_it() {
        let (a, _) = gen("lorenz/delay-5", 9, 100);
        let (b, _) = gen("lorenz/narma-20", 9, 100);
        assert_eq!(a, b);
        let groups = by_stimulus(&(0..bank().len()).collect::<Vec<_>>());
        assert_eq!(groups.len(), StimulusKind::ALL.len());
        assert_eq!(groups.iter().map(|g| g.1.len()).sum::<usize>(), bank().len());
    }
}
