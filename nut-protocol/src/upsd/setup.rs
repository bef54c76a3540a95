//! Building a server from NUT's config files, the way upsd reads them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use crate::config::ups_conf::{UpsConf, resolve_statepath};
use crate::config::upsd_conf::{Listen, UpsdConf};
use crate::config::upsd_users::Users;
use crate::config::{ConfigError, Diagnostic, Parsed};
use crate::server::{Descriptions, ServerSettings, ServerState, UpsEntry};

/// Debian's built-in DATAPATH, where upsd finds `cmdvartab`.
pub const DEFAULT_DATAPATH: &str = "/usr/share/nut";

use super::DriverSource;

/// Everything upsd needs from `upsd.conf`, `ups.conf` and `upsd.users`.
pub struct Setup {
    /// The server state with one entry per `ups.conf` section that has a driver.
    pub state: ServerState,
    /// Where each UPS's data comes from (index into the state's UPS list).
    pub drivers: Vec<(usize, DriverSource)>,
    /// The addresses to listen on.
    pub listen: Vec<SocketAddr>,
    /// Warnings found in the files (errors make [`load`] fail).
    pub warnings: Vec<Diagnostic>,
    /// The STARTTLS acceptor when `CERTFILE` is set.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// `MAXCONN`, if set.
    pub max_connections: Option<usize>,
}

/// Why the config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A file could not be read.
    #[error("{path}: {error}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// A file has errors (every one, with file:line:word).
    #[error("{0}")]
    Invalid(#[from] ConfigError),
    /// `CERTFILE`/`CERTPATH`/`CERTREQUEST` cannot be used.
    #[error("{0}")]
    Tls(#[from] super::tls::TlsError),
    /// No UPS is configured and `ALLOW_NO_DEVICE` is off.
    #[error("no UPS defined in ups.conf (set ALLOW_NO_DEVICE to start anyway)")]
    NoDevice,
}

fn read(dir: &Path, name: &str, required: bool) -> Result<Option<Vec<u8>>, SetupError> {
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if !required && error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(SetupError::Read {
            path: path.display().to_string(),
            error,
        }),
    }
}

fn accept<T>(parsed: Parsed<T>, warnings: &mut Vec<Diagnostic>) -> Result<T, SetupError> {
    warnings.extend(parsed.warnings().cloned());
    Ok(parsed.into_result()?)
}

/// Reads the configuration in `confdir` (`NUT_CONFPATH`). `env_statepath` is `NUT_STATEPATH`;
/// `ip_filter` keeps only IPv4 (`Some(false)` for `-4`) or IPv6 (`Some(true)` for `-6`).
pub fn load(
    confdir: &Path,
    env_statepath: Option<&str>,
    ip_filter: Option<bool>,
    seed: u64,
) -> Result<Setup, SetupError> {
    let mut warnings = Vec::new();
    let upsd_conf = match read(confdir, "upsd.conf", false)? {
        Some(bytes) => accept(
            crate::config::upsd_conf::parse(&bytes, "upsd.conf"),
            &mut warnings,
        )?,
        None => UpsdConf::default(),
    };
    let ups_conf = match read(confdir, "ups.conf", false)? {
        Some(bytes) => accept(
            crate::config::ups_conf::parse(&bytes, "ups.conf"),
            &mut warnings,
        )?,
        None => UpsConf::default(),
    };
    let users = match read(confdir, "upsd.users", false)? {
        Some(bytes) => accept(
            crate::config::upsd_users::parse(&bytes, "upsd.users"),
            &mut warnings,
        )?,
        None => Users::default(),
    };
    let statepath = PathBuf::from(resolve_statepath(
        env_statepath,
        ups_conf.statepath(),
        upsd_conf.statepath.as_deref(),
    ));
    let mut upses = Vec::new();
    let mut drivers = Vec::new();
    for section in &ups_conf.sections {
        let (Some(socket), Some(_port)) = (section.socket_name(), section.port()) else {
            continue;
        };
        let path = statepath.join(socket);
        let mut entry = UpsEntry::new(&section.name, section.desc());
        entry.identity = path.display().to_string();
        drivers.push((upses.len(), DriverSource::Socket(path)));
        upses.push(entry);
    }
    let allow_no_device = upsd_conf.allow_no_device
        || std::env::var("ALLOW_NO_DEVICE")
            .ok()
            .and_then(|v| crate::config::parse_bool(&v))
            .unwrap_or(false);
    if upses.is_empty() && !allow_no_device {
        return Err(SetupError::NoDevice);
    }
    let datapath = upsd_conf
        .datapath
        .clone()
        .unwrap_or_else(|| String::from(DEFAULT_DATAPATH));
    let descriptions = std::fs::read(Path::new(&datapath).join("cmdvartab"))
        .ok()
        .map(|bytes| Descriptions::parse(&bytes));
    let settings = ServerSettings {
        descriptions,
        maxage: std::time::Duration::from_secs(u64::from(upsd_conf.maxage)),
        tracking_delay: std::time::Duration::from_secs(u64::from(upsd_conf.tracking_delay)),
        tls_available: false,
        ..ServerSettings::default()
    };
    let listen = resolve_listen(&upsd_conf.listen_or_default(), ip_filter);
    let tls = match &upsd_conf.certfile {
        Some(certfile) => Some(super::tls::acceptor(
            Path::new(certfile),
            upsd_conf.certpath.as_deref().map(Path::new),
            upsd_conf.certrequest,
        )?),
        None => None,
    };
    Ok(Setup {
        state: ServerState::new(settings, upses, users, seed),
        drivers,
        listen,
        warnings,
        tls,
        max_connections: upsd_conf.maxconn.and_then(|n| usize::try_from(n).ok()),
    })
}

/// Turns `LISTEN` entries into socket addresses: `*` is both wildcards, names are resolved.
pub fn resolve_listen(entries: &[Listen], ip_filter: Option<bool>) -> Vec<SocketAddr> {
    let mut out: Vec<SocketAddr> = Vec::new();
    for entry in entries {
        let candidates: Vec<SocketAddr> = if entry.address == "*" {
            vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), entry.port),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), entry.port),
            ]
        } else if let Ok(ip) = entry.address.parse::<IpAddr>() {
            vec![SocketAddr::new(ip, entry.port)]
        } else {
            (entry.address.as_str(), entry.port)
                .to_socket_addrs()
                .map(Iterator::collect)
                .unwrap_or_default()
        };
        for address in candidates {
            let keep = match ip_filter {
                Some(true) => address.is_ipv6(),
                Some(false) => address.is_ipv4(),
                None => true,
            };
            if keep && !out.contains(&address) {
                out.push(address);
            }
        }
    }
    out
}
