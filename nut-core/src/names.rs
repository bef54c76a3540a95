//! The standard namespace: every variable and instant-command name NUT documents, with the
//! description upsd serves for `GET DESC` / `GET CMDDESC` (the content of NUT's `cmdvartab`).
//!
//! Names are matched case-insensitively (NUT names are lower case; upsd's lookups ignore
//! case). The tables are built from `data/cmdvartab` at compile time.
//!
//! ```
//! use nut_core::names::{var_description, cmd_description};
//!
//! assert_eq!(var_description("battery.charge"), Some("Battery charge (percent of full)"));
//! assert_eq!(cmd_description("LOAD.OFF"), Some("Turn off the load immediately"));
//! assert_eq!(var_description("no.such.var"), None);
//! ```

include!(concat!(env!("OUT_DIR"), "/cmdvartab.rs"));

fn lookup(table: &'static [(&'static str, &'static str)], name: &str) -> Option<&'static str> {
    table
        .binary_search_by(|(candidate, _)| cmp_ignore_case(candidate, name))
        .ok()
        .and_then(|index| table.get(index))
        .map(|(_, text)| *text)
}

fn cmp_ignore_case(a: &str, b: &str) -> core::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// The description of a standard variable, e.g. `battery.charge`.
pub fn var_description(name: &str) -> Option<&'static str> {
    lookup(VAR_DESCRIPTIONS, name)
}

/// The description of a standard instant command, e.g. `load.off`.
pub fn cmd_description(name: &str) -> Option<&'static str> {
    lookup(CMD_DESCRIPTIONS, name)
}

/// True when `name` is a variable of the standard namespace.
pub fn is_standard_var(name: &str) -> bool {
    var_description(name).is_some()
}

/// True when `name` is an instant command of the standard namespace.
pub fn is_standard_cmd(name: &str) -> bool {
    cmd_description(name).is_some()
}

/// Every standard variable with its description, sorted by name.
pub fn standard_vars() -> impl Iterator<Item = (&'static str, &'static str)> {
    VAR_DESCRIPTIONS.iter().copied()
}

/// Every standard instant command with its description, sorted by name.
pub fn standard_cmds() -> impl Iterator<Item = (&'static str, &'static str)> {
    CMD_DESCRIPTIONS.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_hold_every_line_of_cmdvartab() {
        assert_eq!(standard_vars().count(), 206);
        assert_eq!(standard_cmds().count(), 52);
    }

    #[test]
    fn known_descriptions() {
        assert_eq!(
            var_description("ups.firmware.aux"),
            Some("Auxiliary device firmware")
        );
        assert_eq!(
            cmd_description("test.battery.start.quick"),
            Some("Start a quick battery test")
        );
        assert!(is_standard_var("UPS.STATUS"));
        assert!(!is_standard_cmd("ups.status"));
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        let names: alloc::vec::Vec<_> = standard_vars().map(|(n, _)| n).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        for (name, text) in standard_vars() {
            assert_eq!(var_description(name), Some(text));
        }
    }
}
