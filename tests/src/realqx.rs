//! The real NUT 2.8.0 Qx drivers (`nutdrv_qx`, `blazer_ser`) on a serial port (a
//! [`crate::pty::PtyDevice`]), behind the real upsd, read with the real `upsc` and commanded
//! with the real `upscmd`: the reference side of the Qx differential tests.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::realnut::{NUT_BIN, Sandbox, USERS, free_port};

/// A sandbox whose `ups.conf` has one UPS `qx` driven by `program` (answering to
/// `driver = <driver>`) on `port`, and the program's path.
fn configured_program(
    program: &str,
    driver: &str,
    port: &str,
    extra: &[(String, String)],
) -> (Sandbox, String) {
    let program = program.to_owned();
    assert!(
        std::path::Path::new(&program).exists(),
        "{program} is missing: install Debian's nut-server (scripts/test.sh does)"
    );
    let sandbox = Sandbox::new(&format!("qx-{driver}"));
    let mut conf = format!("[qx]\n\tdriver = {driver}\n\tport = {port}\n\tpollinterval = 1\n");
    for (key, value) in extra {
        if value.is_empty() {
            conf.push_str(&format!("\t{key}\n"));
        } else {
            conf.push_str(&format!("\t{key} = {value}\n"));
        }
    }
    sandbox.write("ups.conf", &conf);
    sandbox.write("upsd.users", USERS);
    (sandbox, program)
}

/// Runs the real `driver -k` (kill power) once against `port` and returns its exit status and
/// log (stderr).
pub fn kill_power(driver: &str, port: &str, extra: &[(String, String)]) -> (bool, String) {
    kill_power_program(&format!("{NUT_BIN}/{driver}"), driver, port, extra)
}

/// Like [`kill_power`], for any driver program answering to `driver = <driver>` (ours).
pub fn kill_power_program(
    program: &str,
    driver: &str,
    port: &str,
    extra: &[(String, String)],
) -> (bool, String) {
    let (sandbox, program) = configured_program(program, driver, port, extra);
    let mut args = vec!["-a", "qx", "-k"];
    if nix::unistd::geteuid().is_root() {
        args.extend(["-u", "root"]);
    }
    let output = sandbox.client(&program, &args);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The real driver running on a pty, behind the real upsd.
pub struct RealNut {
    sandbox: Sandbox,
    target: String,
}

impl RealNut {
    /// Starts the real `driver` on `port` (with `extra` ups.conf settings) and the real upsd,
    /// and waits until upsc shows a status.
    pub fn start(driver: &str, port: &str, extra: &[(String, String)]) -> RealNut {
        RealNut::start_program(&format!("{NUT_BIN}/{driver}"), driver, port, extra)
    }

    /// Like [`RealNut::start`] with another driver program (ours) that answers to
    /// `driver = <driver>`, still behind the real upsd.
    pub fn start_program(
        program: &str,
        driver: &str,
        port: &str,
        extra: &[(String, String)],
    ) -> RealNut {
        let (mut sandbox, program) = configured_program(program, driver, port, extra);
        let mut args = vec!["-a", "qx", "-F"];
        if nix::unistd::geteuid().is_root() {
            args.extend(["-u", "root"]);
        }
        sandbox.spawn_group(&program, &args);
        let socket = sandbox.state().join(format!("{driver}-qx"));
        // Detection tries a dozen dialects, each up to three times: allow a minute.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !socket.exists() {
            assert!(
                Instant::now() < deadline,
                "the real {driver} did not come up\n{}",
                sandbox.group_logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let upsd = free_port();
        sandbox.start_real_upsd(upsd);
        let real = RealNut {
            sandbox,
            target: format!("qx@127.0.0.1:{upsd}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !real.read().contains_key("ups.status") {
            assert!(
                Instant::now() < deadline,
                "upsc {} never showed ups.status\n{}",
                real.target,
                real.sandbox.group_logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        real
    }

    /// What upsc shows, without what only the driver core adds (`driver.*`, `device.type`).
    pub fn read(&self) -> BTreeMap<String, String> {
        let mut all = self.read_all();
        all.retain(|name, _| !name.starts_with("driver.") && name != "device.type");
        all
    }

    /// What upsc prints on stderr (`Error: Data stale` while the driver's data is stale).
    pub fn upsc_error(&self) -> String {
        let output = self.sandbox.client("/usr/bin/upsc", &[&self.target]);
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Everything upsc shows.
    pub fn read_all(&self) -> BTreeMap<String, String> {
        let output = self.sandbox.client("/usr/bin/upsc", &[&self.target]);
        if !output.status.success() {
            return BTreeMap::new();
        }
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect()
    }
}

impl RealNut {
    /// The instant commands the real driver offers (`upscmd -l`).
    pub fn commands(&self) -> Vec<String> {
        let output = self
            .sandbox
            .client("/usr/bin/upscmd", &["-l", &self.target]);
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once(" - "))
            .map(|(name, _)| name.trim().to_owned())
            .collect()
    }

    /// Everything upsc shows once the driver's first poll is in (upsd shows `ups.status`
    /// `WAIT` until then), with the instant commands (`upscmd -l`) as one more line,
    /// `(instcmds)`.
    pub fn first_poll(&self, what: &str) -> BTreeMap<String, String> {
        crate::realnut::wait_until(
            || {
                self.read_all()
                    .get("ups.status")
                    .is_some_and(|s| s != "WAIT")
            },
            &format!("{what}: a status other than WAIT"),
        );
        let mut all = self.read_all();
        all.insert("(instcmds)".into(), self.commands().join(" "));
        all
    }

    /// Runs `command` (with an optional parameter) through the real upsd as `admin`; true
    /// when upscmd reports success.
    pub fn upscmd(&self, command: &str, param: Option<&str>) -> bool {
        let mut args = vec![
            "-u",
            "admin",
            "-p",
            "adminpass",
            "-w",
            &self.target,
            command,
        ];
        args.extend(param);
        self.sandbox
            .client("/usr/bin/upscmd", &args)
            .status
            .success()
    }

    /// What `upscmd -w` printed for `command` (`OK`, `Unexpected response from upsd: ERR
    /// INVALID-ARGUMENT`, …), stdout and stderr trimmed: upscmd's exit status does not
    /// tell a refused command.
    pub fn upscmd_answer(&self, command: &str, param: Option<&str>) -> String {
        let mut args = vec![
            "-u",
            "admin",
            "-p",
            "adminpass",
            "-w",
            &self.target,
            command,
        ];
        args.extend(param);
        let output = self.sandbox.client("/usr/bin/upscmd", &args);
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .trim()
        .to_owned()
    }

    /// The writable variables as `upsrw <ups>` lists them: name → its description and
    /// `Type:`/`Maximum length:`/`Option:` lines (the `Value:` line left out).
    pub fn writable(&self) -> BTreeMap<String, String> {
        let output = self.sandbox.client("/usr/bin/upsrw", &[&self.target]);
        let mut out = BTreeMap::new();
        let mut current: Option<(String, Vec<String>)> = None;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                if let Some((n, lines)) = current.take() {
                    out.insert(n, lines.join("\n"));
                }
                current = Some((name.to_owned(), Vec::new()));
            } else if let Some((_, lines)) = current.as_mut()
                && !line.starts_with("Value:")
            {
                lines.push(line.to_owned());
            }
        }
        if let Some((n, lines)) = current {
            out.insert(n, lines.join("\n"));
        }
        out
    }

    /// Sets a variable through the real upsd as `admin` (`upsrw -s`); true on success.
    pub fn upsrw(&self, name: &str, value: &str) -> bool {
        let args = self.upsrw_args(name, value);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.sandbox
            .client("/usr/bin/upsrw", &args)
            .status
            .success()
    }

    /// What `upsrw -s name=value -w` printed (`SUCCESS`, `ERR FAILED`, …), trimmed.
    pub fn upsrw_answer(&self, name: &str, value: &str) -> String {
        let args = self.upsrw_args(name, value);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.sandbox
            .client_text("/usr/bin/upsrw", &args)
            .trim()
            .to_owned()
    }

    /// `upsrw -s name=value` as `admin`, waiting for the driver's answer.
    fn upsrw_args(&self, name: &str, value: &str) -> Vec<String> {
        let setting = format!("{name}={value}");
        [
            "-s",
            &setting,
            "-u",
            "admin",
            "-p",
            "adminpass",
            "-w",
            &self.target,
        ]
        .map(String::from)
        .to_vec()
    }
}
