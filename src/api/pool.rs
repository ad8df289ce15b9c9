//! A node pool as `az aks nodepool add` describes it: its VM size, OS, mode, priority, zones,
//! counts, taints and labels, and the per-node delays and rates the simulation draws from.

use rand::RngExt;
use serde::Deserialize;

use super::{Allocatable, Labels, Os, Sku, Taint};
use crate::engine::SimDuration;
use crate::engine::rng::Stream;

/// `az aks nodepool add --mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    System,
    User,
}

/// `az aks nodepool add --priority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Regular,
    Spot,
}

#[derive(Debug, Clone)]
pub struct PoolSpec {
    pub name: String,
    pub mode: Mode,
    pub os: Os,
    pub os_sku: String,
    pub sku: Sku,
    /// Zone numbers as written ("1", "2", "3"); empty for a regional (non-zonal) pool.
    pub zones: Vec<String>,
    pub count: u32,
    pub enable_auto_scaling: bool,
    pub min_count: u32,
    pub max_count: u32,
    pub max_pods: u32,
    pub taints: Vec<Taint>,
    /// Labels the user gave (`node_labels`); well-known labels are added per node.
    pub labels: Labels,
    pub priority: Priority,
    pub spot_max_price: f64,
    pub provisioning_delay: Delay,
    pub image_pull_bytes_per_sec: u64,
    pub allocatable: Allocatable,
    /// What one node costs per hour (OS, spot and Azure Hybrid Benefit applied).
    pub price_per_hour: f64,
    /// Subnet addresses one node takes (Azure CNI: max_pods + 1; others: 1).
    pub ips_per_node: u64,
    /// Mean time between failures of one node (`mtbf`); `None` = nodes never fail on their own.
    pub mtbf: Option<SimDuration>,
    /// How long a failed node stays NotReady before AKS's node auto-repair brings it back.
    pub repair_time: SimDuration,
    /// Spot pools: evictions per node-hour (`spot_eviction_rate`), 0 = none.
    pub spot_eviction_rate: f64,
}

/// A delay drawn per occurrence (e.g. each node's VM create → Ready time).
#[derive(Debug, Clone, PartialEq)]
pub enum Delay {
    Fixed(SimDuration),
    Uniform {
        min: SimDuration,
        max: SimDuration,
    },
    /// Log-normal with the given median; `sigma` from the 95th percentile.
    LogNormal {
        median: SimDuration,
        p95: SimDuration,
        sigma: f64,
    },
}

impl Delay {
    pub fn lognormal(median: SimDuration, p95: SimDuration) -> Self {
        // p95 = median × e^(1.6449 σ)  ⇒  σ = ln(p95 / median) / 1.6449
        let sigma =
            libm::log(p95.as_ms() as f64 / median.as_ms().max(1) as f64) / 1.644_853_626_951_472_2;
        Delay::LogNormal { median, p95, sigma }
    }

    pub fn sample(&self, rng: &mut Stream) -> SimDuration {
        match *self {
            Delay::Fixed(d) => d,
            Delay::Uniform { min, max } => SimDuration(rng.random_range(min.0..=max.0)),
            Delay::LogNormal { median, sigma, .. } => {
                let ms = median.as_ms() as f64 * libm::exp(sigma * standard_normal(rng));
                // Bounded at 100 × the median so that one draw cannot stall a run.
                SimDuration(libm::round(ms).clamp(0.0, median.as_ms() as f64 * 100.0) as u64)
            }
        }
    }
}

/// A standard normal draw by Box–Muller, with the portable `libm` functions so that the same
/// seed gives the same delays on every platform (the system math library may differ by an ulp).
pub fn standard_normal(rng: &mut Stream) -> f64 {
    // u1 in (0, 1] so that ln(u1) is finite; both from 53-bit uniform draws.
    let u1 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn lognormal_delays_have_the_requested_median_and_p95() {
        // 20,000 draws of median 7m, p95 10m: the sample quantiles land within 2 %.
        let d = Delay::lognormal(SimDuration::from_secs(420), SimDuration::from_secs(600));
        let mut rng = RngStreams::new(9).stream("t");
        let mut v: Vec<u64> = (0..20_000).map(|_| d.sample(&mut rng).as_ms()).collect();
        v.sort_unstable();
        let (median, p95) = (v[10_000] as f64, v[19_000] as f64);
        assert!((median / 420_000.0 - 1.0).abs() < 0.02, "median {median}");
        assert!((p95 / 600_000.0 - 1.0).abs() < 0.02, "p95 {p95}");
    }

    #[test]
    fn uniform_and_fixed_delays() {
        let mut rng = RngStreams::new(9).stream("t");
        let u = Delay::Uniform {
            min: SimDuration(1000),
            max: SimDuration(2000),
        };
        assert!(
            (0..1000)
                .map(|_| u.sample(&mut rng).as_ms())
                .all(|x| (1000..=2000).contains(&x))
        );
        assert_eq!(
            Delay::Fixed(SimDuration(5)).sample(&mut rng),
            SimDuration(5)
        );
    }
}
