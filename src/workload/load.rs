//! Demand profiles: what a deployment is asked for, in requests per second, as a function of
//! simulated time, and how much of it the ready pods serve.
//!
//! A deployment's demand is D(t) = max(0, Σ additive profiles) × Π noise factors. The additive
//! profiles are a constant, steps, a ramp, a daily cycle on the scenario's wall clock, rectangular
//! spikes and a replayed series; noise multiplies the sum by a random factor that is constant over
//! each of its intervals. [`integrate`] turns D into request counts over an interval, given how
//! many pods are ready and what each can serve; [`parse_series`] and [`series_points`] read a
//! replayed series from a CSV file.
//!
//! Everything here is a pure function of the spec, the wall clock and the instant: reading a value
//! twice, or in another order, gives the same number, and noise is random-access (drawn from its
//! key and the interval's index with SplitMix64, not from a stream). Transcendental functions come
//! from `libm` so that results are bit-identical across platforms.
//!
//! Conventions at discontinuities: every profile is right-continuous. A step applies from its
//! `at` on, a spike is active on `[start, start + duration)`, a noise interval `k` covers
//! `[k × interval, (k + 1) × interval)`, a local weekend starts at Saturday 00:00.
//!
//! A replayed series holds its first value before its first point. Without a period it holds its
//! last value after its last point; with one, the loop starts at the first point: time is taken
//! modulo the period relative to the first point's time (points at or after first + period are
//! never reached), and a linear series goes from its last point back to the first point's value
//! at first + period. A period of zero counts as none.
//!
//! Left out: queueing and retries (demand above capacity is simply not served, it does not come
//! back later), latency, uneven load balancing (every ready pod gets the same share), pods that
//! are ready but still warming up, and any dependence of demand on how well it is served.

use super::{Interpolation, LoadSpec, Profile, Spike, WallClock};
use crate::engine::rng::splitmix64;
use crate::engine::{SimDuration, SimTime};
use std::fmt;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: f64 = 3_600_000.0;
const TAU: f64 = 2.0 * std::f64::consts::PI;
/// The widest Simpson panel [`integrate`] uses, in ms.
const PANEL_MS: u64 = 60_000;
/// Demand above capacity by less than this (requests per second) counts as served.
const UNSERVED_EPS: f64 = 1e-9;

/// Where a profile is read: `ms` decides which side of a discontinuity we are on, `x` (equal to
/// `ms`, or `ms + 0.5` for a Simpson midpoint) is the exact time for the continuous parts, and
/// `left` asks for the limit from the left at `ms` (the value just before a jump there).
#[derive(Debug, Clone, Copy)]
struct At {
    ms: u64,
    x: f64,
    left: bool,
}

impl At {
    fn right(t: u64) -> At {
        At {
            ms: t,
            x: t as f64,
            left: false,
        }
    }
    fn left(t: u64) -> At {
        At {
            ms: t,
            x: t as f64,
            left: true,
        }
    }
    /// The middle of `[a, a + w]`: a whole or half millisecond.
    fn mid(a: u64, w: u64) -> At {
        At {
            ms: a + w / 2,
            x: a as f64 + w as f64 / 2.0,
            left: false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

impl Profile {
    /// This profile's additive contribution at `t`, in requests per second (0 for `Noise`, which
    /// multiplies instead: see [`Profile::factor`]).
    pub fn value(&self, t: SimTime, clock: &WallClock) -> f64 {
        self.additive(At::right(t.0), clock)
    }

    /// The multiplicative factor at `t`: max(0, 1 + sigma × Z) for `Noise`, 1 for the others.
    pub fn factor(&self, t: SimTime) -> f64 {
        self.factor_at(At::right(t.0))
    }

    /// The next instant after `t` (strictly) where this profile jumps or has a kink, if any.
    /// Diurnal profiles only break at the local midnights where the weekend starts or ends (and
    /// only if `weekend_factor != 1`): the cosine itself is smooth across midnight.
    pub fn next_breakpoint(&self, t: SimTime, clock: &WallClock) -> Option<SimTime> {
        let t = t.0;
        match self {
            Profile::Constant { .. } => None,
            Profile::Steps { steps } => {
                let i = steps.partition_point(|s| s.0.0 <= t);
                steps.get(i).map(|s| s.0)
            }
            Profile::Ramp { start, end, .. } => {
                if start.0 > t {
                    Some(*start)
                } else if end.0 > t {
                    Some(*end)
                } else {
                    None
                }
            }
            Profile::Diurnal { weekend_factor, .. } => {
                if *weekend_factor == 1.0 {
                    return None;
                }
                let local = local_ms(clock, t);
                let day = local.div_euclid(DAY_MS);
                (day + 1..=day + 7)
                    .find(|&d| is_weekend(d) != is_weekend(d - 1))
                    .map(|d| SimTime(t + (d * DAY_MS - local) as u64))
            }
            Profile::Spikes { spikes } => {
                // Starts are sorted: the next one is found by bisection. Ends are not (durations
                // differ), so the spikes that started by `t` are scanned for the earliest end.
                let i = spikes.partition_point(|s| s.start.0 <= t);
                let mut next = spikes.get(i).map(|s| s.start.0);
                for s in &spikes[..i] {
                    let end = spike_end(s);
                    if end > t && next.is_none_or(|n| end < n) {
                        next = Some(end);
                    }
                }
                next.map(SimTime)
            }
            Profile::Noise { interval, .. } => {
                let i = interval.0.max(1);
                (t / i)
                    .checked_add(1)
                    .and_then(|k| k.checked_mul(i))
                    .map(SimTime)
            }
            Profile::Series { points, period, .. } => series_next(points, *period, t),
        }
    }

    /// Piecewise constant between breakpoints: [`integrate`] reads it once per piece.
    fn is_piecewise_constant(&self) -> bool {
        match self {
            Profile::Constant { .. }
            | Profile::Steps { .. }
            | Profile::Spikes { .. }
            | Profile::Noise { .. } => true,
            Profile::Ramp { start, end, .. } => end <= start,
            Profile::Diurnal { .. } => false,
            Profile::Series { interpolation, .. } => *interpolation == Interpolation::Step,
        }
    }

    fn additive(&self, at: At, clock: &WallClock) -> f64 {
        match self {
            Profile::Constant { rps } => *rps,
            Profile::Steps { steps } => {
                let i = if at.left {
                    steps.partition_point(|s| s.0.0 < at.ms)
                } else {
                    steps.partition_point(|s| s.0.0 <= at.ms)
                };
                if i == 0 { 0.0 } else { steps[i - 1].1 }
            }
            Profile::Ramp {
                start,
                end,
                from_rps,
                to_rps,
            } => {
                if end <= start {
                    // A jump at `start`.
                    let after = if at.left {
                        at.ms > start.0
                    } else {
                        at.ms >= start.0
                    };
                    return if after { *to_rps } else { *from_rps };
                }
                let (s, e) = (start.0 as f64, end.0 as f64);
                if at.x <= s {
                    *from_rps
                } else if at.x >= e {
                    *to_rps
                } else {
                    from_rps + (to_rps - from_rps) * (at.x - s) / (e - s)
                }
            }
            Profile::Diurnal {
                peak_rps,
                trough_rps,
                peak_hour,
                weekend_factor,
            } => {
                let local = local_ms(clock, at.ms);
                let mut day = local.div_euclid(DAY_MS);
                let ms_of_day = local.rem_euclid(DAY_MS);
                if at.left && ms_of_day == 0 {
                    day -= 1; // just before midnight: still the previous day (same cosine)
                }
                let hour = (ms_of_day as f64 + (at.x - at.ms as f64)) / HOUR_MS;
                let c = libm::cos(TAU * (hour - peak_hour) / 24.0);
                let v = trough_rps + (peak_rps - trough_rps) * (1.0 + c) / 2.0;
                if is_weekend(day) {
                    v * weekend_factor
                } else {
                    v
                }
            }
            Profile::Spikes { spikes } => {
                // Left limit: active on (start, end]; value: on [start, end).
                let upto = if at.left {
                    spikes.partition_point(|s| s.start.0 < at.ms)
                } else {
                    spikes.partition_point(|s| s.start.0 <= at.ms)
                };
                spikes[..upto]
                    .iter()
                    .filter(|s| {
                        let end = spike_end(s);
                        if at.left { end >= at.ms } else { end > at.ms }
                    })
                    .map(|s| s.rps)
                    .sum()
            }
            Profile::Noise { .. } => 0.0,
            Profile::Series {
                points,
                interpolation,
                period,
            } => series_value(points, *interpolation, *period, at),
        }
    }

    fn factor_at(&self, at: At) -> f64 {
        match self {
            Profile::Noise {
                sigma,
                interval,
                key,
            } => {
                let i = interval.0.max(1);
                let k = if at.left && at.ms > 0 && at.ms.is_multiple_of(i) {
                    at.ms / i - 1
                } else {
                    at.ms / i
                };
                noise_factor(*sigma, *key, k)
            }
            _ => 1.0,
        }
    }
}

/// A standard normal draw for interval `k` of the noise keyed `key`: two uniforms from
/// SplitMix64 of (key, k), then Box–Muller. The same (key, k) always gives the same Z.
pub fn noise_z(key: u64, k: u64) -> f64 {
    const UNIT: f64 = 1.0 / (1u64 << 53) as f64;
    let base = splitmix64(key ^ splitmix64(k));
    let a = splitmix64(base);
    let b = splitmix64(base ^ 0x5851_f42d_4c95_7f2d);
    let u1 = ((a >> 11) + 1) as f64 * UNIT; // (0, 1]: the logarithm stays finite
    let u2 = (b >> 11) as f64 * UNIT; // [0, 1)
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(TAU * u2)
}

fn noise_factor(sigma: f64, key: u64, k: u64) -> f64 {
    let f = 1.0 + sigma * noise_z(key, k);
    if f > 0.0 { f } else { 0.0 }
}

fn spike_end(s: &Spike) -> u64 {
    s.start.0.saturating_add(s.duration.0)
}

/// Local wall-clock milliseconds since the Unix epoch at simulation time `t`.
fn local_ms(clock: &WallClock, t: u64) -> i64 {
    clock
        .start_unix_ms
        .saturating_add(i64::from(clock.offset_secs) * 1000)
        .saturating_add(i64::try_from(t).unwrap_or(i64::MAX))
}

/// Saturday or Sunday, for a day number counted from 1970-01-01 (a Thursday).
fn is_weekend(day: i64) -> bool {
    // Monday = 0: day 0 is a Thursday (3).
    matches!((day + 3).rem_euclid(7), 5 | 6)
}

fn lerp(ta: f64, va: f64, tb: f64, vb: f64, x: f64) -> f64 {
    va + (vb - va) * (x - ta) / (tb - ta)
}

/// The points a looped series replays: those before `first + period` (later ones are unreachable).
fn looped(points: &[(SimTime, f64)], period: u64) -> &[(SimTime, f64)] {
    let end = points[0].0.0.saturating_add(period);
    let m = points.partition_point(|p| p.0.0 < end);
    &points[..m.max(1)]
}

fn series_value(
    points: &[(SimTime, f64)],
    interpolation: Interpolation,
    period: Option<SimDuration>,
    at: At,
) -> f64 {
    let Some(&(SimTime(t0), v0)) = points.first() else {
        return 0.0;
    };
    let t = at.ms;
    let frac = at.x - t as f64; // 0 or ½ ms
    match period {
        Some(SimDuration(p)) if p > 0 => {
            // The loop starts at the first point; before it, the first value holds.
            if t < t0 || (t == t0 && at.left) {
                return v0;
            }
            let pts = looped(points, p);
            // The position within the period: [t0, t0 + p), or (t0, t0 + p] for a left limit
            // (so that the instant of a wrap reads the end of the previous lap).
            let u = if at.left {
                t0 + (t - t0 - 1) % p + 1
            } else {
                t0 + (t - t0) % p
            };
            let i = if at.left {
                pts.partition_point(|q| q.0.0 < u)
            } else {
                pts.partition_point(|q| q.0.0 <= u)
            };
            let (SimTime(ta), va) = pts[i - 1]; // i ≥ 1: pts[0] is at t0 ≤ u
            match interpolation {
                Interpolation::Step => va,
                Interpolation::Linear => {
                    // Past the last point, towards the first point's value one period later.
                    let (tb, vb) = pts.get(i).map_or((t0 + p, v0), |q| (q.0.0, q.1));
                    lerp(ta as f64, va, tb as f64, vb, u as f64 + frac)
                }
            }
        }
        _ => {
            let n = points.len();
            let i = if at.left {
                points.partition_point(|q| q.0.0 < t)
            } else {
                points.partition_point(|q| q.0.0 <= t)
            };
            if i == 0 {
                return v0;
            }
            if i == n {
                return points[n - 1].1;
            }
            let (SimTime(ta), va) = points[i - 1];
            match interpolation {
                Interpolation::Step => va,
                Interpolation::Linear => {
                    let (SimTime(tb), vb) = points[i];
                    lerp(ta as f64, va, tb as f64, vb, at.x)
                }
            }
        }
    }
}

fn series_next(points: &[(SimTime, f64)], period: Option<SimDuration>, t: u64) -> Option<SimTime> {
    let &(SimTime(t0), _) = points.first()?;
    match period {
        Some(SimDuration(p)) if p > 0 => {
            if t < t0 {
                return Some(SimTime(t0));
            }
            let pts = looped(points, p);
            let off = (t - t0) % p;
            let lap = t - off; // where the current lap started
            let i = pts.partition_point(|q| q.0.0 <= t0 + off);
            let next = pts.get(i).map_or(p, |q| q.0.0 - t0);
            lap.checked_add(next).map(SimTime)
        }
        _ => {
            let i = points.partition_point(|q| q.0.0 <= t);
            points.get(i).map(|q| q.0)
        }
    }
}

impl LoadSpec {
    /// Demand at `t` in requests per second: max(0, Σ additive values) × Π noise factors.
    pub fn demand(&self, t: SimTime, clock: &WallClock) -> f64 {
        let at = At::right(t.0);
        let sum: f64 = self.profiles.iter().map(|p| p.additive(at, clock)).sum();
        let factor: f64 = self.profiles.iter().map(|p| p.factor_at(at)).product();
        positive(sum) * factor
    }

    /// The first instant after `t` (strictly) where some profile jumps or has a kink.
    pub fn next_breakpoint(&self, t: SimTime, clock: &WallClock) -> Option<SimTime> {
        self.profiles
            .iter()
            .filter_map(|p| p.next_breakpoint(t, clock))
            .min()
    }

    /// Replaces `out` with the instants strictly inside `(from, to)` where some profile is
    /// discontinuous or has a kink (step times, spike edges, ramp ends, noise interval
    /// boundaries, series points including looped ones, the local midnights where a weekend
    /// starts or ends if a diurnal profile has `weekend_factor != 1`), sorted, without repeats.
    ///
    /// The wall clock is needed for the diurnal midnights. The work is proportional to the number
    /// of instants returned (each found by bisection in the profiles' sorted lists, never by
    /// walking a series or the noise intervals from the start), times the number of profiles; a
    /// long interval over a fine noise returns, and costs, one instant per noise interval.
    pub fn breakpoints(
        &self,
        from: SimTime,
        to: SimTime,
        clock: &WallClock,
        out: &mut Vec<SimTime>,
    ) {
        out.clear();
        let mut t = from;
        while let Some(b) = self.next_breakpoint(t, clock) {
            if b >= to {
                break;
            }
            out.push(b);
            t = b;
        }
    }

    /// Σ of the piecewise-constant additive profiles and Π of the noise factors, at `at`.
    fn constant_parts(&self, at: At, clock: &WallClock) -> (f64, f64) {
        let mut sum = 0.0;
        let mut factor = 1.0;
        for p in &self.profiles {
            if let Profile::Noise { .. } = p {
                factor *= p.factor_at(at);
            } else if p.is_piecewise_constant() {
                sum += p.additive(at, clock);
            }
        }
        (sum, factor)
    }

    /// Σ of the continuous additive profiles at `at`.
    fn continuous_part(&self, at: At, clock: &WallClock) -> f64 {
        self.profiles
            .iter()
            .filter(|p| !p.is_piecewise_constant())
            .map(|p| p.additive(at, clock))
            .sum()
    }
}

fn positive(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

// ---------------------------------------------------------------------------------------------
// Integration
// ---------------------------------------------------------------------------------------------

/// What happened to a deployment's demand over an interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Integral {
    /// Requests asked for: ∫ D dt (D in requests per second, t in seconds).
    pub demand: f64,
    /// Requests served: ∫ min(D, C) dt, C = ready × capacity per pod.
    pub served: f64,
    /// Milliseconds during which some demand went unserved (see [`integrate`] for how it is
    /// counted).
    pub unserved_ms: u64,
    /// Requests served per ready pod: ∫ served / ready dt (0 if no pod was ready).
    pub per_pod_share: f64,
}

impl Integral {
    /// Accumulates `other` (a following interval) into `self`.
    pub fn add(&mut self, other: &Integral) {
        self.demand += other.demand;
        self.served += other.served;
        self.unserved_ms += other.unserved_ms;
        self.per_pod_share += other.per_pod_share;
    }
}

impl std::ops::AddAssign for Integral {
    fn add_assign(&mut self, other: Integral) {
        self.add(&other);
    }
}

/// Integrates `spec`'s demand over `[from, to]` with `ready` pods ready throughout, each able to
/// serve `pod_capacity_rps` (`None`: unbounded; no ready pod serves nothing).
///
/// The interval is split at the breakpoints (found one after another with
/// [`LoadSpec::next_breakpoint`], so nothing is allocated and a long interval costs one step per
/// piece); on each piece the piecewise-constant profiles and the noise factors are read once and
/// the rest with composite Simpson's rule on panels of at most 60 s. Each piece's ends are read on
/// the piece's side of any jump (the left limit at its end), so a piecewise-linear demand is
/// integrated exactly, and a piece whose demand is constant needs a single reading.
///
/// Approximations: min(D, C) has a kink where D crosses C inside a panel (and D one where the
/// additive sum crosses zero); Simpson's rule is not exact across it, the error is bounded by the
/// panel's width times the change of D over it. `unserved_ms` counts a whole panel (or a whole
/// constant piece) when D − C > 1e-9 at its midpoint, so a crossing inside a panel is rounded to
/// the panel, at most 60 s each way.
pub fn integrate(
    spec: &LoadSpec,
    clock: &WallClock,
    from: SimTime,
    to: SimTime,
    ready: u32,
    pod_capacity_rps: Option<f64>,
) -> Integral {
    let mut acc = Integral::default();
    if to <= from {
        return acc;
    }
    let capacity = match (ready, pod_capacity_rps) {
        (0, _) => 0.0,
        (_, None) => f64::INFINITY,
        (r, Some(c)) => f64::from(r) * c,
    };
    let smooth = spec.profiles.iter().any(|p| !p.is_piecewise_constant());
    let mut a = from;
    while a < to {
        let b = spec
            .next_breakpoint(a, clock)
            .map_or(to, |b| if b < to { b } else { to });
        piece(spec, clock, a.0, b.0, capacity, smooth, &mut acc);
        a = b;
    }
    if ready > 0 {
        acc.per_pod_share = acc.served / f64::from(ready);
    }
    acc
}

/// Adds `[a, b]` (no breakpoint strictly inside) to `acc`.
fn piece(
    spec: &LoadSpec,
    clock: &WallClock,
    a: u64,
    b: u64,
    capacity: f64,
    smooth: bool,
    acc: &mut Integral,
) {
    let (base, factor) = spec.constant_parts(At::right(a), clock);
    let len = b - a;
    if !smooth {
        let d = positive(base) * factor;
        let secs = len as f64 / 1000.0;
        acc.demand += d * secs;
        acc.served += min(d, capacity) * secs;
        if d - capacity > UNSERVED_EPS {
            acc.unserved_ms += len;
        }
        return;
    }
    let demand = |at: At| positive(base + spec.continuous_part(at, clock)) * factor;
    let panels = len.div_ceil(PANEL_MS);
    let mut x0 = a;
    let mut d0 = demand(At::right(a));
    for j in 1..=panels {
        // Panel edges on whole milliseconds; widths differ by at most 1 ms.
        let x1 = a + (u128::from(len) * u128::from(j) / u128::from(panels)) as u64;
        let w = x1 - x0;
        let dm = demand(At::mid(x0, w));
        let d1 = demand(if j == panels {
            At::left(b)
        } else {
            At::right(x1)
        });
        let sixth = w as f64 / 6000.0; // panel width in seconds / 6
        acc.demand += sixth * (d0 + 4.0 * dm + d1);
        acc.served += sixth * (min(d0, capacity) + 4.0 * min(dm, capacity) + min(d1, capacity));
        if dm - capacity > UNSERVED_EPS {
            acc.unserved_ms += w;
        }
        x0 = x1;
        d0 = d1;
    }
}

fn min(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

// ---------------------------------------------------------------------------------------------
// Series files
// ---------------------------------------------------------------------------------------------

/// Which columns of a series file hold the time and the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesOptions {
    /// The time column's header name; `None`: the first column.
    pub time_column: Option<String>,
    /// The value column's header name; `None`: the second column.
    pub value_column: Option<String>,
}

/// Why a series file was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesError {
    /// 1-based line in the file (comment and blank lines count).
    pub line: usize,
    /// The column concerned, by its header name, if one is.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for SeriesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column `{c}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SeriesError {}

/// Splits a CSV line on commas, trimming blanks and one pair of surrounding double quotes.
/// (No embedded commas or quotes: a numeric series has no use for them.)
fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(|f| {
        let f = f.trim();
        f.strip_prefix('"')
            .and_then(|g| g.strip_suffix('"'))
            .unwrap_or(f)
            .trim()
    })
}

/// Reads a series file: a header row naming the columns (`time_s,value`), then one row per
/// point, comma separated; lines starting with `#` and blank lines are skipped. Times must be
/// finite and strictly increasing, values finite and ≥ 0; at least one row. Returns the raw
/// (time, value) pairs in the file's units (see [`series_points`]).
pub fn parse_series(text: &str, opts: &SeriesOptions) -> Result<Vec<(f64, f64)>, SeriesError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |line: usize, column: Option<&str>, message: String| SeriesError {
        line,
        column: column.map(str::to_owned),
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));

    let Some((header_line, header)) = lines.next() else {
        let last = text.lines().count().max(1);
        return Err(err(
            last,
            None,
            "no header row: a series file starts with a header such as `time_s,value`".into(),
        ));
    };
    let names: Vec<&str> = fields(header).collect();
    let find = |wanted: &Option<String>, default: usize| -> Result<usize, SeriesError> {
        match wanted {
            Some(name) => names.iter().position(|n| n == name).ok_or_else(|| {
                err(
                    header_line,
                    Some(name),
                    format!("no such column in the header (it has {})", names.join(", ")),
                )
            }),
            None if default < names.len() => Ok(default),
            None => Err(err(
                header_line,
                None,
                format!(
                    "the header has {} column(s); a series needs a time and a value column",
                    names.len()
                ),
            )),
        }
    };
    let tcol = find(&opts.time_column, 0)?;
    let vcol = find(&opts.value_column, 1)?;
    let (tname, vname) = (names[tcol], names[vcol]);

    let mut out = Vec::new();
    let mut prev: Option<(f64, usize)> = None;
    for (line, row) in lines {
        let mut t = None;
        let mut v = None;
        for (i, f) in fields(row).enumerate() {
            if i == tcol {
                t = Some(f);
            }
            if i == vcol {
                v = Some(f);
            }
        }
        let number = |field: Option<&str>, name: &str| -> Result<f64, SeriesError> {
            let f = field.ok_or_else(|| err(line, Some(name), "missing field".into()))?;
            let x: f64 = f
                .parse()
                .map_err(|_| err(line, Some(name), format!("`{f}` is not a number")))?;
            if !x.is_finite() {
                return Err(err(line, Some(name), format!("`{f}` is not finite")));
            }
            Ok(x)
        };
        let t = number(t, tname)?;
        let v = number(v, vname)?;
        if v < 0.0 {
            return Err(err(line, Some(vname), format!("negative value {v}")));
        }
        if let Some((p, pline)) = prev
            && t <= p
        {
            return Err(err(
                line,
                Some(tname),
                format!("time {t} is not after {p} (line {pline}): times must strictly increase"),
            ));
        }
        prev = Some((t, line));
        out.push((t, v));
    }
    if out.is_empty() {
        return Err(err(
            header_line,
            None,
            "no data rows after the header".into(),
        ));
    }
    Ok(out)
}

/// Places a parsed series on the simulation's time line: the first row lands at `offset`, the
/// others at offset + (t − t0) × `time_unit_ms` × `time_scale` (t0 the first row's time), rounded
/// to whole milliseconds; values are multiplied by `value_scale`. When rounding puts two rows on
/// the same millisecond the later one is kept. Times before `offset` (a negative scale) are
/// clamped to it.
pub fn series_points(
    raw: &[(f64, f64)],
    time_unit_ms: f64,
    time_scale: f64,
    value_scale: f64,
    offset: SimDuration,
) -> Vec<(SimTime, f64)> {
    let Some(&(t0, _)) = raw.first() else {
        return Vec::new();
    };
    let mut out: Vec<(SimTime, f64)> = Vec::with_capacity(raw.len());
    for &(t, v) in raw {
        let ms = libm::round((t - t0) * time_unit_ms * time_scale);
        let ms = if ms > 0.0 { ms as u64 } else { 0 }; // `as` saturates at u64::MAX
        let at = SimTime(offset.0.saturating_add(ms));
        let value = v * value_scale;
        match out.last_mut() {
            Some(last) if last.0 >= at => last.1 = value,
            _ => out.push((at, value)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-01-01 00:00 UTC, a Monday (19,723 days after 1970-01-01; (19723 + 3) mod 7 = 0).
    const MONDAY_MS: i64 = 1_704_067_200_000;
    const UTC_MONDAY: WallClock = WallClock {
        start_unix_ms: MONDAY_MS,
        offset_secs: 0,
    };
    const H: u64 = 3_600_000;
    const S: u64 = 1000;

    fn spec(profiles: Vec<Profile>) -> LoadSpec {
        LoadSpec {
            cpu_per_request_millis: 10.0,
            memory_per_request_bytes: 0.0,
            baseline_cpu_millis: 0.0,
            baseline_memory_bytes: 0.0,
            max_rps_per_pod: None,
            profiles,
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    fn diurnal(weekend_factor: f64) -> Profile {
        Profile::Diurnal {
            peak_rps: 300.0,
            trough_rps: 100.0,
            peak_hour: 14.0,
            weekend_factor,
        }
    }

    #[test]
    fn diurnal_peak_trough_and_weekend() {
        let p = diurnal(0.5);
        let c = &UTC_MONDAY;
        // Monday 14:00: cos 0 = 1 → 100 + 200 × 2/2 = 300.
        assert!(close(p.value(SimTime(14 * H), c), 300.0, 1e-12));
        // Monday 02:00, 12 h away: cos π = −1 → 100.
        assert!(close(p.value(SimTime(2 * H), c), 100.0, 1e-12));
        // Monday 08:00, 6 h before the peak: cos(−π/2) = 0 → 100 + 200 × ½ = 200.
        assert!(close(p.value(SimTime(8 * H), c), 200.0, 1e-12));
        // Saturday 14:00 (5 days later): 300 × 0.5 = 150; Sunday 02:00: 100 × 0.5 = 50.
        assert!(close(p.value(SimTime((5 * 24 + 14) * H), c), 150.0, 1e-12));
        assert!(close(p.value(SimTime((6 * 24 + 2) * H), c), 50.0, 1e-12));
        // Next Monday 14:00 is a weekday again.
        assert!(close(p.value(SimTime((7 * 24 + 14) * H), c), 300.0, 1e-12));
        // UTC+2: sim 0 is local 02:00 Monday, so sim 12 h is local 14:00, the peak.
        let plus2 = WallClock {
            start_unix_ms: MONDAY_MS,
            offset_secs: 7200,
        };
        assert!(close(p.value(SimTime(12 * H), &plus2), 300.0, 1e-12));
        // Friday 23:00 local is a weekday; Saturday 00:00 local (sim 4d 22h) is a weekend.
        assert!(p.value(SimTime((4 * 24 + 21) * H), &plus2) > 100.0);
        let sat_midnight = SimTime((4 * 24 + 22) * H);
        // Local 00:00, 14 h from the peak: cos(−14π/12) = cos(7π/6) = −√3/2.
        let v = 100.0 + 200.0 * (1.0 - 3f64.sqrt() / 2.0) / 2.0;
        assert!(close(p.value(sat_midnight, &plus2), v * 0.5, 1e-12));
    }

    #[test]
    fn diurnal_before_1970_uses_euclidean_days() {
        // 1969-12-27 00:00 UTC is day −5: (−5 + 3) mod 7 = 5, a Saturday.
        let sat = WallClock {
            start_unix_ms: -5 * DAY_MS,
            offset_secs: 0,
        };
        // 1969-12-31 (day −1) is a Wednesday.
        let wed = WallClock {
            start_unix_ms: -DAY_MS,
            offset_secs: 0,
        };
        let p = diurnal(0.5);
        assert!(close(p.value(SimTime(14 * H), &sat), 150.0, 1e-12));
        assert!(close(p.value(SimTime(14 * H), &wed), 300.0, 1e-12));
        // Half an hour before the epoch is still Wednesday 23:30, not Thursday.
        let late = WallClock {
            start_unix_ms: -1_800_000,
            offset_secs: 0,
        };
        assert!(!is_weekend((-1_800_000i64).div_euclid(DAY_MS)));
        assert!(p.value(SimTime(0), &late) > 100.0);
    }

    #[test]
    fn ramp_steps_and_spikes() {
        let c = &UTC_MONDAY;
        let ramp = Profile::Ramp {
            start: SimTime(10 * S),
            end: SimTime(30 * S),
            from_rps: 100.0,
            to_rps: 200.0,
        };
        // Before, at the start, midpoint (20 s: 100 + 100 × 10/20 = 150), end, after.
        for (t, v) in [
            (0, 100.0),
            (10, 100.0),
            (20, 150.0),
            (30, 200.0),
            (99, 200.0),
        ] {
            assert_eq!(ramp.value(SimTime(t * S), c), v, "ramp at {t}s");
        }
        let steps = Profile::Steps {
            steps: vec![(SimTime(10 * S), 50.0), (SimTime(20 * S), 80.0)],
        };
        // 0 before the first step, a step's value from its `at` on.
        for (t, v) in [
            (0, 0.0),
            (9_999, 0.0),
            (10_000, 50.0),
            (19_999, 50.0),
            (20_000, 80.0),
        ] {
            assert_eq!(steps.value(SimTime(t), c), v, "steps at {t}ms");
        }
        let spikes = Profile::Spikes {
            spikes: vec![
                Spike {
                    start: SimTime(10 * S),
                    duration: SimDuration(10 * S),
                    rps: 40.0,
                },
                Spike {
                    start: SimTime(15 * S),
                    duration: SimDuration(2 * S),
                    rps: 5.0,
                },
            ],
        };
        // [10 s, 20 s) and [15 s, 17 s): 40 + 5 = 45 at 16 s.
        for (t, v) in [
            (9_999, 0.0),
            (10_000, 40.0),
            (16_000, 45.0),
            (17_000, 40.0),
            (19_999, 40.0),
            (20_000, 0.0),
        ] {
            assert_eq!(spikes.value(SimTime(t), c), v, "spikes at {t}ms");
        }
        // Left limits: just before 20 s the first spike is still on, just before 10 s it is not.
        assert_eq!(spikes.additive(At::left(20_000), c), 40.0);
        assert_eq!(spikes.additive(At::left(10_000), c), 0.0);
        assert_eq!(steps.additive(At::left(20_000), c), 50.0);
    }

    fn series(points: &[(u64, f64)], interpolation: Interpolation, period: Option<u64>) -> Profile {
        Profile::Series {
            points: points.iter().map(|&(t, v)| (SimTime(t), v)).collect(),
            interpolation,
            period: period.map(SimDuration),
        }
    }

    #[test]
    fn series_linear_step_hold_and_loop() {
        let c = &UTC_MONDAY;
        let pts = [(1000, 10.0), (2000, 30.0), (4000, 20.0)];
        let lin = series(&pts, Interpolation::Linear, None);
        let step = series(&pts, Interpolation::Step, None);
        // Hold the first value before, the last after; 1500: 10 + 20 × ½ = 20; 3000: 30 − 10 × ½ = 25.
        for (t, vl, vs) in [
            (0, 10.0, 10.0),
            (1000, 10.0, 10.0),
            (1500, 20.0, 10.0),
            (2000, 30.0, 30.0),
            (3000, 25.0, 30.0),
            (4000, 20.0, 20.0),
            (9000, 20.0, 20.0),
        ] {
            assert_eq!(lin.value(SimTime(t), c), vl, "linear at {t}");
            assert_eq!(step.value(SimTime(t), c), vs, "step at {t}");
        }
        // Looped with period 4000 (span 3000 + one step of 1000): the lap runs [1000, 5000), the
        // last stretch goes from 20 at 4000 back to 10 at 5000.
        let lin = series(&pts, Interpolation::Linear, Some(4000));
        let step = series(&pts, Interpolation::Step, Some(4000));
        for (t, vl, vs) in [
            (0, 10.0, 10.0),    // before the loop starts: first value
            (4500, 15.0, 20.0), // 20 − 10 × ½
            (5000, 10.0, 10.0), // second lap starts
            (5500, 20.0, 10.0), // = 1500
            (9000, 10.0, 10.0), // third lap
            (12_500, 15.0, 20.0),
        ] {
            assert_eq!(lin.value(SimTime(t), c), vl, "looped linear at {t}");
            assert_eq!(step.value(SimTime(t), c), vs, "looped step at {t}");
        }
        // Left limits at a wrap read the end of the previous lap.
        assert_eq!(step.additive(At::left(5000), c), 20.0);
        assert_eq!(lin.additive(At::left(5000), c), 10.0);
        // A half-millisecond reading on the wrap segment: 20 − 10 × 500.5/1000.
        let half = lin.additive(At::mid(4500, 1), c);
        assert!(close(half, 20.0 - 10.0 * 500.5 / 1000.0, 1e-12));
        // A single point, looped: constant.
        let one = series(&[(0, 7.0)], Interpolation::Linear, Some(1000));
        assert_eq!(one.value(SimTime(12_345), c), 7.0);
    }

    #[test]
    fn noise_is_random_access_and_has_the_right_moments() {
        let noise = |sigma| Profile::Noise {
            sigma,
            interval: SimDuration(60 * S),
            key: 42,
        };
        let p = noise(0.2);
        // Same interval, same factor, whenever read; the next interval differs.
        assert_eq!(p.factor(SimTime(0)), p.factor(SimTime(59_999)));
        assert_eq!(p.factor(SimTime(120_000)), p.factor(SimTime(120_000)));
        assert_ne!(p.factor(SimTime(0)), p.factor(SimTime(60_000)));
        assert_eq!(p.value(SimTime(0), &UTC_MONDAY), 0.0);
        // Left limit at a boundary is the previous interval.
        assert_eq!(p.factor_at(At::left(60_000)), p.factor(SimTime(0)));
        // Over 20,000 intervals: mean 1 (standard error 0.2/√20000 ≈ 0.0014) and standard
        // deviation 0.2 (standard error ≈ 0.2/√40000 = 0.001); tolerances are about 4–5 errors.
        let n = 20_000u64;
        let xs: Vec<f64> = (0..n).map(|k| p.factor(SimTime(k * 60 * S))).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        assert!((mean - 1.0).abs() < 0.006, "mean {mean}");
        assert!((var.sqrt() - 0.2).abs() < 0.005, "sd {}", var.sqrt());
        // A large sigma clips at zero, never below.
        let wild = noise(1.5);
        let zeros = (0..n)
            .map(|k| wild.factor(SimTime(k * 60 * S)))
            .inspect(|&f| assert!(f >= 0.0))
            .filter(|&f| f == 0.0)
            .count();
        // P(1 + 1.5 Z ≤ 0) = P(Z ≤ −2/3) ≈ 0.2525: about 5,050 of 20,000.
        assert!((4_700..5_400).contains(&zeros), "{zeros} zeros");
        // Another key, other draws.
        assert_ne!(noise_z(1, 0), noise_z(2, 0));
    }

    #[test]
    fn demand_floors_the_sum_and_multiplies_the_noise() {
        let c = &UTC_MONDAY;
        let noise = Profile::Noise {
            sigma: 0.1,
            interval: SimDuration(1000),
            key: 7,
        };
        let f = noise.factor(SimTime(0));
        let s = spec(vec![
            Profile::Constant { rps: 100.0 },
            noise.clone(),
            Profile::Steps {
                steps: vec![(SimTime(1000), -150.0)],
            },
        ]);
        assert!(close(s.demand(SimTime(0), c), 100.0 * f, 1e-12));
        // 100 − 150 < 0 → 0, whatever the noise.
        assert_eq!(s.demand(SimTime(1000), c), 0.0);
    }

    #[test]
    fn breakpoints_are_sorted_unique_and_strictly_inside() {
        let c = &UTC_MONDAY;
        let s = spec(vec![
            Profile::Constant { rps: 1.0 },
            Profile::Steps {
                steps: vec![(SimTime(5 * S), 1.0), (SimTime(40 * S), 2.0)],
            },
            Profile::Ramp {
                start: SimTime(0),
                end: SimTime(25 * S),
                from_rps: 0.0,
                to_rps: 1.0,
            },
            Profile::Spikes {
                spikes: vec![
                    Spike {
                        start: SimTime(2 * S),
                        duration: SimDuration(30 * S),
                        rps: 1.0,
                    },
                    Spike {
                        start: SimTime(10 * S),
                        duration: SimDuration(5 * S),
                        rps: 1.0,
                    },
                ],
            },
            Profile::Noise {
                sigma: 0.1,
                interval: SimDuration(20 * S),
                key: 1,
            },
            diurnal(1.0), // no weekend effect: no breakpoint
        ]);
        let mut out = vec![SimTime(999)];
        s.breakpoints(SimTime(0), SimTime(40 * S), c, &mut out);
        // Spikes 2, 10, 15, 32; step 5 (40 is the end, excluded); ramp end 25; noise 20.
        let want: Vec<SimTime> = [2, 5, 10, 15, 20, 25, 32]
            .iter()
            .map(|&s| SimTime(s * S))
            .collect();
        assert_eq!(out, want);
        s.breakpoints(SimTime(10 * S), SimTime(20 * S), c, &mut out);
        assert_eq!(out, vec![SimTime(15 * S)]);
        s.breakpoints(SimTime(20 * S), SimTime(20 * S), c, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn breakpoints_of_looped_series_and_weekends() {
        let c = &UTC_MONDAY;
        let s = spec(vec![series(
            &[(1000, 1.0), (2000, 2.0), (4000, 3.0)],
            Interpolation::Linear,
            Some(4000),
        )]);
        let mut out = Vec::new();
        s.breakpoints(SimTime(0), SimTime(10_500), c, &mut out);
        // Laps start at 1000, 5000, 9000; points at +0, +1000, +3000 in each.
        let want: Vec<SimTime> = [1000, 2000, 4000, 5000, 6000, 8000, 9000, 10_000]
            .map(SimTime)
            .to_vec();
        assert_eq!(out, want);
        // Unlooped: the points only.
        let s = spec(vec![series(
            &[(1000, 1.0), (2000, 2.0)],
            Interpolation::Step,
            None,
        )]);
        s.breakpoints(SimTime(1000), SimTime(1_000_000), c, &mut out);
        assert_eq!(out, vec![SimTime(2000)]);
        // A week from Monday 00:00 UTC with a weekend factor: Saturday and next Monday midnights.
        let s = spec(vec![diurnal(0.5)]);
        s.breakpoints(SimTime(0), SimTime(7 * 24 * H + 1), c, &mut out);
        assert_eq!(out, vec![SimTime(5 * 24 * H), SimTime(7 * 24 * H)]);
    }

    #[test]
    fn integral_of_constant_with_capacity() {
        // 100 rps for 60 s, 2 pods × 30 rps: demand 6000, served 60 × 60 = 3600, every ms
        // unserved, 1800 per pod.
        let s = spec(vec![Profile::Constant { rps: 100.0 }]);
        let i = integrate(&s, &UTC_MONDAY, SimTime(0), SimTime(60 * S), 2, Some(30.0));
        assert_eq!(
            i,
            Integral {
                demand: 6000.0,
                served: 3600.0,
                unserved_ms: 60_000,
                per_pod_share: 1800.0,
            }
        );
        // Unbounded capacity serves everything; no pod serves nothing.
        let i = integrate(&s, &UTC_MONDAY, SimTime(0), SimTime(60 * S), 2, None);
        assert_eq!(
            (i.served, i.unserved_ms, i.per_pod_share),
            (6000.0, 0, 3000.0)
        );
        let i = integrate(&s, &UTC_MONDAY, SimTime(0), SimTime(60 * S), 0, None);
        assert_eq!(
            (i.demand, i.served, i.unserved_ms, i.per_pod_share),
            (6000.0, 0.0, 60_000, 0.0)
        );
        // Empty or reversed intervals are zero.
        let i = integrate(&s, &UTC_MONDAY, SimTime(5), SimTime(5), 1, None);
        assert_eq!(i, Integral::default());
    }

    #[test]
    fn integral_of_steps_and_ramp_is_exact() {
        let c = &UTC_MONDAY;
        // Steps 50 from 10 s, 80 from 20 s, over [5 s, 65 s]: 50 × 10 + 80 × 45 = 4100.
        // Capacity 1 pod × 60: served 50 × 10 + 60 × 45 = 3200, unserved the 45 s from 20 s.
        let s = spec(vec![Profile::Steps {
            steps: vec![(SimTime(10 * S), 50.0), (SimTime(20 * S), 80.0)],
        }]);
        let i = integrate(&s, c, SimTime(5 * S), SimTime(65 * S), 1, Some(60.0));
        assert!(close(i.demand, 4100.0, 1e-12), "{i:?}");
        assert!(close(i.served, 3200.0, 1e-12), "{i:?}");
        assert_eq!(i.unserved_ms, 45_000);
        // Ramp 100 → 200 over [10 s, 30 s], integrated over [0, 100 s] with a jump from a spike:
        // 100 × 10 + 150 × 20 + 200 × 70 = 18,000, plus a spike of 10 rps × 7 s = 70.
        let s = spec(vec![
            Profile::Ramp {
                start: SimTime(10 * S),
                end: SimTime(30 * S),
                from_rps: 100.0,
                to_rps: 200.0,
            },
            Profile::Spikes {
                spikes: vec![Spike {
                    start: SimTime(12_345),
                    duration: SimDuration(7 * S),
                    rps: 10.0,
                }],
            },
        ]);
        let i = integrate(&s, c, SimTime(0), SimTime(100 * S), 3, None);
        assert!(close(i.demand, 18_070.0, 1e-12), "{i:?}");
        assert_eq!(i.served, i.demand);
        // Odd lengths (half-millisecond midpoints) stay exact: [0, 20,001 ms] of the ramp is
        // 100 × 10 + (100 + (100 + 100 × 10.001/20)) / 2 × 10.001 = 1000 + 125.0025 × 10.001.
        let ramp_only = spec(vec![s.profiles[0].clone()]);
        let i = integrate(&ramp_only, c, SimTime(0), SimTime(20_001), 1, None);
        let want = 1000.0 + (100.0 + 100.0 + 100.0 * 10.001 / 20.0) / 2.0 * 10.001;
        assert!(close(i.demand, want, 1e-12), "{} vs {want}", i.demand);
    }

    #[test]
    fn integral_of_a_diurnal_day_is_its_mean() {
        // Any whole day on a weekday: the cosine integrates to zero, leaving (300 + 100)/2 × 86,400
        // = 17,280,000 requests. Saturday: half of it.
        let s = spec(vec![diurnal(0.5)]);
        let c = &UTC_MONDAY;
        let day = 24 * H;
        let from = SimTime(day + 3 * H + 17); // Tuesday 03:00:00.017
        let i = integrate(&s, c, from, from + SimDuration(day), 1, None);
        assert!(close(i.demand, 17_280_000.0, 1e-6), "{}", i.demand);
        let sat = SimTime(5 * day);
        let i = integrate(&s, c, sat, sat + SimDuration(day), 1, None);
        assert!(close(i.demand, 8_640_000.0, 1e-6), "{}", i.demand);
        // Friday noon to Saturday noon straddles the weekend midnight: the pieces add up.
        let fri = SimTime(4 * day + 12 * H);
        let whole = integrate(&s, c, fri, fri + SimDuration(day), 1, None);
        let mut parts = Integral::default();
        for k in 0..24 {
            let a = fri + SimDuration(k * H);
            parts += integrate(&s, c, a, a + SimDuration(H), 1, None);
        }
        assert!(close(whole.demand, parts.demand, 1e-9));
        // Friday 12:00–24:00 full, Saturday 00:00–12:00 halved: 12 h of weekday mean weighted.
        assert!(whole.demand < 17_280_000.0 && whole.demand > 8_640_000.0);
    }

    #[test]
    fn long_intervals_equal_the_sum_of_short_ones() {
        let c = &UTC_MONDAY;
        let s = spec(vec![
            Profile::Constant { rps: 50.0 },
            diurnal(0.7),
            Profile::Noise {
                sigma: 0.3,
                interval: SimDuration(45 * S),
                key: 3,
            },
            series(
                &[(0, 10.0), (600 * S, 40.0), (1300 * S, 0.0)],
                Interpolation::Linear,
                Some(1800 * S),
            ),
        ]);
        let (from, to) = (SimTime(17), SimTime(2 * 24 * H + 17));
        let whole = integrate(&s, c, from, to, 4, Some(80.0));
        let mut parts = Integral::default();
        let mut a = from;
        while a < to {
            let b = (a + SimDuration(60 * S)).min(to);
            parts.add(&integrate(&s, c, a, b, 4, Some(80.0)));
            a = b;
        }
        assert!(close(whole.demand, parts.demand, 1e-9));
        // Served differs by where panels fall around the kinks of min(D, C): a few requests in
        // 4 × 10⁷ (measured 3.2, 8 × 10⁻⁸ relative).
        assert!(close(whole.served, parts.served, 1e-6));
        assert!(close(whole.per_pod_share, parts.per_pod_share, 1e-6));
        assert!(whole.served <= whole.demand);
        // Unserved time is counted per panel either way; panels differ, so allow a few minutes.
        assert!(whole.unserved_ms.abs_diff(parts.unserved_ms) < 600_000);
    }

    #[test]
    fn parse_reads_named_and_default_columns() {
        let text = "# a comment\n\ntime_s, \"value\" ,other\n0,10,x\n\n# mid comment\n1800,12.5,y\n3600,0,z\n";
        let pts = parse_series(text, &SeriesOptions::default()).unwrap();
        assert_eq!(pts, vec![(0.0, 10.0), (1800.0, 12.5), (3600.0, 0.0)]);
        let opts = SeriesOptions {
            time_column: Some("time_s".into()),
            value_column: Some("value".into()),
        };
        assert_eq!(parse_series(text, &opts).unwrap(), pts);
        let crlf = "t,v\r\n1,2\r\n3,4\r\n";
        assert_eq!(
            parse_series(crlf, &SeriesOptions::default()).unwrap(),
            vec![(1.0, 2.0), (3.0, 4.0)]
        );
    }

    #[test]
    fn parse_errors_name_the_line() {
        let d = SeriesOptions::default();
        let e = parse_series("time_s,value\n0,1\n60,abc\n", &d).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (3, Some("value")));
        assert_eq!(
            e.to_string(),
            "line 3, column `value`: `abc` is not a number"
        );
        // Comments and blank lines count: the decreasing time is on line 5.
        let e = parse_series("time_s,value\n0,1\n# c\n\n-5,2\n", &d).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (5, Some("time_s")));
        assert!(e.message.contains("strictly increase"), "{e}");
        // Equal times are refused too.
        let e = parse_series("t,v\n0,1\n0,2\n", &d).unwrap_err();
        assert_eq!(e.line, 3);
        // A named column missing from the header.
        let opts = SeriesOptions {
            time_column: None,
            value_column: Some("rps".into()),
        };
        let e = parse_series("# hdr\ntime_s,value\n0,1\n", &opts).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (2, Some("rps")));
        // A header with one column, a row with a missing field.
        assert_eq!(parse_series("time_s\n0\n", &d).unwrap_err().line, 1);
        let e = parse_series("time_s,value\n0,1\n60\n", &d).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (3, Some("value")));
        // Negative and non-finite values, empty files and header-only files.
        assert_eq!(parse_series("t,v\n0,-1\n", &d).unwrap_err().line, 2);
        assert_eq!(parse_series("t,v\n0,1\nNaN,2\n", &d).unwrap_err().line, 3);
        assert_eq!(parse_series("t,v\n0,inf\n", &d).unwrap_err().line, 2);
        assert_eq!(parse_series("", &d).unwrap_err().line, 1);
        assert_eq!(parse_series("# only\n\nt,v\n", &d).unwrap_err().line, 3);
    }

    #[test]
    fn the_electricity_trace_parses() {
        let text = include_str!("../../scenarios/traces/electricity-demand-halfhourly.csv");
        let pts = parse_series(text, &SeriesOptions::default()).unwrap();
        assert_eq!(pts.len(), 4032);
        assert_eq!(pts[0], (0.0, 22262.0));
        assert_eq!(pts[1].0, 1800.0);
        assert_eq!(pts[4031].0, 4031.0 * 1800.0);
        // Seconds → ms, a week squeezed into a day (time_scale 1/7), 1 MW = 0.01 rps, from 1 h.
        let sim = series_points(&pts, 1000.0, 1.0 / 7.0, 0.01, SimDuration::from_mins(60));
        assert_eq!(sim.len(), 4032);
        assert_eq!(sim[0], (SimTime(3_600_000), 222.62));
        // 1800 s / 7 = 257,142.857 ms → 257,143.
        assert_eq!(sim[1].0, SimTime(3_600_000 + 257_143));
    }

    #[test]
    fn series_points_round_and_keep_the_last_duplicate() {
        let raw = [(10.0, 1.0), (10.4, 2.0), (10.6, 3.0), (12.0, 4.0)];
        // Unit 1 ms, scale 1: offsets 0, 0.4 → 0, 0.6 → 1, 2; the row at 0.4 ms replaces the first.
        let pts = series_points(&raw, 1.0, 1.0, 2.0, SimDuration(100));
        assert_eq!(
            pts,
            vec![
                (SimTime(100), 4.0),
                (SimTime(101), 6.0),
                (SimTime(102), 8.0)
            ]
        );
        assert!(series_points(&[], 1.0, 1.0, 1.0, SimDuration(0)).is_empty());
    }

    /// Rough speed of `integrate`: `cargo test --release --lib speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn speed_of_integrate() {
        let s = spec(vec![
            Profile::Constant { rps: 50.0 },
            diurnal(0.7),
            Profile::Noise {
                sigma: 0.1,
                interval: SimDuration(60 * S),
                key: 9,
            },
        ]);
        let c = &UTC_MONDAY;
        let n = 7 * 24 * 60; // a simulated week of 60 s intervals
        let started = std::time::Instant::now();
        let mut total = Integral::default();
        for k in 0..n {
            let a = SimTime(k * 60 * S);
            total.add(&integrate(&s, c, a, a + SimDuration(60 * S), 3, Some(40.0)));
        }
        let ns = started.elapsed().as_nanos() as f64 / n as f64;
        println!("integrate, 60 s, constant + diurnal + noise: {ns:.0} ns per call ({total:?})");
        // Misaligned noise (two pieces a call), a weekend factor, 200 spikes and a looped series.
        let spikes = (0..200)
            .map(|i| Spike {
                start: SimTime(i * 3000 * S),
                duration: SimDuration(300 * S),
                rps: 20.0,
            })
            .collect();
        let s = spec(vec![
            Profile::Constant { rps: 50.0 },
            diurnal(0.7),
            Profile::Noise {
                sigma: 0.1,
                interval: SimDuration(45 * S),
                key: 9,
            },
            Profile::Spikes { spikes },
            series(
                &(0..48)
                    .map(|i| (i * 1800 * S, (i % 7) as f64))
                    .collect::<Vec<_>>(),
                Interpolation::Linear,
                Some(24 * H),
            ),
        ]);
        let started = std::time::Instant::now();
        let mut total = Integral::default();
        for k in 0..n {
            let a = SimTime(k * 60 * S);
            total.add(&integrate(&s, c, a, a + SimDuration(60 * S), 3, Some(40.0)));
        }
        let ns = started.elapsed().as_nanos() as f64 / n as f64;
        println!(
            "integrate, 60 s, five profiles incl. 200 spikes: {ns:.0} ns per call ({total:?})"
        );
    }
}
