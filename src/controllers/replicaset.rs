//! The ReplicaSet controller (kube-controller-manager's `replicaset` and `deployment`
//! controllers, folded into one): it creates or deletes pods until each deployment has its
//! desired count, deleting in upstream's rank order (`controller_utils.go`,
//! `ActivePodsWithRanks`). It keeps no state of its own: deployments and their pods are in the
//! cluster.

use std::cmp::Reverse;

use crate::cluster::{DeploymentId, PodId, PodPhase};
use crate::engine::SimTime;
use crate::observe::record::Record;
use crate::world::World;

/// Every ReplicaSet replaces the pods it lost.
pub fn reconcile_all(world: &mut World, now: SimTime) {
    for d in 0..world.cluster.deployments.len() {
        reconcile(world, DeploymentId(d as u32), now);
    }
}

/// Creates or deletes pods until the deployment has its desired count.
pub fn reconcile(world: &mut World, d: DeploymentId, now: SimTime) {
    if world.cluster.deployments[d.idx()].trace.is_some() {
        return; // batch pods: no ReplicaSet
    }
    world.advance(d, now);
    let have = world.cluster.deployments[d.idx()].pods.len() as u32;
    let want = world.cluster.deployments[d.idx()].desired;
    if have < want {
        for _ in have..want {
            world.create_pod(d, now);
        }
        world.wake_scheduler(now);
    } else if have > want {
        let victims = scale_down_order(world, d, now);
        for pod in victims.into_iter().take((have - want) as usize) {
            world.delete_pod(pod, now, "replica set scaled down", false, None);
        }
    }
}

/// The deployment's pods in deletion order (`ActivePodsWithRanks`, controller_utils.go):
/// unassigned first, then Pending before Running, not ready before ready, more pods of the
/// deployment on the same node first, then newer ready time and newer creation (log₂ buckets
/// of age, ties by a stable pseudo-UID).
fn scale_down_order(world: &World, d: DeploymentId, now: SimTime) -> Vec<PodId> {
    let c = &world.cluster;
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

/// A deployment is scaled to `replicas` by hand (`kubectl scale`, a scenario event).
pub fn scale(world: &mut World, d: DeploymentId, replicas: u32, now: SimTime) {
    let i = d.idx();
    let name = world.cluster.deployments[i].name.clone();
    let from = world.cluster.deployments[i].desired;
    world.advance(d, now);
    world.cluster.deployments[i].desired = replicas;
    let load = &mut world.loads[i];
    load.peak_desired = load.peak_desired.max(replicas);
    world.log.emit(
        now,
        Record::DeploymentScaled {
            deployment: name.into(),
            from,
            to: replicas,
            reason: "scenario event".into(),
        },
    );
    reconcile(world, d, now);
}
