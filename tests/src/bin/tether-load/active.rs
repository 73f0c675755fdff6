//! Active mode: `sessions` sessions, each a CSR's console, a customer's
//! page and the customer's agent (connected with the code the page
//! showed). The customer allows system information once on the page; then
//! each session does one operation a second from its console, a chat
//! message and a system-information refresh in turn (half the sessions
//! start with each), timed from sending to the reply.
//!
//! First one session alone on the kernel does the same operations one
//! after another: the baseline, measured in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tether_protocol::ConsoleRequest;
use tether_tests::load::checkpoint::Checkpoint;
use tether_tests::load::latency::Timings;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::agent::{Credential, Ended, LoadAgent, SysinfoAnswer};
use crate::bounded;
use crate::checkpoints::Checkpoints;
use crate::csr::{self, HostedSession, SignedIn};
use crate::customer;
use crate::error::LoadError;
use crate::net::{PATIENCE, Sources};
use crate::options::{ActiveOptions, Target};
use crate::socket::{Reply, Socket};

/// One operation a session does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Chat,
    /// `sysinfo` `refresh`: the plugin asks the agent (pre-granted).
    Refresh,
    /// `sysinfo` `collect`, the first time: the customer is asked.
    Collect,
}

impl Operation {
    /// The `n`th operation of a session: chat and refresh in turn.
    fn nth(n: u64) -> Operation {
        if n.is_multiple_of(2) {
            Operation::Chat
        } else {
            Operation::Refresh
        }
    }
}

struct ActiveSession {
    number: String,
    console: Socket,
    page: JoinHandle<()>,
    agent: JoinHandle<Ended>,
}

impl ActiveSession {
    /// The signed-in CSR's session: they start it, a customer joins and
    /// opens the page, the agent connects with the page's code, and the
    /// customer allows system information on the page.
    async fn set_up(
        csr: &SignedIn,
        target: &Target,
        answer: Arc<SysinfoAnswer>,
        stop: watch::Receiver<bool>,
    ) -> Result<ActiveSession, LoadError> {
        let (n, source) = (csr.n, &csr.source);
        let HostedSession { number, console } = HostedSession::open(csr, target).await?;
        let joined = customer::join(source, target, &number, &format!("Load customer {n}")).await?;
        let mut page = customer::open_page(
            format!("page of customer {n}"),
            source,
            target,
            &joined.token,
        )
        .await?;
        let code = customer::agent_code(&mut page).await?;
        let credential = Credential::Code {
            session: joined.session,
            code,
        };
        let agent =
            LoadAgent::connect(format!("agent {n}"), target, source.address, &credential).await?;
        let mut session = ActiveSession {
            number,
            console,
            page: tokio::spawn(customer::keep_page(page, stop.clone())),
            agent: tokio::spawn(agent.serve(Some(answer), stop)),
        };
        session
            .operate(Operation::Collect, 0)
            .await
            .map_err(|message| LoadError::Refusal {
                what: format!("session {n}: the first system information (with consent)"),
                message,
            })?;
        Ok(session)
    }

    /// One operation from the console; how long until its reply, or why
    /// it failed.
    async fn operate(&mut self, operation: Operation, n: u64) -> Result<Duration, String> {
        let sysinfo = |name: &str| ConsoleRequest::PluginCommand {
            session: Some(self.number.clone()),
            plugin: "sysinfo".into(),
            name: name.into(),
            payload: Value::Null,
        };
        let request = match operation {
            Operation::Chat => ConsoleRequest::Chat {
                session: self.number.clone(),
                text: format!("Load message {n}"),
            },
            Operation::Refresh => sysinfo("refresh"),
            Operation::Collect => sysinfo("collect"),
        };
        let sent = Instant::now();
        let id = self
            .console
            .send(&request)
            .await
            .map_err(|e| e.to_string())?;
        let reply = tokio::time::timeout(PATIENCE, self.console.reply(id))
            .await
            .map_err(|_| format!("no reply within {} s", PATIENCE.as_secs()))?
            .map_err(|e| e.to_string())?;
        let took = sent.elapsed();
        match (operation, reply) {
            (Operation::Chat, Reply::Ok(_)) => Ok(took),
            (_, Reply::Ok(words)) if words.status.as_deref() == Some("ok") => Ok(took),
            (_, Reply::Ok(words)) => Err(format!(
                "system information not collected: status {:?}",
                words.status
            )),
            (_, Reply::Refused(message)) => Err(message),
        }
    }
}

/// Operations of one kind.
#[derive(Default)]
struct Measured {
    chat: Timings,
    refresh: Timings,
    late: usize,
}

impl Measured {
    fn note(&mut self, operation: Operation, outcome: Result<Duration, String>) {
        let timings = match operation {
            Operation::Chat => &mut self.chat,
            Operation::Refresh | Operation::Collect => &mut self.refresh,
        };
        match outcome {
            Ok(took) => timings.record(took),
            Err(reason) => timings.fail(reason),
        }
    }

    fn merge(&mut self, other: Measured) {
        self.chat.merge(other.chat);
        self.refresh.merge(other.refresh);
        self.late += other.late;
    }
}

/// The measured window, once the warm-up is over.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// One operation a second from `first` on, until the window is over;
/// operations started in the window are measured.
async fn drive(
    mut session: ActiveSession,
    first: Instant,
    kind_offset: u64,
    window: watch::Receiver<Option<Window>>,
) -> (ActiveSession, Measured) {
    let mut measured = Measured::default();
    let mut next = first;
    let mut n = kind_offset;
    loop {
        tokio::time::sleep_until(next.into()).await;
        let window = *window.borrow();
        let started = Instant::now();
        if window.is_some_and(|w| started >= w.end) {
            break;
        }
        let operation = Operation::nth(n);
        let outcome = session.operate(operation, n).await;
        let in_window = window.is_some_and(|w| started >= w.start);
        if in_window {
            measured.note(operation, outcome);
        }
        n += 1;
        next += Duration::from_secs(1);
        let now = Instant::now();
        if now > next {
            // No catching up in a burst: the next one goes now.
            if in_window {
                measured.late += 1;
            }
            next = now;
        }
    }
    (session, measured)
}

pub async fn run(
    options: &ActiveOptions,
    target: &Target,
    sources: Arc<Sources>,
    checkpoints: &mut Checkpoints,
) -> Result<(), LoadError> {
    let common = &options.common;
    let answer = Arc::new(SysinfoAnswer::read(&options.sysinfo_answer)?);
    let (stop_clients, clients_stop) = watch::channel(false);
    let csrs = csr::sign_in_all(options.sessions, sources, target, common, checkpoints).await?;
    let csrs = Arc::new(csrs);

    let mut alone =
        ActiveSession::set_up(&csrs[0], target, answer.clone(), clients_stop.clone()).await?;
    checkpoints.reach(Checkpoint::BaselineReady).await;
    let baseline_began = Instant::now();
    let mut baseline = Measured::default();
    for n in 0..options.baseline_ops as u64 {
        let operation = Operation::nth(n);
        let outcome = alone.operate(operation, n).await;
        baseline.note(operation, outcome);
    }
    checkpoints
        .reach(Checkpoint::BaselineDone {
            chat: baseline.chat.summary(),
            refresh: baseline.refresh.summary(),
            seconds: baseline_began.elapsed().as_secs_f64(),
        })
        .await;

    tracing::info!(sessions = options.sessions, "setting sessions up");
    let setting_up = Instant::now();
    let others = bounded::in_order(csrs.len() - 1, common.connect_at_once, |n| {
        let (csrs, target) = (csrs.clone(), target.clone());
        let (answer, stop) = (answer.clone(), clients_stop.clone());
        async move {
            let session = ActiveSession::set_up(&csrs[n + 1], &target, answer, stop).await;
            if (n + 2) % 100 == 0 {
                tracing::info!(sessions = n + 2, "set up");
            }
            session
        }
    })
    .await;
    let mut sessions = vec![alone];
    let (mut failed, mut first_failure) = (0, None);
    for outcome in others {
        match outcome {
            Ok(session) => sessions.push(session),
            Err(error) => {
                failed += 1;
                first_failure.get_or_insert(error.to_string());
            }
        }
    }
    checkpoints
        .reach(Checkpoint::SessionsReady {
            sessions: sessions.len(),
            failed,
            seconds: setting_up.elapsed().as_secs_f64(),
            first_failure,
        })
        .await;

    // Spread over the second, half starting with each kind.
    let (set_window, window) = watch::channel(None);
    let count = sessions.len();
    let begin = Instant::now() + Duration::from_millis(100);
    let drivers: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(n, session)| {
            let first = begin + Duration::from_secs_f64(n as f64 / count as f64);
            tokio::spawn(drive(session, first, n as u64 % 2, window.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(options.warmup_secs)).await;
    checkpoints
        .reach(Checkpoint::Measuring { sessions: count })
        .await;
    let start = Instant::now();
    let run = Duration::from_secs(options.run_secs);
    let _ = set_window.send(Some(Window {
        start,
        end: start + run,
    }));
    let mut measured = Measured::default();
    let mut finished = Vec::with_capacity(count);
    for driver in drivers {
        match driver.await {
            Ok((session, of_session)) => {
                measured.merge(of_session);
                finished.push(session);
            }
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
    checkpoints
        .reach(Checkpoint::Measured {
            chat: measured.chat.summary(),
            refresh: measured.refresh.summary(),
            seconds: run.as_secs_f64(),
            late: measured.late,
        })
        .await;

    let _ = stop_clients.send(true);
    let closing = futures_util::future::join_all(finished.into_iter().map(|session| async move {
        let _ = session.page.await;
        let _ = session.agent.await;
        session.console.close().await;
    }));
    let _ = tokio::time::timeout(PATIENCE, closing).await;
    checkpoints.reach(Checkpoint::Finished).await;
    Ok(())
}
