//! The cloud beneath the cluster: Azure, which every node provisioner (today the cluster
//! autoscaler) asks for VMs.

pub mod azure;

pub use azure::{Azure, ErrorCode, Refusal};
