//! nut-client's STARTTLS in each verification mode, against our upsd serving a certificate
//! for `localhost` signed by a CA minted here: the right CA, a wrong CA, a wrong host name,
//! a pin (right and wrong), no verification, TLS required of a server without it, a client
//! certificate for CERTREQUEST, and the system roots (through `SSL_CERT_FILE`, in a child
//! process). Every failure comes at connect time as a typed error.

use std::path::PathBuf;

use nut_client::blocking::Connection;
use nut_client::tls::{TlsOptions, fingerprint};
use nut_client::{Client, ClientError, Options};
use nut_tests::realnut::{Sandbox, free_port, start_our_upsd};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

const UPS_CONF: &str =
    "[ups]\n\tdriver = dummy-ups\n\tport = none.dev\n\tdesc = \"TLS test UPS\"\n";

/// A CA, with a server certificate for `localhost` and a client certificate it signed.
struct Pki {
    dir: PathBuf,
    server_der: Vec<u8>,
}

impl Pki {
    fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    fn other_ca(&self) -> PathBuf {
        self.dir.join("other-ca.pem")
    }
    fn server(&self) -> PathBuf {
        self.dir.join("upsd.pem")
    }
    fn client_cert(&self) -> PathBuf {
        self.dir.join("client.pem")
    }
    fn client_key(&self) -> PathBuf {
        self.dir.join("client.key")
    }
}

fn new_ca() -> (rcgen::Certificate, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("CA");
    (cert, Issuer::new(params, key))
}

fn pki(dir: PathBuf) -> Pki {
    let (ca, issuer) = new_ca();
    let (other, _) = new_ca();
    let server_key = KeyPair::generate().expect("key");
    let server = CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    let client_key = KeyPair::generate().expect("key");
    let client = CertificateParams::new(vec!["upsmon.example".to_string()])
        .expect("params")
        .signed_by(&client_key, &issuer)
        .expect("client certificate");
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).expect("write");
    write("ca.pem", ca.pem());
    write("other-ca.pem", other.pem());
    write(
        "upsd.pem",
        server.pem() + &ca.pem() + &server_key.serialize_pem(),
    );
    write("client.pem", client.pem());
    write("client.key", client_key.serialize_pem());
    Pki {
        dir,
        server_der: server.der().to_vec(),
    }
}

/// Our upsd with `upsd_conf` (plus nothing else) and the one UPS; its port.
fn serve(sandbox: &Sandbox, upsd_conf: &str) -> u16 {
    sandbox.write("ups.conf", UPS_CONF);
    sandbox.write("upsd.users", "");
    sandbox.write("upsd.conf", upsd_conf);
    let port = free_port();
    start_our_upsd(sandbox, port, |_| {});
    port
}

fn tls_server(name: &str) -> (Sandbox, Pki, u16) {
    let sandbox = Sandbox::new(name);
    let pki = pki(sandbox.etc());
    let port = serve(&sandbox, &format!("CERTFILE {}\n", pki.server().display()));
    (sandbox, pki, port)
}

fn connect(host: &str, port: u16, tls: TlsOptions) -> Result<Connection, ClientError> {
    Connection::connect(host, port, Options::default().tls(tls))
}

/// The connection is under TLS and the protocol runs over it.
fn works_encrypted(mut connection: Connection) {
    assert!(connection.is_tls());
    let upses = connection.list_ups().expect("LIST UPS over TLS");
    assert_eq!(upses.len(), 1);
    assert_eq!(upses[0].name, "ups");
    assert_eq!(upses[0].value, "TLS test UPS");
}

fn tls_failure(result: Result<Connection, ClientError>) -> String {
    match result {
        Err(ClientError::Tls(message)) => message,
        Err(other) => panic!("expected a TLS failure, got {other:?}"),
        Ok(_) => panic!("expected a TLS failure, got a connection"),
    }
}

#[test]
fn the_right_ca_and_host_name_verify() {
    let (_sandbox, pki, port) = tls_server("tls-ca");
    let tls = TlsOptions::ca_file(pki.ca()).expect("CA file");
    works_encrypted(connect("localhost", port, tls.clone()).expect("verified"));
    // Connecting by address, the name to check is given explicitly (NUT's CERTHOST).
    let named = tls.server_name("localhost").required(true);
    works_encrypted(connect("127.0.0.1", port, named).expect("verified by name"));
}

#[test]
fn a_wrong_ca_fails_at_connect() {
    let (_sandbox, pki, port) = tls_server("tls-wrong-ca");
    let tls = TlsOptions::ca_file(pki.other_ca()).expect("CA file");
    let message = tls_failure(connect("localhost", port, tls));
    assert!(message.contains("invalid peer certificate"), "{message}");
}

#[test]
fn a_wrong_host_name_fails_at_connect() {
    let (_sandbox, pki, port) = tls_server("tls-wrong-name");
    let tls = TlsOptions::ca_file(pki.ca())
        .expect("CA file")
        .server_name("ups.example");
    let message = tls_failure(connect("localhost", port, tls));
    assert!(message.contains("not valid for name"), "{message}");
    // By address without a name: the certificate names localhost, not 127.0.0.1.
    let tls = TlsOptions::ca_file(pki.ca()).expect("CA file");
    tls_failure(connect("127.0.0.1", port, tls));
}

#[test]
fn a_pinned_certificate_is_accepted_and_any_other_refused() {
    let (_sandbox, pki, port) = tls_server("tls-pin");
    let pin = fingerprint(&pki.server_der);
    works_encrypted(connect("127.0.0.1", port, TlsOptions::pinned(pin)).expect("pinned"));
    let mut wrong = pin;
    wrong[0] ^= 1;
    let message = tls_failure(connect("127.0.0.1", port, TlsOptions::pinned(wrong)));
    assert!(message.contains("pinned"), "{message}");
}

#[test]
fn insecure_encrypts_without_checking() {
    let (_sandbox, _pki, port) = tls_server("tls-insecure");
    works_encrypted(connect("127.0.0.1", port, TlsOptions::insecure()).expect("insecure"));
}

#[test]
fn tls_required_refuses_a_server_without_starttls_and_optional_falls_back() {
    let sandbox = Sandbox::new("tls-none");
    let port = serve(&sandbox, "");
    let required = TlsOptions::insecure().required(true);
    assert!(matches!(
        connect("127.0.0.1", port, required),
        Err(ClientError::TlsRequired)
    ));
    let mut optional = connect("127.0.0.1", port, TlsOptions::insecure()).expect("clear text");
    assert!(!optional.is_tls());
    assert_eq!(optional.list_ups().expect("LIST UPS").len(), 1);
}

#[test]
fn a_client_certificate_satisfies_certrequest_require() {
    let sandbox = Sandbox::new("tls-client-cert");
    let pki = pki(sandbox.etc());
    let port = serve(
        &sandbox,
        &format!(
            "CERTFILE {}\nCERTPATH {}\nCERTREQUEST 2\n",
            pki.server().display(),
            pki.ca().display()
        ),
    );
    let tls = TlsOptions::ca_file(pki.ca()).expect("CA file");
    let with_cert = tls
        .clone()
        .client_certificate(pki.client_cert(), pki.client_key())
        .expect("client certificate");
    works_encrypted(connect("localhost", port, with_cert).expect("client certificate accepted"));
    // Without one the server ends the handshake; TLS 1.3 reports it on the first read at
    // the latest, and never as an answer.
    match connect("localhost", port, tls) {
        Err(ClientError::Tls(_)) => {}
        Err(other) => panic!("expected a TLS failure, got {other:?}"),
        Ok(mut connection) => assert!(connection.list_ups().is_err()),
    }
}

#[test]
fn the_async_client_verifies_alike() {
    let (_sandbox, pki, port) = tls_server("tls-async");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let good = TlsOptions::ca_file(pki.ca()).expect("CA file");
        let mut client = Client::connect("localhost", port, Options::default().tls(good))
            .await
            .expect("verified");
        assert!(client.is_tls().await);
        assert_eq!(client.list_ups().await.expect("LIST UPS").len(), 1);
        let wrong = TlsOptions::ca_file(pki.other_ca()).expect("CA file");
        let refused = Client::connect("localhost", port, Options::default().tls(wrong)).await;
        assert!(matches!(refused, Err(ClientError::Tls(_))), "{refused:?}");
    });
}

/// Run as a child with `SSL_CERT_FILE` pointing at our CA: the system roots then trust it.
#[test]
fn system_roots_honour_ssl_cert_file() {
    if let Ok(port) = std::env::var("NUT_RS_SYSTEM_ROOTS_PORT") {
        let port: u16 = port.parse().expect("port");
        let tls = TlsOptions::system_roots().expect("system roots");
        works_encrypted(connect("localhost", port, tls).expect("verified by system roots"));
        return;
    }
    let (_sandbox, pki, port) = tls_server("tls-system");
    let run_child = |ca: PathBuf| {
        std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "system_roots_honour_ssl_cert_file",
                "--nocapture",
            ])
            .env("NUT_RS_SYSTEM_ROOTS_PORT", port.to_string())
            .env("SSL_CERT_FILE", ca)
            .env_remove("SSL_CERT_DIR")
            .output()
            .expect("child test")
    };
    let trusted = run_child(pki.ca());
    assert!(trusted.status.success(), "{trusted:?}");
    let untrusted = run_child(pki.other_ca());
    assert!(!untrusted.status.success(), "another CA must not verify");
}
