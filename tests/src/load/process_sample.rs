//! A process's resident memory, open files and open-files limit, from
//! `/proc/<pid>/status`, `/proc/<pid>/fd` and `/proc/<pid>/limits`, and its
//! threads' processor time (`/proc/<pid>/task/*/stat`: which thread is
//! busy, when one core is all a process uses). The whole process's
//! processor time is `share_bench::cpu`'s.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    #[error("process {pid} cannot be read: {why}")]
    Unreadable { pid: u32, why: String },
    #[error("/proc/{pid}/{file} does not say {what}")]
    Malformed {
        pid: u32,
        file: &'static str,
        what: &'static str,
    },
}

fn read(pid: u32, file: &'static str) -> Result<String, SampleError> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).map_err(|error| {
        SampleError::Unreadable {
            pid,
            why: error.to_string(),
        }
    })
}

/// Resident memory (`VmRSS`) in KiB.
pub fn resident_kib(pid: u32) -> Result<u64, SampleError> {
    rss_in(&read(pid, "status")?).ok_or(SampleError::Malformed {
        pid,
        file: "status",
        what: "VmRSS",
    })
}

fn rss_in(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line["VmRSS:".len()..].split_whitespace();
    let kib = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(kib)
}

/// Files (sockets included) the process holds open.
pub fn open_files(pid: u32) -> Result<usize, SampleError> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|entries| entries.count())
        .map_err(|error| SampleError::Unreadable {
            pid,
            why: error.to_string(),
        })
}

/// The process's open-files limit: `(soft, hard)`; `None` is unlimited.
pub fn open_files_limit(pid: u32) -> Result<(Option<u64>, Option<u64>), SampleError> {
    nofile_in(&read(pid, "limits")?).ok_or(SampleError::Malformed {
        pid,
        file: "limits",
        what: "Max open files",
    })
}

fn nofile_in(limits: &str) -> Option<(Option<u64>, Option<u64>)> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut words = line["Max open files".len()..].split_whitespace();
    let value = |word: Option<&str>| match word? {
        "unlimited" => Some(None),
        number => number.parse().ok().map(Some),
    };
    Some((value(words.next())?, value(words.next())?))
}

/// One thread of a process: its name and processor time so far (user
/// plus system, in clock ticks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadTime {
    pub tid: u32,
    pub name: String,
    pub ticks: u64,
}

/// Every thread of the process with its processor time so far (threads
/// that end meanwhile are left out).
pub fn thread_times(pid: u32) -> Result<Vec<ThreadTime>, SampleError> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).map_err(|error| {
        SampleError::Unreadable {
            pid,
            why: error.to_string(),
        }
    })?;
    Ok(tasks
        .flatten()
        .filter_map(|task| {
            let tid: u32 = task.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            thread_time_in(tid, &stat)
        })
        .collect())
}

fn thread_time_in(tid: u32, stat: &str) -> Option<ThreadTime> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); field 3 is fields[0].
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(ThreadTime {
        tid,
        name,
        ticks: user + system,
    })
}

/// Processor time between two samples, summed by thread name (a pool's
/// threads share one), busiest first, as ticks.
pub fn busiest_threads(before: &[ThreadTime], after: &[ThreadTime]) -> Vec<(String, u64)> {
    let mut by_name: std::collections::BTreeMap<String, u64> = Default::default();
    for thread in after {
        let earlier = before
            .iter()
            .find(|b| b.tid == thread.tid)
            .map_or(0, |b| b.ticks);
        *by_name.entry(thread.name.clone()).or_default() += thread.ticks.saturating_sub(earlier);
    }
    let mut busiest: Vec<(String, u64)> = by_name.into_iter().collect();
    busiest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    busiest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_from_the_status_text() {
        let status = "Name:\ttether\nVmPeak:\t  900000 kB\nVmRSS:\t   43512 kB\nThreads:\t9\n";
        assert_eq!(rss_in(status), Some(43_512));
        assert_eq!(rss_in("Name:\ttether\n"), None);
        assert_eq!(rss_in("VmRSS:\t 12 MB\n"), None, "only kB is understood");
    }

    #[test]
    fn open_files_limit_from_the_limits_text() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            1024                 20000                files     \n";
        assert_eq!(nofile_in(limits), Some((Some(1024), Some(20_000))));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(nofile_in(unlimited), Some((None, None)));
        assert_eq!(nofile_in("Max processes 10 10 processes\n"), None);
    }

    #[test]
    fn thread_times_by_name_busiest_first() {
        let stat = "4243 (tokio-runtime-w) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 25 0 0 20 0 9 0 100 0 0";
        assert_eq!(
            thread_time_in(4243, stat),
            Some(ThreadTime {
                tid: 4243,
                name: "tokio-runtime-w".into(),
                ticks: 175
            })
        );
        assert_eq!(thread_time_in(1, "1 (short) S 1 2"), None);
        let thread = |tid, name: &str, ticks| ThreadTime {
            tid,
            name: name.into(),
            ticks,
        };
        let before = [
            thread(1, "main", 10),
            thread(2, "worker", 100),
            thread(3, "worker", 50),
        ];
        let after = [
            thread(1, "main", 12),
            thread(2, "worker", 130),
            thread(3, "worker", 90),
            thread(4, "sqlite", 500),
        ];
        assert_eq!(
            busiest_threads(&before, &after),
            vec![
                ("sqlite".into(), 500),
                ("worker".into(), 70),
                ("main".into(), 2)
            ]
        );
        assert!(
            !thread_times(std::process::id())
                .expect("own threads")
                .is_empty()
        );
    }

    #[test]
    fn this_process_reads_and_a_missing_one_is_an_error() {
        let me = std::process::id();
        assert!(resident_kib(me).expect("own memory") > 0);
        assert!(open_files(me).expect("own files") >= 3);
        if let (Some(soft), Some(hard)) = open_files_limit(me).expect("own limit") {
            assert!(soft <= hard);
        }
        let missing = u32::MAX - 1;
        assert!(matches!(
            resident_kib(missing),
            Err(SampleError::Unreadable { .. })
        ));
        assert!(matches!(
            open_files(missing),
            Err(SampleError::Unreadable { .. })
        ));
    }
}
