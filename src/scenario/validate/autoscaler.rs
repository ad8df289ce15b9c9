//! Phase two for the Cluster Autoscaler's inputs: `[autoscaler]` (AKS's
//! `cluster-autoscaler-profile` keys, reference §2.6, and upstream flags AKS does not expose,
//! §2.1) with its priority expander table, `[quota]` (regional vCPU quotas per VM family) and a
//! deployment's `pdb` (the PodDisruptionBudget a drain must respect).
//!
//! AKS passes every profile value as a string, so numbers and booleans are accepted as strings
//! too (`"0.5"`, `"600"`, `"true"`) and checked here, where an error can name its key.

use std::ops::RangeInclusive;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::StrDeserializer;

use super::{Ctx, MAX_NODES_PER_CLUSTER};
use crate::api::Sku;
use crate::api::VcpuQuota;
use crate::api::{IntOrPercent, Pdb, PoolSpec, Priority};
use crate::autoscaler::{NamePattern, Profile, Strategy};
use crate::engine::SimDuration;
use crate::scenario::raw::*;

/// The expanders AKS's API accepts (reference §2.6).
const AKS_EXPANDERS: &str = "least-waste, most-pods, priority, random";
/// Every expander aksim models.
const ALL_EXPANDERS: &str = "random, most-pods, least-waste, least-nodes, price, priority";
/// A cap on `max-graceful-termination-sec`: a pod's own grace period is at most a day here.
const MAX_GRACEFUL_TERMINATION_SECS: i64 = 86_400;

fn field(key: &str) -> String {
    format!("autoscaler.{key}")
}

/// A boolean written as `true` or `"true"`.
fn flag(ctx: &mut Ctx, v: &Option<S<BoolOrText>>, default: bool, key: &str) -> bool {
    let Some(s) = v else { return default };
    match s.get_ref() {
        BoolOrText::Bool(b) => *b,
        BoolOrText::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                ctx.err_hint(
                    Some(s.span()),
                    field(key),
                    format!("{t:?} is not a boolean"),
                    "write true or false (or \"true\", \"false\" as AKS passes them)",
                );
                default
            }
        },
    }
}

/// A number written as `0.5` or `"0.5"`, finite and `ok`; otherwise an error "{value} {rule}".
fn number(
    ctx: &mut Ctx,
    v: &Option<S<NumberOrText>>,
    key: &str,
    ok: impl Fn(f64) -> bool,
    rule: &str,
) -> Option<f64> {
    let s = v.as_ref()?;
    let text = s.get_ref().trim();
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && ok(x) => Some(x),
        Ok(_) => {
            ctx.err(Some(s.span()), field(key), format!("{text} {rule}"));
            None
        }
        Err(_) => {
            ctx.err(
                Some(s.span()),
                field(key),
                format!("{text:?} is not a number"),
            );
            None
        }
    }
}

/// A whole number written as `600` or `"600"`, within `range`; otherwise "{value} {rule}".
fn whole(
    ctx: &mut Ctx,
    v: &Option<S<NumberOrText>>,
    key: &str,
    range: RangeInclusive<i64>,
    rule: &str,
) -> Option<i64> {
    let s = v.as_ref()?;
    let text = s.get_ref().trim();
    match text.parse::<i64>() {
        Ok(n) if range.contains(&n) => Some(n),
        Ok(n) => {
            ctx.err(Some(s.span()), field(key), format!("{n} {rule}"));
            None
        }
        Err(_) => {
            let why = if text.parse::<f64>().is_ok() {
                format!("{text} is not a whole number")
            } else {
                format!("{text:?} is not a number")
            };
            ctx.err(Some(s.span()), field(key), why);
            None
        }
    }
}

/// `[autoscaler]`. `pools` are the validated node pools (for the warnings about what the
/// profile applies to); without the table every value is AKS's default.
pub(super) fn profile(
    ctx: &mut Ctx,
    raw: Option<&S<RawAutoscaler>>,
    pools: &[PoolSpec],
) -> Profile {
    let d = Profile::default();
    let Some(table) = raw else { return d };
    let r = table.get_ref();
    if !pools.is_empty() && !pools.iter().any(|p| p.enable_auto_scaling) {
        ctx.warn_hint(
            Some(table.span()),
            "autoscaler",
            "no node pool has enable_auto_scaling = true: the cluster autoscaler has nothing to do",
            "set enable_auto_scaling = true, min_count and max_count on the pools it should scale",
        );
    }
    let duration = |ctx: &mut Ctx, v: &Option<S<String>>, default: SimDuration, key: &str| {
        ctx.duration(v, default, &field(key))
    };

    let scan_interval = duration(ctx, &r.scan_interval, d.scan_interval, "scan-interval");
    if scan_interval < SimDuration::from_secs(1) {
        ctx.err(
            r.scan_interval.as_ref().map(|s| s.span()),
            field("scan-interval"),
            "the scan interval must be at least 1s",
        );
    }
    let scan_interval = scan_interval.max(SimDuration::from_secs(1));

    let priorities = priorities(ctx, &r.priorities, pools);
    let expander = expander(ctx, r.expander.as_ref(), &priorities, &r.priorities);

    let threshold = number(
        ctx,
        &r.scale_down_utilization_threshold,
        "scale-down-utilization-threshold",
        |x| x > 0.0 && x <= 1.0,
        "is not a fraction of allocatable above 0 and at most 1 (default 0.5)",
    );
    let unready_percentage = number(
        ctx,
        &r.max_total_unready_percentage,
        "max-total-unready-percentage",
        |x| (0.0..=100.0).contains(&x),
        "is not a percentage from 0 to 100",
    );
    let u32_max = i64::from(u32::MAX);
    let graceful = whole(
        ctx,
        &r.max_graceful_termination_sec,
        "max-graceful-termination-sec",
        0..=MAX_GRACEFUL_TERMINATION_SECS,
        "is outside 0–86400 seconds",
    );
    let bulk_delete = whole(
        ctx,
        &r.max_empty_bulk_delete,
        "max-empty-bulk-delete",
        1..=u32_max,
        "is not a node count of at least 1",
    );
    let ok_unready = whole(
        ctx,
        &r.ok_total_unready_count,
        "ok-total-unready-count",
        0..=u32_max,
        "is not a node count (0 or more)",
    );
    let max_nodes_total = whole(
        ctx,
        &r.max_nodes_total,
        "max-nodes-total",
        0..=MAX_NODES_PER_CLUSTER as i64,
        "is outside 0 (no limit) to 5000, AKS's node limit per cluster",
    );
    let total_nodes: u64 = pools.iter().map(|p| u64::from(p.count)).sum();
    if let Some(m) = max_nodes_total
        && m > 0
        && total_nodes > m as u64
    {
        ctx.warn(
            r.max_nodes_total.as_ref().map(|s| s.span()),
            field("max-nodes-total"),
            format!(
                "the pools start with {total_nodes} nodes, more than {m}: the autoscaler will not scale up"
            ),
        );
    }
    let cutoff = whole(
        ctx,
        &r.expendable_pods_priority_cutoff,
        "expendable-pods-priority-cutoff",
        i64::from(i32::MIN)..=i64::from(i32::MAX),
        "is not a pod priority (a 32-bit integer)",
    );
    let drain_parallelism = whole(
        ctx,
        &r.max_drain_parallelism,
        "max-drain-parallelism",
        1..=u32_max,
        "is not a node count of at least 1",
    );

    let initial_backoff = duration(
        ctx,
        &r.initial_node_group_backoff_duration,
        d.initial_node_group_backoff,
        "initial-node-group-backoff-duration",
    );
    let max_backoff = duration(
        ctx,
        &r.max_node_group_backoff_duration,
        d.max_node_group_backoff,
        "max-node-group-backoff-duration",
    );
    if max_backoff < initial_backoff {
        let span = r
            .max_node_group_backoff_duration
            .as_ref()
            .or(r.initial_node_group_backoff_duration.as_ref())
            .map(|s| s.span());
        ctx.err(
            span,
            field("max-node-group-backoff-duration"),
            format!(
                "the maximum backoff ({max_backoff}) is shorter than the initial one ({initial_backoff})"
            ),
        );
    }

    Profile {
        scan_interval,
        expander,
        balance_similar_node_groups: flag(
            ctx,
            &r.balance_similar_node_groups,
            d.balance_similar_node_groups,
            "balance-similar-node-groups",
        ),
        scale_down_enabled: flag(
            ctx,
            &r.scale_down_enabled,
            d.scale_down_enabled,
            "scale-down-enabled",
        ),
        scale_down_delay_after_add: duration(
            ctx,
            &r.scale_down_delay_after_add,
            d.scale_down_delay_after_add,
            "scale-down-delay-after-add",
        ),
        // AKS's default is the scan interval actually configured (reference §2.6).
        scale_down_delay_after_delete: duration(
            ctx,
            &r.scale_down_delay_after_delete,
            scan_interval,
            "scale-down-delay-after-delete",
        ),
        scale_down_delay_after_failure: duration(
            ctx,
            &r.scale_down_delay_after_failure,
            d.scale_down_delay_after_failure,
            "scale-down-delay-after-failure",
        ),
        scale_down_unneeded_time: duration(
            ctx,
            &r.scale_down_unneeded_time,
            d.scale_down_unneeded_time,
            "scale-down-unneeded-time",
        ),
        scale_down_unready_time: duration(
            ctx,
            &r.scale_down_unready_time,
            d.scale_down_unready_time,
            "scale-down-unready-time",
        ),
        scale_down_utilization_threshold: threshold.unwrap_or(d.scale_down_utilization_threshold),
        max_graceful_termination: graceful.map_or(d.max_graceful_termination, |s| {
            SimDuration::from_secs(s as u64)
        }),
        max_node_provision_time: duration(
            ctx,
            &r.max_node_provision_time,
            d.max_node_provision_time,
            "max-node-provision-time",
        ),
        max_empty_bulk_delete: bulk_delete.map_or(d.max_empty_bulk_delete, |n| n as u32),
        new_pod_scale_up_delay: duration(
            ctx,
            &r.new_pod_scale_up_delay,
            d.new_pod_scale_up_delay,
            "new-pod-scale-up-delay",
        ),
        skip_nodes_with_system_pods: flag(
            ctx,
            &r.skip_nodes_with_system_pods,
            d.skip_nodes_with_system_pods,
            "skip-nodes-with-system-pods",
        ),
        skip_nodes_with_local_storage: flag(
            ctx,
            &r.skip_nodes_with_local_storage,
            d.skip_nodes_with_local_storage,
            "skip-nodes-with-local-storage",
        ),
        max_total_unready_percentage: unready_percentage.unwrap_or(d.max_total_unready_percentage),
        ok_total_unready_count: ok_unready.map_or(d.ok_total_unready_count, |n| n as u32),
        max_nodes_total: max_nodes_total.map_or(d.max_nodes_total, |n| n as u32),
        ignore_daemonsets_utilization: flag(
            ctx,
            &r.ignore_daemonsets_utilization,
            d.ignore_daemonsets_utilization,
            "ignore-daemonsets-utilization",
        ),
        daemonset_eviction_for_empty_nodes: flag(
            ctx,
            &r.daemonset_eviction_for_empty_nodes,
            d.daemonset_eviction_for_empty_nodes,
            "daemonset-eviction-for-empty-nodes",
        ),
        daemonset_eviction_for_occupied_nodes: flag(
            ctx,
            &r.daemonset_eviction_for_occupied_nodes,
            d.daemonset_eviction_for_occupied_nodes,
            "daemonset-eviction-for-occupied-nodes",
        ),
        initial_node_group_backoff: initial_backoff,
        max_node_group_backoff: max_backoff.max(initial_backoff),
        node_group_backoff_reset_timeout: duration(
            ctx,
            &r.node_group_backoff_reset_timeout,
            d.node_group_backoff_reset_timeout,
            "node-group-backoff-reset-timeout",
        ),
        unremovable_node_recheck_timeout: duration(
            ctx,
            &r.unremovable_node_recheck_timeout,
            d.unremovable_node_recheck_timeout,
            "unremovable-node-recheck-timeout",
        ),
        expendable_pods_priority_cutoff: cutoff
            .map_or(d.expendable_pods_priority_cutoff, |n| n as i32),
        max_drain_parallelism: drain_parallelism.map_or(d.max_drain_parallelism, |n| n as u32),
        priorities,
    }
}

/// `expander`: a comma-separated chain, each name once; `priority` gets the priorities table.
fn expander(
    ctx: &mut Ctx,
    raw: Option<&S<String>>,
    priorities: &[(i32, Vec<NamePattern>)],
    raw_priorities: &indexmap::IndexMap<String, S<Vec<S<String>>>>,
) -> Vec<Strategy> {
    let f = field("expander");
    let mut names: Vec<ExpanderName> = Vec::new();
    if let Some(s) = raw {
        let span = Some(s.span());
        for name in s.get_ref().split(',').map(str::trim) {
            let de: StrDeserializer<'_, serde::de::value::Error> = name.into_deserializer();
            let parsed = ExpanderName::deserialize(de);
            match parsed {
                _ if name.is_empty() => ctx.err_hint(
                    span.clone(),
                    &f,
                    format!("{:?} has an empty expander name", s.get_ref()),
                    "separate the names with commas, e.g. \"priority,least-waste\"",
                ),
                Ok(ExpanderName::Grpc) => ctx.err_hint(
                    span.clone(),
                    &f,
                    "the grpc expander (an external service) is not modelled",
                    format!("use {ALL_EXPANDERS}"),
                ),
                Ok(n) if names.contains(&n) => ctx.err(
                    span.clone(),
                    &f,
                    format!("{name:?} appears twice in the chain"),
                ),
                Ok(n) => {
                    if matches!(n, ExpanderName::LeastNodes | ExpanderName::Price) {
                        ctx.warn(
                            span.clone(),
                            &f,
                            format!(
                                "AKS's API does not accept {name:?} (it allows {AKS_EXPANDERS}); aksim runs it for experiments"
                            ),
                        );
                    }
                    names.push(n);
                }
                Err(_) => ctx.err_hint(
                    span.clone(),
                    &f,
                    format!("unknown expander {name:?}"),
                    format!("one of {ALL_EXPANDERS}, or a chain such as \"priority,least-waste\""),
                ),
            }
        }
        if let Some(i) = names.iter().position(|n| *n == ExpanderName::Random)
            && i + 1 < names.len()
        {
            ctx.warn(
                span.clone(),
                &f,
                "random picks one option, so the expanders after it in the chain are never used",
            );
        }
    }
    let uses_priority = names.contains(&ExpanderName::Priority);
    if uses_priority && priorities.is_empty() {
        ctx.warn_hint(
            raw.map(|s| s.span()),
            &f,
            "the chain uses priority but [autoscaler.priorities] is empty: the priority expander passes every option on",
            "add [autoscaler.priorities] with lines like 10 = [\"^spot.*\"] and 50 = [\".*\"]",
        );
    }
    if !uses_priority && let Some(first) = raw_priorities.values().min_by_key(|v| v.span().start) {
        ctx.warn(
            Some(first.span()),
            "autoscaler.priorities",
            "the priorities are read only by the priority expander, which the expander chain does not include",
        );
    }
    if names.is_empty() {
        return Profile::default().expander;
    }
    names
        .into_iter()
        .map(|n| match n {
            ExpanderName::Random => Strategy::Random,
            ExpanderName::MostPods => Strategy::MostPods,
            ExpanderName::LeastWaste => Strategy::LeastWaste,
            ExpanderName::LeastNodes => Strategy::LeastNodes,
            ExpanderName::Price => Strategy::Price,
            ExpanderName::Priority => Strategy::Priority(priorities.to_vec()),
            ExpanderName::Grpc => unreachable!("grpc is refused above"),
        })
        .collect()
}

/// `[autoscaler.priorities]`, highest priority first.
fn priorities(
    ctx: &mut Ctx,
    raw: &indexmap::IndexMap<String, S<Vec<S<String>>>>,
    pools: &[PoolSpec],
) -> Vec<(i32, Vec<NamePattern>)> {
    let pool_names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
    let mut out: Vec<(i32, Vec<NamePattern>)> = Vec::new();
    for (key, list) in raw {
        let f = format!("autoscaler.priorities.{key:?}");
        let Ok(priority) = key.trim().parse::<i32>() else {
            ctx.err_hint(
                Some(list.span()),
                f,
                format!("{key:?} is not a priority"),
                "priorities are whole numbers written as keys, e.g. 10 = [\"^spot.*\"]",
            );
            continue;
        };
        if out.iter().any(|(p, _)| *p == priority) {
            ctx.err(
                Some(list.span()),
                f,
                format!("priority {priority} is listed twice"),
            );
            continue;
        }
        if priority < -1 {
            // The expander's running maximum starts at -1 (`expander/priority/priority.go`).
            ctx.warn(
                Some(list.span()),
                &f,
                format!("the priority expander never selects a priority below -1 ({priority})"),
            );
        }
        let mut patterns = Vec::new();
        for p in list.get_ref() {
            if ctx.no_control(p.get_ref(), Some(p.span()), &f) {
                continue;
            }
            match NamePattern::parse(p.get_ref()) {
                Ok(pattern) => {
                    if !pools.is_empty() && !pool_names.iter().any(|n| pattern.matches(n)) {
                        ctx.warn_hint(
                            Some(p.span()),
                            &f,
                            format!("pattern {:?} matches no node pool", p.get_ref()),
                            format!("the pools are {}", pool_names.join(", ")),
                        );
                    }
                    patterns.push(pattern);
                }
                Err(e) => ctx.err_hint(
                    Some(p.span()),
                    &f,
                    e.to_string(),
                    "e.g. \"^spot.*\", \"user\", \".*pool$\" or \".*\"",
                ),
            }
        }
        out.push((priority, patterns));
    }
    out.sort_by_key(|(p, _)| std::cmp::Reverse(*p));
    out
}

/// `[quota]`: family → vCPUs, each family spelled as the catalogue spells it. Spot VMs draw
/// on Azure's separate spot vCPU quota, so only regular pools count against a family's.
pub(super) fn quotas(
    ctx: &mut Ctx,
    raw: &indexmap::IndexMap<String, S<i64>>,
    pools: &[PoolSpec],
    skus: &[Sku],
) -> Vec<VcpuQuota> {
    let regular: Vec<&PoolSpec> = pools
        .iter()
        .filter(|p| p.priority == Priority::Regular)
        .collect();
    let mut used_families: Vec<&str> = Vec::new();
    for p in &regular {
        if !used_families.contains(&p.sku.family.as_str()) {
            used_families.push(&p.sku.family);
        }
    }
    // The TOML reader hands tables over sorted by key; the spans give back the file's order.
    let mut entries: Vec<(&String, &S<i64>)> = raw.iter().collect();
    entries.sort_by_key(|(_, v)| v.span().start);
    let mut out: Vec<VcpuQuota> = Vec::new();
    for (key, v) in entries {
        let span = Some(v.span());
        let family = skus
            .iter()
            .find(|s| s.family.eq_ignore_ascii_case(key.trim()))
            .map_or(key.trim(), |s| s.family.as_str())
            .to_string();
        let f = format!("quota.{family}");
        if ctx.no_control(key, span.clone(), format!("quota.{key:?}")) {
            continue;
        }
        let Ok(vcpus) = u64::try_from(*v.get_ref()) else {
            ctx.err(span, f, "a quota is a number of vCPUs, 0 or more");
            continue;
        };
        if out.iter().any(|q| q.family == family) {
            ctx.err(span, f, format!("family {family:?} is listed twice"));
            continue;
        }
        let users: Vec<&&PoolSpec> = regular.iter().filter(|p| p.sku.family == family).collect();
        if users.is_empty() && !pools.is_empty() {
            let hint = if used_families.is_empty() {
                "no regular-priority pool is defined (spot VMs draw on a separate quota)"
                    .to_string()
            } else {
                format!("the pools use {}", used_families.join(", "))
            };
            ctx.warn_hint(
                span.clone(),
                &f,
                format!(
                    "no node pool's VM size is of family {family:?}: this quota limits nothing"
                ),
                hint,
            );
        }
        let used: u64 = users
            .iter()
            .map(|p| u64::from(p.count) * u64::from(p.sku.vcpu))
            .sum();
        if used > vcpus {
            let detail: Vec<String> = users
                .iter()
                .filter(|p| p.count > 0)
                .map(|p| format!("{}: {} × {}", p.name, p.count, p.sku.vcpu))
                .collect();
            ctx.err_hint(
                span,
                &f,
                format!(
                    "the pools start with {used} vCPUs of this family ({}), more than the quota of {vcpus}",
                    detail.join(", ")
                ),
                "raise the quota or start the pools with fewer nodes",
            );
        }
        out.push(VcpuQuota { family, vcpus });
    }
    out
}

/// `pdb = { max_unavailable = … }` or `{ min_available = … }`. `controller` is false for bare
/// pods; `most_replicas` is the most pods the deployment can have (its HPA's max, or its
/// replicas), used to warn about a budget that never allows an eviction.
pub(super) fn pdb(
    ctx: &mut Ctx,
    raw: &S<RawPdb>,
    f: &str,
    controller: bool,
    most_replicas: u32,
) -> Option<Pdb> {
    let r = raw.get_ref();
    let f = format!("{f}.pdb");
    let value = |ctx: &mut Ctx, v: &S<IntOrString>, key: &str| -> Option<IntOrPercent> {
        let field = format!("{f}.{key}");
        match v.get_ref() {
            IntOrString::Int(n) => match u32::try_from(*n) {
                Ok(n) => Some(IntOrPercent::Int(n)),
                Err(_) => {
                    ctx.err(
                        Some(v.span()),
                        field,
                        format!("{n} is not a pod count (0 or more)"),
                    );
                    None
                }
            },
            IntOrString::Text(t) => {
                match t.trim().strip_suffix('%').map(|n| n.trim().parse::<u32>()) {
                    Some(Ok(p)) if p <= 100 => Some(IntOrPercent::Percent(p)),
                    Some(Ok(_)) => {
                        ctx.err(Some(v.span()), field, format!("{t:?} is more than 100%"));
                        None
                    }
                    _ => {
                        ctx.err_hint(
                            Some(v.span()),
                            field,
                            format!("{t:?} is neither a pod count nor a percentage"),
                            "write a whole number (1) or a percentage (\"50%\")",
                        );
                        None
                    }
                }
            }
        }
    };
    let pdb = match (&r.max_unavailable, &r.min_available) {
        (Some(_), Some(min)) => {
            ctx.err(
                Some(min.span()),
                format!("{f}.min_available"),
                "give max_unavailable or min_available, not both (as Kubernetes requires)",
            );
            return None;
        }
        (None, None) => {
            ctx.err_hint(
                Some(raw.span()),
                f,
                "a budget needs max_unavailable or min_available",
                "e.g. pdb = { max_unavailable = 1 } or pdb = { min_available = \"50%\" }",
            );
            return None;
        }
        (Some(max), None) => Pdb::MaxUnavailable(value(ctx, max, "max_unavailable")?),
        (None, Some(min)) => Pdb::MinAvailable(value(ctx, min, "min_available")?),
    };
    // Kubernetes computes other budgets from the controller's scale, which bare pods lack
    // ("Specifying a Disruption Budget for your Application", arbitrary workloads).
    if !controller && !matches!(pdb, Pdb::MinAvailable(IntOrPercent::Int(_))) {
        ctx.err_hint(
            Some(raw.span()),
            &f,
            "a budget over bare pods (controller = false) takes min_available as a whole number",
            "use pdb = { min_available = N }",
        );
    }
    // Evictions allowed never decrease as the deployment grows, so if none is allowed at its
    // largest size, none ever is.
    if most_replicas > 0 && pdb.disruptions_allowed(most_replicas, most_replicas) == 0 {
        ctx.warn(
            Some(raw.span()),
            &f,
            "the budget allows no voluntary eviction; nodes running these pods are never scaled down",
        );
    }
    Some(pdb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx { diags: Vec::new() }
    }

    fn text(s: &str) -> Option<S<NumberOrText>> {
        Some(S::new(0..1, NumberOrText(s.to_string())))
    }

    #[test]
    fn numbers_and_whole_numbers_from_text() {
        let mut c = ctx();
        let any = |_: f64| true;
        assert_eq!(number(&mut c, &text("0.5"), "k", any, ""), Some(0.5));
        assert_eq!(number(&mut c, &text(" 1 "), "k", any, ""), Some(1.0));
        assert_eq!(whole(&mut c, &text("-10"), "k", -100..=0, ""), Some(-10));
        assert!(c.diags.is_empty());
        assert_eq!(number(&mut c, &text("half"), "k", any, ""), None);
        assert_eq!(number(&mut c, &text("NaN"), "k", any, "bad"), None);
        assert_eq!(whole(&mut c, &text("1.5"), "k", 0..=9, ""), None);
        assert_eq!(whole(&mut c, &text("10"), "k", 0..=9, "is too big"), None);
        let msgs: Vec<&str> = c.diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "\"half\" is not a number",
                "NaN bad",
                "1.5 is not a whole number",
                "10 is too big"
            ]
        );
        assert!(c.diags.iter().all(|d| d.field == "autoscaler.k"));
    }

    #[test]
    fn flags_from_text() {
        let mut c = ctx();
        let b = |s: &str| Some(S::new(0..1, BoolOrText::Text(s.into())));
        assert!(flag(&mut c, &b("true"), false, "k"));
        assert!(!flag(&mut c, &b("FALSE"), true, "k"));
        assert!(flag(&mut c, &None, true, "k"));
        assert!(c.diags.is_empty());
        // A bad value is reported and the default kept.
        assert!(flag(&mut c, &b("yes"), true, "k"));
        assert_eq!(c.diags[0].message, "\"yes\" is not a boolean");
    }

    #[test]
    fn pdb_values() {
        let pdb_of = |max: Option<IntOrString>, min: Option<IntOrString>| {
            let mut c = ctx();
            let raw = S::new(
                0..1,
                RawPdb {
                    max_unavailable: max.map(|v| S::new(0..1, v)),
                    min_available: min.map(|v| S::new(0..1, v)),
                },
            );
            let p = pdb(&mut c, &raw, "deployment \"d\"", true, 4);
            (p, c.diags)
        };
        let (p, d) = pdb_of(Some(IntOrString::Int(1)), None);
        assert_eq!(p, Some(Pdb::MaxUnavailable(IntOrPercent::Int(1))));
        assert!(d.is_empty());
        let (p, _) = pdb_of(None, Some(IntOrString::Text("50%".into())));
        assert_eq!(p, Some(Pdb::MinAvailable(IntOrPercent::Percent(50))));
        // min_available 4 of 4 replicas: 4 − 4 = 0 evictions allowed → a warning.
        let (_, d) = pdb_of(None, Some(IntOrString::Int(4)));
        assert!(
            d[0].message
                .starts_with("the budget allows no voluntary eviction")
        );
        // 3 of 4: one eviction allowed, no warning.
        assert!(pdb_of(None, Some(IntOrString::Int(3))).1.is_empty());
        // "1" without % is not a Kubernetes percentage.
        let (p, d) = pdb_of(Some(IntOrString::Text("1".into())), None);
        assert_eq!(p, None);
        assert_eq!(d[0].field, "deployment \"d\".pdb.max_unavailable");
        let (p, d) = pdb_of(Some(IntOrString::Text("150%".into())), None);
        assert_eq!(
            (p, d[0].message.as_str()),
            (None, "\"150%\" is more than 100%")
        );
    }
}
