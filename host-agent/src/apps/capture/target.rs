//! Which window is captured, and whether it may be: an application's own
//! top-level window that is on the screen, never the root window (the
//! whole screen), a menu, a window manager's frame or the agent's own
//! window. Under a window manager the application's window sits inside
//! the manager's frame; the frame (the child of the root) is what the
//! server redirects, the application's window inside it is what is read.

use x11rb::connection::RequestConnection;
use x11rb::protocol::res::{self, ClientIdMask, ClientIdSpec};
use x11rb::protocol::xproto::{Atom, AtomEnum, ConnectionExt as _, MapState, Window, WindowClass};
use x11rb::rust_connection::RustConnection;

use super::{Atoms, CaptureError, x_error};

/// How deep below a window manager's frame the application's window is
/// looked for (as `app.list` does).
const MAX_FRAME_DEPTH: usize = 4;

/// `WM_STATE`'s state for a window its manager iconified (ICCCM 4.1.3.1).
const ICONIC_STATE: u32 = 3;

/// Whose windows the agent refuses to capture: its own process's.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    pub pid: u32,
    /// The capture's own connection (its resource base).
    pub client: u32,
}

/// The X facts the checks need.
pub struct Facts<'a> {
    pub connection: &'a RustConnection,
    pub roots: &'a [Window],
    pub atoms: &'a Atoms,
    pub resource_mask: u32,
    pub has_res: bool,
}

/// Checks that `window` may be captured; answers its top-level ancestor
/// (the frame, or `window` itself without a window manager).
pub fn check(facts: &Facts<'_>, window: Window, owner: Owner) -> Result<Window, CaptureError> {
    if facts.roots.contains(&window) {
        return Err(CaptureError::RootWindow);
    }
    let attributes = facts
        .connection
        .get_window_attributes(window)
        .map_err(x_error)?
        .reply()
        .map_err(|_| CaptureError::NoSuchWindow(window))?;
    if attributes.class == WindowClass::INPUT_ONLY || attributes.override_redirect {
        return Err(CaptureError::NotAnApplicationWindow(window));
    }
    if attributes.map_state != MapState::VIEWABLE {
        return Err(CaptureError::NotViewable(window));
    }
    let top = top_level(facts, window)?;
    let managed = has_property(facts, window, facts.atoms.WM_STATE);
    // Without a window manager: a child of the root, not a frame around
    // another application's window.
    let unmanaged_top_level = top == window && !has_managed_descendant(facts, window, 0);
    if !managed && !unmanaged_top_level {
        return Err(CaptureError::NotAnApplicationWindow(window));
    }
    if owned_by(facts, window, owner) {
        return Err(CaptureError::OwnWindow(window));
    }
    Ok(top)
}

/// The ancestor of `window` that is a child of the root.
pub fn top_level(facts: &Facts<'_>, window: Window) -> Result<Window, CaptureError> {
    let mut current = window;
    // A window tree is shallow; the bound keeps a broken server from
    // holding the agent.
    for _ in 0..64 {
        let tree = facts
            .connection
            .query_tree(current)
            .map_err(x_error)?
            .reply()
            .map_err(|_| CaptureError::NoSuchWindow(window))?;
        if tree.parent == tree.root || tree.parent == x11rb::NONE {
            return Ok(current);
        }
        current = tree.parent;
    }
    Err(CaptureError::NotAnApplicationWindow(window))
}

/// Whether the window manager says `window` is iconified (minimised).
pub fn is_iconic(facts: &Facts<'_>, window: Window) -> bool {
    facts
        .connection
        .get_property(
            false,
            window,
            facts.atoms.WM_STATE,
            facts.atoms.WM_STATE,
            0,
            2,
        )
        .ok()
        .and_then(|cookie| cookie.reply().ok())
        .and_then(|reply| reply.value32().and_then(|mut values| values.next()))
        == Some(ICONIC_STATE)
}

/// Whether a window below `window` is an application's (so `window` is a
/// window manager's frame).
fn has_managed_descendant(facts: &Facts<'_>, window: Window, depth: usize) -> bool {
    if depth >= MAX_FRAME_DEPTH {
        return false;
    }
    let Some(tree) = facts
        .connection
        .query_tree(window)
        .ok()
        .and_then(|cookie| cookie.reply().ok())
    else {
        return false;
    };
    tree.children.iter().any(|&child| {
        has_property(facts, child, facts.atoms.WM_STATE)
            || has_managed_descendant(facts, child, depth + 1)
    })
}

/// Whether the agent's process (or this capture's connection) owns
/// `window`: by the server's word on the owning process (X-Resource), by
/// the window's `_NET_WM_PID`, or by its client bits.
fn owned_by(facts: &Facts<'_>, window: Window, owner: Owner) -> bool {
    if window & !facts.resource_mask == owner.client {
        return true;
    }
    let from_server = facts.has_res.then(|| {
        let spec = ClientIdSpec {
            client: window,
            mask: ClientIdMask::LOCAL_CLIENT_PID,
        };
        res::query_client_ids(facts.connection, &[spec])
            .ok()?
            .reply()
            .ok()?
            .ids
            .first()?
            .value
            .first()
            .copied()
    });
    let from_window = facts
        .connection
        .get_property(
            false,
            window,
            facts.atoms._NET_WM_PID,
            AtomEnum::CARDINAL,
            0,
            1,
        )
        .ok()
        .and_then(|cookie| cookie.reply().ok())
        .and_then(|reply| reply.value32().and_then(|mut values| values.next()));
    from_server.flatten() == Some(owner.pid) || from_window == Some(owner.pid)
}

fn has_property(facts: &Facts<'_>, window: Window, name: Atom) -> bool {
    facts
        .connection
        .get_property(false, window, name, AtomEnum::ANY, 0, 0)
        .ok()
        .and_then(|cookie| cookie.reply().ok())
        .is_some_and(|reply| reply.type_ != x11rb::NONE)
}

/// Whether the server answers X-Resource queries.
pub fn has_res(connection: &RustConnection) -> bool {
    connection
        .extension_information(res::X11_EXTENSION_NAME)
        .ok()
        .flatten()
        .is_some()
}
