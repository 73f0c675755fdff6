//! Pixels as the X server gives them and as the encoders take them: which
//! formats the agent reads (true colour, 8 bits per channel, 32 bits per
//! pixel: depth 24 and depth 32 visuals), turning them into B, G, R, x
//! bytes, and drawing a popup's pixels into the window's picture, clipped.
//! Pure: what the server said goes in, bytes come out.

use x11rb::protocol::xproto::{ImageOrder, Setup, VisualClass, Visualid};

/// How a drawable's Z-pixmap bytes become BGRx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelLayout {
    /// The server sends the most significant byte first (x, R, G, B).
    most_significant_first: bool,
}

impl PixelLayout {
    /// The layout of a drawable of `depth` with `visual`; `Err` says why
    /// the agent cannot read it.
    pub fn of(setup: &Setup, depth: u8, visual: Visualid) -> Result<PixelLayout, String> {
        if depth != 24 && depth != 32 {
            return Err(format!("depth {depth} (only 24 and 32 are read)"));
        }
        let format = setup
            .pixmap_formats
            .iter()
            .find(|format| format.depth == depth)
            .ok_or_else(|| format!("the server lists no image format for depth {depth}"))?;
        if format.bits_per_pixel != 32 {
            return Err(format!(
                "{} bits per pixel at depth {depth} (only 32 are read)",
                format.bits_per_pixel
            ));
        }
        let visual_type = setup
            .roots
            .iter()
            .flat_map(|screen| &screen.allowed_depths)
            .filter(|allowed| allowed.depth == depth)
            .flat_map(|allowed| &allowed.visuals)
            .find(|v| v.visual_id == visual)
            .ok_or_else(|| format!("visual {visual:#x} is not one of the server's"))?;
        let channels = (
            visual_type.red_mask,
            visual_type.green_mask,
            visual_type.blue_mask,
        );
        if visual_type.class != VisualClass::TRUE_COLOR
            || channels != (0x00ff_0000, 0x0000_ff00, 0x0000_00ff)
        {
            return Err(format!(
                "visual {visual:#x} is not 8-bit true colour (masks {:#x}, {:#x}, {:#x})",
                channels.0, channels.1, channels.2
            ));
        }
        Ok(PixelLayout {
            most_significant_first: setup.image_byte_order == ImageOrder::MSB_FIRST,
        })
    }

    /// Whether the server's bytes are BGRx already (least significant
    /// byte first: every PC).
    pub fn is_bgrx(self) -> bool {
        !self.most_significant_first
    }

    /// Rewrites `pixels` (4 bytes each, as the server sent them) as BGRx.
    pub fn to_bgrx(self, pixels: &mut [u8]) {
        if self.most_significant_first {
            for pixel in pixels.chunks_exact_mut(4) {
                pixel.reverse();
            }
        }
    }
}

/// A rectangle on the screen (or in a picture), in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u16,
    pub height: u16,
}

impl Rect {
    /// Where both rectangles are; `None` when they do not overlap.
    pub fn intersection(&self, other: &Rect) -> Option<Rect> {
        let left = self.x.max(other.x);
        let top = self.y.max(other.y);
        let right = (self.x + i32::from(self.width)).min(other.x + i32::from(other.width));
        let bottom = (self.y + i32::from(self.height)).min(other.y + i32::from(other.height));
        if right <= left || bottom <= top {
            return None;
        }
        Some(Rect {
            x: left,
            y: top,
            width: u16::try_from(right - left).ok()?,
            height: u16::try_from(bottom - top).ok()?,
        })
    }
}

/// Copies `pixels` (BGRx rows of `area.width`) into `picture` (BGRx rows
/// of `picture_width`) at `area`, whatever of it lies inside the picture.
pub fn paste(picture: &mut [u8], picture_width: u16, pixels: &[u8], area: Rect) {
    let picture_height = picture.len() / (usize::from(picture_width) * 4).max(1);
    let bounds = Rect {
        x: 0,
        y: 0,
        width: picture_width,
        height: u16::try_from(picture_height).unwrap_or(u16::MAX),
    };
    let Some(inside) = bounds.intersection(&area) else {
        return;
    };
    // Offsets are non-negative: `inside` lies within both.
    let skip_x = usize::try_from(inside.x - area.x).unwrap_or(0);
    let skip_y = usize::try_from(inside.y - area.y).unwrap_or(0);
    let (to_x, to_y) = (
        usize::try_from(inside.x).unwrap_or(0),
        usize::try_from(inside.y).unwrap_or(0),
    );
    let row_bytes = usize::from(inside.width) * 4;
    let source_stride = usize::from(area.width) * 4;
    let target_stride = usize::from(picture_width) * 4;
    for row in 0..usize::from(inside.height) {
        let from = (skip_y + row) * source_stride + skip_x * 4;
        let to = (to_y + row) * target_stride + to_x * 4;
        if let (Some(source), Some(target)) = (
            pixels.get(from..from + row_bytes),
            picture.get_mut(to..to + row_bytes),
        ) {
            target.copy_from_slice(source);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x11rb::protocol::xproto::{Depth, Format, Screen, Visualtype};

    fn setup(order: ImageOrder, formats: &[(u8, u8)], visuals: &[(u8, Visualtype)]) -> Setup {
        let allowed_depths = visuals
            .iter()
            .map(|(depth, visual)| Depth {
                depth: *depth,
                visuals: vec![*visual],
            })
            .collect();
        Setup {
            image_byte_order: order,
            pixmap_formats: formats
                .iter()
                .map(|&(depth, bits_per_pixel)| Format {
                    depth,
                    bits_per_pixel,
                    scanline_pad: 32,
                })
                .collect(),
            roots: vec![Screen {
                allowed_depths,
                ..Screen::default()
            }],
            ..Setup::default()
        }
    }

    fn visual(id: Visualid, class: VisualClass, masks: (u32, u32, u32)) -> Visualtype {
        Visualtype {
            visual_id: id,
            class,
            bits_per_rgb_value: 8,
            colormap_entries: 256,
            red_mask: masks.0,
            green_mask: masks.1,
            blue_mask: masks.2,
        }
    }

    const RGB: (u32, u32, u32) = (0xff_0000, 0xff00, 0xff);

    #[test]
    fn depth_24_and_32_true_colour_are_read() {
        let s = setup(
            ImageOrder::LSB_FIRST,
            &[(24, 32), (32, 32)],
            &[
                (24, visual(0x21, VisualClass::TRUE_COLOR, RGB)),
                (32, visual(0x40, VisualClass::TRUE_COLOR, RGB)),
            ],
        );
        let layout = PixelLayout::of(&s, 24, 0x21).expect("depth 24");
        assert_eq!(layout, PixelLayout::of(&s, 32, 0x40).expect("depth 32"));
        // Least significant byte first is BGRx already.
        let mut pixels = vec![1, 2, 3, 4];
        layout.to_bgrx(&mut pixels);
        assert_eq!(pixels, [1, 2, 3, 4]);
    }

    #[test]
    fn most_significant_byte_first_is_reordered() {
        let s = setup(
            ImageOrder::MSB_FIRST,
            &[(24, 32)],
            &[(24, visual(0x21, VisualClass::TRUE_COLOR, RGB))],
        );
        let layout = PixelLayout::of(&s, 24, 0x21).expect("read");
        // x, R, G, B twice.
        let mut pixels = vec![0, 0xcc, 0x99, 0x33, 0, 1, 2, 3];
        layout.to_bgrx(&mut pixels);
        assert_eq!(pixels, [0x33, 0x99, 0xcc, 0, 3, 2, 1, 0]);
    }

    #[test]
    fn other_formats_are_refused_with_the_reason() {
        let s = setup(
            ImageOrder::LSB_FIRST,
            &[(16, 16), (24, 24), (32, 32)],
            &[
                (
                    16,
                    visual(0x10, VisualClass::TRUE_COLOR, (0xf800, 0x7e0, 0x1f)),
                ),
                (24, visual(0x21, VisualClass::TRUE_COLOR, RGB)),
                (
                    32,
                    visual(0x40, VisualClass::TRUE_COLOR, (0xff, 0xff00, 0xff_0000)),
                ),
            ],
        );
        let refused = |depth, visual| PixelLayout::of(&s, depth, visual).expect_err("refused");
        assert!(refused(16, 0x10).contains("depth 16"));
        assert!(refused(24, 0x21).contains("24 bits per pixel"));
        assert!(refused(32, 0x40).contains("not 8-bit true colour"));
        assert!(refused(32, 0x99).contains("not one of the server's"));
        let s = setup(
            ImageOrder::LSB_FIRST,
            &[(24, 32)],
            &[(24, visual(0x22, VisualClass::PSEUDO_COLOR, RGB))],
        );
        assert!(PixelLayout::of(&s, 24, 0x22).is_err());
    }

    #[test]
    fn rectangles_intersect_or_not() {
        let window = Rect {
            x: 40,
            y: 30,
            width: 320,
            height: 200,
        };
        let menu = Rect {
            x: 300,
            y: 100,
            width: 100,
            height: 300,
        };
        assert_eq!(
            window.intersection(&menu),
            Some(Rect {
                x: 300,
                y: 100,
                width: 60,
                height: 130
            })
        );
        let beside = Rect {
            x: 360,
            y: 30,
            width: 10,
            height: 10,
        };
        assert_eq!(window.intersection(&beside), None);
        let far = Rect {
            x: -500,
            y: -500,
            width: 10,
            height: 10,
        };
        assert_eq!(window.intersection(&far), None);
    }

    #[test]
    fn pasting_clips_to_the_picture() {
        // A 4×3 picture of zeros; a 3×2 patch of ones at (2, 2): only its
        // top-left 2×1 lands.
        let mut picture = vec![0u8; 4 * 3 * 4];
        let patch = vec![1u8; 3 * 2 * 4];
        paste(
            &mut picture,
            4,
            &patch,
            Rect {
                x: 2,
                y: 2,
                width: 3,
                height: 2,
            },
        );
        let lit: Vec<usize> = picture
            .chunks_exact(4)
            .enumerate()
            .filter(|(_, p)| p[0] == 1)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(lit, [10, 11]);
        // Starting left of and above the picture.
        let mut picture = vec![0u8; 4 * 3 * 4];
        let mut patch = vec![0u8; 2 * 2 * 4];
        patch[12] = 7; // its bottom-right pixel
        paste(
            &mut picture,
            4,
            &patch,
            Rect {
                x: -1,
                y: -1,
                width: 2,
                height: 2,
            },
        );
        assert_eq!(picture[0], 7);
        assert!(picture[4..].iter().all(|&b| b == 0));
    }
}
