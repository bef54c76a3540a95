//! The runtime over real sockets: STARTTLS with a CA minted by rcgen, client certificates,
//! and the plain protocol on the same port.

use std::format;
use std::string::{String, ToString};
use std::sync::Arc;
use std::vec;
use std::vec::Vec;

use nut_core::StateChange;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::{Upsd, tls};
use crate::config::upsd_conf::CertRequest;
use crate::server::{ServerSettings, ServerState, UpsEntry};

struct Pki {
    dir: std::path::PathBuf,
    ca_der: CertificateDer<'static>,
    client_chain: Vec<CertificateDer<'static>>,
    client_key: PrivateKeyDer<'static>,
}

fn pki(name: &str) -> Pki {
    let dir = std::env::temp_dir().join(format!("nut-rs-tls-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().expect("key");
    let server = CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .signed_by(&server_key, &issuer)
        .expect("server cert");
    std::fs::write(
        dir.join("upsd.pem"),
        server.pem() + &ca_cert.pem() + &server_key.serialize_pem(),
    )
    .expect("certfile");
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).expect("ca file");
    let client_key = KeyPair::generate().expect("key");
    let client = CertificateParams::new(vec!["upsmon.example".to_string()])
        .expect("params")
        .signed_by(&client_key, &issuer)
        .expect("client cert");
    Pki {
        dir,
        ca_der: ca_cert.der().clone(),
        client_chain: vec![client.der().clone()],
        client_key: PrivateKeyDer::try_from(client_key.serialize_der()).expect("client key"),
    }
}

async fn start(acceptor: Option<tokio_rustls::TlsAcceptor>) -> u16 {
    let mut state = ServerState::new(
        ServerSettings::default(),
        vec![UpsEntry::new("ups", None)],
        Default::default(),
        3,
    );
    state.driver_connected(0, std::time::Duration::ZERO);
    for message in crate::sock::dump_reply(
        vec![StateChange::SetInfo {
            name: "ups.status".into(),
            value: "OL".into(),
        }],
        true,
    ) {
        state.driver_message(0, &message, std::time::Duration::ZERO);
    }
    let upsd = Upsd::new(state);
    if let Some(acceptor) = acceptor {
        upsd.set_tls(acceptor);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { upsd.serve_listeners(vec![listener]).await });
    port
}

async fn ask<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut BufReader<S>, line: &str) -> String {
    stream
        .get_mut()
        .write_all(format!("{line}\n").as_bytes())
        .await
        .ok();
    stream.get_mut().flush().await.ok();
    let mut answer = String::new();
    // A closed or reset connection reads as an empty answer.
    let _ = stream.read_line(&mut answer).await;
    answer.trim_end().to_string()
}

fn connector(pki: &Pki, with_client_cert: bool) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca_der.clone()).expect("root");
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots);
    let config = if with_client_cert {
        builder
            .with_client_auth_cert(pki.client_chain.clone(), pki.client_key.clone_key())
            .expect("client auth")
    } else {
        builder.with_no_client_auth()
    };
    TlsConnector::from(Arc::new(config))
}

async fn starttls(
    port: u16,
    connector: &TlsConnector,
) -> std::io::Result<BufReader<tokio_rustls::client::TlsStream<TcpStream>>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut plain = BufReader::new(tcp);
    assert_eq!(ask(&mut plain, "STARTTLS").await, "OK STARTTLS");
    let name = ServerName::try_from("localhost").expect("name");
    let tls = connector.connect(name, plain.into_inner()).await?;
    Ok(BufReader::new(tls))
}

#[tokio::test]
async fn starttls_then_the_protocol_runs_encrypted() {
    let pki = pki("plain");
    let acceptor =
        tls::acceptor(&pki.dir.join("upsd.pem"), None, CertRequest::No).expect("acceptor");
    let port = start(Some(acceptor)).await;
    let mut tls = starttls(port, &connector(&pki, false))
        .await
        .expect("handshake");
    assert_eq!(
        ask(&mut tls, "GET VAR ups ups.status").await,
        "VAR ups ups.status \"OL\""
    );
    assert_eq!(ask(&mut tls, "STARTTLS").await, "ERR ALREADY-SSL-MODE");
    assert_eq!(ask(&mut tls, "LOGOUT").await, "OK Goodbye");
}

#[tokio::test]
async fn without_a_certificate_starttls_is_not_configured() {
    let port = start(None).await;
    let mut plain = BufReader::new(
        TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect"),
    );
    assert_eq!(
        ask(&mut plain, "STARTTLS").await,
        "ERR FEATURE-NOT-CONFIGURED"
    );
    assert_eq!(
        ask(&mut plain, "GET VAR ups ups.status").await,
        "VAR ups ups.status \"OL\""
    );
}

#[tokio::test]
async fn certrequest_require_refuses_clients_without_a_certificate() {
    let pki = pki("require");
    let acceptor = tls::acceptor(
        &pki.dir.join("upsd.pem"),
        Some(&pki.dir.join("ca.pem")),
        CertRequest::Require,
    )
    .expect("acceptor");
    let port = start(Some(acceptor)).await;
    let refused = match starttls(port, &connector(&pki, false)).await {
        Err(_) => true,
        // TLS 1.3 reports the refusal on the first read.
        Ok(mut tls) => {
            let _ = tls.get_mut().write_all(b"VER\n").await;
            let mut line = String::new();
            tls.read_line(&mut line)
                .await
                .map(|n| n == 0)
                .unwrap_or(true)
        }
    };
    assert!(refused, "a client without a certificate got through");
    let mut tls = starttls(port, &connector(&pki, true))
        .await
        .expect("handshake with a client certificate");
    assert_eq!(ask(&mut tls, "NETVER").await, "1.3");
}

#[test]
fn bad_tls_files_are_clear_errors() {
    let missing = tls::acceptor(
        std::path::Path::new("/nonexistent/upsd.pem"),
        None,
        CertRequest::No,
    );
    assert!(matches!(missing, Err(tls::TlsError::File { .. })));
    let pki = pki("bad");
    let no_ca = tls::acceptor(&pki.dir.join("upsd.pem"), None, CertRequest::Require);
    assert!(no_ca.is_err());
}

#[tokio::test(start_paused = true)]
async fn an_idle_client_is_dropped_60_s_after_its_last_request() {
    use std::time::Duration;
    let port = start(None).await;
    let mut client = BufReader::new(
        TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect"),
    );
    assert_eq!(ask(&mut client, "NETVER").await, "1.3");
    tokio::time::sleep(Duration::from_secs(50)).await;
    assert_eq!(ask(&mut client, "NETVER").await, "1.3", "open after 50 s");
    let last_request = tokio::time::Instant::now();
    let mut rest = String::new();
    let read = client.read_line(&mut rest).await.expect("read");
    assert_eq!(read, 0, "the server closed the connection");
    let idle = last_request.elapsed();
    assert!(
        idle >= Duration::from_secs(60) && idle < Duration::from_secs(61),
        "closed after {idle:?} of silence"
    );
}

#[tokio::test]
async fn maxconn_refuses_connections_beyond_the_limit() {
    let state = ServerState::new(ServerSettings::default(), Vec::new(), Default::default(), 1);
    let upsd = Upsd::new(state);
    upsd.set_max_connections(2);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = upsd.clone();
    tokio::spawn(async move { server.serve_listeners(vec![listener]).await });
    let connect = || async {
        BufReader::new(
            TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("connect"),
        )
    };
    let mut first = connect().await;
    let mut second = connect().await;
    assert_eq!(ask(&mut first, "NETVER").await, "1.3");
    assert_eq!(ask(&mut second, "NETVER").await, "1.3");
    let mut third = connect().await;
    assert_eq!(
        ask(&mut third, "NETVER").await,
        "",
        "the third connection is closed"
    );
    drop(first);
    // The freed slot is taken again once the server has seen the first one leave.
    let mut answered = false;
    for _ in 0..200 {
        let mut again = connect().await;
        if ask(&mut again, "NETVER").await == "1.3" {
            answered = true;
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(answered, "a slot freed by a leaving client is reused");
}

#[tokio::test]
async fn a_request_split_over_several_reads_is_answered_once_complete() {
    let port = start(None).await;
    let mut client = BufReader::new(
        TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect"),
    );
    for part in ["GET VA", "R ups ups", ".status"] {
        client
            .get_mut()
            .write_all(part.as_bytes())
            .await
            .expect("write");
        client.get_mut().flush().await.expect("flush");
        tokio::task::yield_now().await;
    }
    assert_eq!(ask(&mut client, "").await, "VAR ups ups.status \"OL\"");
}

#[tokio::test]
async fn an_over_long_line_is_refused_within_bounds_and_the_connection_goes_on() {
    let port = start(None).await;
    let mut client = BufReader::new(
        TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect"),
    );
    let long = "A".repeat(100_000);
    client
        .get_mut()
        .write_all(format!("{long}\n").as_bytes())
        .await
        .expect("write");
    // The line is cut at the tokenizer's limits (one unknown word), answered once, and
    // the connection goes on.
    let mut answer = String::new();
    client.read_line(&mut answer).await.expect("answer");
    assert_eq!(answer.trim_end(), "ERR UNKNOWN-COMMAND");
    assert_eq!(ask(&mut client, "NETVER").await, "1.3");
}

#[tokio::test(start_paused = true)]
async fn a_slow_sender_that_never_ends_a_line_is_dropped_after_the_idle_timeout() {
    use std::time::Duration;
    let port = start(None).await;
    let mut client = BufReader::new(
        TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect"),
    );
    assert_eq!(ask(&mut client, "NETVER").await, "1.3");
    let last_request = tokio::time::Instant::now();
    // One byte every 10 s, never a line end: the deadline does not move.
    for byte in b"GET VAR ups" {
        tokio::time::sleep(Duration::from_secs(10)).await;
        if client.get_mut().write_all(&[*byte]).await.is_err() {
            break;
        }
    }
    let mut rest = String::new();
    let read = client.read_line(&mut rest).await.unwrap_or(0);
    assert_eq!(read, 0, "dropped");
    let waited = last_request.elapsed();
    assert!(
        waited >= Duration::from_secs(60) && waited < Duration::from_secs(120),
        "dropped after {waited:?}"
    );
}

/// Every idle connection is one task; its future is what a connection costs besides the
/// socket. tokio rounds a task up to 128 bytes with about 100 bytes of its own, so a future
/// of at most 384 bytes keeps a task within 512 (it was 616 with a timer per connection).
#[tokio::test]
async fn an_idle_connection_task_stays_small() {
    let state = ServerState::new(ServerSettings::default(), Vec::new(), Default::default(), 1);
    let upsd = Upsd::new(state);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let stream = TcpStream::connect(address).await.expect("connect");
    let slot = upsd.client_slot().expect("a slot");
    let task = super::client::run(slot, stream, address);
    let size = core::mem::size_of_val(&task);
    assert!(size <= 384, "a client task's future is {size} bytes");
}
