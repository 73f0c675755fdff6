//! Idle mode: `agents` agents in sessions of `per_session` customers each,
//! one CSR hosting each session (10,000 agents at 50 a session: 200
//! sessions). Each agent joins as its customer (`POST /api/join`, as the
//! real agent joining by link does), connects with the join token, says
//! hello and stays idle; then they all close and the consoles hear each
//! customer leave (after the kernel's grace period).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tether_protocol::{ServerEvent, ServerFrame, decode_server};
use tether_tests::load::checkpoint::Checkpoint;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::agent::{Credential, Ended, LoadAgent};
use crate::bounded;
use crate::checkpoints::Checkpoints;
use crate::csr::{self, HostedSession};
use crate::customer;
use crate::error::LoadError;
use crate::net::{PATIENCE, Sources};
use crate::options::{IdleOptions, Target};
use crate::socket::Socket;

/// Counts the customers the console hears leave, until told to stop.
async fn listen(mut console: Socket, left: Arc<AtomicUsize>, mut stop: watch::Receiver<bool>) {
    loop {
        let text = tokio::select! {
            () = crate::stop::requested(&mut stop) => {
                console.close().await;
                return;
            }
            text = console.next_text() => match text {
                Some(text) => text,
                None => return,
            },
        };
        if !text.as_str().contains("\"participant.left\"") {
            continue;
        }
        if let Ok(ServerFrame::Event(ServerEvent::ParticipantLeft { participant, .. })) =
            decode_server(text.as_str())
            && participant.role == "customer"
        {
            left.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Agent `n` joins session `number` and connects.
async fn connect_agent(
    n: usize,
    number: &str,
    sources: &Sources,
    target: &Target,
) -> Result<LoadAgent, LoadError> {
    let source = sources.next();
    let joined = customer::join(&source, target, number, &format!("Load agent {n}")).await?;
    let credential = Credential::JoinToken(joined.token);
    LoadAgent::connect(format!("agent {n}"), target, source.address, &credential).await
}

pub async fn run(
    options: &IdleOptions,
    target: &Target,
    sources: Arc<Sources>,
    checkpoints: &mut Checkpoints,
) -> Result<(), LoadError> {
    let common = &options.common;
    let csrs = csr::sign_in_all(
        options.sessions(),
        sources.clone(),
        target,
        common,
        checkpoints,
    )
    .await?;
    let began = Instant::now();
    let csrs = Arc::new(csrs);
    let hosted = bounded::in_order(csrs.len(), common.connect_at_once, |n| {
        let (csrs, target) = (csrs.clone(), target.clone());
        async move { HostedSession::open(&csrs[n], &target).await }
    })
    .await
    .into_iter()
    .collect::<Result<Vec<HostedSession>, LoadError>>()?;
    let numbers: Vec<String> = hosted.iter().map(|s| s.number.clone()).collect();
    let left = Arc::new(AtomicUsize::new(0));
    let (stop_consoles, consoles_stop) = watch::channel(false);
    let listeners: Vec<_> = hosted
        .into_iter()
        .map(|session| tokio::spawn(listen(session.console, left.clone(), consoles_stop.clone())))
        .collect();
    checkpoints
        .reach(Checkpoint::SessionsReady {
            sessions: numbers.len(),
            failed: 0,
            seconds: began.elapsed().as_secs_f64(),
            first_failure: None,
        })
        .await;

    tracing::info!(
        agents = options.agents,
        sessions = numbers.len(),
        "connecting agents"
    );
    let connecting = Instant::now();
    let (stop_agents, agents_stop) = watch::channel(false);
    let live = Arc::new(AtomicUsize::new(0));
    let slots = Arc::new(Semaphore::new(common.connect_at_once));
    let (outcomes, mut heard) = mpsc::unbounded_channel::<Result<(), String>>();
    let mut agents = Vec::with_capacity(options.agents);
    for n in 0..options.agents {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let number = numbers[n / options.per_session].clone();
        let (sources, target, outcomes) = (sources.clone(), target.clone(), outcomes.clone());
        let (alive, stop) = (live.clone(), agents_stop.clone());
        agents.push(tokio::spawn(async move {
            let connected = connect_agent(n, &number, &sources, &target).await;
            drop(slot);
            match connected {
                Ok(agent) => {
                    alive.fetch_add(1, Ordering::Relaxed);
                    let _ = outcomes.send(Ok(()));
                    let ended = agent.serve(None, stop).await;
                    alive.fetch_sub(1, Ordering::Relaxed);
                    ended
                }
                Err(error) => {
                    let _ = outcomes.send(Err(error.to_string()));
                    Ended::ByKernel
                }
            }
        }));
        if (n + 1) % 1000 == 0 {
            tracing::info!(
                started = n + 1,
                connected = live.load(Ordering::Relaxed),
                "connecting"
            );
        }
    }
    drop(outcomes);
    // One outcome from each agent (connected agents keep their sender
    // while they serve).
    let (mut connected, mut failed, mut first_failure) = (0, 0, None);
    while connected + failed < agents.len() {
        match heard.recv().await {
            Some(Ok(())) => connected += 1,
            Some(Err(reason)) => {
                failed += 1;
                first_failure.get_or_insert(reason);
            }
            None => break,
        }
    }
    checkpoints
        .reach(Checkpoint::AgentsConnected {
            agents: connected,
            failed,
            seconds: connecting.elapsed().as_secs_f64(),
            first_failure,
        })
        .await;

    let holding = Instant::now();
    tokio::time::sleep(Duration::from_secs(options.hold_secs)).await;
    checkpoints
        .reach(Checkpoint::AgentsHeld {
            still_connected: live.load(Ordering::Relaxed),
            seconds: holding.elapsed().as_secs_f64(),
        })
        .await;

    let leaving = Instant::now();
    let _ = stop_agents.send(true);
    let closing = async {
        for agent in agents {
            let _ = agent.await;
        }
    };
    if tokio::time::timeout(2 * PATIENCE, closing).await.is_err() {
        tracing::warn!("some agents did not close in time");
    }
    let leave_within = Duration::from_secs(options.leave_within_secs);
    while left.load(Ordering::Relaxed) < connected && leaving.elapsed() < leave_within {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    checkpoints
        .reach(Checkpoint::AgentsLeft {
            heard: left.load(Ordering::Relaxed),
            expected: connected,
            seconds: leaving.elapsed().as_secs_f64(),
        })
        .await;

    let _ = stop_consoles.send(true);
    let closing = async {
        for listener in listeners {
            let _ = listener.await;
        }
    };
    let _ = tokio::time::timeout(PATIENCE, closing).await;
    checkpoints.reach(Checkpoint::Finished).await;
    Ok(())
}
