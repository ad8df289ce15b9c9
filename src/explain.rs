//! Narration for `aksim run --explain`: each decision or transition of the event log told in
//! one plain sentence, prefixed by the scenario's clock and the component that acted.
//!
//! Pure: `narrate` reads one event (its kind and its JSON fields) and returns the component
//! and the sentence, or `None` for the kinds left silent (the per-pod steps `pod_scheduled`,
//! `image_pull`, `pod_running`, `pod_ready`, `pod_deleted`, `pod_completed`; the initial nodes
//! of the warm start; HPA syncs that changed nothing worth a sentence). Times in an event
//! (`until`, `backoff_until`, times inside reasons) are shown in the same short form as the
//! prefix (`clock`), so that one clock runs through the narration.

use chrono::{DateTime, FixedOffset};
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::engine::{SimDuration, SimTime};

/// Who made a decision or saw a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    ClusterAutoscaler,
    Hpa,
    Scheduler,
    Node,
    Zone,
    Spot,
    Deployment,
}

impl Component {
    pub const ALL: [Component; 7] = [
        Component::ClusterAutoscaler,
        Component::Hpa,
        Component::Scheduler,
        Component::Node,
        Component::Zone,
        Component::Spot,
        Component::Deployment,
    ];

    /// The name used on the command line and in the narration.
    pub fn name(self) -> &'static str {
        match self {
            Component::ClusterAutoscaler => "cluster-autoscaler",
            Component::Hpa => "hpa",
            Component::Scheduler => "scheduler",
            Component::Node => "node",
            Component::Zone => "zone",
            Component::Spot => "spot",
            Component::Deployment => "deployment",
        }
    }

    /// The component that narrates events of `kind`; `None` for kinds never narrated.
    pub fn of_kind(kind: &str) -> Option<Component> {
        Some(match kind {
            "ca_scale_up"
            | "ca_no_scale_up"
            | "ca_scale_up_failed"
            | "ca_node_unneeded"
            | "ca_node_kept"
            | "ca_scale_down_cooldown"
            | "ca_scale_down"
            | "ca_halted"
            | "ca_resumed" => Component::ClusterAutoscaler,
            "hpa_scaled" | "hpa_decision" => Component::Hpa,
            "pod_unschedulable" | "pod_image_pull_backoff" => Component::Scheduler,
            "node_provisioning"
            | "node_ready"
            | "node_create_failed"
            | "node_draining"
            | "node_deleted"
            | "node_remove_refused"
            | "node_not_ready"
            | "node_ready_again"
            | "pods_evicted" => Component::Node,
            "zone_outage" | "zone_recovered" | "stock_out" => Component::Zone,
            "spot_eviction" => Component::Spot,
            "deployment_scaled" => Component::Deployment,
            _ => return None,
        })
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The components a run narrates: `--explain` alone is all of them, `--explain hpa,zone` two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Components(u8);

impl Components {
    pub const ALL: Components = Components(0b111_1111);

    pub fn contains(self, c: Component) -> bool {
        self.0 & c.bit() != 0
    }
}

impl FromStr for Components {
    type Err = String;

    /// A comma-separated list of component names, or `all`.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut set = 0u8;
        for word in text.split(',').map(str::trim) {
            if word == "all" {
                set = Components::ALL.0;
                continue;
            }
            match Component::ALL.iter().find(|c| c.name() == word) {
                Some(c) => set |= c.bit(),
                None => {
                    let names: Vec<&str> = Component::ALL.iter().map(|c| c.name()).collect();
                    let mut msg = format!(
                        "unknown component {word:?}; the components are {} (or all)",
                        names.join(", ")
                    );
                    // `aksim run --explain scenario.toml` takes the file for the list.
                    if word.contains('.') || word.contains('/') {
                        msg += "; to narrate every component, put --explain after the scenario \
                                or write --explain=all";
                    }
                    return Err(msg);
                }
            }
        }
        Ok(Components(set))
    }
}

/// The scenario's wall clock, as `HH:MM:SS` in the offset of its `start`; from the second
/// calendar day of the run on, prefixed with the day: `+1d 02:00:00` is 02:00 the next day.
pub fn clock(at: DateTime<FixedOffset>, start: DateTime<FixedOffset>) -> String {
    let days = (at.date_naive() - start.date_naive()).num_days();
    let hms = at.format("%H:%M:%S");
    if days > 0 {
        format!("+{days}d {hms}")
    } else {
        hms.to_string()
    }
}

/// The event's instant and the run's start, from its `time` and `time_s`.
fn instants(e: &Value) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let at = DateTime::parse_from_rfc3339(e["time"].as_str()?).ok()?;
    let ms = (e["time_s"].as_f64()? * 1000.0).round() as i64;
    Some((at, at - chrono::Duration::milliseconds(ms)))
}

/// The whole narrated line of one tapped event, if its component is in `only` and its kind
/// is narrated: `00:10:10 cluster-autoscaler: …`.
pub fn explain_line(t: SimTime, kind: &str, line: &str, only: Components) -> Option<String> {
    // Most events are per-pod steps: skip them before parsing anything.
    let component = Component::of_kind(kind)?;
    if !only.contains(component) {
        return None;
    }
    let event: Value = serde_json::from_str(line).ok()?;
    let (component, text) = narrate(kind, &event)?;
    let when = match instants(&event) {
        Some((at, start)) => clock(at, start),
        None => t.clock(),
    };
    // Names in events come from the scenario and its traces: shown, not obeyed.
    Some(crate::text::escape(&format!("{when} {component}: {text}")).into_owned())
}

/// One event in one sentence, with the component it belongs to; `None` when the event is
/// not worth a sentence (see the module's documentation).
pub fn narrate(kind: &str, e: &Value) -> Option<(Component, String)> {
    let component = Component::of_kind(kind)?;
    let text = match component {
        Component::ClusterAutoscaler => autoscaler(kind, e)?,
        Component::Hpa => hpa(kind, e)?,
        Component::Scheduler => scheduler(kind, e)?,
        Component::Node => node(kind, e)?,
        Component::Zone => zone(kind, e)?,
        Component::Spot => format!(
            "Azure evicts {} ({}): {}",
            s(e, "node"),
            s(e, "pool"),
            s(e, "reason")
        ),
        Component::Deployment => format!(
            "{} {} → {} ({})",
            s(e, "deployment"),
            i(e, "from"),
            i(e, "to"),
            s(e, "reason")
        ),
    };
    Some((component, on_wall_clock(&text, e)))
}

/// The reason a scale-up's pods wait, from its `reasons` (most met first: "node(s) had
/// untolerated taint {…} (7); Insufficient cpu (7)"), as " (Insufficient cpu, …)": a shortage
/// of a resource when there is one (what new nodes cure; the other reasons are the nodes the
/// pods could never use), else the most met; nothing when there is none.
fn main_reason(reasons: &str) -> String {
    let all: Vec<&str> = reasons
        .split("; ")
        .filter(|r| !r.is_empty())
        .map(|r| r.rsplit_once(" (").map_or(r, |(name, _)| name))
        .collect();
    let shortage = |r: &&&str| r.starts_with("Insufficient ") || **r == "Too many pods";
    let Some(main) = all.iter().find(shortage).or(all.first()) else {
        return String::new();
    };
    let more = if all.len() > 1 { ", …" } else { "" };
    format!(" ({main}{more})")
}

fn autoscaler(kind: &str, e: &Value) -> Option<String> {
    Some(match kind {
        "ca_scale_up" if e.get("pending_pods").is_some() => {
            let mut text = format!(
                "{} unschedulable{} → +{} in {}",
                count(i(e, "pending_pods"), "pod"),
                main_reason(s(e, "reasons")),
                count(i(e, "nodes"), "node"),
                pools_grown(s(e, "pools"))
            );
            let expander = s(e, "expander");
            if !expander.is_empty() {
                text += &format!(" (expander {expander})");
            }
            let skipped = s(e, "skipped");
            if !skipped.is_empty() {
                text += &format!("; skipped {skipped}");
            }
            text
        }
        // A pool brought back to its min_count carries only a reason.
        "ca_scale_up" => format!(
            "+{} in {}: {}",
            count(i(e, "nodes"), "node"),
            pools_grown(s(e, "pools")),
            s(e, "reason")
        ),
        "ca_no_scale_up" => format!(
            "{} unschedulable, no scale-up: {}",
            count(i(e, "pending_pods"), "pod"),
            s(e, "reason")
        ),
        "ca_scale_up_failed" => format!(
            "scale-up of {} failed: {} ({}); backed off until {}",
            s(e, "pool"),
            s(e, "reason"),
            s(e, "message"),
            s(e, "backoff_until")
        ),
        "ca_node_unneeded" => format!(
            "{} is unneeded (utilization {:.2}, {})",
            s(e, "node"),
            f(e, "utilization"),
            s(e, "resource")
        ),
        "ca_node_kept" => format!("keeps {}: {}", s(e, "node"), s(e, "reason")),
        "ca_scale_down_cooldown" => format!(
            "scale-down of {} waits until {}: {}",
            count(i(e, "nodes_waiting"), "unneeded node"),
            s(e, "until"),
            s(e, "reason")
        ),
        "ca_scale_down" if s(e, "removal") == "drain" => format!(
            "drains {} to remove it (utilization {:.2}, unneeded for {})",
            s(e, "node"),
            f(e, "utilization"),
            duration(f(e, "unneeded_for_s"))
        ),
        "ca_scale_down" => format!(
            "removes {} ({}, unneeded for {})",
            s(e, "node"),
            s(e, "removal"),
            duration(f(e, "unneeded_for_s"))
        ),
        "ca_halted" => format!("halts every scale-up and scale-down: {}", s(e, "reason")),
        "ca_resumed" => "resumes: enough nodes are Ready again".to_string(),
        _ => return None,
    })
}

/// `win1 +2` → `win1`; `win3 +1, win1 +1` → `win3 (+1), win1 (+1)`.
fn pools_grown(plan: &str) -> String {
    let parts: Vec<&str> = plan.split(", ").collect();
    if let [one] = parts.as_slice() {
        return one.split(" +").next().unwrap_or(one).to_string();
    }
    parts
        .iter()
        .map(|p| match p.split_once(" +") {
            Some((pool, n)) => format!("{pool} (+{n})"),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn hpa(kind: &str, e: &Value) -> Option<String> {
    let name = s(e, "deployment");
    let (current, desired) = (i(e, "current"), i(e, "desired"));
    let limit = match s(e, "limited_by") {
        "" => String::new(),
        by => format!("; {by}: {}", s(e, "limit_message")),
    };
    let failed = metrics(e).iter().any(|m| m.get("error").is_some());
    match kind {
        "hpa_scaled" => {
            let mut text = format!("{name} {current} → {desired} ({})", s(e, "reason"));
            let seen = metric_values(e);
            if !seen.is_empty() {
                text += &format!(" — {seen}");
            }
            let (proposal, stabilized) = (e["proposal"].as_i64(), e["stabilized"].as_i64());
            if let (Some(p), Some(st)) = (proposal, stabilized)
                && p != st
            {
                text += &format!("; the stabilization window keeps {st} instead of {p}");
            }
            Some(text + &limit)
        }
        // Unchanged syncs are told only when a limit holds or a metric failed.
        "hpa_decision" if failed => Some(format!("{name} stays at {current}: {}", s(e, "reason"))),
        "hpa_decision" if !limit.is_empty() => Some(format!(
            "{name} stays at {current} although its metrics ask for {} — {}{limit}",
            e["stabilized"].as_i64().unwrap_or(desired),
            metric_values(e)
        )),
        _ => None,
    }
}

fn metrics(e: &Value) -> &[Value] {
    e["metrics"].as_array().map_or(&[], Vec::as_slice)
}

/// `resource/cpu 250% vs target 50% → 20` for each metric that has a value.
fn metric_values(e: &Value) -> String {
    metrics(e)
        .iter()
        .filter(|m| m.get("error").is_none())
        .map(|m| {
            let name = s(m, "metric");
            let replicas = i(m, "replicas");
            if let Some(u) = m["utilization"].as_i64() {
                let target = i(m, "target_utilization");
                format!("{name} {u}% vs target {target}% → {replicas}")
            } else {
                let (per, target) = match m["target_average_value"].as_f64() {
                    Some(t) => (" per pod", t),
                    None => ("", f(m, "target_value")),
                };
                format!(
                    "{name} {}{per} vs target {} → {replicas}",
                    f(m, "value"),
                    target
                )
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn scheduler(kind: &str, e: &Value) -> Option<String> {
    Some(match kind {
        "pod_unschedulable" => {
            let attempts = i(e, "attempts");
            let mut text = format!("{} is unschedulable: {}", s(e, "pod"), s(e, "reason"));
            if attempts > 1 {
                text += &format!(" (attempt {attempts})");
            }
            text
        }
        "pod_image_pull_backoff" => format!(
            "{} was bound to {} and can never start (ImagePullBackOff): {}",
            s(e, "pod"),
            s(e, "node"),
            s(e, "reason")
        ),
        _ => return None,
    })
}

fn node(kind: &str, e: &Value) -> Option<String> {
    let name = s(e, "node");
    let place = || match s(e, "zone") {
        "" | "none" => s(e, "pool").to_string(),
        z => format!("{}, zone {z}", s(e, "pool")),
    };
    Some(match kind {
        // The warm start's nodes are there from the first instant: nothing to tell.
        "node_provisioning" if f(e, "ready_in_s") == 0.0 => return None,
        "node_provisioning" => format!(
            "{name} ({}) is provisioning ({}), Ready in {}",
            place(),
            s(e, "reason"),
            duration(f(e, "ready_in_s"))
        ),
        "node_ready" if f(e, "provisioning_s") == 0.0 => return None,
        "node_ready" => format!(
            "{name} ({}) is Ready after {}",
            place(),
            duration(f(e, "provisioning_s"))
        ),
        "node_create_failed" => format!(
            "a new {} node in zone {} was refused: {}",
            s(e, "pool"),
            s(e, "zone"),
            s(e, "reason")
        ),
        "node_draining" if i(e, "pods") == 0 => format!(
            "{name} ({}) is cordoned for deletion, no pods to evict ({})",
            s(e, "pool"),
            s(e, "reason")
        ),
        "node_draining" => format!(
            "{name} ({}) is cordoned and drained: {} evicted ({})",
            s(e, "pool"),
            count(i(e, "pods"), "pod"),
            s(e, "reason")
        ),
        "node_deleted" => format!("{name} ({}) is deleted ({})", s(e, "pool"), s(e, "reason")),
        "node_remove_refused" => format!(
            "removing a node of {} was refused: {}",
            s(e, "pool"),
            s(e, "reason")
        ),
        // A zone outage is told once, by the zone, rather than once per node.
        "node_not_ready" if s(e, "reason") == "zone outage" => return None,
        "node_not_ready" => format!(
            "{name} is NotReady ({}) with {} on it",
            s(e, "reason"),
            count(i(e, "pods"), "pod")
        ),
        "node_ready_again" => format!("{name} is Ready again"),
        "pods_evicted" => format!(
            "{} evicted from {name}: {}",
            count(i(e, "pods"), "pod"),
            s(e, "reason")
        ),
        _ => return None,
    })
}

fn zone(kind: &str, e: &Value) -> Option<String> {
    let z = i(e, "zone");
    Some(match kind {
        "zone_outage" => format!(
            "zone {z} is down until {} — {} NotReady",
            s(e, "until"),
            count(i(e, "nodes"), "node")
        ),
        "zone_recovered" => format!("zone {z} is back up"),
        "stock_out" => {
            let place = match s(e, "zone") {
                "all" => "every zone".to_string(),
                z => format!("zone {z}"),
            };
            format!(
                "{} is out of stock in {place} until {}",
                s(e, "vm_size"),
                s(e, "until")
            )
        }
        _ => return None,
    })
}

/// A string field, empty when absent (older logs, or a field a variant does not carry).
fn s<'a>(e: &'a Value, key: &str) -> &'a str {
    e[key].as_str().unwrap_or("")
}

fn i(e: &Value, key: &str) -> i64 {
    e[key].as_i64().unwrap_or(0)
}

fn f(e: &Value, key: &str) -> f64 {
    e[key].as_f64().unwrap_or(0.0)
}

/// `1 pod`, `7 pods`.
fn count(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Seconds in Go's form, to the second: `420.0` → `7m0s`, `392.314` → `6m32s`.
fn duration(secs: f64) -> String {
    let whole = secs.max(0.0).round() as u64;
    SimDuration::from_secs(whole).to_string()
}

/// Rewrites every RFC 3339 time in `text` (`2026-01-05T12:10:10Z`, `…+01:00`) in the short
/// form of `clock`, in the offset of the event's own `time`.
fn on_wall_clock(text: &str, e: &Value) -> String {
    let Some((now_wall, start)) = instants(e) else {
        return text.to_string();
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut k = 0;
    while k + 20 <= bytes.len() {
        let looks_like_time = bytes[k].is_ascii_digit()
            && bytes[k + 4] == b'-'
            && bytes[k + 10] == b'T'
            && bytes[k + 13] == b':';
        if looks_like_time {
            // `…Z` is 20 bytes long, `…+01:00` 25.
            for len in [20, 25] {
                let Some(stamp) = text.get(k..k + len) else {
                    continue;
                };
                if let Ok(at) = DateTime::parse_from_rfc3339(stamp) {
                    let at = at.with_timezone(now_wall.offset());
                    out.push_str(&text[copied..k]);
                    out.push_str(&clock(at, start));
                    copied = k + len;
                    k += len - 1;
                    break;
                }
            }
        }
        k += 1;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_up_names_the_shortage_before_the_nodes_never_usable() {
        assert_eq!(
            main_reason(
                "node(s) didn't match Pod's node affinity/selector (7); Insufficient cpu (7)"
            ),
            " (Insufficient cpu, …)"
        );
        assert_eq!(main_reason("Too many pods (2)"), " (Too many pods)");
        assert_eq!(
            main_reason("node(s) had untolerated taint {os: windows} (3)"),
            " (node(s) had untolerated taint {os: windows})"
        );
        assert_eq!(main_reason(""), "");
    }

    /// Two small runs that between them emit every narrated kind. `A`: an autoscaled
    /// Windows pool in zone 2 behind a /24 subnet, a burst, a zone outage, a pod that fits no
    /// pool, a scale-down held by the delay after add, a stock-out, manual node events and a
    /// VM failure.
    const A: &str = r#"
[simulation]
name = "explain-a"
duration = "3h"
seed = 7

[network]
subnet_cidr = "10.0.0.0/24"

[cluster]
default_daemonsets = false

[autoscaler]
scale-down-delay-after-add = "2h"

[[node_pool]]
name = "system"
mode = "system"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 2

[[node_pool]]
name = "win"
os_type = "windows"
vm_size = "Standard_D4s_v5"
zones = ["2"]
count = 1
enable_auto_scaling = true
min_count = 1
max_count = 20
provisioning_delay = "7m"

[[deployment]]
name = "portal"
replicas = 2
requests = { cpu = "1", memory = "2Gi" }
node_selector = { "kubernetes.io/os" = "windows" }
image = { name = "portal", size = "3Gi", pull_time = "2m" }

[[deployment]]
name = "huge"
replicas = 0
requests = { cpu = "32", memory = "2Gi" }
node_selector = { "kubernetes.io/os" = "windows" }

[[event]]
at = "10m"
action = "scale"
deployment = "portal"
replicas = 20

[[event]]
at = "30m"
action = "add_nodes"
pool = "system"
count = 1

[[event]]
at = "40m"
action = "zone_outage"
zone = 2
duration = "30m"

[[event]]
at = "75m"
action = "scale"
deployment = "huge"
replicas = 1

[[event]]
at = "80m"
action = "scale"
deployment = "portal"
replicas = 2

[[event]]
at = "100m"
action = "stock_out"
vm_size = "Standard_D4s_v5"
zone = 2
duration = "10m"

[[event]]
at = "140m"
action = "add_nodes"
pool = "system"
count = 1

[[event]]
at = "141m"
action = "remove_nodes"
pool = "system"
count = 3

[[event]]
at = "150m"
action = "fail_nodes"
pool = "system"
count = 1
"#;

    /// `B`: a Linux deployment without an OS selector next to a Windows pool (ImagePullBackOff),
    /// an HPA capped by max_replicas, an HPA whose pods never run (no metrics), and a spot
    /// pool that loses a node and is brought back to its min_count.
    const B: &str = r#"
[simulation]
name = "explain-b"
duration = "1h"
seed = 7

[cluster]
default_daemonsets = false

[[node_pool]]
name = "system"
mode = "system"
vm_size = "Standard_D4s_v5"
zones = ["1"]
count = 1

[[node_pool]]
name = "win"
os_type = "windows"
vm_size = "Standard_D16s_v5"
zones = ["1"]
count = 1

[[node_pool]]
name = "spot"
vm_size = "Standard_D4s_v5"
priority = "spot"
zones = ["1"]
count = 2
enable_auto_scaling = true
min_count = 2
max_count = 3
provisioning_delay = "3m"

[[deployment]]
name = "web"
replicas = 3
requests = { cpu = "1", memory = "1Gi" }

[[deployment]]
name = "api"
replicas = 4
requests = { cpu = "200m", memory = "256Mi" }
node_selector = { "kubernetes.azure.com/agentpool" = "system" }

[deployment.load]
cpu_per_request = "10m"
profiles = [{ kind = "steps", steps = [{ at = "0s", rps = 40 }, { at = "10m", rps = 200 }, { at = "20m", rps = 400 }] }]

[deployment.hpa]
min_replicas = 1
max_replicas = 6
cpu_utilization = 50

[[deployment]]
name = "jobs"
replicas = 1
requests = { cpu = "500m", memory = "256Mi" }
node_selector = { "kubernetes.azure.com/agentpool" = "win" }

[deployment.hpa]
max_replicas = 3

[[event]]
at = "10m"
action = "spot_eviction"
pool = "spot"
count = 1
"#;

    /// The event lines of both runs.
    fn lines() -> &'static Vec<String> {
        static LINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        LINES.get_or_init(|| {
            let mut all = Vec::new();
            for toml in [A, B] {
                let loaded = crate::load_str("explain.toml", toml, &[]).expect("valid");
                let sim = crate::simulate(loaded.scenario, &mut |_, _| {}).expect("runs");
                all.extend(sim.world.log.buf.lines().map(str::to_string));
            }
            all
        })
    }

    /// The narration of the first line of `kind` that `pick` accepts.
    fn told(kind: &str, pick: impl Fn(&Value) -> bool) -> String {
        let line = lines()
            .iter()
            .find(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["kind"] == kind && pick(&v)
            })
            .unwrap_or_else(|| panic!("no {kind} line"));
        let v: Value = serde_json::from_str(line).unwrap();
        let t = SimTime((v["time_s"].as_f64().unwrap() * 1000.0).round() as u64);
        explain_line(t, kind, line, Components::ALL)
            .unwrap_or_else(|| panic!("{kind} not narrated: {line}"))
    }

    fn first(kind: &str) -> String {
        told(kind, |_| true)
    }

    #[test]
    fn the_autoscaler_tells_each_decision() {
        // 17 of the 20 portal pods find no room at 10m (the Windows node lacks cpu, the
        // other nodes are Linux); the loop at 610 s asks for 6 nodes.
        assert_eq!(
            first("ca_scale_up"),
            "00:10:10 cluster-autoscaler: 17 pods unschedulable (Insufficient cpu, …) → +6 \
             nodes in win (expander random: 1 of 1)"
        );
        let up: Value = serde_json::from_str(
            lines()
                .iter()
                .find(|l| l.contains("\"kind\":\"ca_scale_up\",\"pools\":\"win"))
                .unwrap(),
        )
        .unwrap();
        assert!(
            up["reasons"]
                .as_str()
                .unwrap()
                .contains("Insufficient cpu (17)"),
            "{up}"
        );
        assert_eq!(
            told("ca_scale_up", |v| v.get("pending_pods").is_none()),
            "00:10:00 cluster-autoscaler: +1 node in spot: pool spot has 1 nodes, below its \
             min_count 2"
        );
        // A /24 holds 251 addresses, 31 per node: the 6th new node does not fit; the pool
        // backs off for 5 minutes, 610 s + 300 s = 00:15:10.
        assert_eq!(
            first("ca_scale_up_failed"),
            "00:10:10 cluster-autoscaler: scale-up of win failed: SubnetIsFull (1 of 6 node(s) \
             refused: each needs 31 subnet addresses and 3 are free after the 5 granted); \
             backed off until 00:15:10"
        );
        assert_eq!(
            first("ca_no_scale_up"),
            "00:10:20 cluster-autoscaler: 2 pods unschedulable, no scale-up: win: backed off \
             until 00:15:10 after SubnetIsFull"
        );
        // Back to 2 portal pods at 01:20:00: one 1-cpu pod on 3860m allocatable is 0.26.
        assert_eq!(
            first("ca_node_unneeded"),
            "01:20:00 cluster-autoscaler: akswin000000 is unneeded (utilization 0.26, cpu)"
        );
        assert_eq!(
            told("ca_node_kept", |v| v["reason"]
                .as_str()
                .unwrap()
                .contains("min_count")),
            "00:20:00 cluster-autoscaler: keeps aks-spot-74147804-vmss000000: pool spot is at \
             its min_count 2"
        );
        // The scale-up at 00:10:10 holds scale-down for 2 h: until 02:10:10.
        assert_eq!(
            told("ca_scale_down_cooldown", |v| v["time_s"] == 5410.0),
            "01:30:10 cluster-autoscaler: scale-down of 4 unneeded nodes waits until 02:10:10: \
             scale-up at 00:10:10 (scale-down-delay-after-add 2h0m0s)"
        );
        // Unneeded since 01:20:00, removed at 02:10:10: 50m10s.
        assert_eq!(
            told("ca_scale_down", |v| v["removal"] == "empty"),
            "02:10:10 cluster-autoscaler: removes akswin000003 (empty, unneeded for 50m10s)"
        );
        assert_eq!(
            told("ca_scale_down", |v| v["removal"] == "drain"),
            "02:10:10 cluster-autoscaler: drains akswin000000 to remove it (utilization 0.26, \
             unneeded for 50m10s)"
        );
        // 6 Windows nodes of 8 go NotReady: more than 3 and more than 45 %.
        assert_eq!(
            first("ca_halted"),
            "00:40:00 cluster-autoscaler: halts every scale-up and scale-down: 6 of 8 nodes are \
             unready (more than 3 and more than 45%)"
        );
        assert_eq!(
            first("ca_resumed"),
            "01:10:00 cluster-autoscaler: resumes: enough nodes are Ready again"
        );
    }

    #[test]
    fn the_hpa_tells_scalings_and_held_decisions() {
        // 200 rps × 10m = 2000m over 4 pods of 200m: 250 % vs 50 % → 4 × 5 = 20, capped at 6.
        assert_eq!(
            first("hpa_scaled"),
            "00:11:00 hpa: api 4 → 6 (cpu resource utilization (percentage of request) above \
             target) — resource/cpu 250% vs target 50% → 20; TooManyReplicas: the desired \
             replica count is more than the maximum replica count"
        );
        // 400 rps over 6 pods: 4000m / 6 = 667m = 333 % → 40, still capped.
        assert_eq!(
            told("hpa_decision", |v| v["limited_by"] != ""),
            "00:21:00 hpa: api stays at 6 although its metrics ask for 40 — resource/cpu 333% \
             vs target 50% → 40; TooManyReplicas: the desired replica count is more than the \
             maximum replica count"
        );
        assert!(
            told("hpa_decision", |v| v["deployment"] == "jobs").starts_with(
                "00:00:00 hpa: jobs stays at 1: FailedGetResourceMetric: the HPA was unable"
            )
        );
    }

    #[test]
    fn a_sync_that_changes_nothing_is_silent() {
        let quiet = lines()
            .iter()
            .find(|l| l.contains("\"hpa_decision\"") && l.contains("\"deployment\":\"api\""))
            .unwrap();
        let v: Value = serde_json::from_str(quiet).unwrap();
        assert_eq!(v["limited_by"], "");
        assert_eq!(narrate("hpa_decision", &v), None);
    }

    #[test]
    fn the_scheduler_tells_why_a_pod_waits() {
        assert_eq!(
            first("pod_unschedulable"),
            "00:10:00 scheduler: portal-3 is unschedulable: 0/3 nodes are available: 1 \
             Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."
        );
        assert!(
            told("pod_unschedulable", |v| v["attempts"] == 4).ends_with("(attempt 4)"),
            "a retry says which attempt it is"
        );
        assert_eq!(
            first("pod_image_pull_backoff"),
            "00:00:00 scheduler: web-0 was bound to akswin000000 and can never start \
             (ImagePullBackOff): no match for platform in manifest: the linux image cannot run \
             on windows node akswin000000"
        );
    }

    #[test]
    fn nodes_tell_their_lifecycle() {
        assert_eq!(
            told("node_provisioning", |v| v["ready_in_s"] != 0.0),
            "00:10:10 node: akswin000001 (win, zone 2) is provisioning (cluster autoscaler: \
             scale-up), Ready in 7m0s"
        );
        // 610 s + the fixed 7-minute Windows boot = 1030 s.
        assert_eq!(
            told("node_ready", |v| v["provisioning_s"] != 0.0),
            "00:17:10 node: akswin000001 (win, zone 2) is Ready after 7m0s"
        );
        assert_eq!(
            first("node_create_failed"),
            "00:30:00 node: a new system node in zone 1 was refused: SubnetIsFull: the node \
             needs 31 subnet addresses and 3 are free"
        );
        assert_eq!(
            told("node_draining", |v| v["pods"] == 1),
            "02:10:10 node: akswin000000 (win) is cordoned and drained: 1 pod evicted \
             (cluster autoscaler: scale-down)"
        );
        assert_eq!(
            told("node_draining", |v| v["reason"] == "spot eviction"),
            "00:10:00 node: aks-spot-74147804-vmss000001 (spot) is cordoned for deletion, no \
             pods to evict (spot eviction)"
        );
        assert_eq!(
            told("node_deleted", |v| v["pool"] == "spot"),
            "00:10:00 node: aks-spot-74147804-vmss000001 (spot) is deleted (drained)"
        );
        assert_eq!(
            first("node_remove_refused"),
            "02:21:00 node: removing a node of system was refused: a system pool keeps at \
             least one node"
        );
        assert_eq!(
            told("node_not_ready", |v| v["reason"] == "VM failure"),
            "02:30:00 node: aks-system-54810642-vmss000000 is NotReady (VM failure) with 0 pods \
             on it"
        );
        assert_eq!(
            first("node_ready_again"),
            "01:10:00 node: akswin000000 is Ready again"
        );
        // NotReady at 00:40:00, the 300 s toleration runs out at 00:45:00.
        assert_eq!(
            first("pods_evicted"),
            "00:45:00 node: 3 pods evicted from akswin000000: not-ready toleration \
             (node.kubernetes.io/unreachable) expired"
        );
    }

    #[test]
    fn the_warm_start_and_per_node_outage_lines_are_silent() {
        for line in lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let kind = v["kind"].as_str().unwrap();
            let silent = narrate(kind, &v).is_none();
            match kind {
                "node_provisioning" => assert_eq!(silent, v["reason"] == "initial node"),
                "node_ready" => assert_eq!(silent, v["provisioning_s"] == 0.0),
                "node_not_ready" => assert_eq!(silent, v["reason"] == "zone outage"),
                "pod_scheduled" | "pod_ready" | "image_pull" | "pod_deleted" | "pod_running" => {
                    assert!(silent)
                }
                _ => {}
            }
        }
    }

    #[test]
    fn zones_spot_and_deployments_tell_theirs() {
        assert_eq!(
            first("zone_outage"),
            "00:40:00 zone: zone 2 is down until 01:10:00 — 6 nodes NotReady"
        );
        assert_eq!(first("zone_recovered"), "01:10:00 zone: zone 2 is back up");
        assert_eq!(
            first("stock_out"),
            "01:40:00 zone: Standard_D4s_v5 is out of stock in zone 2 until 01:50:00"
        );
        assert_eq!(
            first("spot_eviction"),
            "00:10:00 spot: Azure evicts aks-spot-74147804-vmss000001 (spot): eviction wave"
        );
        assert_eq!(
            first("deployment_scaled"),
            "00:10:00 deployment: portal 2 → 20 (scenario event)"
        );
    }

    #[test]
    fn control_characters_in_names_reached_the_terminal_raw() {
        // An event's names are the scenario's (or a trace's): an ESC in one cleared the
        // screen and a newline forged a line of narration.
        let line = lines()
            .iter()
            .find(|l| l.contains("\"deployment_scaled\""))
            .unwrap()
            .replace("\"portal\"", "\"por\\u001b[2J\\ntal\"");
        let told = explain_line(SimTime(0), "deployment_scaled", &line, Components::ALL).unwrap();
        assert_eq!(
            told,
            "00:10:00 deployment: por\\u{1b}[2J\\ntal 2 → 20 (scenario event)"
        );
    }

    #[test]
    fn every_kind_a_run_emits_is_known() {
        // A new kind must be placed: narrated by a component, or silent on purpose.
        let silent = [
            "pod_scheduled",
            "image_pull",
            "pod_running",
            "pod_ready",
            "pod_deleted",
            "pod_completed",
        ];
        for line in lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let kind = v["kind"].as_str().unwrap();
            assert!(
                Component::of_kind(kind).is_some() || silent.contains(&kind),
                "{kind} is neither narrated nor silent"
            );
        }
    }

    #[test]
    fn the_filter_keeps_only_the_components_asked_for() {
        let only: Components = "cluster-autoscaler, hpa".parse().unwrap();
        assert!(only.contains(Component::ClusterAutoscaler) && only.contains(Component::Hpa));
        assert!(!only.contains(Component::Node));
        let line = lines()
            .iter()
            .find(|l| l.contains("\"zone_outage\""))
            .unwrap();
        assert_eq!(explain_line(SimTime(0), "zone_outage", line, only), None);
        let zone: Components = "zone".parse().unwrap();
        assert!(explain_line(SimTime(0), "zone_outage", line, zone).is_some());
        assert_eq!("all".parse::<Components>(), Ok(Components::ALL));
        let names = Component::ALL.map(Component::name).join(",");
        assert_eq!(names.parse::<Components>(), Ok(Components::ALL));
    }

    #[test]
    fn an_unknown_component_is_refused_with_the_valid_names() {
        let err = "hpa,kubelet".parse::<Components>().unwrap_err();
        assert!(err.contains("\"kubelet\""), "{err}");
        for c in Component::ALL {
            assert!(err.contains(c.name()), "{err}");
        }
        let err = "scenarios/quickstart.toml"
            .parse::<Components>()
            .unwrap_err();
        assert!(err.contains("--explain=all"), "{err}");
    }

    #[test]
    fn the_clock_counts_days_after_the_first() {
        let start = DateTime::parse_from_rfc3339("2026-01-05T22:00:00+01:00").unwrap();
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap();
        assert_eq!(clock(at("2026-01-05T23:14:15+01:00"), start), "23:14:15");
        // 4 h 30 s after a 22:00 start is the next calendar day.
        assert_eq!(
            clock(at("2026-01-06T02:00:30+01:00"), start),
            "+1d 02:00:30"
        );
    }

    #[test]
    fn wall_times_are_shown_in_the_events_offset() {
        // The run starts at 06:00+01:00; the event is 1 h in; 09:30+01:00 reads 09:30:00.
        let e: Value = serde_json::from_str(
            r#"{"time_s":3600.000,"time":"2026-01-05T07:00:00+01:00","kind":"zone_outage",
                "zone":1,"nodes":2,"until":"2026-01-05T09:30:00+01:00"}"#,
        )
        .unwrap();
        let (c, text) = narrate("zone_outage", &e).unwrap();
        assert_eq!(c, Component::Zone);
        assert_eq!(text, "zone 1 is down until 09:30:00 — 2 nodes NotReady");
        // Text without times, or with a malformed one, is left as it is.
        assert_eq!(
            on_wall_clock("at 2026-13-45T99:00:00Z", &e),
            "at 2026-13-45T99:00:00Z"
        );
    }

    #[test]
    fn several_pools_grown_show_their_share() {
        assert_eq!(pools_grown("win1 +2"), "win1");
        assert_eq!(pools_grown("win3 +1, win1 +2"), "win3 (+1), win1 (+2)");
    }
}
