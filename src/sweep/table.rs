//! `runs.csv` and `points.csv` from a complete set of run records, with fixed decimals so that
//! the files are byte-stable. Every cell goes through `observe::csv::csv_cell`: parameter
//! names and values come from the sweep file and errors from the runs, and a spreadsheet
//! must not read any of them as a formula.

use super::metrics::METRICS;
use super::run::RunRecord;
use crate::observe::csv::csv_cell;
use crate::observe::nearest_rank;

/// Percentiles of `points.csv`, nearest-rank.
const PERCENTILES: [u64; 3] = [5, 50, 95];

/// Why a set of records is not one whole sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub runs: u64,
    /// Missing run indexes, ascending, at most `MAX_LISTED`.
    pub first: Vec<u64>,
    pub count: u64,
}

/// Missing runs listed in a message.
const MAX_LISTED: usize = 10;

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list: Vec<String> = self.first.iter().map(u64::to_string).collect();
        let more = if self.count > self.first.len() as u64 {
            ", …"
        } else {
            ""
        };
        write!(
            f,
            "{} of {} runs are missing: {}{more}",
            self.count,
            self.runs,
            list.join(", ")
        )
    }
}

/// Checks that `records` (sorted by run, no index twice) hold every run of a sweep of `runs`.
pub fn missing(records: &[RunRecord], runs: u64) -> Option<Missing> {
    let mut present = vec![false; runs as usize];
    for r in records {
        if let Some(p) = present.get_mut(r.run as usize) {
            *p = true;
        }
    }
    let absent: Vec<u64> = (0..runs).filter(|r| !present[*r as usize]).collect();
    (!absent.is_empty()).then(|| Missing {
        runs,
        first: absent.iter().take(MAX_LISTED).copied().collect(),
        count: absent.len() as u64,
    })
}

/// Writes one row with each cell made spreadsheet-safe (numbers are written unchanged).
fn write_row(w: &mut csv::Writer<Vec<u8>>, row: &[String]) {
    let cells: Vec<std::borrow::Cow<'_, str>> = row.iter().map(|c| csv_cell(c)).collect();
    w.write_record(cells.iter().map(|c| c.as_bytes()))
        .expect("writing to memory");
}

fn fixed(x: f64) -> String {
    // + 0.0 turns -0 into 0, so that "-0.0000" never appears.
    format!("{:.4}", x + 0.0)
}

/// The bytes of `runs.csv` and `points.csv`. `records` hold every run of one sweep, sorted by
/// run index.
pub fn render(records: &[RunRecord]) -> (Vec<u8>, Vec<u8>) {
    let Some(first) = records.first() else {
        return (Vec::new(), Vec::new());
    };
    let params = &first.sweep.parameters;
    let value = |r: &RunRecord, name: &str| r.values.get(name).cloned().unwrap_or_default();

    let mut runs = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["run", "point", "replica", "seed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(params.iter().cloned());
    header.extend(METRICS.iter().map(|m| m.name.to_string()));
    header.push("error".into());
    write_row(&mut runs, &header);
    for r in records {
        let mut row = vec![
            r.run.to_string(),
            r.point.to_string(),
            r.replica.to_string(),
            r.seed.to_string(),
        ];
        row.extend(params.iter().map(|p| value(r, p)));
        match &r.metrics {
            Some(m) => row.extend(m.values().iter().zip(METRICS).map(|(v, def)| {
                if def.integer {
                    format!("{}", *v as u64)
                } else {
                    fixed(*v)
                }
            })),
            None => row.extend(METRICS.iter().map(|_| String::new())),
        }
        row.push(r.error.clone().unwrap_or_default());
        write_row(&mut runs, &row);
    }

    let mut points = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(params.iter().cloned());
    for m in METRICS {
        header.push(format!("{}_mean", m.name));
        for p in PERCENTILES {
            header.push(format!("{}_p{p}", m.name));
        }
    }
    header.push("failed_runs".into());
    write_row(&mut points, &header);
    // Records are sorted by run, so a point's replicas are adjacent.
    for group in records.chunk_by(|a, b| a.point == b.point) {
        let r0 = &group[0];
        let mut row = vec![r0.point.to_string()];
        row.extend(params.iter().map(|p| value(r0, p)));
        let ok: Vec<[f64; 11]> = group
            .iter()
            .filter_map(|r| r.metrics.as_ref().map(|m| m.values()))
            .collect();
        for k in 0..METRICS.len() {
            if ok.is_empty() {
                row.extend(std::iter::repeat_n(String::new(), 1 + PERCENTILES.len()));
                continue;
            }
            // Summed in replica order, so the mean is the same wherever the runs were made.
            let mut column: Vec<f64> = ok.iter().map(|v| v[k]).collect();
            let mean = column.iter().sum::<f64>() / column.len() as f64;
            column.sort_by(f64::total_cmp);
            row.push(fixed(mean));
            for p in PERCENTILES {
                row.push(fixed(column[nearest_rank(p, column.len())]));
            }
        }
        row.push((group.len() - ok.len()).to_string());
        write_row(&mut points, &row);
    }
    (
        runs.into_inner().expect("in memory"),
        points.into_inner().expect("in memory"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::metrics::Metrics;
    use crate::sweep::run::SweepId;

    fn record(run: u64, cost: f64, error: bool) -> RunRecord {
        RunRecord {
            sweep: SweepId {
                identity: "x".into(),
                name: "t".into(),
                runs: 4,
                replicas: 2,
                parameters: vec!["a.x".into()],
            },
            run,
            point: run / 2,
            replica: (run % 2) as u32,
            seed: 100 + run,
            values: [("a.x".to_string(), format!("{}m", run / 2 + 5))].into(),
            metrics: (!error).then_some(Metrics::sample(cost, 0.0)),
            error: error.then(|| "stopped, a, b".to_string()),
        }
    }

    #[test]
    fn tables_have_fixed_decimals_and_failed_runs_leave_empty_cells() {
        let records = [
            record(0, 1.5, false),
            record(1, 2.25, false),
            record(2, 0.0, true),
            record(3, 4.0, false),
        ];
        let (runs, points) = render(&records);
        let runs = String::from_utf8(runs).unwrap();
        let points = String::from_utf8(points).unwrap();
        let lines: Vec<&str> = runs.lines().collect();
        assert!(lines[0].starts_with("run,point,replica,seed,a.x,total_cost_usd,node_cost_usd,"));
        assert!(lines[0].ends_with(",failed_scale_ups,events_processed,error"));
        assert_eq!(
            lines[1],
            "0,0,0,100,5m,1.5000,1.5000,0.0000,0.0000,0.0000,3,0,0.0000,0.0000,0,10,"
        );
        assert_eq!(lines[3], "2,1,0,102,6m,,,,,,,,,,,,\"stopped, a, b\"");
        let lines: Vec<&str> = points.lines().collect();
        assert!(lines[0].starts_with(
            "point,a.x,total_cost_usd_mean,total_cost_usd_p5,total_cost_usd_p50,total_cost_usd_p95,"
        ));
        assert!(lines[0].ends_with(",events_processed_p95,failed_runs"));
        // Point 0: costs 1.5 and 2.25 → mean 1.875; p5 and p50 the first, p95 the second.
        assert!(
            lines[1].starts_with("0,5m,1.8750,1.5000,1.5000,2.2500,"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(",0"));
        // Point 1: one of two runs failed; the statistics are over the other.
        assert!(
            lines[2].starts_with("1,6m,4.0000,4.0000,4.0000,4.0000,"),
            "{}",
            lines[2]
        );
        assert!(lines[2].ends_with(",1"));
    }

    #[test]
    fn formulas_in_names_values_and_errors_reached_the_tables_raw() {
        // A parameter named like a formula, formula values, a negative number and an error
        // that starts with `-`: every text cell gets a `'`, the number stays a number.
        let mut records = [record(0, 1.0, false), record(1, 1.0, true)];
        for (r, value) in records.iter_mut().zip(["=cmd|' /C calc'!A0", "-2"]) {
            r.sweep.parameters = vec!["@name".into()];
            r.values = [("@name".to_string(), value.to_string())].into();
        }
        records[1].error = Some("-2+3".into());
        let (runs, points) = render(&records);
        let runs = String::from_utf8(runs).unwrap();
        let points = String::from_utf8(points).unwrap();
        let lines: Vec<&str> = runs.lines().collect();
        assert!(
            lines[0].starts_with("run,point,replica,seed,'@name,"),
            "{runs}"
        );
        assert!(
            lines[1].starts_with("0,0,0,100,'=cmd|' /C calc'!A0,"),
            "{runs}"
        );
        assert!(lines[2].starts_with("1,0,1,101,-2,"), "{runs}");
        assert!(lines[2].ends_with(",'-2+3"), "{runs}");
        let lines: Vec<&str> = points.lines().collect();
        assert!(lines[0].starts_with("point,'@name,"), "{points}");
        assert!(lines[1].starts_with("0,'=cmd|' /C calc'!A0,"), "{points}");
    }

    #[test]
    fn missing_runs_are_listed_first_ones_first() {
        let records = [record(0, 1.0, false), record(3, 1.0, false)];
        let m = missing(&records, 4).unwrap();
        assert_eq!(m.to_string(), "2 of 4 runs are missing: 1, 2");
        assert_eq!(missing(&[record(0, 1.0, false)], 1), None);
    }
}
