//! The SNMP and Modbus test doubles: replayed agents/units and fault injection.

use nut_hal::modbus::Modbus;
use nut_hal::modbus_wrap::{FaultInjectingModbus, ModbusFault, ReplayingModbus};
use nut_hal::snmp::{Oid, Snmp, SnmpValue, VarBind};
use nut_hal::snmp_wrap::{AgentRules, FaultInjectingSnmp, ReplayingSnmp, SnmpFault};
use nut_hal::{Error, ErrorKind};

fn oid(s: &str) -> Oid {
    s.parse().unwrap()
}

fn riello() -> ReplayingSnmp {
    let text = include_str!("fixtures/snmp/riello.snmprec");
    ReplayingSnmp::from_snmprec(text).unwrap()
}

#[tokio::test]
async fn replayed_agent_follows_v2c_and_v1_rules() {
    let mut a = riello();
    let walk = a.walk(&oid("1.3.6.1.2.1.33")).await.unwrap();
    assert_eq!(walk.len(), 44);
    assert!(walk.windows(2).all(|w| w[0].oid < w[1].oid));
    assert_eq!(
        a.get(&[oid("1.3.6.1.2.1.33.1.1.1.0")]).await.unwrap()[0].value,
        SnmpValue::OctetString(b"RPS SpA".to_vec())
    );
    // v2c: exception values.
    let got = a
        .get(&[oid("1.3.6.1.2.1.33.1.1.1.7"), oid("1.3.6.1.2.1.99.0")])
        .await
        .unwrap();
    assert_eq!(got[0].value, SnmpValue::NoSuchInstance);
    assert_eq!(got[1].value, SnmpValue::NoSuchObject);
    let last = a.get_next(&[oid("1.3.6.1.6.3.99")]).await.unwrap();
    assert_eq!(last[0].value, SnmpValue::EndOfMibView);
    let bulk = a
        .get_bulk(1, 3, &[oid("1.3.6.1.2.1.1"), oid("1.3.6.1.2.1.33.1.2")])
        .await
        .unwrap();
    assert_eq!(bulk.len(), 4);
    assert_eq!(bulk[1].oid, oid("1.3.6.1.2.1.33.1.2.1.0"));
    assert_eq!(bulk[3].oid, oid("1.3.6.1.2.1.33.1.2.3.0"));

    // v1: noSuchName error-status, no GETBULK.
    let mut v1 = riello().with_rules(AgentRules::V1);
    let e = v1
        .get(&[oid("1.3.6.1.2.1.33.1.1.1.0"), oid("1.3.6.1.2.1.99.0")])
        .await
        .unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.kind(), ErrorKind::Protocol);
    let e = v1.get_bulk(0, 1, &[oid("1.3")]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(v1.requests(), 2);
}

#[tokio::test]
async fn replayed_agent_set_rules() {
    let low = oid("1.3.6.1.2.1.33.1.4.1.0");
    let mut a = riello().writable(low.clone());
    let vb = |o: &Oid, v| VarBind {
        oid: o.clone(),
        value: v,
    };
    a.set(&[vb(&low, SnmpValue::Integer(4))]).await.unwrap();
    assert_eq!(a.value(&low), Some(&SnmpValue::Integer(4)));
    let e = a
        .set(&[vb(&low, SnmpValue::OctetString(b"x".to_vec()))])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol); // wrongType
    let e = a
        .set(&[vb(
            &oid("1.3.6.1.2.1.33.1.1.1.0"),
            SnmpValue::OctetString(vec![]),
        )])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied); // notWritable
    assert_eq!(a.value(&low), Some(&SnmpValue::Integer(4)));
}

#[test]
fn snmprec_errors_are_typed() {
    let e = ReplayingSnmp::from_snmprec("1.3.6|2|x\n").unwrap_err();
    assert_eq!((e.line, e.kind()), (1, ErrorKind::InvalidInput));
    assert!(ReplayingSnmp::from_snmprec("# c\n1.3|2:writecache|value=1").is_err());
    assert!(ReplayingSnmp::from_snmprec("1.3|99|1").is_err());
    assert!(ReplayingSnmp::from_snmprec("1.3|4x|4A4").is_err());
    let a = ReplayingSnmp::from_snmprec("1.3|4x|4a4B\n1.4|64|10.0.0.1\n1.5|70|5").unwrap();
    assert_eq!(
        a.value(&oid("1.3")),
        Some(&SnmpValue::OctetString(b"JK".to_vec()))
    );
    assert_eq!(
        a.value(&oid("1.4")),
        Some(&SnmpValue::IpAddress([10, 0, 0, 1]))
    );
}

#[tokio::test]
async fn snmp_faults_on_schedule() {
    let root = oid("1.3.6.1.2.1.33.1.2");
    let mut s = FaultInjectingSnmp::new(riello())
        .on_request(0, SnmpFault::Timeout)
        .on_request(
            1,
            SnmpFault::GarbageValue(SnmpValue::OctetString(b"?".to_vec())),
        )
        .on_request(2, SnmpFault::Truncate(1))
        .on_request(3, SnmpFault::Status(5))
        .on_request(5, SnmpFault::Disconnect);
    assert_eq!(s.walk(&root).await.unwrap_err().kind(), ErrorKind::Timeout);
    assert_eq!(s.inner_mut().requests(), 0); // the agent never saw it
    let garbage = s.walk(&root).await.unwrap();
    assert_eq!(garbage.len(), 7);
    assert!(
        garbage
            .iter()
            .all(|vb| vb.value == SnmpValue::OctetString(b"?".to_vec()))
    );
    assert_eq!(s.walk(&root).await.unwrap().len(), 1);
    assert_eq!(s.walk(&root).await.unwrap_err().kind(), ErrorKind::Protocol);
    assert_eq!(s.walk(&root).await.unwrap().len(), 7); // request 4: clean
    assert_eq!(
        s.get(&[oid("1.3.6.1.2.1.33.1.2.1.0")])
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Disconnected
    );
    assert_eq!(
        s.get_next(&[root]).await.unwrap_err().kind(),
        ErrorKind::Disconnected
    );
}

fn apc_unit() -> ReplayingModbus {
    ReplayingModbus::new()
        .with_holding(128, &[0, 3600, 100 << 9, 27 << 5])
        .with_holding(1024, &[0; 4])
        .with_input(0, &[1000, 1001])
        .with_coils(0, &[false; 8])
        .with_discrete(0, &[true, false])
}

#[tokio::test]
async fn replayed_unit_reads_writes_and_refuses() {
    let mut u = apc_unit();
    assert_eq!(
        u.read_holding_registers(129, 2).await.unwrap(),
        vec![3600, 100 << 9]
    );
    assert_eq!(
        u.read_input_registers(0, 2).await.unwrap(),
        vec![1000, 1001]
    );
    assert_eq!(
        u.read_discrete_inputs(0, 2).await.unwrap(),
        vec![true, false]
    );
    u.write_registers(1024, &[1, 2]).await.unwrap();
    u.write_register(1027, 9).await.unwrap();
    assert_eq!(
        u.read_holding_registers(1024, 4).await.unwrap(),
        vec![1, 2, 0, 9]
    );
    u.write_coils(2, &[true, true]).await.unwrap();
    u.write_coil(7, true).await.unwrap();
    assert_eq!(
        u.read_coils(0, 8).await.unwrap(),
        vec![false, false, true, true, false, false, false, true]
    );
    // Past the end of a block: exception 2, and nothing half-written.
    let e = u.write_registers(1026, &[5, 5, 5]).await.unwrap_err();
    assert_eq!((e.code, e.kind()), (2, ErrorKind::Protocol));
    assert_eq!(u.read_holding_registers(1026, 1).await.unwrap(), vec![0]);
    assert_eq!(u.read_holding_registers(132, 1).await.unwrap_err().code, 2);
    assert_eq!(u.read_coils(0, 0).await.unwrap_err().code, 3);
}

#[tokio::test]
async fn modbus_faults_on_schedule() {
    let mut m = FaultInjectingModbus::new(apc_unit())
        .on_request(0, ModbusFault::Timeout)
        .on_request(1, ModbusFault::Exception(6))
        .on_request(2, ModbusFault::Garbage(0xFFFF))
        .on_request(3, ModbusFault::Short)
        .on_request(5, ModbusFault::Disconnect);
    let e = m.read_holding_registers(128, 2).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let e = m.read_holding_registers(128, 2).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy);
    assert_eq!(
        m.read_holding_registers(128, 2).await.unwrap(),
        vec![0xFFFF, 0xFFFF]
    );
    assert_eq!(m.read_coils(0, 4).await.unwrap().len(), 3);
    // A real exception from the unit passes through as the inner error.
    let e = m.read_input_registers(50, 1).await.unwrap_err();
    assert_eq!(
        e,
        nut_hal::WrapError::Inner(nut_hal::modbus_wrap::ModbusException { code: 2 })
    );
    let e = m.write_register(1024, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    let e = m.read_input_registers(0, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected);
    assert_eq!(
        m.inner_mut().read_holding_registers(1024, 1).await.unwrap(),
        vec![0]
    );
}
