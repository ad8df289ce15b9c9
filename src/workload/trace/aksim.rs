//! aksim's own trace columns: which the header may name, and how a row becomes a pod.
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `name` | no | pod name; empty or absent: `line-<N>` (its line in the file) |
//! | `start_s` | yes | creation time in trace seconds (decimals allowed, e.g. `12.5`) |
//! | `duration_s` | one of the two | run time in seconds, counted from when the pod starts running; empty cell: runs until the end of the simulation |
//! | `end_s` | one of the two | deletion time in trace seconds; run time = `end_s − start_s`; empty cell: runs until the end |
//! | `cpu` | yes | CPU request, a Kubernetes quantity: `500m`, `0.5`, `2` |
//! | `memory` | yes | memory request, a Kubernetes quantity: `512Mi`, `2Gi`, `1.5G` (`512m` is refused: it means 0.512 bytes) |
//! | `os` | no | `linux` or `windows` (default `linux`) |
//! | `node_selector` | no | `key=value` pairs separated by `;`: `agentpool=batch;kubernetes.io/arch=amd64` |
//! | `tolerations` | no | tolerations separated by `;`, each `key=value:Effect`, `key=value`, `key:Effect`, `key`, `*:Effect` or `*` (see below) |
//! | `priority` | no | pod priority, an integer (default 0) |
//!
//! Exactly one of `duration_s` and `end_s` must be present. Any other column is an error.
//!
//! A toleration is `<key>[=<value>][:<Effect>]`: with `=value` the operator is `Equal` (the
//! taint's value must match), without it `Exists` (any value of that key); without `:Effect` it
//! tolerates every effect; `Effect` is `NoSchedule`, `PreferNoSchedule` or `NoExecute`. The key
//! `*` (no value) tolerates every key: `*` alone tolerates every taint. A toleration written
//! exactly like a taint (`os=windows:NoSchedule`, `dedicated:NoExecute`) tolerates that taint.
//!
//! ```csv
//! name,start_s,duration_s,cpu,memory,os,node_selector,tolerations,priority
//! etl-1,0,600,500m,512Mi,linux,,,0
//! render-1,30.5,1200,2,4Gi,windows,agentpool=win,os=windows:NoSchedule,100
//! daemon-like,60,,100m,128Mi,,,*,
//! ```

use indexmap::IndexMap;

use super::{Errors, MAX_MEMORY_BYTES, PodShape, RowErrors, check_cpu, no_control, seconds};
use crate::api::quantity::{looks_like_milli_bytes, parse_bytes, parse_cpu_millis};
use crate::api::{Os, TaintEffect, Toleration};

// Indexes into `COLUMNS`; `name` is column 0 (`super::NAME`).
const START_S: usize = 1;
const DURATION_S: usize = 2;
const END_S: usize = 3;
const CPU: usize = 4;
const MEMORY: usize = 5;
const OS: usize = 6;
const NODE_SELECTOR: usize = 7;
const TOLERATIONS: usize = 8;
const PRIORITY: usize = 9;
/// Every column of the layout: a header naming another is refused.
pub(super) const COLUMNS: [&str; 10] = [
    "name",
    "start_s",
    "duration_s",
    "end_s",
    "cpu",
    "memory",
    "os",
    "node_selector",
    "tolerations",
    "priority",
];

/// Refuses a header without the required columns, or with the run time given both ways or
/// neither (`cols`: each column's position in the header).
pub(super) fn check_header(cols: &[Option<usize>], errors: &mut Errors, line: usize) {
    const HINT: &str = " (aksim traces need start_s, duration_s or end_s, cpu and memory)";
    super::require(
        cols,
        &COLUMNS,
        &[(START_S, HINT), (CPU, HINT), (MEMORY, HINT)],
        errors,
        line,
    );
    match (cols[DURATION_S], cols[END_S]) {
        (Some(_), Some(_)) => errors.push(
            line,
            Some("end_s"),
            "both duration_s and end_s: give the run time one way",
        ),
        (None, None) => errors.push(
            line,
            Some("duration_s"),
            "missing a duration_s or end_s column (an empty cell means: runs until the end)",
        ),
        _ => {}
    }
}

/// Creation, run time (NaN: until the end) and shape of an aksim row.
pub(super) fn row<'r>(
    cell: &impl Fn(usize) -> &'r str,
    e: &mut RowErrors<'_>,
) -> Option<(f64, f64, PodShape)> {
    let start = e.check("start_s", seconds(cell(START_S)));
    let duration = cell(DURATION_S);
    let end = cell(END_S);
    let run = if !duration.is_empty() {
        e.check(
            "duration_s",
            seconds(duration).and_then(|d| {
                if d < 0.0 {
                    Err(format!("negative duration {duration}"))
                } else {
                    Ok(d)
                }
            }),
        )
    } else if !end.is_empty() {
        match (e.check("end_s", seconds(end)), start) {
            (Some(end_v), Some(start_v)) if end_v < start_v => {
                e.push(
                    "end_s",
                    format!(
                        "end_s {end} is before start_s {} (a negative duration)",
                        cell(START_S)
                    ),
                );
                None
            }
            (Some(end_v), Some(start_v)) => Some(end_v - start_v),
            _ => None,
        }
    } else {
        Some(f64::NAN)
    };
    let cpu_cell = cell(CPU);
    let cpu = e.check(
        "cpu",
        if cpu_cell.is_empty() {
            Err("empty; expected a quantity such as 500m or 2".into())
        } else {
            parse_cpu_millis(cpu_cell)
                .map_err(|q| q.to_string())
                .and_then(check_cpu)
        },
    );
    let mem_cell = cell(MEMORY);
    let memory = e.check(
        "memory",
        if mem_cell.is_empty() {
            Err("empty; expected a quantity such as 512Mi or 2Gi".into())
        } else if looks_like_milli_bytes(mem_cell) {
            Err(format!(
                "{mem_cell:?} means thousandths of a byte (the m suffix is milli); did you mean {}Mi?",
                mem_cell.trim_end_matches('m')
            ))
        } else {
            parse_bytes(mem_cell)
                .map_err(|q| q.to_string())
                .and_then(check_memory)
        },
    );
    let os_cell = cell(OS);
    let os = e.check(
        "os",
        if os_cell.is_empty() || os_cell.eq_ignore_ascii_case("linux") {
            Ok(Os::Linux)
        } else if os_cell.eq_ignore_ascii_case("windows") {
            Ok(Os::Windows)
        } else {
            Err(format!("unknown OS {os_cell:?} (linux or windows)"))
        },
    );
    let node_selector = e.check("node_selector", parse_node_selector(cell(NODE_SELECTOR)));
    let tolerations = e.check("tolerations", parse_tolerations(cell(TOLERATIONS)));
    let prio_cell = cell(PRIORITY);
    let priority = e.check(
        "priority",
        if prio_cell.is_empty() {
            Ok(0)
        } else {
            prio_cell
                .parse::<i32>()
                .map_err(|_| format!("{prio_cell:?} is not a whole number (a 32-bit priority)"))
        },
    );
    Some((
        start?,
        run?,
        PodShape {
            os: os?,
            cpu_millis: cpu?,
            memory_bytes: memory?,
            node_selector: node_selector?,
            tolerations: tolerations?,
            priority: priority?,
        },
    ))
}

fn check_memory(b: u64) -> Result<u64, String> {
    if b > MAX_MEMORY_BYTES {
        Err(format!(
            "a memory request of {b} bytes is more than 16 TiB; refusing (check the unit)"
        ))
    } else {
        Ok(b)
    }
}

/// `k=v;k2=v2`, sorted by key.
fn parse_node_selector(cell: &str) -> Result<IndexMap<String, String>, String> {
    no_control(cell)?;
    let mut out = IndexMap::new();
    for item in cell.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| format!("{item:?} is not key=value (pairs are separated by ;)"))?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            return Err(format!("{item:?} has an empty key"));
        }
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("key {k:?} appears twice"));
        }
    }
    out.sort_keys();
    Ok(out)
}

/// `;`-separated `<key>[=<value>][:<Effect>]`, `*` for every key.
fn parse_tolerations(cell: &str) -> Result<Vec<Toleration>, String> {
    no_control(cell)?;
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_toleration)
        .collect()
}

fn parse_toleration(item: &str) -> Result<Toleration, String> {
    let (body, effect) = match item.rsplit_once(':') {
        None => (item, None),
        Some((body, e)) => {
            let effect = match e.trim() {
                "NoSchedule" => TaintEffect::NoSchedule,
                "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
                "NoExecute" => TaintEffect::NoExecute,
                other => {
                    return Err(format!(
                        "toleration {item:?}: unknown effect {other:?} (NoSchedule, PreferNoSchedule or NoExecute)"
                    ));
                }
            };
            (body, Some(effect))
        }
    };
    let (key, value) = match body.split_once('=') {
        Some((k, v)) => (k.trim(), Some(v.trim())),
        None => (body.trim(), None),
    };
    if key.is_empty() {
        return Err(format!(
            "toleration {item:?} has an empty key (write * to tolerate every key)"
        ));
    }
    if key == "*" {
        if value.is_some() {
            return Err(format!(
                "toleration {item:?}: * tolerates every key and takes no value"
            ));
        }
        return Ok(Toleration {
            key: None,
            exists: true,
            value: String::new(),
            effect,
        });
    }
    Ok(Toleration {
        key: Some(key.to_string()),
        exists: value.is_none(),
        value: value.unwrap_or("").to_string(),
        effect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toleration_syntax() {
        let tol = |key: Option<&str>, exists, value: &str, effect| Toleration {
            key: key.map(str::to_string),
            exists,
            value: value.into(),
            effect,
        };
        let cases = [
            (
                "os=windows:NoSchedule",
                tol(Some("os"), false, "windows", Some(TaintEffect::NoSchedule)),
            ),
            ("os=windows", tol(Some("os"), false, "windows", None)),
            (
                "dedicated:NoExecute",
                tol(Some("dedicated"), true, "", Some(TaintEffect::NoExecute)),
            ),
            ("dedicated", tol(Some("dedicated"), true, "", None)),
            (
                "flag=:PreferNoSchedule",
                tol(Some("flag"), false, "", Some(TaintEffect::PreferNoSchedule)),
            ),
            (
                "*:NoSchedule",
                tol(None, true, "", Some(TaintEffect::NoSchedule)),
            ),
            ("*", Toleration::everything()),
            (
                "kubernetes.azure.com/scalesetpriority=spot:NoSchedule",
                tol(
                    Some("kubernetes.azure.com/scalesetpriority"),
                    false,
                    "spot",
                    Some(TaintEffect::NoSchedule),
                ),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_toleration(text), Ok(want), "{text}");
        }
        // A toleration written like a taint tolerates that taint.
        for taint in ["os=windows:NoSchedule", "dedicated:NoExecute"] {
            let t = crate::api::parse_taint(taint).unwrap();
            assert!(parse_toleration(taint).unwrap().tolerates(&t), "{taint}");
        }
        for (text, needle) in [
            ("=x:NoSchedule", "empty key"),
            ("*=x", "takes no value"),
            ("os=windows:", "unknown effect"),
            ("os:Exists", "unknown effect"),
        ] {
            let e = parse_toleration(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        assert_eq!(parse_tolerations(" a ; ;b=1:NoExecute ").unwrap().len(), 2);
        assert!(
            parse_node_selector("a=1;a=2")
                .unwrap_err()
                .contains("twice")
        );
        assert!(parse_node_selector("=1").unwrap_err().contains("empty key"));
        assert_eq!(parse_node_selector(" ; ").unwrap().len(), 0);
    }
}
