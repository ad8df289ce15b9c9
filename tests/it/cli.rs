//! The `aksim` command end to end.

use assert_cmd::Command;

fn aksim() -> Command {
    Command::cargo_bin("aksim").expect("binary built")
}

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn run_quickstart_writes_every_output_and_no_progress_bar_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = aksim()
        .args(["run", &repo("scenarios/quickstart.toml"), "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // stderr is a pipe here, not a terminal: no progress bar, no carriage returns.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("simulating [") && !stderr.contains('\r'),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "cost",
        "peak nodes",
        "win",
        "time to ready",
        "per wall-clock second",
        "files in",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    for f in [
        "timeseries.csv",
        "events.jsonl",
        "summary.json",
        "report.html",
        "capacity.png",
        "capacity.svg",
        "capacity_by_zone.png",
        "pods.png",
        "pods.svg",
        "cost.png",
        "cost.svg",
    ] {
        let meta = std::fs::metadata(dir.path().join(f)).unwrap_or_else(|_| panic!("{f} missing"));
        assert!(meta.len() > 0, "{f} is empty");
    }
    let png = std::fs::read(dir.path().join("capacity.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
    // The CSV opens as a table with the documented header.
    let csv = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    assert!(csv.starts_with("time_s,time,pool,zone,nodes_ready,nodes_not_ready,nodes_provisioning,pods_running,pods_pending,cpu_allocatable_m,cpu_requested_m,memory_allocatable_mib,memory_requested_mib,cost_per_hour_usd,cumulative_cost_usd\n"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert!(summary["total_cost_usd"].as_f64().unwrap() > 0.0);
    assert_eq!(summary["seed"], 42);
}

#[test]
fn every_bundled_scenario_validates_and_runs() {
    for entry in std::fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            aksim().arg("validate").arg(&path).assert().success();
            let dir = tempfile::tempdir().unwrap();
            aksim()
                .arg("run")
                .arg(&path)
                .arg("--quiet")
                .arg("--out")
                .arg(dir.path())
                .assert()
                .success();
        }
    }
}

#[test]
fn validate_says_ok_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = aksim()
        .current_dir(dir.path())
        .args(["validate", &repo("scenarios/quickstart.toml")])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ok"));
    // The size guard's estimate: three pools of 3 nodes and 2 + 2 added by events (13), 30
    // replicas.
    assert!(
        stdout.contains("memory about 65 MiB (13 nodes, 30 pods, 0 trace rows, 3 deployments at their peak), within a limit of 4.0 GiB"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn set_and_seed_override_the_file() {
    let dir = tempfile::tempdir().unwrap();
    aksim()
        .args([
            "run",
            &repo("scenarios/quickstart.toml"),
            "--quiet",
            "--seed",
            "9",
            "--set",
            "simulation.duration=2h",
            "--set",
            "node_pool.win.vm_size=Standard_D8s_v5",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 9);
    assert_eq!(summary["duration_s"], 7200.0);
    // 3 Windows D8s_v5 nodes for 2 h at $0.752/h = $4.512.
    assert_eq!(summary["cost_by_pool_usd"]["win"], 4.512);
}

#[test]
fn help_is_there_for_each_command() {
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["validate", "--help"],
        vec!["compare", "--help"],
    ] {
        let out = aksim().args(&args).output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}

/// A Windows pool in zone 1 that the autoscaler grows for a burst at 10m and shrinks after
/// the burst ends at 40m.
const AUTOSCALED: &str = r#"
[simulation]
name = "explained"
duration = "2h"
seed = 3

[cluster]
default_daemonsets = false

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
zones = ["1"]
count = 1
enable_auto_scaling = true
min_count = 1
max_count = 10
provisioning_delay = "7m"

[[deployment]]
name = "portal"
replicas = 2
requests = { cpu = "1", memory = "2Gi" }
node_selector = { "kubernetes.io/os" = "windows" }

[[event]]
at = "10m"
action = "scale"
deployment = "portal"
replicas = 12

[[event]]
at = "40m"
action = "scale"
deployment = "portal"
replicas = 2
"#;

/// Every file of a run folder, by name.
fn files(dir: &std::path::Path) -> Vec<(std::ffi::OsString, Vec<u8>)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    all.sort();
    all
}

#[test]
fn explain_narrates_only_the_components_asked_for_and_changes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("explained.toml");
    std::fs::write(&scenario, AUTOSCALED).unwrap();
    let (told, plain) = (dir.path().join("told"), dir.path().join("plain"));
    let out = aksim()
        .arg("run")
        .arg(&scenario)
        .args(["--explain", "cluster-autoscaler", "--out"])
        .arg(&told)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The narration comes first, then the end screen, which starts with the scenario's name.
    let (narration, screen) = stdout
        .split_once("explained — ")
        .unwrap_or_else(|| panic!("no end screen in:\n{stdout}"));
    let lines: Vec<&str> = narration.lines().collect();
    assert!(
        lines.len() >= 3,
        "scale-up, unneeded, removal:\n{narration}"
    );
    for line in &lines {
        assert!(line.contains(" cluster-autoscaler: "), "{line}");
    }
    // 10 new pods at 10m, 3 per node, 1 fits on the existing node: ceil(9 / 3) = 3 nodes,
    // asked for by the loop at 610 s.
    assert!(
        lines[0].starts_with(
            "00:10:10 cluster-autoscaler: 9 pods unschedulable (Insufficient cpu, …) → +3 nodes in win"
        ),
        "{narration}"
    );
    assert!(screen.contains("files in"), "{screen}");
    // The same run without --explain writes the same bytes.
    aksim()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--out"])
        .arg(&plain)
        .assert()
        .success();
    let (a, b) = (files(&told), files(&plain));
    assert!(a.len() >= 10);
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name:?} differs with --explain");
    }
}

#[test]
fn explain_alone_narrates_every_component_and_quiet_keeps_only_the_narration() {
    let dir = tempfile::tempdir().unwrap();
    let out = aksim()
        .args([
            "run",
            &repo("scenarios/zone-outage-drill.toml"),
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .arg("--explain")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for component in ["cluster-autoscaler", "hpa", "scheduler", "node", "zone"] {
        assert!(
            stdout.contains(&format!(" {component}: ")),
            "no {component} line in:\n{stdout}"
        );
    }
    // The drill takes zone 2 down at noon on the scenario's clock.
    assert!(
        stdout.contains("12:00:00 zone: zone 2 is down until 13:00:00 — 4 nodes NotReady"),
        "{stdout}"
    );
    assert!(!stdout.contains("files in"), "--quiet drops the end screen");
}

#[test]
fn explain_refuses_an_unknown_component_and_lists_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = aksim()
        .args([
            "run",
            &repo("scenarios/quickstart.toml"),
            "--explain",
            "cluster-autoscaler,kubelet",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"kubelet\""), "{stderr}");
    for name in [
        "cluster-autoscaler",
        "hpa",
        "scheduler",
        "node",
        "zone",
        "spot",
        "deployment",
    ] {
        assert!(stderr.contains(name), "{stderr}");
    }
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn compare_prints_two_runs_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for (seed, out) in [("42", &a), ("7", &b)] {
        aksim()
            .args(["run", &repo("scenarios/quickstart.toml"), "--quiet"])
            .args(["--seed", seed, "--out"])
            .arg(out)
            .assert()
            .success();
    }
    // A folder and a summary.json path are both accepted.
    let out = aksim()
        .arg("compare")
        .arg(&a)
        .arg(b.join("summary.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let row = |label: &str| -> Vec<String> {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{label}  ")))
            .unwrap_or_else(|| panic!("no {label:?} row in:\n{stdout}"));
        line[label.len()..]
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    assert_eq!(row("metric"), ["A", "B", "B", "−", "A", "change"]);
    assert_eq!(row("scenario"), ["quickstart", "quickstart"]);
    assert_eq!(row("seed"), ["42", "7"]);
    // The quickstart's nodes come from timed events, not from the seed: the same cost.
    assert_eq!(row("cost $ total")[2], "0.00");
    for label in [
        "cost $ win",
        "peak nodes",
        "pending pod-s",
        "time to ready p95 s",
        "unschedulable → running p95 s",
        "zone outages",
    ] {
        row(label);
    }
    // The seed changes the boot delays, and so how long pods waited.
    let pending = row("pending pod-s");
    assert_ne!(pending[0], pending[1]);
}

#[test]
fn compare_names_a_missing_or_broken_summary_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let out = aksim()
        .arg("compare")
        .arg(&missing)
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    let broken = dir.path().join("summary.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let out = aksim()
        .arg("compare")
        .arg(dir.path())
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&broken.display().to_string()) && stderr.contains("not a run's summary"),
        "{stderr}"
    );
}

#[test]
fn merge_help_described_the_sweeps_shard_flags() {
    // `merge` reads run files; the shard flags and variables are `sweep`'s alone.
    let help = |cmd: &str| {
        let out = aksim().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let merge = help("merge");
    for word in ["--shard", "JOB_COMPLETION_INDEX", "AKSIM_SHARDS", "SLURM_"] {
        assert!(!merge.contains(word), "{word:?} in merge --help:\n{merge}");
    }
    assert!(merge.contains("--out"), "{merge}");
    let sweep = help("sweep");
    for word in [
        "--shard",
        "--shards",
        "JOB_COMPLETION_INDEX",
        "AKSIM_SHARDS",
    ] {
        assert!(
            sweep.contains(word),
            "{word:?} missing from sweep --help:\n{sweep}"
        );
    }
}

/// The control characters of `text` other than line breaks.
fn raw_controls(text: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    text.chars()
        .filter(|c| c.is_control() && *c != '\n')
        .map(|c| c as u8)
        .collect()
}

#[test]
fn compare_printed_control_characters_of_summary_keys_raw() {
    // A summary.json may hold anything: a pool key with ESC [2J cleared the screen, a
    // scenario name with a newline forged a row.
    let dir = tempfile::tempdir().unwrap();
    let summary = |cost: f64| {
        serde_json::json!({
            "scenario": "q\nseed  999",
            "seed": 1,
            "total_cost_usd": cost,
            "cost_by_pool_usd": { "win\u{1b}[2J": cost, "\u{9b}31m\r": 1.0 },
            "autoscaler": { "failed_scale_ups": { "Quota\u{7}": 2 } },
        })
        .to_string()
    };
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&a, summary(1.0)).unwrap();
    std::fs::write(&b, summary(2.0)).unwrap();
    let out = aksim().arg("compare").arg(&a).arg(&b).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(raw_controls(&out.stdout), Vec::<u8>::new(), "{stdout}");
    for shown in [
        "q\\nseed  999",
        "cost $ win\\u{1b}[2J",
        "cost $ \\u{9b}31m\\r",
        "failed scale-ups Quota\\u{7}",
    ] {
        assert!(stdout.contains(shown), "{shown:?} missing in:\n{stdout}");
    }
    // Every row is still one line, its columns aligned as shown.
    let rows: Vec<&str> = stdout.lines().skip(3).collect();
    assert!(rows.iter().any(|l| l.starts_with("cost $ win\\u{1b}[2J  ")));
    assert!(!rows.iter().any(|l| l.starts_with("seed  999")), "{stdout}");
}

#[test]
fn validate_printed_raw_control_characters_of_the_source_line() {
    // TOML forbids a raw ESC in a comment; the error showed the line as written, so the
    // terminal obeyed it. The caret stays under it as shown.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("esc.toml");
    std::fs::write(
        &path,
        "[simulation]\n\tname = \"t\" # \u{1b}[2J\nduration = \"1h\"\n",
    )
    .unwrap();
    let out = aksim().arg("validate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(raw_controls(&out.stderr), Vec::<u8>::new(), "{stderr}");
    assert!(stderr.contains("esc.toml:2:15: "), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let shown = lines.iter().position(|l| l.starts_with("2 | ")).unwrap();
    assert_eq!(lines[shown], "2 | \\tname = \"t\" # \\u{1b}[2J");
    // Under "\t" (two characters shown) and the 13 before the ESC: 15 spaces.
    assert_eq!(lines[shown + 1], format!("  | {}^^^^^^", " ".repeat(15)));
}

#[test]
fn the_run_screen_printed_control_characters_of_paths_raw() {
    // The output folder is printed on the end screen as given.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out\u{1b}[2J\nfiles in /etc");
    let out = aksim()
        .args(["run", &repo("scenarios/quickstart.toml"), "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(raw_controls(&out.stdout), Vec::<u8>::new(), "{stdout}");
    assert!(
        stdout.contains("out\\u{1b}[2J\\nfiles in /etc/: "),
        "{stdout}"
    );
    assert!(out_dir.join("summary.json").exists());
}
