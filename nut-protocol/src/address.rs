//! NUT's UPS address syntax, used by `upsmon.conf` `MONITOR`, `upsc`, `upsrw`, `upscmd` and
//! `upslog`: `upsname[@host[:port]]`, with IPv6 literals in brackets (`ups@[::1]:3493`).
//!
//! ```
//! use nut_protocol::address::UpsAddress;
//!
//! let a: UpsAddress = "myups@[::1]:4000".parse().unwrap();
//! assert_eq!((a.ups.as_str(), a.host.as_str(), a.port), ("myups", "::1", 4000));
//! assert_eq!(a.to_string(), "myups@[::1]:4000");
//! let local: UpsAddress = "myups".parse().unwrap();
//! assert_eq!(local.host, "localhost");
//! ```

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use nom::branch::alt;
use nom::bytes::complete::{take_till1, take_while1};
use nom::character::complete::{char, digit1};
use nom::combinator::{all_consuming, map_res, opt};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

/// The NUT port used when an address gives none.
pub const DEFAULT_PORT: u16 = 3493;
/// The host used when an address gives none.
pub const DEFAULT_HOST: &str = "localhost";

/// A UPS on a upsd: `upsname@host:port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UpsAddress {
    /// The UPS name on that server.
    pub ups: String,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Why an address could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad UPS address {text:?}: expected upsname[@host[:port]]")]
pub struct AddressError {
    /// The text that was given.
    pub text: String,
}

fn ups_name(input: &str) -> IResult<&str, &str> {
    take_till1(|c| c == '@').parse(input)
}

fn host(input: &str) -> IResult<&str, &str> {
    alt((
        delimited(char('['), take_while1(|c| c != ']'), char(']')),
        take_while1(|c| !matches!(c, ':' | '[' | ']' | '@')),
    ))
    .parse(input)
}

fn port(input: &str) -> IResult<&str, u16> {
    map_res(digit1, str::parse::<u16>).parse(input)
}

/// `host[:port]` after the `@`.
type HostPart<'a> = Option<(&'a str, Option<u16>)>;

fn address(input: &str) -> IResult<&str, (&str, HostPart<'_>)> {
    all_consuming((
        ups_name,
        opt(preceded(char('@'), (host, opt(preceded(char(':'), port))))),
    ))
    .parse(input)
}

impl FromStr for UpsAddress {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || AddressError {
            text: String::from(text),
        };
        let (_, (ups, rest)) = address(text).map_err(|_| error())?;
        let (host, port) = rest.unwrap_or((DEFAULT_HOST, None));
        let port = port.unwrap_or(DEFAULT_PORT);
        if port == 0 {
            return Err(error());
        }
        Ok(UpsAddress {
            ups: String::from(ups),
            host: String::from(host),
            port,
        })
    }
}

impl fmt::Display for UpsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "{}@[{}]:{}", self.ups, self.host, self.port)
        } else {
            write!(f, "{}@{}:{}", self.ups, self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    #[test]
    fn forms() {
        let a: UpsAddress = "u@host".parse().unwrap();
        assert_eq!((a.host.as_str(), a.port), ("host", 3493));
        let b: UpsAddress = "u@10.0.0.1:1234".parse().unwrap();
        assert_eq!((b.host.as_str(), b.port), ("10.0.0.1", 1234));
        let c: UpsAddress = "u@[fe80::1]".parse().unwrap();
        assert_eq!((c.host.as_str(), c.port), ("fe80::1", 3493));
    }

    #[test]
    fn bad_addresses() {
        for bad in [
            "",
            "@host",
            "u@",
            "u@host:",
            "u@host:0",
            "u@host:70000",
            "u@host:x",
            "u@[::1",
            "u@a@b",
        ] {
            assert!(bad.parse::<UpsAddress>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn display_parses_back(ups in "[a-zA-Z0-9_.-]{1,20}", host in "([a-z0-9.-]{1,20}|[0-9a-f:]{2,20})", port in 1u16..) {
            let address = UpsAddress { ups, host, port };
            prop_assert_eq!(address.to_string().parse::<UpsAddress>(), Ok(address));
        }
    }
}
