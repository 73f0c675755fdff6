//! Stream frames: the binary WebSocket frames of an open stream (an
//! application's picture from the customer's agent to the CSRs' consoles,
//! and their input and acknowledgements back).
//!
//! Control stays in JSON text frames; a stream's binary frames are relayed
//! by the kernel without being parsed beyond this header, and never pass
//! through a plugin. Every binary frame is one header and a payload:
//!
//! | bytes | field | meaning |
//! |---|---|---|
//! | 0 | version | [`STREAM_FRAME_VERSION`] |
//! | 1 | kind | [`FrameKind`] |
//! | 2 | flags | [`FrameFlags`]: bit 0 keyframe; other bits must be 0 |
//! | 3 | reserved | must be 0 |
//! | 4–7 | stream | stream id, big-endian, never 0 |
//! | 8–11 | sequence | big-endian; for acks, the sequence acknowledged |
//! | 12… | payload | picture: a [`Picture`] (codec, size, encoded bytes); input: JSON ([`InputEvent`]); ack: empty; keyframe request: empty or one [`Decoders`] byte |
//!
//! A frame that does not decode is refused before anything looks at its
//! stream id.

use serde::{Deserialize, Serialize};

/// The header layout this crate speaks.
pub const STREAM_FRAME_VERSION: u8 = 1;
/// Bytes before the payload.
pub const STREAM_HEADER_BYTES: usize = 12;
/// Largest picture payload: a keyframe of a large window fits with room.
pub const MAX_PICTURE_BYTES: usize = 4 * 1024 * 1024;
/// Largest input payload (one pointer or key event as JSON).
pub const MAX_INPUT_BYTES: usize = 1024;

/// A stream's id: chosen by the kernel when a plugin opens the stream,
/// unique among the streams open on that kernel, never 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
#[serde(try_from = "u32", into = "u32")]
pub struct StreamId(u32);

impl TryFrom<u32> for StreamId {
    type Error = &'static str;

    fn try_from(id: u32) -> Result<StreamId, &'static str> {
        StreamId::new(id).ok_or("stream id 0 is never a stream")
    }
}

impl From<StreamId> for u32 {
    fn from(id: StreamId) -> u32 {
        id.0
    }
}

impl StreamId {
    /// `None` for 0, which is never a stream.
    pub fn new(id: u32) -> Option<StreamId> {
        (id != 0).then_some(StreamId(id))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a frame carries, and so which way it may travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// Source → viewers: one encoded picture.
    Picture,
    /// Viewer → source: a pointer or key event (control only).
    Input,
    /// Viewer → source: the picture with this sequence was shown; the
    /// source may send the next (pacing).
    Ack,
    /// Viewer (or the kernel) → source: send a keyframe next.
    KeyframeRequest,
}

impl FrameKind {
    fn from_byte(byte: u8) -> Option<FrameKind> {
        match byte {
            1 => Some(FrameKind::Picture),
            2 => Some(FrameKind::Input),
            3 => Some(FrameKind::Ack),
            4 => Some(FrameKind::KeyframeRequest),
            _ => None,
        }
    }

    fn byte(self) -> u8 {
        match self {
            FrameKind::Picture => 1,
            FrameKind::Input => 2,
            FrameKind::Ack => 3,
            FrameKind::KeyframeRequest => 4,
        }
    }

    /// Whether the stream's source sends this kind (else its viewers do).
    pub fn from_source(self) -> bool {
        matches!(self, FrameKind::Picture)
    }

    fn max_payload(self) -> usize {
        match self {
            FrameKind::Picture => MAX_PICTURE_BYTES,
            FrameKind::Input => MAX_INPUT_BYTES,
            FrameKind::Ack => 0,
            FrameKind::KeyframeRequest => 1,
        }
    }
}

/// Frame flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FrameFlags {
    /// The picture decodes on its own (a viewer may start or resume here).
    pub keyframe: bool,
}

const KEYFRAME_BIT: u8 = 0b0000_0001;

/// One decoded frame; the payload borrows the received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFrame<'a> {
    pub kind: FrameKind,
    pub flags: FrameFlags,
    pub stream: StreamId,
    pub sequence: u32,
    pub payload: &'a [u8],
}

/// Why a binary frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamFrameError {
    #[error("a stream frame has a {STREAM_HEADER_BYTES}-byte header; this one has {0} bytes")]
    TooShort(usize),
    #[error("stream frame version {0} is not spoken here (this is {STREAM_FRAME_VERSION})")]
    Version(u8),
    #[error("unknown stream frame kind {0}")]
    UnknownKind(u8),
    #[error("unknown stream frame flags {0:#04x}")]
    UnknownFlags(u8),
    #[error("the reserved header byte must be 0")]
    Reserved,
    #[error("stream id 0 is never a stream")]
    NoStream,
    #[error("a {kind:?} frame carries at most {limit} payload bytes; this one has {size}")]
    TooLarge {
        kind: FrameKind,
        size: usize,
        limit: usize,
    },
}

impl<'a> StreamFrame<'a> {
    /// Decodes and checks one binary frame.
    pub fn decode(bytes: &'a [u8]) -> Result<StreamFrame<'a>, StreamFrameError> {
        let Some((header, payload)) = bytes.split_first_chunk::<STREAM_HEADER_BYTES>() else {
            return Err(StreamFrameError::TooShort(bytes.len()));
        };
        if header[0] != STREAM_FRAME_VERSION {
            return Err(StreamFrameError::Version(header[0]));
        }
        let kind =
            FrameKind::from_byte(header[1]).ok_or(StreamFrameError::UnknownKind(header[1]))?;
        if header[2] & !KEYFRAME_BIT != 0 {
            return Err(StreamFrameError::UnknownFlags(header[2]));
        }
        if header[3] != 0 {
            return Err(StreamFrameError::Reserved);
        }
        let stream = StreamId::new(u32::from_be_bytes([
            header[4], header[5], header[6], header[7],
        ]))
        .ok_or(StreamFrameError::NoStream)?;
        let sequence = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
        if payload.len() > kind.max_payload() {
            return Err(StreamFrameError::TooLarge {
                kind,
                size: payload.len(),
                limit: kind.max_payload(),
            });
        }
        Ok(StreamFrame {
            kind,
            flags: FrameFlags {
                keyframe: header[2] & KEYFRAME_BIT != 0,
            },
            stream,
            sequence,
            payload,
        })
    }

    /// The header for a frame like this one.
    pub fn header(&self) -> [u8; STREAM_HEADER_BYTES] {
        let mut header = [0u8; STREAM_HEADER_BYTES];
        header[0] = STREAM_FRAME_VERSION;
        header[1] = self.kind.byte();
        header[2] = if self.flags.keyframe { KEYFRAME_BIT } else { 0 };
        header[4..8].copy_from_slice(&self.stream.get().to_be_bytes());
        header[8..12].copy_from_slice(&self.sequence.to_be_bytes());
        header
    }

    /// Header and payload, ready to send.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(STREAM_HEADER_BYTES + self.payload.len());
        bytes.extend_from_slice(&self.header());
        bytes.extend_from_slice(self.payload);
        bytes
    }
}

/// How a picture is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// VP8 (WebCodecs `VideoDecoder`, codec string `vp8`): keyframes and
    /// the frames that follow them.
    Vp8,
    /// One baseline JPEG per picture, each a keyframe (where the viewer
    /// cannot decode video, or the agent has no VP8 encoder).
    Jpeg,
}

impl Codec {
    fn from_byte(byte: u8) -> Option<Codec> {
        match byte {
            1 => Some(Codec::Vp8),
            2 => Some(Codec::Jpeg),
            _ => None,
        }
    }

    fn byte(self) -> u8 {
        match self {
            Codec::Vp8 => 1,
            Codec::Jpeg => 2,
        }
    }
}

/// Bytes of a picture payload before the encoded data.
pub const PICTURE_PREFIX_BYTES: usize = 6;

/// The payload of a [`FrameKind::Picture`] frame: a 6-byte prefix — codec
/// (1 VP8, 2 JPEG), a reserved 0, width and height in pixels (big-endian
/// u16, never 0) — and the encoded picture. The size is the shared
/// window's, which input coordinates refer to; a change of size always
/// comes with a keyframe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picture<'a> {
    pub codec: Codec,
    pub width: u16,
    pub height: u16,
    pub data: &'a [u8],
}

/// Why a picture payload was refused (by a viewer: the kernel relays it
/// without looking).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error("a picture has a {PICTURE_PREFIX_BYTES}-byte prefix; this one has {0} bytes")]
    TooShort(usize),
    #[error("unknown picture codec {0}")]
    UnknownCodec(u8),
    #[error("the reserved picture byte must be 0")]
    Reserved,
    #[error("a picture is at least 1×1 pixels; this one says {width}×{height}")]
    Empty { width: u16, height: u16 },
}

impl<'a> Picture<'a> {
    pub fn decode(payload: &'a [u8]) -> Result<Picture<'a>, PictureError> {
        let Some((prefix, data)) = payload.split_first_chunk::<PICTURE_PREFIX_BYTES>() else {
            return Err(PictureError::TooShort(payload.len()));
        };
        let codec = Codec::from_byte(prefix[0]).ok_or(PictureError::UnknownCodec(prefix[0]))?;
        if prefix[1] != 0 {
            return Err(PictureError::Reserved);
        }
        let width = u16::from_be_bytes([prefix[2], prefix[3]]);
        let height = u16::from_be_bytes([prefix[4], prefix[5]]);
        if width == 0 || height == 0 {
            return Err(PictureError::Empty { width, height });
        }
        Ok(Picture {
            codec,
            width,
            height,
            data,
        })
    }

    /// The prefix for a picture like this one.
    pub fn prefix(&self) -> [u8; PICTURE_PREFIX_BYTES] {
        let [w0, w1] = self.width.to_be_bytes();
        let [h0, h1] = self.height.to_be_bytes();
        [self.codec.byte(), 0, w0, w1, h0, h1]
    }

    /// Prefix and data: the payload of a picture frame.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(PICTURE_PREFIX_BYTES + self.data.len());
        bytes.extend_from_slice(&self.prefix());
        bytes.extend_from_slice(self.data);
        bytes
    }
}

/// What a viewer can decode, the optional one-byte payload of a
/// [`FrameKind::KeyframeRequest`]: bit 0 VP8, bit 1 JPEG. A viewer without
/// VP8 (no WebCodecs, as on plain http to a LAN address) says so, and the
/// source sends JPEG on that stream from the keyframe on. A request without
/// a payload (the kernel's own) changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decoders {
    pub vp8: bool,
    pub jpeg: bool,
}

const VP8_BIT: u8 = 0b01;
const JPEG_BIT: u8 = 0b10;

impl Decoders {
    /// `None` for an empty payload (nothing said); an error for unknown
    /// bits or a viewer that says it decodes nothing.
    pub fn decode(payload: &[u8]) -> Result<Option<Decoders>, String> {
        match payload {
            [] => Ok(None),
            [byte] if byte & !(VP8_BIT | JPEG_BIT) != 0 => {
                Err(format!("unknown decoder bits {byte:#04x}"))
            }
            [0] => Err("a viewer that decodes nothing cannot ask for a keyframe".to_owned()),
            [byte] => Ok(Some(Decoders {
                vp8: byte & VP8_BIT != 0,
                jpeg: byte & JPEG_BIT != 0,
            })),
            _ => Err(format!(
                "a keyframe request carries at most one byte; this one has {}",
                payload.len()
            )),
        }
    }

    pub fn byte(self) -> u8 {
        (if self.vp8 { VP8_BIT } else { 0 }) | (if self.jpeg { JPEG_BIT } else { 0 })
    }
}

/// A viewer's input, the payload of an [`FrameKind::Input`] frame.
/// Coordinates are in the shared window's pixels, from its top-left corner;
/// the agent translates them to the screen and refuses anything outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InputEvent {
    PointerMove {
        x: u32,
        y: u32,
    },
    /// Button 1 left, 2 middle, 3 right, 4/5 wheel up/down.
    PointerButton {
        x: u32,
        y: u32,
        button: u8,
        pressed: bool,
    },
    /// An X keysym (the browser's key mapped to it by the viewer).
    Key {
        keysym: u32,
        pressed: bool,
    },
}

impl InputEvent {
    /// Decodes an input payload; anything else is refused.
    pub fn decode(payload: &[u8]) -> Result<InputEvent, String> {
        let event: InputEvent = serde_json::from_slice(payload)
            .map_err(|error| format!("not an input event: {error}"))?;
        if let InputEvent::PointerButton { button, .. } = event
            && !(1..=5).contains(&button)
        {
            return Err(format!("pointer button {button} does not exist (1 to 5)"));
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: FrameKind, payload: &[u8]) -> Vec<u8> {
        StreamFrame {
            kind,
            flags: FrameFlags { keyframe: true },
            stream: StreamId::new(7).expect("not 0"),
            sequence: 41,
            payload,
        }
        .encode()
    }

    #[test]
    fn every_kind_round_trips() {
        for kind in [
            FrameKind::Picture,
            FrameKind::Input,
            FrameKind::Ack,
            FrameKind::KeyframeRequest,
        ] {
            let payload: &[u8] = match kind {
                FrameKind::Picture => b"picture bytes",
                FrameKind::Input => br#"{"type":"key","keysym":65,"pressed":true}"#,
                _ => b"",
            };
            let bytes = frame(kind, payload);
            let decoded = StreamFrame::decode(&bytes).expect("decodes");
            assert_eq!(decoded.kind, kind);
            assert!(decoded.flags.keyframe);
            assert_eq!(decoded.stream.get(), 7);
            assert_eq!(decoded.sequence, 41);
            assert_eq!(decoded.payload, payload);
            assert_eq!(decoded.encode(), bytes);
        }
    }

    #[test]
    fn broken_headers_are_refused_with_the_reason() {
        let good = frame(FrameKind::Picture, b"x");
        let with = |index: usize, value: u8| {
            let mut bytes = good.clone();
            bytes[index] = value;
            bytes
        };
        let cases: Vec<(Vec<u8>, StreamFrameError)> = vec![
            (good[..11].to_vec(), StreamFrameError::TooShort(11)),
            (with(0, 2), StreamFrameError::Version(2)),
            (with(1, 0), StreamFrameError::UnknownKind(0)),
            (with(1, 9), StreamFrameError::UnknownKind(9)),
            (with(2, 0b10), StreamFrameError::UnknownFlags(0b10)),
            (with(3, 1), StreamFrameError::Reserved),
            (
                {
                    let mut bytes = good.clone();
                    bytes[4..8].copy_from_slice(&[0, 0, 0, 0]);
                    bytes
                },
                StreamFrameError::NoStream,
            ),
            (
                frame(FrameKind::Ack, b"payload where none belongs"),
                StreamFrameError::TooLarge {
                    kind: FrameKind::Ack,
                    size: 26,
                    limit: 0,
                },
            ),
            (
                frame(FrameKind::Input, &[b' '; MAX_INPUT_BYTES + 1]),
                StreamFrameError::TooLarge {
                    kind: FrameKind::Input,
                    size: MAX_INPUT_BYTES + 1,
                    limit: MAX_INPUT_BYTES,
                },
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(StreamFrame::decode(&bytes), Err(expected));
        }
    }

    #[test]
    fn pictures_round_trip_and_bad_prefixes_are_refused() {
        let picture = Picture {
            codec: Codec::Jpeg,
            width: 1280,
            height: 720,
            data: b"\xff\xd8jpeg",
        };
        let bytes = picture.encode();
        assert_eq!(&bytes[..6], &[2, 0, 0x05, 0x00, 0x02, 0xd0]);
        assert_eq!(Picture::decode(&bytes), Ok(picture));
        assert_eq!(
            Picture::decode(&[1, 0, 0, 1, 0, 1]).map(|p| (p.codec, p.data.len())),
            Ok((Codec::Vp8, 0))
        );
        let cases: Vec<(&[u8], PictureError)> = vec![
            (&[1, 0, 0, 1, 0], PictureError::TooShort(5)),
            (&[3, 0, 0, 1, 0, 1], PictureError::UnknownCodec(3)),
            (&[1, 7, 0, 1, 0, 1], PictureError::Reserved),
            (
                &[1, 0, 0, 0, 0, 1],
                PictureError::Empty {
                    width: 0,
                    height: 1,
                },
            ),
        ];
        for (payload, expected) in cases {
            assert_eq!(Picture::decode(payload), Err(expected));
        }
    }

    #[test]
    fn keyframe_requests_may_say_what_the_viewer_decodes() {
        let both = Decoders {
            vp8: true,
            jpeg: true,
        };
        assert_eq!(Decoders::decode(&[]), Ok(None));
        assert_eq!(Decoders::decode(&[both.byte()]), Ok(Some(both)));
        let jpeg_only = Decoders {
            vp8: false,
            jpeg: true,
        };
        assert_eq!(Decoders::decode(&[0b10]), Ok(Some(jpeg_only)));
        assert!(Decoders::decode(&[0]).is_err());
        assert!(Decoders::decode(&[0b100]).is_err());
        assert!(Decoders::decode(&[1, 2]).is_err());
        let request = frame(FrameKind::KeyframeRequest, &[jpeg_only.byte()]);
        assert_eq!(
            StreamFrame::decode(&request).map(|f| f.payload.to_vec()),
            Ok(vec![0b10])
        );
        assert_eq!(
            StreamFrame::decode(&frame(FrameKind::KeyframeRequest, &[1, 2])),
            Err(StreamFrameError::TooLarge {
                kind: FrameKind::KeyframeRequest,
                size: 2,
                limit: 1
            })
        );
    }

    #[test]
    fn only_pictures_come_from_the_source() {
        assert!(FrameKind::Picture.from_source());
        for kind in [FrameKind::Input, FrameKind::Ack, FrameKind::KeyframeRequest] {
            assert!(!kind.from_source());
        }
    }

    #[test]
    fn input_events_are_checked() {
        assert_eq!(
            InputEvent::decode(
                br#"{"type":"pointer_button","x":3,"y":4,"button":1,"pressed":true}"#
            ),
            Ok(InputEvent::PointerButton {
                x: 3,
                y: 4,
                button: 1,
                pressed: true
            })
        );
        for bad in [
            &br#"{"type":"pointer_button","x":3,"y":4,"button":9,"pressed":true}"#[..],
            br#"{"type":"pointer_move","x":-1,"y":4}"#,
            br#"{"type":"key","keysym":65,"pressed":true,"shell":"rm"}"#,
            br#"{"type":"launch"}"#,
            b"\xff",
        ] {
            assert!(
                InputEvent::decode(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
