//! Kubernetes resource quantities ("500m", "1.5Gi", "2", "1e3"), parsed exactly.
//!
//! Follows `k8s.io/apimachinery/pkg/api/resource/quantity.go`: a signed decimal number and a
//! suffix that is binary SI (Ki … Ei), decimal SI (n u m "" k M G T P E) or a decimal exponent
//! (e3, E-2). The value is kept exact as a rational and converted with a ceiling, like
//! `MilliValue()` / `Value()`: CPU becomes integer millicores, memory integer bytes.

use std::fmt;

/// Why a quantity was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityError(pub String);

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An exact non-negative quantity: `mantissa × 10^exp10 × 2^exp2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exact {
    mantissa: u128,
    exp10: i32,
    exp2: u32,
}

impl Exact {
    /// `ceil(self × scale)` as an integer, or `None` on overflow.
    fn ceil_scaled(self, scale10: i32) -> Option<u128> {
        let mut num = self.mantissa.checked_mul(1u128.checked_shl(self.exp2)?)?;
        let e = self.exp10 + scale10;
        if e >= 0 {
            num = num.checked_mul(10u128.checked_pow(e as u32)?)?;
            Some(num)
        } else {
            let den = 10u128.checked_pow((-e) as u32);
            match den {
                Some(d) => Some(num.div_ceil(d)),
                // Dividing by more than 10^38 leaves at most 1 for any non-zero value.
                None => Some(u128::from(num > 0)),
            }
        }
    }
}

fn parse_exact(text: &str) -> Result<Exact, QuantityError> {
    let err = |why: &str| QuantityError(format!("invalid quantity {text:?}: {why}"));
    let s = text.trim();
    if s.is_empty() {
        return Err(err("empty"));
    }
    let (negative, s) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    // <number> ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(num_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return Err(err("expected a number such as 500m, 1.5, 2Gi"));
    }
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    let digits: String = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 36 {
        return Err(err("too many digits"));
    }
    let mantissa: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| err("bad number"))?
    };
    let mut exp10 = -(frac_part.len() as i32);
    let mut exp2 = 0u32;
    match suffix {
        "" => {}
        "n" => exp10 -= 9,
        "u" => exp10 -= 6,
        "m" => exp10 -= 3,
        "k" => exp10 += 3,
        "M" => exp10 += 6,
        "G" => exp10 += 9,
        "T" => exp10 += 12,
        "P" => exp10 += 15,
        "E" => exp10 += 18,
        "Ki" => exp2 = 10,
        "Mi" => exp2 = 20,
        "Gi" => exp2 = 30,
        "Ti" => exp2 = 40,
        "Pi" => exp2 = 50,
        "Ei" => exp2 = 60,
        _ => {
            // <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
            let exp = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .ok_or_else(|| {
                    let hint = match suffix {
                        "K" => " (kilo is a lower-case k: 1k = 1000; 1Ki = 1024)",
                        "mi" | "MI" | "mb" | "MB" => " (did you mean Mi?)",
                        "gi" | "GI" | "gb" | "GB" => " (did you mean Gi?)",
                        _ => "",
                    };
                    err(&format!("unknown suffix {suffix:?}{hint}"))
                })?;
            let e: i32 = exp
                .parse()
                .map_err(|_| err(&format!("bad exponent {exp:?}")))?;
            if !(-40..=40).contains(&e) {
                return Err(err("exponent out of range"));
            }
            exp10 += e;
        }
    }
    if negative && mantissa != 0 {
        return Err(err("negative quantities are not allowed here"));
    }
    Ok(Exact {
        mantissa,
        exp10,
        exp2,
    })
}

/// `ceil(quantity × 10^scale10)` as a non-negative `i64`-sized integer (Kubernetes keeps
/// quantities in an int64).
fn parse_scaled(text: &str, scale10: i32) -> Result<u64, QuantityError> {
    parse_exact(text)?
        .ceil_scaled(scale10)
        .and_then(|v| u64::try_from(v).ok())
        .filter(|v| *v <= i64::MAX as u64)
        .ok_or_else(|| QuantityError(format!("invalid quantity {text:?}: too large")))
}

/// CPU in integer millicores, rounded up like `Quantity.MilliValue()` ("0.1" → 100, "1n" → 1).
pub fn parse_cpu_millis(text: &str) -> Result<u64, QuantityError> {
    parse_scaled(text, 3)
}

/// Any quantity in integer milli-units, like `Quantity.MilliValue()` (metric targets).
pub fn parse_milli(text: &str) -> Result<u64, QuantityError> {
    parse_scaled(text, 3)
}

/// Any quantity in integer micro-units ("0.5m" → 500): fractions of a millicore per request.
pub fn parse_micro(text: &str) -> Result<u64, QuantityError> {
    parse_scaled(text, 6)
}

/// Memory (or any count) in integer bytes, rounded up like `Quantity.Value()` ("1.5Gi" →
/// 1610612736, "500m" → 1: a classic mistake, see `looks_like_milli_bytes`).
pub fn parse_bytes(text: &str) -> Result<u64, QuantityError> {
    parse_scaled(text, 0)
}

/// True for memory written with the milli suffix ("500m" is half a byte, not 500 MiB).
pub fn looks_like_milli_bytes(text: &str) -> bool {
    text.trim().ends_with('m')
}

pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;

/// Bytes as a short human string: "3.8 GiB", "650 MiB".
pub fn fmt_bytes(b: u64) -> String {
    if b >= GIB {
        format!("{:.1} GiB", b as f64 / GIB as f64)
    } else {
        format!("{} MiB", b.div_ceil(MIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_forms() {
        // Values from the Kubernetes docs and quantity_test.go: 0.5 CPU = 500m; 1.5 = 1500m.
        let cases = [
            ("500m", 500),
            ("0.5", 500),
            ("1", 1000),
            ("1.5", 1500),
            ("2", 2000),
            (".5", 500),
            ("1.", 1000),
            ("100m", 100),
            ("1n", 1),   // MilliValue rounds up: 1e-9 cores → 1m
            ("0.9n", 1), // 0.9n rounds up
            ("1e3", 1_000_000),
            ("1E3", 1_000_000),
            ("1k", 1_000_000),
            ("+1", 1000),
            ("0", 0),
            ("1500u", 2), // 1.5m → 2m, ceiling
        ];
        for (text, m) in cases {
            assert_eq!(parse_cpu_millis(text), Ok(m), "{text}");
        }
    }

    #[test]
    fn memory_forms() {
        let cases = [
            ("1Gi", 1 << 30),
            ("1.5Gi", 1_610_612_736), // 1.5 × 2^30
            ("128Mi", 128 << 20),
            ("1Ki", 1024),
            ("1k", 1000),
            ("1M", 1_000_000),
            ("1G", 1_000_000_000),
            ("1E", 1_000_000_000_000_000_000), // suffix E (exa) wins over the exponent form
            ("1e3", 1000),
            ("500m", 1), // half a byte, rounded up
            ("12e6", 12_000_000),
            ("0.5Ki", 512),
        ];
        for (text, b) in cases {
            assert_eq!(parse_bytes(text), Ok(b), "{text}");
        }
    }

    #[test]
    fn refusals_name_the_problem() {
        for (text, needle) in [
            ("1K", "lower-case k"),
            ("abc", "expected a number"),
            ("", "empty"),
            ("-1", "negative"),
            ("1.2.3", "expected a number"),
            ("5GB", "Gi"),
            ("1x", "unknown suffix"),
            ("1e", "bad exponent"),
        ] {
            let e = parse_bytes(text).unwrap_err().0;
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn huge_values_are_errors_not_overflow() {
        assert!(parse_bytes("99999999Ei").is_err());
        assert!(parse_cpu_millis("1e40").is_err());
    }

    proptest::proptest! {
        #[test]
        fn integer_millicores_round_trip(m in 0u64..10_000_000) {
            proptest::prop_assert_eq!(parse_cpu_millis(&format!("{m}m")), Ok(m));
            // m millicores as a decimal number of cores parses back to m.
            let cores = format!("{}.{:03}", m / 1000, m % 1000);
            proptest::prop_assert_eq!(parse_cpu_millis(&cores), Ok(m));
        }

        #[test]
        fn binary_suffixes_scale(n in 0u64..1_000_000) {
            proptest::prop_assert_eq!(parse_bytes(&format!("{n}Mi")), Ok(n << 20));
            proptest::prop_assert_eq!(parse_bytes(&format!("{n}Ki")), Ok(n << 10));
        }
    }
}
