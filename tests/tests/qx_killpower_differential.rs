//! DIFFERENTIAL for kill power: what the real NUT 2.8.0 `nutdrv_qx -k` sends to the Qx
//! simulator against what our `QxDriver::kill_power` sends, per dialect and `stayoff`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_drivers::qx::sim::Simulator;
use nut_drivers::qx::{Dialect, QxDriver};
use nut_hal::serial::LineSettings;
use nut_hal::tty::TtySerial;
use nut_tests::pty::PtyDevice;
use nut_tests::realqx;

/// The lines a simulator received after its last status query, without identification
/// queries: the shutdown sequence.
fn after_last_poll(sim: &Arc<Mutex<Simulator>>) -> Vec<String> {
    let received = std::mem::take(&mut sim.lock().unwrap().received);
    let polls: [&[u8]; 3] = [b"Q1\r", b"QGS\r", b"QMOD\r"];
    let start = received
        .iter()
        .rposition(|line| polls.contains(&line.as_slice()))
        .map_or(0, |i| i + 1);
    received[start..]
        .iter()
        .filter(|line| !(line.first() == Some(&b'Q') && line.len() > 2))
        // Queries, not commands: `F`, `I` and Voltronic's `RE0` (battery low voltage), which
        // our identify reads after its status query.
        .filter(|line| !matches!(line.as_slice(), b"F\r" | b"I\r" | b"RE0\r"))
        .map(|line| String::from_utf8_lossy(line).replace('\r', "<cr>"))
        .collect()
}

async fn compare(dialect: Dialect, extra: &[(&str, &str)]) {
    let sim = Arc::new(Mutex::new(Simulator::new(dialect)));
    let shared = Arc::clone(&sim);
    let pty = PtyDevice::serve(move |bytes| shared.lock().unwrap().feed(bytes)).unwrap();
    let port = pty.path().to_str().unwrap().to_owned();

    let mut config = DriverConfig::default();
    config.push("protocol", Some(dialect.name()));
    for (key, value) in extra {
        config.push(key, Some(*value).filter(|v| !v.is_empty()));
    }
    let mut qx: QxDriver<TtySerial> = QxDriver::from_config(&config).unwrap();
    qx.timeout = Duration::from_millis(300);
    let mut serial = TtySerial::open(&port, LineSettings::new_8n1(2400)).unwrap();
    qx.identify(&mut serial).await.unwrap();
    qx.kill_power(&mut serial).await.unwrap();
    drop(serial);
    let ours = after_last_poll(&sim);

    *sim.lock().unwrap() = Simulator::new(dialect);
    let mut settings = vec![("protocol".to_owned(), dialect.name().to_owned())];
    settings.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let (ok, log) =
        tokio::task::spawn_blocking(move || realqx::kill_power("nutdrv_qx", &port, &settings))
            .await
            .unwrap();
    drop(pty);
    assert!(ok, "the real nutdrv_qx -k failed: {log}");
    let real = after_last_poll(&sim);
    assert_eq!(
        ours, real,
        "{dialect:?} {extra:?}: ours vs the real nutdrv_qx -k\n{log}"
    );
    assert!(!real.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_power_sends_what_nutdrv_qx_k_sends() {
    compare(Dialect::Megatec, &[]).await;
    compare(Dialect::Megatec, &[("stayoff", ""), ("offdelay", "120")]).await;
    compare(Dialect::Megatec, &[("ondelay", "0"), ("offdelay", "12")]).await;
    compare(Dialect::Voltronic, &[("ondelay", "600")]).await;
}
