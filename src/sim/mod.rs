//! The simulation: a World of shared state (Azure's included) and one controller per
//! Kubernetes and AKS component, each owning its own state. `run` pops events in order and `step` hands each to
//! its controller in one `match` over the closed `Event` enum.
//!
//! Same-instant order (the `phase` of each event, an Architecture Invariant): scenario actions
//! and trace arrivals, then node transitions, then pod transitions, then the scheduler, then
//! metrics-server's scrape, then the HPA sync, then the cluster autoscaler, then sampling — so
//! a sample sees everything that happened at its instant.

use crate::cluster::{DeploymentId, NodeId, NodeState, PodPhase, PoolId};
use crate::controllers::cluster_autoscaler::CaState;
use crate::controllers::hpa::HpaController;
use crate::controllers::job::JobController;
use crate::controllers::metrics_server::MetricsServer;
use crate::controllers::node_lifecycle::{self, NodeObserver};
use crate::controllers::{kube_scheduler, kubelet, replicaset};
use crate::engine::{RngStreams, SimTime};
use crate::observe::SampleRow;
use crate::observe::record::NodeCreation;
use crate::scenario::{Action, Scenario};
use crate::world::{Event, World};

mod outputs;

pub use outputs::{AutoscalerRecord, Outputs};

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

/// The node provisioner: what grows and shrinks the node pools on its own. Today the cluster
/// autoscaler; a second provisioner is a sibling variant with its own controller module.
pub enum Provisioner {
    ClusterAutoscaler(Box<CaState>),
}

/// The simulation: the shared world and the controllers.
pub struct Sim {
    pub world: World,
    pub metrics: MetricsServer,
    pub hpa: HpaController,
    pub jobs: JobController,
    pub provisioner: Provisioner,
}

impl Sim {
    pub fn new(scenario: Scenario) -> Self {
        let streams = RngStreams::new(scenario.simulation.seed);
        let deployments = scenario.deployments.len();
        let ca = CaState::new(
            scenario.pools.len(),
            scenario.pools.iter().any(|p| p.enable_auto_scaling),
            streams.stream("autoscaler/expander"),
        );
        let jobs = JobController::new(scenario.traces.len());
        Sim {
            world: World::new(scenario, &streams),
            metrics: MetricsServer::new(deployments),
            hpa: HpaController::new(deployments),
            jobs,
            provisioner: Provisioner::ClusterAutoscaler(Box::new(ca)),
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
        let max = self.world.scenario.simulation.max_events;
        let mut at_instant = 0u64;
        let mut instant = SimTime::ZERO;
        while let Some(t) = self.world.queue.peek_time() {
            if t > self.world.end {
                break;
            }
            if t != instant && at_instant > 0 {
                after_instant(self, instant).map_err(SimError::Observer)?;
            }
            let ev = self.world.queue.pop().expect("peeked");
            let is_sample = ev.event == Event::Sample;
            self.world.stats.events_processed += 1;
            if ev.time == instant {
                at_instant += 1;
            } else {
                instant = ev.time;
                at_instant = 1;
            }
            if self.world.stats.events_processed > max {
                return Err(SimError::EventLimit {
                    limit: max,
                    clock: ev.time.clock(),
                    event: format!("{:?}", ev.event),
                    seed: self.world.scenario.simulation.seed,
                });
            }
            if at_instant > MAX_EVENTS_PER_INSTANT {
                return Err(SimError::InstantLimit {
                    limit: MAX_EVENTS_PER_INSTANT,
                    clock: ev.time.clock(),
                    event: format!("{:?}", ev.event),
                    seed: self.world.scenario.simulation.seed,
                });
            }
            self.world.integrate(ev.time);
            self.step(ev.time, ev.event);
            if self
                .world
                .outages
                .iter()
                .any(|o| o.pending_cleared_at.is_none())
            {
                node_lifecycle::track_outages(&mut self.world, ev.time);
            }
            if is_sample || self.world.stats.events_processed.is_multiple_of(65_536) {
                progress(ev.time, self.world.end);
            }
        }
        self.world.integrate(self.world.end);
        for d in 0..self.world.loads.len() {
            self.world.advance(DeploymentId(d as u32), self.world.end);
        }
        self.world.cost.advance_all(self.world.end);
        after_instant(self, self.world.end).map_err(SimError::Observer)?;
        progress(self.world.end, self.world.end);
        Ok(())
    }

    /// t = 0: the initial nodes (Ready, as in a running cluster), the initial replicas, the
    /// timed actions and the first sample.
    fn start(&mut self) {
        for p in 0..self.world.cluster.pools.len() {
            let count = self.world.cluster.pools[p].spec.count;
            for _ in 0..count {
                node_lifecycle::create_node(
                    &mut self.world,
                    &mut self.provisioner,
                    PoolId(p as u32),
                    SimTime::ZERO,
                    NodeCreation::Initial,
                );
            }
        }
        // Warm start: the initial replicas are placed by the scheduler and start at once, with
        // their images already on the node, as in a cluster that has been running.
        self.world.warm = true;
        for d in 0..self.world.cluster.deployments.len() {
            replicaset::reconcile(&mut self.world, DeploymentId(d as u32), SimTime::ZERO);
        }
        kube_scheduler::schedule_now(&mut self.world, SimTime::ZERO);
        self.world.warm = false;
        for (i, a) in self.world.scenario.actions.iter().enumerate() {
            self.world
                .queue
                .schedule(a.at, Event::Action { index: i as u32 });
        }
        for (i, t) in self.world.scenario.traces.iter().enumerate() {
            if let Some(first) = t.trace.pods.first() {
                self.world
                    .queue
                    .schedule(first.arrive, Event::TraceArrival { trace: i as u32 });
            }
        }
        let d = &self.world.scenario.deployments;
        if d.iter().any(|d| d.load.is_some() || d.hpa.is_some()) {
            self.world
                .queue
                .schedule(SimTime::ZERO, Event::MetricsScrape);
        }
        if d.iter().any(|d| d.hpa.is_some()) {
            self.world.queue.schedule(SimTime::ZERO, Event::HpaSync);
        }
        if self.provisioner.enabled() {
            self.world
                .queue
                .schedule(SimTime::ZERO, Event::AutoscalerScan);
        }
        self.world.queue.schedule(SimTime::ZERO, Event::Sample);
    }

    /// Handles one event: the only place where all that can happen is dispatched.
    pub fn step(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Action { index } => self.action(index as usize, now),
            Event::NodeReady { node, generation } => node_lifecycle::node_ready(
                &mut self.world,
                &mut self.provisioner,
                node,
                generation,
                now,
            ),
            Event::NodeGone { node } => {
                node_lifecycle::on_node_gone(&mut self.world, &mut self.provisioner, node, now)
            }
            Event::PodStep { pod, generation } => {
                kubelet::pod_step(&mut self.world, pod, generation, now)
            }
            Event::SchedulerWake { generation } => {
                kube_scheduler::on_wake(&mut self.world, generation, now)
            }
            Event::TraceArrival { trace } => {
                self.jobs.on_arrival(&mut self.world, trace as usize, now)
            }
            Event::MetricsScrape => self.metrics.on_scrape(&mut self.world, now),
            Event::MetricsWindowStart => self.metrics.on_window_start(&mut self.world, now),
            Event::HpaSync => self.hpa.on_sync(&mut self.world, &self.metrics, now),
            Event::AutoscalerScan => match &mut self.provisioner {
                Provisioner::ClusterAutoscaler(ca) => ca.on_scan(&mut self.world, now),
            },
            Event::NodeEviction { node, since_ms } => {
                node_lifecycle::evict_from_unready(&mut self.world, node, since_ms, now)
            }
            Event::NodeFailure { node, epoch } => {
                node_lifecycle::node_failure(&mut self.world, node, epoch, now)
            }
            Event::NodeRepaired { node, epoch } => {
                node_lifecycle::node_repaired(&mut self.world, node, epoch, now)
            }
            Event::SpotEvict { node } => node_lifecycle::spot_evict(
                &mut self.world,
                &mut self.provisioner,
                node,
                now,
                "spot eviction rate",
            ),
            Event::ZoneRecovered { zone } => {
                node_lifecycle::zone_recovered(&mut self.world, zone, now)
            }
            Event::Sample => {
                self.sample(now);
                let next = now + self.world.scenario.simulation.sample_interval;
                if next <= self.world.end {
                    self.world.queue.schedule(next, Event::Sample);
                }
            }
        }
    }

    fn action(&mut self, index: usize, now: SimTime) {
        let a = self.world.scenario.actions[index].action.clone();
        match a {
            Action::Scale {
                deployment,
                replicas,
            } => replicaset::scale(
                &mut self.world,
                DeploymentId(deployment as u32),
                replicas,
                now,
            ),
            Action::ZoneOutage { zone, duration } => {
                node_lifecycle::zone_outage(&mut self.world, zone, duration, now)
            }
            Action::SpotEviction { pool, count } => {
                node_lifecycle::spot_wave(&mut self.world, &mut self.provisioner, pool, count, now)
            }
            Action::StockOut {
                sku,
                zone,
                duration,
            } => node_lifecycle::stock_out(&mut self.world, sku, zone, duration, now),
            Action::FailNodes { pool, count } => {
                node_lifecycle::fail_nodes(&mut self.world, pool, count, now)
            }
            Action::AddNodes { pool, count } => {
                node_lifecycle::add_nodes(&mut self.world, &mut self.provisioner, pool, count, now)
            }
            Action::RemoveNodes { pool, count } => node_lifecycle::remove_nodes(
                &mut self.world,
                &mut self.provisioner,
                pool,
                count,
                now,
            ),
        }
    }

    fn sample(&mut self, now: SimTime) {
        self.world.cost.advance_all(now);
        let time = self.world.log.wall_clock(now);
        let time_s = now.as_ms() / 1000;
        let c = &self.world.cluster;
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
                    cost_per_hour_usd: format!(
                        "{:.4}",
                        self.world.cost.rate_usd(pi, zone.0 as usize)
                    ),
                    cumulative_cost_usd: format!("{:.4}", self.world.cost.usd(pi, zone.0 as usize)),
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
                self.world.samples.push(row);
            }
        }
        for d in 0..self.world.loads.len() {
            let dep = &self.world.cluster.deployments[d];
            let pending = dep
                .pods
                .iter()
                .filter(|p| {
                    matches!(
                        self.world.cluster.pod(**p).phase,
                        PodPhase::Unscheduled | PodPhase::Starting | PodPhase::ImagePullBackOff
                    )
                })
                .count() as u32;
            let (demand, served) = self.world.served_now(d, now);
            let row = crate::observe::DeploymentRow {
                time_s,
                deployment: d as u32,
                desired: dep.desired,
                ready: dep.ready,
                pending,
                cpu_utilization: self.hpa.runs[d].as_ref().and_then(|h| h.cpu_utilization),
                demand_rps: demand,
                served_rps: served,
            };
            self.world.deployment_samples.push(row);
        }
        // Unscheduled pods belong to no pool: one row so that pivot sums stay right.
        self.world.samples.push(SampleRow {
            time_s,
            time,
            pool: "(unscheduled)".into(),
            zone: "none".into(),
            nodes_ready: 0,
            nodes_not_ready: 0,
            nodes_provisioning: 0,
            pods_running: 0,
            pods_pending: self.world.unscheduled_pods(),
            cpu_allocatable_m: 0,
            cpu_requested_m: 0,
            memory_allocatable_mib: 0,
            memory_requested_mib: 0,
            cost_per_hour_usd: "0.0000".into(),
            cumulative_cost_usd: "0.0000".into(),
        });
    }

    /// Recounts everything kept incrementally and panics on a mismatch (`World::check_invariants`).
    pub fn check_invariants(&self) {
        self.world.check_invariants();
    }

    /// The run is over: what the reports read.
    pub fn finish(self) -> Outputs {
        let Provisioner::ClusterAutoscaler(ca) = self.provisioner;
        Outputs {
            autoscaler: AutoscalerRecord {
                pools: ca.pools,
                failed: ca.failed,
                failure_marks: ca.failure_marks,
            },
            hpa: self.hpa.runs,
            trace_arrived: (0..self.world.traces.len())
                .map(|i| self.jobs.trace_arrived(i))
                .collect(),
            world: self.world,
        }
    }
}

impl Provisioner {
    /// Whether it runs at all (the cluster autoscaler: some pool autoscales).
    pub fn enabled(&self) -> bool {
        match self {
            Provisioner::ClusterAutoscaler(ca) => ca.enabled,
        }
    }

    /// The cluster autoscaler's state.
    pub fn cluster_autoscaler(&self) -> &CaState {
        match self {
            Provisioner::ClusterAutoscaler(ca) => ca,
        }
    }
}

impl NodeObserver for Provisioner {
    fn launched(&mut self, world: &World, node: NodeId) {
        match self {
            Provisioner::ClusterAutoscaler(ca) => ca.launched(world, node),
        }
    }

    fn registered(&mut self, world: &World, node: NodeId) {
        match self {
            Provisioner::ClusterAutoscaler(ca) => ca.registered(world, node),
        }
    }

    fn deleted(&mut self, node: NodeId) {
        match self {
            Provisioner::ClusterAutoscaler(ca) => ca.deleted(node),
        }
    }
}
