//! `upsd.conf`: not yet written.
