//! Text cells of aksim's CSV files, made safe to open in a spreadsheet.
//!
//! A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` as a formula (and some
//! strip a leading tab or carriage return first), so a name or value from a scenario or a
//! sweep file such as `=cmd|' /C calc'!A0` would run when the file is opened. Following
//! OWASP's guidance on CSV injection, such a cell is written with a leading `'`, which
//! spreadsheets show as text. Numbers keep their sign: `-2`, `-0.5` and `1e-3` stay numbers.
//! It is the one place for this rule, meant for every CSV writer of the crate.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `s` as a CSV cell: unchanged, unless it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return and is not a plain number, in which case it gets a leading `'`.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(FORMULA_START) && !is_plain_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A finite number in plain decimal or exponent notation: an optional sign, digits with at
/// most one `.` (at least one digit), an optional exponent (`e`, optional sign, digits). Not
/// `inf`, `NaN` or hexadecimal, which Rust's and spreadsheets' parsers read differently.
fn is_plain_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    // Digits only, so the value parses; an exponent too large for an f64 is not finite.
    mantissa_ok && exponent_ok && s.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_get_a_quote_and_numbers_stay_numbers() {
        for (cell, written) in [
            // Formulas, and text a spreadsheet would read as one.
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("=1+2", "'=1+2"),
            ("+SUM(1)", "'+SUM(1)"),
            ("@x", "'@x"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("+", "'+"),
            ("-inf", "'-inf"),
            ("+NaN", "'+NaN"),
            ("-0x10", "'-0x10"),
            ("-1e", "'-1e"),
            ("-.", "'-."),
            ("-1e999", "'-1e999"),
            ("-5m", "'-5m"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("+10000-01-01T00:00:00Z", "'+10000-01-01T00:00:00Z"),
            // Numbers, signed or not.
            ("-2", "-2"),
            ("-0.5", "-0.5"),
            ("+5", "+5"),
            ("-.5", "-.5"),
            ("-5.", "-5."),
            ("1e-3", "1e-3"),
            ("-1.5E+10", "-1.5E+10"),
            ("-0.0000", "-0.0000"),
            // Text that does not start a formula.
            ("5m", "5m"),
            ("Standard_D4s_v5", "Standard_D4s_v5"),
            ("a=b", "a=b"),
            (" =1", " =1"),
            ("'=1", "'=1"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), written, "{cell:?}");
        }
        assert!(matches!(csv_cell("-2"), Cow::Borrowed(_)));
    }
}
