//! Nodes as Kubernetes sees them come and go: a VM asked of the cloud registers Ready after its
//! provisioning delay; AKS's scale-in cordons a node, evicts its pods and deletes the VM when
//! the last has stopped; a node whose Ready condition turns False (its zone is down, its VM
//! failed) takes no new pod and its pods stop counting as ready; after the pods' not-ready
//! toleration (300 s by default, from the DefaultTolerationSeconds admission plugin) the node
//! lifecycle controller evicts them and their ReplicaSets create replacements.
//! PodDisruptionBudgets do not apply to those evictions.
//!
//! The faults come from Azure — zone outages, VM failures and node auto-repair, spot evictions
//! with 30 s notice (Azure Scheduled Events; AKS spot pools use the Delete eviction policy) —
//! and their handlers are here; the cloud (`cloud::Azure`) holds the zones down and the
//! stock-outs and draws when faults happen. During a zone outage no VM can be created in the zone; nodes that were booting
//! there finish only after it recovers (or are deleted by the autoscaler's registration
//! deadline). Regional (non-zonal) pools are not affected.
//!
//! The node provisioner (today the cluster autoscaler) follows the nodes it waits for through
//! [`NodeObserver`].

use super::{job, kubelet, replicaset};
use crate::cloud::Refusal;
use crate::cluster::{
    FAULT_VM, FAULT_ZONE, NodeId, NodeState, Owner, PodId, PodPhase, PoolId, ZONES,
};
use crate::engine::{SimDuration, SimTime};
use crate::observe::record::{NodeCreation, NotReadyCause, Record};
use crate::world::{Event, OutageRecord, World};

/// Azure's notice before a spot VM is evicted (Scheduled Events `Preempt`).
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(30);

/// What a node provisioner learns of the nodes as they come and go.
pub trait NodeObserver {
    /// A VM was created for `node` and will register after its provisioning delay.
    fn launched(&mut self, world: &World, node: NodeId);
    /// `node` registered Ready.
    fn registered(&mut self, world: &World, node: NodeId);
    /// `node` was deleted.
    fn deleted(&mut self, node: NodeId);
}

/// Starts a VM in the pool's next zone; returns `None` (and logs why) if Azure refuses.
pub fn create_node(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    pool: PoolId,
    now: SimTime,
    why: NodeCreation,
) -> Option<NodeId> {
    match world.azure_check(pool.idx(), 1, now) {
        Ok(zones) => create_node_in(world, obs, pool, zones[0], now, why),
        Err(r) => {
            let zone = world.cluster.next_zone(pool);
            node_create_failed(world, pool, zone, &r, now);
            None
        }
    }
}

fn node_create_failed(
    world: &mut World,
    pool: PoolId,
    zone: crate::cluster::Zone,
    refusal: &Refusal,
    now: SimTime,
) {
    let reason = format!("{}: {}", refusal.code.as_str(), refusal.message);
    let pool_name = world.scenario.pools[pool.idx()].name.clone();
    world.log.emit(
        now,
        Record::NodeCreateFailed {
            pool: pool_name.into(),
            zone: zone.short(),
            reason: reason.into(),
        },
    );
    let key = refusal.code.as_str().to_string();
    match world
        .stats
        .node_create_failures
        .iter_mut()
        .find(|(k, _)| *k == key)
    {
        Some((_, n)) => *n += 1,
        None => world.stats.node_create_failures.push((key, 1)),
    }
}

/// Starts a VM of `pool` in `zone`; returns `None` (and logs why) if Azure refuses.
pub fn create_node_in(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    pool: PoolId,
    zone: crate::cluster::Zone,
    now: SimTime,
    why: NodeCreation,
) -> Option<NodeId> {
    match world
        .cloud
        .create_vm(&mut world.cluster, &mut world.cost, pool, zone, now)
    {
        Ok(node) => {
            let p = pool.idx();
            world.stats.nodes_created_by_pool[p] += 1;
            world.track_peaks();
            // The initial nodes are there when the run starts (a running cluster).
            let delay = if now == SimTime::ZERO && why == NodeCreation::Initial {
                SimDuration::ZERO
            } else {
                world.cloud.provisioning_delay(&world.scenario.pools[p], p)
            };
            let n = world.cluster.node(node);
            let (name, pool_name) = (n.name.clone(), world.scenario.pools[p].name.clone());
            world.log.emit(
                now,
                Record::NodeProvisioning {
                    node: name.into(),
                    pool: pool_name.into(),
                    zone: zone.short(),
                    ready_in_s: delay.as_secs_f64(),
                    reason: why,
                },
            );
            let generation = world.cluster.node(node).generation;
            world.cluster.nodes[node.idx()].boot_due = now + delay;
            if delay > SimDuration::ZERO {
                obs.launched(world, node);
                world
                    .queue
                    .schedule(now + delay, Event::NodeReady { node, generation });
            } else {
                node_ready(world, obs, node, generation, now);
            }
            Some(node)
        }
        Err(e) => {
            node_create_failed(world, pool, zone, &Refusal::of_create_error(&e), now);
            None
        }
    }
}

pub fn node_ready(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    node: NodeId,
    generation: u32,
    now: SimTime,
) {
    let n = world.cluster.node(node);
    if n.generation != generation || n.state != NodeState::Provisioning {
        return;
    }
    world.cluster.node_ready(node, now);
    obs.registered(world, node);
    arm_faults(world, node, now);
    let n = world.cluster.node(node);
    let (name, pool) = (
        n.name.clone(),
        world.scenario.pools[n.pool.idx()].name.clone(),
    );
    let zone = n.zone.short();
    let took = now.since(n.created_at).as_secs_f64();
    world.log.emit(
        now,
        Record::NodeReady {
            node: name.into(),
            pool: pool.into(),
            zone,
            provisioning_s: took,
        },
    );
    world.wake_scheduler(now);
}

/// Removes a node the way AKS scales a pool in: a node still provisioning is deleted at
/// once; a Ready node is cordoned, its pods are evicted (each stops within its grace period
/// while its deployment creates a replacement elsewhere), and its VM is deleted when the
/// last pod has stopped. PodDisruptionBudgets are not modelled here.
/// `grace_cap` bounds each pod's grace period (the autoscaler's
/// `max-graceful-termination-sec`, a spot VM's 30 s notice).
pub fn drain_node(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    node: NodeId,
    now: SimTime,
    why: &str,
    grace_cap: Option<SimDuration>,
) {
    if world.cluster.node(node).state != NodeState::Ready {
        delete_node(world, obs, node, now, why);
        return;
    }
    world.cluster.cordon(node);
    let n = world.cluster.node(node);
    let (name, pool) = (
        n.name.clone(),
        world.scenario.pools[n.pool.idx()].name.clone(),
    );
    let pods: Vec<PodId> = n.pods.clone();
    world.log.emit(
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
        let stop = world.delete_pod(pod, now, "evicted: node drained", false, grace_cap);
        last_stop = last_stop.max(stop);
    }
    replicaset::reconcile_all(world, now);
    world.queue.schedule(last_stop, Event::NodeGone { node });
}

/// Deletes a node at once; its pods are deleted and their deployments replace them.
pub fn delete_node(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    node: NodeId,
    now: SimTime,
    why: &str,
) {
    let n = world.cluster.node(node);
    let p = n.pool.idx();
    let name = n.name.clone();
    let pods: Vec<PodId> = n.pods.clone();
    for pod in &pods {
        world.delete_pod(*pod, now, "node deleted", true, None);
    }
    let n = world.cluster.node(node);
    if n.fault != 0 && matches!(n.state, NodeState::Ready | NodeState::Deleting) {
        world.unready_nodes -= 1;
    }
    obs.deleted(node);
    world
        .cloud
        .delete_vm(&mut world.cluster, &mut world.cost, node, now);
    let pool = world.scenario.pools[p].name.clone();
    world.log.emit(
        now,
        Record::NodeDeleted {
            node: name.into(),
            pool: pool.into(),
            reason: why.into(),
        },
    );
    replicaset::reconcile_all(world, now);
    world.wake_scheduler(now);
}

/// A node turned Ready: draw when it fails or is evicted next, if its pool says so.
fn arm_faults(world: &mut World, node: NodeId, now: SimTime) {
    let pool = world.cluster.node(node).pool.idx();
    let spec = &world.scenario.pools[pool];
    let (mtbf, rate) = (spec.mtbf, spec.spot_eviction_rate);
    if let Some(m) = mtbf {
        let after = world.cloud.exponential(pool, m.as_ms() as f64);
        let epoch = world.cluster.node(node).vm_epoch;
        world
            .queue
            .schedule(now + after, Event::NodeFailure { node, epoch });
    }
    if rate > 0.0 {
        let after = world.cloud.exponential(pool, 3_600_000.0 / rate);
        world.queue.schedule(now + after, Event::SpotEvict { node });
    }
}

fn is_live(world: &World, node: NodeId) -> bool {
    !matches!(
        world.cluster.node(node).state,
        NodeState::Deleted | NodeState::Provisioning
    )
}

/// Sets a fault; if a registered node just turned NotReady, logs it, arms the pod eviction
/// and returns true.
fn fault(world: &mut World, node: NodeId, bit: u8, now: SimTime, why: NotReadyCause) -> bool {
    // The loads integrate up to now before ready counts change.
    let deps: Vec<_> = world
        .cluster
        .node(node)
        .owner_counts
        .iter()
        .map(|(d, _)| *d)
        .collect();
    for d in deps {
        world.advance(d, now);
    }
    if !world.cluster.set_fault(node, bit, now) {
        return false;
    }
    let n = world.cluster.node(node);
    if n.state == NodeState::Provisioning {
        // Its boot stalls; it was never Ready, so it is not counted as turning NotReady.
        return false;
    }
    world.unready_nodes += 1;
    let (name, pods) = (n.name.clone(), n.pods.len());
    world.log.emit(
        now,
        Record::NodeNotReady {
            node: name.into(),
            pods: pods as u32,
            reason: why,
        },
    );
    let at = now + world.scenario.cluster.not_ready_toleration;
    world.queue.schedule(
        at,
        Event::NodeEviction {
            node,
            since_ms: now.as_ms(),
        },
    );
    true
}

/// Clears a fault; a node healthy again reports its pods ready and takes pods again.
fn recover(world: &mut World, node: NodeId, bit: u8, now: SimTime) {
    let state = world.cluster.node(node).state;
    if !world.cluster.clear_fault(node, bit) {
        return;
    }
    if state == NodeState::Provisioning {
        // Its boot resumes: it registers when the boot would have completed.
        let n = world.cluster.node(node);
        let (at, generation) = (n.boot_due.max(now), n.generation);
        world
            .queue
            .schedule(at, Event::NodeReady { node, generation });
        return;
    }
    world.unready_nodes -= 1;
    let pods: Vec<_> = world.cluster.node(node).pods.clone();
    for pod in pods {
        let p = world.cluster.pod(pod);
        if p.phase != PodPhase::Running {
            continue;
        }
        if p.ready_at.is_some() {
            // Ready before the fault: ready again, without counting a second start.
            let Owner::Deployment(d) = p.owner;
            world.advance(d, now);
            world.cluster.pod_ready_again(pod);
            job::resume_trace_pod(world, pod, now);
        } else {
            // Its readiness delay ran out while the node was NotReady (the timer found
            // the node faulty); a delay still running keeps its timer.
            let delay = world.cluster.template(p.class).readiness_delay;
            if p.running_at.is_some_and(|t| t + delay <= now) {
                kubelet::pod_ready(world, pod, now);
            }
        }
    }
    let name = world.cluster.node(node).name.clone();
    world
        .log
        .emit(now, Record::NodeReadyAgain { node: name.into() });
    world.wake_scheduler(now);
}

/// The not-ready toleration of the pods on `node` ran out: the node controller evicts them.
pub fn evict_from_unready(world: &mut World, node: NodeId, since_ms: u64, now: SimTime) {
    let n = world.cluster.node(node);
    if n.fault == 0
        || n.not_ready_since != Some(SimTime(since_ms))
        || !matches!(n.state, NodeState::Ready | NodeState::Deleting)
    {
        return;
    }
    let (name, pods) = (n.name.clone(), n.pods.clone());
    let zone = n.zone.0;
    // A node whose own VM failed inside an outage's window is not the outage's.
    let zone_down = n.fault & FAULT_ZONE != 0;
    let count = pods
        .iter()
        .filter(|p| world.cluster.pod(**p).phase != PodPhase::Terminating)
        .count();
    if count == 0 {
        return;
    }
    for pod in pods {
        world.delete_pod(
            pod,
            now,
            "evicted: node not ready (taint-based eviction)",
            true,
            None,
        );
    }
    for o in world.outages.iter_mut() {
        if zone_down
            && o.zone == zone
            && o.start <= now
            && now <= o.end + world.scenario.cluster.not_ready_toleration
        {
            o.pods_evicted += count as u32;
        }
    }
    world.log.emit(
        now,
        Record::PodsEvicted {
            node: name.into(),
            pods: count as u32,
            reason: "not-ready toleration (node.kubernetes.io/unreachable) expired".into(),
        },
    );
    replicaset::reconcile_all(world, now);
    world.wake_scheduler(now);
}

fn nodes_in_zone(world: &World, zone: u8) -> Vec<NodeId> {
    world
        .cluster
        .live_nodes()
        .filter(|n| n.zone.0 == zone)
        .map(|n| n.id)
        .collect()
}

pub fn zone_outage(world: &mut World, zone: u8, duration: SimDuration, now: SimTime) {
    let until = now + duration;
    world.cloud.zone_down_until(zone, until);
    let ids = nodes_in_zone(world, zone);
    let mut hit = 0;
    for id in &ids {
        if fault(world, *id, FAULT_ZONE, now, NotReadyCause::ZoneOutage) {
            hit += 1;
        }
    }
    world.log.emit(
        now,
        Record::ZoneOutage {
            zone,
            nodes: hit,
            until: world.log.wall_clock(until).into(),
        },
    );
    world.outages.push(OutageRecord {
        zone,
        start: now,
        end: until,
        nodes: hit,
        pods_evicted: 0,
        pending_seen: false,
        pending_cleared_at: None,
    });
    world.queue.schedule(until, Event::ZoneRecovered { zone });
}

pub fn zone_recovered(world: &mut World, zone: u8, now: SimTime) {
    if !world.cloud.zone_up(zone, now) {
        return; // a later outage of the same zone is still running
    }
    for id in nodes_in_zone(world, zone) {
        recover(world, id, FAULT_ZONE, now);
    }
    world.log.emit(now, Record::ZoneRecovered { zone });
}

/// A VM fails (the `epoch` of the timer must still be the node's: a failure or a repair
/// since the draw makes it stale). It is repaired after the pool's `repair_time`.
pub fn node_failure(world: &mut World, node: NodeId, epoch: u32, now: SimTime) {
    let n = world.cluster.node(node);
    if !is_live(world, node) || n.vm_epoch != epoch || n.fault & FAULT_VM != 0 {
        return;
    }
    world.cluster.nodes[node.idx()].vm_epoch += 1;
    fault(world, node, FAULT_VM, now, NotReadyCause::VmFailure);
    let pool = world.cluster.node(node).pool.idx();
    let repair = world.scenario.pools[pool].repair_time;
    let epoch = world.cluster.node(node).vm_epoch;
    world
        .queue
        .schedule(now + repair, Event::NodeRepaired { node, epoch });
}

pub fn node_repaired(world: &mut World, node: NodeId, epoch: u32, now: SimTime) {
    if !is_live(world, node) || world.cluster.node(node).vm_epoch != epoch {
        return;
    }
    world.cluster.nodes[node.idx()].vm_epoch += 1;
    recover(world, node, FAULT_VM, now);
    // The repaired VM's next failure.
    let pool = world.cluster.node(node).pool.idx();
    if let Some(m) = world.scenario.pools[pool].mtbf {
        let after = world.cloud.exponential(pool, m.as_ms() as f64);
        let epoch = world.cluster.node(node).vm_epoch;
        world
            .queue
            .schedule(now + after, Event::NodeFailure { node, epoch });
    }
}

/// `count` Ready nodes of `pool` fail at once (picked at random).
pub fn fail_nodes(world: &mut World, pool: usize, count: u32, now: SimTime) {
    let picked = world
        .cloud
        .pick_nodes(&world.cluster, pool, count, FAULT_VM);
    for node in picked {
        let epoch = world.cluster.node(node).vm_epoch;
        node_failure(world, node, epoch, now);
    }
}

/// Azure reclaims a spot VM.
pub fn spot_evict(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    node: NodeId,
    now: SimTime,
    why: &str,
) {
    let n = world.cluster.node(node);
    if matches!(n.state, NodeState::Deleted | NodeState::Deleting) {
        return;
    }
    let (name, pool) = (
        n.name.clone(),
        world.scenario.pools[n.pool.idx()].name.clone(),
    );
    world.log.emit(
        now,
        Record::SpotEviction {
            node: name.into(),
            pool: pool.into(),
            reason: why.into(),
        },
    );
    world.stats.spot_evictions += 1;
    drain_node(world, obs, node, now, "spot eviction", Some(SPOT_NOTICE));
}

pub fn spot_wave(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    pool: usize,
    count: u32,
    now: SimTime,
) {
    for node in world.cloud.pick_nodes(&world.cluster, pool, count, 0) {
        spot_evict(world, obs, node, now, "eviction wave");
    }
}

/// The time from an outage's start until pending pods are back to zero.
pub fn track_outages(world: &mut World, now: SimTime) {
    let pending = world.unscheduled_pods() + world.starting_pods();
    let toleration = world.scenario.cluster.not_ready_toleration;
    for o in world.outages.iter_mut() {
        if o.pending_cleared_at.is_some() || now < o.start {
            continue;
        }
        if pending > 0 {
            o.pending_seen = true;
        } else if o.pending_seen {
            o.pending_cleared_at = Some(now);
        } else if now > o.end + toleration {
            // Over, and its evictions (if any) are past: nothing went pending.
            o.pending_cleared_at = Some(o.end);
        }
    }
}

/// `count` nodes of `pool` are removed as AKS scales a pool in (`az aks nodepool scale`):
/// zones kept balanced, the newest instance first, nodes already draining not chosen again,
/// and a system pool never below one node.
pub fn remove_nodes(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    pool: usize,
    count: u32,
    now: SimTime,
) {
    for _ in 0..count {
        let c = &world.cluster;
        let staying: Vec<NodeId> = c.pools[pool]
            .nodes
            .iter()
            .copied()
            .filter(|n| c.node(*n).state != NodeState::Deleting)
            .collect();
        // AKS keeps at least one node in a system pool (validation checks the planned
        // counts; a failed node creation can still leave only one).
        if world.scenario.pools[pool].mode == crate::api::Mode::System && staying.len() <= 1 {
            let name = world.scenario.pools[pool].name.clone();
            world.log.emit(
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
            Some(n) => drain_node(world, obs, n, now, "scenario event remove_nodes", None),
            None => break,
        }
    }
}

/// `count` nodes are added to `pool` by hand (`az aks nodepool scale`, a scenario event).
pub fn add_nodes(
    world: &mut World,
    obs: &mut dyn NodeObserver,
    pool: usize,
    count: u32,
    now: SimTime,
) {
    for _ in 0..count {
        create_node(
            world,
            obs,
            PoolId(pool as u32),
            now,
            NodeCreation::AddNodesEvent,
        );
    }
}

/// A draining node's last pod has stopped: its VM is deleted.
pub fn on_node_gone(world: &mut World, obs: &mut dyn NodeObserver, node: NodeId, now: SimTime) {
    if world.cluster.node(node).state == NodeState::Deleting {
        delete_node(world, obs, node, now, "drained");
    }
}

/// Azure runs out of `sku` in `zone` (every zone when `None`) for `duration`: VM requests
/// for it are refused until then.
pub fn stock_out(
    world: &mut World,
    sku: String,
    zone: Option<u8>,
    duration: SimDuration,
    now: SimTime,
) {
    let until = now + duration;
    world.log.emit(
        now,
        Record::StockOut {
            vm_size: (&sku).into(),
            zone,
            until: world.log.wall_clock(until).into(),
        },
    );
    world.cloud.stock_out(sku, zone, until);
}
