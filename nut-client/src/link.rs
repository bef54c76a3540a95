//! One connection's life, written once for both faces by [`link_logic!`]: connecting with
//! STARTTLS, asking, pipelining, keeping alive, and reconnecting with back-off (logging in
//! again). A face supplies the I/O as associated functions of `Link<its stream>`:
//! `connect_tcp`, `send`, `receive`, `handshake` and `pause`.

use crate::exchange::{Options, SessionMemory};

/// A connection to one upsd: the stream (none while broken) and what is needed to rebuild it.
#[derive(Debug)]
pub(crate) struct Link<S> {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) options: Options,
    pub(crate) stream: Option<S>,
    pub(crate) memory: SessionMemory,
    /// Requests sent so far (the keep-alive looks for silence by it).
    pub(crate) exchanges: u64,
}

impl<S> Link<S> {
    /// A link not connected yet.
    pub(crate) fn new(host: &str, port: u16, options: Options) -> Link<S> {
        Link {
            host: host.to_string(),
            port,
            options,
            stream: None,
            memory: SessionMemory::default(),
            exchanges: 0,
        }
    }
}

/// Defines the life of a link on a face. `$($async)?` is `async` for the async face and
/// `$($await)*` is `.await`.
macro_rules! link_logic {
    ($($async:ident)? ; $($await:tt)*) => {
        /// Sends one request on the current stream and reads its whole answer.
        $($async)? fn exchange(&mut self, request: &Request) -> Result<Answer, ClientError> {
            let timeout = self.options.timeout;
            let stream = self.stream.as_mut().ok_or(ClientError::NotConnected)?;
            self.exchanges += 1;
            Self::send(stream, request_line(request).as_bytes(), timeout)$($await)*?;
            let mut pending = Pending::new(request.clone());
            let mut line = Vec::new();
            loop {
                Self::receive(stream, &mut line, timeout)$($await)*?;
                if let Some(answer) = pending.line(&line)? {
                    return Ok(answer);
                }
            }
        }

        /// Connects (TCP, then STARTTLS if configured) and says again what the session had
        /// said (user, password, tracking, LOGIN, PRIMARY).
        $($async)? fn open(&mut self) -> Result<(), ClientError> {
            self.stream = None;
            let stream = Self::connect_tcp(&self.host, self.port, &self.options)$($await)*?;
            self.stream = Some(stream);
            if let Some(tls) = self.options.tls.clone() {
                let answer = self.exchange(&Request::StartTls)$($await)*;
                if exchange::tls_start(answer, &tls)? == exchange::TlsStart::Handshake {
                    let plain = self.stream.take().ok_or(ClientError::NotConnected)?;
                    let timeout = self.options.connect_timeout;
                    self.stream = Some(Self::handshake(plain, &self.host, &tls, timeout)$($await)*?);
                }
            }
            for request in self.memory.replay() {
                if let Err(error) = self.exchange(&request)$($await)* {
                    self.stream = None;
                    return Err(error);
                }
            }
            Ok(())
        }

        /// Reconnects, trying as often as the reconnect policy allows (once without one)
        /// and waiting its back-off between tries.
        $($async)? fn reopen(&mut self) -> Result<(), ClientError> {
            let policy = self.options.reconnect.unwrap_or(exchange::Reconnect {
                attempts: 1,
                ..Default::default()
            });
            let mut last = ClientError::NotConnected;
            for attempt in 0..policy.attempts.max(1) {
                Self::pause(policy.backoff(attempt))$($await)*;
                // A server that accepts and drops is not back: it must answer.
                let opened = match self.open()$($await)* {
                    Ok(()) => self.exchange(&Request::NetVer)$($await)*.map(|_| ()),
                    Err(error) => Err(error),
                };
                if opened.is_err() {
                    self.stream = None;
                }
                match opened {
                    Ok(()) => return Ok(()),
                    // Refusals and TLS failures do not get better by trying again.
                    Err(error @ (ClientError::Server(_) | ClientError::Tls(_) | ClientError::TlsRequired)) => {
                        return Err(error)
                    }
                    Err(error) => last = error,
                }
            }
            Err(last)
        }

        /// Reconnects first if the link is broken and reconnection is on.
        $($async)? fn ready(&mut self) -> Result<(), ClientError> {
            if self.stream.is_none() {
                if self.options.reconnect.is_none() {
                    return Err(ClientError::NotConnected);
                }
                self.reopen()$($await)*?;
            }
            Ok(())
        }

        /// Asks `request`. When the connection breaks, it is re-established (if
        /// reconnection is on) and a question is asked again; a change is not resent.
        $($async)? fn call(&mut self, request: Request) -> Result<Answer, ClientError> {
            self.ready()$($await)*?;
            let mut result = self.exchange(&request)$($await)*;
            if matches!(&result, Err(error) if exchange::breaks_connection(error)) {
                self.stream = None;
                if self.options.reconnect.is_some() && exchange::is_question(&request) {
                    self.reopen()$($await)*?;
                    result = self.exchange(&request)$($await)*;
                }
            }
            match &result {
                Ok(_) => self.memory.note(&request),
                Err(error) if exchange::breaks_connection(error) => self.stream = None,
                Err(_) => {}
            }
            result
        }

        /// Sends `requests` back to back and collects their answers in order; an `ERR` is
        /// that request's answer, a broken connection fails the whole batch.
        $($async)? fn pipeline(&mut self, requests: Vec<Request>) -> Result<Vec<Result<Answer, ClientError>>, ClientError> {
            self.ready()$($await)*?;
            let (lines, mut pipeline) = exchange::Pipeline::new(requests.clone())?;
            let timeout = self.options.timeout;
            let result = match self.stream.as_mut() {
                None => Err(ClientError::NotConnected),
                Some(stream) => {
                    let mut outcome = Self::send(stream, lines.as_bytes(), timeout)$($await)*;
                    let mut line = Vec::new();
                    while outcome.is_ok() && !pipeline.is_done() {
                        outcome = Self::receive(stream, &mut line, timeout)$($await)*
                            .and_then(|()| pipeline.line(&line).map(|_| ()));
                    }
                    outcome
                }
            };
            self.exchanges += 1;
            if let Err(error) = result {
                self.stream = None;
                return Err(error);
            }
            let answers = pipeline.into_answers();
            for (request, answer) in requests.iter().zip(&answers) {
                if answer.is_ok() {
                    self.memory.note(request);
                }
            }
            Ok(answers)
        }

        /// Sends `NETVER` if nothing was sent since the last look (`seen`, updated), so upsd
        /// keeps the connection; a broken link is left for the next call to mend.
        $($async)? fn keep_alive(&mut self, seen: &mut u64) {
            if self.stream.is_some() && self.exchanges == *seen {
                if let Err(error) = self.exchange(&Request::NetVer)$($await)* {
                    if exchange::breaks_connection(&error) {
                        self.stream = None;
                    }
                }
            }
            *seen = self.exchanges;
        }
    };
}

pub(crate) use link_logic;
