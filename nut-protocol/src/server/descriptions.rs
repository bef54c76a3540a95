//! Variable and command descriptions for `GET DESC` / `GET CMDDESC`, read like upsd reads
//! `$DATAPATH/cmdvartab` (`VARDESC <name> "<text>"`, `CMDDESC <name> "<text>"`). Without such a
//! file the server uses the table built into `nut-core` (the C upsd answers "Description
//! unavailable" for everything then).

use alloc::collections::BTreeMap;
use alloc::string::String;

use crate::tokenizer::tokenize_file;

/// A description table loaded from a cmdvartab file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Descriptions {
    vars: BTreeMap<String, String>,
    cmds: BTreeMap<String, String>,
}

impl Descriptions {
    /// Reads a cmdvartab file; lines of other forms are skipped, as upsd does.
    pub fn parse(text: &[u8]) -> Descriptions {
        let mut table = Descriptions::default();
        for line in tokenize_file(text).into_iter().flatten() {
            let [kind, name, text, ..] = line.words.as_slice() else {
                continue;
            };
            let map = match kind.as_str() {
                "VARDESC" => &mut table.vars,
                "CMDDESC" => &mut table.cmds,
                _ => continue,
            };
            map.entry(name.to_ascii_lowercase())
                .or_insert_with(|| text.clone());
        }
        table
    }

    /// The description of a variable (case-insensitive).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The description of an instant command (case-insensitive).
    pub fn cmd(&self, name: &str) -> Option<&str> {
        self.cmds
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_kinds_and_skips_the_rest() {
        let d = Descriptions::parse(b"# c\nVARDESC ups.status \"UPS status\"\nCMDDESC load.off \"Off\"\nJUNK x\nVARDESC lonely\n");
        assert_eq!(d.var("UPS.STATUS"), Some("UPS status"));
        assert_eq!(d.cmd("load.off"), Some("Off"));
        assert_eq!(d.var("lonely"), None);
    }
}
