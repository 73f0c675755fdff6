//! What the indicator says, in the language of the desktop it is shown
//! on: English, Danish, French or Japanese, as the rest of Tether (the
//! translations are the web pages' own where they have the phrase: Stop
//! sharing as on the customer's page, Take back control as in the
//! console's Applications panel). The language is the POSIX locale's,
//! from `LC_ALL`, else `LC_MESSAGES`, else `LANG`; any other language, or
//! none (`C`, `POSIX`, unset), is English.

use super::keys::KeyName;
use super::text::FontSet;

/// The languages the indicator speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Danish,
    French,
    Japanese,
}

impl Language {
    #[cfg(test)]
    pub const ALL: [Language; 4] = [
        Language::English,
        Language::Danish,
        Language::French,
        Language::Japanese,
    ];

    /// The language of a POSIX locale name (`da_DK.UTF-8`, `fr_FR@euro`,
    /// `ja`); English for `C`, `POSIX` and every language Tether has no
    /// words in.
    pub fn from_locale(locale: &str) -> Language {
        let language = locale
            .split(['_', '.', '@'])
            .next()
            .unwrap_or_default()
            .trim();
        match language.to_ascii_lowercase().as_str() {
            "da" => Language::Danish,
            "fr" => Language::French,
            "ja" => Language::Japanese,
            _ => Language::English,
        }
    }

    /// The language of the locale the first set (and non-empty) of
    /// `LC_ALL`, `LC_MESSAGES` and `LANG` names, as POSIX orders them for
    /// messages.
    pub fn from_locale_variables(
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Language {
        [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .find(|value| !value.is_empty())
            .map_or(Language::English, Language::from_locale)
    }

    /// The language of this process's locale variables (the agent runs in
    /// the customer's desktop session, with its locale).
    pub fn from_env() -> Language {
        // A value that is not UTF-8 names no locale of ours, but still
        // hides the variables after it.
        let variable =
            |name: &str| std::env::var_os(name).map(|value| value.to_string_lossy().into_owned());
        let (lc_all, lc_messages, lang) = (
            variable("LC_ALL"),
            variable("LC_MESSAGES"),
            variable("LANG"),
        );
        Language::from_locale_variables(lc_all.as_deref(), lc_messages.as_deref(), lang.as_deref())
    }
}

/// The indicator's phrases in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    language: Language,
}

impl Words {
    pub fn new(language: Language) -> Words {
        Words { language }
    }

    pub fn language(self) -> Language {
        self.language
    }

    /// These words where `fonts` can write every one of them, else
    /// English (which any X server's `fixed` writes): a Japanese desktop
    /// whose X server lacks the Japanese faces would otherwise get a
    /// window of question marks.
    pub fn legible_with(self, fonts: &FontSet) -> Words {
        if self.phrases().iter().all(|phrase| fonts.writes(phrase)) {
            return self;
        }
        tracing::warn!(
            language = ?self.language,
            "the X display has no font for the sharing indicator's words in this language; it speaks English"
        );
        Words::new(Language::English)
    }

    /// What the window manager and people's tools call the window.
    pub fn title(self) -> &'static str {
        match self.language {
            Language::English => "Tether: sharing",
            Language::Danish => "Tether: deler",
            Language::French => "Tether\u{a0}: partage en cours",
            Language::Japanese => "Tether：共有中",
        }
    }

    /// The heading over what is shared with `viewers` (their names).
    pub fn shared_with(self, viewers: &str) -> String {
        match self.language {
            Language::English => format!("Shared with {viewers}:"),
            Language::Danish => format!("Delt med {viewers}:"),
            Language::French => format!("Partagé avec {viewers}\u{a0}:"),
            Language::Japanese => format!("共有先：{viewers}"),
        }
    }

    /// The heading over what is shared with viewers without names.
    pub fn shared_with_support(self) -> &'static str {
        match self.language {
            Language::English => "Shared with support:",
            Language::Danish => "Delt med supporten:",
            Language::French => "Partagé avec l’assistance\u{a0}:",
            Language::Japanese => "共有先：サポート担当者",
        }
    }

    /// In place of the title of a window that has none.
    pub fn untitled_window(self) -> &'static str {
        match self.language {
            Language::English => "(a window without a title)",
            Language::Danish => "(vindue uden titel)",
            Language::French => "(fenêtre sans titre)",
            Language::Japanese => "（無題のウィンドウ）",
        }
    }

    /// A shared thing `name` controls.
    pub fn controls(self, name: &str, label: &str) -> String {
        match self.language {
            Language::English => format!("{name} controls {label}"),
            Language::Danish => format!("{name} styrer {label}"),
            Language::French => format!("{name} contrôle {label}"),
            Language::Japanese => format!("{name} が {label} を操作しています"),
        }
    }

    /// A shared thing someone without a name controls.
    pub fn someone_controls(self, label: &str) -> String {
        match self.language {
            Language::English => format!("Someone controls {label}"),
            Language::Danish => format!("Nogen styrer {label}"),
            Language::French => format!("Quelqu’un contrôle {label}"),
            Language::Japanese => format!("誰かが {label} を操作しています"),
        }
    }

    /// After the shared things listed: how many more there are.
    pub fn and_more(self, count: usize) -> String {
        match self.language {
            Language::English => format!("and {count} more"),
            Language::Danish => format!("og {count} mere"),
            Language::French if count == 1 => "et 1 autre".to_owned(),
            Language::French => format!("et {count} autres"),
            Language::Japanese => format!("ほか {count} 件"),
        }
    }

    pub fn nothing_shared(self) -> &'static str {
        match self.language {
            Language::English => "Nothing is shared.",
            Language::Danish => "Intet deles.",
            Language::French => "Rien n’est partagé.",
            Language::Japanese => "共有しているものはありません。",
        }
    }

    /// How to take control back with the hot key `key`.
    pub fn press_to_take_back(self, key: KeyName) -> String {
        let key = self.key(key);
        match self.language {
            Language::English => format!("Press {key} to take back control."),
            Language::Danish => format!("Tryk på {key} for at tage styringen tilbage."),
            Language::French => {
                format!("Appuyez sur la touche {key} pour reprendre le contrôle.")
            }
            Language::Japanese => format!("{key} キーを押すと操作権を取り戻せます。"),
        }
    }

    /// A hot key's name as its key cap says it on this language's
    /// keyboards.
    pub fn key(self, key: KeyName) -> &'static str {
        match (key, self.language) {
            (KeyName::Pause, _) => "Pause",
            (KeyName::ScrollLock, Language::French) => "Arrêt défil",
            (KeyName::ScrollLock, _) => "Scroll Lock",
        }
    }

    pub fn stop_sharing(self) -> &'static str {
        match self.language {
            Language::English => "Stop sharing",
            Language::Danish => "Stop deling",
            Language::French => "Arrêter le partage",
            Language::Japanese => "共有を停止",
        }
    }

    pub fn take_back_control(self) -> &'static str {
        match self.language {
            Language::English => "Take back control",
            Language::Danish => "Tag styringen tilbage",
            Language::French => "Reprendre le contrôle",
            Language::Japanese => "操作権を取り戻す",
        }
    }

    /// Every phrase, with names, labels and counts of ASCII filled in:
    /// the text these words put on the screen besides what is shared.
    pub fn phrases(self) -> Vec<String> {
        let mut phrases = vec![
            self.title().to_owned(),
            self.shared_with("A"),
            self.shared_with_support().to_owned(),
            self.untitled_window().to_owned(),
            self.controls("A", "B"),
            self.someone_controls("B"),
            self.and_more(1),
            self.and_more(2),
            self.nothing_shared().to_owned(),
            self.stop_sharing().to_owned(),
            self.take_back_control().to_owned(),
        ];
        phrases.extend(KeyName::ALL.map(|key| self.press_to_take_back(key)));
        phrases
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::indicator::text::{CoreFont, Glyphs};

    #[test]
    fn a_locale_names_its_language_and_anything_else_is_english() {
        let cases = [
            ("da_DK.UTF-8", Language::Danish),
            ("da", Language::Danish),
            ("fr_FR", Language::French),
            ("fr_CA.UTF-8", Language::French),
            ("fr_BE@euro", Language::French),
            ("ja_JP.UTF-8", Language::Japanese),
            ("ja_JP.eucJP", Language::Japanese),
            ("JA_JP", Language::Japanese),
            ("en_US.UTF-8", Language::English),
            ("en_DK.UTF-8", Language::English),
            ("de_DE.UTF-8", Language::English),
            ("C", Language::English),
            ("C.UTF-8", Language::English),
            ("POSIX", Language::English),
            ("", Language::English),
            ("_", Language::English),
            ("dansk", Language::English),
            ("\u{FFFD}", Language::English),
        ];
        for (locale, language) in cases {
            assert_eq!(Language::from_locale(locale), language, "{locale:?}");
        }
    }

    #[test]
    fn lc_all_then_lc_messages_then_lang_and_empty_is_unset() {
        let from = Language::from_locale_variables;
        assert_eq!(
            from(Some("fr_FR.UTF-8"), Some("da_DK"), Some("ja_JP")),
            Language::French
        );
        assert_eq!(from(None, Some("da_DK"), Some("ja_JP")), Language::Danish);
        assert_eq!(
            from(Some(""), Some("da_DK"), Some("ja_JP")),
            Language::Danish
        );
        assert_eq!(from(None, None, Some("ja_JP.UTF-8")), Language::Japanese);
        assert_eq!(from(Some(""), Some(""), Some("ja_JP")), Language::Japanese);
        assert_eq!(from(None, None, None), Language::English);
        assert_eq!(from(Some(""), Some(""), Some("")), Language::English);
        // The first one set decides, even when it names no language of ours.
        assert_eq!(
            from(Some("C"), Some("da_DK"), Some("fr_FR")),
            Language::English
        );
        assert_eq!(from(None, Some("POSIX"), Some("fr_FR")), Language::English);
        assert_eq!(from(None, Some("de_DE"), Some("ja_JP")), Language::English);
    }

    #[test]
    fn every_phrase_is_said_in_every_language() {
        for language in Language::ALL {
            let words = Words::new(language);
            for phrase in words.phrases() {
                assert!(!phrase.trim().is_empty(), "{language:?}: an empty phrase");
                assert!(!phrase.contains(['{', '}']), "{language:?}: {phrase}");
            }
            if language != Language::English {
                let english = Words::new(Language::English).phrases();
                for (phrase, english) in words.phrases().iter().zip(&english) {
                    assert_ne!(phrase, english, "{language:?} says it in English");
                }
            }
        }
    }

    #[test]
    fn names_labels_counts_and_keys_are_put_in_their_places() {
        let expected = [
            (
                Language::English,
                [
                    "Shared with Carl Support:",
                    "Ann controls Terminal",
                    "Someone controls Terminal",
                    "and 3 more",
                    "Press Scroll Lock to take back control.",
                ],
            ),
            (
                Language::Danish,
                [
                    "Delt med Carl Support:",
                    "Ann styrer Terminal",
                    "Nogen styrer Terminal",
                    "og 3 mere",
                    "Tryk på Scroll Lock for at tage styringen tilbage.",
                ],
            ),
            (
                Language::French,
                [
                    "Partagé avec Carl Support\u{a0}:",
                    "Ann contrôle Terminal",
                    "Quelqu’un contrôle Terminal",
                    "et 3 autres",
                    "Appuyez sur la touche Arrêt défil pour reprendre le contrôle.",
                ],
            ),
            (
                Language::Japanese,
                [
                    "共有先：Carl Support",
                    "Ann が Terminal を操作しています",
                    "誰かが Terminal を操作しています",
                    "ほか 3 件",
                    "Scroll Lock キーを押すと操作権を取り戻せます。",
                ],
            ),
        ];
        for (language, phrases) in expected {
            let words = Words::new(language);
            let said = [
                words.shared_with("Carl Support"),
                words.controls("Ann", "Terminal"),
                words.someone_controls("Terminal"),
                words.and_more(3),
                words.press_to_take_back(KeyName::ScrollLock),
            ];
            assert_eq!(said, phrases, "{language:?}");
        }
        let french = Words::new(Language::French);
        assert_eq!(french.and_more(1), "et 1 autre");
        assert_eq!(
            french.press_to_take_back(KeyName::Pause),
            "Appuyez sur la touche Pause pour reprendre le contrôle."
        );
    }

    #[test]
    fn the_buttons_say_what_tethers_pages_say() {
        // The customer's page's Stop sharing, the Applications panel's
        // Take control back.
        let buttons = |language| {
            let words = Words::new(language);
            (words.stop_sharing(), words.take_back_control())
        };
        assert_eq!(
            buttons(Language::English),
            ("Stop sharing", "Take back control")
        );
        assert_eq!(
            buttons(Language::Danish),
            ("Stop deling", "Tag styringen tilbage")
        );
        assert_eq!(
            buttons(Language::French),
            ("Arrêter le partage", "Reprendre le contrôle")
        );
        assert_eq!(
            buttons(Language::Japanese),
            ("共有を停止", "操作権を取り戻す")
        );
    }

    /// Latin-1 and the typographic marks' fallbacks only, like `fixed`.
    fn latin1() -> FontSet {
        FontSet::from_fonts(vec![CoreFont::fake(
            1,
            11,
            2,
            Glyphs::fake('\u{0}', '\u{ff}', 6, &[]),
        )])
    }

    #[test]
    fn without_japanese_fonts_the_indicator_speaks_english() {
        let fonts = latin1();
        for language in [Language::English, Language::Danish, Language::French] {
            assert_eq!(
                Words::new(language).legible_with(&fonts).language(),
                language,
                "Latin-1 writes it (’ as ')"
            );
        }
        assert_eq!(
            Words::new(Language::Japanese)
                .legible_with(&fonts)
                .language(),
            Language::English
        );
        // With kana, kanji and the full-width marks it is Japanese.
        let japanese = FontSet::from_fonts(vec![
            CoreFont::fake(1, 11, 2, Glyphs::fake('\u{0}', '\u{ff}', 6, &[])),
            CoreFont::fake(2, 14, 4, Glyphs::fake('\u{3000}', '\u{9fff}', 12, &[])),
            CoreFont::fake(3, 14, 4, Glyphs::fake('\u{ff00}', '\u{ffef}', 12, &[])),
        ]);
        assert_eq!(
            Words::new(Language::Japanese)
                .legible_with(&japanese)
                .language(),
            Language::Japanese
        );
        // One character missing is enough to fall back.
        let without_one = FontSet::from_fonts(vec![
            CoreFont::fake(1, 11, 2, Glyphs::fake('\u{0}', '\u{ff}', 6, &[])),
            CoreFont::fake(2, 14, 4, Glyphs::fake('\u{3000}', '\u{9fff}', 12, &['操'])),
            CoreFont::fake(3, 14, 4, Glyphs::fake('\u{ff00}', '\u{ffef}', 12, &[])),
        ]);
        assert_eq!(
            Words::new(Language::Japanese)
                .legible_with(&without_one)
                .language(),
            Language::English
        );
    }
}
