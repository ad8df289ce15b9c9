//! kube-scheduler's Score plugins that aksim models, with their default weights
//! (`pkg/scheduler/apis/config/v1/default_plugins.go`): TaintToleration 3, NodeAffinity 2,
//! PodTopologySpread 2, InterPodAffinity 2, NodeResourcesFit (LeastAllocated) 1,
//! NodeResourcesBalancedAllocation 1, ImageLocality 1. NodeAffinity and InterPodAffinity give
//! every node the same score here (no preferred terms are modelled), so they are left out.

pub const MAX_NODE_SCORE: i64 = 100;
pub const WEIGHT_TAINT: i64 = 3;
pub const WEIGHT_SPREAD: i64 = 2;
pub const WEIGHT_FIT: i64 = 1;
pub const WEIGHT_BALANCED: i64 = 1;
pub const WEIGHT_IMAGE: i64 = 1;

/// LeastAllocated: per resource `(allocatable − requested) × 100 / allocatable` (0 when over),
/// averaged over cpu and memory with weight 1 each, integer arithmetic (`least_allocated.go`).
/// `requested` includes the incoming pod and uses non-zero defaults.
pub fn least_allocated(cpu_req: u64, cpu_alloc: u64, mem_req: u64, mem_alloc: u64) -> i64 {
    let one = |req: u64, alloc: u64| -> i64 {
        if alloc == 0 || req > alloc {
            0
        } else {
            ((alloc - req) as i64 * MAX_NODE_SCORE) / alloc as i64
        }
    };
    (one(cpu_req, cpu_alloc) + one(mem_req, mem_alloc)) / 2
}

/// BalancedAllocation: `(1 − |f_cpu − f_mem| / 2) × 100`, fractions capped at 1, using the
/// pod's actual requests (`balanced_allocation.go`).
pub fn balanced_allocation(cpu_req: u64, cpu_alloc: u64, mem_req: u64, mem_alloc: u64) -> i64 {
    let frac = |r: u64, a: u64| {
        if a == 0 {
            1.0
        } else {
            (r as f64 / a as f64).min(1.0)
        }
    };
    let std = (frac(cpu_req, cpu_alloc) - frac(mem_req, mem_alloc)).abs() / 2.0;
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// ImageLocality for a single-container pod: the image size scaled by the share of nodes that
/// have it, clamped to 23 MiB–1000 MiB and mapped to 0–100 (`image_locality.go`). 0 when the
/// node lacks the image.
pub fn image_locality(size: u64, nodes_with_image: u32, total_nodes: u32, on_node: bool) -> i64 {
    const MB: i64 = 1024 * 1024;
    const MIN: i64 = 23 * MB;
    const MAX: i64 = 1000 * MB;
    if !on_node || total_nodes == 0 {
        return 0;
    }
    let spread = f64::from(nodes_with_image) / f64::from(total_nodes);
    let sum = ((size as f64 * spread) as i64).clamp(MIN, MAX);
    MAX_NODE_SCORE * (sum - MIN) / (MAX - MIN)
}

/// `DefaultNormalizeScore` with reverse (TaintToleration): fewer intolerable
/// PreferNoSchedule taints score higher; all 100 when nobody has any.
pub fn normalize_reverse(scores: &mut [i64]) {
    let max = scores.iter().copied().max().unwrap_or(0);
    for s in scores.iter_mut() {
        *s = if max == 0 {
            MAX_NODE_SCORE
        } else {
            MAX_NODE_SCORE - MAX_NODE_SCORE * *s / max
        };
    }
}

/// PodTopologySpread raw score for one constraint: `count × ln(domains + 2) + (maxSkew − 1)`
/// (`scoring.go`, `scoreForCount` and `topologyNormalizingWeight`).
pub fn spread_raw(count: u32, domains: usize, max_skew: u32) -> f64 {
    spread_for_count(count, topology_weight(domains), max_skew)
}

/// `topologyNormalizingWeight`: ln(domains + 2).
pub fn topology_weight(domains: usize) -> f64 {
    libm::log((domains + 2) as f64)
}

/// `scoreForCount`: count × weight + (maxSkew − 1).
pub fn spread_for_count(count: u32, weight: f64, max_skew: u32) -> f64 {
    f64::from(count) * weight + f64::from(max_skew) - 1.0
}

/// PodTopologySpread normalisation: `100 × (max + min − s) / max`, all 100 when max is 0.
pub fn normalize_spread(scores: &mut [i64]) {
    let (min, max) = scores
        .iter()
        .fold((i64::MAX, 0), |(lo, hi), &s| (lo.min(s), hi.max(s)));
    for s in scores.iter_mut() {
        *s = if max == 0 {
            MAX_NODE_SCORE
        } else {
            MAX_NODE_SCORE * (max + min - *s) / max
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_allocated_integer_maths() {
        // cpu: (4000 − 1000) × 100 / 4000 = 75; memory: (8 − 6) × 100 / 8 = 25; (75 + 25) / 2 = 50.
        assert_eq!(least_allocated(1000, 4000, 6 << 30, 8 << 30), 50);
        // Over-committed resource scores 0: (0 + 50) / 2 = 25.
        assert_eq!(least_allocated(5000, 4000, 4 << 30, 8 << 30), 25);
    }

    #[test]
    fn balanced_allocation_formula() {
        // f_cpu = 0.5, f_mem = 0.25: (1 − 0.125) × 100 = 87.5 → 87.
        assert_eq!(balanced_allocation(2000, 4000, 2 << 30, 8 << 30), 87);
        assert_eq!(balanced_allocation(1000, 4000, 2 << 30, 8 << 30), 100);
    }

    #[test]
    fn image_locality_clamps_and_spreads() {
        // 5 GiB image on 1 of 10 nodes: 512 MiB effective → 100 × (512 − 23) / 977 = 50.
        assert_eq!(image_locality(5 << 30, 1, 10, true), 50);
        // On every node: clamped at 1000 MiB → 100.
        assert_eq!(image_locality(5 << 30, 10, 10, true), 100);
        // A small image stays below the 23 MiB floor → 0; absent image → 0.
        assert_eq!(image_locality(10 << 20, 10, 10, true), 0);
        assert_eq!(image_locality(5 << 30, 1, 10, false), 0);
    }

    #[test]
    fn spread_example_from_reference() {
        // Reference §3.2: 3 zones × 2 nodes, 4 matching pods: z1 = {1, 1}, z2 = {1, 0}, z3 = {1, 0},
        // system defaults (hostname maxSkew 3 over 6 nodes, zone maxSkew 5 over 3 zones).
        let raw = |node_count: u32, zone_count: u32| {
            (spread_raw(node_count, 6, 3) + spread_raw(zone_count, 3, 5)).round() as i64
        };
        let mut s = vec![
            raw(1, 2),
            raw(1, 2),
            raw(1, 1),
            raw(0, 1),
            raw(1, 1),
            raw(0, 1),
        ];
        assert_eq!(s, vec![11, 11, 10, 8, 10, 8]);
        normalize_spread(&mut s);
        assert_eq!(s, vec![72, 72, 81, 100, 81, 100]);
    }

    #[test]
    fn reverse_normalisation() {
        let mut s = vec![0, 1, 2];
        normalize_reverse(&mut s);
        assert_eq!(s, vec![100, 50, 0]);
        let mut z = vec![0, 0];
        normalize_reverse(&mut z);
        assert_eq!(z, vec![100, 100]);
    }
}
