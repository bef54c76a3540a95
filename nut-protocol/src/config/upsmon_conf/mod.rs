//! `upsmon.conf`: what upsmon watches and how it shuts the machine down (NUT-REFERENCE §5.2).
//!
//! Keywords are matched as upsmon does (case-sensitive). Unknown keywords are warnings; an old
//! 5-word `MONITOR` line (without a user name) is an error, as it is fatal in upsmon.
//!
//! ```
//! use nut_protocol::config::upsmon_conf::{self, Role};
//!
//! let text = b"MONITOR myups@localhost 1 monuser secret primary\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\n";
//! let conf = upsmon_conf::parse(text, "upsmon.conf").into_result().unwrap();
//! assert_eq!(conf.monitors[0].role, Role::Primary);
//! assert_eq!(conf.monitors[0].address.ups, "myups");
//! assert_eq!(conf.shutdown_cmd.as_deref(), Some("/sbin/shutdown -h +0"));
//! assert_eq!(conf.deadtime, 15);
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::args::Args;
use super::{DiagnosticSink, Parsed, config_lines};
use crate::address::UpsAddress;

mod notify;
#[cfg(test)]
mod tests;

pub use notify::{NotifyFlags, NotifyType, count_string_arguments};

/// This machine's role for a UPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The machine the UPS is attached to: sets FSD and waits for the secondaries
    /// (`primary`, legacy `master`).
    Primary,
    /// Another machine powered by the UPS (`secondary`, legacy `slave`).
    Secondary,
}

/// One `MONITOR` line.
#[derive(Clone, PartialEq, Eq)]
pub struct Monitor {
    /// Which UPS on which server.
    pub address: UpsAddress,
    /// The address as written (`UPSNAME` given to NOTIFYCMD).
    pub written: String,
    /// How many power supplies of this machine the UPS feeds (0: watch only).
    pub power_value: u32,
    /// upsd user name.
    pub username: String,
    /// upsd password.
    pub password: String,
    /// Primary or secondary.
    pub role: Role,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("address", &self.address)
            .field("power_value", &self.power_value)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("role", &self.role)
            .field("line", &self.line)
            .finish()
    }
}

/// `SHUTDOWNEXIT`: what upsmon does after running SHUTDOWNCMD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownExit {
    /// Exit at once (`yes`, the default).
    Yes,
    /// Never exit: keep the session so the primary keeps waiting (`no`).
    No,
    /// Exit after this many seconds.
    After(u32),
}

/// `CERTHOST <host> <certname> <verify> <forcessl>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertHost {
    /// Host name.
    pub host: String,
    /// Expected certificate name.
    pub cert_name: String,
    /// Verify the server certificate.
    pub verify: bool,
    /// Refuse to talk without TLS.
    pub force_ssl: bool,
}

/// The typed `upsmon.conf`. Defaults are upsmon's.
#[derive(Clone, PartialEq, Eq)]
pub struct UpsmonConf {
    /// `MONITOR` lines in order.
    pub monitors: Vec<Monitor>,
    /// `MINSUPPLIES` (1).
    pub min_supplies: u32,
    /// `SHUTDOWNCMD`.
    pub shutdown_cmd: Option<String>,
    /// `SHUTDOWNEXIT` (yes).
    pub shutdown_exit: ShutdownExit,
    /// `NOTIFYCMD`.
    pub notify_cmd: Option<String>,
    /// `NOTIFYMSG` overrides.
    pub notify_messages: BTreeMap<NotifyType, String>,
    /// `NOTIFYFLAG` overrides.
    pub notify_flags: BTreeMap<NotifyType, NotifyFlags>,
    /// `POLLFREQ` (5 s).
    pub poll_freq: u32,
    /// `POLLFREQALERT` (5 s).
    pub poll_freq_alert: u32,
    /// `DEADTIME` (15 s).
    pub deadtime: u32,
    /// `HOSTSYNC` (15 s).
    pub hostsync: u32,
    /// `FINALDELAY` (5 s).
    pub final_delay: u32,
    /// `RBWARNTIME` (43200 s).
    pub rb_warn_time: u32,
    /// `NOCOMMWARNTIME` (300 s).
    pub nocomm_warn_time: u32,
    /// `POWERDOWNFLAG`.
    pub powerdown_flag: Option<String>,
    /// `OFFDURATION` (30 s; 0 immediate, negative never).
    pub off_duration: i64,
    /// `OVERDURATION` (-1: never).
    pub over_duration: i64,
    /// `OBLBDURATION` (0: immediate).
    pub oblb_duration: i64,
    /// `ALARMCRITICAL` (true).
    pub alarm_critical: bool,
    /// `POLLFAIL_LOG_THROTTLE_MAX` (-1: no throttling).
    pub pollfail_log_throttle_max: i64,
    /// `RUN_AS_USER`.
    pub run_as_user: Option<String>,
    /// `CERTPATH`.
    pub cert_path: Option<String>,
    /// `CERTFILE`.
    pub cert_file: Option<String>,
    /// `CERTIDENT` name (the password is kept apart, see [`UpsmonConf::cert_ident_password`]).
    pub cert_ident: Option<String>,
    cert_ident_password: Option<String>,
    /// `CERTHOST` lines.
    pub cert_hosts: Vec<CertHost>,
    /// `CERTVERIFY` (false).
    pub cert_verify: bool,
    /// `FORCESSL` (false).
    pub force_ssl: bool,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
}

impl Default for UpsmonConf {
    fn default() -> Self {
        UpsmonConf {
            monitors: Vec::new(),
            min_supplies: 1,
            shutdown_cmd: None,
            shutdown_exit: ShutdownExit::Yes,
            notify_cmd: None,
            notify_messages: BTreeMap::new(),
            notify_flags: BTreeMap::new(),
            poll_freq: 5,
            poll_freq_alert: 5,
            deadtime: 15,
            hostsync: 15,
            final_delay: 5,
            rb_warn_time: 43200,
            nocomm_warn_time: 300,
            powerdown_flag: None,
            off_duration: 30,
            over_duration: -1,
            oblb_duration: 0,
            alarm_critical: true,
            pollfail_log_throttle_max: -1,
            run_as_user: None,
            cert_path: None,
            cert_file: None,
            cert_ident: None,
            cert_ident_password: None,
            cert_hosts: Vec::new(),
            cert_verify: false,
            force_ssl: false,
            debug_min: None,
        }
    }
}

impl fmt::Debug for UpsmonConf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpsmonConf")
            .field("monitors", &self.monitors)
            .field("min_supplies", &self.min_supplies)
            .field("shutdown_cmd", &self.shutdown_cmd)
            .field("notify_cmd", &self.notify_cmd)
            .field("deadtime", &self.deadtime)
            .field("hostsync", &self.hostsync)
            .finish_non_exhaustive()
    }
}

impl UpsmonConf {
    /// The message for a notification: the `NOTIFYMSG` override or the built-in one.
    pub fn message(&self, kind: NotifyType) -> &str {
        self.notify_messages
            .get(&kind)
            .map(String::as_str)
            .unwrap_or(kind.default_message())
    }

    /// The delivery flags for a notification: the `NOTIFYFLAG` override or SYSLOG+WALL.
    pub fn flags(&self, kind: NotifyType) -> NotifyFlags {
        self.notify_flags
            .get(&kind)
            .copied()
            .unwrap_or(NotifyFlags::DEFAULT)
    }

    /// The `CERTIDENT` database password.
    pub fn cert_ident_password(&self) -> Option<&str> {
        self.cert_ident_password.as_deref()
    }

    /// Sum of the power values of every monitored UPS (must reach MINSUPPLIES).
    pub fn total_power_value(&self) -> u64 {
        self.monitors.iter().map(|m| u64::from(m.power_value)).sum()
    }
}

fn seconds(a: &mut Args<'_>) -> Option<u32> {
    a.int(1, 0, i64::from(u32::MAX))
        .and_then(|n| u32::try_from(n).ok())
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Parses `upsmon.conf`.
pub fn parse(text: &[u8], file_name: &str) -> Parsed<UpsmonConf> {
    let mut sink = DiagnosticSink::new(file_name);
    let mut c = UpsmonConf::default();
    let lines = config_lines(text, &mut sink);
    for line in &lines {
        let mut a = Args::new(line, &mut sink);
        let keyword = a.keyword();
        let mut expected_args = 1;
        match keyword {
            "MONITOR" => {
                expected_args = 5;
                if let Some(m) = monitor(&mut a) {
                    c.monitors.push(m);
                }
            }
            "MINSUPPLIES" => set(&mut c.min_supplies, seconds(&mut a)),
            "SHUTDOWNCMD" => c.shutdown_cmd = a.text(1, "a command").or(c.shutdown_cmd.take()),
            "SHUTDOWNEXIT" => {
                if let Some(word) = a.required(1, "yes, no or a number of seconds") {
                    match word.to_ascii_lowercase().as_str() {
                        "yes" | "on" | "true" => c.shutdown_exit = ShutdownExit::Yes,
                        "no" | "off" | "false" => c.shutdown_exit = ShutdownExit::No,
                        _ => match word.parse::<u32>() {
                            Ok(n) => c.shutdown_exit = ShutdownExit::After(n),
                            Err(_) => a.error(word, "SHUTDOWNEXIT is yes, no or seconds"),
                        },
                    }
                }
            }
            "NOTIFYCMD" => c.notify_cmd = a.text(1, "a command").or(c.notify_cmd.take()),
            "NOTIFYMSG" => {
                expected_args = 2;
                let kind = notify_type(&mut a);
                if let (Some(kind), Some(message)) = (kind, a.text(2, "a type and a message")) {
                    match count_string_arguments(&message) {
                        Ok(n) if n <= kind.max_arguments() => {
                            c.notify_messages.insert(kind, message);
                        }
                        Ok(_) => a.error(&message, "too many %s for this notification type"),
                        Err(_) => a.error(&message, "only %s and %% may appear in a message"),
                    }
                }
            }
            "NOTIFYFLAG" => {
                expected_args = 2;
                let kind = notify_type(&mut a);
                if let (Some(kind), Some(word)) = (kind, a.required(2, "a type and flags")) {
                    match NotifyFlags::parse(word) {
                        Ok(flags) => {
                            c.notify_flags.insert(kind, flags);
                        }
                        Err(bad) => a.error(
                            word,
                            alloc::format!("unknown flag '{bad}' (SYSLOG, WALL, EXEC, IGNORE)"),
                        ),
                    }
                }
            }
            "POLLFREQ" => set(&mut c.poll_freq, seconds(&mut a)),
            "POLLFREQALERT" => set(&mut c.poll_freq_alert, seconds(&mut a)),
            "DEADTIME" => set(&mut c.deadtime, seconds(&mut a)),
            "HOSTSYNC" => set(&mut c.hostsync, seconds(&mut a)),
            "FINALDELAY" => set(&mut c.final_delay, seconds(&mut a)),
            "RBWARNTIME" => set(&mut c.rb_warn_time, seconds(&mut a)),
            "NOCOMMWARNTIME" => set(&mut c.nocomm_warn_time, seconds(&mut a)),
            "POWERDOWNFLAG" => c.powerdown_flag = a.text(1, "a file").or(c.powerdown_flag.take()),
            "OFFDURATION" => set(&mut c.off_duration, a.int(1, i64::MIN, i64::MAX)),
            "OVERDURATION" => set(&mut c.over_duration, a.int(1, i64::MIN, i64::MAX)),
            "OBLBDURATION" => set(&mut c.oblb_duration, a.int(1, i64::MIN, i64::MAX)),
            "ALARMCRITICAL" => set(&mut c.alarm_critical, a.bool(1)),
            "POLLFAIL_LOG_THROTTLE_MAX" => {
                set(&mut c.pollfail_log_throttle_max, a.int(1, -1, i64::MAX))
            }
            "RUN_AS_USER" => c.run_as_user = a.text(1, "a user").or(c.run_as_user.take()),
            "CERTPATH" => c.cert_path = a.text(1, "a path").or(c.cert_path.take()),
            "CERTFILE" => c.cert_file = a.text(1, "a file").or(c.cert_file.take()),
            "CERTIDENT" => {
                expected_args = 2;
                let name = a.text(1, "a certificate name and a password");
                let password = a.text(2, "a certificate name and a password");
                if name.is_some() && password.is_some() {
                    c.cert_ident = name;
                    c.cert_ident_password = password;
                }
            }
            "CERTHOST" => {
                expected_args = 4;
                let host = a.text(1, "host, certificate name, verify and forcessl");
                let cert_name = a.text(2, "host, certificate name, verify and forcessl");
                let verify = a.bool(3);
                let force_ssl = a.bool(4);
                if let (Some(host), Some(cert_name), Some(verify), Some(force_ssl)) =
                    (host, cert_name, verify, force_ssl)
                {
                    c.cert_hosts.push(CertHost {
                        host,
                        cert_name,
                        verify,
                        force_ssl,
                    });
                }
            }
            "CERTVERIFY" => set(&mut c.cert_verify, a.bool(1)),
            "FORCESSL" => set(&mut c.force_ssl, a.bool(1)),
            "DEBUG_MIN" => c.debug_min = seconds(&mut a).or(c.debug_min),
            _ => {
                a.warning(keyword, "unknown directive ignored");
                continue;
            }
        }
        a.extra_ignored(expected_args);
    }
    sink.finish(c)
}

fn notify_type(a: &mut Args<'_>) -> Option<NotifyType> {
    let word = a.required(1, "a notification type")?;
    let kind = NotifyType::from_name(word);
    if kind.is_none() {
        a.error(word, "unknown notification type");
    }
    kind
}

fn monitor(a: &mut Args<'_>) -> Option<Monitor> {
    if a.count() == 5 {
        let keyword = a.keyword();
        a.error(
            keyword,
            "Unable to use old-style MONITOR line without a username (convert it and add a username to upsd.users - see the documentation)",
        );
        return None;
    }
    let written = a.required(1, "<ups>@<host> <powervalue> <user> <password> <role>")?;
    let power = a.required(2, "a power value")?;
    let username = a.required(3, "a user name")?;
    let password = a.required(4, "a password")?;
    let role_word = a.required(5, "primary or secondary")?;
    let address = match written.parse::<UpsAddress>() {
        Ok(address) => Some(address),
        Err(_) => {
            a.error(written, "not a UPS address (upsname[@host[:port]])");
            None
        }
    };
    let power_value = match power.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            a.error(power, "the power value must be a whole number ≥ 0");
            None
        }
    };
    let role = match role_word.to_ascii_lowercase().as_str() {
        "primary" | "master" => Some(Role::Primary),
        "secondary" | "slave" => Some(Role::Secondary),
        _ => {
            a.error(
                role_word,
                "the role is primary or secondary (or master/slave)",
            );
            None
        }
    };
    Some(Monitor {
        address: address?,
        written: String::from(written),
        power_value: power_value?,
        username: String::from(username),
        password: String::from(password),
        role: role?,
        line: a.line.line,
    })
}
