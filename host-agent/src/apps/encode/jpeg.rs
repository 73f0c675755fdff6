//! JPEG pictures (`jpeg-encoder`, pure Rust): for viewers without a VP8
//! decoder and for computers without libvpx. Every picture stands alone,
//! so every one is a keyframe.

use jpeg_encoder::{ColorType, Encoder as JpegWriter};

use super::{Codec, EncodeError, Encoded, Encoder, checked};
use crate::apps::capture::Pixels;

/// Good enough to read text in a shared window at a fraction of the bytes.
const QUALITY: u8 = 75;

pub struct JpegEncoder {
    quality: u8,
}

impl JpegEncoder {
    pub fn new() -> JpegEncoder {
        JpegEncoder { quality: QUALITY }
    }
}

impl Encoder for JpegEncoder {
    fn codec(&self) -> Codec {
        Codec::Jpeg
    }

    fn encode(&mut self, frame: &Pixels<'_>, _keyframe: bool) -> Result<Encoded, EncodeError> {
        checked(frame)?;
        let mut data = Vec::with_capacity(frame.bgrx.len() / 8);
        // `Bgra` reads B, G, R and ignores the fourth byte: BGRx as is.
        JpegWriter::new(&mut data, self.quality)
            .encode(frame.bgrx, frame.width, frame.height, ColorType::Bgra)
            .map_err(|error| EncodeError::Jpeg(error.to_string()))?;
        Ok(Encoded {
            data,
            keyframe: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::encode::tests::solid;

    fn decoded(data: &[u8]) -> (jpeg_decoder::ImageInfo, Vec<u8>) {
        let mut decoder = jpeg_decoder::Decoder::new(data);
        let pixels = decoder.decode().expect("decodes");
        (decoder.info().expect("info"), pixels)
    }

    #[test]
    fn a_picture_decodes_back_to_its_colour_and_size() {
        let colour = [0x33, 0x99, 0xcc];
        let mut encoder = JpegEncoder::new();
        let encoded = encoder
            .encode(&solid(320, 200, colour).pixels(), false)
            .expect("encoded");
        assert!(encoded.keyframe, "every JPEG picture is a keyframe");
        let (info, rgb) = decoded(&encoded.data);
        assert_eq!((info.width, info.height), (320, 200));
        assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
        for pixel in rgb.chunks_exact(3) {
            for (got, want) in pixel.iter().zip(colour) {
                assert!(got.abs_diff(want) <= 4, "{pixel:?} is not {colour:?}");
            }
        }
    }

    #[test]
    fn channels_are_read_in_bgrx_order() {
        // Left half red, right half blue: a swapped channel order would
        // show blue on the left.
        let (width, height) = (16u16, 8u16);
        let mut frame = solid(width, height, [255, 0, 0]);
        for row in frame.bgrx.chunks_exact_mut(usize::from(width) * 4) {
            for pixel in row[usize::from(width) * 2..].chunks_exact_mut(4) {
                pixel.copy_from_slice(&[255, 0, 0, 0]);
            }
        }
        let encoded = JpegEncoder::new()
            .encode(&frame.pixels(), true)
            .expect("encoded");
        let (_, rgb) = decoded(&encoded.data);
        let left = &rgb[3 * 4 * 16 + 3 * 2..][..3];
        let right = &rgb[3 * 4 * 16 + 3 * 13..][..3];
        assert!(left[0] > 200 && left[2] < 60, "left is red: {left:?}");
        assert!(right[2] > 200 && right[0] < 60, "right is blue: {right:?}");
    }

    #[test]
    fn odd_sizes_encode() {
        let encoded = JpegEncoder::new()
            .encode(&solid(33, 17, [10, 200, 30]).pixels(), false)
            .expect("encoded");
        let (info, _) = decoded(&encoded.data);
        assert_eq!((info.width, info.height), (33, 17));
    }
}
