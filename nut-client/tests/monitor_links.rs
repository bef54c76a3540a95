//! The monitor's upsd connections: a server that answers garbage is a loss of
//! communications (COMMBAD), never a status.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use nut_client::monitor::cycle::Servers;
use nut_client::monitor::links::UpsdLinks;
use nut_client::monitor::{Monitor, Output, Reading};
use nut_protocol::config::upsmon_conf;

/// A server that answers every line with `reply`.
fn answering(reply: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().expect("clone");
                for _ in BufReader::new(stream).lines().map_while(Result::ok) {
                    if writer.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn garbage_from_the_server_is_a_loss_of_communications() {
    for reply in [
        "OL\n",
        "VAR ups ups.status\n",
        "BEGIN LIST VAR ups\n",
        "\u{1}\u{2}\n",
    ] {
        let port = answering(reply);
        let text = format!("MONITOR ups@127.0.0.1:{port} 1 mon pass primary\n");
        let conf = upsmon_conf::parse(text.as_bytes(), "upsmon.conf")
            .into_result()
            .expect("conf");
        let mut links = UpsdLinks::new(&conf).expect("links");
        assert_eq!(links.poll(0), Reading::Lost, "{reply:?}");
        assert!(!links.take_log().is_empty(), "the failure is logged");
        let mut monitor = Monitor::new(&conf).expect("monitor");
        let out = monitor.reading(0, Duration::ZERO, links.poll(0));
        assert!(
            matches!(&out[..], [Output::Notify(n)] if n.kind.name() == "COMMBAD"),
            "{reply:?}: {out:?}"
        );
    }
}
