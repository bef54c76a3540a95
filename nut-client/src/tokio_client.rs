//! The async face on tokio: the same commands as [`crate::blocking::Connection`].

use nut_protocol::net::{
    ErrorCode, GetQuery, ListQuery, Request, Secret, TrackingId, TrackingStatus, VarType,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::ClientError;
use crate::commands::{self, Item, nut_commands};
use crate::exchange::{Answer, Options, Pending, request_line};

/// An async connection to a upsd.
#[derive(Debug)]
pub struct Client {
    writer: OwnedWriteHalf,
    reader: BufReader<OwnedReadHalf>,
    options: Options,
}

impl Client {
    /// Connects to `host:port`.
    pub async fn connect(host: &str, port: u16, options: Options) -> Result<Client, ClientError> {
        let stream =
            tokio::time::timeout(options.connect_timeout, TcpStream::connect((host, port)))
                .await
                .map_err(|_| ClientError::Timeout)??;
        stream.set_nodelay(true)?;
        let (read, writer) = stream.into_split();
        Ok(Client {
            writer,
            reader: BufReader::new(read),
            options,
        })
    }

    /// Sends `request` and reads its whole answer.
    pub async fn call(&mut self, request: Request) -> Result<Answer, ClientError> {
        let timeout = self.options.timeout;
        tokio::time::timeout(timeout, self.exchange(request))
            .await
            .map_err(|_| ClientError::Timeout)?
    }

    async fn exchange(&mut self, request: Request) -> Result<Answer, ClientError> {
        self.writer
            .write_all(request_line(&request).as_bytes())
            .await?;
        let mut pending = Pending::new(request);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = (&mut self.reader)
                .take(crate::exchange::MAX_LINE_LEN as u64 + 1)
                .read_until(b'\n', &mut line)
                .await?;
            if n == 0 {
                return Err(ClientError::Closed);
            }
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            if let Some(answer) = pending.line(text)? {
                return Ok(answer);
            }
        }
    }

    async fn pause(duration: std::time::Duration) {
        tokio::time::sleep(duration).await;
    }

    nut_commands!(async; .await);
}
