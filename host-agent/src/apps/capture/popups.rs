//! The shared application's popups — menus, tooltips, drop-down lists:
//! override-redirect windows of the same X client (the same resource
//! base, as `app.list` groups windows). They are drawn into the shared
//! window's picture where they overlap it; windows of any other client
//! never are. Each is redirected and blackened when it appears, as the
//! window is (see the capture's module documentation), and read from its
//! own pixmap.

use x11rb::connection::Connection;
use x11rb::protocol::composite::{self, Redirect};
use x11rb::protocol::damage::{self, ReportLevel};
use x11rb::protocol::xproto::{ConnectionExt as _, MapState, Window};

use super::pixels::{PixelLayout, Rect, paste};
use super::{CaptureError, WindowCapture, blacken, layout_of, outer_size, x_error};

/// One popup being watched.
#[derive(Debug, Clone, Copy)]
pub struct Popup {
    pub window: Window,
    /// Its damage object (so drawing in it wakes the capture).
    pub damage: u32,
    pub layout: PixelLayout,
    /// Last known size including the border (a change means a new pixmap).
    pub size: (u16, u16),
}

/// Whether `window` belongs to the client whose resource base is
/// `client` (the server gives each client the ids under its base).
pub fn same_client(window: Window, client: u32, resource_mask: u32) -> bool {
    window & !resource_mask == client
}

/// The popups of the shared application, in no particular order (they
/// are drawn in the server's stacking order).
#[derive(Default)]
pub struct Popups {
    popups: Vec<Popup>,
}

impl Popups {
    pub fn is_empty(&self) -> bool {
        self.popups.is_empty()
    }

    pub fn get(&self, window: Window) -> Option<&Popup> {
        self.popups.iter().find(|p| p.window == window)
    }

    pub fn get_mut(&mut self, window: Window) -> Option<&mut Popup> {
        self.popups.iter_mut().find(|p| p.window == window)
    }

    /// Starts watching `popup` (once).
    pub fn add(&mut self, popup: Popup) {
        if self.get(popup.window).is_none() {
            self.popups.push(popup);
        }
    }

    /// Stops watching `window`; what was watched, if it was.
    pub fn remove(&mut self, window: Window) -> Option<Popup> {
        let index = self.popups.iter().position(|p| p.window == window)?;
        Some(self.popups.swap_remove(index))
    }
}

impl WindowCapture {
    /// Popups of the application already open when the capture starts.
    pub(super) fn watch_existing_popups(&mut self) {
        let Some(tree) = self
            .connection
            .query_tree(self.root)
            .ok()
            .and_then(|cookie| cookie.reply().ok())
        else {
            return;
        };
        for child in tree.children {
            let is_popup = self
                .connection
                .get_window_attributes(child)
                .ok()
                .and_then(|cookie| cookie.reply().ok())
                .is_some_and(|a| a.override_redirect && a.map_state == MapState::VIEWABLE);
            if is_popup {
                self.watch_popup(child);
            }
        }
    }

    /// Starts drawing in `window` if it is a popup of the application.
    pub(super) fn watch_popup(&mut self, window: Window) {
        if window == self.top
            || window == self.window
            || !same_client(window, self.client, self.resource_mask)
            || self.popups.get(window).is_some()
        {
            return;
        }
        match self.redirect_popup(window) {
            Ok(popup) => {
                tracing::debug!(popup = format_args!("{window:#x}"), "drawing in a popup");
                self.popups.add(popup);
            }
            Err(error) => {
                tracing::debug!(popup = format_args!("{window:#x}"), %error, "popup left out");
            }
        }
    }

    fn redirect_popup(&self, window: Window) -> Result<Popup, CaptureError> {
        let c = &self.connection;
        let layout = layout_of(c, window)?;
        composite::redirect_window(c, window, Redirect::AUTOMATIC)
            .map_err(x_error)?
            .check()
            .map_err(x_error)?;
        let damage = c.generate_id().map_err(x_error)?;
        damage::create(c, damage, window, ReportLevel::NON_EMPTY).map_err(x_error)?;
        let size = self.blacken_popup(window)?;
        Ok(Popup {
            window,
            damage,
            layout,
            size,
        })
    }

    /// Blackens a popup's new pixmap and asks for a redraw (as for the
    /// window); its outer size.
    pub(super) fn blacken_popup(&self, window: Window) -> Result<(u16, u16), CaptureError> {
        let c = &self.connection;
        let geometry = c
            .get_geometry(window)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        let size = outer_size(geometry.width, geometry.height, geometry.border_width);
        let pixmap = c.generate_id().map_err(x_error)?;
        composite::name_window_pixmap(c, window, pixmap)
            .map_err(x_error)?
            .check()
            .map_err(x_error)?;
        let all = Rect {
            x: 0,
            y: 0,
            width: size.0,
            height: size.1,
        };
        let blackened = blacken(c, pixmap, all);
        let _ = c.free_pixmap(pixmap);
        blackened?;
        self.ask_to_redraw(window);
        Ok(size)
    }

    pub(super) fn forget_popup(&mut self, window: Window, exists: bool) {
        if let Some(popup) = self.popups.remove(window) {
            if exists {
                let _ = damage::destroy(&self.connection, popup.damage);
                let _ = composite::unredirect_window(&self.connection, window, Redirect::AUTOMATIC);
            }
            self.pending.damaged = true;
        }
    }

    // ---- reading ----

    /// Draws the application's popups that are above its window and
    /// overlap it into `picture` (the window's pixels), clipped to it.
    pub(super) fn draw_popups(
        &mut self,
        picture: &mut [u8],
        size: (u16, u16),
    ) -> Result<(), CaptureError> {
        let c = &self.connection;
        let stacking = c
            .query_tree(self.root)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?
            .children;
        let Some(top_index) = stacking.iter().position(|&w| w == self.top) else {
            return Ok(());
        };
        let origin = c
            .translate_coordinates(self.window, self.root, 0, 0)
            .map_err(x_error)?
            .reply()
            .map_err(|error| self.explain(x_error(error)))?;
        let shown = Rect {
            x: i32::from(origin.dst_x),
            y: i32::from(origin.dst_y),
            width: size.0,
            height: size.1,
        };
        // Bottom to top, so higher popups cover lower ones.
        let above: Vec<Popup> = stacking[top_index + 1..]
            .iter()
            .filter_map(|&w| self.popups.get(w).copied())
            .collect();
        for popup in above {
            if let Err(error) = self.draw_popup(picture, shown, popup) {
                tracing::debug!(popup = format_args!("{:#x}", popup.window), %error, "popup not drawn");
            }
        }
        Ok(())
    }

    fn draw_popup(
        &mut self,
        picture: &mut [u8],
        shown: Rect,
        popup: Popup,
    ) -> Result<(), CaptureError> {
        let c = &self.connection;
        let geometry = c
            .get_geometry(popup.window)
            .map_err(x_error)?
            .reply()
            .map_err(x_error)?;
        let (width, height) = outer_size(geometry.width, geometry.height, geometry.border_width);
        let on_screen = Rect {
            x: i32::from(geometry.x),
            y: i32::from(geometry.y),
            width,
            height,
        };
        let Some(overlap) = on_screen.intersection(&shown) else {
            return Ok(());
        };
        let pixmap = c.generate_id().map_err(x_error)?;
        composite::name_window_pixmap(c, popup.window, pixmap)
            .map_err(x_error)?
            .check()
            .map_err(x_error)?;
        let from = (
            i16::try_from(overlap.x - on_screen.x).map_err(x_error)?,
            i16::try_from(overlap.y - on_screen.y).map_err(x_error)?,
        );
        let read = self.reader.read(
            &self.connection,
            pixmap,
            from,
            (overlap.width, overlap.height),
        );
        let _ = self.connection.free_pixmap(pixmap);
        let mut pixels = read?;
        popup.layout.to_bgrx(&mut pixels);
        let into_picture = Rect {
            x: overlap.x - shown.x,
            y: overlap.y - shown.y,
            ..overlap
        };
        paste(picture, shown.width, &pixels, into_picture);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popups_belong_to_the_client_of_their_id() {
        // Xorg gives each client 2^21 ids: mask 0x1fffff.
        let mask = 0x001f_ffff;
        assert!(same_client(0x0040_0007, 0x0040_0000, mask));
        assert!(!same_client(0x0060_0001, 0x0040_0000, mask));
        assert!(!same_client(0x0020_0001, 0x0040_0000, mask));
    }
}
