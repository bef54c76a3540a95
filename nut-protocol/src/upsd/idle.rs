//! The 60 s idle timeout of every client, kept by the housekeeping tick instead of a timer
//! per connection.
//!
//! A connection notes its own deadline on every request (one clock read, no lock). The
//! shared table only holds, per connection, the deadline it last *announced* and its task's
//! waker: the tick wakes every connection whose announced deadline has passed, and the
//! connection then either closes (its real deadline passed too) or announces its later
//! deadline. So a busy connection touches the table at most once a minute, and an idle one
//! carries no timer: 24 bytes in the table instead of a timer entry in its task.

use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use std::vec::Vec;

use tokio::time::Instant;

use super::lock;

/// Milliseconds since the table was made.
type Millis = u64;

/// Every connection's announced deadline and waker.
pub(crate) struct IdleTable {
    epoch: Instant,
    timeout: Millis,
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    entries: Vec<Entry>,
    free: Vec<u32>,
}

struct Entry {
    /// When to wake the connection; `Millis::MAX` when woken and not yet re-announced.
    due: Millis,
    waker: Option<Waker>,
}

impl IdleTable {
    /// A table for connections that may stay silent for `timeout`.
    pub(crate) fn new(timeout: Duration) -> IdleTable {
        IdleTable {
            epoch: Instant::now(),
            timeout: Millis::try_from(timeout.as_millis()).unwrap_or(Millis::MAX),
            slots: Mutex::new(Slots::default()),
        }
    }

    fn now(&self) -> Millis {
        Millis::try_from(self.epoch.elapsed().as_millis()).unwrap_or(Millis::MAX)
    }

    /// Wakes every connection whose announced deadline has passed (called by the tick).
    pub(crate) fn sweep(&self) {
        let now = self.now();
        let mut slots = lock(&self.slots);
        for entry in &mut slots.entries {
            if entry.due <= now {
                entry.due = Millis::MAX;
                if let Some(waker) = &entry.waker {
                    waker.wake_by_ref();
                }
            }
        }
    }

    fn announce(&self, slot: Option<u32>, due: Millis, waker: &Waker) -> u32 {
        let mut slots = lock(&self.slots);
        if let Some(index) = slot
            && let Some(known) = slots.entries.get_mut(index as usize)
        {
            known.due = due;
            if !known.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                known.waker = Some(waker.clone());
            }
            return index;
        }
        let entry = Entry {
            due,
            waker: Some(waker.clone()),
        };
        match slots.free.pop() {
            Some(index) => {
                if let Some(free) = slots.entries.get_mut(index as usize) {
                    *free = entry;
                }
                index
            }
            None => {
                slots.entries.push(entry);
                u32::try_from(slots.entries.len() - 1).unwrap_or(u32::MAX)
            }
        }
    }

    fn release(&self, index: u32) {
        let mut slots = lock(&self.slots);
        if let Some(entry) = slots.entries.get_mut(index as usize) {
            entry.due = Millis::MAX;
            entry.waker = None;
            slots.free.push(index);
        }
    }
}

/// One connection's idle clock. Call [`IdleClock::release`] when the connection ends.
pub(crate) struct IdleClock {
    deadline: Millis,
    announced: Millis,
    slot: Option<u32>,
}

impl IdleClock {
    /// A clock for a connection that just opened.
    pub(crate) fn start(table: &IdleTable) -> IdleClock {
        IdleClock {
            deadline: table.now().saturating_add(table.timeout),
            announced: 0,
            slot: None,
        }
    }

    /// The client said something: the deadline moves (no lock, no timer).
    pub(crate) fn touch(&mut self, table: &IdleTable) {
        self.deadline = table.now().saturating_add(table.timeout);
    }

    /// Ready once the connection has been silent past its deadline; otherwise makes sure the
    /// tick will wake this task by then.
    pub(crate) fn poll_expired(&mut self, table: &IdleTable, cx: &mut Context<'_>) -> Poll<()> {
        let now = table.now();
        if now >= self.deadline {
            return Poll::Ready(());
        }
        if self.slot.is_none() || now >= self.announced {
            self.slot = Some(table.announce(self.slot, self.deadline, cx.waker()));
            self.announced = self.deadline;
        }
        Poll::Pending
    }

    /// Gives the table entry back.
    pub(crate) fn release(&mut self, table: &IdleTable) {
        if let Some(index) = self.slot.take() {
            table.release(index);
        }
    }
}
