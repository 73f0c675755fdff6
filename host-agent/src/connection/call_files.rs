//! Calls whose files follow them as file frames (`tether_protocol::
//! file_frame`): each call waits here until its files are in — in order,
//! each of the size its `agent.call` announced — and only then runs. A
//! frame that does not fit fails its call with a clear error before
//! anything of it is written or run; so does a call whose files do not all
//! come in time. Pure: the connection feeds it messages and frames and
//! acts on what it says.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use tether_protocol::Capability;
use tether_protocol::file_frame::{AttachedFile, FileFrame, check_announced};
use tokio_tungstenite::tungstenite::Bytes;

/// How long a call's files may take to come after the call: the kernel
/// sends them right after it, so only a slow link takes long.
pub const FILES_DEADLINE: Duration = Duration::from_secs(60);

/// A call with everything it needs to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadyCall {
    pub call: String,
    pub capability: Capability,
    pub input: Value,
    /// Its files, in order.
    pub files: Vec<Bytes>,
}

/// A call that fails before it runs, and why (for the calling plugin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub call: String,
    pub capability: Capability,
    pub error: String,
}

/// What a file frame did.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrived {
    /// It was its call's last file: the call may run.
    Ready(ReadyCall),
    /// Its call waits for more.
    Waiting,
    /// It does not fit: these calls fail (and are forgotten).
    Failed(Vec<Failed>),
    /// It names no call waiting here (one that has all its files, or was
    /// cancelled): nothing changes.
    Ignored(String),
}

struct Pending {
    capability: Capability,
    input: Value,
    announced: Vec<AttachedFile>,
    files: Vec<Bytes>,
}

/// The calls waiting for their files, by call id.
#[derive(Default)]
pub struct WaitingCalls {
    calls: HashMap<String, Pending>,
}

impl WaitingCalls {
    /// A call from the kernel announcing `files`: ready at once when there
    /// are none, kept until they are in otherwise; `Err` (why) when the
    /// announcement itself is refused.
    pub fn announce(
        &mut self,
        call: String,
        capability: Capability,
        input: Value,
        files: Vec<AttachedFile>,
    ) -> Result<Option<ReadyCall>, String> {
        if files.is_empty() {
            return Ok(Some(ReadyCall {
                call,
                capability,
                input,
                files: Vec::new(),
            }));
        }
        check_announced(&files)
            .map_err(|error| format!("the call's files are refused: {error}"))?;
        if self.calls.contains_key(&call) {
            return Err(format!("call {call} is already waiting for its files"));
        }
        self.calls.insert(
            call,
            Pending {
                capability,
                input,
                files: Vec::with_capacity(files.len()),
                announced: files,
            },
        );
        Ok(None)
    }

    /// A file frame from the kernel (`frame` holds the whole binary
    /// message; the file is kept without copying it).
    pub fn frame(&mut self, frame: &Bytes) -> Arrived {
        let decoded = match FileFrame::decode(frame) {
            Ok(decoded) => decoded,
            // Which call it was for cannot be trusted: every call waiting
            // may have lost a file.
            Err(error) => {
                let error = format!("a file frame from the support server is malformed: {error}");
                return Arrived::Failed(self.fail_all(&error));
            }
        };
        let call = decoded.call;
        let Some(pending) = self.calls.get_mut(call) else {
            return Arrived::Ignored(format!(
                "a file frame for call {call}, which waits for no file, was ignored"
            ));
        };
        let expected = pending.files.len();
        let refusal = if decoded.index != expected {
            Some(format!(
                "file {} of the call came where file {expected} was due (it announced {})",
                decoded.index,
                pending.announced.len()
            ))
        } else {
            let announced = pending.announced[expected].bytes as usize;
            (decoded.file.len() != announced).then(|| {
                format!(
                    "file {expected} of the call is {} bytes; the call announced {announced}",
                    decoded.file.len()
                )
            })
        };
        if let Some(error) = refusal {
            return Arrived::Failed(self.fail(call, error).into_iter().collect());
        }
        pending.files.push(frame.slice_ref(decoded.file));
        if pending.files.len() < pending.announced.len() {
            return Arrived::Waiting;
        }
        let Some((call, pending)) = self.calls.remove_entry(call) else {
            return Arrived::Waiting;
        };
        Arrived::Ready(ReadyCall {
            call,
            capability: pending.capability,
            input: pending.input,
            files: pending.files,
        })
    }

    /// The call's files did not all come in time: it fails, if it still
    /// waits.
    pub fn overdue(&mut self, call: &str) -> Option<Failed> {
        let pending = self.calls.get(call)?;
        let error = format!(
            "only {} of the call's {} files came within {} s",
            pending.files.len(),
            pending.announced.len(),
            FILES_DEADLINE.as_secs()
        );
        self.fail(call, error)
    }

    /// The kernel ended the call before it ran: forgotten, nothing to
    /// answer. Whether it was waiting here.
    pub fn cancel(&mut self, call: &str) -> bool {
        self.calls.remove(call).is_some()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    fn fail(&mut self, call: &str, error: String) -> Option<Failed> {
        let (call, pending) = self.calls.remove_entry(call)?;
        Some(Failed {
            call,
            capability: pending.capability,
            error,
        })
    }

    fn fail_all(&mut self, error: &str) -> Vec<Failed> {
        let mut failed: Vec<Failed> = self
            .calls
            .drain()
            .map(|(call, pending)| Failed {
                call,
                capability: pending.capability,
                error: error.to_owned(),
            })
            .collect();
        failed.sort_by(|a, b| a.call.cmp(&b.call));
        failed
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tether_protocol::file_frame::{MAX_CALL_FILE_BYTES, MAX_CALL_FILES};

    use super::*;

    fn frame(call: &str, index: usize, file: &[u8]) -> Bytes {
        Bytes::from(FileFrame { call, index, file }.encode().expect("encodes"))
    }

    fn sizes(sizes: &[usize]) -> Vec<AttachedFile> {
        sizes
            .iter()
            .map(|&bytes| AttachedFile {
                bytes: bytes as u32,
            })
            .collect()
    }

    fn waiting_for(call: &str, files: &[usize]) -> WaitingCalls {
        let mut waiting = WaitingCalls::default();
        let ready = waiting
            .announce(
                call.into(),
                Capability::ScriptRun,
                json!({ "n": 1 }),
                sizes(files),
            )
            .expect("announced");
        assert_eq!(ready, None);
        waiting
    }

    fn failed(call: &str, error: &str) -> Failed {
        Failed {
            call: call.into(),
            capability: Capability::ScriptRun,
            error: error.into(),
        }
    }

    #[test]
    fn a_call_without_files_is_ready_at_once() {
        let mut waiting = WaitingCalls::default();
        let ready = waiting.announce(
            "c1".into(),
            Capability::SysinfoCollect,
            json!({}),
            Vec::new(),
        );
        assert_eq!(
            ready,
            Ok(Some(ReadyCall {
                call: "c1".into(),
                capability: Capability::SysinfoCollect,
                input: json!({}),
                files: Vec::new(),
            }))
        );
        assert!(waiting.is_empty());
    }

    #[test]
    fn a_call_runs_once_its_files_are_in_in_order() {
        let mut waiting = waiting_for("c1", &[6, 0]);
        // Another call's file may come between.
        let mut other = waiting_for("c2", &[1]);
        assert_eq!(waiting.frame(&frame("c1", 0, b"script")), Arrived::Waiting);
        assert_eq!(
            waiting.frame(&frame("c1", 1, b"")),
            Arrived::Ready(ReadyCall {
                call: "c1".into(),
                capability: Capability::ScriptRun,
                input: json!({ "n": 1 }),
                files: vec![Bytes::from_static(b"script"), Bytes::new()],
            })
        );
        assert!(waiting.is_empty());
        assert!(matches!(
            other.frame(&frame("c2", 0, b"x")),
            Arrived::Ready(_)
        ));
        // Both calls wait in one table.
        let mut both = waiting_for("c1", &[1]);
        both.announce("c2".into(), Capability::ScriptRun, json!({}), sizes(&[2]))
            .expect("announced");
        assert!(matches!(both.frame(&frame("c2", 0, b"xy")), Arrived::Ready(r) if r.call == "c2"));
        assert!(matches!(both.frame(&frame("c1", 0, b"x")), Arrived::Ready(r) if r.call == "c1"));
    }

    #[test]
    fn announcements_beyond_the_limits_are_refused() {
        let mut waiting = WaitingCalls::default();
        let too_many = waiting.announce(
            "c1".into(),
            Capability::ScriptRun,
            json!({}),
            sizes(&[1; MAX_CALL_FILES + 1]),
        );
        assert!(too_many.is_err_and(|e| e.contains("at most 4 files")));
        let too_large = waiting.announce(
            "c1".into(),
            Capability::ScriptRun,
            json!({}),
            sizes(&[MAX_CALL_FILE_BYTES + 1]),
        );
        assert!(too_large.is_err_and(|e| e.contains("file 0 is 1048577 bytes")));
        assert!(waiting.is_empty());
        let mut twice = waiting_for("c1", &[1]);
        let again = twice.announce("c1".into(), Capability::ScriptRun, json!({}), sizes(&[1]));
        assert!(again.is_err_and(|e| e.contains("already waiting")));
    }

    #[test]
    fn a_file_out_of_order_or_of_another_size_fails_its_call_only() {
        let mut waiting = waiting_for("c1", &[3, 3]);
        waiting
            .announce("c2".into(), Capability::ScriptRun, json!({}), sizes(&[1]))
            .expect("announced");
        assert_eq!(
            waiting.frame(&frame("c1", 1, b"abc")),
            Arrived::Failed(vec![failed(
                "c1",
                "file 1 of the call came where file 0 was due (it announced 2)"
            )])
        );
        // Forgotten: its next frame fits no call.
        assert!(matches!(
            waiting.frame(&frame("c1", 0, b"abc")),
            Arrived::Ignored(_)
        ));
        assert_eq!(
            waiting.frame(&frame("c2", 0, b"too long")),
            Arrived::Failed(vec![failed(
                "c2",
                "file 0 of the call is 8 bytes; the call announced 1"
            )])
        );
        assert!(waiting.is_empty());
    }

    #[test]
    fn an_extra_file_or_one_for_no_call_changes_nothing() {
        let mut waiting = waiting_for("c1", &[1]);
        assert!(matches!(
            waiting.frame(&frame("c1", 0, b"x")),
            Arrived::Ready(_)
        ));
        // One more than announced: the call has all it announced.
        assert_eq!(
            waiting.frame(&frame("c1", 1, b"y")),
            Arrived::Ignored(
                "a file frame for call c1, which waits for no file, was ignored".into()
            )
        );
        let mut other = waiting_for("c2", &[1]);
        assert!(matches!(
            other.frame(&frame("c9", 0, b"x")),
            Arrived::Ignored(_)
        ));
        assert!(!other.is_empty(), "c2 still waits");
    }

    #[test]
    fn a_malformed_frame_fails_every_call_waiting() {
        let mut waiting = waiting_for("c1", &[1]);
        waiting
            .announce("c2".into(), Capability::ScriptRun, json!({}), sizes(&[1]))
            .expect("announced");
        let mut broken = frame("c1", 0, b"x").to_vec();
        broken[1] = 9;
        let Arrived::Failed(failed) = waiting.frame(&Bytes::from(broken)) else {
            panic!("the calls fail");
        };
        let calls: Vec<&str> = failed.iter().map(|f| f.call.as_str()).collect();
        assert_eq!(calls, ["c1", "c2"]);
        assert!(failed[0].error.contains("malformed: file frame version 9"));
        assert!(waiting.is_empty());
        // With nobody waiting, nobody fails.
        assert_eq!(
            waiting.frame(&Bytes::from_static(&[0xF1])),
            Arrived::Failed(Vec::new())
        );
    }

    #[test]
    fn a_missing_file_fails_its_call_when_overdue_and_a_cancel_forgets_it() {
        let mut waiting = waiting_for("c1", &[1, 1]);
        assert_eq!(waiting.frame(&frame("c1", 0, b"x")), Arrived::Waiting);
        assert_eq!(
            waiting.overdue("c1"),
            Some(failed(
                "c1",
                "only 1 of the call's 2 files came within 60 s"
            ))
        );
        assert_eq!(waiting.overdue("c1"), None, "once");
        let mut cancelled = waiting_for("c2", &[1]);
        assert!(cancelled.cancel("c2"));
        assert!(!cancelled.cancel("c2"));
        assert_eq!(cancelled.overdue("c2"), None);
    }
}
