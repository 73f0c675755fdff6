//! The customer's X display: connecting to it (`$DISPLAY`, through
//! `x11rb`'s pure-Rust connection, so no libxcb is needed on the
//! customer's computer) and reading what each top-level window is — its
//! title, class, owning client and process.
//!
//! Windows come and go while they are read; a window that vanished
//! between two requests is left out, never an error for the whole list.

use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::res::{self, ClientIdMask, ClientIdSpec};
use x11rb::protocol::xproto::{Atom, AtomEnum, ConnectionExt as _, MapState, Window, WindowClass};
use x11rb::rust_connection::RustConnection;

use super::AppError;
use super::windows::{Application, Own, WindowInfo, group};

x11rb::atom_manager! {
    /// The properties the listing reads.
    Atoms: AtomsCookie {
        WM_STATE,
        UTF8_STRING,
        _NET_WM_NAME,
        _NET_WM_PID,
        _NET_WM_WINDOW_TYPE,
        _NET_WM_WINDOW_TYPE_DESKTOP,
        _NET_WM_WINDOW_TYPE_DOCK,
    }
}

/// Longest title kept, in characters: a title is for a person to read.
const MAX_TITLE_CHARS: usize = 512;
/// How deep below a window manager's frame the application's own window
/// is looked for.
const MAX_FRAME_DEPTH: usize = 4;

/// A connection to the customer's display.
pub struct Display {
    connection: RustConnection,
    root: Window,
    atoms: Atoms,
    /// The bits of a resource id that the server gives each client.
    resource_mask: u32,
    /// This connection's own client (its windows are the agent's).
    own_client: u32,
    /// Whether the server says which process owns a client (X-Resource).
    has_res: bool,
}

impl Display {
    /// Connects to `$DISPLAY`; the error says why there is no display.
    pub fn connect() -> Result<Display, AppError> {
        Display::connect_to(&std::env::var("DISPLAY").unwrap_or_default())
    }

    /// Connects to the X display `name` (`:0`).
    pub fn connect_to(name: &str) -> Result<Display, AppError> {
        if name.is_empty() {
            return Err(AppError::NoDisplay("DISPLAY is not set".into()));
        }
        let (connection, screen) = x11rb::connect(Some(name))
            .map_err(|error| AppError::NoDisplay(format!("cannot connect to `{name}`: {error}")))?;
        let setup = connection.setup();
        let root = setup
            .roots
            .get(screen)
            .map(|s| s.root)
            .ok_or_else(|| AppError::NoDisplay(format!("`{name}` has no screen {screen}")))?;
        let resource_mask = setup.resource_id_mask;
        let own_client = setup.resource_id_base;
        let atoms = Atoms::new(&connection)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        let has_res = connection
            .extension_information(res::X11_EXTENSION_NAME)
            .map_err(x_error)?
            .is_some();
        Ok(Display {
            connection,
            root,
            atoms,
            resource_mask,
            own_client,
            has_res,
        })
    }

    /// The applications with a window a person can see, top-most first,
    /// never the agent's own.
    pub fn applications(&self) -> Result<Vec<Application>, AppError> {
        let own = Own {
            pid: std::process::id(),
            client: Some(self.own_client),
        };
        Ok(group(self.visible_windows()?, own))
    }

    /// The application windows on the screen, top-most first.
    fn visible_windows(&self) -> Result<Vec<WindowInfo>, AppError> {
        let tree = self
            .connection
            .query_tree(self.root)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        // The tree lists the root's children bottom to top.
        Ok(tree
            .children
            .iter()
            .rev()
            .filter(|&&top| self.is_viewable(top))
            .filter_map(|&top| self.describe(top))
            .collect())
    }

    /// Mapped, viewable, drawn (not input-only) and managed (a menu or
    /// tooltip sets override-redirect and belongs to its application's
    /// window anyway).
    fn is_viewable(&self, window: Window) -> bool {
        let Some(attributes) = self
            .connection
            .get_window_attributes(window)
            .ok()
            .and_then(|cookie| cookie.reply().ok())
        else {
            return false;
        };
        attributes.map_state == MapState::VIEWABLE
            && attributes.class != WindowClass::INPUT_ONLY
            && !attributes.override_redirect
    }

    /// What `top` (a child of the root) shows: under a window manager the
    /// application's window inside the frame (the one with `WM_STATE`),
    /// without one `top` itself. `None` for a window that is no
    /// application's (no title and no class, a desktop background, a
    /// panel) or that vanished meanwhile.
    fn describe(&self, top: Window) -> Option<WindowInfo> {
        let window = self.client_window(top, 0).unwrap_or(top);
        let window_type = self.property_atoms(window, self.atoms._NET_WM_WINDOW_TYPE);
        if window_type.iter().any(|&t| {
            t == self.atoms._NET_WM_WINDOW_TYPE_DESKTOP || t == self.atoms._NET_WM_WINDOW_TYPE_DOCK
        }) {
            return None;
        }
        let (instance, class) = self.class(window);
        let title = self.title(window);
        if title.is_empty() && class.is_none() {
            return None;
        }
        let geometry = self.connection.get_geometry(window).ok()?.reply().ok()?;
        let on_screen = self
            .connection
            .translate_coordinates(window, self.root, 0, 0)
            .ok()?
            .reply()
            .ok()?;
        Some(WindowInfo {
            id: window,
            client: window & !self.resource_mask,
            title,
            class,
            instance,
            pid: self.pid(window),
            x: i32::from(on_screen.dst_x),
            y: i32::from(on_screen.dst_y),
            width: u32::from(geometry.width),
            height: u32::from(geometry.height),
        })
    }

    /// The window with `WM_STATE` at or below `window` (depth first).
    fn client_window(&self, window: Window, depth: usize) -> Option<Window> {
        if self.property(window, self.atoms.WM_STATE).is_some() {
            return Some(window);
        }
        if depth >= MAX_FRAME_DEPTH {
            return None;
        }
        let children = self
            .connection
            .query_tree(window)
            .ok()?
            .reply()
            .ok()?
            .children;
        children
            .iter()
            .rev()
            .find_map(|&child| self.client_window(child, depth + 1))
    }

    /// `_NET_WM_NAME` (UTF-8), else `WM_NAME` (Latin-1 by the ICCCM).
    fn title(&self, window: Window) -> String {
        let title = match self.property(window, self.atoms._NET_WM_NAME) {
            Some((kind, bytes)) if kind == self.atoms.UTF8_STRING => {
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => match self.property(window, AtomEnum::WM_NAME.into()) {
                Some((kind, bytes)) if kind == Atom::from(AtomEnum::STRING) => {
                    bytes.iter().map(|&b| char::from(b)).collect()
                }
                // COMPOUND_TEXT and others: readable where it is ASCII.
                Some((_, bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
                None => String::new(),
            },
        };
        title
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_TITLE_CHARS)
            .collect()
    }

    /// `WM_CLASS`: the instance and the class, NUL-separated.
    fn class(&self, window: Window) -> (Option<String>, Option<String>) {
        let Some((_, bytes)) = self.property(window, AtomEnum::WM_CLASS.into()) else {
            return (None, None);
        };
        let mut parts = bytes
            .split(|&b| b == 0)
            .map(|part| String::from_utf8_lossy(part).into_owned())
            .map(|part| (!part.is_empty()).then_some(part));
        let instance = parts.next().flatten();
        let class = parts.next().flatten();
        (instance, class)
    }

    /// The owning process: what the server knows of the client (X-Resource,
    /// local clients only), else what the window says (`_NET_WM_PID`).
    fn pid(&self, window: Window) -> Option<u32> {
        let from_server = self
            .has_res
            .then(|| {
                let spec = ClientIdSpec {
                    client: window,
                    mask: ClientIdMask::LOCAL_CLIENT_PID,
                };
                res::query_client_ids(&self.connection, &[spec])
                    .ok()?
                    .reply()
                    .ok()?
                    .ids
                    .first()?
                    .value
                    .first()
                    .copied()
            })
            .flatten();
        from_server
            .or_else(|| {
                self.property_u32s(window, self.atoms._NET_WM_PID, AtomEnum::CARDINAL.into())
                    .first()
                    .copied()
            })
            .filter(|&pid| pid != 0)
    }

    /// A property's type and bytes (at most 4 KiB of it); `None` when the
    /// window has none or is gone.
    fn property(&self, window: Window, name: Atom) -> Option<(Atom, Vec<u8>)> {
        let reply = self
            .connection
            .get_property(false, window, name, AtomEnum::ANY, 0, 1024)
            .ok()?
            .reply()
            .ok()?;
        (reply.type_ != x11rb::NONE).then_some((reply.type_, reply.value))
    }

    /// A property holding atoms (a window's types).
    fn property_atoms(&self, window: Window, name: Atom) -> Vec<Atom> {
        self.property_u32s(window, name, AtomEnum::ATOM.into())
    }

    /// A property of 32-bit values of type `kind`.
    fn property_u32s(&self, window: Window, name: Atom, kind: Atom) -> Vec<u32> {
        self.connection
            .get_property(false, window, name, kind, 0, 64)
            .ok()
            .and_then(|cookie| cookie.reply().ok())
            .and_then(|reply| reply.value32().map(Iterator::collect))
            .unwrap_or_default()
    }
}

fn x_error(error: impl std::fmt::Display) -> AppError {
    AppError::Display(error.to_string())
}
