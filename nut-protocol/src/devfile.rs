//! dummy-ups `.dev`/`.seq` files: not yet written.
