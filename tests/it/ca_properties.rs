//! Random autoscaled clusters with zone outages, spot waves, VM failures, stock-outs and
//! PodDisruptionBudgets keep the autoscaler's bookkeeping exact: the cluster's invariants, the
//! count of unready nodes, no drain that never ends, every booting node of an autoscaled pool
//! tracked, no pool above its `max_count`.

use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Knobs {
    balance: bool,
    min_delay_s: u32,
    mtbf_h: u32,    // 0 = none
    spot_rate: u32, // tenths per node-hour
    unneeded_m: u32,
    drain_par: u32,
    grace_s: u32,
}

/// `end_s`: where the run stops, so that the checks of its end state meet it in the middle of
/// things (nodes booting, drains under way), not only after every action has settled.
fn scenario(
    k: &Knobs,
    end_s: u32,
    deps: &[(u32, u32, u8, u8)],
    actions: &[(u32, u8, u32, u32)],
) -> String {
    let seed = k.grace_s * 7 + k.unneeded_m;
    let mut s = format!(
        "[simulation]\nname = \"f\"\nduration = \"{end_s}s\"\nseed = {seed}\nsample_interval = \"5m\"\n\n[cluster]\ndefault_daemonsets = false\nnot_ready_toleration_seconds = 120\n\n",
    );
    s += &format!(
        "[autoscaler]\nbalance-similar-node-groups = {}\nscale-down-unneeded-time = \"{}m\"\nscale-down-unready-time = \"{}m\"\nmax-drain-parallelism = {}\nscale-down-delay-after-add = \"2m\"\nmax-node-provision-time = \"6m\"\n\n",
        k.balance,
        k.unneeded_m,
        k.unneeded_m * 2,
        k.drain_par
    );
    s += "[[node_pool]]\nname = \"system\"\nmode = \"system\"\nvm_size = \"Standard_D4s_v5\"\nzones = [\"1\", \"2\"]\ncount = 2\nnode_taints = [\"CriticalAddonsOnly=true:NoSchedule\"]\n\n";
    let delay = format!(
        "provisioning_delay = {{ distribution = \"uniform\", min = \"{}s\", max = \"5m\" }}\n",
        k.min_delay_s
    );
    let mtbf = if k.mtbf_h > 0 {
        format!("mtbf = \"{}h\"\nrepair_time = \"4m\"\n", k.mtbf_h)
    } else {
        String::new()
    };
    for z in 1..=3 {
        s += &format!(
            "[[node_pool]]\nname = \"z{z}\"\nvm_size = \"Standard_D4s_v5\"\nzones = [\"{z}\"]\ncount = 1\nenable_auto_scaling = true\nmin_count = 1\nmax_count = 6\n{delay}{mtbf}\n"
        );
    }
    s += &format!(
        "[[node_pool]]\nname = \"multi\"\nvm_size = \"Standard_D8s_v5\"\nzones = [\"1\", \"2\", \"3\"]\ncount = 0\nenable_auto_scaling = true\nmin_count = 0\nmax_count = 8\n{delay}\n"
    );
    s += &format!(
        "[[node_pool]]\nname = \"spot\"\nvm_size = \"Standard_D4s_v5\"\npriority = \"spot\"\nzones = [\"1\", \"2\"]\ncount = 2\nenable_auto_scaling = true\nmin_count = 2\nmax_count = 6\nspot_eviction_rate = {}\n{delay}{mtbf}\n",
        f64::from(k.spot_rate) / 10.0
    );
    for (i, (replicas, cpu, kind, pdb)) in deps.iter().enumerate() {
        let mut d = format!(
            "[[deployment]]\nname = \"d{i}\"\nreplicas = {replicas}\nrequests = {{ cpu = \"{cpu}m\", memory = \"512Mi\" }}\nshutdown_delay = \"{}s\"\ntermination_grace_period_seconds = {}\nreadiness_delay = \"10s\"\n",
            k.grace_s,
            k.grace_s.max(1)
        );
        match kind % 4 {
            0 => {
                d += "tolerations = [{ key = \"kubernetes.azure.com/scalesetpriority\", operator = \"Exists\" }]\n"
            }
            1 => d += "node_selector = { \"topology.kubernetes.io/zone\" = \"eastus-2\" }\n",
            2 => d += "topology_spread = [{ max_skew = 1 }]\n",
            _ => {}
        }
        match pdb % 4 {
            0 => d += "pdb = { max_unavailable = 1 }\n",
            1 => d += "pdb = { min_available = \"50%\" }\n",
            _ => {}
        }
        s += &d;
        s += "\n";
    }
    for (at, kind, target, n) in actions {
        let at = format!("{}s", at * 15);
        s += &match kind % 6 {
            0 => format!(
                "[[event]]\nat = \"{at}\"\naction = \"scale\"\ndeployment = \"d{}\"\nreplicas = {}\n\n",
                target % deps.len() as u32,
                n % 30
            ),
            1 => format!(
                "[[event]]\nat = \"{at}\"\naction = \"zone_outage\"\nzone = {}\nduration = \"{}s\"\n\n",
                target % 3 + 1,
                (n % 40 + 1) * 30
            ),
            2 => format!(
                "[[event]]\nat = \"{at}\"\naction = \"spot_eviction\"\npool = \"spot\"\ncount = {}\n\n",
                n % 3 + 1
            ),
            3 => format!(
                "[[event]]\nat = \"{at}\"\naction = \"fail_nodes\"\npool = \"{}\"\ncount = {}\n\n",
                ["z1", "z2", "z3", "multi", "spot"][(target % 5) as usize],
                n % 3 + 1
            ),
            4 => format!(
                "[[event]]\nat = \"{at}\"\naction = \"stock_out\"\nvm_size = \"Standard_D8s_v5\"\nduration = \"{}s\"\n\n",
                (n % 20 + 1) * 60
            ),
            _ => format!(
                "[[event]]\nat = \"{at}\"\naction = \"scale\"\ndeployment = \"d{}\"\nreplicas = 0\n\n",
                target % deps.len() as u32
            ),
        };
    }
    s
}

fn check(sim: &aksim::Sim) -> Result<(), String> {
    use aksim::cluster::NodeState;
    sim.check_invariants();
    let unready = sim
        .world
        .cluster
        .nodes
        .iter()
        .filter(|n| matches!(n.state, NodeState::Ready | NodeState::Deleting) && n.fault != 0)
        .count() as u32;
    if unready != sim.world.unready_nodes {
        return Err(format!(
            "unready recount {unready} vs counter {}",
            sim.world.unready_nodes
        ));
    }
    // A node cordoned more than 15 minutes before the end must be gone.
    let end = sim.world.end.as_ms() as f64 / 1000.0;
    let mut drained_at: Vec<(String, f64)> = Vec::new();
    for l in sim.world.log.buf.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        if v["kind"] == "node_draining" {
            drained_at.push((
                v["node"].as_str().unwrap().to_string(),
                v["time_s"].as_f64().unwrap(),
            ));
        }
    }
    for n in &sim.world.cluster.nodes {
        if n.state == NodeState::Deleting {
            let t = drained_at
                .iter()
                .rev()
                .find(|(x, _)| *x == n.name)
                .map(|x| x.1)
                .unwrap_or(0.0);
            if end - t > 900.0 {
                return Err(format!("node {} draining since {t} never deleted", n.name));
            }
        }
    }
    let ca = sim.provisioner.cluster_autoscaler();
    for n in &sim.world.cluster.nodes {
        if n.state == NodeState::Provisioning
            && n.boot_due > n.created_at
            && !ca.upcoming.contains(&n.id)
        {
            return Err(format!("provisioning node {} not upcoming", n.name));
        }
    }
    for (i, p) in sim.world.scenario.pools.iter().enumerate() {
        if p.enable_auto_scaling {
            let size = sim.world.cluster.pools[i]
                .nodes
                .iter()
                .filter(|id| sim.world.cluster.node(**id).state != NodeState::Deleting)
                .count() as u32;
            if size > p.max_count {
                return Err(format!("pool {} at {size} > max {}", p.name, p.max_count));
            }
        }
    }
    Ok(())
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        any::<bool>(),
        0u32..60,
        0u32..4,
        0u32..5,
        1u32..12,
        1u32..3,
        0u32..120,
    )
        .prop_map(
            |(balance, min_delay_s, mtbf_h, spot_rate, unneeded_m, drain_par, grace_s)| Knobs {
                balance,
                min_delay_s,
                mtbf_h,
                spot_rate,
                unneeded_m,
                drain_par,
                grace_s,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn autoscaled_clusters_keep_their_bookkeeping(
        k in knobs(),
        end_s in 300u32..14_400,
        deps in proptest::collection::vec((0u32..20, 100u32..3000, 0u8..4, 0u8..4), 1..5),
        actions in proptest::collection::vec((0u32..600, 0u8..6, 0u32..8, 0u32..60), 0..24),
    ) {
        let toml = scenario(&k, end_s, &deps, &actions);
        let loaded = match aksim::load_str("f.toml", &toml, &[]) {
            Ok(l) => l,
            Err(e) => panic!("invalid: {e}\n{toml}"),
        };
        let mut sim = aksim::Sim::new(loaded.scenario);
        sim.run(&mut |_, _| {}).unwrap();
        if let Err(e) = check(&sim) {
            prop_assert!(false, "{}\n{}", e, toml);
        }
    }
}
