//! Checking a password with PAM, loaded at run time with `libloading` so
//! the agent starts (without this capability) where libpam is missing.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ptr;

use libloading::{Library, Symbol};

/// The PAM service the agent authenticates with; without its own file in
/// /etc/pam.d, PAM uses the `other` stack.
const SERVICE: &str = "tether-agent";

const PAM_SUCCESS: c_int = 0;
const PAM_BUF_ERR: c_int = 5;
const PAM_CONV_ERR: c_int = 19;
const PAM_PROMPT_ECHO_OFF: c_int = 1;
const PAM_PROMPT_ECHO_ON: c_int = 2;

#[repr(C)]
struct PamMessage {
    msg_style: c_int,
    msg: *const c_char,
}

#[repr(C)]
struct PamResponse {
    resp: *mut c_char,
    resp_retcode: c_int,
}

type Conversation = unsafe extern "C" fn(
    c_int,
    *mut *const PamMessage,
    *mut *mut PamResponse,
    *mut c_void,
) -> c_int;

#[repr(C)]
struct PamConv {
    conv: Conversation,
    appdata_ptr: *mut c_void,
}

type PamStart =
    unsafe extern "C" fn(*const c_char, *const c_char, *const PamConv, *mut *mut c_void) -> c_int;
type PamCall = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;
type PamStrerror = unsafe extern "C" fn(*mut c_void, c_int) -> *const c_char;

/// What the conversation answers with.
struct Answers {
    user: CString,
    password: CString,
}

impl Drop for Answers {
    fn drop(&mut self) {
        // CString only clears its first byte when dropped; wipe them all.
        let mut bytes = std::mem::take(&mut self.password).into_bytes();
        for byte in bytes.iter_mut() {
            // SAFETY: writing to owned, live bytes.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
    }
}

/// Answers PAM's prompts: the user name when it asks with echo, the
/// password when it asks without. Memory is allocated with `calloc` and
/// `strdup` because PAM frees it.
unsafe extern "C" fn converse(
    count: c_int,
    messages: *mut *const PamMessage,
    responses: *mut *mut PamResponse,
    data: *mut c_void,
) -> c_int {
    if count <= 0 || messages.is_null() || responses.is_null() || data.is_null() {
        return PAM_CONV_ERR;
    }
    // SAFETY: PAM passes `count` message pointers and the `Answers` we gave
    // to pam_start, which outlives the transaction.
    unsafe {
        let answers = &*(data as *const Answers);
        let reply =
            libc::calloc(count as usize, std::mem::size_of::<PamResponse>()) as *mut PamResponse;
        if reply.is_null() {
            return PAM_BUF_ERR;
        }
        for i in 0..count as usize {
            let message = *messages.add(i);
            let answer = match (*message).msg_style {
                PAM_PROMPT_ECHO_OFF => libc::strdup(answers.password.as_ptr()),
                PAM_PROMPT_ECHO_ON => libc::strdup(answers.user.as_ptr()),
                _ => ptr::null_mut(),
            };
            (*reply.add(i)).resp = answer;
            (*reply.add(i)).resp_retcode = 0;
        }
        *responses = reply;
    }
    PAM_SUCCESS
}

/// Whether libpam can be loaded here.
pub fn available() -> bool {
    // SAFETY: as in `authenticate`.
    unsafe { Library::new("libpam.so.0") }.is_ok()
}

/// Checks `user`'s password and that the account may log on now.
pub fn authenticate(user: &str, password: &str) -> Result<(), String> {
    // SAFETY: loading the system's libpam runs its initialisers, which is
    // what every program linked against it does.
    let library = unsafe { Library::new("libpam.so.0") }.map_err(|_| {
        "PAM is not available on this computer, so the agent cannot check passwords".to_owned()
    })?;
    let invalid = |_| "the user name or password contains a NUL character".to_owned();
    let answers = Answers {
        user: CString::new(user).map_err(invalid)?,
        password: CString::new(password).map_err(invalid)?,
    };
    let service = CString::new(SERVICE).map_err(invalid)?;
    // SAFETY: the symbols have the Linux-PAM signatures declared above; the
    // handle is only used between pam_start and pam_end, and `answers`
    // lives until pam_end returned.
    unsafe {
        let symbol = |name: &[u8]| -> Result<Symbol<'_, PamCall>, String> {
            library
                .get(name)
                .map_err(|error| format!("libpam lacks a function: {error}"))
        };
        let start: Symbol<PamStart> = library
            .get(b"pam_start\0")
            .map_err(|error| format!("libpam lacks pam_start: {error}"))?;
        let strerror: Symbol<PamStrerror> = library
            .get(b"pam_strerror\0")
            .map_err(|error| format!("libpam lacks pam_strerror: {error}"))?;
        let authenticate = symbol(b"pam_authenticate\0")?;
        let account = symbol(b"pam_acct_mgmt\0")?;
        let end = symbol(b"pam_end\0")?;

        let conversation = PamConv {
            conv: converse,
            appdata_ptr: &answers as *const Answers as *mut c_void,
        };
        let mut handle: *mut c_void = ptr::null_mut();
        let started = start(
            service.as_ptr(),
            answers.user.as_ptr(),
            &conversation,
            &mut handle,
        );
        if started != PAM_SUCCESS || handle.is_null() {
            return Err("PAM could not start checking the password".into());
        }
        let mut status = authenticate(handle, 0);
        if status == PAM_SUCCESS {
            status = account(handle, 0);
        }
        let reason = if status == PAM_SUCCESS {
            None
        } else {
            let text = strerror(handle, status);
            Some(if text.is_null() {
                format!("PAM error {status}")
            } else {
                CStr::from_ptr(text).to_string_lossy().into_owned()
            })
        };
        end(handle, status);
        match reason {
            None => Ok(()),
            Some(reason) => Err(format!("the account could not log on: {reason}")),
        }
    }
}
