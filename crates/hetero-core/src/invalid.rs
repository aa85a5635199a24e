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
