//! `nut.conf`: not yet written.
