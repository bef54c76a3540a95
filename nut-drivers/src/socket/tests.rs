//! The driver socket with real Unix sockets.

use super::*;
use nut_protocol::devfile::DevFile;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::dummy::DummyDriver;

async fn start(
    dev: &str,
) -> (
    std::path::PathBuf,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let dir =
        std::env::temp_dir().join(format!("nut-rs-sock-{}-{}", std::process::id(), dev.len()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("dummy-ups-test");
    let driver = DummyDriver::new(DevFile::parse(dev.as_bytes(), "t.dev").config, "t.dev");
    let listener = bind(&path).expect("bind");
    (path, tokio::spawn(serve(driver, listener)))
}

async fn lines_until(reader: &mut BufReader<OwnedReadHalf>, last: &str) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.expect("read") == 0 {
            return out;
        }
        let done = line.trim_end() == last;
        out.push(line.trim_end().to_string());
        if done {
            return out;
        }
    }
}

#[tokio::test]
async fn dumpall_ping_set_and_broadcast_to_other_clients() {
    let (path, _server) = start("ups.status: OL\nbattery.charge: 80\n").await;
    let (a_read, mut a_write) = UnixStream::connect(&path).await.expect("a").into_split();
    let (b_read, mut b_write) = UnixStream::connect(&path).await.expect("b").into_split();
    let mut a = BufReader::new(a_read);
    let mut b = BufReader::new(b_read);
    a_write.write_all(b"DUMPALL\n").await.expect("write");
    let dump = lines_until(&mut a, "DUMPDONE").await;
    assert!(dump.contains(&"SETINFO ups.status \"OL\"".to_string()));
    assert_eq!(dump[dump.len() - 2..], ["DATAOK", "DUMPDONE"]);
    // b makes sure it is registered before a's SET, then sees the broadcast.
    b_write.write_all(b"PING\n").await.expect("write");
    assert_eq!(lines_until(&mut b, "PONG").await, ["PONG"]);
    a_write
        .write_all(b"SET ups.id \"a \\\"b\\\"\" TRACKING X\n")
        .await
        .expect("write");
    assert_eq!(
        lines_until(&mut a, "TRACKING X 0").await,
        [
            "SETINFO ups.id \"a \\\"b\\\"\"",
            "SETFLAGS ups.id RW STRING",
            "SETAUX ups.id 16",
            "TRACKING X 0"
        ]
    );
    assert_eq!(lines_until(&mut b, "SETAUX ups.id 16").await.len(), 3);
    b_write.write_all(b"LOGOUT\n").await.expect("write");
    assert_eq!(lines_until(&mut b, "OK Goodbye").await, ["OK Goodbye"]);
    let mut rest = String::new();
    assert_eq!(
        b.read_line(&mut rest).await.expect("eof"),
        0,
        "closed after LOGOUT"
    );
}
