//! Input into a shared application (`app.control`): the host CSR's pointer
//! and key events, injected with XTest on a connection and thread of their
//! own, into that application's window only.
//!
//! * Coordinates are the picture's, from the window's top-left corner;
//!   they are turned into the screen's by the window's place now, and a
//!   point outside the window is refused.
//! * Before a button is pressed the window is raised and focused, and the
//!   press goes ahead only if the window (or one of its application's own,
//!   such as an open menu) is what is under the pointer there: a window
//!   covering it never gets the click.
//! * Keys are keysyms, found on the customer's keyboard mapping; one at
//!   the shifted level is typed with Shift down; one the keyboard lacks is
//!   bound to a spare keycode while control lasts (as `xdotool` does).
//!   Keys go only to the application's window: it is focused first.
//! * Pointer moves that queue up while the display is busy are coalesced
//!   into the last one.
//! * When control ends, events not applied yet are dropped, every key and
//!   button still down is released and the keyboard mapping put back.
//! * Several controlled shares take turns, one event at a time, each
//!   finished on the display before the next: one never moves the focus
//!   between another's focusing its window and typing into it.

mod keymap;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tether_protocol::stream::{InputEvent, StreamId};
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ClientMessageEvent, ConfigureWindowAux, ConnectionExt as _, EventMask,
    InputFocus, StackMode, Window,
};
use x11rb::protocol::xtest::{self, ConnectionExt as _};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;
use x11rb::{CURRENT_TIME, NONE};

use keymap::{Keymap, Place};

/// Held while one event is applied (see the module's doc).
static TAKING_TURNS: Mutex<()> = Mutex::new(());

/// How long a window manager may take to raise or focus the window.
const SETTLE_TRIES: u32 = 5;
const SETTLE_PAUSE: Duration = Duration::from_millis(20);

x11rb::atom_manager! {
    Atoms: AtomsCookie {
        _NET_SUPPORTED,
        _NET_ACTIVE_WINDOW,
    }
}

/// Why input could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot connect to the X display for input: {0}")]
    Connect(String),
    #[error("the X display does not offer XTest, so input cannot be given")]
    NoXTest,
    #[error("talking to the X display failed: {0}")]
    Display(String),
}

fn x_error(error: impl std::fmt::Display) -> InputError {
    InputError::Display(error.to_string())
}

/// Input for one shared window, while control lasts: dropping it ends
/// control at once (events not applied yet are dropped; keys and buttons
/// still down are released).
pub struct Input {
    events: Sender<InputEvent>,
    refused: Arc<AtomicU64>,
    ended: Arc<AtomicBool>,
}

/// What the injecting thread shares with its [`Input`].
#[derive(Clone)]
struct Shared {
    refused: Arc<AtomicU64>,
    /// Control ended: apply nothing more.
    ended: Arc<AtomicBool>,
}

impl Input {
    /// Connects to the X display `display` (`:0`) and starts the thread
    /// that injects input into `window`. Blocks while connecting.
    pub fn start(display: &str, window: Window, stream: StreamId) -> Result<Input, InputError> {
        let injector = Injector::connect(display, window)?;
        let (input, shared, receiver) = Input::new();
        std::thread::Builder::new()
            .name(format!("input-{stream}"))
            .spawn(move || {
                let span = tracing::debug_span!("app.control input", %stream, window);
                let _entered = span.enter();
                injector.serve(receiver, &shared);
            })
            .map_err(|error| InputError::Display(format!("cannot start input: {error}")))?;
        Ok(input)
    }

    /// [`start`](Self::start) without waiting: the thread connects, so
    /// this returns at once (the kernel's event loop calls it when control
    /// is given). If connecting fails the reason is logged and every event
    /// sent is refused (counted).
    pub fn start_in_background(display: &str, window: Window, stream: StreamId) -> Input {
        let (input, shared, receiver) = Input::new();
        let display = display.to_owned();
        let spawned = std::thread::Builder::new()
            .name(format!("input-{stream}"))
            .spawn(move || {
                let span = tracing::debug_span!("control input", %stream, window);
                let _entered = span.enter();
                match Injector::connect(&display, window) {
                    Ok(injector) => injector.serve(receiver, &shared),
                    Err(error) => {
                        tracing::warn!(%error, "input cannot be applied to the shared window");
                        // Dropping the receiver refuses what comes.
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "input cannot be applied to the shared window");
        }
        input
    }

    fn new() -> (Input, Shared, Receiver<InputEvent>) {
        let shared = Shared {
            refused: Arc::new(AtomicU64::new(0)),
            ended: Arc::new(AtomicBool::new(false)),
        };
        let (events, receiver) = mpsc::channel();
        let input = Input {
            events,
            refused: Arc::clone(&shared.refused),
            ended: Arc::clone(&shared.ended),
        };
        (input, shared, receiver)
    }

    /// Queues one event (applied in order, moves coalesced).
    pub fn send(&self, event: InputEvent) {
        if self.events.send(event).is_err() {
            tracing::debug!("input ended; event dropped");
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events refused so far (outside the window, keys the keyboard
    /// cannot give, a window covering the point).
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        // Before the channel closes: what is still queued is not applied.
        self.ended.store(true, Ordering::SeqCst);
    }
}

/// Why one event was not applied.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("({x}, {y}) is outside the window")]
    Outside { x: u32, y: u32 },
    #[error("another window covers the point")]
    Covered,
    #[error("the window cannot be focused")]
    NotFocused,
    #[error("keysym {0:#x} is not on the keyboard and no keycode is spare")]
    NoKey(u32),
    #[error("the window is gone")]
    Gone,
    #[error("X error: {0}")]
    X(String),
}

impl From<x11rb::errors::ConnectionError> for Refused {
    fn from(error: x11rb::errors::ConnectionError) -> Refused {
        Refused::X(error.to_string())
    }
}

impl From<x11rb::errors::ReplyError> for Refused {
    fn from(error: x11rb::errors::ReplyError) -> Refused {
        Refused::X(error.to_string())
    }
}

/// The injecting side, on its own thread.
struct Injector {
    connection: RustConnection,
    root: Window,
    window: Window,
    /// The bits of a resource id that the server gives each client.
    resource_mask: u32,
    /// `_NET_ACTIVE_WINDOW`, where a window manager says it supports it.
    net_active_window: Option<Atom>,
    keymap: Keymap,
    /// The keycodes that act as Shift.
    shift_keycodes: Vec<u8>,
    /// Keycodes without symbols, and those of them bound meanwhile (least
    /// recently used first).
    spare: Vec<u8>,
    bound: Vec<u8>,
    keys_down: Vec<u8>,
    buttons_down: Vec<u8>,
}

impl Injector {
    fn connect(display: &str, window: Window) -> Result<Injector, InputError> {
        if display.is_empty() {
            return Err(InputError::Connect("DISPLAY is not set".into()));
        }
        let (connection, screen) = x11rb::connect(Some(display))
            .map_err(|error| InputError::Connect(format!("`{display}`: {error}")))?;
        if connection
            .extension_information(xtest::X11_EXTENSION_NAME)
            .map_err(x_error)?
            .is_none()
        {
            return Err(InputError::NoXTest);
        }
        let setup = connection.setup();
        let root = setup
            .roots
            .get(screen)
            .map(|s| s.root)
            .ok_or_else(|| InputError::Connect(format!("no screen {screen}")))?;
        let resource_mask = setup.resource_id_mask;
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let mapping = connection
            .get_keyboard_mapping(min, max.saturating_sub(min).saturating_add(1))
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        let keymap = Keymap::new(min, mapping.keysyms_per_keycode, mapping.keysyms);
        let modifiers = connection
            .get_modifier_mapping()
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        let per_modifier = modifiers.keycodes.len() / 8;
        let shift_keycodes = modifiers.keycodes[..per_modifier]
            .iter()
            .copied()
            .filter(|&k| k != 0)
            .collect();
        let atoms = Atoms::new(&connection)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        let supported = connection
            .get_property(false, root, atoms._NET_SUPPORTED, AtomEnum::ATOM, 0, 1024)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        let net_active_window = supported
            .value32()
            .is_some_and(|mut atoms_listed| atoms_listed.any(|a| a == atoms._NET_ACTIVE_WINDOW))
            .then_some(atoms._NET_ACTIVE_WINDOW);
        let spare = keymap.spare_keycodes();
        Ok(Injector {
            connection,
            root,
            window,
            resource_mask,
            net_active_window,
            keymap,
            shift_keycodes,
            spare,
            bound: Vec::new(),
            keys_down: Vec::new(),
            buttons_down: Vec::new(),
        })
    }

    /// Applies events until control ends (the [`Input`] is dropped), then
    /// lets go of everything.
    fn serve(mut self, events: Receiver<InputEvent>, shared: &Shared) {
        while let Ok(first) = events.recv() {
            let mut batch = vec![first];
            batch.extend(events.try_iter());
            for event in coalesce(batch) {
                let _turn = TAKING_TURNS.lock().unwrap_or_else(PoisonError::into_inner);
                if shared.ended.load(Ordering::SeqCst) {
                    tracing::debug!("control ended; the events still queued are dropped");
                    break;
                }
                if let Err(why) = self.apply(&event) {
                    tracing::debug!(?event, %why, "input refused");
                    shared.refused.fetch_add(1, Ordering::Relaxed);
                }
                // A round trip: the server has applied it.
                if let Err(error) = self.connection.sync() {
                    tracing::debug!(%error, "the display went away; input ends");
                    return;
                }
            }
        }
        let _turn = TAKING_TURNS.lock().unwrap_or_else(PoisonError::into_inner);
        self.let_go();
    }

    fn apply(&mut self, event: &InputEvent) -> Result<(), Refused> {
        match *event {
            InputEvent::PointerMove { x, y } => {
                let (sx, sy) = self.on_screen(x, y)?;
                self.fake(xproto_event::MOTION, 0, sx, sy)
            }
            InputEvent::PointerButton {
                x,
                y,
                button,
                pressed: true,
            } => {
                let (sx, sy) = self.on_screen(x, y)?;
                self.bring_forward()?;
                self.check_uncovered(sx, sy)?;
                self.fake(xproto_event::MOTION, 0, sx, sy)?;
                self.fake(xproto_event::BUTTON_PRESS, button, 0, 0)?;
                if !self.buttons_down.contains(&button) {
                    self.buttons_down.push(button);
                }
                Ok(())
            }
            InputEvent::PointerButton {
                x,
                y,
                button,
                pressed: false,
            } => {
                // A button that is down goes up whatever happens, so none
                // stays down; it moves there only if that is inside.
                if !self.buttons_down.contains(&button) {
                    return Ok(());
                }
                if let Ok((sx, sy)) = self.on_screen(x, y) {
                    self.fake(xproto_event::MOTION, 0, sx, sy)?;
                }
                self.buttons_down.retain(|&b| b != button);
                self.fake(xproto_event::BUTTON_RELEASE, button, 0, 0)
            }
            InputEvent::Key {
                keysym,
                pressed: true,
            } => self.press_key(keysym),
            InputEvent::Key {
                keysym,
                pressed: false,
            } => {
                let Some(place) = self.keymap.locate(keysym) else {
                    return Ok(());
                };
                if !self.keys_down.contains(&place.keycode) {
                    return Ok(());
                }
                self.keys_down.retain(|&k| k != place.keycode);
                self.fake(xproto_event::KEY_RELEASE, place.keycode, 0, 0)
            }
        }
    }

    fn press_key(&mut self, keysym: u32) -> Result<(), Refused> {
        let shift = self.shift_keycodes.first().copied();
        let place = match self.keymap.locate(keysym) {
            // A keyboard without Shift: bound where it needs none.
            Some(place) if place.shift && shift.is_none() => self.bind_spare(keysym)?,
            Some(place) => place,
            None => self.bind_spare(keysym)?,
        };
        self.focus()?;
        let add_shift = match shift {
            Some(shift) if place.shift && !self.shift_down() => Some(shift),
            _ => None,
        };
        if let Some(shift) = add_shift {
            self.fake(xproto_event::KEY_PRESS, shift, 0, 0)?;
        }
        self.fake(xproto_event::KEY_PRESS, place.keycode, 0, 0)?;
        if !self.keys_down.contains(&place.keycode) {
            self.keys_down.push(place.keycode);
        }
        if let Some(shift) = add_shift {
            self.fake(xproto_event::KEY_RELEASE, shift, 0, 0)?;
        }
        Ok(())
    }

    fn shift_down(&self) -> bool {
        self.keys_down
            .iter()
            .any(|k| self.shift_keycodes.contains(k))
    }

    /// Binds `keysym` to a spare keycode (the least recently bound one
    /// that is not down, once all are taken).
    fn bind_spare(&mut self, keysym: u32) -> Result<Place, Refused> {
        let keycode = match self.spare.pop() {
            Some(keycode) => keycode,
            None => {
                let at = self
                    .bound
                    .iter()
                    .position(|k| !self.keys_down.contains(k))
                    .ok_or(Refused::NoKey(keysym))?;
                self.bound.remove(at)
            }
        };
        self.connection
            .change_keyboard_mapping(1, keycode, 2, &[keysym, keysym])?
            .check()
            .map_err(|error| Refused::X(error.to_string()))?;
        self.keymap.bind(keycode, keysym);
        self.bound.push(keycode);
        tracing::debug!(keysym, keycode, "bound a spare keycode");
        Ok(Place {
            keycode,
            shift: false,
        })
    }

    /// The window's place on the screen now, and the point in it.
    fn on_screen(&self, x: u32, y: u32) -> Result<(i16, i16), Refused> {
        let geometry = self
            .connection
            .get_geometry(self.window)?
            .reply()
            .map_err(|_| Refused::Gone)?;
        if x >= u32::from(geometry.width) || y >= u32::from(geometry.height) {
            return Err(Refused::Outside { x, y });
        }
        let origin = self
            .connection
            .translate_coordinates(self.window, self.root, 0, 0)?
            .reply()
            .map_err(|_| Refused::Gone)?;
        let screen_x = i32::from(origin.dst_x) + x as i32;
        let screen_y = i32::from(origin.dst_y) + y as i32;
        match (i16::try_from(screen_x), i16::try_from(screen_y)) {
            (Ok(sx), Ok(sy)) => Ok((sx, sy)),
            _ => Err(Refused::Outside { x, y }),
        }
    }

    /// The child of the root that holds the window (its window manager's
    /// frame, or the window itself).
    fn top_level(&self) -> Result<Window, Refused> {
        let mut window = self.window;
        loop {
            let tree = self
                .connection
                .query_tree(window)?
                .reply()
                .map_err(|_| Refused::Gone)?;
            if tree.parent == self.root || tree.parent == NONE {
                return Ok(window);
            }
            window = tree.parent;
        }
    }

    fn same_client(&self, other: Window) -> bool {
        other != NONE && other & !self.resource_mask == self.window & !self.resource_mask
    }

    /// Raises the window and gives it the keyboard: through the window
    /// manager where there is one (it decides about its frames), and
    /// directly as well.
    fn bring_forward(&mut self) -> Result<(), Refused> {
        let top = self.top_level()?;
        self.connection
            .configure_window(top, &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE))?;
        if let Some(active) = self.net_active_window {
            // Source 2: a pager or similar tool acting for the user.
            let message =
                ClientMessageEvent::new(32, self.window, active, [2, CURRENT_TIME, 0, 0, 0]);
            self.connection.send_event(
                false,
                self.root,
                EventMask::SUBSTRUCTURE_REDIRECT | EventMask::SUBSTRUCTURE_NOTIFY,
                message,
            )?;
        }
        if let Err(error) = self
            .connection
            .set_input_focus(InputFocus::PARENT, self.window, CURRENT_TIME)?
            .check()
        {
            tracing::debug!(%error, "the window could not take the focus directly");
        }
        Ok(())
    }

    /// Refuses a click where another application's window is on top.
    fn check_uncovered(&self, screen_x: i16, screen_y: i16) -> Result<(), Refused> {
        let top = self.top_level()?;
        for attempt in 0..SETTLE_TRIES {
            let under = self
                .connection
                .translate_coordinates(self.root, self.root, screen_x, screen_y)?
                .reply()?
                .child;
            if under == top || self.same_client(under) {
                return Ok(());
            }
            if attempt + 1 < SETTLE_TRIES {
                std::thread::sleep(SETTLE_PAUSE);
            }
        }
        Err(Refused::Covered)
    }

    /// Makes sure keys go to the application: focuses its window unless
    /// the focus is on one of its windows already.
    fn focus(&mut self) -> Result<(), Refused> {
        if self.has_focus()? {
            return Ok(());
        }
        self.bring_forward()?;
        for _ in 0..SETTLE_TRIES {
            if self.has_focus()? {
                return Ok(());
            }
            std::thread::sleep(SETTLE_PAUSE);
        }
        Err(Refused::NotFocused)
    }

    fn has_focus(&self) -> Result<bool, Refused> {
        let focus = self.connection.get_input_focus()?.reply()?.focus;
        Ok(focus == self.window || self.same_client(focus))
    }

    fn fake(&self, kind: u8, detail: u8, x: i16, y: i16) -> Result<(), Refused> {
        self.connection
            .xtest_fake_input(kind, detail, CURRENT_TIME, self.root, x, y, 0)?;
        Ok(())
    }

    /// Control ended: nothing stays down, and the keyboard is as it was.
    fn let_go(&mut self) {
        for keycode in std::mem::take(&mut self.keys_down) {
            let _ = self.fake(xproto_event::KEY_RELEASE, keycode, 0, 0);
        }
        for button in std::mem::take(&mut self.buttons_down) {
            let _ = self.fake(xproto_event::BUTTON_RELEASE, button, 0, 0);
        }
        for keycode in std::mem::take(&mut self.bound) {
            let _ = self
                .connection
                .change_keyboard_mapping(1, keycode, 2, &[NONE, NONE]);
        }
        let _ = self.connection.sync();
    }
}

/// XTest's event types (the core event codes).
mod xproto_event {
    use x11rb::protocol::xproto;

    pub const KEY_PRESS: u8 = xproto::KEY_PRESS_EVENT;
    pub const KEY_RELEASE: u8 = xproto::KEY_RELEASE_EVENT;
    pub const BUTTON_PRESS: u8 = xproto::BUTTON_PRESS_EVENT;
    pub const BUTTON_RELEASE: u8 = xproto::BUTTON_RELEASE_EVENT;
    pub const MOTION: u8 = xproto::MOTION_NOTIFY_EVENT;
}

/// Pointer moves one after another become the last of them; everything
/// else stays, in order.
fn coalesce(events: Vec<InputEvent>) -> Vec<InputEvent> {
    let mut kept: Vec<InputEvent> = Vec::with_capacity(events.len());
    for event in events {
        if let (InputEvent::PointerMove { .. }, Some(InputEvent::PointerMove { .. })) =
            (&event, kept.last())
        {
            kept.pop();
        }
        kept.push(event);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(x: u32) -> InputEvent {
        InputEvent::PointerMove { x, y: 1 }
    }

    #[test]
    fn consecutive_moves_coalesce_into_the_last() {
        let click = InputEvent::PointerButton {
            x: 5,
            y: 5,
            button: 1,
            pressed: true,
        };
        let key = InputEvent::Key {
            keysym: 0x61,
            pressed: true,
        };
        let events = vec![
            moved(1),
            moved(2),
            moved(3),
            click.clone(),
            moved(4),
            key.clone(),
            moved(5),
            moved(6),
        ];
        assert_eq!(
            coalesce(events),
            vec![moved(3), click, moved(4), key, moved(6)]
        );
        assert!(coalesce(Vec::new()).is_empty());
    }
}
