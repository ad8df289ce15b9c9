//! Parameter sweeps: one scenario run at many points of its parameters, several seeds each, in
//! parallel (rayon), split into shards over machines if need be, and summarised in `runs.csv`
//! (one row per run) and `points.csv` (per point: mean and percentiles over its replicas).
//!
//! A sweep file (`spec`) names the scenario, the parameters (`--set` paths with their values or
//! ranges), the seed and the replicas; it fixes every point and every run's seed, so the
//! results do not depend on the number of threads, the shards, or the order runs finish in. Each
//! finished run is a file (`store`), written atomically: an interrupted sweep resumes where it
//! stopped, and shards written on different machines are merged (`merge`) into the same tables
//! (`table`) as a sweep run in one place, with the same charts (`charts`) and `report.html`
//! (`report`).

pub mod charts;
pub mod metrics;
pub mod progress;
pub mod report;
pub mod run;
pub mod shard;
pub mod spec;
pub mod store;
pub mod table;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use metrics::{METRICS, Metrics};
pub use progress::{Progress, Reporter};
pub use run::{RunRecord, SweepId};
pub use shard::{Shard, ShardSource};
pub use spec::{Mode, Sweep};
pub use store::Manifest;

/// Why a sweep or a merge stopped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SweepError {
    /// The sweep file, its scenario, a shard, or what the output folders hold is wrong; the
    /// message says what to change. Nothing was run or written. Exit code 2.
    #[error("{0}")]
    Input(String),
    /// A file could not be written or read. Runs already written stay valid. Exit code 1.
    #[error("{0}")]
    Output(String),
}

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct Options {
    /// The output folder (`results/<name>` by default, chosen by the caller).
    pub out: PathBuf,
    /// Threads; `None`: one per core.
    pub jobs: Option<usize>,
    pub shard: Shard,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Runs in the whole sweep.
    pub runs: u64,
    /// Runs of this shard.
    pub in_shard: u64,
    /// Runs made now.
    pub done: u64,
    /// Runs of this shard already in the folder.
    pub skipped: u64,
    /// Runs of this shard that failed (recorded with their error).
    pub failed: u64,
    /// Run files of the sweep in the folder, from every shard.
    pub present: u64,
    pub jobs: usize,
    /// The scenario's warnings with the first point's values.
    pub warnings: Vec<String>,
    /// `runs.csv`, `points.csv`, `report.html` and the charts, when the folder holds every
    /// run; otherwise empty.
    pub written: Vec<PathBuf>,
}

/// Runs the runs of `opts.shard` that the output folder does not hold yet, each into its run
/// file, then writes `runs.csv` and `points.csv` if the folder holds the whole sweep.
pub fn execute(
    sweep: &Sweep,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Outcome, SweepError> {
    if opts.jobs == Some(0) {
        return Err(SweepError::Input("error: --jobs must be at least 1".into()));
    }
    let pool = worker_pool(opts.jobs.unwrap_or(0))?;
    let checked = pool.install(|| sweep.check_points())?;
    let mut warnings = checked.warnings.clone();
    // Runs in parallel each hold their own cluster: no more at once than the memory limit
    // allows for the largest point.
    let at_once = Sweep::runs_at_once(&checked);
    let pool = if pool.current_num_threads() > at_once {
        warnings.push(format!(
            "warning: {at_once} run(s) at once, not {}: each may need {} and simulation.memory_limit is {}",
            pool.current_num_threads(),
            crate::scenario::size::gib(checked.peak_bytes),
            crate::scenario::size::gib(checked.limit_bytes)
        ));
        worker_pool(at_once)?
    } else {
        pool
    };
    let jobs = pool.current_num_threads();

    let runs = sweep.runs();
    let existing = pool.install(|| store::read_runs(&opts.out))?;
    let mut present = vec![false; runs as usize];
    for (path, record) in &existing {
        check_same_sweep(sweep, path, record)?;
        present[record.run as usize] = true;
    }
    let shard = opts.shard;
    let to_do: Vec<u64> = (0..runs)
        .filter(|r| shard.contains(*r) && !present[*r as usize])
        .collect();
    let in_shard = shard.runs_in(runs);
    let skipped = in_shard - to_do.len() as u64;

    let runs_dir = opts.out.join(store::RUNS_DIR);
    std::fs::create_dir_all(&runs_dir)
        .map_err(|e| SweepError::Output(format!("cannot create {}: {e}", runs_dir.display())))?;
    crate::report::remove_stale_temp_files(&runs_dir);
    let manifest = Manifest::of(sweep);
    crate::report::write_atomic(&[(opts.out.join(store::MANIFEST), manifest.encode())])
        .map_err(SweepError::Output)?;
    let id = SweepId::of(sweep);
    progress.start(to_do.len() as u64, skipped, jobs);
    // The pool's threads simulate and hand each record to one writer thread, which waits for
    // the disk. One run per task, so that a slow point does not hold back a batch of others.
    let (tx, rx) = std::sync::mpsc::sync_channel::<(u64, Vec<u8>)>(4 * jobs);
    let result = std::thread::scope(|scope| {
        let writer = scope.spawn(|| store::write_runs(&runs_dir, rx, &|| progress.advance()));
        let simulated = pool.install(|| {
            to_do
                .par_iter()
                .with_max_len(1)
                .try_for_each_with(tx, |tx, &r| {
                    let record = run::run(sweep, &id, r);
                    // A send fails only when the writer has stopped; its error says why.
                    tx.send((r, store::encode(&record))).map_err(|_| {
                        SweepError::Output("the run files could not be written".into())
                    })
                })
        });
        let written = writer.join().expect("the writer thread does not panic");
        written.and(simulated)
    });
    progress.finish();
    result?;

    let all = pool.install(|| store::read_runs(&opts.out))?;
    for (path, record) in &all {
        check_same_sweep(sweep, path, record)?;
    }
    let records: Vec<RunRecord> = all.into_iter().map(|(_, r)| r).collect();
    let failed = records
        .iter()
        .filter(|r| shard.contains(r.run) && r.error.is_some())
        .count() as u64;
    let written = match table::missing(&records, runs) {
        None => pool.install(|| write_results(&opts.out, &records, Some(&manifest)))?,
        Some(_) => Vec::new(),
    };
    Ok(Outcome {
        runs,
        in_shard,
        done: to_do.len() as u64,
        skipped,
        failed,
        present: records.len() as u64,
        jobs,
        warnings,
        written,
    })
}

/// The sweep's threads: `n` of them, or one per core with 0.
fn worker_pool(n: usize) -> Result<rayon::ThreadPool, SweepError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("aksim-sweep-{i}"))
        .build()
        .map_err(|e| SweepError::Output(format!("cannot start the worker threads: {e}")))
}

fn check_same_sweep(sweep: &Sweep, path: &Path, record: &RunRecord) -> Result<(), SweepError> {
    if record.sweep.identity == sweep.identity && record.run < sweep.runs() {
        return Ok(());
    }
    Err(SweepError::Input(format!(
        "error: {} is a run of another sweep (or of this file before it changed): its identity is {}, {}'s is {}; \
         use another --out, or remove the folder to start over",
        path.display(),
        record.sweep.identity,
        sweep.file,
        sweep.identity
    )))
}

/// What `merge` wrote.
#[derive(Debug, Clone)]
pub struct Merged {
    pub name: String,
    pub runs: u64,
    pub failed: u64,
    pub out: PathBuf,
    pub written: Vec<PathBuf>,
}

/// Writes what a whole sweep's runs give, each file atomically: `runs.csv`, `points.csv`, the
/// charts under `plots/` (SVG and PNG, drawn in parallel on the current rayon pool) and
/// `report.html`. `records` hold every run, sorted.
pub fn write_results(
    out: &Path,
    records: &[RunRecord],
    manifest: Option<&Manifest>,
) -> Result<Vec<PathBuf>, SweepError> {
    let plots_dir = out.join(PLOTS_DIR);
    std::fs::create_dir_all(&plots_dir)
        .map_err(|e| SweepError::Output(format!("cannot create {}: {e}", plots_dir.display())))?;
    // What a killed sweep or merge left staged (this process has nothing staged here yet).
    crate::report::remove_stale_temp_files(out);
    crate::report::remove_stale_temp_files(&plots_dir);
    let (runs, points) = table::render(records);
    let charts = charts::charts(records);
    let palette = &charts.palette;
    let (svgs, pngs): (Vec<String>, Vec<Vec<u8>>) = charts
        .charts
        .par_iter()
        .with_max_len(1)
        .map(|(_, chart)| {
            let svg = crate::report::plots::render_svg(chart, palette)?;
            let png = crate::report::plots::render_png(chart, palette)?;
            Ok((svg, png))
        })
        .collect::<Result<_, String>>()
        .map_err(|e| SweepError::Output(format!("cannot draw the sweep's charts: {e}")))?;
    let page = report::render(records, manifest, &charts, &svgs);
    let mut files = vec![
        (out.join("runs.csv"), runs),
        (out.join("points.csv"), points),
        (out.join("report.html"), page.into_bytes()),
    ];
    for (((name, _), svg), png) in charts.charts.iter().zip(svgs).zip(pngs) {
        files.push((plots_dir.join(format!("{name}.svg")), svg.into_bytes()));
        files.push((plots_dir.join(format!("{name}.png")), png));
    }
    crate::report::write_atomic(&files).map_err(SweepError::Output)?;
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// The subfolder holding a sweep's charts.
pub const PLOTS_DIR: &str = "plots";

/// Reads the run files of every folder, checks that they are the runs of one sweep, each
/// exactly once and none missing, and writes into `out` (`results/<name>` when `None`) the
/// files `write_results` writes, byte-identical to what one sweep over every run writes. The
/// first folder's `sweep.json` (any folder's, if the first has none) tells the report what was
/// swept.
pub fn merge(dirs: &[PathBuf], out: Option<&Path>) -> Result<Merged, SweepError> {
    let mut first: Option<(PathBuf, PathBuf, SweepId)> = None; // folder, file, sweep
    let mut owner: Vec<Option<usize>> = Vec::new();
    let mut records: Vec<RunRecord> = Vec::new();
    for (d, dir) in dirs.iter().enumerate() {
        if !dir.is_dir() {
            return Err(SweepError::Input(format!(
                "error: {} is not a folder",
                dir.display()
            )));
        }
        let found = store::read_runs(dir)?;
        if found.is_empty() {
            return Err(SweepError::Input(format!(
                "error: {} holds no run files (expected {}/run-*.json)",
                dir.display(),
                dir.join(store::RUNS_DIR).display()
            )));
        }
        for (path, record) in found {
            let (first_dir, first_file, id) = first
                .get_or_insert_with(|| (dir.clone(), path.clone(), record.sweep.clone()))
                .clone();
            if record.sweep.identity != id.identity {
                return Err(SweepError::Input(format!(
                    "error: {} and {} hold runs of different sweeps ({} is sweep {}, {} is sweep {}); \
                     merge the shard folders of one sweep only",
                    first_dir.display(),
                    dir.display(),
                    first_file.display(),
                    id.identity,
                    path.display(),
                    record.sweep.identity
                )));
            }
            let same_shape = record.sweep.runs == id.runs
                && record.sweep.replicas == id.replicas
                && record.sweep.parameters == id.parameters;
            if !same_shape || record.run >= id.runs {
                return Err(SweepError::Input(format!(
                    "error: {} does not match {} although both name sweep {}; remove the file that was edited",
                    path.display(),
                    first_file.display(),
                    id.identity
                )));
            }
            if owner.is_empty() {
                owner = vec![None; id.runs as usize];
            }
            if let Some(other) = owner[record.run as usize] {
                return Err(SweepError::Input(format!(
                    "error: run {} is in {} and in {}; merge each shard's folder once",
                    record.run,
                    dirs[other].display(),
                    dir.display()
                )));
            }
            owner[record.run as usize] = Some(d);
            records.push(record);
        }
    }
    let Some((_, _, id)) = first else {
        return Err(SweepError::Input("error: no folders to merge".into()));
    };
    records.sort_by_key(|r| r.run);
    if let Some(m) = table::missing(&records, id.runs) {
        return Err(SweepError::Input(format!(
            "error: {m}; run the shards that hold them and merge again"
        )));
    }
    let out = out.map_or_else(
        || PathBuf::from("results").join(&id.name),
        Path::to_path_buf,
    );
    let mut manifest: Option<Manifest> = None;
    for dir in dirs {
        let Some(m) = store::read_manifest(dir)? else {
            continue;
        };
        if m.identity != id.identity {
            return Err(SweepError::Input(format!(
                "error: {} describes sweep {}, but the runs are of sweep {}; \
                 merge the shard folders of one sweep only",
                dir.join(store::MANIFEST).display(),
                m.identity,
                id.identity
            )));
        }
        manifest.get_or_insert(m);
    }
    let written = write_results(&out, &records, manifest.as_ref())?;
    Ok(Merged {
        name: id.name.clone(),
        runs: id.runs,
        failed: records.iter().filter(|r| r.error.is_some()).count() as u64,
        out,
        written,
    })
}
