//! `[simulation]`: the run's name, length, sampling, start time, region and limits.

use super::{
    Ctx, DEFAULT_MAX_EVENTS, DEFAULT_START, LAST_WRITABLE_UNIX_MS, MAX_DURATION, MAX_SAMPLES,
};
use crate::engine::SimDuration;
use crate::scenario::model::SimulationSettings;
use crate::scenario::raw::{RawSimulation, S};

/// `[simulation]`, checked. A value that does not parse is reported and replaced by its default
/// (one hour for the duration), so that the checks after it stay quiet.
pub(super) fn simulation(ctx: &mut Ctx, raw: &S<RawSimulation>) -> SimulationSettings {
    let sim = raw.get_ref();
    let name = sim.name.get_ref().trim().to_string();
    ctx.diags.extend(super::folder_name_error(
        &name,
        Some(sim.name.span()),
        "simulation.name",
    ));
    let parsed_duration = ctx.duration_of(&sim.duration, "simulation.duration");
    // An unparsable duration is already reported; one hour keeps the later checks quiet.
    let duration = parsed_duration.unwrap_or(SimDuration::from_mins(60));
    if parsed_duration == Some(SimDuration::ZERO) {
        ctx.err(
            Some(sim.duration.span()),
            "simulation.duration",
            "the simulation must last longer than zero",
        );
    } else if duration > MAX_DURATION {
        ctx.err(
            Some(sim.duration.span()),
            "simulation.duration",
            "at most 366 days can be simulated in one run",
        );
    }
    let sample_interval = ctx.duration(
        &sim.sample_interval,
        SimDuration::from_secs(60),
        "simulation.sample_interval",
    );
    if sample_interval < SimDuration::from_secs(1) {
        ctx.err(
            sim.sample_interval.as_ref().map(|s| s.span()),
            "simulation.sample_interval",
            "the sample interval must be at least 1s",
        );
    } else if duration.as_ms() / sample_interval.as_ms() > MAX_SAMPLES {
        ctx.err(
            sim.sample_interval.as_ref().map(|s| s.span()),
            "simulation.sample_interval",
            format!(
                "{} samples is too many (at most {MAX_SAMPLES}); use a longer interval",
                duration.as_ms() / sample_interval.as_ms()
            ),
        );
    }
    let (start_unix_ms, start_offset_secs) = start(ctx, sim, duration);
    let region = sim
        .region
        .as_ref()
        .map_or("eastus".to_string(), |r| r.get_ref().clone());
    if !region
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        || region.is_empty()
    {
        ctx.err(
            sim.region.as_ref().map(|r| r.span()),
            "simulation.region",
            format!("{region:?} is not an Azure region name like \"eastus\""),
        );
    }
    let max_events = sim
        .max_events
        .as_ref()
        .map_or(DEFAULT_MAX_EVENTS, |m| *m.get_ref());
    if max_events == 0 {
        ctx.err(
            sim.max_events.as_ref().map(|m| m.span()),
            "simulation.max_events",
            "must be above zero",
        );
    }
    let memory_limit_bytes = ctx
        .memory(&sim.memory_limit, "simulation.memory_limit")
        .unwrap_or(crate::scenario::size::DEFAULT_MEMORY_LIMIT_BYTES);
    SimulationSettings {
        name,
        seed: sim.seed.unwrap_or(1),
        duration,
        start_unix_ms,
        start_offset_secs,
        sample_interval,
        region,
        max_events,
        memory_limit_bytes,
    }
}

/// `simulation.start`: the Unix time in ms and the UTC offset in seconds it was written with
/// (zero for both when it does not parse).
fn start(ctx: &mut Ctx, sim: &RawSimulation, duration: SimDuration) -> (i64, i32) {
    let start_text = sim
        .start
        .as_ref()
        .map_or(DEFAULT_START.to_string(), |s| s.get_ref().clone());
    let (start_unix_ms, start_offset_secs) = match chrono::DateTime::parse_from_rfc3339(&start_text)
    {
        Ok(t) => (t.timestamp_millis(), t.offset().local_minus_utc()),
        Err(e) => {
            ctx.err_hint(
                sim.start.as_ref().map(|s| s.span()),
                "simulation.start",
                format!("{start_text:?} is not an RFC 3339 time: {e}"),
                "write it like \"2026-01-05T00:00:00Z\" or \"2026-01-05T09:00:00+01:00\"",
            );
            (0, 0)
        }
    };
    // Every instant of the run is written as an RFC 3339 time with a four-digit year: a run
    // that would end after 9999-12-31T23:59:59 in its own offset is refused.
    let last_ms = start_unix_ms
        .saturating_add(i64::from(start_offset_secs) * 1000)
        .saturating_add(i64::try_from(duration.as_ms()).unwrap_or(i64::MAX));
    if last_ms > LAST_WRITABLE_UNIX_MS {
        ctx.err(
            sim.start.as_ref().map(|s| s.span()),
            "simulation.start",
            format!("a run from {start_text} for {duration} would end after the year 9999"),
        );
    }
    (start_unix_ms, start_offset_secs)
}
