//! Reaching a checkpoint: its JSON line on standard output, then (with
//! `--pause-at-checkpoints`) a wait for one line on standard input, read
//! by a thread of its own. End of input, or a reader that is gone, lets the
//! run go on without pausing; the deadline bounds the wait anyway.

use std::io::{BufRead, Write};

use tether_tests::load::checkpoint::Checkpoint;
use tokio::sync::mpsc;

pub struct Checkpoints {
    acks: Option<mpsc::UnboundedReceiver<()>>,
}

impl Checkpoints {
    pub fn new(pause: bool) -> Checkpoints {
        let acks = pause.then(|| {
            let (send, receive) = mpsc::unbounded_channel();
            std::thread::spawn(move || {
                let stdin = std::io::stdin();
                for line in stdin.lock().lines() {
                    if line.is_err() || send.send(()).is_err() {
                        break;
                    }
                }
            });
            receive
        });
        Checkpoints { acks }
    }

    pub async fn reach(&mut self, checkpoint: Checkpoint) {
        let mut out = std::io::stdout().lock();
        // A reader that went away changes nothing here: the run goes on.
        let _ = writeln!(out, "{}", checkpoint.to_line());
        let _ = out.flush();
        drop(out);
        if let Some(acks) = &mut self.acks
            && acks.recv().await.is_none()
        {
            self.acks = None;
        }
    }
}
