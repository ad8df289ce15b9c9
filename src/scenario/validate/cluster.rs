//! `[cluster]` and `[scheduler]`: the control plane's version, tier and settings, and
//! kube-scheduler's.

use super::{Ctx, MAX_DURATION, tier_price};
use crate::api::{SchedulerSettings, WindowsMemoryReservation};
use crate::engine::SimDuration;
use crate::scenario::model::{ClusterSettings, SkuTier};
use crate::scenario::raw::{RawCluster, RawScheduler};

/// `[cluster]`, checked; a Kubernetes version that does not parse counts as 1.33.
pub(super) fn cluster(ctx: &mut Ctx, c: &RawCluster) -> ClusterSettings {
    let kubernetes_version = c
        .kubernetes_version
        .as_ref()
        .map_or("1.33".to_string(), |v| v.get_ref().clone());
    let kubernetes_minor = {
        let mut parts = kubernetes_version.trim_start_matches('v').split('.');
        match (
            parts.next().map(str::parse::<u32>),
            parts.next().map(str::parse::<u32>),
        ) {
            (Some(Ok(1)), Some(Ok(minor))) if (20..=60).contains(&minor) => minor,
            _ => {
                ctx.err(
                    c.kubernetes_version.as_ref().map(|v| v.span()),
                    "cluster.kubernetes_version",
                    format!("{kubernetes_version:?} is not a Kubernetes version like \"1.33\""),
                );
                33
            }
        }
    };
    let sku_tier = c.sku_tier.unwrap_or(SkuTier::Free);
    let tier_price_per_hour = match &c.tier_price_per_hour {
        Some(p) if !p.get_ref().is_finite() || *p.get_ref() < 0.0 => {
            ctx.err(
                Some(p.span()),
                "cluster.tier_price_per_hour",
                "must be zero or more",
            );
            0.0
        }
        Some(p) => *p.get_ref(),
        None => tier_price(sku_tier),
    };
    // The DefaultTolerationSeconds admission plugin's 300 s; anything longer than a run is "never".
    let max_toleration_secs = MAX_DURATION.as_ms() / 1000;
    let not_ready_toleration_secs = match &c.not_ready_toleration_seconds {
        None => 300,
        Some(v) if *v.get_ref() > max_toleration_secs => {
            ctx.err(
                Some(v.span()),
                "cluster.not_ready_toleration_seconds",
                format!("at most {max_toleration_secs} seconds (366 days, the longest run)"),
            );
            max_toleration_secs
        }
        Some(v) => *v.get_ref(),
    };
    ClusterSettings {
        kubernetes_version,
        kubernetes_minor,
        sku_tier,
        tier_price_per_hour,
        enable_ahub: c.enable_ahub.unwrap_or(false),
        windows_memory_reservation: c
            .windows_memory_reservation
            .unwrap_or(WindowsMemoryReservation::Regressive),
        serialize_image_pulls: c.serialize_image_pulls.unwrap_or(true),
        not_ready_toleration: SimDuration::from_secs(not_ready_toleration_secs),
    }
}

/// `[scheduler]`, checked.
pub(super) fn scheduler(ctx: &mut Ctx, s: &RawScheduler) -> SchedulerSettings {
    let percentage_of_nodes_to_score = s
        .percentage_of_nodes_to_score
        .as_ref()
        .map_or(0, |p| *p.get_ref());
    if percentage_of_nodes_to_score > 100 {
        ctx.err(
            s.percentage_of_nodes_to_score.as_ref().map(|p| p.span()),
            "scheduler.percentage_of_nodes_to_score",
            "must be 0 (adaptive) to 100",
        );
    }
    let scheduler = SchedulerSettings {
        percentage_of_nodes_to_score,
        pod_initial_backoff: ctx.duration(
            &s.pod_initial_backoff,
            SimDuration::from_secs(1),
            "scheduler.pod_initial_backoff",
        ),
        pod_max_backoff: ctx.duration(
            &s.pod_max_backoff,
            SimDuration::from_secs(10),
            "scheduler.pod_max_backoff",
        ),
    };
    if scheduler.pod_initial_backoff > scheduler.pod_max_backoff {
        ctx.err(
            s.pod_initial_backoff.as_ref().map(|p| p.span()),
            "scheduler.pod_initial_backoff",
            "must not exceed pod_max_backoff",
        );
    }
    scheduler
}
