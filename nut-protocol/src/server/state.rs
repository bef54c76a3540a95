//! The server's state: UPS entries mirrored from drivers, logins, TRACKING results.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use nut_core::{StateChange, StateTree};

use crate::config::upsd_users::Users;
use crate::net::{TrackingId, TrackingStatus, UPSD_2_8_0_VERSION_TEXT};
use crate::sock::{DriverMessage, ServerMessage};

/// Settings of the server that sessions need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Answer to `VER` and value of `server.info`.
    pub version_text: String,
    /// Value of `server.version`.
    pub version: String,
    /// `MAXAGE`: driver silence tolerated before data is stale.
    pub maxage: Duration,
    /// `TRACKINGDELAY`: how long TRACKING results are kept.
    pub tracking_delay: Duration,
    /// True when a certificate is configured, so `STARTTLS` can be accepted.
    pub tls_available: bool,
    /// Descriptions from `$DATAPATH/cmdvartab`; `None` uses the built-in table.
    pub descriptions: Option<super::Descriptions>,
}

impl ServerSettings {
    /// The description of a variable for `GET DESC`.
    pub fn var_description(&self, name: &str) -> Option<&str> {
        match &self.descriptions {
            Some(table) => table.var(name),
            None => nut_core::names::var_description(name),
        }
    }

    /// The description of a command for `GET CMDDESC`.
    pub fn cmd_description(&self, name: &str) -> Option<&str> {
        match &self.descriptions {
            Some(table) => table.cmd(name),
            None => nut_core::names::cmd_description(name),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            version_text: String::from(UPSD_2_8_0_VERSION_TEXT),
            version: String::from("2.8.0"),
            maxage: Duration::from_secs(15),
            tracking_delay: Duration::from_secs(3600),
            tls_available: false,
            descriptions: None,
        }
    }
}

/// One UPS of `ups.conf` as upsd sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsEntry {
    /// The section name.
    pub name: String,
    /// `desc = …`, if given.
    pub desc: Option<String>,
    /// The mirror of the driver's tree (empty while disconnected).
    pub tree: StateTree,
    /// True while the driver socket is connected.
    pub connected: bool,
    /// True when the data must not be served (`ERR DATA-STALE`).
    pub stale: bool,
    /// The FSD latch: `ups.status` reads `FSD …` while set.
    pub fsd: bool,
    /// True once the driver finished its first dump since connecting.
    pub dump_done: bool,
    /// True after a reload removed the UPS from `ups.conf`: it is no longer served.
    pub retired: bool,
    /// What feeds it (e.g. the driver socket name); a reload that changes it reconnects.
    pub identity: String,
    last_heard: Duration,
    last_ping: Duration,
}

impl UpsEntry {
    /// A UPS whose driver has not connected yet (stale until it does).
    pub fn new(name: &str, desc: Option<&str>) -> Self {
        UpsEntry {
            name: String::from(name),
            desc: desc.map(String::from),
            tree: StateTree::new(),
            connected: false,
            stale: true,
            fsd: false,
            dump_done: false,
            retired: false,
            identity: String::new(),
            last_heard: Duration::ZERO,
            last_ping: Duration::ZERO,
        }
    }
}

/// What a reload changed, by UPS index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reload {
    /// New UPSes: start their drivers.
    pub added: Vec<usize>,
    /// UPSes no longer configured: stop their drivers.
    pub retired: Vec<usize>,
    /// UPSes whose driver changed: reconnect them.
    pub restart: Vec<usize>,
}

/// A login of a session to a UPS (`LOGIN`), for `NUMLOGINS` and `LIST CLIENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Login {
    session: u64,
    ups: usize,
    address: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct TrackingEntry {
    id: TrackingId,
    status: TrackingStatus,
    created: Duration,
}

/// Everything upsd knows, shared by all sessions.
#[derive(Debug, Clone)]
pub struct ServerState {
    /// Settings.
    pub settings: ServerSettings,
    /// The users of `upsd.users`.
    pub users: Users,
    upses: Vec<UpsEntry>,
    logins: Vec<Login>,
    tracking: Vec<TrackingEntry>,
    next_session: u64,
    random_state: u64,
}

impl ServerState {
    /// A server for these UPSes (in `ups.conf` order) and users. `seed` seeds the TRACKING id
    /// generator (give it something unpredictable, e.g. from the OS).
    pub fn new(settings: ServerSettings, upses: Vec<UpsEntry>, users: Users, seed: u64) -> Self {
        ServerState {
            settings,
            users,
            upses,
            logins: Vec::new(),
            tracking: Vec::new(),
            next_session: 1,
            random_state: seed,
        }
    }

    /// Every UPS entry ever configured, in `ups.conf` order (retired ones included, so that
    /// indexes stay valid across reloads).
    pub fn upses(&self) -> &[UpsEntry] {
        &self.upses
    }

    /// The served UPSes with their indexes.
    pub fn active_upses(&self) -> impl Iterator<Item = (usize, &UpsEntry)> {
        self.upses.iter().enumerate().filter(|(_, u)| !u.retired)
    }

    /// The index of a served UPS by name (case-insensitive, as upsd).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.upses
            .iter()
            .position(|u| !u.retired && u.name.eq_ignore_ascii_case(name))
    }

    /// Applies a re-read `ups.conf` and `upsd.users` (upsd's SIGHUP, NUT-REFERENCE §4.6):
    /// users are replaced; a known UPS keeps its data and takes the new description; a new
    /// one is added; one no longer configured is retired and its logins dropped. `wanted`
    /// holds (name, description, driver identity); an entry whose identity changed is
    /// reported in `restart` so the caller reconnects it.
    pub fn reload(&mut self, users: Users, wanted: &[(String, Option<String>, String)]) -> Reload {
        self.users = users;
        let mut plan = Reload::default();
        for (index, entry) in self.upses.iter_mut().enumerate() {
            if entry.retired {
                continue;
            }
            match wanted.iter().find(|(name, _, _)| *name == entry.name) {
                Some((_, desc, identity)) => {
                    entry.desc = desc.clone();
                    if *identity != entry.identity {
                        entry.identity = identity.clone();
                        plan.restart.push(index);
                    }
                }
                None => {
                    entry.retired = true;
                    entry.tree.clear();
                    entry.connected = false;
                    plan.retired.push(index);
                }
            }
        }
        self.logins.retain(|l| !plan.retired.contains(&l.ups));
        for (name, desc, identity) in wanted {
            if self.find(name).is_none() {
                let mut entry = UpsEntry::new(name, desc.as_deref());
                entry.identity = identity.clone();
                plan.added.push(self.add_ups(entry));
            }
        }
        plan
    }

    /// A UPS by index.
    pub fn ups(&self, index: usize) -> Option<&UpsEntry> {
        self.upses.get(index)
    }

    pub(crate) fn ups_mut(&mut self, index: usize) -> Option<&mut UpsEntry> {
        self.upses.get_mut(index)
    }

    /// Adds a UPS (a reload found a new section).
    pub fn add_ups(&mut self, entry: UpsEntry) -> usize {
        self.upses.push(entry);
        self.upses.len() - 1
    }

    /// A new session id for a connection.
    pub(crate) fn new_session_id(&mut self) -> u64 {
        let id = self.next_session;
        self.next_session += 1;
        id
    }

    pub(crate) fn login(&mut self, session: u64, ups: usize, address: &str) {
        self.logins.push(Login {
            session,
            ups,
            address: String::from(address),
        });
    }

    /// Forgets a closed session's login (`NUMLOGINS` drops).
    pub fn session_closed(&mut self, session: u64) {
        self.logins.retain(|l| l.session != session);
    }

    /// `GET NUMLOGINS`.
    pub fn numlogins(&self, ups: usize) -> u32 {
        let n = self.logins.iter().filter(|l| l.ups == ups).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Addresses of the sessions logged into a UPS (`LIST CLIENT`).
    pub fn clients(&self, ups: usize) -> impl Iterator<Item = &str> {
        self.logins
            .iter()
            .filter(move |l| l.ups == ups)
            .map(|l| l.address.as_str())
    }

    /// A fresh TRACKING id, recorded as PENDING.
    pub(crate) fn new_tracking(&mut self, now: Duration) -> TrackingId {
        let mut bytes = [0u8; 16];
        for chunk in bytes.chunks_mut(8) {
            let word = self.next_random().to_le_bytes();
            chunk.copy_from_slice(word.get(..chunk.len()).unwrap_or(&[]));
        }
        let id = TrackingId::from_random_bytes(bytes);
        self.tracking.push(TrackingEntry {
            id,
            status: TrackingStatus::Pending,
            created: now,
        });
        id
    }

    /// The result of a tracked command, if the id is known and not expired.
    pub fn tracking_status(&self, id: &TrackingId) -> Option<TrackingStatus> {
        self.tracking.iter().find(|t| t.id == *id).map(|t| t.status)
    }

    fn next_random(&mut self) -> u64 {
        // splitmix64: fast and well spread; ids only need to be unique and unguessable enough
        // not to collide, like upsd's.
        self.random_state = self.random_state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.random_state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The driver socket of a UPS connected: the mirror starts empty with `ups.status`
    /// `WAIT`; the caller sends `DUMPALL` (returned).
    pub fn driver_connected(&mut self, ups: usize, now: Duration) -> ServerMessage {
        if let Some(entry) = self.upses.get_mut(ups) {
            entry.tree.clear();
            entry.tree.apply(&StateChange::SetInfo {
                name: String::from("ups.status"),
                value: String::from("WAIT"),
            });
            entry.connected = true;
            entry.stale = false;
            entry.dump_done = false;
            entry.last_heard = now;
            entry.last_ping = now;
        }
        ServerMessage::DumpAll
    }

    /// The driver socket of a UPS closed: its mirror is dropped (never merged on reconnect).
    pub fn driver_disconnected(&mut self, ups: usize) {
        if let Some(entry) = self.upses.get_mut(ups) {
            entry.tree.clear();
            entry.connected = false;
            entry.stale = true;
            entry.dump_done = false;
        }
    }

    /// A message from a UPS's driver.
    pub fn driver_message(&mut self, ups: usize, message: &DriverMessage, now: Duration) {
        if let DriverMessage::Tracking { id, result } = message
            && let (Ok(id), Some(status)) = (TrackingId::parse(id), result.status())
            && let Some(entry) = self.tracking.iter_mut().find(|t| t.id == id)
        {
            entry.status = status;
        }
        let Some(entry) = self.upses.get_mut(ups) else {
            return;
        };
        entry.last_heard = now;
        match message {
            DriverMessage::Change(change) => {
                entry.tree.apply(change);
            }
            DriverMessage::DumpDone => entry.dump_done = true,
            DriverMessage::Pong
            | DriverMessage::Tracking { .. }
            | DriverMessage::Pid(_)
            | DriverMessage::Goodbye => {}
        }
        entry.stale = is_dead(entry, now, self.settings.maxage);
    }

    /// Housekeeping at `now`: expires TRACKING results, updates staleness, and returns the
    /// `PING`s to send to quiet drivers (upsd pings after MAXAGE/3 of silence).
    pub fn tick(&mut self, now: Duration) -> Vec<(usize, ServerMessage)> {
        let delay = self.settings.tracking_delay;
        self.tracking
            .retain(|t| now.saturating_sub(t.created) <= delay);
        let maxage = self.settings.maxage;
        let third = maxage / 3;
        let mut pings = Vec::new();
        for (index, entry) in self.upses.iter_mut().enumerate() {
            if entry.connected
                && now.saturating_sub(entry.last_heard) > third
                && now.saturating_sub(entry.last_ping) > third
            {
                entry.last_ping = now;
                pings.push((index, ServerMessage::Ping));
            }
            entry.stale = is_dead(entry, now, maxage);
        }
        pings
    }
}

/// upsd's `sstate_dead`: not connected, silent for more than MAXAGE + 1 s, or stale by the
/// driver's own word after its dump.
fn is_dead(entry: &UpsEntry, now: Duration, maxage: Duration) -> bool {
    !entry.connected
        || now.saturating_sub(entry.last_heard) > maxage + Duration::from_secs(1)
        || (entry.dump_done && !entry.tree.data_ok())
}
