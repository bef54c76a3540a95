//! One upsmon cycle, the same for the real program and for simulations: poll every UPS
//! (while monitoring), evaluate, and answer the monitor's FSD and NUMLOGINS requests through
//! a [`Servers`]; what is left (notifications, log lines, power-off) is for the caller.
//!
//! ```
//! use std::time::Duration;
//! use nut_client::monitor::cycle::{Servers, step};
//! use nut_client::monitor::{Monitor, Output, Reading};
//! use nut_protocol::config::upsmon_conf;
//!
//! /// One UPS that is on battery with a low battery, and no secondary logged in.
//! struct Dying;
//! impl Servers for Dying {
//!     fn poll(&mut self, _ups: usize) -> Reading { Reading::status("OB LB") }
//!     fn fsd(&mut self, _ups: usize) -> bool { true }
//!     fn num_logins(&mut self, _ups: usize) -> Option<u32> { Some(1) }
//! }
//!
//! let conf = upsmon_conf::parse(b"MONITOR ups@localhost 1 u p primary\nFINALDELAY 0\n", "upsmon.conf")
//!     .into_result()
//!     .unwrap();
//! let mut monitor = Monitor::new(&conf).unwrap();
//! let out = step(&mut monitor, Duration::ZERO, &mut Dying);
//! assert_eq!(out.last(), Some(&Output::PowerOff));
//! ```

use std::time::Duration;

use super::{Monitor, Output, Reading};

/// What answers for the monitored UPSes (their upsd connections).
pub trait Servers {
    /// Reads UPS `ups` (index in MONITOR order): `ups.status`, and `ups.alarm` when the
    /// status says ALARM.
    fn poll(&mut self, ups: usize) -> Reading;
    /// Sends `FSD` for UPS `ups`; whether upsd said OK.
    fn fsd(&mut self, ups: usize) -> bool;
    /// `GET NUMLOGINS` for UPS `ups`.
    fn num_logins(&mut self, ups: usize) -> Option<u32>;
}

/// Runs one cycle at `now` and returns what the caller must deliver or do
/// ([`Output::Notify`], [`Output::Log`], [`Output::PowerOff`]), in order. Sleep
/// [`Monitor::next_wakeup`] before the next one.
pub fn step(monitor: &mut Monitor, now: Duration, servers: &mut impl Servers) -> Vec<Output> {
    let mut pending = Vec::new();
    if monitor.polling() {
        for ups in 0..monitor.len() {
            let reading = servers.poll(ups);
            pending.extend(monitor.reading(ups, now, reading));
        }
    }
    pending.extend(monitor.evaluate(now));
    let mut done = Vec::new();
    // Requests to the servers are answered at once; their answers may ask more.
    let mut queue = std::collections::VecDeque::from(pending);
    while let Some(output) = queue.pop_front() {
        match output {
            Output::SendFsd { ups } => {
                let accepted = servers.fsd(ups);
                queue.extend(monitor.fsd_answered(ups, accepted, now));
            }
            Output::AskNumLogins { ups } => {
                let count = servers.num_logins(ups);
                queue.extend(monitor.num_logins(ups, count, now));
            }
            other => done.push(other),
        }
    }
    done
}
