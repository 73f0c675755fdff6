//! Streams: binary frames from a source endpoint (the customer's agent
//! capturing an application) to viewer endpoints (the session's CSR
//! consoles), and input and acknowledgements back — relayed by the kernel
//! by stream id, never through a plugin (DESIGN §9).
//!
//! * `rules.rs` — which socket may send which frame on a stream (pure);
//! * `pacing.rs` — backpressure: frames in flight per viewer, dropping a
//!   slow viewer to keyframes, acknowledgements to the source (pure);
//! * `table.rs` — the live table of open streams and the frame counters;
//! * `relay.rs` — opening and closing streams for plugins, and relaying
//!   each frame a socket sends.

mod pacing;
mod relay;
pub mod rules;
mod table;

pub use table::{StreamStats, StreamTable};
