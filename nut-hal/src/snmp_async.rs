//! [`AsyncSnmp`]: an [`Snmp`] session over the `async-snmp` crate (pinned `=0.18.1`), for
//! SNMP v1, v2c and v3 (USM: MD5/SHA-1/SHA-2 authentication, DES/3DES/AES privacy).
//!
//! Error mapping ([`SnmpError::kind`]):
//!
//! * no answer after all retries → [`ErrorKind::Timeout`] (this is also what a wrong
//!   community gives: agents drop such requests silently);
//! * `noSuchName` (v1) → [`SnmpError::NoSuchName`], kind [`ErrorKind::Protocol`]; v2c/v3
//!   agents answer `noSuchObject`/`noSuchInstance` *values* instead, which [`Snmp::get`]
//!   returns as such and [`AsyncSnmp::get_value`] turns into [`SnmpError::NoSuchName`];
//! * `readOnly`, `notWritable`, `noAccess`, `authorizationError` →
//!   [`ErrorKind::PermissionDenied`]; v3 authentication failures and USM reports too;
//! * other error-status replies and malformed answers → [`ErrorKind::Protocol`];
//! * GETBULK on v1 → [`ErrorKind::Unsupported`] without sending anything; so is
//!   `privProtocol` DES/3DES without [`SnmpSettings::des_state_dir`] (async-snmp requires
//!   durable salt state for them); a state directory that cannot be read or advanced →
//!   [`SnmpError::DesState`], kind [`ErrorKind::Io`].
//!
//! AES privacy needs an agent that follows RFC 3826 §3.1.3: no padding after the scoped PDU.
//! Agents on pysnmp 4.4 (snmpsim 0.4.5 as Debian ships it) zero-pad AES-CFB plaintext to 16
//! bytes; async-snmp 0.18.1 drops such replies, so authPriv AES against them ends in
//! [`ErrorKind::Timeout`]. net-snmp agents do not pad.

use std::string::{String, ToString};
use std::time::Duration;
use std::vec::Vec;

use async_snmp::{
    Auth, AuthProtocol, Client, ErrorStatus, PrivProtocol, Retry, UdpClient, UsmConfig, Value,
};
use bytes::Bytes;

use crate::error::{Error, ErrorKind};
use crate::snmp::{Oid, Snmp, SnmpValue, VarBind};
use crate::snmp_settings::{AuthProto, PrivProto, SecLevel, SnmpSettings, SnmpVersion};

/// Why an SNMP operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnmpError {
    /// No answer within the timeout, after every retry.
    #[error("no answer from the agent after {retries} retries")]
    Timeout {
        /// Retransmissions made.
        retries: u32,
    },
    /// The object does not exist (v1 `noSuchName`, or a v2c/v3 `noSuchObject`/`noSuchInstance`
    /// value where one value was required).
    #[error("no such object {oid:?}")]
    NoSuchName {
        /// The OID the agent named, when it did.
        oid: Option<Oid>,
    },
    /// The agent answered with another error-status.
    #[error("agent error-status {status} ({name}) at index {index}")]
    Status {
        /// The numeric error-status (RFC 3416).
        status: i32,
        /// Its name, e.g. `notWritable`.
        name: &'static str,
        /// The 1-based index of the offending binding (0: the whole request).
        index: u32,
    },
    /// SNMPv3 authentication or USM failure (wrong user, wrong key, report PDU).
    #[error("SNMPv3 security failure: {0}")]
    Security(String),
    /// The operation does not exist in this SNMP version (GETBULK in v1), or is not set up
    /// (DES privacy without a state directory).
    #[error("{0} is not supported")]
    Unsupported(&'static str),
    /// A value cannot be sent (e.g. an INTEGER outside 32 bits) or an OID is not encodable.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The socket failed or was closed.
    #[error("network error: {0}")]
    Network(String),
    /// The answer could not be understood.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The durable DES/3DES sender state could not be read or advanced.
    #[error("DES privacy state {0}")]
    DesState(String),
}

impl Error for SnmpError {
    fn kind(&self) -> ErrorKind {
        match self {
            SnmpError::Timeout { .. } => ErrorKind::Timeout,
            SnmpError::NoSuchName { .. } | SnmpError::Protocol(_) => ErrorKind::Protocol,
            SnmpError::Status { status, .. } => match ErrorStatus::from_i32(*status) {
                ErrorStatus::ReadOnly
                | ErrorStatus::NoAccess
                | ErrorStatus::NotWritable
                | ErrorStatus::AuthorizationError => ErrorKind::PermissionDenied,
                ErrorStatus::ResourceUnavailable => ErrorKind::Busy,
                _ => ErrorKind::Protocol,
            },
            SnmpError::Security(_) => ErrorKind::PermissionDenied,
            SnmpError::Unsupported(_) => ErrorKind::Unsupported,
            SnmpError::InvalidInput(_) => ErrorKind::InvalidInput,
            SnmpError::Network(_) | SnmpError::DesState(_) => ErrorKind::Io,
        }
    }
}

impl SnmpError {
    /// Whether this is a typed "object not found".
    pub fn is_not_found(&self) -> bool {
        matches!(self, SnmpError::NoSuchName { .. })
    }
}

fn status_name(s: &ErrorStatus) -> &'static str {
    s.as_str().unwrap_or("unknown")
}

/// The crate's boxed error, as ours.
#[allow(clippy::boxed_local)] // the crate hands out `Box<Error>`
fn map_err(e: Box<async_snmp::Error>) -> SnmpError {
    map_error(*e)
}

fn map_error(e: async_snmp::Error) -> SnmpError {
    use async_snmp::Error as E;
    match e {
        E::SharedOperation { source } => map_error(clone_shallow(&source)),
        E::Exchange { source, .. } => map_error(*source),
        E::Timeout { retries, .. } => SnmpError::Timeout { retries },
        E::ConstructionTimeout { .. } => SnmpError::Timeout { retries: 0 },
        E::Network { source, .. } => SnmpError::Network(source.to_string()),
        E::Closed { .. } => SnmpError::Network("transport closed".into()),
        E::Snmp {
            status, index, oid, ..
        } => match status {
            ErrorStatus::NoSuchName => SnmpError::NoSuchName {
                oid: oid.map(|o| from_oid(&o)),
            },
            s => SnmpError::Status {
                status: s.as_i32(),
                name: status_name(&s),
                index,
            },
        },
        E::Auth { .. } => SnmpError::Security("authentication failed".into()),
        E::Report { status, .. } => SnmpError::Security(status.to_string()),
        E::Privacy(p) => SnmpError::Security(p.to_string()),
        E::InvalidOid(o) => SnmpError::InvalidInput(o.to_string()),
        E::OutboundMessageTooLarge { size, limit } => {
            SnmpError::InvalidInput(format!("request of {size} bytes exceeds {limit}"))
        }
        E::Config(c) => SnmpError::InvalidInput(c.to_string()),
        other => SnmpError::Protocol(other.to_string()),
    }
}

/// `SharedOperation` holds an `Arc<Error>`; keep what matters for the mapping.
fn clone_shallow(e: &async_snmp::Error) -> async_snmp::Error {
    use async_snmp::Error as E;
    match e {
        E::Timeout {
            target,
            elapsed,
            retries,
        } => E::Timeout {
            target: *target,
            elapsed: *elapsed,
            retries: *retries,
        },
        E::Auth { target } => E::Auth { target: *target },
        E::Closed { target } => E::Closed { target: *target },
        other => E::InvalidMessage(other.to_string().into()),
    }
}

/// Our OID from the crate's.
fn from_oid(o: &async_snmp::Oid) -> Oid {
    Oid::new(o.arcs().to_vec())
}

/// The crate's OID from ours.
fn to_oid(o: &Oid) -> async_snmp::Oid {
    async_snmp::Oid::from_slice(o.arcs())
}

/// Our value from the crate's; `None` for a type the trait cannot hold.
fn from_value(v: Value) -> Result<SnmpValue, SnmpError> {
    Ok(match v {
        Value::Integer(i) => SnmpValue::Integer(i.into()),
        Value::OctetString(b) | Value::Nsap(b) => SnmpValue::OctetString(b.to_vec()),
        Value::Null => SnmpValue::Null,
        Value::ObjectIdentifier(o) => SnmpValue::ObjectId(from_oid(&o)),
        Value::IpAddress(a) => SnmpValue::IpAddress(a),
        Value::Counter32(c) => SnmpValue::Counter32(c),
        Value::Gauge32(g) | Value::UInteger32(g) => SnmpValue::Gauge32(g),
        Value::TimeTicks(t) => SnmpValue::TimeTicks(t),
        Value::Opaque(b) => SnmpValue::Opaque(b.to_vec()),
        Value::Counter64(c) => SnmpValue::Counter64(c),
        Value::NoSuchObject => SnmpValue::NoSuchObject,
        Value::NoSuchInstance => SnmpValue::NoSuchInstance,
        Value::EndOfMibView => SnmpValue::EndOfMibView,
        other => {
            return Err(SnmpError::Protocol(format!(
                "unsupported value type {}",
                other.kind()
            )));
        }
    })
}

/// The crate's value from ours, for SET.
fn to_value(v: &SnmpValue) -> Result<Value, SnmpError> {
    Ok(match v {
        SnmpValue::Integer(i) => Value::Integer(i32::try_from(*i).map_err(|_| {
            SnmpError::InvalidInput(format!("INTEGER {i} does not fit in 32 bits"))
        })?),
        SnmpValue::OctetString(b) => Value::OctetString(Bytes::copy_from_slice(b)),
        SnmpValue::ObjectId(o) => Value::ObjectIdentifier(to_oid(o)),
        SnmpValue::IpAddress(a) => Value::IpAddress(*a),
        SnmpValue::Counter32(c) => Value::Counter32(*c),
        SnmpValue::Gauge32(g) => Value::Gauge32(*g),
        SnmpValue::TimeTicks(t) => Value::TimeTicks(*t),
        SnmpValue::Opaque(b) => Value::Opaque(Bytes::copy_from_slice(b)),
        SnmpValue::Counter64(c) => Value::Counter64(*c),
        SnmpValue::Null => Value::Null,
        SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance | SnmpValue::EndOfMibView => {
            return Err(SnmpError::InvalidInput(
                "exception values cannot be SET".into(),
            ));
        }
    })
}

fn is_exception(v: &SnmpValue) -> bool {
    matches!(
        v,
        SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance | SnmpValue::EndOfMibView
    )
}

fn convert(vbs: Vec<async_snmp::VarBind>) -> Result<Vec<VarBind>, SnmpError> {
    vbs.into_iter()
        .map(|vb| {
            Ok(VarBind {
                oid: from_oid(&vb.oid),
                value: from_value(vb.value)?,
            })
        })
        .collect()
}

/// The crate's [`Auth`] for these settings.
fn auth_for(s: &SnmpSettings) -> Result<Auth, SnmpError> {
    Ok(match s.version {
        SnmpVersion::V1 => Auth::v1(s.community.as_str()),
        SnmpVersion::V2c => Auth::v2c(s.community.as_str()),
        SnmpVersion::V3 => {
            let user = UsmConfig::new(Bytes::copy_from_slice(s.sec_name.as_bytes()))
                .context_name(Bytes::copy_from_slice(s.context.as_bytes()));
            let ap = match s.auth_protocol {
                AuthProto::Md5 => AuthProtocol::Md5,
                AuthProto::Sha1 => AuthProtocol::Sha1,
                AuthProto::Sha224 => AuthProtocol::Sha224,
                AuthProto::Sha256 => AuthProtocol::Sha256,
                AuthProto::Sha384 => AuthProtocol::Sha384,
                AuthProto::Sha512 => AuthProtocol::Sha512,
            };
            let pp = match s.priv_protocol {
                // async-snmp needs durable salt state (persisted across restarts) for the
                // DES family: see `des_state`.
                PrivProto::Des | PrivProto::Des3
                    if s.sec_level == SecLevel::AuthPriv && s.des_state_dir.is_none() =>
                {
                    return Err(SnmpError::Unsupported(
                        "DES/3DES privacy without a des_state_dir",
                    ));
                }
                PrivProto::Des => PrivProtocol::Des,
                PrivProto::Des3 => PrivProtocol::Des3,
                PrivProto::Aes128 => PrivProtocol::Aes128,
                PrivProto::Aes192 => PrivProtocol::Aes192Blumenthal,
                PrivProto::Aes192C => PrivProtocol::Aes192Reeder,
                PrivProto::Aes256 => PrivProtocol::Aes256Blumenthal,
                PrivProto::Aes256C => PrivProtocol::Aes256Reeder,
            };
            let bad = |e: async_snmp::CryptoError| SnmpError::InvalidInput(e.to_string());
            let cfg = match s.sec_level {
                SecLevel::NoAuthNoPriv => user,
                SecLevel::AuthNoPriv => user.auth(ap, &s.auth_password).map_err(bad)?,
                SecLevel::AuthPriv => user
                    .auth_priv(ap, &s.auth_password, pp, &s.priv_password)
                    .map_err(bad)?,
            };
            Auth::from(cfg)
        }
    })
}

/// The DES sender state these settings need: a fresh epoch leased from
/// [`SnmpSettings::des_state_dir`] for `authPriv` with DES or 3DES, else none.
fn des_state(s: &SnmpSettings) -> Result<Option<async_snmp::DesSaltState>, SnmpError> {
    let des = matches!(s.priv_protocol, PrivProto::Des | PrivProto::Des3);
    match (&s.des_state_dir, s.version, s.sec_level) {
        (Some(dir), SnmpVersion::V3, SecLevel::AuthPriv) if des => {
            crate::snmp_des_state::lease(std::path::Path::new(dir)).map(Some)
        }
        _ => Ok(None),
    }
}

/// An SNMP manager session to one agent over UDP.
///
/// SNMPv3: after a request that timed out, the next request first makes a new client, so
/// engine discovery runs again. An agent that rebooted (new engine boots and time, perhaps a
/// new engine ID) is otherwise never heard again: async-snmp 0.18.1 drops its answers to the
/// old session as untimely, and every later request times out too.
#[derive(Clone)]
pub struct AsyncSnmp {
    client: UdpClient,
    version: SnmpVersion,
    settings: SnmpSettings,
    /// Rediscover (make a new client) before the next request.
    rediscover: bool,
}

impl core::fmt::Debug for AsyncSnmp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsyncSnmp")
            .field("peer", &self.client.peer_addr())
            .field("version", &self.version)
            .finish()
    }
}

impl AsyncSnmp {
    /// Open a session. Nothing is sent yet: v3 engine discovery happens with the first
    /// request, so a wrong user or key shows there.
    pub async fn connect(settings: &SnmpSettings) -> Result<Self, SnmpError> {
        Ok(AsyncSnmp {
            client: Self::client_for(settings).await?,
            version: settings.version,
            settings: settings.clone(),
            rediscover: false,
        })
    }

    /// A client for `settings` (DES/3DES: with a freshly leased salt epoch).
    async fn client_for(settings: &SnmpSettings) -> Result<UdpClient, SnmpError> {
        let retry = Retry::fixed(settings.retries, Duration::ZERO)
            .map_err(|e| SnmpError::InvalidInput(e.to_string()))?;
        let mut builder =
            Client::builder((settings.host.as_str(), settings.port), auth_for(settings)?);
        if let Some(state) = des_state(settings)? {
            builder = builder.des_salt_state(state);
        }
        builder
            .request_timeout(settings.timeout)
            .retry(retry)
            .construction_timeout(
                settings
                    .timeout
                    .saturating_mul(settings.retries.saturating_add(1)),
            )
            .connect()
            .await
            .map_err(map_err)
    }

    /// The client for the next request: a new one after a v3 timeout.
    async fn ready(&mut self) -> Result<&UdpClient, SnmpError> {
        if self.rediscover {
            self.client = Self::client_for(&self.settings).await?;
            self.rediscover = false;
        }
        Ok(&self.client)
    }

    /// Notes a v3 timeout (see [`AsyncSnmp`]) and passes `result` on.
    fn after<T>(&mut self, result: Result<T, SnmpError>) -> Result<T, SnmpError> {
        if self.version == SnmpVersion::V3 && matches!(result, Err(SnmpError::Timeout { .. })) {
            self.rediscover = true;
        }
        result
    }

    /// The version this session speaks.
    pub fn version(&self) -> SnmpVersion {
        self.version
    }

    /// GET one value; a missing object is [`SnmpError::NoSuchName`] in every version.
    pub async fn get_value(&mut self, oid: &Oid) -> Result<SnmpValue, SnmpError> {
        let mut vbs = Snmp::get(self, core::slice::from_ref(oid)).await?;
        match vbs.pop() {
            Some(vb) if is_exception(&vb.value) => Err(SnmpError::NoSuchName { oid: Some(vb.oid) }),
            Some(vb) if vbs.is_empty() => Ok(vb.value),
            _ => Err(SnmpError::Protocol(
                "answer did not hold exactly one binding".into(),
            )),
        }
    }
}

impl Snmp for AsyncSnmp {
    type Error = SnmpError;

    async fn get(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, SnmpError> {
        let oids: Vec<_> = oids.iter().map(to_oid).collect();
        let r = self.ready().await?.get_many(&oids).await.map_err(map_err);
        convert(self.after(r)?.varbinds)
    }

    async fn get_next(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, SnmpError> {
        let oids: Vec<_> = oids.iter().map(to_oid).collect();
        let r = self
            .ready()
            .await?
            .get_next_many(&oids)
            .await
            .map_err(map_err);
        convert(self.after(r)?.varbinds)
    }

    async fn get_bulk(
        &mut self,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid],
    ) -> Result<Vec<VarBind>, SnmpError> {
        if self.version == SnmpVersion::V1 {
            return Err(SnmpError::Unsupported("GETBULK in SNMP v1"));
        }
        let oids: Vec<_> = oids.iter().map(to_oid).collect();
        let r = self
            .ready()
            .await?
            .get_bulk(&oids, non_repeaters, max_repetitions)
            .await
            .map_err(map_err);
        convert(self.after(r)?)
    }

    async fn walk(&mut self, root: &Oid) -> Result<Vec<VarBind>, SnmpError> {
        let stream = self.ready().await?.walk(to_oid(root)).map_err(map_err)?;
        let r = stream.collect().await.map_err(map_err);
        convert(self.after(r)?)
    }

    async fn set(&mut self, bindings: &[VarBind]) -> Result<Vec<VarBind>, SnmpError> {
        let vbs = bindings
            .iter()
            .map(|b| Ok((to_oid(&b.oid), to_value(&b.value)?)))
            .collect::<Result<Vec<_>, SnmpError>>()?;
        let r = self.ready().await?.set_many(&vbs).await.map_err(map_err);
        let answer = convert(self.after(r)?.varbinds)?;
        // RFC 3416 has no exception values in a SET answer, but some agents (snmpsim) answer
        // a SET of an absent object that way: the object is not there to be written.
        if let Some(vb) = answer.iter().find(|vb| is_exception(&vb.value)) {
            return Err(SnmpError::NoSuchName {
                oid: Some(vb.oid.clone()),
            });
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        for v in [
            SnmpValue::Integer(-1),
            SnmpValue::OctetString(b"x".to_vec()),
            SnmpValue::ObjectId(Oid::new([1, 3, 6])),
            SnmpValue::IpAddress([10, 0, 0, 1]),
            SnmpValue::Counter32(7),
            SnmpValue::Gauge32(8),
            SnmpValue::TimeTicks(9),
            SnmpValue::Opaque(vec![1]),
            SnmpValue::Counter64(1 << 40),
            SnmpValue::Null,
        ] {
            assert_eq!(from_value(to_value(&v).unwrap()).unwrap(), v);
        }
        let e = to_value(&SnmpValue::Integer(1 << 40)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(to_value(&SnmpValue::EndOfMibView).is_err());
    }

    #[test]
    fn status_kinds() {
        let k = |s: ErrorStatus| {
            SnmpError::Status {
                status: s.as_i32(),
                name: "",
                index: 1,
            }
            .kind()
        };
        assert_eq!(k(ErrorStatus::NotWritable), ErrorKind::PermissionDenied);
        assert_eq!(k(ErrorStatus::ReadOnly), ErrorKind::PermissionDenied);
        assert_eq!(k(ErrorStatus::WrongType), ErrorKind::Protocol);
        assert_eq!(k(ErrorStatus::ResourceUnavailable), ErrorKind::Busy);
    }
}
