//! Everything that can happen in a run: one closed enum, each variant carrying ids and
//! generations, never references, with its phase among the events of the same instant.

use crate::cluster::{NodeId, PodId};
use crate::engine::Phase;

/// Everything that can happen. Variants carry ids and generations, never references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The `index`-th timed action of the scenario.
    Action { index: u32 },
    /// A node's VM is up and the node registers Ready.
    NodeReady { node: NodeId, generation: u32 },
    /// A draining node's last pod has stopped: its VM is deleted. Deleting is terminal, so
    /// the event needs no generation (a fault during the drain changes the node's).
    NodeGone { node: NodeId },
    /// A pod's next lifecycle step is due (image pulled, ready, terminated).
    PodStep { pod: PodId, generation: u32 },
    /// The scheduler runs its queue.
    SchedulerWake { generation: u64 },
    /// The next pods of the `trace`-th `[[pod_trace]]` are due.
    TraceArrival { trace: u32 },
    /// metrics-server samples every deployment's usage.
    MetricsScrape,
    /// The averaging window of the next scrape opens (only when it is shorter than the
    /// resolution).
    MetricsWindowStart,
    /// The HPA controller syncs every HPA.
    HpaSync,
    /// The Cluster Autoscaler's loop.
    AutoscalerScan,
    /// A node has been NotReady for the pods' not-ready toleration: evict them. `since_ms`
    /// is when it turned NotReady (a later recovery makes the event stale).
    NodeEviction { node: NodeId, since_ms: u64 },
    /// A node's VM fails. `epoch` is the node's VM epoch when the failure was drawn: a
    /// failure or repair since then makes it stale.
    NodeFailure { node: NodeId, epoch: u32 },
    /// Node auto-repair brings a failed VM back.
    NodeRepaired { node: NodeId, epoch: u32 },
    /// Azure evicts a spot VM (at the pool's eviction rate).
    SpotEvict { node: NodeId },
    /// A zone outage ends.
    ZoneRecovered { zone: u8 },
    /// Record one row per pool and zone.
    Sample,
}

impl Phase for Event {
    fn phase(&self) -> u8 {
        match self {
            Event::Action { .. } | Event::TraceArrival { .. } | Event::ZoneRecovered { .. } => 0,
            Event::NodeReady { .. }
            | Event::NodeGone { .. }
            | Event::NodeEviction { .. }
            | Event::NodeFailure { .. }
            | Event::NodeRepaired { .. }
            | Event::SpotEvict { .. } => 1,
            Event::PodStep { .. } => 2,
            Event::SchedulerWake { .. } => 3,
            Event::MetricsScrape | Event::MetricsWindowStart => 4,
            Event::HpaSync => 5,
            Event::AutoscalerScan => 6,
            Event::Sample => 9,
        }
    }
}
