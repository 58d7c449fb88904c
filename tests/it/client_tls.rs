//! TLS is always verified: an HTTPS endpoint whose certificate comes from a private CA is
//! refused with a clear error, and accepted once `--ca-file` names that CA. The certificates in
//! tests/fixtures/tls are test-only (a CA and a server certificate for 127.0.0.1/localhost,
//! and two self-signed certificates made with `openssl req -x509` for the same names:
//! `self-signed-ca.pem` with openssl's default `CA:TRUE`, `self-signed.pem` with
//! `-addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dwsctl::api::config::{ClientConfig, Credentials};
use dwsctl::api::{ApiError, Client};
use dwsctl::secret::Secret;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// Counts handshakes that completed and requests answered.
#[derive(Default)]
struct Seen {
    handshakes: AtomicUsize,
    answered: AtomicUsize,
}

/// An HTTPS server on 127.0.0.1 that answers every request with an empty cluster list.
async fn https_server() -> (String, Arc<Seen>) {
    https_server_on("127.0.0.1").await
}

/// The same server on another loopback address.
async fn https_server_on(ip: &str) -> (String, Arc<Seen>) {
    https_server_with(ip, "server").await
}

/// The server on `ip`, presenting the certificate `NAME.pem` with its key `NAME.key`.
async fn https_server_with(ip: &str, name: &str) -> (String, Arc<Seen>) {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(fixture(&format!("{name}.pem")))
            .expect("certificate file")
            .collect::<Result<_, _>>()
            .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(fixture(&format!("{name}.key"))).expect("key file");
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Seen::default());
    let counters = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = counters.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                seen.handshakes.fetch_add(1, Ordering::SeqCst);
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"clusters": [], "count": 0}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                if tls.write_all(response.as_bytes()).await.is_ok() {
                    seen.answered.fetch_add(1, Ordering::SeqCst);
                }
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://{ip}:{}", addr.port()), seen)
}

fn config(endpoint: &str, ca_file: Option<PathBuf>) -> ClientConfig {
    let mut config = ClientConfig::new(Credentials::AkSk {
        access_key: "AK".into(),
        secret_key: Secret::new("tls-test-sk"),
        project_id: "p1".into(),
    });
    config.endpoint = Some(endpoint.to_owned());
    config.ca_file = ca_file;
    config
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_and_never_retried() {
    let (base, seen) = https_server().await;
    let err = Client::new(config(&base, None))
        .expect("client")
        .list_clusters()
        .await
        .expect_err("untrusted certificate");
    assert!(matches!(err, ApiError::Tls { .. }), "{err}");
    let report = format!("{:?}", miette::Report::new(err));
    assert!(report.contains("--ca-file"), "{report}");
    assert!(report.contains("cannot be turned off"), "{report}");
    assert_eq!(seen.handshakes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_ca_file_adds_a_trust_root() {
    let (base, seen) = https_server().await;
    let clusters = Client::new(config(&base, Some(fixture("ca.pem"))))
        .expect("client")
        .list_clusters()
        .await
        .expect("trusted through --ca-file");
    assert!(clusters.is_empty());
    assert_eq!(seen.answered.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused_even_with_its_ca() {
    // 127.0.0.2 is loopback too, but the certificate names only 127.0.0.1 and localhost.
    let (base, seen) = https_server_on("127.0.0.2").await;
    let err = Client::new(config(&base, Some(fixture("ca.pem"))))
        .expect("client")
        .list_clusters()
        .await
        .expect_err("wrong name");
    assert!(matches!(err, ApiError::Tls { .. }), "{err}");
    assert_eq!(seen.handshakes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_self_signed_server_certificate_is_trusted_through_the_ca_file() {
    // The recipe the README gives: a self-signed certificate that is not a CA, passed itself.
    let (base, seen) = https_server_with("127.0.0.1", "self-signed").await;
    let clusters = Client::new(config(&base, Some(fixture("self-signed.pem"))))
        .expect("client")
        .list_clusters()
        .await
        .expect("a self-signed end-entity certificate is its own trust root");
    assert!(clusters.is_empty());
    assert_eq!(seen.answered.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_ca_certificate_presented_as_the_server_certificate_is_explained() {
    // `openssl req -x509` marks its certificate as a CA by default; TLS refuses a CA as the
    // server's own certificate even when it is the trusted root. The error says what to pass.
    let (base, seen) = https_server_with("127.0.0.1", "self-signed-ca").await;
    let err = Client::new(config(&base, Some(fixture("self-signed-ca.pem"))))
        .expect("client")
        .list_clusters()
        .await
        .expect_err("a CA certificate is not a server certificate");
    assert!(matches!(err, ApiError::Tls { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("presented a CA certificate as its own"),
        "{message}"
    );
    assert!(message.contains("CA:FALSE"), "{message}");
    assert!(
        message.contains("pass the CA that signed the server certificate"),
        "{message}"
    );
    assert_eq!(seen.answered.load(Ordering::SeqCst), 0);
}
