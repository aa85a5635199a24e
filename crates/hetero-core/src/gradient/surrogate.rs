//! Surrogate derivatives of the Heaviside spike s = H(x), x = u − v_th (SPEC §5, Paper A
//! Tables 5–6, Eq. 10). The forward pass keeps the Heaviside, except for [`Surrogate::Sigmoid`], a
//! smooth stand-in whose forward is σ(βx) and whose derivative is exact (for gradient checks).

/// A surrogate gradient g'(x) for the spike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Surrogate {
    /// g(x) = (1/π)·arctan((π/2)·α·x) + 1/2 ⇒ g'(x) = (α/2) / (1 + ((π/2)·α·x)²) (SpikingJelly ATan).
    ATan {
        /// α (Paper A's default 2).
        alpha: f64,
    },
    /// g'(x) = α / (1 + |α·x|) (SpikingJelly NonzeroSignLogAbs).
    Log {
        /// α.
        alpha: f64,
    },
    /// Eq. 10: g'(x) = (1/v_th²)·max(0, v_th − |x|).
    Triangle,
    /// g'(x) = 1/v_th for |x| < v_th/2, else 0 (STBP's rectangular window, width v_th).
    Rectangular,
    /// Smooth stand-in: forward s = σ(βx), derivative β·s·(1 − s), both exact.
    Sigmoid {
        /// β (steepness).
        beta: f64,
    },
}

impl Surrogate {
    /// Paper A's default: ATan with α = 2.
    pub const DEFAULT: Surrogate = Surrogate::ATan { alpha: 2.0 };

    /// The forward spike for x = u − v_th: H(x) (H(0) = 1), or σ(βx) for the smooth stand-in.
    pub fn spike(&self, x: f64) -> f64 {
        match *self {
            Surrogate::Sigmoid { beta } => 1.0 / (1.0 + (-beta * x).exp()),
            _ => {
                if x >= 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// The derivative used in the backward pass at x = u − v_th.
    pub fn derivative(&self, x: f64, v_th: f64) -> f64 {
        match *self {
            Surrogate::ATan { alpha } => {
                let z = std::f64::consts::FRAC_PI_2 * alpha * x;
                (alpha / 2.0) / (1.0 + z * z)
            }
            Surrogate::Log { alpha } => alpha / (1.0 + (alpha * x).abs()),
            Surrogate::Triangle => (v_th - x.abs()).max(0.0) / (v_th * v_th),
            Surrogate::Rectangular => {
                if x.abs() < v_th / 2.0 {
                    1.0 / v_th
                } else {
                    0.0
                }
            }
            Surrogate::Sigmoid { beta } => {
                let s = self.spike(x);
                beta * s * (1.0 - s)
            }
        }
    }
}

/// A surrogate name that does not parse.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ParseSurrogateError(String);

impl std::str::FromStr for Surrogate {
    type Err = ParseSurrogateError;

    /// `atan[:α]` (α defaults to 2), `log[:α]`, `triangle`, `rectangular`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let (kind, alpha) = name.split_once(':').map_or((name, None), |(k, a)| (k, Some(a)));
        let alpha = match alpha.map(str::parse::<f64>) {
            None => 2.0,
            Some(Ok(a)) if a > 0.0 && a.is_finite() => a,
            _ => return Err(ParseSurrogateError(format!("{name}: α must be a positive number"))),
        };
        let unknown = || ParseSurrogateError(format!("{name}: unknown (atan:α, log:α, triangle, rectangular)"));
        match kind {
            "atan" => Ok(Surrogate::ATan { alpha }),
            "log" => Ok(Surrogate::Log { alpha }),
            "triangle" | "rectangular" if name.contains(':') => Err(unknown()),
            "triangle" => Ok(Surrogate::Triangle),
            "rectangular" => Ok(Surrogate::Rectangular),
            _ => Err(unknown()),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn surrogates_parse_from_their_names_and_bad_names_are_refused() {
        assert_eq!("atan".parse(), Ok(Surrogate::ATan { alpha: 2.0 }));
        assert_eq!("log:4".parse(), Ok(Surrogate::Log { alpha: 4.0 }));
        assert_eq!("triangle".parse(), Ok(Surrogate::Triangle));
        assert_eq!("rectangular".parse(), Ok(Surrogate::Rectangular));
        for bad in ["sinc", "atan:-1", "atan:x", "log:inf", "triangle:3"] {
            assert!(bad.parse::<Surrogate>().unwrap_err().to_string().starts_with(bad), "{bad}");
        }
    }
    use super::*;

    /// Each surrogate derivative against a central difference of its own g(x) (where g is smooth).
    #[test]
    fn derivatives_match_their_primitives() {
        let g_atan = |a: f64, x: f64| (1.0 / std::f64::consts::PI) * (std::f64::consts::FRAC_PI_2 * a * x).atan() + 0.5;
        let g_log = |a: f64, x: f64| x.signum() * (a * x.abs() + 1.0).ln();
        for &x in &[-1.3, -0.2, 0.05, 0.4, 2.0] {
            let h = 1e-6;
            let fd = (g_atan(2.0, x + h) - g_atan(2.0, x - h)) / (2.0 * h);
            assert!((Surrogate::ATan { alpha: 2.0 }.derivative(x, 0.5) - fd).abs() < 1e-6);
            let fd = (g_log(3.0, x + h) - g_log(3.0, x - h)) / (2.0 * h);
            assert!((Surrogate::Log { alpha: 3.0 }.derivative(x, 0.5) - fd).abs() < 1e-5);
            let s = Surrogate::Sigmoid { beta: 7.0 };
            let fd = (s.spike(x + h) - s.spike(x - h)) / (2.0 * h);
            assert!((s.derivative(x, 0.5) - fd).abs() < 1e-6);
        }
    }

    /// Hand values: ATan α=2 at 0 is 1; Triangle peak 1/v_th and support ±v_th; Rectangular 1/v_th.
    #[test]
    fn hand_values() {
        assert_eq!(Surrogate::DEFAULT.derivative(0.0, 0.5), 1.0);
        assert_eq!(Surrogate::Triangle.derivative(0.0, 0.5), 2.0);
        assert_eq!(Surrogate::Triangle.derivative(0.25, 0.5), 1.0);
        assert_eq!(Surrogate::Triangle.derivative(0.6, 0.5), 0.0);
        assert_eq!(Surrogate::Rectangular.derivative(0.2, 0.5), 2.0);
        assert_eq!(Surrogate::Rectangular.derivative(0.3, 0.5), 0.0);
        assert_eq!(Surrogate::Log { alpha: 2.0 }.derivative(-0.5, 0.5), 1.0);
        assert_eq!(Surrogate::Triangle.spike(0.0), 1.0);
    }
}
