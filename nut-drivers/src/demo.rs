//! The zero-config demo behind `upsd --demo`: one simulated UPS named `demo`, played from an
//! embedded sequence (on line, a 30 s power cut, back on line, looping), served on
//! 127.0.0.1:3493 (or `$NUT_DEMO_LISTEN`). Users: `admin`/`admin` may SET, FSD and run every
//! command; `monuser`/`monpass` is an upsmon primary.

use std::net::SocketAddr;

use nut_protocol::config::upsd_users;
use nut_protocol::devfile::DevFile;
use nut_protocol::server::{ServerSettings, ServerState, UpsEntry};
use nut_protocol::upsd::DriverSource;
use nut_protocol::upsd::setup::Setup;

use crate::dummy::DummyDriver;
use crate::in_process;

/// The embedded device sequence.
pub const DEMO_SEQUENCE: &str = include_str!("../data/demo.seq");

const DEMO_USERS: &[u8] = b"[admin]\n password = admin\n actions = SET FSD\n instcmds = ALL\n\
[monuser]\n password = monpass\n upsmon primary\n";

/// The demo server, with its driver already running (call inside a tokio runtime).
pub fn setup(seed: u64) -> Setup {
    let file = DevFile::parse(DEMO_SEQUENCE.as_bytes(), "demo.seq").config;
    let driver = DummyDriver::new(file, "demo.seq");
    let users = upsd_users::parse(DEMO_USERS, "demo users").config;
    let state = ServerState::new(
        ServerSettings::default(),
        vec![UpsEntry::new("demo", Some("nut-rs simulated UPS"))],
        users,
        seed,
    );
    let listen = std::env::var("NUT_DEMO_LISTEN")
        .ok()
        .and_then(|text| text.parse::<SocketAddr>().ok())
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3493)));
    Setup {
        state,
        drivers: vec![(0, DriverSource::Channel(in_process::spawn(driver)))],
        listen: vec![listen],
        warnings: Vec::new(),
        tls: None,
        max_connections: None,
    }
}
