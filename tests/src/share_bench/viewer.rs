//! The headless Tether viewer, doing what the console's viewer does with
//! one stream: it says what it decodes in a keyframe request, decodes
//! every picture (VP8 with libvpx, JPEG in Rust), acknowledges each one
//! once decoded, asks for a keyframe again after a picture that does not
//! decode, and — with control — clicks into the picture. Each picture's
//! marks go to the [`Recorder`].

use std::time::Duration;

use tether_protocol::stream::{
    Codec, Decoders, FrameFlags, FrameKind, InputEvent, Picture, PictureError, StreamFrame,
    StreamFrameError, StreamId,
};

use super::cpu::CpuError;
use super::jpeg::{self, Output};
use super::marks::{Marks, MarksError};
use super::measure::{Phase, Recorder, Stretch};
use super::socket::{SocketError, ViewerSocket};
use super::vp8::{Vp8Decoder, Vp8Error};

/// A picture should come at least this often while the application moves.
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    #[error(transparent)]
    Console(#[from] SocketError),
    #[error("a frame that does not decode: {0}")]
    Frame(#[from] StreamFrameError),
    #[error("a picture that does not decode: {0}")]
    Picture(#[from] PictureError),
    #[error(transparent)]
    Vp8(#[from] Vp8Error),
    #[error(transparent)]
    Cpu(#[from] CpuError),
}

/// What one measured stretch of a stream gave.
#[derive(Debug)]
pub struct Watched {
    pub recorder: Recorder,
    /// Percent of one core per process, as [`Stretch`] was given them.
    pub cpu: Vec<f64>,
    pub measured: Duration,
    /// Measured pictures per codec: (VP8, JPEG).
    pub by_codec: (u64, u64),
    pub keyframes: u64,
    /// Pictures that did not decode (each followed by a keyframe request).
    pub decode_errors: u64,
    /// The size of the last picture.
    pub size: (u16, u16),
}

fn frame(kind: FrameKind, stream: StreamId, sequence: u32, payload: &[u8]) -> Vec<u8> {
    StreamFrame {
        kind,
        flags: FrameFlags::default(),
        stream,
        sequence,
        payload,
    }
    .encode()
}

/// The luma plane of a picture, or why it did not decode.
fn decode(
    picture: &Picture<'_>,
    vp8: &mut Option<Vp8Decoder>,
) -> Result<Option<(u32, u32, Vec<u8>)>, String> {
    match picture.codec {
        Codec::Vp8 => {
            let decoder = match vp8 {
                Some(decoder) => decoder,
                None => vp8.insert(Vp8Decoder::new().map_err(|e| e.to_string())?),
            };
            Ok(decoder
                .decode(picture.data)
                .map_err(|e| e.to_string())?
                .map(|luma| (luma.width, luma.height, luma.pixels)))
        }
        Codec::Jpeg => {
            let decoded = jpeg::decode(picture.data, Output::Luma).map_err(|e| e.to_string())?;
            Ok(Some((decoded.width, decoded.height, decoded.pixels)))
        }
    }
}

/// The viewer of one stream: its VP8 decoder lasts from one measured
/// stretch to the next, as a console's does while the stream is open.
pub struct Viewer {
    stream: StreamId,
    vp8: Option<Vp8Decoder>,
    input_sequence: u32,
}

impl Viewer {
    pub fn new(stream: StreamId) -> Viewer {
        Viewer {
            stream,
            vp8: None,
            input_sequence: 0,
        }
    }

    /// Watches the stream through `stretch`: asks for a keyframe saying
    /// `decoders`, then decodes, reads and acknowledges every picture; with
    /// `click` (window coordinates) it clicks there now and then while
    /// measuring, as the host in control.
    pub async fn watch(
        &mut self,
        console: &mut ViewerSocket,
        decoders: Decoders,
        click: Option<(u32, u32)>,
        mut stretch: Stretch,
    ) -> Result<Watched, ViewerError> {
        let stream = self.stream;
        let keyframe_request = frame(FrameKind::KeyframeRequest, stream, 0, &[decoders.byte()]);
        console.send_frame(keyframe_request.clone()).await?;
        let mut watched = Watched {
            recorder: Recorder::new(),
            cpu: Vec::new(),
            measured: Duration::ZERO,
            by_codec: (0, 0),
            keyframes: 0,
            decode_errors: 0,
            size: (0, 0),
        };
        loop {
            let bytes = console.next_frame(PATIENCE).await?;
            let received = StreamFrame::decode(&bytes)?;
            if received.kind != FrameKind::Picture || received.stream != stream {
                continue;
            }
            let picture = Picture::decode(received.payload)?;
            let decoded = decode(&picture, &mut self.vp8);
            // Shown (or failed): acknowledged either way, so the source
            // goes on.
            console
                .send_frame(frame(FrameKind::Ack, stream, received.sequence, &[]))
                .await?;
            let marks: Result<Marks, MarksError> = match decoded {
                Ok(Some((width, height, luma))) => {
                    Marks::read(width, height, |x, y| luma[(y * width + x) as usize])
                }
                Ok(None) => continue,
                Err(why) => {
                    tracing::warn!(%why, "a picture did not decode; asking for a keyframe");
                    watched.decode_errors += 1;
                    console.send_frame(keyframe_request.clone()).await?;
                    continue;
                }
            };
            match stretch.tick()? {
                Phase::WarmingUp => continue,
                Phase::Done => break,
                Phase::Measuring => {}
            }
            watched.size = (picture.width, picture.height);
            match picture.codec {
                Codec::Vp8 => watched.by_codec.0 += 1,
                Codec::Jpeg => watched.by_codec.1 += 1,
            }
            watched.keyframes += u64::from(received.flags.keyframe);
            watched.recorder.picture(bytes.len() as u64, marks);
            if let Some((x, y)) = click
                && watched.recorder.click_due()
            {
                self.click(console, x, y).await?;
                watched.recorder.clicked();
            }
        }
        watched.cpu = stretch.cpu.clone();
        watched.measured = stretch.measured;
        Ok(watched)
    }

    /// A left click: pressed and released, as two input frames.
    async fn click(
        &mut self,
        console: &mut ViewerSocket,
        x: u32,
        y: u32,
    ) -> Result<(), ViewerError> {
        for pressed in [true, false] {
            let event = InputEvent::PointerButton {
                x,
                y,
                button: 1,
                pressed,
            };
            let payload = serde_json::to_vec(&event).unwrap_or_default();
            self.input_sequence = self.input_sequence.wrapping_add(1);
            console
                .send_frame(frame(
                    FrameKind::Input,
                    self.stream,
                    self.input_sequence,
                    &payload,
                ))
                .await?;
        }
        Ok(())
    }
}
