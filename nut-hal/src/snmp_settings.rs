//! Session settings for [`AsyncSnmp`](crate::snmp_async::AsyncSnmp), read from NUT's
//! `snmp-ups` option names (`snmp_version`, `community`, `secLevel`, `secName`,
//! `authPassword`, `privPassword`, `authProtocol`, `privProtocol`, `snmp_timeout`,
//! `snmp_retries`).

use alloc::string::{String, ToString};
use core::time::Duration;

use crate::error::{Error, ErrorKind};

/// SNMP protocol version (`snmp_version` = `v1`, `v2c` or `v3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SnmpVersion {
    /// SNMPv1 (no GETBULK, no Counter64, errors as `noSuchName`).
    #[default]
    V1,
    /// SNMPv2c (community, GETBULK, exception values).
    V2c,
    /// SNMPv3 with the user-based security model.
    V3,
}

/// USM security level (`secLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecLevel {
    /// `noAuthNoPriv`.
    #[default]
    NoAuthNoPriv,
    /// `authNoPriv`.
    AuthNoPriv,
    /// `authPriv`.
    AuthPriv,
}

/// USM authentication protocol (`authProtocol`; NUT's default is `MD5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AuthProto {
    /// HMAC-MD5-96.
    #[default]
    Md5,
    /// HMAC-SHA-96 (`SHA`).
    Sha1,
    /// HMAC-SHA-224 (`SHA224`).
    Sha224,
    /// HMAC-SHA-256 (`SHA256`).
    Sha256,
    /// HMAC-SHA-384 (`SHA384`).
    Sha384,
    /// HMAC-SHA-512 (`SHA512`).
    Sha512,
}

/// USM privacy protocol (`privProtocol`; NUT's default is `DES`).
///
/// `AES192`/`AES256` follow net-snmp (and so NUT): the Blumenthal key extension; the
/// Cisco/Reeder variant is spelled `AES192C`/`AES256C` as in net-snmp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PrivProto {
    /// CBC-DES.
    #[default]
    Des,
    /// 3DES-EDE (`3DES`).
    Des3,
    /// CFB128-AES-128 (`AES`, `AES128`).
    Aes128,
    /// AES-192, Blumenthal key extension (`AES192`).
    Aes192,
    /// AES-192, Reeder key extension (`AES192C`).
    Aes192C,
    /// AES-256, Blumenthal key extension (`AES256`).
    Aes256,
    /// AES-256, Reeder key extension (`AES256C`).
    Aes256C,
}

/// Everything needed to open a session to one agent.
///
/// ```
/// use nut_hal::snmp_settings::{SnmpSettings, SnmpVersion};
/// let s = SnmpSettings::from_nut("ups.example:1161", [("snmp_version", "v2c"), ("community", "private")]).unwrap();
/// assert_eq!((s.host.as_str(), s.port, s.version), ("ups.example", 1161, SnmpVersion::V2c));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SnmpSettings {
    /// Host name or address.
    pub host: String,
    /// UDP port (161 unless `host:port` said otherwise).
    pub port: u16,
    /// Protocol version.
    pub version: SnmpVersion,
    /// Community (v1/v2c), `public` by default.
    pub community: String,
    /// USM security level (v3).
    pub sec_level: SecLevel,
    /// USM user name (v3).
    pub sec_name: String,
    /// Authentication password (v3, `authNoPriv` and `authPriv`).
    pub auth_password: String,
    /// Privacy password (v3, `authPriv`).
    pub priv_password: String,
    /// Authentication protocol.
    pub auth_protocol: AuthProto,
    /// Privacy protocol.
    pub priv_protocol: PrivProto,
    /// SNMPv3 context name (empty by default; not a NUT option, but agents such as
    /// snmpsim select their data by it).
    pub context: String,
    /// Time to wait for each answer (NUT `snmp_timeout`, seconds; default 1 s).
    pub timeout: Duration,
    /// Retransmissions after the first try (NUT `snmp_retries`; default 5).
    pub retries: u32,
    /// Where DES/3DES privacy keeps its durable sender state (a directory, created if
    /// missing; not a NUT option). Without it, `authPriv` with DES or 3DES is refused as
    /// unsupported: reusing a DES salt after a restart would weaken the encryption.
    pub des_state_dir: Option<String>,
}

impl core::fmt::Debug for SnmpSettings {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SnmpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("version", &self.version)
            .field("sec_level", &self.sec_level)
            .field("sec_name", &self.sec_name)
            .field("auth_protocol", &self.auth_protocol)
            .field("priv_protocol", &self.priv_protocol)
            .field("context", &self.context)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("des_state_dir", &self.des_state_dir)
            .finish_non_exhaustive()
    }
}

/// A setting had a value NUT would also refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad SNMP setting {key}={value:?}: {why}")]
pub struct SettingsError {
    /// The option name.
    pub key: String,
    /// Its value (passwords are not echoed).
    pub value: String,
    /// Why it was refused.
    pub why: &'static str,
}

impl Error for SettingsError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

impl SnmpSettings {
    /// v1/v2c settings with defaults (community `public`, 1 s, 5 retries).
    pub fn new(host: impl Into<String>, port: u16, version: SnmpVersion) -> Self {
        SnmpSettings {
            host: host.into(),
            port,
            version,
            community: "public".into(),
            sec_level: SecLevel::NoAuthNoPriv,
            sec_name: String::new(),
            auth_password: String::new(),
            priv_password: String::new(),
            auth_protocol: AuthProto::Md5,
            priv_protocol: PrivProto::Des,
            context: String::new(),
            timeout: Duration::from_secs(1),
            retries: 5,
            des_state_dir: None,
        }
    }

    /// From a `port` (`host` or `host:port`) and `ups.conf` options, under NUT's names.
    /// Unknown keys are ignored (they belong to the driver, e.g. `mibs`).
    pub fn from_nut<'a>(
        port: &str,
        options: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SettingsError> {
        let (host, udp) = split_host_port(port)?;
        let mut s = SnmpSettings::new(host, udp, SnmpVersion::V1);
        for (k, v) in options {
            let bad = |why| SettingsError {
                key: k.into(),
                value: if k.ends_with("Password") {
                    "<hidden>".into()
                } else {
                    v.into()
                },
                why,
            };
            match k {
                "snmp_version" => {
                    s.version = match v {
                        "v1" => SnmpVersion::V1,
                        "v2c" => SnmpVersion::V2c,
                        "v3" => SnmpVersion::V3,
                        _ => return Err(bad("expected v1, v2c or v3")),
                    }
                }
                "community" => s.community = v.into(),
                "secLevel" => {
                    s.sec_level = match v {
                        "noAuthNoPriv" => SecLevel::NoAuthNoPriv,
                        "authNoPriv" => SecLevel::AuthNoPriv,
                        "authPriv" => SecLevel::AuthPriv,
                        _ => return Err(bad("expected noAuthNoPriv, authNoPriv or authPriv")),
                    }
                }
                "secName" => s.sec_name = v.into(),
                "authPassword" => s.auth_password = v.into(),
                "privPassword" => s.priv_password = v.into(),
                "authProtocol" => {
                    s.auth_protocol = match v {
                        "MD5" => AuthProto::Md5,
                        "SHA" => AuthProto::Sha1,
                        "SHA224" => AuthProto::Sha224,
                        "SHA256" => AuthProto::Sha256,
                        "SHA384" => AuthProto::Sha384,
                        "SHA512" => AuthProto::Sha512,
                        _ => {
                            return Err(bad("expected MD5, SHA, SHA224, SHA256, SHA384 or SHA512"));
                        }
                    }
                }
                "privProtocol" => {
                    s.priv_protocol = match v {
                        "DES" => PrivProto::Des,
                        "3DES" => PrivProto::Des3,
                        "AES" | "AES128" => PrivProto::Aes128,
                        "AES192" => PrivProto::Aes192,
                        "AES192C" => PrivProto::Aes192C,
                        "AES256" => PrivProto::Aes256,
                        "AES256C" => PrivProto::Aes256C,
                        _ => return Err(bad("expected DES, AES, AES192 or AES256")),
                    }
                }
                "snmp_timeout" => {
                    let secs: u64 = v.parse().map_err(|_| bad("expected whole seconds"))?;
                    if secs == 0 {
                        return Err(bad("must be at least 1 second"));
                    }
                    s.timeout = Duration::from_secs(secs);
                }
                "snmp_retries" => {
                    s.retries = v.parse().map_err(|_| bad("expected a count"))?;
                }
                _ => {}
            }
        }
        if s.version == SnmpVersion::V3 && s.sec_name.is_empty() {
            return Err(SettingsError {
                key: "secName".into(),
                value: String::new(),
                why: "required with snmp_version=v3",
            });
        }
        Ok(s)
    }
}

/// `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
fn split_host_port(port: &str) -> Result<(String, u16), SettingsError> {
    let bad = |why| SettingsError {
        key: "port".into(),
        value: port.into(),
        why,
    };
    if port.is_empty() {
        return Err(bad("empty host"));
    }
    if let Some(rest) = port.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').ok_or_else(|| bad("unclosed ["))?;
        let p = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad("bad port number"))?,
            None if tail.is_empty() => 161,
            None => return Err(bad("junk after ]")),
        };
        return Ok((h.to_string(), p));
    }
    match port.split_once(':') {
        Some((h, p)) if !p.contains(':') => Ok((
            h.to_string(),
            p.parse().map_err(|_| bad("bad port number"))?,
        )),
        _ => Ok((port.to_string(), 161)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nut_names_map() {
        let s = SnmpSettings::from_nut(
            "10.0.0.5",
            [
                ("snmp_version", "v3"),
                ("secLevel", "authPriv"),
                ("secName", "nut"),
                ("authPassword", "a"),
                ("privPassword", "p"),
                ("authProtocol", "SHA256"),
                ("privProtocol", "AES256"),
                ("snmp_timeout", "3"),
                ("snmp_retries", "2"),
                ("mibs", "ietf"),
            ],
        )
        .unwrap();
        assert_eq!(s.port, 161);
        assert_eq!(s.sec_level, SecLevel::AuthPriv);
        assert_eq!(s.auth_protocol, AuthProto::Sha256);
        assert_eq!(s.priv_protocol, PrivProto::Aes256);
        assert_eq!(s.timeout, Duration::from_secs(3));
        assert_eq!(s.retries, 2);
        assert!(!format!("{s:?}").contains("\"a\""));
    }

    #[test]
    fn bad_values_are_typed() {
        let e = SnmpSettings::from_nut("h", [("snmp_version", "v4")]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = SnmpSettings::from_nut("h", [("authPassword", "x"), ("snmp_version", "v3")])
            .unwrap_err();
        assert_eq!(e.key, "secName");
        let e = SnmpSettings::from_nut("h", [("privProtocol", "rot13")]).unwrap_err();
        assert_eq!(e.key, "privProtocol");
        assert!(SnmpSettings::from_nut("h:x", []).is_err());
        assert_eq!(SnmpSettings::from_nut("[::1]:99", []).unwrap().port, 99);
        assert_eq!(SnmpSettings::from_nut("::1", []).unwrap().host, "::1");
    }
}
