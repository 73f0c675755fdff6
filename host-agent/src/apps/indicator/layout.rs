//! What the indicator says and where: a heading per audience ("Shared
//! with Carl Support:"), what is shared with them one per line below it
//! ("Carl Customer controls Terminal" while a customer controls it), how
//! to take control back, and the buttons at the bottom right: Take back
//! control (while someone controls) and Stop sharing. Pure: the list and
//! the fonts' measures go in, positions come out.

use super::Shown;
use super::text::FontSet;

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

pub const STOP_SHARING: &str = "Stop sharing";
pub const TAKE_BACK_CONTROL: &str = "Take back control";

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

/// Lays out `shown` with `fonts`, no line of text wider than
/// `max_text_width` (longer ones end in an ellipsis). `hot_key`: the
/// name of the key that takes control back, if one could be claimed.
pub fn lay_out(
    shown: &[Shown],
    fonts: &FontSet,
    max_text_width: u32,
    hot_key: Option<&str>,
) -> Layout {
    let mut texts: Vec<(String, Style)> = Vec::new();
    let mut listed = 0;
    for (viewers, items) in by_audience(shown) {
        if listed == MAX_LISTED {
            break;
        }
        texts.push((heading(viewers), Style::Heading));
        for item in items {
            if listed == MAX_LISTED {
                break;
            }
            texts.push((item_text(item), Style::Item));
            listed += 1;
        }
    }
    let controlled = shown.iter().any(|item| item.controller.is_some());
    if shown.is_empty() {
        texts.push(("Nothing is shared.".to_owned(), Style::Note));
    } else if listed < shown.len() {
        texts.push((format!("and {} more", shown.len() - listed), Style::Note));
    }
    if let (true, Some(key)) = (controlled, hot_key) {
        texts.push((format!("Press {key} to take back control."), Style::Note));
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
    let button_width = |label: &str| fonts.width(label) + 2 * BUTTON_PAD_X;
    let stop_width = button_width(STOP_SHARING);
    let take_back_width = controlled.then(|| button_width(TAKE_BACK_CONTROL));
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
    let stop = button(STOP_SHARING, stop_x, stop_width);
    let take_back =
        take_back_width.map(|w| button(TAKE_BACK_CONTROL, stop_x - BUTTON_SPACING - w, w));
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

fn heading(viewers: &str) -> String {
    if viewers.is_empty() {
        "Shared with support:".to_owned()
    } else {
        format!("Shared with {viewers}:")
    }
}

fn item_text(item: &Shown) -> String {
    let label = item.label.trim();
    let label = if label.is_empty() {
        "(a window without a title)"
    } else {
        label
    };
    match item.controller.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("{name} controls {label}"),
        Some(_) => format!("Someone controls {label}"),
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
        let layout = lay_out(&[shown(&long, "Carl")], &fonts(), 300, None);
        let item = &layout.lines[1].text;
        assert!(item.ends_with('…'), "{item}");
        assert!(fonts().width(item) <= 300 - INDENT);
        assert_eq!(item.chars().count(), (300 - INDENT) as usize / 6);
        assert_eq!(layout.width, INDENT + fonts().width(item) + 2 * PADDING);
        // A line that fits is left as it is.
        let layout = lay_out(&[shown("Short", "Carl")], &fonts(), 300, None);
        assert_eq!(layout.lines[1].text, "Short");
    }

    #[test]
    fn many_shared_things_are_counted_after_the_first_few() {
        let many: Vec<Shown> = (0..12)
            .map(|i| shown(&format!("Window {i}"), "Carl"))
            .collect();
        let layout = lay_out(&many, &fonts(), 400, None);
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
        let layout = lay_out(&[], &fonts(), 400, None);
        assert_eq!(texts(&layout), ["Nothing is shared."]);
        assert!(layout.width >= MIN_WIDTH);
        let layout = lay_out(&[shown("  ", " ")], &fonts(), 400, None);
        assert_eq!(
            texts(&layout),
            ["Shared with support:", "(a window without a title)"]
        );
    }

    #[test]
    fn more_lines_make_a_taller_window() {
        let one = lay_out(&[shown("One", "Carl")], &fonts(), 400, None);
        let two = lay_out(
            &[shown("One", "Carl"), shown("Two", "Carl")],
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
        let layout = lay_out(&list, &fonts(), 400, Some("Pause"));
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
        let without_key = lay_out(&list, &fonts(), 400, None);
        assert_eq!(texts(&without_key).len(), 3);
        assert!(without_key.take_back.is_some());
        // Control over: back to the button and lines of before.
        let over = lay_out(
            &[
                shown("Terminal", "Carl Customer"),
                shown("Editor", "Carl Customer"),
            ],
            &fonts(),
            400,
            Some("Pause"),
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
        let layout = lay_out(&[controlled("A", "B", "C")], &fonts(), 400, None);
        let row =
            layout.stop.rect.width + BUTTON_SPACING + layout.take_back.expect("button").rect.width;
        assert_eq!(layout.width, row + 2 * PADDING);
        // A controller without a name is still said.
        let layout = lay_out(&[controlled("Terminal", "B", " ")], &fonts(), 400, None);
        assert_eq!(layout.lines[1].text, "Someone controls Terminal");
    }
}
