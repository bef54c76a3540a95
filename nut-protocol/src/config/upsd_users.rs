//! `upsd.users`: not yet written.
