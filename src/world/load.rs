//! Each deployment's load, integrated between the instants its pod or ready count changes:
//! replicas and ready replicas over time, and the requests demanded and served. Load is read
//! as a function of time when it is needed (a change of ready pods, a scrape, a sample).

use super::World;
use crate::cluster::DeploymentId;
use crate::engine::SimTime;
use crate::workload::load::{self, Integral};

/// What a run keeps per deployment (not per trace).
#[derive(Debug, Clone, Default)]
pub struct DeploymentLoad {
    /// Integrated up to here.
    pub last: SimTime,
    /// ∫ pods dt and ∫ ready pods dt, in pod-milliseconds.
    pub replica_ms: u128,
    pub ready_replica_ms: u128,
    /// The load so far (requests, request-seconds).
    pub total: Integral,
    /// Time with at least one ready pod.
    pub ready_ms: u64,
    /// Requests per second one pod can serve (CPU limit, `max_rps_per_pod`).
    pub cap_rps: Option<f64>,
    pub peak_desired: u32,
}

/// Per-pod capacity in requests per second: the CPU limit above the baseline, and
/// `max_rps_per_pod`, whichever is lower.
pub fn pod_capacity(spec: &crate::scenario::DeploymentSpec) -> Option<f64> {
    let load = spec.load.as_ref()?;
    let by_limit = match (spec.template.cpu_limit_millis, load.cpu_per_request_millis) {
        (Some(limit), cpr) if cpr > 0.0 => {
            Some(((limit as f64 - load.baseline_cpu_millis) / cpr).max(0.0))
        }
        _ => None,
    };
    match (by_limit, load.max_rps_per_pod) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl World {
    pub fn clock(&self) -> crate::workload::WallClock {
        crate::workload::WallClock {
            start_unix_ms: self.scenario.simulation.start_unix_ms,
            offset_secs: self.scenario.simulation.start_offset_secs,
        }
    }

    /// Integrates deployment `d` up to `now` with its current pods: call before anything that
    /// changes its pod or ready count.
    pub fn advance(&mut self, d: DeploymentId, now: SimTime) {
        let Some(run) = self.loads.get(d.idx()) else {
            return; // a trace group
        };
        if now <= run.last {
            return;
        }
        let clock = self.clock();
        let dep = &self.cluster.deployments[d.idx()];
        let (pods, ready) = (dep.pods.len() as u128, dep.ready);
        let run = &mut self.loads[d.idx()];
        let dt = now.since(run.last).as_ms();
        run.replica_ms += pods * u128::from(dt);
        run.ready_replica_ms += u128::from(ready) * u128::from(dt);
        if let Some(spec) = &self.scenario.deployments[d.idx()].load {
            let i = load::integrate(spec, &clock, run.last, now, ready, run.cap_rps);
            run.total.add(&i);
            if ready > 0 {
                run.ready_ms += dt;
            }
        }
        run.last = now;
    }

    /// The rate each ready pod serves and the demand at an instant (no averaging).
    pub(crate) fn instant_rates(&self, d: usize, t: SimTime) -> (f64, f64) {
        let Some(spec) = &self.scenario.deployments[d].load else {
            return (0.0, 0.0);
        };
        let demand = spec.demand(t, &self.clock());
        let ready = self.cluster.deployments[d].ready;
        if ready == 0 {
            return (0.0, demand);
        }
        let cap = self.loads[d]
            .cap_rps
            .map_or(f64::INFINITY, |c| c * f64::from(ready));
        (demand.min(cap) / f64::from(ready), demand)
    }

    /// The served rate of deployment `d` right now.
    pub fn served_now(&self, d: usize, t: SimTime) -> (f64, f64) {
        let (per_pod, demand) = self.instant_rates(d, t);
        (
            demand,
            per_pod * f64::from(self.cluster.deployments[d].ready),
        )
    }
}
