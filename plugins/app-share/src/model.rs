//! The plugin's JSON: what the panels send (commands), what they are sent
//! (messages), and what the plugin keeps between events (records). Every
//! command is decoded strictly: an unknown field is an error, not ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tether_sdk::protocol::apps::{InstalledApplication, RunningApplication};

/// What the CSR asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// See an application.
    View,
    /// Use it with mouse and keyboard (implies view).
    Control,
}

impl Mode {
    /// For report lines.
    pub fn verb(self) -> &'static str {
        match self {
            Mode::View => "view",
            Mode::Control => "control",
        }
    }
}

// ---- Commands ----

/// CSR `request`: ask the customer to share (`participant` is what the
/// panel SDK's `customerCommand` adds; `customer` says the same).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestCommand {
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub participant: Option<String>,
    pub mode: Mode,
}

/// Customer `share`: one of the offered windows, or one of the offered
/// installed applications to start first.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareCommand {
    #[serde(default)]
    pub window: Option<u32>,
    #[serde(default)]
    pub launch: Option<String>,
    /// Where a panel sends it, it must name the sender.
    #[serde(default)]
    pub participant: Option<String>,
}

/// What `share` asks for, once decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareTarget {
    Window(u32),
    Launch(String),
}

impl ShareCommand {
    pub fn target(&self) -> Option<ShareTarget> {
        match (self.window, &self.launch) {
            (Some(window), None) => Some(ShareTarget::Window(window)),
            (None, Some(launch)) => Some(ShareTarget::Launch(launch.clone())),
            _ => None,
        }
    }
}

/// Customer `choose` and `cancel`: nothing but the optional sender.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerOnly {
    #[serde(default)]
    pub participant: Option<String>,
}

/// CSR `stop`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopCommand {
    pub stream: u32,
    /// What the panel SDK's `customerCommand` adds; the stream says whose.
    #[serde(default, rename = "participant")]
    pub _participant: Option<String>,
}

/// `state`: for a CSR, whose grants `view` and `control` are about.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateCommand {
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub participant: Option<String>,
}

/// Host `mine`: nothing but what the panel SDK's `customerCommand` adds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineCommand {
    #[serde(default, rename = "participant")]
    pub _participant: Option<String>,
}

/// Host `show`: one of the host's own windows, or an installed
/// application of theirs to start first; `give` names a customer who gets
/// control of it at once (the Application control dialog's Share).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowCommand {
    #[serde(default)]
    pub window: Option<u32>,
    #[serde(default)]
    pub launch: Option<String>,
    #[serde(default)]
    pub give: Option<String>,
    #[serde(default, rename = "participant")]
    pub _participant: Option<String>,
}

impl ShowCommand {
    pub fn target(&self) -> Option<ShareTarget> {
        match (self.window, &self.launch) {
            (Some(window), None) => Some(ShareTarget::Window(window)),
            (None, Some(launch)) => Some(ShareTarget::Launch(launch.clone())),
            _ => None,
        }
    }
}

/// Host `show_browser`: a window or tab the console captures itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowBrowserCommand {
    pub label: String,
    #[serde(default, rename = "participant")]
    pub _participant: Option<String>,
}

/// Host `give`: control of one of the host's own applications to a
/// customer (`customer`, or `participant` as `customerCommand` adds it).
/// Without `stream`, the one shown; with nothing shown, the lists to
/// choose from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GiveCommand {
    #[serde(default)]
    pub stream: Option<u32>,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub participant: Option<String>,
}

/// Host `take`: control of one of the host's own applications back.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TakeCommand {
    pub stream: u32,
    #[serde(default, rename = "participant")]
    pub _participant: Option<String>,
}

// ---- Messages and replies ----

/// To the customer's page: the Application view / control dialog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChooseMessage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub mode: Mode,
    /// The host's display name.
    pub csr: &'a str,
    pub running: &'a [RunningApplication],
    pub installed: &'a [InstalledApplication],
}

/// Where a stream's pictures come from (the kernel's `stream-origin`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A customer's agent: an application the customer shares.
    #[default]
    CustomerAgent,
    /// The host CSR's own agent: an application the CSR shows.
    CsrAgent,
    /// The host CSR's console: a window or tab captured by the browser.
    CsrBrowser,
}

impl Origin {
    /// Whether the CSR shows it (rather than a customer sharing it).
    pub fn is_csr(self) -> bool {
        self != Origin::CustomerAgent
    }
}

/// One open stream, as the panels show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamView {
    pub stream: u32,
    pub label: String,
    pub origin: Origin,
    /// Whose computer (or console) it comes from, and their name.
    pub source: String,
    pub source_name: String,
    /// The customer whose application it is (customer-agent streams);
    /// `null` for what a CSR shows.
    pub customer: Option<String>,
    pub customer_name: Option<String>,
    /// Customer-agent streams: the host may control it.
    pub control: bool,
    /// CSR-agent streams: the customer who controls it, if one does.
    pub controller: Option<String>,
    pub controller_name: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// Whether the view and control grants of one customer are live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    pub view: bool,
    pub control: bool,
}

/// The state pushed to the session's CSRs and customers, and `state`'s
/// reply. A customer's copy holds only their own streams and grants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMessage {
    #[serde(rename = "type")]
    pub kind: String,
    pub streams: Vec<StreamView>,
    /// The grants of `customer`.
    pub view: bool,
    pub control: bool,
    /// Whose grants `view` and `control` are (none when the session has
    /// no customer, or several and none was named).
    pub customer: Option<String>,
    /// Every customer's grants, by participant id (CSRs' copy only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub grants: BTreeMap<String, Grants>,
}

/// What the CSRs' panel is told besides the state, by kind; the panel
/// says it in the CSR's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeMessage<'a> {
    #[serde(rename = "type")]
    pub kind: NoticeKind,
    pub customer: &'a str,
    pub customer_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ConsentOutcome>,
    /// The agent's or kernel's own words, where there are any (English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

impl<'a> NoticeMessage<'a> {
    pub fn new(kind: NoticeKind, customer: &'a tether_sdk::Participant) -> Self {
        NoticeMessage {
            kind,
            customer: &customer.id,
            customer_name: &customer.display_name,
            mode: None,
            outcome: None,
            message: None,
        }
    }
}

/// The kinds of [`NoticeMessage`] (its `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The customer answered a request (`outcome`), or did not in time.
    Consent,
    /// The customer closed the dialog without sharing.
    Cancelled,
    /// The customer picked an application and it could not be shared.
    ShareFailed,
    /// Control of a shared application could not start.
    ControlFailed,
}

/// How the customer answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentOutcome {
    Granted,
    Denied,
    TimedOut,
}

// ---- Records kept in the store between events ----

/// What the customer allowed, as far as the plugin knows: the kernel is
/// the authority and every use is checked there; a refusal clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    /// The host who asked: a grant covers that CSR only, so it stops
    /// counting when control passes.
    pub host: String,
    pub view: bool,
    pub control: bool,
}

/// What the customer was last offered: only these may be shared. (For the
/// host, what their own agent last listed: `mode` is none.)
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OfferRecord {
    pub mode: Option<Mode>,
    /// Window id → the label its stream gets.
    pub windows: BTreeMap<u32, String>,
    /// Desktop file id → the application's name.
    pub installed: BTreeMap<String, String>,
}

/// One stream this plugin opened; the kernel's list says whether it is
/// still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamRecord {
    /// Whose computer (or console) it comes from: the customer, or the
    /// host CSR showing their own application.
    #[serde(alias = "customer")]
    pub source: String,
    #[serde(default)]
    pub origin: Origin,
    /// The shared window (0 for what the browser captures).
    pub window: u32,
    pub label: String,
    /// Customer-agent streams: the host controls it.
    pub control: bool,
    /// CSR-agent streams: the customer the host gave control to, and
    /// their name (for the report once they have left).
    #[serde(default)]
    pub controller: Option<String>,
    #[serde(default)]
    pub controller_name: Option<String>,
    pub width: u32,
    pub height: u32,
}

impl StreamRecord {
    /// A stream just opened from `source`: nobody controls it yet, and its
    /// size is known once the source answers.
    pub fn opened(source: &str, origin: Origin, window: u32, label: &str) -> StreamRecord {
        StreamRecord {
            source: source.to_owned(),
            origin,
            window,
            label: label.to_owned(),
            control: false,
            controller: None,
            controller_name: None,
            width: 0,
            height: 0,
        }
    }
}
