//! A real net-snmp agent for the SNMP tests: Debian's `/usr/sbin/snmpd` run in the
//! foreground on a free UDP port of 127.0.0.1, with its own configuration and persistent
//! directory in a temp dir, serving the host MIB-2 plus RFC 1628 UPS-MIB objects given by
//! `override` lines (so `mibs=auto` finds the `ietf` mapping). Stopped on drop.
//!
//! USM users (all with authentication key `authpass123`, privacy key `privpass123`):
//! `nutauth` SHA authNoPriv, `nutaes` SHA + AES-128, `nutdes` MD5 + DES; all read-write.
//! Communities: `public` (read-only), `private` (read-write).
//!
//! snmpd must be installed (Debian package `snmpd`); the tests fail loudly when it is not.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the agent.
pub const SNMPD: &str = "/usr/sbin/snmpd";

/// The UPS-MIB objects served (OID, net-snmp `override` type, value); `-rw` ones writable.
pub const UPS_OBJECTS: &[(&str, &str, &str)] = &[
    (".1.3.6.1.2.1.33.1.1.1.0", "octet_str", "\"RustUPS Inc\""),
    (".1.3.6.1.2.1.33.1.1.2.0", "octet_str", "\"Model 1628\""),
    (".1.3.6.1.2.1.33.1.1.3.0", "octet_str", "\"fw-2.1\""),
    // batteryNormal(2); 45 minutes left; 97 %; 54.4 V.
    (".1.3.6.1.2.1.33.1.2.1.0", "integer", "2"),
    (".1.3.6.1.2.1.33.1.2.3.0", "integer", "45"),
    (".1.3.6.1.2.1.33.1.2.4.0", "integer", "97"),
    (".1.3.6.1.2.1.33.1.2.5.0", "integer", "544"),
    (".1.3.6.1.2.1.33.1.3.2.0", "integer", "1"),
    (".1.3.6.1.2.1.33.1.3.3.1.2.1", "integer", "500"),
    (".1.3.6.1.2.1.33.1.3.3.1.3.1", "integer", "230"),
    // normal(3): on line.
    (".1.3.6.1.2.1.33.1.4.1.0", "integer", "3"),
    (".1.3.6.1.2.1.33.1.4.3.0", "integer", "1"),
    (".1.3.6.1.2.1.33.1.4.4.1.2.1", "integer", "231"),
    (".1.3.6.1.2.1.33.1.4.4.1.5.1", "integer", "12"),
    (".1.3.6.1.2.1.33.1.9.3.0", "integer", "230"),
];

/// Writable UPS-MIB objects: upsShutdownAfterDelay, upsStartupAfterDelay, upsAutoRestart
/// (the ietf rows `ups.timer.shutdown`/`ups.timer.start` and the `load.*` commands), and
/// upsConfigAudibleStatus (`ups.beeper.status`, the `beeper.*` commands).
pub const UPS_WRITABLE: &[(&str, &str, &str)] = &[
    (".1.3.6.1.2.1.33.1.8.2.0", "integer", "-1"),
    (".1.3.6.1.2.1.33.1.8.3.0", "integer", "-1"),
    (".1.3.6.1.2.1.33.1.9.8.0", "integer", "2"),
];

/// A running snmpd; killed and its temp dir removed on drop.
pub struct Snmpd {
    child: Child,
    /// The UDP port it listens on (127.0.0.1).
    pub port: u16,
    /// Its temp dir (configuration, persistent state, log).
    pub dir: PathBuf,
}

impl Drop for Snmpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Snmpd {
    /// `host:port` for a driver's `port` setting.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// What the agent logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

/// The configuration file text for persistent directory `persist`.
pub fn config(persist: &std::path::Path) -> String {
    let mut text = format!(
        "[snmp] persistentDir {}\n\
         createUser nutauth SHA \"authpass123\"\n\
         createUser nutaes SHA \"authpass123\" AES \"privpass123\"\n\
         createUser nutdes MD5 \"authpass123\" DES \"privpass123\"\n\
         rwuser nutauth auth\n\
         rwuser nutaes priv\n\
         rwuser nutdes priv\n\
         rocommunity public 127.0.0.1\n\
         rwcommunity private 127.0.0.1\n",
        persist.display()
    );
    for (oid, kind, value) in UPS_OBJECTS {
        text.push_str(&format!("override {oid} {kind} {value}\n"));
    }
    for (oid, kind, value) in UPS_WRITABLE {
        text.push_str(&format!("override -rw {oid} {kind} {value}\n"));
    }
    text
}

/// A free UDP port of 127.0.0.1 (bound and released).
pub fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.local_addr().expect("addr").port()
}

/// Starts snmpd serving [`config`]; waits until it says it is up.
pub fn start(name: &str) -> Snmpd {
    assert!(
        std::path::Path::new(SNMPD).exists(),
        "{SNMPD} is missing: install the Debian package `snmpd`"
    );
    let dir = std::env::temp_dir().join(format!("nut-snmpd-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let persist = dir.join("persist");
    std::fs::create_dir_all(&persist).expect("temp dir");
    std::fs::write(dir.join("snmpd.conf"), config(&persist)).expect("config");
    let port = free_udp_port();
    let child = spawn(&dir, port);
    let mut agent = Snmpd { child, port, dir };
    agent.wait_up();
    agent
}

/// snmpd on `port` with the configuration and state in `dir`, logging to `dir/log`.
fn spawn(dir: &std::path::Path, port: u16) -> Child {
    let log = std::fs::File::create(dir.join("log")).expect("log");
    Command::new(SNMPD)
        .args(["-f", "-Lo", "-C", "-c"])
        .arg(dir.join("snmpd.conf"))
        .arg("-p")
        .arg(dir.join("pid"))
        .arg(format!("udp:127.0.0.1:{port}"))
        // No MIB files are needed: every OID here is numeric.
        .env("MIBS", "")
        .env("MIBDIRS", dir.join("no-mibs"))
        .env("SNMP_PERSISTENT_DIR", dir.join("persist"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {SNMPD}: {e}"))
}

impl Snmpd {
    /// Waits until the agent says it is up (it prints its version once its transports are
    /// open).
    fn wait_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.log().contains("NET-SNMP version") {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("snmpd exited ({status}):\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "snmpd did not come up:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the agent as a shutdown does (SIGTERM: it saves its persistent state, the
    /// SNMPv3 engine ID and boots counter); its port goes quiet.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// Starts the stopped agent again on the same port with the same state (its SNMPv3
    /// engine boots counter goes up, as after a reboot).
    pub fn restart(&mut self) {
        self.stop();
        self.child = spawn(&self.dir, self.port);
        self.wait_up();
    }
}
