//! HTTPS for kernels under test: a self-signed certificate the tests make
//! (for `127.0.0.1` and `localhost`), and clients that trust it.
//!
//! A test binary run with `TESTS_OVER_HTTPS=1` (`cargo xtask test` runs the
//! browser suite once so) serves every kernel it starts over HTTPS with
//! that certificate: the helpers' HTTP and WebSocket clients trust it, the
//! host agent is pointed at it (`SSL_CERT_FILE`, as OpenSSL's), and
//! Chromium accepts it. Tests of their own may ask for it too.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Set (to anything) for a test binary whose kernels serve HTTPS.
pub const OVER_HTTPS: &str = "TESTS_OVER_HTTPS";

/// Whether kernels of this test binary serve HTTPS.
pub fn over_https() -> bool {
    std::env::var_os(OVER_HTTPS).is_some()
}

/// The certificate and key, as files a kernel's configuration names.
pub struct TestCertificate {
    pub cert_pem: String,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    _dir: tempfile::TempDir,
}

/// The one certificate of this test process (made when first needed).
pub fn certificate() -> &'static TestCertificate {
    CERTIFICATE.get_or_init(|| {
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let made = rcgen::generate_simple_self_signed(names).expect("a test certificate");
        let dir = tempfile::tempdir().expect("temp dir");
        let cert_path = dir.path().join("cert.pem");
        let key_path = dir.path().join("key.pem");
        let cert_pem = made.cert.pem();
        std::fs::write(&cert_path, &cert_pem).expect("write the certificate");
        std::fs::write(&key_path, made.signing_key.serialize_pem()).expect("write the key");
        TestCertificate {
            cert_pem,
            cert_path,
            key_path,
            _dir: dir,
        }
    })
}

/// The test certificate, if this process made it.
pub fn made() -> Option<&'static TestCertificate> {
    CERTIFICATE.get()
}

static CERTIFICATE: OnceLock<TestCertificate> = OnceLock::new();

/// An HTTP client trusting the test certificate (and nothing else, for
/// HTTPS).
pub fn http_client() -> reqwest::Client {
    http_client_builder().build().expect("an HTTP client")
}

pub fn http_client_builder() -> reqwest::ClientBuilder {
    let trusted =
        reqwest::Certificate::from_pem(certificate().cert_pem.as_bytes()).expect("PEM certificate");
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(trusted)
}

/// TLS settings for WebSocket clients trusting the test certificate.
pub fn websocket_connector() -> tokio_tungstenite::Connector {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        let mut pem = certificate().cert_pem.as_bytes();
        for cert in rustls_pemfile_certs(&mut pem) {
            roots.add(cert).expect("the test certificate");
        }
        Arc::new(
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
        )
    });
    tokio_tungstenite::Connector::Rustls(config.clone())
}

fn rustls_pemfile_certs(pem: &mut &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .expect("PEM certificates")
}

/// `[server]` lines serving HTTPS with the test certificate.
pub fn server_keys() -> String {
    let certificate = certificate();
    format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"",
        certificate.cert_path.display(),
        certificate.key_path.display()
    )
}
