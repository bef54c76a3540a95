//! Qx over USB: the serial-over-USB bridges of NUT's `nutdrv_qx`/`blazer_usb` (`subdriver=`
//! cypress, phoenix, ippon, krauler, fabula, hunnox, fuji, sgs, snr, armac) as [`QxUsb`], a
//! [`Serial`] over any [`UsbControl`], so that [`super::QxDriver`] runs unchanged over USB.
//!
//! A whole command is one exchange: [`Serial::write_all`] sends it (once its CR is in) and
//! collects the reply with the bridge's transfers ([`framing`]); [`Serial::read`] hands the
//! reply out, and times out at once when there is none. A timed-out transfer means no reply
//! (the driver reports a timeout); any other USB failure is returned with its kind
//! (`Disconnected` when the device went away).
//!
//! With feature `usb`, `QxUsbOpener` opens a real device through `nut_hal::rusb`.
//!
//! The framing of fuji, sgs, snr and armac was taken from NUT 2.8.0's `nutdrv_qx` itself, run
//! on a stand-in libusb that logged every transfer (`tests/fixtures/qx/fakeusb.c`; the
//! comparison is `tests/tests/qx_usb_vs_real_nut.rs`), and from the traces in NUT's issues for
//! armac's replies and its newer interrupt OUT write.
//!
//! Not done: the ablerex, phoenixtec and gtec bridges, and the langid scan (`noscanlangid` is
//! accepted and has no effect).

use std::time::Duration;

use nut_hal::ErrorKind;
use nut_hal::error::{Error as _, WrapError};
use nut_hal::serial::{LineSettings, ModemLines, Serial};
use nut_hal::usb::{ControlRequest, ControlType, Recipient, UsbControl};

use crate::device::{ConfigError, DriverConfig};

pub mod armac;
mod bridges;
pub mod framing;
pub mod fuji;
#[cfg(feature = "usb")]
mod open;
pub mod sgs;
pub mod sim;
mod table;

#[cfg(feature = "usb")]
pub use open::QxUsbOpener;

pub use table::{KNOWN_DEVICES, KnownDevice, bridge_for};

pub use bridges::{ARMAC_EMPTY_REPORTS, ArmacWrite, SNR_TRIES};
use framing::{CHUNK, PacketReply, REPLY_ENDPOINT, StringCommand};

/// Longest reply collected from interrupt packets.
pub(crate) const REPLY_LIMIT: usize = 256;

/// Room for one string descriptor.
const DESCRIPTOR_SIZE: usize = 255;

/// How many times krauler re-reads a string that came back corrupted or as "UPS No Ack".
pub const KRAULER_TRIES: usize = 10;

/// A serial-over-USB bridge (NUT's `subdriver=` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bridge {
    /// Cypress: SET_REPORT 0x0200 out, 8-byte interrupt packets in.
    Cypress,
    /// Phoenix: as cypress, after flushing stale interrupt data.
    Phoenix,
    /// Ippon: SET_REPORT 0x0002 out, one 64-byte interrupt packet in.
    Ippon,
    /// Krauler: commands are string descriptor indexes.
    Krauler,
    /// Fabula: string descriptor indexes, shutdowns encoded in the index.
    Fabula,
    /// Hunnox: fabula with a fixed language id (0x0409 unless `langid_fix`) and a wake-up
    /// sequence before the first command.
    Hunnox,
    /// Fuji: one 8-byte packet on interrupt OUT 0x02, cypress-style reply ([`fuji`]).
    Fuji,
    /// SGS (TS Shara): counted 8-byte SET_REPORT chunks, counted packets in ([`sgs`]).
    Sgs,
    /// SNR: krauler-style strings for `Q1`, `F`, `I` only, after an interrupt flush.
    Snr,
    /// Armac (Richcomm): `A0+n` reports out, counted interrupt reports in ([`armac`]).
    Armac,
}

impl Bridge {
    /// Every bridge, in NUT's documented order.
    pub const ALL: [Bridge; 10] = [
        Bridge::Cypress,
        Bridge::Fabula,
        Bridge::Fuji,
        Bridge::Hunnox,
        Bridge::Ippon,
        Bridge::Krauler,
        Bridge::Phoenix,
        Bridge::Sgs,
        Bridge::Snr,
        Bridge::Armac,
    ];

    /// Its `subdriver=` name.
    pub fn name(self) -> &'static str {
        match self {
            Bridge::Cypress => "cypress",
            Bridge::Phoenix => "phoenix",
            Bridge::Ippon => "ippon",
            Bridge::Krauler => "krauler",
            Bridge::Fabula => "fabula",
            Bridge::Hunnox => "hunnox",
            Bridge::Fuji => "fuji",
            Bridge::Sgs => "sgs",
            Bridge::Snr => "snr",
            Bridge::Armac => "armac",
        }
    }

    /// The bridge called `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Bridge> {
        Bridge::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// The USB settings of a Qx section: the bridge and the language id workaround.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsbSettings {
    /// The bridge.
    pub bridge: Bridge,
    /// `langid_fix`: read strings in this language, with a strict size check.
    pub langid_fix: Option<u16>,
}

impl UsbSettings {
    /// From `subdriver=` and `langid_fix=`, else from the known-device table for the device's
    /// `vendor_id:product_id` (and product string). Unknown names, a bad `langid_fix` and an
    /// unknown device without `subdriver=` are configuration errors.
    pub fn from_config(
        config: &DriverConfig,
        vendor_id: u16,
        product_id: u16,
        product: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let bad = |key: &str, value: &str, reason: &str| ConfigError {
            key: key.into(),
            value: Some(value.into()),
            reason: reason.into(),
        };
        let bridge = match config.value("subdriver") {
            Some(name) => Bridge::from_name(name)
                .ok_or_else(|| bad("subdriver", name, "unknown or unsupported subdriver"))?,
            None => bridge_for(vendor_id, product_id, product).ok_or_else(|| ConfigError {
                key: "subdriver".into(),
                value: None,
                reason: format!(
                    "no known bridge for USB device {vendor_id:04x}:{product_id:04x}; set subdriver"
                ),
            })?,
        };
        let langid_fix = config
            .value("langid_fix")
            .map(|v| parse_hex(v).ok_or_else(|| bad("langid_fix", v, "not a hex language id")))
            .transpose()?;
        Ok(UsbSettings { bridge, langid_fix })
    }
}

fn parse_hex(text: &str) -> Option<u16> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u16::from_str_radix(t, 16).ok()
}

/// Transfer timeouts of the bridges (NUT's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// One SET_REPORT chunk (cypress/phoenix 5 s; ippon uses `read`).
    pub write: Duration,
    /// One interrupt packet or string descriptor.
    pub read: Duration,
    /// Hunnox: the pause after the wake-up sequence (strings 0, 0, 1) before the first
    /// command.
    pub hunnox_settle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            write: Duration::from_millis(5000),
            read: Duration::from_millis(1000),
            hunnox_settle: Duration::from_millis(1000),
        }
    }
}

/// The error of [`QxUsb`]: the USB transport's, or a framing error of its own.
pub type QxUsbError<E> = WrapError<E>;

/// A [`Serial`] that speaks Qx through a USB bridge on `U`.
#[derive(Debug)]
pub struct QxUsb<U> {
    usb: U,
    settings: UsbSettings,
    /// Transfer timeouts.
    pub timeouts: Timeouts,
    langid: Option<u16>,
    /// Hunnox: whether the wake-up sequence ran.
    woken: bool,
    /// Armac: how reports go out (SET_REPORT until the device refuses it).
    armac_write: ArmacWrite,
    command: Vec<u8>,
    pending: Vec<u8>,
}

impl<U: UsbControl> QxUsb<U> {
    /// A bridge on an opened device.
    pub fn new(usb: U, settings: UsbSettings) -> Self {
        QxUsb {
            usb,
            settings,
            timeouts: Timeouts::default(),
            langid: None,
            woken: false,
            armac_write: ArmacWrite::SetReport,
            command: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> UsbSettings {
        self.settings
    }

    /// The USB device.
    pub fn usb_mut(&mut self) -> &mut U {
        &mut self.usb
    }

    /// Runs one command (CR included); its reply, `None` for no reply.
    pub async fn transact(
        &mut self,
        command: &[u8],
    ) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        match self.settings.bridge {
            Bridge::Cypress => self.set_report(command, 0x0200, false).await,
            Bridge::Phoenix => {
                self.flush().await?;
                self.set_report(command, 0x0200, false).await
            }
            Bridge::Ippon => self.set_report(command, 0x0002, true).await,
            Bridge::Krauler => {
                let kind = framing::krauler_command(command);
                let fixed = self.settings.langid_fix;
                self.string_bridge(command, kind, KRAULER_TRIES, fixed, framing::query_line)
                    .await
            }
            Bridge::Fabula => {
                let kind = framing::fabula_command(command);
                let fixed = self.settings.langid_fix;
                self.string_bridge(command, kind, 1, fixed, framing::query_line)
                    .await
            }
            Bridge::Hunnox => {
                let kind = framing::fabula_command(command);
                let langid = self.settings.langid_fix.unwrap_or(0x0409);
                if !self.woken && kind.index().is_some() {
                    self.hunnox_wake(langid).await?;
                }
                self.string_bridge(command, kind, 1, Some(langid), framing::query_line)
                    .await
            }
            Bridge::Fuji => self.fuji(command).await,
            Bridge::Sgs => self.sgs(command).await,
            Bridge::Snr => self.snr(command).await,
            Bridge::Armac => self.armac(command).await,
        }
    }

    /// Hunnox: once per connection, read strings 0, 0 and 1 and let the unit settle (what its
    /// vendor software does; without it the unit's status does not change, NUT PR #638). What
    /// the strings say does not matter; a timeout is tolerated.
    async fn hunnox_wake(&mut self, langid: u16) -> Result<(), QxUsbError<U::Error>> {
        for (index, lang) in [(0, 0), (0, 0), (1, langid)] {
            self.descriptor(index, lang).await?;
        }
        self.woken = true;
        if !self.timeouts.hunnox_settle.is_zero() {
            tokio::time::sleep(self.timeouts.hunnox_settle).await;
        }
        Ok(())
    }

    /// Phoenix: reads and drops stale interrupt data until a read times out (at most 10
    /// packets); a stalled endpoint is cleared.
    async fn flush(&mut self) -> Result<(), QxUsbError<U::Error>> {
        let mut packet = [0u8; CHUNK];
        for _ in 0..10 {
            match self
                .usb
                .interrupt_in(REPLY_ENDPOINT, &mut packet, self.timeouts.read)
                .await
            {
                Ok(n) if n > 0 => {}
                Ok(_) => return Ok(()),
                Err(e) => match e.kind() {
                    ErrorKind::Timeout => return Ok(()),
                    ErrorKind::Io | ErrorKind::Protocol => {
                        self.clear_halt().await?;
                        return Ok(());
                    }
                    _ => return Err(WrapError::Inner(e)),
                },
            }
        }
        Ok(())
    }

    /// CLEAR_FEATURE(ENDPOINT_HALT) on the reply endpoint.
    async fn clear_halt(&mut self) -> Result<(), QxUsbError<U::Error>> {
        let request = ControlRequest {
            control_type: ControlType::Standard,
            recipient: Recipient::Endpoint,
            request: 0x01,
            value: 0,
            index: u16::from(REPLY_ENDPOINT),
        };
        self.usb
            .control_out(request, &[], self.timeouts.read)
            .await
            .map(|_| ())
            .map_err(WrapError::Inner)
    }

    async fn set_report(
        &mut self,
        command: &[u8],
        value: u16,
        single: bool,
    ) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        let write_timeout = if single {
            self.timeouts.read
        } else {
            self.timeouts.write
        };
        for chunk in framing::chunks(command) {
            self.set_report_chunk(value, &chunk, write_timeout).await?;
        }
        if single {
            let mut packet = [0u8; 64];
            return match self
                .usb
                .interrupt_in(REPLY_ENDPOINT, &mut packet, self.timeouts.read)
                .await
            {
                Ok(0) => Ok(None),
                Ok(n) => Ok(Some(framing::upto_cr(packet.get(..n).unwrap_or(&packet))))
                    .map(|r| r.filter(|l| !l.is_empty())),
                Err(e) if e.kind() == ErrorKind::Timeout => Ok(None),
                Err(e) => Err(WrapError::Inner(e)),
            };
        }
        self.read_until_cr().await
    }

    /// Cypress-style reply: 8-byte interrupt packets until one holds a CR. A timeout (or an
    /// empty packet) before that is no reply, as NUT drops a partial one.
    async fn read_until_cr(&mut self) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        let mut reply = PacketReply::default();
        loop {
            let mut packet = [0u8; CHUNK];
            match self
                .usb
                .interrupt_in(REPLY_ENDPOINT, &mut packet, self.timeouts.read)
                .await
            {
                // Nothing in time: no reply, as NUT drops a partial one.
                Ok(0) => return Ok(None),
                Err(e) if e.kind() == ErrorKind::Timeout => return Ok(None),
                Err(e) => return Err(WrapError::Inner(e)),
                Ok(n) => {
                    if reply.push(packet.get(..n).unwrap_or(&packet), REPLY_LIMIT) {
                        let line = reply.line();
                        return Ok((!line.is_empty()).then_some(line));
                    }
                }
            }
        }
    }

    /// Reads one string descriptor; `Ok(None)` on a timeout.
    async fn read_string(
        &mut self,
        index: u8,
        fixed: Option<u16>,
    ) -> Result<Option<Result<Vec<u8>, framing::DescriptorError>>, QxUsbError<U::Error>> {
        let langid = match fixed {
            Some(l) => l,
            None => match self.langid {
                Some(l) => l,
                None => {
                    let Some(desc) = self.descriptor(0, 0).await? else {
                        return Ok(None);
                    };
                    let l = framing::first_langid(&desc)
                        .map_err(|e| WrapError::own(ErrorKind::Protocol, e.to_string()))?;
                    self.langid = Some(l);
                    l
                }
            },
        };
        let Some(desc) = self.descriptor(index, langid).await? else {
            return Ok(None);
        };
        Ok(Some(match fixed {
            Some(_) => framing::decode_fixed(&desc, desc.len()),
            None => framing::decode_ascii(&desc),
        }))
    }

    async fn descriptor(
        &mut self,
        index: u8,
        langid: u16,
    ) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        let mut buf = [0u8; DESCRIPTOR_SIZE];
        match self
            .usb
            .control_in(
                framing::get_string(index, langid),
                &mut buf,
                self.timeouts.read,
            )
            .await
        {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(buf.get(..n).unwrap_or(&buf).to_vec())),
            Err(e) if e.kind() == ErrorKind::Timeout => Ok(None),
            Err(e) => Err(WrapError::Inner(e)),
        }
    }

    /// Runs a string-descriptor command: reads its string (up to `tries` times while it is
    /// "UPS No Ack" or corrupted) and makes the reply line of a query with `line`.
    async fn string_bridge(
        &mut self,
        command: &[u8],
        kind: StringCommand,
        tries: usize,
        fixed: Option<u16>,
        line: fn(&[u8], u8) -> Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, QxUsbError<U::Error>> {
        let Some(index) = kind.index() else {
            return Ok(Some(command.to_vec()));
        };
        for _ in 0..tries {
            let text = match self.read_string(index, fixed).await? {
                None => return Ok(None),
                Some(Ok(text)) => text,
                Some(Err(framing::DescriptorError::SizeMismatch)) => continue,
                Some(Err(e)) => return Err(WrapError::own(ErrorKind::Protocol, e.to_string())),
            };
            if framing::is_no_ack(&text) {
                continue;
            }
            return Ok(match kind {
                StringCommand::Query { lead, .. } => line(&text, lead),
                StringCommand::Action { .. } | StringCommand::Echo => None,
            });
        }
        Ok(None)
    }
}

impl<U: UsbControl> Serial for QxUsb<U> {
    type Error = QxUsbError<U::Error>;

    async fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pending.is_empty() {
            return Err(WrapError::own(ErrorKind::Timeout, "no reply"));
        }
        let n = buf.len().min(self.pending.len());
        for (dst, src) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }

    async fn write_all(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        self.command.extend_from_slice(data);
        while let Some(cr) = self.command.iter().position(|&b| b == b'\r') {
            let command: Vec<u8> = self.command.drain(..=cr).collect();
            self.pending.clear();
            if let Some(reply) = self.transact(&command).await? {
                self.pending.extend(reply);
            }
        }
        if self.command.len() > REPLY_LIMIT {
            self.command.clear();
            return Err(WrapError::own(
                ErrorKind::InvalidInput,
                "command without CR",
            ));
        }
        Ok(())
    }

    async fn set_line(&mut self, _settings: LineSettings) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn set_dtr(&mut self, _on: bool) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn set_rts(&mut self, _on: bool) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn send_break(&mut self, _duration: Duration) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn modem_status(&mut self) -> Result<ModemLines, Self::Error> {
        Ok(ModemLines::empty())
    }
}
