//! The rate reservoir's transfer function r = tanh(x), computed by our own code so that the
//! results do not depend on the platform's libm and so that a loop over it vectorises.
//!
//! [`tanh`] is fdlibm's algorithm (the one glibc ships as `s_tanh.c` with `s_expm1.c`, Sun
//! Microsystems 1993), written branch-free with the operations, their order and the fused
//! multiply–adds of glibc 2.36's x86-64 FMA build of `expm1` (read off its disassembly). On such a
//! machine it returns the same bits as `f64::tanh` for every input (tested against libm and
//! against a fixture recorded from it, `tests/fixtures/tanh_glibc.txt`, made by
//! `tests/fixtures/make_tanh_fixture.py`), so results computed before it existed are unchanged; on other
//! platforms it still gives those bits, where libm may not.
//!
//! ```text
//! tanh x = sign(x) · z,   a = |x|
//!   a < 2⁻⁵⁵:  x·(1 + x)          (= x)
//!   a < 1:     z = −t/(t + 2),     t = expm1(−2a)
//!   a < 22:    z = 1 − 2/(t + 2),  t = expm1(2a)
//!   else:      z = 1              (NaN stays NaN)
//! expm1 y:  y = k·ln2 + r (ln2 in two parts, correction c),  e^r − 1 from a rational
//! approximation in r²/2 (fdlibm's Q₁…Q₅), then scaled by 2ᵏ in the exponent bits.
//! ```
//!
//! [`tanh_into`] applies it to a slice with AVX-512 or AVX2 + FMA where the CPU has them; every
//! path computes the same expressions, so the bits never depend on the instruction set.

/// fdlibm's expm1 coefficients Q₁…Q₅ (s_expm1.c: −3.33333333333331316428e−2,
/// 1.58730158725481460165e−3, −7.93650757867487942473e−5, 4.00821782732936239552e−6,
/// −2.01099218183624371326e−7), as their bit patterns.
const Q1: f64 = f64::from_bits(0xbfa1_1111_1111_10f4);
const Q2: f64 = f64::from_bits(0x3f5a_01a0_19fe_5585);
const Q3: f64 = f64::from_bits(0xbf14_ce19_9eaa_dbb7);
const Q4: f64 = f64::from_bits(0x3ed0_cfca_86e6_5239);
const Q5: f64 = f64::from_bits(0xbe8a_fdb7_6e09_c32d);
/// ln 2 in two parts: the high part has 32 significant bits, so k·LN2_HI is exact for |k| < 2²⁰.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const INV_LN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);

/// High 32 bits of the IEEE representation (fdlibm's `GET_HIGH_WORD`).
#[inline(always)]
fn high_word(v: f64) -> u32 {
    (v.to_bits() >> 32) as u32
}

/// v·2ᵏ by adding k to the exponent field (fdlibm's `SET_HIGH_WORD(y, high + (k << 20))`); the
/// result must stay normal.
#[inline(always)]
fn add_exponent(v: f64, k: i64) -> f64 {
    f64::from_bits(v.to_bits().wrapping_add((k as u64) << 52))
}

/// e^y − 1 for the arguments tanh passes: y ∈ (−2, −2⁻⁵⁴] or y ∈ [2, 44). fdlibm's expm1 with
/// every branch computed and the right one selected (fdlibm's k = 1 branch and its huge and tiny
/// arguments cannot occur here and are left out).
#[inline(always)]
fn expm1_for_tanh(y: f64) -> f64 {
    let hy = high_word(y) & 0x7fff_ffff;
    // Argument reduction y = k·ln2 + (x + c). fdlibm has three cases; one expression serves
    // them all: k = 0 gives hi = y, lo = 0 exactly, and k = −1 gives hi = y + LN2_HI (fdlibm's
    // plain sum: the product by 1 is exact), lo = −LN2_LO. Only y < 0 reaches k = −1 here.
    let v = INV_LN2 * y + 0.5f64.copysign(y);
    // SAFETY: |v| < 64 for every y this function is given (tanh keeps y in (−2, 44)), so the
    // truncation toward zero (C's `(int)`) is exact and in range; `as` would saturate, which
    // does not vectorise.
    let k_general: i64 = unsafe { v.to_int_unchecked() };
    let k = if hy <= 0x3fd6_2e42 {
        0
    } else if hy < 0x3ff0_a2b2 {
        -1
    } else {
        k_general
    };
    let t = k as f64;
    let (hi, lo) = ((-t).mul_add(LN2_HI, y), t * LN2_LO);
    let x = hi - lo;
    let c = (hi - x) - lo;
    // e^x − 1 on the primary range.
    let hfx = 0.5 * x;
    let hxs = x * hfx;
    let r1 = hxs.mul_add(Q1, 1.0);
    let h2 = hxs * hxs;
    let r2 = hxs.mul_add(Q3, Q2);
    let h4 = h2 * h2;
    let r3 = hxs.mul_add(Q5, Q4);
    let r = h4.mul_add(r3, h2.mul_add(r2, r1));
    let t = (-r).mul_add(hfx, 3.0);
    let e = hxs * ((r - t) / (-x).mul_add(t, 6.0));
    let at_zero = x - x.mul_add(e, -hxs);
    let e = (e - c).mul_add(x, -c) - hxs;
    let at_minus_one = 0.5f64.mul_add(x - e, -0.5);
    // k ≤ −2 or k > 56: 1 − (e − x) scaled by 2ᵏ, minus 1.
    let far = add_exponent(1.0 - (e - x), k) - 1.0;
    // 2 ≤ k < 20: (1 − 2⁻ᵏ) − (e − x), scaled.
    let one_minus = f64::from_bits((0x3ff0_0000u64 - (0x0020_0000u64 >> k.clamp(0, 21))) << 32);
    let mid = add_exponent(one_minus - (e - x), k);
    // 20 ≤ k ≤ 56: (x − (e + 2⁻ᵏ)) + 1, scaled.
    let two_minus_k = f64::from_bits(((0x3ffi64 - k.clamp(0, 0x3ff)) as u64) << 52);
    let high = add_exponent((x - (e + two_minus_k)) + 1.0, k);
    if k == 0 {
        at_zero
    } else if k == -1 {
        at_minus_one
    } else if !(-1..=56).contains(&k) {
        far
    } else if k < 20 {
        mid
    } else {
        high
    }
}

/// tanh x, the same bits as glibc 2.36's `tanh` on an x86-64 CPU with FMA (module docs).
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    let a = x.abs();
    let ha = high_word(a);
    let big = ha >= 0x4036_0000; // |x| ≥ 22, ±∞ and NaN
    let tiny = ha < 0x3c80_0000; // |x| < 2⁻⁵⁵ (and ±0)
    let at_least_one = ha >= 0x3ff0_0000;
    // Keep the expm1 argument in its domain on lanes whose result is not used.
    let a_safe = if big || tiny { 1.0 } else { a };
    // 2a for a ≥ 1, −2a (fdlibm's a·(−2), the same bits) below; set through the sign bit, so the
    // compiler keeps one expm1 for both instead of specialising it per sign.
    let two_a = a_safe + a_safe;
    let t = expm1_for_tanh(f64::from_bits(two_a.to_bits() | (u64::from(!at_least_one) << 63)));
    // fdlibm: 1 − 2/(t + 2) for a ≥ 1, −t/(t + 2) below (one division for both).
    let below_one = ((i64::from(ha) - 0x3ff0_0000) >> 63) as u64; // all ones when a < 1
    let numerator = f64::from_bits((2.0f64.to_bits() & !below_one) | ((-t).to_bits() & below_one));
    let q = numerator / (t + 2.0);
    let z = if at_least_one { 1.0 - q } else { q };
    let z = if big { 1.0 } else { z };
    let signed = if x.is_sign_negative() { -z } else { z };
    if tiny {
        x * (1.0 + x)
    } else if x.is_nan() {
        x + x
    } else {
        signed
    }
}

/// out_i = [`tanh`]\(x_i), vectorised where the CPU allows (the same bits on every path).
pub fn tanh_into(x: &[f64], out: &mut [f64]) {
    assert_eq!(x.len(), out.len(), "tanh_into: input and output lengths differ");
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX-512F and FMA (checked just above).
            return unsafe { tanh_into_avx512(x, out) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            return unsafe { tanh_into_avx2(x, out) };
        }
    }
    tanh_into_portable(x, out);
}

#[inline(always)]
fn tanh_into_portable(x: &[f64], out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = tanh(v);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,fma")]
unsafe fn tanh_into_avx512(x: &[f64], out: &mut [f64]) {
    tanh_into_portable(x, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tanh_into_avx2(x: &[f64], out: &mut [f64]) {
    tanh_into_portable(x, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream_rng, Stream};
    use rand::Rng;

    /// Inputs spanning every branch: log-uniform magnitudes 2⁻⁶⁰ … 2⁵, both signs, plus the
    /// branch boundaries and special values.
    fn inputs(count: usize) -> Vec<f64> {
        let mut rng = stream_rng(7, Stream::Auxiliary, [0x7A, 0, 0]);
        let mut v: Vec<f64> = (0..count)
            .map(|_| {
                let m = 2f64.powf(rng.random_range(-60.0..5.0));
                if rng.random::<bool>() {
                    -m
                } else {
                    m
                }
            })
            .collect();
        for b in [0.0, 2f64.powi(-55), 0.5 * std::f64::consts::LN_2 / 2.0, 0.75 * std::f64::consts::LN_2, 1.0, 22.0] {
            for s in [-1.0, 1.0] {
                for d in -3i64..=3 {
                    v.push(s * f64::from_bits(b.to_bits().wrapping_add(d as u64)));
                }
            }
        }
        v.extend([f64::INFINITY, f64::NEG_INFINITY, f64::MAX, -f64::MAX, f64::MIN_POSITIVE, 5e-324, -0.0]);
        v
    }

    /// Recorded by `tests/fixtures/make_tanh_fixture.py` from glibc 2.36's tanh (x86-64, FMA): the bits of
    /// every (input, output) pair, whatever libm this test runs against.
    #[test]
    fn matches_the_recorded_glibc_outputs() {
        let text = include_str!("../../../../tests/fixtures/tanh_glibc.txt");
        let mut checked = 0;
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (a, b) = line.split_once(' ').expect("two hex words per line");
            let x = f64::from_bits(u64::from_str_radix(a, 16).expect("hex input"));
            let want = u64::from_str_radix(b, 16).expect("hex output");
            assert_eq!(tanh(x).to_bits(), want, "tanh({x:e})");
            checked += 1;
        }
        assert!(checked > 4000, "fixture has {checked} lines");
    }

    /// Against the libm linked here: bit for bit on glibc x86-64 with FMA (the build the fixture
    /// was recorded from), within 1 ulp elsewhere.
    #[test]
    fn agrees_with_libm() {
        let exact = cfg!(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")) && {
            #[cfg(target_arch = "x86_64")]
            {
                std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("avx2")
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                false
            }
        };
        for v in inputs(400_000) {
            let (want, got) = (v.tanh(), tanh(v));
            if exact {
                assert_eq!(got.to_bits(), want.to_bits(), "tanh({v:e}): {got:e} vs libm {want:e}");
            } else {
                let ulps = (got.to_bits() as i64 - want.to_bits() as i64).abs();
                assert!(ulps <= 1, "tanh({v:e}): {ulps} ulp from libm");
            }
        }
        assert!(tanh(f64::NAN).is_nan());
    }

    #[test]
    fn hand_values_and_symmetry() {
        assert_eq!(tanh(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(tanh(1e-300), 1e-300);
        assert_eq!(tanh(30.0), 1.0);
        assert_eq!(tanh(f64::NEG_INFINITY), -1.0);
        // tanh(0.5) = (e − 1)/(e + 1) = 0.46211715726000974 (to 17 digits).
        assert!((tanh(0.5) - 0.462_117_157_260_009_74).abs() < 1e-16);
        for v in inputs(10_000) {
            assert_eq!(tanh(-v).to_bits(), (-tanh(v)).to_bits(), "odd at {v:e}");
        }
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        let x = inputs(50_000);
        let mut vectorised = vec![0.0; x.len()];
        tanh_into(&x, &mut vectorised);
        for (v, got) in x.iter().zip(&vectorised) {
            assert_eq!(got.to_bits(), tanh(*v).to_bits(), "tanh({v:e})");
        }
    }
}
