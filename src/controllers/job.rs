//! The Job controller of trace pods (`[[pod_trace]]`): each row becomes a pod at its arrival;
//! a pod runs for its duration from when it starts running and then completes; a pod that
//! loses its node starts over (`World::delete_pod` creates the replacement). Its state is one
//! cursor per trace.

use crate::cluster::{ClassId, DeploymentId, PodId};
use crate::engine::SimTime;
use crate::observe::record::Record;
use crate::world::{Event, World};

/// The next row of each trace to create.
#[derive(Debug, Clone, Default)]
pub struct JobController {
    cursors: Vec<usize>,
}

impl JobController {
    pub fn new(traces: usize) -> Self {
        JobController {
            cursors: vec![0; traces],
        }
    }

    /// The trace's pods due now are created; the cursor moves to the next arrival.
    pub fn on_arrival(&mut self, world: &mut World, trace: usize, now: SimTime) {
        let group = DeploymentId((world.scenario.deployments.len() + trace) as u32);
        let base = world.cluster.trace_class_base[trace];
        let n = world.scenario.traces[trace].trace.pods.len();
        while self.cursors[trace] < n {
            let i = self.cursors[trace];
            let row = world.scenario.traces[trace].trace.pods[i];
            if row.arrive > now {
                world.queue.schedule(
                    row.arrive,
                    Event::TraceArrival {
                        trace: trace as u32,
                    },
                );
                break;
            }
            self.cursors[trace] += 1;
            world.create_trace_pod(group, ClassId(base + row.shape), i as u32, now);
        }
        world.wake_scheduler(now);
    }

    /// Rows of trace `i` created so far.
    pub fn trace_arrived(&self, i: usize) -> usize {
        self.cursors[i]
    }
}

/// A trace pod started: it completes after its run time.
pub fn trace_pod_started(world: &mut World, pod: PodId, trace: usize, now: SimTime) {
    let p = world.cluster.pod(pod);
    let i = p.ordinal as usize;
    let row = world.scenario.traces[trace].trace.pods[i];
    let st = &mut world.traces[trace];
    if !st.ran[i] {
        st.ran[i] = true;
        st.started += 1;
        st.wait.push(now.since(p.created_at).as_ms());
    }
    if let Some(run) = row.run() {
        let generation = world.cluster.pod(pod).generation;
        world
            .queue
            .schedule(now + run, Event::PodStep { pod, generation });
    }
}

/// A trace pod ran for its duration: it leaves and frees its node.
pub fn trace_pod_completed(world: &mut World, pod: PodId, trace: usize, now: SimTime) {
    let name = world.pod_name(pod);
    world.cluster.remove_pod(pod);
    world.traces[trace].completed += 1;
    world
        .log
        .emit(now, Record::PodCompleted { pod: name.into() });
    world.wake_scheduler(now);
}

/// A batch pod's completion timer was dropped when its node turned NotReady (the pod's
/// generation changed); it finishes when it would have, its containers having run on.
pub fn resume_trace_pod(world: &mut World, pod: PodId, now: SimTime) {
    let p = world.cluster.pod(pod);
    let Some(t) = world.trace_of(p) else { return };
    let row = world.scenario.traces[t].trace.pods[p.ordinal as usize];
    if let (Some(run), Some(started)) = (row.run(), p.ready_at) {
        let generation = p.generation;
        world
            .queue
            .schedule((started + run).max(now), Event::PodStep { pod, generation });
    }
}
