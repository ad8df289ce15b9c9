//! Files written so that a reader sees the old file or the whole new one: each is staged under
//! a hidden name beside its final path (`.NAME.tmp-PID`), synced, and renamed over its path
//! only when every file of the batch is complete.
//!
//! A staged file is held open with an exclusive advisory lock (`flock`, on Unix) until it is
//! renamed. That lock, not the process id in the name, tells a live writer from a dead one:
//! process ids repeat across containers and hosts that share a folder, a lock is released by
//! the kernel when its holder dies however it died. `remove_stale_temp_files` removes only
//! aksim's own staged names that nobody holds and that have not been written for a while.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file being written under a temporary name beside its final path. Dropped before
/// `commit`, it removes its temporary file.
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    /// Open (and locked) until the batch is renamed.
    file: Option<File>,
    /// Renamed into place: dropping it removes nothing.
    renamed: bool,
}

const TEMP_MARK: &str = ".tmp-";

/// A staged file not written for this long, and not locked, is stale. The age covers the
/// instant between creating a file and locking it.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

impl Staged {
    /// Creates the temporary file of `path`: `.NAME.tmp-PID`, or `.NAME.tmp-PID-N` when another
    /// process with the same id (in another container) stages the same name.
    pub fn create(path: &Path) -> Result<Staged, String> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let pid = std::process::id();
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
        for n in 0..1_000u32 {
            let tmp = if n == 0 {
                dir.join(format!(".{name}{TEMP_MARK}{pid}"))
            } else {
                dir.join(format!(".{name}{TEMP_MARK}{pid}-{n}"))
            };
            match File::options().write(true).create_new(true).open(&tmp) {
                Ok(file) => {
                    lock(&file);
                    return Ok(Staged {
                        tmp,
                        path: path.to_path_buf(),
                        file: Some(file),
                        renamed: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(fail(e)),
            }
        }
        Err(fail(std::io::Error::other(
            "a thousand temporary files of this name are in the way",
        )))
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until committed")
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Closed first, so that no open descriptor keeps the removed file (NFS's .nfsXXXX).
        drop(self.file.take());
        if !self.renamed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Syncs every staged file, checks that each is still there, then renames each over its path.
/// Nothing is renamed unless every file is complete. The locks are held until the last rename.
pub fn commit(staged: &mut [Staged]) -> Result<(), String> {
    // Syncing a batch together lets one journal commit cover it.
    for s in staged.iter_mut() {
        let path = s.path.display().to_string();
        s.file()
            .sync_all()
            .map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    for s in staged.iter() {
        if let Err(e) = std::fs::symlink_metadata(&s.tmp) {
            return Err(format!(
                "cannot write {}: its temporary file {} is gone ({e})",
                s.path.display(),
                s.tmp.display()
            ));
        }
    }
    // A rename over a folder would fail halfway through the batch: refused before any.
    for s in staged.iter() {
        if std::fs::symlink_metadata(&s.path).is_ok_and(|m| m.is_dir()) {
            return Err(format!("cannot write {}: it is a folder", s.path.display()));
        }
    }
    for s in staged.iter_mut() {
        std::fs::rename(&s.tmp, &s.path)
            .map_err(|e| format!("cannot write {}: {e}", s.path.display()))?;
        // Renamed: the temporary name is no longer this file's to remove. Closing it here
        // would release the lock on every descriptor of a POSIX-lock filesystem (NFS), so
        // the file is closed with the rest, below.
        s.renamed = true;
    }
    for s in staged.iter_mut() {
        drop(s.file.take());
    }
    Ok(())
}

/// Writes each `(path, bytes)` through a staged file: all staged, each synced, then each
/// renamed over its path. A failure leaves no temporary file and no path changed.
pub fn write_atomic<B: AsRef<[u8]>>(files: &[(PathBuf, B)]) -> Result<(), String> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let mut s = Staged::create(path)?;
        s.file()
            .write_all(bytes.as_ref())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        staged.push(s);
    }
    commit(&mut staged)
}

/// Removes the staged files that a killed run, sweep or merge left in `dir`: aksim's own output
/// names (`.summary.json.tmp-4242`, `.run-000007.json.tmp-4242-1`, …) that no process holds
/// locked and that were not written in the last 10 s. Anything else is left alone, and on
/// systems without `flock` nothing is removed.
pub fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().and_then(staged_name).is_some_and(is_output) {
            continue;
        }
        let path = entry.path();
        let old = std::fs::symlink_metadata(&path)
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if !old {
            continue;
        }
        // Opened for writing, which a lock needs on NFS; held while removing, and removed
        // only if the name still is the file that was locked (another cleaner may have
        // removed it and a writer staged a new one under the same name meanwhile).
        if let Ok(f) = File::options().read(true).write(true).open(&path)
            && try_lock(&f)
            && same_file(&f, &path)
        {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The final name of a staged file's name (`.NAME.tmp-PID` or `.NAME.tmp-PID-N`).
fn staged_name(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('.')?;
    let at = rest.rfind(TEMP_MARK)?;
    let tag = &rest[at + TEMP_MARK.len()..];
    let (pid, n) = tag.split_once('-').unwrap_or((tag, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (at > 0 && digits(pid) && digits(n)).then(|| &rest[..at])
}

/// Whether aksim writes files of this name: a run's and a sweep's outputs, run files, charts.
fn is_output(name: &str) -> bool {
    const NAMES: [&str; 8] = [
        "timeseries.csv",
        "deployments.csv",
        "events.jsonl",
        "summary.json",
        "report.html",
        "runs.csv",
        "points.csv",
        "sweep.json",
    ];
    NAMES.contains(&name)
        || (name.starts_with("run-") && name.ends_with(".json"))
        || name.ends_with(".svg")
        || name.ends_with(".png")
}

/// Takes the staged file's lock; where locks are not supported the file is simply not locked.
#[cfg(unix)]
fn lock(f: &File) {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this File owns; it touches no memory.
    let _ = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
}

#[cfg(not(unix))]
fn lock(_f: &File) {}

/// Whether the lock of `f` could be taken: no process holds it.
#[cfg(unix)]
fn try_lock(f: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: as in `lock`.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

#[cfg(not(unix))]
fn try_lock(_f: &File) -> bool {
    false
}

/// Whether `path` names the open file `f`.
#[cfg(unix)]
fn same_file(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_f: &File, _path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_leaves_the_file_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        write_atomic(&[(a.clone(), b"old".to_vec())]).unwrap();
        write_atomic(&[(a.clone(), b"new".to_vec()), (b.clone(), b"b".to_vec())]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new");
        assert_eq!(std::fs::read(&b).unwrap(), b"b");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        // A file that cannot be written leaves no temporary file and no other file changed.
        let bad = dir.path().join("missing-folder/c.csv");
        let e = write_atomic(&[(a.clone(), b"newer".to_vec()), (bad, Vec::new())]).unwrap_err();
        assert!(e.contains("missing-folder/c.csv"), "{e}");
        assert_eq!(std::fs::read(&a).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn staged_names_give_their_final_name() {
        assert_eq!(
            staged_name(".timeseries.csv.tmp-4242"),
            Some("timeseries.csv")
        );
        assert_eq!(
            staged_name(".run-000001.json.tmp-1-3"),
            Some("run-000001.json")
        );
        assert_eq!(staged_name(".a.tmp-b.tmp-7"), Some("a.tmp-b"));
        for not_staged in [
            "timeseries.csv.tmp-1",
            ".tmp-1",
            ".x.tmp-",
            ".x.tmp-12a",
            ".x.tmp-1-",
            ".x.tmp-1-2-3",
        ] {
            assert_eq!(staged_name(not_staged), None, "{not_staged}");
        }
        assert!(is_output("run-000123.json") && is_output("cost.svg"));
        assert!(!is_output("notes") && !is_output("run-1.txt"));
    }

    /// Sets a file's modification time `secs` seconds back.
    #[cfg(unix)]
    fn age(path: &Path, secs: u64) {
        let f = File::options().write(true).open(path).unwrap();
        let t = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
        f.set_modified(t).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn only_old_unlocked_staged_outputs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let stale = d.join(".timeseries.csv.tmp-99999");
        let fresh = d.join(".summary.json.tmp-99998");
        let foreign = d.join(".notes.tmp-99999");
        for p in [&stale, &fresh, &foreign] {
            std::fs::write(p, b"x").unwrap();
        }
        age(&stale, 60);
        age(&foreign, 60);
        // A file another writer holds, however old: here this process's own staged file.
        let mut held = Staged::create(&d.join("events.jsonl")).unwrap();
        held.file().write_all(b"line\n").unwrap();
        age(&held.tmp, 60);
        remove_stale_temp_files(d);
        assert!(!stale.exists(), "an old unlocked staged file is left");
        assert!(fresh.exists(), "a file written just now was removed");
        assert!(foreign.exists(), "a file aksim does not write was removed");
        assert!(held.tmp.exists(), "a locked staged file was removed");
        commit(std::slice::from_mut(&mut held)).unwrap();
        assert_eq!(std::fs::read(d.join("events.jsonl")).unwrap(), b"line\n");
    }

    #[test]
    fn a_folder_in_the_way_renames_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.svg"));
        std::fs::write(&a, b"old").unwrap();
        std::fs::create_dir(&b).unwrap();
        let e =
            write_atomic(&[(a.clone(), b"new".to_vec()), (b.clone(), b"b".to_vec())]).unwrap_err();
        assert!(e.contains("b.svg: it is a folder"), "{e}");
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_second_writer_of_the_same_name_stages_beside_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        let mut a = Staged::create(&path).unwrap();
        let mut b = Staged::create(&path).unwrap();
        assert_ne!(a.tmp, b.tmp);
        a.file().write_all(b"a").unwrap();
        b.file().write_all(b"b").unwrap();
        commit(std::slice::from_mut(&mut a)).unwrap();
        drop(b);
        assert_eq!(std::fs::read(&path).unwrap(), b"a");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
