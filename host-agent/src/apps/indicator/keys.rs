//! The keys the indicator answers to: Enter and Space on its focused
//! button, and the hot key that takes control back whatever window has
//! the keyboard.
//!
//! The hot key is a passive grab on the root window (`GrabKey`), held only
//! while someone controls a shared application, so the key does what it
//! always does otherwise. It is Pause where the keyboard has it (a key no
//! application the CSR shows is likely to need), else Scroll Lock; one
//! another client grabbed already is passed over. A grab matches the exact
//! modifiers a press carries, and the lock keys (Caps Lock, Num Lock,
//! Scroll Lock where it is a modifier) add theirs while on: the key is
//! grabbed with every combination of them.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, GrabMode, Keycode, ModMask, Window};
use x11rb::rust_connection::RustConnection;

use super::IndicatorError;

const XK_SPACE: u32 = 0x0020;
const XK_RETURN: u32 = 0xff0d;
const XK_KP_ENTER: u32 = 0xff8d;
const XK_PAUSE: u32 = 0xff13;
const XK_SCROLL_LOCK: u32 = 0xff14;
const XK_NUM_LOCK: u32 = 0xff7f;

/// The hot keys to try, in order.
const HOT_KEYS: [(u32, KeyName); 2] = [
    (XK_PAUSE, KeyName::Pause),
    (XK_SCROLL_LOCK, KeyName::ScrollLock),
];

/// Which key the hot key is, for the indicator to name it in its
/// language (`words.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyName {
    Pause,
    ScrollLock,
}

impl KeyName {
    pub const ALL: [KeyName; 2] = [KeyName::Pause, KeyName::ScrollLock];
}

/// The keyboard mapping: the keysyms of each keycode.
pub struct Keymap {
    min_keycode: Keycode,
    per_keycode: usize,
    keysyms: Vec<u32>,
    /// The keycodes of each of the eight modifiers (Shift, Lock, Control,
    /// Mod1..Mod5).
    modifiers: Vec<Vec<Keycode>>,
}

impl Keymap {
    pub fn read(connection: &RustConnection) -> Result<Keymap, IndicatorError> {
        let setup = connection.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let reply = connection
            .get_keyboard_mapping(min, max - min + 1)?
            .reply()?;
        let modifiers = connection.get_modifier_mapping()?.reply()?;
        Ok(Keymap::new(
            min,
            reply.keysyms_per_keycode,
            reply.keysyms,
            &modifiers.keycodes,
        ))
    }

    /// From the `GetKeyboardMapping` and `GetModifierMapping` answers.
    fn new(
        min_keycode: Keycode,
        per_keycode: u8,
        keysyms: Vec<u32>,
        modifier_keycodes: &[Keycode],
    ) -> Keymap {
        let per_modifier = (modifier_keycodes.len() / 8).max(1);
        let modifiers = modifier_keycodes
            .chunks(per_modifier)
            .map(|keycodes| keycodes.iter().copied().filter(|&k| k != 0).collect())
            .collect();
        Keymap {
            min_keycode,
            per_keycode: usize::from(per_keycode),
            keysyms,
            modifiers,
        }
    }

    /// Whether `keycode` presses the focused button (Enter or Space).
    pub fn activates(&self, keycode: Keycode) -> bool {
        let Some(offset) = keycode.checked_sub(self.min_keycode) else {
            return false;
        };
        let keysym = self.keysyms.get(usize::from(offset) * self.per_keycode);
        matches!(keysym, Some(&(XK_RETURN | XK_KP_ENTER | XK_SPACE)))
    }

    /// The first keycode that gives `keysym` at any level.
    fn keycode_of(&self, keysym: u32) -> Option<Keycode> {
        if self.per_keycode == 0 {
            return None;
        }
        let index = self.keysyms.iter().position(|&k| k == keysym)?;
        let offset = u8::try_from(index / self.per_keycode).ok()?;
        self.min_keycode.checked_add(offset)
    }

    /// The modifier bit that `keysym`'s key sets (Num Lock is usually
    /// Mod2), if it is a modifier at all.
    fn modifier_of(&self, keysym: u32) -> Option<u16> {
        let keycode = self.keycode_of(keysym)?;
        let index = self.modifiers.iter().position(|m| m.contains(&keycode))?;
        u16::try_from(index).ok().map(|i| 1 << i)
    }

    /// The hot keys this keyboard has, in the order to try them, each
    /// with the modifier combinations to grab it with (none first).
    fn hot_keys(&self) -> Vec<HotKey> {
        HOT_KEYS
            .iter()
            .filter_map(|&(keysym, name)| {
                let keycode = self.keycode_of(keysym)?;
                let mut locks = vec![u16::from(ModMask::LOCK)];
                locks.extend(self.modifier_of(XK_NUM_LOCK));
                if keysym != XK_SCROLL_LOCK {
                    locks.extend(self.modifier_of(XK_SCROLL_LOCK));
                }
                Some(HotKey {
                    keycode,
                    name,
                    modifiers: combinations(&locks),
                })
            })
            .collect()
    }
}

/// Every combination of the modifier bits `locks`, none first, each once.
fn combinations(locks: &[u16]) -> Vec<u16> {
    let mut all = vec![0u16];
    for &lock in locks {
        if lock == 0 || all.contains(&lock) {
            continue;
        }
        let with: Vec<u16> = all.iter().map(|&m| m | lock).collect();
        for m in with {
            if !all.contains(&m) {
                all.push(m);
            }
        }
    }
    all
}

/// A hot key and the modifier states it is grabbed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotKey {
    pub keycode: Keycode,
    /// Which it is, for the indicator to name it.
    pub name: KeyName,
    modifiers: Vec<u16>,
}

impl HotKey {
    /// Grabs the first hot key the keyboard has and no other client holds,
    /// on `root`; `None` when none could be (the button still works).
    pub fn grab(
        connection: &RustConnection,
        root: Window,
        keymap: &Keymap,
    ) -> Result<Option<HotKey>, IndicatorError> {
        for key in keymap.hot_keys() {
            let cookies = key
                .modifiers
                .iter()
                .map(|&modifiers| {
                    connection.grab_key(
                        false,
                        root,
                        ModMask::from(modifiers),
                        key.keycode,
                        GrabMode::ASYNC,
                        GrabMode::ASYNC,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            let granted: Vec<bool> = cookies
                .into_iter()
                .map(|cookie| cookie.check().is_ok())
                .collect();
            // Without the plain key (no lock on) it would rarely work.
            if granted.first() == Some(&true) {
                if granted.contains(&false) {
                    tracing::debug!(
                        key = ?key.name,
                        "the hot key works with some lock keys on only"
                    );
                }
                tracing::info!(key = ?key.name, "hot key to take control back grabbed");
                return Ok(Some(key));
            }
            tracing::info!(
                key = ?key.name,
                "another program holds the key; trying the next"
            );
            key.ungrab(connection, root)?;
        }
        tracing::warn!("no hot key to take control back could be grabbed; the button remains");
        Ok(None)
    }

    /// Lets the key go (it does what it always does again).
    pub fn ungrab(&self, connection: &RustConnection, root: Window) -> Result<(), IndicatorError> {
        for &modifiers in &self.modifiers {
            connection.ungrab_key(self.keycode, root, ModMask::from(modifiers))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIFT_L: Keycode = 50;
    const CAPS: Keycode = 66;
    const NUM_LOCK: Keycode = 77;
    const SCROLL: Keycode = 78;
    const PAUSE: Keycode = 127;

    /// A keyboard like Xvfb's: keycodes 8..=255, two keysyms each.
    fn keymap(pause: bool, scroll_lock_modifier: bool) -> Keymap {
        let mut keysyms = vec![0u32; (256 - 8) * 2];
        let mut put = |keycode: Keycode, keysym: u32| {
            keysyms[usize::from(keycode - 8) * 2] = keysym;
        };
        put(36, XK_RETURN);
        put(65, XK_SPACE);
        put(SHIFT_L, 0xffe1);
        put(CAPS, 0xffe5);
        put(NUM_LOCK, XK_NUM_LOCK);
        put(SCROLL, XK_SCROLL_LOCK);
        if pause {
            put(PAUSE, XK_PAUSE);
        }
        // Shift, Lock, Control, Mod1, Mod2 (Num Lock), Mod3, Mod4, Mod5.
        let mut modifiers = vec![0u8; 8 * 2];
        modifiers[0] = SHIFT_L;
        modifiers[2] = CAPS;
        modifiers[8] = NUM_LOCK;
        if scroll_lock_modifier {
            modifiers[10] = SCROLL;
        }
        Keymap::new(8, 2, keysyms, &modifiers)
    }

    #[test]
    fn enter_and_space_press_the_button_and_nothing_else_does() {
        let keys = keymap(true, false);
        assert!(keys.activates(36));
        assert!(keys.activates(65));
        assert!(!keys.activates(PAUSE));
        assert!(!keys.activates(3), "below the first keycode");
    }

    #[test]
    fn pause_first_with_every_lock_combination() {
        let keys = keymap(true, false);
        let hot = keys.hot_keys();
        assert_eq!(hot[0].keycode, PAUSE);
        assert_eq!(hot[0].name, KeyName::Pause);
        let lock = u16::from(ModMask::LOCK);
        let num = u16::from(ModMask::M2);
        assert_eq!(hot[0].modifiers, [0, lock, num, lock | num]);
        assert_eq!(hot[1].keycode, SCROLL, "Scroll Lock as second choice");
        assert_eq!(hot[1].name, KeyName::ScrollLock);
    }

    #[test]
    fn a_scroll_lock_modifier_is_one_more_lock_for_pause_but_not_for_itself() {
        let keys = keymap(true, true);
        let hot = keys.hot_keys();
        assert_eq!(hot[0].modifiers.len(), 8);
        assert_eq!(hot[1].modifiers.len(), 4);
        let scroll = u16::from(ModMask::M3);
        assert!(hot[0].modifiers.contains(&scroll));
        assert!(!hot[1].modifiers.contains(&scroll));
    }

    #[test]
    fn a_keyboard_without_pause_gets_scroll_lock() {
        let hot = keymap(false, false).hot_keys();
        assert_eq!(hot.len(), 1);
        assert_eq!((hot[0].keycode, hot[0].name), (SCROLL, KeyName::ScrollLock));
        let none = Keymap::new(8, 2, vec![0; 20], &[0; 8]);
        assert!(none.hot_keys().is_empty());
        assert!(Keymap::new(8, 0, Vec::new(), &[]).hot_keys().is_empty());
    }

    #[test]
    fn combinations_are_each_subset_once() {
        assert_eq!(combinations(&[]), [0]);
        assert_eq!(combinations(&[2]), [0, 2]);
        assert_eq!(combinations(&[2, 16, 2, 0]), [0, 2, 16, 18]);
        assert_eq!(combinations(&[2, 16, 32]).len(), 8);
    }
}
