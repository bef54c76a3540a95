#![no_main]
//! Fuzzes the driver-socket readers in both directions: arbitrary bytes never panic, and every
//! message that parses is written back to a line that parses to the same message.

use libfuzzer_sys::fuzz_target;
use nut_protocol::sock::{DriverMessage, ServerMessage, SockMessage, SockReader};

fn round_trip<M: SockMessage + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let mut reader = SockReader::<M>::new();
    for message in reader.feed(data).into_iter().flatten() {
        let line = message.to_string();
        assert_eq!(M::parse_line(line.as_bytes()).as_ref(), Ok(&message));
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<DriverMessage>(data);
    round_trip::<ServerMessage>(data);
});
