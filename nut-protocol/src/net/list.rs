//! The queries of `LIST …`, shared by the request and the `BEGIN LIST`/`END LIST` lines.

use alloc::string::String;

use super::push_sp_name;
use super::request_error::ArgumentProblem;

/// What a `LIST` asks for; also the tail of its `BEGIN LIST …` and `END LIST …` lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListQuery {
    /// `LIST UPS`: every UPS with its description.
    Ups,
    /// `LIST VAR <ups>`: every variable.
    Var {
        /// UPS name, as sent.
        ups: String,
    },
    /// `LIST RW <ups>`: the writable variables.
    Rw {
        /// UPS name, as sent.
        ups: String,
    },
    /// `LIST CMD <ups>`: the instant commands.
    Cmd {
        /// UPS name, as sent.
        ups: String,
    },
    /// `LIST ENUM <ups> <var>`: the allowed values of a variable.
    Enum {
        /// UPS name, as sent.
        ups: String,
        /// Variable name, as sent.
        var: String,
    },
    /// `LIST RANGE <ups> <var>`: the allowed ranges of a variable.
    Range {
        /// UPS name, as sent.
        ups: String,
        /// Variable name, as sent.
        var: String,
    },
    /// `LIST CLIENT <ups>`: the addresses of the clients logged into a UPS.
    Client {
        /// UPS name, as sent.
        ups: String,
    },
}

impl ListQuery {
    /// The sub-word (`UPS`, `VAR`, `RW`, `CMD`, `ENUM`, `RANGE`, `CLIENT`).
    pub fn kind(&self) -> &'static str {
        match self {
            ListQuery::Ups => "UPS",
            ListQuery::Var { .. } => "VAR",
            ListQuery::Rw { .. } => "RW",
            ListQuery::Cmd { .. } => "CMD",
            ListQuery::Enum { .. } => "ENUM",
            ListQuery::Range { .. } => "RANGE",
            ListQuery::Client { .. } => "CLIENT",
        }
    }

    /// The UPS the query is about (`None` for `LIST UPS`).
    pub fn ups(&self) -> Option<&str> {
        match self {
            ListQuery::Ups => None,
            ListQuery::Var { ups }
            | ListQuery::Rw { ups }
            | ListQuery::Cmd { ups }
            | ListQuery::Client { ups }
            | ListQuery::Enum { ups, .. }
            | ListQuery::Range { ups, .. } => Some(ups),
        }
    }

    /// Appends the sub-word and its names, e.g. `VAR ups`.
    pub(crate) fn push_words(&self, out: &mut String) {
        out.push_str(self.kind());
        match self {
            ListQuery::Ups => {}
            ListQuery::Var { ups }
            | ListQuery::Rw { ups }
            | ListQuery::Cmd { ups }
            | ListQuery::Client { ups } => push_sp_name(out, ups),
            ListQuery::Enum { ups, var } | ListQuery::Range { ups, var } => {
                push_sp_name(out, ups);
                push_sp_name(out, var);
            }
        }
    }

    /// Reads a query from the words after `LIST` (or after `BEGIN LIST`/`END LIST`) in upsd's
    /// order of checks, returning it with the number of words it used (the rest are ignored by
    /// upsd). On error: the problem and the index (within `args`) of the offending or missing
    /// word.
    pub(crate) fn from_words<S: AsRef<str>>(
        args: &[S],
    ) -> Result<(ListQuery, usize), (ArgumentProblem, usize)> {
        let word = |index: usize| args.get(index).map(|w| String::from(w.as_ref()));
        let Some(kind) = args.first().map(AsRef::as_ref) else {
            return Err((ArgumentProblem::MissingSubcommand, 0));
        };
        let is = |name: &str| kind.eq_ignore_ascii_case(name);
        if is("UPS") {
            return Ok((ListQuery::Ups, 1));
        }
        let one_name = ["VAR", "RW", "CMD", "CLIENT"].into_iter().any(is);
        let two_names = ["ENUM", "RANGE"].into_iter().any(is);
        if !one_name && !two_names {
            return Err((ArgumentProblem::UnknownSubcommand, 0));
        }
        let Some(ups) = word(1) else {
            return Err((ArgumentProblem::MissingArgument, 1));
        };
        let query = if is("VAR") {
            ListQuery::Var { ups }
        } else if is("RW") {
            ListQuery::Rw { ups }
        } else if is("CMD") {
            ListQuery::Cmd { ups }
        } else if is("CLIENT") {
            ListQuery::Client { ups }
        } else {
            let Some(var) = word(2) else {
                return Err((ArgumentProblem::MissingArgument, 2));
            };
            return Ok((
                if is("ENUM") {
                    ListQuery::Enum { ups, var }
                } else {
                    ListQuery::Range { ups, var }
                },
                3,
            ));
        };
        Ok((query, 2))
    }
}
