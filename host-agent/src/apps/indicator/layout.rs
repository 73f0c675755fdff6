//! What the indicator says and where: a heading per audience ("Shared
//! with Carl Support:"), what is shared with them one per line below it
//! ("Carl Customer controls Terminal" while a customer controls it), how
//! to take control back, and the buttons at the bottom right: Take back
//! control (while someone controls) and Stop sharing. Pure: the list, the
//! words of the customer's language and the fonts' measures go in,
//! positions come out.

use super::Shown;
use super::keys::KeyName;
use super::text::FontSet;
use super::words::Words;

/// Room around everything.
const PADDING: u32 = 12;
/// The coloured band along the top that makes the window stand out.
pub const STRIPE: u32 = 5;
/// How far what is shared is indented under its heading.
const INDENT: u32 = 14;
const LINE_GAP: u32 = 2;
const GROUP_GAP: u32 = 6;
const BUTTON_GAP: u32 = 10;
const BUTTON_PAD_X: u32 = 14;
const BUTTON_PAD_Y: u32 = 6;
/// Between two buttons side by side.
const BUTTON_SPACING: u32 = 10;
/// Narrowest the window gets, so it never looks like a stray pixel.
const MIN_WIDTH: u32 = 220;
/// Most shared things listed; the rest are counted.
pub const MAX_LISTED: usize = 8;

/// How a line is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// "Shared with …:"
    Heading,
    /// A shared thing's label.
    Item,
    /// "and 3 more", "Nothing is shared.", "Press Pause to take back
    /// control."
    Note,
}

/// A line of text and where its baseline starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub text: String,
    pub x: u32,
    pub baseline: u32,
    pub style: Style,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// A button: where it is in the window, and its label in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub rect: Rect,
    pub label: Placed,
}

/// The window's size and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub width: u32,
    pub height: u32,
    pub lines: Vec<Placed>,
    pub stop: Button,
    /// There while someone controls something shared.
    pub take_back: Option<Button>,
}

/// Lays out `shown` in `words` with `fonts`, no line of text wider than
/// `max_text_width` (longer ones end in an ellipsis). `hot_key`: the key
/// that takes control back, if one could be claimed.
pub fn lay_out(
    shown: &[Shown],
    words: Words,
    fonts: &FontSet,
    max_text_width: u32,
    hot_key: Option<KeyName>,
) -> Layout {
    let mut texts: Vec<(String, Style)> = Vec::new();
    let mut listed = 0;
    for (viewers, items) in by_audience(shown) {
        if listed == MAX_LISTED {
            break;
        }
        texts.push((heading(words, viewers), Style::Heading));
        for item in items {
            if listed == MAX_LISTED {
                break;
            }
            texts.push((item_text(words, item), Style::Item));
            listed += 1;
        }
    }
    let controlled = shown.iter().any(|item| item.controller.is_some());
    if shown.is_empty() {
        texts.push((words.nothing_shared().to_owned(), Style::Note));
    } else if listed < shown.len() {
        texts.push((words.and_more(shown.len() - listed), Style::Note));
    }
    if let (true, Some(key)) = (controlled, hot_key) {
        texts.push((words.press_to_take_back(key), Style::Note));
    }

    let ascent = u32::from(fonts.ascent());
    let line_height = u32::from(fonts.line_height());
    let mut lines = Vec::with_capacity(texts.len());
    let mut y = STRIPE + PADDING;
    let mut widest = 0;
    for (index, (text, style)) in texts.into_iter().enumerate() {
        if style == Style::Heading && index > 0 {
            y += GROUP_GAP;
        }
        let indent = if style == Style::Heading { 0 } else { INDENT };
        let text = fit(
            &fonts.displayable(&text),
            fonts,
            max_text_width.saturating_sub(indent),
        );
        widest = widest.max(indent + fonts.width(&text));
        lines.push(Placed {
            text,
            x: PADDING + indent,
            baseline: y + ascent,
            style,
        });
        y += line_height + LINE_GAP;
    }

    // The buttons side by side at the bottom right, Stop sharing last.
    let button_height = line_height + 2 * BUTTON_PAD_Y;
    let stop_label = fonts.displayable(words.stop_sharing());
    let take_back_label = fonts.displayable(words.take_back_control());
    let button_width = |label: &str| fonts.width(label) + 2 * BUTTON_PAD_X;
    let stop_width = button_width(&stop_label);
    let take_back_width = controlled.then(|| button_width(&take_back_label));
    let row_width = stop_width + take_back_width.map_or(0, |w| w + BUTTON_SPACING);
    let width = (widest.max(row_width) + 2 * PADDING).max(MIN_WIDTH);
    let row_y = y - LINE_GAP + BUTTON_GAP;
    let button = |label: &str, x: u32, width: u32| Button {
        rect: Rect {
            x,
            y: row_y,
            width,
            height: button_height,
        },
        label: Placed {
            text: label.to_owned(),
            x: BUTTON_PAD_X,
            baseline: BUTTON_PAD_Y + ascent,
            style: Style::Item,
        },
    };
    let stop_x = width - PADDING - stop_width;
    let stop = button(&stop_label, stop_x, stop_width);
    let take_back =
        take_back_width.map(|w| button(&take_back_label, stop_x - BUTTON_SPACING - w, w));
    Layout {
        width,
        height: row_y + button_height + PADDING,
        lines,
        stop,
        take_back,
    }
}

/// The shared things by whom they are shared with, in the order first
/// shown.
fn by_audience(shown: &[Shown]) -> Vec<(&str, Vec<&Shown>)> {
    let mut groups: Vec<(&str, Vec<&Shown>)> = Vec::new();
    for item in shown {
        let viewers = item.viewers.trim();
        match groups.iter_mut().find(|(v, _)| *v == viewers) {
            Some((_, items)) => items.push(item),
            None => groups.push((viewers, vec![item])),
        }
    }
    groups
}

fn heading(words: Words, viewers: &str) -> String {
    if viewers.is_empty() {
        words.shared_with_support().to_owned()
    } else {
        words.shared_with(viewers)
    }
}

fn item_text(words: Words, item: &Shown) -> String {
    let label = item.label.trim();
    let label = if label.is_empty() {
        words.untitled_window()
    } else {
        label
    };
    match item.controller.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => words.controls(name, label),
        Some(_) => words.someone_controls(label),
        None => label.to_owned(),
    }
}

/// `text`, or as much of it as fits in `max_width` with an ellipsis.
fn fit(text: &str, fonts: &FontSet, max_width: u32) -> String {
    if fonts.width(text) <= max_width {
        return text.to_owned();
    }
    let ellipsis = fonts.ellipsis();
    let room = max_width.saturating_sub(fonts.width(ellipsis));
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let width = fonts.width(c.encode_utf8(&mut [0; 4]));
        if used + width > room {
            break;
        }
        used += width;
        kept.push(c);
    }
    format!("{}{ellipsis}", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::indicator::text::{CoreFont, Glyphs};
    use crate::apps::indicator::words::Language;

    fn english() -> Words {
        Words::new(Language::English)
    }

    /// Latin-1 and '…', every glyph 6 px wide, 13 px lines.
    fn fonts() -> FontSet {
        FontSet::from_fonts(vec![
            CoreFont::fake(1, 11, 2, Glyphs::fake('\u{0}', '\u{ff}', 6, &[])),
            CoreFont::fake(2, 11, 2, Glyphs::fake('\u{2026}', '\u{2026}', 6, &[])),
        ])
    }

    fn shown(label: &str, viewers: &str) -> Shown {
        Shown {
            label: label.into(),
            viewers: viewers.into(),
            controller: None,
        }
    }

    fn controlled(label: &str, viewers: &str, by: &str) -> Shown {
        Shown {
            controller: Some(by.into()),
            ..shown(label, viewers)
        }
    }

    fn texts(layout: &Layout) -> Vec<&str> {
        layout.lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn names_what_is_shared_under_whom_it_is_shared_with() {
        let layout = lay_out(
            &[
                shown("Terminal", "Carl Support"),
                shown("Editor — notes", "Carl Support, Ann Helper"),
                shown("Calculator", "Carl Support"),
            ],
            english(),
            &fonts(),
            400,
            None,
        );
        assert_eq!(
            texts(&layout),
            [
                "Shared with Carl Support:",
                "Terminal",
                "Calculator",
                "Shared with Carl Support, Ann Helper:",
                "Editor - notes",
            ]
        );
        let styles: Vec<Style> = layout.lines.iter().map(|l| l.style).collect();
        assert_eq!(
            styles,
            [
                Style::Heading,
                Style::Item,
                Style::Item,
                Style::Heading,
                Style::Item
            ]
        );
        // Items indented under their heading, lines going down.
        assert!(layout.lines[1].x > layout.lines[0].x);
        assert!(
            layout
                .lines
                .windows(2)
                .all(|pair| pair[1].baseline > pair[0].baseline)
        );
        // The button below the text, inside the window, at its right.
        let last = layout.lines.last().expect("lines");
        let button = layout.stop.rect;
        assert!(button.y > last.baseline);
        assert_eq!(button.x + button.width + PADDING, layout.width);
        assert!(button.y + button.height < layout.height);
        assert_eq!(layout.stop.label.text, "Stop sharing");
        assert_eq!(layout.take_back, None, "nobody controls anything");
        // As wide as the longest line (37 characters of 6 px) and its padding.
        assert_eq!(layout.width, 37 * 6 + 2 * PADDING);
    }

    #[test]
    fn long_labels_end_in_an_ellipsis_within_the_width() {
        let long = "A".repeat(200);
        let layout = lay_out(&[shown(&long, "Carl")], english(), &fonts(), 300, None);
        let item = &layout.lines[1].text;
        assert!(item.ends_with('…'), "{item}");
        assert!(fonts().width(item) <= 300 - INDENT);
        assert_eq!(item.chars().count(), (300 - INDENT) as usize / 6);
        assert_eq!(layout.width, INDENT + fonts().width(item) + 2 * PADDING);
        // A line that fits is left as it is.
        let layout = lay_out(&[shown("Short", "Carl")], english(), &fonts(), 300, None);
        assert_eq!(layout.lines[1].text, "Short");
    }

    #[test]
    fn many_shared_things_are_counted_after_the_first_few() {
        let many: Vec<Shown> = (0..12)
            .map(|i| shown(&format!("Window {i}"), "Carl"))
            .collect();
        let layout = lay_out(&many, english(), &fonts(), 400, None);
        let items = layout
            .lines
            .iter()
            .filter(|l| l.style == Style::Item)
            .count();
        assert_eq!(items, MAX_LISTED);
        assert_eq!(layout.lines.last().expect("lines").text, "and 4 more");
    }

    #[test]
    fn nothing_shared_untitled_windows_and_nameless_viewers_still_read_well() {
        let layout = lay_out(&[], english(), &fonts(), 400, None);
        assert_eq!(texts(&layout), ["Nothing is shared."]);
        assert!(layout.width >= MIN_WIDTH);
        let layout = lay_out(&[shown("  ", " ")], english(), &fonts(), 400, None);
        assert_eq!(
            texts(&layout),
            ["Shared with support:", "(a window without a title)"]
        );
    }

    #[test]
    fn more_lines_make_a_taller_window() {
        let one = lay_out(&[shown("One", "Carl")], english(), &fonts(), 400, None);
        let two = lay_out(
            &[shown("One", "Carl"), shown("Two", "Carl")],
            english(),
            &fonts(),
            400,
            None,
        );
        assert!(two.height > one.height);
        assert!(two.stop.rect.y > one.stop.rect.y);
    }

    #[test]
    fn while_a_customer_controls_it_says_who_how_to_take_it_back_and_offers_the_button() {
        let list = [
            controlled("Terminal", "Carl Customer", "Carl Customer"),
            shown("Editor", "Carl Customer"),
        ];
        let layout = lay_out(&list, english(), &fonts(), 400, Some(KeyName::Pause));
        assert_eq!(
            texts(&layout),
            [
                "Shared with Carl Customer:",
                "Carl Customer controls Terminal",
                "Editor",
                "Press Pause to take back control.",
            ]
        );
        assert_eq!(layout.lines[3].style, Style::Note);
        let take_back = layout.take_back.clone().expect("Take back control");
        assert_eq!(take_back.label.text, "Take back control");
        // Side by side on one row, Stop sharing at the right, both inside.
        let (back, stop) = (take_back.rect, layout.stop.rect);
        assert_eq!(back.y, stop.y);
        assert_eq!(back.height, stop.height);
        assert_eq!(back.x + back.width + BUTTON_SPACING, stop.x);
        assert!(back.x >= PADDING);
        assert_eq!(stop.x + stop.width + PADDING, layout.width);
        assert_eq!(back.width, 17 * 6 + 2 * BUTTON_PAD_X);

        // No hot key claimed: the button alone.
        let without_key = lay_out(&list, english(), &fonts(), 400, None);
        assert_eq!(texts(&without_key).len(), 3);
        assert!(without_key.take_back.is_some());
        // Control over: back to the button and lines of before.
        let over = lay_out(
            &[
                shown("Terminal", "Carl Customer"),
                shown("Editor", "Carl Customer"),
            ],
            english(),
            &fonts(),
            400,
            Some(KeyName::Pause),
        );
        assert_eq!(
            texts(&over),
            ["Shared with Carl Customer:", "Terminal", "Editor"]
        );
        assert_eq!(over.take_back, None);
        assert!(over.height < layout.height);
    }

    #[test]
    fn a_narrow_list_widens_for_both_buttons() {
        let layout = lay_out(&[controlled("A", "B", "C")], english(), &fonts(), 400, None);
        let row =
            layout.stop.rect.width + BUTTON_SPACING + layout.take_back.expect("button").rect.width;
        assert_eq!(layout.width, row + 2 * PADDING);
        // A controller without a name is still said.
        let layout = lay_out(
            &[controlled("Terminal", "B", " ")],
            english(),
            &fonts(),
            400,
            None,
        );
        assert_eq!(layout.lines[1].text, "Someone controls Terminal");
    }

    /// Latin-1 at 6 px, and kana, kanji and the full-width marks at 12 px
    /// on a taller face, like misc-fixed and its Japanese face.
    fn japanese_fonts() -> FontSet {
        FontSet::from_fonts(vec![
            CoreFont::fake(1, 11, 2, Glyphs::fake('\u{0}', '\u{ff}', 6, &[])),
            CoreFont::fake(2, 16, 2, Glyphs::fake('\u{3000}', '\u{9fff}', 12, &[])),
            CoreFont::fake(3, 16, 2, Glyphs::fake('\u{ff00}', '\u{ffef}', 12, &[])),
        ])
    }

    #[test]
    fn a_japanese_layout_measures_and_places_its_lines() {
        let fonts = japanese_fonts();
        let words = Words::new(Language::Japanese);
        let layout = lay_out(
            &[
                controlled("Terminal", "Carl Customer", "Carl Customer"),
                shown("", "Carl Customer"),
            ],
            words,
            &fonts,
            400,
            Some(KeyName::Pause),
        );
        assert_eq!(
            texts(&layout),
            [
                "共有先：Carl Customer",
                "Carl Customer が Terminal を操作しています",
                "（無題のウィンドウ）",
                "Pause キーを押すと操作権を取り戻せます。",
            ]
        );
        assert!(layout.lines.iter().all(|line| !line.text.contains('?')));
        // Baselines one line (the taller face's 16 + 2 px) and its gap apart.
        let baselines: Vec<u32> = layout.lines.iter().map(|l| l.baseline).collect();
        let first = STRIPE + PADDING + 16;
        let step = 18 + LINE_GAP;
        assert_eq!(
            baselines,
            [first, first + step, first + 2 * step, first + 3 * step]
        );
        // Kanji and kana 12 px wide, Latin 6: the widest line is the
        // controller's, 24 Latin characters and spaces and 9 Japanese.
        assert_eq!(fonts.width(&layout.lines[1].text), 24 * 6 + 9 * 12);
        assert_eq!(layout.width, INDENT + 24 * 6 + 9 * 12 + 2 * PADDING);
        // The buttons in Japanese, as wide as their words.
        let take_back = layout.take_back.clone().expect("操作権を取り戻す");
        assert_eq!(take_back.label.text, "操作権を取り戻す");
        assert_eq!(take_back.rect.width, 8 * 12 + 2 * BUTTON_PAD_X);
        assert_eq!(layout.stop.label.text, "共有を停止");
        assert_eq!(layout.stop.rect.width, 5 * 12 + 2 * BUTTON_PAD_X);
        assert_eq!(layout.stop.rect.height, 18 + 2 * BUTTON_PAD_Y);
        assert_eq!(layout.stop.label.baseline, BUTTON_PAD_Y + 16);
        assert_eq!(
            layout.stop.rect.x + layout.stop.rect.width + PADDING,
            layout.width
        );

        // A long Japanese label is cut to the width, on a character.
        let long = lay_out(
            &[shown(&"日本語".repeat(40), "Carl")],
            words,
            &fonts,
            300,
            None,
        );
        let item = &long.lines[1].text;
        assert!(item.ends_with('…') || item.ends_with("..."), "{item}");
        assert!(fonts.width(item) <= 300 - INDENT);
    }

    #[test]
    fn the_words_come_from_the_language_chosen() {
        let fonts = fonts();
        let list = [controlled("Terminal", "", "Ann"), shown("Editor", "Ann")];
        let layout = lay_out(
            &list,
            Words::new(Language::French),
            &fonts,
            400,
            Some(KeyName::ScrollLock),
        );
        assert_eq!(
            texts(&layout),
            [
                "Partagé avec l'assistance\u{a0}:",
                "Ann contrôle Terminal",
                "Partagé avec Ann\u{a0}:",
                "Editor",
                "Appuyez sur la touche Arrêt défil pour reprendre le contrôle.",
            ]
        );
        assert_eq!(layout.stop.label.text, "Arrêter le partage");
        assert_eq!(
            layout.take_back.expect("button").label.text,
            "Reprendre le contrôle"
        );
        let danish = lay_out(&[], Words::new(Language::Danish), &fonts, 400, None);
        assert_eq!(texts(&danish), ["Intet deles."]);
        assert_eq!(danish.stop.label.text, "Stop deling");
        let many: Vec<Shown> = (0..10).map(|i| shown(&format!("{i}"), "Ann")).collect();
        let danish = lay_out(&many, Words::new(Language::Danish), &fonts, 400, None);
        assert_eq!(danish.lines.last().expect("lines").text, "og 2 mere");
    }
}
