//! `report.html`: self-contained, every scenario-derived text escaped, and rendered by a real
//! browser (headless Chromium) without a console message. Without Chromium on the PATH the
//! browser test is skipped with a note, unless `AKSIM_REQUIRE_BROWSER=1` (as in CI).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::BASE;

/// A deployment name that would run a script if it reached the page unescaped.
const HOSTILE: &str = "<script>alert(1)</script>";

/// An autoscaled pool, a deployment whose HPA grows it past the pool's first node, and an
/// outage of its zone: the timeline gets `hpa_scaled`, `ca_*` and fault rows. The comment
/// tries to close the page's `<pre>` and open a script.
fn scenario() -> String {
    format!(
        r#"{BASE}
# </pre><script>alert(2)</script><img src="https://example.invalid/x.png">

[[node_pool]]
name = "apps"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 1
enable_auto_scaling = true
min_count = 1
max_count = 4

[[deployment]]
name = "web"
replicas = 2
requests = {{ cpu = "1", memory = "1Gi" }}
node_selector = {{ "kubernetes.azure.com/agentpool" = "apps" }}

[deployment.load]
cpu_per_request = "10m"
profiles = [{{ kind = "steps", steps = [{{ at = "0s", rps = 50 }}, {{ at = "10m", rps = 400 }}] }}]

[deployment.hpa]
min_replicas = 2
max_replicas = 10
cpu_utilization = 50

[[event]]
at = "40m"
action = "zone_outage"
zone = 1
duration = "5m"
"#
    )
}

/// Runs the scenario with the deployment renamed to `HOSTILE` after validation (which accepts
/// only Kubernetes names), writes its outputs into `dir` and returns report.html's path and
/// the number of charts. Plots are off: chart files are named after deployments.
fn hostile_report(dir: &Path) -> (PathBuf, usize) {
    let mut loaded = aksim::load_str("hostile.toml", &scenario(), &[]).expect("valid scenario");
    loaded.scenario.deployments[0].name = HOSTILE.to_string();
    loaded.scenario.output.plots = false;
    let sim = aksim::simulate(loaded.scenario, &mut |_, _| {}).expect("run");
    for kind in ["hpa_scaled", "ca_scale_up", "zone_outage"] {
        assert!(
            sim.world.log.buf.contains(&format!("\"kind\":\"{kind}\"")),
            "the run has no {kind}"
        );
    }
    let outputs = aksim::report::render(&sim).expect("render");
    let data = aksim::report::stream::ChartData::of(&sim.world);
    let charts = aksim::report::charts(&sim, &data).len();
    let page = dir.join("report.html");
    let html = &outputs.iter().find(|(n, _)| n == "report.html").unwrap().1;
    std::fs::write(&page, html).unwrap();
    (page, charts)
}

/// Panics at the first thing in `html` that could load something from elsewhere. Text content
/// has every `<` escaped, so each `<` opens a tag.
fn assert_self_contained(html: &str) {
    for tag in html.split('<').skip(1) {
        let tag = tag[..tag.find('>').expect("closed tag")].to_ascii_lowercase();
        let name = tag.split_whitespace().next().unwrap_or("");
        assert!(
            ![
                "script", "link", "img", "iframe", "object", "embed", "base", "image", "use"
            ]
            .contains(&name),
            "<{tag}>"
        );
        for bad in ["src=", "http://", "https://", "url(", "javascript:"] {
            assert!(!tag.contains(bad), "{bad} in <{tag}>");
        }
        if let Some(i) = tag.find("href=") {
            assert!(tag[i..].starts_with("href=\"#"), "<{tag}>");
        }
    }
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    assert!(!style.contains("url(") && !style.contains("@import"));
}

#[test]
fn report_html_from_the_cli_is_self_contained_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("aksim")
        .unwrap()
        .arg("run")
        .arg(format!(
            "{}/scenarios/zone-outage-drill.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("report.html"));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_self_contained(&html);
    // The drill's outage and its autoscaler's answer are on the timeline.
    for text in [
        "zone 2 down until 2026-01-05T13:00:00Z: 4 node(s) NotReady",
        "ZonalAllocationFailed",
        "pool win2 is at its min_count 1",
    ] {
        assert!(html.contains(text), "missing {text:?}");
    }
}

#[test]
fn report_html_escapes_every_scenario_text() {
    let dir = tempfile::tempdir().unwrap();
    let (page, charts) = hostile_report(dir.path());
    let html = std::fs::read_to_string(page).unwrap();
    assert_self_contained(&html);
    assert!(!html.to_ascii_lowercase().contains("<script"));
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    // In the deployments table, the timeline (its rescales and its pods' names), the chart
    // titles (plotters' escaping) and the scenario's `<pre>`, which the comment cannot close.
    assert!(html.contains(&format!("<tr><td>{escaped}</td>")));
    assert!(html.contains(&format!("<td>{escaped}: 2 → ")));
    assert!(html.contains(&format!("{escaped}: replicas")));
    assert!(html.contains("# &lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert_eq!(html.matches("</pre>").count(), 1);
    assert_eq!(html.matches("<svg ").count(), charts);
    assert_eq!(
        charts, 6,
        "4 cluster charts, replicas and demand of the one deployment"
    );
}

/// Chromium on the PATH, or `None` (after a note) when it is not there and not required.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("AKSIM_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "AKSIM_REQUIRE_BROWSER=1 but no chromium on the PATH"
        );
        // Straight to stderr, past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "note: chromium is not on the PATH; the browser test of report.html is skipped"
        );
    }
    found
}

/// Loads `page` in headless Chromium and returns the DOM it built and its log (stderr).
fn load_in_chromium(chromium: &Path, page: &Path, work: &Path) -> (String, String) {
    let (dom, log) = (work.join("dom.html"), work.join("chromium.log"));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&dom).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(log).unwrap();
    assert!(status.success(), "chromium failed: {status}\n{log}");
    (std::fs::read_to_string(dom).unwrap(), log)
}

/// Chromium's log lines for the page's console: messages, script errors and blocked loads.
fn console_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn report_html_renders_in_headless_chromium_without_errors() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();

    // First, that this Chromium reports a page's errors the way `console_lines` reads them.
    let canary = dir.path().join("canary.html");
    std::fs::write(
        &canary,
        "<!DOCTYPE html><p>x</p><script>missing();</script>",
    )
    .unwrap();
    let (_, log) = load_in_chromium(&chromium, &canary, dir.path());
    assert!(
        console_lines(&log)
            .iter()
            .any(|l| l.contains("missing is not defined")),
        "chromium's log shows no console line for a script error:\n{log}"
    );

    let (page, charts) = hostile_report(dir.path());
    let (dom, log) = load_in_chromium(&chromium, &page, dir.path());
    assert_eq!(dom.matches("<svg").count(), charts, "{dom}");
    assert_rendered(&dom, &log, &["Summary", "Charts", "Timeline", "Scenario"]);
    for h3 in ["Cost", "Cluster Autoscaler", "Deployments", "Nodes by pool"] {
        assert!(dom.contains(&format!("<h3>{h3}")), "no {h3}");
    }
    // The hostile name is text in the DOM.
    assert!(dom.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
}

/// Checks a page as Chromium built it: every section heading is there, no script element
/// came from any text, and nothing was logged to the console.
fn assert_rendered(dom: &str, log: &str, sections: &[&str]) {
    for section in sections {
        assert!(dom.contains(&format!("<h2>{section}</h2>")), "no {section}");
    }
    assert!(!dom.to_ascii_lowercase().contains("<script"), "{dom}");
    let console = console_lines(log);
    assert!(
        console.is_empty(),
        "the page logged to the console:\n{}",
        console.join("\n")
    );
}

/// A parameter name that would run a script if it reached the sweep's page unescaped.
const HOSTILE_PARAMETER: &str = "<script>alert(3)</script>";

/// Sweeps the hostile scenario (its comment tries to close the page's `<pre>`) over two
/// parameters, one of them named `HOSTILE_PARAMETER`, from a sweep file whose comment does the
/// same; returns the results folder.
fn hostile_sweep(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("base.toml"), scenario()).unwrap();
    let file = dir.join("sweep.toml");
    std::fs::write(
        &file,
        format!(
            r#"# </pre><script>alert(4)</script>
[sweep]
name = "hostile"
scenario = "base.toml"
replicas = 2

[[parameter]]
path = "deployment.web.hpa.cpu_utilization"
name = "{HOSTILE_PARAMETER}"
values = [40, 70]

[[parameter]]
path = "autoscaler.scale-down-unneeded-time"
values = ["5m", "10m"]
"#
        ),
    )
    .unwrap();
    let sweep = aksim::sweep::Sweep::load(&file).unwrap();
    let out = dir.join("results");
    let opts = aksim::sweep::Options {
        out: out.clone(),
        jobs: Some(2),
        shard: aksim::sweep::Shard::ALL,
    };
    aksim::sweep::execute(&sweep, &opts, &aksim::sweep::Reporter::Hidden)
        .unwrap_or_else(|e| panic!("{e}"));
    out
}

#[test]
fn a_sweeps_report_is_self_contained_escapes_and_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let out = hostile_sweep(dir.path());
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert(3)&lt;/script&gt;"));
    assert!(html.contains("# &lt;/pre&gt;&lt;script&gt;alert(4)&lt;/script&gt;"));
    assert!(html.contains("# &lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    // The page holds every chart of plots/, inline.
    let charts = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "svg")
        .count();
    assert!(charts >= 5, "{charts} charts");
    assert_eq!(html.matches("<svg").count(), charts);

    let Some(chromium) = chromium() else { return };
    let (dom, log) = load_in_chromium(&chromium, &page, dir.path());
    assert_eq!(dom.matches("<svg").count(), charts, "{dom}");
    let sections = [
        "Summary",
        "Cost against waiting",
        "Points",
        "By parameter",
        "Sweep file",
    ];
    assert_rendered(&dom, &log, &sections);
    assert!(dom.contains("<h3>Cost against pending pod-seconds</h3>"));
}
