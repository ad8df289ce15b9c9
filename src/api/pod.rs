//! Pods as their controllers stamp them out: the pod template, its topology spread
//! constraints, images, PodDisruptionBudgets and DaemonSets, and the non-zero requests the
//! scheduler's scores and the cluster's sums assume for a container without one.

use indexmap::IndexMap;

use super::{Os, Toleration};
use crate::engine::SimDuration;

/// Requests the score plugins assume for a container without one
/// (`pkg/scheduler/util/pod_resources.go`, `GetNonzeroRequests`).
pub const DEFAULT_MILLI_CPU_REQUEST: u64 = 100;
pub const DEFAULT_MEMORY_REQUEST: u64 = 200 * 1024 * 1024;

pub fn non_zero_cpu(cpu: u64) -> u64 {
    if cpu == 0 {
        DEFAULT_MILLI_CPU_REQUEST
    } else {
        cpu
    }
}

pub fn non_zero_memory(mem: u64) -> u64 {
    if mem == 0 {
        DEFAULT_MEMORY_REQUEST
    } else {
        mem
    }
}

/// A pod's spec, shared by every replica of a deployment.
#[derive(Debug, Clone)]
pub struct PodTemplate {
    pub namespace: String,
    pub os: Os,
    pub cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    pub cpu_limit_millis: Option<u64>,
    pub memory_limit_bytes: Option<u64>,
    pub node_selector: IndexMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub spread: Vec<SpreadConstraint>,
    pub image: Option<usize>,
    pub readiness_delay: SimDuration,
    pub priority: i32,
    pub termination_grace: SimDuration,
    pub shutdown_delay: SimDuration,
    /// kube-scheduler adds its default soft spread constraints to pods a ReplicaSet or
    /// Service selects (deployments), not to bare batch pods (traces).
    pub system_default_spread: bool,
    /// The `cluster-autoscaler.kubernetes.io/safe-to-evict` annotation, if set.
    pub safe_to_evict: Option<bool>,
    /// The pod mounts local storage (an emptyDir not in memory, or a hostPath).
    pub local_storage: bool,
    /// Owned by a controller (ReplicaSet, Job). `false`: bare pods, not recreated when
    /// deleted, and a node holding one is not scaled down.
    pub controller: bool,
}

/// Which nodes a topology spread constraint groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopologyKey {
    Zone,
    Hostname,
}

impl TopologyKey {
    pub fn label(self) -> &'static str {
        match self {
            TopologyKey::Zone => super::LABEL_ZONE,
            TopologyKey::Hostname => super::LABEL_HOSTNAME,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpreadConstraint {
    pub key: TopologyKey,
    pub max_skew: u32,
    /// `DoNotSchedule` (a filter) when true, `ScheduleAnyway` (a score) otherwise.
    pub hard: bool,
    pub min_domains: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct ImageSpec {
    pub name: String,
    pub size_bytes: u64,
    /// Pull time when not cached; `None` = size ÷ the pool's pull throughput.
    pub pull_time: Option<SimDuration>,
}

/// An int-or-percent field of a PodDisruptionBudget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(u32),
    Percent(u32),
}

impl IntOrPercent {
    /// The value scaled to `total`, a percentage rounded up (as the disruption controller's
    /// `GetScaledValueFromIntOrPercent(…, roundUp = true)`).
    pub fn scaled(self, total: u32) -> u32 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => (u64::from(total) * u64::from(p)).div_ceil(100) as u32,
        }
    }
}

/// A PodDisruptionBudget: it limits voluntary evictions (drains), not node failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pdb {
    MaxUnavailable(IntOrPercent),
    MinAvailable(IntOrPercent),
}

impl Pdb {
    /// Evictions allowed now (the disruption controller's `disruptionsAllowed`): healthy pods
    /// minus the healthy pods it must keep, where `expected` is the deployment's replica count.
    pub fn disruptions_allowed(self, expected: u32, healthy: u32) -> u32 {
        let desired_healthy = match self {
            Pdb::MaxUnavailable(v) => expected.saturating_sub(v.scaled(expected)),
            Pdb::MinAvailable(v) => v.scaled(expected),
        };
        healthy.saturating_sub(desired_healthy)
    }
}

#[derive(Debug, Clone)]
pub struct DaemonSetSpec {
    pub name: String,
    pub namespace: String,
    pub os: Os,
    pub cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    pub node_selector: IndexMap<String, String>,
    pub tolerations: Vec<Toleration>,
    /// Shipped by aksim as an approximation of AKS's own agents (not from the scenario).
    pub builtin: bool,
}
