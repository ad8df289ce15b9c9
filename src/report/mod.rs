//! Outputs of a run: `timeseries.csv`, `events.jsonl`, `summary.json`, the plots and
//! `report.html`, written atomically (each file goes to a temporary name and is renamed only when every file is
//! complete), holding nothing that depends on the wall clock.

pub mod html;
pub mod plots;
pub mod staging;
pub mod stream;

pub use staging::{remove_stale_temp_files, write_atomic};
pub use stream::Recorder;

use indexmap::IndexMap;
use serde::Serialize;

use crate::engine::rng::GENERATOR;
use crate::observe::Percentiles;
use crate::sim::Outputs;
use crate::world::World;

/// `summary.json`: the run in numbers; what sweeps aggregate.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub generator: &'static str,
    pub aksim_version: &'static str,
    pub start: String,
    pub duration_s: f64,
    pub total_cost_usd: f64,
    pub node_cost_usd: f64,
    pub control_plane_cost_usd: f64,
    pub cost_by_pool_usd: IndexMap<String, f64>,
    pub cost_by_zone_usd: IndexMap<String, f64>,
    pub node_hours_by_pool: IndexMap<String, f64>,
    pub peak_nodes_by_pool: IndexMap<String, u32>,
    pub peak_nodes_total: u32,
    pub nodes_at_end_by_pool: IndexMap<String, u32>,
    pub nodes_created_by_pool: IndexMap<String, u32>,
    pub node_create_failures: IndexMap<String, u64>,
    pub pods_created: u64,
    pub pods_deleted: u64,
    pub pods_unscheduled_at_end: u32,
    pub pods_image_pull_backoff: u64,
    pub pending_pod_seconds: f64,
    pub unschedulable_pod_seconds: f64,
    pub time_to_schedule_s: Percentiles,
    pub time_to_ready_s: Percentiles,
    /// Distinct pods that met each kube-scheduler reason ("Insufficient cpu", …), most first.
    pub unschedulable_reasons: IndexMap<String, u64>,
    /// Requests the ready pods could not serve, over every deployment with a load.
    pub unserved_requests: f64,
    /// Per deployment: demand, service, HPA activity and replicas over time.
    pub deployments: IndexMap<String, DeploymentSummary>,
    /// Per `[[pod_trace]]`: what became of its pods.
    pub pod_traces: IndexMap<String, TraceSummary>,
    /// The Cluster Autoscaler's activity and the faults of the run.
    pub autoscaler: AutoscalerSummary,
    pub events_processed: u64,
    pub event_log_lines: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AutoscalerSummary {
    /// Per autoscaled pool: scale-ups (loops that grew it), nodes added, nodes removed, and
    /// scale-ups that restored `min_count`.
    pub pools: IndexMap<String, PoolAutoscaling>,
    /// Failed scale-ups by reason (`QuotaExceeded`, `SubnetIsFull`, `ZonalAllocationFailed`,
    /// `AllocationFailed`, `ProvisioningTimeout`, …).
    pub failed_scale_ups: IndexMap<String, u64>,
    /// From a pod's first Unschedulable to Running.
    pub unschedulable_to_running_s: Percentiles,
    pub spot_evictions: u64,
    pub outages: Vec<OutageSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolAutoscaling {
    pub scale_ups: u32,
    pub nodes_added: u32,
    pub nodes_removed: u32,
    pub min_count_restores: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutageSummary {
    pub zone: u8,
    pub start: String,
    pub end: String,
    pub nodes_not_ready: u32,
    pub pods_evicted: u32,
    /// From the outage's start until no pod was pending; `null` if pods were still pending at
    /// the end of the run, 0 if none went pending.
    pub seconds_until_no_pending_pods: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentSummary {
    pub demand_requests: f64,
    pub served_requests: f64,
    pub unserved_requests: f64,
    /// Unserved ÷ demand (0 with no demand).
    pub unserved_fraction: f64,
    pub seconds_with_unserved_demand: f64,
    pub hpa_scale_ups: u32,
    pub hpa_scale_downs: u32,
    /// ∫ pods dt (pods that count towards the deployment: pending, starting or running).
    pub replica_seconds: f64,
    /// ∫ ready pods dt.
    pub ready_replica_seconds: f64,
    pub peak_desired: u32,
    pub desired_at_end: u32,
    pub ready_at_end: u32,
    /// The HPA's conditions at the end, as `kubectl describe hpa` shows them:
    /// `AbleToScale`, `ScalingActive`, `ScalingLimited` → "True ReadyForNewScale: …".
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub hpa_conditions: IndexMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceSummary {
    pub pods_in_trace: usize,
    /// Rows skipped by `trace_start` (before it).
    pub rows_skipped: usize,
    /// Pods whose creation time fell within the run.
    pub arrived: u64,
    pub started: u64,
    pub completed: u64,
    /// Started again after losing their node.
    pub restarted: u64,
    pub running_at_end: u64,
    /// Arrived and never started running.
    pub never_ran: u64,
    /// Creation → running.
    pub wait_s: Percentiles,
}

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Summary {
    pub fn of(sim: &Outputs) -> Self {
        let s = &sim.world.scenario;
        let c = &sim.world.cluster;
        let mut cost_by_pool = IndexMap::new();
        let mut cost_by_zone: IndexMap<String, f64> = IndexMap::new();
        let mut hours_by_pool = IndexMap::new();
        let mut node_cost = 0.0;
        for (pi, pool) in c.pools.iter().enumerate() {
            let mut pool_cost = 0.0;
            let mut hours = 0.0;
            for zone in &pool.zones {
                let usd = sim.world.cost.usd(pi, zone.0 as usize);
                pool_cost += usd;
                hours += sim.world.cost.node_hours(pi, zone.0 as usize);
                *cost_by_zone.entry(zone.short().to_string()).or_insert(0.0) += usd;
            }
            node_cost += pool_cost;
            cost_by_pool.insert(pool.spec.name.clone(), r4(pool_cost));
            hours_by_pool.insert(pool.spec.name.clone(), r4(hours));
        }
        cost_by_zone.sort_keys();
        for v in cost_by_zone.values_mut() {
            *v = r4(*v);
        }
        let hours = s.simulation.duration.as_ms() as f64 / 3_600_000.0;
        let control_plane = s.cluster.tier_price_per_hour * hours;
        let names = |v: &[u32]| -> IndexMap<String, u32> {
            c.pools
                .iter()
                .zip(v)
                .map(|(p, n)| (p.spec.name.clone(), *n))
                .collect()
        };
        // Most frequent first; ties in text order, so the file is stable.
        let mut unschedulable_reasons: Vec<(String, u64)> = sim
            .world
            .scheduler
            .reason_pods
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.clone(), *n))
            .collect();
        unschedulable_reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let unschedulable_reasons: IndexMap<String, u64> =
            unschedulable_reasons.into_iter().collect();
        let mut deployments = IndexMap::new();
        let mut unserved_total = 0.0;
        for (d, run) in sim.world.loads.iter().enumerate() {
            let dep = &c.deployments[d];
            let hpa = sim.hpa[d].as_ref();
            let t = &run.total;
            let unserved = (t.demand - t.served).max(0.0);
            unserved_total += unserved;
            deployments.insert(
                dep.name.clone(),
                DeploymentSummary {
                    demand_requests: r4(t.demand),
                    served_requests: r4(t.served),
                    unserved_requests: r4(unserved),
                    unserved_fraction: if t.demand > 0.0 {
                        r4(unserved / t.demand)
                    } else {
                        0.0
                    },
                    seconds_with_unserved_demand: r4(t.unserved_ms as f64 / 1000.0),
                    hpa_scale_ups: hpa.map_or(0, |h| h.scale_ups),
                    hpa_scale_downs: hpa.map_or(0, |h| h.scale_downs),
                    replica_seconds: r4(run.replica_ms as f64 / 1000.0),
                    ready_replica_seconds: r4(run.ready_replica_ms as f64 / 1000.0),
                    peak_desired: run.peak_desired,
                    desired_at_end: dep.desired,
                    ready_at_end: dep.ready,
                    hpa_conditions: hpa.map_or_else(IndexMap::new, |h| {
                        let s = &h.state;
                        [
                            ("AbleToScale", s.able_to_scale()),
                            ("ScalingActive", s.scaling_active()),
                            ("ScalingLimited", s.scaling_limited()),
                        ]
                        .into_iter()
                        .filter_map(|(k, c)| {
                            c.map(|c| {
                                let status = if c.status { "True" } else { "False" };
                                (
                                    k.to_string(),
                                    format!("{status} {}: {}", c.reason, c.message),
                                )
                            })
                        })
                        .collect()
                    }),
                },
            );
        }
        let mut pod_traces = IndexMap::new();
        for (i, t) in s.traces.iter().enumerate() {
            let st = &sim.world.traces[i];
            let group = &c.deployments[s.deployments.len() + i];
            let arrived = sim.trace_arrived[i] as u64;
            // Running and started: a pod whose node failed before it was reported Ready has not
            // started its run (it is among `never_ran`).
            let running_at_end = group
                .pods
                .iter()
                .map(|p| c.pod(*p))
                .filter(|p| {
                    matches!(
                        p.phase,
                        crate::cluster::PodPhase::Running | crate::cluster::PodPhase::Ready
                    ) && p.ready_at.is_some()
                })
                .count() as u64;
            pod_traces.insert(
                t.name.clone(),
                TraceSummary {
                    pods_in_trace: t.trace.pods.len(),
                    rows_skipped: t.trace.skipped,
                    arrived,
                    started: st.started,
                    completed: st.completed,
                    restarted: st.restarted,
                    running_at_end,
                    never_ran: arrived.saturating_sub(st.started),
                    wait_s: st.wait.percentiles(),
                },
            );
        }
        let ca = &sim.autoscaler;
        let autoscaler = AutoscalerSummary {
            pools: c
                .pools
                .iter()
                .zip(&ca.pools)
                .filter(|(p, _)| p.spec.enable_auto_scaling)
                .map(|(p, a)| {
                    (
                        p.spec.name.clone(),
                        PoolAutoscaling {
                            scale_ups: a.scale_ups,
                            nodes_added: a.nodes_added,
                            nodes_removed: a.scale_downs,
                            min_count_restores: a.min_restores,
                        },
                    )
                })
                .collect(),
            failed_scale_ups: ca.failed.iter().cloned().collect(),
            unschedulable_to_running_s: sim.world.stats.unschedulable_to_running.percentiles(),
            spot_evictions: sim.world.stats.spot_evictions,
            outages: sim
                .world
                .outages
                .iter()
                .map(|o| OutageSummary {
                    zone: o.zone,
                    start: sim.world.log.wall_clock(o.start),
                    end: sim.world.log.wall_clock(o.end),
                    nodes_not_ready: o.nodes,
                    pods_evicted: o.pods_evicted,
                    seconds_until_no_pending_pods: match (o.pending_seen, o.pending_cleared_at) {
                        (false, _) => Some(0.0),
                        (true, Some(t)) => Some(r4(t.since(o.start).as_secs_f64())),
                        (true, None) => None,
                    },
                })
                .collect(),
        };
        Summary {
            scenario: s.simulation.name.clone(),
            seed: s.simulation.seed,
            generator: GENERATOR,
            aksim_version: env!("CARGO_PKG_VERSION"),
            start: sim.world.log.wall_clock(crate::engine::SimTime::ZERO),
            duration_s: s.simulation.duration.as_secs_f64(),
            total_cost_usd: r4(node_cost + control_plane),
            node_cost_usd: r4(node_cost),
            control_plane_cost_usd: r4(control_plane),
            cost_by_pool_usd: cost_by_pool,
            cost_by_zone_usd: cost_by_zone,
            node_hours_by_pool: hours_by_pool,
            peak_nodes_by_pool: names(&sim.world.stats.peak_nodes_by_pool),
            peak_nodes_total: sim.world.stats.peak_nodes_total,
            nodes_at_end_by_pool: c
                .pools
                .iter()
                .map(|p| (p.spec.name.clone(), p.nodes.len() as u32))
                .collect(),
            nodes_created_by_pool: names(&sim.world.stats.nodes_created_by_pool),
            node_create_failures: sim
                .world
                .stats
                .node_create_failures
                .iter()
                .cloned()
                .collect(),
            pods_created: sim.world.stats.pods_created,
            pods_deleted: sim.world.stats.pods_deleted,
            pods_unscheduled_at_end: sim.unscheduled_pods(),
            pods_image_pull_backoff: sim.world.stats.image_backoff_pods,
            pending_pod_seconds: r4(sim.world.stats.pending_pod_ms as f64 / 1000.0),
            unschedulable_pod_seconds: r4(sim.world.stats.unschedulable_pod_ms as f64 / 1000.0),
            time_to_schedule_s: sim.world.stats.time_to_schedule.percentiles(),
            time_to_ready_s: sim.world.stats.time_to_ready.percentiles(),
            unschedulable_reasons,
            unserved_requests: r4(unserved_total),
            deployments,
            pod_traces,
            autoscaler,
            events_processed: sim.world.stats.events_processed,
            event_log_lines: sim.world.log.lines,
        }
    }
}

/// Every output of a finished run, by file name, rendered in memory: what `Recorder` writes
/// to a folder as the run goes, byte for byte. `sim`'s buffers must hold the whole run (it was
/// not drained).
pub fn render(sim: &Outputs) -> Result<Vec<(String, Vec<u8>)>, String> {
    let deployments = (!sim.world.loads.is_empty()).then(Vec::new);
    let events = sim.world.scenario.output.event_log.then(Vec::new);
    let mut rows = stream::Rows::new(&sim.world, Vec::new(), deployments, events);
    let log = &sim.world.log;
    rows.write(
        &sim.world,
        &sim.world.samples,
        &sim.world.deployment_samples,
        &log.buf,
        &log.milestones,
    )?;
    let done = rows.into_inner()?;
    let mut files = vec![("timeseries.csv".to_string(), done.timeseries)];
    if let Some(d) = done.deployments {
        files.push(("deployments.csv".to_string(), d));
    }
    if let Some(e) = done.events {
        files.push(("events.jsonl".to_string(), e));
    }
    files.extend(render_rest(sim, &done.charts, &done.timeline)?);
    Ok(files)
}

/// The outputs rendered at the end of a run: `summary.json`, `report.html` and the charts,
/// from the run and what its growing outputs kept (the charts' points, the timeline).
fn render_rest(
    sim: &Outputs,
    data: &stream::ChartData,
    timeline: &html::Timeline,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    let summary = Summary::of(sim);
    let mut json = serde_json::to_vec_pretty(&summary).map_err(|e| e.to_string())?;
    json.push(b'\n');
    files.push(("summary.json".to_string(), json));
    // Drawn once: the page embeds the same SVG that the chart files hold.
    let palette = plots::Palette::new(&palette_keys(sim));
    let mut drawn = Vec::new();
    for (name, chart) in charts(sim, data) {
        let svg = plots::render_svg(&chart, &palette)?;
        drawn.push(DrawnChart { name, chart, svg });
    }
    let page = html::render(sim, &summary, &drawn, timeline);
    files.push(("report.html".to_string(), page.into_bytes()));
    if sim.world.scenario.output.plots {
        for c in drawn {
            files.push((format!("{}.svg", c.name), c.svg.into_bytes()));
            let png = plots::render_png(&c.chart, &palette)?;
            files.push((format!("{}.png", c.name), png));
        }
    }
    Ok(files)
}

/// A chart with its file name (without extension) and its SVG.
pub struct DrawnChart {
    pub name: String,
    pub chart: plots::Chart,
    pub svg: String,
}

/// Colour keys: pools first, then zones, then pod states, so each keeps its colour everywhere.
fn palette_keys(sim: &Outputs) -> Vec<String> {
    let mut keys: Vec<String> = sim
        .world
        .cluster
        .pools
        .iter()
        .map(|p| p.spec.name.clone())
        .collect();
    keys.extend(
        [
            "zone 1",
            "zone 2",
            "zone 3",
            "zone none",
            "running",
            "pending",
            "unscheduled",
            "desired",
            "demand",
            "served",
        ]
        .map(String::from),
    );
    keys
}

/// Failed scale-ups marked on the capacity charts.
const MAX_FAILURE_MARKERS: usize = 6;

/// The charts of a run, from the points its samples left (`stream::ChartData`).
pub fn charts(sim: &Outputs, data: &stream::ChartData) -> Vec<(String, plots::Chart)> {
    let by_pool = data.by_pool.clone();
    let by_zone = data.by_zone.clone();
    let cost = data.cost.clone();
    let running = data.running.clone();
    let pending = data.pending.clone();
    let series = |m: IndexMap<String, Vec<(f64, f64)>>| -> Vec<plots::Series> {
        m.into_iter()
            .map(|(k, points)| plots::Series::line(k.clone(), k, points))
            .collect()
    };
    let name = &sim.world.scenario.simulation.name;
    // Outages (start and end) and failed scale-ups, on the capacity charts; at most
    // `MAX_FAILURE_MARKERS` failures, the first ones, so that the labels stay readable.
    let hours = |t: crate::engine::SimTime| t.as_ms() as f64 / 3_600_000.0;
    let mut markers: Vec<plots::Marker> = Vec::new();
    for o in &sim.world.outages {
        markers.push(plots::Marker {
            x: hours(o.start),
            label: format!("zone {} down", o.zone),
        });
        if o.end <= sim.world.end {
            markers.push(plots::Marker {
                x: hours(o.end),
                label: format!("zone {} up", o.zone),
            });
        }
    }
    let ca = &sim.autoscaler;
    for (t, label) in ca.failure_marks.iter().take(MAX_FAILURE_MARKERS) {
        markers.push(plots::Marker {
            x: hours(*t),
            label: label.clone(),
        });
    }
    markers.sort_by(|a, b| a.x.total_cmp(&b.x));
    let base = vec![
        (
            "capacity",
            plots::Chart {
                title: format!("{name}: nodes by pool (ready, not ready and provisioning)"),
                x_label: "time (h)".into(),
                y_label: "nodes".into(),
                series: series(by_pool),
                stacked: true,
                markers: markers.clone(),
                ..plots::Chart::default()
            },
        ),
        (
            "capacity_by_zone",
            plots::Chart {
                title: format!("{name}: nodes by availability zone"),
                x_label: "time (h)".into(),
                y_label: "nodes".into(),
                series: series(by_zone),
                stacked: true,
                markers,
                ..plots::Chart::default()
            },
        ),
        (
            "pods",
            plots::Chart {
                title: format!("{name}: pods running and pending"),
                x_label: "time (h)".into(),
                y_label: "pods".into(),
                series: vec![
                    plots::Series::line("running", "running", running),
                    plots::Series::line("pending (unscheduled or starting)", "pending", pending),
                ],
                stacked: false,
                markers: Vec::new(),
                ..plots::Chart::default()
            },
        ),
        (
            "cost",
            plots::Chart {
                title: format!("{name}: cumulative node cost by pool"),
                x_label: "time (h)".into(),
                y_label: "cost (USD)".into(),
                series: series(cost),
                stacked: true,
                markers: Vec::new(),
                ..plots::Chart::default()
            },
        ),
    ];
    let mut out: Vec<(String, plots::Chart)> =
        base.into_iter().map(|(n, c)| (n.to_string(), c)).collect();
    out.extend(deployment_charts(sim, data));
    out
}

/// Deployments that get their own charts: those with a load or an HPA, at most this many.
pub const MAX_DEPLOYMENT_CHARTS: usize = 8;

/// The deployments charted: those with a load or an HPA, the first eight, by index.
fn charted_deployments(world: &World) -> Vec<usize> {
    world
        .scenario
        .deployments
        .iter()
        .enumerate()
        .filter(|(_, d)| d.load.is_some() || d.hpa.is_some())
        .map(|(i, _)| i)
        .take(MAX_DEPLOYMENT_CHARTS)
        .collect()
}

/// Per deployment with a load or an HPA (the first eight): replicas (desired, ready, pending)
/// and requests per second (demand, served), over time.
fn deployment_charts(sim: &Outputs, data: &stream::ChartData) -> Vec<(String, plots::Chart)> {
    let mut out = Vec::new();
    for (d, rows) in &data.deployments {
        let d = *d;
        let name = &sim.world.scenario.deployments[d].name;
        let (mut desired, mut ready, mut pending, mut demand, mut served) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in rows {
            let x = r.time_s as f64 / 3600.0;
            desired.push((x, f64::from(r.desired)));
            ready.push((x, f64::from(r.ready)));
            pending.push((x, f64::from(r.pending)));
            demand.push((x, r.demand_rps));
            served.push((x, r.served_rps));
        }
        let s = plots::Series::line;
        out.push((
            format!("deployment_{name}_replicas"),
            plots::Chart {
                title: format!("{name}: replicas"),
                x_label: "time (h)".into(),
                y_label: "pods".into(),
                series: vec![
                    s("desired (HPA)", "desired", desired),
                    s("ready", "running", ready),
                    s("pending", "pending", pending),
                ],
                stacked: false,
                markers: Vec::new(),
                ..plots::Chart::default()
            },
        ));
        if sim.world.scenario.deployments[d].load.is_some() {
            out.push((
                format!("deployment_{name}_demand"),
                plots::Chart {
                    title: format!("{name}: requests per second"),
                    x_label: "time (h)".into(),
                    y_label: "requests/s".into(),
                    series: vec![s("demand", "demand", demand), s("served", "served", served)],
                    stacked: false,
                    markers: Vec::new(),
                    ..plots::Chart::default()
                },
            ));
        }
    }
    out
}
