//! What `ups.conf` (and `-x key=value` on the command line) tells dummy-ups: the device file
//! (`port`), the mode, and the core driver options it publishes as `driver.parameter.*` and
//! `driver.flag.*`. Keys dummy-ups 2.8.0 does not accept are refused with its message.

use nut_protocol::address::{AddressError, UpsAddress};
use nut_protocol::config::ups_conf::UpsSection;

/// The driver's program name, published as `driver.name`.
pub const DRIVER_NAME: &str = "dummy-ups";
/// The NUT version dummy-ups reports (`driver.version`).
pub const DRIVER_VERSION: &str = "2.8.0";
/// dummy-ups' own version (`driver.version.internal`).
pub const DRIVER_VERSION_INTERNAL: &str = "0.15";
/// NUT's default poll interval in seconds.
pub const DEFAULT_POLLINTERVAL: u64 = 2;

/// Section keys accepted and not published (they are for upsd, upsdrvctl or the process).
const SILENT_KEYS: &[&str] = &["driver", "desc", "sdorder", "user", "group"];
/// Flags the driver core accepts (published as `driver.flag.<name>`).
const KNOWN_FLAGS: &[&str] = &["nolock", "ignorelb", REPEATER_DISABLE_STRICT_START];
/// The flag that lets a repeater start while its upstream is unreachable (newer NUT's name).
pub const REPEATER_DISABLE_STRICT_START: &str = "repeater_disable_strict_start";

/// How the device file is played (`mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `dummy-once`: read to the end once (default for `*.dev`); re-read when the file changes.
    Once,
    /// `dummy-loop`: read again from the top after the end (default for `*.seq`).
    Loop,
    /// `dummy`: the legacy name of `dummy-loop`, the default for other file names.
    Dummy,
    /// `repeater`: re-publish a UPS of another upsd (`port = ups@host[:port]`, the default
    /// when the port has an `@`).
    Repeater,
}

impl Mode {
    /// The name as `ups.conf` writes it and `driver.parameter.mode` publishes it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Once => "dummy-once",
            Mode::Loop => "dummy-loop",
            Mode::Dummy => "dummy",
            Mode::Repeater => "repeater",
        }
    }

    /// The mode named `name`, if it is one dummy-ups knows.
    pub fn from_name(name: &str) -> Option<Mode> {
        [Mode::Once, Mode::Loop, Mode::Dummy, Mode::Repeater]
            .into_iter()
            .find(|mode| mode.name() == name)
    }

    /// What dummy-ups guesses from the port: `ups@host` repeats, `.dev` plays once, `.seq`
    /// loops, anything else is `dummy`.
    pub fn for_port(port: &str) -> Mode {
        if port.contains('@') {
            Mode::Repeater
        } else if port.ends_with(".dev") {
            Mode::Once
        } else if port.ends_with(".seq") {
            Mode::Loop
        } else {
            Mode::Dummy
        }
    }

    /// True when the file is played again from the top after its end.
    pub fn loops(self) -> bool {
        matches!(self, Mode::Loop | Mode::Dummy)
    }
}

/// Why the options were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    /// A `key = value` dummy-ups does not know (its wording).
    #[error("'{key}' is not a valid variable name for this driver.")]
    UnknownVariable {
        /// The key.
        key: String,
    },
    /// A bare flag dummy-ups does not know (its wording).
    #[error("'{key}' is not a valid flag for this driver.")]
    UnknownFlag {
        /// The flag.
        key: String,
    },
    /// `driver = …` names another driver.
    #[error("UPS is for driver {driver}, but I'm {DRIVER_NAME}!")]
    WrongDriver {
        /// The configured driver.
        driver: String,
    },
    /// No `port`.
    #[error("no port configured")]
    NoPort,
    /// The repeater's `port` is not `upsname[@hostname[:port]]` (dummy-ups' wording).
    #[error("invalid UPS definition '{port}'. Required format: upsname[@hostname[:port]]")]
    BadUpstream {
        /// The port value.
        port: String,
        /// What is wrong with it.
        #[source]
        error: AddressError,
    },
    /// A repeater's `password` without a `username`.
    #[error("password given without username")]
    PasswordWithoutUser,
    /// `certverify` or `forcessl` is not `0` or `1`.
    #[error("invalid {key} '{value}' (0 or 1)")]
    BadSwitch {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// `pollinterval` is not a whole number of seconds.
    #[error("invalid pollinterval '{value}'")]
    BadPollInterval {
        /// The value.
        value: String,
    },
}

/// The settings of one simulated UPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DummyOptions {
    /// The device file, as written in `ups.conf` (published as `driver.parameter.port`).
    pub port: String,
    /// How the file is played.
    pub mode: Mode,
    /// Seconds between passes of a looping file (`driver.parameter.pollinterval`).
    pub pollinterval: u64,
    /// `driver.parameter.synchronous`.
    pub synchronous: String,
    /// Bare flags, published as `driver.flag.<name>` = `enabled`.
    pub flags: Vec<String>,
    /// `default.<var> = value`: initial values the file may change.
    pub defaults: Vec<(String, String)>,
    /// `override.<var> = value`: values nothing changes.
    pub overrides: Vec<(String, String)>,
    /// The repeater's upstream UPS (the parsed `port`), `Some` in [`Mode::Repeater`].
    pub upstream: Option<UpsAddress>,
    /// The repeater logs in upstream as this user (`username`) to pass `SET` and `INSTCMD`.
    pub username: Option<String>,
    /// The upstream user's password (`password`), never published.
    pub password: Option<String>,
    /// The repeater checks the upstream certificate (`certverify = 1`, as upsmon's
    /// `CERTVERIFY`); by default STARTTLS is unverified, as dummy-ups' `UPSCLI_CONN_TRYSSL`.
    pub certverify: bool,
    /// The CAs `certverify` checks against (`certpath`, as upsmon's `CERTPATH`: a PEM file
    /// or a directory holding one); the system's without it.
    pub certpath: Option<String>,
    /// The repeater refuses an upstream without STARTTLS (`forcessl = 1`, as upsmon's
    /// `FORCESSL`).
    pub forcessl: bool,
}

impl DummyOptions {
    /// The defaults for `port`: the mode guessed from its name, NUT's poll interval.
    pub fn new(port: &str) -> DummyOptions {
        DummyOptions {
            port: port.into(),
            mode: Mode::for_port(port),
            pollinterval: DEFAULT_POLLINTERVAL,
            synchronous: "auto".into(),
            flags: Vec::new(),
            defaults: Vec::new(),
            overrides: Vec::new(),
            upstream: None,
            username: None,
            password: None,
            certverify: false,
            certpath: None,
            forcessl: false,
        }
    }

    /// True when a repeater may start with its upstream unreachable
    /// (`repeater_disable_strict_start`).
    pub fn lenient_start(&self) -> bool {
        self.flags
            .iter()
            .any(|f| f == REPEATER_DISABLE_STRICT_START)
    }

    /// Reads `settings` (`key`, `Some(value)` or `None` for a flag) in order; later ones win,
    /// as `-x` after `-a` overrides `ups.conf`. An unknown `mode` falls back to the guess
    /// from the port, as dummy-ups does.
    pub fn from_settings<'a>(
        settings: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Result<DummyOptions, OptionError> {
        let mut port = None;
        let mut mode = None;
        let mut options = DummyOptions::new("");
        for (key, value) in settings {
            let Some(value) = value else {
                if !KNOWN_FLAGS.contains(&key) {
                    return Err(OptionError::UnknownFlag { key: key.into() });
                }
                if !options.flags.iter().any(|f| f == key) {
                    options.flags.push(key.into());
                }
                continue;
            };
            if let Some(var) = key.strip_prefix("override.") {
                options.overrides.push((var.into(), value.into()));
                continue;
            }
            if let Some(var) = key.strip_prefix("default.") {
                options.defaults.push((var.into(), value.into()));
                continue;
            }
            match key {
                "port" => port = Some(value),
                "mode" => mode = Some(value),
                "pollinterval" => {
                    options.pollinterval =
                        value
                            .trim()
                            .parse()
                            .map_err(|_| OptionError::BadPollInterval {
                                value: value.into(),
                            })?;
                }
                "synchronous" => options.synchronous = value.into(),
                "username" => options.username = Some(value.into()),
                "password" => options.password = Some(value.into()),
                "certverify" => options.certverify = switch(key, value)?,
                "certpath" => options.certpath = Some(value.into()),
                "forcessl" => options.forcessl = switch(key, value)?,
                "driver" if value != DRIVER_NAME => {
                    return Err(OptionError::WrongDriver {
                        driver: value.into(),
                    });
                }
                key if SILENT_KEYS.contains(&key) => {}
                key => return Err(OptionError::UnknownVariable { key: key.into() }),
            }
        }
        let port = port.ok_or(OptionError::NoPort)?;
        options.port = port.into();
        options.mode = match mode {
            Some(name) => Mode::from_name(name).unwrap_or_else(|| {
                tracing::warn!(mode = name, "unknown mode, guessing from the port");
                Mode::for_port(port)
            }),
            None => Mode::for_port(port),
        };
        if options.mode == Mode::Repeater {
            let upstream =
                port.parse::<UpsAddress>()
                    .map_err(|error| OptionError::BadUpstream {
                        port: port.into(),
                        error,
                    })?;
            options.upstream = Some(upstream);
        }
        if options.password.is_some() && options.username.is_none() {
            return Err(OptionError::PasswordWithoutUser);
        }
        Ok(options)
    }

    /// The options of `section`, then `extra` (`-x key=value`, `None` for a flag).
    pub fn from_section(
        section: &UpsSection,
        extra: &[(String, Option<String>)],
    ) -> Result<DummyOptions, OptionError> {
        DummyOptions::from_settings(
            section
                .settings
                .iter()
                .map(|s| (s.key.as_str(), s.value.as_deref()))
                .chain(extra.iter().map(|(k, v)| (k.as_str(), v.as_deref()))),
        )
    }

    /// The `driver.*` variables dummy-ups publishes for these options, alphabetically.
    pub fn driver_variables(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = vec![
            ("driver.name".into(), DRIVER_NAME.into()),
            ("driver.parameter.mode".into(), self.mode.name().into()),
            (
                "driver.parameter.pollinterval".into(),
                self.pollinterval.to_string(),
            ),
            ("driver.parameter.port".into(), self.port.clone()),
            (
                "driver.parameter.synchronous".into(),
                self.synchronous.clone(),
            ),
            ("driver.version".into(), DRIVER_VERSION.into()),
            (
                "driver.version.internal".into(),
                DRIVER_VERSION_INTERNAL.into(),
            ),
        ];
        out.extend(
            self.username
                .iter()
                .map(|user| ("driver.parameter.username".to_string(), user.clone())),
        );
        out.extend(
            [
                ("certverify", self.certverify.then(|| "1".to_string())),
                ("certpath", self.certpath.clone()),
                ("forcessl", self.forcessl.then(|| "1".to_string())),
            ]
            .into_iter()
            .filter_map(|(key, value)| Some((format!("driver.parameter.{key}"), value?))),
        );
        out.extend(
            self.flags
                .iter()
                .map(|flag| (format!("driver.flag.{flag}"), "enabled".to_string())),
        );
        out.sort();
        out
    }
}

/// A `0`/`1` setting, as upsmon.conf writes `CERTVERIFY` and `FORCESSL`.
fn switch(key: &str, value: &str) -> Result<bool, OptionError> {
    match value.trim() {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(OptionError::BadSwitch {
            key: key.into(),
            value: value.into(),
        }),
    }
}
