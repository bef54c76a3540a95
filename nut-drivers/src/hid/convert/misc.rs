//! The smaller families: Delta UPS type, EcoFlow runtime, EVER version words and Legrand's
//! scaled values (`delta_ups-hid.c`, `ecoflow-hid.c`, `ever-hid.c`, `legrand-hid.c`).

use super::{Context, Function};

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

fn times10(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{:.1}", value * 10.0))
}

fn times100k(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{:.1}", value * 100_000.0))
}

fn times1m(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{:.1}", value * 1_000_000.0))
}

fn times10m(value: f64, _: &mut Context<'_>) -> Option<String> {
    Some(format!("{:.1}", value * 10_000_000.0))
}

const fn f(name: &'static str, text: super::TextFn) -> Function {
    Function {
        name,
        text,
        value: None,
    }
}

/// The Delta, EcoFlow, EVER and Legrand functions.
pub const FUNCTIONS: &[Function] = &[
    f("delta_ups_type_fun", delta_type),
    f("ecoflow_battery_runtime_conversion", ecoflow_runtime),
    f("ever_format_hardware_fun", ever_hardware),
    f("ever_format_version_fun", ever_version),
    f("legrand_times10", times10),
    f("legrand_times100k", times100k),
    f("legrand_times1M", times1m),
    f("legrand_times10M", times10m),
];

#[cfg(test)]
mod tests {
    use super::super::testing::text;

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
