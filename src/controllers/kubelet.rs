//! The kubelet: a bound pod pulls its image (once per node; serialized or parallel pulls),
//! starts, turns Ready after its readiness delay, and terminates within its grace period. A pod
//! whose image has no manifest for the node's OS stays in ImagePullBackOff. It keeps no state of
//! its own: images and pods are on the cluster's nodes.

use super::job;
use crate::cluster::{NodeId, Owner, PodId, PodPhase};
use crate::engine::{SimDuration, SimTime};
use crate::observe::record::Record;
use crate::world::{Event, World};

/// A pod was bound: start it (pull the image if needed) or leave it stuck on a wrong OS.
pub fn bound(world: &mut World, pod: PodId, node: NodeId, now: SimTime) {
    world.pod_bound();
    world.cluster.pods[pod.idx()].warm = world.warm;
    let p = world.cluster.pod(pod);
    // The warm start's initial replicas waited for nothing: they are not samples. Trace
    // pods have their own waits (`pod_traces` in the summary).
    let batch = world.trace_of(p).is_some();
    if !world.warm && !batch {
        world
            .stats
            .time_to_schedule
            .push(now.since(p.created_at).as_ms());
    }
    let class = p.class;
    let (pod_os, pod_image) = {
        let t = world.cluster.template(class);
        (t.os, t.image)
    };
    let n = world.cluster.node(node);
    let pool = &world.scenario.pools[n.pool.idx()];
    let (node_name, node_os) = (n.name.clone(), pool.os);
    let name = world.pod_name(pod);
    world.log.emit(
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
        world.cluster.pod_image_backoff(pod);
        world.stats.image_backoff_pods += 1;
        let why = format!(
            "no match for platform in manifest: the {} image cannot run on {} node {}",
            pod_os.as_str(),
            node_os.as_str(),
            node_name
        );
        world.log.emit(
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
        Some(img) if !world.warm => {
            let spec = &world.scenario.images[img];
            let pull = spec.pull_time.unwrap_or_else(|| {
                let bps = pool.image_pull_bytes_per_sec.max(1);
                SimDuration(spec.size_bytes.saturating_mul(1000).div_ceil(bps))
            });
            let had = world
                .cluster
                .node(node)
                .image_ready_at(img as u32)
                .is_some();
            let at = world.cluster.request_image(
                node,
                img as u32,
                pull,
                world.scenario.cluster.serialize_image_pulls,
                now,
            );
            if !had {
                let image_name = spec.name.clone();
                world.log.emit(
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
            world
                .cluster
                .request_image(node, img as u32, SimDuration::ZERO, false, now);
            now
        }
        None => now,
    };
    if start_at > now {
        let generation = world.cluster.pod(pod).generation;
        world
            .queue
            .schedule(start_at, Event::PodStep { pod, generation });
    } else {
        pod_running(world, pod, now);
    }
}

pub fn pod_step(world: &mut World, pod: PodId, generation: u32, now: SimTime) {
    let p = world.cluster.pod(pod);
    if p.generation != generation {
        return;
    }
    match p.phase {
        PodPhase::Starting => pod_running(world, pod, now),
        PodPhase::Running => pod_ready(world, pod, now),
        PodPhase::Ready => {
            if let Some(t) = world.trace_of(p) {
                job::trace_pod_completed(world, pod, t, now);
            }
        }
        PodPhase::Terminating => {
            world.cluster.remove_pod(pod);
            world.wake_scheduler(now);
        }
        _ => {}
    }
}

fn pod_running(world: &mut World, pod: PodId, now: SimTime) {
    world.pod_started();
    world.record_unschedulable_wait(pod, now);
    world.cluster.pod_running(pod, now);
    let delay = if world.warm {
        SimDuration::ZERO
    } else {
        world
            .cluster
            .template(world.cluster.pod(pod).class)
            .readiness_delay
    };
    if delay == SimDuration::ZERO {
        pod_ready(world, pod, now);
    } else {
        let name = world.pod_name(pod);
        world.log.emit(now, Record::PodRunning { pod: name.into() });
        let generation = world.cluster.pod(pod).generation;
        world
            .queue
            .schedule(now + delay, Event::PodStep { pod, generation });
    }
}

pub fn pod_ready(world: &mut World, pod: PodId, now: SimTime) {
    let p = world.cluster.pod(pod);
    // On a NotReady node readiness is not reported; it is when the node comes back.
    if p.node.is_some_and(|n| world.cluster.node(n).fault != 0) {
        return;
    }
    let Owner::Deployment(d) = p.owner;
    world.advance(d, now);
    world.cluster.pod_ready(pod, now);
    if let Some(t) = world.trace_of(world.cluster.pod(pod)) {
        job::trace_pod_started(world, pod, t, now);
    }
    let p = world.cluster.pod(pod);
    if !world.warm && world.trace_of(p).is_none() {
        world
            .stats
            .time_to_ready
            .push(now.since(p.created_at).as_ms());
    }
    let name = world.pod_name(pod);
    world.log.emit(now, Record::PodReady { pod: name.into() });
}
