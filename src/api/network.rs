//! The cluster's network profile (`az aks create --network-plugin`, `--vnet-subnet-id`,
//! `--pod-cidr`) and the node limits AKS sets per cluster and per pool.

use serde::Deserialize;

/// AKS: 5,000 nodes per cluster, 1,000 per pool, 100 pools (reference §4.1).
pub const MAX_NODES_PER_CLUSTER: u64 = 5_000;
/// kubenet clusters are capped at 400 nodes by the Azure route table (AKS kubenet docs).
pub const MAX_NODES_KUBENET: u64 = 400;
pub const MAX_NODES_PER_POOL: u32 = 1_000;

/// The node limit of a cluster with this network plugin.
pub fn max_nodes_per_cluster(plugin: NetworkPlugin) -> u64 {
    if plugin == NetworkPlugin::Kubenet {
        MAX_NODES_KUBENET
    } else {
        MAX_NODES_PER_CLUSTER
    }
}

/// `az aks create --network-plugin` (and `--network-plugin-mode overlay`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkPlugin {
    /// Azure CNI with pod IPs from the node subnet, reserved up front (max_pods + 1 per node).
    Azure,
    /// Azure CNI Overlay: one node IP from the subnet, pods from a private /24 per node.
    AzureOverlay,
    /// kubenet: Linux only, one node IP from the subnet.
    Kubenet,
}

#[derive(Debug, Clone)]
pub struct NetworkSettings {
    pub plugin: NetworkPlugin,
    pub subnet_cidr: String,
    /// Usable addresses: 2^(32 − prefix) − 5 (Azure reserves five per subnet).
    pub subnet_ips: u64,
    pub pod_cidr: String,
    /// Overlay only: how many nodes the pod CIDR can give a /24 to.
    pub pod_cidr_nodes: u64,
}
