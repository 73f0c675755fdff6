//! The one task that writes to the kernel's socket. Control messages
//! (answers, progress, consent, `stream.stop`) queue without bound and
//! always go first; stream frames (pictures) queue in a small bounded
//! queue behind them, so the kernel never waits for an answer behind
//! pictures and a share never piles pictures up in memory (it waits for
//! room, and paces itself by its viewers' acknowledgements anyway).

use std::time::Duration;

use futures_util::{Sink, SinkExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Frames waiting to be written, at most (a share has at most two
/// pictures unacknowledged; this leaves room for a few shares).
pub const FRAME_QUEUE: usize = 8;
/// How long the control messages still queued when the connection ends
/// may take to go out.
const FLUSH_WITHIN: Duration = Duration::from_secs(2);

pub struct Writer {
    control: mpsc::UnboundedSender<Message>,
    frames: mpsc::Sender<Vec<u8>>,
    task: JoinHandle<()>,
}

impl Writer {
    pub fn start<S>(sink: S) -> Writer
    where
        S: Sink<Message> + Unpin + Send + 'static,
    {
        let (control, control_rx) = mpsc::unbounded_channel();
        let (frames, frames_rx) = mpsc::channel(FRAME_QUEUE);
        let task = tokio::spawn(write(sink, control_rx, frames_rx));
        Writer {
            control,
            frames,
            task,
        }
    }

    /// Where control messages go.
    pub fn control(&self) -> mpsc::UnboundedSender<Message> {
        self.control.clone()
    }

    /// Where stream frames go.
    pub fn frames(&self) -> mpsc::Sender<Vec<u8>> {
        self.frames.clone()
    }

    /// Once every other sender of control messages is dropped: writes
    /// what is still queued (briefly) and closes the socket.
    pub async fn finish(self) {
        let Writer { control, task, .. } = self;
        drop(control);
        let abort = task.abort_handle();
        if tokio::time::timeout(FLUSH_WITHIN, task).await.is_err() {
            abort.abort();
        }
    }
}

/// Writes control messages first, frames when no control message waits,
/// until the control queue closes (the connection is over) or the socket
/// fails.
async fn write<S>(
    mut sink: S,
    mut control: mpsc::UnboundedReceiver<Message>,
    mut frames: mpsc::Receiver<Vec<u8>>,
) where
    S: Sink<Message> + Unpin,
{
    loop {
        let message = tokio::select! {
            biased;
            message = control.recv() => match message {
                Some(message) => message,
                None => break,
            },
            Some(frame) = frames.recv() => Message::Binary(frame.into()),
        };
        if sink.send(message).await.is_err() {
            // The reading side sees the connection end too.
            return;
        }
    }
    let _ = sink.close().await;
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A sink that records what was written.
    fn recording() -> (
        impl Sink<Message, Error = ()> + Unpin + Send + 'static,
        Arc<Mutex<Vec<Message>>>,
    ) {
        let written = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&written);
        let sink = futures_util::sink::unfold((), move |(), message: Message| {
            let into = Arc::clone(&into);
            async move {
                into.lock().expect("not poisoned").push(message);
                Ok::<(), ()>(())
            }
        });
        (Box::pin(sink), written)
    }

    fn text(message: &Message) -> String {
        match message {
            Message::Text(text) => text.to_string(),
            Message::Binary(bytes) => format!("frame {}", bytes[0]),
            other => format!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn control_messages_go_before_frames_that_waited_longer() {
        let (control, control_rx) = mpsc::unbounded_channel();
        let (frames, frames_rx) = mpsc::channel(FRAME_QUEUE);
        for n in 1..=3u8 {
            frames.send(vec![n]).await.expect("room");
        }
        for word in ["answer", "progress"] {
            control.send(Message::Text(word.into())).expect("open");
        }
        let (sink, written) = recording();
        let task = tokio::spawn(write(sink, control_rx, frames_rx));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while written.lock().expect("not poisoned").len() < 5 {
            assert!(tokio::time::Instant::now() < deadline, "not written");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let order: Vec<String> = written
            .lock()
            .expect("not poisoned")
            .iter()
            .map(text)
            .collect();
        assert_eq!(
            order,
            ["answer", "progress", "frame 1", "frame 2", "frame 3"]
        );
        // The connection ends: the writer closes the socket and stops.
        drop(control);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("ends")
            .expect("no panic");
    }
}
