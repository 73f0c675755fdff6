//! A CSR's application shared for real, on an Xvfb of the test's own: a
//! real `xterm`, captured and encoded, its indicator on the screen, and
//! input frames as the kernel relays them from the customer the CSR gave
//! control to. The CSR takes control back with the Pause key (`xdotool`,
//! as a hand would): the take-back comes out for the kernel, and input
//! stops at once, before the kernel has said anything.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use tether_protocol::stream::{FrameFlags, FrameKind, InputEvent, StreamFrame, StreamId};
use tether_protocol::{Capability, StreamOrigin};
use tokio::sync::mpsc;

use super::{Sharing, SharingEvent, SharingEvents, TakenBack};
use crate::capabilities::Cancel;

// The end-to-end tests' X server helper, shared as source (see
// `capture/tests.rs`).
#[allow(
    dead_code,
    clippy::duplicate_mod,
    reason = "not every helper of the shared file is used here"
)]
#[path = "../../../../tests/src/xvfb.rs"]
mod xvfb;
use xvfb::{XApp, Xvfb};

const WITHIN: Duration = Duration::from_secs(15);
/// How long to watch for something that must not happen.
const QUIET_FOR: Duration = Duration::from_millis(1500);

fn id(n: u32) -> StreamId {
    StreamId::new(n).expect("not 0")
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let output = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("xdotool runs (`cargo xtask test` installs it)");
    assert!(
        output.status.success(),
        "xdotool {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The windows named `name` that are on the screen.
fn visible(display: &str, name: &str) -> Vec<u32> {
    let pattern = format!("^{name}$");
    let output = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", &pattern])
        .env("DISPLAY", display)
        .output()
        .expect("xdotool runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect()
}

async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < WITHIN, "{what}: not within {WITHIN:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types `text` as input frames on `stream`, as the kernel relays them.
fn type_text(sharing: &Sharing, stream: StreamId, text: &str) {
    for c in text.chars() {
        let keysym = match c {
            '\n' => 0xff0d,
            c => u32::from(c),
        };
        for pressed in [true, false] {
            let payload = serde_json::to_vec(&InputEvent::Key { keysym, pressed }).expect("JSON");
            let frame = StreamFrame {
                kind: FrameKind::Input,
                flags: FrameFlags::default(),
                stream,
                sequence: 0,
                payload: &payload,
            };
            sharing.frame_from_kernel(&frame.encode());
        }
    }
}

fn echo(into: &Path) -> String {
    format!("echo done > {}\n", into.display())
}

/// Waits for the next event of the sharing, within [`WITHIN`].
async fn next_event(events: &mut SharingEvents) -> SharingEvent {
    tokio::time::timeout(WITHIN, events.next())
        .await
        .expect("an event in time")
        .expect("the sharing goes on")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_takes_control_back_at_once_and_tells_the_kernel() {
    let xvfb = Xvfb::start();
    let display = xvfb.display.clone();
    let _terminal = XApp::start(&display, "xterm", &["-T", "Terminal", "-e", "/bin/sh"]);
    let mut found = Vec::new();
    wait_until("xterm shown", || {
        found = visible(&display, "Terminal");
        !found.is_empty()
    })
    .await;
    let window = found[0];
    let files = tempfile::tempdir().expect("temp dir");

    // The pictures go nowhere in this test (and stop at two, unacknowledged).
    let (frames, mut pictures) = mpsc::channel(8);
    tokio::spawn(async move { while pictures.recv().await.is_some() {} });
    let (sharing, mut events) = Sharing::on_display(frames, display.clone());
    // As `stream.control` names him (he may have joined after the agent).
    sharing.know_name("p-carl", "Carl Customer".into());
    let stream = id(3);
    sharing.announced(stream, Capability::AppShare, StreamOrigin::CsrAgent, None);
    let (_handle, cancel) = Cancel::new();
    let answer = sharing
        .share(
            "c1",
            json!({ "stream": 3, "window": window, "viewers": "Carl Customer" }),
            &cancel,
        )
        .await
        .expect("shared");
    assert_eq!(answer["title"], "Terminal");
    wait_until("the indicator shown", || {
        !visible(&display, "Tether: sharing").is_empty()
    })
    .await;

    // Shown, nobody controls it: input from the customer is not applied.
    let early = files.path().join("early");
    type_text(&sharing, stream, &echo(&early));
    assert!(visible(&display, "Take back control").is_empty());

    // The kernel says Carl controls it: his keys reach the terminal, and
    // the indicator says so and offers to take control back.
    let said = sharing
        .controller_named(stream, Some("p-carl".into()))
        .expect("a change");
    assert!(
        said.starts_with("Carl Customer now controls \"Terminal\""),
        "{said}"
    );
    wait_until("Take back control shown", || {
        !visible(&display, "Take back control").is_empty()
    })
    .await;
    let before = files.path().join("before");
    type_text(&sharing, stream, &echo(&before));
    wait_until("the customer's command ran", || before.exists()).await;
    assert!(!early.exists(), "input before control was applied");

    // The CSR presses Pause (the terminal keeps the keyboard).
    xdotool(&display, &["key", "Pause"]);
    match next_event(&mut events).await {
        SharingEvent::TookBack(taken) => assert_eq!(
            taken,
            [TakenBack {
                stream,
                label: "Terminal".into()
            }]
        ),
        _ => panic!("the take-back for the kernel"),
    }
    // Before the kernel says anything (and against what it said before
    // it heard): nothing more is applied.
    assert_eq!(
        sharing.controller_named(stream, Some("p-carl".into())),
        None,
        "said before the kernel heard"
    );
    let after = files.path().join("after");
    type_text(&sharing, stream, &echo(&after));
    wait_until("Take back control gone", || {
        visible(&display, "Take back control").is_empty()
    })
    .await;
    tokio::time::sleep(QUIET_FOR).await;
    assert!(
        !after.exists(),
        "input after taking control back was applied"
    );

    // Pressed again: nothing more to take back, nothing for the kernel.
    xdotool(&display, &["key", "Pause"]);
    assert!(
        tokio::time::timeout(QUIET_FOR, events.next())
            .await
            .is_err(),
        "a second take-back"
    );

    // The kernel answered; it gives control again later: input again.
    sharing.take_back_answered(stream);
    sharing
        .controller_named(stream, Some("p-carl".into()))
        .expect("given again");
    let again = files.path().join("again");
    type_text(&sharing, stream, &echo(&again));
    wait_until("control given again works", || again.exists()).await;
    assert!(!after.exists());

    sharing.stop_all("the test ended");
}
