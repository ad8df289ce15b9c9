//! A finished run as the reports read it: the World as the run left it and what each
//! controller recorded, plain data that no longer runs.

use crate::controllers::cluster_autoscaler::PoolCa;
use crate::controllers::hpa::HpaRun;
use crate::engine::SimTime;
use crate::world::World;

/// A finished run.
pub struct Outputs {
    pub world: World,
    /// Per deployment: its HPA's record (`None` without an HPA).
    pub hpa: Vec<Option<HpaRun>>,
    pub autoscaler: AutoscalerRecord,
    /// Per trace: the rows that arrived (the Job controller's cursor at the end).
    pub trace_arrived: Vec<usize>,
}

/// What the cluster autoscaler did over the run.
#[derive(Debug, Clone, Default)]
pub struct AutoscalerRecord {
    /// Per pool: scale-ups, nodes added and removed, `min_count` restores.
    pub pools: Vec<PoolCa>,
    /// Failed scale-ups by reason key (`QuotaExceeded`, …).
    pub failed: Vec<(String, u64)>,
    /// Each failed scale-up: when, and "pool reason" (for the charts).
    pub failure_marks: Vec<(SimTime, String)>,
}

impl Outputs {
    /// Pods not yet bound to a node at the end.
    pub fn unscheduled_pods(&self) -> u32 {
        self.world.unscheduled_pods()
    }

    /// Recounts everything the run kept incrementally and panics on a mismatch.
    pub fn check_invariants(&self) {
        self.world.check_invariants();
    }
}
