//! A sweep's `report.html`: one self-contained page (the same policy, style and escaping as a
//! run's page) with what was swept, the Pareto charts and the points on each front with the
//! command that reproduces them, every point's main metrics, each metric against each
//! parameter, the failed runs, and the sweep file with its base scenario.

use std::fmt::Write;

use crate::report::html::{Cell, escape, figure, heading, note, num, page_head, table, text};

use super::charts::SweepCharts;
use super::metrics::{METRICS, metric_index};
use super::run::RunRecord;
use super::store::Manifest;

/// Points listed in the table of points at most; `points.csv` has them all.
pub const MAX_POINT_ROWS: usize = 1_000;
/// Failed runs listed at most; `runs.csv` has them all.
pub const MAX_FAILED_ROWS: usize = 100;

/// The metrics of the tables, besides the ones left out because every run has 0.
const TABLE_METRICS: [&str; 6] = [
    "total_cost_usd",
    "pending_pod_seconds",
    "unserved_requests",
    "peak_nodes_total",
    "time_to_ready_p95_s",
    "failed_scale_ups",
];

/// The page. `records` hold every run, sorted; `svgs` are `charts.charts` drawn, in order.
pub fn render(
    records: &[RunRecord],
    manifest: Option<&Manifest>,
    charts: &SweepCharts,
    svgs: &[String],
) -> String {
    let Some(first) = records.first() else {
        return String::new();
    };
    let id = &first.sweep;
    let failed = records.iter().filter(|r| r.error.is_some()).count();
    let mut out = String::with_capacity(64 * 1024 + svgs.iter().map(String::len).sum::<usize>());
    page_head(&mut out, &format!("aksim sweep: {}", id.name));
    let points = id.runs / u64::from(id.replicas.max(1));
    let mode = manifest.map_or(String::new(), |m| {
        format!(
            " · {} · sweep seed {}",
            match m.mode {
                super::Mode::Grid => "grid",
                super::Mode::Random => "random samples",
            },
            m.seed
        )
    });
    let _ = write!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">sweep of {} point{} × {} seed{} = {} runs{} · \
         identity {} · aksim {}</p>\n<nav><a href=\"#summary\">Summary</a>\
         <a href=\"#pareto\">Cost against waiting</a><a href=\"#points\">Points</a>\
         <a href=\"#parameters\">By parameter</a><a href=\"#sweep\">Sweep file</a></nav>\n</header>\n",
        escape(&id.name),
        points,
        plural(points),
        id.replicas,
        plural(u64::from(id.replicas)),
        id.runs,
        escape(&mode),
        escape(&id.identity),
        env!("CARGO_PKG_VERSION"),
    );

    out.push_str("<section id=\"summary\">\n");
    heading(&mut out, 2, "Summary");
    match manifest {
        Some(m) => {
            let rows: Vec<Vec<Cell>> = m
                .parameters
                .iter()
                .map(|p| vec![text(&p.name), text(&p.path), text(&p.domain)])
                .collect();
            table(&mut out, &["parameter", "scenario path", "values"], &rows);
        }
        None => {
            let rows: Vec<Vec<Cell>> = id.parameters.iter().map(|p| vec![text(p)]).collect();
            table(&mut out, &["parameter"], &rows);
        }
    }
    let finished = records.len() - failed;
    note(
        &mut out,
        &format!(
            "{finished} of {} runs finished{}. Costs and pending pod-seconds are per run; a point's \
             value is the mean over its seeds.",
            records.len(),
            if failed == 0 {
                String::new()
            } else {
                format!("; {failed} failed (listed below)")
            }
        ),
    );
    let cost = metric_index("total_cost_usd");
    let pending = metric_index("pending_pod_seconds");
    let best = |k: usize| {
        charts.means.iter().min_by(|a, b| {
            a.means[k]
                .total_cmp(&b.means[k])
                .then(a.point.cmp(&b.point))
        })
    };
    if let (Some(c), Some(p)) = (best(cost), best(pending)) {
        let rows = vec![
            vec![
                text("lowest cost"),
                text(c.values.join(", ")),
                num(format!("{:.2}", c.means[cost])),
                num(format!("{:.0}", c.means[pending])),
            ],
            vec![
                text("least waiting"),
                text(p.values.join(", ")),
                num(format!("{:.2}", p.means[cost])),
                num(format!("{:.0}", p.means[pending])),
            ],
        ];
        table(
            &mut out,
            &[
                "",
                &id.parameters.join(", "),
                "total cost (USD)",
                "pending pod-seconds",
            ],
            &rows,
        );
    }
    out.push_str("</section>\n");

    let columns: Vec<usize> = TABLE_METRICS
        .iter()
        .map(|m| metric_index(m))
        .filter(|&k| !charts.always_zero.contains(&METRICS[k].name))
        .collect();
    out.push_str("<section id=\"pareto\">\n");
    heading(&mut out, 2, "Cost against waiting");
    note(
        &mut out,
        if charts.fronts.is_empty() {
            "No run finished, so there is nothing to draw."
        } else {
            "Each dot is a point of the sweep (the mean over its seeds), the faint dots its runs. \
             A point is on the Pareto front when no other point costs as little and waits as \
             little and does better on one of the two: the choice between the points on the \
             front is a trade, every other point is beaten by one of them. The steps mark what \
             the front beats; no setting between two front points was simulated."
        },
    );
    // The Pareto charts are the first charts, one per front.
    for (((metric, front), (_, chart)), svg) in charts.fronts.iter().zip(&charts.charts).zip(svgs) {
        figure(&mut out, &chart.title, &id.name, svg);
        let _ = writeln!(
            out,
            "<p>The {} point{} on the front, by {} (least first):</p>",
            front.len(),
            plural(front.len() as u64),
            escape(METRICS[metric_index(metric)].short_axis())
        );
        let mut head: Vec<String> = vec!["point".into()];
        head.extend(id.parameters.iter().cloned());
        head.extend(columns.iter().map(|&k| METRICS[k].axis.to_string()));
        let rows: Vec<Vec<Cell>> = front
            .iter()
            .map(|&i| {
                let m = &charts.means[i];
                point_row(m.point, &m.values, &m.means, &columns)
            })
            .collect();
        let head: Vec<&str> = head.iter().map(String::as_str).collect();
        table(&mut out, &head, &rows);
        if let Some(manifest) = manifest {
            out.push_str(
                "<p>Each of them again, its first finished seed, with every output of a run \
                 (events, charts, its own report):</p>\n<pre>",
            );
            for &i in front {
                let m = &charts.means[i];
                let _ = writeln!(
                    out,
                    "# point {}: {}\n{}",
                    m.point,
                    escape(&m.values.join(", ")),
                    escape(&reproduce(manifest, &id.name, records, m.point))
                );
            }
            out.push_str("</pre>\n");
        }
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"points\">\n");
    heading(&mut out, 2, "Points");
    let on_front: Vec<u64> = charts
        .fronts
        .first()
        .map(|(_, f)| f.iter().map(|&i| charts.means[i].point).collect())
        .unwrap_or_default();
    note(
        &mut out,
        &format!(
            "Means over each point's finished seeds; ★ marks the points on the front of cost \
             against pending pod-seconds. points.csv has every metric with its p5, p50 and p95{}.",
            if points > MAX_POINT_ROWS as u64 {
                format!("; the first {MAX_POINT_ROWS} of {points} points are listed")
            } else {
                String::new()
            }
        ),
    );
    let mut head: Vec<String> = vec!["point".into()];
    head.extend(id.parameters.iter().cloned());
    head.extend(columns.iter().map(|&k| METRICS[k].axis.to_string()));
    head.push("seeds finished".into());
    // Every point, those whose seeds all failed too (with empty cells).
    let mut means = charts.means.iter().peekable();
    let rows: Vec<Vec<Cell>> = records
        .chunk_by(|a, b| a.point == b.point)
        .take(MAX_POINT_ROWS)
        .map(|group| {
            let point = group[0].point;
            let m = means.next_if(|m| m.point == point);
            let values: Vec<String> = id
                .parameters
                .iter()
                .map(|p| group[0].values.get(p).cloned().unwrap_or_default())
                .collect();
            let mut row = match m {
                Some(m) => point_row(point, &values, &m.means, &columns),
                None => {
                    let mut row = point_row(point, &values, &[], &[]);
                    row.extend(columns.iter().map(|_| num("")));
                    row
                }
            };
            if on_front.contains(&point) {
                row[0] = num(format!("★ {point}"));
            }
            row.push(num(m.map_or(0, |m| m.runs).to_string()));
            row
        })
        .collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    table(&mut out, &head, &rows);
    out.push_str("</section>\n");

    out.push_str("<section id=\"parameters\">\n");
    heading(&mut out, 2, "By parameter");
    note(
        &mut out,
        "At each value of a parameter (or, past twelve numeric values, each tenth of its \
         range): the median of the runs, with a band from their 5th to their 95th percentile \
         (their minimum to maximum under 20 runs). With two parameters, each value of the \
         other one gets its own line over the seeds when it has at most six values; otherwise \
         one line covers the seeds and the other parameters' values.",
    );
    if !charts.always_zero.is_empty() {
        note(
            &mut out,
            &format!(
                "Not drawn, 0 in every run: {}.",
                charts.always_zero.join(", ")
            ),
        );
    }
    for ((_, chart), svg) in charts.charts.iter().zip(svgs).skip(charts.fronts.len()) {
        figure(&mut out, &chart.title, &id.name, svg);
    }
    out.push_str("</section>\n");

    if failed > 0 {
        out.push_str("<section id=\"failed\">\n");
        heading(&mut out, 2, "Failed runs");
        let rows: Vec<Vec<Cell>> = records
            .iter()
            .filter_map(|r| r.error.as_ref().map(|e| (r, e)))
            .take(MAX_FAILED_ROWS)
            .map(|(r, e)| {
                vec![
                    num(r.run.to_string()),
                    num(r.point.to_string()),
                    num(r.seed.to_string()),
                    text(e),
                ]
            })
            .collect();
        table(&mut out, &["run", "point", "seed", "error"], &rows);
        if failed > MAX_FAILED_ROWS {
            note(
                &mut out,
                &format!("{} more in runs.csv.", failed - MAX_FAILED_ROWS),
            );
        }
        out.push_str("</section>\n");
    }

    out.push_str("<section id=\"sweep\">\n");
    heading(&mut out, 2, "Sweep file");
    match manifest {
        Some(m) => {
            let _ = write!(
                out,
                "<p class=\"note\">{}:</p>\n<pre>{}</pre>\n<h3>Base scenario</h3>\n\
                 <p class=\"note\">{}, before each point's values:</p>\n<pre>{}</pre>\n",
                escape(&m.file),
                escape(&m.text),
                escape(&m.scenario_file),
                escape(&m.scenario_text)
            );
        }
        None => note(
            &mut out,
            "The folders held no sweep.json, so the sweep file and its scenario are not shown.",
        ),
    }
    out.push_str("</section>\n</body>\n</html>\n");
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn point_row(point: u64, values: &[String], means: &[f64], columns: &[usize]) -> Vec<Cell> {
    let mut row = vec![num(point.to_string())];
    row.extend(values.iter().map(text));
    row.extend(columns.iter().map(|&k| {
        let decimals = if METRICS[k].name.ends_with("_usd") {
            2
        } else {
            1
        };
        num(format!("{:.*}", decimals, means[k]))
    }));
    row
}

/// The `aksim run` command of a point's first finished run: the base scenario, the point's
/// values, the run's seed, and a folder of its own (`results/<sweep>/point-<p>`).
fn reproduce(manifest: &Manifest, sweep: &str, records: &[RunRecord], point: u64) -> String {
    let Some(r) = records
        .iter()
        .find(|r| r.point == point && r.metrics.is_some())
    else {
        return String::new();
    };
    let mut words = vec![
        "aksim".to_string(),
        "run".to_string(),
        shell_word(&manifest.scenario_file),
    ];
    for p in &manifest.parameters {
        if let Some(v) = r.values.get(&p.name) {
            words.push("--set".into());
            words.push(shell_word(&format!("{}={v}", p.path)));
        }
    }
    words.push("--seed".into());
    words.push(r.seed.to_string());
    words.push("--out".into());
    words.push(shell_word(&format!("results/{sweep}/point-{point}")));
    words.join(" ")
}

/// A word as a POSIX shell reads it back: bare when it is safe, else in single quotes.
fn shell_word(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::metrics::Metrics;
    use crate::sweep::run::SweepId;
    use crate::sweep::store::ManifestParameter;

    const HOSTILE: &str = "<img src=x onerror=alert(1)>";

    fn record(run: u64, cost: f64, error: Option<&str>) -> RunRecord {
        RunRecord {
            sweep: SweepId {
                identity: "abc".into(),
                name: "s".into(),
                runs: 4,
                replicas: 2,
                parameters: vec![HOSTILE.into()],
            },
            run,
            point: run / 2,
            replica: (run % 2) as u32,
            seed: 40 + run,
            values: [(HOSTILE.to_string(), format!("{HOSTILE}{}", run / 2))].into(),
            metrics: error
                .is_none()
                .then_some(Metrics::sample(cost, 100.0 - cost)),
            error: error.map(String::from),
        }
    }

    #[test]
    fn every_text_of_the_sweep_is_escaped_and_failed_runs_are_listed() {
        let records = vec![
            record(0, 10.0, None),
            record(1, 12.0, None),
            record(2, 20.0, None),
            record(3, 0.0, Some(HOSTILE)),
        ];
        let manifest = Manifest {
            identity: "abc".into(),
            name: "s".into(),
            file: format!("{HOSTILE}.toml"),
            text: HOSTILE.into(),
            scenario_file: "base.toml".into(),
            scenario_text: format!("# </pre>{HOSTILE}"),
            mode: crate::sweep::Mode::Grid,
            seed: 1,
            replicas: 2,
            points: 2,
            parameters: vec![ManifestParameter {
                name: HOSTILE.into(),
                path: "deployment.web.image.name".into(),
                domain: HOSTILE.into(),
            }],
        };
        let charts = crate::sweep::charts::charts(&records);
        let draw = |charts: &SweepCharts| -> Vec<String> {
            charts
                .charts
                .iter()
                .map(|(_, c)| crate::report::plots::render_svg(c, &charts.palette).unwrap())
                .collect()
        };
        let svgs = draw(&charts);
        let page = render(&records, Some(&manifest), &charts, &svgs);
        assert!(!page.contains("<img"), "{page}");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        // Both points are on the front (one is cheaper, the other waits less); the command
        // that reproduces one quotes its value for the shell.
        assert!(page.contains("The 2 points on the front"), "{page}");
        assert!(page.contains(
            "--set &#39;deployment.web.image.name=&lt;img src=x onerror=alert(1)&gt;0&#39; --seed 40"
        ));
        assert!(page.contains("<h2>Failed runs</h2>"));
        assert!(page.contains("3 of 4 runs finished; 1 failed"));
        assert!(page.contains("--out results/s/point-0"));
        // A point whose seeds all failed is still listed, with 0 seeds finished.
        let mut all_failed = records.clone();
        all_failed[2] = record(2, 0.0, Some("stopped"));
        let charts_1 = crate::sweep::charts::charts(&all_failed);
        let page_1 = render(&all_failed, Some(&manifest), &charts_1, &draw(&charts_1));
        assert!(page_1.contains("The 1 point on the front"), "{page_1}");
        let last_row = page_1.split("<tr><td class=\"n\">1</td>").nth(1).unwrap();
        let last_row = &last_row[..last_row.find("</tr>").unwrap()];
        assert!(last_row.ends_with("<td class=\"n\">0</td>"), "{last_row}");
        // Without sweep.json the page says so and shows no command.
        let page = render(&records, None, &charts, &svgs);
        assert!(page.contains("held no sweep.json") && !page.contains("aksim run"));
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(
            shell_word("node_pool.win.vm_size=Standard_D4s_v5"),
            "node_pool.win.vm_size=Standard_D4s_v5"
        );
        assert_eq!(shell_word("a.b=\"7\""), "'a.b=\"7\"'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("my scenarios/x.toml"), "'my scenarios/x.toml'");
    }
}
