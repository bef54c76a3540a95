//! upsmon's logic as a state machine without I/O: readings and `now` in; notifications,
//! FSD requests, NUMLOGINS questions and the power-off decision out. Time is a
//! [`Duration`] since any fixed start, so every scenario runs in simulated time.
//!
//! [`cycle::step`] drives a [`Monitor`] against anything that can answer for the UPSes (the
//! `upsmon` binary's upsd connections, or a simulation).
//!
//! ```
//! use std::time::Duration;
//! use nut_client::monitor::{Monitor, Output, Reading};
//! use nut_protocol::config::upsmon_conf;
//!
//! let conf = upsmon_conf::parse(b"MONITOR ups@localhost 1 mon pass primary\n", "upsmon.conf")
//!     .into_result()
//!     .unwrap();
//! let mut monitor = Monitor::new(&conf).unwrap();
//! let t = Duration::from_secs;
//! monitor.reading(0, t(0), Reading::status("OL"));
//! let out = monitor.reading(0, t(5), Reading::status("OB"));
//! assert!(matches!(&out[..], [Output::Notify(n)] if n.message == "UPS ups@localhost on battery"));
//! monitor.reading(0, t(10), Reading::status("OB LB"));
//! // On battery with a low battery, the primary raises FSD first.
//! assert_eq!(monitor.evaluate(t(10)), [Output::SendFsd { ups: 0 }]);
//! ```

pub mod cycle;
pub mod deliver;
pub mod links;
mod tracker;

use std::time::Duration;

use nut_protocol::config::upsmon_conf::{NotifyFlags, NotifyType, Role, UpsmonConf};

use tracker::Tracker;

/// How often NOPARENT is repeated while the privileged parent is gone.
pub const NOPARENT_REPEAT: Duration = Duration::from_secs(120);
/// How often secondaries are counted while the primary waits for them.
pub const HOSTSYNC_POLL: Duration = Duration::from_millis(250);
/// What POWERDOWNFLAG holds (NUT's magic content, checked by `upsmon -K`).
pub const POWERDOWNFLAG_CONTENT: &str = "upsmon-shutdown-file\n";

/// The timing settings of `upsmon.conf`, as durations.
#[derive(Debug, Clone)]
pub struct Settings {
    /// POLLFREQ.
    pub poll_freq: Duration,
    /// POLLFREQALERT.
    pub poll_freq_alert: Duration,
    /// DEADTIME.
    pub deadtime: Duration,
    /// HOSTSYNC.
    pub hostsync: Duration,
    /// FINALDELAY.
    pub final_delay: Duration,
    /// RBWARNTIME.
    pub rb_warn_time: Duration,
    /// NOCOMMWARNTIME.
    pub nocomm_warn_time: Duration,
    /// OFFDURATION in seconds (negative: OFF never counts).
    pub off_duration: i64,
    /// OVERDURATION in seconds (negative: OVER never becomes critical).
    pub over_duration: i64,
    /// OBLBDURATION (zero: act on OB+LB at once).
    pub oblb_duration: Duration,
    /// ALARMCRITICAL.
    pub alarm_critical: bool,
    /// MINSUPPLIES.
    pub min_supplies: u64,
}

impl Settings {
    /// The settings of a parsed `upsmon.conf`.
    pub fn from_conf(conf: &UpsmonConf) -> Settings {
        let secs = |s: u32| Duration::from_secs(u64::from(s));
        Settings {
            poll_freq: secs(conf.poll_freq.max(1)),
            poll_freq_alert: secs(conf.poll_freq_alert.max(1)),
            deadtime: secs(conf.deadtime),
            hostsync: secs(conf.hostsync),
            final_delay: secs(conf.final_delay),
            rb_warn_time: secs(conf.rb_warn_time),
            nocomm_warn_time: secs(conf.nocomm_warn_time),
            off_duration: conf.off_duration,
            over_duration: conf.over_duration,
            oblb_duration: Duration::from_secs(u64::try_from(conf.oblb_duration).unwrap_or(0)),
            alarm_critical: conf.alarm_critical,
            min_supplies: u64::from(conf.min_supplies),
        }
    }
}

/// What one poll of a UPS found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// `ups.status` (and `ups.alarm` when the status says ALARM).
    Status {
        /// `ups.status` as upsd sent it (with its `FSD` prefix if latched).
        status: String,
        /// `ups.alarm`, if read.
        alarm: Option<String>,
        /// `ups.mode.buzzwords` (or its experimental name), if the UPS has it.
        buzzwords: Option<String>,
    },
    /// No answer: connection failed, broken, or the status could not be read.
    Lost,
}

impl Reading {
    /// A status without alarm text.
    pub fn status(status: &str) -> Reading {
        Reading::Status {
            status: status.to_string(),
            alarm: None,
            buzzwords: None,
        }
    }
}

/// A notification to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its type (`NOTIFYTYPE`).
    pub kind: NotifyType,
    /// The UPS as written in MONITOR (`UPSNAME`), if it is about one.
    pub ups: Option<String>,
    /// The message (NOTIFYMSG or the stock text, filled in).
    pub message: String,
    /// How to deliver it (NOTIFYFLAG; never IGNORE: ignored ones are not produced).
    pub flags: NotifyFlags,
}

/// Something the monitor wants done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Deliver a notification.
    Notify(Notification),
    /// Send `FSD` for this UPS (we are its primary); answer with [`Monitor::fsd_answered`].
    SendFsd {
        /// Index of the UPS (MONITOR order).
        ups: usize,
    },
    /// Ask `GET NUMLOGINS` for this UPS; answer with [`Monitor::num_logins`].
    AskNumLogins {
        /// Index of the UPS.
        ups: usize,
    },
    /// A line for the log (critical ones are also broadcast with `wall`).
    Log {
        /// Whether it is critical.
        critical: bool,
        /// The text.
        text: String,
    },
    /// Write POWERDOWNFLAG and run SHUTDOWNCMD: the machine goes down.
    PowerOff,
}

/// Where the monitor is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Watching the UPSes.
    Monitoring,
    /// Shutdown decided: FSD sent to the UPSes we are primary for, answers awaited.
    RaisingFsd {
        /// FSD answers still awaited.
        waiting: usize,
    },
    /// Waiting for the secondaries to log out (at most HOSTSYNC).
    HostSync {
        /// When the wait began.
        since: Duration,
        /// When the secondaries were last counted.
        asked: Duration,
        /// NUMLOGINS answers of this round still awaited.
        waiting: usize,
        /// The most logins counted in this round.
        most: u32,
        /// SHUTDOWN_HOSTSYNC was announced.
        announced: bool,
    },
    /// SHUTDOWN announced; power off at this time (after FINALDELAY).
    FinalDelay {
        /// When to power off.
        until: Duration,
    },
    /// PowerOff was given.
    Done,
}

/// Why a configuration cannot be monitored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    /// The power values add up to less than MINSUPPLIES.
    #[error(
        "Fatal error: total power value ({total}) less than MINSUPPLIES ({min})\nImpossible power configuation, unable to continue"
    )]
    NotEnoughPower {
        /// Sum of the power values.
        total: u64,
        /// MINSUPPLIES.
        min: u64,
    },
}

/// upsmon's state for every monitored UPS.
#[derive(Debug, Clone)]
pub struct Monitor {
    settings: Settings,
    upses: Vec<Tracker>,
    messages: Vec<(NotifyType, String, NotifyFlags)>,
    phase: Phase,
    fsd_notified: Vec<bool>,
    last_noparent: Option<Duration>,
    user_fsd: bool,
}

impl Monitor {
    /// A monitor for every MONITOR line of `conf`.
    pub fn new(conf: &UpsmonConf) -> Result<Monitor, MonitorError> {
        let settings = Settings::from_conf(conf);
        let total = conf.total_power_value();
        if total < settings.min_supplies {
            return Err(MonitorError::NotEnoughPower {
                total,
                min: settings.min_supplies,
            });
        }
        let upses: Vec<Tracker> = conf
            .monitors
            .iter()
            .map(|m| Tracker::new(&m.written, m.power_value, m.role == Role::Primary))
            .collect();
        Ok(Monitor {
            fsd_notified: vec![false; upses.len()],
            upses,
            messages: NotifyType::ALL
                .iter()
                .map(|&kind| (kind, conf.message(kind).to_string(), conf.flags(kind)))
                .collect(),
            settings,
            phase: Phase::Monitoring,
            last_noparent: None,
            user_fsd: false,
        })
    }

    /// Takes a re-read configuration (SIGHUP): UPSes still monitored keep what is known of
    /// them, others are dropped, new ones start unknown.
    pub fn reload(&mut self, conf: &UpsmonConf) -> Result<(), MonitorError> {
        let mut fresh = Monitor::new(conf)?;
        for (tracker, notified) in fresh.upses.iter_mut().zip(&mut fresh.fsd_notified) {
            if let Some(index) = self.upses.iter().position(|u| u.name == tracker.name) {
                let (power_value, primary) = (tracker.power_value, tracker.primary);
                *tracker = self.upses[index].clone();
                tracker.power_value = power_value;
                tracker.primary = primary;
                *notified = self.fsd_notified[index];
            }
        }
        fresh.phase = self.phase;
        fresh.last_noparent = self.last_noparent;
        *self = fresh;
        Ok(())
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// How many UPSes are monitored.
    pub fn len(&self) -> usize {
        self.upses.len()
    }

    /// Whether no UPS is monitored.
    pub fn is_empty(&self) -> bool {
        self.upses.is_empty()
    }

    /// Where the monitor is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether UPSes are to be polled now (not once the shutdown has begun).
    pub fn polling(&self) -> bool {
        self.phase == Phase::Monitoring
    }

    /// How long to wait before the next cycle: POLLFREQALERT while any UPS is in an alert
    /// state (on battery, OFF, BYPASS, ALARM, OVER), during an OBLBDURATION countdown the
    /// greatest common divisor of that and POLLFREQALERT, else POLLFREQ; during a shutdown,
    /// the secondaries' count interval or what is left of FINALDELAY.
    pub fn next_wakeup(&self, now: Duration) -> Duration {
        match self.phase {
            Phase::HostSync { .. } | Phase::RaisingFsd { .. } => HOSTSYNC_POLL,
            Phase::FinalDelay { until } => until.saturating_sub(now),
            Phase::Done => self.settings.poll_freq,
            Phase::Monitoring => {
                let alert = self.settings.poll_freq_alert;
                if self.upses.iter().any(|u| u.oblb_since.is_some()) {
                    gcd_secs(alert, self.settings.oblb_duration)
                } else if self.upses.iter().any(|u| u.alert(&self.settings)) {
                    alert
                } else {
                    self.settings.poll_freq
                }
            }
        }
    }

    /// Feeds one poll of UPS `ups`.
    pub fn reading(&mut self, ups: usize, now: Duration, reading: Reading) -> Vec<Output> {
        let mut events = Vec::new();
        let settings = self.settings.clone();
        let Some(tracker) = self.upses.get_mut(ups) else {
            return Vec::new();
        };
        match reading {
            Reading::Status {
                status,
                alarm,
                buzzwords,
            } => tracker.read(
                &status,
                alarm.as_deref(),
                buzzwords.as_deref(),
                now,
                &settings,
                &mut events,
            ),
            Reading::Lost => tracker.gone(now, &settings, &mut events),
        }
        let mut out = Vec::new();
        for (kind, detail) in events {
            if kind == NotifyType::Fsd && std::mem::replace(&mut self.fsd_notified[ups], true) {
                continue;
            }
            self.notify(kind, Some(ups), detail.as_deref(), &mut out);
        }
        if let Some(tracker) = self.upses.get(ups)
            && !tracker.fsd
        {
            self.fsd_notified[ups] = false;
        }
        out
    }

    /// After a round of polls (and on every wake-up during a shutdown): decides whether
    /// enough power is left, and moves the shutdown along.
    pub fn evaluate(&mut self, now: Duration) -> Vec<Output> {
        let mut out = Vec::new();
        let phase = self.phase;
        match phase {
            Phase::Monitoring if std::mem::take(&mut self.user_fsd) => {
                out.push(Output::Log {
                    critical: false,
                    text: String::from("Signal 10: User requested FSD"),
                });
                self.force_shutdown(now, &mut out);
            }
            Phase::Monitoring if self.power_left(now) < self.settings.min_supplies => {
                self.force_shutdown(now, &mut out);
            }
            Phase::HostSync {
                asked, waiting: 0, ..
            } if now.saturating_sub(asked) >= HOSTSYNC_POLL => {
                self.count_secondaries(now, &mut out)
            }
            Phase::FinalDelay { until } if now >= until => {
                self.phase = Phase::Done;
                out.push(Output::PowerOff);
            }
            _ => {}
        }
        out
    }

    /// A forced shutdown asked by the administrator (`upsmon -c fsd`): carried out by the
    /// next [`Monitor::evaluate`].
    pub fn user_fsd(&mut self) {
        self.user_fsd = true;
    }

    /// The answer to [`Output::SendFsd`]: `true` for `OK`. (No FSD notification: upsmon
    /// 2.8.0 announces FSD only when a status shows it.)
    pub fn fsd_answered(&mut self, ups: usize, accepted: bool, now: Duration) -> Vec<Output> {
        // Like upsmon 2.8.0, setting FSD is not announced; seeing it in a status is.
        let mut out = Vec::new();
        if !accepted {
            let name = self.upses.get(ups).map_or("", |u| u.name.as_str());
            out.push(Output::Log {
                critical: false,
                text: format!("FSD set on UPS {name} failed"),
            });
        }
        if let Phase::RaisingFsd { waiting } = self.phase {
            if waiting <= 1 {
                self.phase = Phase::HostSync {
                    since: now,
                    asked: now,
                    waiting: 0,
                    most: 0,
                    announced: false,
                };
                self.count_secondaries(now, &mut out);
            } else {
                self.phase = Phase::RaisingFsd {
                    waiting: waiting - 1,
                };
            }
        }
        out
    }

    /// The answer to [`Output::AskNumLogins`] (`None` if it could not be read).
    pub fn num_logins(&mut self, _ups: usize, count: Option<u32>, now: Duration) -> Vec<Output> {
        let mut out = Vec::new();
        let Phase::HostSync {
            since,
            asked,
            waiting,
            most,
            announced,
        } = self.phase
        else {
            return out;
        };
        let most = most.max(count.unwrap_or(0));
        let waiting = waiting.saturating_sub(1);
        self.phase = Phase::HostSync {
            since,
            asked,
            waiting,
            most,
            announced,
        };
        if waiting > 0 {
            return out;
        }
        if most <= 1 {
            self.do_shutdown(now, &mut out);
            return out;
        }
        if !announced {
            self.notify(NotifyType::ShutdownHostsync, None, None, &mut out);
        }
        if now.saturating_sub(since) > self.settings.hostsync {
            out.push(Output::Log {
                critical: false,
                text: String::from("Host sync timer expired, forcing shutdown"),
            });
            self.do_shutdown(now, &mut out);
            return out;
        }
        self.phase = Phase::HostSync {
            since,
            asked,
            waiting,
            most,
            announced: true,
        };
        out
    }

    /// The privileged parent is gone: NOPARENT, repeated every two minutes.
    pub fn parent_lost(&mut self, now: Duration) -> Vec<Output> {
        let mut out = Vec::new();
        let due = self
            .last_noparent
            .is_none_or(|last| now.saturating_sub(last) >= NOPARENT_REPEAT);
        if due {
            self.last_noparent = Some(now);
            self.notify(NotifyType::NoParent, None, None, &mut out);
        }
        out
    }

    /// The machine slept (or the clock jumped): readings from before are dropped, so stale
    /// ones cannot cause a shutdown. `unexpected` when the jump was only noticed.
    pub fn resumed(&mut self, now: Duration, unexpected: bool) -> Vec<Output> {
        let mut out = Vec::new();
        for tracker in &mut self.upses {
            tracker.forget_readings(now);
        }
        self.fsd_notified.iter_mut().for_each(|n| *n = false);
        let kind = if unexpected {
            NotifyType::SuspendTimejumpUnexpected
        } else {
            NotifyType::SuspendFinished
        };
        self.notify(kind, None, Some("upsmon"), &mut out);
        out
    }

    /// Healthy power: the sum of the power values of the UPSes that are not critical.
    fn power_left(&mut self, now: Duration) -> u64 {
        let settings = self.settings.clone();
        self.upses
            .iter_mut()
            .map(|ups| {
                ups.check_dead(now, &settings);
                if ups.critical(now, &settings) {
                    0
                } else {
                    u64::from(ups.power_value)
                }
            })
            .sum()
    }

    fn force_shutdown(&mut self, now: Duration, out: &mut Vec<Output>) {
        let primaries: Vec<usize> = (0..self.upses.len())
            .filter(|&i| self.upses[i].primary)
            .collect();
        if primaries.is_empty() {
            self.do_shutdown(now, out);
            return;
        }
        self.phase = Phase::RaisingFsd {
            waiting: primaries.len(),
        };
        out.extend(primaries.into_iter().map(|ups| Output::SendFsd { ups }));
    }

    /// Asks NUMLOGINS of every UPS we are primary for.
    fn count_secondaries(&mut self, now: Duration, out: &mut Vec<Output>) {
        let Phase::HostSync {
            since, announced, ..
        } = self.phase
        else {
            return;
        };
        let primaries: Vec<usize> = (0..self.upses.len())
            .filter(|&i| self.upses[i].primary)
            .collect();
        self.phase = Phase::HostSync {
            since,
            asked: now,
            waiting: primaries.len(),
            most: 0,
            announced,
        };
        out.extend(
            primaries
                .into_iter()
                .map(|ups| Output::AskNumLogins { ups }),
        );
    }

    fn do_shutdown(&mut self, now: Duration, out: &mut Vec<Output>) {
        out.push(Output::Log {
            critical: true,
            text: String::from("Executing automatic power-fail shutdown"),
        });
        self.notify(NotifyType::Shutdown, None, None, out);
        let until = now + self.settings.final_delay;
        if self.settings.final_delay.is_zero() {
            self.phase = Phase::Done;
            out.push(Output::PowerOff);
        } else {
            self.phase = Phase::FinalDelay { until };
        }
    }

    fn notify(
        &self,
        kind: NotifyType,
        ups: Option<usize>,
        detail: Option<&str>,
        out: &mut Vec<Output>,
    ) {
        let Some((_, format, flags)) = self.messages.iter().find(|(k, _, _)| *k == kind) else {
            return;
        };
        if flags.contains(NotifyFlags::IGNORE) {
            return;
        }
        let name = ups.and_then(|i| self.upses.get(i)).map(|u| u.name.clone());
        let mut values = name.iter().map(String::as_str).chain(detail);
        out.push(Output::Notify(Notification {
            kind,
            ups: name.clone(),
            message: fill(format, &mut values),
            flags: *flags,
        }));
    }
}

/// `format` with each `%s` replaced by the next value (nothing once they run out).
fn fill<'a>(format: &str, values: &mut impl Iterator<Item = &'a str>) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut rest = format;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('s') {
            out.push_str(values.next().unwrap_or(""));
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
        } else {
            out.push('%');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn gcd_secs(a: Duration, b: Duration) -> Duration {
    let (mut x, mut y) = (a.as_secs().max(1), b.as_secs().max(1));
    while y != 0 {
        (x, y) = (y, x % y);
    }
    Duration::from_secs(x)
}
