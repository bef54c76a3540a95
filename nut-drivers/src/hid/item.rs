//! Splitting a report descriptor into its items (HID 1.11 §6.2.2.2–§6.2.2.3).
//!
//! A short item is one prefix byte (`bSize` in bits 0–1: 0, 1, 2 or 4 data bytes; `bType` and
//! `bTag` in bits 2–7) followed by its data, little-endian. A long item (prefix `0xFE`) carries
//! its own data length; no HID Power Device uses them, and they are skipped as NUT skips them.

/// The tag and type bits of a short item's prefix byte (`prefix & 0xFC`).
pub mod tag {
    /// Main: Input.
    pub const INPUT: u8 = 0x80;
    /// Main: Output.
    pub const OUTPUT: u8 = 0x90;
    /// Main: Feature.
    pub const FEATURE: u8 = 0xB0;
    /// Main: Collection.
    pub const COLLECTION: u8 = 0xA0;
    /// Main: End Collection.
    pub const END_COLLECTION: u8 = 0xC0;
    /// Global: Usage Page.
    pub const USAGE_PAGE: u8 = 0x04;
    /// Global: Logical Minimum.
    pub const LOGICAL_MINIMUM: u8 = 0x14;
    /// Global: Logical Maximum.
    pub const LOGICAL_MAXIMUM: u8 = 0x24;
    /// Global: Physical Minimum.
    pub const PHYSICAL_MINIMUM: u8 = 0x34;
    /// Global: Physical Maximum.
    pub const PHYSICAL_MAXIMUM: u8 = 0x44;
    /// Global: Unit Exponent.
    pub const UNIT_EXPONENT: u8 = 0x54;
    /// Global: Unit.
    pub const UNIT: u8 = 0x64;
    /// Global: Report Size.
    pub const REPORT_SIZE: u8 = 0x74;
    /// Global: Report ID.
    pub const REPORT_ID: u8 = 0x84;
    /// Global: Report Count.
    pub const REPORT_COUNT: u8 = 0x94;
    /// Global: Push.
    pub const PUSH: u8 = 0xA4;
    /// Global: Pop.
    pub const POP: u8 = 0xB4;
    /// Local: Usage.
    pub const USAGE: u8 = 0x08;
    /// Local: Usage Minimum.
    pub const USAGE_MINIMUM: u8 = 0x18;
    /// Local: Usage Maximum.
    pub const USAGE_MAXIMUM: u8 = 0x28;
}

/// The prefix byte that introduces a long item.
const LONG_ITEM_PREFIX: u8 = 0xFE;

/// One short item: where it starts, its tag and its data bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortItem<'a> {
    /// Byte offset of the prefix in the descriptor.
    pub at: usize,
    /// The prefix with the size bits cleared (see [`tag`]).
    pub tag: u8,
    /// The 0, 1, 2 or 4 data bytes.
    pub data: &'a [u8],
}

impl ShortItem<'_> {
    /// The data as an unsigned little-endian number (0 when there is no data).
    pub fn unsigned(&self) -> u32 {
        self.data
            .iter()
            .rev()
            .fold(0u32, |value, &byte| (value << 8) | u32::from(byte))
    }

    /// The data as a signed number, sign-extended from its encoded width.
    pub fn signed(&self) -> i32 {
        let raw = self.unsigned();
        match self.data.len() {
            1 => i32::from(raw as u8 as i8),
            2 => i32::from(raw as u16 as i16),
            _ => raw as i32,
        }
    }
}

/// Why the item stream stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// An item's declared data runs past the end of the descriptor.
    #[error("item at byte {at} needs {needed} data bytes, only {available} remain")]
    Truncated {
        /// Byte offset of the item's prefix.
        at: usize,
        /// Data bytes the prefix announces.
        needed: usize,
        /// Data bytes left in the descriptor.
        available: usize,
    },
}

/// Iterates over the short items of a descriptor, skipping long items.
#[derive(Debug, Clone)]
pub struct Items<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Items<'a> {
    /// Items of `bytes`, from the start.
    pub fn new(bytes: &'a [u8]) -> Self {
        Items { bytes, at: 0 }
    }

    fn take(&mut self, at: usize, needed: usize) -> Result<&'a [u8], ItemError> {
        let available = self.bytes.len() - self.at;
        let Some(data) = self.bytes.get(self.at..self.at + needed) else {
            self.at = self.bytes.len();
            return Err(ItemError::Truncated {
                at,
                needed,
                available,
            });
        };
        self.at += needed;
        Ok(data)
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = Result<ShortItem<'a>, ItemError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let at = self.at;
            let prefix = *self.bytes.get(at)?;
            self.at += 1;
            if prefix == LONG_ITEM_PREFIX {
                let header = match self.take(at, 2) {
                    Ok(header) => header,
                    Err(error) => return Some(Err(error)),
                };
                if let Err(error) = self.take(at, usize::from(header[0])) {
                    return Some(Err(error));
                }
                continue;
            }
            let size = match prefix & 0x03 {
                3 => 4,
                n => usize::from(n),
            };
            return Some(self.take(at, size).map(|data| ShortItem {
                at,
                tag: prefix & 0xFC,
                data,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_carry_their_tag_and_little_endian_data() {
        let bytes = [0x05, 0x84, 0x27, 0xff, 0xff, 0x00, 0x00, 0xc0];
        let items: Vec<_> = Items::new(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].tag, tag::USAGE_PAGE);
        assert_eq!(items[0].unsigned(), 0x84);
        assert_eq!(items[1].tag, tag::LOGICAL_MAXIMUM);
        assert_eq!(items[1].unsigned(), 0xffff);
        assert_eq!(items[1].signed(), 0xffff, "a 4-byte 0x0000ffff is positive");
        assert_eq!(items[2].tag, tag::END_COLLECTION);
        assert_eq!(items[2].at, 7);
    }

    #[test]
    fn signed_data_is_extended_from_its_encoded_width() {
        let one = ShortItem {
            at: 0,
            tag: tag::LOGICAL_MAXIMUM,
            data: &[0xff],
        };
        let two = ShortItem {
            at: 0,
            tag: tag::LOGICAL_MAXIMUM,
            data: &[0xff, 0xff],
        };
        assert_eq!(one.signed(), -1);
        assert_eq!(two.signed(), -1);
        assert_eq!(one.unsigned(), 255);
        assert_eq!(two.unsigned(), 65535);
    }

    #[test]
    fn long_items_are_skipped() {
        let bytes = [0xfe, 0x02, 0x10, 0xaa, 0xbb, 0x09, 0x04];
        let items: Vec<_> = Items::new(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].tag, tag::USAGE);
        assert_eq!(items[0].at, 5);
    }

    #[test]
    fn a_truncated_item_is_an_error_and_ends_the_stream() {
        let bytes = [0x09, 0x04, 0x27, 0xff];
        let mut items = Items::new(&bytes);
        assert!(items.next().unwrap().is_ok());
        assert_eq!(
            items.next(),
            Some(Err(ItemError::Truncated {
                at: 2,
                needed: 4,
                available: 1
            }))
        );
        assert_eq!(items.next(), None);
    }
}
