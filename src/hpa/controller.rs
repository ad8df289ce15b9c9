//! Per-HPA controller state and one sync: from the target's current replica count and one
//! proposal per metric to the replica count the controller writes, with the HPA's conditions.
//!
//! Models kube-controller-manager's `pkg/controller/podautoscaler/horizontal.go` (upstream
//! master, autoscaling/v2), `reconcileAutoscaler` from `currentReplicas` on:
//! `recordInitialRecommendation`; the disabled (`spec.replicas == 0`) and out-of-range
//! (`> maxReplicas`, `< minReplicas`) short cuts; `computeReplicasForMetrics` (the largest valid
//! proposal; no scaling when every metric failed, or when some failed and the rest ask for fewer
//! replicas); the legacy `normalizeDesiredReplicas` (downscale stabilization, then
//! `[min, min(max, max(2 × current, 4))]`) when `behavior` is absent, else
//! `normalizeDesiredReplicasWithBehaviors` (up/down stabilization windows, then the per-period
//! rate policies); `storeScaleEvent`; `lastScaleTime`.
//!
//! Time comparisons mirror Go's `time.Before`/`After`: strict, so a recommendation or scale event
//! exactly one window (or period) old no longer counts. Instants are compared as signed
//! milliseconds so a window longer than the elapsed time reaches before the start.
//!
//! Not modelled: reading and writing the scale subresource (it never fails here), selector
//! validation, events and the status write.

use super::replicas::{CalcError, Proposal, resource_str};
use super::{
    Behavior, ControllerSettings, HpaSpec, MetricSpec, PolicyType, ScalingRules, SelectPolicy,
    Target,
};
use crate::engine::{SimDuration, SimTime};

/// A metric proposal the controller remembers for stabilization (`timestampedRecommendation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recommendation {
    pub replicas: u32,
    pub at: SimTime,
}

/// A replica change the controller made (`timestampedScaleEvent`), for the rate policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleEvent {
    /// Absolute size of the change.
    pub change: u32,
    pub at: SimTime,
    /// Older than the longest policy period when last checked: its slot may be reused.
    pub outdated: bool,
}

/// One HPA status condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub status: bool,
    pub reason: &'static str,
    /// Upstream's message; most are constant text, which is not copied on every sync.
    pub message: std::borrow::Cow<'static, str>,
}

impl Condition {
    fn new(
        status: bool,
        reason: &'static str,
        message: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        Condition {
            status,
            reason,
            message: message.into(),
        }
    }
}

/// What the controller remembers between syncs of one HPA. A fresh state is a controller that
/// has just started: its first sync records the current count as a recommendation, so for one
/// downscale-stabilization window it will not scale below it.
#[derive(Debug, Clone, Default)]
pub struct HpaState {
    recommendations: Vec<Recommendation>,
    /// Upstream tests `recommendations[key] == nil`; once created the list is never emptied.
    initial_recorded: bool,
    scale_up_events: Vec<ScaleEvent>,
    scale_down_events: Vec<ScaleEvent>,
    last_scale_time: Option<SimTime>,
    able_to_scale: Option<Condition>,
    scaling_active: Option<Condition>,
    scaling_limited: Option<Condition>,
}

/// The outcome of one sync.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// `scale.spec.replicas` at the sync.
    pub current: u32,
    /// The largest valid metric proposal, when metrics were consulted and usable.
    pub metric_proposal: Option<u32>,
    /// Index in `spec.metrics` of the metric that gave it.
    pub metric_index: Option<usize>,
    /// Upstream's description of that metric (`cpu resource utilization (percentage of request)`).
    pub metric_name: Option<String>,
    /// `invalid metrics (k invalid out of n), first error is: ...` when some metric failed.
    pub metric_error: Option<String>,
    /// The proposal after the stabilization window, when normalization ran.
    pub stabilized: Option<u32>,
    /// The replica count the target ends with (= `current` when nothing changes).
    pub desired: u32,
    pub rescale: bool,
    /// Upstream's rescale reason (`cpu resource utilization (percentage of request) above target`,
    /// `All metrics below target`, `Current number of replicas above Spec.MaxReplicas`, ...).
    pub rescale_reason: String,
    /// The ScalingLimited condition set by this sync's normalization (None when it did not run).
    pub limit: Option<Condition>,
    /// The HPA's conditions after the sync; a condition this sync did not touch keeps its value.
    pub able_to_scale: Condition,
    pub scaling_active: Option<Condition>,
    pub scaling_limited: Option<Condition>,
}

/// The outcome of `computeReplicasForMetrics` when it lets the controller go on.
struct Chosen {
    replicas: u32,
    index: Option<usize>,
    name: String,
    error: Option<String>,
}

const MSG_READY_FOR_NEW_SCALE: &str = "recommended size matches current size";
const MSG_WITHIN_RANGE: &str = "the desired count is within the acceptable range";
const MSG_TOO_MANY: &str = "the desired replica count is more than the maximum replica count";
const MSG_TOO_FEW: &str = "the desired replica count is less than the minimum replica count";
const MSG_UP_LIMIT: &str =
    "the desired replica count is increasing faster than the maximum scale rate";
const MSG_DOWN_LIMIT: &str =
    "the desired replica count is decreasing faster than the maximum scale rate";
const MSG_DOWN_STABILIZED: &str = "recent recommendations were higher than current one, applying the highest recent recommendation";
const MSG_UP_STABILIZED: &str =
    "recent recommendations were lower than current one, applying the lowest recent recommendation";

/// Legacy path: `scaleUpLimitFactor` and `scaleUpLimitMinimum`.
const SCALE_UP_LIMIT_FACTOR: f64 = 2.0;
const SCALE_UP_LIMIT_MINIMUM: f64 = 4.0;

impl HpaState {
    pub fn new() -> Self {
        Self::default()
    }

    /// A state whose recommendation list already exists (possibly empty), as a controller that
    /// has been watching the HPA for a while: no initial recommendation is added.
    pub fn with_recommendations(recommendations: Vec<Recommendation>) -> Self {
        HpaState {
            recommendations,
            initial_recorded: true,
            ..Self::default()
        }
    }

    pub fn recommendations(&self) -> &[Recommendation] {
        &self.recommendations
    }

    pub fn scale_up_events(&self) -> &[ScaleEvent] {
        &self.scale_up_events
    }

    pub fn scale_down_events(&self) -> &[ScaleEvent] {
        &self.scale_down_events
    }

    pub fn last_scale_time(&self) -> Option<SimTime> {
        self.last_scale_time
    }

    pub fn able_to_scale(&self) -> Option<&Condition> {
        self.able_to_scale.as_ref()
    }

    pub fn scaling_active(&self) -> Option<&Condition> {
        self.scaling_active.as_ref()
    }

    pub fn scaling_limited(&self) -> Option<&Condition> {
        self.scaling_limited.as_ref()
    }

    /// One sync (`reconcileAutoscaler` from `currentReplicas` on). `proposals` holds one entry
    /// per `spec.metrics` entry, in the same order.
    pub fn reconcile(
        &mut self,
        spec: &HpaSpec,
        settings: &ControllerSettings,
        current: u32,
        proposals: &[Result<Proposal, CalcError>],
        now: SimTime,
    ) -> Decision {
        self.able_to_scale = Some(Condition::new(
            true,
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        ));
        self.record_initial_recommendation(current, now);

        let mut decision = Decision {
            current,
            metric_proposal: None,
            metric_index: None,
            metric_name: None,
            metric_error: None,
            stabilized: None,
            desired: current,
            rescale: false,
            rescale_reason: String::new(),
            limit: None,
            able_to_scale: Condition::new(true, "", ""),
            scaling_active: None,
            scaling_limited: None,
        };

        let desired;
        if current == 0 && spec.min_replicas != 0 {
            // Someone scaled the target to zero by hand: autoscaling is off until they undo it.
            self.scaling_active = Some(Condition::new(
                false,
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
            ));
            desired = 0;
        } else if current > spec.max_replicas {
            decision.rescale_reason = "Current number of replicas above Spec.MaxReplicas".into();
            desired = spec.max_replicas;
        } else if current < spec.min_replicas {
            decision.rescale_reason = "Current number of replicas below Spec.MinReplicas".into();
            desired = spec.min_replicas;
        } else {
            let chosen = match self.compute_replicas_for_metrics(spec, current, proposals) {
                Ok(chosen) => chosen,
                Err(error) => {
                    decision.metric_error = Some(error);
                    return self.finish(decision);
                }
            };
            decision.metric_proposal = Some(chosen.replicas);
            decision.metric_index = chosen.index;
            decision.metric_name = Some(chosen.name.clone());
            decision.metric_error = chosen.error;

            let mut prenormalized = 0;
            let mut rescale_metric = String::new();
            if chosen.replicas > prenormalized {
                prenormalized = chosen.replicas;
                rescale_metric = chosen.name;
            }
            if prenormalized > current {
                decision.rescale_reason = format!("{rescale_metric} above target");
            }
            if prenormalized < current {
                decision.rescale_reason = "All metrics below target".into();
            }
            let (stabilized, normalized, limit) = match &spec.behavior {
                None => {
                    self.normalize_desired_replicas(spec, settings, current, prenormalized, now)
                }
                Some(behavior) => self.normalize_desired_replicas_with_behaviors(
                    spec,
                    behavior,
                    current,
                    prenormalized,
                    now,
                ),
            };
            decision.stabilized = Some(stabilized);
            decision.limit = Some(limit);
            desired = normalized;
        }

        if desired != current {
            self.able_to_scale = Some(Condition::new(
                true,
                "SucceededRescale",
                format!("the HPA controller was able to update the target scale to {desired}"),
            ));
            self.store_scale_event(spec.behavior.as_ref(), current, desired, now);
            self.last_scale_time = Some(now);
            decision.desired = desired;
            decision.rescale = true;
        }
        self.finish(decision)
    }

    fn finish(&self, mut decision: Decision) -> Decision {
        decision.able_to_scale = self
            .able_to_scale
            .clone()
            .unwrap_or_else(|| Condition::new(true, "", ""));
        decision.scaling_active = self.scaling_active.clone();
        decision.scaling_limited = self.scaling_limited.clone();
        decision
    }

    /// `recordInitialRecommendation`: the first sync after a controller start remembers the
    /// current count, which then holds off scale-downs for one stabilization window.
    fn record_initial_recommendation(&mut self, current: u32, now: SimTime) {
        if !self.initial_recorded {
            self.recommendations.push(Recommendation {
                replicas: current,
                at: now,
            });
            self.initial_recorded = true;
        }
    }

    /// `computeReplicasForMetrics`: the largest proposal of the valid metrics. It gives up (no
    /// scaling, ScalingActive False from the first failing metric) when every metric failed, or
    /// when some failed and the valid ones ask for fewer replicas than `current`: a scale-down
    /// needs every metric to agree.
    fn compute_replicas_for_metrics(
        &mut self,
        spec: &HpaSpec,
        current: u32,
        proposals: &[Result<Proposal, CalcError>],
    ) -> Result<Chosen, String> {
        let mut replicas = 0u32;
        let mut index = None;
        let mut invalid = 0usize;
        let mut first_failure = None;
        for (i, proposal) in proposals.iter().enumerate() {
            match proposal {
                Err(err) => {
                    if invalid == 0 {
                        first_failure = Some(metric_failure(spec.metrics.get(i), err));
                    }
                    invalid += 1;
                }
                // Upstream starts from 0 and also replaces a 0, so a later 0 wins over an
                // earlier 0; only the index it reports can differ.
                Ok(p) => {
                    if replicas == 0 || p.replicas > replicas {
                        replicas = p.replicas;
                        index = Some(i);
                    }
                }
            }
        }
        let error = first_failure.as_ref().map(|(_, _, err)| {
            format!(
                "invalid metrics ({invalid} invalid out of {}), first error is: {err}",
                proposals.len()
            )
        });
        if invalid >= proposals.len() || (invalid > 0 && replicas < current) {
            if let Some((reason, message, _)) = first_failure {
                self.scaling_active = Some(Condition::new(false, reason, message));
            }
            return Err(
                error.unwrap_or_else(|| "no metrics to compute a replica count from".into())
            );
        }
        let name = index
            .and_then(|i| spec.metrics.get(i))
            .map(metric_name)
            .unwrap_or_default();
        self.scaling_active = Some(Condition::new(
            true,
            "ValidMetricFound",
            format!("the HPA was able to successfully calculate a replica count from {name}"),
        ));
        Ok(Chosen {
            replicas,
            index,
            name,
            error,
        })
    }

    /// `normalizeDesiredReplicas` (no `behavior`): stabilize, then clamp to
    /// `[min, min(max, max(2 × current, 4))]`. Returns (stabilized, desired, ScalingLimited).
    fn normalize_desired_replicas(
        &mut self,
        spec: &HpaSpec,
        settings: &ControllerSettings,
        current: u32,
        prenormalized: u32,
        now: SimTime,
    ) -> (u32, u32, Condition) {
        let stabilized =
            self.stabilize_recommendation(prenormalized, settings.downscale_stabilization, now);
        self.able_to_scale = Some(if stabilized != prenormalized {
            Condition::new(true, "ScaleDownStabilized", MSG_DOWN_STABILIZED)
        } else {
            Condition::new(true, "ReadyForNewScale", MSG_READY_FOR_NEW_SCALE)
        });
        let (desired, reason, message) = convert_desired_replicas_with_rules(
            current,
            stabilized,
            spec.min_replicas,
            spec.max_replicas,
        );
        let limit = Condition::new(desired != stabilized, reason, message);
        self.scaling_limited = Some(limit.clone());
        (stabilized, desired, limit)
    }

    /// `stabilizeRecommendation`: the largest of this proposal and every recommendation not
    /// older than the window. The new proposal takes the slot of an expired one (the last one
    /// found) or is appended.
    fn stabilize_recommendation(
        &mut self,
        prenormalized: u32,
        window: SimDuration,
        now: SimTime,
    ) -> u32 {
        let cutoff = cutoff(now, window);
        let mut max_recommendation = prenormalized;
        let mut old = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            if ms(rec.at) < cutoff {
                old = Some(i);
            } else if rec.replicas > max_recommendation {
                max_recommendation = rec.replicas;
            }
        }
        self.store_recommendation(old, prenormalized, now);
        max_recommendation
    }

    fn store_recommendation(&mut self, old: Option<usize>, replicas: u32, now: SimTime) {
        let rec = Recommendation { replicas, at: now };
        match old {
            Some(i) => self.recommendations[i] = rec,
            None => self.recommendations.push(rec),
        }
    }

    /// `normalizeDesiredReplicasWithBehaviors`: stabilize with both windows, then apply the rate
    /// policies and min/max. Returns (stabilized, desired, ScalingLimited).
    fn normalize_desired_replicas_with_behaviors(
        &mut self,
        spec: &HpaSpec,
        behavior: &Behavior,
        current: u32,
        prenormalized: u32,
        now: SimTime,
    ) -> (u32, u32, Condition) {
        let (stabilized, reason, message) = self.stabilize_recommendation_with_behaviors(
            behavior.scale_up.stabilization_window,
            behavior.scale_down.stabilization_window,
            current,
            prenormalized,
            now,
        );
        self.able_to_scale = Some(if stabilized != prenormalized {
            Condition::new(true, reason, message)
        } else {
            Condition::new(true, "ReadyForNewScale", MSG_READY_FOR_NEW_SCALE)
        });
        let (desired, reason, message) = self.convert_desired_replicas_with_behavior_rate(
            behavior,
            spec.min_replicas,
            spec.max_replicas,
            current,
            stabilized,
            now,
        );
        let limit = Condition::new(desired != stabilized, reason, message);
        self.scaling_limited = Some(limit.clone());
        (stabilized, desired, limit)
    }

    /// `stabilizeRecommendationWithBehaviors`: the lowest recommendation inside the scale-up
    /// window and the highest inside the scale-down window (each including this proposal)
    /// bound the result, which starts from `current`. So a scale-up goes only as far as every
    /// recent proposal agrees, and a scale-down likewise. The proposal is stored in the slot of
    /// a recommendation older than both windows (the last one found) or appended.
    fn stabilize_recommendation_with_behaviors(
        &mut self,
        up_window: SimDuration,
        down_window: SimDuration,
        current: u32,
        desired: u32,
        now: SimTime,
    ) -> (u32, &'static str, &'static str) {
        let up_cutoff = cutoff(now, up_window);
        let down_cutoff = cutoff(now, down_window);
        let mut up_recommendation = desired;
        let mut down_recommendation = desired;
        let mut old = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            let at = ms(rec.at);
            if at > up_cutoff {
                up_recommendation = up_recommendation.min(rec.replicas);
            }
            if at > down_cutoff {
                down_recommendation = down_recommendation.max(rec.replicas);
            }
            if at < up_cutoff && at < down_cutoff {
                old = Some(i);
            }
        }
        let mut recommendation = current;
        if recommendation < up_recommendation {
            recommendation = up_recommendation;
        }
        if recommendation > down_recommendation {
            recommendation = down_recommendation;
        }
        self.store_recommendation(old, desired, now);
        if desired >= current {
            (recommendation, "ScaleUpStabilized", MSG_UP_STABILIZED)
        } else {
            (recommendation, "ScaleDownStabilized", MSG_DOWN_STABILIZED)
        }
    }

    /// `convertDesiredReplicasWithBehaviorRate`: cap a scale-up at the rate limit (never below
    /// `current`) and `maxReplicas`; floor a scale-down at the rate limit (never above
    /// `current`) and `minReplicas`.
    fn convert_desired_replicas_with_behavior_rate(
        &self,
        behavior: &Behavior,
        min_replicas: u32,
        max_replicas: u32,
        current: u32,
        desired: u32,
        now: SimTime,
    ) -> (u32, &'static str, &'static str) {
        let desired_i = i64::from(desired);
        if desired > current {
            let limit = calculate_scale_up_limit_with_scaling_rules(
                current,
                &self.scale_up_events,
                &self.scale_down_events,
                &behavior.scale_up,
                now,
            )
            .max(i64::from(current));
            let (maximum, reason, message) = if i64::from(max_replicas) > limit {
                (limit, "ScaleUpLimit", MSG_UP_LIMIT)
            } else {
                (i64::from(max_replicas), "TooManyReplicas", MSG_TOO_MANY)
            };
            if desired_i > maximum {
                return (to_u32(maximum), reason, message);
            }
        } else if desired < current {
            let limit = calculate_scale_down_limit_with_behaviors(
                current,
                &self.scale_up_events,
                &self.scale_down_events,
                &behavior.scale_down,
                now,
            )
            .min(i64::from(current));
            let (minimum, reason, message) = if i64::from(min_replicas) < limit {
                (limit, "ScaleDownLimit", MSG_DOWN_LIMIT)
            } else {
                (i64::from(min_replicas), "TooFewReplicas", MSG_TOO_FEW)
            };
            if desired_i < minimum {
                return (to_u32(minimum), reason, message);
            }
        }
        (desired, "DesiredWithinRange", MSG_WITHIN_RANGE)
    }

    /// `storeScaleEvent`: only with `behavior` (the legacy path never reads events). Events older
    /// than the direction's longest policy period are marked outdated; the new event takes the
    /// last outdated slot or is appended.
    fn store_scale_event(
        &mut self,
        behavior: Option<&Behavior>,
        previous: u32,
        new: u32,
        now: SimTime,
    ) {
        let Some(behavior) = behavior else {
            return;
        };
        let (events, rules, change) = if new > previous {
            (
                &mut self.scale_up_events,
                &behavior.scale_up,
                new - previous,
            )
        } else {
            (
                &mut self.scale_down_events,
                &behavior.scale_down,
                previous - new,
            )
        };
        let cutoff = cutoff(now, longest_policy_period(rules));
        for event in events.iter_mut() {
            if ms(event.at) < cutoff {
                event.outdated = true;
            }
        }
        let event = ScaleEvent {
            change,
            at: now,
            outdated: false,
        };
        match events.iter().rposition(|e| e.outdated) {
            Some(i) => events[i] = event,
            None => events.push(event),
        }
    }
}

/// `convertDesiredReplicasWithRules` (legacy path): the upper bound is
/// `min(max, max(2 × current, 4))`, the lower bound `min`.
pub fn convert_desired_replicas_with_rules(
    current: u32,
    desired: u32,
    min_replicas: u32,
    max_replicas: u32,
) -> (u32, &'static str, &'static str) {
    let scale_up_limit = calculate_scale_up_limit(current);
    let (maximum, reason, message) = if max_replicas > scale_up_limit {
        (scale_up_limit, "ScaleUpLimit", MSG_UP_LIMIT)
    } else {
        (max_replicas, "TooManyReplicas", MSG_TOO_MANY)
    };
    if desired < min_replicas {
        return (min_replicas, "TooFewReplicas", MSG_TOO_FEW);
    }
    if desired > maximum {
        return (maximum, reason, message);
    }
    (desired, "DesiredWithinRange", MSG_WITHIN_RANGE)
}

/// `calculateScaleUpLimit`: `max(2 × current, 4)`.
pub fn calculate_scale_up_limit(current: u32) -> u32 {
    (SCALE_UP_LIMIT_FACTOR * f64::from(current)).max(SCALE_UP_LIMIT_MINIMUM) as u32
}

/// `getReplicasChangePerPeriod`: the replicas changed by events strictly newer than
/// `now − period` (outdated marks do not matter here).
fn replicas_change_per_period(period: SimDuration, events: &[ScaleEvent], now: SimTime) -> i64 {
    let cutoff = cutoff(now, period);
    events
        .iter()
        .filter(|e| ms(e.at) > cutoff)
        .map(|e| i64::from(e.change))
        .sum()
}

/// `calculateScaleUpLimitWithScalingRules`: per policy, the count at the start of its period
/// (`current − added + removed` within it) plus `value` pods or `value` percent (rounded up);
/// `Max` takes the largest, `Min` the smallest, `Disabled` keeps `current`.
fn calculate_scale_up_limit_with_scaling_rules(
    current: u32,
    scale_up_events: &[ScaleEvent],
    scale_down_events: &[ScaleEvent],
    rules: &ScalingRules,
    now: SimTime,
) -> i64 {
    let (mut result, pick): (i64, fn(i64, i64) -> i64) = match rules.select_policy {
        SelectPolicy::Disabled => return i64::from(current),
        SelectPolicy::Min => (i64::from(i32::MAX), i64::min),
        SelectPolicy::Max => (i64::from(i32::MIN), i64::max),
    };
    for policy in &rules.policies {
        let added = replicas_change_per_period(policy.period, scale_up_events, now);
        let removed = replicas_change_per_period(policy.period, scale_down_events, now);
        let period_start = i64::from(current) - added + removed;
        let proposed = match policy.kind {
            PolicyType::Pods => period_start + i64::from(policy.value),
            // Rounded up so a small percentage of a small count still adds a pod.
            PolicyType::Percent => {
                (period_start as f64 * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i64
            }
        };
        result = pick(result, proposed);
    }
    result
}

/// `calculateScaleDownLimitWithBehaviors`: per policy, the count at the start of its period
/// minus `value` pods or `value` percent (truncated toward zero); `Max` (the largest change)
/// takes the smallest count, `Min` the largest, `Disabled` keeps `current`.
fn calculate_scale_down_limit_with_behaviors(
    current: u32,
    scale_up_events: &[ScaleEvent],
    scale_down_events: &[ScaleEvent],
    rules: &ScalingRules,
    now: SimTime,
) -> i64 {
    let (mut result, pick): (i64, fn(i64, i64) -> i64) = match rules.select_policy {
        SelectPolicy::Disabled => return i64::from(current),
        SelectPolicy::Min => (i64::from(i32::MIN), i64::max),
        SelectPolicy::Max => (i64::from(i32::MAX), i64::min),
    };
    for policy in &rules.policies {
        let added = replicas_change_per_period(policy.period, scale_up_events, now);
        let removed = replicas_change_per_period(policy.period, scale_down_events, now);
        let period_start = i64::from(current) - added + removed;
        let proposed = match policy.kind {
            PolicyType::Pods => period_start - i64::from(policy.value),
            PolicyType::Percent => {
                (period_start as f64 * (1.0 - f64::from(policy.value) / 100.0)) as i64
            }
        };
        result = pick(result, proposed);
    }
    result
}

/// `getLongestPolicyPeriod`.
fn longest_policy_period(rules: &ScalingRules) -> SimDuration {
    rules
        .policies
        .iter()
        .map(|p| p.period)
        .max()
        .unwrap_or(SimDuration::ZERO)
}

/// Upstream's description of a metric, as in the ValidMetricFound message and the rescale
/// reason. Object metrics name the described object's kind upstream; the spec has none, so
/// "Object". Object `averageValue` and External metrics print as upstream does
/// (`external metric <name>(<selector>)`), with no selector.
pub fn metric_name(metric: &MetricSpec) -> String {
    match metric {
        MetricSpec::Resource {
            name,
            target: Target::Utilization(_),
        } => format!(
            "{} resource utilization (percentage of request)",
            resource_str(*name)
        ),
        MetricSpec::Resource { name, .. } => format!("{} resource", resource_str(*name)),
        MetricSpec::Pods { name, .. } => format!("pods metric {name}"),
        MetricSpec::Object {
            name,
            target: Target::AverageValue(_),
        } => format!("external metric {name}(<nil>)"),
        MetricSpec::Object { name, .. } => format!("Object metric {name}"),
        MetricSpec::External { name, .. } => format!("external metric {name}(<nil>)"),
    }
}

/// The ScalingActive reason, its message and the error `computeReplicasForMetric` returns when
/// a metric fails, with upstream's wrapping per metric type.
fn metric_failure(metric: Option<&MetricSpec>, err: &CalcError) -> (&'static str, String, String) {
    let unable = |inner: &str| format!("the HPA was unable to compute the replica count: {inner}");
    match metric {
        Some(MetricSpec::Resource { name, target }) => {
            let what = match target {
                Target::Utilization(_) => "utilization",
                _ => "usage",
            };
            let res = resource_str(*name);
            let inner = format!("failed to get {res} {what}: {err}");
            (
                "FailedGetResourceMetric",
                unable(&inner),
                format!("failed to get {res} resource metric value: {inner}"),
            )
        }
        Some(MetricSpec::Pods { .. }) => (
            "FailedGetPodsMetric",
            unable(&err.to_string()),
            format!("failed to get pods metric value: {err}"),
        ),
        Some(MetricSpec::Object { name, target }) => {
            let returned = match target {
                Target::AverageValue(_) => format!("failed to get {name} object metric: {err}"),
                _ => err.to_string(),
            };
            (
                "FailedGetObjectMetric",
                unable(&err.to_string()),
                format!("failed to get object metric value: {returned}"),
            )
        }
        Some(MetricSpec::External { name, target }) => {
            let returned = match target {
                Target::AverageValue(_) => format!("failed to get {name} external metric: {err}"),
                _ => format!("failed to get external metric {name}: {err}"),
            };
            (
                "FailedGetExternalMetric",
                unable(&err.to_string()),
                format!("failed to get {name} external metric value: {returned}"),
            )
        }
        None => (
            "FailedGetResourceMetric",
            unable(&err.to_string()),
            err.to_string(),
        ),
    }
}

fn ms(t: SimTime) -> i64 {
    i64::try_from(t.as_ms()).unwrap_or(i64::MAX)
}

/// `now − window` as signed milliseconds: a window longer than the run reaches before zero.
fn cutoff(now: SimTime, window: SimDuration) -> i64 {
    ms(now).saturating_sub(i64::try_from(window.as_ms()).unwrap_or(i64::MAX))
}

fn to_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    //! Transcriptions of upstream `horizontal_test.go` (normalization and reconcile cases, with
    //! proposals in place of the fake metrics clients) plus worked examples. "now" is NOW;
    //! upstream's `time.Now().Add(-d)` is `ago(d)`.

    use super::*;
    use crate::hpa::ResourceName;
    use crate::hpa::ScalingPolicy;
    use crate::hpa::replicas::{Calculator, PodInfo, PodMetric, PodPhase, ReadyCondition};

    /// Ten hours in, so that "100 minutes ago" is still after the start.
    const NOW: SimTime = SimTime(36_000_000);

    fn ago(secs: u64) -> SimTime {
        SimTime(NOW.0 - secs * 1000)
    }

    fn later(ms: u64) -> SimTime {
        SimTime(NOW.0 + ms)
    }

    fn settings() -> ControllerSettings {
        ControllerSettings::default()
    }

    fn rec(replicas: u32, at: SimTime) -> Recommendation {
        Recommendation { replicas, at }
    }

    /// upstream `generateScalingRules(pods, podsPeriod, percent, percentPeriod, window)`:
    /// select policy Max, a Pods policy when `pods != 0`, a Percent policy when `percent != 0`.
    fn rules(
        pods: u32,
        pods_period: u64,
        percent: u32,
        percent_period: u64,
        window: u64,
    ) -> ScalingRules {
        let mut policies = vec![];
        if pods != 0 {
            policies.push(ScalingPolicy {
                kind: PolicyType::Pods,
                value: pods,
                period: SimDuration::from_secs(pods_period),
            });
        }
        if percent != 0 {
            policies.push(ScalingPolicy {
                kind: PolicyType::Percent,
                value: percent,
                period: SimDuration::from_secs(percent_period),
            });
        }
        ScalingRules {
            stabilization_window: SimDuration::from_secs(window),
            select_policy: SelectPolicy::Max,
            policies,
            tolerance: None,
        }
    }

    /// upstream `GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`: absent rules take the
    /// API defaults.
    fn behavior(up: Option<ScalingRules>, down: Option<ScalingRules>) -> Behavior {
        let defaults = Behavior::api_default(&settings());
        Behavior {
            scale_up: up.unwrap_or(defaults.scale_up),
            scale_down: down.unwrap_or(defaults.scale_down),
        }
    }

    /// upstream `generateEventsUniformDistribution`: the events spread over the last
    /// `period` seconds, each in the middle of its segment (e.g. 3 events over 120 s sit at
    /// 100 s, 60 s and 20 s ago).
    fn events_uniform(raw: &[u32], period: u64) -> Vec<ScaleEvent> {
        let segment = period as f64 / raw.len() as f64;
        raw.iter()
            .enumerate()
            .map(|(i, change)| {
                let secs = period as f64 - segment * (i + 1) as f64 + segment / 2.0;
                ScaleEvent {
                    change: *change,
                    at: ago(secs as u64),
                    outdated: false,
                }
            })
            .collect()
    }

    fn cpu_spec(min: u32, max: u32, target: i32, behavior: Option<Behavior>) -> HpaSpec {
        HpaSpec {
            min_replicas: min,
            max_replicas: max,
            metrics: vec![MetricSpec::Resource {
                name: ResourceName::Cpu,
                target: Target::Utilization(target),
            }],
            behavior,
        }
    }

    /// A CPU utilization proposal from upstream's controller-test pods: one per request,
    /// Running, Ready, started long ago, with the given usage (samples for the first
    /// `usage.len()` pods).
    fn cpu_proposal(
        current: u32,
        target: i32,
        requests: &[i64],
        usage: &[i64],
    ) -> Result<Proposal, CalcError> {
        let pods: Vec<PodInfo> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| PodInfo {
                id: i as u32,
                phase: PodPhase::Running,
                deleting: false,
                ready: Some(ReadyCondition {
                    ready: true,
                    last_transition: SimTime::ZERO,
                }),
                start_time: Some(SimTime::ZERO),
                cpu_request_milli: Some(*r),
                memory_request_milli: Some(*r),
            })
            .collect();
        let metrics: Vec<PodMetric> = usage
            .iter()
            .enumerate()
            .map(|(i, u)| PodMetric {
                pod: i as u32,
                value_milli: *u,
                timestamp: NOW,
                window: SimDuration::from_secs(60),
            })
            .collect();
        Calculator::new(&settings()).resource_utilization(
            current,
            target,
            ResourceName::Cpu,
            &pods,
            &metrics,
            NOW,
        )
    }

    /// A bare proposal of `replicas`, for cases about normalization only.
    fn proposal(replicas: u32) -> Result<Proposal, CalcError> {
        Ok(Proposal {
            replicas,
            ratio: 1.0,
            rebalanced_ratio: None,
            utilization: None,
            raw_value_milli: 0,
            timestamp: None,
            ready_pods: 0,
            unready_pods: 0,
            missing_pods: 0,
        })
    }

    fn failed() -> Result<Proposal, CalcError> {
        Err(CalcError::NoCustomMetrics)
    }

    // ---- Legacy stabilization and clamping --------------------------------------------------

    #[test]
    fn normalize_desired_replicas() {
        // upstream: TestNormalizeDesiredReplicas (horizontal_test.go); window 5 m.
        // (name, recommendations, proposal, stabilized, log length)
        let cases: Vec<(&str, Vec<Recommendation>, u32, u32, usize)> = vec![
            ("empty log", vec![], 5, 5, 1),
            // 4 and 5 are inside 5 m: max(3, 4, 5) = 5; 3 is appended.
            (
                "stabilize",
                vec![rec(4, ago(120)), rec(5, ago(60))],
                3,
                5,
                3,
            ),
            (
                "no stabilize",
                vec![rec(1, ago(120)), rec(2, ago(60))],
                3,
                3,
                3,
            ),
            // Both older than 5 m: ignored; 3 replaces the last expired one.
            (
                "no stabilize - old recommendations",
                vec![rec(10, ago(600)), rec(9, ago(540))],
                3,
                3,
                2,
            ),
            (
                "stabilize - old recommendations",
                vec![
                    rec(10, ago(600)),
                    rec(4, ago(60)),
                    rec(5, ago(120)),
                    rec(9, ago(540)),
                ],
                3,
                5,
                4,
            ),
        ];
        for (name, recs, proposal, stabilized, len) in cases {
            let mut state = HpaState::with_recommendations(recs);
            let got = state.stabilize_recommendation(proposal, SimDuration::from_mins(5), NOW);
            assert_eq!(got, stabilized, "{name}");
            assert_eq!(state.recommendations().len(), len, "{name}");
        }
    }

    #[test]
    fn convert_desired_replicas_with_rules_cases() {
        // upstream: TestConvertDesiredReplicasWithRules (horizontal_test.go)
        // (current, desired, min, max) → (replicas, condition)
        let cases = [
            // within [3, min(8, max(10, 4))]
            ((5, 7, 3, 8), (7, "DesiredWithinRange")),
            ((3, 1, 2, 8), (2, "TooFewReplicas")),
            ((1, 0, 0, 10), (0, "DesiredWithinRange")),
            // max 10 < scale-up limit 40
            ((20, 1000, 1, 10), (10, "TooManyReplicas")),
            // scale-up limit max(6, 4) = 6 < max 2000
            (
                (3, 1000, 1, 2000),
                (calculate_scale_up_limit(3), "ScaleUpLimit"),
            ),
        ];
        for ((current, desired, min, max), (want, reason)) in cases {
            let (got, got_reason, _) =
                convert_desired_replicas_with_rules(current, desired, min, max);
            assert_eq!((got, got_reason), (want, reason), "{current} → {desired}");
        }
        assert_eq!(calculate_scale_up_limit(3), 6);
        assert_eq!(calculate_scale_up_limit(1), 4);
    }

    // ---- Behavior stabilization --------------------------------------------------------------

    #[test]
    #[rustfmt::skip]
    fn normalize_desired_replicas_with_behavior() {
        // upstream: TestNormalizeDesiredReplicasWithBehavior (horizontal_test.go)
        type Row = (&'static str, Vec<Recommendation>, u32, u32, u64, u64, u32, Option<Vec<u32>>);
        // (name, recommendations, current, proposal, up window s, down window s, stabilized,
        //  stored recommendations)
        let rows: Vec<Row> = vec![
            ("empty recommendations for scaling down", vec![], 100, 5, 0, 0, 5, Some(vec![5])),
            // Down window 3 m holds 4 and 5: max(3, 4, 5) = 5 bounds 100 → 5.
            ("simple scale down stabilization", vec![rec(4, ago(120)), rec(5, ago(60))], 100, 3, 0, 180, 5, Some(vec![4, 5, 3])),
            // Up window 5 m holds 4 and 5: min(7, 4, 5) = 4 lifts 1 → 4.
            ("simple scale up stabilization", vec![rec(4, ago(120)), rec(5, ago(60))], 1, 7, 300, 0, 4, Some(vec![4, 5, 7])),
            ("no scale down stabilization", vec![rec(1, ago(120)), rec(2, ago(60))], 100, 3, 300, 0, 3, Some(vec![1, 2, 3])),
            ("no scale up stabilization", vec![rec(4, ago(120)), rec(5, ago(60))], 1, 3, 0, 300, 3, Some(vec![4, 5, 3])),
            // Both windows 0: both expired; 3 takes the last expired slot.
            ("no scale down stabilization, reuse recommendation element", vec![rec(10, ago(600)), rec(9, ago(540))], 100, 3, 0, 0, 3, Some(vec![10, 3])),
            ("no scale up stabilization, reuse recommendation element", vec![rec(10, ago(600)), rec(9, ago(540))], 1, 100, 0, 0, 100, Some(vec![10, 100])),
            // Down window 3 m holds 4 and 5 → 5; 10 and 9 are expired for both windows.
            ("scale down stabilization, reuse one of obsolete recommendation element", vec![rec(10, ago(600)), rec(4, ago(60)), rec(5, ago(120)), rec(9, ago(540))], 100, 3, 0, 180, 5, Some(vec![10, 4, 5, 3])),
            // Up window 5 m holds 6, 5, 9: min = 5; only the 100-minute-old one is reusable.
            ("scale up stabilization, reuse one of obsolete recommendation element", vec![rec(10, ago(6000)), rec(6, ago(60)), rec(5, ago(120)), rec(9, ago(180))], 1, 100, 300, 0, 5, Some(vec![100, 6, 5, 9])),
            // up = min(1, 3) = 1, down = max(1, 3) = 3: current 2 stays.
            ("scale up and down stabilization, do not scale up when prenormalized rec goes down", vec![rec(2, ago(6000)), rec(3, ago(180))], 2, 1, 300, 300, 2, None),
            // up = min(3, 1) = 1, down = max(3, 1) = 3: current 2 stays.
            ("scale up and down stabilization, do not scale down when prenormalized rec goes up", vec![rec(2, ago(6000)), rec(1, ago(180))], 2, 3, 300, 300, 2, None),
        ];
        for (name, recs, current, desired, up, down, want, stored) in rows {
            let mut state = HpaState::with_recommendations(recs);
            let (got, _, _) = state.stabilize_recommendation_with_behaviors(
                SimDuration::from_secs(up), SimDuration::from_secs(down), current, desired, NOW);
            assert_eq!(got, want, "{name}");
            if let Some(stored) = stored {
                let got: Vec<u32> = state.recommendations().iter().map(|r| r.replicas).collect();
                assert_eq!(got, stored, "{name}");
            }
        }
    }

    // ---- Behavior rate limits ----------------------------------------------------------------

    #[test]
    #[rustfmt::skip]
    fn scaling_with_rules() {
        // upstream: TestScalingWithRules (horizontal_test.go), every case. Absent rules take the
        // API defaults (Pods 4 / Percent 100 % per 15 s up; Percent 100 % per 15 s down).
        // `events_uniform(&[1, 5, 9], 120)` puts the events 100 s, 60 s and 20 s ago, so a 60 s
        // period holds only the 9 (60 s is not newer than the cutoff) and 120 s holds all 15.
        type Row = (&'static str, Vec<ScaleEvent>, Vec<ScaleEvent>, Option<ScalingRules>,
                    Option<ScalingRules>, u32, u32, u32, u32, u32, &'static str);
        let e = events_uniform;
        // (name, up events, down events, up rules, down rules, min, max, current, desired,
        //  expected, reason)
        let rows: Vec<Row> = vec![
            ("prenormalized desired replicas within range", vec![], vec![], None, None, 3, 8, 5, 7, 7, "DesiredWithinRange"),
            ("prenormalized desired replicas < minReplicas", vec![], vec![], None, None, 2, 8, 3, 1, 2, "TooFewReplicas"),
            ("prenormalized desired replicas within range when minReplicas is 0", vec![], vec![], None, None, 0, 10, 1, 0, 0, "DesiredWithinRange"),
            // default limit max(20 + 4, 40) = 40 > max 10
            ("maxReplicas is the limit because maxReplicas < scaleUpLimit", vec![], vec![], None, None, 1, 10, 20, 1000, 10, "TooManyReplicas"),
            ("desired replica count is more than the maximum replica count", vec![], vec![], None, None, 100, 150, 100, 1000, 150, "TooManyReplicas"),
            // ceil(3 × 1.01) = 4
            ("scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", vec![], vec![], Some(rules(0, 0, 1, 60, 0)), None, 1, 2000, 3, 1000, 4, "ScaleUpLimit"),
            // 1000 − 20 = 980
            ("scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies", vec![], vec![], None, Some(rules(20, 60, 0, 0, 0)), 3, 2000, 1000, 3, 980, "ScaleDownLimit"),
            // max(10 + 4, ceil(10 × 2)) = 20
            ("scaleUp with default behavior", vec![], vec![], None, None, 1, 1000, 10, 50, 20, "ScaleUpLimit"),
            // max(10 + 100, 20) = 110
            ("scaleUp with pods policy larger than percent policy", vec![], vec![], Some(rules(100, 60, 100, 60, 0)), None, 1, 1000, 10, 500, 110, "ScaleUpLimit"),
            // max(10 + 2, 20) = 20
            ("scaleUp with percent policy larger than pods policy", vec![], vec![], Some(rules(2, 60, 100, 60, 0)), None, 1, 1000, 10, 500, 20, "ScaleUpLimit"),
            ("scaleUp with spec MaxReplicas limitation with large pod policy", vec![], vec![], Some(rules(100, 60, 0, 0, 0)), None, 1, 1000, 10, 50, 50, "DesiredWithinRange"),
            ("scaleUp with spec MaxReplicas limitation with large percent policy", vec![], vec![], Some(rules(10000, 60, 0, 0, 0)), None, 1, 1000, 10, 50, 50, "DesiredWithinRange"),
            // 10 + 30 = 40
            ("scaleUp with pod policy limitation", vec![], vec![], Some(rules(30, 60, 0, 0, 0)), None, 1, 1000, 10, 50, 40, "ScaleUpLimit"),
            // ceil(10 × 3) = 30
            ("scaleUp with percent policy limitation", vec![], vec![], Some(rules(0, 0, 200, 60, 0)), None, 1, 1000, 10, 50, 30, "ScaleUpLimit"),
            // Max → the smaller count: min(100 − 20, int(100 × 0.99) = 99) = 80
            ("scaleDown with percent policy larger than pod policy", vec![], vec![], None, Some(rules(20, 60, 1, 60, 300)), 1, 1000, 100, 2, 80, "ScaleDownLimit"),
            // min(100 − 2, 99) = 98
            ("scaleDown with pod policy larger than percent policy", vec![], vec![], None, Some(rules(2, 60, 1, 60, 300)), 1, 1000, 100, 2, 98, "ScaleDownLimit"),
            ("scaleDown with spec MinReplicas=nil limitation with large pod policy", vec![], vec![], None, Some(rules(100, 60, 0, 0, 300)), 1, 1000, 10, 0, 1, "TooFewReplicas"),
            ("scaleDown with spec MinReplicas limitation with large pod policy", vec![], vec![], None, Some(rules(100, 60, 0, 0, 300)), 1, 1000, 10, 0, 1, "TooFewReplicas"),
            ("scaleDown with spec MinReplicas limitation with large percent policy", vec![], vec![], None, Some(rules(0, 0, 100, 60, 300)), 5, 1000, 10, 2, 5, "TooFewReplicas"),
            // 10 − 5 = 5
            ("scaleDown with pod policy limitation", vec![], vec![], None, Some(rules(5, 60, 0, 0, 300)), 1, 1000, 10, 2, 5, "ScaleDownLimit"),
            // int(10 × 0.5) = 5 = desired
            ("scaleDown with percent policy limitation", vec![], vec![], None, Some(rules(0, 0, 50, 60, 300)), 1, 1000, 10, 5, 5, "DesiredWithinRange"),
            // 60 s holds the 9: 100 − 9 + 300 = 391 > max 200
            ("scaleUp with spec MaxReplicas limitation with large pod policy and events", e(&[1, 5, 9], 120), vec![], Some(rules(300, 60, 0, 0, 0)), None, 1, 200, 100, 500, 200, "TooManyReplicas"),
            ("scaleUp with spec MaxReplicas limitation with large percent policy and events", e(&[1, 5, 9], 120), vec![], Some(rules(0, 0, 10000, 60, 0)), None, 1, 200, 100, 500, 200, "TooManyReplicas"),
            // 120 s holds all 15: 85 + 5 = 90 < 100 → held at 100
            ("scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events", e(&[1, 5, 9], 120), vec![], Some(rules(5, 120, 0, 0, 0)), None, 1, 1000, 100, 500, 100, "ScaleUpLimit"),
            // 85 + 150 = 235
            ("scaleUp with pod policy and previous scale up events", e(&[1, 5, 9], 120), vec![], Some(rules(150, 120, 0, 0, 0)), None, 1, 1000, 100, 500, 235, "ScaleUpLimit"),
            // ceil(85 × 3) = 255
            ("scaleUp with percent policy and previous scale up events", e(&[1, 5, 9], 120), vec![], Some(rules(0, 0, 200, 120, 0)), None, 1, 1000, 100, 500, 255, "ScaleUpLimit"),
            // start 6 − 4 + 2 = 4; ceil(4 × 4) = 16
            ("scaleUp with percent policy and previous scale up and down events", e(&[4], 120), e(&[2], 120), Some(rules(0, 0, 300, 300, 0)), None, 1, 1000, 6, 24, 16, "ScaleUpLimit"),
            // default 100 %/15 s; the events are older than 15 s: int(10 × 0) = 0 < min 1 ≤ 5
            ("scaleDown with default policy and previous events", vec![], e(&[1, 5, 9], 120), None, None, 1, 1000, 10, 5, 5, "DesiredWithinRange"),
            // 100 + 15 − 115 = 0 < min 1
            ("scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", vec![], e(&[1, 5, 9], 120), None, Some(rules(115, 120, 0, 0, 300)), 1, 1000, 100, 0, 1, "TooFewReplicas"),
            ("scaleDown with spec MinReplicas limitation with large pod policy and previous events", vec![], e(&[1, 5, 9], 120), None, Some(rules(130, 120, 0, 0, 300)), 5, 1000, 100, 0, 5, "TooFewReplicas"),
            ("scaleDown with spec MinReplicas limitation with large percent policy and previous events", vec![], e(&[1, 5, 9], 120), None, Some(rules(0, 0, 100, 120, 300)), 5, 1000, 100, 2, 5, "TooFewReplicas"),
            // 100 + 15 − 5 = 110 > current → held at 100
            ("scaleDown with pod policy limitation and previous events", vec![], e(&[1, 5, 9], 120), None, Some(rules(5, 120, 0, 0, 300)), 1, 1000, 100, 2, 100, "ScaleDownLimit"),
            // int(112 × 0.5) = 56
            ("scaleDown with percent policy limitation and previous events", vec![], e(&[2, 4, 6], 120), None, Some(rules(0, 0, 50, 120, 300)), 1, 1000, 100, 0, 56, "ScaleDownLimit"),
            // start 10 − 2 + 4 = 12; int(12 × 0.5) = 6
            ("scaleDown with percent policy and previous scale up and down events", e(&[2], 120), e(&[4], 120), None, Some(rules(0, 0, 50, 180, 0)), 1, 1000, 10, 1, 6, "ScaleDownLimit"),
            // int(130 × 0.9) = 117 > 100 → held at 100
            ("scaleDown with previous events preventing further scale down", vec![], e(&[10, 10, 10], 120), None, Some(rules(0, 0, 10, 120, 300)), 1, 1000, 100, 0, 100, "ScaleDownLimit"),
            // int(40 × −9) = −360 < min 1 ≤ desired 5
            ("scaleDown with with previous events still allowing more scale down", vec![], e(&[10, 10, 10], 120), None, Some(rules(0, 0, 1000, 120, 300)), 1, 1000, 10, 5, 5, "DesiredWithinRange"),
            ("check 'outdated' flag for events for one behavior for up", e(&[8, 12, 9, 11], 120), vec![], Some(rules(1000, 60, 0, 0, 0)), None, 1, 1000, 100, 200, 200, "DesiredWithinRange"),
            ("check that events were not marked 'outdated' for two different policies in the behavior for up", e(&[8, 12, 9, 11], 120), vec![], Some(rules(1000, 120, 100, 60, 0)), None, 1, 1000, 100, 200, 200, "DesiredWithinRange"),
            ("check that events were marked 'outdated' for two different policies in the behavior for up", e(&[8, 12, 9, 11], 120), vec![], Some(rules(1000, 30, 100, 60, 0)), None, 1, 1000, 100, 200, 200, "DesiredWithinRange"),
            ("check 'outdated' flag for events for one behavior for down", vec![], e(&[8, 12, 9, 11], 120), None, Some(rules(1000, 60, 0, 0, 300)), 1, 1000, 100, 5, 5, "DesiredWithinRange"),
            ("check that events were not marked 'outdated' for two different policies in the behavior for down", vec![], e(&[8, 12, 9, 11], 120), None, Some(rules(1000, 120, 100, 60, 300)), 1, 1000, 100, 5, 5, "DesiredWithinRange"),
            ("check that events were marked 'outdated' for two different policies in the behavior for down", vec![], e(&[8, 12, 9, 11], 120), None, Some(rules(1000, 30, 100, 60, 300)), 1, 1000, 100, 5, 5, "DesiredWithinRange"),
        ];
        for (name, up_events, down_events, up, down, min, max, current, desired, want, reason) in rows {
            let state = HpaState { scale_up_events: up_events, scale_down_events: down_events, ..HpaState::default() };
            let b = behavior(up, down);
            let (got, got_reason, _) =
                state.convert_desired_replicas_with_behavior_rate(&b, min, max, current, desired, NOW);
            assert_eq!((got, got_reason), (want, reason), "{name}");
        }
    }

    #[test]
    fn calculate_scale_up_limit_with_scaling_rules_min_policy() {
        // upstream: TestCalculateScaleUpLimitWithScalingRules (horizontal_test.go)
        // Min of (1 + 2, ceil(1 × 1.5) = 2) = 2.
        let mut r = rules(2, 60, 50, 60, 300);
        r.select_policy = SelectPolicy::Min;
        assert_eq!(
            calculate_scale_up_limit_with_scaling_rules(1, &[], &[], &r, NOW),
            2
        );
    }

    #[test]
    fn calculate_scale_down_limit_with_behaviors_min_policy() {
        // upstream: TestCalculateScaleDownLimitWithBehaviors (horizontal_test.go)
        // Min policy = the smaller change = the larger count: max(5 − 2, int(5 × 0.5) = 2) = 3.
        let mut r = rules(2, 60, 50, 60, 300);
        r.select_policy = SelectPolicy::Min;
        assert_eq!(
            calculate_scale_down_limit_with_behaviors(5, &[], &[], &r, NOW),
            3
        );
    }

    #[test]
    fn disabled_select_policy_holds_current() {
        // upstream: calculateScale{Up,Down}Limit* return currentReplicas for selectPolicy Disabled.
        let mut r = rules(100, 60, 0, 0, 0);
        r.select_policy = SelectPolicy::Disabled;
        let state = HpaState::default();
        let b = behavior(Some(r.clone()), Some(r));
        assert_eq!(
            state
                .convert_desired_replicas_with_behavior_rate(&b, 1, 100, 10, 50, NOW)
                .0,
            10
        );
        assert_eq!(
            state
                .convert_desired_replicas_with_behavior_rate(&b, 1, 100, 10, 2, NOW)
                .0,
            10
        );
    }

    #[test]
    fn store_scale_events() {
        // upstream: TestStoreScaleEvents (horizontal_test.go); each case stores a change of 5
        // from 10, once up and once down. Before storing, the change within 60 s is checked.
        let ev = |change: u32, secs: u64| ScaleEvent {
            change,
            at: ago(secs),
            outdated: false,
        };
        // (name, previous events, rules, expected (change, outdated) after, change within 60 s)
        type Case = (
            &'static str,
            Vec<ScaleEvent>,
            Option<ScalingRules>,
            Vec<(u32, bool)>,
            i64,
        );
        let cases: Vec<Case> = vec![
            (
                "empty entries with default behavior",
                vec![],
                None,
                vec![],
                0,
            ),
            (
                "empty entries with two-policy-behavior",
                vec![],
                Some(rules(10, 60, 100, 60, 0)),
                vec![(5, false)],
                0,
            ),
            (
                "one outdated entry to be kept untouched without behavior",
                vec![ev(7, 61)],
                None,
                vec![(7, false)],
                0,
            ),
            (
                "one outdated entry to be replaced with behavior",
                vec![ev(7, 61)],
                Some(rules(10, 60, 100, 60, 0)),
                vec![(5, false)],
                0,
            ),
            (
                "one actual entry to be not touched with behavior",
                vec![ev(7, 58)],
                Some(rules(10, 60, 100, 60, 0)),
                vec![(7, false), (5, false)],
                7,
            ),
            (
                "two entries, one of them to be replaced",
                vec![ev(7, 61), ev(6, 59)],
                Some(rules(10, 60, 0, 0, 0)),
                vec![(5, false), (6, false)],
                6,
            ),
            // Longest period 60 s: both 61-s-old events are marked; the last one is reused.
            (
                "replace one entry, use policies with different periods",
                vec![ev(8, 29), ev(6, 59), ev(7, 61), ev(9, 61)],
                Some(rules(10, 60, 100, 30, 0)),
                vec![(8, false), (6, false), (7, true), (5, false)],
                14,
            ),
            (
                "two entries, both actual",
                vec![ev(7, 58), ev(6, 59)],
                Some(rules(10, 120, 100, 30, 0)),
                vec![(7, false), (6, false), (5, false)],
                13,
            ),
        ];
        for (name, previous, r, expected, change) in cases {
            for up in [true, false] {
                let mut state = HpaState::default();
                if up {
                    state.scale_up_events = previous.clone();
                } else {
                    state.scale_down_events = previous.clone();
                }
                let events = if up {
                    &state.scale_up_events
                } else {
                    &state.scale_down_events
                };
                assert_eq!(
                    replicas_change_per_period(SimDuration::from_secs(60), events, NOW),
                    change,
                    "{name}"
                );
                let b = r.clone().map(|r| {
                    if up {
                        behavior(Some(r), None)
                    } else {
                        behavior(None, Some(r))
                    }
                });
                let new = if up { 15 } else { 5 };
                state.store_scale_event(b.as_ref(), 10, new, NOW);
                let events = if up {
                    state.scale_up_events()
                } else {
                    state.scale_down_events()
                };
                let got: Vec<(u32, bool)> = events.iter().map(|e| (e.change, e.outdated)).collect();
                assert_eq!(got, expected, "{name} (up: {up})");
            }
        }
    }

    // ---- Whole syncs ------------------------------------------------------------------------

    #[test]
    fn upscale_cap() {
        // upstream: TestUpscaleCap (horizontal_test.go)
        // 3 pods of 100 m using 100/200/300: 600/300 = 200 % against 10 %: ratio 20;
        // ceil(20 × 3) = 60. Scale-up rule 700 %/60 s: ceil(3 × 8) = 24 → ScaleUpLimit.
        let b = behavior(Some(rules(0, 0, 700, 60, 0)), None);
        let spec = cpu_spec(1, 100, 10, Some(b));
        let p = cpu_proposal(3, 10, &[100, 100, 100], &[100, 200, 300]);
        let mut state = HpaState::new();
        let d = state.reconcile(&spec, &settings(), 3, &[p], NOW);
        assert_eq!(d.metric_proposal, Some(60));
        assert_eq!(d.desired, 24);
        let limited = d.scaling_limited.unwrap();
        assert_eq!((limited.status, limited.reason), (true, "ScaleUpLimit"));
        assert_eq!(d.able_to_scale.reason, "SucceededRescale");
        assert_eq!(
            d.rescale_reason,
            "cpu resource utilization (percentage of request) above target"
        );
        assert_eq!(
            state.scale_up_events(),
            &[ScaleEvent {
                change: 21,
                at: NOW,
                outdated: false
            }]
        );
        assert_eq!(state.last_scale_time(), Some(NOW));
    }

    #[test]
    fn upscale_cap_greater_than_max_replicas() {
        // upstream: TestUpscaleCapGreaterThanMaxReplicas (horizontal_test.go)
        // As above with max 20: 24 would exceed it → 20, TooManyReplicas.
        let b = behavior(Some(rules(0, 0, 700, 60, 0)), None);
        let spec = cpu_spec(1, 20, 10, Some(b));
        let p = cpu_proposal(3, 10, &[100, 100, 100], &[100, 200, 300]);
        let d = HpaState::new().reconcile(&spec, &settings(), 3, &[p], NOW);
        assert_eq!(d.desired, 20);
        assert_eq!(d.scaling_limited.unwrap().reason, "TooManyReplicas");
    }

    #[test]
    fn upscale_cap_legacy_path() {
        // upstream: TestUpscaleCap's inputs without behavior (normalizeDesiredReplicas):
        // proposal 60, limit max(2 × 3, 4) = 6 → ScaleUpLimit. No scale event is stored.
        let spec = cpu_spec(1, 100, 10, None);
        let p = cpu_proposal(3, 10, &[100, 100, 100], &[100, 200, 300]);
        let mut state = HpaState::new();
        let d = state.reconcile(&spec, &settings(), 3, &[p], NOW);
        assert_eq!((d.stabilized, d.desired), (Some(60), 6));
        assert_eq!(d.limit.unwrap().reason, "ScaleUpLimit");
        assert!(state.scale_up_events().is_empty());
        // From 1: max(2, 4) = 4.
        let d = HpaState::new().reconcile(&spec, &settings(), 1, &[proposal(60)], NOW);
        assert_eq!(d.desired, 4);
    }

    #[test]
    fn missing_reports() {
        // upstream: TestMissingReports (horizontal_test.go)
        // spec 4, one pod of 200 m using 200 m against 50 %: 100/50 = 2 × 1 = 2; no earlier
        // recommendations → 2.
        let spec = cpu_spec(1, 5, 50, None);
        let p = cpu_proposal(4, 50, &[200], &[200]);
        let d = HpaState::with_recommendations(vec![]).reconcile(&spec, &settings(), 4, &[p], NOW);
        assert_eq!(d.desired, 2);
        assert_eq!(d.rescale_reason, "All metrics below target");
    }

    #[test]
    fn scale_up_rc_immediately() {
        // upstream: TestScaleUpRCImmediately (horizontal_test.go)
        // current 1 < min 2: straight to 2, metrics not consulted.
        let spec = cpu_spec(2, 6, 50, None);
        let d = HpaState::new().reconcile(&spec, &settings(), 1, &[failed()], NOW);
        assert_eq!((d.desired, d.metric_proposal), (2, None));
        assert_eq!(d.able_to_scale.reason, "SucceededRescale");
        assert_eq!(
            d.rescale_reason,
            "Current number of replicas below Spec.MinReplicas"
        );
    }

    #[test]
    fn scale_down_rc_immediately() {
        // upstream: TestScaleDownRCImmediately (horizontal_test.go)
        // current 6 > max 5: straight to 5.
        let spec = cpu_spec(2, 5, 50, None);
        let d = HpaState::new().reconcile(&spec, &settings(), 6, &[proposal(100)], NOW);
        assert_eq!(d.desired, 5);
        assert_eq!(d.able_to_scale.reason, "SucceededRescale");
        assert_eq!(
            d.rescale_reason,
            "Current number of replicas above Spec.MaxReplicas"
        );
        assert_eq!(d.scaling_limited, None);
    }

    #[test]
    fn too_few_and_too_many_replicas() {
        // upstream: TestTooFewReplicas, TestTooManyReplicas (horizontal_test.go)
        let spec = cpu_spec(3, 5, 90, None);
        assert_eq!(
            HpaState::new()
                .reconcile(&spec, &settings(), 2, &[], NOW)
                .desired,
            3
        );
        assert_eq!(
            HpaState::new()
                .reconcile(&spec, &settings(), 10, &[], NOW)
                .desired,
            5
        );
    }

    #[test]
    fn zero_replicas() {
        // upstream: TestZeroReplicas (horizontal_test.go)
        // spec.replicas 0 with min 3: disabled, stays 0.
        let spec = cpu_spec(3, 5, 90, None);
        let d = HpaState::new().reconcile(&spec, &settings(), 0, &[], NOW);
        assert_eq!((d.desired, d.rescale), (0, false));
        assert_eq!(d.able_to_scale.reason, "SucceededGetScale");
        let active = d.scaling_active.unwrap();
        assert_eq!((active.status, active.reason), (false, "ScalingDisabled"));
    }

    #[test]
    fn min_replicas() {
        // upstream: TestMinReplicas (horizontal_test.go)
        // Requests 0.9/1.0/1.1, usage 10/95/10: 115/3000 = 3 % against 90: 0.033;
        // ceil(0.033 × 3) = 1 < min 2 → 2, TooFewReplicas.
        let spec = cpu_spec(2, 5, 90, None);
        let p = cpu_proposal(3, 90, &[900, 1000, 1100], &[10, 95, 10]);
        let d = HpaState::with_recommendations(vec![]).reconcile(&spec, &settings(), 3, &[p], NOW);
        assert_eq!((d.metric_proposal, d.desired), (Some(1), 2));
        let limited = d.scaling_limited.unwrap();
        assert_eq!((limited.status, limited.reason), (true, "TooFewReplicas"));
    }

    #[test]
    fn zero_min_replicas_desired_zero() {
        // upstream: TestZeroMinReplicasDesiredZero (horizontal_test.go)
        // No usage: 0 % → 0 replicas; min 0 → 0, DesiredWithinRange (False).
        let spec = cpu_spec(0, 5, 90, None);
        let p = cpu_proposal(3, 90, &[900, 1000, 1100], &[0, 0, 0]);
        let d = HpaState::with_recommendations(vec![]).reconcile(&spec, &settings(), 3, &[p], NOW);
        assert_eq!(d.desired, 0);
        let limited = d.scaling_limited.unwrap();
        assert_eq!(
            (limited.status, limited.reason),
            (false, "DesiredWithinRange")
        );
    }

    #[test]
    fn min_replicas_desired_zero() {
        // upstream: TestMinReplicasDesiredZero (horizontal_test.go): 0 → min 2, TooFewReplicas.
        let spec = cpu_spec(2, 5, 90, None);
        let p = cpu_proposal(3, 90, &[900, 1000, 1100], &[0, 0, 0]);
        let d = HpaState::with_recommendations(vec![]).reconcile(&spec, &settings(), 3, &[p], NOW);
        assert_eq!(d.desired, 2);
        assert_eq!(d.scaling_limited.unwrap().reason, "TooFewReplicas");
    }

    #[test]
    fn max_replicas() {
        // upstream: TestMaxReplicas (horizontal_test.go)
        // 18500/3000 = 616 % against 90: 6.84; ceil(6.84 × 3) = 21; the initial
        // recommendation 3 does not lower it; min(max 5, limit 6) → 5, TooManyReplicas.
        let spec = cpu_spec(2, 5, 90, None);
        let p = cpu_proposal(3, 90, &[900, 1000, 1100], &[8000, 9500, 1000]);
        let d = HpaState::new().reconcile(&spec, &settings(), 3, &[p], NOW);
        assert_eq!((d.metric_proposal, d.desired), (Some(21), 5));
        assert_eq!(d.scaling_limited.unwrap().reason, "TooManyReplicas");
    }

    #[test]
    fn superfluous_metrics() {
        // upstream: TestSuperfluousMetrics (horizontal_test.go)
        // 4 pods, 6 samples: 587 % → 24; min(6, limit 8) → 6, TooManyReplicas.
        let spec = cpu_spec(2, 6, 100, None);
        let p = cpu_proposal(4, 100, &[1000; 4], &[4000, 9500, 3000, 7000, 3200, 2000]);
        let d = HpaState::new().reconcile(&spec, &settings(), 4, &[p], NOW);
        assert_eq!((d.metric_proposal, d.desired), (Some(24), 6));
        assert_eq!(d.scaling_limited.unwrap().reason, "TooManyReplicas");
    }

    #[test]
    fn missing_metrics() {
        // upstream: TestMissingMetrics (horizontal_test.go): the calculator's 3, then 3 within
        // [2, 6] → 3.
        let spec = cpu_spec(2, 6, 100, None);
        let p = cpu_proposal(4, 100, &[1000; 4], &[400, 95]);
        let d = HpaState::with_recommendations(vec![]).reconcile(&spec, &settings(), 4, &[p], NOW);
        assert_eq!(d.desired, 3);
    }

    #[test]
    fn empty_metrics() {
        // upstream: TestEmptyMetrics (horizontal_test.go): the only metric fails → no change,
        // ScalingActive False FailedGetResourceMetric, AbleToScale SucceededGetScale.
        let spec = cpu_spec(2, 6, 100, None);
        let p = cpu_proposal(4, 100, &[1000; 4], &[]);
        let d = HpaState::new().reconcile(&spec, &settings(), 4, &[p], NOW);
        assert_eq!((d.desired, d.rescale), (4, false));
        assert_eq!(d.able_to_scale.reason, "SucceededGetScale");
        let active = d.scaling_active.unwrap();
        assert_eq!(
            (active.status, active.reason),
            (false, "FailedGetResourceMetric")
        );
        assert_eq!(
            active.message,
            "the HPA was unable to compute the replica count: failed to get cpu utilization: \
             unable to get metrics for resource cpu: no metrics returned from resource metrics API"
        );
        assert_eq!(
            d.metric_error.unwrap(),
            "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource \
             metric value: failed to get cpu utilization: unable to get metrics for resource cpu: \
             no metrics returned from resource metrics API"
        );
    }

    #[test]
    fn condition_failed_get_metrics() {
        // upstream: TestConditionFailedGetMetrics (horizontal_test.go): the reason names the
        // failing metric's type.
        let cases = [
            (
                MetricSpec::Resource {
                    name: ResourceName::Cpu,
                    target: Target::Utilization(10),
                },
                "FailedGetResourceMetric",
            ),
            (
                MetricSpec::Pods {
                    name: "qps".into(),
                    target: Target::AverageValue(15_000),
                },
                "FailedGetPodsMetric",
            ),
            (
                MetricSpec::Object {
                    name: "qps".into(),
                    target: Target::Value(15_000),
                },
                "FailedGetObjectMetric",
            ),
            (
                MetricSpec::External {
                    name: "qps".into(),
                    target: Target::Value(300),
                },
                "FailedGetExternalMetric",
            ),
        ];
        for (metric, reason) in cases {
            let spec = HpaSpec {
                min_replicas: 1,
                max_replicas: 100,
                metrics: vec![metric],
                behavior: None,
            };
            let d = HpaState::new().reconcile(&spec, &settings(), 3, &[failed()], NOW);
            assert_eq!(d.desired, 3);
            assert_eq!(d.able_to_scale.reason, "SucceededGetScale");
            let active = d.scaling_active.unwrap();
            assert_eq!((active.status, active.reason), (false, reason));
        }
    }

    fn cpu_and_external(min: u32, max: u32, cpu_target: i32) -> HpaSpec {
        let mut spec = cpu_spec(min, max, cpu_target, None);
        spec.metrics.push(MetricSpec::External {
            name: "qps".into(),
            target: Target::Value(100),
        });
        spec
    }

    #[test]
    fn scale_up_one_metric_empty() {
        // upstream: TestScaleUpOneMetricEmpty (horizontal_test.go)
        // CPU 1200/3000 = 40 % against 30: 1.333 × 3 → 4; the external metric fails, but a
        // scale-up goes ahead on the valid metric.
        let spec = cpu_and_external(2, 6, 30);
        let p = cpu_proposal(3, 30, &[1000; 3], &[300, 400, 500]);
        let d = HpaState::new().reconcile(&spec, &settings(), 3, &[p, failed()], NOW);
        assert_eq!((d.desired, d.metric_index), (4, Some(0)));
        assert!(d.scaling_active.unwrap().status);
        assert!(
            d.metric_error
                .unwrap()
                .starts_with("invalid metrics (1 invalid out of 2), first error is: failed to get qps external metric value")
        );
    }

    #[test]
    fn no_scale_down_one_metric_empty() {
        // upstream: TestNoScaleDownOneMetricEmpty (horizontal_test.go)
        // CPU 1400/5000 = 28 % against 50 → 3 < 5, but the external metric failed: a scale-down
        // needs every metric → stays 5, ScalingActive False FailedGetExternalMetric.
        // (TestNoScaleDownOneMetricInvalid is the same with an invalid metric type, which the
        // spec cannot express.)
        let spec = cpu_and_external(2, 6, 50);
        let p = cpu_proposal(5, 50, &[1000; 5], &[100, 300, 500, 250, 250]);
        let mut state = HpaState::with_recommendations(vec![]);
        let d = state.reconcile(&spec, &settings(), 5, &[p, failed()], NOW);
        assert_eq!((d.desired, d.rescale, d.metric_proposal), (5, false, None));
        let active = d.scaling_active.unwrap();
        assert_eq!(
            (active.status, active.reason),
            (false, "FailedGetExternalMetric")
        );
        assert_eq!(d.able_to_scale.reason, "SucceededGetScale");
        // Nothing was normalized, so nothing was recorded.
        assert!(state.recommendations().is_empty());
    }

    #[test]
    fn no_backoff_upscale_cm() {
        // upstream: TestNoBackoffUpscaleCM (horizontal_test.go)
        // qps 20/10/30 against 15: 4; within [1, min(5, 6)] → 4, DesiredWithinRange.
        let spec = HpaSpec {
            min_replicas: 1,
            max_replicas: 5,
            metrics: vec![MetricSpec::Pods {
                name: "qps".into(),
                target: Target::AverageValue(15_000),
            }],
            behavior: None,
        };
        let d = HpaState::new().reconcile(&spec, &settings(), 3, &[proposal(4)], NOW);
        assert_eq!(d.desired, 4);
        assert_eq!(d.able_to_scale.reason, "SucceededRescale");
        let limited = d.scaling_limited.unwrap();
        assert_eq!(
            (limited.status, limited.reason),
            (false, "DesiredWithinRange")
        );
        assert_eq!(d.rescale_reason, "pods metric qps above target");
    }

    #[test]
    fn no_backoff_upscale_cm_no_backoff_cpu() {
        // upstream: TestNoBackoffUpscaleCMNoBackoffCpu (horizontal_test.go)
        // CPU 60000/3000 = 2000 % against 10: 200 × 3 = 600; qps → 4; the larger, 600, is
        // capped at max 5 (< limit 6) → TooManyReplicas.
        let mut spec = cpu_spec(1, 5, 10, None);
        spec.metrics.push(MetricSpec::Pods {
            name: "qps".into(),
            target: Target::AverageValue(15_000),
        });
        let p = cpu_proposal(3, 10, &[1000; 3], &[20_000, 10_000, 30_000]);
        let d = HpaState::new().reconcile(&spec, &settings(), 3, &[p, proposal(4)], NOW);
        assert_eq!(
            (d.metric_proposal, d.metric_index, d.desired),
            (Some(600), Some(0), 5)
        );
        assert_eq!(d.scaling_limited.unwrap().reason, "TooManyReplicas");
    }

    #[test]
    fn stabilize_downscale() {
        // upstream: TestStabilizeDownscale (horizontal_test.go)
        // 150/300 = 50 % against 100: ceil(0.5 × 3) = 2; the 10 is older than 5 m, the 4 is
        // not: max(2, 4) = 4 = current → no change, AbleToScale ScaleDownStabilized.
        let spec = cpu_spec(1, 5, 100, None);
        let p = cpu_proposal(4, 100, &[100, 100, 100], &[50, 50, 50]);
        let mut state = HpaState::with_recommendations(vec![rec(10, ago(600)), rec(4, ago(60))]);
        let d = state.reconcile(&spec, &settings(), 4, &[p], NOW);
        assert_eq!(
            (d.metric_proposal, d.stabilized, d.desired),
            (Some(2), Some(4), 4)
        );
        assert!(!d.rescale);
        assert_eq!(d.able_to_scale.reason, "ScaleDownStabilized");
        // The proposal 2 took the expired slot of the 10.
        assert_eq!(state.recommendations(), &[rec(2, NOW), rec(4, ago(60))]);
    }

    // ---- Worked examples -------------------------------------------------------------------

    #[test]
    fn default_behavior_scale_up_doubles_per_period() {
        // Default scale-up (Pods 4/15 s, Percent 100 %/15 s, Max), current 10, proposal 40:
        // Pods 10 + 4 = 14, Percent ceil(10 × 2) = 20, Max → 20.
        let spec = cpu_spec(1, 100, 50, Some(behavior(None, None)));
        let mut state = HpaState::with_recommendations(vec![]);
        let d = state.reconcile(&spec, &settings(), 10, &[proposal(40)], NOW);
        assert_eq!(d.desired, 20);
        assert_eq!(d.scaling_limited.as_ref().unwrap().reason, "ScaleUpLimit");

        // 14.999 s later, current 20, still 40: the +10 event is inside the 15 s period, so
        // the period started at 20 − 10 = 10 → limit 20 = current → no growth.
        let d = state.reconcile(&spec, &settings(), 20, &[proposal(40)], later(14_999));
        assert_eq!((d.desired, d.rescale), (20, false));
        assert_eq!(d.scaling_limited.unwrap().reason, "ScaleUpLimit");

        // At exactly 15 s the event is no longer strictly newer than the cutoff: the period
        // starts at 20 → max(24, 40) = 40. With the 15 s sync period the default therefore
        // doubles on every sync.
        let d = state.reconcile(&spec, &settings(), 20, &[proposal(40)], later(15_000));
        assert_eq!(d.desired, 40);
    }

    #[test]
    fn default_behavior_from_one() {
        // Default scale-up from 1: max(1 + 4, ceil(1 × 2)) = 5.
        let spec = cpu_spec(1, 100, 50, Some(behavior(None, None)));
        let d = HpaState::with_recommendations(vec![]).reconcile(
            &spec,
            &settings(),
            1,
            &[proposal(60)],
            NOW,
        );
        assert_eq!(d.desired, 5);
    }

    #[test]
    fn default_behavior_scale_down_waits_for_window() {
        // Default scale-down: 300 s window, 100 %/15 s. Current 20; proposals 20 and 18 were
        // made 200 s and 100 s ago; now 5: max(5, 20, 18) = 20 → no change.
        let spec = cpu_spec(1, 100, 50, Some(behavior(None, None)));
        let mut state = HpaState::with_recommendations(vec![rec(20, ago(200)), rec(18, ago(100))]);
        let d = state.reconcile(&spec, &settings(), 20, &[proposal(5)], NOW);
        assert_eq!((d.stabilized, d.desired), (Some(20), 20));
        assert_eq!(d.able_to_scale.reason, "ScaleDownStabilized");

        // 100 s later the 20 is exactly 300 s old (no longer strictly inside): max(5, 18, 5) =
        // 18 → down to 18 (100 % per 15 s allows it).
        let d = state.reconcile(&spec, &settings(), 20, &[proposal(5)], later(100_000));
        assert_eq!(d.desired, 18);
        assert_eq!(state.scale_down_events().len(), 1);

        // Once only 5s remain in the window: 5.
        let d = state.reconcile(&spec, &settings(), 18, &[proposal(5)], later(200_000));
        assert_eq!(d.desired, 5);
    }

    #[test]
    fn controller_restart_holds_current_for_the_window() {
        // recordInitialRecommendation: a fresh state remembers current (8) at its first sync,
        // so a proposal of 2 stays at 8 until that is 5 m old (legacy path).
        let spec = cpu_spec(1, 10, 50, None);
        let mut state = HpaState::new();
        let d = state.reconcile(&spec, &settings(), 8, &[proposal(2)], NOW);
        assert_eq!((d.stabilized, d.desired), (Some(8), 8));
        assert_eq!(state.recommendations()[0], rec(8, NOW));
        let d = state.reconcile(&spec, &settings(), 8, &[proposal(2)], later(299_999));
        assert_eq!(d.desired, 8);
        // Exactly 5 m old still counts on the legacy path (it is not before the cutoff; the
        // behavior path would drop it, since there a recommendation must be after the cutoff).
        let d = state.reconcile(&spec, &settings(), 8, &[proposal(2)], later(300_000));
        assert_eq!(d.desired, 8);
        let d = state.reconcile(&spec, &settings(), 8, &[proposal(2)], later(300_001));
        assert_eq!(d.desired, 2);
    }

    #[test]
    fn behavior_scale_up_window_takes_lowest_recent() {
        // Scale-up window 60 s: proposals 12 (30 s ago) and now 20 from current 10: the lowest
        // in the window is 12 → 12 (within the default rate limit 20), AbleToScale
        // ScaleUpStabilized.
        let up = rules(4, 15, 100, 15, 60);
        let spec = cpu_spec(1, 100, 50, Some(behavior(Some(up), None)));
        let mut state = HpaState::with_recommendations(vec![rec(12, ago(30))]);
        let d = state.reconcile(&spec, &settings(), 10, &[proposal(20)], NOW);
        assert_eq!((d.stabilized, d.desired), (Some(12), 12));
        assert_eq!(d.able_to_scale.reason, "SucceededRescale");
        assert_eq!(state.scale_up_events()[0].change, 2);
    }

    #[test]
    fn zero_proposal_from_object_metric_with_min_zero() {
        // current 0 with minReplicas 0 is not "disabled": metrics are consulted (an Object
        // metric can scale from zero). Proposal 3 from 0: legacy limit max(0, 4) = 4 → 3.
        let spec = HpaSpec {
            min_replicas: 0,
            max_replicas: 10,
            metrics: vec![MetricSpec::Object {
                name: "queue".into(),
                target: Target::Value(10_000),
            }],
            behavior: None,
        };
        let p = Calculator::new(&settings()).object_value(0, 25_000, 10_000, &[]);
        let d = HpaState::new().reconcile(&spec, &settings(), 0, &[p], NOW);
        assert_eq!(d.desired, 3);
        assert_eq!(d.rescale_reason, "Object metric queue above target");
    }
}
