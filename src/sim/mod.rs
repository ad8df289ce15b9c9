//! The simulation: owns every piece of state, pops events in order and handles each in one
//! `match` over the closed `Event` enum. Handlers decide with pure functions (the scheduler's
//! filters and scores, the ReplicaSet ranking) and apply the result to the cluster.
//!
//! Same-instant order (the `phase` of each event, an Architecture Invariant): scenario actions
//! and trace arrivals, then node transitions, then pod transitions, then the scheduler, then
//! metrics-server's scrape, then the HPA sync, then sampling — so a sample sees everything that
//! happened at its instant. The Cluster Autoscaler will slot in before sampling. Loads, scrapes,
//! the HPA and trace pods are in `workload.rs`.

mod autoscaler;
mod faults;
mod workload;

use std::cmp::Reverse;

pub use autoscaler::{CaState, OutageRecord, PoolCa};

pub use workload::{DeploymentRun, HpaRun, Scrape, TraceStats};

use crate::cluster::{
    Cluster, DeploymentId, NodeId, NodeState, Os, Owner, PodId, PodPhase, PoolId, ZONES,
};
use crate::engine::rng::Stream;
use crate::engine::{EventQueue, Phase, RngStreams, SimDuration, SimTime};
use crate::observe::cost::micro_per_hour;
use crate::observe::record::{NodeCreation, Record};
use crate::observe::{CostMeter, Durations, EventLog, SampleRow};
use crate::scenario::{Action, Scenario};
use crate::scheduler::{Outcome, Scheduler};

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

/// A run that could not finish. Maps to exit code 1; the message names the seed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SimError {
    /// More events than `simulation.max_events`: a runaway loop, or a scenario too large.
    #[error(
        "the run stopped after {limit} events at {clock} (last event: {event}); raise simulation.max_events if the scenario is really this large (seed {seed})"
    )]
    EventLimit {
        limit: u64,
        clock: String,
        event: String,
        seed: u64,
    },
    /// The shell's observer of the run failed (an output file could not be written).
    #[error("{0}")]
    Observer(String),
    /// Too many events at one instant: a zero-delay loop in the model.
    #[error(
        "more than {limit} events at the same instant {clock} (last event: {event}): a zero-delay loop (seed {seed})"
    )]
    InstantLimit {
        limit: u64,
        clock: String,
        event: String,
        seed: u64,
    },
}

/// Events allowed at one simulated instant before the run is declared stuck.
pub const MAX_EVENTS_PER_INSTANT: u64 = 10_000_000;

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
}

/// The simulation state.
pub struct Sim {
    pub scenario: Scenario,
    pub queue: EventQueue<Event>,
    pub cluster: Cluster,
    pub scheduler: Scheduler,
    pub cost: CostMeter,
    pub log: EventLog,
    pub samples: Vec<SampleRow>,
    pub stats: Stats,
    pool_rngs: Vec<Stream>,
    price_micro: Vec<u64>,
    wake: Option<(SimTime, u64)>,
    wake_generation: u64,
    unscheduled: u32,
    starting: u32,
    last_integral: SimTime,
    outcomes: Vec<Outcome>,
    /// True while placing the initial replicas of a warm start.
    warm: bool,
    /// Per deployment (not per trace): load, replicas over time, the HPA.
    pub runs: Vec<DeploymentRun>,
    /// Per trace: the next row to create, and what happened to its pods.
    trace_cursor: Vec<usize>,
    pub trace_stats: Vec<TraceStats>,
    /// One row per deployment per sample.
    pub deployment_samples: Vec<crate::observe::DeploymentRow>,
    hpa_scratch: workload::HpaScratch,
    /// The Cluster Autoscaler's state, and the faults it deals with.
    pub ca: CaState,
    /// Per pool: node failures and spot evictions.
    fault_rngs: Vec<Stream>,
    pub end: SimTime,
}

impl Sim {
    pub fn new(scenario: Scenario) -> Self {
        let streams = RngStreams::new(scenario.simulation.seed);
        let cluster = Cluster::new(&scenario);
        let pools = scenario.pools.len();
        let pool_rngs = scenario
            .pools
            .iter()
            .map(|p| streams.stream(&format!("provisioning/{}", p.name)))
            .collect();
        let price_micro = scenario
            .pools
            .iter()
            .map(|p| micro_per_hour(p.price_per_hour))
            .collect();
        let scheduler = Scheduler::new(scenario.scheduler.clone(), streams.stream("scheduler"));
        let fault_rngs = scenario
            .pools
            .iter()
            .map(|p| streams.stream(&format!("faults/{}", p.name)))
            .collect();
        let ca = CaState::new(
            pools,
            scenario.pools.iter().any(|p| p.enable_auto_scaling),
            streams.stream("autoscaler/expander"),
        );
        let log = EventLog::new(
            scenario.output.event_log,
            scenario.simulation.start_unix_ms,
            scenario.simulation.start_offset_secs,
        );
        let end = SimTime(scenario.simulation.duration.as_ms());
        Sim {
            queue: EventQueue::new(),
            cluster,
            scheduler,
            cost: CostMeter::new(pools, ZONES),
            log,
            samples: Vec::new(),
            stats: Stats {
                peak_nodes_by_pool: vec![0; pools],
                nodes_created_by_pool: vec![0; pools],
                ..Stats::default()
            },
            pool_rngs,
            price_micro,
            wake: None,
            wake_generation: 0,
            unscheduled: 0,
            starting: 0,
            last_integral: SimTime::ZERO,
            outcomes: Vec::new(),
            warm: false,
            runs: scenario
                .deployments
                .iter()
                .map(|d| DeploymentRun {
                    cap_rps: workload::pod_capacity(d),
                    peak_desired: d.replicas,
                    ..DeploymentRun::default()
                })
                .collect(),
            trace_cursor: vec![0; scenario.traces.len()],
            trace_stats: scenario
                .traces
                .iter()
                .map(|t| TraceStats::new(t.trace.pods.len()))
                .collect(),
            deployment_samples: Vec::new(),
            hpa_scratch: workload::HpaScratch::default(),
            ca,
            fault_rngs,
            end,
            scenario,
        }
    }

    /// Runs to the end of the scenario. `progress` is called now and then with the simulated time.
    pub fn run(&mut self, progress: &mut dyn FnMut(SimTime, SimTime)) -> Result<(), SimError> {
        self.run_observed(progress, &mut |_, _| Ok(()))
    }

    /// Runs to the end of the scenario, calling `after_instant(sim, t)` once every event of
    /// instant `t` has been handled (and once more at the end, with the end time). The shell
    /// drains the recorded rows there; tests check invariants there. An `Err` from it stops the
    /// run and is returned as `SimError::Observer`.
    pub fn run_observed(
        &mut self,
        progress: &mut dyn FnMut(SimTime, SimTime),
        after_instant: &mut dyn FnMut(&mut Sim, SimTime) -> Result<(), String>,
    ) -> Result<(), SimError> {
        self.start();
        let max = self.scenario.simulation.max_events;
        let mut at_instant = 0u64;
        let mut instant = SimTime::ZERO;
        while let Some(t) = self.queue.peek_time() {
            if t > self.end {
                break;
            }
            if t != instant && at_instant > 0 {
                after_instant(self, instant).map_err(SimError::Observer)?;
            }
            let ev = self.queue.pop().expect("peeked");
            let is_sample = ev.event == Event::Sample;
            self.stats.events_processed += 1;
            if ev.time == instant {
                at_instant += 1;
            } else {
                instant = ev.time;
                at_instant = 1;
            }
            if self.stats.events_processed > max {
                return Err(SimError::EventLimit {
                    limit: max,
                    clock: ev.time.clock(),
                    event: format!("{:?}", ev.event),
                    seed: self.scenario.simulation.seed,
                });
            }
            if at_instant > MAX_EVENTS_PER_INSTANT {
                return Err(SimError::InstantLimit {
                    limit: MAX_EVENTS_PER_INSTANT,
                    clock: ev.time.clock(),
                    event: format!("{:?}", ev.event),
                    seed: self.scenario.simulation.seed,
                });
            }
            self.integrate(ev.time);
            self.step(ev.time, ev.event);
            if self
                .ca
                .outages
                .iter()
                .any(|o| o.pending_cleared_at.is_none())
            {
                self.track_outages(ev.time);
            }
            if is_sample || self.stats.events_processed.is_multiple_of(65_536) {
                progress(ev.time, self.end);
            }
        }
        self.integrate(self.end);
        for d in 0..self.runs.len() {
            self.advance(DeploymentId(d as u32), self.end);
        }
        self.cost.advance_all(self.end);
        after_instant(self, self.end).map_err(SimError::Observer)?;
        progress(self.end, self.end);
        Ok(())
    }

    /// t = 0: the initial nodes (Ready, as in a running cluster), the initial replicas, the
    /// timed actions and the first sample.
    fn start(&mut self) {
        for p in 0..self.cluster.pools.len() {
            let count = self.cluster.pools[p].spec.count;
            for _ in 0..count {
                self.create_node(PoolId(p as u32), SimTime::ZERO, NodeCreation::Initial);
            }
        }
        // Warm start: the initial replicas are placed by the scheduler and start at once, with
        // their images already on the node, as in a cluster that has been running.
        self.warm = true;
        for d in 0..self.cluster.deployments.len() {
            self.reconcile(DeploymentId(d as u32), SimTime::ZERO);
        }
        self.schedule_now(SimTime::ZERO);
        self.warm = false;
        for (i, a) in self.scenario.actions.iter().enumerate() {
            self.queue.schedule(a.at, Event::Action { index: i as u32 });
        }
        for (i, t) in self.scenario.traces.iter().enumerate() {
            if let Some(first) = t.trace.pods.first() {
                self.queue
                    .schedule(first.arrive, Event::TraceArrival { trace: i as u32 });
            }
        }
        let d = &self.scenario.deployments;
        if d.iter().any(|d| d.load.is_some() || d.hpa.is_some()) {
            self.queue.schedule(SimTime::ZERO, Event::MetricsScrape);
        }
        if d.iter().any(|d| d.hpa.is_some()) {
            self.queue.schedule(SimTime::ZERO, Event::HpaSync);
        }
        if self.ca.enabled {
            self.queue.schedule(SimTime::ZERO, Event::AutoscalerScan);
        }
        self.queue.schedule(SimTime::ZERO, Event::Sample);
    }

    /// Handles one event: the only place where all that can happen is dispatched.
    pub fn step(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Action { index } => self.action(index as usize, now),
            Event::NodeReady { node, generation } => self.node_ready(node, generation, now),
            Event::NodeGone { node } => {
                if self.cluster.node(node).state == NodeState::Deleting {
                    self.delete_node(node, now, "drained");
                }
            }
            Event::PodStep { pod, generation } => self.pod_step(pod, generation, now),
            Event::SchedulerWake { generation } => {
                if self.wake.is_some_and(|(_, g)| g == generation) {
                    self.wake = None;
                    self.schedule_now(now);
                }
            }
            Event::TraceArrival { trace } => self.trace_arrivals(trace as usize, now),
            Event::MetricsScrape => {
                self.scrape(now);
                let m = &self.scenario.metrics_server;
                let next = now + m.resolution;
                if next <= self.end {
                    self.queue.schedule(next, Event::MetricsScrape);
                    if m.window < m.resolution {
                        let open = SimTime(next.as_ms() - m.window.as_ms());
                        self.queue.schedule(open, Event::MetricsWindowStart);
                    }
                }
            }
            Event::MetricsWindowStart => self.open_metrics_window(now),
            Event::HpaSync => {
                self.hpa_sync(now);
                let next = now + self.scenario.controller_manager.sync_period;
                if next <= self.end {
                    self.queue.schedule(next, Event::HpaSync);
                }
            }
            Event::AutoscalerScan => {
                self.autoscaler_scan(now);
                self.next_scan(now);
            }
            Event::NodeEviction { node, since_ms } => self.evict_from_unready(node, since_ms, now),
            Event::NodeFailure { node, epoch } => self.node_failure(node, epoch, now),
            Event::NodeRepaired { node, epoch } => self.node_repaired(node, epoch, now),
            Event::SpotEvict { node } => self.spot_evict(node, now, "spot eviction rate"),
            Event::ZoneRecovered { zone } => self.zone_recovered(zone, now),
            Event::Sample => {
                self.sample(now);
                let next = now + self.scenario.simulation.sample_interval;
                if next <= self.end {
                    self.queue.schedule(next, Event::Sample);
                }
            }
        }
    }

    fn integrate(&mut self, now: SimTime) {
        let dt = u128::from(now.since(self.last_integral).as_ms());
        self.stats.pending_pod_ms += u128::from(self.unscheduled + self.starting) * dt;
        self.stats.unschedulable_pod_ms += u128::from(self.unscheduled) * dt;
        self.last_integral = now;
    }

    fn pod_name(&self, pod: PodId) -> String {
        let p = self.cluster.pod(pod);
        if let Some(t) = self.trace_of(p) {
            return self.scenario.traces[t].trace.name(p.ordinal).to_string();
        }
        let Owner::Deployment(d) = p.owner;
        format!("{}-{}", self.cluster.deployments[d.idx()].name, p.ordinal)
    }

    // ----- nodes ---------------------------------------------------------------------------

    /// Starts a VM in the pool's next zone; returns `None` (and logs why) if Azure refuses.
    fn create_node(&mut self, pool: PoolId, now: SimTime, why: NodeCreation) -> Option<NodeId> {
        match self.azure_check(pool.idx(), 1, now) {
            Ok(zones) => self.create_node_in(pool, zones[0], now, why),
            Err(r) => {
                let zone = self.cluster.next_zone(pool);
                self.node_create_failed(pool, zone, &format!("{}: {}", r.key, r.message), now);
                None
            }
        }
    }

    fn node_create_failed(
        &mut self,
        pool: PoolId,
        zone: crate::cluster::Zone,
        reason: &str,
        now: SimTime,
    ) {
        let pool_name = self.scenario.pools[pool.idx()].name.clone();
        self.log.emit(
            now,
            Record::NodeCreateFailed {
                pool: pool_name.into(),
                zone: zone.short(),
                reason: reason.into(),
            },
        );
        let key = reason.split(':').next().unwrap_or("").to_string();
        match self
            .stats
            .node_create_failures
            .iter_mut()
            .find(|(k, _)| *k == key)
        {
            Some((_, n)) => *n += 1,
            None => self.stats.node_create_failures.push((key, 1)),
        }
    }

    /// Starts a VM of `pool` in `zone`; returns `None` (and logs why) if Azure refuses.
    fn create_node_in(
        &mut self,
        pool: PoolId,
        zone: crate::cluster::Zone,
        now: SimTime,
        why: NodeCreation,
    ) -> Option<NodeId> {
        match self.cluster.create_node(pool, zone, now) {
            Ok(node) => {
                let p = pool.idx();
                let zi = zone.0 as usize;
                self.cost.node_started(p, zi, self.price_micro[p], now);
                self.stats.nodes_created_by_pool[p] += 1;
                self.track_peaks();
                let delay = if now == SimTime::ZERO && why == NodeCreation::Initial {
                    SimDuration::ZERO
                } else {
                    self.scenario.pools[p]
                        .provisioning_delay
                        .sample(&mut self.pool_rngs[p])
                };
                let n = self.cluster.node(node);
                let (name, pool_name) = (n.name.clone(), self.scenario.pools[p].name.clone());
                self.log.emit(
                    now,
                    Record::NodeProvisioning {
                        node: name.into(),
                        pool: pool_name.into(),
                        zone: zone.short(),
                        ready_in_s: delay.as_secs_f64(),
                        reason: why,
                    },
                );
                let generation = self.cluster.node(node).generation;
                self.cluster.nodes[node.idx()].boot_due = now + delay;
                if delay > SimDuration::ZERO {
                    // The autoscaler tracks the nodes of the pools it manages.
                    if self.scenario.pools[p].enable_auto_scaling {
                        self.ca.upcoming.push(node);
                    }
                    self.queue
                        .schedule(now + delay, Event::NodeReady { node, generation });
                } else {
                    self.node_ready(node, generation, now);
                }
                Some(node)
            }
            Err(e) => {
                self.node_create_failed(pool, zone, &e.reason(), now);
                None
            }
        }
    }

    fn track_peaks(&mut self) {
        let mut total = 0;
        for (i, p) in self.cluster.pools.iter().enumerate() {
            let n = p.nodes.len() as u32;
            total += n;
            self.stats.peak_nodes_by_pool[i] = self.stats.peak_nodes_by_pool[i].max(n);
        }
        self.stats.peak_nodes_total = self.stats.peak_nodes_total.max(total);
    }

    fn node_ready(&mut self, node: NodeId, generation: u32, now: SimTime) {
        let n = self.cluster.node(node);
        if n.generation != generation || n.state != NodeState::Provisioning {
            return;
        }
        self.cluster.node_ready(node, now);
        self.ca_node_registered(node);
        self.arm_faults(node, now);
        let n = self.cluster.node(node);
        let (name, pool) = (
            n.name.clone(),
            self.scenario.pools[n.pool.idx()].name.clone(),
        );
        let zone = n.zone.short();
        let took = now.since(n.created_at).as_secs_f64();
        self.log.emit(
            now,
            Record::NodeReady {
                node: name.into(),
                pool: pool.into(),
                zone,
                provisioning_s: took,
            },
        );
        self.wake_scheduler(now);
    }

    /// Removes a node the way AKS scales a pool in: a node still provisioning is deleted at
    /// once; a Ready node is cordoned, its pods are evicted (each stops within its grace period
    /// while its deployment creates a replacement elsewhere), and its VM is deleted when the
    /// last pod has stopped. PodDisruptionBudgets are not modelled here.
    /// `grace_cap` bounds each pod's grace period (the autoscaler's
    /// `max-graceful-termination-sec`, a spot VM's 30 s notice).
    fn drain_node(
        &mut self,
        node: NodeId,
        now: SimTime,
        why: &str,
        grace_cap: Option<SimDuration>,
    ) {
        if self.cluster.node(node).state != NodeState::Ready {
            self.delete_node(node, now, why);
            return;
        }
        self.cluster.cordon(node);
        let n = self.cluster.node(node);
        let (name, pool) = (
            n.name.clone(),
            self.scenario.pools[n.pool.idx()].name.clone(),
        );
        let pods: Vec<PodId> = n.pods.clone();
        self.log.emit(
            now,
            Record::NodeDraining {
                node: name.into(),
                pool: pool.into(),
                pods: pods.len() as u32,
                reason: why.into(),
            },
        );
        let mut last_stop = now;
        for pod in pods {
            let stop = self.delete_pod(pod, now, "evicted: node drained", false, grace_cap);
            last_stop = last_stop.max(stop);
        }
        self.reconcile_all(now);
        self.queue.schedule(last_stop, Event::NodeGone { node });
    }

    /// Deletes a node at once; its pods are deleted and their deployments replace them.
    fn delete_node(&mut self, node: NodeId, now: SimTime, why: &str) {
        let n = self.cluster.node(node);
        let (p, zi, created) = (n.pool.idx(), n.zone.0 as usize, n.created_at);
        let name = n.name.clone();
        let pods: Vec<PodId> = n.pods.clone();
        for pod in &pods {
            self.delete_pod(*pod, now, "node deleted", true, None);
        }
        let n = self.cluster.node(node);
        if n.fault != 0 && matches!(n.state, NodeState::Ready | NodeState::Deleting) {
            self.ca.unready_nodes -= 1;
        }
        self.ca.upcoming.retain(|x| *x != node);
        self.cluster.delete_node(node);
        self.cost
            .node_stopped(p, zi, self.price_micro[p], created, now);
        let pool = self.scenario.pools[p].name.clone();
        self.log.emit(
            now,
            Record::NodeDeleted {
                node: name.into(),
                pool: pool.into(),
                reason: why.into(),
            },
        );
        self.reconcile_all(now);
        self.wake_scheduler(now);
    }

    /// Every ReplicaSet replaces the pods it lost.
    fn reconcile_all(&mut self, now: SimTime) {
        for d in 0..self.cluster.deployments.len() {
            self.reconcile(DeploymentId(d as u32), now);
        }
    }

    // ----- actions -------------------------------------------------------------------------

    fn action(&mut self, index: usize, now: SimTime) {
        let a = self.scenario.actions[index].action.clone();
        match a {
            Action::Scale {
                deployment,
                replicas,
            } => {
                let d = DeploymentId(deployment as u32);
                let name = self.cluster.deployments[deployment].name.clone();
                let from = self.cluster.deployments[deployment].desired;
                self.advance(d, now);
                self.cluster.deployments[deployment].desired = replicas;
                let run = &mut self.runs[deployment];
                run.peak_desired = run.peak_desired.max(replicas);
                self.log.emit(
                    now,
                    Record::DeploymentScaled {
                        deployment: name.into(),
                        from,
                        to: replicas,
                        reason: "scenario event".into(),
                    },
                );
                self.reconcile(d, now);
            }
            Action::ZoneOutage { zone, duration } => self.zone_outage(zone, duration, now),
            Action::SpotEviction { pool, count } => self.spot_wave(pool, count, now),
            Action::StockOut {
                sku,
                zone,
                duration,
            } => {
                let until = now + duration;
                self.log.emit(
                    now,
                    Record::StockOut {
                        vm_size: (&sku).into(),
                        zone,
                        until: self.log.wall_clock(until).into(),
                    },
                );
                self.ca.stock_outs.push((sku, zone, until));
            }
            Action::FailNodes { pool, count } => self.fail_nodes(pool, count, now),
            Action::AddNodes { pool, count } => {
                for _ in 0..count {
                    self.create_node(PoolId(pool as u32), now, NodeCreation::AddNodesEvent);
                }
            }
            Action::RemoveNodes { pool, count } => {
                for _ in 0..count {
                    // Scale-in balances zones and removes the newest instance first.
                    // Nodes already draining are on their way out and not chosen again.
                    let c = &self.cluster;
                    let staying: Vec<NodeId> = c.pools[pool]
                        .nodes
                        .iter()
                        .copied()
                        .filter(|n| c.node(*n).state != NodeState::Deleting)
                        .collect();
                    // AKS keeps at least one node in a system pool (validation checks the
                    // planned counts; a failed node creation can still leave only one).
                    if self.scenario.pools[pool].mode == crate::scenario::Mode::System
                        && staying.len() <= 1
                    {
                        let name = self.scenario.pools[pool].name.clone();
                        self.log.emit(
                            now,
                            Record::NodeRemoveRefused {
                                pool: name.into(),
                                reason: "a system pool keeps at least one node".into(),
                            },
                        );
                        break;
                    }
                    let mut per_zone = [0u32; ZONES];
                    for n in &staying {
                        per_zone[c.node(*n).zone.0 as usize] += 1;
                    }
                    let victim = staying
                        .iter()
                        .copied()
                        .max_by_key(|n| (per_zone[c.node(*n).zone.0 as usize], n.0));
                    match victim {
                        Some(n) => self.drain_node(n, now, "scenario event remove_nodes", None),
                        None => break,
                    }
                }
            }
        }
    }

    // ----- deployments (the ReplicaSet controller) -----------------------------------------

    /// Creates or deletes pods until the deployment has its desired count.
    fn reconcile(&mut self, d: DeploymentId, now: SimTime) {
        if self.cluster.deployments[d.idx()].trace.is_some() {
            return; // batch pods: no ReplicaSet
        }
        self.advance(d, now);
        let have = self.cluster.deployments[d.idx()].pods.len() as u32;
        let want = self.cluster.deployments[d.idx()].desired;
        if have < want {
            for _ in have..want {
                let pod = self.cluster.create_pod(d, now);
                self.unscheduled += 1;
                self.stats.pods_created += 1;
                self.scheduler.enqueue(&self.cluster, pod);
            }
            self.wake_scheduler(now);
        } else if have > want {
            let victims = self.scale_down_order(d, now);
            for pod in victims.into_iter().take((have - want) as usize) {
                self.delete_pod(pod, now, "replica set scaled down", false, None);
            }
        }
    }

    /// The deployment's pods in deletion order (`ActivePodsWithRanks`, controller_utils.go):
    /// unassigned first, then Pending before Running, not ready before ready, more pods of the
    /// deployment on the same node first, then newer ready time and newer creation (log₂ buckets
    /// of age, ties by a stable pseudo-UID).
    fn scale_down_order(&self, d: DeploymentId, now: SimTime) -> Vec<PodId> {
        let c = &self.cluster;
        let bucket = |t: Option<SimTime>| -> i64 {
            match t {
                // ⌊log₂(age in ns)⌋, in integers: 63 − leading zeros.
                Some(t) if now > t => {
                    63 - i64::from((now.since(t).as_ms() * 1_000_000).leading_zeros())
                }
                _ => -1,
            }
        };
        let mut pods: Vec<PodId> = c.deployments[d.idx()].pods.clone();
        pods.sort_by_cached_key(|&id| {
            let p = c.pod(id);
            let assigned = p.node.is_some();
            let running = matches!(p.phase, PodPhase::Running | PodPhase::Ready);
            let ready = p.phase == PodPhase::Ready;
            let related = p.node.map_or(0, |n| c.node(n).pods_of(d));
            let uid = crate::engine::rng::splitmix64(u64::from(d.0) << 32 | u64::from(p.ordinal));
            (
                assigned,
                running,
                ready,
                Reverse(related),
                bucket(p.ready_at),
                bucket(Some(p.created_at)),
                uid,
            )
        });
        pods
    }

    /// Deletes a pod: unscheduled ones vanish; bound ones terminate within their grace period.
    /// `now_gone` skips the grace period (the node itself is going away).
    /// Returns when the pod will be gone.
    fn delete_pod(
        &mut self,
        pod: PodId,
        now: SimTime,
        why: &str,
        now_gone: bool,
        grace_cap: Option<SimDuration>,
    ) -> SimTime {
        let name = self.pod_name(pod);
        let p = self.cluster.pod(pod).clone();
        let Owner::Deployment(owner) = p.owner;
        self.advance(owner, now);
        if matches!(p.phase, PodPhase::Terminating | PodPhase::Gone) {
            // Already deleted (and counted); a node going away only cuts its grace short.
            if now_gone && p.phase == PodPhase::Terminating {
                self.cluster.remove_pod(pod);
                return now;
            }
            return if p.phase == PodPhase::Terminating {
                let stop = p.stops_at.max(now);
                grace_cap.map_or(stop, |cap| stop.min(now + cap))
            } else {
                now
            };
        }
        let mut gone_at = now;
        self.stats.pods_deleted += 1;
        // A bare pod has no controller to replace it.
        if !self.cluster.template(p.class).controller && self.trace_of(&p).is_none() {
            let dep = &mut self.cluster.deployments[owner.idx()];
            dep.desired = dep.desired.saturating_sub(1);
        }
        match p.phase {
            PodPhase::Unscheduled => {
                self.unscheduled -= 1;
                self.cluster.remove_pod(pod);
            }
            phase => {
                if matches!(phase, PodPhase::Starting | PodPhase::ImagePullBackOff) {
                    self.starting -= 1;
                }
                self.cluster.start_termination(pod);
                let t = self.cluster.template(p.class);
                let mut stop = t.shutdown_delay.min(t.termination_grace);
                if let Some(cap) = grace_cap {
                    stop = stop.min(cap);
                }
                if now_gone || stop == SimDuration::ZERO {
                    self.cluster.remove_pod(pod);
                } else {
                    gone_at = now + stop;
                    self.cluster.pods[pod.idx()].stops_at = gone_at;
                    let generation = self.cluster.pod(pod).generation;
                    self.queue
                        .schedule(gone_at, Event::PodStep { pod, generation });
                }
                // Room freed, or spread counts lowered: pending pods may fit now.
                self.wake_scheduler(now);
            }
        }
        self.log.emit(
            now,
            Record::PodDeleted {
                pod: name.into(),
                reason: why.into(),
            },
        );
        // A batch pod that lost its node runs again from the start, as a Job's replacement.
        if let Some(t) = self.trace_of(&p)
            && p.node.is_some()
        {
            // Only a pod that had started (turned Ready, which starts its run) starts again; one
            // whose node failed before it was reported Ready has not started yet.
            if matches!(p.phase, PodPhase::Running | PodPhase::Ready) && p.ready_at.is_some() {
                self.trace_stats[t].restarted += 1;
            }
            self.create_trace_pod(owner, p.class, p.ordinal, now);
            self.wake_scheduler(now);
        }
        gone_at
    }

    // ----- scheduling ----------------------------------------------------------------------

    /// Makes sure the scheduler runs at `at` (once, however many requests).
    fn wake_scheduler(&mut self, at: SimTime) {
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

    fn schedule_now(&mut self, now: SimTime) {
        let mut outcomes = std::mem::take(&mut self.outcomes);
        outcomes.clear();
        self.scheduler
            .run_cycle(&mut self.cluster, now, &mut outcomes);
        for o in &outcomes {
            match *o {
                Outcome::Bound(pod, node) => self.bound(pod, node, now),
                Outcome::Unschedulable {
                    pod,
                    message,
                    changed,
                } => {
                    self.mark_unschedulable(pod, now);
                    if changed {
                        let name = self.pod_name(pod);
                        let text = self
                            .scheduler
                            .messages
                            .get_index(message as usize)
                            .map(|(k, _)| k.clone())
                            .unwrap_or_default();
                        let attempts = self.cluster.pod(pod).attempts;
                        self.log.emit(
                            now,
                            Record::PodUnschedulable {
                                pod: name.into(),
                                attempts,
                                reason: text.into(),
                            },
                        );
                    }
                }
            }
        }
        self.outcomes = outcomes;
        if let Some(t) = self.scheduler.next_backoff_expiry() {
            self.wake_scheduler(t.max(now));
        }
    }

    /// A pod was bound: start it (pull the image if needed) or leave it stuck on a wrong OS.
    fn bound(&mut self, pod: PodId, node: NodeId, now: SimTime) {
        self.unscheduled -= 1;
        self.starting += 1;
        self.cluster.pods[pod.idx()].warm = self.warm;
        let p = self.cluster.pod(pod);
        // The warm start's initial replicas waited for nothing: they are not samples. Trace
        // pods have their own waits (`pod_traces` in the summary).
        let batch = self.trace_of(p).is_some();
        if !self.warm && !batch {
            self.stats
                .time_to_schedule
                .push(now.since(p.created_at).as_ms());
        }
        let class = p.class;
        let (pod_os, pod_image) = {
            let t = self.cluster.template(class);
            (t.os, t.image)
        };
        let n = self.cluster.node(node);
        let pool = &self.scenario.pools[n.pool.idx()];
        let (node_name, node_os) = (n.name.clone(), pool.os);
        let name = self.pod_name(pod);
        self.log.emit(
            now,
            Record::PodScheduled {
                pod: (&name).into(),
                node: (&node_name).into(),
                pool: (&pool.name).into(),
                zone: n.zone.short(),
            },
        );
        if node_os != pod_os {
            // The image has no manifest for this OS: ErrImagePull, then ImagePullBackOff forever.
            self.cluster.pod_image_backoff(pod);
            self.stats.image_backoff_pods += 1;
            let why = format!(
                "no match for platform in manifest: the {} image cannot run on {} node {}",
                pod_os.as_str(),
                node_os.as_str(),
                node_name
            );
            self.log.emit(
                now,
                Record::PodImagePullBackoff {
                    pod: name.into(),
                    node: node_name.into(),
                    reason: why.into(),
                },
            );
            return;
        }
        let start_at = match pod_image {
            Some(img) if !self.warm => {
                let spec = &self.scenario.images[img];
                let pull = spec.pull_time.unwrap_or_else(|| {
                    let bps = pool.image_pull_bytes_per_sec.max(1);
                    SimDuration(spec.size_bytes.saturating_mul(1000).div_ceil(bps))
                });
                let had = self.cluster.node(node).image_ready_at(img as u32).is_some();
                let at = self.cluster.request_image(
                    node,
                    img as u32,
                    pull,
                    self.scenario.cluster.serialize_image_pulls,
                    now,
                );
                if !had {
                    let image_name = spec.name.clone();
                    self.log.emit(
                        now,
                        Record::ImagePull {
                            node: (&node_name).into(),
                            image: image_name.into(),
                            pod: (&name).into(),
                            done_in_s: at.since(now).as_secs_f64(),
                        },
                    );
                }
                at
            }
            Some(img) => {
                // Warm start: the image is already on the node.
                self.cluster
                    .request_image(node, img as u32, SimDuration::ZERO, false, now);
                now
            }
            None => now,
        };
        if start_at > now {
            let generation = self.cluster.pod(pod).generation;
            self.queue
                .schedule(start_at, Event::PodStep { pod, generation });
        } else {
            self.pod_running(pod, now);
        }
    }

    fn pod_step(&mut self, pod: PodId, generation: u32, now: SimTime) {
        let p = self.cluster.pod(pod);
        if p.generation != generation {
            return;
        }
        match p.phase {
            PodPhase::Starting => self.pod_running(pod, now),
            PodPhase::Running => self.pod_ready(pod, now),
            PodPhase::Ready => {
                if let Some(t) = self.trace_of(p) {
                    self.trace_pod_completed(pod, t, now);
                }
            }
            PodPhase::Terminating => {
                self.cluster.remove_pod(pod);
                self.wake_scheduler(now);
            }
            _ => {}
        }
    }

    fn pod_running(&mut self, pod: PodId, now: SimTime) {
        self.starting -= 1;
        self.record_unschedulable_wait(pod, now);
        self.cluster.pod_running(pod, now);
        let delay = if self.warm {
            SimDuration::ZERO
        } else {
            self.cluster
                .template(self.cluster.pod(pod).class)
                .readiness_delay
        };
        if delay == SimDuration::ZERO {
            self.pod_ready(pod, now);
        } else {
            let name = self.pod_name(pod);
            self.log.emit(now, Record::PodRunning { pod: name.into() });
            let generation = self.cluster.pod(pod).generation;
            self.queue
                .schedule(now + delay, Event::PodStep { pod, generation });
        }
    }

    fn pod_ready(&mut self, pod: PodId, now: SimTime) {
        let p = self.cluster.pod(pod);
        // On a NotReady node readiness is not reported; it is when the node comes back.
        if p.node.is_some_and(|n| self.cluster.node(n).fault != 0) {
            return;
        }
        let Owner::Deployment(d) = p.owner;
        self.advance(d, now);
        self.cluster.pod_ready(pod, now);
        if let Some(t) = self.trace_of(self.cluster.pod(pod)) {
            self.trace_pod_started(pod, t, now);
        }
        let p = self.cluster.pod(pod);
        if !self.warm && self.trace_of(p).is_none() {
            self.stats
                .time_to_ready
                .push(now.since(p.created_at).as_ms());
        }
        let name = self.pod_name(pod);
        self.log.emit(now, Record::PodReady { pod: name.into() });
    }

    // ----- sampling ------------------------------------------------------------------------

    fn sample(&mut self, now: SimTime) {
        self.cost.advance_all(now);
        let time = self.log.wall_clock(now);
        let time_s = now.as_ms() / 1000;
        let c = &self.cluster;
        for (pi, pool) in c.pools.iter().enumerate() {
            for zone in &pool.zones {
                let mut row = SampleRow {
                    time_s,
                    time: time.clone(),
                    pool: pool.spec.name.clone(),
                    zone: zone.short().to_string(),
                    nodes_ready: 0,
                    nodes_not_ready: 0,
                    nodes_provisioning: 0,
                    pods_running: 0,
                    pods_pending: 0,
                    cpu_allocatable_m: 0,
                    cpu_requested_m: 0,
                    memory_allocatable_mib: 0,
                    memory_requested_mib: 0,
                    cost_per_hour_usd: format!("{:.4}", self.cost.rate_usd(pi, zone.0 as usize)),
                    cumulative_cost_usd: format!("{:.4}", self.cost.usd(pi, zone.0 as usize)),
                };
                let (mut mem_alloc, mut mem_req) = (0u64, 0u64);
                for &id in &pool.nodes {
                    let n = c.node(id);
                    if n.zone != *zone {
                        continue;
                    }
                    match n.state {
                        NodeState::Provisioning => row.nodes_provisioning += 1,
                        // A draining node is still Ready (SchedulingDisabled) and billed.
                        NodeState::Ready | NodeState::Deleting => {
                            if n.fault != 0 {
                                row.nodes_not_ready += 1;
                                continue;
                            }
                            row.nodes_ready += 1;
                            row.cpu_allocatable_m = row
                                .cpu_allocatable_m
                                .saturating_add(n.allocatable.cpu_millis);
                            row.cpu_requested_m =
                                row.cpu_requested_m.saturating_add(n.cpu_requested);
                            mem_alloc = mem_alloc.saturating_add(n.allocatable.memory_bytes);
                            mem_req = mem_req.saturating_add(n.memory_requested);
                            row.pods_pending += n.pods_starting;
                            row.pods_running +=
                                n.pods.len() as u32 - n.pods_starting - n.pods_terminating;
                        }
                        NodeState::Deleted => {}
                    }
                }
                row.memory_allocatable_mib = mem_alloc >> 20;
                row.memory_requested_mib = mem_req >> 20;
                self.samples.push(row);
            }
        }
        for d in 0..self.runs.len() {
            let dep = &self.cluster.deployments[d];
            let pending = dep
                .pods
                .iter()
                .filter(|p| {
                    matches!(
                        self.cluster.pod(**p).phase,
                        PodPhase::Unscheduled | PodPhase::Starting | PodPhase::ImagePullBackOff
                    )
                })
                .count() as u32;
            let (demand, served) = self.served_now(d, now);
            let row = crate::observe::DeploymentRow {
                time_s,
                deployment: d as u32,
                desired: dep.desired,
                ready: dep.ready,
                pending,
                cpu_utilization: self.runs[d].hpa.as_ref().and_then(|h| h.cpu_utilization),
                demand_rps: demand,
                served_rps: served,
            };
            self.deployment_samples.push(row);
        }
        // Unscheduled pods belong to no pool: one row so that pivot sums stay right.
        self.samples.push(SampleRow {
            time_s,
            time,
            pool: "(unscheduled)".into(),
            zone: "none".into(),
            nodes_ready: 0,
            nodes_not_ready: 0,
            nodes_provisioning: 0,
            pods_running: 0,
            pods_pending: self.unscheduled,
            cpu_allocatable_m: 0,
            cpu_requested_m: 0,
            memory_allocatable_mib: 0,
            memory_requested_mib: 0,
            cost_per_hour_usd: "0.0000".into(),
            cumulative_cost_usd: "0.0000".into(),
        });
    }

    /// Pods not yet bound to a node, right now.
    pub fn unscheduled_pods(&self) -> u32 {
        self.unscheduled
    }

    /// Pods bound and not yet running (pulling images), right now.
    pub fn starting_pods(&self) -> u32 {
        self.starting
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
                p.nodes.len() <= crate::scenario::validate::MAX_NODES_PER_POOL as usize,
                "pool {} over its limit",
                p.spec.name
            );
        }
    }

    /// Nodes by OS, for the end-of-run screen.
    pub fn os_of_pool(&self, pool: usize) -> Os {
        self.scenario.pools[pool].os
    }
}
