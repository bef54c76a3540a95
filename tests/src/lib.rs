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
