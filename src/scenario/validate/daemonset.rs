//! `[[daemonset]]`: the built-in AKS agents unless turned off, replaced by name or added to;
//! then what they take of each pool's nodes, which must leave room.

use super::{Ctx, Lowered, MAX_DAEMONSETS, tolerations};
use crate::api::{DaemonSetSpec, Labels, PoolSpec, Toleration, quantity};
use crate::cluster;
use crate::scenario::daemonsets;
use crate::scenario::raw::{RawDaemonSet, S};

/// Each pool's zones (one, zone 0, for a pool without zones): the labels its nodes carry there
/// and the DaemonSet pods they run.
pub(super) type PoolZones = Vec<Vec<(Labels, cluster::DaemonLoad)>>;

/// `[[daemonset]]`, checked, over the built-in ones unless `default_daemonsets` is false.
pub(super) fn daemonsets(
    ctx: &mut Ctx,
    raw: &[S<RawDaemonSet>],
    default_daemonsets: Option<bool>,
) -> Vec<DaemonSetSpec> {
    let mut daemonsets: Vec<DaemonSetSpec> = if default_daemonsets.unwrap_or(true) {
        daemonsets::builtin()
    } else {
        Vec::new()
    };
    for ds in raw {
        let r = ds.get_ref();
        let name = r.name.get_ref().clone();
        let f = format!("daemonset {name:?}");
        ctx.no_control(&name, Some(r.name.span()), format!("{f}.name"));
        let node_selector = ctx.label_map(&r.node_selector, &format!("{f}.node_selector"));
        let req = r.requests.as_ref();
        let cpu = req
            .and_then(|q| ctx.cpu(&q.get_ref().cpu, &format!("{f}.requests.cpu")))
            .unwrap_or(0);
        let mem = req
            .and_then(|q| ctx.memory(&q.get_ref().memory, &format!("{f}.requests.memory")))
            .unwrap_or(0);
        let tolerations = match &r.tolerations {
            Some(t) => tolerations(ctx, t, &format!("{f}.tolerations"), Some(ds.span())),
            None => vec![Toleration::everything()],
        };
        let spec = DaemonSetSpec {
            name: name.clone(),
            namespace: r.namespace.clone().unwrap_or_else(|| "kube-system".into()),
            os: r.os,
            cpu_request_millis: cpu,
            memory_request_bytes: mem,
            node_selector,
            tolerations,
            builtin: false,
        };
        match daemonsets
            .iter()
            .position(|d| d.name == name && d.os == r.os)
        {
            Some(i) if daemonsets[i].builtin => daemonsets[i] = spec,
            Some(_) => ctx.err(
                Some(r.name.span()),
                format!("{f}.name"),
                "another daemonset has this name",
            ),
            None => daemonsets.push(spec),
        }
    }
    daemonsets
}

/// Each pool's zones: node labels and DaemonSet load, computed once for the checks that read
/// them.
pub(super) fn pool_zones(
    pools: &[PoolSpec],
    daemonsets: &[DaemonSetSpec],
    region: &str,
) -> PoolZones {
    pools
        .iter()
        .map(|p| {
            let zones: Vec<cluster::Zone> = if p.zones.is_empty() {
                vec![cluster::Zone(0)]
            } else {
                p.zones
                    .iter()
                    .filter_map(|z| z.parse().ok())
                    .map(cluster::Zone)
                    .collect()
            };
            zones
                .into_iter()
                .map(|z| {
                    let labels = cluster::pool_labels(p, z, region);
                    let load = cluster::DaemonLoad::on(daemonsets, p, &labels);
                    (labels, load)
                })
                .collect()
        })
        .collect()
}

/// Refuses more DaemonSets than can be simulated, and DaemonSets that do not fit a pool's
/// nodes. AKS's own agents always fit a node; DaemonSets that do not would leave nodes
/// over-committed, which no real kubelet allows: refuse them, naming the pool.
pub(super) fn fit(
    ctx: &mut Ctx,
    low: &Lowered,
    daemonsets: &[DaemonSetSpec],
    pool_zones: &PoolZones,
) {
    if daemonsets.len() > MAX_DAEMONSETS {
        ctx.err(
            None,
            "daemonset",
            format!(
                "{} DaemonSets; at most {MAX_DAEMONSETS} can be simulated",
                daemonsets.len()
            ),
        );
    }
    for (p, zones) in low.pools.iter().zip(pool_zones) {
        if let Some((_, load)) = zones.iter().find(|(_, l)| {
            l.cpu_millis > p.allocatable.cpu_millis
                || l.memory_bytes > p.allocatable.memory_bytes
                || l.pods > p.allocatable.pods
        }) {
            let span = low
                .raw
                .node_pool
                .iter()
                .map(|r| r.get_ref())
                .find(|r| *r.name.get_ref() == p.name)
                .map(|r| r.vm_size.span());
            ctx.err_hint(
                span,
                format!("node_pool {:?}", p.name),
                format!(
                    "its DaemonSets request {}m cpu, {} and {} pods per node, more than a node's {}m, {} and {} pods",
                    load.cpu_millis,
                    quantity::fmt_bytes(load.memory_bytes),
                    load.pods,
                    p.allocatable.cpu_millis,
                    quantity::fmt_bytes(p.allocatable.memory_bytes),
                    p.allocatable.pods
                ),
                "use a larger vm_size or smaller [[daemonset]] requests",
            );
        }
    }
}
