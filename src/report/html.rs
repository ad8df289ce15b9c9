//! `report.html`: one self-contained page per run — the summary, the charts as inline SVG, a
//! timeline of the autoscalers' and faults' decisions from the event log, and the scenario
//! text. No script, font, stylesheet or image is loaded from anywhere (a Content Security
//! Policy forbids it), so the file can be mailed and opened offline. Every text that comes from
//! the scenario or the run passes through [`escape`].

use std::fmt::Write;

use super::{DrawnChart, Summary};
use crate::engine::SimTime;
use crate::observe::Percentiles;
use crate::observe::record::{Record, ScaleUpCause};
use crate::sim::Outputs;

/// Timeline rows shown at most; the rest are counted and left to `events.jsonl`.
pub const MAX_TIMELINE_ROWS: usize = 2_000;

/// Nothing may be fetched; inline styles are the only thing the page needs.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE: &str = "\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;\
max-width:1100px;margin:0 auto;padding:1rem 1.5rem}
h1{font-size:1.6rem;margin:.6rem 0 .2rem}
h2{font-size:1.3rem;border-bottom:2px solid #d0d7de;padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.05rem;margin:1.3rem 0 .4rem}
.meta,.note{color:#59636e}
nav a{margin-right:1rem}
table{border-collapse:collapse;margin:.3rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.2rem .55rem;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}
td.n{text-align:right;white-space:nowrap}
td.n,td.t{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:.9em}
td.t{white-space:nowrap}
figure{margin:1rem 0 1.6rem}
svg{display:block;max-width:100%;height:auto;border:1px solid #d0d7de}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.75rem;overflow:auto;\
font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
@media print{body{max-width:none;padding:0;font-size:11pt}nav{display:none}\
h2{break-before:auto;break-after:avoid}h3{break-after:avoid}figure,tr{break-inside:avoid}\
pre{white-space:pre-wrap;overflow:visible}}
";

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page of a finished run; `charts` are the run's charts, already drawn as SVG.
/// `timeline` holds the event log's decisions (`Timeline::absorb`).
pub fn render(
    sim: &Outputs,
    summary: &Summary,
    charts: &[DrawnChart],
    timeline: &Timeline,
) -> String {
    let s = &sim.world.scenario;
    let name = &s.simulation.name;
    let mut out = String::with_capacity(64 * 1024 + charts.len() * 64 * 1024);
    page_head(
        &mut out,
        &format!("aksim: {name} (seed {})", s.simulation.seed),
    );
    let _ = write!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">seed {} · {} simulated, {} to {} · aksim {}</p>\n\
         <nav><a href=\"#summary\">Summary</a><a href=\"#charts\">Charts</a>\
         <a href=\"#timeline\">Timeline</a><a href=\"#scenario\">Scenario</a></nav>\n</header>\n",
        escape(name),
        s.simulation.seed,
        escape(&s.simulation.duration.to_string()),
        escape(&summary.start),
        escape(&sim.world.log.wall_clock(sim.world.end)),
        escape(summary.aksim_version),
    );
    summary_section(&mut out, sim, summary);
    charts_section(&mut out, name, charts);
    timeline_section(&mut out, sim, timeline);
    let _ = write!(
        out,
        "<section id=\"scenario\">\n<h2>Scenario</h2>\n<p class=\"note\">{}, after any \
         <code>--set</code> overrides:</p>\n<pre>{}</pre>\n</section>\n</body>\n</html>\n",
        escape(&s.file),
        escape(&s.text)
    );
    out
}

/// The page's start up to `<body>`: the policy that forbids fetching anything, the title
/// (escaped here) and the style sheet.
pub(crate) fn page_head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        escape(CSP),
        escape(title),
    );
}

/// A table cell: text, or a number (right-aligned, monospace), or a time (monospace).
pub(crate) enum Cell {
    Text(String),
    Num(String),
    Time(String),
}

pub(crate) fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

pub(crate) fn num(s: impl Into<String>) -> Cell {
    Cell::Num(s.into())
}

pub(crate) fn usd(x: f64) -> Cell {
    num(format!("{x:.2}"))
}

/// Writes one table; every header and cell is escaped here.
pub(crate) fn table(out: &mut String, head: &[&str], rows: &[Vec<Cell>]) {
    out.push_str("<table>\n<thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let (class, s) = match cell {
                Cell::Text(s) => ("", s),
                Cell::Num(s) => (" class=\"n\"", s),
                Cell::Time(s) => (" class=\"t\"", s),
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(s));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

pub(crate) fn heading(out: &mut String, level: u8, title: &str) {
    let _ = writeln!(out, "<h{level}>{}</h{level}>", escape(title));
}

pub(crate) fn note(out: &mut String, s: &str) {
    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(s));
}

fn percentile_row(label: &str, p: &Percentiles) -> Vec<Cell> {
    let mut row = vec![text(label), num(p.count.to_string())];
    for v in [p.p50_s, p.p95_s, p.p99_s, p.max_s, p.mean_s] {
        row.push(num(format!("{v:.1}")));
    }
    row
}

fn summary_section(out: &mut String, sim: &Outputs, m: &Summary) {
    out.push_str("<section id=\"summary\">\n");
    heading(out, 2, "Summary");

    heading(out, 3, "Cost");
    table(
        out,
        &["", "USD"],
        &[
            vec![text("total"), usd(m.total_cost_usd)],
            vec![text("nodes"), usd(m.node_cost_usd)],
            vec![text("control plane"), usd(m.control_plane_cost_usd)],
        ],
    );
    let pools: Vec<Vec<Cell>> = sim
        .world
        .cluster
        .pools
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = &p.spec.name;
            vec![
                text(n.as_str()),
                text(sim.world.scenario.pools[i].os.as_str()),
                usd(m.cost_by_pool_usd[n]),
                num(format!("{:.1}", m.node_hours_by_pool[n])),
                num(m.peak_nodes_by_pool[n].to_string()),
                num(m.nodes_created_by_pool[n].to_string()),
                num(m.nodes_at_end_by_pool[n].to_string()),
            ]
        })
        .collect();
    table(
        out,
        &[
            "pool",
            "os",
            "cost (USD)",
            "node-hours",
            "peak nodes",
            "nodes created",
            "nodes at end",
        ],
        &pools,
    );
    let zones: Vec<Vec<Cell>> = m
        .cost_by_zone_usd
        .iter()
        .map(|(z, c)| vec![text(z.as_str()), usd(*c)])
        .collect();
    table(out, &["zone", "cost (USD)"], &zones);

    heading(out, 3, "Nodes and pods");
    let count = |label: &str, v: String| vec![text(label), num(v)];
    let mut rows = vec![
        count("peak nodes (all pools)", m.peak_nodes_total.to_string()),
        count("pods created", m.pods_created.to_string()),
        count("pods deleted", m.pods_deleted.to_string()),
        count(
            "pending pod-seconds",
            format!("{:.0}", m.pending_pod_seconds),
        ),
        count(
            "unschedulable pod-seconds",
            format!("{:.0}", m.unschedulable_pod_seconds),
        ),
        count(
            "pods unscheduled at the end",
            m.pods_unscheduled_at_end.to_string(),
        ),
        count(
            "pods in ImagePullBackOff (wrong OS)",
            m.pods_image_pull_backoff.to_string(),
        ),
    ];
    for (reason, n) in &m.node_create_failures {
        rows.push(count(
            &format!("nodes not created: {reason}"),
            n.to_string(),
        ));
    }
    rows.push(count("events processed", m.events_processed.to_string()));
    table(out, &["", "count"], &rows);

    heading(out, 3, "Waits (seconds)");
    let mut waits = vec![
        percentile_row("creation to scheduled", &m.time_to_schedule_s),
        percentile_row("creation to ready", &m.time_to_ready_s),
    ];
    if !m.autoscaler.pools.is_empty() {
        waits.push(percentile_row(
            "unschedulable to running",
            &m.autoscaler.unschedulable_to_running_s,
        ));
    }
    table(
        out,
        &["", "pods", "p50", "p95", "p99", "max", "mean"],
        &waits,
    );

    heading(out, 3, "Unschedulable reasons");
    if m.unschedulable_reasons.is_empty() {
        note(out, "Every pod found a node at its first try.");
    } else {
        let rows: Vec<Vec<Cell>> = m
            .unschedulable_reasons
            .iter()
            .map(|(r, n)| vec![text(r.as_str()), num(n.to_string())])
            .collect();
        table(out, &["kube-scheduler reason", "pods"], &rows);
    }

    autoscaler_summary(out, m);
    deployments_summary(out, sim, m);
    if !m.pod_traces.is_empty() {
        heading(out, 3, "Pod traces");
        let rows: Vec<Vec<Cell>> = m
            .pod_traces
            .iter()
            .map(|(name, t)| {
                vec![
                    text(name.as_str()),
                    num(t.arrived.to_string()),
                    num(t.started.to_string()),
                    num(t.completed.to_string()),
                    num(t.restarted.to_string()),
                    num(t.never_ran.to_string()),
                    num(format!("{:.1}", t.wait_s.p95_s)),
                ]
            })
            .collect();
        table(
            out,
            &[
                "trace",
                "arrived",
                "started",
                "completed",
                "restarted",
                "never ran",
                "wait p95 (s)",
            ],
            &rows,
        );
    }
    out.push_str("</section>\n");
}

fn autoscaler_summary(out: &mut String, m: &Summary) {
    let ca = &m.autoscaler;
    heading(out, 3, "Cluster Autoscaler");
    if ca.pools.is_empty() {
        note(out, "No pool autoscales.");
    } else {
        let rows: Vec<Vec<Cell>> = ca
            .pools
            .iter()
            .map(|(pool, a)| {
                vec![
                    text(pool.as_str()),
                    num(a.scale_ups.to_string()),
                    num(a.nodes_added.to_string()),
                    num(a.nodes_removed.to_string()),
                    num(a.min_count_restores.to_string()),
                ]
            })
            .collect();
        table(
            out,
            &[
                "pool",
                "scale-ups",
                "nodes added",
                "nodes removed",
                "min_count restores",
            ],
            &rows,
        );
    }
    if !ca.failed_scale_ups.is_empty() {
        let rows: Vec<Vec<Cell>> = ca
            .failed_scale_ups
            .iter()
            .map(|(r, n)| vec![text(r.as_str()), num(n.to_string())])
            .collect();
        table(out, &["failed scale-up", "count"], &rows);
    }
    if ca.spot_evictions > 0 {
        note(out, &format!("Spot evictions: {}.", ca.spot_evictions));
    }
    if !ca.outages.is_empty() {
        let rows: Vec<Vec<Cell>> = ca
            .outages
            .iter()
            .map(|o| {
                vec![
                    num(o.zone.to_string()),
                    Cell::Time(o.start.clone()),
                    Cell::Time(o.end.clone()),
                    num(o.nodes_not_ready.to_string()),
                    num(o.pods_evicted.to_string()),
                    o.seconds_until_no_pending_pods
                        .map_or(text("still pending at the end"), |t| num(format!("{t:.0}"))),
                ]
            })
            .collect();
        table(
            out,
            &[
                "zone outage",
                "start",
                "end",
                "nodes NotReady",
                "pods evicted",
                "seconds until no pod pending",
            ],
            &rows,
        );
    }
}

/// Deployments with a load or an HPA; the others have nothing but their replica count.
fn deployments_summary(out: &mut String, sim: &Outputs, m: &Summary) {
    let busy: Vec<_> = sim
        .world
        .scenario
        .deployments
        .iter()
        .filter(|d| d.load.is_some() || d.hpa.is_some())
        .collect();
    if busy.is_empty() {
        return;
    }
    heading(out, 3, "Deployments");
    let mut rows = Vec::new();
    let mut conditions = Vec::new();
    for d in busy {
        let ds = &m.deployments[&d.name];
        let (hpa_up, hpa_down) = match d.hpa {
            Some(_) => (
                num(ds.hpa_scale_ups.to_string()),
                num(ds.hpa_scale_downs.to_string()),
            ),
            None => (text("no HPA"), text("")),
        };
        let load = |v: String| if d.load.is_some() { num(v) } else { text("") };
        rows.push(vec![
            text(d.name.as_str()),
            num(ds.peak_desired.to_string()),
            num(ds.desired_at_end.to_string()),
            num(ds.ready_at_end.to_string()),
            hpa_up,
            hpa_down,
            load(format!("{:.0}", ds.demand_requests)),
            load(format!("{:.0}", ds.unserved_requests)),
            load(format!("{:.2}", ds.unserved_fraction * 100.0)),
            load(format!("{:.0}", ds.seconds_with_unserved_demand)),
        ]);
        for (k, v) in &ds.hpa_conditions {
            conditions.push(vec![
                text(d.name.as_str()),
                text(k.as_str()),
                text(v.as_str()),
            ]);
        }
    }
    table(
        out,
        &[
            "deployment",
            "peak desired",
            "desired at end",
            "ready at end",
            "HPA ups",
            "HPA downs",
            "demand (requests)",
            "unserved",
            "unserved %",
            "seconds with unserved demand",
        ],
        &rows,
    );
    if !conditions.is_empty() {
        table(
            out,
            &["deployment", "HPA condition at the end", "status"],
            &conditions,
        );
    }
}

fn charts_section(out: &mut String, scenario_name: &str, charts: &[DrawnChart]) {
    out.push_str("<section id=\"charts\">\n");
    heading(out, 2, "Charts");
    if charts.is_empty() {
        note(out, "No chart: the run has no sample.");
    }
    for c in charts {
        figure(out, &c.chart.title, scenario_name, &c.svg);
    }
    out.push_str("</section>\n");
}

/// A chart as a figure: its title, without the leading "`name`: ", as the heading, and the
/// SVG inline, named by the whole title.
pub(crate) fn figure(out: &mut String, title: &str, name: &str, svg: &str) {
    let short = title
        .strip_prefix(name)
        .and_then(|t| t.strip_prefix(": "))
        .unwrap_or(title);
    out.push_str("<figure>\n");
    heading(out, 3, &upper_first(short));
    out.push_str(&inline_svg(svg, title));
    out.push_str("</figure>\n");
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// An SVG document as an element of the page: anything before `<svg` (an XML prolog) goes,
/// the namespace (implied in HTML) goes, and the chart gets an accessible name.
fn inline_svg(svg: &str, label: &str) -> String {
    let body = svg.find("<svg").map_or(svg, |i| &svg[i..]);
    let body = body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    format!(
        "<svg role=\"img\" aria-label=\"{}\"{}",
        escape(label),
        &body["<svg".len().min(body.len())..]
    )
}

fn timeline_section(out: &mut String, sim: &Outputs, timeline: &Timeline) {
    out.push_str("<section id=\"timeline\">\n");
    heading(out, 2, "Timeline");
    if !sim.world.log.enabled {
        note(
            out,
            "The event log is off ([output] event_log = false), so there is no timeline.",
        );
        out.push_str("</section>\n");
        return;
    }
    let (rows, left_out) = (&timeline.rows, timeline.left_out);
    note(
        out,
        "The Cluster Autoscaler's decisions (ca_*), the HPA's rescales and the faults, from \
         events.jsonl.",
    );
    if rows.is_empty() {
        note(out, "Nothing of the kind happened in this run.");
    } else {
        let cells: Vec<Vec<Cell>> = rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Time(r.elapsed.clone()),
                    Cell::Time(r.time.clone()),
                    Cell::Time(r.kind.to_string()),
                    text(r.text.clone()),
                ]
            })
            .collect();
        table(out, &["elapsed", "time", "kind", "what"], &cells);
    }
    if left_out > 0 {
        note(
            out,
            &format!(
                "{left_out} later rows are left out (the first {MAX_TIMELINE_ROWS} are shown); \
                 events.jsonl has them all."
            ),
        );
    }
    out.push_str("</section>\n");
}

/// One timeline row, unescaped.
#[derive(Debug, PartialEq)]
struct Row {
    /// Since the start, `h:mm:ss`.
    elapsed: String,
    time: String,
    kind: &'static str,
    text: String,
}

/// The timeline's rows, gathered from the event log's milestones (`Record::is_milestone`: the
/// autoscaler's decisions, the HPA's rescales, the faults) as the log is written: the first
/// `max_rows`, and how many more there are.
#[derive(Debug)]
pub struct Timeline {
    rows: Vec<Row>,
    left_out: u64,
    max_rows: usize,
}

impl Timeline {
    pub fn new(max_rows: usize) -> Self {
        Timeline {
            rows: Vec::new(),
            left_out: 0,
            max_rows,
        }
    }

    /// Takes milestones in the order they were logged; `wall_clock` gives an instant's time as
    /// the log writes it.
    pub fn absorb(
        &mut self,
        milestones: &[(SimTime, Record)],
        wall_clock: impl Fn(SimTime) -> String,
    ) {
        for (at, record) in milestones {
            if self.rows.len() == self.max_rows {
                self.left_out += 1;
                continue;
            }
            self.rows.push(Row {
                elapsed: elapsed(*at),
                time: wall_clock(*at),
                kind: record.kind(),
                text: describe(record),
            });
        }
    }
}

fn elapsed(t: SimTime) -> String {
    let s = t.as_ms() / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The value events.jsonl holds for a float (six decimals; `None` for its `null`), so that
/// the page shows the number the log shows.
fn logged(x: f64) -> Option<f64> {
    x.is_finite()
        .then(|| serde_json::from_str(&format!("{x:.6}")).unwrap_or(x))
}

/// A float of the log in JSON's shortest form (`0.26`, `1.0`); empty for `null`.
fn number(x: f64) -> String {
    logged(x).map_or(String::new(), |v| {
        serde_json::to_string(&v).unwrap_or_default()
    })
}

/// One line a person reads, from a milestone's fields.
fn describe(record: &Record) -> String {
    use Record as R;
    // Parts that are empty are dropped, the others joined with "; ".
    let parts: Vec<String> = match record {
        R::CaScaleUp {
            pools,
            cause: ScaleUpCause::MinCount { reason },
            ..
        } => vec![pools.to_string(), reason.to_string()],
        R::CaScaleUp {
            pools,
            cause:
                ScaleUpCause::PendingPods {
                    pending_pods,
                    pods,
                    reasons,
                    expander,
                    skipped,
                    ..
                },
            ..
        } => vec![
            format!(
                "{pools} for {pending_pods} pending pod(s) ({pods}{})",
                // The log names the first five pods.
                if *pending_pods > 5 { ", …" } else { "" }
            ),
            labelled("unschedulable", reasons),
            labelled("expander", expander),
            labelled("skipped", skipped),
        ],
        R::CaNoScaleUp {
            pending_pods,
            reason,
        } => vec![
            format!("{pending_pods} pending pod(s), no pool can help"),
            reason.to_string(),
        ],
        R::CaScaleUpFailed {
            pool,
            reason,
            message,
            backoff_until,
        } => vec![
            format!("{pool}: {reason}"),
            message.to_string(),
            labelled("backed off until", backoff_until),
        ],
        R::CaNodeUnneeded {
            node,
            utilization,
            resource,
        } => vec![format!(
            "{node} unneeded: {resource} utilization {}",
            number(*utilization)
        )],
        R::CaNodeKept { node, reason, .. } => vec![format!("{node} kept: {reason}")],
        R::CaScaleDownCooldown {
            until,
            nodes_waiting,
            reason,
        } => vec![
            format!("scale-down waits until {until} ({nodes_waiting} node(s) due)"),
            reason.to_string(),
        ],
        R::CaScaleDown {
            node,
            pool,
            utilization,
            unneeded_for_s,
            removal,
        } => vec![format!(
            "{node} ({pool}) removed ({}), utilization {}, unneeded for {:.0}s",
            removal.as_str(),
            number(*utilization),
            logged(*unneeded_for_s).unwrap_or(0.0)
        )],
        R::CaHalted { reason } => vec!["the autoscaler stops".to_string(), reason.to_string()],
        R::CaResumed => vec!["the autoscaler resumes".to_string()],
        R::HpaScaled(s) => vec![
            format!("{}: {} → {} replicas", s.deployment, s.current, s.desired),
            s.reason.to_string(),
            if s.limited_by.is_empty() {
                String::new()
            } else {
                format!("limited by {}: {}", s.limited_by, s.limit_message)
            },
        ],
        R::ZoneOutage { zone, nodes, until } => vec![format!(
            "zone {zone} down until {until}: {nodes} node(s) NotReady"
        )],
        R::ZoneRecovered { zone } => vec![format!("zone {zone} is back")],
        R::SpotEviction { node, pool, reason } => {
            vec![format!("{node} ({pool})"), reason.to_string()]
        }
        R::StockOut {
            vm_size,
            zone,
            until,
        } => vec![format!(
            "{vm_size} out of stock in zone {} until {until}",
            zone.map_or("all".to_string(), |z| z.to_string())
        )],
        R::PodsEvicted { node, pods, reason } => vec![
            format!("{pods} pod(s) evicted from {node}"),
            reason.to_string(),
        ],
        R::NodeNotReady { node, pods, reason } => vec![
            format!("{node} NotReady with {pods} pod(s)"),
            reason.as_str().to_string(),
        ],
        // The log keeps only milestones for the timeline.
        R::NodeProvisioning { .. }
        | R::NodeCreateFailed { .. }
        | R::NodeReady { .. }
        | R::NodeDraining { .. }
        | R::NodeDeleted { .. }
        | R::NodeRemoveRefused { .. }
        | R::NodeReadyAgain { .. }
        | R::PodScheduled { .. }
        | R::PodUnschedulable { .. }
        | R::PodImagePullBackoff { .. }
        | R::ImagePull { .. }
        | R::PodRunning { .. }
        | R::PodReady { .. }
        | R::PodCompleted { .. }
        | R::PodDeleted { .. }
        | R::DeploymentScaled { .. }
        | R::HpaDecision(_) => unreachable!("{} is not a milestone", record.kind()),
    };
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn labelled(label: &str, value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        format!("{label}: {value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralizes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        // Already-escaped text is escaped again: the page shows exactly what was written.
        assert_eq!(escape("&lt;"), "&amp;lt;");
        assert_eq!(escape("zone 1 → 2, ü"), "zone 1 → 2, ü");
    }

    #[test]
    fn inline_svg_drops_prolog_and_namespace_and_escapes_its_label() {
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"10\" height=\"5\" viewBox=\"0 0 10 5\" \
                   xmlns=\"http://www.w3.org/2000/svg\">\n<text>a</text>\n</svg>\n";
        assert_eq!(
            inline_svg(svg, "a<b"),
            "<svg role=\"img\" aria-label=\"a&lt;b\" width=\"10\" height=\"5\" \
             viewBox=\"0 0 10 5\">\n<text>a</text>\n</svg>\n"
        );
    }

    #[test]
    fn timeline_keeps_milestones_and_counts_what_it_leaves_out() {
        let mut log = crate::observe::EventLog::new(true, 1_767_571_200_000, 0); // 2026-01-05
        log.emit(
            SimTime(1_000),
            Record::PodRunning {
                pod: "web-1".into(),
            },
        );
        log.emit(
            SimTime(3_725_500),
            Record::CaScaleUpFailed {
                pool: "win".into(),
                reason: "QuotaExceeded",
                message: "<b>no</b>".into(),
                backoff_until: "later".into(),
            },
        );
        log.emit(SimTime(3_726_000), Record::ZoneRecovered { zone: 2 });
        log.emit(SimTime(3_727_000), Record::CaResumed);
        log.emit(
            SimTime(3_728_000),
            Record::NodeReadyAgain { node: "n".into() },
        );
        // Read in two pieces, as a run hands its log over while it goes.
        let mut t = Timeline::new(2);
        let (first, rest) = log.milestones.split_at(2);
        t.absorb(first, |at| log.wall_clock(at));
        t.absorb(rest, |at| log.wall_clock(at));
        let (rows, left_out) = (t.rows, t.left_out);
        assert_eq!(
            left_out, 1,
            "ca_resumed is over the cap; the other kinds are no milestones"
        );
        assert_eq!(
            rows[0],
            Row {
                // 3725.5 s = 1 h 2 min 5.5 s.
                elapsed: "1:02:05".into(),
                time: "2026-01-05T01:02:05Z".into(),
                kind: "ca_scale_up_failed",
                // Unescaped here: the table escapes every cell.
                text: "win: QuotaExceeded; <b>no</b>; backed off until: later".into(),
            }
        );
        assert_eq!(rows[1].text, "zone 2 is back");
    }

    #[test]
    fn describe_hpa_and_numbers_as_the_log_writes_them() {
        let sync = crate::observe::record::HpaSync {
            deployment: "web".into(),
            current: 3,
            metrics: Vec::new(),
            proposal: Some(5),
            stabilized: Some(5),
            desired: 5,
            limited_by: "".into(),
            limit_message: "".into(),
            reason: "cpu above target".into(),
        };
        assert_eq!(
            describe(&Record::HpaScaled(sync)),
            "web: 3 → 5 replicas; cpu above target"
        );
        // events.jsonl has 1.000000 and 3010.500000: JSON reads 1.0 and 3010.5 back.
        let down = Record::CaScaleDown {
            node: "n".into(),
            pool: "p".into(),
            utilization: 1.0,
            unneeded_for_s: 3010.5,
            removal: crate::observe::record::Removal::Empty,
        };
        assert_eq!(
            describe(&down),
            "n (p) removed (empty), utilization 1.0, unneeded for 3010s"
        );
        let unneeded = Record::CaNodeUnneeded {
            node: "n".into(),
            utilization: f64::NAN,
            resource: "cpu",
        };
        assert_eq!(describe(&unneeded), "n unneeded: cpu utilization ");
    }
}
