//! Phase two for workloads: `[deployment.load]`, `[deployment.hpa]`, `[controller_manager]`,
//! `[metrics_server]` and `[[pod_trace]]`, checked with the API server's rules
//! (`pkg/apis/autoscaling/validation`) and the defaults of `pkg/apis/autoscaling/v2/defaults.go`.
//! CSV files named by the scenario are read here, relative to the scenario's folder, and
//! their errors point at the `path` field with the file's own line.

use std::path::Path;

use super::Ctx;
use crate::api::*;
use crate::engine::rng::{RngStreams, splitmix64};
use crate::engine::time::parse_duration;
use crate::engine::{SimDuration, SimTime};
use crate::hpa::{
    Behavior, ControllerSettings, HpaSpec, MetricSpec, PolicyType, ResourceName, ScalingPolicy,
    ScalingRules, SelectPolicy, Target,
};
use crate::scenario::raw::*;
use crate::workload::{Interpolation, LoadSpec, Profile, Spike, load};

/// The CPU utilization the API server fills in when an HPA has no metrics
/// (`DefaultCPUUtilization`, `pkg/apis/autoscaling/v2/defaults.go`).
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;
/// `MaxStabilizationWindowSeconds` and `MaxPeriodSeconds` (`pkg/apis/autoscaling/validation`).
const MAX_STABILIZATION_WINDOW_SECONDS: i64 = 3600;
const MAX_PERIOD_SECONDS: i64 = 1800;
/// metrics-server refuses a resolution below 10 s (`--metric-resolution`).
const MIN_METRIC_RESOLUTION: SimDuration = SimDuration::from_secs(10);
/// Random spikes drawn per profile at most (a typo in `rate_per_day` cannot exhaust memory).
const MAX_RANDOM_SPIKES: usize = 100_000;
/// Points a CSV series may hold.
const MAX_SERIES_POINTS: usize = 5_000_000;
/// Largest CSV file read (load series and pod traces).
const MAX_CSV_BYTES: u64 = 2 << 30;

/// `[controller_manager]`: the HPA flags of kube-controller-manager.
pub(super) fn controller_manager(ctx: &mut Ctx, raw: &RawControllerManager) -> ControllerSettings {
    let d = ControllerSettings::default();
    let f = |k: &str| format!("controller_manager.horizontal-pod-autoscaler-{k}");
    let sync_period = ctx.duration(
        &raw.horizontal_pod_autoscaler_sync_period,
        d.sync_period,
        &f("sync-period"),
    );
    if sync_period < SimDuration::from_secs(1) {
        ctx.err(
            raw.horizontal_pod_autoscaler_sync_period
                .as_ref()
                .map(|s| s.span()),
            f("sync-period"),
            "the sync period must be at least 1s",
        );
    }
    let tolerance = raw
        .horizontal_pod_autoscaler_tolerance
        .as_ref()
        .map_or(d.tolerance, |t| *t.get_ref());
    if !(0.0..1.0).contains(&tolerance) {
        ctx.err(
            raw.horizontal_pod_autoscaler_tolerance
                .as_ref()
                .map(|s| s.span()),
            f("tolerance"),
            "the tolerance is a fraction: at least 0 and below 1 (default 0.1)",
        );
    }
    ControllerSettings {
        sync_period: sync_period.max(SimDuration::from_secs(1)),
        tolerance,
        downscale_stabilization: ctx.duration(
            &raw.horizontal_pod_autoscaler_downscale_stabilization,
            d.downscale_stabilization,
            &f("downscale-stabilization"),
        ),
        cpu_initialization_period: ctx.duration(
            &raw.horizontal_pod_autoscaler_cpu_initialization_period,
            d.cpu_initialization_period,
            &f("cpu-initialization-period"),
        ),
        initial_readiness_delay: ctx.duration(
            &raw.horizontal_pod_autoscaler_initial_readiness_delay,
            d.initial_readiness_delay,
            &f("initial-readiness-delay"),
        ),
    }
}

/// `[metrics_server]`.
pub(super) fn metrics_server(
    ctx: &mut Ctx,
    raw: &RawMetricsServer,
) -> crate::scenario::model::MetricsServerSettings {
    let resolution = ctx.duration(
        &raw.metric_resolution,
        SimDuration::from_secs(60),
        "metrics_server.metric-resolution",
    );
    if resolution < MIN_METRIC_RESOLUTION {
        ctx.err(
            raw.metric_resolution.as_ref().map(|s| s.span()),
            "metrics_server.metric-resolution",
            "metrics-server's resolution is at least 10s",
        );
    }
    let resolution = resolution.max(MIN_METRIC_RESOLUTION);
    let window = ctx.duration(&raw.window, resolution, "metrics_server.window");
    if window < SimDuration::from_secs(1) || window > resolution {
        ctx.err(
            raw.window.as_ref().map(|s| s.span()),
            "metrics_server.window",
            "the window is at least 1s and at most the metric resolution",
        );
    }
    crate::scenario::model::MetricsServerSettings {
        resolution,
        window: window.clamp(SimDuration::from_secs(1), resolution),
    }
}

/// What a profile's fields are checked against.
pub(super) struct LoadContext<'a> {
    pub base_dir: &'a Path,
    pub seed: u64,
    pub duration: SimDuration,
    pub deployment: &'a str,
    pub cpu_limit_millis: Option<u64>,
}

/// Requests per second any one profile may ask for (a typo cannot overflow the sums).
pub const MAX_RPS: f64 = 1e9;

/// A number from 0 to `MAX_RPS`.
fn non_negative(ctx: &mut Ctx, v: &Option<S<f64>>, field: &str) -> Option<f64> {
    let s = v.as_ref()?;
    let x = *s.get_ref();
    if !x.is_finite() || x < 0.0 {
        ctx.err(
            Some(s.span()),
            field,
            format!("{x} is not a rate: use a finite number ≥ 0"),
        );
        return None;
    }
    if x > MAX_RPS {
        ctx.err(
            Some(s.span()),
            field,
            format!("{x} is more than aksim models (at most 1e9)"),
        );
        return None;
    }
    Some(x)
}

/// `[deployment.load]`.
pub(super) fn load(ctx: &mut Ctx, raw: &S<RawLoad>, f: &str, lc: &LoadContext) -> LoadSpec {
    let r = raw.get_ref();
    let micro = |ctx: &mut Ctx, v: &Option<S<NumberOrText>>, field: &str| -> f64 {
        let Some(s) = v else { return 0.0 };
        match quantity::parse_micro(s.get_ref()) {
            Ok(m) if m > 1_000_000_000_000 => {
                ctx.err(Some(s.span()), field, "more CPU than any VM has");
                0.0
            }
            Ok(m) => m as f64 / 1000.0,
            Err(e) => {
                ctx.err(Some(s.span()), field, e.0);
                0.0
            }
        }
    };
    let cpu_per_request_millis = micro(ctx, &r.cpu_per_request, &format!("{f}.cpu_per_request"));
    let baseline_cpu_millis = micro(ctx, &r.baseline_cpu, &format!("{f}.baseline_cpu"));
    let memory_per_request_bytes = ctx
        .memory(&r.memory_per_request, &format!("{f}.memory_per_request"))
        .unwrap_or(0) as f64;
    let baseline_memory_bytes = ctx
        .memory(&r.baseline_memory, &format!("{f}.baseline_memory"))
        .unwrap_or(0) as f64;
    let max_rps_per_pod = non_negative(ctx, &r.max_rps_per_pod, &format!("{f}.max_rps_per_pod"));
    if max_rps_per_pod == Some(0.0) {
        ctx.err(
            r.max_rps_per_pod.as_ref().map(|s| s.span()),
            format!("{f}.max_rps_per_pod"),
            "a pod that serves nothing: use a rate above 0",
        );
    }
    if let Some(limit) = lc.cpu_limit_millis
        && baseline_cpu_millis >= limit as f64
    {
        ctx.err(
            r.baseline_cpu.as_ref().map(|s| s.span()),
            format!("{f}.baseline_cpu"),
            format!("the baseline ({baseline_cpu_millis}m) leaves no room under the CPU limit ({limit}m)"),
        );
    }
    if r.profiles.is_empty() {
        ctx.warn(
            Some(raw.span()),
            format!("{f}.profiles"),
            "no profiles: the demand is zero",
        );
    }
    let streams = RngStreams::new(lc.seed);
    let mut profiles = Vec::new();
    for (i, p) in r.profiles.iter().enumerate() {
        let pf = format!("{f}.profiles[{i}]");
        let stream = format!("load/{}/{i}", lc.deployment);
        if let Some(p) = profile(ctx, p, &pf, lc, &streams, &stream) {
            profiles.push(p);
        }
    }
    LoadSpec {
        cpu_per_request_millis,
        memory_per_request_bytes,
        baseline_cpu_millis,
        baseline_memory_bytes,
        max_rps_per_pod,
        profiles,
    }
}

/// Which fields each profile kind takes (every other field is refused).
fn profile_fields(kind: ProfileKind) -> &'static [&'static str] {
    match kind {
        ProfileKind::Constant => &["rps"],
        ProfileKind::Steps => &["steps"],
        ProfileKind::Ramp => &["start", "end", "from_rps", "to_rps"],
        ProfileKind::Diurnal => &["peak_rps", "trough_rps", "peak_hour", "weekend_factor"],
        ProfileKind::Spike => &["at", "duration", "rps"],
        ProfileKind::Spikes => &["rate_per_day", "duration", "rps"],
        ProfileKind::Noise => &["sigma", "interval"],
        ProfileKind::Csv => &[
            "path",
            "time_column",
            "value_column",
            "time_unit",
            "time_scale",
            "value_scale",
            "offset",
            "interpolation",
            "loop",
        ],
    }
}

fn kind_name(kind: ProfileKind) -> &'static str {
    match kind {
        ProfileKind::Constant => "constant",
        ProfileKind::Steps => "steps",
        ProfileKind::Ramp => "ramp",
        ProfileKind::Diurnal => "diurnal",
        ProfileKind::Spike => "spike",
        ProfileKind::Spikes => "spikes",
        ProfileKind::Noise => "noise",
        ProfileKind::Csv => "csv",
    }
}

fn profile(
    ctx: &mut Ctx,
    raw: &S<RawProfile>,
    f: &str,
    lc: &LoadContext,
    streams: &RngStreams,
    stream: &str,
) -> Option<Profile> {
    let r = raw.get_ref();
    let kind = *r.kind.get_ref();
    // Which fields are present, by name, with their spans.
    let present: Vec<(&str, std::ops::Range<usize>)> = [
        ("rps", r.rps.as_ref().map(|s| s.span())),
        ("steps", r.steps.as_ref().map(|s| s.span())),
        ("start", r.start.as_ref().map(|s| s.span())),
        ("end", r.end.as_ref().map(|s| s.span())),
        ("from_rps", r.from_rps.as_ref().map(|s| s.span())),
        ("to_rps", r.to_rps.as_ref().map(|s| s.span())),
        ("peak_rps", r.peak_rps.as_ref().map(|s| s.span())),
        ("trough_rps", r.trough_rps.as_ref().map(|s| s.span())),
        ("peak_hour", r.peak_hour.as_ref().map(|s| s.span())),
        (
            "weekend_factor",
            r.weekend_factor.as_ref().map(|s| s.span()),
        ),
        ("at", r.at.as_ref().map(|s| s.span())),
        ("duration", r.duration.as_ref().map(|s| s.span())),
        ("rate_per_day", r.rate_per_day.as_ref().map(|s| s.span())),
        ("sigma", r.sigma.as_ref().map(|s| s.span())),
        ("interval", r.interval.as_ref().map(|s| s.span())),
        ("path", r.path.as_ref().map(|s| s.span())),
        ("time_column", r.time_column.as_ref().map(|s| s.span())),
        ("value_column", r.value_column.as_ref().map(|s| s.span())),
        ("time_unit", r.time_unit.as_ref().map(|s| s.span())),
        ("time_scale", r.time_scale.as_ref().map(|s| s.span())),
        ("value_scale", r.value_scale.as_ref().map(|s| s.span())),
        ("offset", r.offset.as_ref().map(|s| s.span())),
        ("interpolation", r.interpolation.as_ref().map(|s| s.span())),
        ("loop", r.looping.as_ref().map(|s| s.span())),
    ]
    .into_iter()
    .filter_map(|(k, s)| s.map(|s| (k, s)))
    .collect();
    let allowed = profile_fields(kind);
    let mut ok = true;
    for (k, span) in &present {
        if !allowed.contains(k) {
            ctx.err_hint(
                Some(span.clone()),
                format!("{f}.{k}"),
                format!("{k} does not apply to a {} profile", kind_name(kind)),
                format!("a {} profile takes {}", kind_name(kind), allowed.join(", ")),
            );
            ok = false;
        }
    }
    let missing = |ctx: &mut Ctx, field: &str, example: &str| {
        ctx.err_hint(
            Some(raw.span()),
            format!("{f}.{field}"),
            format!("a {} profile needs {field}", kind_name(kind)),
            format!("e.g. {example}"),
        );
    };
    let time = |ctx: &mut Ctx, v: &Option<S<String>>, field: &str| -> Option<SimTime> {
        v.as_ref()
            .and_then(|s| ctx.duration_of(s, &format!("{f}.{field}")))
            .map(|d| SimTime(d.as_ms()))
    };
    let rate = |ctx: &mut Ctx, v: &Option<S<f64>>, field: &str| {
        non_negative(ctx, v, &format!("{f}.{field}"))
    };
    let p = match kind {
        ProfileKind::Constant => {
            let Some(rps) = rate(ctx, &r.rps, "rps") else {
                if r.rps.is_none() {
                    missing(ctx, "rps", "{ kind = \"constant\", rps = 150 }");
                }
                return None;
            };
            Profile::Constant { rps }
        }
        ProfileKind::Steps => {
            let Some(list) = &r.steps else {
                missing(
                    ctx,
                    "steps",
                    "steps = [{ at = \"0s\", rps = 100 }, { at = \"2h\", rps = 300 }]",
                );
                return None;
            };
            let mut steps: Vec<(SimTime, f64)> = Vec::new();
            for s in list.get_ref() {
                let st = s.get_ref();
                let at = ctx.duration_of(&st.at, &format!("{f}.steps.at"));
                let v = *st.rps.get_ref();
                if !v.is_finite() || !(0.0..=MAX_RPS).contains(&v) {
                    ctx.err(
                        Some(st.rps.span()),
                        format!("{f}.steps.rps"),
                        "a rate is a finite number from 0 to 1e9",
                    );
                    ok = false;
                }
                let Some(at) = at else {
                    ok = false;
                    continue;
                };
                if steps.last().is_some_and(|(t, _)| t.as_ms() >= at.as_ms()) {
                    ctx.err(
                        Some(st.at.span()),
                        format!("{f}.steps.at"),
                        "steps must be in increasing time order",
                    );
                    ok = false;
                }
                steps.push((SimTime(at.as_ms()), v));
            }
            if steps.is_empty() {
                ctx.err(
                    Some(list.span()),
                    format!("{f}.steps"),
                    "at least one step is needed",
                );
                return None;
            }
            Profile::Steps { steps }
        }
        ProfileKind::Ramp => {
            let (start, end) = (time(ctx, &r.start, "start"), time(ctx, &r.end, "end"));
            let from_rps = rate(ctx, &r.from_rps, "from_rps").unwrap_or(0.0);
            let to = rate(ctx, &r.to_rps, "to_rps");
            if r.start.is_none() || r.end.is_none() || r.to_rps.is_none() {
                missing(
                    ctx,
                    "start, end and to_rps",
                    "{ kind = \"ramp\", start = \"1h\", end = \"3h\", from_rps = 100, to_rps = 400 }",
                );
                return None;
            }
            let (start, end, to_rps) = (start?, end?, to?);
            if end <= start {
                ctx.err(
                    r.end.as_ref().map(|s| s.span()),
                    format!("{f}.end"),
                    "the ramp must end after it starts",
                );
                return None;
            }
            Profile::Ramp {
                start,
                end,
                from_rps,
                to_rps,
            }
        }
        ProfileKind::Diurnal => {
            let Some(peak_rps) = rate(ctx, &r.peak_rps, "peak_rps") else {
                if r.peak_rps.is_none() {
                    missing(
                        ctx,
                        "peak_rps",
                        "{ kind = \"diurnal\", peak_rps = 400, trough_rps = 50, peak_hour = 14 }",
                    );
                }
                return None;
            };
            let trough_rps = rate(ctx, &r.trough_rps, "trough_rps").unwrap_or(0.0);
            if trough_rps > peak_rps {
                ctx.err(
                    r.trough_rps.as_ref().map(|s| s.span()),
                    format!("{f}.trough_rps"),
                    "the trough is above the peak",
                );
            }
            let peak_hour = r.peak_hour.as_ref().map_or(12.0, |h| *h.get_ref());
            if !(0.0..24.0).contains(&peak_hour) {
                ctx.err(
                    r.peak_hour.as_ref().map(|s| s.span()),
                    format!("{f}.peak_hour"),
                    "an hour of the day: 0 ≤ peak_hour < 24",
                );
            }
            let weekend_factor = rate(ctx, &r.weekend_factor, "weekend_factor").unwrap_or(1.0);
            if weekend_factor > 100.0 {
                ctx.err(
                    r.weekend_factor.as_ref().map(|s| s.span()),
                    format!("{f}.weekend_factor"),
                    "a factor of at most 100",
                );
            }
            Profile::Diurnal {
                peak_rps,
                trough_rps,
                peak_hour,
                weekend_factor,
            }
        }
        ProfileKind::Spike => {
            let start = time(ctx, &r.at, "at");
            let duration = r
                .duration
                .as_ref()
                .and_then(|d| ctx.duration_of(d, &format!("{f}.duration")));
            let rps = rate(ctx, &r.rps, "rps");
            if r.at.is_none() || r.duration.is_none() || r.rps.is_none() {
                missing(
                    ctx,
                    "at, duration and rps",
                    "{ kind = \"spike\", at = \"10h\", duration = \"15m\", rps = 500 }",
                );
                return None;
            }
            Profile::Spikes {
                spikes: vec![Spike {
                    start: start?,
                    duration: duration?,
                    rps: rps?,
                }],
            }
        }
        ProfileKind::Spikes => {
            let per_day = rate(ctx, &r.rate_per_day, "rate_per_day");
            let duration = r
                .duration
                .as_ref()
                .and_then(|d| ctx.duration_of(d, &format!("{f}.duration")));
            let rps = rate(ctx, &r.rps, "rps");
            if r.rate_per_day.is_none() || r.duration.is_none() || r.rps.is_none() {
                missing(
                    ctx,
                    "rate_per_day, duration and rps",
                    "{ kind = \"spikes\", rate_per_day = 3, duration = \"10m\", rps = 500 }",
                );
                return None;
            }
            let (per_day, duration, rps) = (per_day?, duration?, rps?);
            let expected = per_day * lc.duration.as_ms() as f64 / 86_400_000.0;
            if expected > MAX_RANDOM_SPIKES as f64 / 2.0 {
                ctx.err(
                    r.rate_per_day.as_ref().map(|s| s.span()),
                    format!("{f}.rate_per_day"),
                    format!(
                        "about {expected:.0} spikes over the run; at most {} here",
                        MAX_RANDOM_SPIKES / 2
                    ),
                );
                return None;
            }
            Profile::Spikes {
                spikes: random_spikes(streams, stream, per_day, duration, rps, lc.duration),
            }
        }
        ProfileKind::Noise => {
            let sigma = rate(ctx, &r.sigma, "sigma");
            if r.sigma.is_none() {
                missing(
                    ctx,
                    "sigma",
                    "{ kind = \"noise\", sigma = 0.1, interval = \"1m\" }",
                );
                return None;
            }
            let sigma = sigma?;
            if sigma > 10.0 {
                ctx.err(
                    r.sigma.as_ref().map(|s| s.span()),
                    format!("{f}.sigma"),
                    "sigma is the relative standard deviation: at most 10",
                );
            }
            let interval = ctx.duration(
                &r.interval,
                SimDuration::from_secs(60),
                &format!("{f}.interval"),
            );
            if interval < SimDuration::from_secs(1) {
                ctx.err(
                    r.interval.as_ref().map(|s| s.span()),
                    format!("{f}.interval"),
                    "the noise interval must be at least 1s",
                );
                return None;
            }
            use rand::RngExt;
            let key = splitmix64(streams.stream(stream).random::<u64>());
            Profile::Noise {
                sigma,
                interval,
                key,
            }
        }
        ProfileKind::Csv => csv_profile(ctx, raw, f, lc)?,
    };
    ok.then_some(p)
}

/// A Poisson process of `per_day` spikes a day over the run, drawn from its own stream.
fn random_spikes(
    streams: &RngStreams,
    stream: &str,
    per_day: f64,
    duration: SimDuration,
    rps: f64,
    run: SimDuration,
) -> Vec<Spike> {
    use rand::RngExt;
    let mut rng = streams.stream(stream);
    let mut out = Vec::new();
    if per_day <= 0.0 {
        return out;
    }
    let mean_gap_ms = 86_400_000.0 / per_day;
    let mut t = 0.0f64;
    while out.len() < MAX_RANDOM_SPIKES {
        // Exponential gaps: −ln(U) × mean, U in (0, 1].
        let u = 1.0 - rng.random::<f64>();
        t += -libm::log(u) * mean_gap_ms;
        if t >= run.as_ms() as f64 {
            break;
        }
        out.push(Spike {
            start: SimTime(libm::round(t) as u64),
            duration,
            rps,
        });
    }
    out
}

fn csv_profile(ctx: &mut Ctx, raw: &S<RawProfile>, f: &str, lc: &LoadContext) -> Option<Profile> {
    let r = raw.get_ref();
    let Some(path) = &r.path else {
        ctx.err_hint(
            Some(raw.span()),
            format!("{f}.path"),
            "a csv profile needs path",
            "e.g. { kind = \"csv\", path = \"traces/demand.csv\", value_scale = 0.01 }",
        );
        return None;
    };
    let text = read_csv(ctx, path, &format!("{f}.path"), lc.base_dir)?;
    let opts = load::SeriesOptions {
        time_column: r.time_column.as_ref().map(|c| c.get_ref().clone()),
        value_column: r.value_column.as_ref().map(|c| c.get_ref().clone()),
    };
    let raw_points = match load::parse_series(&text, &opts) {
        Ok(p) => p,
        Err(e) => {
            ctx.err(
                Some(path.span()),
                format!("{f}.path"),
                format!("{}: {e}", path.get_ref()),
            );
            return None;
        }
    };
    if raw_points.is_empty() {
        ctx.err(
            Some(path.span()),
            format!("{f}.path"),
            format!("{}: no data rows", path.get_ref()),
        );
        return None;
    }
    if raw_points.len() > MAX_SERIES_POINTS {
        ctx.err(
            Some(path.span()),
            format!("{f}.path"),
            format!("{}: more than {MAX_SERIES_POINTS} rows", path.get_ref()),
        );
        return None;
    }
    let unit = match &r.time_unit {
        None => SimDuration::from_secs(1),
        Some(u) => {
            let t = u.get_ref().trim();
            // A bare unit ("s", "min") means one of it.
            let text = if t.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                t.to_string()
            } else {
                format!("1{}", if t == "min" { "m" } else { t })
            };
            match parse_duration(&text) {
                Ok(d) if d > SimDuration::ZERO => d,
                _ => {
                    ctx.err_hint(
                        Some(u.span()),
                        format!("{f}.time_unit"),
                        format!("{t:?} is not a time unit"),
                        "use \"ms\", \"s\", \"min\", \"h\", or a duration such as \"30m\"",
                    );
                    return None;
                }
            }
        }
    };
    let positive = |ctx: &mut Ctx, v: &Option<S<f64>>, field: &str| -> Option<f64> {
        match v {
            None => Some(1.0),
            Some(s) if s.get_ref().is_finite() && *s.get_ref() > 0.0 => Some(*s.get_ref()),
            Some(s) => {
                ctx.err(
                    Some(s.span()),
                    format!("{f}.{field}"),
                    "a scale is a finite number above 0",
                );
                None
            }
        }
    };
    let time_scale = positive(ctx, &r.time_scale, "time_scale")?;
    let value_scale = match &r.value_scale {
        Some(s) if !(s.get_ref().is_finite() && *s.get_ref() >= 0.0) => {
            ctx.err(
                Some(s.span()),
                format!("{f}.value_scale"),
                "a scale is a finite number ≥ 0",
            );
            return None;
        }
        Some(s) => *s.get_ref(),
        None => 1.0,
    };
    let offset = ctx.duration(&r.offset, SimDuration::ZERO, &format!("{f}.offset"));
    let unit_ms = unit.as_ms() as f64;
    let points = load::series_points(&raw_points, unit_ms, time_scale, value_scale, offset);
    if points
        .iter()
        .any(|(_, v)| !(v.is_finite() && *v <= MAX_RPS))
    {
        ctx.err(
            r.value_scale
                .as_ref()
                .map_or(Some(path.span()), |s| Some(s.span())),
            format!("{f}.value_scale"),
            "a scaled value is above 1e9 requests per second",
        );
        return None;
    }
    let interpolation = match r.interpolation.as_ref().map(|i| *i.get_ref()) {
        None | Some(InterpolationKind::Linear) => Interpolation::Linear,
        Some(InterpolationKind::Step) => Interpolation::Step,
    };
    let period = if r.looping.as_ref().is_some_and(|l| *l.get_ref()) {
        // The span of the series plus one step, so that the first point follows the last.
        let n = raw_points.len();
        let step = if n >= 2 {
            raw_points[n - 1].0 - raw_points[n - 2].0
        } else {
            1.0
        };
        let span = raw_points[n - 1].0 - raw_points[0].0 + step;
        let ms = libm::round(span * unit_ms * time_scale);
        // Each loop adds breakpoints: a period of a few milliseconds would cost a step each.
        if ms < 60_000.0 {
            ctx.err(
                r.looping.as_ref().map(|s| s.span()),
                format!("{f}.loop"),
                "the series spans less than a minute: too short to loop",
            );
            return None;
        }
        Some(SimDuration(ms as u64))
    } else {
        None
    };
    Some(Profile::Series {
        points,
        interpolation,
        period,
    })
}

/// Reads a CSV file named in the scenario, relative to the scenario's folder.
pub(super) fn read_csv(
    ctx: &mut Ctx,
    path: &S<String>,
    field: &str,
    base: &Path,
) -> Option<String> {
    let full = base.join(path.get_ref());
    // A device or a pipe is no CSV file, and /dev/zero would be read until memory runs out.
    if std::fs::metadata(&full).is_ok_and(|m| !m.is_file()) {
        ctx.err(
            Some(path.span()),
            field,
            format!("{} is not a regular file", full.display()),
        );
        return None;
    }
    match crate::scenario::read_at_most(&full, MAX_CSV_BYTES).map(|b| b.map(String::from_utf8)) {
        Ok(Some(Ok(t))) => Some(t),
        Ok(None) => {
            ctx.err(
                Some(path.span()),
                field,
                format!("{} is larger than 2 GiB", full.display()),
            );
            None
        }
        Ok(Some(Err(e))) => {
            ctx.err(
                Some(path.span()),
                field,
                format!(
                    "{} is not UTF-8 text (byte {})",
                    full.display(),
                    e.utf8_error().valid_up_to()
                ),
            );
            None
        }
        Err(e) => {
            ctx.err_hint(
                Some(path.span()),
                field,
                format!("cannot read {}: {e}", full.display()),
                "paths are relative to the scenario file's folder",
            );
            None
        }
    }
}

/// `[deployment.hpa]`, with the API server's validation and defaults.
pub(super) fn hpa(
    ctx: &mut Ctx,
    raw: &S<RawHpa>,
    f: &str,
    settings: &ControllerSettings,
) -> Option<HpaSpec> {
    let r = raw.get_ref();
    let mut ok = true;
    let min_replicas = r.min_replicas.as_ref().map_or(1, |m| *m.get_ref());
    let Some(max) = &r.max_replicas else {
        ctx.err_hint(
            Some(raw.span()),
            format!("{f}.max_replicas"),
            "an HPA needs max_replicas",
            "e.g. [deployment.hpa] min_replicas = 2, max_replicas = 20, cpu_utilization = 60",
        );
        return None;
    };
    let max_replicas = *max.get_ref();
    if min_replicas == 0 {
        ctx.err_hint(
            r.min_replicas.as_ref().map(|s| s.span()),
            format!("{f}.min_replicas"),
            "min_replicas must be at least 1",
            "scaling to zero needs the alpha HPAScaleToZero feature gate, which AKS does not enable",
        );
        ok = false;
    }
    if max_replicas < min_replicas.max(1) {
        ctx.err(
            Some(max.span()),
            format!("{f}.max_replicas"),
            format!(
                "max_replicas ({max_replicas}) must be at least min_replicas ({min_replicas}) and 1"
            ),
        );
        ok = false;
    }
    if u64::from(max_replicas) > super::MAX_PODS_TOTAL {
        ctx.err(
            Some(max.span()),
            format!("{f}.max_replicas"),
            format!("at most {} pods can be simulated", super::MAX_PODS_TOTAL),
        );
        ok = false;
    }
    let mut metrics = Vec::new();
    match (&r.cpu_utilization, &r.metrics) {
        (Some(_), Some(m)) => {
            ctx.err_hint(
                Some(m.span()),
                format!("{f}.metrics"),
                "cpu_utilization and metrics both given",
                "cpu_utilization = N is short for one Resource cpu Utilization metric; keep one",
            );
            ok = false;
        }
        (Some(c), None) => {
            let v = *c.get_ref();
            if !(1..=i64::from(i32::MAX)).contains(&v) {
                ctx.err(
                    Some(c.span()),
                    format!("{f}.cpu_utilization"),
                    "a percentage of the CPU request above 0",
                );
                ok = false;
            }
            metrics.push(MetricSpec::Resource {
                name: ResourceName::Cpu,
                target: Target::Utilization(v.clamp(1, i64::from(i32::MAX)) as i32),
            });
        }
        (None, Some(list)) => {
            for (i, m) in list.get_ref().iter().enumerate() {
                match metric(ctx, m, &format!("{f}.metrics[{i}]")) {
                    Some(m) => metrics.push(m),
                    None => ok = false,
                }
            }
            if list.get_ref().is_empty() {
                metrics.push(MetricSpec::Resource {
                    name: ResourceName::Cpu,
                    target: Target::Utilization(DEFAULT_CPU_UTILIZATION),
                });
            }
        }
        (None, None) => metrics.push(MetricSpec::Resource {
            name: ResourceName::Cpu,
            target: Target::Utilization(DEFAULT_CPU_UTILIZATION),
        }),
    }
    let behavior = r.behavior.as_ref().and_then(|b| {
        let defaults = Behavior::api_default(settings);
        let up = rules(
            ctx,
            &b.get_ref().scale_up,
            &format!("{f}.behavior.scale_up"),
            defaults.scale_up,
        );
        let down = rules(
            ctx,
            &b.get_ref().scale_down,
            &format!("{f}.behavior.scale_down"),
            defaults.scale_down,
        );
        match (up, down) {
            (Some(scale_up), Some(scale_down)) => Some(Behavior {
                scale_up,
                scale_down,
            }),
            _ => {
                ok = false;
                None
            }
        }
    });
    ok.then_some(HpaSpec {
        min_replicas,
        max_replicas,
        metrics,
        behavior,
    })
}

fn quantity_milli(ctx: &mut Ctx, v: &S<NumberOrText>, field: &str) -> Option<i64> {
    match quantity::parse_milli(v.get_ref()) {
        Ok(0) => {
            ctx.err(Some(v.span()), field, "the target must be above 0");
            None
        }
        Ok(m) => Some(m as i64),
        Err(e) => {
            ctx.err(Some(v.span()), field, e.0);
            None
        }
    }
}

/// A metric target: exactly the field its type names.
fn target(ctx: &mut Ctx, raw: &S<RawTarget>, f: &str, allowed: &[TargetType]) -> Option<Target> {
    let t = raw.get_ref();
    let kind = *t.kind.get_ref();
    let name = |k: TargetType| match k {
        TargetType::Utilization => "Utilization",
        TargetType::AverageValue => "AverageValue",
        TargetType::Value => "Value",
    };
    if !allowed.contains(&kind) {
        ctx.err_hint(
            Some(t.kind.span()),
            format!("{f}.type"),
            format!("a {} target is not allowed for this metric", name(kind)),
            format!(
                "use {}",
                allowed
                    .iter()
                    .map(|k| name(*k))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        );
        return None;
    }
    // Each type takes one field; the others are refused.
    let fields = [
        (
            TargetType::Utilization,
            "average_utilization",
            t.average_utilization.as_ref().map(|s| s.span()),
        ),
        (
            TargetType::AverageValue,
            "average_value",
            t.average_value.as_ref().map(|s| s.span()),
        ),
        (
            TargetType::Value,
            "value",
            t.value.as_ref().map(|s| s.span()),
        ),
    ];
    let mut ok = true;
    for (k, field, span) in &fields {
        if *k != kind && span.is_some() {
            ctx.err(
                span.clone(),
                format!("{f}.{field}"),
                format!("{field} does not go with type = {:?}", name(kind)),
            );
            ok = false;
        }
    }
    let (_, field, _) = fields
        .iter()
        .find(|(k, ..)| *k == kind)
        .expect("every type has a field");
    let missing = |ctx: &mut Ctx| {
        ctx.err(
            Some(raw.span()),
            format!("{f}.{field}"),
            format!("a {} target needs {field}", name(kind)),
        );
    };
    let target = match kind {
        TargetType::Utilization => {
            let Some(u) = &t.average_utilization else {
                missing(ctx);
                return None;
            };
            let v = *u.get_ref();
            if !(1..=i64::from(i32::MAX)).contains(&v) {
                ctx.err(
                    Some(u.span()),
                    format!("{f}.average_utilization"),
                    "must be above 0 (percent of the request)",
                );
                return None;
            }
            Target::Utilization(v as i32)
        }
        TargetType::AverageValue | TargetType::Value => {
            let v = if kind == TargetType::Value {
                &t.value
            } else {
                &t.average_value
            };
            let Some(v) = v else {
                missing(ctx);
                return None;
            };
            let milli = quantity_milli(ctx, v, &format!("{f}.{field}"))?;
            if kind == TargetType::Value {
                Target::Value(milli)
            } else {
                Target::AverageValue(milli)
            }
        }
    };
    ok.then_some(target)
}

fn metric(ctx: &mut Ctx, raw: &S<RawMetric>, f: &str) -> Option<MetricSpec> {
    let m = raw.get_ref();
    let kind = *m.kind.get_ref();
    let sources = [
        (
            "resource",
            m.resource.as_ref().map(|s| s.span()),
            MetricSourceType::Resource,
        ),
        (
            "pods",
            m.pods.as_ref().map(|s| s.span()),
            MetricSourceType::Pods,
        ),
        (
            "object",
            m.object.as_ref().map(|s| s.span()),
            MetricSourceType::Object,
        ),
        (
            "external",
            m.external.as_ref().map(|s| s.span()),
            MetricSourceType::External,
        ),
    ];
    for (name, span, k) in &sources {
        if span.is_some() && *k != kind {
            ctx.err(
                span.clone(),
                format!("{f}.{name}"),
                format!("{name} does not go with type = {kind:?}"),
            );
            return None;
        }
    }
    use TargetType::*;
    match kind {
        MetricSourceType::Resource => {
            let Some(r) = &m.resource else {
                ctx.err_hint(Some(raw.span()), format!("{f}.resource"), "a Resource metric needs resource", "resource = { name = \"cpu\", target = { type = \"Utilization\", average_utilization = 60 } }");
                return None;
            };
            let r = r.get_ref();
            let name = match r.name.get_ref().as_str() {
                "cpu" => ResourceName::Cpu,
                "memory" => ResourceName::Memory,
                other => {
                    ctx.err(
                        Some(r.name.span()),
                        format!("{f}.resource.name"),
                        format!("{other:?}: aksim models the cpu and memory resources"),
                    );
                    return None;
                }
            };
            let target = target(
                ctx,
                &r.target,
                &format!("{f}.resource.target"),
                &[Utilization, AverageValue],
            )?;
            Some(MetricSpec::Resource { name, target })
        }
        MetricSourceType::Pods | MetricSourceType::Object | MetricSourceType::External => {
            let (key, src, allowed): (&str, _, &[TargetType]) = match kind {
                MetricSourceType::Pods => ("pods", &m.pods, &[AverageValue]),
                MetricSourceType::Object => ("object", &m.object, &[Value, AverageValue]),
                _ => ("external", &m.external, &[Value, AverageValue]),
            };
            let Some(src) = src else {
                ctx.err_hint(Some(raw.span()), format!("{f}.{key}"), format!("a {kind:?} metric needs {key}"), format!("{key} = {{ metric = {{ name = \"requests_per_second\" }}, target = {{ type = \"AverageValue\", average_value = \"10\" }} }}"));
                return None;
            };
            let s = src.get_ref();
            let name = s.metric.get_ref().name.get_ref().clone();
            ctx.no_control(
                &name,
                Some(s.metric.get_ref().name.span()),
                format!("{f}.{key}.metric.name"),
            );
            let target = target(ctx, &s.target, &format!("{f}.{key}.target"), allowed)?;
            Some(match kind {
                MetricSourceType::Pods => MetricSpec::Pods { name, target },
                MetricSourceType::Object => MetricSpec::Object { name, target },
                _ => MetricSpec::External { name, target },
            })
        }
        MetricSourceType::ContainerResource => {
            ctx.err_hint(
                Some(m.kind.span()),
                format!("{f}.type"),
                "ContainerResource metrics are not modelled",
                "aksim's pods have one container: use type = \"Resource\"",
            );
            None
        }
    }
}

/// One direction of `behavior`, defaults filled from `default` (the API's).
fn rules(
    ctx: &mut Ctx,
    raw: &Option<S<RawScalingRules>>,
    f: &str,
    default: ScalingRules,
) -> Option<ScalingRules> {
    let Some(raw) = raw else { return Some(default) };
    let r = raw.get_ref();
    let mut ok = true;
    let stabilization_window = match &r.stabilization_window_seconds {
        None => default.stabilization_window,
        Some(w) => {
            let v = *w.get_ref();
            if !(0..=MAX_STABILIZATION_WINDOW_SECONDS).contains(&v) {
                ctx.err(
                    Some(w.span()),
                    format!("{f}.stabilization_window_seconds"),
                    format!("must be between 0 and {MAX_STABILIZATION_WINDOW_SECONDS}"),
                );
                ok = false;
            }
            SimDuration::from_secs(v.clamp(0, MAX_STABILIZATION_WINDOW_SECONDS) as u64)
        }
    };
    let select_policy = match r.select_policy.as_ref().map(|s| *s.get_ref()) {
        None => default.select_policy,
        Some(SelectPolicyKind::Max) => SelectPolicy::Max,
        Some(SelectPolicyKind::Min) => SelectPolicy::Min,
        Some(SelectPolicyKind::Disabled) => SelectPolicy::Disabled,
    };
    let policies = match &r.policies {
        None => default.policies,
        Some(list) => {
            if list.get_ref().is_empty() {
                ctx.err(
                    Some(list.span()),
                    format!("{f}.policies"),
                    "must specify at least one policy",
                );
                ok = false;
            }
            let mut out = Vec::new();
            for p in list.get_ref() {
                let p = p.get_ref();
                let value = *p.value.get_ref();
                if value <= 0 || value > i64::from(i32::MAX) {
                    ctx.err(
                        Some(p.value.span()),
                        format!("{f}.policies.value"),
                        "must be greater than zero",
                    );
                    ok = false;
                }
                let period = *p.period_seconds.get_ref();
                if !(1..=MAX_PERIOD_SECONDS).contains(&period) {
                    ctx.err(
                        Some(p.period_seconds.span()),
                        format!("{f}.policies.period_seconds"),
                        format!("must be between 1 and {MAX_PERIOD_SECONDS}"),
                    );
                    ok = false;
                }
                out.push(ScalingPolicy {
                    kind: match p.kind.get_ref() {
                        PolicyKind::Pods => PolicyType::Pods,
                        PolicyKind::Percent => PolicyType::Percent,
                    },
                    value: value.clamp(1, i64::from(i32::MAX)) as u32,
                    period: SimDuration::from_secs(period.clamp(1, MAX_PERIOD_SECONDS) as u64),
                });
            }
            out
        }
    };
    // A Quantity in the API ("0.05", or 0.05 in a manifest); at least 0.
    let tolerance = match &r.tolerance {
        None => default.tolerance,
        Some(t) => match quantity::parse_micro(t.get_ref()) {
            Ok(micro) => Some(micro as f64 / 1e6),
            Err(e) => {
                ctx.err(Some(t.span()), format!("{f}.tolerance"), e.0);
                ok = false;
                None
            }
        },
    };
    ok.then_some(ScalingRules {
        stabilization_window,
        select_policy,
        policies,
        tolerance,
    })
}

/// Warnings for an HPA whose metrics cannot be computed or cannot move.
pub(super) fn hpa_warnings(
    ctx: &mut Ctx,
    hpa: &HpaSpec,
    raw: &S<RawDeployment>,
    f: &str,
    (cpu_request, memory_request): (Option<u64>, Option<u64>),
    load: Option<&LoadSpec>,
) {
    let span = raw.get_ref().hpa.as_ref().map(|h| h.span());
    for m in &hpa.metrics {
        if let MetricSpec::Resource {
            name,
            target: Target::Utilization(_),
        } = m
        {
            let (request, word) = match name {
                ResourceName::Cpu => (cpu_request, "cpu"),
                ResourceName::Memory => (memory_request, "memory"),
            };
            if request.unwrap_or(0) == 0 {
                ctx.warn(
                    span.clone(),
                    format!("{f}.hpa"),
                    format!("a {word} Utilization target needs a {word} request: the HPA will report \"missing request for {word}\" and not scale"),
                );
            }
        }
    }
    for m in &hpa.metrics {
        if let MetricSpec::Object {
            target: Target::Value(_),
            ..
        }
        | MetricSpec::External {
            target: Target::Value(_),
            ..
        } = m
        {
            ctx.warn(
                span.clone(),
                format!("{f}.hpa.metrics"),
                "an Object or External metric reads the deployment's demand, which does not fall as pods are added: with a Value target the HPA grows towards max_replicas; an AverageValue target (demand per pod) settles",
            );
        }
    }
    if load.is_none() {
        ctx.warn(
            span,
            format!("{f}.hpa"),
            "no [deployment.load]: the pods do nothing, so the HPA only keeps min_replicas",
        );
    }
}

/// `[[pod_trace]]`: each file parsed and sorted by arrival.
pub(super) fn traces(
    ctx: &mut Ctx,
    raw: &[S<RawPodTrace>],
    base_dir: &Path,
    deployments: &[crate::scenario::model::DeploymentSpec],
    deployment_pods: u64,
    images: &mut Vec<crate::api::ImageSpec>,
) -> Vec<crate::scenario::model::TraceSpec> {
    use crate::workload::trace;
    let mut out: Vec<crate::scenario::model::TraceSpec> = Vec::new();
    let mut total_pods: u64 = 0;
    for t in raw {
        let r = t.get_ref();
        let name = r.name.get_ref().clone();
        let f = format!("pod_trace {name:?}");
        if !super::is_dns_label(&name) {
            ctx.err_hint(
                Some(r.name.span()),
                format!("{f}.name"),
                format!("{name:?} is not a valid Kubernetes name"),
                "lowercase letters, digits and '-', at most 63 characters",
            );
        }
        if out.iter().any(|x| x.name == name) || deployments.iter().any(|d| d.name == name) {
            ctx.err(
                Some(r.name.span()),
                format!("{f}.name"),
                "a deployment or another pod trace has this name",
            );
        }
        let offset = ctx.duration(&r.offset, SimDuration::ZERO, &format!("{f}.offset"));
        let time_scale = r.time_scale.as_ref().map_or(1.0, |s| *s.get_ref());
        if !(time_scale.is_finite() && time_scale > 0.0) {
            ctx.err(
                r.time_scale.as_ref().map(|s| s.span()),
                format!("{f}.time_scale"),
                "a scale is a finite number above 0 (0.5 plays the trace twice as fast)",
            );
            continue;
        }
        if let Some(s) = &r.trace_start
            && !s.get_ref().is_finite()
        {
            ctx.err(
                Some(s.span()),
                format!("{f}.trace_start"),
                "a time in the trace's seconds",
            );
            continue;
        }
        let image = r
            .image
            .as_ref()
            .and_then(|img| super::image(ctx, img, &f, images));
        let Some(text) = read_csv(ctx, &r.path, &format!("{f}.path"), base_dir) else {
            continue;
        };
        let opts = trace::TraceOptions {
            offset,
            time_scale,
            trace_start: r.trace_start.as_ref().map(|s| *s.get_ref()),
            limit: r.limit.as_ref().map(|l| *l.get_ref() as usize),
        };
        match trace::parse_trace(&text, &opts) {
            Ok(parsed) => {
                total_pods += parsed.pods.len() as u64;
                out.push(crate::scenario::model::TraceSpec {
                    name,
                    path: r.path.get_ref().clone(),
                    namespace: r.namespace.clone().unwrap_or_else(|| "default".into()),
                    image,
                    trace: parsed,
                });
            }
            Err(errors) => {
                for e in errors {
                    ctx.err(
                        Some(r.path.span()),
                        format!("{f}.path"),
                        format!("{}: {e}", r.path.get_ref()),
                    );
                }
            }
        }
    }
    // Deployments (with their HPAs' headroom) and traces share one limit; deployments alone
    // over it are reported with the deployments.
    let max = super::MAX_PODS_TOTAL;
    if deployment_pods <= max && total_pods + deployment_pods > max {
        ctx.err(
            None,
            "pod_trace",
            format!(
                "{total_pods} trace pods and up to {deployment_pods} deployment pods; at most {max} pods can be simulated"
            ),
        );
    }
    out
}
