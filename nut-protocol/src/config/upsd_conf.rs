//! `upsd.conf`: the data server's settings (NUT-REFERENCE §4.2).
//!
//! Keywords are case-sensitive, except `DEBUG_MIN`, as in upsd. Unknown keywords and the
//! obsolete `ACCEPT`, `REJECT` and `ACL` are warnings (upsd logs and ignores them).
//!
//! ```
//! use nut_protocol::config::upsd_conf;
//!
//! let parsed = upsd_conf::parse(b"LISTEN 0.0.0.0 3493\nMAXAGE 25\n", "upsd.conf");
//! let conf = parsed.into_result().unwrap();
//! assert_eq!(conf.maxage, 25);
//! assert_eq!(conf.listen[0].address, "0.0.0.0");
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::args::Args;
use super::{DiagnosticSink, Parsed, config_lines};

/// The IANA port of the NUT protocol.
pub const DEFAULT_PORT: u16 = 3493;

/// One `LISTEN` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// Host name or address as written (`*` means both wildcards).
    pub address: String,
    /// TCP port (3493 when not given).
    pub port: u16,
}

/// Whether upsd asks TLS clients for a certificate (`CERTREQUEST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertRequest {
    /// Do not ask (0, `NO`).
    #[default]
    No,
    /// Ask, but accept clients without one (1, `REQUEST`).
    Request,
    /// Require a valid client certificate (2, `REQUIRE`).
    Require,
}

/// `CERTIDENT <name> <password>`.
#[derive(Clone, PartialEq, Eq)]
pub struct CertIdent {
    /// Certificate name (NSS nickname).
    pub name: String,
    /// Database password.
    pub password: String,
}

impl core::fmt::Debug for CertIdent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CertIdent")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The typed `upsd.conf`. Defaults are upsd's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsdConf {
    /// `MAXAGE`: seconds of driver silence before data is stale (15).
    pub maxage: u32,
    /// `TRACKINGDELAY`: seconds a TRACKING result is kept (3600).
    pub tracking_delay: u32,
    /// `ALLOW_NO_DEVICE`: start with no UPS in ups.conf (false).
    pub allow_no_device: bool,
    /// `ALLOW_NOT_ALL_LISTENERS`: go on when some LISTEN addresses fail (false).
    pub allow_not_all_listeners: bool,
    /// `STATEPATH`: where the driver sockets are (None: see
    /// [`super::ups_conf::resolve_statepath`]).
    pub statepath: Option<String>,
    /// `DATAPATH`: where `cmdvartab` is.
    pub datapath: Option<String>,
    /// `LISTEN` lines in order; empty means the defaults ([`UpsdConf::listen_or_default`]).
    pub listen: Vec<Listen>,
    /// `MAXCONN`: maximum connections (None: the file-descriptor limit).
    pub maxconn: Option<u32>,
    /// `CERTFILE`: PEM certificate chain and key for STARTTLS.
    pub certfile: Option<String>,
    /// `CERTPATH`: CA directory or NSS database.
    pub certpath: Option<String>,
    /// `CERTIDENT`.
    pub certident: Option<CertIdent>,
    /// `CERTREQUEST`.
    pub certrequest: CertRequest,
    /// `DISABLE_WEAK_SSL`: TLS 1.2 and later only (false).
    pub disable_weak_ssl: bool,
    /// `DEBUG_MIN`: minimum debug level.
    pub debug_min: Option<u32>,
}

impl Default for UpsdConf {
    fn default() -> Self {
        UpsdConf {
            maxage: 15,
            tracking_delay: 3600,
            allow_no_device: false,
            allow_not_all_listeners: false,
            statepath: None,
            datapath: None,
            listen: Vec::new(),
            maxconn: None,
            certfile: None,
            certpath: None,
            certident: None,
            certrequest: CertRequest::No,
            disable_weak_ssl: false,
            debug_min: None,
        }
    }
}

impl UpsdConf {
    /// The addresses to listen on: the `LISTEN` lines, or upsd's defaults `127.0.0.1` and
    /// `::1` on port 3493 when there are none.
    pub fn listen_or_default(&self) -> Vec<Listen> {
        if !self.listen.is_empty() {
            return self.listen.clone();
        }
        ["127.0.0.1", "::1"]
            .into_iter()
            .map(|address| Listen {
                address: String::from(address),
                port: DEFAULT_PORT,
            })
            .collect()
    }
}

fn u32_arg(args: &mut Args<'_>, index: usize) -> Option<u32> {
    args.int(index, 0, i64::from(u32::MAX))
        .and_then(|n| u32::try_from(n).ok())
}

/// Parses `upsd.conf`.
pub fn parse(text: &[u8], file_name: &str) -> Parsed<UpsdConf> {
    let mut sink = DiagnosticSink::new(file_name);
    let mut conf = UpsdConf::default();
    let lines = config_lines(text, &mut sink);
    for line in &lines {
        let mut a = Args::new(line, &mut sink);
        let keyword = a.keyword();
        match keyword {
            "MAXAGE" => set(&mut conf.maxage, u32_arg(&mut a, 1)),
            "TRACKINGDELAY" => set(&mut conf.tracking_delay, u32_arg(&mut a, 1)),
            "ALLOW_NO_DEVICE" => set(&mut conf.allow_no_device, a.bool(1)),
            "ALLOW_NOT_ALL_LISTENERS" => set(&mut conf.allow_not_all_listeners, a.bool(1)),
            "STATEPATH" => conf.statepath = a.text(1, "a directory").or(conf.statepath.take()),
            "DATAPATH" => conf.datapath = a.text(1, "a directory").or(conf.datapath.take()),
            "LISTEN" => {
                if let Some(address) = a.text(1, "an address") {
                    let port = if a.word(2).is_some() {
                        a.int(2, 1, 65535).and_then(|p| u16::try_from(p).ok())
                    } else {
                        Some(DEFAULT_PORT)
                    };
                    if let Some(port) = port {
                        conf.listen.push(Listen { address, port });
                    }
                }
                a.extra_ignored(2);
                continue;
            }
            "MAXCONN" => {
                if let Some(n) = a.int(1, 1, i64::from(u32::MAX)) {
                    conf.maxconn = u32::try_from(n).ok();
                }
            }
            "CERTFILE" => conf.certfile = a.text(1, "a file").or(conf.certfile.take()),
            "CERTPATH" => conf.certpath = a.text(1, "a path").or(conf.certpath.take()),
            "CERTIDENT" => {
                let name = a.text(1, "a certificate name and a password");
                let password = a.text(2, "a certificate name and a password");
                if let (Some(name), Some(password)) = (name, password) {
                    conf.certident = Some(CertIdent { name, password });
                }
                a.extra_ignored(2);
                continue;
            }
            "CERTREQUEST" => {
                if let Some(word) = a.required(1, "0/1/2 or NO/REQUEST/REQUIRE") {
                    match word.to_ascii_uppercase().as_str() {
                        "0" | "NO" => conf.certrequest = CertRequest::No,
                        "1" | "REQUEST" => conf.certrequest = CertRequest::Request,
                        "2" | "REQUIRE" => conf.certrequest = CertRequest::Require,
                        _ => a.error(word, "CERTREQUEST takes 0, 1, 2, NO, REQUEST or REQUIRE"),
                    }
                }
            }
            "DISABLE_WEAK_SSL" => set(&mut conf.disable_weak_ssl, a.bool(1)),
            "ACCEPT" | "REJECT" | "ACL" => {
                a.warning(
                    keyword,
                    "obsolete directive ignored (use LISTEN and a firewall)",
                );
                continue;
            }
            _ if keyword.eq_ignore_ascii_case("DEBUG_MIN") => {
                conf.debug_min = u32_arg(&mut a, 1).or(conf.debug_min);
            }
            _ => {
                a.warning(keyword, "unknown directive ignored");
                continue;
            }
        }
        a.extra_ignored(1);
    }
    sink.finish(conf)
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn every_directive() {
        let text =
            b"MAXAGE 30\nTRACKINGDELAY 60\nALLOW_NO_DEVICE true\nALLOW_NOT_ALL_LISTENERS 1\n\
STATEPATH /run/nut\nDATAPATH /usr/share/nut\nLISTEN 127.0.0.1 3493\nLISTEN ::1\nLISTEN * 4000\n\
MAXCONN 1024\nCERTFILE /etc/nut/upsd.pem\nCERTPATH /etc/nut/ca\nCERTIDENT \"my cert\" secret\n\
CERTREQUEST REQUIRE\nDISABLE_WEAK_SSL yes\ndebug_min 2\n";
        let parsed = parse(text, "upsd.conf");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let c = parsed.config;
        assert_eq!((c.maxage, c.tracking_delay), (30, 60));
        assert!(c.allow_no_device && c.allow_not_all_listeners && c.disable_weak_ssl);
        assert_eq!(c.statepath.as_deref(), Some("/run/nut"));
        assert_eq!(c.datapath.as_deref(), Some("/usr/share/nut"));
        assert_eq!(c.listen.len(), 3);
        assert_eq!(
            c.listen[1],
            Listen {
                address: "::1".into(),
                port: 3493
            }
        );
        assert_eq!(c.listen[2].port, 4000);
        assert_eq!(c.maxconn, Some(1024));
        assert_eq!(c.certfile.as_deref(), Some("/etc/nut/upsd.pem"));
        assert_eq!(c.certpath.as_deref(), Some("/etc/nut/ca"));
        assert_eq!(
            c.certident.as_ref().map(|i| i.name.as_str()),
            Some("my cert")
        );
        assert!(!alloc::format!("{:?}", c.certident).contains("secret"));
        assert_eq!(c.certrequest, CertRequest::Require);
        assert_eq!(c.debug_min, Some(2));
    }

    #[test]
    fn defaults_when_empty() {
        let c = parse(b"# nothing\n", "upsd.conf").config;
        assert_eq!(c, UpsdConf::default());
        let listen = c.listen_or_default();
        assert_eq!(listen.len(), 2);
        assert!(listen.iter().all(|l| l.port == 3493));
    }

    #[test]
    fn keywords_are_case_sensitive_except_debug_min() {
        let parsed = parse(b"maxage 20\nDebug_Min 3\n", "upsd.conf");
        assert_eq!(parsed.config.maxage, 15);
        assert_eq!(parsed.config.debug_min, Some(3));
        assert_eq!(parsed.warnings().count(), 1);
    }

    #[test]
    fn all_errors_are_reported_with_line_and_word() {
        let parsed = parse(
            b"MAXAGE soon\nLISTEN\nLISTEN 1.2.3.4 99999\nCERTREQUEST maybe\nACL all\nFOO 1\nMAXAGE 20\n",
            "upsd.conf",
        );
        let errors: Vec<_> = parsed.errors().map(|d| (d.line, d.word.clone())).collect();
        assert_eq!(
            errors,
            [
                (1, "soon".into()),
                (2, "LISTEN".into()),
                (3, "99999".into()),
                (4, "maybe".into())
            ]
        );
        assert_eq!(parsed.warnings().count(), 2);
        assert_eq!(
            parsed.config.maxage, 20,
            "the rest of the file still counts"
        );
        let message = parsed.into_result().unwrap_err().to_string();
        assert!(message.starts_with("upsd.conf:1:soon: error:"), "{message}");
    }
}
