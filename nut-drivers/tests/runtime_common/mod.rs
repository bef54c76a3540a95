//! Helpers shared by driver tests that run a family under the driver runtime.

use std::time::Duration;

use nut_core::{StateChange, StateTree};
use nut_drivers::runtime::{DriverLink, Output};
use nut_protocol::sock::DriverMessage;

/// Mirrors the runtime's broadcasts into `tree` until `done` holds (30 s at most).
#[allow(dead_code)] // not every test binary that includes this module uses each helper
pub async fn until(
    link: &mut DriverLink,
    what: &str,
    tree: &mut StateTree,
    done: &dyn Fn(&StateTree) -> bool,
) {
    statuses_until(link, what, tree, Duration::from_secs(30), done).await;
}

/// Mirrors the runtime's broadcasts into `tree` until `done` holds, waiting `within` at most
/// (virtual time in paused-time tests); returns every `ups.status` published meanwhile.
#[allow(dead_code)] // not every test binary that includes this module uses each helper
pub async fn statuses_until(
    link: &mut DriverLink,
    what: &str,
    tree: &mut StateTree,
    within: Duration,
    done: &dyn Fn(&StateTree) -> bool,
) -> Vec<String> {
    let mut statuses = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while !done(tree) {
        let output = tokio::time::timeout_at(deadline, link.output.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
            .expect("driver running");
        if let Output::Broadcast(DriverMessage::Change(change)) = output {
            if let StateChange::SetInfo { name, value } = &change
                && name == "ups.status"
            {
                statuses.push(value.clone());
            }
            tree.apply(&change);
        }
    }
    statuses
}
