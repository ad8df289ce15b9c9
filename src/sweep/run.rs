//! One run of a sweep: the base scenario with the point's values and the run's seed, simulated,
//! reduced to the metrics a sweep compares; and the record a run file holds.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::spec::Sweep;
use crate::report::Summary;

/// A metric column: its name, whether it is a count (written without decimals), and how a
/// chart's axis names it, with its unit.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    pub name: &'static str,
    pub integer: bool,
    pub axis: &'static str,
    /// Whether the sweep's charts plot it against each parameter (not the simulator's own
    /// event count).
    pub plotted: bool,
}

const fn metric(name: &'static str, integer: bool, axis: &'static str) -> MetricDef {
    MetricDef {
        name,
        integer,
        axis,
        plotted: true,
    }
}

/// The metrics of a run, in column order (the fields of `Metrics`).
pub const METRICS: [MetricDef; 11] = [
    metric("total_cost_usd", false, "total cost (USD)"),
    metric("node_cost_usd", false, "node cost (USD)"),
    metric("pending_pod_seconds", false, "pending pod-seconds (pod·s)"),
    metric(
        "unschedulable_pod_seconds",
        false,
        "unschedulable pod-seconds (pod·s)",
    ),
    metric("unserved_requests", false, "unserved requests"),
    metric("peak_nodes_total", true, "peak nodes"),
    metric(
        "pods_unscheduled_at_end",
        true,
        "pods unscheduled at the end",
    ),
    metric("time_to_ready_p95_s", false, "pod time to ready, p95 (s)"),
    metric(
        "unschedulable_to_running_p95_s",
        false,
        "unschedulable to running, p95 (s)",
    ),
    metric("failed_scale_ups", true, "failed scale-ups"),
    MetricDef {
        plotted: false,
        ..metric("events_processed", true, "events processed")
    },
];

impl MetricDef {
    /// The axis name without its unit: "pending pod-seconds".
    pub fn short_axis(&self) -> &'static str {
        self.axis.split(" (").next().unwrap_or(self.axis)
    }
}

/// Index of a metric in `METRICS`.
pub fn metric_index(name: &str) -> usize {
    METRICS
        .iter()
        .position(|m| m.name == name)
        .expect("a metric of METRICS")
}

/// What a sweep keeps of a run's `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    pub total_cost_usd: f64,
    pub node_cost_usd: f64,
    pub pending_pod_seconds: f64,
    pub unschedulable_pod_seconds: f64,
    pub unserved_requests: f64,
    pub peak_nodes_total: u64,
    pub pods_unscheduled_at_end: u64,
    pub time_to_ready_p95_s: f64,
    /// From `autoscaler.unschedulable_to_running_s`.
    pub unschedulable_to_running_p95_s: f64,
    /// Every reason of `autoscaler.failed_scale_ups`, summed.
    pub failed_scale_ups: u64,
    pub events_processed: u64,
}

impl Metrics {
    pub fn of(s: &Summary) -> Metrics {
        Metrics {
            total_cost_usd: s.total_cost_usd,
            node_cost_usd: s.node_cost_usd,
            pending_pod_seconds: s.pending_pod_seconds,
            unschedulable_pod_seconds: s.unschedulable_pod_seconds,
            unserved_requests: s.unserved_requests,
            peak_nodes_total: u64::from(s.peak_nodes_total),
            pods_unscheduled_at_end: u64::from(s.pods_unscheduled_at_end),
            time_to_ready_p95_s: s.time_to_ready_s.p95_s,
            unschedulable_to_running_p95_s: s.autoscaler.unschedulable_to_running_s.p95_s,
            failed_scale_ups: s.autoscaler.failed_scale_ups.values().sum(),
            events_processed: s.events_processed,
        }
    }

    /// The values in `METRICS` order (counts are exact in an f64 up to 2⁵³).
    pub fn values(&self) -> [f64; 11] {
        [
            self.total_cost_usd,
            self.node_cost_usd,
            self.pending_pod_seconds,
            self.unschedulable_pod_seconds,
            self.unserved_requests,
            self.peak_nodes_total as f64,
            self.pods_unscheduled_at_end as f64,
            self.time_to_ready_p95_s,
            self.unschedulable_to_running_p95_s,
            self.failed_scale_ups as f64,
            self.events_processed as f64,
        ]
    }
}

#[cfg(test)]
impl Metrics {
    /// A run's metrics in tests: its cost and pending pod-seconds; 3 nodes at the peak and 10
    /// events; every other metric 0.
    pub fn sample(cost: f64, pending: f64) -> Metrics {
        Metrics {
            total_cost_usd: cost,
            node_cost_usd: cost,
            pending_pod_seconds: pending,
            unschedulable_pod_seconds: 0.0,
            unserved_requests: 0.0,
            peak_nodes_total: 3,
            pods_unscheduled_at_end: 0,
            time_to_ready_p95_s: 0.0,
            unschedulable_to_running_p95_s: 0.0,
            failed_scale_ups: 0,
            events_processed: 10,
        }
    }
}

/// Which sweep a run file belongs to, and what merging needs to know of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepId {
    /// The sweep's identity hash: files with another one belong to another sweep.
    pub identity: String,
    pub name: String,
    /// Runs in the whole sweep (all shards).
    pub runs: u64,
    pub replicas: u32,
    /// Parameter names, in column order.
    pub parameters: Vec<String>,
}

impl SweepId {
    pub fn of(sweep: &Sweep) -> SweepId {
        SweepId {
            identity: sweep.identity.clone(),
            name: sweep.name.clone(),
            runs: sweep.runs(),
            replicas: sweep.replicas,
            parameters: sweep.parameters.iter().map(|p| p.name.clone()).collect(),
        }
    }
}

/// The content of `runs/run-<r>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    pub sweep: SweepId,
    pub run: u64,
    pub point: u64,
    pub replica: u32,
    pub seed: u64,
    /// Parameter name → the value text set into the scenario (`--set` syntax).
    pub values: IndexMap<String, String>,
    /// Absent when the run failed.
    pub metrics: Option<Metrics>,
    /// Why the run failed (the scenario did not load, or the simulation stopped).
    pub error: Option<String>,
}

/// Runs run `r` of the sweep. A run that cannot load or stops early is a record with an error.
pub fn run(sweep: &Sweep, id: &SweepId, r: u64) -> RunRecord {
    let (point, replica) = sweep.locate(r);
    let seed = sweep.run_seed(point, replica);
    let outcome = crate::load_str(
        &sweep.scenario_file,
        &sweep.scenario_text,
        &sweep.sets(point, Some(seed)),
    )
    .map_err(|e| e.to_string())
    .and_then(|loaded| {
        let mut scenario = loaded.scenario;
        // Only the summary is kept, so the event log is not built.
        scenario.output.event_log = false;
        // Nor are the samples kept: they are dropped as they come, so that a long run holds
        // no rows.
        let mut sim = crate::Sim::new(scenario);
        sim.run_observed(&mut |_, _| {}, &mut |sim, _| {
            sim.world.samples.clear();
            sim.world.deployment_samples.clear();
            Ok(())
        })
        .map(|()| sim)
        .map_err(|e| e.to_string())
    });
    let (metrics, error) = match outcome {
        Ok(sim) => (Some(Metrics::of(&Summary::of(&sim))), None),
        Err(e) => (None, Some(e)),
    };
    RunRecord {
        sweep: id.clone(),
        run: r,
        point,
        replica,
        seed,
        values: sweep
            .parameters
            .iter()
            .zip(&sweep.points[point as usize])
            .map(|(p, v)| (p.name.clone(), v.clone()))
            .collect(),
        metrics,
        error,
    }
}
