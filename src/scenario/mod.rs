//! Scenarios: TOML text → raw structs with spans (`raw`) → a validated, typed `model::Scenario`.
//!
//! Loading is two-phase, like ripgrep's configuration: first as typed (serde, with
//! `deny_unknown_fields` so that typos fail), then validated (`validate`), where every semantic
//! error names the file, line, column and field. `--set` overrides are spliced into the text
//! first (`overrides`), so their errors name the argument and everything else keeps its line.

pub mod daemonsets;
pub mod error;
pub mod model;
pub mod overrides;
pub mod raw;
pub mod size;
pub mod validate;

use std::path::Path;

pub use error::{Diagnostic, ScenarioError, Severity};
pub use model::*;
pub use validate::actions::EVENT_FIELDS;

/// A validated scenario and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    /// Rendered warnings (file, line, caret), for the terminal.
    pub warnings: Vec<String>,
}

/// Reads and validates a scenario file, applying `--set` overrides.
pub fn load_file(path: &Path, sets: &[String]) -> Result<Loaded, ScenarioError> {
    let file = path.display().to_string();
    let bytes = read_at_most(path, 16 << 20)
        .map_err(|e| ScenarioError::whole_file(&file, format!("cannot read the scenario: {e}")))?
        .ok_or_else(|| {
            ScenarioError::whole_file(
                &file,
                "the scenario is larger than 16 MiB; is this the right file?",
            )
        })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ScenarioError::whole_file(
            &file,
            format!(
                "the scenario is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    load_str(&file, &text, sets)
}

/// The bytes of `path`, or `None` if it holds more than `limit`. Reading stops there: a size
/// taken from the file's metadata beforehand would be 0 for a device such as /dev/zero, which
/// never ends.
pub(crate) fn read_at_most(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// The text of `path`, read up to `limit` bytes (`read_at_most`): an error says when the file
/// is larger or not UTF-8. For the files aksim reads whole besides scenarios: sweep files and
/// `summary.json`s.
pub fn read_text_at_most(path: &Path, limit: u64) -> std::io::Result<String> {
    let bytes = read_at_most(path, limit)?.ok_or_else(|| {
        std::io::Error::other(format!(
            "larger than {} MiB; is this the right file?",
            limit >> 20
        ))
    })?;
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Validates scenario text; `file` is the name used in messages.
pub fn load_str(file: &str, original: &str, sets: &[String]) -> Result<Loaded, ScenarioError> {
    let (text, edits) = match overrides::apply(original, sets) {
        Ok(x) => x,
        Err(e) => {
            let mut err = ScenarioError::whole_file(file, e.message);
            err.located = vec![error::Location::Set { arg: e.arg }];
            return Err(err);
        }
    };
    let raw: raw::RawScenario = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            let mut d = Diagnostic::error(e.span(), "", e.message().trim_end().to_string());
            if let Some(h) = typo_hint(e.message()) {
                d = d.with_hint(h);
            }
            return Err(ScenarioError::new(file, original, &edits, vec![d]));
        }
    };
    // Files the scenario names (CSV traces) are relative to its folder.
    let base_dir = Path::new(file)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (scenario, diags) = validate::validate(file, &text, raw, base_dir);
    match scenario {
        Some(scenario) => {
            let warnings = diags
                .iter()
                .map(|d| error::render(file, d, &error::locate(original, &edits, d.span.clone())))
                .collect();
            Ok(Loaded { scenario, warnings })
        }
        None => Err(ScenarioError::new(file, original, &edits, diags)),
    }
}

/// For "unknown field `x`, expected one of `a`, `b`": the closest expected name.
pub(crate) fn typo_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (found, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let lower = found.to_ascii_lowercase();
    let normalized = lower.replace('-', "_");
    // Compared with `-` read as `_`; of two spellings of one key (`scan-interval`,
    // `scan_interval`) the one closer to what was typed wins.
    let distance = crate::api::catalogue::edit_distance;
    expected
        .iter()
        .map(|e| {
            let d = distance(&e.replace('-', "_"), &normalized);
            (d, distance(e, &lower), *e)
        })
        .filter(|(d, _, _)| *d <= 3)
        .min()
        .map(|(_, _, e)| format!("did you mean `{e}`?"))
}
