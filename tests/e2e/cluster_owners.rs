//! The registry of session owners, with real servers (a private
//! PostgreSQL holding the leases, a private nats-server the nodes are on):
//! of nodes racing to own a session exactly one wins, an owner that renews
//! keeps it, a dead owner's session is taken over once its lease runs out,
//! and a node cut off from NATS stops acting as owner before any other
//! node can take its session — never two owners.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tether_kernel::cluster::{Claim, Cluster, ClusterError, LeaseTiming, RenewError};
use tether_kernel::storage::PostgresStorage;
use tether_tests::nats::{CuttableLink, PrivateNats};
use tether_tests::postgres::PrivatePostgres;

fn timing() -> LeaseTiming {
    LeaseTiming::new(Duration::from_secs(2)).expect("a valid lease")
}

/// What the nodes share: a database and a NATS server.
struct Shared {
    nats: PrivateNats,
    database: String,
    _postgres: PrivatePostgres,
}

async fn shared() -> Shared {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    Shared {
        nats: PrivateNats::start().await,
        database,
        _postgres: postgres,
    }
}

/// A node on NATS at `url` (the server, or a link to it).
async fn node_via(shared: &Shared, url: &str, name: &str) -> Cluster {
    let storage = PostgresStorage::open(&shared.database)
        .await
        .expect("PostgreSQL opens");
    Cluster::connect(url, name.parse().expect("a node name"), timing(), &storage)
        .await
        .expect("connects")
}

async fn node(shared: &Shared, name: &str) -> Cluster {
    node_via(shared, &shared.nats.url(), name).await
}

fn won(claim: Claim) -> tether_kernel::cluster::Lease {
    match claim {
        Claim::Won(lease) => lease,
        Claim::Owned { by } => panic!("owned by {by:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_nodes_racing_to_own_a_session_exactly_one_wins() {
    let shared = shared().await;
    let mut nodes = Vec::new();
    for name in ["node-a", "node-b", "node-c"] {
        nodes.push(Arc::new(node(&shared, name).await));
    }
    for round in 0..20 {
        let session = format!("{:09}", 100_000_000 + round);
        let claims: Vec<_> = nodes
            .iter()
            .flat_map(|node| std::iter::repeat_n(node.clone(), 4))
            .map(|node| {
                let session = session.clone();
                tokio::spawn(async move {
                    let claim = node.owners.claim(&session).await.expect("claims");
                    (node.owners.node().to_string(), claim)
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut seen_owner = Vec::new();
        for claim in claims {
            match claim.await.expect("joins") {
                (name, Claim::Won(_)) => winners.push(name),
                (_, Claim::Owned { by }) => seen_owner.push(by),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let owner = nodes[0].owners.owner(&session).await.expect("reads");
        assert_eq!(owner.as_ref(), Some(&winners[0]), "round {round}");
        // Losers were told who owns it (or, racing, that someone does).
        for by in seen_owner.into_iter().flatten() {
            assert_eq!(by, winners[0], "round {round}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_that_renews_keeps_its_session_and_a_release_frees_it_at_once() {
    let shared = shared().await;
    let (a, b) = (node(&shared, "node-a").await, node(&shared, "node-b").await);
    let mut lease = won(a.owners.claim("123456789").await.expect("claims"));
    // Three leases long, renewing on schedule.
    let until = Instant::now() + timing().lease() * 3;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            b.owners.claim("123456789").await.expect("claims"),
            Claim::Owned {
                by: Some("node-a".into())
            }
        );
        if Instant::now() >= lease.valid_until() - timing().lease() * 2 / 3 {
            lease = a.renew(&lease).await.expect("renews");
        }
        assert!(lease.holds(Instant::now()));
    }
    a.owners.release(lease.clone()).await.expect("releases");
    let taken = won(b.owners.claim("123456789").await.expect("claims"));
    assert!(taken.holds(Instant::now()));
    // The old lease can no longer be renewed, and releasing it again
    // leaves the new owner alone.
    assert_eq!(
        a.owners.renew(&lease).await,
        Err(RenewError::Lost("123456789".into()))
    );
    a.owners
        .release(lease)
        .await
        .expect("a stale release is no error");
    assert_eq!(
        a.owners.owner("123456789").await.expect("reads"),
        Some("node-b".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_owners_session_is_taken_over_once_its_lease_runs_out() {
    let shared = shared().await;
    let b = node(&shared, "node-b").await;
    let lease = {
        let a = node(&shared, "node-a").await;
        won(a.owners.claim("123456789").await.expect("claims"))
        // Node A is gone: it never renews.
    };
    let deadline = Instant::now() + timing().lease() * 5;
    let taken = loop {
        match b.owners.claim("123456789").await.expect("claims") {
            Claim::Won(taken) => break taken,
            Claim::Owned { by } => {
                assert_eq!(by.as_deref(), Some("node-a"));
                assert!(
                    Instant::now() < deadline,
                    "not taken over within five leases"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert!(
        !lease.holds(Instant::now()),
        "taken over while the dead owner's lease still held"
    );
    assert!(taken.holds(Instant::now()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_cut_off_from_nats_stops_owning_before_another_can_take_over() {
    let shared = shared().await;
    let link = CuttableLink::start(shared.nats.address()).await;
    let a = node_via(&shared, &link.url(), "node-a").await;
    let b = node(&shared, "node-b").await;
    let mut lease = won(a.owners.claim("123456789").await.expect("claims"));
    lease = a.renew(&lease).await.expect("renews");

    link.cut();
    // Node A keeps trying to renew (and cannot, once the ping through the
    // cut link fails); node B keeps trying to claim. At every moment at
    // most one of them may act as owner.
    let deadline = Instant::now() + timing().lease() * 5;
    let mut failed_renewals = 0;
    let taken = loop {
        match a.renew(&lease).await {
            Ok(renewed) => lease = renewed,
            Err(RenewError::Unavailable { reason, .. }) => {
                assert!(reason.contains("cut off from NATS"), "{reason}");
                failed_renewals += 1;
            }
            Err(lost) => panic!("{lost}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Claim::Won(taken) = b.owners.claim("123456789").await.expect("claims") {
            break taken;
        }
        assert!(
            Instant::now() < deadline,
            "not taken over within five leases"
        );
    };
    let now = Instant::now();
    assert!(
        !lease.holds(now),
        "node B took over while node A's lease still held"
    );
    assert!(taken.holds(now));
    assert!(failed_renewals > 0);

    // Back on NATS, node A learns it lost the session.
    link.mend();
    let learned = loop {
        match a.renew(&lease).await {
            Err(RenewError::Unavailable { .. }) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            other => break other,
        }
    };
    assert_eq!(learned, Err(RenewError::Lost("123456789".into())));
    assert_eq!(
        a.owners.owner("123456789").await.expect("reads"),
        Some("node-b".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_nats_stops_the_node_naming_the_server_not_the_password() {
    let shared = shared().await;
    let storage = PostgresStorage::open(&shared.database)
        .await
        .expect("PostgreSQL opens");
    let port = tether_tests::free_loopback_port();
    let unreachable = Cluster::connect(
        &format!("nats://tether:s3cret@127.0.0.1:{port}"),
        "node-c".parse().expect("a node name"),
        timing(),
        &storage,
    )
    .await;
    match unreachable {
        Err(error @ ClusterError::Connect { .. }) => {
            let said = error.to_string();
            assert!(said.contains(&format!("nats://127.0.0.1:{port}")), "{said}");
            assert!(!said.contains("s3cret"), "{said}");
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("connected to nothing"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_renews_all_its_leases_at_once_and_learns_which_it_lost() {
    let shared = shared().await;
    let (a, b) = (node(&shared, "node-a").await, node(&shared, "node-b").await);
    let mut leases = Vec::new();
    for session in ["111111111", "222222222", "333333333"] {
        leases.push(won(a.owners.claim(session).await.expect("claims")));
    }
    // The second session goes to node B meanwhile.
    a.owners.release(leases[1].clone()).await.expect("releases");
    won(b.owners.claim("222222222").await.expect("claims"));

    let renewed = a
        .owners
        .renew_all(&leases)
        .await
        .expect("the database answers");
    assert_eq!(renewed.len(), 3);
    assert!(renewed[0].is_ok(), "{:?}", renewed[0]);
    assert_eq!(renewed[1], Err(RenewError::Lost("222222222".into())));
    assert!(renewed[2].is_ok(), "{:?}", renewed[2]);
    // The renewed leases carry their new revisions: renewing the old ones
    // again fails, the new ones renew.
    assert_eq!(
        a.owners.renew(&leases[0]).await,
        Err(RenewError::Lost("111111111".into()))
    );
    let again: Vec<_> = renewed.into_iter().filter_map(Result::ok).collect();
    let twice = a
        .owners
        .renew_all(&again)
        .await
        .expect("the database answers");
    assert!(twice.iter().all(Result::is_ok), "{twice:?}");
    assert_eq!(
        a.owners.owner("222222222").await.expect("reads"),
        Some("node-b".into())
    );
}
