//! CSR accounts: creation (with argon2 password hashes), sign-in with a
//! cookie token and a CSRF token, looking up who is signed in, and an
//! account's life after: its owner changes their password; a site admin
//! resets it, disables and enables the account, or deletes it.

mod password;
pub mod sign_in_limit;
pub mod two_factor;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sign_in_limit::SignInLimits;
use tokio::sync::Semaphore;

pub use password::{PasswordRefused, check_new_password, hash_password, verify_password};

use crate::cluster::{NodeOnly, SharedAttempts};
use crate::storage::{
    Account, AccountRole, Millis, NewAccount, SessionMode, Storage, StorageError, StorageHealth,
    WebSession, now_millis,
};
use crate::token::{hash_token, random_token};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest display name accepted.
pub const MAX_DISPLAY_NAME_CHARS: usize = 80;
/// How long a sign-in lasts.
pub const SIGN_IN_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("username: 3 to 64 letters, digits and . _ - @")]
    InvalidUsername,
    #[error("display name: 1 to {MAX_DISPLAY_NAME_CHARS} characters")]
    InvalidDisplayName,
    #[error("password: at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("password: too common or too easy to guess; choose a longer or less usual one")]
    PasswordTooCommon,
    #[error("the new password must differ from the current one")]
    PasswordUnchanged,
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("this account is disabled; ask a site admin")]
    Disabled,
    #[error("choose a new password before going on")]
    PasswordChangeRequired,
    #[error(
        "a site admin cannot disable, delete or reset their own account; ask another site admin"
    )]
    NotOnYourOwnAccount,
    #[error("no account `{0}` on this site")]
    NoSuchAccount(String),
    #[error("enter the code from your authenticator app, or a recovery code")]
    TwoFactorCodeNeeded,
    #[error("the code is wrong or expired")]
    WrongTwoFactorCode,
    #[error("that code was used already; wait for the next one")]
    TwoFactorCodeUsed,
    #[error("set up two-factor sign-in before going on")]
    TwoFactorEnrolmentRequired,
    #[error("this site requires two-factor sign-in; it cannot be turned off")]
    TwoFactorRequiredBySite,
    #[error("start setting up two-factor sign-in first")]
    NoTwoFactorEnrolment,
    #[error("two-factor sign-in is on already; turn it off first")]
    TwoFactorAlreadyOn,
    /// A stored secret that does not read (never a person's mistake).
    #[error(transparent)]
    TwoFactor(#[from] two_factor::TwoFactorError),
    /// The password could not be hashed (never for a password a person
    /// can fix).
    #[error("password: {0}")]
    PasswordNotHashed(String),
    #[error("the user name `{0}` is taken")]
    Taken(String),
    #[error("wrong user name or password")]
    InvalidCredentials,
    /// Too many failed sign-ins; try again after this many seconds.
    #[error("too many sign-in attempts; try again in {0} seconds")]
    TooManyAttempts(u64),
    #[error("{}", crate::storage::health::REFUSAL)]
    StorageUnavailable,
    /// Every password check is busy (many sign-ins at once).
    #[error("the server is busy checking other sign-ins; try again in a few seconds")]
    Busy,
    #[error("not signed in, or the sign-in expired")]
    NotSignedIn,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for AccountError {
    fn from(error: StorageError) -> Self {
        AccountError::Storage(error)
    }
}

/// What an operator asks for when creating an account.
#[derive(Debug, Clone)]
pub struct AccountSpec {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub site: String,
    pub password: String,
    pub role: AccountRole,
    pub webacd_agent: bool,
    pub session_mode: Option<SessionMode>,
}

/// A fresh sign-in: the cookie token (only ever sent to the browser) and the
/// CSRF token its state-changing requests must echo.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub csrf_token: String,
    pub account: Account,
    pub expires_at: Millis,
}

pub struct Accounts {
    storage: Arc<dyn Storage>,
    health: Arc<StorageHealth>,
    limits: Mutex<SignInLimits>,
    /// Failed sign-ins counted with the other nodes (none on its own).
    shared_attempts: Arc<dyn SharedAttempts>,
    /// Password checks running at once: argon2 takes a core for tens of
    /// milliseconds, so unbounded it is a lever to exhaust the CPU.
    checks: Semaphore,
}

/// How long a sign-in waits for a free password check before it is told
/// the server is busy.
const CHECK_QUEUE_WAIT: Duration = Duration::from_secs(10);

/// Whether a password check also checks the second factor: at sign-in,
/// with the code given; not when a signed-in CSR proves their password.
#[derive(Debug, Clone, Copy)]
enum SecondFactor<'a> {
    NotAsked,
    Asked(Option<&'a str>),
}

/// A new password by the rules, refused in the account's terms.
fn new_password_allowed(password: &str, own_names: &[&str]) -> Result<(), AccountError> {
    check_new_password(password, MIN_PASSWORD_CHARS, own_names).map_err(|refused| match refused {
        PasswordRefused::TooShort => AccountError::PasswordTooShort,
        PasswordRefused::TooCommon => AccountError::PasswordTooCommon,
    })
}

fn valid_username(name: &str) -> bool {
    (3..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

impl Accounts {
    pub fn new(storage: Arc<dyn Storage>, health: Arc<StorageHealth>) -> Accounts {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Accounts {
            storage,
            health,
            limits: Mutex::new(SignInLimits::default()),
            shared_attempts: Arc::new(NodeOnly),
            checks: Semaphore::new(cores),
        }
    }

    /// Counts failed sign-ins with the other nodes too.
    pub fn counting_with(self, shared_attempts: Arc<dyn SharedAttempts>) -> Accounts {
        Accounts {
            shared_attempts,
            ..self
        }
    }

    pub async fn create(&self, spec: AccountSpec) -> Result<Account, AccountError> {
        if !valid_username(&spec.username) {
            return Err(AccountError::InvalidUsername);
        }
        let display_name = spec.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
            return Err(AccountError::InvalidDisplayName);
        }
        new_password_allowed(&spec.password, &[&spec.username, display_name])?;
        let password_hash =
            hash_password(&spec.password).map_err(AccountError::PasswordNotHashed)?;
        let new = NewAccount {
            username: spec.username.clone(),
            display_name: display_name.to_owned(),
            email: spec.email.trim().to_owned(),
            site: spec.site,
            password_hash,
            role: spec.role,
            webacd_agent: spec.webacd_agent,
            session_mode: spec.session_mode,
        };
        match self.storage.create_account(new).await {
            Err(StorageError::Conflict(_)) => Err(AccountError::Taken(spec.username)),
            other => Ok(other?),
        }
    }

    /// On a first start (no accounts at all) creates the site admin
    /// `admin` with a random password, returned to be shown once.
    pub async fn bootstrap(&self, site: &str) -> Result<Option<(String, String)>, AccountError> {
        if self.count().await? > 0 {
            return Ok(None);
        }
        let password = random_token()[..20].to_owned();
        let spec = AccountSpec {
            username: "admin".into(),
            display_name: "Site administrator".into(),
            email: String::new(),
            site: site.to_owned(),
            password: password.clone(),
            role: AccountRole::Admin,
            webacd_agent: false,
            session_mode: None,
        };
        let account = self.create(spec).await?;
        Ok(Some((account.username, password)))
    }

    pub async fn count(&self) -> Result<u64, AccountError> {
        Ok(self.storage.count_accounts().await?)
    }

    /// Checks the password and opens a sign-in for someone at `client`.
    /// The attempt is counted before the check (see `sign_in_limit.rs`).
    /// Unknown users cost the same time as wrong passwords, so user names
    /// cannot be probed. A disabled account is refused only after its
    /// password was right, for the same reason.
    /// An account with a second factor needs `code` too: a TOTP code or a
    /// recovery code, each accepted once; a wrong one counts as a failed
    /// sign-in.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        code: Option<&str>,
        client: IpAddr,
    ) -> Result<SignedIn, AccountError> {
        // A sign-in that could not be kept would come back as signed out.
        self.health
            .status()
            .map_err(|_| AccountError::StorageUnavailable)?;
        let account = self
            .checked(username, password, SecondFactor::Asked(code), client)
            .await?;
        if account.disabled {
            return Err(AccountError::Disabled);
        }
        let token = random_token();
        let csrf_token = random_token();
        let expires_at = now_millis() + SIGN_IN_LIFETIME.as_millis() as Millis;
        self.storage
            .create_web_session(WebSession {
                token_hash: hash_token(&token),
                account_id: account.id,
                csrf_token: csrf_token.clone(),
                expires_at,
            })
            .await?;
        Ok(SignedIn {
            token,
            csrf_token,
            account,
            expires_at,
        })
    }

    /// The account if `password` is its password (and, when `second`
    /// asks, its second factor is right), counted against the sign-in
    /// limits of `username` and `client` on every node.
    async fn checked(
        &self,
        username: &str,
        password: &str,
        second: SecondFactor<'_>,
        client: IpAddr,
    ) -> Result<Account, AccountError> {
        let too_many = |wait: Duration| AccountError::TooManyAttempts(wait.as_secs().max(1));
        let reservation = self
            .lock_limits()
            .reserve(username, client, Instant::now())
            .map_err(too_many)?;
        let shared = reservation.shared_counts();
        let mut wait = Duration::ZERO;
        for (counter, key) in &shared {
            if let Some(refused) = self.shared_attempts.wait(*counter, key).await {
                wait = wait.max(refused);
            }
        }
        if !wait.is_zero() {
            self.lock_limits().cancel(reservation);
            return Err(too_many(wait));
        }
        let account = self.storage.account_by_username(username).await?;
        let hash = account
            .as_ref()
            .map_or(password::DECOY_HASH.to_owned(), |a| a.password_hash.clone());
        let right = self.check_password(password, hash).await?;
        let checked = match account.filter(|_| right) {
            None => Err(AccountError::InvalidCredentials),
            Some(account) => match second {
                SecondFactor::NotAsked => Ok(account),
                SecondFactor::Asked(code) => self.second_factor(account, code).await,
            },
        };
        match checked {
            Ok(account) => {
                self.lock_limits().succeeded(reservation);
                Ok(account)
            }
            // The password was right: the code is asked for, not guessed.
            Err(AccountError::TwoFactorCodeNeeded) => {
                self.lock_limits().cancel(reservation);
                Err(AccountError::TwoFactorCodeNeeded)
            }
            Err(
                refused @ (AccountError::InvalidCredentials
                | AccountError::WrongTwoFactorCode
                | AccountError::TwoFactorCodeUsed),
            ) => {
                for (counter, key) in &shared {
                    self.shared_attempts.failed(*counter, key).await;
                }
                Err(refused)
            }
            Err(other) => Err(other),
        }
    }

    /// `account` if it has no second factor, or `code` is right and unused
    /// (then used).
    async fn second_factor(
        &self,
        account: Account,
        code: Option<&str>,
    ) -> Result<Account, AccountError> {
        let Some(secret) = &account.totp_secret else {
            return Ok(account);
        };
        let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
            return Err(AccountError::TwoFactorCodeNeeded);
        };
        let now = u64::try_from(now_millis() / 1000).unwrap_or_default();
        match two_factor::check(secret, &account.recovery_codes, code, now)? {
            two_factor::Given::Code { step } => {
                if !self.storage.use_totp_step(account.id, step).await? {
                    return Err(AccountError::TwoFactorCodeUsed);
                }
            }
            two_factor::Given::RecoveryCode { index } => {
                let mut left = account.recovery_codes.clone();
                left.remove(index);
                let used = self
                    .storage
                    .use_recovery_code(account.id, &account.recovery_codes, &left)
                    .await?;
                if !used {
                    return Err(AccountError::TwoFactorCodeUsed);
                }
                tracing::info!(csr = %account.username, left = left.len(), "signed in with a recovery code");
            }
            two_factor::Given::Wrong => return Err(AccountError::WrongTwoFactorCode),
        }
        Ok(account)
    }

    /// Starts enrolling a second factor for `account` (replacing an
    /// enrolment not confirmed yet): what to show the CSR.
    pub async fn start_two_factor(
        &self,
        account: &Account,
    ) -> Result<two_factor::Enrolment, AccountError> {
        // Replacing a second factor takes the password (turning it off
        // first), not only a signed-in browser.
        if account.totp_secret.is_some() {
            return Err(AccountError::TwoFactorAlreadyOn);
        }
        let secret = two_factor::new_secret();
        let shown = two_factor::enrolment(&secret, &account.username)?;
        self.storage
            .set_totp_pending(account.id, Some(&secret))
            .await?;
        Ok(shown)
    }

    /// Confirms the enrolment with a first code from the app: the second
    /// factor is on, replacing any before, and the recovery codes are
    /// returned to be shown once.
    pub async fn confirm_two_factor(
        &self,
        account: &Account,
        code: &str,
    ) -> Result<Vec<String>, AccountError> {
        let secret = account
            .totp_pending
            .as_deref()
            .ok_or(AccountError::NoTwoFactorEnrolment)?;
        let now = u64::try_from(now_millis() / 1000).unwrap_or_default();
        let step =
            two_factor::code_step(secret, code, now)?.ok_or(AccountError::WrongTwoFactorCode)?;
        let (shown, hashes) = two_factor::new_recovery_codes();
        if !self
            .storage
            .confirm_totp(account.id, secret, step, &hashes)
            .await?
        {
            return Err(AccountError::NoTwoFactorEnrolment);
        }
        Ok(shown)
    }

    /// The owner turns their second factor off, proving it with their
    /// password (counted as a sign-in attempt); refused where the site
    /// requires one (`required`).
    pub async fn remove_own_two_factor(
        &self,
        account: &Account,
        password: &str,
        required: bool,
        client: IpAddr,
    ) -> Result<(), AccountError> {
        if required {
            return Err(AccountError::TwoFactorRequiredBySite);
        }
        match self
            .checked(&account.username, password, SecondFactor::NotAsked, client)
            .await
        {
            Err(AccountError::InvalidCredentials) => {
                return Err(AccountError::WrongCurrentPassword);
            }
            other => other?,
        };
        self.storage.clear_totp(account.id).await?;
        Ok(())
    }

    /// A site admin removes `account`'s second factor (a lost phone and
    /// no recovery code left): its owner signs in with the password alone,
    /// and enrols again where the site requires it. Their sign-ins end.
    pub async fn reset_two_factor(&self, account: &Account) -> Result<(), AccountError> {
        if !self.storage.clear_totp(account.id).await? {
            return Err(AccountError::NoSuchAccount(account.username.clone()));
        }
        self.storage
            .delete_web_sessions_of(account.id, None)
            .await?;
        Ok(())
    }

    /// The owner of `account` changes their password, proving they know
    /// the current one (counted as a sign-in attempt: a browser left signed
    /// in must not become a way to guess it). Their other sign-ins end;
    /// `keep` (the hash of this sign-in's token) stays.
    pub async fn change_own_password(
        &self,
        account: &Account,
        keep: &str,
        current: &str,
        new: &str,
        client: IpAddr,
    ) -> Result<(), AccountError> {
        match self
            .checked(&account.username, current, SecondFactor::NotAsked, client)
            .await
        {
            Err(AccountError::InvalidCredentials) => {
                return Err(AccountError::WrongCurrentPassword);
            }
            other => other?,
        };
        new_password_allowed(new, &[&account.username, &account.display_name])?;
        if current == new {
            // The one a site admin chose stays known to them.
            return Err(AccountError::PasswordUnchanged);
        }
        let hash = hash_password(new).map_err(AccountError::PasswordNotHashed)?;
        self.storage.set_password(account.id, &hash, false).await?;
        self.storage
            .delete_web_sessions_of(account.id, Some(keep))
            .await?;
        Ok(())
    }

    /// The account of `username` on `admin`'s site, which `admin` may
    /// change: not their own (an admin must not lock themselves out).
    pub async fn managed_by(
        &self,
        admin: &Account,
        username: &str,
    ) -> Result<Account, AccountError> {
        let account = self
            .storage
            .account_by_username(username)
            .await?
            .filter(|a| a.site == admin.site)
            .ok_or_else(|| AccountError::NoSuchAccount(username.to_owned()))?;
        if account.id == admin.id {
            return Err(AccountError::NotOnYourOwnAccount);
        }
        Ok(account)
    }

    /// A site admin sets `account`'s password to `temporary`, which its
    /// owner must change at the next sign-in; every sign-in of theirs ends.
    pub async fn reset_password(
        &self,
        account: &Account,
        temporary: &str,
    ) -> Result<(), AccountError> {
        new_password_allowed(temporary, &[&account.username, &account.display_name])?;
        let hash = hash_password(temporary).map_err(AccountError::PasswordNotHashed)?;
        if !self.storage.set_password(account.id, &hash, true).await? {
            return Err(AccountError::NoSuchAccount(account.username.clone()));
        }
        self.storage
            .delete_web_sessions_of(account.id, None)
            .await?;
        Ok(())
    }

    /// Disables or enables `account`; disabling ends every sign-in of
    /// theirs. The account as it is now.
    pub async fn set_disabled(
        &self,
        account: &Account,
        disabled: bool,
    ) -> Result<Account, AccountError> {
        if !self.storage.set_disabled(account.id, disabled).await? {
            return Err(AccountError::NoSuchAccount(account.username.clone()));
        }
        if disabled {
            self.storage
                .delete_web_sessions_of(account.id, None)
                .await?;
        }
        Ok(Account {
            disabled,
            ..account.clone()
        })
    }

    /// Deletes `account` and its sign-ins; its sessions' reports keep the
    /// names they were written with.
    pub async fn delete(&self, account: &Account) -> Result<(), AccountError> {
        if !self.storage.delete_account(account.id).await? {
            return Err(AccountError::NoSuchAccount(account.username.clone()));
        }
        Ok(())
    }

    /// Verifies on a blocking thread, at most one check per core at once.
    async fn check_password(&self, password: &str, hash: String) -> Result<bool, AccountError> {
        let permit = tokio::time::timeout(CHECK_QUEUE_WAIT, self.checks.acquire())
            .await
            .map_err(|_| AccountError::Busy)?
            .map_err(|_| AccountError::Busy)?;
        let password = password.to_owned();
        let right = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        drop(permit);
        Ok(right)
    }

    fn lock_limits(&self) -> std::sync::MutexGuard<'_, SignInLimits> {
        self.limits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The account behind a cookie token, with its CSRF token; refused
    /// while its owner must change the password a site admin set.
    pub async fn authenticate(&self, token: &str) -> Result<(Account, WebSession), AccountError> {
        let (account, web) = self.authenticate_to_change_password(token).await?;
        if account.must_change_password {
            return Err(AccountError::PasswordChangeRequired);
        }
        Ok((account, web))
    }

    /// The account behind a cookie token even while its password must be
    /// changed: for changing it, saying who is signed in, and signing out.
    pub async fn authenticate_to_change_password(
        &self,
        token: &str,
    ) -> Result<(Account, WebSession), AccountError> {
        let web = self
            .storage
            .web_session(&hash_token(token))
            .await?
            .ok_or(AccountError::NotSignedIn)?;
        if web.expires_at <= now_millis() {
            self.storage.delete_web_session(&web.token_hash).await?;
            return Err(AccountError::NotSignedIn);
        }
        let account = self
            .storage
            .account(web.account_id)
            .await?
            .filter(|account| !account.disabled)
            .ok_or(AccountError::NotSignedIn)?;
        Ok((account, web))
    }

    pub async fn sign_out(&self, token: &str) -> Result<(), AccountError> {
        Ok(self.storage.delete_web_session(&hash_token(token)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SqliteStorage;

    const LOCALHOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn spec(username: &str, password: &str) -> AccountSpec {
        AccountSpec {
            username: username.into(),
            display_name: "Anna Berg".into(),
            email: String::new(),
            site: "default".into(),
            password: password.into(),
            role: AccountRole::Csr,
            webacd_agent: false,
            session_mode: None,
        }
    }

    #[tokio::test]
    async fn create_sign_in_authenticate_sign_out() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Arc::new(
            SqliteStorage::open(&dir.path().join("t.db"))
                .await
                .expect("db"),
        );
        let accounts = Accounts::new(storage, Default::default());

        let anna = accounts
            .create(spec("anna", "correct horse battery"))
            .await
            .expect("created");
        assert!(anna.password_hash.starts_with("$argon2id$"));
        assert_eq!(
            accounts.create(spec("anna", "correct horse battery")).await,
            Err(AccountError::Taken("anna".into()))
        );
        assert_eq!(
            accounts.create(spec("a", "correct horse battery")).await,
            Err(AccountError::InvalidUsername)
        );
        assert_eq!(
            accounts.create(spec("bob", "short")).await,
            Err(AccountError::PasswordTooShort)
        );

        assert_eq!(
            accounts
                .sign_in("anna", "wrong password!", None, LOCALHOST)
                .await
                .err(),
            Some(AccountError::InvalidCredentials)
        );
        assert_eq!(
            accounts
                .sign_in("nobody", "correct horse battery", None, LOCALHOST)
                .await
                .err(),
            Some(AccountError::InvalidCredentials)
        );
        let signed_in = accounts
            .sign_in("anna", "correct horse battery", None, LOCALHOST)
            .await
            .expect("signed in");
        let (who, web) = accounts
            .authenticate(&signed_in.token)
            .await
            .expect("authenticated");
        assert_eq!(who.id, anna.id);
        assert_eq!(web.csrf_token, signed_in.csrf_token);

        accounts
            .sign_out(&signed_in.token)
            .await
            .expect("signed out");
        assert_eq!(
            accounts.authenticate(&signed_in.token).await.err(),
            Some(AccountError::NotSignedIn)
        );
    }
}
