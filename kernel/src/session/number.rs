//! Session numbers: 9 digits, random, never starting with 0 (so they read
//! and type the same everywhere).

use super::ids::SessionNumber;
use crate::token::random_below;

pub const DIGITS: usize = 9;

/// A fresh random session number.
pub fn generate() -> SessionNumber {
    SessionNumber::checked((100_000_000 + random_below(900_000_000)).to_string())
}

/// Accepts a number as people type it ("123 456 789", "123-456-789").
pub fn parse(input: &str) -> Option<SessionNumber> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let valid = digits.len() == DIGITS
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    valid.then(|| SessionNumber::checked(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_numbers_are_nine_digits_and_parse_to_themselves() {
        for _ in 0..200 {
            let number = generate();
            assert_eq!(parse(&number), Some(number));
        }
    }

    #[test]
    fn typed_forms_are_accepted_and_junk_refused() {
        assert_eq!(parse("123 456 789").as_deref(), Some("123456789"));
        assert_eq!(parse("123-456-789").as_deref(), Some("123456789"));
        for bad in [
            "",
            "12345678",
            "1234567890",
            "012345678",
            "12345678x",
            "١٢٣٤٥٦٧٨٩",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
