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

mod capture {
    //! The SNMP and Modbus lines of the shared capture format, without a server.

    use super::oid;
    use nut_hal::modbus::Modbus;
    use nut_hal::snmp::{Snmp, SnmpValue, VarBind};
    use nut_hal::wrap::{
        Exchange, ModbusReply, ModbusRequest, Replaying, SnmpRequest, parse_capture, write_capture,
    };
    use nut_hal::{Error, ErrorKind};

    fn every_kind_of_line() -> Vec<Exchange> {
        let bind = |o: &str, value| VarBind { oid: oid(o), value };
        vec![
            Exchange::Snmp {
                request: SnmpRequest::Get(vec![oid("1.3.6.1.2.1.1.1.0"), oid("1.3.6.1.2.1.9")]),
                reply: Ok(vec![
                    bind(
                        "1.3.6.1.2.1.1.1.0",
                        SnmpValue::OctetString(b"a|b c\n\xff".to_vec()),
                    ),
                    bind("1.3.6.1.2.1.9", SnmpValue::NoSuchObject),
                ]),
            },
            Exchange::Snmp {
                request: SnmpRequest::GetNext(vec![oid("1.3")]),
                reply: Ok(vec![
                    bind("1.3.1", SnmpValue::Integer(-5)),
                    bind("1.3.2", SnmpValue::ObjectId(oid("1.3.6.1.4.1.318"))),
                    bind("1.3.3", SnmpValue::IpAddress([10, 0, 0, 1])),
                    bind("1.3.4", SnmpValue::Counter32(7)),
                    bind("1.3.5", SnmpValue::Gauge32(8)),
                    bind("1.3.6", SnmpValue::TimeTicks(9)),
                    bind("1.3.7", SnmpValue::Opaque(vec![])),
                    bind("1.3.8", SnmpValue::Counter64(u64::MAX)),
                    bind("1.3.9", SnmpValue::Null),
                    bind("1.3.10", SnmpValue::NoSuchInstance),
                    bind("1.3.11", SnmpValue::EndOfMibView),
                ]),
            },
            Exchange::Snmp {
                request: SnmpRequest::GetBulk {
                    non_repeaters: 1,
                    max_repetitions: 4,
                    oids: vec![oid("1.3.6"), oid("1.3.7")],
                },
                reply: Err(ErrorKind::Timeout),
            },
            Exchange::Snmp {
                request: SnmpRequest::Walk(oid("1.3.6.1.2.1.99")),
                reply: Ok(vec![]),
            },
            Exchange::Snmp {
                request: SnmpRequest::Set(vec![bind(
                    "1.3.6.1.2.1.33.1.9.1.0",
                    SnmpValue::Integer(230),
                )]),
                reply: Err(ErrorKind::PermissionDenied),
            },
            Exchange::Modbus {
                request: ModbusRequest::ReadHolding {
                    addr: 128,
                    count: 2,
                },
                reply: Ok(ModbusReply::Registers(vec![0, 0xe10])),
            },
            Exchange::Modbus {
                request: ModbusRequest::ReadInput { addr: 0, count: 1 },
                reply: Err(ErrorKind::Busy),
            },
            Exchange::Modbus {
                request: ModbusRequest::ReadCoils { addr: 0, count: 3 },
                reply: Ok(ModbusReply::Bits(vec![false, true, true])),
            },
            Exchange::Modbus {
                request: ModbusRequest::ReadDiscrete {
                    addr: 65535,
                    count: 1,
                },
                reply: Ok(ModbusReply::Bits(vec![true])),
            },
            Exchange::Modbus {
                request: ModbusRequest::WriteRegister {
                    addr: 1024,
                    value: 0xbeef,
                },
                reply: Ok(ModbusReply::Written),
            },
            Exchange::Modbus {
                request: ModbusRequest::WriteRegisters {
                    addr: 1025,
                    values: vec![1, 2],
                },
                reply: Err(ErrorKind::Protocol),
            },
            Exchange::Modbus {
                request: ModbusRequest::WriteCoil {
                    addr: 3,
                    value: true,
                },
                reply: Ok(ModbusReply::Written),
            },
            Exchange::Modbus {
                request: ModbusRequest::WriteCoils {
                    addr: 8,
                    values: vec![true, false],
                },
                reply: Err(ErrorKind::Timeout),
            },
        ]
    }

    #[test]
    fn every_snmp_and_modbus_line_reads_back_as_written() {
        let exchanges = every_kind_of_line();
        let text = write_capture(&exchanges);
        assert_eq!(parse_capture(&text).unwrap(), exchanges, "{text}");
        assert!(
            text.contains("modbus write-coils 8 1 0 = error timeout\n"),
            "{text}"
        );
        assert!(text.contains("snmp walk 1.3.6.1.2.1.99 = \n"), "{text}");
    }

    #[test]
    fn corrupt_or_truncated_lines_are_typed_errors_with_their_line() {
        for (text, line) in [
            ("snmp get 1.3.6 = 1.3.6|2", 1),
            ("# c\nsnmp get 1.3.6 = 1.3.6|2|x", 2),
            ("snmp get 1.3.6 = 1.3.6|4x|abc", 1),
            ("snmp get 1.3.6", 1),
            ("snmp fetch 1.3.6 = ", 1),
            ("snmp walk 1.3 1.4 = ", 1),
            ("snmp get-bulk x 4 1.3 = ", 1),
            ("snmp get 1.3.6 = error sleepy", 1),
            ("snmp get 1.3.6 = 1.3.6|64|1.2.3", 1),
            ("snmp get 1.3.6 = 1.3.6|65|4294967296", 1),
            ("modbus read-holding 128 2 = 0000 0e1", 1),
            ("modbus read-holding 128", 1),
            ("modbus read-holding 128 2", 1),
            ("modbus read-coils 0 2 = 0 2", 1),
            ("modbus read-input 65536 1 = 0000", 1),
            ("modbus write-register 1 0001 0002", 1),
            ("modbus write-coil 1 1 = 1", 1),
            ("modbus erase 1 1", 1),
            ("snmp\nmodbus", 1),
        ] {
            let e = parse_capture(text).unwrap_err();
            assert_eq!(
                (e.line, e.kind()),
                (line, ErrorKind::InvalidInput),
                "{text}"
            );
        }
    }

    #[tokio::test]
    async fn replay_checks_the_order_and_ends_disconnected() {
        let mut r = Replaying::new(every_kind_of_line());
        // Out of order: a mismatch, and the capture stays where it was.
        let e = r.walk(&oid("1.3")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        let e = r.read_holding_registers(128, 2).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        let got = r
            .get(&[oid("1.3.6.1.2.1.1.1.0"), oid("1.3.6.1.2.1.9")])
            .await
            .unwrap();
        assert_eq!(got[1].value, SnmpValue::NoSuchObject);
        assert_eq!(r.get_next(&[oid("1.3")]).await.unwrap().len(), 11);
        let e = r
            .get_bulk(1, 4, &[oid("1.3.6"), oid("1.3.7")])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert_eq!(r.walk(&oid("1.3.6.1.2.1.99")).await.unwrap(), vec![]);
        assert!(!r.is_finished());
        assert_eq!(r.remaining().len(), 9);
        let rest = every_kind_of_line().split_off(4);
        assert_eq!(r.remaining(), rest);
        // A replay that runs past the end of the capture: disconnected.
        let mut short = Replaying::new([]);
        let e = short.get(&[oid("1.3")]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Disconnected);
        let e = short.write_coil(1, true).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Disconnected);
        assert!(short.is_finished());
    }

    #[tokio::test]
    async fn a_reply_of_the_wrong_shape_is_a_protocol_error() {
        let mut r = Replaying::new([Exchange::Modbus {
            request: ModbusRequest::ReadHolding { addr: 1, count: 1 },
            reply: Ok(ModbusReply::Bits(vec![true])),
        }]);
        let e = r.read_holding_registers(1, 1).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(r.is_finished());
    }
}
