//! The workload side of a run: each deployment's load integrated between the instants its
//! ready count changes, metrics-server's scrapes, the HPA's syncs and the batch pods of
//! `[[pod_trace]]`s. Load is read as a function of time when it is needed (a change of ready
//! pods, a scrape, a sample); nothing here schedules an event per pod per tick.

use super::{Event, Sim};
use crate::cluster::{ClassId, DeploymentId, Owner, Pod, PodId, PodPhase};
use crate::engine::{SimDuration, SimTime};
use crate::hpa::replicas::{self, PodInfo, PodMetric, ReadyCondition};
use crate::hpa::{HpaState, MetricSpec, ResourceName, Target};
use crate::observe::record::{HpaMetric, HpaSync, MetricReading, MetricTarget, Record};
use crate::workload::load::{self, Integral};

/// Times handed to the HPA's calculator are shifted by a day, so that pods already running at
/// the start of a run (a warm start) can be dated long before it: their CPU samples are not
/// mistaken for the first samples of freshly started pods.
const HPA_EPOCH: SimDuration = SimDuration::from_secs(86_400);

/// What a run keeps per deployment (not per trace).
#[derive(Debug, Clone, Default)]
pub struct DeploymentRun {
    /// Integrated up to here.
    pub last: SimTime,
    /// ∫ pods dt and ∫ ready pods dt, in pod-milliseconds.
    pub replica_ms: u128,
    pub ready_replica_ms: u128,
    /// The load so far (requests, request-seconds).
    pub total: Integral,
    /// Time with at least one ready pod.
    pub ready_ms: u64,
    /// Requests per second one pod can serve (CPU limit, `max_rps_per_pod`).
    pub cap_rps: Option<f64>,
    /// The cumulative values when the current metrics window opened, and when it did.
    pub(super) at_scrape: (f64, u64, f64),
    pub(super) window_from: SimTime,
    pub scrape: Option<Scrape>,
    pub hpa: Option<HpaRun>,
    pub peak_desired: u32,
}

/// One metrics-server sample of a deployment: the mean over the window before `at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scrape {
    pub at: SimTime,
    pub window: SimDuration,
    /// Requests per second each ready pod served.
    pub rps_per_pod: f64,
    /// The deployment's demand, requests per second.
    pub demand_rps: f64,
    /// Requests per second each ready pod serves at `at` itself: memory is reported as the
    /// working set at the scrape, not as a mean.
    pub rps_per_pod_now: f64,
}

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
pub struct HpaScratch {
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

/// Per-pod capacity in requests per second: the CPU limit above the baseline, and
/// `max_rps_per_pod`, whichever is lower.
pub fn pod_capacity(spec: &crate::scenario::DeploymentSpec) -> Option<f64> {
    let load = spec.load.as_ref()?;
    let by_limit = match (spec.template.cpu_limit_millis, load.cpu_per_request_millis) {
        (Some(limit), cpr) if cpr > 0.0 => {
            Some(((limit as f64 - load.baseline_cpu_millis) / cpr).max(0.0))
        }
        _ => None,
    };
    match (by_limit, load.max_rps_per_pod) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Sim {
    pub(super) fn clock(&self) -> crate::workload::WallClock {
        crate::workload::WallClock {
            start_unix_ms: self.scenario.simulation.start_unix_ms,
            offset_secs: self.scenario.simulation.start_offset_secs,
        }
    }

    /// Integrates deployment `d` up to `now` with its current pods: call before anything that
    /// changes its pod or ready count.
    pub(super) fn advance(&mut self, d: DeploymentId, now: SimTime) {
        let Some(run) = self.runs.get(d.idx()) else {
            return; // a trace group
        };
        if now <= run.last {
            return;
        }
        let clock = self.clock();
        let dep = &self.cluster.deployments[d.idx()];
        let (pods, ready) = (dep.pods.len() as u128, dep.ready);
        let run = &mut self.runs[d.idx()];
        let dt = now.since(run.last).as_ms();
        run.replica_ms += pods * u128::from(dt);
        run.ready_replica_ms += u128::from(ready) * u128::from(dt);
        if let Some(spec) = &self.scenario.deployments[d.idx()].load {
            let i = load::integrate(spec, &clock, run.last, now, ready, run.cap_rps);
            run.total.add(&i);
            if ready > 0 {
                run.ready_ms += dt;
            }
        }
        run.last = now;
    }

    /// The rate each ready pod serves and the demand at an instant (no averaging).
    fn instant_rates(&self, d: usize, t: SimTime) -> (f64, f64) {
        let Some(spec) = &self.scenario.deployments[d].load else {
            return (0.0, 0.0);
        };
        let demand = spec.demand(t, &self.clock());
        let ready = self.cluster.deployments[d].ready;
        if ready == 0 {
            return (0.0, demand);
        }
        let cap = self.runs[d]
            .cap_rps
            .map_or(f64::INFINITY, |c| c * f64::from(ready));
        (demand.min(cap) / f64::from(ready), demand)
    }

    /// The served rate of deployment `d` right now.
    pub(super) fn served_now(&self, d: usize, t: SimTime) -> (f64, f64) {
        let (per_pod, demand) = self.instant_rates(d, t);
        (
            demand,
            per_pod * f64::from(self.cluster.deployments[d].ready),
        )
    }

    /// metrics-server: one sample per deployment with a load or an HPA, the mean over the
    /// time since the previous scrape (the first one, at a warm start, the rates of that
    /// instant: the cluster has been running).
    pub(super) fn scrape(&mut self, now: SimTime) {
        for d in 0..self.runs.len() {
            let spec = &self.scenario.deployments[d];
            if spec.load.is_none() && spec.hpa.is_none() {
                continue;
            }
            self.advance(DeploymentId(d as u32), now);
            let run = &self.runs[d];
            let (share, ready_ms, demand) =
                (run.total.per_pod_share, run.ready_ms, run.total.demand);
            let (rps_per_pod_now, demand_now) = self.instant_rates(d, now);
            let scrape = match run.scrape {
                None => Scrape {
                    at: now,
                    window: self.scenario.metrics_server.resolution,
                    rps_per_pod: rps_per_pod_now,
                    demand_rps: demand_now,
                    rps_per_pod_now,
                },
                Some(_) => {
                    let (s0, r0, d0) = run.at_scrape;
                    let window = now.since(run.window_from);
                    let ready_s = (ready_ms - r0) as f64 / 1000.0;
                    Scrape {
                        at: now,
                        window,
                        rps_per_pod: if ready_s > 0.0 {
                            (share - s0) / ready_s
                        } else {
                            0.0
                        },
                        demand_rps: (demand - d0) / window.as_secs_f64().max(1e-3),
                        rps_per_pod_now,
                    }
                }
            };
            let run = &mut self.runs[d];
            run.at_scrape = (share, ready_ms, demand);
            run.window_from = now;
            run.scrape = Some(scrape);
        }
    }

    /// The next scrape's window opens: what has accumulated so far is not part of it.
    pub(super) fn open_metrics_window(&mut self, now: SimTime) {
        for d in 0..self.runs.len() {
            let spec = &self.scenario.deployments[d];
            if spec.load.is_none() && spec.hpa.is_none() {
                continue;
            }
            self.advance(DeploymentId(d as u32), now);
            let run = &mut self.runs[d];
            run.at_scrape = (run.total.per_pod_share, run.ready_ms, run.total.demand);
            run.window_from = now;
        }
    }

    /// kube-controller-manager's HPA controller: every HPA, in deployment order.
    pub(super) fn hpa_sync(&mut self, now: SimTime) {
        // Buffers kept between syncs (a deployment can have a million pods).
        let mut scratch = std::mem::take(&mut self.hpa_scratch);
        for d in 0..self.runs.len() {
            if self.scenario.deployments[d].hpa.is_none() {
                continue;
            }
            let current = self.cluster.deployments[d].desired;
            // The proposals depend on the scrape, the pods' states and — for pods still in
            // their CPU initialization period — the clock: between scrapes, with no pod
            // changed and none that young, the previous sync's proposals stand.
            let key = self.proposal_key(d, current, now);
            let cached = self.runs[d]
                .hpa
                .as_mut()
                .and_then(|h| h.cache.take())
                .filter(|(k, _)| Some(*k) == key);
            let proposals = match cached {
                Some((_, p)) => p,
                None => self.proposals(d, current, now, &mut scratch),
            };
            self.apply_hpa(d, current, &proposals, now);
            if let (Some(k), Some(h)) = (key, self.runs[d].hpa.as_mut()) {
                h.cache = Some((k, proposals));
            }
        }
        self.hpa_scratch = scratch;
    }

    /// What the metric proposals of deployment `d` depend on, or `None` when a pod is still
    /// in its CPU initialization period (then they depend on the clock too).
    fn proposal_key(&self, d: usize, current: u32, now: SimTime) -> Option<u64> {
        use crate::engine::rng::splitmix64;
        let init = self.scenario.controller_manager.cpu_initialization_period;
        let dep = &self.cluster.deployments[d];
        // The newest pod still initializing makes the clock matter.
        if dep.last_start.is_some_and(|s| s + init >= now) {
            return None;
        }
        let scrape = self.runs[d].scrape.map_or(u64::MAX, |s| s.at.as_ms());
        Some(splitmix64(
            splitmix64(scrape ^ (u64::from(current) << 40)) ^ dep.version,
        ))
    }

    /// The replica calculator over every metric of deployment `d`'s HPA.
    fn proposals(
        &self,
        d: usize,
        current: u32,
        now: SimTime,
        x: &mut HpaScratch,
    ) -> Vec<Result<replicas::Proposal, replicas::CalcError>> {
        let hpa = self.scenario.deployments[d].hpa.as_ref().expect("an HPA");
        let b = hpa.behavior.as_ref();
        let calc = replicas::Calculator::new(&self.scenario.controller_manager).with_tolerances(
            b.and_then(|b| b.scale_up.tolerance),
            b.and_then(|b| b.scale_down.tolerance),
        );
        // `status.replicas`: the pods that exist (the AverageValue paths read it).
        let status_replicas = self.cluster.deployments[d].pods.len() as u32;
        self.hpa_inputs(d, x);
        let scrape = self.runs[d].scrape;
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
        d: usize,
        current: u32,
        proposals: &[Result<replicas::Proposal, replicas::CalcError>],
        now: SimTime,
    ) {
        let dep = DeploymentId(d as u32);
        let hpa = self.scenario.deployments[d].hpa.as_ref().expect("an HPA");
        let run = self.runs[d].hpa.get_or_insert_with(HpaRun::default);
        let decision = run.state.reconcile(
            hpa,
            &self.scenario.controller_manager,
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
        self.log_decision(d, &decision, proposals, now);
        if desired != current {
            let run = self.runs[d].hpa.as_mut().expect("set above");
            if desired > current {
                run.scale_ups += 1;
            } else {
                run.scale_downs += 1;
            }
            self.advance(dep, now);
            self.cluster.deployments[d].desired = desired;
            let r = &mut self.runs[d];
            r.peak_desired = r.peak_desired.max(desired);
            self.reconcile(dep, now);
        }
    }

    /// The pod list and the metric samples the HPA of deployment `d` sees.
    fn hpa_inputs(&self, d: usize, x: &mut HpaScratch) {
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
        let c = &self.cluster;
        let spec = &self.scenario.deployments[d];
        let t = &spec.template;
        let scrape = self.runs[d].scrape;
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
        d: usize,
        decision: &crate::hpa::Decision,
        proposals: &[Result<replicas::Proposal, replicas::CalcError>],
        now: SimTime,
    ) {
        let spec = &self.scenario.deployments[d];
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
        let run = self.runs[d].hpa.as_mut().expect("an HPA");
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
        self.log.emit(
            now,
            if changed {
                Record::HpaScaled(sync)
            } else {
                Record::HpaDecision(sync)
            },
        );
    }

    // ----- batch pods from traces ------------------------------------------------------------

    /// The trace's pods due now are created; the cursor moves to the next arrival.
    pub(super) fn trace_arrivals(&mut self, trace: usize, now: SimTime) {
        let group = DeploymentId((self.scenario.deployments.len() + trace) as u32);
        let base = self.cluster.trace_class_base[trace];
        let n = self.scenario.traces[trace].trace.pods.len();
        while self.trace_cursor[trace] < n {
            let i = self.trace_cursor[trace];
            let row = self.scenario.traces[trace].trace.pods[i];
            if row.arrive > now {
                self.queue.schedule(
                    row.arrive,
                    Event::TraceArrival {
                        trace: trace as u32,
                    },
                );
                break;
            }
            self.trace_cursor[trace] += 1;
            self.create_trace_pod(group, ClassId(base + row.shape), i as u32, now);
        }
        self.wake_scheduler(now);
    }

    pub(super) fn create_trace_pod(
        &mut self,
        group: DeploymentId,
        class: ClassId,
        row: u32,
        now: SimTime,
    ) {
        let pod = self.cluster.create_trace_pod(group, class, row, now);
        self.unscheduled += 1;
        self.stats.pods_created += 1;
        self.scheduler.enqueue(&self.cluster, pod);
    }

    /// A trace pod started: it completes after its run time.
    pub(super) fn trace_pod_started(&mut self, pod: PodId, trace: usize, now: SimTime) {
        let p = self.cluster.pod(pod);
        let i = p.ordinal as usize;
        let row = self.scenario.traces[trace].trace.pods[i];
        let st = &mut self.trace_stats[trace];
        if !st.ran[i] {
            st.ran[i] = true;
            st.started += 1;
            st.wait.push(now.since(p.created_at).as_ms());
        }
        if let Some(run) = row.run() {
            let generation = self.cluster.pod(pod).generation;
            self.queue
                .schedule(now + run, Event::PodStep { pod, generation });
        }
    }

    /// A trace pod ran for its duration: it leaves and frees its node.
    pub(super) fn trace_pod_completed(&mut self, pod: PodId, trace: usize, now: SimTime) {
        let name = self.pod_name(pod);
        self.cluster.remove_pod(pod);
        self.trace_stats[trace].completed += 1;
        self.log
            .emit(now, Record::PodCompleted { pod: name.into() });
        self.wake_scheduler(now);
    }

    /// Rows of trace `i` created so far.
    pub fn trace_arrived(&self, i: usize) -> usize {
        self.trace_cursor[i]
    }

    /// The trace a pod belongs to, if it is a batch pod.
    pub(super) fn trace_of(&self, p: &Pod) -> Option<usize> {
        let Owner::Deployment(d) = p.owner;
        self.cluster.deployments[d.idx()].trace.map(|t| t as usize)
    }
}

/// What a trace contributed to a run.
#[derive(Debug, Clone, Default)]
pub struct TraceStats {
    /// Rows that started running at least once.
    pub started: u64,
    ran: Vec<bool>,
    pub completed: u64,
    /// Pods evicted while running (their replacement starts over, as a Job's pod would).
    pub restarted: u64,
    /// Creation → first start.
    pub wait: crate::observe::Durations,
}

impl TraceStats {
    pub fn new(rows: usize) -> Self {
        TraceStats {
            ran: vec![false; rows],
            ..TraceStats::default()
        }
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
fn pod_info(id: u32, p: &Pod, t: &crate::scenario::PodTemplate) -> PodInfo {
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
