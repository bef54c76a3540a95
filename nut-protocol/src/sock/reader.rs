//! Reading typed messages from a byte stream in arbitrary chunks.

use alloc::vec::Vec;
use core::marker::PhantomData;

use super::{SockError, SockErrorKind, SockMessage};
use crate::tokenizer::Tokenizer;

/// Turns chunks of bytes from a driver socket into messages of type `M`
/// ([`super::DriverMessage`] on upsd's side, [`super::ServerMessage`] on a driver's side).
/// Lines with no words are skipped; a bad line is an `Err` item and reading goes on.
///
/// ```
/// use nut_protocol::sock::{DriverMessage, SockReader};
///
/// let mut reader = SockReader::<DriverMessage>::new();
/// assert!(reader.feed(b"DATA").is_empty());
/// let messages = reader.feed(b"OK\nDUMPDONE\n");
/// assert_eq!(messages.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct SockReader<M> {
    tokenizer: Tokenizer,
    _message: PhantomData<fn() -> M>,
}

impl<M: SockMessage> Default for SockReader<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: SockMessage> SockReader<M> {
    /// A reader with NUT's default tokenizer limits.
    pub fn new() -> Self {
        SockReader {
            tokenizer: Tokenizer::new(),
            _message: PhantomData,
        }
    }

    /// Feeds a chunk; returns the messages of every line it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Result<M, SockError>> {
        let mut out = Vec::new();
        for result in self.tokenizer.feed(chunk) {
            match result {
                Ok(line) if line.words.is_empty() => {}
                Ok(line) => out.push(M::from_words(&line.words)),
                Err(error) => out.push(Err(SockError {
                    kind: SockErrorKind::Tokenize(error),
                    index: 0,
                    word: alloc::string::String::new(),
                })),
            }
        }
        out
    }

    /// True when part of a line is buffered.
    pub fn has_partial_line(&self) -> bool {
        self.tokenizer.has_partial_line()
    }
}
