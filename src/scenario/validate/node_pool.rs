//! `[[node_pool]]`: each pool's name, OS, VM size, zones, counts, taints, spot and failure
//! settings, lowered to a `PoolSpec` with its allocatable resources and price; then what the
//! pools must respect together (a Linux system pool, nodes per cluster, the subnet's and the
//! pod CIDR's room, the rows of `timeseries.csv`).

use super::{
    Ctx, Lowered, MAX_NODES_PER_POOL, MAX_POOLS, MAX_SAMPLE_ROWS, default_provisioning_delay,
    default_pull_throughput, max_nodes_per_cluster,
};
use crate::api::{
    self, Delay, Mode, NetworkPlugin, NetworkSettings, Os, PoolSpec, Priority, Sku, Taint,
    catalogue, parse_taint, quantity,
};
use crate::engine::SimDuration;
use crate::engine::time::parse_duration;
use crate::scenario::model::ClusterSettings;
use crate::scenario::raw::{DelayKind, RawDelay, RawNodePool, S};

/// `[[node_pool]]`, checked. A pool whose VM size is unknown is reported and left out.
pub(super) fn node_pools(
    ctx: &mut Ctx,
    raw: &[S<RawNodePool>],
    skus: &[Sku],
    plugin: NetworkPlugin,
    cluster: &ClusterSettings,
) -> Vec<PoolSpec> {
    if raw.len() > MAX_POOLS {
        ctx.err(
            Some(raw[MAX_POOLS].span()),
            "node_pool",
            format!("AKS allows at most {MAX_POOLS} node pools per cluster"),
        );
    }
    if raw.is_empty() {
        ctx.err_hint(None, "node_pool", "the scenario has no [[node_pool]]", "every AKS cluster has a Linux system pool, e.g. [[node_pool]] name = \"system\" mode = \"system\" vm_size = \"Standard_D4s_v5\"");
    }
    let mut pools: Vec<PoolSpec> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for p in raw {
        let pool = pool(ctx, p.get_ref(), &names, skus, plugin, cluster);
        names.push(p.get_ref().name.get_ref().clone());
        pools.extend(pool);
    }
    if !raw.is_empty()
        && !pools
            .iter()
            .any(|p| p.mode == Mode::System && p.os == Os::Linux)
    {
        // Point at the first Linux pool's mode (or name): the likely place to fix.
        let span = raw
            .iter()
            .map(|p| p.get_ref())
            .find(|p| p.os_type.as_ref().is_none_or(|o| *o.get_ref() == Os::Linux))
            .map(|p| p.mode.as_ref().map_or(p.name.span(), |m| m.span()))
            .or_else(|| raw.first().map(|p| p.span()));
        ctx.err_hint(
            span,
            "node_pool",
            "the cluster has no Linux system pool",
            "set mode = \"system\" on a Linux pool; AKS needs one for its own pods",
        );
    }
    pools
}

/// What the pools must respect together: the rows of `timeseries.csv`, AKS's nodes per
/// cluster, the subnet's addresses (refused if the first nodes do not fit, a warning if the
/// pools at their max would not) and the overlay pod CIDR's /24s.
pub(super) fn room(ctx: &mut Ctx, low: &Lowered) {
    let (raw, pools) = (low.raw, &low.pools);
    let (duration, sample_interval) = (low.simulation.duration, low.simulation.sample_interval);
    let NetworkSettings {
        plugin,
        ref subnet_cidr,
        subnet_ips,
        ref pod_cidr,
        pod_cidr_nodes,
    } = low.network;
    // Each sample writes one row per pool and zone (plus one): keep the table within memory.
    let rows_per_sample: u64 = pools
        .iter()
        .map(|p| p.zones.len().max(1) as u64)
        .sum::<u64>()
        + 1;
    let samples = duration.as_ms() / sample_interval.as_ms().max(1) + 1;
    if samples.saturating_mul(rows_per_sample) > MAX_SAMPLE_ROWS {
        ctx.err_hint(
            raw.simulation.get_ref().sample_interval.as_ref().map(|s| s.span()),
            "simulation.sample_interval",
            format!("{samples} samples × {rows_per_sample} rows each is more than {MAX_SAMPLE_ROWS} rows of timeseries.csv"),
            "use a longer sample_interval",
        );
    }
    let total_nodes: u64 = pools.iter().map(|p| u64::from(p.count)).sum();
    if total_nodes > max_nodes_per_cluster(plugin) {
        ctx.err(
            None,
            "node_pool",
            format!(
                "{total_nodes} nodes in all; AKS allows at most {} per cluster with this network plugin",
                max_nodes_per_cluster(plugin)
            ),
        );
    }
    // Subnet room: AKS refuses a pool whose nodes cannot get addresses (InsufficientSubnetSize).
    let subnet_span = super::network::subnet_span(&raw.network);
    let initial_ips: u64 = pools
        .iter()
        .map(|p| u64::from(p.count) * p.ips_per_node)
        .sum();
    if subnet_ips > 0 && initial_ips > subnet_ips {
        ctx.err_hint(
            subnet_span.clone(),
            "network.subnet_cidr",
            format!("the subnet {subnet_cidr} has {subnet_ips} usable addresses but the initial nodes need {initial_ips}"),
            "with Azure CNI each node takes max_pods + 1 addresses; use a larger subnet, fewer max_pods or azure-overlay",
        );
    } else if subnet_ips > 0 {
        let at_max: u64 = pools
            .iter()
            .map(|p| u64::from(p.max_count.max(p.count)) * p.ips_per_node)
            .sum();
        if at_max > subnet_ips {
            ctx.warn(
                subnet_span.clone(),
                "network.subnet_cidr",
                format!("the subnet {subnet_cidr} has {subnet_ips} usable addresses; every pool at its max would need {at_max}, so some nodes will not be created"),
            );
        }
    }
    if plugin == NetworkPlugin::AzureOverlay && total_nodes > pod_cidr_nodes {
        ctx.err(raw.network.pod_cidr.as_ref().map(|s| s.span()), "network.pod_cidr", format!("the pod CIDR {pod_cidr} has room for {pod_cidr_nodes} nodes (a /24 each) but the pools start with {total_nodes}"));
    }
}

/// One `[[node_pool]]`; `taken`: the names of the pools before it. `None` if its VM size is
/// unknown.
fn pool(
    ctx: &mut Ctx,
    r: &RawNodePool,
    taken: &[String],
    skus: &[Sku],
    plugin: NetworkPlugin,
    cluster: &ClusterSettings,
) -> Option<PoolSpec> {
    let name = r.name.get_ref().clone();
    let f = format!("node_pool {name:?}");
    let os = r.os_type.as_ref().map_or(Os::Linux, |o| *o.get_ref());
    let mode = r.mode.as_ref().map_or(Mode::User, |m| *m.get_ref());
    check_name(ctx, r, &f, os, taken);
    if os == Os::Windows && mode == Mode::System {
        ctx.err(
            r.mode.as_ref().map(|m| m.span()),
            format!("{f}.mode"),
            "a Windows pool cannot be a system pool; AKS system pools run Linux",
        );
    }
    if os == Os::Windows && plugin == NetworkPlugin::Kubenet {
        ctx.err_hint(
            r.os_type.as_ref().map(|o| o.span()),
            format!("{f}.os_type"),
            "Windows node pools need Azure CNI; kubenet is Linux only",
            "set [network] plugin = \"azure\" or \"azure-overlay\"",
        );
    }
    let os_sku = os_sku(ctx, r, &f, os, cluster.kubernetes_minor);
    let sku = vm_size(ctx, r, &f, skus)?;
    let zones = zones(ctx, r, &f);
    let Counts {
        autoscale,
        count,
        lo,
        hi,
    } = counts(ctx, r, &f, mode);
    let max_pods = max_pods(ctx, r, &f, os, plugin);
    let priority = r.priority.unwrap_or(Priority::Regular);
    let taints = taints(ctx, r, &f, mode, priority);
    let spot_max_price = spot_max_price(ctx, r, &f, priority);
    let provisioning_delay = delay(
        ctx,
        &r.provisioning_delay,
        default_provisioning_delay(os),
        &format!("{f}.provisioning_delay"),
    );
    let (mtbf, repair_time) = failures(ctx, r, &f);
    let spot_eviction_rate = spot_eviction_rate(ctx, r, &f, priority);
    let image_pull_bytes_per_sec = pull_throughput(ctx, r, &f, os);
    let allocatable = api::allocatable(
        os,
        sku.vcpu,
        sku.memory_bytes,
        max_pods,
        cluster.kubernetes_minor,
        cluster.windows_memory_reservation,
    );
    let price_per_hour = match (os, priority, cluster.enable_ahub) {
        (Os::Linux, Priority::Regular, _) => sku.price_linux,
        (Os::Windows, Priority::Regular, false) => sku.price_windows,
        (Os::Windows, Priority::Regular, true) => sku.price_linux,
        (Os::Linux, Priority::Spot, _) => sku.spot_price_linux,
        (Os::Windows, Priority::Spot, false) => sku.spot_price_windows,
        (Os::Windows, Priority::Spot, true) => sku.spot_price_linux,
    };
    let ips_per_node = match plugin {
        NetworkPlugin::Azure => u64::from(max_pods) + 1,
        _ => 1,
    };
    let mut labels = ctx.label_map(&r.node_labels, &format!("{f}.node_labels"));
    if priority == Priority::Spot {
        labels.insert(api::LABEL_SCALESET_PRIORITY.into(), "spot".into());
    }
    Some(PoolSpec {
        name,
        mode,
        os,
        os_sku,
        sku,
        zones,
        count,
        enable_auto_scaling: autoscale,
        min_count: if autoscale { lo } else { count },
        max_count: if autoscale { hi } else { count },
        max_pods,
        taints,
        labels,
        priority,
        spot_max_price,
        provisioning_delay,
        image_pull_bytes_per_sec,
        allocatable,
        price_per_hour,
        ips_per_node,
        mtbf,
        repair_time,
        spot_eviction_rate,
    })
}

/// AKS's rules for a pool's name: lowercase letters and digits, 12 characters on Linux and 6
/// on Windows, unique.
fn check_name(ctx: &mut Ctx, r: &RawNodePool, f: &str, os: Os, taken: &[String]) {
    let name = r.name.get_ref();
    if !is_pool_name(name) {
        ctx.err_hint(
            Some(r.name.span()),
            format!("{f}.name"),
            format!("{name:?} is not a valid pool name"),
            "AKS pool names are lowercase letters and digits and start with a letter",
        );
    }
    let max_len = if os == Os::Windows { 6 } else { 12 };
    if name.len() > max_len {
        ctx.err_hint(
            Some(r.name.span()),
            format!("{f}.name"),
            format!("{} pool names are at most {max_len} characters; {name:?} has {}", if os == Os::Windows { "Windows" } else { "Linux" }, name.len()),
            if os == Os::Windows { "the Windows computer name is \"aks\" + pool + a 6-character suffix, 15 characters at most" } else { "shorten the name" },
        );
    }
    if taken.contains(name) {
        ctx.err(
            Some(r.name.span()),
            format!("{f}.name"),
            "another node pool has this name",
        );
    }
}

/// The pool's `os_sku`, or its OS's default: one AKS offers for that OS and version.
fn os_sku(ctx: &mut Ctx, r: &RawNodePool, f: &str, os: Os, kubernetes_minor: u32) -> String {
    match (&r.os_sku, os) {
        (None, Os::Linux) => "Ubuntu".to_string(),
        (None, Os::Windows) => "Windows2022".to_string(),
        (Some(s), _) => {
            let v = s.get_ref().clone();
            let known_linux = [
                "Ubuntu",
                "Ubuntu2204",
                "Ubuntu2404",
                "AzureLinux",
                "AzureLinux3",
                "CBLMariner",
            ];
            let known_windows = ["Windows2019", "Windows2022", "Windows2025"];
            let ok = match os {
                Os::Linux => known_linux.contains(&v.as_str()),
                Os::Windows => known_windows.contains(&v.as_str()),
            };
            if !ok {
                let list = if os == Os::Linux {
                    known_linux.join(", ")
                } else {
                    known_windows.join(", ")
                };
                ctx.err_hint(
                    Some(s.span()),
                    format!("{f}.os_sku"),
                    format!("{v:?} is not an os_sku for a {} pool", os.as_str()),
                    format!("one of {list}"),
                );
            }
            if v == "Windows2019" && kubernetes_minor >= 33 {
                ctx.err(Some(s.span()), format!("{f}.os_sku"), "Windows Server 2019 is not supported on Kubernetes 1.33 and later (AKS Windows FAQ)");
            }
            v
        }
    }
}

/// The pool's VM size from the catalogue; `None` (reported, with the closest name) if it is
/// not there.
fn vm_size(ctx: &mut Ctx, r: &RawNodePool, f: &str, skus: &[Sku]) -> Option<Sku> {
    let sku = match catalogue::find(skus, r.vm_size.get_ref()) {
        Some(s) => s.clone(),
        None => {
            let hint = catalogue::suggest(skus, r.vm_size.get_ref())
                .map(|s| format!("did you mean {s:?}? Or add it with a [[sku]] entry"))
                .unwrap_or_else(|| {
                    "add it with a [[sku]] entry (name, vcpu, memory, price_linux, price_windows)"
                        .into()
                });
            ctx.err_hint(
                Some(r.vm_size.span()),
                format!("{f}.vm_size"),
                format!("unknown VM size {:?}", r.vm_size.get_ref()),
                hint,
            );
            return None;
        }
    };
    if sku.vcpu < 2 {
        ctx.err(
            Some(r.vm_size.span()),
            format!("{f}.vm_size"),
            "AKS does not allow VM sizes with fewer than 2 vCPUs",
        );
    }
    Some(sku)
}

/// The pool's availability zones, as written: each one of "1", "2", "3", once.
fn zones(ctx: &mut Ctx, r: &RawNodePool, f: &str) -> Vec<String> {
    let zones: Vec<String> = r.zones.as_ref().map_or(Vec::new(), |z| {
        z.get_ref().iter().map(|s| s.get_ref().0.clone()).collect()
    });
    if let Some(z) = &r.zones {
        for (i, zone) in z.get_ref().iter().enumerate() {
            if !["1", "2", "3"].contains(&zone.get_ref().0.as_str()) {
                ctx.err_hint(
                    Some(zone.span()),
                    format!("{f}.zones"),
                    format!("zone {:?} does not exist", zone.get_ref().0),
                    "Azure availability zones are \"1\", \"2\" and \"3\"",
                );
            } else if zones[..i].contains(&zone.get_ref().0) {
                ctx.err(
                    Some(zone.span()),
                    format!("{f}.zones"),
                    format!("zone {:?} is listed twice", zone.get_ref().0),
                );
            }
        }
    }
    zones
}

/// A pool's node counts as written: whether it is autoscaled, its count at the start, and its
/// min and max (0 and `MAX_NODES_PER_POOL` when not written).
struct Counts {
    autoscale: bool,
    count: u32,
    lo: u32,
    hi: u32,
}

/// `enable_auto_scaling`, `min_count`, `max_count` and `count`, checked together.
fn counts(ctx: &mut Ctx, r: &RawNodePool, f: &str, mode: Mode) -> Counts {
    let autoscale = r.enable_auto_scaling.unwrap_or(false);
    let min_count = r.min_count.as_ref().map(|v| *v.get_ref());
    let max_count = r.max_count.as_ref().map(|v| *v.get_ref());
    if !autoscale && (min_count.is_some() || max_count.is_some()) {
        let span = r
            .min_count
            .as_ref()
            .or(r.max_count.as_ref())
            .map(|v| v.span());
        ctx.err_hint(
            span,
            format!("{f}.min_count"),
            "min_count and max_count apply only to autoscaled pools",
            "set enable_auto_scaling = true, or remove them",
        );
    }
    if autoscale && (min_count.is_none() || max_count.is_none()) {
        ctx.err(
            Some(r.name.span()),
            f,
            "an autoscaled pool needs both min_count and max_count",
        );
    }
    let (lo, hi) = (
        min_count.unwrap_or(0),
        max_count.unwrap_or(MAX_NODES_PER_POOL),
    );
    let count = r.count.as_ref().map_or(
        if autoscale {
            3u32.clamp(lo, hi.max(lo))
        } else {
            3
        },
        |c| *c.get_ref(),
    );
    let count_span = r.count.as_ref().map(|c| c.span()).or(Some(r.name.span()));
    if autoscale && lo > hi {
        ctx.err(
            r.min_count.as_ref().map(|v| v.span()),
            format!("{f}.min_count"),
            format!("min_count {lo} is greater than max_count {hi}"),
        );
    } else if autoscale && !(lo..=hi).contains(&count) {
        ctx.err(
            count_span.clone(),
            format!("{f}.count"),
            format!("count {count} is outside min_count..max_count ({lo}..{hi})"),
        );
    }
    if count > MAX_NODES_PER_POOL || hi > MAX_NODES_PER_POOL && autoscale {
        ctx.err(
            count_span.clone(),
            format!("{f}.count"),
            format!("AKS allows at most {MAX_NODES_PER_POOL} nodes per pool"),
        );
    }
    if mode == Mode::System && (count == 0 || autoscale && lo == 0) {
        ctx.err(
            count_span.clone(),
            format!("{f}.count"),
            "a system pool needs at least one node",
        );
    }
    Counts {
        autoscale,
        count,
        lo,
        hi,
    }
}

/// The pool's `max_pods`, or the network plugin's default.
fn max_pods(ctx: &mut Ctx, r: &RawNodePool, f: &str, os: Os, plugin: NetworkPlugin) -> u32 {
    let default_max_pods = match plugin {
        NetworkPlugin::Azure => 30,
        NetworkPlugin::AzureOverlay => 250,
        NetworkPlugin::Kubenet => 110,
    };
    let max_pods = r
        .max_pods
        .as_ref()
        .map_or(default_max_pods, |m| *m.get_ref());
    if let Some(m) = &r.max_pods {
        if !(10..=250).contains(m.get_ref()) {
            ctx.err(
                Some(m.span()),
                format!("{f}.max_pods"),
                format!("max_pods {} is outside 10–250", m.get_ref()),
            );
        } else if os == Os::Windows && max_pods > 110 {
            ctx.warn(
                Some(m.span()),
                format!("{f}.max_pods"),
                "AKS recommends at most 110 pods per Windows node",
            );
        }
    }
    max_pods
}

/// The pool's `node_taints`, and the taint AKS puts on spot pools.
fn taints(ctx: &mut Ctx, r: &RawNodePool, f: &str, mode: Mode, priority: Priority) -> Vec<Taint> {
    let mut taints = Vec::new();
    for t in &r.node_taints {
        if ctx.no_control(t.get_ref(), Some(t.span()), format!("{f}.node_taints")) {
            continue;
        }
        match parse_taint(t.get_ref()) {
            Ok(t) => taints.push(t),
            Err(e) => ctx.err(Some(t.span()), format!("{f}.node_taints"), e),
        }
    }
    if priority == Priority::Spot {
        if mode == Mode::System {
            ctx.err(
                Some(r.name.span()),
                format!("{f}.priority"),
                "a system pool cannot use spot VMs",
            );
        }
        // AKS adds this taint and label to every spot pool (reference §3.3).
        taints.push(api::spot_taint());
    }
    taints
}

/// `spot_max_price`: -1 (the pay-as-you-go price) unless written, for spot pools only.
fn spot_max_price(ctx: &mut Ctx, r: &RawNodePool, f: &str, priority: Priority) -> f64 {
    let spot_max_price = r.spot_max_price.as_ref().map_or(-1.0, |p| *p.get_ref());
    if let Some(p) = &r.spot_max_price {
        if priority != Priority::Spot {
            ctx.err(
                Some(p.span()),
                format!("{f}.spot_max_price"),
                "spot_max_price applies only to priority = \"spot\"",
            );
        } else if !(spot_max_price == -1.0 || spot_max_price > 0.0) {
            ctx.err(
                Some(p.span()),
                format!("{f}.spot_max_price"),
                "use -1 (up to the pay-as-you-go price) or a positive price",
            );
        }
    }
    spot_max_price
}

/// `mtbf` (none: nodes never fail) and `repair_time`.
fn failures(ctx: &mut Ctx, r: &RawNodePool, f: &str) -> (Option<SimDuration>, SimDuration) {
    let mtbf = r
        .mtbf
        .as_ref()
        .and_then(|m| ctx.duration_of(m, &format!("{f}.mtbf")));
    if mtbf == Some(SimDuration::ZERO) {
        ctx.err(
            r.mtbf.as_ref().map(|m| m.span()),
            format!("{f}.mtbf"),
            "the mean time between failures must be above zero (leave it out for nodes that never fail)",
        );
    }
    let mtbf = mtbf.filter(|m| *m > SimDuration::ZERO);
    let repair_time = ctx.duration(
        &r.repair_time,
        SimDuration::from_mins(10),
        &format!("{f}.repair_time"),
    );
    if let Some(m) = mtbf
        && m <= repair_time
    {
        ctx.warn(
            r.mtbf.as_ref().map(|m| m.span()),
            format!("{f}.mtbf"),
            format!("mtbf {m} is not longer than repair_time {repair_time}: nodes spend at least half their time failed"),
        );
    }
    (mtbf, repair_time)
}

/// `spot_eviction_rate`, evictions per node-hour, for spot pools only.
fn spot_eviction_rate(ctx: &mut Ctx, r: &RawNodePool, f: &str, priority: Priority) -> f64 {
    match &r.spot_eviction_rate {
        None => 0.0,
        Some(x) if priority != Priority::Spot => {
            ctx.err_hint(
                Some(x.span()),
                format!("{f}.spot_eviction_rate"),
                "spot_eviction_rate applies only to priority = \"spot\"",
                "use mtbf for failures of regular nodes",
            );
            0.0
        }
        Some(x) if !x.get_ref().is_finite() || *x.get_ref() < 0.0 => {
            ctx.err(
                Some(x.span()),
                format!("{f}.spot_eviction_rate"),
                "evictions per node-hour: a finite number, 0 or more",
            );
            0.0
        }
        Some(x) => *x.get_ref(),
    }
}

/// `image_pull_throughput` in bytes per second, or the OS's default.
fn pull_throughput(ctx: &mut Ctx, r: &RawNodePool, f: &str, os: Os) -> u64 {
    match &r.image_pull_throughput {
        None => default_pull_throughput(os),
        Some(t) => match quantity::parse_bytes(t.get_ref()) {
            Ok(b) if b > 0 => b,
            Ok(_) => {
                ctx.err(
                    Some(t.span()),
                    format!("{f}.image_pull_throughput"),
                    "must be above zero (bytes per second, e.g. \"50Mi\")",
                );
                1
            }
            Err(e) => {
                ctx.err(Some(t.span()), format!("{f}.image_pull_throughput"), e.0);
                1
            }
        },
    }
}

/// `provisioning_delay`: a duration, or a distribution of durations, at most 24 hours.
fn delay(ctx: &mut Ctx, raw: &Option<S<RawDelay>>, default: Delay, field: &str) -> Delay {
    let Some(s) = raw else { return default };
    let span = Some(s.span());
    let mut d = |v: &Option<String>, key: &str| -> Option<SimDuration> {
        match v {
            None => {
                ctx.err(
                    span.clone(),
                    field,
                    format!("this distribution needs {key}"),
                );
                None
            }
            Some(t) => match parse_duration(t) {
                Ok(x) => Some(x),
                Err(e) => {
                    ctx.err(span.clone(), format!("{field}.{key}"), e.0);
                    None
                }
            },
        }
    };
    let out = match s.get_ref() {
        RawDelay::Fixed(t) => match parse_duration(t) {
            Ok(x) => Some(Delay::Fixed(x)),
            Err(e) => {
                ctx.err(span.clone(), field, e.0);
                None
            }
        },
        RawDelay::Table(t) => match t.distribution {
            DelayKind::Fixed => d(&t.value, "value").map(Delay::Fixed),
            DelayKind::Uniform => match (d(&t.min, "min"), d(&t.max, "max")) {
                (Some(min), Some(max)) if min <= max => Some(Delay::Uniform { min, max }),
                (Some(_), Some(_)) => {
                    ctx.err(span.clone(), field, "min is greater than max");
                    None
                }
                _ => None,
            },
            DelayKind::Lognormal => match (d(&t.median, "median"), d(&t.p95, "p95")) {
                (Some(m), Some(p)) if p >= m && m.as_ms() > 0 => Some(Delay::lognormal(m, p)),
                (Some(_), Some(_)) => {
                    ctx.err(
                        span.clone(),
                        field,
                        "p95 must be at least the median, and the median above zero",
                    );
                    None
                }
                _ => None,
            },
        },
    };
    let out = out.unwrap_or(default);
    let limit = SimDuration::from_secs(24 * 3600);
    let too_long = match &out {
        Delay::Fixed(x) => *x > limit,
        Delay::Uniform { max, .. } => *max > limit,
        Delay::LogNormal { p95, .. } => *p95 > limit,
    };
    if too_long {
        ctx.err(
            span,
            field,
            "a provisioning delay above 24h is not plausible",
        );
    }
    out
}

/// AKS pool names: lowercase letters and digits, starting with a letter.
fn is_pool_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}
