//! The Cluster Autoscaler (kubernetes/autoscaler `cluster-autoscaler`), reduced to the pure
//! decisions of a scale-up:
//!
//! - `estimator`: how many fresh nodes of one node group the pending pods need (the binpacking
//!   estimator with upstream's decreasing pod orderer and its stopping rules);
//! - `expander`: which of the candidate node groups to grow (random, most-pods, least-waste,
//!   least-nodes, priority, and aksim's own price rule), chained as with `--expander=a,b`;
//! - `balance`: how a chosen scale-up is spread over similar node groups
//!   (`--balance-similar-node-groups`, e.g. one pool per zone).
//!
//! These take plain numbers and return plain numbers; nothing here reads the cluster, the clock or
//! the event queue. The control loop that builds the inputs (pending pods, templates from the pool
//! definitions, upcoming nodes, backoff, scale-down) is still to come and will live beside them.
//! Upstream sources are named in each module (reference §2).

pub mod balance;
pub mod estimator;
pub mod expander;

pub use balance::balance;
pub use estimator::{Estimate, NodeTemplate, PodGroup, Resources, estimate};
pub use expander::{ExpansionOption, NamePattern, Strategy, UnsupportedPattern, choose};
