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
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok"));
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
    ] {
        let out = aksim().args(&args).output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}
