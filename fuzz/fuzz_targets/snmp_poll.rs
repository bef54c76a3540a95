#![no_main]
//! Fuzzes snmp-ups' row conversion and poll path: a fake SNMP agent answers every request
//! with the next value (any type, exceptions included) or fault (error-status, timeout, no
//! binding, extra or foreign bindings) taken from the input, while an `SnmpUps` on the
//! mapping chosen by the first byte (or `mibs=auto`) runs identify, two polls, a `SET` of
//! every writable variable and every instant command. Every row of that mapping also goes
//! through `row_value`, `status_words` and the SET encoding with every decoded value.
//! Nothing may panic, whatever the bytes.
//!
//! Input: `<mapping selector> (<shape> <type> <payload>)*`, see [`Agent::next`].
//! Seeds (`corpus/snmp_poll`): hand-made answer streams that let identify succeed on
//! `ietf` and `auto` with integers, strings and exceptions.

#[path = "common/runtime.rs"]
mod common_runtime;
use common_runtime::runtime;

use libfuzzer_sys::fuzz_target;
use nut_drivers::device::DeviceProtocol;
use nut_drivers::snmp::SnmpUps;
use nut_drivers::snmp::driver::{readable_as, row_value, status_words};
use nut_drivers::snmp::tables::Tables;
use nut_drivers::snmp::write;
use nut_hal::ErrorKind;
use nut_hal::snmp::{Oid, Snmp, SnmpValue, VarBind};

/// The fake agent: the answers still to give, decoded from the input as they are needed.
struct Agent {
    data: Vec<u8>,
    pos: usize,
    /// Every value decoded so far, for the direct conversion checks.
    seen: Vec<SnmpValue>,
}

impl Agent {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let end = self.pos.saturating_add(n).min(self.data.len());
        let head = self.data[self.pos..end].to_vec();
        self.pos = end;
        head
    }

    fn uint(&mut self, n: usize) -> u64 {
        self.bytes(n)
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    }

    fn value(&mut self) -> Option<SnmpValue> {
        let kind = self.byte()?;
        Some(match kind % 14 {
            0 => SnmpValue::Integer(self.uint(8) as i64),
            1 | 2 => {
                let len = usize::from(self.byte().unwrap_or(0));
                SnmpValue::OctetString(self.bytes(len))
            }
            3 => SnmpValue::Counter32(self.uint(4) as u32),
            4 => SnmpValue::Gauge32(self.uint(4) as u32),
            5 => SnmpValue::TimeTicks(self.uint(4) as u32),
            6 => SnmpValue::Counter64(self.uint(8)),
            7 => {
                let len = usize::from(self.byte().unwrap_or(0) % 16);
                SnmpValue::ObjectId(Oid::new(
                    (0..len).map(|_| self.uint(4) as u32).collect::<Vec<_>>(),
                ))
            }
            8 => SnmpValue::IpAddress([
                self.byte().unwrap_or(0),
                self.byte().unwrap_or(0),
                self.byte().unwrap_or(0),
                self.byte().unwrap_or(0),
            ]),
            9 => {
                let len = usize::from(self.byte().unwrap_or(0));
                SnmpValue::Opaque(self.bytes(len))
            }
            10 => SnmpValue::Null,
            11 => SnmpValue::NoSuchObject,
            12 => SnmpValue::NoSuchInstance,
            _ => SnmpValue::EndOfMibView,
        })
    }

    /// The answer to a request for `oids`: `<shape>` selects a normal answer (one value per
    /// OID), an error-status, a timeout, a disconnect, no binding, an extra binding or a
    /// binding for another OID. An exhausted input is a timeout.
    fn next(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, ErrorKind> {
        let Some(shape) = self.byte() else {
            return Err(ErrorKind::Timeout);
        };
        let mut answer = Vec::new();
        for oid in oids {
            let Some(value) = self.value() else {
                return Err(ErrorKind::Timeout);
            };
            self.seen.push(value.clone());
            answer.push(VarBind {
                oid: oid.clone(),
                value,
            });
        }
        match shape % 16 {
            0 => Err(ErrorKind::Protocol),
            1 => Err(ErrorKind::Timeout),
            2 => Err(ErrorKind::Disconnected),
            3 => Err(ErrorKind::PermissionDenied),
            4 => Ok(Vec::new()),
            5 => {
                let extra = answer.first().cloned();
                answer.extend(extra);
                Ok(answer)
            }
            6 => {
                for vb in &mut answer {
                    vb.oid = vb.oid.child(0);
                }
                Ok(answer)
            }
            _ => Ok(answer),
        }
    }
}

impl Agent {
    fn answer(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, ErrorKind> {
        self.next(oids)
    }
}

impl Snmp for Agent {
    type Error = ErrorKind;

    async fn get(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, ErrorKind> {
        self.answer(oids)
    }

    async fn get_next(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>, ErrorKind> {
        self.answer(oids)
    }

    async fn get_bulk(&mut self, _: u32, _: u32, oids: &[Oid]) -> Result<Vec<VarBind>, ErrorKind> {
        self.answer(oids)
    }

    async fn walk(&mut self, root: &Oid) -> Result<Vec<VarBind>, ErrorKind> {
        self.answer(std::slice::from_ref(root))
    }

    async fn set(&mut self, bindings: &[VarBind]) -> Result<Vec<VarBind>, ErrorKind> {
        let oids: Vec<Oid> = bindings.iter().map(|b| b.oid.clone()).collect();
        self.answer(&oids)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let tables = Tables::get();
    let mibs = match tables.mibs.get(usize::from(selector)) {
        Some(entry) => entry.mib_name.clone(),
        None => "auto".to_string(),
    };
    let mut agent = Agent {
        data: rest.to_vec(),
        pos: 0,
        seen: Vec::new(),
    };
    let rt = runtime().lock().expect("runtime");
    rt.block_on(async {
        let agent = &mut agent;
        let mut ups = SnmpUps::<Agent>::new(&mibs);
        if let Ok(identity) = ups.identify(agent).await {
            let _ = ups.update(agent).await;
            let _ = ups.update(agent).await;
            for (name, _) in &identity.writable {
                for value in [
                    "1",
                    "-1.5",
                    "enabled",
                    "text that is long enough to be refused",
                ] {
                    let _ = ups.set_var(agent, name, value).await;
                }
            }
            for command in &identity.commands {
                let _ = ups.instcmd(agent, command, None).await;
            }
            let _ = ups.kill_power(agent).await;
        }
    });
    drop(rt);
    // Every row of the mapping against every value seen.
    let seen = agent.seen;
    if let Some(entry) = ups_entry(tables, &mibs) {
        for row in tables.rows_of(entry).iter().take(64) {
            for value in seen.iter().take(16) {
                let _ = row_value(tables, row, value);
                let _ = status_words(tables, row, value);
                let _ = readable_as(row, value);
                let _ = write::encode(tables, row, value, "42.5");
                let _ = write::encode(tables, row, value, "enabled");
            }
        }
    }
});

fn ups_entry<'t>(
    tables: &'t Tables,
    mibs: &str,
) -> Option<&'t nut_drivers::snmp::tables::MibEntry> {
    tables
        .mibs
        .iter()
        .find(|m| m.mib_name == mibs)
        .or_else(|| tables.mibs.iter().find(|m| m.structure == "ietf"))
}
