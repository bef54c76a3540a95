//! `upsd --embed-drivers`: dummy-ups UPSes of ups.conf run inside upsd, no driver process; the
//! real `upsc` reads them like socket-fed ones, and an edited `.dev` file is read again.

use std::net::SocketAddr;

use nut_protocol::upsd::{Upsd, setup};
use nut_tests::realnut::{Sandbox, free_port, wait_for_port, wait_until};

#[test]
fn embedded_dummy_driver_is_served_without_a_driver_process() {
    let dir = nut_tests::fixtures_dir().join("dev");
    let sandbox = Sandbox::new("embedded");
    sandbox.configure_devices(&[("a".to_string(), dir.join("minimal.dev"))]);
    let port = free_port();
    let state = sandbox.state();
    let etc = sandbox.etc();
    let mut config = setup::load(&etc, state.to_str(), None, 9).expect("config");
    config.listen = vec![SocketAddr::from(([127, 0, 0, 1], port))];
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let embedded = nut_drivers::embed::embed_drivers(&mut config, &etc).expect("embed");
            assert_eq!(embedded, 1);
            let upsd = Upsd::new(config.state);
            for (ups, source) in config.drivers {
                upsd.spawn_driver(ups, source);
            }
            let _ = upsd.serve(&config.listen).await;
        });
    });
    wait_for_port(port);
    assert!(
        !state.join("dummy-ups-a").exists(),
        "no driver socket is used"
    );
    let target = format!("a@127.0.0.1:{port}");
    wait_until(
        || sandbox.client("upsc", &[&target, "battery.charge"]).stdout == b"80\n",
        "the embedded driver's data",
    );
    let all = sandbox.client("upsc", &[&target]);
    let text = String::from_utf8_lossy(&all.stdout);
    assert!(
        text.contains("ups.status: OL\n") && text.contains("driver.name: dummy-ups\n"),
        "{text}"
    );

    // dummy-once: a changed .dev file is read again.
    sandbox.write(
        "minimal.dev",
        "battery.charge: 42\nups.status: OB DISCHRG\n",
    );
    wait_until(
        || sandbox.client("upsc", &[&target, "ups.status"]).stdout == b"OB DISCHRG\n",
        "the edited device file",
    );
    assert_eq!(
        sandbox.client("upsc", &[&target, "battery.charge"]).stdout,
        b"42\n"
    );
}
