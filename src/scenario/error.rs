//! Scenario errors and warnings, each pointing at a file, a line, a column and a field.
//!
//! Every problem found in a scenario is collected before giving up, so that a user fixes a file
//! in one pass. Positions come from TOML spans; a span inside a value given with `--set` is
//! reported against that `--set` argument instead of the file.

use std::fmt;
use std::ops::Range;

use super::overrides::Edits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding: where, which field, what is wrong and, when obvious, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Byte range in the (possibly `--set`-edited) scenario text.
    pub span: Option<Range<usize>>,
    /// The field, e.g. `node_pool "win".max_pods`.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(
        span: Option<Range<usize>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            span,
            field: field.into(),
            message: message.into(),
            hint: None,
        }
    }
    pub fn warning(
        span: Option<Range<usize>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, field, message)
        }
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Where a diagnostic points, resolved against the original file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File {
        line: usize,
        column: usize,
        line_text: String,
        len: usize,
    },
    Set {
        arg: String,
    },
    Nowhere,
}

/// A scenario that cannot be run. Maps to exit code 2.
#[derive(Debug, Clone)]
pub struct ScenarioError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
    pub(crate) located: Vec<Location>,
}

impl ScenarioError {
    pub fn new(file: &str, original: &str, edits: &Edits, diagnostics: Vec<Diagnostic>) -> Self {
        let located = diagnostics
            .iter()
            .map(|d| locate(original, edits, d.span.clone()))
            .collect();
        ScenarioError {
            file: file.to_string(),
            diagnostics,
            located,
        }
    }

    /// An error about the file as a whole (unreadable, not UTF-8).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            diagnostics: vec![Diagnostic::error(None, "", message)],
            located: vec![Location::Nowhere],
        }
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// The 1-based line of the first error, if it points into the file.
    pub fn first_line(&self) -> Option<usize> {
        self.diagnostics
            .iter()
            .zip(&self.located)
            .find(|(d, _)| d.severity == Severity::Error)
            .and_then(|(_, l)| match l {
                Location::File { line, .. } => Some(*line),
                _ => None,
            })
    }
}

/// Resolves a span of the edited text to a place in the original file or a `--set` argument.
pub fn locate(original: &str, edits: &Edits, span: Option<Range<usize>>) -> Location {
    let Some(span) = span else {
        return Location::Nowhere;
    };
    let start = match edits.to_original(span.start) {
        Ok(pos) => pos,
        Err(arg) => return Location::Set { arg },
    };
    let mut start = start.min(original.len());
    // A span may end inside a multi-byte character (seen with a file ending in "é").
    while !original.is_char_boundary(start) {
        start -= 1;
    }
    let line_start = original[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = original[start..]
        .find('\n')
        .map_or(original.len(), |i| start + i);
    let line = original[..start].matches('\n').count() + 1;
    let column = original[line_start..start].chars().count() + 1;
    let line_text = original[line_start..line_end]
        .trim_end_matches('\r')
        .to_string();
    let len = (span.end.saturating_sub(span.start))
        .min(line_end.saturating_sub(start))
        .max(1);
    Location::File {
        line,
        column,
        line_text,
        len,
    }
}

/// Renders one diagnostic the way rustc and toml do: a header, the line, a caret, a hint.
/// Every text in it is shown with its control characters escaped (`text::escape`): the file
/// name, the field, the message and the source line may all hold what the user wrote.
pub fn render(file: &str, d: &Diagnostic, loc: &Location) -> String {
    use crate::text::escape;
    let label = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let file = escape(file);
    let field = if d.field.is_empty() {
        String::new()
    } else {
        format!("{}: ", escape(&d.field))
    };
    let msg = escape(&d.message);
    let mut out = match loc {
        Location::File {
            line,
            column,
            line_text,
            len,
        } => {
            let gutter = line.to_string().len();
            // The caret sits under the span as the line is shown, escapes included.
            let start = line_text
                .char_indices()
                .nth(column - 1)
                .map_or(line_text.len(), |(i, _)| i);
            let mut end = (start + len).min(line_text.len());
            while !line_text.is_char_boundary(end) {
                end += 1;
            }
            let pad = escape(&line_text[..start]).chars().count();
            let carets = escape(&line_text[start..end]).chars().count().max(1);
            format!(
                "{label}: {file}:{line}:{column}: {field}{msg}\n{sp} |\n{line} | {shown}\n{sp} | {caret_pad}{carets}",
                sp = " ".repeat(gutter),
                shown = escape(line_text),
                caret_pad = " ".repeat(pad),
                carets = "^".repeat(carets),
            )
        }
        Location::Set { arg } => format!("{label}: --set {}: {field}{msg}", escape(arg)),
        Location::Nowhere => format!("{label}: {file}: {field}{msg}"),
    };
    if let Some(h) = &d.hint {
        out.push_str(&format!("\n  = hint: {}", escape(h)));
    }
    out
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (d, loc) in self.diagnostics.iter().zip(&self.located) {
            if !first {
                writeln!(f)?;
            }
            first = false;
            writeln!(f, "{}", render(&self.file, d, loc))?;
        }
        let n = self.errors().count();
        write!(
            f,
            "{}: {n} error{} in the scenario; nothing was run or written",
            crate::text::escape(&self.file),
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for ScenarioError {}
