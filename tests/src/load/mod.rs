//! `cargo xtask bench load` and its load generator `tether-load` (a
//! separate process, so the kernel's figures are its own): what the
//! generator reports at each checkpoint and how to follow it, latency
//! summaries, samples of a process's memory from `/proc`, which steps fit
//! under the open-files limit, the CSR accounts a load signs in with, and
//! the system-information answer load agents give, recorded from the real
//! agent.

pub mod accounts;
pub mod checkpoint;
pub mod generator;
pub mod latency;
pub mod plan;
pub mod process_sample;
pub mod sysinfo_answer;
