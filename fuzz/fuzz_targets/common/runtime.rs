//! The one tokio runtime a driver fuzz target runs its driver on: current-thread, with time
//! paused, so the drivers' timeouts and retry delays pass at once.

use std::sync::{Mutex, OnceLock};

/// The runtime, made on first use.
pub fn runtime() -> &'static Mutex<tokio::runtime::Runtime> {
    static RT: OnceLock<Mutex<tokio::runtime::Runtime>> = OnceLock::new();
    RT.get_or_init(|| {
        Mutex::new(
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .expect("a tokio runtime"),
        )
    })
}
