//! Interop (issue #3, d): Debian's `upsc` (NSS build) asks every server for STARTTLS; against
//! our upsd with a CERTFILE it completes the handshake (rustls, TLS 1.2+) and reads the UPS
//! over TLS, exactly as the clear-text answer.

use nut_tests::realnut::{Sandbox, free_port, start_our_upsd, wait_until};

#[test]
fn real_upsc_talks_tls_to_our_upsd() {
    let dir = nut_tests::fixtures_dir().join("dev");
    let mut sandbox = Sandbox::new("tls");
    sandbox.configure_devices(&[("a".to_string(), dir.join("minimal.dev"))]);
    sandbox.start_real_driver("a");
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let certfile = sandbox.etc().join("upsd.pem");
    std::fs::write(&certfile, cert.pem() + &key.serialize_pem()).expect("certfile");
    sandbox.write("upsd.conf", &format!("CERTFILE {}\n", certfile.display()));
    let port = free_port();
    start_our_upsd(&sandbox, port, |_| {});
    let target = format!("a@127.0.0.1:{port}");
    wait_until(
        || sandbox.client("upsc", &[&target, "battery.charge"]).stdout == b"80\n",
        "data over TLS",
    );
    let output = sandbox.client("upsc", &[&target, "ups.status"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SSL handshake done successfully"),
        "{stderr}"
    );
    assert!(stderr.contains("in SSL"), "{stderr}");
    assert_eq!(output.stdout, b"OL\n");
}
