//! [`SerialPortSerial`]: a [`Serial`] over the `serialport` crate, with the
//! RS-232 modem lines that contact-closure UPSes are read and driven through (DTR, RTS, CTS,
//! DCD, RI, DSR), and [`available_ports`] to list the serial ports of the machine.
//!
//! `serialport` does the `TIOCMGET`/`TIOCMBIS`/`TIOCMBIC` ioctls itself, so this crate stays
//! free of `unsafe`. It is used without its `libudev` feature: no C library or -dev package
//! is needed, and on Linux ports are listed from `/sys/class/tty` (USB ports still carry
//! vendor and product ids, read from sysfs).
//!
//! Every call runs the blocking `serialport` API on tokio's blocking thread pool
//! ([`tokio::task::spawn_blocking`]), so the futures are `Send` and never block the runtime.
//! The port sits behind a mutex shared with that blocking task: a future dropped half-way
//! (a `tokio::time::timeout` around it, a cancelled poll) leaves the port usable once the
//! blocking call has finished, and bytes such an abandoned read got are kept for the next
//! read rather than lost.
//!
//! Modem lines on a port that has none: a Linux pseudo-terminal (and so a `socat` pty pair)
//! answers every modem ioctl with `ENOTTY` ("Inappropriate ioctl for device", which nix
//! spells "Not a typewriter"). Such refusals
//! (`ENOTTY`, `EINVAL`) come back as [`std::io::ErrorKind::Unsupported`], i.e.
//! [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported); the real NUT `genericups`
//! exits with `ioctl TIOCMSET: Inappropriate ioctl for device` on the same pty.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ::serialport::{SerialPort, SerialPortType};

use crate::serial::{LineSettings, ModemLines, Parity, Serial, StopBits};

/// How long one `write` may wait for the port to take bytes before failing with a timeout.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// The texts `serialport` (through nix's `Errno::desc`) gives for `ENOTTY` and `EINVAL`: the
/// errno itself is not kept in a `serialport::Error`.
const REFUSED_TEXTS: &[&str] = &[
    "Not a typewriter",
    "Inappropriate ioctl for device",
    "Invalid argument",
];
/// The text `serialport` (through nix) gives for `EIO`: on a tty, the other side hung up.
const EIO_TEXT: &str = "I/O error";

type Shared = Arc<Mutex<Box<dyn SerialPort>>>;

/// A serial port opened through the `serialport` crate, modem lines included.
///
/// Must be used inside a tokio runtime (every call goes through `spawn_blocking`).
pub struct SerialPortSerial {
    port: Shared,
    /// Bytes read by the blocking task and not yet handed to a caller; only ever locked
    /// briefly, never across I/O.
    pending: Arc<Mutex<Vec<u8>>>,
    name: String,
}

impl core::fmt::Debug for SerialPortSerial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SerialPortSerial")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// How a listed port is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortKind {
    /// A USB serial adapter (or a UPS with a USB-serial chip).
    Usb {
        /// USB vendor id.
        vid: u16,
        /// USB product id.
        pid: u16,
        /// The USB serial number string, when known.
        serial_number: Option<String>,
        /// The manufacturer string, when known.
        manufacturer: Option<String>,
        /// The product string, when known.
        product: Option<String>,
    },
    /// A PCI or on-board UART.
    Pci,
    /// A Bluetooth serial link (rfcomm).
    Bluetooth,
    /// Anything else.
    Unknown,
}

/// A serial port found by [`available_ports`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// The device path to open (`/dev/ttyS0`, `/dev/ttyUSB0`).
    pub path: String,
    /// How it is attached.
    pub kind: PortKind,
}

/// The serial ports of this machine, as `serialport` finds them without libudev.
///
/// On Linux that is `/sys/class/tty`; when it is missing (a container without sysfs) the
/// answer is an empty list rather than `serialport`'s panic.
pub fn available_ports() -> io::Result<Vec<PortInfo>> {
    if cfg!(target_os = "linux") && !std::path::Path::new("/sys/class/tty").is_dir() {
        return Ok(Vec::new());
    }
    let ports = ::serialport::available_ports().map_err(io::Error::from)?;
    Ok(ports
        .into_iter()
        .map(|info| PortInfo {
            path: info.port_name,
            kind: match info.port_type {
                SerialPortType::UsbPort(usb) => PortKind::Usb {
                    vid: usb.vid,
                    pid: usb.pid,
                    serial_number: usb.serial_number,
                    manufacturer: usb.manufacturer,
                    product: usb.product,
                },
                SerialPortType::PciPort => PortKind::Pci,
                SerialPortType::BluetoothPort => PortKind::Bluetooth,
                SerialPortType::Unknown => PortKind::Unknown,
            },
        })
        .collect())
}

fn data_bits(bits: u8) -> io::Result<::serialport::DataBits> {
    ::serialport::DataBits::try_from(bits).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("unsupported data bits {bits}"),
        )
    })
}

fn parity(parity: Parity) -> ::serialport::Parity {
    match parity {
        Parity::None => ::serialport::Parity::None,
        Parity::Odd => ::serialport::Parity::Odd,
        Parity::Even => ::serialport::Parity::Even,
    }
}

fn stop_bits(stop: StopBits) -> ::serialport::StopBits {
    match stop {
        StopBits::One => ::serialport::StopBits::One,
        StopBits::Two => ::serialport::StopBits::Two,
    }
}

/// A `serialport` error as an `io::Error`, with a hung-up tty (`EIO`) as `BrokenPipe`.
fn io_error(what: &str, e: ::serialport::Error) -> io::Error {
    if e.kind() == ::serialport::ErrorKind::Unknown && e.description == EIO_TEXT {
        return io::Error::new(
            io::ErrorKind::BrokenPipe,
            format!("{what}: tty hung up (EIO)"),
        );
    }
    let kind = io::Error::from(e.clone()).kind();
    io::Error::new(kind, format!("{what}: {}", e.description))
}

/// A modem-line ioctl error: a port without modem lines (`ENOTTY`, `EINVAL`) is `Unsupported`.
fn modem_error(what: &str, e: ::serialport::Error) -> io::Error {
    let refused = e.kind() == ::serialport::ErrorKind::Unknown
        && REFUSED_TEXTS.contains(&e.description.as_str());
    if refused {
        io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{what}: this port has no modem lines ({})", e.description),
        )
    } else {
        io_error(what, e)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Clears `HUPCL` in the termios of the tty at `path` (a setting of the device, kept after
/// this short-lived descriptor is closed).
fn clear_hangup_on_close(path: &str) -> io::Result<()> {
    use nix::fcntl::{OFlag, open};
    use nix::sys::stat::Mode;
    use nix::sys::termios::{ControlFlags, SetArg, tcgetattr, tcsetattr};

    let fd = open(
        path,
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| io::Error::new(io::Error::from(e).kind(), format!("{path}: {e}")))?;
    let mut termios = tcgetattr(&fd).map_err(io::Error::from)?;
    termios.control_flags.remove(ControlFlags::HUPCL);
    tcsetattr(&fd, SetArg::TCSANOW, &termios).map_err(io::Error::from)
}

impl SerialPortSerial {
    /// Opens the port at `path` (exclusively, raw, no flow control) with `settings`.
    ///
    /// DTR and RTS are left as the OS sets them on open (Linux raises both).
    pub fn open(path: &str, settings: LineSettings) -> io::Result<Self> {
        let port = ::serialport::new(path, settings.baud)
            .data_bits(data_bits(settings.data_bits)?)
            .parity(parity(settings.parity))
            .stop_bits(stop_bits(settings.stop_bits))
            .flow_control(::serialport::FlowControl::None)
            .timeout(WRITE_TIMEOUT)
            .open()
            .map_err(|e| io_error(path, e))?;
        Ok(Self::from_port(port))
    }

    /// Like [`SerialPortSerial::open`], but first clears the tty's hang-up-on-close flag
    /// (`HUPCL`), so DTR and RTS stay as they are when the port is closed — what a
    /// contact-closure cable needs: many draw their power from those lines, and for some
    /// (NUT `genericups` types 4 and 23) dropping every output line *is* the shutdown signal,
    /// so a driver restart must not drop them. NUT's `genericups` does the same.
    pub fn open_keeping_lines(path: &str, settings: LineSettings) -> io::Result<Self> {
        clear_hangup_on_close(path)?;
        Self::open(path, settings)
    }

    /// Uses a port opened by the caller (any `serialport` port, e.g. one half of
    /// `serialport::TTYPort::pair()`).
    pub fn from_port(port: Box<dyn SerialPort>) -> Self {
        let name = port.name().unwrap_or_default();
        SerialPortSerial {
            port: Arc::new(Mutex::new(port)),
            pending: Arc::default(),
            name,
        }
    }

    /// The port's name (its path), as `serialport` knows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `f` on the port in a blocking task.
    async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn SerialPort) -> io::Result<R> + Send + 'static,
    ) -> io::Result<R> {
        let port = Arc::clone(&self.port);
        tokio::task::spawn_blocking(move || f(lock(&port).as_mut()))
            .await
            .map_err(io::Error::other)?
    }
}

impl Serial for SerialPortSerial {
    type Error = io::Error;

    /// The blocking task puts what it read into a buffer shared with the port; this future
    /// then takes at most `buf.len()` bytes from it. Dropping the future in between loses
    /// nothing: the next read starts with those bytes.
    async fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let len = buf.len();
        let pending = Arc::clone(&self.pending);
        self.blocking(move |port| {
            if !lock(&pending).is_empty() {
                return Ok(());
            }
            port.set_timeout(timeout)
                .map_err(|e| io_error("set timeout", e))?;
            let mut data = vec![0; len];
            match port.read(&mut data) {
                Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "port closed")),
                Ok(n) => {
                    lock(&pending).extend_from_slice(data.get(..n).unwrap_or_default());
                    Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no data from the port in time",
                )),
                Err(e) if e.to_string() == EIO_TEXT => Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "tty hung up (EIO)",
                )),
                Err(e) => Err(e),
            }
        })
        .await?;
        let mut pending = lock(&self.pending);
        let n = pending.len().min(buf.len());
        for (to, from) in buf.iter_mut().zip(pending.drain(..n)) {
            *to = from;
        }
        Ok(n)
    }

    async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let data = data.to_vec();
        self.blocking(move |port| {
            port.set_timeout(WRITE_TIMEOUT)
                .map_err(|e| io_error("set timeout", e))?;
            port.write_all(&data)?;
            port.flush()
        })
        .await
    }

    async fn set_line(&mut self, settings: LineSettings) -> io::Result<()> {
        let bits = data_bits(settings.data_bits)?;
        self.blocking(move |port| {
            port.set_baud_rate(settings.baud)
                .map_err(|e| io_error("set baud rate", e))?;
            port.set_data_bits(bits)
                .map_err(|e| io_error("set data bits", e))?;
            port.set_parity(parity(settings.parity))
                .map_err(|e| io_error("set parity", e))?;
            port.set_stop_bits(stop_bits(settings.stop_bits))
                .map_err(|e| io_error("set stop bits", e))
        })
        .await
    }

    async fn set_dtr(&mut self, on: bool) -> io::Result<()> {
        self.blocking(move |port| {
            port.write_data_terminal_ready(on)
                .map_err(|e| modem_error("set DTR", e))
        })
        .await
    }

    async fn set_rts(&mut self, on: bool) -> io::Result<()> {
        self.blocking(move |port| {
            port.write_request_to_send(on)
                .map_err(|e| modem_error("set RTS", e))
        })
        .await
    }

    /// Sets the break state, holds it for `duration` (sleeping in the blocking task), clears it.
    async fn send_break(&mut self, duration: Duration) -> io::Result<()> {
        self.blocking(move |port| {
            port.set_break().map_err(|e| modem_error("set break", e))?;
            std::thread::sleep(duration);
            port.clear_break()
                .map_err(|e| modem_error("clear break", e))
        })
        .await
    }

    async fn modem_status(&mut self) -> io::Result<ModemLines> {
        self.blocking(|port| {
            let mut lines = ModemLines::empty();
            let read = |e| modem_error("read modem lines", e);
            lines.set(ModemLines::CTS, port.read_clear_to_send().map_err(read)?);
            lines.set(ModemLines::DCD, port.read_carrier_detect().map_err(read)?);
            lines.set(ModemLines::RI, port.read_ring_indicator().map_err(read)?);
            lines.set(ModemLines::DSR, port.read_data_set_ready().map_err(read)?);
            Ok(lines)
        })
        .await
    }
}
