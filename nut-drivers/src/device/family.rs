//! What a generic driver program needs from a family besides [`DeviceProtocol`]: its names,
//! the settings it accepts, and how to build it (and its port opener) from them.

use super::config::{ConfigError, DriverConfig};
use super::{DeviceProtocol, PortOpener};

/// A family a generic driver program (`nut_examples::driver::main::<F>()`) can run.
///
/// ```text
/// impl Family for Qx {
///     type Opener = SerialOpener;
///     const DRIVER_NAME: &'static str = "nutdrv_qx";
///     const DESCRIPTION: &'static str = "Generic Q* Serial driver";
///     const VERSION: &'static str = "0.32";
///     fn config_keys() -> &'static [&'static str] { &["protocol", "novendor", "ondelay"] }
///     fn from_config(config: &DriverConfig) -> Result<(Self, SerialOpener), ConfigError> { … }
/// }
/// ```
pub trait Family: DeviceProtocol + Sized {
    /// Opens the port named by the `port` setting.
    type Opener: PortOpener<Port = Self::Port>;

    /// The program's name (`nutdrv_qx`): the `driver = …` it answers to, the socket
    /// `<statepath>/<name>-<ups>` and the PID file `<name>-<ups>.pid`.
    const DRIVER_NAME: &'static str;

    /// What the banner calls it (`Generic Q* Serial driver`).
    const DESCRIPTION: &'static str;

    /// The family's version for the banner (as [`DeviceProtocol::version`]).
    const VERSION: &'static str;

    /// The settings this family accepts beyond [`super::COMMON_KEYS`] (valued keys and bare
    /// flags); any other key makes the driver refuse to start, naming it.
    fn config_keys() -> &'static [&'static str];

    /// The family and its port opener for these settings (`port`, the family's keys); a
    /// missing or unusable setting is a [`ConfigError`] naming it.
    fn from_config(config: &DriverConfig) -> Result<(Self, Self::Opener), ConfigError>;
}
