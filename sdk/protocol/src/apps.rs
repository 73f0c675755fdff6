//! What the application capabilities take and answer (`app.list`,
//! `app.installed`, `app.launch`, `app.share`, `app.control`), as the
//! agent serves them and a plugin reads them: JSON in `agent.call` inputs
//! and `agent.result` outputs.

use serde::{Deserialize, Serialize};

use crate::stream::StreamId;

/// One top-level window a person can see (`app.list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppWindow {
    /// The X window id (the application's own window, not a window
    /// manager's frame around it).
    pub id: u32,
    pub title: String,
    pub class: Option<String>,
    pub pid: Option<u32>,
    /// On the screen, top-left corner of the window's contents.
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// One running application: an X client with at least one visible window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunningApplication {
    /// Stable while the application runs (`x11-client:0x…`).
    pub id: String,
    pub pid: Option<u32>,
    pub class: Option<String>,
    pub instance: Option<String>,
    /// Its top-most window's title, or its class when that has none.
    pub name: String,
    /// Top-most first.
    pub windows: Vec<AppWindow>,
}

/// `app.list`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunningApplications {
    pub applications: Vec<RunningApplication>,
}

/// One installed application, as the customer would pick it
/// (`app.installed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InstalledApplication {
    /// The desktop file id (`org.example.Editor.desktop`): the only thing
    /// `app.launch` accepts.
    pub id: String,
    /// In the customer's language where the entry translates it.
    pub name: String,
    /// An icon name from the theme, or a file.
    pub icon: Option<String>,
    pub comment: Option<String>,
}

/// `app.installed`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InstalledApplications {
    pub applications: Vec<InstalledApplication>,
}

/// `app.launch`'s input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchRequest {
    /// A desktop file id from `app.installed`.
    pub id: String,
}

/// `app.launch`'s answer: what started and its first window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LaunchedApplication {
    pub pid: u32,
    pub application: RunningApplication,
    pub window: AppWindow,
}

/// `app.share`'s input: stream the application that owns `window` on
/// `stream` (which the plugin opened from this agent under `app.share`).
/// The agent captures that application's own windows — never the screen —
/// until the stream closes or the call is cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub stream: StreamId,
    /// An X window id from `app.list` or `app.launch`.
    pub window: u32,
    /// Who sees it, for the customer's sharing indicator ("Shared with
    /// …"); at most 200 characters.
    #[serde(default)]
    pub viewers: String,
}

/// `app.share`'s answer (a lasting call: the share runs until the stream
/// closes, the call is cancelled, or the customer stops it on their
/// computer, which the agent reports as `stream.stop`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Sharing {
    pub stream: StreamId,
    pub window: u32,
    pub title: String,
    pub width: u32,
    pub height: u32,
    /// `vp8` or `jpeg`: what the first pictures are encoded as.
    pub codec: String,
}

/// `app.control`'s input: accept input on a stream this agent shares (a
/// lasting call: input is taken until the call is cancelled — the customer
/// withdrew control — or the stream closes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlRequest {
    pub stream: StreamId,
}

/// `app.control`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Controlling {
    pub stream: StreamId,
}

/// Longest `viewers` text of a [`ShareRequest`], in characters.
pub const MAX_VIEWERS_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_requests_are_strict() {
        let request: ShareRequest =
            serde_json::from_str(r#"{"stream":3,"window":4194305,"viewers":"Carl"}"#)
                .expect("decodes");
        assert_eq!(request.stream.get(), 3);
        assert_eq!(request.window, 0x400001);
        for bad in [
            r#"{"stream":0,"window":1}"#,
            r#"{"stream":3}"#,
            r#"{"stream":3,"window":1,"screen":true}"#,
            r#"{"stream":-1,"window":1}"#,
        ] {
            assert!(serde_json::from_str::<ShareRequest>(bad).is_err(), "{bad}");
        }
    }
}
