//! DIFFERENTIAL for `masterguard`: the real NUT 2.8.0 `nutdrv_qx` and our `QxDriver` on the
//! same simulated Masterguard unit (the simulator's pty). NUT 2.8.0's Masterguard claim looks
//! for an item its own table does not have, so 2.8.0 drives no Masterguard unit at all — not
//! even with `protocol=masterguard` — and there are no values or command replies of 2.8.0 to
//! compare; ours follows the later table (docs/DIFFERENCES.md rows 37 and 45). What is
//! compared here is what each does with the same unit: 2.8.0 gives up without asking it
//! anything; ours identifies it, reads it and shuts it down.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_drivers::qx::sim::Simulator;
use nut_drivers::qx::{Dialect, QxDriver};
use nut_hal::serial::LineSettings;
use nut_hal::tty::TtySerial;
use nut_tests::pty::PtyDevice;
use nut_tests::realqx;

/// Runs the real `nutdrv_qx -k` with `settings` against a fresh Masterguard simulator, then
/// ours (identify, update, kill power) on the same pty; returns (real ok, real log, what the
/// unit received from the real driver, what it received from ours, our reading's `ups.id`).
async fn both(settings: &[(&str, &str)]) -> (bool, String, Vec<Vec<u8>>, Vec<Vec<u8>>, String) {
    let sim = Arc::new(Mutex::new(Simulator::new(Dialect::Masterguard)));
    let shared = Arc::clone(&sim);
    let pty = PtyDevice::serve(move |bytes| shared.lock().unwrap().feed(bytes)).unwrap();
    let port = pty.path().to_str().unwrap().to_owned();

    let owned: Vec<(String, String)> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let real_port = port.clone();
    let (ok, log) =
        tokio::task::spawn_blocking(move || realqx::kill_power("nutdrv_qx", &real_port, &owned))
            .await
            .unwrap();
    let real_received = std::mem::take(&mut sim.lock().unwrap().received);

    let mut config = DriverConfig::default();
    for (key, value) in settings {
        config.push(key, Some(*value));
    }
    let mut qx: QxDriver<TtySerial> = QxDriver::from_config(&config).unwrap();
    qx.timeout = Duration::from_millis(300);
    let mut serial = TtySerial::open(&port, LineSettings::new_8n1(2400)).unwrap();
    qx.identify(&mut serial).await.unwrap();
    assert_eq!(qx.dialect(), Some(Dialect::Masterguard));
    let reading = qx.update(&mut serial).await.unwrap();
    qx.kill_power(&mut serial).await.unwrap();
    drop(serial);
    drop(pty);
    let ours = std::mem::take(&mut sim.lock().unwrap().received);
    let id = reading.get("ups.id").unwrap_or_default().to_owned();
    (ok, log, real_received, ours, id)
}

/// `protocol=masterguard`: 2.8.0 refuses before sending a byte ("Device not supported!");
/// ours reads the unit and shuts it down as the Masterguard table says (`C`, then
/// `S<off>R<on>`).
#[tokio::test(flavor = "multi_thread")]
async fn pinned_masterguard_real_refuses_ours_drives() {
    let (ok, log, real, ours, id) = both(&[("protocol", "masterguard")]).await;
    assert!(!ok, "the real nutdrv_qx drove a Masterguard unit: {log}");
    assert!(log.contains("Device not supported"), "{log}");
    assert!(real.is_empty(), "2.8.0 asked the unit: {real:?}");
    assert_eq!(id, "1");
    assert_eq!(ours.first().map(Vec::as_slice), Some(&b"WH\r"[..]));
    assert_eq!(
        ours.get(ours.len().saturating_sub(2)..),
        Some(&[b"C\r".to_vec(), b"S.5R0003\r".to_vec()][..])
    );
}

/// Auto-detection: 2.8.0 tries its dialects (the unit echoes their queries) and finds none;
/// ours claims the unit as Masterguard from `WH` and `MSO`.
#[tokio::test(flavor = "multi_thread")]
async fn autodetected_masterguard_real_finds_nothing_ours_claims() {
    let (ok, log, real, ours, _) = both(&[]).await;
    assert!(!ok, "the real nutdrv_qx drove a Masterguard unit: {log}");
    assert!(log.contains("Device not supported"), "{log}");
    assert!(!real.is_empty(), "2.8.0 tried no dialect");
    assert!(!real.iter().any(|line| line == b"WH\r"), "{real:?}");
    assert!(ours.iter().any(|line| line == b"WH\r"));
    assert!(ours.iter().any(|line| line == b"MSO\r"));
}
