//! The simulator's Voltronic Axpert unit: it plays NUT's testing table for the dialect
//! (`nutdrv_qx_voltronic-axpert.c` rows of `nut-qx-subdriver-testing-tables.tsv`; the first
//! row for a command wins), answers `(NAK` to anything else, and accepts commands with or
//! without the Voltronic CRC. Tests change replies with [`AxpertSim::set_reply`].

use std::collections::HashMap;

use super::voltronic_axpert::strip_crc;

const TABLES: &str = include_str!("../../tests/fixtures/qx/nut-qx-subdriver-testing-tables.tsv");

/// The testing-table file name of the dialect.
const FILE: &str = "nutdrv_qx_voltronic-axpert.c";

/// A Voltronic Axpert unit answering from NUT's testing table.
#[derive(Debug, Clone)]
pub struct AxpertSim {
    replies: HashMap<String, Vec<u8>>,
    /// Append the CRC to every reply, as units that send CRCs do.
    pub send_crc: bool,
}

impl Default for AxpertSim {
    fn default() -> Self {
        let mut replies = HashMap::new();
        for line in TABLES.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            if let [file, _, command, reply, ..] = cols.as_slice()
                && *file == FILE
            {
                let command = command.trim_end_matches("\\r").to_owned();
                let reply = reply.replace("\\r", "\r").into_bytes();
                replies.entry(command).or_insert(reply);
            }
        }
        AxpertSim {
            replies,
            send_crc: false,
        }
    }
}

impl AxpertSim {
    /// Replaces the reply to `command` (without CR); `reply` is given without its CR.
    pub fn set_reply(&mut self, command: &str, reply: impl AsRef<[u8]>) {
        let mut reply = reply.as_ref().to_vec();
        reply.push(b'\r');
        self.replies.insert(command.to_owned(), reply);
    }

    /// The reply to one command line (CR included, CRC optional).
    pub fn respond(&mut self, line: &[u8]) -> Vec<u8> {
        let line = strip_crc(line);
        let body = line.strip_suffix(b"\r").unwrap_or(&line);
        let text = String::from_utf8_lossy(body).into_owned();
        let reply = self.replies.get(&text).cloned();
        let reply = match reply {
            Some(reply) => {
                self.apply(&text, &reply);
                reply
            }
            None if self.capability(&text) => b"(ACK\r".to_vec(),
            None => b"(NAK\r".to_vec(),
        };
        if self.send_crc {
            super::voltronic_axpert::with_crc(&reply)
        } else {
            reply
        }
    }

    /// Side effects of accepted commands on later replies.
    fn apply(&mut self, text: &str, reply: &[u8]) {
        if reply != b"(ACK\r" {
            return;
        }
        match text {
            "SOFF" => self.set_reply("QMOD", "(S"),
            "SON" => self.set_reply("QMOD", "(L"),
            _ => {
                self.capability(text);
            }
        }
    }

    /// `PE<x>`/`PD<x>`: moves letter x in the `QFLAG` reply; false for other commands.
    fn capability(&mut self, text: &str) -> bool {
        let (enable, letter) = match text.as_bytes() {
            [b'P', b'E', l] if l.is_ascii_uppercase() => (true, l.to_ascii_lowercase()),
            [b'P', b'D', l] if l.is_ascii_uppercase() => (false, l.to_ascii_lowercase()),
            _ => return false,
        };
        let Some(flags) = self
            .replies
            .get("QFLAG")
            .and_then(|r| super::voltronic_caps::Flags::parse(r))
        else {
            return false;
        };
        let (mut on, mut off) = (flags.enabled, flags.disabled);
        on.retain(|&b| b != letter);
        off.retain(|&b| b != letter);
        if enable { &mut on } else { &mut off }.push(letter);
        let reply = format!(
            "(E{}D{}",
            String::from_utf8_lossy(&on),
            String::from_utf8_lossy(&off)
        );
        self.set_reply("QFLAG", &reply);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::voltronic_axpert::with_crc;

    #[test]
    fn plays_the_table_with_or_without_crc() {
        let mut ups = AxpertSim::default();
        assert_eq!(ups.respond(b"QPI\r"), b"(PI30\r");
        assert_eq!(ups.respond(&with_crc(b"QMOD\r")), b"(G\r");
        // QPIFS has two rows: the first wins.
        assert!(ups.respond(b"QPIFS\r").starts_with(b"(14 "));
        assert_eq!(ups.respond(b"QGS\r"), b"(NAK\r");
        assert_eq!(ups.respond(b"PEJ\r"), b"(ACK\r");
        assert_eq!(ups.respond(b"QFLAG\r"), b"(EbgpjDa\r");
        ups.send_crc = true;
        assert_eq!(ups.respond(b"QPI\r"), with_crc(b"(PI30\r"));
    }
}
