//! Random scenarios keep the cluster's invariants: no node over-allocated, sums and pending
//! counters match a recount, every pod accounted for, pools within AKS's limit, the clock never
//! goes back; HPAs stay within their bounds and trace pods are all accounted for. Actions land
//! every 15 s, often at one instant or within a pod's 60 s shutdown of
//! each other, so deletions overlap node removals.

use proptest::prelude::*;

fn scenario(
    win_nodes: u32,
    lin_nodes: u32,
    reps: &[(u32, u32, u32, bool)],
    actions: &[(u32, u8, u32, u32)],
) -> String {
    let mut s = String::from(
        "[simulation]\nname = \"p\"\nduration = \"3h\"\nseed = 3\nsample_interval = \"5m\"\n\n\
         [[node_pool]]\nname = \"system\"\nmode = \"system\"\nvm_size = \"Standard_D4s_v5\"\nzones = [\"1\", \"2\"]\ncount = 2\n\n",
    );
    s += &format!(
        "[[node_pool]]\nname = \"lin\"\nvm_size = \"Standard_D4s_v5\"\nzones = [\"1\", \"2\", \"3\"]\ncount = {lin_nodes}\nprovisioning_delay = {{ distribution = \"uniform\", min = \"1m\", max = \"4m\" }}\n\n"
    );
    s += &format!(
        "[[node_pool]]\nname = \"win\"\nos_type = \"windows\"\nvm_size = \"Standard_D4s_v5\"\nzones = [\"1\", \"2\", \"3\"]\ncount = {win_nodes}\nnode_taints = [\"os=windows:NoSchedule\"]\n\n"
    );
    for (i, (replicas, cpu, mem, win)) in reps.iter().enumerate() {
        let os = if *win { "windows" } else { "linux" };
        s += &format!(
            "[[deployment]]\nname = \"d{i}\"\nreplicas = {replicas}\nrequests = {{ cpu = \"{cpu}m\", memory = \"{mem}Mi\" }}\nnode_selector = {{ \"kubernetes.io/os\" = \"{os}\" }}\ntolerations = [{{ key = \"os\", operator = \"Exists\" }}]\nimage = {{ name = \"img{i}\", size = \"{mem}Mi\" }}\nreadiness_delay = \"20s\"\nshutdown_delay = \"60s\"\n{}\n",
            if i % 2 == 0 {
                "topology_spread = [{ max_skew = 1 }]\n"
            } else {
                ""
            }
        );
    }
    for (at, kind, target, n) in actions {
        // Every 15 s over the first two hours: actions collide or fall within a shutdown.
        let at = format!("{}s", at * 15);
        match kind % 3 {
            0 => {
                s += &format!(
                    "[[event]]\nat = \"{at}\"\naction = \"scale\"\ndeployment = \"d{}\"\nreplicas = {n}\n\n",
                    target % reps.len() as u32
                )
            }
            1 => {
                s += &format!(
                    "[[event]]\nat = \"{at}\"\naction = \"add_nodes\"\npool = \"{}\"\ncount = {}\n\n",
                    if target % 2 == 0 { "lin" } else { "win" },
                    n % 4 + 1
                )
            }
            _ => {
                s += &format!(
                    "[[event]]\nat = \"{at}\"\naction = \"remove_nodes\"\npool = \"{}\"\ncount = {}\n\n",
                    if target % 2 == 0 { "lin" } else { "win" },
                    n % 3 + 1
                )
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]
    #[test]
    fn invariants_hold(
        win in 0u32..4,
        lin in 0u32..4,
        reps in proptest::collection::vec((0u32..12, 100u32..2500, 64u32..4096, any::<bool>()), 1..5),
        actions in proptest::collection::vec((0u32..480, 0u8..3, 0u32..8, 0u32..25), 0..16),
    ) {
        let toml = scenario(win, lin, &reps, &actions);
        let loaded = aksim::load_str("p.toml", &toml, &[]).unwrap();
        let sim = aksim::simulate(loaded.scenario, &mut |_, _| {}).unwrap();
        // Sums, capacity, zone counts and pending counters match a recount; nothing is
        // over-allocated; no pool is over AKS's limit.
        sim.check_invariants();
        // Every pod is accounted for: created = alive + deleted.
        let alive: usize = sim.world.cluster.deployments.iter().map(|d| d.pods.len()).sum();
        prop_assert_eq!(sim.world.stats.pods_created, alive as u64 + sim.world.stats.pods_deleted);
        // Each deployment ends at its desired count.
        for d in &sim.world.cluster.deployments {
            prop_assert_eq!(d.pods.len() as u32, d.desired);
        }
        // The event log's clock never goes back.
        let mut last = 0.0f64;
        for line in sim.world.log.buf.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = v["time_s"].as_f64().unwrap();
            prop_assert!(t >= last);
            last = t;
        }
        // Samples cover the run: 3 h / 5 m + 1 instants.
        let instants: std::collections::BTreeSet<u64> = sim.world.samples.iter().map(|r| r.time_s).collect();
        prop_assert_eq!(instants.len(), 37);
    }
}

/// Deployments with random loads and HPAs, plus a small trace of batch pods.
fn hpa_scenario(deps: &[(u32, u32, u32, u32, bool, u32)]) -> String {
    let mut s = String::from(
        "[simulation]\nname = \"h\"\nduration = \"2h\"\nseed = 5\nsample_interval = \"1m\"\n\n\
         [[node_pool]]\nname = \"system\"\nmode = \"system\"\nvm_size = \"Standard_D4s_v5\"\nzones = [\"1\", \"2\"]\ncount = 2\n\n\
         [[node_pool]]\nname = \"lin\"\nvm_size = \"Standard_D8s_v5\"\nzones = [\"1\", \"2\", \"3\"]\ncount = 3\n\n\
         [[pod_trace]]\nname = \"jobs\"\npath = \"jobs.csv\"\n\n",
    );
    for (i, (replicas, min, span, rps, behavior, sigma)) in deps.iter().enumerate() {
        let max = min + span;
        s += &format!(
            "[[deployment]]\nname = \"d{i}\"\nreplicas = {replicas}\nrequests = {{ cpu = \"250m\", memory = \"128Mi\" }}\nlimits = {{ cpu = \"500m\" }}\nreadiness_delay = \"15s\"\n\
             [deployment.load]\ncpu_per_request = \"5m\"\nbaseline_cpu = \"10m\"\nprofiles = [{{ kind = \"steps\", steps = [{{ at = \"0s\", rps = {rps} }}, {{ at = \"40m\", rps = {} }}] }}, {{ kind = \"noise\", sigma = 0.{sigma}, interval = \"30s\" }}]\n\
             [deployment.hpa]\nmin_replicas = {min}\nmax_replicas = {max}\ncpu_utilization = 50\n{}\n",
            rps * 3 % 400,
            if *behavior {
                "behavior = { scale_down = { stabilization_window_seconds = 60, policies = [{ type = \"Pods\", value = 2, period_seconds = 30 }] } }\n"
            } else {
                ""
            }
        );
    }
    s
}

fn jobs_csv(jobs: &[(u32, u32, u32)]) -> String {
    let mut csv = String::from("start_s,duration_s,cpu,memory\n");
    for (start, dur, cpu) in jobs {
        csv += &format!("{start},{dur},{cpu}m,256Mi\n");
    }
    csv
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn hpa_and_trace_runs_keep_their_bounds(
        deps in proptest::collection::vec((0u32..8, 1u32..4, 0u32..12, 0u32..400, any::<bool>(), 0u32..4), 1..4),
        jobs in proptest::collection::vec((0u32..7200, 1u32..3600, 100u32..6000), 1..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("jobs.csv"), jobs_csv(&jobs)).unwrap();
        let path = dir.path().join("h.toml");
        std::fs::write(&path, hpa_scenario(&deps)).unwrap();
        let loaded = aksim::load_file(&path, &[]).unwrap();
        let sim = aksim::simulate(loaded.scenario, &mut |_, _| {}).unwrap();
        sim.check_invariants();
        // Every HPA decision lands within [min_replicas, max_replicas].
        for e in sim.world.log.buf.lines().filter(|l| l.contains("\"kind\":\"hpa_scaled\"")) {
            let v: serde_json::Value = serde_json::from_str(e).unwrap();
            let i: usize = v["deployment"].as_str().unwrap()[1..].parse().unwrap();
            let (_, min, span, ..) = deps[i];
            let desired = v["desired"].as_u64().unwrap() as u32;
            prop_assert!(desired >= min && desired <= min + span, "{e}");
        }
        // Served never exceeds demand; trace pods are all accounted for.
        let s = aksim::report::Summary::of(&sim);
        for d in s.deployments.values() {
            prop_assert!(d.served_requests <= d.demand_requests + 1e-6);
            prop_assert!(d.unserved_requests >= 0.0);
        }
        let t = &s.pod_traces["jobs"];
        prop_assert_eq!(t.arrived as usize, jobs.len());
        prop_assert_eq!(t.started, t.completed + t.running_at_end);
        prop_assert_eq!(t.arrived, t.started + t.never_ran);
    }
}
