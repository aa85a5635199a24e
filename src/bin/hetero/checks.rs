//! The one-line failure every command reports, and checks of flag values.

/// A failure to report in one line.
pub(crate) struct Failure(pub(crate) String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// `value` if it is at least 1, else the error naming `flag`.
pub(crate) fn at_least_one<T: PartialOrd + From<u8> + std::fmt::Display>(flag: &str, value: T) -> Result<T, Failure> {
    if value >= T::from(1) {
        Ok(value)
    } else {
        Err(Failure(format!("{flag} {value}: must be at least 1")))
    }
}

/// Sets `field` to `value` when the flag was given, after [`at_least_one`].
pub(crate) fn override_at_least_one<T: PartialOrd + From<u8> + std::fmt::Display>(
    field: &mut T,
    flag: &str,
    value: Option<T>,
) -> Result<(), Failure> {
    if let Some(v) = value {
        *field = at_least_one(flag, v)?;
    }
    Ok(())
}

/// The locomotion tasks named by `--env` (one task, or `all`).
pub(crate) fn locomotion_envs(env: &str) -> Result<Vec<String>, Failure> {
    use hetero::experiment::ablation::TASKS;
    match env {
        "all" => Ok(TASKS.iter().map(|t| t.to_string()).collect()),
        e if TASKS.contains(&e) => Ok(vec![e.to_string()]),
        e => Err(Failure(format!("--env {e}: unknown (halfcheetah, hopper, walker2d, ant, all)"))),
    }
}

/// `values` if non-empty, each at least 1 and none repeated, else the error naming `flag`.
pub(crate) fn all_at_least_one(flag: &str, values: Vec<usize>) -> Result<Vec<usize>, Failure> {
    if values.is_empty() || values.contains(&0) {
        return Err(Failure(format!("{flag} {values:?}: every value must be at least 1")));
    }
    no_repeats(flag, &values)?;
    Ok(values)
}

/// An error naming `flag` when a value of its list is given twice (a study would run that job
/// twice and count it twice).
pub(crate) fn no_repeats<T: PartialEq + std::fmt::Display>(flag: &str, values: &[T]) -> Result<(), Failure> {
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            let list = values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",");
            return Err(Failure(format!("{flag} {list}: {v} is given twice; give each value once")));
        }
    }
    Ok(())
}
