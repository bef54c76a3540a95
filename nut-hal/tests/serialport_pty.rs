//! `SerialPortSerial` on pseudo-terminals: a `socat` pty pair (as a user would test with) and
//! `serialport`'s own pty pair.
//!
//! Finding recorded here: a Linux pty has no modem lines. `TIOCMGET`, `TIOCMBIS` and
//! `TIOCMBIC` fail with `ENOTTY` ("Inappropriate ioctl for device") on both the master and the
//! slave side, so DTR/RTS/CTS/DCD/RI/DSR can only be exercised on real hardware (or a USB
//! serial adapter with a loop-back plug). Our backend turns the refusal into a typed
//! `Unsupported` error; it never panics.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nut_hal::serialport::{SerialPortSerial, available_ports};
use nut_hal::{Error, ErrorKind, LineSettings, Serial};

const LONG: Duration = Duration::from_secs(10);

/// A `socat` pty pair, killed (by its own pid) on drop.
struct Socat {
    child: Child,
    a: PathBuf,
    b: PathBuf,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn socat_pair(tag: &str) -> Socat {
    let dir = std::env::temp_dir().join(format!("nut-hal-sp-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (a, b) = (dir.join("ttyA"), dir.join("ttyB"));
    let child = Command::new("socat")
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("socat must be installed for this test (apt-get install socat)");
    let socat = Socat {
        child,
        a,
        b,
        _dir: TempDir(dir),
    };
    let deadline = Instant::now() + LONG;
    while !(socat.a.exists() && socat.b.exists()) {
        assert!(Instant::now() < deadline, "socat made no ptys in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    socat
}

fn open(path: &Path) -> SerialPortSerial {
    SerialPortSerial::open(
        path.to_str().expect("utf-8 path"),
        LineSettings::new_8n1(2400),
    )
    .expect("open pty through serialport")
}

async fn read_exact(port: &mut SerialPortSerial, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    while out.len() < n {
        let got = port.read(&mut buf, LONG).await.expect("read");
        out.extend_from_slice(&buf[..got]);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_cross_a_socat_pair_both_ways() {
    let socat = socat_pair("bytes");
    let (mut a, mut b) = (open(&socat.a), open(&socat.b));
    assert!(a.name().ends_with("ttyA"), "{}", a.name());
    a.write_all(b"Q1\r\x00\xff").await.unwrap();
    assert_eq!(read_exact(&mut b, 5).await, b"Q1\r\x00\xff");
    b.write_all(b"(230.0 50.0\r").await.unwrap();
    assert_eq!(read_exact(&mut a, 12).await, b"(230.0 50.0\r");
    a.set_line(LineSettings::new_8n1(9600)).await.unwrap();
    let mut empty = [0u8; 0];
    assert_eq!(a.read(&mut empty, LONG).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_port_times_out_with_the_timeout_kind() {
    let socat = socat_pair("timeout");
    let mut a = open(&socat.a);
    let mut buf = [0u8; 8];
    let started = Instant::now();
    let err = a
        .read(&mut buf, Duration::from_millis(150))
        .await
        .unwrap_err();
    assert_eq!(Error::kind(&err), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() >= Duration::from_millis(140));
    // The port still works after the timeout.
    let mut b = open(&socat.b);
    b.write_all(b"x").await.unwrap();
    assert_eq!(read_exact(&mut a, 1).await, b"x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socat_ptys_refuse_modem_lines_with_a_typed_unsupported_error() {
    let socat = socat_pair("modem");
    let mut a = open(&socat.a);
    let err = a.modem_status().await.unwrap_err();
    assert_eq!(Error::kind(&err), ErrorKind::Unsupported, "{err}");
    assert!(
        err.to_string()
            .contains("no modem lines (Not a typewriter)"),
        "{err}"
    );
    for on in [true, false] {
        let err = a.set_dtr(on).await.unwrap_err();
        assert_eq!(Error::kind(&err), ErrorKind::Unsupported, "{err}");
        let err = a.set_rts(on).await.unwrap_err();
        assert_eq!(Error::kind(&err), ErrorKind::Unsupported, "{err}");
    }
    // Bytes still flow after the refusals.
    let mut b = open(&socat.b);
    b.write_all(b"ok").await.unwrap();
    assert_eq!(read_exact(&mut a, 2).await, b"ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_of_a_kernel_pty_pair_refuse_modem_lines() {
    let (master, slave) = serialport::TTYPort::pair().expect("pty pair");
    // Both stay open for the whole test: closing the master hangs the slave up (EIO).
    let mut ports = [
        SerialPortSerial::from_port(Box::new(master)),
        SerialPortSerial::from_port(Box::new(slave)),
    ];
    for port in &mut ports {
        let err = port.modem_status().await.unwrap_err();
        assert_eq!(Error::kind(&err), ErrorKind::Unsupported, "{err}");
        let err = port.set_dtr(true).await.unwrap_err();
        assert_eq!(Error::kind(&err), ErrorKind::Unsupported, "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_cut_short_by_a_caller_timeout_leaves_the_port_usable() {
    let socat = socat_pair("cancel");
    let (mut a, mut b) = (open(&socat.a), open(&socat.b));
    let mut buf = [0u8; 8];
    let cut = tokio::time::timeout(
        Duration::from_millis(50),
        a.read(&mut buf, Duration::from_millis(300)),
    )
    .await;
    assert!(cut.is_err(), "the outer timeout fires first");
    b.write_all(b"after").await.unwrap();
    assert_eq!(read_exact(&mut a, 5).await, b"after");
}

#[test]
fn opening_a_missing_port_is_a_typed_error() {
    let err =
        SerialPortSerial::open("/dev/nut-hal-no-such-port", LineSettings::default()).unwrap_err();
    assert_eq!(Error::kind(&err), ErrorKind::Disconnected, "{err}");
    let err = SerialPortSerial::open(
        "/dev/null",
        LineSettings {
            data_bits: 9,
            ..LineSettings::default()
        },
    )
    .unwrap_err();
    assert_eq!(Error::kind(&err), ErrorKind::InvalidInput, "{err}");
}

#[test]
fn listing_ports_works_without_libudev() {
    let ports = available_ports().expect("list ports");
    // A container may have no serial ports at all; every listed one is a device path.
    for port in &ports {
        assert!(port.path.starts_with("/dev/"), "{port:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pty_whose_peer_went_away_reads_as_disconnected() {
    let mut socat = socat_pair("hangup");
    let mut a = open(&socat.a);
    socat.child.kill().expect("kill socat");
    socat.child.wait().expect("reap socat");
    let mut buf = [0u8; 8];
    let err = a.read(&mut buf, LONG).await.unwrap_err();
    assert_eq!(Error::kind(&err), ErrorKind::Disconnected, "{err}");
}

/// Opens end `a` of `socat` for termios checks and sets `HUPCL` on it.
fn probe_with_hupcl(socat: &Socat) -> std::fs::File {
    use nix::sys::termios::{ControlFlags, SetArg, tcgetattr, tcsetattr};
    let probe = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&socat.a)
        .unwrap();
    let mut termios = tcgetattr(&probe).unwrap();
    termios.control_flags.insert(ControlFlags::HUPCL);
    tcsetattr(&probe, SetArg::TCSANOW, &termios).unwrap();
    probe
}

fn hupcl(probe: &std::fs::File) -> bool {
    use nix::sys::termios::{ControlFlags, tcgetattr};
    tcgetattr(probe)
        .unwrap()
        .control_flags
        .contains(ControlFlags::HUPCL)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_keeping_lines_clears_hangup_on_close() {
    // Each port is opened exclusively (TIOCEXCL), so every check has its own pty pair.
    let plain_pair = socat_pair("hupcl-plain");
    let probe = probe_with_hupcl(&plain_pair);
    let _plain = open(&plain_pair.a);
    assert!(hupcl(&probe), "a plain open leaves HUPCL alone");

    let socat = socat_pair("hupcl-kept");
    let probe = probe_with_hupcl(&socat);
    let path = socat.a.to_str().unwrap();
    let mut kept = SerialPortSerial::open_keeping_lines(path, LineSettings::default()).unwrap();
    assert!(!hupcl(&probe), "open_keeping_lines cleared HUPCL");
    let mut b = open(&socat.b);
    b.write_all(b"still a port").await.unwrap();
    assert_eq!(read_exact(&mut kept, 12).await, b"still a port");
    let err =
        SerialPortSerial::open_keeping_lines("/dev/nut-hal-no-such-port", LineSettings::default())
            .unwrap_err();
    assert_eq!(Error::kind(&err), ErrorKind::Disconnected, "{err}");
}
