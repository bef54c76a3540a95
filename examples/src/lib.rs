//! Thin reference binaries under NUT's names (`upsd`, `upsmon`, `upssched`, `upsc`, `upsrw`,
//! `upscmd`, `upslog`, `upsdrvctl`, drivers). A binary parses flags and config, wires library
//! pieces and runs; it holds no logic a library user would need.
//!
//! Status: no binaries yet; `upsd` comes with the upsd issue.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
