//! How often a password may be tried. An attempt is reserved before the
//! password is checked (so guesses sent at once cannot all slip through
//! while the first ones are being verified) and given back when it
//! succeeds. Three counts apply, each for its own attacker:
//!
//! - one account from one address: guessing a password;
//! - one address over all accounts: trying one password on many accounts;
//! - one account over all addresses: guessing from many addresses. An
//!   address the account signed in from before is exempt, so an attacker
//!   elsewhere cannot lock the real user out.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::cluster::Counter;
use crate::session::rate_limit::RateLimiter;

/// Failed sign-ins for one account from one address, per minute.
pub const PER_ACCOUNT_AND_ADDRESS_PER_MINUTE: usize = 10;
/// Failed sign-ins from one address over all accounts, per minute.
pub const PER_ADDRESS_PER_MINUTE: usize = 30;
/// Failed sign-ins for one account from addresses it never signed in
/// from, per hour.
pub const PER_ACCOUNT_PER_HOUR: usize = 100;
/// Account/address pairs remembered as known; the oldest are forgotten
/// past this (the kernel's memory stays bounded whatever is tried).
const MAX_KNOWN_PAIRS: usize = 10_000;

/// The same three limits as the nodes count them together (see
/// `cluster/attempts.rs`): failures only.
const SHARED_PER_PAIR: Counter = Counter {
    name: "sign-in/account-and-address",
    limit: PER_ACCOUNT_AND_ADDRESS_PER_MINUTE,
    window: Duration::from_secs(60),
};
const SHARED_PER_ADDRESS: Counter = Counter {
    name: "sign-in/address",
    limit: PER_ADDRESS_PER_MINUTE,
    window: Duration::from_secs(60),
};
const SHARED_PER_ACCOUNT: Counter = Counter {
    name: "sign-in/account",
    limit: PER_ACCOUNT_PER_HOUR,
    window: Duration::from_secs(3600),
};

/// An attempt counted before the password is checked.
#[derive(Debug)]
#[must_use = "a reservation is given back when the sign-in succeeds"]
pub struct Reservation {
    account: String,
    address: IpAddr,
    at: Instant,
    counted_for_account: bool,
}

impl Reservation {
    /// The counts the nodes keep together that this attempt falls under,
    /// with their keys (the account only from an address it is not known
    /// from here).
    pub fn shared_counts(&self) -> Vec<(Counter, String)> {
        let mut counts = vec![
            (
                SHARED_PER_PAIR,
                format!("{}|{}", self.account, self.address),
            ),
            (SHARED_PER_ADDRESS, self.address.to_string()),
        ];
        if self.counted_for_account {
            counts.push((SHARED_PER_ACCOUNT, self.account.clone()));
        }
        counts
    }
}

pub struct SignInLimits {
    per_pair: RateLimiter<(String, IpAddr)>,
    per_address: RateLimiter<IpAddr>,
    per_account: RateLimiter<String>,
    known: HashSet<(String, IpAddr)>,
}

impl Default for SignInLimits {
    fn default() -> Self {
        let minute = Duration::from_secs(60);
        SignInLimits {
            per_pair: RateLimiter::new(PER_ACCOUNT_AND_ADDRESS_PER_MINUTE, minute),
            per_address: RateLimiter::new(PER_ADDRESS_PER_MINUTE, minute),
            per_account: RateLimiter::new(PER_ACCOUNT_PER_HOUR, Duration::from_secs(3600)),
            known: HashSet::new(),
        }
    }
}

/// User names are keyed as typed apart from case and surrounding space, so
/// `Anna` and ` anna` share one count.
fn key(username: &str) -> String {
    username.trim().to_lowercase()
}

impl SignInLimits {
    /// Counts an attempt by `address` on `username` if every limit allows
    /// it; otherwise `Err` with how long to wait, and nothing is counted.
    pub fn reserve(
        &mut self,
        username: &str,
        address: IpAddr,
        now: Instant,
    ) -> Result<Reservation, Duration> {
        let account = key(username);
        let pair = (account.clone(), address);
        let counted_for_account = !self.known.contains(&pair);
        let mut wait = Duration::ZERO;
        let checks = [
            self.per_pair.check(&pair, now),
            self.per_address.check(&address, now),
            if counted_for_account {
                self.per_account.check(&account, now)
            } else {
                Ok(())
            },
        ];
        for refused in checks.into_iter().filter_map(Result::err) {
            wait = wait.max(refused);
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        self.per_pair.record(&pair, now);
        self.per_address.record(&address, now);
        if counted_for_account {
            self.per_account.record(&account, now);
        }
        Ok(Reservation {
            account,
            address,
            at: now,
            counted_for_account,
        })
    }

    /// The password was right: the attempt does not count, and the address
    /// is known for the account from now on.
    pub fn succeeded(&mut self, reservation: Reservation) {
        let pair = self.give_back(reservation);
        if self.known.len() >= MAX_KNOWN_PAIRS {
            self.known.clear();
        }
        self.known.insert(pair);
    }

    /// The attempt was refused before its password was checked (by the
    /// limits the nodes count together): it does not count here either.
    pub fn cancel(&mut self, reservation: Reservation) {
        self.give_back(reservation);
    }

    fn give_back(&mut self, reservation: Reservation) -> (String, IpAddr) {
        let Reservation {
            account,
            address,
            at,
            counted_for_account,
        } = reservation;
        let pair = (account, address);
        self.per_pair.release(&pair, at);
        self.per_address.release(&address, at);
        if counted_for_account {
            self.per_account.release(&pair.0, at);
        }
        pair
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([198, 51, 100, last])
    }

    #[test]
    fn one_account_from_one_address_gets_ten_tries_a_minute() {
        let mut limits = SignInLimits::default();
        let now = Instant::now();
        for _ in 0..PER_ACCOUNT_AND_ADDRESS_PER_MINUTE {
            let _failed = limits.reserve("anna", ip(1), now).expect("allowed");
        }
        let wait = limits.reserve("Anna ", ip(1), now).expect_err("refused");
        assert_eq!(wait, Duration::from_secs(60));
        // Another address is not locked out by it.
        let _ = limits.reserve("anna", ip(2), now).expect("allowed");
        // A minute later the first address may try again.
        let _ = limits
            .reserve("anna", ip(1), now + Duration::from_secs(60))
            .expect("allowed again");
    }

    #[test]
    fn a_success_gives_its_attempt_back() {
        let mut limits = SignInLimits::default();
        let now = Instant::now();
        for _ in 0..PER_ACCOUNT_AND_ADDRESS_PER_MINUTE * 3 {
            let reservation = limits.reserve("anna", ip(1), now).expect("allowed");
            limits.succeeded(reservation);
        }
    }

    #[test]
    fn one_address_cannot_spray_many_accounts() {
        let mut limits = SignInLimits::default();
        let now = Instant::now();
        for n in 0..PER_ADDRESS_PER_MINUTE {
            let _ = limits
                .reserve(&format!("user{n}"), ip(1), now)
                .expect("allowed");
        }
        assert!(limits.reserve("someone-else", ip(1), now).is_err());
        assert!(limits.reserve("someone-else", ip(2), now).is_ok());
    }

    #[test]
    fn many_addresses_cannot_guess_one_account_but_its_known_address_still_gets_in() {
        let mut limits = SignInLimits::default();
        let now = Instant::now();
        let ok = limits.reserve("anna", ip(250), now).expect("allowed");
        limits.succeeded(ok);
        for n in 0..PER_ACCOUNT_PER_HOUR {
            let address = IpAddr::from([203, 0, (n / 200) as u8, (n % 200) as u8]);
            let _ = limits.reserve("anna", address, now).expect("allowed");
        }
        let stranger = IpAddr::from([192, 0, 2, 1]);
        let wait = limits.reserve("anna", stranger, now).expect_err("refused");
        assert_eq!(wait, Duration::from_secs(3600));
        // Anna's own address is not locked out.
        let _ = limits.reserve("anna", ip(250), now).expect("known address");
    }

    #[test]
    fn a_refusal_counts_nothing() {
        let mut limits = SignInLimits::default();
        let now = Instant::now();
        for _ in 0..PER_ACCOUNT_AND_ADDRESS_PER_MINUTE {
            let _ = limits.reserve("anna", ip(1), now).expect("allowed");
        }
        for _ in 0..100 {
            assert!(limits.reserve("anna", ip(1), now).is_err());
        }
        // The refusals did not use up the address's count over accounts.
        for n in 0..PER_ADDRESS_PER_MINUTE - PER_ACCOUNT_AND_ADDRESS_PER_MINUTE {
            let _ = limits
                .reserve(&format!("user{n}"), ip(1), now)
                .expect("allowed");
        }
    }

    #[test]
    fn an_attempt_the_other_nodes_refused_counts_here_neither_and_is_not_known() {
        let mut limits = SignInLimits::default();
        let now = Instant::now();
        for _ in 0..PER_ACCOUNT_AND_ADDRESS_PER_MINUTE * 3 {
            let refused = limits.reserve("anna", ip(1), now).expect("allowed");
            limits.cancel(refused);
        }
        let reservation = limits.reserve("anna", ip(1), now).expect("still allowed");
        // Not known from that address: the account-wide count applies.
        let counters: Vec<&str> = reservation
            .shared_counts()
            .iter()
            .map(|(counter, _)| counter.name)
            .collect();
        assert_eq!(
            counters,
            [
                "sign-in/account-and-address",
                "sign-in/address",
                "sign-in/account"
            ]
        );
        limits.succeeded(reservation);
        let known = limits.reserve(" Anna", ip(1), now).expect("allowed");
        assert_eq!(
            known.shared_counts(),
            vec![
                (SHARED_PER_PAIR, "anna|198.51.100.1".to_owned()),
                (SHARED_PER_ADDRESS, "198.51.100.1".to_owned()),
            ]
        );
    }
}
