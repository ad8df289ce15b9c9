//! The controllers: one module per Kubernetes and AKS component, each found by its name. A
//! controller owns its own state (if any) and acts on the shared [`World`](crate::world::World)
//! through handlers called by `Sim::step`; the pure decisions (the replica calculator, the
//! autoscaler's estimator and expanders, the scheduler's filters and scores) are in their own
//! modules beneath.

pub mod cluster_autoscaler;
pub mod hpa;
pub mod job;
pub mod kube_scheduler;
pub mod kubelet;
pub mod metrics_server;
pub mod node_lifecycle;
pub mod replicaset;
