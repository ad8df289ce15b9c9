//! aksim's integration tests, one binary:
//! - `support`: runs inline scenarios through the library;
//! - `cli`: the `aksim` command end to end (run, validate, compare, --explain, files written,
//!   exit codes);
//! - `autoscaler`: the Cluster Autoscaler in whole runs: burst, scale-down timing, outage, subnet;
//! - `bad_input`: every class of bad scenario gives exit code 2, names the line and writes nothing;
//! - `ca_properties`: random autoscaled clusters with faults keep the autoscaler's bookkeeping;
//! - `ca_config`: `[autoscaler]`, `[quota]`, pool faults, budgets and fault events, parsed and refused;
//! - `determinism`: same seed → byte-identical files, with or without a tap on the event log;
//!   another seed → other delays;
//! - `behaviour`: small scenarios pinning scheduling, image pulls, scale-down order, costs;
//! - `fuzz`: mutated scenario text is refused with located messages or runs without a panic;
//!   `many` and `one` (ignored) run long campaigns and reruns;
//! - `hpa`: the Horizontal Pod Autoscaler in whole runs, trajectories computed by hand;
//! - `properties`: random scenarios keep the cluster's invariants.
//! - `report_html`: report.html is self-contained and escaped, and renders in headless Chromium;
//! - `swarm`: random valid scenarios over the whole input space, run with the invariants
//!   checked after every instant; `many` and `one` (ignored) run long campaigns and reruns;
//! - `sweep`: parameter sweeps: the same tables with 1 or 2 jobs and 1 or 3 shards, resume after a
//!   kill, merge's refusals, progress lines off a terminal, bad sweep files, exit codes;
//! - `workloads`: loads, HPAs and pod traces: bad input, CSV files, batch pods;
//! - `regressions`: one test per fixed bug, named after it.

mod autoscaler;
mod bad_input;
mod behaviour;
mod ca_config;
mod ca_properties;
mod cli;
mod determinism;
mod fuzz;
mod hpa;
mod properties;
mod regressions;
mod report_html;
mod support;
mod swarm;
mod sweep;
mod workloads;
