//! Named, portable random streams derived from one seed.
//!
//! Every source of randomness (a pool's provisioning delays, the scheduler's tie-breaks, …) asks
//! for its own stream by name. A stream's seed depends only on the run seed and the name, so
//! adding a new source never shifts the draws of existing ones, and the generator is named
//! (`Xoshiro256PlusPlus`), not `StdRng`, whose algorithm may change between releases.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// The generator behind every stream; recorded in `summary.json`.
pub const GENERATOR: &str = "Xoshiro256PlusPlus";

pub type Stream = Xoshiro256PlusPlus;

/// Derives independent streams from the run seed.
#[derive(Debug, Clone)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream for `name`: the same (seed, name) always gives the same sequence.
    pub fn stream(&self, name: &str) -> Stream {
        Xoshiro256PlusPlus::seed_from_u64(splitmix64(self.seed ^ fnv1a(name.as_bytes())))
    }
}

/// FNV-1a, 64-bit: a stable hash of a stream's name (std's hasher is not stable across releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64 finaliser: spreads nearby inputs over the whole 64-bit range.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn same_name_same_draws_other_name_other_draws() {
        let s = RngStreams::new(42);
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("pool/win"), |r, _: u64| Some(r.random()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("pool/win"), |r, _: u64| Some(r.random()))
            .collect();
        let c: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("pool/lin"), |r, _: u64| Some(r.random()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    const PINNED_FIRST_DRAW: u64 = 17_642_421_199_386_632_383;

    #[test]
    fn generator_is_portable() {
        // Pins the generator: if rand ever changes Xoshiro256PlusPlus or seed_from_u64, seeded
        // scenarios would silently change, and this test says so first.
        let mut r = RngStreams::new(1).stream("x");
        let first: u64 = r.random();
        assert_eq!(first, PINNED_FIRST_DRAW);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c); // FNV-1a test vector for "a"
    }
}
