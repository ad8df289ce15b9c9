//! `[[deployment]]`: each deployment's pod template (requests and limits, OS, selector,
//! tolerations, topology spread, image, delays), load, HPA and PodDisruptionBudget; then the
//! pods they can reach in all, and the pools where their pods can never run.

use super::daemonset::PoolZones;
use super::{Ctx, Lowered, MAX_DEPLOYMENTS, MAX_PODS_TOTAL, image, is_dns_label, tolerations};
use super::{autoscaler, workloads};
use crate::api::{self, ImageSpec, Os, PodTemplate, SpreadConstraint, TopologyKey};
use crate::engine::SimDuration;
use crate::hpa::ControllerSettings;
use crate::scenario::model::DeploymentSpec;
use crate::scenario::raw::{RawDeployment, S, WhenUnsatisfiable};

/// Refuses more deployments than can be simulated. `validate` calls it before `[autoscaler]`,
/// so that this error comes ahead of that table's diagnostics.
pub(super) fn count(ctx: &mut Ctx, raw: &[S<RawDeployment>]) {
    if raw.len() > MAX_DEPLOYMENTS {
        ctx.err(
            Some(raw[MAX_DEPLOYMENTS].span()),
            "deployment",
            format!(
                "{} deployments; at most {MAX_DEPLOYMENTS} can be simulated",
                raw.len()
            ),
        );
    }
}

/// `[[deployment]]`, checked, and the pods they can reach in all (each at its HPA's max);
/// their images are added to `images`.
pub(super) fn deployments(
    ctx: &mut Ctx,
    low: &Lowered,
    controller_manager: &ControllerSettings,
    images: &mut Vec<ImageSpec>,
) -> (Vec<DeploymentSpec>, u64) {
    let mut deployments: Vec<DeploymentSpec> = Vec::new();
    let mut total_pods: u64 = 0;
    for d in &low.raw.deployment {
        let spec = deployment(ctx, d, &deployments, low, controller_manager, images);
        // The HPA may grow the deployment to max_replicas: count that towards the limit.
        total_pods += u64::from(spec.replicas)
            + spec.hpa.as_ref().map_or(0, |h| {
                u64::from(h.max_replicas.saturating_sub(spec.replicas))
            });
        deployments.push(spec);
    }
    if total_pods > MAX_PODS_TOTAL {
        ctx.err(
            None,
            "deployment",
            format!("{total_pods} replicas in all; at most {MAX_PODS_TOTAL} pods can be simulated"),
        );
    }
    (deployments, total_pods)
}

/// One `[[deployment]]`; `earlier`: the deployments before it.
fn deployment(
    ctx: &mut Ctx,
    d: &S<RawDeployment>,
    earlier: &[DeploymentSpec],
    low: &Lowered,
    controller_manager: &ControllerSettings,
    images: &mut Vec<ImageSpec>,
) -> DeploymentSpec {
    let r = d.get_ref();
    let name = r.name.get_ref().clone();
    let f = format!("deployment {name:?}");
    if !is_dns_label(&name) {
        ctx.err_hint(Some(r.name.span()), format!("{f}.name"), format!("{name:?} is not a valid Kubernetes name"), "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters");
    }
    if earlier.iter().any(|x| x.name == name) {
        ctx.err(
            Some(r.name.span()),
            format!("{f}.name"),
            "another deployment has this name",
        );
    }
    let replicas = r.replicas.as_ref().map_or(1, |v| *v.get_ref());
    if u64::from(replicas) > MAX_PODS_TOTAL {
        ctx.err(
            r.replicas.as_ref().map(|v| v.span()),
            format!("{f}.replicas"),
            format!("at most {MAX_PODS_TOTAL} pods can be simulated"),
        );
    }
    let Resources {
        cpu_req,
        mem_req,
        cpu_lim,
        mem_lim,
    } = resources(ctx, r, &f);
    let node_selector = ctx.label_map(&r.node_selector, &format!("{f}.node_selector"));
    let os = os(
        ctx,
        d,
        &f,
        node_selector.get(api::LABEL_OS).map(String::as_str),
    );
    let tolerations = tolerations(
        ctx,
        &r.tolerations,
        &format!("{f}.tolerations"),
        Some(d.span()),
    );
    let spread = spread(ctx, r, &f);
    let image = r.image.as_ref().and_then(|img| image(ctx, img, &f, images));
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
            ctx,
            l,
            &format!("{f}.load"),
            &workloads::LoadContext {
                base_dir: low.base_dir,
                seed: low.simulation.seed,
                duration: low.simulation.duration,
                deployment: &name,
                cpu_limit_millis: cpu_lim,
            },
        )
    });
    let hpa = r
        .hpa
        .as_ref()
        .and_then(|h| workloads::hpa(ctx, h, &format!("{f}.hpa"), controller_manager));
    tolerance_warnings(ctx, r, &f, low.cluster.kubernetes_minor);
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
        .and_then(|p| autoscaler::pdb(ctx, p, &f, controller, most_replicas));
    if let Some(h) = &hpa {
        workloads::hpa_warnings(ctx, h, d, &f, (cpu_req, mem_req), load.as_ref());
    }
    DeploymentSpec {
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
    }
}

/// A container's requests and limits: millicores and bytes.
struct Resources {
    cpu_req: Option<u64>,
    mem_req: Option<u64>,
    cpu_lim: Option<u64>,
    mem_lim: Option<u64>,
}

/// `requests` and `limits`; a missing request is its limit, as Kubernetes defaults it.
fn resources(ctx: &mut Ctx, r: &RawDeployment, f: &str) -> Resources {
    let req = r.requests.as_ref();
    let lim = r.limits.as_ref();
    let mut cpu_req = req.and_then(|q| ctx.cpu(&q.get_ref().cpu, &format!("{f}.requests.cpu")));
    let mut mem_req =
        req.and_then(|q| ctx.memory(&q.get_ref().memory, &format!("{f}.requests.memory")));
    let cpu_lim = lim.and_then(|q| ctx.cpu(&q.get_ref().cpu, &format!("{f}.limits.cpu")));
    let mem_lim = lim.and_then(|q| ctx.memory(&q.get_ref().memory, &format!("{f}.limits.memory")));
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
    Resources {
        cpu_req,
        mem_req,
        cpu_lim,
        mem_lim,
    }
}

/// The pods' OS: `os`, or the node selector's `kubernetes.io/os` (`selector_os`), which must
/// agree; Linux if neither.
fn os(ctx: &mut Ctx, d: &S<RawDeployment>, f: &str, selector_os: Option<&str>) -> Os {
    match (d.get_ref().os, selector_os) {
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
    }
}

/// `topology_spread`: the constraints over zones and hostnames.
fn spread(ctx: &mut Ctx, r: &RawDeployment, f: &str) -> Vec<SpreadConstraint> {
    let mut spread = Vec::new();
    for s in &r.topology_spread.0 {
        let key = match s.topology_key.as_ref().map(|k| k.get_ref().as_str()) {
            // The short forms "zone" and "hostname" are accepted for the two modelled keys.
            None | Some(api::LABEL_ZONE | "zone") => TopologyKey::Zone,
            Some(api::LABEL_HOSTNAME | "hostname") => TopologyKey::Hostname,
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
            ctx.err(
                Some(m.span()),
                format!("{f}.topology_spread.min_domains"),
                "min_domains must be at least 1 and needs when_unsatisfiable = \"DoNotSchedule\"",
            );
        }
        spread.push(SpreadConstraint {
            key,
            max_skew: max_skew.max(1),
            hard,
            min_domains,
        });
    }
    spread
}

/// Warns about a per-direction HPA tolerance on a version that ignores it: it needs the
/// HPAConfigurableTolerance feature gate, alpha (off) before 1.35, and AKS does not turn alpha
/// gates on.
fn tolerance_warnings(ctx: &mut Ctx, r: &RawDeployment, f: &str, kubernetes_minor: u32) {
    let Some(b) = r.hpa.as_ref().and_then(|h| h.get_ref().behavior.as_ref()) else {
        return;
    };
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

/// Warns about a deployment whose pods no pool can ever run, naming each pool's reason, and
/// about pools of the other OS its pods can land on (a pod without an OS selector on an
/// untainted pool of the other OS: the classic trap).
pub(super) fn misfits(
    ctx: &mut Ctx,
    low: &Lowered,
    deployments: &[DeploymentSpec],
    pool_zones: &PoolZones,
) {
    let pools = &low.pools;
    for (d, raw_d) in deployments.iter().zip(&low.raw.deployment) {
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
}
