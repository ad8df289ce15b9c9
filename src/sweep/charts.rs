//! A sweep's charts, from its run records: cost against pending pod-seconds (and against
//! unserved requests when some run left demand unserved), one dot per point with the Pareto
//! front marked; and each metric against each parameter, the median of the runs at each value
//! with their p5–p95 band.

use crate::observe::nearest_rank;
use crate::report::plots::{Chart, Label, Palette, Series, Style, XAxis};

use super::run::{METRICS, RunRecord, metric_index};

/// Front points labelled with their values at most; a longer front labels every k-th point.
const MAX_LABELS: usize = 12;

/// Colour keys: the points, runs and bands share the first colour, the front has the second;
/// lines split by another parameter's values follow (see `split_key`).
const POINTS: &str = "points";
const FRONT: &str = "front";

/// The colours of a sweep's charts: the same value of a parameter gets the same colour in
/// every chart.
fn palette(records: &[RunRecord]) -> Palette {
    let mut keys = vec![POINTS.to_string(), FRONT.to_string()];
    if let Some(first) = records.first() {
        for name in first.sweep.parameters.iter().rev() {
            let (values, _) = values_of(records, name);
            keys.extend(values.iter().map(|v| split_key(name, v)));
        }
    }
    Palette::new(&keys)
}

/// A point's mean metrics over the replicas that finished.
#[derive(Debug, Clone, PartialEq)]
pub struct PointMeans {
    pub point: u64,
    /// The point's parameter values, in column order.
    pub values: Vec<String>,
    /// Finished replicas.
    pub runs: usize,
    pub means: [f64; METRICS.len()],
}

/// Per point with at least one finished run, the mean of each metric (summed in replica
/// order, as `points.csv` does). `records` are sorted by run.
pub fn point_means(records: &[RunRecord]) -> Vec<PointMeans> {
    let Some(first) = records.first() else {
        return Vec::new();
    };
    let params = &first.sweep.parameters;
    records
        .chunk_by(|a, b| a.point == b.point)
        .filter_map(|group| {
            let ok: Vec<[f64; METRICS.len()]> = group
                .iter()
                .filter_map(|r| r.metrics.as_ref().map(|m| m.values()))
                .collect();
            if ok.is_empty() {
                return None;
            }
            let mut means = [0.0; METRICS.len()];
            for (k, mean) in means.iter_mut().enumerate() {
                *mean = ok.iter().map(|v| v[k]).sum::<f64>() / ok.len() as f64;
            }
            Some(PointMeans {
                point: group[0].point,
                values: params
                    .iter()
                    .map(|p| group[0].values.get(p).cloned().unwrap_or_default())
                    .collect(),
                runs: ok.len(),
                means,
            })
        })
        .collect()
}

/// Indexes (into `xy`) of the points no other point beats on both: none has an x and a y at
/// least as low with one of them lower. Both are minimised. Sorted by x, then y; points with
/// equal x and y are all on the front or all off it.
pub fn pareto_front(xy: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..xy.len())
        .filter(|&i| xy[i].0.is_finite() && xy[i].1.is_finite())
        .collect();
    order.sort_by(|&a, &b| {
        xy[a]
            .0
            .total_cmp(&xy[b].0)
            .then(xy[a].1.total_cmp(&xy[b].1))
            .then(a.cmp(&b))
    });
    let mut front: Vec<usize> = Vec::new();
    let mut best_y = f64::INFINITY;
    for i in order {
        let on = match front.last() {
            // A twin of the last front point is on the front with it.
            Some(&last) if xy[last] == xy[i] => true,
            // Sorted by x: a point is beaten unless its y is lower than every y before it.
            _ => xy[i].1 < best_y,
        };
        if on {
            best_y = xy[i].1;
            front.push(i);
        }
    }
    front
}

/// The Pareto chart of cost against `x_metric`, and the points on its front (into `means`).
pub fn pareto_chart(
    sweep: &str,
    records: &[RunRecord],
    means: &[PointMeans],
    x_metric: &str,
    x_axis: &str,
) -> (Chart, Vec<usize>) {
    let (xk, yk) = (metric_index(x_metric), metric_index("total_cost_usd"));
    let xy: Vec<(f64, f64)> = means.iter().map(|m| (m.means[xk], m.means[yk])).collect();
    let front = pareto_front(&xy);
    let runs: Vec<(f64, f64)> = records
        .iter()
        .filter_map(|r| r.metrics.as_ref().map(|m| m.values()))
        .map(|v| (v[xk], v[yk]))
        .collect();
    let replicas = records.first().map_or(1, |r| r.sweep.replicas);
    let step = front.len().div_ceil(MAX_LABELS).max(1);
    let labels = front
        .iter()
        .step_by(step)
        .map(|&i| Label {
            x: xy[i].0,
            y: xy[i].1,
            text: means[i].values.join(", "),
        })
        .collect();
    let seeds = if replicas == 1 {
        "one seed".to_string()
    } else {
        format!("mean of {replicas} seeds")
    };
    let mut series = Vec::new();
    if replicas > 1 {
        series.push(each_run(POINTS, runs));
    }
    series.push(Series {
        label: format!("each point ({seeds})"),
        key: POINTS.into(),
        points: xy.clone(),
        style: Style::Dots {
            radius: 5,
            faint: false,
        },
        ..Series::default()
    });
    let names = records
        .first()
        .map_or(String::new(), |r| r.sweep.parameters.join(", "));
    series.push(Series {
        label: format!("Pareto front, labelled {names}"),
        key: FRONT.into(),
        points: front.iter().map(|&i| xy[i]).collect(),
        style: Style::LineDots { radius: 6 },
        ..Series::default()
    });
    let chart = Chart {
        title: format!("{sweep}: cost against {x_axis}"),
        x_label: format!("{}, {seeds}", METRICS[xk].axis),
        y_label: format!("{}, {seeds}", METRICS[yk].axis),
        series,
        y_fit: true,
        labels,
        ..Chart::default()
    };
    (chart, front)
}

/// How a parameter's values sit on an x axis: numbers; durations, in the unit that keeps the
/// ticks round (`s`, `min`, `h` or `d`, named in the axis label); or names.
pub fn axis_of(values: &[String]) -> (XAxis, Vec<f64>, Option<&'static str>) {
    if let Some(xs) = values
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<Vec<f64>>>()
    {
        return (XAxis::Number, xs, None);
    }
    if let Some(seconds) = values
        .iter()
        .map(|v| {
            crate::engine::time::parse_duration(v)
                .ok()
                .map(|d| d.as_ms() as f64 / 1000.0)
        })
        .collect::<Option<Vec<f64>>>()
    {
        let top = seconds.iter().copied().fold(0.0, f64::max);
        let (unit, size) = match top {
            t if t >= 3.0 * 86_400.0 => ("d", 86_400.0),
            t if t >= 3.0 * 3600.0 => ("h", 3600.0),
            t if t >= 180.0 => ("min", 60.0),
            _ => ("s", 1.0),
        };
        let xs = seconds.iter().map(|s| s / size).collect();
        return (XAxis::Number, xs, Some(unit));
    }
    let xs = (0..values.len()).map(|i| i as f64).collect();
    (XAxis::Categories(values.to_vec()), xs, None)
}

/// A parameter's values, in the order the runs first take them, with the index of each run's.
fn values_of(records: &[RunRecord], name: &str) -> (Vec<String>, Vec<usize>) {
    let mut values: Vec<String> = Vec::new();
    let of_run = records
        .iter()
        .map(|r| {
            let v = r.values.get(name).map_or("", String::as_str);
            values.iter().position(|x| x == v).unwrap_or_else(|| {
                values.push(v.to_string());
                values.len() - 1
            })
        })
        .collect();
    (values, of_run)
}

/// Lines a chart splits into, one per value of the other parameter, when there is one other
/// parameter with at most this many values.
const MAX_SPLIT: usize = 6;

/// The chart of one metric against one parameter. At each of the parameter's values: the
/// median of the finished runs with that value and their p5–p95 band. With one other parameter
/// of at most `MAX_SPLIT` values, one line per value of it (over the seeds); otherwise one line
/// over the seeds and the other parameters' values.
pub fn metric_chart(sweep: &str, records: &[RunRecord], param: usize, metric: usize) -> Chart {
    let params = &records[0].sweep.parameters;
    let name = &params[param];
    let (values, value_of) = values_of(records, name);
    let (x_axis, xs, unit) = axis_of(&values);
    let split = match params.len() {
        2 => {
            let other = &params[1 - param];
            Some((other, values_of(records, other))).filter(|(_, (v, _))| v.len() <= MAX_SPLIT)
        }
        _ => None,
    };
    let (groups, group_of) = match &split {
        Some((_, (values, of))) => (values.clone(), of.clone()),
        None => (vec![String::new()], vec![0; records.len()]),
    };
    let mut series = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let mut by_value: Vec<Vec<f64>> = vec![Vec::new(); values.len()];
        for ((r, &v), _) in records
            .iter()
            .zip(&value_of)
            .zip(&group_of)
            .filter(|(_, gr)| **gr == g)
        {
            if let Some(m) = &r.metrics {
                by_value[v].push(m.values()[metric]);
            }
        }
        let (mut runs, mut median, mut band) = (Vec::new(), Vec::new(), Vec::new());
        for (x, ys) in xs.iter().zip(by_value.iter_mut()) {
            if ys.is_empty() {
                continue;
            }
            runs.extend(ys.iter().map(|y| (*x, *y)));
            ys.sort_by(f64::total_cmp);
            let at = |p: u64| ys[nearest_rank(p, ys.len())];
            median.push((*x, at(50)));
            band.push((*x, at(5), at(95)));
        }
        let (label, key, band_label) = match &split {
            Some((other, _)) => (
                format!("{other} = {group}, median of the seeds"),
                split_key(other, group),
                if g == 0 { "p5 to p95 of the seeds" } else { "" },
            ),
            None if params.len() > 1 => (
                "median of the runs at each value (all seeds and other parameters)".into(),
                POINTS.to_string(),
                "p5 to p95",
            ),
            None => (
                "median of the runs at each value".into(),
                POINTS.to_string(),
                "p5 to p95",
            ),
        };
        if split.is_none() {
            series.push(each_run(&key, runs));
        }
        series.push(Series {
            label,
            key,
            points: median,
            style: Style::LineDots { radius: 5 },
            band,
            band_label: band_label.into(),
        });
    }
    let def = &METRICS[metric];
    let axis_name = def.axis.split(" (").next().unwrap_or(def.axis);
    Chart {
        title: format!("{sweep}: {axis_name} by {name}"),
        x_label: match unit {
            Some(u) => format!("{name} ({u})"),
            None => name.clone(),
        },
        y_label: def.axis.to_string(),
        series,
        x_axis,
        ..Chart::default()
    }
}

/// Faint dots, one per run, behind the points or lines that sum them up.
fn each_run(key: &str, points: Vec<(f64, f64)>) -> Series {
    Series {
        label: "each run".into(),
        key: key.into(),
        points,
        style: Style::Dots {
            radius: 3,
            faint: true,
        },
        ..Series::default()
    }
}

/// The colour key of the line for one value of the parameter a chart splits by.
fn split_key(param: &str, value: &str) -> String {
    format!("{param}={value}")
}

/// A file name's stem from a parameter's name: characters other than letters, digits, `-`,
/// `_` and `.` become `_`.
fn stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every chart of a sweep, named (the file stem under `plots/`): the Pareto charts first,
/// then each plotted metric that is not 0 in every run, against each parameter.
pub struct SweepCharts {
    pub charts: Vec<(String, Chart)>,
    pub palette: Palette,
    pub means: Vec<PointMeans>,
    /// Per Pareto chart (same order as the first charts): its x metric and its front.
    pub fronts: Vec<(&'static str, Vec<usize>)>,
    /// Plotted metrics left out because every run has 0.
    pub always_zero: Vec<&'static str>,
}

pub fn charts(records: &[RunRecord]) -> SweepCharts {
    let mut out = SweepCharts {
        charts: Vec::new(),
        palette: palette(records),
        means: point_means(records),
        fronts: Vec::new(),
        always_zero: Vec::new(),
    };
    let Some(first) = records.first() else {
        return out;
    };
    let sweep = &first.sweep.name;
    let values: Vec<[f64; METRICS.len()]> = records
        .iter()
        .filter_map(|r| r.metrics.as_ref().map(|m| m.values()))
        .collect();
    let nonzero = |k: usize| values.iter().any(|v| v[k] != 0.0);
    let unserved = metric_index("unserved_requests");
    let mut pareto = vec![(
        "pending_pod_seconds",
        "pending pod-seconds",
        "pareto_pending",
    )];
    if nonzero(unserved) {
        pareto.push(("unserved_requests", "unserved requests", "pareto_unserved"));
    }
    for (metric, axis, file) in pareto {
        let (chart, front) = pareto_chart(sweep, records, &out.means, metric, axis);
        out.charts.push((file.to_string(), chart));
        out.fronts.push((metric, front));
    }
    for (p, name) in first.sweep.parameters.iter().enumerate() {
        for (k, def) in METRICS.iter().enumerate() {
            if !def.plotted {
                continue;
            }
            if !nonzero(k) {
                if p == 0 {
                    out.always_zero.push(def.name);
                }
                continue;
            }
            let file = format!("{}_by_{}", def.name, stem(name));
            out.charts.push((file, metric_chart(sweep, records, p, k)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::run::{Metrics, SweepId};

    #[test]
    fn the_front_keeps_what_nothing_beats_on_both() {
        // (pending, cost): 1 beats 4 on both; 2 and 3 trade one for the other; 0 and 5 tie.
        let xy = [
            (10.0, 5.0),
            (4.0, 7.0),
            (2.0, 9.0),
            (1.0, 12.0),
            (5.0, 8.0),
            (10.0, 5.0),
            (12.0, 5.0),
            (f64::NAN, 1.0),
        ];
        assert_eq!(pareto_front(&xy), vec![3, 2, 1, 0, 5]);
        // Equal x: only the lower cost is on the front.
        assert_eq!(pareto_front(&[(1.0, 2.0), (1.0, 1.0)]), vec![1]);
        assert_eq!(pareto_front(&[]), Vec::<usize>::new());
    }

    #[test]
    fn axes_read_numbers_durations_or_names() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            axis_of(&v(&["0.3", "0.5"])),
            (XAxis::Number, vec![0.3, 0.5], None)
        );
        // Durations in the unit that keeps the ticks round.
        assert_eq!(
            axis_of(&v(&["2m", "1h30m"])),
            (XAxis::Number, vec![2.0, 90.0], Some("min"))
        );
        assert_eq!(
            axis_of(&v(&["30s", "2m"])),
            (XAxis::Number, vec![30.0, 120.0], Some("s"))
        );
        assert_eq!(axis_of(&v(&["1h", "12h"])).2, Some("h"));
        assert_eq!(axis_of(&v(&["1d", "7d"])).2, Some("d"));
        let names = v(&["Standard_D4s_v5", "Standard_D8s_v5"]);
        assert_eq!(
            axis_of(&names),
            (XAxis::Categories(names.clone()), vec![0.0, 1.0], None)
        );
        // One value that is not a number makes the whole axis names.
        assert!(matches!(axis_of(&v(&["1", "x"])).0, XAxis::Categories(_)));
    }

    fn record(run: u64, values: [&str; 2], cost: f64, pending: f64) -> RunRecord {
        RunRecord {
            sweep: SweepId {
                identity: "x".into(),
                name: "s".into(),
                runs: 8,
                replicas: 2,
                parameters: vec!["t".into(), "size".into()],
            },
            run,
            point: run / 2,
            replica: (run % 2) as u32,
            seed: run,
            values: [
                ("t".to_string(), values[0].to_string()),
                ("size".to_string(), values[1].to_string()),
            ]
            .into(),
            metrics: Some(Metrics::sample(cost, pending)),
            error: None,
        }
    }

    fn sample() -> Vec<RunRecord> {
        vec![
            record(0, ["5m", "D4"], 10.0, 100.0),
            record(1, ["5m", "D4"], 12.0, 140.0),
            record(2, ["5m", "D8"], 20.0, 50.0),
            record(3, ["5m", "D8"], 22.0, 70.0),
            record(4, ["10m", "D4"], 30.0, 200.0),
            record(5, ["10m", "D4"], 30.0, 200.0),
            record(6, ["10m", "D8"], 25.0, 40.0),
            record(7, ["10m", "D8"], 27.0, 40.0),
        ]
    }

    #[test]
    fn pareto_chart_marks_the_points_nothing_beats() {
        let records = sample();
        let means = point_means(&records);
        // Means (pending, cost): (120, 11), (60, 21), (200, 30), (40, 26).
        assert_eq!(means[1].means[0], 21.0);
        let (chart, front) = pareto_chart("s", &records, &means, "pending_pod_seconds", "p");
        assert_eq!(front, vec![3, 1, 0]);
        let front_series = &chart.series[2];
        assert_eq!(
            front_series.points,
            vec![(40.0, 26.0), (60.0, 21.0), (120.0, 11.0)]
        );
        let labels: Vec<&str> = chart.labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(labels, ["10m, D8", "5m, D8", "5m, D4"]);
        assert_eq!(chart.series[0].points.len(), 8, "one faint dot per run");
    }

    #[test]
    fn metric_charts_give_median_and_band_over_everything_at_a_value() {
        // A third parameter with one value: no other parameter to split the lines by.
        let mut records = sample();
        for r in &mut records {
            r.sweep.parameters.push("z".into());
            r.values.insert("z".into(), "1".into());
        }
        let c = metric_chart("s", &records, 0, 0);
        assert_eq!(c.x_axis, XAxis::Number);
        assert_eq!(c.x_label, "t (min)");
        // t = 5m: costs 10, 12, 20, 22 → nearest-rank p5 10, p50 12, p95 22.
        let median = &c.series[1];
        assert_eq!(median.points, vec![(5.0, 12.0), (10.0, 27.0)]);
        assert_eq!(median.band, vec![(5.0, 10.0, 22.0), (10.0, 25.0, 30.0)]);
        assert_eq!(c.series[0].points.len(), 8, "one faint dot per run");
        let c = metric_chart("s", &records, 1, 2);
        assert_eq!(c.x_axis, XAxis::Categories(vec!["D4".into(), "D8".into()]));
        // size = D8: pending 50, 70, 40, 40 → sorted 40, 40, 50, 70; the median is the 2nd.
        assert_eq!(c.series[1].points, vec![(0.0, 140.0), (1.0, 40.0)]);
    }

    #[test]
    fn with_two_parameters_each_value_of_the_other_gets_its_line() {
        let records = sample();
        let c = metric_chart("s", &records, 0, 0);
        let labels: Vec<&str> = c.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "size = D4, median of the seeds",
                "size = D8, median of the seeds"
            ]
        );
        // size = D4: costs 10, 12 at 5m and 30, 30 at 10m, over the two seeds.
        assert_eq!(c.series[0].points, vec![(5.0, 10.0), (10.0, 30.0)]);
        assert_eq!(
            c.series[0].band,
            vec![(5.0, 10.0, 12.0), (10.0, 30.0, 30.0)]
        );
        assert_eq!(c.series[1].points, vec![(5.0, 20.0), (10.0, 25.0)]);
        // One legend entry for the bands, and a colour per value shared by every chart.
        assert_eq!(c.series[0].band_label, "p5 to p95 of the seeds");
        assert_eq!(c.series[1].band_label, "");
        assert_eq!(c.series[1].key, split_key("size", "D8"));
    }

    #[test]
    fn every_chart_is_named_and_zero_metrics_are_left_out() {
        let records = sample();
        let all = charts(&records);
        let names: Vec<&str> = all.charts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[0], "pareto_pending");
        assert!(
            !names.contains(&"pareto_unserved"),
            "no run left demand unserved"
        );
        assert!(names.contains(&"total_cost_usd_by_t"));
        assert!(names.contains(&"pending_pod_seconds_by_size"));
        assert!(!names.iter().any(|n| n.starts_with("events_processed")));
        // cost, node cost, pending and peak nodes, for each of two parameters.
        assert_eq!(names.len(), 1 + 4 * 2);
        assert!(all.always_zero.contains(&"unserved_requests"));
        assert_eq!(stem("a b/c.d-e"), "a_b_c.d-e");
    }
}
