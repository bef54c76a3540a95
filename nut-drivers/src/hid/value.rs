//! Reading and writing a field's value in a report buffer (NUT-REFERENCE.md §9.3).
//!
//! The buffer is a report as it travels on the wire: the report-ID byte first, then the fields,
//! bit 0 of the field at bit `offset` after that byte, little-endian. Reading follows NUT
//! exactly: the raw bits are masked to the width the logical range needs (so junk in unused high
//! bits is dropped), sign-extended when the logical minimum is negative, and clamped into the
//! logical range; the logical value is mapped onto the physical range when the descriptor gives
//! a usable one, then scaled by 10^(unit exponent − bias), where the bias is 7 for volts and
//! volt-amperes/watts (NUT's reading of the HID unit system) and 0 otherwise.

use super::descriptor::Field;

/// The HID unit code of the volt.
pub const UNIT_VOLT: u32 = 0x00F0_D121;
/// The HID unit code of the watt and the volt-ampere.
pub const UNIT_WATT: u32 = 0x0000_D121;

/// Widest field a value can be read from.
pub const MAX_FIELD_BITS: u32 = 64;

/// Why a value could not be read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The buffer is shorter than the field's last bit needs.
    #[error("report has {got} bytes, the field needs {needed}")]
    ShortReport {
        /// Bytes the field needs (report-ID byte included).
        needed: usize,
        /// Bytes the buffer has.
        got: usize,
    },
    /// The field is wider than [`MAX_FIELD_BITS`] or has no bits.
    #[error("a field of {0} bits holds no number")]
    BadSize(u32),
    /// The logical minimum is above the maximum even after NUT's repair: no value read from
    /// it could be right, so none is given.
    #[error("impossible logical range {min}..{max}")]
    ImpossibleRange {
        /// Logical minimum.
        min: i64,
        /// Logical maximum.
        max: i64,
    },
}

impl Field {
    fn check(&self, report_len: usize) -> Result<(), ValueError> {
        if self.size == 0 || self.size > MAX_FIELD_BITS {
            return Err(ValueError::BadSize(self.size));
        }
        let needed = 1 + (u64::from(self.offset) + u64::from(self.size)).div_ceil(8) as usize;
        if report_len < needed {
            return Err(ValueError::ShortReport {
                needed,
                got: report_len,
            });
        }
        Ok(())
    }

    /// The field's raw bits, unsigned, as they are in `report`.
    pub fn raw_bits(&self, report: &[u8]) -> Result<u64, ValueError> {
        self.check(report.len())?;
        let mut value = 0u64;
        for bit in 0..self.size {
            let position = 8 + self.offset as usize + bit as usize;
            let set = report[position / 8] >> (position % 8) & 1;
            value |= u64::from(set) << bit;
        }
        Ok(value)
    }

    /// How many low bits of the raw value the logical range uses (NUT's masking width).
    fn logical_width(&self) -> u32 {
        let bits = |value: i64| 64 - value.max(0).leading_zeros();
        let width = if self.logical_min < 0 {
            1 + bits(self.logical_max).max(bits(-(self.logical_min + 1)))
        } else {
            bits(self.logical_max)
        };
        width.min(self.size)
    }

    /// The logical value in `report`: masked, sign-extended and clamped as NUT does.
    pub fn logical_value(&self, report: &[u8]) -> Result<i64, ValueError> {
        if self.logical_min > self.logical_max {
            return Err(ValueError::ImpossibleRange {
                min: self.logical_min,
                max: self.logical_max,
            });
        }
        let raw = self.raw_bits(report)?;
        let width = self.logical_width();
        let masked = if width >= 64 {
            raw
        } else {
            raw & ((1u64 << width) - 1)
        };
        let value = if self.logical_min < 0 && width > 0 && width < 64 {
            let sign = 1u64 << (width - 1);
            (masked ^ sign) as i64 - sign as i64
        } else {
            masked as i64
        };
        Ok(value.clamp(self.logical_min, self.logical_max))
    }

    /// The physical range, when the descriptor gives one NUT would use.
    fn physical_range(&self) -> Option<(i64, i64)> {
        let (min, max) = (self.physical_min?, self.physical_max?);
        let usable = !(min == 0 && max == 0) && max > min && self.logical_max > self.logical_min;
        usable.then_some((min, max))
    }

    /// The scale factor of the unit exponent, with NUT's bias for volts and watts.
    pub fn exponent_factor(&self) -> f64 {
        let bias = match self.unit {
            UNIT_VOLT | UNIT_WATT => 7,
            _ => 0,
        };
        10f64.powi(i32::from(self.unit_exponent) - bias)
    }

    /// A logical value converted to what NUT publishes: physical range, then unit exponent.
    pub fn to_value(&self, logical: i64) -> f64 {
        let physical = match self.physical_range() {
            Some((min, max)) => {
                let span = (self.logical_max - self.logical_min) as f64;
                let scaled =
                    (logical - self.logical_min) as f64 * (max - min) as f64 / span + min as f64;
                scaled.clamp(min as f64, max as f64)
            }
            None => logical as f64,
        };
        physical * self.exponent_factor()
    }

    /// The value in `report` as NUT publishes it (see the module documentation).
    pub fn value(&self, report: &[u8]) -> Result<f64, ValueError> {
        Ok(self.to_value(self.logical_value(report)?))
    }

    /// The logical value that [`Field::to_value`] turns into `value` (rounded), for writing.
    pub fn to_logical(&self, value: f64) -> i64 {
        let physical = value / self.exponent_factor();
        let logical = match self.physical_range() {
            Some((min, max)) => {
                let span = (self.logical_max - self.logical_min) as f64;
                (physical - min as f64) * span / (max - min) as f64 + self.logical_min as f64
            }
            None => physical,
        };
        logical.round() as i64
    }

    /// Writes `logical` into the field's bits of `report` (two's complement, truncated to the
    /// field's size; like NUT, no range check).
    pub fn write_logical(&self, report: &mut [u8], logical: i64) -> Result<(), ValueError> {
        self.check(report.len())?;
        let bits = logical as u64;
        for bit in 0..self.size {
            let position = 8 + self.offset as usize + bit as usize;
            let mask = 1u8 << (position % 8);
            if bits >> bit & 1 == 1 {
                report[position / 8] |= mask;
            } else {
                report[position / 8] &= !mask;
            }
        }
        Ok(())
    }
}

/// Formats a value as C's `%g` does (six significant digits, trailing zeros dropped), as NUT
/// prints values in its debug output and `explore` mode.
pub fn format_g(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    if !value.is_finite() {
        return format!("{value}");
    }
    let exponent = value.abs().log10().floor() as i32;
    let rounded_exponent = {
        let text = format!("{:.5e}", value);
        text.rsplit('e')
            .next()
            .and_then(|e| e.parse::<i32>().ok())
            .unwrap_or(exponent)
    };
    if !(-4..6).contains(&rounded_exponent) {
        let text = format!("{:.5e}", value);
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = trim_zeros(mantissa);
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let decimals = (5 - rounded_exponent).max(0) as usize;
    trim_zeros(&format!("{value:.decimals$}")).to_owned()
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::descriptor::ReportKind;
    use super::*;

    fn field(offset: u32, size: u32, logical_min: i64, logical_max: i64) -> Field {
        Field {
            path: vec![0x00840030],
            report_id: 0,
            kind: ReportKind::Feature,
            attribute: 2,
            offset,
            size,
            unit: 0,
            unit_exponent: 0,
            logical_min,
            logical_max,
            physical_min: None,
            physical_max: None,
            assumed_logical_max: false,
        }
    }

    /// NUT's own vectors (tests/getvaluetest.c, NUT-REFERENCE.md §9.3).
    #[test]
    fn nut_bit_extraction_vectors() {
        let report = [0x33, 0x00, 0x0a, 0x08, 0x80];
        assert_eq!(field(0, 32, 0, 65535).logical_value(&report), Ok(2560));
        assert_eq!(field(0, 8, -1, 127).logical_value(&[0x00, 0xff]), Ok(-1));
        assert_eq!(field(0, 8, 0, 127).logical_value(&[0x00, 0xff]), Ok(127));
    }

    #[test]
    fn signed_fields_cover_their_whole_range() {
        assert_eq!(field(0, 8, -128, 127).logical_value(&[0, 0x80]), Ok(-128));
        assert_eq!(
            field(0, 16, -32768, 32767).logical_value(&[0, 0xff, 0xff]),
            Ok(-1)
        );
        assert_eq!(field(4, 4, -8, 7).logical_value(&[0, 0xf0]), Ok(-1));
    }

    #[test]
    fn values_are_clamped_into_the_logical_range() {
        // 0xc8 = 200 is masked to 8 bits (LogMax 150 needs 8) and clamped to 150.
        assert_eq!(field(0, 8, 0, 150).logical_value(&[0, 0xc8]), Ok(150));
        assert_eq!(field(0, 8, 10, 150).logical_value(&[0, 0x01]), Ok(10));
    }

    #[test]
    fn an_impossible_range_gives_no_value() {
        assert_eq!(
            field(0, 8, 300, 255).logical_value(&[0, 1]),
            Err(ValueError::ImpossibleRange { min: 300, max: 255 })
        );
    }

    #[test]
    fn a_short_report_is_an_error() {
        assert_eq!(
            field(8, 16, 0, 65535).logical_value(&[0, 1, 2]),
            Err(ValueError::ShortReport { needed: 4, got: 3 })
        );
        assert_eq!(
            field(0, 0, 0, 1).logical_value(&[0, 1]),
            Err(ValueError::BadSize(0))
        );
        assert_eq!(
            field(0, 65, 0, 1).logical_value(&[0; 10]),
            Err(ValueError::BadSize(65))
        );
    }

    #[test]
    fn volts_use_the_bias_of_seven() {
        let mut voltage = field(0, 16, 0, 65535);
        voltage.unit = UNIT_VOLT;
        voltage.unit_exponent = 5;
        assert_eq!(
            format_g(voltage.value(&[0x09, 0x4e, 0x05]).unwrap()),
            "13.58"
        );
        let mut percent = field(0, 8, 0, 255);
        percent.unit_exponent = -2;
        assert_eq!(format_g(percent.value(&[0x0a, 0x03]).unwrap()), "0.03");
    }

    #[test]
    fn physical_ranges_scale_the_logical_value() {
        let mut scaled = field(0, 8, 0, 255);
        scaled.physical_min = Some(0);
        scaled.physical_max = Some(510);
        assert_eq!(scaled.value(&[0, 100]), Ok(200.0));
        assert_eq!(scaled.to_logical(200.0), 100);
        scaled.physical_max = Some(0);
        assert_eq!(scaled.value(&[0, 100]), Ok(100.0), "0..0 is ignored");
    }

    #[test]
    fn writing_then_reading_gives_the_value_back() {
        let signed = field(3, 10, -512, 511);
        let mut report = [0xff, 0xff, 0xff];
        signed.write_logical(&mut report, -300).unwrap();
        assert_eq!(signed.logical_value(&report), Ok(-300));
        assert_eq!(report[0], 0xff, "the report-ID byte is untouched");
        assert_eq!(
            report[1] & 0x07,
            0x07,
            "bits before the field are untouched"
        );
    }

    proptest::proptest! {
        /// Any field in any place of a report reads back the bits a reference shift finds.
        #[test]
        fn raw_bits_match_a_reference_shift(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 2..17),
            offset in 0u32..64,
            size in 1u32..=64,
        ) {
            let field = field(offset, size, 0, 1);
            let mut wide = [0u8; 16];
            wide[..bytes.len() - 1].copy_from_slice(&bytes[1..]);
            let expected = (u128::from_le_bytes(wide) >> offset) & ((1u128 << size) - 1);
            match field.raw_bits(&bytes) {
                Ok(raw) => proptest::prop_assert_eq!(u128::from(raw), expected),
                Err(ValueError::ShortReport { .. }) => proptest::prop_assert!(
                    u64::from(offset + size) > 8 * (bytes.len() as u64 - 1)
                ),
                Err(other) => proptest::prop_assert!(false, "{other}"),
            }
        }

        /// A value written into a field whose logical range fits it reads back unchanged, and
        /// never disturbs the bits around the field.
        #[test]
        fn written_values_read_back(
            offset in 0u32..40,
            size in 2u32..=32,
            value in proptest::num::i64::ANY,
            signed in proptest::bool::ANY,
            fill in proptest::num::u8::ANY,
        ) {
            let (min, max) = if signed {
                (-(1i64 << (size - 1)), (1i64 << (size - 1)) - 1)
            } else {
                (0, (1i64 << size) - 1)
            };
            let value = min + value.rem_euclid(max - min + 1);
            let field = field(offset, size, min, max);
            let mut report = vec![fill; 10];
            field.write_logical(&mut report, value).unwrap();
            proptest::prop_assert_eq!(field.logical_value(&report), Ok(value));
            for bit in (0..8 * 9).filter(|b| *b < offset || *b >= offset + size) {
                let position = 8 + bit as usize;
                proptest::prop_assert_eq!(
                    report[position / 8] >> (position % 8) & 1,
                    fill >> (position % 8) & 1
                );
            }
        }

        /// Scaling by a physical range and back returns the logical value.
        #[test]
        fn physical_scaling_inverts(
            logical in 0i64..=1000,
            physical_max in 1i64..100_000,
            exponent in -4i8..=4,
        ) {
            let mut scaled = field(0, 16, 0, 1000);
            scaled.physical_min = Some(0);
            scaled.physical_max = Some(physical_max);
            scaled.unit_exponent = exponent;
            let value = scaled.to_value(logical);
            let back = scaled.to_logical(value);
            let step = (1000.0 / physical_max as f64).ceil() as i64;
            proptest::prop_assert!((back - logical).abs() <= step, "{logical} -> {value} -> {back}");
        }
    }

    #[test]
    fn format_g_matches_c() {
        assert_eq!(format_g(2580.0), "2580");
        assert_eq!(format_g(459524.0), "459524");
        assert_eq!(format_g(1234567.0), "1.23457e+06");
        assert_eq!(format_g(-1.0), "-1");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(0.00001), "1e-05");
        assert_eq!(format_g(13.58), "13.58");
    }
}
