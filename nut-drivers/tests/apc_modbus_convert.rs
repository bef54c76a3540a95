//! `apc_modbus` conversions on their own: the embedded tables parse, dates round-trip, values
//! written by `SET` read back as written, and no register content makes a conversion panic.

use nut_drivers::apc_modbus::Tables;
use nut_drivers::apc_modbus::convert::{self, Context, date_from_days, days_from_date};
use proptest::prelude::*;

#[test]
fn the_embedded_tables_parse_completely() {
    let t = Tables::load().unwrap();
    assert_eq!(t.registers.len(), 58);
    assert_eq!(t.commands.len(), 32);
    assert_eq!(t.status_bits.len(), 13);
    assert_eq!(t.transfer_causes.len(), 31);
    let charge = t.register("battery.charge").unwrap();
    assert_eq!(
        (
            charge.start,
            charge.count,
            charge.scale_bits,
            charge.decimals
        ),
        (130, 1, 9, 2)
    );
    let bypass = t.command("bypass.start").unwrap();
    assert_eq!(
        (bypass.register, bypass.count, bypass.value),
        (1536, 2, 0x10)
    );
}

#[test]
fn dates_are_days_since_2000() {
    assert_eq!(date_from_days(0), "2000-01-01");
    assert_eq!(date_from_days(59), "2000-02-29");
    assert_eq!(date_from_days(8766), "2024-01-01");
    assert_eq!(days_from_date("2000-03-01"), Some(60));
    assert_eq!(days_from_date("1999-12-31"), None);
    assert_eq!(days_from_date("2023-02-29"), None);
    assert_eq!(days_from_date("2023-1"), None);
}

#[test]
fn strings_are_read_as_nuts_apc_modbus_to_string() {
    use convert::{from_text, to_text};
    // Leading all-zero registers skipped, a NUL high byte in the first one skipped.
    assert_eq!(to_text(&[0, 0, 0x0041, 0x4243]), "ABC");
    // Trailing NULs and spaces cut; an inner NUL or control byte shows as a space.
    assert_eq!(to_text(&[0x4100, 0x4220, 0x2000]), "A B");
    assert_eq!(to_text(&[0x4107, 0x4200]), "A B");
    assert_eq!(to_text(&[0, 0]), "");
    // Writes are NUL-padded.
    assert_eq!(from_text("ABC", 3), Some(vec![0x4142, 0x4300, 0]));
    assert_eq!(from_text("ABCDEFG", 3), None);
    assert_eq!(from_text("caf\u{e9}", 4), None);
}

proptest! {
    #[test]
    fn dates_round_trip(days in 0u64..65536) {
        prop_assert_eq!(days_from_date(&date_from_days(days)), Some(days));
    }

    #[test]
    fn writable_values_read_back_as_written(n in -40000i64..140000, text in "[ -~]{0,16}") {
        let t = Tables::load().unwrap();
        let ctx = Context { transfer_causes: &t.transfer_causes, ..Context::default() };
        for reg in t.registers.iter().filter(|r| r.writable) {
            let value = match reg.name.as_str() {
                "battery.date" => date_from_days(n.unsigned_abs() % 65536),
                name if name.ends_with(".name") || name == "ups.id" => text.trim_end().to_owned(),
                _ => n.to_string(),
            };
            if let Some(words) = convert::encode(reg, &value) {
                prop_assert_eq!(words.len(), usize::from(reg.count));
                let back = convert::convert(reg, &words, &ctx);
                let expected = (!value.is_empty()).then(|| value.clone());
                prop_assert_eq!(back, expected, "{}", reg.name);
            }
        }
    }

    #[test]
    fn any_register_content_converts_without_panicking(words in proptest::collection::vec(any::<u16>(), 16)) {
        let t = Tables::load().unwrap();
        let ctx = Context { power_nominal: Some(1500.0), realpower_nominal: Some(1000.0), transfer_causes: &t.transfer_causes };
        for reg in &t.registers {
            if let Some(v) = convert::convert(reg, &words[..usize::from(reg.count)], &ctx) {
                prop_assert!(!v.is_empty() && v.bytes().all(|b| (0x20..0x7f).contains(&b)), "{}={:?}", reg.name, v);

            }
        }
    }
}
