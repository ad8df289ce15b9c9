//! Swarm testing: a seeded generator of random but valid scenarios over most of what a
//! scenario can say — pools of both OSes with zones, autoscaling, spot, faults, labels and
//! taints; the three network plugins and subnet sizes; quotas; the autoscaler's profile;
//! deployments with requests, selectors, tolerations, spreading, images, budgets, loads and
//! HPAs; pod traces in both CSV layouts; every kind of `[[event]]` — each run to its end with
//! the model's invariants checked after every instant (`Watch`).
//!
//! `ci` runs a fixed slice of seeds; `many` (ignored) runs `AKSIM_SWARM_CASES` cases from
//! `AKSIM_SWARM_START`, keeps going after a failure and lists every failing seed at the end;
//! `one` (ignored) reruns `AKSIM_SWARM_SEED`. A failure prints its seed, the command that
//! reproduces it and the path of its scenario, written with its CSV files to a folder under
//! the system's temporary directory (so `aksim run` reproduces it too).

use std::time::Instant;

use aksim::cluster::{ClassId, Cluster, NodeState, PodPhase, ZONES};
use aksim::engine::{SimDuration, SimTime};
use aksim::observe::cost::micro_per_hour;
use aksim::{Outputs, Sim};

use crate::support::{Rng, catch, env_u64};

/// Cases `ci` runs: about 15 s of a debug build on one core.
const CI_CASES: u64 = 40;

const SEC: u64 = 1000;
const MIN: u64 = 60 * SEC;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;

/// One generated scenario and the CSV files it reads beside it.
pub struct Case {
    pub seed: u64,
    pub toml: String,
    pub files: Vec<(String, String)>,
}

/// What the generator remembers of a pool to write deployments and events that fit it.
struct Pool {
    name: String,
    windows: bool,
    system: bool,
    autoscaled: bool,
    spot: bool,
    count: u32,
    vm_size: String,
    max_pods: u32,
}

/// VM sizes with their quota family and vCPUs (the built-in catalogue's).
const SIZES: &[(&str, &str, u64)] = &[
    ("Standard_D2s_v5", "standardDSv5Family", 2),
    ("Standard_D4s_v5", "standardDSv5Family", 4),
    ("Standard_D8s_v5", "standardDSv5Family", 8),
    ("Standard_D16s_v5", "standardDSv5Family", 16),
    ("Standard_D4ds_v5", "standardDDSv5Family", 4),
    ("Standard_D4as_v5", "standardDASv5Family", 4),
    ("Standard_D8as_v5", "standardDASv5Family", 8),
    ("Standard_E4s_v5", "standardESv5Family", 4),
    ("Standard_E8as_v5", "standardEASv5Family", 8),
    ("Standard_F4s_v2", "standardFSv2Family", 4),
    ("Standard_F8s_v2", "standardFSv2Family", 8),
];

/// A `[[sku]]` the generator may add: not in the catalogue.
const CUSTOM_SKU: (&str, &str, u64) = ("Custom_Q8", "customQFamily", 8);

/// A duration of `ms` written in one of the forms the parser takes.
fn dur(r: &mut Rng, ms: u64) -> String {
    if ms == 0 {
        return r.pick(&["0s", "0", "0ms"]).to_string();
    }
    if ms.is_multiple_of(DAY) && r.percent(50) {
        return format!("{}d", ms / DAY);
    }
    if !ms.is_multiple_of(SEC) {
        return format!("{ms}ms");
    }
    let s = ms / SEC;
    match r.below(4) {
        0 => format!("{s}s"),
        1 if s.is_multiple_of(60) => format!("{}m", s / 60),
        2 if s.is_multiple_of(360) => format!("{}h", s as f64 / 3600.0),
        _ => {
            let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
            let mut out = String::new();
            if h > 0 {
                out += &format!("{h}h");
            }
            if m > 0 {
                out += &format!("{m}m");
            }
            if sec > 0 || out.is_empty() {
                out += &format!("{sec}s");
            }
            out
        }
    }
}

/// A duration drawn from `lo..=hi` times `unit`, written as `dur` writes it.
fn dur_in(r: &mut Rng, lo: u64, hi: u64, unit: u64) -> String {
    let ms = r.range(lo, hi) * unit;
    dur(r, ms)
}

/// One of `choices` (in ms), written as `dur` writes it.
fn dur_of(r: &mut Rng, choices: &[u64]) -> String {
    let ms = *r.pick(choices);
    dur(r, ms)
}

/// A CPU quantity in millicores, as text or as a bare number of cores.
fn cpu(r: &mut Rng, millis: u64) -> String {
    if millis.is_multiple_of(1000) && r.percent(30) {
        format!("{}", millis / 1000)
    } else if millis.is_multiple_of(500) && r.percent(20) {
        format!("{}", millis as f64 / 1000.0)
    } else {
        format!("\"{millis}m\"")
    }
}

/// A memory quantity in MiB, in binary or decimal units.
fn mem(r: &mut Rng, mib: u64) -> String {
    match r.below(4) {
        0 if mib.is_multiple_of(1024) => format!("\"{}Gi\"", mib / 1024),
        1 => format!("\"{}Ki\"", mib * 1024),
        2 => format!("\"{}M\"", mib * 1_048_576 / 1_000_000),
        _ => format!("\"{mib}Mi\""),
    }
}

/// A CPU quantity drawn from `lo..=hi` times `unit` millicores.
fn cpu_in(r: &mut Rng, lo: u64, hi: u64, unit: u64) -> String {
    let millis = r.range(lo, hi) * unit;
    cpu(r, millis)
}

/// A memory quantity drawn from `lo..=hi` times `unit` MiB.
fn mem_in(r: &mut Rng, lo: u64, hi: u64, unit: u64) -> String {
    let mib = r.range(lo, hi) * unit;
    mem(r, mib)
}

/// A boolean as TOML writes it or as AKS's profile passes it.
fn flag(r: &mut Rng) -> String {
    let b = r.percent(50);
    if r.percent(25) {
        format!("\"{b}\"")
    } else {
        b.to_string()
    }
}

/// An `[autoscaler]` key, kebab-case as AKS writes it or in snake_case.
fn key(r: &mut Rng, kebab: &str) -> String {
    if r.percent(25) {
        kebab.replace('-', "_")
    } else {
        kebab.to_string()
    }
}

/// Generates the scenario of `seed`. Every one must validate; one that does not is a bug of
/// this generator.
pub fn generate(seed: u64) -> Case {
    let mut r = Rng::new(seed);
    // A third of the cases are crowded: more pods, nodes, faults and events, closer together;
    // a few are large, with hundreds of nodes, where the scheduler samples nodes.
    let (many, faults) = match r.below(100) {
        0..=4 => (25, 2),
        5..=39 => (5, 4),
        _ => (1, 1),
    };
    let mut s = String::new();
    let mut files: Vec<(String, String)> = Vec::new();

    // [simulation]
    let duration = *r.pick(&[
        15 * MIN,
        40 * MIN,
        HOUR,
        HOUR,
        2 * HOUR,
        2 * HOUR,
        3 * HOUR + 30 * MIN,
        6 * HOUR,
        12 * HOUR,
        DAY,
    ]);
    let intervals: Vec<u64> = [SEC, 10 * SEC, 30 * SEC, MIN, 5 * MIN, 15 * MIN, HOUR]
        .into_iter()
        .filter(|i| duration / i <= 4000)
        .collect();
    let sample = *r.pick(&intervals);
    s += &format!(
        "[simulation]\nname = \"swarm-{seed}\"\nduration = \"{}\"\n",
        dur(&mut r, duration)
    );
    if r.percent(90) {
        s += &format!("seed = {}\n", r.below(1000));
    }
    if sample != MIN || r.percent(50) {
        s += &format!("sample_interval = \"{}\"\n", dur(&mut r, sample));
    }
    if r.percent(40) {
        let start = r.pick(&[
            "2026-01-05T00:00:00Z",
            "2026-03-02T09:30:00+01:00",
            "2025-12-31T23:59:59-08:00",
            "2024-02-29T12:00:00Z",
        ]);
        s += &format!("start = \"{start}\"\n");
    }
    let region = if r.percent(30) {
        let region = *r.pick(&["eastus", "westeurope", "uksouth"]);
        s += &format!("region = \"{region}\"\n");
        region
    } else {
        "eastus"
    };
    if r.percent(10) {
        s += "max_events = 100000000\n";
    }
    s += "\n";

    // [network]: the plugin decides whether Windows pools may exist and what a node takes
    // from the subnet; the subnet itself is written once the pools are known.
    // Large cases start with more nodes than kubenet's 400: they never use it.
    let plugin = *r.pick(if many >= 25 {
        &[
            "",
            "",
            "azure",
            "azure-overlay",
            "azure-overlay",
            "azure-overlay",
        ]
    } else {
        &["", "", "azure", "azure-overlay", "azure-overlay", "kubenet"]
    });
    let windows_ok = plugin != "kubenet";

    // [cluster]
    let minor = r.range(30, 35);
    let mut cluster = String::new();
    if r.percent(50) {
        cluster += &format!("kubernetes_version = \"1.{minor}\"\n");
    }
    let minor = if cluster.is_empty() { 33 } else { minor };
    if r.percent(30) {
        cluster += &format!(
            "sku_tier = \"{}\"\n",
            r.pick(&["free", "standard", "premium"])
        );
    }
    if r.percent(10) {
        cluster += "tier_price_per_hour = 0.25\n";
    }
    if r.percent(20) {
        cluster += &format!("enable_ahub = {}\n", r.percent(50));
    }
    if r.percent(20) {
        cluster += &format!(
            "windows_memory_reservation = \"{}\"\n",
            r.pick(&["regressive", "max-pods"])
        );
    }
    if r.percent(30) {
        cluster += &format!("default_daemonsets = {}\n", r.percent(60));
    }
    if r.percent(20) {
        cluster += &format!("serialize_image_pulls = {}\n", r.percent(50));
    }
    if r.percent(40) {
        cluster += &format!(
            "not_ready_toleration_seconds = {}\n",
            r.pick(&[0, 30, 60, 120, 300, 600])
        );
    }
    if !cluster.is_empty() {
        s += &format!("[cluster]\n{cluster}\n");
    }

    // [scheduler]
    if r.percent(25) {
        s += "[scheduler]\n";
        if r.percent(60) {
            s += &format!("percentage_of_nodes_to_score = {}\n", r.range(0, 100));
        }
        if r.percent(60) {
            let initial = *r.pick(&[0, 500, SEC, 2 * SEC]);
            let max = initial + r.pick(&[0, 5 * SEC, 20 * SEC]);
            s += &format!(
                "pod_initial_backoff = \"{}\"\npod_max_backoff = \"{}\"\n",
                dur(&mut r, initial),
                dur(&mut r, max)
            );
        }
        s += "\n";
    }

    // [output]: the checks read the event log, so it is mostly on; PNGs are mostly off
    // because nothing is written.
    let event_log = r.percent(90);
    s += &format!(
        "[output]\nevent_log = {event_log}\nplots = {}\n\n",
        r.percent(10)
    );

    // [[sku]]
    let mut sizes: Vec<(&str, &str, u64)> = SIZES.to_vec();
    if r.percent(15) {
        let (name, family, vcpu) = CUSTOM_SKU;
        s += &format!(
            "[[sku]]\nname = \"{name}\"\nvcpu = {vcpu}\nmemory = \"32Gi\"\nprice_linux = 0.31\nfamily = \"{family}\"\n"
        );
        if r.percent(50) {
            s += "price_windows = 0.68\nspot_price_linux = 0.05\n";
        }
        s += "\n";
        sizes.push(CUSTOM_SKU);
    }
    if r.percent(10) {
        s += "[[sku]]\nname = \"Standard_D4s_v5\"\nprice_linux = 0.2\n\n";
    }

    // [[node_pool]]
    let mut pools: Vec<Pool> = Vec::new();
    let users = r.range(0, 4);
    for i in 0..=users {
        let system = i == 0;
        let windows = !system && windows_ok && r.percent(45);
        let name = if system {
            r.pick(&["system", "sys", "agentpool", "nodepool1"])
                .to_string()
        } else if windows {
            format!("{}{i}", r.pick(&["win", "w", "wpool"]))
        } else {
            format!("{}{i}", r.pick(&["lin", "user", "batch"]))
        };
        let (vm_size, _, _) = *r.pick(&sizes);
        let mut p = format!("[[node_pool]]\nname = \"{name}\"\nvm_size = \"{vm_size}\"\n");
        if system {
            p += "mode = \"system\"\n";
        } else if r.percent(20) {
            p += "mode = \"user\"\n";
        }
        if windows {
            p += "os_type = \"windows\"\n";
            if r.percent(30) {
                let sku = if minor >= 33 {
                    *r.pick(&["Windows2022", "Windows2025"])
                } else {
                    *r.pick(&["Windows2019", "Windows2022", "Windows2025"])
                };
                p += &format!("os_sku = \"{sku}\"\n");
            }
        } else {
            if r.percent(20) {
                p += "os_type = \"linux\"\n";
            }
            if r.percent(20) {
                p += &format!(
                    "os_sku = \"{}\"\n",
                    r.pick(&["Ubuntu", "AzureLinux", "Ubuntu2404"])
                );
            }
        }
        let zones = *r.pick(&[
            "",
            "",
            "\"1\"",
            "\"2\"",
            "3",
            "\"1\", \"2\"",
            "2, 3",
            "\"1\", \"3\"",
            "\"1\", \"2\", \"3\"",
            "1, 2, 3",
        ]);
        if !zones.is_empty() {
            p += &format!("zones = [{zones}]\n");
        }
        let spot = !system && r.percent(20);
        let autoscaled = r.percent(if system { 25 } else { 50 });
        let count;
        if autoscaled {
            let min = r.range(u64::from(system), 2) as u32;
            let max = min + r.range(u64::from(min == 0), 8 * many) as u32;
            count = r.range(u64::from(min), u64::from(max)) as u32;
            p += &format!("enable_auto_scaling = true\nmin_count = {min}\nmax_count = {max}\n");
            if r.percent(80) || (3u32.clamp(min, max) != count) {
                p += &format!("count = {count}\n");
            }
        } else {
            count = r.range(u64::from(system), 2 + 2 * many) as u32;
            if count != 3 || r.percent(50) {
                p += &format!("count = {count}\n");
            }
            if r.percent(10) {
                p += "enable_auto_scaling = false\n";
            }
        }
        let max_pods = if r.percent(30) {
            let hi = match (plugin, windows) {
                (_, true) => 110,
                ("azure" | "", _) => 60,
                _ => 250,
            };
            let m = r.range(10, hi) as u32;
            p += &format!("max_pods = {m}\n");
            m
        } else {
            match plugin {
                "azure" | "" => 30,
                "azure-overlay" => 250,
                _ => 110,
            }
        };
        let mut taints: Vec<String> = Vec::new();
        if windows && r.percent(80) {
            taints.push("os=windows:NoSchedule".into());
        }
        if system && r.percent(20) {
            taints.push("CriticalAddonsOnly=true:NoSchedule".into());
        }
        if !system && r.percent(15) {
            taints.push(
                r.pick(&[
                    "dedicated=batch:NoSchedule",
                    "gpu:PreferNoSchedule",
                    "team=a:NoExecute",
                ])
                .to_string(),
            );
        }
        if !taints.is_empty() {
            let list: Vec<String> = taints.iter().map(|t| format!("\"{t}\"")).collect();
            p += &format!("node_taints = [{}]\n", list.join(", "));
        }
        if r.percent(30) {
            p += &format!(
                "node_labels = {{ tier = \"{}\", dedicated = \"batch\" }}\n",
                r.pick(&["web", "batch"])
            );
        }
        if spot {
            p += "priority = \"spot\"\n";
            if r.percent(70) {
                p += &format!(
                    "spot_eviction_rate = {}\n",
                    r.range(0, 30 * faults) as f64 / 10.0
                );
            }
            if r.percent(30) {
                p += &format!("spot_max_price = {}\n", r.pick(&["-1", "0.5", "2"]));
            }
        } else if !system && r.percent(5) {
            p += "priority = \"regular\"\n";
        }
        if r.percent(50) {
            p += &match r.below(5) {
                0 => format!(
                    "provisioning_delay = \"{}\"\n",
                    dur_in(&mut r, 0, 10, 30 * SEC)
                ),
                1 => {
                    let min = r.range(0, 4) * MIN;
                    let max = min + r.range(0, 6) * MIN;
                    format!(
                        "provisioning_delay = {{ distribution = \"uniform\", min = \"{}\", max = \"{}\" }}\n",
                        dur(&mut r, min),
                        dur(&mut r, max)
                    )
                }
                2 => {
                    let median = r.range(1, 6) * MIN;
                    let p95 = median + r.range(0, 10) * MIN;
                    format!(
                        "provisioning_delay = {{ distribution = \"lognormal\", median = \"{}\", p95 = \"{}\" }}\n",
                        dur(&mut r, median),
                        dur(&mut r, p95)
                    )
                }
                3 => format!(
                    "provisioning_delay = {{ distribution = \"fixed\", value = \"{}\" }}\n",
                    dur_in(&mut r, 1, 8, MIN)
                ),
                _ => "provisioning_delay = \"0s\"\n".to_string(),
            };
        }
        if r.percent(20) {
            p += &format!(
                "image_pull_throughput = \"{}\"\n",
                r.pick(&["5Mi", "20Mi", "100Mi", "1Gi"])
            );
        }
        if r.percent(20) {
            let mtbf = *r.pick(&[20 * MIN / faults, HOUR, 3 * HOUR, DAY]);
            p += &format!("mtbf = \"{}\"\n", dur(&mut r, mtbf));
            if r.percent(70) {
                p += &format!("repair_time = \"{}\"\n", dur_in(&mut r, 1, 20, MIN));
            }
        }
        s += &p;
        s += "\n";
        pools.push(Pool {
            name,
            windows,
            system,
            autoscaled,
            spot,
            count,
            vm_size: vm_size.to_string(),
            max_pods,
        });
    }

    // The subnet holds every initial node (AKS refuses a pool that does not fit); sometimes
    // barely, so that growth fails with SubnetIsFull.
    let per_node = |p: &Pool| match plugin {
        "azure" | "" => u64::from(p.max_pods) + 1,
        _ => 1,
    };
    let initial_ips: u64 = pools.iter().map(|p| u64::from(p.count) * per_node(p)).sum();
    let total_nodes: u64 = pools.iter().map(|p| u64::from(p.count)).sum();
    let mut network = String::new();
    if !plugin.is_empty() {
        network += &format!("plugin = \"{plugin}\"\n");
    }
    if r.percent(50) {
        // The longest prefix (smallest subnet, 2^(32−p) − 5 addresses) that holds them all.
        let tight = (8..=29u32)
            .rev()
            .find(|p| (1u64 << (32 - p)) - 5 >= initial_ips)
            .expect("a /8 holds every initial node");
        let prefix = tight - r.range(0, 3.min(u64::from(tight - 8))) as u32;
        network += &match r.below(3) {
            0 => format!("subnet_cidr = \"10.{}.0.0/{prefix}\"\n", r.range(0, 200)),
            1 => format!("subnet_size = {}\n", 1u64 << (32 - prefix)),
            _ => format!("subnet_size = \"/{prefix}\"\n"),
        };
    }
    // The default /16 gives 256 nodes a /24 each; a larger cluster needs a larger pod CIDR.
    if plugin == "azure-overlay" && (total_nodes > 256 || r.percent(40)) {
        // A /24 of the pod CIDR per node: 2^(24−p) nodes.
        let prefix = (8..=24u32)
            .rev()
            .find(|p| 1u64 << (24 - p) >= total_nodes.max(1))
            .expect("a /8 holds every initial node");
        network += &format!("pod_cidr = \"10.244.0.0/{prefix}\"\n");
    }
    if !network.is_empty() {
        s += &format!("[network]\n{network}\n");
    }

    // [autoscaler]
    let any_autoscaled = pools.iter().any(|p| p.autoscaled);
    if r.percent(if any_autoscaled { 70 } else { 10 }) {
        let mut a = String::from("[autoscaler]\n");
        let mut chain: Vec<&str> = Vec::new();
        if r.percent(60) {
            let mut names = vec![
                "random",
                "most-pods",
                "least-waste",
                "least-nodes",
                "price",
                "priority",
            ];
            for _ in 0..r.range(1, 3) {
                let i = r.below(names.len() as u64) as usize;
                chain.push(names.remove(i));
            }
            a += &format!("expander = \"{}\"\n", chain.join(","));
        }
        let settings: Vec<(&str, String)> = vec![
            (
                "scan-interval",
                format!("\"{}\"", dur_of(&mut r, &[5 * SEC, 10 * SEC, 30 * SEC])),
            ),
            ("balance-similar-node-groups", flag(&mut r)),
            ("scale-down-enabled", flag(&mut r)),
            (
                "scale-down-delay-after-add",
                format!("\"{}\"", dur_in(&mut r, 0, 10, MIN)),
            ),
            (
                "scale-down-delay-after-delete",
                format!("\"{}\"", dur_in(&mut r, 0, 3, MIN)),
            ),
            (
                "scale-down-delay-after-failure",
                format!("\"{}\"", dur_in(&mut r, 0, 3, MIN)),
            ),
            (
                "scale-down-unneeded-time",
                format!("\"{}\"", dur_in(&mut r, 0, 12, MIN)),
            ),
            (
                "scale-down-unready-time",
                format!("\"{}\"", dur_in(&mut r, 0, 25, MIN)),
            ),
            (
                "scale-down-utilization-threshold",
                if r.percent(50) {
                    format!("{}", r.range(1, 10) as f64 / 10.0)
                } else {
                    format!("\"{}\"", r.range(1, 10) as f64 / 10.0)
                },
            ),
            (
                "max-graceful-termination-sec",
                r.pick(&["0", "30", "\"600\"", "3600"]).to_string(),
            ),
            (
                "max-node-provision-time",
                format!("\"{}\"", dur_in(&mut r, 3, 15, MIN)),
            ),
            ("max-empty-bulk-delete", r.range(1, 10).to_string()),
            (
                "new-pod-scale-up-delay",
                format!("\"{}\"", dur_in(&mut r, 0, 3, 10 * SEC)),
            ),
            ("skip-nodes-with-system-pods", flag(&mut r)),
            ("skip-nodes-with-local-storage", flag(&mut r)),
            ("max-total-unready-percentage", r.range(0, 100).to_string()),
            ("ok-total-unready-count", r.range(0, 5).to_string()),
            (
                "max-nodes-total",
                if r.percent(50) {
                    "0".to_string()
                } else {
                    (total_nodes + r.range(0, 10)).to_string()
                },
            ),
            ("ignore-daemonsets-utilization", flag(&mut r)),
            ("daemonset-eviction-for-empty-nodes", flag(&mut r)),
            ("daemonset-eviction-for-occupied-nodes", flag(&mut r)),
            (
                "node-group-backoff-reset-timeout",
                format!("\"{}\"", dur_in(&mut r, 1, 180, MIN)),
            ),
            (
                "unremovable-node-recheck-timeout",
                format!("\"{}\"", dur_in(&mut r, 1, 10, MIN)),
            ),
            (
                "expendable-pods-priority-cutoff",
                r.pick(&["-10", "0", "\"5\"", "-2147483648"]).to_string(),
            ),
            ("max-drain-parallelism", r.range(1, 3).to_string()),
        ];
        for (k, v) in settings {
            if r.percent(35) {
                a += &format!("{} = {v}\n", key(&mut r, k));
            }
        }
        if r.percent(30) {
            let initial = r.range(0, 5) * MIN;
            let max = initial + r.range(0, 30) * MIN;
            a += &format!(
                "{} = \"{}\"\n{} = \"{}\"\n",
                key(&mut r, "initial-node-group-backoff-duration"),
                dur(&mut r, initial),
                key(&mut r, "max-node-group-backoff-duration"),
                dur(&mut r, max)
            );
        }
        if chain.contains(&"priority") || r.percent(5) {
            a += "[autoscaler.priorities]\n";
            let mut used = Vec::new();
            for _ in 0..r.range(1, 3) {
                let priority = *r.pick(&[-1i32, 0, 10, 20, 50, 100]);
                if used.contains(&priority) {
                    continue;
                }
                used.push(priority);
                let pool = &pools[r.below(pools.len() as u64) as usize].name;
                let pattern = match r.below(4) {
                    0 => ".*".to_string(),
                    1 => format!("^{}.*", &pool[..2]),
                    2 => pool.clone(),
                    _ => format!(".*{}$", &pool[pool.len() - 1..]),
                };
                a += &format!("{priority} = [\"{pattern}\"]\n");
            }
        }
        s += &a;
        s += "\n";
    }

    // [quota]: a family's initial regular vCPUs fit (AKS would refuse the pools otherwise);
    // sometimes exactly, so that every scale-up of that family fails with a quota error.
    if r.percent(20) {
        let mut used: Vec<(&str, u64)> = Vec::new();
        for p in pools.iter().filter(|p| !p.spot) {
            let (_, family, vcpu) = *sizes.iter().find(|x| x.0 == p.vm_size).expect("a size");
            match used.iter_mut().find(|(f, _)| *f == family) {
                Some((_, n)) => *n += u64::from(p.count) * vcpu,
                None => used.push((family, u64::from(p.count) * vcpu)),
            }
        }
        if !used.is_empty() {
            s += "[quota]\n";
            for (family, n) in used {
                if r.percent(70) {
                    let name = if r.percent(20) {
                        family.to_ascii_lowercase()
                    } else {
                        family.to_string()
                    };
                    s += &format!("{name} = {}\n", n + r.pick(&[0, 4, 16, 64]));
                }
            }
            s += "\n";
        }
    }

    // [controller_manager], [metrics_server]
    if r.percent(30) {
        s += "[controller_manager]\n";
        if r.percent(60) {
            s += &format!(
                "horizontal-pod-autoscaler-sync-period = \"{}\"\n",
                dur_of(&mut r, &[SEC, 5 * SEC, 15 * SEC, 30 * SEC])
            );
        }
        if r.percent(50) {
            s += &format!(
                "horizontal_pod_autoscaler_tolerance = {}\n",
                r.range(0, 30) as f64 / 100.0
            );
        }
        if r.percent(50) {
            s += &format!(
                "horizontal-pod-autoscaler-downscale-stabilization = \"{}\"\n",
                dur_in(&mut r, 0, 10, MIN)
            );
        }
        if r.percent(30) {
            s += &format!(
                "horizontal-pod-autoscaler-cpu-initialization-period = \"{}\"\n",
                dur_in(&mut r, 0, 5, MIN)
            );
        }
        if r.percent(30) {
            s += &format!(
                "horizontal-pod-autoscaler-initial-readiness-delay = \"{}\"\n",
                dur_in(&mut r, 0, 60, SEC)
            );
        }
        s += "\n";
    }
    if r.percent(20) {
        let resolution = r.range(1, 6) * 10 * SEC;
        s += &format!(
            "[metrics_server]\nmetric-resolution = \"{}\"\n",
            dur(&mut r, resolution)
        );
        if r.percent(50) {
            s += &format!(
                "window = \"{}\"\n",
                dur_in(&mut r, 1, resolution / SEC, SEC)
            );
        }
        s += "\n";
    }

    // [[daemonset]]
    for i in 0..r.range(0, 2) * u64::from(r.percent(20)) {
        let os = if r.percent(30) { "windows" } else { "linux" };
        let name = if i == 0 && os == "linux" && r.percent(40) {
            "kube-proxy".to_string()
        } else {
            format!("agent{i}")
        };
        s += &format!(
            "[[daemonset]]\nname = \"{name}\"\nos = \"{os}\"\nrequests = {{ cpu = {}, memory = {} }}\n",
            cpu_in(&mut r, 1, 10, 10),
            mem_in(&mut r, 1, 8, 16)
        );
        if r.percent(30) {
            s += "node_selector = { tier = \"web\" }\n";
        }
        if r.percent(30) {
            s += "tolerations = []\n";
        }
        s += "\n";
    }

    // [[deployment]]
    let any_windows = pools.iter().any(|p| p.windows);
    let mut images: Vec<(String, String)> = Vec::new();
    // (name, controller = false for bare pods), for the events that scale them.
    let mut deployments: Vec<(String, bool)> = Vec::new();
    for i in 0..r.range(1, 5) {
        let name = format!("{}{i}", r.pick(&["d", "web-", "api-"]));
        let windows = any_windows && r.percent(40);
        let os = if windows { "windows" } else { "linux" };
        let controller = !r.percent(10);
        let replicas = r.range(0, 12 * many);
        let mut d = format!("[[deployment]]\nname = \"{name}\"\n");
        if replicas != 1 || r.percent(50) {
            d += &format!("replicas = {replicas}\n");
        }
        if r.percent(20) {
            d += &format!("os = \"{os}\"\n");
        }
        if r.percent(15) {
            d += &format!(
                "namespace = \"{}\"\n",
                r.pick(&["default", "kube-system", "team-a"])
            );
        }
        let cpu_request = r.range(0, 20) * 100;
        let cpu_limit = if r.percent(40) {
            Some(cpu_request.max(100) * r.range(1, 3))
        } else {
            None
        };
        let mut requests = Vec::new();
        if cpu_request > 0 && r.percent(90) {
            requests.push(format!("cpu = {}", cpu(&mut r, cpu_request)));
        }
        let mem_request = r.range(1, 32) * 128;
        if r.percent(85) {
            requests.push(format!("memory = {}", mem(&mut r, mem_request)));
        }
        if !requests.is_empty() {
            d += &format!("requests = {{ {} }}\n", requests.join(", "));
        }
        if let Some(l) = cpu_limit {
            let mut limits = vec![format!("cpu = {}", cpu(&mut r, l))];
            if r.percent(50) {
                limits.push(format!("memory = {}", mem(&mut r, mem_request * 2)));
            }
            d += &format!("limits = {{ {} }}\n", limits.join(", "));
        }
        let mut selector = Vec::new();
        if r.percent(85) {
            selector.push(format!("\"kubernetes.io/os\" = \"{os}\""));
        }
        if r.percent(15) {
            let fit: Vec<&Pool> = pools.iter().filter(|p| p.windows == windows).collect();
            if let Some(p) = fit.get(r.below(fit.len().max(1) as u64) as usize) {
                selector.push(format!("agentpool = \"{}\"", p.name));
            }
        }
        if r.percent(10) {
            selector.push(format!(
                "\"topology.kubernetes.io/zone\" = \"{region}-{}\"",
                r.range(1, 3)
            ));
        }
        if r.percent(10) {
            selector.push("tier = \"batch\"".into());
        }
        if !selector.is_empty() || r.percent(10) {
            d += &format!("node_selector = {{ {} }}\n", selector.join(", "));
        }
        let mut tolerations = Vec::new();
        if windows && r.percent(85) {
            tolerations.push(
                r.pick(&[
                    "{ key = \"os\", operator = \"Exists\" }",
                    "{ key = \"os\", operator = \"Equal\", value = \"windows\", effect = \"NoSchedule\" }",
                ])
                .to_string(),
            );
        }
        if r.percent(25) {
            tolerations.push(
                "{ key = \"kubernetes.azure.com/scalesetpriority\", operator = \"Equal\", value = \"spot\", effect = \"NoSchedule\" }".into(),
            );
        }
        if r.percent(10) {
            tolerations.push(
                r.pick(&[
                    "{ operator = \"Exists\" }",
                    "{ key = \"dedicated\", value = \"batch\" }",
                    "{ key = \"team\", operator = \"Exists\", effect = \"NoExecute\", toleration_seconds = 60 }",
                    "{ key = \"CriticalAddonsOnly\", operator = \"Exists\" }",
                ])
                .to_string(),
            );
        }
        if !tolerations.is_empty() || r.percent(5) {
            d += &format!("tolerations = [{}]\n", tolerations.join(", "));
        }
        if r.percent(30) {
            let hard = r.percent(60);
            let mut c = format!("max_skew = {}", r.range(1, 3));
            if r.percent(60) {
                c += &format!(
                    ", topology_key = \"{}\"",
                    r.pick(&[
                        "topology.kubernetes.io/zone",
                        "kubernetes.io/hostname",
                        "zone",
                        "hostname"
                    ])
                );
            }
            if !hard || r.percent(50) {
                c += &format!(
                    ", when_unsatisfiable = \"{}\"",
                    if hard {
                        "DoNotSchedule"
                    } else {
                        "ScheduleAnyway"
                    }
                );
            }
            if hard && r.percent(30) {
                c += &format!(", min_domains = {}", r.range(1, 3));
            }
            d += &if r.percent(20) {
                format!("topology_spread = {{ {c} }}\n")
            } else {
                format!("topology_spread = [{{ {c} }}]\n")
            };
        }
        if r.percent(70) {
            // The same image name always describes the same image.
            let iname = format!("contoso/img{}:{os}", r.below(3));
            let spec = match images.iter().find(|(n, _)| *n == iname) {
                Some((_, spec)) => spec.clone(),
                None => {
                    let spec = if r.percent(80) {
                        format!("size = {}", mem_in(&mut r, 1, 48, 128))
                    } else {
                        format!("pull_time = \"{}\"", dur_in(&mut r, 0, 120, SEC))
                    };
                    images.push((iname.clone(), spec.clone()));
                    spec
                }
            };
            d += &format!("image = {{ name = \"{iname}\", {spec} }}\n");
        }
        if r.percent(50) {
            d += &format!("readiness_delay = \"{}\"\n", dur_in(&mut r, 0, 60, SEC));
        }
        if r.percent(20) {
            d += &format!("priority = {}\n", r.pick(&[-10, 0, 100, 1000]));
        }
        if r.percent(40) {
            d += &format!(
                "termination_grace_period_seconds = {}\n",
                r.pick(&[0, 5, 30, 120])
            );
        }
        if r.percent(50) {
            d += &format!("shutdown_delay = \"{}\"\n", dur_in(&mut r, 0, 90, SEC));
        }
        if !controller {
            d += "controller = false\n";
        } else if r.percent(5) {
            d += "controller = true\n";
        }
        if r.percent(15) {
            d += &format!("safe_to_evict = {}\n", r.percent(50));
        }
        if r.percent(10) {
            d += &format!("local_storage = {}\n", r.percent(50));
        }
        if r.percent(30) {
            d += &if !controller {
                format!("pdb = {{ min_available = {} }}\n", r.range(0, 4))
            } else {
                match r.below(4) {
                    0 => format!("pdb = {{ max_unavailable = {} }}\n", r.range(0, 2)),
                    1 => format!("pdb = {{ max_unavailable = \"{}%\" }}\n", r.range(0, 100)),
                    2 => format!("pdb = {{ min_available = {} }}\n", r.range(0, 4)),
                    _ => format!("pdb = {{ min_available = \"{}%\" }}\n", r.range(0, 100)),
                }
            };
        }
        let has_load = controller && r.percent(50);
        if has_load {
            d += &load(&mut r, &name, cpu_limit, duration, &mut files);
        }
        let has_hpa = controller && r.percent(if has_load { 70 } else { 10 });
        if has_hpa {
            d += &hpa(&mut r, many);
        }
        s += &d;
        s += "\n";
        deployments.push((name, controller));
    }

    // [[pod_trace]]
    for i in 0..u64::from(r.percent(30)) * r.range(1, 2) {
        let file = format!("jobs-{i}.csv");
        files.push((file.clone(), trace_csv(&mut r, duration, any_windows, many)));
        s += &format!("[[pod_trace]]\nname = \"jobs-{i}\"\npath = \"{file}\"\n");
        if r.percent(30) {
            s += &format!("offset = \"{}\"\n", dur_in(&mut r, 0, 30, MIN));
        }
        if r.percent(30) {
            s += &format!("time_scale = {}\n", r.pick(&["0.1", "0.5", "1", "2.5"]));
        }
        if r.percent(15) {
            s += &format!("trace_start = {}\n", r.pick(&["0", "100", "-50", "1e3"]));
        }
        if r.percent(20) {
            s += &format!("limit = {}\n", r.range(0, 30));
        }
        if r.percent(15) {
            s += "namespace = \"batch\"\n";
        }
        if r.percent(40) {
            // Its own image name: an image is one size wherever it is named.
            s += &format!(
                "image = {{ name = \"contoso/jobs{i}\", size = {} }}\n",
                mem_in(&mut r, 1, 32, 128)
            );
        }
        s += "\n";
    }

    s += &events(&mut r, duration, &pools, &deployments, &sizes, many);
    Case {
        seed,
        toml: s,
        files,
    }
}

/// `[deployment.load]`, with CSV series written to `files`.
fn load(
    r: &mut Rng,
    name: &str,
    cpu_limit: Option<u64>,
    duration: u64,
    files: &mut Vec<(String, String)>,
) -> String {
    let mut l = String::from("[deployment.load]\n");
    if r.percent(85) {
        l += &format!("cpu_per_request = \"{}m\"\n", r.range(1, 10));
    }
    if r.percent(50) {
        // Below the CPU limit, which it must leave room under.
        let cap = cpu_limit.unwrap_or(1000).min(1000);
        l += &format!("baseline_cpu = \"{}m\"\n", r.range(0, cap / 2));
    }
    if r.percent(30) {
        l += &format!("memory_per_request = {}\n", mem_in(r, 1, 4, 1));
    }
    if r.percent(30) {
        l += &format!("baseline_memory = {}\n", mem_in(r, 16, 512, 1));
    }
    if r.percent(30) {
        l += &format!("max_rps_per_pod = {}\n", r.range(1, 400));
    }
    let mut profiles = Vec::new();
    for k in 0..r.range(0, 3) {
        profiles.push(match r.below(8) {
            0 => format!("{{ kind = \"constant\", rps = {} }}", r.range(0, 500)),
            1 => {
                let mut t = 0;
                let mut steps = Vec::new();
                for _ in 0..r.range(1, 4) {
                    steps.push(format!(
                        "{{ at = \"{}\", rps = {} }}",
                        dur(r, t),
                        r.range(0, 600)
                    ));
                    t += r.range(1, 60) * MIN;
                }
                format!("{{ kind = \"steps\", steps = [{}] }}", steps.join(", "))
            }
            2 => {
                let start = r.range(0, duration / MIN) * MIN;
                let end = start + r.range(1, 120) * MIN;
                format!(
                    "{{ kind = \"ramp\", start = \"{}\", end = \"{}\", from_rps = {}, to_rps = {} }}",
                    dur(r, start),
                    dur(r, end),
                    r.range(0, 200),
                    r.range(0, 800)
                )
            }
            3 => {
                let trough = r.range(0, 200);
                format!(
                    "{{ kind = \"diurnal\", peak_rps = {}, trough_rps = {trough}, peak_hour = {}, weekend_factor = {} }}",
                    trough + r.range(0, 600),
                    r.range(0, 23),
                    r.range(0, 20) as f64 / 10.0
                )
            }
            4 => format!(
                "{{ kind = \"spike\", at = \"{}\", duration = \"{}\", rps = {} }}",
                dur_in(r, 0, duration / MIN, MIN),
                dur_in(r, 1, 30, MIN),
                r.range(0, 3000)
            ),
            5 => format!(
                "{{ kind = \"spikes\", rate_per_day = {}, duration = \"{}\", rps = {} }}",
                r.range(0, 48),
                dur_in(r, 1, 20, MIN),
                r.range(0, 2000)
            ),
            6 => format!(
                "{{ kind = \"noise\", sigma = {}, interval = \"{}\" }}",
                r.range(0, 50) as f64 / 100.0,
                dur_in(r, 1, 120, SEC)
            ),
            _ => {
                let file = format!("load-{name}-{k}.csv");
                let step = r.range(1, 30) * MIN;
                let mut csv = String::from("# demand\ntime_s,value\n");
                let mut t = r.range(0, 10) * MIN;
                for _ in 0..r.range(2, 30) {
                    csv += &format!("{},{}\n", t / SEC, r.range(0, 50_000));
                    t += step;
                }
                files.push((file.clone(), csv));
                let mut p = format!("{{ kind = \"csv\", path = \"{file}\"");
                let unit = if r.percent(30) { *r.pick(&["s", "ms", "min", "30s"]) } else { "s" };
                if unit != "s" || r.percent(10) {
                    p += &format!(", time_unit = \"{unit}\"");
                }
                if r.percent(30) {
                    p += &format!(", time_scale = {}", r.pick(&["0.5", "1", "3"]));
                }
                p += &format!(", value_scale = {}", r.pick(&["0.001", "0.01", "0", "1"]));
                if r.percent(30) {
                    p += &format!(", offset = \"{}\"", dur_in(r, 0, 30, MIN));
                }
                if r.percent(40) {
                    p += &format!(", interpolation = \"{}\"", r.pick(&["linear", "step"]));
                }
                if unit != "ms" && r.percent(30) {
                    // Read in seconds or longer, every series here spans at least a minute
                    // (two rows a minute apart, at half speed at most), as looping requires.
                    p += ", loop = true";
                }
                p + " }"
            }
        });
    }
    l += &format!("profiles = [{}]\n", profiles.join(", "));
    l
}

/// `[deployment.hpa]`: a short CPU target or a list of metrics of every source type, and
/// behavior policies.
fn hpa(r: &mut Rng, many: u64) -> String {
    let min = r.range(1, 3);
    let max = min + r.range(0, 15 * many);
    let mut h = String::from("[deployment.hpa]\n");
    if min != 1 || r.percent(50) {
        h += &format!("min_replicas = {min}\n");
    }
    h += &format!("max_replicas = {max}\n");
    if r.percent(40) {
        h += &format!("cpu_utilization = {}\n", r.range(20, 120));
    } else if r.percent(85) {
        let mut metrics = Vec::new();
        for _ in 0..r.range(1, 3) {
            metrics.push(match r.below(5) {
                0 => format!(
                    "{{ type = \"Resource\", resource = {{ name = \"cpu\", target = {{ type = \"Utilization\", average_utilization = {} }} }} }}",
                    r.range(10, 150)
                ),
                1 => format!(
                    "{{ type = \"Resource\", resource = {{ name = \"memory\", target = {{ type = \"Utilization\", average_utilization = {} }} }} }}",
                    r.range(10, 150)
                ),
                2 => format!(
                    "{{ type = \"Resource\", resource = {{ name = \"{}\", target = {{ type = \"AverageValue\", average_value = \"{}\" }} }} }}",
                    r.pick(&["cpu", "memory"]),
                    r.pick(&["200m", "256Mi", "1"])
                ),
                3 => format!(
                    "{{ type = \"Pods\", pods = {{ metric = {{ name = \"requests_per_second\" }}, target = {{ type = \"AverageValue\", average_value = \"{}\" }} }} }}",
                    r.range(1, 200)
                ),
                _ => {
                    let (kind, source) = *r.pick(&[("Object", "object"), ("External", "external")]);
                    let (target, field) =
                        *r.pick(&[("Value", "value"), ("AverageValue", "average_value")]);
                    let selector = if r.percent(30) {
                        ", selector = { matchLabels = { queue = \"a\" } }"
                    } else {
                        ""
                    };
                    let described = if kind == "Object" && r.percent(50) {
                        ", described_object = { kind = \"Ingress\", name = \"main\" }"
                    } else {
                        ""
                    };
                    let value = if r.percent(50) {
                        r.range(1, 2000).to_string()
                    } else {
                        format!("{}m", r.range(1, 900_000))
                    };
                    format!(
                        "{{ type = \"{kind}\", {source} = {{ metric = {{ name = \"requests\"{selector} }}{described}, target = {{ type = \"{target}\", {field} = \"{value}\" }} }} }}"
                    )
                }
            });
        }
        h += &format!("metrics = [{}]\n", metrics.join(", "));
    }
    if r.percent(40) {
        let mut sides = Vec::new();
        for side in ["scale_up", "scale_down"] {
            if !r.percent(60) {
                continue;
            }
            let mut rules = Vec::new();
            if r.percent(60) {
                rules.push(format!(
                    "stabilization_window_seconds = {}",
                    r.pick(&[0, 15, 60, 300, 3600])
                ));
            }
            if r.percent(30) {
                rules.push(format!(
                    "select_policy = \"{}\"",
                    r.pick(&["Max", "Min", "Disabled"])
                ));
            }
            if r.percent(70) {
                let mut policies = Vec::new();
                for _ in 0..r.range(1, 2) {
                    policies.push(format!(
                        "{{ type = \"{}\", value = {}, period_seconds = {} }}",
                        r.pick(&["Pods", "Percent"]),
                        r.range(1, 200),
                        r.pick(&[1, 15, 60, 600, 1800])
                    ));
                }
                rules.push(format!("policies = [{}]", policies.join(", ")));
            }
            if r.percent(15) {
                rules.push(format!("tolerance = \"{}\"", r.pick(&["0", "0.05", "0.5"])));
            }
            sides.push(format!("{side} = {{ {} }}", rules.join(", ")));
        }
        h += &format!("behavior = {{ {} }}\n", sides.join(", "));
    }
    h
}

/// A pod trace: aksim's columns (a random subset, in a random order) or Alibaba's.
fn trace_csv(r: &mut Rng, duration: u64, windows: bool, many: u64) -> String {
    let rows = r.range(1, 40 * many);
    let horizon = duration / SEC * 6 / 5;
    if r.percent(25) {
        let mut csv = String::from(
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n",
        );
        for i in 0..rows {
            let created = r.range(0, horizon);
            let scheduled = if r.percent(80) {
                (created + r.range(0, 60)).to_string()
            } else {
                String::new()
            };
            let deleted = match r.below(4) {
                0 => String::new(),
                1 => "nan".into(),
                _ => (created + 60 + r.range(0, 3600)).to_string(),
            };
            csv += &format!(
                "pod-{i},{},{},0,0,,{},Running,{created},{deleted},{scheduled}\n",
                r.range(50, 8000),
                r.range(64, 16_384),
                r.pick(&["BE", "LS"])
            );
        }
        return csv;
    }
    let end_column = r.percent(30);
    let mut columns = vec![
        "start_s",
        if end_column { "end_s" } else { "duration_s" },
        "cpu",
        "memory",
    ];
    for c in ["name", "os", "node_selector", "tolerations", "priority"] {
        if r.percent(50) {
            columns.push(c);
        }
    }
    // Shuffle: columns are matched by name in any order.
    for i in (1..columns.len()).rev() {
        columns.swap(i, r.below(i as u64 + 1) as usize);
    }
    let mut csv = String::new();
    if r.percent(20) {
        csv += "# a batch trace\n\n";
    }
    csv += &columns.join(",");
    csv += "\n";
    for i in 0..rows {
        let win = windows && columns.contains(&"os") && r.percent(30);
        let start = r.range(0, horizon * 10) as f64 / 10.0;
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match *c {
                "name" => {
                    if r.percent(90) {
                        format!("job-{i}")
                    } else {
                        String::new()
                    }
                }
                "start_s" => format!("{start}"),
                "duration_s" => {
                    if r.percent(10) {
                        String::new()
                    } else {
                        r.range(1, 3600).to_string()
                    }
                }
                "end_s" => {
                    if r.percent(10) {
                        String::new()
                    } else {
                        format!("{}", start + r.range(0, 3600) as f64)
                    }
                }
                "cpu" => r.pick(&["100m", "500m", "1", "2", "0.25", "4"]).to_string(),
                "memory" => r.pick(&["128Mi", "1Gi", "1.5G", "4Gi", "300M"]).to_string(),
                "os" => (if win { "windows" } else { "linux" }).to_string(),
                "node_selector" => {
                    if win {
                        "kubernetes.io/os=windows".into()
                    } else {
                        r.pick(&[
                            "",
                            "kubernetes.io/os=linux",
                            "tier=batch;kubernetes.io/arch=amd64",
                        ])
                        .to_string()
                    }
                }
                "tolerations" => {
                    if win {
                        "os=windows:NoSchedule".into()
                    } else {
                        r.pick(&["", "*", "dedicated=batch:NoSchedule;gpu", "*:NoExecute"])
                            .to_string()
                    }
                }
                _ => r.pick(&["", "0", "100", "-5"]).to_string(),
            })
            .collect();
        csv += &cells.join(",");
        csv += "\n";
    }
    csv
}

/// `[[event]]`s of every action, in time order, replayed on counts so that the file stays
/// within what validation allows (no manual scaling of autoscaled pools, a node left in
/// every system pool).
fn events(
    r: &mut Rng,
    duration: u64,
    pools: &[Pool],
    deployments: &[(String, bool)],
    sizes: &[(&str, &str, u64)],
    many: u64,
) -> String {
    let mut times: Vec<u64> = (0..r.range(0, 14 * many.min(5)))
        .map(|_| match r.below(10) {
            // Collisions at one instant and events right at the start or the end.
            0 => 0,
            1 => duration,
            2 => (duration / 2) / MIN * MIN,
            _ => r.range(0, duration / SEC) * SEC,
        })
        .collect();
    if r.percent(5) {
        // Past the end: validation warns, and it never happens.
        times.push(duration + HOUR);
    }
    times.sort_unstable();
    let mut counts: Vec<u32> = pools.iter().map(|p| p.count).collect();
    let mut out = String::new();
    for at in times {
        let at_text = dur(r, at);
        let manual: Vec<usize> = (0..pools.len()).filter(|&i| !pools[i].autoscaled).collect();
        let spot: Vec<usize> = (0..pools.len()).filter(|&i| pools[i].spot).collect();
        let scalable: Vec<&String> = deployments
            .iter()
            .filter(|(_, c)| *c)
            .map(|(n, _)| n)
            .collect();
        let e = match r.below(7) {
            0 if !scalable.is_empty() => format!(
                "action = \"{}\"\ndeployment = \"{}\"\nreplicas = {}\n",
                r.pick(&["scale", "scale", "scale_deployment", "scale-deployment"]),
                r.pick(&scalable),
                r.range(0, 25 * many)
            ),
            1 if !manual.is_empty() => {
                let i = *r.pick(&manual);
                let n = r.range(1, 4) as u32;
                // Within kubenet's 400 nodes, the smallest cluster limit.
                if counts.iter().sum::<u32>() + n > 400 {
                    continue;
                }
                counts[i] += n;
                format!(
                    "action = \"{}\"\npool = \"{}\"\ncount = {n}\n",
                    r.pick(&["add_nodes", "add-nodes"]),
                    pools[i].name
                )
            }
            2 if !manual.is_empty() => {
                let i = *r.pick(&manual);
                let keep = u32::from(pools[i].system);
                let n = r.range(1, 4) as u32;
                if counts[i].saturating_sub(n) < keep {
                    continue;
                }
                counts[i] = counts[i].saturating_sub(n);
                format!(
                    "action = \"{}\"\npool = \"{}\"\ncount = {n}\n",
                    r.pick(&["remove_nodes", "remove-nodes"]),
                    pools[i].name
                )
            }
            3 => {
                let zone = r.range(1, 3);
                format!(
                    "action = \"{}\"\nzone = {}\nduration = \"{}\"\n",
                    r.pick(&["zone_outage", "zone-outage"]),
                    if r.percent(50) {
                        zone.to_string()
                    } else {
                        format!("\"{zone}\"")
                    },
                    dur_in(r, 1, 90, MIN)
                )
            }
            4 if !spot.is_empty() => format!(
                "action = \"{}\"\npool = \"{}\"\ncount = {}\n",
                r.pick(&["spot_eviction", "spot-eviction"]),
                pools[*r.pick(&spot)].name,
                r.range(1, 4)
            ),
            5 => {
                let vm = if r.percent(70) {
                    pools[r.below(pools.len() as u64) as usize].vm_size.clone()
                } else {
                    r.pick(sizes).0.to_string()
                };
                let mut e = format!(
                    "action = \"{}\"\nvm_size = \"{vm}\"\nduration = \"{}\"\n",
                    r.pick(&["stock_out", "stock-out"]),
                    dur_in(r, 1, 120, MIN)
                );
                if r.percent(50) {
                    e += &format!("zone = {}\n", r.range(1, 3));
                }
                e
            }
            6 => format!(
                "action = \"{}\"\npool = \"{}\"\ncount = {}\n",
                r.pick(&["fail_nodes", "fail-nodes"]),
                pools[r.below(pools.len() as u64) as usize].name,
                r.range(1, 4)
            ),
            _ => continue,
        };
        out += &format!("[[event]]\nat = \"{at_text}\"\n{e}\n");
    }
    out
}

/// Checks a run after every instant (`run_observed`) and at its end. Every check reads the
/// model's own state, so any run can be watched.
pub struct Watch {
    /// Check everything after every instant, not only at sample instants.
    every_instant: bool,
    last: Option<SimTime>,
    cost_usd: f64,
    /// Per node: the first checked instant it was seen draining.
    draining_since: Vec<Option<SimTime>>,
    /// Per node: its state at the last check (a node's life only goes forward).
    states: Vec<NodeState>,
    /// The longest a drain can take: a pod's shutdown, within its grace period.
    drain_bound: SimDuration,
    /// Bytes of the event log already read, and the clock of its last line.
    log_read: usize,
    log_clock_ms: u64,
    /// Unscheduled pods a node could take, by pod slot: (created at, seen so since).
    placeable: std::collections::BTreeMap<u32, (SimTime, SimTime)>,
    pub instants: u64,
    pub checked: u64,
}

impl Watch {
    pub fn new(sim: &Sim, every_instant: bool) -> Self {
        let drain_bound = sim
            .world
            .cluster
            .classes
            .iter()
            .map(|t| t.shutdown_delay.min(t.termination_grace))
            .max()
            .unwrap_or(SimDuration::ZERO);
        Watch {
            every_instant,
            last: None,
            cost_usd: 0.0,
            draining_since: Vec::new(),
            states: Vec::new(),
            drain_bound,
            log_read: 0,
            log_clock_ms: 0,
            placeable: std::collections::BTreeMap::new(),
            instants: 0,
            checked: 0,
        }
    }

    /// Called once every event of instant `t` has been handled.
    pub fn after_instant(&mut self, sim: &Sim, t: SimTime) -> Result<(), String> {
        self.instants += 1;
        if let Some(last) = self.last
            && t <= last
        {
            return Err(format!(
                "the clock went from {} back to {}",
                last.clock(),
                t.clock()
            ));
        }
        self.last = Some(t);
        if t > sim.world.end {
            return Err(format!("an instant {} after the end", t.clock()));
        }
        let sample = sim.world.scenario.simulation.sample_interval.as_ms();
        if self.every_instant || t.as_ms().is_multiple_of(sample) || t == sim.world.end {
            self.checked += 1;
            self.check(sim, t)
                .map_err(|e| format!("at {}: {e}", t.clock()))?;
        }
        Ok(())
    }

    /// Every invariant of the state at `t`.
    pub fn check(&mut self, sim: &Sim, t: SimTime) -> Result<(), String> {
        catch(|| sim.check_invariants())?;
        let c = &sim.world.cluster;

        // Every pod is alive (not terminating), deleted, or a trace pod that completed.
        let alive: u64 = c.deployments.iter().map(|d| d.pods.len() as u64).sum();
        let completed: u64 = sim.world.traces.iter().map(|s| s.completed).sum();
        if sim.world.stats.pods_created != alive + sim.world.stats.pods_deleted + completed {
            return Err(format!(
                "pods created {} ≠ alive {alive} + deleted {} + completed {completed}",
                sim.world.stats.pods_created, sim.world.stats.pods_deleted
            ));
        }

        // Pools within their bounds: an autoscaled pool's nodes not being deleted (booting
        // ones included) within max_count; the cluster within its node limit and subnet.
        let mut total = 0u64;
        for (i, p) in sim.world.scenario.pools.iter().enumerate() {
            let nodes = &c.pools[i].nodes;
            total += nodes.len() as u64;
            if p.enable_auto_scaling {
                let size = nodes
                    .iter()
                    .filter(|n| c.node(**n).state != NodeState::Deleting)
                    .count() as u32;
                if size > p.max_count {
                    return Err(format!(
                        "pool {} has {size} nodes, above its max_count {}",
                        p.name, p.max_count
                    ));
                }
            }
        }
        if total > c.max_nodes {
            return Err(format!(
                "{total} nodes, above the cluster's {}",
                c.max_nodes
            ));
        }
        if c.subnet_ips > 0 && c.ips_used > c.subnet_ips {
            return Err(format!(
                "{} subnet addresses used of {}",
                c.ips_used, c.subnet_ips
            ));
        }

        // Regular VMs of a family, booting and draining ones too, within its vCPU quota.
        for q in &sim.world.scenario.quotas {
            let used: u64 = c
                .pools
                .iter()
                .filter(|p| {
                    p.spec.priority == aksim::api::Priority::Regular
                        && p.spec.sku.family == q.family
                })
                .map(|p| p.nodes.len() as u64 * u64::from(p.spec.sku.vcpu))
                .sum();
            if used > q.vcpus {
                return Err(format!(
                    "{used} vCPUs of {} in use, above the quota of {}",
                    q.family, q.vcpus
                ));
            }
        }

        // Cost: finite, never decreasing, and billed at the price of every node not deleted.
        let mut meter = sim.world.cost.clone();
        meter.advance_all(t);
        let pools = sim.world.scenario.pools.len();
        let (mut usd, mut rate_micro) = (0.0f64, 0u64);
        for p in 0..pools {
            for z in 0..ZONES {
                usd += meter.usd(p, z);
                rate_micro += (meter.rate_usd(p, z) * 1e6).round() as u64;
            }
        }
        if !usd.is_finite() || usd < self.cost_usd {
            return Err(format!("the cost went from {} to {usd}", self.cost_usd));
        }
        self.cost_usd = usd;
        let billed: u64 = c
            .nodes
            .iter()
            .filter(|n| n.state != NodeState::Deleted)
            .map(|n| micro_per_hour(sim.world.scenario.pools[n.pool.idx()].price_per_hour))
            .sum();
        if billed != rate_micro {
            return Err(format!(
                "the meter bills {rate_micro} µUSD/h, the live nodes cost {billed}"
            ));
        }

        // Every drain ends: a node is gone within the longest shutdown after it was cordoned.
        self.draining_since.resize(c.nodes.len(), None);
        for n in &c.nodes {
            let since = &mut self.draining_since[n.id.idx()];
            if n.state != NodeState::Deleting {
                *since = None;
                continue;
            }
            let since = *since.get_or_insert(t);
            if t.since(since) > self.drain_bound {
                return Err(format!(
                    "node {} draining since {} (longest shutdown {})",
                    n.name,
                    since.clock(),
                    self.drain_bound
                ));
            }
        }

        // A node's life goes forward: Provisioning, Ready, Deleting, Deleted (a boot may be
        // cut short); a pod is bound to a node that exists and lists it.
        let rank = |s: NodeState| match s {
            NodeState::Provisioning => 0,
            NodeState::Ready => 1,
            NodeState::Deleting => 2,
            NodeState::Deleted => 3,
        };
        for n in &c.nodes {
            match self.states.get_mut(n.id.idx()) {
                Some(before) => {
                    if rank(n.state) < rank(*before) {
                        return Err(format!(
                            "node {} went from {:?} back to {:?}",
                            n.name, before, n.state
                        ));
                    }
                    *before = n.state;
                }
                None => self.states.push(n.state),
            }
        }
        for d in &c.deployments {
            for &pod in &d.pods {
                if let Some(n) = c.pod(pod).node {
                    let node = c.node(n);
                    if node.state == NodeState::Deleted || !node.pods.contains(&pod) {
                        return Err(format!(
                            "pod {} of {} is bound to {} ({:?}), which does not list it",
                            pod.0, d.name, node.name, node.state
                        ));
                    }
                }
            }
        }

        // The autoscaler's counters: unready nodes, booting nodes of autoscaled pools, and
        // no node counted as booting once it has booted.
        let unready = c
            .nodes
            .iter()
            .filter(|n| matches!(n.state, NodeState::Ready | NodeState::Deleting) && n.fault != 0)
            .count() as u32;
        if unready != sim.world.unready_nodes {
            return Err(format!(
                "{unready} unready nodes, the autoscaler counts {}",
                sim.world.unready_nodes
            ));
        }
        let ca = sim.provisioner.cluster_autoscaler();
        if ca.enabled {
            for n in &c.nodes {
                if n.state == NodeState::Provisioning
                    && sim.world.scenario.pools[n.pool.idx()].enable_auto_scaling
                    && n.boot_due > n.created_at
                    && !ca.upcoming.contains(&n.id)
                {
                    return Err(format!("booting node {} is not upcoming", n.name));
                }
            }
            if let Some(n) = ca
                .upcoming
                .iter()
                .map(|id| c.node(*id))
                .find(|n| n.state != NodeState::Provisioning)
            {
                return Err(format!(
                    "node {} is {:?} and still upcoming",
                    n.name, n.state
                ));
            }
        }

        // Each ReplicaSet holds its count; an HPA's count stays within [min, max] (or 0,
        // where Kubernetes turns the HPA off) except after a manual scale its next sync has
        // not seen yet.
        let sync = sim.world.scenario.controller_manager.sync_period.as_ms();
        let last_sync = t.as_ms() - t.as_ms() % sync;
        for (d, spec) in sim.world.scenario.deployments.iter().enumerate() {
            let state = &c.deployments[d];
            if state.name != spec.name {
                return Err(format!("deployment {d} is {} in the cluster", state.name));
            }
            if state.pods.len() as u32 != state.desired {
                return Err(format!(
                    "deployment {} has {} pods, wants {}",
                    spec.name,
                    state.pods.len(),
                    state.desired
                ));
            }
            let Some(h) = &spec.hpa else { continue };
            let scaled_by_hand = sim.world.scenario.actions.iter().any(|a| {
                matches!(a.action, aksim::scenario::Action::Scale { deployment, .. } if deployment == d)
                    && a.at.as_ms() > last_sync
                    && a.at <= t
            });
            let n = state.desired;
            if n != 0 && !(h.min_replicas..=h.max_replicas).contains(&n) && !scaled_by_hand {
                return Err(format!(
                    "deployment {} at {n} replicas, outside its HPA's {}..{}",
                    spec.name, h.min_replicas, h.max_replicas
                ));
            }
        }

        // The scheduler does not forget a pod: one that a Ready, healthy node could take now
        // (its taints tolerated, its selector matched, room left) is bound within the longest
        // backoff and a little. Pods with hard spreading or a hostname selector are left out:
        // whether they fit depends on more than one node.
        let bound = sim.world.scenario.scheduler.pod_max_backoff + SimDuration::from_secs(30);
        let mut fits: Vec<Option<bool>> = vec![None; c.classes.len()];
        let mut placeable = std::collections::BTreeMap::new();
        for d in &c.deployments {
            for &pod in &d.pods {
                let p = c.pod(pod);
                if p.phase != PodPhase::Unscheduled
                    || !*fits[p.class.idx()].get_or_insert_with(|| placeable_now(c, p.class))
                {
                    continue;
                }
                let since = match self.placeable.get(&pod.0) {
                    Some(&(created, since)) if created == p.created_at => since,
                    _ => t,
                };
                placeable.insert(pod.0, (p.created_at, since));
                if t.since(since) > bound {
                    return Err(format!(
                        "pod {} of {} unscheduled since {} though a node has room for it",
                        pod.0,
                        d.name,
                        since.clock()
                    ));
                }
            }
        }
        self.placeable = placeable;

        // The event log: valid JSON lines, in time order, none after now.
        let buf = &sim.world.log.buf;
        let end = buf.rfind('\n').map_or(0, |i| i + 1);
        if end > self.log_read {
            for line in buf[self.log_read..end].lines() {
                let v: serde_json::Value = serde_json::from_str(line)
                    .map_err(|e| format!("event log line {line:?}: {e}"))?;
                let ms = (v["time_s"].as_f64().unwrap_or(-1.0) * 1000.0).round();
                if ms < self.log_clock_ms as f64 || ms > t.as_ms() as f64 || !v["kind"].is_string()
                {
                    return Err(format!(
                        "event log line out of order at {}: {line}",
                        t.clock()
                    ));
                }
                self.log_clock_ms = ms as u64;
            }
            self.log_read = end;
        }
        Ok(())
    }

    /// What holds once the run is over.
    pub fn at_end(&self, sim: &Outputs) -> Result<(), String> {
        // One sample per interval, from 0 to the end.
        let interval = sim.world.scenario.simulation.sample_interval.as_ms();
        let expected = sim.world.end.as_ms() / interval + 1;
        let mut instants: Vec<u64> = sim.world.samples.iter().map(|r| r.time_s).collect();
        instants.dedup();
        if instants.len() as u64 != expected {
            return Err(format!(
                "{} sample instants, expected {expected}",
                instants.len()
            ));
        }
        // Every HPA decision logged lands within its bounds.
        for line in sim.world.log.buf.lines() {
            if !line.contains("\"kind\":\"hpa_scaled\"") {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
            let name = v["deployment"].as_str().unwrap_or_default();
            let desired = v["desired"].as_u64().unwrap_or(u64::MAX);
            let spec = sim
                .world
                .scenario
                .deployments
                .iter()
                .find(|d| d.name == name);
            let Some(h) = spec.and_then(|d| d.hpa.as_ref()) else {
                return Err(format!("hpa_scaled for {name}, which has no HPA: {line}"));
            };
            if !(u64::from(h.min_replicas)..=u64::from(h.max_replicas)).contains(&desired) {
                return Err(format!("HPA decision outside its bounds: {line}"));
            }
        }
        // Traffic and trace pods are accounted for.
        let summary = aksim::report::Summary::of(sim);
        for (name, d) in &summary.deployments {
            if !(d.served_requests <= d.demand_requests * (1.0 + 1e-9) + 1e-6
                && d.unserved_requests >= 0.0
                && d.demand_requests.is_finite())
            {
                return Err(format!(
                    "deployment {name}: served {} of {} requests, unserved {}",
                    d.served_requests, d.demand_requests, d.unserved_requests
                ));
            }
        }
        for (name, t) in summary.pod_traces.iter() {
            // A row that started is completed, running, or was evicted (its replacement may
            // still be waiting): at most one row missing per restart. A pod that runs on a
            // NotReady node without having been reported Ready has not started: it counts in
            // neither `started` nor `running_at_end`.
            let settled = t.completed + t.running_at_end;
            if t.arrived != t.started + t.never_ran
                || t.started < settled
                || t.started - settled > t.restarted
            {
                return Err(format!(
                    "trace {name}: arrived {}, started {}, never ran {}, completed {}, running {}, restarted {}",
                    t.arrived, t.started, t.never_ran, t.completed, t.running_at_end, t.restarted
                ));
            }
        }
        aksim::report::render(sim).map(|_| ())
    }
}

/// Whether some Ready, healthy node could take a pod of `class` now, by the checks that depend
/// on that node alone (taints, selector, room); `false` for pods that need more to know.
fn placeable_now(c: &Cluster, class: ClassId) -> bool {
    let t = c.template(class);
    if t.spread.iter().any(|s| s.hard) || t.node_selector.contains_key(aksim::api::LABEL_HOSTNAME) {
        return false;
    }
    let (cpu, memory) = c.requests(class);
    c.nodes.iter().any(|n| {
        let pool = &c.pools[n.pool.idx()];
        n.state == NodeState::Ready
            && n.fault == 0
            && aksim::scheduler::filter::static_filter(
                t,
                &pool.zone_labels[pool.zone_index(n.zone)],
                &pool.spec.taints,
            )
            .is_none()
            && aksim::scheduler::filter::fits(cpu, memory, n)
    })
}

/// What a case cost, for the summary line.
pub struct Ran {
    pub instants: u64,
    pub events: u64,
}

/// Validates and runs `case` with its checks; `Err` says what broke.
pub fn run_case(case: &Case, every_instant: bool) -> Result<Ran, String> {
    let files: Vec<(&str, &str)> = case
        .files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let loaded = crate::support::load_in_dir(&case.toml, &files)
        .map_err(|e| format!("the generator made an invalid scenario:\n{e}"))?;
    let again = case.seed.is_multiple_of(8).then(|| loaded.scenario.clone());
    let mut sim = Sim::new(loaded.scenario);
    let mut watch = Watch::new(&sim, every_instant);
    sim.run_observed(&mut |_, _| {}, &mut |sim, t| watch.after_instant(sim, t))
        .map_err(|e| e.to_string())?;
    let sim = sim.finish();
    watch.at_end(&sim)?;
    // One case in eight runs twice, unwatched the second time: the same seed must give the
    // same events and summary (a map iterated in hash order would differ between runs).
    if let Some(scenario) = again {
        let other = aksim::simulate(scenario, &mut |_, _| {}).map_err(|e| e.to_string())?;
        let json = |s: &Outputs| serde_json::to_string(&aksim::report::Summary::of(s)).unwrap();
        if other.world.log.buf != sim.world.log.buf || json(&other) != json(&sim) {
            return Err("the same scenario and seed ran differently twice".into());
        }
    }
    Ok(Ran {
        instants: watch.instants,
        events: sim.world.stats.events_processed,
    })
}

/// Writes `case` (scenario and CSV files) to a folder of the temporary directory.
fn save(case: &Case) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("aksim-swarm-{}", case.seed));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    for (name, text) in &case.files {
        std::fs::write(dir.join(name), text).expect("CSV file");
    }
    let path = dir.join("scenario.toml");
    std::fs::write(&path, &case.toml).expect("scenario file");
    path
}

/// Runs `cases` seeds from `start`; every failure is printed as it happens and all are listed
/// in the final panic.
fn campaign(start: u64, cases: u64, every_instant: bool, progress: bool) {
    let clock = Instant::now();
    let mut failures: Vec<u64> = Vec::new();
    let (mut instants, mut events) = (0u64, 0u64);
    for seed in start..start + cases {
        let case = generate(seed);
        match catch(|| run_case(&case, every_instant)).and_then(|r| r) {
            Ok(ran) => {
                instants += ran.instants;
                events += ran.events;
            }
            Err(e) => {
                let path = save(&case);
                eprintln!(
                    "swarm case {seed} failed: {e}\n  scenario: {}\n  reproduce: AKSIM_SWARM_SEED={seed} cargo test --release --test it swarm::one -- --ignored --nocapture\n",
                    path.display()
                );
                failures.push(seed);
            }
        }
        let done = seed - start + 1;
        if progress && done.is_multiple_of(500) {
            eprintln!(
                "swarm: {done} of {cases} cases, {} failed, {:.0} s",
                failures.len(),
                clock.elapsed().as_secs_f64()
            );
        }
    }
    let secs = clock.elapsed().as_secs_f64();
    eprintln!(
        "swarm: {cases} cases from seed {start} in {secs:.1} s ({:.1} cases/s; {instants} instants, {events} events): {} failed",
        cases as f64 / secs,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "failing swarm seeds: {failures:?} (each is printed above with its scenario)"
    );
}

#[test]
fn ci() {
    campaign(0, CI_CASES, true, false);
}

/// `AKSIM_SWARM_CASES` cases (10,000) from seed `AKSIM_SWARM_START` (0).
#[test]
#[ignore = "a long campaign: cargo test --release --test it swarm -- --ignored --nocapture"]
fn many() {
    let start = env_u64("AKSIM_SWARM_START").unwrap_or(0);
    let cases = env_u64("AKSIM_SWARM_CASES").unwrap_or(10_000);
    campaign(start, cases, true, true);
}

/// Reruns the case of `AKSIM_SWARM_SEED` and says where its scenario is.
#[test]
#[ignore = "reruns one case: AKSIM_SWARM_SEED=N cargo test --release --test it swarm::one -- --ignored --nocapture"]
fn one() {
    // Unset when `--ignored` runs every campaign: nothing to rerun then.
    let Some(seed) = env_u64("AKSIM_SWARM_SEED") else {
        eprintln!("swarm::one: set AKSIM_SWARM_SEED to the seed to rerun");
        return;
    };
    let case = generate(seed);
    eprintln!("swarm case {seed}: {}", save(&case).display());
    campaign(seed, 1, true, false);
}

// The watch is only worth its cost if it notices a broken run: a pod lost from the books
// and a drain that outlives every pod's shutdown.
#[test]
fn the_watch_notices_a_lost_pod_and_a_stuck_drain() {
    let case = (0..)
        .map(generate)
        .find(|c| !c.toml.contains("[[pod_trace]]") && c.toml.contains("replicas = 3"))
        .expect("a case");
    let files: Vec<(&str, &str)> = case
        .files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let loaded = crate::support::load_in_dir(&case.toml, &files).unwrap();
    let mut sim = Sim::new(loaded.scenario);
    sim.run(&mut |_, _| {}).unwrap();
    let end = sim.world.end;
    assert_eq!(Watch::new(&sim, true).check(&sim, end), Ok(()));
    sim.world.stats.pods_created += 1;
    let e = Watch::new(&sim, true).check(&sim, end).unwrap_err();
    assert!(e.starts_with("pods created"), "{e}");
    sim.world.stats.pods_created -= 1;

    let node = sim
        .world
        .cluster
        .nodes
        .iter()
        .position(|n| n.state == NodeState::Ready)
        .expect("a Ready node");
    sim.world.cluster.nodes[node].state = NodeState::Deleting;
    let mut watch = Watch::new(&sim, true);
    let _ = watch.check(&sim, SimTime::ZERO);
    let e = watch
        .check(&sim, SimTime(watch.drain_bound.as_ms() + 1))
        .unwrap_err();
    assert!(e.contains("draining since"), "{e}");
}
