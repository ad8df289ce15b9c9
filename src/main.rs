//! The `aksim` command: parses arguments, calls the library, prints for a person, and maps
//! every error to an exit code in one place (2: bad input, 1: the run or its outputs failed).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "aksim",
    version,
    about = "Simulate an AKS cluster with Windows node pools from a TOML scenario",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write timeseries.csv, deployments.csv, events.jsonl, summary.json, plots and report.html.
    #[command(after_help = AFTER_HELP)]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output folder [default: results/<simulation.name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed for every random draw (same as --set simulation.seed=N).
        #[arg(long)]
        seed: Option<u64>,
        /// Override a value of the scenario, e.g. --set node_pool.win.vm_size=Standard_D8s_v5.
        /// Paths name tables by key and array elements by `name` or index. Repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Narrate decisions as they happen, on the simulated clock, instead of the progress
        /// bar: every component, or only those listed (cluster-autoscaler, hpa, scheduler,
        /// node, zone, spot, deployment), e.g. --explain cluster-autoscaler,hpa. With --quiet,
        /// only the narration is printed.
        #[arg(
            long,
            value_name = "COMPONENTS",
            num_args = 0..=1,
            default_missing_value = "all"
        )]
        explain: Option<aksim::explain::Components>,
    },
    /// Check a scenario and report every problem with its file, line and field; writes nothing.
    #[command(after_help = AFTER_HELP)]
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Override a value of the scenario before checking it. Repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// Compare two runs: their summary.json side by side, with B − A and the change in %.
    #[command(after_help = AFTER_HELP)]
    Compare {
        /// Run A: an output folder or its summary.json.
        run_a: PathBuf,
        /// Run B: an output folder or its summary.json.
        run_b: PathBuf,
    },
    /// Run a parameter sweep: every point of a sweep file, several seeds each, in parallel;
    /// writes one file per run under runs/, then runs.csv, points.csv, plots/ and report.html.
    #[command(after_help = SWEEP_HELP)]
    Sweep {
        /// The sweep file (TOML).
        sweep: PathBuf,
        /// Output folder [default: results/<sweep.name>]. Runs already in it are skipped.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Runs at a time [default: one per core].
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Run only shard I of N (0-based): the runs r with r mod N = I.
        #[arg(long, value_name = "I/N", conflicts_with = "shards")]
        shard: Option<aksim::sweep::Shard>,
        /// The number of shards of a Kubernetes Indexed Job (with JOB_COMPLETION_INDEX);
        /// instead of the AKSIM_SHARDS variable.
        #[arg(long, value_name = "N")]
        shards: Option<u64>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Merge the folders of a sweep's shards into runs.csv, points.csv, plots/ and report.html.
    #[command(after_help = MERGE_HELP)]
    Merge {
        /// The shards' output folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged results [default: results/<sweep.name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// Shown after the help of `sweep`.
const SWEEP_HELP: &str = "Without --shard, the shard comes from a Kubernetes Indexed Job \
(JOB_COMPLETION_INDEX, with --shards N or AKSIM_SHARDS) or a Slurm array (SLURM_ARRAY_TASK_ID, \
SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN); otherwise every run is made. The README's \
\"Experiments: sweeps\" section describes the sweep file.
Exit codes: 0 ok, 2 bad input (nothing written), 1 a run file or a table could not be written.";

/// Shown after the help of `merge`, which reads run files and takes no shard of its own.
const MERGE_HELP: &str = "Each folder holds the run files (runs/) of some of one sweep's runs; \
together they must hold every run once. The tables, charts and page are the bytes one sweep over \
every run writes. The README's \"Experiments: sweeps\" section describes sweeps.
Exit codes: 0 ok, 2 bad input (nothing written), 1 a table, chart or page could not be written.";

/// Shown after every command's help: the value grammar users type most.
const AFTER_HELP: &str =
    "In scenarios and --set values, durations are written like 90s, 10m, 1h30m, \
1.5h, 500ms (Go's time.ParseDuration, plus d and w) and quantities as in Kubernetes (cpu 500m \
or 1.5, memory 512Mi or 4Gi). Every key is in the README's scenario reference.
Exit codes: 0 ok, 2 bad input (nothing written), 1 the run or its outputs failed.";

/// `println!` for a line that may hold names, paths or values from input: their control
/// characters are printed as visible escapes (`aksim::text::escape`), so that none of them
/// moves the cursor, clears the screen or starts a line of its own.
macro_rules! say {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", aksim::text::escape(&format!($($arg)*)))
    };
}

/// Everything that stops the command, with the exit code it maps to.
enum Failure {
    /// The input is wrong: exit 2.
    Input(String),
    /// The run or writing its outputs failed: exit 1.
    Run(anyhow::Error),
    /// The run was stopped by SIGINT or SIGTERM and removed what it had staged: exit 130.
    Interrupted,
}

/// Set by SIGINT or SIGTERM during `aksim run`: the run stops after the instant it is in, and
/// the files it staged are removed instead of being left in the folder.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns the first SIGINT or SIGTERM into `INTERRUPTED`; a second one ends the process at once.
#[cfg(unix)]
fn stop_on_signals() {
    extern "C" fn on_signal(sig: libc::c_int) {
        INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
        // SAFETY: signal() is async-signal-safe; it restores the default action.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
    let handler: extern "C" fn(libc::c_int) = on_signal;
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic and calls signal().
        unsafe {
            libc::signal(sig, handler as libc::sighandler_t);
        }
    }
}

#[cfg(not(unix))]
fn stop_on_signals() {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            // Messages quote paths, arguments and variables as given: their lines are
            // kept, other control characters shown as escapes.
            eprintln!("{}", aksim::text::escape_lines(&msg));
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("{}", aksim::text::escape_lines(&format!("error: {e:#}")));
            ExitCode::from(1)
        }
        Err(Failure::Interrupted) => {
            eprintln!("interrupted: the run stopped and left no file");
            ExitCode::from(130)
        }
    }
}

fn load(path: &std::path::Path, sets: &[String], quiet: bool) -> Result<aksim::Loaded, Failure> {
    let loaded = aksim::load_file(path, sets).map_err(|e| Failure::Input(e.to_string()))?;
    if !quiet {
        for w in &loaded.warnings {
            eprintln!("{}", aksim::text::escape_lines(w));
        }
    }
    Ok(loaded)
}

fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Compare { run_a, run_b } => compare_runs(&run_a, &run_b),
        Command::Validate { scenario, sets } => {
            let loaded = load(&scenario, &sets, false)?;
            let s = &loaded.scenario;
            say!(
                "{}: ok — {} node pools, {} deployments ({} with an HPA), {} pod traces ({} pods), {} timed events, {} simulated; memory {}, within a limit of {}{}",
                scenario.display(),
                s.pools.len(),
                s.deployments.len(),
                s.deployments.iter().filter(|d| d.hpa.is_some()).count(),
                s.traces.len(),
                s.traces.iter().map(|t| t.trace.pods.len()).sum::<usize>(),
                s.actions.len(),
                s.simulation.duration,
                aksim::scenario::size::estimate(s).describe(),
                aksim::scenario::size::gib(s.simulation.memory_limit_bytes),
                if loaded.warnings.is_empty() {
                    String::new()
                } else {
                    format!(", {} warning(s)", loaded.warnings.len())
                }
            );
            Ok(())
        }
        Command::Run {
            scenario,
            out,
            seed,
            mut sets,
            quiet,
            explain,
        } => {
            if let Some(seed) = seed {
                sets.push(format!("simulation.seed={seed}"));
            }
            let loaded = load(&scenario, &sets, quiet)?;
            let s = loaded.scenario;
            let out = out.unwrap_or_else(|| PathBuf::from("results").join(&s.simulation.name));
            let bar = indicatif::ProgressBar::new(s.simulation.duration.as_ms() / 1000);
            if quiet || explain.is_some() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} simulating [{bar:30}] {pos}/{len} simulated s, {elapsed} elapsed, eta {eta}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            let wall = Instant::now();
            let mut sim = aksim::Sim::new(s);
            if let Some(only) = explain {
                sim.world.log.set_tap(explain_tap(only));
            }
            // The growing files are written while the run goes, and renamed into place with
            // the rest at the end; a failed run leaves nothing.
            stop_on_signals();
            let interrupted = || INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst);
            let mut recorder = aksim::report::Recorder::create(&sim.world, &out)
                .map_err(|e| Failure::Run(anyhow::anyhow!(e)))?;
            sim.run_observed(
                &mut |now, _| bar.set_position(now.as_ms() / 1000),
                &mut |sim, _| {
                    if interrupted() {
                        return Err("interrupted".into());
                    }
                    recorder.take(&mut sim.world)
                },
            )
            .map_err(|e| {
                if interrupted() {
                    Failure::Interrupted
                } else {
                    Failure::Run(e.into())
                }
            })?;
            bar.finish_and_clear();
            let elapsed = wall.elapsed();
            let mut outputs = sim.finish();
            let written = recorder.finish(&mut outputs, &interrupted).map_err(|e| {
                if interrupted() {
                    Failure::Interrupted
                } else {
                    Failure::Run(anyhow::anyhow!(e))
                }
            })?;
            if !quiet {
                print_screen(&outputs, &out, &written, elapsed);
            }
            Ok(())
        }
        Command::Sweep {
            sweep,
            out,
            jobs,
            shard,
            shards,
            quiet,
        } => sweep_command(&sweep, out, jobs, shard, shards, quiet),
        Command::Merge { dirs, out, quiet } => merge_command(&dirs, out.as_deref(), quiet),
    }
}

fn sweep_failure(e: aksim::sweep::SweepError) -> Failure {
    match e {
        aksim::sweep::SweepError::Input(msg) => Failure::Input(msg),
        aksim::sweep::SweepError::Output(msg) => Failure::Run(anyhow::anyhow!(msg)),
    }
}

/// `aksim sweep`: the shard from the flags or the environment, the runs, the end screen.
fn sweep_command(
    file: &std::path::Path,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    shard: Option<aksim::sweep::Shard>,
    shards: Option<u64>,
    quiet: bool,
) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let env = |name: &str| std::env::var(name).ok();
    let (shard, source) = aksim::sweep::shard::choose(shard, shards, &env)
        .map_err(|e| Failure::Input(format!("error: {e}")))?;
    let sweep = aksim::sweep::Sweep::load(file).map_err(sweep_failure)?;
    let out = out.unwrap_or_else(|| PathBuf::from("results").join(&sweep.name));
    let options = aksim::sweep::Options {
        out: out.clone(),
        jobs,
        shard,
    };
    let label = if shard == aksim::sweep::Shard::ALL {
        format!("sweep {}", sweep.name)
    } else {
        format!("sweep {} shard {shard}", sweep.name)
    };
    let reporter = aksim::sweep::Reporter::new(&label, quiet, std::io::stderr().is_terminal());
    let wall = Instant::now();
    let outcome = aksim::sweep::execute(&sweep, &options, &reporter).map_err(sweep_failure)?;
    let elapsed = wall.elapsed();
    if !quiet {
        for w in &outcome.warnings {
            eprintln!("{}", aksim::text::escape_lines(w));
        }
        print_sweep_screen(&sweep, &outcome, shard, source, &out, elapsed);
    }
    Ok(())
}

/// The screen at the end of a sweep.
fn print_sweep_screen(
    sweep: &aksim::sweep::Sweep,
    o: &aksim::sweep::Outcome,
    shard: aksim::sweep::Shard,
    source: aksim::sweep::ShardSource,
    out: &std::path::Path,
    elapsed: std::time::Duration,
) {
    let points = sweep.points.len();
    say!(
        "{} — {} runs: {points} point{} × {} replica{} of {} (sweep seed {})",
        sweep.name,
        o.runs,
        if points == 1 { "" } else { "s" },
        sweep.replicas,
        if sweep.replicas == 1 { "" } else { "s" },
        sweep.scenario_file,
        sweep.seed
    );
    println!();
    if shard != aksim::sweep::Shard::ALL {
        say!("  shard           {shard} ({source}): {} runs", o.in_shard);
    }
    let failed = if o.failed > 0 {
        format!(", {} failed (see the error column)", o.failed)
    } else {
        String::new()
    };
    say!(
        "  runs            {} done, {} skipped (already in the folder){failed}",
        o.done,
        o.skipped
    );
    let secs = elapsed.as_secs_f64().max(1e-6);
    say!(
        "  time            {secs:.2} s wall, {:.1} runs/s on {} job{}",
        o.done as f64 / secs,
        o.jobs,
        if o.jobs == 1 { "" } else { "s" }
    );
    println!();
    let runs_dir = format!("{}/runs/", out.display());
    if o.written.is_empty() {
        say!(
            "  files           {} run files in {runs_dir}; {} runs of other shards are not there yet",
            o.present,
            o.runs - o.present
        );
        say!(
            "                  when every shard is done: aksim merge SHARD_FOLDER... --out {}",
            out.display()
        );
    } else {
        say!(
            "  files in {}/: {}, and {} run files in runs/",
            out.display(),
            describe_results(&o.written),
            o.present
        );
        let pareto = out.join(aksim::sweep::PLOTS_DIR).join("pareto_pending.png");
        let page = out.join("report.html");
        if o.written.contains(&pareto) {
            say!(
                "  start with      {}, or the Pareto front in {}",
                page.display(),
                pareto.display()
            );
        } else {
            say!("  start with      {}", page.display());
        }
    }
}

/// The files a finished sweep or merge wrote, in words: the tables and the page by name, the
/// charts counted.
fn describe_results(written: &[PathBuf]) -> String {
    let plots = std::ffi::OsStr::new(aksim::sweep::PLOTS_DIR);
    let in_plots = |p: &&PathBuf| p.parent().and_then(|d| d.file_name()) == Some(plots);
    let mut words: Vec<String> = written
        .iter()
        .filter(|p| !in_plots(p))
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    let charts = written
        .iter()
        .filter(in_plots)
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .count();
    let s = if charts == 1 { "" } else { "s" };
    words.push(format!(
        "{charts} chart{s} in {}/ (SVG and PNG)",
        aksim::sweep::PLOTS_DIR
    ));
    words.join(", ")
}

/// `aksim merge`: the shards' run files into runs.csv, points.csv, the charts and the page.
fn merge_command(
    dirs: &[PathBuf],
    out: Option<&std::path::Path>,
    quiet: bool,
) -> Result<(), Failure> {
    let merged = aksim::sweep::merge(dirs, out).map_err(sweep_failure)?;
    if !quiet {
        let failed = if merged.failed > 0 {
            format!(", {} failed (see the error column)", merged.failed)
        } else {
            String::new()
        };
        say!(
            "{} — {} runs from {} folder{}{failed}",
            merged.name,
            merged.runs,
            dirs.len(),
            if dirs.len() == 1 { "" } else { "s" }
        );
        say!(
            "  files in {}/: {}",
            merged.out.display(),
            describe_results(&merged.written)
        );
    }
    Ok(())
}

/// With `--explain`: the tap that prints the narration of the chosen components to stdout as
/// the events happen.
fn explain_tap(only: aksim::explain::Components) -> aksim::observe::Tap {
    Box::new(move |e: &aksim::observe::Emitted| {
        if let Some(text) = aksim::explain::explain_line(e.at, e.time, e.record, only) {
            use std::io::Write;
            // A closed pipe (`| head`) ends the narration, not the run.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    })
}

/// `aksim compare`: reads both summaries and prints the table.
fn compare_runs(run_a: &std::path::Path, run_b: &std::path::Path) -> Result<(), Failure> {
    let (a, b) = (read_summary(run_a)?, read_summary(run_b)?);
    say!("A  {}", summary_path(run_a).display());
    say!("B  {}", summary_path(run_b).display());
    println!();
    print!("{}", aksim::compare::table(&a, &b));
    Ok(())
}

/// A run's folder stands for its summary.json.
fn summary_path(run: &std::path::Path) -> PathBuf {
    if run.is_dir() {
        run.join("summary.json")
    } else {
        run.to_path_buf()
    }
}

fn read_summary(run: &std::path::Path) -> Result<serde_json::Value, Failure> {
    let path = summary_path(run);
    // A summary is a few kilobytes; a device or a wrong file is not read whole.
    let text = aksim::scenario::read_text_at_most(&path, 64 << 20)
        .map_err(|e| Failure::Input(format!("error: cannot read {}: {e}", path.display())))?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        Ok(_) => Err(Failure::Input(format!(
            "error: {} is not a run's summary.json (not a JSON object)",
            path.display()
        ))),
        Err(e) => Err(Failure::Input(format!(
            "error: {} is not a run's summary.json: {e}",
            path.display()
        ))),
    }
}

/// The one screen a person reads at the end of a run.
fn print_screen(
    sim: &aksim::Outputs,
    out: &std::path::Path,
    written: &[PathBuf],
    elapsed: std::time::Duration,
) {
    let summary = aksim::report::Summary::of(sim);
    let s = &sim.world.scenario;
    say!(
        "{} — {} simulated from {} (seed {})",
        s.simulation.name,
        s.simulation.duration,
        summary.start,
        s.simulation.seed
    );
    println!();
    say!(
        "  cost            ${:.2} total (nodes ${:.2}, control plane ${:.2})",
        summary.total_cost_usd,
        summary.node_cost_usd,
        summary.control_plane_cost_usd
    );
    say!(
        "  {:<14}  {:>10}  {:>10}  {:>10}  {:>10}",
        "pool",
        "os",
        "peak nodes",
        "node-hours",
        "cost $"
    );
    for p in &sim.world.cluster.pools {
        let name = &p.spec.name;
        say!(
            "  {:<14}  {:>10}  {:>10}  {:>10.1}  {:>10.2}",
            name,
            p.spec.os.as_str(),
            summary.peak_nodes_by_pool[name],
            summary.node_hours_by_pool[name],
            summary.cost_by_pool_usd[name]
        );
    }
    say!(
        "  pods            {} created, pending {:.0} pod-s in all, time to ready p50 {:.0}s / p95 {:.0}s / max {:.0}s",
        summary.pods_created,
        summary.pending_pod_seconds,
        summary.time_to_ready_s.p50_s,
        summary.time_to_ready_s.p95_s,
        summary.time_to_ready_s.max_s
    );
    if summary.pods_unscheduled_at_end > 0 {
        say!(
            "  unschedulable   {} pods still pending at the end",
            summary.pods_unscheduled_at_end
        );
    }
    for (reason, n) in summary.unschedulable_reasons.iter().take(3) {
        say!("                  {n} pod(s): {reason}");
    }
    // Deployments with traffic or an HPA (the first five), then pod traces.
    let busy = s
        .deployments
        .iter()
        .filter(|d| d.load.is_some() || d.hpa.is_some())
        .take(5);
    for d in busy {
        let ds = &summary.deployments[&d.name];
        let mut line = format!("  {:<14}  peak {} replicas", d.name, ds.peak_desired);
        if d.hpa.is_some() {
            line += &format!(
                ", HPA {} up / {} down",
                ds.hpa_scale_ups, ds.hpa_scale_downs
            );
        }
        if d.load.is_some() {
            line += &format!(
                ", unserved {:.0} requests ({:.2} %) over {:.0}s",
                ds.unserved_requests,
                ds.unserved_fraction * 100.0,
                ds.seconds_with_unserved_demand
            );
        }
        say!("{line}");
    }
    for (name, t) in &summary.pod_traces {
        say!(
            "  {:<14}  {} pods arrived, {} ran (wait p95 {:.0}s), {} never ran",
            name,
            t.arrived,
            t.started,
            t.wait_s.p95_s,
            t.never_ran
        );
    }
    let ca = &summary.autoscaler;
    for (pool, a) in &ca.pools {
        say!(
            "  autoscaler      {pool}: {} scale-up(s), +{} / -{} nodes",
            a.scale_ups,
            a.nodes_added,
            a.nodes_removed
        );
    }
    if !ca.pools.is_empty() && ca.unschedulable_to_running_s.count > 0 {
        say!(
            "                  unschedulable to running p50 {:.0}s / p95 {:.0}s / max {:.0}s",
            ca.unschedulable_to_running_s.p50_s,
            ca.unschedulable_to_running_s.p95_s,
            ca.unschedulable_to_running_s.max_s
        );
    }
    for (reason, n) in &ca.failed_scale_ups {
        say!("  failed scale-up {n} × {reason}");
    }
    for o in &ca.outages {
        let cleared = o
            .seconds_until_no_pending_pods
            .map_or("pods still pending at the end".to_string(), |t| {
                format!("pending pods back to zero {t:.0}s after it began")
            });
        say!(
            "  zone outage     zone {}: {} nodes NotReady, {} pods evicted, {cleared}",
            o.zone,
            o.nodes_not_ready,
            o.pods_evicted
        );
    }
    if summary.pods_image_pull_backoff > 0 {
        say!(
            "  image errors    {} pods landed on a node of the wrong OS (ImagePullBackOff)",
            summary.pods_image_pull_backoff
        );
    }
    let secs = elapsed.as_secs_f64().max(1e-6);
    let per_wall_second = s.simulation.duration.as_secs_f64() / secs;
    let rate = if per_wall_second >= 86_400.0 {
        format!("{:.1} simulated days", per_wall_second / 86_400.0)
    } else if per_wall_second >= 3_600.0 {
        format!("{:.1} simulated hours", per_wall_second / 3_600.0)
    } else {
        format!("{per_wall_second:.0} simulated seconds")
    };
    say!(
        "  speed           {} events in {secs:.2} s: {rate} per wall-clock second",
        summary.events_processed
    );
    println!();
    say!(
        "  files in {}/: {}",
        out.display(),
        written
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    );
}
