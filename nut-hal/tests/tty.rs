//! `TtySerial` against a real pseudo-terminal.

use std::time::Duration;

use nix::pty::openpty;
use nix::unistd::ttyname;
use nut_hal::{Error, ErrorKind, LineSettings, Serial, TtySerial};

const LONG: Duration = Duration::from_secs(10);

/// (host side opened by path through `TtySerial::open`, test side = the pty master).
fn pair() -> (TtySerial, TtySerial, std::os::fd::OwnedFd) {
    let pty = openpty(None, None).expect("openpty");
    let path = ttyname(&pty.slave).expect("ttyname");
    let host = TtySerial::open(&path, LineSettings::new_8n1(9600)).expect("open slave");
    let test = TtySerial::from_fd(pty.master).expect("master");
    (host, test, pty.slave)
}

async fn read_exact(port: &mut TtySerial, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    while out.len() < n {
        let got = port.read(&mut buf, LONG).await.expect("read");
        out.extend_from_slice(&buf[..got]);
    }
    out
}

#[tokio::test]
async fn test_side_writes_host_reads() {
    let (mut host, mut test, _slave) = pair();
    // Raw mode: CR and control bytes come through untouched.
    test.write_all(b"(230.0 \r\x00\x7f").await.unwrap();
    assert_eq!(read_exact(&mut host, 10).await, b"(230.0 \r\x00\x7f");
}

#[tokio::test]
async fn host_writes_test_side_reads() {
    let (mut host, mut test, _slave) = pair();
    host.write_all(b"Q1\r").await.unwrap();
    assert_eq!(read_exact(&mut test, 3).await, b"Q1\r");
}

#[tokio::test]
async fn large_write_flows_both_ways() {
    let (mut host, mut test, _slave) = pair();
    let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let expect = data.clone();
    let writer = tokio::spawn(async move {
        test.write_all(&data).await.unwrap();
        test
    });
    assert_eq!(read_exact(&mut host, expect.len()).await, expect);
    writer.await.unwrap();
}

#[tokio::test]
async fn read_times_out_when_nothing_comes() {
    let (mut host, _test, _slave) = pair();
    let mut buf = [0u8; 8];
    let started = std::time::Instant::now();
    let err = host
        .read(&mut buf, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!(Error::kind(&err), ErrorKind::Timeout);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn empty_buffer_reads_zero_at_once() {
    let (mut host, _test, _slave) = pair();
    assert_eq!(host.read(&mut [], LONG).await.unwrap(), 0);
}

#[tokio::test]
async fn set_line_accepts_framings_and_rejects_odd_values() {
    let (mut host, _test, _slave) = pair();
    let mut s = LineSettings::new_8n1(2400);
    s.data_bits = 7;
    s.parity = nut_hal::Parity::Even;
    s.stop_bits = nut_hal::StopBits::Two;
    host.set_line(s).await.unwrap();
    let bad = LineSettings::new_8n1(12345);
    assert_eq!(
        Error::kind(&host.set_line(bad).await.unwrap_err()),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn modem_lines_are_unsupported_for_now() {
    let (mut host, _test, _slave) = pair();
    assert_eq!(
        Error::kind(&host.modem_status().await.unwrap_err()),
        ErrorKind::Unsupported
    );
    assert_eq!(
        Error::kind(&host.set_dtr(true).await.unwrap_err()),
        ErrorKind::Unsupported
    );
}

#[tokio::test]
async fn hang_up_is_disconnected() {
    let (host, mut test, slave) = pair();
    drop(host);
    drop(slave);
    let mut buf = [0u8; 8];
    let err = test.read(&mut buf, LONG).await.unwrap_err();
    assert_eq!(Error::kind(&err), ErrorKind::Disconnected);
}

#[tokio::test]
async fn send_break_completes_on_a_pty() {
    let (mut host, _test, _slave) = pair();
    host.send_break(std::time::Duration::from_millis(1))
        .await
        .unwrap();
}
