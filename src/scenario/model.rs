//! The validated scenario: typed, in simulator units (ms, millicores, bytes), ids resolved.
//! Everything here has passed `validate`; the simulation trusts it without re-checking.

use crate::api::{
    DaemonSetSpec, ImageSpec, NetworkSettings, Pdb, PodTemplate, PoolSpec, SchedulerSettings,
    VcpuQuota, WindowsMemoryReservation,
};
use crate::cluster;
use crate::engine::{SimDuration, SimTime};
use crate::hpa::{ControllerSettings, HpaSpec};
use crate::workload::LoadSpec;
use crate::workload::trace::{ParsedTrace, PodShape};

pub use super::raw::SkuTier;

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

impl Scenario {
    /// What the cluster starts from: pools, DaemonSets, network, images, and every workload's
    /// pod templates (deployments, then traces).
    pub fn cluster_spec(&self) -> cluster::Spec<'_> {
        let deployments = self.deployments.iter().map(|d| cluster::Workload {
            name: d.name.clone(),
            templates: vec![d.template.clone()],
            replicas: d.replicas,
            trace: false,
        });
        let traces = self.traces.iter().map(|t| cluster::Workload {
            name: t.name.clone(),
            templates: t
                .trace
                .shapes
                .iter()
                .map(|shape| t.template(shape))
                .collect(),
            replicas: 0,
            trace: true,
        });
        cluster::Spec {
            name: &self.simulation.name,
            region: &self.simulation.region,
            pools: &self.pools,
            daemonsets: &self.daemonsets,
            network: &self.network,
            images: &self.images,
            workloads: deployments.chain(traces).collect(),
        }
    }
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

impl TraceSpec {
    /// The pod spec of a trace's pod shape: its requests, OS, selector, tolerations and priority;
    /// no limits, no spread constraints (bare batch pods), started as soon as its image is there.
    pub fn template(&self, shape: &PodShape) -> PodTemplate {
        PodTemplate {
            namespace: self.namespace.clone(),
            os: shape.os,
            cpu_request_millis: shape.cpu_millis,
            memory_request_bytes: shape.memory_bytes,
            cpu_limit_millis: None,
            memory_limit_bytes: None,
            node_selector: shape.node_selector.clone(),
            tolerations: shape.tolerations.clone(),
            spread: Vec::new(),
            image: self.image,
            readiness_delay: SimDuration::ZERO,
            priority: shape.priority,
            termination_grace: SimDuration::from_secs(30),
            shutdown_delay: SimDuration::ZERO,
            system_default_spread: false,
            safe_to_evict: None,
            local_storage: false,
            // A Job owns each batch pod.
            controller: true,
        }
    }
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
pub struct OutputSettings {
    pub event_log: bool,
    pub plots: bool,
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
