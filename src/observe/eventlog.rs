//! The event log: one JSON object per line, in simulation order, every line with the simulated
//! time, the wall-clock time derived from the scenario's `start`, a `kind` and, for decisions,
//! a `reason`. Each line is written from a typed `Record` (`record.rs`), by hand (fields in a
//! fixed order, floats with six decimals) so that it is fast and diffs cleanly.
//!
//! The milestones among the records (`Record::is_milestone`: the autoscaler's decisions, the
//! HPA's rescales, the faults) are also kept typed beside the text, so that the page's
//! timeline reads them without parsing lines back.
//!
//! A tap (`set_tap`) sees every record and its line as it is emitted, even with the buffer
//! turned off; it only reads, so a run with a tap writes the same files as one without.

use crate::engine::SimTime;

use super::record::Record;

/// A function called with every event as it is emitted. `Send`, so that a tapped run can
/// still move between threads.
pub type Tap = Box<dyn FnMut(&Emitted<'_>) + Send>;

/// One event as a tap sees it.
pub struct Emitted<'a> {
    pub at: SimTime,
    /// `at` on the scenario's wall clock, as the line writes it (RFC 3339, to the second).
    pub time: &'a str,
    pub record: &'a Record<'a>,
    /// The JSON line, without its newline.
    pub line: &'a str,
}

/// The JSONL buffer and the number of lines in it.
#[derive(Debug, Default)]
pub struct EventLog {
    pub enabled: bool,
    pub buf: String,
    pub lines: u64,
    /// The milestones among the lines of `buf`, with their instants; taken with `buf`.
    pub milestones: Vec<(SimTime, Record<'static>)>,
    start_unix_ms: i64,
    offset_secs: i32,
    /// The last second formatted, and its text: lines come in time order, many per second.
    last_clock: (u64, String),
    tap: TapSlot,
}

/// The optional tap, in a field that can be printed (a closure cannot).
#[derive(Default)]
struct TapSlot(Option<Tap>);

impl std::fmt::Debug for TapSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Some(tap)"
        } else {
            "None"
        })
    }
}

impl EventLog {
    pub fn new(enabled: bool, start_unix_ms: i64, offset_secs: i32) -> Self {
        EventLog {
            enabled,
            buf: String::new(),
            lines: 0,
            milestones: Vec::new(),
            start_unix_ms,
            offset_secs,
            last_clock: (u64::MAX, String::new()),
            tap: TapSlot(None),
        }
    }

    /// Calls `tap` with every event emitted from now on, whether or not the buffer is enabled.
    /// It replaces any previous tap.
    pub fn set_tap(&mut self, tap: Tap) {
        self.tap = TapSlot(Some(tap));
    }

    /// The wall-clock time of a simulated instant, RFC 3339 in the scenario's UTC offset.
    pub fn wall_clock(&self, t: SimTime) -> String {
        wall_clock(self.start_unix_ms, self.offset_secs, t)
    }

    /// Appends the record's line (when enabled) and shows it to the tap (when there is one).
    /// With neither, it returns before formatting anything.
    #[inline]
    pub fn emit(&mut self, t: SimTime, record: Record<'_>) {
        if !self.enabled && self.tap.0.is_none() {
            return;
        }
        self.write(t, &record);
        if self.enabled && record.is_milestone() {
            self.milestones.push((t, record.into_owned()));
        }
    }

    fn write(&mut self, t: SimTime, record: &Record<'_>) {
        use std::fmt::Write;
        // Without the buffer the line is formatted in its spare capacity and cut off again.
        let start = self.buf.len();
        let ms = t.as_ms();
        if self.last_clock.0 != ms / 1000 {
            self.last_clock = (ms / 1000, self.wall_clock(t));
        }
        let kind = record.kind();
        let _ = write!(
            self.buf,
            "{{\"time_s\":{}.{:03},\"time\":\"{}\",\"kind\":\"{kind}\"",
            ms / 1000,
            ms % 1000,
            self.last_clock.1
        );
        record.write_fields(&mut self.buf);
        self.buf.push('}');
        if let Some(tap) = &mut self.tap.0 {
            tap(&Emitted {
                at: t,
                time: &self.last_clock.1,
                record,
                line: &self.buf[start..],
            });
        }
        if self.enabled {
            self.buf.push('\n');
            self.lines += 1;
        } else {
            self.buf.truncate(start);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_valid_json() {
        let mut log = EventLog::new(true, 1_767_571_200_000, 0); // 2026-01-05T00:00:00Z
        log.emit(
            SimTime(1_500),
            Record::PodUnschedulable {
                pod: "web-\"1\"".into(),
                attempts: 2,
                reason: "0/3 nodes are available\n".into(),
            },
        );
        let v: serde_json::Value = serde_json::from_str(log.buf.trim()).unwrap();
        assert_eq!(v["time_s"], 1.5);
        assert_eq!(v["time"], "2026-01-05T00:00:01Z");
        assert_eq!(v["kind"], "pod_unschedulable");
        assert_eq!(v["pod"], "web-\"1\"");
        assert_eq!(v["attempts"], 2);
        assert_eq!(v["reason"], "0/3 nodes are available\n");
    }

    /// Emits two lines into `log`; returns what its tap saw.
    fn tapped(mut log: EventLog) -> (EventLog, Vec<(u64, String, String)>) {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        log.set_tap(Box::new(move |e: &Emitted| {
            sink.lock().unwrap().push((
                e.at.as_ms(),
                format!("{} {}", e.time, e.record.kind()),
                e.line.to_string(),
            ))
        }));
        log.emit(SimTime(0), Record::NodeReadyAgain { node: "n0".into() });
        log.emit(
            SimTime(2_500),
            Record::PodReady {
                pod: "web-0".into(),
            },
        );
        let seen = seen.lock().unwrap().clone();
        (log, seen)
    }

    #[test]
    fn the_tap_sees_exactly_the_lines_of_the_buffer() {
        let (log, seen) = tapped(EventLog::new(true, 1_767_571_200_000, 0));
        let lines: Vec<&str> = log.buf.lines().collect();
        assert_eq!(log.lines, 2);
        assert_eq!(seen.len(), 2);
        assert_eq!(
            (seen[1].0, seen[1].1.as_str()),
            (2_500, "2026-01-05T00:00:02Z pod_ready")
        );
        for (line, (_, _, tapped)) in lines.iter().zip(&seen) {
            assert_eq!(line, tapped);
        }
    }

    #[test]
    fn the_tap_runs_with_the_buffer_off_and_leaves_it_empty() {
        let (log, seen) = tapped(EventLog::new(false, 1_767_571_200_000, 0));
        assert_eq!((log.buf.as_str(), log.lines), ("", 0));
        assert_eq!(
            seen[1].2,
            r#"{"time_s":2.500,"time":"2026-01-05T00:00:02Z","kind":"pod_ready","pod":"web-0"}"#
        );
    }

    #[test]
    fn milestones_are_kept_typed_only_with_the_buffer() {
        let outage = Record::ZoneOutage {
            zone: 2,
            nodes: 3,
            until: "later".into(),
        };
        let mut log = EventLog::new(true, 1_767_571_200_000, 0);
        log.emit(
            SimTime(0),
            Record::PodReady {
                pod: "web-0".into(),
            },
        );
        log.emit(SimTime(1_000), outage.clone());
        assert_eq!(log.milestones, vec![(SimTime(1_000), outage.clone())]);
        let (mut off, _) = tapped(EventLog::new(false, 1_767_571_200_000, 0));
        off.emit(SimTime(1_000), outage);
        assert!(off.milestones.is_empty());
    }

    #[test]
    fn wall_clock_keeps_offset() {
        assert_eq!(
            wall_clock(1_767_571_200_000, 3600, SimTime(0)),
            "2026-01-05T01:00:00+01:00"
        );
    }
}
