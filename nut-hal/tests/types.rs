//! Error kinds and data types.

use std::io;

use nut_hal::snmp::{Oid, SnmpValue, VarBind};
use nut_hal::{Error, ErrorKind, LineSettings, ModemLines, Parity, StopBits, WrapError};

#[test]
fn io_errors_map_to_portable_kinds() {
    let cases = [
        (io::ErrorKind::TimedOut, ErrorKind::Timeout),
        (io::ErrorKind::BrokenPipe, ErrorKind::Disconnected),
        (io::ErrorKind::UnexpectedEof, ErrorKind::Disconnected),
        (io::ErrorKind::NotFound, ErrorKind::Disconnected),
        (io::ErrorKind::InvalidInput, ErrorKind::InvalidInput),
        (io::ErrorKind::InvalidData, ErrorKind::Protocol),
        (io::ErrorKind::Unsupported, ErrorKind::Unsupported),
        (io::ErrorKind::PermissionDenied, ErrorKind::PermissionDenied),
        (io::ErrorKind::ResourceBusy, ErrorKind::Busy),
        (io::ErrorKind::Other, ErrorKind::Io),
    ];
    for (io_kind, kind) in cases {
        assert_eq!(Error::kind(&io::Error::from(io_kind)), kind, "{io_kind:?}");
    }
}

#[test]
fn wrap_error_passes_the_inner_kind_through() {
    let inner: WrapError<io::Error> = WrapError::Inner(io::ErrorKind::TimedOut.into());
    assert_eq!(inner.kind(), ErrorKind::Timeout);
    let own: WrapError<io::Error> = WrapError::own(ErrorKind::Protocol, "x");
    assert_eq!(own.kind(), ErrorKind::Protocol);
    assert_eq!(own.to_string(), "protocol error: x");
}

#[test]
fn oid_parses_prints_and_orders() {
    let a: Oid = "1.3.6.1.2.1.33.1.2.1.0".parse().unwrap();
    assert_eq!(a.to_string(), "1.3.6.1.2.1.33.1.2.1.0");
    assert_eq!(".1.3".parse::<Oid>().unwrap(), Oid::new([1, 3]));
    for bad in ["", ".", "1..3", "1.x", "1.3.", "1.99999999999"] {
        let e = bad.parse::<Oid>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    let root = Oid::new([1, 3, 6]);
    assert!(root.is_prefix_of(&root.child(1)));
    assert!(!root.child(1).is_prefix_of(&root));
    assert!(root.child(2) < root.child(10));
    let vb = VarBind {
        oid: root.child(1),
        value: SnmpValue::Gauge32(230),
    };
    assert_eq!(vb.oid.arcs(), &[1, 3, 6, 1]);
}

#[test]
fn line_settings_and_modem_lines() {
    let d = LineSettings::default();
    assert_eq!(
        (d.baud, d.data_bits, d.parity, d.stop_bits),
        (2400, 8, Parity::None, StopBits::One)
    );
    let l = ModemLines::CTS | ModemLines::DSR;
    assert!(l.contains(ModemLines::CTS) && !l.contains(ModemLines::RI));
    assert_eq!(ErrorKind::Disconnected.to_string(), "disconnected");
}
