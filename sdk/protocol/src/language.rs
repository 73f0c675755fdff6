//! The languages Tether speaks to people in.

use serde::{Deserialize, Serialize};

/// A language of the web UI and of what the kernel writes for people
/// (invitation mail). Values a computer or a person typed are never
/// translated; only Tether's own words are.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English: the reference every other language follows, and what a
    /// client that does not say gets.
    #[default]
    En,
    Da,
    Fr,
    Ja,
}

impl Language {
    /// Every language, English first.
    pub const ALL: [Language; 4] = [Language::En, Language::Da, Language::Fr, Language::Ja];

    /// The language code (`en`, `da`, `fr`, `ja`), as the UI and manifests
    /// write it.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Da => "da",
            Language::Fr => "fr",
            Language::Ja => "ja",
        }
    }
}
