//! Recording, Replaying and FaultInjecting.

use std::time::Duration;

use nix::pty::openpty;
use nix::unistd::ttyname;
use nut_hal::wrap::{Exchange, Fault, FaultInjecting, Recording, Replaying, parse_capture};
use nut_hal::{Error, ErrorKind, LineSettings, ModemLines, Serial, TtySerial};

const LONG: Duration = Duration::from_secs(10);

/// A tiny "driver": send Q1, read until CR.
async fn query<S: Serial>(port: &mut S) -> Result<Vec<u8>, S::Error> {
    port.write_all(b"Q1\r").await?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4];
    while reply.last() != Some(&b'\r') {
        let n = port.read(&mut buf, LONG).await?;
        reply.extend_from_slice(&buf[..n]);
    }
    Ok(reply)
}

#[tokio::test]
async fn recording_over_a_pty_replays_the_same_session() {
    let pty = openpty(None, None).unwrap();
    let path = ttyname(&pty.slave).unwrap();
    let host = TtySerial::open(&path, LineSettings::default()).unwrap();
    let mut device = TtySerial::from_fd(pty.master).unwrap();
    let mut rec = Recording::new(host);

    let device_task = tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = [0u8; 16];
        while got.len() < 3 {
            let n = device.read(&mut buf, LONG).await.unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"Q1\r");
        device.write_all(b"(230.0 229.5 12\r").await.unwrap();
        device
    });
    let live = query(&mut rec).await.unwrap();
    let _device = device_task.await.unwrap();
    let mut buf = [0u8; 4];
    let timed_out = rec.read(&mut buf, Duration::from_millis(20)).await;
    assert_eq!(Error::kind(&timed_out.unwrap_err()), ErrorKind::Timeout);

    let text = rec.capture_text();
    assert!(text.starts_with("> 51 31 0d\n< "), "{text}");
    assert!(text.ends_with("< timeout\n"), "{text}");
    assert_eq!(parse_capture(&text).unwrap(), rec.exchanges());

    let dir = std::env::temp_dir().join(format!("nut-hal-rec-{}", std::process::id()));
    rec.save(&dir).unwrap();
    let saved = std::fs::read_to_string(&dir).unwrap();
    let _ = std::fs::remove_file(&dir);
    assert_eq!(saved, text);

    let mut replay = Replaying::from_text(&saved).unwrap();
    assert_eq!(query(&mut replay).await.unwrap(), live);
    let e = replay.read(&mut buf, LONG).await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Timeout);
    assert!(replay.is_finished());
    let e = replay.read(&mut buf, LONG).await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Disconnected);
}

#[tokio::test]
async fn replay_write_mismatch_is_a_protocol_error() {
    let mut replay = Replaying::new([
        Exchange::Write(b"Q1\r".to_vec()),
        Exchange::Read(b"ok\r".to_vec()),
    ]);
    let e = replay.write_all(b"I\r").await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Protocol);
    // The expected write is still pending, in pieces too.
    replay.write_all(b"Q").await.unwrap();
    replay.write_all(b"1\r").await.unwrap();
    // A write where a read is expected is a protocol error as well.
    let e = replay.write_all(b"Q1\r").await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Protocol);
    // A read split over a small buffer.
    let mut buf = [0u8; 2];
    assert_eq!(replay.read(&mut buf, LONG).await.unwrap(), 2);
    assert_eq!(&buf, b"ok");
    assert_eq!(replay.read(&mut buf, LONG).await.unwrap(), 1);
    assert_eq!(buf[0], b'\r');
}

#[tokio::test]
async fn replay_read_before_expected_write_times_out() {
    let mut replay = Replaying::new([Exchange::Write(b"Q1\r".to_vec())]);
    replay.set_modem_status(ModemLines::CTS | ModemLines::DCD);
    let mut buf = [0u8; 4];
    let e = replay.read(&mut buf, LONG).await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Timeout);
    assert_eq!(
        replay.modem_status().await.unwrap(),
        ModemLines::CTS | ModemLines::DCD
    );
    assert_eq!(replay.remaining(), vec![Exchange::Write(b"Q1\r".to_vec())]);
}

#[test]
fn capture_parse_errors_name_the_line() {
    let e = parse_capture("# c\n> 51 31\n? 00\n").unwrap_err();
    assert_eq!(e.line, 3);
    let e = parse_capture("< 5\n").unwrap_err();
    assert_eq!(e.line, 1);
    assert_eq!(Error::kind(&e), ErrorKind::InvalidInput);
    assert_eq!(
        parse_capture("\n<\n>   \n").unwrap(),
        vec![Exchange::Read(vec![]), Exchange::Write(vec![])]
    );
}

fn device() -> Replaying {
    Replaying::new([
        Exchange::Write(b"Q1\r".to_vec()),
        Exchange::Read(b"(230.0\r".to_vec()),
        Exchange::Write(b"Q1\r".to_vec()),
        Exchange::Read(b"(231.0\r".to_vec()),
    ])
}

#[tokio::test]
async fn fault_timeout_leaves_data_for_the_next_read() {
    let mut port = FaultInjecting::new(device()).on_read(0, Fault::Timeout);
    port.write_all(b"Q1\r").await.unwrap();
    let mut buf = [0u8; 16];
    let e = port.read(&mut buf, LONG).await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Timeout);
    let n = port.read(&mut buf, LONG).await.unwrap();
    assert_eq!(&buf[..n], b"(230.0\r");
}

#[tokio::test]
async fn fault_garbage_comes_before_the_real_reply() {
    let mut port = FaultInjecting::new(device()).on_read(0, Fault::Garbage(vec![0xff, 0x00]));
    let reply = query(&mut port).await.unwrap();
    assert_eq!(reply, b"\xff\x00(230.0\r");
}

#[tokio::test]
async fn fault_short_read_returns_fewer_bytes() {
    let mut port = FaultInjecting::new(device()).on_read(0, Fault::Short(1));
    port.write_all(b"Q1\r").await.unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(port.read(&mut buf, LONG).await.unwrap(), 1);
    assert_eq!(buf[0], b'(');
    let n = port.read(&mut buf, LONG).await.unwrap();
    assert_eq!(&buf[..n], b"230.0\r");
}

#[tokio::test]
async fn fault_disconnect_is_permanent() {
    let mut port = FaultInjecting::new(device()).on_write(1, Fault::Disconnect);
    assert_eq!(query(&mut port).await.unwrap(), b"(230.0\r");
    let e = query(&mut port).await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Disconnected);
    let mut buf = [0u8; 4];
    let e = port.read(&mut buf, LONG).await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Disconnected);
    let e = port.modem_status().await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Disconnected);
}

#[tokio::test]
async fn write_faults_reach_the_wrapped_port() {
    // Garbage before a write: the replayed device sees bytes it did not expect.
    let mut port = FaultInjecting::new(device()).on_write(0, Fault::Garbage(vec![b'x']));
    let e = port.write_all(b"Q1\r").await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Protocol);
    // A short write loses the tail: the device still waits for "\r".
    let mut port = FaultInjecting::new(device()).on_write(0, Fault::Short(2));
    port.write_all(b"Q1\r").await.unwrap();
    assert_eq!(
        port.into_inner().remaining().first(),
        Some(&Exchange::Write(b"\r".to_vec()))
    );
    // A write timeout sends nothing.
    let mut port = FaultInjecting::new(device()).on_write(0, Fault::Timeout);
    let e = port.write_all(b"Q1\r").await.unwrap_err();
    assert_eq!(Error::kind(&e), ErrorKind::Timeout);
    assert_eq!(query(&mut port).await.unwrap(), b"(230.0\r");
}

#[tokio::test]
async fn wrappers_compose_and_take_mut_refs() {
    let mut inner = FaultInjecting::new(device()).on_read(2, Fault::Timeout);
    let mut rec = Recording::new(&mut inner);
    assert_eq!(query(&mut rec).await.unwrap(), b"(230.0\r");
    rec.write_all(b"Q1\r").await.unwrap();
    let mut buf = [0u8; 16];
    assert!(rec.read(&mut buf, LONG).await.is_err());
    assert_eq!(rec.read(&mut buf, LONG).await.unwrap(), 7);
    assert_eq!(
        rec.exchanges()
            .iter()
            .filter(|e| **e == Exchange::ReadTimeout)
            .count(),
        1
    );
}
