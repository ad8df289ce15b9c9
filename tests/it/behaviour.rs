//! Small scenarios that pin what the model does, each with the arithmetic of its expectation.

use crate::support::{BASE, events, run};

#[test]
fn windows_pods_without_toleration_stay_pending_with_the_scheduler_message() {
    // 2 Linux system nodes + 3 tainted Windows nodes; the pods select Windows but do not
    // tolerate the taint: every node rejects them, 2 for the selector, 3 for the taint.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"win\"
os_type = \"windows\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 3
node_taints = [\"os=windows:NoSchedule\"]

[[deployment]]
name = \"iis\"
replicas = 2
requests = {{ cpu = \"500m\", memory = \"1Gi\" }}
node_selector = {{ \"kubernetes.io/os\" = \"windows\" }}
"
    ));
    let unsched = events(&sim, "pod_unschedulable");
    assert_eq!(unsched.len(), 2, "each pod is reported once");
    assert_eq!(
        unsched[0]["reason"],
        "0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 node(s) had untolerated taint {os: windows}."
    );
    assert_eq!(sim.unscheduled_pods(), 2);
    let summary = aksim::report::Summary::of(&sim);
    // Both pods pending for the whole hour: 2 × 3600 pod-seconds.
    assert_eq!(summary.pending_pod_seconds, 7200.0);
}

#[test]
fn linux_pods_on_an_untainted_windows_pool_land_there_and_never_start() {
    // No os selector, no taint: the scheduler may pick Windows nodes, where the Linux image
    // cannot run (ImagePullBackOff). Windows nodes are emptier, so LeastAllocated picks them.
    let toml = format!(
        "{BASE}
[[node_pool]]
name = \"win\"
os_type = \"windows\"
vm_size = \"Standard_D16s_v5\"
zones = [\"1\"]
count = 2

[[deployment]]
name = \"web\"
replicas = 4
requests = {{ cpu = \"1\", memory = \"1Gi\" }}
"
    );
    let loaded = aksim::load_str("t.toml", &toml, &[]).unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("can be scheduled onto windows pool \"win\"")),
        "{:?}",
        loaded.warnings
    );
    let sim = run(&toml);
    let stuck = events(&sim, "pod_image_pull_backoff");
    assert!(
        !stuck.is_empty(),
        "some Linux pods must land on Windows nodes"
    );
    assert!(
        stuck[0]["reason"]
            .as_str()
            .unwrap()
            .contains("no match for platform in manifest")
    );
    assert_eq!(
        aksim::report::Summary::of(&sim).pods_image_pull_backoff,
        stuck.len() as u64
    );
}

#[test]
fn image_pull_is_slow_on_a_fresh_node_and_cached_after() {
    // One Windows node added at 0s with a fixed 5m boot; 2 pods of a 2 GiB image scaled at 1m.
    // Pull at the Windows default 20 MiB/s: 2048 / 20 = 102.4 s, shared by both pods (one pull
    // per image per node). Then a third pod at 30m starts at once: the image is cached.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"win\"
os_type = \"windows\"
vm_size = \"Standard_D8s_v5\"
zones = [\"1\"]
count = 0
provisioning_delay = \"5m\"

[[deployment]]
name = \"api\"
replicas = 0
requests = {{ cpu = \"1\", memory = \"2Gi\" }}
node_selector = {{ \"kubernetes.io/os\" = \"windows\" }}
image = {{ name = \"api:1\", size = \"2Gi\" }}

[[event]]
at = \"0s\"
action = \"add_nodes\"
pool = \"win\"
count = 1

[[event]]
at = \"1m\"
action = \"scale\"
deployment = \"api\"
replicas = 2

[[event]]
at = \"30m\"
action = \"scale\"
deployment = \"api\"
replicas = 3
"
    ));
    let ready: Vec<_> = events(&sim, "node_ready")
        .into_iter()
        .filter(|e| e["pool"] == "win")
        .collect();
    assert_eq!(ready[0]["time_s"], 300.0);
    let pulls = events(&sim, "image_pull");
    assert_eq!(pulls.len(), 1, "one pull per image per node");
    assert_eq!(pulls[0]["done_in_s"], 102.4);
    let ready: Vec<f64> = events(&sim, "pod_ready")
        .iter()
        .map(|e| e["time_s"].as_f64().unwrap())
        .collect();
    // Node ready at 300 s, bind at 300 s, pull done at 402.4 s; the third pod at 1800 s.
    assert_eq!(ready, vec![402.4, 402.4, 1800.0]);
    let p = aksim::report::Summary::of(&sim).time_to_ready_s;
    // Waits: 402.4 − 60 = 342.4 s twice, and 0 s.
    assert_eq!((p.count, p.max_s, p.p50_s), (3, 342.4, 342.4));
}

#[test]
fn serialized_pulls_queue_behind_each_other() {
    // One fresh Linux node (fixed 1m boot) and two pods of different 1 GiB images bound to it
    // at 60 s. At the Linux default 50 MiB/s a pull takes 1024 / 50 = 20.48 s, and the kubelet
    // pulls one image at a time: the second is done at 40.96 s.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 0
provisioning_delay = \"1m\"
node_labels = {{ tier = \"app\" }}

[[deployment]]
name = \"a\"
image = {{ name = \"a:1\", size = \"1Gi\" }}
node_selector = {{ tier = \"app\" }}

[[deployment]]
name = \"b\"
image = {{ name = \"b:1\", size = \"1Gi\" }}
node_selector = {{ tier = \"app\" }}

[[event]]
at = \"0s\"
action = \"add_nodes\"
pool = \"user\"
count = 1
"
    ));
    let done: Vec<f64> = events(&sim, "image_pull")
        .iter()
        .map(|p| p["done_in_s"].as_f64().unwrap())
        .collect();
    assert_eq!(done, vec![20.48, 40.96]);
    let ready: Vec<f64> = events(&sim, "pod_ready")
        .iter()
        .map(|e| e["time_s"].as_f64().unwrap())
        .collect();
    assert_eq!(ready, vec![80.48, 100.96]);
}

#[test]
fn required_zone_spread_balances_and_blocks() {
    // Three zones with a D16s_v5 node each (room for 15 pods of 1 CPU), but zone 3's node is
    // filled by a 15-CPU filler. Zone 3 still counts as a domain with 0 pods, so maxSkew 1
    // lets zones 1 and 2 take one pod each (1 + 1 − 0 > 1 for a second); the other 2 pods are
    // rejected by the spread filter in zones 1–2 and for cpu in zone 3. Without the constraint
    // all 4 fit.
    let scenario = |spread: &str| {
        format!(
            "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D16s_v5\"
zones = [\"1\", \"2\", \"3\"]
count = 3
node_labels = {{ tier = \"app\" }}

[[deployment]]
name = \"filler\"
requests = {{ cpu = \"15\" }}
node_selector = {{ \"topology.kubernetes.io/zone\" = \"eastus-3\" }}

[[deployment]]
name = \"app\"
replicas = 4
requests = {{ cpu = \"1\", memory = \"1Gi\" }}
node_selector = {{ tier = \"app\" }}
{spread}
"
        )
    };
    let sim = run(&scenario("topology_spread = [{ max_skew = 1 }]"));
    let zones: Vec<String> = events(&sim, "pod_scheduled")
        .iter()
        .filter(|e| e["pod"].as_str().unwrap().starts_with("app"))
        .map(|e| e["zone"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(zones.iter().filter(|z| *z == "1").count(), 1);
    assert_eq!(zones.iter().filter(|z| *z == "2").count(), 1);
    let un = events(&sim, "pod_unschedulable");
    assert_eq!(un.len(), 2);
    assert_eq!(
        un[0]["reason"],
        "0/5 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector, 2 node(s) didn't match pod topology spread constraints."
    );
    assert_eq!(run(&scenario("")).unscheduled_pods(), 0);
}

#[test]
fn spread_constraint_filter_reports_its_reason() {
    // Zone 1 has a big node, zones 2 and 3 none of this pool: only zone 1 is a domain, so
    // the min is that zone's own count and pods keep fitting — unless min_domains = 3, which
    // makes min 0 while fewer than 3 domains exist: a second pod fails the spread filter.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D16s_v5\"
zones = [\"1\"]
count = 1
node_labels = {{ tier = \"app\" }}

[[deployment]]
name = \"app\"
replicas = 2
requests = {{ cpu = \"100m\", memory = \"100Mi\" }}
node_selector = {{ tier = \"app\" }}
topology_spread = [{{ max_skew = 1, min_domains = 3 }}]
"
    ));
    let un = events(&sim, "pod_unschedulable");
    assert_eq!(un.len(), 1);
    assert_eq!(
        un[0]["reason"],
        "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, 2 node(s) didn't match Pod's node affinity/selector."
    );
}

#[test]
fn scale_down_removes_unscheduled_pods_first() {
    // A D4s_v5 node has 3860m allocatable: 3 pods of 1 CPU fit, a 4th does not.
    // Scale to 8 at 0 on the 2 system nodes: 6 fit (3 per node), 2 stay pending. Scale to 5 at 10m: the 2 pending
    // pods go first, then one running pod from the node that holds more of them.
    let sim = run(&format!(
        "{BASE}
[[deployment]]
name = \"w\"
replicas = 0
requests = {{ cpu = \"1\", memory = \"256Mi\" }}

[[event]]
at = \"0s\"
action = \"scale\"
deployment = \"w\"
replicas = 8

[[event]]
at = \"10m\"
action = \"scale\"
deployment = \"w\"
replicas = 5
"
    ));
    let scheduled: Vec<String> = events(&sim, "pod_scheduled")
        .iter()
        .map(|e| e["pod"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(scheduled.len(), 6);
    let deleted: Vec<String> = events(&sim, "pod_deleted")
        .iter()
        .map(|e| e["pod"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(deleted.len(), 3);
    let pending: Vec<String> = (0..8)
        .map(|i| format!("w-{i}"))
        .filter(|p| !scheduled.contains(p))
        .collect();
    assert_eq!(
        &deleted[..2]
            .iter()
            .collect::<std::collections::BTreeSet<_>>(),
        &pending.iter().collect()
    );
    assert!(scheduled.contains(&deleted[2]));
    assert_eq!(sim.world.cluster.deployments[0].pods.len(), 5);
}

#[test]
fn node_cost_is_price_times_time() {
    // Two D4s_v5 Linux nodes for 1 h at $0.192/h = $0.384; Free tier: no control-plane charge.
    let sim = run(BASE);
    let s = aksim::report::Summary::of(&sim);
    assert_eq!(s.total_cost_usd, 0.384);
    assert_eq!(s.node_hours_by_pool["system"], 2.0);
    // Standard tier adds $0.10 per cluster-hour.
    let sim = run(&BASE.replace("[cluster]", "[cluster]\nsku_tier = \"standard\""));
    assert_eq!(aksim::report::Summary::of(&sim).total_cost_usd, 0.484);
}

#[test]
fn windows_costs_include_the_licence_unless_hybrid_benefit() {
    // One D4s_v5 Windows node for 1 h: $0.376; with Azure Hybrid Benefit: the Linux $0.192.
    let win = format!(
        "{BASE}\n[[node_pool]]\nname = \"win\"\nos_type = \"windows\"\nvm_size = \"Standard_D4s_v5\"\ncount = 1\n"
    );
    let s = aksim::report::Summary::of(&run(&win));
    assert_eq!(s.cost_by_pool_usd["win"], 0.376);
    let ahub = win.replace("[cluster]", "[cluster]\nenable_ahub = true");
    assert_eq!(
        aksim::report::Summary::of(&run(&ahub)).cost_by_pool_usd["win"],
        0.192
    );
}

#[test]
fn subnet_too_small_refuses_new_nodes_with_azure_reason() {
    // /26 = 64 − 5 = 59 addresses; Azure CNI with max_pods 30 takes 31 per node: the 2 system
    // nodes would need 62 > 59, so give them 10 pods each (11 × 2 = 22); a user node then
    // needs 31, leaving 6 free; a second one is refused.
    let sim = run(&format!(
        "{}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
count = 1

[[event]]
at = \"5m\"
action = \"add_nodes\"
pool = \"user\"
count = 1
",
        BASE.replace(
            "[cluster]",
            "[network]\nsubnet_cidr = \"10.0.0.0/26\"\n\n[cluster]"
        )
        .replace("count = 2", "count = 2\nmax_pods = 10")
    ));
    let failed = events(&sim, "node_create_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0]["reason"],
        "SubnetIsFull: the node needs 31 subnet addresses and 6 are free"
    );
    assert_eq!(
        aksim::report::Summary::of(&sim).node_create_failures["SubnetIsFull"],
        1
    );
}

#[test]
fn daemonsets_take_room_on_every_matching_node() {
    // With the built-in agents, a Linux D4s_v5 node loses 100+50+40+50+30+30 = 300m of its
    // 3860m: a pod of 3600m no longer fits; without them it does.
    let base_ds = BASE.replace("default_daemonsets = false", "");
    let big =
        "\n[[deployment]]\nname = \"big\"\nrequests = { cpu = \"3600m\", memory = \"1Gi\" }\n";
    let with = run(&format!("{base_ds}{big}"));
    assert_eq!(with.unscheduled_pods(), 1);
    let without = run(&format!("{BASE}{big}"));
    assert_eq!(without.unscheduled_pods(), 0);
}

#[test]
fn removed_nodes_send_their_pods_back_to_the_queue() {
    // 2 user nodes with 3 pods each (1 CPU). Removing one node at 10m deletes its pods; the
    // deployment recreates them and they fit on the remaining nodes' free room only partly.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 2
node_labels = {{ tier = \"app\" }}

[[deployment]]
name = \"app\"
replicas = 6
requests = {{ cpu = \"1\", memory = \"256Mi\" }}
node_selector = {{ tier = \"app\" }}

[[event]]
at = \"10m\"
action = \"remove_nodes\"
pool = \"user\"
count = 1
"
    ));
    assert_eq!(events(&sim, "node_deleted").len(), 1);
    // 3 recreated pods; the remaining node is full (3 × 1 CPU of 3860m), so all 3 wait.
    assert_eq!(sim.unscheduled_pods(), 3);
    assert_eq!(aksim::report::Summary::of(&sim).pods_created, 9);
}

#[test]
fn freed_room_wakes_the_scheduler_at_once() {
    // Regression: deleting a running pod with no shutdown delay must let a pending pod of
    // another deployment take its room at that instant. The 2 system nodes (3860m each) hold
    // 3 × 1-CPU pods of `a` each; `b` waits. At 10m `a` goes to 5: one pod is deleted and `b`
    // is scheduled at 600 s, not later.
    let sim = run(&format!(
        "{BASE}
[[deployment]]
name = \"a\"
replicas = 6
requests = {{ cpu = \"1\" }}

[[deployment]]
name = \"b\"
requests = {{ cpu = \"1\" }}

[[event]]
at = \"10m\"
action = \"scale\"
deployment = \"a\"
replicas = 5
"
    ));
    let b: Vec<_> = events(&sim, "pod_scheduled")
        .into_iter()
        .filter(|e| e["pod"] == "b-0")
        .collect();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["time_s"], 600.0);
}

#[test]
fn unschedulable_reasons_count_pods_not_messages() {
    // Two Windows pods without the toleration wait all hour. At 10m a system node is added:
    // the message changes ("0/5" → "0/6") but the reasons do not, so each pod is logged once
    // and counted once per reason.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"win\"
os_type = \"windows\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 3
node_taints = [\"os=windows:NoSchedule\"]

[[deployment]]
name = \"iis\"
replicas = 2
node_selector = {{ \"kubernetes.io/os\" = \"windows\" }}

[[event]]
at = \"10m\"
action = \"add_nodes\"
pool = \"system\"
count = 1
"
    ));
    assert_eq!(events(&sim, "pod_unschedulable").len(), 2);
    let s = aksim::report::Summary::of(&sim);
    let reasons: Vec<(&str, u64)> = s
        .unschedulable_reasons
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("node(s) didn't match Pod's node affinity/selector", 2),
            ("node(s) had untolerated taint {os: windows}", 2)
        ]
    );
}

#[test]
fn scale_down_prefers_not_ready_then_most_recently_ready() {
    // One node holds every pod, so the "more pods on the same node" rank ties. w-0..w-2 are
    // ready at 0 (warm start). At 10m two more start, Ready at 15m after a 5m readiness delay.
    // At 12m, 5 → 4 must delete a not-ready pod (w-3 or w-4). At 20m, 4 → 2 deletes first the
    // survivor of those two (ready 5 min ago: ⌊log₂(3e11 ns)⌋ = 38 < ⌊log₂(1.2e12 ns)⌋ = 40),
    // then one of w-0..w-2.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"one\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 1
node_labels = {{ tier = \"one\" }}

[[deployment]]
name = \"w\"
replicas = 3
requests = {{ cpu = \"100m\", memory = \"64Mi\" }}
node_selector = {{ tier = \"one\" }}
readiness_delay = \"5m\"

[[event]]
at = \"10m\"
action = \"scale\"
deployment = \"w\"
replicas = 5

[[event]]
at = \"12m\"
action = \"scale\"
deployment = \"w\"
replicas = 4

[[event]]
at = \"20m\"
action = \"scale\"
deployment = \"w\"
replicas = 2
"
    ));
    let deleted: Vec<(f64, String)> = events(&sim, "pod_deleted")
        .iter()
        .map(|e| {
            (
                e["time_s"].as_f64().unwrap(),
                e["pod"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(deleted.len(), 3);
    let new = ["w-3", "w-4"];
    assert_eq!(deleted[0].0, 720.0);
    assert!(new.contains(&deleted[0].1.as_str()), "{deleted:?}");
    let survivor = if deleted[0].1 == "w-3" { "w-4" } else { "w-3" };
    assert_eq!((deleted[1].0, deleted[1].1.as_str()), (1200.0, survivor));
    assert!(
        ["w-0", "w-1", "w-2"].contains(&deleted[2].1.as_str()),
        "{deleted:?}"
    );
}

#[test]
fn removed_nodes_are_cordoned_and_drained_before_deletion() {
    // Two user nodes (D4s_v5, 3860m) with 3 pods of 1 CPU each; pods take 30 s to stop.
    // Removing one node at 10m cordons it and evicts its 3 pods: their replacements are
    // created at once, none fits on the other (full) node, so they wait, and the cordoned node
    // is reported as unschedulable. The VM is deleted at 10m30s, when its last pod has
    // stopped, and billed until then; the pods' reasons change then and are logged again.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\"]
count = 2
node_labels = {{ tier = \"app\" }}

[[deployment]]
name = \"app\"
replicas = 6
requests = {{ cpu = \"1\", memory = \"256Mi\" }}
node_selector = {{ tier = \"app\" }}
shutdown_delay = \"30s\"

[[event]]
at = \"10m\"
action = \"remove_nodes\"
pool = \"user\"
count = 1
"
    ));
    let draining = events(&sim, "node_draining");
    assert_eq!(
        (
            draining.len(),
            draining[0]["time_s"].as_f64(),
            draining[0]["pods"].as_i64()
        ),
        (1, Some(600.0), Some(3))
    );
    let deleted: Vec<_> = events(&sim, "node_deleted");
    assert_eq!(
        (deleted.len(), deleted[0]["time_s"].as_f64()),
        (1, Some(630.0))
    );
    let un = events(&sim, "pod_unschedulable");
    assert_eq!(un.len(), 6);
    assert!(un[..3].iter().all(|e| e["time_s"] == 600.0
        && e["reason"] == "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector."));
    assert!(un[3..].iter().all(|e| e["time_s"] == 630.0
        && e["reason"] == "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."));
    let s = aksim::report::Summary::of(&sim);
    // user pool: 1 node × 3600 s + 1 node × 630 s = 4230 s = 1.175 node-hours.
    assert_eq!(s.node_hours_by_pool["user"], 1.175);
    assert_eq!(sim.unscheduled_pods(), 3);
}

#[test]
fn alternative_spellings_mean_the_same_scenario() {
    // subnet_size as addresses or as a prefix, zones as integers, one spread constraint as a
    // table with the short key "zone", and the action alias "scale_deployment": the run is the
    // same as with the canonical spellings.
    let canonical = format!(
        "{}
[[node_pool]]
name = \"user\"
vm_size = \"Standard_D4s_v5\"
zones = [\"1\", \"2\"]
count = 2
max_pods = 10

[[deployment]]
name = \"app\"
replicas = 2
requests = {{ cpu = \"100m\" }}
topology_spread = [{{ topology_key = \"topology.kubernetes.io/zone\", max_skew = 1 }}]

[[event]]
at = \"10m\"
action = \"scale\"
deployment = \"app\"
replicas = 4

[[event]]
at = \"20m\"
action = \"add_nodes\"
pool = \"user\"
count = 2
",
        BASE.replace(
            "[cluster]",
            "[network]\nsubnet_cidr = \"10.0.0.0/26\"\n\n[cluster]"
        )
        .replace("count = 2", "count = 2\nmax_pods = 10")
    );
    let reference = run(&canonical);
    // /26: 59 usable addresses; 4 nodes × 11 taken, the first added node leaves 4, the second fails.
    let failed = events(&reference, "node_create_failed");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .ends_with("and 4 are free")
    );
    let variants = [
        canonical.replace("subnet_cidr = \"10.0.0.0/26\"", "subnet_size = 64"),
        canonical.replace("subnet_cidr = \"10.0.0.0/26\"", "subnet_size = \"/26\""),
        canonical.replace("zones = [\"1\", \"2\"]", "zones = [1, 2]"),
        canonical.replace(
            "topology_spread = [{ topology_key = \"topology.kubernetes.io/zone\", max_skew = 1 }]",
            "topology_spread = { topology_key = \"zone\", max_skew = 1 }",
        ),
        canonical.replace("action = \"scale\"", "action = \"scale_deployment\""),
    ];
    for v in variants {
        let sim = run(&v);
        assert_eq!(sim.world.log.buf, reference.world.log.buf, "variant:\n{v}");
    }
    assert!(
        crate::support::errors(
            &canonical.replace("subnet_cidr = \"10.0.0.0/26\"", "subnet_size = 100")
        )
        .contains("power of two")
    );
}

#[test]
fn daemonsets_follow_os_and_node_selectors() {
    // Built-in agents: Linux 100+50+40+50+30+30 = 300m and 0+50+250+50+60+60 = 470 MiB,
    // 6 pods; Windows 40+50+30+40 = 160m and 250+50+40+80 = 420 MiB, 4 pods. A user DaemonSet selecting `tier = gpu` lands
    // only on the pool with that label (+200m, +1 pod there).
    let sim = run(&format!(
        "{}
[[node_pool]]
name = \"win\"
os_type = \"windows\"
vm_size = \"Standard_D4s_v5\"
count = 1

[[node_pool]]
name = \"gpu\"
vm_size = \"Standard_D4s_v5\"
count = 1
node_labels = {{ tier = \"gpu\" }}

[[daemonset]]
name = \"gpu-agent\"
os = \"linux\"
requests = {{ cpu = \"200m\" }}
node_selector = {{ tier = \"gpu\" }}
",
        BASE.replace("default_daemonsets = false", "")
    ));
    let by_pool = |pool: usize| {
        let n = sim
            .world
            .cluster
            .node(sim.world.cluster.pools[pool].nodes[0]);
        (n.cpu_requested, n.memory_requested >> 20, n.pod_count)
    };
    assert_eq!(by_pool(0), (300, 470, 6));
    assert_eq!(by_pool(1), (160, 420, 4));
    assert_eq!(by_pool(2), (500, 470, 7));
}
