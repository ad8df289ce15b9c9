//! End-to-end speed of the simulator on whole scenarios: loading and validating the TOML
//! (`aksim::load_file`) and running it (`aksim::simulate`), timed apart and together.
//!
//! Inputs: `benches/large-day.toml` (about 1,000 nodes and 20,000 pods over 24 h; the issue's
//! target is a run in under 2 seconds) and `scenarios/quickstart.toml` (9 to 13 nodes, a day).
//! Writing the outputs (CSV, plots) is not timed: `aksim run` does that after `simulate`.
//!
//! Run: `cargo bench --bench cluster`. The `simulate_*` benches also report simulated events
//! per second (the events a run processes, counted once before timing).

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{load, run};
use divan::Bencher;

fn main() {
    divan::main();
}

const LARGE_DAY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/large-day.toml");
const QUICKSTART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml");

fn bench_load(bencher: Bencher, path: &str) {
    bencher.bench_local(|| load(Path::new(divan::black_box(path))));
}

fn bench_simulate(bencher: Bencher, path: &str, events: &'static OnceLock<u64>) {
    common::bench_simulate(bencher, Path::new(path), events);
}

/// What `aksim run` spends before writing its outputs: load, validate and simulate.
fn bench_load_and_simulate(bencher: Bencher, path: &str) {
    bencher.bench_local(|| run(load(Path::new(divan::black_box(path)))));
}

static LARGE_DAY_EVENTS: OnceLock<u64> = OnceLock::new();
static QUICKSTART_EVENTS: OnceLock<u64> = OnceLock::new();

#[divan::bench(sample_count = 10, sample_size = 1)]
fn load_large_day(bencher: Bencher) {
    bench_load(bencher, LARGE_DAY);
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn simulate_large_day(bencher: Bencher) {
    bench_simulate(bencher, LARGE_DAY, &LARGE_DAY_EVENTS);
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn load_and_simulate_large_day(bencher: Bencher) {
    bench_load_and_simulate(bencher, LARGE_DAY);
}

#[divan::bench(sample_count = 50)]
fn load_quickstart(bencher: Bencher) {
    bench_load(bencher, QUICKSTART);
}

#[divan::bench(sample_count = 50)]
fn simulate_quickstart(bencher: Bencher) {
    bench_simulate(bencher, QUICKSTART, &QUICKSTART_EVENTS);
}

#[divan::bench(sample_count = 50)]
fn load_and_simulate_quickstart(bencher: Bencher) {
    bench_load_and_simulate(bencher, QUICKSTART);
}
