//! The DaemonSets AKS runs on every node, shipped as defaults (`[cluster] default_daemonsets`).
//!
//! These approximate AKS's own node agents so that user pods see the room that is really left.
//! ASSUMPTION: the names follow AKS; the requests come from the upstream manifests and Helm
//! charts named on each line (AKS-managed copies may differ), and azure-cns is an estimate.
//! Windows kube-proxy runs as a host service on AKS Windows nodes, so it is not listed. A scenario
//! replaces one by declaring a `[[daemonset]]` with the same name and OS, or turns them all off
//! with `default_daemonsets = false`.

use indexmap::IndexMap;

use crate::api::DaemonSetSpec;
use crate::api::quantity::MIB;
use crate::api::{Os, Toleration};

/// (name, os, cpu millicores, memory MiB, source)
pub const BUILTIN: &[(&str, Os, u64, u64, &str)] = &[
    (
        "kube-proxy",
        Os::Linux,
        100,
        0,
        "aks-engine parts/k8s/addons/kube-proxy.yaml (AKS copy unverified)",
    ),
    (
        "azure-ip-masq-agent",
        Os::Linux,
        50,
        50,
        "aks-engine pkg/api/addons.go (AKS copy unverified)",
    ),
    (
        "azure-cns",
        Os::Linux,
        40,
        250,
        "estimate: the AKS manifest is not public",
    ),
    (
        "cloud-node-manager",
        Os::Linux,
        50,
        50,
        "cloud-provider-azure cloud-node-manager.yaml",
    ),
    (
        "csi-azuredisk-node",
        Os::Linux,
        30,
        60,
        "azuredisk-csi-driver chart: 3 containers x 10m/20Mi",
    ),
    (
        "csi-azurefile-node",
        Os::Linux,
        30,
        60,
        "azurefile-csi-driver chart: 3 containers x 10m/20Mi",
    ),
    (
        "azure-cns-win",
        Os::Windows,
        40,
        250,
        "estimate: the AKS manifest is not public",
    ),
    (
        "cloud-node-manager-windows",
        Os::Windows,
        50,
        50,
        "cloud-provider-azure chart values.yaml",
    ),
    (
        "csi-azuredisk-node-win",
        Os::Windows,
        30,
        40,
        "azuredisk-csi-driver chart, HostProcess template",
    ),
    (
        "csi-azurefile-node-win",
        Os::Windows,
        40,
        80,
        "azurefile-csi-driver chart, HostProcess template",
    ),
];

pub fn builtin() -> Vec<DaemonSetSpec> {
    BUILTIN
        .iter()
        .map(|&(name, os, cpu, mem, _)| {
            let mut node_selector = IndexMap::new();
            node_selector.insert(crate::api::LABEL_OS.to_string(), os.as_str().to_string());
            DaemonSetSpec {
                name: name.to_string(),
                namespace: "kube-system".to_string(),
                os,
                cpu_request_millis: cpu,
                memory_request_bytes: mem * MIB,
                node_selector,
                tolerations: vec![Toleration::everything()],
                builtin: true,
            }
        })
        .collect()
}
