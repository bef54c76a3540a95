//! The command verbs upsd 2.8.0 knows (its `netcmds` table).

use core::fmt;

use super::request_error::RequestError;

/// The first word of a request: one entry of upsd 2.8.0's command table, matched
/// case-insensitively. `ATTACH`/`DETACH` (newer NUT) and `TRACKING` are not commands here: upsd
/// 2.8.0 answers them `ERR UNKNOWN-COMMAND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    /// `VER`: server version text.
    Ver,
    /// `NETVER`: protocol version.
    NetVer,
    /// `PROTVER`: protocol version (alias of `NETVER` since 2.8.0).
    ProtVer,
    /// `HELP`: list of commands.
    Help,
    /// `STARTTLS`: switch the connection to TLS.
    StartTls,
    /// `GET …`.
    Get,
    /// `LIST …`.
    List,
    /// `USERNAME <name>`.
    Username,
    /// `PASSWORD <password>`.
    Password,
    /// `LOGIN <ups>` (needs a user).
    Login,
    /// `LOGOUT`.
    Logout,
    /// `PRIMARY <ups>` (needs a user).
    Primary,
    /// `MASTER <ups>`, legacy name of `PRIMARY` (needs a user).
    Master,
    /// `FSD <ups>` (needs a user).
    Fsd,
    /// `SET VAR …` / `SET TRACKING …` (needs a user).
    Set,
    /// `INSTCMD <ups> <cmd> [<param>]` (needs a user).
    InstCmd,
}

impl Command {
    /// Every command, in upsd's table order.
    pub const ALL: [Command; 16] = [
        Command::Ver,
        Command::NetVer,
        Command::ProtVer,
        Command::Help,
        Command::StartTls,
        Command::Get,
        Command::List,
        Command::Username,
        Command::Password,
        Command::Login,
        Command::Logout,
        Command::Primary,
        Command::Master,
        Command::Fsd,
        Command::Set,
        Command::InstCmd,
    ];

    /// The verb as written on the wire (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Ver => "VER",
            Command::NetVer => "NETVER",
            Command::ProtVer => "PROTVER",
            Command::Help => "HELP",
            Command::StartTls => "STARTTLS",
            Command::Get => "GET",
            Command::List => "LIST",
            Command::Username => "USERNAME",
            Command::Password => "PASSWORD",
            Command::Login => "LOGIN",
            Command::Logout => "LOGOUT",
            Command::Primary => "PRIMARY",
            Command::Master => "MASTER",
            Command::Fsd => "FSD",
            Command::Set => "SET",
            Command::InstCmd => "INSTCMD",
        }
    }

    /// Looks a verb up case-insensitively, as upsd does (`strcasecmp`).
    pub fn from_verb(verb: &str) -> Option<Command> {
        Command::ALL
            .into_iter()
            .find(|command| command.as_str().eq_ignore_ascii_case(verb))
    }

    /// True for upsd's `FLAG_USER` commands (`LOGIN`, `PRIMARY`, `MASTER`, `FSD`, `SET`,
    /// `INSTCMD`): a server must answer `ERR USERNAME-REQUIRED` / `ERR PASSWORD-REQUIRED`
    /// *before* looking at their arguments.
    pub fn requires_auth(self) -> bool {
        matches!(
            self,
            Command::Login
                | Command::Primary
                | Command::Master
                | Command::Fsd
                | Command::Set
                | Command::InstCmd
        )
    }

    /// Step 1 of parsing a request: finds the command of a tokenized line and returns it with
    /// its argument words. An empty line (no words: blank or comment-only) and an unknown verb
    /// are errors answered with `ERR UNKNOWN-COMMAND`, as the real upsd does.
    pub fn split<S: AsRef<str>>(words: &[S]) -> Result<(Command, &[S]), RequestError> {
        let Some((verb, args)) = words.split_first() else {
            return Err(RequestError::Empty);
        };
        match Command::from_verb(verb.as_ref()) {
            Some(command) => Ok((command, args)),
            None => Err(RequestError::UnknownCommand {
                verb: verb.as_ref().into(),
            }),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
