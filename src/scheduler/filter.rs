//! kube-scheduler's Filter plugins that aksim models, as pure functions over one node.
//!
//! Order and reason strings follow kube-scheduler 1.31–1.33 (`pkg/scheduler/framework/plugins`):
//! NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector), NodeResourcesFit,
//! PodTopologySpread. A node reports the reasons of the first plugin that rejects it;
//! NodeResourcesFit reports each insufficient resource (`fit.go`).

use crate::api::PodTemplate;
use crate::api::{Labels, Taint, TaintEffect, Toleration};
use crate::cluster::Node;

/// Why one node rejected a pod, worded as kube-scheduler words it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Unschedulable,
    /// `{key: value}` of the first untolerated NoSchedule/NoExecute taint.
    UntoleratedTaint(String),
    NodeAffinity,
    InsufficientCpu,
    InsufficientMemory,
    TooManyPods,
    TopologySpread,
}

impl Reason {
    pub fn text(&self) -> String {
        match self {
            Reason::Unschedulable => "node(s) were unschedulable".into(),
            Reason::UntoleratedTaint(t) => format!("node(s) had untolerated taint {t}"),
            Reason::NodeAffinity => "node(s) didn't match Pod's node affinity/selector".into(),
            Reason::InsufficientCpu => "Insufficient cpu".into(),
            Reason::InsufficientMemory => "Insufficient memory".into(),
            Reason::TooManyPods => "Too many pods".into(),
            Reason::TopologySpread => "node(s) didn't match pod topology spread constraints".into(),
        }
    }
}

/// NodeUnschedulable lets a pod onto a cordoned node only if it tolerates
/// `node.kubernetes.io/unschedulable:NoSchedule` (`node_unschedulable.go`).
pub fn tolerates_unschedulable(tolerations: &[Toleration]) -> bool {
    let taint = Taint {
        key: "node.kubernetes.io/unschedulable".into(),
        value: String::new(),
        effect: TaintEffect::NoSchedule,
    };
    crate::api::tolerated(tolerations, &taint)
}

/// TaintToleration: the first NoSchedule/NoExecute taint the pod does not tolerate.
pub fn untolerated_taint(taints: &[Taint], tolerations: &[Toleration]) -> Option<Reason> {
    taints
        .iter()
        .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
        .find(|t| !crate::api::tolerated(tolerations, t))
        .map(|t| Reason::UntoleratedTaint(format!("{{{}: {}}}", t.key, t.value)))
}

/// The checks that depend only on the pool and zone (taints, labels): TaintToleration, then
/// NodeAffinity. A `kubernetes.io/hostname` selector is checked per node by the scheduler.
pub fn static_filter(t: &PodTemplate, labels: &Labels, taints: &[Taint]) -> Option<Reason> {
    if let Some(r) = untolerated_taint(taints, &t.tolerations) {
        return Some(r);
    }
    let matches = t
        .node_selector
        .iter()
        .filter(|(k, _)| k.as_str() != crate::api::LABEL_HOSTNAME)
        .all(|(k, v)| labels.get(k) == Some(v));
    (!matches).then_some(Reason::NodeAffinity)
}

/// NodeResourcesFit: requests fit in what is left of allocatable, and a pod slot is free.
/// Pushes every failing resource, as `fitsRequest` does.
#[inline]
pub fn resources_fit(cpu: u64, memory: u64, node: &Node, out: &mut Vec<Reason>) -> bool {
    if fits(cpu, memory, node) {
        return true;
    }
    let before = out.len();
    if node.pod_count + 1 > node.allocatable.pods {
        out.push(Reason::TooManyPods);
    }
    if cpu > 0 && node.cpu_requested + cpu > node.allocatable.cpu_millis {
        out.push(Reason::InsufficientCpu);
    }
    if memory > 0 && node.memory_requested + memory > node.allocatable.memory_bytes {
        out.push(Reason::InsufficientMemory);
    }
    out.len() == before
}

/// NodeResourcesFit's verdict alone, without the reasons (the scheduler's hot path).
#[inline]
pub fn fits(cpu: u64, memory: u64, node: &Node) -> bool {
    fits_with(cpu, memory, node, Placed::default())
}

/// Requests a simulation has placed on a node on top of its real ones (the cluster
/// autoscaler's scale-down moves pods in its head before it removes anything).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placed {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub pods: u32,
}

/// NodeResourcesFit's verdict on `node` with `placed` already on it: the one check of room
/// that the scheduler and the autoscaler's simulated placements share. A resource the pod
/// does not request is not checked (`fitsRequest` skips zero requests).
#[inline]
pub fn fits_with(cpu: u64, memory: u64, node: &Node, placed: Placed) -> bool {
    let a = &node.allocatable;
    node.pod_count + placed.pods < a.pods
        && (cpu == 0 || node.cpu_requested + placed.cpu_millis + cpu <= a.cpu_millis)
        && (memory == 0 || node.memory_requested + placed.memory_bytes + memory <= a.memory_bytes)
}

/// PodTopologySpread (DoNotSchedule): `count(domain) + 1 − min(domains) ≤ maxSkew`, with
/// `min` taken as 0 when fewer domains exist than `minDomains` (`filtering.go`).
pub fn spread_ok(
    count_here: u32,
    min_count: u32,
    domains: u32,
    max_skew: u32,
    min_domains: Option<u32>,
) -> bool {
    let min = if min_domains.is_some_and(|m| domains < m) {
        0
    } else {
        min_count
    };
    count_here < min + max_skew
}

/// kube-scheduler's FitError text: "0/N nodes are available: " then "count reason" entries
/// sorted as strings (`sort.Strings`), joined by ", ", ending with "." (`framework/types.go`).
/// Preemption is not modelled, so the "preemption: …" clause that follows upstream is left out.
pub fn fit_error(total_nodes: usize, histogram: &[(Reason, u32)]) -> String {
    // With no node at all kube-scheduler says ErrNoNodesAvailable instead (schedule_one.go).
    if total_nodes == 0 {
        return "no nodes available to schedule pods".to_string();
    }
    let mut parts: Vec<String> = histogram
        .iter()
        .map(|(r, n)| format!("{n} {}", r.text()))
        .collect();
    parts.sort();
    if parts.is_empty() {
        format!("0/{total_nodes} nodes are available.")
    } else {
        format!("0/{total_nodes} nodes are available: {}.", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_taint;

    #[test]
    fn message_matches_kube_scheduler() {
        // The example from the issue: 9 nodes short of cpu and 3 Windows nodes tainted.
        let msg = fit_error(
            12,
            &[
                (Reason::InsufficientCpu, 9),
                (Reason::UntoleratedTaint("{os: windows}".into()), 3),
            ],
        );
        // Sorted as strings: "3 node(s)…" < "9 Insufficient cpu".
        assert_eq!(
            msg,
            "0/12 nodes are available: 3 node(s) had untolerated taint {os: windows}, 9 Insufficient cpu."
        );
        // Plain string order puts "10 …" before "9 …", as sort.Strings does.
        let msg = fit_error(
            19,
            &[
                (Reason::InsufficientCpu, 9),
                (Reason::InsufficientMemory, 10),
            ],
        );
        assert_eq!(
            msg,
            "0/19 nodes are available: 10 Insufficient memory, 9 Insufficient cpu."
        );
    }

    #[test]
    fn taint_filter_names_first_untolerated_taint() {
        let taints = vec![
            parse_taint("pref=x:PreferNoSchedule").unwrap(),
            parse_taint("os=windows:NoSchedule").unwrap(),
        ];
        let r = untolerated_taint(&taints, &[]).unwrap();
        assert_eq!(r.text(), "node(s) had untolerated taint {os: windows}");
        assert_eq!(
            untolerated_taint(&taints, &[Toleration::everything()]),
            None
        );
        // PreferNoSchedule alone never filters.
        assert_eq!(untolerated_taint(&taints[..1], &[]), None);
    }

    #[test]
    fn spread_rule() {
        // maxSkew 1, zones at (2, 1, 1): zone with 2 → 2 + 1 − 1 = 2 > 1 fails; zone with 1 passes.
        assert!(!spread_ok(2, 1, 3, 1, None));
        assert!(spread_ok(1, 1, 3, 1, None));
        // minDomains 3 with 2 domains: min counts as 0, so 1 + 1 − 0 = 2 > 1 fails.
        assert!(!spread_ok(1, 1, 2, 1, Some(3)));
    }
}
