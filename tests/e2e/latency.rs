//! No Nagle stalls: a reply that follows another message on the same
//! socket must not wait for the client's delayed ACK (~40 ms). Timing is
//! only compared with that stall, as "well under" it, over many samples;
//! the figures themselves are measured by `cargo xtask bench latency`.

use std::time::Duration;

use tether_tests::round_trips::{GrantedSession, median_and_p90};

const SAMPLES: usize = 60;
/// The delayed-ACK stall the sockets must not show.
const STALL: Duration = Duration::from_millis(40);

#[tokio::test]
async fn chat_replies_and_granted_agent_calls_come_back_without_a_delayed_ack_stall() {
    let mut session = GrantedSession::start().await;
    let mut chats = Vec::new();
    let mut calls = Vec::new();
    for _ in 0..SAMPLES {
        chats.push(session.chat().await);
        calls.push(session.agent_call().await);
    }
    let (chat, _) = median_and_p90(chats);
    let (call, _) = median_and_p90(calls);
    // Each of these is a reply right behind an event (the chat message, the
    // agent's answer): with Nagle on, every one of them waits ~40 ms.
    assert!(chat < STALL / 2, "chat.send reply: median {chat:?}");
    assert!(call < STALL / 2, "granted agent call: median {call:?}");
}
