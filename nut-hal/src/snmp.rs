//! The [`Snmp`] trait: an SNMP manager session to one agent, with [`Oid`] and [`SnmpValue`].

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::str::FromStr;

use crate::error::{Error, ErrorKind};

/// An object identifier, e.g. `1.3.6.1.2.1.33.1.2.1.0`.
///
/// ```
/// use nut_hal::snmp::Oid;
/// let oid: Oid = ".1.3.6.1.2.1.33".parse().unwrap();
/// assert_eq!(oid.to_string(), "1.3.6.1.2.1.33");
/// assert!(oid.is_prefix_of(&"1.3.6.1.2.1.33.1".parse().unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Oid(Vec<u32>);

impl Oid {
    /// From its arcs.
    pub fn new(arcs: impl Into<Vec<u32>>) -> Self {
        Oid(arcs.into())
    }

    /// The arcs.
    pub fn arcs(&self) -> &[u32] {
        &self.0
    }

    /// Whether `self` is `other` or an ancestor of it (used to end a walk).
    pub fn is_prefix_of(&self, other: &Oid) -> bool {
        other.0.starts_with(&self.0)
    }

    /// A child: `self` followed by `arc`.
    pub fn child(&self, arc: u32) -> Oid {
        let mut v = self.0.clone();
        v.push(arc);
        Oid(v)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

/// The text was not a dotted numeric OID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a numeric OID: {0:?}")]
pub struct OidParseError(pub String);

impl Error for OidParseError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

impl FromStr for Oid {
    type Err = OidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let body = s.strip_prefix('.').unwrap_or(s);
        if body.is_empty() {
            return Err(OidParseError(s.into()));
        }
        body.split('.')
            .map(|p| p.parse::<u32>().map_err(|_| OidParseError(s.into())))
            .collect::<Result<Vec<_>, _>>()
            .map(Oid)
    }
}

/// A value bound to an OID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SnmpValue {
    /// INTEGER.
    Integer(i64),
    /// OCTET STRING (not necessarily text).
    OctetString(Vec<u8>),
    /// OBJECT IDENTIFIER.
    ObjectId(Oid),
    /// IpAddress.
    IpAddress([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32 / Unsigned32.
    Gauge32(u32),
    /// TimeTicks (hundredths of a second).
    TimeTicks(u32),
    /// Opaque.
    Opaque(Vec<u8>),
    /// Counter64.
    Counter64(u64),
    /// NULL.
    Null,
    /// noSuchObject exception.
    NoSuchObject,
    /// noSuchInstance exception.
    NoSuchInstance,
    /// endOfMibView exception.
    EndOfMibView,
}

/// One OID with its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VarBind {
    /// The OID.
    pub oid: Oid,
    /// Its value.
    pub value: SnmpValue,
}

/// An SNMP manager session to one agent (version and credentials fixed when it was made).
pub trait Snmp: Send {
    /// The error type. SNMP error-status replies map to
    /// [`ErrorKind::Protocol`](crate::ErrorKind::Protocol).
    type Error: Error + Send;

    /// GET of several OIDs at once, in order.
    fn get(
        &mut self,
        oids: &[Oid],
    ) -> impl Future<Output = Result<Vec<VarBind>, Self::Error>> + Send;

    /// GETNEXT: the binding lexicographically after each OID.
    fn get_next(
        &mut self,
        oids: &[Oid],
    ) -> impl Future<Output = Result<Vec<VarBind>, Self::Error>> + Send;

    /// GETBULK (v2c/v3).
    fn get_bulk(
        &mut self,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid],
    ) -> impl Future<Output = Result<Vec<VarBind>, Self::Error>> + Send;

    /// Every binding under `root`, in order.
    fn walk(
        &mut self,
        root: &Oid,
    ) -> impl Future<Output = Result<Vec<VarBind>, Self::Error>> + Send;

    /// SET; returns the bindings the agent answered with.
    fn set(
        &mut self,
        bindings: &[VarBind],
    ) -> impl Future<Output = Result<Vec<VarBind>, Self::Error>> + Send;
}
