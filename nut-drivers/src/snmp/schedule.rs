//! When `snmp-ups` walks its rows, as NUT 2.8.0's `upsdrv_updateinfo` and `snmp_ups_walk`
//! decide it:
//!
//! * a walk happens only when more than `pollfreq` seconds have passed since the last one
//!   ended (`time(NULL) > lastpoll + pollfreq`); the first poll always walks. In between, the
//!   published data stays as it was;
//! * `SU_FLAG_SEMI_STATIC` rows are read when a countdown, started at `semistaticfreq` and
//!   lowered by each walk, reaches 0; it then starts again at `semistaticfreq` on the next
//!   walk. So with the default 10 they are read on walks 10, 21, 32, … (every
//!   `semistaticfreq + 1` walks, as 2.8.0 does);
//! * static rows are read once, at start-up (not this module's business).

use std::time::Duration;

use tokio::time::Instant;

/// NUT's `DEFAULT_POLLFREQ`.
pub const DEFAULT_POLLFREQ: Duration = Duration::from_secs(30);
/// NUT's `DEFAULT_SEMISTATICFREQ`.
pub const DEFAULT_SEMISTATICFREQ: i64 = 10;

/// The walk schedule of one driver.
#[derive(Debug, Clone)]
pub struct Schedule {
    pollfreq: Duration,
    semistaticfreq: i64,
    countdown: i64,
    last_walk: Option<Instant>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::new(DEFAULT_POLLFREQ, DEFAULT_SEMISTATICFREQ)
    }
}

impl Schedule {
    /// A schedule walking every `pollfreq` and reading semi-static rows every
    /// `semistaticfreq` walks (values below 1 mean the default, as in NUT).
    pub fn new(pollfreq: Duration, semistaticfreq: i64) -> Self {
        let semistaticfreq = if semistaticfreq < 1 {
            DEFAULT_SEMISTATICFREQ
        } else {
            semistaticfreq
        };
        Schedule {
            pollfreq,
            semistaticfreq,
            countdown: semistaticfreq,
            last_walk: None,
        }
    }

    /// Whether a poll at `now` walks the rows.
    pub fn due(&self, now: Instant) -> bool {
        self.last_walk
            .is_none_or(|last| now.saturating_duration_since(last) > self.pollfreq)
    }

    /// Starts a walk; returns whether it reads the semi-static rows.
    pub fn begin_walk(&mut self) -> bool {
        self.countdown -= 1;
        if self.countdown < 0 {
            self.countdown = self.semistaticfreq;
        }
        self.countdown == 0
    }

    /// A walk ended at `now`.
    pub fn walked(&mut self, now: Instant) {
        self.last_walk = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semi_static_rows_come_every_freq_plus_one_walks_like_nut() {
        let mut s = Schedule::new(DEFAULT_POLLFREQ, 3);
        let reads: Vec<bool> = (0..9).map(|_| s.begin_walk()).collect();
        // countdown 3 → 2, 1, 0 (read), -1 → 3, 2, 1, 0 (read), …
        assert_eq!(
            reads,
            [false, false, true, false, false, false, true, false, false]
        );
        assert_eq!(Schedule::new(DEFAULT_POLLFREQ, 0).semistaticfreq, 10);
    }

    #[tokio::test(start_paused = true)]
    async fn walks_only_after_more_than_pollfreq() {
        let mut s = Schedule::new(Duration::from_secs(30), 10);
        let start = Instant::now();
        assert!(s.due(start), "the first poll walks");
        s.walked(start);
        tokio::time::advance(Duration::from_secs(30)).await;
        assert!(!s.due(Instant::now()), "exactly pollfreq later: not yet");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(s.due(Instant::now()));
    }
}
