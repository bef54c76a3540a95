//! upssched's logic without I/O: what one notification asks for ([`plan`]), the words on the
//! timer daemon's socket ([`Command`], [`Reply`]), and the daemon's timer table ([`Timers`])
//! driven by the caller's clock (`now` in whole Unix seconds, as upssched counts).
//!
//! Behaviour of Debian's NUT 2.8.0 upssched, measured:
//! * `START-TIMER` always adds a new timer, even when one of that name runs: both fire.
//! * `CANCEL-TIMER` removes the *oldest* timer of that name only; with none running, the
//!   daemon runs CMDSCRIPT with the cancel's command instead. Without a daemon, a cancel without
//!   a command is a no-op and one with a command starts the daemon to run it.
//! * A timer of `n` seconds started at Unix time `t` fires once the clock reads `⌊t⌋ + n`
//!   (so between `n - 1` and `n` seconds later).
//! * Rules match when the type is equal ignoring case and the UPS name is equal exactly or `*`.
//! * `START-TIMER-SHARED` and `CANCEL-TIMER-MATCHED` do not exist in 2.8.0 (`Invalid command`);
//!   [`Dialect::SharedTimers`] gives them the later releases' meaning (see [`Timers::apply`]).
//!
//! ```
//! use nut_client::sched::{Command, Timers};
//!
//! let mut timers = Timers::default();
//! timers.apply(&Command::Start { name: "onbatt".into(), seconds: 30 }, 1_000);
//! assert!(timers.expire(1_029).is_empty());
//! let fired: Vec<_> = timers.expire(1_030).into_iter().map(|t| t.name).collect();
//! assert_eq!(fired, ["onbatt"]);
//! assert!(timers.is_empty());
//! ```

use nut_protocol::config::upsmon_conf::NotifyType;
use nut_protocol::config::upssched_conf::{self, Action, UpsschedConf};
use nut_protocol::config::{DiagnosticSink, config_lines};

/// Which actions the client knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// NUT 2.8.0: `START-TIMER-SHARED` and `CANCEL-TIMER-MATCHED` are `Invalid command`s.
    #[default]
    Nut280,
    /// Shared and matched timers as later NUT releases document them.
    SharedTimers,
}

/// Who a timer was started for: the notification's UPS and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `UPSNAME`.
    pub ups: String,
    /// `NOTIFYTYPE`, as the client received it.
    pub kind: String,
}

/// A request on the timer daemon's socket, one line each (`START "name" "30"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `START <name> <seconds>`: a new timer.
    Start {
        /// Timer name, CMDSCRIPT's argument when it fires.
        name: String,
        /// Seconds until it fires.
        seconds: u32,
    },
    /// `CANCEL <name> [<cmd>]`: cancel the oldest timer of that name, or run `cmd`.
    Cancel {
        /// Timer name.
        name: String,
        /// CMDSCRIPT's argument when no such timer runs.
        command: Option<String>,
    },
    /// `START-SHARED <name> <seconds> <ups> <type>` (not in 2.8.0).
    StartShared {
        /// Timer name.
        name: String,
        /// Seconds until it fires.
        seconds: u32,
        /// The notification that asked.
        origin: Origin,
    },
    /// `CANCEL-MATCHED <name> <ups> <type> [<cmd>]` (not in 2.8.0).
    CancelMatched {
        /// Timer name.
        name: String,
        /// The notification that asked.
        origin: Origin,
        /// CMDSCRIPT's argument when no matching timer runs.
        command: Option<String>,
    },
}

/// The daemon's answer line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// `OK`.
    Ok,
    /// `ERR UNKNOWN`: not a command the daemon knows.
    Unknown,
}

impl Reply {
    /// The line on the wire, with its newline.
    pub fn as_line(self) -> &'static str {
        match self {
            Reply::Ok => "OK\n",
            Reply::Unknown => "ERR UNKNOWN\n",
        }
    }
}

impl Command {
    /// The line on the wire, every argument quoted, with its newline.
    pub fn to_line(&self) -> String {
        let seconds_text;
        let mut words: Vec<&str> = Vec::new();
        match self {
            Command::Start { name, seconds } => {
                seconds_text = seconds.to_string();
                words.extend(["START", name, &seconds_text]);
            }
            Command::Cancel { name, command } => {
                words.extend(["CANCEL", name]);
                words.extend(command.as_deref());
            }
            Command::StartShared {
                name,
                seconds,
                origin,
            } => {
                seconds_text = seconds.to_string();
                words.extend([
                    "START-SHARED",
                    name,
                    &seconds_text,
                    &origin.ups,
                    &origin.kind,
                ]);
            }
            Command::CancelMatched {
                name,
                origin,
                command,
            } => {
                words.extend(["CANCEL-MATCHED", name, &origin.ups, &origin.kind]);
                words.extend(command.as_deref());
            }
        }
        let mut line = String::from(words[0]);
        for word in &words[1..] {
            line.push(' ');
            push_quoted(&mut line, word);
        }
        line.push('\n');
        line
    }

    /// Reads a request line (quoted or bare words, as the real daemon accepts); `None` for
    /// anything the daemon answers `ERR UNKNOWN`. Seconds are read as C's `atoi` would (`"abc"`
    /// is 0, a negative count is 0).
    pub fn parse(line: &str) -> Option<Command> {
        let mut sink = DiagnosticSink::new("socket");
        let words = config_lines(line.as_bytes(), &mut sink)
            .into_iter()
            .next()?
            .words;
        let word = |i: usize| words.get(i).cloned();
        let origin = |at: usize| {
            Some(Origin {
                ups: word(at)?,
                kind: word(at + 1)?,
            })
        };
        match words.first()?.as_str() {
            "START" => Some(Command::Start {
                name: word(1)?,
                seconds: atoi_seconds(&word(2)?),
            }),
            "CANCEL" => Some(Command::Cancel {
                name: word(1).unwrap_or_default(),
                command: word(2),
            }),
            "START-SHARED" => Some(Command::StartShared {
                name: word(1)?,
                seconds: atoi_seconds(&word(2)?),
                origin: origin(3)?,
            }),
            "CANCEL-MATCHED" => Some(Command::CancelMatched {
                name: word(1)?,
                origin: origin(2)?,
                command: word(4),
            }),
            _ => None,
        }
    }

    /// True for a cancel that needs no daemon: without one running there is nothing to cancel
    /// and nothing to run (the client does not start a daemon for it).
    pub fn is_idle_without_daemon(&self) -> bool {
        matches!(
            self,
            Command::Cancel { command: None, .. } | Command::CancelMatched { command: None, .. }
        )
    }
}

fn push_quoted(line: &mut String, word: &str) {
    line.push('"');
    for c in word.chars() {
        if c == '"' || c == '\\' {
            line.push('\\');
        }
        line.push(c);
    }
    line.push('"');
}

/// `atoi`: optional sign and leading digits, 0 when there are none; negatives count as 0.
fn atoi_seconds(text: &str) -> u32 {
    let text = text.trim_start();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    if negative {
        return 0;
    }
    digits[..end]
        .parse()
        .unwrap_or(if end == 0 { 0 } else { u32::MAX })
}

/// One step of the client for a notification, in the order of the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Print this on stderr and go on (`upssched.conf: invalid directive …`,
    /// `Invalid command: …`).
    Complain(String),
    /// `EXECUTE`: print `Executing command: <arg>` and run CMDSCRIPT with it now.
    Execute(String),
    /// Send this to the timer daemon (starting it if needed).
    Send(Command),
}

/// What the client does for one notification, with the settings it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The parsed config (CMDSCRIPT, PIPEFN, LOCKFN).
    pub conf: UpsschedConf,
    /// The steps in file order.
    pub steps: Vec<Step>,
}

/// Why the client stops before doing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal {
    /// upssched's message, e.g. `PIPEFN must be set before any ATs in the config file!`.
    pub message: String,
    /// Steps taken before the stop (complaints about earlier lines).
    pub steps: Vec<Step>,
}

/// The steps for a notification from `ups` of type `kind` (as `NOTIFYTYPE` holds it; an
/// unknown type matches no rule), walking `text` (upssched.conf) line by line as upssched does.
///
/// ```
/// use nut_client::sched::{plan, Command, Dialect, Step};
///
/// let conf = b"CMDSCRIPT /bin/cmd\nPIPEFN /run/p\nLOCKFN /run/l\nAT onbatt * START-TIMER t 5\nAT ONBATT ups2 EXECUTE x\n";
/// let plan = plan(conf, "upssched.conf", "ups1", "ONBATT", Dialect::Nut280).unwrap();
/// assert_eq!(plan.steps, [Step::Send(Command::Start { name: "t".into(), seconds: 5 })]);
/// ```
pub fn plan(
    text: &[u8],
    file_name: &str,
    ups: &str,
    kind: &str,
    dialect: Dialect,
) -> Result<Plan, Fatal> {
    let conf = upssched_conf::parse(text, file_name).config;
    let notify_type = NotifyType::from_name(kind);
    let mut sink = DiagnosticSink::new(file_name);
    let mut steps = Vec::new();
    let mut seen_rule = false;
    for line in config_lines(text, &mut sink) {
        let keyword = line.words.first().map(String::as_str).unwrap_or_default();
        match keyword {
            "CMDSCRIPT" | "PIPEFN" | "LOCKFN" | "DEBUG_MIN" if line.words.len() >= 2 => {}
            "AT" if line.words.len() >= 5 => {
                if !seen_rule {
                    seen_rule = true;
                    if let Some(name) = conf.missing_at_first_rule {
                        let message =
                            format!("{name} must be set before any ATs in the config file!");
                        return Err(Fatal { message, steps });
                    }
                }
                let rule = conf.rules.iter().find(|r| r.line == line.line);
                let matching = rule.filter(|r| notify_type.is_some_and(|t| r.matches(t, ups)));
                steps.extend(matching.map(|r| step_for(&r.action, ups, kind, dialect)));
            }
            _ => steps.push(Step::Complain(format!(
                "{file_name}: invalid directive {}",
                line.words.join(" ")
            ))),
        }
    }
    Ok(Plan { conf, steps })
}

/// The step for one matching rule's action.
pub fn step_for(action: &Action, ups: &str, kind: &str, dialect: Dialect) -> Step {
    let origin = || Origin {
        ups: ups.to_string(),
        kind: kind.to_string(),
    };
    let shared = dialect == Dialect::SharedTimers;
    match action {
        Action::StartTimer { name, seconds } => Step::Send(Command::Start {
            name: name.clone(),
            seconds: *seconds,
        }),
        Action::CancelTimer { name, command } => Step::Send(Command::Cancel {
            name: name.clone(),
            command: command.clone(),
        }),
        Action::Execute { command } => Step::Execute(command.clone()),
        Action::StartTimerShared { name, seconds } if shared => Step::Send(Command::StartShared {
            name: name.clone(),
            seconds: *seconds,
            origin: origin(),
        }),
        Action::CancelTimerMatched { name, command } if shared => {
            Step::Send(Command::CancelMatched {
                name: name.clone(),
                origin: origin(),
                command: command.clone(),
            })
        }
        Action::StartTimerShared { .. } => invalid("START-TIMER-SHARED"),
        Action::CancelTimerMatched { .. } => invalid("CANCEL-TIMER-MATCHED"),
        Action::Unknown { word } => invalid(word),
    }
}

fn invalid(word: &str) -> Step {
    Step::Complain(format!("Invalid command: {word}"))
}

/// A running timer in the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    /// Its name: CMDSCRIPT's argument when it fires.
    pub name: String,
    /// The Unix second at which it fires.
    pub deadline: u64,
    /// For a shared timer, every notification that asked for it (empty for `START`).
    pub origins: Vec<Origin>,
}

/// The daemon's timer table, oldest first.
///
/// ```
/// use nut_client::sched::{Command, Timers};
///
/// let mut timers = Timers::default();
/// let start = Command::Start { name: "t".into(), seconds: 5 };
/// timers.apply(&start, 100);
/// timers.apply(&start, 102);
/// // CANCEL takes the oldest one only.
/// let cancel = Command::Cancel { name: "t".into(), command: Some("none".into()) };
/// assert_eq!(timers.apply(&cancel, 103), None);
/// assert_eq!(timers.next_deadline(), Some(107));
/// // With nothing left to cancel, the command runs instead.
/// timers.apply(&cancel, 103);
/// assert_eq!(timers.apply(&cancel, 103), Some("none".to_string()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timers {
    timers: Vec<Timer>,
}

impl Timers {
    /// Applies a request at `now`; returns CMDSCRIPT's argument when the request asks to run
    /// it now (a cancel that found nothing to cancel and carries a command).
    ///
    /// `START` adds a new timer; `CANCEL` removes the oldest of that name. `START-SHARED`
    /// joins a running timer of that name (its deadline stays; the origin is added) or starts
    /// one; `CANCEL-MATCHED` withdraws the UPS's share from timers of that name, cancelling
    /// those no UPS shares any more (the cancelling notification's type differs from the
    /// starting one by nature, so the UPS name is what matches).
    pub fn apply(&mut self, command: &Command, now: u64) -> Option<String> {
        match command {
            Command::Start { name, seconds } => {
                self.push(name, now, *seconds, Vec::new());
                None
            }
            Command::Cancel { name, command } => {
                match self.timers.iter().position(|t| &t.name == name) {
                    Some(index) => {
                        self.timers.remove(index);
                        None
                    }
                    None => command.clone(),
                }
            }
            Command::StartShared {
                name,
                seconds,
                origin,
            } => {
                self.start_shared(name, now, *seconds, origin);
                None
            }
            Command::CancelMatched {
                name,
                origin,
                command,
            } => {
                if self.cancel_matched(name, &origin.ups) {
                    None
                } else {
                    command.clone()
                }
            }
        }
    }

    fn push(&mut self, name: &str, now: u64, seconds: u32, origins: Vec<Origin>) {
        self.timers.push(Timer {
            name: name.to_string(),
            deadline: now.saturating_add(u64::from(seconds)),
            origins,
        });
    }

    fn start_shared(&mut self, name: &str, now: u64, seconds: u32, origin: &Origin) {
        match self.timers.iter_mut().find(|t| t.name == name) {
            Some(timer) if timer.origins.contains(origin) => {}
            Some(timer) => timer.origins.push(origin.clone()),
            None => self.push(name, now, seconds, vec![origin.clone()]),
        }
    }

    /// True when some timer of that name was shared by `ups`.
    fn cancel_matched(&mut self, name: &str, ups: &str) -> bool {
        let mut found = false;
        for timer in self.timers.iter_mut().filter(|t| t.name == name) {
            let before = timer.origins.len();
            timer.origins.retain(|o| o.ups != ups);
            found |= timer.origins.len() != before;
        }
        self.timers
            .retain(|t| t.name != name || !t.origins.is_empty() || !found);
        found
    }

    /// Removes and returns the timers due at `now`, oldest first.
    pub fn expire(&mut self, now: u64) -> Vec<Timer> {
        let (due, waiting) = std::mem::take(&mut self.timers)
            .into_iter()
            .partition(|t| t.deadline <= now);
        self.timers = waiting;
        due
    }

    /// The earliest deadline, if any timer runs.
    pub fn next_deadline(&self) -> Option<u64> {
        self.timers.iter().map(|t| t.deadline).min()
    }

    /// True when no timer runs (the daemon exits then).
    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }

    /// The running timers, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Timer> {
        self.timers.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(name: &str, seconds: u32) -> Command {
        Command::Start {
            name: name.into(),
            seconds,
        }
    }

    fn cancel(name: &str, command: Option<&str>) -> Command {
        Command::Cancel {
            name: name.into(),
            command: command.map(String::from),
        }
    }

    fn origin(ups: &str, kind: &str) -> Origin {
        Origin {
            ups: ups.into(),
            kind: kind.into(),
        }
    }

    fn names(timers: Vec<Timer>) -> Vec<String> {
        timers.into_iter().map(|t| t.name).collect()
    }

    /// Runs the clock from `from` to `to` second by second; what fired, with the second.
    fn run_clock(timers: &mut Timers, from: u64, to: u64) -> Vec<(u64, String)> {
        (from..=to)
            .flat_map(|now| timers.expire(now).into_iter().map(move |t| (now, t.name)))
            .collect()
    }

    #[test]
    fn a_timer_fires_at_its_whole_second_and_only_once() {
        let mut timers = Timers::default();
        assert_eq!(timers.apply(&start("t", 2), 10), None);
        assert_eq!(run_clock(&mut timers, 10, 20), [(12, "t".to_string())]);
        assert!(timers.is_empty());
    }

    #[test]
    fn starting_a_running_timer_again_adds_a_second_one() {
        let mut timers = Timers::default();
        timers.apply(&start("t", 3), 10);
        timers.apply(&start("t", 3), 11);
        assert_eq!(
            run_clock(&mut timers, 10, 20),
            [(13, "t".to_string()), (14, "t".to_string())]
        );
    }

    #[test]
    fn cancel_removes_the_oldest_of_that_name_and_keeps_others() {
        let mut timers = Timers::default();
        timers.apply(&start("t", 3), 10);
        timers.apply(&start("other", 3), 10);
        timers.apply(&start("t", 3), 12);
        assert_eq!(timers.apply(&cancel("t", Some("gone")), 12), None);
        assert_eq!(
            run_clock(&mut timers, 12, 20),
            [(13, "other".to_string()), (15, "t".to_string())]
        );
    }

    #[test]
    fn cancel_of_nothing_runs_its_command_or_nothing() {
        let mut timers = Timers::default();
        assert_eq!(
            timers.apply(&cancel("t", Some("online")), 1),
            Some("online".to_string())
        );
        assert_eq!(timers.apply(&cancel("t", None), 1), None);
        assert!(timers.is_empty());
    }

    #[test]
    fn cancel_after_the_timer_fired_runs_its_command() {
        let mut timers = Timers::default();
        timers.apply(&start("t", 1), 1);
        assert_eq!(names(timers.expire(2)), ["t"]);
        assert_eq!(
            timers.apply(&cancel("t", Some("late")), 3),
            Some("late".to_string())
        );
    }

    #[test]
    fn zero_seconds_fires_at_the_next_check() {
        let mut timers = Timers::default();
        timers.apply(&start("now", 0), 5);
        assert_eq!(timers.next_deadline(), Some(5));
        assert_eq!(names(timers.expire(5)), ["now"]);
    }

    #[test]
    fn shared_timer_is_joined_not_restarted() {
        let mut timers = Timers::default();
        let shared = |ups: &str| Command::StartShared {
            name: "s".into(),
            seconds: 5,
            origin: origin(ups, "ONBATT"),
        };
        timers.apply(&shared("ups1"), 10);
        timers.apply(&shared("ups2"), 13);
        timers.apply(&shared("ups2"), 14);
        let timer = timers.iter().next().cloned().expect("one timer");
        assert_eq!(timer.deadline, 15);
        assert_eq!(
            timer.origins,
            [origin("ups1", "ONBATT"), origin("ups2", "ONBATT")]
        );
        assert_eq!(run_clock(&mut timers, 10, 30), [(15, "s".to_string())]);
    }

    #[test]
    fn cancel_matched_needs_every_sharer_gone() {
        let mut timers = Timers::default();
        for ups in ["ups1", "ups2"] {
            timers.apply(
                &Command::StartShared {
                    name: "s".into(),
                    seconds: 5,
                    origin: origin(ups, "ONBATT"),
                },
                10,
            );
        }
        let matched = |ups: &str| Command::CancelMatched {
            name: "s".into(),
            origin: origin(ups, "ONLINE"),
            command: Some("nothing".into()),
        };
        assert_eq!(
            timers.apply(&matched("ups3"), 11),
            Some("nothing".to_string())
        );
        assert_eq!(timers.apply(&matched("ups1"), 11), None);
        assert!(!timers.is_empty(), "ups2 still shares it");
        assert_eq!(timers.apply(&matched("ups2"), 12), None);
        assert!(timers.is_empty());
    }

    #[test]
    fn cancel_matched_leaves_plain_timers_alone() {
        let mut timers = Timers::default();
        timers.apply(&start("s", 5), 10);
        let matched = Command::CancelMatched {
            name: "s".into(),
            origin: origin("ups1", "ONLINE"),
            command: None,
        };
        assert_eq!(timers.apply(&matched, 11), None);
        assert_eq!(run_clock(&mut timers, 11, 20), [(15, "s".to_string())]);
    }

    #[test]
    fn wire_lines_round_trip_and_match_the_real_client() {
        assert_eq!(start("t1", 2).to_line(), "START \"t1\" \"2\"\n");
        assert_eq!(
            cancel("t1", Some("cancelled")).to_line(),
            "CANCEL \"t1\" \"cancelled\"\n"
        );
        assert_eq!(cancel("t1", None).to_line(), "CANCEL \"t1\"\n");
        let commands = [
            start("a \"b\" \\c", 7),
            cancel("x", Some("y z")),
            cancel("x", None),
            Command::StartShared {
                name: "s".into(),
                seconds: 3,
                origin: origin("ups@host", "ONBATT"),
            },
            Command::CancelMatched {
                name: "s".into(),
                origin: origin("ups@host", "ONLINE"),
                command: Some("c".into()),
            },
        ];
        for command in commands {
            assert_eq!(Command::parse(&command.to_line()), Some(command.clone()));
        }
    }

    #[test]
    fn the_daemon_reads_what_the_real_one_accepts() {
        assert_eq!(Command::parse("START x 1\n"), Some(start("x", 1)));
        assert_eq!(
            Command::parse("START \"abc\" \"abc\""),
            Some(start("abc", 0))
        );
        assert_eq!(
            Command::parse("START \"neg\" \"-1\""),
            Some(start("neg", 0))
        );
        assert_eq!(Command::parse("CANCEL"), Some(cancel("", None)));
        for unknown in ["START \"y\"", "FOO", "", "start \"low\" \"1\""] {
            assert_eq!(Command::parse(unknown), None, "{unknown:?}");
        }
        assert_eq!(Reply::Unknown.as_line(), "ERR UNKNOWN\n");
    }

    const CONF: &[u8] = b"CMDSCRIPT /bin/cmd\nPIPEFN /run/p\nLOCKFN /run/l\n\
AT ONBATT * START-TIMER onbatt 30\nAT ONBATT ups1 EXECUTE first\nAT ONBATT UPS1 EXECUTE upper\n\
FOO \"a  b\" c\nAT ONLINE * CANCEL-TIMER onbatt online\nAT NOPE * EXECUTE never\n\
AT onbatt * execute lower\nAT ONBATT *\nAT COMMBAD * START-TIMER-SHARED s 5\nAT COMMOK * CANCEL-TIMER-MATCHED s\n";

    fn steps(ups: &str, kind: &str, dialect: Dialect) -> Vec<Step> {
        plan(CONF, "upssched.conf", ups, kind, dialect)
            .expect("plan")
            .steps
    }

    fn complaint(text: &str) -> Step {
        Step::Complain(text.to_string())
    }

    #[test]
    fn plan_follows_the_file_with_exact_ups_names_and_any_case_types() {
        let invalid_foo = complaint("upssched.conf: invalid directive FOO a  b c");
        let short_at = complaint("upssched.conf: invalid directive AT ONBATT *");
        assert_eq!(
            steps("ups1", "onbatt", Dialect::Nut280),
            [
                Step::Send(start("onbatt", 30)),
                Step::Execute("first".into()),
                invalid_foo.clone(),
                complaint("Invalid command: execute"),
                short_at.clone(),
            ]
        );
        assert_eq!(
            steps("ups2", "ONLINE", Dialect::Nut280),
            [
                invalid_foo.clone(),
                Step::Send(cancel("onbatt", Some("online"))),
                short_at.clone()
            ]
        );
        assert_eq!(
            steps("ups2", "NOSUCHTYPE", Dialect::Nut280),
            [invalid_foo, short_at]
        );
    }

    #[test]
    fn shared_actions_are_invalid_in_280_and_sent_otherwise() {
        assert!(
            steps("ups1", "COMMBAD", Dialect::Nut280)
                .contains(&complaint("Invalid command: START-TIMER-SHARED"))
        );
        assert!(
            steps("ups1", "COMMOK", Dialect::Nut280)
                .contains(&complaint("Invalid command: CANCEL-TIMER-MATCHED"))
        );
        assert!(
            steps("ups1", "COMMBAD", Dialect::SharedTimers).contains(&Step::Send(
                Command::StartShared {
                    name: "s".into(),
                    seconds: 5,
                    origin: origin("ups1", "COMMBAD")
                }
            ))
        );
    }

    #[test]
    fn a_setting_missing_at_the_first_at_stops_the_client() {
        let fatal = plan(
            b"CMDSCRIPT /bin/cmd\nBAD\nLOCKFN /l\nAT ONLINE * EXECUTE x\nPIPEFN /p\n",
            "upssched.conf",
            "ups1",
            "ONBATT",
            Dialect::Nut280,
        )
        .expect_err("fatal");
        assert_eq!(
            fatal.message,
            "PIPEFN must be set before any ATs in the config file!"
        );
        assert_eq!(
            fatal.steps,
            [complaint("upssched.conf: invalid directive BAD")]
        );
        let empty = plan(b"", "upssched.conf", "u", "ONBATT", Dialect::Nut280).expect("plan");
        assert!(empty.steps.is_empty());
    }
}
