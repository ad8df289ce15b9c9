//! `[[event]]`: each action checked (`scenario::events`), sorted by time, then replayed on
//! counts against the limits the file itself must respect.

use std::ops::Range;

use super::actions as events;
use super::{Ctx, Lowered, MAX_NODES_PER_POOL, MAX_PODS_TOTAL, max_nodes_per_cluster};
use crate::api::{Mode, PoolSpec};
use crate::engine::SimDuration;
use crate::scenario::model::{Action, ActionSpec, DeploymentSpec};

/// `[[event]]`, checked, in time order (events at the same time in file order).
pub(super) fn events(
    ctx: &mut Ctx,
    low: &Lowered,
    deployments: &[DeploymentSpec],
) -> Vec<ActionSpec> {
    let event_context = events::EventContext {
        pools: &low.pools,
        deployments,
        skus: &low.skus,
        duration: low.simulation.duration,
    };
    let mut actions: Vec<(ActionSpec, Range<usize>)> = low
        .raw
        .event
        .iter()
        .enumerate()
        .filter_map(|(i, e)| events::event(ctx, e, i, &event_context))
        .collect();
    actions.sort_by_key(|(a, _)| a.at);
    replay_limits(
        ctx,
        &low.pools,
        deployments,
        &actions,
        low.network.subnet_ips,
        &low.network.subnet_cidr,
        max_nodes_per_cluster(low.network.plugin),
    );
    actions.into_iter().map(|(a, _)| a).collect()
}

/// Replays the timed actions on counts alone, so that what events reach stays within the limits
/// the file itself must respect: pods in all, nodes per pool and per cluster, a node in every
/// system pool, and no manual scaling of an autoscaled pool (AKS refuses it).
fn replay_limits(
    ctx: &mut Ctx,
    pools: &[PoolSpec],
    deployments: &[DeploymentSpec],
    actions: &[(ActionSpec, Range<usize>)],
    subnet_ips: u64,
    subnet_cidr: &str,
    max_nodes: u64,
) {
    let mut replicas: Vec<u64> = deployments.iter().map(|d| u64::from(d.replicas)).collect();
    let mut nodes: Vec<u64> = pools.iter().map(|p| u64::from(p.count)).collect();
    let mut subnet_warned = false;
    for (a, span) in actions {
        let span = Some(span.clone());
        match a.action {
            Action::Scale {
                deployment,
                replicas: r,
            } => {
                replicas[deployment] = u64::from(r);
                let total: u64 = replicas.iter().sum();
                if total > MAX_PODS_TOTAL {
                    ctx.err(span, "event", format!("this brings the scenario to {total} pods at {}; at most {MAX_PODS_TOTAL} can be simulated", SimDuration(a.at.as_ms())));
                    return;
                }
            }
            // Faults change no count the file must respect.
            Action::ZoneOutage { .. }
            | Action::SpotEviction { .. }
            | Action::StockOut { .. }
            | Action::FailNodes { .. } => {}
            Action::AddNodes { pool, count } | Action::RemoveNodes { pool, count } => {
                let p = &pools[pool];
                if p.enable_auto_scaling {
                    ctx.err_hint(
                        span,
                        "event",
                        format!("pool {:?} is autoscaled: AKS refuses manual scaling while the cluster autoscaler manages it", p.name),
                        "change min_count/max_count instead, or set enable_auto_scaling = false",
                    );
                    return;
                }
                let add = matches!(a.action, Action::AddNodes { .. });
                nodes[pool] = if add {
                    nodes[pool] + u64::from(count)
                } else {
                    nodes[pool].saturating_sub(u64::from(count))
                };
                if nodes[pool] > u64::from(MAX_NODES_PER_POOL) {
                    ctx.err(span, "event", format!("pool {:?} would have {} nodes; AKS allows at most {MAX_NODES_PER_POOL} per pool", p.name, nodes[pool]));
                    return;
                }
                let total: u64 = nodes.iter().sum();
                if total > max_nodes {
                    ctx.err(
                        span,
                        "event",
                        format!(
                            "the cluster would have {total} nodes; AKS allows at most {max_nodes}"
                        ),
                    );
                    return;
                }
                if p.mode == Mode::System && nodes[pool] == 0 {
                    ctx.err(
                        span,
                        "event",
                        format!(
                            "system pool {:?} would have no node; AKS keeps at least one",
                            p.name
                        ),
                    );
                    return;
                }
                let ips: u64 = pools
                    .iter()
                    .zip(&nodes)
                    .map(|(p, n)| n * p.ips_per_node)
                    .sum();
                if add && !subnet_warned && subnet_ips > 0 && ips > subnet_ips {
                    subnet_warned = true;
                    ctx.warn(
                        span.clone(),
                        "event",
                        format!(
                            "at {} the nodes would need {ips} subnet addresses but {subnet_cidr} has {subnet_ips}: some will fail with SubnetIsFull",
                            SimDuration(a.at.as_ms())
                        ),
                    );
                }
            }
        }
    }
}
