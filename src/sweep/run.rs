//! One run of a sweep: the base scenario with the point's values and the run's seed, simulated,
//! reduced to the metrics a sweep compares; and the record a run file holds.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::spec::Sweep;
use crate::report::Summary;

// The metrics live in `metrics`, which the sweep file's checks read without depending on how a
// run is made; the tables and charts still name them here, beside the records that hold them.
use super::metrics::Metrics;

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
        .map(|()| sim.finish())
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
