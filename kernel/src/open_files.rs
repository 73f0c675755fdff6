//! How many files (sockets included) the kernel may hold open. Every
//! connected agent, customer page and console is one socket, so the soft
//! limit most systems start a process with (1,024) refuses connections long
//! before memory or processor run out. At start the soft limit is raised to
//! the hard limit the system allows (only an administrator can raise the
//! hard one, and in a container maybe nobody can), and both are logged: an
//! operator sees at once how many connections this node can hold.
//!
//! The `rlimit` crate does the system calls: no `unsafe` here, and on macOS
//! it also keeps under `kern.maxfilesperproc`, where asking for the hard
//! limit itself (often "unlimited") would fail.

use rlimit::Resource;

/// The open-files limits before and after raising.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFilesLimit {
    /// The soft limit the process started with.
    pub before: u64,
    /// The soft limit now: what the kernel may hold open.
    pub soft: u64,
    /// The most the soft limit may be raised to.
    pub hard: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot raise the open-files limit: {0}")]
pub struct OpenFilesError(#[from] std::io::Error);

/// Raises the soft open-files limit as far as the system allows.
pub fn raise_to_hard_limit() -> Result<OpenFilesLimit, OpenFilesError> {
    let (before, hard) = Resource::NOFILE.get()?;
    let soft = rlimit::increase_nofile_limit(u64::MAX)?;
    Ok(OpenFilesLimit { before, soft, hard })
}

/// [`raise_to_hard_limit`], logged; the kernel serves either way (a limit
/// that cannot be raised only means fewer connections).
pub fn raise_and_log() {
    match raise_to_hard_limit() {
        Ok(limit) => tracing::info!(
            soft = limit.soft,
            hard = limit.hard,
            started_with = limit.before,
            "open files: the kernel may hold about {} connections at once (the soft limit, raised to the hard limit the system allows)",
            limit.soft
        ),
        Err(error) => tracing::warn!(
            %error,
            "connections beyond the open-files limit the kernel started with will be refused"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test: the limit is the process's own, shared by every thread.
    #[test]
    fn the_soft_limit_is_raised_to_the_hard_limit_once() {
        let (_, hard) = Resource::NOFILE.get().expect("readable");
        // Started lower, as a process usually does.
        let lowered = hard.min(512);
        Resource::NOFILE.set(lowered, hard).expect("lowered");

        let limit = raise_to_hard_limit().expect("raised");

        assert_eq!(limit.before, lowered);
        assert_eq!(limit.hard, hard);
        let (soft_now, _) = Resource::NOFILE.get().expect("readable");
        assert_eq!(limit.soft, soft_now);
        #[cfg(target_os = "linux")]
        assert_eq!(
            soft_now, hard,
            "Linux allows the soft limit up to the hard one"
        );

        let again = raise_to_hard_limit().expect("raised again");
        assert_eq!(
            again,
            OpenFilesLimit {
                before: soft_now,
                ..limit
            },
            "nothing changes"
        );
    }
}
