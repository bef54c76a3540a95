//! Keep-alive in simulated time against our upsd (which drops clients silent for 60 s): a
//! client with keep-alive is still connected after ten quiet minutes; one without is not.

use std::time::Duration;

use nut_client::{Client, ClientError, Options};
use nut_protocol::server::{ServerSettings, ServerState, UpsEntry};
use nut_protocol::upsd::Upsd;

async fn upsd() -> u16 {
    let state = ServerState::new(
        ServerSettings::default(),
        vec![UpsEntry::new("ups", Some("keep-alive test"))],
        Default::default(),
        7,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let upsd = Upsd::new(state);
    tokio::spawn(async move { upsd.serve_listeners(vec![listener]).await });
    port
}

#[tokio::test(start_paused = true)]
async fn keep_alive_outlasts_the_idle_timeout_and_its_absence_does_not() {
    let port = upsd().await;
    let kept = Options::default().keepalive(Some(Duration::from_secs(30)));
    let mut with = Client::connect("127.0.0.1", port, kept)
        .await
        .expect("connect");
    let mut without = Client::connect("127.0.0.1", port, Options::default())
        .await
        .expect("connect");
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(with.list_ups().await.expect("still connected").len(), 1);
    let dropped = without.list_ups().await;
    assert!(
        matches!(dropped, Err(ClientError::Closed | ClientError::Io(_))),
        "{dropped:?}"
    );
}

/// The blocking face's keep-alive thread speaks up while the caller is silent: a server
/// counting what it receives sees `NETVER`s arrive without a single call.
#[test]
fn the_blocking_keep_alive_thread_sends_netver_while_the_caller_is_silent() {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let netvers = Arc::new(AtomicUsize::new(0));
    let counted = netvers.clone();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut writer = stream.try_clone().expect("clone");
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            assert_eq!(line, "NETVER", "only keep-alives are sent");
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = writer.write_all(b"1.3\n");
        }
    });
    let options = Options::default().keepalive(Some(Duration::from_millis(100)));
    let connection =
        nut_client::blocking::Connection::connect("127.0.0.1", port, options).expect("connect");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while netvers.load(Ordering::SeqCst) < 3 {
        assert!(std::time::Instant::now() < deadline, "no keep-alive seen");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(connection);
}

/// A logged-in client's `Debug` (with the session it would replay) never shows the password.
#[tokio::test]
async fn credentials_never_appear_in_debug_output() {
    let port = upsd().await;
    let mut client = Client::connect("127.0.0.1", port, Options::long_lived())
        .await
        .expect("connect");
    // upsd accepts USERNAME/PASSWORD before checking them against upsd.users.
    client
        .authenticate("monuser", "s3cret-pass")
        .await
        .expect("authenticate");
    let shown = format!("{client:?}");
    assert!(shown.contains("monuser"), "{shown}");
    assert!(!shown.contains("s3cret-pass"), "{shown}");
}
