//! [`TtySerial`]: a [`Serial`] on a Unix tty (a real serial port, a USB-serial adapter or a
//! pseudo-terminal), non-blocking through tokio's [`AsyncFd`], configured with termios via nix.
//!
//! No C library beyond libc is needed. Modem lines (DTR, RTS, CTS, DCD, RI, DSR) need the
//! `TIOCMGET`/`TIOCMSET` ioctls, which nix only offers as `unsafe` macros; this crate forbids
//! `unsafe`, so for now those calls return [`ErrorKind::Unsupported`](crate::ErrorKind).

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::time::Duration;

use nix::fcntl::{FcntlArg, OFlag, fcntl, open};
use nix::sys::stat::Mode;
use nix::sys::termios::{
    BaudRate, ControlFlags, SetArg, SpecialCharacterIndices, cfmakeraw, cfsetspeed, tcgetattr,
    tcsendbreak, tcsetattr,
};
use tokio::io::unix::AsyncFd;

use crate::serial::{LineSettings, ModemLines, Parity, Serial, StopBits};

/// A serial port on a Unix tty device.
///
/// Must be created and used inside a tokio runtime with the IO and time drivers enabled;
/// [`TtySerial::open`] and [`TtySerial::from_fd`] panic (in tokio) when there is none.
#[derive(Debug)]
pub struct TtySerial {
    fd: AsyncFd<OwnedFd>,
}

fn baud_rate(baud: u32) -> io::Result<BaudRate> {
    Ok(match baud {
        50 => BaudRate::B50,
        75 => BaudRate::B75,
        110 => BaudRate::B110,
        134 => BaudRate::B134,
        150 => BaudRate::B150,
        200 => BaudRate::B200,
        300 => BaudRate::B300,
        600 => BaudRate::B600,
        1200 => BaudRate::B1200,
        1800 => BaudRate::B1800,
        2400 => BaudRate::B2400,
        4800 => BaudRate::B4800,
        9600 => BaudRate::B9600,
        19200 => BaudRate::B19200,
        38400 => BaudRate::B38400,
        57600 => BaudRate::B57600,
        115200 => BaudRate::B115200,
        230400 => BaudRate::B230400,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unsupported baud rate {baud}"),
            ));
        }
    })
}

fn unsupported(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{what}: modem lines are not supported by TtySerial yet"),
    )
}

/// EIO on a tty means the other side hung up (a pty whose peer closed, an unplugged adapter).
fn map_errno(e: nix::Error) -> io::Error {
    if e == nix::Error::EIO {
        io::Error::new(io::ErrorKind::BrokenPipe, "tty hung up (EIO)")
    } else {
        io::Error::from(e)
    }
}

/// A pseudo-terminal: the master side as a [`TtySerial`] (a simulated unit's end), the
/// slave's path (what a driver opens as its serial port) and the slave kept open, raw, so the
/// master does not see a hang-up before the driver opens it.
#[derive(Debug)]
pub struct PtyPair {
    /// The master side.
    pub master: TtySerial,
    /// The slave's path, e.g. `/dev/pts/7`.
    pub slave_path: std::path::PathBuf,
    /// The slave side, held open.
    pub slave: TtySerial,
}

impl TtySerial {
    /// A new pseudo-terminal pair (`openpty`), the slave in raw mode at 9600 8N1.
    pub fn pty_pair() -> io::Result<PtyPair> {
        let pty = nix::pty::openpty(None, None)?;
        let slave_path = nix::unistd::ttyname(&pty.slave)?;
        let slave = Self::from_fd(pty.slave)?;
        slave.apply(LineSettings::new_8n1(9600))?;
        Ok(PtyPair {
            master: Self::from_fd(pty.master)?,
            slave_path,
            slave,
        })
    }

    /// Open the tty at `path` (without making it the controlling terminal), put it in raw mode
    /// and apply `settings`.
    pub fn open(path: impl AsRef<Path>, settings: LineSettings) -> io::Result<Self> {
        let fd = open(
            path.as_ref(),
            OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        let port = Self::from_fd(fd)?;
        port.apply(settings)?;
        Ok(port)
    }

    /// Use an already open tty (or pty master) as it is: only `O_NONBLOCK` is set, the termios
    /// settings are left alone.
    pub fn from_fd(fd: OwnedFd) -> io::Result<Self> {
        let flags = fcntl(&fd, FcntlArg::F_GETFL)?;
        let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
        fcntl(&fd, FcntlArg::F_SETFL(flags))?;
        // `AsyncFd::new` is deprecated because a generic `T: AsRawFd` may hand out an fd it
        // does not own; an `OwnedFd` owned by the `AsyncFd` for its whole life is the sound
        // case, and it keeps this crate free of `unsafe` (`register` is an `unsafe fn`).
        #[allow(deprecated)]
        let fd = AsyncFd::new(fd)?;
        Ok(TtySerial { fd })
    }

    /// Drop what the tty has received and not yet read, and what was written and not yet
    /// sent (`tcflush(TCIOFLUSH)`): a late reply from before a reopen is not read as the
    /// answer to the next request.
    pub fn discard_pending(&self) -> io::Result<()> {
        nix::sys::termios::tcflush(self.fd.get_ref(), nix::sys::termios::FlushArg::TCIOFLUSH)
            .map_err(io::Error::from)
    }

    fn apply(&self, s: LineSettings) -> io::Result<()> {
        let fd = self.fd.get_ref();
        let mut t = tcgetattr(fd)?;
        cfmakeraw(&mut t);
        let size = match s.data_bits {
            5 => ControlFlags::CS5,
            6 => ControlFlags::CS6,
            7 => ControlFlags::CS7,
            8 => ControlFlags::CS8,
            n => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("unsupported data bits {n}"),
                ));
            }
        };
        let c = &mut t.control_flags;
        c.remove(ControlFlags::CSIZE | ControlFlags::PARENB | ControlFlags::PARODD);
        c.remove(ControlFlags::CSTOPB | ControlFlags::CRTSCTS);
        c.insert(size | ControlFlags::CREAD | ControlFlags::CLOCAL);
        match s.parity {
            Parity::None => {}
            Parity::Even => c.insert(ControlFlags::PARENB),
            Parity::Odd => c.insert(ControlFlags::PARENB | ControlFlags::PARODD),
        }
        if s.stop_bits == StopBits::Two {
            c.insert(ControlFlags::CSTOPB);
        }
        // VMIN 1 so that a read with no data fails with EAGAIN under O_NONBLOCK; with VMIN 0
        // and VTIME 0 it would return 0, which is indistinguishable from a hang-up.
        t.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        t.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        cfsetspeed(&mut t, baud_rate(s.baud)?)?;
        tcsetattr(fd, SetArg::TCSANOW, &t)?;
        Ok(())
    }

    async fn read_ready(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|fd| nix::unistd::read(fd.get_ref(), buf).map_err(map_errno)) {
                Ok(Ok(0)) => {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "tty closed"));
                }
                Ok(r) => return r,
                Err(_would_block) => continue,
            }
        }
    }
}

impl Serial for TtySerial {
    type Error = io::Error;

    async fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match tokio::time::timeout(timeout, self.read_ready(buf)).await {
            Ok(r) => r,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no data from tty in time",
            )),
        }
    }

    async fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let mut guard = self.fd.writable().await?;
            match guard.try_io(|fd| nix::unistd::write(fd.get_ref(), data).map_err(map_errno)) {
                Ok(Ok(0)) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "tty took no bytes",
                    ));
                }
                Ok(Ok(n)) => data = data.get(n..).unwrap_or_default(),
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
        Ok(())
    }

    async fn set_line(&mut self, settings: LineSettings) -> io::Result<()> {
        self.apply(settings)
    }

    async fn set_dtr(&mut self, _on: bool) -> io::Result<()> {
        Err(unsupported("set_dtr"))
    }

    async fn set_rts(&mut self, _on: bool) -> io::Result<()> {
        Err(unsupported("set_rts"))
    }

    /// Runs `tcsendbreak` on a duplicate of the fd in a blocking task (it blocks for the whole
    /// break). Linux glibc takes a non-zero duration as milliseconds, rounded up to 100 ms.
    async fn send_break(&mut self, duration: Duration) -> io::Result<()> {
        let fd = self.fd.get_ref().as_fd().try_clone_to_owned()?;
        let ms = i32::try_from(duration.as_millis())
            .unwrap_or(i32::MAX)
            .max(1);
        tokio::task::spawn_blocking(move || tcsendbreak(&fd, ms).map_err(io::Error::from))
            .await
            .map_err(io::Error::other)?
    }

    async fn modem_status(&mut self) -> io::Result<ModemLines> {
        Err(unsupported("modem_status"))
    }
}

/// A byte stream for framing codecs (tokio-modbus' RTU client, a simulated RTU unit): reads
/// return what the tty has (0 bytes at end of file), a hang-up (`EIO`) is
/// [`io::ErrorKind::BrokenPipe`].
impl tokio::io::AsyncRead for TtySerial {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        use std::task::Poll;
        loop {
            let mut guard = match self.fd.poll_read_ready(cx) {
                Poll::Ready(Ok(guard)) => guard,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            let unfilled = buf.initialize_unfilled();
            match guard.try_io(|fd| nix::unistd::read(fd.get_ref(), unfilled).map_err(map_errno)) {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

/// Writes go straight to the tty; flushing and shutting down have nothing to do.
impl tokio::io::AsyncWrite for TtySerial {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        use std::task::Poll;
        loop {
            let mut guard = match self.fd.poll_write_ready(cx) {
                Poll::Ready(Ok(guard)) => guard,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            match guard.try_io(|fd| nix::unistd::write(fd.get_ref(), data).map_err(map_errno)) {
                Ok(r) => return Poll::Ready(r),
                Err(_would_block) => continue,
            }
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
