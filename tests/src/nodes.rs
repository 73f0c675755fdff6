//! Kernel nodes among several, for tests and benchmarks: the tables that
//! make a kernel a node sharing a PostgreSQL database and a NATS server,
//! and nodes whose addresses are known before they start.

use std::path::Path;

use crate::kernel_process::{KernelProcess, StoppedKernel, TestAccount};

/// The `[storage]` and `[cluster]` tables of node `node` sharing
/// `database` and `nats` (`lease_secs` when not the default).
pub fn cluster_tables(database: &str, nats: &str, node: &str, lease_secs: Option<u64>) -> String {
    let lease = lease_secs.map_or(String::new(), |secs| format!("lease_secs = {secs}\n"));
    format!(
        "[storage]\nurl = \"{database}\"\n\n[cluster]\nnats_url = \"{nats}\"\nnode = \"{node}\"\n{lease}\n"
    )
}

/// Nodes named `names`, each configured by `config(name)`, listening on
/// ports chosen beforehand and allowing each other's addresses as browser
/// origins (behind a load balancer all nodes have one public address; here
/// each has its own). `accounts` are created once, through the first node
/// (the database is shared).
pub fn configure_nodes(
    manifests: &Path,
    names: &[&str],
    config: impl Fn(&str) -> String,
    accounts: &[TestAccount],
) -> Vec<StoppedKernel> {
    let ports: Vec<u16> = names.iter().map(|_| crate::free_loopback_port()).collect();
    let origins: Vec<String> = ports
        .iter()
        .map(|port| format!("\"http://127.0.0.1:{port}\""))
        .collect();
    let allowed = format!("allowed_origins = [{}]", origins.join(", "));
    names
        .iter()
        .zip(ports)
        .enumerate()
        .map(|(i, (name, port))| {
            let own = if i == 0 { accounts } else { &[] };
            let stopped = KernelProcess::configure(manifests, &config(name), own);
            stopped.listen_on(port, &allowed);
            stopped
        })
        .collect()
}
