//! Well-known labels of nodes: Kubernetes' (`k8s.io/api/core/v1/well_known_labels.go`) and
//! AKS's (`kubernetes.azure.com/*`).

use super::{Taint, TaintEffect};

pub const LABEL_OS: &str = "kubernetes.io/os";
pub const LABEL_ARCH: &str = "kubernetes.io/arch";
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";
pub const LABEL_REGION: &str = "topology.kubernetes.io/region";
pub const LABEL_INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
pub const LABEL_WINDOWS_BUILD: &str = "node.kubernetes.io/windows-build";
pub const LABEL_AGENTPOOL: &str = "kubernetes.azure.com/agentpool";
pub const LABEL_AGENTPOOL_SHORT: &str = "agentpool";
pub const LABEL_MODE: &str = "kubernetes.azure.com/mode";
pub const LABEL_OS_SKU: &str = "kubernetes.azure.com/os-sku";
pub const LABEL_SCALESET_PRIORITY: &str = "kubernetes.azure.com/scalesetpriority";

/// The taint AKS puts on spot pools (reference §3.3).
pub fn spot_taint() -> Taint {
    Taint {
        key: LABEL_SCALESET_PRIORITY.into(),
        value: "spot".into(),
        effect: TaintEffect::NoSchedule,
    }
}
