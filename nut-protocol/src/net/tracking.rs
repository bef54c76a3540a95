//! Protocol 1.3 command tracking: ids and results.

use core::fmt;
use core::str::FromStr;

use nom::Parser;
use nom::bytes::complete::take_while_m_n;
use nom::character::complete::char;
use nom::combinator::all_consuming;

/// A tracking id: a random UUID version 4, written in upper-case hex as
/// `XXXXXXXX-XXXX-4XXX-[89AB]XXX-XXXXXXXXXXXX` (upsd's `nut_uuid_v4`).
///
/// ```
/// use nut_protocol::net::TrackingId;
///
/// let id = TrackingId::from_random_bytes([0xab; 16]);
/// assert_eq!(id.to_string(), "ABABABAB-ABAB-4BAB-ABAB-ABABABABABAB");
/// assert_eq!("ababab ab".parse::<TrackingId>().is_err(), true);
/// assert_eq!(id.to_string().parse::<TrackingId>(), Ok(id));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingId([u8; 16]);

/// Why a word is not a [`TrackingId`]. Positions are byte offsets in the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrackingIdError {
    /// Not `8-4-4-4-12` hex digits.
    #[error("not a UUID (8-4-4-4-12 hex digits)")]
    Malformed,
    /// The version nibble (byte 14 of the text) is not `4`.
    #[error("byte 14: UUID version is not 4")]
    NotVersion4,
    /// The variant nibble (byte 19 of the text) is not one of `8`, `9`, `A`, `B`.
    #[error("byte 19: UUID variant is not RFC 4122 (8, 9, A or B)")]
    WrongVariant,
}

impl TrackingId {
    /// Makes an id from 16 random bytes the caller drew, setting the version (4) and variant
    /// bits exactly as upsd does. This crate has no random number generator.
    pub fn from_random_bytes(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        TrackingId(bytes)
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Reads the text form. Hex digits may be of either case (upsd writes upper case and
    /// compares ids case-insensitively); version and variant must be those of a UUIDv4.
    pub fn parse(text: &str) -> Result<Self, TrackingIdError> {
        let hex = |n: usize| take_while_m_n(n, n, |c: char| c.is_ascii_hexdigit());
        let mut shape = all_consuming((
            hex(8),
            char('-'),
            hex(4),
            char('-'),
            hex(4),
            char('-'),
            hex(4),
            char('-'),
            hex(12),
        ));
        let parsed: nom::IResult<&str, _> = shape.parse(text);
        let (_, (a, _, b, _, c, _, d, _, e)) = parsed.map_err(|_| TrackingIdError::Malformed)?;
        let mut bytes = [0u8; 16];
        let digits = [a, b, c, d, e]
            .into_iter()
            .flat_map(str::chars)
            .filter_map(|c| c.to_digit(16));
        let mut count = 0;
        for (index, digit) in digits.enumerate() {
            // 32 hex digits exactly, guaranteed by the shape above; `get_mut` keeps it total.
            if let Some(byte) = bytes.get_mut(index / 2) {
                let nibble = u8::try_from(digit).map_err(|_| TrackingIdError::Malformed)?;
                *byte = if index % 2 == 0 {
                    nibble << 4
                } else {
                    *byte | nibble
                };
            }
            count += 1;
        }
        if count != 32 {
            return Err(TrackingIdError::Malformed);
        }
        if bytes[6] >> 4 != 4 {
            return Err(TrackingIdError::NotVersion4);
        }
        if bytes[8] & 0xc0 != 0x80 {
            return Err(TrackingIdError::WrongVariant);
        }
        Ok(TrackingId(bytes))
    }
}

impl fmt::Display for TrackingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl FromStr for TrackingId {
    type Err = TrackingIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TrackingId::parse(text)
    }
}

/// The answer to `GET TRACKING <id>`: how the driver handled a tracked `SET VAR`/`INSTCMD`.
///
/// Three of these are written as `ERR …` lines although they are results, not errors of the
/// `GET`: parse them with [`crate::net::Response::parse_for`] and the `GET TRACKING <id>`
/// request, never as a protocol error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackingStatus {
    /// `PENDING`: the driver has not answered yet.
    Pending,
    /// `SUCCESS`: the driver handled it.
    Success,
    /// `ERR UNKNOWN`: the driver did not know it, or the id is unknown or expired.
    Unknown,
    /// `ERR INVALID-ARGUMENT`: the driver found it invalid.
    InvalidArgument,
    /// `ERR FAILED`: the driver tried and failed.
    Failed,
}

impl TrackingStatus {
    /// Every status.
    pub const ALL: [TrackingStatus; 5] = [
        TrackingStatus::Pending,
        TrackingStatus::Success,
        TrackingStatus::Unknown,
        TrackingStatus::InvalidArgument,
        TrackingStatus::Failed,
    ];

    /// The whole response line upsd sends.
    pub fn as_line(self) -> &'static str {
        match self {
            TrackingStatus::Pending => "PENDING",
            TrackingStatus::Success => "SUCCESS",
            TrackingStatus::Unknown => "ERR UNKNOWN",
            TrackingStatus::InvalidArgument => "ERR INVALID-ARGUMENT",
            TrackingStatus::Failed => "ERR FAILED",
        }
    }

    /// The status written as a bare word (`PENDING`, `SUCCESS`), if it is one.
    pub(crate) fn from_bare_word(word: &str) -> Option<Self> {
        if word.eq_ignore_ascii_case("PENDING") {
            Some(TrackingStatus::Pending)
        } else if word.eq_ignore_ascii_case("SUCCESS") {
            Some(TrackingStatus::Success)
        } else {
            None
        }
    }

    /// The status written as `ERR <code>` (`UNKNOWN`, `INVALID-ARGUMENT`, `FAILED`), if it is
    /// one.
    pub(crate) fn from_err_code(code: &str) -> Option<Self> {
        match code {
            "UNKNOWN" => Some(TrackingStatus::Unknown),
            "INVALID-ARGUMENT" => Some(TrackingStatus::InvalidArgument),
            "FAILED" => Some(TrackingStatus::Failed),
            _ => None,
        }
    }
}

impl fmt::Display for TrackingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_line())
    }
}
