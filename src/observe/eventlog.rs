//! The event log: one JSON object per line, in simulation order, every line with the simulated
//! time, the wall-clock time derived from the scenario's `start`, a `kind` and, for decisions,
//! a `reason`. Built by hand (fields in a fixed order) so that it is fast and diffs cleanly.

use crate::engine::SimTime;

/// A field value.
pub enum Field<'a> {
    Str(&'a str),
    Int(i64),
    Num(f64),
    /// Already JSON (an array or object built by the caller, or `null`).
    Raw(&'a str),
}

/// The JSONL buffer and a count per kind.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    pub enabled: bool,
    pub buf: String,
    pub lines: u64,
    start_unix_ms: i64,
    offset_secs: i32,
    /// The last second formatted, and its text: lines come in time order, many per second.
    last_clock: (u64, String),
}

impl EventLog {
    pub fn new(enabled: bool, start_unix_ms: i64, offset_secs: i32) -> Self {
        EventLog {
            enabled,
            buf: String::new(),
            lines: 0,
            start_unix_ms,
            offset_secs,
            last_clock: (u64::MAX, String::new()),
        }
    }

    /// The wall-clock time of a simulated instant, RFC 3339 in the scenario's UTC offset.
    pub fn wall_clock(&self, t: SimTime) -> String {
        wall_clock(self.start_unix_ms, self.offset_secs, t)
    }

    pub fn emit(&mut self, t: SimTime, kind: &str, fields: &[(&str, Field)]) {
        if !self.enabled {
            return;
        }
        use std::fmt::Write;
        let ms = t.as_ms();
        if self.last_clock.0 != ms / 1000 {
            self.last_clock = (ms / 1000, self.wall_clock(t));
        }
        let _ = write!(
            self.buf,
            "{{\"time_s\":{}.{:03},\"time\":\"{}\",\"kind\":\"{kind}\"",
            ms / 1000,
            ms % 1000,
            self.last_clock.1
        );
        for (k, v) in fields {
            let _ = write!(self.buf, ",\"{k}\":");
            match v {
                Field::Str(s) => push_json_str(&mut self.buf, s),
                Field::Raw(s) => self.buf.push_str(s),
                Field::Int(i) => {
                    let _ = write!(self.buf, "{i}");
                }
                Field::Num(x) => {
                    let _ = write!(
                        self.buf,
                        "{}",
                        if x.is_finite() {
                            format!("{x:.6}")
                        } else {
                            "null".into()
                        }
                    );
                }
            }
        }
        self.buf.push_str("}\n");
        self.lines += 1;
    }
}

pub fn wall_clock(start_unix_ms: i64, offset_secs: i32, t: SimTime) -> String {
    let ms = start_unix_ms + t.as_ms() as i64;
    let offset = chrono::FixedOffset::east_opt(offset_secs)
        .unwrap_or(chrono::FixedOffset::east_opt(0).expect("zero offset"));
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt
            .with_timezone(&offset)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => String::new(),
    }
}

/// Appends `s` as a JSON string literal.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_valid_json() {
        let mut log = EventLog::new(true, 1_767_571_200_000, 0); // 2026-01-05T00:00:00Z
        log.emit(
            SimTime(1_500),
            "pod_unschedulable",
            &[
                ("pod", Field::Str("web-\"1\"")),
                ("attempts", Field::Int(2)),
                ("x", Field::Num(0.5)),
            ],
        );
        let v: serde_json::Value = serde_json::from_str(log.buf.trim()).unwrap();
        assert_eq!(v["time_s"], 1.5);
        assert_eq!(v["time"], "2026-01-05T00:00:01Z");
        assert_eq!(v["pod"], "web-\"1\"");
        assert_eq!(v["attempts"], 2);
    }

    #[test]
    fn wall_clock_keeps_offset() {
        assert_eq!(
            wall_clock(1_767_571_200_000, 3600, SimTime(0)),
            "2026-01-05T01:00:00+01:00"
        );
    }
}
