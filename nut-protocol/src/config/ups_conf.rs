//! `ups.conf`: not yet written.
