//! ups.conf tests.

use super::*;

const SAMPLE: &str = r#"# every core directive of NUT 2.8
chroot = /var/empty
driverpath = /lib/nut
statepath = /run/nut
maxstartdelay = 75
maxretry = 3
retrydelay = 5
nowait
pollinterval = 2
synchronous = auto
user = nut
group = nut
debug_min = 1
LIBUSB_DEBUG = 0
reconnect_max_tries = -1
reconnect_report_freq = 10

[myups]
    driver = usbhid-ups
    port = auto
    desc = "Server room \"A\""
    sdorder = 1
    sdcommands = shutdown.return,load.off
    allow_killpower
    nolock
    ignorelb
    pollonly
    maxstartdelay = 120
    pollinterval = 5
    synchronous = no
    override.battery.charge.low = 30
    default.battery.runtime.low = 180
    vendorid = 051D
    productid = 0002
    vendor = "American Power Conversion"
    product = "Back-UPS"
    serial = 3B1234X56789
    bus = 001
    device = 002
    busport = 1-1.2
    usb_set_altinterface = 0
    usb_config_index = 0
    usb_hid_rep_index = 0
    usb_hid_desc_index = 0
    usb_hid_ep_in = 1
    usb_hid_ep_out = 2
    offdelay = 20

[dummy]
    driver = dummy-ups
    port = evolution500.seq
    mode = dummy-loop
"#;

#[test]
fn sample_with_every_directive_parses_cleanly() {
    let parsed = parse(SAMPLE.as_bytes(), "ups.conf");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let conf = parsed.config;
    assert_eq!(conf.globals.len(), 15);
    assert_eq!(conf.statepath(), Some("/run/nut"));
    let ups = conf.section("myups").expect("myups");
    assert_eq!(ups.desc(), Some("Server room \"A\""));
    assert_eq!(ups.sdorder(), Some(1));
    assert!(ups.flag("nolock") && ups.flag("ignorelb") && ups.flag("allow_killpower"));
    assert_eq!(
        ups.overrides().collect::<Vec<_>>(),
        [("battery.charge.low", "30")]
    );
    assert_eq!(
        ups.defaults().collect::<Vec<_>>(),
        [("battery.runtime.low", "180")]
    );
    assert_eq!(
        ups.get("offdelay"),
        Some("20"),
        "driver-specific keys are kept"
    );
    assert_eq!(ups.get("pollinterval"), Some("5"));
    assert_eq!(
        conf.sections[1].socket_name().as_deref(),
        Some("dummy-ups-dummy")
    );
}

#[test]
fn statepath_precedence() {
    assert_eq!(resolve_statepath(Some("/e"), Some("/u"), Some("/d")), "/e");
    assert_eq!(resolve_statepath(None, Some("/u"), Some("/d")), "/u");
    assert_eq!(resolve_statepath(Some(""), None, Some("/d")), "/d");
    assert_eq!(resolve_statepath(None, None, None), "/run/nut");
}

#[test]
fn quirk_extra_words_are_dropped_with_a_warning() {
    let parsed = parse(
        b"[u]\ndriver = dummy-ups\nport = a.dev\ndesc = Two words\n",
        "ups.conf",
    );
    assert_eq!(parsed.config.sections[0].desc(), Some("Two"));
    let w: Vec<_> = parsed.warnings().collect();
    assert_eq!((w.len(), w[0].line, w[0].word.as_str()), (1, 4, "words"));
}

#[test]
fn lines_nut_ignores_silently_are_warned_about() {
    let parsed = parse(b"[u]\ndriver = x\nport = y\ndriver x\na b c\n", "ups.conf");
    assert_eq!(parsed.warnings().count(), 2);
    assert_eq!(parsed.config.sections[0].driver(), Some("x"));
}

#[test]
fn sections_without_driver_or_port_are_warned_about() {
    let parsed = parse(b"[a]\nport = x\n[b]\ndriver = y\n", "ups.conf");
    let w: Vec<_> = parsed
        .warnings()
        .map(|d| (d.line, d.word.clone()))
        .collect();
    assert_eq!(w, [(1, "a".into()), (3, "b".into())]);
}

#[test]
fn errors_are_all_reported_and_the_rest_parses() {
    let text = b"maxretry = lots\n[default]\ndriver = x\n[u]\ndriver = d\nport = p\npollinterval = fast\nsynchronous = sometimes\n[u]\ndriver = other\n[v]\ndriver = d\nport = q\n";
    let parsed = parse(text, "ups.conf");
    let errors: Vec<_> = parsed.errors().map(|d| (d.line, d.word.clone())).collect();
    assert_eq!(
        errors,
        [
            (1, "lots".into()),
            (2, "[default]".into()),
            (7, "fast".into()),
            (8, "sometimes".into()),
            (9, "[u]".into())
        ]
    );
    let names: Vec<_> = parsed
        .config
        .sections
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["u", "v"]);
    assert_eq!(parsed.config.sections[0].driver(), Some("d"));
}

#[test]
fn crlf_and_continuation_work() {
    let parsed = parse(b"[u]\r\ndriver = dummy-\\\nups\r\nport = x\r\n", "ups.conf");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(parsed.config.sections[0].driver(), Some("dummy-ups"));
}

#[test]
fn debian_shipped_sample_parses() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/ups.conf.debian");
    let text = std::fs::read(path).expect("fixture");
    let parsed = parse(&text, "ups.conf.debian");
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
}
