//! The event kernel: integer time, a `(time, phase, seq)`-ordered queue and named random streams.
//!
//! Knows nothing about Kubernetes. The simulation on top (`crate::sim`) decides what an event means;
//! the kernel only guarantees order, bounds and reproducible randomness.

pub mod queue;
pub mod rng;
pub mod time;

pub use queue::{EventQueue, Phase, Scheduled};
pub use rng::RngStreams;
pub use time::{SimDuration, SimTime};
