//! `cargo xtask bench share`: application sharing against x11vnc on one
//! X display, measured in the same run. The parts are here, unit-tested
//! with the other helpers; `benches/share.rs` runs them.

pub mod baseline;
pub mod cpu;
pub mod framebuffer;
pub mod jpeg;
pub mod marks;
pub mod measure;
pub mod report;
pub mod rfb;
pub mod socket;
pub mod tight;
pub mod viewer;
pub mod vp8;
