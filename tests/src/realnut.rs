//! Running the real NUT 2.8.0 (Debian's packages) in a private directory for interop tests:
//! real dummy-ups drivers, the real upsd, and the real clients. Every process is killed when
//! the [`Sandbox`] is dropped. Missing binaries make the tests fail loudly: the test script
//! installs them.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where Debian puts the NUT daemons and drivers.
pub const NUT_BIN: &str = "/lib/nut";

/// How long to wait for a daemon to come up.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// A scratch NUT installation: `etc/` (NUT_CONFPATH) and `state/` (NUT_STATEPATH).
pub struct Sandbox {
    root: PathBuf,
    children: Vec<Child>,
    drivers: Vec<(String, Child)>,
    /// Process groups started by [`Sandbox::spawn_group`].
    groups: Vec<u32>,
}

/// The users every sandbox has (the golden transcript's).
pub const USERS: &str = "[admin]\n\tpassword = adminpass\n\tactions = SET FSD\n\tinstcmds = ALL\n\n\
[monuser]\n\tpassword = monpass\n\tupsmon primary\n\n[monsec]\n\tpassword = secpass\n\tupsmon secondary\n\n\
[viewer]\n\tpassword = viewerpass\n";

fn require(path: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install Debian's nut-server and nut-client (scripts/test.sh does)"
    );
}

/// `ups.conf` of the golden recordings (../golden/README.md): `dummy`, `pyups`, `fsdups`,
/// `staleups`, and `absent` whose driver never runs.
pub const GOLDEN_UPS_CONF: &str = "[dummy]\n\tdriver = dummy-ups\n\tport = usbhid-ups.dev\n\tdesc = \"dummy-ups usbhid-ups.dev\"\n\n\
[pyups]\n\tdriver = pydrv\n\tport = enum-range.pydev\n\tdesc = \"pydrv emulated UPS pyups\"\n\n\
[fsdups]\n\tdriver = dummy-ups\n\tport = minimal.dev\n\tdesc = \"dummy-ups minimal.dev\"\n\n\
[staleups]\n\tdriver = pydrv\n\tport = stale.pydev\n\tdesc = \"pydrv emulated UPS staleups\"\n\n\
[absent]\n\tdriver = dummy-ups\n\tport = absent.dev\n\tdesc = \"never started\"\n";

impl Sandbox {
    /// The UPS set of the golden recordings, with its drivers running (no upsd yet).
    pub fn golden(name: &str) -> Sandbox {
        let fixtures = crate::fixtures_dir();
        let mut sandbox = Sandbox::new(name);
        for file in [
            "dev/usbhid-ups.dev",
            "dev/minimal.dev",
            "golden/enum-range.pydev",
            "golden/stale.pydev",
        ] {
            let from = fixtures.join(file);
            let to = sandbox.etc().join(from.file_name().expect("file name"));
            std::fs::copy(&from, to).expect("copy fixture");
        }
        sandbox.write("ups.conf", GOLDEN_UPS_CONF);
        sandbox.write("upsd.users", USERS);
        sandbox.start_real_driver("dummy");
        sandbox.start_real_driver("fsdups");
        let pyups = sandbox.etc().join("enum-range.pydev");
        sandbox.start_pydrv("pyups", &pyups);
        let stale = sandbox.etc().join("stale.pydev");
        sandbox.start_pydrv("staleups", &stale);
        sandbox
    }

    /// A fresh sandbox under the system temp dir.
    pub fn new(name: &str) -> Sandbox {
        require(&format!("{NUT_BIN}/upsd"));
        require(&format!("{NUT_BIN}/dummy-ups"));
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let unique = format!(
            "nut-rs-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let root = std::env::temp_dir().join(unique);
        for dir in ["etc", "state"] {
            std::fs::create_dir_all(root.join(dir)).expect("sandbox dirs");
        }
        Sandbox {
            root,
            children: Vec::new(),
            groups: Vec::new(),
            drivers: Vec::new(),
        }
    }

    /// NUT_CONFPATH.
    pub fn etc(&self) -> PathBuf {
        self.root.join("etc")
    }

    /// NUT_STATEPATH.
    pub fn state(&self) -> PathBuf {
        self.root.join("state")
    }

    /// Writes a file under `etc/`.
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.etc().join(name), text).expect("write config");
    }

    /// Copies device files into `etc/` and writes `ups.conf` with one dummy-ups section per
    /// device (UPS name, device file name), plus `upsd.users`.
    pub fn configure_devices(&self, devices: &[(String, PathBuf)]) {
        let mut ups_conf = String::new();
        for (name, path) in devices {
            let file = path
                .file_name()
                .and_then(|f| f.to_str())
                .expect("file name");
            std::fs::copy(path, self.etc().join(file)).expect("copy device");
            ups_conf.push_str(&format!(
                "[{name}]\n\tdriver = dummy-ups\n\tport = {file}\n\tdesc = \"dummy-ups {file}\"\n\n"
            ));
        }
        self.write("ups.conf", &ups_conf);
        self.write("upsd.users", USERS);
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("NUT_CONFPATH", self.etc())
            .env("NUT_STATEPATH", self.state())
            .env("NUT_ALTPIDPATH", self.state())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// `-u root` when the tests run as root (a NUT daemon refuses to stay root otherwise).
    pub fn root_args() -> Vec<&'static str> {
        if is_root() {
            vec!["-u", "root"]
        } else {
            Vec::new()
        }
    }

    /// Starts the real dummy-ups for UPS `name` and waits for its socket.
    pub fn start_real_driver(&mut self, name: &str) {
        self.start_dummy_ups(&format!("{NUT_BIN}/dummy-ups"), name);
    }

    /// Starts `program` (a dummy-ups: the real one or ours) as `<program> -a <name> -F [-u
    /// root]` with the sandbox's environment, and waits for its socket `dummy-ups-<name>`.
    /// It is killed when the sandbox is dropped.
    pub fn start_dummy_ups(&mut self, program: &str, name: &str) {
        let child = self
            .command(program)
            .args(["-a", name, "-F"])
            .args(Self::root_args())
            .spawn()
            .expect("start dummy-ups");
        self.drivers.push((name.to_string(), child));
        let socket = self.state().join(format!("dummy-ups-{name}"));
        wait_until(|| socket.exists(), &format!("socket {}", socket.display()));
    }

    /// Starts the pydrv driver emulator (tests/fixtures/golden/pydrv.py) for UPS `name`
    /// (`driver = pydrv` in ups.conf) on device file `file`, and waits for its socket.
    pub fn start_pydrv(&mut self, name: &str, file: &Path) {
        let script = crate::fixtures_dir().join("golden/pydrv.py");
        let socket = self.state().join(format!("pydrv-{name}"));
        let child = self
            .command("python3")
            .arg(script)
            .arg("--socket")
            .arg(&socket)
            .arg("--file")
            .arg(file)
            .spawn()
            .expect("start pydrv.py (python3)");
        self.drivers.push((name.to_string(), child));
        wait_until(|| socket.exists(), &format!("socket {}", socket.display()));
    }

    /// Kills the real dummy-ups of UPS `name` (a driver dying) and waits until it is gone.
    pub fn stop_real_driver(&mut self, name: &str) {
        if let Some(index) = self.drivers.iter().position(|(n, _)| n == name) {
            let (_, mut child) = self.drivers.remove(index);
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.state().join(format!("dummy-ups-{name}")));
    }

    /// Starts the real upsd listening on `port` and waits until it accepts connections.
    pub fn start_real_upsd(&mut self, port: u16) {
        self.write("upsd.conf", &format!("LISTEN 127.0.0.1 {port}\n"));
        let child = self
            .command(&format!("{NUT_BIN}/upsd"))
            .arg("-F")
            .args(Self::root_args())
            .spawn()
            .expect("start upsd");
        self.children.push(child);
        wait_for_port(port);
    }

    /// Starts `program` with the sandbox's environment in a process group of its own (so
    /// the programs it forks go too), its stderr in `<program>-<n>.log` at the sandbox root;
    /// the whole group is killed when the sandbox is dropped.
    pub fn spawn_group(&mut self, program: &str, args: &[&str]) -> u32 {
        use std::os::unix::process::CommandExt;
        let base = Path::new(program)
            .file_name()
            .map_or_else(|| program.to_string(), |n| n.to_string_lossy().into_owned());
        let log =
            std::fs::File::create(self.root.join(format!("{base}-{}.log", self.groups.len())))
                .expect("log file");
        let child = self
            .command(program)
            .args(args)
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {program}: {e}"));
        let pid = child.id();
        self.groups.push(pid);
        self.children.push(child);
        pid
    }

    /// Runs a real client (`upsc`, `upsrw`, `upscmd`, …) and returns its output.
    pub fn client(&self, program: &str, args: &[&str]) -> Output {
        let mut command = self.command(program);
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.output().expect("run client")
    }

    /// What a client program printed, stdout then stderr, as text.
    pub fn client_text(&self, program: &str, args: &[&str]) -> String {
        let out = self.client(program, args);
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        text
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for group in &self.groups {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .status();
        }
        for child in self
            .children
            .iter_mut()
            .chain(self.drivers.iter_mut().map(|(_, c)| c))
        {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// A TCP port nobody listens on right now, never handed out twice in one test process (tests
/// run in parallel and bind later).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Polls `ready` every 20 ms until it holds or [`STARTUP_TIMEOUT`] passes (then panics).
pub fn wait_until(ready: impl FnMut() -> bool, what: &str) {
    wait_or_explain(ready, what, String::new);
}

/// [`wait_until`], with `explain()` (logs, state) in the panic message on timeout.
pub fn wait_or_explain(
    mut ready: impl FnMut() -> bool,
    what: &str,
    explain: impl FnOnce() -> String,
) {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while !ready() {
        if Instant::now() >= deadline {
            panic!("timed out waiting for {what}\n{}", explain());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Sandbox {
    /// Everything the programs started by [`Sandbox::spawn_group`] wrote to stderr.
    pub fn group_logs(&self) -> String {
        let mut logs = String::new();
        for entry in std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                logs.push_str(&format!("--- {}\n{text}", path.display()));
            }
        }
        logs
    }
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
pub fn wait_for_port(port: u16) {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    wait_until(
        || TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok(),
        &format!("port {port}"),
    );
}

/// Starts OUR upsd (the library the `upsd` binary wires) on the sandbox's config, listening
/// on 127.0.0.1:`port`, in a thread of its own; returns the server and its runtime handle
/// once it accepts connections. `prepare` may change the setup inside the runtime first
/// (e.g. embed drivers).
pub fn start_our_upsd(
    sandbox: &Sandbox,
    port: u16,
    prepare: impl FnOnce(&mut nut_protocol::upsd::setup::Setup) + Send + 'static,
) -> (nut_protocol::upsd::Upsd, tokio::runtime::Handle) {
    use nut_protocol::upsd::{Upsd, setup};
    let state = sandbox.state();
    let mut config = setup::load(&sandbox.etc(), state.to_str(), None, u64::from(port))
        .expect("our upsd loads the sandbox config");
    config.listen = vec![SocketAddr::from(([127, 0, 0, 1], port))];
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            prepare(&mut config);
            let (upsd, listen) = Upsd::start(config);
            let _ = tx.send((upsd.clone(), tokio::runtime::Handle::current()));
            let _ = upsd.serve(&listen).await;
        });
    });
    let started = rx.recv().expect("our upsd started");
    wait_for_port(port);
    started
}

/// The real upsd and ours on the sandbox's config, each on a free port: `[real, ours]`.
pub fn start_real_and_our_upsd(sandbox: &mut Sandbox) -> [u16; 2] {
    let real = free_port();
    sandbox.start_real_upsd(real);
    let ours = free_port();
    start_our_upsd(sandbox, ours, |_| {});
    [real, ours]
}

/// A client's result as compared in interop tests: exit status, stdout, and stderr without
/// the NSS start-up notice Debian's clients print ("Init SSL without certificate database").
pub fn shown_without_nss_notice(output: &Output) -> String {
    let stderr: String = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| *l != "Init SSL without certificate database")
        .map(|l| format!("{l}\n"))
        .collect();
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{stderr}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout)
    )
}
