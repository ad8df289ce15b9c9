//! The sweep file: `[sweep]` and `[[parameter]]` as written (serde, with spans) → a checked
//! `Sweep`, whose points (one value per parameter) and run seeds depend only on the file.
//!
//! A parameter is a `--set` path into the scenario and either a list of `values` (every one in
//! grid mode, one drawn per point in random mode) or, in random mode, a `range` drawn uniformly:
//! integers, floats or durations. A point's values are kept as the text `--set` takes, so that
//! `aksim run SCENARIO --set PATH=TEXT --seed SEED` reproduces any run of the sweep.

use std::ops::Range;
use std::path::Path;

use rand::RngExt;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::SweepError;
use crate::engine::rng::{RngStreams, Stream, fnv1a, splitmix64};
use crate::engine::time::{SimDuration, parse_duration};
use crate::scenario::error::{self, Diagnostic, Location};
use crate::scenario::overrides::{self, Edits};

/// At most this many runs (points × replicas) in one sweep.
pub const MAX_RUNS: u64 = 100_000;

/// The longest parameter name, in characters. A name heads a column and, one byte per
/// character (`charts::stem`), is part of chart file names: staged, the longest is
/// `.unschedulable_to_running_p95_s_by_<name>.svg.tmp-<pid>`, and 100 keeps it well under the
/// 255 bytes a file name may have.
pub const MAX_NAME_CHARS: usize = 100;

/// Columns of `runs.csv` that a parameter's name may not take.
const RESERVED_COLUMNS: [&str; 5] = ["run", "point", "replica", "seed", "error"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sweep: Spanned<RawSweep>,
    #[serde(default)]
    parameter: Vec<Spanned<RawParameter>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    name: Spanned<String>,
    scenario: Spanned<String>,
    #[serde(default)]
    seed: Option<Spanned<i64>>,
    #[serde(default)]
    replicas: Option<Spanned<i64>>,
    #[serde(default)]
    mode: Option<Spanned<Mode>>,
    #[serde(default)]
    samples: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    path: Spanned<String>,
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    values: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    #[serde(default)]
    range: Option<Spanned<Vec<Spanned<toml::Value>>>>,
}

/// How points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every combination of the parameters' values; the last parameter varies fastest.
    Grid,
    /// `samples` points, each parameter drawn independently.
    Random,
}

/// What a parameter ranges over.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Value texts in `--set` syntax.
    Values(Vec<String>),
    /// Uniform over the integers `lo..=hi`.
    Integers { lo: i64, hi: i64 },
    /// Uniform over `[lo, hi]`, rounded to five significant digits of the width.
    Floats { lo: f64, hi: f64 },
    /// Uniform over whole seconds (milliseconds when an end is not whole seconds).
    Durations { lo_ms: u64, hi_ms: u64 },
}

impl Domain {
    /// The values, or the range, in words: `2m, 5m, 10m`; `integers 1 to 8`; `0.3 to 0.7`.
    pub fn describe(&self) -> String {
        match self {
            Domain::Values(v) => v.join(", "),
            Domain::Integers { lo, hi } => format!("integers {lo} to {hi}"),
            Domain::Floats { lo, hi } => format!("{lo} to {hi}"),
            Domain::Durations { lo_ms, hi_ms } => format!(
                "{} to {}",
                SimDuration::from_ms(*lo_ms),
                SimDuration::from_ms(*hi_ms)
            ),
        }
    }
}

/// One `[[parameter]]`.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Its column in the CSV files (`name`, or the path).
    pub name: String,
    /// The `--set` path into the scenario.
    pub path: String,
    pub domain: Domain,
    /// The spans of its `values` (each) or of its `range`, for messages.
    spans: Vec<Range<usize>>,
}

/// A checked sweep file with its base scenario's text.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The sweep file as the user named it.
    pub file: String,
    text: String,
    pub name: String,
    /// The base scenario's path (relative to the working directory).
    pub scenario_file: String,
    pub scenario_text: String,
    pub seed: u64,
    pub replicas: u32,
    pub mode: Mode,
    pub parameters: Vec<Parameter>,
    /// Per point, each parameter's value text (`--set` syntax).
    pub points: Vec<Vec<String>>,
    /// A stable hash of what the results depend on; run files carry it.
    pub identity: String,
    scenario_span: Range<usize>,
}

/// What `Sweep::check_points` found: the scenario's warnings with the first point's values, and
/// the memory one run may need at most (the largest point's estimate) against the smallest
/// `simulation.memory_limit` of the points.
#[derive(Debug, Clone)]
pub struct Checked {
    pub warnings: Vec<String>,
    pub peak_bytes: u64,
    pub limit_bytes: u64,
}

impl Sweep {
    /// Reads and checks a sweep file (not yet its points against the scenario: `check_points`).
    pub fn load(path: &Path) -> Result<Sweep, SweepError> {
        let file = path.display().to_string();
        let text = crate::scenario::read_text_at_most(path, 16 << 20).map_err(|e| {
            SweepError::Input(format!("error: {file}: cannot read the sweep file: {e}"))
        })?;
        Sweep::from_text(&file, &text)
    }

    /// Checks sweep text; `file` names it in messages and locates the scenario.
    pub fn from_text(file: &str, text: &str) -> Result<Sweep, SweepError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let span = e.span();
            let mut d = Diagnostic::error(
                span.clone(),
                span.map_or(String::new(), |s| field_at(text, s.start)),
                e.message().trim_end().to_string(),
            );
            if let Some(h) = crate::scenario::typo_hint(e.message()) {
                d = d.with_hint(h);
            }
            SweepError::Input(render(file, text, &[d]))
        })?;
        let mut diags = Vec::new();
        let sweep = raw.sweep.get_ref();

        let name = sweep.name.get_ref().trim().to_string();
        diags.extend(crate::scenario::validate::folder_name_error(
            &name,
            Some(sweep.name.span()),
            "sweep.name",
        ));
        let seed = match &sweep.seed {
            None => 1,
            Some(s) if *s.get_ref() >= 0 => *s.get_ref() as u64,
            Some(s) => {
                diags.push(Diagnostic::error(
                    Some(s.span()),
                    "sweep.seed",
                    "the seed cannot be negative",
                ));
                1
            }
        };
        let replicas = match &sweep.replicas {
            None => 1,
            Some(r) if (1..=i64::from(u32::MAX)).contains(r.get_ref()) => *r.get_ref() as u32,
            Some(r) => {
                diags.push(
                    Diagnostic::error(Some(r.span()), "sweep.replicas", "must be at least 1")
                        .with_hint(
                            "replicas is the number of runs per point, each with its own seed",
                        ),
                );
                1
            }
        };
        let mode = sweep.mode.as_ref().map_or(Mode::Grid, |m| *m.get_ref());
        let samples = match (mode, &sweep.samples) {
            (Mode::Random, None) => {
                diags.push(
                    Diagnostic::error(
                        Some(raw.sweep.span()),
                        "sweep.samples",
                        "random mode needs the number of points to draw",
                    )
                    .with_hint("add e.g. samples = 20 to [sweep]"),
                );
                0
            }
            (Mode::Random, Some(s)) if *s.get_ref() >= 1 => *s.get_ref() as u64,
            (Mode::Random, Some(s)) => {
                diags.push(Diagnostic::error(
                    Some(s.span()),
                    "sweep.samples",
                    "must be at least 1",
                ));
                0
            }
            (Mode::Grid, Some(s)) => {
                diags.push(
                    Diagnostic::error(
                        Some(s.span()),
                        "sweep.samples",
                        "samples is for mode = \"random\"; a grid runs every combination of the values",
                    )
                    .with_hint("remove samples, or set mode = \"random\""),
                );
                0
            }
            (Mode::Grid, None) => 0,
        };

        let mut parameters: Vec<Parameter> = Vec::new();
        for (i, p) in raw.parameter.iter().enumerate() {
            if let Some(param) = check_parameter(i, p, mode, &parameters, &mut diags) {
                parameters.push(param);
            }
        }

        // The scenario, relative to the sweep file.
        let base_dir = Path::new(file)
            .parent()
            .filter(|p| !p.as_os_str().is_empty());
        let scenario_path = match base_dir {
            Some(dir) => dir.join(sweep.scenario.get_ref()),
            None => Path::new(sweep.scenario.get_ref()).to_path_buf(),
        };
        let scenario_file = scenario_path.display().to_string();
        let scenario_text = match crate::scenario::read_text_at_most(&scenario_path, 16 << 20) {
            Ok(t) => t,
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        Some(sweep.scenario.span()),
                        "sweep.scenario",
                        format!("cannot read {scenario_file}: {e}"),
                    )
                    .with_hint("the path is relative to the sweep file's folder"),
                );
                String::new()
            }
        };

        let points = if diags.is_empty() {
            let n_points = match mode {
                Mode::Grid => parameters.iter().fold(1u128, |n, p| match &p.domain {
                    Domain::Values(v) => n.saturating_mul(v.len() as u128),
                    _ => n,
                }),
                Mode::Random => u128::from(samples),
            };
            let runs = n_points.saturating_mul(u128::from(replicas));
            if runs > u128::from(MAX_RUNS) {
                diags.push(
                    Diagnostic::error(
                        Some(raw.sweep.span()),
                        "sweep",
                        format!(
                            "{n_points} points × {replicas} replicas = {runs} runs; a sweep holds at most {MAX_RUNS}"
                        ),
                    )
                    .with_hint("use fewer values, or mode = \"random\" with fewer samples"),
                );
                Vec::new()
            } else {
                expand(mode, n_points as u64, seed, &parameters)
            }
        } else {
            Vec::new()
        };
        if !diags.is_empty() {
            return Err(SweepError::Input(render(file, text, &diags)));
        }
        let identity = identity(seed, replicas, mode, samples, &parameters, &scenario_text);
        Ok(Sweep {
            file: file.to_string(),
            text: text.to_string(),
            name,
            scenario_file,
            scenario_text,
            seed,
            replicas,
            mode,
            parameters,
            points,
            identity,
            scenario_span: sweep.scenario.span(),
        })
    }

    /// The sweep file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Runs in the sweep: points × replicas.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.replicas)
    }

    /// The point and replica of run `r` (r = point × replicas + replica).
    pub fn locate(&self, run: u64) -> (u64, u32) {
        let r = u64::from(self.replicas);
        (run / r, (run % r) as u32)
    }

    /// The seed of one run, from the sweep's seed, the point and the replica only; at most
    /// 2⁶³ − 1, since a scenario's seed is a (signed) TOML integer.
    pub fn run_seed(&self, point: u64, replica: u32) -> u64 {
        splitmix64(splitmix64(splitmix64(self.seed) ^ point) ^ u64::from(replica)) >> 1
    }

    /// The `--set` arguments of a point, and the seed's when one is given.
    pub fn sets(&self, point: u64, seed: Option<u64>) -> Vec<String> {
        let values = &self.points[point as usize];
        let mut sets: Vec<String> = self
            .parameters
            .iter()
            .zip(values)
            .map(|(p, v)| format!("{}={v}", p.path))
            .collect();
        if let Some(seed) = seed {
            sets.push(format!("simulation.seed={seed}"));
        }
        sets
    }

    /// Loads the scenario with every point's values (in the current rayon pool) and reports the
    /// first point that does not give a valid scenario, naming its parameter in the sweep file.
    /// Returns the warnings of the first point.
    pub fn check_points(&self) -> Result<Checked, SweepError> {
        use rayon::prelude::*;
        let load = |p: u64| {
            crate::load_str(
                &self.scenario_file,
                &self.scenario_text,
                &self.sets(p, Some(self.run_seed(p, 0))),
            )
        };
        // Each point's estimated peak memory and its limit (`scenario::size`).
        let sizes: Vec<Result<(u64, u64), crate::ScenarioError>> = (0..self.points.len() as u64)
            .into_par_iter()
            .map(|p| {
                load(p).map(|l| {
                    let s = &l.scenario;
                    (
                        crate::scenario::size::estimate(s).bytes,
                        s.simulation.memory_limit_bytes,
                    )
                })
            })
            .collect();
        let bad = sizes
            .iter()
            .enumerate()
            .find_map(|(p, r)| r.as_ref().err().map(|e| (p as u64, e)));
        if let Some((p, e)) = bad {
            return Err(SweepError::Input(self.explain_bad_point(p, e)));
        }
        let sizes = sizes.into_iter().flatten();
        let (peak_bytes, limit_bytes) = sizes.fold((0, u64::MAX), |(peak, limit), (b, l)| {
            (peak.max(b), limit.min(l))
        });
        let warnings = match self.points.first() {
            Some(_) => load(0).map(|l| l.warnings).unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(Checked {
            warnings,
            peak_bytes,
            limit_bytes,
        })
    }

    /// How many runs may go at once within the scenario's `simulation.memory_limit`: the
    /// process's own share of the estimate is counted once, each run's cluster once per run;
    /// at least one.
    pub fn runs_at_once(checked: &Checked) -> usize {
        let base = crate::scenario::size::BASE_BYTES;
        let per_run = checked.peak_bytes.saturating_sub(base).max(1);
        (checked.limit_bytes.saturating_sub(base) / per_run).clamp(1, usize::MAX as u64) as usize
    }

    fn explain_bad_point(&self, point: u64, e: &crate::ScenarioError) -> String {
        let values = &self.points[point as usize];
        // The parameter whose `--set` the scenario's first error points at, if any.
        let culprit = e
            .diagnostics
            .iter()
            .zip(&e.located)
            .filter(|(d, _)| d.severity == error::Severity::Error)
            .find_map(|(_, l)| match l {
                Location::Set { arg } => self
                    .parameters
                    .iter()
                    .position(|p| arg.starts_with(&format!("{}=", p.path))),
                _ => None,
            });
        let d = match culprit {
            Some(k) => {
                let p = &self.parameters[k];
                let span = match &p.domain {
                    Domain::Values(v) => v
                        .iter()
                        .position(|t| *t == values[k])
                        .and_then(|i| p.spans.get(i).cloned()),
                    _ => p.spans.first().cloned(),
                };
                Diagnostic::error(
                    span,
                    format!("parameter {:?}", p.name),
                    format!(
                        "the value {} (point {point}) does not apply to the scenario",
                        values[k]
                    ),
                )
            }
            None if crate::load_str(&self.scenario_file, &self.scenario_text, &[]).is_err() => {
                Diagnostic::error(
                    Some(self.scenario_span.clone()),
                    "sweep.scenario",
                    "the scenario is not valid by itself, before any parameter is set",
                )
            }
            None => {
                let list: Vec<String> = self
                    .parameters
                    .iter()
                    .zip(values)
                    .map(|(p, v)| format!("{} = {v}", p.name))
                    .collect();
                Diagnostic::error(
                    None,
                    format!("point {point}"),
                    format!(
                        "these values together do not give a valid scenario: {}",
                        list.join(", ")
                    ),
                )
            }
        };
        let located = error::locate(&self.text, &Edits::default(), d.span.clone());
        format!("{}\n{e}", error::render(&self.file, &d, &located))
    }
}

fn check_parameter(
    i: usize,
    p: &Spanned<RawParameter>,
    mode: Mode,
    earlier: &[Parameter],
    diags: &mut Vec<Diagnostic>,
) -> Option<Parameter> {
    let raw = p.get_ref();
    let path = raw.path.get_ref().trim().to_string();
    let field = format!("parameter[{i}]");
    let before = diags.len();
    let path_ok = !path.is_empty()
        && path
            .split('.')
            .all(|k| !k.is_empty() && !k.contains(|c: char| c.is_whitespace() || c == '='));
    if !path_ok {
        diags.push(
            Diagnostic::error(
                Some(raw.path.span()),
                format!("{field}.path"),
                format!("{path:?} is not a --set path"),
            )
            .with_hint(
                "keys joined by dots, array elements by name or index: node_pool.win.vm_size",
            ),
        );
    } else if path.replace('_', "-") == "simulation.seed" {
        diags.push(
            Diagnostic::error(
                Some(raw.path.span()),
                format!("{field}.path"),
                "the sweep sets each run's seed",
            )
            .with_hint("use [sweep] seed and replicas instead"),
        );
    } else if earlier.iter().any(|q| q.path == path) {
        diags.push(Diagnostic::error(
            Some(raw.path.span()),
            format!("{field}.path"),
            format!("{path:?} is already a parameter"),
        ));
    }
    let (name, name_span) = match &raw.name {
        Some(n) => (n.get_ref().trim().to_string(), n.span()),
        None => (path.clone(), raw.path.span()),
    };
    let name_chars = name.chars().count();
    if name.is_empty() {
        diags.push(Diagnostic::error(
            Some(name_span.clone()),
            format!("{field}.name"),
            "a parameter's name cannot be empty",
        ));
    } else if name.contains(|c: char| c.is_control()) {
        diags.push(Diagnostic::error(
            Some(name_span.clone()),
            format!("{field}.name"),
            "a parameter's name cannot hold control characters (it heads a column and names charts)",
        ));
    } else if name_chars > MAX_NAME_CHARS {
        let (field, hint) = match raw.name {
            Some(_) => (format!("{field}.name"), "give the parameter a shorter name"),
            None => (
                format!("{field}.path"),
                "a parameter without a name is named by its path: add a shorter name = \"...\"",
            ),
        };
        diags.push(
            Diagnostic::error(
                Some(name_span.clone()),
                field,
                format!(
                    "a parameter's name is at most {MAX_NAME_CHARS} characters, this one has {name_chars}: \
                     it names chart files (plots/<metric>_by_<name>.svg)"
                ),
            )
            .with_hint(hint),
        );
    } else if earlier.iter().any(|q| q.name == name) {
        diags.push(Diagnostic::error(
            Some(name_span.clone()),
            format!("{field}.name"),
            format!(
                "two parameters are named {name:?}; names are column headers and must be unique"
            ),
        ));
    } else if RESERVED_COLUMNS.contains(&name.as_str())
        || super::metrics::METRICS.iter().any(|m| m.name == name)
    {
        diags.push(
            Diagnostic::error(
                Some(name_span.clone()),
                format!("{field}.name"),
                format!("{name:?} is a column of runs.csv already"),
            )
            .with_hint("give the parameter another name"),
        );
    }
    let domain = match (&raw.values, &raw.range) {
        (Some(_), Some(r)) => {
            diags.push(Diagnostic::error(
                Some(r.span()),
                format!("{field}.range"),
                "a parameter takes either values or a range, not both",
            ));
            None
        }
        (None, None) => {
            diags.push(
                Diagnostic::error(
                    Some(p.span()),
                    field.clone(),
                    "the parameter has neither values nor a range",
                )
                .with_hint("add values = [...] (or range = [low, high] in random mode)"),
            );
            None
        }
        (Some(values), None) => {
            if values.get_ref().is_empty() {
                diags.push(Diagnostic::error(
                    Some(values.span()),
                    format!("{field}.values"),
                    "at least one value is needed",
                ));
                None
            } else {
                let texts = values
                    .get_ref()
                    .iter()
                    .map(|v| set_text(v.get_ref()))
                    .collect();
                let spans = values.get_ref().iter().map(|v| v.span()).collect();
                Some((Domain::Values(texts), spans))
            }
        }
        (None, Some(range)) => {
            if mode == Mode::Grid {
                diags.push(
                    Diagnostic::error(
                        Some(range.span()),
                        format!("{field}.range"),
                        "a range is drawn from, so it needs mode = \"random\"",
                    )
                    .with_hint("list the grid's values instead: values = [...]"),
                );
                None
            } else {
                match range_domain(range.get_ref()) {
                    Ok(d) => Some((d, vec![range.span()])),
                    Err(msg) => {
                        diags.push(Diagnostic::error(
                            Some(range.span()),
                            format!("{field}.range"),
                            msg,
                        ));
                        None
                    }
                }
            }
        }
    };
    let (domain, spans) = domain?;
    (diags.len() == before).then_some(Parameter {
        name,
        path,
        domain,
        spans,
    })
}

fn range_domain(ends: &[Spanned<toml::Value>]) -> Result<Domain, String> {
    use toml::Value as V;
    let [lo, hi] = ends else {
        return Err(format!(
            "a range is [low, high], two values; this one has {}",
            ends.len()
        ));
    };
    let order = "the low end is above the high end";
    match (lo.get_ref(), hi.get_ref()) {
        (V::Integer(a), V::Integer(b)) => {
            if a > b {
                return Err(order.into());
            }
            Ok(Domain::Integers { lo: *a, hi: *b })
        }
        (V::Integer(_) | V::Float(_), V::Integer(_) | V::Float(_)) => {
            let num = |v: &V| match v {
                V::Integer(i) => *i as f64,
                V::Float(f) => *f,
                _ => unreachable!("matched numbers"),
            };
            let (a, b) = (num(lo.get_ref()), num(hi.get_ref()));
            if !a.is_finite() || !b.is_finite() {
                return Err("a range's ends must be finite numbers".into());
            }
            if a > b {
                return Err(order.into());
            }
            Ok(Domain::Floats { lo: a, hi: b })
        }
        (V::String(a), V::String(b)) => {
            let (a, b) = match (parse_duration(a), parse_duration(b)) {
                (Ok(a), Ok(b)) => (a.as_ms(), b.as_ms()),
                (Err(e), _) | (_, Err(e)) => {
                    return Err(format!("a range of strings is a range of durations: {e}"));
                }
            };
            if a > b {
                return Err(order.into());
            }
            Ok(Domain::Durations { lo_ms: a, hi_ms: b })
        }
        _ => Err(
            "a range's ends are two integers, two numbers or two durations (\"5m\", \"30m\")"
                .into(),
        ),
    }
}

/// The text `--set` takes for a TOML value: bare when `--set` reads it back as the same value
/// (`5m`, `Standard_D8s_v5`, `0.5`, `true`), quoted when a bare string would be read as
/// another type (`"7"`) or trimmed.
pub fn set_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => {
            let plain = !s.is_empty()
                && s.trim() == s
                && !s.contains(|c: char| c.is_control())
                && !overrides::is_literal(s);
            if plain {
                s.clone()
            } else {
                toml::Value::String(s.clone()).to_string()
            }
        }
        other => other.to_string(),
    }
}

/// Every point's value texts. Grid: row-major, the last parameter fastest. Random: each
/// parameter of point p drawn from its own stream `sweep/point/<p>/<path>`, so adding a
/// parameter does not change the others' draws.
fn expand(mode: Mode, n_points: u64, seed: u64, parameters: &[Parameter]) -> Vec<Vec<String>> {
    match mode {
        Mode::Grid => (0..n_points)
            .map(|p| {
                let mut rest = p;
                let mut values = vec![String::new(); parameters.len()];
                for (k, param) in parameters.iter().enumerate().rev() {
                    let Domain::Values(v) = &param.domain else {
                        unreachable!("a grid has values only")
                    };
                    let n = v.len() as u64;
                    values[k] = v[(rest % n) as usize].clone();
                    rest /= n;
                }
                values
            })
            .collect(),
        Mode::Random => {
            let streams = RngStreams::new(seed);
            (0..n_points)
                .map(|p| {
                    parameters
                        .iter()
                        .map(|param| {
                            let mut s = streams.stream(&format!("sweep/point/{p}/{}", param.path));
                            draw(&mut s, &param.domain)
                        })
                        .collect()
                })
                .collect()
        }
    }
}

/// An integer in `0..n` (n ≥ 1) from one 64-bit draw (Lemire's multiply; the bias is below
/// n / 2⁶⁴).
fn below(s: &mut Stream, n: u128) -> u128 {
    (u128::from(s.random::<u64>()) * n) >> 64
}

fn draw(s: &mut Stream, domain: &Domain) -> String {
    match domain {
        Domain::Values(v) => v[below(s, v.len() as u128) as usize].clone(),
        Domain::Integers { lo, hi } => {
            let span = (i128::from(*hi) - i128::from(*lo) + 1) as u128;
            (i128::from(*lo) + below(s, span) as i128).to_string()
        }
        Domain::Floats { lo, hi } => {
            // 53 random bits → [0, 1), as exact IEEE arithmetic on every platform.
            let unit = (s.random::<u64>() >> 11) as f64 / (1u64 << 53) as f64;
            float_text(lo + unit * (hi - lo), *lo, *hi)
        }
        Domain::Durations { lo_ms, hi_ms } => {
            let step = if lo_ms % 1000 == 0 && hi_ms % 1000 == 0 {
                1000
            } else {
                1
            };
            let (a, b) = (lo_ms / step, hi_ms / step);
            let v = a + below(s, u128::from(b - a) + 1) as u64;
            if step == 1000 {
                format!("{v}s")
            } else {
                format!("{v}ms")
            }
        }
    }
}

/// A float drawn from `[lo, hi]` written with five significant digits of the range's width
/// (0.3–0.7 → 0.52346), always as a TOML float (`2.0`, not `2`).
fn float_text(x: f64, lo: f64, hi: f64) -> String {
    let mut decimals = 0usize;
    let mut width = hi - lo;
    while width > 0.0 && width < 1e4 && decimals < 15 {
        width *= 10.0;
        decimals += 1;
    }
    let text = format!("{x:.decimals$}");
    let rounded: f64 = text.parse().expect("formatted float");
    let clamped = rounded.clamp(lo, hi) + 0.0; // + 0.0 turns -0 into 0
    let text = if clamped == rounded {
        text
    } else {
        format!("{clamped}")
    };
    let text = if text.contains('.') {
        let t = text.trim_end_matches('0');
        if t.ends_with('.') {
            format!("{t}0")
        } else {
            t.to_string()
        }
    } else {
        format!("{text}.0")
    };
    if text == "-0.0" { "0.0".into() } else { text }
}

/// The identity of a sweep's results: its seed, replicas, mode, parameters and base scenario
/// text, and aksim's version; not its name, its folder or the file's layout.
fn identity(
    seed: u64,
    replicas: u32,
    mode: Mode,
    samples: u64,
    parameters: &[Parameter],
    scenario_text: &str,
) -> String {
    #[derive(Serialize)]
    struct Canonical<'a> {
        format: u32,
        aksim_version: &'static str,
        seed: u64,
        replicas: u32,
        mode: Mode,
        samples: u64,
        parameters: Vec<(&'a str, &'a str, &'a Domain)>,
        scenario: &'a str,
    }
    let canonical = Canonical {
        format: 1,
        aksim_version: env!("CARGO_PKG_VERSION"),
        seed,
        replicas,
        mode,
        samples,
        parameters: parameters
            .iter()
            .map(|p| (p.name.as_str(), p.path.as_str(), &p.domain))
            .collect(),
        scenario: scenario_text,
    };
    let bytes = serde_json::to_vec(&canonical).expect("serializable");
    format!("{:016x}", splitmix64(fnv1a(&bytes)))
}

/// The field a parse error points at, from the text: `sweep.replicas`, `parameter[1].values`.
fn field_at(text: &str, pos: usize) -> String {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let mut table = String::new();
    let mut parameters = 0;
    let header = |line: &str| -> Option<String> {
        let t = line.trim();
        let t = t.split('#').next().unwrap_or("").trim();
        if t.starts_with("[[") && t.ends_with("]]") {
            Some(t[2..t.len() - 2].trim().to_string())
        } else if t.starts_with('[') && t.ends_with(']') {
            Some(t[1..t.len() - 1].trim().to_string())
        } else {
            None
        }
    };
    for line in text[..line_end].lines() {
        if let Some(h) = header(line) {
            if h == "parameter" {
                table = format!("parameter[{parameters}]");
                parameters += 1;
            } else {
                table = h;
            }
        }
    }
    let line = &text[line_start..line_end];
    if header(line).is_some() {
        return table;
    }
    match line.split_once('=') {
        Some((key, _)) if line_start + key.len() <= pos || pos == line_start => {
            let key = key.trim().trim_matches('"');
            if table.is_empty() {
                key.to_string()
            } else {
                format!("{table}.{key}")
            }
        }
        _ => table,
    }
}

/// Diagnostics rendered like the scenario's, with the sweep file's summary line.
fn render(file: &str, text: &str, diags: &[Diagnostic]) -> String {
    let edits = Edits::default();
    let mut out: Vec<String> = diags
        .iter()
        .map(|d| error::render(file, d, &error::locate(text, &edits, d.span.clone())))
        .collect();
    out.push(format!(
        "{}: {} error{} in the sweep file; nothing was run or written",
        crate::text::escape(file),
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    ));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(body: &str) -> Result<Sweep, String> {
        // A scenario that does not exist is only reported once the rest is right, so tests of
        // the sweep's own fields read the bundled quickstart.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweeps/test.toml");
        let text = format!("[sweep]\nname = \"t\"\nscenario = \"../quickstart.toml\"\n{body}");
        Sweep::from_text(dir, &text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_grid_is_row_major_with_the_last_parameter_fastest() {
        let s = sweep(
            "replicas = 2\n[[parameter]]\npath = \"a.x\"\nvalues = [1, 2]\n[[parameter]]\npath = \"a.y\"\nvalues = [\"5m\", \"7\", true]\n",
        )
        .unwrap();
        // 2 × 3 points × 2 replicas = 12 runs.
        assert_eq!(s.runs(), 12);
        let p: Vec<String> = s.points.iter().map(|v| v.join(" ")).collect();
        assert_eq!(
            p,
            ["1 5m", "1 \"7\"", "1 true", "2 5m", "2 \"7\"", "2 true"]
        );
        assert_eq!(s.locate(7), (3, 1));
        assert_eq!(
            s.sets(1, Some(9)),
            ["a.x=1", "a.y=\"7\"", "simulation.seed=9"]
        );
    }

    #[test]
    fn set_text_reads_back_as_the_same_value() {
        for (v, text) in [
            (toml::Value::String("5m".into()), "5m"),
            (toml::Value::String("7".into()), "\"7\""),
            (toml::Value::String("true".into()), "\"true\""),
            (toml::Value::String(" x".into()), "\" x\""),
            (toml::Value::String(String::new()), "\"\""),
            (toml::Value::Integer(7), "7"),
            (toml::Value::Float(0.5), "0.5"),
            (toml::Value::Float(2.0), "2.0"),
        ] {
            assert_eq!(set_text(&v), text);
        }
    }

    #[test]
    fn run_seeds_depend_on_point_and_replica_and_fit_a_toml_integer() {
        let s = sweep("replicas = 3\n").unwrap();
        let seeds: Vec<u64> = (0..3).map(|r| s.run_seed(0, r)).collect();
        assert!(seeds[0] != seeds[1] && seeds[1] != seeds[2]);
        assert_ne!(s.run_seed(0, 0), s.run_seed(1, 0));
        assert!(seeds.iter().all(|s| *s <= i64::MAX as u64));
        // Pinned: a change here changes every sweep's results.
        assert_eq!(s.run_seed(0, 0), splitmix64(splitmix64(splitmix64(1))) >> 1);
    }

    #[test]
    fn random_draws_are_fixed_by_the_seed_and_stay_in_range() {
        let body = "mode = \"random\"\nsamples = 50\nseed = 3\n[[parameter]]\npath = \"a.f\"\nrange = [0.3, 0.7]\n[[parameter]]\npath = \"a.i\"\nrange = [1, 4]\n[[parameter]]\npath = \"a.d\"\nrange = [\"5m\", \"30m\"]\n[[parameter]]\npath = \"a.v\"\nvalues = [\"x\", \"y\"]\n";
        let a = sweep(body).unwrap();
        let b = sweep(body).unwrap();
        assert_eq!(a.points, b.points);
        assert_eq!(a.identity, b.identity);
        let mut ints = std::collections::BTreeSet::new();
        for p in &a.points {
            let f: f64 = p[0].parse().unwrap();
            assert!((0.3..=0.7).contains(&f), "{f}");
            // Width 0.4: five significant digits of it are five decimals.
            assert!(p[0].len() <= 7, "{}", p[0]);
            let i: i64 = p[1].parse().unwrap();
            ints.insert(i);
            let secs: u64 = p[2].strip_suffix('s').unwrap().parse().unwrap();
            assert!((300..=1800).contains(&secs));
            assert!(p[3] == "x" || p[3] == "y");
        }
        assert_eq!(ints.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4]);
        // Another seed, other draws; an added parameter leaves the others' draws alone.
        let c = sweep(&body.replace("seed = 3", "seed = 4")).unwrap();
        assert_ne!(a.points, c.points);
        assert_ne!(a.identity, c.identity);
        let d = sweep(&format!(
            "{body}[[parameter]]\npath = \"a.z\"\nrange = [0, 9]\n"
        ))
        .unwrap();
        for (x, y) in a.points.iter().zip(&d.points) {
            assert_eq!(x[..], y[..4]);
        }
    }

    #[test]
    fn float_texts_are_short_and_always_floats() {
        assert_eq!(float_text(0.523_456_789, 0.3, 0.7), "0.52346");
        assert_eq!(float_text(523.44, 0.0, 1000.0), "523.4");
        assert_eq!(float_text(52_345.6, 0.0, 100_000.0), "52346.0");
        assert_eq!(float_text(2.0, 2.0, 2.0), "2.0");
        assert_eq!(float_text(-0.000_001, -1.0, 1.0), "0.0");
    }

    #[test]
    fn the_identity_ignores_the_name_and_layout_but_not_the_values() {
        let a = sweep("[[parameter]]\npath = \"a.x\"\nvalues = [1, 2]\n").unwrap();
        let b =
            sweep("# a comment\n\n[[parameter]]\npath   = \"a.x\"\nvalues = [ 1,2 ]\n").unwrap();
        let c = sweep("[[parameter]]\npath = \"a.x\"\nvalues = [1, 3]\n").unwrap();
        let renamed = Sweep::from_text(
            concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweeps/test.toml"),
            "[sweep]\nname = \"u\"\nscenario = \"../quickstart.toml\"\n\
             [[parameter]]\npath = \"a.x\"\nvalues = [1, 2]\n",
        )
        .unwrap();
        assert_eq!(renamed.name, "u");
        assert_eq!(a.identity, b.identity);
        assert_eq!(a.identity, renamed.identity);
        assert_ne!(a.identity, c.identity);
    }

    #[test]
    fn bad_fields_are_named_with_their_line() {
        let e = sweep("replicas = 0\n").unwrap_err();
        assert!(
            e.contains("test.toml:4:12: sweep.replicas: must be at least 1"),
            "{e}"
        );
        let e = sweep("replicas = \"3\"\n").unwrap_err();
        assert!(
            e.contains("test.toml:4:12: sweep.replicas: invalid type"),
            "{e}"
        );
        let e = sweep(
            "[[parameter]]\npath = \"a\"\nvalues = [1]\n[[parameter]]\npath = \"b\"\nvalus = [1]\n",
        )
        .unwrap_err();
        assert!(
            e.contains("test.toml:9:1: parameter[1].valus: unknown field"),
            "{e}"
        );
        assert!(e.contains("did you mean `values`?"), "{e}");
        let e = sweep("[[parameter]]\npath = \"a.x\"\nrange = [1, 2]\n").unwrap_err();
        assert!(e.contains("test.toml:6:9: parameter[0].range: a range is drawn from, so it needs mode = \"random\""), "{e}");
        let e = sweep(
            "mode = \"random\"\nsamples = 2\n[[parameter]]\npath = \"a.x\"\nrange = [\"5m\", 3]\n",
        )
        .unwrap_err();
        assert!(e.contains("parameter[0].range: a range's ends are"), "{e}");
        let e = sweep("[[parameter]]\npath = \"a.x\"\nvalues = [1]\n[[parameter]]\npath = \"a.y\"\nname = \"a.x\"\nvalues = [1]\n").unwrap_err();
        assert!(
            e.contains("test.toml:9:8: parameter[1].name: two parameters are named \"a.x\""),
            "{e}"
        );
        let e = sweep("[[parameter]]\npath = \"simulation.seed\"\nvalues = [1]\n").unwrap_err();
        assert!(e.contains("the sweep sets each run's seed"), "{e}");
        let e = sweep("samples = 3\n").unwrap_err();
        assert!(
            e.contains("sweep.samples: samples is for mode = \"random\""),
            "{e}"
        );
        let e = sweep("mode = \"random\"\n").unwrap_err();
        assert!(e.contains("sweep.samples: random mode needs"), "{e}");
        assert!(
            e.ends_with("1 error in the sweep file; nothing was run or written"),
            "{e}"
        );
    }

    #[test]
    fn a_grid_is_limited_to_a_hundred_thousand_runs() {
        let values: Vec<String> = (0..400).map(|i| i.to_string()).collect();
        let v = values.join(", ");
        let e = sweep(&format!(
            "[[parameter]]\npath = \"a.x\"\nvalues = [{v}]\n[[parameter]]\npath = \"a.y\"\nvalues = [{v}]\n"
        ))
        .unwrap_err();
        assert!(
            e.contains("160000 points × 1 replicas = 160000 runs; a sweep holds at most 100000"),
            "{e}"
        );
    }

    #[test]
    fn runs_at_once_fit_the_memory_limit() {
        let checked = |peak_bytes, limit_bytes| Checked {
            warnings: Vec::new(),
            peak_bytes,
            limit_bytes,
        };
        // (4 GiB − 64 MiB) over (1.5 GiB − 64 MiB) per run: 2 at once; a run over the limit
        // alone still runs (its own validation refused it already if it was over); a run of
        // no more than the base is never a division by 0.
        let base = crate::scenario::size::BASE_BYTES;
        assert_eq!(Sweep::runs_at_once(&checked(3 << 29, 4 << 30)), 2);
        assert_eq!(Sweep::runs_at_once(&checked(5 << 30, 4 << 30)), 1);
        // A quickstart-sized run (1 MiB over the base): 4,032 at once within 4 GiB.
        assert_eq!(
            Sweep::runs_at_once(&checked(base + (1 << 20), 4 << 30)),
            4096 - 64
        );
        assert_eq!(
            Sweep::runs_at_once(&checked(0, 4 << 30)),
            ((4 << 30) - base) as usize
        );
    }
}
