//! A `socat` pseudo-terminal pair for tests that need a serial port: two linked ptys, the
//! `socat` process killed (by its own pid) when the pair is dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Two ptys joined by `socat`: bytes written to one come out of the other.
pub struct PtyPair {
    child: Child,
    /// One end (a symlink to `/dev/pts/N`).
    pub a: PathBuf,
    /// The other end.
    pub b: PathBuf,
    dir: PathBuf,
}

impl PtyPair {
    /// Starts `socat` and waits (with a deadline) until both ends exist. Panics when `socat`
    /// is not installed.
    pub fn new(tag: &str) -> PtyPair {
        let dir = std::env::temp_dir().join(format!("nut-rs-pty-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("pty dir");
        let (a, b) = (dir.join("ttyA"), dir.join("ttyB"));
        let child = Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat must be installed for this test (apt-get install socat)");
        let pair = PtyPair { child, a, b, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(pair.a.exists() && pair.b.exists()) {
            assert!(Instant::now() < deadline, "socat made no ptys in time");
            std::thread::sleep(Duration::from_millis(20));
        }
        pair
    }

    /// The folder holding both links.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Kills `socat` (both ends hang up); dropping the pair also does it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The path of end `a` as a string.
    pub fn a_str(&self) -> &str {
        self.a.to_str().expect("utf-8 temp path")
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
