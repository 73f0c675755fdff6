//! Reading a rectangle of a pixmap: through a shared-memory segment
//! (MIT-SHM: the server writes the pixels where the agent reads them, no
//! copy through the socket) where the display is on this computer, else
//! with a plain `GetImage` (a remote display, or one without MIT-SHM).
//!
//! The segment is private to the agent and the X server: created `0600`,
//! attached by both, then marked for removal at once, so it disappears
//! when the last of them lets go — even if the agent is killed.

use std::ffi::c_void;
use std::ptr;

use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::shm;
use x11rb::protocol::xproto::{ConnectionExt as _, Drawable, ImageFormat};
use x11rb::rust_connection::RustConnection;

use super::{CaptureError, x_error};

/// How the pixels are fetched.
pub enum ImageReader {
    Shared(Segment),
    /// Shared memory is possible but no segment is attached yet.
    SharedLater,
    Plain,
}

impl ImageReader {
    /// Shared memory where `local` and the server has MIT-SHM; plain
    /// `GetImage` otherwise.
    pub fn new(connection: &RustConnection, local: bool) -> ImageReader {
        let has_shm = local
            && connection
                .extension_information(shm::X11_EXTENSION_NAME)
                .ok()
                .flatten()
                .is_some()
            && shm::query_version(connection)
                .ok()
                .and_then(|cookie| cookie.reply().ok())
                .is_some();
        if has_shm {
            ImageReader::SharedLater
        } else {
            ImageReader::Plain
        }
    }

    /// Whether pixels come through shared memory (for the logs and tests).
    pub fn is_shared(&self) -> bool {
        !matches!(self, ImageReader::Plain)
    }

    /// The `width`×`height` pixels at (`x`, `y`) of `drawable`, in the
    /// server's Z-pixmap layout (32 bits per pixel, rows packed).
    pub fn read(
        &mut self,
        connection: &RustConnection,
        drawable: Drawable,
        at: (i16, i16),
        size: (u16, u16),
    ) -> Result<Vec<u8>, CaptureError> {
        let mut spare = Vec::new();
        self.read_into(connection, drawable, at, size, &mut spare)?;
        Ok(spare)
    }

    /// [`read`](Self::read) into `spare` (its memory reused).
    pub fn read_into(
        &mut self,
        connection: &RustConnection,
        drawable: Drawable,
        at: (i16, i16),
        size: (u16, u16),
        spare: &mut Vec<u8>,
    ) -> Result<(), CaptureError> {
        match self.fetch(connection, drawable, at, size)? {
            Fetched::InSegment(length) => {
                spare.clear();
                spare.extend_from_slice(self.segment_bytes(length));
            }
            Fetched::Plain(data) => *spare = data,
        }
        Ok(())
    }

    /// Has the server put the pixels in the segment, or reads them
    /// plainly; [`bytes`](Self::bytes) then gives them.
    pub fn fetch(
        &mut self,
        connection: &RustConnection,
        drawable: Drawable,
        (x, y): (i16, i16),
        (width, height): (u16, u16),
    ) -> Result<Fetched, CaptureError> {
        let bytes = usize::from(width) * usize::from(height) * 4;
        if let Some(segment) = self.segment_for(connection, bytes) {
            let reply = shm::get_image(
                connection,
                drawable,
                x,
                y,
                width,
                height,
                !0,
                ImageFormat::Z_PIXMAP.into(),
                segment.seg,
                0,
            )
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
            let size = usize::try_from(reply.size).unwrap_or(usize::MAX);
            if size != bytes {
                return Err(CaptureError::Format(format!(
                    "{size} bytes for {width}×{height} pixels (not 32 bits each)"
                )));
            }
            return Ok(Fetched::InSegment(size));
        }
        let reply = connection
            .get_image(ImageFormat::Z_PIXMAP, drawable, x, y, width, height, !0)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        if reply.data.len() != bytes {
            return Err(CaptureError::Format(format!(
                "{} bytes for {width}×{height} pixels (not 32 bits each)",
                reply.data.len()
            )));
        }
        Ok(Fetched::Plain(reply.data))
    }

    /// The pixels `fetched` where they are: in the shared-memory segment
    /// (no copy: at full motion, copying each picture out costs a good
    /// part of what converting it does), or, read plainly, moved into
    /// `spare`. Valid until the next read.
    pub fn bytes<'a>(&'a self, fetched: Fetched, spare: &'a mut Vec<u8>) -> &'a [u8] {
        match fetched {
            Fetched::InSegment(length) => self.segment_bytes(length),
            Fetched::Plain(data) => {
                *spare = data;
                spare
            }
        }
    }

    /// The first `length` bytes of the segment (empty without one).
    fn segment_bytes(&self, length: usize) -> &[u8] {
        match self {
            ImageReader::Shared(segment) => segment.bytes(length),
            _ => &[],
        }
    }

    /// A segment of at least `bytes`, made or grown now; `None` when
    /// reading plainly (also from now on, if the server cannot attach one).
    fn segment_for(&mut self, connection: &RustConnection, bytes: usize) -> Option<&Segment> {
        let big_enough = matches!(self, ImageReader::Shared(s) if s.size >= bytes);
        if !big_enough && !matches!(self, ImageReader::Plain) {
            if let ImageReader::Shared(old) = std::mem::replace(self, ImageReader::SharedLater) {
                old.release(connection);
            }
            *self = match Segment::attach(connection, bytes) {
                Ok(segment) => ImageReader::Shared(segment),
                Err(reason) => {
                    tracing::info!(%reason, "reading pixels without shared memory");
                    ImageReader::Plain
                }
            };
        }
        match self {
            ImageReader::Shared(segment) => Some(segment),
            _ => None,
        }
    }

    /// Lets go of the segment (the server's side too).
    pub fn release(&mut self, connection: &RustConnection) {
        if let ImageReader::Shared(segment) = std::mem::replace(self, ImageReader::SharedLater) {
            segment.release(connection);
        }
    }
}

/// Where a read left the pixels.
pub enum Fetched {
    /// This many bytes at the start of the segment.
    InSegment(usize),
    Plain(Vec<u8>),
}

/// A System V shared-memory segment attached by the agent and the server.
pub struct Segment {
    seg: shm::Seg,
    address: *mut u8,
    size: usize,
}

// SAFETY: the mapping is process-wide memory; the segment is only used
// through the reader that owns it.
unsafe impl Send for Segment {}

impl Segment {
    /// A new segment of `bytes` (rounded up to 64 KiB, to grow less often).
    fn attach(connection: &RustConnection, bytes: usize) -> Result<Segment, String> {
        let size = bytes.div_ceil(1 << 16).max(1) << 16;
        // SAFETY: plain System V calls; the id and address are checked.
        let id = unsafe { libc::shmget(libc::IPC_PRIVATE, size, libc::IPC_CREAT | 0o600) };
        if id < 0 {
            return Err(format!("shmget: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: attaches the segment just made, anywhere in our space.
        let address = unsafe { libc::shmat(id, ptr::null(), 0) };
        if address as isize == -1 {
            let error = std::io::Error::last_os_error();
            remove(id);
            return Err(format!("shmat: {error}"));
        }
        let mut segment = Segment {
            seg: 0,
            address: address.cast::<u8>(),
            size,
        };
        let attached = connection
            .generate_id()
            .map_err(|error| error.to_string())
            .and_then(|seg| {
                // The id is not secret: the mode keeps other users out.
                let shmid = u32::try_from(id).map_err(|error| error.to_string())?;
                shm::attach(connection, seg, shmid, false)
                    .map_err(|error| error.to_string())?
                    .check()
                    .map_err(|error| format!("the X server cannot attach it: {error}"))?;
                Ok(seg)
            });
        // Both sides hold it now (or the server never will): the segment
        // goes away with its last user.
        remove(id);
        // On failure `segment` detaches our side as it drops.
        segment.seg = attached?;
        Ok(segment)
    }

    fn bytes(&self, length: usize) -> &[u8] {
        let length = length.min(self.size);
        // SAFETY: the mapping holds `size` bytes while `self` lives; the
        // server finished writing them before its reply arrived.
        unsafe { std::slice::from_raw_parts(self.address, length) }
    }

    fn release(self, connection: &RustConnection) {
        if self.seg != 0 {
            let _ = shm::detach(connection, self.seg);
            let _ = connection.flush();
        }
        // Our side is detached when `self` drops.
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: `address` came from `shmat` and is detached once.
        unsafe { libc::shmdt(self.address.cast::<c_void>()) };
    }
}

/// Marks segment `id` for removal once nobody has it attached.
fn remove(id: libc::c_int) {
    // SAFETY: IPC_RMID takes no buffer.
    unsafe { libc::shmctl(id, libc::IPC_RMID, ptr::null_mut()) };
}
