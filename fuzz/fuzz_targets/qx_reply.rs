#![no_main]
//! Fuzzes the Qx (Megatec family) reply parsers and the driver itself.
//!
//! The input is `<selector byte><reply>\n<reply>\n...`: every reply goes through every
//! dialect's parsers, then a `QxDriver` (dialect chosen by the selector, or auto-detection)
//! runs identify, two updates and a few commands over a port that answers each write with the
//! next reply. Nothing may panic, whatever the bytes.
//!
//! Seeds (`corpus/qx_reply`): each NUT 2.8 dialect's `*_testing[]` replies, joined, from
//! `nut-drivers/tests/fixtures/qx/nut-qx-subdriver-testing-tables.tsv` (see its SOURCES.md).

#[path = "common/runtime.rs"]
mod common_runtime;
use common_runtime::runtime;

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use nut_drivers::device::{DeviceProtocol, DriverConfig};
use nut_drivers::qx::{
    Dialect, InfoLayout, InfoReply, QxDriver, RatingReply, StatusReply, bestups, detect, voltronic,
};
use nut_drivers::qx::{masterguard, omron, voltronic_caps, voltronic_qs};
use nut_hal::{ErrorKind, LineSettings, ModemLines, Serial};

/// A port replaying canned replies, one per write.
struct Replay {
    replies: std::vec::IntoIter<Vec<u8>>,
    pending: Vec<u8>,
}

impl Serial for Replay {
    type Error = ErrorKind;

    async fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, ErrorKind> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pending.is_empty() {
            return Err(ErrorKind::Timeout);
        }
        let n = buf.len().min(self.pending.len());
        for (dst, src) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }

    async fn write_all(&mut self, _data: &[u8]) -> Result<(), ErrorKind> {
        match self.replies.next() {
            Some(reply) => {
                self.pending.extend(reply);
                Ok(())
            }
            None => Err(ErrorKind::Disconnected),
        }
    }

    async fn set_line(&mut self, _settings: LineSettings) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn set_dtr(&mut self, _on: bool) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn set_rts(&mut self, _on: bool) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn send_break(&mut self, _duration: Duration) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn modem_status(&mut self) -> Result<ModemLines, ErrorKind> {
        Ok(ModemLines::empty())
    }
}

fn parse_everything(reply: &[u8]) {
    if let Ok(status) = StatusReply::parse(reply) {
        let _ = status.variables(1);
        let _ = status.status_words();
        let _ = status.regulation();
        for dialect in Dialect::ALL {
            let _ = dialect.status_words(&status);
        }
    }
    if let Ok(rating) = RatingReply::parse(reply) {
        for dialect in Dialect::ALL {
            let _ = dialect.rating_variables(&rating);
        }
    }
    for layout in [
        InfoLayout::Standard,
        InfoLayout::Megatec,
        InfoLayout::Innovatae,
    ] {
        if let Ok(info) = InfoReply::parse(reply, layout) {
            let _ = info.variables();
        }
    }
    for protocol in [None, Some(0), Some(3), Some(8), Some(99)] {
        let _ = voltronic::QgsReply::parse(reply, protocol);
    }
    let _ = voltronic::mode(reply);
    let _ = voltronic::protocol(reply);
    let _ = voltronic::ratings(reply);
    let _ = voltronic::model(reply);
    let _ = voltronic::firmware(reply);
    let _ = voltronic::serial(reply);
    let _ = voltronic::battery(reply);
    if let Some(id) = bestups::IdReply::parse(reply) {
        let _ = id.variables(false);
        let _ = id.model();
    }
    let _ = bestups::runtime(reply);
    if let Some(flags) = voltronic_caps::Flags::parse(reply) {
        let _ = flags.variables();
        let _ = flags.commands();
        let _ = flags.beeper_status();
    }
    let _ = voltronic_caps::load_limits(reply);
    let _ = voltronic_caps::eco_frequency(reply);
    let _ = voltronic_caps::battery_low(reply);
    for protocol in [None, Some(1), Some(2), Some(31)] {
        let _ = voltronic_caps::eco_voltage(reply, Some(120.0), protocol);
        let _ = voltronic_caps::eco_voltage(reply, Some(230.0), protocol);
    }
    let _ = voltronic_caps::outlet(reply);
    let _ = voltronic_caps::outlet_delay(reply);
    // Writable values from arbitrary text, with the test vector's published values.
    let text = String::from_utf8_lossy(reply);
    let current = |name: &str| match name {
        "input.transfer.low.min" => Some(206.0),
        "input.transfer.low.max" => Some(223.0),
        "input.transfer.high.min" => Some(237.0),
        "input.transfer.high.max" => Some(254.0),
        "output.voltage.nominal" => Some(230.0),
        "output.current.nominal" => Some(4.0),
        _ => None,
    };
    for name in [
        "ups.start.auto",
        "outlet.1.delay.shutdown",
        "input.transfer.low",
        "input.transfer.high",
        "battery.voltage.low",
    ] {
        let _ = voltronic_caps::set_command(name, &text, &current);
        let _ = voltronic_caps::set_command(&text, "24", &current);
    }
    let _ = voltronic_qs::protocol_letter(reply, b"VHPT");
    let _ = voltronic_qs::qs_ratings(reply);
    let _ = voltronic_qs::hex_text(reply);
    if let Some(hex) = voltronic_qs::QsHexReply::parse(reply) {
        let _ = hex.variables();
        let _ = hex.rating_variables();
        let _ = voltronic_qs::hex_reply(&hex.status);
    }
    if let Ok(status) = StatusReply::parse(reply) {
        let _ = voltronic_qs::qs_variables(&status);
        let _ = voltronic_qs::hex_reply(&status);
    }
    for dialect in Dialect::ALL {
        let _ = dialect.command_outcome(b"T\r", Some(reply));
    }
    parse_masterguard_omron(reply, &text);
}

/// The Masterguard and Omron parsers and command builders.
fn parse_masterguard_omron(reply: &[u8], text: &str) {
    if let Ok(wh) = masterguard::WhReply::parse(reply) {
        let _ = masterguard::Q3Reply::parse(reply, wh.power_nominal, wh.cells);
        let _ = wh.series.supports(reply);
    }
    let _ = masterguard::Q3Reply::parse(reply, 1000, 12);
    let _ = masterguard::gs(reply);
    let _ = masterguard::gbs(reply);
    let _ = masterguard::gsn(reply);
    let _ = masterguard::drc(reply);
    let _ = masterguard::mso(reply);
    let _ = masterguard::pnv(reply);
    let _ = masterguard::uptime_field(text);
    let voltages = ["230".to_owned()];
    for name in [
        "ups.id",
        "battery.packs",
        "device.uptime",
        "output.voltage.nominal",
    ] {
        let _ = masterguard::set_command(name, text, 1, (0, 9), &voltages);
    }
    let _ = masterguard::command("test.battery.start", Some(text), 1, 30, 180);
    for &(_, _, parse) in omron::DYNAMIC {
        let _ = parse(reply);
    }
    let _ = omron::serial(reply);
    let _ = omron::firmware(reply);
    let _ = omron::battery_date(reply);
    let _ = omron::nominals(reply);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let replies: Vec<Vec<u8>> = rest.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    for reply in &replies {
        parse_everything(reply);
    }
    let mut answers = replies.clone().into_iter();
    let _ = detect(|_| answers.next());

    let mut config = DriverConfig::default();
    config.push("port", Some("/dev/null"));
    if let Some(dialect) = Dialect::ALL.get(usize::from(selector) % (Dialect::ALL.len() + 1)) {
        config.push("protocol", Some(dialect.name()));
    }
    if selector & 0x80 != 0 {
        config.push("runtimecal", Some("240,100,720,50"));
    }
    let Ok(mut driver) = QxDriver::<Replay>::from_config(&config) else {
        return;
    };
    driver.timeout = Duration::ZERO;
    let mut port = Replay {
        replies: replies.into_iter(),
        pending: Vec::new(),
    };
    let rt = runtime()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    rt.block_on(async {
        if driver.identify(&mut port).await.is_err() {
            return;
        }
        let _ = driver.update(&mut port).await;
        let _ = driver.update(&mut port).await;
        for command in [
            "beeper.toggle",
            "test.battery.start",
            "shutdown.return",
            "load.on",
        ] {
            let _ = driver.instcmd(&mut port, command, None).await;
        }
        let _ = driver
            .instcmd(&mut port, "test.battery.start", Some("12"))
            .await;
        let _ = driver.kill_power(&mut port).await;
    });
});
