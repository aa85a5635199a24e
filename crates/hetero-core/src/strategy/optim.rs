//! Gradient-ascent optimisers for a strategy's centre (SPEC §4.1): SGD, Adam and ClipUp.

use serde::{Deserialize, Serialize};

/// Which optimiser moves the centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// μ ← μ + lr·g (EvoJAX's `optimizer=None`).
    Sgd,
    /// Adam (Kingma & Ba 2015), β₁ = 0.9, β₂ = 0.999, ε = 1e−8, ascending.
    Adam,
    /// ClipUp (Toklu et al. 2020): g ← g/‖g‖; v ← m·v + lr·g; ‖v‖ ≤ max_speed; μ ← μ + v.
    Clipup,
}

/// Optimiser state; `first` and `second` are Adam's moments or ClipUp's velocity (in `first`).
#[derive(Clone, Debug, PartialEq)]
pub struct Optimizer {
    /// Which rule.
    pub kind: OptimizerKind,
    /// Learning rate (step size).
    pub lr: f64,
    /// ClipUp speed limit.
    pub max_speed: f64,
    /// ClipUp momentum.
    pub momentum: f64,
    /// Adam first moment, or ClipUp velocity.
    pub first: Vec<f64>,
    /// Adam second moment.
    pub second: Vec<f64>,
    /// Steps taken (Adam bias correction).
    pub steps: u64,
}

const ADAM_BETA1: f64 = 0.9;
const ADAM_BETA2: f64 = 0.999;
const ADAM_EPS: f64 = 1e-8;

impl Optimizer {
    /// A fresh optimiser for `dim` parameters.
    pub fn new(kind: OptimizerKind, lr: f64, max_speed: f64, momentum: f64, dim: usize) -> Self {
        Self { kind, lr, max_speed, momentum, first: vec![0.0; dim], second: vec![0.0; dim], steps: 0 }
    }

    /// Moves `x` along the ascent direction `grad`.
    pub fn ascend(&mut self, x: &mut [f64], grad: &[f64]) {
        self.steps += 1;
        match self.kind {
            OptimizerKind::Sgd => {
                for (x, g) in x.iter_mut().zip(grad) {
                    *x += self.lr * g;
                }
            }
            OptimizerKind::Adam => {
                let t = self.steps as i32;
                let lr_t = self.lr * (1.0 - ADAM_BETA2.powi(t)).sqrt() / (1.0 - ADAM_BETA1.powi(t));
                for i in 0..x.len() {
                    self.first[i] = ADAM_BETA1 * self.first[i] + (1.0 - ADAM_BETA1) * grad[i];
                    self.second[i] = ADAM_BETA2 * self.second[i] + (1.0 - ADAM_BETA2) * grad[i] * grad[i];
                    x[i] += lr_t * self.first[i] / (self.second[i].sqrt() + ADAM_EPS);
                }
            }
            OptimizerKind::Clipup => {
                let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
                let scale = if norm > 0.0 { self.lr / norm } else { 0.0 };
                for (v, g) in self.first.iter_mut().zip(grad) {
                    *v = self.momentum * *v + scale * g;
                }
                let speed = self.first.iter().map(|v| v * v).sum::<f64>().sqrt();
                if speed > self.max_speed {
                    let k = self.max_speed / speed;
                    self.first.iter_mut().for_each(|v| *v *= k);
                }
                for (x, v) in x.iter_mut().zip(&self.first) {
                    *x += v;
                }
            }
        }
    }

    /// State vectors for checkpoints.
    pub fn state(&self, prefix: &str) -> Vec<(String, Vec<f64>)> {
        vec![
            (format!("{prefix}.first"), self.first.clone()),
            (format!("{prefix}.second"), self.second.clone()),
            (format!("{prefix}.steps"), vec![self.steps as f64]),
        ]
    }

    /// Restores [`Optimizer::state`].
    pub fn load_state(
        &mut self,
        prefix: &str,
        state: &std::collections::HashMap<String, Vec<f64>>,
    ) -> Result<(), super::StateError> {
        let d = self.first.len();
        self.first = super::take_state(state, &format!("{prefix}.first"), d)?;
        self.second = super::take_state(state, &format!("{prefix}.second"), d)?;
        self.steps = super::take_state(state, &format!("{prefix}.steps"), 1)?[0] as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipup_normalises_and_clips() {
        let mut o = Optimizer::new(OptimizerKind::Clipup, 0.1, 0.15, 0.9, 2);
        let mut x = vec![0.0, 0.0];
        o.ascend(&mut x, &[3.0, 4.0]); // ĝ = (0.6, 0.8); v = 0.1·ĝ
        assert!((x[0] - 0.06).abs() < 1e-12 && (x[1] - 0.08).abs() < 1e-12);
        o.ascend(&mut x, &[3.0, 4.0]); // v = 0.9·0.1ĝ + 0.1ĝ = 0.19ĝ → clipped to 0.15ĝ
        assert!((x[0] - (0.06 + 0.09)).abs() < 1e-12 && (x[1] - (0.08 + 0.12)).abs() < 1e-12);
    }

    #[test]
    fn adam_first_step_is_lr_times_sign() {
        let mut o = Optimizer::new(OptimizerKind::Adam, 0.01, 0.0, 0.0, 2);
        let mut x = vec![1.0, 1.0];
        o.ascend(&mut x, &[5.0, -0.2]);
        assert!((x[0] - 1.01).abs() < 1e-7 && (x[1] - 0.99).abs() < 1e-7);
    }
}
