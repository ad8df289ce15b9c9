//! The Cluster Autoscaler (kubernetes/autoscaler `cluster-autoscaler`), reduced to the pure
//! decisions of a scale-up:
//!
//! - `estimator`: how many fresh nodes of one node group the pending pods need (the binpacking
//!   estimator with upstream's decreasing pod orderer and its stopping rules);
//! - `expander`: which of the candidate node groups to grow (random, most-pods, least-waste,
//!   least-nodes, priority, and aksim's own price rule), chained as with `--expander=a,b`;
//! - `balance`: how a chosen scale-up is spread over similar node groups
//!   (`--balance-similar-node-groups`, e.g. one pool per zone).
//!
//! These take plain numbers and return plain numbers; nothing here reads the cluster, the clock or
//! the event queue. The control loop that builds their inputs (pending pods, templates from the
//! pool definitions, upcoming nodes, backoff, scale-down) is `controllers/cluster_autoscaler.rs`.
//! Upstream sources are named in each module (reference §2).

pub mod backoff;
pub mod balance;
pub mod estimator;
pub mod expander;
pub mod scale_down;

pub use backoff::Backoff;
pub use balance::balance;
pub use estimator::{Estimate, NodeTemplate, PodGroup, Resources, estimate};
pub use expander::{ExpansionOption, NamePattern, Strategy, UnsupportedPattern, choose};

use crate::engine::SimDuration;

/// `[autoscaler]`: AKS's `cluster-autoscaler-profile` keys (reference §2.6) with AKS's
/// defaults, plus the upstream flags AKS does not expose (defaults from reference §2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// `scan-interval` (10 s).
    pub scan_interval: SimDuration,
    /// `expander`, a chain such as `priority,least-waste` (AKS default `random`).
    pub expander: Vec<Strategy>,
    /// `balance-similar-node-groups` (false).
    pub balance_similar_node_groups: bool,
    /// `scale-down-enabled`, an upstream flag (true).
    pub scale_down_enabled: bool,
    /// `scale-down-delay-after-add` (10 m).
    pub scale_down_delay_after_add: SimDuration,
    /// `scale-down-delay-after-delete` (AKS: the scan interval).
    pub scale_down_delay_after_delete: SimDuration,
    /// `scale-down-delay-after-failure` (3 m).
    pub scale_down_delay_after_failure: SimDuration,
    /// `scale-down-unneeded-time` (10 m).
    pub scale_down_unneeded_time: SimDuration,
    /// `scale-down-unready-time` (20 m).
    pub scale_down_unready_time: SimDuration,
    /// `scale-down-utilization-threshold` (0.5); a node is underutilized strictly below it.
    pub scale_down_utilization_threshold: f64,
    /// `max-graceful-termination-sec` (600): the cap on a pod's grace period in a drain.
    pub max_graceful_termination: SimDuration,
    /// `max-node-provision-time` (15 m).
    pub max_node_provision_time: SimDuration,
    /// `max-empty-bulk-delete` (10): empty nodes deleted in one loop.
    pub max_empty_bulk_delete: u32,
    /// `new-pod-scale-up-delay` (0 s): pods younger than this do not trigger a scale-up.
    pub new_pod_scale_up_delay: SimDuration,
    /// `skip-nodes-with-system-pods` (true).
    pub skip_nodes_with_system_pods: bool,
    /// `skip-nodes-with-local-storage` (AKS: false).
    pub skip_nodes_with_local_storage: bool,
    /// `max-total-unready-percentage` (45).
    pub max_total_unready_percentage: f64,
    /// `ok-total-unready-count` (3).
    pub ok_total_unready_count: u32,
    /// `max-nodes-total` (0 = no limit).
    pub max_nodes_total: u32,
    /// `ignore-daemonsets-utilization` (false).
    pub ignore_daemonsets_utilization: bool,
    /// `daemonset-eviction-for-empty-nodes` / `-occupied-nodes` (false / true). Accepted for
    /// the profile's sake; DaemonSet pods are not evicted one by one in aksim.
    pub daemonset_eviction_for_empty_nodes: bool,
    pub daemonset_eviction_for_occupied_nodes: bool,
    /// `initial-node-group-backoff-duration` (5 m), upstream flag.
    pub initial_node_group_backoff: SimDuration,
    /// `max-node-group-backoff-duration` (30 m), upstream flag.
    pub max_node_group_backoff: SimDuration,
    /// `node-group-backoff-reset-timeout` (3 h), upstream flag.
    pub node_group_backoff_reset_timeout: SimDuration,
    /// `unremovable-node-recheck-timeout` (5 m), upstream flag.
    pub unremovable_node_recheck_timeout: SimDuration,
    /// `expendable-pods-priority-cutoff` (−10), upstream flag.
    pub expendable_pods_priority_cutoff: i32,
    /// `max-drain-parallelism` (1), upstream flag: occupied nodes drained at once.
    pub max_drain_parallelism: u32,
    /// The priority expander's table as configured (`[autoscaler.priorities]`, the
    /// `cluster-autoscaler-priority-expander` ConfigMap): priority → node-pool name patterns,
    /// highest first, whether or not the chain names `priority`. The loop reads the copy in
    /// `Strategy::Priority`.
    pub priorities: Vec<(i32, Vec<NamePattern>)>,
}

impl Default for Profile {
    fn default() -> Self {
        let scan_interval = SimDuration::from_secs(10);
        Profile {
            scan_interval,
            expander: vec![Strategy::Random],
            balance_similar_node_groups: false,
            scale_down_enabled: true,
            scale_down_delay_after_add: SimDuration::from_secs(600),
            scale_down_delay_after_delete: scan_interval,
            scale_down_delay_after_failure: SimDuration::from_secs(180),
            scale_down_unneeded_time: SimDuration::from_secs(600),
            scale_down_unready_time: SimDuration::from_secs(1200),
            scale_down_utilization_threshold: 0.5,
            max_graceful_termination: SimDuration::from_secs(600),
            max_node_provision_time: SimDuration::from_secs(900),
            max_empty_bulk_delete: 10,
            new_pod_scale_up_delay: SimDuration::ZERO,
            skip_nodes_with_system_pods: true,
            skip_nodes_with_local_storage: false,
            max_total_unready_percentage: 45.0,
            ok_total_unready_count: 3,
            max_nodes_total: 0,
            ignore_daemonsets_utilization: false,
            daemonset_eviction_for_empty_nodes: false,
            daemonset_eviction_for_occupied_nodes: true,
            initial_node_group_backoff: SimDuration::from_secs(300),
            max_node_group_backoff: SimDuration::from_secs(1800),
            node_group_backoff_reset_timeout: SimDuration::from_secs(3 * 3600),
            unremovable_node_recheck_timeout: SimDuration::from_secs(300),
            expendable_pods_priority_cutoff: -10,
            max_drain_parallelism: 1,
            priorities: Vec::new(),
        }
    }
}
