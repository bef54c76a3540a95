//! Transfer-level differential against the real NUT 2.8.0 `nutdrv_qx` over the USB bridges
//! fuji, sgs, snr, armac and cypress, without hardware.
//!
//! The real driver runs with `fakeusb.so` preloaded (`fixtures/qx/fakeusb.c`, built here with
//! `cc`): a stand-in libusb with one bridge chip and a small Megatec UPS behind it, logging
//! every transfer. The driver identifies the UPS and runs `-k` (kill power: `C`, then the
//! shutdown). Ours (`QxUsb` on the simulated bridge `SimUsb`) is then given the commands the
//! real UPS heard, in order, and must put the same bytes on the bus: every control transfer
//! out and in (setup packet and data) and every interrupt OUT write. Interrupt reads are not
//! compared (how a reply is cut into packets is the chip's business), nor the language list
//! read of snr (ours skips it when `langid_fix` is set).
//!
//! Then the replies: the real driver's one-poll dump (`-d 1`; its transfers are compared
//! too) over each bridge and our `QxDriver` over the same bridge must publish the same values (the shim's UPS answers what
//! the Qx simulator answers).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use std::collections::BTreeMap;

use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_drivers::qx::sim::Simulator;
use nut_drivers::qx::usb::sim::{Seen, SimUsb};
use nut_drivers::qx::usb::{Bridge, QxUsb, UsbSettings};
use nut_drivers::qx::{Dialect, QxDriver, QxSettings};
use nut_hal::Serial;
use nut_hal::usb::{ControlRequest, request_type};
use nut_tests::build_shim;
use nut_tests::realnut::{NUT_BIN, Sandbox};

/// One bridge to compare: its name, USB ids, the chip mode of the shim, extra settings.
struct Case {
    bridge: Bridge,
    ids: (&'static str, &'static str),
    mode: &'static str,
    langid_fix: Option<u16>,
}

const fn case(
    bridge: Bridge,
    ids: (&'static str, &'static str),
    mode: &'static str,
    langid_fix: Option<u16>,
) -> Case {
    Case {
        bridge,
        ids,
        mode,
        langid_fix,
    }
}

const CASES: [Case; 5] = [
    case(Bridge::Fuji, ("0001", "0000"), "fuji", None),
    case(Bridge::Sgs, ("0483", "0035"), "sgs", None),
    // 2.8.0's snr needs langid_fix (DIFFERENCES 41).
    case(Bridge::Snr, ("0001", "0000"), "string", Some(0x0409)),
    case(Bridge::Armac, ("0925", "1234"), "armac", None),
    case(Bridge::Cypress, ("0665", "5161"), "cypress", None),
];

/// A sandbox for the real driver and the stand-in libusb built into it.
fn sandbox_with_shim(tag: &str) -> (Sandbox, PathBuf) {
    let sandbox = Sandbox::new(tag);
    let shim = sandbox.state().join("fakeusb.so");
    build_shim("qx/fakeusb.c", &shim, &[]);
    (sandbox, shim)
}

/// What one run of the real driver did.
struct RealRun {
    /// Its transfers, as log lines ([`compared`] ones only).
    transfers: Vec<String>,
    /// The commands its UPS heard.
    heard: Vec<String>,
    /// What it printed (the dump of `-d 1`).
    stdout: String,
}

/// Runs the real driver on the shim with `action` (`-k` or `-d 1`).
fn run_real(sandbox: &Sandbox, shim: &Path, case: &Case, action: &[&str]) -> RealRun {
    let program = format!("{NUT_BIN}/nutdrv_qx");
    assert!(
        Path::new(&program).exists(),
        "{program} is missing: install Debian's nut-server (scripts/test.sh does)"
    );
    let log = sandbox.state().join(format!("{}.log", case.bridge.name()));
    let _ = std::fs::remove_file(&log);
    let mut command = Command::new("timeout");
    command
        .arg("120")
        .arg(&program)
        .args(["-s", "qx", "-x", "port=auto", "-x", "protocol=megatec"])
        .args(action)
        .arg("-x")
        .arg(format!("subdriver={}", case.bridge.name()))
        .arg("-x")
        .arg(format!("vendorid={}", case.ids.0))
        .arg("-x")
        .arg(format!("productid={}", case.ids.1))
        .args(Sandbox::root_args());
    if let Some(langid) = case.langid_fix {
        command.arg("-x").arg(format!("langid_fix={langid:#x}"));
    }
    let output = command
        .env("NUT_CONFPATH", sandbox.etc())
        .env("NUT_STATEPATH", sandbox.state())
        .env("NUT_ALTPIDPATH", sandbox.state())
        .env("LD_PRELOAD", shim)
        .env("FAKEUSB_VID", case.ids.0)
        .env("FAKEUSB_PID", case.ids.1)
        .env("FAKEUSB_MODE", case.mode)
        .env("FAKEUSB_LOG", &log)
        .stdin(Stdio::null())
        .output()
        .expect("run nutdrv_qx");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let heard: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("heard "))
        .map(str::to_owned)
        .collect();
    assert!(
        heard.first().is_some_and(|c| c == "Q1"),
        "{:?}: the real driver did not reach the UPS: {}",
        case.bridge,
        String::from_utf8_lossy(&output.stderr)
    );
    let transfers = text
        .lines()
        .filter(|l| compared(l))
        .map(str::to_owned)
        .collect();
    RealRun {
        transfers,
        heard,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

/// Whether a log line is compared: transfers out and control transfers in, except the
/// language list.
fn compared(line: &str) -> bool {
    (line.starts_with("control-") || line.starts_with("interrupt-out"))
        && !line.starts_with("control-in 80 06 0300 ")
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!(" {b:02x}")).collect()
}

/// A transfer of ours as the shim logs it (`None` for an interrupt read).
fn as_log_line(seen: &Seen) -> Option<String> {
    let setup = |r: &ControlRequest, input: bool| {
        format!(
            "{:02x} {:02x} {:04x} {:04x}",
            request_type(*r, input),
            r.request,
            r.value,
            r.index
        )
    };
    match seen {
        Seen::Out(r, data) => Some(format!("control-out {}{}", setup(r, false), hex(data))),
        Seen::In(r) => Some(format!("control-in {}", setup(r, true))),
        Seen::InterruptOut(ep, data) => Some(format!("interrupt-out {ep:02x}{}", hex(data))),
        Seen::Interrupt(..) => None,
    }
}

/// Our bridge of `case` in front of the Qx simulator, on battery as the shim's UPS is.
fn our_port(case: &Case) -> QxUsb<SimUsb> {
    let ups = Arc::new(Mutex::new(Simulator::new(Dialect::Megatec)));
    ups.lock().unwrap().state.on_battery = true;
    let settings = UsbSettings {
        bridge: case.bridge,
        langid_fix: case.langid_fix,
    };
    QxUsb::new(SimUsb::new(&ups, case.bridge), settings)
}

/// Our transfers for the same commands.
async fn run_ours(case: &Case, heard: &[String]) -> Vec<String> {
    let mut port = our_port(case);
    for command in heard {
        port.write_all(format!("{command}\r").as_bytes())
            .await
            .unwrap();
    }
    port.usb_mut()
        .seen
        .iter()
        .filter_map(as_log_line)
        .filter(|l| compared(l))
        .collect()
}

#[tokio::test]
async fn bridges_put_the_same_bytes_on_the_bus_as_real_nutdrv_qx() {
    let (sandbox, shim) = sandbox_with_shim("qx_usb_vs_real");
    for case in &CASES {
        let RealRun {
            transfers: real,
            heard,
            ..
        } = run_real(&sandbox, &shim, case, &["-k"]);
        // The driver went through its whole start and the kill-power sequence.
        assert!(
            heard.iter().any(|c| c == "I"),
            "{:?}: {heard:?}",
            case.bridge
        );
        assert!(real.len() >= 2, "{:?}: {real:?}", case.bridge);
        let ours = run_ours(case, &heard).await;
        assert_eq!(ours, real, "{:?} (commands {heard:?})", case.bridge);
    }
}

#[tokio::test]
async fn readings_over_each_bridge_match_real_nutdrv_qx() {
    let (sandbox, shim) = sandbox_with_shim("qx_usb_readings_vs_real");
    for case in &CASES {
        let real = run_real(&sandbox, &shim, case, &["-d", "1"]);
        // The start and the poll (F included) put the same bytes on the bus too.
        let transfers = run_ours(case, &real.heard).await;
        assert_eq!(transfers, real.transfers, "{:?}", case.bridge);
        let dump: BTreeMap<&str, &str> = real
            .stdout
            .lines()
            .filter_map(|l| l.split_once(": "))
            .collect();
        let mut port = our_port(case);
        let mut qx = QxDriver::new(megatec());
        let identity = qx.identify(&mut port).await.unwrap();
        let reading = qx.update(&mut port).await.unwrap();
        // Everything ours publishes from Q1, F and I, as the real driver published it.
        let ours = reading.values.iter().chain(&identity.info.values);
        let mut compared = 0;
        for (name, value) in ours {
            assert_eq!(
                dump.get(name.as_str()),
                Some(&value.as_str()),
                "{:?}: {name}",
                case.bridge
            );
            compared += 1;
        }
        assert!(compared >= 10, "{:?}: {compared} values", case.bridge);
        assert_eq!(
            Some(reading.status_text().as_str()),
            dump.get("ups.status").copied(),
            "{:?}",
            case.bridge
        );
    }
}

fn megatec() -> QxSettings {
    let mut config = DriverConfig::default();
    config.push("protocol", Some("megatec"));
    QxSettings::from_config(&config).unwrap()
}
