//! A sweep's charts, from its run records: cost against pending pod-seconds (and against
//! unserved requests when some run left demand unserved), one dot per point with the Pareto
//! front marked; and each metric against each parameter, the median of the runs at each value
//! with their p5–p95 band.

use std::collections::HashMap;

use crate::observe::nearest_rank;
use crate::report::plots::{Chart, Label, Palette, Series, Style, XAxis};

use super::metrics::{METRICS, metric_index};
use super::run::RunRecord;

/// Front points labelled with their values at most.
const MAX_LABELS: usize = 12;

/// Runs drawn as faint dots in one chart at most; more are thinned to every k-th run.
const MAX_RUN_DOTS: usize = 2_000;

/// A numeric parameter with more distinct values than this (random mode) is grouped into
/// `BINS` equal slices of its range.
const MAX_X_GROUPS: usize = 12;
const BINS: usize = 10;

/// Lines a chart splits into, one per value of the other parameter, when there is one other
/// parameter with at most this many values.
const MAX_SPLIT: usize = 6;

/// Nearest-rank p5 and p95 of fewer runs than this are their minimum and maximum.
const RUNS_FOR_PERCENTILES: usize = 20;

/// Colour keys: the points, runs and bands share the first colour, the front has the second;
/// lines split by another parameter's values follow (see `split_key`).
const POINTS: &str = "points";
const FRONT: &str = "front";

/// A parameter's values in the order the runs first take them, and each run's value (an index
/// into them).
#[derive(Debug, Clone)]
pub struct ParamValues {
    pub name: String,
    pub values: Vec<String>,
    pub of_run: Vec<usize>,
}

impl ParamValues {
    pub fn of(records: &[RunRecord], name: &str) -> ParamValues {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut values: Vec<String> = Vec::new();
        let of_run = records
            .iter()
            .map(|r| {
                let v = r.values.get(name).map_or("", String::as_str);
                *index.entry(v).or_insert_with(|| {
                    values.push(v.to_string());
                    values.len() - 1
                })
            })
            .collect();
        ParamValues {
            name: name.to_string(),
            values,
            of_run,
        }
    }
}

/// The colours of a sweep's charts: the same value of a parameter gets the same colour in
/// every chart.
fn palette(params: &[ParamValues]) -> Palette {
    let mut keys = vec![POINTS.to_string(), FRONT.to_string()];
    for p in params.iter().rev() {
        keys.extend(p.values.iter().map(|v| split_key(&p.name, v)));
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

/// Indexes (into `xy`) of the points no other point beats: none has an x and a y at least as
/// low with one of them lower. Both are minimised. Sorted by x, then y; points with equal x
/// and y are all on the front or all off it.
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

/// The boundary of what a front (sorted by x, so y falls) beats: right from each point at its
/// y, then down to the next point. No setting between two front points was simulated; the
/// steps show what each point beats, not a curve to pick from.
fn staircase(front: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(2 * front.len());
    for (i, &p) in front.iter().enumerate() {
        if i > 0 {
            out.push((p.0, front[i - 1].1));
        }
        out.push(p);
    }
    out
}

/// Faint dots, one per run, behind the points or lines that sum them up: `(point, (x, y))`.
/// Past `MAX_RUN_DOTS` runs, the runs of every k-th point are drawn, so that every seed of a
/// drawn point shows.
fn each_run(key: &str, runs: Vec<(u64, (f64, f64))>) -> Series {
    let step = runs.len().div_ceil(MAX_RUN_DOTS).max(1) as u64;
    let label = if step == 1 {
        "each run".to_string()
    } else {
        format!("each run (of 1 point in {step})")
    };
    Series {
        label,
        key: key.into(),
        points: runs
            .into_iter()
            .filter(|(point, _)| point % step == 0)
            .map(|(_, xy)| xy)
            .collect(),
        style: Style::Dots {
            radius: 3,
            faint: true,
        },
        ..Series::default()
    }
}

/// The plot area of a chart in pixels, roughly (the chart less its axes, title and margins),
/// and the width of one character and the height of a line of a label there.
const PLOT_PX: (f64, f64) = (900.0, 440.0);
const LABEL_PX: (f64, f64) = (6.5, 18.0);

/// Labels for the front points, from the left, leaving out a point too close to one already
/// labelled for its text to be read: a label runs rightwards from its point, as wide as its
/// text, one line tall. `extent` is everything the chart's axes span.
fn front_labels(front: &[(f64, f64)], texts: &[String], extent: &[(f64, f64)]) -> Vec<Label> {
    let spread = |f: fn(&(f64, f64)) -> f64| {
        let lo = extent.iter().map(f).fold(f64::INFINITY, f64::min);
        let hi = extent.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        if hi > lo { hi - lo } else { 1.0 }
    };
    // Pixels per unit of x and of y.
    let (px, py) = (PLOT_PX.0 / spread(|p| p.0), PLOT_PX.1 / spread(|p| p.1));
    let mut labels: Vec<Label> = Vec::new();
    for (p, text) in front.iter().zip(texts) {
        let clear = labels.iter().all(|l| {
            let wide = l.text.chars().count().max(text.chars().count()) as f64 * LABEL_PX.0;
            (p.0 - l.x).abs() * px > wide + 4.0 || (p.1 - l.y).abs() * py > LABEL_PX.1
        });
        if clear && labels.len() < MAX_LABELS {
            labels.push(Label {
                x: p.0,
                y: p.1,
                text: text.clone(),
            });
        }
    }
    labels
}

/// The Pareto chart of cost against `x_metric`, and the points on its front (into `means`).
pub fn pareto_chart(
    sweep: &str,
    records: &[RunRecord],
    means: &[PointMeans],
    x_metric: &str,
) -> (Chart, Vec<usize>) {
    let (xk, yk) = (metric_index(x_metric), metric_index("total_cost_usd"));
    let xy: Vec<(f64, f64)> = means.iter().map(|m| (m.means[xk], m.means[yk])).collect();
    let front = pareto_front(&xy);
    let front_xy: Vec<(f64, f64)> = front.iter().map(|&i| xy[i]).collect();
    let texts: Vec<String> = front.iter().map(|&i| means[i].values.join(", ")).collect();
    let runs: Vec<(u64, (f64, f64))> = records
        .iter()
        .filter_map(|r| r.metrics.as_ref().map(|m| (r.point, m.values())))
        .map(|(p, v)| (p, (v[xk], v[yk])))
        .collect();
    let extent: Vec<(f64, f64)> = runs.iter().map(|(_, xy)| *xy).chain(xy.clone()).collect();
    let replicas = records.first().map_or(1, |r| r.sweep.replicas);
    let seeds = if means.iter().any(|m| m.runs < replicas as usize) {
        "mean of its finished seeds".to_string()
    } else if replicas == 1 {
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
        // No legend entry: the dots below carry it.
        key: FRONT.into(),
        points: staircase(&front_xy),
        ..Series::default()
    });
    series.push(Series {
        label: format!("Pareto front (labels: {names})"),
        key: FRONT.into(),
        points: front_xy.clone(),
        style: Style::Dots {
            radius: 6,
            faint: false,
        },
        ..Series::default()
    });
    let chart = Chart {
        title: format!("{sweep}: cost against {}", METRICS[xk].short_axis()),
        x_label: format!("{}, {seeds}", METRICS[xk].axis),
        y_label: format!("{}, {seeds}", METRICS[yk].axis),
        series,
        y_fit: true,
        labels: front_labels(&front_xy, &texts, &extent),
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

/// Where the runs of each value are summed up on the x axis: at the value itself, or, for a
/// numeric parameter with more than `MAX_X_GROUPS` values, at the middle of its slice of the
/// range (`BINS` equal slices). Returns each value's group and the groups' x.
fn x_groups(axis: &XAxis, xs: &[f64]) -> (Vec<usize>, Vec<f64>) {
    let mut distinct = xs.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    // ("1" and "1.0" are two values but one x.)
    if *axis != XAxis::Number || distinct.len() <= MAX_X_GROUPS {
        return ((0..xs.len()).collect(), xs.to_vec());
    }
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let width = (hi - lo) / BINS as f64;
    let group = xs
        .iter()
        .map(|x| (((x - lo) / width) as usize).min(BINS - 1))
        .collect();
    let centres = (0..BINS).map(|b| lo + (b as f64 + 0.5) * width).collect();
    (group, centres)
}

/// The median: the middle value, or the mean of the two middle ones. `ys` are sorted.
fn median(ys: &[f64]) -> f64 {
    let n = ys.len();
    if n % 2 == 1 {
        ys[n / 2]
    } else {
        (ys[n / 2 - 1] + ys[n / 2]) / 2.0
    }
}

/// The chart of one metric against one parameter. At each of the parameter's values (or
/// slices of its range): the median of the finished runs and their p5–p95 band. With one other
/// parameter of at most `MAX_SPLIT` values, one line per value of it (over the seeds);
/// otherwise one line over the seeds and the other parameters' values.
pub fn metric_chart(
    sweep: &str,
    params: &[ParamValues],
    records: &[RunRecord],
    param: usize,
    metric: usize,
) -> Chart {
    let this = &params[param];
    let (x_axis, xs, unit) = axis_of(&this.values);
    let (group_of_value, group_x) = x_groups(&x_axis, &xs);
    let split = match params {
        [_, _] => Some(&params[1 - param]).filter(|o| o.values.len() <= MAX_SPLIT),
        _ => None,
    };
    let lines = split.map_or(1, |o| o.values.len());
    // Side by side, so that the bars and dots of one name do not hide each other.
    let dodge = |line: usize| match (&x_axis, lines) {
        (XAxis::Categories(_), n) if n > 1 => (line as f64 - (n - 1) as f64 / 2.0) * 0.12,
        _ => 0.0,
    };
    let mut fewest = usize::MAX;
    let mut series = Vec::new();
    for line in 0..lines {
        let mut by_group: Vec<Vec<f64>> = vec![Vec::new(); group_x.len()];
        let mut runs = Vec::new();
        for (r, record) in records.iter().enumerate() {
            if split.is_some_and(|o| o.of_run[r] != line) {
                continue;
            }
            if let Some(m) = &record.metrics {
                let v = m.values()[metric];
                let value = this.of_run[r];
                by_group[group_of_value[value]].push(v);
                runs.push((record.point, (xs[value] + dodge(line), v)));
            }
        }
        let (mut mid, mut band) = (Vec::new(), Vec::new());
        for (x, ys) in group_x.iter().zip(by_group.iter_mut()) {
            if ys.is_empty() {
                continue;
            }
            fewest = fewest.min(ys.len());
            ys.sort_by(f64::total_cmp);
            let at = |p: u64| ys[nearest_rank(p, ys.len())];
            mid.push((x + dodge(line), median(ys)));
            band.push((x + dodge(line), at(5), at(95)));
        }
        let label = match split {
            Some(o) => format!("{} = {}, median of the seeds", o.name, o.values[line]),
            None if params.len() > 1 => {
                "median at each value (all seeds and other parameters)".to_string()
            }
            None => "median at each value".to_string(),
        };
        let key = split.map_or(POINTS.to_string(), |o| split_key(&o.name, &o.values[line]));
        if split.is_none() {
            series.push(each_run(&key, runs));
        }
        series.push(Series {
            label,
            key,
            points: mid,
            style: Style::LineDots { radius: 5 },
            band,
            band_label: String::new(),
        });
    }
    // One legend entry for the bands, on the first line.
    let of = if split.is_some() { " of the seeds" } else { "" };
    let band_label = if fewest >= RUNS_FOR_PERCENTILES {
        format!("p5 to p95{of}")
    } else {
        format!("p5 to p95{of} (min to max under {RUNS_FOR_PERCENTILES} runs)")
    };
    if let Some(s) = series.iter_mut().find(|s| !s.band.is_empty()) {
        s.band_label = band_label;
    }
    let def = &METRICS[metric];
    let axis_name = def.short_axis();
    let name = &this.name;
    let grouped = if group_x.len() < xs.len() {
        format!(", runs grouped in {BINS} slices")
    } else {
        String::new()
    };
    Chart {
        title: format!("{sweep}: {axis_name} by {name}"),
        x_label: match unit {
            Some(u) => format!("{name} ({u}){grouped}"),
            None => format!("{name}{grouped}"),
        },
        y_label: def.axis.to_string(),
        series,
        x_axis,
        ..Chart::default()
    }
}

/// The colour key of the line for one value of the parameter a chart splits by.
fn split_key(param: &str, value: &str) -> String {
    format!("{param}={value}")
}

/// A file name's stem from a parameter's name: characters other than letters, digits, `-`,
/// `_` and `.` become `_`, so that no name makes a path or a hidden file. The sweep file
/// refuses longer names; run files merged from elsewhere are cut to the same length, so that
/// a chart's file name always fits.
fn stem(name: &str) -> String {
    name.chars()
        .take(super::spec::MAX_NAME_CHARS)
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
    /// Plotted metrics left out because every finished run has 0.
    pub always_zero: Vec<&'static str>,
}

pub fn charts(records: &[RunRecord]) -> SweepCharts {
    let names = records
        .first()
        .map_or(&[][..], |r| r.sweep.parameters.as_slice());
    let params: Vec<ParamValues> = names.iter().map(|n| ParamValues::of(records, n)).collect();
    let mut out = SweepCharts {
        charts: Vec::new(),
        palette: palette(&params),
        means: point_means(records),
        fronts: Vec::new(),
        always_zero: Vec::new(),
    };
    let values: Vec<[f64; METRICS.len()]> = records
        .iter()
        .filter_map(|r| r.metrics.as_ref().map(|m| m.values()))
        .collect();
    // Nothing finished: nothing to draw.
    let Some(first) = records.first().filter(|_| !values.is_empty()) else {
        return out;
    };
    let sweep = &first.sweep.name;
    let nonzero = |k: usize| values.iter().any(|v| v[k] != 0.0);
    let unserved = metric_index("unserved_requests");
    let mut pareto = vec![("pending_pod_seconds", "pareto_pending")];
    if nonzero(unserved) {
        pareto.push(("unserved_requests", "pareto_unserved"));
    }
    for (metric, file) in pareto {
        let (chart, front) = pareto_chart(sweep, records, &out.means, metric);
        out.charts.push((file.to_string(), chart));
        out.fronts.push((metric, front));
    }
    out.always_zero = METRICS
        .iter()
        .enumerate()
        .filter(|(k, def)| def.plotted && !nonzero(*k))
        .map(|(_, def)| def.name)
        .collect();
    // Two names may give one stem ("a b", "a/b"): the later one gets its column number.
    let mut stems: Vec<String> = Vec::new();
    for (p, param) in params.iter().enumerate() {
        let base = stem(&param.name);
        let mut s = base.clone();
        let mut n = p + 1;
        while stems.contains(&s) {
            s = format!("{base}_{n}");
            n += 1;
        }
        stems.push(s);
    }
    for (p, s) in stems.iter().enumerate() {
        for (k, def) in METRICS.iter().enumerate() {
            if def.plotted && nonzero(k) {
                let file = format!("{}_by_{s}", def.name);
                out.charts
                    .push((file, metric_chart(sweep, &params, records, p, k)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::metrics::Metrics;
    use crate::sweep::run::SweepId;

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
        let (chart, front) = pareto_chart("s", &records, &means, "pending_pod_seconds");
        assert_eq!(front, vec![3, 1, 0]);
        // The front's points, and the steps of what they beat: right, then down.
        assert_eq!(
            chart.series[3].points,
            vec![(40.0, 26.0), (60.0, 21.0), (120.0, 11.0)]
        );
        assert_eq!(
            chart.series[2].points,
            vec![
                (40.0, 26.0),
                (60.0, 26.0),
                (60.0, 21.0),
                (120.0, 21.0),
                (120.0, 11.0)
            ]
        );
        assert_eq!(chart.series[2].label, "", "the steps have no legend entry");
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
        let params: Vec<ParamValues> = ["t", "size", "z"]
            .iter()
            .map(|n| ParamValues::of(&records, n))
            .collect();
        let c = metric_chart("s", &params, &records, 0, 0);
        assert_eq!(c.x_axis, XAxis::Number);
        assert_eq!(c.x_label, "t (min)");
        // t = 5m: costs 10, 12, 20, 22 → median (12 + 20) / 2, nearest-rank p5 10, p95 22.
        let median = &c.series[1];
        assert_eq!(median.points, vec![(5.0, 16.0), (10.0, 28.5)]);
        assert_eq!(median.band, vec![(5.0, 10.0, 22.0), (10.0, 25.0, 30.0)]);
        assert_eq!(median.band_label, "p5 to p95 (min to max under 20 runs)");
        assert_eq!(c.series[0].points.len(), 8, "one faint dot per run");
        let c = metric_chart("s", &params, &records, 1, 2);
        assert_eq!(c.x_axis, XAxis::Categories(vec!["D4".into(), "D8".into()]));
        // size = D8: pending 50, 70, 40, 40 → sorted 40, 40, 50, 70; median 45.
        assert_eq!(c.series[1].points, vec![(0.0, 170.0), (1.0, 45.0)]);
    }

    #[test]
    fn with_two_parameters_each_value_of_the_other_gets_its_line() {
        let records = sample();
        let params: Vec<ParamValues> = ["t", "size"]
            .iter()
            .map(|n| ParamValues::of(&records, n))
            .collect();
        let c = metric_chart("s", &params, &records, 0, 0);
        let labels: Vec<&str> = c.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "size = D4, median of the seeds",
                "size = D8, median of the seeds"
            ]
        );
        // size = D4: costs 10, 12 at 5m and 30, 30 at 10m, over the two seeds.
        assert_eq!(c.series[0].points, vec![(5.0, 11.0), (10.0, 30.0)]);
        assert_eq!(
            c.series[0].band,
            vec![(5.0, 10.0, 12.0), (10.0, 30.0, 30.0)]
        );
        assert_eq!(c.series[1].points, vec![(5.0, 21.0), (10.0, 26.0)]);
        // One legend entry for the bands, and a colour per value shared by every chart.
        assert_eq!(
            c.series[0].band_label,
            "p5 to p95 of the seeds (min to max under 20 runs)"
        );
        assert_eq!(c.series[1].band_label, "");
        assert_eq!(c.series[1].key, split_key("size", "D8"));
        // Against the names, the two lines stand side by side.
        let c = metric_chart("s", &params, &records, 1, 0);
        assert_eq!(c.series[0].points[0].0, -0.06);
        assert_eq!(c.series[1].points[0].0, 0.06);
    }

    #[test]
    fn many_numeric_values_are_grouped_in_slices_of_the_range() {
        // Random mode: 40 distinct values of x from 0 to 39, cost = x.
        let records: Vec<RunRecord> = (0..40)
            .map(|i| {
                let mut r = record(i, ["5m", "D4"], i as f64, 0.0);
                r.sweep.parameters = vec!["x".into()];
                r.sweep.runs = 40;
                r.sweep.replicas = 1;
                r.point = i;
                r.values = [("x".to_string(), i.to_string())].into();
                r
            })
            .collect();
        let params = [ParamValues::of(&records, "x")];
        let c = metric_chart("s", &params, &records, 0, 0);
        let median = &c.series[1];
        // Ten slices of width 3.9: the first holds 0..=3 (median 1.5) at its middle, 1.95.
        assert_eq!(median.points.len(), 10);
        assert!(
            (median.points[0].0 - 1.95).abs() < 1e-9,
            "{:?}",
            median.points
        );
        assert_eq!(median.points[0].1, 1.5);
        assert!(c.x_label.ends_with("runs grouped in 10 slices"));
        assert_eq!(c.series[0].points.len(), 40, "each run at its own x");
    }

    #[test]
    fn past_two_thousand_runs_every_seed_of_every_kth_point_is_drawn() {
        // 2,000 points of 2 seeds: the runs of every other point, both seeds each.
        let runs: Vec<(u64, (f64, f64))> = (0..4000u64)
            .map(|r| (r / 2, (r as f64, (r % 2) as f64)))
            .collect();
        let s = each_run("k", runs);
        assert_eq!(s.points.len(), 2000);
        assert_eq!(s.label, "each run (of 1 point in 2)");
        let seeds: Vec<f64> = s.points.iter().map(|p| p.1).take(4).collect();
        assert_eq!(seeds, [0.0, 1.0, 0.0, 1.0]);
        assert_eq!(each_run("k", vec![(0, (1.0, 1.0))]).label, "each run");
    }

    #[test]
    fn the_front_is_labelled_where_the_labels_can_be_read() {
        let all = [(0.0, 0.0), (100.0, 100.0)];
        let front = [(0.0, 50.0), (1.0, 50.5), (50.0, 40.0), (51.0, 20.0)];
        let texts: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let labels = front_labels(&front, &texts, &all);
        let labels: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        // b would print over a; d is under c, but far enough below to be read.
        assert_eq!(labels, ["a", "c", "d"]);
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
        assert_eq!(stem(&"é".repeat(300)), "_".repeat(100));
        // Two names with one stem get two files.
        let mut renamed = sample();
        for r in &mut renamed {
            r.sweep.parameters = vec!["a b".into(), "a/b".into()];
            let (t, size) = (r.values["t"].clone(), r.values["size"].clone());
            r.values = [("a b".to_string(), t), ("a/b".to_string(), size)].into();
        }
        let names: Vec<String> = charts(&renamed)
            .charts
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(names.contains(&"total_cost_usd_by_a_b".to_string()));
        assert!(
            names.contains(&"total_cost_usd_by_a_b_2".to_string()),
            "{names:?}"
        );
        // Nothing finished: nothing drawn, and no metric called 0 in every run.
        let failed: Vec<RunRecord> = sample()
            .into_iter()
            .map(|mut r| {
                r.metrics = None;
                r.error = Some("stopped".into());
                r
            })
            .collect();
        let none = charts(&failed);
        assert!(none.charts.is_empty() && none.always_zero.is_empty() && none.means.is_empty());
    }
}
