//! The cost meter: per-second billing of every node from the start of its provisioning to its
//! deletion, per pool and zone, in exact integer arithmetic.
//!
//! Prices are USD per hour; the meter keeps them as integer micro-dollars per hour and
//! accumulates `price × milliseconds` in a `u128`, so totals do not depend on how often the
//! meter is read. A deleted node is billed up to the next whole second (Azure bills per second).

use crate::engine::SimTime;

/// Micro-dollars per hour, from a USD-per-hour price.
pub fn micro_per_hour(usd_per_hour: f64) -> u64 {
    (usd_per_hour * 1_000_000.0).round().max(0.0) as u64
}

#[derive(Debug, Clone, Default)]
struct Slot {
    /// Σ price of live nodes, µUSD/h.
    rate: u64,
    /// Σ price × ms, µUSD·ms/h.
    acc: u128,
    /// Σ live nodes × ms (node-hours × 3.6e6).
    node_ms: u128,
    live: u32,
    last: SimTime,
}

impl Slot {
    fn advance(&mut self, now: SimTime) {
        let dt = u128::from(now.since(self.last).as_ms());
        self.acc += u128::from(self.rate) * dt;
        self.node_ms += u128::from(self.live) * dt;
        self.last = now;
    }
}

/// Costs per (pool, zone slot).
#[derive(Debug, Clone)]
pub struct CostMeter {
    slots: Vec<Slot>,
    zones_per_pool: usize,
}

const MS_PER_HOUR: u128 = 3_600_000;

impl CostMeter {
    pub fn new(pools: usize, zones_per_pool: usize) -> Self {
        CostMeter {
            slots: vec![Slot::default(); pools * zones_per_pool],
            zones_per_pool,
        }
    }

    fn slot(&mut self, pool: usize, zone: usize) -> &mut Slot {
        &mut self.slots[pool * self.zones_per_pool + zone]
    }

    /// A node starts billing at `now`.
    pub fn node_started(&mut self, pool: usize, zone: usize, price_micro: u64, now: SimTime) {
        let s = self.slot(pool, zone);
        s.advance(now);
        s.rate += price_micro;
        s.live += 1;
    }

    /// A node stops billing at `now`, having lived since `created`; the partial second is billed.
    pub fn node_stopped(
        &mut self,
        pool: usize,
        zone: usize,
        price_micro: u64,
        created: SimTime,
        now: SimTime,
    ) {
        let s = self.slot(pool, zone);
        s.advance(now);
        s.rate -= price_micro;
        s.live -= 1;
        let rem = now.since(created).as_ms() % 1000;
        if rem != 0 {
            s.acc += u128::from(price_micro) * u128::from(1000 - rem);
        }
    }

    /// Brings every slot up to `now`.
    pub fn advance_all(&mut self, now: SimTime) {
        for s in &mut self.slots {
            s.advance(now);
        }
    }

    /// Cumulative USD of one slot (call `advance_all` first).
    pub fn usd(&self, pool: usize, zone: usize) -> f64 {
        let s = &self.slots[pool * self.zones_per_pool + zone];
        s.acc as f64 / MS_PER_HOUR as f64 / 1_000_000.0
    }

    /// The slot's current rate in USD per hour.
    pub fn rate_usd(&self, pool: usize, zone: usize) -> f64 {
        self.slots[pool * self.zones_per_pool + zone].rate as f64 / 1_000_000.0
    }

    pub fn node_hours(&self, pool: usize, zone: usize) -> f64 {
        self.slots[pool * self.zones_per_pool + zone].node_ms as f64 / MS_PER_HOUR as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bills_per_second_exactly() {
        let mut m = CostMeter::new(1, 1);
        let price = micro_per_hour(0.376); // D4s_v5 Windows
        m.node_started(0, 0, price, SimTime(0));
        // 90 minutes at $0.376/h = $0.564.
        m.node_stopped(0, 0, price, SimTime(0), SimTime(5_400_000));
        m.advance_all(SimTime(10_000_000));
        assert!((m.usd(0, 0) - 0.564).abs() < 1e-12, "{}", m.usd(0, 0));
        assert!((m.node_hours(0, 0) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn partial_seconds_round_up() {
        let mut m = CostMeter::new(1, 1);
        let price = micro_per_hour(3.6); // $0.001 per second
        m.node_started(0, 0, price, SimTime(0));
        m.node_stopped(0, 0, price, SimTime(0), SimTime(1_500));
        // 1.5 s is billed as 2 s = $0.002.
        assert!((m.usd(0, 0) - 0.002).abs() < 1e-12);
    }
}
