//! Where a keysym is on the customer's keyboard (pure): the core keyboard
//! mapping (`GetKeyboardMapping`) read as the X protocol says — the first
//! two keysyms of a keycode are its unshifted and shifted symbols, and a
//! keycode that lists one letter gives its lower case unshifted and its
//! upper case shifted. A keysym the keyboard does not have can be bound to
//! a spare keycode (one without any symbol) while control lasts, as
//! `xdotool` does.

/// `NoSymbol`.
const NO_SYMBOL: u32 = 0;

/// Where to press for a keysym.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub keycode: u8,
    /// At the shifted level: Shift must be down while it is pressed.
    pub shift: bool,
}

/// The keyboard mapping, as the server reported it.
#[derive(Debug, Clone)]
pub struct Keymap {
    first_keycode: u8,
    per_keycode: usize,
    keysyms: Vec<u32>,
}

impl Keymap {
    /// `keysyms` holds `per_keycode` symbols for each keycode from
    /// `first_keycode` on.
    pub fn new(first_keycode: u8, per_keycode: u8, keysyms: Vec<u32>) -> Keymap {
        Keymap {
            first_keycode,
            per_keycode: usize::from(per_keycode),
            keysyms,
        }
    }

    fn keycodes(&self) -> impl Iterator<Item = u8> + '_ {
        let count = self
            .keysyms
            .len()
            .checked_div(self.per_keycode)
            .unwrap_or(0);
        (0..count).filter_map(|index| u8::try_from(usize::from(self.first_keycode) + index).ok())
    }

    fn symbols(&self, keycode: u8) -> &[u32] {
        let index = usize::from(keycode.wrapping_sub(self.first_keycode));
        let start = index * self.per_keycode;
        self.keysyms
            .get(start..start + self.per_keycode)
            .unwrap_or_default()
    }

    /// The keycode's unshifted and shifted symbols (group 1).
    fn levels(&self, keycode: u8) -> (u32, u32) {
        let symbols = self.symbols(keycode);
        let first = symbols.first().copied().unwrap_or(NO_SYMBOL);
        let second = symbols.get(1).copied().unwrap_or(NO_SYMBOL);
        if second != NO_SYMBOL {
            return (first, second);
        }
        match case_pair(first) {
            Some((lower, upper)) => (lower, upper),
            None => (first, first),
        }
    }

    /// Where `keysym` is, unshifted anywhere before shifted anywhere.
    pub fn locate(&self, keysym: u32) -> Option<Place> {
        if keysym == NO_SYMBOL {
            return None;
        }
        let unshifted = self
            .keycodes()
            .find(|&keycode| self.levels(keycode).0 == keysym);
        if let Some(keycode) = unshifted {
            return Some(Place {
                keycode,
                shift: false,
            });
        }
        self.keycodes()
            .find(|&keycode| self.levels(keycode).1 == keysym)
            .map(|keycode| Place {
                keycode,
                shift: true,
            })
    }

    /// Keycodes without any symbol, for binding what the keyboard lacks.
    pub fn spare_keycodes(&self) -> Vec<u8> {
        self.keycodes()
            .filter(|&keycode| self.symbols(keycode).iter().all(|&s| s == NO_SYMBOL))
            .collect()
    }

    /// Records that `keycode` now gives `keysym` at every level (after the
    /// server was told so), or nothing for `NoSymbol`.
    pub fn bind(&mut self, keycode: u8, keysym: u32) {
        let index = usize::from(keycode.wrapping_sub(self.first_keycode));
        let start = index * self.per_keycode;
        if let Some(symbols) = self.keysyms.get_mut(start..start + self.per_keycode) {
            symbols.fill(NO_SYMBOL);
            if let Some(pair) = symbols.get_mut(..2.min(symbols.len())) {
                pair.fill(keysym);
            }
        }
    }
}

/// The lower and upper case of a Latin-1 letter keysym (keysyms there are
/// the characters' code points), as the protocol's rule for one-symbol
/// keycodes needs.
fn case_pair(keysym: u32) -> Option<(u32, u32)> {
    let lower = match keysym {
        0x41..=0x5a => keysym + 0x20,
        0xc0..=0xde if keysym != 0xd7 => keysym + 0x20,
        0x61..=0x7a => keysym,
        0xe0..=0xfe if keysym != 0xf7 => keysym,
        _ => return None,
    };
    Some((lower, lower - 0x20))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A_LOWER: u32 = 0x61;
    const A_UPPER: u32 = 0x41;
    const PERIOD: u32 = 0x2e;
    const GREATER: u32 = 0x3e;
    const RETURN: u32 = 0xff0d;
    const E_ACUTE: u32 = 0xe9;

    /// Keycode 10: a/A listed; 11: period/greater; 12: only `b`; 13:
    /// Return alone; 14: nothing (spare); 15: a duplicate `a`, shifted.
    fn keymap() -> Keymap {
        Keymap::new(
            10,
            3,
            vec![
                A_LOWER, A_UPPER, 0, //
                PERIOD, GREATER, 0, //
                0x62, 0, 0, //
                RETURN, 0, 0, //
                0, 0, 0, //
                0x7a, A_LOWER, 0,
            ],
        )
    }

    #[test]
    fn keysyms_are_found_unshifted_before_shifted() {
        let map = keymap();
        let at = |keycode, shift| Some(Place { keycode, shift });
        assert_eq!(map.locate(A_LOWER), at(10, false), "not keycode 15 shifted");
        assert_eq!(map.locate(A_UPPER), at(10, true));
        assert_eq!(map.locate(GREATER), at(11, true));
        assert_eq!(map.locate(PERIOD), at(11, false));
        assert_eq!(map.locate(RETURN), at(13, false));
        // One letter listed: its capital is shifted.
        assert_eq!(map.locate(0x42), at(12, true));
        assert_eq!(map.locate(0x62), at(12, false));
    }

    #[test]
    fn what_the_keyboard_lacks_is_not_found() {
        let map = keymap();
        assert_eq!(map.locate(E_ACUTE), None);
        assert_eq!(map.locate(NO_SYMBOL), None, "NoSymbol is never a key");
    }

    #[test]
    fn a_spare_keycode_takes_a_missing_keysym_until_unbound() {
        let mut map = keymap();
        assert_eq!(map.spare_keycodes(), [14]);
        map.bind(14, E_ACUTE);
        assert_eq!(
            map.locate(E_ACUTE),
            Some(Place {
                keycode: 14,
                shift: false
            })
        );
        assert!(map.spare_keycodes().is_empty());
        map.bind(14, NO_SYMBOL);
        assert_eq!(map.locate(E_ACUTE), None);
        assert_eq!(map.spare_keycodes(), [14]);
    }

    #[test]
    fn latin1_letters_have_cases_and_other_symbols_none() {
        assert_eq!(case_pair(0x41), Some((0x61, 0x41)));
        assert_eq!(case_pair(0x7a), Some((0x7a, 0x5a)));
        assert_eq!(case_pair(0xe9), Some((0xe9, 0xc9)));
        assert_eq!(case_pair(0xd7), None, "×");
        assert_eq!(case_pair(0xf7), None, "÷");
        assert_eq!(case_pair(0x31), None);
        assert_eq!(case_pair(RETURN), None);
    }

    #[test]
    fn a_short_or_odd_mapping_finds_nothing_out_of_range() {
        let map = Keymap::new(
            250,
            2,
            vec![
                A_LOWER, 0, 0x62, 0, 0x63, 0, 0x64, 0, 0x65, 0, 0x66, 0, 0x67, 0,
            ],
        );
        // Keycodes stop at 255.
        assert_eq!(map.locate(0x65).map(|p| p.keycode), Some(254));
        assert_eq!(map.locate(0x67), None);
        assert_eq!(Keymap::new(8, 0, vec![]).locate(A_LOWER), None);
    }
}
