//! The pending-event set, ordered by `(time, phase, seq)`.
//!
//! `phase` is the fixed order of components that fire at the same instant (see ARCHITECTURE.md,
//! "Same-instant order"); `seq` is a global counter, so events of one phase at one instant run in
//! the order they were scheduled (FIFO). The queue holds timers and in-flight transitions only, so
//! it stays small and a binary heap is the right structure (see the engine benchmark).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

/// The same-instant rank of an event: lower runs first.
pub trait Phase {
    fn phase(&self) -> u8;
}

/// An event together with the instant it fires at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled<E> {
    pub time: SimTime,
    pub event: E,
}

struct Entry<E> {
    time: SimTime,
    /// `phase << 56 | seq`: one comparison orders phase, then insertion.
    order: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.order == other.order
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.order).cmp(&(self.time, self.order))
    }
}

const SEQ_BITS: u32 = 56;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

/// A priority queue of future events. Popping never goes back in time: scheduling an event
/// before the last popped instant is a bug in the caller and panics.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    now: SimTime,
}

impl<E: Phase> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Phase> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The instant of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`, which must not be in the past.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        assert!(
            time >= self.now,
            "event scheduled in the past: {time:?} < {:?}",
            self.now
        );
        let phase = u64::from(event.phase());
        assert!(phase < 256, "phase out of range");
        self.seq += 1;
        let order = (phase << SEQ_BITS) | (self.seq & SEQ_MASK);
        self.heap.push(Entry { time, order, event });
    }

    /// The instant of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes and returns the next event, advancing `now`.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let e = self.heap.pop()?;
        debug_assert!(e.time >= self.now);
        self.now = e.time;
        Some(Scheduled {
            time: e.time,
            event: e.event,
        })
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    struct Ev(u8, &'static str);
    impl Phase for Ev {
        fn phase(&self) -> u8 {
            self.0
        }
    }

    #[test]
    fn orders_by_time_then_phase_then_insertion() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(20), Ev(0, "late"));
        q.schedule(SimTime(10), Ev(5, "sample"));
        q.schedule(SimTime(10), Ev(1, "first-a"));
        q.schedule(SimTime(10), Ev(1, "first-b"));
        q.schedule(SimTime(10), Ev(0, "action"));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|s| s.event.1).collect();
        assert_eq!(order, ["action", "first-a", "first-b", "sample", "late"]);
    }

    #[test]
    fn now_follows_pops() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(7), Ev(0, "x"));
        assert_eq!(q.peek_time(), Some(SimTime(7)));
        q.pop();
        assert_eq!(q.now(), SimTime(7));
        assert!(q.is_empty());
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn scheduling_in_the_past_panics() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(7), Ev(0, "x"));
        q.pop();
        q.schedule(SimTime(6), Ev(0, "y"));
    }
}
