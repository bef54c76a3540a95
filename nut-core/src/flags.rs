//! Variable flags as NUT keeps them in its state tree.

use bitflags::bitflags;

bitflags! {
    /// Flags of one variable. The numeric values are NUT's (`RW`=1, `STRING`=2, `NUMBER`=4,
    /// `IMMUTABLE`=8); `IMMUTABLE` is local only and never travels on a wire.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct VarFlags: u8 {
        /// The variable may be written by clients (`SET VAR`).
        const RW = 1;
        /// The value is a string; its maximum length is the variable's aux value.
        const STRING = 2;
        /// The value is a number.
        const NUMBER = 4;
        /// Set by `override.*` in `ups.conf`: value changes and deletions are ignored.
        const IMMUTABLE = 8;
    }
}

impl VarFlags {
    /// The flag named by one `SETFLAGS` word (`RW`, `STRING`, `NUMBER`), matched
    /// case-insensitively as upsd does. Any other word, including `IMMUTABLE`, is `None`.
    pub fn from_wire_word(word: &str) -> Option<VarFlags> {
        [
            ("RW", VarFlags::RW),
            ("STRING", VarFlags::STRING),
            ("NUMBER", VarFlags::NUMBER),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(word))
        .map(|(_, flag)| flag)
    }

    /// The wire words of these flags in NUT's order (`RW`, `STRING`, `NUMBER`), leaving out
    /// `IMMUTABLE`.
    pub fn wire_words(self) -> impl Iterator<Item = &'static str> {
        [
            (VarFlags::RW, "RW"),
            (VarFlags::STRING, "STRING"),
            (VarFlags::NUMBER, "NUMBER"),
        ]
        .into_iter()
        .filter(move |(flag, _)| self.contains(*flag))
        .map(|(_, word)| word)
    }
}
