//! Streams: binary frames from a source endpoint (a customer's agent
//! capturing an application, or the host CSR's own agent or console
//! showing one) to viewer endpoints (the session's CSR consoles, or the
//! customers' pages that asked), and input and acknowledgements back —
//! relayed by the kernel by stream id, never through a plugin (DESIGN §9).
//!
//! * `rules.rs` — who hears of a stream, who sees it, and which socket may
//!   send which frame on it (pure);
//! * `pacing.rs` — backpressure: frames in flight per viewer, dropping a
//!   slow viewer to keyframes, acknowledgements to the source (pure);
//! * `table.rs` — the live table of open streams and the frame counters;
//! * `opening.rs` — opening and closing streams for plugins, and telling
//!   their audience;
//! * `control.rs` — giving and taking control of a CSR's application;
//! * `relay.rs` — relaying each frame a socket sends.

mod control;
mod opening;
mod pacing;
mod relay;
pub mod rules;
mod table;

pub use opening::CONSOLE_CLOSED;

pub use table::{StreamStats, StreamTable};
