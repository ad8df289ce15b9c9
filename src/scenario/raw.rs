//! The scenario exactly as written: serde structs over the TOML text, with spans kept on every
//! field that a semantic check may point at. Nothing here is validated beyond types; see
//! `validate/` for the second phase, which turns this into `model::Scenario`.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use crate::api::{Mode, NetworkPlugin, Priority};

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub simulation: S<RawSimulation>,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub cluster: RawCluster,
    #[serde(default)]
    pub scheduler: RawScheduler,
    #[serde(default)]
    pub output: RawOutput,
    #[serde(default)]
    pub sku: Vec<S<RawSku>>,
    #[serde(default)]
    pub node_pool: Vec<S<RawNodePool>>,
    #[serde(default)]
    pub deployment: Vec<S<RawDeployment>>,
    #[serde(default)]
    pub daemonset: Vec<S<RawDaemonSet>>,
    #[serde(default)]
    pub event: Vec<S<RawEvent>>,
    #[serde(default)]
    pub controller_manager: RawControllerManager,
    #[serde(default)]
    pub metrics_server: RawMetricsServer,
    #[serde(default)]
    pub pod_trace: Vec<S<RawPodTrace>>,
    #[serde(default)]
    pub autoscaler: Option<S<RawAutoscaler>>,
    /// `[quota]`: VM quota family (`standardDSv5Family`) → regional vCPUs.
    #[serde(default)]
    pub quota: IndexMap<String, S<i64>>,
}

/// `[autoscaler]`: AKS's `cluster-autoscaler-profile` keys verbatim (kebab-case, or the same
/// names in snake_case), plus upstream flags AKS does not expose. AKS passes every profile
/// value as a string, so numbers and booleans are accepted written either way and checked in
/// phase two.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAutoscaler {
    #[serde(default, alias = "scan_interval")]
    pub scan_interval: Option<S<String>>,
    /// A chain such as `"priority,least-waste"`.
    #[serde(default)]
    pub expander: Option<S<String>>,
    #[serde(default, alias = "balance_similar_node_groups")]
    pub balance_similar_node_groups: Option<S<BoolOrText>>,
    #[serde(default, alias = "scale_down_enabled")]
    pub scale_down_enabled: Option<S<BoolOrText>>,
    #[serde(default, alias = "scale_down_delay_after_add")]
    pub scale_down_delay_after_add: Option<S<String>>,
    #[serde(default, alias = "scale_down_delay_after_delete")]
    pub scale_down_delay_after_delete: Option<S<String>>,
    #[serde(default, alias = "scale_down_delay_after_failure")]
    pub scale_down_delay_after_failure: Option<S<String>>,
    #[serde(default, alias = "scale_down_unneeded_time")]
    pub scale_down_unneeded_time: Option<S<String>>,
    #[serde(default, alias = "scale_down_unready_time")]
    pub scale_down_unready_time: Option<S<String>>,
    #[serde(default, alias = "scale_down_utilization_threshold")]
    pub scale_down_utilization_threshold: Option<S<NumberOrText>>,
    #[serde(default, alias = "max_graceful_termination_sec")]
    pub max_graceful_termination_sec: Option<S<NumberOrText>>,
    #[serde(default, alias = "max_node_provision_time")]
    pub max_node_provision_time: Option<S<String>>,
    #[serde(default, alias = "max_empty_bulk_delete")]
    pub max_empty_bulk_delete: Option<S<NumberOrText>>,
    #[serde(default, alias = "new_pod_scale_up_delay")]
    pub new_pod_scale_up_delay: Option<S<String>>,
    #[serde(default, alias = "skip_nodes_with_system_pods")]
    pub skip_nodes_with_system_pods: Option<S<BoolOrText>>,
    #[serde(default, alias = "skip_nodes_with_local_storage")]
    pub skip_nodes_with_local_storage: Option<S<BoolOrText>>,
    #[serde(default, alias = "max_total_unready_percentage")]
    pub max_total_unready_percentage: Option<S<NumberOrText>>,
    #[serde(default, alias = "ok_total_unready_count")]
    pub ok_total_unready_count: Option<S<NumberOrText>>,
    #[serde(default, alias = "max_nodes_total")]
    pub max_nodes_total: Option<S<NumberOrText>>,
    #[serde(default, alias = "ignore_daemonsets_utilization")]
    pub ignore_daemonsets_utilization: Option<S<BoolOrText>>,
    #[serde(default, alias = "daemonset_eviction_for_empty_nodes")]
    pub daemonset_eviction_for_empty_nodes: Option<S<BoolOrText>>,
    #[serde(default, alias = "daemonset_eviction_for_occupied_nodes")]
    pub daemonset_eviction_for_occupied_nodes: Option<S<BoolOrText>>,
    #[serde(default, alias = "initial_node_group_backoff_duration")]
    pub initial_node_group_backoff_duration: Option<S<String>>,
    #[serde(default, alias = "max_node_group_backoff_duration")]
    pub max_node_group_backoff_duration: Option<S<String>>,
    #[serde(default, alias = "node_group_backoff_reset_timeout")]
    pub node_group_backoff_reset_timeout: Option<S<String>>,
    #[serde(default, alias = "unremovable_node_recheck_timeout")]
    pub unremovable_node_recheck_timeout: Option<S<String>>,
    #[serde(default, alias = "expendable_pods_priority_cutoff")]
    pub expendable_pods_priority_cutoff: Option<S<NumberOrText>>,
    #[serde(default, alias = "max_drain_parallelism")]
    pub max_drain_parallelism: Option<S<NumberOrText>>,
    /// `[autoscaler.priorities]`: the priority expander's ConfigMap, priority ("10") → name
    /// patterns.
    #[serde(default)]
    pub priorities: IndexMap<String, S<Vec<S<String>>>>,
}

/// One name of an `expander` chain. `grpc` is recognised only to say it is not modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpanderName {
    Random,
    MostPods,
    LeastWaste,
    LeastNodes,
    Price,
    Priority,
    Grpc,
}

/// kube-controller-manager's HPA flags, by their flag names without the prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawControllerManager {
    #[serde(default, alias = "horizontal_pod_autoscaler_sync_period")]
    pub horizontal_pod_autoscaler_sync_period: Option<S<String>>,
    #[serde(default, alias = "horizontal_pod_autoscaler_tolerance")]
    pub horizontal_pod_autoscaler_tolerance: Option<S<f64>>,
    #[serde(default, alias = "horizontal_pod_autoscaler_downscale_stabilization")]
    pub horizontal_pod_autoscaler_downscale_stabilization: Option<S<String>>,
    #[serde(default, alias = "horizontal_pod_autoscaler_cpu_initialization_period")]
    pub horizontal_pod_autoscaler_cpu_initialization_period: Option<S<String>>,
    #[serde(default, alias = "horizontal_pod_autoscaler_initial_readiness_delay")]
    pub horizontal_pod_autoscaler_initial_readiness_delay: Option<S<String>>,
}

/// metrics-server's scrape settings (`--metric-resolution`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawMetricsServer {
    #[serde(default, alias = "metric_resolution")]
    pub metric_resolution: Option<S<String>>,
    #[serde(default)]
    pub window: Option<S<String>>,
}

/// `[[pod_trace]]`: batch pods replayed from a CSV file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPodTrace {
    pub name: S<String>,
    pub path: S<String>,
    #[serde(default)]
    pub offset: Option<S<String>>,
    #[serde(default)]
    pub time_scale: Option<S<f64>>,
    #[serde(default)]
    pub trace_start: Option<S<f64>>,
    #[serde(default)]
    pub limit: Option<S<u64>>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub image: Option<S<RawImage>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub name: S<String>,
    pub duration: S<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub start: Option<S<String>>,
    #[serde(default)]
    pub sample_interval: Option<S<String>>,
    #[serde(default)]
    pub region: Option<S<String>>,
    #[serde(default)]
    pub max_events: Option<S<u64>>,
    /// The memory a run may need at its peak (`scenario::size`), a quantity like "4Gi".
    #[serde(default)]
    pub memory_limit: Option<S<NumberOrText>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    #[serde(default)]
    pub plugin: Option<S<NetworkPlugin>>,
    #[serde(default)]
    pub subnet_cidr: Option<S<String>>,
    /// The subnet's size instead of its CIDR: a number of addresses (4096) or a prefix ("/20").
    #[serde(default)]
    pub subnet_size: Option<S<SubnetSize>>,
    #[serde(default)]
    pub pod_cidr: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    #[serde(default)]
    pub kubernetes_version: Option<S<String>>,
    #[serde(default)]
    pub sku_tier: Option<SkuTier>,
    #[serde(default)]
    pub tier_price_per_hour: Option<S<f64>>,
    #[serde(default)]
    pub enable_ahub: Option<bool>,
    #[serde(default)]
    pub windows_memory_reservation: Option<crate::api::WindowsMemoryReservation>,
    #[serde(default)]
    pub default_daemonsets: Option<bool>,
    #[serde(default)]
    pub serialize_image_pulls: Option<bool>,
    #[serde(default)]
    pub not_ready_toleration_seconds: Option<S<u64>>,
}

/// `az aks create --tier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SkuTier {
    Free,
    Standard,
    Premium,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    #[serde(default)]
    pub percentage_of_nodes_to_score: Option<S<u32>>,
    #[serde(default)]
    pub pod_initial_backoff: Option<S<String>>,
    #[serde(default)]
    pub pod_max_backoff: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    #[serde(default)]
    pub event_log: Option<bool>,
    #[serde(default)]
    pub plots: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSku {
    pub name: S<String>,
    #[serde(default)]
    pub vcpu: Option<S<u32>>,
    #[serde(default)]
    pub memory: Option<S<NumberOrText>>,
    #[serde(default)]
    pub family: Option<S<String>>,
    #[serde(default)]
    pub price_linux: Option<S<f64>>,
    #[serde(default)]
    pub price_windows: Option<S<f64>>,
    #[serde(default)]
    pub spot_price_linux: Option<S<f64>>,
    #[serde(default)]
    pub spot_price_windows: Option<S<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodePool {
    pub name: S<String>,
    #[serde(default)]
    pub mode: Option<S<Mode>>,
    #[serde(default)]
    pub os_type: Option<S<crate::api::Os>>,
    #[serde(default)]
    pub os_sku: Option<S<String>>,
    pub vm_size: S<String>,
    #[serde(default)]
    pub zones: Option<S<Vec<S<NumberOrText>>>>,
    #[serde(default)]
    pub count: Option<S<u32>>,
    #[serde(default)]
    pub enable_auto_scaling: Option<bool>,
    #[serde(default)]
    pub min_count: Option<S<u32>>,
    #[serde(default)]
    pub max_count: Option<S<u32>>,
    #[serde(default)]
    pub max_pods: Option<S<u32>>,
    #[serde(default)]
    pub node_taints: Vec<S<String>>,
    #[serde(default)]
    pub node_labels: IndexMap<String, S<String>>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub spot_max_price: Option<S<f64>>,
    #[serde(default)]
    pub provisioning_delay: Option<S<RawDelay>>,
    #[serde(default)]
    pub image_pull_throughput: Option<S<String>>,
    #[serde(default)]
    pub mtbf: Option<S<String>>,
    #[serde(default)]
    pub repair_time: Option<S<String>>,
    #[serde(default)]
    pub spot_eviction_rate: Option<S<f64>>,
}

/// A delay distribution: a plain duration ("3m") or a table.
#[derive(Debug, Clone, PartialEq)]
pub enum RawDelay {
    Fixed(String),
    Table(RawDelayTable),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDelayTable {
    pub distribution: DelayKind,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub min: Option<String>,
    #[serde(default)]
    pub max: Option<String>,
    #[serde(default)]
    pub median: Option<String>,
    #[serde(default)]
    pub p95: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DelayKind {
    Fixed,
    Uniform,
    Lognormal,
}

impl<'de> Deserialize<'de> for RawDelay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawDelay;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a duration like \"3m\" or a table like { distribution = \"lognormal\", median = \"3m\", p95 = \"5m\" }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawDelay, E> {
                Ok(RawDelay::Fixed(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawDelay, A::Error> {
                RawDelayTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawDelay::Table)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResources {
    #[serde(default)]
    pub cpu: Option<S<NumberOrText>>,
    #[serde(default)]
    pub memory: Option<S<NumberOrText>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawToleration {
    #[serde(default)]
    pub key: Option<S<String>>,
    #[serde(default)]
    pub operator: Option<TolerationOperator>,
    #[serde(default)]
    pub value: Option<S<String>>,
    #[serde(default)]
    pub effect: Option<crate::api::TaintEffect>,
    #[serde(default)]
    pub toleration_seconds: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpread {
    #[serde(default)]
    pub topology_key: Option<S<String>>,
    #[serde(default)]
    pub max_skew: Option<S<u32>>,
    #[serde(default)]
    pub when_unsatisfiable: Option<WhenUnsatisfiable>,
    #[serde(default)]
    pub min_domains: Option<S<u32>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WhenUnsatisfiable {
    DoNotSchedule,
    ScheduleAnyway,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawImage {
    pub name: S<String>,
    #[serde(default)]
    pub size: Option<S<NumberOrText>>,
    #[serde(default)]
    pub pull_time: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeployment {
    pub name: S<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub replicas: Option<S<u32>>,
    #[serde(default)]
    pub os: Option<crate::api::Os>,
    #[serde(default)]
    pub requests: Option<S<RawResources>>,
    #[serde(default)]
    pub limits: Option<S<RawResources>>,
    #[serde(default)]
    pub node_selector: IndexMap<String, S<String>>,
    #[serde(default)]
    pub tolerations: Vec<RawToleration>,
    #[serde(default)]
    pub topology_spread: SpreadList,
    #[serde(default)]
    pub image: Option<S<RawImage>>,
    #[serde(default)]
    pub readiness_delay: Option<S<String>>,
    #[serde(default)]
    pub priority: Option<i32>,
    #[serde(default)]
    pub termination_grace_period_seconds: Option<u64>,
    #[serde(default)]
    pub shutdown_delay: Option<S<String>>,
    #[serde(default)]
    pub load: Option<S<RawLoad>>,
    #[serde(default)]
    pub hpa: Option<S<RawHpa>>,
    #[serde(default)]
    pub pdb: Option<S<RawPdb>>,
    #[serde(default)]
    pub safe_to_evict: Option<bool>,
    #[serde(default)]
    pub local_storage: Option<bool>,
    #[serde(default)]
    pub controller: Option<S<bool>>,
}

/// `pdb`: a PodDisruptionBudget over the deployment's pods, `maxUnavailable` or
/// `minAvailable` in snake_case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPdb {
    #[serde(default)]
    pub max_unavailable: Option<S<IntOrString>>,
    #[serde(default)]
    pub min_available: Option<S<IntOrString>>,
}

/// `[deployment.load]`: the requests per second a deployment is asked to serve.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoad {
    #[serde(default)]
    pub cpu_per_request: Option<S<NumberOrText>>,
    #[serde(default)]
    pub memory_per_request: Option<S<NumberOrText>>,
    #[serde(default)]
    pub baseline_cpu: Option<S<NumberOrText>>,
    #[serde(default)]
    pub baseline_memory: Option<S<NumberOrText>>,
    #[serde(default)]
    pub max_rps_per_pod: Option<S<f64>>,
    #[serde(default)]
    pub profiles: Vec<S<RawProfile>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    Constant,
    Steps,
    Ramp,
    Diurnal,
    Spike,
    Spikes,
    Noise,
    Csv,
}

/// One load profile: a flat table so that every field keeps its span; `validate` checks that
/// the fields the kind needs are present and no others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub kind: S<ProfileKind>,
    #[serde(default)]
    pub rps: Option<S<f64>>,
    #[serde(default)]
    pub steps: Option<S<Vec<S<RawStep>>>>,
    #[serde(default)]
    pub start: Option<S<String>>,
    #[serde(default)]
    pub end: Option<S<String>>,
    #[serde(default)]
    pub from_rps: Option<S<f64>>,
    #[serde(default)]
    pub to_rps: Option<S<f64>>,
    #[serde(default)]
    pub peak_rps: Option<S<f64>>,
    #[serde(default)]
    pub trough_rps: Option<S<f64>>,
    #[serde(default)]
    pub peak_hour: Option<S<f64>>,
    #[serde(default)]
    pub weekend_factor: Option<S<f64>>,
    #[serde(default)]
    pub at: Option<S<String>>,
    #[serde(default)]
    pub duration: Option<S<String>>,
    #[serde(default)]
    pub rate_per_day: Option<S<f64>>,
    #[serde(default)]
    pub sigma: Option<S<f64>>,
    #[serde(default)]
    pub interval: Option<S<String>>,
    #[serde(default)]
    pub path: Option<S<String>>,
    #[serde(default)]
    pub time_column: Option<S<String>>,
    #[serde(default)]
    pub value_column: Option<S<String>>,
    #[serde(default)]
    pub time_unit: Option<S<String>>,
    #[serde(default)]
    pub time_scale: Option<S<f64>>,
    #[serde(default)]
    pub value_scale: Option<S<f64>>,
    #[serde(default)]
    pub offset: Option<S<String>>,
    #[serde(default)]
    pub interpolation: Option<S<InterpolationKind>>,
    #[serde(default, rename = "loop")]
    pub looping: Option<S<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub at: S<String>,
    pub rps: S<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterpolationKind {
    Linear,
    Step,
}

/// `[deployment.hpa]`: a HorizontalPodAutoscaler in autoscaling/v2 terms, snake_case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHpa {
    #[serde(default)]
    pub min_replicas: Option<S<u32>>,
    #[serde(default)]
    pub max_replicas: Option<S<u32>>,
    /// `kubectl autoscale --cpu-percent`: one CPU Utilization metric.
    #[serde(default)]
    pub cpu_utilization: Option<S<i64>>,
    #[serde(default)]
    pub metrics: Option<S<Vec<S<RawMetric>>>>,
    #[serde(default)]
    pub behavior: Option<S<RawBehavior>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum MetricSourceType {
    Resource,
    Pods,
    Object,
    External,
    ContainerResource,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetric {
    #[serde(rename = "type")]
    pub kind: S<MetricSourceType>,
    #[serde(default)]
    pub resource: Option<S<RawResourceMetric>>,
    #[serde(default)]
    pub pods: Option<S<RawNamedMetric>>,
    #[serde(default)]
    pub object: Option<S<RawNamedMetric>>,
    #[serde(default)]
    pub external: Option<S<RawNamedMetric>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResourceMetric {
    pub name: S<String>,
    pub target: S<RawTarget>,
}

/// `pods`, `object` and `external` sources: `metric = { name = ... }` and a target.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNamedMetric {
    pub metric: S<RawMetricId>,
    pub target: S<RawTarget>,
    /// `object.describedObject`: accepted so that manifests transcribe; aksim's object
    /// metrics all describe the deployment's own traffic.
    #[serde(default)]
    pub described_object: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetricId {
    pub name: S<String>,
    /// Label selectors are accepted and not used: each deployment has one series per name.
    #[serde(default)]
    pub selector: Option<toml::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TargetType {
    Utilization,
    AverageValue,
    Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    #[serde(rename = "type")]
    pub kind: S<TargetType>,
    #[serde(default)]
    pub average_utilization: Option<S<i64>>,
    #[serde(default)]
    pub average_value: Option<S<NumberOrText>>,
    #[serde(default)]
    pub value: Option<S<NumberOrText>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBehavior {
    #[serde(default)]
    pub scale_up: Option<S<RawScalingRules>>,
    #[serde(default)]
    pub scale_down: Option<S<RawScalingRules>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScalingRules {
    #[serde(default)]
    pub stabilization_window_seconds: Option<S<i64>>,
    #[serde(default)]
    pub select_policy: Option<S<SelectPolicyKind>>,
    #[serde(default)]
    pub policies: Option<S<Vec<S<RawPolicy>>>>,
    #[serde(default)]
    pub tolerance: Option<S<NumberOrText>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SelectPolicyKind {
    Max,
    Min,
    Disabled,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    #[serde(rename = "type")]
    pub kind: S<PolicyKind>,
    pub value: S<i64>,
    pub period_seconds: S<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PolicyKind {
    Pods,
    Percent,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDaemonSet {
    pub name: S<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    pub os: crate::api::Os,
    #[serde(default)]
    pub requests: Option<S<RawResources>>,
    #[serde(default)]
    pub node_selector: IndexMap<String, S<String>>,
    #[serde(default)]
    pub tolerations: Option<Vec<RawToleration>>,
}

/// A timed action. One flat table so that every field keeps its span; `validate` checks that
/// the fields an action needs are present and the others absent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub at: S<String>,
    pub action: S<ActionKind>,
    #[serde(default)]
    pub deployment: Option<S<String>>,
    #[serde(default)]
    pub replicas: Option<S<u32>>,
    #[serde(default)]
    pub pool: Option<S<String>>,
    #[serde(default)]
    pub count: Option<S<u32>>,
    #[serde(default)]
    pub zone: Option<S<NumberOrText>>,
    #[serde(default)]
    pub duration: Option<S<String>>,
    #[serde(default)]
    pub vm_size: Option<S<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// `kubectl scale deployment NAME --replicas N`
    #[serde(alias = "scale_deployment", alias = "scale-deployment")]
    Scale,
    /// `az aks nodepool scale` up by `count`
    #[serde(alias = "add-nodes")]
    AddNodes,
    /// `az aks nodepool scale` down by `count`
    #[serde(alias = "remove-nodes")]
    RemoveNodes,
    /// An availability zone fails for `duration`.
    #[serde(alias = "zone-outage")]
    ZoneOutage,
    /// Azure reclaims `count` nodes of a spot pool.
    #[serde(alias = "spot-eviction")]
    SpotEviction,
    /// A VM size cannot be allocated (in one zone or all) for `duration`.
    #[serde(alias = "stock-out")]
    StockOut,
    /// `count` nodes of a pool fail (NotReady until repaired).
    #[serde(alias = "fail-nodes")]
    FailNodes,
}

/// A subnet size: a number of addresses or a prefix length such as "/24".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubnetSize {
    Addresses(u64),
    Prefix(String),
}

impl<'de> Deserialize<'de> for SubnetSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SubnetSize;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of addresses (4096) or a prefix length (\"/20\")")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SubnetSize, E> {
                Ok(SubnetSize::Prefix(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SubnetSize, E> {
                u64::try_from(v)
                    .map(SubnetSize::Addresses)
                    .map_err(|_| E::custom("a subnet size cannot be negative"))
            }
        }
        d.deserialize_any(V)
    }
}

/// `topology_spread`: a list of constraints, or one constraint as a table.
#[derive(Debug, Default)]
pub struct SpreadList(pub Vec<RawSpread>);

impl<'de> Deserialize<'de> for SpreadList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SpreadList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of constraints like [{ max_skew = 1 }], or one table")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<SpreadList, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<RawSpread>()? {
                    out.push(s);
                }
                Ok(SpreadList(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<SpreadList, A::Error> {
                RawSpread::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|s| SpreadList(vec![s]))
            }
        }
        d.deserialize_any(V)
    }
}

/// A value written as a string or a plain number, kept as text: quantities ("500m", or 1 and
/// 0.5 as manifests allow) and zones ("1", as az and ARM write them, or 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberOrText(pub String);

impl std::ops::Deref for NumberOrText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for NumberOrText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NumberOrText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a number, such as \"500m\", \"1Gi\" or 2")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NumberOrText, E> {
                Ok(NumberOrText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<NumberOrText, E> {
                Ok(NumberOrText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<NumberOrText, E> {
                // Rust prints the shortest form that reads back as the same number ("0.5").
                Ok(NumberOrText(if v.is_finite() {
                    v.to_string()
                } else {
                    "NaN".into()
                }))
            }
        }
        d.deserialize_any(V)
    }
}

/// A boolean written natively (`true`) or as AKS passes profile values (`"true"`); the text is
/// checked in phase two so that the error names its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoolOrText {
    Bool(bool),
    Text(String),
}

impl<'de> Deserialize<'de> for BoolOrText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = BoolOrText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true or false (or the strings \"true\", \"false\")")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<BoolOrText, E> {
                Ok(BoolOrText::Bool(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BoolOrText, E> {
                Ok(BoolOrText::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Kubernetes' IntOrString, as PodDisruptionBudgets use it: `1` or `"50%"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrString {
    Int(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number or a percentage such as \"50%\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntOrString, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}
