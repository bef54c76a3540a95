//! Line-level differential against the real NUT 2.8.0 `genericups`, without hardware.
//!
//! A pty has no modem lines, so the real driver runs on a socat pty with `modemshim.so`
//! preloaded (`fixtures/genericups/modemshim.c`, built here with `cc`): it emulates
//! `TIOCMGET`/`TIOCMSET`/`TIOCMBIS`/`TIOCMBIC` and `tcsendbreak`, takes the input lines from a
//! file and logs every output change. Ours runs over a recording `Serial` with the same input
//! lines. Compared, for every cable type and a set of overrides:
//! * `ups.status` for all 16 states of CTS/DCD/RNG/DSR (real: `-d 1` dump);
//! * what `identify` publishes (`ups.mfr`, `ups.model`, `ups.serial`, `device.*`);
//! * the cable-power lines raised at start, and what `-k` (kill power) does to the lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use nut_drivers::device::{DeviceError, DeviceProtocol, DriverConfig};
use nut_drivers::genericups::{BREAK_TIME, GenericUps, UPS_TYPES};
use nut_hal::{ErrorKind, LineSettings, ModemLines, Serial};
use nut_tests::build_shim;
use nut_tests::realnut::{NUT_BIN, Sandbox};
use nut_tests::socat::PtyPair;

const TIOCM_DTR: u32 = 0x002;
const TIOCM_RTS: u32 = 0x004;
const TIOCM_CTS: u32 = 0x020;
const TIOCM_CAR: u32 = 0x040;
const TIOCM_RNG: u32 = 0x080;
const TIOCM_DSR: u32 = 0x100;

fn tiocm_inputs(lines: ModemLines) -> u32 {
    [
        (ModemLines::CTS, TIOCM_CTS),
        (ModemLines::DCD, TIOCM_CAR),
        (ModemLines::RI, TIOCM_RNG),
        (ModemLines::DSR, TIOCM_DSR),
    ]
    .iter()
    .filter(|(line, _)| lines.contains(*line))
    .map(|(_, bit)| bit)
    .sum()
}

fn tiocm_outputs(dtr: bool, rts: bool) -> u32 {
    (if dtr { TIOCM_DTR } else { 0 }) | (if rts { TIOCM_RTS } else { 0 })
}

/// The real driver with the shim, on a pty.
struct Real {
    sandbox: Sandbox,
    pty: PtyPair,
    shim: PathBuf,
    dir: PathBuf,
}

/// What one run of the real driver did.
struct RealRun {
    output: Output,
    /// (what, value) of every emulated modem call, in order.
    calls: Vec<(String, i64)>,
}

impl RealRun {
    fn log(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    fn dump(&self, name: &str) -> Option<String> {
        String::from_utf8_lossy(&self.output.stdout)
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(String::from))
    }

    /// The values written with TIOCMSET, in order.
    fn sets(&self) -> Vec<i64> {
        self.calls
            .iter()
            .filter(|(what, _)| what == "TIOCMSET")
            .map(|(_, v)| *v)
            .collect()
    }
}

impl Real {
    fn new(tag: &str) -> Real {
        let program = format!("{NUT_BIN}/genericups");
        assert!(
            Path::new(&program).exists(),
            "{program} is missing: install Debian's nut-server (scripts/test.sh does)"
        );
        let sandbox = Sandbox::new(tag);
        let dir = sandbox.state().join("shim");
        std::fs::create_dir_all(&dir).unwrap();
        let shim = dir.join("modemshim.so");
        build_shim("genericups/modemshim.c", &shim, &["-ldl"]);
        Real {
            sandbox,
            pty: PtyPair::new(tag),
            shim,
            dir,
        }
    }

    /// Runs `genericups -s ups -x port=<pty> -x upstype=<n> <settings> <extra>` with input
    /// lines `inputs`.
    fn run(&self, settings: &[(&str, &str)], inputs: ModemLines, extra: &[&str]) -> RealRun {
        std::fs::write(self.dir.join("inputs"), tiocm_inputs(inputs).to_string()).unwrap();
        let log = self.dir.join("log");
        let _ = std::fs::remove_file(&log);
        let mut command = Command::new(format!("{NUT_BIN}/genericups"));
        command
            .args(["-s", "ups", "-x"])
            .arg(format!("port={}", self.pty.a_str()))
            .args(Sandbox::root_args());
        for (key, value) in settings {
            command.arg("-x").arg(format!("{key}={value}"));
        }
        let output = command
            .args(extra)
            .env("NUT_CONFPATH", self.sandbox.etc())
            .env("NUT_STATEPATH", self.sandbox.state())
            .env("NUT_ALTPIDPATH", self.sandbox.state())
            .env("LD_PRELOAD", &self.shim)
            .env("MODEMSHIM_DIR", &self.dir)
            .stdin(Stdio::null())
            .output()
            .expect("run genericups");
        let calls = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                Some((words.next()?.to_string(), words.next()?.parse().ok()?))
            })
            .collect();
        RealRun { output, calls }
    }
}

/// A port with fixed input lines that records the outputs and breaks.
#[derive(Debug, Default)]
struct Recorder {
    inputs: ModemLines,
    dtr: bool,
    rts: bool,
    breaks: Vec<Duration>,
}

impl Serial for Recorder {
    type Error = ErrorKind;

    async fn read(&mut self, _buf: &mut [u8], _timeout: Duration) -> Result<usize, ErrorKind> {
        Err(ErrorKind::Unsupported)
    }

    async fn write_all(&mut self, _data: &[u8]) -> Result<(), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }

    async fn set_line(&mut self, _settings: LineSettings) -> Result<(), ErrorKind> {
        Ok(())
    }

    async fn set_dtr(&mut self, on: bool) -> Result<(), ErrorKind> {
        self.dtr = on;
        Ok(())
    }

    async fn set_rts(&mut self, on: bool) -> Result<(), ErrorKind> {
        self.rts = on;
        Ok(())
    }

    async fn send_break(&mut self, duration: Duration) -> Result<(), ErrorKind> {
        self.breaks.push(duration);
        Ok(())
    }

    async fn modem_status(&mut self) -> Result<ModemLines, ErrorKind> {
        Ok(self.inputs)
    }
}

fn ours(settings: &[(&str, &str)]) -> GenericUps<Recorder> {
    let mut config = DriverConfig::default();
    for (key, value) in settings {
        config.push(key, Some(value));
    }
    GenericUps::from_driver_config(&config).unwrap()
}

fn all_inputs() -> impl Iterator<Item = ModemLines> {
    (0u8..16).map(ModemLines::from_bits_truncate)
}

/// Compares status, identity and cable power for all 16 input states under `settings`.
async fn compare_monitoring(real: &Real, settings: &[(&str, &str)]) {
    for inputs in all_inputs() {
        let run = real.run(settings, inputs, &["-d", "1"]);
        assert_eq!(
            run.output.status.code(),
            Some(0),
            "{settings:?}: {}",
            run.log()
        );
        let mut ups = ours(settings);
        let mut port = Recorder {
            inputs,
            ..Recorder::default()
        };
        let identity = ups.identify(&mut port).await.unwrap();
        let reading = ups.update(&mut port).await.unwrap();
        let context = format!("{settings:?}, inputs {inputs:?}");
        assert_eq!(
            run.dump("ups.status").as_deref(),
            Some(reading.status_text().as_str()),
            "{context}"
        );
        assert_eq!(
            run.sets().first().copied(),
            Some(i64::from(tiocm_outputs(port.dtr, port.rts))),
            "cable power, {context}"
        );
        for (name, value) in &identity.info.values {
            assert_eq!(run.dump(name).as_ref(), Some(value), "{name}, {context}");
        }
        for name in ["ups.serial", "device.serial"] {
            assert_eq!(
                run.dump(name).as_deref(),
                identity.info.get(name),
                "{context}"
            );
        }
    }
}

#[tokio::test]
async fn every_cable_type_reads_the_lines_as_the_real_driver() {
    let real = Real::new("gups-lines");
    for ups_type in UPS_TYPES {
        let id = ups_type.id.to_string();
        compare_monitoring(&real, &[("upstype", &id)]).await;
    }
}

#[tokio::test]
async fn overrides_act_as_in_the_real_driver() {
    let real = Real::new("gups-overrides");
    let sets: &[&[(&str, &str)]] = &[
        &[("upstype", "7"), ("OL", "-CTS")],
        &[("upstype", "7"), ("OL", "none"), ("LB", "NULL")],
        &[("upstype", "7"), ("OL", "DSR"), ("LB", "RNG")],
        &[("upstype", "7"), ("OL", "CTS+DSR")],
        &[("upstype", "7"), ("OL", "CTS,-DSR")],
        &[("upstype", "0"), ("RB", "DSR"), ("BYPASS", "-RNG")],
        &[("upstype", "23"), ("RB", "none"), ("LB", "-DCD -DSR")],
        &[("upstype", "7"), ("CP", "DTR+RTS+-RTS")],
        &[("upstype", "1"), ("CP", "none")],
        &[
            ("upstype", "4"),
            ("mfr", "Apollo"),
            ("model", "1000F"),
            ("serial", "AP-42"),
        ],
    ];
    for settings in sets {
        compare_monitoring(&real, settings).await;
    }
}

/// Compares `-k` with `kill_power` under `settings` (no sdtime).
async fn compare_kill(real: &Real, settings: &[(&str, &str)]) {
    let run = real.run(settings, ModemLines::empty(), &["-k"]);
    let mut ups = ours(settings);
    let mut port = Recorder::default();
    ups.identify(&mut port).await.unwrap();
    let result = ups.kill_power(&mut port).await;
    let log = run.log();
    let context = format!("{settings:?}: {log}");
    assert!(log.contains("Initiating UPS shutdown"), "{context}");
    match result {
        Err(DeviceError::NotSupported(_)) => {
            assert_eq!(run.output.status.code(), Some(1), "{context}");
            assert!(
                log.contains("No shutdown command defined for this model!"),
                "{context}"
            );
            assert_eq!(run.sets().len(), 1, "only cable power: {context}");
        }
        Err(other) => panic!("{other:?}"),
        Ok(()) if port.breaks.is_empty() => {
            assert_eq!(run.output.status.code(), Some(0), "{context}");
            assert_eq!(
                run.sets().last().copied(),
                Some(i64::from(tiocm_outputs(port.dtr, port.rts))),
                "{context}"
            );
            assert_eq!(run.sets().len(), 2, "{context}");
        }
        Ok(()) => {
            assert_eq!(run.output.status.code(), Some(0), "{context}");
            assert_eq!(port.breaks, [BREAK_TIME], "{context}");
            // tcsendbreak(fd, 4901): glibc on Linux rounds up to tenths, 5.0 s.
            let asked = run
                .calls
                .iter()
                .find(|(what, _)| what == "BREAK")
                .map(|(_, ms)| *ms)
                .expect("the real driver sent a break");
            let tenths = (asked + 99) / 100;
            assert_eq!(
                Duration::from_millis(u64::try_from(tenths * 100).unwrap()),
                BREAK_TIME,
                "{context}"
            );
            assert_eq!(run.sets().len(), 1, "only cable power: {context}");
        }
    }
}

#[tokio::test]
async fn kill_power_drives_the_lines_as_the_real_driver() {
    let real = Real::new("gups-kill");
    for ups_type in UPS_TYPES {
        let id = ups_type.id.to_string();
        compare_kill(&real, &[("upstype", &id)]).await;
    }
    for settings in [
        &[("upstype", "8"), ("SD", "RTS")][..],
        &[("upstype", "7"), ("SD", "ST")],
        &[("upstype", "11"), ("SD", "DTR")],
        &[("upstype", "0"), ("SD", "none")],
        &[("upstype", "2"), ("SD", "DTR,RTS,-DTR")],
    ] {
        compare_kill(&real, settings).await;
    }
}

#[tokio::test(start_paused = true)]
async fn sdtime_holds_line_shutdowns_but_not_breaks() {
    let real = Real::new("gups-sdtime");
    // Real time: the real driver sleeps sdtime after setting the lines.
    let started = std::time::Instant::now();
    let held = real.run(
        &[("upstype", "2"), ("sdtime", "1")],
        ModemLines::empty(),
        &["-k"],
    );
    let held_for = started.elapsed();
    assert!(
        held.log().contains("Holding shutdown signal for 1 seconds"),
        "{}",
        held.log()
    );
    assert!(held_for >= Duration::from_secs(1), "{held_for:?}");
    let started = std::time::Instant::now();
    let brk = real.run(
        &[("upstype", "7"), ("SD", "ST"), ("sdtime", "1")],
        ModemLines::empty(),
        &["-k"],
    );
    assert!(!brk.log().contains("Holding"), "{}", brk.log());
    assert!(started.elapsed() < Duration::from_secs(1));

    // Ours, in paused tokio time.
    let mut ups = ours(&[("upstype", "2"), ("sdtime", "1")]);
    let before = tokio::time::Instant::now();
    ups.kill_power(&mut Recorder::default()).await.unwrap();
    assert_eq!(before.elapsed(), Duration::from_secs(1));
    let mut ups = ours(&[("upstype", "7"), ("SD", "ST"), ("sdtime", "1")]);
    let before = tokio::time::Instant::now();
    ups.kill_power(&mut Recorder::default()).await.unwrap();
    assert_eq!(before.elapsed(), Duration::ZERO);
}
