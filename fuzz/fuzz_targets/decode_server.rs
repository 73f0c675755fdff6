//! Whatever the server (or someone pretending to be it) sends, the
//! decoder every client uses (the agent, the test clients) refuses it or
//! gives a typed frame; it never panics.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tether_protocol::decode_server(text);
    }
});
