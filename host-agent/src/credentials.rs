//! Account details for logging on as another user. The password is wiped
//! from memory when dropped and never printed: `Debug` shows a placeholder,
//! and nothing here implements `Display` or `Serialize`.

use serde::Deserialize;

/// A secret string: zeroed when dropped, redacted when debugged.
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // SAFETY: zero bytes keep the string valid UTF-8; volatile writes are
        // not optimised away although the string is about to be freed.
        unsafe {
            for byte in self.0.as_bytes_mut() {
                std::ptr::write_volatile(byte, 0);
            }
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// What the CSR typed: user, password, and the domain for a network account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub user: String,
    pub password: Secret,
    #[serde(default)]
    pub domain: Option<String>,
}

impl Credentials {
    pub fn parse(input: serde_json::Value) -> Result<Credentials, String> {
        let credentials: Credentials = serde_json::from_value(input).map_err(|_| {
            "the account details are incomplete (user and password are needed)".to_owned()
        })?;
        if credentials.user.trim().is_empty() || credentials.password.expose().is_empty() {
            return Err("the user name and the password must not be empty".into());
        }
        Ok(credentials)
    }

    /// The name PAM sees: `user@domain` for a network account.
    pub fn login_name(&self) -> String {
        match self
            .domain
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            Some(domain) => format!("{}@{domain}", self.user.trim()),
            None => self.user.trim().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passwords_never_show_in_debug_output() {
        let credentials = Credentials::parse(
            json!({ "user": "lee", "password": "hunter2-secret", "domain": "corp.example" }),
        )
        .expect("parsed");
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert_eq!(credentials.login_name(), "lee@corp.example");
        assert!(Credentials::parse(json!({ "user": "lee", "password": "" })).is_err());
        let error = Credentials::parse(json!({ "user": "lee" })).expect_err("refused");
        assert!(!error.contains("lee"));
    }
}
