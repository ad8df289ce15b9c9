//! Parameter sweeps end to end: the same tables with any number of threads or shards, resume,
//! merge's refusals, progress off a terminal, bad sweep files.

use std::path::{Path, PathBuf};

use aksim::sweep::{self, Options, Reporter, Shard, Sweep, SweepError};
use assert_cmd::Command;

/// Two hours of an autoscaled Windows pool under a ramp: each run takes milliseconds, and the
/// seed moves the nodes' boot times, so the replicas of a point differ.
const TINY: &str = r#"
[simulation]
name = "tiny"
duration = "2h"
seed = 1

[cluster]
default_daemonsets = false

[output]
plots = false

[[node_pool]]
name = "system"
mode = "system"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 1

[[node_pool]]
name = "win"
os_type = "windows"
vm_size = "Standard_D4s_v5"
zones = ["1", "2"]
count = 1
enable_auto_scaling = true
min_count = 1
max_count = 6

[[deployment]]
name = "web"
replicas = 2
requests = { cpu = "1", memory = "1Gi" }
node_selector = { "kubernetes.io/os" = "windows" }

[deployment.load]
cpu_per_request = "4m"
profiles = [{ kind = "ramp", start = "10m", end = "1h", from_rps = 100, to_rps = 2000 }]

[deployment.hpa]
min_replicas = 2
max_replicas = 20
cpu_utilization = 60
"#;

/// A grid of 2 × 2 points, 2 replicas each: 8 runs.
const GRID: &str = r#"[sweep]
name = "tiny-grid"
scenario = "tiny.toml"
seed = 5
replicas = 2

[[parameter]]
path = "autoscaler.scale-down-unneeded-time"
values = ["5m", "20m"]

[[parameter]]
path = "node_pool.win.vm_size"
name = "vm_size"
values = ["Standard_D4s_v5", "Standard_D8s_v5"]
"#;

/// Random mode: 4 points drawn from a range and a list, 2 replicas each: 8 runs.
const RANDOM: &str = r#"[sweep]
name = "tiny-random"
scenario = "tiny.toml"
seed = 9
replicas = 2
mode = "random"
samples = 4

[[parameter]]
path = "autoscaler.scale-down-utilization-threshold"
range = [0.3, 0.7]

[[parameter]]
path = "autoscaler.scale-down-unneeded-time"
range = ["2m", "30m"]

[[parameter]]
path = "node_pool.win.max_count"
values = [3, 6]
"#;

/// A folder holding the tiny scenario and one sweep file; returns the sweep file's path.
fn setup(dir: &Path, sweep: &str) -> PathBuf {
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    let path = dir.join("sweep.toml");
    std::fs::write(&path, sweep).unwrap();
    path
}

fn execute(sweep: &Sweep, out: &Path, jobs: usize, shard: Shard) -> sweep::Outcome {
    let opts = Options {
        out: out.to_path_buf(),
        jobs: Some(jobs),
        shard,
    };
    sweep::execute(sweep, &opts, &Reporter::Hidden).unwrap_or_else(|e| panic!("{e}"))
}

/// Every file of a sweep's folder but its run files, by path relative to the folder.
fn results(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    for sub in ["", "plots"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn tables(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(dir.join("runs.csv")).unwrap(),
        std::fs::read(dir.join("points.csv")).unwrap(),
    )
}

/// The command, without the variables that would make a sweep a shard of a batch job.
fn aksim() -> Command {
    let mut cmd = Command::cargo_bin("aksim").expect("binary built");
    for var in [
        "JOB_COMPLETION_INDEX",
        "AKSIM_SHARDS",
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_STEP",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn one_or_two_jobs_give_byte_identical_tables() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&setup(dir.path(), GRID)).unwrap();
    let one = execute(&sweep, &dir.path().join("one"), 1, Shard::ALL);
    let two = execute(&sweep, &dir.path().join("two"), 2, Shard::ALL);
    assert_eq!((one.done, one.skipped, one.failed, one.jobs), (8, 0, 0, 1));
    assert_eq!(two.jobs, 2);
    // The tables, the page, and the charts as SVG and PNG: cost against pending pod-seconds
    // and each plotted metric against each of the two parameters.
    let one_files = results(&dir.path().join("one"));
    for name in [
        "runs.csv",
        "points.csv",
        "report.html",
        "sweep.json",
        "plots/pareto_pending.svg",
        "plots/pareto_pending.png",
        "plots/total_cost_usd_by_vm_size.png",
        "plots/pending_pod_seconds_by_autoscaler.scale-down-unneeded-time.svg",
    ] {
        assert!(
            one_files.contains_key(name),
            "no {name}: {:?}",
            one_files.keys()
        );
    }
    assert_eq!(one.written.len(), one_files.len() - 1, "all but sweep.json");
    // Every output, page and pictures included, is the same byte for byte.
    assert_eq!(one_files, results(&dir.path().join("two")));
    let a = tables(&dir.path().join("one"));
    let runs = String::from_utf8(a.0).unwrap();
    assert_eq!(runs.lines().count(), 1 + 8);
    assert!(runs.starts_with(
        "run,point,replica,seed,autoscaler.scale-down-unneeded-time,vm_size,total_cost_usd,"
    ));
    // Run 3 = point 1 (5m, D8s_v5), replica 1.
    let row3: Vec<&str> = runs.lines().nth(4).unwrap().split(',').collect();
    let seed = sweep.run_seed(1, 1).to_string();
    assert_eq!(row3[..6], ["3", "1", "1", &seed, "5m", "Standard_D8s_v5"]);
    // The replicas of a point have their own seeds, and the seeds show in their results.
    let pending: Vec<&str> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(8).unwrap())
        .collect();
    assert_ne!(pending[0], pending[1], "{runs}");
    let points = String::from_utf8(a.1).unwrap();
    assert_eq!(points.lines().count(), 1 + 4);
}

#[test]
fn one_shard_or_three_merged_give_byte_identical_tables() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&setup(dir.path(), RANDOM)).unwrap();
    let whole = dir.path().join("whole");
    execute(&sweep, &whole, 2, Shard::ALL);
    let mut shards = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("shard-{i}"));
        let o = execute(&sweep, &out, 1, Shard::new(i, 3).unwrap());
        // 8 runs over 3 shards: 3, 3, 2; a shard alone cannot write the tables.
        assert_eq!(o.in_shard, [3, 3, 2][i as usize]);
        assert_eq!(o.present, o.in_shard);
        assert!(o.written.is_empty());
        assert!(!out.join("runs.csv").exists());
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    let m = sweep::merge(&shards, Some(&merged)).unwrap();
    assert_eq!((m.runs, m.failed), (8, 0));
    assert_eq!(tables(&whole), tables(&merged));
    // The charts and the page too: the shards' sweep.json tells the page what was swept.
    let mut expected = results(&whole);
    expected.remove("sweep.json");
    assert_eq!(expected, results(&merged));
    let page = String::from_utf8(expected["report.html"].clone()).unwrap();
    assert!(page.contains("autoscaler.scale-down-unneeded-time") && page.contains("aksim run "));
    // The drawn values are in the tables, as --set reads them.
    let points = String::from_utf8(tables(&whole).1).unwrap();
    let first: Vec<&str> = points.lines().nth(1).unwrap().split(',').collect();
    let threshold: f64 = first[1].parse().unwrap();
    assert!((0.3..=0.7).contains(&threshold), "{points}");
    assert!(
        first[2].ends_with('s') && (first[3] == "3" || first[3] == "6"),
        "{points}"
    );
}

/// Runs the grid in three shard folders and returns them.
fn three_shards(dir: &Path) -> Vec<PathBuf> {
    let sweep = Sweep::load(&setup(dir, GRID)).unwrap();
    (0..3)
        .map(|i| {
            let out = dir.join(format!("shard-{i}"));
            execute(&sweep, &out, 1, Shard::new(i, 3).unwrap());
            out
        })
        .collect()
}

fn merge_error(dirs: &[PathBuf], out: &Path) -> String {
    match sweep::merge(dirs, Some(out)) {
        Err(SweepError::Input(msg)) => {
            assert!(!out.exists(), "a refused merge wrote {}", out.display());
            msg
        }
        other => panic!("expected the merge to be refused, got {other:?}"),
    }
}

#[test]
fn merge_refuses_a_missing_run() {
    let dir = tempfile::tempdir().unwrap();
    let shards = three_shards(dir.path());
    // Shard 1 of 3 holds runs 1, 4 and 7.
    std::fs::remove_file(shards[1].join("runs/run-000004.json")).unwrap();
    let msg = merge_error(&shards, &dir.path().join("merged"));
    assert!(msg.contains("1 of 8 runs are missing: 4"), "{msg}");
    let msg = merge_error(&shards[..2], &dir.path().join("merged"));
    assert!(msg.contains("3 of 8 runs are missing: 2, 4, 5"), "{msg}");
}

#[test]
fn merge_refuses_a_duplicate_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut shards = three_shards(dir.path());
    let extra = dir.path().join("extra");
    std::fs::create_dir_all(extra.join("runs")).unwrap();
    std::fs::copy(
        shards[2].join("runs/run-000005.json"),
        extra.join("runs/run-000005.json"),
    )
    .unwrap();
    shards.push(extra.clone());
    let msg = merge_error(&shards, &dir.path().join("merged"));
    assert!(
        msg.contains(&format!(
            "run 5 is in {} and in {}",
            shards[2].display(),
            extra.display()
        )),
        "{msg}"
    );
}

#[test]
fn merge_refuses_shards_of_different_sweeps() {
    let dir = tempfile::tempdir().unwrap();
    let shards = three_shards(dir.path());
    let other_dir = dir.path().join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other = Sweep::load(&setup(&other_dir, &GRID.replace("seed = 5", "seed = 6"))).unwrap();
    let foreign = dir.path().join("foreign");
    execute(&other, &foreign, 1, Shard::new(2, 3).unwrap());
    let dirs = vec![shards[0].clone(), shards[1].clone(), foreign.clone()];
    let msg = merge_error(&dirs, &dir.path().join("merged"));
    assert!(
        msg.contains(&format!(
            "{} and {} hold runs of different sweeps",
            shards[0].display(),
            foreign.display()
        )),
        "{msg}"
    );
    // The runs of one sweep with another sweep's sweep.json.
    std::fs::copy(foreign.join("sweep.json"), shards[1].join("sweep.json")).unwrap();
    let msg = merge_error(&shards, &dir.path().join("merged"));
    assert!(
        msg.contains(&format!(
            "{} describes sweep",
            shards[1].join("sweep.json").display()
        )) && msg.contains("but the runs are of sweep"),
        "{msg}"
    );
}

#[test]
fn a_resumed_sweep_equals_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&setup(dir.path(), GRID)).unwrap();
    let out = dir.path().join("out");
    execute(&sweep, &out, 2, Shard::ALL);
    let before = results(&out);
    // As if the sweep had been killed after five runs: three run files and the tables missing,
    // and a temporary file left behind.
    for r in [1, 4, 6] {
        std::fs::remove_file(out.join(format!("runs/run-00000{r}.json"))).unwrap();
    }
    std::fs::remove_file(out.join("runs.csv")).unwrap();
    std::fs::remove_file(out.join("points.csv")).unwrap();
    std::fs::remove_dir_all(out.join("plots")).unwrap();
    std::fs::write(out.join("runs/.run-000006.json.tmp-1"), "{\"half").unwrap();
    let o = execute(&sweep, &out, 2, Shard::ALL);
    assert_eq!((o.done, o.skipped, o.present), (3, 5, 8));
    assert_eq!(results(&out), before);
    // Once everything is there, a rerun runs nothing and writes the same files.
    let o = execute(&sweep, &out, 1, Shard::ALL);
    assert_eq!((o.done, o.skipped), (0, 8));
    assert_eq!(results(&out), before);
}

#[test]
fn a_folder_of_another_sweep_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&setup(dir.path(), GRID)).unwrap();
    let out = dir.path().join("out");
    execute(&sweep, &out, 1, Shard::new(0, 4).unwrap());
    let changed = Sweep::load(&setup(dir.path(), &GRID.replace("\"20m\"", "\"30m\""))).unwrap();
    let opts = Options {
        out: out.clone(),
        jobs: Some(1),
        shard: Shard::ALL,
    };
    match sweep::execute(&changed, &opts, &Reporter::Hidden) {
        Err(SweepError::Input(msg)) => {
            assert!(
                msg.contains("run-000000.json is a run of another sweep"),
                "{msg}"
            );
            assert!(msg.contains("use another --out"), "{msg}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Nothing was added to the folder.
    assert_eq!(std::fs::read_dir(out.join("runs")).unwrap().count(), 2);
}

#[test]
fn a_run_of_the_sweep_is_reproduced_by_its_values_and_seed() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&setup(dir.path(), GRID)).unwrap();
    let out = dir.path().join("out");
    execute(&sweep, &out, 2, Shard::new(3, 8).unwrap());
    let record: sweep::RunRecord =
        serde_json::from_slice(&std::fs::read(out.join("runs/run-000003.json")).unwrap()).unwrap();
    assert_eq!((record.point, record.replica), (1, 1));
    // What `aksim run tiny.toml --set ... --seed SEED` does, with the event log on.
    let sets = vec![
        "autoscaler.scale-down-unneeded-time=5m".to_string(),
        "node_pool.win.vm_size=Standard_D8s_v5".to_string(),
        format!("simulation.seed={}", record.seed),
    ];
    let loaded = aksim::load_str("tiny.toml", TINY, &sets).unwrap();
    let sim = aksim::simulate(loaded.scenario, &mut |_, _| {}).unwrap();
    let summary = aksim::report::Summary::of(&sim);
    assert_eq!(record.metrics, Some(sweep::Metrics::of(&summary)));
}

#[test]
fn a_run_that_stops_is_recorded_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = setup(
        dir.path(),
        "[sweep]\nname = \"limits\"\nscenario = \"tiny.toml\"\nreplicas = 2\n\n[[parameter]]\npath = \"simulation.max_events\"\nvalues = [50, 1000000]\n",
    );
    let sweep = Sweep::load(&file).unwrap();
    let out = dir.path().join("out");
    let o = execute(&sweep, &out, 2, Shard::ALL);
    assert_eq!((o.done, o.failed), (4, 2));
    let (runs, points) = tables(&out);
    let runs = String::from_utf8(runs).unwrap();
    let failed: Vec<&str> = runs
        .lines()
        .filter(|l| l.contains("stopped after 50 events"))
        .collect();
    assert_eq!(failed.len(), 2, "{runs}");
    assert!(failed[0].starts_with("0,0,0,"));
    let points = String::from_utf8(points).unwrap();
    let rows: Vec<&str> = points.lines().collect();
    assert!(
        rows[1].starts_with("0,50,,,,") && rows[1].ends_with(",2"),
        "{points}"
    );
    assert!(
        rows[2].starts_with("1,1000000,") && rows[2].ends_with(",0"),
        "{points}"
    );
}

#[test]
fn the_bundled_sweeps_load_and_every_point_applies() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweeps");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("[sweep]") {
            let sweep = Sweep::load(&path).unwrap_or_else(|e| panic!("{e}"));
            sweep.check_points().unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert_eq!(n, 2);
}

#[test]
fn the_command_shows_plain_progress_lines_off_a_terminal_and_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = setup(dir.path(), GRID);
    let out = dir.path().join("out");
    let result = aksim()
        .args(["sweep", "--jobs", "2", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(result.status.success(), "{stderr}");
    // stderr is a pipe here: lines, no bar, no escape sequences, no carriage returns.
    assert!(
        stderr.contains("sweep tiny-grid: 8 runs to do, 0 already done, 2 jobs\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sweep tiny-grid: 8/8 runs (100 %)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\r'),
        "{stderr:?}"
    );
    for needle in [
        "8 runs: 4 points × 2 replicas",
        "8 done, 0 skipped",
        "runs/s on 2 jobs",
        "runs.csv, points.csv",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    // --quiet: nothing at all.
    let quiet = aksim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    assert!(quiet.status.success());
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
}

#[test]
fn shards_from_a_kubernetes_indexed_job_then_merge_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = setup(dir.path(), GRID);
    let mut shard_dirs = Vec::new();
    for i in 0..2 {
        let out = dir.path().join(format!("shard-{i}"));
        let result = aksim()
            .env("JOB_COMPLETION_INDEX", i.to_string())
            .env("AKSIM_SHARDS", "2")
            .args(["sweep", "--out"])
            .arg(&out)
            .arg(&file)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&result.stdout);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        assert!(
            stdout.contains(&format!("shard           {i}/2 (Kubernetes Indexed Job")),
            "{stdout}"
        );
        assert!(
            stdout.contains("4 runs of other shards are not there yet"),
            "{stdout}"
        );
        let names: Vec<String> = std::fs::read_dir(out.join("runs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 4);
        assert!(names.iter().all(|n| {
            let r: u64 = n[4..10].parse().unwrap();
            r % 2 == i
        }));
        shard_dirs.push(out);
    }
    // Without the count, the index alone is refused.
    let refused = aksim()
        .env("JOB_COMPLETION_INDEX", "0")
        .args(["sweep", "--out"])
        .arg(dir.path().join("nowhere"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("AKSIM_SHARDS"));
    assert!(!dir.path().join("nowhere").exists());

    let merged = dir.path().join("merged");
    let result = aksim()
        .arg("merge")
        .args(&shard_dirs)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(String::from_utf8_lossy(&result.stdout).contains("8 runs from 2 folders"));
    let whole = dir.path().join("whole");
    aksim()
        .args(["sweep", "--quiet", "--shard", "0/1", "--out"])
        .arg(&whole)
        .arg(&file)
        .assert()
        .success();
    assert_eq!(tables(&merged), tables(&whole));
    // A missing shard: exit 2 and the runs it lacks.
    let result = aksim()
        .arg("merge")
        .arg(&shard_dirs[0])
        .arg("--out")
        .arg(dir.path().join("half"))
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&result.stderr).contains("4 of 8 runs are missing: 1, 3, 5, 7")
    );
}

#[test]
fn bad_sweep_files_exit_2_name_the_line_and_field_and_write_nothing() {
    let cases = [
        (
            GRID.replace("replicas = 2", "replicas = 0"),
            "sweep.toml:5:12: sweep.replicas: must be at least 1",
        ),
        (
            GRID.replace("seed = 5", "sed = 5"),
            "sweep.toml:4:1: sweep.sed: unknown field `sed`",
        ),
        (
            GRID.replace("values = [\"5m\", \"20m\"]", "range = [\"5m\", \"20m\"]"),
            "sweep.toml:9:9: parameter[0].range: a range is drawn from, so it needs mode = \"random\"",
        ),
        (
            GRID.replace("name = \"vm_size\"", "name = \"seed\""),
            "sweep.toml:13:8: parameter[1].name: \"seed\" is a column of runs.csv already",
        ),
        (
            GRID.replace("name = \"vm_size\"", "name = \"vm\\u0007size\""),
            "sweep.toml:13:8: parameter[1].name: a parameter's name cannot hold control characters",
        ),
        // A value the scenario refuses: the sweep file's line of that value, and the
        // scenario's own message for it.
        (
            GRID.replace("\"20m\"", "\"20x\""),
            "sweep.toml:9:17: parameter \"autoscaler.scale-down-unneeded-time\": the value 20x (point 2) does not apply to the scenario",
        ),
        (
            GRID.replace("node_pool.win.vm_size", "node_pool.windows.vm_size"),
            "no element \"windows\" in \"node_pool\"",
        ),
    ];
    for (text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let file = setup(dir.path(), &text);
        let out = dir.path().join("out");
        let result = aksim()
            .current_dir(dir.path())
            .args(["sweep", "--out"])
            .arg(&out)
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in:\n{stderr}"
        );
        assert!(!out.exists(), "{stderr}");
    }
}

#[test]
fn a_parameter_name_too_long_for_a_file_name_failed_after_every_run() {
    // 250 characters made `plots/<metric>_by_<name>.svg` longer than a file name may be: the
    // runs were made, then the charts failed with exit 1, and again on every rerun.
    let long = "v".repeat(250);
    for (text, field) in [
        (
            GRID.replace("name = \"vm_size\"", &format!("name = \"{long}\"")),
            "sweep.toml:13:8: parameter[1].name: a parameter's name is at most 100 characters, this one has 250",
        ),
        // Without a name, the path names the parameter.
        (
            GRID.replace("name = \"vm_size\"\n", "")
                .replace("node_pool.win.vm_size", &format!("node_pool.win.{long}")),
            "sweep.toml:12:8: parameter[1].path: a parameter's name is at most 100 characters, this one has 264",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = setup(dir.path(), &text);
        let out = dir.path().join("out");
        let result = aksim()
            .args(["sweep", "--quiet", "--out"])
            .arg(&out)
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(field), "expected {field:?} in:\n{stderr}");
        assert!(!out.exists(), "{stderr}");
    }
    // 100 characters are fine, and every chart is written.
    let dir = tempfile::tempdir().unwrap();
    let name = "v".repeat(100);
    let file = setup(
        dir.path(),
        &GRID.replace("name = \"vm_size\"", &format!("name = \"{name}\"")),
    );
    let out = dir.path().join("out");
    let result = aksim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let chart = out.join(format!(
        "plots/unschedulable_to_running_p95_s_by_{name}.svg"
    ));
    let cost = out.join(format!("plots/total_cost_usd_by_{name}.svg"));
    assert!(cost.exists() || chart.exists(), "no chart by the long name");
}

#[test]
fn the_sweep_and_merge_screens_printed_control_characters_of_paths_raw() {
    // The scenario's path (from the sweep file) and the output folders are printed as given.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ti\u{1b}[2Jny.toml"), TINY).unwrap();
    let file = dir.path().join("sweep.toml");
    std::fs::write(
        &file,
        GRID.replace("\"tiny.toml\"", "\"ti\\u001b[2Jny.toml\"")
            .replace("replicas = 2", "replicas = 1"),
    )
    .unwrap();
    let out = dir.path().join("out\u{1b}[31m");
    let merged = dir.path().join("merged\r");
    let sweep = aksim()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let merge = aksim()
        .arg("merge")
        .arg(&out)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    for (result, shown) in [(sweep, "ti\\u{1b}[2Jny.toml"), (merge, "merged\\r/: ")] {
        let stdout = String::from_utf8_lossy(&result.stdout);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        assert!(
            !stdout.contains(|c: char| c.is_control() && c != '\n'),
            "{stdout:?}"
        );
        assert!(stdout.contains(shown), "{shown:?} missing in:\n{stdout}");
    }
    assert!(merged.join("runs.csv").exists());
}

#[test]
fn sweep_and_merge_have_help_and_refuse_bad_shard_arguments() {
    for cmd in ["sweep", "merge"] {
        let out = aksim().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
    }
    for args in [
        ["sweep", "x.toml", "--shard", "3/3"],
        ["sweep", "x.toml", "--shard", "1-3"],
    ] {
        let out = aksim().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--shard"));
    }
    let out = aksim()
        .args(["sweep", "x.toml", "--shard", "0/2", "--shards", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

// Unix: the kill is a SIGKILL, and staged files are reaped by their lock (flock).
#[cfg(unix)]
#[test]
fn a_killed_sweep_leaves_whole_run_files_and_resumes_to_the_same_tables() {
    let dir = tempfile::tempdir().unwrap();
    let file = setup(dir.path(), &GRID.replace("replicas = 2", "replicas = 10"));
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("aksim");
    let mut child = std::process::Command::new(&bin)
        .args(["sweep", "--quiet", "--jobs", "2", "--shard", "0/1", "--out"])
        .arg(&out)
        .arg(&file)
        .spawn()
        .unwrap();
    // Kill it once a few runs are written (SIGKILL: no chance to clean up).
    // Finished run files only: a hidden temporary file is a run still being written.
    let count = || {
        std::fs::read_dir(out.join("runs")).map_or(0, |d| {
            d.filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().starts_with("run-")
            })
            .count()
        })
    };
    let start = std::time::Instant::now();
    while count() < 3 && start.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Every run file there is whole (the hidden temporary files are ignored).
    let found = sweep::store::read_runs(&out).unwrap_or_else(|e| panic!("{e}"));
    assert!(!found.is_empty());
    // What the killed sweep left staged, and a file as a kill during the final write leaves.
    let dead = child.id();
    let left = out.join(format!(".runs.csv.tmp-{dead}"));
    std::fs::write(&left, b"x").unwrap();
    // Staged files are stale once nobody holds them and they are 10 s old: age them all.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for d in [out.clone(), out.join("runs")] {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().unwrap().to_string_lossy().starts_with('.') {
                let f = std::fs::File::options().write(true).open(&p).unwrap();
                f.set_modified(an_hour_ago).unwrap();
            }
        }
    }
    aksim()
        .args(["sweep", "--quiet", "--jobs", "2", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    // The resumed sweep removed every staged file of the dead one.
    for d in [out.clone(), out.join("runs"), out.join("plots")] {
        let hidden: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(hidden.is_empty(), "{}: {hidden:?}", d.display());
    }
    let whole = dir.path().join("whole");
    aksim()
        .args(["sweep", "--quiet", "--jobs", "1", "--out"])
        .arg(&whole)
        .arg(&file)
        .assert()
        .success();
    assert_eq!(results(&out), results(&whole));
}

#[test]
fn an_output_folder_that_cannot_be_written_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = setup(dir.path(), GRID);
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, "x").unwrap();
    let out = aksim()
        .args(["sweep", "--quiet", "--out"])
        .arg(&not_a_folder)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: cannot "));
}
