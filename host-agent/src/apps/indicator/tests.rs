//! The indicator on a real X server (Xvfb, as the application tests start
//! it), looked at and clicked from outside as a person's tools would:
//! another X connection and `xdotool`.

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use x11rb::connection::Connection;
use x11rb::properties::WmSizeHints;
use x11rb::protocol::res::{self, ClientIdMask, ClientIdSpec};
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ClientMessageEvent, ConfigureWindowAux, ConnectionExt as _, CreateWindowAux,
    EventMask, GrabMode, ImageFormat, InputFocus, MapState, ModMask, StackMode, Window,
    WindowClass,
};
use x11rb::rust_connection::RustConnection;

use super::text::FontSet;
use super::window::{CLASS, INSTANCE, MARGIN};
use super::words::{Language, Words};
use super::{Asked, Indicator, IndicatorError, Shown};

// The end-to-end tests' X server helper, shared as source (this crate is a
// binary, so the tests crate cannot be a dependency of it); what only
// those tests use is unused here.
#[allow(dead_code)]
#[path = "../../../../tests/src/xvfb.rs"]
mod xvfb;
use xvfb::Xvfb;

/// Xvfb's screen (see `xvfb.rs`).
const SCREEN_WIDTH: u32 = 1280;
const WITHIN: Duration = Duration::from_secs(3);

/// One X server at a time: starting several from one process at once can
/// hand two tests the same display.
static ONE_SERVER_AT_A_TIME: Mutex<()> = Mutex::new(());

struct Desktop {
    _serialised: std::sync::MutexGuard<'static, ()>,
    xvfb: Xvfb,
    connection: RustConnection,
    root: Window,
}

impl Desktop {
    fn start() -> Desktop {
        let serialised = ONE_SERVER_AT_A_TIME
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let xvfb = Xvfb::start();
        let (connection, screen) = connect(&xvfb.display);
        let root = connection.setup().roots[screen].root;
        Desktop {
            _serialised: serialised,
            xvfb,
            connection,
            root,
        }
    }

    /// In English, whatever the locale the tests run in.
    fn show(&self, shown: Vec<Shown>) -> (Indicator, UnboundedReceiver<Asked>) {
        self.show_in(Language::English, shown)
    }

    fn show_in(
        &self,
        language: Language,
        shown: Vec<Shown>,
    ) -> (Indicator, UnboundedReceiver<Asked>) {
        let (asked, heard) = unbounded_channel();
        let indicator =
            Indicator::show_in(&self.xvfb.display, language, shown, asked).expect("shown");
        (indicator, heard)
    }

    /// A customer's window at the top-right corner, where the indicator goes.
    fn customers_window(&self) -> Window {
        let window = self.connection.generate_id().expect("id");
        self.connection
            .create_window(
                x11rb::COPY_DEPTH_FROM_PARENT,
                window,
                self.root,
                (SCREEN_WIDTH - 700) as i16,
                0,
                700,
                400,
                0,
                WindowClass::INPUT_OUTPUT,
                x11rb::COPY_FROM_PARENT,
                &CreateWindowAux::new().background_pixel(0x00_20_a0_20),
            )
            .expect("created");
        self.connection.map_window(window).expect("mapped");
        self.sync();
        window
    }

    fn sync(&self) {
        self.connection
            .get_input_focus()
            .expect("asked")
            .reply()
            .expect("answered");
    }

    fn atom(&self, name: &str) -> Atom {
        self.connection
            .intern_atom(false, name.as_bytes())
            .expect("asked")
            .reply()
            .expect("answered")
            .atom
    }

    fn property(&self, window: Window, name: Atom) -> Vec<u8> {
        self.connection
            .get_property(false, window, name, AtomEnum::ANY, 0, 1024)
            .expect("asked")
            .reply()
            .expect("answered")
            .value
    }

    fn property32(&self, window: Window, name: &str) -> Vec<u32> {
        self.connection
            .get_property(false, window, self.atom(name), AtomEnum::ANY, 0, 1024)
            .expect("asked")
            .reply()
            .expect("answered")
            .value32()
            .map(Iterator::collect)
            .unwrap_or_default()
    }

    /// The root's children, bottom to top.
    fn stacking(&self) -> Vec<Window> {
        self.connection
            .query_tree(self.root)
            .expect("asked")
            .reply()
            .expect("answered")
            .children
    }

    fn is_above(&self, upper: Window, lower: Window) -> bool {
        let stacking = self.stacking();
        let position = |w| stacking.iter().position(|&c| c == w);
        matches!((position(upper), position(lower)), (Some(u), Some(l)) if u > l)
    }

    fn size(&self, window: Window) -> (u32, u32) {
        let geometry = self
            .connection
            .get_geometry(window)
            .expect("asked")
            .reply()
            .expect("answered");
        (geometry.width.into(), geometry.height.into())
    }

    /// The window's pixels once they stop changing (drawn after mapping).
    fn settled_image(&self, window: Window) -> Vec<u8> {
        let mut last: Option<Vec<u8>> = None;
        let started = Instant::now();
        loop {
            let (width, height) = self.size(window);
            let image = self
                .connection
                .get_image(
                    ImageFormat::Z_PIXMAP,
                    window,
                    0,
                    0,
                    width as u16,
                    height as u16,
                    !0,
                )
                .expect("asked")
                .reply()
                .expect("answered")
                .data;
            let drawn = image.chunks(4).any(|pixel| pixel != &image[..4]);
            if drawn && last.as_ref() == Some(&image) {
                return image;
            }
            assert!(started.elapsed() < WITHIN, "the indicator is never drawn");
            last = Some(image);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn xdotool(&self, args: &[&str]) -> String {
        let output = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.xvfb.display)
            .output()
            .expect("xdotool runs (`cargo xtask test` installs it)");
        assert!(
            output.status.success(),
            "xdotool {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The windows `xdotool search` finds, as ids.
    fn search(&self, args: &[&str]) -> Vec<Window> {
        let mut all = vec!["search"];
        all.extend_from_slice(args);
        self.xdotool(&all)
            .lines()
            .map(|line| line.trim().parse().expect("a window id"))
            .collect()
    }

    /// The windows named exactly `name` that are on the screen (none is
    /// no failure, unlike `search`).
    fn visible(&self, name: &str) -> Vec<Window> {
        let pattern = format!("^{name}$");
        let output = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", &pattern])
            .env("DISPLAY", &self.xvfb.display)
            .output()
            .expect("xdotool runs");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect()
    }

    fn clients(&self) -> Vec<u32> {
        res::query_clients(&self.connection)
            .expect("asked")
            .reply()
            .expect("answered")
            .clients
            .iter()
            .map(|client| client.resource_base)
            .collect()
    }
}

/// Connects, again while the server resets after its readiness check
/// (a server resets when its last client leaves, and refuses meanwhile).
fn connect(display: &str) -> (RustConnection, usize) {
    let started = Instant::now();
    loop {
        match x11rb::connect(Some(display)) {
            Ok(connected) => return connected,
            Err(error) => assert!(started.elapsed() < WITHIN, "connects to {display}: {error}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn shown(label: &str, viewers: &str) -> Shown {
    Shown {
        label: label.into(),
        viewers: viewers.into(),
        controller: None,
    }
}

fn controlled(label: &str, viewers: &str, by: &str) -> Shown {
    Shown {
        controller: Some(by.into()),
        ..shown(label, viewers)
    }
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < WITHIN, "{what}: not within {WITHIN:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `what` asked once, and nothing more.
fn asked_once(heard: &mut UnboundedReceiver<Asked>, what: Asked, how: &str) {
    wait_until(how, || !heard.is_empty());
    assert_eq!(heard.try_recv().ok(), Some(what), "{how}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(heard.is_empty(), "{how}: asked more than once");
}

/// Waits for one Stop sharing, and no more.
fn stopped_once(heard: &mut UnboundedReceiver<Asked>, how: &str) {
    asked_once(heard, Asked::StopSharing, how);
}

/// Whether nothing is asked within a moment.
fn nothing_asked(heard: &mut UnboundedReceiver<Asked>) -> bool {
    std::thread::sleep(Duration::from_millis(300));
    heard.is_empty()
}

#[test]
fn it_shows_a_named_window_above_the_customers_in_the_corner_without_taking_the_focus() {
    let desktop = Desktop::start();
    let customers = desktop.customers_window();
    desktop
        .connection
        .set_input_focus(InputFocus::PARENT, customers, x11rb::CURRENT_TIME)
        .expect("focus");
    desktop.sync();

    let (indicator, _stopped) = desktop.show(vec![shown("Terminal", "Carl Support")]);
    let window = indicator.window();

    // Found by name and class, as people's tools find it.
    assert_eq!(desktop.search(&["--name", "^Tether: sharing$"]), [window]);
    assert_eq!(
        desktop.search(&["--classname", "^tether-indicator$"]),
        [window]
    );
    assert_eq!(
        desktop.property(window, AtomEnum::WM_NAME.into()),
        b"Tether: sharing"
    );
    assert_eq!(
        desktop.property(window, desktop.atom("_NET_WM_NAME")),
        b"Tether: sharing"
    );
    assert_eq!(
        desktop.property(window, AtomEnum::WM_CLASS.into()),
        format!("{INSTANCE}\0{CLASS}\0").as_bytes()
    );
    // A managed window asking to be kept above, everywhere, out of the way.
    let attributes = desktop
        .connection
        .get_window_attributes(window)
        .expect("asked")
        .reply()
        .expect("answered");
    assert!(!attributes.override_redirect);
    assert_eq!(attributes.map_state, MapState::VIEWABLE);
    assert_eq!(
        desktop.property32(window, "_NET_WM_WINDOW_TYPE"),
        [desktop.atom("_NET_WM_WINDOW_TYPE_UTILITY")]
    );
    let state = desktop.property32(window, "_NET_WM_STATE");
    for wanted in [
        "_NET_WM_STATE_ABOVE",
        "_NET_WM_STATE_STICKY",
        "_NET_WM_STATE_SKIP_TASKBAR",
        "_NET_WM_STATE_SKIP_PAGER",
    ] {
        assert!(state.contains(&desktop.atom(wanted)), "{wanted}");
    }
    assert_eq!(desktop.property32(window, "_NET_WM_USER_TIME"), [0]);
    // Fixed in size, at the top-right corner.
    let (width, height) = desktop.size(window);
    let hints = WmSizeHints::get_normal_hints(&desktop.connection, window)
        .expect("asked")
        .reply()
        .expect("answered")
        .expect("size hints");
    assert_eq!(hints.min_size, Some((width as i32, height as i32)));
    assert_eq!(hints.max_size, hints.min_size);
    let at = desktop
        .connection
        .translate_coordinates(window, desktop.root, 0, 0)
        .expect("asked")
        .reply()
        .expect("answered");
    assert_eq!(at.dst_x as u32 + width, SCREEN_WIDTH - MARGIN);
    assert_eq!(at.dst_y as u32, MARGIN);
    // The agent's own: by process, which is how `app.list` leaves it out.
    assert_eq!(
        desktop.property32(window, "_NET_WM_PID"),
        [std::process::id()]
    );
    let ids = res::query_client_ids(
        &desktop.connection,
        &[ClientIdSpec {
            client: window,
            mask: ClientIdMask::LOCAL_CLIENT_PID,
        }],
    )
    .expect("asked")
    .reply()
    .expect("answered");
    assert_eq!(ids.ids[0].value, [std::process::id()]);

    // Above the customer's window, which keeps the keyboard.
    assert!(desktop.is_above(window, customers));
    let focus = desktop
        .connection
        .get_input_focus()
        .expect("asked")
        .reply()
        .expect("answered");
    assert_eq!(focus.focus, customers);

    // A window opened over it later: it comes back on top.
    let later = desktop.customers_window();
    wait_until("the indicator back on top", || {
        desktop.is_above(window, later)
    });
    // Raised again when the customer raises theirs.
    desktop
        .connection
        .configure_window(
            customers,
            &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE),
        )
        .expect("raised");
    desktop.sync();
    wait_until("the indicator back on top of the raised window", || {
        desktop.is_above(window, customers)
    });
}

#[test]
fn update_changes_what_it_lists_and_its_size() {
    let desktop = Desktop::start();
    let (indicator, _stopped) = desktop.show(vec![shown("Terminal", "Carl Support")]);
    let window = indicator.window();
    let first = desktop.settled_image(window);
    let (width, height) = desktop.size(window);

    // Another label of the same length: same size, other pixels.
    indicator.update(vec![shown("Terminax", "Carl Support")]);
    wait_until("redrawn with the new label", || {
        desktop.settled_image(window) != first
    });
    assert_eq!(desktop.size(window), (width, height));

    // More to list, in any script, some long: taller and wider, still in
    // the corner.
    indicator.update(vec![
        shown("Terminal", "Carl Support"),
        shown("メモ — 日本語のテキスト 🙂", "Carl Support"),
        shown(&"A very long window title ".repeat(20), "Ann Helper"),
    ]);
    wait_until("resized to fit", || {
        let (w, h) = desktop.size(window);
        w > width && h > height
    });
    let (wider, _) = desktop.size(window);
    let at = desktop
        .connection
        .translate_coordinates(window, desktop.root, 0, 0)
        .expect("asked")
        .reply()
        .expect("answered");
    assert_eq!(at.dst_x as u32 + wider, SCREEN_WIDTH - MARGIN);
    // A long label is cut, not the window stretched across the screen.
    assert!(wider < SCREEN_WIDTH / 2, "{wider} px wide");

    // Back to one: back to the first size and the first picture.
    indicator.update(vec![shown("Terminal", "Carl Support")]);
    wait_until("back to one line", || {
        desktop.size(window) == (width, height)
    });
    wait_until("the first picture again", || {
        desktop.settled_image(window) == first
    });
}

#[test]
fn stop_sharing_is_a_click_enter_or_space_on_the_button_or_closing_the_window() {
    let desktop = Desktop::start();
    let (indicator, mut stopped) = desktop.show(vec![shown("Terminal", "Carl Support")]);
    let window = indicator.window();
    let buttons = desktop.search(&["--name", "^Stop sharing$"]);
    assert_eq!(buttons.len(), 1, "one Stop sharing button");
    let button = buttons[0].to_string();
    // Drawn: not one colour (its border and label).
    desktop.settled_image(window);

    // The pointer moved onto it and clicked (XTest, like a hand).
    desktop.xdotool(&["mousemove", "--window", &button, "10", "10", "click", "1"]);
    stopped_once(&mut stopped, "a click on Stop sharing");

    // Pressed on the button but released elsewhere: no stop.
    desktop.xdotool(&[
        "mousemove",
        "--window",
        &button,
        "10",
        "10",
        "mousedown",
        "1",
    ]);
    desktop.xdotool(&["mousemove", "100", "500", "mouseup", "1"]);
    assert!(
        nothing_asked(&mut stopped),
        "a press dragged away stops nothing"
    );
    assert!(
        desktop.visible("Take back control").is_empty(),
        "nobody controls anything: no Take back control"
    );

    // Enter and Space while it has the keyboard.
    let window_id = window.to_string();
    desktop.xdotool(&["windowfocus", "--sync", &window_id]);
    desktop.xdotool(&["key", "Return"]);
    stopped_once(&mut stopped, "Enter");
    desktop.xdotool(&["key", "space"]);
    stopped_once(&mut stopped, "Space");
    desktop.xdotool(&["key", "a"]);
    desktop.xdotool(&["key", "Pause"]);
    assert!(
        nothing_asked(&mut stopped),
        "other keys (Pause too, with nothing controlled) do nothing"
    );

    // The window manager's close button.
    let protocols = desktop.atom("WM_PROTOCOLS");
    let delete = desktop.atom("WM_DELETE_WINDOW");
    desktop
        .connection
        .send_event(
            false,
            window,
            EventMask::NO_EVENT,
            ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]),
        )
        .expect("sent");
    desktop.sync();
    stopped_once(&mut stopped, "closing the window");

    // Still there: only the agent ends the share and the indicator.
    assert_eq!(desktop.search(&["--name", "^Tether: sharing$"]), [window]);
}

#[test]
fn dropping_it_closes_the_window_and_its_connection() {
    let desktop = Desktop::start();
    let before = desktop.clients();
    let (indicator, _stopped) = desktop.show(vec![shown("Terminal", "Carl Support")]);
    let window = indicator.window();
    let mask = desktop.connection.setup().resource_id_mask;
    let client = window & !mask;
    assert!(desktop.clients().contains(&client));

    drop(indicator);
    // Gone at once: `drop` waits for the thread, which destroyed it.
    assert!(
        desktop
            .connection
            .get_window_attributes(window)
            .expect("asked")
            .reply()
            .is_err(),
        "the window is destroyed"
    );
    wait_until("its connection closed", || desktop.clients() == before);
}

#[test]
fn losing_the_window_stops_the_sharing_but_closing_it_does_not() {
    let desktop = Desktop::start();
    let (indicator, mut stopped) = desktop.show(vec![shown("Terminal", "Carl Support")]);
    // The customer kills it (`xkill`): the server closes its connection.
    desktop.xdotool(&["windowkill", &indicator.window().to_string()]);
    stopped_once(&mut stopped, "the indicator killed");
    // Dropping what is left of it is quick and says nothing more.
    drop(indicator);
    assert!(stopped.is_empty());

    let (indicator, mut stopped) = desktop.show(vec![shown("Terminal", "Carl Support")]);
    drop(indicator);
    std::thread::sleep(Duration::from_millis(200));
    assert!(stopped.try_recv().is_err(), "closing it stops nothing");
}

#[test]
fn without_a_display_showing_it_is_a_clear_error() {
    let (stop, _stopped) = unbounded_channel();
    let error = Indicator::show_on("", vec![], stop.clone())
        .err()
        .expect("no display");
    assert!(matches!(error, IndicatorError::NoDisplay(_)), "{error}");
    assert!(error.to_string().contains("DISPLAY is not set"), "{error}");

    let nowhere = Xvfb::unused_display();
    let error = Indicator::show_on(&nowhere, vec![], stop)
        .err()
        .expect("no display");
    assert!(matches!(error, IndicatorError::NoDisplay(_)), "{error}");
    assert!(error.to_string().contains(&nowhere), "{error}");
}

#[test]
fn a_display_without_the_fonts_is_a_clear_error() {
    let desktop = Desktop::start();
    let error = FontSet::open(
        &desktop.connection,
        &["-tether-nonexistent-*", "-tether-absent-*"],
        &[],
    )
    .expect_err("no such font");
    assert!(matches!(error, IndicatorError::NoFont(_)), "{error}");
    assert!(error.to_string().contains("-tether-absent-*"), "{error}");
    // And the fonts it does use are there, with a fallback for kana.
    let fonts = FontSet::open(
        &desktop.connection,
        super::text::MAIN_FACES,
        super::text::FALLBACK_FACES,
    )
    .expect("fonts");
    assert_eq!(fonts.displayable("Café"), "Café");
    assert!(!fonts.fonts().is_empty());
}

impl Desktop {
    /// Whether this (other) client can grab `keysym`'s key on the root
    /// right now, as another program would: it cannot while the
    /// indicator holds it. Let go again unless `keep`.
    fn can_grab(&self, keysym: u32, keep: bool) -> bool {
        let setup = self.connection.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let mapping = self
            .connection
            .get_keyboard_mapping(min, max - min + 1)
            .expect("asked")
            .reply()
            .expect("answered");
        let per = usize::from(mapping.keysyms_per_keycode);
        let index = mapping
            .keysyms
            .iter()
            .position(|&k| k == keysym)
            .expect("the key is on Xvfb's keyboard");
        let keycode = min + (index / per) as u8;
        let granted = self
            .connection
            .grab_key(
                false,
                self.root,
                ModMask::from(0u16),
                keycode,
                GrabMode::ASYNC,
                GrabMode::ASYNC,
            )
            .expect("asked")
            .check()
            .is_ok();
        if granted && !keep {
            self.connection
                .ungrab_key(keycode, self.root, ModMask::from(0u16))
                .expect("let go");
            self.sync();
        }
        granted
    }
}

const XK_PAUSE: u32 = 0xff13;
const XK_SCROLL_LOCK: u32 = 0xff14;

#[test]
fn take_back_control_is_its_button_or_pause_whatever_has_the_keyboard_and_locks_on() {
    let desktop = Desktop::start();
    let customers = desktop.customers_window();
    let (indicator, mut heard) = desktop.show(vec![shown("Terminal", "Carl Customer")]);
    let window = indicator.window();
    let (_, plain_height) = desktop.size(window);
    assert!(desktop.can_grab(XK_PAUSE, false), "Pause is free");

    // Carl controls: the button appears, the window grows for it and the
    // line saying how, and Pause is the indicator's.
    indicator.update(vec![
        controlled("Terminal", "Carl Customer", "Carl Customer"),
        shown("Editor", "Carl Customer"),
    ]);
    let take_back = {
        let mut found = Vec::new();
        wait_until("Take back control shown", || {
            found = desktop.visible("Take back control");
            !found.is_empty()
        });
        found[0].to_string()
    };
    wait_until("taller", || desktop.size(window).1 > plain_height);
    assert!(
        !desktop.can_grab(XK_PAUSE, false),
        "the indicator holds Pause"
    );
    desktop.settled_image(window);

    desktop.xdotool(&[
        "mousemove",
        "--window",
        &take_back,
        "10",
        "10",
        "click",
        "1",
    ]);
    asked_once(
        &mut heard,
        Asked::TakeBackControl,
        "a click on Take back control",
    );

    // Pause, while another window has the keyboard, then with Caps Lock
    // and Num Lock on (each adds a modifier to the press).
    desktop
        .connection
        .set_input_focus(InputFocus::PARENT, customers, x11rb::CURRENT_TIME)
        .expect("focus");
    desktop.sync();
    desktop.xdotool(&["key", "Pause"]);
    asked_once(&mut heard, Asked::TakeBackControl, "Pause");
    desktop.xdotool(&["key", "Caps_Lock"]);
    desktop.xdotool(&["key", "Pause"]);
    asked_once(
        &mut heard,
        Asked::TakeBackControl,
        "Pause with Caps Lock on",
    );
    desktop.xdotool(&["key", "Num_Lock"]);
    desktop.xdotool(&["key", "Pause"]);
    asked_once(
        &mut heard,
        Asked::TakeBackControl,
        "Pause with Caps Lock and Num Lock on",
    );
    desktop.xdotool(&["key", "Caps_Lock", "Num_Lock"]);

    // Control over: the button goes, Pause is let go (another program may
    // have it) and does nothing here.
    indicator.update(vec![
        shown("Terminal", "Carl Customer"),
        shown("Editor", "Carl Customer"),
    ]);
    wait_until("Take back control gone", || {
        desktop.visible("Take back control").is_empty()
    });
    wait_until("Pause let go", || desktop.can_grab(XK_PAUSE, false));
    desktop.xdotool(&["key", "Pause"]);
    assert!(nothing_asked(&mut heard), "Pause with nobody in control");
}

#[test]
fn with_pause_held_by_another_program_scroll_lock_takes_control_back() {
    let desktop = Desktop::start();
    assert!(
        desktop.can_grab(XK_PAUSE, true),
        "another program holds Pause"
    );
    let (indicator, mut heard) = desktop.show(vec![controlled(
        "Terminal",
        "Carl Customer",
        "Carl Customer",
    )]);
    assert!(
        !desktop.can_grab(XK_SCROLL_LOCK, false),
        "the indicator holds Scroll Lock"
    );
    desktop.xdotool(&["key", "Scroll_Lock"]);
    asked_once(&mut heard, Asked::TakeBackControl, "Scroll Lock");
    desktop.xdotool(&["key", "Pause"]);
    assert!(nothing_asked(&mut heard), "Pause is the other program's");
    drop(indicator);
    assert!(
        desktop.can_grab(XK_SCROLL_LOCK, false),
        "closing the indicator lets go of its key"
    );
}

impl Desktop {
    /// A property's type and bytes.
    fn typed_property(&self, window: Window, name: Atom) -> (Atom, Vec<u8>) {
        let reply = self
            .connection
            .get_property(false, window, name, AtomEnum::ANY, 0, 1024)
            .expect("asked")
            .reply()
            .expect("answered");
        (reply.type_, reply.value)
    }
}

#[test]
fn in_japanese_it_is_named_and_written_in_japanese() {
    let desktop = Desktop::start();
    let (indicator, mut heard) = desktop.show_in(
        Language::Japanese,
        vec![controlled("メモ", "Carl Customer", "Carl Customer")],
    );
    let window = indicator.window();
    let words = Words::new(Language::Japanese);
    // Named in Japanese, in UTF-8 both ways (not Latin-1).
    let utf8 = desktop.atom("UTF8_STRING");
    assert_eq!(
        desktop.typed_property(window, desktop.atom("_NET_WM_NAME")),
        (utf8, words.title().as_bytes().to_vec())
    );
    assert_eq!(
        desktop.typed_property(window, AtomEnum::WM_NAME.into()),
        (utf8, words.title().as_bytes().to_vec())
    );
    assert_eq!(desktop.visible("Tether：共有中"), [window]);
    assert!(desktop.visible("Tether: sharing").is_empty());
    // Its buttons too, and they work.
    assert!(desktop.visible("Stop sharing").is_empty());
    let stop = desktop.visible("共有を停止");
    assert_eq!(stop.len(), 1, "one 共有を停止");
    let take_back = desktop.visible("操作権を取り戻す");
    assert_eq!(take_back.len(), 1, "one 操作権を取り戻す");
    desktop.settled_image(window);
    desktop.xdotool(&[
        "mousemove",
        "--window",
        &take_back[0].to_string(),
        "10",
        "10",
        "click",
        "1",
    ]);
    asked_once(
        &mut heard,
        Asked::TakeBackControl,
        "a click on 操作権を取り戻す",
    );

    // Xvfb has the misc-fixed Japanese face (xfonts-base): every phrase
    // is written as itself, none as question marks.
    let fonts = FontSet::open(
        &desktop.connection,
        super::text::MAIN_FACES,
        super::text::FALLBACK_FACES,
    )
    .expect("fonts");
    assert_eq!(words.legible_with(&fonts), words);
    for phrase in words.phrases() {
        assert_eq!(fonts.displayable(&phrase), phrase, "written as it is");
    }
}

#[test]
fn in_french_its_latin1_names_are_strings() {
    let desktop = Desktop::start();
    let (indicator, _heard) = desktop.show_in(
        Language::French,
        vec![controlled("Terminal", "Carl Customer", "Carl Customer")],
    );
    let window = indicator.window();
    assert_eq!(
        desktop.typed_property(window, AtomEnum::WM_NAME.into()),
        (
            AtomEnum::STRING.into(),
            b"Tether\xa0: partage en cours".to_vec()
        )
    );
    assert_eq!(
        desktop.property(window, desktop.atom("_NET_WM_NAME")),
        "Tether\u{a0}: partage en cours".as_bytes()
    );
    for button in ["Arrêter le partage", "Reprendre le contrôle"] {
        let found = desktop.visible(button);
        assert_eq!(found.len(), 1, "{button}");
        let (encoding, name) = desktop.typed_property(found[0], AtomEnum::WM_NAME.into());
        assert_eq!(encoding, u32::from(AtomEnum::STRING));
        assert_eq!(name, latin1_bytes(button));
    }
}

fn latin1_bytes(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1"))
        .collect()
}
