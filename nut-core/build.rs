//! Turns NUT's `cmdvartab` (data/cmdvartab) into sorted static tables, so that looking up a
//! description parses nothing at run time and works without `std`.

use std::fmt::Write as _;
use std::{env, fs, path::PathBuf};

fn main() {
    let source = PathBuf::from("data/cmdvartab");
    println!("cargo:rerun-if-changed={}", source.display());
    let text = fs::read_to_string(&source).unwrap_or_else(|e| panic!("reading cmdvartab: {e}"));
    let mut vars = Vec::new();
    let mut cmds = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kind, rest) = line
            .split_once(char::is_whitespace)
            .unwrap_or_else(|| panic!("cmdvartab:{}: no name", number + 1));
        let (name, text) = rest
            .trim()
            .split_once(char::is_whitespace)
            .unwrap_or_else(|| panic!("cmdvartab:{}: no text", number + 1));
        let text = text
            .trim()
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or_else(|| panic!("cmdvartab:{}: text not quoted", number + 1));
        assert!(
            !text.contains(['"', '\\', '#']),
            "cmdvartab:{}: escapes are not expected",
            number + 1
        );
        match kind {
            "VARDESC" => vars.push((name.to_ascii_lowercase(), text.to_string())),
            "CMDDESC" => cmds.push((name.to_ascii_lowercase(), text.to_string())),
            other => panic!("cmdvartab:{}: unknown kind {other}", number + 1),
        }
    }
    vars.sort();
    vars.dedup_by(|a, b| a.0 == b.0);
    cmds.sort();
    cmds.dedup_by(|a, b| a.0 == b.0);
    let mut out = String::new();
    for (table, rows) in [("VAR_DESCRIPTIONS", &vars), ("CMD_DESCRIPTIONS", &cmds)] {
        writeln!(
            out,
            "/// Generated from cmdvartab: (lower-case name, description), sorted by name."
        )
        .ok();
        writeln!(out, "pub static {table}: &[(&str, &str)] = &[").ok();
        for (name, text) in rows.iter() {
            writeln!(out, "    ({name:?}, {text:?}),").ok();
        }
        writeln!(out, "];").ok();
    }
    let dest = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("cmdvartab.rs");
    fs::write(dest, out).expect("writing generated table");
}
