//! Phase two of loading: checks the raw scenario and builds `model::Scenario`.
//!
//! Every check names the field and points at its span; all problems are collected before
//! returning. The limits follow AKS (reference §4.1, §4.2): pool names, Windows name length,
//! max_pods 10–250, a Linux system pool, Azure CNI for Windows, 1,000 nodes per pool and 5,000
//! per cluster. Sizes far beyond those are refused here so that a typo cannot exhaust memory.

use std::ops::Range;

use super::autoscaler;
use super::daemonsets;
use super::error::Diagnostic;
use super::events;
use super::model::*;
use super::raw::*;
use super::workloads;
use crate::api::*;
use crate::cluster;
use crate::engine::SimDuration;
use crate::engine::time::parse_duration;

pub use crate::api::network::{
    MAX_NODES_KUBENET, MAX_NODES_PER_CLUSTER, MAX_NODES_PER_POOL, max_nodes_per_cluster,
};
pub const MAX_POOLS: usize = 100;
/// Sanity bounds that keep a run within a laptop's memory.
pub const MAX_PODS_TOTAL: u64 = 2_000_000;
pub const MAX_DURATION: SimDuration = SimDuration(366 * 86_400_000);
pub const MAX_SAMPLES: u64 = 2_000_000;
/// Requests and sizes above these exceed every Azure VM (416 vCPU, 12 TiB) and are typos.
pub const MAX_CPU_MILLIS: u64 = 1_000_000;
pub const MAX_MEMORY_BYTES: u64 = 16 << 40;
/// DaemonSets per scenario (built-in ones included).
pub const MAX_DAEMONSETS: usize = 1_000;
/// Deployments per scenario: far above real clusters, low enough that per-class tables stay small.
pub const MAX_DEPLOYMENTS: usize = 10_000;
pub const MAX_SAMPLE_ROWS: u64 = 20_000_000;
pub const DEFAULT_MAX_EVENTS: u64 = 200_000_000;
pub const DEFAULT_START: &str = "2026-01-05T00:00:00Z";
/// 9999-12-31T23:59:59.999Z: the last instant RFC 3339's four-digit years can write.
const LAST_WRITABLE_UNIX_MS: i64 = 253_402_300_799_999;

/// Control-plane price per cluster-hour by tier (reference §4.4: UNVERIFIED; overridable).
pub fn tier_price(tier: SkuTier) -> f64 {
    match tier {
        SkuTier::Free => 0.0,
        SkuTier::Standard => 0.10,
        SkuTier::Premium => 0.60,
    }
}

/// Default node VM-create → Ready delays (reference §4.4, field reports; assumptions).
pub fn default_provisioning_delay(os: Os) -> Delay {
    match os {
        Os::Linux => Delay::lognormal(SimDuration::from_secs(180), SimDuration::from_secs(270)),
        Os::Windows => Delay::lognormal(SimDuration::from_secs(420), SimDuration::from_secs(600)),
    }
}

/// Default image pull throughput: a 5 GiB servercore-based Windows image in about 4 minutes
/// (reference §4.4: 2–6 min) ≈ 20 MiB/s; Linux layers extract faster. Assumptions.
pub fn default_pull_throughput(os: Os) -> u64 {
    match os {
        Os::Linux => 50 * quantity::MIB,
        Os::Windows => 20 * quantity::MIB,
    }
}

pub(super) struct Ctx {
    pub(super) diags: Vec<Diagnostic>,
}

pub(super) type Sp = Option<Range<usize>>;

impl Ctx {
    pub(super) fn err(&mut self, span: Sp, field: impl Into<String>, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, field, msg));
    }
    pub(super) fn err_hint(
        &mut self,
        span: Sp,
        field: impl Into<String>,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(span, field, msg).with_hint(hint));
    }
    pub(super) fn warn(&mut self, span: Sp, field: impl Into<String>, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(span, field, msg));
    }
    pub(super) fn warn_hint(
        &mut self,
        span: Sp,
        field: impl Into<String>,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::warning(span, field, msg).with_hint(hint));
    }

    /// Refuses `text` if it holds a control character (see `control_char_error`); true when
    /// it did.
    pub(super) fn no_control(&mut self, text: &str, span: Sp, field: impl Into<String>) -> bool {
        match control_char_error(text, span, &field.into()) {
            Some(d) => {
                self.diags.push(d);
                true
            }
            None => false,
        }
    }

    /// A map of labels or a node selector as the model keeps it, every key and value checked
    /// for control characters (a key is located by its value's span, on the same line).
    pub(super) fn label_map(
        &mut self,
        raw: &indexmap::IndexMap<String, S<String>>,
        field: &str,
    ) -> indexmap::IndexMap<String, String> {
        raw.iter()
            .map(|(k, v)| {
                let f = format!("{field}.{k:?}");
                if !self.no_control(k, Some(v.span()), &f) {
                    self.no_control(v.get_ref(), Some(v.span()), &f);
                }
                (k.clone(), v.get_ref().clone())
            })
            .collect()
    }

    pub(super) fn duration(
        &mut self,
        v: &Option<S<String>>,
        default: SimDuration,
        field: &str,
    ) -> SimDuration {
        match v {
            None => default,
            Some(s) => self.duration_of(s, field).unwrap_or(default),
        }
    }

    pub(super) fn duration_of(&mut self, s: &S<String>, field: &str) -> Option<SimDuration> {
        match parse_duration(s.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(Some(s.span()), field, e.0);
                None
            }
        }
    }

    pub(super) fn cpu(&mut self, v: &Option<S<NumberOrText>>, field: &str) -> Option<u64> {
        let s = v.as_ref()?;
        match quantity::parse_cpu_millis(s.get_ref()) {
            Ok(m) if m > MAX_CPU_MILLIS => {
                self.err(
                    Some(s.span()),
                    field,
                    format!(
                        "{:?} is more CPU than any VM has (at most 1000 cores here)",
                        s.get_ref().0
                    ),
                );
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                self.err(Some(s.span()), field, e.0);
                None
            }
        }
    }

    pub(super) fn memory(&mut self, v: &Option<S<NumberOrText>>, field: &str) -> Option<u64> {
        let s = v.as_ref()?;
        match quantity::parse_bytes(s.get_ref()) {
            Ok(b) if b > MAX_MEMORY_BYTES => {
                self.err(
                    Some(s.span()),
                    field,
                    format!(
                        "{:?} is more memory than any VM has (at most 16Ti here)",
                        s.get_ref().0
                    ),
                );
                None
            }
            Ok(b) => {
                if quantity::looks_like_milli_bytes(s.get_ref()) {
                    self.diags.push(
                        Diagnostic::warning(
                            Some(s.span()),
                            field,
                            format!(
                                "{:?} is {} byte(s): the m suffix means milli",
                                s.get_ref().0,
                                b
                            ),
                        )
                        .with_hint(format!(
                            "did you mean \"{}Mi\"?",
                            s.get_ref().trim_end_matches('m')
                        )),
                    );
                }
                Some(b)
            }
            Err(e) => {
                self.err(Some(s.span()), field, e.0);
                None
            }
        }
    }
}

fn is_pool_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// A DNS-1123 label: what Kubernetes requires of deployment names.
pub(super) fn is_dns_label(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Parses `a.b.c.d/p` and returns the usable addresses (2^(32−p) − 5: Azure reserves five).
pub fn subnet_usable_ips(cidr: &str) -> Result<u64, String> {
    let (addr, prefix) = cidr
        .split_once('/')
        .ok_or_else(|| format!("{cidr:?} is not a CIDR like \"10.224.0.0/16\""))?;
    let octets: Vec<&str> = addr.split('.').collect();
    if octets.len() != 4 || octets.iter().any(|o| o.parse::<u8>().is_err()) {
        return Err(format!("{cidr:?}: {addr:?} is not an IPv4 address"));
    }
    let p: u32 = prefix
        .parse()
        .map_err(|_| format!("{cidr:?}: bad prefix length {prefix:?}"))?;
    if !(8..=29).contains(&p) {
        return Err(format!(
            "{cidr:?}: prefix /{p} is outside /8–/29, the sizes Azure allows"
        ));
    }
    Ok((1u64 << (32 - p)) - 5)
}

pub(super) fn tolerations(
    ctx: &mut Ctx,
    raw: &[RawToleration],
    field: &str,
    span: Sp,
) -> Vec<Toleration> {
    let mut out = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        for (part, name) in [(&t.key, "key"), (&t.value, "value")] {
            if let Some(text) = part {
                ctx.no_control(
                    text.get_ref(),
                    Some(text.span()),
                    format!("{field}[{i}].{name}"),
                );
            }
        }
        let exists = t.operator == Some(TolerationOperator::Exists);
        let key = t
            .key
            .as_ref()
            .map(|k| k.get_ref().clone())
            .filter(|k| !k.is_empty());
        let value = t.value.as_ref().map(|v| v.get_ref().clone());
        if exists && value.as_deref().is_some_and(|v| !v.is_empty()) {
            ctx.err(
                span.clone(),
                format!("{field}[{i}].value"),
                "a toleration with operator Exists takes no value",
            );
        }
        if key.is_none() && !exists {
            ctx.err(
                span.clone(),
                format!("{field}[{i}].operator"),
                "a toleration without a key must use operator = \"Exists\"",
            );
        }
        out.push(Toleration {
            key,
            exists,
            value: value.unwrap_or_default(),
            effect: t.effect,
        });
    }
    out
}

/// Loads the SKU catalogue: the built-in table with `[[sku]]` entries added or overriding.
fn skus(ctx: &mut Ctx, raw: &[S<RawSku>]) -> Vec<Sku> {
    let mut list = catalogue::builtin();
    for s in raw {
        let span = Some(s.span());
        let r = s.get_ref();
        let name = r.name.get_ref().trim().to_string();
        let field = format!("sku {name:?}");
        ctx.no_control(&name, Some(r.name.span()), format!("{field}.name"));
        if let Some(f) = &r.family {
            ctx.no_control(f.get_ref(), Some(f.span()), format!("{field}.family"));
        }
        let memory = ctx.memory(&r.memory, &format!("{field}.memory"));
        let existing = list.iter().position(|k| k.name.eq_ignore_ascii_case(&name));
        let mut sku = match existing {
            Some(i) => list[i].clone(),
            None => {
                let (Some(vcpu), Some(mem), Some(price)) =
                    (r.vcpu.as_ref(), memory, r.price_linux.as_ref())
                else {
                    ctx.err(span, field, "a SKU that is not in the built-in catalogue needs vcpu, memory and price_linux");
                    continue;
                };
                let vcpu = *vcpu.get_ref();
                let linux = *price.get_ref();
                let licence = catalogue::WINDOWS_LICENCE_PER_VCPU_HOUR * f64::from(vcpu);
                Sku {
                    name: name.clone(),
                    vcpu,
                    memory_bytes: mem,
                    family: r
                        .family
                        .as_ref()
                        .map_or_else(|| "custom".into(), |f| f.get_ref().clone()),
                    price_linux: linux,
                    price_windows: linux + licence,
                    spot_price_linux: linux * catalogue::SPOT_FRACTION,
                    spot_price_windows: linux * catalogue::SPOT_FRACTION + licence,
                }
            }
        };
        if let Some(v) = &r.vcpu {
            sku.vcpu = *v.get_ref();
            if !(1..=416).contains(&sku.vcpu) {
                ctx.err(
                    Some(v.span()),
                    format!("{field}.vcpu"),
                    "vcpu must be between 1 and 416",
                );
            }
        }
        if let Some(m) = memory {
            sku.memory_bytes = m;
            if !(1 << 30..=12 << 40).contains(&m) {
                ctx.err(
                    r.memory.as_ref().map(|m| m.span()),
                    format!("{field}.memory"),
                    "memory must be between 1Gi and 12Ti",
                );
            }
        }
        if let Some(f) = &r.family {
            sku.family = f.get_ref().clone();
        }
        let mut price = |v: &Option<S<f64>>, slot: &mut f64, key: &str| {
            if let Some(p) = v {
                if !p.get_ref().is_finite() || *p.get_ref() < 0.0 || *p.get_ref() > 1000.0 {
                    ctx.err(
                        Some(p.span()),
                        format!("{field}.{key}"),
                        "a price must be between 0 and 1000 USD per hour",
                    );
                }
                *slot = *p.get_ref();
            }
        };
        let had_windows = r.price_windows.is_some();
        price(&r.price_linux, &mut sku.price_linux, "price_linux");
        price(&r.price_windows, &mut sku.price_windows, "price_windows");
        price(
            &r.spot_price_linux,
            &mut sku.spot_price_linux,
            "spot_price_linux",
        );
        price(
            &r.spot_price_windows,
            &mut sku.spot_price_windows,
            "spot_price_windows",
        );
        if r.price_linux.is_some() && !had_windows && existing.is_some() {
            // Keep the licence difference when only the Linux price was overridden.
            sku.price_windows =
                sku.price_linux + catalogue::WINDOWS_LICENCE_PER_VCPU_HOUR * f64::from(sku.vcpu);
        }
        match existing {
            Some(i) => list[i] = sku,
            None => list.push(sku),
        }
    }
    list
}

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

/// Validates a raw scenario. `Err` carries every error and warning; `Ok` the warnings.
/// Checks `raw`; CSV files it names are read relative to `base_dir`.
/// An `image = { name, size, pull_time }`: its index in `images`, added if new; the same name
/// must always describe the same image.
pub(super) fn image(
    ctx: &mut Ctx,
    img: &S<RawImage>,
    f: &str,
    images: &mut Vec<ImageSpec>,
) -> Option<usize> {
    let i = img.get_ref();
    let iname = i.name.get_ref().clone();
    ctx.no_control(&iname, Some(i.name.span()), format!("{f}.image.name"));
    let size_bytes = i.size.as_ref().map(|s| {
        ctx.memory(&Some(s.clone()), &format!("{f}.image.size"))
            .unwrap_or(0)
    });
    let pull_time = i
        .pull_time
        .as_ref()
        .and_then(|p| ctx.duration_of(p, &format!("{f}.image.pull_time")));
    if size_bytes.is_none() && pull_time.is_none() {
        ctx.err_hint(
            Some(img.span()),
            format!("{f}.image"),
            "an image needs a size or a pull_time",
            "e.g. image = { name = \"myapp:1.0\", size = \"5Gi\" }",
        );
    }
    let spec = ImageSpec {
        name: iname.clone(),
        size_bytes: size_bytes.unwrap_or(0),
        pull_time,
    };
    match images.iter().position(|x| x.name == iname) {
        Some(idx) => {
            if images[idx].size_bytes != spec.size_bytes || images[idx].pull_time != spec.pull_time
            {
                ctx.err(
                    Some(img.span()),
                    format!("{f}.image"),
                    format!("image {iname:?} is described differently elsewhere"),
                );
            }
            Some(idx)
        }
        None => {
            images.push(spec);
            Some(images.len() - 1)
        }
    }
}

/// Why `name` cannot name a folder under `results/` (empty, hidden, over 100 characters, or a
/// character other than letters, digits, `-`, `_`, `.`), if it cannot.
pub(crate) fn folder_name_error(name: &str, span: Sp, field: &str) -> Option<Diagnostic> {
    let fine = !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    (!fine).then(|| {
        Diagnostic::error(
            span,
            field,
            format!("{name:?} cannot name a results folder"),
        )
        .with_hint("use letters, digits, '-', '_' or '.' (not first), at most 100 characters")
    })
}

/// Why `text` cannot be a name, label, taint or pattern, if it holds a control character (C0,
/// DEL, C1). Such text is an identifier that reaches the terminal (`--explain`, the end screen,
/// messages) and the output files; a control character would clear the screen or forge a line
/// there, and no Kubernetes or Azure name has one.
fn control_char_error(text: &str, span: Sp, field: &str) -> Option<Diagnostic> {
    text.contains(char::is_control).then(|| {
        Diagnostic::error(span, field, format!("{text:?} holds a control character")).with_hint(
            "names, labels, taints and patterns are printed and written to files: remove it",
        )
    })
}

pub fn validate(
    file: &str,
    text: &str,
    raw: RawScenario,
    base_dir: &std::path::Path,
) -> (Option<Scenario>, Vec<Diagnostic>) {
    let mut ctx = Ctx { diags: Vec::new() };

    // [simulation]
    let sim = raw.simulation.get_ref();
    let name = sim.name.get_ref().trim().to_string();
    ctx.diags.extend(folder_name_error(
        &name,
        Some(sim.name.span()),
        "simulation.name",
    ));
    let parsed_duration = ctx.duration_of(&sim.duration, "simulation.duration");
    // An unparsable duration is already reported; one hour keeps the later checks quiet.
    let duration = parsed_duration.unwrap_or(SimDuration::from_mins(60));
    if parsed_duration == Some(SimDuration::ZERO) {
        ctx.err(
            Some(sim.duration.span()),
            "simulation.duration",
            "the simulation must last longer than zero",
        );
    } else if duration > MAX_DURATION {
        ctx.err(
            Some(sim.duration.span()),
            "simulation.duration",
            "at most 366 days can be simulated in one run",
        );
    }
    let sample_interval = ctx.duration(
        &sim.sample_interval,
        SimDuration::from_secs(60),
        "simulation.sample_interval",
    );
    if sample_interval < SimDuration::from_secs(1) {
        ctx.err(
            sim.sample_interval.as_ref().map(|s| s.span()),
            "simulation.sample_interval",
            "the sample interval must be at least 1s",
        );
    } else if duration.as_ms() / sample_interval.as_ms() > MAX_SAMPLES {
        ctx.err(
            sim.sample_interval.as_ref().map(|s| s.span()),
            "simulation.sample_interval",
            format!(
                "{} samples is too many (at most {MAX_SAMPLES}); use a longer interval",
                duration.as_ms() / sample_interval.as_ms()
            ),
        );
    }
    let start_text = sim
        .start
        .as_ref()
        .map_or(DEFAULT_START.to_string(), |s| s.get_ref().clone());
    let (start_unix_ms, start_offset_secs) = match chrono::DateTime::parse_from_rfc3339(&start_text)
    {
        Ok(t) => (t.timestamp_millis(), t.offset().local_minus_utc()),
        Err(e) => {
            ctx.err_hint(
                sim.start.as_ref().map(|s| s.span()),
                "simulation.start",
                format!("{start_text:?} is not an RFC 3339 time: {e}"),
                "write it like \"2026-01-05T00:00:00Z\" or \"2026-01-05T09:00:00+01:00\"",
            );
            (0, 0)
        }
    };
    // Every instant of the run is written as an RFC 3339 time with a four-digit year: a run
    // that would end after 9999-12-31T23:59:59 in its own offset is refused.
    let last_ms = start_unix_ms
        .saturating_add(i64::from(start_offset_secs) * 1000)
        .saturating_add(i64::try_from(duration.as_ms()).unwrap_or(i64::MAX));
    if last_ms > LAST_WRITABLE_UNIX_MS {
        ctx.err(
            sim.start.as_ref().map(|s| s.span()),
            "simulation.start",
            format!("a run from {start_text} for {duration} would end after the year 9999"),
        );
    }
    let region = sim
        .region
        .as_ref()
        .map_or("eastus".to_string(), |r| r.get_ref().clone());
    if !region
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        || region.is_empty()
    {
        ctx.err(
            sim.region.as_ref().map(|r| r.span()),
            "simulation.region",
            format!("{region:?} is not an Azure region name like \"eastus\""),
        );
    }
    let max_events = sim
        .max_events
        .as_ref()
        .map_or(DEFAULT_MAX_EVENTS, |m| *m.get_ref());
    if max_events == 0 {
        ctx.err(
            sim.max_events.as_ref().map(|m| m.span()),
            "simulation.max_events",
            "must be above zero",
        );
    }
    let memory_limit_bytes = ctx
        .memory(&sim.memory_limit, "simulation.memory_limit")
        .unwrap_or(super::size::DEFAULT_MEMORY_LIMIT_BYTES);

    // [network]
    let plugin = raw
        .network
        .plugin
        .as_ref()
        .map_or(NetworkPlugin::Azure, |p| *p.get_ref());
    // The subnet is given by its CIDR or by its size (then named by its prefix in messages).
    let (subnet_cidr, subnet_result) = match (&raw.network.subnet_cidr, &raw.network.subnet_size) {
        (Some(c), Some(sz)) => {
            ctx.err(
                Some(sz.span()),
                "network.subnet_size",
                "give subnet_cidr or subnet_size, not both",
            );
            (c.get_ref().clone(), subnet_usable_ips(c.get_ref()))
        }
        (Some(c), None) => (c.get_ref().clone(), subnet_usable_ips(c.get_ref())),
        (None, Some(sz)) => match sz.get_ref() {
            SubnetSize::Prefix(p) => {
                let cidr = format!("0.0.0.0/{}", p.trim().trim_start_matches('/'));
                (p.trim().to_string(), subnet_usable_ips(&cidr))
            }
            SubnetSize::Addresses(n) if n.is_power_of_two() && (8..=1 << 24).contains(n) => {
                let prefix = 32 - n.trailing_zeros();
                (format!("/{prefix}"), Ok(n - 5))
            }
            SubnetSize::Addresses(n) => (
                String::new(),
                Err(format!(
                    "a subnet holds a power of two of addresses, from 8 (/29) to 16777216 (/8); {n} is not one"
                )),
            ),
        },
        (None, None) => (
            "10.224.0.0/16".to_string(),
            subnet_usable_ips("10.224.0.0/16"),
        ),
    };
    let subnet_span = raw
        .network
        .subnet_cidr
        .as_ref()
        .map(|s| s.span())
        .or_else(|| raw.network.subnet_size.as_ref().map(|s| s.span()));
    let subnet_ips = subnet_result.unwrap_or_else(|e| {
        let (span, field) = match (&raw.network.subnet_cidr, &raw.network.subnet_size) {
            (Some(c), _) => (Some(c.span()), "network.subnet_cidr"),
            (None, Some(s)) => (Some(s.span()), "network.subnet_size"),
            (None, None) => (None, "network"),
        };
        ctx.err(span, field, e);
        0
    });
    let pod_cidr = raw
        .network
        .pod_cidr
        .as_ref()
        .map_or("10.244.0.0/16".to_string(), |s| s.get_ref().clone());
    let pod_cidr_nodes = match subnet_usable_ips(&pod_cidr) {
        // Overlay gives each node a /24 of the pod CIDR.
        Ok(ips) => (ips + 5) / 256,
        Err(e) => {
            ctx.err(
                raw.network.pod_cidr.as_ref().map(|s| s.span()),
                "network.pod_cidr",
                e,
            );
            0
        }
    };
    if raw.network.pod_cidr.is_some() && plugin != NetworkPlugin::AzureOverlay {
        ctx.warn(
            raw.network.pod_cidr.as_ref().map(|s| s.span()),
            "network.pod_cidr",
            "pod_cidr is used only by azure-overlay",
        );
    }

    // [cluster]
    let c = &raw.cluster;
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
    let cluster_settings = ClusterSettings {
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
    };

    // [scheduler]
    let s = &raw.scheduler;
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

    // [[sku]] and [[node_pool]]
    let skus = skus(&mut ctx, &raw.sku);
    if raw.node_pool.len() > MAX_POOLS {
        ctx.err(
            Some(raw.node_pool[MAX_POOLS].span()),
            "node_pool",
            format!("AKS allows at most {MAX_POOLS} node pools per cluster"),
        );
    }
    if raw.node_pool.is_empty() {
        ctx.err_hint(None, "node_pool", "the scenario has no [[node_pool]]", "every AKS cluster has a Linux system pool, e.g. [[node_pool]] name = \"system\" mode = \"system\" vm_size = \"Standard_D4s_v5\"");
    }
    let mut pools: Vec<PoolSpec> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for p in &raw.node_pool {
        let r = p.get_ref();
        let name = r.name.get_ref().clone();
        let f = format!("node_pool {name:?}");
        let os = r.os_type.as_ref().map_or(Os::Linux, |o| *o.get_ref());
        let mode = r.mode.as_ref().map_or(Mode::User, |m| *m.get_ref());
        if !is_pool_name(&name) {
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
        if names.contains(&name) {
            ctx.err(
                Some(r.name.span()),
                format!("{f}.name"),
                "another node pool has this name",
            );
        }
        names.push(name.clone());
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
        let os_sku = match (&r.os_sku, os) {
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
        };
        let sku = match catalogue::find(&skus, r.vm_size.get_ref()) {
            Some(s) => s.clone(),
            None => {
                let hint = catalogue::suggest(&skus, r.vm_size.get_ref())
                    .map(|s| format!("did you mean {s:?}? Or add it with a [[sku]] entry"))
                    .unwrap_or_else(|| "add it with a [[sku]] entry (name, vcpu, memory, price_linux, price_windows)".into());
                ctx.err_hint(
                    Some(r.vm_size.span()),
                    format!("{f}.vm_size"),
                    format!("unknown VM size {:?}", r.vm_size.get_ref()),
                    hint,
                );
                continue;
            }
        };
        if sku.vcpu < 2 {
            ctx.err(
                Some(r.vm_size.span()),
                format!("{f}.vm_size"),
                "AKS does not allow VM sizes with fewer than 2 vCPUs",
            );
        }
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
                f.clone(),
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
        let priority = r.priority.unwrap_or(Priority::Regular);
        if priority == Priority::Spot {
            if mode == Mode::System {
                ctx.err(
                    Some(r.name.span()),
                    format!("{f}.priority"),
                    "a system pool cannot use spot VMs",
                );
            }
            // AKS adds this taint and label to every spot pool (reference §3.3).
            taints.push(crate::api::spot_taint());
        }
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
        let provisioning_delay = delay(
            &mut ctx,
            &r.provisioning_delay,
            default_provisioning_delay(os),
            &format!("{f}.provisioning_delay"),
        );
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
        let spot_eviction_rate = match &r.spot_eviction_rate {
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
        };
        let image_pull_bytes_per_sec = match &r.image_pull_throughput {
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
        };
        let allocatable = crate::api::allocatable(
            os,
            sku.vcpu,
            sku.memory_bytes,
            max_pods,
            kubernetes_minor,
            cluster_settings.windows_memory_reservation,
        );
        let price_per_hour = match (os, priority, cluster_settings.enable_ahub) {
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
            labels.insert(crate::api::LABEL_SCALESET_PRIORITY.into(), "spot".into());
        }
        pools.push(PoolSpec {
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
        });
    }
    if !raw.node_pool.is_empty()
        && !pools
            .iter()
            .any(|p| p.mode == Mode::System && p.os == Os::Linux)
    {
        // Point at the first Linux pool's mode (or name): the likely place to fix.
        let span = raw
            .node_pool
            .iter()
            .map(|p| p.get_ref())
            .find(|p| p.os_type.as_ref().is_none_or(|o| *o.get_ref() == Os::Linux))
            .map(|p| p.mode.as_ref().map_or(p.name.span(), |m| m.span()))
            .or_else(|| raw.node_pool.first().map(|p| p.span()));
        ctx.err_hint(
            span,
            "node_pool",
            "the cluster has no Linux system pool",
            "set mode = \"system\" on a Linux pool; AKS needs one for its own pods",
        );
    }
    // Each sample writes one row per pool and zone (plus one): keep the table within memory.
    let rows_per_sample: u64 = pools
        .iter()
        .map(|p| p.zones.len().max(1) as u64)
        .sum::<u64>()
        + 1;
    let samples = duration.as_ms() / sample_interval.as_ms().max(1) + 1;
    if samples.saturating_mul(rows_per_sample) > MAX_SAMPLE_ROWS {
        ctx.err_hint(
            sim.sample_interval.as_ref().map(|s| s.span()),
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

    if raw.deployment.len() > MAX_DEPLOYMENTS {
        ctx.err(
            Some(raw.deployment[MAX_DEPLOYMENTS].span()),
            "deployment",
            format!(
                "{} deployments; at most {MAX_DEPLOYMENTS} can be simulated",
                raw.deployment.len()
            ),
        );
    }
    // [autoscaler], [quota]
    let autoscaler = autoscaler::profile(&mut ctx, raw.autoscaler.as_ref(), &pools);
    let quotas = autoscaler::quotas(&mut ctx, &raw.quota, &pools, &skus);

    // [controller_manager], [metrics_server]
    let controller_manager = workloads::controller_manager(&mut ctx, &raw.controller_manager);
    let metrics_server = workloads::metrics_server(&mut ctx, &raw.metrics_server);

    // [[deployment]]
    let mut images: Vec<ImageSpec> = Vec::new();
    let mut deployments: Vec<DeploymentSpec> = Vec::new();
    let mut total_pods: u64 = 0;
    for d in &raw.deployment {
        let r = d.get_ref();
        let name = r.name.get_ref().clone();
        let f = format!("deployment {name:?}");
        if !is_dns_label(&name) {
            ctx.err_hint(Some(r.name.span()), format!("{f}.name"), format!("{name:?} is not a valid Kubernetes name"), "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters");
        }
        if deployments.iter().any(|x| x.name == name) {
            ctx.err(
                Some(r.name.span()),
                format!("{f}.name"),
                "another deployment has this name",
            );
        }
        let replicas = r.replicas.as_ref().map_or(1, |v| *v.get_ref());
        total_pods += u64::from(replicas);
        if u64::from(replicas) > MAX_PODS_TOTAL {
            ctx.err(
                r.replicas.as_ref().map(|v| v.span()),
                format!("{f}.replicas"),
                format!("at most {MAX_PODS_TOTAL} pods can be simulated"),
            );
        }
        let req = r.requests.as_ref();
        let lim = r.limits.as_ref();
        let mut cpu_req = req.and_then(|q| ctx.cpu(&q.get_ref().cpu, &format!("{f}.requests.cpu")));
        let mut mem_req =
            req.and_then(|q| ctx.memory(&q.get_ref().memory, &format!("{f}.requests.memory")));
        let cpu_lim = lim.and_then(|q| ctx.cpu(&q.get_ref().cpu, &format!("{f}.limits.cpu")));
        let mem_lim =
            lim.and_then(|q| ctx.memory(&q.get_ref().memory, &format!("{f}.limits.memory")));
        // Kubernetes defaults a missing request to its limit.
        cpu_req = cpu_req.or(cpu_lim);
        mem_req = mem_req.or(mem_lim);
        if let (Some(rq), Some(l)) = (cpu_req, cpu_lim)
            && rq > l
        {
            ctx.err(
                lim.map(|l| l.span()),
                format!("{f}.limits.cpu"),
                format!("the cpu request ({rq}m) is above the limit ({l}m)"),
            );
        }
        if let (Some(rq), Some(l)) = (mem_req, mem_lim)
            && rq > l
        {
            ctx.err(
                lim.map(|l| l.span()),
                format!("{f}.limits.memory"),
                "the memory request is above the limit",
            );
        }
        let node_selector = ctx.label_map(&r.node_selector, &format!("{f}.node_selector"));
        let selector_os = node_selector.get(crate::api::LABEL_OS).map(String::as_str);
        let os = match (r.os, selector_os) {
            (Some(o), Some(s)) if o.as_str() != s => {
                ctx.err(
                    Some(d.span()),
                    format!("{f}.os"),
                    format!(
                        "os = {:?} contradicts node_selector kubernetes.io/os = {s:?}",
                        o.as_str()
                    ),
                );
                o
            }
            (Some(o), _) => o,
            (None, Some("windows")) => Os::Windows,
            (None, Some("linux")) => Os::Linux,
            (None, Some(other)) => {
                ctx.err(
                    Some(d.span()),
                    format!("{f}.node_selector"),
                    format!("kubernetes.io/os = {other:?}: nodes are \"linux\" or \"windows\""),
                );
                Os::Linux
            }
            (None, None) => Os::Linux,
        };
        let tolerations = tolerations(
            &mut ctx,
            &r.tolerations,
            &format!("{f}.tolerations"),
            Some(d.span()),
        );
        let mut spread = Vec::new();
        for s in &r.topology_spread.0 {
            let key = match s.topology_key.as_ref().map(|k| k.get_ref().as_str()) {
                // The short forms "zone" and "hostname" are accepted for the two modelled keys.
                None | Some(crate::api::LABEL_ZONE | "zone") => TopologyKey::Zone,
                Some(crate::api::LABEL_HOSTNAME | "hostname") => TopologyKey::Hostname,
                Some(other) => {
                    ctx.err_hint(
                        s.topology_key.as_ref().map(|k| k.span()),
                        format!("{f}.topology_spread.topology_key"),
                        format!("{other:?} is not modelled"),
                        "use \"topology.kubernetes.io/zone\" or \"kubernetes.io/hostname\"",
                    );
                    TopologyKey::Zone
                }
            };
            let max_skew = s.max_skew.as_ref().map_or(1, |m| *m.get_ref());
            // maxSkew is an int32 in the Kubernetes API.
            if max_skew == 0 || max_skew > i32::MAX as u32 {
                ctx.err(
                    s.max_skew.as_ref().map(|m| m.span()),
                    format!("{f}.topology_spread.max_skew"),
                    "max_skew must be between 1 and 2147483647",
                );
            }
            let hard = s
                .when_unsatisfiable
                .unwrap_or(WhenUnsatisfiable::DoNotSchedule)
                == WhenUnsatisfiable::DoNotSchedule;
            let min_domains = s.min_domains.as_ref().map(|m| *m.get_ref());
            if let Some(m) = &s.min_domains
                && (!hard || *m.get_ref() == 0)
            {
                ctx.err(Some(m.span()), format!("{f}.topology_spread.min_domains"), "min_domains must be at least 1 and needs when_unsatisfiable = \"DoNotSchedule\"");
            }
            spread.push(SpreadConstraint {
                key,
                max_skew: max_skew.max(1),
                hard,
                min_domains,
            });
        }
        let image = r
            .image
            .as_ref()
            .and_then(|img| image(&mut ctx, img, &f, &mut images));
        let readiness_delay = ctx.duration(
            &r.readiness_delay,
            SimDuration::ZERO,
            &format!("{f}.readiness_delay"),
        );
        let shutdown_delay = ctx.duration(
            &r.shutdown_delay,
            SimDuration::ZERO,
            &format!("{f}.shutdown_delay"),
        );
        let grace = r.termination_grace_period_seconds.unwrap_or(30);
        if grace > 86_400 {
            ctx.err(
                Some(d.span()),
                format!("{f}.termination_grace_period_seconds"),
                "at most 86400 seconds",
            );
        }
        let load = r.load.as_ref().map(|l| {
            workloads::load(
                &mut ctx,
                l,
                &format!("{f}.load"),
                &workloads::LoadContext {
                    base_dir,
                    seed: sim.seed.unwrap_or(1),
                    duration,
                    deployment: &name,
                    cpu_limit_millis: cpu_lim,
                },
            )
        });
        let hpa = r
            .hpa
            .as_ref()
            .and_then(|h| workloads::hpa(&mut ctx, h, &format!("{f}.hpa"), &controller_manager));
        // A per-direction tolerance needs the HPAConfigurableTolerance feature gate, alpha
        // (off) before 1.35; AKS does not turn alpha gates on.
        if let Some(b) = r.hpa.as_ref().and_then(|h| h.get_ref().behavior.as_ref()) {
            let b = b.get_ref();
            for (dir, rules) in [("scale_up", &b.scale_up), ("scale_down", &b.scale_down)] {
                let tolerance = rules.as_ref().and_then(|r| r.get_ref().tolerance.as_ref());
                let Some(t) = tolerance.filter(|_| kubernetes_minor < 35) else {
                    continue;
                };
                ctx.warn_hint(
                    Some(t.span()),
                    format!("{f}.hpa.behavior.{dir}.tolerance"),
                    format!(
                        "Kubernetes 1.{kubernetes_minor} ignores it: the HPAConfigurableTolerance \
                         feature gate is alpha and off before 1.35; aksim applies it anyway"
                    ),
                    "set cluster.kubernetes_version = \"1.35\", or leave the tolerance out to see what this version does",
                );
            }
        }
        let controller = r.controller.as_ref().is_none_or(|c| *c.get_ref());
        if let Some(c) = &r.controller
            && !controller
            && r.hpa.is_some()
        {
            ctx.err_hint(
                Some(c.span()),
                format!("{f}.controller"),
                "bare pods (controller = false) have no replica count for an HPA to scale",
                "remove the hpa or set controller = true",
            );
        }
        let most_replicas = hpa
            .as_ref()
            .map_or(replicas, |h| h.max_replicas.max(replicas));
        let pdb = r
            .pdb
            .as_ref()
            .and_then(|p| autoscaler::pdb(&mut ctx, p, &f, controller, most_replicas));
        if let Some(h) = &hpa {
            workloads::hpa_warnings(&mut ctx, h, d, &f, (cpu_req, mem_req), load.as_ref());
            // The HPA may grow the deployment to max_replicas: count that towards the limit.
            total_pods += u64::from(h.max_replicas.saturating_sub(replicas));
        }
        deployments.push(DeploymentSpec {
            name,
            replicas,
            load,
            hpa,
            pdb,
            template: PodTemplate {
                namespace: r.namespace.clone().unwrap_or_else(|| "default".into()),
                os,
                cpu_request_millis: cpu_req.unwrap_or(0),
                memory_request_bytes: mem_req.unwrap_or(0),
                cpu_limit_millis: cpu_lim,
                memory_limit_bytes: mem_lim,
                node_selector,
                tolerations,
                spread,
                image,
                readiness_delay,
                priority: r.priority.unwrap_or(0),
                termination_grace: SimDuration::from_secs(grace.min(86_400)),
                shutdown_delay,
                system_default_spread: true,
                safe_to_evict: r.safe_to_evict,
                local_storage: r.local_storage.unwrap_or(false),
                controller,
            },
        });
    }
    if total_pods > MAX_PODS_TOTAL {
        ctx.err(
            None,
            "deployment",
            format!("{total_pods} replicas in all; at most {MAX_PODS_TOTAL} pods can be simulated"),
        );
    }

    // [[daemonset]]: the built-in AKS agents unless turned off, replaced by name.
    let mut daemonsets: Vec<DaemonSetSpec> = if c.default_daemonsets.unwrap_or(true) {
        daemonsets::builtin()
    } else {
        Vec::new()
    };
    for ds in &raw.daemonset {
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
            Some(t) => tolerations(&mut ctx, t, &format!("{f}.tolerations"), Some(ds.span())),
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

    // Each pool's zones: node labels and DaemonSet load, computed once for the checks below.
    let pool_zones: Vec<Vec<(crate::api::Labels, cluster::DaemonLoad)>> = pools
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
                    let labels = cluster::pool_labels(p, z, &region);
                    let load = cluster::DaemonLoad::on(&daemonsets, p, &labels);
                    (labels, load)
                })
                .collect()
        })
        .collect();
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
    // AKS's own agents always fit a node; DaemonSets that do not would leave nodes
    // over-committed, which no real kubelet allows: refuse them, naming the pool.
    for (p, zones) in pools.iter().zip(&pool_zones) {
        if let Some((_, load)) = zones.iter().find(|(_, l)| {
            l.cpu_millis > p.allocatable.cpu_millis
                || l.memory_bytes > p.allocatable.memory_bytes
                || l.pods > p.allocatable.pods
        }) {
            let span = raw
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
    // [[pod_trace]]
    let traces = workloads::traces(
        &mut ctx,
        &raw.pod_trace,
        base_dir,
        &deployments,
        total_pods,
        &mut images,
    );

    // Pools where a deployment's pods can never run: warn, naming each pool's reason.
    for (d, raw_d) in deployments.iter().zip(&raw.deployment) {
        let reasons: Vec<String> = pools
            .iter()
            .enumerate()
            .filter_map(|(pi, p)| {
                crate::scheduler::static_misfit(p, &pool_zones[pi], &d.template)
                    .map(|why| format!("{}: {why}", p.name))
            })
            .collect();
        if !pools.is_empty() && reasons.len() == pools.len() {
            ctx.warn(
                Some(raw_d.get_ref().name.span()),
                format!("deployment {:?}", d.name),
                format!(
                    "no node pool can ever run its pods ({})",
                    reasons.join("; ")
                ),
            );
        }
        // The classic trap: a pod without an OS selector on an untainted pool of the other OS.
        for (pi, p) in pools.iter().enumerate() {
            if p.os != d.template.os
                && crate::scheduler::static_misfit(p, &pool_zones[pi], &d.template).is_none()
            {
                ctx.warn(
                    Some(raw_d.get_ref().name.span()),
                    format!("deployment {:?}", d.name),
                    format!(
                        "its {} pods can be scheduled onto {} pool {:?}, where the image cannot run; add node_selector = {{ \"kubernetes.io/os\" = \"{}\" }} or taint the pool",
                        d.template.os.as_str(),
                        p.os.as_str(),
                        p.name,
                        d.template.os.as_str()
                    ),
                );
            }
        }
    }

    // [[event]]
    let event_context = events::EventContext {
        pools: &pools,
        deployments: &deployments,
        skus: &skus,
        duration,
    };
    let mut actions: Vec<(ActionSpec, Range<usize>)> = raw
        .event
        .iter()
        .enumerate()
        .filter_map(|(i, e)| events::event(&mut ctx, e, i, &event_context))
        .collect();
    actions.sort_by_key(|(a, _)| a.at);
    replay_limits(
        &mut ctx,
        &pools,
        &deployments,
        &actions,
        subnet_ips,
        &subnet_cidr,
        max_nodes_per_cluster(plugin),
    );
    let actions: Vec<ActionSpec> = actions.into_iter().map(|(a, _)| a).collect();

    let ok = !ctx
        .diags
        .iter()
        .any(|d| d.severity == super::error::Severity::Error);
    let scenario = ok.then(|| Scenario {
        file: file.to_string(),
        text: text.to_string(),
        simulation: SimulationSettings {
            name,
            seed: sim.seed.unwrap_or(1),
            duration,
            start_unix_ms,
            start_offset_secs,
            sample_interval,
            region,
            max_events,
            memory_limit_bytes,
        },
        network: NetworkSettings {
            plugin,
            subnet_cidr,
            subnet_ips,
            pod_cidr,
            pod_cidr_nodes,
        },
        cluster: cluster_settings,
        scheduler,
        output: OutputSettings {
            event_log: raw.output.event_log.unwrap_or(true),
            plots: raw.output.plots.unwrap_or(true),
        },
        pools,
        images,
        deployments,
        daemonsets,
        actions,
        controller_manager,
        metrics_server,
        traces,
        autoscaler,
        quotas,
    });
    // The size guard, once everything the estimate reads is known to be valid.
    if let Some(s) = &scenario {
        let estimate = super::size::estimate(s);
        if estimate.bytes > memory_limit_bytes {
            ctx.err_hint(
                Some(
                    sim.memory_limit
                        .as_ref()
                        .map_or(raw.simulation.span(), |m| m.span()),
                ),
                "simulation.memory_limit",
                format!(
                    "this run may need {} of memory, more than the limit of {}",
                    estimate.describe(),
                    super::size::gib(memory_limit_bytes)
                ),
                "raise simulation.memory_limit (e.g. memory_limit = \"16Gi\") if the machine has that much memory, or simulate fewer nodes or pods",
            );
            return (None, ctx.diags);
        }
    }
    (scenario, ctx.diags)
}
