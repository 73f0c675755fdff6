//! The indicator's X window: a small managed top-level in the top-right
//! corner of the screen, asking the window manager to keep it above
//! everything on every desktop and out of taskbars and pagers (and
//! raising itself where no window manager runs), with child windows that
//! are its buttons: Stop sharing, and Take back control while someone
//! controls what is shared (when the hot key is grabbed too). It lives on
//! a connection of its own, driven by [`IndicatorWindow::run`] on the
//! indicator's thread.

use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use x11rb::connection::Connection;
use x11rb::properties::{WmHints, WmHintsState, WmSizeHints, WmSizeHintsSpecification};
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ChangeGCAux, ClientMessageEvent, ConfigureWindowAux, ConnectionExt as _,
    CreateGCAux, CreateWindowAux, EventMask, Gcontext, Gravity, NotifyDetail, PropMode, Rectangle,
    StackMode, Visibility, Window, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

use super::keys::{HotKey, Keymap};
use super::layout::{self, Button, Layout, Placed, Rect, Style};
use super::raising::RaiseBudget;
use super::text::{FALLBACK_FACES, FontSet, MAIN_FACES};
use super::words::{Language, Words};
use super::{Asked, Command, IndicatorError, Shown};

/// `WM_CLASS`: instance and class (the same in every language, for
/// tools to find it by).
pub const INSTANCE: &str = "tether-indicator";
pub const CLASS: &str = "Tether";
/// Space between the window and the screen's edges.
pub const MARGIN: u32 = 16;
/// Widest a line of text gets.
const MAX_TEXT_WIDTH: u32 = 560;
/// Width of the button's border (and of the focus ring around it).
const BORDER: u16 = 2;

x11rb::atom_manager! {
    pub Atoms: AtomsCookie {
        UTF8_STRING,
        WM_PROTOCOLS,
        WM_DELETE_WINDOW,
        _NET_WM_NAME,
        _NET_WM_PID,
        _NET_WM_DESKTOP,
        _NET_WM_USER_TIME,
        _NET_WM_WINDOW_TYPE,
        _NET_WM_WINDOW_TYPE_UTILITY,
        _NET_WM_STATE,
        _NET_WM_STATE_ABOVE,
        _NET_WM_STATE_STICKY,
        _NET_WM_STATE_SKIP_TASKBAR,
        _NET_WM_STATE_SKIP_PAGER,
        // Sent by the agent to its own window to wake the thread up.
        _TETHER_INDICATOR_WAKE,
    }
}

/// Wakes the indicator's thread (which waits for X events) to read its
/// commands: a client message the server sends back to the window's own
/// connection.
pub struct Waker {
    pub connection: Arc<RustConnection>,
    window: Window,
    atom: Atom,
}

impl Waker {
    #[cfg(test)]
    pub fn window(&self) -> Window {
        self.window
    }

    pub fn wake(&self) {
        let message = ClientMessageEvent::new(32, self.window, self.atom, [0u32; 5]);
        let sent = self
            .connection
            .send_event(false, self.window, EventMask::NO_EVENT, message)
            .and_then(|_| self.connection.flush());
        if let Err(error) = sent {
            // The display is gone, and with it the thread's reason to wait.
            tracing::debug!(%error, "could not wake the sharing indicator");
        }
    }
}

/// The colours, as pixels of the screen's colormap.
struct Palette {
    background: u32,
    stripe: u32,
    text: u32,
    note: u32,
    button: u32,
    button_pressed: u32,
    border: u32,
    focus: u32,
}

impl Palette {
    fn allocate(connection: &RustConnection, colormap: u32, black: u32, white: u32) -> Palette {
        let colour = |rgb: u32, fallback: u32| {
            let [_, r, g, b] = rgb.to_be_bytes();
            let wide = |c: u8| u16::from(c) * 257;
            connection
                .alloc_color(colormap, wide(r), wide(g), wide(b))
                .ok()
                .and_then(|cookie| cookie.reply().ok())
                .map_or(fallback, |reply| reply.pixel)
        };
        Palette {
            background: colour(0xFFF8E1, white),
            stripe: colour(0xC62828, black),
            text: colour(0x1B1B1B, black),
            note: colour(0x4A4A4A, black),
            button: colour(0xFFFFFF, white),
            button_pressed: colour(0xD6D6D6, white),
            border: colour(0x1B1B1B, black),
            focus: colour(0x1565C0, black),
        }
    }
}

/// One of the indicator's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Stop,
    TakeBack,
}

pub struct IndicatorWindow {
    connection: Arc<RustConnection>,
    atoms: Atoms,
    root: Window,
    window: Window,
    stop_button: Window,
    /// Mapped while someone controls what is shared.
    take_back_button: Window,
    gc: Gcontext,
    fonts: FontSet,
    palette: Palette,
    keymap: Keymap,
    screen_width: u32,
    max_text_width: u32,
    /// In the desktop's language (English where its fonts lack it).
    words: Words,
    shown: Vec<Shown>,
    layout: Layout,
    /// Grabbed while someone controls what is shared.
    hot_key: Option<HotKey>,
    /// The button held down (by the pointer, over it).
    pressed: Option<Which>,
    /// The button pressed, whose release is awaited.
    armed: Option<Which>,
    focused: bool,
    raises: RaiseBudget,
    asked: UnboundedSender<Asked>,
}

impl IndicatorWindow {
    /// Connects to `display`, creates the window listing `shown` in
    /// `language` and shows it; it is on the screen (where no window
    /// manager runs) when this returns.
    pub fn create(
        display: &str,
        language: Language,
        shown: Vec<Shown>,
        asked: UnboundedSender<Asked>,
    ) -> Result<IndicatorWindow, IndicatorError> {
        if display.is_empty() {
            return Err(IndicatorError::NoDisplay("DISPLAY is not set".into()));
        }
        let (connection, screen_number) = x11rb::connect(Some(display)).map_err(|error| {
            IndicatorError::NoDisplay(format!("cannot connect to `{display}`: {error}"))
        })?;
        let connection = Arc::new(connection);
        let screen = connection
            .setup()
            .roots
            .get(screen_number)
            .cloned()
            .ok_or_else(|| {
                IndicatorError::NoDisplay(format!("`{display}` has no screen {screen_number}"))
            })?;
        let atoms = Atoms::new(connection.as_ref())?.reply()?;
        let fonts = FontSet::open(connection.as_ref(), MAIN_FACES, FALLBACK_FACES)?;
        let words = Words::new(language).legible_with(&fonts);
        let palette = Palette::allocate(
            &connection,
            screen.default_colormap,
            screen.black_pixel,
            screen.white_pixel,
        );
        let keymap = Keymap::read(&connection)?;
        let screen_width = u32::from(screen.width_in_pixels);
        let max_text_width = MAX_TEXT_WIDTH.min(screen_width.saturating_sub(4 * MARGIN));
        let hot_key = if controlled(&shown) {
            HotKey::grab(&connection, screen.root, &keymap)?
        } else {
            None
        };
        let layout = layout::lay_out(
            &shown,
            words,
            &fonts,
            max_text_width,
            hot_key.as_ref().map(|key| key.name),
        );

        let window = connection.generate_id()?;
        let (x, y) = corner(screen_width, &layout);
        connection.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            window,
            screen.root,
            x,
            y,
            clamp16(layout.width),
            clamp16(layout.height),
            0,
            WindowClass::INPUT_OUTPUT,
            x11rb::COPY_FROM_PARENT,
            &CreateWindowAux::new()
                .background_pixel(palette.background)
                .event_mask(
                    EventMask::EXPOSURE
                        | EventMask::VISIBILITY_CHANGE
                        | EventMask::KEY_PRESS
                        | EventMask::FOCUS_CHANGE,
                ),
        )?;
        let button = |rect: Rect, name: &str| -> Result<Window, IndicatorError> {
            let button = connection.generate_id()?;
            connection.create_window(
                x11rb::COPY_DEPTH_FROM_PARENT,
                button,
                window,
                clamp16i(rect.x),
                clamp16i(rect.y),
                clamp16(rect.width).max(1),
                clamp16(rect.height).max(1),
                0,
                WindowClass::INPUT_OUTPUT,
                x11rb::COPY_FROM_PARENT,
                &CreateWindowAux::new()
                    .background_pixel(palette.button)
                    .event_mask(
                        EventMask::EXPOSURE
                            | EventMask::BUTTON_PRESS
                            | EventMask::BUTTON_RELEASE
                            | EventMask::ENTER_WINDOW
                            | EventMask::LEAVE_WINDOW,
                    ),
            )?;
            // How people's tools (and the tests) find it.
            set_name(connection.as_ref(), &atoms, button, name)?;
            Ok(button)
        };
        let stop_button = button(layout.stop.rect, words.stop_sharing())?;
        let take_back_rect = layout
            .take_back
            .as_ref()
            .map_or(layout.stop.rect, |b| b.rect);
        let take_back_button = button(take_back_rect, words.take_back_control())?;
        let gc = connection.generate_id()?;
        connection.create_gc(
            gc,
            window,
            &CreateGCAux::new()
                .foreground(palette.text)
                .background(palette.background)
                .graphics_exposures(0),
        )?;

        let take_back_shown = layout.take_back.is_some();
        let indicator = IndicatorWindow {
            connection,
            atoms,
            root: screen.root,
            window,
            stop_button,
            take_back_button,
            gc,
            fonts,
            palette,
            keymap,
            screen_width,
            max_text_width,
            words,
            shown,
            layout,
            hot_key,
            pressed: None,
            armed: None,
            focused: false,
            raises: RaiseBudget::new(Instant::now()),
            asked,
        };
        indicator.describe_to_window_manager(x, y)?;
        let connection = &indicator.connection;
        connection.map_window(stop_button)?;
        if take_back_shown {
            connection.map_window(take_back_button)?;
        }
        connection.map_window(window)?;
        connection.configure_window(
            window,
            &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE),
        )?;
        // A round trip: the server has mapped it before `show` returns.
        connection.get_input_focus()?.reply()?;
        tracing::info!(
            window,
            language = ?indicator.words.language(),
            "sharing indicator shown"
        );
        Ok(indicator)
    }

    pub fn waker(&self) -> Waker {
        Waker {
            connection: Arc::clone(&self.connection),
            window: self.window,
            atom: self.atoms._TETHER_INDICATOR_WAKE,
        }
    }

    /// Names, class, type and state, set before mapping as the EWMH asks:
    /// a utility window, always above, on every desktop, in no taskbar or
    /// pager, not focused when it appears (user time 0), fixed in size at
    /// the top-right corner, closing it means Stop sharing.
    fn describe_to_window_manager(&self, x: i16, y: i16) -> Result<(), IndicatorError> {
        let (connection, window, atoms) = (&self.connection, self.window, &self.atoms);
        set_name(connection.as_ref(), atoms, window, self.words.title())?;
        connection.change_property8(
            PropMode::REPLACE,
            window,
            AtomEnum::WM_CLASS,
            AtomEnum::STRING,
            format!("{INSTANCE}\0{CLASS}\0").as_bytes(),
        )?;
        connection.change_property32(
            PropMode::REPLACE,
            window,
            atoms._NET_WM_WINDOW_TYPE,
            AtomEnum::ATOM,
            &[atoms._NET_WM_WINDOW_TYPE_UTILITY],
        )?;
        connection.change_property32(
            PropMode::REPLACE,
            window,
            atoms._NET_WM_STATE,
            AtomEnum::ATOM,
            &[
                atoms._NET_WM_STATE_ABOVE,
                atoms._NET_WM_STATE_STICKY,
                atoms._NET_WM_STATE_SKIP_TASKBAR,
                atoms._NET_WM_STATE_SKIP_PAGER,
            ],
        )?;
        connection.change_property32(
            PropMode::REPLACE,
            window,
            atoms._NET_WM_DESKTOP,
            AtomEnum::CARDINAL,
            &[u32::MAX],
        )?;
        connection.change_property32(
            PropMode::REPLACE,
            window,
            atoms._NET_WM_USER_TIME,
            AtomEnum::CARDINAL,
            &[0],
        )?;
        connection.change_property32(
            PropMode::REPLACE,
            window,
            atoms.WM_PROTOCOLS,
            AtomEnum::ATOM,
            &[atoms.WM_DELETE_WINDOW],
        )?;
        // The agent's process: `app.list` leaves the agent's windows out by it.
        connection.change_property32(
            PropMode::REPLACE,
            window,
            atoms._NET_WM_PID,
            AtomEnum::CARDINAL,
            &[std::process::id()],
        )?;
        if let Ok(host) = sysinfo::System::host_name() {
            connection.change_property8(
                PropMode::REPLACE,
                window,
                AtomEnum::WM_CLIENT_MACHINE,
                AtomEnum::STRING,
                host.as_bytes(),
            )?;
        }
        let hints = WmHints {
            input: Some(true),
            initial_state: Some(WmHintsState::Normal),
            ..WmHints::new()
        };
        hints.set(connection.as_ref(), window)?;
        self.size_hints(x, y)
            .set_normal_hints(connection.as_ref(), window)?;
        Ok(())
    }

    fn size_hints(&self, x: i16, y: i16) -> WmSizeHints {
        let (width, height) = (
            i32::from(clamp16(self.layout.width)),
            i32::from(clamp16(self.layout.height)),
        );
        WmSizeHints {
            position: Some((WmSizeHintsSpecification::UserSpecified, x.into(), y.into())),
            size: Some((WmSizeHintsSpecification::ProgramSpecified, width, height)),
            min_size: Some((width, height)),
            max_size: Some((width, height)),
            win_gravity: Some(Gravity::NORTH_EAST),
            ..WmSizeHints::new()
        }
    }

    /// Handles X events and commands until told to close (`Ok`) or the
    /// display goes away (`Err`).
    pub fn run(mut self, commands: &Receiver<Command>) -> Result<(), IndicatorError> {
        loop {
            let event = self.connection.wait_for_event()?;
            let keep_on = self.handle(event, commands)?;
            self.connection.flush()?;
            if !keep_on {
                return Ok(());
            }
        }
    }

    /// One event; `false` when the window closed.
    fn handle(
        &mut self,
        event: Event,
        commands: &Receiver<Command>,
    ) -> Result<bool, IndicatorError> {
        match event {
            Event::Expose(expose) if expose.count == 0 => self.draw()?,
            Event::VisibilityNotify(notify)
                if notify.window == self.window && notify.state != Visibility::UNOBSCURED =>
            {
                self.raise()?;
            }
            Event::KeyPress(key)
                if key.event == self.root
                    && self
                        .hot_key
                        .as_ref()
                        .is_some_and(|h| h.keycode == key.detail) =>
            {
                self.take_back("the hot key");
            }
            Event::ButtonPress(press) if press.detail == 1 => {
                if let Some(which) = self.which(press.event) {
                    self.armed = Some(which);
                    self.set_pressed(Some(which))?;
                }
            }
            Event::ButtonRelease(release) if release.detail == 1 => {
                if let Some(which) = self.which(release.event) {
                    let inside = self.inside_button(which, release.event_x, release.event_y);
                    if self.armed == Some(which) && inside {
                        match which {
                            Which::Stop => self.stop_sharing("the Stop sharing button"),
                            Which::TakeBack => self.take_back("the Take back control button"),
                        }
                    }
                    self.armed = None;
                    self.set_pressed(None)?;
                }
            }
            Event::LeaveNotify(leave)
                if self.armed.is_some() && self.which(leave.event) == self.armed =>
            {
                self.set_pressed(None)?;
            }
            Event::EnterNotify(enter)
                if self.armed.is_some() && self.which(enter.event) == self.armed =>
            {
                self.set_pressed(self.armed)?;
            }
            Event::KeyPress(key) if key.event != self.root && self.keymap.activates(key.detail) => {
                self.stop_sharing("Enter or Space on the Stop sharing button");
            }
            Event::FocusIn(focus) if focus.event == self.window && counts(focus.detail) => {
                self.focused = true;
                self.draw()?;
            }
            Event::FocusOut(focus) if focus.event == self.window && counts(focus.detail) => {
                self.focused = false;
                self.draw()?;
            }
            Event::ClientMessage(message) if message.type_ == self.atoms._TETHER_INDICATOR_WAKE => {
                return self.obey(commands);
            }
            Event::ClientMessage(message)
                if message.type_ == self.atoms.WM_PROTOCOLS
                    && message.data.as_data32()[0] == self.atoms.WM_DELETE_WINDOW =>
            {
                // Closing the indicator cannot hide a share that goes on.
                self.stop_sharing("closing the indicator window");
            }
            Event::MappingNotify(_) => {
                self.keymap = Keymap::read(&self.connection)?;
                // The hot key may sit elsewhere now: grabbed again.
                if let Some(key) = self.hot_key.take() {
                    key.ungrab(&self.connection, self.root)?;
                    self.relay_out()?;
                }
            }
            Event::Error(error) => tracing::debug!(?error, "X error on the sharing indicator"),
            _ => {}
        }
        Ok(true)
    }

    /// The commands waiting; `false` when one says to close.
    fn obey(&mut self, commands: &Receiver<Command>) -> Result<bool, IndicatorError> {
        while let Ok(command) = commands.try_recv() {
            match command {
                Command::Show(shown) => self.show(shown)?,
                Command::Close => {
                    if let Some(key) = self.hot_key.take() {
                        key.ungrab(&self.connection, self.root)?;
                    }
                    self.connection.destroy_window(self.window)?;
                    self.connection.get_input_focus()?.reply()?;
                    tracing::info!(window = self.window, "sharing indicator closed");
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    fn stop_sharing(&self, how: &str) {
        tracing::info!(how, "asked to stop sharing");
        // The receiver is gone only when the share ended anyway.
        let _ = self.asked.send(Asked::StopSharing);
    }

    fn take_back(&self, how: &str) {
        tracing::info!(how, "asked to take control back");
        let _ = self.asked.send(Asked::TakeBackControl);
    }

    /// Which button `window` is.
    fn which(&self, window: Window) -> Option<Which> {
        if window == self.stop_button {
            Some(Which::Stop)
        } else if window == self.take_back_button && self.layout.take_back.is_some() {
            Some(Which::TakeBack)
        } else {
            None
        }
    }

    fn button(&self, which: Which) -> Option<&Button> {
        match which {
            Which::Stop => Some(&self.layout.stop),
            Which::TakeBack => self.layout.take_back.as_ref(),
        }
    }

    /// Lists `shown` instead, resized to fit and still in the corner.
    fn show(&mut self, shown: Vec<Shown>) -> Result<(), IndicatorError> {
        self.shown = shown;
        self.relay_out()
    }

    /// Grabs or lets go of the hot key as control demands, and lays the
    /// window out again.
    fn relay_out(&mut self) -> Result<(), IndicatorError> {
        match (controlled(&self.shown), &self.hot_key) {
            (true, None) => {
                self.hot_key = HotKey::grab(&self.connection, self.root, &self.keymap)?;
            }
            (false, Some(key)) => {
                key.ungrab(&self.connection, self.root)?;
                tracing::info!("hot key to take control back let go");
                self.hot_key = None;
            }
            _ => {}
        }
        let layout = layout::lay_out(
            &self.shown,
            self.words,
            &self.fonts,
            self.max_text_width,
            self.hot_key.as_ref().map(|key| key.name),
        );
        let resized = (layout.width, layout.height) != (self.layout.width, self.layout.height);
        let stop_moved = layout.stop.rect != self.layout.stop.rect;
        let take_back_before = self.layout.take_back.as_ref().map(|b| b.rect);
        let take_back_now = layout.take_back.as_ref().map(|b| b.rect);
        self.layout = layout;
        if resized {
            let (x, y) = corner(self.screen_width, &self.layout);
            self.size_hints(x, y)
                .set_normal_hints(self.connection.as_ref(), self.window)?;
            self.connection.configure_window(
                self.window,
                &ConfigureWindowAux::new()
                    .x(i32::from(x))
                    .y(i32::from(y))
                    .width(u32::from(clamp16(self.layout.width)))
                    .height(u32::from(clamp16(self.layout.height))),
            )?;
        }
        if stop_moved {
            self.place(self.stop_button, self.layout.stop.rect)?;
        }
        match (take_back_before, take_back_now) {
            (None, Some(rect)) => {
                self.place(self.take_back_button, rect)?;
                self.connection.map_window(self.take_back_button)?;
            }
            (Some(_), None) => {
                self.connection.unmap_window(self.take_back_button)?;
                if self.armed == Some(Which::TakeBack) {
                    self.armed = None;
                    self.pressed = None;
                }
            }
            (Some(before), Some(rect)) if before != rect => {
                self.place(self.take_back_button, rect)?;
            }
            _ => {}
        }
        tracing::debug!(count = self.shown.len(), "sharing indicator updated");
        self.draw()
    }

    fn place(&self, button: Window, rect: Rect) -> Result<(), IndicatorError> {
        self.connection.configure_window(
            button,
            &ConfigureWindowAux::new()
                .x(i32::from(clamp16i(rect.x)))
                .y(i32::from(clamp16i(rect.y)))
                .width(u32::from(clamp16(rect.width)))
                .height(u32::from(clamp16(rect.height))),
        )?;
        Ok(())
    }

    fn raise(&mut self) -> Result<(), IndicatorError> {
        if self.raises.allow(Instant::now()) {
            self.connection.configure_window(
                self.window,
                &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE),
            )?;
        } else {
            tracing::debug!("another window keeps covering the sharing indicator; giving way");
        }
        Ok(())
    }

    fn inside_button(&self, which: Which, x: i16, y: i16) -> bool {
        let (Ok(x), Ok(y), Some(button)) = (u32::try_from(x), u32::try_from(y), self.button(which))
        else {
            return false;
        };
        x < button.rect.width && y < button.rect.height
    }

    fn set_pressed(&mut self, pressed: Option<Which>) -> Result<(), IndicatorError> {
        if self.pressed != pressed {
            let before = std::mem::replace(&mut self.pressed, pressed);
            for which in [before, pressed].into_iter().flatten() {
                self.draw_button(which)?;
            }
        }
        Ok(())
    }

    /// Everything: the band, the lines, the focus ring and the button.
    fn draw(&self) -> Result<(), IndicatorError> {
        let (connection, window, gc) = (&self.connection, self.window, self.gc);
        connection.clear_area(false, window, 0, 0, 0, 0)?;
        let width = clamp16(self.layout.width);
        self.fill(
            window,
            self.palette.stripe,
            0,
            0,
            width,
            clamp16(layout::STRIPE),
        )?;
        for line in &self.layout.lines {
            let colour = match line.style {
                Style::Heading | Style::Item => self.palette.text,
                Style::Note => self.palette.note,
            };
            self.write(window, line, colour, self.palette.background)?;
        }
        if self.focused {
            let button = self.layout.stop.rect;
            let ring = i16::try_from(2 * BORDER).unwrap_or(4);
            connection.change_gc(
                gc,
                &ChangeGCAux::new()
                    .foreground(self.palette.focus)
                    .line_width(u32::from(BORDER)),
            )?;
            connection.poly_rectangle(
                window,
                gc,
                &[Rectangle {
                    x: clamp16i(button.x) - ring,
                    y: clamp16i(button.y) - ring,
                    width: clamp16(button.width) + 2 * ring.unsigned_abs() - 1,
                    height: clamp16(button.height) + 2 * ring.unsigned_abs() - 1,
                }],
            )?;
        }
        self.draw_button(Which::Stop)?;
        if self.layout.take_back.is_some() {
            self.draw_button(Which::TakeBack)?;
        }
        Ok(())
    }

    fn draw_button(&self, which: Which) -> Result<(), IndicatorError> {
        let Some(button) = self.button(which) else {
            return Ok(());
        };
        let window = match which {
            Which::Stop => self.stop_button,
            Which::TakeBack => self.take_back_button,
        };
        let (width, height) = (clamp16(button.rect.width), clamp16(button.rect.height));
        let background = if self.pressed == Some(which) {
            self.palette.button_pressed
        } else {
            self.palette.button
        };
        self.fill(window, background, 0, 0, width, height)?;
        self.connection.change_gc(
            self.gc,
            &ChangeGCAux::new()
                .foreground(self.palette.border)
                .line_width(u32::from(BORDER)),
        )?;
        // A wide line is centred on the path: inset by half of it.
        let half = i16::try_from(BORDER / 2).unwrap_or(1);
        self.connection.poly_rectangle(
            window,
            self.gc,
            &[Rectangle {
                x: half,
                y: half,
                width: width.saturating_sub(BORDER),
                height: height.saturating_sub(BORDER),
            }],
        )?;
        self.write(window, &button.label, self.palette.text, background)
    }

    fn fill(
        &self,
        drawable: Window,
        colour: u32,
        x: i16,
        y: i16,
        width: u16,
        height: u16,
    ) -> Result<(), IndicatorError> {
        self.connection
            .change_gc(self.gc, &ChangeGCAux::new().foreground(colour))?;
        self.connection.poly_fill_rectangle(
            drawable,
            self.gc,
            &[Rectangle {
                x,
                y,
                width,
                height,
            }],
        )?;
        Ok(())
    }

    /// One line, run by run, each in its font.
    fn write(
        &self,
        drawable: Window,
        line: &Placed,
        colour: u32,
        background: u32,
    ) -> Result<(), IndicatorError> {
        let mut x = line.x;
        let baseline = clamp16i(line.baseline);
        for run in self.fonts.runs(&line.text) {
            let Some(font) = self.fonts.fonts().get(run.font) else {
                continue;
            };
            self.connection.change_gc(
                self.gc,
                &ChangeGCAux::new()
                    .foreground(colour)
                    .background(background)
                    .font(font.id),
            )?;
            self.connection
                .image_text16(drawable, self.gc, clamp16i(x), baseline, &run.chars)?;
            x += run.width;
        }
        Ok(())
    }
}

/// Names `window` `name`, both ways tools read it: `_NET_WM_NAME` in
/// UTF-8, and `WM_NAME` for those that read only that one.
fn set_name(
    connection: &RustConnection,
    atoms: &Atoms,
    window: Window,
    name: &str,
) -> Result<(), IndicatorError> {
    connection.change_property8(
        PropMode::REPLACE,
        window,
        atoms._NET_WM_NAME,
        atoms.UTF8_STRING,
        name.as_bytes(),
    )?;
    let (encoding, bytes) = match latin1(name) {
        Some(bytes) => (AtomEnum::STRING.into(), bytes),
        None => (atoms.UTF8_STRING, name.as_bytes().to_vec()),
    };
    connection.change_property8(
        PropMode::REPLACE,
        window,
        AtomEnum::WM_NAME,
        encoding,
        &bytes,
    )?;
    Ok(())
}

/// `text` in ISO Latin-1, which a `STRING` property is (ICCCM), if every
/// character is in it; text beyond it (Japanese) goes as `UTF8_STRING`,
/// which window managers and tools read too.
fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// Whether someone controls anything shown.
fn controlled(shown: &[Shown]) -> bool {
    shown.iter().any(|item| item.controller.is_some())
}

/// Where the window goes: its top-right corner `MARGIN` from the screen's.
fn corner(screen_width: u32, layout: &Layout) -> (i16, i16) {
    let x = screen_width.saturating_sub(layout.width + MARGIN);
    (clamp16i(x), clamp16i(MARGIN))
}

/// Focus moving to or from the window itself or inside it, not the
/// pointer passing over it while the focus is on the root.
fn counts(detail: NotifyDetail) -> bool {
    !matches!(
        detail,
        NotifyDetail::POINTER | NotifyDetail::POINTER_ROOT | NotifyDetail::NONE
    )
}

fn clamp16(value: u32) -> u16 {
    u16::try_from(value).unwrap_or(u16::MAX)
}

fn clamp16i(value: u32) -> i16 {
    i16::try_from(value).unwrap_or(i16::MAX)
}

#[cfg(test)]
mod tests {
    use super::latin1;

    #[test]
    fn a_name_is_latin1_where_it_can_be() {
        assert_eq!(latin1("Tether: sharing"), Some(b"Tether: sharing".to_vec()));
        assert_eq!(
            latin1("Arrêter le partage"),
            Some(b"Arr\xeater le partage".to_vec())
        );
        assert_eq!(
            latin1("Tether\u{a0}: partage en cours"),
            Some(b"Tether\xa0: partage en cours".to_vec())
        );
        assert_eq!(latin1("Tether：共有中"), None);
        assert_eq!(latin1("l’assistance"), None);
    }
}
