//! Pod traces: batch pods replayed from a CSV file (`[[pod_trace]]`).
//!
//! One row is one pod: when it was created, how long it runs (or when it was deleted), what it
//! requests and, optionally, where it may run. [`parse_trace`] reads and validates the whole
//! file into a compact, time-sorted form (24 bytes per pod plus its name; pod shapes are
//! interned), and the simulation feeds the pods one arrival at a time from a single cursor
//! event. Each pod is created at its arrival, scheduled, runs for its run duration counted from
//! when it starts running, then completes; a pod without a run duration runs until the end of
//! the simulation.
//!
//! # Layouts
//!
//! The layout is detected from the header row (the first line that is not blank or a `#`
//! comment). Column names are matched case-insensitively, in any order. Cells are trimmed.
//! Blank lines and lines starting with `#` are ignored.
//!
//! There are two layouts, each described with its columns and how a row becomes a pod:
//! [`aksim`] (aksim's own columns) and [`alibaba`] (Alibaba's `cluster-trace-gpu-v2023` pod
//! lists). A header with `cpu_milli`, `memory_mib` or `creation_time` is read as an Alibaba
//! list; otherwise one that names any of aksim's columns as aksim's.
//!
//! # Time
//!
//! `arrive = offset + (creation − trace_start) × time_scale` and `run = duration × time_scale`,
//! in seconds, converted to milliseconds and rounded to the nearest. `trace_start` defaults to
//! the earliest creation time in the file, so the first pod arrives at `offset`; rows created
//! before `trace_start` are skipped (and counted). `limit` keeps the first N pods in arrival
//! order. Pods are sorted by arrival; pods arriving in the same millisecond keep file order.
//!
//! # Errors
//!
//! Every error names its 1-based line in the file and, when it is about one cell, the column.
//! Parsing goes on after an error so that one run shows many problems, up to
//! [`MAX_ERRORS`] (then a last error says it stopped). Errors about [`TraceOptions`] have line 0.

pub mod aksim;
pub mod alibaba;

use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};

use indexmap::{IndexMap, IndexSet};

use crate::api::quantity::parse_cpu_millis;
use crate::api::{Os, Toleration};
use crate::engine::{SimDuration, SimTime};

/// The most errors collected before parsing stops.
pub const MAX_ERRORS: usize = 20;
/// CPU requests above this (1000 cores) are refused as a unit mistake.
pub const MAX_CPU_MILLIS: u64 = 1_000_000;
/// Memory requests above this (16 TiB) are refused as a unit mistake.
pub const MAX_MEMORY_BYTES: u64 = 16 << 40;
/// Arrivals and run times past a century of simulated time are refused (as in `time.rs`).
const MAX_SIM_MS: f64 = 100.0 * 365.0 * 86_400_000.0;
/// Trace times beyond ±10^13 s lose sub-second precision in an f64; nothing real is that large.
const MAX_TRACE_SECONDS: f64 = 1e13;
/// Stored run time meaning "until the end of the simulation".
const UNTIL_END: u64 = u64::MAX;

/// How a trace's times map onto simulation time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceOptions {
    /// Simulation time of the trace's time zero (`trace_start`).
    pub offset: SimDuration,
    /// Multiplies every trace span (> 0): 0.5 replays twice as fast.
    pub time_scale: f64,
    /// Trace seconds that map to `offset`; `None`: the earliest creation time in the file.
    pub trace_start: Option<f64>,
    /// Keep only the first N pods in arrival order.
    pub limit: Option<usize>,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            offset: SimDuration::ZERO,
            time_scale: 1.0,
            trace_start: None,
            limit: None,
        }
    }
}

/// Which column layout the header named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Alibaba `cluster-trace-gpu-v2023` pod lists.
    Alibaba,
    /// aksim's own columns.
    Aksim,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Alibaba => "alibaba",
            Layout::Aksim => "aksim",
        }
    }
}

/// What a trace pod asks for; shared by every pod with the same requests and constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodShape {
    pub os: Os,
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    /// Sorted by key.
    pub node_selector: IndexMap<String, String>,
    /// In the order written.
    pub tolerations: Vec<Toleration>,
    pub priority: i32,
}

impl Hash for PodShape {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.os.hash(state);
        self.cpu_millis.hash(state);
        self.memory_bytes.hash(state);
        self.priority.hash(state);
        // `IndexMap` equality ignores order, so the selector's hash must too: a wrapping sum
        // of per-entry hashes does not depend on the order.
        state.write_usize(self.node_selector.len());
        let mut sum = 0u64;
        for (k, v) in &self.node_selector {
            let mut h = DefaultHasher::new();
            k.hash(&mut h);
            v.hash(&mut h);
            sum = sum.wrapping_add(h.finish());
        }
        state.write_u64(sum);
        // `Toleration` has no `Hash`; hash its fields (its `PartialEq` compares them all).
        state.write_usize(self.tolerations.len());
        for t in &self.tolerations {
            t.key.hash(state);
            t.exists.hash(state);
            t.value.hash(state);
            t.effect.hash(state);
        }
    }
}

/// One pod of a trace: 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TracePod {
    /// When the pod is created.
    pub arrive: SimTime,
    /// Run time in ms; `UNTIL_END` for none (an `Option<SimDuration>` would take 16 bytes).
    run_ms: u64,
    /// Index into [`ParsedTrace::shapes`].
    pub shape: u32,
    /// Index for [`ParsedTrace::name`].
    pub name: u32,
}

impl TracePod {
    pub fn new(arrive: SimTime, run: Option<SimDuration>, shape: u32, name: u32) -> Self {
        TracePod {
            arrive,
            // A run of u64::MAX ms cannot be parsed (runs are capped at a century).
            run_ms: run.map_or(UNTIL_END, |d| d.as_ms().min(UNTIL_END - 1)),
            shape,
            name,
        }
    }

    /// How long the pod runs once it is running; `None`: until the end of the simulation.
    pub fn run(&self) -> Option<SimDuration> {
        (self.run_ms != UNTIL_END).then_some(SimDuration(self.run_ms))
    }
}

/// A validated trace, sorted by arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedTrace {
    pub layout: Layout,
    /// Distinct shapes, in order of first arrival.
    pub shapes: Vec<PodShape>,
    /// Sorted by `arrive`; equal arrivals keep file order.
    pub pods: Vec<TracePod>,
    /// Rows dropped: created before `trace_start`, or beyond `limit`.
    pub skipped: usize,
    /// Pod names back to back; name `i` ends at `name_ends[i]` (`pods[i].name == i`).
    names: String,
    name_ends: Vec<u32>,
}

impl ParsedTrace {
    /// The name with index `i` (a [`TracePod::name`]). Panics if `i` is out of range.
    pub fn name(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 {
            0
        } else {
            self.name_ends[i - 1] as usize
        };
        &self.names[start..self.name_ends[i] as usize]
    }

    /// The shape of a pod of this trace.
    pub fn shape(&self, pod: &TracePod) -> &PodShape {
        &self.shapes[pod.shape as usize]
    }
}

/// Why a trace was refused: a line of the file (1-based; 0 for the options) and a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    pub line: usize,
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.column) {
            (0, _) => write!(f, "trace options: {}", self.message),
            (l, Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (l, None) => write!(f, "line {l}: {}", self.message),
        }
    }
}

impl std::error::Error for TraceError {}

/// `name` is column 0 in every layout's table.
const NAME: usize = 0;

impl Layout {
    /// The columns the layout reads, at the indexes its row parser uses.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Layout::Alibaba => &alibaba::COLUMNS,
            Layout::Aksim => &aksim::COLUMNS,
        }
    }

    /// Refuses a header that lacks what the layout needs (`cols`: each column's position).
    fn check_header(self, cols: &[Option<usize>], errors: &mut Errors, line: usize) {
        match self {
            Layout::Alibaba => alibaba::check_header(cols, errors, line),
            Layout::Aksim => aksim::check_header(cols, errors, line),
        }
    }

    /// Creation, run time (NaN: until the end) and shape of a row; `None` after an error.
    fn row<'r>(
        self,
        cell: &impl Fn(usize) -> &'r str,
        e: &mut RowErrors<'_>,
    ) -> Option<(f64, f64, PodShape)> {
        match self {
            Layout::Alibaba => alibaba::row(cell, e),
            Layout::Aksim => aksim::row(cell, e),
        }
    }
}

/// Collects errors up to the cap.
struct Errors(Vec<TraceError>);

impl Errors {
    fn push(&mut self, line: usize, column: Option<&str>, message: impl Into<String>) {
        if self.0.len() < MAX_ERRORS {
            self.0.push(TraceError {
                line,
                column: column.map(str::to_string),
                message: message.into(),
            });
        }
    }
    fn full(&self) -> bool {
        self.0.len() >= MAX_ERRORS
    }
    fn stop(mut self, line: usize) -> Vec<TraceError> {
        self.0.push(TraceError {
            line,
            column: None,
            message: format!("too many errors: stopped reading after line {line}"),
        });
        self.0
    }
}

/// Line numbers from byte offsets. csv 1.4's `Position::line` is off after blank lines and
/// with CRLF endings, but its byte offset is where reading of a record began: skip the line
/// ends and `#` comment lines from there to the record's first byte and count the newlines.
struct Lines<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl Lines<'_> {
    /// The byte where the record read from `byte` starts and its line.
    fn locate(&mut self, byte: usize) -> (usize, usize) {
        let b = self.text.as_bytes();
        let mut i = byte.min(b.len());
        loop {
            while i < b.len() && (b[i] == b'\n' || b[i] == b'\r') {
                i += 1;
            }
            if i < b.len() && b[i] == b'#' {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p);
            } else {
                break;
            }
        }
        if i < self.at {
            self.at = 0;
            self.line = 1;
        }
        self.line += b[self.at..i].iter().filter(|&&c| c == b'\n').count();
        self.at = i;
        (i, self.line)
    }

    /// True if the line starting at `start` holds only spaces or tabs.
    fn is_blank(&self, start: usize) -> bool {
        let rest = &self.text[start.min(self.text.len())..];
        rest.split('\n').next().unwrap_or("").trim().is_empty()
    }
}

/// A row parsed but not yet placed in simulation time.
struct Row {
    /// Creation time, trace seconds.
    creation: f64,
    /// Run time in trace seconds; NaN: until the end.
    run: f64,
    shape: u32,
    line: u32,
}

/// The header row as read: the layout it names, each of the layout's columns' position in the
/// row, and its line.
struct Header {
    layout: Layout,
    cols: Vec<Option<usize>>,
    line: usize,
}

/// The rows read, in file order, with their interned shapes and their names in that order.
struct Rows {
    rows: Vec<Row>,
    shapes: IndexSet<PodShape>,
    names: Arena,
}

/// Reads a whole trace. See the module documentation for the formats.
pub fn parse_trace(text: &str, opts: &TraceOptions) -> Result<ParsedTrace, Vec<TraceError>> {
    check_options(opts)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Lines {
        text,
        at: 0,
        line: 1,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = read_header(&mut reader, &mut lines)?;
    let Rows {
        rows,
        shapes,
        names,
    } = read_rows(&mut reader, &mut lines, &header)?;
    let (mut pods, skipped) = place(rows, opts)?;
    let (shapes, names) = renumber(&mut pods, shapes, &names);
    Ok(ParsedTrace {
        layout: header.layout,
        shapes,
        pods,
        skipped,
        names: names.text,
        name_ends: names.ends,
    })
}

/// Refuses a `time_scale` or `trace_start` that cannot place times (errors on line 0).
fn check_options(opts: &TraceOptions) -> Result<(), Vec<TraceError>> {
    let mut errors = Errors(Vec::new());
    if !(opts.time_scale.is_finite() && opts.time_scale > 0.0) {
        errors.push(
            0,
            None,
            format!(
                "time_scale must be a number above 0, not {}",
                opts.time_scale
            ),
        );
    }
    if let Some(t) = opts.trace_start
        && !(t.is_finite() && t.abs() <= MAX_TRACE_SECONDS)
    {
        errors.push(0, None, format!("trace_start {t} is not a usable time"));
    }
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(errors.0)
    }
}

/// Reads the header row: its layout and where each of the layout's columns is.
fn read_header(
    reader: &mut csv::Reader<&[u8]>,
    lines: &mut Lines<'_>,
) -> Result<Header, Vec<TraceError>> {
    let mut errors = Errors(Vec::new());
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            errors.push(1, None, format!("cannot read the header row: {e}"));
            return Err(errors.0);
        }
    };
    let (_, line) = lines.locate(header.position().map_or(0, |p| p.byte() as usize));
    if header.iter().all(str::is_empty) {
        errors.push(
            1,
            None,
            "empty trace: expected a header row naming the columns, then one row per pod",
        );
        return Err(errors.0);
    }
    let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let Some(layout) = detect(&names) else {
        let looks_like_data = header
            .iter()
            .all(|c| c.is_empty() || c.parse::<f64>().is_ok() || parse_cpu_millis(c).is_ok());
        let why = if looks_like_data {
            "the first line looks like data: a trace starts with a header row naming its columns"
        } else {
            "no known column in the header row"
        };
        errors.push(
            line,
            None,
            format!(
                "{why} (aksim traces: {}; Alibaba pod lists: {})",
                aksim::COLUMNS.join(", "),
                alibaba::COLUMNS.join(", ")
            ),
        );
        return Err(errors.0);
    };

    let table = layout.columns();
    let mut cols: Vec<Option<usize>> = vec![None; table.len()];
    for (i, n) in names.iter().enumerate() {
        match table.iter().position(|t| t == n) {
            Some(c) if cols[c].is_some() => {
                errors.push(line, Some(n), "column named twice in the header");
            }
            Some(c) => cols[c] = Some(i),
            None if layout == Layout::Aksim => errors.push(
                line,
                Some(n),
                format!(
                    "unknown column; aksim traces have {}",
                    aksim::COLUMNS.join(", ")
                ),
            ),
            // The other columns of an Alibaba list (GPUs, QoS, phase) play no part.
            None => {}
        }
    }
    layout.check_header(&cols, &mut errors, line);
    if !errors.0.is_empty() {
        return Err(errors.0);
    }
    Ok(Header { layout, cols, line })
}

/// The layout a header's (lowercased) column names point to, if any.
fn detect(names: &[String]) -> Option<Layout> {
    if names.iter().any(|n| alibaba::MARKERS.contains(&n.as_str())) {
        Some(Layout::Alibaba)
    } else if names.iter().any(|n| aksim::COLUMNS.contains(&n.as_str())) {
        Some(Layout::Aksim)
    } else {
        None
    }
}

/// Reports each column of `required` (an index into `table` and a hint) that the header lacks.
fn require(
    cols: &[Option<usize>],
    table: &[&str],
    required: &[(usize, &str)],
    errors: &mut Errors,
    line: usize,
) {
    for &(c, hint) in required {
        if cols[c].is_none() {
            errors.push(
                line,
                Some(table[c]),
                format!("missing required column {}{hint}", table[c]),
            );
        }
    }
}

/// Reads every row after the header, in file order.
fn read_rows(
    reader: &mut csv::Reader<&[u8]>,
    lines: &mut Lines<'_>,
    header: &Header,
) -> Result<Rows, Vec<TraceError>> {
    let mut errors = Errors(Vec::new());
    // Names go to the arena in the order of the rows.
    let mut rows: Vec<Row> = Vec::new();
    let mut shapes: IndexSet<PodShape> = IndexSet::new();
    let mut names = Arena::default();
    let mut record = csv::StringRecord::new();
    let mut data_rows = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                data_rows += 1;
                let byte = record.position().map_or(0, |p| p.byte() as usize);
                let (_, line) = lines.locate(byte);
                let cell = |c: usize| header.cols[c].and_then(|i| record.get(i)).unwrap_or("");
                let mut row_errors = RowErrors {
                    errors: &mut errors,
                    line,
                    any: false,
                };
                let parsed = header.layout.row(&cell, &mut row_errors);
                row_errors.check("name", no_control(cell(NAME)));
                if let Some((creation, run, shape)) = parsed
                    && !row_errors.any
                {
                    let name_cell = cell(NAME);
                    if name_cell.is_empty() {
                        names.push(&format!("line-{line}"));
                    } else {
                        names.push(name_cell);
                    }
                    let (shape, _) = shapes.insert_full(shape);
                    rows.push(Row {
                        creation,
                        run,
                        shape: shape as u32,
                        line: u32::try_from(line).unwrap_or(u32::MAX),
                    });
                }
                if errors.full() {
                    return Err(errors.stop(line));
                }
            }
            Err(e) => {
                let byte = e.position().map_or(0, |p| p.byte() as usize);
                let (start, line) = lines.locate(byte);
                if let csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } = e.kind()
                {
                    if lines.is_blank(start) {
                        continue; // a line of spaces
                    }
                    data_rows += 1;
                    errors.push(
                        line,
                        None,
                        format!("{len} fields, but the header has {expected_len}"),
                    );
                } else {
                    errors.push(line, None, format!("unreadable CSV: {e}"));
                }
                if errors.full() {
                    return Err(errors.stop(line));
                }
            }
        }
    }
    if names.text.len() > u32::MAX as usize {
        errors.push(header.line, None, "pod names take more than 4 GiB");
    }
    if !errors.0.is_empty() {
        return Err(errors.0);
    }
    if data_rows == 0 {
        errors.push(
            header.line,
            None,
            "the trace has a header but no rows (one row per pod)",
        );
        return Err(errors.0);
    }
    Ok(Rows {
        rows,
        shapes,
        names,
    })
}

/// Places the rows in simulation time, sorted by arrival and cut to `limit`; also the number
/// of rows skipped (created before `trace_start`, or beyond `limit`). A pod's `name` is still
/// its row's index.
fn place(rows: Vec<Row>, opts: &TraceOptions) -> Result<(Vec<TracePod>, usize), Vec<TraceError>> {
    let mut errors = Errors(Vec::new());
    let trace_start = opts.trace_start.unwrap_or_else(|| {
        rows.iter()
            .map(|r| r.creation)
            .fold(f64::INFINITY, f64::min)
    });
    let scale = opts.time_scale;
    let to_ms = |seconds: f64| -> Option<u64> {
        let ms = (seconds * scale * 1000.0).round();
        (ms <= MAX_SIM_MS).then_some(ms as u64)
    };
    let mut pods: Vec<TracePod> = Vec::with_capacity(rows.len());
    let mut skipped = 0usize;
    for (i, r) in rows.iter().enumerate() {
        if r.creation < trace_start {
            skipped += 1;
            continue;
        }
        let line = r.line as usize;
        let Some(arrive) = to_ms(r.creation - trace_start) else {
            errors.push(
                line,
                None,
                format!(
                    "arrives more than 100 years after trace_start {trace_start} (times are in seconds)"
                ),
            );
            if errors.full() {
                return Err(errors.stop(line));
            }
            continue;
        };
        let run = if r.run.is_nan() {
            None
        } else if let Some(ms) = to_ms(r.run) {
            Some(SimDuration(ms))
        } else {
            errors.push(
                line,
                None,
                "runs for more than 100 years (times are in seconds)",
            );
            if errors.full() {
                return Err(errors.stop(line));
            }
            continue;
        };
        pods.push(TracePod::new(
            SimTime(opts.offset.as_ms()) + SimDuration(arrive),
            run,
            r.shape,
            i as u32,
        ));
    }
    if !errors.0.is_empty() {
        return Err(errors.0);
    }
    drop(rows);
    pods.sort_by_key(|p| p.arrive); // stable: equal arrivals keep file order
    if let Some(limit) = opts.limit
        && pods.len() > limit
    {
        skipped += pods.len() - limit;
        pods.truncate(limit);
        pods.shrink_to_fit();
    }
    Ok((pods, skipped))
}

/// Renumbers the shapes by first arrival (dropping unused ones) and the names by pod: the
/// shapes and the names in the pods' order.
fn renumber(
    pods: &mut [TracePod],
    shapes: IndexSet<PodShape>,
    names: &Arena,
) -> (Vec<PodShape>, Arena) {
    let mut slots: Vec<Option<PodShape>> = shapes.into_iter().map(Some).collect();
    let mut remap = vec![u32::MAX; slots.len()];
    let mut used = Vec::new();
    let mut sorted_names = Arena::default();
    for (i, p) in pods.iter_mut().enumerate() {
        let s = p.shape as usize;
        if remap[s] == u32::MAX {
            remap[s] = used.len() as u32;
            used.push(slots[s].take().expect("each shape is moved once"));
        }
        p.shape = remap[s];
        sorted_names.push(names.get(p.name as usize));
        p.name = i as u32;
    }
    sorted_names.text.shrink_to_fit();
    (used, sorted_names)
}

/// Names back to back.
#[derive(Default)]
struct Arena {
    text: String,
    ends: Vec<u32>,
}

impl Arena {
    fn push(&mut self, name: &str) {
        self.text.push_str(name);
        // Checked once at the end: longer arenas are refused before they are read.
        self.ends
            .push(self.text.len().min(u32::MAX as usize) as u32);
    }
    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// Errors of one row.
struct RowErrors<'a> {
    errors: &'a mut Errors,
    line: usize,
    any: bool,
}

impl RowErrors<'_> {
    fn push(&mut self, column: &str, message: impl Into<String>) {
        self.any = true;
        self.errors.push(self.line, Some(column), message);
    }

    /// `Some(value)` or records the error.
    fn check<T>(&mut self, column: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|m| self.push(column, m)).ok()
    }
}

/// A time in trace seconds.
fn seconds(cell: &str) -> Result<f64, String> {
    if cell.is_empty() {
        return Err("empty; expected a time in seconds".into());
    }
    let v: f64 = cell
        .parse()
        .map_err(|_| format!("{cell:?} is not a number of seconds"))?;
    if !v.is_finite() || v.abs() > MAX_TRACE_SECONDS {
        return Err(format!("{cell:?} is out of range"));
    }
    Ok(v)
}

fn check_cpu(m: u64) -> Result<u64, String> {
    if m > MAX_CPU_MILLIS {
        Err(format!(
            "a CPU request of {m}m is more than {} cores; refusing (check the unit)",
            MAX_CPU_MILLIS / 1000
        ))
    } else {
        Ok(m)
    }
}

/// Pod names, selectors and tolerations reach the terminal (`--explain`) and the event log,
/// so a control character in one is refused, as in a scenario.
fn no_control(cell: &str) -> Result<(), String> {
    if cell.contains(char::is_control) {
        Err(format!("{cell:?} holds a control character"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TaintEffect;

    fn parse(text: &str, opts: &TraceOptions) -> ParsedTrace {
        parse_trace(text, opts).unwrap_or_else(|e| {
            panic!(
                "{}",
                e.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    fn errors(text: &str) -> Vec<TraceError> {
        match parse_trace(text, &TraceOptions::default()) {
            Ok(t) => panic!("expected errors, parsed {} pods", t.pods.len()),
            Err(e) => e,
        }
    }

    /// Asserts an error on `line`, `column`, whose message contains `needle`.
    fn has(errs: &[TraceError], line: usize, column: Option<&str>, needle: &str) {
        assert!(
            errs.iter().any(|e| e.line == line
                && e.column.as_deref() == column
                && e.message.contains(needle)),
            "no error at line {line}, column {column:?} containing {needle:?} in:\n{}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    fn names(t: &ParsedTrace) -> Vec<&str> {
        t.pods.iter().map(|p| t.name(p.name)).collect()
    }

    #[test]
    fn aksim_layout_all_columns() {
        let text = "\
name,start_s,duration_s,cpu,memory,os,node_selector,tolerations,priority
etl-1,0,600,500m,512Mi,linux,,,0
render-1,30.5,1200,2,4Gi,windows,agentpool=win,os=windows:NoSchedule,100
daemon-like,60,,100m,128Mi,,,*,
";
        let t = parse(text, &TraceOptions::default());
        assert_eq!(t.layout, Layout::Aksim);
        assert_eq!(t.skipped, 0);
        assert_eq!(names(&t), ["etl-1", "render-1", "daemon-like"]);
        // trace_start = 0 (earliest start_s), offset 0, scale 1: seconds × 1000.
        let arrive: Vec<u64> = t.pods.iter().map(|p| p.arrive.as_ms()).collect();
        assert_eq!(arrive, [0, 30_500, 60_000]);
        let run: Vec<Option<SimDuration>> = t.pods.iter().map(TracePod::run).collect();
        assert_eq!(
            run,
            [
                Some(SimDuration(600_000)),
                Some(SimDuration(1_200_000)),
                None
            ]
        );
        assert_eq!(t.shapes.len(), 3);
        assert_eq!(
            t.shape(&t.pods[0]),
            &PodShape {
                os: Os::Linux,
                cpu_millis: 500,
                memory_bytes: 512 << 20,
                node_selector: IndexMap::new(),
                tolerations: vec![],
                priority: 0,
            }
        );
        let s = t.shape(&t.pods[1]);
        assert_eq!(
            (s.os, s.cpu_millis, s.memory_bytes),
            (Os::Windows, 2000, 4 << 30)
        );
        assert_eq!(
            s.node_selector.get("agentpool").map(String::as_str),
            Some("win")
        );
        assert_eq!(
            s.tolerations,
            [Toleration {
                key: Some("os".into()),
                exists: false,
                value: "windows".into(),
                effect: Some(TaintEffect::NoSchedule),
            }]
        );
        assert_eq!(s.priority, 100);
        let s = t.shape(&t.pods[2]);
        assert_eq!(s.tolerations, [Toleration::everything()]);
        assert_eq!(
            (s.cpu_millis, s.memory_bytes, s.priority),
            (100, 128 << 20, 0)
        );
    }

    #[test]
    fn aksim_end_s_and_generated_names() {
        // No name column: names are "line-<N>". trace_start = 10.
        let text = "start_s,end_s,cpu,memory\n10,70,1,1Gi\n20,,1,1Gi\n";
        let t = parse(text, &TraceOptions::default());
        assert_eq!(names(&t), ["line-2", "line-3"]);
        // Row 1: arrive (10 − 10) s = 0, run 70 − 10 = 60 s. Row 2: arrive 10 s, until the end.
        assert_eq!(t.pods[0].arrive, SimTime(0));
        assert_eq!(t.pods[0].run(), Some(SimDuration(60_000)));
        assert_eq!(t.pods[1].arrive, SimTime(10_000));
        assert_eq!(t.pods[1].run(), None);
        assert_eq!(t.shapes.len(), 1); // same requests: one shape
    }

    #[test]
    fn header_detection() {
        // Any order, any case, spaces, a BOM, comments and blank lines before the header.
        let text =
            "\u{feff}# exported by hand\n\n MEMORY , Cpu ,Duration_S,Start_S\n1Gi,250m,5,0\n";
        let t = parse(text, &TraceOptions::default());
        assert_eq!(t.layout, Layout::Aksim);
        assert_eq!(t.shapes[0].cpu_millis, 250);
        assert_eq!(t.pods[0].run(), Some(SimDuration(5_000)));

        // Any of cpu_milli, memory_mib, creation_time selects the Alibaba layout; other
        // columns are then ignored (even aksim ones such as `cpu`).
        let text = "creation_time,memory_mib,cpu_milli,cpu,whatever\n5,1024,1500,9,x\n";
        let t = parse(text, &TraceOptions::default());
        assert_eq!(t.layout, Layout::Alibaba);
        assert_eq!(
            (t.shapes[0].cpu_millis, t.shapes[0].memory_bytes),
            (1500, 1 << 30)
        );
        assert_eq!(t.pods[0].run(), None); // no deletion_time column: until the end

        // A first line of data: no header.
        let e = errors("0,10,500m,1Gi\n1,10,500m,1Gi\n");
        has(&e, 1, None, "looks like data");
        // A header with no known column.
        let e = errors("when,how_long\n0,10\n");
        has(&e, 1, None, "no known column");
        // Nothing at all, or only comments and blank lines.
        has(&errors(""), 1, None, "empty trace");
        has(&errors("# nothing\n\n"), 1, None, "empty trace");
        // A header and no rows.
        has(
            &errors("start_s,duration_s,cpu,memory\n\n"),
            1,
            None,
            "no rows",
        );
    }

    #[test]
    fn alibaba_rows_from_the_published_format() {
        // The first four rows are copied from cluster-trace-gpu-v2023/csv (openb_pod_list_default
        // and, for the gpu_spec value, openb_pod_list_gpuspec33); the last is made up to show
        // an empty deletion_time.
        let text = "\
name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time
openb-pod-0017,88000,327680,8,1000,,Burstable,Succeeded,9437497,10769854,9437497
openb-pod-0033,3152,5600,1,1000,,BE,Failed,9965463,9965645,9965463
openb-pod-0035,16000,32768,1,1000,V100M16|V100M32,LS,Running,9967058,9968575,9967063
openb-pod-0061,11908,47104,1,1000,,BE,Pending,10001278,10001403,
openb-pod-9000,4000,15258,1,220,,BE,Running,10002000,,10002010
";
        let t = parse(text, &TraceOptions::default());
        assert_eq!(t.layout, Layout::Alibaba);
        assert_eq!(
            names(&t),
            [
                "openb-pod-0017",
                "openb-pod-0033",
                "openb-pod-0035",
                "openb-pod-0061",
                "openb-pod-9000"
            ]
        );
        // trace_start = 9437497 (earliest creation_time).
        let arrive: Vec<u64> = t.pods.iter().map(|p| p.arrive.as_ms() / 1000).collect();
        // 9965463 − 9437497 = 527966; 9967058 − 9437497 = 529561;
        // 10001278 − 9437497 = 563781; 10002000 − 9437497 = 564503.
        assert_eq!(arrive, [0, 527_966, 529_561, 563_781, 564_503]);
        let run: Vec<Option<u64>> = t
            .pods
            .iter()
            .map(|p| p.run().map(|d| d.as_ms() / 1000))
            .collect();
        // 0017: 10769854 − 9437497 = 1332357 (deletion − scheduled).
        // 0033: 9965645 − 9965463 = 182 (Failed pods ran too).
        // 0035: 9968575 − 9967063 = 1512 (from scheduled_time, not creation: that would be 1517).
        // 0061: Pending, never scheduled: 10001403 − 10001278 = 125 (deletion − creation).
        // 9000: no deletion_time: until the end.
        assert_eq!(
            run,
            [Some(1_332_357), Some(182), Some(1_512), Some(125), None]
        );
        let s = t.shape(&t.pods[0]);
        assert_eq!(
            (s.os, s.cpu_millis, s.memory_bytes, s.priority),
            (Os::Linux, 88_000, 327_680 << 20, 0) // 320 GiB
        );
        assert!(s.node_selector.is_empty() && s.tolerations.is_empty());
        assert_eq!(t.shape(&t.pods[4]).memory_bytes, 15_258 << 20);
        assert_eq!(t.shapes.len(), 5);
    }

    #[test]
    fn alibaba_empty_and_nan_times() {
        let text = "\
name,cpu_milli,memory_mib,creation_time,deletion_time,scheduled_time
a,1000,1024,100,,
b,1000,1024,110,nan,105
c,1000,1024,120,NaN,
d,1000,1024,130,200,
";
        let t = parse(text, &TraceOptions::default());
        let run: Vec<Option<SimDuration>> = t.pods.iter().map(TracePod::run).collect();
        // a, b, c: no deletion time → until the end; d: never scheduled, 200 − 130 = 70 s.
        assert_eq!(run, [None, None, None, Some(SimDuration(70_000))]);
        assert_eq!(t.shapes.len(), 1);
    }

    #[test]
    fn unsorted_rows_are_sorted_stably() {
        // trace_start = 10. b is 0.0004 s after a: 0.4 ms rounds to 0, a tie kept in file order.
        let text = "\
name,start_s,duration_s,cpu,memory
c,30,1,1,1Gi
a,10,1,1,1Gi
d,30,1,1,1Gi
b,10.0004,1,1,1Gi
e,20,1,1,1Gi
f,10.0006,1,1,1Gi
";
        let t = parse(text, &TraceOptions::default());
        assert_eq!(names(&t), ["a", "b", "f", "e", "c", "d"]);
        let arrive: Vec<u64> = t.pods.iter().map(|p| p.arrive.as_ms()).collect();
        // f: 0.6 ms rounds to 1; e: 10 s; c, d: 20 s (c first in the file).
        assert_eq!(arrive, [0, 0, 1, 10_000, 20_000, 20_000]);
        // Names are renumbered in arrival order.
        assert!(t.pods.iter().enumerate().all(|(i, p)| p.name == i as u32));

        // Unsorted Alibaba rows as in openb_pod_list_cpu037.csv (its first rows).
        let text = "\
name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time
openb-pod-0000,12500,57344,0,0,,LS,Running,10971827,10972394,10971829
openb-pod-0001,12500,57344,0,0,,LS,Running,10462689,10463206,10462692
";
        let t = parse(text, &TraceOptions::default());
        assert_eq!(names(&t), ["openb-pod-0001", "openb-pod-0000"]);
        // 10971827 − 10462689 = 509138 s; runs 10463206 − 10462692 = 514, 10972394 − 10971829 = 565.
        assert_eq!(t.pods[1].arrive, SimTime(509_138_000));
        assert_eq!(t.pods[0].run(), Some(SimDuration(514_000)));
        assert_eq!(t.pods[1].run(), Some(SimDuration(565_000)));
    }

    #[test]
    fn shapes_are_interned() {
        let mut text =
            String::from("name,start_s,duration_s,cpu,memory,os,node_selector,tolerations\n");
        for i in 0..100 {
            let row = match i % 3 {
                // The same selector written in both orders is one shape.
                0 if i % 2 == 0 => "1,1Gi,linux,a=1;b=2,",
                0 => "1,1Gi,,b=2; a=1,",
                1 => "2,2Gi,windows,,os=windows:NoSchedule",
                _ => "500m,1Gi,linux,,dedicated",
            };
            text.push_str(&format!("p{i},{i},60,{row}\n"));
        }
        let t = parse(&text, &TraceOptions::default());
        assert_eq!(t.pods.len(), 100);
        assert_eq!(t.shapes.len(), 3);
        // Numbered by first arrival: p0 → 0, p1 → 1, p2 → 2.
        let count = |s: u32| t.pods.iter().filter(|p| p.shape == s).count();
        assert_eq!((count(0), count(1), count(2)), (34, 33, 33)); // i % 3 over 0..100
        let keys: Vec<&str> = t.shapes[0]
            .node_selector
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["a", "b"]); // sorted
        assert_eq!(
            t.shapes[2].tolerations,
            [Toleration {
                key: Some("dedicated".into()),
                exists: true,
                value: String::new(),
                effect: None,
            }]
        );
    }

    #[test]
    fn shape_hash_agrees_with_eq() {
        let hash = |s: &PodShape| {
            let mut h = DefaultHasher::new();
            s.hash(&mut h);
            h.finish()
        };
        let mut a = PodShape {
            os: Os::Linux,
            cpu_millis: 1,
            memory_bytes: 2,
            node_selector: IndexMap::new(),
            tolerations: vec![],
            priority: 0,
        };
        let mut b = a.clone();
        a.node_selector.insert("x".into(), "1".into());
        a.node_selector.insert("y".into(), "2".into());
        b.node_selector.insert("y".into(), "2".into());
        b.node_selector.insert("x".into(), "1".into());
        assert_eq!(a, b);
        assert_eq!(hash(&a), hash(&b));
    }

    #[test]
    fn offset_scale_start_and_limit() {
        let text = "\
start_s,duration_s,cpu,memory
50,10,1,1Gi
100,10,1,1Gi
130.002,7.004,1,1Gi
300,1,1,1Gi
";
        let opts = TraceOptions {
            offset: SimDuration::from_mins(60),
            time_scale: 0.5,
            trace_start: Some(100.0),
            limit: Some(2),
        };
        let t = parse(text, &opts);
        // 50 < trace_start: skipped; 300 is third in time order, beyond limit 2: skipped.
        assert_eq!(t.skipped, 2);
        assert_eq!(t.pods.len(), 2);
        // 100 → 3_600_000 + (100 − 100) × 0.5 s; runs 10 × 0.5 = 5 s.
        assert_eq!(t.pods[0].arrive, SimTime(3_600_000));
        assert_eq!(t.pods[0].run(), Some(SimDuration(5_000)));
        // 130.002 → 3_600_000 + 30.002 × 0.5 × 1000 = 3_615_001 ms; runs 7.004 × 0.5 = 3.502 s.
        assert_eq!(t.pods[1].arrive, SimTime(3_615_001));
        assert_eq!(t.pods[1].run(), Some(SimDuration(3_502)));

        // Default trace_start: the earliest creation arrives at the offset; 2× slower.
        let opts = TraceOptions {
            offset: SimDuration::from_secs(5),
            time_scale: 2.0,
            ..TraceOptions::default()
        };
        let t = parse(text, &opts);
        assert_eq!(t.skipped, 0);
        let arrive: Vec<u64> = t.pods.iter().map(|p| p.arrive.as_ms()).collect();
        // 5000 + (s − 50) × 2 × 1000: 50 → 5000, 100 → 105_000, 130.002 → 165_004, 300 → 505_000.
        assert_eq!(arrive, [5_000, 105_000, 165_004, 505_000]);
        assert_eq!(t.pods[2].run(), Some(SimDuration(14_008))); // 7.004 × 2 s

        // limit 0 keeps nothing; a trace_start after every row skips them all.
        let t = parse(
            text,
            &TraceOptions {
                limit: Some(0),
                ..TraceOptions::default()
            },
        );
        assert_eq!((t.pods.len(), t.skipped, t.shapes.len()), (0, 4, 0));
        let t = parse(
            text,
            &TraceOptions {
                trace_start: Some(1e6),
                ..TraceOptions::default()
            },
        );
        assert_eq!((t.pods.len(), t.skipped), (0, 4));
    }

    #[test]
    fn limit_drops_unused_shapes_and_names() {
        let text = "name,start_s,duration_s,cpu,memory\nlate,9,1,4,4Gi\nearly,1,1,1,1Gi\n";
        let t = parse(
            text,
            &TraceOptions {
                limit: Some(1),
                ..TraceOptions::default()
            },
        );
        assert_eq!(names(&t), ["early"]);
        assert_eq!(t.shapes.len(), 1);
        assert_eq!(t.shapes[0].cpu_millis, 1000);
        assert_eq!(t.pods[0].shape, 0);
    }

    #[test]
    fn row_errors_name_line_and_column() {
        let text = "\
name,start_s,duration_s,cpu,memory,os,node_selector,tolerations,priority
ok,0,10,1,1Gi,,,,
badnum,abc,10,1,1Gi,,,,
negdur,0,-5,1,1Gi,,,,
badcpu,0,10,lots,1Gi,,,,
badmem,0,10,1,1GB,,,,
millimem,0,10,1,512m,,,,
bados,0,10,1,1Gi,macos,,,
bigcpu,0,10,1001,1Gi,,,,
bigmem,0,10,1,17Ti,,,,
badsel,0,10,1,1Gi,,nokey,,
badtol,0,10,1,1Gi,,,os=windows:Never,
badprio,0,10,1,1Gi,,,,high
short,0,10
nanstart,NaN,10,1,1Gi,,,,
two,x,y,1,1Gi,,,,
edge,0,10,1000,16Ti,,,,
emptycpu,0,10,,1Gi,,,,
";
        let e = errors(text);
        has(&e, 3, Some("start_s"), "not a number");
        has(&e, 4, Some("duration_s"), "negative duration");
        has(&e, 5, Some("cpu"), "invalid quantity");
        has(&e, 6, Some("memory"), "did you mean Gi?");
        has(&e, 7, Some("memory"), "did you mean 512Mi?");
        has(&e, 8, Some("os"), "unknown OS \"macos\"");
        has(&e, 9, Some("cpu"), "more than 1000 cores"); // 1001 cores = 1_001_000m
        has(&e, 10, Some("memory"), "16 TiB"); // 17Ti > 16Ti
        has(&e, 11, Some("node_selector"), "key=value");
        has(&e, 12, Some("tolerations"), "unknown effect \"Never\"");
        has(&e, 13, Some("priority"), "not a whole number");
        has(&e, 14, None, "3 fields, but the header has 9");
        has(&e, 15, Some("start_s"), "out of range");
        has(&e, 16, Some("start_s"), "not a number"); // two errors on one row
        has(&e, 16, Some("duration_s"), "not a number");
        has(&e, 18, Some("cpu"), "empty");
        // 1000 cores and 16 TiB exactly are accepted: nothing on lines 2 and 17.
        assert!(e.iter().all(|e| e.line != 2 && e.line != 17), "{e:?}");
        assert_eq!(e.len(), 16);
        assert_eq!(
            e[0].to_string(),
            "line 3, column start_s: \"abc\" is not a number of seconds"
        );
    }

    #[test]
    fn negative_durations_are_refused() {
        let e = errors("start_s,end_s,cpu,memory\n5,9,1,1Gi\n5,4,1,1Gi\n");
        has(&e, 3, Some("end_s"), "end_s 4 is before start_s 5");
        let e = errors(
            "name,cpu_milli,memory_mib,creation_time,deletion_time,scheduled_time\n\
             a,1,1,10,20,25\nb,1,1,10,5,\nc,-1,x,y,1,1\n",
        );
        has(&e, 2, Some("deletion_time"), "before scheduled_time 25");
        has(&e, 3, Some("deletion_time"), "before creation_time 10");
        has(&e, 4, Some("cpu_milli"), "≥ 0");
        has(&e, 4, Some("memory_mib"), "not a number of MiB");
        has(&e, 4, Some("creation_time"), "not a number");
        let e = errors("name,cpu_milli,memory_mib,creation_time\na,1000001,1,0\nb,1,16777217,0\n");
        has(&e, 2, Some("cpu_milli"), "more than 1000 cores");
        has(&e, 3, Some("memory_mib"), "16 TiB"); // 16 TiB = 16_777_216 MiB
    }

    #[test]
    fn header_errors() {
        let e = errors("start_s,duration_s,end_s,cpu,memory\n0,1,,1,1Gi\n");
        has(&e, 1, Some("end_s"), "both duration_s and end_s");
        let e = errors("start_s,cpu\n0,1\n");
        has(&e, 1, Some("memory"), "missing required column memory");
        has(
            &e,
            1,
            Some("duration_s"),
            "missing a duration_s or end_s column",
        );
        let e = errors("start_s,duration_s,cpu,memory,gpu\n0,1,1,1Gi,1\n");
        has(
            &e,
            1,
            Some("gpu"),
            "unknown column; aksim traces have name, start_s",
        );
        let e = errors("start_s,duration_s,cpu,memory,CPU\n0,1,1,1Gi,1\n");
        has(&e, 1, Some("cpu"), "named twice");
        // Alibaba multigpu files have no times.
        let e = errors(
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli\nopenb-pod-0000,12000,16384,1,1000\n",
        );
        has(&e, 1, Some("creation_time"), "multigpu");
        // The header's line when comments come first.
        let e = errors("# trace\n\nstart_s,cpu,memory\n0,1,1Gi\n");
        has(&e, 3, Some("duration_s"), "missing");
    }

    #[test]
    fn option_errors_have_line_zero() {
        let text = "start_s,duration_s,cpu,memory\n0,1,1,1Gi\n";
        for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = parse_trace(
                text,
                &TraceOptions {
                    time_scale: scale,
                    ..TraceOptions::default()
                },
            )
            .unwrap_err();
            has(&e, 0, None, "time_scale");
            assert!(e[0].to_string().starts_with("trace options: "));
        }
        let e = parse_trace(
            text,
            &TraceOptions {
                trace_start: Some(f64::NAN),
                ..TraceOptions::default()
            },
        )
        .unwrap_err();
        has(&e, 0, None, "trace_start");
    }

    #[test]
    fn far_times_are_refused() {
        // 4e9 s is about 127 years after trace_start 0.
        let e = parse_trace(
            "start_s,duration_s,cpu,memory\n0,1,1,1Gi\n4e9,1,1,1Gi\n0,4e9,1,1Gi\n",
            &TraceOptions::default(),
        )
        .unwrap_err();
        has(&e, 3, None, "arrives more than 100 years");
        has(&e, 4, None, "runs for more than 100 years");
    }

    #[test]
    fn errors_stop_after_the_cap() {
        let mut text = String::from("start_s,duration_s,cpu,memory\n");
        for _ in 0..30 {
            text.push_str("0,1,bad,1Gi\n");
        }
        let e = errors(&text);
        assert_eq!(e.len(), MAX_ERRORS + 1);
        // Rows are on lines 2.., so the 20th error is on line 21.
        has(&e, 21, Some("cpu"), "invalid quantity");
        has(
            &e,
            21,
            None,
            "too many errors: stopped reading after line 21",
        );
    }

    #[test]
    fn line_numbers_survive_crlf_blank_lines_comments_and_quotes() {
        // csv's own line numbers are off here (it counts CRLF lines and skipped blank lines
        // differently); the lines are counted from byte offsets instead.
        let text = "# comment\r\n\r\nname,start_s,duration_s,cpu,memory\r\nok,0,1,1,1Gi\r\n\r\n   \r\n\r\n# mid\r\nbad1,0,1,bad,1Gi\r\n\"two\r\nlines\",0,1,1,1Gi\r\nbad2,0,1,1,bad\r\n";
        // Lines: 1 comment, 2 blank, 3 header, 4 ok, 5 blank, 6 spaces (ignored), 7 blank,
        // 8 comment, 9 bad1, 10–11 the quoted name (refused: a name holds no line break),
        // 12 bad2.
        let e = errors(text);
        assert_eq!(e.len(), 3, "{e:?}");
        has(&e, 9, Some("cpu"), "invalid quantity");
        has(&e, 10, Some("name"), "holds a control character");
        has(&e, 12, Some("memory"), "invalid quantity");
        // The same file without the errors parses, the line of spaces ignored.
        let fixed = text
            .replace("bad1,0,1,bad", "ok1,0,1,1")
            .replace("1,1,bad", "1,1,1Gi")
            .replace("\"two\r\nlines\"", "\"two lines\"");
        let t = parse(&fixed, &TraceOptions::default());
        assert_eq!(names(&t), ["ok", "ok1", "two lines", "bad2"]);
    }

    #[test]
    fn two_hundred_thousand_rows() {
        assert!(std::mem::size_of::<TracePod>() <= 24);
        const N: usize = 200_000;
        let mut text = String::with_capacity(N * 40);
        text.push_str("name,start_s,duration_s,cpu,memory\n");
        for i in 0..N {
            // Times go back and forth (i × 7919 mod 86_400) so the sort has work to do.
            let start = (i * 7919) % 86_400;
            let cpu = (i % 4 + 1) * 250;
            let mem = (i % 5 + 1) * 256;
            text.push_str(&format!(
                "j{i},{start}.{},{},{cpu}m,{mem}Mi\n",
                i % 10,
                60 + i % 600
            ));
        }
        let t = parse(&text, &TraceOptions::default());
        assert_eq!(t.pods.len(), N);
        assert_eq!(t.shapes.len(), 20); // 4 CPU sizes × 5 memory sizes, lcm(4, 5) = 20
        assert!(t.pods.windows(2).all(|w| w[0].arrive <= w[1].arrive));
        assert_eq!(t.name(t.pods[0].name), "j0"); // start 0.0
        // 7919 is prime to 86_400, so every whole second 0..86_399 occurs; the last arrival
        // is 86_399.x s.
        let last = t.pods[N - 1].arrive.as_ms();
        assert!((86_399_000..86_400_000).contains(&last), "{last}");
    }
}
