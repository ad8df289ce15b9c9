//! A sweep of 100 quickstart days (`benches/sweep-quickstart.toml`) with 1 and 2 jobs: what
//! `aksim sweep` does, from checking every point to the last run file, the two tables, the
//! charts and `report.html`, into a fresh folder each time. Throughput is reported in runs (items) per second.
//!
//! Run: `cargo bench --bench sweep`.

use aksim::sweep::{self, Options, Reporter, Shard, Sweep};
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

const RUNS: usize = 100;

#[divan::bench(args = [1, 2], sample_count = 5, sample_size = 1)]
fn sweep_quickstart_100_runs(bencher: Bencher, jobs: usize) {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sweep-quickstart.toml");
    let sweep = Sweep::load(std::path::Path::new(file)).expect("the bench's sweep file loads");
    assert_eq!(sweep.runs(), RUNS as u64);
    bencher
        .counter(ItemsCount::new(RUNS))
        .with_inputs(|| tempfile::tempdir().expect("a temporary folder"))
        .bench_values(|dir| {
            let opts = Options {
                out: dir.path().to_path_buf(),
                jobs: Some(jobs),
                shard: Shard::ALL,
            };
            let outcome = sweep::execute(&sweep, &opts, &Reporter::Hidden).expect("the sweep runs");
            assert_eq!(outcome.done, RUNS as u64);
            dir
        });
}
