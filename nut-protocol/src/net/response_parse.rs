//! Reading server lines back into [`Response`]s.

use alloc::string::String;
use alloc::vec::Vec;

use nom::Parser;
use nom::bytes::complete::tag_no_case;
use nom::character::complete::i64 as decimal_i64;
use nom::combinator::all_consuming;
use nom::sequence::preceded;
use nut_core::Range;

use super::error_code::ErrorCode;
use super::list::ListQuery;
use super::request::{GetQuery, Request};
use super::request_error::ArgumentProblem;
use super::response::{OkReply, Response, ValueKind, VarType};
use super::response_error::ResponseError;
use super::tracking::{TrackingId, TrackingStatus};
use crate::tokenizer::tokenize_line;

impl Response {
    /// Reads one structured server line (a trailing LF is optional), without knowing the
    /// request. Keywords are matched case-insensitively (as libupsclient does); free text
    /// (answers to `VER`, `NETVER`, `PROTVER`, `HELP`) is an
    /// [`ResponseError::UnknownKeyword`] here, and `ERR UNKNOWN`/`ERR FAILED` read as errors
    /// with [`ErrorCode::Other`]: use [`Response::parse_for`] for those.
    pub fn parse(line: &[u8]) -> Result<Response, ResponseError> {
        let tokenized = tokenize_line(line)?;
        Response::from_words(&tokenized.words)
    }

    /// Reads the server line answering `request`:
    ///
    /// * after `VER`, `NETVER`, `PROTVER` and `HELP`, any line that does not start with
    ///   `ERR ` is the free-text answer ([`Response::Version`], [`Response::ProtocolVersion`],
    ///   [`Response::Help`]): the raw line without its LF (and a CR before it);
    /// * after `GET TRACKING <id>`, `ERR UNKNOWN`, `ERR INVALID-ARGUMENT` and `ERR FAILED` are
    ///   [`Response::TrackingResult`]s, not errors;
    /// * everything else reads as [`Response::parse`] does.
    pub fn parse_for(request: &Request, line: &[u8]) -> Result<Response, ResponseError> {
        let text_line = strip_eol(line);
        let is_err_line = text_line == b"ERR" || text_line.starts_with(b"ERR ");
        match request {
            Request::Ver if !is_err_line => Ok(Response::Version {
                text: free_text(text_line)?,
            }),
            Request::NetVer | Request::ProtVer if !is_err_line => Ok(Response::ProtocolVersion {
                text: free_text(text_line)?,
            }),
            Request::Help if !is_err_line => Ok(Response::Help {
                text: free_text(text_line)?,
            }),
            Request::Get(GetQuery::TrackingResult { .. }) => {
                let tokenized = tokenize_line(line)?;
                let words = &tokenized.words;
                if let [keyword, code] = words.as_slice()
                    && keyword.eq_ignore_ascii_case("ERR")
                    && let Some(status) = TrackingStatus::from_err_code(code)
                {
                    return Ok(Response::TrackingResult(status));
                }
                Response::from_words(words)
            }
            _ => Response::parse(line),
        }
    }

    /// [`Response::parse`] for an already tokenized line.
    pub fn from_words<S: AsRef<str>>(words: &[S]) -> Result<Response, ResponseError> {
        let word = |index: usize| words.get(index).map(|w| String::from(w.as_ref()));
        let Some(keyword) = words.first().map(AsRef::as_ref) else {
            return Err(ResponseError::Empty);
        };
        let is = |name: &str| keyword.eq_ignore_ascii_case(name);
        // Names of the words of each fixed-shape line, for "missing …" errors.
        const ITEM: [&str; 4] = ["keyword", "UPS name", "variable name", "quoted value"];
        const NAMES: [&str; 3] = ["keyword", "UPS name", "name"];
        const DESCRIBED: [&str; 3] = ["keyword", "UPS name", "quoted description"];

        if is("OK") {
            return parse_ok(words);
        }
        if is("ERR") {
            let Some(code) = word(1) else {
                return Err(ResponseError::MissingWord {
                    word: 1,
                    expected: "error code",
                });
            };
            let extra = words
                .iter()
                .skip(2)
                .map(|w| String::from(w.as_ref()))
                .collect();
            return Ok(Response::Err {
                code: ErrorCode::parse(&code),
                extra,
            });
        }
        if ["VAR", "RW", "ENUM", "DESC", "CMDDESC"].into_iter().any(is) {
            arity(words, &ITEM)?;
            let (ups, name, text) = (word(1), word(2), word(3));
            let (Some(ups), Some(name), Some(text)) = (ups, name, text) else {
                return Err(missing(words.len(), "word"));
            };
            return Ok(if is("VAR") {
                Response::Var {
                    ups,
                    var: name,
                    value: text,
                }
            } else if is("RW") {
                Response::Rw {
                    ups,
                    var: name,
                    value: text,
                }
            } else if is("ENUM") {
                Response::Enum {
                    ups,
                    var: name,
                    value: text,
                }
            } else if is("DESC") {
                Response::Desc {
                    ups,
                    var: name,
                    description: text,
                }
            } else {
                Response::CmdDesc {
                    ups,
                    cmd: name,
                    description: text,
                }
            });
        }
        if is("RANGE") {
            arity(
                words,
                &["keyword", "UPS name", "variable name", "minimum", "maximum"],
            )?;
            let (Some(ups), Some(var)) = (word(1), word(2)) else {
                return Err(missing(words.len(), "word"));
            };
            let range = Range {
                min: number(words, 3, "range minimum")?,
                max: number(words, 4, "range maximum")?,
            };
            return Ok(Response::Range { ups, var, range });
        }
        if ["CMD", "CLIENT", "NUMLOGINS"].into_iter().any(is) {
            arity(words, &NAMES)?;
            let (Some(ups), Some(name)) = (word(1), word(2)) else {
                return Err(missing(words.len(), "word"));
            };
            return Ok(if is("CMD") {
                Response::Cmd { ups, cmd: name }
            } else if is("CLIENT") {
                Response::Client { ups, address: name }
            } else {
                Response::NumLogins {
                    ups,
                    count: number(words, 2, "login count")?,
                }
            });
        }
        if is("UPS") || is("UPSDESC") {
            arity(words, &DESCRIBED)?;
            let (Some(ups), Some(description)) = (word(1), word(2)) else {
                return Err(missing(words.len(), "word"));
            };
            return Ok(if is("UPS") {
                Response::Ups { ups, description }
            } else {
                Response::UpsDesc { ups, description }
            });
        }
        if is("TYPE") {
            let (Some(ups), Some(var)) = (word(1), word(2)) else {
                return Err(missing(words.len(), "UPS and variable name"));
            };
            let var_type = parse_var_type(words)?;
            return Ok(Response::Type { ups, var, var_type });
        }
        if is("BEGIN") || is("END") {
            let query = parse_list_header(words)?;
            return Ok(if is("BEGIN") {
                Response::BeginList(query)
            } else {
                Response::EndList(query)
            });
        }
        let single = if is("ON") {
            Some(Response::TrackingMode { enabled: true })
        } else if is("OFF") {
            Some(Response::TrackingMode { enabled: false })
        } else {
            TrackingStatus::from_bare_word(keyword).map(Response::TrackingResult)
        };
        match single {
            Some(response) => {
                arity(words, &["keyword"])?;
                Ok(response)
            }
            None => Err(ResponseError::UnknownKeyword {
                word: 0,
                keyword: String::from(keyword),
            }),
        }
    }
}

fn missing(word: usize, expected: &'static str) -> ResponseError {
    ResponseError::MissingWord { word, expected }
}

/// Checks that `words` has exactly one word per entry of `names`.
fn arity<S: AsRef<str>>(words: &[S], names: &[&'static str]) -> Result<(), ResponseError> {
    if let Some(expected) = names.get(words.len()) {
        return Err(missing(words.len(), expected));
    }
    match words.get(names.len()) {
        Some(extra) => Err(ResponseError::UnexpectedWord {
            word: names.len(),
            found: String::from(extra.as_ref()),
        }),
        None => Ok(()),
    }
}

fn number<S: AsRef<str>, N: core::str::FromStr>(
    words: &[S],
    index: usize,
    expected: &'static str,
) -> Result<N, ResponseError> {
    let Some(text) = words.get(index).map(AsRef::as_ref) else {
        return Err(missing(index, expected));
    };
    text.parse().map_err(|_| ResponseError::InvalidNumber {
        word: index,
        found: String::from(text),
        expected,
    })
}

fn parse_ok<S: AsRef<str>>(words: &[S]) -> Result<Response, ResponseError> {
    let rest: Vec<&str> = words.iter().skip(1).map(AsRef::as_ref).collect();
    let reply = match rest.as_slice() {
        [] => OkReply::Plain,
        [word] if word.eq_ignore_ascii_case("Goodbye") => OkReply::Goodbye,
        [word] if word.eq_ignore_ascii_case("PRIMARY-GRANTED") => OkReply::PrimaryGranted,
        [word] if word.eq_ignore_ascii_case("MASTER-GRANTED") => OkReply::MasterGranted,
        [word] if word.eq_ignore_ascii_case("FSD-SET") => OkReply::FsdSet,
        [word] if word.eq_ignore_ascii_case("STARTTLS") => OkReply::StartTls,
        [word, id] if word.eq_ignore_ascii_case("TRACKING") => {
            let id = TrackingId::parse(id)
                .map_err(|source| ResponseError::InvalidTrackingId { word: 2, source })?;
            OkReply::Tracking(id)
        }
        other => OkReply::Other(other.iter().map(|w| String::from(*w)).collect()),
    };
    Ok(Response::Ok(reply))
}

/// `TYPE <ups> <var> [RW] [ENUM] [RANGE] STRING:<n>|NUMBER`: flags in any order, each at most
/// once, the kind last.
fn parse_var_type<S: AsRef<str>>(words: &[S]) -> Result<VarType, ResponseError> {
    let flags_and_kind = words.get(3..).unwrap_or_default();
    let Some((kind_word, flags)) = flags_and_kind.split_last() else {
        return Err(missing(3, "STRING:<n> or NUMBER"));
    };
    let mut var_type = VarType {
        writable: false,
        enumerated: false,
        ranged: false,
        kind: ValueKind::Number,
    };
    for (offset, flag) in flags.iter().enumerate() {
        let flag = flag.as_ref();
        let slot = if flag.eq_ignore_ascii_case("RW") {
            Some(&mut var_type.writable)
        } else if flag.eq_ignore_ascii_case("ENUM") {
            Some(&mut var_type.enumerated)
        } else if flag.eq_ignore_ascii_case("RANGE") {
            Some(&mut var_type.ranged)
        } else {
            None
        };
        // Unknown, or seen before.
        let Some(slot) = slot.filter(|seen| !**seen) else {
            return Err(ResponseError::InvalidTypeFlag {
                word: 3 + offset,
                found: String::from(flag),
            });
        };
        *slot = true;
    }
    let kind_index = words.len().saturating_sub(1);
    let kind_word = kind_word.as_ref();
    let string_len: nom::IResult<&str, i64> =
        all_consuming(preceded(tag_no_case("STRING:"), decimal_i64)).parse(kind_word);
    var_type.kind = if kind_word.eq_ignore_ascii_case("NUMBER") {
        ValueKind::Number
    } else if let Ok((_, max_len)) = string_len {
        ValueKind::String { max_len }
    } else if kind_word
        .get(..7)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("STRING:"))
    {
        return Err(ResponseError::InvalidNumber {
            word: kind_index,
            found: String::from(kind_word),
            expected: "STRING length",
        });
    } else if ["RW", "ENUM", "RANGE"]
        .into_iter()
        .any(|flag| kind_word.eq_ignore_ascii_case(flag))
    {
        return Err(missing(words.len(), "STRING:<n> or NUMBER"));
    } else {
        return Err(ResponseError::InvalidTypeFlag {
            word: kind_index,
            found: String::from(kind_word),
        });
    };
    Ok(var_type)
}

/// `BEGIN LIST <query>` / `END LIST <query>`, with nothing after the query.
fn parse_list_header<S: AsRef<str>>(words: &[S]) -> Result<ListQuery, ResponseError> {
    match words.get(1).map(AsRef::as_ref) {
        Some(list) if list.eq_ignore_ascii_case("LIST") => {}
        Some(other) => {
            return Err(ResponseError::UnknownKeyword {
                word: 1,
                keyword: String::from(other),
            });
        }
        None => return Err(missing(1, "LIST")),
    }
    let args = words.get(2..).unwrap_or_default();
    let (query, used) = ListQuery::from_words(args).map_err(|(problem, at)| match problem {
        ArgumentProblem::UnknownSubcommand => ResponseError::UnknownKeyword {
            word: at + 2,
            keyword: args
                .get(at)
                .map(|w| String::from(w.as_ref()))
                .unwrap_or_default(),
        },
        _ => missing(at + 2, "list query word"),
    })?;
    if let Some(extra) = args.get(used) {
        return Err(ResponseError::UnexpectedWord {
            word: used + 2,
            found: String::from(extra.as_ref()),
        });
    }
    Ok(query)
}

/// The line without a trailing LF and a CR before it.
fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Free text: UTF-8 without control characters.
fn free_text(line: &[u8]) -> Result<String, ResponseError> {
    if let Some(byte) = line.iter().position(|&b| b < 0x20 || b == 0x7f) {
        return Err(ResponseError::InvalidText { byte });
    }
    core::str::from_utf8(line)
        .map(String::from)
        .map_err(|error| ResponseError::InvalidText {
            byte: error.valid_up_to(),
        })
}
