//! The wrappers as [`Snmp`] sessions: [`Recording`] logs every request with the agent's
//! answer, [`Replaying`] plays a capture's SNMP lines back in order.

use alloc::vec::Vec;
use core::convert::Infallible;

use super::capture::Exchange;
use super::net_capture::SnmpRequest;
use super::recording::Recording;
use super::replaying::Replaying;
use crate::error::{Error, WrapError};
use crate::snmp::{Oid, Snmp, VarBind};

type ReplayError = WrapError<Infallible>;

impl Replaying {
    /// The recorded answer to `request`, which must be the next SNMP or Modbus line.
    fn snmp_answer(&mut self, request: SnmpRequest) -> Result<Vec<VarBind>, ReplayError> {
        self.next_net_answer(&request, |line| match line {
            Exchange::Snmp {
                request: expected,
                reply,
            } if expected == request => Ok(reply),
            other => Err(other),
        })
    }
}

/// Plays the SNMP lines of a capture in order: each call must be the next recorded request
/// (same operation, OIDs and values), else it fails with [`ErrorKind::Protocol`](crate::ErrorKind::Protocol) and the
/// capture stays where it was. The recorded bindings are returned, or the recorded error
/// with its kind (a recorded timeout comes back at once). Past the end of the capture every
/// call is [`ErrorKind::Disconnected`](crate::ErrorKind::Disconnected).
impl Snmp for Replaying {
    type Error = ReplayError;

    async fn get(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, ReplayError> {
        self.snmp_answer(SnmpRequest::Get(oids.to_vec()))
    }

    async fn get_next(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, ReplayError> {
        self.snmp_answer(SnmpRequest::GetNext(oids.to_vec()))
    }

    async fn get_bulk(
        &mut self,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid],
    ) -> Result<Vec<VarBind>, ReplayError> {
        self.snmp_answer(SnmpRequest::GetBulk {
            non_repeaters,
            max_repetitions,
            oids: oids.to_vec(),
        })
    }

    async fn walk(&mut self, root: &Oid) -> Result<Vec<VarBind>, ReplayError> {
        self.snmp_answer(SnmpRequest::Walk(root.clone()))
    }

    async fn set(&mut self, bindings: &[VarBind]) -> Result<Vec<VarBind>, ReplayError> {
        self.snmp_answer(SnmpRequest::Set(bindings.to_vec()))
    }
}

impl<S> Recording<S> {
    /// Log `request` with the outcome `result`, and pass the outcome on.
    fn log_snmp<E: Error>(
        &mut self,
        request: SnmpRequest,
        result: Result<Vec<VarBind>, E>,
    ) -> Result<Vec<VarBind>, E> {
        self.push(Exchange::Snmp {
            request,
            reply: result.as_ref().map(Clone::clone).map_err(Error::kind),
        });
        result
    }
}

/// Logs every request with its answer (errors by kind, timeouts included).
impl<S: Snmp> Snmp for Recording<S> {
    type Error = S::Error;

    async fn get(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, S::Error> {
        let r = self.inner_mut().get(oids).await;
        self.log_snmp(SnmpRequest::Get(oids.to_vec()), r)
    }

    async fn get_next(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, S::Error> {
        let r = self.inner_mut().get_next(oids).await;
        self.log_snmp(SnmpRequest::GetNext(oids.to_vec()), r)
    }

    async fn get_bulk(
        &mut self,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid],
    ) -> Result<Vec<VarBind>, S::Error> {
        let r = self
            .inner_mut()
            .get_bulk(non_repeaters, max_repetitions, oids)
            .await;
        let request = SnmpRequest::GetBulk {
            non_repeaters,
            max_repetitions,
            oids: oids.to_vec(),
        };
        self.log_snmp(request, r)
    }

    async fn walk(&mut self, root: &Oid) -> Result<Vec<VarBind>, S::Error> {
        let r = self.inner_mut().walk(root).await;
        self.log_snmp(SnmpRequest::Walk(root.clone()), r)
    }

    async fn set(&mut self, bindings: &[VarBind]) -> Result<Vec<VarBind>, S::Error> {
        let r = self.inner_mut().set(bindings).await;
        self.log_snmp(SnmpRequest::Set(bindings.to_vec()), r)
    }
}
