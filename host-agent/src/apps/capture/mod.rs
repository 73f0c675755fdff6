//! Capturing one application window's **own pixels, never the screen**.
//!
//! The window's top-level (the window manager's frame around it, or the
//! window itself without a window manager) is redirected off-screen with
//! X Composite (automatic mode: the screen looks the same), its pixmap is
//! named and the application window's rectangle is read from that pixmap
//! (MIT-SHM where the display is on this computer, plain `GetImage`
//! otherwise). A pixmap holds only what the window itself drew, so a
//! window that covers it on the screen never shows up. The application's
//! own popups (menus) are read the same way and drawn in where they
//! overlap it. XDamage says when the application drew; structure events
//! say when it was resized, hidden, reparented or closed.
//!
//! A freshly redirected pixmap starts as a copy of the screen under the
//! window — covering windows included — until the application redraws.
//! So whenever a pixmap is (re)made the capture blackens the window's part
//! of it and asks the application to redraw all of it (an `Expose`):
//! before that redraw the picture shows black, never another window.
//!
//! Each capture has its own X connection, so one blocking in [`wait`]
//! holds up nothing else of the agent, and closing it (drop) lets the
//! server undo the redirection and free everything at once.
//!
//! [`wait`]: WindowCapture::wait

mod image;
mod pixels;
mod popups;
mod target;

#[cfg(test)]
mod tests;

use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use x11rb::connection::{Connection, RequestConnection};
use x11rb::errors::ReplyError;
use x11rb::protocol::composite::{self, Redirect};
use x11rb::protocol::damage::{self, ReportLevel};
use x11rb::protocol::xfixes;
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ChangeWindowAttributesAux, ConnectionExt as _, CreateGCAux, EventMask,
    MapState, Pixmap, Rectangle, Window,
};
use x11rb::protocol::{ErrorKind, Event};
use x11rb::rust_connection::RustConnection;

use image::ImageReader;
use pixels::{PixelLayout, Rect};
use popups::Popups;
use target::{Facts, Owner};

x11rb::atom_manager! {
    /// The properties the capture reads.
    pub Atoms: AtomsCookie {
        WM_STATE,
        UTF8_STRING,
        _NET_WM_NAME,
        _NET_WM_PID,
    }
}

/// Longest title kept, in characters (as `app.list`).
const MAX_TITLE_CHARS: usize = 512;
/// How many windows below the shared one are asked to redraw after its
/// pixmap is made (toolkits with child windows); bounded for safety.
const MAX_REDRAWN_WINDOWS: usize = 256;

/// One captured picture of the shared window, with the application's
/// popups drawn in, where it was read (see [`WindowCapture::grab`]).
#[derive(Debug, Clone, Copy)]
pub struct Pixels<'a> {
    pub width: u16,
    pub height: u16,
    /// B, G, R, x per pixel, rows of width*4 bytes, tightly packed.
    pub bgrx: &'a [u8],
}

/// A picture kept: [`Pixels`] of its own (the tests keep pictures; the
/// agent encodes each where it was read).
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u16,
    pub height: u16,
    /// B, G, R, x per pixel, rows of width*4 bytes, tightly packed.
    pub bgrx: Vec<u8>,
}

#[cfg(test)]
impl Frame {
    pub fn pixels(&self) -> Pixels<'_> {
        Pixels {
            width: self.width,
            height: self.height,
            bgrx: &self.bgrx,
        }
    }
}

/// What happened to the shared window while [`WindowCapture::wait`] waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The application drew: a new picture is worth grabbing.
    Damaged,
    /// Its size changed, or it came back after being minimised or
    /// reparented: the next picture (of the new size) should be a keyframe.
    Resized,
    /// Nothing within the timeout (or the window is minimised).
    Nothing,
    /// The window was closed (destroyed, or withdrawn by its application):
    /// the share is over.
    Gone,
}

/// Why a window cannot be captured, in words for the CSR.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("there is no X display to capture from: {0}")]
    NoDisplay(String),
    #[error("the X display lacks the {0} extension, which sharing an application needs")]
    MissingExtension(&'static str),
    #[error("the root window is the whole screen; only an application's window can be shared")]
    RootWindow,
    #[error("there is no window {0:#x} (any more)")]
    NoSuchWindow(u32),
    #[error("window {0:#x} is not an application's main window")]
    NotAnApplicationWindow(u32),
    #[error("window {0:#x} is not shown on the screen")]
    NotViewable(u32),
    #[error("window {0:#x} is the agent's own")]
    OwnWindow(u32),
    #[error("the window's pixels are in a format the agent cannot read: {0}")]
    Format(String),
    #[error("the shared window is minimised or hidden")]
    Hidden,
    #[error("the shared window was closed")]
    Gone,
    #[error("talking to the X display failed: {0}")]
    X(String),
}

fn x_error(error: impl std::fmt::Display) -> CaptureError {
    CaptureError::X(error.to_string())
}

/// How a capture is opened: the agent's own defaults, or a test's.
#[derive(Debug, Clone)]
struct Options {
    /// The X display (`:0`).
    display: String,
    /// Windows of this process are refused.
    owner_pid: u32,
    /// Read through MIT-SHM where the display is local.
    shared_memory: bool,
}

/// Where the application window lies in its top-level's pixmap.
#[derive(Debug, Clone, Copy)]
struct Placement {
    pixmap: Pixmap,
    offset: (i16, i16),
    size: (u16, u16),
}

/// What arrived since the last [`WindowCapture::wait`] answered.
#[derive(Debug, Default)]
struct Pending {
    damaged: bool,
    resized: bool,
}

/// A live capture of one application window.
pub struct WindowCapture {
    connection: RustConnection,
    roots: Vec<Window>,
    root: Window,
    atoms: Atoms,
    resource_mask: u32,
    has_res: bool,
    /// The application's window (what is read).
    window: Window,
    /// Its top-level ancestor (what is redirected).
    top: Window,
    /// The application's client (its resource base): its popups.
    client: u32,
    layout: PixelLayout,
    /// `None` until named, and again after a resize: named on the next grab.
    placement: Option<Placement>,
    /// The window's size as last seen (events or the pixmap).
    size: (u16, u16),
    /// The top-level's size as last seen (its pixmap changes with it).
    top_size: (u16, u16),
    hidden: bool,
    gone: bool,
    /// The window or its frame was mapped or unmapped: look again.
    recheck: bool,
    pending: Pending,
    popups: Popups,
    reader: ImageReader,
}

impl WindowCapture {
    /// Own X connection to `display` (`:0`); redirects the window
    /// (Composite, automatic), names its pixmap, watches damage (XDamage)
    /// and structure (resize, unmap, destroy). Refuses the root window, a
    /// window that is not a viewable top-level client window, and one the
    /// agent itself owns.
    pub fn open_on(window: u32, display: &str) -> Result<WindowCapture, CaptureError> {
        let options = Options {
            display: display.to_owned(),
            owner_pid: std::process::id(),
            shared_memory: true,
        };
        WindowCapture::open_with(window, options)
    }

    #[tracing::instrument(name = "capture.open", skip(options), fields(window = format_args!("{window:#x}")))]
    fn open_with(window: u32, options: Options) -> Result<WindowCapture, CaptureError> {
        let name = options.display;
        if name.is_empty() {
            return Err(CaptureError::NoDisplay("DISPLAY is not set".into()));
        }
        let (connection, _) = x11rb::connect(Some(&name)).map_err(|error| {
            CaptureError::NoDisplay(format!("cannot connect to `{name}`: {error}"))
        })?;
        require_extensions(&connection)?;
        let setup = connection.setup();
        let roots: Vec<Window> = setup.roots.iter().map(|screen| screen.root).collect();
        let resource_mask = setup.resource_id_mask;
        let own_client = setup.resource_id_base;
        let atoms = Atoms::new(&connection)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        let has_res = target::has_res(&connection);
        let facts = Facts {
            connection: &connection,
            roots: &roots,
            atoms: &atoms,
            resource_mask,
            has_res,
        };
        let owner = Owner {
            pid: options.owner_pid,
            client: own_client,
        };
        let top = target::check(&facts, window, owner)?;
        let root = connection
            .query_tree(window)
            .map_err(x_error)?
            .reply()
            .map_err(|_| CaptureError::NoSuchWindow(window))?
            .root;
        let local = is_local(&name);
        let reader = if options.shared_memory {
            ImageReader::new(&connection, local)
        } else {
            ImageReader::Plain
        };
        let mut capture = WindowCapture {
            layout: layout_of(&connection, top)?,
            connection,
            roots,
            root,
            atoms,
            resource_mask,
            has_res,
            window,
            top,
            client: window & !resource_mask,
            placement: None,
            size: (0, 0),
            top_size: (0, 0),
            hidden: false,
            gone: false,
            recheck: false,
            pending: Pending::default(),
            popups: Popups::default(),
            reader,
        };
        capture.watch()?;
        capture.redirect_top()?;
        capture.place()?;
        capture.watch_existing_popups();
        capture.connection.flush().map_err(x_error)?;
        tracing::info!(
            top = format_args!("{top:#x}"),
            shared_memory = capture.reader.is_shared(),
            width = capture.size.0,
            height = capture.size.1,
            "capturing a window"
        );
        Ok(capture)
    }

    /// Blocks up to `timeout` for something to happen. Damage accumulates
    /// between calls.
    pub fn wait(&mut self, timeout: Duration) -> Result<Change, CaptureError> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(event) = self.connection.poll_for_event().map_err(x_error)? {
                self.note(event);
            }
            if let Some(change) = self.take_change() {
                return Ok(change);
            }
            // Damage subtractions and the like, before sleeping.
            self.connection.flush().map_err(x_error)?;
            let now = Instant::now();
            if now >= deadline {
                return Ok(Change::Nothing);
            }
            self.wait_readable(deadline - now)?;
        }
    }

    /// The window's current picture, kept.
    #[cfg(test)]
    pub fn grab_frame(&mut self) -> Result<Frame, CaptureError> {
        let mut spare = Vec::new();
        let pixels = self.grab(&mut spare)?;
        Ok(Frame {
            width: pixels.width,
            height: pixels.height,
            bgrx: pixels.bgrx.to_vec(),
        })
    }

    /// The window's current picture (re-names the pixmap after a resize).
    /// Read where the X server put it (the shared-memory segment) when it
    /// is BGRx already and no popup is drawn in; otherwise in `spare`,
    /// whose memory is reused from picture to picture.
    pub fn grab<'a>(&'a mut self, spare: &'a mut Vec<u8>) -> Result<Pixels<'a>, CaptureError> {
        if self.gone {
            return Err(CaptureError::Gone);
        }
        if self.hidden {
            return Err(CaptureError::Hidden);
        }
        let placement = match self.placement {
            Some(placement) => placement,
            None => self.place()?,
        };
        let (width, height) = placement.size;
        if !self.popups.is_empty() || !self.layout.is_bgrx() {
            let read = self.reader.read_into(
                &self.connection,
                placement.pixmap,
                placement.offset,
                placement.size,
                spare,
            );
            read.map_err(|error| self.explain(error))?;
            self.layout.to_bgrx(spare);
            if !self.popups.is_empty() {
                self.draw_popups(spare, placement.size)?;
            }
            return Ok(Pixels {
                width,
                height,
                bgrx: spare,
            });
        }
        let fetched = self.reader.fetch(
            &self.connection,
            placement.pixmap,
            placement.offset,
            placement.size,
        );
        let fetched = match fetched {
            Ok(fetched) => fetched,
            Err(error) => return Err(self.explain(error)),
        };
        Ok(Pixels {
            width,
            height,
            bgrx: self.reader.bytes(fetched, spare),
        })
    }

    /// `_NET_WM_NAME` (UTF-8), else `WM_NAME`; empty when it has none.
    pub fn title(&self) -> String {
        let read = |name: Atom| {
            self.connection
                .get_property(false, self.window, name, AtomEnum::ANY, 0, 1024)
                .ok()
                .and_then(|cookie| cookie.reply().ok())
                .filter(|reply| reply.type_ != x11rb::NONE)
        };
        let title = match read(self.atoms._NET_WM_NAME) {
            Some(reply) if reply.type_ == self.atoms.UTF8_STRING => {
                String::from_utf8_lossy(&reply.value).into_owned()
            }
            _ => match read(AtomEnum::WM_NAME.into()) {
                // Latin-1 by the ICCCM.
                Some(reply) if reply.type_ == Atom::from(AtomEnum::STRING) => {
                    reply.value.iter().map(|&b| char::from(b)).collect()
                }
                Some(reply) => String::from_utf8_lossy(&reply.value).into_owned(),
                None => String::new(),
            },
        };
        title
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_TITLE_CHARS)
            .collect()
    }

    /// The application window being captured.
    #[allow(
        dead_code,
        reason = "part of the capture's interface; `app.share` keeps the id from its request"
    )]
    pub fn window(&self) -> u32 {
        self.window
    }

    /// Window's top-left on the screen, content size (for input translation).
    pub fn geometry(&self) -> Result<(i32, i32, u16, u16), CaptureError> {
        let geometry = self
            .connection
            .get_geometry(self.window)
            .map_err(x_error)?
            .reply()
            .map_err(|error| self.explain(x_error(error)))?;
        let origin = self
            .connection
            .translate_coordinates(self.window, self.root, 0, 0)
            .map_err(x_error)?
            .reply()
            .map_err(|error| self.explain(x_error(error)))?;
        Ok((
            i32::from(origin.dst_x),
            i32::from(origin.dst_y),
            geometry.width,
            geometry.height,
        ))
    }

    // ---- setting up ----

    /// Events: the window's own structure, the root's children (the
    /// frame, and popups appearing), and damage to the window.
    fn watch(&mut self) -> Result<(), CaptureError> {
        let c = &self.connection;
        c.change_window_attributes(
            self.window,
            &ChangeWindowAttributesAux::new().event_mask(EventMask::STRUCTURE_NOTIFY),
        )
        .map_err(x_error)?
        .check()
        .map_err(|_| CaptureError::NoSuchWindow(self.window))?;
        c.change_window_attributes(
            self.root,
            &ChangeWindowAttributesAux::new().event_mask(EventMask::SUBSTRUCTURE_NOTIFY),
        )
        .map_err(x_error)?;
        let damage = c.generate_id().map_err(x_error)?;
        damage::create(c, damage, self.window, ReportLevel::NON_EMPTY).map_err(x_error)?;
        Ok(())
    }

    /// Redirects the top-level off-screen (automatic: the server still
    /// shows it). Several clients may redirect one window automatically.
    fn redirect_top(&mut self) -> Result<(), CaptureError> {
        composite::redirect_window(&self.connection, self.top, Redirect::AUTOMATIC)
            .map_err(x_error)?
            .check()
            .map_err(|error| self.explain(x_error(error)))?;
        let geometry = self
            .connection
            .get_geometry(self.top)
            .map_err(x_error)?
            .reply()
            .map_err(|error| self.explain(x_error(error)))?;
        self.top_size = (geometry.width, geometry.height);
        Ok(())
    }

    /// Names the top-level's current pixmap and finds the window in it;
    /// blackens the window there and asks the application to redraw.
    fn place(&mut self) -> Result<Placement, CaptureError> {
        let c = &self.connection;
        if let Some(old) = self.placement.take() {
            let _ = c.free_pixmap(old.pixmap);
        }
        let pixmap = c.generate_id().map_err(x_error)?;
        composite::name_window_pixmap(c, self.top, pixmap)
            .map_err(x_error)?
            .check()
            .map_err(|error| self.explain(x_error(error)))?;
        let top = c
            .get_geometry(self.top)
            .map_err(x_error)?
            .reply()
            .map_err(|error| self.explain(x_error(error)))?;
        let window = c
            .get_geometry(self.window)
            .map_err(x_error)?
            .reply()
            .map_err(|error| self.explain(x_error(error)))?;
        let inside = if self.top == self.window {
            (0, 0)
        } else {
            let translated = c
                .translate_coordinates(self.window, self.top, 0, 0)
                .map_err(x_error)?
                .reply()
                .map_err(|error| self.explain(x_error(error)))?;
            (translated.dst_x, translated.dst_y)
        };
        // The pixmap includes the top-level's border; (0, 0) of the
        // top-level is at (border, border).
        let border = i32::from(top.border_width);
        let in_pixmap = Rect {
            x: border + i32::from(inside.0),
            y: border + i32::from(inside.1),
            width: window.width,
            height: window.height,
        };
        let pixmap_area = Rect {
            x: 0,
            y: 0,
            width: top.width.saturating_add(top.border_width.saturating_mul(2)),
            height: top
                .height
                .saturating_add(top.border_width.saturating_mul(2)),
        };
        let Some(area) = in_pixmap.intersection(&pixmap_area) else {
            let _ = c.free_pixmap(pixmap);
            return Err(CaptureError::Hidden);
        };
        let placement = Placement {
            pixmap,
            offset: (
                i16::try_from(area.x).map_err(x_error)?,
                i16::try_from(area.y).map_err(x_error)?,
            ),
            size: (area.width, area.height),
        };
        blacken(c, pixmap, area)?;
        self.ask_to_redraw(self.window);
        self.top_size = (top.width, top.height);
        self.size = (window.width, window.height);
        self.placement = Some(placement);
        Ok(placement)
    }

    /// Expose events for `window` and the windows inside it, so the
    /// application redraws all it shows (a background colour, if it has
    /// one, is painted by the server at once).
    fn ask_to_redraw(&self, window: Window) {
        let mut queue = vec![window];
        let mut asked = 0;
        while let Some(next) = queue.pop() {
            if asked >= MAX_REDRAWN_WINDOWS {
                break;
            }
            asked += 1;
            let _ = self.connection.clear_area(true, next, 0, 0, 0, 0);
            if let Some(tree) = self
                .connection
                .query_tree(next)
                .ok()
                .and_then(|cookie| cookie.reply().ok())
            {
                queue.extend(tree.children);
            }
        }
    }

    /// The window manager put the window into another frame (or took it
    /// out of one): redirect the new top-level.
    fn follow_reparent(&mut self) {
        let Ok(top) = target::top_level(&self.facts(), self.window) else {
            self.gone = true;
            return;
        };
        if top == self.top {
            return;
        }
        let old = std::mem::replace(&mut self.top, top);
        let _ = composite::unredirect_window(&self.connection, old, Redirect::AUTOMATIC);
        let moved = layout_of(&self.connection, top).and_then(|layout| {
            self.layout = layout;
            self.redirect_top()
        });
        match moved {
            Ok(()) => self.resized(),
            Err(CaptureError::Gone) => self.gone = true,
            Err(error) => {
                tracing::info!(%error, "the window's new frame cannot be captured");
                self.hidden = true;
            }
        }
    }

    // ---- events ----

    fn note(&mut self, event: Event) {
        match event {
            Event::DamageNotify(notify) => {
                // Rearm: the next drawing reports again.
                let _ = damage::subtract(&self.connection, notify.damage, x11rb::NONE, x11rb::NONE);
                self.pending.damaged = true;
            }
            Event::ConfigureNotify(configure) => {
                let size = (configure.width, configure.height);
                if configure.window == self.window && size != self.size {
                    self.size = size;
                    self.resized();
                } else if configure.window == self.top && size != self.top_size {
                    // A new pixmap behind the same window size.
                    self.top_size = size;
                    self.placement = None;
                    self.pending.damaged = true;
                } else if let Some(popup) = self.popups.get(configure.window) {
                    let outer = outer_size(size.0, size.1, configure.border_width);
                    if outer != popup.size {
                        let blackened = self.blacken_popup(configure.window);
                        match (blackened, self.popups.get_mut(configure.window)) {
                            (Ok(outer), Some(popup)) => popup.size = outer,
                            _ => self.forget_popup(configure.window, true),
                        }
                    }
                    self.pending.damaged = true;
                }
            }
            Event::MapNotify(map) => {
                if map.window == self.window || map.window == self.top {
                    self.recheck = true;
                } else if map.override_redirect {
                    self.watch_popup(map.window);
                    self.pending.damaged = true;
                }
            }
            Event::UnmapNotify(unmap) => {
                if unmap.window == self.window || unmap.window == self.top {
                    // Decided once the batch is read: a window manager
                    // reparenting the window unmaps and maps it again.
                    self.recheck = true;
                } else {
                    self.forget_popup(unmap.window, true);
                }
            }
            Event::DestroyNotify(destroy) => {
                if destroy.window == self.window {
                    self.gone = true;
                } else {
                    self.forget_popup(destroy.window, false);
                }
            }
            Event::ReparentNotify(reparent) if reparent.window == self.window => {
                self.follow_reparent();
            }
            Event::Error(error) => {
                // From requests whose answer is not awaited (a popup gone
                // before its damage was subtracted, say).
                tracing::trace!(?error, "X error during capture");
            }
            _ => {}
        }
    }

    /// After the window or its frame was mapped or unmapped: shown,
    /// hidden (minimised, or its frame unmapped — another virtual
    /// desktop), or closed (unmapped by its application: withdrawn).
    fn recheck_visibility(&mut self) {
        let attributes = self
            .connection
            .get_window_attributes(self.window)
            .map_err(x_error)
            .and_then(|cookie| cookie.reply().map_err(reply_error));
        let was_hidden = self.hidden;
        match attributes {
            Err(CaptureError::NoSuchWindow(_)) => self.gone = true,
            Err(error) => tracing::debug!(%error, "the window's state is unknown"),
            Ok(a) if a.map_state == MapState::VIEWABLE => {
                self.hidden = false;
                if was_hidden {
                    self.resized();
                }
            }
            Ok(a) if a.map_state == MapState::UNVIEWABLE => self.hidden = true,
            Ok(_) => {
                // Minimised: the window manager says so before unmapping.
                if target::is_iconic(&self.facts(), self.window) {
                    self.hidden = true;
                } else {
                    self.gone = true;
                }
            }
        }
    }

    fn resized(&mut self) {
        self.placement = None;
        self.pending.resized = true;
    }

    fn take_change(&mut self) -> Option<Change> {
        if std::mem::take(&mut self.recheck) {
            self.recheck_visibility();
        }
        if self.gone {
            return Some(Change::Gone);
        }
        if self.hidden {
            // Nothing to show: what arrived meanwhile is moot.
            self.pending = Pending::default();
            return None;
        }
        let pending = std::mem::take(&mut self.pending);
        if pending.resized {
            Some(Change::Resized)
        } else if pending.damaged {
            Some(Change::Damaged)
        } else {
            None
        }
    }

    fn wait_readable(&self, timeout: Duration) -> Result<(), CaptureError> {
        let mut poll = libc::pollfd {
            fd: self.connection.stream().as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = timeout.as_micros().div_ceil(1000);
        let millis = libc::c_int::try_from(millis).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid `pollfd` for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(x_error(error));
            }
        }
        Ok(())
    }

    // ---- helpers ----

    fn facts(&self) -> Facts<'_> {
        Facts {
            connection: &self.connection,
            roots: &self.roots,
            atoms: &self.atoms,
            resource_mask: self.resource_mask,
            has_res: self.has_res,
        }
    }

    /// An X error while reading: the window closed or hid meanwhile is
    /// said as such; anything else as it is.
    fn explain(&self, error: CaptureError) -> CaptureError {
        if !matches!(error, CaptureError::X(_)) {
            return error;
        }
        match self
            .connection
            .get_window_attributes(self.window)
            .map_err(x_error)
            .and_then(|cookie| cookie.reply().map_err(reply_error))
        {
            Err(CaptureError::NoSuchWindow(_)) => CaptureError::Gone,
            Ok(attributes) if attributes.map_state != MapState::VIEWABLE => CaptureError::Hidden,
            _ => error,
        }
    }
}

impl Drop for WindowCapture {
    /// Lets go of the shared memory; closing the connection (as the
    /// capture drops) makes the server undo the redirections and free the
    /// pixmaps and damage objects.
    fn drop(&mut self) {
        self.reader.release(&self.connection);
    }
}

/// `BadWindow` as "no such window"; other errors as they are.
fn reply_error(error: ReplyError) -> CaptureError {
    match &error {
        ReplyError::X11Error(x) if x.error_kind == ErrorKind::Window => {
            CaptureError::NoSuchWindow(x.bad_value)
        }
        _ => x_error(error),
    }
}

/// Composite (0.2, for naming pixmaps) and Damage are needed; XFixes is
/// negotiated too, as Damage's regions belong to it.
fn require_extensions(connection: &RustConnection) -> Result<(), CaptureError> {
    let present = |name: &'static str| {
        connection
            .extension_information(name)
            .map(|info| info.is_some())
            .map_err(x_error)
    };
    if !present(composite::X11_EXTENSION_NAME)? {
        return Err(CaptureError::MissingExtension("Composite"));
    }
    if !present(damage::X11_EXTENSION_NAME)? {
        return Err(CaptureError::MissingExtension("DAMAGE"));
    }
    let version = composite::query_version(connection, 0, 4)
        .map_err(x_error)?
        .reply()
        .map_err(x_error)?;
    if (version.major_version, version.minor_version) < (0, 2) {
        return Err(CaptureError::MissingExtension("Composite 0.2"));
    }
    if present(xfixes::X11_EXTENSION_NAME)? {
        xfixes::query_version(connection, 5, 0)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
    }
    damage::query_version(connection, 1, 1)
        .map_err(x_error)?
        .reply()
        .map_err(x_error)?;
    Ok(())
}

/// How `window`'s pixmap bytes become BGRx.
fn layout_of(connection: &RustConnection, window: Window) -> Result<PixelLayout, CaptureError> {
    let attributes = connection
        .get_window_attributes(window)
        .map_err(x_error)?
        .reply()
        .map_err(reply_error)?;
    let depth = connection
        .get_geometry(window)
        .map_err(x_error)?
        .reply()
        .map_err(reply_error)?
        .depth;
    PixelLayout::of(connection.setup(), depth, attributes.visual).map_err(CaptureError::Format)
}

/// Paints `area` of `pixmap` black.
fn blacken(connection: &RustConnection, pixmap: Pixmap, area: Rect) -> Result<(), CaptureError> {
    let gc = connection.generate_id().map_err(x_error)?;
    connection
        .create_gc(
            gc,
            pixmap,
            &CreateGCAux::new().foreground(0).graphics_exposures(0),
        )
        .map_err(x_error)?;
    let rectangle = Rectangle {
        x: i16::try_from(area.x).map_err(x_error)?,
        y: i16::try_from(area.y).map_err(x_error)?,
        width: area.width,
        height: area.height,
    };
    connection
        .poly_fill_rectangle(pixmap, gc, &[rectangle])
        .map_err(x_error)?;
    connection.free_gc(gc).map_err(x_error)?;
    Ok(())
}

/// A window's size with its border on both sides (its pixmap's size).
fn outer_size(width: u16, height: u16, border: u16) -> (u16, u16) {
    let both = border.saturating_mul(2);
    (width.saturating_add(both), height.saturating_add(both))
}

/// Whether `DISPLAY` names a server on this computer (a local socket):
/// only then can it share memory with the agent.
fn is_local(display: &str) -> bool {
    use x11rb::reexports::x11rb_protocol::parse_display::parse_display;
    parse_display(Some(display)).is_ok_and(|parsed| {
        parsed.host.is_empty() && parsed.protocol.as_deref().is_none_or(|p| p == "unix")
    })
}
