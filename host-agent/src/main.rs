//! `tether-agent`: the native agent on the customer's computer. It serves
//! capabilities (system information, scripts, applications, restart, log on
//! as another user) only for calls the kernel forwards with a live consent
//! grant. Joining sessions and the capabilities arrive with the host agent
//! work; this binary currently reports its version and usage.

use clap::Parser;

#[derive(Parser)]
#[command(name = "tether-agent", version, about = "Tether host agent")]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    println!(
        "tether-agent {}: no session to join yet; see `tether-agent --help`",
        env!("CARGO_PKG_VERSION")
    );
}
