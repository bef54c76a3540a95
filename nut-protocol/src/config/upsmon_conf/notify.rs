//! upsmon's notification types and delivery flags (`NOTIFYMSG`, `NOTIFYFLAG`).

use bitflags::bitflags;

bitflags! {
    /// How a notification is delivered (`NOTIFYFLAG <type> SYSLOG+WALL+EXEC`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct NotifyFlags: u8 {
        /// Log it through syslog.
        const SYSLOG = 1;
        /// Send it to every terminal (`wall`).
        const WALL = 2;
        /// Run `NOTIFYCMD` with it.
        const EXEC = 4;
        /// Do nothing (overrides the others).
        const IGNORE = 8;
    }
}

impl NotifyFlags {
    /// upsmon's default delivery: syslog and wall.
    pub const DEFAULT: NotifyFlags = NotifyFlags::SYSLOG.union(NotifyFlags::WALL);

    /// Reads `SYSLOG+WALL+…` (flag names case-insensitive); `Err` carries the unknown part.
    pub fn parse(text: &str) -> Result<NotifyFlags, &str> {
        text.split('+').try_fold(NotifyFlags::empty(), |acc, part| {
            let flag = match part.to_ascii_uppercase().as_str() {
                "SYSLOG" => NotifyFlags::SYSLOG,
                "WALL" => NotifyFlags::WALL,
                "EXEC" => NotifyFlags::EXEC,
                "IGNORE" => NotifyFlags::IGNORE,
                _ => return Err(part),
            };
            Ok(acc | flag)
        })
    }
}

macro_rules! notify_types {
    ($($variant:ident = $name:literal, $message:literal, $args:literal;)*) => {
        /// Every event upsmon notifies about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum NotifyType {
            $(
                #[doc = concat!("`", $name, "`: ", $message)]
                $variant,
            )*
        }

        impl NotifyType {
            /// Every type, in upsmon's table order.
            pub const ALL: &'static [NotifyType] = &[$(NotifyType::$variant),*];

            /// The name used in `NOTIFYMSG`, `NOTIFYFLAG`, upssched's `AT` and `$NOTIFYTYPE`.
            pub fn name(self) -> &'static str {
                match self { $(NotifyType::$variant => $name),* }
            }

            /// upsmon's built-in message (`%s` is the UPS name; ALARM/OTHER take a second one).
            pub fn default_message(self) -> &'static str {
                match self { $(NotifyType::$variant => $message),* }
            }

            /// How many `%s` a message for this type may use.
            pub fn max_arguments(self) -> usize {
                match self { $(NotifyType::$variant => $args),* }
            }
        }
    };
}

notify_types! {
    Online = "ONLINE", "UPS %s on line power", 1;
    OnBatt = "ONBATT", "UPS %s on battery", 1;
    LowBatt = "LOWBATT", "UPS %s battery is low", 1;
    Fsd = "FSD", "UPS %s: forced shutdown in progress", 1;
    CommOk = "COMMOK", "Communications with UPS %s established", 1;
    CommBad = "COMMBAD", "Communications with UPS %s lost", 1;
    Shutdown = "SHUTDOWN", "Auto logout and shutdown proceeding", 1;
    ShutdownHostsync = "SHUTDOWN_HOSTSYNC", "Shutdown initiated; primary system is waiting for secondaries to log out or time out", 1;
    ReplBatt = "REPLBATT", "UPS %s battery needs to be replaced", 1;
    NoComm = "NOCOMM", "UPS %s is unavailable", 1;
    NoParent = "NOPARENT", "upsmon parent process died - shutdown impossible", 1;
    Cal = "CAL", "UPS %s: calibration in progress", 1;
    NotCal = "NOTCAL", "UPS %s: calibration finished", 1;
    Off = "OFF", "UPS %s: administratively OFF or asleep", 1;
    NotOff = "NOTOFF", "UPS %s: no longer administratively OFF or asleep", 1;
    Bypass = "BYPASS", "UPS %s: on bypass (powered, not protecting)", 1;
    NotBypass = "NOTBYPASS", "UPS %s: no longer on bypass", 1;
    Eco = "ECO", "UPS %s: in ECO mode (as defined by vendor)", 1;
    NotEco = "NOTECO", "UPS %s: no longer in ECO mode", 1;
    Alarm = "ALARM", "UPS %s: one or more active alarms: [%s]", 2;
    NotAlarm = "NOTALARM", "UPS %s is no longer in an alarm state (no active alarms)", 1;
    Over = "OVER", "UPS %s: overloaded", 1;
    NotOver = "NOTOVER", "UPS %s: no longer overloaded", 1;
    Trim = "TRIM", "UPS %s: trimming incoming voltage", 1;
    NotTrim = "NOTTRIM", "UPS %s: no longer trimming incoming voltage", 1;
    Boost = "BOOST", "UPS %s: boosting incoming voltage", 1;
    NotBoost = "NOTBOOST", "UPS %s: no longer boosting incoming voltage", 1;
    Other = "OTHER", "UPS %s: has at least one unclassified status token: [%s]", 2;
    NotOther = "NOTOTHER", "UPS %s has no unclassified status tokens anymore", 1;
    SuspendTimejumpUnexpected = "SUSPEND_TIMEJUMP_UNEXPECTED", "Unexpected clock change by %s, treating as wake up from sleep", 1;
    SuspendStarting = "SUSPEND_STARTING", "OS is entering sleep/suspend/hibernate mode", 1;
    SuspendFinished = "SUSPEND_FINISHED", "OS just finished sleep/suspend/hibernate mode, de-activating obsolete UPS readings to avoid an unfortunate shutdown", 1;
}

impl NotifyType {
    /// The type with this name (case-insensitive, as upsmon and upssched compare it).
    pub fn from_name(name: &str) -> Option<NotifyType> {
        NotifyType::ALL
            .iter()
            .copied()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

/// Counts `%s` in a message format; `Err` when it holds another `%` conversion (only `%s`
/// and `%%` are safe in upsmon's messages).
pub fn count_string_arguments(format: &str) -> Result<usize, char> {
    let mut count = 0;
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('s') => count += 1,
                Some('%') => {}
                Some(other) => return Err(other),
                None => return Err('%'),
            }
        }
    }
    Ok(count)
}
