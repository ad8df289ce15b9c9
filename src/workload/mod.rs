//! Workloads: what the pods are asked to do. `load.rs` turns a deployment's demand profiles
//! into requests per second as a function of time and integrates what the ready pods serve;
//! `trace/` reads batch pods from a CSV trace (aksim's columns or Alibaba's
//! `cluster-trace-gpu-v2023` pod lists). Both are plain data in, plain data out: the
//! simulation reads the load when it samples metrics and feeds trace pods one arrival at a time.

pub mod load;
pub mod trace;

use crate::engine::{SimDuration, SimTime};

/// A deployment's `[deployment.load]`, validated. Rates are requests per second.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSpec {
    /// CPU one request per second costs, in millicores (`cpu_per_request = "10m"`).
    pub cpu_per_request_millis: f64,
    /// Memory per request in flight per second, in bytes.
    pub memory_per_request_bytes: f64,
    /// What a ready pod uses with no traffic.
    pub baseline_cpu_millis: f64,
    pub baseline_memory_bytes: f64,
    /// Requests per second one pod can serve; `None` = bounded only by the CPU limit (if any).
    pub max_rps_per_pod: Option<f64>,
    /// Summed, then multiplied by every `Noise` profile.
    pub profiles: Vec<Profile>,
}

/// One demand profile. Times are simulation times (ms from the scenario's start).
#[derive(Debug, Clone, PartialEq)]
pub enum Profile {
    Constant {
        rps: f64,
    },
    /// `rps` from each `at` on (0 before the first step), in time order.
    Steps {
        steps: Vec<(SimTime, f64)>,
    },
    /// `from_rps` until `start`, linear to `to_rps` at `end`, `to_rps` after.
    Ramp {
        start: SimTime,
        end: SimTime,
        from_rps: f64,
        to_rps: f64,
    },
    /// A daily cycle on the scenario's wall clock (its `start` and UTC offset): `peak_rps` at
    /// `peak_hour`, `trough_rps` twelve hours away, a raised cosine between. On Saturdays and
    /// Sundays (local) the value is multiplied by `weekend_factor`.
    Diurnal {
        peak_rps: f64,
        trough_rps: f64,
        /// Hour of the local day, 0 ≤ h < 24 (fractions allowed).
        peak_hour: f64,
        weekend_factor: f64,
    },
    /// Rectangular bursts added on top, in time order (random ones are drawn when the
    /// scenario is loaded, from the stream `load/<deployment>/<profile index>`).
    Spikes {
        spikes: Vec<Spike>,
    },
    /// Multiplies the sum by a factor max(0, 1 + sigma × Z), Z standard normal, constant over
    /// each `interval` and drawn from `key` and the interval's index (random access: the value
    /// at a time does not depend on when or how often it is read).
    Noise {
        sigma: f64,
        interval: SimDuration,
        key: u64,
    },
    /// A replayed series, already shifted and scaled to simulation time and requests per
    /// second; sorted by time, at least one point.
    Series {
        points: Vec<(SimTime, f64)>,
        interpolation: Interpolation,
        /// Repeat the series with this period (`loop = true`: the span of the series plus one
        /// step); `None` holds the last value after the end and the first before the start.
        period: Option<SimDuration>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    pub start: SimTime,
    pub duration: SimDuration,
    pub rps: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// Straight lines between points.
    Linear,
    /// Each value holds until the next point.
    Step,
}

/// The scenario's wall clock, for profiles that follow the time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    /// Unix milliseconds at simulation time zero.
    pub start_unix_ms: i64,
    /// The UTC offset of the scenario's `start`, in seconds.
    pub offset_secs: i32,
}
