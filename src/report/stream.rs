//! The outputs that grow with a run — `timeseries.csv`, `deployments.csv`, `events.jsonl` —
//! written while it runs, and the bounded data that the charts and the page's timeline need.
//!
//! The model appends rows and event lines to `World::samples`, `World::deployment_samples` and
//! `World::log`; [`Rows::take`] moves them out into writers, so that a year of samples costs the
//! memory of a few thousand rows. [`Recorder`] stages those writers as temporary files beside
//! their final names and renames them with the rest of the outputs at the end, as
//! `write_atomic` does; [`super::render`] uses the same code into memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::html::Timeline;
use super::staging::Staged;
use crate::engine::SimTime;
use crate::observe::{DeploymentCsvRow, DeploymentRow, Record, SampleRow};
use crate::sim::Outputs;
use crate::world::World;

/// Sample instants a chart keeps at most. Past it, every other kept instant is dropped and
/// only every second one after is kept (the stride doubles), so a chart holds between half and
/// all of this many points, evenly spread over the run. The bundled scenarios stay below it.
pub const MAX_CHART_INSTANTS: usize = 4_096;

/// Rows held before they are written: a drain every few thousand rows keeps the memory of a
/// run independent of its length.
const DRAIN_ROWS: usize = 8_192;
/// Event-log bytes held before they are written.
const DRAIN_LOG_BYTES: usize = 4 << 20;

/// Points of the run's charts, one per kept sample instant and series.
#[derive(Debug, Default)]
pub struct ChartData {
    /// Keep an instant when its index is a multiple of this.
    stride: u64,
    /// Sample instants seen so far.
    instants: u64,
    /// Per pool (by name, in the scenario's order): nodes.
    pub by_pool: IndexMap<String, Vec<(f64, f64)>>,
    /// Per zone ("zone 1", …): nodes.
    pub by_zone: IndexMap<String, Vec<(f64, f64)>>,
    /// Per pool: cumulative cost.
    pub cost: IndexMap<String, Vec<(f64, f64)>>,
    pub running: Vec<(f64, f64)>,
    pub pending: Vec<(f64, f64)>,
    /// Per charted deployment (its index in the scenario), its kept rows.
    pub deployments: Vec<(usize, Vec<DeploymentRow>)>,
}

impl ChartData {
    /// Empty series for the pools, zones and charted deployments of `world`.
    pub fn new(world: &World, charted: &[usize]) -> Self {
        let mut data = ChartData {
            stride: 1,
            ..ChartData::default()
        };
        for p in &world.cluster.pools {
            data.by_pool.insert(p.spec.name.clone(), Vec::new());
            data.cost.insert(p.spec.name.clone(), Vec::new());
        }
        let mut zones: Vec<crate::cluster::Zone> = world
            .cluster
            .pools
            .iter()
            .flat_map(|p| p.zones.iter().copied())
            .collect();
        zones.sort();
        zones.dedup();
        for z in &zones {
            data.by_zone
                .insert(format!("zone {}", z.short()), Vec::new());
        }
        data.deployments = charted.iter().map(|d| (*d, Vec::new())).collect();
        data
    }

    /// The points of a run whose buffers hold all its samples (it was not drained).
    pub fn of(world: &World) -> Self {
        let mut data = ChartData::new(world, &super::charted_deployments(world));
        data.absorb(&world.samples, &world.deployment_samples, world.loads.len());
        data
    }

    /// Folds whole sample instants: `rows` grouped by instant, `deployment_rows` one per
    /// deployment (of `deployments`) per instant, in the same instants.
    fn absorb(
        &mut self,
        rows: &[SampleRow],
        deployment_rows: &[DeploymentRow],
        deployments: usize,
    ) {
        let mut i = 0;
        let mut instant = 0;
        while i < rows.len() {
            let t = rows[i].time_s;
            let end = i + rows[i..].iter().take_while(|r| r.time_s == t).count();
            let dep_rows = deployment_rows
                .get(instant * deployments..(instant + 1) * deployments)
                .unwrap_or(&[]);
            if self.instants.is_multiple_of(self.stride) {
                self.push_instant(t, &rows[i..end], dep_rows);
                if self.running.len() > MAX_CHART_INSTANTS {
                    self.halve();
                }
            }
            self.instants += 1;
            instant += 1;
            i = end;
        }
    }

    /// Rows come grouped by sample instant; each instant is one point per series.
    fn push_instant(&mut self, time_s: u64, rows: &[SampleRow], dep_rows: &[DeploymentRow]) {
        let x = time_s as f64 / 3600.0;
        for v in self
            .by_pool
            .values_mut()
            .chain(self.by_zone.values_mut())
            .chain(self.cost.values_mut())
        {
            v.push((x, 0.0));
        }
        let (mut run, mut pend) = (0.0, 0.0);
        for r in rows {
            let nodes = f64::from(r.nodes_ready + r.nodes_not_ready + r.nodes_provisioning);
            if let Some(v) = self.by_pool.get_mut(&r.pool) {
                v.last_mut().expect("pushed").1 += nodes;
            }
            if let Some(v) = self.by_zone.get_mut(&format!("zone {}", r.zone)) {
                v.last_mut().expect("pushed").1 += nodes;
            }
            if let Some(v) = self.cost.get_mut(&r.pool) {
                v.last_mut().expect("pushed").1 +=
                    r.cumulative_cost_usd.parse::<f64>().unwrap_or(0.0);
            }
            run += f64::from(r.pods_running);
            pend += f64::from(r.pods_pending);
        }
        self.running.push((x, run));
        self.pending.push((x, pend));
        for (d, kept) in &mut self.deployments {
            if let Some(r) = dep_rows.get(*d) {
                kept.push(*r);
            }
        }
    }

    /// Drops every other kept instant (the first stays) and doubles the stride, so that the
    /// kept instants stay the multiples of the stride.
    fn halve(&mut self) {
        fn every_other<T>(v: &mut Vec<T>) {
            let mut i = 0;
            v.retain(|_| {
                i += 1;
                i % 2 == 1
            });
        }
        for v in self
            .by_pool
            .values_mut()
            .chain(self.by_zone.values_mut())
            .chain(self.cost.values_mut())
        {
            every_other(v);
        }
        every_other(&mut self.running);
        every_other(&mut self.pending);
        for (_, kept) in &mut self.deployments {
            every_other(kept);
        }
        self.stride *= 2;
    }
}

/// The growing outputs of a run, written to `W` as they come, with the charts' points and the
/// timeline kept alongside.
pub struct Rows<W: Write> {
    timeseries: csv::Writer<W>,
    deployments: Option<csv::Writer<W>>,
    events: Option<W>,
    pub charts: ChartData,
    pub timeline: Timeline,
    /// The deployments' names as they are written.
    names: Vec<String>,
    /// The last sample second formatted, and its text.
    clock: (u64, String),
}

impl<W: Write> Rows<W> {
    /// `deployments` is `None` for a run without deployments (no `deployments.csv`), `events`
    /// `None` with the event log off.
    pub fn new(world: &World, timeseries: W, deployments: Option<W>, events: Option<W>) -> Self {
        Rows {
            timeseries: csv::Writer::from_writer(timeseries),
            deployments: deployments.map(csv::Writer::from_writer),
            events,
            charts: ChartData::new(world, &super::charted_deployments(world)),
            timeline: Timeline::new(super::html::MAX_TIMELINE_ROWS),
            names: world
                .scenario
                .deployments
                .iter()
                .map(|d| d.name.clone())
                .collect(),
            clock: (u64::MAX, String::new()),
        }
    }

    /// Writes `rows`, `deployment_rows` and the event-log text `log` (whole lines), which
    /// cover whole sample instants; `milestones` are the log's typed milestones of the same
    /// lines, for the timeline.
    pub fn write(
        &mut self,
        world: &World,
        rows: &[SampleRow],
        deployment_rows: &[DeploymentRow],
        log: &str,
        milestones: &[(SimTime, Record)],
    ) -> Result<(), String> {
        for row in rows {
            self.timeseries.serialize(row).map_err(|e| e.to_string())?;
        }
        if let Some(csv) = &mut self.deployments {
            for r in deployment_rows {
                if self.clock.0 != r.time_s {
                    self.clock = (
                        r.time_s,
                        world
                            .log
                            .wall_clock(crate::engine::SimTime(r.time_s * 1000)),
                    );
                }
                let row = DeploymentCsvRow {
                    time_s: r.time_s,
                    time: &self.clock.1,
                    deployment: &self.names[r.deployment as usize],
                    desired: r.desired,
                    ready: r.ready,
                    pending: r.pending,
                    cpu_utilization: r.cpu_utilization.map_or(String::new(), |u| u.to_string()),
                    demand_rps: format!("{:.3}", r.demand_rps),
                    served_rps: format!("{:.3}", r.served_rps),
                };
                csv.serialize(row).map_err(|e| e.to_string())?;
            }
        }
        if let Some(events) = &mut self.events {
            events
                .write_all(log.as_bytes())
                .map_err(|e| e.to_string())?;
        }
        self.charts.absorb(rows, deployment_rows, self.names.len());
        if world.log.enabled {
            self.timeline
                .absorb(milestones, |t| world.log.wall_clock(t));
        }
        Ok(())
    }

    /// Moves what `world` has recorded so far into the writers, when it holds more than a few
    /// thousand rows or a few megabytes of event log, or always with `all`. Called between
    /// instants, so whole sample instants move.
    pub fn take(&mut self, world: &mut World, all: bool) -> Result<(), String> {
        if !all
            && world.samples.len() < DRAIN_ROWS
            && world.deployment_samples.len() < DRAIN_ROWS
            && world.log.buf.len() < DRAIN_LOG_BYTES
        {
            return Ok(());
        }
        let rows = std::mem::take(&mut world.samples);
        let deployment_rows = std::mem::take(&mut world.deployment_samples);
        let log = std::mem::take(&mut world.log.buf);
        let milestones = std::mem::take(&mut world.log.milestones);
        let written = self.write(world, &rows, &deployment_rows, &log, &milestones);
        // The buffers go back empty, with their capacity, for the next rows.
        world.samples = rows;
        world.samples.clear();
        world.deployment_samples = deployment_rows;
        world.deployment_samples.clear();
        world.log.buf = log;
        world.log.buf.clear();
        world.log.milestones = milestones;
        world.log.milestones.clear();
        written
    }

    /// Flushes the writers and gives them back with what was kept for the charts and page.
    pub fn into_inner(self) -> Result<Written<W>, String> {
        let timeseries = self.timeseries.into_inner().map_err(|e| e.to_string())?;
        let deployments = match self.deployments {
            Some(d) => Some(d.into_inner().map_err(|e| e.to_string())?),
            None => None,
        };
        let mut events = self.events;
        if let Some(e) = &mut events {
            e.flush().map_err(|e| e.to_string())?;
        }
        Ok(Written {
            timeseries,
            deployments,
            events,
            charts: self.charts,
            timeline: self.timeline,
        })
    }
}

/// The growing outputs' writers once flushed, and what was kept for the charts and page.
pub struct Written<W> {
    pub timeseries: W,
    pub deployments: Option<W>,
    pub events: Option<W>,
    pub charts: ChartData,
    pub timeline: Timeline,
}

/// The run's outputs written as it goes into a folder: the growing files are staged at once
/// and filled between instants; `finish` stages the summary, charts and page beside them and
/// renames every file into place together. Dropped without `finish` (the run failed), it
/// removes what it staged and the folders it created.
pub struct Recorder {
    rows: Option<Rows<BufWriter<File>>>,
    staged: Vec<Staged>,
    dir: PathBuf,
    /// The folders `create` made, deepest first: a failed run removes them again if empty.
    created: Vec<PathBuf>,
    finished: bool,
}

impl Recorder {
    /// Creates `dir` if needed, removes the staged files that killed processes left there,
    /// and stages the growing files of `world`'s run.
    pub fn create(world: &World, dir: &Path) -> Result<Recorder, String> {
        let created: Vec<PathBuf> = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect();
        let mut rec = Recorder {
            rows: None,
            staged: Vec::new(),
            dir: dir.to_path_buf(),
            created,
            finished: false,
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        super::remove_stale_temp_files(dir);
        let mut open = |name: &str| -> Result<BufWriter<File>, String> {
            let mut staged = Staged::create(&dir.join(name))?;
            // The writer shares the staged file's open description, and so its lock.
            let file = staged
                .file()
                .try_clone()
                .map_err(|e| format!("cannot write {}: {e}", staged.path().display()))?;
            rec.staged.push(staged);
            Ok(BufWriter::with_capacity(1 << 16, file))
        };
        let ts = open("timeseries.csv")?;
        let deps = if world.loads.is_empty() {
            None
        } else {
            Some(open("deployments.csv")?)
        };
        let events = if world.scenario.output.event_log {
            Some(open("events.jsonl")?)
        } else {
            None
        };
        rec.rows = Some(Rows::new(world, ts, deps, events));
        Ok(rec)
    }

    /// Writes what `world` recorded so far when it holds enough to be worth it.
    pub fn take(&mut self, world: &mut World) -> Result<(), String> {
        self.rows
            .as_mut()
            .expect("open until finish")
            .take(world, false)
    }

    /// Writes the rest, renders the summary, charts and page, and renames every file into
    /// place once all are complete. Returns the paths written, in the order `render` lists
    /// them.
    /// `stop` is asked once more before anything is renamed: when it says so, nothing is and
    /// the staged files are removed (`Err("interrupted")`).
    pub fn finish(
        mut self,
        outputs: &mut Outputs,
        stop: &dyn Fn() -> bool,
    ) -> Result<Vec<PathBuf>, String> {
        let mut rows = self.rows.take().expect("open until finish");
        rows.take(&mut outputs.world, true)?;
        let done = rows.into_inner()?;
        let writers = std::iter::once(done.timeseries)
            .chain(done.deployments)
            .chain(done.events);
        // Flushed into the staged files; these clones of their descriptors stay open until
        // the renames, since closing one releases a POSIX lock (NFS) of the whole file.
        let mut clones = Vec::new();
        for w in writers {
            clones.push(w.into_inner().map_err(|e| e.error().to_string())?);
        }
        for (name, bytes) in super::render_rest(outputs, &done.charts, &done.timeline)? {
            let mut staged = Staged::create(&self.dir.join(&name))?;
            staged
                .file()
                .write_all(&bytes)
                .map_err(|e| format!("cannot write {}: {e}", staged.path().display()))?;
            self.staged.push(staged);
        }
        if stop() {
            return Err("interrupted".into());
        }
        super::staging::commit(&mut self.staged)?;
        drop(clones);
        self.finished = true;
        Ok(self.staged.iter().map(|s| s.path().to_path_buf()).collect())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // The writers' descriptors closed first, then the staged files remove themselves;
        // then the folders, deepest first, if empty.
        self.rows = None;
        self.staged.clear();
        if !self.finished {
            for d in &self.created {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
}
