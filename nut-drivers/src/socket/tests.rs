//! The driver socket with real Unix sockets in a scratch directory.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::*;
use nut_protocol::devfile::DevFile;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::dummy::DummyDriver;

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("nut-rs-sock-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start(scratch: &Scratch, dev: &str, name: &str) -> PathBuf {
    let path = socket_path(&scratch.0, "dummy-ups", "test");
    let driver = DummyDriver::new(DevFile::parse(dev.as_bytes(), name).config, name);
    let listener = bind(&path).expect("bind");
    tokio::spawn(serve(driver, listener));
    path
}

struct Client {
    read: BufReader<OwnedReadHalf>,
    write: OwnedWriteHalf,
}

impl Client {
    async fn connect(path: &Path) -> Client {
        let (read, write) = UnixStream::connect(path)
            .await
            .expect("connect")
            .into_split();
        Client {
            read: BufReader::new(read),
            write,
        }
    }

    async fn send(&mut self, line: &str) {
        self.write
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("write");
    }

    /// Lines up to and including `last` (or until the connection closes).
    async fn until(&mut self, last: &str) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let mut line = String::new();
            if self.read.read_line(&mut line).await.expect("read") == 0 {
                return out;
            }
            let line = line.trim_end().to_string();
            let done = line == last;
            out.push(line);
            if done {
                return out;
            }
        }
    }

    /// Sends PING and returns what came before the PONG: proves the driver handled
    /// everything sent before.
    async fn sync(&mut self) -> Vec<String> {
        self.send("PING").await;
        let mut lines = self.until("PONG").await;
        assert_eq!(lines.pop().as_deref(), Some("PONG"));
        lines
    }
}

#[tokio::test]
async fn dumpall_ping_set_and_broadcast_to_other_clients() {
    let scratch = Scratch::new();
    let path = start(&scratch, "ups.status: OL\nbattery.charge: 80\n", "t.dev");
    let mut a = Client::connect(&path).await;
    let mut b = Client::connect(&path).await;
    a.send("DUMPALL").await;
    let dump = a.until("DUMPDONE").await;
    assert!(dump.contains(&"SETINFO ups.status \"OL\"".to_string()));
    assert!(dump.contains(&"ADDCMD load.off".to_string()));
    assert_eq!(dump[dump.len() - 2..], ["DATAOK", "DUMPDONE"]);
    assert!(b.sync().await.is_empty());
    a.send("SET ups.id \"a \\\"b\\\"\" TRACKING X").await;
    let set = [
        "SETINFO ups.id \"a \\\"b\\\"\"",
        "SETFLAGS ups.id RW STRING",
        "SETAUX ups.id 16",
    ];
    assert_eq!(
        a.until("TRACKING X 0").await,
        [&set[..], &["TRACKING X 0"]].concat()
    );
    assert_eq!(b.sync().await, set, "broadcast, escaped");
    b.send("LOGOUT").await;
    assert_eq!(b.until("OK Goodbye").await, ["OK Goodbye"]);
    assert!(b.until("").await.is_empty(), "closed after LOGOUT");
    assert!(
        a.sync().await.is_empty(),
        "the other client is still served"
    );
}

#[tokio::test]
async fn nobroadcast_and_broadcast() {
    let scratch = Scratch::new();
    let path = start(&scratch, "ups.status: OL\n", "t.dev");
    let mut quiet = Client::connect(&path).await;
    let mut writer = Client::connect(&path).await;
    quiet.send("NOBROADCAST").await;
    assert!(quiet.sync().await.is_empty());
    writer.send("SET ups.status \"OB\"").await;
    assert_eq!(writer.sync().await, ["SETINFO ups.status \"OB\""]);
    assert!(
        quiet.sync().await.is_empty(),
        "no broadcast after NOBROADCAST"
    );
    quiet.send("BROADCAST 0").await;
    writer.send("SET ups.status \"OL\"").await;
    writer.sync().await;
    assert!(quiet.sync().await.is_empty(), "BROADCAST 0 is off");
    quiet.send("BROADCAST 1").await;
    assert!(quiet.sync().await.is_empty());
    writer.send("SET ups.status \"OB LB\"").await;
    writer.sync().await;
    assert_eq!(quiet.sync().await, ["SETINFO ups.status \"OB LB\""]);
}

#[tokio::test]
async fn instcmd_and_set_reply_only_when_tracked() {
    let scratch = Scratch::new();
    let path = start(&scratch, "ups.status: OL\n", "t.dev");
    let mut c = Client::connect(&path).await;
    c.send("INSTCMD load.off TRACKING 7").await;
    assert_eq!(c.until("TRACKING 7 1").await, ["TRACKING 7 1"]);
    c.send("INSTCMD load.off").await;
    c.send("INSTCMD beeper.on \"1 2\" TRACKING 8").await;
    assert_eq!(c.until("TRACKING 8 1").await, ["TRACKING 8 1"]);
    c.send("SET battery.charge \"50\"").await;
    assert_eq!(
        c.sync().await,
        [
            "SETINFO battery.charge \"50\"",
            "SETFLAGS battery.charge RW"
        ]
    );
    // What dummy-ups 2.8.0 does not know gets no answer.
    c.send("GETPID").await;
    c.send("DUMPSTATUS").await;
    c.send("NOSUCH thing").await;
    assert!(c.sync().await.is_empty());
}

#[tokio::test]
async fn a_stale_socket_file_is_replaced_and_the_socket_is_0660() {
    let scratch = Scratch::new();
    let stale = socket_path(&scratch.0, "dummy-ups", "test");
    std::fs::write(&stale, b"stale").expect("stale file");
    let path = start(&scratch, "ups.status: OL\n", "t.dev");
    assert_eq!(path, stale);
    let mode = std::fs::metadata(&path)
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660);
    let mut c = Client::connect(&path).await;
    assert!(c.sync().await.is_empty());
}

/// A sequence steps on its timers (tokio's paused clock jumps to them) and every step is
/// broadcast.
#[tokio::test(start_paused = true)]
async fn sequence_steps_are_broadcast() {
    let scratch = Scratch::new();
    let path = start(
        &scratch,
        "ups.status: OL\nTIMER 5\nups.status: OB DISCHRG\nTIMER 5\n",
        "t.seq",
    );
    let mut c = Client::connect(&path).await;
    assert!(c.sync().await.is_empty());
    assert_eq!(
        c.until("SETINFO ups.status \"OB DISCHRG\"").await,
        ["SETINFO ups.status \"OB DISCHRG\""]
    );
    assert_eq!(
        c.until("SETINFO ups.status \"OL\"").await,
        ["SETINFO ups.status \"OL\""]
    );
}
