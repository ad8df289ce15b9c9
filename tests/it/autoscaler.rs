//! The Cluster Autoscaler on whole scenarios: scale-up by the binpacking estimate, scale-down
//! timing, zone outages, a full subnet.

use crate::support::{BASE, events, run};

/// An autoscaled Windows pool (D4s_v5: 3860m allocatable cpu, so three 1-cpu pods per node)
/// with a fixed 7-minute boot, and a 1-cpu Windows deployment.
fn windows(pool_extra: &str, replicas: u32, events_toml: &str) -> String {
    format!(
        r#"{BASE}
[[node_pool]]
name = "win"
os_type = "windows"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 1
enable_auto_scaling = true
min_count = 1
max_count = 20
provisioning_delay = "7m"
{pool_extra}

[[deployment]]
name = "portal"
replicas = {replicas}
requests = {{ cpu = "1", memory = "2Gi" }}
node_selector = {{ "kubernetes.io/os" = "windows" }}
image = {{ name = "portal", size = "3Gi", pull_time = "2m" }}
{events_toml}
"#
    )
}

const BURST: &str = r#"
[[event]]
at = "10m"
action = "scale"
deployment = "portal"
replicas = 20
"#;

fn times(sim: &aksim::Outputs, kind: &str, pool: &str) -> Vec<f64> {
    events(sim, kind)
        .iter()
        .filter(|e| e["pool"] == pool)
        .map(|e| e["time_s"].as_f64().unwrap())
        .collect()
}

#[test]
fn a_windows_burst_grows_the_pool_by_the_binpacking_estimate() {
    let sim = run(&windows("", 2, BURST));
    // 18 new pods at 10m: the one node (2 pods) takes 1 more; 17 stay pending.
    // Binpacking: 3 per node (3 × 1000m ≤ 3860m), ceil(17 / 3) = 6 nodes.
    // The loop at 600 s sees only pods younger than 2 s and waits; the one at 610 s scales.
    let ups = events(&sim, "ca_scale_up");
    assert_eq!(ups.len(), 1, "{ups:?}");
    assert_eq!(ups[0]["time_s"], 610.0);
    assert_eq!(ups[0]["nodes"], 6);
    assert_eq!(ups[0]["pending_pods"], 17);
    // Every new node registers after the Windows boot: 610 + 420 = 1030 s.
    let ready: Vec<f64> = times(&sim, "node_ready", "win")
        .into_iter()
        .filter(|t| *t > 0.0)
        .collect();
    assert_eq!(ready, vec![1030.0; 6]);
    let summary = aksim::report::Summary::of(&sim);
    assert_eq!(summary.autoscaler.pools["win"].nodes_added, 6);
    assert_eq!(summary.peak_nodes_by_pool["win"], 7);
    // Pods first found unschedulable at 600 s run after the boot and the 2-minute pull:
    // 1030 + 120 − 600 = 550 s.
    assert_eq!(summary.autoscaler.unschedulable_to_running_s.max_s, 550.0);
    assert_eq!(sim.world.cluster.deployments[0].ready, 20);
}

#[test]
fn an_idle_pool_shrinks_to_min_count_after_the_unneeded_time_not_before() {
    // Four empty nodes, min_count 1, no scale-up ever: each is unneeded from the first loop
    // at 0 s; scale-down-unneeded-time is 10m and must have passed strictly (upstream's
    // `since + 10m` before now), so three go at the loop after 600 s, 610 s, in one bulk
    // delete.
    let sim = run(&windows("", 0, "").replace("\ncount = 1\n", "\ncount = 4\n"));
    let deleted = times(&sim, "node_deleted", "win");
    assert_eq!(deleted, vec![610.0; 3]);
    assert_eq!(sim.world.cluster.pools[1].nodes.len(), 1);
    let kept = events(&sim, "ca_node_kept");
    assert!(
        kept.iter()
            .any(|e| e["reason"] == "pool win is at its min_count 1"),
        "{kept:?}"
    );
}

#[test]
fn scale_down_waits_for_the_delay_after_add() {
    // Burst at 10m (scale-up at 610 s), back to 2 replicas at 50m: the six new nodes empty
    // out and are unneeded from 3000 s, so they go at 3610 s, the first loop after the
    // unneeded time. With
    // scale-down-delay-after-add = 60m the cooldown lasts until 610 + 3600 = 4210 s instead.
    let back = format!(
        "{BURST}\n[[event]]\nat = \"50m\"\naction = \"scale\"\ndeployment = \"portal\"\nreplicas = 2\n"
    );
    let sim = run(&windows("", 2, &back).replace("duration = \"1h\"", "duration = \"2h\""));
    let first = times(&sim, "ca_scale_down", "win");
    assert_eq!(first.first(), Some(&3610.0), "{first:?}");
    let slow = windows("", 2, &back)
        .replace("duration = \"1h\"", "duration = \"2h\"")
        .replace(
            "[cluster]",
            "[autoscaler]\nscale-down-delay-after-add = \"60m\"\n\n[cluster]",
        );
    let sim = run(&slow);
    let later = times(&sim, "ca_scale_down", "win");
    assert_eq!(later.first(), Some(&4210.0), "{later:?}");
    let cooldown = events(&sim, "ca_scale_down_cooldown");
    assert_eq!(cooldown[0]["until"], "2026-01-05T01:10:10Z");
}

#[test]
fn a_full_subnet_stops_growth_at_the_ip_arithmetic() {
    // /24: 256 − 5 = 251 addresses. Azure CNI, max_pods 30: 31 per node. The two system
    // nodes and the Windows node take 93; 158 are left, room for 5 more nodes (155).
    // The burst wants 6: 5 are created and 1 is refused with SubnetIsFull.
    let toml = windows("", 2, BURST).replace(
        "[cluster]",
        "[network]\nsubnet_cidr = \"10.0.0.0/24\"\n\n[cluster]",
    );
    let sim = run(&toml);
    let failed = events(&sim, "ca_scale_up_failed");
    assert_eq!(failed[0]["reason"], "SubnetIsFull");
    assert_eq!(failed[0]["time_s"], 610.0);
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("1 of 6 node(s) refused: each needs 31 subnet addresses and 3 are free"),
        "{failed:?}"
    );
    let summary = aksim::report::Summary::of(&sim);
    assert_eq!(summary.peak_nodes_by_pool["win"], 6);
    assert_eq!(
        summary.autoscaler.failed_scale_ups["SubnetIsFull"],
        failed.len() as u64
    );
    // 2 pods of the 20 never found a node.
    assert_eq!(summary.pods_unscheduled_at_end, 2);
}

#[test]
fn a_zone_outage_moves_pods_to_the_other_zones_and_capacity_recovers() {
    let mut toml = BASE.replace("zones = [\"1\"]", "zones = [\"1\", \"2\", \"3\"]");
    toml.push_str("[autoscaler]\nbalance-similar-node-groups = true\n");
    for z in 1..=3 {
        toml.push_str(&format!(
            r#"
[[node_pool]]
name = "win{z}"
os_type = "windows"
vm_size = "Standard_D4s_v5"
zones = ["{z}"]
count = 2
enable_auto_scaling = true
min_count = 1
max_count = 10
provisioning_delay = "7m"
"#
        ));
    }
    toml.push_str(
        r#"
[[deployment]]
name = "portal"
replicas = 15
requests = { cpu = "1", memory = "2Gi" }
node_selector = { "kubernetes.io/os" = "windows" }
image = { name = "portal", size = "3Gi", pull_time = "2m" }

[[event]]
at = "20m"
action = "zone_outage"
zone = 2
duration = "30m"
"#,
    );
    let toml = toml.replace("duration = \"1h\"", "duration = \"2h\"");
    let sim = run(&toml);
    // Zone 2's nodes go NotReady at 1200 s; their pods are evicted 300 s later.
    let evicted = events(&sim, "pods_evicted");
    assert!(!evicted.is_empty());
    assert!(evicted.iter().all(|e| e["time_s"] == 1500.0));
    // New nodes come only in zones 1 and 3 during the outage.
    for e in events(&sim, "node_provisioning") {
        let t = e["time_s"].as_f64().unwrap();
        if (1200.0..3000.0).contains(&t) {
            assert_ne!(e["zone"], "2", "{e:?}");
        }
    }
    let summary = aksim::report::Summary::of(&sim);
    let outage = &summary.autoscaler.outages[0];
    assert_eq!(outage.zone, 2);
    assert!(outage.pods_evicted > 0);
    let cleared = outage
        .seconds_until_no_pending_pods
        .expect("pending pods cleared");
    // Eviction at +300 s, then a Windows boot (420 s) and a pull (120 s) at least.
    assert!(cleared >= 300.0 + 420.0 + 120.0, "{cleared}");
    assert_eq!(sim.world.cluster.deployments[0].ready, 15);
}

/// `BASE` plus one Windows pool per zone in `sizes`, each autoscaled up to 10 nodes, and
/// `extra` appended (deployments, events, `[autoscaler]` lines go before `[cluster]`).
fn per_zone(sizes: &[u32], autoscaler: &str, extra: &str) -> String {
    let mut toml = BASE.replace(
        "[cluster]",
        &format!("[autoscaler]\n{autoscaler}\n\n[cluster]"),
    );
    for (i, n) in sizes.iter().enumerate() {
        let z = i + 1;
        toml.push_str(&format!(
            "\n[[node_pool]]\nname = \"win{z}\"\nos_type = \"windows\"\nvm_size = \"Standard_D4s_v5\"\nzones = [\"{z}\"]\ncount = {n}\nenable_auto_scaling = true\nmin_count = 1\nmax_count = 10\nprovisioning_delay = \"7m\"\n"
        ));
    }
    toml.push_str(extra);
    toml
}

/// `PORTAL`, scaled from 15 to 27 replicas at 10m.
fn portal_to_27() -> String {
    format!(
        "{PORTAL}\n[[event]]\nat = \"10m\"\naction = \"scale\"\ndeployment = \"portal\"\nreplicas = 27\n"
    )
}

const PORTAL: &str = r#"
[[deployment]]
name = "portal"
replicas = 15
requests = { cpu = "1", memory = "2Gi" }
node_selector = { "kubernetes.io/os" = "windows" }
image = { name = "portal", size = "3Gi", pull_time = "2m" }
"#;

#[test]
fn balancing_similar_pools_turns_3_1_1_plus_4_into_3_3_3() {
    // 15 pods fill the 5 nodes (3 each). 12 more at 10m need 4 nodes; the three pools are
    // similar, so the 4 nodes go to the smallest ones first: (3, 1, 1) → (3, 3, 3).
    let extra = portal_to_27();
    let sim = run(&per_zone(
        &[3, 1, 1],
        "balance-similar-node-groups = true",
        &extra,
    ));
    let ups = events(&sim, "ca_scale_up");
    assert_eq!(ups.len(), 1, "{ups:?}");
    assert_eq!(ups[0]["nodes"], 4);
    let sizes: Vec<usize> = sim.world.cluster.pools[1..]
        .iter()
        .map(|p| p.nodes.len())
        .collect();
    assert_eq!(sizes, vec![3, 3, 3]);
    assert_eq!(sim.world.cluster.deployments[0].ready, 27);
}

#[test]
fn without_balancing_one_pool_takes_the_whole_scale_up() {
    let extra = portal_to_27();
    let sim = run(&per_zone(&[3, 1, 1], "", &extra));
    let grown: Vec<usize> = sim.world.cluster.pools[1..]
        .iter()
        .zip([3, 1, 1])
        .map(|(p, before)| p.nodes.len() - before)
        .collect();
    assert_eq!(grown.iter().sum::<usize>(), 4);
    assert_eq!(grown.iter().filter(|g| **g > 0).count(), 1, "{grown:?}");
}

#[test]
fn the_priority_expander_picks_the_highest_matching_pool() {
    // Same burst; win3 has priority 20, the rest 10 through the catch-all.
    let extra = portal_to_27();
    let sim = run(&per_zone(
        &[3, 1, 1],
        "expander = \"priority\"\n\n[autoscaler.priorities]\n20 = [\"win3\"]\n10 = [\".*\"]",
        &extra,
    ));
    let ups = events(&sim, "ca_scale_up");
    assert_eq!(ups[0]["pools"], "win3 +4");
}

#[test]
fn a_vcpu_quota_refuses_the_scale_up_and_backs_the_pool_off_doubling() {
    // DSv5 family quota 12 vCPUs: the two system nodes and the Windows node (4 each) use it
    // all. Failures at 610 s, then when each backoff has run out: +5m → 910 s, +10m →
    // 1510 s, +20m → 2710 s; the next (+30m, 4510 s) is past the hour.
    let toml =
        windows("", 2, BURST).replace("[cluster]", "[quota]\nstandardDSv5Family = 12\n\n[cluster]");
    let sim = run(&toml);
    let failed = events(&sim, "ca_scale_up_failed");
    let at: Vec<f64> = failed
        .iter()
        .map(|e| e["time_s"].as_f64().unwrap())
        .collect();
    assert_eq!(at, vec![610.0, 910.0, 1510.0, 2710.0]);
    assert!(failed.iter().all(|e| e["reason"] == "QuotaExceeded"));
    assert_eq!(failed[0]["backoff_until"], "2026-01-05T00:15:10Z");
    assert_eq!(sim.world.cluster.pools[1].nodes.len(), 1);
}

#[test]
fn a_node_not_ready_by_max_node_provision_time_fails_the_scale_up() {
    // A 20-minute boot against the 15-minute deadline: the six nodes asked for at 610 s are
    // deleted at 610 + 900 = 1510 s (one failed scale-up) and the pool backs off 5 minutes;
    // the retry at 1810 s times out at 2710 s and backs off 10 minutes: a third try at 3310 s.
    let sim = run(&windows("", 2, BURST).replace(
        "provisioning_delay = \"7m\"",
        "provisioning_delay = \"20m\"",
    ));
    let failed = events(&sim, "ca_scale_up_failed");
    let at: Vec<f64> = failed
        .iter()
        .map(|e| e["time_s"].as_f64().unwrap())
        .collect();
    assert_eq!(at, vec![1510.0, 2710.0]);
    assert!(failed.iter().all(|e| e["reason"] == "ProvisioningTimeout"));
    assert_eq!(failed[1]["backoff_until"], "2026-01-05T00:55:10Z");
    let ups: Vec<f64> = events(&sim, "ca_scale_up")
        .iter()
        .map(|e| e["time_s"].as_f64().unwrap())
        .collect();
    assert_eq!(ups, vec![610.0, 1810.0, 3310.0]);
}

#[test]
fn a_spot_eviction_wave_is_replaced_up_to_min_count() {
    // Three spot nodes, min_count 3; two are evicted at 10m: cordoned, their pods stop within
    // the 30 s notice, and the autoscaler restores min_count in the same instant's loop.
    let toml = windows("", 3, "[[event]]\nat = \"10m\"\naction = \"spot_eviction\"\npool = \"win\"\ncount = 2\n")
        .replace("\ncount = 1\n", "\ncount = 3\npriority = \"spot\"\n")
        .replace("min_count = 1", "min_count = 3")
        .replace(
            "node_selector = {",
            "tolerations = [{ key = \"kubernetes.azure.com/scalesetpriority\", operator = \"Exists\" }]\nnode_selector = {",
        );
    let sim = run(&toml);
    let evicted = events(&sim, "spot_eviction");
    assert_eq!(evicted.len(), 2);
    let ups = events(&sim, "ca_scale_up");
    assert_eq!(ups[0]["time_s"], 600.0);
    assert_eq!(ups[0]["nodes"], 2);
    let gone: Vec<f64> = times(&sim, "node_deleted", "win");
    assert!(gone.iter().all(|t| *t <= 630.0), "{gone:?}");
    let summary = aksim::report::Summary::of(&sim);
    assert_eq!(summary.autoscaler.spot_evictions, 2);
    assert_eq!(summary.autoscaler.pools["win"].min_count_restores, 1);
    assert_eq!(sim.world.cluster.pools[1].nodes.len(), 3);
    assert_eq!(sim.world.cluster.deployments[0].ready, 3);
}

#[test]
fn a_pod_disruption_budget_keeps_an_underutilized_node() {
    // Four nodes, one pod each (1000m of 3860m: utilization 0.26), min_count 1. With
    // min_available = 4 no pod may be evicted: every node is kept, and the reason says so.
    let pdb = windows("", 4, "")
        .replace("\ncount = 1\n", "\ncount = 4\n")
        .replace("replicas = 4\n", "replicas = 4\npdb = { min_available = 4 }\ntopology_spread = { topology_key = \"hostname\", max_skew = 1 }\n");
    let sim = run(&pdb);
    assert!(events(&sim, "ca_scale_down").is_empty());
    let kept = events(&sim, "ca_node_kept");
    assert!(
        kept.iter().any(|e| e["reason"]
            .as_str()
            .unwrap()
            .contains("PodDisruptionBudget allows no more disruptions")),
        "{kept:?}"
    );
    // With max_unavailable = 1 the nodes are drained one at a time, each after the last.
    let one = pdb.replace(
        "pdb = { min_available = 4 }",
        "pdb = { max_unavailable = 1 }",
    );
    let sim = run(&one.replace("duration = \"1h\"", "duration = \"3h\""));
    let drains: Vec<_> = events(&sim, "ca_scale_down");
    assert!(!drains.is_empty());
    assert!(drains.iter().all(|e| e["removal"] == "drain"));
    let at: Vec<f64> = drains
        .iter()
        .map(|e| e["time_s"].as_f64().unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
}

#[test]
fn a_failed_vm_goes_not_ready_loses_its_pods_and_comes_back() {
    // One of three nodes fails at 10m: its pods are evicted 300 s later and replaced on the
    // other nodes; node auto-repair brings it back at 10m + 10m.
    let toml = windows("", 3, "")
        .replace("\ncount = 1\n", "\ncount = 3\n")
        .replace("min_count = 1", "min_count = 3")
        + "[[event]]\nat = \"10m\"\naction = \"fail_nodes\"\npool = \"win\"\ncount = 1\n";
    let sim = run(&toml);
    let down = events(&sim, "node_not_ready");
    assert_eq!(down.len(), 1);
    assert_eq!(down[0]["time_s"], 600.0);
    let evicted = events(&sim, "pods_evicted");
    assert_eq!(evicted[0]["time_s"], 900.0);
    let back = events(&sim, "node_ready_again");
    assert_eq!(back[0]["time_s"], 1200.0);
    assert_eq!(sim.world.cluster.deployments[0].ready, 3);
}

#[test]
fn autoscaled_runs_are_deterministic() {
    let extra = format!(
        "{PORTAL}\n[[event]]\nat = \"10m\"\naction = \"scale\"\ndeployment = \"portal\"\nreplicas = 27\n[[event]]\nat = \"30m\"\naction = \"zone_outage\"\nzone = 2\nduration = \"20m\"\n"
    );
    let toml = per_zone(&[3, 1, 1], "expander = \"random\"", &extra);
    let a = run(&toml);
    let b = run(&toml);
    assert_eq!(a.world.log.buf, b.world.log.buf);
}

#[test]
fn failures_and_spot_evictions_follow_their_rates() {
    // 10 nodes for 24 h: mtbf 2h gives about 10 × 24 / 2 = 120 failures (the repaired node
    // draws again; 10 minutes down each time barely matters), a spot rate of 0.25 per
    // node-hour about 60 evictions (min_count 10 puts an evicted node back). Poisson
    // standard deviations are ~11 and ~8; the bounds are more than 3.5 of them away.
    let toml = windows("mtbf = \"2h\"", 0, "")
        .replace("\ncount = 1\n", "\ncount = 10\n")
        .replace("min_count = 1", "min_count = 10")
        .replace("duration = \"1h\"", "duration = \"24h\"");
    let sim = run(&toml);
    let failures = events(&sim, "node_not_ready")
        .iter()
        .filter(|e| e["reason"] == "VM failure")
        .count();
    assert!((80..=160).contains(&failures), "{failures}");
    let spot = windows("priority = \"spot\"\nspot_eviction_rate = 0.25", 0, "")
        .replace("\ncount = 1\n", "\ncount = 10\n")
        .replace("min_count = 1", "min_count = 10")
        .replace("duration = \"1h\"", "duration = \"24h\"");
    let sim = run(&spot);
    let evicted = aksim::report::Summary::of(&sim).autoscaler.spot_evictions;
    assert!((30..=90).contains(&evicted), "{evicted}");
    assert_eq!(
        aksim::report::Summary::of(&sim).autoscaler.pools["win"].min_count_restores as u64,
        events(&sim, "ca_scale_up").len() as u64
    );
}
