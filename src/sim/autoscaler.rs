//! The Cluster Autoscaler's loop, run every `scan-interval` (`core/static_autoscaler.go`
//! `RunOnce`, CA 1.34+ ordering): registration timeouts, the unready-node safety stop, node
//! pools below `min_count`, scale-up for unschedulable pods, then scale-down. The decisions come
//! from the pure functions in `autoscaler/`; this file gathers their inputs from the cluster
//! and applies what they decide, logging every decision with its reason.
//!
//! Departures from upstream, all documented in the README:
//! - a pending class of pods that some existing node can take now (every scheduler filter) is
//!   left to the scheduler for this loop, whole, instead of being packed pod by pod onto a
//!   snapshot of the cluster;
//! - upcoming nodes absorb pending pods by the binpacking estimate on their template;
//! - the scale-down simulation places pods first-fit by resources, selectors and taints; it
//!   does not check topology spread, and a node that receives simulated pods is not itself
//!   removed in the same loop.

use crate::autoscaler::backoff::BackoffSettings;
use crate::autoscaler::scale_down::{self, NodeLoad, PodFacts, Utilization};
use crate::autoscaler::{
    self, Backoff, ExpansionOption, NodeTemplate, PodGroup, Resources, estimate,
};
use crate::cluster::{
    ClassId, CreateError, NodeId, NodeState, Owner, PodId, PodPhase, PoolId, ZONES, Zone,
};
use crate::engine::rng::Stream;
use crate::engine::{SimDuration, SimTime};
use crate::observe::record::{NodeCreation, Record, Removal, ScaleUpCause};
use crate::observe::{Durations, round3};

use super::{Event, Sim};

/// Pods younger than this make the loop wait one iteration for more (`static_autoscaler.go`,
/// "Some pods are very young": 2 s, GPU pods aside).
const YOUNG_POD: SimDuration = SimDuration::from_secs(2);
/// `--scale-down-non-empty-candidates-count`: occupied nodes whose pods are re-placed per loop.
const NON_EMPTY_CANDIDATES: usize = 30;
/// `--max-nodes-per-scaleup`.
const MAX_NODES_PER_SCALE_UP: u32 = 1000;

/// One node pool as the autoscaler tracks it.
#[derive(Debug, Clone, Default)]
pub struct PoolCa {
    pub backoff: Backoff,
    /// Scale-ups that grew this pool (one per loop), and the nodes they asked for.
    pub scale_ups: u32,
    pub nodes_added: u32,
    /// Nodes the autoscaler removed.
    pub scale_downs: u32,
    /// Scale-ups that restored `min_count`.
    pub min_restores: u32,
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

/// The autoscaler's memory between loops.
pub struct CaState {
    /// Some pool has `enable_auto_scaling`.
    pub enabled: bool,
    pub pools: Vec<PoolCa>,
    last_scale_up: Option<SimTime>,
    last_delete: Option<SimTime>,
    /// Per node id: since when it has been unneeded.
    unneeded: Vec<Option<SimTime>>,
    /// Per node id: not simulated again before this instant.
    recheck_at: Vec<SimTime>,
    /// Per node id: the last reason logged for keeping it.
    kept_reason: Vec<Option<String>>,
    /// Nodes being created (any cause), for the registration deadline.
    pub upcoming: Vec<NodeId>,
    /// Occupied nodes the autoscaler is draining.
    drains: Vec<NodeId>,
    halted: bool,
    cooldown_logged: Option<SimTime>,
    no_scale_up_logged: String,
    /// Per node id: scratch requests placed by this loop's simulation, and a stamp.
    extra: Vec<(u64, u64, u32, u64)>,
    /// Per node id: the stamp of the loop in which it became the destination of a node
    /// found removable (it is not removed in that loop).
    received: Vec<u64>,
    stamp: u64,
    rng: Stream,
    /// Failed scale-ups by reason key (`QuotaExceeded`, …).
    pub failed: Vec<(String, u64)>,
    /// Each failed scale-up: when, and "pool reason" (for the charts).
    pub failure_marks: Vec<(SimTime, String)>,
    /// Time from a pod's first Unschedulable to Running.
    pub unschedulable_to_running: Durations,
    pub outages: Vec<OutageRecord>,
    /// Until when each zone is down.
    pub zone_down: [Option<SimTime>; ZONES],
    /// `(vm size, zone or every zone, until)`.
    pub stock_outs: Vec<(String, Option<u8>, SimTime)>,
    /// Registered nodes whose Ready condition is False.
    pub unready_nodes: u32,
}

impl CaState {
    pub fn new(pools: usize, enabled: bool, rng: Stream) -> Self {
        CaState {
            enabled,
            pools: vec![PoolCa::default(); pools],
            last_scale_up: None,
            last_delete: None,
            unneeded: Vec::new(),
            recheck_at: Vec::new(),
            kept_reason: Vec::new(),
            upcoming: Vec::new(),
            drains: Vec::new(),
            halted: false,
            cooldown_logged: None,
            no_scale_up_logged: String::new(),
            extra: Vec::new(),
            received: Vec::new(),
            stamp: 0,
            rng,
            failed: Vec::new(),
            failure_marks: Vec::new(),
            unschedulable_to_running: Durations::default(),
            outages: Vec::new(),
            zone_down: [None; ZONES],
            stock_outs: Vec::new(),
            unready_nodes: 0,
        }
    }

    fn grow(&mut self, nodes: usize) {
        if self.unneeded.len() < nodes {
            self.unneeded.resize(nodes, None);
            self.recheck_at.resize(nodes, SimTime::ZERO);
            self.kept_reason.resize(nodes, None);
            self.extra.resize(nodes, (0, 0, 0, 0));
            self.received.resize(nodes, 0);
        }
    }

    pub fn count_failure(&mut self, key: &str) {
        match self.failed.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => *n += 1,
            None => self.failed.push((key.to_string(), 1)),
        }
    }
}

/// Why Azure refused new VMs: a reason key (Azure's error code) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub key: &'static str,
    pub message: String,
}

/// One candidate scale-up with what similarity needs.
struct Candidate {
    option: ExpansionOption,
    classes: Vec<ClassId>,
}

impl Sim {
    fn backoff_settings(&self) -> BackoffSettings {
        let p = &self.scenario.autoscaler;
        BackoffSettings {
            initial: p.initial_node_group_backoff,
            max: p.max_node_group_backoff,
            reset: p.node_group_backoff_reset_timeout,
        }
    }

    /// Nodes of a pool that count towards its size: every live node not being deleted.
    pub(super) fn pool_size(&self, pool: usize) -> u32 {
        let c = &self.cluster;
        c.pools[pool]
            .nodes
            .iter()
            .filter(|n| c.node(**n).state != NodeState::Deleting)
            .count() as u32
    }

    /// The scale set's size, which counts nodes being deleted until their VMs are gone: what
    /// `max_count` caps.
    fn scale_set_size(&self, pool: usize) -> u32 {
        self.cluster.pools[pool].nodes.len() as u32
    }

    fn cluster_size(&self) -> u32 {
        (0..self.cluster.pools.len())
            .map(|p| self.pool_size(p))
            .sum()
    }

    /// Whether Azure can create `count` more VMs in `pool` now, and in which zones (best-effort
    /// balanced over the pool's zones that are up and have stock). Checks are all-or-nothing, as
    /// one scale-set update is: the node limits, the subnet, the pod CIDR, the vCPU quota of the
    /// VM family, outages and stock-outs.
    pub(super) fn azure_check(
        &self,
        pool: usize,
        count: u32,
        now: SimTime,
    ) -> Result<Vec<Zone>, Refusal> {
        let c = &self.cluster;
        let p = &c.pools[pool];
        let spec = &p.spec;
        let n = u64::from(count);
        if let Err(e) = c.room_for(PoolId(pool as u32), count) {
            return Err(match e {
                CreateError::NodeLimit { scope, limit } => Refusal {
                    key: "NodeLimitExceeded",
                    message: format!(
                        "the {scope} would have more than {limit} nodes, the AKS limit"
                    ),
                },
                CreateError::SubnetFull { needed, free } => Refusal {
                    key: "SubnetIsFull",
                    message: if count == 1 {
                        format!("the node needs {needed} subnet addresses and {free} are free")
                    } else {
                        format!(
                            "{count} nodes need {needed} subnet addresses ({} each) and {free} are free",
                            spec.ips_per_node
                        )
                    },
                },
                CreateError::PodCidrFull => Refusal {
                    key: "PodCidrFull",
                    message: "the overlay pod CIDR has no /24 left for another node".into(),
                },
            });
        }
        // Spot VMs count against a separate spot quota, not the family's.
        let regular = spec.priority == crate::scenario::Priority::Regular;
        if let Some(q) = self
            .scenario
            .quotas
            .iter()
            .find(|q| regular && q.family == spec.sku.family)
        {
            let used: u64 = c
                .pools
                .iter()
                .filter(|x| {
                    x.spec.sku.family == q.family
                        && x.spec.priority == crate::scenario::Priority::Regular
                })
                .map(|x| x.nodes.len() as u64 * u64::from(x.spec.sku.vcpu))
                .sum();
            let want = n * u64::from(spec.sku.vcpu);
            if used + want > q.vcpus {
                return Err(Refusal {
                    key: "QuotaExceeded",
                    message: format!(
                        "{want} more {} vCPUs would exceed the regional quota: {used} of {} in use",
                        q.family, q.vcpus
                    ),
                });
            }
        }
        // Zones that can take a VM of this size now.
        let available = |z: Zone| -> Result<(), Refusal> {
            if z.0 > 0 && self.ca.zone_down[z.0 as usize].is_some_and(|until| until > now) {
                return Err(Refusal {
                    key: "ZonalAllocationFailed",
                    message: format!("zone {} is down", z.0),
                });
            }
            let out = self.ca.stock_outs.iter().any(|(sku, zone, until)| {
                *until > now && *sku == spec.sku.name && zone.is_none_or(|x| x == z.0 || z.0 == 0)
            });
            if out {
                return Err(Refusal {
                    key: if z.0 == 0 {
                        "AllocationFailed"
                    } else {
                        "ZonalAllocationFailed"
                    },
                    message: if z.0 == 0 {
                        format!("no capacity for {} in the region", spec.sku.name)
                    } else {
                        format!("no capacity for {} in zone {}", spec.sku.name, z.0)
                    },
                });
            }
            Ok(())
        };
        let mut counts = c.zone_counts(PoolId(pool as u32));
        let mut open: Vec<usize> = Vec::new();
        let mut refusals: Vec<Refusal> = Vec::new();
        for (i, z) in p.zones.iter().enumerate() {
            match available(*z) {
                Ok(()) => open.push(i),
                Err(r) => refusals.push(r),
            }
        }
        if open.is_empty() {
            // Every zone refused: the first zone's code, every zone's reason.
            let messages: Vec<String> = refusals.iter().map(|r| r.message.clone()).collect();
            let key = refusals.first().expect("a pool has at least one zone").key;
            return Err(Refusal {
                key,
                message: messages.join("; "),
            });
        }
        let mut zones = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let i = *open
                .iter()
                .min_by_key(|i| (counts[**i], **i))
                .expect("non-empty");
            counts[i] += 1;
            zones.push(p.zones[i]);
        }
        Ok(zones)
    }

    /// What Azure grants of a request for `count` VMs: every check is all-or-nothing except
    /// the subnet, where the VMs that still get addresses are created and the rest fail.
    fn azure_grant(&self, pool: usize, count: u32, now: SimTime) -> (Vec<Zone>, Option<Refusal>) {
        match self.azure_check(pool, count, now) {
            Ok(zones) => (zones, None),
            Err(r) if r.key == "SubnetIsFull" => {
                let c = &self.cluster;
                let per = c.pools[pool].spec.ips_per_node.max(1);
                let fit = (c.subnet_ips.saturating_sub(c.ips_used) / per) as u32;
                let zones = if fit > 0 {
                    self.azure_check(pool, fit.min(count), now)
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let refused = count - zones.len() as u32;
                let message = format!(
                    "{refused} of {count} node(s) refused: each needs {per} subnet addresses and {} are free after the {} granted",
                    c.subnet_ips.saturating_sub(c.ips_used) - per * zones.len() as u64,
                    zones.len()
                );
                (
                    zones,
                    Some(Refusal {
                        key: r.key,
                        message,
                    }),
                )
            }
            Err(r) => (Vec::new(), Some(r)),
        }
    }

    /// A scale-up of `pool` failed: back it off and say why.
    fn scale_up_failed(&mut self, pool: usize, refusal: &Refusal, now: SimTime) {
        let s = self.backoff_settings();
        let until = self.ca.pools[pool].backoff.fail(now, s, refusal.key);
        self.ca.count_failure(refusal.key);
        let name = self.scenario.pools[pool].name.clone();
        self.ca
            .failure_marks
            .push((now, format!("{name}: {}", refusal.key)));
        let until_clock = self.log.wall_clock(until);
        self.log.emit(
            now,
            Record::CaScaleUpFailed {
                pool: name.into(),
                reason: refusal.key,
                message: (&refusal.message).into(),
                backoff_until: until_clock.into(),
            },
        );
    }

    /// One autoscaler loop.
    pub(super) fn autoscaler_scan(&mut self, now: SimTime) {
        self.ca.grow(self.cluster.nodes.len());
        self.registration_timeouts(now);
        // The safety stop: too many unready nodes halts every operation.
        let registered: u32 = self
            .cluster
            .pools
            .iter()
            .map(|p| p.ready_in_zone.iter().sum::<u32>())
            .sum();
        let profile = &self.scenario.autoscaler;
        let unready = self.ca.unready_nodes;
        let halt = unready > profile.ok_total_unready_count
            && f64::from(unready) * 100.0
                > profile.max_total_unready_percentage * f64::from(registered);
        if halt != self.ca.halted {
            self.ca.halted = halt;
            let why = format!(
                "{unready} of {registered} nodes are unready (more than {} and more than {}%)",
                profile.ok_total_unready_count, profile.max_total_unready_percentage
            );
            if halt {
                self.log.emit(now, Record::CaHalted { reason: why.into() });
            } else {
                self.log.emit(now, Record::CaResumed);
            }
        }
        if halt {
            // Upstream forgets the unneeded nodes while the cluster is unhealthy.
            self.ca.unneeded.iter_mut().for_each(|u| *u = None);
            return;
        }
        self.restore_min_counts(now);
        let waited = self.scale_up(now);
        if self.scenario.autoscaler.scale_down_enabled {
            // A loop that waits for more pods still updates the unneeded set but deletes nothing.
            self.scale_down(now, !waited);
        }
    }

    /// Nodes not registered within `max-node-provision-time` are deleted and their pool is
    /// backed off (`clusterstate` long-unregistered nodes).
    fn registration_timeouts(&mut self, now: SimTime) {
        let limit = self.scenario.autoscaler.max_node_provision_time;
        // Per pool: the nodes that missed the deadline in this loop (one failed scale-up).
        let mut late: Vec<(usize, Vec<String>)> = Vec::new();
        let mut i = 0;
        while i < self.ca.upcoming.len() {
            let id = self.ca.upcoming[i];
            let n = self.cluster.node(id);
            if n.state != NodeState::Provisioning {
                self.ca.upcoming.swap_remove(i);
                continue;
            }
            if now.since(n.created_at) < limit {
                i += 1;
                continue;
            }
            self.ca.upcoming.swap_remove(i);
            let (pool, name) = (n.pool.idx(), n.name.clone());
            self.delete_node(id, now, "not registered within max-node-provision-time");
            match late.iter_mut().find(|(p, _)| *p == pool) {
                Some((_, v)) => v.push(name),
                None => late.push((pool, vec![name])),
            }
        }
        late.sort();
        for (pool, mut names) in late {
            if !self.scenario.pools[pool].enable_auto_scaling {
                continue;
            }
            names.sort();
            let refusal = Refusal {
                key: "ProvisioningTimeout",
                message: format!(
                    "{} node(s) did not register within {limit}: {}",
                    names.len(),
                    names.join(", ")
                ),
            };
            self.scale_up_failed(pool, &refusal, now);
        }
    }

    /// A node registered: when its pool has no other node on the way, the scale-up is complete
    /// and the pool's backoff is cleared.
    pub(super) fn ca_node_registered(&mut self, node: NodeId) {
        let pool = self.cluster.node(node).pool;
        self.ca.upcoming.retain(|n| *n != node);
        let c = &self.cluster;
        let more = self.ca.upcoming.iter().any(|n| c.node(*n).pool == pool);
        if !more {
            self.ca.pools[pool.idx()].backoff.clear();
        }
    }

    /// AKS brings an autoscaled pool back to `min_count` when nodes were lost (spot evictions,
    /// deleted VMs), as upstream's `--enforce-node-group-min-size`.
    fn restore_min_counts(&mut self, now: SimTime) {
        for p in 0..self.cluster.pools.len() {
            let spec = &self.scenario.pools[p];
            if !spec.enable_auto_scaling {
                continue;
            }
            let size = self.pool_size(p);
            if size >= spec.min_count || self.ca.pools[p].backoff.active(now).is_some() {
                continue;
            }
            let mut missing = spec.min_count - size;
            let total_cap = self.scenario.autoscaler.max_nodes_total;
            if total_cap > 0 {
                missing = missing.min(total_cap.saturating_sub(self.cluster_size()));
                if missing == 0 {
                    continue;
                }
            }
            let (zones, refused) = self.azure_grant(p, missing, now);
            if !zones.is_empty() {
                {
                    let missing = zones.len() as u32;
                    let name = spec.name.clone();
                    self.log.emit(
                        now,
                        Record::CaScaleUp {
                            pools: format!("{name} +{missing}").into(),
                            nodes: missing,
                            cause: ScaleUpCause::MinCount {
                                reason: format!(
                                    "pool {name} has {size} nodes, below its min_count {}",
                                    spec.min_count
                                )
                                .into(),
                            },
                        },
                    );
                    for z in zones {
                        self.create_node_in(
                            PoolId(p as u32),
                            z,
                            now,
                            NodeCreation::AutoscalerMinCount,
                        );
                    }
                    let s = &mut self.ca.pools[p];
                    s.min_restores += 1;
                    s.scale_ups += 1;
                    s.nodes_added += missing;
                    self.ca.last_scale_up = Some(now);
                }
            }
            if let Some(r) = refused {
                self.scale_up_failed(p, &r, now);
            }
        }
    }

    /// Whether pods of `class` pass the static filters on `pool` in `zone`, from the
    /// scheduler's cache of them.
    fn statically_fits(&mut self, class: ClassId, pool: usize, zone: Zone) -> bool {
        self.scheduler
            .statically_fits(&self.cluster, class, PoolId(pool as u32), zone)
    }

    fn template(&self, pool: usize, zone: Zone) -> NodeTemplate {
        let p = &self.cluster.pools[pool];
        let a = p.spec.allocatable;
        let d = p.daemon[p.zone_index(zone)];
        NodeTemplate {
            allocatable: Resources::new(a.cpu_millis, a.memory_bytes),
            max_pods: a.pods,
            daemon: Resources::new(d.cpu_millis, d.memory_bytes),
            daemon_pods: d.pods,
        }
    }

    /// Scale-up. Returns true when the loop waits one iteration for more pods (which also
    /// skips scale-down).
    fn scale_up(&mut self, now: SimTime) -> bool {
        if self.unscheduled_pods() == 0 {
            return false;
        }
        let profile = self.scenario.autoscaler.clone();
        let mut pods: Vec<PodId> = self.scheduler.failed_pods(&self.cluster).collect();
        pods.sort_unstable();
        pods.dedup();
        let c = &self.cluster;
        pods.retain(|p| {
            let pod = c.pod(*p);
            let t = c.template(pod.class);
            t.priority >= profile.expendable_pods_priority_cutoff
                && now.since(pod.created_at) >= profile.new_pod_scale_up_delay
        });
        if pods.is_empty() {
            return false;
        }
        // Equivalence groups, by class, in class order.
        let mut groups: Vec<(ClassId, Vec<PodId>)> = Vec::new();
        let mut by_class = pods.clone();
        by_class.sort_by_key(|p| (c.pod(*p).class, *p));
        for p in by_class {
            let class = c.pod(p).class;
            match groups.last_mut() {
                Some((k, v)) if *k == class => v.push(p),
                _ => groups.push((class, vec![p])),
            }
        }
        // A class some existing node can take now is the scheduler's to place.
        let mut i = 0;
        while i < groups.len() {
            if self.scheduler.fits_existing(&self.cluster, groups[i].1[0]) {
                groups.remove(i);
            } else {
                i += 1;
            }
        }
        if groups.is_empty() {
            return false;
        }
        let c = &self.cluster;
        if groups
            .iter()
            .flat_map(|(_, v)| v)
            .all(|p| now.since(c.pod(*p).created_at) < YOUNG_POD)
        {
            return true;
        }
        // Nodes on their way absorb what fits on them.
        let mut left: Vec<u32> = groups.iter().map(|(_, v)| v.len() as u32).collect();
        let mut coming: Vec<(usize, Zone, u32)> = Vec::new();
        for id in &self.ca.upcoming {
            let n = self.cluster.node(*id);
            let (p, z) = (n.pool.idx(), n.zone);
            match coming.iter_mut().find(|(q, y, _)| *q == p && *y == z) {
                Some((_, _, k)) => *k += 1,
                None => coming.push((p, z, 1)),
            }
        }
        coming.sort_unstable();
        for (p, z, k) in coming {
            let input = self.pod_groups(&groups, &left, |s, class| s.statically_fits(class, p, z));
            if input.is_empty() {
                continue;
            }
            let e = estimate(&self.template(p, z), &input, k);
            for (gid, placed) in e.per_group {
                left[gid as usize] -= placed;
            }
        }
        let pending: u32 = left.iter().sum();
        if pending == 0 {
            return false;
        }
        // One option per pool that can grow.
        let total = self.cluster_size();
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut skipped: Vec<String> = Vec::new();
        let mut hostable: Vec<Vec<ClassId>> = Vec::new();
        for p in 0..self.cluster.pools.len() {
            hostable.push(Vec::new());
            let spec = self.scenario.pools[p].clone();
            if !spec.enable_auto_scaling {
                continue;
            }
            let zones = self.cluster.pools[p].zones.clone();
            let mut classes = Vec::new();
            for (gi, (class, _)) in groups.iter().enumerate() {
                if left[gi] > 0 && zones.iter().any(|z| self.statically_fits(*class, p, *z)) {
                    classes.push(*class);
                }
            }
            *hostable.last_mut().expect("pushed") = classes.clone();
            if classes.is_empty() {
                continue;
            }
            let size = self.scale_set_size(p);
            if size >= spec.max_count {
                skipped.push(format!("{}: at max_count {}", spec.name, spec.max_count));
                continue;
            }
            if let Some((until, why)) = self.ca.pools[p].backoff.active(now) {
                skipped.push(format!(
                    "{}: backed off until {} after {why}",
                    spec.name,
                    self.log.wall_clock(until)
                ));
                continue;
            }
            let mut cap = (spec.max_count - size).min(MAX_NODES_PER_SCALE_UP);
            if profile.max_nodes_total > 0 {
                if total >= profile.max_nodes_total {
                    skipped.push(format!(
                        "{}: the cluster is at max-nodes-total {}",
                        spec.name, profile.max_nodes_total
                    ));
                    continue;
                }
                cap = cap.min(profile.max_nodes_total - total);
            }
            let zone = self
                .azure_check(p, 1, now)
                .ok()
                .and_then(|z| z.first().copied())
                .unwrap_or(zones[0]);
            let input = self.pod_groups(&groups, &left, |_, class| classes.contains(&class));
            let template = self.template(p, zone);
            let e = estimate(&template, &input, cap);
            if e.nodes == 0 {
                skipped.push(format!(
                    "{}: the pending pods do not fit an empty {} node",
                    spec.name, spec.sku.name
                ));
                continue;
            }
            let mut requested = Resources::ZERO;
            for (gid, placed) in &e.per_group {
                let (cpu, mem) = self.cluster.requests(groups[*gid as usize].0);
                requested.cpu_millis += cpu * u64::from(*placed);
                requested.memory_bytes += mem * u64::from(*placed);
            }
            candidates.push(Candidate {
                option: ExpansionOption {
                    group: p,
                    node_count: e.nodes,
                    pods: e.pods,
                    node_capacity: Resources::new(
                        u64::from(spec.sku.vcpu) * 1000,
                        spec.sku.memory_bytes,
                    ),
                    requested,
                    price_per_hour: spec.price_per_hour * f64::from(e.nodes),
                    name: spec.name.clone(),
                },
                classes,
            });
        }
        let options: Vec<ExpansionOption> = candidates.iter().map(|c| c.option.clone()).collect();
        let chosen = autoscaler::choose(&profile.expander, &options, &mut self.ca.rng);
        let Some((best, why)) = chosen else {
            let text = if skipped.is_empty() {
                "no autoscaled pool can run them (selectors, taints or OS)".to_string()
            } else {
                skipped.join("; ")
            };
            if text != self.ca.no_scale_up_logged {
                self.log.emit(
                    now,
                    Record::CaNoScaleUp {
                        pending_pods: pending,
                        reason: (&text).into(),
                    },
                );
                self.ca.no_scale_up_logged = text;
            }
            return false;
        };
        self.ca.no_scale_up_logged.clear();
        let best_pool = candidates[best].option.group;
        // Similar pools share the new nodes (`--balance-similar-node-groups`).
        let mut members = vec![best_pool];
        if profile.balance_similar_node_groups {
            for (q, can) in hostable.iter().enumerate() {
                if q != best_pool
                    && self.scenario.pools[q].enable_auto_scaling
                    && self.ca.pools[q].backoff.active(now).is_none()
                    && *can == candidates[best].classes
                    && self.similar(best_pool, q)
                {
                    members.push(q);
                }
            }
        }
        let sizes: Vec<(u32, u32)> = members
            .iter()
            .map(|&p| (self.scale_set_size(p), self.scenario.pools[p].max_count))
            .collect();
        let mut wanted = candidates[best].option.node_count;
        if profile.max_nodes_total > 0 {
            wanted = wanted.min(profile.max_nodes_total.saturating_sub(total));
        }
        let split = autoscaler::balance(&sizes, wanted);
        // The decision, with the options and the expander's reasoning.
        let names: Vec<String> = pods.iter().take(5).map(|p| self.pod_name(*p)).collect();
        let reasons: Vec<String> = self
            .scheduler
            .reasons_of(&pods)
            .into_iter()
            .map(|(r, n)| format!("{r} ({n})"))
            .collect();
        let listed: Vec<String> = options
            .iter()
            .map(|o| format!("{}: {} node(s) for {} pod(s)", o.name, o.node_count, o.pods))
            .collect();
        let plan: Vec<String> = members
            .iter()
            .zip(&split)
            .filter(|(_, n)| **n > 0)
            .map(|(p, n)| format!("{} +{n}", self.scenario.pools[*p].name))
            .collect();
        self.log.emit(
            now,
            Record::CaScaleUp {
                pools: plan.join(", ").into(),
                nodes: split.iter().sum(),
                cause: ScaleUpCause::PendingPods {
                    pending_pods: pending,
                    pods: names.join(", ").into(),
                    reasons: reasons.join("; ").into(),
                    options: listed.join("; ").into(),
                    expander: why.into(),
                    skipped: skipped.join("; ").into(),
                },
            },
        );
        let mut grew = false;
        for (p, n) in members.into_iter().zip(split) {
            if n == 0 {
                continue;
            }
            let (zones, refused) = self.azure_grant(p, n, now);
            if !zones.is_empty() {
                let s = &mut self.ca.pools[p];
                s.scale_ups += 1;
                s.nodes_added += zones.len() as u32;
                grew = true;
                for z in zones {
                    self.create_node_in(PoolId(p as u32), z, now, NodeCreation::AutoscalerScaleUp);
                }
            }
            if let Some(r) = refused {
                self.scale_up_failed(p, &r, now);
            }
        }
        if grew {
            self.ca.last_scale_up = Some(now);
        }
        false
    }

    /// The pending groups (with pods left) that `keep` accepts, as estimator input; each
    /// group's id is its index in `groups`.
    fn pod_groups(
        &mut self,
        groups: &[(ClassId, Vec<PodId>)],
        left: &[u32],
        mut keep: impl FnMut(&mut Sim, ClassId) -> bool,
    ) -> Vec<PodGroup> {
        let mut out = Vec::new();
        for (i, (class, _)) in groups.iter().enumerate() {
            if left[i] == 0 || !keep(self, *class) {
                continue;
            }
            let (cpu, mem) = self.cluster.requests(*class);
            out.push(PodGroup {
                id: i as u32,
                requests: Resources::new(cpu, mem),
                count: left[i],
            });
        }
        out
    }

    /// Upstream's node-group similarity on AKS templates: the same VM size (so the same
    /// capacity), allocatable and DaemonSet load within 5 %, and the same labels apart from
    /// the zone, the region, the hostname and the pool name (the Azure comparator ignores
    /// `agentpool`).
    fn similar(&self, a: usize, b: usize) -> bool {
        let (pa, pb) = (&self.cluster.pools[a], &self.cluster.pools[b]);
        if pa.spec.sku.name != pb.spec.sku.name || pa.spec.os != pb.spec.os {
            return false;
        }
        let within = |x: u64, y: u64, ratio: f64| {
            let (lo, hi) = (x.min(y) as f64, x.max(y) as f64);
            hi == 0.0 || (hi - lo) / hi <= ratio
        };
        let (aa, ab) = (pa.spec.allocatable, pb.spec.allocatable);
        if !within(aa.cpu_millis, ab.cpu_millis, 0.05)
            || !within(aa.memory_bytes, ab.memory_bytes, 0.05)
        {
            return false;
        }
        let (da, db) = (pa.daemon[0], pb.daemon[0]);
        let free = |a: u64, d: u64| a.saturating_sub(d);
        if !within(
            free(aa.cpu_millis, da.cpu_millis),
            free(ab.cpu_millis, db.cpu_millis),
            0.05,
        ) || !within(
            free(aa.memory_bytes, da.memory_bytes),
            free(ab.memory_bytes, db.memory_bytes),
            0.05,
        ) {
            return false;
        }
        let ignored = |k: &str| {
            matches!(
                k,
                crate::cluster::LABEL_ZONE
                    | crate::cluster::LABEL_REGION
                    | crate::cluster::LABEL_HOSTNAME
                    | crate::cluster::LABEL_AGENTPOOL
                    | crate::cluster::LABEL_AGENTPOOL_SHORT
            )
        };
        let (la, lb) = (&pa.zone_labels[0], &pb.zone_labels[0]);
        let strip = |l: &crate::cluster::Labels| -> Vec<(String, String)> {
            let mut v: Vec<(String, String)> = l
                .iter()
                .filter(|(k, _)| !ignored(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            v.sort();
            v
        };
        strip(la) == strip(lb)
    }

    // ----- scale-down ----------------------------------------------------------------------

    fn scale_down(&mut self, now: SimTime, may_delete: bool) {
        self.ca.grow(self.cluster.nodes.len());
        self.ca
            .drains
            .retain(|n| self.cluster.node(*n).state == NodeState::Deleting);
        self.update_unneeded(now);
        let cooldown = self.cooldowns(now).iter().map(|(end, _)| *end).max();
        let due = self.due_for_removal(now);
        if due.is_empty() || !may_delete {
            return;
        }
        if let Some(end) = cooldown
            && end > now
        {
            if self.ca.cooldown_logged != Some(end) {
                self.ca.cooldown_logged = Some(end);
                let until = self.log.wall_clock(end);
                let causes: Vec<String> = self
                    .cooldowns(now)
                    .into_iter()
                    .map(|(_, why)| why)
                    .collect();
                let why = causes.join("; ");
                self.log.emit(
                    now,
                    Record::CaScaleDownCooldown {
                        until: until.into(),
                        nodes_waiting: due.len() as u32,
                        reason: why.into(),
                    },
                );
            }
            return;
        }
        let mut empty_deleted = 0;
        let mut deleted_any = false;
        // Each pool's size, counted once when a due node of it is first met, then kept
        // current as this loop removes nodes.
        let mut sizes: Vec<Option<u32>> = vec![None; self.cluster.pools.len()];
        for (id, utilization) in due {
            let n = self.cluster.node(id);
            let pool = n.pool.idx();
            let spec = &self.scenario.pools[pool];
            let floor = spec
                .min_count
                .max(u32::from(spec.mode == crate::scenario::Mode::System));
            // Nodes already on their way out (cordoned) no longer count towards the size.
            let size = *sizes[pool].get_or_insert_with(|| self.pool_size(pool));
            if size <= floor {
                let why = format!("pool {} is at its min_count {}", spec.name, spec.min_count);
                self.note_kept(id, now, why, false);
                continue;
            }
            let occupied = n.pods.len() as u32 - n.pods_terminating > 0;
            if !occupied {
                if empty_deleted >= self.scenario.autoscaler.max_empty_bulk_delete {
                    continue;
                }
                empty_deleted += 1;
            } else if self.ca.drains.len() as u32 >= self.scenario.autoscaler.max_drain_parallelism
            {
                continue;
            }
            let since = self.ca.unneeded[id.idx()].expect("due nodes are unneeded");
            let (name, pool_name) = (n.name.clone(), spec.name.clone());
            self.log.emit(
                now,
                Record::CaScaleDown {
                    node: name.into(),
                    pool: pool_name.into(),
                    utilization: round3(utilization),
                    unneeded_for_s: now.since(since).as_secs_f64(),
                    removal: if occupied {
                        Removal::Drain
                    } else {
                        Removal::Empty
                    },
                },
            );
            self.ca.unneeded[id.idx()] = None;
            self.ca.pools[pool].scale_downs += 1;
            sizes[pool] = Some(size - 1);
            deleted_any = true;
            if occupied {
                self.ca.drains.push(id);
                let cap = self.scenario.autoscaler.max_graceful_termination;
                self.drain_node(id, now, "cluster autoscaler: scale-down", Some(cap));
            } else {
                self.drain_node(id, now, "cluster autoscaler: empty node", None);
            }
        }
        if deleted_any {
            self.ca.last_delete = Some(now);
        }
    }

    /// The scale-down cooldowns still running at `now`: when each ends and why. (Drains do not
    /// fail here, so there is no cooldown after a failed scale-down.)
    fn cooldowns(&self, now: SimTime) -> Vec<(SimTime, String)> {
        let p = &self.scenario.autoscaler;
        [
            (
                self.ca.last_scale_up,
                p.scale_down_delay_after_add,
                "scale-up",
                "scale-down-delay-after-add",
            ),
            (
                self.ca.last_delete,
                p.scale_down_delay_after_delete,
                "node deleted",
                "scale-down-delay-after-delete",
            ),
        ]
        .into_iter()
        .filter_map(|(at, delay, what, key)| {
            let t = at?;
            (t + delay > now).then(|| {
                let why = format!("{what} at {} ({key} {delay})", self.log.wall_clock(t));
                (t + delay, why)
            })
        })
        .collect()
    }

    /// Unneeded nodes whose time has come: unneeded for `scale-down-unneeded-time` (unready
    /// ones for `scale-down-unready-time`), with their utilization, oldest first.
    fn due_for_removal(&self, now: SimTime) -> Vec<(NodeId, f64)> {
        let p = &self.scenario.autoscaler;
        let mut due: Vec<(SimTime, NodeId, f64)> = Vec::new();
        for (i, since) in self.ca.unneeded.iter().enumerate() {
            let Some(since) = since else { continue };
            let n = &self.cluster.nodes[i];
            if n.state != NodeState::Ready {
                continue;
            }
            let wait = if n.fault != 0 {
                p.scale_down_unready_time
            } else {
                p.scale_down_unneeded_time
            };
            // Upstream: `since + wait` strictly before now.
            if now.since(*since) > wait && self.ca.received[i] != self.ca.stamp {
                due.push((*since, n.id, self.utilization(n.id).value()));
            }
        }
        due.sort_by_key(|(since, id, _)| (*since, *id));
        due.into_iter().map(|(_, id, u)| (id, u)).collect()
    }

    fn utilization(&self, id: NodeId) -> Utilization {
        let n = self.cluster.node(id);
        let pool = self.cluster.pool(n.pool);
        let d = pool.daemon[pool.zone_index(n.zone)];
        Utilization::of(
            NodeLoad {
                cpu_requested: n.cpu_requested,
                memory_requested: n.memory_requested,
                cpu_allocatable: n.allocatable.cpu_millis,
                memory_allocatable: n.allocatable.memory_bytes,
                daemon_cpu: d.cpu_millis,
                daemon_memory: d.memory_bytes,
            },
            self.scenario.autoscaler.ignore_daemonsets_utilization,
        )
    }

    /// Logs why a node stays, when the reason changes; it is no longer unneeded.
    fn keep(&mut self, id: NodeId, now: SimTime, reason: String) {
        self.note_kept(id, now, reason, true);
    }

    /// Logs why a node stays, when the reason changes. With `reset`, the node leaves the
    /// unneeded set (its timer starts over when it comes back).
    fn note_kept(&mut self, id: NodeId, now: SimTime, reason: String, reset: bool) {
        let was_unneeded = if reset {
            self.ca.unneeded[id.idx()].take().is_some()
        } else {
            self.ca.unneeded[id.idx()].is_some()
        };
        if self.ca.kept_reason[id.idx()].as_deref() == Some(reason.as_str()) {
            return;
        }
        let name = self.cluster.node(id).name.clone();
        self.log.emit(
            now,
            Record::CaNodeKept {
                node: name.into(),
                reason: (&reason).into(),
                was_unneeded,
            },
        );
        self.ca.kept_reason[id.idx()] = Some(reason);
    }

    /// Recomputes the unneeded set: underutilized nodes of autoscaled pools whose every pod
    /// can move elsewhere. A node keeps its "unneeded since" while it stays in the set.
    fn update_unneeded(&mut self, now: SimTime) {
        let threshold = self.scenario.autoscaler.scale_down_utilization_threshold;
        let recheck = self.scenario.autoscaler.unremovable_node_recheck_timeout;
        self.ca.stamp += 1;
        // Ready nodes of autoscaled pools, those already unneeded first (upstream keeps them at
        // the front of the candidates), then in pool and creation order.
        let mut order: Vec<NodeId> = Vec::new();
        for pool in 0..self.cluster.pools.len() {
            if self.scenario.pools[pool].enable_auto_scaling {
                let c = &self.cluster;
                order.extend(
                    c.pools[pool]
                        .nodes
                        .iter()
                        .filter(|n| c.node(**n).state == NodeState::Ready),
                );
            }
        }
        order.sort_by_key(|n| self.ca.unneeded[n.idx()].is_none());
        // Evictions this loop's removable nodes would make, per deployment with a budget.
        let mut budget: Vec<(usize, u32)> = Vec::new();
        let mut non_empty = 0;
        for id in order {
            let u = self.utilization(id);
            if !u.underutilized(threshold) {
                if self.ca.unneeded[id.idx()].is_some() {
                    let why = format!(
                        "utilization {:.2} ≥ {threshold} ({})",
                        u.value(),
                        u.resource()
                    );
                    self.keep(id, now, why);
                }
                continue;
            }
            if self.ca.recheck_at[id.idx()] > now {
                continue;
            }
            let n = self.cluster.node(id);
            if n.pods.len() as u32 > n.pods_terminating {
                if non_empty >= NON_EMPTY_CANDIDATES {
                    // Not evaluated in this loop: out of the unneeded set, as upstream.
                    self.ca.unneeded[id.idx()] = None;
                    continue;
                }
                non_empty += 1;
            }
            match self.simulate_removal(id, &mut budget) {
                Ok(()) => {
                    if self.ca.unneeded[id.idx()].is_none() {
                        self.ca.unneeded[id.idx()] = Some(now);
                        self.ca.kept_reason[id.idx()] = None;
                        let name = self.cluster.node(id).name.clone();
                        self.log.emit(
                            now,
                            Record::CaNodeUnneeded {
                                node: name.into(),
                                utilization: round3(u.value()),
                                resource: u.resource(),
                            },
                        );
                    }
                }
                Err(why) => {
                    self.ca.recheck_at[id.idx()] = now + recheck;
                    self.keep(id, now, why);
                }
            }
        }
    }

    /// Can every pod of `node` move to another node? On success the moves stay in this loop's
    /// scratch (the destinations are fuller for the next candidate); on failure they are undone.
    /// `loop_budget` holds the evictions the nodes already found removable in this loop would
    /// make per deployment (upstream's remaining-PDB tracker); it grows only on success.
    fn simulate_removal(
        &mut self,
        node: NodeId,
        loop_budget: &mut Vec<(usize, u32)>,
    ) -> Result<(), String> {
        let pods: Vec<PodId> = self
            .cluster
            .node(node)
            .pods
            .iter()
            .copied()
            .filter(|p| {
                let pod = self.cluster.pod(*p);
                // Expendable pods (priority below the cutoff) are simply deleted.
                pod.phase != PodPhase::Terminating
                    && self.cluster.template(pod.class).priority
                        >= self.scenario.autoscaler.expendable_pods_priority_cutoff
            })
            .collect();
        let mut budget: Vec<(usize, u32)> = loop_budget.clone();
        let mut placed: Vec<(NodeId, u64, u64)> = Vec::new();
        let stamp = self.ca.stamp;
        let mut result = Ok(());
        for pod in pods {
            let p = self.cluster.pod(pod);
            let class = p.class;
            let Owner::Deployment(d) = p.owner;
            let t = self.cluster.template(class);
            let pdb = self.scenario.deployments.get(d.idx()).and_then(|s| s.pdb);
            let left = match pdb {
                None => u32::MAX,
                Some(b) => {
                    let dep = &self.cluster.deployments[d.idx()];
                    let used = budget
                        .iter()
                        .find(|(x, _)| *x == d.idx())
                        .map_or(0, |x| x.1);
                    b.disruptions_allowed(dep.desired, dep.ready)
                        .saturating_sub(used)
                }
            };
            let facts = PodFacts {
                kube_system: t.namespace == "kube-system",
                controller: t.controller,
                local_storage: t.local_storage,
                safe_to_evict: t.safe_to_evict,
                has_pdb: pdb.is_some(),
                disruptions_left: left,
            };
            if let Some(b) = scale_down::blocker(facts, &self.scenario.autoscaler) {
                result = Err(b.text(&self.pod_name(pod)));
                break;
            }
            if pdb.is_some() {
                match budget.iter_mut().find(|(x, _)| *x == d.idx()) {
                    Some((_, k)) => *k += 1,
                    None => budget.push((d.idx(), 1)),
                }
            }
            let (cpu, mem) = self.cluster.requests(class);
            match self.find_destination(node, class, cpu, mem) {
                Some(dest) => {
                    let e = &mut self.ca.extra[dest.idx()];
                    if e.3 != stamp {
                        *e = (0, 0, 0, stamp);
                    }
                    e.0 += cpu;
                    e.1 += mem;
                    e.2 += 1;
                    placed.push((dest, cpu, mem));
                }
                None => {
                    result = Err(format!(
                        "pod {} has nowhere to go (needs {}m cpu and {} memory)",
                        self.pod_name(pod),
                        cpu,
                        crate::cluster::quantity::fmt_bytes(mem)
                    ));
                    break;
                }
            }
        }
        if result.is_err() {
            for (dest, cpu, mem) in placed {
                let e = &mut self.ca.extra[dest.idx()];
                e.0 -= cpu;
                e.1 -= mem;
                e.2 -= 1;
            }
        } else {
            *loop_budget = budget;
            for (dest, _, _) in &placed {
                self.ca.received[dest.idx()] = stamp;
            }
            // The node goes away in this simulation: it is no destination for later nodes.
            let e = &mut self.ca.extra[node.idx()];
            *e = (u64::MAX / 4, u64::MAX / 4, u32::MAX / 4, stamp);
        }
        result
    }

    /// The first healthy Ready node, other than `from`, that passes the static filters for
    /// `class` and has room for the requests after this loop's simulated moves.
    fn find_destination(
        &mut self,
        from: NodeId,
        class: ClassId,
        cpu: u64,
        mem: u64,
    ) -> Option<NodeId> {
        let stamp = self.ca.stamp;
        for pool in 0..self.cluster.pools.len() {
            let zones = self.cluster.pools[pool].zones.clone();
            for z in zones {
                if !self.statically_fits(class, pool, z) {
                    continue;
                }
                let c = &self.cluster;
                for &id in &c.pools[pool].nodes {
                    if id == from {
                        continue;
                    }
                    let n = c.node(id);
                    if n.state != NodeState::Ready || n.fault != 0 || n.zone != z {
                        continue;
                    }
                    let e = self.ca.extra[id.idx()];
                    let (ec, em, ep) = if e.3 == stamp {
                        (e.0, e.1, e.2)
                    } else {
                        (0, 0, 0)
                    };
                    if n.cpu_requested + ec + cpu <= n.allocatable.cpu_millis
                        && n.memory_requested + em + mem <= n.allocatable.memory_bytes
                        && n.pod_count + ep < n.allocatable.pods
                    {
                        return Some(id);
                    }
                }
            }
        }
        None
    }

    /// The scheduling queue gave up on a pod for the first time: remember when.
    pub(super) fn mark_unschedulable(&mut self, pod: PodId, now: SimTime) {
        let p = &mut self.cluster.pods[pod.idx()];
        if p.unschedulable_at.is_none() {
            p.unschedulable_at = Some(now);
        }
    }

    /// A pod started running: if it had been unschedulable, record how long that took.
    pub(super) fn record_unschedulable_wait(&mut self, pod: PodId, now: SimTime) {
        if let Some(t) = self.cluster.pod(pod).unschedulable_at {
            self.ca.unschedulable_to_running.push(now.since(t).as_ms());
        }
    }

    /// Schedules the next autoscaler loop.
    pub(super) fn next_scan(&mut self, now: SimTime) {
        let next = now + self.scenario.autoscaler.scan_interval;
        if next <= self.end {
            self.queue.schedule(next, Event::AutoscalerScan);
        }
    }
}
