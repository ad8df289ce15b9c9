//! Phase two for `[[event]]`: the fields each action takes (one table, so that every action
//! refuses the fields it does not use and names the ones it misses), then each action's own
//! checks against the pools, deployments and VM sizes.

use std::ops::Range;

use super::{Ctx, MAX_NODES_PER_POOL, MAX_PODS_TOTAL};
use crate::api::{PoolSpec, Priority};
use crate::api::{Sku, catalogue};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::model::{Action, ActionSpec, DeploymentSpec};
use crate::scenario::raw::*;

/// The fields of an `[[event]]` besides `at` and `action`, which the actions take.
pub const EVENT_FIELDS: [&str; 7] = [
    "deployment",
    "replicas",
    "pool",
    "count",
    "zone",
    "duration",
    "vm_size",
];

/// What an event is checked against.
pub(super) struct EventContext<'a> {
    pub pools: &'a [PoolSpec],
    pub deployments: &'a [DeploymentSpec],
    pub skus: &'a [Sku],
    pub duration: SimDuration,
}

fn action_name(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Scale => "scale",
        ActionKind::AddNodes => "add_nodes",
        ActionKind::RemoveNodes => "remove_nodes",
        ActionKind::ZoneOutage => "zone_outage",
        ActionKind::SpotEviction => "spot_eviction",
        ActionKind::StockOut => "stock_out",
        ActionKind::FailNodes => "fail_nodes",
    }
}

/// The fields each action takes besides `at` and `action`: (required, optional).
fn action_fields(kind: ActionKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        ActionKind::Scale => (&["deployment", "replicas"], &[]),
        ActionKind::AddNodes
        | ActionKind::RemoveNodes
        | ActionKind::SpotEviction
        | ActionKind::FailNodes => (&["pool", "count"], &[]),
        ActionKind::ZoneOutage => (&["zone", "duration"], &[]),
        ActionKind::StockOut => (&["vm_size", "duration"], &["zone"]),
    }
}

/// A complete example of each action, for hints.
fn example(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Scale => "deployment = \"web\", replicas = 10",
        ActionKind::AddNodes | ActionKind::RemoveNodes | ActionKind::FailNodes => {
            "pool = \"user\", count = 2"
        }
        ActionKind::SpotEviction => "pool = \"spot\", count = 2",
        ActionKind::ZoneOutage => "zone = 2, duration = \"30m\"",
        ActionKind::StockOut => "vm_size = \"Standard_D4s_v5\", zone = 1, duration = \"1h\"",
    }
}

/// "a, b and c".
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Checks `event[i]`. Returns the action and the span that replay limits point at (the amount
/// that may break them), or `None` after reporting why not.
pub(super) fn event(
    ctx: &mut Ctx,
    e: &S<RawEvent>,
    i: usize,
    ec: &EventContext,
) -> Option<(ActionSpec, Range<usize>)> {
    let r = e.get_ref();
    let f = format!("event[{i}]");
    let at = ctx.duration_of(&r.at, &format!("{f}.at"));
    if let Some(at) = at
        && at > ec.duration
    {
        ctx.warn(
            Some(r.at.span()),
            format!("{f}.at"),
            format!(
                "at {at} is after the end of the simulation ({}); it never happens",
                ec.duration
            ),
        );
    }
    let kind = *r.action.get_ref();
    let name = action_name(kind);
    let (required, optional) = action_fields(kind);
    // In `EVENT_FIELDS` order.
    let spans: [Option<Range<usize>>; 7] = [
        r.deployment.as_ref().map(|x| x.span()),
        r.replicas.as_ref().map(|x| x.span()),
        r.pool.as_ref().map(|x| x.span()),
        r.count.as_ref().map(|x| x.span()),
        r.zone.as_ref().map(|x| x.span()),
        r.duration.as_ref().map(|x| x.span()),
        r.vm_size.as_ref().map(|x| x.span()),
    ];
    let present: Vec<(&str, Option<Range<usize>>)> = EVENT_FIELDS.into_iter().zip(spans).collect();
    let takes: Vec<&str> = required.iter().chain(optional).copied().collect();
    for (key, span) in &present {
        if let Some(span) = span
            && !takes.contains(key)
        {
            ctx.err_hint(
                Some(span.clone()),
                format!("{f}.{key}"),
                format!("{key} does not apply to action {name:?}"),
                format!("action {name:?} takes {}", and_list(&takes)),
            );
        }
    }
    for key in required {
        if present.iter().any(|(k, s)| k == key && s.is_none()) {
            ctx.err_hint(
                Some(e.span()),
                format!("{f}.{key}"),
                format!("action {name:?} needs {key}"),
                format!("e.g. action = {name:?}, {}", example(kind)),
            );
        }
    }

    // Each check below runs on what is present, so that one pass reports every problem; a
    // missing field (reported above) makes the action `None`.
    let pool = |ctx: &mut Ctx| -> Option<usize> {
        let pn = r.pool.as_ref()?;
        let idx = ec.pools.iter().position(|p| &p.name == pn.get_ref());
        if idx.is_none() {
            ctx.err(
                Some(pn.span()),
                format!("{f}.pool"),
                format!("no node pool is named {:?}", pn.get_ref()),
            );
        }
        idx
    };
    let count = |ctx: &mut Ctx| -> Option<u32> {
        let c = r.count.as_ref()?;
        let n = *c.get_ref();
        if n == 0 || n > MAX_NODES_PER_POOL {
            ctx.err(
                Some(c.span()),
                format!("{f}.count"),
                format!("count must be 1 to {MAX_NODES_PER_POOL}"),
            );
            return None;
        }
        Some(n)
    };
    let zone = |ctx: &mut Ctx| -> Option<u8> {
        let z = r.zone.as_ref()?;
        match z.get_ref().trim().parse::<u8>() {
            Ok(n @ 1..=3) => Some(n),
            _ => {
                ctx.err_hint(
                    Some(z.span()),
                    format!("{f}.zone"),
                    format!("zone {:?} does not exist", z.get_ref().0),
                    "Azure availability zones are 1, 2 and 3",
                );
                None
            }
        }
    };
    let lasting = |ctx: &mut Ctx| -> Option<SimDuration> {
        let d = r.duration.as_ref()?;
        let v = ctx.duration_of(d, &format!("{f}.duration"))?;
        if v == SimDuration::ZERO {
            ctx.err(
                Some(d.span()),
                format!("{f}.duration"),
                "the duration must be above zero",
            );
            return None;
        }
        Some(v)
    };

    let action = match kind {
        ActionKind::Scale => {
            let deployment = r.deployment.as_ref().and_then(|dn| {
                let idx = ec.deployments.iter().position(|d| &d.name == dn.get_ref());
                match idx {
                    None => ctx.err(
                        Some(dn.span()),
                        format!("{f}.deployment"),
                        format!("no deployment is named {:?}", dn.get_ref()),
                    ),
                    Some(i) if !ec.deployments[i].template.controller => ctx.err(
                        Some(dn.span()),
                        format!("{f}.deployment"),
                        format!(
                            "{:?} is bare pods (controller = false), which have no replica count to scale",
                            dn.get_ref()
                        ),
                    ),
                    Some(_) => {}
                }
                idx
            });
            let replicas = r.replicas.as_ref().map(|rep| {
                if u64::from(*rep.get_ref()) > MAX_PODS_TOTAL {
                    ctx.err(
                        Some(rep.span()),
                        format!("{f}.replicas"),
                        format!("at most {MAX_PODS_TOTAL} pods can be simulated"),
                    );
                }
                *rep.get_ref()
            });
            Action::Scale {
                deployment: deployment?,
                replicas: replicas?,
            }
        }
        ActionKind::AddNodes | ActionKind::RemoveNodes | ActionKind::FailNodes => {
            let (p, n) = (pool(ctx), count(ctx));
            let (pool, count) = (p?, n?);
            match kind {
                ActionKind::AddNodes => Action::AddNodes { pool, count },
                ActionKind::RemoveNodes => Action::RemoveNodes { pool, count },
                _ => Action::FailNodes { pool, count },
            }
        }
        ActionKind::SpotEviction => {
            let (p, n) = (pool(ctx), count(ctx));
            let (pool, count) = (p?, n?);
            if ec.pools[pool].priority != Priority::Spot {
                ctx.err_hint(
                    r.pool.as_ref().map(|x| x.span()),
                    format!("{f}.pool"),
                    format!("pool {:?} is not a spot pool", ec.pools[pool].name),
                    "spot_eviction applies to pools with priority = \"spot\"; fail_nodes fails nodes of any pool",
                );
                return None;
            }
            Action::SpotEviction { pool, count }
        }
        ActionKind::ZoneOutage => {
            let (z, d) = (zone(ctx), lasting(ctx));
            let (zone, duration) = (z?, d?);
            let label = zone.to_string();
            if !ec.pools.is_empty() && !ec.pools.iter().any(|p| p.zones.contains(&label)) {
                ctx.warn(
                    r.zone.as_ref().map(|x| x.span()),
                    format!("{f}.zone"),
                    format!("no node pool uses zone {zone}: the outage affects nothing"),
                );
            }
            Action::ZoneOutage { zone, duration }
        }
        ActionKind::StockOut => {
            let sku = r.vm_size.as_ref().and_then(|vm| {
                let sku = catalogue::find(ec.skus, vm.get_ref().trim());
                if sku.is_none() {
                    let hint = catalogue::suggest(ec.skus, vm.get_ref())
                        .map(|s| format!("did you mean {s:?}?"))
                        .unwrap_or_else(|| "a VM size of the catalogue or of a [[sku]]".into());
                    ctx.err_hint(
                        Some(vm.span()),
                        format!("{f}.vm_size"),
                        format!("unknown VM size {:?}", vm.get_ref()),
                        hint,
                    );
                }
                sku.map(|s| (vm, s))
            });
            let (z, d) = (r.zone.as_ref().map(|_| zone(ctx)), lasting(ctx));
            let ((vm, sku), duration) = (sku?, d?);
            let zone = match z {
                None => None,
                Some(z) => Some(z?),
            };
            let users: Vec<&PoolSpec> =
                ec.pools.iter().filter(|p| p.sku.name == sku.name).collect();
            if !ec.pools.is_empty() && users.is_empty() {
                ctx.warn(
                    Some(vm.span()),
                    format!("{f}.vm_size"),
                    format!(
                        "no node pool uses {}: the stock-out affects nothing",
                        sku.name
                    ),
                );
            } else if let Some(z) = zone
                && !users.is_empty()
                && !users.iter().any(|p| p.zones.contains(&z.to_string()))
            {
                ctx.warn(
                    r.zone.as_ref().map(|x| x.span()),
                    format!("{f}.zone"),
                    format!(
                        "no node pool of {} uses zone {z}: the stock-out affects nothing",
                        sku.name
                    ),
                );
            }
            Action::StockOut {
                sku: sku.name.clone(),
                zone,
                duration,
            }
        }
    };
    // Limits found on replay point at the amount that breaks them.
    let span = match kind {
        ActionKind::Scale => r.replicas.as_ref().map(|x| x.span()),
        _ => r.count.as_ref().map(|x| x.span()),
    }
    .unwrap_or(e.span());
    Some((
        ActionSpec {
            at: SimTime(at?.as_ms()),
            action,
        },
        span,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(and_list(&["pool"]), "pool");
        assert_eq!(and_list(&["pool", "count"]), "pool and count");
        assert_eq!(
            and_list(&["vm_size", "duration", "zone"]),
            "vm_size, duration and zone"
        );
    }

    // The table names only fields a `[[event]]` has (a typo would make an action impossible
    // to write), each once per action, and every field is taken by some action.
    #[test]
    fn the_field_table_matches_the_event_fields() {
        use ActionKind::*;
        let fields = EVENT_FIELDS;
        let kinds = [
            Scale,
            AddNodes,
            RemoveNodes,
            ZoneOutage,
            SpotEviction,
            StockOut,
            FailNodes,
        ];
        let mut taken = Vec::new();
        for k in kinds {
            let (req, opt) = action_fields(k);
            let mut all: Vec<&str> = req.iter().chain(opt).copied().collect();
            assert!(all.iter().all(|f| fields.contains(f)), "{}", action_name(k));
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), req.len() + opt.len(), "{}", action_name(k));
            taken.extend(all);
        }
        assert!(fields.iter().all(|f| taken.contains(f)));
    }
}
