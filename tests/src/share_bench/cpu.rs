//! Processor time of a process, from `/proc/<pid>/stat` (user and system
//! time of all its threads), as a share of one core over a stretch of
//! wall-clock time.

use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpuError {
    #[error("process {pid} cannot be read: {why}")]
    Unreadable { pid: u32, why: String },
    #[error("/proc/{pid}/stat does not read as expected")]
    Malformed { pid: u32 },
}

/// Processor time used so far, in clock ticks, and when it was read.
#[derive(Debug, Clone, Copy)]
pub struct CpuReading {
    ticks: u64,
    at: Instant,
}

/// Clock ticks a second (`sysconf(_SC_CLK_TCK)`).
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// User plus system ticks from the text of `/proc/<pid>/stat`.
fn ticks_in(stat: &str) -> Option<u64> {
    // The command name (field 2) may hold spaces and parentheses: the
    // fields after it start past the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); field 3 is fields[0].
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

pub fn read(pid: u32) -> Result<CpuReading, CpuError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|error| {
        CpuError::Unreadable {
            pid,
            why: error.to_string(),
        }
    })?;
    let ticks = ticks_in(&stat).ok_or(CpuError::Malformed { pid })?;
    Ok(CpuReading {
        ticks,
        at: Instant::now(),
    })
}

/// Percent of one core used between two readings of one process.
pub fn percent_of_a_core(start: CpuReading, end: CpuReading) -> f64 {
    let seconds = end.at.duration_since(start.at).as_secs_f64();
    if seconds <= 0.0 {
        return 0.0;
    }
    let used = end.ticks.saturating_sub(start.ticks) as f64 / ticks_per_second();
    100.0 * used / seconds
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn fields_after_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (tether (agent) x) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 25 0 0 20 0 9 0 100 0 0";
        assert_eq!(ticks_in(stat), Some(175));
        assert_eq!(ticks_in("4242 (short) S 1 2"), None);
        assert_eq!(ticks_in("no parenthesis"), None);
    }

    #[test]
    fn a_busy_thread_reads_as_most_of_a_core_and_a_missing_process_as_an_error() {
        let start = read(std::process::id()).expect("this process");
        let until = Instant::now() + Duration::from_millis(300);
        let mut spin = 0u64;
        while Instant::now() < until {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
        let end = read(std::process::id()).expect("this process");
        let percent = percent_of_a_core(start, end);
        // This thread alone is nearly a core on an idle machine; other
        // builds may take some of it.
        assert!(percent > 20.0, "{percent}");
        assert!(matches!(read(u32::MAX), Err(CpuError::Unreadable { .. })));
    }
}
