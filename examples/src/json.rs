//! The JSON `upsc -j` prints: values are strings (NUT's values are text), objects and
//! arrays one item a line, indented by two spaces.
//!
//! ```
//! use nut_examples::json;
//! assert_eq!(json::string("a \"b\"\n"), r#""a \"b\"\n""#);
//! assert_eq!(json::array(["x", "y"]), "[\n  \"x\",\n  \"y\"\n]");
//! assert_eq!(json::object([("k", "v")]), "{\n  \"k\": \"v\"\n}");
//! assert_eq!(json::array(Vec::<&str>::new()), "[]");
//! ```

use std::fmt::Write;

/// `text` as a JSON string, quotes included.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of strings.
pub fn array<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    block(
        '[',
        ']',
        items.into_iter().map(|item| string(item.as_ref())),
    )
}

/// A JSON object of string values, in the order given.
pub fn object<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> String {
    block(
        '{',
        '}',
        pairs
            .into_iter()
            .map(|(k, v)| format!("{}: {}", string(k.as_ref()), string(v.as_ref()))),
    )
}

fn block(open: char, close: char, items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.map(|item| format!("  {item}")).collect();
    if items.is_empty() {
        return format!("{open}{close}");
    }
    format!("{open}\n{}\n{close}", items.join(",\n"))
}
