//! How a sweep shows its progress on stderr: a bar with its rate and ETA on a terminal, a plain
//! line now and then when stderr is a file or a pipe (a batch job's log), nothing when quiet.
//!
//! This is the shell of the sweep: it reads the wall clock for the rate and the ETA, and
//! nothing it reads reaches a result file.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a sweep tells its progress reporter.
pub trait Progress: Sync {
    /// `to_do` runs are about to start on `jobs` threads; `skipped` were already done.
    fn start(&self, to_do: u64, skipped: u64, jobs: usize);
    /// One more run finished.
    fn advance(&self);
    /// Every run finished (or the sweep stopped).
    fn finish(&self);
}

/// The reporter for a sweep: a bar, plain lines, or nothing.
pub enum Reporter {
    Hidden,
    Bar {
        bar: indicatif::ProgressBar,
        label: String,
    },
    Lines(Mutex<Lines>),
}

/// State of the plain-line reporter.
pub struct Lines {
    out: Box<dyn Write + Send>,
    label: String,
    to_do: u64,
    done: u64,
    started: Instant,
    last_done: u64,
    last_at: Instant,
}

/// A plain line is printed when at least this share of the runs has finished since the last
/// one …
const LINE_EVERY_FRACTION: u64 = 10; // 1/10: every 10 %
/// … and at least this much wall time has passed (whichever is rarer), and at the end.
const LINE_EVERY: Duration = Duration::from_secs(10);

/// Whether the plain-line reporter prints after `done` of `to_do` runs, the last line having
/// been printed at `last_done`, `since_last` ago.
pub fn line_due(done: u64, to_do: u64, last_done: u64, since_last: Duration) -> bool {
    done == to_do || ((done - last_done) * LINE_EVERY_FRACTION >= to_do && since_last >= LINE_EVERY)
}

impl Reporter {
    /// The one place that decides how progress shows: nothing with `--quiet`, a bar when stderr
    /// is a terminal, plain lines otherwise. `main` passes `std::io::stderr().is_terminal()`.
    pub fn new(label: &str, quiet: bool, stderr_is_terminal: bool) -> Reporter {
        Reporter::to(
            label,
            quiet,
            stderr_is_terminal,
            Box::new(std::io::stderr()),
        )
    }

    /// As `new`, with plain lines written to `out` (tests read them back).
    pub fn to(
        label: &str,
        quiet: bool,
        stderr_is_terminal: bool,
        out: Box<dyn Write + Send>,
    ) -> Reporter {
        if quiet {
            return Reporter::Hidden;
        }
        let now = Instant::now();
        if stderr_is_terminal {
            let bar = indicatif::ProgressBar::hidden();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {pos}/{len} runs, {rate} runs/s, eta {eta}",
                )
                .expect("valid template")
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1}", state.per_sec());
                    },
                )
                .progress_chars("=> "),
            );
            bar.set_message(label.to_string());
            return Reporter::Bar {
                bar,
                label: label.to_string(),
            };
        }
        Reporter::Lines(Mutex::new(Lines {
            out,
            label: label.to_string(),
            to_do: 0,
            done: 0,
            started: now,
            last_done: 0,
            last_at: now,
        }))
    }
}

/// `1h02m`, `3m05s`, `42s`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl Progress for Reporter {
    fn start(&self, to_do: u64, skipped: u64, jobs: usize) {
        let what = format!(
            "{to_do} run{} to do, {skipped} already done, {jobs} job{}",
            if to_do == 1 { "" } else { "s" },
            if jobs == 1 { "" } else { "s" }
        );
        match self {
            Reporter::Hidden => {}
            Reporter::Bar { bar, label } => {
                eprintln!("{label}: {what}");
                bar.set_length(to_do);
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.reset();
            }
            Reporter::Lines(lines) => {
                let mut l = lines.lock().expect("not poisoned");
                let now = Instant::now();
                l.to_do = to_do;
                l.started = now;
                l.last_at = now;
                let text = format!("{}: {what}\n", l.label);
                let _ = l.out.write_all(text.as_bytes());
                let _ = l.out.flush();
            }
        }
    }

    fn advance(&self) {
        match self {
            Reporter::Hidden => {}
            Reporter::Bar { bar, .. } => bar.inc(1),
            Reporter::Lines(lines) => {
                let mut l = lines.lock().expect("not poisoned");
                l.done += 1;
                let now = Instant::now();
                if !line_due(l.done, l.to_do, l.last_done, now - l.last_at) {
                    return;
                }
                let elapsed = now - l.started;
                let rate = l.done as f64 / elapsed.as_secs_f64().max(1e-3);
                let left = Duration::from_secs_f64((l.to_do - l.done) as f64 / rate.max(1e-9));
                let text = format!(
                    "{}: {}/{} runs ({} %), {rate:.1} runs/s, {} elapsed, {} left\n",
                    l.label,
                    l.done,
                    l.to_do,
                    l.done * 100 / l.to_do.max(1),
                    clock(elapsed),
                    clock(left)
                );
                l.last_done = l.done;
                l.last_at = now;
                let _ = l.out.write_all(text.as_bytes());
                let _ = l.out.flush();
            }
        }
    }

    fn finish(&self) {
        if let Reporter::Bar { bar, .. } = self {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A writer the test keeps a handle on.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_come_every_ten_percent_or_ten_seconds_whichever_is_rarer() {
        let s = Duration::from_secs;
        // 100 runs: 10 more done after 12 s → due; after 5 s → not yet; 9 more → not yet.
        assert!(line_due(20, 100, 10, s(12)));
        assert!(!line_due(20, 100, 10, s(5)));
        assert!(!line_due(19, 100, 10, s(60)));
        // The last run always prints.
        assert!(line_due(100, 100, 95, s(0)));
    }

    #[test]
    fn off_a_terminal_progress_is_plain_lines() {
        let out = Shared::default();
        let r = Reporter::to("sweep t", false, false, Box::new(out.clone()));
        assert!(matches!(r, Reporter::Lines(_)));
        r.start(3, 1, 2);
        for _ in 0..3 {
            r.advance();
        }
        r.finish();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "sweep t: 3 runs to do, 1 already done, 2 jobs");
        // Fast runs: only the final line, not one per run.
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[1].starts_with("sweep t: 3/3 runs (100 %), "),
            "{text}"
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
        assert!(matches!(
            Reporter::new("x", false, true),
            Reporter::Bar { .. }
        ));
        assert!(matches!(Reporter::new("x", true, true), Reporter::Hidden));
    }
}
