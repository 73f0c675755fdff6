//! The shared window's BGRx pixels as I420, the input VP8 encodes: a
//! full-size luma plane (Y) and two chroma planes (U, V) of half the width
//! and half the height, in BT.601 studio range — what a VP8 stream that
//! says nothing about colour is decoded as (WebCodecs included).
//!
//! The conversion itself is `dcv-color-primitives` (integer arithmetic,
//! AVX2 or SSE2 chosen at run time). Planes are stored with even
//! dimensions: a window of odd width or height gets its last column or row
//! repeated, so each chroma sample always covers a full 2×2 block and the
//! encoder never reads undefined bytes.

use dcv_color_primitives::{ColorSpace, ImageFormat, PixelFormat, convert_image};

use super::EncodeError;

/// One picture in I420, reused from frame to frame while the size holds.
pub struct I420 {
    width: u16,
    height: u16,
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
}

impl I420 {
    /// Planes for pictures of `width`×`height` pixels (not 0).
    pub fn new(width: u16, height: u16) -> I420 {
        let (luma, chroma) = (
            even(width) * even(height),
            (even(width) / 2) * (even(height) / 2),
        );
        I420 {
            width,
            height,
            y: vec![0; luma],
            u: vec![128; chroma],
            v: vec![128; chroma],
        }
    }

    pub fn width(&self) -> u16 {
        self.width
    }

    pub fn height(&self) -> u16 {
        self.height
    }

    /// Bytes per row of the Y plane (the width rounded up to even).
    pub fn y_stride(&self) -> usize {
        even(self.width)
    }

    /// Bytes per row of the U and V planes.
    pub fn chroma_stride(&self) -> usize {
        even(self.width) / 2
    }

    /// Rows of the Y plane (the height rounded up to even).
    pub fn stored_height(&self) -> usize {
        even(self.height)
    }

    pub fn planes_mut(&mut self) -> [&mut [u8]; 3] {
        [&mut self.y, &mut self.u, &mut self.v]
    }

    #[cfg(test)]
    pub fn planes(&self) -> [&[u8]; 3] {
        [&self.y, &self.u, &self.v]
    }

    /// Converts `bgrx` (B, G, R, unused per pixel; rows of `width * 4`
    /// bytes) of this picture's size into the planes.
    pub fn fill_from_bgrx(&mut self, bgrx: &[u8]) -> Result<(), EncodeError> {
        let (width, height) = (usize::from(self.width), usize::from(self.height));
        if bgrx.len() != width * height * 4 {
            return Err(EncodeError::FrameSize {
                width: self.width,
                height: self.height,
                expected: width * height * 4,
                actual: bgrx.len(),
            });
        }
        let source = ImageFormat {
            pixel_format: PixelFormat::Bgra,
            color_space: ColorSpace::Rgb,
            num_planes: 1,
        };
        let target = ImageFormat {
            pixel_format: PixelFormat::I420,
            color_space: ColorSpace::Bt601,
            num_planes: 3,
        };
        let y_stride = self.y_stride();
        let chroma_stride = self.chroma_stride();
        convert_image(
            u32::from(self.width),
            u32::from(self.height),
            &source,
            Some(&[width * 4]),
            &[bgrx],
            &target,
            Some(&[y_stride, chroma_stride, chroma_stride]),
            &mut [&mut self.y, &mut self.u, &mut self.v],
        )
        .map_err(|error| EncodeError::Conversion(error.to_string()))?;
        self.pad_luma();
        Ok(())
    }

    /// Repeats the last column and row of Y into the even padding.
    fn pad_luma(&mut self) {
        let (width, height) = (usize::from(self.width), usize::from(self.height));
        let stride = self.y_stride();
        if width % 2 == 1 {
            for row in self.y.chunks_exact_mut(stride).take(height) {
                row[width] = row[width - 1];
            }
        }
        if height % 2 == 1 {
            let (above, last) = self.y.split_at_mut(height * stride);
            last[..stride].copy_from_slice(&above[(height - 1) * stride..]);
        }
    }
}

/// `n` rounded up to even.
fn even(n: u16) -> usize {
    usize::from(n) + usize::from(n % 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bgrx(pixels: &[[u8; 3]]) -> Vec<u8> {
        pixels
            .iter()
            .flat_map(|&[r, g, b]| [b, g, r, 0xff])
            .collect()
    }

    fn converted(width: u16, height: u16, pixels: &[[u8; 3]]) -> I420 {
        let mut picture = I420::new(width, height);
        picture.fill_from_bgrx(&bgrx(pixels)).expect("converted");
        picture
    }

    fn assert_near(actual: u8, expected: u8, what: &str) {
        assert!(
            actual.abs_diff(expected) <= 1,
            "{what}: {actual}, expected {expected} ± 1"
        );
    }

    /// BT.601 studio range, from the standard's formulas:
    /// Y = 16 + 65.481 R' + 128.553 G' + 24.966 B' (R', G', B' in 0..1), …
    #[test]
    fn colours_convert_to_their_bt601_studio_values() {
        let known: [([u8; 3], [u8; 3]); 7] = [
            ([0, 0, 0], [16, 128, 128]),
            ([255, 255, 255], [235, 128, 128]),
            ([255, 0, 0], [81, 90, 240]),
            ([0, 255, 0], [145, 54, 34]),
            ([0, 0, 255], [41, 240, 110]),
            ([0x33, 0x99, 0xcc], [126, 166, 80]),
            ([128, 128, 128], [126, 128, 128]),
        ];
        for (rgb, [y, u, v]) in known {
            let picture = converted(2, 2, &[rgb; 4]);
            let [ys, us, vs] = picture.planes();
            for &sample in ys {
                assert_near(sample, y, &format!("Y of {rgb:?}"));
            }
            assert_near(us[0], u, &format!("U of {rgb:?}"));
            assert_near(vs[0], v, &format!("V of {rgb:?}"));
        }
    }

    #[test]
    fn chroma_is_the_mean_of_its_two_by_two_block() {
        // Red over blue, left and right the same: U and V are the means.
        let red = [255, 0, 0];
        let blue = [0, 0, 255];
        let picture = converted(2, 2, &[red, red, blue, blue]);
        let [ys, us, vs] = picture.planes();
        assert_near(ys[0], 81, "Y red");
        assert_near(ys[2], 41, "Y blue");
        assert_near(us[0], 165, "U"); // (90 + 240) / 2
        assert_near(vs[0], 175, "V"); // (240 + 110) / 2
    }

    #[test]
    fn odd_sizes_repeat_their_last_column_and_row() {
        // 3×3: a white last column and a black last row.
        let (w, b, g) = ([255; 3], [0; 3], [128; 3]);
        let picture = converted(3, 3, &[g, g, w, g, g, w, b, b, b]);
        assert_eq!(
            (
                picture.y_stride(),
                picture.chroma_stride(),
                picture.stored_height()
            ),
            (4, 2, 4)
        );
        let [ys, us, vs] = picture.planes();
        assert_eq!((ys.len(), us.len(), vs.len()), (16, 4, 4));
        // The padding column repeats the white one; the padding row the black.
        assert_eq!(ys[3], ys[2]);
        assert_eq!(ys[7], ys[6]);
        assert_eq!(&ys[12..16], &ys[8..12]);
        assert_near(ys[2], 235, "white");
        assert_near(ys[12], 16, "black");
    }

    #[test]
    fn a_picture_of_the_wrong_length_changes_nothing() {
        let mut picture = converted(2, 2, &[[255, 0, 0]; 4]);
        let before: Vec<Vec<u8>> = picture.planes().iter().map(|p| p.to_vec()).collect();
        let error = picture.fill_from_bgrx(&[0; 12]).expect_err("refused");
        assert!(matches!(
            error,
            EncodeError::FrameSize {
                expected: 16,
                actual: 12,
                ..
            }
        ));
        let after: Vec<Vec<u8>> = picture.planes().iter().map(|p| p.to_vec()).collect();
        assert_eq!(before, after);
    }
}
