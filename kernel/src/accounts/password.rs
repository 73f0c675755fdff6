//! Password hashing with argon2id (PHC strings, salt per password), and
//! the rules a new password meets.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// A valid hash of a random password, verified against when a user name does
/// not exist so that the answer takes as long as for a real account.
pub(super) const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0bX6W2fKkXvQ3c9PGs0R3+Zt9jJHmBfJGk2HcTuGAsA";

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRefused {
    TooShort,
    /// Among the first an attacker tries: zxcvbn's lists of common
    /// passwords, words and names, keyboard runs, dates, and the account's
    /// own names.
    TooCommon,
}

/// Checks a new password: at least `min_chars` characters, and not
/// guessable within 10^8 attempts by zxcvbn's estimate (its score 3 and
/// up, "safely unguessable" against a slowed offline attack).
/// `own_names` are the account's user and display names, which a
/// password must not lean on.
pub fn check_new_password(
    password: &str,
    min_chars: usize,
    own_names: &[&str],
) -> Result<(), PasswordRefused> {
    if password.chars().count() < min_chars {
        return Err(PasswordRefused::TooShort);
    }
    // Each name whole, without its spaces, and word by word: "Anna Berg"
    // makes "annaberg2024" as easy to guess as "anna" does.
    let mut inputs: Vec<String> = Vec::new();
    for name in own_names {
        inputs.push(name.to_lowercase());
        inputs.push(name.split_whitespace().collect::<String>().to_lowercase());
        inputs.extend(name.split_whitespace().map(str::to_lowercase));
    }
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    if u8::from(zxcvbn::zxcvbn(password, &inputs).score()) < 3 {
        return Err(PasswordRefused::TooCommon);
    }
    Ok(())
}

pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| format!("cannot hash the password: {error}"))
}

/// `false` for a wrong password and for a hash that is not valid.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let hash = hash_password("correct horse battery").expect("hashes");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").expect("hashes")
        );
        // The decoy parses, so verifying against it costs a real hash.
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
    }

    #[test]
    fn a_new_password_is_long_enough_and_not_a_common_one() {
        let names = ["anna", "Anna Berg"];
        for (password, expected) in [
            ("short", Err(PasswordRefused::TooShort)),
            ("123456789", Err(PasswordRefused::TooShort)),
            ("password123", Err(PasswordRefused::TooCommon)),
            ("1234567890", Err(PasswordRefused::TooCommon)),
            ("qwertyuiop", Err(PasswordRefused::TooCommon)),
            ("iloveyou12", Err(PasswordRefused::TooCommon)),
            ("annaberg2024", Err(PasswordRefused::TooCommon)),
            ("correct horse battery", Ok(())),
            ("a long enough password", Ok(())),
            ("Vq7#mZ2p!kLw", Ok(())),
        ] {
            assert_eq!(
                check_new_password(password, 10, &names),
                expected,
                "{password}"
            );
        }
    }
}
