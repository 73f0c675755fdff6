//! Stream frames as the end-to-end tests of streams build and read them
//! (the protocol's own encoder and decoder), and the kernel's count of
//! frames it refused.

use tether_protocol::stream::{FrameFlags, FrameKind, StreamFrame, StreamId};

use crate::kernel_process::KernelProcess;

/// One frame of `kind` on `stream`.
pub fn frame(
    kind: FrameKind,
    stream: u32,
    sequence: u32,
    keyframe: bool,
    payload: &[u8],
) -> Vec<u8> {
    StreamFrame {
        kind,
        flags: FrameFlags { keyframe },
        stream: StreamId::new(stream).expect("not 0"),
        sequence,
        payload,
    }
    .encode()
}

/// A picture whose bytes say which one it is.
pub fn picture(stream: u32, sequence: u32, keyframe: bool) -> Vec<u8> {
    let payload = format!("picture {sequence} of stream {stream}");
    frame(
        FrameKind::Picture,
        stream,
        sequence,
        keyframe,
        payload.as_bytes(),
    )
}

pub fn ack(stream: u32, sequence: u32) -> Vec<u8> {
    frame(FrameKind::Ack, stream, sequence, false, &[])
}

/// A keyframe request from a viewer that decodes VP8 and JPEG.
pub fn keyframe_request(stream: u32) -> Vec<u8> {
    frame(FrameKind::KeyframeRequest, stream, 0, false, &[0b11])
}

/// A click at 10,20.
pub fn input(stream: u32, sequence: u32) -> Vec<u8> {
    let event = br#"{"type":"pointer_button","x":10,"y":20,"button":1,"pressed":true}"#;
    frame(FrameKind::Input, stream, sequence, false, event)
}

/// An input frame whose payload is no input event.
pub fn malformed_input(stream: u32, sequence: u32) -> Vec<u8> {
    frame(
        FrameKind::Input,
        stream,
        sequence,
        false,
        br#"{"type":"launch"}"#,
    )
}

/// A frame's kind, stream id and sequence.
pub fn decoded(bytes: &[u8]) -> (FrameKind, u32, u32) {
    let frame = StreamFrame::decode(bytes).expect("a stream frame");
    (frame.kind, frame.stream.get(), frame.sequence)
}

/// Frames the kernel refused since it started (`/healthz`).
pub async fn refused_so_far(kernel: &KernelProcess) -> u64 {
    let (_, health) = kernel.get_json("/healthz").await;
    health["streams"]["frames_refused"]
        .as_u64()
        .expect("frames_refused")
}

/// Waits until the kernel has refused `expected` frames in all, and fails
/// if it refuses more.
pub async fn wait_for_refused(kernel: &KernelProcess, expected: u64) {
    let deadline = std::time::Instant::now() + crate::clients::PATIENCE;
    while refused_so_far(kernel).await < expected {
        assert!(std::time::Instant::now() < deadline, "refusals not counted");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(refused_so_far(kernel).await, expected);
}
