//! The smaller families: Delta UPS type, EcoFlow runtime, EVER version words and network-card
//! and status reports (read raw, see [`super::Function::raw`]), and Legrand's scaled values (`delta_ups-hid.c`, `ecoflow-hid.c`, `ever-hid.c`, `legrand-hid.c`).

use super::{Context, Function, scaled};

fn delta_type(value: f64, _: &mut Context<'_>) -> Option<String> {
    let name = match (value as i64) & 0x0f {
        0 => "online",
        1 | 3 => "offline",
        2 | 4 => "line-interactive",
        5 => "3-phase",
        6 => "split-phase",
        _ => return None,
    };
    Some(name.to_owned())
}

fn ecoflow_runtime(value: f64, _: &mut Context<'_>) -> Option<String> {
    (value >= 0.0).then(|| format!("{:.0}", value * 60.0))
}

fn ever_hardware(value: f64, _: &mut Context<'_>) -> Option<String> {
    let value = value as i64;
    let letter = match (value >> 8) & 0xff {
        0 => '0',
        index @ 1..=26 => char::from(b'A' + (index - 1) as u8),
        _ => return None,
    };
    Some(format!("rev.{letter}v{:02}", value & 0xff))
}

fn ever_version(value: f64, _: &mut Context<'_>) -> Option<String> {
    let value = value as i64;
    Some(format!(
        "v{:X}.{:X}b{:02}",
        (value >> 12) & 0xf,
        (value >> 8) & 0xf,
        value & 0xff
    ))
}

scaled! {
    times10: |_context| 10.0, 1;
    times100k: |_context| 100_000.0, 1;
    times1m: |_context| 1_000_000.0, 1;
    times10m: |_context| 10_000_000.0, 1;
}

/// The report bytes after the report ID, if the raw report was read.
fn payload<'a>(context: &Context<'a>) -> Option<&'a [u8]> {
    context.raw?.get(1..)
}

/// Bytes 1–2 of the raw report, little-endian.
fn word(context: &Context<'_>) -> Option<u16> {
    match payload(context)? {
        [low, high, ..] => Some(u16::from_le_bytes([*low, *high])),
        _ => None,
    }
}

/// The words of the bits of `value` set in `names`, space-separated.
fn words(value: u16, names: &[(u16, &str)]) -> String {
    let mut found: Vec<&str> = Vec::new();
    for (mask, name) in names {
        if value & mask != 0 && !found.contains(name) {
            found.push(name);
        }
    }
    found.join(" ")
}

const EVER_IP_REPORTS: [u8; 4] = [211, 230, 231, 232];
const EVER_PACKET_REPORTS: [u8; 4] = [215, 216, 217, 218];
/// Length asked for a raw EVER report.
const EVER_LEN: usize = 64;

fn ever_mac(_: f64, context: &mut Context<'_>) -> Option<String> {
    let bytes = payload(context)?;
    Some(
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

fn ever_ip(_: f64, context: &mut Context<'_>) -> Option<String> {
    context.state.ever_ip_turn = context.state.ever_ip_turn.wrapping_add(1);
    let bytes = payload(context)?;
    Some(
        bytes
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

fn ever_packets(_: f64, context: &mut Context<'_>) -> Option<String> {
    context.state.ever_packets_turn = context.state.ever_packets_turn.wrapping_add(1);
    Some(match payload(context)? {
        [a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]).to_string(),
        _ => String::new(),
    })
}

fn ever_workmode(_: f64, context: &mut Context<'_>) -> Option<String> {
    let name = match payload(context)?.first()? {
        2 => "STOP",
        4 => "ONLINE",
        8 => "ONBATTERY",
        16 => "WATCH",
        32 => "WAITING",
        64 => "EMERGENCY",
        _ => "UNKNOWN",
    };
    Some(name.to_owned())
}

fn ever_messages(_: f64, context: &mut Context<'_>) -> Option<String> {
    let names = [
        (0x04, "BOOST"),
        (0x08, "BUCK"),
        (0x10, "BOOST_BLOCKED"),
        (0x20, "BUCK_BLOCKED"),
        (0x40, "CHARGING"),
        (0x80, "FAN_ON"),
        (0x100, "EPO_BLOCKED"),
        (0x200, "NEED_REPLACMENT"),
        (0x400 | 0x800, "OVERHEAT"),
        (0x1000, "WAITING_FOR_MIN_CHARGE"),
        (0x2000, "MAINS_OUT_OF_RANGE"),
    ];
    Some(words(word(context)?, &names))
}

fn ever_alarms(_: f64, context: &mut Context<'_>) -> Option<String> {
    let names = [
        (0x01, "OVERLOAD"),
        (0x02, "SHORT-CIRCUIT"),
        (0x04 | 0x08, "OVERHEAT"),
        (0x10, "EPO"),
        (0x20, "INERNAL_ERROR"),
        (0x40, "REVERSE_POWER_SUPPLY"),
        (0x80, "NO_INETERNAL_COMM"),
        (0x100, "CRITICAL_BATT_VOLTAGE"),
    ];
    Some(words(word(context)?, &names))
}

fn ever_on_off(_: f64, context: &mut Context<'_>) -> Option<String> {
    let mode = *payload(context)?.first()?;
    super::token(!matches!(mode, 4 | 8), "off")
}

fn mac_report(_: &super::State) -> (u8, usize) {
    (0xd2, EVER_LEN)
}

fn ip_report(state: &super::State) -> (u8, usize) {
    (EVER_IP_REPORTS[state.ever_ip_turn % 4], EVER_LEN)
}

fn packets_report(state: &super::State) -> (u8, usize) {
    (EVER_PACKET_REPORTS[state.ever_packets_turn % 4], EVER_LEN)
}

fn workmode_report(_: &super::State) -> (u8, usize) {
    (0x4a, EVER_LEN)
}

fn messages_report(_: &super::State) -> (u8, usize) {
    (0x4b, EVER_LEN)
}

fn alarms_report(_: &super::State) -> (u8, usize) {
    (0x4c, EVER_LEN)
}

/// The Delta, EcoFlow, EVER and Legrand functions.
pub const FUNCTIONS: &[Function] = &[
    Function::new("delta_ups_type_fun", delta_type),
    Function::new("ecoflow_battery_runtime_conversion", ecoflow_runtime),
    Function::new("ever_format_hardware_fun", ever_hardware),
    Function::new("ever_format_version_fun", ever_version),
    Function::new("ever_mac_address_fun", ever_mac).raw(mac_report),
    Function::new("ever_ip_address_fun", ever_ip).raw(ip_report),
    Function::new("ever_packets_fun", ever_packets).raw(packets_report),
    Function::new("ever_workmode_fun", ever_workmode).raw(workmode_report),
    Function::new("ever_messages_fun", ever_messages).raw(messages_report),
    Function::new("ever_alarms_fun", ever_alarms).raw(alarms_report),
    Function::new("ever_on_off_fun", ever_on_off).raw(workmode_report),
    Function::new("legrand_times10", times10),
    Function::new("legrand_times100k", times100k),
    Function::new("legrand_times1M", times1m),
    Function::new("legrand_times10M", times10m),
];

#[cfg(test)]
mod tests {
    use super::super::Scratch;
    use super::super::testing::{named, text, text_in};

    #[test]
    fn delta_types() {
        assert_eq!(text("delta_ups_type_fun", 0.0).as_deref(), Some("online"));
        assert_eq!(
            text("delta_ups_type_fun", 0x13 as f64).as_deref(),
            Some("offline")
        );
        assert_eq!(
            text("delta_ups_type_fun", 4.0).as_deref(),
            Some("line-interactive")
        );
        assert_eq!(text("delta_ups_type_fun", 5.0).as_deref(), Some("3-phase"));
        assert_eq!(
            text("delta_ups_type_fun", 6.0).as_deref(),
            Some("split-phase")
        );
        assert_eq!(text("delta_ups_type_fun", 7.0), None);
    }

    #[test]
    fn ecoflow_minutes() {
        assert_eq!(
            text("ecoflow_battery_runtime_conversion", 12.0).as_deref(),
            Some("720")
        );
        assert_eq!(text("ecoflow_battery_runtime_conversion", -1.0), None);
    }

    #[test]
    fn ever_versions() {
        assert_eq!(
            text("ever_format_hardware_fun", 0x0105 as f64).as_deref(),
            Some("rev.Av05")
        );
        assert_eq!(
            text("ever_format_hardware_fun", 0x0012 as f64).as_deref(),
            Some("rev.0v18")
        );
        assert_eq!(
            text("ever_format_hardware_fun", 0x1a00 as f64).as_deref(),
            Some("rev.Zv00")
        );
        assert_eq!(text("ever_format_hardware_fun", 0x1b00 as f64), None);
        assert_eq!(
            text("ever_format_version_fun", 0x1203 as f64).as_deref(),
            Some("v1.2b03")
        );
        assert_eq!(
            text("ever_format_version_fun", 0xab10 as f64).as_deref(),
            Some("vA.Bb16")
        );
    }

    fn with_raw(bytes: &[u8]) -> Scratch {
        Scratch {
            raw: Some(bytes.to_vec()),
            ..Scratch::default()
        }
    }

    #[test]
    fn ever_raw_reports() {
        let mut mac = with_raw(&[0xd2, 0x00, 0x1b, 0xc5, 0x0a, 0xff, 0x01]);
        assert_eq!(
            text_in(&mut mac, "ever_mac_address_fun", 0.0).as_deref(),
            Some("00:1b:c5:0a:ff:01")
        );
        let mut ip = with_raw(&[211, 192, 168, 1, 20]);
        assert_eq!(
            text_in(&mut ip, "ever_ip_address_fun", 0.0).as_deref(),
            Some("192.168.1.20")
        );
        assert_eq!(ip.state.ever_ip_turn, 1);
        let report = |name: &str, state: &super::super::State| named(name).raw_report(state);
        assert_eq!(report("ever_ip_address_fun", &ip.state), Some((230, 64)));
        let mut packets = with_raw(&[215, 0x10, 0x27, 0, 0]);
        assert_eq!(
            text_in(&mut packets, "ever_packets_fun", 0.0).as_deref(),
            Some("10000")
        );
        assert_eq!(report("ever_packets_fun", &packets.state), Some((216, 64)));
        let mut short = with_raw(&[215, 1, 2]);
        assert_eq!(
            text_in(&mut short, "ever_packets_fun", 0.0).as_deref(),
            Some("")
        );
        let mut online = with_raw(&[0x4a, 4]);
        assert_eq!(
            text_in(&mut online, "ever_workmode_fun", 0.0).as_deref(),
            Some("ONLINE")
        );
        assert_eq!(
            text_in(&mut online, "ever_on_off_fun", 0.0).as_deref(),
            Some("!off")
        );
        let mut stopped = with_raw(&[0x4a, 2]);
        assert_eq!(
            text_in(&mut stopped, "ever_workmode_fun", 0.0).as_deref(),
            Some("STOP")
        );
        assert_eq!(
            text_in(&mut stopped, "ever_on_off_fun", 0.0).as_deref(),
            Some("off")
        );
        let mut odd = with_raw(&[0x4a, 3]);
        assert_eq!(
            text_in(&mut odd, "ever_workmode_fun", 0.0).as_deref(),
            Some("UNKNOWN")
        );
        let mut messages = with_raw(&[0x4b, 0x44, 0x0c]);
        assert_eq!(
            text_in(&mut messages, "ever_messages_fun", 0.0).as_deref(),
            Some("BOOST CHARGING OVERHEAT")
        );
        let mut alarms = with_raw(&[0x4c, 0x0d, 0x01]);
        assert_eq!(
            text_in(&mut alarms, "ever_alarms_fun", 0.0).as_deref(),
            Some("OVERLOAD OVERHEAT CRITICAL_BATT_VOLTAGE")
        );
        assert_eq!(text("ever_alarms_fun", 0.0), None, "report not read");
        assert_eq!(report("ever_alarms_fun", &alarms.state), Some((0x4c, 64)));
    }

    #[test]
    fn legrand_scales() {
        assert_eq!(text("legrand_times10", 26.5).as_deref(), Some("265.0"));
        assert_eq!(text("legrand_times100k", 0.000_27).as_deref(), Some("27.0"));
        assert_eq!(text("legrand_times1M", 0.000_23).as_deref(), Some("230.0"));
        assert_eq!(
            text("legrand_times10M", 0.000_023).as_deref(),
            Some("230.0")
        );
    }
}
