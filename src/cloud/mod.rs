//! The cloud beneath the node provisioners: Azure, which every provisioner (today the cluster
//! autoscaler) asks for VMs. Its state lives in the World; the Kubernetes side of its faults
//! (nodes NotReady, evictions, drains) is `controllers::node_lifecycle`.

pub mod azure;

pub use azure::{Azure, ErrorCode, Refusal};
