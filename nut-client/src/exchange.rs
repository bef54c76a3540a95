//! The protocol core without I/O: what to send for a request, and how the answer's lines are
//! collected and checked. Both faces ([`crate::blocking`], [`crate::Client`]) only move bytes.

use std::time::Duration;

use nut_protocol::net::{ErrorCode, ListQuery, Request, Response};

use crate::ClientError;

/// Longest answer line accepted (NUT's own buffer is 512 bytes).
pub const MAX_LINE_LEN: usize = 4096;
/// Most items accepted in one list.
pub const MAX_LIST_ITEMS: usize = 100_000;

/// Connection options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for each answer.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(10),
        }
    }
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A one-line answer.
    Line(Response),
    /// The items of a `BEGIN LIST` … `END LIST` block.
    List(Vec<Response>),
}

/// The line to send for `request` (with LF).
pub fn request_line(request: &Request) -> String {
    let mut line = request.to_line();
    line.push('\n');
    line
}

/// Collects the answer to one request from the lines that arrive.
#[derive(Debug)]
pub struct Pending {
    request: Request,
    list: Option<Vec<Response>>,
}

impl Pending {
    /// Waits for the answer to `request`.
    pub fn new(request: Request) -> Pending {
        Pending {
            request,
            list: None,
        }
    }

    /// Feeds one received line (without LF); `Some` once the answer is complete.
    pub fn line(&mut self, line: &[u8]) -> Result<Option<Answer>, ClientError> {
        if line.len() > MAX_LINE_LEN {
            return Err(ClientError::Protocol(format!(
                "answer line of {} bytes",
                line.len()
            )));
        }
        let response = Response::parse_for(&self.request, line)
            .map_err(|e| ClientError::Protocol(format!("{e}")))?;
        match (&mut self.list, response) {
            (None, Response::Err { code, .. }) => Err(ClientError::Server(code)),
            (None, Response::BeginList(query)) => {
                self.expect_list(&query)?;
                self.list = Some(Vec::new());
                Ok(None)
            }
            (None, response) => Ok(Some(Answer::Line(response))),
            (Some(_), Response::EndList(query)) => {
                self.expect_list(&query)?;
                Ok(self.list.take().map(Answer::List))
            }
            (Some(items), item) => {
                if items.len() >= MAX_LIST_ITEMS {
                    return Err(ClientError::Protocol(String::from("list too long")));
                }
                items.push(item);
                Ok(None)
            }
        }
    }

    fn expect_list(&self, query: &ListQuery) -> Result<(), ClientError> {
        match &self.request {
            Request::List(asked) if same_query(asked, query) => Ok(()),
            _ => Err(ClientError::Protocol(format!(
                "list {} does not answer {}",
                Response::BeginList(query.clone()).to_line(),
                self.request.to_line()
            ))),
        }
    }
}

fn same_query(a: &ListQuery, b: &ListQuery) -> bool {
    Response::BeginList(a.clone())
        .to_line()
        .eq_ignore_ascii_case(&Response::BeginList(b.clone()).to_line())
}

/// An `OK…` answer, or the error.
pub fn expect_ok(answer: Answer) -> Result<Response, ClientError> {
    match answer {
        Answer::Line(response @ Response::Ok(_)) => Ok(response),
        other => Err(unexpected(&other)),
    }
}

/// The error for an answer of the wrong kind.
pub fn unexpected(answer: &Answer) -> ClientError {
    ClientError::Protocol(format!("unexpected answer {answer:?}"))
}

/// Maps a server error code that means "no such thing" to `None`.
pub fn not_supported(error: ClientError) -> Result<Option<String>, ClientError> {
    match error {
        ClientError::Server(ErrorCode::VarNotSupported) => Ok(None),
        other => Err(other),
    }
}
