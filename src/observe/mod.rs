//! What a run records: the event log (one JSON object per decision or transition), the time
//! series sampled on the sample interval, the cost meter, and the statistics of the summary.
//!
//! Recording is plain data appended in memory in simulation order, so outputs depend on the
//! scenario and seed only; `crate::report` writes them to files at the end of a run.

pub mod cost;
pub mod csv;
pub mod eventlog;
pub mod json;
pub mod record;

pub use cost::CostMeter;
pub use eventlog::{Emitted, EventLog, Tap};
pub use record::Record;

use serde::Serialize;

/// The index of the nearest-rank p-th percentile in a sorted list of `n` ≥ 1 values: the
/// smallest value with at least p % of the values at or below it (integer arithmetic, so that
/// no rounding moves a rank).
pub fn nearest_rank(p: u64, n: usize) -> usize {
    let n = n as u64;
    ((p * n).div_ceil(100)).max(1) as usize - 1
}

/// One row of `timeseries.csv`: one pool and zone at one sample instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleRow {
    pub time_s: u64,
    pub time: String,
    pub pool: String,
    pub zone: String,
    pub nodes_ready: u32,
    /// Registered nodes whose Ready condition is False (zone outage, failed VM).
    pub nodes_not_ready: u32,
    pub nodes_provisioning: u32,
    pub pods_running: u32,
    pub pods_pending: u32,
    pub cpu_allocatable_m: u64,
    pub cpu_requested_m: u64,
    pub memory_allocatable_mib: u64,
    pub memory_requested_mib: u64,
    pub cost_per_hour_usd: String,
    pub cumulative_cost_usd: String,
}

/// One deployment at one sample instant (a row of `deployments.csv`, kept as numbers: a
/// week of 500 deployments is a million rows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeploymentRow {
    pub time_s: u64,
    /// Index in the scenario's deployments.
    pub deployment: u32,
    /// The replica count the deployment asks for (the HPA's last decision).
    pub desired: u32,
    /// Ready pods (serving).
    pub ready: u32,
    /// Pods not yet running: unscheduled, or pulling their image.
    pub pending: u32,
    /// CPU use over requests, percent, as the HPA last computed it (none without an HPA or
    /// before its first valid CPU metric).
    pub cpu_utilization: Option<i32>,
    pub demand_rps: f64,
    pub served_rps: f64,
}

/// A `DeploymentRow` as written to `deployments.csv`.
#[derive(Debug, Serialize)]
pub struct DeploymentCsvRow<'a> {
    pub time_s: u64,
    pub time: &'a str,
    pub deployment: &'a str,
    pub desired: u32,
    pub ready: u32,
    pub pending: u32,
    pub cpu_utilization: String,
    pub demand_rps: String,
    pub served_rps: String,
}

/// Exact percentiles over recorded durations (nearest-rank), kept as a count per distinct
/// value: a long run creates millions of pods whose waits take few distinct values, so the
/// memory follows the values, not the pods.
#[derive(Debug, Clone, Default)]
pub struct Durations {
    counts: std::collections::BTreeMap<u64, u64>,
    len: u64,
    sum_ms: u128,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50_s: f64,
    pub p95_s: f64,
    pub p99_s: f64,
    pub max_s: f64,
    pub mean_s: f64,
}

impl Durations {
    pub fn push(&mut self, ms: u64) {
        *self.counts.entry(ms).or_insert(0) += 1;
        self.len += 1;
        self.sum_ms += u128::from(ms);
    }

    /// The `rank`-th smallest value (0-based), walking the counts in order.
    fn at_rank(&self, rank: u64) -> u64 {
        let mut seen = 0;
        for (v, n) in &self.counts {
            seen += n;
            if seen > rank {
                return *v;
            }
        }
        self.counts.keys().next_back().copied().unwrap_or(0)
    }

    /// Nearest-rank percentiles: the smallest value with at least p % of values at or below it.
    pub fn percentiles(&self) -> Percentiles {
        let n = self.len as usize;
        let rank = |p: u64| -> f64 {
            if n == 0 {
                return 0.0;
            }
            self.at_rank(nearest_rank(p, n) as u64) as f64 / 1000.0
        };
        let mean = if n == 0 {
            0.0
        } else {
            self.sum_ms as f64 / n as f64 / 1000.0
        };
        Percentiles {
            count: n,
            p50_s: rank(50),
            p95_s: rank(95),
            p99_s: rank(99),
            max_s: self
                .counts
                .keys()
                .next_back()
                .map_or(0.0, |x| *x as f64 / 1000.0),
            mean_s: round3(mean),
        }
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_the_smallest_value_covering_p_percent() {
        // 20 values: p5 → rank ceil(1) = 1st, p50 → 10th, p95 → 19th.
        assert_eq!(nearest_rank(5, 20), 0);
        assert_eq!(nearest_rank(50, 20), 9);
        assert_eq!(nearest_rank(95, 20), 18);
        // 3 values: p5 → ceil(0.15) = 1st, p50 → ceil(1.5) = 2nd, p95 → ceil(2.85) = 3rd.
        assert_eq!(nearest_rank(5, 3), 0);
        assert_eq!(nearest_rank(50, 3), 1);
        assert_eq!(nearest_rank(95, 3), 2);
        assert_eq!(nearest_rank(50, 1), 0);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let mut d = Durations::default();
        for s in 1..=20 {
            d.push(s * 1000);
        }
        let p = d.percentiles();
        // 20 values: p50 → rank 10 → 10 s; p95 → rank 19 → 19 s; p99 → rank 20 → 20 s.
        assert_eq!(
            (p.count, p.p50_s, p.p95_s, p.p99_s, p.max_s),
            (20, 10.0, 19.0, 20.0, 20.0)
        );
        assert_eq!(p.mean_s, 10.5);
        assert_eq!(Durations::default().percentiles().count, 0);
    }
}
