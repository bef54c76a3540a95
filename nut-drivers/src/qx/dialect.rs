//! Qx dialects (NUT's `protocol=` values) and their auto-detection.
//!
//! Detection tries the dialects in NUT's order (`dialects/detection.tsv`), each claiming the
//! UPS when its claim queries get valid replies. Omron claims only when pinned with
//! `protocol=omron` (NUT also takes its USB vendor id 0590, which a serial port does not
//! show). voltronic-axpert came after NUT 2.8.0 and has its own module; q2, q6, gtec and
//! innovart31/33 (also after 2.8.0) are table-driven ([`super::items`]).

use super::commands;
use super::masterguard;
use super::megatec::{InfoLayout, RatingReply, StatusReply, number};
use super::voltronic_axpert;
use super::voltronic_qs;

/// What a UPS's reply to an instant command says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandOutcome {
    /// Acknowledged, or silently taken (no reply, where the dialect sends none).
    Accepted,
    /// Echoed back or refused with `NAK`.
    Rejected,
    /// No reply from a dialect that always acknowledges.
    NoReply,
    /// Some other reply.
    Unexpected,
}

/// A Qx protocol dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `omron`: `Q1` plus one query per value (`Bl ?`, `RTS`, …), commands answered `OK`;
    /// claimed only when pinned.
    Omron,
    /// `voltronic`: `QGS` status, `QPI` protocol id, `(ACK`/`(NAK`.
    Voltronic,
    /// `voltronic-axpert`: solar inverter/chargers, `QPI` answering `(PI30`, `QPIGS` status,
    /// commands framed with the Voltronic CRC ([`super::voltronic_axpert`]).
    VoltronicAxpert,
    /// `voltronic-qs`: `M` protocol letter `V`/`H`, `QS` in the `Q1` layout, `F` output
    /// nominals.
    VoltronicQs,
    /// `voltronic-qs-hex`: `M` protocol letter `P`/`T`, binary `QS`.
    VoltronicQsHex,
    /// `mustek`: Megatec layout, status query `QS`.
    Mustek,
    /// `megatec/old`: Megatec layout, status query `D`.
    MegatecOld,
    /// `bestups`: `Q1` plus a comma-separated `ID` reply.
    BestUps,
    /// `mecer`: `Q1` plus `QPI` answering `(PI98`; commands acknowledged `(ACK`/`(NAK`.
    Mecer,
    /// `megatec`: `Q1`, `F`, `I`.
    Megatec,
    /// `zinto`: identification via `FW?`.
    Zinto,
    /// `masterguard`: Masterguard A/E series, `WH` identification and `Q3` status.
    Masterguard,
    /// `hunnox`: identification via `FW?` (claims after zinto, so only when pinned).
    Hunnox,
    /// `ablerex`: `F` gives output nominals.
    Ablerex,
    /// `innovart31`: `Q6` single-phase output, `WA`, `BPS` bypass, `F`, `FW?`, `SASV07?`.
    Innovart31,
    /// `innovart33`: as innovart31 with a three-phase output.
    Innovart33,
    /// `innovatae`: `I` carries only a firmware version.
    Innovatae,
    /// `q2`: three-phase `Q2`, `WA`, status bits from `Q1`.
    Q2,
    /// `q6`: three-phase `Q6`, `WA`, status bits from `Q1`.
    Q6,
    /// `gtec`: `Q4` with status letters, `F`, `I`.
    Gtec,
    /// `q1`: the fallback, `Q1` only.
    Q1,
}

impl Dialect {
    /// Every modelled dialect, in NUT's detection order.
    pub const ALL: [Dialect; 21] = [
        Dialect::Omron,
        Dialect::Voltronic,
        Dialect::VoltronicAxpert,
        Dialect::VoltronicQs,
        Dialect::VoltronicQsHex,
        Dialect::Mustek,
        Dialect::MegatecOld,
        Dialect::BestUps,
        Dialect::Mecer,
        Dialect::Megatec,
        Dialect::Zinto,
        Dialect::Masterguard,
        Dialect::Hunnox,
        Dialect::Ablerex,
        Dialect::Innovart31,
        Dialect::Innovart33,
        Dialect::Innovatae,
        Dialect::Q2,
        Dialect::Q6,
        Dialect::Gtec,
        Dialect::Q1,
    ];

    /// The `protocol=` name.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Omron => "omron",
            Dialect::Masterguard => "masterguard",
            Dialect::Voltronic => "voltronic",
            Dialect::VoltronicAxpert => "voltronic-axpert",
            Dialect::VoltronicQs => "voltronic-qs",
            Dialect::VoltronicQsHex => "voltronic-qs-hex",
            Dialect::Mustek => "mustek",
            Dialect::MegatecOld => "megatec/old",
            Dialect::BestUps => "bestups",
            Dialect::Mecer => "mecer",
            Dialect::Megatec => "megatec",
            Dialect::Zinto => "zinto",
            Dialect::Hunnox => "hunnox",
            Dialect::Ablerex => "ablerex",
            Dialect::Innovart31 => "innovart31",
            Dialect::Innovart33 => "innovart33",
            Dialect::Innovatae => "innovatae",
            Dialect::Q2 => "q2",
            Dialect::Q6 => "q6",
            Dialect::Gtec => "gtec",
            Dialect::Q1 => "q1",
        }
    }

    /// Looks a dialect up by its `protocol=` name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// The status query.
    pub fn status_command(self) -> &'static [u8] {
        match self {
            Dialect::Voltronic => b"QGS\r",
            Dialect::VoltronicAxpert => b"QPIGS\r",
            Dialect::Mustek | Dialect::VoltronicQs | Dialect::VoltronicQsHex => b"QS\r",
            Dialect::MegatecOld => b"D\r",
            Dialect::Q2 => b"Q2\r",
            Dialect::Q6 | Dialect::Innovart31 | Dialect::Innovart33 => b"Q6\r",
            Dialect::Gtec => b"Q4\r",
            Dialect::Masterguard => b"Q3\r",
            _ => b"Q1\r",
        }
    }

    /// Whether the status reply has the Megatec `Q1` layout ([`StatusReply`]).
    pub fn has_q1_status(self) -> bool {
        !matches!(
            self,
            Dialect::Voltronic
                | Dialect::VoltronicAxpert
                | Dialect::VoltronicQsHex
                | Dialect::Masterguard
        ) && !self.table_driven()
    }

    /// The ratings query (`F`), if the dialect has one with the Megatec layout.
    pub fn rating_command(self) -> Option<&'static [u8]> {
        match self {
            Dialect::Voltronic
            | Dialect::VoltronicAxpert
            | Dialect::VoltronicQsHex
            | Dialect::BestUps
            | Dialect::Q1
            | Dialect::Q2
            | Dialect::Q6 => None,
            Dialect::Omron | Dialect::Masterguard => None,
            _ => Some(b"F\r"),
        }
    }

    /// The identification query and its column layout.
    pub fn info_command(self) -> Option<(&'static [u8], InfoLayout)> {
        match self {
            Dialect::Voltronic
            | Dialect::VoltronicAxpert
            | Dialect::VoltronicQs
            | Dialect::VoltronicQsHex
            | Dialect::BestUps
            | Dialect::Q1
            | Dialect::Q2
            | Dialect::Q6
            | Dialect::Innovart31
            | Dialect::Innovart33
            | Dialect::Omron
            | Dialect::Masterguard => None,
            // NUT 2.8.0's megatec 0.06 reads `I` with the standard layout (device.mfr
            // "NOT_A_LIVE_UPS", checked against the real driver); the later 0.10 table's
            // layout is [`InfoLayout::Megatec`].
            Dialect::Innovatae => Some((b"I\r", InfoLayout::Innovatae)),
            Dialect::Zinto | Dialect::Hunnox => Some((b"FW?\r", InfoLayout::Standard)),
            _ => Some((b"I\r", InfoLayout::Standard)),
        }
    }

    /// The reply that acknowledges a command, if the dialect sends one.
    pub fn accepted_reply(self) -> Option<&'static [u8]> {
        match self {
            Dialect::Voltronic | Dialect::VoltronicAxpert | Dialect::Mecer => Some(b"(ACK\r"),
            Dialect::Omron => Some(b"OK\r"),
            _ => None,
        }
    }

    /// What the reply to an instant command means. Most Megatec units answer nothing
    /// (accepted) and echo a command they do not know (rejected); some answer `ACK`
    /// (innovatae) or `(ACK`/`(NAK` (mecer, voltronic).
    pub fn command_outcome(self, command: &[u8], reply: Option<&[u8]>) -> CommandOutcome {
        let Some(reply) = reply.filter(|r| !r.is_empty()) else {
            return if self.accepted_reply().is_some() {
                CommandOutcome::NoReply
            } else {
                CommandOutcome::Accepted
            };
        };
        let body = reply.strip_suffix(b"\r").unwrap_or(reply);
        // Omron: any reply starting with "OK" acknowledges ("OKn" included).
        if self == Dialect::Omron && super::omron::acknowledged(reply) {
            return CommandOutcome::Accepted;
        }
        if reply == command || body == command.strip_suffix(b"\r").unwrap_or(command) {
            return CommandOutcome::Rejected;
        }
        if Some(reply) == self.rejected_reply() || body == b"(NAK" || body == b"NAK" {
            return CommandOutcome::Rejected;
        }
        if Some(reply) == self.accepted_reply() || body == b"ACK" || body == b"(ACK" {
            return CommandOutcome::Accepted;
        }
        CommandOutcome::Unexpected
    }

    /// The reply that rejects a command or query (besides an echo of the command).
    pub fn rejected_reply(self) -> Option<&'static [u8]> {
        match self {
            Dialect::Voltronic | Dialect::VoltronicAxpert | Dialect::Mecer => Some(b"(NAK\r"),
            Dialect::Innovatae | Dialect::Innovart31 | Dialect::Innovart33 | Dialect::Omron => {
                Some(b"NAK\r")
            }
            Dialect::VoltronicQsHex => Some(b"N\r"),
            _ => None,
        }
    }

    /// NUT variables of an `F` reply: ablerex reports output nominals (`%.1f`), the others
    /// input nominals.
    pub fn rating_variables(self, rating: &RatingReply) -> Vec<(&'static str, String)> {
        if self == Dialect::Ablerex {
            vec![
                ("output.voltage.nominal", format!("{:.1}", rating.voltage)),
                ("output.current.nominal", format!("{:.1}", rating.current)),
                (
                    "battery.voltage.nominal",
                    format!("{:.1}", rating.battery_voltage),
                ),
                (
                    "output.frequency.nominal",
                    format!("{:.1}", rating.frequency),
                ),
            ]
        } else {
            rating.variables()
        }
    }

    /// `ups.status` words for a status reply. Best Power units report bit 5 only while on line
    /// and neither testing nor shutting down.
    pub fn status_words(self, status: &StatusReply) -> Vec<&'static str> {
        let mut status = *status;
        if self == Dialect::BestUps
            && (status.bits.utility_fail
                || status.bits.test_in_progress
                || status.bits.shutdown_active)
        {
            status.bits.bypass_boost_buck = false;
        }
        status.status_words()
    }

    /// `shutdown.stayoff` bytes: `S<n>R0000\r`, or `S<n>\r` for bestups.
    pub fn shutdown_stayoff(self, offdelay: u32) -> Result<Vec<u8>, commands::CommandError> {
        if self == Dialect::BestUps {
            commands::shutdown_stayoff_short(offdelay)
        } else {
            commands::shutdown_stayoff(offdelay)
        }
    }

    /// `load.off` bytes (ablerex: `S.2\r`).
    pub fn load_off(self) -> Vec<u8> {
        if self == Dialect::Ablerex {
            b"S.2\r".to_vec()
        } else {
            commands::load_off()
        }
    }

    /// Whether the dialect is table-driven ([`super::items`]: q2, q6, gtec, innovart31/33).
    pub fn table_driven(self) -> bool {
        super::items::table(self).is_some()
    }

    /// Whether this dialect claims a UPS, given a way to query it (`None` = no reply).
    fn claims(self, query: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>) -> bool {
        let mut ask =
            |cmd: &[u8]| query(cmd).filter(|reply| Some(reply.as_slice()) != self.rejected_reply());
        let q1_like =
            |reply: Option<Vec<u8>>| reply.is_some_and(|r| StatusReply::parse(&r).is_ok());
        let id_ok = |reply: Option<Vec<u8>>, min: usize| {
            reply.is_some_and(|r| r.len() >= min && r.first() == Some(&b'#'))
        };
        if let Some(table) = super::items::table(self) {
            return super::items::claims(self, table, &mut ask);
        }
        match self {
            // NUT's omron claim needs USB vendor 0590 or `protocol=omron`; a pinned dialect
            // skips detection, so auto-detection never picks it.
            Dialect::Omron => false,
            Dialect::Masterguard => {
                ask(b"WH\r").is_some_and(|r| masterguard::WhReply::parse(&r).is_ok())
                    && ask(b"MSO\r").is_some_and(|r| masterguard::mso(&r).is_ok())
            }
            Dialect::Voltronic => {
                let qgs = ask(b"QGS\r").is_some_and(|r| {
                    r.len() >= 76
                        && r.first() == Some(&b'(')
                        && number("input.voltage", r.get(1..6).unwrap_or(&[])).is_ok()
                });
                qgs && ask(b"QPI\r").is_some_and(|r| {
                    matches!(
                        r.get(..5),
                        Some(
                            b"(PI00"
                                | b"(PI01"
                                | b"(PI02"
                                | b"(PI03"
                                | b"(PI08"
                                | b"(PI09"
                                | b"(PI10"
                                | b"(PI13"
                                | b"(PI14"
                                | b"(PI31"
                                | b"(PI99"
                        )
                    )
                })
            }
            Dialect::VoltronicAxpert => {
                ask(&voltronic_axpert::with_crc(b"QPI\r")).is_some_and(|r| {
                    voltronic_axpert::protocol(&voltronic_axpert::strip_crc(&r)).is_some()
                })
            }
            Dialect::VoltronicQs => {
                ask(b"M\r").is_some_and(|r| voltronic_qs::protocol_letter(&r, b"VH").is_some())
                    && q1_like(ask(b"QS\r"))
            }
            Dialect::VoltronicQsHex => {
                ask(b"M\r").is_some_and(|r| voltronic_qs::protocol_letter(&r, b"PT").is_some())
                    && ask(b"QS\r").is_some_and(|r| voltronic_qs::QsHexReply::parse(&r).is_some())
            }
            Dialect::Mustek | Dialect::MegatecOld | Dialect::Innovatae | Dialect::Q1 => {
                q1_like(ask(self.status_command()))
            }
            Dialect::BestUps => {
                q1_like(ask(b"Q1\r"))
                    && ask(b"ID\r").is_some_and(|r| {
                        let body = r.strip_suffix(b"\r").unwrap_or(&r);
                        let fields: Vec<&[u8]> = body.split(|&b| b == b',').collect();
                        fields.len() == 6
                            && (25..=27).contains(&body.len())
                            && fields.first().is_some_and(|f| f.len() == 3)
                    })
            }
            Dialect::Mecer => {
                // A "(NAK" answer to QPI is tolerated (the item is then skipped).
                q1_like(ask(b"Q1\r"))
                    && query(b"QPI\r").is_some_and(|r| r.starts_with(b"(PI98") || r == b"(NAK\r")
            }
            Dialect::Megatec | Dialect::Zinto | Dialect::Hunnox | Dialect::Ablerex => {
                let Some((cmd, layout)) = self.info_command() else {
                    return false;
                };
                q1_like(ask(b"Q1\r")) && id_ok(ask(cmd), layout.min_len())
            }
            Dialect::Innovart31
            | Dialect::Innovart33
            | Dialect::Q2
            | Dialect::Q6
            | Dialect::Gtec => false,
        }
    }
}

/// Auto-detects the dialect: `query` sends a command and returns the reply (`None` when the
/// UPS did not answer). Dialects are tried in NUT's order; the first to claim wins.
pub fn detect(mut query: impl FnMut(&[u8]) -> Option<Vec<u8>>) -> Option<Dialect> {
    Dialect::ALL.into_iter().find(|d| d.claims(&mut query))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ups(
        table: &'static [(&'static [u8], &'static [u8])],
    ) -> impl FnMut(&[u8]) -> Option<Vec<u8>> {
        move |cmd: &[u8]| {
            table
                .iter()
                .find(|(c, _)| *c == cmd)
                .map(|(_, r)| r.to_vec())
                // Unknown commands are echoed back.
                .or_else(|| Some(cmd.to_vec()))
        }
    }

    const Q1: &[u8] = b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r";
    const I: &[u8] = b"#NOT_A_LIVE_UPS  TESTING    TESTING   \r";

    #[test]
    fn detection_order() {
        assert_eq!(
            detect(ups(&[(b"Q1\r", Q1), (b"I\r", I)])),
            Some(Dialect::Megatec)
        );
        assert_eq!(
            detect(ups(&[(b"D\r", Q1), (b"I\r", I)])),
            Some(Dialect::MegatecOld)
        );
        assert_eq!(detect(ups(&[(b"QS\r", Q1)])), Some(Dialect::Mustek));
        assert_eq!(
            detect(ups(&[(b"Q1\r", Q1), (b"FW?\r", I)])),
            Some(Dialect::Zinto)
        );
        assert_eq!(
            detect(ups(&[
                (b"Q1\r", Q1),
                (b"ID\r", b"FOR,750,120,120,20.0,27.6\r")
            ])),
            Some(Dialect::BestUps)
        );
        assert_eq!(
            detect(ups(&[(b"Q1\r", Q1), (b"QPI\r", b"(PI98\r")])),
            Some(Dialect::Mecer)
        );
        assert_eq!(detect(ups(&[(b"Q1\r", Q1)])), Some(Dialect::Innovatae));
        assert_eq!(detect(ups(&[])), None);
        assert_eq!(detect(|_: &[u8]| None), None);
    }

    #[test]
    fn names() {
        for d in Dialect::ALL {
            assert_eq!(Dialect::from_name(d.name()), Some(d));
        }
        assert_eq!(Dialect::from_name("MEGATEC/OLD"), Some(Dialect::MegatecOld));
    }

    #[test]
    fn bestups_bit5() {
        let s = StatusReply::parse(b"(215.0 195.0 230.0 014 49.0 22.7 30.0 10100000\r").unwrap();
        assert_eq!(Dialect::BestUps.status_words(&s), ["OB"]);
        assert_eq!(Dialect::Megatec.status_words(&s), ["OB", "BOOST"]);
    }
}
