//! Runs inline scenarios through the library.

use aksim::Outputs;

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
pub fn run(toml: &str) -> Outputs {
    run_loaded(load(toml))
}

/// Runs a loaded scenario, checks the cluster's invariants, and returns the finished run.
pub fn run_loaded(loaded: aksim::Loaded) -> Outputs {
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
pub fn events(sim: &Outputs, kind: &str) -> Vec<serde_json::Value> {
    sim.world
        .log
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

/// A seeded generator for the harnesses (`swarm`, `fuzz`): SplitMix64, the same draws on every
/// platform and independent of any library's stream.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A draw from `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        self.next_u64() % n
    }

    /// A draw from `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

thread_local! {
    /// Set while `catch` runs on this thread: its panics are recorded, not printed.
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static CAUGHT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f`, turning a panic into `Err` with its message, its location and aksim's frames of
/// the backtrace. Other threads' panics (tests running beside a campaign) print as usual.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(|c| c.get()) {
                return previous(info);
            }
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a panic without a message)".into());
            let at = info
                .location()
                .map_or("an unknown place".into(), |l| l.to_string());
            let trace = std::backtrace::Backtrace::force_capture().to_string();
            // aksim's own frames, each with its `at` line, are what triage needs.
            let mut frames = String::new();
            let mut keep = false;
            for line in trace.lines() {
                let t = line.trim_start();
                if t.starts_with("at ") {
                    if keep {
                        frames.push_str(&format!("\n      {t}"));
                    }
                } else {
                    keep = t.contains("aksim::");
                    if keep {
                        frames.push_str(&format!("\n    {t}"));
                    }
                }
            }
            CAUGHT.with(|c| *c.borrow_mut() = Some(format!("panic at {at}: {message}{frames}")));
        }));
    });
    let was = CATCHING.with(|c| c.replace(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(was));
    out.map_err(|_| {
        CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| "a panic".into())
    })
}

/// A campaign's numeric setting from the environment (`AKSIM_SWARM_CASES`, …), if set.
pub fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
    })
}
