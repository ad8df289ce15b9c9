//! Expanders: which node group a scale-up grows, among the options the estimator produced.
//!
//! Models upstream's expander chain (`--expander=priority,least-waste`): each strategy keeps its
//! best options (ties kept) and hands them to the next; the chain stops as soon as one option is
//! left, and whatever remains after the last strategy is settled by a uniform random choice.
//! A filter that keeps nothing (least-nodes when every option has 0 nodes) ends with no choice.
//!
//! - `Random`: one option uniformly at random (ends the chain).
//! - `MostPods`: the most pods placed.
//! - `LeastWaste`: the least `wasted cpu fraction + wasted memory fraction`, where a fraction is
//!   `(node capacity × node count − Σ pod requests) / (node capacity × node count)`, compared with
//!   exact float equality for ties. Upstream uses the template node's *capacity*, not allocatable.
//!   An option with zero capacity × count counts as infinitely wasteful (upstream divides by 0).
//!   The reason string shows upstream's logged "blended" waste, the mean of the two fractions.
//! - `LeastNodes`: the fewest nodes; options with 0 nodes are skipped, as upstream does.
//! - `Price`: aksim's own rule. Upstream's price expander needs a cloud pricing model that only
//!   GCE/GKE/Equinix provide (not Azure), and its formula (price relative to ideal machines times
//!   a node-unfitness penalty) is not reproduced. Here an option costs
//!   `price_per_hour / pods`, the hourly price of its nodes per pod placed (no pods = infinite);
//!   the cheapest per pod wins.
//! - `Priority`: a list of `(priority, name patterns)`, like the
//!   `cluster-autoscaler-priority-expander` ConfigMap. An option's priority is the highest
//!   priority with a pattern matching its node group name; the options at the highest priority
//!   are kept and the ones that match nothing are dropped. If no option matches at all, every
//!   option is passed on. As upstream, the running maximum starts at −1, so priorities below −1
//!   never select anything.
//!
//! Upstream matches Go regular expressions anywhere in the name (`FindStringIndex`, unanchored).
//! aksim has no regex crate, so `NamePattern` accepts only the forms node-pool priorities use:
//! a literal (found anywhere in the name), optionally with a leading `^` and/or trailing `$`
//! anchor, a trailing or leading `.*`, and `.*` alone. Anything else is rejected when parsed.
//!
//! Left out: the gRPC expander, the ConfigMap itself (reloading, malformed-config fallback to the
//! next expander), and upstream's per-expander logging.
//!
//! Upstream sources (kubernetes/autoscaler, `cluster-autoscaler/expander/`): `factory/chain.go`,
//! `random/random.go`, `mostpods/mostpods.go`, `waste/waste.go`, `leastnodes/leastnodes.go`,
//! `priority/priority.go`, `priority/readme.md`, `price/price.go` (not followed).

use std::fmt;

use rand::RngExt;

use super::estimator::Resources;
use crate::engine::rng::Stream;

/// One candidate scale-up: grow node group `group` by `node_count` nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpansionOption {
    /// The caller's index of the node group.
    pub group: usize,
    pub node_count: u32,
    /// Pending pods the new nodes would take.
    pub pods: u32,
    /// Capacity of one node (what least-waste divides by).
    pub node_capacity: Resources,
    /// Σ requests of the pods it would place.
    pub requested: Resources,
    /// Price of all the option's nodes per hour, for the price expander.
    pub price_per_hour: f64,
    /// Node group (pool) name, for priority patterns and reasons.
    pub name: String,
}

/// A node-group name pattern: the subset of regular expressions that priority configs use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    source: String,
    literal: String,
    anchored_start: bool,
    anchored_end: bool,
}

/// A pattern outside `NamePattern`'s subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedPattern(pub String);

impl fmt::Display for UnsupportedPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported name pattern {:?}: only literals with optional ^, $ and leading or \
             trailing .* are supported",
            self.0
        )
    }
}

impl std::error::Error for UnsupportedPattern {}

impl NamePattern {
    pub fn parse(pattern: &str) -> Result<NamePattern, UnsupportedPattern> {
        let mut body = pattern;
        let mut anchored_start = false;
        let mut anchored_end = false;
        if let Some(rest) = body.strip_prefix('^') {
            anchored_start = true;
            body = rest;
        }
        if let Some(rest) = body.strip_suffix('$') {
            anchored_end = true;
            body = rest;
        }
        if let Some(rest) = body.strip_prefix(".*") {
            anchored_start = false;
            body = rest;
        }
        if let Some(rest) = body.strip_suffix(".*") {
            anchored_end = false;
            body = rest;
        }
        const META: &[char] = &[
            '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\', '^', '$',
        ];
        if body.contains(META) {
            return Err(UnsupportedPattern(pattern.to_string()));
        }
        Ok(NamePattern {
            source: pattern.to_string(),
            literal: body.to_string(),
            anchored_start,
            anchored_end,
        })
    }

    /// Whether the pattern matches somewhere in `name` (Go's `FindStringIndex != nil`).
    pub fn matches(&self, name: &str) -> bool {
        let lit = self.literal.as_str();
        match (self.anchored_start, self.anchored_end) {
            (true, true) => name == lit,
            (true, false) => name.starts_with(lit),
            (false, true) => name.ends_with(lit),
            (false, false) => name.contains(lit),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// One expander in a chain.
#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    Random,
    MostPods,
    LeastWaste,
    LeastNodes,
    Price,
    /// `(priority, patterns)`; see the module doc.
    Priority(Vec<(i32, Vec<NamePattern>)>),
}

/// Picks one option with the chain, a final random choice breaking what ties remain. Returns the
/// index into `options` and a human-readable reason, or `None` if there is nothing to choose.
pub fn choose(
    chain: &[Strategy],
    options: &[ExpansionOption],
    rng: &mut Stream,
) -> Option<(usize, String)> {
    let mut live: Vec<usize> = (0..options.len()).collect();
    let mut why: Vec<String> = Vec::new();
    for strategy in chain {
        if live.is_empty() {
            return None;
        }
        let (kept, reason) = match strategy {
            Strategy::Random => {
                let pick = live[rng.random_range(0..live.len())];
                (vec![pick], format!("random: 1 of {}", live.len()))
            }
            Strategy::MostPods => min_filter(
                options,
                &live,
                |o| Some(-f64::from(o.pods)),
                |v| format!("{} pods", -v),
                "most-pods",
            ),
            Strategy::LeastWaste => min_filter(
                options,
                &live,
                |o| Some(waste(o)),
                |v| format!("{:.0}% waste", v * 50.0),
                "least-waste",
            ),
            Strategy::LeastNodes => min_filter(
                options,
                &live,
                |o| (o.node_count > 0).then(|| f64::from(o.node_count)),
                |v| format!("{v} nodes"),
                "least-nodes",
            ),
            Strategy::Price => min_filter(
                options,
                &live,
                |o| {
                    Some(if o.pods == 0 {
                        f64::INFINITY
                    } else {
                        o.price_per_hour / f64::from(o.pods)
                    })
                },
                |v| format!("${v:.4}/h per pod"),
                "price",
            ),
            Strategy::Priority(list) => priority_filter(list, options, &live),
        };
        live = kept;
        why.push(reason);
        if live.len() == 1 {
            return Some((live[0], why.join("; ")));
        }
    }
    match live.len() {
        0 => None,
        1 => {
            why.push("only option".to_string());
            Some((live[0], why.join("; ")))
        }
        n => {
            let pick = live[rng.random_range(0..n)];
            why.push(format!("random: 1 of {n} tied"));
            Some((pick, why.join("; ")))
        }
    }
}

/// Least-waste's score: wasted cpu fraction + wasted memory fraction.
fn waste(o: &ExpansionOption) -> f64 {
    let fraction = |per_node: u64, requested: u64| {
        let avail = i128::from(per_node) * i128::from(o.node_count);
        if avail == 0 {
            f64::INFINITY
        } else {
            (avail - i128::from(requested)) as f64 / avail as f64
        }
    };
    fraction(o.node_capacity.cpu_millis, o.requested.cpu_millis)
        + fraction(o.node_capacity.memory_bytes, o.requested.memory_bytes)
}

/// Keeps the live options with the lowest score (exact ties kept, `None` dropped) and describes
/// the winner against the best dropped option.
fn min_filter(
    options: &[ExpansionOption],
    live: &[usize],
    score: impl Fn(&ExpansionOption) -> Option<f64>,
    show: impl Fn(f64) -> String,
    name: &str,
) -> (Vec<usize>, String) {
    let scored: Vec<(usize, f64)> = live
        .iter()
        .filter_map(|&i| score(&options[i]).map(|s| (i, s)))
        .collect();
    let Some(best) = scored.iter().map(|&(_, s)| s).reduce(f64::min) else {
        return (Vec::new(), format!("{name}: no option qualifies"));
    };
    let kept: Vec<usize> = scored
        .iter()
        .filter(|&&(_, s)| s == best)
        .map(|&(i, _)| i)
        .collect();
    // The best of the rest (first in order on ties), for the reason.
    let runner_up =
        scored
            .iter()
            .filter(|&&(_, s)| s != best)
            .fold(None::<(usize, f64)>, |acc, &(i, s)| match acc {
                Some((_, a)) if a <= s => acc,
                _ => Some((i, s)),
            });
    let reason = match runner_up {
        Some((i, s)) if kept.len() > 1 => format!(
            "{name}: {} ({} tied) vs {} for {}",
            show(best),
            kept.len(),
            show(s),
            options[i].name
        ),
        Some((i, s)) => format!(
            "{name}: {} vs {} for {}",
            show(best),
            show(s),
            options[i].name
        ),
        None if kept.len() > 1 => format!("{name}: {} tied at {}", kept.len(), show(best)),
        None => format!("{name}: {}", show(best)),
    };
    (kept, reason)
}

fn priority_filter(
    list: &[(i32, Vec<NamePattern>)],
    options: &[ExpansionOption],
    live: &[usize],
) -> (Vec<usize>, String) {
    let prio_of = |name: &str| {
        list.iter()
            .filter(|(_, pats)| pats.iter().any(|p| p.matches(name)))
            .map(|&(prio, _)| prio)
            .max()
    };
    let mut max_prio = -1;
    let mut best: Vec<usize> = Vec::new();
    let mut lower: Option<(usize, i32)> = None;
    for &i in live {
        let Some(p) = prio_of(&options[i].name) else {
            continue;
        };
        if p > max_prio {
            if let Some(&b) = best.first() {
                lower = Some((b, max_prio));
            }
            max_prio = p;
            best = vec![i];
        } else if p == max_prio {
            best.push(i);
        } else if lower.is_none_or(|(_, lp)| p > lp) {
            lower = Some((i, p));
        }
    }
    if best.is_empty() {
        return (
            live.to_vec(),
            "priority: no group matched, all options kept".to_string(),
        );
    }
    let reason = match lower {
        Some((i, lp)) => format!("priority: {max_prio} vs {lp} for {}", options[i].name),
        None => format!("priority: {max_prio}"),
    };
    (best, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn rng() -> Stream {
        RngStreams::new(1).stream("t")
    }

    fn opt(group: usize, name: &str) -> ExpansionOption {
        ExpansionOption {
            group,
            node_count: 1,
            pods: 1,
            node_capacity: Resources::new(4000, 16_000),
            requested: Resources::new(1000, 4000),
            price_per_hour: 1.0,
            name: name.to_string(),
        }
    }

    fn pats(list: &[&str]) -> Vec<NamePattern> {
        list.iter()
            .map(|p| NamePattern::parse(p).unwrap())
            .collect()
    }

    #[test]
    fn empty_options_none() {
        assert_eq!(choose(&[Strategy::LeastWaste], &[], &mut rng()), None);
        assert_eq!(choose(&[], &[], &mut rng()), None);
    }

    // most-pods: 3, 7, 7 pods → the two 7s tie, random picks one of them.
    #[test]
    fn most_pods_keeps_ties() {
        let mut o = vec![opt(0, "a"), opt(1, "b"), opt(2, "c")];
        o[0].pods = 3;
        o[1].pods = 7;
        o[2].pods = 7;
        let (i, why) = choose(&[Strategy::MostPods], &o, &mut rng()).unwrap();
        assert!(i == 1 || i == 2);
        assert_eq!(
            why,
            "most-pods: 7 pods (2 tied) vs 3 pods for a; random: 1 of 2 tied"
        );
        o[2].pods = 6;
        let (i, why) = choose(&[Strategy::MostPods], &o, &mut rng()).unwrap();
        assert_eq!(i, 1);
        assert_eq!(why, "most-pods: 7 pods vs 6 pods for c");
    }

    // least-waste, hand arithmetic (capacity × count vs requests):
    //  lin: 2 × (4000m, 16000) for (6000m, 24000): cpu (8000−6000)/8000 = 0.25,
    //       mem (32000−24000)/32000 = 0.25 → 0.50 (blended 25%).
    //  win8: 1 × (8000m, 32000) for (6000m, 8000): cpu 0.25, mem 0.75 → 1.00 (blended 50%).
    //  win4: 3 × (4000m, 16000) for (6000m, 24000): cpu 0.5, mem 0.5 → 1.00.
    #[test]
    fn least_waste_hand_arithmetic() {
        let mut lin = opt(0, "lin");
        lin.node_count = 2;
        lin.requested = Resources::new(6000, 24_000);
        let mut win8 = opt(1, "win8");
        win8.node_capacity = Resources::new(8000, 32_000);
        win8.requested = Resources::new(6000, 8000);
        let mut win4 = opt(2, "win4");
        win4.node_count = 3;
        win4.requested = Resources::new(6000, 24_000);
        assert_eq!(waste(&lin), 0.5);
        assert_eq!(waste(&win8), 1.0);
        assert_eq!(waste(&win4), 1.0);
        let (i, why) = choose(&[Strategy::LeastWaste], &[win8, lin, win4], &mut rng()).unwrap();
        assert_eq!(i, 1);
        assert_eq!(why, "least-waste: 25% waste vs 50% waste for win8");
    }

    // least-nodes: 3, 2, 0 nodes → the 0-node option is skipped (upstream), 2 wins.
    #[test]
    fn least_nodes_skips_zero() {
        let mut o = vec![opt(0, "a"), opt(1, "b"), opt(2, "c")];
        o[0].node_count = 3;
        o[1].node_count = 2;
        o[2].node_count = 0;
        let (i, why) = choose(&[Strategy::LeastNodes], &o, &mut rng()).unwrap();
        assert_eq!(i, 1);
        assert_eq!(why, "least-nodes: 2 nodes vs 3 nodes for a");
        o[0].node_count = 0;
        o[1].node_count = 0;
        assert_eq!(choose(&[Strategy::LeastNodes], &o, &mut rng()), None);
    }

    // price per pod: lin $0.384/h for 4 pods = $0.096; win $1.20/h for 10 pods = $0.12;
    // none $0.10 for 0 pods = ∞ → lin.
    #[test]
    fn price_per_pod() {
        let mut o = vec![opt(0, "win"), opt(1, "lin"), opt(2, "none")];
        o[0].price_per_hour = 1.2;
        o[0].pods = 10;
        o[1].price_per_hour = 0.384;
        o[1].pods = 4;
        o[2].price_per_hour = 0.1;
        o[2].pods = 0;
        let (i, why) = choose(&[Strategy::Price], &o, &mut rng()).unwrap();
        assert_eq!(i, 1);
        assert_eq!(why, "price: $0.0960/h per pod vs $0.1200/h per pod for win");
    }

    // priority: spot pools at 10, on-demand at 50 (the AKS doc's example), a catch-all at 1.
    // "userpool" matches 50 and 1 → 50; "spotpool" matches 10 and 1 → 10; "other" → 1.
    #[test]
    fn priority_highest_match_wins() {
        let prio = Strategy::Priority(vec![
            (10, pats(&[".*spot.*"])),
            (50, pats(&["^user"])),
            (1, pats(&[".*"])),
        ]);
        let o = vec![opt(0, "spotpool"), opt(1, "other"), opt(2, "userpool")];
        let (i, why) = choose(std::slice::from_ref(&prio), &o, &mut rng()).unwrap();
        assert_eq!(i, 2);
        assert_eq!(why, "priority: 50 vs 10 for spotpool");
    }

    // Unmatched options are dropped; if nothing matches, everything passes on.
    #[test]
    fn priority_unmatched() {
        let prio = Strategy::Priority(vec![(5, pats(&["^win$"]))]);
        let o = vec![opt(0, "lin"), opt(1, "win"), opt(2, "win2")];
        let (i, _) = choose(std::slice::from_ref(&prio), &o, &mut rng()).unwrap();
        assert_eq!(i, 1);
        let o = vec![opt(0, "lin"), opt(1, "lin2")];
        let (i, why) = choose(&[prio, Strategy::MostPods], &o, &mut rng()).unwrap();
        assert!(i < 2);
        assert!(
            why.starts_with("priority: no group matched, all options kept; most-pods: 2 tied"),
            "{why}"
        );
    }

    // Upstream's running maximum starts at −1: a group at priority −5 is never selected, so with
    // only such matches nothing is "best" and all options pass on.
    #[test]
    fn priority_below_minus_one_never_wins() {
        let prio = Strategy::Priority(vec![(-5, pats(&["a"]))]);
        let o = vec![opt(0, "a"), opt(1, "b")];
        let (_, why) = choose(&[prio], &o, &mut rng()).unwrap();
        assert!(why.starts_with("priority: no group matched"), "{why}");
    }

    // Chain `priority,least-waste`: win1 and win2 share priority 20 (lin is at 10), then
    // least-waste separates them. win1: 1 × (4000m, 16000) for (2000m, 8000) → 0.5 + 0.5 = 1.0;
    // win2: 1 × (4000m, 16000) for (3000m, 12000) → 0.25 + 0.25 = 0.5 (blended 25%) → win2.
    // lin wastes nothing but is already out.
    #[test]
    fn chain_priority_then_least_waste() {
        let mut lin = opt(0, "lin");
        lin.requested = Resources::new(4000, 16_000);
        let mut win1 = opt(1, "win1");
        win1.requested = Resources::new(2000, 8000);
        let mut win2 = opt(2, "win2");
        win2.requested = Resources::new(3000, 12_000);
        let chain = [
            Strategy::Priority(vec![(10, pats(&["lin"])), (20, pats(&["^win.*"]))]),
            Strategy::LeastWaste,
        ];
        let (i, why) = choose(&chain, &[lin, win1, win2], &mut rng()).unwrap();
        assert_eq!(i, 2);
        assert_eq!(
            why,
            "priority: 20 vs 10 for lin; least-waste: 25% waste vs 50% waste for win1"
        );
    }

    // The chain stops as soon as one option is left: the later random never draws.
    #[test]
    fn chain_stops_at_one() {
        let mut o = vec![opt(0, "a"), opt(1, "b")];
        o[1].pods = 2;
        let (i, why) = choose(&[Strategy::MostPods, Strategy::Random], &o, &mut rng()).unwrap();
        assert_eq!(i, 1);
        assert_eq!(why, "most-pods: 2 pods vs 1 pods for a");
    }

    // Random with the same seeded stream gives the same picks; over many draws every option
    // comes up.
    #[test]
    fn random_is_deterministic() {
        let o: Vec<_> = (0..4).map(|g| opt(g, &format!("p{g}"))).collect();
        let draw = || {
            let mut r = rng();
            (0..64)
                .map(|_| choose(&[Strategy::Random], &o, &mut r).unwrap().0)
                .collect::<Vec<_>>()
        };
        let a = draw();
        assert_eq!(a, draw());
        for g in 0..4 {
            assert!(a.contains(&g));
        }
        // An empty chain is a plain random choice too.
        let mut r1 = rng();
        let mut r2 = rng();
        assert_eq!(choose(&[], &o, &mut r1), choose(&[], &o, &mut r2));
    }

    #[test]
    fn name_patterns() {
        let m = |p: &str, n: &str| NamePattern::parse(p).unwrap().matches(n);
        assert!(m(".*", "anything"));
        assert!(m(".*", ""));
        assert!(m("spot", "userspot1")); // unanchored, like FindStringIndex
        assert!(m("win.*", "xwin2"));
        assert!(m("^win.*", "win2"));
        assert!(!m("^win.*", "xwin2"));
        assert!(m("^win$", "win"));
        assert!(!m("^win$", "win2"));
        assert!(m(".*pool$", "userpool"));
        assert!(!m(".*pool$", "pool2"));
        assert!(m("^.*$", "x"));
        for bad in ["win[0-9]", "a|b", "win.", "a+", r"a\.b", "a.*b"] {
            assert!(NamePattern::parse(bad).is_err(), "{bad}");
        }
    }
}
