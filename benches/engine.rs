//! Raw throughput of the event kernel, `aksim::engine::EventQueue`, in the classic "hold" model:
//! the queue starts with a fixed number of pending events; each step pops the earliest one and
//! schedules a new one at `now + U(0, 1000) ms`, so the queue keeps its size. This is the work
//! the run loop does per event before the handler runs, and it is what the target
//! (≥ 20 million events per second on one core) is about.
//!
//! Run: `cargo bench --bench engine`. Throughput is reported in items (= events) per second.

use aksim::cluster::{NodeId, PodId};
use aksim::engine::{EventQueue, Phase, SimDuration, SimTime};
use aksim::world::Event;
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

/// Events processed per timed iteration.
const EVENTS: usize = 1_000_000;

/// Pending events in the steady state: about the queue size of a 1,000-node day.
const PENDING: usize = 1_000;

/// A payload shaped like `aksim::world::Event`: a handful of variants carrying `u32` ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SmallEvent {
    Action { index: u32 },
    NodeReady { node: u32, generation: u32 },
    PodStep { pod: u32, generation: u32 },
    SchedulerWake { generation: u32 },
    Sample,
}

impl Phase for SmallEvent {
    fn phase(&self) -> u8 {
        match self {
            SmallEvent::Action { .. } => 0,
            SmallEvent::NodeReady { .. } => 1,
            SmallEvent::PodStep { .. } => 2,
            SmallEvent::SchedulerWake { .. } => 3,
            SmallEvent::Sample => 9,
        }
    }
}

/// Marsaglia's xorshift64: enough randomness for delays, no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Builds one payload from random bits (variant from the low bits, ids from the high ones).
trait Payload: Phase + Sized {
    fn make(bits: u64) -> Self;
    /// A cheap fingerprint, folded into a checksum so that the compiler keeps the payload.
    fn tag(&self) -> u64;
}

impl Payload for SmallEvent {
    fn make(bits: u64) -> Self {
        let id = (bits >> 32) as u32;
        match bits % 8 {
            0 => SmallEvent::Action { index: id },
            1 | 2 => SmallEvent::NodeReady {
                node: id,
                generation: 1,
            },
            3..=5 => SmallEvent::PodStep {
                pod: id,
                generation: 2,
            },
            6 => SmallEvent::SchedulerWake { generation: id },
            _ => SmallEvent::Sample,
        }
    }
    fn tag(&self) -> u64 {
        match *self {
            SmallEvent::Action { index } => u64::from(index),
            SmallEvent::NodeReady { node, .. } => u64::from(node),
            SmallEvent::PodStep { pod, .. } => u64::from(pod),
            SmallEvent::SchedulerWake { generation } => u64::from(generation),
            SmallEvent::Sample => 9,
        }
    }
}

impl Payload for Event {
    fn make(bits: u64) -> Self {
        let id = (bits >> 32) as u32;
        match bits % 8 {
            0 => Event::Action { index: id },
            1 | 2 => Event::NodeReady {
                node: NodeId(id),
                generation: 1,
            },
            3..=5 => Event::PodStep {
                pod: PodId(id),
                generation: 2,
            },
            6 => Event::SchedulerWake {
                generation: u64::from(id),
            },
            _ => Event::Sample,
        }
    }
    fn tag(&self) -> u64 {
        match *self {
            Event::Action { index } => u64::from(index),
            Event::NodeReady { node, .. }
            | Event::NodeGone { node }
            | Event::NodeEviction { node, .. }
            | Event::NodeFailure { node, .. }
            | Event::NodeRepaired { node, .. }
            | Event::SpotEvict { node } => u64::from(node.0),
            Event::ZoneRecovered { zone } => u64::from(zone),
            Event::AutoscalerScan => 7,
            Event::PodStep { pod, .. } => u64::from(pod.0),
            Event::SchedulerWake { generation } => generation,
            Event::TraceArrival { trace } => u64::from(trace),
            Event::MetricsScrape => 4,
            Event::MetricsWindowStart => 6,
            Event::HpaSync => 5,
            Event::Sample => 9,
        }
    }
}

/// A queue holding `pending` events spread over the first second.
fn filled<E: Payload>(pending: usize, rng: &mut XorShift) -> EventQueue<E> {
    let mut q = EventQueue::new();
    for _ in 0..pending {
        let bits = rng.next();
        q.schedule(SimTime(bits % 1000), E::make(bits));
    }
    q
}

/// The hold model: `events` times, pop the earliest event and schedule one at `now + 0..1000 ms`.
fn hold<E: Payload>(q: &mut EventQueue<E>, rng: &mut XorShift, events: usize) -> u64 {
    let mut checksum = 0u64;
    for _ in 0..events {
        let ev = q.pop().expect("the hold model never empties the queue");
        checksum = checksum.wrapping_add(ev.time.as_ms() ^ ev.event.tag());
        let bits = rng.next();
        q.schedule(ev.time + SimDuration::from_ms(bits % 1000), E::make(bits));
    }
    checksum
}

fn bench_hold<E: Payload>(bencher: Bencher, pending: usize) {
    bencher
        .counter(ItemsCount::new(EVENTS))
        .with_inputs(|| {
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
            let q = filled::<E>(pending, &mut rng);
            (q, rng)
        })
        .bench_local_values(|(mut q, mut rng)| {
            let sum = hold(&mut q, &mut rng, EVENTS);
            // Returned, so that dropping the queue is not timed.
            (q, sum)
        });
}

/// A small `u32`-id enum as payload; the pending count is varied to show the heap's log n.
#[divan::bench(args = [100, PENDING, 10_000], sample_count = 20, sample_size = 1)]
fn hold_small_enum(bencher: Bencher, pending: usize) {
    bench_hold::<SmallEvent>(bencher, pending);
}

/// The simulation's own `aksim::world::Event` as payload (it carries a `u64` generation).
#[divan::bench(sample_count = 20, sample_size = 1)]
fn hold_sim_event(bencher: Bencher) {
    bench_hold::<Event>(bencher, PENDING);
}
