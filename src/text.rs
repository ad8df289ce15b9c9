//! Text from input shown on a terminal: control characters made visible.
//!
//! Names, paths, values and source lines come from scenario, sweep, trace and summary files
//! and from the command line. Printed raw, an ESC (`\u{1b}[2J`) clears the screen or recolours
//! it, a carriage return overwrites the line, a newline forges another line. `escape` writes
//! every C0 and C1 control character and DEL as a visible escape instead: `\n`, `\r`, `\t`,
//! `\u{1b}` (Rust's spelling). Everything aksim prints that holds such text goes through it:
//! diagnostics (`scenario::error::render`), `--explain` lines, `compare`'s table and the end
//! screens of `main.rs`.

use std::borrow::Cow;

/// `s` with each control character (C0, DEL, C1) replaced by a visible escape; borrowed when
/// there is none. The result holds no control character, so escaping it again changes nothing.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text of several lines (a message with its source line and hint) with each line escaped:
/// its line breaks kept, every other control character made visible.
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    if !s.contains(|c: char| c != '\n' && c.is_control()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(escape).collect::<Vec<_>>().join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        for (text, shown) in [
            ("web", "web"),
            ("\u{1b}[2J", "\\u{1b}[2J"),
            ("a\nb", "a\\nb"),
            ("a\r\nb", "a\\r\\nb"),
            ("a\tb", "a\\tb"),
            ("\0", "\\u{0}"),
            ("\u{7f}", "\\u{7f}"),
            // C1: CSI (U+009B) starts an escape sequence on some terminals.
            ("\u{9b}2J", "\\u{9b}2J"),
            // Printable text, including non-ASCII and backslashes, is left alone.
            ("é ✓ \\n", "é ✓ \\n"),
        ] {
            assert_eq!(escape(text), shown, "{text:?}");
            assert_eq!(escape(&escape(text)), shown, "escaping twice: {text:?}");
        }
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_keep_their_breaks() {
        assert_eq!(escape_lines("a\u{1b}\nb\rc\n"), "a\\u{1b}\nb\\rc\n");
        assert!(matches!(escape_lines("a\nb"), Cow::Borrowed(_)));
    }
}
