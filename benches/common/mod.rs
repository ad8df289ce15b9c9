//! What the scenario benchmarks share: loading a scenario file, running it, the generated
//! inputs under `target/bench-inputs/`, and timing `simulate` alone.

// Each benchmark uses a part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aksim::Scenario;
use divan::Bencher;
use divan::counter::ItemsCount;

pub fn load(path: &Path) -> Scenario {
    match aksim::load_file(path, &[]) {
        Ok(loaded) => loaded.scenario,
        Err(e) => panic!("{} does not load:\n{e}", path.display()),
    }
}

pub fn run(scenario: Scenario) -> aksim::Outputs {
    aksim::simulate(scenario, &mut |_, _| {}).expect("the scenario runs to its end")
}

/// The path of a generated input.
pub fn generated(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-inputs")
        .join(name)
}

/// Writes a generated input, unless the file already holds that text.
pub fn write_generated(name: &str, text: &str) {
    let path = generated(name);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("create target/bench-inputs");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
        std::fs::write(&path, text).expect("write a bench input");
    }
}

/// Times `simulate` only: the scenario is loaded beforehand and the finished run's `Outputs` dropped
/// afterwards. Also reported as simulated events per second (the events one run processes,
/// counted once, since the run is deterministic).
pub fn bench_simulate(bencher: Bencher, path: &Path, events: &'static OnceLock<u64>) {
    let n = *events.get_or_init(|| run(load(path)).world.stats.events_processed);
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| load(path))
        .bench_local_values(run);
}
