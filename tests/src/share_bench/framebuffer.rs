//! The RFB viewer's copy of the remote picture: RGB, three bytes a pixel.

use super::marks::luma_of_rgb;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framebuffer {
    pub width: u32,
    pub height: u32,
    rgb: Vec<u8>,
}

/// A rectangle outside the picture.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rectangle {w}×{h} at ({x}, {y}) is outside the {width}×{height} picture")]
pub struct OutOfBounds {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub width: u32,
    pub height: u32,
}

impl Framebuffer {
    pub fn new(width: u32, height: u32) -> Framebuffer {
        Framebuffer {
            width,
            height,
            rgb: vec![0; (width * height * 3) as usize],
        }
    }

    /// The rectangle, checked.
    pub fn check(&self, x: u32, y: u32, w: u32, h: u32) -> Result<(), OutOfBounds> {
        if x.checked_add(w).is_some_and(|r| r <= self.width)
            && y.checked_add(h).is_some_and(|b| b <= self.height)
        {
            Ok(())
        } else {
            Err(OutOfBounds {
                x,
                y,
                w,
                h,
                width: self.width,
                height: self.height,
            })
        }
    }

    /// Writes `pixels(i)` (the i-th pixel of the rectangle, row by row).
    pub fn put(
        &mut self,
        x: u32,
        y: u32,
        w: u32,
        h: u32,
        mut pixel: impl FnMut(usize) -> [u8; 3],
    ) -> Result<(), OutOfBounds> {
        self.check(x, y, w, h)?;
        let mut i = 0;
        for row in y..y + h {
            let start = ((row * self.width + x) * 3) as usize;
            for out in self.rgb[start..start + (w * 3) as usize].chunks_exact_mut(3) {
                out.copy_from_slice(&pixel(i));
                i += 1;
            }
        }
        Ok(())
    }

    /// CopyRect: the rectangle at (`src_x`, `src_y`) copied to (`x`, `y`).
    pub fn copy_within(
        &mut self,
        src_x: u32,
        src_y: u32,
        x: u32,
        y: u32,
        w: u32,
        h: u32,
    ) -> Result<(), OutOfBounds> {
        self.check(src_x, src_y, w, h)?;
        self.check(x, y, w, h)?;
        let mut copied = Vec::with_capacity((w * h * 3) as usize);
        for row in src_y..src_y + h {
            let start = ((row * self.width + src_x) * 3) as usize;
            copied.extend_from_slice(&self.rgb[start..start + (w * 3) as usize]);
        }
        self.put(x, y, w, h, |i| {
            [copied[i * 3], copied[i * 3 + 1], copied[i * 3 + 2]]
        })
    }

    pub fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        let at = ((y * self.width + x) * 3) as usize;
        [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
    }

    pub fn luma(&self, x: u32, y: u32) -> u8 {
        let [r, g, b] = self.rgb(x, y);
        luma_of_rgb(r, g, b)
    }
}
