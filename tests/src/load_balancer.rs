//! A TCP load balancer in front of kernel nodes, as an operator puts
//! HAProxy or nginx there: each connection goes to the first node that
//! accepts it, in the order given, so while the first node runs everyone
//! reaches it, and once it is gone they reach the next. Clients (the
//! helpers in `clients.rs`, the real agent) use its one address.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};

use crate::kernel_process::Address;

pub struct LoadBalancer {
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl LoadBalancer {
    /// Listens on `port` (chosen beforehand: the nodes' `public_url` names
    /// it) and forwards to `nodes`.
    pub async fn start(port: u16, nodes: Vec<SocketAddr>) -> LoadBalancer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the load balancer listens");
        let nodes = Arc::new(nodes);
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let nodes = nodes.clone();
                tokio::spawn(async move {
                    for node in nodes.iter() {
                        if let Ok(mut upstream) = TcpStream::connect(node).await {
                            let _ = client.set_nodelay(true);
                            let _ = upstream.set_nodelay(true);
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                            return;
                        }
                    }
                });
            }
        });
        LoadBalancer {
            base_url: format!("http://127.0.0.1:{port}"),
            task,
        }
    }
}

impl Address for LoadBalancer {
    fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for LoadBalancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
