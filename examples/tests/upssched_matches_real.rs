//! Our `upssched` does what Debian's NUT 2.8.0 `/sbin/upssched` does: for each scenario, the
//! same upssched.conf and the same notifications go to the real one and to ours, each in a
//! directory of its own (PIPEFN and LOCKFN inside), with a CMDSCRIPT that appends
//! `$1 $NOTIFYTYPE $UPSNAME` to a file; the files, stderr and exit codes must be equal (and
//! what we expect). Each scenario ends with a timer firing, after which the daemon must exit.
//! Also our client against the real daemon and the real client against ours.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nut_tests::realnut::wait_until;

const OURS: &str = env!("CARGO_BIN_EXE_upssched");
const REAL: &str = "/sbin/upssched";

/// A private directory with upssched.conf, the recording CMDSCRIPT, PIPEFN and LOCKFN.
struct Scene {
    dir: PathBuf,
}

impl Scene {
    /// A scene whose upssched.conf has the three settings and then `rules`.
    fn new(name: &str, rules: &str) -> Scene {
        let scene = Scene::bare(name);
        let dir = scene.dir.display().to_string();
        scene.write_conf(&format!(
            "CMDSCRIPT {dir}/cmd.sh\nPIPEFN {dir}/pipe\nLOCKFN {dir}/lock\n{rules}"
        ));
        scene
    }

    /// A scene without upssched.conf.
    fn bare(name: &str) -> Scene {
        assert!(
            Path::new(REAL).exists(),
            "{REAL} is missing: install Debian's nut-client (scripts/test.sh does)"
        );
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let unique = format!(
            "nut-rs-upssched-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).expect("scene dir");
        let script = format!(
            "#!/bin/sh\necho \"$1 $NOTIFYTYPE $UPSNAME\" >> {}/out.txt\n",
            dir.display()
        );
        let script_path = dir.join("cmd.sh");
        std::fs::write(&script_path, script).expect("cmd.sh");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script_path, PermissionsExt::from_mode(0o755)).expect("chmod");
        Scene { dir }
    }

    fn write_conf(&self, text: &str) {
        std::fs::write(self.dir.join("upssched.conf"), text).expect("upssched.conf");
    }

    /// upsmon's call: `UPSNAME`, `NOTIFYTYPE` and the message as the one argument.
    fn notify(&self, program: &str, ups: &str, kind: &str) -> Output {
        self.run(program, &[("UPSNAME", ups), ("NOTIFYTYPE", kind)])
    }

    fn run(&self, program: &str, env: &[(&str, &str)]) -> Output {
        Command::new(program)
            .arg(format!(
                "UPS {ups} event",
                ups = env.first().map_or("", |e| e.1)
            ))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("NUT_CONFPATH", &self.dir)
            .envs(env.iter().copied())
            .output()
            .expect("run upssched")
    }

    /// The lines CMDSCRIPT wrote so far.
    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("out.txt"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    fn wait_for_line(&self, line: &str) {
        wait_until(
            || self.log().iter().any(|l| l == line),
            &format!("CMDSCRIPT to log {line:?}"),
        );
    }

    fn wait_for_daemon_exit(&self) {
        let pipe = self.dir.join("pipe");
        wait_until(|| !pipe.exists(), "the timer daemon to exit");
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one program did in a scenario: each call's exit code and stderr (stdout too, where
/// upssched prints its missing-environment error), and the final log.
#[derive(Debug, PartialEq)]
struct Outcome {
    calls: Vec<(Option<i32>, String)>,
    log: Vec<String>,
}

/// Sends `events` to `program` in a fresh scene, waits for `last_line` in the log and for the
/// daemon to exit.
/// An event that is no notification: wait until the timer daemon has exited (a client
/// reaching a daemon on its way out would lose its timer, in NUT as here).
const DAEMON_EXIT: (&str, &str) = ("", "daemon exit");

fn play(program: &str, rules: &str, events: &[(&str, &str)], last_line: &str) -> Outcome {
    let scene = Scene::new("play", rules);
    let mut calls = Vec::new();
    for &(ups, kind) in events {
        if (ups, kind) == DAEMON_EXIT {
            scene.wait_for_daemon_exit();
            continue;
        }
        let output = scene.notify(program, ups, kind);
        calls.push((output.status.code(), shown(&output)));
    }
    scene.wait_for_line(last_line);
    scene.wait_for_daemon_exit();
    Outcome {
        calls,
        log: scene.log(),
    }
}

/// Plays the scenario with both programs; they must agree, and the log must be `expected`.
fn same_as_real(rules: &str, events: &[(&str, &str)], expected: &[&str]) -> Outcome {
    let last = expected
        .last()
        .expect("a scenario ends with a timer firing");
    let real = play(REAL, rules, events, last);
    let ours = play(OURS, rules, events, last);
    assert_eq!(ours, real, "ours vs real for\n{rules}");
    assert_eq!(real.log, expected, "the real upssched's log");
    ours
}

#[test]
fn a_started_timer_fires_with_the_name_and_the_starting_environment() {
    same_as_real(
        "AT ONBATT * START-TIMER onbatt 1\n",
        &[("ups1", "ONBATT")],
        &["onbatt ONBATT ups1"],
    );
}

#[test]
fn a_cancelled_timer_does_not_fire_and_a_cancel_of_nothing_runs_its_command() {
    // 2 s for a timer to cancel: it cannot fire before the next call comes. The later timer,
    // started after it, proves by firing that the cancelled one had its chance.
    // The cancel empties the table, so the daemon exits; LOWBATT starts a new one, whose
    // environment (the one it started with) the scripts see.
    same_as_real(
        "AT ONBATT * START-TIMER onbatt 2\nAT ONLINE * CANCEL-TIMER onbatt online\nAT LOWBATT * START-TIMER later 3\n",
        &[
            ("ups1", "ONBATT"),
            ("ups1", "ONLINE"),
            DAEMON_EXIT,
            ("ups2", "LOWBATT"),
            ("ups2", "ONLINE"),
        ],
        &["online LOWBATT ups2", "later LOWBATT ups2"],
    );
}

#[test]
fn execute_runs_at_once_through_the_shell_and_ups_names_are_exact() {
    let outcome = same_as_real(
        "AT onbatt * EXECUTE now\nAT ONBATT UPS1 EXECUTE upper\nAT ONBATT ups2 EXECUTE other\nAT ONBATT ups1 EXECUTE \"two words\"\nAT ONBATT * START-TIMER end 1\n",
        &[("ups1", "ONBATT")],
        &["now ONBATT ups1", "two ONBATT ups1", "end ONBATT ups1"],
    );
    assert_eq!(
        outcome.calls[0].1,
        "Executing command: now\nExecuting command: two words\n"
    );
}

#[test]
fn a_star_rule_matches_every_ups_and_a_named_one_only_its_own() {
    same_as_real(
        "AT ONBATT * START-TIMER any 1\nAT ONBATT ups2 START-TIMER two 1\n",
        &[("ups1", "ONBATT"), ("ups2", "ONBATT"), ("ups3", "ONLINE")],
        &["any ONBATT ups1", "any ONBATT ups1", "two ONBATT ups1"],
    );
}

#[test]
fn starting_a_running_timer_again_runs_two_and_a_cancel_stops_one() {
    same_as_real(
        "AT ONBATT * START-TIMER dup 1\n",
        &[("ups1", "ONBATT"), ("ups1", "ONBATT")],
        &["dup ONBATT ups1", "dup ONBATT ups1"],
    );
    same_as_real(
        "AT ONBATT * START-TIMER dup 2\nAT ONLINE * CANCEL-TIMER dup\nAT LOWBATT * START-TIMER later 3\n",
        &[
            ("ups1", "ONBATT"),
            ("ups1", "ONBATT"),
            ("ups1", "ONLINE"),
            ("ups1", "LOWBATT"),
        ],
        &["dup ONBATT ups1", "later ONBATT ups1"],
    );
}

#[test]
fn shared_and_matched_timers_are_invalid_commands_in_2_8_0() {
    let outcome = same_as_real(
        "AT COMMBAD * START-TIMER-SHARED s 1\nAT COMMOK * CANCEL-TIMER-MATCHED s\nAT COMMBAD * START-TIMER end 1\nAT COMMBAD * execute x\n",
        &[("ups1", "COMMBAD"), ("ups1", "COMMOK"), ("ups1", "COMMBAD")],
        &["end COMMBAD ups1", "end COMMBAD ups1"],
    );
    assert_eq!(
        outcome.calls[0].1,
        "Invalid command: START-TIMER-SHARED\nInvalid command: execute\n"
    );
    assert_eq!(
        outcome.calls[1].1,
        "Invalid command: CANCEL-TIMER-MATCHED\n"
    );
}

#[test]
fn a_bad_line_is_an_invalid_directive_and_the_rest_still_runs() {
    let outcome = same_as_real(
        "FOO \"a  b\" c\nAT ONBATT *\nAT ONBATT * START-TIMER end 1\n",
        &[("ups1", "ONBATT")],
        &["end ONBATT ups1"],
    );
    assert_eq!(
        outcome.calls[0].1,
        "upssched.conf: invalid directive FOO a  b c\nupssched.conf: invalid directive AT ONBATT *\n"
    );
}

/// Exit code and stderr of one call with `env`, in a scene set up by `conf` (`None`: no file).
fn error_case(program: &str, conf: Option<&str>, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let scene = Scene::bare("error");
    if let Some(conf) = conf {
        let dir = scene.dir.display().to_string();
        scene.write_conf(&conf.replace("DIR", &dir));
    }
    let output = scene.run(program, env);
    let shown = shown(&output).replace(&dir_of(&scene), "DIR");
    (output.status.code(), shown)
}

/// stdout, then stderr.
fn shown(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn dir_of(scene: &Scene) -> String {
    scene.dir.display().to_string()
}

/// What is wrong, the config (`None`: no file, `DIR` for the scene) and the environment.
type ErrorCase<'a> = (&'a str, Option<&'a str>, Vec<(&'a str, &'a str)>);

#[test]
fn errors_have_the_real_messages_and_exit_codes() {
    let both = [("UPSNAME", "ups1"), ("NOTIFYTYPE", "ONBATT")];
    let valid = "CMDSCRIPT DIR/cmd.sh\nPIPEFN DIR/pipe\nLOCKFN DIR/lock\nAT ONBATT * EXECUTE x\n";
    let cases: Vec<ErrorCase> = vec![
        ("no environment", Some(valid), vec![]),
        ("no NOTIFYTYPE", Some(valid), vec![("UPSNAME", "ups1")]),
        ("no UPSNAME", Some(valid), vec![("NOTIFYTYPE", "ONBATT")]),
        ("no config, no environment", None, vec![]),
        ("no config", None, both.to_vec()),
        (
            "no CMDSCRIPT",
            Some("PIPEFN DIR/p\nLOCKFN DIR/l\nAT ONLINE * EXECUTE x\n"),
            both.to_vec(),
        ),
        (
            "no PIPEFN",
            Some("CMDSCRIPT /bin/true\nBAD line\nLOCKFN DIR/l\nAT ONBATT * EXECUTE x\n"),
            both.to_vec(),
        ),
        (
            "no LOCKFN",
            Some("CMDSCRIPT /bin/true\nPIPEFN DIR/p\nAT ONBATT * START-TIMER t 1\n"),
            both.to_vec(),
        ),
        ("empty config", Some(""), both.to_vec()),
    ];
    for (what, conf, env) in cases {
        let real = error_case(REAL, conf, &env);
        let ours = error_case(OURS, conf, &env);
        assert_eq!(ours, real, "{what}");
        assert_eq!(
            ours.1.is_empty(),
            what == "empty config",
            "{what}: {ours:?}"
        );
        assert_eq!(
            real.0 == Some(0),
            what == "empty config",
            "{what}: {real:?}"
        );
    }
}

#[test]
fn a_lock_file_that_cannot_be_made_fails_like_the_real_one() {
    let conf = "CMDSCRIPT DIR/cmd.sh\nPIPEFN DIR/pipe\nLOCKFN DIR/missing/lock\nAT ONBATT * START-TIMER t 1\n";
    let env = [("UPSNAME", "ups1"), ("NOTIFYTYPE", "ONBATT")];
    let real = error_case(REAL, Some(conf), &env);
    let ours = error_case(OURS, Some(conf), &env);
    assert_eq!(ours, real);
    assert_eq!(
        real,
        (
            Some(1),
            "Failed to connect to parent and failed to create parent: No such file or directory\n"
                .to_string()
        )
    );
}

/// One client starts the daemon, the other adds a timer to it; the daemon runs both.
fn mixed(starter: &str, other: &str) {
    let scene = Scene::new(
        "mixed",
        "AT ONBATT * START-TIMER first 1\nAT LOWBATT * START-TIMER second 2\nAT ONLINE * CANCEL-TIMER none gone\n",
    );
    assert!(scene.notify(starter, "ups1", "ONBATT").status.success());
    assert!(scene.notify(other, "ups2", "LOWBATT").status.success());
    assert!(scene.notify(other, "ups2", "ONLINE").status.success());
    scene.wait_for_line("second ONBATT ups1");
    scene.wait_for_daemon_exit();
    let mut log = scene.log();
    log.sort();
    assert_eq!(
        log,
        [
            "first ONBATT ups1",
            "gone ONBATT ups1",
            "second ONBATT ups1"
        ]
    );
}

#[test]
fn our_client_talks_to_the_real_daemon() {
    mixed(REAL, OURS);
}

#[test]
fn the_real_client_talks_to_our_daemon() {
    mixed(OURS, REAL);
}
