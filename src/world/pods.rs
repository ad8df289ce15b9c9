//! Pod operations several controllers share: deleting a pod (the API server's deletion and
//! the kubelet's termination within the grace period) and creating a batch pod of a trace.

use super::{Event, World};
use crate::cluster::{ClassId, DeploymentId, Owner, PodId, PodPhase};
use crate::engine::{SimDuration, SimTime};
use crate::observe::record::Record;

impl World {
    /// Deletes a pod: unscheduled ones vanish; bound ones terminate within their grace period.
    /// `now_gone` skips the grace period (the node itself is going away).
    /// Returns when the pod will be gone.
    pub(crate) fn delete_pod(
        &mut self,
        pod: PodId,
        now: SimTime,
        why: &str,
        now_gone: bool,
        grace_cap: Option<SimDuration>,
    ) -> SimTime {
        let name = self.pod_name(pod);
        let p = self.cluster.pod(pod).clone();
        let Owner::Deployment(owner) = p.owner;
        self.advance(owner, now);
        if matches!(p.phase, PodPhase::Terminating | PodPhase::Gone) {
            // Already deleted (and counted); a node going away only cuts its grace short.
            if now_gone && p.phase == PodPhase::Terminating {
                self.cluster.remove_pod(pod);
                return now;
            }
            return if p.phase == PodPhase::Terminating {
                let stop = p.stops_at.max(now);
                grace_cap.map_or(stop, |cap| stop.min(now + cap))
            } else {
                now
            };
        }
        let mut gone_at = now;
        self.stats.pods_deleted += 1;
        // A bare pod has no controller to replace it.
        if !self.cluster.template(p.class).controller && self.trace_of(&p).is_none() {
            let dep = &mut self.cluster.deployments[owner.idx()];
            dep.desired = dep.desired.saturating_sub(1);
        }
        match p.phase {
            PodPhase::Unscheduled => {
                self.unscheduled -= 1;
                self.cluster.remove_pod(pod);
            }
            phase => {
                if matches!(phase, PodPhase::Starting | PodPhase::ImagePullBackOff) {
                    self.starting -= 1;
                }
                self.cluster.start_termination(pod);
                let t = self.cluster.template(p.class);
                let mut stop = t.shutdown_delay.min(t.termination_grace);
                if let Some(cap) = grace_cap {
                    stop = stop.min(cap);
                }
                if now_gone || stop == SimDuration::ZERO {
                    self.cluster.remove_pod(pod);
                } else {
                    gone_at = now + stop;
                    self.cluster.pods[pod.idx()].stops_at = gone_at;
                    let generation = self.cluster.pod(pod).generation;
                    self.queue
                        .schedule(gone_at, Event::PodStep { pod, generation });
                }
                // Room freed, or spread counts lowered: pending pods may fit now.
                self.wake_scheduler(now);
            }
        }
        self.log.emit(
            now,
            Record::PodDeleted {
                pod: name.into(),
                reason: why.into(),
            },
        );
        // A batch pod that lost its node runs again from the start, as a Job's replacement.
        if let Some(t) = self.trace_of(&p)
            && p.node.is_some()
        {
            // Only a pod that had started (turned Ready, which starts its run) starts again; one
            // whose node failed before it was reported Ready has not started yet.
            if matches!(p.phase, PodPhase::Running | PodPhase::Ready) && p.ready_at.is_some() {
                self.traces[t].restarted += 1;
            }
            self.create_trace_pod(owner, p.class, p.ordinal, now);
            self.wake_scheduler(now);
        }
        gone_at
    }

    pub fn create_trace_pod(
        &mut self,
        group: DeploymentId,
        class: ClassId,
        row: u32,
        now: SimTime,
    ) {
        let pod = self.cluster.create_trace_pod(group, class, row, now);
        self.pod_created(pod);
    }

    /// Creates a pod of deployment `d` (its ReplicaSet's next replica) and queues it for the
    /// scheduler.
    pub fn create_pod(&mut self, d: DeploymentId, now: SimTime) -> PodId {
        let pod = self.cluster.create_pod(d, now);
        self.pod_created(pod);
        pod
    }

    /// A new pod is pending: counted, and in the scheduler's active queue.
    fn pod_created(&mut self, pod: PodId) {
        self.unscheduled += 1;
        self.stats.pods_created += 1;
        self.scheduler.enqueue(&self.cluster, pod);
    }

    /// A pending pod was bound: it is starting (pulling its image) until it runs.
    pub fn pod_bound(&mut self) {
        self.unscheduled -= 1;
        self.starting += 1;
    }

    /// A starting pod runs.
    pub fn pod_started(&mut self) {
        self.starting -= 1;
    }
}
