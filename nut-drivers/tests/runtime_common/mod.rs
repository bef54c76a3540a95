//! Helpers shared by driver tests that run a family under the driver runtime.

use std::time::Duration;

use nut_core::StateTree;
use nut_drivers::runtime::{DriverLink, Output};
use nut_protocol::sock::DriverMessage;

/// Mirrors the runtime's broadcasts into `tree` until `done` holds.
pub async fn until(
    link: &mut DriverLink,
    what: &str,
    tree: &mut StateTree,
    done: &dyn Fn(&StateTree) -> bool,
) {
    while !done(tree) {
        let output = tokio::time::timeout(Duration::from_secs(30), link.output.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
            .expect("driver running");
        if let Output::Broadcast(DriverMessage::Change(change)) = output {
            tree.apply(&change);
        }
    }
}
