//! The size guard: an upper estimate of the memory a run holds at its peak — its nodes, its
//! pods, its trace rows, its deployments — checked against `simulation.memory_limit` when the
//! scenario is validated, so that a run that would not fit is refused with the estimate and
//! the setting to change instead of aborting halfway.
//!
//! What grows with the run's length is not held: samples and the event log are written as the
//! run goes (`report::stream`), and the charts keep a bounded number of points. The event log
//! of one instant is held until the instant ends (about 170 bytes a pod placed or refused in
//! it), which the twofold rounding of the figures below covers.

use super::model::{Action, Scenario};
use crate::api::network::MAX_NODES_PER_POOL;

/// `simulation.memory_limit` when the scenario does not set it.
pub const DEFAULT_MEMORY_LIMIT_BYTES: u64 = 4 << 30;

// Bytes per thing held, from peak resident sizes of aksim's own runs (benches/README.md,
// "Memory"), rounded up about twofold: a pod measured about 240 bytes (200,000 and 1,000,000
// replicas on 5,000 nodes), a trace row about 95, a deployment about 3 KiB, a node with its
// DaemonSet pods under 2 KiB.
/// The process itself (code, buffers, the outputs' bounded parts), counted once per process.
pub const BASE_BYTES: u64 = 64 << 20;
const NODE_BYTES: u64 = 4 << 10;
const POD_BYTES: u64 = 512;
const TRACE_ROW_BYTES: u64 = 192;
const DEPLOYMENT_BYTES: u64 = 8 << 10;

/// A run's memory at its peak, estimated from above, and what it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    pub bytes: u64,
    /// Nodes at most: every pool at its largest (`max_count` if autoscaled, else its count
    /// grown by every `add_nodes`), within AKS's limit per pool.
    pub nodes: u64,
    /// Replicas at most: each deployment at the largest count it can be given (its replicas,
    /// its HPA's `max_replicas`, its `scale` events).
    pub pods: u64,
    pub trace_rows: u64,
    pub deployments: u64,
}

/// The estimate for `s`.
pub fn estimate(s: &Scenario) -> Estimate {
    let mut nodes: Vec<u64> = s
        .pools
        .iter()
        .map(|p| {
            if p.enable_auto_scaling {
                u64::from(p.max_count.max(p.count))
            } else {
                u64::from(p.count)
            }
        })
        .collect();
    let mut pods: Vec<u64> = s
        .deployments
        .iter()
        .map(|d| {
            let hpa = d.hpa.as_ref().map_or(0, |h| h.max_replicas);
            u64::from(d.replicas.max(hpa))
        })
        .collect();
    for a in &s.actions {
        match a.action {
            Action::AddNodes { pool, count } => nodes[pool] += u64::from(count),
            Action::Scale {
                deployment,
                replicas,
            } => pods[deployment] = pods[deployment].max(u64::from(replicas)),
            _ => {}
        }
    }
    let nodes: u64 = nodes
        .into_iter()
        .map(|n| n.min(u64::from(MAX_NODES_PER_POOL)))
        .sum();
    let pods: u64 = pods.iter().sum();
    let trace_rows: u64 = s.traces.iter().map(|t| t.trace.pods.len() as u64).sum();
    let deployments = s.deployments.len() as u64;
    // A trace row is held for the whole run; its pod, while it lives, is one more pod.
    let bytes = BASE_BYTES
        .saturating_add(nodes.saturating_mul(NODE_BYTES))
        .saturating_add(pods.saturating_mul(POD_BYTES))
        .saturating_add(trace_rows.saturating_mul(TRACE_ROW_BYTES + POD_BYTES))
        .saturating_add(deployments.saturating_mul(DEPLOYMENT_BYTES));
    Estimate {
        bytes,
        nodes,
        pods,
        trace_rows,
        deployments,
    }
}

impl Estimate {
    /// "about 1.2 GiB (5,000 nodes, 2,000,000 pods, 0 trace rows, 3 deployments at their peak)".
    pub fn describe(&self) -> String {
        format!(
            "about {} ({} nodes, {} pods, {} trace rows, {} deployments at their peak)",
            gib(self.bytes),
            thousands(self.nodes),
            thousands(self.pods),
            thousands(self.trace_rows),
            thousands(self.deployments)
        )
    }
}

/// Bytes as GiB with one decimal, or MiB below 1 GiB.
pub fn gib(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
    } else {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(toml: &str) -> Scenario {
        crate::load_str("size.toml", toml, &[])
            .map_err(|e| e.to_string())
            .unwrap()
            .scenario
    }

    const BASE: &str = "[simulation]\nname = \"s\"\nduration = \"1h\"\n\
        [[node_pool]]\nname = \"system\"\nmode = \"system\"\nvm_size = \"Standard_D4s_v5\"\ncount = 3\n\
        [[node_pool]]\nname = \"user\"\nvm_size = \"Standard_D4s_v5\"\ncount = 2\n\
        enable_auto_scaling = true\nmin_count = 1\nmax_count = 40\n";

    #[test]
    fn the_peak_takes_each_pool_and_deployment_at_its_largest() {
        let s = scenario(&format!(
            "{BASE}[[deployment]]\nname = \"web\"\nreplicas = 10\n\
             [deployment.hpa]\nmax_replicas = 50\n\
             [[deployment]]\nname = \"api\"\nreplicas = 5\n\
             [[event]]\nat = \"5m\"\naction = \"scale\"\ndeployment = \"api\"\nreplicas = 70\n\
             [[event]]\nat = \"9m\"\naction = \"scale\"\ndeployment = \"api\"\nreplicas = 1\n"
        ));
        let e = estimate(&s);
        // Nodes: system 3 + user at max_count 40. Pods: web's HPA max 50 + api's largest 70.
        assert_eq!(
            (e.nodes, e.pods, e.trace_rows, e.deployments),
            (43, 120, 0, 2)
        );
        // 64 MiB + 43 × 4 KiB + 120 × 512 B + 2 × 8 KiB.
        assert_eq!(e.bytes, (64 << 20) + 43 * 4096 + 120 * 512 + 2 * 8192);
        assert_eq!(
            e.describe(),
            "about 65 MiB (43 nodes, 120 pods, 0 trace rows, 2 deployments at their peak)"
        );
    }

    #[test]
    fn sizes_read_as_a_person_writes_them() {
        assert_eq!(gib(3 << 29), "1.5 GiB");
        assert_eq!(gib(1), "1 MiB");
        assert_eq!(thousands(2_000_000), "2,000,000");
        assert_eq!(thousands(999), "999");
    }
}
