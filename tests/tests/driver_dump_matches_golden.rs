//! Cross-crate: what the real dummy-ups 2.8.0 sent on its driver socket, read by our
//! driver-socket parser into our state tree, gives exactly the `LIST VAR` / `LIST RW` /
//! `LIST CMD` answers the real upsd gave for the same device (golden transcript).

use nut_core::{StateTree, VarFlags};
use nut_protocol::net::{ListQuery, Response};
use nut_protocol::sock::{DriverMessage, SockReader};

fn real_dump() -> StateTree {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../nut-protocol/tests/fixtures/sock/dummy-ups-dumpall.txt");
    let bytes = std::fs::read(path).expect("capture");
    let mut reader = SockReader::<DriverMessage>::new();
    let mut tree = StateTree::new();
    for message in reader.feed(&bytes) {
        if let DriverMessage::Change(change) = message.expect("valid line") {
            tree.apply(&change);
        }
    }
    tree
}

/// The item lines of one `LIST <kind> dummy` block of the golden transcript.
fn golden_block(kind: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(nut_tests::fixtures_dir().join("golden/upsd-transcript.txt"))
            .expect("transcript");
    let begin = format!("<<< BEGIN LIST {kind} dummy");
    let end = format!("<<< END LIST {kind} dummy");
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| *l == begin).expect("block start") + 1;
    let stop = start
        + lines[start..]
            .iter()
            .position(|l| *l == end)
            .expect("block end");
    lines[start..stop]
        .iter()
        .map(|l| l.trim_start_matches("<<< ").replace("\\\\", "\\"))
        .collect()
}

#[test]
fn list_var_from_our_tree_equals_the_real_upsd() {
    let tree = real_dump();
    let ours: Vec<String> = tree
        .variables()
        .map(|v| {
            Response::Var {
                ups: "dummy".into(),
                var: v.name().into(),
                value: v.value().into(),
            }
            .to_line()
        })
        .collect();
    assert_eq!(ours, golden_block("VAR"));
}

#[test]
fn list_rw_and_cmd_from_our_tree_equal_the_real_upsd() {
    let tree = real_dump();
    let rw: Vec<String> = tree
        .variables()
        .filter(|v| v.flags().contains(VarFlags::RW))
        .map(|v| {
            Response::Rw {
                ups: "dummy".into(),
                var: v.name().into(),
                value: v.value().into(),
            }
            .to_line()
        })
        .collect();
    assert_eq!(rw, golden_block("RW"));
    let cmds: Vec<String> = tree
        .commands()
        .map(|c| {
            Response::Cmd {
                ups: "dummy".into(),
                cmd: c.into(),
            }
            .to_line()
        })
        .collect();
    assert_eq!(cmds, golden_block("CMD"));
    assert_eq!(
        Response::BeginList(ListQuery::Cmd {
            ups: "dummy".into()
        })
        .to_line(),
        "BEGIN LIST CMD dummy"
    );
}
