//! The Cluster Autoscaler's configuration and the fault settings: `[autoscaler]` and its
//! priorities, `[quota]`, pool failures, PodDisruptionBudgets and fault events, parsed into the
//! model, and their bad input (each error names its field and line).

use aksim::api::VcpuQuota;
use aksim::api::{IntOrPercent, Pdb};
use aksim::autoscaler::{NamePattern, Profile, Strategy};
use aksim::engine::SimDuration;
use aksim::scenario::Action;

use crate::support::{BASE, errors, line_of, load};

/// An autoscaled user pool beside `BASE`'s system pool.
const USER: &str = r#"
[[node_pool]]
name = "user"
vm_size = "Standard_D4s_v5"
zones = ["1", "2"]
enable_auto_scaling = true
min_count = 1
max_count = 10
count = 1
"#;

fn profile(toml: &str) -> Profile {
    load(toml).scenario.autoscaler
}

fn patterns(list: &[&str]) -> Vec<NamePattern> {
    list.iter()
        .map(|p| NamePattern::parse(p).unwrap())
        .collect()
}

#[test]
fn an_empty_autoscaler_table_is_aks_defaults() {
    assert_eq!(profile(&format!("{BASE}{USER}")), Profile::default());
    assert_eq!(
        profile(&format!("{BASE}{USER}\n[autoscaler]\n")),
        Profile::default()
    );
    // AKS's scale-down-delay-after-delete is the scan interval actually configured.
    let p = profile(&format!(
        "{BASE}{USER}\n[autoscaler]\nscan-interval = \"20s\"\n"
    ));
    assert_eq!(p.scan_interval, SimDuration::from_secs(20));
    assert_eq!(p.scale_down_delay_after_delete, SimDuration::from_secs(20));
    assert_eq!(
        Profile {
            scan_interval: SimDuration::from_secs(10),
            scale_down_delay_after_delete: SimDuration::from_secs(10),
            ..p
        },
        Profile::default()
    );
}

/// Every key set away from its default, durations as strings; `native` writes numbers and
/// booleans as TOML values, otherwise as the strings AKS passes.
fn every_key(native: bool, snake: bool) -> String {
    let v = |text: &str| {
        if native {
            text.to_string()
        } else {
            format!("{text:?}")
        }
    };
    let keys = [
        ("scan-interval", "\"30s\"".to_string()),
        ("expander", "\"least-waste,most-pods\"".to_string()),
        ("balance-similar-node-groups", v("true")),
        ("scale-down-enabled", v("false")),
        ("scale-down-delay-after-add", "\"20m\"".to_string()),
        ("scale-down-delay-after-delete", "\"1m\"".to_string()),
        ("scale-down-delay-after-failure", "\"4m\"".to_string()),
        ("scale-down-unneeded-time", "\"5m\"".to_string()),
        ("scale-down-unready-time", "\"30m\"".to_string()),
        ("scale-down-utilization-threshold", v("0.65")),
        ("max-graceful-termination-sec", v("120")),
        ("max-node-provision-time", "\"20m\"".to_string()),
        ("max-empty-bulk-delete", v("25")),
        ("new-pod-scale-up-delay", "\"15s\"".to_string()),
        ("skip-nodes-with-system-pods", v("false")),
        ("skip-nodes-with-local-storage", v("true")),
        ("max-total-unready-percentage", v("30")),
        ("ok-total-unready-count", v("7")),
        ("max-nodes-total", v("100")),
        ("ignore-daemonsets-utilization", v("true")),
        ("daemonset-eviction-for-empty-nodes", v("true")),
        ("daemonset-eviction-for-occupied-nodes", v("false")),
        ("initial-node-group-backoff-duration", "\"1m\"".to_string()),
        ("max-node-group-backoff-duration", "\"10m\"".to_string()),
        ("node-group-backoff-reset-timeout", "\"1h\"".to_string()),
        ("unremovable-node-recheck-timeout", "\"2m\"".to_string()),
        ("expendable-pods-priority-cutoff", v("-20")),
        ("max-drain-parallelism", v("3")),
    ];
    let mut out = format!("{BASE}{USER}\n[autoscaler]\n");
    for (k, value) in keys {
        let k = if snake { k.replace('-', "_") } else { k.into() };
        out.push_str(&format!("{k} = {value}\n"));
    }
    out
}

#[test]
fn every_key_from_a_string_and_from_a_native_value() {
    let expected = Profile {
        scan_interval: SimDuration::from_secs(30),
        expander: vec![Strategy::LeastWaste, Strategy::MostPods],
        balance_similar_node_groups: true,
        scale_down_enabled: false,
        scale_down_delay_after_add: SimDuration::from_mins(20),
        scale_down_delay_after_delete: SimDuration::from_mins(1),
        scale_down_delay_after_failure: SimDuration::from_mins(4),
        scale_down_unneeded_time: SimDuration::from_mins(5),
        scale_down_unready_time: SimDuration::from_mins(30),
        scale_down_utilization_threshold: 0.65,
        max_graceful_termination: SimDuration::from_secs(120),
        max_node_provision_time: SimDuration::from_mins(20),
        max_empty_bulk_delete: 25,
        new_pod_scale_up_delay: SimDuration::from_secs(15),
        skip_nodes_with_system_pods: false,
        skip_nodes_with_local_storage: true,
        max_total_unready_percentage: 30.0,
        ok_total_unready_count: 7,
        max_nodes_total: 100,
        ignore_daemonsets_utilization: true,
        daemonset_eviction_for_empty_nodes: true,
        daemonset_eviction_for_occupied_nodes: false,
        initial_node_group_backoff: SimDuration::from_mins(1),
        max_node_group_backoff: SimDuration::from_mins(10),
        node_group_backoff_reset_timeout: SimDuration::from_mins(60),
        unremovable_node_recheck_timeout: SimDuration::from_mins(2),
        expendable_pods_priority_cutoff: -20,
        max_drain_parallelism: 3,
        priorities: Vec::new(),
    };
    for native in [false, true] {
        for snake in [false, true] {
            let toml = every_key(native, snake);
            let loaded = load(&toml);
            assert_eq!(
                loaded.scenario.autoscaler, expected,
                "native {native}, snake {snake}"
            );
            assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        }
    }
}

#[test]
fn the_priorities_table_goes_into_the_profile_and_the_chain() {
    let toml = format!(
        "{BASE}{USER}\n[autoscaler]\nexpander = \"priority, least-waste\"\n\n[autoscaler.priorities]\n10 = [\"^sys.*\"]\n50 = [\"user\", \".*pool$\"]\n-1 = [\".*\"]\n"
    );
    let loaded = load(&toml);
    let p = loaded.scenario.autoscaler;
    // Highest priority first, whatever the file's order.
    let table = vec![
        (50, patterns(&["user", ".*pool$"])),
        (10, patterns(&["^sys.*"])),
        (-1, patterns(&[".*"])),
    ];
    assert_eq!(p.priorities, table);
    assert_eq!(
        p.expander,
        vec![Strategy::Priority(table), Strategy::LeastWaste]
    );
    // ".*pool$" matches neither "system" nor "user".
    let w = loaded.warnings.join("\n");
    assert!(
        w.contains(&format!("test.toml:{}:", line_of(&toml, "50 = ")))
            && w.contains("autoscaler.priorities.\"50\": pattern \".*pool$\" matches no node pool")
            && w.contains("the pools are system, user"),
        "{w}"
    );
    assert_eq!(loaded.warnings.len(), 1, "{w}");
}

#[test]
fn autoscaler_warnings() {
    let warnings = |toml: &str| load(toml).warnings.join("\n");
    // priority without a table passes every option on.
    let w = warnings(&format!(
        "{BASE}{USER}\n[autoscaler]\nexpander = \"priority\"\n"
    ));
    assert!(w.contains("[autoscaler.priorities] is empty"), "{w}");
    // least-nodes and price are not in AKS's API.
    let w = warnings(&format!(
        "{BASE}{USER}\n[autoscaler]\nexpander = \"price,least-nodes\"\n"
    ));
    assert!(
        w.contains("AKS's API does not accept \"price\"")
            && w.contains("AKS's API does not accept \"least-nodes\""),
        "{w}"
    );
    // A table with no autoscaled pool.
    let toml = format!("{BASE}\n[autoscaler]\nscan-interval = \"10s\"\n");
    let w = warnings(&toml);
    assert!(
        w.contains("the cluster autoscaler has nothing to do")
            && w.contains(&format!("test.toml:{}:", line_of(&toml, "[autoscaler]"))),
        "{w}"
    );
    // A table without the priority expander.
    let w = warnings(&format!(
        "{BASE}{USER}\n[autoscaler.priorities]\n10 = [\"user\"]\n"
    ));
    assert!(
        w.contains("which the expander chain does not include"),
        "{w}"
    );
}

/// Each case: the scenario, the field and message expected, and a text on the line it names.
fn check_errors(cases: Vec<(String, &str, &str)>) {
    for (toml, expected, needle) in cases {
        let err = errors(&toml);
        assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
        let line = line_of(&toml, needle);
        assert!(
            err.contains(&format!("test.toml:{line}:")),
            "expected line {line} ({needle}) in:\n{err}"
        );
    }
}

#[test]
fn bad_autoscaler_settings_name_their_field_and_line() {
    let with = |keys: &str| format!("{BASE}{USER}\n[autoscaler]\n{keys}\n");
    check_errors(vec![
        (
            with("expander = \"priority,fastest\""),
            "autoscaler.expander: unknown expander \"fastest\"",
            "expander = ",
        ),
        (
            with("expander = \"grpc\""),
            "autoscaler.expander: the grpc expander (an external service) is not modelled",
            "expander = ",
        ),
        (
            with("expander = \"random,most-pods,random\""),
            "autoscaler.expander: \"random\" appears twice in the chain",
            "expander = ",
        ),
        (
            with("scale-down-utilization-threshold = \"1.5\""),
            "autoscaler.scale-down-utilization-threshold: 1.5 is not a fraction",
            "threshold = ",
        ),
        (
            with("scale_down_utilization_threshold = 0"),
            "autoscaler.scale-down-utilization-threshold: 0 is not a fraction",
            "threshold = ",
        ),
        (
            with("scan-interval = \"500ms\""),
            "autoscaler.scan-interval: the scan interval must be at least 1s",
            "scan-interval",
        ),
        (
            with("max-nodes-total = \"6000\""),
            "autoscaler.max-nodes-total: 6000 is outside 0 (no limit) to 5000",
            "max-nodes-total",
        ),
        (
            with("max-empty-bulk-delete = 0"),
            "autoscaler.max-empty-bulk-delete: 0 is not a node count of at least 1",
            "max-empty-bulk-delete",
        ),
        (
            with("max-total-unready-percentage = \"120\""),
            "autoscaler.max-total-unready-percentage: 120 is not a percentage",
            "unready-percentage",
        ),
        (
            with("max-graceful-termination-sec = \"10m\""),
            "autoscaler.max-graceful-termination-sec: \"10m\" is not a number",
            "graceful",
        ),
        (
            with("skip-nodes-with-system-pods = \"no\""),
            "autoscaler.skip-nodes-with-system-pods: \"no\" is not a boolean",
            "system-pods",
        ),
        (
            with("max-node-group-backoff-duration = \"1m\""),
            "autoscaler.max-node-group-backoff-duration: the maximum backoff (1m0s) is shorter",
            "max-node-group-backoff",
        ),
        (
            with("scale-down-unneeded-time = 600"),
            "invalid type: integer `600`, expected a string",
            "unneeded",
        ),
        (
            with("scale-down-unneded-time = \"5m\""),
            "did you mean `scale-down-unneeded-time`?",
            "unneded",
        ),
        (
            format!(
                "{BASE}{USER}\n[autoscaler.priorities]\n10 = [\"user\"]\n20 = [\"win[0-9]\"]\n"
            ),
            "autoscaler.priorities.\"20\": unsupported name pattern \"win[0-9]\"",
            "20 = ",
        ),
        (
            format!("{BASE}{USER}\n[autoscaler.priorities]\nhigh = [\"user\"]\n"),
            "autoscaler.priorities.\"high\": \"high\" is not a priority",
            "high = ",
        ),
    ]);
}

#[test]
fn pools_deployments_and_the_cluster_take_fault_settings() {
    let toml = format!(
        r#"{BASE}
[[node_pool]]
name = "spot"
vm_size = "Standard_D4s_v5"
priority = "spot"
count = 1
mtbf = "30d"
repair_time = "5m"
spot_eviction_rate = 0.02

[[deployment]]
name = "web"
replicas = 4
pdb = {{ max_unavailable = "25%" }}
safe_to_evict = false
local_storage = true

[[deployment]]
name = "job"
replicas = 2
controller = false
pdb = {{ min_available = 1 }}
"#
    )
    .replace(
        "default_daemonsets = false",
        "default_daemonsets = false\nnot_ready_toleration_seconds = 60",
    );
    let s = load(&toml).scenario;
    assert_eq!(s.cluster.not_ready_toleration, SimDuration::from_secs(60));
    let (system, spot) = (&s.pools[0], &s.pools[1]);
    assert_eq!(
        (system.mtbf, system.repair_time, system.spot_eviction_rate),
        (None, SimDuration::from_mins(10), 0.0)
    );
    assert_eq!(
        (spot.mtbf, spot.repair_time, spot.spot_eviction_rate),
        (
            Some(SimDuration::from_mins(30 * 24 * 60)),
            SimDuration::from_mins(5),
            0.02
        )
    );
    let (web, job) = (&s.deployments[0], &s.deployments[1]);
    assert_eq!(
        web.pdb,
        Some(Pdb::MaxUnavailable(IntOrPercent::Percent(25)))
    );
    assert_eq!(
        (
            web.template.safe_to_evict,
            web.template.local_storage,
            web.template.controller
        ),
        (Some(false), true, true)
    );
    assert_eq!(job.pdb, Some(Pdb::MinAvailable(IntOrPercent::Int(1))));
    assert_eq!(
        (
            job.template.safe_to_evict,
            job.template.local_storage,
            job.template.controller
        ),
        (None, false, false)
    );
    // The defaults.
    let s = load(BASE).scenario;
    assert_eq!(s.cluster.not_ready_toleration, SimDuration::from_secs(300));
}

#[test]
fn a_budget_that_allows_no_eviction_is_a_warning() {
    let with = |pdb: &str, replicas: u32| {
        let toml =
            format!("{BASE}\n[[deployment]]\nname = \"web\"\nreplicas = {replicas}\npdb = {pdb}\n");
        load(&toml).warnings.join("\n")
    };
    let blocked =
        "the budget allows no voluntary eviction; nodes running these pods are never scaled down";
    // min_available 3 of 3: 3 − 3 = 0 evictions allowed.
    assert!(with("{ min_available = 3 }", 3).contains(blocked));
    // 50% of 1 replica rounds up to 1: none allowed; of 2 replicas, 1 must stay: one allowed.
    assert!(with("{ min_available = \"50%\" }", 1).contains(blocked));
    assert!(!with("{ min_available = \"50%\" }", 2).contains(blocked));
    assert!(with("{ max_unavailable = 0 }", 3).contains(blocked));
    assert!(!with("{ max_unavailable = 1 }", 3).contains(blocked));
}

#[test]
fn bad_fault_settings_name_their_field_and_line() {
    let dep =
        |extra: &str| format!("{BASE}\n[[deployment]]\nname = \"web\"\nreplicas = 2\n{extra}\n");
    check_errors(vec![
        (
            format!("{BASE}{USER}spot_eviction_rate = 0.1\n"),
            "node_pool \"user\".spot_eviction_rate: spot_eviction_rate applies only to priority = \"spot\"",
            "spot_eviction_rate",
        ),
        (
            BASE.replace("count = 2", "count = 2\nmtbf = \"0s\""),
            "node_pool \"system\".mtbf: the mean time between failures must be above zero",
            "mtbf",
        ),
        (
            BASE.replace("count = 2", "count = 2\nrepair_time = \"soon\""),
            "node_pool \"system\".repair_time: invalid duration",
            "repair_time",
        ),
        (
            dep("pdb = { max_unavailable = 1, min_available = \"50%\" }"),
            "deployment \"web\".pdb.min_available: give max_unavailable or min_available, not both",
            "pdb = ",
        ),
        (
            dep("pdb = {}"),
            "deployment \"web\".pdb: a budget needs max_unavailable or min_available",
            "pdb = ",
        ),
        (
            dep("pdb = { min_available = \"150%\" }"),
            "deployment \"web\".pdb.min_available: \"150%\" is more than 100%",
            "pdb = ",
        ),
        (
            dep("pdb = { max_unavailable = -1 }"),
            "deployment \"web\".pdb.max_unavailable: -1 is not a pod count",
            "pdb = ",
        ),
        (
            dep("controller = false\npdb = { max_unavailable = 1 }"),
            "deployment \"web\".pdb: a budget over bare pods (controller = false) takes min_available as a whole number",
            "pdb = ",
        ),
        (
            dep("controller = false\n[deployment.hpa]\nmax_replicas = 4"),
            "deployment \"web\".controller: bare pods (controller = false) have no replica count for an HPA to scale",
            "controller = false",
        ),
        (
            BASE.replace(
                "default_daemonsets = false",
                "default_daemonsets = false\nnot_ready_toleration_seconds = 99999999999",
            ),
            "cluster.not_ready_toleration_seconds: at most 31622400 seconds",
            "not_ready_toleration_seconds",
        ),
    ]);
}

#[test]
fn fault_events_become_actions() {
    let toml = format!(
        r#"{BASE}{USER}
[[node_pool]]
name = "spot"
vm_size = "Standard_D8s_v5"
priority = "spot"
zones = [3]
count = 2

[[event]]
at = "10m"
action = "zone_outage"
zone = "2"
duration = "30m"

[[event]]
at = "20m"
action = "spot-eviction"
pool = "spot"
count = 1

[[event]]
at = "30m"
action = "stock_out"
vm_size = "standard_d8s_v5"
zone = 3
duration = "1h"

[[event]]
at = "40m"
action = "stock_out"
vm_size = "Standard_D4s_v5"
duration = "2h"

[[event]]
at = "50m"
action = "fail_nodes"
pool = "user"
count = 1
"#
    );
    let loaded = load(&toml);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let actions: Vec<Action> = loaded
        .scenario
        .actions
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(
        actions,
        vec![
            Action::ZoneOutage {
                zone: 2,
                duration: SimDuration::from_mins(30)
            },
            Action::SpotEviction { pool: 2, count: 1 },
            // The SKU as the catalogue (and so the pools' sku.name) spells it.
            Action::StockOut {
                sku: "Standard_D8s_v5".into(),
                zone: Some(3),
                duration: SimDuration::from_mins(60)
            },
            Action::StockOut {
                sku: "Standard_D4s_v5".into(),
                zone: None,
                duration: SimDuration::from_mins(120)
            },
            Action::FailNodes { pool: 1, count: 1 },
        ]
    );
}

#[test]
fn bad_events_name_the_missing_or_foreign_field() {
    let event = |body: &str| format!("{BASE}{USER}\n[[event]]\nat = \"5m\"\n{body}\n");
    check_errors(vec![
        (
            event("action = \"zone_outage\"\nzone = 1"),
            "event[0].duration: action \"zone_outage\" needs duration",
            "[[event]]",
        ),
        (
            event("action = \"zone_outage\"\nzone = 1\nduration = \"1h\"\ncount = 7"),
            "event[0].count: count does not apply to action \"zone_outage\"",
            "count = 7",
        ),
        (
            event("action = \"add_nodes\"\npool = \"system\"\ncount = 3\nduration = \"3h\""),
            "event[0].duration: duration does not apply to action \"add_nodes\"",
            "duration = \"3h\"",
        ),
        (
            event("action = \"scale\"\ndeployment = \"x\"\npool = \"system\""),
            "event[0].pool: pool does not apply to action \"scale\"",
            "pool = ",
        ),
        (
            event("action = \"zone_outage\"\nzone = 4\nduration = \"1h\""),
            "event[0].zone: zone \"4\" does not exist",
            "zone = 4",
        ),
        (
            event("action = \"zone_outage\"\nzone = 1\nduration = \"0s\""),
            "event[0].duration: the duration must be above zero",
            "duration = \"0s\"",
        ),
        (
            event("action = \"spot_eviction\"\npool = \"user\"\ncount = 3"),
            "event[0].pool: pool \"user\" is not a spot pool",
            "pool = ",
        ),
        (
            event("action = \"stock_out\"\nvm_size = \"Standard_D4s_v9\"\nduration = \"1h\""),
            "event[0].vm_size: unknown VM size \"Standard_D4s_v9\"",
            "vm_size = \"Standard_D4s_v9\"",
        ),
        (
            event("action = \"fail_nodes\"\npool = \"nope\"\ncount = 3"),
            "event[0].pool: no node pool is named \"nope\"",
            "pool = ",
        ),
        (
            event("action = \"add_nodes\"\npool = \"user\"\ncount = 4"),
            "pool \"user\" is autoscaled",
            "count = 4",
        ),
    ]);
}

#[test]
fn event_warnings() {
    let event = |body: &str| {
        let toml = format!("{BASE}\n[[event]]\nat = \"5m\"\n{body}\n");
        load(&toml).warnings.join("\n")
    };
    let w = event("action = \"zone_outage\"\nzone = 3\nduration = \"1h\"");
    assert!(w.contains("event[0].zone: no node pool uses zone 3"), "{w}");
    let w = event("action = \"stock_out\"\nvm_size = \"Standard_E4s_v5\"\nduration = \"1h\"");
    assert!(w.contains("no node pool uses Standard_E4s_v5"), "{w}");
}

#[test]
fn quotas_are_checked_against_the_pools() {
    // BASE: 2 × Standard_D4s_v5 = 8 vCPUs of standardDSv5Family; USER adds 1 × 4 = 12.
    let toml = format!("{BASE}{USER}\n[quota]\nstandarddsv5family = 12\nstandardFSv2Family = 40\n");
    let loaded = load(&toml);
    assert_eq!(
        loaded.scenario.quotas,
        vec![
            // Spelled as the catalogue spells it.
            VcpuQuota {
                family: "standardDSv5Family".into(),
                vcpus: 12
            },
            VcpuQuota {
                family: "standardFSv2Family".into(),
                vcpus: 40
            },
        ]
    );
    let w = loaded.warnings.join("\n");
    assert!(
        w.contains("quota.standardFSv2Family: no node pool's VM size is of family")
            && w.contains("hint: the pools use standardDSv5Family")
            && w.contains(&format!(
                "test.toml:{}:",
                line_of(&toml, "standardFSv2Family")
            )),
        "{w}"
    );
    check_errors(vec![(
        format!("{BASE}{USER}\n[quota]\nstandardDSv5Family = 10\n"),
        "quota.standardDSv5Family: the pools start with 12 vCPUs of this family (system: 2 × 4, user: 1 × 4), more than the quota of 10",
        "standardDSv5Family = 10",
    )]);
}

#[test]
fn set_overrides_an_autoscaler_key() {
    let set = |toml: &str, arg: &str| {
        aksim::load_str("test.toml", toml, &[arg.to_string()])
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario
            .autoscaler
    };
    let arg = "autoscaler.scale-down-unneeded-time=5m";
    let five = SimDuration::from_mins(5);
    // No [autoscaler] table yet: --set adds it.
    assert_eq!(
        set(&format!("{BASE}{USER}"), arg).scale_down_unneeded_time,
        five
    );
    // The key written in the file, in either spelling.
    for key in ["scale-down-unneeded-time", "scale_down_unneeded_time"] {
        let toml = format!("{BASE}{USER}\n[autoscaler]\n{key} = \"20m\"\n");
        assert_eq!(set(&toml, arg).scale_down_unneeded_time, five);
    }
    // [autoscaler] known only through [autoscaler.priorities].
    let toml = format!("{BASE}{USER}\n[autoscaler.priorities]\n10 = [\"user\"]\n");
    let p = set(&toml, arg);
    assert_eq!(p.scale_down_unneeded_time, five);
    assert_eq!(p.priorities, vec![(10, patterns(&["user"]))]);
    // A bad value names the argument.
    let e = aksim::load_str(
        "test.toml",
        &format!("{BASE}{USER}"),
        &["autoscaler.scale-down-utilization-threshold=2".to_string()],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("--set autoscaler.scale-down-utilization-threshold=2: autoscaler.scale-down-utilization-threshold"),
        "{e}"
    );
}
