//! Unit tests for the network protocol types; one test per quirk, named after it.
