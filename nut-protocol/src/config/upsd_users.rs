//! `upsd.users`: who may do what on upsd (NUT-REFERENCE §4.4).
//!
//! `[name]` starts a user; `password` (the first one counts), `actions` and `instcmds`
//! (repeatable, several values per line), and `upsmon primary|master|secondary|slave` (also
//! `upsmon = primary`) grant rights. User names and passwords are case-sensitive; action and
//! command names are not. A user without a password can never authenticate.
//!
//! ```
//! use nut_protocol::config::upsd_users::{self, Action};
//!
//! let text = b"[admin]\n password = secret\n actions = SET FSD\n instcmds = ALL\n[mon]\n password = p\n upsmon primary\n";
//! let users = upsd_users::parse(text, "upsd.users").into_result().unwrap();
//! let admin = users.authenticate("admin", "secret").unwrap();
//! assert!(admin.may(Action::Set) && admin.may_instcmd("load.off"));
//! let mon = users.authenticate("mon", "p").unwrap();
//! assert!(mon.may(Action::Login) && mon.may(Action::Primary) && mon.may(Action::Fsd));
//! assert!(users.authenticate("admin", "wrong").is_none());
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::args::Args;
use super::{DiagnosticSink, Parsed, config_lines};

/// A right an upsd user can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `SET VAR`.
    Set,
    /// `FSD`.
    Fsd,
    /// `LOGIN` (granted by `upsmon primary` and `upsmon secondary`).
    Login,
    /// `PRIMARY` / `MASTER` (granted by `upsmon primary`).
    Primary,
}

impl Action {
    /// The action named by an `actions` word (case-insensitive; `MASTER` is `PRIMARY`).
    pub fn from_word(word: &str) -> Option<Action> {
        match word.to_ascii_uppercase().as_str() {
            "SET" => Some(Action::Set),
            "FSD" => Some(Action::Fsd),
            "LOGIN" => Some(Action::Login),
            "MASTER" | "PRIMARY" => Some(Action::Primary),
            _ => None,
        }
    }
}

/// One user of upsd.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The user name (case-sensitive).
    pub name: String,
    password: Option<String>,
    /// Granted actions.
    pub actions: Vec<Action>,
    /// Granted instant commands (`ALL` grants every command).
    pub instcmds: Vec<String>,
    /// Line of the `[name]` header.
    pub line: usize,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("actions", &self.actions)
            .field("instcmds", &self.instcmds)
            .field("line", &self.line)
            .finish()
    }
}

impl User {
    /// True when the user has a password.
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// Compares `given` with the password in constant time (for equal lengths; the length of
    /// the secret is not hidden). A user without a password never matches.
    pub fn password_matches(&self, given: &str) -> bool {
        self.password
            .as_deref()
            .is_some_and(|p| constant_time_eq(p.as_bytes(), given.as_bytes()))
    }

    /// True when the user holds `action`.
    pub fn may(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// True when the user may run instant command `cmd` (case-insensitive, or `ALL`).
    pub fn may_instcmd(&self, cmd: &str) -> bool {
        self.instcmds
            .iter()
            .any(|c| c.eq_ignore_ascii_case("ALL") || c.eq_ignore_ascii_case(cmd))
    }
}

/// Compares two byte strings without stopping at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    core::hint::black_box(diff) == 0
}

/// The typed `upsd.users`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Users {
    /// The users in file order.
    pub users: Vec<User>,
}

impl Users {
    /// A user by exact name.
    pub fn find(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The user if the name exists and the password matches.
    pub fn authenticate(&self, name: &str, password: &str) -> Option<&User> {
        self.find(name).filter(|u| u.password_matches(password))
    }
}

/// Parses `upsd.users`.
pub fn parse(text: &[u8], file_name: &str) -> Parsed<Users> {
    let mut sink = DiagnosticSink::new(file_name);
    let mut users = Users::default();
    let mut current: Option<usize> = None;
    let mut seen_section = false;
    let lines = config_lines(text, &mut sink);
    for line in &lines {
        let mut a = Args::new(line, &mut sink);
        let first = a.keyword();
        if let Some(name) = first.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            current = None;
            seen_section = true;
            if name.is_empty() {
                a.error(first, "empty user name");
            } else if users.find(name).is_some() {
                a.warning(
                    first,
                    "user already defined: this section is ignored (as upsd does)",
                );
            } else {
                users.users.push(User {
                    name: String::from(name),
                    password: None,
                    actions: Vec::new(),
                    instcmds: Vec::new(),
                    line: line.line,
                });
                current = Some(users.users.len() - 1);
            }
            continue;
        }
        let Some(index) = current else {
            if !seen_section {
                a.error(first, "setting outside of a [user] section");
            }
            continue;
        };
        let Some(user) = users.users.get_mut(index) else {
            continue;
        };
        apply_key(user, &mut a);
    }
    sink.finish(users)
}

/// The values of a `key = v1 v2 …` or `key v1 v2 …` line.
fn values<'a>(a: &Args<'a>) -> Vec<&'a str> {
    let start = if a.word(1) == Some("=") { 2 } else { 1 };
    (start..a.count()).filter_map(|i| a.word(i)).collect()
}

fn apply_key(user: &mut User, a: &mut Args<'_>) {
    let key = a.keyword();
    let vals = values(a);
    if vals.is_empty() {
        a.error(key, alloc::format!("'{key}' needs a value"));
        return;
    }
    match key.to_ascii_lowercase().as_str() {
        "password" => {
            if user.password.is_some() {
                a.warning(key, "second password ignored (the first one counts)");
            } else {
                user.password = vals.first().map(|p| String::from(*p));
            }
            if vals.len() > 1 {
                a.extra_ignored(vals.len());
            }
        }
        "actions" => {
            for word in vals {
                match Action::from_word(word) {
                    Some(action) if !user.actions.contains(&action) => user.actions.push(action),
                    Some(_) => {}
                    None => a.warning(word, "unknown action ignored"),
                }
            }
        }
        "instcmds" => user.instcmds.extend(vals.into_iter().map(String::from)),
        "upsmon" => {
            let grants: &[Action] = match vals.first().map(|v| v.to_ascii_lowercase()).as_deref() {
                Some("primary" | "master") => &[Action::Login, Action::Primary, Action::Fsd],
                Some("secondary" | "slave") => &[Action::Login],
                _ => {
                    let word = vals.first().copied().unwrap_or(key);
                    a.error(word, "upsmon takes primary, secondary, master or slave");
                    return;
                }
            };
            for action in grants {
                if !user.actions.contains(action) {
                    user.actions.push(*action);
                }
            }
        }
        "allowfrom" => a.warning(
            key,
            "obsolete 'allowfrom' ignored (use LISTEN and a firewall)",
        ),
        _ => a.warning(key, "unknown key ignored"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form() {
        let text = b"[admin]\n  password = \"pa ss\"\n  actions = SET\n  actions = fsd\n  instcmds = load.off\n  instcmds = beeper.enable beeper.disable\n\
[mon]\n  password = m\n  upsmon master\n[sec]\n  password = s\n  upsmon = secondary\n[nopass]\n  actions = SET\n";
        let parsed = parse(text, "upsd.users");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let users = parsed.config;
        let admin = users.authenticate("admin", "pa ss").expect("admin");
        assert!(admin.may(Action::Set) && admin.may(Action::Fsd) && !admin.may(Action::Login));
        assert!(admin.may_instcmd("LOAD.OFF") && admin.may_instcmd("beeper.disable"));
        assert!(!admin.may_instcmd("shutdown.return"));
        let mon = users.authenticate("mon", "m").expect("mon");
        assert_eq!(mon.actions, [Action::Login, Action::Primary, Action::Fsd]);
        let sec = users.authenticate("sec", "s").expect("sec");
        assert_eq!(sec.actions, [Action::Login]);
        assert!(users.find("nopass").is_some());
        assert!(users.authenticate("nopass", "").is_none());
        assert!(
            users.authenticate("Admin", "pa ss").is_none(),
            "names are case-sensitive"
        );
        assert!(!alloc::format!("{users:?}").contains("pa ss"));
    }

    #[test]
    fn first_password_wins_and_duplicates_are_ignored() {
        let parsed = parse(
            b"[u]\npassword = one\npassword = two\n[u]\npassword = three\n",
            "upsd.users",
        );
        assert_eq!(parsed.warnings().count(), 2);
        assert!(parsed.config.authenticate("u", "one").is_some());
        assert!(parsed.config.authenticate("u", "three").is_none());
    }

    #[test]
    fn errors_and_warnings_name_line_and_word() {
        let parsed = parse(
            b"password = x\n[u]\nupsmon boss\nactions = SET JUMP\nallowfrom = localhost\npassword\n",
            "upsd.users",
        );
        let errors: Vec<_> = parsed.errors().map(|d| (d.line, d.word.clone())).collect();
        assert_eq!(
            errors,
            [
                (1, "password".into()),
                (3, "boss".into()),
                (6, "password".into())
            ]
        );
        let warnings: Vec<_> = parsed
            .warnings()
            .map(|d| (d.line, d.word.clone()))
            .collect();
        assert_eq!(warnings, [(4, "JUMP".into()), (5, "allowfrom".into())]);
        assert_eq!(parsed.config.users[0].actions, [Action::Set]);
    }

    #[test]
    fn constant_time_comparison_is_correct() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }
}
