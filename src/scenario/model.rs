//! The validated scenario: typed, in simulator units (ms, millicores, bytes), ids resolved.
//! Everything here has passed `validate`; the simulation trusts it without re-checking.

use indexmap::IndexMap;
use rand::RngExt;

use crate::cluster::{Allocatable, Labels, Os, Sku, Taint, Toleration, WindowsMemoryReservation};
use crate::engine::rng::Stream;
use crate::engine::{SimDuration, SimTime};
use crate::hpa::{ControllerSettings, HpaSpec};
use crate::workload::LoadSpec;
use crate::workload::trace::ParsedTrace;

pub use super::raw::{Mode, NetworkPlugin, Priority, SkuTier};

#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it came from, as the user named it.
    pub file: String,
    /// The scenario text after `--set` overrides (echoed in reports).
    pub text: String,
    pub simulation: SimulationSettings,
    pub network: NetworkSettings,
    pub cluster: ClusterSettings,
    pub scheduler: SchedulerSettings,
    pub output: OutputSettings,
    pub pools: Vec<PoolSpec>,
    pub images: Vec<ImageSpec>,
    pub deployments: Vec<DeploymentSpec>,
    pub daemonsets: Vec<DaemonSetSpec>,
    /// Timed actions, in time order (ties keep file order).
    pub actions: Vec<ActionSpec>,
    /// kube-controller-manager's HPA settings (`[controller_manager]`).
    pub controller_manager: ControllerSettings,
    pub metrics_server: MetricsServerSettings,
    /// Batch pods replayed from CSV files (`[[pod_trace]]`).
    pub traces: Vec<TraceSpec>,
    /// `[autoscaler]`: the cluster autoscaler profile (used when a pool autoscales).
    pub autoscaler: crate::autoscaler::Profile,
    /// `[quota]`: regional vCPU quotas per VM family, in `[quota]` order, each family at most
    /// once. Nodes of regular-priority pools count against them; spot VMs draw on Azure's
    /// separate spot quota and do not (validation checks the initial nodes that way).
    pub quotas: Vec<VcpuQuota>,
}

/// A regional vCPU quota of one VM family (Azure's "Standard DSv5 Family vCPUs").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcpuQuota {
    /// The quota family as the catalogue names it (`standardDSv5Family`): equal to
    /// `Sku::family` of the VM sizes it covers (matched case-insensitively when loaded).
    pub family: String,
    pub vcpus: u64,
}

/// metrics-server as the HPA sees it: a usage sample every `resolution`, each the mean over
/// the `resolution` before it (CPU is a rate between two scrapes).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsServerSettings {
    /// `--metric-resolution` (AKS default taken as 60 s; upstream's manifest passes 15 s).
    pub resolution: SimDuration,
    /// What each sample averages over, ending at the scrape (at most `resolution`; by
    /// default equal to it, as metrics-server's rate between two scrapes).
    pub window: SimDuration,
}

/// One `[[pod_trace]]`: its pods, parsed and sorted by arrival.
#[derive(Debug, Clone)]
pub struct TraceSpec {
    pub name: String,
    /// The file as the user wrote it (relative to the scenario).
    pub path: String,
    pub namespace: String,
    pub image: Option<usize>,
    pub trace: ParsedTrace,
}

#[derive(Debug, Clone)]
pub struct SimulationSettings {
    pub name: String,
    pub seed: u64,
    pub duration: SimDuration,
    /// Unix milliseconds of the scenario's `start`.
    pub start_unix_ms: i64,
    /// The UTC offset written in `start`, in seconds, so reports show the user's wall clock.
    pub start_offset_secs: i32,
    pub sample_interval: SimDuration,
    pub region: String,
    pub max_events: u64,
    /// The largest peak memory a run may be estimated to need (`scenario::size`).
    pub memory_limit_bytes: u64,
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

#[derive(Debug, Clone)]
pub struct ClusterSettings {
    pub kubernetes_version: String,
    pub kubernetes_minor: u32,
    pub sku_tier: SkuTier,
    pub tier_price_per_hour: f64,
    pub enable_ahub: bool,
    pub windows_memory_reservation: WindowsMemoryReservation,
    pub serialize_image_pulls: bool,
    /// How long pods stay on a NotReady node before the node lifecycle controller evicts them
    /// (the `tolerationSeconds` the DefaultTolerationSeconds admission plugin adds: 300 s).
    pub not_ready_toleration: SimDuration,
}

#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    /// 0 means adaptive, as kube-scheduler's default.
    pub percentage_of_nodes_to_score: u32,
    pub pod_initial_backoff: SimDuration,
    pub pod_max_backoff: SimDuration,
}

#[derive(Debug, Clone)]
pub struct OutputSettings {
    pub event_log: bool,
    pub plots: bool,
}

/// A delay drawn per occurrence (e.g. each node's VM create → Ready time).
#[derive(Debug, Clone, PartialEq)]
pub enum Delay {
    Fixed(SimDuration),
    Uniform {
        min: SimDuration,
        max: SimDuration,
    },
    /// Log-normal with the given median; `sigma` from the 95th percentile.
    LogNormal {
        median: SimDuration,
        p95: SimDuration,
        sigma: f64,
    },
}

impl Delay {
    pub fn lognormal(median: SimDuration, p95: SimDuration) -> Self {
        // p95 = median × e^(1.6449 σ)  ⇒  σ = ln(p95 / median) / 1.6449
        let sigma =
            libm::log(p95.as_ms() as f64 / median.as_ms().max(1) as f64) / 1.644_853_626_951_472_2;
        Delay::LogNormal { median, p95, sigma }
    }

    pub fn sample(&self, rng: &mut Stream) -> SimDuration {
        match *self {
            Delay::Fixed(d) => d,
            Delay::Uniform { min, max } => SimDuration(rng.random_range(min.0..=max.0)),
            Delay::LogNormal { median, sigma, .. } => {
                let ms = median.as_ms() as f64 * libm::exp(sigma * standard_normal(rng));
                // Bounded at 100 × the median so that one draw cannot stall a run.
                SimDuration(libm::round(ms).clamp(0.0, median.as_ms() as f64 * 100.0) as u64)
            }
        }
    }
}

/// A standard normal draw by Box–Muller, with the portable `libm` functions so that the same
/// seed gives the same delays on every platform (the system math library may differ by an ulp).
pub fn standard_normal(rng: &mut Stream) -> f64 {
    // u1 in (0, 1] so that ln(u1) is finite; both from 53-bit uniform draws.
    let u1 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

#[derive(Debug, Clone)]
pub struct PoolSpec {
    pub name: String,
    pub mode: Mode,
    pub os: Os,
    pub os_sku: String,
    pub sku: Sku,
    /// Zone numbers as written ("1", "2", "3"); empty for a regional (non-zonal) pool.
    pub zones: Vec<String>,
    pub count: u32,
    pub enable_auto_scaling: bool,
    pub min_count: u32,
    pub max_count: u32,
    pub max_pods: u32,
    pub taints: Vec<Taint>,
    /// Labels the user gave (`node_labels`); well-known labels are added per node.
    pub labels: Labels,
    pub priority: Priority,
    pub spot_max_price: f64,
    pub provisioning_delay: Delay,
    pub image_pull_bytes_per_sec: u64,
    pub allocatable: Allocatable,
    /// What one node costs per hour (OS, spot and Azure Hybrid Benefit applied).
    pub price_per_hour: f64,
    /// Subnet addresses one node takes (Azure CNI: max_pods + 1; others: 1).
    pub ips_per_node: u64,
    /// Mean time between failures of one node (`mtbf`); `None` = nodes never fail on their own.
    pub mtbf: Option<SimDuration>,
    /// How long a failed node stays NotReady before AKS's node auto-repair brings it back.
    pub repair_time: SimDuration,
    /// Spot pools: evictions per node-hour (`spot_eviction_rate`), 0 = none.
    pub spot_eviction_rate: f64,
}

#[derive(Debug, Clone)]
pub struct ImageSpec {
    pub name: String,
    pub size_bytes: u64,
    /// Pull time when not cached; `None` = size ÷ the pool's pull throughput.
    pub pull_time: Option<SimDuration>,
}

/// Which nodes a topology spread constraint groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopologyKey {
    Zone,
    Hostname,
}

impl TopologyKey {
    pub fn label(self) -> &'static str {
        match self {
            TopologyKey::Zone => crate::cluster::LABEL_ZONE,
            TopologyKey::Hostname => crate::cluster::LABEL_HOSTNAME,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpreadConstraint {
    pub key: TopologyKey,
    pub max_skew: u32,
    /// `DoNotSchedule` (a filter) when true, `ScheduleAnyway` (a score) otherwise.
    pub hard: bool,
    pub min_domains: Option<u32>,
}

/// A pod's spec, shared by every replica of a deployment.
#[derive(Debug, Clone)]
pub struct PodTemplate {
    pub namespace: String,
    pub os: Os,
    pub cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    pub cpu_limit_millis: Option<u64>,
    pub memory_limit_bytes: Option<u64>,
    pub node_selector: IndexMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub spread: Vec<SpreadConstraint>,
    pub image: Option<usize>,
    pub readiness_delay: SimDuration,
    pub priority: i32,
    pub termination_grace: SimDuration,
    pub shutdown_delay: SimDuration,
    /// kube-scheduler adds its default soft spread constraints to pods a ReplicaSet or
    /// Service selects (deployments), not to bare batch pods (traces).
    pub system_default_spread: bool,
    /// The `cluster-autoscaler.kubernetes.io/safe-to-evict` annotation, if set.
    pub safe_to_evict: Option<bool>,
    /// The pod mounts local storage (an emptyDir not in memory, or a hostPath).
    pub local_storage: bool,
    /// Owned by a controller (ReplicaSet, Job). `false`: bare pods, not recreated when
    /// deleted, and a node holding one is not scaled down.
    pub controller: bool,
}

#[derive(Debug, Clone)]
pub struct DeploymentSpec {
    pub name: String,
    pub replicas: u32,
    pub template: PodTemplate,
    /// `[deployment.load]`: the traffic its pods serve.
    pub load: Option<LoadSpec>,
    /// `[deployment.hpa]`.
    pub hpa: Option<HpaSpec>,
    /// `pdb`: the PodDisruptionBudget selecting its pods.
    pub pdb: Option<Pdb>,
}

/// An int-or-percent field of a PodDisruptionBudget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(u32),
    Percent(u32),
}

impl IntOrPercent {
    /// The value scaled to `total`, a percentage rounded up (as the disruption controller's
    /// `GetScaledValueFromIntOrPercent(…, roundUp = true)`).
    pub fn scaled(self, total: u32) -> u32 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => (u64::from(total) * u64::from(p)).div_ceil(100) as u32,
        }
    }
}

/// A PodDisruptionBudget: it limits voluntary evictions (drains), not node failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pdb {
    MaxUnavailable(IntOrPercent),
    MinAvailable(IntOrPercent),
}

impl Pdb {
    /// Evictions allowed now (the disruption controller's `disruptionsAllowed`): healthy pods
    /// minus the healthy pods it must keep, where `expected` is the deployment's replica count.
    pub fn disruptions_allowed(self, expected: u32, healthy: u32) -> u32 {
        let desired_healthy = match self {
            Pdb::MaxUnavailable(v) => expected.saturating_sub(v.scaled(expected)),
            Pdb::MinAvailable(v) => v.scaled(expected),
        };
        healthy.saturating_sub(desired_healthy)
    }
}

#[derive(Debug, Clone)]
pub struct DaemonSetSpec {
    pub name: String,
    pub namespace: String,
    pub os: Os,
    pub cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    pub node_selector: IndexMap<String, String>,
    pub tolerations: Vec<Toleration>,
    /// Shipped by aksim as an approximation of AKS's own agents (not from the scenario).
    pub builtin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSpec {
    pub at: SimTime,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Set a deployment's replica count.
    Scale { deployment: usize, replicas: u32 },
    /// Grow a pool by `count` nodes (as `az aks nodepool scale`).
    AddNodes { pool: usize, count: u32 },
    /// Shrink a pool by `count` nodes.
    RemoveNodes { pool: usize, count: u32 },
    /// Zone `zone` (1–3) fails for `duration`: its nodes go NotReady and no VM can be created
    /// there until it recovers. `zone` is the number of `cluster::Zone(zone)`, written
    /// `zone.to_string()` in `PoolSpec::zones`; regional pools (zone 0) are not in any.
    ZoneOutage { zone: u8, duration: SimDuration },
    /// Azure reclaims `count` spot nodes of `pool` at once (30 s notice, then deleted).
    SpotEviction { pool: usize, count: u32 },
    /// `sku` cannot be allocated in `zone` (every zone when `None`) for `duration`. `sku` is
    /// spelled as the catalogue spells it, so it equals `PoolSpec::sku.name` of the pools
    /// using that size.
    StockOut {
        sku: String,
        zone: Option<u8>,
        duration: SimDuration,
    },
    /// `count` Ready nodes of `pool` fail (NotReady until repaired).
    FailNodes { pool: usize, count: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn lognormal_delays_have_the_requested_median_and_p95() {
        // 20,000 draws of median 7m, p95 10m: the sample quantiles land within 2 %.
        let d = Delay::lognormal(SimDuration::from_secs(420), SimDuration::from_secs(600));
        let mut rng = RngStreams::new(9).stream("t");
        let mut v: Vec<u64> = (0..20_000).map(|_| d.sample(&mut rng).as_ms()).collect();
        v.sort_unstable();
        let (median, p95) = (v[10_000] as f64, v[19_000] as f64);
        assert!((median / 420_000.0 - 1.0).abs() < 0.02, "median {median}");
        assert!((p95 / 600_000.0 - 1.0).abs() < 0.02, "p95 {p95}");
    }

    #[test]
    fn uniform_and_fixed_delays() {
        let mut rng = RngStreams::new(9).stream("t");
        let u = Delay::Uniform {
            min: SimDuration(1000),
            max: SimDuration(2000),
        };
        assert!(
            (0..1000)
                .map(|_| u.sample(&mut rng).as_ms())
                .all(|x| (1000..=2000).contains(&x))
        );
        assert_eq!(
            Delay::Fixed(SimDuration(5)).sample(&mut rng),
            SimDuration(5)
        );
    }
}
