//! Balancing a scale-up over similar node groups (`--balance-similar-node-groups`).
//!
//! Models upstream's `BalancingNodeGroupSetProcessor.BalanceScaleUpBetweenGroups`: groups already
//! at their maximum are dropped, the request is capped at the groups' total free capacity, the
//! groups are sorted by current (target) size, and nodes are handed out one at a time to the
//! smallest group, moving round-robin across groups of equal size and taking a group out once it
//! reaches its maximum (upstream swaps it to the front of the live range; aksim does the same, so
//! the visiting order matches). Upstream sorts with Go's `sort.Slice`, which is not stable in
//! general (it is for the small slices where Go uses insertion sort); aksim sorts stably, so
//! equal-size groups are served in the caller's order.
//!
//! Left out: finding the similar groups (`FindSimilarNodeGroups` and the Azure comparator) — the
//! caller passes them — and the cloud-provider calls. Upstream skips only groups whose size equals
//! the maximum; a group above its maximum is skipped here too (it has no room).
//!
//! Upstream source (kubernetes/autoscaler, `cluster-autoscaler/`):
//! `processors/nodegroupset/balancing_processor.go`.

#[derive(Debug, Clone, Copy)]
struct Slot {
    index: usize,
    current: u32,
    new: u32,
    max: u32,
}

/// Splits `new_nodes` over `groups` = `(current target size, max size)`. Returns the nodes added
/// to each group, in the same order; the total is `min(new_nodes, total free capacity)`.
pub fn balance(groups: &[(u32, u32)], new_nodes: u32) -> Vec<u32> {
    let mut slots: Vec<Slot> = groups
        .iter()
        .enumerate()
        .filter(|&(_, &(current, max))| current < max)
        .map(|(index, &(current, max))| Slot {
            index,
            current,
            new: current,
            max,
        })
        .collect();
    let capacity: u64 = slots.iter().map(|s| u64::from(s.max - s.current)).sum();
    let mut left = u64::from(new_nodes).min(capacity);

    slots.sort_by_key(|s| s.current);
    let mut start = 0;
    let mut at = 0;
    while left > 0 && start < slots.len() {
        if slots[at].new < slots[at].max {
            slots[at].new += 1;
            left -= 1;
        } else {
            // Full: swap it to the front of the live range and shrink the range. Every group
            // between `start` and `at` has the same size, so the order still holds.
            slots.swap(start, at);
            start += 1;
        }
        // Upstream compares whatever now sits at `at` (after a swap, the former front group).
        if at + 1 < slots.len() && slots[at].new > slots[at + 1].new {
            at += 1;
        } else {
            at = start;
        }
    }

    let mut added = vec![0; groups.len()];
    for s in &slots {
        added[s.index] = s.new - s.current;
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    // Sizes (3, 1, 1), room to 10, + 4. Sorted: g1 (1), g2 (1), g0 (3).
    // g1 → 2 (2 > g2's 1: move on); g2 → 2 (2 > 3? no: back to start); g1 → 3; g2 → 3.
    // → (3, 3, 3), i.e. adds (0, 2, 2).
    #[test]
    fn smallest_groups_first() {
        assert_eq!(balance(&[(3, 10), (1, 10), (1, 10)], 4), vec![0, 2, 2]);
    }

    // Sizes (2, 2, 2) + 4: g0 → 3, g1 → 3, g2 → 3 (end: back to start), g0 → 4.
    // → (4, 3, 3), adds (2, 1, 1).
    #[test]
    fn equal_groups_round_robin() {
        assert_eq!(balance(&[(2, 10), (2, 10), (2, 10)], 4), vec![2, 1, 1]);
    }

    // g0 at max is dropped. g1 (1, max 3), g2 (2, max 10) + 4:
    // g1 → 2 (2 > 2? no: start); g1 → 3 (3 > 2: next); g2 → 3 (end: start);
    // g1 full: swap to front, start = 1, back to g2; g2 → 4. Adds (0, 2, 2).
    #[test]
    fn groups_at_max_are_skipped() {
        assert_eq!(balance(&[(5, 5), (1, 3), (2, 10)], 4), vec![0, 2, 2]);
        assert_eq!(balance(&[(5, 5), (7, 7)], 3), vec![0, 0]);
        // Above max (a lowered max) has no room either.
        assert_eq!(balance(&[(6, 5), (0, 2)], 3), vec![0, 2]);
    }

    // Free capacity 1 + 1 = 2 < 10 requested → capped at 2.
    #[test]
    fn capped_at_capacity() {
        assert_eq!(balance(&[(1, 2), (0, 1)], 10), vec![1, 1]);
    }

    // A group that fills up mid-way hands the rest to the others: (0, max 1), (0, 10), (0, 10)
    // + 7: round 1 gives each 1; g0 is then full and out; g1, g2 alternate: 3 each.
    #[test]
    fn group_fills_midway() {
        assert_eq!(balance(&[(0, 1), (0, 10), (0, 10)], 7), vec![1, 3, 3]);
    }

    // upstream: TestBalanceSingleGroup (balancing_processor_test.go): one group of size 1,
    // max 10: +1 → 2, +4 → 5.
    #[test]
    fn upstream_single_group() {
        assert_eq!(balance(&[(1, 10)], 1), vec![1]);
        assert_eq!(balance(&[(1, 10)], 4), vec![4]);
    }

    // upstream: TestBalanceUnderMaxSize. Sizes (1, 3, 5, 5), max 10.
    // +1 → ng1 2; +2 → ng1 3; +4 → ng1 4, ng2 4 (ng1 takes 3 to catch up, then they alternate);
    // +5 → sizes 5 and 4 for ng1, ng2 (upstream accepts either way round; here ng1 gets 5);
    // +10 → all 6.
    #[test]
    fn upstream_under_max_size() {
        let g = [(1, 10), (3, 10), (5, 10), (5, 10)];
        assert_eq!(balance(&g, 1), vec![1, 0, 0, 0]);
        assert_eq!(balance(&g, 2), vec![2, 0, 0, 0]);
        assert_eq!(balance(&g, 4), vec![3, 1, 0, 0]);
        assert_eq!(balance(&g, 5), vec![4, 1, 0, 0]);
        assert_eq!(balance(&g, 10), vec![5, 3, 1, 1]);
    }

    // upstream: TestBalanceHittingMaxSize. ng1 (1, max 1), ng2 (1, max 3), ng3 (3, max 10),
    // ng4 (5, max 7).
    #[test]
    fn upstream_hitting_max_size() {
        let (ng1, ng2, ng3, ng4) = ((1, 1), (1, 3), (3, 10), (5, 7));
        // Just one maxed-out group.
        assert_eq!(balance(&[ng1], 1), vec![0]);
        // Smallest group maxed out: +1 → ng2 2; +5 capped at ng2's room → 3.
        assert_eq!(balance(&[ng1, ng2], 1), vec![0, 1]);
        assert_eq!(balance(&[ng1, ng2], 5), vec![0, 2]);
        // First group maxes out before the next: +4 → ng2 3, ng3 5.
        assert_eq!(balance(&[ng2, ng3], 4), vec![2, 2]);
        // Last group maxes out before the previous one: +9 → 3, 8, 7.
        assert_eq!(balance(&[ng2, ng3, ng4], 9), vec![2, 5, 2]);
        // All capacity: +900 → 3, 10, 7.
        assert_eq!(balance(&[ng2, ng3, ng4], 900), vec![2, 7, 2]);
    }

    #[test]
    fn nothing_to_do() {
        assert_eq!(balance(&[(1, 5)], 0), vec![0]);
        assert_eq!(balance(&[], 3), Vec::<u32>::new());
        assert_eq!(balance(&[(1, 5)], 3), vec![3]);
    }

    // The total added is always min(new_nodes, free capacity), and no group passes its max.
    #[test]
    fn totals_and_bounds() {
        let cases: [&[(u32, u32)]; 4] = [
            &[(3, 4), (0, 9), (2, 2), (1, 6)],
            &[(0, 1), (0, 1), (0, 1)],
            &[(10, 20), (0, 3), (5, 6)],
            &[(0, 100)],
        ];
        for groups in cases {
            let cap: u32 = groups.iter().map(|&(c, m)| m.saturating_sub(c)).sum();
            for n in 0..30 {
                let add = balance(groups, n);
                assert_eq!(add.iter().sum::<u32>(), n.min(cap), "{groups:?} + {n}");
                for (a, &(c, m)) in add.iter().zip(groups) {
                    assert!(*a == 0 || c + a <= m);
                }
            }
        }
    }
}
