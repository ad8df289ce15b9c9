//! Shards: a sweep split over machines. Shard `I/N` runs the runs r with r mod N = I; a run's
//! seed never depends on the shard, so any split gives the same results.
//!
//! Where the shard comes from, first match wins:
//! 1. `--shard I/N`;
//! 2. a Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` is I, and N is `--shards N` or else the
//!    `AKSIM_SHARDS` variable (set it to the Job's `completions`; a pod cannot read that);
//! 3. a Slurm job array: I = (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN`) ÷
//!    `SLURM_ARRAY_TASK_STEP` (0 and 1 when unset) and N = `SLURM_ARRAY_TASK_COUNT`;
//! 4. otherwise every run (shard 0/1).

use std::fmt;
use std::str::FromStr;

/// One of N shards of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("the number of shards must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard {index} of {count} does not exist: shards are numbered 0 to {}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether run `r` belongs to this shard.
    pub fn contains(self, run: u64) -> bool {
        run % self.count == self.index
    }

    /// How many of runs `0..runs` belong to this shard.
    pub fn runs_in(self, runs: u64) -> u64 {
        runs / self.count + u64::from(runs % self.count > self.index)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N`, 0-based: `0/3`, `1/3`, `2/3`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("{s:?} is not a shard; write I/N with 0 ≤ I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i: u64 = i.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Where the shard came from, for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSource {
    /// No sharding: every run.
    Whole,
    /// `--shard I/N`.
    Flag,
    /// `JOB_COMPLETION_INDEX`.
    Kubernetes,
    /// `SLURM_ARRAY_TASK_ID`.
    Slurm,
}

impl fmt::Display for ShardSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ShardSource::Whole => "every run",
            ShardSource::Flag => "--shard",
            ShardSource::Kubernetes => "Kubernetes Indexed Job, JOB_COMPLETION_INDEX",
            ShardSource::Slurm => "Slurm array, SLURM_ARRAY_TASK_ID",
        })
    }
}

/// Picks the shard from the flags and the environment (`env` reads a variable), by the rules in
/// this module's documentation.
pub fn choose(
    flag: Option<Shard>,
    shards: Option<u64>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Shard, ShardSource), String> {
    if let Some(s) = flag {
        return Ok((s, ShardSource::Flag));
    }
    let number = |name: &str| -> Result<Option<u64>, String> {
        match env(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("{name}={v:?} is not a non-negative integer")),
        }
    };
    if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        let count = match shards {
            Some(n) => n,
            None => number("AKSIM_SHARDS")?.ok_or_else(|| {
                "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the number of shards is not: \
                 pass --shards N or set AKSIM_SHARDS to the Job's completions (or pass --shard I/N)"
                    .to_string()
            })?,
        };
        let shard = Shard::new(index, count)
            .map_err(|e| format!("JOB_COMPLETION_INDEX={index} with {count} shards: {e}"))?;
        return Ok((shard, ShardSource::Kubernetes));
    }
    if shards.is_some() {
        return Err(
            "--shards N is the shard count of a Kubernetes Indexed Job and needs JOB_COMPLETION_INDEX; \
             elsewhere pass --shard I/N"
                .into(),
        );
    }
    if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        let count = number("SLURM_ARRAY_TASK_COUNT")?.ok_or(
            "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard I/N",
        )?;
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = number("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let offset = id
            .checked_sub(min)
            .filter(|o| o % step == 0)
            .ok_or_else(|| {
                format!(
                    "SLURM_ARRAY_TASK_ID={id} is not in an array starting at {min} with step {step}"
                )
            })?;
        let shard = Shard::new(offset / step, count).map_err(|e| {
            format!(
                "SLURM_ARRAY_TASK_ID={id} (array from {min}, {count} tasks): {e}; use a contiguous --array such as 0-{}",
                count.saturating_sub(1)
            )
        })?;
        return Ok((shard, ShardSource::Slurm));
    }
    Ok((Shard::ALL, ShardSource::Whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shards_split_the_runs_by_remainder() {
        let s: Shard = "1/3".parse().unwrap();
        let mine: Vec<u64> = (0..10).filter(|r| s.contains(*r)).collect();
        assert_eq!(mine, [1, 4, 7]);
        // 10 runs over 3 shards: 4, 3, 3.
        assert_eq!(
            (0..3)
                .map(|i| Shard::new(i, 3).unwrap().runs_in(10))
                .collect::<Vec<_>>(),
            [4, 3, 3]
        );
        assert!(
            "3/3"
                .parse::<Shard>()
                .unwrap_err()
                .contains("numbered 0 to 2")
        );
        assert!("1-3".parse::<Shard>().unwrap_err().contains("I/N"));
        assert!("0/0".parse::<Shard>().is_err());
    }

    #[test]
    fn the_flag_wins_then_kubernetes_then_slurm() {
        let flag = Shard::new(2, 5).unwrap();
        // A Slurm array's variables as well: Kubernetes comes first.
        let k8s = [
            ("JOB_COMPLETION_INDEX", "3"),
            ("AKSIM_SHARDS", "4"),
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
        ];
        assert_eq!(
            choose(Some(flag), None, &env(&k8s)).unwrap(),
            (flag, ShardSource::Flag)
        );
        assert_eq!(
            choose(None, None, &env(&k8s)).unwrap(),
            (Shard::new(3, 4).unwrap(), ShardSource::Kubernetes)
        );
        // --shards overrides AKSIM_SHARDS.
        assert_eq!(
            choose(None, Some(8), &env(&k8s)).unwrap().0,
            Shard::new(3, 8).unwrap()
        );
        let e = choose(None, None, &env(&[("JOB_COMPLETION_INDEX", "3")])).unwrap_err();
        assert!(e.contains("AKSIM_SHARDS"), "{e}");
        let e = choose(None, Some(2), &env(&[])).unwrap_err();
        assert!(e.contains("needs JOB_COMPLETION_INDEX"), "{e}");
        assert_eq!(
            choose(None, None, &env(&[])).unwrap(),
            (Shard::ALL, ShardSource::Whole)
        );
    }

    #[test]
    fn slurm_arrays_are_normalised_to_start_at_zero() {
        // sbatch --array=1-10: task 1 is shard 0 of 10.
        let one_based = [
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "10"),
        ];
        assert_eq!(
            choose(None, None, &env(&one_based)).unwrap(),
            (Shard::new(0, 10).unwrap(), ShardSource::Slurm)
        );
        // --array=0-8:2 (0, 2, 4, 6, 8): task 6 is shard 3 of 5.
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "6"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "5"),
        ];
        assert_eq!(
            choose(None, None, &env(&stepped)).unwrap().0,
            Shard::new(3, 5).unwrap()
        );
        // --array=0,5,9 is not contiguous: task 9 of 3 cannot be placed.
        let gaps = [
            ("SLURM_ARRAY_TASK_ID", "9"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert!(
            choose(None, None, &env(&gaps))
                .unwrap_err()
                .contains("contiguous")
        );
    }
}
