//! AKS node allocatable: capacity minus kube-reserved and the eviction threshold.
//!
//! Source: AKS "Node resource reservations" (reference §4.3). CPU follows the AKS table
//! (1 core → 60m, 2 → 100m, 4 → 140m, 8 → 180m, 16 → 260m, 32 → 420m, 64 → 740m). Memory on
//! Linux with Kubernetes ≥ 1.29 reserves min(20 MiB × max_pods + 50 MiB, 25 % of RAM) plus a
//! 100 MiB eviction threshold; before 1.29 a regressive share of RAM plus 750 MiB. Windows
//! reserves the regressive share plus 2 GiB and has no hard-eviction threshold (AgentBaker's
//! Windows node config: `--kube-reserved=memory=3891Mi` on an 8 GiB node; reference §4.3);
//! whether current Windows pools use the max-pods formula instead is unverified, so it is a
//! scenario setting (`[cluster] windows_memory_reservation`).

use super::quantity::MIB;

/// Operating system of a node or a pod.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Linux,
    Windows,
}

impl Os {
    pub fn as_str(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Windows => "windows",
        }
    }
}

/// How Windows nodes reserve memory (reference §4.3; unverified for current AKS versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowsMemoryReservation {
    /// The regressive share of RAM plus 2 GiB, no eviction threshold (AgentBaker, 2025).
    Regressive,
    /// The Linux ≥ 1.29 max-pods formula plus 2 GiB and the 100 MiB eviction threshold.
    MaxPods,
}

/// CPU kube-reserved in millicores for a node with `vcpu` cores (AKS table, extended linearly:
/// 60m for the first core, 40m for the second, 20m each for cores 3–4, 10m for each core above 4).
pub fn cpu_reserved_millis(vcpu: u32) -> u64 {
    let n = u64::from(vcpu);
    match n {
        0 => 0,
        1 => 60,
        _ => 100 + 20 * (n.min(4) - 2) + 10 * n.saturating_sub(4),
    }
}

/// The regressive kube-reserved memory (AKS < 1.29 and Windows): 25 % of the first 4 GiB, 20 %
/// of the next 4 GiB, 10 % of the next 8 GiB, 6 % of the next 112 GiB, 2 % above 128 GiB,
/// rounded down to whole MiB.
pub fn regressive_memory_reserved(memory_bytes: u64) -> u64 {
    let mib = memory_bytes / MIB;
    let bands: [(u64, u64); 5] = [
        (4096, 25),
        (4096, 20),
        (8192, 10),
        (114_688, 6),
        (u64::MAX, 2),
    ];
    let (mut left, mut hundredths) = (mib, 0u64);
    for (size, pct) in bands {
        let take = left.min(size);
        hundredths += take * pct;
        left -= take;
        if left == 0 {
            break;
        }
    }
    (hundredths / 100) * MIB
}

/// Reserved memory (kube-reserved + eviction threshold) in bytes.
pub fn memory_reserved_bytes(
    os: Os,
    memory_bytes: u64,
    max_pods: u32,
    k8s_minor: u32,
    windows: WindowsMemoryReservation,
) -> u64 {
    let max_pods_formula =
        || (20 * MIB * u64::from(max_pods) + 50 * MIB).min(memory_bytes / 4) + 100 * MIB;
    match os {
        Os::Linux if k8s_minor >= 29 => max_pods_formula(),
        Os::Linux => regressive_memory_reserved(memory_bytes) + 750 * MIB,
        Os::Windows => {
            let base = match windows {
                WindowsMemoryReservation::Regressive => regressive_memory_reserved(memory_bytes),
                WindowsMemoryReservation::MaxPods => max_pods_formula(),
            };
            base + 2048 * MIB
        }
    }
}

/// A node's allocatable resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocatable {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub pods: u32,
}

pub fn allocatable(
    os: Os,
    vcpu: u32,
    memory_bytes: u64,
    max_pods: u32,
    k8s_minor: u32,
    windows: WindowsMemoryReservation,
) -> Allocatable {
    let cpu = u64::from(vcpu) * 1000;
    Allocatable {
        cpu_millis: cpu.saturating_sub(cpu_reserved_millis(vcpu)),
        memory_bytes: memory_bytes.saturating_sub(memory_reserved_bytes(
            os,
            memory_bytes,
            max_pods,
            k8s_minor,
            windows,
        )),
        pods: max_pods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WindowsMemoryReservation::Regressive;

    #[test]
    fn cpu_table_matches_aks() {
        let table = [
            (1, 60),
            (2, 100),
            (4, 140),
            (8, 180),
            (16, 260),
            (32, 420),
            (64, 740),
        ];
        for (vcpu, reserved) in table {
            assert_eq!(cpu_reserved_millis(vcpu), reserved, "{vcpu} vCPU");
        }
    }

    #[test]
    fn windows_allocatable_matches_reference_table() {
        // Reference §4.3 table: Windows, regressive + 2 GiB, no eviction, 30 pods.
        // D2s_v5: 8 GiB − (1843 + 2048) MiB = 4301 MiB, CPU 2000 − 100 = 1900m.
        let a = allocatable(Os::Windows, 2, 8 << 30, 30, 33, Regressive);
        assert_eq!((a.cpu_millis, a.memory_bytes / MIB), (1900, 4301));
        // D4s_v5: 16384 − (2662 + 2048) = 11674 MiB; CPU 3860m.
        let a = allocatable(Os::Windows, 4, 16 << 30, 30, 33, Regressive);
        assert_eq!((a.cpu_millis, a.memory_bytes / MIB), (3860, 11674));
        // D8s_v5: 32768 − (3645 + 2048) = 27075 MiB; D16s_v5: 65536 − (5611 + 2048) = 57877.
        let a = allocatable(Os::Windows, 8, 32 << 30, 30, 33, Regressive);
        assert_eq!((a.cpu_millis, a.memory_bytes / MIB), (7820, 27075));
        let a = allocatable(Os::Windows, 16, 64 << 30, 30, 33, Regressive);
        // 25%×4096 + 20%×4096 + 10%×8192 + 6%×49152 = 1024 + 819.2 + 819.2 + 2949.12 = 5611.52
        // → 5611 MiB reserved; 65536 − 5611 − 2048 = 57877 (the reference rounds to 57876).
        assert_eq!((a.cpu_millis, a.memory_bytes / MIB), (15740, 57877));
    }

    #[test]
    fn agentbaker_windows_kube_reserved() {
        // AgentBaker's Windows test node: 8 GiB, kube-reserved memory 3891Mi.
        assert_eq!(
            memory_reserved_bytes(Os::Windows, 8 << 30, 30, 33, Regressive) / MIB,
            3891
        );
    }

    #[test]
    fn linux_129_formula() {
        // 8 GiB, 30 pods: min(20 × 30 + 50, 2048) = 650 MiB + 100 MiB eviction = 750 MiB.
        assert_eq!(
            memory_reserved_bytes(Os::Linux, 8 << 30, 30, 29, Regressive) / MIB,
            750
        );
        // 4 GiB, 250 pods: min(5050, 1024) = 1024 + 100 → capped by 25 % of RAM.
        assert_eq!(
            memory_reserved_bytes(Os::Linux, 4 << 30, 250, 30, Regressive) / MIB,
            1124
        );
        // Before 1.29: 16 GiB → regressive 2662 + 750 eviction.
        assert_eq!(
            memory_reserved_bytes(Os::Linux, 16 << 30, 30, 28, Regressive) / MIB,
            3412
        );
    }
}
