//! Local accounts: who an account name is (uid, gid), and who the agent
//! runs as.

use std::ffi::{CStr, CString};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub uid: u32,
    pub gid: u32,
}

fn from_passwd(entry: &libc::passwd) -> Identity {
    // SAFETY: getpwnam_r/getpwuid_r filled `entry` with a valid C string.
    let user = unsafe { CStr::from_ptr(entry.pw_name) }
        .to_string_lossy()
        .into_owned();
    Identity {
        user,
        uid: entry.pw_uid,
        gid: entry.pw_gid,
    }
}

/// Looks an account up by name (local files, or NSS for network accounts).
pub fn lookup(name: &str) -> Result<Identity, String> {
    let c_name =
        CString::new(name).map_err(|_| "the user name contains a NUL character".to_owned())?;
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the call; the buffer outlives `entry`'s use.
    let status = unsafe {
        libc::getpwnam_r(
            c_name.as_ptr(),
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() {
        return Err("no such account on this computer".into());
    }
    Ok(from_passwd(&entry))
}

/// The account the agent process runs as.
pub fn current() -> Identity {
    // SAFETY: geteuid cannot fail; getpwuid_r gets valid pointers.
    let uid = unsafe { libc::geteuid() };
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    let status = unsafe {
        libc::getpwuid_r(
            uid,
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() {
        // SAFETY: getegid cannot fail.
        return Identity {
            user: uid.to_string(),
            uid,
            gid: unsafe { libc::getegid() },
        };
    }
    from_passwd(&entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_unknown_accounts() {
        assert_eq!(lookup("root").expect("root exists").uid, 0);
        assert!(lookup("no-such-account-for-tether").is_err());
        assert_eq!(current().uid, unsafe { libc::geteuid() });
    }
}
