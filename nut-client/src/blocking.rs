//! The blocking face: one `std` TCP connection, one request at a time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};

use nut_protocol::net::{
    ErrorCode, GetQuery, ListQuery, Request, Secret, TrackingId, TrackingStatus, VarType,
};

use crate::ClientError;
use crate::commands::{self, Item, nut_commands};
use crate::exchange::{Answer, Options, Pending, request_line};

/// A blocking connection to a upsd.
#[derive(Debug)]
pub struct Connection {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connects to `host:port` (the first address that answers).
    pub fn connect(host: &str, port: u16, options: Options) -> Result<Connection, ClientError> {
        let mut last = None;
        for address in (host, port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&address, options.connect_timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    stream.set_read_timeout(Some(options.timeout))?;
                    stream.set_write_timeout(Some(options.timeout))?;
                    let reader = BufReader::new(stream.try_clone()?);
                    return Ok(Connection {
                        writer: stream,
                        reader,
                    });
                }
                Err(error) => last = Some(error),
            }
        }
        Err(last.map_or_else(
            || ClientError::Protocol(format!("{host}: no address")),
            ClientError::Io,
        ))
    }

    /// Sends `request` and reads its whole answer.
    pub fn call(&mut self, request: Request) -> Result<Answer, ClientError> {
        self.writer.write_all(request_line(&request).as_bytes())?;
        let mut pending = Pending::new(request);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = Read::by_ref(&mut self.reader)
                .take(crate::exchange::MAX_LINE_LEN as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                        ClientError::Timeout
                    }
                    _ => ClientError::Io(e),
                })?;
            if n == 0 {
                return Err(ClientError::Closed);
            }
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            if let Some(answer) = pending.line(text)? {
                return Ok(answer);
            }
        }
    }

    fn pause(duration: std::time::Duration) {
        std::thread::sleep(duration);
    }

    nut_commands!(;);
}
