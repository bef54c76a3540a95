//! `upsc -j` (NUT 2.8.3's JSON output; Debian's 2.8.0 has none): against the real upsd with
//! the golden UPS set, our JSON holds exactly what the real `upsc` prints as text, in every
//! mode, and an error is a JSON object with NUT's message and exit status 1.

use std::process::{Command, Output};

use nut_tests::realnut::{Sandbox, free_port, wait_until};
use serde_json::Value;

fn ours(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_upsc"))
        .args(args)
        .output()
        .expect("run our upsc")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("valid JSON")
}

fn text_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// `name: value` lines as a JSON object, in order.
fn pairs_as_json(lines: &[String]) -> Value {
    let mut object = serde_json::Map::new();
    for line in lines {
        let (name, value) = line.split_once(": ").expect("name: value");
        object.insert(name.to_string(), Value::String(value.to_string()));
    }
    Value::Object(object)
}

#[test]
fn json_holds_what_the_real_upsc_prints() {
    let mut sandbox = Sandbox::golden("upsc-json");
    let port = free_port();
    sandbox.start_real_upsd(port);
    let at = |ups: &str| format!("{ups}@127.0.0.1:{port}");
    wait_until(
        || sandbox.client("upsc", &[&at("pyups"), "ups.status"]).stdout == b"OL\n",
        "pyups served",
    );
    let host = format!("127.0.0.1:{port}");

    let real = text_lines(&sandbox.client("upsc", &["-l", &host]));
    assert_eq!(json(&ours(&["-j", "-l", &host])), serde_json::json!(real));

    let real = text_lines(&sandbox.client("upsc", &["-L", &host]));
    assert_eq!(json(&ours(&["-j", "-L", &host])), pairs_as_json(&real));

    for ups in ["dummy", "pyups"] {
        let real = text_lines(&sandbox.client("upsc", &[&at(ups)]));
        let mine = json(&ours(&["-j", &at(ups)]));
        assert_eq!(mine, pairs_as_json(&real), "{ups}");
        let keys: Vec<&String> = mine.as_object().expect("object").keys().collect();
        let real_keys: Vec<String> = real
            .iter()
            .map(|l| l.split_once(": ").expect("pair").0.to_string())
            .collect();
        assert_eq!(keys, real_keys.iter().collect::<Vec<_>>(), "order kept");
    }

    // Values with quotes, spaces and backslashes survive the escaping.
    let real = sandbox.client("upsc", &[&at("pyups"), "outlet.1.desc"]);
    let value = String::from_utf8_lossy(&real.stdout).trim_end().to_string();
    assert_eq!(
        json(&ours(&["-j", &at("pyups"), "outlet.1.desc"])),
        Value::String(value)
    );

    let real = text_lines(&sandbox.client("upsc", &["-c", &at("dummy")]));
    assert_eq!(
        json(&ours(&["-j", "-c", &at("dummy")])),
        serde_json::json!(real)
    );

    let failed = ours(&["-j", &at("nosuchups")]);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(json(&failed), serde_json::json!({ "error": "Unknown UPS" }));
}
