//! A kube-scheduler model: a priority queue with backoff, Filter then Score over a sample of
//! nodes, a seeded tie-break, and kube-scheduler's wording for pods that fit nowhere.
//!
//! Source: `pkg/scheduler` (schedule_one.go, internal/queue, framework/plugins), 1.31–1.33.
//! What it leaves out: preemption, inter-pod affinity, preferred node affinity, volumes, ports.
//! Unschedulable pods wait for a cluster event that can change the answer — a node turning Ready
//! or going away, a pod terminating or leaving, and, for pods that topology spread rejected, a
//! pod of the same deployment being bound (kube-scheduler's queueing hints) — then for their
//! backoff (1 s doubling to 10 s); they are not polled. kube-scheduler's 5-minute flush of the
//! unschedulable queue is not modelled: with these triggers, no retry it makes could succeed.

pub mod filter;
pub mod score;

use std::cmp::Reverse;
use std::collections::BTreeSet;

use indexmap::IndexMap;
use rand::RngExt;

use crate::api::Labels;
use crate::api::{PodTemplate, PoolSpec, SchedulerSettings, TopologyKey};
use crate::cluster::{
    ClassId, Cluster, DaemonLoad, NodeId, NodeState, Owner, PodId, PodPhase, PoolId, ZONES, Zone,
};
use crate::engine::rng::Stream;
use crate::engine::{SimDuration, SimTime};
use filter::Reason;

/// The taint the node lifecycle controller puts on a node whose Ready condition is Unknown.
pub const UNREACHABLE_TAINT: &str = "{node.kubernetes.io/unreachable: }";

/// kube-scheduler evaluates every node below this many (`minFeasibleNodesToFind`).
pub const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// The adaptive percentage never goes below this (`minFeasibleNodesPercentageToFind`).
pub const MIN_FEASIBLE_NODES_PERCENTAGE: usize = 5;

/// How many feasible nodes to find before scoring (`numFeasibleNodesToFind`).
pub fn num_feasible_nodes_to_find(percentage: u32, all_nodes: usize) -> usize {
    if all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return all_nodes;
    }
    let mut pct = percentage as usize;
    if pct == 0 {
        pct = (50usize.saturating_sub(all_nodes / 125)).max(MIN_FEASIBLE_NODES_PERCENTAGE);
    }
    (all_nodes * pct / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// Backoff after `attempts` failures: initial × 2^(attempts − 1), capped (`calculateBackoffDuration`).
pub fn backoff(attempts: u32, initial: SimDuration, max: SimDuration) -> SimDuration {
    if attempts == 0 {
        return SimDuration::ZERO;
    }
    let shift = (attempts - 1).min(40);
    SimDuration(
        initial
            .as_ms()
            .saturating_mul(1u64 << shift)
            .min(max.as_ms()),
    )
}

/// Why no node of a pool can ever run a template's pods (validation's warning), or `None` if
/// one in some zone might. `zones` holds each zone's node labels and DaemonSet load.
pub fn static_misfit(
    pool: &PoolSpec,
    zones: &[(Labels, DaemonLoad)],
    t: &PodTemplate,
) -> Option<String> {
    let mut first_reason = None;
    for (labels, daemon) in zones {
        let why = misfit_in_zone(pool, labels, *daemon, t)?;
        first_reason.get_or_insert(why);
    }
    first_reason
}

/// The static verdicts of a class (in a cache sized for every class), one per pool and zone
/// slot, each computed on first use (`static_verdict`).
fn static_row<'a>(
    cache: &'a mut [Vec<Option<Option<Reason>>>],
    cluster: &Cluster,
    class: ClassId,
) -> &'a mut [Option<Option<Reason>>] {
    let row = &mut cache[class.idx()];
    if row.is_empty() {
        row.resize(cluster.pools.len() * ZONES, None);
    }
    row
}

/// A template's verdict on a pool in a zone from the filters that depend only on them, taken
/// from a class's row of the scheduler's cache or computed into it.
fn static_verdict<'a>(
    row: &'a mut [Option<Option<Reason>>],
    cluster: &Cluster,
    t: &PodTemplate,
    pool: PoolId,
    zone: Zone,
) -> &'a Option<Reason> {
    row[pool.idx() * ZONES + zone.0 as usize].get_or_insert_with(|| {
        let p = cluster.pool(pool);
        filter::static_filter(t, &p.zone_labels[p.zone_index(zone)], &p.spec.taints)
    })
}

fn misfit_in_zone(
    pool: &PoolSpec,
    labels: &Labels,
    daemon: DaemonLoad,
    t: &PodTemplate,
) -> Option<String> {
    if let Some(r) = filter::static_filter(t, labels, &pool.taints) {
        return Some(match r {
            Reason::UntoleratedTaint(_) => {
                let taint = pool
                    .taints
                    .iter()
                    .find(|x| {
                        x.effect != crate::api::TaintEffect::PreferNoSchedule
                            && !crate::api::tolerated(&t.tolerations, x)
                    })
                    .map(|x| x.to_string())
                    .unwrap_or_default();
                format!("untolerated taint {taint}")
            }
            _ => {
                let (k, v) = t
                    .node_selector
                    .iter()
                    .find(|(k, v)| labels.get(*k) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .unwrap_or_default();
                format!("node selector {k}={v} does not match")
            }
        });
    }
    let a = pool.allocatable;
    // As NodeResourcesFit: a resource the pod does not request is not checked.
    if t.cpu_request_millis > 0 && t.cpu_request_millis + daemon.cpu_millis > a.cpu_millis {
        return Some(format!(
            "requests {}m cpu, a node has {}m left after system pods",
            t.cpu_request_millis,
            a.cpu_millis.saturating_sub(daemon.cpu_millis)
        ));
    }
    if t.memory_request_bytes > 0 && t.memory_request_bytes + daemon.memory_bytes > a.memory_bytes {
        return Some(format!(
            "requests {} memory, a node has {} left after system pods",
            crate::api::quantity::fmt_bytes(t.memory_request_bytes),
            crate::api::quantity::fmt_bytes(a.memory_bytes.saturating_sub(daemon.memory_bytes))
        ));
    }
    if daemon.pods + 1 > a.pods {
        return Some("max_pods is taken by system pods".into());
    }
    None
}

/// What one scheduling attempt decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Bound(PodId, NodeId),
    /// The pod fits nowhere. `message` indexes `Scheduler::messages`; `changed` is true on
    /// the pod's first failure and whenever its set of reasons differs from the last attempt
    /// (node counts in the message alone do not count as a change).
    Unschedulable {
        pod: PodId,
        message: u32,
        changed: bool,
    },
}

/// Why an attempt failed: the full message and the individual reasons in it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    message: u32,
    /// Indexes into `Scheduler::reason_pods`, sorted.
    reasons: Vec<u32>,
    /// Some node rejected the pod for topology spread.
    spread: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct QueueKey {
    priority: Reverse<i32>,
    seq: u64,
    pod: PodId,
    generation: u32,
}

/// A cached "fits nowhere" for a class, valid while nothing that could change it has happened.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FailStamp {
    capacity_version: u64,
    node_set_version: u64,
    class_binds: u64,
    failure: Failure,
}

/// The scheduler's state: queues, caches, the tie-break stream and the reason table.
pub struct Scheduler {
    settings: SchedulerSettings,
    rng: Stream,
    active: BTreeSet<QueueKey>,
    backoff: BTreeSet<(SimTime, u64, PodId, u32)>,
    /// Pods waiting for a cluster event: (pod, generation, rejected by topology spread).
    unschedulable: Vec<(PodId, u32, bool)>,
    unschedulable_seen_version: u64,
    seq: u64,
    next_start_node: usize,
    /// Ready nodes, zones interleaved (kube-scheduler's node tree order).
    order: Vec<NodeId>,
    order_version: u64,
    /// Per class and (pool, zone slot): the static filter's verdict, computed once.
    static_cache: Vec<Vec<Option<Option<Reason>>>>,
    /// Per class: intolerable PreferNoSchedule taints per pool.
    fail_cache: Vec<Option<FailStamp>>,
    class_binds: Vec<u64>,
    /// Distinct unschedulable messages, interned.
    pub messages: IndexMap<String, u32>,
    /// Each individual reason ("Insufficient cpu") with how many distinct pods met it.
    pub reason_pods: IndexMap<String, u64>,
    /// Per pod slot: the reasons of the last failed attempt (to log changes only).
    last_reasons: Vec<Vec<u32>>,
    /// Per pod slot: every reason the pod has met (to count each pod once per reason).
    seen_reasons: Vec<Vec<u32>>,
    scratch_reasons: Vec<Reason>,
    /// Per-node score buffers of `pick` (taint, spread, total), kept between pods.
    score_buffers: (Vec<i64>, Vec<i64>, Vec<i64>),
    /// The feasible nodes of the current attempt, kept between pods.
    feasible_buffer: Vec<NodeId>,
}

impl Scheduler {
    pub fn new(settings: SchedulerSettings, rng: Stream) -> Self {
        Scheduler {
            settings,
            rng,
            active: BTreeSet::new(),
            backoff: BTreeSet::new(),
            unschedulable: Vec::new(),
            unschedulable_seen_version: 0,
            seq: 0,
            next_start_node: 0,
            order: Vec::new(),
            order_version: u64::MAX,
            static_cache: Vec::new(),
            fail_cache: Vec::new(),
            class_binds: Vec::new(),
            messages: IndexMap::new(),
            reason_pods: IndexMap::new(),
            last_reasons: Vec::new(),
            seen_reasons: Vec::new(),
            scratch_reasons: Vec::new(),
            score_buffers: Default::default(),
            feasible_buffer: Vec::new(),
        }
    }

    /// Adds a new (or re-created) pod to the active queue.
    pub fn enqueue(&mut self, cluster: &Cluster, pod: PodId) {
        let p = cluster.pod(pod);
        self.seq += 1;
        self.active.insert(QueueKey {
            priority: Reverse(cluster.template(p.class).priority),
            seq: self.seq,
            pod,
            generation: p.generation,
        });
        if self.last_reasons.len() <= pod.idx() {
            self.last_reasons.resize(pod.idx() + 1, Vec::new());
            self.seen_reasons.resize(pod.idx() + 1, Vec::new());
        }
        self.last_reasons[pod.idx()].clear();
        self.seen_reasons[pod.idx()].clear();
    }

    /// Pods the scheduler has found no node for and that are still unscheduled: the ones
    /// with PodScheduled=False, reason Unschedulable, whichever queue they wait in now.
    pub fn failed_pods<'a>(&'a self, cluster: &'a Cluster) -> impl Iterator<Item = PodId> + 'a {
        let waiting = self.unschedulable.iter().map(|&(p, g, _)| (p, g));
        let backing_off = self.backoff.iter().map(|&(_, _, p, g)| (p, g));
        let active = self.active.iter().map(|k| (k.pod, k.generation));
        waiting
            .chain(backing_off)
            .chain(active)
            .filter(move |&(p, g)| {
                let pod = cluster.pod(p);
                pod.generation == g && pod.phase == PodPhase::Unscheduled && pod.attempts > 0
            })
            .map(|(p, _)| p)
    }

    /// The reasons of the pods' last failed attempts ("Insufficient cpu", "node(s) had
    /// untolerated taint …"), each with how many of the pods met it, most met first (ties in
    /// the order the scheduler first met them).
    pub fn reasons_of(&self, pods: &[PodId]) -> Vec<(&str, u32)> {
        let mut counts = vec![0u32; self.reason_pods.len()];
        for p in pods {
            for &r in self
                .last_reasons
                .get(p.idx())
                .map_or(&[][..], Vec::as_slice)
            {
                counts[r as usize] += 1;
            }
        }
        let mut out: Vec<(usize, u32)> = counts
            .into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .collect();
        out.sort_by_key(|&(r, n)| (std::cmp::Reverse(n), r));
        out.into_iter()
            .map(|(r, n)| {
                let name = self
                    .reason_pods
                    .get_index(r)
                    .map_or("", |(k, _)| k.as_str());
                (name, n)
            })
            .collect()
    }

    /// Whether some node could take `pod` now, with every filter the scheduler applies (the
    /// cluster autoscaler's check that a pending pod still needs a new node).
    pub fn fits_existing(&mut self, cluster: &Cluster, pod: PodId) -> bool {
        self.schedule_one(cluster, pod, true).is_ok()
    }

    /// The next instant a backing-off pod becomes schedulable.
    pub fn next_backoff_expiry(&self) -> Option<SimTime> {
        self.backoff.iter().next().map(|b| b.0)
    }

    /// Moves unschedulable pods back when capacity has grown since they failed, then pods
    /// whose backoff has expired into the active queue (`MoveAllToActiveOrBackoffQueue`).
    pub fn requeue(&mut self, cluster: &Cluster, now: SimTime) {
        if cluster.capacity_version != self.unschedulable_seen_version {
            self.unschedulable_seen_version = cluster.capacity_version;
            for (pod, generation, _) in std::mem::take(&mut self.unschedulable) {
                self.enqueue_backoff(cluster, pod, generation);
            }
        }
        while let Some(&(t, _, pod, generation)) = self.backoff.iter().next() {
            if t > now {
                break;
            }
            self.backoff.pop_first();
            let p = cluster.pod(pod);
            if p.generation != generation || p.phase != PodPhase::Unscheduled {
                continue;
            }
            self.seq += 1;
            self.active.insert(QueueKey {
                priority: Reverse(cluster.template(p.class).priority),
                seq: self.seq,
                pod,
                generation,
            });
        }
    }

    /// Moves a pod to the backoff queue, due when its backoff after its last attempt ends.
    fn enqueue_backoff(&mut self, cluster: &Cluster, pod: PodId, generation: u32) {
        let p = cluster.pod(pod);
        if p.generation != generation || p.phase != PodPhase::Unscheduled {
            return;
        }
        let wait = backoff(
            p.attempts,
            self.settings.pod_initial_backoff,
            self.settings.pod_max_backoff,
        );
        self.seq += 1;
        self.backoff
            .insert((p.last_attempt + wait, self.seq, pod, generation));
    }

    /// Pops every active pod in priority order and tries to place it.
    pub fn run_cycle(&mut self, cluster: &mut Cluster, now: SimTime, out: &mut Vec<Outcome>) {
        self.requeue(cluster, now);
        let mut bound_classes: Vec<ClassId> = Vec::new();
        while let Some(key) = self.active.pop_first() {
            let p = cluster.pod(key.pod);
            if p.generation != key.generation || p.phase != PodPhase::Unscheduled {
                continue;
            }
            match self.schedule_one(cluster, key.pod, false) {
                Ok(node) => {
                    cluster.bind(key.pod, node, now);
                    let class = cluster.pod(key.pod).class;
                    self.class_binds[class.idx()] += 1;
                    if !bound_classes.contains(&class) {
                        bound_classes.push(class);
                    }
                    out.push(Outcome::Bound(key.pod, node));
                }
                Err(failure) => {
                    let pod = &mut cluster.pods[key.pod.idx()];
                    pod.attempts += 1;
                    pod.last_attempt = now;
                    let slot = key.pod.idx();
                    let changed = self.last_reasons[slot] != failure.reasons;
                    if changed {
                        for &r in &failure.reasons {
                            if !self.seen_reasons[slot].contains(&r) {
                                self.seen_reasons[slot].push(r);
                                *self
                                    .reason_pods
                                    .get_index_mut(r as usize)
                                    .expect("interned")
                                    .1 += 1;
                            }
                        }
                        self.last_reasons[slot].clone_from(&failure.reasons);
                    }
                    let spread = failure.spread;
                    self.unschedulable.push((key.pod, pod.generation, spread));
                    out.push(Outcome::Unschedulable {
                        pod: key.pod,
                        message: failure.message,
                        changed,
                    });
                }
            }
        }
        // A bound pod changes its deployment's spread counts: retry the pods of the same class
        // that topology spread rejected (PodTopologySpread's queueing hint on Pod/Add).
        if !bound_classes.is_empty() {
            let waiting = std::mem::take(&mut self.unschedulable);
            for (pod, generation, spread) in waiting {
                if spread && bound_classes.contains(&cluster.pod(pod).class) {
                    self.enqueue_backoff(cluster, pod, generation);
                } else {
                    self.unschedulable.push((pod, generation, spread));
                }
            }
        }
    }

    /// Per-class caches sized for every class of the cluster.
    fn ensure_class_caches(&mut self, cluster: &Cluster) {
        let classes = cluster.classes.len();
        if self.static_cache.len() < classes {
            // Rows are filled on a class's first use (see `static_row`).
            self.static_cache.resize(classes, Vec::new());
            self.fail_cache.resize(classes, None);
            self.class_binds.resize(classes, 0);
        }
    }

    /// Whether pods of `class` pass the filters that depend only on the pool and zone
    /// (TaintToleration, NodeAffinity) on `pool` in `zone`: the cluster autoscaler's check of
    /// which pools could host them.
    pub fn statically_fits(
        &mut self,
        cluster: &Cluster,
        class: ClassId,
        pool: PoolId,
        zone: Zone,
    ) -> bool {
        self.ensure_class_caches(cluster);
        let row = static_row(&mut self.static_cache, cluster, class);
        static_verdict(row, cluster, cluster.template(class), pool, zone).is_none()
    }

    fn ensure_caches(&mut self, cluster: &Cluster) {
        self.ensure_class_caches(cluster);
        if self.order_version != cluster.node_set_version {
            self.order_version = cluster.node_set_version;
            // Group ready nodes by zone in order of first appearance, then interleave.
            let mut zones: Vec<(Zone, Vec<NodeId>)> = Vec::new();
            // Cordoned (Deleting) nodes stay in the snapshot and fail NodeUnschedulable.
            for n in cluster
                .nodes
                .iter()
                .filter(|n| matches!(n.state, NodeState::Ready | NodeState::Deleting))
            {
                match zones.iter_mut().find(|(z, _)| *z == n.zone) {
                    Some((_, v)) => v.push(n.id),
                    None => zones.push((n.zone, vec![n.id])),
                }
            }
            self.order.clear();
            let longest = zones.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
            for i in 0..longest {
                for (_, v) in &zones {
                    if let Some(n) = v.get(i) {
                        self.order.push(*n);
                    }
                }
            }
        }
    }

    fn intern(&mut self, message: String) -> u32 {
        let next = self.messages.len() as u32;
        *self.messages.entry(message).or_insert(next)
    }

    fn intern_reason(&mut self, reason: &Reason) -> u32 {
        let text = reason.text();
        match self.reason_pods.get_index_of(&text) {
            Some(i) => i as u32,
            None => {
                self.reason_pods.insert(text, 0);
                (self.reason_pods.len() - 1) as u32
            }
        }
    }

    /// One scheduling attempt: Filter over a sample of nodes, then Score, then pick.
    /// With `probe`, only asks whether some node is feasible: it stops at the first one,
    /// draws nothing and leaves the rotating start where it was.
    fn schedule_one(
        &mut self,
        cluster: &Cluster,
        pod: PodId,
        probe: bool,
    ) -> Result<NodeId, Failure> {
        self.ensure_caches(cluster);
        let class = cluster.pod(pod).class;
        if let Some(f) = &self.fail_cache[class.idx()]
            && f.capacity_version == cluster.capacity_version
            && f.node_set_version == cluster.node_set_version
            && f.class_binds == self.class_binds[class.idx()]
        {
            return Err(f.failure.clone());
        }
        let t = cluster.template(class);
        let Owner::Deployment(dep) = cluster.pod(pod).owner;
        let all = self.order.len();
        let hard: Vec<_> = t.spread.iter().filter(|c| c.hard).cloned().collect();
        // Spread domains: zones (or nodes) of ready nodes that pass the pod's node selector.
        let (zone_domains, min_zone_count) = if hard.iter().any(|c| c.key == TopologyKey::Zone) {
            self.zone_domains(cluster, class, dep)
        } else {
            ([false; ZONES], 0)
        };
        let zone_domain_count = zone_domains.iter().filter(|d| **d).count() as u32;
        let host_min = if hard.iter().any(|c| c.key == TopologyKey::Hostname) {
            self.host_min(cluster, class, dep)
        } else {
            (0, 0)
        };

        let want = if probe {
            1
        } else {
            num_feasible_nodes_to_find(self.settings.percentage_of_nodes_to_score, all)
        };
        let mut feasible: Vec<NodeId> = std::mem::take(&mut self.feasible_buffer);
        feasible.clear();
        let mut histogram: Vec<(Reason, u32)> = Vec::new();
        let mut processed = 0;
        let dep_state = &cluster.deployments[dep.idx()];
        // nodeSelector on the hostname label: looked up once per pod, not once per node.
        let host = t.node_selector.get(crate::api::LABEL_HOSTNAME);
        let static_row = static_row(&mut self.static_cache, cluster, class);
        // The node order from the rotating start, wrapping once (no division per node). The
        // start is taken modulo the current node count, as kube-scheduler's
        // `(nextStartNodeIndex + i) % numAllNodes` (pkg/scheduler/schedule_one.go): the list
        // may have shrunk since the start was last advanced.
        let mut at = if all == 0 {
            0
        } else {
            self.next_start_node % all
        };
        for _ in 0..all {
            if feasible.len() >= want {
                break;
            }
            processed += 1;
            let node_id = self.order[at];
            at += 1;
            if at == all {
                at = 0;
            }
            let node = cluster.node(node_id);
            // Reasons are drained at the end of every rejected node.
            debug_assert!(self.scratch_reasons.is_empty());
            // NodeUnschedulable: a cordoned node takes only pods that tolerate its taint.
            if node.state == NodeState::Deleting && !filter::tolerates_unschedulable(&t.tolerations)
            {
                match histogram
                    .iter_mut()
                    .find(|(x, _)| *x == Reason::Unschedulable)
                {
                    Some((_, n)) => *n += 1,
                    None => histogram.push((Reason::Unschedulable, 1)),
                }
                continue;
            }
            // A node whose Ready condition is False carries the node controller's NoSchedule
            // taint, which pods do not tolerate by default.
            if node.fault != 0 {
                // Found without building the reason, which is built once, for its first node.
                let unreachable =
                    |x: &Reason| matches!(x, Reason::UntoleratedTaint(s) if s == UNREACHABLE_TAINT);
                match histogram.iter_mut().find(|(x, _)| unreachable(x)) {
                    Some((_, n)) => *n += 1,
                    None => histogram.push((Reason::UntoleratedTaint(UNREACHABLE_TAINT.into()), 1)),
                }
                continue;
            }
            // TaintToleration and NodeAffinity depend only on the pool and zone.
            if let Some(r) = static_verdict(static_row, cluster, t, node.pool, node.zone) {
                // Counted by reference: a reason is cloned once, not once per node.
                match histogram.iter_mut().find(|(x, _)| x == r) {
                    Some((_, n)) => *n += 1,
                    None => histogram.push((r.clone(), 1)),
                }
                continue;
            } else if host.is_some_and(|h| *h != node.name) {
                self.scratch_reasons.push(Reason::NodeAffinity);
            } else if filter::resources_fit(
                t.cpu_request_millis,
                t.memory_request_bytes,
                node,
                &mut self.scratch_reasons,
            ) {
                let spread_fails = hard.iter().any(|c| match c.key {
                    TopologyKey::Zone => !filter::spread_ok(
                        dep_state.zone_counts[node.zone.0 as usize],
                        min_zone_count,
                        zone_domain_count,
                        c.max_skew,
                        c.min_domains,
                    ),
                    TopologyKey::Hostname => {
                        let here = pods_of_on(cluster, dep, node_id);
                        !filter::spread_ok(here, host_min.0, host_min.1, c.max_skew, c.min_domains)
                    }
                });
                if spread_fails {
                    self.scratch_reasons.push(Reason::TopologySpread);
                } else {
                    feasible.push(node_id);
                    continue;
                }
            }
            for r in self.scratch_reasons.drain(..) {
                match histogram.iter_mut().find(|(x, _)| *x == r) {
                    Some((_, n)) => *n += 1,
                    None => histogram.push((r, 1)),
                }
            }
        }
        if all > 0 && !probe {
            self.next_start_node = (self.next_start_node + processed) % all;
        }
        if feasible.is_empty() {
            let message = self.intern(filter::fit_error(all, &histogram));
            let mut reasons: Vec<u32> = histogram
                .iter()
                .map(|(r, _)| self.intern_reason(r))
                .collect();
            reasons.sort_unstable();
            let spread = histogram.iter().any(|(r, _)| *r == Reason::TopologySpread);
            let failure = Failure {
                message,
                reasons,
                spread,
            };
            self.fail_cache[class.idx()] = Some(FailStamp {
                capacity_version: cluster.capacity_version,
                node_set_version: cluster.node_set_version,
                class_binds: self.class_binds[class.idx()],
                failure: failure.clone(),
            });
            self.feasible_buffer = feasible;
            return Err(failure);
        }
        let chosen = if feasible.len() == 1 || probe {
            feasible[0]
        } else {
            self.pick(cluster, t, dep, &feasible)
        };
        self.feasible_buffer = feasible;
        Ok(chosen)
    }

    /// Zones that are spread domains for this class, and the smallest matching-pod count among them.
    fn zone_domains(
        &mut self,
        cluster: &Cluster,
        class: ClassId,
        dep: crate::cluster::DeploymentId,
    ) -> ([bool; ZONES], u32) {
        let mut domains = [false; ZONES];
        let t = cluster.template(class);
        // A hostname selector narrows the eligible nodes to that one node (and its zone).
        let host = t.node_selector.get(crate::api::LABEL_HOSTNAME);
        for pool in &cluster.pools {
            for (zi, zone) in pool.zones.iter().enumerate() {
                if domains[zone.0 as usize] {
                    continue;
                }
                // nodeAffinityPolicy Honor: only nodes matching the selector define domains;
                // nodeTaintsPolicy Ignore: taints do not matter here.
                let labels = &pool.zone_labels[zi];
                let selects = t
                    .node_selector
                    .iter()
                    .filter(|(k, _)| k.as_str() != crate::api::LABEL_HOSTNAME)
                    .all(|(k, v)| labels.get(k) == Some(v));
                let eligible = match host {
                    None => pool.ready_in_zone[zone.0 as usize] > 0,
                    Some(h) => pool.nodes.iter().map(|n| cluster.node(*n)).any(|n| {
                        n.zone == *zone
                            && n.name == *h
                            && matches!(n.state, NodeState::Ready | NodeState::Deleting)
                    }),
                };
                if selects && eligible {
                    domains[zone.0 as usize] = true;
                }
            }
        }
        let counts = &cluster.deployments[dep.idx()].zone_counts;
        let min = (0..ZONES)
            .filter(|z| domains[*z])
            .map(|z| counts[z])
            .min()
            .unwrap_or(0);
        (domains, min)
    }

    /// For a hostname constraint: (min matching pods over eligible nodes, eligible node count).
    fn host_min(
        &mut self,
        cluster: &Cluster,
        class: ClassId,
        dep: crate::cluster::DeploymentId,
    ) -> (u32, u32) {
        let mut min = u32::MAX;
        let mut count = 0;
        for i in 0..self.order.len() {
            let id = self.order[i];
            let n = cluster.node(id);
            let pool = cluster.pool(n.pool);
            let labels = &pool.zone_labels[pool.zone_index(n.zone)];
            let t = cluster.template(class);
            let selects = t.node_selector.iter().all(|(k, v)| {
                if k == crate::api::LABEL_HOSTNAME {
                    *v == n.name
                } else {
                    labels.get(k) == Some(v)
                }
            });
            if selects {
                count += 1;
                min = min.min(pods_of_on(cluster, dep, id));
            }
        }
        (if count == 0 { 0 } else { min }, count)
    }

    /// Scores the feasible nodes and picks the best, ties broken by reservoir sampling.
    fn pick(
        &mut self,
        cluster: &Cluster,
        t: &PodTemplate,
        dep: crate::cluster::DeploymentId,
        feasible: &[NodeId],
    ) -> NodeId {
        let n = feasible.len();
        // Score buffers reused from pod to pod.
        let (mut taint, mut spread, mut total) = std::mem::take(&mut self.score_buffers);
        for v in [&mut taint, &mut spread, &mut total] {
            v.clear();
            v.resize(n, 0);
        }
        // Intolerable PreferNoSchedule taints per pool, counted once per attempt.
        let taints_of_pool: Vec<i64> = cluster
            .pools
            .iter()
            .map(|p| {
                p.spec
                    .taints
                    .iter()
                    .filter(|x| {
                        x.effect == crate::api::TaintEffect::PreferNoSchedule
                            && !crate::api::tolerated(&t.tolerations, x)
                    })
                    .count() as i64
            })
            .collect();
        // Soft spread constraints: the pod's ScheduleAnyway ones, or the system defaults
        // (hostname maxSkew 3, zone maxSkew 5) when it declares none.
        // Pods no Service or ReplicaSet selects (trace pods) get no system defaults.
        let soft: Vec<(TopologyKey, u32)> = if t.spread.is_empty() && !t.system_default_spread {
            Vec::new()
        } else if t.spread.is_empty() {
            vec![(TopologyKey::Hostname, 3), (TopologyKey::Zone, 5)]
        } else {
            t.spread
                .iter()
                .filter(|c| !c.hard)
                .map(|c| (c.key, c.max_skew))
                .collect()
        };
        let zones_among_feasible = {
            let mut seen = [false; ZONES];
            for id in feasible {
                seen[cluster.node(*id).zone.0 as usize] = true;
            }
            seen.iter().filter(|s| **s).count()
        };
        let counts = &cluster.deployments[dep.idx()].zone_counts;
        // ln(domains + 2) per constraint, the same for every node of this attempt.
        let weights: Vec<f64> = soft
            .iter()
            .map(|(key, _)| match key {
                TopologyKey::Zone => score::topology_weight(zones_among_feasible),
                TopologyKey::Hostname => score::topology_weight(n),
            })
            .collect();
        let cpu_nz = crate::api::non_zero_cpu(t.cpu_request_millis);
        let mem_nz = crate::api::non_zero_memory(t.memory_request_bytes);
        let total_nodes = self.order.len() as u32;
        for (i, id) in feasible.iter().enumerate() {
            let node = cluster.node(*id);
            taint[i] = taints_of_pool[node.pool.idx()];
            if !soft.is_empty() {
                let raw: f64 = soft
                    .iter()
                    .zip(&weights)
                    .map(|((key, skew), w)| match key {
                        TopologyKey::Zone => {
                            score::spread_for_count(counts[node.zone.0 as usize], *w, *skew)
                        }
                        TopologyKey::Hostname => {
                            score::spread_for_count(pods_of_on(cluster, dep, *id), *w, *skew)
                        }
                    })
                    .sum();
                // Never negative, so adding ½ and truncating is `math.Round`.
                spread[i] = (raw + 0.5) as i64;
            }
            let a = node.allocatable;
            let fit = score::least_allocated(
                node.cpu_nonzero_requested + cpu_nz,
                a.cpu_millis,
                node.memory_nonzero_requested + mem_nz,
                a.memory_bytes,
            );
            let balanced = score::balanced_allocation(
                node.cpu_requested + t.cpu_request_millis,
                a.cpu_millis,
                node.memory_requested + t.memory_request_bytes,
                a.memory_bytes,
            );
            let image = t.image.map_or(0, |img| {
                let on_node = node.image_ready_at(img as u32).is_some();
                score::image_locality(
                    cluster.image_sizes[img],
                    cluster.image_node_counts[img],
                    total_nodes,
                    on_node,
                )
            });
            total[i] = score::WEIGHT_FIT * fit
                + score::WEIGHT_BALANCED * balanced
                + score::WEIGHT_IMAGE * image;
        }
        score::normalize_reverse(&mut taint);
        if !soft.is_empty() {
            score::normalize_spread(&mut spread);
        }
        let mut best = 0;
        let mut ties = 0u32;
        let mut best_score = i64::MIN;
        for i in 0..n {
            let s = total[i] + score::WEIGHT_TAINT * taint[i] + score::WEIGHT_SPREAD * spread[i];
            if s > best_score {
                best_score = s;
                best = i;
                ties = 1;
            } else if s == best_score {
                ties += 1;
                if self.rng.random_range(0..ties) == 0 {
                    best = i;
                }
            }
        }
        self.score_buffers = (taint, spread, total);
        feasible[best]
    }
}

/// Non-terminating pods of deployment `dep` on `node` (the hostname spread count).
fn pods_of_on(cluster: &Cluster, dep: crate::cluster::DeploymentId, node: NodeId) -> u32 {
    cluster.node(node).pods_of(dep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_sampling_matches_kube_scheduler() {
        // < 100 nodes: all of them.
        assert_eq!(num_feasible_nodes_to_find(0, 99), 99);
        // 1000 nodes: 50 − 1000/125 = 42 % → 420.
        assert_eq!(num_feasible_nodes_to_find(0, 1000), 420);
        // 5000 nodes: 50 − 40 = 10 % → 500.
        assert_eq!(num_feasible_nodes_to_find(0, 5000), 500);
        // 6000 nodes: 50 − 48 = 2 % → floored at 5 % → 300.
        assert_eq!(num_feasible_nodes_to_find(0, 6000), 300);
        // An explicit 1 % of 1000 = 10 → raised to the 100-node minimum.
        assert_eq!(num_feasible_nodes_to_find(1, 1000), 100);
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let (i, m) = (SimDuration::from_secs(1), SimDuration::from_secs(10));
        let got: Vec<u64> = (0..7).map(|a| backoff(a, i, m).as_ms() / 1000).collect();
        assert_eq!(got, vec![0, 1, 2, 4, 8, 10, 10]);
    }
}
