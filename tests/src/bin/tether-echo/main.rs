//! `tether-echo`: a WebSocket echo served by axum in a process of its own,
//! the round-trip benchmark's baseline. The kernel is a process of its own
//! too, so a message to either crosses the same process boundary and wakes
//! a server thread the same way; an echo served inside the benchmark's own
//! runtime could answer on the client's thread without any wake-up, and
//! then measured anything from 8 to 52 µs from one run to the next.
//!
//! Listens on a free loopback port, prints `listening on <port>`, serves
//! `/echo` with the kernel's socket settings (4 KiB read buffer, no write
//! buffer, no Nagle delay) and exits when its standard input closes, so it
//! never outlives the benchmark that started it.

use std::io::Read;

use axum::serve::ListenerExt;
use tether_tests::round_trips::echo_router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on {}", listener.local_addr()?.port());
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    // Standard input closing (the benchmark ended, however it ended) stops it.
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    axum::serve(listener, echo_router()).await
}
