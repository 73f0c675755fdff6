//! A minimal RFB 3.8 viewer, the baseline's client: security None, the
//! encodings TigerVNC's viewer asks for by default on a fast network
//! (Tight with JPEG quality 8 and compression level 2; CopyRect and Raw as
//! every server may fall back to them), one incremental update request
//! outstanding at a time, and every update decoded into an RGB picture
//! the marks are read from. Bytes are counted as they come off the socket.

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::framebuffer::{Framebuffer, OutOfBounds};
use super::tight::{TightDecoder, TightError};

const RAW: i32 = 0;
const COPY_RECT: i32 = 1;
const TIGHT: i32 = 7;
/// Pseudo-encodings: JPEG quality level 8 (of 0–9), compression level 2,
/// the last rectangle of an update, and a new picture size.
const JPEG_QUALITY_8: i32 = -32 + 8;
const COMPRESS_LEVEL_2: i32 = -256 + 2;
const LAST_RECT: i32 = -224;
const DESKTOP_SIZE: i32 = -223;

/// What the viewer asks for, most preferred first.
pub const ENCODINGS: [i32; 7] = [
    TIGHT,
    COPY_RECT,
    RAW,
    JPEG_QUALITY_8,
    COMPRESS_LEVEL_2,
    LAST_RECT,
    DESKTOP_SIZE,
];
/// Said in the benchmark's table.
pub const ENCODINGS_SAID: &str = "Tight, JPEG quality 8, compression level 2";

/// Longest text accepted from a server (names, reasons, cut text).
const MAX_TEXT: u32 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RfbError {
    #[error("talking to the RFB server: {0}")]
    Io(#[from] std::io::Error),
    #[error("the server does not speak RFB 3.8: {0}")]
    Version(String),
    #[error("the server refused: {0}")]
    Refused(String),
    #[error("the server offers no security type None (it offers {0:?})")]
    NoNone(Vec<u8>),
    #[error("unexpected from the server: {0}")]
    Protocol(String),
    #[error(transparent)]
    Tight(#[from] TightError),
    #[error(transparent)]
    Bounds(#[from] OutOfBounds),
}

/// Bytes read through it are counted.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// What the viewer sends; shared by the thread reading updates (which
/// asks for the next) and the one clicking.
#[derive(Clone)]
pub struct RfbSender {
    socket: Arc<Mutex<TcpStream>>,
    width: u16,
    height: u16,
}

impl RfbSender {
    fn send(&self, message: &[u8]) -> Result<(), RfbError> {
        let mut socket = self
            .socket
            .lock()
            .map_err(|_| RfbError::Protocol("a sender panicked".into()))?;
        socket.write_all(message)?;
        Ok(())
    }

    /// FramebufferUpdateRequest for the whole picture.
    pub fn request_update(&self, incremental: bool) -> Result<(), RfbError> {
        let mut message = vec![3, u8::from(incremental), 0, 0, 0, 0];
        message.extend(self.width.to_be_bytes());
        message.extend(self.height.to_be_bytes());
        self.send(&message)
    }

    /// A left click at (`x`, `y`): button 1 pressed, then released.
    pub fn click(&self, x: u16, y: u16) -> Result<(), RfbError> {
        for mask in [1u8, 0] {
            let mut message = vec![5, mask];
            message.extend(x.to_be_bytes());
            message.extend(y.to_be_bytes());
            self.send(&message)?;
        }
        Ok(())
    }
}

/// One framebuffer update, applied.
#[derive(Debug, Clone, Copy)]
pub struct Update {
    /// Bytes read from the socket since the previous update was applied.
    pub bytes: u64,
    pub rectangles: u32,
    /// When the update's first byte was read.
    pub started: Instant,
}

pub struct RfbViewer {
    input: Counted<BufReader<TcpStream>>,
    sender: RfbSender,
    pub framebuffer: Framebuffer,
    /// The desktop name the server gave.
    pub name: String,
    tight: TightDecoder,
}

fn read_u8(input: &mut impl Read) -> Result<u8, RfbError> {
    let mut b = [0u8; 1];
    input.read_exact(&mut b)?;
    Ok(b[0])
}

fn read_u16(input: &mut impl Read) -> Result<u16, RfbError> {
    let mut b = [0u8; 2];
    input.read_exact(&mut b)?;
    Ok(u16::from_be_bytes(b))
}

fn read_u32(input: &mut impl Read) -> Result<u32, RfbError> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_be_bytes(b))
}

fn read_text(input: &mut impl Read) -> Result<String, RfbError> {
    let length = read_u32(input)?;
    if length > MAX_TEXT {
        return Err(RfbError::Protocol(format!("a text of {length} bytes")));
    }
    let mut text = vec![0u8; length as usize];
    input.read_exact(&mut text)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

fn skip(input: &mut impl Read, count: u64) -> Result<(), RfbError> {
    let skipped = std::io::copy(&mut input.take(count), &mut std::io::sink())?;
    if skipped != count {
        return Err(RfbError::Protocol("the server closed mid-message".into()));
    }
    Ok(())
}

impl RfbViewer {
    /// Connects, shakes hands (RFB 3.8, no security, shared), sets a
    /// 32-bit true-colour pixel format and the encodings, and asks for
    /// the whole picture once.
    pub fn connect(address: &str) -> Result<RfbViewer, RfbError> {
        let socket = TcpStream::connect(address)?;
        socket.set_nodelay(true)?;
        let mut writer = socket.try_clone()?;
        let mut input = Counted {
            inner: BufReader::with_capacity(256 * 1024, socket.try_clone()?),
            count: 0,
        };
        let mut version = [0u8; 12];
        input.read_exact(&mut version)?;
        let said = String::from_utf8_lossy(&version).trim_end().to_owned();
        let minor = said
            .strip_prefix("RFB 003.")
            .and_then(|m| m.parse::<u32>().ok())
            .ok_or_else(|| RfbError::Version(said.clone()))?;
        if minor < 8 {
            return Err(RfbError::Version(said));
        }
        writer.write_all(b"RFB 003.008\n")?;
        let offered = usize::from(read_u8(&mut input)?);
        if offered == 0 {
            return Err(RfbError::Refused(read_text(&mut input)?));
        }
        let mut types = vec![0u8; offered];
        input.read_exact(&mut types)?;
        if !types.contains(&1) {
            return Err(RfbError::NoNone(types));
        }
        writer.write_all(&[1])?;
        if read_u32(&mut input)? != 0 {
            return Err(RfbError::Refused(read_text(&mut input)?));
        }
        // Shared: the server keeps other viewers.
        writer.write_all(&[1])?;
        let width = read_u16(&mut input)?;
        let height = read_u16(&mut input)?;
        skip(&mut input, 16)?;
        let name = read_text(&mut input)?;
        // 32 bits a pixel, depth 24, little-endian, true colour, 8 bits a
        // component: red shifted 16, green 8, blue 0 (Tight then sends
        // three-byte pixels).
        writer.write_all(&[
            0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0,
        ])?;
        let mut encodings = vec![2, 0];
        encodings.extend((ENCODINGS.len() as u16).to_be_bytes());
        for encoding in ENCODINGS {
            encodings.extend(encoding.to_be_bytes());
        }
        writer.write_all(&encodings)?;
        let sender = RfbSender {
            socket: Arc::new(Mutex::new(writer)),
            width,
            height,
        };
        sender.request_update(false)?;
        input.count = 0;
        Ok(RfbViewer {
            input,
            sender,
            framebuffer: Framebuffer::new(u32::from(width), u32::from(height)),
            name,
            tight: TightDecoder::default(),
        })
    }

    /// How long a read may wait before the viewer gives up.
    pub fn set_patience(&self, patience: std::time::Duration) -> Result<(), RfbError> {
        self.input
            .inner
            .get_ref()
            .set_read_timeout(Some(patience))?;
        Ok(())
    }

    pub fn sender(&self) -> RfbSender {
        self.sender.clone()
    }

    /// Reads messages until a framebuffer update has been read and
    /// applied (skipping bells, colour maps and cut text).
    pub fn next_update(&mut self) -> Result<Update, RfbError> {
        loop {
            let kind = read_u8(&mut self.input)?;
            let started = Instant::now();
            match kind {
                0 => {
                    let rectangles = self.update_rectangles()?;
                    let bytes = std::mem::take(&mut self.input.count);
                    return Ok(Update {
                        bytes,
                        rectangles,
                        started,
                    });
                }
                1 => {
                    skip(&mut self.input, 1)?;
                    let _first = read_u16(&mut self.input)?;
                    let colours = read_u16(&mut self.input)?;
                    skip(&mut self.input, u64::from(colours) * 6)?;
                }
                2 => {}
                3 => {
                    skip(&mut self.input, 3)?;
                    read_text(&mut self.input)?;
                }
                other => {
                    return Err(RfbError::Protocol(format!("server message type {other}")));
                }
            }
        }
    }

    fn update_rectangles(&mut self) -> Result<u32, RfbError> {
        skip(&mut self.input, 1)?;
        let count = read_u16(&mut self.input)?;
        let mut applied = 0;
        for _ in 0..count {
            let x = u32::from(read_u16(&mut self.input)?);
            let y = u32::from(read_u16(&mut self.input)?);
            let w = u32::from(read_u16(&mut self.input)?);
            let h = u32::from(read_u16(&mut self.input)?);
            let encoding = read_u32(&mut self.input)? as i32;
            match encoding {
                RAW => {
                    self.framebuffer.check(x, y, w, h)?;
                    let mut data = vec![0u8; (w * h * 4) as usize];
                    self.input.read_exact(&mut data)?;
                    // Little-endian 0x00RRGGBB: blue, green, red, unused.
                    self.framebuffer.put(x, y, w, h, |i| {
                        [data[i * 4 + 2], data[i * 4 + 1], data[i * 4]]
                    })?;
                }
                COPY_RECT => {
                    let src_x = u32::from(read_u16(&mut self.input)?);
                    let src_y = u32::from(read_u16(&mut self.input)?);
                    self.framebuffer.copy_within(src_x, src_y, x, y, w, h)?;
                }
                TIGHT => {
                    self.tight
                        .rect(&mut self.input, &mut self.framebuffer, x, y, w, h)?;
                }
                LAST_RECT => break,
                DESKTOP_SIZE => {
                    self.framebuffer = Framebuffer::new(w, h);
                    self.sender.width = w as u16;
                    self.sender.height = h as u16;
                }
                other => {
                    return Err(RfbError::Protocol(format!(
                        "encoding {other}, which the viewer did not ask for"
                    )));
                }
            }
            applied += 1;
        }
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    /// A scripted server: writes `script` after the client's handshake
    /// messages and returns what the client sent.
    fn server(security: Vec<u8>, updates: Vec<u8>) -> (String, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let handle = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            socket.write_all(b"RFB 003.008\n").unwrap();
            let mut version = [0u8; 12];
            socket.read_exact(&mut version).unwrap();
            assert_eq!(&version, b"RFB 003.008\n");
            socket.write_all(&security).unwrap();
            if security[0] == 0 {
                return Vec::new();
            }
            let mut chosen = [0u8; 1];
            socket.read_exact(&mut chosen).unwrap();
            assert_eq!(chosen[0], 1);
            socket.write_all(&0u32.to_be_bytes()).unwrap();
            let mut shared = [0u8; 1];
            socket.read_exact(&mut shared).unwrap();
            let mut init = vec![0, 8, 0, 4];
            init.extend([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]);
            init.extend(4u32.to_be_bytes());
            init.extend(b"test");
            socket.write_all(&init).unwrap();
            // Pixel format (20), encodings (4 + 4 each), request (10).
            let mut sent = vec![0u8; 20 + 4 + 4 * ENCODINGS.len() + 10];
            socket.read_exact(&mut sent).unwrap();
            socket.write_all(&updates).unwrap();
            let mut more = vec![0u8; 10 + 12];
            socket.read_exact(&mut more).unwrap();
            sent.extend(more);
            sent
        });
        (address, handle)
    }

    fn rect(x: u16, y: u16, w: u16, h: u16, encoding: i32) -> Vec<u8> {
        let mut r = Vec::new();
        for v in [x, y, w, h] {
            r.extend(v.to_be_bytes());
        }
        r.extend(encoding.to_be_bytes());
        r
    }

    #[test]
    fn handshake_raw_copyrect_and_tight_rectangles_clicks_and_requests() {
        // A bell, then an update (padding, three rectangles).
        let mut updates = vec![2, 0];
        updates.extend([0, 0, 3]);
        updates.extend(rect(0, 0, 2, 1, RAW));
        updates.extend([30, 20, 10, 0, 3, 2, 1, 0]);
        updates.extend(rect(4, 2, 2, 1, COPY_RECT));
        updates.extend([0u16.to_be_bytes(), 0u16.to_be_bytes()].concat());
        updates.extend(rect(0, 3, 8, 1, TIGHT));
        updates.extend([0x80, 7, 8, 9]);
        let update_bytes = updates.len() as u64;
        let (address, server) = server(vec![2, 2, 1], updates);
        let mut viewer = RfbViewer::connect(&address).unwrap();
        assert_eq!(viewer.name, "test");
        assert_eq!(
            (viewer.framebuffer.width, viewer.framebuffer.height),
            (8, 4)
        );
        let update = viewer.next_update().unwrap();
        assert_eq!(update.rectangles, 3);
        assert_eq!(update.bytes, update_bytes);
        assert_eq!(viewer.framebuffer.rgb(0, 0), [10, 20, 30]);
        assert_eq!(viewer.framebuffer.rgb(1, 0), [1, 2, 3]);
        assert_eq!(viewer.framebuffer.rgb(4, 2), [10, 20, 30]);
        assert_eq!(viewer.framebuffer.rgb(5, 2), [1, 2, 3]);
        assert_eq!(viewer.framebuffer.rgb(7, 3), [7, 8, 9]);
        let sender = viewer.sender();
        sender.request_update(true).unwrap();
        sender.click(3, 2).unwrap();
        let sent = server.join().unwrap();
        // Pixel format: 32 bits, depth 24, true colour, red at 16.
        assert_eq!(&sent[..8], &[0, 0, 0, 0, 32, 24, 0, 1]);
        assert_eq!(sent[20], 2, "SetEncodings");
        let first_request = 24 + 4 * ENCODINGS.len();
        assert_eq!(
            &sent[first_request..first_request + 2],
            &[3, 0],
            "a full update first"
        );
        let later = first_request + 10;
        assert_eq!(&sent[later..later + 10], &[3, 1, 0, 0, 0, 0, 0, 8, 0, 4]);
        assert_eq!(&sent[later + 10..], &[5, 1, 0, 3, 0, 2, 5, 0, 0, 3, 0, 2]);
    }

    #[test]
    fn a_refusal_and_a_server_without_none_are_errors_with_the_reason() {
        let mut refusal = vec![0];
        refusal.extend(9u32.to_be_bytes());
        refusal.extend(b"too many!");
        let (address, server) = server(refusal, Vec::new());
        let error = RfbViewer::connect(&address).err().expect("refused");
        assert!(
            matches!(&error, RfbError::Refused(why) if why == "too many!"),
            "{error}"
        );
        server.join().unwrap();

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let handle = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            socket.write_all(b"RFB 003.008\n").unwrap();
            let mut version = [0u8; 12];
            socket.read_exact(&mut version).unwrap();
            // VNC authentication only.
            socket.write_all(&[1, 2]).unwrap();
        });
        let error = RfbViewer::connect(&address).err().expect("no None");
        assert!(
            matches!(&error, RfbError::NoNone(types) if types == &[2]),
            "{error}"
        );
        handle.join().unwrap();
    }

    #[test]
    fn an_old_protocol_version_is_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let handle = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            socket.write_all(b"RFB 003.003\n").unwrap();
        });
        let error = RfbViewer::connect(&address).err().expect("old");
        assert!(
            matches!(&error, RfbError::Version(v) if v == "RFB 003.003"),
            "{error}"
        );
        handle.join().unwrap();
    }
}
