//! Whether input is applied to an application the CSR shows from this
//! computer (pure). The kernel names who controls it (`stream.control`,
//! a customer the CSR gave control to, or nobody); the CSR takes control
//! back here (the indicator's Take back control, or its hot key), which
//! closes the gate at once, before the kernel has heard of it. What the
//! kernel said before it heard (a `stream.control` already on its way)
//! must not open the gate again: it stays shut until the kernel says
//! nobody controls it or answers the take-back, and only what it says
//! after that counts.

/// Who may send input, as far as this computer knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Gate {
    /// Nobody controls it: input is dropped.
    #[default]
    Closed,
    /// `controller` (a participant id) controls it: input is applied.
    Open { controller: String },
    /// The CSR took control back here; the kernel's answer is awaited.
    /// Input is dropped, and a controller the kernel names meanwhile is
    /// one it named before it heard.
    TakenBack,
}

/// What a change means for the input injected into the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Nothing changes.
    Unchanged,
    /// Input from now on, from `controller`: what another left held down
    /// is let go first (the injector starts afresh).
    Open { controller: String },
    /// No input any more: what is held down is let go.
    Close,
}

impl Gate {
    /// The kernel says who controls the stream now.
    pub fn kernel_says(&mut self, controller: Option<String>) -> Effect {
        match (&*self, controller) {
            (Gate::TakenBack, None) => {
                *self = Gate::Closed;
                Effect::Unchanged
            }
            // Said before the kernel heard that the CSR took it back.
            (Gate::TakenBack, Some(_)) | (Gate::Closed, None) => Effect::Unchanged,
            (Gate::Open { controller: now }, Some(named)) if *now == named => Effect::Unchanged,
            (Gate::Closed | Gate::Open { .. }, Some(named)) => {
                *self = Gate::Open {
                    controller: named.clone(),
                };
                Effect::Open { controller: named }
            }
            (Gate::Open { .. }, None) => {
                *self = Gate::Closed;
                Effect::Close
            }
        }
    }

    /// The CSR takes control back on this computer: `true` when someone
    /// had it (the kernel must be told), and input stops now.
    pub fn take_back(&mut self) -> bool {
        if matches!(self, Gate::Open { .. }) {
            *self = Gate::TakenBack;
            true
        } else {
            false
        }
    }

    /// The kernel answered the take-back (done, or refused because nobody
    /// controlled it any more): what it says from now on counts again.
    pub fn take_back_answered(&mut self) {
        if *self == Gate::TakenBack {
            *self = Gate::Closed;
        }
    }

    pub fn applies_input(&self) -> bool {
        matches!(self, Gate::Open { .. })
    }

    /// Who controls it now, as far as this computer lets them.
    pub fn controller(&self) -> Option<&str> {
        match self {
            Gate::Open { controller } => Some(controller),
            Gate::Closed | Gate::TakenBack => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(controller: &str) -> Gate {
        Gate::Open {
            controller: controller.into(),
        }
    }

    fn opens(controller: &str) -> Effect {
        Effect::Open {
            controller: controller.into(),
        }
    }

    /// (state before, what the kernel says, state after, effect).
    #[test]
    fn the_kernels_word_opens_replaces_and_closes_the_gate() {
        let cases: [(Gate, Option<&str>, Gate, Effect); 8] = [
            (Gate::Closed, Some("carl"), open("carl"), opens("carl")),
            (Gate::Closed, None, Gate::Closed, Effect::Unchanged),
            (open("carl"), Some("carl"), open("carl"), Effect::Unchanged),
            (open("carl"), Some("dora"), open("dora"), opens("dora")),
            (open("carl"), None, Gate::Closed, Effect::Close),
            (
                Gate::TakenBack,
                Some("carl"),
                Gate::TakenBack,
                Effect::Unchanged,
            ),
            (
                Gate::TakenBack,
                Some("dora"),
                Gate::TakenBack,
                Effect::Unchanged,
            ),
            (Gate::TakenBack, None, Gate::Closed, Effect::Unchanged),
        ];
        for (before, said, after, effect) in cases {
            let mut gate = before.clone();
            let got = gate.kernel_says(said.map(str::to_owned));
            assert_eq!((&gate, &got), (&after, &effect), "{before:?} + {said:?}");
            assert_eq!(gate.applies_input(), matches!(after, Gate::Open { .. }));
        }
    }

    #[test]
    fn taking_back_stops_input_at_once_and_only_when_someone_controls() {
        let mut gate = open("carl");
        assert!(gate.applies_input());
        assert!(gate.take_back(), "the kernel is told");
        assert_eq!(gate, Gate::TakenBack);
        assert!(!gate.applies_input());
        assert_eq!(gate.controller(), None);
        assert!(!gate.take_back(), "taken back once");

        let mut nobody = Gate::Closed;
        assert!(!nobody.take_back(), "nothing to take back");
        assert_eq!(nobody, Gate::Closed);
    }

    #[test]
    fn what_the_kernel_said_before_it_heard_does_not_reopen_the_gate() {
        // Carl controls; the CSR presses Pause; the kernel had meanwhile
        // given control to Dora, and then hears of the take-back.
        let mut gate = open("carl");
        assert!(gate.take_back());
        assert_eq!(gate.kernel_says(Some("dora".into())), Effect::Unchanged);
        assert!(!gate.applies_input());
        assert_eq!(gate.kernel_says(None), Effect::Unchanged);
        assert_eq!(gate, Gate::Closed);
        // Given again afterwards: that counts.
        assert_eq!(gate.kernel_says(Some("dora".into())), opens("dora"));
        assert_eq!(gate.controller(), Some("dora"));
    }

    #[test]
    fn the_kernels_answer_ends_the_wait_even_without_an_event() {
        // The kernel refused the take-back (the customer had left, and it
        // said so already): its answer is what ends the wait.
        let mut gate = open("carl");
        assert!(gate.take_back());
        gate.take_back_answered();
        assert_eq!(gate, Gate::Closed);
        assert_eq!(gate.kernel_says(Some("carl".into())), opens("carl"));
        // An answer that comes late changes nothing.
        gate.take_back_answered();
        assert_eq!(gate, open("carl"));
    }
}
