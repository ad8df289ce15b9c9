//! Regression tests, each named after the bug it pins.

use crate::support::{BASE, errors, events, load, load_in_dir, run, run_loaded};

#[test]
fn zero_provisioning_delay_left_the_node_provisioning_forever() {
    // A node with a 0s boot must be Ready at the instant it is created (here 5m), and the two
    // pending pods must bind then: 2 pods × 300 s pending.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 0
provisioning_delay = \"0s\"
node_labels = {{ tier = \"app\" }}

[[deployment]]
name = \"app\"
replicas = 2
node_selector = {{ tier = \"app\" }}

[[event]]
at = \"5m\"
action = \"add_nodes\"
pool = \"user\"
count = 1
"
    ));
    let ready: Vec<_> = events(&sim, "node_ready")
        .into_iter()
        .filter(|e| e["pool"] == "user")
        .collect();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0]["time_s"], 300.0);
    assert_eq!(aksim::report::Summary::of(&sim).pending_pod_seconds, 600.0);
}

#[test]
fn deleting_a_spread_domain_did_not_retry_pending_pods() {
    // Zone 3's only eligible node is tainted but still a spread domain (nodeTaintsPolicy
    // Ignore) with 0 pods, so maxSkew 1 caps zones 1 and 2 at one pod each: 2 of 4 pods wait.
    // Removing that node at 10m removes the domain: the 2 pods must be scheduled at 600 s.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D8s_v5\"
zones = [\"1\", \"2\"]
count = 2
node_labels = {{ tier = \"app\" }}

[[node_pool]]
name = \"blk\"
vm_size = \"Standard_D4s_v5\"
zones = [\"3\"]
count = 1
node_labels = {{ tier = \"app\" }}
node_taints = [\"dedicated=x:NoSchedule\"]

[[deployment]]
name = \"app\"
replicas = 4
requests = {{ cpu = \"500m\", memory = \"512Mi\" }}
node_selector = {{ tier = \"app\" }}
topology_spread = [{{ max_skew = 1 }}]

[[event]]
at = \"10m\"
action = \"remove_nodes\"
pool = \"blk\"
count = 1
"
    ));
    let late: Vec<f64> = events(&sim, "pod_scheduled")
        .iter()
        .map(|e| e["time_s"].as_f64().unwrap())
        .filter(|t| *t > 0.0)
        .collect();
    assert_eq!(late, vec![600.0, 600.0]);
    assert_eq!(sim.unscheduled_pods(), 0);
}

#[test]
fn a_terminating_pod_still_counted_for_topology_spread() {
    // `app` spreads 2/2/1 over zones 1–3 (zone 3's node is nearly full with a 6-CPU filler)
    // and its 6th pod waits: zones 1 and 2 are at min + 1. At 10m the deployment goes 6 → 4
    // (the pending pod, and a zone-1 pod that terminates for 5m), then 4 → 5. A terminating
    // pod does not count for spreading (kube-scheduler skips pods with a deletion timestamp),
    // so the new pod fits in zone 1 at once, not at 15m.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D8s_v5\"
zones = [\"1\", \"2\", \"3\"]
count = 3
node_labels = {{ tier = \"app\" }}

[[deployment]]
name = \"filler\"
requests = {{ cpu = \"6000m\", memory = \"1Gi\" }}
node_selector = {{ tier = \"app\", \"topology.kubernetes.io/zone\" = \"eastus-3\" }}

[[deployment]]
name = \"app\"
replicas = 6
requests = {{ cpu = \"1500m\", memory = \"512Mi\" }}
node_selector = {{ tier = \"app\" }}
topology_spread = [{{ max_skew = 1 }}]
shutdown_delay = \"5m\"
termination_grace_period_seconds = 600

[[event]]
at = \"10m\"
action = \"scale\"
deployment = \"app\"
replicas = 4

[[event]]
at = \"10m\"
action = \"scale\"
deployment = \"app\"
replicas = 5
"
    ));
    let app6: Vec<_> = events(&sim, "pod_scheduled")
        .into_iter()
        .filter(|e| e["pod"] == "app-6")
        .collect();
    assert_eq!(app6.len(), 1);
    assert_eq!(app6[0]["time_s"], 600.0);
}

#[test]
fn pods_deleted_counted_twice_when_their_node_went_away() {
    // 3 pods are deleted at 5m (20 s shutdown); their node is removed at 5m10s while they
    // terminate. Each pod is deleted once: 3, not 6.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 1
node_labels = {{ tier = \"app\" }}

[[deployment]]
name = \"app\"
replicas = 3
requests = {{ cpu = \"1\", memory = \"1Gi\" }}
node_selector = {{ tier = \"app\" }}
shutdown_delay = \"20s\"

[[event]]
at = \"5m\"
action = \"scale\"
deployment = \"app\"
replicas = 0

[[event]]
at = \"5m10s\"
action = \"remove_nodes\"
pool = \"user\"
count = 1
"
    ));
    let s = aksim::report::Summary::of(&sim);
    assert_eq!((s.pods_created, s.pods_deleted), (3, 3));
}

#[test]
fn a_huge_max_skew_overflowed_the_spread_check() {
    let e = errors(&format!(
        "{BASE}\n[[deployment]]\nname = \"a\"\ntopology_spread = [{{ max_skew = 4294967295 }}]\n"
    ));
    assert!(
        e.contains("max_skew must be between 1 and 2147483647"),
        "{e}"
    );
}

#[test]
fn a_dot_name_wrote_results_outside_their_folder() {
    for name in ["..", ".", ".hidden"] {
        let e = errors(&BASE.replace("name = \"t\"", &format!("name = \"{name}\"")));
        assert!(e.contains("cannot name a results folder"), "{name}: {e}");
    }
}

#[test]
fn events_could_exceed_the_limits_validation_enforces() {
    // Scaling through events past 2,000,000 pods in all is refused up front, not an OOM later.
    let mut big = BASE.to_string();
    for i in 0..3 {
        big += &format!(
            "\n[[deployment]]\nname = \"d{i}\"\nreplicas = 0\n\n[[event]]\nat = \"5m\"\naction = \"scale\"\ndeployment = \"d{i}\"\nreplicas = 900000\n"
        );
    }
    let e = errors(&big);
    assert!(
        e.contains("2700000 pods at 5m0s") && e.contains("at most 2000000"),
        "{e}"
    );
    // Adding nodes past AKS's 1,000 per pool is refused.
    let mut many = format!(
        "{BASE}\n[[node_pool]]\nname = \"user\"\nvm_size = \"Standard_D4s_v5\"\ncount = 1\n"
    );
    many = many.replace(
        "[cluster]",
        "[network]\nplugin = \"azure-overlay\"\npod_cidr = \"10.0.0.0/8\"\n\n[cluster]",
    );
    for _ in 0..2 {
        many += "\n[[event]]\nat = \"1m\"\naction = \"add_nodes\"\npool = \"user\"\ncount = 600\n";
    }
    let e = errors(&many);
    assert!(
        e.contains("pool \"user\" would have 1201 nodes") && e.contains("at most 1000"),
        "{e}"
    );
    // Removing the system pool's last node is refused (AKS keeps at least one).
    let e = errors(&format!(
        "{BASE}\n[[event]]\nat = \"1m\"\naction = \"remove_nodes\"\npool = \"system\"\ncount = 2\n"
    ));
    assert!(
        e.contains("system pool \"system\" would have no node"),
        "{e}"
    );
    // Manual scaling of an autoscaled pool is refused, as `az aks nodepool scale` refuses it.
    let auto = format!(
        "{BASE}\n[[node_pool]]\nname = \"auto\"\nvm_size = \"Standard_D4s_v5\"\nenable_auto_scaling = true\nmin_count = 1\nmax_count = 5\ncount = 1\n\n[[event]]\nat = \"1m\"\naction = \"add_nodes\"\npool = \"auto\"\ncount = 1\n"
    );
    let e = errors(&auto);
    assert!(e.contains("autoscaled"), "{e}");
}

#[test]
fn a_multibyte_character_at_the_end_panicked_the_error_renderer() {
    // Found by fuzzing: an error span ending inside "é" sliced a string mid-character.
    let e = errors("[simulation]\nname = \"t\"\nduration = \"1h\"\n#éé\n");
    assert!(
        e.contains("no Linux system pool") || e.contains("no [[node_pool]]"),
        "{e}"
    );
}

#[test]
fn huge_requests_overflowed_the_samples() {
    // Found by fuzzing: a DaemonSet of 9223372036854775807m CPU overflowed the node sums.
    let e = errors(&format!(
        "{BASE}\n[[daemonset]]\nname = \"big\"\nos = \"linux\"\nrequests = {{ cpu = \"9223372036854775807m\" }}\n"
    ));
    assert!(e.contains("more CPU than any VM has"), "{e}");
    let e = errors(&format!(
        "{BASE}\n[[deployment]]\nname = \"m\"\nrequests = {{ memory = \"20Ti\" }}\n"
    ));
    assert!(e.contains("more memory than any VM has"), "{e}");
}

#[test]
fn daemonsets_larger_than_a_node_over_committed_it() {
    // Found by fuzzing: a 100-CPU DaemonSet on a 2-vCPU node was placed anyway, leaving the
    // node over-committed. It is refused, pointing at the pool's VM size.
    let toml = format!(
        "{BASE}\n[[daemonset]]\nname = \"big\"\nos = \"linux\"\nrequests = {{ cpu = \"100\" }}\n"
    );
    let e = errors(&toml);
    assert!(
        e.contains("its DaemonSets request 100000m cpu") && e.contains("more than a node's 3860m"),
        "{e}"
    );
    let line = toml.lines().position(|l| l.starts_with("vm_size")).unwrap() + 1;
    assert!(e.contains(&format!("test.toml:{line}:")), "{e}");
}

#[test]
fn scaling_a_huge_deployment_to_zero_keeps_exact_counts() {
    // Fuzzing found this scale-down quadratic (2,000,000 replicas to 0 took minutes; now
    // about 2 s in release). Speed belongs to benchmarks, so this pins the outcome of the new
    // O(1) removal: every pod gone, every count exact (`run` also checks the slot indexes).
    let sim = run(&format!(
        "{}\n[[deployment]]\nname = \"d\"\nreplicas = 200000\n\n[[event]]\nat = \"1m\"\naction = \"scale\"\ndeployment = \"d\"\nreplicas = 0\n",
        BASE.replace(
            "[cluster]",
            "[output]\nevent_log = false\nplots = false\n\n[cluster]"
        )
    ));
    let s = aksim::report::Summary::of(&sim);
    assert_eq!(
        (
            s.pods_created,
            s.pods_deleted,
            sim.world.cluster.deployments[0].pods.len()
        ),
        (200_000, 200_000, 0)
    );
}

#[test]
fn two_sets_into_one_new_table_misplaced_errors() {
    // Found by fuzzing: the second --set inserted into the table the first appended, and an
    // error in that text was reported against a line of the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ok.toml");
    std::fs::write(&file, format!("{BASE}#é\n")).unwrap();
    let out = assert_cmd::Command::cargo_bin("aksim")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "validate",
            "ok.toml",
            "--set",
            "scheduler.pod_max_backoff=x",
            "--set",
            "scheduler.pod_initial_backoff=1s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error: --set scheduler.pod_max_backoff=x and --set scheduler.pod_initial_backoff=1s: scheduler.pod_max_backoff: invalid duration"), "{err}");
}

#[test]
fn a_draining_node_skewed_the_zone_of_the_next_node() {
    // 3 nodes in zones 1/2/3; at 5m one is removed (the newest: zone 3) and one added. The
    // draining zone-3 node must not count, so the new node goes to zone 3 again.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\", \"2\", \"3\"]
count = 3

[[deployment]]
name = \"app\"
replicas = 3
shutdown_delay = \"30s\"
node_selector = {{ agentpool = \"user\" }}

[[event]]
at = \"5m\"
action = \"remove_nodes\"
pool = \"user\"
count = 1

[[event]]
at = \"5m\"
action = \"add_nodes\"
pool = \"user\"
count = 1
"
    ));
    let added: Vec<_> = events(&sim, "node_provisioning")
        .into_iter()
        .filter(|e| e["time_s"] == 300.0)
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["zone"], "3");
}

#[test]
fn the_last_system_node_could_be_drained_after_a_failed_add() {
    // /26 with 30 max_pods: 59 addresses, 31 per node, so the system pool's second node
    // cannot be created; removing one node must then keep the only system node.
    let sim = run(&format!(
        "{}
[[event]]
at = \"5m\"
action = \"add_nodes\"
pool = \"system\"
count = 1

[[event]]
at = \"10m\"
action = \"remove_nodes\"
pool = \"system\"
count = 1
",
        BASE.replace(
            "[cluster]",
            "[network]\nsubnet_cidr = \"10.0.0.0/26\"\n\n[cluster]"
        )
        .replace("count = 2", "count = 1")
    ));
    assert_eq!(events(&sim, "node_create_failed").len(), 1);
    assert_eq!(events(&sim, "node_remove_refused").len(), 1);
    assert_eq!(sim.world.cluster.pools[0].nodes.len(), 1);
}

#[test]
fn a_hostname_selector_made_every_zone_a_spread_domain() {
    // Pods pinned by hostname to one zone-1 node with a hard zone spread: only zone 1 is a
    // domain (nodeAffinityPolicy Honor), so both pods fit there.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D8s_v5\"
zones = [\"1\", \"2\", \"3\"]
count = 3

[[deployment]]
name = \"pin\"
replicas = 2
requests = {{ cpu = \"100m\" }}
node_selector = {{ \"kubernetes.io/hostname\" = \"HOST\" }}
topology_spread = [{{ max_skew = 1 }}]
"
    )
    .replace("HOST", &host_of_first_user_node()));
    assert_eq!(sim.unscheduled_pods(), 0);
    assert_eq!(events(&sim, "pod_scheduled").len(), 2);
}

/// The name the first node of pool "user" gets in these scenarios (zone 1).
fn host_of_first_user_node() -> String {
    let sim = run(&format!(
        "{BASE}\n[[node_pool]]\nname = \"user\"\nvm_size = \"Standard_D8s_v5\"\nzones = [\"1\", \"2\", \"3\"]\ncount = 3\n"
    ));
    let n = sim.world.cluster.node(sim.world.cluster.pools[1].nodes[0]);
    assert_eq!(n.zone.short(), "1");
    n.name.clone()
}

#[test]
fn numbers_were_refused_as_quantities() {
    // Manifests write `cpu: 1` and `cpu: 0.5`: the same as "1" and "500m".
    let a = run(&format!(
        "{BASE}\n[[deployment]]\nname = \"d\"\nrequests = {{ cpu = 0.5, memory = 1073741824 }}\n"
    ));
    let b = run(&format!(
        "{BASE}\n[[deployment]]\nname = \"d\"\nrequests = {{ cpu = \"500m\", memory = \"1Gi\" }}\n"
    ));
    assert_eq!(a.world.cluster.classes[0].cpu_request_millis, 500);
    assert_eq!(a.world.cluster.classes[0].memory_request_bytes, 1 << 30);
    assert_eq!(a.world.log.buf, b.world.log.buf);
}

#[test]
fn kubenet_clusters_were_not_capped_at_400_nodes() {
    let toml = BASE
        .replace("[cluster]", "[network]\nplugin = \"kubenet\"\n\n[cluster]")
        .replace("count = 2", "count = 401");
    assert!(errors(&toml).contains("at most 400 per cluster"));
}

#[test]
fn a_trace_pod_evicted_before_it_ran_was_counted_as_restarted() {
    // The job pulls a 5-minute image; its node goes away at 1 min and another comes at 2 min.
    // It never ran before the eviction, so it is not a restart.
    let csv = "start_s,duration_s,cpu,memory,node_selector,tolerations\n0,60,1,1Gi,kubernetes.azure.com/agentpool=batch,batch:NoSchedule\n";
    let toml = format!(
        "{BASE}
[[node_pool]]
name = \"batch\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 1
node_taints = [\"batch=true:NoSchedule\"]
provisioning_delay = \"30s\"

[[pod_trace]]
name = \"jobs\"
path = \"jobs.csv\"
image = {{ name = \"big\", pull_time = \"5m\" }}

[[event]]
at = \"1m\"
action = \"remove_nodes\"
pool = \"batch\"
count = 1

[[event]]
at = \"2m\"
action = \"add_nodes\"
pool = \"batch\"
count = 1
"
    );
    let sim = run_loaded(load_in_dir(&toml, &[("jobs.csv", csv)]).unwrap());
    let s = aksim::report::Summary::of(&sim);
    let t = &s.pod_traces["jobs"];
    assert_eq!((t.started, t.restarted, t.completed), (1, 0, 1));
}

#[test]
fn peak_desired_missed_scale_events() {
    let sim = run(&format!(
        "{BASE}
[[deployment]]
name = \"api\"
replicas = 2
requests = {{ cpu = \"100m\", memory = \"64Mi\" }}

[[event]]
at = \"10m\"
action = \"scale\"
deployment = \"api\"
replicas = 9

[[event]]
at = \"20m\"
action = \"scale\"
deployment = \"api\"
replicas = 3
"
    ));
    let s = aksim::report::Summary::of(&sim);
    assert_eq!(s.deployments["api"].peak_desired, 9);
}

#[test]
fn rates_that_overflow_to_infinity_were_accepted() {
    let e = errors(&format!(
        "{BASE}
[[deployment]]
name = \"api\"
requests = {{ cpu = \"100m\", memory = \"64Mi\" }}
[deployment.load]
profiles = [{{ kind = \"constant\", rps = 1e308 }}, {{ kind = \"constant\", rps = 1e308 }}]
"
    ));
    assert!(e.contains("at most 1e9"), "{e}");
}

#[test]
fn a_set_with_the_other_spelling_of_a_dashed_key_was_a_duplicate_field() {
    let toml = format!(
        "{BASE}\n[controller_manager]\nhorizontal-pod-autoscaler-tolerance = 0.1\n\n[metrics_server]\nmetric-resolution = \"15s\"\n"
    );
    let sets = [
        "controller_manager.horizontal_pod_autoscaler_tolerance=0".to_string(),
        "metrics_server.metric_resolution=30s".to_string(),
    ];
    let loaded = aksim::load_str("t.toml", &toml, &sets).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.scenario.controller_manager.tolerance, 0.0);
    assert_eq!(
        loaded.scenario.metrics_server.resolution,
        aksim::engine::SimDuration::from_secs(30)
    );
}

#[test]
fn deployment_and_trace_pods_were_limited_separately() {
    // An HPA may grow "api" to 1,999,990 pods; with 20 trace pods that is over two million.
    let mut csv = String::from("start_s,duration_s,cpu,memory\n");
    for i in 0..20 {
        csv += &format!("{i},60,100m,64Mi\n");
    }
    let toml = format!(
        "{BASE}
[[deployment]]
name = \"api\"
requests = {{ cpu = \"100m\", memory = \"64Mi\" }}
[deployment.hpa]
max_replicas = 1999990

[[pod_trace]]
name = \"jobs\"
path = \"jobs.csv\"
"
    );
    let e = load_in_dir(&toml, &[("jobs.csv", &csv)]).unwrap_err();
    assert!(
        e.contains("20 trace pods and up to 1999990 deployment pods"),
        "{e}"
    );
}

/// `BASE` with the run's duration, `system` system nodes (tainted CriticalAddonsOnly when
/// `tainted`, with `system_extra` lines), `autoscaler` lines, then `rest`.
fn cluster(
    duration: &str,
    system: u32,
    tainted: bool,
    system_extra: &str,
    autoscaler: &str,
    rest: &str,
) -> String {
    let mut pool = format!("count = {system}\n{system_extra}");
    if tainted {
        pool.push_str("\nnode_taints = [\"CriticalAddonsOnly=true:NoSchedule\"]");
    }
    let mut toml = BASE
        .replace("duration = \"1h\"", &format!("duration = \"{duration}\""))
        .replace("count = 2", &pool);
    if !autoscaler.is_empty() {
        toml = toml.replace(
            "[cluster]",
            &format!("[autoscaler]\n{autoscaler}\n\n[cluster]"),
        );
    }
    toml + "\n" + rest
}

#[test]
fn a_fault_on_a_draining_node_kept_it_forever() {
    // A spot VM evicted at 10m (30 s notice) whose zone goes down at 10m05s must still be
    // deleted when its pods have stopped (20 s shutdown): at 620 s.
    let sim = run(&cluster(
        "2h",
        2,
        false,
        "",
        "",
        r#"[[node_pool]]
name = "spot"
vm_size = "Standard_D4s_v5"
priority = "spot"
zones = ["2"]
count = 3
enable_auto_scaling = true
min_count = 1
max_count = 10
provisioning_delay = "3m"

[[deployment]]
name = "web"
replicas = 6
requests = { cpu = "1", memory = "1Gi" }
tolerations = [{ key = "kubernetes.azure.com/scalesetpriority", operator = "Exists" }]
node_selector = { "kubernetes.azure.com/agentpool" = "spot" }
shutdown_delay = "20s"

[[event]]
at = "10m"
action = "spot_eviction"
pool = "spot"
count = 1

[[event]]
at = "10m5s"
action = "zone_outage"
zone = 2
duration = "5m"
"#,
    ));
    let gone = events(&sim, "node_deleted");
    assert_eq!(gone.len(), 1, "{gone:?}");
    assert_eq!(gone[0]["time_s"], 620.0);
}

#[test]
fn a_node_ready_inside_the_autoscaler_loop_overran_its_tables() {
    // A 0s boot makes the scale-up's nodes Ready within the loop that created them.
    let sim = run(&cluster(
        "1h",
        1,
        false,
        "",
        "",
        r#"[[node_pool]]
name = "user"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 1
enable_auto_scaling = true
min_count = 1
max_count = 10
provisioning_delay = "0s"

[[deployment]]
name = "web"
replicas = 2
requests = { cpu = "3", memory = "1Gi" }
node_selector = { "kubernetes.azure.com/agentpool" = "user" }

[[event]]
at = "5m"
action = "scale"
deployment = "web"
replicas = 4
"#,
    ));
    assert_eq!(sim.world.cluster.deployments[0].ready, 4);
}

#[test]
fn a_failed_removal_simulation_kept_its_destination_forever() {
    // Node a cannot go (pod y is not safe to evict); its first pod's simulated move onto b
    // used to mark b as a destination at every recheck, so b was never removed. b is
    // underutilized (500m of 3860m) and its pod fits on c: it goes after 10 minutes.
    let sim = run(&cluster(
        "1h",
        1,
        true,
        "",
        "",
        r#"[[node_pool]]
name = "a"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 1
enable_auto_scaling = true
min_count = 0
max_count = 5
node_labels = { tier = "ab" }

[[node_pool]]
name = "b"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 1
enable_auto_scaling = true
min_count = 0
max_count = 5
node_labels = { tier = "ab" }

[[node_pool]]
name = "c"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 1
node_labels = { tier = "ab" }

[[deployment]]
name = "x"
replicas = 3
requests = { cpu = "500m", memory = "256Mi" }
node_selector = { tier = "ab" }
topology_spread = [{ topology_key = "hostname", max_skew = 1 }]

[[deployment]]
name = "y"
replicas = 1
requests = { cpu = "200m", memory = "256Mi" }
node_selector = { "kubernetes.azure.com/agentpool" = "a" }
safe_to_evict = false

"#,
    ));
    let downs = events(&sim, "ca_scale_down");
    assert!(downs.iter().any(|e| e["pool"] == "b"), "{downs:?}");
}

#[test]
fn drains_in_one_loop_each_spent_the_whole_disruption_budget() {
    // 3 web pods spread over 6 nodes, max_unavailable 1, max-drain-parallelism 3: one loop
    // may evict one web pod only, so no two drains evict web pods at the same instant.
    let sim = run(&cluster(
        "1h",
        1,
        true,
        "",
        "max-drain-parallelism = 3",
        r#"[[node_pool]]
name = "user"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 6
enable_auto_scaling = true
min_count = 1
max_count = 6

[[deployment]]
name = "web"
replicas = 3
requests = { cpu = "500m", memory = "256Mi" }
topology_spread = [{ topology_key = "hostname", max_skew = 1 }]
pdb = { max_unavailable = 1 }
shutdown_delay = "30s"
readiness_delay = "20s"
"#,
    ));
    let mut at: Vec<f64> = events(&sim, "pod_deleted")
        .iter()
        .filter(|e| e["reason"] == "evicted: node drained")
        .map(|e| e["time_s"].as_f64().unwrap())
        .collect();
    // 6 nodes for 3 pods: several nodes are removable in one loop, each holding a web pod.
    assert!(at.len() >= 2, "{at:?}");
    let n = at.len();
    at.dedup();
    assert_eq!(at.len(), n, "two evictions at one instant: {at:?}");
}

#[test]
fn fail_nodes_on_a_pool_with_mtbf_multiplied_its_failures() {
    // 3 nodes, mtbf 10h, 200 h: about 60 failures, plus 5 × 3 from the events (the picked
    // nodes that are already down are skipped). Each event used to start another chain.
    let sim = run(&cluster(
        "200h",
        3,
        false,
        "mtbf = \"10h\"\nrepair_time = \"5m\"",
        "",
        r#"[[event]]
at = "1h"
action = "fail_nodes"
pool = "system"
count = 3

[[event]]
at = "2h"
action = "fail_nodes"
pool = "system"
count = 3

[[event]]
at = "3h"
action = "fail_nodes"
pool = "system"
count = 3

[[event]]
at = "4h"
action = "fail_nodes"
pool = "system"
count = 3

[[event]]
at = "5h"
action = "fail_nodes"
pool = "system"
count = 3

[[event]]
at = "6h"
action = "fail_nodes"
pool = "system"
count = 3

[[event]]
at = "7h"
action = "fail_nodes"
pool = "system"
count = 3

[[event]]
at = "8h"
action = "fail_nodes"
pool = "system"
count = 3
"#,
    ));
    let failures = events(&sim, "node_not_ready").len();
    assert!((40..=120).contains(&failures), "{failures}");
}

#[test]
fn a_vm_failure_as_a_zone_recovered_counted_as_the_outage_s_evictions() {
    // Zone 1 is down from 10m to 14m, less than the 300 s toleration: no pod is evicted for
    // it. One user VM fails at 14m, just before the zone comes back, so that node stays
    // NotReady from 10m on and its 2 pods are evicted at 15m: inside the outage's window (its
    // end + 300 s), but on a node the zone no longer holds down.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 2
repair_time = \"30m\"

[[deployment]]
name = \"web\"
replicas = 4
requests = {{ cpu = \"1\", memory = \"1Gi\" }}
node_selector = {{ \"kubernetes.azure.com/agentpool\" = \"user\" }}

[[event]]
at = \"10m\"
action = \"zone_outage\"
zone = 1
duration = \"4m\"

[[event]]
at = \"14m\"
action = \"fail_nodes\"
pool = \"user\"
count = 1
"
    ));
    let evicted: Vec<(f64, u64)> = events(&sim, "pods_evicted")
        .iter()
        .map(|e| (e["time_s"].as_f64().unwrap(), e["pods"].as_u64().unwrap()))
        .collect();
    assert_eq!(evicted, [(900.0, 2)]);
    assert_eq!(sim.world.outages[0].pods_evicted, 0);
}

#[test]
fn scheduler_panicked_when_the_node_list_shrank() {
    // 201 nodes, 17 pods placed by the warm start: the rotating start of the node scan ends
    // past index 50. Removing 150 user nodes at 10m leaves 51; scaling to 900 pods at 30m
    // scanned from the old start, past the end of the list (issue 11, defect 1). kube-scheduler
    // takes the start modulo the current node count.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\", \"2\", \"3\"]
count = 199

[[deployment]]
name = \"app\"
replicas = 17
requests = {{ cpu = \"100m\", memory = \"128Mi\" }}

[[event]]
at = \"10m\"
action = \"remove_nodes\"
pool = \"user\"
count = 150

[[event]]
at = \"30m\"
action = \"scale\"
deployment = \"app\"
replicas = 900
"
    ));
    let s = aksim::report::Summary::of(&sim);
    assert_eq!(s.nodes_at_end_by_pool["user"], 49);
    // 900 pods of 100m fit on 49 D4s_v5 user nodes and 2 system nodes at 30m.
    assert_eq!(sim.unscheduled_pods(), 0);
    assert_eq!(s.deployments["app"].ready_at_end, 900);
}

#[test]
fn a_validated_year_long_run_exhausted_memory() {
    // Three days sampled every 10 s: 25,921 instants × 3 rows (a pool in two zones and the
    // unscheduled row) = 77,763 rows, and an event log of pods that come and go. The run writes
    // them as it goes: what the run holds between instants stays under one drain (8,192 rows
    // and 4 MiB of log) plus an instant's rows (issue 11, defect 2), and the files are the
    // bytes that rendering the whole run in memory gives.
    let toml = format!(
        "{}
[output]
plots = false

[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\", \"2\"]
count = 2

[[deployment]]
name = \"web\"
replicas = 4
requests = {{ cpu = \"500m\", memory = \"512Mi\" }}

[deployment.load]
cpu_per_request = \"5m\"
profiles = [{{ kind = \"constant\", rps = 200 }}, {{ kind = \"noise\", sigma = 0.3, interval = \"5m\" }}]

[deployment.hpa]
min_replicas = 2
max_replicas = 8
metrics = [{{ type = \"Resource\", resource = {{ name = \"cpu\", target = {{ type = \"Utilization\", average_utilization = 50 }} }} }}]
",
        BASE.replace("duration = \"1h\"", "duration = \"3d\"\nsample_interval = \"10s\"")
            .replace("zones = [\"1\"]\ncount = 2", "zones = [\"1\"]\ncount = 1")
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut sim = aksim::Sim::new(load(&toml).scenario);
    let mut recorder = aksim::report::Recorder::create(&sim.world, &out).unwrap();
    let mut most = (0, 0, 0);
    sim.run_observed(&mut |_, _| {}, &mut |sim, _| {
        recorder.take(&mut sim.world)?;
        most = (
            most.0.max(sim.world.samples.len()),
            most.1.max(sim.world.deployment_samples.len()),
            most.2.max(sim.world.log.buf.len()),
        );
        Ok(())
    })
    .unwrap();
    let written = recorder.finish(&mut sim.finish(), &|| false).unwrap();
    assert!(most.0 < 8_192 + 3 && most.1 < 8_192 + 1, "{most:?}");
    assert!(most.2 < (4 << 20) + 4096, "{most:?}");
    let whole = run_loaded(load(&toml));
    assert!(whole.world.samples.len() > 70_000);
    let rendered = aksim::report::render(&whole).unwrap();
    assert_eq!(written.len(), rendered.len());
    for (name, bytes) in &rendered {
        let on_disk = std::fs::read(out.join(name)).unwrap();
        assert!(
            on_disk == *bytes,
            "{name} differs from the in-memory render"
        );
    }
    // Nothing staged is left beside the files.
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The charts keep at most 4,096 instants of the 25,921 (every 8th: 3,241).
    let data = aksim::report::stream::ChartData::of(&whole.world);
    assert_eq!(data.running.len(), 25_921usize.div_ceil(8));
}

#[cfg(unix)]
#[test]
fn stale_temporary_files_were_never_removed() {
    // A run killed during its final write left `.NAME.tmp-PID` files that later runs into the
    // same folder kept (issue 11, defect 6). The next run removes those that no process holds
    // locked and that were not written for a while, and leaves one just written (a process
    // may be creating it) and files that are not aksim's.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, BASE).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let stale = out.join(".timeseries.csv.tmp-4242");
    let fresh = out.join(".summary.json.tmp-4243");
    let foreign = out.join(".notes.tmp-4242");
    for p in [&stale, &fresh, &foreign] {
        std::fs::write(p, vec![b'x'; 1 << 16]).unwrap();
    }
    let an_hour = std::time::Duration::from_secs(3600);
    let now = std::time::SystemTime::now();
    for (p, t) in [
        (&stale, now - an_hour),
        (&foreign, now - an_hour),
        (&fresh, now + an_hour),
    ] {
        let f = std::fs::File::options().write(true).open(p).unwrap();
        f.set_modified(t).unwrap();
    }
    let status = assert_cmd::Command::cargo_bin("aksim")
        .unwrap()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    assert!(!stale.exists(), "the killed run's file is left");
    assert!(fresh.exists(), "a file written a moment ago was removed");
    assert!(foreign.exists(), "a file aksim does not write was removed");
    assert!(out.join("timeseries.csv").exists());
}

#[test]
fn a_run_that_stops_halfway_leaves_no_folder_and_no_file() {
    // The growing files are staged from the start; a run stopped by max_events removes them
    // and the folder it created.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        BASE.replace("seed = 7", "seed = 7\nmax_events = 20")
            + "\n[[deployment]]\nname = \"app\"\nreplicas = 30\n",
    )
    .unwrap();
    let out = dir.path().join("a/b/out");
    let o = assert_cmd::Command::cargo_bin("aksim")
        .unwrap()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("max_events"));
    assert!(
        !dir.path().join("a").exists(),
        "the folders are left behind"
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_left_its_staged_files() {
    // SIGINT in the middle of a long run: it stops after the instant it is in, removes its
    // staged files and the folder it created, and exits 130.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        BASE.replace(
            "duration = \"1h\"",
            "duration = \"366d\"\nsample_interval = \"16s\"",
        )
        .replace("count = 2", "count = 3\nzones = [\"1\", \"2\", \"3\"]")
        .replace("zones = [\"1\"]\n", ""),
    )
    .unwrap();
    let out = dir.path().join("out");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("aksim"))
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run has staged its files, then interrupt it.
    let start = std::time::Instant::now();
    while !out
        .join(format!(".timeseries.csv.tmp-{}", child.id()))
        .exists()
    {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "never staged"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    // SAFETY: sends a signal to the child this test started.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists(), "the interrupted run left its folder");
}

// /dev/zero reports a size of 0 and never ends: read whole before any size check, as a
// scenario or as a CSV named by one, it took memory until there was none. The scenario is now
// read up to its 16 MiB limit, and a CSV path must name a regular file.
#[cfg(unix)]
#[test]
fn reading_dev_zero_as_a_scenario_or_a_csv_exhausted_memory() {
    let e = aksim::load_file(std::path::Path::new("/dev/zero"), &[]).unwrap_err();
    assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
    for csv in [
        "[[pod_trace]]\nname = \"jobs\"\npath = \"/dev/zero\"\n",
        "[[deployment]]\nname = \"app\"\n[deployment.load]\nprofiles = [{ kind = \"csv\", path = \"/dev/zero\" }]\n",
    ] {
        let e = errors(&format!("{BASE}\n{csv}"));
        assert!(e.contains("/dev/zero is not a regular file"), "{e}");
    }
}

// The sweep file, its base scenario and `aksim compare`'s summaries were read whole too:
// /dev/zero took memory until there was none. Each is read up to a limit and refused past it.
#[cfg(unix)]
#[test]
fn a_sweep_or_a_compare_reading_dev_zero_exhausted_memory() {
    let e = aksim::sweep::Sweep::load(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("s.toml");
    std::fs::write(
        &sweep,
        "[sweep]\nname = \"z\"\nscenario = \"/dev/zero\"\n[[parameter]]\npath = \"simulation.seed\"\nvalues = [1, 2]\n",
    )
    .unwrap();
    let e = aksim::sweep::Sweep::load(&sweep).unwrap_err();
    assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
    let o = assert_cmd::Command::cargo_bin("aksim")
        .unwrap()
        .args(["compare", "/dev/zero", "/dev/zero"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("larger than 64 MiB"));
}

#[test]
fn a_trace_pod_whose_node_failed_before_it_was_ready_counted_as_running_and_never_ran() {
    // The pod's 3 GiB image is pulled while zone 1 is down (from 30 s): it runs on a NotReady
    // node, which reports no readiness, so its run never starts. The summary counted it both
    // in `never_ran` and in `running_at_end`; with the default 300 s toleration it is evicted
    // and counted as `restarted` with `started` at 0.
    let scenario = |toleration: &str| {
        format!(
            "[simulation]\nname = \"r\"\nduration = \"10m\"\n\
             [cluster]\ndefault_daemonsets = false\n{toleration}\n\
             [[node_pool]]\nname = \"system\"\nmode = \"system\"\nvm_size = \"Standard_D4s_v5\"\nzones = [\"1\"]\ncount = 1\n\
             [[pod_trace]]\nname = \"jobs\"\npath = \"jobs.csv\"\nimage = {{ name = \"big\", size = \"3Gi\" }}\n\
             [[event]]\nat = \"30s\"\naction = \"zone_outage\"\nzone = 1\nduration = \"1h\"\n"
        )
    };
    let csv = [(
        "jobs.csv",
        "start_s,duration_s,cpu,memory\n0,3600,100m,128Mi\n",
    )];
    for toleration in ["not_ready_toleration_seconds = 3600", ""] {
        let sim = run_loaded(load_in_dir(&scenario(toleration), &csv).unwrap());
        let t = &aksim::report::Summary::of(&sim).pod_traces["jobs"];
        assert_eq!(
            (
                t.arrived,
                t.started,
                t.never_ran,
                t.running_at_end,
                t.restarted
            ),
            (1, 0, 1, 0, 0),
            "{toleration:?}"
        );
    }
}
