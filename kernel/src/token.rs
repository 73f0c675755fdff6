//! Random secrets (cookie, join and resume tokens) and the hashes stored in
//! their place, so a copy of the database does not let anyone in.

use sha2::{Digest, Sha256};

/// 32 random bytes as hex, from the operating system's generator.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator failing leaves no safe way to continue.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    hex::encode(bytes)
}

/// A random number below `bound` (rejection sampling, no modulo bias).
pub fn random_below(bound: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let mut bytes = [0u8; 8];
        #[allow(clippy::expect_used)]
        getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
        let value = u64::from_le_bytes(bytes);
        if value < zone {
            return value % bound;
        }
    }
}

/// What is stored for a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A short random id for participants, grants and calls.
pub fn short_id(prefix: &str) -> String {
    format!("{prefix}-{}", &random_token()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), a);
        assert!(short_id("p").starts_with("p-"));
        assert!((0..1000).all(|_| random_below(7) < 7));
    }
}
