//! Log targets that print whole WebSocket frames or HTTP bodies at debug
//! and trace level, and so whatever a frame carries (a log-on password, a
//! script, a join token). Every Tether binary caps them, whatever
//! `RUST_LOG` asks for: secrets must not reach any log at any level.

/// The libraries that log frames, and the most they may log.
pub const CAPPED_TARGETS: &[&str] = &[
    "tungstenite",
    "tokio_tungstenite",
    "axum::extract::ws",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
];

/// The most verbose level the capped targets may log at.
pub const CAP: &str = "info";

/// `RUST_LOG`-style directives that cap [`CAPPED_TARGETS`] at [`CAP`]; a
/// binary adds them after the user's own, so they win.
pub fn capping_directives() -> impl Iterator<Item = String> {
    CAPPED_TARGETS
        .iter()
        .map(|target| format!("{target}={CAP}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_is_capped_at_info() {
        let directives: Vec<String> = capping_directives().collect();
        assert!(directives.contains(&"tungstenite=info".to_owned()));
        assert_eq!(directives.len(), CAPPED_TARGETS.len());
    }
}
