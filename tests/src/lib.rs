//! Cross-crate and interop tests, against the real NUT where it runs here. Shared helpers live
//! in this library; the tests themselves are under `tests/tests/`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod pty;
pub mod pty_apc;
pub mod realnut;
pub mod realqx;
pub mod socat;

use std::path::PathBuf;

/// The folder of test fixtures copied into the repository (`tests/fixtures`).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Builds the LD_PRELOAD shim `fixtures/<source>` into `out` with `cc -shared -fPIC` (and
/// `extra` arguments, e.g. `-ldl`); panics with the compiler's message when that fails.
pub fn build_shim(source: &str, out: &std::path::Path, extra: &[&str]) {
    let built = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(out)
        .arg(fixtures_dir().join(source))
        .args(extra)
        .output()
        .expect("a C compiler (cc) is needed to build the test shims");
    assert!(
        built.status.success(),
        "building {source} failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
}

/// One variable two views disagree on: (name, the real NUT's value, ours).
pub type Difference = (String, Option<String>, Option<String>);

/// Every variable whose value differs between `real` and `ours` (present in one only
/// included), except those named in `allowed` (name, why).
pub fn differences(
    real: &std::collections::BTreeMap<String, String>,
    ours: &std::collections::BTreeMap<String, String>,
    allowed: &[(&str, &str)],
) -> Vec<Difference> {
    let names: std::collections::BTreeSet<&String> = real.keys().chain(ours.keys()).collect();
    names
        .into_iter()
        .filter(|name| !allowed.iter().any(|(known, _)| known == name))
        .filter(|name| real.get(*name) != ours.get(*name))
        .map(|name| {
            (
                name.clone(),
                real.get(name).cloned(),
                ours.get(name).cloned(),
            )
        })
        .collect()
}

/// Runs `task` on a thread of its own with a current-thread tokio runtime and returns the
/// first value `task` sends on the channel it is given (the address it serves on, or `()`
/// once it listens). The thread runs until `task` ends.
pub fn spawn_with_runtime<T, F, Fut>(task: F) -> T
where
    T: Send + 'static,
    F: FnOnce(std::sync::mpsc::Sender<T>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(task(ready_tx));
    });
    ready_rx.recv().expect("the task started")
}
