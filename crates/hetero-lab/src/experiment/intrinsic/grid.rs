//! The condition grid of each study: which networks (kind, τ profile, size, weight scale,
//! sparsity, recurrence, training lengths) are compared, and the (condition, seed) jobs.

use super::{Options, Study};
use hetero_core::network::reservoir::{Kind, ReservoirConfig};
use hetero_core::neuron::heterogeneity::{Family, Profile};

/// One network condition of a study.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// Rate or spiking.
    pub kind: Kind,
    /// τ family.
    pub family: Family,
    /// τ CV (0 for homogeneous).
    pub cv: f64,
    /// Neurons.
    pub n: usize,
    /// Spectral radius.
    pub rho: f64,
    /// Connection probability.
    pub p: f64,
    /// Recurrent connections present.
    pub recurrent: bool,
    /// Training lengths evaluated from the same states.
    pub train_lengths: Vec<usize>,
    /// Mean τ as a multiple of the network's default (rate 5 ms, spiking 25 ms); ≠ 1 only for the
    /// homogeneous-τ controls of the profiles study.
    pub tau_factor: f64,
}

impl Condition {
    /// Arm label: `homogeneous` or `<family>-cv<c>`.
    pub fn arm(&self) -> String {
        let tau = if self.tau_factor != 1.0 {
            format!("-tau{}", self.tau_factor * default_tau_ms(self.kind))
        } else {
            String::new()
        };
        if self.family == Family::Homogeneous {
            format!("homogeneous{tau}")
        } else {
            format!("{}-cv{}{tau}", self.family, self.cv)
        }
    }

    /// The key that pairs a condition with its homogeneous baseline (everything but τ).
    pub(super) fn setting(&self) -> String {
        format!("{}|{}|{}|{}|{}", self.kind.name(), self.n, self.rho, self.p, self.recurrent)
    }

    /// True for the baseline every arm is compared with: homogeneous τ at the default mean.
    pub(super) fn is_baseline(&self) -> bool {
        self.family == Family::Homogeneous && self.tau_factor == 1.0
    }

    /// The reservoir configuration for `inputs` channels.
    pub fn config(&self, inputs: usize) -> ReservoirConfig {
        let mean = default_tau_ms(self.kind) * self.tau_factor;
        let profile = Profile {
            family: self.family,
            mean_ms: mean,
            cv: if self.family == Family::Homogeneous { 0.0 } else { self.cv },
        };
        let mut c = match self.kind {
            Kind::Rate => ReservoirConfig::rate(self.n, profile),
            Kind::Spiking => ReservoirConfig::spiking(self.n, profile),
        };
        c.inputs = inputs;
        c.spectral_radius = self.rho;
        c.p_connect = self.p;
        c.recurrent = self.recurrent;
        c
    }
}

/// Default mean τ (ms): rate 5, spiking 25 (both 5 input samples).
pub fn default_tau_ms(kind: Kind) -> f64 {
    match kind {
        Kind::Rate => 5.0,
        Kind::Spiking => 25.0,
    }
}

/// The conditions of a study.
pub fn conditions(opts: &Options) -> Vec<Condition> {
    let q = opts.quick;
    let train = opts.split().train;
    let (hf, hcv) = opts.hetero;
    let mut out = Vec::new();
    for &kind in &opts.networks {
        let base = Condition {
            kind,
            family: Family::Homogeneous,
            cv: 0.0,
            n: if q { 100 } else { 200 },
            rho: 0.9,
            p: 0.1,
            recurrent: true,
            train_lengths: vec![train],
            tau_factor: 1.0,
        };
        let arms =
            |c: &Condition| -> Vec<Condition> { vec![c.clone(), Condition { family: hf, cv: hcv, ..c.clone() }] };
        match opts.study {
            Study::Profiles => {
                out.push(base.clone());
                let cvs: &[f64] = if q { &[0.25, 0.5, 1.0] } else { &[0.1, 0.25, 0.5, 1.0, 2.0] };
                for family in [Family::Uniform, Family::Normal, Family::Gamma, Family::LogNormal, Family::LogUniform] {
                    for &cv in cvs {
                        // Symmetric families stop at CV 0.5 (uniform cannot go beyond 1/√3; a normal
                        // beyond it is mostly truncation).
                        if !family.skewed() && cv > 0.5 {
                            continue;
                        }
                        out.push(Condition { family, cv, ..base.clone() });
                    }
                }
                // Controls: homogeneous networks at other mean τ (is heterogeneity better than a tuned τ?).
                for f in [0.2, 0.4, 2.0, 4.0] {
                    out.push(Condition { tau_factor: f, ..base.clone() });
                }
                // And the heterogeneous arm at the shorter means, against those controls.
                for f in [0.2, 0.4] {
                    out.push(Condition { family: hf, cv: hcv, tau_factor: f, ..base.clone() });
                }
            }
            Study::Size => {
                let ns: &[usize] = if q { &[25, 50, 100, 200] } else { &[25, 50, 100, 200, 400, 800] };
                let lengths: Vec<usize> = if q { vec![150, 300, 600] } else { vec![250, 500, 1000, 2000] };
                for &n in ns {
                    out.extend(arms(&Condition { n, train_lengths: lengths.clone(), ..base.clone() }));
                }
            }
            Study::Robustness => {
                let rhos: &[f64] =
                    if q { &[0.0, 0.5, 0.9, 2.0, 3.0] } else { &[0.0, 0.25, 0.5, 0.9, 1.2, 1.5, 2.0, 3.0] };
                for &rho in rhos {
                    out.extend(arms(&Condition { rho, ..base.clone() }));
                }
                let ps: &[f64] = if q { &[0.01, 0.1, 1.0] } else { &[0.01, 0.03, 0.1, 0.3, 1.0] };
                for &p in ps {
                    if p != base.p {
                        out.extend(arms(&Condition { p, ..base.clone() }));
                    }
                }
                out.extend(arms(&Condition { recurrent: false, ..base.clone() }));
            }
            Study::Cost => {
                let ns: &[usize] = if q { &[25, 50, 100, 200] } else { &[25, 50, 100, 200, 400] };
                for &n in ns {
                    out.extend(arms(&Condition { n, ..base.clone() }));
                }
            }
        }
    }
    out
}

/// The (condition index, seed) jobs of a study: every condition with seeds 0..`seeds`, the
/// largest networks first.
pub(super) fn jobs(conds: &[Condition], seeds: u64) -> Vec<(usize, u64)> {
    let mut jobs: Vec<(usize, u64)> = Vec::new();
    // Largest networks first, so the slowest jobs do not start last.
    let mut order: Vec<usize> = (0..conds.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(conds[i].n * if conds[i].kind == Kind::Spiking { 3 } else { 1 }));
    for &c in &order {
        for seed in 0..seeds {
            jobs.push((c, seed));
        }
    }
    jobs
}

/// Conditions of one batch at most: 8 fill one AVX-512 register per neuron; larger batches gain
/// little (the spiking network's scatter even slows down) and leave the threads unevenly loaded.
pub const BATCH_CONDITIONS: usize = 8;

/// The jobs grouped by shared network: one group per seed and [`Condition::setting`] (kind, N,
/// ρ, p, recurrence; W, Win and b are then the same and only τ differs), conditions in job order,
/// groups in the order of their first job (largest networks first), each cut into batches of at
/// most [`BATCH_CONDITIONS`].
pub(super) fn groups(conds: &[Condition], jobs: &[(usize, u64)]) -> Vec<(Vec<usize>, u64)> {
    let mut out: Vec<(String, u64, Vec<usize>)> = Vec::new();
    for &(c, seed) in jobs {
        let key = conds[c].setting();
        match out.iter_mut().find(|g| g.0 == key && g.1 == seed) {
            Some(g) => g.2.push(c),
            None => out.push((key, seed, vec![c])),
        }
    }
    out.into_iter()
        .flat_map(|(_, seed, members)| members.chunks(BATCH_CONDITIONS).map(|m| (m.to_vec(), seed)).collect::<Vec<_>>())
        .collect()
}
