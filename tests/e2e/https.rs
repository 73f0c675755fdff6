//! A kernel serving HTTPS itself (`[server] tls_cert` and `tls_key`), with
//! a certificate the tests make: its address is https://, HTTP/1.1 over
//! TLS only, the sign-in cookie is `Secure`, consoles and customers' pages
//! speak over wss://, and the real host agent joins over TLS trusting the
//! certificate as one in the system's store — and refuses a server whose
//! certificate it does not trust, saying so. (The browser suite runs once
//! over HTTPS too: `TESTS_OVER_HTTPS`, `tests/src/tls.rs`.)

use serde_json::json;
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::{Csr, Customer};
use tether_tests::kernel_process::{Address, KernelProcess, TestAccount};
use tether_tests::{bundled_manifests, tls};

const CONFIG: &str = r#"
[sites.default]
name = "Default"
plugins = ["sysinfo"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kernel_serves_https_with_its_certificate_and_everyone_speaks_tls() {
    let stopped = KernelProcess::configure(
        &bundled_manifests(),
        CONFIG,
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    );
    stopped.serve_https();
    let kernel = stopped.launch();
    assert!(
        kernel.base_url.starts_with("https://127.0.0.1:"),
        "{}",
        kernel.base_url
    );

    // Reached over TLS with the certificate trusted; HTTP/1.1 only (every
    // WebSocket is an HTTP/1.1 upgrade).
    let health = tls::http_client()
        .get(kernel.url("/healthz"))
        .send()
        .await
        .expect("HTTPS");
    assert_eq!(health.status(), 200);
    assert_eq!(health.version(), reqwest::Version::HTTP_11);
    // A client that does not trust it gets no answer, nor does plain HTTP.
    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .expect("client");
    assert!(untrusting.get(kernel.url("/healthz")).send().await.is_err());
    let plain = kernel.base_url.replacen("https://", "http://", 1);
    assert!(reqwest::get(format!("{plain}/healthz")).await.is_err());

    // Signing in sets a Secure cookie; the console opens over wss://.
    let signed_in = tls::http_client()
        .post(kernel.url("/api/auth/signin"))
        .json(&json!({ "username": "anna", "password": "correct horse battery" }))
        .send()
        .await
        .expect("sign in");
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a cookie")
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    assert!(kernel.ws_url("/ws/console").starts_with("wss://"));
    let mut console = anna.console(&kernel).await;
    let number = console.start_session().await;
    let started = console
        .ok("session.info", json!({ "session": number }))
        .await;
    let link = format!("{}/join/{number}", kernel.base_url());
    assert!(
        started["join_link"]
            .as_str()
            .unwrap_or(&link)
            .starts_with("https://"),
        "{started}"
    );

    // The customer joins; their agent connects over TLS, trusting the
    // certificate as the system's store would (SSL_CERT_FILE).
    let mut carl = Customer::join(&kernel, &number, "Carl").await;
    assert_eq!(
        console.event("participant.joined").await["participant"]["display_name"],
        "Carl"
    );
    let state = tempfile::tempdir().expect("agent state");
    let code = carl.agent_code().await;
    let agent = AgentProcess::for_page(state.path(), &link, &code);
    agent
        .wait_for_line(&format!("Connected to support session {number}"))
        .await;

    // An agent that does not trust the certificate refuses the server and
    // says why.
    let elsewhere = tempfile::tempdir().expect("agent state");
    let code = carl.agent_code().await;
    let untrusting = AgentProcess::spawn_with_env(
        elsewhere.path(),
        "simulated",
        &["join", &link],
        &[
            ("TETHER_AGENT_CODE", code.as_str()),
            ("SSL_CERT_FILE", "/dev/null"),
        ],
    );
    untrusting
        .wait_for_line("invalid peer certificate: UnknownIssuer")
        .await;
    let hint = untrusting
        .wait_for_line("certificate is not trusted by this computer")
        .await;
    assert!(hint.contains("SSL_CERT_FILE"), "{hint}");
}

#[test]
fn a_certificate_that_cannot_be_read_or_a_key_without_its_certificate_stops_the_start() {
    let missing = KernelProcess::configure(&bundled_manifests(), CONFIG, &[]);
    missing.edit_config(|text| {
        text.replacen(
            "[server]\n",
            "[server]\ntls_cert = \"/nonexistent/cert.pem\"\ntls_key = \"/nonexistent/key.pem\"\n",
            1,
        )
    });
    let said = String::from_utf8_lossy(&missing.serve_expecting_failure().stderr).into_owned();
    assert!(
        said.contains("cannot serve HTTPS with the certificate /nonexistent/cert.pem"),
        "{said}"
    );
    let half = KernelProcess::configure(&bundled_manifests(), CONFIG, &[]);
    half.edit_config(|text| {
        text.replacen("[server]\n", "[server]\ntls_key = \"/etc/key.pem\"\n", 1)
    });
    let said = String::from_utf8_lossy(&half.serve_expecting_failure().stderr).into_owned();
    assert!(
        said.contains("server.tls_cert: server.tls_key is set: give its certificate too"),
        "{said}"
    );
}
