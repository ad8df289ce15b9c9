//! Narration for `aksim run --explain`: each decision or transition of the event log told in
//! one plain sentence, prefixed by the scenario's clock and the component that acted.
//!
//! Pure: `narrate` matches on one event's `Record` and returns the component and the sentence,
//! or `None` for the records left silent (the per-pod steps: scheduled, image pull, running,
//! ready, deleted, completed; the initial nodes of the warm start; HPA syncs that changed
//! nothing worth a sentence). Times in an event (`until`, `backoff_until`, times inside
//! reasons) are shown in the same short form as the prefix (`clock`), so that one clock runs
//! through the narration.

use chrono::{DateTime, FixedOffset};
use std::fmt;
use std::str::FromStr;

use crate::engine::{SimDuration, SimTime};
use crate::observe::record::{HpaMetric, HpaSync, MetricTarget, NotReadyCause, Removal};
use crate::observe::record::{Record, ScaleUpCause};

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

    /// The component that narrates `record`; `None` for the per-pod steps, never narrated.
    pub fn of(record: &Record) -> Option<Component> {
        use Record as R;
        Some(match record {
            R::CaScaleUp { .. }
            | R::CaNoScaleUp { .. }
            | R::CaScaleUpFailed { .. }
            | R::CaNodeUnneeded { .. }
            | R::CaNodeKept { .. }
            | R::CaScaleDownCooldown { .. }
            | R::CaScaleDown { .. }
            | R::CaHalted { .. }
            | R::CaResumed => Component::ClusterAutoscaler,
            R::HpaScaled(_) | R::HpaDecision(_) => Component::Hpa,
            R::PodUnschedulable { .. } | R::PodImagePullBackoff { .. } => Component::Scheduler,
            R::NodeProvisioning { .. }
            | R::NodeReady { .. }
            | R::NodeCreateFailed { .. }
            | R::NodeDraining { .. }
            | R::NodeDeleted { .. }
            | R::NodeRemoveRefused { .. }
            | R::NodeNotReady { .. }
            | R::NodeReadyAgain { .. }
            | R::PodsEvicted { .. } => Component::Node,
            R::ZoneOutage { .. } | R::ZoneRecovered { .. } | R::StockOut { .. } => Component::Zone,
            R::SpotEviction { .. } => Component::Spot,
            R::DeploymentScaled { .. } => Component::Deployment,
            R::PodScheduled { .. }
            | R::ImagePull { .. }
            | R::PodRunning { .. }
            | R::PodReady { .. }
            | R::PodDeleted { .. }
            | R::PodCompleted { .. } => return None,
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

/// The event's wall-clock instant and the run's start, from `time` (the event's instant as
/// the log writes it) and `at`.
fn instants(at: SimTime, time: &str) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let wall = DateTime::parse_from_rfc3339(time).ok()?;
    let ms = i64::try_from(at.as_ms()).ok()?;
    Some((wall, wall - chrono::Duration::milliseconds(ms)))
}

/// The whole narrated line of one tapped event, if its component is in `only` and it is
/// narrated: `00:10:10 cluster-autoscaler: …`. `time` is `at` on the wall clock, as the event
/// log writes it.
pub fn explain_line(at: SimTime, time: &str, record: &Record, only: Components) -> Option<String> {
    // Most events are per-pod steps: they are dropped before anything is formatted.
    let component = Component::of(record)?;
    if !only.contains(component) {
        return None;
    }
    let (component, text) = narrate(at, time, record)?;
    let when = match instants(at, time) {
        Some((wall, start)) => clock(wall, start),
        None => at.clock(),
    };
    // Names in events come from the scenario and its traces: shown, not obeyed.
    Some(crate::text::escape(&format!("{when} {component}: {text}")).into_owned())
}

/// One event in one sentence, with the component it belongs to; `None` when the event is
/// not worth a sentence (see the module's documentation).
pub fn narrate(at: SimTime, time: &str, record: &Record) -> Option<(Component, String)> {
    use Record as R;
    let component = Component::of(record)?;
    let text = match record {
        R::CaScaleUp {
            pools,
            nodes,
            cause:
                ScaleUpCause::PendingPods {
                    pending_pods,
                    reasons,
                    expander,
                    skipped,
                    ..
                },
        } => {
            let mut text = format!(
                "{} unschedulable{} → +{} in {}",
                count(*pending_pods, "pod"),
                main_reason(reasons),
                count(*nodes, "node"),
                pools_grown(pools)
            );
            if !expander.is_empty() {
                text += &format!(" (expander {expander})");
            }
            if !skipped.is_empty() {
                text += &format!("; skipped {skipped}");
            }
            text
        }
        R::CaScaleUp {
            pools,
            nodes,
            cause: ScaleUpCause::MinCount { reason },
        } => format!(
            "+{} in {}: {reason}",
            count(*nodes, "node"),
            pools_grown(pools)
        ),
        R::CaNoScaleUp {
            pending_pods,
            reason,
        } => format!(
            "{} unschedulable, no scale-up: {reason}",
            count(*pending_pods, "pod")
        ),
        R::CaScaleUpFailed {
            pool,
            reason,
            message,
            backoff_until,
        } => format!(
            "scale-up of {pool} failed: {reason} ({message}); backed off until {backoff_until}"
        ),
        R::CaNodeUnneeded {
            node,
            utilization,
            resource,
        } => format!("{node} is unneeded (utilization {utilization:.2}, {resource})"),
        R::CaNodeKept { node, reason, .. } => format!("keeps {node}: {reason}"),
        R::CaScaleDownCooldown {
            until,
            nodes_waiting,
            reason,
        } => format!(
            "scale-down of {} waits until {until}: {reason}",
            count(*nodes_waiting, "unneeded node")
        ),
        R::CaScaleDown {
            node,
            utilization,
            unneeded_for_s,
            removal: Removal::Drain,
            ..
        } => format!(
            "drains {node} to remove it (utilization {utilization:.2}, unneeded for {})",
            duration(*unneeded_for_s)
        ),
        R::CaScaleDown {
            node,
            unneeded_for_s,
            removal: removal @ Removal::Empty,
            ..
        } => format!(
            "removes {node} ({}, unneeded for {})",
            removal.as_str(),
            duration(*unneeded_for_s)
        ),
        R::CaHalted { reason } => format!("halts every scale-up and scale-down: {reason}"),
        R::CaResumed => "resumes: enough nodes are Ready again".to_string(),
        R::HpaScaled(sync) => hpa_scaled(sync),
        R::HpaDecision(sync) => hpa_held(sync)?,
        R::PodUnschedulable {
            pod,
            attempts,
            reason,
        } => {
            let mut text = format!("{pod} is unschedulable: {reason}");
            if *attempts > 1 {
                text += &format!(" (attempt {attempts})");
            }
            text
        }
        R::PodImagePullBackoff { pod, node, reason } => {
            format!("{pod} was bound to {node} and can never start (ImagePullBackOff): {reason}")
        }
        // The warm start's nodes are there from the first instant: nothing to tell.
        R::NodeProvisioning { ready_in_s, .. } if *ready_in_s == 0.0 => return None,
        R::NodeProvisioning {
            node,
            pool,
            zone,
            ready_in_s,
            reason,
        } => format!(
            "{node} ({}) is provisioning ({}), Ready in {}",
            place(pool, zone),
            reason.as_str(),
            duration(*ready_in_s)
        ),
        R::NodeReady { provisioning_s, .. } if *provisioning_s == 0.0 => return None,
        R::NodeReady {
            node,
            pool,
            zone,
            provisioning_s,
        } => format!(
            "{node} ({}) is Ready after {}",
            place(pool, zone),
            duration(*provisioning_s)
        ),
        R::NodeCreateFailed { pool, zone, reason } => {
            format!("a new {pool} node in zone {zone} was refused: {reason}")
        }
        R::NodeDraining {
            node,
            pool,
            pods: 0,
            reason,
        } => format!("{node} ({pool}) is cordoned for deletion, no pods to evict ({reason})"),
        R::NodeDraining {
            node,
            pool,
            pods,
            reason,
        } => format!(
            "{node} ({pool}) is cordoned and drained: {} evicted ({reason})",
            count(*pods, "pod")
        ),
        R::NodeDeleted { node, pool, reason } => format!("{node} ({pool}) is deleted ({reason})"),
        R::NodeRemoveRefused { pool, reason } => {
            format!("removing a node of {pool} was refused: {reason}")
        }
        // A zone outage is told once, by the zone, rather than once per node.
        R::NodeNotReady {
            reason: NotReadyCause::ZoneOutage,
            ..
        } => return None,
        R::NodeNotReady { node, pods, reason } => format!(
            "{node} is NotReady ({}) with {} on it",
            reason.as_str(),
            count(*pods, "pod")
        ),
        R::NodeReadyAgain { node } => format!("{node} is Ready again"),
        R::PodsEvicted { node, pods, reason } => {
            format!("{} evicted from {node}: {reason}", count(*pods, "pod"))
        }
        R::ZoneOutage { zone, nodes, until } => format!(
            "zone {zone} is down until {until} — {} NotReady",
            count(*nodes, "node")
        ),
        R::ZoneRecovered { zone } => format!("zone {zone} is back up"),
        R::StockOut {
            vm_size,
            zone,
            until,
        } => {
            let place = match zone {
                None => "every zone".to_string(),
                Some(z) => format!("zone {z}"),
            };
            format!("{vm_size} is out of stock in {place} until {until}")
        }
        R::SpotEviction { node, pool, reason } => format!("Azure evicts {node} ({pool}): {reason}"),
        R::DeploymentScaled {
            deployment,
            from,
            to,
            reason,
        } => format!("{deployment} {from} → {to} ({reason})"),
        R::PodScheduled { .. }
        | R::ImagePull { .. }
        | R::PodRunning { .. }
        | R::PodReady { .. }
        | R::PodDeleted { .. }
        | R::PodCompleted { .. } => return None,
    };
    Some((component, on_wall_clock(&text, instants(at, time))))
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

/// `; TooManyReplicas: …` when a limit held, else nothing.
fn hpa_limit(s: &HpaSync) -> String {
    if s.limited_by.is_empty() {
        String::new()
    } else {
        format!("; {}: {}", s.limited_by, s.limit_message)
    }
}

fn hpa_scaled(s: &HpaSync) -> String {
    let mut text = format!(
        "{} {} → {} ({})",
        s.deployment, s.current, s.desired, s.reason
    );
    let seen = metric_values(&s.metrics);
    if !seen.is_empty() {
        text += &format!(" — {seen}");
    }
    if let (Some(p), Some(st)) = (s.proposal, s.stabilized)
        && p != st
    {
        text += &format!("; the stabilization window keeps {st} instead of {p}");
    }
    text + &hpa_limit(s)
}

/// An unchanged sync is told only when a metric failed or a limit holds.
fn hpa_held(s: &HpaSync) -> Option<String> {
    let (name, current) = (&s.deployment, s.current);
    if s.metrics.iter().any(|m| m.outcome.is_err()) {
        return Some(format!("{name} stays at {current}: {}", s.reason));
    }
    if s.limited_by.is_empty() {
        return None;
    }
    Some(format!(
        "{name} stays at {current} although its metrics ask for {} — {}{}",
        s.stabilized.unwrap_or(s.desired),
        metric_values(&s.metrics),
        hpa_limit(s)
    ))
}

/// `resource/cpu 250% vs target 50% → 20` for each metric that has a value.
fn metric_values(metrics: &[HpaMetric]) -> String {
    metrics
        .iter()
        .filter_map(|m| {
            let r = m.outcome.as_ref().ok()?;
            let (name, replicas) = (&m.metric, r.replicas);
            Some(if let Some(u) = r.utilization {
                let target = match m.target {
                    MetricTarget::Utilization(t) => t,
                    _ => 0,
                };
                format!("{name} {u}% vs target {target}% → {replicas}")
            } else {
                let per = match m.target {
                    MetricTarget::AverageValueMilli(_) => " per pod",
                    _ => "",
                };
                let target = m.target.value().unwrap_or(0.0);
                format!("{name} {}{per} vs target {target} → {replicas}", r.value())
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A node's pool, and its zone unless the pool is regional.
fn place(pool: &str, zone: &str) -> String {
    match zone {
        "none" => pool.to_string(),
        z => format!("{pool}, zone {z}"),
    }
}

/// `1 pod`, `7 pods`.
fn count(n: u32, noun: &str) -> String {
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
/// form of `clock`, in the offset of the event's own wall-clock instant.
fn on_wall_clock(
    text: &str,
    instants: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
) -> String {
    let Some((now_wall, start)) = instants else {
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
    use crate::observe::record::{NodeCreation, Record as R};

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

    /// One event of the test runs, as the tap saw it.
    struct Logged {
        at: SimTime,
        time: String,
        record: Record<'static>,
    }

    /// The events of both runs.
    fn events() -> &'static Vec<Logged> {
        static EVENTS: std::sync::OnceLock<Vec<Logged>> = std::sync::OnceLock::new();
        EVENTS.get_or_init(|| {
            let all = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            for toml in [A, B] {
                let loaded = crate::load_str("explain.toml", toml, &[]).expect("valid");
                let sink = all.clone();
                let tap: crate::observe::Tap = Box::new(move |e: &crate::observe::Emitted| {
                    sink.lock().unwrap().push(Logged {
                        at: e.at,
                        time: e.time.to_string(),
                        record: e.record.clone().into_owned(),
                    })
                });
                crate::simulate_with_tap(loaded.scenario, tap, &mut |_, _| {}).expect("runs");
            }
            std::mem::take(&mut *all.lock().unwrap())
        })
    }

    fn explain(e: &Logged) -> Option<String> {
        explain_line(e.at, &e.time, &e.record, Components::ALL)
    }

    /// The narration of the first event that `pick` accepts.
    fn told(pick: impl Fn(&Logged) -> bool) -> String {
        let e = events()
            .iter()
            .find(|e| pick(e))
            .expect("an event the test looks for");
        explain(e).unwrap_or_else(|| panic!("not narrated: {:?}", e.record))
    }

    #[test]
    fn the_autoscaler_tells_each_decision() {
        // 17 of the 20 portal pods find no room at 10m (the Windows node lacks cpu, the
        // other nodes are Linux); the loop at 610 s asks for 6 nodes.
        assert_eq!(
            told(|e| matches!(e.record, R::CaScaleUp { .. })),
            "00:10:10 cluster-autoscaler: 17 pods unschedulable (Insufficient cpu, …) → +6 \
             nodes in win (expander random: 1 of 1)"
        );
        let reasons = events()
            .iter()
            .find_map(|e| match &e.record {
                R::CaScaleUp {
                    pools,
                    cause: ScaleUpCause::PendingPods { reasons, .. },
                    ..
                } if pools.starts_with("win") => Some(reasons),
                _ => None,
            })
            .unwrap();
        assert!(reasons.contains("Insufficient cpu (17)"), "{reasons}");
        assert_eq!(
            told(|e| matches!(
                e.record,
                R::CaScaleUp {
                    cause: ScaleUpCause::MinCount { .. },
                    ..
                }
            )),
            "00:10:00 cluster-autoscaler: +1 node in spot: pool spot has 1 nodes, below its \
             min_count 2"
        );
        // A /24 holds 251 addresses, 31 per node: the 6th new node does not fit; the pool
        // backs off for 5 minutes, 610 s + 300 s = 00:15:10.
        assert_eq!(
            told(|e| matches!(e.record, R::CaScaleUpFailed { .. })),
            "00:10:10 cluster-autoscaler: scale-up of win failed: SubnetIsFull (1 of 6 node(s) \
             refused: each needs 31 subnet addresses and 3 are free after the 5 granted); \
             backed off until 00:15:10"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::CaNoScaleUp { .. })),
            "00:10:20 cluster-autoscaler: 2 pods unschedulable, no scale-up: win: backed off \
             until 00:15:10 after SubnetIsFull"
        );
        // Back to 2 portal pods at 01:20:00: one 1-cpu pod on 3860m allocatable is 0.26.
        assert_eq!(
            told(|e| matches!(e.record, R::CaNodeUnneeded { .. })),
            "01:20:00 cluster-autoscaler: akswin000000 is unneeded (utilization 0.26, cpu)"
        );
        assert_eq!(
            told(
                |e| matches!(&e.record, R::CaNodeKept { reason, .. } if reason.contains("min_count"))
            ),
            "00:20:00 cluster-autoscaler: keeps aks-spot-74147804-vmss000000: pool spot is at \
             its min_count 2"
        );
        // The scale-up at 00:10:10 holds scale-down for 2 h: until 02:10:10.
        assert_eq!(
            told(
                |e| matches!(e.record, R::CaScaleDownCooldown { .. }) && e.at == SimTime(5_410_000)
            ),
            "01:30:10 cluster-autoscaler: scale-down of 4 unneeded nodes waits until 02:10:10: \
             scale-up at 00:10:10 (scale-down-delay-after-add 2h0m0s)"
        );
        // Unneeded since 01:20:00, removed at 02:10:10: 50m10s.
        assert_eq!(
            told(|e| matches!(
                e.record,
                R::CaScaleDown {
                    removal: Removal::Empty,
                    ..
                }
            )),
            "02:10:10 cluster-autoscaler: removes akswin000003 (empty, unneeded for 50m10s)"
        );
        assert_eq!(
            told(|e| matches!(
                e.record,
                R::CaScaleDown {
                    removal: Removal::Drain,
                    ..
                }
            )),
            "02:10:10 cluster-autoscaler: drains akswin000000 to remove it (utilization 0.26, \
             unneeded for 50m10s)"
        );
        // 6 Windows nodes of 8 go NotReady: more than 3 and more than 45 %.
        assert_eq!(
            told(|e| matches!(e.record, R::CaHalted { .. })),
            "00:40:00 cluster-autoscaler: halts every scale-up and scale-down: 6 of 8 nodes are \
             unready (more than 3 and more than 45%)"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::CaResumed)),
            "01:10:00 cluster-autoscaler: resumes: enough nodes are Ready again"
        );
    }

    #[test]
    fn the_hpa_tells_scalings_and_held_decisions() {
        // 200 rps × 10m = 2000m over 4 pods of 200m: 250 % vs 50 % → 4 × 5 = 20, capped at 6.
        assert_eq!(
            told(|e| matches!(e.record, R::HpaScaled(_))),
            "00:11:00 hpa: api 4 → 6 (cpu resource utilization (percentage of request) above \
             target) — resource/cpu 250% vs target 50% → 20; TooManyReplicas: the desired \
             replica count is more than the maximum replica count"
        );
        // 400 rps over 6 pods: 4000m / 6 = 667m = 333 % → 40, still capped.
        assert_eq!(
            told(|e| matches!(&e.record, R::HpaDecision(s) if !s.limited_by.is_empty())),
            "00:21:00 hpa: api stays at 6 although its metrics ask for 40 — resource/cpu 333% \
             vs target 50% → 40; TooManyReplicas: the desired replica count is more than the \
             maximum replica count"
        );
        assert!(
            told(|e| matches!(&e.record, R::HpaDecision(s) if s.deployment == "jobs")).starts_with(
                "00:00:00 hpa: jobs stays at 1: FailedGetResourceMetric: the HPA was unable"
            )
        );
    }

    #[test]
    fn a_sync_that_changes_nothing_is_silent() {
        let quiet = events()
            .iter()
            .find(|e| matches!(&e.record, R::HpaDecision(s) if s.deployment == "api"))
            .unwrap();
        let R::HpaDecision(sync) = &quiet.record else {
            unreachable!()
        };
        assert_eq!(sync.limited_by, "");
        assert_eq!(narrate(quiet.at, &quiet.time, &quiet.record), None);
    }

    #[test]
    fn the_scheduler_tells_why_a_pod_waits() {
        assert_eq!(
            told(|e| matches!(e.record, R::PodUnschedulable { .. })),
            "00:10:00 scheduler: portal-3 is unschedulable: 0/3 nodes are available: 1 \
             Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."
        );
        assert!(
            told(|e| matches!(e.record, R::PodUnschedulable { attempts: 4, .. }))
                .ends_with("(attempt 4)"),
            "a retry says which attempt it is"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::PodImagePullBackoff { .. })),
            "00:00:00 scheduler: web-0 was bound to akswin000000 and can never start \
             (ImagePullBackOff): no match for platform in manifest: the linux image cannot run \
             on windows node akswin000000"
        );
    }

    #[test]
    fn nodes_tell_their_lifecycle() {
        assert_eq!(
            told(
                |e| matches!(e.record, R::NodeProvisioning { ready_in_s, .. } if ready_in_s != 0.0)
            ),
            "00:10:10 node: akswin000001 (win, zone 2) is provisioning (cluster autoscaler: \
             scale-up), Ready in 7m0s"
        );
        // 610 s + the fixed 7-minute Windows boot = 1030 s.
        assert_eq!(
            told(
                |e| matches!(e.record, R::NodeReady { provisioning_s, .. } if provisioning_s != 0.0)
            ),
            "00:17:10 node: akswin000001 (win, zone 2) is Ready after 7m0s"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::NodeCreateFailed { .. })),
            "00:30:00 node: a new system node in zone 1 was refused: SubnetIsFull: the node \
             needs 31 subnet addresses and 3 are free"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::NodeDraining { pods: 1, .. })),
            "02:10:10 node: akswin000000 (win) is cordoned and drained: 1 pod evicted \
             (cluster autoscaler: scale-down)"
        );
        assert_eq!(
            told(
                |e| matches!(&e.record, R::NodeDraining { reason, .. } if reason == "spot eviction")
            ),
            "00:10:00 node: aks-spot-74147804-vmss000001 (spot) is cordoned for deletion, no \
             pods to evict (spot eviction)"
        );
        assert_eq!(
            told(|e| matches!(&e.record, R::NodeDeleted { pool, .. } if pool == "spot")),
            "00:10:00 node: aks-spot-74147804-vmss000001 (spot) is deleted (drained)"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::NodeRemoveRefused { .. })),
            "02:21:00 node: removing a node of system was refused: a system pool keeps at \
             least one node"
        );
        assert_eq!(
            told(|e| matches!(
                e.record,
                R::NodeNotReady {
                    reason: NotReadyCause::VmFailure,
                    ..
                }
            )),
            "02:30:00 node: aks-system-54810642-vmss000000 is NotReady (VM failure) with 0 pods \
             on it"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::NodeReadyAgain { .. })),
            "01:10:00 node: akswin000000 is Ready again"
        );
        // NotReady at 00:40:00, the 300 s toleration runs out at 00:45:00.
        assert_eq!(
            told(|e| matches!(e.record, R::PodsEvicted { .. })),
            "00:45:00 node: 3 pods evicted from akswin000000: not-ready toleration \
             (node.kubernetes.io/unreachable) expired"
        );
    }

    #[test]
    fn the_warm_start_and_per_node_outage_lines_are_silent() {
        for e in events() {
            let silent = narrate(e.at, &e.time, &e.record).is_none();
            match &e.record {
                R::NodeProvisioning { reason, .. } => {
                    assert_eq!(silent, *reason == NodeCreation::Initial)
                }
                R::NodeReady { provisioning_s, .. } => {
                    assert_eq!(silent, *provisioning_s == 0.0)
                }
                R::NodeNotReady { reason, .. } => {
                    assert_eq!(silent, *reason == NotReadyCause::ZoneOutage)
                }
                r if r.is_pod_step() => assert!(silent),
                _ => {}
            }
        }
    }

    #[test]
    fn zones_spot_and_deployments_tell_theirs() {
        assert_eq!(
            told(|e| matches!(e.record, R::ZoneOutage { .. })),
            "00:40:00 zone: zone 2 is down until 01:10:00 — 6 nodes NotReady"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::ZoneRecovered { .. })),
            "01:10:00 zone: zone 2 is back up"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::StockOut { .. })),
            "01:40:00 zone: Standard_D4s_v5 is out of stock in zone 2 until 01:50:00"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::SpotEviction { .. })),
            "00:10:00 spot: Azure evicts aks-spot-74147804-vmss000001 (spot): eviction wave"
        );
        assert_eq!(
            told(|e| matches!(e.record, R::DeploymentScaled { .. })),
            "00:10:00 deployment: portal 2 → 20 (scenario event)"
        );
    }

    #[test]
    fn control_characters_in_names_reached_the_terminal_raw() {
        // An event's names are the scenario's (or a trace's): an ESC in one cleared the
        // screen and a newline forged a line of narration.
        let e = events()
            .iter()
            .find(|e| matches!(e.record, R::DeploymentScaled { .. }))
            .unwrap();
        let R::DeploymentScaled {
            from, to, reason, ..
        } = &e.record
        else {
            unreachable!()
        };
        let forged = R::DeploymentScaled {
            deployment: "por\u{1b}[2J\ntal".into(),
            from: *from,
            to: *to,
            reason: reason.clone(),
        };
        let told = explain_line(e.at, &e.time, &forged, Components::ALL).unwrap();
        assert_eq!(
            told,
            "00:10:00 deployment: por\\u{1b}[2J\\ntal 2 → 20 (scenario event)"
        );
    }

    #[test]
    fn only_the_per_pod_steps_have_no_component() {
        // Which records are narrated is settled by `Component::of`'s exhaustive match; the
        // silent ones must be the per-pod steps and nothing else.
        for e in events() {
            assert_ne!(
                Component::of(&e.record).is_some(),
                e.record.is_pod_step(),
                "{:?}",
                e.record
            );
        }
    }

    #[test]
    fn the_filter_keeps_only_the_components_asked_for() {
        let only: Components = "cluster-autoscaler, hpa".parse().unwrap();
        assert!(only.contains(Component::ClusterAutoscaler) && only.contains(Component::Hpa));
        assert!(!only.contains(Component::Node));
        let e = events()
            .iter()
            .find(|e| matches!(e.record, R::ZoneOutage { .. }))
            .unwrap();
        assert_eq!(explain_line(e.at, &e.time, &e.record, only), None);
        let zone: Components = "zone".parse().unwrap();
        assert!(explain_line(e.at, &e.time, &e.record, zone).is_some());
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
        let (at, time) = (SimTime(3_600_000), "2026-01-05T07:00:00+01:00");
        let outage = Record::ZoneOutage {
            zone: 1,
            nodes: 2,
            until: "2026-01-05T09:30:00+01:00".into(),
        };
        let (c, text) = narrate(at, time, &outage).unwrap();
        assert_eq!(c, Component::Zone);
        assert_eq!(text, "zone 1 is down until 09:30:00 — 2 nodes NotReady");
        // Text without times, or with a malformed one, is left as it is.
        assert_eq!(
            on_wall_clock("at 2026-13-45T99:00:00Z", instants(at, time)),
            "at 2026-13-45T99:00:00Z"
        );
    }

    #[test]
    fn several_pools_grown_show_their_share() {
        assert_eq!(pools_grown("win1 +2"), "win1");
        assert_eq!(pools_grown("win3 +1, win1 +2"), "win3 (+1), win1 (+2)");
    }
}
