//! Where one run's time goes, from the stage marks the kernel, the scripts
//! plugin and the agent log at debug level (`tracing`'s timestamps, UTC,
//! microseconds; one clock, since all three run on this machine):
//!
//! | mark | logged by |
//! |---|---|
//! | `library read: N bytes in U us` | the plugin, after reading the files itself (its own clock; before plugin API 0.3) |
//! | `agent call from the plugin` | the kernel, as the plugin's call comes in |
//! | `stored files read: N bytes in U us` | the kernel, after reading the call's stored files (its own clock) |
//! | `agent call sent` | the kernel, once the call and its files are queued for the agent |
//! | `call received` | the agent, once the call (and every file) is in |
//! | `script folder ready` | the agent, files written |
//! | `script started` / `script exited` | the agent, around the process |
//! | `agent call answered` | the kernel, as the answer reaches the plugin |

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The stages of one run, in order.
pub const STAGES: [&str; 7] = [
    "1. answer → the plugin calls the agent (consent kept, report line, the plugin's work)",
    "2. the plugin's call → the agent has it and its files (library read, encoding, transfer)",
    "3. fresh folder, files written",
    "4. process start (spawn)",
    "5. the script runs to its exit",
    "6. the answer back to the kernel",
    "7. plugin: chat and report lines, the reply",
];

/// Parts of a stage: which stage, and what.
pub const DETAILS: [(usize, &str); 3] = [
    (0, "of which the library read in the plugin (its own clock)"),
    (1, "of which the library read in the kernel (its own clock)"),
    (
        1,
        "of which the kernel's work until the call and its files are queued",
    ),
];

/// Directives that make the kernel log its marks (and the plugin's).
pub const KERNEL_LOG: &str = "warn,tether_kernel::plugin_host::interfaces=debug,tether_kernel::session::plugin_services=debug";
/// Directives that make the agent log its marks.
pub const AGENT_LOG: &str = "warn,tether_agent::connection=debug,tether_agent::scripts=debug";

/// One run's stage durations and their parts (`None` where a mark was
/// missing).
#[derive(Debug, Clone)]
pub struct Breakdown {
    pub stages: [Option<Duration>; STAGES.len()],
    pub details: [Option<Duration>; DETAILS.len()],
}

/// The marks of one run found in the kernel's and the agent's new log
/// lines, between the customer's answer and the reply.
pub fn breakdown(
    kernel_lines: &[String],
    agent_lines: &[String],
    answered: SystemTime,
    replied: SystemTime,
) -> Breakdown {
    let kernel = |mark: &str| last_mark(kernel_lines, mark);
    let agent = |mark: &str| last_mark(agent_lines, mark);
    let from_plugin = kernel("interfaces::agent: agent call from the plugin");
    let points = [
        Some(answered),
        from_plugin,
        agent("connection: call received"),
        agent("scripts: script folder ready"),
        agent("scripts: script started"),
        agent("scripts: script exited"),
        kernel("interfaces::agent: agent call answered"),
        Some(replied),
    ];
    let mut stages = [None; STAGES.len()];
    for (stage, pair) in stages.iter_mut().zip(points.windows(2)) {
        if let [Some(from), Some(to)] = pair {
            *stage = to.duration_since(*from).ok();
        }
    }
    let queued = match (from_plugin, kernel("plugin_services: agent call sent")) {
        (Some(from), Some(to)) => to.duration_since(from).ok(),
        _ => None,
    };
    Breakdown {
        stages,
        details: [
            reported(kernel_lines, "library read: "),
            reported(kernel_lines, "stored files read: "),
            queued,
        ],
    }
}

/// When the last line containing `mark` was logged.
fn last_mark(lines: &[String], mark: &str) -> Option<SystemTime> {
    lines
        .iter()
        .rev()
        .map(|line| plain(line))
        .find(|line| line.contains(mark))
        .and_then(|line| timestamp(&line))
}

/// The time a `… N bytes in U us` mark reports.
fn reported(lines: &[String], mark: &str) -> Option<Duration> {
    let line = lines
        .iter()
        .rev()
        .map(|line| plain(line))
        .find(|line| line.contains(mark))?;
    let micros = line.split(" in ").nth(1)?.split(" us").next()?;
    micros.trim().parse().ok().map(Duration::from_micros)
}

/// The line without terminal colours and without the test harness's
/// `stderr: ` prefix.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // An escape sequence `ESC [ … letter`.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out.trim_start_matches("stderr: ").to_owned()
}

/// The line's leading `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
fn timestamp(line: &str) -> Option<SystemTime> {
    let stamp = line.split_whitespace().next()?.strip_suffix('Z')?;
    let (date, time) = stamp.split_once('T')?;
    let mut date = date.split('-').map(|part| part.parse::<i64>().ok());
    let (year, month, day) = (date.next()??, date.next()??, date.next()??);
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut hms = hms.split(':').map(|part| part.parse::<i64>().ok());
    let (hours, minutes, seconds) = (hms.next()??, hms.next()??, hms.next()??);
    let nanos: u32 = format!("{fraction:0<9}").get(..9)?.parse().ok()?;
    let seconds =
        days_from_civil(year, month, day) * 86_400 + hours * 3600 + minutes * 60 + seconds;
    Some(UNIX_EPOCH + Duration::new(u64::try_from(seconds).ok()?, nanos))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
