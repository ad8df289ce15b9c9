//! Scale-down eligibility: how utilized a node is and which pods keep it from being drained.
//!
//! - Utilization (`simulator/utilization/info.go`): for cpu and memory, Σ requests of the pods
//!   on the node over the node's allocatable; the node's utilization is the larger of the two.
//!   DaemonSet pods count unless `ignore-daemonsets-utilization` is set, in which case their
//!   requests leave both the numerator and the denominator. A node is underutilized strictly
//!   below `scale-down-utilization-threshold`.
//! - Blocking pods (the drainability rules of `simulator/drainability/rules/` and the FAQ "What
//!   types of pods can prevent CA from removing a node?"), checked in this order: a pod
//!   annotated `cluster-autoscaler.kubernetes.io/safe-to-evict: "true"` is always movable; a pod
//!   with no controller blocks; a kube-system pod without a PodDisruptionBudget blocks (with
//!   `skip-nodes-with-system-pods`); a pod annotated `safe-to-evict: "false"` blocks; a pod with
//!   local storage blocks (with `skip-nodes-with-local-storage`); a pod whose budget allows no
//!   further disruption blocks.
//!
//! Left out: mirror pods, long-terminating pods and the `blocking-system-pod-distruption-timeout`.

use super::Profile;

/// The requests and allocatable of one node, in millicores and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeLoad {
    pub cpu_requested: u64,
    pub memory_requested: u64,
    pub cpu_allocatable: u64,
    pub memory_allocatable: u64,
    /// What its DaemonSet pods request.
    pub daemon_cpu: u64,
    pub daemon_memory: u64,
}

/// A node's utilization: the larger of its cpu and memory fractions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Utilization {
    pub cpu: f64,
    pub memory: f64,
}

impl Utilization {
    pub fn of(load: NodeLoad, ignore_daemonsets: bool) -> Self {
        let (dc, dm) = if ignore_daemonsets {
            (load.daemon_cpu, load.daemon_memory)
        } else {
            (0, 0)
        };
        let frac = |req: u64, alloc: u64, daemon: u64| {
            let denominator = alloc.saturating_sub(daemon);
            if denominator == 0 {
                0.0
            } else {
                req.saturating_sub(daemon) as f64 / denominator as f64
            }
        };
        Utilization {
            cpu: frac(load.cpu_requested, load.cpu_allocatable, dc),
            memory: frac(load.memory_requested, load.memory_allocatable, dm),
        }
    }

    pub fn value(self) -> f64 {
        self.cpu.max(self.memory)
    }

    /// The resource that decides the value; memory on a tie, as upstream
    /// (`simulator/utilization/info.go`: cpu only when strictly greater).
    pub fn resource(self) -> &'static str {
        if self.cpu > self.memory {
            "cpu"
        } else {
            "memory"
        }
    }

    /// Underutilized: strictly below the threshold.
    pub fn underutilized(self, threshold: f64) -> bool {
        self.value() < threshold
    }
}

/// What the scale-down checks know about one pod on a candidate node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodFacts {
    pub kube_system: bool,
    pub controller: bool,
    pub local_storage: bool,
    pub safe_to_evict: Option<bool>,
    /// A PodDisruptionBudget selects the pod.
    pub has_pdb: bool,
    /// Evictions its budget still allows in this loop (`u32::MAX` without a budget).
    pub disruptions_left: u32,
}

/// Why a pod keeps its node from being removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocker {
    NotReplicated,
    SystemPodWithoutPdb,
    NotSafeToEvict,
    LocalStorage,
    PdbExhausted,
}

impl Blocker {
    /// The reason, naming the pod.
    pub fn text(self, pod: &str) -> String {
        match self {
            Blocker::NotReplicated => format!("pod {pod} is not replicated (no controller)"),
            Blocker::SystemPodWithoutPdb => {
                format!("pod {pod} is a kube-system pod without a PodDisruptionBudget")
            }
            Blocker::NotSafeToEvict => {
                format!("pod {pod} is annotated safe-to-evict=false")
            }
            Blocker::LocalStorage => format!("pod {pod} uses local storage"),
            Blocker::PdbExhausted => format!(
                "pod {pod} cannot be evicted: its PodDisruptionBudget allows no more disruptions"
            ),
        }
    }
}

/// The first rule that keeps `pod` on its node, if any.
pub fn blocker(pod: PodFacts, profile: &Profile) -> Option<Blocker> {
    if pod.safe_to_evict != Some(true) {
        if !pod.controller {
            return Some(Blocker::NotReplicated);
        }
        if pod.kube_system && !pod.has_pdb && profile.skip_nodes_with_system_pods {
            return Some(Blocker::SystemPodWithoutPdb);
        }
        if pod.safe_to_evict == Some(false) {
            return Some(Blocker::NotSafeToEvict);
        }
        if pod.local_storage && profile.skip_nodes_with_local_storage {
            return Some(Blocker::LocalStorage);
        }
    }
    if pod.has_pdb && pod.disruptions_left == 0 {
        return Some(Blocker::PdbExhausted);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GI: u64 = 1 << 30;

    fn load(cpu: u64, mem_gi: u64) -> NodeLoad {
        NodeLoad {
            cpu_requested: cpu,
            memory_requested: mem_gi * GI,
            cpu_allocatable: 4000,
            memory_allocatable: 16 * GI,
            daemon_cpu: 400,
            daemon_memory: 2 * GI,
        }
    }

    #[test]
    fn utilization_is_the_larger_fraction() {
        // cpu 2480/4000 = 0.62, memory 4/16 = 0.25: 0.62, decided by cpu.
        let u = Utilization::of(load(2480, 4), false);
        assert!((u.value() - 0.62).abs() < 1e-12);
        assert_eq!(u.resource(), "cpu");
        assert!(!u.underutilized(0.5));
        // memory 10/16 = 0.625 beats cpu 1000/4000 = 0.25.
        let u = Utilization::of(load(1000, 10), false);
        assert_eq!(u.resource(), "memory");
        // A tie (an empty node: 0 and 0) is memory's, as upstream.
        assert_eq!(Utilization::of(load(0, 0), false).resource(), "memory");
    }

    #[test]
    fn the_threshold_is_strict() {
        // 2000/4000 = 0.5 exactly: not underutilized at 0.5.
        let u = Utilization::of(load(2000, 0), false);
        assert!(!u.underutilized(0.5));
        assert!(u.underutilized(0.51));
    }

    #[test]
    fn ignoring_daemonsets_takes_them_out_of_both_sides() {
        // (2200 − 400) / (4000 − 400) = 0.5 instead of 2200/4000 = 0.55.
        let u = Utilization::of(load(2200, 2), true);
        assert!((u.cpu - 0.5).abs() < 1e-12);
        // memory (2 − 2) / (16 − 2) = 0.
        assert_eq!(u.memory, 0.0);
    }

    fn pod() -> PodFacts {
        PodFacts {
            kube_system: false,
            controller: true,
            local_storage: false,
            safe_to_evict: None,
            has_pdb: false,
            disruptions_left: u32::MAX,
        }
    }

    #[test]
    fn blocking_pods() {
        let aks = Profile::default();
        assert_eq!(blocker(pod(), &aks), None);
        let bare = PodFacts {
            controller: false,
            ..pod()
        };
        assert_eq!(blocker(bare, &aks), Some(Blocker::NotReplicated));
        let system = PodFacts {
            kube_system: true,
            ..pod()
        };
        assert_eq!(blocker(system, &aks), Some(Blocker::SystemPodWithoutPdb));
        let with_pdb = PodFacts {
            has_pdb: true,
            disruptions_left: 1,
            ..system
        };
        assert_eq!(blocker(with_pdb, &aks), None);
        let pinned = PodFacts {
            safe_to_evict: Some(false),
            ..pod()
        };
        assert_eq!(blocker(pinned, &aks), Some(Blocker::NotSafeToEvict));
        // AKS's default does not skip nodes with local storage; upstream's does.
        let local = PodFacts {
            local_storage: true,
            ..pod()
        };
        assert_eq!(blocker(local, &aks), None);
        let upstream = Profile {
            skip_nodes_with_local_storage: true,
            ..Profile::default()
        };
        assert_eq!(blocker(local, &upstream), Some(Blocker::LocalStorage));
        let budget_spent = PodFacts {
            has_pdb: true,
            disruptions_left: 0,
            ..pod()
        };
        assert_eq!(blocker(budget_spent, &aks), Some(Blocker::PdbExhausted));
    }

    #[test]
    fn safe_to_evict_true_overrides_all_but_the_budget() {
        let aks = Profile::default();
        let p = PodFacts {
            controller: false,
            kube_system: true,
            local_storage: true,
            safe_to_evict: Some(true),
            ..pod()
        };
        assert_eq!(blocker(p, &aks), None);
        let spent = PodFacts {
            has_pdb: true,
            disruptions_left: 0,
            ..p
        };
        assert_eq!(blocker(spent, &aks), Some(Blocker::PdbExhausted));
    }

    #[test]
    fn skip_system_pods_off_lets_them_move() {
        let p = Profile {
            skip_nodes_with_system_pods: false,
            ..Profile::default()
        };
        let system = PodFacts {
            kube_system: true,
            ..pod()
        };
        assert_eq!(blocker(system, &p), None);
    }
}
