//! The HPA replica calculator: how many replicas one metric of one HPA asks for, before any
//! stabilization, rate limit or min/max clamp.
//!
//! Models kube-controller-manager's `pkg/controller/podautoscaler/replica_calculator.go`
//! (upstream master, autoscaling/v2) with the ratio helpers of
//! `pkg/controller/podautoscaler/metrics/utilization.go`:
//!
//! - `resource_utilization` — `GetResourceReplicas` (Resource metric, `averageUtilization`);
//! - `resource_average_value` — `GetRawResourceReplicas` (Resource metric, `averageValue`);
//! - `pods_metric` — `GetMetricReplicas` (Pods metric);
//! - `object_value` / `object_average_value` — `GetObjectMetricReplicas` /
//!   `GetObjectPerPodMetricReplicas`;
//! - `external_value` / `external_average_value` — `GetExternalMetricReplicas` /
//!   `GetExternalPerPodMetricReplicas`.
//!
//! Pure: the caller hands in the pod list and the metric samples the metrics APIs would return
//! at `now`. Arithmetic follows upstream to the rounding: utilization is an integer percentage
//! (`Σusage × 100 / Σrequest`, truncated), averages are integer divisions, and replica counts are
//! `ceil` of a float product. The tolerance test is upstream's `Tolerances.isWithin`
//! (`1 − scaleDown ≤ ratio ≤ 1 + scaleUp`): each bound is the HPA's `behavior.*.tolerance`
//! when set (Kubernetes ≥ 1.33, `HPAConfigurableTolerance`), else
//! `--horizontal-pod-autoscaler-tolerance`.
//!
//! Which replica count to pass as `current`: upstream passes `scale.spec.replicas` to the
//! Resource, Pods, Object-`Value` and External-`Value` paths, and `scale.status.replicas` to the
//! two `AverageValue` paths of Object and External metrics.

use std::collections::{BTreeMap, BTreeSet};

use thiserror::Error;

use super::{ControllerSettings, ResourceName};
use crate::engine::{SimDuration, SimTime};

/// `pod.status.phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

/// The pod's `Ready` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyCondition {
    pub ready: bool,
    pub last_transition: SimTime,
}

/// What the calculator reads of one pod selected by the HPA's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodInfo {
    pub id: u32,
    pub phase: PodPhase,
    /// `metadata.deletionTimestamp != nil`.
    pub deleting: bool,
    /// `None`: the pod has no `Ready` condition yet.
    pub ready: Option<ReadyCondition>,
    /// `status.startTime`; `None` before the kubelet has seen the pod.
    pub start_time: Option<SimTime>,
    /// Sum of the containers' CPU requests; `None` when a container has no CPU request.
    pub cpu_request_milli: Option<i64>,
    /// Sum of the containers' memory requests (bytes × 1000); `None` when one is missing.
    pub memory_request_milli: Option<i64>,
}

impl PodInfo {
    fn request(&self, resource: ResourceName) -> Option<i64> {
        match resource {
            ResourceName::Cpu => self.cpu_request_milli,
            ResourceName::Memory => self.memory_request_milli,
        }
    }

    /// `getReadyPodsCount`'s test: phase Running and `Ready=True`.
    fn running_and_ready(&self) -> bool {
        self.phase == PodPhase::Running && self.ready.is_some_and(|c| c.ready)
    }
}

/// One per-pod sample as the resource or custom metrics API returns it. Samples may name pods
/// that are not in the pod list (superfluous, as after a rollout) and may lack some pods
/// (missing). Two samples for one pod: the later one wins, as when upstream fills its map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodMetric {
    pub pod: u32,
    pub value_milli: i64,
    pub timestamp: SimTime,
    /// The interval the sample was measured over (metrics-server's scrape interval for CPU).
    pub window: SimDuration,
}

/// What one metric proposes, with what the controller would log or put in the HPA status.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub replicas: u32,
    /// The usage ratio judged against the tolerance (current value / target).
    pub ratio: f64,
    /// The ratio after missing and unready pods were filled in, when that second pass ran.
    pub rebalanced_ratio: Option<f64>,
    /// Resource utilization in percent of the requests (`averageUtilization` targets only).
    pub utilization: Option<i32>,
    /// Resource metrics: the average usage per counted pod. Pods metric: the average value.
    /// Object/External `Value`: the metric value. `AverageValue`: the value per current replica.
    pub raw_value_milli: i64,
    /// Timestamp of the metric samples (the first sample's, as upstream). `None` for Object and
    /// External metrics: upstream returns a zero timestamp for those.
    pub timestamp: Option<SimTime>,
    /// Pods counted with their own sample (pod metrics); Running ∧ Ready pods (Object/External
    /// `Value` when it scales, 0 otherwise).
    pub ready_pods: u32,
    /// Pending pods and, for CPU, pods not ready or still initialising.
    pub unready_pods: u32,
    /// Pods without a sample.
    pub missing_pods: u32,
}

impl Proposal {
    fn new(replicas: u32, ratio: f64, raw_value_milli: i64, timestamp: Option<SimTime>) -> Self {
        Proposal {
            replicas,
            ratio,
            rebalanced_ratio: None,
            utilization: None,
            raw_value_milli,
            timestamp,
            ready_pods: 0,
            unready_pods: 0,
            missing_pods: 0,
        }
    }
}

/// Why a metric gave no proposal. Messages follow upstream's error strings.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalcError {
    /// The resource metrics API returned no samples.
    #[error(
        "unable to get metrics for resource {0}: no metrics returned from resource metrics API"
    )]
    NoResourceMetrics(&'static str),
    /// The custom metrics API returned no samples for a Pods metric.
    #[error("unable to get metric: no metrics returned from custom metrics API")]
    NoCustomMetrics,
    #[error("no pods returned by selector while calculating replica count")]
    NoPods,
    /// Object/External `Value` metrics count ready pods; the selector matched none.
    #[error(
        "unable to calculate ready pods: no pods returned by selector while calculating replica count"
    )]
    NoPodsForReadyCount,
    /// Every sample belonged to an ignored or unready pod.
    #[error("did not receive metrics for targeted pods (pods might be unready)")]
    NoReadyPodMetrics,
    /// A pod (any pod the selector matches, even a failed one) has a container without a request.
    #[error("missing request for {resource} in container of Pod {pod}")]
    MissingRequest { resource: &'static str, pod: u32 },
    /// No sample belonged to a pod of the list (or their requests sum to zero).
    #[error("no metrics returned matched known pods")]
    NoMatchingPods,
}

/// Upstream's name of a resource (`v1.ResourceName`), for messages.
pub fn resource_str(resource: ResourceName) -> &'static str {
    match resource {
        ResourceName::Cpu => "cpu",
        ResourceName::Memory => "memory",
    }
}

/// The replica calculator with the controller's three flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Calculator {
    /// `--horizontal-pod-autoscaler-tolerance`, both directions unless overridden below.
    pub tolerance: f64,
    /// `behavior.scaleUp.tolerance` and `behavior.scaleDown.tolerance`.
    pub scale_up_tolerance: Option<f64>,
    pub scale_down_tolerance: Option<f64>,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    pub cpu_initialization_period: SimDuration,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    pub delay_of_initial_readiness: SimDuration,
}

/// `groupPods`' verdict. Sets, so iteration order never depends on hashing.
#[derive(Debug, Default, PartialEq, Eq)]
struct Groups {
    ready: u32,
    /// Pending pods, and CPU samples judged not trustworthy (upstream `unreadyPods`).
    unready: BTreeSet<u32>,
    /// Running pods without a sample.
    missing: BTreeSet<u32>,
    /// Deleting or failed pods: forgotten entirely (upstream `ignoredPods`).
    ignored: BTreeSet<u32>,
}

impl Calculator {
    pub fn new(settings: &ControllerSettings) -> Self {
        Calculator {
            tolerance: settings.tolerance,
            scale_up_tolerance: None,
            scale_down_tolerance: None,
            cpu_initialization_period: settings.cpu_initialization_period,
            delay_of_initial_readiness: settings.initial_readiness_delay,
        }
    }

    /// The same calculator with an HPA's per-direction tolerances (`None` keeps the flag's).
    pub fn with_tolerances(mut self, up: Option<f64>, down: Option<f64>) -> Self {
        self.scale_up_tolerance = up;
        self.scale_down_tolerance = down;
        self
    }

    /// `Tolerances.isWithin`: no change while `1 − tol ≤ ratio ≤ 1 + tol`. Written as two
    /// comparisons, not `|1 − ratio| ≤ tol`, because the two differ at the edge (1.1 is within,
    /// while `|1 − 1.1|` is 0.10000000000000009).
    pub fn within_tolerance(&self, ratio: f64) -> bool {
        let down = self.scale_down_tolerance.unwrap_or(self.tolerance);
        let up = self.scale_up_tolerance.unwrap_or(self.tolerance);
        1.0 - down <= ratio && ratio <= 1.0 + up
    }

    /// `groupPods`. Deleting and failed pods are forgotten, Pending pods are unready, pods
    /// without a sample are missing. For CPU only, a sample is also unready when the pod has no
    /// Ready condition or start time; while the pod is within the CPU initialization period,
    /// when it is not ready or its sample does not yet cover a full window since the last
    /// readiness transition; after that period, only when it is not ready and never became ready
    /// (its last transition lies within the initial readiness delay after start). A Succeeded
    /// pod is treated like a Running one, as upstream does.
    fn group_pods(
        &self,
        pods: &[PodInfo],
        metrics: &BTreeMap<u32, PodMetric>,
        cpu: bool,
        now: SimTime,
    ) -> Groups {
        let mut groups = Groups::default();
        for pod in pods {
            if pod.deleting || pod.phase == PodPhase::Failed {
                groups.ignored.insert(pod.id);
                continue;
            }
            if pod.phase == PodPhase::Pending {
                groups.unready.insert(pod.id);
                continue;
            }
            let Some(metric) = metrics.get(&pod.id) else {
                groups.missing.insert(pod.id);
                continue;
            };
            if cpu {
                let unready = match (pod.ready, pod.start_time) {
                    (Some(cond), Some(start)) => {
                        if start + self.cpu_initialization_period > now {
                            !cond.ready || metric.timestamp < cond.last_transition + metric.window
                        } else {
                            !cond.ready
                                && start + self.delay_of_initial_readiness > cond.last_transition
                        }
                    }
                    _ => true,
                };
                if unready {
                    groups.unready.insert(pod.id);
                    continue;
                }
            }
            groups.ready += 1;
        }
        groups
    }

    /// `GetResourceReplicas`: a Resource metric with an `averageUtilization` target (percent).
    ///
    /// Missing pods are imputed at max(100 %, target) of their request on a scale-down and at 0
    /// on a scale-up; unready pods at 0 on a scale-up only. If the imputation brings the ratio
    /// within tolerance or flips the direction, or the recount moves against the direction, the
    /// proposal is `current`.
    pub fn resource_utilization(
        &self,
        current: u32,
        target_pct: i32,
        resource: ResourceName,
        pods: &[PodInfo],
        metrics: &[PodMetric],
        now: SimTime,
    ) -> Result<Proposal, CalcError> {
        let first = metrics
            .first()
            .ok_or(CalcError::NoResourceMetrics(resource_str(resource)))?;
        let timestamp = first.timestamp;
        if pods.is_empty() {
            return Err(CalcError::NoPods);
        }
        let by_pod = index_metrics(metrics);
        let groups = self.group_pods(pods, &by_pod, resource == ResourceName::Cpu, now);
        let mut values = kept_values(&by_pod, &groups);
        if values.is_empty() {
            return Err(CalcError::NoReadyPodMetrics);
        }
        let requests = pod_requests(pods, resource)?;
        let (ratio, utilization, raw) = utilization_ratio(&values, &requests, target_pct)?;

        let mut proposal = Proposal::new(current, ratio, raw, Some(timestamp));
        proposal.utilization = Some(utilization);
        proposal.ready_pods = groups.ready;
        proposal.unready_pods = count(&groups.unready);
        proposal.missing_pods = count(&groups.missing);

        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            if !self.within_tolerance(ratio) {
                proposal.replicas = ceil_replicas(ratio * f64::from(groups.ready));
            }
            return Ok(proposal);
        }

        if !groups.missing.is_empty() {
            if ratio < 1.0 {
                // A target above 100 % would otherwise read a pod at its full request as idle.
                let fallback = i64::from(target_pct.max(100));
                for pod in &groups.missing {
                    let request = requests.get(pod).copied().unwrap_or(0);
                    values.insert(*pod, request.saturating_mul(fallback) / 100);
                }
            } else if ratio > 1.0 {
                for pod in &groups.missing {
                    values.insert(*pod, 0);
                }
            }
        }
        if scale_up_with_unready {
            for pod in &groups.unready {
                values.insert(*pod, 0);
            }
        }

        let (new_ratio, _, _) = utilization_ratio(&values, &requests, target_pct)?;
        proposal.rebalanced_ratio = Some(new_ratio);
        Ok(self.settle(proposal, current, ratio, new_ratio, values.len()))
    }

    /// `GetRawResourceReplicas`: a Resource metric with an `averageValue` target (milli-units
    /// per pod). The plain-metric algorithm, with the CPU readiness rules when `resource` is CPU.
    pub fn resource_average_value(
        &self,
        current: u32,
        target_milli: i64,
        resource: ResourceName,
        pods: &[PodInfo],
        metrics: &[PodMetric],
        now: SimTime,
    ) -> Result<Proposal, CalcError> {
        if metrics.is_empty() {
            return Err(CalcError::NoResourceMetrics(resource_str(resource)));
        }
        self.plain_metric(
            current,
            target_milli,
            resource == ResourceName::Cpu,
            pods,
            metrics,
            now,
        )
    }

    /// `GetMetricReplicas`: a Pods metric with an `averageValue` target (milli-units per pod).
    /// No readiness rules apply; a missing pod counts as exactly on target on a scale-down.
    pub fn pods_metric(
        &self,
        current: u32,
        target_avg_milli: i64,
        pods: &[PodInfo],
        metrics: &[PodMetric],
        now: SimTime,
    ) -> Result<Proposal, CalcError> {
        if metrics.is_empty() {
            return Err(CalcError::NoCustomMetrics);
        }
        self.plain_metric(current, target_avg_milli, false, pods, metrics, now)
    }

    /// `calcPlainMetricReplicas`. The average is over every kept sample, superfluous ones
    /// included, as upstream's map is.
    fn plain_metric(
        &self,
        current: u32,
        target_milli: i64,
        cpu: bool,
        pods: &[PodInfo],
        metrics: &[PodMetric],
        now: SimTime,
    ) -> Result<Proposal, CalcError> {
        let timestamp = metrics.first().map(|m| m.timestamp);
        if pods.is_empty() {
            return Err(CalcError::NoPods);
        }
        let by_pod = index_metrics(metrics);
        let groups = self.group_pods(pods, &by_pod, cpu, now);
        let mut values = kept_values(&by_pod, &groups);
        if values.is_empty() {
            return Err(CalcError::NoReadyPodMetrics);
        }
        let (ratio, usage) = usage_ratio(&values, target_milli);

        let mut proposal = Proposal::new(current, ratio, usage, timestamp);
        proposal.ready_pods = groups.ready;
        proposal.unready_pods = count(&groups.unready);
        proposal.missing_pods = count(&groups.missing);

        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            if !self.within_tolerance(ratio) {
                proposal.replicas = ceil_replicas(ratio * f64::from(groups.ready));
            }
            return Ok(proposal);
        }

        if !groups.missing.is_empty() {
            if ratio < 1.0 {
                for pod in &groups.missing {
                    values.insert(*pod, target_milli);
                }
            } else if ratio > 1.0 {
                for pod in &groups.missing {
                    values.insert(*pod, 0);
                }
            }
        }
        if scale_up_with_unready {
            for pod in &groups.unready {
                values.insert(*pod, 0);
            }
        }

        let (new_ratio, _) = usage_ratio(&values, target_milli);
        proposal.rebalanced_ratio = Some(new_ratio);
        Ok(self.settle(proposal, current, ratio, new_ratio, values.len()))
    }

    /// The second pass shared by both pod-metric paths: keep `current` when the filled-in ratio
    /// is within tolerance or points the other way, or when counting the filled-in pods would
    /// move the count against the direction of the ratio.
    fn settle(
        &self,
        mut proposal: Proposal,
        current: u32,
        ratio: f64,
        new_ratio: f64,
        counted: usize,
    ) -> Proposal {
        if self.within_tolerance(new_ratio)
            || (ratio < 1.0 && new_ratio > 1.0)
            || (ratio > 1.0 && new_ratio < 1.0)
        {
            return proposal;
        }
        let new_replicas = ceil_replicas(new_ratio * counted as f64);
        if (new_ratio < 1.0 && new_replicas > current)
            || (new_ratio > 1.0 && new_replicas < current)
        {
            return proposal;
        }
        proposal.replicas = new_replicas;
        proposal
    }

    /// `GetObjectMetricReplicas`: an Object metric with a `value` target.
    /// `ratio = usage / target`; with `current > 0` and outside tolerance,
    /// `ceil(ratio × Running∧Ready pods)`; with `current == 0`, `ceil(ratio)` (scale from zero,
    /// no tolerance).
    pub fn object_value(
        &self,
        current: u32,
        usage_milli: i64,
        target_milli: i64,
        pods: &[PodInfo],
    ) -> Result<Proposal, CalcError> {
        let ratio = usage_milli as f64 / target_milli as f64;
        let (replicas, ready) = self.usage_ratio_replicas(current, ratio, pods)?;
        let mut proposal = Proposal::new(replicas, ratio, usage_milli, None);
        proposal.ready_pods = ready;
        Ok(proposal)
    }

    /// `GetObjectPerPodMetricReplicas`: an Object metric with an `averageValue` target. Never
    /// fails once the value is known; a `Result` like the other paths.
    /// `ratio = usage / (target × status replicas)`; outside tolerance,
    /// `ceil(usage / target)`. The reported value is `ceil(usage / status replicas)`.
    pub fn object_average_value(
        &self,
        status_replicas: u32,
        usage_milli: i64,
        target_per_pod_milli: i64,
    ) -> Result<Proposal, CalcError> {
        Ok(self.per_pod_total(status_replicas, usage_milli, target_per_pod_milli))
    }

    /// `GetExternalMetricReplicas`: an External metric with a `value` target. `total_milli` is
    /// the sum of the series the selector matches (clamp it at `i64::MAX`, as upstream).
    /// Same rule as `object_value`.
    pub fn external_value(
        &self,
        current: u32,
        total_milli: i64,
        target_milli: i64,
        pods: &[PodInfo],
    ) -> Result<Proposal, CalcError> {
        self.object_value(current, total_milli, target_milli, pods)
    }

    /// `GetExternalPerPodMetricReplicas`: an External metric with an `averageValue` target.
    /// Same rule as `object_average_value`, over the sum of the series.
    pub fn external_average_value(
        &self,
        status_replicas: u32,
        total_milli: i64,
        target_per_pod_milli: i64,
    ) -> Result<Proposal, CalcError> {
        Ok(self.per_pod_total(status_replicas, total_milli, target_per_pod_milli))
    }

    fn per_pod_total(&self, status_replicas: u32, usage: i64, target_per_pod: i64) -> Proposal {
        let ratio = usage as f64 / (target_per_pod as f64 * f64::from(status_replicas));
        let mut replicas = status_replicas;
        if !self.within_tolerance(ratio) {
            replicas = ceil_replicas(usage as f64 / target_per_pod as f64);
        }
        // Upstream divides by the status count even when it is zero (undefined in Go); report
        // the total then.
        let per_replica = if status_replicas == 0 {
            usage
        } else {
            (usage as f64 / f64::from(status_replicas)).ceil() as i64
        };
        Proposal::new(replicas, ratio, per_replica, None)
    }

    /// `getUsageRatioReplicaCount`. Returns the count and the ready pods it was scaled by.
    fn usage_ratio_replicas(
        &self,
        current: u32,
        ratio: f64,
        pods: &[PodInfo],
    ) -> Result<(u32, u32), CalcError> {
        if current == 0 {
            return Ok((ceil_replicas(ratio), 0));
        }
        if self.within_tolerance(ratio) {
            return Ok((current, 0));
        }
        if pods.is_empty() {
            return Err(CalcError::NoPodsForReadyCount);
        }
        let ready = count_u32(pods.iter().filter(|p| p.running_and_ready()).count());
        Ok((ceil_replicas(ratio * f64::from(ready)), ready))
    }
}

/// The samples keyed by pod; a later sample for the same pod replaces an earlier one.
fn index_metrics(metrics: &[PodMetric]) -> BTreeMap<u32, PodMetric> {
    metrics.iter().map(|m| (m.pod, *m)).collect()
}

/// The sample values once ignored and unready pods are removed (`removeMetricsForPods`).
/// Superfluous samples stay, as upstream.
fn kept_values(by_pod: &BTreeMap<u32, PodMetric>, groups: &Groups) -> BTreeMap<u32, i64> {
    by_pod
        .iter()
        .filter(|(pod, _)| !groups.ignored.contains(pod) && !groups.unready.contains(pod))
        .map(|(pod, m)| (*pod, m.value_milli))
        .collect()
}

/// `calculateRequests`: every listed pod's request, failed and deleting pods included; any
/// missing request is an error.
fn pod_requests(pods: &[PodInfo], resource: ResourceName) -> Result<BTreeMap<u32, i64>, CalcError> {
    pods.iter()
        .map(|pod| {
            pod.request(resource)
                .map(|r| (pod.id, r))
                .ok_or(CalcError::MissingRequest {
                    resource: resource_str(resource),
                    pod: pod.id,
                })
        })
        .collect()
}

/// `GetResourceUtilizationRatio`: over samples of known pods only, utilization =
/// `Σusage × 100 / Σrequest` (integer, truncated), ratio = utilization / target, raw value =
/// `Σusage / samples counted`. Sums in i128 so nothing wraps; the percentage is clamped to the
/// i32 range as newer upstream does.
fn utilization_ratio(
    values: &BTreeMap<u32, i64>,
    requests: &BTreeMap<u32, i64>,
    target_pct: i32,
) -> Result<(f64, i32, i64), CalcError> {
    let mut metrics_total: i128 = 0;
    let mut requests_total: i128 = 0;
    let mut entries: i128 = 0;
    for (pod, value) in values {
        let Some(request) = requests.get(pod) else {
            continue; // a superfluous sample
        };
        metrics_total += i128::from(*value);
        requests_total += i128::from(*request);
        entries += 1;
    }
    if requests_total == 0 {
        return Err(CalcError::NoMatchingPods);
    }
    let pct = (metrics_total * 100 / requests_total)
        .clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32;
    let raw = (metrics_total / entries).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    Ok((f64::from(pct) / f64::from(target_pct), pct, raw))
}

/// `GetMetricUsageRatio`: average = `Σvalue / samples` (integer), ratio = average / target.
fn usage_ratio(values: &BTreeMap<u32, i64>, target_milli: i64) -> (f64, i64) {
    let total: i128 = values.values().map(|v| i128::from(*v)).sum();
    let average = (total / values.len().max(1) as i128) as i64;
    (average as f64 / target_milli as f64, average)
}

/// `int32(math.Ceil(x))`, kept within `0..=i32::MAX` (newer upstream clamps at `MaxInt32`; a NaN
/// or negative count means nothing to scale to).
fn ceil_replicas(x: f64) -> u32 {
    let c = x.ceil();
    if c.is_nan() || c <= 0.0 {
        0
    } else if c >= f64::from(i32::MAX) {
        i32::MAX as u32
    } else {
        c as u32
    }
}

fn count(set: &BTreeSet<u32>) -> u32 {
    count_u32(set.len())
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    //! Transcriptions of upstream `replica_calculator_test.go`. Its harness gives every pod two
    //! containers, each requesting `requests[i]` and each reporting `levels[i]`, so a pod's
    //! request and usage are twice the listed per-container numbers; the ratios do not change.
    //! Pods start at the zero time unless a case says hot (`now`) or cool (`now − 3 m`), their
    //! Ready condition has a zero transition time, and samples carry the case's timestamp (zero
    //! unless set) with a 1-minute window. Test constants: tolerance 0.1, CPU initialization
    //! 2 m, initial readiness delay 10 s (`defaultTesting*` in replica_calculator.go).

    use super::*;

    const CONTAINERS: i64 = 2;
    /// The test "now": far enough from zero that the zero time is long past.
    const NOW: SimTime = SimTime(3_600_000);

    fn calc() -> Calculator {
        Calculator {
            tolerance: 0.1,
            scale_up_tolerance: None,
            scale_down_tolerance: None,
            cpu_initialization_period: SimDuration::from_mins(2),
            delay_of_initial_readiness: SimDuration::from_secs(10),
        }
    }

    fn hot() -> SimTime {
        NOW
    }

    fn cool() -> SimTime {
        SimTime(NOW.0 - SimDuration::from_mins(3).as_ms())
    }

    /// One upstream `replicaCalcTestCase`.
    #[derive(Default)]
    struct Case {
        current: u32,
        readiness: Vec<bool>,
        start: Vec<SimTime>,
        phase: Vec<PodPhase>,
        deleting: Vec<bool>,
        /// Per container, millicores.
        requests: Vec<i64>,
        /// Per container, milli-units.
        levels: Vec<i64>,
        /// Pod ids for the samples, when they differ from 0, 1, 2, ...
        metric_pods: Vec<u32>,
    }

    impl Case {
        fn pods(&self) -> Vec<PodInfo> {
            let n = (self.current as usize).max(self.phase.len());
            (0..n)
                .map(|i| PodInfo {
                    id: i as u32,
                    phase: self.phase.get(i).copied().unwrap_or(PodPhase::Running),
                    deleting: self.deleting.get(i).copied().unwrap_or(false),
                    ready: Some(ReadyCondition {
                        ready: self.readiness.get(i).copied().unwrap_or(true),
                        last_transition: SimTime::ZERO,
                    }),
                    start_time: Some(self.start.get(i).copied().unwrap_or(SimTime::ZERO)),
                    cpu_request_milli: self.requests.get(i).map(|r| r * CONTAINERS),
                    memory_request_milli: self.requests.get(i).map(|r| r * CONTAINERS),
                })
                .collect()
        }

        fn metrics(&self) -> Vec<PodMetric> {
            self.levels
                .iter()
                .enumerate()
                .map(|(i, level)| PodMetric {
                    pod: self.metric_pods.get(i).copied().unwrap_or(i as u32),
                    value_milli: level * CONTAINERS,
                    timestamp: SimTime::ZERO,
                    window: SimDuration::from_mins(1),
                })
                .collect()
        }

        fn cpu(&self, target_pct: i32) -> Result<Proposal, CalcError> {
            calc().resource_utilization(
                self.current,
                target_pct,
                ResourceName::Cpu,
                &self.pods(),
                &self.metrics(),
                NOW,
            )
        }

        /// A Pods metric: the levels are whole-pod values (no per-container doubling).
        fn pods_metric(&self, target: i64) -> Result<Proposal, CalcError> {
            let metrics: Vec<PodMetric> = self
                .levels
                .iter()
                .enumerate()
                .map(|(i, v)| PodMetric {
                    pod: i as u32,
                    value_milli: *v,
                    timestamp: SimTime::ZERO,
                    window: SimDuration::from_mins(1),
                })
                .collect();
            calc().pods_metric(self.current, target, &self.pods(), &metrics, NOW)
        }
    }

    fn ones(n: usize) -> Vec<i64> {
        vec![1000; n]
    }

    fn assert_cpu(p: &Proposal, replicas: u32, utilization: i32, raw: i64) {
        assert_eq!(p.replicas, replicas, "replicas");
        assert_eq!(p.utilization, Some(utilization), "utilization");
        assert_eq!(p.raw_value_milli, raw, "raw value");
        assert_eq!(p.timestamp, Some(SimTime::ZERO), "timestamp");
    }

    // ---- Resource utilization -------------------------------------------------------------

    #[test]
    fn replica_calc_disjoint_resources_metrics() {
        // upstream: TestReplicaCalcDisjointResourcesMetrics (replica_calculator_test.go)
        // The only sample names a pod that is not in the list: pod 0 is missing, the sample is
        // superfluous, no request matches → error.
        let case = Case {
            current: 1,
            requests: ones(1),
            levels: vec![100],
            metric_pods: vec![77],
            ..Case::default()
        };
        assert_eq!(case.cpu(100), Err(CalcError::NoMatchingPods));
        assert_eq!(
            CalcError::NoMatchingPods.to_string(),
            "no metrics returned matched known pods"
        );
    }

    #[test]
    fn replica_calc_scale_up() {
        // upstream: TestReplicaCalcScaleUp (replica_calculator_test.go)
        // 3 pods at 300/500/700 of 1000: utilization 1500/3000 = 50 %; 50/30 = 1.667;
        // ceil(1.667 × 3) = 5. Raw value 2 × 500.
        let case = Case {
            current: 3,
            requests: ones(3),
            levels: vec![300, 500, 700],
            ..Case::default()
        };
        let p = case.cpu(30).unwrap();
        assert_cpu(&p, 5, 50, CONTAINERS * 500);
        assert!((p.ratio - 50.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn replica_calc_scale_up_unready_less_scale() {
        // upstream: TestReplicaCalcScaleUpUnreadyLessScale (replica_calculator_test.go)
        // Pod 0 not ready (past the init period, never ready): ready pods 500/700 → 60 %, ratio 2;
        // a scale-up, so pod 0 counts at 0: 1200/3000 = 40 % → 1.333; ceil(1.333 × 3) = 4.
        let case = Case {
            current: 3,
            readiness: vec![false, true, true],
            requests: ones(3),
            levels: vec![300, 500, 700],
            ..Case::default()
        };
        let p = case.cpu(30).unwrap();
        assert_cpu(&p, 4, 60, CONTAINERS * 600);
        assert_eq!(p.unready_pods, 1);
    }

    #[test]
    fn replica_calc_scale_up_hot_cpu_less_scale() {
        // upstream: TestReplicaCalcScaleUpHotCpuLessScale (replica_calculator_test.go)
        // Pod 0 started now (within the 2 m CPU init period) and its sample (t = 0) is older
        // than its Ready transition + 1 m window → unready; same numbers as above → 4.
        let case = Case {
            current: 3,
            start: vec![hot(), cool(), cool()],
            requests: ones(3),
            levels: vec![300, 500, 700],
            ..Case::default()
        };
        assert_cpu(&case.cpu(30).unwrap(), 4, 60, CONTAINERS * 600);
    }

    #[test]
    fn replica_calc_scale_up_unready_no_scale() {
        // upstream: TestReplicaCalcScaleUpUnreadyNoScale (replica_calculator_test.go)
        // Only pod 0 ready: 400/1000 = 40 %, ratio 1.333; pods 1, 2 at 0: 800/6000 = 13 % →
        // 0.433, the direction flips → keep 3.
        let case = Case {
            current: 3,
            readiness: vec![true, false, false],
            requests: ones(3),
            levels: vec![400, 500, 700],
            ..Case::default()
        };
        let p = case.cpu(30).unwrap();
        assert_cpu(&p, 3, 40, CONTAINERS * 400);
        assert!((p.rebalanced_ratio.unwrap() - 13.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn replica_calc_scale_hot_cpu_no_scale() {
        // upstream: TestReplicaCalcScaleHotCpuNoScale (replica_calculator_test.go)
        // Pods 1, 2 hot and not ready: as above, 40 % → 13 % flips → 3.
        let case = Case {
            current: 3,
            readiness: vec![true, false, false],
            start: vec![cool(), hot(), hot()],
            requests: ones(3),
            levels: vec![400, 500, 700],
            ..Case::default()
        };
        assert_cpu(&case.cpu(30).unwrap(), 3, 40, CONTAINERS * 400);
    }

    #[test]
    fn replica_calc_scale_up_ignores_failed_pods() {
        // upstream: TestReplicaCalcScaleUpIgnoresFailedPods (replica_calculator_test.go)
        // Pods 2, 3 Failed: forgotten. 1200/2000 = 60 %, ratio 2; ceil(2 × 2) = 4.
        let case = Case {
            current: 2,
            readiness: vec![true, true, false, false],
            phase: vec![
                PodPhase::Running,
                PodPhase::Running,
                PodPhase::Failed,
                PodPhase::Failed,
            ],
            requests: ones(4),
            levels: vec![500, 700],
            ..Case::default()
        };
        assert_cpu(&case.cpu(30).unwrap(), 4, 60, CONTAINERS * 600);
    }

    #[test]
    fn replica_calc_scale_up_ignores_deletion_pods() {
        // upstream: TestReplicaCalcScaleUpIgnoresDeletionPods (replica_calculator_test.go)
        // Pods 2, 3 being deleted: forgotten. 60 % → ceil(2 × 2) = 4.
        let case = Case {
            current: 2,
            readiness: vec![true, true, false, false],
            phase: vec![PodPhase::Running; 4],
            deleting: vec![false, false, true, true],
            requests: ones(4),
            levels: vec![500, 700],
            ..Case::default()
        };
        assert_cpu(&case.cpu(30).unwrap(), 4, 60, CONTAINERS * 600);
    }

    #[test]
    fn replica_calc_scale_down() {
        // upstream: TestReplicaCalcScaleDown (replica_calculator_test.go)
        // 1400/5000 = 28 %; 28/50 = 0.56; ceil(0.56 × 5) = 3.
        let case = Case {
            current: 5,
            requests: ones(5),
            levels: vec![100, 300, 500, 250, 250],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 3, 28, CONTAINERS * 280);
    }

    #[test]
    fn replica_calc_scale_down_exclude_unready_pods() {
        // upstream: TestReplicaCalcScaleDownExcludeUnreadyPods (replica_calculator_test.go)
        // Pods 3, 4 never ready: the 3 ready pods 900/3000 = 30 % → 0.6; a scale-down leaves
        // the unready out: ceil(0.6 × 3) = 2.
        let case = Case {
            current: 5,
            readiness: vec![true, true, true, false, false],
            requests: ones(5),
            levels: vec![100, 300, 500, 250, 250],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 2, 30, CONTAINERS * 300);
    }

    #[test]
    fn replica_calc_scale_down_exclude_unscheduled_pods() {
        // upstream: TestReplicaCalcScaleDownExcludeUnscheduledPods (replica_calculator_test.go)
        // Pods 1–4 Pending (unready, not missing): 100/1000 = 10 % → 0.2; ceil(0.2 × 1) = 1.
        let case = Case {
            current: 5,
            readiness: vec![true, false, false, false, false],
            phase: vec![
                PodPhase::Running,
                PodPhase::Pending,
                PodPhase::Pending,
                PodPhase::Pending,
                PodPhase::Pending,
            ],
            requests: ones(5),
            levels: vec![100],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 1, 10, CONTAINERS * 100);
    }

    #[test]
    fn replica_calc_scale_down_ignore_hot_cpu_pods() {
        // upstream: TestReplicaCalcScaleDownIgnoreHotCpuPods (replica_calculator_test.go)
        // Pods 3, 4 hot: unready. 900/3000 = 30 % → 0.6; ceil(0.6 × 3) = 2.
        let case = Case {
            current: 5,
            start: vec![cool(), cool(), cool(), hot(), hot()],
            requests: ones(5),
            levels: vec![100, 300, 500, 250, 250],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 2, 30, CONTAINERS * 300);
    }

    #[test]
    fn replica_calc_scale_down_ignores_failed_pods() {
        // upstream: TestReplicaCalcScaleDownIgnoresFailedPods (replica_calculator_test.go)
        // 5 running + 2 Failed: 1400/5000 = 28 % → 0.56; ceil(0.56 × 5) = 3.
        let mut phase = vec![PodPhase::Running; 5];
        phase.extend([PodPhase::Failed, PodPhase::Failed]);
        let case = Case {
            current: 5,
            readiness: vec![true, true, true, true, true, false, false],
            phase,
            requests: ones(7),
            levels: vec![100, 300, 500, 250, 250],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 3, 28, CONTAINERS * 280);
    }

    #[test]
    fn replica_calc_scale_down_ignores_deletion_pods() {
        // upstream: TestReplicaCalcScaleDownIgnoresDeletionPods (replica_calculator_test.go)
        // 5 running + 2 deleting (still Running): 28 % → 3.
        let case = Case {
            current: 5,
            readiness: vec![true, true, true, true, true, false, false],
            phase: vec![PodPhase::Running; 7],
            deleting: vec![false, false, false, false, false, true, true],
            requests: ones(7),
            levels: vec![100, 300, 500, 250, 250],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 3, 28, CONTAINERS * 280);
    }

    #[test]
    fn per_direction_tolerances_bound_each_side() {
        // behavior.scaleUp.tolerance 0.5, scaleDown.tolerance 0 (upstream `Tolerances`):
        // 1.4 is within 1 + 0.5, 0.95 is below 1 − 0; the flag (0.1) would say the opposite.
        let c = calc().with_tolerances(Some(0.5), Some(0.0));
        assert!(c.within_tolerance(1.4) && c.within_tolerance(1.0));
        assert!(!c.within_tolerance(0.95) && !c.within_tolerance(1.51));
        let flag = calc();
        assert!(!flag.within_tolerance(1.4) && flag.within_tolerance(0.95));
    }

    #[test]
    fn replica_calc_tolerance() {
        // upstream: TestReplicaCalcTolerance (replica_calculator_test.go)
        // Requests 0.9/1.0/1.1, usage 1010/1030/1020: 3060/3000 = 102 %; 1.02 is within 0.1 → 3.
        let case = Case {
            current: 3,
            requests: vec![900, 1000, 1100],
            levels: vec![1010, 1030, 1020],
            ..Case::default()
        };
        assert_cpu(&case.cpu(100).unwrap(), 3, 102, CONTAINERS * 1020);
    }

    #[test]
    fn replica_calc_superfluous_metrics() {
        // upstream: TestReplicaCalcSuperfluousMetrics (replica_calculator_test.go)
        // 6 samples for 4 pods: the 2 extra are skipped in the ratio. 23500/4000 = 587 %
        // (587.5 truncated); ceil(5.87 × 4) = ceil(23.48) = 24. Raw 47000/4 = 2 × 5875.
        let case = Case {
            current: 4,
            requests: ones(4),
            levels: vec![4000, 9500, 3000, 7000, 3200, 2000],
            ..Case::default()
        };
        assert_cpu(&case.cpu(100).unwrap(), 24, 587, CONTAINERS * 5875);
    }

    #[test]
    fn replica_calc_missing_metrics() {
        // upstream: TestReplicaCalcMissingMetrics (replica_calculator_test.go)
        // Pods 2, 3 lack samples. 495/2000 = 24 % (24.75 truncated) → 0.24, a scale-down: the
        // missing count at 100 % of request: (495 + 2000)/4000 = 62 % → 0.62;
        // ceil(0.62 × 4) = ceil(2.48) = 3. Raw (800 + 190)/2 = 495.
        let case = Case {
            current: 4,
            requests: ones(4),
            levels: vec![400, 95],
            ..Case::default()
        };
        let p = case.cpu(100).unwrap();
        assert_cpu(&p, 3, 24, 495);
        assert_eq!(p.missing_pods, 2);
        assert_eq!(p.rebalanced_ratio, Some(0.62));
    }

    #[test]
    fn replica_calc_empty_metrics() {
        // upstream: TestReplicaCalcEmptyMetrics (replica_calculator_test.go)
        let case = Case {
            current: 4,
            requests: ones(3),
            ..Case::default()
        };
        let err = case.cpu(100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to get metrics for resource cpu: no metrics returned from resource metrics API"
        );
    }

    #[test]
    fn replica_calc_empty_cpu_request() {
        // upstream: TestReplicaCalcEmptyCPURequest (replica_calculator_test.go)
        let case = Case {
            current: 1,
            levels: vec![200],
            ..Case::default()
        };
        let err = case.cpu(100).unwrap_err();
        assert!(err.to_string().contains("missing request for"), "{err}");
        assert_eq!(
            err,
            CalcError::MissingRequest {
                resource: "cpu",
                pod: 0
            }
        );
    }

    #[test]
    fn replica_calc_missing_metrics_no_change_eq() {
        // upstream: TestReplicaCalcMissingMetricsNoChangeEq (replica_calculator_test.go)
        // Pod 1 missing; pod 0 at exactly 100 %: ratio 1.0 is neither < 1 nor > 1, so nothing is
        // imputed and the ratio stays within tolerance → 2.
        let case = Case {
            current: 2,
            requests: ones(2),
            levels: vec![1000],
            ..Case::default()
        };
        assert_cpu(&case.cpu(100).unwrap(), 2, 100, CONTAINERS * 1000);
    }

    #[test]
    fn replica_calc_missing_metrics_no_change_gt() {
        // upstream: TestReplicaCalcMissingMetricsNoChangeGt (replica_calculator_test.go)
        // 190 % → 1.9; scale-up, missing pod at 0: 1900/2000 = 95 % → within → 2.
        let case = Case {
            current: 2,
            requests: ones(2),
            levels: vec![1900],
            ..Case::default()
        };
        assert_cpu(&case.cpu(100).unwrap(), 2, 190, CONTAINERS * 1900);
    }

    #[test]
    fn replica_calc_missing_metrics_no_change_lt() {
        // upstream: TestReplicaCalcMissingMetricsNoChangeLt (replica_calculator_test.go)
        // 60 % → 0.6; scale-down, missing pod at 100 %: 1600/2000 = 80 % → 0.8;
        // ceil(0.8 × 2) = 2.
        let case = Case {
            current: 2,
            requests: ones(2),
            levels: vec![600],
            ..Case::default()
        };
        assert_cpu(&case.cpu(100).unwrap(), 2, 60, CONTAINERS * 600);
    }

    #[test]
    fn replica_calc_missing_metrics_unready_change() {
        // upstream: TestReplicaCalcMissingMetricsUnreadyChange (replica_calculator_test.go)
        // Pod 0 unready, pod 2 missing. Pod 1: 450/1000 = 45 % → 0.9 (below 1): pod 2 at 100 %
        // → 1450/2000 = 72 % → 1.44: the direction flips → 3.
        let case = Case {
            current: 3,
            readiness: vec![false, true, true],
            requests: ones(3),
            levels: vec![100, 450],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 3, 45, CONTAINERS * 450);
    }

    #[test]
    fn replica_calc_missing_metrics_hot_cpu_no_change() {
        // upstream: TestReplicaCalcMissingMetricsHotCpuNoChange (replica_calculator_test.go)
        // Pod 0 hot instead of unready: same arithmetic → 3.
        let case = Case {
            current: 3,
            start: vec![hot(), cool(), cool()],
            requests: ones(3),
            levels: vec![100, 450],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 3, 45, CONTAINERS * 450);
    }

    #[test]
    fn replica_calc_missing_metrics_unready_scale_up() {
        // upstream: TestReplicaCalcMissingMetricsUnreadyScaleUp (replica_calculator_test.go)
        // Pod 0 unready, pod 2 missing. Pod 1: 2000/1000 = 200 % → 4; both at 0:
        // 2000/3000 = 66 % → 1.32; ceil(1.32 × 3) = ceil(3.96) = 4.
        let case = Case {
            current: 3,
            readiness: vec![false, true, true],
            requests: ones(3),
            levels: vec![100, 2000],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 4, 200, CONTAINERS * 2000);
    }

    #[test]
    fn replica_calc_missing_metrics_hot_cpu_scale_up() {
        // upstream: TestReplicaCalcMissingMetricsHotCpuScaleUp (replica_calculator_test.go)
        // Pod 0 hot and unready: as above → 4.
        let case = Case {
            current: 3,
            readiness: vec![false, true, true],
            start: vec![hot(), cool(), cool()],
            requests: ones(3),
            levels: vec![100, 2000],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 4, 200, CONTAINERS * 2000);
    }

    #[test]
    fn replica_calc_missing_metrics_unready_scale_down() {
        // upstream: TestReplicaCalcMissingMetricsUnreadyScaleDown (replica_calculator_test.go)
        // Pod 0 unready (left out on a scale-down), pod 3 missing. Pods 1, 2: 200/2000 = 10 % →
        // 0.2; pod 3 at 100 %: 1200/3000 = 40 % → 0.8; ceil(0.8 × 3) = 3.
        let case = Case {
            current: 4,
            readiness: vec![false, true, true, true],
            requests: ones(4),
            levels: vec![100, 100, 100],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 3, 10, CONTAINERS * 100);
    }

    #[test]
    fn replica_calc_missing_metrics_scale_down_target_over_100() {
        // upstream: TestReplicaCalcMissingMetricsScaleDownTargetOver100 (replica_calculator_test.go)
        // Requests 1/1/2/2 cores; pod 0 unready, pod 3 missing. Pods 1, 2: 200/3000 = 6 %
        // (6.67 truncated) → 6/300 = 0.02. Pod 3 imputed at max(100, 300) = 300 % of 2000 = 6000:
        // (200 + 6000)/5000 = 124 % → 0.413; ceil(0.413 × 3) = ceil(1.24) = 2. (At the older
        // 100 % it would be 44 % → 1.)
        let case = Case {
            current: 4,
            readiness: vec![false, true, true, true],
            requests: vec![1000, 1000, 2000, 2000],
            levels: vec![200, 100, 100],
            ..Case::default()
        };
        assert_cpu(&case.cpu(300).unwrap(), 2, 6, CONTAINERS * 100);
    }

    #[test]
    fn replica_calc_during_rolling_update_with_max_surge() {
        // upstream: TestReplicaCalcDuringRollingUpdateWithMaxSurge (replica_calculator_test.go)
        // 3 pods for 2 replicas, pod 2 missing. 200/2000 = 10 % → 0.2; pod 2 at 100 %:
        // 1200/3000 = 40 % → 0.8; ceil(0.8 × 3) = 3 > 2 against a scale-down → keep 2.
        let case = Case {
            current: 2,
            phase: vec![PodPhase::Running; 3],
            requests: ones(3),
            levels: vec![100, 100],
            ..Case::default()
        };
        assert_cpu(&case.cpu(50).unwrap(), 2, 10, CONTAINERS * 100);
    }

    #[test]
    fn replica_calc_computed_tolerance_alg_implementation() {
        // upstream: TestReplicaCalcComputedToleranceAlgImplementation (replica_calculator_test.go)
        // 10 pods using 150 m each against ~300 m requests: 1500/3000 = 50 %.
        // Target int32((1/(2 × 0.9) + 0.01) × 100) = 56: 50/56 = 0.893 < 0.9 → scale:
        // ceil(0.893 × 10) = 9. Target int32((1/(2 × 0.9) + 0.004) × 100) = 55: 50/55 = 0.909,
        // within → 10.
        let per_pod = 300;
        let case = Case {
            current: 10,
            requests: vec![
                per_pod + 100,
                per_pod - 100,
                per_pod + 10,
                per_pod - 10,
                per_pod + 2,
                per_pod - 2,
                per_pod + 1,
                per_pod - 1,
                per_pod,
                per_pod,
            ],
            levels: vec![150; 10],
            ..Case::default()
        };
        let target = 1.0 / (2.0 * (1.0 - 0.1)) + 0.01;
        let pct = (target * 100.0) as i32;
        assert_eq!(pct, 56);
        let expected = (1500.0 / (3000.0 * target) * 10.0_f64).ceil() as u32;
        assert_eq!(expected, 9);
        assert_cpu(&case.cpu(pct).unwrap(), expected, 50, CONTAINERS * 150);

        let target = 1.0 / (2.0 * (1.0 - 0.1)) + 0.004;
        let pct = (target * 100.0) as i32;
        assert_eq!(pct, 55);
        assert_cpu(&case.cpu(pct).unwrap(), 10, 50, CONTAINERS * 150);
    }

    #[test]
    fn replica_calc_memory_is_not_subject_to_readiness() {
        // upstream: TestGroupPods "count in a ready pod - memory" (replica_calculator_test.go),
        // through the calculator: the readiness rules are CPU-only, so an unready pod's memory
        // sample counts. 2 pods at 600/1000 of memory = 60 %, target 50: 1.2 → ceil(2.4) = 3.
        let case = Case {
            current: 2,
            readiness: vec![false, false],
            requests: ones(2),
            levels: vec![600, 600],
            ..Case::default()
        };
        let p = calc()
            .resource_utilization(
                2,
                50,
                ResourceName::Memory,
                &case.pods(),
                &case.metrics(),
                NOW,
            )
            .unwrap();
        assert_eq!((p.replicas, p.utilization), (3, Some(60)));
    }

    // ---- groupPods --------------------------------------------------------------------------

    #[test]
    fn group_pods() {
        // upstream: TestGroupPods (replica_calculator_test.go), each sub-case; "now" is NOW.
        let ago = |s: u64| SimTime(NOW.0 - s * 1000);
        let pod =
            |id: u32, phase: PodPhase, start: Option<SimTime>, cond: Option<(bool, SimTime)>| {
                PodInfo {
                    id,
                    phase,
                    deleting: false,
                    ready: cond.map(|(ready, at)| ReadyCondition {
                        ready,
                        last_transition: at,
                    }),
                    start_time: start,
                    cpu_request_milli: Some(1000),
                    memory_request_milli: Some(1000),
                }
            };
        let sample = |id: u32, at: SimTime, window_s: u64| PodMetric {
            pod: id,
            value_milli: 1,
            timestamp: at,
            window: SimDuration::from_secs(window_s),
        };
        let run = |pods: &[PodInfo], metrics: &[PodMetric], cpu: bool| {
            let by_pod = index_metrics(metrics);
            let g = calc().group_pods(pods, &by_pod, cpu, NOW);
            (
                g.ready,
                g.unready.into_iter().collect::<Vec<_>>(),
                g.missing.into_iter().collect::<Vec<_>>(),
                g.ignored.into_iter().collect::<Vec<_>>(),
            )
        };
        let none: Vec<u32> = vec![];
        use PodPhase::*;

        // "void"
        assert_eq!(
            run(&[], &[], true),
            (0, none.clone(), none.clone(), none.clone())
        );
        // "count in a ready pod - memory": a Succeeded pod without conditions counts.
        assert_eq!(
            run(
                &[pod(1, Succeeded, None, None)],
                &[sample(1, NOW, 60)],
                false
            ),
            (1, none.clone(), none.clone(), none.clone())
        );
        // "unready a pod without ready condition - CPU"
        assert_eq!(
            run(
                &[pod(1, Succeeded, Some(NOW), None)],
                &[sample(1, SimTime::ZERO, 0)],
                true
            ),
            (0, vec![1], none.clone(), none.clone())
        );
        // "count in a ready pod with fresh metrics during initialization period - CPU":
        // started 1 m ago, ready 30 s ago, sample now with a 30 s window: now ≥ −30 s + 30 s.
        assert_eq!(
            run(
                &[pod(1, Succeeded, Some(ago(60)), Some((true, ago(30))))],
                &[sample(1, NOW, 30)],
                true
            ),
            (1, none.clone(), none.clone(), none.clone())
        );
        // "unready a ready pod without fresh metrics during initialization period - CPU":
        // the same with a 60 s window: now < −30 s + 60 s.
        assert_eq!(
            run(
                &[pod(1, Succeeded, Some(ago(60)), Some((true, ago(30))))],
                &[sample(1, NOW, 60)],
                true
            ),
            (0, vec![1], none.clone(), none.clone())
        );
        // "unready an unready pod during initialization period - CPU": started 10 m ago (past
        // the 2 m period), not ready since 9 m 54 s ago: start + 10 s is after that → never
        // became ready → unready.
        assert_eq!(
            run(
                &[pod(1, Succeeded, Some(ago(600)), Some((false, ago(594))))],
                &[sample(1, SimTime::ZERO, 0)],
                true
            ),
            (0, vec![1], none.clone(), none.clone())
        );
        // "count in a ready pod without fresh metrics after initialization period - CPU"
        assert_eq!(
            run(
                &[pod(1, Succeeded, Some(ago(180)), Some((true, ago(180))))],
                &[sample(1, ago(120), 60)],
                true
            ),
            (1, none.clone(), none.clone(), none.clone())
        );
        // "count in an unready pod that was ready after initialization period - CPU": not ready
        // since 9 m ago, i.e. it went unready 60 s after start → it had been ready → counts.
        assert_eq!(
            run(
                &[pod(1, Succeeded, Some(ago(600)), Some((false, ago(540))))],
                &[sample(1, SimTime::ZERO, 0)],
                true
            ),
            (1, none.clone(), none.clone(), none.clone())
        );
        // "unready pod that has never been ready after initialization period - CPU": the last
        // transition is exactly start + 10 s; "after" is strict, so it counts.
        assert_eq!(
            run(
                &[pod(1, Succeeded, Some(ago(600)), Some((false, ago(590))))],
                &[sample(1, SimTime::ZERO, 0)],
                true
            ),
            (1, none.clone(), none.clone(), none.clone())
        );
        // "a missing pod"
        assert_eq!(
            run(&[pod(1, Succeeded, Some(ago(180)), None)], &[], true),
            (0, none.clone(), vec![1], none.clone())
        );
        // "several pods"
        assert_eq!(
            run(
                &[
                    pod(1, Succeeded, Some(NOW), None),
                    pod(2, Succeeded, Some(ago(180)), Some((true, ago(180)))),
                    pod(3, Succeeded, Some(ago(180)), None),
                ],
                &[sample(1, SimTime::ZERO, 0), sample(2, SimTime::ZERO, 0)],
                true
            ),
            (1, vec![1], vec![3], none.clone())
        );
        // "pending pods are unreadied"
        assert_eq!(
            run(&[pod(1, Pending, None, None)], &[], true),
            (0, vec![1], none.clone(), none.clone())
        );
        // "ignore pods with deletion timestamps"
        let mut deleted = pod(1, Pending, None, None);
        deleted.deleting = true;
        assert_eq!(
            run(&[deleted], &[sample(1, SimTime::ZERO, 0)], true),
            (0, none.clone(), none.clone(), vec![1])
        );
        // "ignore pods in a failed state"
        assert_eq!(
            run(
                &[pod(1, Failed, None, None)],
                &[sample(1, SimTime::ZERO, 0)],
                true
            ),
            (0, none.clone(), none.clone(), vec![1])
        );
    }

    // ---- Pods metrics -----------------------------------------------------------------------

    #[test]
    fn replica_calc_scale_up_cm() {
        // upstream: TestReplicaCalcScaleUpCM (replica_calculator_test.go)
        // qps 20/10/30 against 15: average 20 → 1.333; ceil(1.333 × 3) = 4.
        let case = Case {
            current: 3,
            levels: vec![20_000, 10_000, 30_000],
            ..Case::default()
        };
        let p = case.pods_metric(15_000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (4, 20_000));
        assert_eq!(p.utilization, None);
    }

    #[test]
    fn replica_calc_scale_up_cm_unready_hot_cpu_no_less_scale() {
        // upstream: TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale (replica_calculator_test.go)
        // Readiness is a CPU-only rule: all 3 count. 90000/3 = 30000 → 2; ceil(2 × 3) = 6.
        let case = Case {
            current: 3,
            readiness: vec![true, true, false],
            start: vec![cool(), cool(), hot()],
            levels: vec![50_000, 10_000, 30_000],
            ..Case::default()
        };
        let p = case.pods_metric(15_000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (6, 30_000));
    }

    #[test]
    fn replica_calc_scale_up_cm_unready_hot_cpu_scale_would_scale_down() {
        // upstream: TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown
        // (replica_calculator_test.go)
        // 95000/3 = 31666 (integer) → 2.111; ceil(2.111 × 3) = ceil(6.33) = 7.
        let case = Case {
            current: 3,
            readiness: vec![false, true, false],
            start: vec![hot(), cool(), hot()],
            levels: vec![50_000, 15_000, 30_000],
            ..Case::default()
        };
        let p = case.pods_metric(15_000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (7, 31_666));
    }

    #[test]
    fn replica_calc_scale_up_cm_external_as_pods_metric() {
        // upstream: TestReplicaCalcScaleUpCMExternal (replica_calculator_test.go; its case runs
        // the Pods-metric path): 1 pod at 8.6 against 4.4: 1.95; ceil(1.95 × 1) = 2.
        let case = Case {
            current: 1,
            levels: vec![8600],
            ..Case::default()
        };
        let p = case.pods_metric(4400).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (2, 8600));
    }

    #[test]
    fn replica_calc_scale_down_cm() {
        // upstream: TestReplicaCalcScaleDownCM (replica_calculator_test.go)
        // 12 each against 20: 0.6; ceil(0.6 × 5) = 3.
        let case = Case {
            current: 5,
            levels: vec![12_000; 5],
            ..Case::default()
        };
        let p = case.pods_metric(20_000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (3, 12_000));
    }

    #[test]
    fn replica_calc_tolerance_cm() {
        // upstream: TestReplicaCalcToleranceCM (replica_calculator_test.go)
        // 62000/3 = 20666 → 1.033, within → 3.
        let case = Case {
            current: 3,
            levels: vec![20_000, 21_000, 21_000],
            ..Case::default()
        };
        let p = case.pods_metric(20_000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (3, 20_666));
    }

    #[test]
    fn plain_metric_replica_calc_missing_metrics_no_change_eq() {
        // upstream: TestPlainMetricReplicaCalcMissingMetricsNoChangeEq (replica_calculator_test.go)
        // 5 pods, 3 samples averaging exactly 20 = target: ratio 1, nothing imputed → 5.
        let case = Case {
            current: 5,
            levels: vec![20_000, 19_000, 21_000],
            ..Case::default()
        };
        let p = case.pods_metric(20_000).unwrap();
        assert_eq!(
            (p.replicas, p.raw_value_milli, p.missing_pods),
            (5, 20_000, 2)
        );
    }

    #[test]
    fn replica_calc_during_rolling_update_with_max_surge_cm() {
        // upstream: TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM (replica_calculator_test.go)
        // 3 pods, 2 samples of 10 against 17: 0.588; pod 2 at the target: 37000/3 = 12333 →
        // 0.725; ceil(0.725 × 3) = 3 > 2 against a scale-down → 2.
        let case = Case {
            current: 2,
            phase: vec![PodPhase::Running; 3],
            levels: vec![10_000, 10_000],
            ..Case::default()
        };
        let p = case.pods_metric(17_000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (2, 10_000));
    }

    #[test]
    fn pods_metric_empty_is_an_error() {
        // upstream: metrics_client.go GetRawMetric, "no metrics returned from custom metrics API".
        let case = Case {
            current: 2,
            ..Case::default()
        };
        assert_eq!(
            case.pods_metric(10).unwrap_err(),
            CalcError::NoCustomMetrics
        );
    }

    #[test]
    fn resource_average_value_uses_plain_algorithm() {
        // upstream: GetRawResourceReplicas → calcPlainMetricReplicas (no test of its own).
        // 3 pods using 2×300/2×500/2×700 m against an average of 600 m: 1000/600 = 1.667;
        // ceil(1.667 × 3) = 5. No requests are needed on this path.
        let mut case = Case {
            current: 3,
            levels: vec![300, 500, 700],
            ..Case::default()
        };
        case.requests = vec![];
        let p = calc()
            .resource_average_value(
                3,
                600,
                ResourceName::Cpu,
                &case.pods(),
                &case.metrics(),
                NOW,
            )
            .unwrap();
        assert_eq!(
            (p.replicas, p.raw_value_milli, p.utilization),
            (5, 1000, None)
        );
    }

    // ---- Object and External metrics --------------------------------------------------------

    fn ready_pods(readiness: &[bool]) -> Vec<PodInfo> {
        Case {
            current: readiness.len() as u32,
            readiness: readiness.to_vec(),
            ..Case::default()
        }
        .pods()
    }

    #[test]
    fn replica_calc_scale_up_cm_object() {
        // upstream: TestReplicaCalcScaleUpCMObject (replica_calculator_test.go)
        // 20 against 15: 1.333 × 3 ready → ceil(4) = 4.
        let p = calc()
            .object_value(3, 20_000, 15_000, &ready_pods(&[true; 3]))
            .unwrap();
        assert_eq!(
            (p.replicas, p.raw_value_milli, p.timestamp),
            (4, 20_000, None)
        );
    }

    #[test]
    fn replica_calc_scale_up_cm_object_ignores_unready_pods() {
        // upstream: TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods (replica_calculator_test.go)
        // 50 against 10: 5 × 1 ready pod = 5 (15 if the unready counted).
        let p = calc()
            .object_value(3, 50_000, 10_000, &ready_pods(&[false, true, false]))
            .unwrap();
        assert_eq!((p.replicas, p.ready_pods), (5, 1));
    }

    #[test]
    fn replica_calc_scale_down_cm_object() {
        // upstream: TestReplicaCalcScaleDownCMObject (replica_calculator_test.go)
        // 12 against 20: 0.6 × 5 = 3.
        let p = calc()
            .object_value(5, 12_000, 20_000, &ready_pods(&[true; 5]))
            .unwrap();
        assert_eq!(p.replicas, 3);
    }

    #[test]
    fn replica_calc_tolerance_cm_object() {
        // upstream: TestReplicaCalcToleranceCMObject (replica_calculator_test.go)
        // 20.666/20 = 1.033, within → 3.
        let p = calc()
            .object_value(3, 20_666, 20_000, &ready_pods(&[true; 3]))
            .unwrap();
        assert_eq!(p.replicas, 3);
    }

    #[test]
    fn object_value_from_zero_replicas() {
        // upstream: getUsageRatioReplicaCount's currentReplicas == 0 branch (scale from zero):
        // no tolerance, no pods needed: ceil(25/10) = 3; ceil(1.05) = 2; ceil(0) = 0.
        assert_eq!(
            calc()
                .object_value(0, 25_000, 10_000, &[])
                .unwrap()
                .replicas,
            3
        );
        assert_eq!(
            calc()
                .object_value(0, 10_500, 10_000, &[])
                .unwrap()
                .replicas,
            2
        );
        assert_eq!(calc().object_value(0, 0, 10_000, &[]).unwrap().replicas, 0);
        // With current > 0 and no pods: getReadyPodsCount's error.
        assert_eq!(
            calc().object_value(2, 25_000, 10_000, &[]).unwrap_err(),
            CalcError::NoPodsForReadyCount
        );
    }

    #[test]
    fn replica_calc_scale_up_cm_per_pod_object() {
        // upstream: TestReplicaCalcScaleUpCMPerPodObject (replica_calculator_test.go)
        // 20 against 5 per pod × 3: 1.333 → ceil(20/5) = 4; reported ceil(20000/3) = 6667.
        let p = calc().object_average_value(3, 20_000, 5000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (4, 6667));
    }

    #[test]
    fn replica_calc_scale_down_per_pod_cm_object() {
        // upstream: TestReplicaCalcScaleDownPerPodCMObject (replica_calculator_test.go)
        // 6 against 2 × 5 = 0.6 → ceil(6/2) = 3; 6000/5 = 1200.
        let p = calc().object_average_value(5, 6000, 2000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (3, 1200));
    }

    #[test]
    fn replica_calc_tolerance_per_pod_cm_object() {
        // upstream: TestReplicaCalcTolerancePerPodCMObject (replica_calculator_test.go)
        // 20.166 against 5 × 4: 1.008, within → 4; ceil(20166/4) = ceil(5041.5) = 5042.
        let p = calc().object_average_value(4, 20_166, 5000).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (4, 5042));
    }

    #[test]
    fn replica_calc_scale_up_cm_external_ignores_unready_pods() {
        // upstream: TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods (replica_calculator_test.go)
        // 8.6 against 4.4: 1.955 × 1 ready pod → 2 (6 if the unready counted).
        let p = calc()
            .external_value(3, 8600, 4400, &ready_pods(&[false, true, false]))
            .unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (2, 8600));
    }

    #[test]
    fn replica_calc_scale_down_cm_external() {
        // upstream: TestReplicaCalcScaleDownCMExternal (replica_calculator_test.go)
        // 8600/14334 = 0.59997; × 5 = 2.9999 → 3.
        let p = calc()
            .external_value(5, 8600, 14_334, &ready_pods(&[true; 5]))
            .unwrap();
        assert_eq!(p.replicas, 3);
    }

    #[test]
    fn replica_calc_tolerance_cm_external() {
        // upstream: TestReplicaCalcToleranceCMExternal (replica_calculator_test.go)
        // 8600/8888 = 0.968, within → 3.
        let p = calc()
            .external_value(3, 8600, 8888, &ready_pods(&[true; 3]))
            .unwrap();
        assert_eq!(p.replicas, 3);
    }

    #[test]
    fn replica_calc_scale_up_per_pod_cm_external() {
        // upstream: TestReplicaCalcScaleUpPerPodCMExternal (replica_calculator_test.go)
        // 8.6 against 2.15 × 3: 1.333 → ceil(8.6/2.15) = 4; ceil(8600/3) = 2867.
        let p = calc().external_average_value(3, 8600, 2150).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (4, 2867));
    }

    #[test]
    fn replica_calc_scale_down_per_pod_cm_external() {
        // upstream: TestReplicaCalcScaleDownPerPodCMExternal (replica_calculator_test.go)
        // 8600/(2867 × 5) = 0.5999 → ceil(8600/2867) = ceil(2.9996) = 3; 8600/5 = 1720.
        let p = calc().external_average_value(5, 8600, 2867).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (3, 1720));
    }

    #[test]
    fn replica_calc_tolerance_per_pod_cm_external() {
        // upstream: TestReplicaCalcTolerancePerPodCMExternal (replica_calculator_test.go)
        // 8600/(2900 × 3) = 0.9885, within → 3; 2867.
        let p = calc().external_average_value(3, 8600, 2900).unwrap();
        assert_eq!((p.replicas, p.raw_value_milli), (3, 2867));
    }

    #[test]
    fn tolerance_edges_follow_is_within() {
        // upstream: Tolerances.isWithin (replica_calculator.go): 1 − 0.1 ≤ r ≤ 1 + 0.1.
        // Exactly 1.1 is within (an |1 − r| test would say 0.10000000000000009 > 0.1).
        let c = calc();
        assert!(c.within_tolerance(1.1));
        assert!(c.within_tolerance(0.9));
        assert!(!c.within_tolerance(1.1000000000000003));
        assert!(!c.within_tolerance(0.8999999999999999));
        // Object 11 against 10 with 3 ready pods: ratio 1.1 → no change.
        assert_eq!(
            c.object_value(3, 11_000, 10_000, &ready_pods(&[true; 3]))
                .unwrap()
                .replicas,
            3
        );
    }

    #[test]
    fn calculator_takes_controller_flags() {
        let c = Calculator::new(&ControllerSettings::default());
        assert_eq!(c.tolerance, 0.1);
        assert_eq!(c.cpu_initialization_period, SimDuration::from_mins(5));
        assert_eq!(c.delay_of_initial_readiness, SimDuration::from_secs(30));
    }
}
