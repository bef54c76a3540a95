//! `upssched.conf`: not yet written.
