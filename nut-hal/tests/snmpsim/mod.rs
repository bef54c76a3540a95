//! A real snmpsim agent for the SNMP tests: started on a free UDP port of 127.0.0.1 serving
//! LibreNMS recordings (tests/fixtures/snmp, see SOURCES.md there), stopped on drop.
//! snmpsim must be installed (Debian package `snmpsim`, `snmpsimd`); the tests fail loudly
//! when it is not. Each test binary uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nut_hal::snmp::{Oid, SnmpValue, VarBind};
use nut_hal::snmp_settings::{SnmpSettings, SnmpVersion};

pub const UPS_MIB: &str = "1.3.6.1.2.1.33";

/// A running snmpsimd; killed and its temp dir removed on drop.
pub struct Sim {
    child: Child,
    /// The UDP port it listens on (127.0.0.1).
    pub port: u16,
    dir: PathBuf,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Sim {
    /// What snmpsimd logged so far (every request's var-binds, SETs included).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snmp")
}

/// Start snmpsimd on a free UDP port serving `files` (community = file stem), with one v3
/// user `nutuser` (authNoPriv, SHA, key `authpass123`).
pub fn start_sim(name: &str, files: &[&str]) -> Sim {
    spawn_sim(name, files, false)
}

/// Like [`start_sim`], plus two authPriv v3 users, both SHA `authpass123`: `nutpriv` with
/// AES-128 and `nutdes` with DES, privacy key `privpass123`. snmpsim runs with its privacy
/// padding made conformant, see [`RFC3826_SNMPSIMD`].
pub fn start_sim_with_priv_users(name: &str, files: &[&str]) -> Sim {
    spawn_sim(name, files, true)
}

/// snmpsimd with its privacy padding fixed. pysnmp 4.4.12 (Debian's) pads AES-CFB plaintext
/// with 1 to 16 zero bytes ("PyCrypto seems to require padding"), which RFC 3826 §3.1.3 does
/// not allow (CFB needs no padding), and DES-CBC plaintext with 1 to 8, a whole needless
/// block when it is already aligned (RFC 3414 §8.1.1.2 pads only "if necessary").
/// net-snmp ignores bytes after the scoped PDU; async-snmp 0.18.1 rejects them
/// (`decode_scoped_pdu`: nothing after an AES-decrypted scoped PDU, at most 7 bytes after a
/// DES one) and so drops those replies, which the caller sees as a timeout. CFB is a stream
/// mode and CBC works block by block, so cutting the ciphertext (to the plaintext's length;
/// by the whole padding block) gives exactly the conformant encryption. pysnmp fixed AES
/// upstream (pysnmp/pysnmp#262, PR #293).
pub const RFC3826_SNMPSIMD: &str = r#"
import runpy, shutil, sys
import pysnmp.proto.secmod.rfc3414.service  # import order: avoids a cycle
from pysnmp.proto.secmod.rfc3826.priv import aes
padded_encrypt = aes.Aes.encryptData
def encryptData(self, key, params, data):
    ciphertext, salt = padded_encrypt(self, key, params, data)
    return ciphertext.clone(ciphertext.asOctets()[:len(data)]), salt
aes.Aes.encryptData = encryptData
from pysnmp.proto.secmod.rfc3414.priv import des
from pysnmp.proto.secmod.eso.priv import des3
def cbc_without_a_whole_padding_block(padded_encrypt):
    def encryptData(self, key, params, data):
        ciphertext, salt = padded_encrypt(self, key, params, data)
        if len(data) % 8 == 0:
            ciphertext = ciphertext.clone(ciphertext.asOctets()[:len(data)])
        return ciphertext, salt
    return encryptData
des.Des.encryptData = cbc_without_a_whole_padding_block(des.Des.encryptData)
des3.Des3.encryptData = cbc_without_a_whole_padding_block(des3.Des3.encryptData)
sys.argv[0] = shutil.which('snmpsimd')
runpy.run_path(sys.argv[0], run_name='__main__')
"#;

/// Debian's snmpsimd runs on this interpreter, which has pysnmp.
const SNMPSIM_PYTHON: &str = "/usr/bin/python3";

fn spawn_sim(name: &str, files: &[&str], priv_users: bool) -> Sim {
    let dir = std::env::temp_dir().join(format!("nut-hal-snmpsim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(dir.join("cache")).unwrap();
    for f in files {
        std::fs::copy(fixtures().join(f), data.join(f)).unwrap();
    }
    // snmpsim refuses to run as root; it must drop to an unprivileged user, who must be
    // able to write the cache and variation state.
    let _ = Command::new("chmod")
        .arg("-R")
        .arg("a+rwX")
        .arg(&dir)
        .status();
    let port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port()
    };
    let log = dir.join("log");
    let mut cmd = if priv_users {
        let script = dir.join("rfc3826_snmpsimd.py");
        std::fs::write(&script, RFC3826_SNMPSIMD).unwrap();
        let mut cmd = Command::new(SNMPSIM_PYTHON);
        cmd.arg(script);
        cmd
    } else {
        Command::new("snmpsimd")
    };
    cmd.arg(format!("--data-dir={}", data.display()))
        .arg(format!("--cache-dir={}", dir.join("cache").display()))
        .arg(format!("--agent-udpv4-endpoint=127.0.0.1:{port}"))
        .arg(format!("--logging-method=file:{}", log.display()))
        .args([
            "--v3-user=nutuser",
            "--v3-auth-key=authpass123",
            "--v3-auth-proto=SHA",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if priv_users {
        cmd.args([
            "--v3-user=nutpriv",
            "--v3-auth-key=authpass123",
            "--v3-auth-proto=SHA",
            "--v3-priv-key=privpass123",
            "--v3-priv-proto=AES",
            "--v3-user=nutdes",
            "--v3-auth-key=authpass123",
            "--v3-auth-proto=SHA",
            "--v3-priv-key=privpass123",
            "--v3-priv-proto=DES",
        ]);
    }
    if nix_is_root() {
        cmd.args(["--process-user=nobody", "--process-group=nogroup"]);
    }
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run snmpsimd (install Debian package `snmpsim`): {e}"));
    let mut sim = Sim { child, port, dir };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("Listening at UDP/IPv4 endpoint") {
            return sim;
        }
        if let Ok(Some(st)) = sim.child.try_wait() {
            panic!("snmpsimd exited with {st}: {text}");
        }
        assert!(
            Instant::now() < deadline,
            "snmpsimd not ready in 30 s: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn nix_is_root() -> bool {
    // `id -u` keeps this test free of unsafe code and extra dependencies.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

pub fn settings(sim: &Sim, version: SnmpVersion, community: &str) -> SnmpSettings {
    let mut s = SnmpSettings::new("127.0.0.1", sim.port, version);
    s.community = community.into();
    s.timeout = Duration::from_secs(2);
    s.retries = 1;
    s
}

pub fn oid(s: &str) -> Oid {
    s.parse().unwrap()
}

/// The recording's bindings under `root`, in OID order, as an agent must serve them.
pub fn recorded(file: &str, root: &str) -> Vec<VarBind> {
    let root = oid(root);
    let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
    let mut out: Vec<VarBind> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut p = l.splitn(3, '|');
            let (o, t, v) = (p.next().unwrap(), p.next().unwrap(), p.next().unwrap());
            let value = match t {
                "2" => SnmpValue::Integer(v.parse().unwrap()),
                "4" => SnmpValue::OctetString(v.as_bytes().to_vec()),
                "4x" => SnmpValue::OctetString(
                    (0..v.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&v[i..i + 2], 16).unwrap())
                        .collect(),
                ),
                "5" => SnmpValue::Null,
                "6" => SnmpValue::ObjectId(oid(v)),
                "65" => SnmpValue::Counter32(v.parse().unwrap()),
                "66" => SnmpValue::Gauge32(v.parse().unwrap()),
                "67" => SnmpValue::TimeTicks(v.parse().unwrap()),
                other => panic!("type {other} not handled in this test"),
            };
            VarBind { oid: oid(o), value }
        })
        .filter(|vb| root.is_prefix_of(&vb.oid))
        .collect();
    out.sort_by(|a, b| a.oid.cmp(&b.oid));
    out
}
