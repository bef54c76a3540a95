//! What every config fuzz target checks: diagnostics name the fuzzed file and a line that
//! exists, and turning the result into a config never panics.

use nut_protocol::config::Parsed;

/// Checks a parse of `data` made with the file name `"fuzz"`.
pub fn check<T>(data: &[u8], parsed: Parsed<T>) {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for diagnostic in &parsed.diagnostics {
        assert_eq!(diagnostic.file, "fuzz");
        assert!(
            diagnostic.line >= 1 && diagnostic.line <= lines,
            "{diagnostic}"
        );
    }
    let _ = parsed.into_result();
}
