//! Instant commands of the Megatec dialect family, as the bytes to send (CR included).
//!
//! Delay formatting follows NUT's blazer rules: the shutdown delay `n` is `.d` (offdelay / 6,
//! for offdelay below 60 s) or two-digit minutes; the restart delay `m` is ondelay in minutes
//! as four digits (`R` part omitted for `shutdown.return` when ondelay is 0, `R0000` = stay
//! off). Test durations are whole minutes, two digits.

/// Why a command could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// A delay or duration does not fit the protocol's field.
    #[error("{what} of {value} s is out of range ({min}..={max} s)")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value given, in seconds.
        value: u32,
        /// Smallest accepted value.
        min: u32,
        /// Largest accepted value.
        max: u32,
    },
}

/// Largest shutdown delay: 99 minutes.
pub const MAX_OFFDELAY: u32 = 99 * 60;
/// Largest restart delay: 9999 minutes.
pub const MAX_ONDELAY: u32 = 9999 * 60;
/// Battery test duration range (seconds): 1 to 99 minutes.
pub const TEST_DURATION: (u32, u32) = (60, 99 * 60);
/// Default `test.battery.start` duration (seconds).
pub const DEFAULT_TEST_DURATION: u32 = 600;

fn cmd(body: &str) -> Vec<u8> {
    let mut bytes = body.as_bytes().to_vec();
    bytes.push(b'\r');
    bytes
}

/// The shutdown delay field: `.d` (offdelay / 6) below 60 s, else minutes as `%02d`.
pub fn offdelay_field(offdelay: u32) -> Result<String, CommandError> {
    if offdelay > MAX_OFFDELAY {
        return Err(CommandError::OutOfRange {
            what: "shutdown delay",
            value: offdelay,
            min: 0,
            max: MAX_OFFDELAY,
        });
    }
    Ok(if offdelay < 60 {
        format!(".{}", offdelay / 6)
    } else {
        format!("{:02}", offdelay / 60)
    })
}

/// The restart delay field: ondelay in minutes as `%04d`.
pub fn ondelay_field(ondelay: u32) -> Result<String, CommandError> {
    if ondelay > MAX_ONDELAY {
        return Err(CommandError::OutOfRange {
            what: "restart delay",
            value: ondelay,
            min: 0,
            max: MAX_ONDELAY,
        });
    }
    Ok(format!("{:04}", ondelay / 60))
}

/// `test.battery.start.quick`: `T\r` (10-second test).
pub fn test_battery_quick() -> Vec<u8> {
    cmd("T")
}

/// `test.battery.start.deep`: `TL\r` (test until battery low).
pub fn test_battery_deep() -> Vec<u8> {
    cmd("TL")
}

/// `test.battery.start`: `T<mm>\r`, duration in seconds (60..=5940) as whole minutes.
pub fn test_battery_start(duration: u32) -> Result<Vec<u8>, CommandError> {
    let (min, max) = TEST_DURATION;
    if !(min..=max).contains(&duration) {
        return Err(CommandError::OutOfRange {
            what: "test duration",
            value: duration,
            min,
            max,
        });
    }
    Ok(cmd(&format!("T{:02}", duration / 60)))
}

/// `test.battery.stop`: `CT\r`.
pub fn test_battery_stop() -> Vec<u8> {
    cmd("CT")
}

/// `beeper.toggle`: `Q\r`.
pub fn beeper_toggle() -> Vec<u8> {
    cmd("Q")
}

/// `shutdown.return`: `S<n>R<mmmm>\r`, or `S<n>\r` when `ondelay` is 0.
pub fn shutdown_return(offdelay: u32, ondelay: u32) -> Result<Vec<u8>, CommandError> {
    let n = offdelay_field(offdelay)?;
    Ok(if ondelay == 0 {
        cmd(&format!("S{n}"))
    } else {
        cmd(&format!("S{n}R{}", ondelay_field(ondelay)?))
    })
}

/// `shutdown.stayoff`: `S<n>R0000\r` (the Megatec table's template `S%sR0000`).
pub fn shutdown_stayoff(offdelay: u32) -> Result<Vec<u8>, CommandError> {
    Ok(cmd(&format!("S{}R0000", offdelay_field(offdelay)?)))
}

/// `shutdown.stayoff` for dialects whose template is plain `S%s` (bestups): `S<n>\r`.
pub fn shutdown_stayoff_short(offdelay: u32) -> Result<Vec<u8>, CommandError> {
    Ok(cmd(&format!("S{}", offdelay_field(offdelay)?)))
}

/// `shutdown.stop`: `C\r`.
pub fn shutdown_stop() -> Vec<u8> {
    cmd("C")
}

/// `load.off`: `S00R0000\r` (off now, stay off).
pub fn load_off() -> Vec<u8> {
    cmd("S00R0000")
}

/// `load.on`: `C\r`.
pub fn load_on() -> Vec<u8> {
    cmd("C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_commands() {
        assert_eq!(test_battery_quick(), b"T\r");
        assert_eq!(test_battery_deep(), b"TL\r");
        assert_eq!(test_battery_stop(), b"CT\r");
        assert_eq!(beeper_toggle(), b"Q\r");
        assert_eq!(shutdown_stop(), b"C\r");
        assert_eq!(load_on(), b"C\r");
        assert_eq!(load_off(), b"S00R0000\r");
    }

    #[test]
    fn delays() {
        // The vectors of NUT's testing tables.
        assert_eq!(shutdown_return(120, 300).unwrap(), b"S02R0005\r");
        assert_eq!(shutdown_return(180, 0).unwrap(), b"S03\r");
        assert_eq!(shutdown_stayoff(30).unwrap(), b"S.5R0000\r");
        assert_eq!(shutdown_return(30, 60).unwrap(), b"S.5R0001\r");
        assert_eq!(shutdown_return(60, 60).unwrap(), b"S01R0001\r");
        assert_eq!(shutdown_return(12, 180).unwrap(), b"S.2R0003\r");
        assert_eq!(shutdown_return(59, 119).unwrap(), b"S.9R0001\r");
        assert_eq!(shutdown_return(5940, 599_940).unwrap(), b"S99R9999\r");
        assert_eq!(shutdown_stayoff_short(180).unwrap(), b"S03\r");
        assert!(shutdown_return(6000, 0).is_err());
        assert!(shutdown_return(60, 600_000).is_err());
        assert_eq!(test_battery_start(240).unwrap(), b"T04\r");
        assert_eq!(test_battery_start(DEFAULT_TEST_DURATION).unwrap(), b"T10\r");
        assert!(test_battery_start(59).is_err());
        assert!(test_battery_start(6000).is_err());
    }
}
