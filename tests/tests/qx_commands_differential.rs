//! DIFFERENTIAL for instant commands and writable delays: the bytes the real NUT 2.8.0
//! `nutdrv_qx` sends to the Qx simulator for each `upscmd` (through the real upsd), against the
//! bytes our `QxDriver::instcmd` sends, and the command lists (`upscmd -l` against ours).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_drivers::qx::sim::Simulator;
use nut_drivers::qx::{Dialect, QxDriver};
use nut_hal::serial::LineSettings;
use nut_hal::tty::TtySerial;
use nut_tests::pty::PtyDevice;
use nut_tests::realqx::RealNut;

/// (command, parameter) pairs run on both sides, in order.
const COMMANDS: &[(&str, Option<&str>)] = &[
    ("test.battery.start.quick", None),
    ("test.battery.start.deep", None),
    ("test.battery.start", Some("120")),
    ("test.battery.start", Some("2")),
    ("test.battery.start", None),
    ("test.battery.stop", None),
    ("beeper.toggle", None),
    ("shutdown.return", None),
    ("shutdown.stop", None),
    ("shutdown.stayoff", None),
    ("load.off", None),
    ("load.on", None),
    // Voltronic: offered by the capability flags and switchable outlets.
    ("beeper.enable", None),
    ("beeper.disable", None),
    ("bypass.start", None),
    ("bypass.stop", None),
    ("outlet.1.load.off", None),
    ("outlet.2.load.on", None),
];

/// Command lines the simulator got that are not polls (`F`, `I`, Voltronic `RE0`, and every
/// `Q…` query but the Megatec beeper toggle `Q`).
fn commands_sent(sim: &Arc<Mutex<Simulator>>) -> Vec<Vec<u8>> {
    sim.lock()
        .unwrap()
        .received
        .drain(..)
        .filter(|line| {
            let poll = line.as_slice() == b"F\r"
                || line.as_slice() == b"I\r"
                || line.as_slice() == b"RE0\r"
                || (line.first() == Some(&b'Q') && line.len() > 2);
            !poll
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn megatec_commands_send_what_nutdrv_qx_sends() {
    same_commands("nutdrv_qx", Dialect::Megatec).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn blazer_ser_commands_send_what_blazer_ser_sends() {
    same_commands("blazer_ser", Dialect::Megatec).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn voltronic_commands_send_what_nutdrv_qx_sends() {
    same_commands("nutdrv_qx", Dialect::Voltronic).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn voltronic_qs_commands_send_what_nutdrv_qx_sends() {
    same_commands("nutdrv_qx", Dialect::VoltronicQs).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn voltronic_qs_hex_commands_send_what_nutdrv_qx_sends() {
    same_commands("nutdrv_qx", Dialect::VoltronicQsHex).await;
}

async fn same_commands(driver: &'static str, dialect: Dialect) {
    let settings = [
        ("protocol", dialect.name()),
        ("offdelay", "45"),
        ("ondelay", "300"),
    ];
    let sim = Arc::new(Mutex::new(Simulator::new(dialect)));
    let shared = Arc::clone(&sim);
    let pty = PtyDevice::serve(move |bytes| shared.lock().unwrap().feed(bytes)).unwrap();
    let port = pty.path().to_str().unwrap().to_owned();

    let mut config = DriverConfig::default();
    for (key, value) in settings {
        config.push(key, Some(value));
    }
    let mut qx: QxDriver<TtySerial> = QxDriver::from_config(&config).unwrap();
    if driver == "blazer_ser" {
        qx = qx.as_blazer();
    }
    qx.timeout = Duration::from_millis(300);
    let mut serial = TtySerial::open(&port, LineSettings::new_8n1(2400)).unwrap();
    let identity = qx.identify(&mut serial).await.unwrap();
    let mut ours = Vec::new();
    commands_sent(&sim);
    for (command, param) in COMMANDS {
        // A refused command shows as "refused" (and sends nothing).
        let mut sent = commands_sent(&sim);
        if qx.instcmd(&mut serial, command, *param).await.is_err() {
            sent.push(b"refused".to_vec());
        }
        sent.extend(commands_sent(&sim));
        ours.push(sent);
    }
    let blazer = driver == "blazer_ser";
    let set = qx.set_var(&mut serial, "ups.delay.shutdown", "125").await;
    assert_eq!(set.is_ok(), !blazer, "{set:?}");
    let set = qx.set_var(&mut serial, "ups.delay.start", "299").await;
    assert_eq!(set.is_ok(), !blazer, "{set:?}");
    qx.instcmd(&mut serial, "shutdown.return", None)
        .await
        .unwrap();
    ours.push(commands_sent(&sim));
    drop(serial);
    *sim.lock().unwrap() = Simulator::new(dialect);

    let sim_for_real = Arc::clone(&sim);
    let (real, real_commands) = tokio::task::spawn_blocking(move || {
        let extra: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let nut = RealNut::start(driver, &port, &extra);
        let mut real = Vec::new();
        commands_sent(&sim_for_real);
        let run = |sent: &mut Vec<Vec<Vec<u8>>>, ok: bool, what: &str| {
            let _ = what;
            // upscmd -w returns once the driver handled it; its bytes are on the pty by then,
            // but allow the pty thread a moment to pass them to the simulator.
            let deadline = Instant::now() + Duration::from_secs(3);
            let mut got = commands_sent(&sim_for_real);
            while ok && got.is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                got = commands_sent(&sim_for_real);
            }
            if !ok {
                got.push(b"refused".to_vec());
            }
            // NUT 2.8.0's upsd answers OK before the driver judges the command, so a command
            // the driver refuses shows as accepted with nothing sent.
            if got.is_empty() {
                got.push(b"refused".to_vec());
            }
            sent.push(got);
        };
        for (command, param) in COMMANDS {
            let ok = nut.upscmd(command, *param);
            run(&mut real, ok, command);
        }
        // nutdrv_qx lets upsrw set the delays; blazer_ser publishes them read-only.
        assert_eq!(nut.upsrw("ups.delay.shutdown", "125"), !blazer);
        assert_eq!(nut.upsrw("ups.delay.start", "299"), !blazer);
        let ok = nut.upscmd("shutdown.return", None);
        run(&mut real, ok, "shutdown.return after upsrw");
        (real, nut.commands())
    })
    .await
    .unwrap();
    drop(pty);

    let shown = |sent: &[Vec<Vec<u8>>]| -> Vec<String> {
        sent.iter()
            .map(|lines| {
                lines
                    .iter()
                    .map(|l| String::from_utf8_lossy(l).replace('\r', "<cr>"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    assert_eq!(shown(&ours), shown(&real), "ours vs the real nutdrv_qx");
    let mut ours_list = identity.commands.clone();
    ours_list.sort();
    let mut real_list: Vec<String> = real_commands
        .into_iter()
        .filter(|c| !c.starts_with("driver."))
        .collect();
    real_list.sort();
    assert_eq!(ours_list, real_list);
}

/// The capability changes sent at start for Voltronic `bypass_alarm=`… options: only the
/// reported capabilities whose state differs, in NUT's order.
#[tokio::test(flavor = "multi_thread")]
async fn voltronic_capability_options_at_start() {
    let settings = [
        ("protocol", "voltronic"),
        ("bypass_alarm", "disabled"),
        ("battery_alarm", "enabled"),
        ("alarm_control", "enabled"),
        ("eco_mode", "enabled"),
        ("limited_runtime_on_battery", "disabled"),
    ];
    let changes = |sim: &Arc<Mutex<Simulator>>| -> Vec<String> {
        sim.lock()
            .unwrap()
            .received
            .iter()
            .filter(|l| l.len() == 4 && (l.starts_with(b"PE") || l.starts_with(b"PD")))
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    };
    let sim = Arc::new(Mutex::new(Simulator::new(Dialect::Voltronic)));
    let shared = Arc::clone(&sim);
    let pty = PtyDevice::serve(move |bytes| shared.lock().unwrap().feed(bytes)).unwrap();
    let port = pty.path().to_str().unwrap().to_owned();
    let mut config = DriverConfig::default();
    for (key, value) in settings {
        config.push(key, Some(value));
    }
    let mut qx: QxDriver<TtySerial> = QxDriver::from_config(&config).unwrap();
    let mut serial = TtySerial::open(&port, LineSettings::new_8n1(2400)).unwrap();
    qx.identify(&mut serial).await.unwrap();
    drop(serial);
    let ours = changes(&sim);
    *sim.lock().unwrap() = Simulator::new(Dialect::Voltronic);
    let sim_for_real = Arc::clone(&sim);
    let real = tokio::task::spawn_blocking(move || {
        let extra: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let nut = RealNut::start("nutdrv_qx", &port, &extra);
        let _ = nut.read();
        changes(&sim_for_real)
    })
    .await
    .unwrap();
    drop(pty);
    assert_eq!(ours, ["PDP\r", "PEB\r", "PEE\r"]);
    assert_eq!(ours, real);
}

/// Voltronic writable variables (capabilities, outlet delays, ECO transfer limits, low
/// battery voltage): the bytes `upsrw` makes the real nutdrv_qx send, against ours.
#[tokio::test(flavor = "multi_thread")]
async fn voltronic_writable_variables() {
    let sent = same_writes(1, VOLTRONIC_SETS).await;
    assert!(sent.contains(&"PER<cr>".to_owned()), "{sent:?}");
}

/// The P31 battery type (`battery.type`, `PBT<nn>`): the bytes `upsrw` makes the real
/// nutdrv_qx send, against ours.
#[tokio::test(flavor = "multi_thread")]
async fn voltronic_p31_battery_type() {
    let sets = &[
        ("battery.type", "AGM"),
        ("battery.type", "Li"),
        ("battery.type", "Lead"),
    ];
    let sent = same_writes(31, sets).await;
    assert_eq!(sent, ["PBT02<cr>", "PBT00<cr>", "refused"]);
}

/// Writes run on both sides for a single-phase Voltronic unit.
const VOLTRONIC_SETS: &[(&str, &str)] = &[
    ("ups.start.auto", "yes"),
    ("battery.protection", "no"),
    ("ups.start.auto", "maybe"),
    ("outlet.1.delay.shutdown", "600"),
    ("outlet.2.delay.shutdown", "59"),
    ("outlet.2.delay.shutdown", "99999"),
    ("input.transfer.high", "250"),
    ("input.transfer.low", "200"),
    ("input.transfer.low", "210"),
    ("battery.voltage.low", "28"),
    ("battery.voltage.low", "24"),
];

/// Runs `sets` through `upsrw` on the real nutdrv_qx and through our `set_var`, on a
/// Voltronic unit of QPI `protocol`, and compares the bytes sent.
async fn same_writes(protocol: u8, sets: &'static [(&'static str, &'static str)]) -> Vec<String> {
    let fresh = move || {
        let mut sim = Simulator::new(Dialect::Voltronic);
        sim.state.voltronic_protocol = protocol;
        sim
    };
    let (sim, pty, port, mut qx, mut serial) = voltronic_identified(fresh(), &[]).await;
    commands_sent(&sim);
    let mut ours = Vec::new();
    for (name, value) in sets {
        let mut sent = Vec::new();
        if qx.set_var(&mut serial, name, value).await.is_err() {
            sent.push(b"refused".to_vec());
        }
        sent.extend(commands_sent(&sim));
        ours.push(sent);
    }
    drop(serial);
    *sim.lock().unwrap() = fresh();
    let sim_for_real = Arc::clone(&sim);
    let real = tokio::task::spawn_blocking(move || {
        let extra = vec![("protocol".to_owned(), "voltronic".to_owned())];
        let nut = RealNut::start("nutdrv_qx", &port, &extra);
        commands_sent(&sim_for_real);
        let mut real = Vec::new();
        for (name, value) in sets {
            let ok = nut.upsrw(name, value);
            let deadline = Instant::now() + Duration::from_secs(2);
            let mut got = commands_sent(&sim_for_real);
            while ok && got.is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                got = commands_sent(&sim_for_real);
            }
            if got.is_empty() {
                got.push(b"refused".to_vec());
            }
            real.push(got);
        }
        real
    })
    .await
    .unwrap();
    drop(pty);
    let shown = |sent: &[Vec<Vec<u8>>]| -> Vec<String> {
        sent.iter()
            .map(|lines| {
                lines
                    .iter()
                    .map(|l| String::from_utf8_lossy(l).replace('\r', "<cr>"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    assert_eq!(shown(&ours), shown(&real), "ours vs the real nutdrv_qx");
    shown(&ours)
}

/// `reset_to_default` (a flag in ups.conf): `PF` is sent once at start, and only to a UPS in
/// standby (output off), by the real nutdrv_qx and by ours.
#[tokio::test(flavor = "multi_thread")]
async fn voltronic_reset_to_default_at_start() {
    let resets = |sim: &Arc<Mutex<Simulator>>| -> usize {
        let sim = sim.lock().unwrap();
        sim.received
            .iter()
            .filter(|l| l.as_slice() == b"PF\r")
            .count()
    };
    for standby in [true, false] {
        let fresh = || {
            let mut sim = Simulator::new(Dialect::Voltronic);
            sim.state.load_off = standby;
            sim
        };
        let (sim, pty, port, mut qx, mut serial) =
            voltronic_identified(fresh(), &[("reset_to_default", None)]).await;
        qx.update(&mut serial).await.unwrap();
        drop(serial);
        let ours = resets(&sim);
        *sim.lock().unwrap() = fresh();
        let real = real_voltronic_start(&sim, port, &[("reset_to_default", "")], resets).await;
        drop(pty);
        assert_eq!(ours, usize::from(standby), "standby {standby}");
        assert_eq!(ours, real, "standby {standby}: ours vs the real nutdrv_qx");
    }
}

/// A Voltronic `sim` on a pty, and our driver (`protocol=voltronic` and `options`) identified
/// on it: (simulator, pty, port path, driver, port).
async fn voltronic_identified(
    sim: Simulator,
    options: &[(&str, Option<&str>)],
) -> (
    Arc<Mutex<Simulator>>,
    PtyDevice,
    String,
    QxDriver<TtySerial>,
    TtySerial,
) {
    let sim = Arc::new(Mutex::new(sim));
    let shared = Arc::clone(&sim);
    let pty = PtyDevice::serve(move |bytes| shared.lock().unwrap().feed(bytes)).unwrap();
    let port = pty.path().to_str().unwrap().to_owned();
    let mut config = DriverConfig::default();
    config.push("protocol", Some("voltronic"));
    for (key, value) in options {
        config.push(key, *value);
    }
    let mut qx: QxDriver<TtySerial> = QxDriver::from_config(&config).unwrap();
    qx.timeout = Duration::from_millis(300);
    let mut serial = TtySerial::open(&port, LineSettings::new_8n1(2400)).unwrap();
    qx.identify(&mut serial).await.unwrap();
    (sim, pty, port, qx, serial)
}

/// P31 `work_range_type`: the unit reports `Appliance` (`QGR` `(00`); `UPS` switches it
/// (`PGR01`) at start, `Appliance` and an unknown name send nothing — ours as the real
/// nutdrv_qx.
#[tokio::test(flavor = "multi_thread")]
async fn voltronic_p31_work_range_at_start() {
    let switches = |sim: &Arc<Mutex<Simulator>>| -> Vec<String> {
        let sim = sim.lock().unwrap();
        sim.received
            .iter()
            .filter(|l| l.starts_with(b"PGR"))
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    };
    for (wanted, expected) in [
        ("UPS", &["PGR01\r"][..]),
        ("Appliance", &[]),
        ("bogus", &[]),
    ] {
        let fresh = || {
            let mut sim = Simulator::new(Dialect::Voltronic);
            sim.state.voltronic_protocol = 31;
            sim
        };
        let (sim, pty, port, _qx, serial) =
            voltronic_identified(fresh(), &[("work_range_type", Some(wanted))]).await;
        drop(serial);
        let ours = switches(&sim);
        *sim.lock().unwrap() = fresh();
        let options = [("work_range_type", wanted)];
        let real = real_voltronic_start(&sim, port, &options, switches).await;
        drop(pty);
        assert_eq!(ours, expected, "{wanted}");
        assert_eq!(ours, real, "{wanted}: ours vs the real nutdrv_qx");
    }
}

/// Starts the real nutdrv_qx (`protocol=voltronic` and `options`; an empty value is a flag)
/// on `port`, waits for its first data, and returns `seen` of the simulator then.
async fn real_voltronic_start<T: Send + 'static>(
    sim: &Arc<Mutex<Simulator>>,
    port: String,
    options: &[(&str, &str)],
    seen: fn(&Arc<Mutex<Simulator>>) -> T,
) -> T {
    let sim = Arc::clone(sim);
    let mut extra = vec![("protocol".to_owned(), "voltronic".to_owned())];
    extra.extend(options.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    tokio::task::spawn_blocking(move || {
        let nut = RealNut::start("nutdrv_qx", &port, &extra);
        let _ = nut.read();
        seen(&sim)
    })
    .await
    .unwrap()
}
