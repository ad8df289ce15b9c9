//! kube-scheduler's cycle run against the world: the scheduler (`crate::scheduler`) binds what
//! it can, the kubelet starts each bound pod, and a pod that stays unschedulable is logged
//! when its reasons change. Wakes are requested through `World::wake_scheduler` (one per
//! instant, however many requests) and carry a generation; a stale wake is ignored.

use super::kubelet;
use crate::engine::SimTime;
use crate::observe::record::Record;
use crate::scheduler::Outcome;
use crate::world::World;

/// A `SchedulerWake` of this generation is due.
pub fn on_wake(world: &mut World, generation: u64, now: SimTime) {
    if world.take_wake(generation) {
        schedule_now(world, now);
    }
}

pub fn schedule_now(world: &mut World, now: SimTime) {
    let mut outcomes = world.take_outcomes();
    world
        .scheduler
        .run_cycle(&mut world.cluster, now, &mut outcomes);
    for o in &outcomes {
        match *o {
            Outcome::Bound(pod, node) => kubelet::bound(world, pod, node, now),
            Outcome::Unschedulable {
                pod,
                message,
                changed,
            } => {
                world.mark_unschedulable(pod, now);
                if changed {
                    let name = world.pod_name(pod);
                    let text = world
                        .scheduler
                        .messages
                        .get_index(message as usize)
                        .map(|(k, _)| k.clone())
                        .unwrap_or_default();
                    let attempts = world.cluster.pod(pod).attempts;
                    world.log.emit(
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
    world.return_outcomes(outcomes);
    if let Some(t) = world.scheduler.next_backoff_expiry() {
        world.wake_scheduler(t.max(now));
    }
}
