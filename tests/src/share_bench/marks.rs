//! The machine-readable marks the motion fixture draws into every picture
//! and the benchmark reads back from a decoded one: four rows of 32
//! black or white 16×16 squares in the top-left corner — the frame
//! counter, the time it was drawn (microseconds of the wall clock, modulo
//! 2³²), how many clicks and key presses the window has had, and a check
//! word over the three. Squares of one macroblock, aligned to the 16-pixel
//! grid, survive lossy VP8 and JPEG; the check word turns a misread bit
//! into "unreadable" instead of a wrong number.

use std::time::{SystemTime, UNIX_EPOCH};

/// Side of one square, in pixels.
pub const SQUARE: u32 = 16;
/// Top-left corner of the first row (on the 16-pixel grid).
pub const ORIGIN: (u32, u32) = (16, 16);
/// Bits per row.
pub const BITS: u32 = 32;
/// Rows: frame, time, inputs, check.
pub const ROWS: u32 = 4;
/// The area the marks cover, as `(x, y, width, height)`.
pub const AREA: (u32, u32, u32, u32) = (ORIGIN.0, ORIGIN.1, SQUARE * BITS, SQUARE * ROWS);

/// What one picture says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    /// Frames the fixture drew before this one.
    pub frame: u32,
    /// When it was drawn: [`now_micros`] then.
    pub drawn_micros: u32,
    /// Pointer button and key presses the window had seen by then.
    pub inputs: u32,
}

/// Why marks could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarksError {
    #[error("the picture ({width}×{height}) is too small to hold the marks")]
    TooSmall { width: u32, height: u32 },
    #[error("the check word does not match: a square was misread")]
    Check,
}

/// The wall clock in microseconds, modulo 2³²: the fixture and the
/// benchmark run on one machine, so differences (with wrapping) are
/// latencies as long as they are under an hour.
pub fn now_micros() -> u32 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // Truncation is the point: the clock wraps every 71 minutes.
    since.as_micros() as u32
}

/// Microseconds from `earlier` to `later` on the wrapping clock.
pub fn micros_between(earlier: u32, later: u32) -> u32 {
    later.wrapping_sub(earlier)
}

impl Marks {
    fn check(&self) -> u32 {
        self.frame ^ self.drawn_micros.rotate_left(11) ^ self.inputs.rotate_left(22) ^ 0x5a5a_5a5a
    }

    fn words(&self) -> [u32; ROWS as usize] {
        [self.frame, self.drawn_micros, self.inputs, self.check()]
    }

    /// Every square: its top-left corner and whether it is white (a 1 bit;
    /// most significant bit leftmost).
    pub fn squares(&self) -> impl Iterator<Item = (u32, u32, bool)> + use<> {
        let words = self.words();
        (0..ROWS).flat_map(move |row| {
            (0..BITS).map(move |bit| {
                let white = words[row as usize] >> (BITS - 1 - bit) & 1 == 1;
                (ORIGIN.0 + bit * SQUARE, ORIGIN.1 + row * SQUARE, white)
            })
        })
    }

    /// Reads the marks of a `width`×`height` picture through `luma(x, y)`
    /// (0 black … 255 white): each square is the mean of its middle 8×8
    /// pixels, white above the middle grey.
    pub fn read(
        width: u32,
        height: u32,
        luma: impl Fn(u32, u32) -> u8,
    ) -> Result<Marks, MarksError> {
        let (x, y, w, h) = AREA;
        if width < x + w || height < y + h {
            return Err(MarksError::TooSmall { width, height });
        }
        let inset = SQUARE / 4;
        let mut words = [0u32; ROWS as usize];
        for (row, word) in words.iter_mut().enumerate() {
            for bit in 0..BITS {
                let left = ORIGIN.0 + bit * SQUARE + inset;
                let top = ORIGIN.1 + row as u32 * SQUARE + inset;
                let mut sum = 0u32;
                for dy in 0..SQUARE / 2 {
                    for dx in 0..SQUARE / 2 {
                        sum += u32::from(luma(left + dx, top + dy));
                    }
                }
                let mean = sum / (SQUARE / 2 * SQUARE / 2);
                *word = *word << 1 | u32::from(mean >= 128);
            }
        }
        let [frame, drawn_micros, inputs, check] = words;
        let marks = Marks {
            frame,
            drawn_micros,
            inputs,
        };
        if marks.check() != check {
            return Err(MarksError::Check);
        }
        Ok(marks)
    }
}

/// The luma (BT.601, 0–255) of an RGB pixel.
pub fn luma_of_rgb(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b)) >> 8) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u32 = 640;
    const H: u32 = 120;

    /// A grey picture with `marks` drawn, and `noise` added to every pixel
    /// (as a lossy codec would), as luma.
    fn picture(marks: &Marks, noise: impl Fn(u32, u32) -> i32) -> Vec<u8> {
        let mut pixels = vec![128u8; (W * H) as usize];
        for (x, y, white) in marks.squares() {
            for dy in 0..SQUARE {
                for dx in 0..SQUARE {
                    pixels[((y + dy) * W + x + dx) as usize] = if white { 235 } else { 16 };
                }
            }
        }
        for y in 0..H {
            for x in 0..W {
                let p = &mut pixels[(y * W + x) as usize];
                *p = (i32::from(*p) + noise(x, y)).clamp(0, 255) as u8;
            }
        }
        pixels
    }

    fn read(pixels: &[u8], width: u32, height: u32) -> Result<Marks, MarksError> {
        Marks::read(width, height, |x, y| pixels[(y * W + x) as usize])
    }

    #[test]
    fn marks_read_back_as_drawn_through_compression_noise() {
        let marks = Marks {
            frame: 0xdead_beef,
            drawn_micros: 1_234_567_890,
            inputs: 3,
        };
        let noisy = picture(&marks, |x, y| ((x * 7 + y * 13) % 61) as i32 - 30);
        assert_eq!(read(&noisy, W, H), Ok(marks));
        let zero = Marks {
            frame: 0,
            drawn_micros: 0,
            inputs: 0,
        };
        assert_eq!(read(&picture(&zero, |_, _| 0), W, H), Ok(zero));
    }

    #[test]
    fn a_misread_square_is_unreadable_not_a_wrong_number() {
        let marks = Marks {
            frame: 41,
            drawn_micros: 99,
            inputs: 0,
        };
        let mut pixels = picture(&marks, |_, _| 0);
        // The last bit of the frame counter turns from white to black.
        let (x, y) = (ORIGIN.0 + 31 * SQUARE, ORIGIN.1);
        for dy in 0..SQUARE {
            for dx in 0..SQUARE {
                pixels[((y + dy) * W + x + dx) as usize] = 16;
            }
        }
        assert_eq!(read(&pixels, W, H), Err(MarksError::Check));
    }

    #[test]
    fn a_picture_too_small_for_the_marks_is_refused() {
        let pixels = vec![0u8; (W * H) as usize];
        assert_eq!(
            read(&pixels, 300, H),
            Err(MarksError::TooSmall {
                width: 300,
                height: H
            })
        );
    }

    #[test]
    fn the_clock_wraps_without_breaking_differences() {
        assert_eq!(micros_between(u32::MAX - 5, 10), 16);
        assert_eq!(micros_between(100, 350), 250);
        assert_eq!(luma_of_rgb(255, 255, 255), 255);
        assert_eq!(luma_of_rgb(0, 0, 0), 0);
    }
}
