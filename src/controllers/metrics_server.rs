//! metrics-server: every `resolution` it samples each deployment that has a load or an HPA,
//! the mean over the window before the scrape (CPU is a rate between two scrapes); memory is
//! the working set at the scrape itself. Its state is each deployment's last sample and where
//! the current window opened.

use crate::cluster::DeploymentId;
use crate::engine::{SimDuration, SimTime};
use crate::world::{Event, World};

/// One metrics-server sample of a deployment: the mean over the window before `at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scrape {
    pub at: SimTime,
    pub window: SimDuration,
    /// Requests per second each ready pod served.
    pub rps_per_pod: f64,
    /// The deployment's demand, requests per second.
    pub demand_rps: f64,
    /// Requests per second each ready pod serves at `at` itself: memory is reported as the
    /// working set at the scrape, not as a mean.
    pub rps_per_pod_now: f64,
}

/// One deployment's metrics window.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// The cumulative values when the current window opened (per-pod share, ready time,
    /// demand), and when it did.
    at_scrape: (f64, u64, f64),
    window_from: SimTime,
    pub scrape: Option<Scrape>,
}

/// metrics-server's state.
#[derive(Debug, Clone, Default)]
pub struct MetricsServer {
    pub windows: Vec<Window>,
}

impl MetricsServer {
    pub fn new(deployments: usize) -> Self {
        MetricsServer {
            windows: vec![Window::default(); deployments],
        }
    }

    /// A scrape is due: sample every deployment, then arm the next scrape (and the opening of
    /// its window, when the window is shorter than the resolution).
    pub fn on_scrape(&mut self, world: &mut World, now: SimTime) {
        self.scrape(world, now);
        let m = &world.scenario.metrics_server;
        let next = now + m.resolution;
        if next <= world.end {
            world.queue.schedule(next, Event::MetricsScrape);
            if m.window < m.resolution {
                let open = SimTime(next.as_ms() - m.window.as_ms());
                world.queue.schedule(open, Event::MetricsWindowStart);
            }
        }
    }

    /// metrics-server: one sample per deployment with a load or an HPA, the mean over the
    /// time since the previous scrape (the first one, at a warm start, the rates of that
    /// instant: the cluster has been running).
    fn scrape(&mut self, world: &mut World, now: SimTime) {
        for d in 0..world.loads.len() {
            let spec = &world.scenario.deployments[d];
            if spec.load.is_none() && spec.hpa.is_none() {
                continue;
            }
            world.advance(DeploymentId(d as u32), now);
            let run = &world.loads[d];
            let window = &self.windows[d];
            let (share, ready_ms, demand) =
                (run.total.per_pod_share, run.ready_ms, run.total.demand);
            let (rps_per_pod_now, demand_now) = world.instant_rates(d, now);
            let scrape = match window.scrape {
                None => Scrape {
                    at: now,
                    window: world.scenario.metrics_server.resolution,
                    rps_per_pod: rps_per_pod_now,
                    demand_rps: demand_now,
                    rps_per_pod_now,
                },
                Some(_) => {
                    let (s0, r0, d0) = window.at_scrape;
                    let window = now.since(window.window_from);
                    let ready_s = (ready_ms - r0) as f64 / 1000.0;
                    Scrape {
                        at: now,
                        window,
                        rps_per_pod: if ready_s > 0.0 {
                            (share - s0) / ready_s
                        } else {
                            0.0
                        },
                        demand_rps: (demand - d0) / window.as_secs_f64().max(1e-3),
                        rps_per_pod_now,
                    }
                }
            };
            let window = &mut self.windows[d];
            window.at_scrape = (share, ready_ms, demand);
            window.window_from = now;
            window.scrape = Some(scrape);
        }
    }

    /// The next scrape's window opens: what has accumulated so far is not part of it.
    pub fn on_window_start(&mut self, world: &mut World, now: SimTime) {
        for d in 0..world.loads.len() {
            let spec = &world.scenario.deployments[d];
            if spec.load.is_none() && spec.hpa.is_none() {
                continue;
            }
            world.advance(DeploymentId(d as u32), now);
            let run = &world.loads[d];
            let window = &mut self.windows[d];
            window.at_scrape = (run.total.per_pod_share, run.ready_ms, run.total.demand);
            window.window_from = now;
        }
    }
}
