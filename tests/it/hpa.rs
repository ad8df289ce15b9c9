//! The Horizontal Pod Autoscaler in whole runs: replica trajectories computed by hand, with
//! the sync instants stated, and the startup lag a cold Windows pool adds.

use crate::support::{BASE, events, load, run};

/// A roomy Linux pool (2 × 16 cores) beside the system pool.
const APPS: &str = r#"
[[node_pool]]
name = "apps"
vm_size = "Standard_D16s_v5"
zones = ["1"]
count = 2
"#;

/// A deployment on the apps pool: `replicas` pods of `cpu`, 10m of CPU per request, a load of
/// `profiles` and an HPA (min_replicas 1) with the lines of `hpa`.
fn app(name: &str, replicas: u32, cpu: &str, profiles: &str, hpa: &str) -> String {
    format!(
        "
[[deployment]]
name = \"{name}\"
replicas = {replicas}
requests = {{ cpu = \"{cpu}\", memory = \"256Mi\" }}
node_selector = {{ \"kubernetes.azure.com/agentpool\" = \"apps\" }}

[deployment.load]
cpu_per_request = \"10m\"
profiles = [{profiles}]

[deployment.hpa]
min_replicas = 1
{hpa}
"
    )
}

/// (time in s, from, to) of every `hpa_scaled` line of deployment `d`.
fn scalings(sim: &aksim::Outputs, d: &str) -> Vec<(f64, i64, i64)> {
    events(sim, "hpa_scaled")
        .iter()
        .filter(|e| e["deployment"] == d)
        .map(|e| {
            (
                e["time_s"].as_f64().unwrap(),
                e["current"].as_i64().unwrap(),
                e["desired"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_step_in_demand_gives_the_hand_computed_trajectory() {
    // 4 pods of 1 core, 10m per request, CPU target 50 %, no `behavior` (the legacy path),
    // metrics every 60 s (window 60 s), HPA syncs every 15 s from t = 0.
    // Demand 200 rps until 10 min, then 800 rps. Pods start at once (no image, no readiness
    // delay) on the roomy pool.
    //
    // t < 660 s: 200 rps / 4 pods = 50 rps × 10m = 500m = 50 % of 1 core → ratio 1 → 4.
    //   (The scrape at 600 s covers (540, 600]: still 200 rps.)
    // t = 660 s: the scrape covers (600, 660]: 800 / 4 = 200 rps → 2000m = 200 % → ratio 4 →
    //   proposal ceil(4 × 4) = 16; legacy cap max(2 × 4, 4) = 8 → 8. The 4 new pods are Ready
    //   at 660 s but have no sample yet (metrics-server needs a full window of them).
    // t = 675 s: same scrape. 4 pods at 2000m, 4 missing → on a scale-up a missing pod counts
    //   as 0: (4 × 2000) / (8 × 1000) = 100 % → ratio 2 → ceil(2 × 8) = 16; cap
    //   max(2 × 8, 4) = 16 → 16.
    // t = 720 s: the scrape covers (660, 720]: 8 ready pods for 15 s (100 rps each), 16 for
    //   45 s (50 each): 62.5 rps → 625m = 62.5 % over the 8 pods with samples; the 8 missing
    //   at 0 give 31.25 %, below target: the direction flips → no change.
    // t ≥ 780 s: 800 / 16 = 50 rps → 500m = 50 % → ratio 1 → 16, for good.
    let sim = run(&format!(
        "{BASE}{APPS}{}",
        app(
            "api",
            4,
            "1",
            r#"{ kind = "steps", steps = [{ at = "0s", rps = 200 }, { at = "10m", rps = 800 }] }"#,
            "max_replicas = 50\ncpu_utilization = 50",
        )
    ));
    assert_eq!(
        scalings(&sim, "api"),
        vec![(660.0, 4, 8), (675.0, 8, 16)],
        "{}",
        sim.world.log.buf
    );
    let s = aksim::report::Summary::of(&sim);
    let d = &s.deployments["api"];
    // Pods are never saturated (no CPU limit): everything is served.
    assert_eq!(d.unserved_requests, 0.0);
    // Demand: 200 × 600 + 800 × 3000 = 2,520,000 requests.
    assert!(
        (d.demand_requests - 2_520_000.0).abs() < 1e-6,
        "{}",
        d.demand_requests
    );
    assert_eq!(
        (d.hpa_scale_ups, d.hpa_scale_downs, d.desired_at_end),
        (2, 0, 16)
    );
    // The last sample row: 16 ready, 50 % as the HPA saw it, 800 rps served.
    let last = sim.world.deployment_samples.last().unwrap();
    assert_eq!(
        (last.ready, last.cpu_utilization, last.served_rps),
        (16, Some(50), 800.0)
    );
}

#[test]
fn a_constant_demand_settles_at_the_formula_and_stays() {
    // 290 rps × 10m = 2900m of CPU; the target is 60 % of 500m = 300m per pod →
    // ceil(2900 / 300) = 10 pods. At 10 pods the utilization is 290 × 10 / 10 / 500 = 58 %,
    // a ratio of 0.967: inside the 0.1 tolerance, so it stays at 10.
    let sim = run(&format!(
        "{BASE}{APPS}{}",
        app(
            "web",
            2,
            "500m",
            r#"{ kind = "constant", rps = 290 }"#,
            "max_replicas = 40\ncpu_utilization = 60",
        )
    ));
    let steps = scalings(&sim, "web");
    let last = steps.last().expect("it scaled");
    assert_eq!(last.2, 10, "{steps:?}");
    assert!(last.0 < 600.0, "settled within 10 minutes: {steps:?}");
    // Every change goes up (legacy cap 2 → 4 → 8 → 10 at most), none comes back down.
    assert!(steps.iter().all(|(_, a, b)| b > a), "{steps:?}");
    let rows: Vec<_> = sim
        .world
        .deployment_samples
        .iter()
        .filter(|r| r.time_s >= 900)
        .collect();
    assert!(rows.iter().all(|r| r.desired == 10 && r.ready == 10));
    assert!(
        rows.iter().all(|r| r.cpu_utilization == Some(58)),
        "{:?}",
        rows[0]
    );
}

#[test]
fn a_windows_deployment_on_a_cold_pool_waits_for_its_image() {
    // One Windows pod on a pool of three nodes; only its node has the 5 GiB image. Demand
    // jumps at 10 min; the HPA adds pods at the 11-minute sync (the first scrape that sees the
    // jump), and the new pods on the two cold nodes must pull the image first:
    // 5 GiB at the Windows default throughput (see the README) takes minutes, during which
    // the one ready pod — capped at its CPU limit of 1 core = 100 rps — leaves demand unserved.
    let sim = run(&format!(
        "{BASE}
[[node_pool]]
name = \"win\"
os_type = \"windows\"
vm_size = \"Standard_D8s_v5\"
zones = [\"1\"]
count = 3

[[deployment]]
name = \"web\"
os = \"windows\"
replicas = 1
requests = {{ cpu = \"500m\", memory = \"1Gi\" }}
limits = {{ cpu = \"1\" }}
image = {{ name = \"contoso/web:ltsc2022\", size = \"5Gi\" }}
topology_spread = {{ topology_key = \"kubernetes.io/hostname\", max_skew = 1 }}

[deployment.load]
cpu_per_request = \"10m\"
profiles = [{{ kind = \"steps\", steps = [{{ at = \"0s\", rps = 20 }}, {{ at = \"10m\", rps = 150 }}] }}]

[deployment.hpa]
min_replicas = 1
max_replicas = 10
cpu_utilization = 50
"
    ));
    let up = scalings(&sim, "web");
    assert_eq!(up.first().map(|s| (s.0, s.1)), Some((660.0, 1)), "{up:?}");
    // The first pod scheduled after the scale-up becomes Ready only after an image pull.
    let pulls = events(&sim, "image_pull");
    assert!(!pulls.is_empty(), "new nodes must pull the image");
    let pull_s = pulls[0]["done_in_s"].as_f64().unwrap();
    assert!(
        pull_s >= 60.0,
        "a 5 GiB Windows pull takes minutes, got {pull_s}"
    );
    let ready_after: Vec<f64> = events(&sim, "pod_ready")
        .iter()
        .map(|e| e["time_s"].as_f64().unwrap())
        .filter(|t| *t > 660.0)
        .collect();
    assert!(
        ready_after.first().is_some_and(|t| *t >= 660.0 + pull_s),
        "ready at {ready_after:?}, pull {pull_s}"
    );
    let s = aksim::report::Summary::of(&sim);
    let d = &s.deployments["web"];
    // From 600 s until the new pods are ready, 150 − 100 = 50 rps go unserved.
    assert!(
        d.unserved_requests >= 50.0 * (60.0 + pull_s) * 0.99,
        "{} unserved",
        d.unserved_requests
    );
    assert!(d.seconds_with_unserved_demand >= 60.0 + pull_s - 1.0);
}

#[test]
fn the_metrics_window_decides_how_much_of_a_step_the_hpa_sees() {
    // 4 pods of 1 core at 10m per request, target 50 %; 200 rps jumps to 800 rps at 645 s.
    // Scrapes every 60 s; the scrape at 660 s averages over its window:
    // - window 60 s, (600, 660]: 45 s at 200 + 15 s at 800 → 350 rps / 4 = 87.5 rps → 875m
    //   = 87.5 % → ratio 1.75 → ceil(1.75 × 4) = 7 (under the legacy cap of 8);
    // - window 15 s, (645, 660]: 800 / 4 = 200 rps → 2000m = 200 % → ratio 4 → 16 → cap 8.
    let scenario = |window: &str| {
        format!(
            "{BASE}{APPS}\n[metrics_server]\nmetric-resolution = \"60s\"\n{window}\n{}",
            app(
                "api",
                4,
                "1",
                r#"{ kind = "steps", steps = [{ at = "0s", rps = 200 }, { at = "645s", rps = 800 }] }"#,
                "max_replicas = 50\ncpu_utilization = 50",
            )
        )
    };
    let first = |sim: &aksim::Outputs| scalings(sim, "api").first().copied();
    assert_eq!(first(&run(&scenario(""))), Some((660.0, 4, 7)));
    assert_eq!(
        first(&run(&scenario("window = \"15s\""))),
        Some((660.0, 4, 8))
    );
}

#[test]
fn a_per_direction_tolerance_holds_a_scale_up_the_flag_would_make() {
    // 4 pods of 1 core at 10m per request, 260 rps: 65 rps × 10m = 650m = 65 % against a
    // 50 % target, a ratio of 1.3. The controller's tolerance (0.1) scales to
    // ceil(1.3 × 4) = 6; behavior.scale_up.tolerance = 0.5 keeps 1.3 within 1 + 0.5.
    let scenario = |behavior: &str| {
        format!(
            "{BASE}{APPS}{}",
            app(
                "api",
                4,
                "1",
                r#"{ kind = "constant", rps = 260 }"#,
                &format!("max_replicas = 50\ncpu_utilization = 50\n{behavior}"),
            )
        )
    };
    let first = |sim: &aksim::Outputs| scalings(sim, "api").first().copied();
    assert_eq!(first(&run(&scenario("behavior = {}"))), Some((0.0, 4, 6)));
    assert_eq!(
        first(&run(&scenario(
            "behavior = { scale_up = { tolerance = 0.5 } }"
        ))),
        None
    );
    // The default Kubernetes version (1.33) has the feature gate off: a warning says so.
    let warnings = |toml: &str| load(toml).warnings;
    let toml = scenario("behavior = { scale_up = { tolerance = 0.5 } }");
    let w = warnings(&toml).join("\n");
    assert!(
        w.contains("hpa.behavior.scale_up.tolerance: Kubernetes 1.33 ignores it"),
        "{w}"
    );
    let newer = toml.replace("[cluster]\n", "[cluster]\nkubernetes_version = \"1.35\"\n");
    assert_ne!(newer, toml);
    assert!(!warnings(&newer).join("\n").contains("tolerance"));
}
