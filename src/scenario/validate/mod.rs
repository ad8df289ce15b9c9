//! Phase two of loading: checks the raw scenario and builds `model::Scenario`.
//!
//! Every check names the field and points at its span; all problems are collected before
//! returning. The limits follow AKS (reference §4.1, §4.2): pool names, Windows name length,
//! max_pods 10–250, a Linux system pool, Azure CNI for Windows, 1,000 nodes per pool and 5,000
//! per cluster. Sizes far beyond those are refused here so that a typo cannot exhaust memory.
//!
//! Each table is checked by its own function, in a file named after it: `simulation`,
//! `network`, `cluster` (with `[scheduler]`), `sku`, `node_pool`, `deployment`, `daemonset`
//! and `event`; the autoscaler profile, quotas, PodDisruptionBudgets, loads, HPAs, traces and
//! each action's fields are checked in `autoscaler`, `workloads` and `actions` beside them. `validate`
//! calls them in one fixed order, which is the order of the diagnostics. The tables that later
//! ones read (the settings, the SKU catalogue, the node pools) are gathered in `Lowered` once
//! checked.

pub mod actions;
mod autoscaler;
mod cluster;
mod daemonset;
mod deployment;
mod event;
mod network;
mod node_pool;
mod simulation;
mod sku;
mod workloads;

use std::ops::Range;
use std::path::Path;

use super::error::{Diagnostic, Severity};
use super::model::*;
use super::raw::*;
use crate::api::*;
use crate::engine::SimDuration;
use crate::engine::time::parse_duration;

pub use network::subnet_usable_ips;

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

/// The diagnostics found so far, in order, and the checks that every table uses to add to them.
pub(super) struct Ctx {
    pub(super) diags: Vec<Diagnostic>,
}

/// The byte range of the (`--set`-edited) text a diagnostic points at; `None` names no line.
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

/// The raw scenario and the tables that later ones read, checked: the settings, the SKU
/// catalogue (built-in and `[[sku]]`) and the node pools.
pub(super) struct Lowered<'a> {
    pub(super) raw: &'a RawScenario,
    /// The scenario's folder: CSV files it names are read relative to it.
    pub(super) base_dir: &'a Path,
    pub(super) simulation: SimulationSettings,
    pub(super) network: NetworkSettings,
    pub(super) cluster: ClusterSettings,
    pub(super) skus: Vec<Sku>,
    pub(super) pools: Vec<PoolSpec>,
}

/// Checks a raw scenario and lowers it to a `Scenario`, `None` if any diagnostic is an error;
/// the diagnostics are every error and warning, in the order of the checks below. CSV files it
/// names are read relative to `base_dir`.
pub fn validate(
    file: &str,
    text: &str,
    raw: RawScenario,
    base_dir: &Path,
) -> (Option<Scenario>, Vec<Diagnostic>) {
    let mut ctx = Ctx { diags: Vec::new() };
    let simulation = simulation::simulation(&mut ctx, &raw.simulation);
    let network = network::network(&mut ctx, &raw.network);
    let cluster = cluster::cluster(&mut ctx, &raw.cluster);
    let scheduler = cluster::scheduler(&mut ctx, &raw.scheduler);
    let skus = sku::skus(&mut ctx, &raw.sku);
    let pools = node_pool::node_pools(&mut ctx, &raw.node_pool, &skus, network.plugin, &cluster);
    let low = Lowered {
        raw: &raw,
        base_dir,
        simulation,
        network,
        cluster,
        skus,
        pools,
    };
    node_pool::room(&mut ctx, &low);
    deployment::count(&mut ctx, &raw.deployment);
    let autoscaler = autoscaler::profile(&mut ctx, raw.autoscaler.as_ref(), &low.pools);
    let quotas = autoscaler::quotas(&mut ctx, &raw.quota, &low.pools, &low.skus);
    let controller_manager = workloads::controller_manager(&mut ctx, &raw.controller_manager);
    let metrics_server = workloads::metrics_server(&mut ctx, &raw.metrics_server);
    let mut images: Vec<ImageSpec> = Vec::new();
    let (deployments, total_pods) =
        deployment::deployments(&mut ctx, &low, &controller_manager, &mut images);
    let daemonsets =
        daemonset::daemonsets(&mut ctx, &raw.daemonset, raw.cluster.default_daemonsets);
    let pool_zones = daemonset::pool_zones(&low.pools, &daemonsets, &low.simulation.region);
    daemonset::fit(&mut ctx, &low, &daemonsets, &pool_zones);
    let traces = workloads::traces(
        &mut ctx,
        &raw.pod_trace,
        base_dir,
        &deployments,
        total_pods,
        &mut images,
    );
    deployment::misfits(&mut ctx, &low, &deployments, &pool_zones);
    let actions = event::events(&mut ctx, &low, &deployments);

    if ctx.diags.iter().any(|d| d.severity == Severity::Error) {
        return (None, ctx.diags);
    }
    let Lowered {
        simulation,
        network,
        cluster,
        pools,
        ..
    } = low;
    let scenario = Scenario {
        file: file.to_string(),
        text: text.to_string(),
        simulation,
        network,
        cluster,
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
    };
    if size_guard(&mut ctx, &raw, &scenario) {
        (Some(scenario), ctx.diags)
    } else {
        (None, ctx.diags)
    }
}

/// The size guard, once everything the estimate reads is known to be valid: false (with the
/// error) if the run's estimated peak memory is over `simulation.memory_limit`.
fn size_guard(ctx: &mut Ctx, raw: &RawScenario, scenario: &Scenario) -> bool {
    let memory_limit_bytes = scenario.simulation.memory_limit_bytes;
    let estimate = super::size::estimate(scenario);
    if estimate.bytes <= memory_limit_bytes {
        return true;
    }
    ctx.err_hint(
        Some(
            raw.simulation
                .get_ref()
                .memory_limit
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
    false
}
