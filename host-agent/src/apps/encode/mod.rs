//! Encoding the shared window's pictures for the viewers: VP8 (libvpx,
//! loaded at run time: see [`vp8`]) where this computer has libvpx, JPEG
//! (pure Rust) otherwise and for viewers that cannot decode VP8.
//!
//! An encoder takes whole pictures ([`Pixels`]) and gives the bytes of one
//! picture payload (after the protocol's 6-byte prefix, which the caller
//! writes).

mod jpeg;
mod vp8;
mod yuv;

use std::sync::Once;

pub use tether_protocol::stream::Codec;

use super::capture::Pixels;

/// One encoded picture.
pub struct Encoded {
    pub data: Vec<u8>,
    /// Whether a viewer can start decoding here (always, for JPEG).
    pub keyframe: bool,
}

/// Turns pictures of the shared window into pictures of one codec.
pub trait Encoder: Send {
    fn codec(&self) -> Codec;
    /// Encodes one frame; `keyframe` forces a keyframe. A frame of another
    /// size than the previous one restarts the encoder and always gives a
    /// keyframe.
    fn encode(&mut self, frame: &Pixels<'_>, keyframe: bool) -> Result<Encoded, EncodeError>;
}

/// Why a picture could not be encoded, in words for the CSR.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("VP8 is not available on this computer: {0}")]
    Unavailable(String),
    #[error("a picture of {width}×{height} pixels needs {expected} bytes; this one has {actual}")]
    FrameSize {
        width: u16,
        height: u16,
        expected: usize,
        actual: usize,
    },
    #[error("converting the picture for VP8 failed: {0}")]
    Conversion(String),
    #[error("the VP8 encoder failed: {0}")]
    Vp8(String),
    #[error("the JPEG encoder failed: {0}")]
    Jpeg(String),
}

/// A VP8 encoder; `Err` says why libvpx cannot be used here (not
/// installed, or a version whose interface this agent does not speak).
pub fn vp8() -> Result<Box<dyn Encoder>, EncodeError> {
    Ok(Box::new(vp8::Vp8Encoder::new()?))
}

/// A JPEG encoder (always available).
pub fn jpeg() -> Box<dyn Encoder> {
    Box::new(jpeg::JpegEncoder::new())
}

/// VP8 where libvpx loads, else JPEG (the reason logged once per agent).
pub fn best() -> Box<dyn Encoder> {
    static TOLD: Once = Once::new();
    match vp8() {
        Ok(encoder) => encoder,
        Err(error) => {
            TOLD.call_once(|| tracing::warn!(%error, "sharing applications as JPEG pictures"));
            jpeg()
        }
    }
}

/// Checks that `frame` holds exactly its size's pixels and is not empty.
fn checked(frame: &Pixels<'_>) -> Result<(), EncodeError> {
    let expected = usize::from(frame.width) * usize::from(frame.height) * 4;
    if expected == 0 || frame.bgrx.len() != expected {
        return Err(EncodeError::FrameSize {
            width: frame.width,
            height: frame.height,
            expected,
            actual: frame.bgrx.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::apps::capture::Frame;

    /// A frame of one colour.
    pub(crate) fn solid(width: u16, height: u16, [r, g, b]: [u8; 3]) -> Frame {
        let pixels = usize::from(width) * usize::from(height);
        Frame {
            width,
            height,
            bgrx: [b, g, r, 0].repeat(pixels),
        }
    }

    #[test]
    fn frames_whose_bytes_do_not_match_their_size_are_refused() {
        let mut short = solid(4, 4, [1, 2, 3]);
        short.bgrx.pop();
        let empty = Frame {
            width: 0,
            height: 3,
            bgrx: Vec::new(),
        };
        for frame in [short, empty] {
            for mut encoder in [jpeg(), best()] {
                let error = encoder
                    .encode(&frame.pixels(), true)
                    .err()
                    .expect("refused");
                assert!(matches!(error, EncodeError::FrameSize { .. }), "{error}");
            }
        }
        assert!(checked(&solid(3, 5, [0, 0, 0]).pixels()).is_ok());
    }

    #[test]
    fn best_is_vp8_where_libvpx_loads() {
        // libvpx is installed where the agent is built and tested (`cargo
        // xtask setup`); without it the agent says why and uses JPEG.
        assert_eq!(best().codec(), Codec::Vp8);
        assert_eq!(jpeg().codec(), Codec::Jpeg);
    }
}
