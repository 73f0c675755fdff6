//! Writing on the indicator with the X server's own core fonts, so the
//! customer's computer needs no font file and no rasteriser: the
//! `misc-fixed` faces every X server has (`fixed` at least, built in), in
//! their Unicode (ISO 10646) encodings where installed, with the Japanese
//! and Korean faces of the same family for what the first has no glyph
//! for. A character no opened font draws becomes `?` (a few punctuation
//! marks first become their ASCII look-alikes). Text runs left to right
//! one glyph per character: no shaping, no right-to-left.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{Char2b, ConnectionExt as _, Font, QueryFontReply};

use super::IndicatorError;

/// The face the text is written in, the first that opens: 9×18 where the
/// misc-fixed Unicode fonts are installed (most desktops), else smaller
/// ones, else `fixed`, which every X server has built in (Latin-1).
pub const MAIN_FACES: &[&str] = &[
    "-misc-fixed-medium-r-normal--18-*-*-*-*-*-iso10646-1",
    "-misc-fixed-medium-r-normal--15-*-*-*-*-*-iso10646-1",
    "-misc-fixed-medium-r-normal--13-*-*-*-*-*-iso10646-1",
    "fixed",
];

/// Faces for the characters the main one lacks (Japanese kana and kanji,
/// Hangul), each used where it opens.
pub const FALLBACK_FACES: &[&str] = &[
    "-misc-fixed-medium-r-normal-ja-18-*-*-*-*-*-iso10646-1",
    "-misc-fixed-medium-r-normal-ko-18-*-*-*-*-*-iso10646-1",
];

/// Most characters one `ImageText16` request takes.
pub const MAX_RUN: usize = 255;

/// Which characters a font draws, and how wide each is, from its
/// `QueryFont` answer.
#[derive(Debug, Clone)]
pub struct Glyphs {
    min_byte1: u8,
    max_byte1: u8,
    min_byte2: u16,
    max_byte2: u16,
    /// Advance of each glyph, in the font's order; `None` where the font
    /// has no glyph. Empty when every glyph has `uniform` width.
    widths: Vec<Option<u16>>,
    uniform: u16,
}

impl Glyphs {
    pub fn from_reply(reply: &QueryFontReply) -> Glyphs {
        let widths = reply
            .char_infos
            .iter()
            .map(|info| {
                let missing = info.left_side_bearing == 0
                    && info.right_side_bearing == 0
                    && info.character_width == 0
                    && info.ascent == 0
                    && info.descent == 0
                    && info.attributes == 0;
                (!missing).then(|| info.character_width.max(0).unsigned_abs())
            })
            .collect();
        Glyphs {
            min_byte1: reply.min_byte1,
            max_byte1: reply.max_byte1,
            min_byte2: reply.min_char_or_byte2,
            max_byte2: reply.max_char_or_byte2,
            widths,
            uniform: reply.max_bounds.character_width.max(0).unsigned_abs(),
        }
    }

    /// The advance of `c`, or `None` when this font cannot draw it.
    pub fn width(&self, c: char) -> Option<u16> {
        let code = u16::try_from(u32::from(c)).ok()?;
        let index = if self.min_byte1 == 0 && self.max_byte1 == 0 {
            // A linear font: the code itself indexes it.
            if code < self.min_byte2 || code > self.max_byte2 {
                return None;
            }
            usize::from(code - self.min_byte2)
        } else {
            let [byte1, byte2] = code.to_be_bytes();
            let byte2 = u16::from(byte2);
            if byte1 < self.min_byte1
                || byte1 > self.max_byte1
                || byte2 < self.min_byte2
                || byte2 > self.max_byte2
            {
                return None;
            }
            let row = usize::from(self.max_byte2 - self.min_byte2) + 1;
            usize::from(byte1 - self.min_byte1) * row + usize::from(byte2 - self.min_byte2)
        };
        if self.widths.is_empty() {
            return Some(self.uniform);
        }
        self.widths.get(index).copied().flatten()
    }
}

/// One opened core font.
#[derive(Debug)]
pub struct CoreFont {
    pub id: Font,
    pub ascent: u16,
    pub descent: u16,
    glyphs: Glyphs,
}

/// A stretch of text in one font, ready for `ImageText16`.
#[derive(Debug, Clone)]
pub struct Run {
    /// Which of the set's fonts.
    pub font: usize,
    pub chars: Vec<Char2b>,
    pub width: u32,
}

/// The fonts the indicator writes with: the main one first, then the
/// fallbacks, each character in the first that has it.
#[derive(Debug)]
pub struct FontSet {
    fonts: Vec<CoreFont>,
}

impl FontSet {
    /// Opens the first of `main` that the server has, and each of
    /// `fallbacks` it has; an error only when none of `main` opens.
    pub fn open(
        connection: &impl Connection,
        main: &[&str],
        fallbacks: &[&str],
    ) -> Result<FontSet, IndicatorError> {
        let first = main
            .iter()
            .find_map(|name| open_font(connection, name).transpose())
            .transpose()?
            .ok_or_else(|| IndicatorError::NoFont(main.join(", ")))?;
        let mut fonts = vec![first];
        for name in fallbacks {
            if let Some(font) = open_font(connection, name)? {
                fonts.push(font);
            }
        }
        Ok(FontSet { fonts })
    }

    #[cfg(test)]
    pub fn from_fonts(fonts: Vec<CoreFont>) -> FontSet {
        FontSet { fonts }
    }

    pub fn fonts(&self) -> &[CoreFont] {
        &self.fonts
    }

    /// Above the baseline, the most of any font's.
    pub fn ascent(&self) -> u16 {
        self.fonts.iter().map(|f| f.ascent).max().unwrap_or(0)
    }

    /// Baseline to baseline.
    pub fn line_height(&self) -> u16 {
        self.ascent() + self.fonts.iter().map(|f| f.descent).max().unwrap_or(0)
    }

    /// `text` as these fonts can write it: control characters become
    /// spaces, characters no font has become an ASCII look-alike or `?`.
    pub fn displayable(&self, text: &str) -> String {
        let mut shown = String::with_capacity(text.len());
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            if self.font_for(c).is_some() {
                shown.push(c);
                continue;
            }
            let substitute = ascii_look_alike(c).unwrap_or("?");
            if substitute.chars().all(|s| self.font_for(s).is_some()) {
                shown.push_str(substitute);
            } else {
                shown.push('?');
            }
        }
        shown
    }

    /// Whether these fonts write `text` without a `?` for a character they
    /// lack (an ASCII look-alike will do).
    pub fn writes(&self, text: &str) -> bool {
        text.chars().all(|c| {
            c.is_control()
                || self.font_for(c).is_some()
                || ascii_look_alike(c).is_some_and(|substitute| {
                    substitute.chars().all(|s| self.font_for(s).is_some())
                })
        })
    }

    /// How wide `text` (already [`displayable`](Self::displayable)) is.
    pub fn width(&self, text: &str) -> u32 {
        text.chars()
            .filter_map(|c| self.font_for(c).map(|(_, width)| u32::from(width)))
            .sum()
    }

    /// The ellipsis that ends a shortened line.
    pub fn ellipsis(&self) -> &'static str {
        if self.font_for('…').is_some() {
            "…"
        } else {
            "..."
        }
    }

    /// `text` cut into runs of one font each (and of at most
    /// [`MAX_RUN`] characters); characters no font has are
    /// left out (call [`displayable`](Self::displayable) first).
    pub fn runs(&self, text: &str) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for c in text.chars() {
            let Some((font, width)) = self.font_for(c) else {
                continue;
            };
            let [byte1, byte2] = u16::try_from(u32::from(c)).unwrap_or(0).to_be_bytes();
            let char2b = Char2b { byte1, byte2 };
            match runs.last_mut() {
                Some(run) if run.font == font && run.chars.len() < MAX_RUN => {
                    run.chars.push(char2b);
                    run.width += u32::from(width);
                }
                _ => runs.push(Run {
                    font,
                    chars: vec![char2b],
                    width: u32::from(width),
                }),
            }
        }
        runs
    }

    fn font_for(&self, c: char) -> Option<(usize, u16)> {
        self.fonts
            .iter()
            .enumerate()
            .find_map(|(index, font)| font.glyphs.width(c).map(|width| (index, width)))
    }
}

impl CoreFont {
    #[cfg(test)]
    pub fn fake(id: Font, ascent: u16, descent: u16, glyphs: Glyphs) -> CoreFont {
        CoreFont {
            id,
            ascent,
            descent,
            glyphs,
        }
    }
}

#[cfg(test)]
impl Glyphs {
    /// A linear font drawing the characters `first..=last`, each `width`
    /// wide, except `missing`.
    pub fn fake(first: char, last: char, width: u16, missing: &[char]) -> Glyphs {
        let (first, last) = (u32::from(first), u32::from(last));
        Glyphs {
            min_byte1: 0,
            max_byte1: 0,
            min_byte2: u16::try_from(first).expect("in the BMP"),
            max_byte2: u16::try_from(last).expect("in the BMP"),
            widths: (first..=last)
                .map(|code| {
                    let c = char::from_u32(code).expect("a character");
                    (!missing.contains(&c)).then_some(width)
                })
                .collect(),
            uniform: width,
        }
    }
}

/// Opens `name` and reads its glyphs; `None` when the server has no such
/// font.
fn open_font(connection: &impl Connection, name: &str) -> Result<Option<CoreFont>, IndicatorError> {
    let id = connection.generate_id()?;
    if connection.open_font(id, name.as_bytes())?.check().is_err() {
        tracing::debug!(font = name, "core font not available");
        return Ok(None);
    }
    let reply = connection.query_font(id)?.reply()?;
    tracing::debug!(
        font = name,
        glyphs = reply.char_infos.len(),
        "core font opened"
    );
    Ok(Some(CoreFont {
        id,
        ascent: reply.font_ascent.max(0).unsigned_abs(),
        descent: reply.font_descent.max(0).unsigned_abs(),
        glyphs: Glyphs::from_reply(&reply),
    }))
}

/// What a typographic mark looks like in ASCII, for fonts without it.
fn ascii_look_alike(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => "\"",
        '\u{2026}' => "...",
        '\u{2022}' | '\u{00B7}' => "*",
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{3000}' => " ",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Latin-1 only, like the built-in `fixed`.
    fn latin1() -> FontSet {
        FontSet::from_fonts(vec![CoreFont::fake(
            1,
            11,
            2,
            Glyphs::fake('\u{0}', '\u{ff}', 6, &[]),
        )])
    }

    /// Latin-1 at 6 px, then kana at 12 px, like misc-fixed and its
    /// Japanese face.
    fn with_kana() -> FontSet {
        FontSet::from_fonts(vec![
            CoreFont::fake(1, 11, 2, Glyphs::fake('\u{0}', '\u{ff}', 6, &[])),
            CoreFont::fake(2, 14, 4, Glyphs::fake('\u{3040}', '\u{30ff}', 12, &[])),
        ])
    }

    #[test]
    fn characters_no_font_has_become_look_alikes_or_question_marks() {
        let fonts = latin1();
        assert_eq!(fonts.displayable("Café — “notes”…"), "Café - \"notes\"...");
        assert_eq!(fonts.displayable("メモ 🙂"), "?? ?");
        assert_eq!(fonts.displayable("a\tb\nc"), "a b c");
        assert_eq!(fonts.ellipsis(), "...");
        assert!(fonts.writes("Café — “notes”…\t"));
        assert!(!fonts.writes("メモ"));
        assert!(!fonts.writes("a 🙂"));
    }

    #[test]
    fn a_fallback_font_writes_what_the_main_one_lacks() {
        let fonts = with_kana();
        assert_eq!(fonts.displayable("メモ – x"), "メモ - x");
        assert!(fonts.writes("メモ – x"));
        assert!(!fonts.writes("日本"), "no kanji in this set");
        let runs = fonts.runs("ab メモ");
        let fonts_used: Vec<usize> = runs.iter().map(|r| r.font).collect();
        assert_eq!(fonts_used, [0, 1]);
        assert_eq!(runs[0].width, 3 * 6);
        assert_eq!(runs[1].width, 2 * 12);
        let first_kana = &runs[1].chars[0];
        assert_eq!((first_kana.byte1, first_kana.byte2), (0x30, 0xE1));
        assert_eq!(fonts.width("ab メモ"), 3 * 6 + 2 * 12);
        assert_eq!(fonts.ascent(), 14);
        assert_eq!(fonts.line_height(), 18);
    }

    #[test]
    fn a_missing_glyph_inside_a_fonts_range_is_not_drawn_by_it() {
        let fonts = FontSet::from_fonts(vec![CoreFont::fake(
            1,
            10,
            2,
            Glyphs::fake(' ', '~', 7, &['#']),
        )]);
        assert_eq!(fonts.displayable("a#b"), "a?b");
        assert_eq!(fonts.displayable("é"), "?");
    }

    #[test]
    fn long_runs_are_cut_to_what_one_request_takes() {
        let runs = latin1().runs(&"x".repeat(600));
        let lengths: Vec<usize> = runs.iter().map(|r| r.chars.len()).collect();
        assert_eq!(lengths, [255, 255, 90]);
        assert_eq!(runs[0].width, 255 * 6);
    }

    #[test]
    fn a_two_byte_font_is_indexed_by_row_and_column() {
        let glyphs = Glyphs {
            min_byte1: 0x30,
            max_byte1: 0x31,
            min_byte2: 0x40,
            max_byte2: 0x41,
            // Rows 0x30 and 0x31, columns 0x40 and 0x41.
            widths: vec![Some(1), None, Some(3), Some(4)],
            uniform: 9,
        };
        assert_eq!(glyphs.width('\u{3040}'), Some(1));
        assert_eq!(glyphs.width('\u{3041}'), None);
        assert_eq!(glyphs.width('\u{3140}'), Some(3));
        assert_eq!(glyphs.width('\u{3141}'), Some(4));
        assert_eq!(glyphs.width('\u{3042}'), None);
        assert_eq!(glyphs.width('\u{3240}'), None);
        assert_eq!(glyphs.width('a'), None);
        assert_eq!(glyphs.width('\u{1F642}'), None);
    }
}
