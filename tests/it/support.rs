//! Runs inline scenarios through the library.

use aksim::Sim;

/// A minimal valid cluster: a 2-node Linux system pool in zone 1. Append pools and deployments.
pub const BASE: &str = r#"
[simulation]
name = "t"
duration = "1h"
seed = 7

[cluster]
default_daemonsets = false

[[node_pool]]
name = "system"
mode = "system"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 2
"#;

/// Validates `toml` (as `test.toml`), which must be valid.
pub fn load(toml: &str) -> aksim::Loaded {
    aksim::load_str("test.toml", toml, &[]).unwrap_or_else(|e| panic!("scenario invalid:\n{e}"))
}

/// Validates `scenario` from a temporary folder that also holds `files` (name, text), the CSV
/// files it reads beside it.
pub fn load_in_dir(scenario: &str, files: &[(&str, &str)]) -> Result<aksim::Loaded, String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();
    aksim::load_file(&path, &[]).map_err(|e| e.to_string())
}

/// Validates and runs `toml`, checks the cluster's invariants, and returns the finished run.
pub fn run(toml: &str) -> Sim {
    run_loaded(load(toml))
}

/// Runs a loaded scenario, checks the cluster's invariants, and returns the finished run.
pub fn run_loaded(loaded: aksim::Loaded) -> Sim {
    let sim = aksim::simulate(loaded.scenario, &mut |_, _| {}).expect("run");
    sim.check_invariants();
    sim
}

/// The 1-based line of `toml` holding `needle`, as error messages count.
pub fn line_of(toml: &str, needle: &str) -> usize {
    toml.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the scenario"))
        + 1
}

/// The event log's lines of one kind, parsed.
pub fn events(sim: &Sim, kind: &str) -> Vec<serde_json::Value> {
    sim.log
        .buf
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("valid JSON line"))
        .filter(|v| v["kind"] == kind)
        .collect()
}

/// Validation errors of `toml` as one string.
pub fn errors(toml: &str) -> String {
    match aksim::load_str("test.toml", toml, &[]) {
        Ok(_) => panic!("expected the scenario to be refused"),
        Err(e) => e.to_string(),
    }
}
