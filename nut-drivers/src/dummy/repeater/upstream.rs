//! The repeater's connection to the upstream upsd, on nut-client's async client: reading a
//! [`Snapshot`] and passing `SET` and `INSTCMD` through.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use nut_client::tls::TlsOptions;
use nut_client::{Client, ClientError, Options};
use nut_core::Range;
use nut_protocol::address::UpsAddress;
use nut_protocol::net::{ErrorCode, TrackingStatus};
use nut_protocol::sock::TrackingResult;

use super::mirror::{Snapshot, Typing};

/// How long a passed-through command may stay pending upstream.
pub const PASS_THROUGH_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed to connect and for each answer.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Why a look upstream failed, as the repeater handles it.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream answered, but has no fresh data for the UPS (`DATA-STALE`,
    /// `DRIVER-NOT-CONNECTED`, `UNKNOWN-UPS`, …): keep the connection, publish stale.
    #[error("{}", .0.nut_message())]
    Unavailable(ClientError),
    /// The connection failed or broke: reconnect with back-off.
    #[error("{}", .0.nut_message())]
    Lost(ClientError),
}

impl From<ClientError> for UpstreamError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Server(_) => UpstreamError::Unavailable(error),
            other => UpstreamError::Lost(other),
        }
    }
}

/// A connection to the upstream UPS.
#[derive(Debug)]
pub struct Upstream {
    client: Client,
    ups: String,
    tracking: bool,
}

impl Upstream {
    /// Connects to `address`, tries STARTTLS with `tls` (clear text goes on where the
    /// server has no TLS, unless `tls` requires it) and, with a `user`, logs in
    /// (`USERNAME`/`PASSWORD`) so `SET` and `INSTCMD` can pass; turns TRACKING on where
    /// the server has it.
    pub async fn connect(
        address: &UpsAddress,
        user: Option<(&str, &str)>,
        tls: TlsOptions,
    ) -> Result<Upstream, ClientError> {
        let options = Options {
            connect_timeout: TIMEOUT,
            timeout: TIMEOUT,
            ..Options::default()
        }
        .tls(tls);
        let mut client = Client::connect(&address.host, address.port, options).await?;
        if let Some((user, password)) = user {
            client.authenticate(user, password).await?;
        }
        let tracking = client.set_tracking(true).await.is_ok();
        Ok(Upstream {
            client,
            ups: address.ups.clone(),
            tracking,
        })
    }

    /// Whether the connection runs under TLS.
    pub async fn is_tls(&self) -> bool {
        self.client.is_tls().await
    }

    /// `LIST VAR`: every variable and its value.
    pub async fn values(&mut self) -> Result<Vec<(String, String)>, UpstreamError> {
        let items = self.client.list_vars(&self.ups).await?;
        Ok(items.into_iter().map(|i| (i.name, i.value)).collect())
    }

    /// The typing of the writable variables (`LIST RW`, `GET TYPE`, `LIST ENUM`,
    /// `LIST RANGE`) and the commands (`LIST CMD`), completing `snapshot`.
    pub async fn complete(&mut self, snapshot: &mut Snapshot) -> Result<(), UpstreamError> {
        let writable: BTreeSet<String> = self
            .client
            .list_rw(&self.ups)
            .await?
            .into_iter()
            .map(|i| i.name)
            .collect();
        let mut typing = BTreeMap::new();
        for name in writable {
            let kind = self.client.get_type(&self.ups, &name).await?;
            let enums = if kind.enumerated {
                let items = self.client.list_enum(&self.ups, &name).await?;
                items.into_iter().map(|i| i.name).collect()
            } else {
                Vec::new()
            };
            let ranges = if kind.ranged {
                let items = self.client.list_range(&self.ups, &name).await?;
                items
                    .into_iter()
                    .filter_map(|i| {
                        Some(Range {
                            min: i.name.parse().ok()?,
                            max: i.value.parse().ok()?,
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            typing.insert(
                name,
                Typing {
                    kind,
                    enums,
                    ranges,
                },
            );
        }
        snapshot.typing = typing;
        snapshot.commands = self
            .client
            .list_cmds(&self.ups)
            .await?
            .into_iter()
            .map(|i| i.name)
            .collect();
        Ok(())
    }

    /// `SET VAR` upstream; the result its driver reported (when the server tracks).
    pub async fn set_var(
        &mut self,
        name: &str,
        value: &str,
    ) -> Result<TrackingResult, ClientError> {
        let answer = self.client.set_var(&self.ups, name, value).await;
        self.result(answer).await
    }

    /// `INSTCMD` upstream; the result its driver reported (when the server tracks).
    pub async fn instcmd(
        &mut self,
        cmd: &str,
        param: Option<&str>,
    ) -> Result<TrackingResult, ClientError> {
        let answer = self.client.instcmd(&self.ups, cmd, param).await;
        self.result(answer).await
    }

    async fn result(
        &mut self,
        answer: Result<Option<nut_protocol::net::TrackingId>, ClientError>,
    ) -> Result<TrackingResult, ClientError> {
        let id = match answer {
            Ok(id) => id,
            Err(ClientError::Server(code)) => return Ok(refusal_result(&code)),
            Err(other) => return Err(other),
        };
        let (Some(id), true) = (id, self.tracking) else {
            return Ok(TrackingResult::HANDLED);
        };
        let status = self.client.wait_tracking(&id, PASS_THROUGH_TIMEOUT).await?;
        Ok(match status {
            TrackingStatus::Success => TrackingResult::HANDLED,
            TrackingStatus::Unknown => TrackingResult::UNKNOWN,
            TrackingStatus::InvalidArgument => TrackingResult::INVALID,
            TrackingStatus::Failed | TrackingStatus::Pending => TrackingResult::FAILED,
        })
    }
}

/// The driver result that stands for the upstream server refusing a request.
fn refusal_result(code: &ErrorCode) -> TrackingResult {
    match code {
        ErrorCode::CmdNotSupported
        | ErrorCode::VarNotSupported
        | ErrorCode::UnknownInstcmd
        | ErrorCode::UnknownVar
        | ErrorCode::VarUnknown => TrackingResult::UNKNOWN,
        ErrorCode::InvalidArgument | ErrorCode::InvalidValue | ErrorCode::TooLong => {
            TrackingResult::INVALID
        }
        _ => TrackingResult::FAILED,
    }
}
