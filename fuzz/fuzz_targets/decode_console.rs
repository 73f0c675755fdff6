//! Whatever a console connection sends, the kernel's decoder refuses it or
//! accepts a well-formed request; it never panics.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tether_fuzz::decode_round_trips::<tether_protocol::ConsoleRequest>(data);
});
