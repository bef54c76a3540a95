//! Our `upslog` prints what Debian's NUT 2.8.0 upslog prints: for every upslog command of the
//! golden record (tests/fixtures/golden/clients.txt), against the real upsd fed by the real
//! drivers, the first four lines of stdout (normalised as the record's `sed` does), stderr
//! less the NSS notice, and the exit status after SIGTERM; the error cases; `-l file` with
//! SIGHUP after the file is renamed; the background mode and its PID file; and ours against
//! our own upsd equals the record.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use nut_tests::realnut::{
    Sandbox, free_port, shown_without_nss_notice as shown, start_our_upsd, wait_until,
};

const OURS: &str = env!("CARGO_BIN_EXE_upslog");
const NSS_NOTICE: &str = "Init SSL without certificate database";
const PID_DIR: &str = "/run/nut";

/// One upslog command of the golden record: its arguments, whether its pipeline masks a
/// trailing pid, and the recorded stdout.
struct Recorded {
    args: Vec<String>,
    masks_pid: bool,
    stdout: Vec<String>,
}

/// Shell words of a command line, up to the first `|` (single quotes only, as the record uses).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            '|' if !quoted => break,
            ' ' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                }
                in_word = false;
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The upslog commands of golden/clients.txt.
fn recorded_commands() -> Vec<Recorded> {
    let path = nut_tests::fixtures_dir().join("golden/clients.txt");
    let text = std::fs::read_to_string(path).expect("golden record");
    let mut commands = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(command) = line.strip_prefix("### $ timeout 3.5 upslog ") else {
            continue;
        };
        let stdout = lines
            .by_ref()
            .skip_while(|l| *l != "# stdout:")
            .skip(1)
            .take_while(|l| *l != "# stderr:")
            .map(String::from)
            .collect();
        commands.push(Recorded {
            args: shell_words(command),
            masks_pid: command.contains("<PID>"),
            stdout,
        });
    }
    assert!(commands.len() >= 6, "the record has the upslog commands");
    commands
}

/// The record's `sed`s: `YYYYMMDD HHMMSS` at the start, and with `masks_pid` a trailing number.
fn normalised(line: &str, masks_pid: bool) -> String {
    let bytes = line.as_bytes();
    let timestamp = bytes.len() >= 15
        && bytes[..8].iter().all(u8::is_ascii_digit)
        && bytes[8] == b' '
        && bytes[9..15].iter().all(u8::is_ascii_digit);
    let mut out = if timestamp {
        format!("<TIMESTAMP>{}", &line[15..])
    } else {
        line.to_string()
    };
    if masks_pid {
        let digits = out.len() - out.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && out[..out.len() - digits].ends_with(' ') {
            out.truncate(out.len() - digits);
            out.push_str("<PID>");
        }
    }
    out
}

fn with_port(args: &[String], port: u16) -> Vec<String> {
    args.iter()
        .map(|a| a.replace("<PORT>", &port.to_string()))
        .collect()
}

fn spawn(program: &str, args: &[String], sandbox: &Sandbox) -> Child {
    Command::new(program)
        .args(args)
        .env("NUT_CONFPATH", sandbox.etc())
        .env("NUT_STATEPATH", sandbox.state())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start upslog")
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{name} {pid}");
}

/// What a running upslog showed: its first `count` lines of stdout, then (after SIGTERM) its
/// stderr less the NSS notice and its exit code.
#[derive(Debug, PartialEq)]
struct Run {
    first_lines: Vec<String>,
    stderr: Vec<String>,
    code: Option<i32>,
}

fn read_lines(child: &mut Child, count: usize) -> Vec<String> {
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    for _ in 0..count {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 {
            break;
        }
        lines.push(line.trim_end_matches('\n').to_string());
    }
    child.stdout = Some(reader.into_inner());
    lines
}

fn stderr_lines(text: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(text)
        .lines()
        .filter(|l| *l != NSS_NOTICE)
        .map(String::from)
        .collect()
}

/// Reads `count` lines, SIGTERMs, and collects the rest.
fn terminate_after(mut child: Child, count: usize, masks_pid: bool) -> Run {
    let first_lines = read_lines(&mut child, count)
        .iter()
        .map(|l| normalised(l, masks_pid))
        .collect();
    signal(child.id(), "TERM");
    let output = child.wait_with_output().expect("wait");
    Run {
        first_lines,
        stderr: stderr_lines(&output.stderr),
        code: output.status.code(),
    }
}

fn golden_sandbox(name: &str) -> (Sandbox, u16) {
    let mut sandbox = Sandbox::golden(name);
    let port = free_port();
    sandbox.start_real_upsd(port);
    wait_served(&sandbox, port);
    (sandbox, port)
}

/// Waits until upsd serves `dummy` and `pyups` with their data.
fn wait_served(sandbox: &Sandbox, port: u16) {
    let answers = |ups: &str, var: &str| {
        let out = sandbox.client("upsc", &[&format!("{ups}@127.0.0.1:{port}"), var]);
        (out.status.success() && out.stdout != b"WAIT\n").then_some(out.stdout)
    };
    wait_until(
        || {
            answers("dummy", "battery.charge").is_some_and(|v| v == b"100\n")
                && answers("pyups", "ups.id").is_some()
        },
        "golden UPSes served",
    );
}

/// The golden session had set these on `pyups` (with upsrw) before it ran upslog.
const RECORDED_SETS: [(&str, &str); 2] = [("ups.id", "with spaces"), ("input.transfer.low", "160")];

/// Sets [`RECORDED_SETS`] with the real upsrw and waits until upsd shows them.
fn replay_recorded_sets(sandbox: &Sandbox, port: u16) {
    let ups = format!("pyups@127.0.0.1:{port}");
    for (var, value) in RECORDED_SETS {
        let set = format!("{var}={value}");
        let out = sandbox.client(
            "upsrw",
            &["-s", &set, "-u", "admin", "-p", "adminpass", &ups],
        );
        assert!(out.status.success(), "upsrw -s {set}: {}", shown(&out));
        wait_until(
            || sandbox.client("upsc", &[&ups, var]).stdout == format!("{value}\n").as_bytes(),
            &format!("{var} set"),
        );
    }
}

#[test]
fn recorded_commands_print_what_the_real_upslog_prints() {
    let (sandbox, port) = golden_sandbox("upslog-golden");
    replay_recorded_sets(&sandbox, port);
    for recorded in recorded_commands() {
        let args = with_port(&recorded.args, port);
        let real = spawn("upslog", &args, &sandbox);
        let ours = spawn(OURS, &args, &sandbox);
        let real = terminate_after(real, 4, recorded.masks_pid);
        let ours = terminate_after(ours, 4, recorded.masks_pid);
        assert_eq!(ours, real, "upslog {args:?}");
        let expected: Vec<String> = recorded
            .stdout
            .iter()
            .map(|l| l.replace("<PORT>", &port.to_string()))
            .collect();
        assert_eq!(ours.first_lines, expected, "the record of upslog {args:?}");
        assert_eq!(ours.stderr, ["Signal 15: exiting"], "upslog {args:?}");
    }
}

#[test]
fn unreachable_and_unknown_hosts_log_na_with_a_warning() {
    let sandbox = Sandbox::new("upslog-unreachable");
    let dead = free_port();
    for ups in [format!("dummy@127.0.0.1:{dead}"), "a@b@c".to_string()] {
        let args: Vec<String> = [
            "-l",
            "-",
            "-i",
            "1",
            "-f",
            "%UPSHOST% %VAR ups.status%",
            "-s",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([ups.clone()])
        .collect();
        let real = terminate_after(spawn("upslog", &args, &sandbox), 3, false);
        let ours = terminate_after(spawn(OURS, &args, &sandbox), 3, false);
        assert_eq!(ours, real, "upslog -s {ups}");
        assert_eq!(ours.first_lines[2], format!("{ups} NA"));
        assert!(ours.stderr[0].starts_with("Warning: initial connect failed: "));
    }
}

fn run_to_end(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run upslog")
}

#[test]
fn usage_errors_and_help_match_the_real_upslog() {
    let bad_log = "/nonexistent-dir/upslog.log";
    let cases: Vec<Vec<&str>> = vec![
        vec!["-h"],
        vec![],
        vec!["-x"],
        vec!["-l", "-"],
        vec!["-s", "dummy@127.0.0.1:1"],
        vec!["-l", "-", "-s", ""],
        vec!["-l", "-", "-s", "a@"],
        vec!["-l", "-", "-s", "a@b:x"],
        vec!["-l", "-", "-s", "a@b:99999"],
        vec!["-l", "-", "-s", "dummy@127.0.0.1:1", "extra"],
        vec!["-l", bad_log, "-s", "dummy@127.0.0.1:1", "-F"],
        vec![
            "-l",
            "-",
            "-u",
            "no-such-user-here",
            "-s",
            "dummy@127.0.0.1:1",
        ],
    ];
    for args in cases {
        let real = run_to_end("upslog", &args);
        let ours = run_to_end(OURS, &args);
        assert_eq!(shown(&ours), shown(&real), "upslog {args:?}");
    }
}

/// A unique PID file base and its path under /run/nut.
fn pid_file(base: &str) -> (String, PathBuf) {
    let base = format!("nut-rs-{base}-{}-{}", std::process::id(), free_port());
    let path = Path::new(PID_DIR).join(format!("{base}.pid"));
    (base, path)
}

fn line_count(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

/// `-F -l file`: SIGHUP after renaming the log makes a new file; SIGTERM ends it. Returns
/// stdout, stderr and the exit code, and checks the PID file on the way.
fn sighup_reopens(program: &str, sandbox: &Sandbox, port: u16, name: &str) -> Run {
    let log = sandbox.state().join(format!("{name}.log"));
    let rotated = sandbox.state().join(format!("{name}.log.1"));
    let (base, pid_path) = pid_file(name);
    let args: Vec<String> = [
        "-F",
        "-u",
        "root",
        "-i",
        "1",
        "-p",
        &base,
        "-l",
        log.to_str().expect("path"),
        "-s",
        &format!("dummy@127.0.0.1:{port}"),
        "-f",
        "%VAR ups.status%",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let child = spawn(program, &args, sandbox);
    wait_until(|| line_count(&log) >= 1, "the first line in the log");
    let written = std::fs::read_to_string(&pid_path).expect("PID file");
    assert_eq!(written, format!("{}\n", child.id()), "{program}'s PID file");
    std::fs::rename(&log, &rotated).expect("rotate");
    signal(child.id(), "HUP");
    wait_until(|| line_count(&log) >= 1, "a new log after SIGHUP");
    assert!(line_count(&rotated) >= 1);
    assert_eq!(
        std::fs::read_to_string(&log).expect("log").lines().next(),
        Some("OL CHRG")
    );
    signal(child.id(), "TERM");
    let output = child.wait_with_output().expect("wait");
    let _ = std::fs::remove_file(&pid_path);
    Run {
        first_lines: String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| l.replace(log.to_str().unwrap_or_default(), "<LOG>"))
            .collect(),
        stderr: stderr_lines(&output.stderr),
        code: output.status.code(),
    }
}

#[test]
fn sighup_reopens_a_renamed_log_file_like_the_real_upslog() {
    let (sandbox, port) = golden_sandbox("upslog-sighup");
    let real = sighup_reopens("upslog", &sandbox, port, "real");
    let ours = sighup_reopens(OURS, &sandbox, port, "ours");
    assert_eq!(ours, real);
    assert_eq!(
        ours.stderr,
        ["Signal 1: reopening log file", "Signal 15: exiting"]
    );
    assert_eq!(ours.code, Some(0));
}

/// Without `-F`, logging into a file goes to the background: the command returns at once with
/// nothing on stdout; the daemon's pid is in the PID file and its lines in the log.
fn background(program: &str, sandbox: &Sandbox, port: u16, name: &str) -> (String, String) {
    let log = sandbox.state().join(format!("{name}.log"));
    let (base, pid_path) = pid_file(name);
    let output = run_to_end(
        program,
        &[
            "-u",
            "root",
            "-i",
            "1",
            "-p",
            &base,
            "-l",
            log.to_str().expect("path"),
            "-s",
            &format!("dummy@127.0.0.1:{port}"),
            "-f",
            "%VAR battery.charge% %PID%",
        ],
    );
    wait_until(|| line_count(&log) >= 2, "two lines from the background");
    let pid = std::fs::read_to_string(&pid_path).expect("PID file");
    let pid = pid.trim_end().to_string();
    signal(pid.parse().expect("pid"), "TERM");
    let _ = std::fs::remove_file(&pid_path);
    let first = std::fs::read_to_string(&log).expect("log");
    let first = first.lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first,
        format!("100 {pid}"),
        "{program} logs with its daemon's pid"
    );
    (shown(&output), first.replace(&pid, "<PID>"))
}

#[test]
fn logging_into_a_file_goes_to_the_background_like_the_real_upslog() {
    let (sandbox, port) = golden_sandbox("upslog-background");
    let real = background("upslog", &sandbox, port, "real");
    let ours = background(OURS, &sandbox, port, "ours");
    assert_eq!(ours, real);
    assert!(ours.0.starts_with("exit Some(0)\n--- stdout\n--- stderr\n"));
}

#[test]
fn ours_against_our_upsd_prints_the_record() {
    let sandbox = Sandbox::golden("upslog-our-upsd");
    let port = free_port();
    let _upsd = start_our_upsd(&sandbox, port, |_| {});
    wait_served(&sandbox, port);
    replay_recorded_sets(&sandbox, port);
    for recorded in recorded_commands() {
        let args = with_port(&recorded.args, port);
        let ours = terminate_after(spawn(OURS, &args, &sandbox), 4, recorded.masks_pid);
        let expected: Vec<String> = recorded
            .stdout
            .iter()
            .map(|l| l.replace("<PORT>", &port.to_string()))
            .collect();
        assert_eq!(ours.first_lines, expected, "upslog {args:?}");
        assert_eq!(ours.stderr, ["Signal 15: exiting"]);
        assert_eq!(ours.code, Some(0));
    }
}

#[test]
fn normalising_masks_timestamps_and_trailing_pids() {
    assert_eq!(
        normalised("20261124 093038 100 [OL]", false),
        "<TIMESTAMP> 100 [OL]"
    );
    assert_eq!(normalised("a % 1234", true), "a % <PID>");
    assert_eq!(normalised("a % 1234", false), "a % 1234");
    assert_eq!(
        shell_words("-f 'a b' -l - | head"),
        ["-f", "a b", "-l", "-"]
    );
}

/// Reads lines until one equals `wanted` (at most `limit` lines); whether it came.
fn read_until(child: &mut Child, wanted: &str, limit: usize) -> bool {
    (0..limit).any(|_| read_lines(child, 1).first().is_some_and(|l| l == wanted))
}

#[test]
fn a_driver_that_goes_away_logs_na_then_values_again() {
    let (mut sandbox, port) = golden_sandbox("upslog-driver-away");
    let args: Vec<String> = ["-l", "-", "-i", "1", "-f", "%VAR battery.charge%", "-s"]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("dummy@127.0.0.1:{port}")])
        .collect();
    let mut ours = spawn(OURS, &args, &sandbox);
    assert!(
        read_until(&mut ours, "100", 10),
        "values while the driver runs"
    );
    sandbox.stop_real_driver("dummy");
    assert!(
        read_until(&mut ours, "NA", 60),
        "NA once the driver is gone"
    );
    sandbox.start_real_driver("dummy");
    assert!(
        read_until(&mut ours, "100", 60),
        "values again once it is back"
    );
    let run = terminate_after(ours, 0, false);
    assert_eq!(run.stderr, ["Signal 15: exiting"]);
}

#[test]
fn m_tuples_log_each_ups_to_its_own_file() {
    // NUT 2.8.1's -m (2.8.0 has none): each `ups,logfile` gets its own log.
    let (sandbox, port) = golden_sandbox("upslog-m");
    let dir = sandbox.state();
    let (a, b) = (dir.join("dummy.log"), dir.join("pyups.log"));
    let args: Vec<String> = vec![
        "-F".into(),
        "-i".into(),
        "1".into(),
        "-f".into(),
        "%UPSHOST% %VAR ups.status%".into(),
        "-m".into(),
        format!("dummy@127.0.0.1:{port},{}", a.display()),
        "-m".into(),
        format!("pyups@127.0.0.1:{port},{}", b.display()),
    ];
    let mut child = spawn(OURS, &args, &sandbox);
    wait_until(
        || line_count(&a) >= 1 && line_count(&b) >= 1,
        "both logs written",
    );
    let _ = child.kill();
    let _ = child.wait();
    let first = |path: &Path| {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(first(&a), format!("dummy@127.0.0.1:{port} OL CHRG"));
    assert_eq!(first(&b), format!("pyups@127.0.0.1:{port} OL"));
    let malformed = run_to_end(OURS, &["-m", "dummy@127.0.0.1:1", "-F"]);
    assert_eq!(malformed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("invalid UPS tuple"));
}
