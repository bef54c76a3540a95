//! The command line every NUT driver shares (`drivers/main.c`): `-a <ups>` (or `-s <ups>`
//! with `-x port=…`), `-x key[=value]`, `-u <user>`, `-i <seconds>`, `-k`, `-d <count>`,
//! `-c <command>`, `-D`, `-F`, `-B`, …

/// What the command line asks of a driver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriverArgs {
    /// `-a <ups>`: the `ups.conf` section; or `-s <ups>`: the name of a UPS configured
    /// only by `-x` settings (see [`DriverArgs::standalone`]).
    pub ups: Option<String>,
    /// True with `-s`: no `ups.conf` section is read.
    pub standalone: bool,
    /// `-x key=value` (or `-x flag`, value `None`) in order; they override `ups.conf`.
    pub settings: Vec<(String, Option<String>)>,
    /// `-u <user>`: the user to run as.
    pub user: Option<String>,
    /// `-g <group>`: the socket's group.
    pub group: Option<String>,
    /// `-i <seconds>`: the poll interval.
    pub pollinterval: Option<u64>,
    /// How many `-D`: the debug level.
    pub debug: u8,
    /// `-F`: stay in the foreground (`-B` clears it).
    pub foreground: bool,
    /// `-B`: go to the background even when debugging.
    pub background: bool,
    /// `-h`: print the usage and exit.
    pub help: bool,
    /// `-V`: print the version and exit.
    pub version: bool,
    /// `-k`: tell the UPS to cut the load (killpower), then exit.
    pub kill_power: bool,
    /// `-d <count>`: print the data after `count` updates and exit.
    pub dump_after: Option<u64>,
    /// `-c <command>`: signal the running driver of this UPS (`reload`, `exit`) and exit.
    pub control: Option<String>,
}

/// Why the command line is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    /// An option that needs a value came last.
    #[error("option {0} requires an argument")]
    MissingValue(String),
    /// An option this runtime does not know (or does not support, like `-k`).
    #[error("invalid option {0}")]
    Unknown(String),
    /// `-i` with something other than whole seconds.
    #[error("invalid poll interval '{0}'")]
    BadInterval(String),
    /// `-d` with something other than a count.
    #[error("invalid dump count '{0}'")]
    BadCount(String),
    /// Neither `-a` nor `-s`.
    #[error("no UPS specified (-a <id> or -s <id>)")]
    NoUps,
}

impl DriverArgs {
    /// Reads the arguments after the program name.
    pub fn parse<I, S>(args: I) -> Result<DriverArgs, ArgsError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut out = DriverArgs::default();
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
                return Err(ArgsError::Unknown(arg));
            };
            // Short options may be grouped (`-FD`); one taking a value takes the rest of
            // the word or the next argument.
            for (index, flag) in flags.char_indices() {
                let takes_value =
                    matches!(flag, 'a' | 's' | 'x' | 'u' | 'g' | 'i' | 'r' | 'd' | 'c');
                if takes_value {
                    let rest = flags.get(index + flag.len_utf8()..).unwrap_or("");
                    let value = if rest.is_empty() {
                        args.next()
                            .ok_or_else(|| ArgsError::MissingValue(format!("-{flag}")))?
                    } else {
                        rest.to_string()
                    };
                    out.take_value(flag, value)?;
                    break;
                }
                match flag {
                    'D' => out.debug = out.debug.saturating_add(1),
                    'F' => {
                        out.foreground = true;
                        out.background = false;
                    }
                    'B' => {
                        out.foreground = false;
                        out.background = true;
                    }
                    'q' => {}
                    'k' => out.kill_power = true,
                    'h' => out.help = true,
                    'V' => out.version = true,
                    other => return Err(ArgsError::Unknown(format!("-{other}"))),
                }
            }
        }
        if out.ups.is_none() && !out.help && !out.version {
            return Err(ArgsError::NoUps);
        }
        Ok(out)
    }

    fn take_value(&mut self, flag: char, value: String) -> Result<(), ArgsError> {
        match flag {
            'a' => self.ups = Some(value),
            's' => {
                self.ups = Some(value);
                self.standalone = true;
            }
            'x' => self.settings.push(match value.split_once('=') {
                Some((key, value)) => (key.to_string(), Some(value.to_string())),
                None => (value, None),
            }),
            'u' => self.user = Some(value),
            'g' => self.group = Some(value),
            'i' => {
                self.pollinterval = Some(
                    value
                        .trim()
                        .parse()
                        .map_err(|_| ArgsError::BadInterval(value.clone()))?,
                );
            }
            'd' => {
                self.dump_after = Some(
                    value
                        .trim()
                        .parse()
                        .map_err(|_| ArgsError::BadCount(value.clone()))?,
                );
            }
            'c' => self.control = Some(value),
            // -r <dir> (chroot) is accepted and ignored.
            _ => {}
        }
        Ok(())
    }

    /// Whether the driver goes to the background, by NUT's rule: yes unless `-F`, or `-D`
    /// without `-B`.
    pub fn detaches(&self) -> bool {
        self.background || !(self.foreground || self.debug > 0)
    }

    /// The settings to apply over `ups.conf`: the `-x` ones, then `-i` as `pollinterval`.
    pub fn overrides(&self) -> Vec<(String, Option<String>)> {
        let mut out = self.settings.clone();
        if let Some(seconds) = self.pollinterval {
            out.push(("pollinterval".into(), Some(seconds.to_string())));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nut_driver_flags() {
        let args = DriverArgs::parse([
            "-a",
            "ups1",
            "-u",
            "root",
            "-FDD",
            "-x",
            "mode=dummy-loop",
            "-xnolock",
            "-i",
            "5",
        ])
        .expect("valid");
        assert_eq!(args.ups.as_deref(), Some("ups1"));
        assert!(!args.standalone);
        assert_eq!(args.user.as_deref(), Some("root"));
        assert!(args.foreground);
        assert!(!args.detaches());
        assert_eq!(args.debug, 2);
        assert_eq!(
            args.overrides(),
            [
                ("mode".to_string(), Some("dummy-loop".to_string())),
                ("nolock".to_string(), None),
                ("pollinterval".to_string(), Some("5".to_string())),
            ]
        );
    }

    #[test]
    fn background_unless_foreground_or_debugging_without_b() {
        let detaches =
            |args: &[&str]| DriverArgs::parse(args.iter().copied()).map(|a| a.detaches());
        assert_eq!(detaches(&["-a", "u"]), Ok(true));
        assert_eq!(detaches(&["-a", "u", "-F"]), Ok(false));
        assert_eq!(detaches(&["-a", "u", "-D"]), Ok(false));
        assert_eq!(detaches(&["-a", "u", "-DB"]), Ok(true));
        assert_eq!(detaches(&["-a", "u", "-B", "-F"]), Ok(false));
    }

    #[test]
    fn refusals() {
        assert_eq!(DriverArgs::parse(["-F"]), Err(ArgsError::NoUps));
        assert_eq!(
            DriverArgs::parse(["-a"]),
            Err(ArgsError::MissingValue("-a".into()))
        );
        assert_eq!(
            DriverArgs::parse(["-a", "u", "-z"]),
            Err(ArgsError::Unknown("-z".into()))
        );
        assert_eq!(
            DriverArgs::parse(["-a", "u", "-d", "x"]),
            Err(ArgsError::BadCount("x".into()))
        );
        assert_eq!(
            DriverArgs::parse(["-a", "u", "-i", "x"]),
            Err(ArgsError::BadInterval("x".into()))
        );
        assert!(DriverArgs::parse(["-h"]).is_ok_and(|a| a.help));
    }

    #[test]
    fn killpower_dump_and_control() {
        let args = DriverArgs::parse(["-a", "u", "-k", "-d", "3", "-c", "reload"]).expect("ok");
        assert!(args.kill_power);
        assert_eq!(args.dump_after, Some(3));
        assert_eq!(args.control.as_deref(), Some("reload"));
        let args = DriverArgs::parse(["-s", "u", "-xport=/dev/x"]).expect("ok");
        assert!(args.standalone && !args.kill_power && args.dump_after.is_none());
    }
}
