//! Whatever a manifest file holds, parsing refuses it with a field and a
//! reason or accepts a valid manifest; it never panics.

#![no_main]

use std::path::Path;

use tether_manifest::{HostedApi, Manifest};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let hosted = [HostedApi {
        version: "0.1",
        interfaces: vec!["log", "store", "session", "consent", "agent"],
    }];
    if let Err(error) = Manifest::parse(Path::new("fuzzed.toml"), text, &hosted) {
        assert!(!error.field.is_empty(), "a refusal names the field");
    }
});
