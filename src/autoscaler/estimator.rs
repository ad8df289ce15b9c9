//! The binpacking estimator: how many fresh nodes of one node group the pending pods need.
//!
//! Models upstream's `BinpackingNodeEstimator.Estimate` with the default `DecreasingPodOrderer`
//! and the node-count part of the threshold-based limiter:
//!
//! - Pod equivalence groups are ordered by decreasing score, where the score of a group is its
//!   exemplar pod's `cpu / template allocatable cpu + memory / template allocatable memory` (a term
//!   is skipped when the template's allocatable of that resource is 0). A group's pods stay
//!   together. Upstream sorts with Go's `sort.Slice` (not stable); aksim sorts stably, so equal
//!   scores keep the caller's order.
//! - For each group, each pod is first tried on the nodes added so far in this estimation
//!   (upstream's `FitsAnyNodeMatching` restricted to new nodes). That scan is not plain first fit:
//!   it starts at the node after the one that took the previous pod this way and wraps around
//!   (the predicate checker's `lastIndex`). At the first pod that fits none of them, the rest of
//!   the group goes to the second phase.
//! - Second phase, per pod: try the last added node only; otherwise stop the group if the last
//!   added node has no estimated pod (a pod that does not fit an empty node will not fit another
//!   one); otherwise stop if the limiter refuses another node; otherwise add a fresh node from the
//!   template and place the pod there, stopping the group if it does not fit.
//! - The result counts only the added nodes that received at least one pod, and the pods placed.
//!   An added node that stayed empty still used up the limiter's allowance, and later (smaller)
//!   groups may still fill it in their first phase.
//!
//! A fit is the scheduler's NodeResourcesFit and pod-count check: requests plus what is already
//! on the node (the template's DaemonSet pods, then the estimated pods) within allocatable cpu and
//! memory, and pods within `max_pods`.
//!
//! Left out: every other scheduler filter (taints, selectors, host ports, topology spread — the
//! caller passes only groups that pass the static ones), the limiter's time budget
//! (`max-node-provision-time`-style binpacking duration) and its per-similar-group thresholds.
//! Upstream's wrap-around cursor lives in the predicate checker, spans the whole cluster snapshot
//! (existing nodes too) and survives between estimations; aksim's spans only this estimation's
//! new nodes and starts at the first one. Upstream's limiter treats `maxNodes == 0` as "no limit";
//! here `max_new_nodes` is always a hard cap (pass `u32::MAX` for none).
//!
//! Upstream sources (kubernetes/autoscaler, `cluster-autoscaler/`):
//! `estimator/binpacking_estimator.go`, `estimator/decreasing_pod_orderer.go`,
//! `estimator/threshold_based_limiter.go`, `simulator/predicatechecker/schedulerbased.go`.

/// CPU in millicores and memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resources {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

impl Resources {
    pub const ZERO: Resources = Resources {
        cpu_millis: 0,
        memory_bytes: 0,
    };

    pub fn new(cpu_millis: u64, memory_bytes: u64) -> Self {
        Resources {
            cpu_millis,
            memory_bytes,
        }
    }

    fn saturating_add(self, other: Resources) -> Resources {
        Resources {
            cpu_millis: self.cpu_millis.saturating_add(other.cpu_millis),
            memory_bytes: self.memory_bytes.saturating_add(other.memory_bytes),
        }
    }
}

/// A fresh node of one node group, as the estimator sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeTemplate {
    /// The node's allocatable cpu and memory (also the orderer's denominators).
    pub allocatable: Resources,
    /// The node's pod capacity (AKS `--max-pods`).
    pub max_pods: u32,
    /// What the DaemonSet pods already request on a fresh node.
    pub daemon: Resources,
    /// How many DaemonSet pods a fresh node already runs.
    pub daemon_pods: u32,
}

/// Pending pods of one equivalence class that can run on the template as far as the static
/// filters go (the caller filters that).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodGroup {
    pub id: u32,
    /// Requests of one pod.
    pub requests: Resources,
    pub count: u32,
}

/// The estimator's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// New nodes that received at least one pod.
    pub nodes: u32,
    /// Pods placed on them.
    pub pods: u32,
    /// `(group id, pods placed)` for every input group, in the caller's order.
    pub per_group: Vec<(u32, u32)>,
}

/// One node added during the estimation.
#[derive(Debug, Clone, Copy)]
struct NewNode {
    used: Resources,
    pods: u32,
    /// Estimated (non-DaemonSet) pods placed on it.
    placed: u32,
}

impl NewNode {
    fn fits(&self, template: &NodeTemplate, pod: Resources) -> bool {
        let after = self.used.saturating_add(pod);
        self.pods < template.max_pods
            && after.cpu_millis <= template.allocatable.cpu_millis
            && after.memory_bytes <= template.allocatable.memory_bytes
    }

    fn place(&mut self, pod: Resources) {
        self.used = self.used.saturating_add(pod);
        self.pods += 1;
        self.placed += 1;
    }
}

/// The decreasing pod orderer's score of one pod against the template.
fn score(template: &NodeTemplate, pod: Resources) -> f64 {
    let mut s = 0.0;
    if template.allocatable.cpu_millis > 0 {
        s += pod.cpu_millis as f64 / template.allocatable.cpu_millis as f64;
    }
    if template.allocatable.memory_bytes > 0 {
        s += pod.memory_bytes as f64 / template.allocatable.memory_bytes as f64;
    }
    s
}

/// Estimates the fresh template nodes needed for `groups`, adding at most `max_new_nodes`.
pub fn estimate(template: &NodeTemplate, groups: &[PodGroup], max_new_nodes: u32) -> Estimate {
    // Stable sort by decreasing score: indices into `groups`.
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| {
        score(template, groups[b].requests).total_cmp(&score(template, groups[a].requests))
    });

    let fresh = NewNode {
        used: template.daemon,
        pods: template.daemon_pods,
        placed: 0,
    };
    let mut nodes: Vec<NewNode> = Vec::new();
    let mut added: u32 = 0;
    // The wrap-around cursor of the first phase.
    let mut cursor: usize = 0;
    let mut placed_per_group = vec![0u32; groups.len()];

    for &g in &order {
        let pod = groups[g].requests;
        let mut remaining = groups[g].count;

        // Phase 1: the nodes added so far, scanned from the cursor.
        while remaining > 0 {
            let n = nodes.len();
            let hit = (0..n)
                .map(|i| (cursor + i) % n)
                .find(|&j| nodes[j].fits(template, pod));
            let Some(j) = hit else { break };
            nodes[j].place(pod);
            cursor = (j + 1) % n;
            placed_per_group[g] += 1;
            remaining -= 1;
        }

        // Phase 2: the last added node, else a fresh one.
        while remaining > 0 {
            if let Some(last) = nodes.last_mut()
                && last.fits(template, pod)
            {
                last.place(pod);
                placed_per_group[g] += 1;
                remaining -= 1;
                continue;
            }
            if nodes.last().is_some_and(|last| last.placed == 0) {
                break;
            }
            if added >= max_new_nodes {
                break;
            }
            added += 1;
            nodes.push(fresh);
            let last = nodes.last_mut().expect("just pushed");
            if !last.fits(template, pod) {
                break;
            }
            last.place(pod);
            placed_per_group[g] += 1;
            remaining -= 1;
        }
    }

    Estimate {
        nodes: nodes.iter().filter(|n| n.placed > 0).count() as u32,
        pods: placed_per_group.iter().sum(),
        per_group: groups
            .iter()
            .zip(&placed_per_group)
            .map(|(g, &p)| (g.id, p))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    /// A node like upstream's test `makeNode`: capacity = allocatable, no DaemonSets.
    fn node(cpu_millis: u64, mem_mib: u64, max_pods: u32) -> NodeTemplate {
        NodeTemplate {
            allocatable: Resources::new(cpu_millis, mem_mib * MIB),
            max_pods,
            daemon: Resources::ZERO,
            daemon_pods: 0,
        }
    }

    fn group(id: u32, cpu_millis: u64, mem_mib: u64, count: u32) -> PodGroup {
        PodGroup {
            id,
            requests: Resources::new(cpu_millis, mem_mib * MIB),
            count,
        }
    }

    // upstream: TestBinpackingEstimate "simple resource-based binpacking"
    // (binpacking_estimator_test.go). Node 1000m (= 350·3 − 50) / 2000 MiB, 10 pods of
    // 350m / 1000 MiB: cpu allows 2 per node (700 ≤ 1000 < 1050), memory 2 → 10 / 2 = 5 nodes.
    // Upstream passes maxNodes 0, its "no limit".
    #[test]
    fn upstream_simple_resource_based() {
        let e = estimate(&node(1000, 2000, 10), &[group(1, 350, 1000, 10)], u32::MAX);
        assert_eq!((e.nodes, e.pods), (5, 10));
        assert_eq!(e.per_group, vec![(1, 10)]);
    }

    // upstream: TestBinpackingEstimate "pods-per-node bound binpacking". Node 10000m / 20000 MiB
    // with 10 pods max, 20 pods of 10m / 100 MiB: resources would take 100+, pods cap at 10 per
    // node → 20 / 10 = 2 nodes.
    #[test]
    fn upstream_pods_per_node_bound() {
        let e = estimate(
            &node(10_000, 20_000, 10),
            &[group(1, 10, 100, 20)],
            u32::MAX,
        );
        assert_eq!((e.nodes, e.pods), (2, 20));
    }

    // upstream: TestBinpackingEstimate "limiter cuts binpacking". Node 1000m / 5000 MiB, 20 pods
    // of 500m / 1000 MiB → 2 per node; 5 nodes allowed → 5 nodes, 10 pods.
    #[test]
    fn upstream_limiter_cuts() {
        let e = estimate(&node(1000, 5000, 10), &[group(1, 500, 1000, 20)], 5);
        assert_eq!((e.nodes, e.pods), (5, 10));
    }

    // upstream: TestBinpackingEstimate "decreasing ordered pods are processed first".
    // Scores: small group 50/1000 + 1000/5000 = 0.25, big group 500/1000 + 1000/5000 = 0.7, so
    // the big group goes first although listed second: 2 per node, 5 nodes, 10 pods. The small
    // pods then fit no full node (1000m used) and the limiter refuses a sixth.
    #[test]
    fn upstream_decreasing_order_first() {
        let groups = [group(7, 50, 1000, 10), group(8, 500, 1000, 10)];
        let e = estimate(&node(1000, 5000, 10), &groups, 5);
        assert_eq!((e.nodes, e.pods), (5, 10));
        assert_eq!(e.per_group, vec![(7, 0), (8, 10)]);
    }

    // A pod bigger than the node: the first fresh node stays empty and stops the group; nothing
    // is counted.
    #[test]
    fn pod_bigger_than_node_needs_no_node() {
        let e = estimate(&node(1000, 1000, 110), &[group(1, 1500, 10, 3)], u32::MAX);
        assert_eq!((e.nodes, e.pods), (0, 0));
        let e = estimate(&node(1000, 1000, 110), &[group(1, 10, 1500, 3)], u32::MAX);
        assert_eq!((e.nodes, e.pods), (0, 0));
    }

    // The empty node added for the oversized group (score 2.0) is kept; the small group (0.1)
    // fills it in its first phase: 2 × 100m on node e-0 → 1 node. That node already took the
    // limiter's only allowance, so max_new_nodes = 1 still gives 1 node.
    #[test]
    fn empty_node_reused_by_later_group() {
        let groups = [group(1, 100, 0, 2), group(2, 2000, 0, 3)];
        let e = estimate(&node(1000, 1000, 110), &groups, 1);
        assert_eq!((e.nodes, e.pods), (1, 2));
        assert_eq!(e.per_group, vec![(1, 2), (2, 0)]);
    }

    #[test]
    fn zero_limit_adds_nothing() {
        let e = estimate(&node(1000, 1000, 110), &[group(1, 100, 1, 5)], 0);
        assert_eq!((e.nodes, e.pods), (0, 0));
        assert_eq!(e.per_group, vec![(1, 0)]);
    }

    // The limiter counts nodes, not pods: 7 pods of 300m on 1000m nodes go 3 per node;
    // 2 nodes allowed → 6 pods.
    #[test]
    fn limit_caps_nodes() {
        let e = estimate(&node(1000, 1000, 110), &[group(1, 300, 1, 7)], 2);
        assert_eq!((e.nodes, e.pods), (2, 6));
        let e = estimate(&node(1000, 1000, 110), &[group(1, 300, 1, 7)], 3);
        assert_eq!((e.nodes, e.pods), (3, 7));
    }

    // max_pods counts the DaemonSet pods: 4 slots − 2 daemon pods = 2 per node; 5 tiny pods →
    // 3 nodes.
    #[test]
    fn max_pods_includes_daemon_pods() {
        let t = NodeTemplate {
            daemon_pods: 2,
            ..node(10_000, 10_000, 4)
        };
        let e = estimate(&t, &[group(1, 1, 1, 5)], u32::MAX);
        assert_eq!((e.nodes, e.pods), (3, 5));
    }

    // DaemonSet requests come off the fresh node: 1000m − 200m = 800m free, pods of 450m go one
    // per node (900 > 800) → 4 pods, 4 nodes; without DaemonSets 2 per node → 2 nodes.
    #[test]
    fn daemon_requests_reduce_room() {
        let bare = node(1000, 1000, 110);
        let with_ds = NodeTemplate {
            daemon: Resources::new(200, 0),
            daemon_pods: 1,
            ..bare
        };
        let groups = [group(1, 450, 1, 4)];
        assert_eq!(estimate(&with_ds, &groups, u32::MAX).nodes, 4);
        assert_eq!(estimate(&bare, &groups, u32::MAX).nodes, 2);
    }

    // Mixed groups on 1000m nodes (memory 0, so scores are cpu only): A 3 × 600m (0.6),
    // B 4 × 300m (0.3), C 5 × 100m (0.1).
    // A: n0, n1, n2 each 600m (the second pod fits no new node nor the last, so a node each).
    // B: phase 1 from cursor 0: n0 → 900 (cursor 1), n1 → 900 (2), n2 → 900 (0); the 4th fits
    //    none (1200) → phase 2: last n2 is full and non-empty → n3 = 300.
    // C: phase 1 from cursor 0: n0 → 1000, n1 → 1000, n2 → 1000, n3 → 400, then n3 → 500.
    // 4 nodes, 12 pods (3500m of work, so 4 is optimal).
    #[test]
    fn mixed_groups_first_fit_decreasing() {
        let groups = [
            group(3, 100, 0, 5),
            group(1, 600, 0, 3),
            group(2, 300, 0, 4),
        ];
        let e = estimate(&node(1000, 1000, 110), &groups, u32::MAX);
        assert_eq!((e.nodes, e.pods), (4, 12));
        assert_eq!(e.per_group, vec![(3, 5), (1, 3), (2, 4)]);
    }

    // The phase-1 scan rotates (upstream's predicate-checker cursor) instead of always starting
    // at the first node, which changes the packing. A 2 × 600m → n0 = 600, n1 = 600 (cursor 0).
    // B 2 × 200m (0.2): B1 → n0 = 800 (cursor 1), B2 → n1 = 800 (cursor 0).
    // C 2 × 150m (0.15): C1 → n0 = 950 (cursor 1), C2 → n1 = 950.
    // First fit would have put B1, B2 on n0 (1000) and C1, C2 on n1 (900), leaving 100m on n1;
    // with rotation both nodes have 50m left. A last group D 1 × 100m (0.1) then needs a third
    // node here, where first fit would not.
    #[test]
    fn rotation_differs_from_first_fit() {
        let groups = [
            group(1, 600, 0, 2),
            group(2, 200, 0, 2),
            group(3, 150, 0, 2),
            group(4, 100, 0, 1),
        ];
        let e = estimate(&node(1000, 1000, 110), &groups, u32::MAX);
        assert_eq!((e.nodes, e.pods), (3, 7));
    }

    // Memory counts in the score: on 4000m / 1000 MiB a 2000m / 600 MiB pod scores 0.5 + 0.6,
    // ahead of a 3000m / 0 pod (0.75), though its cpu alone would put it behind. The two do not
    // share a node (5000m > 4000m), so with one node the order decides which is placed.
    #[test]
    fn memory_counts_in_order() {
        let groups = [group(1, 3000, 0, 1), group(2, 2000, 600, 1)];
        let e = estimate(&node(4000, 1000, 110), &groups, 1);
        assert_eq!(e.per_group, vec![(1, 0), (2, 1)]);
        assert_eq!((e.nodes, e.pods), (1, 1));
    }

    #[test]
    fn no_groups() {
        let e = estimate(&node(1000, 1000, 110), &[], u32::MAX);
        assert_eq!((e.nodes, e.pods), (0, 0));
        assert!(e.per_group.is_empty());
    }
}
