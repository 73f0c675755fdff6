//! HTTP and WebSocket: health and plugin listings, sign-in, site
//! administration, joining, reports and invitations over REST; the
//! console, customer page and agent over WebSockets (`ws/`); the bundled
//! web UI and plugin panels' files; plugins' public pages and their
//! commands (`public.rs`).

mod account_lifecycle;
mod admin;
mod admin_sites;
mod audit;
mod auth;
pub mod client_address;
pub mod error;
pub(crate) mod error_detail;
mod extract;
mod forwarded;
mod history;
mod invite;
mod join;
mod metrics;
mod plugin_commands;
mod plugin_ui;
mod plugins;
pub mod public;
mod reports;
mod two_factor;
mod ui;
mod ws;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

pub use auth::{COOKIE, CSRF_HEADER};

use crate::Kernel;

/// Largest REST request body.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// The policy of every response that does not bring its own (REST
/// answers, reports, errors): nothing may load, run or frame it.
const DEFAULT_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The kernel's HTTP routes. Serve them with
/// `into_make_service_with_connect_info::<SocketAddr>()`: sign-in and join
/// attempts are limited per client address.
pub fn router(kernel: Arc<Kernel>) -> Router {
    let routes = Router::new()
        .route("/", get(ui::console))
        .route("/join", get(ui::customer))
        .route("/join/{number}", get(ui::customer))
        .route("/admin", get(ui::admin))
        .route("/assets/{file}", get(ui::asset))
        .route("/download/tether-agent", get(ui::agent_download))
        .route("/plugin-ui/{plugin}/{*path}", get(plugin_ui::file))
        .route("/healthz", get(plugins::health))
        .route("/metrics", get(metrics::scrape))
        .route("/api/plugins", get(plugins::all_plugins))
        .route("/api/sites", get(plugins::sites))
        .route("/api/sites/{site}/plugins", get(plugins::site_plugins))
        .route("/api/auth/signin", post(auth::sign_in))
        .route("/api/auth/signout", post(auth::sign_out))
        .route("/api/auth/me", get(auth::me))
        .route("/api/auth/password", post(auth::change_password))
        .route("/api/auth/two-factor/start", post(two_factor::start))
        .route("/api/auth/two-factor/confirm", post(two_factor::confirm))
        .route("/api/auth/two-factor/remove", post(two_factor::remove))
        .route(
            "/api/admin/accounts/{username}/two-factor/reset",
            post(account_lifecycle::reset_two_factor),
        )
        .route(
            "/api/admin/site",
            get(admin_sites::get).put(admin_sites::put),
        )
        .route("/api/admin/accounts", get(admin::list).post(admin::create))
        .route("/api/admin/audit", get(audit::list))
        .route(
            "/api/admin/accounts/{username}",
            axum::routing::patch(admin::update).delete(account_lifecycle::delete),
        )
        .route(
            "/api/admin/accounts/{username}/password",
            post(account_lifecycle::reset_password),
        )
        .route(
            "/api/admin/accounts/{username}/disabled",
            axum::routing::put(account_lifecycle::set_disabled),
        )
        .route(
            "/api/plugins/{plugin}/commands",
            post(plugin_commands::post).layer(DefaultBodyLimit::max(
                plugin_commands::MAX_COMMAND_BODY_BYTES,
            )),
        )
        .route(
            "/api/public/{plugin}/{site}/commands",
            post(public::command).layer(DefaultBodyLimit::max(
                tether_protocol::public::MAX_PUBLIC_COMMAND_BYTES,
            )),
        )
        .route("/{path}/{site}/{page}", get(public::page))
        .route("/ws/console", get(ws::console))
        .route("/ws/customer", get(ws::customer))
        .route("/ws/agent", get(ws::agent))
        .route("/api/sessions/history", get(history::list))
        .route("/api/sessions/{number}/report", get(reports::download))
        .merge(about_one_session(&kernel))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(kernel);
    with_security_headers(routes)
}

/// The REST routes about one running session: on a node among several,
/// sent on to the node running it (`forwarded.rs`). Reports are not among
/// them: every node reads them from the shared database, where a node
/// among several writes each line before it answers.
fn about_one_session(kernel: &Arc<Kernel>) -> Router<Arc<Kernel>> {
    Router::new()
        .route("/api/join", post(join::join))
        .route("/api/sessions/{number}/invite", post(invite::send))
        .route_layer(axum::middleware::from_fn_with_state(
            kernel.clone(),
            forwarded::to_owner,
        ))
}

/// On a node among several: serves what the other nodes send this one —
/// connections they relay and requests they send on — through `routes`,
/// this node's own, until the kernel stops. Nothing on a kernel of its own.
pub fn serve_other_nodes(kernel: Arc<Kernel>, routes: Router) {
    if kernel.cluster.is_none() {
        return;
    }
    tokio::spawn(ws::serve_relays(kernel.clone()));
    tokio::spawn(forwarded::serve_forwarded(kernel, routes));
}

/// The headers every response carries, whatever produced it (a handler, an
/// extractor's refusal, a missing route). Pages and panels set their own
/// CSP, framing rule and caching; these fill in what a response lacks.
fn with_security_headers(router: Router) -> Router {
    let header = |name, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    router
        .layer(header(header::CONTENT_SECURITY_POLICY, DEFAULT_POLICY))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::CACHE_CONTROL, "no-store"))
}
