//! The CSR accounts a load signs in with: `load00000`, `load00001`, … on
//! one site, all with the tests' password, made with `tether admin
//! create-user` as an operator would (a few at once: each is a process
//! that opens the database and hashes a password).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::kernel_process::{StoppedKernel, TestAccount};

/// The password of every load account (the tests' own).
pub const PASSWORD: &str = "correct horse battery";

/// The user name of load CSR number `n`.
pub fn csr_username(n: usize) -> String {
    format!("load{n:05}")
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Creates CSRs `0..count` on `site`, `at_once` processes at a time;
/// returns how long it took, or the first refusal.
pub fn create_csrs(
    kernel: &StoppedKernel,
    count: usize,
    site: &'static str,
    at_once: usize,
) -> Result<Duration, String> {
    let started = Instant::now();
    let create = |n: usize| -> Result<(), String> {
        let username = csr_username(n);
        let account = TestAccount::csr(leak(username.clone()), leak(format!("Load CSR {n}")), site);
        let output = kernel.admin_create_user(&account);
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "create-user {username}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    };
    if count == 0 {
        return Ok(started.elapsed());
    }
    // The first one alone: it creates the database, and two processes
    // migrating a new database at once trip over each other.
    create(0)?;
    let next = AtomicUsize::new(1);
    let work = || -> Result<(), String> {
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            if n >= count {
                return Ok(());
            }
            create(n)?;
        }
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..at_once.max(1)).map(|_| scope.spawn(work)).collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err("a worker panicked".into()))
            })
            .collect::<Result<Vec<()>, String>>()
    })?;
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_sort_in_creation_order() {
        assert_eq!(csr_username(0), "load00000");
        assert_eq!(csr_username(999), "load00999");
        assert!(csr_username(9) < csr_username(10));
    }
}
