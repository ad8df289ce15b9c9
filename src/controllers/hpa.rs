//! kube-controller-manager's HPA controller: every `--horizontal-pod-autoscaler-sync-period`
//! it syncs each HPA, in deployment order: the pods and metrics-server's samples go through
//! the replica calculator (`crate::hpa::replicas`), the proposals through the controller's
//! normalizations (`crate::hpa::controller`), and the decision sets the deployment's replica
//! count, which the ReplicaSet controller then reconciles. Its state is each HPA's
//! recommendations, scale events and last logged decision.

use super::metrics_server::MetricsServer;
use super::replicaset;
use crate::cluster::{DeploymentId, Pod, PodPhase};
use crate::engine::{SimDuration, SimTime};
use crate::hpa::replicas::{self, PodInfo, PodMetric, ReadyCondition};
use crate::hpa::{HpaState, MetricSpec, ResourceName, Target};
use crate::observe::record::{HpaMetric, HpaSync, MetricReading, MetricTarget, Record};
use crate::world::{Event, World};

/// Times handed to the HPA's calculator are shifted by a day, so that pods already running at
/// the start of a run (a warm start) can be dated long before it: their CPU samples are not
/// mistaken for the first samples of freshly started pods.
const HPA_EPOCH: SimDuration = SimDuration::from_secs(86_400);

/// The HPA controller of one deployment.
#[derive(Debug, Clone, Default)]
pub struct HpaRun {
    pub state: HpaState,
    /// The CPU utilization (percent of requests) it last computed.
    pub cpu_utilization: Option<i32>,
    pub scale_ups: u32,
    pub scale_downs: u32,
    /// The last decision logged, to log only changes.
    last_logged: Option<LoggedDecision>,
    /// The last proposals and what they were computed from (`proposal_key`).
    cache: Option<(u64, Vec<Result<replicas::Proposal, replicas::CalcError>>)>,
}

/// Buffers reused across the HPAs of one sync.
#[derive(Default)]
struct HpaScratch {
    infos: Vec<PodInfo>,
    cpu: Vec<PodMetric>,
    mem: Vec<PodMetric>,
    rps: Vec<PodMetric>,
}

/// What makes an HPA decision worth a line of its own.
#[derive(Debug, Clone, Copy)]
struct LoggedDecision {
    proposal: Option<u32>,
    desired: u32,
    limit: &'static str,
    active: &'static str,
    /// Which metrics failed (bit i: metric i).
    failed: u64,
}

impl PartialEq for LoggedDecision {
    fn eq(&self, o: &Self) -> bool {
        // The reasons are upstream's constants: the same text is almost always the same
        // pointer, so compare that first (the result is the same as comparing the text).
        let same = |a: &str, b: &str| (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b;
        self.proposal == o.proposal
            && self.desired == o.desired
            && same(self.limit, o.limit)
            && same(self.active, o.active)
            && self.failed == o.failed
    }
}

/// The HPA controller: per deployment, its HPA's state (`None` without an HPA, or before its
/// first sync).
#[derive(Default)]
pub struct HpaController {
    pub runs: Vec<Option<HpaRun>>,
    scratch: HpaScratch,
}

impl HpaController {
    pub fn new(deployments: usize) -> Self {
        HpaController {
            runs: vec![None; deployments],
            scratch: HpaScratch::default(),
        }
    }

    /// A sync is due: sync every HPA, then arm the next sync.
    pub fn on_sync(&mut self, world: &mut World, metrics: &MetricsServer, now: SimTime) {
        self.hpa_sync(world, metrics, now);
        let next = now + world.scenario.controller_manager.sync_period;
        if next <= world.end {
            world.queue.schedule(next, Event::HpaSync);
        }
    }

    /// kube-controller-manager's HPA controller: every HPA, in deployment order.
    pub fn hpa_sync(&mut self, world: &mut World, metrics: &MetricsServer, now: SimTime) {
        // Buffers kept between syncs (a deployment can have a million pods).
        let mut scratch = std::mem::take(&mut self.scratch);
        for d in 0..world.loads.len() {
            if world.scenario.deployments[d].hpa.is_none() {
                continue;
            }
            let current = world.cluster.deployments[d].desired;
            // The proposals depend on the scrape, the pods' states and — for pods still in
            // their CPU initialization period — the clock: between scrapes, with no pod
            // changed and none that young, the previous sync's proposals stand.
            let key = self.proposal_key(world, metrics, d, current, now);
            let cached = self.runs[d]
                .as_mut()
                .and_then(|h| h.cache.take())
                .filter(|(k, _)| Some(*k) == key);
            let proposals = match cached {
                Some((_, p)) => p,
                None => self.proposals(world, metrics, d, current, now, &mut scratch),
            };
            self.apply_hpa(world, d, current, &proposals, now);
            if let (Some(k), Some(h)) = (key, self.runs[d].as_mut()) {
                h.cache = Some((k, proposals));
            }
        }
        self.scratch = scratch;
    }

    /// What the metric proposals of deployment `d` depend on, or `None` when a pod is still
    /// in its CPU initialization period (then they depend on the clock too).
    fn proposal_key(
        &self,
        world: &World,
        metrics: &MetricsServer,
        d: usize,
        current: u32,
        now: SimTime,
    ) -> Option<u64> {
        use crate::engine::rng::splitmix64;
        let init = world.scenario.controller_manager.cpu_initialization_period;
        let dep = &world.cluster.deployments[d];
        // The newest pod still initializing makes the clock matter.
        if dep.last_start.is_some_and(|s| s + init >= now) {
            return None;
        }
        let scrape = metrics.windows[d].scrape.map_or(u64::MAX, |s| s.at.as_ms());
        Some(splitmix64(
            splitmix64(scrape ^ (u64::from(current) << 40)) ^ dep.version,
        ))
    }

    /// The replica calculator over every metric of deployment `d`'s HPA.
    fn proposals(
        &self,
        world: &World,
        metrics: &MetricsServer,
        d: usize,
        current: u32,
        now: SimTime,
        x: &mut HpaScratch,
    ) -> Vec<Result<replicas::Proposal, replicas::CalcError>> {
        let hpa = world.scenario.deployments[d].hpa.as_ref().expect("an HPA");
        let b = hpa.behavior.as_ref();
        let calc = replicas::Calculator::new(&world.scenario.controller_manager).with_tolerances(
            b.and_then(|b| b.scale_up.tolerance),
            b.and_then(|b| b.scale_down.tolerance),
        );
        // `status.replicas`: the pods that exist (the AverageValue paths read it).
        let status_replicas = world.cluster.deployments[d].pods.len() as u32;
        self.hpa_inputs(world, metrics, d, x);
        let scrape = metrics.windows[d].scrape;
        let vnow = hpa_clock(now);
        let (infos, cpu, mem, rps) = (&x.infos, &x.cpu, &x.mem, &x.rps);
        hpa.metrics
            .iter()
            .map(|m| match m {
                MetricSpec::Resource { name, target } => {
                    let samples = match name {
                        ResourceName::Cpu => cpu,
                        ResourceName::Memory => mem,
                    };
                    match target {
                        Target::Utilization(u) => {
                            calc.resource_utilization(current, *u, *name, infos, samples, vnow)
                        }
                        Target::AverageValue(v) | Target::Value(v) => {
                            calc.resource_average_value(current, *v, *name, infos, samples, vnow)
                        }
                    }
                }
                MetricSpec::Pods { target, .. } => {
                    // Validation allows only AverageValue here.
                    let v = target_value(target).unwrap_or(0);
                    calc.pods_metric(current, v, infos, rps, vnow)
                }
                MetricSpec::Object { target, .. } | MetricSpec::External { target, .. } => {
                    let total = scrape.map_or(0, |s| to_milli(s.demand_rps));
                    let external = matches!(m, MetricSpec::External { .. });
                    let v = target_value(target).unwrap_or(0);
                    // Validation allows only Value and AverageValue here.
                    match (target, external) {
                        (Target::AverageValue(_), true) => {
                            calc.external_average_value(status_replicas, total, v)
                        }
                        (Target::AverageValue(_), false) => {
                            calc.object_average_value(status_replicas, total, v)
                        }
                        (_, true) => calc.external_value(current, total, v, infos),
                        (_, false) => calc.object_value(current, total, v, infos),
                    }
                }
            })
            .collect()
    }

    /// Runs the controller of deployment `d` on this sync's proposals and applies its decision.
    fn apply_hpa(
        &mut self,
        world: &mut World,
        d: usize,
        current: u32,
        proposals: &[Result<replicas::Proposal, replicas::CalcError>],
        now: SimTime,
    ) {
        let dep = DeploymentId(d as u32);
        let hpa = world.scenario.deployments[d].hpa.as_ref().expect("an HPA");
        let run = self.runs[d].get_or_insert_with(HpaRun::default);
        let decision = run.state.reconcile(
            hpa,
            &world.scenario.controller_manager,
            current,
            proposals,
            hpa_clock(now),
        );
        run.cpu_utilization = hpa
            .metrics
            .iter()
            .zip(proposals)
            .find_map(|(m, p)| match (m, p) {
                (
                    MetricSpec::Resource {
                        name: ResourceName::Cpu,
                        ..
                    },
                    Ok(p),
                ) => p.utilization,
                _ => None,
            });
        let desired = decision.desired;
        self.log_decision(world, d, &decision, proposals, now);
        if desired != current {
            let run = self.runs[d].as_mut().expect("set above");
            if desired > current {
                run.scale_ups += 1;
            } else {
                run.scale_downs += 1;
            }
            world.advance(dep, now);
            world.cluster.deployments[d].desired = desired;
            let r = &mut world.loads[d];
            r.peak_desired = r.peak_desired.max(desired);
            replicaset::reconcile(world, dep, now);
        }
    }

    /// The pod list and the metric samples the HPA of deployment `d` sees.
    fn hpa_inputs(&self, world: &World, metrics: &MetricsServer, d: usize, x: &mut HpaScratch) {
        let HpaScratch {
            infos,
            cpu,
            mem,
            rps,
        } = x;
        infos.clear();
        cpu.clear();
        mem.clear();
        rps.clear();
        let c = &world.cluster;
        let spec = &world.scenario.deployments[d];
        let t = &spec.template;
        let scrape = metrics.windows[d].scrape;
        let load = spec.load.as_ref();
        for (i, &id) in c.deployments[d].pods.iter().enumerate() {
            let p = c.pod(id);
            let info = pod_info(i as u32, p, t);
            infos.push(info);
            let (Some(s), Some(running)) = (scrape, p.running_at) else {
                continue;
            };
            // metrics-server reports a container after two scrapes of it.
            if !(p.warm || running + s.window <= s.at) {
                continue;
            }
            let frac = match p.ready_at {
                Some(_) if p.warm => 1.0,
                Some(r) if r + s.window <= s.at => 1.0,
                Some(r) if r <= s.at => {
                    s.at.since(r).as_ms() as f64 / s.window.as_ms().max(1) as f64
                }
                _ => 0.0,
            };
            let served = frac * s.rps_per_pod;
            // Memory is the working set at the scrape: what a pod serving then holds.
            let serving_at_scrape = p.ready_at.is_some_and(|r| p.warm || r <= s.at);
            let served_now = if serving_at_scrape {
                s.rps_per_pod_now
            } else {
                0.0
            };
            let (cpu_m, mem_b) = match load {
                Some(l) => (
                    l.baseline_cpu_millis + served * l.cpu_per_request_millis,
                    l.baseline_memory_bytes + served_now * l.memory_per_request_bytes,
                ),
                None => (0.0, 0.0),
            };
            let at = hpa_clock(s.at);
            let sample = |v: i64| PodMetric {
                pod: i as u32,
                value_milli: v,
                timestamp: at,
                window: s.window,
            };
            cpu.push(sample(libm::round(cpu_m) as i64));
            mem.push(sample(to_milli(mem_b)));
            rps.push(sample(to_milli(served)));
        }
    }

    fn log_decision(
        &mut self,
        world: &mut World,
        d: usize,
        decision: &crate::hpa::Decision,
        proposals: &[Result<replicas::Proposal, replicas::CalcError>],
        now: SimTime,
    ) {
        let spec = &world.scenario.deployments[d];
        let hpa = spec.hpa.as_ref().expect("an HPA");
        let changed = decision.desired != decision.current;
        let (limit, limit_message) = decision
            .scaling_limited
            .as_ref()
            .filter(|c| c.status)
            .map_or(("", ""), |c| (c.reason, c.message.as_ref()));
        let active = decision
            .scaling_active
            .as_ref()
            .map_or("", |c| if c.status { "" } else { c.reason });
        // A sync that repeats the previous outcome is not logged again (metric values move
        // at every scrape; the recommendation and its limits are what a reader follows).
        let key = LoggedDecision {
            proposal: decision.metric_proposal,
            desired: decision.desired,
            limit,
            active,
            failed: proposals
                .iter()
                .enumerate()
                .filter(|(_, p)| p.is_err())
                .fold(0u64, |m, (i, _)| m | 1u64 << (i % 64)),
        };
        let run = self.runs[d].as_mut().expect("an HPA");
        if !changed && run.last_logged == Some(key) {
            return;
        }
        run.last_logged = Some(key);
        let metrics: Vec<HpaMetric> = hpa
            .metrics
            .iter()
            .zip(proposals)
            .map(|(m, p)| metric_record(m, p))
            .collect();
        let name = spec.name.clone();
        let reason = if !decision.rescale_reason.is_empty() {
            decision.rescale_reason.clone()
        } else {
            decision
                .scaling_active
                .as_ref()
                .filter(|c| !c.status)
                .map_or(String::new(), |c| format!("{}: {}", c.reason, c.message))
        };
        let sync = HpaSync {
            deployment: name.into(),
            current: decision.current,
            metrics,
            proposal: decision.metric_proposal,
            stabilized: decision.stabilized,
            desired: decision.desired,
            limited_by: limit.into(),
            limit_message: limit_message.into(),
            reason: reason.into(),
        };
        world.log.emit(
            now,
            if changed {
                Record::HpaScaled(sync)
            } else {
                Record::HpaDecision(sync)
            },
        );
    }
}

/// An instant on the HPA's clock.
fn hpa_clock(t: SimTime) -> SimTime {
    t + HPA_EPOCH
}

fn to_milli(x: f64) -> i64 {
    libm::round(x * 1000.0).clamp(0.0, i64::MAX as f64) as i64
}

fn target_value(t: &Target) -> Option<i64> {
    match t {
        Target::Value(v) | Target::AverageValue(v) => Some(*v),
        Target::Utilization(_) => None,
    }
}

/// The pod as the HPA's pod lister shows it (times on the HPA's clock).
fn pod_info(id: u32, p: &Pod, t: &crate::api::PodTemplate) -> PodInfo {
    // Pods of a warm start have been running since before the run.
    let vt = |t: SimTime| if p.warm { SimTime::ZERO } else { hpa_clock(t) };
    let (phase, ready) = match p.phase {
        PodPhase::Unscheduled | PodPhase::Starting | PodPhase::ImagePullBackOff => (
            replicas::PodPhase::Pending,
            p.scheduled_at.map(|s| ReadyCondition {
                ready: false,
                last_transition: vt(s),
            }),
        ),
        PodPhase::Running => (
            replicas::PodPhase::Running,
            Some(ReadyCondition {
                ready: false,
                last_transition: vt(p.scheduled_at.unwrap_or(p.created_at)),
            }),
        ),
        PodPhase::Ready => (
            replicas::PodPhase::Running,
            Some(ReadyCondition {
                ready: true,
                last_transition: vt(p.ready_at.unwrap_or(p.created_at)),
            }),
        ),
        PodPhase::Terminating | PodPhase::Gone => (replicas::PodPhase::Running, None),
    };
    let req = |v: u64| (v > 0).then_some(v as i64);
    PodInfo {
        id,
        phase,
        deleting: matches!(p.phase, PodPhase::Terminating | PodPhase::Gone),
        ready,
        start_time: p.scheduled_at.map(vt),
        cpu_request_milli: req(t.cpu_request_millis),
        memory_request_milli: t.memory_request_bytes.checked_mul(1000).and_then(req),
    }
}

/// One metric of a decision as the event log records it: its source, target, value and
/// proposal.
fn metric_record(
    m: &MetricSpec,
    p: &Result<replicas::Proposal, replicas::CalcError>,
) -> HpaMetric<'static> {
    let (metric, target) = match m {
        MetricSpec::Resource { name, target } => (
            match name {
                ResourceName::Cpu => "resource/cpu",
                ResourceName::Memory => "resource/memory",
            }
            .into(),
            target,
        ),
        MetricSpec::Pods { name, target } => (format!("pods/{name}").into(), target),
        MetricSpec::Object { name, target } => (format!("object/{name}").into(), target),
        MetricSpec::External { name, target } => (format!("external/{name}").into(), target),
    };
    HpaMetric {
        metric,
        target: match *target {
            Target::Utilization(u) => MetricTarget::Utilization(u),
            Target::AverageValue(v) => MetricTarget::AverageValueMilli(v),
            Target::Value(v) => MetricTarget::ValueMilli(v),
        },
        outcome: match p {
            Ok(p) => Ok(MetricReading {
                utilization: p.utilization,
                value_milli: p.raw_value_milli,
                ratio: p.ratio,
                replicas: p.replicas,
            }),
            Err(e) => Err(e.to_string().into()),
        },
    }
}
