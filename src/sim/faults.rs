//! Faults: zone outages, node failures with node auto-repair, spot evictions and stock-outs.
//!
//! - A node whose Ready condition turns False (its zone is down, or its VM failed) takes no new
//!   pod, and its pods stop counting as ready (the node lifecycle controller marks them so).
//!   After the pods' not-ready toleration (300 s by default, from the DefaultTolerationSeconds
//!   admission plugin) the controller evicts them and their ReplicaSets create replacements.
//!   PodDisruptionBudgets do not apply: these are not voluntary evictions.
//! - During a zone outage no VM can be created in the zone; nodes that were booting there
//!   finish only after it recovers (or are deleted by the autoscaler's registration deadline).
//!   Regional (non-zonal) pools are not affected.
//! - A failed VM comes back after the pool's `repair_time` (AKS node auto-repair); the time to
//!   the next failure is drawn again from the pool's `mtbf` (exponential).
//! - A spot VM is evicted with 30 s notice (Azure Scheduled Events): the node is cordoned, its
//!   pods get at most 30 s to stop, and the VM is deleted (AKS spot pools use the Delete
//!   eviction policy).

use rand::RngExt;

use crate::cluster::{FAULT_VM, FAULT_ZONE, NodeId, NodeState, Owner, PodId, PodPhase};
use crate::engine::{SimDuration, SimTime};
use crate::observe::record::{NotReadyCause, Record};

use super::autoscaler::OutageRecord;
use super::{Event, Sim};

/// Azure's notice before a spot VM is evicted (Scheduled Events `Preempt`).
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(30);

impl Sim {
    /// An exponential draw with the given mean, from the pool's fault stream.
    fn exponential(&mut self, pool: usize, mean_ms: f64) -> SimDuration {
        let u: f64 = self.fault_rngs[pool].random();
        // 1 − u is in (0, 1]: ln is finite.
        SimDuration(libm::round(-libm::log(1.0 - u) * mean_ms).max(1.0) as u64)
    }

    /// A node turned Ready: draw when it fails or is evicted next, if its pool says so.
    pub(super) fn arm_faults(&mut self, node: NodeId, now: SimTime) {
        let pool = self.cluster.node(node).pool.idx();
        let spec = &self.scenario.pools[pool];
        let (mtbf, rate) = (spec.mtbf, spec.spot_eviction_rate);
        if let Some(m) = mtbf {
            let after = self.exponential(pool, m.as_ms() as f64);
            let epoch = self.cluster.node(node).vm_epoch;
            self.queue
                .schedule(now + after, Event::NodeFailure { node, epoch });
        }
        if rate > 0.0 {
            let after = self.exponential(pool, 3_600_000.0 / rate);
            self.queue.schedule(now + after, Event::SpotEvict { node });
        }
    }

    fn is_live(&self, node: NodeId) -> bool {
        !matches!(
            self.cluster.node(node).state,
            NodeState::Deleted | NodeState::Provisioning
        )
    }

    /// Sets a fault; if a registered node just turned NotReady, logs it, arms the pod eviction
    /// and returns true.
    fn fault(&mut self, node: NodeId, bit: u8, now: SimTime, why: NotReadyCause) -> bool {
        // The loads integrate up to now before ready counts change.
        let deps: Vec<_> = self
            .cluster
            .node(node)
            .owner_counts
            .iter()
            .map(|(d, _)| *d)
            .collect();
        for d in deps {
            self.advance(d, now);
        }
        if !self.cluster.set_fault(node, bit, now) {
            return false;
        }
        let n = self.cluster.node(node);
        if n.state == NodeState::Provisioning {
            // Its boot stalls; it was never Ready, so it is not counted as turning NotReady.
            return false;
        }
        self.ca.unready_nodes += 1;
        let (name, pods) = (n.name.clone(), n.pods.len());
        self.log.emit(
            now,
            Record::NodeNotReady {
                node: name.into(),
                pods: pods as u32,
                reason: why,
            },
        );
        let at = now + self.scenario.cluster.not_ready_toleration;
        self.queue.schedule(
            at,
            Event::NodeEviction {
                node,
                since_ms: now.as_ms(),
            },
        );
        true
    }

    /// Clears a fault; a node healthy again reports its pods ready and takes pods again.
    fn recover(&mut self, node: NodeId, bit: u8, now: SimTime) {
        let state = self.cluster.node(node).state;
        if !self.cluster.clear_fault(node, bit) {
            return;
        }
        if state == NodeState::Provisioning {
            // Its boot resumes: it registers when the boot would have completed.
            let n = self.cluster.node(node);
            let (at, generation) = (n.boot_due.max(now), n.generation);
            self.queue
                .schedule(at, Event::NodeReady { node, generation });
            return;
        }
        self.ca.unready_nodes -= 1;
        let pods: Vec<_> = self.cluster.node(node).pods.clone();
        for pod in pods {
            let p = self.cluster.pod(pod);
            if p.phase != PodPhase::Running {
                continue;
            }
            if p.ready_at.is_some() {
                // Ready before the fault: ready again, without counting a second start.
                let Owner::Deployment(d) = p.owner;
                self.advance(d, now);
                self.cluster.pod_ready_again(pod);
                self.resume_trace_pod(pod, now);
            } else {
                // Its readiness delay ran out while the node was NotReady (the timer found
                // the node faulty); a delay still running keeps its timer.
                let delay = self.cluster.template(p.class).readiness_delay;
                if p.running_at.is_some_and(|t| t + delay <= now) {
                    self.pod_ready(pod, now);
                }
            }
        }
        let name = self.cluster.node(node).name.clone();
        self.log
            .emit(now, Record::NodeReadyAgain { node: name.into() });
        self.wake_scheduler(now);
    }

    /// A batch pod's completion timer was dropped when its node turned NotReady (the pod's
    /// generation changed); it finishes when it would have, its containers having run on.
    fn resume_trace_pod(&mut self, pod: PodId, now: SimTime) {
        let p = self.cluster.pod(pod);
        let Some(t) = self.trace_of(p) else { return };
        let row = self.scenario.traces[t].trace.pods[p.ordinal as usize];
        if let (Some(run), Some(started)) = (row.run(), p.ready_at) {
            let generation = p.generation;
            self.queue
                .schedule((started + run).max(now), Event::PodStep { pod, generation });
        }
    }

    /// The not-ready toleration of the pods on `node` ran out: the node controller evicts them.
    pub(super) fn evict_from_unready(&mut self, node: NodeId, since_ms: u64, now: SimTime) {
        let n = self.cluster.node(node);
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
            .filter(|p| self.cluster.pod(**p).phase != PodPhase::Terminating)
            .count();
        if count == 0 {
            return;
        }
        for pod in pods {
            self.delete_pod(
                pod,
                now,
                "evicted: node not ready (taint-based eviction)",
                true,
                None,
            );
        }
        for o in self.ca.outages.iter_mut() {
            if zone_down
                && o.zone == zone
                && o.start <= now
                && now <= o.end + self.scenario.cluster.not_ready_toleration
            {
                o.pods_evicted += count as u32;
            }
        }
        self.log.emit(
            now,
            Record::PodsEvicted {
                node: name.into(),
                pods: count as u32,
                reason: "not-ready toleration (node.kubernetes.io/unreachable) expired".into(),
            },
        );
        self.reconcile_all(now);
        self.wake_scheduler(now);
    }

    fn nodes_in_zone(&self, zone: u8) -> Vec<NodeId> {
        self.cluster
            .live_nodes()
            .filter(|n| n.zone.0 == zone)
            .map(|n| n.id)
            .collect()
    }

    pub(super) fn zone_outage(&mut self, zone: u8, duration: SimDuration, now: SimTime) {
        let until = now + duration;
        let slot = &mut self.ca.zone_down[zone as usize];
        *slot = Some(slot.map_or(until, |t| t.max(until)));
        let ids = self.nodes_in_zone(zone);
        let mut hit = 0;
        for id in &ids {
            if self.fault(*id, FAULT_ZONE, now, NotReadyCause::ZoneOutage) {
                hit += 1;
            }
        }
        self.log.emit(
            now,
            Record::ZoneOutage {
                zone,
                nodes: hit,
                until: self.log.wall_clock(until).into(),
            },
        );
        self.ca.outages.push(OutageRecord {
            zone,
            start: now,
            end: until,
            nodes: hit,
            pods_evicted: 0,
            pending_seen: false,
            pending_cleared_at: None,
        });
        self.queue.schedule(until, Event::ZoneRecovered { zone });
    }

    pub(super) fn zone_recovered(&mut self, zone: u8, now: SimTime) {
        if self.ca.zone_down[zone as usize].is_some_and(|t| t > now) {
            return; // a later outage of the same zone is still running
        }
        self.ca.zone_down[zone as usize] = None;
        for id in self.nodes_in_zone(zone) {
            self.recover(id, FAULT_ZONE, now);
        }
        self.log.emit(now, Record::ZoneRecovered { zone });
    }

    /// A VM fails (the `epoch` of the timer must still be the node's: a failure or a repair
    /// since the draw makes it stale). It is repaired after the pool's `repair_time`.
    pub(super) fn node_failure(&mut self, node: NodeId, epoch: u32, now: SimTime) {
        let n = self.cluster.node(node);
        if !self.is_live(node) || n.vm_epoch != epoch || n.fault & FAULT_VM != 0 {
            return;
        }
        self.cluster.nodes[node.idx()].vm_epoch += 1;
        self.fault(node, FAULT_VM, now, NotReadyCause::VmFailure);
        let pool = self.cluster.node(node).pool.idx();
        let repair = self.scenario.pools[pool].repair_time;
        let epoch = self.cluster.node(node).vm_epoch;
        self.queue
            .schedule(now + repair, Event::NodeRepaired { node, epoch });
    }

    pub(super) fn node_repaired(&mut self, node: NodeId, epoch: u32, now: SimTime) {
        if !self.is_live(node) || self.cluster.node(node).vm_epoch != epoch {
            return;
        }
        self.cluster.nodes[node.idx()].vm_epoch += 1;
        self.recover(node, FAULT_VM, now);
        // The repaired VM's next failure.
        let pool = self.cluster.node(node).pool.idx();
        if let Some(m) = self.scenario.pools[pool].mtbf {
            let after = self.exponential(pool, m.as_ms() as f64);
            let epoch = self.cluster.node(node).vm_epoch;
            self.queue
                .schedule(now + after, Event::NodeFailure { node, epoch });
        }
    }

    /// `count` Ready nodes of `pool` fail at once (picked at random).
    pub(super) fn fail_nodes(&mut self, pool: usize, count: u32, now: SimTime) {
        let picked = self.pick_nodes(pool, count, FAULT_VM);
        for node in picked {
            let epoch = self.cluster.node(node).vm_epoch;
            self.node_failure(node, epoch, now);
        }
    }

    /// Up to `count` distinct Ready, not-draining nodes of `pool` without any of the `skip`
    /// fault bits, drawn from its fault stream.
    fn pick_nodes(&mut self, pool: usize, count: u32, skip: u8) -> Vec<NodeId> {
        let c = &self.cluster;
        let mut live: Vec<NodeId> = c.pools[pool]
            .nodes
            .iter()
            .copied()
            .filter(|n| c.node(*n).state == NodeState::Ready && c.node(*n).fault & skip == 0)
            .collect();
        let mut out = Vec::new();
        while out.len() < count as usize && !live.is_empty() {
            let i = self.fault_rngs[pool].random_range(0..live.len());
            out.push(live.swap_remove(i));
        }
        out.sort_unstable();
        out
    }

    /// Azure reclaims a spot VM.
    pub(super) fn spot_evict(&mut self, node: NodeId, now: SimTime, why: &str) {
        let n = self.cluster.node(node);
        if matches!(n.state, NodeState::Deleted | NodeState::Deleting) {
            return;
        }
        let (name, pool) = (
            n.name.clone(),
            self.scenario.pools[n.pool.idx()].name.clone(),
        );
        self.log.emit(
            now,
            Record::SpotEviction {
                node: name.into(),
                pool: pool.into(),
                reason: why.into(),
            },
        );
        self.stats.spot_evictions += 1;
        self.drain_node(node, now, "spot eviction", Some(SPOT_NOTICE));
    }

    pub(super) fn spot_wave(&mut self, pool: usize, count: u32, now: SimTime) {
        for node in self.pick_nodes(pool, count, 0) {
            self.spot_evict(node, now, "eviction wave");
        }
    }

    /// The time from an outage's start until pending pods are back to zero.
    pub(super) fn track_outages(&mut self, now: SimTime) {
        let pending = self.unscheduled_pods() + self.starting_pods();
        let toleration = self.scenario.cluster.not_ready_toleration;
        for o in self.ca.outages.iter_mut() {
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
}
