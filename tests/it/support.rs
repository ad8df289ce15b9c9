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

/// Validates and runs `toml`, checks the cluster's invariants, and returns the finished run.
pub fn run(toml: &str) -> Sim {
    let sim = aksim::simulate(load(toml).scenario, &mut |_, _| {}).expect("run");
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
