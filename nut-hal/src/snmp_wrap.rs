//! SNMP test doubles: [`ReplayingSnmp`], a recording of OID → value pairs answered as an
//! agent would (v1 or v2c rules), and [`FaultInjectingSnmp`], which breaks any [`Snmp`] on a
//! schedule (timeouts, garbage types, error-status replies, disconnects).
//!
//! ```
//! use nut_hal::snmp::{Snmp, SnmpValue};
//! use nut_hal::snmp_wrap::ReplayingSnmp;
//! let mut agent = ReplayingSnmp::from_snmprec("1.3.6.1.2.1.33.1.2.4.0|2|100\n").unwrap();
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let vbs = rt.block_on(agent.get(&["1.3.6.1.2.1.33.1.2.4.0".parse().unwrap()]));
//! assert_eq!(vbs.unwrap()[0].value, SnmpValue::Integer(100));
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, WrapError};
use crate::snmp::{Oid, Snmp, SnmpValue, VarBind};

/// Which protocol rules [`ReplayingSnmp`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AgentRules {
    /// v1: a missing object is a `noSuchName` error-status; no GETBULK.
    V1,
    /// v2c: missing objects are exception values; GETBULK.
    #[default]
    V2c,
}

/// Why [`ReplayingSnmp`] refused a request, as an agent would say it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// An error-status reply (RFC 3416 numbers: 2 noSuchName, 7 wrongType, 17 notWritable…).
    #[error("agent error-status {status} at index {index}")]
    Status {
        /// The error-status.
        status: i32,
        /// 1-based index of the offending binding.
        index: u32,
    },
    /// The operation does not exist under these rules (GETBULK in v1).
    #[error("{0} is not available under v1 rules")]
    Unsupported(&'static str),
}

impl ReplayError {
    /// Whether this is the v1 "no such name" answer.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReplayError::Status { status: 2, .. })
    }
}

impl Error for ReplayError {
    fn kind(&self) -> ErrorKind {
        match self {
            ReplayError::Status {
                status: 4 | 6 | 16 | 17,
                ..
            } => ErrorKind::PermissionDenied,
            ReplayError::Status { .. } => ErrorKind::Protocol,
            ReplayError::Unsupported(_) => ErrorKind::Unsupported,
        }
    }
}

/// A `.snmprec` line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("snmprec line {line}: {why}")]
pub struct SnmprecError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub why: String,
}

impl Error for SnmprecError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

/// A recorded MIB served as an agent: GET, GETNEXT, GETBULK, walk, and SET of the OIDs
/// marked writable (same type required).
#[derive(Debug, Clone, Default)]
pub struct ReplayingSnmp {
    mib: BTreeMap<Oid, SnmpValue>,
    writable: BTreeSet<Oid>,
    rules: AgentRules,
    requests: u64,
    sets: Vec<VarBind>,
}

fn same_type(a: &SnmpValue, b: &SnmpValue) -> bool {
    core::mem::discriminant(a) == core::mem::discriminant(b)
}

impl ReplayingSnmp {
    /// An agent serving `bindings` under v2c rules.
    pub fn new(bindings: impl IntoIterator<Item = VarBind>) -> Self {
        ReplayingSnmp {
            mib: bindings.into_iter().map(|vb| (vb.oid, vb.value)).collect(),
            ..Default::default()
        }
    }

    /// From snmpsim's `.snmprec` text (`OID|type|value`, `#` comments; type with an `x`
    /// suffix for hex values). Variation modules (`type:module`) are refused.
    pub fn from_snmprec(text: &str) -> Result<Self, SnmprecError> {
        let mut mib = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let vb = crate::snmprec::parse_binding(line).map_err(|why| SnmprecError {
                line: n + 1,
                why: why.into(),
            })?;
            if matches!(
                vb.value,
                SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance | SnmpValue::EndOfMibView
            ) {
                return Err(SnmprecError {
                    line: n + 1,
                    why: "an exception value cannot be recorded in a MIB".into(),
                });
            }
            mib.insert(vb.oid, vb.value);
        }
        Ok(ReplayingSnmp {
            mib,
            ..Default::default()
        })
    }

    /// Follow these protocol rules.
    pub fn with_rules(mut self, rules: AgentRules) -> Self {
        self.rules = rules;
        self
    }

    /// Let SET change `oid` (it must exist; the new value must have the same type).
    pub fn writable(mut self, oid: Oid) -> Self {
        self.writable.insert(oid);
        self
    }

    /// The value now held for `oid`.
    pub fn value(&self, oid: &Oid) -> Option<&SnmpValue> {
        self.mib.get(oid)
    }

    /// How many requests were answered (or refused) so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Every binding a SET carried so far, refused ones included, in order.
    pub fn sets(&self) -> &[VarBind] {
        &self.sets
    }

    fn next_after(&self, oid: &Oid) -> Option<VarBind> {
        use core::ops::Bound::{Excluded, Unbounded};
        self.mib
            .range((Excluded(oid.clone()), Unbounded))
            .next()
            .map(|(o, v)| VarBind {
                oid: o.clone(),
                value: v.clone(),
            })
    }

    /// Whether `instance`'s parent (the object) has any instance recorded.
    fn object_exists(&self, instance: &Oid) -> bool {
        let arcs = instance.arcs();
        if arcs.len() < 2 {
            return false;
        }
        let object = Oid::new(&arcs[..arcs.len() - 1]);
        self.mib
            .range(object.clone()..)
            .next()
            .is_some_and(|(k, _)| object.is_prefix_of(k))
    }

    fn missing(&self, i: usize) -> ReplayError {
        ReplayError::Status {
            status: 2,
            index: u32::try_from(i + 1).unwrap_or(u32::MAX),
        }
    }
}

impl Snmp for ReplayingSnmp {
    type Error = ReplayError;

    async fn get(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, ReplayError> {
        self.requests += 1;
        oids.iter()
            .enumerate()
            .map(|(i, o)| match (self.mib.get(o), self.rules) {
                (Some(v), _) => Ok(VarBind {
                    oid: o.clone(),
                    value: v.clone(),
                }),
                (None, AgentRules::V1) => Err(self.missing(i)),
                (None, AgentRules::V2c) => Ok(VarBind {
                    oid: o.clone(),
                    // An instance of a known object is noSuchInstance, else noSuchObject.
                    value: if self.object_exists(o) {
                        SnmpValue::NoSuchInstance
                    } else {
                        SnmpValue::NoSuchObject
                    },
                }),
            })
            .collect()
    }

    async fn get_next(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, ReplayError> {
        self.requests += 1;
        oids.iter()
            .enumerate()
            .map(|(i, o)| match (self.next_after(o), self.rules) {
                (Some(vb), _) => Ok(vb),
                (None, AgentRules::V1) => Err(self.missing(i)),
                (None, AgentRules::V2c) => Ok(VarBind {
                    oid: o.clone(),
                    value: SnmpValue::EndOfMibView,
                }),
            })
            .collect()
    }

    async fn get_bulk(
        &mut self,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid],
    ) -> Result<Vec<VarBind>, ReplayError> {
        self.requests += 1;
        if self.rules == AgentRules::V1 {
            return Err(ReplayError::Unsupported("GETBULK"));
        }
        let n = usize::try_from(non_repeaters)
            .unwrap_or(usize::MAX)
            .min(oids.len());
        let end = |o: &Oid| VarBind {
            oid: o.clone(),
            value: SnmpValue::EndOfMibView,
        };
        let mut out: Vec<VarBind> = oids[..n]
            .iter()
            .map(|o| self.next_after(o).unwrap_or_else(|| end(o)))
            .collect();
        let mut cursors: Vec<Oid> = oids[n..].to_vec();
        for _ in 0..max_repetitions {
            if cursors.is_empty() {
                break;
            }
            let mut all_ended = true;
            for c in &mut cursors {
                let vb = self.next_after(c).unwrap_or_else(|| end(c));
                if vb.value != SnmpValue::EndOfMibView {
                    all_ended = false;
                }
                c.clone_from(&vb.oid);
                out.push(vb);
            }
            if all_ended {
                break;
            }
        }
        Ok(out)
    }

    async fn walk(&mut self, root: &Oid) -> Result<Vec<VarBind>, ReplayError> {
        self.requests += 1;
        Ok(self
            .mib
            .range(root.clone()..)
            .skip_while(|(o, _)| *o == root)
            .take_while(|(o, _)| root.is_prefix_of(o))
            .map(|(o, v)| VarBind {
                oid: o.clone(),
                value: v.clone(),
            })
            .collect())
    }

    async fn set(&mut self, bindings: &[VarBind]) -> Result<Vec<VarBind>, ReplayError> {
        self.requests += 1;
        self.sets.extend_from_slice(bindings);
        // Check everything first: SET is all or nothing.
        for (i, vb) in bindings.iter().enumerate() {
            let index = u32::try_from(i + 1).unwrap_or(u32::MAX);
            match self.mib.get(&vb.oid) {
                None if self.rules == AgentRules::V1 => {
                    return Err(ReplayError::Status { status: 2, index });
                }
                None => return Err(ReplayError::Status { status: 11, index }), // noCreation
                Some(_) if !self.writable.contains(&vb.oid) => {
                    let status = if self.rules == AgentRules::V1 { 4 } else { 17 };
                    return Err(ReplayError::Status { status, index });
                }
                Some(old) if !same_type(old, &vb.value) => {
                    let status = if self.rules == AgentRules::V1 { 3 } else { 7 };
                    return Err(ReplayError::Status { status, index });
                }
                Some(_) => {}
            }
        }
        for vb in bindings {
            self.mib.insert(vb.oid.clone(), vb.value.clone());
        }
        Ok(bindings.to_vec())
    }
}

/// A fault to inject into one SNMP request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SnmpFault {
    /// The request fails with [`ErrorKind::Timeout`]; the wrapped session is not called.
    Timeout,
    /// The wrapped session answers, but every value comes back as this one (a wrong type,
    /// e.g. an OCTET STRING where an INTEGER was expected).
    GarbageValue(SnmpValue),
    /// The answer loses its bindings after the first `n`.
    Truncate(usize),
    /// The request fails as an error-status reply would, kind [`ErrorKind::Protocol`].
    Status(i32),
    /// This request and every later one fail with [`ErrorKind::Disconnected`].
    Disconnect,
}

/// Wraps an [`Snmp`] and injects [`SnmpFault`]s into chosen requests (counted from 0,
/// every operation counts once).
#[derive(Debug)]
pub struct FaultInjectingSnmp<S> {
    inner: S,
    faults: BTreeMap<u64, SnmpFault>,
    count: u64,
    disconnected: bool,
}

impl<S> FaultInjectingSnmp<S> {
    /// Wrap `inner` with an empty schedule.
    pub fn new(inner: S) -> Self {
        FaultInjectingSnmp {
            inner,
            faults: BTreeMap::new(),
            count: 0,
            disconnected: false,
        }
    }

    /// Inject `fault` into request number `index`.
    pub fn on_request(mut self, index: u64, fault: SnmpFault) -> Self {
        self.faults.insert(index, fault);
        self
    }

    /// The wrapped session.
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The fault for this request, or an error to return at once.
    fn begin<E>(&mut self) -> Result<Option<SnmpFault>, WrapError<E>> {
        let n = self.count;
        self.count += 1;
        if self.disconnected {
            return Err(WrapError::own(ErrorKind::Disconnected, "disconnected"));
        }
        match self.faults.remove(&n) {
            Some(SnmpFault::Timeout) => Err(WrapError::own(
                ErrorKind::Timeout,
                format!("injected timeout on request {n}"),
            )),
            Some(SnmpFault::Disconnect) => {
                self.disconnected = true;
                Err(WrapError::own(
                    ErrorKind::Disconnected,
                    format!("injected disconnect on request {n}"),
                ))
            }
            Some(SnmpFault::Status(s)) => Err(WrapError::own(
                ErrorKind::Protocol,
                format!("injected error-status {s} on request {n}"),
            )),
            other => Ok(other),
        }
    }
}

fn spoil(mut vbs: Vec<VarBind>, fault: Option<SnmpFault>) -> Vec<VarBind> {
    match fault {
        Some(SnmpFault::GarbageValue(v)) => {
            for vb in &mut vbs {
                vb.value = v.clone();
            }
        }
        Some(SnmpFault::Truncate(n)) => vbs.truncate(n),
        _ => {}
    }
    vbs
}

impl<S: Snmp> Snmp for FaultInjectingSnmp<S> {
    type Error = WrapError<S::Error>;

    async fn get(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, Self::Error> {
        let f = self.begin()?;
        Ok(spoil(
            self.inner.get(oids).await.map_err(WrapError::Inner)?,
            f,
        ))
    }

    async fn get_next(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, Self::Error> {
        let f = self.begin()?;
        Ok(spoil(
            self.inner.get_next(oids).await.map_err(WrapError::Inner)?,
            f,
        ))
    }

    async fn get_bulk(
        &mut self,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid],
    ) -> Result<Vec<VarBind>, Self::Error> {
        let f = self.begin()?;
        let r = self
            .inner
            .get_bulk(non_repeaters, max_repetitions, oids)
            .await
            .map_err(WrapError::Inner)?;
        Ok(spoil(r, f))
    }

    async fn walk(&mut self, root: &Oid) -> Result<Vec<VarBind>, Self::Error> {
        let f = self.begin()?;
        Ok(spoil(
            self.inner.walk(root).await.map_err(WrapError::Inner)?,
            f,
        ))
    }

    async fn set(&mut self, bindings: &[VarBind]) -> Result<Vec<VarBind>, Self::Error> {
        let f = self.begin()?;
        Ok(spoil(
            self.inner.set(bindings).await.map_err(WrapError::Inner)?,
            f,
        ))
    }
}
