//! `nut-load`: a load generator for any NUT server (ours or the C upsd).
//!
//! Closed loop: `nut-load --connections N --seconds S --request "GET VAR ups ups.status"
//! [--pid PID] HOST:PORT` keeps N connections each sending the request and waiting for the
//! whole answer (one line, or a `BEGIN LIST` … `END LIST` block), then prints requests per
//! second, p50/p99 latency, and — with `--pid` — the server's RSS and CPU time per request.
//!
//! Ceiling: `nut-load --null-server 127.0.0.1:PORT` runs a do-nothing server that answers
//! `OK` to every line.
//!
//! Idle: `--idle M` first opens M connections that only say `VER` once (every one must be
//! answered), reports how long that took, and keeps them open during the closed loop.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Connects in flight while opening idle connections.
const IDLE_CONNECT_CONCURRENCY: usize = 64;

struct Options {
    target: SocketAddr,
    connections: usize,
    seconds: f64,
    request: String,
    idle: usize,
    pid: Option<u32>,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        target: SocketAddr::from(([127, 0, 0, 1], 3493)),
        connections: 1,
        seconds: 5.0,
        request: String::from("GET VAR ups ups.status"),
        idle: 0,
        pid: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--connections" | "-c" => {
                options.connections = value()?.parse().map_err(|e| format!("{e}"))?
            }
            "--seconds" | "-s" => options.seconds = value()?.parse().map_err(|e| format!("{e}"))?,
            "--request" | "-r" => options.request = value()?,
            "--idle" => options.idle = value()?.parse().map_err(|e| format!("{e}"))?,
            "--null-server" => {
                let address: SocketAddr = value()?.parse().map_err(|e| format!("{e}"))?;
                return Err(format!("NULL {address}"));
            }
            "--pid" => options.pid = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            target => options.target = target.parse().map_err(|e| format!("{target}: {e}"))?,
        }
    }
    Ok(options)
}

/// RSS in kB and CPU time (user + system) of a process, from /proc.
fn process_usage(pid: u32) -> Option<(u64, Duration)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((rss, Duration::from_millis(ticks * 10)))
}

async fn read_answer(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut String,
) -> std::io::Result<()> {
    line.clear();
    if reader.read_line(line).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    if line.starts_with("BEGIN LIST") {
        loop {
            line.clear();
            if reader.read_line(line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line.starts_with("END LIST") {
                break;
            }
        }
    }
    Ok(())
}

async fn worker(
    target: SocketAddr,
    request: String,
    until: Instant,
    gate: std::sync::Arc<tokio::sync::Semaphore>,
) -> std::io::Result<Vec<u32>> {
    let permit = gate.acquire_owned().await.map_err(std::io::Error::other)?;
    let stream = TcpStream::connect(target).await?;
    drop(permit);
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let wire = format!("{request}\n");
    let mut line = String::new();
    let mut latencies = Vec::new();
    while Instant::now() < until {
        let start = Instant::now();
        write.write_all(wire.as_bytes()).await?;
        read_answer(&mut reader, &mut line).await?;
        latencies.push(start.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
    }
    Ok(latencies)
}

async fn open_idle(target: SocketAddr, count: usize) -> Result<(Vec<TcpStream>, Duration), String> {
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    // At most this many connects in flight: a server with a short listen backlog would
    // otherwise reset connections rather than be slow.
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(IDLE_CONNECT_CONCURRENCY));
    for _ in 0..count {
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.map_err(std::io::Error::other)?;
            let mut stream = TcpStream::connect(target).await?;
            stream.write_all(b"VER\n").await?;
            let (read, write) = stream.into_split();
            let mut reader = BufReader::new(read);
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            if line.is_empty() {
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
            }
            reader
                .into_inner()
                .reunite(write)
                .map_err(|e| std::io::Error::other(e.to_string()))
        });
    }
    let mut streams = Vec::with_capacity(count);
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(Ok(stream)) => streams.push(stream),
            Ok(Err(error)) => return Err(format!("idle connection failed: {error}")),
            Err(error) => return Err(format!("idle task failed: {error}")),
        }
    }
    Ok((streams, start.elapsed()))
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[index.min(sorted.len() - 1)]) / 1000.0
}

async fn run(options: Options) -> Result<(), String> {
    let _idle = if options.idle > 0 {
        let (streams, took) = open_idle(options.target, options.idle).await?;
        println!(
            "idle: {} connections opened and answered in {:.3} s",
            streams.len(),
            took.as_secs_f64()
        );
        streams
    } else {
        Vec::new()
    };
    let before = options.pid.and_then(process_usage);
    let until = Instant::now() + Duration::from_secs_f64(options.seconds);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(IDLE_CONNECT_CONCURRENCY));
    for _ in 0..options.connections {
        tasks.spawn(worker(
            options.target,
            options.request.clone(),
            until,
            gate.clone(),
        ));
    }
    let mut all = Vec::new();
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(Ok(latencies)) => all.extend(latencies),
            Ok(Err(error)) => return Err(format!("connection failed: {error}")),
            Err(error) => return Err(format!("task failed: {error}")),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let rate = all.len() as f64 / elapsed;
    print!(
        "requests: {}  req/s: {:.0}  p50: {:.3} ms  p99: {:.3} ms",
        all.len(),
        rate,
        percentile(&all, 0.50),
        percentile(&all, 0.99)
    );
    if let (Some(pid), Some((_, cpu_before))) = (options.pid, before)
        && let Some((rss, cpu_after)) = process_usage(pid)
    {
        let per_request = (cpu_after - cpu_before).as_secs_f64() * 1e6 / all.len().max(1) as f64;
        print!("  server RSS: {rss} kB  server CPU/request: {per_request:.2} µs");
    }
    println!();
    Ok(())
}

/// A do-nothing server: answers every line with `OK`, to measure the ceiling the machine
/// allows a server at all while the load generator shares it.
async fn null_server(address: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            while let Ok(Some(_)) = lines.next_line().await {
                if write.write_all(b"OK\n").await.is_err() {
                    break;
                }
            }
        });
    }
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(options) => options,
        Err(message) if message.starts_with("NULL ") => {
            let address = message.trim_start_matches("NULL ").parse::<SocketAddr>();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build();
            return match (address, runtime) {
                (Ok(address), Ok(runtime)) => match runtime.block_on(null_server(address)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(error) => {
                        eprintln!("nut-load: {error}");
                        ExitCode::FAILURE
                    }
                },
                _ => ExitCode::FAILURE,
            };
        }
        Err(message) => {
            eprintln!("nut-load: {message}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("nut-load: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("nut-load: {message}");
            ExitCode::FAILURE
        }
    }
}
