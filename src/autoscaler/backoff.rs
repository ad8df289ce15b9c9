//! Node-group backoff after a failed scale-up.
//!
//! Models upstream's `exponentialBackoff` (`utils/backoff/exponential_backoff.go`): the first
//! failure backs the group off for the initial duration (5 min); a failure after that backoff
//! has expired doubles the previous duration, up to the maximum (30 min), unless the last failure
//! is older than the reset timeout (3 h), which starts over at the initial duration. A failure
//! while the group is still backed off keeps the current duration and restarts the wait. A
//! scale-up whose nodes all registered removes the backoff entirely (`RemoveBackoff`).
//!
//! A failure at the very instant the backoff ends counts as after it (upstream tests
//! `backoffUntil.Before(now)`, strictly): on a real clock the next loop always starts a little
//! after the end, while the simulated scans land on it exactly, and with the strict test a
//! failing pool would never have its backoff doubled.

use crate::engine::{SimDuration, SimTime};

/// The backoff settings (`--initial-node-group-backoff-duration`, `--max-node-group-backoff-duration`,
/// `--node-group-backoff-reset-timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffSettings {
    pub initial: SimDuration,
    pub max: SimDuration,
    pub reset: SimDuration,
}

/// One node group's backoff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backoff {
    state: Option<State>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    duration: SimDuration,
    until: SimTime,
    last_failure: SimTime,
    reason: String,
}

impl Backoff {
    /// Records a failed scale-up at `now`; returns when the backoff ends.
    pub fn fail(&mut self, now: SimTime, s: BackoffSettings, reason: &str) -> SimTime {
        let duration = match &self.state {
            None => s.initial,
            Some(b) if b.until > now => b.duration,
            Some(b) if b.last_failure + s.reset < now => s.initial,
            Some(b) => SimDuration(b.duration.as_ms().saturating_mul(2)),
        }
        .min(s.max);
        let until = now + duration;
        self.state = Some(State {
            duration,
            until,
            last_failure: now,
            reason: reason.to_string(),
        });
        until
    }

    /// The group scaled up successfully: forget earlier failures.
    pub fn clear(&mut self) {
        self.state = None;
    }

    /// `Some((until, reason))` while the group is backed off at `now`.
    pub fn active(&self, now: SimTime) -> Option<(SimTime, &str)> {
        self.state
            .as_ref()
            .filter(|b| b.until > now)
            .map(|b| (b.until, b.reason.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: BackoffSettings = BackoffSettings {
        initial: SimDuration::from_mins(5),
        max: SimDuration::from_mins(30),
        reset: SimDuration::from_mins(180),
    };

    fn at(min: u64) -> SimTime {
        SimTime(min * 60_000)
    }

    #[test]
    fn doubles_from_five_to_thirty_minutes() {
        let mut b = Backoff::default();
        // Failures each right after the previous backoff ended: 5, 10, 20, 30 (capped), 30.
        let mut t = 0;
        let mut got = Vec::new();
        for _ in 0..5 {
            let until = b.fail(at(t), S, "x");
            got.push(until.since(at(t)).as_ms() / 60_000);
            t = until.as_ms() / 60_000;
        }
        assert_eq!(got, vec![5, 10, 20, 30, 30]);
    }

    #[test]
    fn active_until_the_end_then_free() {
        let mut b = Backoff::default();
        assert_eq!(b.active(at(0)), None);
        b.fail(at(0), S, "QuotaExceeded");
        assert_eq!(b.active(at(4)), Some((at(5), "QuotaExceeded")));
        assert_eq!(b.active(at(5)), None);
    }

    #[test]
    fn a_failure_during_backoff_does_not_double() {
        let mut b = Backoff::default();
        b.fail(at(0), S, "x");
        // Still backed off at 3 min: the duration stays 5 min, counted from now.
        assert_eq!(b.fail(at(3), S, "x"), at(8));
        // After it ends, the next failure doubles: 10 min.
        assert_eq!(b.fail(at(9), S, "x"), at(19));
    }

    #[test]
    fn resets_after_three_quiet_hours_and_on_success() {
        let mut b = Backoff::default();
        b.fail(at(0), S, "x");
        b.fail(at(6), S, "x"); // 10 min
        // 3 h after the last failure (and then some): back to 5 min.
        assert_eq!(b.fail(at(6 + 181), S, "x"), at(6 + 181 + 5));
        b.clear();
        assert_eq!(b.fail(at(200), S, "x"), at(205));
    }
}
