//! kube-scheduler's configuration (`KubeSchedulerConfiguration`), as far as aksim models it.

use crate::engine::SimDuration;

#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    /// 0 means adaptive, as kube-scheduler's default.
    pub percentage_of_nodes_to_score: u32,
    pub pod_initial_backoff: SimDuration,
    pub pod_max_backoff: SimDuration,
}
