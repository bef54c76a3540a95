//! NUT's apcsmart tables as data: variables, instant commands, status bits, transfer reasons,
//! compatibility command sets for firmware that does not answer `a`, and protocol constants.
//!
//! Content follows `research-data/apcsmart/*.tsv` (NUT's `apcsmart_tabs.c`, GPL-2.0-or-later;
//! cells are facts of the protocol, rewritten here as Rust data).

/// `Q`: read the status byte.
pub const CMD_STATUS: u8 = b'Q';
/// `Y`: enter smart mode (answer `SM`).
pub const CMD_GOSMART: u8 = b'Y';
/// `R`: leave smart mode (answer `BYE`).
pub const CMD_GODUMB: u8 = b'R';
/// `a`: the protocol version, alert characters and command characters.
pub const CMD_CMDSET: u8 = b'a';
/// `^Z`: the settable values of every writable variable.
pub const CMD_CAPS: u8 = 0x1a;
/// `-`: cycle the variable last read to its next value.
pub const CMD_NEXTVAL: u8 = b'-';
/// `V`: old-style firmware id.
pub const CMD_FW_OLD: u8 = b'V';
/// `b`: new-style firmware id.
pub const CMD_FW_NEW: u8 = b'b';
/// ESC, sent between smart-mode attempts to leave any half-entered command.
pub const ESC: u8 = 0x1b;
/// Characters NUT never probes even when `a` lists them (`APC_UNR_CMDS`).
pub const UNPROBED_CMDS: &[u8] = b"\x1a\x7f~')-+8QRYayz";
/// Maximum length of a string variable (`APC_STRLEN`).
pub const STRING_LEN: usize = 8;
/// A nasty command must be confirmed no sooner than this many seconds (`MINCMDTIME`).
pub const CONFIRM_MIN_SECS: u64 = 3;
/// … and no later than this many seconds (`MAXCMDTIME`).
pub const CONFIRM_MAX_SECS: u64 = 15;
/// Most fields of a packed (`APC_PACK`, Measure-UPS) reply that are published (`APC_PACK_MAX`).
pub const PACK_MAX: usize = 4;
/// Separates the fields of a packed reply.
pub const PACK_SEPARATOR: char = ',';
/// What an empty field of a packed reply is published as.
pub const PACK_EMPTY: &str = "N/A";
/// The alternate cable that needs DTR set and RTS cleared.
pub const ALT_CABLE_1: &str = "940-0095B";

/// The keys `apcsmart -h` lists (besides the common driver keys).
pub const CONFIG_KEYS: &[&str] = &["ttymode", "cable", "awd", "sdtype", "advorder", "cshdelay"];

/// How a raw reply turns into NUT's value (`APC_F_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Passed through unchanged (percent, volts, amps, °C, hex, decimal, seconds, none).
    Leave,
    /// Hours → seconds (leading integer × 3600).
    Hours,
    /// Minutes → seconds (leading integer × 60).
    Minutes,
    /// Transfer-reason letter → text.
    Reason,
}

/// Which of several variables sharing one command character a reply belongs to
/// (`APC_MULTI` with its `value_regex`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Any reply.
    Any,
    /// `^[0-9]{2}\.[0-9]{2}$` (Measure-UPS temperature).
    TwoDotTwo,
    /// `^[0-9]{3}\.[0-9]{1}$` (uptime in hours).
    ThreeDotOne,
    /// `^[[:alnum:]]+\.[[:alnum:]]+\.[[:alnum:]]+$` (new firmware id).
    ThreeAlnumParts,
}

impl Shape {
    /// Whether `value` has this shape.
    pub fn matches(self, value: &str) -> bool {
        fn digits_dot_digits(value: &str, left: usize, right: usize) -> bool {
            let mut parts = value.split('.');
            let ok = |p: Option<&str>, n: usize| {
                p.is_some_and(|p| p.len() == n && p.bytes().all(|b| b.is_ascii_digit()))
            };
            ok(parts.next(), left) && ok(parts.next(), right) && parts.next().is_none()
        }
        match self {
            Shape::Any => true,
            Shape::TwoDotTwo => digits_dot_digits(value, 2, 2),
            Shape::ThreeDotOne => digits_dot_digits(value, 3, 1),
            Shape::ThreeAlnumParts => {
                let parts: Vec<&str> = value.split('.').collect();
                parts.len() == 3
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
            }
        }
    }
}

/// One row of NUT's variable table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarDef {
    /// The command character that reads it.
    pub cmd: u8,
    /// NUT's variable name.
    pub name: &'static str,
    /// Read on every poll (`APC_POLL`); others are read at start and hourly.
    pub poll: bool,
    /// A writable string of at most [`STRING_LEN`] bytes (`APC_STRING`).
    pub string: bool,
    /// One of several values in one reply (`APC_PACK`, Measure-UPS): the fields of a
    /// comma-separated reply are published with the `0` of the name replaced by the
    /// field's number from 1 (see [`super::parse::unpack`]); never writable.
    pub pack: bool,
    /// Which reply shape selects this row among rows sharing `cmd` (`APC_MULTI`).
    pub shape: Shape,
    /// The conversion.
    pub format: Format,
}

const fn var(cmd: u8, name: &'static str, poll: bool, format: Format) -> VarDef {
    VarDef {
        cmd,
        name,
        poll,
        string: false,
        pack: false,
        shape: Shape::Any,
        format,
    }
}

const fn string(cmd: u8, name: &'static str) -> VarDef {
    VarDef {
        string: true,
        ..var(cmd, name, false, Format::Leave)
    }
}

const fn pack(cmd: u8, name: &'static str, shape: Shape) -> VarDef {
    VarDef {
        pack: true,
        shape,
        ..var(cmd, name, true, Format::Leave)
    }
}

const fn multi(cmd: u8, name: &'static str, poll: bool, shape: Shape, format: Format) -> VarDef {
    VarDef {
        shape,
        ..var(cmd, name, poll, format)
    }
}

use Format::{Hours, Leave, Minutes, Reason};

/// NUT's variable table, in NUT's order (the order decides among `APC_MULTI` rows).
pub const VARS: &[VarDef] = &[
    var(b'C', "ups.temperature", true, Leave),
    var(b'P', "ups.load", true, Leave),
    var(b'E', "ups.test.interval", false, Hours),
    var(b'X', "ups.test.result", true, Leave),
    var(b'r', "ups.delay.start", false, Leave),
    var(b'p', "ups.delay.shutdown", false, Leave),
    string(b'c', "ups.id"),
    var(b'i', "ups.contacts", true, Leave),
    var(0x0c, "ups.display.language", false, Leave),
    var(b'L', "input.voltage", true, Leave),
    var(b'F', "input.frequency", true, Leave),
    var(b's', "input.sensitivity", false, Leave),
    var(b'9', "input.quality", true, Leave),
    var(b'l', "input.transfer.low", false, Leave),
    var(b'u', "input.transfer.high", false, Leave),
    var(b'G', "input.transfer.reason", true, Reason),
    var(b'M', "input.voltage.maximum", true, Leave),
    var(b'N', "input.voltage.minimum", true, Leave),
    var(b'/', "output.current", true, Leave),
    var(b'O', "output.voltage", true, Leave),
    var(b'o', "output.voltage.nominal", false, Leave),
    var(b'h', "ambient.humidity", true, Leave),
    pack(b'H', "ambient.0.humidity", Shape::Any),
    pack(b'{', "ambient.0.humidity.high", Shape::Any),
    pack(b'}', "ambient.0.humidity.low", Shape::Any),
    var(b't', "ambient.temperature", true, Leave),
    pack(b'T', "ambient.0.temperature", Shape::TwoDotTwo),
    pack(b'[', "ambient.0.temperature.high", Shape::Any),
    pack(b']', "ambient.0.temperature.low", Shape::Any),
    string(b'x', "battery.date"),
    var(b'f', "battery.charge", true, Leave),
    var(b'e', "battery.charge.restart", false, Leave),
    var(b'B', "battery.voltage", true, Leave),
    var(b'g', "battery.voltage.nominal", false, Leave),
    var(b'j', "battery.runtime", true, Minutes),
    var(b'q', "battery.runtime.low", false, Minutes),
    var(b'>', "battery.packs", false, Leave),
    var(b'<', "battery.packs.bad", false, Leave),
    var(b'k', "battery.alarm.threshold", false, Leave),
    multi(b'T', "device.uptime", true, Shape::ThreeDotOne, Hours),
    var(b'n', "ups.serial", false, Leave),
    var(b'm', "ups.mfr.date", false, Leave),
    var(0x01, "ups.model", false, Leave),
    var(b'v', "ups.firmware.aux", false, Leave),
    multi(b'b', "ups.firmware", false, Shape::ThreeAlnumParts, Leave),
    multi(b'V', "ups.firmware", false, Shape::Any, Leave),
];

/// The rows of [`VARS`] read by command character `cmd`.
pub fn vars_for(cmd: u8) -> impl Iterator<Item = &'static VarDef> {
    VARS.iter().filter(move |v| v.cmd == cmd)
}

/// The row of [`VARS`] named `name` that is first in NUT's order.
pub fn var_named(name: &str) -> Option<&'static VarDef> {
    VARS.iter().find(|v| v.name == name)
}

/// The optional argument an instant command accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmdArg {
    /// No argument.
    None,
    /// `at:N` with 1–3 digits (`^[Aa][Tt]:[0-9]{1,3}$`): hard hibernate with a wake-up delay.
    At,
    /// Nothing or `cs` (`^([Cc][Ss]|)$`): soft hibernate, or the "force OB" hack.
    SoftOrCs,
}

impl CmdArg {
    /// Whether `arg` is acceptable (a missing argument counts as the empty string where the
    /// pattern allows it, as NUT matches `""`).
    pub fn accepts(self, arg: Option<&str>) -> bool {
        match (self, arg) {
            (CmdArg::None, None) => true,
            (CmdArg::None, Some(_)) => false,
            (CmdArg::At, Some(a)) => parse_at(a).is_some(),
            (CmdArg::At, None) => false,
            (CmdArg::SoftOrCs, a) => matches!(a.unwrap_or(""), "" | "cs" | "cS" | "Cs" | "CS"),
        }
    }
}

/// The digits of an `at:N` argument (1–3 digits), if it is one.
pub fn parse_at(arg: &str) -> Option<&str> {
    let (prefix, digits) = arg.split_at_checked(3)?;
    (prefix.eq_ignore_ascii_case("at:")
        && (1..=3).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit()))
    .then_some(digits)
}

/// One instant command of NUT's command table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmdDef {
    /// NUT's command name.
    pub name: &'static str,
    /// The command character.
    pub cmd: u8,
    /// The optional argument.
    pub arg: CmdArg,
    /// Must be requested twice, 3–15 s apart (`APC_NASTY`).
    pub nasty: bool,
    /// The character is sent twice, about 1.5 s apart (`APC_REPEAT`).
    pub repeat: bool,
}

const fn cmd(name: &'static str, cmd: u8, arg: CmdArg, nasty: bool, repeat: bool) -> CmdDef {
    CmdDef {
        name,
        cmd,
        arg,
        nasty,
        repeat,
    }
}

/// NUT's instant-command table, in NUT's order.
pub const CMDS: &[CmdDef] = &[
    cmd("shutdown.return", b'@', CmdArg::At, true, false),
    cmd("shutdown.return", b'S', CmdArg::SoftOrCs, true, false),
    cmd("shutdown.stayoff", b'K', CmdArg::None, true, true),
    cmd("load.off", b'Z', CmdArg::None, true, true),
    cmd("load.on", 0x0e, CmdArg::None, false, true),
    cmd("calibrate.start", b'D', CmdArg::None, false, false),
    cmd("calibrate.stop", b'D', CmdArg::None, false, false),
    cmd("test.panel.start", b'A', CmdArg::None, false, false),
    cmd("test.failure.start", b'U', CmdArg::None, false, false),
    cmd("test.battery.start", b'W', CmdArg::None, false, false),
    cmd("test.battery.stop", b'W', CmdArg::None, false, false),
    cmd("bypass.start", b'^', CmdArg::None, false, false),
    cmd("bypass.stop", b'^', CmdArg::None, false, false),
];

/// Status byte bits (`Q`) and their `ups.status` words, in the order NUT sets them.
pub const STATUS_BITS: &[(u8, &str)] = &[
    (0x01, "CAL"),
    (0x02, "TRIM"),
    (0x04, "BOOST"),
    (0x08, "OL"),
    (0x10, "OB"),
    (0x20, "OVER"),
    (0x40, "LB"),
    (0x80, "RB"),
];

/// Bit of the status byte: on line.
pub const STAT_OL: u8 = 0x08;
/// Bit of the status byte: on battery.
pub const STAT_OB: u8 = 0x10;
/// Bit of the status byte: overload.
pub const STAT_OVER: u8 = 0x20;
/// Bit of the status byte: low battery.
pub const STAT_LB: u8 = 0x40;
/// Bit of the status byte: replace battery.
pub const STAT_RB: u8 = 0x80;
/// Bit of the status byte: runtime calibration.
pub const STAT_CAL: u8 = 0x01;

/// `G` reply letters and their `input.transfer.reason` texts.
pub const TRANSFER_REASONS: &[(char, &str)] = &[
    ('R', "unacceptable utility voltage rate of change"),
    ('H', "high utility voltage"),
    ('L', "low utility voltage"),
    ('T', "line voltage notch or spike"),
    ('O', "no transfers yet since turnon"),
    ('S', "simulated power failure or UPS test"),
];

/// Command sets of old firmware that does not answer `a`: firmware id (`V` or `b` reply) →
/// supported command characters.
pub const COMPAT: &[(&str, &[u8])] = &[
    ("0XI", FULL_52),
    ("0XM", FULL_52),
    ("0ZI", SET_45),
    ("5UI", SET_45),
    ("5ZM", SET_45),
    ("6QD", SET_42),
    ("6QI", SET_42),
    ("6TD", SET_42),
    ("6TI", SET_42),
    ("7QD", SET_42),
    ("7QI", SET_42),
    ("7TD", SET_42),
    ("7TI", SET_42),
    ("6JI", b"@789ABCFGKLMNOPQSTUVWXYZfg"),
    ("7II", SET_27),
    ("9II", SET_27),
    ("9GI", SET_27),
    ("8II", SET_27),
    ("8GI", b"@79ABCEFGKLMNOPQRSUVWXYZfg"),
    ("8QD", SET_42),
    ("8QI", SET_42),
    ("8TD", SET_42),
    ("8TI", SET_42),
    ("5.4.D", b"@\x01ABPQRSUYbdfgjmnx9"),
    ("set\x01", SET_BASIC),
];

const FULL_52: &[u8] = b"@789ABCDEFGKLMNOPQRSTUVWXYZcefgjklmnopqrsuwxz/<>\\^\x0c\x16";
const SET_45: &[u8] = b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>";
const SET_42: &[u8] = b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz";
const SET_27: &[u8] = b"@79ABCEFGKLMNOPQRSUVWXYZcfg";
/// The command set assumed when neither `a` nor a compatibility table answers: what the
/// real NUT 2.8.0 driver shows for such a UPS (found by the differential test): model,
/// serial, firmware, temperature, load, input/output/battery voltage, charge, status.
pub const BASIC: &[u8] = b"\x01nbVCPLOBfQ";
/// The last compatibility row's set (the basic Smart commands of `set^A` firmware).
const SET_BASIC: &[u8] = b"@789ABCFGKLMNOPQRSUVWXYZ";

/// The compatibility command set for firmware id `firmware`, if NUT knows it.
pub fn compat_for(firmware: &str) -> Option<&'static [u8]> {
    COMPAT
        .iter()
        .find(|(key, _)| *key == firmware)
        .map(|(_, cmds)| *cmds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_nut_sizes() {
        assert_eq!(VARS.len(), 46);
        assert_eq!(CMDS.len(), 13);
        assert_eq!(COMPAT.len(), 25);
        assert_eq!(FULL_52.len(), 52);
        assert_eq!(SET_45.len(), 45);
        assert_eq!(SET_42.len(), 42);
        assert_eq!(SET_27.len(), 27);
    }

    #[test]
    fn shapes() {
        assert!(Shape::ThreeAlnumParts.matches("736.1.I"));
        assert!(!Shape::ThreeAlnumParts.matches("DWI"));
        assert!(!Shape::ThreeAlnumParts.matches("7..I"));
        assert!(Shape::ThreeDotOne.matches("123.4"));
        assert!(!Shape::ThreeDotOne.matches("12.34"));
        assert!(Shape::TwoDotTwo.matches("12.34"));
    }

    #[test]
    fn at_argument() {
        assert_eq!(parse_at("at:12"), Some("12"));
        assert_eq!(parse_at("AT:000"), Some("000"));
        assert_eq!(parse_at("at:1234"), None);
        assert_eq!(parse_at("at:"), None);
        assert_eq!(parse_at("a"), None);
        assert!(CmdArg::SoftOrCs.accepts(None));
        assert!(CmdArg::SoftOrCs.accepts(Some("CS")));
        assert!(!CmdArg::SoftOrCs.accepts(Some("x")));
        assert!(!CmdArg::None.accepts(Some("x")));
    }
}
