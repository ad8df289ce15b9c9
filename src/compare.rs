//! `aksim compare`: two runs' `summary.json` side by side, with B − A and the change in
//! percent, as a table aligned for a terminal.
//!
//! Pure: `table` takes the two summaries as parsed JSON, not as `report::Summary`, so that
//! summaries written by older versions (a field missing, no `autoscaler` section) still
//! compare; a value one run lacks shows as `—`. A summary may hold anything, so its keys and
//! texts are shown through `text::escape`.

use serde_json::Value;

/// What one cell of a row holds.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Num(f64),
    Missing,
}

/// One line of the table: a label and the two runs' values, numbers shown with `decimals`.
struct Row {
    label: String,
    a: Cell,
    b: Cell,
    decimals: usize,
}

const MISSING: &str = "—";

/// The comparison of summary A with summary B, one row per metric, ending with a newline.
pub fn table(a: &Value, b: &Value) -> String {
    let mut rows = Vec::new();
    let text = |v: &Value, key: &str| match &v[key] {
        Value::String(s) => Cell::Text(s.clone()),
        Value::Number(n) => Cell::Text(n.to_string()),
        _ => Cell::Missing,
    };
    rows.push(Row {
        label: "scenario".into(),
        a: text(a, "scenario"),
        b: text(b, "scenario"),
        decimals: 0,
    });
    rows.push(Row {
        label: "seed".into(),
        a: text(a, "seed"),
        b: text(b, "seed"),
        decimals: 0,
    });
    let num = |label: &str, path: &[&str], decimals: usize| Row {
        label: label.into(),
        a: number(a, path),
        b: number(b, path),
        decimals,
    };
    rows.push(num("cost $ total", &["total_cost_usd"], 2));
    for pool in keys(a, b, &["cost_by_pool_usd"]) {
        rows.push(num(
            &format!("cost $ {pool}"),
            &["cost_by_pool_usd", &pool],
            2,
        ));
    }
    rows.push(num("peak nodes", &["peak_nodes_total"], 0));
    rows.push(num("pending pod-s", &["pending_pod_seconds"], 0));
    rows.push(num(
        "unschedulable pod-s",
        &["unschedulable_pod_seconds"],
        0,
    ));
    rows.push(num("time to ready p50 s", &["time_to_ready_s", "p50_s"], 1));
    rows.push(num("time to ready p95 s", &["time_to_ready_s", "p95_s"], 1));
    rows.push(num("unserved requests", &["unserved_requests"], 0));
    for pool in keys(a, b, &["autoscaler", "pools"]) {
        for (label, field) in [
            ("scale-ups", "scale_ups"),
            ("nodes added", "nodes_added"),
            ("nodes removed", "nodes_removed"),
        ] {
            rows.push(num(
                &format!("autoscaler {label} {pool}"),
                &["autoscaler", "pools", &pool, field],
                0,
            ));
        }
    }
    // Only the reasons that happened are listed: in a run that has the section, a reason
    // it lacks happened 0 times.
    let failures = |v: &Value, reason: &str| match &v["autoscaler"]["failed_scale_ups"] {
        Value::Object(m) => Cell::Num(m.get(reason).and_then(Value::as_f64).unwrap_or(0.0)),
        _ => Cell::Missing,
    };
    let reasons = keys(a, b, &["autoscaler", "failed_scale_ups"]);
    if reasons.is_empty() {
        rows.push(Row {
            label: "failed scale-ups".into(),
            a: failures(a, ""),
            b: failures(b, ""),
            decimals: 0,
        });
    }
    for reason in reasons {
        rows.push(Row {
            label: format!("failed scale-ups {reason}"),
            a: failures(a, &reason),
            b: failures(b, &reason),
            decimals: 0,
        });
    }
    rows.push(num(
        "unschedulable → running p95 s",
        &["autoscaler", "unschedulable_to_running_s", "p95_s"],
        1,
    ));
    let outages = |v: &Value| {
        v["autoscaler"]["outages"]
            .as_array()
            .map_or(Cell::Missing, |o| Cell::Num(o.len() as f64))
    };
    rows.push(Row {
        label: "zone outages".into(),
        a: outages(a),
        b: outages(b),
        decimals: 0,
    });
    render(&rows)
}

/// The number at `path`, or `Missing`.
fn number(v: &Value, path: &[&str]) -> Cell {
    let mut at = v;
    for key in path {
        at = &at[*key];
    }
    at.as_f64().map_or(Cell::Missing, Cell::Num)
}

/// The keys of the object at `path` in A, then those only B has.
fn keys(a: &Value, b: &Value, path: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in [a, b] {
        let mut at = v;
        for key in path {
            at = &at[*key];
        }
        if let Value::Object(m) = at {
            for k in m.keys() {
                if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
    }
    out
}

fn render(rows: &[Row]) -> String {
    let header = ["metric", "A", "B", "B − A", "change"];
    let mut lines: Vec<[String; 5]> = vec![header.map(String::from)];
    for r in rows {
        let show = |c: &Cell| match c {
            Cell::Text(s) => s.clone(),
            Cell::Num(x) => format!("{x:.*}", r.decimals),
            Cell::Missing => MISSING.to_string(),
        };
        let (diff, change) = match (&r.a, &r.b) {
            // From the values as shown, so that the columns add up on the screen.
            (Cell::Num(a), Cell::Num(b)) => {
                let (a, b) = (shown(*a, r.decimals), shown(*b, r.decimals));
                (signed(b - a, r.decimals), percent(a, b))
            }
            (Cell::Text(_), Cell::Text(_)) => (String::new(), String::new()),
            _ => (MISSING.to_string(), String::new()),
        };
        // Keys and texts come from the files as written: shown with their control
        // characters escaped, and measured as shown.
        let escaped = |s: &str| crate::text::escape(s).into_owned();
        lines.push([
            escaped(&r.label),
            escaped(&show(&r.a)),
            escaped(&show(&r.b)),
            diff,
            change,
        ]);
    }
    let width = |col: usize| {
        lines
            .iter()
            .map(|l| l[col].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let mut out = String::new();
    for l in &lines {
        let mut line = format!("{:<w$}", l[0], w = widths[0]);
        for col in 1..5 {
            line += &format!("  {:>w$}", l[col], w = widths[col]);
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}

/// `x` rounded to `decimals`, as the table shows it.
fn shown(x: f64, decimals: usize) -> f64 {
    format!("{x:.decimals$}").parse().unwrap_or(x)
}

/// `+0.66`, `-3`, `0.00`: a sign unless the difference rounds to zero.
fn signed(d: f64, decimals: usize) -> String {
    let shown = format!("{:.*}", decimals, d.abs());
    if shown.chars().all(|c| c == '0' || c == '.') {
        shown
    } else if d > 0.0 {
        format!("+{shown}")
    } else {
        format!("-{shown}")
    }
}

/// The change from A to B in percent of A; empty when A is zero (no meaningful base).
fn percent(a: f64, b: f64) -> String {
    if a == 0.0 {
        return String::new();
    }
    signed_pct((b - a) / a.abs() * 100.0)
}

fn signed_pct(p: f64) -> String {
    format!("{}%", signed(p, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two runs of one scenario: B (seed 2) grew win more, hit a subnet limit once, and
    /// lacks pool `gpu` that only A had; A is an older summary without
    /// `unschedulable_pod_seconds`.
    fn summaries() -> (Value, Value) {
        let a = serde_json::json!({
            "scenario": "burst", "seed": 1,
            "total_cost_usd": 20.0,
            "cost_by_pool_usd": { "system": 5.0, "win": 12.0, "gpu": 3.0 },
            "peak_nodes_total": 8,
            "pending_pod_seconds": 1200.0,
            "time_to_ready_s": { "p50_s": 400.0, "p95_s": 640.0 },
            "unserved_requests": 0.0,
            "autoscaler": {
                "pools": { "win": { "scale_ups": 2, "nodes_added": 4, "nodes_removed": 4 } },
                "failed_scale_ups": {},
                "unschedulable_to_running_s": { "p95_s": 600.0 },
                "outages": []
            }
        });
        let b = serde_json::json!({
            "scenario": "burst", "seed": 2,
            "total_cost_usd": 23.5,
            "cost_by_pool_usd": { "system": 5.0, "win": 18.5 },
            "peak_nodes_total": 10,
            "pending_pod_seconds": 900.0,
            "unschedulable_pod_seconds": 450.0,
            "time_to_ready_s": { "p50_s": 410.0, "p95_s": 512.0 },
            "unserved_requests": 150.0,
            "autoscaler": {
                "pools": { "win": { "scale_ups": 3, "nodes_added": 6, "nodes_removed": 5 } },
                "failed_scale_ups": { "SubnetIsFull": 1 },
                "unschedulable_to_running_s": { "p95_s": 480.0 },
                "outages": [{ "zone": 2 }]
            }
        });
        (a, b)
    }

    /// The cells of the row whose label is `label`, split on runs of two spaces.
    fn row(table: &str, label: &str) -> Vec<String> {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("{label}  ")) || *l == label)
            .unwrap_or_else(|| panic!("no row {label:?} in\n{table}"));
        line[label.len()..]
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn differences_and_changes_are_computed_per_row() {
        let (a, b) = summaries();
        let t = table(&a, &b);
        assert_eq!(row(&t, "scenario"), ["burst", "burst"]);
        assert_eq!(row(&t, "seed"), ["1", "2"]);
        // 23.5 − 20 = 3.5; 3.5 / 20 = +17.5 %.
        assert_eq!(
            row(&t, "cost $ total"),
            ["20.00", "23.50", "+3.50", "+17.5%"]
        );
        // 18.5 − 12 = 6.5; 6.5 / 12 = 54.17 % → +54.2 %.
        assert_eq!(row(&t, "cost $ win"), ["12.00", "18.50", "+6.50", "+54.2%"]);
        assert_eq!(row(&t, "cost $ system"), ["5.00", "5.00", "0.00", "0.0%"]);
        // Only A has pool gpu.
        assert_eq!(row(&t, "cost $ gpu"), ["3.00", "—", "—"]);
        // 10 − 8 = 2; 2 / 8 = +25 %.
        assert_eq!(row(&t, "peak nodes"), ["8", "10", "+2", "+25.0%"]);
        // 900 − 1200 = −300; −300 / 1200 = −25 %.
        assert_eq!(row(&t, "pending pod-s"), ["1200", "900", "-300", "-25.0%"]);
        // A is an older summary without the field.
        assert_eq!(row(&t, "unschedulable pod-s"), ["—", "450", "—"]);
        // 512 − 640 = −128; −128 / 640 = −20 %.
        assert_eq!(
            row(&t, "time to ready p95 s"),
            ["640.0", "512.0", "-128.0", "-20.0%"]
        );
        // From 0 there is no percentage.
        assert_eq!(row(&t, "unserved requests"), ["0", "150", "+150"]);
        // 6 − 4 = 2; 2 / 4 = +50 %.
        assert_eq!(
            row(&t, "autoscaler nodes added win"),
            ["4", "6", "+2", "+50.0%"]
        );
        // A had the section and no failure: 0, not missing.
        assert_eq!(row(&t, "failed scale-ups SubnetIsFull"), ["0", "1", "+1"]);
        // 480 − 600 = −120; −120 / 600 = −20 %.
        assert_eq!(
            row(&t, "unschedulable → running p95 s"),
            ["600.0", "480.0", "-120.0", "-20.0%"]
        );
        assert_eq!(row(&t, "zone outages"), ["0", "1", "+1"]);
    }

    #[test]
    fn columns_line_up() {
        let (a, b) = summaries();
        let t = table(&a, &b);
        let lines: Vec<Vec<char>> = t.lines().map(|l| l.chars().collect()).collect();
        let header = &lines[0];
        // Where each heading ends: a character followed by two spaces or the end of line.
        let blank = |i: usize| i >= header.len() || header[i] == ' ';
        let ends: Vec<usize> = (0..header.len())
            .filter(|&i| !blank(i) && blank(i + 1) && blank(i + 2))
            .collect();
        assert_eq!(ends.len(), 5, "metric, A, B, B − A, change");
        // Values are right-aligned under their heading (empty trailing cells are trimmed).
        for line in &lines[1..] {
            for &end in &ends[1..] {
                if end < line.len() {
                    assert_ne!(line[end], ' ', "\n{t}");
                }
            }
        }
    }

    #[test]
    fn a_summary_without_an_autoscaler_section_shows_missing_values() {
        let (a, _) = summaries();
        let old = serde_json::json!({ "scenario": "old", "seed": 3, "total_cost_usd": 10.0 });
        let t = table(&old, &a);
        // 20 − 10 = 10; +100 %.
        assert_eq!(
            row(&t, "cost $ total"),
            ["10.00", "20.00", "+10.00", "+100.0%"]
        );
        assert_eq!(row(&t, "failed scale-ups"), ["—", "0", "—"]);
        assert_eq!(row(&t, "zone outages"), ["—", "0", "—"]);
        assert_eq!(row(&t, "autoscaler scale-ups win"), ["—", "2", "—"]);
    }
}
