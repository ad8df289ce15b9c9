//! What the event log records: one `Record` variant per kind of event, its fields typed. The
//! kind's name, the fields' names and their order in the JSON line are written here and
//! nowhere else (`Record::kind`, `Record::write_fields`); narration (`crate::explain`) and the
//! page's timeline (`crate::report::html`) match on the variants, so a new kind breaks the
//! build wherever it has to be told.
//!
//! Names and free-text reasons are `Cow`s: an emit site lends what it has or hands over a
//! string it built, and `into_owned` keeps a record past the instant it was emitted in.
//! Reasons that code branches on are small enums (`NodeCreation`, `NotReadyCause`, `Removal`),
//! each written as a fixed phrase (`as_str`), never compared as text.

use std::borrow::Cow;
use std::fmt::{Display, Write};

use super::json::push_json_str;

/// A name or a sentence in a record.
pub type Text<'a> = Cow<'a, str>;

/// One event of the log.
#[derive(Debug, Clone, PartialEq)]
pub enum Record<'a> {
    // ----- nodes ------------------------------------------------------------------------------
    /// A VM was started for a new node; `ready_in_s` is its drawn boot time.
    NodeProvisioning {
        node: Text<'a>,
        pool: Text<'a>,
        /// The zone's label (`1`, `2`, `3`, or `none` for a regional pool).
        zone: &'static str,
        ready_in_s: f64,
        reason: NodeCreation,
    },
    /// Azure or the cluster refused a new node.
    NodeCreateFailed {
        pool: Text<'a>,
        zone: &'static str,
        /// The refusal's code, a colon, and its message.
        reason: Text<'a>,
    },
    /// A node registered Ready, `provisioning_s` after it was created.
    NodeReady {
        node: Text<'a>,
        pool: Text<'a>,
        zone: &'static str,
        provisioning_s: f64,
    },
    /// A node was cordoned and its `pods` evicted, before its VM is deleted.
    NodeDraining {
        node: Text<'a>,
        pool: Text<'a>,
        pods: u32,
        reason: Text<'a>,
    },
    NodeDeleted {
        node: Text<'a>,
        pool: Text<'a>,
        reason: Text<'a>,
    },
    /// A `remove_nodes` action that would empty a system pool.
    NodeRemoveRefused {
        pool: Text<'a>,
        reason: Text<'a>,
    },
    /// A registered node's Ready condition turned False.
    NodeNotReady {
        node: Text<'a>,
        pods: u32,
        reason: NotReadyCause,
    },
    NodeReadyAgain {
        node: Text<'a>,
    },
    /// The node lifecycle controller evicted the pods of a node NotReady for too long.
    PodsEvicted {
        node: Text<'a>,
        pods: u32,
        reason: Text<'a>,
    },

    // ----- pods -------------------------------------------------------------------------------
    PodScheduled {
        pod: Text<'a>,
        node: Text<'a>,
        pool: Text<'a>,
        zone: &'static str,
    },
    /// The scheduler's verdict on a pod changed; `reason` is kube-scheduler's message.
    PodUnschedulable {
        pod: Text<'a>,
        attempts: u32,
        reason: Text<'a>,
    },
    /// A pod bound to a node of the wrong OS: its image never starts.
    PodImagePullBackoff {
        pod: Text<'a>,
        node: Text<'a>,
        reason: Text<'a>,
    },
    /// A node started pulling an image it did not have.
    ImagePull {
        node: Text<'a>,
        image: Text<'a>,
        pod: Text<'a>,
        done_in_s: f64,
    },
    PodRunning {
        pod: Text<'a>,
    },
    PodReady {
        pod: Text<'a>,
    },
    /// A batch pod of a trace ran its course.
    PodCompleted {
        pod: Text<'a>,
    },
    PodDeleted {
        pod: Text<'a>,
        reason: Text<'a>,
    },

    // ----- deployments and the HPA ------------------------------------------------------------
    /// A `scale` action set a deployment's replicas.
    DeploymentScaled {
        deployment: Text<'a>,
        from: u32,
        to: u32,
        reason: Text<'a>,
    },
    /// An HPA sync that changed the replica count.
    HpaScaled(HpaSync<'a>),
    /// An HPA sync that changed nothing but whose outcome differs from the last one logged.
    HpaDecision(HpaSync<'a>),

    // ----- zones, spot, stock -----------------------------------------------------------------
    ZoneOutage {
        /// The zone's number.
        zone: u8,
        /// Registered nodes that turned NotReady.
        nodes: u32,
        until: Text<'a>,
    },
    ZoneRecovered {
        zone: u8,
    },
    StockOut {
        vm_size: Text<'a>,
        /// The zone's number; `None` for every zone (written `all`).
        zone: Option<u8>,
        until: Text<'a>,
    },
    /// Azure reclaims a spot VM.
    SpotEviction {
        node: Text<'a>,
        pool: Text<'a>,
        reason: Text<'a>,
    },

    // ----- the Cluster Autoscaler -------------------------------------------------------------
    /// New nodes asked for; `pools` is the plan (`win1 +2, win3 +1`).
    CaScaleUp {
        pools: Text<'a>,
        nodes: u32,
        cause: ScaleUpCause<'a>,
    },
    /// Pods wait and no pool can take them; logged when the reason changes.
    CaNoScaleUp {
        pending_pods: u32,
        reason: Text<'a>,
    },
    /// A scale-up failed and the pool is backed off; `reason` is Azure's error code.
    CaScaleUpFailed {
        pool: Text<'a>,
        reason: &'static str,
        message: Text<'a>,
        backoff_until: Text<'a>,
    },
    /// A node joined the unneeded set.
    CaNodeUnneeded {
        node: Text<'a>,
        utilization: f64,
        /// `cpu` or `memory`: the larger share.
        resource: &'static str,
    },
    /// Why a node stays, when the reason changes.
    CaNodeKept {
        node: Text<'a>,
        reason: Text<'a>,
        was_unneeded: bool,
    },
    /// Unneeded nodes are due but a cooldown holds scale-down.
    CaScaleDownCooldown {
        until: Text<'a>,
        nodes_waiting: u32,
        reason: Text<'a>,
    },
    CaScaleDown {
        node: Text<'a>,
        pool: Text<'a>,
        utilization: f64,
        unneeded_for_s: f64,
        removal: Removal,
    },
    /// Too many unready nodes: every operation stops.
    CaHalted {
        reason: Text<'a>,
    },
    CaResumed,
}

/// Why a node was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeCreation {
    /// One of a pool's `count` nodes, there when the run starts.
    Initial,
    /// An `add_nodes` action.
    AddNodesEvent,
    /// The Cluster Autoscaler's scale-up for pending pods.
    AutoscalerScaleUp,
    /// The Cluster Autoscaler brought a pool back to its `min_count`.
    AutoscalerMinCount,
}

impl NodeCreation {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeCreation::Initial => "initial node",
            NodeCreation::AddNodesEvent => "scenario event add_nodes",
            NodeCreation::AutoscalerScaleUp => "cluster autoscaler: scale-up",
            NodeCreation::AutoscalerMinCount => "cluster autoscaler: min_count",
        }
    }
}

/// Why a node's Ready condition turned False.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReadyCause {
    ZoneOutage,
    VmFailure,
}

impl NotReadyCause {
    pub fn as_str(self) -> &'static str {
        match self {
            NotReadyCause::ZoneOutage => "zone outage",
            NotReadyCause::VmFailure => "VM failure",
        }
    }
}

/// How the Cluster Autoscaler removes a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// No pod to move: the node is deleted.
    Empty,
    /// Its pods are evicted first.
    Drain,
}

impl Removal {
    pub fn as_str(self) -> &'static str {
        match self {
            Removal::Empty => "empty",
            Removal::Drain => "drain",
        }
    }
}

/// What a scale-up answers.
#[derive(Debug, Clone, PartialEq)]
pub enum ScaleUpCause<'a> {
    /// Pods the scheduler could not place: how many, the first five's names, the scheduler's
    /// reasons with their counts, the options the expander saw, its choice and the pools it
    /// could not use.
    PendingPods {
        pending_pods: u32,
        pods: Text<'a>,
        reasons: Text<'a>,
        options: Text<'a>,
        expander: Text<'a>,
        skipped: Text<'a>,
    },
    /// The pool fell below its `min_count`.
    MinCount { reason: Text<'a> },
}

/// One HPA sync: the replicas before and after, each metric's reading, the proposal before
/// and after the stabilization window, and the limit or condition that held, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaSync<'a> {
    pub deployment: Text<'a>,
    pub current: u32,
    pub metrics: Vec<HpaMetric<'a>>,
    pub proposal: Option<u32>,
    pub stabilized: Option<u32>,
    pub desired: u32,
    /// The ScalingLimited condition's reason, empty when no limit held.
    pub limited_by: Text<'a>,
    pub limit_message: Text<'a>,
    pub reason: Text<'a>,
}

/// One metric of an HPA sync.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaMetric<'a> {
    /// `resource/cpu`, `pods/<name>`, `object/<name>` or `external/<name>`.
    pub metric: Text<'a>,
    pub target: MetricTarget,
    /// The reading, or why there was none.
    pub outcome: Result<MetricReading, Text<'a>>,
}

/// A metric's target, as the HPA spec gives it (values in thousandths).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricTarget {
    /// Percent of the pods' requests.
    Utilization(i32),
    AverageValueMilli(i64),
    ValueMilli(i64),
}

impl MetricTarget {
    /// The target value in its unit, for value targets.
    pub fn value(self) -> Option<f64> {
        match self {
            MetricTarget::Utilization(_) => None,
            MetricTarget::AverageValueMilli(v) | MetricTarget::ValueMilli(v) => Some(units(v)),
        }
    }
}

/// What the replica calculator made of a metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricReading {
    /// Percent of the requests, for utilization targets.
    pub utilization: Option<i32>,
    pub value_milli: i64,
    pub ratio: f64,
    pub replicas: u32,
}

impl MetricReading {
    /// The metric's value in its unit.
    pub fn value(&self) -> f64 {
        units(self.value_milli)
    }
}

/// Thousandths as a value in its unit.
fn units(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

impl Record<'_> {
    /// The `kind` of the JSON line.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::NodeProvisioning { .. } => "node_provisioning",
            Record::NodeCreateFailed { .. } => "node_create_failed",
            Record::NodeReady { .. } => "node_ready",
            Record::NodeDraining { .. } => "node_draining",
            Record::NodeDeleted { .. } => "node_deleted",
            Record::NodeRemoveRefused { .. } => "node_remove_refused",
            Record::NodeNotReady { .. } => "node_not_ready",
            Record::NodeReadyAgain { .. } => "node_ready_again",
            Record::PodsEvicted { .. } => "pods_evicted",
            Record::PodScheduled { .. } => "pod_scheduled",
            Record::PodUnschedulable { .. } => "pod_unschedulable",
            Record::PodImagePullBackoff { .. } => "pod_image_pull_backoff",
            Record::ImagePull { .. } => "image_pull",
            Record::PodRunning { .. } => "pod_running",
            Record::PodReady { .. } => "pod_ready",
            Record::PodCompleted { .. } => "pod_completed",
            Record::PodDeleted { .. } => "pod_deleted",
            Record::DeploymentScaled { .. } => "deployment_scaled",
            Record::HpaScaled(_) => "hpa_scaled",
            Record::HpaDecision(_) => "hpa_decision",
            Record::ZoneOutage { .. } => "zone_outage",
            Record::ZoneRecovered { .. } => "zone_recovered",
            Record::StockOut { .. } => "stock_out",
            Record::SpotEviction { .. } => "spot_eviction",
            Record::CaScaleUp { .. } => "ca_scale_up",
            Record::CaNoScaleUp { .. } => "ca_no_scale_up",
            Record::CaScaleUpFailed { .. } => "ca_scale_up_failed",
            Record::CaNodeUnneeded { .. } => "ca_node_unneeded",
            Record::CaNodeKept { .. } => "ca_node_kept",
            Record::CaScaleDownCooldown { .. } => "ca_scale_down_cooldown",
            Record::CaScaleDown { .. } => "ca_scale_down",
            Record::CaHalted { .. } => "ca_halted",
            Record::CaResumed => "ca_resumed",
        }
    }

    /// A decision of the Cluster Autoscaler (the `ca_*` kinds).
    pub fn is_autoscaler_decision(&self) -> bool {
        matches!(
            self,
            Record::CaScaleUp { .. }
                | Record::CaNoScaleUp { .. }
                | Record::CaScaleUpFailed { .. }
                | Record::CaNodeUnneeded { .. }
                | Record::CaNodeKept { .. }
                | Record::CaScaleDownCooldown { .. }
                | Record::CaScaleDown { .. }
                | Record::CaHalted { .. }
                | Record::CaResumed
        )
    }

    /// A fault or its end: a zone outage, a stock-out, a spot eviction, a node turning
    /// NotReady and the evictions that follow.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Record::ZoneOutage { .. }
                | Record::ZoneRecovered { .. }
                | Record::StockOut { .. }
                | Record::SpotEviction { .. }
                | Record::PodsEvicted { .. }
                | Record::NodeNotReady { .. }
        )
    }

    /// One of a pod's own steps, too many to tell one by one.
    pub fn is_pod_step(&self) -> bool {
        matches!(
            self,
            Record::PodScheduled { .. }
                | Record::ImagePull { .. }
                | Record::PodRunning { .. }
                | Record::PodReady { .. }
                | Record::PodDeleted { .. }
                | Record::PodCompleted { .. }
        )
    }

    /// The turning points of a run: the Cluster Autoscaler's decisions, the HPA's rescales
    /// and the faults. The event log keeps these typed beside its text
    /// (`EventLog::milestones`); the page's timeline lists them.
    pub fn is_milestone(&self) -> bool {
        self.is_autoscaler_decision() || self.is_fault() || matches!(self, Record::HpaScaled(_))
    }

    /// The record with every borrowed text copied, to outlive what it borrowed from.
    pub fn into_owned(self) -> Record<'static> {
        use Record as R;
        match self {
            R::NodeProvisioning {
                node,
                pool,
                zone,
                ready_in_s,
                reason,
            } => R::NodeProvisioning {
                node: own(node),
                pool: own(pool),
                zone,
                ready_in_s,
                reason,
            },
            R::NodeCreateFailed { pool, zone, reason } => R::NodeCreateFailed {
                pool: own(pool),
                zone,
                reason: own(reason),
            },
            R::NodeReady {
                node,
                pool,
                zone,
                provisioning_s,
            } => R::NodeReady {
                node: own(node),
                pool: own(pool),
                zone,
                provisioning_s,
            },
            R::NodeDraining {
                node,
                pool,
                pods,
                reason,
            } => R::NodeDraining {
                node: own(node),
                pool: own(pool),
                pods,
                reason: own(reason),
            },
            R::NodeDeleted { node, pool, reason } => R::NodeDeleted {
                node: own(node),
                pool: own(pool),
                reason: own(reason),
            },
            R::NodeRemoveRefused { pool, reason } => R::NodeRemoveRefused {
                pool: own(pool),
                reason: own(reason),
            },
            R::NodeNotReady { node, pods, reason } => R::NodeNotReady {
                node: own(node),
                pods,
                reason,
            },
            R::NodeReadyAgain { node } => R::NodeReadyAgain { node: own(node) },
            R::PodsEvicted { node, pods, reason } => R::PodsEvicted {
                node: own(node),
                pods,
                reason: own(reason),
            },
            R::PodScheduled {
                pod,
                node,
                pool,
                zone,
            } => R::PodScheduled {
                pod: own(pod),
                node: own(node),
                pool: own(pool),
                zone,
            },
            R::PodUnschedulable {
                pod,
                attempts,
                reason,
            } => R::PodUnschedulable {
                pod: own(pod),
                attempts,
                reason: own(reason),
            },
            R::PodImagePullBackoff { pod, node, reason } => R::PodImagePullBackoff {
                pod: own(pod),
                node: own(node),
                reason: own(reason),
            },
            R::ImagePull {
                node,
                image,
                pod,
                done_in_s,
            } => R::ImagePull {
                node: own(node),
                image: own(image),
                pod: own(pod),
                done_in_s,
            },
            R::PodRunning { pod } => R::PodRunning { pod: own(pod) },
            R::PodReady { pod } => R::PodReady { pod: own(pod) },
            R::PodCompleted { pod } => R::PodCompleted { pod: own(pod) },
            R::PodDeleted { pod, reason } => R::PodDeleted {
                pod: own(pod),
                reason: own(reason),
            },
            R::DeploymentScaled {
                deployment,
                from,
                to,
                reason,
            } => R::DeploymentScaled {
                deployment: own(deployment),
                from,
                to,
                reason: own(reason),
            },
            R::HpaScaled(sync) => R::HpaScaled(sync.into_owned()),
            R::HpaDecision(sync) => R::HpaDecision(sync.into_owned()),
            R::ZoneOutage { zone, nodes, until } => R::ZoneOutage {
                zone,
                nodes,
                until: own(until),
            },
            R::ZoneRecovered { zone } => R::ZoneRecovered { zone },
            R::StockOut {
                vm_size,
                zone,
                until,
            } => R::StockOut {
                vm_size: own(vm_size),
                zone,
                until: own(until),
            },
            R::SpotEviction { node, pool, reason } => R::SpotEviction {
                node: own(node),
                pool: own(pool),
                reason: own(reason),
            },
            R::CaScaleUp {
                pools,
                nodes,
                cause,
            } => R::CaScaleUp {
                pools: own(pools),
                nodes,
                cause: match cause {
                    ScaleUpCause::PendingPods {
                        pending_pods,
                        pods,
                        reasons,
                        options,
                        expander,
                        skipped,
                    } => ScaleUpCause::PendingPods {
                        pending_pods,
                        pods: own(pods),
                        reasons: own(reasons),
                        options: own(options),
                        expander: own(expander),
                        skipped: own(skipped),
                    },
                    ScaleUpCause::MinCount { reason } => ScaleUpCause::MinCount {
                        reason: own(reason),
                    },
                },
            },
            R::CaNoScaleUp {
                pending_pods,
                reason,
            } => R::CaNoScaleUp {
                pending_pods,
                reason: own(reason),
            },
            R::CaScaleUpFailed {
                pool,
                reason,
                message,
                backoff_until,
            } => R::CaScaleUpFailed {
                pool: own(pool),
                reason,
                message: own(message),
                backoff_until: own(backoff_until),
            },
            R::CaNodeUnneeded {
                node,
                utilization,
                resource,
            } => R::CaNodeUnneeded {
                node: own(node),
                utilization,
                resource,
            },
            R::CaNodeKept {
                node,
                reason,
                was_unneeded,
            } => R::CaNodeKept {
                node: own(node),
                reason: own(reason),
                was_unneeded,
            },
            R::CaScaleDownCooldown {
                until,
                nodes_waiting,
                reason,
            } => R::CaScaleDownCooldown {
                until: own(until),
                nodes_waiting,
                reason: own(reason),
            },
            R::CaScaleDown {
                node,
                pool,
                utilization,
                unneeded_for_s,
                removal,
            } => R::CaScaleDown {
                node: own(node),
                pool: own(pool),
                utilization,
                unneeded_for_s,
                removal,
            },
            R::CaHalted { reason } => R::CaHalted {
                reason: own(reason),
            },
            R::CaResumed => R::CaResumed,
        }
    }

    /// Appends the record's fields to a JSON object already open (`,"key":value` each), in
    /// their fixed order.
    pub fn write_fields(&self, out: &mut String) {
        let mut f = Fields(out);
        match self {
            Record::NodeProvisioning {
                node,
                pool,
                zone,
                ready_in_s,
                reason,
            } => f
                .text("node", node)
                .text("pool", pool)
                .text("zone", zone)
                .num("ready_in_s", *ready_in_s)
                .text("reason", reason.as_str()),
            Record::NodeCreateFailed { pool, zone, reason } => f
                .text("pool", pool)
                .text("zone", zone)
                .text("reason", reason),
            Record::NodeReady {
                node,
                pool,
                zone,
                provisioning_s,
            } => f
                .text("node", node)
                .text("pool", pool)
                .text("zone", zone)
                .num("provisioning_s", *provisioning_s),
            Record::NodeDraining {
                node,
                pool,
                pods,
                reason,
            } => f
                .text("node", node)
                .text("pool", pool)
                .int("pods", pods)
                .text("reason", reason),
            Record::NodeDeleted { node, pool, reason } => f
                .text("node", node)
                .text("pool", pool)
                .text("reason", reason),
            Record::NodeRemoveRefused { pool, reason } => {
                f.text("pool", pool).text("reason", reason)
            }
            Record::NodeNotReady { node, pods, reason } => f
                .text("node", node)
                .int("pods", pods)
                .text("reason", reason.as_str()),
            Record::NodeReadyAgain { node } => f.text("node", node),
            Record::PodsEvicted { node, pods, reason } => f
                .text("node", node)
                .int("pods", pods)
                .text("reason", reason),
            Record::PodScheduled {
                pod,
                node,
                pool,
                zone,
            } => f
                .text("pod", pod)
                .text("node", node)
                .text("pool", pool)
                .text("zone", zone),
            Record::PodUnschedulable {
                pod,
                attempts,
                reason,
            } => f
                .text("pod", pod)
                .int("attempts", attempts)
                .text("reason", reason),
            Record::PodImagePullBackoff { pod, node, reason } => {
                f.text("pod", pod).text("node", node).text("reason", reason)
            }
            Record::ImagePull {
                node,
                image,
                pod,
                done_in_s,
            } => f
                .text("node", node)
                .text("image", image)
                .text("pod", pod)
                .num("done_in_s", *done_in_s),
            Record::PodRunning { pod }
            | Record::PodReady { pod }
            | Record::PodCompleted { pod } => f.text("pod", pod),
            Record::PodDeleted { pod, reason } => f.text("pod", pod).text("reason", reason),
            Record::DeploymentScaled {
                deployment,
                from,
                to,
                reason,
            } => f
                .text("deployment", deployment)
                .int("from", from)
                .int("to", to)
                .text("reason", reason),
            Record::HpaScaled(sync) | Record::HpaDecision(sync) => f.hpa(sync),
            Record::ZoneOutage { zone, nodes, until } => {
                f.int("zone", zone).int("nodes", nodes).text("until", until)
            }
            Record::ZoneRecovered { zone } => f.int("zone", zone),
            Record::StockOut {
                vm_size,
                zone,
                until,
            } => {
                f.text("vm_size", vm_size);
                match zone {
                    Some(z) => f.unescaped_text("zone", z),
                    None => f.unescaped_text("zone", "all"),
                };
                f.text("until", until)
            }
            Record::SpotEviction { node, pool, reason } => f
                .text("node", node)
                .text("pool", pool)
                .text("reason", reason),
            Record::CaScaleUp {
                pools,
                nodes,
                cause,
            } => {
                f.text("pools", pools).int("nodes", nodes);
                match cause {
                    ScaleUpCause::PendingPods {
                        pending_pods,
                        pods,
                        reasons,
                        options,
                        expander,
                        skipped,
                    } => f
                        .int("pending_pods", pending_pods)
                        .text("pods", pods)
                        .text("reasons", reasons)
                        .text("options", options)
                        .text("expander", expander)
                        .text("skipped", skipped),
                    ScaleUpCause::MinCount { reason } => f.text("reason", reason),
                }
            }
            Record::CaNoScaleUp {
                pending_pods,
                reason,
            } => f.int("pending_pods", pending_pods).text("reason", reason),
            Record::CaScaleUpFailed {
                pool,
                reason,
                message,
                backoff_until,
            } => f
                .text("pool", pool)
                .text("reason", reason)
                .text("message", message)
                .text("backoff_until", backoff_until),
            Record::CaNodeUnneeded {
                node,
                utilization,
                resource,
            } => f
                .text("node", node)
                .num("utilization", *utilization)
                .text("resource", resource),
            Record::CaNodeKept {
                node,
                reason,
                was_unneeded,
            } => f
                .text("node", node)
                .text("reason", reason)
                .int("was_unneeded", was_unneeded),
            Record::CaScaleDownCooldown {
                until,
                nodes_waiting,
                reason,
            } => f
                .text("until", until)
                .int("nodes_waiting", nodes_waiting)
                .text("reason", reason),
            Record::CaScaleDown {
                node,
                pool,
                utilization,
                unneeded_for_s,
                removal,
            } => f
                .text("node", node)
                .text("pool", pool)
                .num("utilization", *utilization)
                .num("unneeded_for_s", *unneeded_for_s)
                .text("removal", removal.as_str()),
            Record::CaHalted { reason } => f.text("reason", reason),
            Record::CaResumed => &mut f,
        };
    }
}

impl HpaSync<'_> {
    fn into_owned(self) -> HpaSync<'static> {
        HpaSync {
            deployment: own(self.deployment),
            current: self.current,
            metrics: self
                .metrics
                .into_iter()
                .map(|m| HpaMetric {
                    metric: own(m.metric),
                    target: m.target,
                    outcome: m.outcome.map_err(own),
                })
                .collect(),
            proposal: self.proposal,
            stabilized: self.stabilized,
            desired: self.desired,
            limited_by: own(self.limited_by),
            limit_message: own(self.limit_message),
            reason: own(self.reason),
        }
    }
}

fn own(text: Text<'_>) -> Text<'static> {
    Cow::Owned(text.into_owned())
}

/// Writes `,"key":value` pairs into an open JSON object.
struct Fields<'o>(&'o mut String);

impl Fields<'_> {
    fn key(&mut self, key: &str) {
        self.0.push_str(",\"");
        self.0.push_str(key);
        self.0.push_str("\":");
    }

    fn text(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        push_json_str(self.0, value);
        self
    }

    /// A string that needs no escaping (a number, a fixed word), written without a copy.
    fn unescaped_text(&mut self, key: &str, value: impl Display) -> &mut Self {
        self.key(key);
        let _ = write!(self.0, "\"{value}\"");
        self
    }

    /// An integer or a boolean, as Rust prints it (which is JSON's form).
    fn int(&mut self, key: &str, value: impl Display) -> &mut Self {
        self.key(key);
        let _ = write!(self.0, "{value}");
        self
    }

    fn opt_int(&mut self, key: &str, value: Option<u32>) -> &mut Self {
        match value {
            Some(v) => self.int(key, v),
            None => {
                self.key(key);
                self.0.push_str("null");
                self
            }
        }
    }

    /// Six decimals, so that lines diff cleanly; `null` for a value that is not finite.
    fn num(&mut self, key: &str, value: f64) -> &mut Self {
        self.key(key);
        if value.is_finite() {
            let _ = write!(self.0, "{value:.6}");
        } else {
            self.0.push_str("null");
        }
        self
    }

    fn hpa(&mut self, s: &HpaSync) -> &mut Self {
        self.text("deployment", &s.deployment)
            .int("current", s.current);
        self.key("metrics");
        self.0.push('[');
        for (i, m) in s.metrics.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            write_metric(self.0, m);
        }
        self.0.push(']');
        self.opt_int("proposal", s.proposal)
            .opt_int("stabilized", s.stabilized)
            .int("desired", s.desired)
            .text("limited_by", &s.limited_by)
            .text("limit_message", &s.limit_message)
            .text("reason", &s.reason)
    }
}

/// One metric of an HPA sync as a JSON object. Values are in their units, as short as they
/// print; the ratio has six decimals (0 when it is not finite).
fn write_metric(out: &mut String, m: &HpaMetric) {
    out.push_str("{\"metric\":");
    push_json_str(out, &m.metric);
    let _ = match m.target {
        MetricTarget::Utilization(u) => write!(out, ",\"target_utilization\":{u}"),
        MetricTarget::AverageValueMilli(v) => {
            write!(out, ",\"target_average_value\":{}", units(v))
        }
        MetricTarget::ValueMilli(v) => write!(out, ",\"target_value\":{}", units(v)),
    };
    match &m.outcome {
        Ok(r) => {
            if let Some(u) = r.utilization {
                let _ = write!(out, ",\"utilization\":{u}");
            }
            let ratio = if r.ratio.is_finite() { r.ratio } else { 0.0 };
            let _ = write!(
                out,
                ",\"value\":{},\"ratio\":{ratio:.6},\"replicas\":{}",
                r.value(),
                r.replicas
            );
        }
        Err(e) => {
            out.push_str(",\"error\":");
            push_json_str(out, e);
        }
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &Record) -> String {
        let mut out = String::new();
        r.write_fields(&mut out);
        out
    }

    #[test]
    fn fields_keep_their_order_and_json_forms() {
        let cases: [(Record, &str); 5] = [
            (
                Record::CaScaleDown {
                    node: "n\"1".into(),
                    pool: "win".into(),
                    utilization: 0.263,
                    unneeded_for_s: f64::NAN,
                    removal: Removal::Drain,
                },
                r#","node":"n\"1","pool":"win","utilization":0.263000,"unneeded_for_s":null,"removal":"drain""#,
            ),
            (
                Record::CaScaleUp {
                    pools: "spot +1".into(),
                    nodes: 1,
                    cause: ScaleUpCause::MinCount {
                        reason: "below".into(),
                    },
                },
                r#","pools":"spot +1","nodes":1,"reason":"below""#,
            ),
            (
                Record::CaNodeKept {
                    node: "n".into(),
                    reason: "tab\there".into(),
                    was_unneeded: false,
                },
                r#","node":"n","reason":"tab\there","was_unneeded":false"#,
            ),
            (
                Record::NodeNotReady {
                    node: "n".into(),
                    pods: 3,
                    reason: NotReadyCause::ZoneOutage,
                },
                r#","node":"n","pods":3,"reason":"zone outage""#,
            ),
            (Record::CaResumed, ""),
        ];
        for (record, expected) in cases {
            assert_eq!(fields(&record), expected, "{}", record.kind());
        }
    }

    #[test]
    fn an_hpa_sync_writes_its_metrics_inline() {
        let sync = HpaSync {
            deployment: "api".into(),
            current: 4,
            metrics: vec![
                HpaMetric {
                    metric: "resource/cpu".into(),
                    target: MetricTarget::Utilization(50),
                    outcome: Ok(MetricReading {
                        utilization: Some(250),
                        value_milli: 500,
                        ratio: 5.0,
                        replicas: 20,
                    }),
                },
                HpaMetric {
                    metric: "pods/rps".into(),
                    // 1500 thousandths print as 1.5, 2000 as 2: as short as they print.
                    target: MetricTarget::AverageValueMilli(1500),
                    outcome: Ok(MetricReading {
                        utilization: None,
                        value_milli: 2000,
                        ratio: f64::INFINITY,
                        replicas: 6,
                    }),
                },
                HpaMetric {
                    metric: "external/queue".into(),
                    target: MetricTarget::ValueMilli(30_000),
                    outcome: Err("no \"queue\" metric".into()),
                },
            ],
            proposal: Some(20),
            stabilized: None,
            desired: 6,
            limited_by: "TooManyReplicas".into(),
            limit_message: "".into(),
            reason: "above target".into(),
        };
        assert_eq!(
            fields(&Record::HpaScaled(sync)),
            concat!(
                r#","deployment":"api","current":4,"metrics":["#,
                r#"{"metric":"resource/cpu","target_utilization":50,"utilization":250,"value":0.5,"ratio":5.000000,"replicas":20},"#,
                r#"{"metric":"pods/rps","target_average_value":1.5,"value":2,"ratio":0.000000,"replicas":6},"#,
                r#"{"metric":"external/queue","target_value":30,"error":"no \"queue\" metric"}"#,
                r#"],"proposal":20,"stabilized":null,"desired":6,"limited_by":"TooManyReplicas","#,
                r#""limit_message":"","reason":"above target""#
            )
        );
    }

    #[test]
    fn an_owned_record_outlives_what_it_borrowed() {
        let name = String::from("aks-spot-0");
        let borrowed = Record::SpotEviction {
            node: name.as_str().into(),
            pool: "spot".into(),
            reason: "eviction wave".into(),
        };
        let owned: Record<'static> = borrowed.clone().into_owned();
        assert_eq!(owned, borrowed);
        drop(borrowed);
        drop(name);
        assert_eq!(
            fields(&owned),
            r#","node":"aks-spot-0","pool":"spot","reason":"eviction wave""#
        );
        assert!(owned.is_fault() && owned.is_milestone() && !owned.is_autoscaler_decision());
    }
}
