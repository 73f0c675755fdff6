//! Whatever binary frame a console, customer page or agent sends, the
//! stream header decoder refuses it or accepts a frame that encodes back to
//! the same bytes; input payloads decode or are refused; it never panics.

#![no_main]

use tether_protocol::stream::{FrameKind, InputEvent, StreamFrame};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = StreamFrame::decode(data) {
        assert_eq!(frame.encode(), data, "a decoded frame encodes back");
        if frame.kind == FrameKind::Input {
            let _ = InputEvent::decode(frame.payload);
        }
    }
});
