//! The Kubernetes and Azure object types, beneath everything that reads or changes them: the
//! scenario lowers TOML into them, the cluster holds them, the scheduler and the controllers
//! decide over them. Plain data and pure functions; nothing here knows of the simulation.
//!
//! Kubernetes: quantities, labels, taints and tolerations, pod templates with their spread
//! constraints, PodDisruptionBudgets, DaemonSets, the scheduler's configuration. Azure and AKS:
//! VM sizes with their prices (`catalogue`), node allocatable, node pools, the network profile
//! and AKS's node limits.

pub mod allocatable;
pub mod catalogue;
pub mod labels;
pub mod network;
pub mod pod;
pub mod pool;
pub mod quantity;
pub mod scheduler;
pub mod taints;

pub use allocatable::{Allocatable, Os, WindowsMemoryReservation, allocatable};
pub use catalogue::{Sku, VcpuQuota};
pub use labels::*;
pub use network::{NetworkPlugin, NetworkSettings};
pub use pod::{
    DaemonSetSpec, ImageSpec, IntOrPercent, Pdb, PodTemplate, SpreadConstraint, TopologyKey,
    non_zero_cpu, non_zero_memory,
};
pub use pool::{Delay, Mode, PoolSpec, Priority};
pub use scheduler::SchedulerSettings;
pub use taints::{
    Labels, Taint, TaintEffect, Toleration, parse_taint, selector_matches, tolerated,
};
