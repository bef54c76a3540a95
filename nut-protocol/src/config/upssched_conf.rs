//! `upssched.conf`: timers on top of upsmon's notifications (NUT-REFERENCE §6).
//!
//! `CMDSCRIPT`, `PIPEFN` and `LOCKFN` must all come before the first `AT` (upssched 2.8.0
//! stops there otherwise; [`UpsschedConf::missing_at_first_rule`] says which). Rules match a
//! notification when its type matches case-insensitively and the UPS name matches exactly or
//! the rule says `*`; every matching rule applies, in file order. Checked against the real
//! upssched 2.8.0: keywords (`AT`) and actions (`EXECUTE`, …) are case-sensitive (`execute`
//! is an "Invalid command", kept as [`Action::Unknown`]), notification types are not. Words
//! after the `CMDSCRIPT` path are kept but upssched 2.8.0 ignores them.
//!
//! ```
//! use nut_protocol::config::upssched_conf::{self, Action};
//! use nut_protocol::config::upsmon_conf::NotifyType;
//!
//! let text = b"CMDSCRIPT /usr/bin/upssched-cmd\nPIPEFN /run/nut/upssched.pipe\nLOCKFN /run/nut/upssched.lock\n\
//! AT ONBATT * START-TIMER onbatt 30\nAT ONLINE ups1 CANCEL-TIMER onbatt online\n";
//! let conf = upssched_conf::parse(text, "upssched.conf").into_result().unwrap();
//! let rules: Vec<_> = conf.rules_for(NotifyType::Online, "ups1").collect();
//! assert_eq!(rules[0].action, Action::CancelTimer { name: "onbatt".into(), command: Some("online".into()) });
//! assert_eq!(conf.rules_for(NotifyType::Online, "ups2").count(), 0);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::args::Args;
use super::upsmon_conf::NotifyType;
use super::{DiagnosticSink, Parsed, config_lines};

/// What a rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `START-TIMER <name> <sec>`: a new, independent timer.
    StartTimer {
        /// Timer name (passed to CMDSCRIPT when it fires).
        name: String,
        /// Seconds until it fires.
        seconds: u32,
    },
    /// `START-TIMER-SHARED <name> <sec>`: reuse a running timer of that name.
    StartTimerShared {
        /// Timer name.
        name: String,
        /// Seconds until it fires.
        seconds: u32,
    },
    /// `CANCEL-TIMER <name> [cmd]`: cancel every timer of that name; run `cmd` if none ran.
    CancelTimer {
        /// Timer name.
        name: String,
        /// Command for CMDSCRIPT when no timer was running.
        command: Option<String>,
    },
    /// `CANCEL-TIMER-MATCHED <name> [cmd]`: cancel only timers started for the same UPS and
    /// notification type.
    CancelTimerMatched {
        /// Timer name.
        name: String,
        /// Command for CMDSCRIPT when no timer was running.
        command: Option<String>,
    },
    /// `EXECUTE <cmd>`: run CMDSCRIPT with `cmd` now.
    Execute {
        /// The argument for CMDSCRIPT.
        command: String,
    },
    /// An action word upssched does not know (`execute`, `STOP-TIMER`, …): an error in the
    /// file, kept as a rule because upssched only complains (`Invalid command: <word>`) when
    /// the rule matches a notification.
    Unknown {
        /// The action word as written.
        word: String,
    },
}

/// One `AT` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The notification type it reacts to.
    pub notify_type: NotifyType,
    /// The UPS name it reacts to (`*` for any).
    pub ups: String,
    /// What it does.
    pub action: Action,
    /// 1-based line.
    pub line: usize,
}

impl Rule {
    /// True when this rule applies to `kind` from `ups`.
    pub fn matches(&self, kind: NotifyType, ups: &str) -> bool {
        self.notify_type == kind && (self.ups == "*" || self.ups == ups)
    }
}

/// The typed `upssched.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpsschedConf {
    /// `CMDSCRIPT` with its extra arguments.
    pub cmdscript: Option<Vec<String>>,
    /// `PIPEFN`: the timer daemon's socket.
    pub pipefn: Option<String>,
    /// `LOCKFN`: the lock file for starting the daemon.
    pub lockfn: Option<String>,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
    /// The rules in file order.
    pub rules: Vec<Rule>,
    /// The first of `CMDSCRIPT`, `PIPEFN` and `LOCKFN` still unset at the first `AT` line:
    /// upssched stops there (`<NAME> must be set before any ATs in the config file!`).
    pub missing_at_first_rule: Option<&'static str>,
}

impl UpsschedConf {
    /// Every rule matching a notification, in file order.
    pub fn rules_for<'a>(
        &'a self,
        kind: NotifyType,
        ups: &'a str,
    ) -> impl Iterator<Item = &'a Rule> {
        self.rules.iter().filter(move |r| r.matches(kind, ups))
    }
}

/// Parses `upssched.conf`.
pub fn parse(text: &[u8], file_name: &str) -> Parsed<UpsschedConf> {
    let mut sink = DiagnosticSink::new(file_name);
    let mut conf = UpsschedConf::default();
    let lines = config_lines(text, &mut sink);
    let mut seen_rule = false;
    for line in &lines {
        let mut a = Args::new(line, &mut sink);
        let keyword = a.keyword();
        match keyword {
            "CMDSCRIPT" => {
                if a.required(1, "a script").is_some() {
                    conf.cmdscript = Some(line.words.iter().skip(1).cloned().collect());
                }
            }
            "PIPEFN" => conf.pipefn = a.text(1, "a socket path").or(conf.pipefn.take()),
            "LOCKFN" => conf.lockfn = a.text(1, "a lock file").or(conf.lockfn.take()),
            "DEBUG_MIN" => {
                conf.debug_min = a
                    .int(1, 0, i64::from(u32::MAX))
                    .and_then(|n| u32::try_from(n).ok())
                    .or(conf.debug_min)
            }
            "AT" => {
                if !seen_rule {
                    seen_rule = true;
                    conf.missing_at_first_rule = first_unset(&conf);
                }
                for name in unset_settings(&conf) {
                    a.error(keyword, alloc::format!("{name} must be set before any AT"));
                }
                if let Some(rule) = rule(&mut a) {
                    conf.rules.push(rule);
                }
            }
            _ => a.warning(keyword, "unknown directive ignored"),
        }
    }
    sink.finish(conf)
}

/// The settings every `AT` needs (upssched checks all three), in upssched's order.
fn unset_settings(conf: &UpsschedConf) -> impl Iterator<Item = &'static str> + '_ {
    [
        ("CMDSCRIPT", conf.cmdscript.is_none()),
        ("PIPEFN", conf.pipefn.is_none()),
        ("LOCKFN", conf.lockfn.is_none()),
    ]
    .into_iter()
    .filter(|(_, unset)| *unset)
    .map(|(name, _)| name)
}

fn first_unset(conf: &UpsschedConf) -> Option<&'static str> {
    unset_settings(conf).next()
}

fn rule(a: &mut Args<'_>) -> Option<Rule> {
    const USAGE: &str = "AT <notifytype> <upsname|*> <action> …";
    let type_word = a.required(1, USAGE)?;
    let ups = a.required(2, USAGE)?;
    let action_word = a.required(3, USAGE)?;
    let notify_type = NotifyType::from_name(type_word);
    if notify_type.is_none() {
        a.error(type_word, "unknown notification type");
    }
    let name = |a: &mut Args<'_>| a.text(4, "a timer name");
    let command = |a: &Args<'_>| a.word(5).map(String::from);
    let action = match action_word {
        "START-TIMER" | "START-TIMER-SHARED" => {
            let name = name(a)?;
            let seconds = a.int(5, 0, i64::from(u32::MAX))?;
            let seconds = u32::try_from(seconds).ok()?;
            a.extra_ignored(5);
            if action_word == "START-TIMER" {
                Action::StartTimer { name, seconds }
            } else {
                Action::StartTimerShared { name, seconds }
            }
        }
        "CANCEL-TIMER" => Action::CancelTimer {
            name: name(a)?,
            command: command(a),
        },
        "CANCEL-TIMER-MATCHED" => Action::CancelTimerMatched {
            name: name(a)?,
            command: command(a),
        },
        "EXECUTE" => Action::Execute {
            command: a.text(4, "a command")?,
        },
        _ => {
            a.error(
                action_word,
                "unknown action (START-TIMER, START-TIMER-SHARED, CANCEL-TIMER, CANCEL-TIMER-MATCHED, EXECUTE)",
            );
            Action::Unknown {
                word: String::from(action_word),
            }
        }
    };
    Some(Rule {
        notify_type: notify_type?,
        ups: String::from(ups),
        action,
        line: a.line.line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const SAMPLE: &[u8] = b"CMDSCRIPT /usr/bin/upssched-cmd --flag\nPIPEFN /run/nut/upssched/upssched.pipe\nLOCKFN /run/nut/upssched/upssched.lock\nDEBUG_MIN 2\n\
AT ONBATT * START-TIMER onbatt 30\nAT ONBATT ups1 START-TIMER-SHARED shared 10\nAT online * CANCEL-TIMER onbatt online\n\
AT ONLINE * CANCEL-TIMER-MATCHED shared\nAT LOWBATT * EXECUTE lowbatt\nAT COMMBAD ups1 EXECUTE commbad\n";

    #[test]
    fn every_directive_and_action() {
        let parsed = parse(SAMPLE, "upssched.conf");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let c = parsed.config;
        assert_eq!(
            c.cmdscript,
            Some(["/usr/bin/upssched-cmd".to_string(), "--flag".to_string()].to_vec())
        );
        assert_eq!(c.pipefn.as_deref(), Some("/run/nut/upssched/upssched.pipe"));
        assert_eq!(c.lockfn.as_deref(), Some("/run/nut/upssched/upssched.lock"));
        assert_eq!(c.debug_min, Some(2));
        let onbatt: Vec<_> = c
            .rules_for(NotifyType::OnBatt, "ups1")
            .map(|r| r.action.clone())
            .collect();
        assert_eq!(
            onbatt,
            [
                Action::StartTimer {
                    name: "onbatt".into(),
                    seconds: 30
                },
                Action::StartTimerShared {
                    name: "shared".into(),
                    seconds: 10
                }
            ]
        );
        assert_eq!(
            c.rules_for(NotifyType::OnBatt, "UPS1").count(),
            1,
            "UPS names are exact"
        );
        assert_eq!(
            c.rules_for(NotifyType::Online, "x").count(),
            2,
            "types ignore case"
        );
        assert_eq!(
            c.rules_for(NotifyType::LowBatt, "x")
                .next()
                .map(|r| &r.action),
            Some(&Action::Execute {
                command: "lowbatt".into()
            })
        );
    }

    #[test]
    fn at_before_cmdscript_and_bad_rules_are_errors() {
        let parsed = parse(
            b"AT ONBATT * EXECUTE x\nCMDSCRIPT /bin/true\nPIPEFN /p\nLOCKFN /l\nAT NOPE * EXECUTE x\nAT ONBATT * START-TIMER t soon\nAT ONBATT * execute x\nAT ONBATT *\nWHATEVER 1\n",
            "upssched.conf",
        );
        let e: Vec<_> = parsed
            .errors()
            .map(|d| (d.line, d.word.clone(), d.message.clone()))
            .collect();
        let at = |name: &str| {
            (
                1,
                "AT".to_string(),
                alloc::format!("{name} must be set before any AT"),
            )
        };
        assert_eq!(e[..3], [at("CMDSCRIPT"), at("PIPEFN"), at("LOCKFN")]);
        let rest: Vec<_> = e[3..].iter().map(|(l, w, _)| (*l, w.as_str())).collect();
        assert_eq!(rest, [(5, "NOPE"), (6, "soon"), (7, "execute"), (8, "AT")]);
        assert_eq!(parsed.warnings().count(), 1);
        assert_eq!(parsed.config.missing_at_first_rule, Some("CMDSCRIPT"));
        let lines: Vec<_> = parsed.config.rules.iter().map(|r| r.line).collect();
        assert_eq!(
            lines,
            [1, 7],
            "the rule before CMDSCRIPT is still read, and so is an unknown action"
        );
        assert_eq!(
            parsed.config.rules[1].action,
            Action::Unknown {
                word: "execute".into()
            }
        );
    }

    #[test]
    fn every_setting_is_needed_before_the_first_at_only() {
        let parsed = parse(
            b"CMDSCRIPT /bin/true\nPIPEFN /p\nAT ONBATT * EXECUTE x\nLOCKFN /l\nAT ONBATT * EXECUTE y\n",
            "upssched.conf",
        );
        assert_eq!(parsed.config.missing_at_first_rule, Some("LOCKFN"));
        let complete = parse(
            b"CMDSCRIPT /bin/true\nPIPEFN /p\nLOCKFN /l\nAT ONBATT * EXECUTE x\n",
            "upssched.conf",
        );
        assert_eq!(complete.config.missing_at_first_rule, None);
        assert!(complete.diagnostics.is_empty());
    }

    #[test]
    fn debian_sample_parses() {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/config/upssched.conf.debian");
        let parsed = parse(&std::fs::read(path).expect("fixture"), "upssched.conf");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert!(parsed.config.cmdscript.is_some());
    }
}
