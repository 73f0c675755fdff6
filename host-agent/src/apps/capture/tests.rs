//! The capture against a real X server: an Xvfb of each test's own, with
//! windows made by other X clients (connections of their own, as other
//! applications are), no window manager — and one simulated by a client
//! that reparents a window into a frame, as window managers do.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{
    AtomEnum, ColormapAlloc, ConfigureWindowAux, ConnectionExt as _, CreateGCAux, CreateWindowAux,
    EventMask, PropMode, Rectangle, Window, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

use super::*;

const BLUE: u32 = 0x33_99_cc;
const RED: u32 = 0xee_11_22;
const YELLOW: u32 = 0xff_dd_00;
const GREY: u32 = 0x80_80_80;
const GREEN: u32 = 0x22_bb_44;

/// The tests' own X server, shared as source with the end-to-end tests
/// (and the indicator's tests: one module for both would need a place
/// in `apps/mod.rs`).
#[allow(
    dead_code,
    clippy::duplicate_mod,
    reason = "not every helper of the shared file is used here"
)]
#[path = "../../../../tests/src/xvfb.rs"]
mod xvfb;
use xvfb::Xvfb;

/// Captures on `xvfb` for a test.
trait Captures {
    fn options(&self) -> Options;
    fn open(&self, window: Window) -> Result<WindowCapture, CaptureError>;
}

impl Captures for Xvfb {
    fn options(&self) -> Options {
        Options {
            display: self.display.clone(),
            // The windows are this test process's; the agent's own are
            // refused by pid, which is tested on its own.
            owner_pid: 0,
            shared_memory: true,
        }
    }

    fn open(&self, window: Window) -> Result<WindowCapture, CaptureError> {
        WindowCapture::open_with(window, self.options())
    }
}

/// A window to make.
#[derive(Clone, Copy)]
struct Spec {
    x: i16,
    y: i16,
    width: u16,
    height: u16,
    colour: u32,
    override_redirect: bool,
    /// On a 32-bit (ARGB) visual.
    depth_32: bool,
    mapped: bool,
}

impl Spec {
    fn at(x: i16, y: i16, width: u16, height: u16, colour: u32) -> Spec {
        Spec {
            x,
            y,
            width,
            height,
            colour,
            override_redirect: false,
            depth_32: false,
            mapped: true,
        }
    }

    fn popup(self) -> Spec {
        Spec {
            override_redirect: true,
            ..self
        }
    }
}

/// An X application: one client (connection) of its own.
struct App {
    connection: RustConnection,
    root: Window,
}

impl App {
    fn connect(xvfb: &Xvfb) -> App {
        let (connection, screen) = x11rb::connect(Some(&xvfb.display)).expect("connects");
        let root = connection.setup().roots[screen].root;
        App { connection, root }
    }

    /// Makes (and maps, unless told not to) a window filled with its colour
    /// (the server paints it: a background pixel).
    fn window(&self, spec: Spec) -> Window {
        self.window_in(self.root, spec)
    }

    fn window_in(&self, parent: Window, spec: Spec) -> Window {
        let c = &self.connection;
        let window = c.generate_id().expect("id");
        let mut aux = CreateWindowAux::new()
            .override_redirect(u32::from(spec.override_redirect))
            .event_mask(EventMask::EXPOSURE);
        let (depth, visual) = if spec.depth_32 {
            let screen = &c.setup().roots[0];
            let visual = screen
                .allowed_depths
                .iter()
                .find(|d| d.depth == 32)
                .and_then(|d| d.visuals.first())
                .expect("Xvfb has a depth-32 visual")
                .visual_id;
            let colormap = c.generate_id().expect("id");
            c.create_colormap(ColormapAlloc::NONE, colormap, self.root, visual)
                .expect("colormap");
            aux = aux
                .colormap(colormap)
                .border_pixel(0)
                .background_pixel(0xff00_0000 | spec.colour);
            (32, visual)
        } else {
            aux = aux.background_pixel(spec.colour);
            (x11rb::COPY_DEPTH_FROM_PARENT, x11rb::COPY_FROM_PARENT)
        };
        c.create_window(
            depth,
            window,
            parent,
            spec.x,
            spec.y,
            spec.width,
            spec.height,
            0,
            WindowClass::INPUT_OUTPUT,
            visual,
            &aux,
        )
        .expect("window");
        c.change_property8(
            PropMode::REPLACE,
            window,
            AtomEnum::WM_NAME,
            AtomEnum::STRING,
            b"Fixture \xe9t\xe9",
        )
        .expect("title");
        if spec.mapped {
            c.map_window(window).expect("mapped");
        }
        self.sync();
        window
    }

    /// Draws `colour` over `area` of `window`.
    fn fill(&self, window: Window, colour: u32, area: Rectangle) {
        let c = &self.connection;
        let gc = c.generate_id().expect("id");
        c.create_gc(gc, window, &CreateGCAux::new().foreground(colour))
            .expect("gc");
        c.poly_fill_rectangle(window, gc, &[area]).expect("filled");
        c.free_gc(gc).expect("freed");
        self.sync();
    }

    fn resize(&self, window: Window, width: u32, height: u32) {
        self.connection
            .configure_window(
                window,
                &ConfigureWindowAux::new().width(width).height(height),
            )
            .expect("resized");
        self.sync();
    }

    fn set_wm_state(&self, window: Window, state: u32) {
        let c = &self.connection;
        let atom = c
            .intern_atom(false, b"WM_STATE")
            .expect("atom")
            .reply()
            .expect("atom")
            .atom;
        c.change_property32(PropMode::REPLACE, window, atom, atom, &[state, 0])
            .expect("WM_STATE");
        self.sync();
    }

    /// Waits until the server has done everything asked so far.
    fn sync(&self) {
        self.connection
            .get_input_focus()
            .expect("request")
            .reply()
            .expect("round trip");
    }
}

/// An application that draws its window itself (background None, as GTK
/// and Qt windows are), redrawing on `Expose` only after `delay`: what a
/// busy application does.
fn slow_painter(xvfb: &Xvfb, spec: Spec, delay: Duration) -> Window {
    let display = xvfb.display.clone();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let (c, screen) = x11rb::connect(Some(&display)).expect("connects");
        let root = c.setup().roots[screen].root;
        let window = c.generate_id().expect("id");
        c.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            window,
            root,
            spec.x,
            spec.y,
            spec.width,
            spec.height,
            0,
            WindowClass::INPUT_OUTPUT,
            x11rb::COPY_FROM_PARENT,
            &CreateWindowAux::new().event_mask(EventMask::EXPOSURE),
        )
        .expect("window");
        let gc = c.generate_id().expect("id");
        c.create_gc(gc, window, &CreateGCAux::new().foreground(spec.colour))
            .expect("gc");
        c.map_window(window).expect("mapped");
        c.flush().expect("flushed");
        let all = Rectangle {
            x: 0,
            y: 0,
            width: spec.width,
            height: spec.height,
        };
        let mut first = true;
        // Until the server goes away with the test.
        while let Ok(event) = c.wait_for_event() {
            if let Event::Expose(_) = event {
                if !first {
                    std::thread::sleep(delay);
                }
                if c.poly_fill_rectangle(window, gc, &[all]).is_err() || c.flush().is_err() {
                    break;
                }
                if first {
                    first = false;
                    let _ = c.get_input_focus().map(|cookie| cookie.reply());
                    let _ = sender.send(window);
                }
            }
        }
    });
    receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("the painter's window is shown")
}

/// The colour at (`x`, `y`) of a frame, as 0xRRGGBB.
fn at(frame: &Frame, x: usize, y: usize) -> u32 {
    let i = (y * usize::from(frame.width) + x) * 4;
    let [b, g, r] = [frame.bgrx[i], frame.bgrx[i + 1], frame.bgrx[i + 2]];
    u32::from_be_bytes([0, r, g, b])
}

/// How many pixels of the frame have `colour`.
fn count(frame: &Frame, colour: u32) -> usize {
    (0..usize::from(frame.height))
        .flat_map(|y| (0..usize::from(frame.width)).map(move |x| (x, y)))
        .filter(|&(x, y)| at(frame, x, y) == colour)
        .count()
}

fn pixels(frame: &Frame) -> usize {
    usize::from(frame.width) * usize::from(frame.height)
}

/// Lets what opening the capture drew arrive and be answered.
fn settle(capture: &mut WindowCapture) {
    while capture.wait(Duration::from_millis(150)).expect("waits") != Change::Nothing {}
}

/// Waits for the first change that is not `Nothing` (up to 5 s).
fn next_change(capture: &mut WindowCapture) -> Change {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        match capture.wait(Duration::from_millis(200)).expect("waits") {
            Change::Nothing => continue,
            change => return change,
        }
    }
    Change::Nothing
}

#[test]
fn the_captured_frame_shows_the_windows_colour() {
    let xvfb = Xvfb::start();
    let app = App::connect(&xvfb);
    let window = app.window(Spec::at(40, 30, 320, 200, BLUE));
    let mut capture = xvfb.open(window).expect("opens");
    assert!(capture.reader.is_shared(), "a local display shares memory");
    let frame = capture.grab_frame().expect("grabbed");
    assert_eq!((frame.width, frame.height), (320, 200));
    assert_eq!(frame.bgrx.len(), 320 * 200 * 4);
    assert_eq!(count(&frame, BLUE), pixels(&frame));
    assert_eq!(capture.window(), window);
    assert_eq!(capture.title(), "Fixture été");
    assert_eq!(capture.geometry().expect("geometry"), (40, 30, 320, 200));

    // Without shared memory (a remote display): the same picture.
    let options = Options {
        shared_memory: false,
        ..xvfb.options()
    };
    let mut plain = WindowCapture::open_with(window, options).expect("opens");
    assert!(!plain.reader.is_shared());
    assert_eq!(plain.grab_frame().expect("grabbed").bgrx, frame.bgrx);
}

#[test]
fn depth_32_windows_are_read_too() {
    let xvfb = Xvfb::start();
    let app = App::connect(&xvfb);
    let window = app.window(Spec {
        depth_32: true,
        ..Spec::at(10, 10, 64, 48, GREEN)
    });
    let frame = xvfb
        .open(window)
        .expect("opens")
        .grab_frame()
        .expect("grabbed");
    assert_eq!(count(&frame, GREEN), pixels(&frame));
}

#[test]
fn a_window_on_top_of_the_shared_one_never_appears() {
    let xvfb = Xvfb::start();
    let shared = App::connect(&xvfb);
    let window = shared.window(Spec::at(40, 30, 320, 200, BLUE));
    // Another application's window over half of it, and its menu.
    let other = App::connect(&xvfb);
    other.window(Spec::at(200, 100, 300, 300, RED));
    other.window(Spec::at(20, 20, 100, 100, YELLOW).popup());
    let mut capture = xvfb.open(window).expect("opens");
    settle(&mut capture);
    let frame = capture.grab_frame().expect("grabbed");
    assert_eq!(count(&frame, RED), 0);
    assert_eq!(count(&frame, YELLOW), 0);
    assert_eq!(count(&frame, BLUE), pixels(&frame));
    // Drawing under the covering window shows in the picture.
    shared.fill(
        window,
        GREEN,
        Rectangle {
            x: 250,
            y: 150,
            width: 20,
            height: 20,
        },
    );
    assert_eq!(next_change(&mut capture), Change::Damaged);
    let frame = capture.grab_frame().expect("grabbed");
    assert_eq!(count(&frame, GREEN), 400);
    assert_eq!(count(&frame, RED), 0);
}

#[test]
fn a_covered_window_shows_black_until_its_application_redraws_never_the_cover() {
    let xvfb = Xvfb::start();
    // Draws itself, and takes its time to redraw.
    let window = slow_painter(
        &xvfb,
        Spec::at(40, 30, 320, 200, BLUE),
        Duration::from_millis(700),
    );
    let other = App::connect(&xvfb);
    other.window(Spec::at(200, 100, 300, 300, RED));
    let mut capture = xvfb.open(window).expect("opens");
    let first = capture.grab_frame().expect("grabbed");
    assert_eq!(count(&first, RED), 0, "the covering window leaked");
    assert_eq!(
        count(&first, 0) + count(&first, BLUE),
        pixels(&first),
        "only black (not redrawn yet) or the window's own colour"
    );
    assert!(count(&first, 0) > 0, "the redraw comes later in this test");
    // Once it redrew: all of it.
    let started = Instant::now();
    loop {
        assert!(started.elapsed() < Duration::from_secs(5), "never redrawn");
        if capture.wait(Duration::from_millis(200)).expect("waits") == Change::Damaged
            && count(&capture.grab_frame().expect("grabbed"), BLUE) == 320 * 200
        {
            break;
        }
    }
}

#[test]
fn the_applications_popups_are_drawn_in_clipped_to_its_window() {
    let xvfb = Xvfb::start();
    let app = App::connect(&xvfb);
    let window = app.window(Spec::at(40, 30, 320, 200, BLUE));
    // A menu open before sharing starts, overlapping the right edge.
    app.window(Spec::at(300, 100, 100, 300, YELLOW).popup());
    let mut capture = xvfb.open(window).expect("opens");
    settle(&mut capture);
    let frame = capture.grab_frame().expect("grabbed");
    // On screen (300..360, 100..230) of the window's (40..360, 30..230).
    assert_eq!(count(&frame, YELLOW), 60 * 130);
    assert_eq!(at(&frame, 260, 70), YELLOW);
    assert_eq!(at(&frame, 259, 70), BLUE);
    assert_eq!(count(&frame, BLUE), pixels(&frame) - 60 * 130);

    // One opened during the share wakes the capture and is drawn in.
    let tooltip = app.window(Spec::at(50, 40, 30, 10, GREEN).popup());
    assert_eq!(next_change(&mut capture), Change::Damaged);
    let frame = capture.grab_frame().expect("grabbed");
    assert_eq!(count(&frame, GREEN), 300);
    assert_eq!(at(&frame, 10, 10), GREEN);
    // Closed: gone from the picture.
    app.connection.destroy_window(tooltip).expect("closed");
    app.sync();
    assert_eq!(next_change(&mut capture), Change::Damaged);
    assert_eq!(count(&capture.grab_frame().expect("grabbed"), GREEN), 0);
}

#[test]
fn another_applications_window_is_not_captured() {
    let xvfb = Xvfb::start();
    let first = App::connect(&xvfb);
    let shared = first.window(Spec::at(40, 30, 320, 200, BLUE));
    let second = App::connect(&xvfb);
    let beside = second.window(Spec::at(400, 30, 200, 200, GREEN));
    // The second application's own picture is its own, and the first's
    // capture shows nothing of it even where it overlaps.
    let frame = xvfb
        .open(beside)
        .expect("opens")
        .grab_frame()
        .expect("grabbed");
    assert_eq!(count(&frame, GREEN), pixels(&frame));
    second
        .connection
        .configure_window(beside, &ConfigureWindowAux::new().x(100))
        .expect("moved");
    second.sync();
    let frame = xvfb
        .open(shared)
        .expect("opens")
        .grab_frame()
        .expect("grabbed");
    assert_eq!(count(&frame, GREEN), 0);
    assert_eq!(count(&frame, BLUE), pixels(&frame));
}

#[test]
fn a_resize_gives_a_frame_of_the_new_size() {
    let xvfb = Xvfb::start();
    let app = App::connect(&xvfb);
    let window = app.window(Spec::at(40, 30, 320, 200, BLUE));
    let mut capture = xvfb.open(window).expect("opens");
    capture.grab_frame().expect("grabbed");
    settle(&mut capture);
    app.resize(window, 401, 257);
    assert_eq!(next_change(&mut capture), Change::Resized);
    let frame = capture.grab_frame().expect("grabbed");
    assert_eq!((frame.width, frame.height), (401, 257));
    assert_eq!(count(&frame, BLUE), pixels(&frame));
    assert_eq!(capture.geometry().expect("geometry"), (40, 30, 401, 257));
    settle(&mut capture);
    // Moving is no resize (the server may report the move as damage).
    app.connection
        .configure_window(window, &ConfigureWindowAux::new().x(90))
        .expect("moved");
    app.sync();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(300) {
        let change = capture.wait(Duration::from_millis(50)).expect("waits");
        assert!(
            matches!(change, Change::Nothing | Change::Damaged),
            "{change:?}"
        );
    }
    let frame = capture.grab_frame().expect("grabbed");
    assert_eq!((frame.width, frame.height), (401, 257));
}

#[test]
fn waiting_gives_nothing_after_the_timeout_and_damage_at_once() {
    let xvfb = Xvfb::start();
    let app = App::connect(&xvfb);
    let window = app.window(Spec::at(0, 0, 100, 100, BLUE));
    let mut capture = xvfb.open(window).expect("opens");
    settle(&mut capture);
    let started = Instant::now();
    assert_eq!(
        capture.wait(Duration::from_millis(250)).expect("waits"),
        Change::Nothing
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
    // Two drawings before the wait: one change (damage accumulates).
    app.fill(
        window,
        RED,
        Rectangle {
            x: 0,
            y: 0,
            width: 10,
            height: 10,
        },
    );
    app.fill(
        window,
        GREEN,
        Rectangle {
            x: 50,
            y: 50,
            width: 10,
            height: 10,
        },
    );
    let started = Instant::now();
    assert_eq!(
        capture.wait(Duration::from_secs(5)).expect("waits"),
        Change::Damaged
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    let frame = capture.grab_frame().expect("grabbed");
    assert_eq!((count(&frame, RED), count(&frame, GREEN)), (100, 100));
}

#[test]
fn a_window_managers_frame_is_redirected_and_left_out_of_the_picture() {
    let xvfb = Xvfb::start();
    let wm = App::connect(&xvfb);
    let frame_window = wm.window(Spec::at(100, 100, 340, 230, GREY));
    let app = App::connect(&xvfb);
    let window = app.window(Spec {
        mapped: false,
        ..Spec::at(0, 0, 320, 200, BLUE)
    });
    // What a reparenting window manager does when the application maps.
    wm.connection
        .reparent_window(window, frame_window, 10, 25)
        .expect("reparented");
    wm.sync();
    app.connection.map_window(window).expect("mapped");
    app.sync();
    wm.set_wm_state(window, 1);

    // The frame itself is no application's window.
    assert!(matches!(
        xvfb.open(frame_window),
        Err(CaptureError::NotAnApplicationWindow(_))
    ));
    let mut capture = xvfb.open(window).expect("opens");
    settle(&mut capture);
    assert_eq!(capture.top, frame_window);
    let frame = capture.grab_frame().expect("grabbed");
    assert_eq!((frame.width, frame.height), (320, 200));
    assert_eq!(count(&frame, GREY), 0);
    assert_eq!(count(&frame, BLUE), pixels(&frame));
    assert_eq!(capture.geometry().expect("geometry"), (110, 125, 320, 200));

    // Minimised: hidden, not gone; back: a resize (a new pixmap).
    wm.set_wm_state(window, 3);
    wm.connection.unmap_window(frame_window).expect("unmapped");
    app.connection.unmap_window(window).expect("unmapped");
    app.sync();
    assert_eq!(
        capture.wait(Duration::from_millis(300)).expect("waits"),
        Change::Nothing
    );
    assert!(matches!(capture.grab_frame(), Err(CaptureError::Hidden)));
    wm.set_wm_state(window, 1);
    app.connection.map_window(window).expect("mapped");
    app.sync();
    wm.connection.map_window(frame_window).expect("mapped");
    wm.sync();
    assert_eq!(next_change(&mut capture), Change::Resized);
    assert_eq!(
        count(&capture.grab_frame().expect("grabbed"), BLUE),
        320 * 200
    );

    // The window manager leaves: the window is back on the root.
    wm.connection
        .reparent_window(window, wm.root, 110, 125)
        .expect("reparented");
    wm.sync();
    assert_eq!(next_change(&mut capture), Change::Resized);
    assert_eq!(capture.top, window);
    assert_eq!(
        count(&capture.grab_frame().expect("grabbed"), BLUE),
        320 * 200
    );
}

#[test]
fn closing_or_withdrawing_the_window_ends_the_capture() {
    let xvfb = Xvfb::start();
    let app = App::connect(&xvfb);
    let closed = app.window(Spec::at(0, 0, 50, 50, BLUE));
    let withdrawn = app.window(Spec::at(60, 0, 50, 50, BLUE));
    let mut closed_capture = xvfb.open(closed).expect("opens");
    let mut withdrawn_capture = xvfb.open(withdrawn).expect("opens");
    app.connection.destroy_window(closed).expect("destroyed");
    app.connection.unmap_window(withdrawn).expect("unmapped");
    app.sync();
    for capture in [&mut closed_capture, &mut withdrawn_capture] {
        assert_eq!(next_change(capture), Change::Gone);
        assert_eq!(capture.wait(Duration::ZERO).expect("waits"), Change::Gone);
        assert!(matches!(capture.grab_frame(), Err(CaptureError::Gone)));
    }
}

#[test]
fn windows_that_are_not_an_applications_main_window_are_refused() {
    let xvfb = Xvfb::start();
    let app = App::connect(&xvfb);
    let main = app.window(Spec::at(0, 0, 200, 200, BLUE));
    let inside = app.window_in(main, Spec::at(10, 10, 20, 20, RED));
    let popup = app.window(Spec::at(0, 0, 20, 20, RED).popup());
    let unmapped = app.window(Spec {
        mapped: false,
        ..Spec::at(0, 0, 20, 20, RED)
    });
    let input_only = app.connection.generate_id().expect("id");
    app.connection
        .create_window(
            0,
            input_only,
            app.root,
            0,
            0,
            10,
            10,
            0,
            WindowClass::INPUT_ONLY,
            x11rb::COPY_FROM_PARENT,
            &CreateWindowAux::new(),
        )
        .expect("window");
    app.connection.map_window(input_only).expect("mapped");
    app.sync();

    let refused = |window| xvfb.open(window).err().expect("refused");
    assert!(matches!(refused(app.root), CaptureError::RootWindow));
    assert!(matches!(
        refused(0x7f_ffff),
        CaptureError::NoSuchWindow(0x7f_ffff)
    ));
    assert!(matches!(refused(inside), CaptureError::NotAnApplicationWindow(w) if w == inside));
    assert!(matches!(
        refused(popup),
        CaptureError::NotAnApplicationWindow(_)
    ));
    assert!(matches!(
        refused(input_only),
        CaptureError::NotAnApplicationWindow(_)
    ));
    assert!(matches!(refused(unmapped), CaptureError::NotViewable(_)));
    // The words say what is wrong.
    assert_eq!(
        refused(unmapped).to_string(),
        format!("window {unmapped:#x} is not shown on the screen")
    );
    // This process's own window (the agent's, here) by the real check.
    let own = WindowCapture::open_with(
        main,
        Options {
            owner_pid: std::process::id(),
            ..xvfb.options()
        },
    );
    assert!(matches!(own, Err(CaptureError::OwnWindow(w)) if w == main));
    // And the window still captures for someone else.
    assert!(xvfb.open(main).is_ok());
}

#[test]
fn without_a_display_the_capture_says_so() {
    for display in [String::new(), Xvfb::unused_display()] {
        let options = Options {
            display,
            owner_pid: 0,
            shared_memory: true,
        };
        let error = WindowCapture::open_with(0x20_0001, options)
            .err()
            .expect("refused");
        assert!(matches!(error, CaptureError::NoDisplay(_)), "{error}");
    }
}

#[test]
fn a_captured_frame_encodes_and_decodes_as_jpeg() {
    let xvfb = Xvfb::start();
    let app = App::connect(&xvfb);
    let window = app.window(Spec::at(40, 30, 160, 90, BLUE));
    let frame = xvfb
        .open(window)
        .expect("opens")
        .grab_frame()
        .expect("grabbed");
    let encoded = crate::apps::encode::jpeg()
        .encode(&frame.pixels(), true)
        .expect("encoded");
    let mut decoder = jpeg_decoder::Decoder::new(encoded.data.as_slice());
    let rgb = decoder.decode().expect("decodes");
    let info = decoder.info().expect("info");
    assert_eq!((info.width, info.height), (160, 90));
    let [r, g, b] = [0x33u8, 0x99, 0xcc];
    for pixel in rgb.chunks_exact(3) {
        assert!(
            pixel[0].abs_diff(r) <= 4 && pixel[1].abs_diff(g) <= 4 && pixel[2].abs_diff(b) <= 4,
            "{pixel:?}"
        );
    }
}
