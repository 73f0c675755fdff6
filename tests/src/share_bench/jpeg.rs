//! JPEG pictures decoded in pure Rust (zune-jpeg): the agent's JPEG
//! pictures and the JPEG rectangles of x11vnc's Tight encoding.

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

/// What a picture is decoded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Three bytes a pixel, red first.
    Rgb,
    /// One byte a pixel (the marks need nothing else).
    Luma,
}

/// A decoded picture, rows top to bottom without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the JPEG does not decode: {0}")]
pub struct JpegError(String);

pub fn decode(data: &[u8], output: Output) -> Result<Decoded, JpegError> {
    let colour = match output {
        Output::Rgb => ColorSpace::RGB,
        Output::Luma => ColorSpace::Luma,
    };
    let options = DecoderOptions::default().jpeg_set_out_colorspace(colour);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(data), options);
    let pixels = decoder
        .decode()
        .map_err(|error| JpegError(format!("{error:?}")))?;
    let info = decoder
        .info()
        .ok_or_else(|| JpegError("no image information".into()))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let per_pixel = match output {
        Output::Rgb => 3,
        Output::Luma => 1,
    };
    if pixels.len() != (width * height) as usize * per_pixel {
        return Err(JpegError(format!(
            "{} bytes for {width}×{height} pixels",
            pixels.len()
        )));
    }
    Ok(Decoded {
        width,
        height,
        pixels,
    })
}
