//! The web UI's TypeScript declarations of every envelope, generated from
//! the Rust types. The file is committed (`kernel/ui/src/lib/protocol.gen.ts`)
//! so the UI builds without Rust; the test below fails when it differs
//! from what these types generate, naming the command that rewrites it.

use ts_rs::{Config, TS};

use crate::file_frame::AttachedFile;
use crate::stream::{InputEvent, StreamId};
use crate::{
    ActivityEnd, Capability, ConsoleRequest, CustomerPanel, CustomerRequest, Detail, ErrorCode,
    Language, ParticipantInfo, RejoinAfterRestart, ServerEvent, StreamOrigin,
};

/// Where the generated declarations live, from this crate's directory.
pub const GENERATED_PATH: &str = "../../kernel/ui/src/lib/protocol.gen.ts";

fn declaration<T: TS>(config: &Config) -> String {
    format!("export {}\n", T::decl(config))
}

/// The whole generated file.
pub fn generated() -> String {
    // Ids and durations fit in a JavaScript number; `bigint` would not
    // match what `JSON.parse` gives.
    let config = Config::new().with_large_int("number");
    let mut text = String::from(
        "// Generated from sdk/protocol by its tests; do not edit by hand.\n\
         // Rewrite with: TETHER_WRITE_TS=1 cargo test -p tether-protocol typescript\n\n",
    );
    for declaration in [
        declaration::<serde_json::Value>(&config),
        declaration::<Capability>(&config),
        declaration::<ErrorCode>(&config),
        declaration::<ActivityEnd>(&config),
        declaration::<Detail>(&config),
        declaration::<Language>(&config),
        declaration::<ParticipantInfo>(&config),
        declaration::<CustomerPanel>(&config),
        declaration::<RejoinAfterRestart>(&config),
        declaration::<StreamId>(&config),
        declaration::<StreamOrigin>(&config),
        declaration::<InputEvent>(&config),
        declaration::<AttachedFile>(&config),
        declaration::<ConsoleRequest>(&config),
        declaration::<CustomerRequest>(&config),
        declaration::<ServerEvent>(&config),
        declaration::<crate::public::PublicCommand>(&config),
        declaration::<crate::public::PublicReply>(&config),
        declaration::<crate::public::PublicJoin>(&config),
    ] {
        text.push_str(&declaration);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{GENERATED_PATH, generated};

    #[test]
    fn typescript_types_match_the_rust_types() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GENERATED_PATH);
        let expected = generated();
        if std::env::var_os("TETHER_WRITE_TS").is_some() {
            std::fs::write(&path, &expected).expect("write the TypeScript types");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == expected,
            "{} differs from the Rust protocol types; rewrite it with \
             `TETHER_WRITE_TS=1 cargo test -p tether-protocol typescript` and adapt the UI",
            path.display()
        );
    }
}
