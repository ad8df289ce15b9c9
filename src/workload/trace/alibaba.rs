//! Alibaba's `cluster-trace-gpu-v2023` pod lists: the columns aksim reads of them, and how a
//! row becomes a pod.
//!
//! The `openb_pod_list_*.csv` files of <https://github.com/alibaba/clusterdata>
//! (`cluster-trace-gpu-v2023/`): `name, cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_spec,
//! qos, pod_phase, creation_time, deletion_time, scheduled_time`. The layout is chosen when the
//! header has `cpu_milli`, `memory_mib` or `creation_time`; `cpu_milli`, `memory_mib` and
//! `creation_time` are required, every column other than `name`, `deletion_time` and
//! `scheduled_time` is ignored (GPUs, QoS and phase play no part). Times are integer seconds
//! from the start of the trace (the default file starts at 0 and ends at 12,902,960 s, about
//! 149 days); the files are sorted by `creation_time` except the sampled `cpu*` and `gpushare*`
//! ones. In the published files `scheduled_time` is empty exactly for `Pending` pods (deleted
//! before they were ever scheduled) and `deletion_time` is always set; pods still running when
//! the trace was cut carry the cut time as their `deletion_time`.
//!
//! Mapping: CPU `cpu_milli` millicores (rounded up), memory `memory_mib` × 2^20 bytes (rounded
//! up), Linux, no selector, no tolerations, priority 0. Run time: `deletion_time −
//! scheduled_time` (how long it ran) when both are present; `deletion_time − creation_time`
//! when it was never scheduled (the demand was real for that long: if the simulated cluster
//! has room, the pod runs for as long as it asked); until the end of the simulation when
//! `deletion_time` is empty. An empty cell or `nan` (as pandas writes it) counts as empty.
//! The `multigpu*` files have no time columns and are refused.

use indexmap::IndexMap;

use super::{Errors, MAX_CPU_MILLIS, MAX_MEMORY_BYTES, PodShape, RowErrors, check_cpu, seconds};
use crate::api::Os;

// Indexes into `COLUMNS`; `name` is column 0 (`super::NAME`).
const CPU: usize = 1;
const MEMORY: usize = 2;
const CREATION: usize = 3;
const DELETION: usize = 4;
const SCHEDULED: usize = 5;
/// The columns aksim reads (the others are ignored).
pub(super) const COLUMNS: [&str; 6] = [
    "name",
    "cpu_milli",
    "memory_mib",
    "creation_time",
    "deletion_time",
    "scheduled_time",
];
/// A header naming any of these is read as an Alibaba pod list.
pub(super) const MARKERS: [&str; 3] = ["cpu_milli", "memory_mib", "creation_time"];

/// Refuses a header without the required columns (`cols`: each column's position in the
/// header).
pub(super) fn check_header(cols: &[Option<usize>], errors: &mut Errors, line: usize) {
    super::require(
        cols,
        &COLUMNS,
        &[
            (CPU, ""),
            (MEMORY, ""),
            (
                CREATION,
                " (Alibaba pod lists without times, like openb_pod_list_multigpu*.csv, cannot be replayed)",
            ),
        ],
        errors,
        line,
    );
}

/// Creation, run time (NaN: until the end) and shape of an Alibaba row.
pub(super) fn row<'r>(
    cell: &impl Fn(usize) -> &'r str,
    e: &mut RowErrors<'_>,
) -> Option<(f64, f64, PodShape)> {
    /// A non-negative amount, as written in the trace.
    fn amount(cell: &str, unit: &str) -> Result<f64, String> {
        let v: f64 = cell
            .parse()
            .map_err(|_| format!("{cell:?} is not a number of {unit}"))?;
        if !v.is_finite() || v < 0.0 {
            return Err(format!("{cell:?} is not a number of {unit} ≥ 0"));
        }
        Ok(v)
    }
    /// Empty or pandas' `nan`: absent.
    fn optional(cell: &str) -> Option<&str> {
        (!cell.is_empty() && !cell.eq_ignore_ascii_case("nan")).then_some(cell)
    }
    let cpu = e.check(
        "cpu_milli",
        amount(cell(CPU), "millicores").and_then(|m| {
            if m > MAX_CPU_MILLIS as f64 {
                check_cpu(m.ceil() as u64)
            } else {
                Ok(m.ceil() as u64)
            }
        }),
    );
    let memory = e.check(
        "memory_mib",
        amount(cell(MEMORY), "MiB").and_then(|mib| {
            let bytes = (mib * (1u64 << 20) as f64).ceil();
            if bytes > MAX_MEMORY_BYTES as f64 {
                Err(format!(
                    "a memory request of {mib} MiB is more than 16 TiB; refusing (check the unit)"
                ))
            } else {
                Ok(bytes as u64)
            }
        }),
    );
    let creation = e.check("creation_time", seconds(cell(CREATION)));
    let deletion =
        optional(cell(DELETION)).and_then(|c| e.check("deletion_time", seconds(c)).map(|v| (c, v)));
    let scheduled = optional(cell(SCHEDULED))
        .and_then(|c| e.check("scheduled_time", seconds(c)).map(|v| (c, v)));
    let run = match (deletion, scheduled, creation) {
        // Deleted: ran from being scheduled until deleted.
        (Some((dc, d)), Some((sc, s)), _) => {
            if d < s {
                e.push(
                    "deletion_time",
                    format!(
                        "deletion_time {dc} is before scheduled_time {sc} (a negative duration)"
                    ),
                );
                None
            } else {
                Some(d - s)
            }
        }
        // Never scheduled: wanted room from creation until deleted.
        (Some((dc, d)), None, Some(c)) => {
            if d < c {
                e.push(
                    "deletion_time",
                    format!(
                        "deletion_time {dc} is before creation_time {} (a negative duration)",
                        cell(CREATION)
                    ),
                );
                None
            } else {
                Some(d - c)
            }
        }
        (Some(_), None, None) => None,
        // Not deleted in the trace: runs until the end.
        (None, _, _) => Some(f64::NAN),
    };
    Some((
        creation?,
        run?,
        PodShape {
            os: Os::Linux,
            cpu_millis: cpu?,
            memory_bytes: memory?,
            node_selector: IndexMap::new(),
            tolerations: Vec::new(),
            priority: 0,
        },
    ))
}
