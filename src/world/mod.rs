//! The World: the state every controller shares — the scenario, the event queue, the cluster
//! (the API server's objects), the cloud (Azure), kube-scheduler's queues and caches, the event
//! log, the cost meter and the run's statistics — and the operations on it that several
//! controllers perform in the same way: deleting a pod, creating a batch pod, waking the
//! scheduler, integrating each deployment's load up to now.
//!
//! No controller lives here, and the World never calls one: controllers act on the World and
//! call the controllers beneath them, one way down (ARCHITECTURE.md, "one way down").

mod event;
mod load;
mod pods;

pub use event::Event;
pub use load::DeploymentLoad;
use load::pod_capacity;

use crate::cloud::{Azure, Refusal};
use crate::cluster::{ClassId, Cluster, Owner, Pod, PodId, PodPhase, PoolId, ZONES, Zone};
use crate::engine::{EventQueue, RngStreams, SimTime};
use crate::observe::{CostMeter, DeploymentRow, Durations, EventLog, SampleRow};
use crate::scenario::Scenario;
use crate::scheduler::{Outcome, Scheduler};

/// Statistics gathered during a run, for `summary.json`.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub events_processed: u64,
    pub pods_created: u64,
    pub pods_deleted: u64,
    pub time_to_schedule: Durations,
    pub time_to_ready: Durations,
    /// ∫ pending pods dt, in pod-milliseconds (Kubernetes' Pending: unscheduled or starting).
    pub pending_pod_ms: u128,
    pub unschedulable_pod_ms: u128,
    pub peak_nodes_by_pool: Vec<u32>,
    pub peak_nodes_total: u32,
    pub nodes_created_by_pool: Vec<u32>,
    pub node_create_failures: Vec<(String, u64)>,
    pub image_backoff_pods: u64,
    pub spot_evictions: u64,
    /// Time from a pod's first Unschedulable to Running.
    pub unschedulable_to_running: Durations,
}

/// A zone outage and how the cluster came through it.
#[derive(Debug, Clone)]
pub struct OutageRecord {
    pub zone: u8,
    pub start: SimTime,
    pub end: SimTime,
    /// Nodes that went NotReady, and pods the node controller evicted from them.
    pub nodes: u32,
    pub pods_evicted: u32,
    /// Pending pods were seen after the outage began…
    pub pending_seen: bool,
    /// …and back to zero at this instant.
    pub pending_cleared_at: Option<SimTime>,
}

/// What a trace contributed to a run.
#[derive(Debug, Clone, Default)]
pub struct TraceStats {
    /// Rows that started running at least once.
    pub started: u64,
    pub(crate) ran: Vec<bool>,
    pub completed: u64,
    /// Pods evicted while running (their replacement starts over, as a Job's pod would).
    pub restarted: u64,
    /// Creation → first start.
    pub wait: Durations,
}

impl TraceStats {
    pub fn new(rows: usize) -> Self {
        TraceStats {
            ran: vec![false; rows],
            ..TraceStats::default()
        }
    }
}

/// The shared state of a run.
pub struct World {
    pub scenario: Scenario,
    pub queue: EventQueue<Event>,
    pub cluster: Cluster,
    /// Azure: VM creation and deletion, capacity, faults, prices.
    pub cloud: Azure,
    /// kube-scheduler: its queues, node order and caches (the cycle runs in
    /// `controllers::kube_scheduler`).
    pub scheduler: Scheduler,
    pub cost: CostMeter,
    pub log: EventLog,
    pub samples: Vec<SampleRow>,
    /// One row per deployment per sample.
    pub deployment_samples: Vec<DeploymentRow>,
    pub stats: Stats,
    /// Per deployment (not per trace): its load and replicas integrated over time.
    pub loads: Vec<DeploymentLoad>,
    /// Per trace: what happened to its pods.
    pub traces: Vec<TraceStats>,
    pub outages: Vec<OutageRecord>,
    /// Registered nodes whose Ready condition is False.
    pub unready_nodes: u32,
    /// True while placing the initial replicas of a warm start.
    pub warm: bool,
    pub end: SimTime,
    unscheduled: u32,
    starting: u32,
    last_integral: SimTime,
    /// The scheduler's pending wake-up: when, and its generation.
    wake: Option<(SimTime, u64)>,
    wake_generation: u64,
    /// The scheduler cycle's outcomes, kept between cycles.
    outcomes: Vec<Outcome>,
}

impl World {
    pub fn new(scenario: Scenario, streams: &RngStreams) -> Self {
        let cluster = Cluster::new(&scenario.cluster_spec());
        let pools = scenario.pools.len();
        let scheduler = Scheduler::new(scenario.scheduler.clone(), streams.stream("scheduler"));
        let log = EventLog::new(
            scenario.output.event_log,
            scenario.simulation.start_unix_ms,
            scenario.simulation.start_offset_secs,
        );
        World {
            queue: EventQueue::new(),
            cluster,
            cloud: Azure::new(&scenario.pools, streams),
            scheduler,
            cost: CostMeter::new(pools, ZONES),
            log,
            samples: Vec::new(),
            deployment_samples: Vec::new(),
            stats: Stats {
                peak_nodes_by_pool: vec![0; pools],
                nodes_created_by_pool: vec![0; pools],
                ..Stats::default()
            },
            loads: scenario
                .deployments
                .iter()
                .map(|d| DeploymentLoad {
                    cap_rps: pod_capacity(d),
                    peak_desired: d.replicas,
                    ..DeploymentLoad::default()
                })
                .collect(),
            traces: scenario
                .traces
                .iter()
                .map(|t| TraceStats::new(t.trace.pods.len()))
                .collect(),
            outages: Vec::new(),
            unready_nodes: 0,
            warm: false,
            end: SimTime(scenario.simulation.duration.as_ms()),
            unscheduled: 0,
            starting: 0,
            last_integral: SimTime::ZERO,
            wake: None,
            wake_generation: 0,
            outcomes: Vec::new(),
            scenario,
        }
    }

    pub(crate) fn integrate(&mut self, now: SimTime) {
        let dt = u128::from(now.since(self.last_integral).as_ms());
        self.stats.pending_pod_ms += u128::from(self.unscheduled + self.starting) * dt;
        self.stats.unschedulable_pod_ms += u128::from(self.unscheduled) * dt;
        self.last_integral = now;
    }

    pub(crate) fn pod_name(&self, pod: PodId) -> String {
        let p = self.cluster.pod(pod);
        if let Some(t) = self.trace_of(p) {
            return self.scenario.traces[t].trace.name(p.ordinal).to_string();
        }
        let Owner::Deployment(d) = p.owner;
        format!("{}-{}", self.cluster.deployments[d.idx()].name, p.ordinal)
    }

    /// Makes sure the scheduler runs at `at` (once, however many requests).
    /// Whether the scheduler wake-up of `generation` is the one pending (a later request may
    /// have replaced it); if so it is consumed.
    pub fn take_wake(&mut self, generation: u64) -> bool {
        if self.wake.is_some_and(|(_, g)| g == generation) {
            self.wake = None;
            true
        } else {
            false
        }
    }

    /// The buffer of the scheduler cycle's outcomes, empty, to fill and give back.
    pub fn take_outcomes(&mut self) -> Vec<Outcome> {
        let mut v = std::mem::take(&mut self.outcomes);
        v.clear();
        v
    }

    pub fn return_outcomes(&mut self, outcomes: Vec<Outcome>) {
        self.outcomes = outcomes;
    }

    pub(crate) fn wake_scheduler(&mut self, at: SimTime) {
        if self.wake.is_some_and(|(t, _)| t <= at) {
            return;
        }
        self.wake_generation += 1;
        self.wake = Some((at, self.wake_generation));
        self.queue.schedule(
            at,
            Event::SchedulerWake {
                generation: self.wake_generation,
            },
        );
    }

    pub(crate) fn track_peaks(&mut self) {
        let mut total = 0;
        for (i, p) in self.cluster.pools.iter().enumerate() {
            let n = p.nodes.len() as u32;
            total += n;
            self.stats.peak_nodes_by_pool[i] = self.stats.peak_nodes_by_pool[i].max(n);
        }
        self.stats.peak_nodes_total = self.stats.peak_nodes_total.max(total);
    }

    /// Pods not yet bound to a node, right now.
    pub fn unscheduled_pods(&self) -> u32 {
        self.unscheduled
    }

    /// Pods bound and not yet running (pulling images), right now.
    pub fn starting_pods(&self) -> u32 {
        self.starting
    }

    /// The trace a pod belongs to, if it is a batch pod.
    pub fn trace_of(&self, p: &Pod) -> Option<usize> {
        let Owner::Deployment(d) = p.owner;
        self.cluster.deployments[d.idx()].trace.map(|t| t as usize)
    }

    /// The scheduling queue gave up on a pod for the first time: remember when.
    pub fn mark_unschedulable(&mut self, pod: PodId, now: SimTime) {
        let p = &mut self.cluster.pods[pod.idx()];
        if p.unschedulable_at.is_none() {
            p.unschedulable_at = Some(now);
        }
    }

    /// A pod started running: if it had been unschedulable, record how long that took.
    pub fn record_unschedulable_wait(&mut self, pod: PodId, now: SimTime) {
        if let Some(t) = self.cluster.pod(pod).unschedulable_at {
            self.stats
                .unschedulable_to_running
                .push(now.since(t).as_ms());
        }
    }

    /// Whether Azure can create `count` more VMs in `pool` now, and in which zones.
    pub fn azure_check(&self, pool: usize, count: u32, now: SimTime) -> Result<Vec<Zone>, Refusal> {
        self.cloud
            .check(&self.cluster, &self.scenario.quotas, pool, count, now)
    }

    /// What Azure grants of a request for `count` VMs in `pool`.
    pub fn azure_grant(
        &self,
        pool: usize,
        count: u32,
        now: SimTime,
    ) -> (Vec<Zone>, Option<Refusal>) {
        self.cloud
            .grant(&self.cluster, &self.scenario.quotas, pool, count, now)
    }

    /// Whether pods of `class` pass the static filters on `pool` in `zone`, from the
    /// scheduler's cache of them.
    pub fn statically_fits(&mut self, class: ClassId, pool: usize, zone: Zone) -> bool {
        self.scheduler
            .statically_fits(&self.cluster, class, PoolId(pool as u32), zone)
    }

    /// Recounts everything kept incrementally (the cluster's sums and this run's pending
    /// counters) and panics on a mismatch: a broken invariant is a bug.
    pub fn check_invariants(&self) {
        self.cluster.check_invariants();
        let live = self
            .cluster
            .deployments
            .iter()
            .flat_map(|d| d.pods.iter())
            .map(|p| self.cluster.pod(*p));
        let (mut unscheduled, mut starting) = (0, 0);
        for p in live {
            match p.phase {
                PodPhase::Unscheduled => unscheduled += 1,
                PodPhase::Starting | PodPhase::ImagePullBackOff => starting += 1,
                _ => {}
            }
        }
        assert_eq!(
            (self.unscheduled, self.starting),
            (unscheduled, starting),
            "pending counters"
        );
        for p in &self.cluster.pools {
            assert!(
                p.nodes.len() <= crate::api::network::MAX_NODES_PER_POOL as usize,
                "pool {} over its limit",
                p.spec.name
            );
        }
    }
}
