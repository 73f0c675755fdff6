//! Report lines are written by one task, in the order they were recorded,
//! several per transaction. Recording a line no longer waits for the
//! database: a console command's reply used to wait for each of the
//! three or four lines it caused (a SQLite round trip on its worker thread
//! each). Reading a report first waits for every line recorded before it
//! (`flush`), so no reader misses a line that was already recorded.
//!
//! A batch waits up to [`LINGER`] for more lines before it is written:
//! every transaction wakes the database's worker thread, and at one line
//! per command the wake-ups cost more processor time than the kernel's own
//! work on a console command (a quarter of it in the round-trip benchmark).
//!
//! What a kill -9 can lose is the lines recorded in the last moment (at
//! most [`LINGER`]) and not yet written — as a power cut can lose SQLite's
//! last commits with its WAL journal at `synchronous = NORMAL`. A normal
//! stop flushes, and so does every reader. Among several nodes a node
//! that dies has its sessions taken over by another, which goes on from
//! the report as stored: there recording waits for the line to be written
//! (`write_through`), so what a client was answered is on record.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot};

use crate::storage::health::StorageHealth;
use crate::storage::{ReportEntry, Storage};

/// Lines waiting to be written, at most: past it, recording waits for the
/// database (memory stays bounded when the disk is slow).
const QUEUE: usize = 8192;
/// Lines written in one statement, at most (five values each: well within
/// SQLite's 32,766 bound values per statement).
const BATCH: usize = 256;
/// How long the first line of a batch waits for others, unless someone
/// waits for it (a flush) or the batch is full.
pub const LINGER: Duration = Duration::from_millis(5);

enum Job {
    Line { session: String, entry: ReportEntry },
    Flush(oneshot::Sender<()>),
}

pub struct ReportWriter {
    jobs: mpsc::Sender<Job>,
    /// Ends the writer's wait for more lines: someone waits for them.
    hurry: Arc<Notify>,
    /// Recording waits until the line is written.
    write_through: bool,
}

impl ReportWriter {
    /// Starts the writing task on the current Tokio runtime.
    pub fn start(
        storage: Arc<dyn Storage>,
        health: Arc<StorageHealth>,
        write_through: bool,
    ) -> ReportWriter {
        let (jobs, receiver) = mpsc::channel(QUEUE);
        let hurry = Arc::new(Notify::new());
        tokio::spawn(write_lines(receiver, hurry.clone(), storage, health));
        ReportWriter {
            jobs,
            hurry,
            write_through,
        }
    }

    /// Queues a line behind every line recorded before it (and with
    /// `write_through`, waits until it is written).
    pub async fn record(&self, session: &str, entry: ReportEntry) {
        let line = Job::Line {
            session: session.to_owned(),
            entry,
        };
        if self.jobs.send(line).await.is_err() {
            tracing::error!(
                session,
                "the report writer has stopped; a report line is lost"
            );
        } else if self.write_through {
            self.flush().await;
        }
    }

    /// Resolves once every line recorded before this call is written (or
    /// failed, which the storage health then says).
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.jobs.send(Job::Flush(done)).await.is_ok() {
            self.hurry.notify_one();
            let _ = written.await;
        }
    }
}

async fn write_lines(
    mut jobs: mpsc::Receiver<Job>,
    hurry: Arc<Notify>,
    storage: Arc<dyn Storage>,
    health: Arc<StorageHealth>,
) {
    let mut lines = Vec::with_capacity(BATCH);
    let mut flushes = Vec::new();
    let mut backlog = false;
    while let Some(job) = jobs.recv().await {
        take(job, &mut lines, &mut flushes);
        // The lines recorded meanwhile wait in the queue: the writer is
        // not woken once per line, only when the linger ends or a reader
        // waits. With a backlog (the last batch was full) it does not wait.
        if flushes.is_empty() && !backlog {
            tokio::select! {
                () = tokio::time::sleep(LINGER) => {}
                () = hurry.notified() => {}
            }
        }
        while lines.len() < BATCH
            && let Ok(job) = jobs.try_recv()
        {
            take(job, &mut lines, &mut flushes);
        }
        backlog = lines.len() == BATCH;
        if !lines.is_empty()
            && let Err(error) = storage.append_events(&lines).await
        {
            tracing::error!(%error, lines = lines.len(), "could not append to session reports");
            health.failed(error.to_string());
        }
        lines.clear();
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

fn take(job: Job, lines: &mut Vec<(String, ReportEntry)>, flushes: &mut Vec<oneshot::Sender<()>>) {
    match job {
        Job::Line { session, entry } => lines.push((session, entry)),
        Job::Flush(done) => flushes.push(done),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{SessionMode, SessionRecord, SessionStatus, SqliteStorage};

    fn entry(detail: &str) -> ReportEntry {
        ReportEntry {
            at: 1,
            kind: "chat".into(),
            actor: "Anna".into(),
            detail: detail.into(),
        }
    }

    async fn storage_with_sessions(dir: &tempfile::TempDir, numbers: &[&str]) -> Arc<dyn Storage> {
        let storage = SqliteStorage::open(&dir.path().join("t.db"))
            .await
            .expect("opens");
        for number in numbers {
            storage
                .create_session(SessionRecord {
                    number: (*number).into(),
                    site: "default".into(),
                    mode: SessionMode::Single,
                    started_by: None,
                    status: SessionStatus::Active,
                    started_at: 1,
                    ended_at: None,
                    end_reason: None,
                })
                .await
                .expect("session");
        }
        Arc::new(storage)
    }

    #[tokio::test]
    async fn lines_are_written_in_order_and_a_flush_waits_for_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = storage_with_sessions(&dir, &["123456789", "987654321"]).await;
        let health = Arc::new(StorageHealth::default());
        let writer = ReportWriter::start(storage.clone(), health.clone(), false);
        for n in 0..1000 {
            writer.record("123456789", entry(&n.to_string())).await;
        }
        writer.record("987654321", entry("other")).await;
        writer.flush().await;
        let details: Vec<String> = storage
            .events("123456789")
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.detail)
            .collect();
        let expected: Vec<String> = (0..1000).map(|n| n.to_string()).collect();
        assert_eq!(details, expected);
        assert_eq!(storage.events("987654321").await.expect("events").len(), 1);
        assert!(health.status().is_ok());
    }

    /// Nobody flushes: the lines are written once the first has waited
    /// its [`LINGER`], and none before its turn.
    #[tokio::test]
    async fn lines_nobody_waits_for_are_written_after_the_linger() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = storage_with_sessions(&dir, &["123456789"]).await;
        let health = Arc::new(StorageHealth::default());
        let writer = ReportWriter::start(storage.clone(), health.clone(), false);
        for n in 0..3 {
            writer.record("123456789", entry(&n.to_string())).await;
        }
        let deadline = std::time::Instant::now() + LINGER * 50;
        let mut written = Vec::new();
        while written.len() < 3 && std::time::Instant::now() < deadline {
            tokio::time::sleep(LINGER / 2).await;
            written = storage.events("123456789").await.expect("events");
        }
        let details: Vec<&str> = written.iter().map(|e| e.detail.as_str()).collect();
        assert_eq!(details, ["0", "1", "2"]);
        assert!(health.status().is_ok());
    }

    /// Among several nodes: when recording returns, the line is stored
    /// (a node killed right after answering loses nothing it reported).
    #[tokio::test]
    async fn written_through_a_line_is_stored_when_recording_returns() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = storage_with_sessions(&dir, &["123456789"]).await;
        let health = Arc::new(StorageHealth::default());
        let writer = ReportWriter::start(storage.clone(), health.clone(), true);
        for n in 0..3 {
            writer.record("123456789", entry(&n.to_string())).await;
            let written = storage.events("123456789").await.expect("events");
            assert_eq!(written.len(), n + 1);
            assert_eq!(written[n].detail, n.to_string());
        }
    }

    #[tokio::test]
    async fn a_batch_that_cannot_be_written_marks_storage_unhealthy_and_the_flush_still_ends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = storage_with_sessions(&dir, &["123456789"]).await;
        let health = Arc::new(StorageHealth::default());
        let writer = ReportWriter::start(storage.clone(), health.clone(), false);
        // A line of a session the database does not know breaks its batch.
        writer.record("000000000", entry("nowhere")).await;
        writer.flush().await;
        assert!(health.status().is_err(), "the failure is reported");
        assert!(
            storage
                .events("000000000")
                .await
                .expect("events")
                .is_empty()
        );
    }
}
