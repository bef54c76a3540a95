//! Unit tests for the network protocol types; one test per quirk of the real upsd 2.8.0, named
//! after it (each was checked against the real upsd).

mod codes;
mod requests;
mod responses;
