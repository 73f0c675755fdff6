//! Limits of the plugin store (the `store` interface), shared by the
//! kernel, which enforces them, and the SDK's native test harness, which
//! must refuse exactly what the kernel refuses.

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Largest value, in bytes: a 1 MB script file and its metadata fit.
pub const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;

/// Why a key or value is refused; the words are for the plugin's author.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreLimit {
    #[error("keys are 1 to {MAX_KEY_BYTES} bytes (got {0})")]
    KeyLength(usize),
    #[error("keys may not contain control characters")]
    KeyControl,
    #[error("prefixes are at most {MAX_KEY_BYTES} bytes")]
    PrefixLength,
    #[error("values are at most {MAX_VALUE_BYTES} bytes (got {0})")]
    ValueSize(usize),
}

pub fn check_key(key: &str) -> Result<(), StoreLimit> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(StoreLimit::KeyLength(key.len()));
    }
    if key.chars().any(char::is_control) {
        return Err(StoreLimit::KeyControl);
    }
    Ok(())
}

pub fn check_prefix(prefix: &str) -> Result<(), StoreLimit> {
    if prefix.len() > MAX_KEY_BYTES {
        return Err(StoreLimit::PrefixLength);
    }
    Ok(())
}

pub fn check_value(value: &[u8]) -> Result<(), StoreLimit> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(StoreLimit::ValueSize(value.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_prefixes_and_values_within_the_limits_pass_and_others_say_why() {
        assert_eq!(check_key("scripts/1"), Ok(()));
        assert_eq!(check_key(""), Err(StoreLimit::KeyLength(0)));
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        assert_eq!(
            check_key(&long),
            Err(StoreLimit::KeyLength(MAX_KEY_BYTES + 1))
        );
        assert_eq!(check_key("a\nb"), Err(StoreLimit::KeyControl));
        assert_eq!(check_prefix(""), Ok(()));
        assert_eq!(check_prefix(&long), Err(StoreLimit::PrefixLength));
        assert_eq!(check_value(&vec![0; MAX_VALUE_BYTES]), Ok(()));
        assert_eq!(
            check_value(&vec![0; MAX_VALUE_BYTES + 1]).map_err(|e| e.to_string()),
            Err(format!(
                "values are at most {MAX_VALUE_BYTES} bytes (got {})",
                MAX_VALUE_BYTES + 1
            ))
        );
    }
}
