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
//! - the scale-down simulation places pods first-fit with the scheduler's own filters
//!   (`scheduler::filter`: the static TaintToleration and NodeAffinity verdicts from its cache,
//!   NodeResourcesFit with the loop's simulated moves on top); it does not check topology
//!   spread, and a node that receives simulated pods is not itself removed in the same loop.

use crate::autoscaler::backoff::BackoffSettings;
use crate::autoscaler::scale_down::{self, NodeLoad, PodFacts, Utilization};
use crate::autoscaler::{
    self, Backoff, ExpansionOption, NodeTemplate, PodGroup, Resources, estimate,
};
use crate::cluster::{ClassId, NodeId, NodeState, Owner, PodId, PodPhase, PoolId, Zone};
use crate::engine::rng::Stream;
use crate::engine::{SimDuration, SimTime};
use crate::observe::record::{NodeCreation, Record, Removal, ScaleUpCause};
use crate::observe::round3;
use crate::scheduler::filter::{self, Placed};

use super::node_lifecycle::{self, NodeObserver};
use crate::cloud::{ErrorCode, Refusal};
use crate::world::{Event, World};

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
    /// Nodes of autoscaled pools being created (any cause: the autoscaler's scale-ups, scenario
    /// events), for the registration deadline and the scale-up's upcoming nodes.
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

    fn count_failure(&mut self, key: &str) {
        match self.failed.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => *n += 1,
            None => self.failed.push((key.to_string(), 1)),
        }
    }
}

/// One candidate scale-up with what similarity needs.
struct Candidate {
    option: ExpansionOption,
    classes: Vec<ClassId>,
}

/// The pending pods a scale-up considers, or why it does nothing.
enum Pending {
    /// Nothing to do.
    None,
    /// Every pending pod is younger than `YOUNG_POD`: wait a loop for more.
    TooYoung,
    /// The pods, and their groups by class (each group's pods, in id order).
    Groups(Vec<PodId>, Vec<(ClassId, Vec<PodId>)>),
}

/// The options of one scale-up.
struct Options {
    candidates: Vec<Candidate>,
    /// Why each other autoscaled pool was left out.
    skipped: Vec<String>,
    /// Per pool: the pending classes it can host.
    hostable: Vec<Vec<ClassId>>,
    /// The cluster's size when the options were made.
    total: u32,
}

/// What a scale-up does: the expander's options and reasoning, and each member pool's share.
struct Plan {
    options: Vec<ExpansionOption>,
    why: String,
    members: Vec<usize>,
    split: Vec<u32>,
}

impl CaState {
    /// The autoscaler's loop is due: run it, then arm the next one.
    pub fn on_scan(&mut self, world: &mut World, now: SimTime) {
        self.autoscaler_scan(world, now);
        self.next_scan(world, now);
    }

    fn backoff_settings(&self, world: &World) -> BackoffSettings {
        let p = &world.scenario.autoscaler;
        BackoffSettings {
            initial: p.initial_node_group_backoff,
            max: p.max_node_group_backoff,
            reset: p.node_group_backoff_reset_timeout,
        }
    }

    /// Nodes of a pool that count towards its size: every live node not being deleted.
    fn pool_size(&self, world: &World, pool: usize) -> u32 {
        let c = &world.cluster;
        c.pools[pool]
            .nodes
            .iter()
            .filter(|n| c.node(**n).state != NodeState::Deleting)
            .count() as u32
    }

    /// The scale set's size, which counts nodes being deleted until their VMs are gone: what
    /// `max_count` caps.
    fn scale_set_size(&self, world: &World, pool: usize) -> u32 {
        world.cluster.pools[pool].nodes.len() as u32
    }

    fn cluster_size(&self, world: &World) -> u32 {
        (0..world.cluster.pools.len())
            .map(|p| self.pool_size(world, p))
            .sum()
    }

    /// A scale-up of `pool` failed: back it off and say why.
    fn scale_up_failed(&mut self, world: &mut World, pool: usize, refusal: &Refusal, now: SimTime) {
        let s = self.backoff_settings(world);
        let until = self.pools[pool].backoff.fail(now, s, refusal.code.as_str());
        self.count_failure(refusal.code.as_str());
        let name = world.scenario.pools[pool].name.clone();
        self.failure_marks
            .push((now, format!("{name}: {}", refusal.code.as_str())));
        let until_clock = world.log.wall_clock(until);
        world.log.emit(
            now,
            Record::CaScaleUpFailed {
                pool: name.into(),
                reason: refusal.code.as_str(),
                message: (&refusal.message).into(),
                backoff_until: until_clock.into(),
            },
        );
    }

    /// One autoscaler loop.
    fn autoscaler_scan(&mut self, world: &mut World, now: SimTime) {
        self.grow(world.cluster.nodes.len());
        self.registration_timeouts(world, now);
        // The safety stop: too many unready nodes halts every operation.
        let registered: u32 = world
            .cluster
            .pools
            .iter()
            .map(|p| p.ready_in_zone.iter().sum::<u32>())
            .sum();
        let profile = &world.scenario.autoscaler;
        let unready = world.unready_nodes;
        let halt = unready > profile.ok_total_unready_count
            && f64::from(unready) * 100.0
                > profile.max_total_unready_percentage * f64::from(registered);
        if halt != self.halted {
            self.halted = halt;
            let why = format!(
                "{unready} of {registered} nodes are unready (more than {} and more than {}%)",
                profile.ok_total_unready_count, profile.max_total_unready_percentage
            );
            if halt {
                world.log.emit(now, Record::CaHalted { reason: why.into() });
            } else {
                world.log.emit(now, Record::CaResumed);
            }
        }
        if halt {
            // Upstream forgets the unneeded nodes while the cluster is unhealthy.
            self.unneeded.iter_mut().for_each(|u| *u = None);
            return;
        }
        self.restore_min_counts(world, now);
        let waited = self.scale_up(world, now);
        if world.scenario.autoscaler.scale_down_enabled {
            // A loop that waits for more pods still updates the unneeded set but deletes nothing.
            self.scale_down(world, now, !waited);
        }
    }

    /// Nodes not registered within `max-node-provision-time` are deleted and their pool is
    /// backed off (`clusterstate` long-unregistered nodes).
    fn registration_timeouts(&mut self, world: &mut World, now: SimTime) {
        let limit = world.scenario.autoscaler.max_node_provision_time;
        // Per pool: the nodes that missed the deadline in this loop (one failed scale-up).
        let mut late: Vec<(usize, Vec<String>)> = Vec::new();
        let mut i = 0;
        while i < self.upcoming.len() {
            let id = self.upcoming[i];
            let n = world.cluster.node(id);
            if n.state != NodeState::Provisioning {
                self.upcoming.swap_remove(i);
                continue;
            }
            if now.since(n.created_at) < limit {
                i += 1;
                continue;
            }
            self.upcoming.swap_remove(i);
            let (pool, name) = (n.pool.idx(), n.name.clone());
            node_lifecycle::delete_node(
                world,
                self,
                id,
                now,
                "not registered within max-node-provision-time",
            );
            match late.iter_mut().find(|(p, _)| *p == pool) {
                Some((_, v)) => v.push(name),
                None => late.push((pool, vec![name])),
            }
        }
        late.sort();
        for (pool, mut names) in late {
            if !world.scenario.pools[pool].enable_auto_scaling {
                continue;
            }
            names.sort();
            let refusal = Refusal {
                code: ErrorCode::ProvisioningTimeout,
                message: format!(
                    "{} node(s) did not register within {limit}: {}",
                    names.len(),
                    names.join(", ")
                ),
            };
            self.scale_up_failed(world, pool, &refusal, now);
        }
    }

    /// AKS brings an autoscaled pool back to `min_count` when nodes were lost (spot evictions,
    /// deleted VMs), as upstream's `--enforce-node-group-min-size`.
    fn restore_min_counts(&mut self, world: &mut World, now: SimTime) {
        for p in 0..world.cluster.pools.len() {
            let spec = &world.scenario.pools[p];
            if !spec.enable_auto_scaling {
                continue;
            }
            let size = self.pool_size(world, p);
            if size >= spec.min_count || self.pools[p].backoff.active(now).is_some() {
                continue;
            }
            let mut missing = spec.min_count - size;
            let total_cap = world.scenario.autoscaler.max_nodes_total;
            if total_cap > 0 {
                missing = missing.min(total_cap.saturating_sub(self.cluster_size(world)));
                if missing == 0 {
                    continue;
                }
            }
            let (zones, refused) = world.azure_grant(p, missing, now);
            if !zones.is_empty() {
                {
                    let missing = zones.len() as u32;
                    let name = spec.name.clone();
                    world.log.emit(
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
                        node_lifecycle::create_node_in(
                            world,
                            self,
                            PoolId(p as u32),
                            z,
                            now,
                            NodeCreation::AutoscalerMinCount,
                        );
                    }
                    let s = &mut self.pools[p];
                    s.min_restores += 1;
                    s.scale_ups += 1;
                    s.nodes_added += missing;
                    self.last_scale_up = Some(now);
                }
            }
            if let Some(r) = refused {
                self.scale_up_failed(world, p, &r, now);
            }
        }
    }

    fn template(&self, world: &World, pool: usize, zone: Zone) -> NodeTemplate {
        let p = &world.cluster.pools[pool];
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
    fn scale_up(&mut self, world: &mut World, now: SimTime) -> bool {
        let (pods, groups) = match self.pending_groups(world, now) {
            Pending::None => return false,
            Pending::TooYoung => return true,
            Pending::Groups(pods, groups) => (pods, groups),
        };
        let left = self.left_after_upcoming(world, &groups);
        let pending: u32 = left.iter().sum();
        if pending == 0 {
            return false;
        }
        let options = self.options(world, &groups, &left, now);
        let Some(plan) = self.plan(world, &options, pending, now) else {
            return false;
        };
        self.log_scale_up(world, &pods, &options, &plan, pending, now);
        self.grow_pools(world, plan, now);
        false
    }

    /// The pending pods the loop considers (unschedulable, old enough, not expendable) in
    /// equivalence groups by class, without the classes some existing node can take now
    /// (those are the scheduler's to place); or why there is nothing to do.
    fn pending_groups(&mut self, world: &mut World, now: SimTime) -> Pending {
        if world.unscheduled_pods() == 0 {
            return Pending::None;
        }
        let profile = &world.scenario.autoscaler;
        let mut pods: Vec<PodId> = world.scheduler.failed_pods(&world.cluster).collect();
        pods.sort_unstable();
        pods.dedup();
        let c = &world.cluster;
        pods.retain(|p| {
            let pod = c.pod(*p);
            let t = c.template(pod.class);
            t.priority >= profile.expendable_pods_priority_cutoff
                && now.since(pod.created_at) >= profile.new_pod_scale_up_delay
        });
        if pods.is_empty() {
            return Pending::None;
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
            if world
                .scheduler
                .fits_existing(&world.cluster, groups[i].1[0])
            {
                groups.remove(i);
            } else {
                i += 1;
            }
        }
        if groups.is_empty() {
            return Pending::None;
        }
        let c = &world.cluster;
        if groups
            .iter()
            .flat_map(|(_, v)| v)
            .all(|p| now.since(c.pod(*p).created_at) < YOUNG_POD)
        {
            return Pending::TooYoung;
        }
        Pending::Groups(pods, groups)
    }

    /// Pods left in each group once the nodes on their way have absorbed what fits on them
    /// (one binpacking estimate per pool and zone with upcoming nodes).
    fn left_after_upcoming(
        &mut self,
        world: &mut World,
        groups: &[(ClassId, Vec<PodId>)],
    ) -> Vec<u32> {
        let mut left: Vec<u32> = groups.iter().map(|(_, v)| v.len() as u32).collect();
        let mut coming: Vec<(usize, Zone, u32)> = Vec::new();
        for id in &self.upcoming {
            let n = world.cluster.node(*id);
            let (p, z) = (n.pool.idx(), n.zone);
            match coming.iter_mut().find(|(q, y, _)| *q == p && *y == z) {
                Some((_, _, k)) => *k += 1,
                None => coming.push((p, z, 1)),
            }
        }
        coming.sort_unstable();
        for (p, z, k) in coming {
            let input = self.pod_groups(world, groups, &left, |s, class| {
                s.statically_fits(class, p, z)
            });
            if input.is_empty() {
                continue;
            }
            let e = estimate(&self.template(world, p, z), &input, k);
            for (gid, placed) in e.per_group {
                left[gid as usize] -= placed;
            }
        }
        left
    }

    /// One expansion option per autoscaled pool that can grow for the pods left, with the
    /// classes it can host, and why each other pool was skipped.
    fn options(
        &mut self,
        world: &mut World,
        groups: &[(ClassId, Vec<PodId>)],
        left: &[u32],
        now: SimTime,
    ) -> Options {
        let profile = world.scenario.autoscaler.clone();
        let total = self.cluster_size(world);
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut skipped: Vec<String> = Vec::new();
        let mut hostable: Vec<Vec<ClassId>> = Vec::new();
        for p in 0..world.cluster.pools.len() {
            hostable.push(Vec::new());
            let spec = world.scenario.pools[p].clone();
            if !spec.enable_auto_scaling {
                continue;
            }
            let zones = world.cluster.pools[p].zones.clone();
            let mut classes = Vec::new();
            for (gi, (class, _)) in groups.iter().enumerate() {
                if left[gi] > 0 && zones.iter().any(|z| world.statically_fits(*class, p, *z)) {
                    classes.push(*class);
                }
            }
            *hostable.last_mut().expect("pushed") = classes.clone();
            if classes.is_empty() {
                continue;
            }
            let size = self.scale_set_size(world, p);
            if size >= spec.max_count {
                skipped.push(format!("{}: at max_count {}", spec.name, spec.max_count));
                continue;
            }
            if let Some((until, why)) = self.pools[p].backoff.active(now) {
                skipped.push(format!(
                    "{}: backed off until {} after {why}",
                    spec.name,
                    world.log.wall_clock(until)
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
            let zone = world
                .azure_check(p, 1, now)
                .ok()
                .and_then(|z| z.first().copied())
                .unwrap_or(zones[0]);
            let input = self.pod_groups(world, groups, left, |_, class| classes.contains(&class));
            let template = self.template(world, p, zone);
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
                let (cpu, mem) = world.cluster.requests(groups[*gid as usize].0);
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
        Options {
            candidates,
            skipped,
            hostable,
            total,
        }
    }

    /// The expander's choice among the options, spread over the similar pools
    /// (`--balance-similar-node-groups`); `None` (logged when the reason changes) when no
    /// option is left.
    fn plan(&mut self, world: &mut World, o: &Options, pending: u32, now: SimTime) -> Option<Plan> {
        let profile = &world.scenario.autoscaler;
        let options: Vec<ExpansionOption> = o.candidates.iter().map(|c| c.option.clone()).collect();
        let chosen = autoscaler::choose(&profile.expander, &options, &mut self.rng);
        let Some((best, why)) = chosen else {
            let text = if o.skipped.is_empty() {
                "no autoscaled pool can run them (selectors, taints or OS)".to_string()
            } else {
                o.skipped.join("; ")
            };
            if text != self.no_scale_up_logged {
                world.log.emit(
                    now,
                    Record::CaNoScaleUp {
                        pending_pods: pending,
                        reason: (&text).into(),
                    },
                );
                self.no_scale_up_logged = text;
            }
            return None;
        };
        self.no_scale_up_logged.clear();
        let best_pool = o.candidates[best].option.group;
        // Similar pools share the new nodes (`--balance-similar-node-groups`).
        let mut members = vec![best_pool];
        if profile.balance_similar_node_groups {
            for (q, can) in o.hostable.iter().enumerate() {
                if q != best_pool
                    && world.scenario.pools[q].enable_auto_scaling
                    && self.pools[q].backoff.active(now).is_none()
                    && *can == o.candidates[best].classes
                    && self.similar(world, best_pool, q)
                {
                    members.push(q);
                }
            }
        }
        let sizes: Vec<(u32, u32)> = members
            .iter()
            .map(|&p| {
                (
                    self.scale_set_size(world, p),
                    world.scenario.pools[p].max_count,
                )
            })
            .collect();
        let mut wanted = o.candidates[best].option.node_count;
        if profile.max_nodes_total > 0 {
            wanted = wanted.min(profile.max_nodes_total.saturating_sub(o.total));
        }
        let split = autoscaler::balance(&sizes, wanted);
        Some(Plan {
            options,
            why,
            members,
            split,
        })
    }

    /// The decision, with the options and the expander's reasoning.
    fn log_scale_up(
        &self,
        world: &mut World,
        pods: &[PodId],
        o: &Options,
        plan: &Plan,
        pending: u32,
        now: SimTime,
    ) {
        let names: Vec<String> = pods.iter().take(5).map(|p| world.pod_name(*p)).collect();
        let reasons: Vec<String> = world
            .scheduler
            .reasons_of(pods)
            .into_iter()
            .map(|(r, n)| format!("{r} ({n})"))
            .collect();
        let listed: Vec<String> = plan
            .options
            .iter()
            .map(|o| format!("{}: {} node(s) for {} pod(s)", o.name, o.node_count, o.pods))
            .collect();
        let pools: Vec<String> = plan
            .members
            .iter()
            .zip(&plan.split)
            .filter(|(_, n)| **n > 0)
            .map(|(p, n)| format!("{} +{n}", world.scenario.pools[*p].name))
            .collect();
        world.log.emit(
            now,
            Record::CaScaleUp {
                pools: pools.join(", ").into(),
                nodes: plan.split.iter().sum(),
                cause: ScaleUpCause::PendingPods {
                    pending_pods: pending,
                    pods: names.join(", ").into(),
                    reasons: reasons.join("; ").into(),
                    options: listed.join("; ").into(),
                    expander: (&plan.why).into(),
                    skipped: o.skipped.join("; ").into(),
                },
            },
        );
    }

    /// Asks Azure for each pool's share of the plan and creates the VMs it grants.
    fn grow_pools(&mut self, world: &mut World, plan: Plan, now: SimTime) {
        let mut grew = false;
        for (p, n) in plan.members.into_iter().zip(plan.split) {
            if n == 0 {
                continue;
            }
            let (zones, refused) = world.azure_grant(p, n, now);
            if !zones.is_empty() {
                let s = &mut self.pools[p];
                s.scale_ups += 1;
                s.nodes_added += zones.len() as u32;
                grew = true;
                for z in zones {
                    node_lifecycle::create_node_in(
                        world,
                        self,
                        PoolId(p as u32),
                        z,
                        now,
                        NodeCreation::AutoscalerScaleUp,
                    );
                }
            }
            if let Some(r) = refused {
                self.scale_up_failed(world, p, &r, now);
            }
        }
        if grew {
            self.last_scale_up = Some(now);
        }
    }

    /// The pending groups (with pods left) that `keep` accepts, as estimator input; each
    /// group's id is its index in `groups`.
    fn pod_groups(
        &mut self,
        world: &mut World,
        groups: &[(ClassId, Vec<PodId>)],
        left: &[u32],
        mut keep: impl FnMut(&mut World, ClassId) -> bool,
    ) -> Vec<PodGroup> {
        let mut out = Vec::new();
        for (i, (class, _)) in groups.iter().enumerate() {
            if left[i] == 0 || !keep(world, *class) {
                continue;
            }
            let (cpu, mem) = world.cluster.requests(*class);
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
    fn similar(&self, world: &World, a: usize, b: usize) -> bool {
        let (pa, pb) = (&world.cluster.pools[a], &world.cluster.pools[b]);
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
                crate::api::LABEL_ZONE
                    | crate::api::LABEL_REGION
                    | crate::api::LABEL_HOSTNAME
                    | crate::api::LABEL_AGENTPOOL
                    | crate::api::LABEL_AGENTPOOL_SHORT
            )
        };
        let (la, lb) = (&pa.zone_labels[0], &pb.zone_labels[0]);
        let strip = |l: &crate::api::Labels| -> Vec<(String, String)> {
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

    fn scale_down(&mut self, world: &mut World, now: SimTime, may_delete: bool) {
        self.grow(world.cluster.nodes.len());
        self.drains
            .retain(|n| world.cluster.node(*n).state == NodeState::Deleting);
        self.update_unneeded(world, now);
        let cooldown = self.cooldowns(world, now).iter().map(|(end, _)| *end).max();
        let due = self.due_for_removal(world, now);
        if due.is_empty() || !may_delete {
            return;
        }
        if let Some(end) = cooldown
            && end > now
        {
            if self.cooldown_logged != Some(end) {
                self.cooldown_logged = Some(end);
                let until = world.log.wall_clock(end);
                let causes: Vec<String> = self
                    .cooldowns(world, now)
                    .into_iter()
                    .map(|(_, why)| why)
                    .collect();
                let why = causes.join("; ");
                world.log.emit(
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
        let mut sizes: Vec<Option<u32>> = vec![None; world.cluster.pools.len()];
        for (id, utilization) in due {
            let n = world.cluster.node(id);
            let pool = n.pool.idx();
            let spec = &world.scenario.pools[pool];
            let floor = spec
                .min_count
                .max(u32::from(spec.mode == crate::api::Mode::System));
            // Nodes already on their way out (cordoned) no longer count towards the size.
            let size = *sizes[pool].get_or_insert_with(|| self.pool_size(world, pool));
            if size <= floor {
                let why = format!("pool {} is at its min_count {}", spec.name, spec.min_count);
                self.note_kept(world, id, now, why, false);
                continue;
            }
            let occupied = n.pods.len() as u32 - n.pods_terminating > 0;
            if !occupied {
                if empty_deleted >= world.scenario.autoscaler.max_empty_bulk_delete {
                    continue;
                }
                empty_deleted += 1;
            } else if self.drains.len() as u32 >= world.scenario.autoscaler.max_drain_parallelism {
                continue;
            }
            let since = self.unneeded[id.idx()].expect("due nodes are unneeded");
            let (name, pool_name) = (n.name.clone(), spec.name.clone());
            world.log.emit(
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
            self.unneeded[id.idx()] = None;
            self.pools[pool].scale_downs += 1;
            sizes[pool] = Some(size - 1);
            deleted_any = true;
            if occupied {
                self.drains.push(id);
                let cap = world.scenario.autoscaler.max_graceful_termination;
                node_lifecycle::drain_node(
                    world,
                    self,
                    id,
                    now,
                    "cluster autoscaler: scale-down",
                    Some(cap),
                );
            } else {
                node_lifecycle::drain_node(
                    world,
                    self,
                    id,
                    now,
                    "cluster autoscaler: empty node",
                    None,
                );
            }
        }
        if deleted_any {
            self.last_delete = Some(now);
        }
    }

    /// The scale-down cooldowns still running at `now`: when each ends and why. (Drains do not
    /// fail here, so there is no cooldown after a failed scale-down.)
    fn cooldowns(&self, world: &World, now: SimTime) -> Vec<(SimTime, String)> {
        let p = &world.scenario.autoscaler;
        [
            (
                self.last_scale_up,
                p.scale_down_delay_after_add,
                "scale-up",
                "scale-down-delay-after-add",
            ),
            (
                self.last_delete,
                p.scale_down_delay_after_delete,
                "node deleted",
                "scale-down-delay-after-delete",
            ),
        ]
        .into_iter()
        .filter_map(|(at, delay, what, key)| {
            let t = at?;
            (t + delay > now).then(|| {
                let why = format!("{what} at {} ({key} {delay})", world.log.wall_clock(t));
                (t + delay, why)
            })
        })
        .collect()
    }

    /// Unneeded nodes whose time has come: unneeded for `scale-down-unneeded-time` (unready
    /// ones for `scale-down-unready-time`), with their utilization, oldest first.
    fn due_for_removal(&self, world: &World, now: SimTime) -> Vec<(NodeId, f64)> {
        let p = &world.scenario.autoscaler;
        let mut due: Vec<(SimTime, NodeId, f64)> = Vec::new();
        for (i, since) in self.unneeded.iter().enumerate() {
            let Some(since) = since else { continue };
            let n = &world.cluster.nodes[i];
            if n.state != NodeState::Ready {
                continue;
            }
            let wait = if n.fault != 0 {
                p.scale_down_unready_time
            } else {
                p.scale_down_unneeded_time
            };
            // Upstream: `since + wait` strictly before now.
            if now.since(*since) > wait && self.received[i] != self.stamp {
                due.push((*since, n.id, self.utilization(world, n.id).value()));
            }
        }
        due.sort_by_key(|(since, id, _)| (*since, *id));
        due.into_iter().map(|(_, id, u)| (id, u)).collect()
    }

    fn utilization(&self, world: &World, id: NodeId) -> Utilization {
        let n = world.cluster.node(id);
        let pool = world.cluster.pool(n.pool);
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
            world.scenario.autoscaler.ignore_daemonsets_utilization,
        )
    }

    /// Logs why a node stays, when the reason changes; it is no longer unneeded.
    fn keep(&mut self, world: &mut World, id: NodeId, now: SimTime, reason: String) {
        self.note_kept(world, id, now, reason, true);
    }

    /// Logs why a node stays, when the reason changes. With `reset`, the node leaves the
    /// unneeded set (its timer starts over when it comes back).
    fn note_kept(
        &mut self,
        world: &mut World,
        id: NodeId,
        now: SimTime,
        reason: String,
        reset: bool,
    ) {
        let was_unneeded = if reset {
            self.unneeded[id.idx()].take().is_some()
        } else {
            self.unneeded[id.idx()].is_some()
        };
        if self.kept_reason[id.idx()].as_deref() == Some(reason.as_str()) {
            return;
        }
        let name = world.cluster.node(id).name.clone();
        world.log.emit(
            now,
            Record::CaNodeKept {
                node: name.into(),
                reason: (&reason).into(),
                was_unneeded,
            },
        );
        self.kept_reason[id.idx()] = Some(reason);
    }

    /// Recomputes the unneeded set: underutilized nodes of autoscaled pools whose every pod
    /// can move elsewhere. A node keeps its "unneeded since" while it stays in the set.
    fn update_unneeded(&mut self, world: &mut World, now: SimTime) {
        let threshold = world.scenario.autoscaler.scale_down_utilization_threshold;
        let recheck = world.scenario.autoscaler.unremovable_node_recheck_timeout;
        self.stamp += 1;
        // Ready nodes of autoscaled pools, those already unneeded first (upstream keeps them at
        // the front of the candidates), then in pool and creation order.
        let mut order: Vec<NodeId> = Vec::new();
        for pool in 0..world.cluster.pools.len() {
            if world.scenario.pools[pool].enable_auto_scaling {
                let c = &world.cluster;
                order.extend(
                    c.pools[pool]
                        .nodes
                        .iter()
                        .filter(|n| c.node(**n).state == NodeState::Ready),
                );
            }
        }
        order.sort_by_key(|n| self.unneeded[n.idx()].is_none());
        // Evictions this loop's removable nodes would make, per deployment with a budget.
        let mut budget: Vec<(usize, u32)> = Vec::new();
        let mut non_empty = 0;
        for id in order {
            let u = self.utilization(world, id);
            if !u.underutilized(threshold) {
                if self.unneeded[id.idx()].is_some() {
                    let why = format!(
                        "utilization {:.2} ≥ {threshold} ({})",
                        u.value(),
                        u.resource()
                    );
                    self.keep(world, id, now, why);
                }
                continue;
            }
            if self.recheck_at[id.idx()] > now {
                continue;
            }
            let n = world.cluster.node(id);
            if n.pods.len() as u32 > n.pods_terminating {
                if non_empty >= NON_EMPTY_CANDIDATES {
                    // Not evaluated in this loop: out of the unneeded set, as upstream.
                    self.unneeded[id.idx()] = None;
                    continue;
                }
                non_empty += 1;
            }
            match self.simulate_removal(world, id, &mut budget) {
                Ok(()) => {
                    if self.unneeded[id.idx()].is_none() {
                        self.unneeded[id.idx()] = Some(now);
                        self.kept_reason[id.idx()] = None;
                        let name = world.cluster.node(id).name.clone();
                        world.log.emit(
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
                    self.recheck_at[id.idx()] = now + recheck;
                    self.keep(world, id, now, why);
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
        world: &mut World,
        node: NodeId,
        loop_budget: &mut Vec<(usize, u32)>,
    ) -> Result<(), String> {
        let pods: Vec<PodId> = world
            .cluster
            .node(node)
            .pods
            .iter()
            .copied()
            .filter(|p| {
                let pod = world.cluster.pod(*p);
                // Expendable pods (priority below the cutoff) are simply deleted.
                pod.phase != PodPhase::Terminating
                    && world.cluster.template(pod.class).priority
                        >= world.scenario.autoscaler.expendable_pods_priority_cutoff
            })
            .collect();
        let mut budget: Vec<(usize, u32)> = loop_budget.clone();
        let mut placed: Vec<(NodeId, u64, u64)> = Vec::new();
        let stamp = self.stamp;
        let mut result = Ok(());
        for pod in pods {
            let p = world.cluster.pod(pod);
            let class = p.class;
            let Owner::Deployment(d) = p.owner;
            let t = world.cluster.template(class);
            let pdb = world.scenario.deployments.get(d.idx()).and_then(|s| s.pdb);
            let left = match pdb {
                None => u32::MAX,
                Some(b) => {
                    let dep = &world.cluster.deployments[d.idx()];
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
            if let Some(b) = scale_down::blocker(facts, &world.scenario.autoscaler) {
                result = Err(b.text(&world.pod_name(pod)));
                break;
            }
            if pdb.is_some() {
                match budget.iter_mut().find(|(x, _)| *x == d.idx()) {
                    Some((_, k)) => *k += 1,
                    None => budget.push((d.idx(), 1)),
                }
            }
            let (cpu, mem) = world.cluster.requests(class);
            match self.find_destination(world, node, class, cpu, mem) {
                Some(dest) => {
                    let e = &mut self.extra[dest.idx()];
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
                        world.pod_name(pod),
                        cpu,
                        crate::api::quantity::fmt_bytes(mem)
                    ));
                    break;
                }
            }
        }
        if result.is_err() {
            for (dest, cpu, mem) in placed {
                let e = &mut self.extra[dest.idx()];
                e.0 -= cpu;
                e.1 -= mem;
                e.2 -= 1;
            }
        } else {
            *loop_budget = budget;
            for (dest, _, _) in &placed {
                self.received[dest.idx()] = stamp;
            }
            // The node goes away in this simulation: it is no destination for later nodes.
            let e = &mut self.extra[node.idx()];
            *e = (u64::MAX / 4, u64::MAX / 4, u32::MAX / 4, stamp);
        }
        result
    }

    /// The first healthy Ready node, other than `from`, that passes the scheduler's filters
    /// for `class` — the static ones (TaintToleration, NodeAffinity) from its cache, and
    /// NodeResourcesFit with this loop's simulated moves on top — in pool and zone order.
    /// (NodeUnschedulable: only Ready nodes, never cordoned ones. PodTopologySpread is not
    /// checked here.)
    fn find_destination(
        &mut self,
        world: &mut World,
        from: NodeId,
        class: ClassId,
        cpu: u64,
        mem: u64,
    ) -> Option<NodeId> {
        let stamp = self.stamp;
        for pool in 0..world.cluster.pools.len() {
            let zones = world.cluster.pools[pool].zones.clone();
            for z in zones {
                if !world.statically_fits(class, pool, z) {
                    continue;
                }
                let c = &world.cluster;
                for &id in &c.pools[pool].nodes {
                    if id == from {
                        continue;
                    }
                    let n = c.node(id);
                    if n.state != NodeState::Ready || n.fault != 0 || n.zone != z {
                        continue;
                    }
                    let e = self.extra[id.idx()];
                    let placed = if e.3 == stamp {
                        Placed {
                            cpu_millis: e.0,
                            memory_bytes: e.1,
                            pods: e.2,
                        }
                    } else {
                        Placed::default()
                    };
                    if filter::fits_with(cpu, mem, n, placed) {
                        return Some(id);
                    }
                }
            }
        }
        None
    }

    /// Schedules the next autoscaler loop.
    fn next_scan(&mut self, world: &mut World, now: SimTime) {
        let next = now + world.scenario.autoscaler.scan_interval;
        if next <= world.end {
            world.queue.schedule(next, Event::AutoscalerScan);
        }
    }
}

impl NodeObserver for CaState {
    /// The autoscaler tracks the nodes of the pools it manages until they register (or miss
    /// `max-node-provision-time`).
    fn launched(&mut self, world: &World, node: NodeId) {
        let pool = world.cluster.node(node).pool.idx();
        if world.scenario.pools[pool].enable_auto_scaling {
            self.upcoming.push(node);
        }
    }

    /// A node registered: when its pool has no other node on the way, the scale-up is complete
    /// and the pool's backoff is cleared.
    fn registered(&mut self, world: &World, node: NodeId) {
        let pool = world.cluster.node(node).pool;
        self.upcoming.retain(|n| *n != node);
        let c = &world.cluster;
        let more = self.upcoming.iter().any(|n| c.node(*n).pool == pool);
        if !more {
            self.pools[pool.idx()].backoff.clear();
        }
    }

    fn deleted(&mut self, node: NodeId) {
        self.upcoming.retain(|x| *x != node);
    }
}
