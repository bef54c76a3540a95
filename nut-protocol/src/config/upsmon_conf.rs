//! `upsmon.conf`: not yet written.
