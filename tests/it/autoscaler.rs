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

fn times(sim: &aksim::Sim, kind: &str, pool: &str) -> Vec<f64> {
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
    assert_eq!(sim.cluster.deployments[0].ready, 20);
}

#[test]
fn an_idle_pool_shrinks_to_min_count_after_the_unneeded_time_not_before() {
    // Four empty nodes, min_count 1, no scale-up ever: each is unneeded from the first loop
    // at 0 s; scale-down-unneeded-time is 10m, so three go at 600 s, in one bulk delete.
    let sim = run(&windows("", 0, "").replace("\ncount = 1\n", "\ncount = 4\n"));
    let deleted = times(&sim, "node_deleted", "win");
    assert_eq!(deleted, vec![600.0; 3]);
    assert_eq!(sim.cluster.pools[1].nodes.len(), 1);
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
    // out and are unneeded from 3000 s, so they go at 3600 s by the unneeded time. With
    // scale-down-delay-after-add = 60m the cooldown lasts until 610 + 3600 = 4210 s instead.
    let back = format!(
        "{BURST}\n[[event]]\nat = \"50m\"\naction = \"scale\"\ndeployment = \"portal\"\nreplicas = 2\n"
    );
    let sim = run(&windows("", 2, &back).replace("duration = \"1h\"", "duration = \"2h\""));
    let first = times(&sim, "ca_scale_down", "win");
    assert_eq!(first.first(), Some(&3600.0), "{first:?}");
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
    assert_eq!(sim.cluster.deployments[0].ready, 15);
}
