//! A process's resident memory, open files and open-files limit, from
//! `/proc/<pid>/status`, `/proc/<pid>/fd` and `/proc/<pid>/limits`. (Its
//! processor time is `share_bench::cpu`'s.)

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
