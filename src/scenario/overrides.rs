//! `--set key=value`: overrides spliced into the scenario text before it is parsed.
//!
//! Splicing (rather than editing a parsed tree) keeps every other value's span, so an error
//! elsewhere still names its true line, and an error in an overridden value names the `--set`
//! argument. Paths are the TOML keys joined by dots; an array of tables is indexed by an
//! element's `name` or by its position: `simulation.seed`, `node_pool.win.max_count`,
//! `deployment.web.requests.cpu`, `node_pool.0.vm_size`. The value is TOML when it parses as
//! TOML (`7`, `true`, `["1","2"]`, `"x"`) and a plain string otherwise (`20s`, `Standard_D8s_v5`).

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// Text edits made by `--set`, to map positions in the edited text back to the file.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    /// (start in the edited text, length in the edited text, length it replaced, the argument)
    spans: Vec<(usize, usize, usize, String)>,
}

impl Edits {
    /// The position in the original text, or the `--set` argument whose value covers `pos`.
    pub fn to_original(&self, pos: usize) -> Result<usize, String> {
        let mut shift: isize = 0;
        for (start, new_len, old_len, arg) in &self.spans {
            if pos < *start {
                break;
            }
            if pos < start + new_len {
                return Err(arg.clone());
            }
            shift += *new_len as isize - *old_len as isize;
        }
        Ok((pos as isize - shift).max(0) as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Why an override could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideError {
    pub arg: String,
    pub message: String,
}

/// Splits `key=value`.
pub fn split_arg(arg: &str) -> Result<(String, String), OverrideError> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(OverrideError {
            arg: arg.to_string(),
            message: "expected KEY=VALUE, e.g. --set simulation.seed=7".into(),
        }),
    }
}

/// The TOML text of an override value.
/// TOML dates are kept as strings: scenario times are RFC 3339 strings.
fn value_text(raw: &str) -> String {
    if is_literal(raw) {
        raw.to_string()
    } else {
        toml::Value::String(raw.to_string()).to_string()
    }
}

/// Whether `raw` is written into the scenario as it is (a TOML value other than a date) rather
/// than as a string.
pub(crate) fn is_literal(raw: &str) -> bool {
    let probe = format!("v = {raw}");
    !raw.is_empty()
        && toml::from_str::<toml::Table>(&probe)
            .is_ok_and(|t| !matches!(t.get("v"), Some(toml::Value::Datetime(_))))
}

/// Why a key cannot be added to a table defined by dotted keys (`a.b = 1`).
const DOTTED: &str = "cannot add a key to a dotted-key table; write the key in the file";

enum Target {
    /// Replace this byte range with the value.
    Replace(Range<usize>),
    /// Insert `key = value` at this position; `inline` when inside `{ … }`.
    Insert {
        at: usize,
        inline: bool,
        empty: bool,
    },
}

fn resolve(text: &str, table: &DeTable, path: &[&str], full: &str) -> Result<Target, String> {
    let (head, rest) = path.split_first().expect("non-empty path");
    // Keys that accept both spellings (`metric-resolution`, `metric_resolution`) are one key:
    // an override replaces the file's value whichever spelling each uses.
    let same = |k: &str| k == *head || k.replace('_', "-") == head.replace('_', "-");
    let entry = table.iter().find(|(k, _)| same(k.get_ref().as_ref()));
    let Some((_, value)) = entry else {
        if rest.is_empty() {
            return Err(String::new()); // caller inserts
        }
        return Err(format!(
            "{full}: there is no table {head:?} here to set a key in; add it to the file first"
        ));
    };
    if rest.is_empty() {
        return match value.get_ref() {
            DeValue::Table(_) => Err(format!("{full} is a table, not a value")),
            DeValue::Array(items)
                if items
                    .iter()
                    .any(|i| matches!(i.get_ref(), DeValue::Table(_))) =>
            {
                Err(format!(
                    "{full} is an array of tables; name one element, e.g. {full}.0 or {full}.<name>"
                ))
            }
            _ => Ok(Target::Replace(value.span())),
        };
    }
    match value.get_ref() {
        DeValue::Table(t) => descend(text, t, value.span(), rest, full),
        DeValue::Array(items) => {
            let sel = rest[0];
            let chosen = if let Ok(i) = sel.parse::<usize>() {
                items.get(i)
            } else {
                items.iter().find(|it| match it.get_ref() {
                    DeValue::Table(t) => t.iter().any(|(k, v)| {
                        k.get_ref().as_ref() == "name"
                            && matches!(v.get_ref(), DeValue::String(s) if s.as_ref() == sel)
                    }),
                    _ => false,
                })
            };
            let Some(item) = chosen else {
                return Err(format!(
                    "{full}: no element {sel:?} in {head:?} (use its name or index)"
                ));
            };
            if rest.len() == 1 {
                return Err(format!("{full} names a whole element; add the key to set"));
            }
            match item.get_ref() {
                DeValue::Table(t) => descend(text, t, item.span(), &rest[1..], full),
                _ => Err(format!("{full}: {head}.{sel} is not a table")),
            }
        }
        _ => Err(format!("{full}: {head:?} is a value, not a table")),
    }
}

fn descend(
    text: &str,
    t: &DeTable,
    span: Range<usize>,
    rest: &[&str],
    full: &str,
) -> Result<Target, String> {
    match resolve(text, t, rest, full) {
        Err(e) if e.is_empty() => {
            // Missing key: insert after a `[header]` or inside `{ … }`.
            let snippet = &text[span.clone()];
            if snippet.starts_with('{') {
                let empty = t.is_empty();
                Ok(Target::Insert {
                    at: span.end - 1,
                    inline: true,
                    empty,
                })
            } else if snippet.starts_with('[') {
                Ok(Target::Insert {
                    at: span.end,
                    inline: false,
                    empty: false,
                })
            } else {
                Err(format!("{full}: {DOTTED}"))
            }
        }
        other => other,
    }
}

/// Applies the overrides in order. Returns the edited text and the edit map.
pub fn apply(text: &str, args: &[String]) -> Result<(String, Edits), OverrideError> {
    let mut current = text.to_string();
    // Records are (start, new_len, old_len, arg) in the coordinates of the final text.
    let mut spans: Vec<(usize, usize, usize, String)> = Vec::new();
    for arg in args {
        let (key, raw) = split_arg(arg)?;
        let fail = |message: String| OverrideError {
            arg: arg.clone(),
            message,
        };
        let path: Vec<&str> = key.split('.').collect();
        if path.iter().any(|p| p.is_empty()) {
            return Err(fail(format!(
                "{key:?} is not a key path like simulation.seed"
            )));
        }
        let value = value_text(&raw);
        let parsed = DeTable::parse(&current)
            .map_err(|e| fail(format!("the scenario does not parse: {}", e.message())))?;
        let target = match resolve(&current, parsed.get_ref(), &path, &key) {
            Ok(t) => t,
            Err(e) if e.is_empty() => {
                // A missing top-level key: only tables live at the top of a scenario.
                return Err(fail(format!(
                    "{key}: the top level holds tables, not values; e.g. simulation.{key}"
                )));
            }
            Err(e) => {
                if path.len() == 2 && e.contains("there is no table") {
                    // A whole missing top-level table, e.g. [scheduler]: append it.
                    let insert = format!("\n[{}]\n{} = {}\n", path[0], path[1], value);
                    let at = current.len();
                    record(&mut spans, at, insert.len(), 0, arg);
                    current.push_str(&insert);
                    continue;
                }
                if e.contains(DOTTED) {
                    // A table that exists only through its subtables' headers (the file has
                    // [autoscaler.priorities] but no [autoscaler]) may still get its own header,
                    // placed at the end; a table made by dotted keys may not, which the parse
                    // of the result tells apart.
                    let (key_name, table) = path.split_last().expect("non-empty path");
                    let insert = format!("\n[{}]\n{key_name} = {value}\n", table.join("."));
                    let mut appended = current.clone();
                    appended.push_str(&insert);
                    if DeTable::parse(&appended).is_ok() {
                        record(&mut spans, current.len(), insert.len(), 0, arg);
                        current = appended;
                        continue;
                    }
                }
                return Err(fail(e));
            }
        };
        let key_name = path.last().expect("non-empty path");
        let (at, old_len, insert) = match target {
            Target::Replace(r) => (r.start, r.len(), value.clone()),
            Target::Insert {
                at, inline: false, ..
            } => (at, 0, format!("\n{key_name} = {value}")),
            Target::Insert {
                at,
                inline: true,
                empty: true,
            } => (at, 0, format!(" {key_name} = {value} ")),
            Target::Insert {
                at,
                inline: true,
                empty: false,
            } => (at, 0, format!(", {key_name} = {value} ")),
        };
        record(&mut spans, at, insert.len(), old_len, arg);
        current.replace_range(at..at + old_len, &insert);
    }
    spans.sort_by_key(|s| s.0);
    Ok((current, Edits { spans }))
}

/// Records that `removed` bytes at `at` became `inserted` bytes attributed to `arg`. Earlier
/// edits after `at` move; an earlier edit inside the replaced bytes (the same key set twice) is
/// folded into this one so that positions still map back to the file.
fn record(
    spans: &mut Vec<(usize, usize, usize, String)>,
    at: usize,
    inserted: usize,
    removed: usize,
    arg: &str,
) {
    // An edit inside text an earlier `--set` added (a key into a table it appended) grows
    // that edit: positions there belong to both arguments.
    let enclosing = spans.iter().position(|s| {
        let (start, end) = (s.0, s.0 + s.1);
        let exact = at == start && removed == s.1;
        let before = at == start && removed == 0;
        start <= at && at + removed <= end && !exact && !before
    });
    if let Some(i) = enclosing {
        spans[i].1 = spans[i].1 + inserted - removed;
        if spans[i].3 != arg {
            spans[i].3 = format!("{} and --set {arg}", spans[i].3);
        }
        let end_before = at + removed;
        for (j, s) in spans.iter_mut().enumerate() {
            if j != i && s.0 >= end_before {
                s.0 = s.0 + inserted - removed;
            }
        }
        return;
    }
    let mut original_len = removed;
    spans.retain(|s| {
        let inside = s.0 >= at && s.0 + s.1 <= at + removed && removed > 0;
        if inside {
            original_len = original_len + s.2 - s.1;
        }
        !inside
    });
    for s in spans.iter_mut() {
        if s.0 >= at + removed {
            s.0 = s.0 + inserted - removed;
        }
    }
    spans.push((at, inserted, original_len, arg.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[simulation]\nname = \"q\"\nseed = 4\n\n[[node_pool]]\nname = \"sys\"\nvm_size = \"Standard_D4s_v5\"\n\n[[deployment]]\nname = \"web\"\nrequests = { cpu = \"500m\" }\n";

    fn set(args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        apply(DOC, &args).unwrap().0
    }

    #[test]
    fn replaces_existing_values() {
        let t = set(&["simulation.seed=9", "node_pool.sys.vm_size=Standard_D8s_v5"]);
        let v: toml::Table = toml::from_str(&t).unwrap();
        assert_eq!(v["simulation"]["seed"].as_integer(), Some(9));
        assert_eq!(
            v["node_pool"][0]["vm_size"].as_str(),
            Some("Standard_D8s_v5")
        );
    }

    #[test]
    fn inserts_missing_keys_and_tables() {
        let t = set(&[
            "simulation.start=2026-02-02T00:00:00Z",
            "deployment.web.requests.memory=1Gi",
            "node_pool.0.max_pods=50",
            "scheduler.pod_max_backoff=20s",
        ]);
        let v: toml::Table = toml::from_str(&t).unwrap();
        assert_eq!(
            v["simulation"]["start"].as_str(),
            Some("2026-02-02T00:00:00Z")
        );
        assert_eq!(
            v["deployment"][0]["requests"]["memory"].as_str(),
            Some("1Gi")
        );
        assert_eq!(v["node_pool"][0]["max_pods"].as_integer(), Some(50));
        assert_eq!(v["scheduler"]["pod_max_backoff"].as_str(), Some("20s"));
    }

    #[test]
    fn positions_map_back_to_the_file() {
        let args = vec!["simulation.name=a-much-longer-name".to_string()];
        let (t, edits) = apply(DOC, &args).unwrap();
        let orig = DOC.find("[[deployment]]").unwrap();
        let new = t.find("[[deployment]]").unwrap();
        assert_eq!(edits.to_original(new), Ok(orig));
        let val = t.find("a-much").unwrap();
        assert_eq!(edits.to_original(val), Err(args[0].clone()));
    }

    #[test]
    fn keys_set_into_an_appended_table_map_to_the_arguments() {
        // Regression (fuzzing): the first --set appends [scheduler], the second inserts into it;
        // positions in that text belong to the arguments, the rest still maps to the file.
        let doc = "[simulation]\nname = \"t\"\n#é\n";
        let args = vec![
            "scheduler.pod_max_backoff=x".to_string(),
            "scheduler.pod_initial_backoff=1s".to_string(),
        ];
        let (t, edits) = apply(doc, &args).unwrap();
        let v: toml::Table = toml::from_str(&t).unwrap();
        assert_eq!(v["scheduler"]["pod_max_backoff"].as_str(), Some("x"));
        assert_eq!(v["scheduler"]["pod_initial_backoff"].as_str(), Some("1s"));
        let x = t.find("\"x\"").unwrap();
        let owner = edits.to_original(x).unwrap_err();
        assert!(
            owner.contains("pod_max_backoff=x") && owner.contains("pod_initial_backoff=1s"),
            "{owner}"
        );
        assert_eq!(
            edits.to_original(t.find("#é").unwrap()),
            Ok(doc.find("#é").unwrap())
        );
    }

    #[test]
    fn keys_go_into_a_table_known_only_by_its_subtables() {
        // [autoscaler.priorities] defines [autoscaler] implicitly: the key gets its own header.
        let doc = "[simulation]\nname = \"q\"\n\n[autoscaler.priorities]\n10 = [\"a\"]\n";
        let args = vec!["autoscaler.scale-down-unneeded-time=5m".to_string()];
        let (t, edits) = apply(doc, &args).unwrap();
        let v: toml::Table = toml::from_str(&t).unwrap();
        assert_eq!(
            v["autoscaler"]["scale-down-unneeded-time"].as_str(),
            Some("5m")
        );
        assert_eq!(v["autoscaler"]["priorities"]["10"][0].as_str(), Some("a"));
        assert_eq!(
            edits.to_original(t.find("\"5m\"").unwrap()),
            Err(args[0].clone())
        );
        // A table made by dotted keys cannot be reopened with a header.
        let doc = "[simulation]\nname = \"q\"\nx.y = 1\n";
        let e = apply(doc, &["simulation.x.z=2".to_string()]).unwrap_err();
        assert!(e.message.contains("dotted-key table"), "{}", e.message);
    }

    #[test]
    fn bad_paths_are_explained() {
        let e = apply(DOC, &["node_pool.nope.count=3".to_string()]).unwrap_err();
        assert!(e.message.contains("no element \"nope\""), "{}", e.message);
        let e = apply(DOC, &["seed".to_string()]).unwrap_err();
        assert!(e.message.contains("KEY=VALUE"));
        let e = apply(DOC, &["node_pool=3".to_string()]).unwrap_err();
        assert!(e.message.contains("array of tables"), "{}", e.message);
    }
}
