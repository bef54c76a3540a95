//! Best Power (`bestups` dialect) extras: the comma-separated `ID` reply and the `RT` runtime.

/// A parsed `ID` reply `FOR,750,120,120,20.0,27.6`: model code, VA, nominal input and output
/// voltage, battery low and high voltage.
#[derive(Debug, Clone, PartialEq)]
pub struct IdReply {
    /// The three-character model code (`FOR`, `AX1`, `325`, …).
    pub code: String,
    /// `ups.power.nominal` (VA).
    pub power: f64,
    /// `input.voltage.nominal` (V).
    pub input_voltage: f64,
    /// `output.voltage.nominal` (V).
    pub output_voltage: f64,
    /// `battery.voltage.low` (V).
    pub battery_low: f64,
    /// `battery.voltage.high` (V).
    pub battery_high: f64,
}

fn num(field: &str) -> Option<f64> {
    let field = field.trim();
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    field.parse().ok()
}

impl IdReply {
    /// Parses an `ID` reply (25–27 bytes before the CR, six comma-separated fields).
    pub fn parse(reply: &[u8]) -> Option<IdReply> {
        let body = reply.strip_suffix(b"\r")?;
        if !(25..=27).contains(&body.len()) {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        let fields: Vec<&str> = text.split(',').collect();
        let [code, power, input, output, low, high] = fields[..] else {
            return None;
        };
        if code.len() != 3 {
            return None;
        }
        Some(IdReply {
            code: code.to_owned(),
            power: num(power)?,
            input_voltage: num(input)?,
            output_voltage: num(output)?,
            battery_low: num(low)?,
            battery_high: num(high)?,
        })
    }

    /// `device.mfr` for the model code.
    pub fn manufacturer(&self) -> &'static str {
        match self.code.as_str() {
            "AX1" | "FOR" | "FTC" | "PR2" | "PRO" => "Best Power",
            "325" | "520" | "620" => "Sola Australia",
            _ => "Unknown",
        }
    }

    /// `device.model` for the model code.
    pub fn model(&self) -> String {
        match self.code.as_str() {
            "AX1" => "Axxium Rackmount".into(),
            "FOR" => "Fortress".into(),
            "FTC" => "Fortress Telecom".into(),
            "PR2" => "Patriot Pro II".into(),
            "PRO" => "Patriot Pro".into(),
            "320" | "325" | "520" | "525" | "620" => format!("Sola {}", self.code),
            code => format!("Unknown ({code})"),
        }
    }

    /// Whether the unit answers `RT` (all but Patriot Pro and Sola 320).
    pub fn has_runtime(&self) -> bool {
        !matches!(self.code.as_str(), "PRO" | "320")
    }

    /// NUT variables with NUT's formats, in table order.
    pub fn variables(&self, novendor: bool) -> Vec<(&'static str, String)> {
        let mut vars = Vec::new();
        if !novendor {
            vars.push(("device.mfr", self.manufacturer().to_owned()));
            vars.push(("device.model", self.model()));
        }
        vars.extend([
            ("ups.power.nominal", format!("{:.0}", self.power)),
            (
                "input.voltage.nominal",
                format!("{:.0}", self.input_voltage),
            ),
            (
                "output.voltage.nominal",
                format!("{:.0}", self.output_voltage),
            ),
            ("battery.voltage.low", format!("{:.1}", self.battery_low)),
            ("battery.voltage.high", format!("{:.1}", self.battery_high)),
        ]);
        vars
    }
}

/// `battery.runtime` (s) from an `RT` reply: minutes (digits, spaces, a dot) × 60.
pub fn runtime(reply: &[u8]) -> Option<String> {
    let body = reply.strip_suffix(b"\r")?;
    if body.len() < 3
        || !body
            .iter()
            .all(|b| b.is_ascii_digit() || *b == b' ' || *b == b'.')
    {
        return None;
    }
    let minutes: f64 = std::str::from_utf8(body).ok()?.trim().parse().ok()?;
    Some(format!("{:.0}", minutes * 60.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_reply() {
        let id = IdReply::parse(b"FOR,750,120,120,20.0,27.6\r").unwrap();
        assert_eq!(id.manufacturer(), "Best Power");
        assert_eq!(id.model(), "Fortress");
        assert_eq!(id.variables(false)[2], ("ups.power.nominal", "750".into()));
        assert!(IdReply::parse(b"FOR,750,120,120,20.0\r").is_none());
        assert!(IdReply::parse(b"FOR,7x0,120,120,20.0,27.6\r").is_none());
        assert_eq!(runtime(b"015\r").as_deref(), Some("900"));
        assert_eq!(runtime(b"0x5\r"), None);
    }
}
