//! A dummy driver from `ups.conf`: the section's options, and its `port` file read relative
//! to the configuration directory unless absolute.

use std::path::{Path, PathBuf};

use nut_protocol::config::ConfigError;
use nut_protocol::config::ups_conf::UpsConf;
use nut_protocol::devfile::DevFile;

use super::{DummyDriver, DummyOptions, Mode, OptionError, Repeater, RepeaterError, WatchedDummy};
use crate::runtime::{DriverLink, Serve};

/// Why a dummy driver could not be set up from `ups.conf`.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// No such section.
    #[error("no [{0}] section in ups.conf")]
    NoSection(String),
    /// The section's options are refused.
    #[error("[{ups}]: {error}")]
    Options {
        /// The UPS name.
        ups: String,
        /// What is wrong.
        error: OptionError,
    },
    /// The device file could not be read.
    #[error("can't open dummy-ups definition file {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The device file has errors.
    #[error("{0}")]
    Invalid(ConfigError),
    /// The repeater could not start.
    #[error("{0}")]
    Repeater(#[from] RepeaterError),
}

/// What `dummy-ups` runs: a simulation played from a file, or a repeater.
#[derive(Debug)]
pub enum DummyProgram {
    /// A `.dev`/`.seq` file, watched for changes.
    Simulation(WatchedDummy),
    /// Another upsd's UPS, re-published.
    Repeater(Repeater),
}

impl Serve for DummyProgram {
    fn start(self) -> DriverLink {
        match self {
            DummyProgram::Simulation(driver) => driver.start(),
            DummyProgram::Repeater(repeater) => repeater.start(),
        }
    }
}

/// The options a command line asks for: `-a <ups>` reads the section of `conf` with the
/// `-x`/`-i` settings over it; `-s <ups>` uses only those settings.
pub fn options_from_args(
    conf: Option<&UpsConf>,
    args: &crate::cli::DriverArgs,
) -> Result<DummyOptions, SetupError> {
    let ups = args.ups.as_deref().unwrap_or_default();
    let overrides = args.overrides();
    if !args.standalone {
        return section_options(conf.unwrap_or(&UpsConf::default()), ups, &overrides);
    }
    DummyOptions::from_settings(
        overrides
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_deref())),
    )
    .map_err(|error| SetupError::Options {
        ups: ups.into(),
        error,
    })
}

/// The program a command line asks for ([`options_from_args`]): a watched simulation, or
/// a repeater that has not looked upstream yet (see [`Repeater::start_strict`]).
pub fn program_from_args(
    conf: Option<&UpsConf>,
    confdir: &Path,
    args: &crate::cli::DriverArgs,
) -> Result<DummyProgram, SetupError> {
    program_from_options(confdir, options_from_args(conf, args)?)
}

/// The program for `[ups]` of `ups.conf` with `-x` settings `extra` over it (as upsd's
/// embedded drivers start it: a repeater looks upstream at its first poll).
pub fn program_from_ups_conf(
    conf: &UpsConf,
    confdir: &Path,
    ups: &str,
    extra: &[(String, Option<String>)],
) -> Result<DummyProgram, SetupError> {
    program_from_options(confdir, section_options(conf, ups, extra)?)
}

/// The options of `[ups]` with `extra` over them.
fn section_options(
    conf: &UpsConf,
    ups: &str,
    extra: &[(String, Option<String>)],
) -> Result<DummyOptions, SetupError> {
    let section = conf
        .section(ups)
        .ok_or_else(|| SetupError::NoSection(ups.into()))?;
    DummyOptions::from_section(section, extra).map_err(|error| SetupError::Options {
        ups: ups.into(),
        error,
    })
}

/// The program `options` ask for: a repeater, or the device file (relative to `confdir`)
/// played and watched.
pub fn program_from_options(
    confdir: &Path,
    options: DummyOptions,
) -> Result<DummyProgram, SetupError> {
    if options.mode == Mode::Repeater {
        return Ok(DummyProgram::Repeater(Repeater::new(options)?));
    }
    let path = device_path(confdir, &options);
    let file = read_device_file(&path, &options.port)?;
    Ok(DummyProgram::Simulation(WatchedDummy::new(
        DummyDriver::with_options(file, options),
        path,
    )))
}

/// The device file of `options`: `port` relative to `confdir` unless absolute.
pub fn device_path(confdir: &Path, options: &DummyOptions) -> PathBuf {
    confdir.join(&options.port)
}

/// Reads and parses the device file at `path`, logging its warnings.
pub(crate) fn read_device_file(path: &Path, name: &str) -> Result<DevFile, SetupError> {
    let bytes = std::fs::read(path).map_err(|error| SetupError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let parsed = DevFile::parse(&bytes, name);
    for warning in parsed.warnings() {
        tracing::warn!("{warning}");
    }
    parsed.into_result().map_err(SetupError::Invalid)
}

/// The dummy driver for `[ups]` of `ups.conf` (`confdir` is where ups.conf is).
pub fn from_ups_conf(conf: &UpsConf, confdir: &Path, ups: &str) -> Result<DummyDriver, SetupError> {
    from_ups_conf_with(conf, confdir, ups, &[])
}

/// [`from_ups_conf`] with command-line `-x key=value` settings (`None` for a flag) that
/// override the section's.
pub fn from_ups_conf_with(
    conf: &UpsConf,
    confdir: &Path,
    ups: &str,
    extra: &[(String, Option<String>)],
) -> Result<DummyDriver, SetupError> {
    let options = section_options(conf, ups, extra)?;
    let file = read_device_file(&device_path(confdir, &options), &options.port)?;
    Ok(DummyDriver::with_options(file, options))
}

/// [`from_ups_conf_with`], watching the file for changes as dummy-ups does.
pub fn watched_from_ups_conf(
    conf: &UpsConf,
    confdir: &Path,
    ups: &str,
    extra: &[(String, Option<String>)],
) -> Result<WatchedDummy, SetupError> {
    let driver = from_ups_conf_with(conf, confdir, ups, extra)?;
    let path = device_path(confdir, driver.options());
    Ok(WatchedDummy::new(driver, path))
}

/// The dummy driver a command line asks for: `-a <ups>` reads the section of `conf` with the
/// `-x`/`-i` settings over it; `-s <ups>` uses only those settings (`-x port=…`). A repeater
/// is refused ([`program_from_args`] runs one).
pub fn watched_from_args(
    conf: Option<&UpsConf>,
    confdir: &Path,
    args: &crate::cli::DriverArgs,
) -> Result<WatchedDummy, SetupError> {
    match program_from_args(conf, confdir, args)? {
        DummyProgram::Simulation(driver) => Ok(driver),
        DummyProgram::Repeater(repeater) => {
            Err(SetupError::Repeater(RepeaterError::NotSimulation {
                port: repeater.upstream().to_string(),
            }))
        }
    }
}
