//! The monitor's connections to the upsds of `upsmon.conf`, as upsmon makes them: STARTTLS
//! tried on every connection (required with FORCESSL, verified with CERTVERIFY against
//! CERTPATH), then USERNAME, PASSWORD, LOGIN and, for a primary, PRIMARY (MASTER on old
//! servers). A failed login is logged and the connection kept; a connection that fails is
//! made again at the next poll.
//!
//! ```no_run
//! use nut_client::monitor::links::UpsdLinks;
//! use nut_protocol::config::upsmon_conf;
//! # fn main() -> Result<(), nut_client::ClientError> {
//! let conf = upsmon_conf::parse(b"MONITOR ups@localhost 1 mon pass primary\n", "upsmon.conf")
//!     .into_result()
//!     .expect("valid");
//! let links = UpsdLinks::new(&conf)?;
//! assert_eq!(links.len(), 1);
//! # Ok(()) }
//! ```

use std::path::Path;
use std::time::Duration;

use nut_protocol::config::upsmon_conf::{Monitor as MonitorLine, Role, UpsmonConf};

use super::Reading;
use super::cycle::Servers;
use crate::ClientError;
use crate::blocking::Connection;
use crate::commands;
use crate::exchange::{Options, breaks_connection};
use crate::tls::TlsOptions;
use nut_protocol::net::{GetQuery, Request};

/// upsmon's connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One MONITOR line and its connection.
struct Link {
    line: MonitorLine,
    options: Options,
    connection: Option<Connection>,
}

/// The connections of every MONITOR line, answering for the monitor.
pub struct UpsdLinks {
    links: Vec<Link>,
    log: Vec<String>,
}

impl std::fmt::Debug for UpsdLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpsdLinks")
            .field(
                "upses",
                &self
                    .links
                    .iter()
                    .map(|l| &l.line.written)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl UpsdLinks {
    /// Links for every MONITOR line (nothing is connected yet).
    pub fn new(conf: &UpsmonConf) -> Result<UpsdLinks, ClientError> {
        let links = conf
            .monitors
            .iter()
            .map(|line| {
                Ok(Link {
                    options: Options::default()
                        .connect_timeout(CONNECT_TIMEOUT)
                        .tls(tls_for(conf, &line.address.host)?),
                    line: line.clone(),
                    connection: None,
                })
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        Ok(UpsdLinks {
            links,
            log: Vec::new(),
        })
    }

    /// How many UPSes.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Whether the connection for UPS `ups` is up.
    pub fn is_connected(&self, ups: usize) -> bool {
        self.links.get(ups).is_some_and(|l| l.connection.is_some())
    }

    /// What happened since the last call (failed connections and logins), for the log.
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    /// The connection for UPS `ups`, made (and logged in) if needed.
    fn connection(&mut self, ups: usize) -> Option<&mut Connection> {
        let link = self.links.get_mut(ups)?;
        if link.connection.is_none() {
            let line = &link.line;
            match Connection::connect(&line.address.host, line.address.port, link.options.clone()) {
                Ok(mut connection) => {
                    log_in(&mut connection, line, &mut self.log);
                    link.connection = Some(connection);
                }
                Err(error) => {
                    self.log.push(format!(
                        "UPS [{}]: connect failed: {}",
                        line.written,
                        error.nut_message()
                    ));
                }
            }
        }
        link.connection.as_mut()
    }

    /// Runs `ask` on UPS `ups`'s connection; a failure that breaks it drops it.
    fn ask<T>(
        &mut self,
        ups: usize,
        ask: impl FnOnce(&mut Connection, &str) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let name = self.links.get(ups).map(|l| l.line.address.ups.clone());
        let (Some(name), Some(connection)) = (name, self.connection(ups)) else {
            return Err(ClientError::NotConnected);
        };
        let result = ask(connection, &name);
        if let Err(error) = &result
            && let Some(link) = self.links.get_mut(ups)
        {
            self.log.push(format!(
                "Poll UPS [{}] failed - {}",
                link.line.written,
                error.nut_message()
            ));
            if breaks_connection(error) {
                link.connection = None;
            }
        }
        result
    }
}

impl Servers for UpsdLinks {
    fn poll(&mut self, ups: usize) -> Reading {
        let result = self.ask(ups, |connection, name| {
            // The status and both names of the buzzwords in one round trip.
            let get = |var: &str| {
                Request::Get(GetQuery::Var {
                    ups: name.into(),
                    var: var.into(),
                })
            };
            let mut answers = connection
                .pipeline(vec![
                    get("ups.status"),
                    get("ups.mode.buzzwords"),
                    get("experimental.ups.mode.buzzwords"),
                ])?
                .into_iter()
                .map(|answer| answer.and_then(commands::text));
            let status = answers.next().unwrap_or(Err(ClientError::NotConnected))?;
            let buzzwords = answers.find_map(Result::ok);
            let alarm = if status.split_ascii_whitespace().any(|t| t == "ALARM") {
                connection.get_var(name, "ups.alarm").ok()
            } else {
                None
            };
            Ok(Reading::Status {
                status,
                alarm,
                buzzwords,
            })
        });
        result.unwrap_or(Reading::Lost)
    }

    fn fsd(&mut self, ups: usize) -> bool {
        self.ask(ups, |connection, name| connection.fsd(name))
            .is_ok()
    }

    fn num_logins(&mut self, ups: usize) -> Option<u32> {
        self.ask(ups, |connection, name| connection.num_logins(name))
            .ok()
    }
}

/// USERNAME, PASSWORD, LOGIN and PRIMARY; failures are logged, the connection kept.
fn log_in(connection: &mut Connection, line: &MonitorLine, log: &mut Vec<String>) {
    let ups = &line.address.ups;
    if let Err(error) = connection.authenticate(&line.username, &line.password) {
        log.push(format!(
            "Set username/password on [{}] failed: {}",
            line.written,
            error.nut_message()
        ));
        return;
    }
    if let Err(error) = connection.login(ups) {
        log.push(format!(
            "Login on UPS [{}] failed - got [{}]",
            line.written,
            error.nut_message()
        ));
        return;
    }
    if line.role == Role::Primary
        && let Err(error) = connection.primary(ups)
    {
        log.push(format!(
            "Unable to raise privilege level for UPS [{}]: primary managerial privileges unavailable ({})",
            line.written,
            error.nut_message()
        ));
    }
}

/// upsmon's STARTTLS for a host: always tried; verified against CERTPATH with CERTVERIFY
/// (globally or by CERTHOST), required with FORCESSL.
fn tls_for(conf: &UpsmonConf, host: &str) -> Result<TlsOptions, ClientError> {
    let certhost = conf
        .cert_hosts
        .iter()
        .find(|c| c.host.eq_ignore_ascii_case(host));
    let verify = certhost.map_or(conf.cert_verify, |c| c.verify);
    let required = certhost.map_or(conf.force_ssl, |c| c.force_ssl);
    TlsOptions::nut(verify, conf.cert_path.as_deref().map(Path::new), required)
}
