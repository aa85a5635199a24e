//! A value that parses but is not allowed: the error every `validate` in the library returns,
//! naming the key, the value and the allowed range, so a message never has to be re-parsed.

/// A configuration value that is not allowed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field} = {value}: {reason}")]
pub struct InvalidValue {
    /// The key (`strategy.population`, `reservoir.p_connect`, …).
    pub field: String,
    /// The value as given.
    pub value: String,
    /// What is allowed.
    pub reason: String,
}

impl InvalidValue {
    /// `field = value: reason`.
    pub fn new(field: &str, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        Self { field: field.into(), value: value.to_string(), reason: reason.into() }
    }
}

/// How a bound of an allowed range is met: the bound itself allowed (`[`, `]`) or not (`(`, `)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The bound itself is allowed.
    Closed,
    /// Only values strictly inside the bound are allowed.
    Open,
}

/// Refuses `value` unless it is a number in the interval `lo`..`hi` (each bound open or closed);
/// NaN and ±inf are always refused, so a finite `hi` also refuses inf. The reason names the
/// interval: `strategy.pgpe.sigma_init = -1: must be in (0, 1000]`.
pub fn check_range<T: Into<f64> + std::fmt::Display + Copy>(
    field: &str,
    shown: T,
    lo: (f64, Bound),
    hi: (f64, Bound),
) -> Result<(), InvalidValue> {
    let value: f64 = shown.into();
    let above = match lo.1 {
        Bound::Closed => value >= lo.0,
        Bound::Open => value > lo.0,
    };
    let below = match hi.1 {
        Bound::Closed => value <= hi.0,
        Bound::Open => value < hi.0,
    };
    if value.is_finite() && above && below {
        return Ok(());
    }
    let open = if lo.1 == Bound::Closed { '[' } else { '(' };
    let close = if hi.1 == Bound::Closed { ']' } else { ')' };
    Err(InvalidValue::new(field, shown, format!("must be a number in {open}{}, {}{close}", lo.0, hi.0)))
}

/// Refuses a count outside `lo..=hi`, naming the range.
pub fn check_count(field: &str, value: u64, lo: u64, hi: u64) -> Result<(), InvalidValue> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(InvalidValue::new(field, value, format!("must be a whole number in {lo}..={hi}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_refuse_nan_inf_and_name_the_interval() {
        let c = |v| check_range("k", v, (0.0, Bound::Open), (1000.0, Bound::Closed));
        assert!(c(0.5).is_ok() && c(1000.0).is_ok());
        for bad in [0.0, -1.0, 1e30, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(c(bad).unwrap_err().reason, "must be a number in (0, 1000]", "{bad}");
        }
        assert_eq!(c(-1.0).unwrap_err().to_string(), "k = -1: must be a number in (0, 1000]");
        assert!(check_count("n", 0, 1, 5).is_err() && check_count("n", 5, 1, 5).is_ok());
        assert_eq!(check_count("n", 9, 1, 5).unwrap_err().to_string(), "n = 9: must be a whole number in 1..=5");
    }
}
