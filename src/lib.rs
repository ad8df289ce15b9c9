//! aksim: a discrete-event simulator of Azure Kubernetes Service clusters with Windows node
//! pools.
//!
//! It replays a TOML scenario — node pools with their VM sizes, zones and AKS allocatable,
//! deployments with their requests, images, traffic and HorizontalPodAutoscalers, batch pods
//! from traces, timed actions — and answers how many nodes of which pool ran in which zone, at
//! what cost, how long pods waited and how much traffic went unserved. The model follows
//! kube-scheduler, the kubelet's image pulls, the ReplicaSet controller, metrics-server, the
//! HPA controller, the Cluster Autoscaler with AKS's profile, the node lifecycle controller's
//! evictions, and AKS's node reservations, prices and Azure's refusals (see ARCHITECTURE.md
//! and the reference each module cites).
//!
//! Deliberately not modelled: the API server and etcd, networking beyond subnet addresses,
//! storage and volumes, preemption, inter-pod affinity, and container restarts.
//!
//! The library never touches the wall clock or the terminal, except the progress reporter of
//! a sweep (`sweep::progress`); `main.rs` does both.

pub mod api;
pub mod autoscaler;
pub mod cloud;
pub mod cluster;
pub mod compare;
pub mod controllers;
pub mod engine;
pub mod explain;
pub mod hpa;
pub mod observe;
pub mod report;
pub mod scenario;
pub mod scheduler;
pub mod sim;
pub mod sweep;
pub mod text;
pub mod workload;
pub mod world;

pub use scenario::{Loaded, Scenario, ScenarioError, load_file, load_str};
pub use sim::{Outputs, Sim, SimError};

/// Runs a validated scenario to its end and returns what the reports read. `progress(now,
/// end)` is called now and then.
pub fn simulate(
    scenario: Scenario,
    progress: &mut dyn FnMut(engine::SimTime, engine::SimTime),
) -> Result<Outputs, SimError> {
    let mut sim = Sim::new(scenario);
    sim.run(progress)?;
    Ok(sim.finish())
}

/// Runs a validated scenario to its end with `tap` seeing every event as it is emitted (see
/// `observe::EventLog::set_tap`); the outputs are the same as without it.
pub fn simulate_with_tap(
    scenario: Scenario,
    tap: observe::Tap,
    progress: &mut dyn FnMut(engine::SimTime, engine::SimTime),
) -> Result<Outputs, SimError> {
    let mut sim = Sim::new(scenario);
    sim.world.log.set_tap(tap);
    sim.run(progress)?;
    Ok(sim.finish())
}
