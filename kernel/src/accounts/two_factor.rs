//! Two-factor sign-in: TOTP codes (RFC 6238 with what authenticator apps
//! read: SHA-1, 6 digits, 30-second steps, one step of clock skew either
//! way) by `totp-rs`, and one-time recovery codes for a lost phone.
//!
//! The rules here are pure: what a secret, a code, a recovery code is, and
//! which was given. Keeping a code to one use and a recovery code to one
//! use are storage's compare-and-set (`use_totp_step`,
//! `use_recovery_code`), so two racing sign-ins cannot both use one.

use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Builder, Secret, Totp};

use crate::token::hash_token;

/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (80 bits in base32's alphabet, so a
/// stored SHA-256 hash cannot be walked back by trying them all).
const RECOVERY_CODE_CHARS: usize = 16;
/// The name authenticator apps show above the code.
pub const ISSUER: &str = "Tether";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwoFactorError {
    /// A stored secret that does not read as one (a hand-edited database).
    #[error("the stored two-factor secret is not valid: {0}")]
    BadSecret(String),
}

/// What a CSR enrolling is shown: the secret to type in by hand, the
/// `otpauth://` address an app reads, and that address as a QR code (SVG).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

/// What a code given at sign-in turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// A TOTP code right for time step `step` (not yet checked unused).
    Code {
        step: i64,
    },
    /// Recovery code number `index` of the stored hashes.
    RecoveryCode {
        index: usize,
    },
    Wrong,
}

/// A new random secret (160 bits, as RFC 4226 recommends), in base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    // The OS generator failing leaves no safe way to continue.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    Secret::new_stack(bytes).to_base32()
}

/// The generator for `secret` (SHA-1, 6 digits, 30 s, a step of skew:
/// `totp-rs`'s defaults, which are what authenticator apps read).
fn totp(secret: &str, account: &str) -> Result<Totp, TwoFactorError> {
    let secret = Secret::try_from_base32(secret)
        .map_err(|error| TwoFactorError::BadSecret(format!("{error:?}")))?;
    let mut builder = Builder::new().with_secret(secret).with_issuer(Some(ISSUER));
    if !account.is_empty() {
        builder = builder.with_account_name(account);
    }
    builder
        .build()
        .map_err(|error| TwoFactorError::BadSecret(error.to_string()))
}

/// What to show for enrolling `secret` for the user `account`.
pub fn enrolment(secret: &str, account: &str) -> Result<Enrolment, TwoFactorError> {
    let otpauth_url = totp(secret, account)?
        .to_url()
        .map_err(|error| TwoFactorError::BadSecret(error.to_string()))?;
    let qr_svg = QrCode::new(otpauth_url.as_bytes())
        .map_err(|error| TwoFactorError::BadSecret(error.to_string()))?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(Enrolment {
        secret: secret.to_owned(),
        otpauth_url,
        qr_svg,
    })
}

/// The time step `code` is right for at `now_secs` (Unix seconds), if it
/// is a right code (digits only, spaces allowed).
pub fn code_step(secret: &str, code: &str, now_secs: u64) -> Result<Option<i64>, TwoFactorError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(totp(secret, "")?
        .check(&code, now_secs)
        .and_then(|step| i64::try_from(step).ok()))
}

/// What `given` is for an account with `secret` and recovery code hashes
/// `recovery`, at `now_secs`.
pub fn check(
    secret: &str,
    recovery: &[String],
    given: &str,
    now_secs: u64,
) -> Result<Given, TwoFactorError> {
    if let Some(step) = code_step(secret, given, now_secs)? {
        return Ok(Given::Code { step });
    }
    let hash = hash_token(&normalise_recovery_code(given));
    Ok(match recovery.iter().position(|stored| *stored == hash) {
        Some(index) => Given::RecoveryCode { index },
        None => Given::Wrong,
    })
}

/// New recovery codes as shown once (`XXXX-XXXX-XXXX-XXXX`) and their
/// hashes as stored.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: Vec<char> = (0..RECOVERY_CODE_CHARS)
                .map(|_| {
                    let index = crate::token::random_below(ALPHABET.len() as u64) as usize;
                    char::from(ALPHABET[index])
                })
                .collect();
            let shown = chars
                .chunks(4)
                .map(|group| group.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-");
            let hash = hash_token(&normalise_recovery_code(&shown));
            (shown, hash)
        })
        .unzip()
}

/// A recovery code as typed, in the one form it is hashed in: upper case,
/// without dashes and spaces.
fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 test secret ("12345678901234567890"), in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn code_at(secret: &str, secs: u64) -> String {
        totp(secret, "").expect("valid").generate(secs).to_string()
    }

    #[test]
    fn codes_are_rfc_6238s_and_right_for_one_step_either_way() {
        // RFC 6238, appendix B: 94287082 at T = 59 s (8 digits); its last
        // six are the 6-digit code.
        assert_eq!(code_at(RFC_SECRET, 59), "287082");
        let now = 1_700_000_000;
        let step = (now / 30) as i64;
        for (at, expected) in [
            (now, Some(step)),
            (now - 30, Some(step - 1)),
            (now + 30, Some(step + 1)),
            (now - 60, None),
            (now + 60, None),
        ] {
            let code = code_at(RFC_SECRET, at);
            assert_eq!(
                code_step(RFC_SECRET, &code, now).expect("valid"),
                expected,
                "{at}"
            );
        }
        let spaced = code_at(RFC_SECRET, now);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(
            code_step(RFC_SECRET, &spaced, now).expect("valid"),
            Some(step)
        );
        for wrong in ["", "12345", "1234567", "abcdef", "２８７０８２"] {
            assert_eq!(code_step(RFC_SECRET, wrong, 59).expect("valid"), None);
        }
    }

    #[test]
    fn a_new_secret_enrols_with_an_address_and_a_qr_code() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32, "{secret}");
        assert_ne!(secret, new_secret());
        let shown = enrolment(&secret, "anna").expect("enrols");
        assert!(
            shown
                .otpauth_url
                .starts_with("otpauth://totp/Tether:anna?secret="),
            "{}",
            shown.otpauth_url
        );
        assert!(shown.otpauth_url.contains("issuer=Tether"));
        assert!(shown.qr_svg.contains("<svg"), "{}", shown.qr_svg);
        assert!(matches!(
            enrolment("not base32!", "anna"),
            Err(TwoFactorError::BadSecret(_))
        ));
    }

    #[test]
    fn recovery_codes_are_found_however_they_are_typed_and_never_stored_plain() {
        let (shown, hashes) = new_recovery_codes();
        assert_eq!(shown.len(), RECOVERY_CODES);
        assert_eq!(hashes.len(), RECOVERY_CODES);
        assert!(shown.iter().all(|code| code.len() == 19), "{shown:?}");
        assert!(hashes.iter().all(|hash| !shown.contains(hash)));
        let typed = shown[3].to_lowercase().replace('-', " ");
        assert_eq!(
            check(RFC_SECRET, &hashes, &typed, 59).expect("valid"),
            Given::RecoveryCode { index: 3 }
        );
        assert_eq!(
            check(RFC_SECRET, &hashes, "AAAA-BBBB-CCCC-DDDD", 59).expect("valid"),
            Given::Wrong
        );
        assert_eq!(
            check(RFC_SECRET, &hashes, "287082", 59).expect("valid"),
            Given::Code { step: 1 }
        );
    }
}
