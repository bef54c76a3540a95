//! `upsd --embed-drivers`: dummy-ups UPSes of ups.conf run inside upsd, no driver process; the
//! real `upsc` reads them like socket-fed ones, and an edited `.dev` file is read again.

use nut_tests::realnut::{Sandbox, free_port, wait_until};

#[test]
fn embedded_dummy_driver_is_served_without_a_driver_process() {
    let dir = nut_tests::fixtures_dir().join("dev");
    let sandbox = Sandbox::new("embedded");
    sandbox.configure_devices(&[("a".to_string(), dir.join("minimal.dev"))]);
    let port = free_port();
    let state = sandbox.state();
    let etc = sandbox.etc();
    nut_tests::realnut::start_our_upsd(&sandbox, port, move |config| {
        let embedded = nut_drivers::embed::embed_drivers(config, &etc).expect("embed");
        assert_eq!(embedded, 1);
    });
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
