//! `tether-load`: a load generator for a Tether kernel on this machine,
//! run by `cargo xtask bench load` as a process of its own (so what the
//! kernel's process uses is the kernel's alone).
//!
//! - `idle`: thousands of agents, each a customer in one of a few hundred
//!   sessions, connected and idle, then leaving.
//! - `active`: sessions with a CSR console, a customer page and an agent,
//!   each doing a chat message or a system-information refresh a second.
//!
//! It reports one JSON line per checkpoint on standard output
//! (`tether_tests::load::checkpoint`), progress on standard error. Bounded
//! in count (checked before anything connects, against the open-files
//! limit it raises for itself) and in time: it stops by itself at the
//! deadline, whatever the kernel does.

mod active;
mod agent;
mod bounded;
mod checkpoints;
mod csr;
mod customer;
mod error;
mod glance;
mod idle;
mod net;
mod options;
mod socket;
mod stop;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::checkpoints::Checkpoints;
use crate::error::LoadError;
use crate::net::Sources;
use crate::options::{Cli, Common, Mode};

/// Exit status when the deadline stopped the run.
const DEADLINE_EXIT: i32 = 2;

/// Raises this process's soft open-files limit to the hard one; refuses
/// a load that would not fit.
fn make_room_for(needed: u64) -> Result<(), LoadError> {
    let (_, hard) = rlimit::Resource::NOFILE
        .get()
        .map_err(LoadError::FilesLimit)?;
    let soft = rlimit::increase_nofile_limit(u64::MAX).map_err(LoadError::FilesLimit)?;
    check_room(needed, soft, hard)
}

fn check_room(needed: u64, soft: u64, hard: u64) -> Result<(), LoadError> {
    if needed > soft {
        return Err(LoadError::TooFewFiles {
            needed,
            limit: soft,
            hard,
        });
    }
    Ok(())
}

/// Stops the process at the deadline even if the runtime is stuck.
fn arm_deadline(after: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        eprintln!(
            "tether-load: the deadline of {} s passed; stopping",
            after.as_secs()
        );
        std::process::exit(DEADLINE_EXIT);
    });
}

async fn run(mode: Mode) -> Result<(), LoadError> {
    let (common, needed): (&Common, u64) = match &mode {
        Mode::Idle(idle) => (&idle.common, idle.open_files_needed()),
        Mode::Active(active) => (&active.common, active.open_files_needed()),
    };
    let target = match &mode {
        Mode::Idle(idle) => idle.check()?,
        Mode::Active(active) => active.check()?,
    };
    make_room_for(needed)?;
    arm_deadline(Duration::from_secs(common.deadline_secs));
    let sources = Arc::new(Sources::new(common.sources())?);
    let mut checkpoints = Checkpoints::new(common.pause_at_checkpoints);
    match &mode {
        Mode::Idle(idle) => idle::run(idle, &target, sources, &mut checkpoints).await,
        Mode::Active(active) => active::run(active, &target, sources, &mut checkpoints).await,
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tether-load: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.mode)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tether-load: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_beyond_the_open_files_limit_is_refused_before_it_starts() {
        assert!(check_room(19_000, 20_000, 20_000).is_ok());
        let error = check_room(25_000, 20_000, 20_000).expect_err("too many");
        assert_eq!(
            error.to_string(),
            "this load needs about 25000 open files and this process may hold 20000 (its hard limit is 20000); ask for fewer connections"
        );
    }
}
