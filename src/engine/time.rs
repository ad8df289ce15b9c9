//! Simulated time: `SimTime` is milliseconds since the scenario start, `SimDuration` a span of
//! milliseconds. Integers only, so equal instants compare equal and nothing drifts.
//!
//! Durations are written the Go way (`time.ParseDuration`: "90s", "10m", "1h30m", "1.5h",
//! "500ms"), plus `d` (24 h) and `w` (7 d) as extensions for long simulations. Negative
//! durations are rejected: nothing in a scenario can last less than nothing.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant: milliseconds since the scenario's `start`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn as_ms(self) -> u64 {
        self.0
    }

    /// Seconds as a float, for reports only (never for decisions).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// The span from `earlier` to `self`; zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// `HH:MM:SS` from the start, with a day prefix past 24 h (`2d 03:10:00`).
    pub fn clock(self) -> String {
        let s = self.0 / 1000;
        let (d, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
        if d > 0 {
            format!("{d}d {h:02}:{m:02}:{sec:02}")
        } else {
            format!("{h:02}:{m:02}:{sec:02}")
        }
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_ms(ms: u64) -> Self {
        SimDuration(ms)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * 1000)
    }
    pub const fn from_mins(m: u64) -> Self {
        SimDuration(m * 60_000)
    }
    pub fn as_ms(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}
impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, o: SimTime) -> SimDuration {
        self.since(o)
    }
}

impl fmt::Display for SimDuration {
    /// Go's form: `1h30m0s`, `10m0s`, `90ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            return write!(f, "0s");
        }
        if ms < 1000 {
            return write!(f, "{ms}ms");
        }
        let (h, m, s, rest) = (
            ms / 3_600_000,
            (ms / 60_000) % 60,
            (ms / 1000) % 60,
            ms % 1000,
        );
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if h > 0 || m > 0 {
            write!(f, "{m}m")?;
        }
        if rest == 0 {
            write!(f, "{s}s")
        } else {
            let frac = format!("{rest:03}");
            write!(f, "{s}.{}s", frac.trim_end_matches('0'))
        }
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(pub String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a Go-style duration ("90s", "1h30m", "1.5h", "250ms", "0") plus `d` and `w`.
/// Sub-millisecond parts are rounded up so that a non-zero duration never becomes zero.
pub fn parse_duration(text: &str) -> Result<SimDuration, DurationError> {
    let s = text.trim();
    let err = |why: &str| {
        DurationError(format!(
            "invalid duration {text:?}: {why} (write it like \"90s\", \"10m\", \"1h30m\", \"1.5h\" or \"500ms\")"
        ))
    };
    if s.is_empty() {
        return Err(err("empty"));
    }
    if s.starts_with('-') {
        return Err(err("negative durations are not allowed"));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Ok(SimDuration::ZERO);
    }
    // Total in nanoseconds as u128 so "1.5h" and "0.001ms" stay exact.
    let mut total_ns: u128 = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number = &s[start..i];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(err("expected a number"));
        }
        let ustart = i;
        while i < bytes.len() && !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let unit = s[ustart..i].trim();
        let unit_ns: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 604_800_000_000_000,
            "" => return Err(err("missing unit")),
            _ => return Err(err(&format!("unknown unit {unit:?}"))),
        };
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| err("number too large"))?
        };
        let mut part = int.checked_mul(unit_ns).ok_or_else(|| err("too large"))?;
        if !frac_part.is_empty() {
            // 18 fraction digits are below a nanosecond of a week and keep the product in u128.
            let digits = frac_part.len().min(18) as u32;
            let frac: u128 = frac_part[..digits as usize]
                .parse()
                .map_err(|_| err("bad fraction"))?;
            let scale = 10u128.pow(digits);
            part += (frac * unit_ns).div_ceil(scale);
        }
        total_ns = total_ns.checked_add(part).ok_or_else(|| err("too large"))?;
    }
    let ms = total_ns.div_ceil(1_000_000);
    // A century of simulated time is far beyond any sane scenario and keeps sums in u64.
    if ms > 100 * 365 * 86_400_000 {
        return Err(err("longer than 100 years"));
    }
    Ok(SimDuration(ms as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_forms_parse() {
        let cases = [
            ("90s", 90_000),
            ("10m", 600_000),
            ("1h30m", 5_400_000),
            ("1h30m0s", 5_400_000),
            ("1.5h", 5_400_000),
            ("500ms", 500),
            ("0", 0),
            ("0s", 0),
            ("2d", 172_800_000),
            ("1w", 604_800_000),
            ("1m30s", 90_000),
            (".5s", 500),
            ("1us", 1), // rounded up to a whole millisecond
            ("+5s", 5_000),
            // Regression: a 30-digit fraction overflowed (fuzzing); extra digits are ignored.
            ("0.999999999999999999999999999999w", 604_800_000),
        ];
        for (text, ms) in cases {
            assert_eq!(parse_duration(text), Ok(SimDuration(ms)), "{text}");
        }
    }

    #[test]
    fn bad_forms_are_refused() {
        for text in ["", "-5s", "1m30", "1H", "abc", "5", "1..5s", "s"] {
            assert!(parse_duration(text).is_err(), "{text} should fail");
        }
    }

    #[test]
    fn display_is_go_form() {
        assert_eq!(SimDuration(5_400_000).to_string(), "1h30m0s");
        assert_eq!(SimDuration(600_000).to_string(), "10m0s");
        assert_eq!(SimDuration(1_500).to_string(), "1.5s");
        assert_eq!(SimDuration(90).to_string(), "90ms");
        assert_eq!(SimDuration(0).to_string(), "0s");
    }

    #[test]
    fn clock_shows_days() {
        assert_eq!(SimTime(3_723_000).clock(), "01:02:03");
        assert_eq!(SimTime(90_000_000).clock(), "1d 01:00:00");
    }
}
