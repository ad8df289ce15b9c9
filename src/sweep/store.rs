//! A sweep's folder: one JSON file per finished run under `runs/`, each written atomically
//! (a temporary file in the same folder, synced, then renamed), so that a killed sweep leaves
//! whole files only and a rerun can tell which runs are done.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use rayon::prelude::*;

use serde::{Deserialize, Serialize};

use super::SweepError;
use super::run::RunRecord;
use super::spec::{Mode, Sweep};
use crate::report::write_atomic;

/// The subfolder holding the run files.
pub const RUNS_DIR: &str = "runs";

/// The file describing the sweep a folder holds the runs of.
pub const MANIFEST: &str = "sweep.json";

/// `sweep.json`: the sweep file and its base scenario as they were run, so that a folder, or
/// the shard folders merged from it, can report what was swept without the original files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub identity: String,
    pub name: String,
    /// The sweep file as the user named it, and its text.
    pub file: String,
    pub text: String,
    /// The base scenario's path as the sweep reads it, and its text.
    pub scenario_file: String,
    pub scenario_text: String,
    pub mode: Mode,
    pub seed: u64,
    pub replicas: u32,
    pub points: u64,
    pub parameters: Vec<ManifestParameter>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestParameter {
    pub name: String,
    pub path: String,
    /// Its values, or its range, in words.
    pub domain: String,
}

impl Manifest {
    pub fn of(sweep: &Sweep) -> Manifest {
        Manifest {
            identity: sweep.identity.clone(),
            name: sweep.name.clone(),
            file: sweep.file.clone(),
            text: sweep.text().to_string(),
            scenario_file: sweep.scenario_file.clone(),
            scenario_text: sweep.scenario_text.clone(),
            mode: sweep.mode,
            seed: sweep.seed,
            replicas: sweep.replicas,
            points: sweep.points.len() as u64,
            parameters: sweep
                .parameters
                .iter()
                .map(|p| ManifestParameter {
                    name: p.name.clone(),
                    path: p.path.clone(),
                    domain: p.domain.describe(),
                })
                .collect(),
        }
    }

    /// The bytes of `sweep.json`.
    pub fn encode(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec_pretty(self).expect("a manifest serializes");
        json.push(b'\n');
        json
    }
}

/// The folder's `sweep.json`, if it has one.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, SweepError> {
    let path = dir.join(MANIFEST);
    // The sweep file and the scenario, each at most 16 MiB, with their JSON escapes.
    let bytes = match read_bounded(&path, 64 << 20) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SweepError::Output(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        SweepError::Input(format!(
            "error: {} is not the sweep.json of `aksim sweep` ({e}); remove it",
            path.display()
        ))
    })
}

/// `run-000042.json`: six digits hold the largest sweep (100,000 runs) and sort by index.
pub fn run_file_name(run: u64) -> String {
    format!("run-{run:06}.json")
}

/// The run index a file name stands for, if it is a run file's name.
fn run_of_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("run-")?.strip_suffix(".json")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A run file's bytes: pretty JSON and a final newline.
pub fn encode(record: &RunRecord) -> Vec<u8> {
    let mut json = serde_json::to_vec_pretty(record).expect("a run record serializes");
    json.push(b'\n');
    json
}

/// Runs at most this many files in one batch of `write_runs`.
const MAX_BATCH: usize = 64;

/// Writes the run files that arrive on `rx` (run index, encoded record) into `runs_dir`, in
/// batches of what has arrived, calling `written` once per file, until every sender is gone.
/// The workers that simulate hand their records over and go on; only this thread waits for
/// the disk.
pub fn write_runs(
    runs_dir: &Path,
    rx: Receiver<(u64, Vec<u8>)>,
    written: &dyn Fn(),
) -> Result<(), SweepError> {
    while let Ok(first) = rx.recv() {
        let batch: Vec<(PathBuf, Vec<u8>)> = std::iter::once(first)
            .chain(rx.try_iter().take(MAX_BATCH - 1))
            .map(|(r, bytes)| (runs_dir.join(run_file_name(r)), bytes))
            .collect();
        write_atomic(&batch).map_err(SweepError::Output)?;
        for _ in &batch {
            written();
        }
    }
    Ok(())
}

/// Every run file in `out/runs/`, sorted by run index; none when the folder does not exist.
/// Hidden files (temporary files of a sweep in progress or killed) are ignored.
pub fn read_runs(out: &Path) -> Result<Vec<(PathBuf, RunRecord)>, SweepError> {
    let dir = out.join(RUNS_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(SweepError::Output(format!(
                "cannot read {}: {e}",
                dir.display()
            )));
        }
    };
    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| SweepError::Output(format!("cannot read {}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(r) = run_of_file_name(&name) {
            files.push((r, entry.path()));
        }
    }
    files.sort();
    files
        .into_par_iter()
        .map(|(r, path)| {
            // A run file is a few kilobytes; whatever else has its name is not read whole.
            let bytes = read_bounded(&path, 16 << 20).map_err(|e| {
                SweepError::Output(format!("cannot read {}: {e}", path.display()))
            })?;
            let record: RunRecord = serde_json::from_slice(&bytes).map_err(|e| {
                SweepError::Input(format!(
                    "error: {} is not a run file of `aksim sweep` ({e}); remove it or use another --out",
                    path.display()
                ))
            })?;
            if record.run != r {
                return Err(SweepError::Input(format!(
                    "error: {} holds run {}, not run {r}; remove it or use another --out",
                    path.display(),
                    record.run
                )));
            }
            Ok((path, record))
        })
        .collect()
}

/// The bytes of `path`, refused past `limit` (a device or a wrong file is not read whole).
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    crate::scenario::read_at_most(path, limit)?
        .ok_or_else(|| std::io::Error::other(format!("larger than {} MiB", limit >> 20)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_file_names_round_trip_and_sort_by_index() {
        assert_eq!(run_file_name(42), "run-000042.json");
        assert_eq!(run_of_file_name("run-000042.json"), Some(42));
        assert_eq!(run_of_file_name(".run-000042.json.tmp-7"), None);
        assert_eq!(run_of_file_name("run-.json"), None);
        assert_eq!(run_of_file_name("run-+1.json"), None);
        assert!(run_file_name(9) < run_file_name(10));
        assert!(run_file_name(99_999) < run_file_name(100_000));
    }
}
