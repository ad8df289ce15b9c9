//! Mutation fuzzing of scenario text, in process: the bundled scenarios and swarm-generated
//! ones are mutated (bytes flipped; lines deleted, duplicated, swapped, truncated; numbers,
//! strings and durations replaced with boundary values; tables duplicated; keys moved between
//! tables or injected; `[[event]]`s and `--set` overrides with random fields) and loaded.
//! The properties: loading refuses with a message that names the file, and the line of every
//! error that points into it, or accepts; an accepted scenario runs (its duration capped so
//! that no run can take a machine's memory) to its end without a panic, within 10 s of wall
//! time, keeps the cluster's invariants and renders its outputs.
//!
//! `ci` runs a fixed slice; `many` (ignored) runs `AKSIM_FUZZ_INPUTS` inputs from seed
//! `AKSIM_FUZZ_SEED`; `one` (ignored) reruns the input of `AKSIM_FUZZ_SEED`. A failing input
//! is written with the files it reads to a folder under the system's temporary directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aksim::engine::SimDuration;
use aksim::scenario::Action;

use crate::support::{Rng, catch, env_u64};

/// Inputs `ci` runs: about 5 s of a debug build.
const CI_INPUTS: u64 = 100;
/// Runs are cut to one simulated day: a mutated duration must not make a run as long as a
/// year of small samples.
const RUN_CAP: SimDuration = SimDuration(24 * 3_600_000);
/// Events a fuzzed run may take: far more than a capped run of a small cluster needs.
const MAX_EVENTS: u64 = 3_000_000;
/// Wall time an input may take, loading and running: 10 s in release; a debug build is some
/// ten times slower.
const WALL_LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 100 } else { 10 });
/// A scenario that can reach more pods is noted and not run (another guard belongs in
/// validation); a debug build, as CI runs it, keeps to small runs.
const MAX_RUN_PODS: u64 = if cfg!(debug_assertions) {
    5_000
} else {
    200_000
};
/// Timeseries rows a validated scenario may ask for (uncapped) before it is noted as one a
/// validation-time guard should weigh.
const LARGE_SAMPLE_ROWS: u64 = 2_000_000;

/// A scenario to mutate and the CSV files it reads beside it.
struct Seedling {
    name: String,
    text: String,
    files: Vec<(String, String)>,
}

/// The bundled scenarios, sorted by name (their CSVs stay in `traces/`, copied beside).
fn bundled() -> Vec<Seedling> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out: Vec<Seedling> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| Seedling {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&p).expect("a bundled scenario"),
            files: Vec::new(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// One fuzz input: mutated text (bytes: a flip may break UTF-8), `--set` arguments, files.
struct Input {
    seed: u64,
    from: String,
    text: Vec<u8>,
    sets: Vec<String>,
    files: Vec<(String, String)>,
}

const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "-0",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "1e308",
    "-1e308",
    "1e-308",
    "5e-324",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "0.0",
    "0.5",
    "1e3",
    "999999999999",
    "0x10",
    "0o7",
    "0b1",
    "1_000",
    "3.",
    ".5",
    "1e",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "true",
];

const STRINGS: &[&str] = &[
    "",
    " ",
    "0s",
    "0",
    "-1s",
    "1ms",
    "1ns",
    "0.4ms",
    "1000000d",
    "366d",
    "367d",
    "8784h",
    "99999999999999999999s",
    "18446744073709551616ms",
    "1e308h",
    "nan",
    "inf",
    "NaN",
    "1.5h",
    "1h1h",
    "\\u0000",
    "\\t",
    "\\n",
    "\\u007f",
    "\\r\\n",
    "é",
    "日本語",
    "\u{202e}rtl",
    "🚀",
    "a\\\"b",
    "../../etc/hosts",
    "/dev/zero",
    ".",
    "%s%n",
    "{}",
    "\\\\",
    "Standard_D4s_v5",
    "Standard_D2s_v5",
    "Standard_D64s_v5",
    "windows",
    "linux",
    "spot",
    "system",
    "1",
    "4",
    "/8",
    "/29",
    "/30",
    "10.0.0.0/33",
    "0.0.0.0/8",
    "256.1.1.1/16",
    "*",
    ".*",
    "^$",
    "(",
    "os=windows:NoSchedule",
    ":",
    "=:NoExecute",
    "kubernetes.io/os",
    "2026-02-30T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00+23:59",
    "1.99",
    "v1.33",
    "1.",
    "50%",
    "150%",
    "-5%",
    "%",
    "0m",
    "1000000",
    "1Ei",
    "1e18",
    "0.0001",
    "16Ti",
    "17Ti",
    "priority,priority",
    "random,least-waste,grpc",
];

const DURATIONS: &[&str] = &[
    "0s",
    "1ms",
    "1ns",
    "999us",
    "1s",
    "59s",
    "10m",
    "24h",
    "25h",
    "7d",
    "365d",
    "366d",
    "366d1ms",
    "8784h",
    "100000d",
    "1e3s",
    "9007199254740993ms",
    "18446744073709551615ms",
    "0.0000001s",
    "1.5",
    "1h-1m",
];

/// Keys by the table that takes them, for injection (phase one accepts them there).
const KEYS: &[(&str, &[&str])] = &[
    (
        "simulation",
        &[
            "name",
            "duration",
            "seed",
            "start",
            "sample_interval",
            "region",
            "max_events",
        ],
    ),
    (
        "network",
        &["plugin", "subnet_cidr", "subnet_size", "pod_cidr"],
    ),
    (
        "cluster",
        &[
            "kubernetes_version",
            "sku_tier",
            "tier_price_per_hour",
            "enable_ahub",
            "windows_memory_reservation",
            "default_daemonsets",
            "serialize_image_pulls",
            "not_ready_toleration_seconds",
        ],
    ),
    (
        "scheduler",
        &[
            "percentage_of_nodes_to_score",
            "pod_initial_backoff",
            "pod_max_backoff",
        ],
    ),
    ("output", &["event_log", "plots"]),
    (
        "autoscaler",
        &[
            "scan-interval",
            "expander",
            "balance-similar-node-groups",
            "scale-down-enabled",
            "scale-down-delay-after-add",
            "scale-down-unneeded-time",
            "scale-down-unready-time",
            "scale-down-utilization-threshold",
            "max-graceful-termination-sec",
            "max-node-provision-time",
            "max-empty-bulk-delete",
            "new-pod-scale-up-delay",
            "max-total-unready-percentage",
            "ok-total-unready-count",
            "max-nodes-total",
            "initial-node-group-backoff-duration",
            "max-node-group-backoff-duration",
            "expendable-pods-priority-cutoff",
            "max-drain-parallelism",
        ],
    ),
    (
        "node_pool",
        &[
            "name",
            "mode",
            "os_type",
            "os_sku",
            "vm_size",
            "zones",
            "count",
            "enable_auto_scaling",
            "min_count",
            "max_count",
            "max_pods",
            "node_taints",
            "node_labels",
            "priority",
            "spot_max_price",
            "provisioning_delay",
            "image_pull_throughput",
            "mtbf",
            "repair_time",
            "spot_eviction_rate",
        ],
    ),
    (
        "deployment",
        &[
            "name",
            "replicas",
            "os",
            "requests",
            "limits",
            "node_selector",
            "tolerations",
            "topology_spread",
            "image",
            "readiness_delay",
            "priority",
            "termination_grace_period_seconds",
            "shutdown_delay",
            "pdb",
            "safe_to_evict",
            "local_storage",
            "controller",
        ],
    ),
    (
        "deployment.load",
        &[
            "cpu_per_request",
            "baseline_cpu",
            "memory_per_request",
            "max_rps_per_pod",
            "profiles",
        ],
    ),
    (
        "deployment.hpa",
        &[
            "min_replicas",
            "max_replicas",
            "cpu_utilization",
            "metrics",
            "behavior",
        ],
    ),
    (
        "event",
        &[
            "at",
            "action",
            "deployment",
            "replicas",
            "pool",
            "count",
            "zone",
            "duration",
            "vm_size",
        ],
    ),
    (
        "pod_trace",
        &[
            "name",
            "path",
            "offset",
            "time_scale",
            "trace_start",
            "limit",
            "image",
        ],
    ),
    (
        "controller_manager",
        &[
            "horizontal-pod-autoscaler-sync-period",
            "horizontal-pod-autoscaler-tolerance",
            "horizontal-pod-autoscaler-downscale-stabilization",
        ],
    ),
    ("metrics_server", &["metric-resolution", "window"]),
    ("quota", &["standardDSv5Family", "standardFSv2Family"]),
];

/// Whole values of every TOML type, including the odd ones.
const VALUES: &[&str] = &[
    "[]",
    "[\"1\", \"2\", \"3\", \"4\"]",
    "[1, \"2\"]",
    "{}",
    "{ cpu = \"1\", memory = \"1Gi\" }",
    "{ distribution = \"lognormal\", median = \"0s\", p95 = \"0s\" }",
    "{ distribution = \"uniform\", min = \"24h\", max = \"24h1ms\" }",
    "[{ max_skew = 0 }]",
    "[{ kind = \"spikes\", rate_per_day = 1e9, duration = \"1s\", rps = 1 }]",
    "[{ kind = \"noise\", sigma = 10, interval = \"1s\" }]",
    "[{ kind = \"steps\", steps = [] }]",
    "[{ kind = \"ramp\", start = \"1h\", end = \"1h\", to_rps = 1 }]",
    "[{ kind = \"diurnal\", peak_rps = 1e9, trough_rps = 1e9, peak_hour = 23.999 }]",
    "[{ kind = \"csv\", path = \"traces/batch-jobs.csv\" }]",
    "[{ type = \"Pods\", pods = { metric = { name = \"\" }, target = { type = \"AverageValue\", average_value = \"0.001\" } } }]",
    "[{ type = \"External\", external = { metric = { name = \"q\" }, target = { type = \"Value\", value = \"1\" } } }]",
    "{ scale_up = { policies = [{ type = \"Percent\", value = 2147483647, period_seconds = 1 }] } }",
    "{ max_unavailable = \"100%\" }",
    "{ min_available = 0 }",
    "{ name = \"x\", size = \"0\" }",
    "{ name = \"x\", pull_time = \"366d\" }",
    "[{ operator = \"Exists\" }]",
    "[\"a=b:NoExecute\", \"c:PreferNoSchedule\"]",
    "\"\"\"multi\nline\"\"\"",
    "'literal \\ string'",
    "true",
    "false",
    "1979-05-27",
];

/// What the text holds that a mutation can aim at.
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// Byte ranges of digit runs (with dots) that start a token: numbers, also inside strings.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Byte ranges of the contents of basic strings (`"…"`) on one line.
fn string_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for (i, &c) in b.iter().enumerate() {
        match (c, open) {
            (b'\n', _) => open = None,
            (b'"', None) => open = Some(i + 1),
            (b'"', Some(s)) if b[i - 1] != b'\\' => {
                out.push((s, i));
                open = None;
            }
            _ => {}
        }
    }
    out
}

/// Line indexes of table headers, with the table's name.
fn headers(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim();
            t.starts_with('[').then(|| {
                (
                    i,
                    t.trim_matches(|c| c == '[' || c == ']').trim().to_string(),
                )
            })
        })
        .collect()
}

/// A char boundary at or before `i`.
fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Names written in the text (`name = "…"`), for events that hit something.
fn names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let rest = l
                .trim()
                .strip_prefix("name")?
                .trim_start()
                .strip_prefix('=')?;
            Some(rest.trim().trim_matches('"').to_string())
        })
        .collect()
}

fn value(r: &mut Rng, text: &str) -> String {
    match r.below(5) {
        0 => r.pick(NUMBERS).to_string(),
        1 => format!("\"{}\"", r.pick(STRINGS)),
        2 => format!("\"{}\"", r.pick(DURATIONS)),
        3 => r.pick(VALUES).to_string(),
        _ => {
            let names = names(text);
            if names.is_empty() {
                "\"system\"".into()
            } else {
                format!("\"{}\"", r.pick(&names))
            }
        }
    }
}

/// Values that stand in for each other: a mutation within a family keeps the file readable
/// and often valid, so that it reaches the run.
const FAMILIES: &[&[&str]] = &[
    &["linux", "windows"],
    &["system", "user"],
    &["spot", "regular"],
    &["azure", "azure-overlay", "kubenet"],
    &[
        "scale",
        "add_nodes",
        "remove_nodes",
        "zone_outage",
        "spot_eviction",
        "stock_out",
        "fail_nodes",
    ],
    &[
        "random",
        "most-pods",
        "least-waste",
        "least-nodes",
        "price",
        "priority",
    ],
    &["DoNotSchedule", "ScheduleAnyway"],
    &["NoSchedule", "PreferNoSchedule", "NoExecute"],
    &["Equal", "Exists"],
    &["Utilization", "AverageValue", "Value"],
    &["Resource", "Pods", "Object", "External"],
    &["Pods", "Percent"],
    &["Max", "Min", "Disabled"],
    &["fixed", "uniform", "lognormal"],
    &[
        "constant", "steps", "ramp", "diurnal", "spike", "spikes", "noise",
    ],
    &["linear", "step"],
    &["free", "standard", "premium"],
    &["regressive", "max-pods"],
    &["1", "2", "3"],
    &["cpu", "memory"],
    &[
        "Standard_D2s_v5",
        "Standard_D4s_v5",
        "Standard_D8s_v5",
        "Standard_D64s_v5",
        "Standard_E4s_v5",
        "Standard_D4as_v5",
        "Standard_F8s_v2",
    ],
];

/// A mutation that keeps the file readable: a nearby number, another value of the same
/// family, a flipped boolean, a key left out, a scaled duration, a copied array element.
fn nudge(r: &mut Rng, text: &mut String) {
    let lines = line_spans(text);
    match r.below(6) {
        0 => {
            let spans = number_spans(text);
            if !spans.is_empty() {
                let (a, b) = spans[r.below(spans.len() as u64) as usize];
                let n: f64 = text[a..b].parse().unwrap_or(1.0);
                let v = match r.below(4) {
                    0 => r.range(0, 30) as f64,
                    1 => n * 2.0,
                    2 => (n / 2.0).floor(),
                    _ => n * 1000.0,
                };
                text.replace_range(a..b, &format!("{v}"));
            }
        }
        1 => {
            let spans: Vec<(usize, usize, &[&str])> = string_spans(text)
                .into_iter()
                .filter_map(|(a, b)| {
                    let family = FAMILIES.iter().find(|f| f.contains(&&text[a..b]))?;
                    Some((a, b, *family))
                })
                .collect();
            if !spans.is_empty() {
                let (a, b, family) = spans[r.below(spans.len() as u64) as usize];
                let v = *r.pick(family);
                text.replace_range(a..b, v);
            }
        }
        2 => {
            let flips: Vec<usize> = text.match_indices("true").map(|(i, _)| i).collect();
            let offs: Vec<usize> = text.match_indices("false").map(|(i, _)| i).collect();
            if !flips.is_empty() && r.percent(50) {
                let i = *r.pick(&flips);
                text.replace_range(i..i + 4, "false");
            } else if !offs.is_empty() {
                let i = *r.pick(&offs);
                text.replace_range(i..i + 5, "true");
            }
        }
        3 => {
            let keyed: Vec<(usize, usize)> = lines
                .iter()
                .copied()
                .filter(|&(a, b)| {
                    let l = text[a..b].trim_start();
                    !l.starts_with('[') && l.contains('=')
                })
                .collect();
            if !keyed.is_empty() {
                let (a, b) = keyed[r.below(keyed.len() as u64) as usize];
                text.replace_range(a..b, "");
            }
        }
        4 => {
            let spans: Vec<(usize, usize)> = string_spans(text)
                .into_iter()
                .filter(|&(a, b)| aksim::engine::time::parse_duration(&text[a..b]).is_ok())
                .collect();
            if !spans.is_empty() {
                let (a, b) = spans[r.below(spans.len() as u64) as usize];
                let ms = aksim::engine::time::parse_duration(&text[a..b])
                    .unwrap()
                    .as_ms();
                let v = match r.below(4) {
                    0 => ms / 2,
                    1 => ms * 2,
                    2 => ms * 10,
                    _ => r.range(0, 3600) * 1000,
                };
                text.replace_range(a..b, &format!("{v}ms"));
            }
        }
        _ => {
            // An array element ([[node_pool]], [[deployment]], [[event]]…) once more, renamed.
            let hs: Vec<(usize, String)> = headers(text)
                .into_iter()
                .filter(|(i, _)| {
                    text.lines()
                        .nth(*i)
                        .is_some_and(|l| l.trim().starts_with("[["))
                })
                .collect();
            if !hs.is_empty() {
                let all = headers(text);
                let k = r.below(hs.len() as u64) as usize;
                let from = hs[k].0;
                let to = all
                    .iter()
                    .map(|h| h.0)
                    .find(|&i| {
                        i > from
                            && !text
                                .lines()
                                .nth(i)
                                .unwrap()
                                .trim()
                                .starts_with(&format!("[{}.", hs[k].1))
                    })
                    .unwrap_or(lines.len());
                let mut block = String::from("\n");
                for l in text.lines().skip(from).take(to - from) {
                    match l.trim().strip_prefix("name = \"") {
                        Some(rest) => {
                            block += &format!("name = \"{}{}\n", r.pick(&["x", "2", "z9"]), rest)
                        }
                        None => block += l,
                    }
                    if !l.trim().starts_with("name = \"") {
                        block.push('\n');
                    }
                }
                text.push_str(&block);
            }
        }
    }
}

/// One mutation of `text`.
fn mutate(r: &mut Rng, text: &mut String, donor: &str) {
    let lines = line_spans(text);
    let line = |r: &mut Rng| -> Option<(usize, usize)> {
        (!lines.is_empty()).then(|| lines[r.below(lines.len() as u64) as usize])
    };
    match r.below(15) {
        0 => {
            if let Some((a, b)) = line(r) {
                text.replace_range(a..b, "");
            }
        }
        1 => {
            if let Some((a, b)) = line(r) {
                let copy = text[a..b].to_string();
                text.insert_str(b, &copy);
            }
        }
        2 => {
            if let (Some(x), Some(y)) = (line(r), line(r)) {
                let (x, y) = if x.0 <= y.0 { (x, y) } else { (y, x) };
                if x.1 <= y.0 {
                    let (lx, ly) = (text[x.0..x.1].to_string(), text[y.0..y.1].to_string());
                    text.replace_range(y.0..y.1, &lx);
                    text.replace_range(x.0..x.1, &ly);
                }
            }
        }
        3 => {
            let spans = number_spans(text);
            if !spans.is_empty() {
                let (a, b) = spans[r.below(spans.len() as u64) as usize];
                let n = *r.pick(NUMBERS);
                text.replace_range(a..b, n);
            }
        }
        4 => {
            let spans = string_spans(text);
            if !spans.is_empty() {
                let (a, b) = spans[r.below(spans.len() as u64) as usize];
                let s = match r.below(8) {
                    0 => "x".repeat(r.range(200, 20_000) as usize),
                    1 => "\u{1}".to_string(),
                    _ => r.pick(STRINGS).to_string(),
                };
                text.replace_range(a..b, &s);
            }
        }
        5 => {
            // A duration: a string that starts with a digit and ends with a unit.
            let spans: Vec<(usize, usize)> = string_spans(text)
                .into_iter()
                .filter(|&(a, b)| {
                    let s = &text[a..b];
                    s.starts_with(|c: char| c.is_ascii_digit()) && s.ends_with(['s', 'm', 'h', 'd'])
                })
                .collect();
            if !spans.is_empty() {
                let (a, b) = spans[r.below(spans.len() as u64) as usize];
                let s = if r.percent(50) {
                    r.pick(DURATIONS).to_string()
                } else {
                    // Scaled by a power of ten: a long run, or a short one.
                    let (digits, unit): (String, String) =
                        text[a..b].chars().partition(|c| c.is_ascii_digit());
                    format!("{digits}{}{unit}", "0".repeat(r.range(1, 6) as usize))
                };
                text.replace_range(a..b, &s);
            }
        }
        6 => {
            // A table with its keys, once more.
            let hs = headers(text);
            if !hs.is_empty() {
                let k = r.below(hs.len() as u64) as usize;
                let (from, to) = (hs[k].0, hs.get(k + 1).map_or(lines.len(), |h| h.0));
                let block: String =
                    text.lines()
                        .skip(from)
                        .take(to - from)
                        .fold(String::new(), |mut s, l| {
                            s.push_str(l);
                            s.push('\n');
                            s
                        });
                text.push('\n');
                text.push_str(&block);
            }
        }
        7 => {
            // A key moved under another table's header.
            let hs = headers(text);
            let keyed: Vec<(usize, usize)> = lines
                .iter()
                .copied()
                .filter(|&(a, b)| {
                    let l = text[a..b].trim_start();
                    !l.starts_with('[') && !l.starts_with('#') && l.contains('=')
                })
                .collect();
            if !hs.is_empty() && !keyed.is_empty() {
                let (a, b) = keyed[r.below(keyed.len() as u64) as usize];
                let moved = text[a..b].trim_end().to_string();
                text.replace_range(a..b, "");
                let h = hs[r.below(hs.len() as u64) as usize].0;
                let at = line_spans(text).get(h).map_or(text.len(), |l| l.1);
                text.insert_str(at, &format!("{moved}\n"));
            }
        }
        8 => {
            // An event with random fields, some of them right.
            let mut e = String::from("\n[[event]]\n");
            if r.percent(90) {
                e += &format!("at = \"{}\"\n", r.pick(DURATIONS));
            }
            if r.percent(90) {
                e += &format!(
                    "action = \"{}\"\n",
                    r.pick(&[
                        "scale",
                        "add_nodes",
                        "remove_nodes",
                        "zone_outage",
                        "spot_eviction",
                        "stock_out",
                        "fail_nodes",
                        "explode",
                    ])
                );
            }
            for field in aksim::scenario::EVENT_FIELDS {
                if r.percent(35) {
                    e += &format!("{field} = {}\n", value(r, text));
                }
            }
            text.push_str(&e);
        }
        9 => {
            // A key its table takes, with a random value, right under a header.
            let hs = headers(text);
            if !hs.is_empty() {
                let (h, table) = hs[r.below(hs.len() as u64) as usize].clone();
                let keys = KEYS
                    .iter()
                    .find(|(t, _)| *t == table)
                    .map_or(KEYS[r.below(KEYS.len() as u64) as usize].1, |(_, k)| *k);
                let k = r.pick(keys);
                let v = value(r, text);
                let at = lines.get(h).map_or(text.len(), |l| l.1);
                text.insert_str(at, &format!("{k} = {v}\n"));
            }
        }
        10 => {
            let at = boundary(text, r.below(text.len() as u64 + 1) as usize);
            text.truncate(at);
        }
        11 => {
            let junk = *r.pick(&[
                "[",
                "]]",
                "=",
                "\"",
                "\"\"\"",
                "'''",
                "{",
                "}",
                "#",
                "\\",
                "\n",
                "\r",
                "\t",
                ",",
                "[[node_pool]]\n",
                "[simulation]\n",
                "\u{feff}",
                "\u{0}",
                "[a.b.c]\n",
            ]);
            let junk = if r.percent(3) {
                // Deep nesting: the reader must refuse it, not overflow its stack.
                "a = ".to_string() + &"[".repeat(r.range(100, 100_000) as usize)
            } else {
                junk.to_string()
            };
            let at = boundary(text, r.below(text.len() as u64 + 1) as usize);
            text.insert_str(at, &junk);
        }
        12 => {
            // Lines of another scenario.
            let d = line_spans(donor);
            if !d.is_empty() {
                let i = r.below(d.len() as u64) as usize;
                let j = (i + r.range(1, 12) as usize).min(d.len());
                let piece = donor[d[i].0..d[j - 1].1].to_string();
                let at = line(r).map_or(text.len(), |l| l.0);
                text.insert_str(at, &piece);
            }
        }
        13 => {
            // A value replaced whole.
            if let Some((a, b)) = line(r)
                && let Some(eq) = text[a..b].find('=')
            {
                let v = value(r, text);
                let end = if text[a..b].ends_with('\n') { b - 1 } else { b };
                text.replace_range(a + eq + 1..end, &format!(" {v}"));
            }
        }
        _ => {
            // A line commented out, or a comment opened mid-line.
            if let Some((a, b)) = line(r) {
                let at = boundary(text, a + r.below((b - a) as u64 + 1) as usize);
                text.insert(at, '#');
            }
        }
    }
}

/// The `--set` paths of the keys written in `text`: `simulation.seed`,
/// `node_pool.1.max_count`, `deployment.web.load.baseline_cpu`, … (an array's element by
/// its position, or by its name when the name comes first).
fn key_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // The table keys go to, and the last array element (array, element) for sub-tables.
    let mut table = String::new();
    let mut last: Option<(String, String)> = None;
    let mut in_element = false;
    let mut counts: Vec<(String, usize)> = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if let Some(h) = l.strip_prefix("[[").and_then(|h| h.strip_suffix("]]")) {
            let n = match counts.iter_mut().find(|(t, _)| t == h) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((h.to_string(), 0));
                    0
                }
            };
            last = Some((h.to_string(), n.to_string()));
            table = format!("{h}.{n}");
            in_element = true;
        } else if let Some(h) = l.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            in_element = false;
            table = match (h.split_once('.'), &last) {
                (Some((parent, rest)), Some((array, e))) if parent == array => {
                    format!("{parent}.{e}.{rest}")
                }
                _ => h.to_string(),
            };
        } else if let Some((k, v)) = l.split_once('=') {
            let k = k.trim();
            if k.is_empty() || k.starts_with('#') {
                continue;
            }
            out.push(format!("{table}.{k}"));
            if k == "name"
                && in_element
                && let Some((array, e)) = &mut last
            {
                // From here on the element can be named.
                *e = v.trim().trim_matches('"').to_string();
                table = format!("{array}.{e}");
            }
        }
    }
    out
}

/// `--set` arguments: mostly keys the file has, with odd values; sometimes odd keys.
fn sets(r: &mut Rng, text: &str) -> Vec<String> {
    let paths = key_paths(text);
    let mut out = Vec::new();
    for _ in 0..r.range(1, 2) {
        let key = if !paths.is_empty() && r.percent(75) {
            r.pick(&paths).clone()
        } else {
            r.pick(&[
                "",
                "=",
                "a..b",
                "node_pool.99.name",
                "event.0.at",
                "x.y.z",
                "simulation",
                "simulation.duration.x",
                "autoscaler.expander",
                "quota.standardDSv5Family",
                "deployment.0.hpa.max_replicas",
            ])
            .to_string()
        };
        let value = match r.below(4) {
            0 => r.pick(NUMBERS).to_string(),
            1 => r.pick(DURATIONS).to_string(),
            2 => r.pick(VALUES).to_string(),
            _ => r.pick(STRINGS).to_string(),
        };
        out.push(format!("{key}={value}"));
    }
    out
}

/// The input of `seed`: a scenario from the corpus with 1–4 mutations.
fn input(seed: u64, corpus: &[Seedling]) -> Input {
    let mut r = Rng::new(seed);
    let base = if r.percent(40) {
        let s = &corpus[r.below(corpus.len() as u64) as usize];
        Seedling {
            name: s.name.clone(),
            text: s.text.clone(),
            files: s.files.clone(),
        }
    } else {
        let case = crate::swarm::generate(r.below(1_000_000));
        Seedling {
            name: format!("swarm case {}", case.seed),
            text: case.toml,
            files: case.files,
        }
    };
    let donor = &corpus[r.below(corpus.len() as u64) as usize].text;
    let mut text = base.text;
    // Mostly one mutation, so that many inputs still validate and run.
    let mutations = match r.below(20) {
        0..=11 => 1,
        12..=16 => 2,
        _ => r.range(3, 6),
    };
    for _ in 0..mutations {
        if r.percent(65) {
            nudge(&mut r, &mut text);
        } else {
            mutate(&mut r, &mut text, donor);
        }
    }
    let mut bytes = text.into_bytes();
    if r.percent(5) && !bytes.is_empty() {
        for _ in 0..r.range(1, 4) {
            let i = r.below(bytes.len() as u64) as usize;
            bytes[i] ^= 1 << r.below(8);
        }
    }
    let sets = if r.percent(25) {
        sets(&mut r, std::str::from_utf8(&bytes).unwrap_or(""))
    } else {
        Vec::new()
    };
    Input {
        seed,
        from: base.name,
        text: bytes,
        sets,
        files: base.files,
    }
}

/// What an input did.
enum Outcome {
    Refused,
    Ran,
    /// Valid, and noted rather than run (too large for a fuzzer), or stopped by the event cap.
    Noted(String),
}

/// A refusal names the file, and the line of each error that points into it.
fn check_refusal(file: &str, text: &str, e: &aksim::ScenarioError) -> Result<(), String> {
    let shown = e.to_string();
    if e.errors().count() == 0 {
        return Err(format!("refused without an error:\n{shown}"));
    }
    if !shown.contains(file) {
        return Err(format!("the message does not name {file}:\n{shown}"));
    }
    let lines = text.lines().count() + 1;
    let spanned = e.errors().filter(|d| d.span.is_some()).count();
    let prefix = format!("error: {file}:");
    let mut located = 0;
    for l in shown.lines() {
        if let Some(rest) = l.strip_prefix(&prefix) {
            let mut parts = rest.splitn(3, ':');
            let line = parts.next().and_then(|x| x.parse::<usize>().ok());
            let column = parts.next().and_then(|x| x.parse::<usize>().ok());
            match (line, column) {
                (Some(n), Some(c)) if (1..=lines).contains(&n) && c >= 1 => located += 1,
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "an error at a line the file does not have ({lines} lines): {l}"
                    ));
                }
                _ => {}
            }
        } else if l.starts_with("error: --set ") {
            located += 1;
        }
    }
    if located < spanned {
        return Err(format!(
            "{spanned} errors point into the file but {located} name a line:\n{shown}"
        ));
    }
    Ok(())
}

/// Loads and, if valid, runs one input in `dir`. `Err` is a failure to investigate.
fn run_input(input: &Input, dir: &Path) -> Result<Outcome, String> {
    for (name, text) in &input.files {
        std::fs::write(dir.join(name), text).map_err(|e| e.to_string())?;
    }
    let path = dir.join("fuzz.toml");
    let file = path.display().to_string();
    let clock = Instant::now();
    let loaded = match std::str::from_utf8(&input.text) {
        Ok(text) => aksim::load_str(&file, text, &input.sets),
        Err(_) => {
            std::fs::write(&path, &input.text).map_err(|e| e.to_string())?;
            match aksim::load_file(&path, &input.sets) {
                Ok(_) => return Err("text that is not UTF-8 was accepted".into()),
                Err(e) => {
                    let shown = e.to_string();
                    return if shown.contains(&file) && shown.contains("not UTF-8") {
                        Ok(Outcome::Refused)
                    } else {
                        Err(format!("not UTF-8, refused with:\n{shown}"))
                    };
                }
            }
        }
    };
    let loaded = match loaded {
        Ok(x) => x,
        Err(e) => {
            let text = std::str::from_utf8(&input.text).unwrap_or("");
            check_refusal(&file, text, &e)?;
            if clock.elapsed() > WALL_LIMIT {
                return Err(format!(
                    "loading took {:.1} s",
                    clock.elapsed().as_secs_f64()
                ));
            }
            return Ok(Outcome::Refused);
        }
    };
    let mut sc = loaded.scenario;

    // What the scenario asks of memory, uncapped: noted for the validation-time guard.
    let rows_per_sample: u64 = sc
        .pools
        .iter()
        .map(|p| p.zones.len().max(1) as u64)
        .sum::<u64>()
        + 1;
    let samples = sc.simulation.duration.as_ms() / sc.simulation.sample_interval.as_ms() + 1;
    let pods: u64 = sc
        .deployments
        .iter()
        .map(|d| u64::from(d.replicas.max(d.hpa.as_ref().map_or(0, |h| h.max_replicas))))
        .sum::<u64>()
        + sc.actions
            .iter()
            .filter_map(|a| match a.action {
                Action::Scale { replicas, .. } => Some(u64::from(replicas)),
                _ => None,
            })
            .max()
            .unwrap_or(0)
        + sc.traces
            .iter()
            .map(|t| t.trace.pods.len() as u64)
            .sum::<u64>();
    if pods > MAX_RUN_PODS {
        return Ok(Outcome::Noted(format!("up to {pods} pods: not run")));
    }
    let mut note = None;
    if samples.saturating_mul(rows_per_sample) > LARGE_SAMPLE_ROWS {
        note = Some(format!(
            "{samples} samples × {rows_per_sample} rows over {} (run capped to {RUN_CAP})",
            sc.simulation.duration
        ));
    }
    sc.simulation.duration = sc.simulation.duration.min(RUN_CAP);
    sc.simulation.max_events = sc.simulation.max_events.min(MAX_EVENTS);
    // PNGs cost more than the rest of a run; the charts are still drawn as SVG.
    sc.output.plots = sc.output.plots && input.seed.is_multiple_of(16);

    let mut sim = aksim::Sim::new(sc);
    let ran = sim.run_observed(&mut |_, _| {}, &mut |_, t| {
        if clock.elapsed() > WALL_LIMIT {
            Err(format!(
                "still running at {} after {WALL_LIMIT:?}",
                t.clock()
            ))
        } else {
            Ok(())
        }
    });
    match ran {
        Ok(()) => {}
        Err(aksim::SimError::EventLimit { limit, clock, .. }) => {
            return Ok(Outcome::Noted(format!(
                "stopped at its event limit ({limit}, at most {MAX_EVENTS} here) at {clock}"
            )));
        }
        Err(e) => return Err(format!("the run failed: {e}")),
    }
    sim.check_invariants();
    aksim::report::render(&sim.finish()).map_err(|e| format!("rendering failed: {e}"))?;
    if clock.elapsed() > WALL_LIMIT {
        return Err(format!("took {:.1} s", clock.elapsed().as_secs_f64()));
    }
    Ok(note.map_or(Outcome::Ran, Outcome::Noted))
}

/// A folder with the bundled traces, where inputs are loaded.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    let traces = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces");
    std::fs::create_dir_all(dir.path().join("traces")).unwrap();
    for e in std::fs::read_dir(traces).expect("scenarios/traces") {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join("traces").join(p.file_name().unwrap())).unwrap();
    }
    dir
}

/// Writes a failing input, with every file it reads, to a folder of the temporary directory.
fn save(input: &Input, work: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aksim-fuzz-{}", input.seed));
    std::fs::create_dir_all(dir.join("traces")).expect("temporary folder");
    for e in std::fs::read_dir(work.join("traces")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join("traces").join(p.file_name().unwrap())).unwrap();
    }
    for (name, text) in &input.files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let path = dir.join("scenario.toml");
    std::fs::write(&path, &input.text).unwrap();
    path
}

/// Runs `inputs` seeds from `start`, printing each failure as it happens and every distinct
/// one at the end.
fn campaign(start: u64, inputs: u64, progress: bool) {
    let corpus = bundled();
    let work = workdir();
    let marker = std::env::temp_dir().join("aksim-fuzz-current");
    let clock = Instant::now();
    let (mut refused, mut ran, mut noted) = (0u64, 0u64, 0u64);
    let mut failures: Vec<(u64, String)> = Vec::new();
    let mut notes: Vec<(u64, String)> = Vec::new();
    for seed in start..start + inputs {
        if progress {
            // An abort leaves no message: this file says which input it was.
            let _ = std::fs::write(&marker, seed.to_string());
        }
        let input = input(seed, &corpus);
        match catch(|| run_input(&input, work.path())).and_then(|r| r) {
            Ok(Outcome::Refused) => refused += 1,
            Ok(Outcome::Ran) => ran += 1,
            Ok(Outcome::Noted(n)) => {
                noted += 1;
                if progress && notes.len() < 50 {
                    let path = save(&input, work.path());
                    eprintln!(
                        "fuzz input {seed} noted: {n}\n  scenario: {}",
                        path.display()
                    );
                }
                notes.push((seed, n));
            }
            Err(e) => {
                let path = save(&input, work.path());
                let sets: String = input.sets.iter().map(|s| format!(" --set '{s}'")).collect();
                eprintln!(
                    "fuzz input {seed} (from {}) failed: {e}\n  scenario: {}{}\n  reproduce: AKSIM_FUZZ_SEED={seed} cargo test --release --test it fuzz::one -- --ignored --nocapture\n",
                    input.from,
                    path.display(),
                    if sets.is_empty() {
                        String::new()
                    } else {
                        format!("\n  with{sets}")
                    },
                );
                failures.push((seed, e));
            }
        }
        let done = seed - start + 1;
        if progress && done.is_multiple_of(10_000) {
            eprintln!(
                "fuzz: {done} of {inputs} inputs ({refused} refused, {ran} ran, {noted} noted), {} failed, {:.0} s",
                failures.len(),
                clock.elapsed().as_secs_f64()
            );
        }
    }
    let secs = clock.elapsed().as_secs_f64();
    eprintln!(
        "fuzz: {inputs} inputs from seed {start} in {secs:.1} s ({:.0} inputs/s): {refused} refused, {ran} ran, {noted} noted, {} failed",
        inputs as f64 / secs,
        failures.len()
    );
    // Failures grouped by their first line (a panic's place and message).
    let mut distinct: Vec<(String, Vec<u64>)> = Vec::new();
    for (seed, e) in &failures {
        let head = e.lines().next().unwrap_or_default().to_string();
        match distinct.iter_mut().find(|(h, _)| *h == head) {
            Some((_, seeds)) => seeds.push(*seed),
            None => distinct.push((head, vec![*seed])),
        }
    }
    for (head, seeds) in &distinct {
        eprintln!(
            "  {} × {head} (seeds {:?})",
            seeds.len(),
            &seeds[..seeds.len().min(10)]
        );
    }
    // Both paths must be exercised: a generator that only made refusals, or only accepted
    // inputs, would pass the property while testing half of it.
    assert!(
        ran > 0 && refused > 0,
        "{ran} inputs ran and {refused} were refused of {inputs}"
    );
    assert!(
        failures.is_empty(),
        "{} failing fuzz inputs, {} distinct (each printed above)",
        failures.len(),
        distinct.len()
    );
}

#[test]
fn ci() {
    campaign(0, CI_INPUTS, false);
}

/// `AKSIM_FUZZ_INPUTS` inputs (100,000) from seed `AKSIM_FUZZ_SEED` (0).
#[test]
#[ignore = "a long campaign: cargo test --release --test it fuzz -- --ignored --nocapture"]
fn many() {
    let start = env_u64("AKSIM_FUZZ_SEED").unwrap_or(0);
    let inputs = env_u64("AKSIM_FUZZ_INPUTS").unwrap_or(100_000);
    campaign(start, inputs, true);
}

/// Reruns the input of `AKSIM_FUZZ_SEED` and says where it is.
#[test]
#[ignore = "reruns one input: AKSIM_FUZZ_SEED=N cargo test --release --test it fuzz::one -- --ignored --nocapture"]
fn one() {
    // Unset when `--ignored` runs every campaign: nothing to rerun then.
    let Some(seed) = env_u64("AKSIM_FUZZ_SEED") else {
        eprintln!("fuzz::one: set AKSIM_FUZZ_SEED to the seed to rerun");
        return;
    };
    let corpus = bundled();
    let input = input(seed, &corpus);
    let work = workdir();
    eprintln!(
        "fuzz input {seed} (from {}): {}{}",
        input.from,
        save(&input, work.path()).display(),
        input
            .sets
            .iter()
            .map(|s| format!(" --set '{s}'"))
            .collect::<String>()
    );
    campaign(seed, 1, false);
}

#[test]
fn key_paths_name_elements_by_position_then_by_name() {
    let text = "[simulation]\nseed = 1\n[[node_pool]]\nvm_size = \"x\"\nname = \"a\"\ncount = 1\n\
                [[deployment]]\nname = \"web\"\n[deployment.load]\nbaseline_cpu = \"1m\"\n\
                [deployment.hpa]\nmax_replicas = 3\n[[deployment]]\nreplicas = 2\n";
    assert_eq!(
        key_paths(text),
        [
            "simulation.seed",
            "node_pool.0.vm_size",
            "node_pool.0.name",
            "node_pool.a.count",
            "deployment.0.name",
            "deployment.web.load.baseline_cpu",
            "deployment.web.hpa.max_replicas",
            "deployment.1.replicas",
        ]
    );
}

// The refusal check fails on a message that loses the file or a line.
#[test]
fn a_refusal_must_name_the_file_and_the_line() {
    let text = "[simulation]\nname = \"x\"\nduration = \"-1h\"\n";
    let e = aksim::load_str("f.toml", text, &[]).unwrap_err();
    assert_eq!(check_refusal("f.toml", text, &e), Ok(()));
    assert!(check_refusal("g.toml", text, &e).is_err());
    // Counted against a one-line file, line 3 does not exist.
    assert!(check_refusal("f.toml", "x", &e).is_err());
}
