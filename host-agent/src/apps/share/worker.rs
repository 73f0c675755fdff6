//! One share's thread: waits for the window to change (a capture's wait
//! blocks, so each share has a thread of its own), grabs and encodes the
//! newest picture when [`Pacing`] lets one go, and sends it on the stream
//! through the connection's frame queue. It hears acknowledgements,
//! keyframe requests and stop through a channel, and ends by itself when
//! the window is gone or capturing it fails, saying why.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant};

use tether_protocol::stream::{
    Codec, FrameFlags, FrameKind, MAX_PICTURE_BYTES, PICTURE_PREFIX_BYTES, Picture,
    STREAM_HEADER_BYTES, StreamFrame, StreamId,
};
use tokio::sync::mpsc as async_mpsc;

use super::pacing::{Next, Pacing};
use crate::apps::capture::{CaptureError, Change, WindowCapture};
use crate::apps::encode::{self, Encoder};

/// How long one wait for the window to change lasts before the thread
/// looks at its messages again (a stop or a keyframe request waits at
/// most this long while the window is still).
const IDLE_WAIT: Duration = Duration::from_millis(20);
/// How long a wait for an acknowledgement lasts before the thread looks
/// whether the window is still there.
const ACK_WAIT: Duration = Duration::from_millis(100);

/// Why a share ends when its window does.
const WINDOW_CLOSED: &str = "the shared window was closed";

/// What a share's thread is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToShare {
    /// Registered: start sending.
    Go,
    /// A viewer acknowledged the picture with this sequence.
    Acknowledged(u32),
    /// Send a keyframe next; `jpeg_only`: the viewer cannot decode VP8,
    /// so the stream is JPEG from now on.
    Keyframe {
        jpeg_only: bool,
    },
    Stop,
}

/// The window as the share found it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub title: String,
    pub width: u16,
    pub height: u16,
    pub codec: Codec,
}

/// Why a share ended by itself.
pub struct EndedByItself {
    pub stream: StreamId,
    pub serial: u64,
    pub reason: String,
}

/// The registry's handle on a share's thread.
pub struct Worker {
    commands: Sender<ToShare>,
    stopped: Arc<AtomicBool>,
}

impl Worker {
    pub fn tell(&self, command: ToShare) {
        // A thread that ended already needs nothing more.
        let _ = self.commands.send(command);
    }

    /// Stops the thread: it sends nothing more (a picture being encoded
    /// is dropped) and closes the capture.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.tell(ToShare::Stop);
    }
}

/// Where a share's thread sends what it makes.
pub struct Outlets {
    /// The connection's queue of binary frames.
    pub frames: async_mpsc::Sender<Vec<u8>>,
    /// Told when the share ends by itself.
    pub ended: async_mpsc::UnboundedSender<EndedByItself>,
}

/// Starts a share of `window` (on the X display `display`) on `stream`:
/// the thread opens the capture and the encoder and reports what it found,
/// then waits for [`ToShare::Go`] (or stop). Blocks until the capture is
/// open or failed.
pub fn start(
    display: &str,
    stream: StreamId,
    serial: u64,
    window: u32,
    outlets: Outlets,
) -> Result<(Worker, Opened), String> {
    let (commands, received) = mpsc::channel();
    let (opened_tx, opened_rx) = mpsc::sync_channel(1);
    let stopped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stopped);
    let display = display.to_owned();
    std::thread::Builder::new()
        .name(format!("share-{stream}"))
        .spawn(move || {
            let span = tracing::info_span!("app.share", %stream, window);
            let _entered = span.enter();
            let (capture, encoder, opened) = match open(&display, window) {
                Ok(open) => open,
                Err(error) => {
                    let _ = opened_tx.send(Err(error));
                    return;
                }
            };
            let _ = opened_tx.send(Ok(opened));
            match received.recv() {
                Ok(ToShare::Go) => {}
                _ => return,
            }
            let mut share = Share {
                stream,
                capture,
                encoder,
                pacing: Pacing::default(),
                spare: Vec::new(),
                size: None,
                commands: received,
                stopped: flag,
                frames: outlets.frames,
            };
            if let Some(reason) = share.run() {
                tracing::info!(%reason, "the share ended");
                let _ = outlets.ended.send(EndedByItself {
                    stream,
                    serial,
                    reason,
                });
            }
        })
        .map_err(|error| format!("cannot start sharing: {error}"))?;
    let opened = opened_rx
        .recv()
        .map_err(|_| "sharing stopped while it started".to_owned())??;
    Ok((Worker { commands, stopped }, opened))
}

fn open(display: &str, window: u32) -> Result<(WindowCapture, Box<dyn Encoder>, Opened), String> {
    let capture = WindowCapture::open_on(window, display)
        .map_err(|error| format!("cannot capture window {window:#x}: {error}"))?;
    let (_, _, width, height) = capture
        .geometry()
        .map_err(|error| format!("cannot capture window {window:#x}: {error}"))?;
    let encoder = encode::best();
    let opened = Opened {
        title: capture.title(),
        width,
        height,
        codec: encoder.codec(),
    };
    Ok((capture, encoder, opened))
}

struct Share {
    stream: StreamId,
    capture: WindowCapture,
    encoder: Box<dyn Encoder>,
    pacing: Pacing,
    /// Where a picture is read when it cannot be used where the X server
    /// put it: its memory serves every grab.
    spare: Vec<u8>,
    /// The size of the last picture sent.
    size: Option<(u16, u16)>,
    commands: Receiver<ToShare>,
    stopped: Arc<AtomicBool>,
    frames: async_mpsc::Sender<Vec<u8>>,
}

/// How a step of the loop went on: `Err(Some(reason))` ends the share by
/// itself, `Err(None)` because it was stopped.
type Step = Result<(), Option<String>>;

impl Share {
    /// The loop; returns why the share ended by itself, or `None` when
    /// it was stopped (or the connection is gone).
    fn run(&mut self) -> Option<String> {
        loop {
            if let Err(ended) = self.step() {
                return ended;
            }
        }
    }

    fn step(&mut self) -> Step {
        self.read_commands()?;
        let now = Instant::now();
        match self.pacing.next(now) {
            Next::Send { keyframe } => self.send_picture(keyframe),
            Next::Idle => self.watch_window(IDLE_WAIT),
            Next::WaitFor(pause) => {
                self.wait_for_command(pause)?;
                self.watch_window(Duration::ZERO)
            }
            Next::Acknowledgement(longest) => {
                // Damage meanwhile stays queued on the display's
                // connection; it is read (and merged) after.
                self.wait_for_command(longest.min(ACK_WAIT))?;
                self.watch_window(Duration::ZERO)
            }
        }
    }

    fn read_commands(&mut self) -> Step {
        loop {
            match self.commands.try_recv() {
                Ok(command) => self.obey(command)?,
                Err(TryRecvError::Empty) => return Ok(()),
                Err(TryRecvError::Disconnected) => return Err(None),
            }
        }
    }

    fn wait_for_command(&mut self, longest: Duration) -> Step {
        match self.commands.recv_timeout(longest) {
            Ok(command) => self.obey(command),
            Err(RecvTimeoutError::Timeout) => Ok(()),
            Err(RecvTimeoutError::Disconnected) => Err(None),
        }
    }

    fn obey(&mut self, command: ToShare) -> Step {
        match command {
            ToShare::Go => Ok(()),
            ToShare::Stop => Err(None),
            ToShare::Acknowledged(sequence) => {
                self.pacing.acknowledged(sequence, Instant::now());
                Ok(())
            }
            ToShare::Keyframe { jpeg_only } => {
                if jpeg_only && self.encoder.codec() != Codec::Jpeg {
                    tracing::info!("a viewer decodes only JPEG; the stream is JPEG from now on");
                    self.encoder = encode::jpeg();
                }
                self.pacing.keyframe_requested();
                Ok(())
            }
        }
    }

    fn watch_window(&mut self, longest: Duration) -> Step {
        let change = self
            .capture
            .wait(longest)
            .map_err(|error| Some(format!("capturing the window failed: {error}")))?;
        match change {
            Change::Damaged => self.pacing.damaged(),
            Change::Resized => self.pacing.resized(),
            Change::Nothing => {}
            Change::Gone => return Err(Some(WINDOW_CLOSED.to_owned())),
        }
        Ok(())
    }

    fn send_picture(&mut self, keyframe: bool) -> Step {
        let frame = match self.capture.grab(&mut self.spare) {
            Ok(frame) => frame,
            Err(CaptureError::Hidden) => {
                // Minimised: the viewers keep the last picture until the
                // window is back.
                self.pacing.unavailable();
                return Ok(());
            }
            Err(CaptureError::Gone) => return Err(Some(WINDOW_CLOSED.to_owned())),
            Err(error) => return Err(Some(format!("capturing the window failed: {error}"))),
        };
        let now = Instant::now();
        if frame.width == 0 || frame.height == 0 {
            // Nothing to show (a window shrunk to nothing): the next
            // picture with pixels starts afresh.
            self.pacing.unavailable();
            return Ok(());
        }
        let size = (frame.width, frame.height);
        let keyframe = keyframe || self.size != Some(size);
        let encoded = match self.encoder.encode(&frame, keyframe) {
            Ok(encoded) => encoded,
            Err(error) if self.encoder.codec() != Codec::Jpeg => {
                tracing::warn!(%error, "VP8 encoding failed; the stream is JPEG from now on");
                self.encoder = encode::jpeg();
                self.pacing.keyframe_requested();
                return Ok(());
            }
            Err(error) => return Err(Some(format!("encoding the picture failed: {error}"))),
        };
        if PICTURE_PREFIX_BYTES + encoded.data.len() > MAX_PICTURE_BYTES {
            tracing::warn!(
                bytes = encoded.data.len(),
                "a picture too large to send was left out"
            );
            self.pacing.skipped(now);
            return Ok(());
        }
        if self.stopped.load(Ordering::SeqCst) {
            return Err(None);
        }
        let sequence = self.pacing.sent(encoded.keyframe, now);
        self.size = Some(size);
        let bytes = picture_frame(
            self.stream,
            sequence,
            encoded.keyframe,
            self.encoder.codec(),
            size,
            &encoded.data,
        );
        tracing::trace!(
            sequence,
            keyframe = encoded.keyframe,
            bytes = bytes.len(),
            "picture"
        );
        // The connection's writer is gone: so is the share.
        self.frames.blocking_send(bytes).map_err(|_| None)
    }
}

/// A picture frame: header, picture prefix, encoded data, in one buffer.
fn picture_frame(
    stream: StreamId,
    sequence: u32,
    keyframe: bool,
    codec: Codec,
    (width, height): (u16, u16),
    data: &[u8],
) -> Vec<u8> {
    let header = StreamFrame {
        kind: FrameKind::Picture,
        flags: FrameFlags { keyframe },
        stream,
        sequence,
        payload: &[],
    }
    .header();
    let prefix = Picture {
        codec,
        width,
        height,
        data: &[],
    }
    .prefix();
    let mut bytes = Vec::with_capacity(STREAM_HEADER_BYTES + PICTURE_PREFIX_BYTES + data.len());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&prefix);
    bytes.extend_from_slice(data);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_frame_decodes_as_the_protocol_says() {
        let stream = StreamId::new(7).expect("not 0");
        let bytes = picture_frame(stream, 42, true, Codec::Jpeg, (320, 200), b"\xff\xd8data");
        let decoded = StreamFrame::decode(&bytes).expect("a stream frame");
        assert_eq!(decoded.kind, FrameKind::Picture);
        assert_eq!(decoded.stream, stream);
        assert_eq!(decoded.sequence, 42);
        assert!(decoded.flags.keyframe);
        let picture = Picture::decode(decoded.payload).expect("a picture");
        assert_eq!(
            (picture.codec, picture.width, picture.height, picture.data),
            (Codec::Jpeg, 320, 200, &b"\xff\xd8data"[..])
        );
    }
}
