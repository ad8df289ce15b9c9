//! The Horizontal Pod Autoscaler (kube-controller-manager's `horizontal.go` and
//! `replica_calculator.go`, autoscaling/v2): the validated spec of one HPA, the controller
//! settings, the replica calculator (`replicas.rs`, pure) and the per-HPA controller state with
//! its normalization — stabilization windows, rate limits, min/max clamping and conditions
//! (`controller.rs`, pure). The HPA controller's sync (`controllers/hpa.rs`) builds the pod
//! list and the metric samples and applies the decision to the deployment.

pub mod controller;
pub mod replicas;

pub use controller::{Decision, HpaState};

use crate::engine::SimDuration;

/// kube-controller-manager's HPA flags (`pkg/controller/podautoscaler/config/v1alpha1/defaults.go`).
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerSettings {
    /// `--horizontal-pod-autoscaler-sync-period` (15 s).
    pub sync_period: SimDuration,
    /// `--horizontal-pod-autoscaler-tolerance` (0.1).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (5 m).
    pub downscale_stabilization: SimDuration,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (5 m).
    pub cpu_initialization_period: SimDuration,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s).
    pub initial_readiness_delay: SimDuration,
}

impl Default for ControllerSettings {
    fn default() -> Self {
        ControllerSettings {
            sync_period: SimDuration::from_secs(15),
            tolerance: 0.1,
            downscale_stabilization: SimDuration::from_secs(300),
            cpu_initialization_period: SimDuration::from_secs(300),
            initial_readiness_delay: SimDuration::from_secs(30),
        }
    }
}

/// One HorizontalPodAutoscaler, validated (autoscaling/v2 `spec`).
#[derive(Debug, Clone, PartialEq)]
pub struct HpaSpec {
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Never empty: the API server fills in CPU at 80 % when none is given.
    pub metrics: Vec<MetricSpec>,
    /// `None` when the manifest has no `behavior`: the controller's legacy path
    /// (`normalizeDesiredReplicas`). When present, every unset field holds its API default.
    pub behavior: Option<Behavior>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceName {
    Cpu,
    Memory,
}

/// `MetricTarget`. Values are in milli-units, as the controller computes
/// (`Quantity.MilliValue()`): millicores for CPU, bytes × 1000 for memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `averageUtilization`, percent of the pods' requests.
    Utilization(i32),
    /// `averageValue`, per pod.
    AverageValue(i64),
    /// `value`, for the whole object.
    Value(i64),
}

/// `MetricSpec`: where a metric comes from and its target.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricSpec {
    /// Utilization or AverageValue.
    Resource { name: ResourceName, target: Target },
    /// A per-pod custom metric; the target is always AverageValue.
    Pods { name: String, target: Target },
    /// A metric of another object; Value or AverageValue.
    Object { name: String, target: Target },
    /// A metric from outside the cluster; Value or AverageValue.
    External { name: String, target: Target },
}

/// `HorizontalPodAutoscalerBehavior`, defaults filled in (`pkg/apis/autoscaling/v2/defaults.go`).
#[derive(Debug, Clone, PartialEq)]
pub struct Behavior {
    pub scale_up: ScalingRules,
    pub scale_down: ScalingRules,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`.
    pub stabilization_window: SimDuration,
    pub select_policy: SelectPolicy,
    pub policies: Vec<ScalingPolicy>,
    /// `tolerance` (Kubernetes ≥ 1.33): this direction's tolerance instead of the
    /// controller's flag.
    pub tolerance: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    Pods,
    Percent,
}

/// `HPAScalingPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalingPolicy {
    pub kind: PolicyType,
    pub value: u32,
    /// `periodSeconds`.
    pub period: SimDuration,
}

impl Behavior {
    /// The API defaults for a `behavior` written with nothing in it: scale up by at most
    /// max(4 pods, 100 %) per 15 s with no stabilization; scale down by up to 100 % per 15 s
    /// after the controller's downscale stabilization window.
    pub fn api_default(settings: &ControllerSettings) -> Self {
        Behavior {
            scale_up: ScalingRules {
                stabilization_window: SimDuration::ZERO,
                select_policy: SelectPolicy::Max,
                policies: vec![
                    ScalingPolicy {
                        kind: PolicyType::Pods,
                        value: 4,
                        period: SimDuration::from_secs(15),
                    },
                    ScalingPolicy {
                        kind: PolicyType::Percent,
                        value: 100,
                        period: SimDuration::from_secs(15),
                    },
                ],
                tolerance: None,
            },
            scale_down: ScalingRules {
                stabilization_window: settings.downscale_stabilization,
                select_policy: SelectPolicy::Max,
                policies: vec![ScalingPolicy {
                    kind: PolicyType::Percent,
                    value: 100,
                    period: SimDuration::from_secs(15),
                }],
                tolerance: None,
            },
        }
    }
}
