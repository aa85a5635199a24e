//! General statistics of the reports: mean and standard deviation, median, and the paired
//! t-test that compares two arms measured on the same seeds.

/// Mean and population standard deviation (divisor n) of `x`; NaN for an empty slice.
/// `crate::experiment::mean_std` re-exports it.
pub fn mean_std(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (m, (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt())
}

/// Median of `x` (the mean of the two middle values for an even count, NaNs sorted last by
/// [`f64::total_cmp`]); NaN for an empty slice.
pub fn median(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        0.5 * (v[m - 1] + v[m])
    } else {
        v[m]
    }
}

/// Two-sided paired t-test p-value of differences `d` (NaN for fewer than 2 or zero variance).
pub fn paired_t_p(d: &[f64]) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let n = d.len();
    if n < 2 {
        return f64::NAN;
    }
    let (m, s) = mean_std(d);
    let sd = s * (n as f64 / (n as f64 - 1.0)).sqrt();
    if sd == 0.0 {
        return if m == 0.0 { 1.0 } else { 0.0 };
    }
    let t = m / (sd / (n as f64).sqrt());
    let dist = StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("valid t");
    2.0 * (1.0 - dist.cdf(t.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_t_test_p_values() {
        assert!(paired_t_p(&[0.1, 0.12, 0.09, 0.11, 0.1]) < 1e-3);
        assert!(paired_t_p(&[0.1, -0.1, 0.05, -0.05]) > 0.5);
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn mean_std_matches_the_experiments_copy() {
        let x = [0.3, -1.25, 7.0, 0.1, 1e-3, 2.5];
        let bits = |(m, s): (f64, f64)| (m.to_bits(), s.to_bits());
        assert_eq!(bits(mean_std(&x)), bits(crate::experiment::mean_std(&x)));
        assert!(mean_std(&[]).0.is_nan());
        assert_eq!(mean_std(&[2.0, 4.0]), (3.0, 1.0));
    }
}
