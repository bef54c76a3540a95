//! Parsing speed: the tokenizer over a realistic mix of protocol lines, typed request parsing,
//! and typed response parsing of a whole `LIST VAR` block (48 lines, from the real upsd
//! transcript). Kept short: the whole run takes well under a minute.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nut_protocol::net::{ListQuery, Request, Response};
use nut_protocol::tokenizer::{Tokenizer, tokenize_line};

const TRANSCRIPT: &str = include_str!("../../tests/fixtures/golden/upsd-transcript.txt");

/// Request (`>>>`) and response (`<<<`) lines of the transcript as wire bytes, each with LF.
fn transcript_lines() -> Vec<Vec<u8>> {
    TRANSCRIPT
        .lines()
        .filter_map(|line| line.strip_prefix(">>> ").or(line.strip_prefix("<<< ")))
        .map(|line| {
            let mut wire = line
                .replace("<UUID>", "0123ABCD-4567-4ABC-9DEF-0123456789AB")
                .replace("\\\\", "\\")
                .into_bytes();
            wire.push(b'\n');
            wire
        })
        .collect()
}

/// The 48 lines answering `LIST VAR dummy` in the transcript (BEGIN, 46 items, END).
fn list_var_block() -> Vec<Vec<u8>> {
    let lines = transcript_lines();
    let start = lines
        .iter()
        .position(|l| l == b"BEGIN LIST VAR dummy\n")
        .expect("BEGIN LIST VAR dummy");
    let len = lines[start..]
        .iter()
        .position(|l| l == b"END LIST VAR dummy\n")
        .expect("END LIST VAR dummy")
        + 1;
    lines[start..start + len].to_vec()
}

fn tokenizer(c: &mut Criterion) {
    let lines = transcript_lines();
    let stream: Vec<u8> = lines.concat();
    let mut group = c.benchmark_group("tokenizer");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("byte_mode_transcript_bytes", |b| {
        b.iter(|| {
            let mut tokenizer = Tokenizer::new();
            tokenizer.feed(black_box(&stream)).count()
        })
    });
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("line_mode_transcript_lines", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|line| tokenize_line(black_box(line)).is_ok())
                .count()
        })
    });
    group.finish();
}

fn requests(c: &mut Criterion) {
    let cases: [(&str, &[u8]); 3] = [
        ("get_var", b"GET VAR myups battery.charge\n"),
        ("list_var", b"LIST VAR myups\n"),
        (
            "set_var_quoted",
            b"SET VAR myups ups.id \"Rack \\\"A\\\" \\#1 \\\\ spare\"\n",
        ),
    ];
    let mut group = c.benchmark_group("request");
    group.throughput(Throughput::Elements(1));
    for (name, line) in cases {
        let words = tokenize_line(line).expect("tokenizes").words;
        group.bench_function(format!("{name}_from_words"), |b| {
            b.iter(|| Request::parse(black_box(&words)))
        });
        group.bench_function(format!("{name}_from_line"), |b| {
            b.iter(|| Request::parse_line(black_box(line)))
        });
        let request = Request::parse(&words).expect("parses");
        group.bench_function(format!("{name}_to_line"), |b| {
            b.iter(|| black_box(&request).to_line())
        });
    }
    group.finish();
}

fn responses(c: &mut Criterion) {
    let block = list_var_block();
    assert_eq!(block.len(), 48);
    let bytes: usize = block.iter().map(Vec::len).sum();
    let request = Request::List(ListQuery::Var {
        ups: "dummy".into(),
    });
    let parsed: Vec<Response> = block
        .iter()
        .map(|line| Response::parse_for(&request, line).expect("parses"))
        .collect();
    let mut group = c.benchmark_group("response_list_var_48_lines");
    group.throughput(Throughput::Elements(block.len() as u64));
    group.bench_function("parse_lines", |b| {
        b.iter(|| {
            block
                .iter()
                .filter(|line| Response::parse_for(&request, black_box(line)).is_ok())
                .count()
        })
    });
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse_bytes", |b| {
        b.iter(|| {
            block
                .iter()
                .filter(|line| Response::parse_for(&request, black_box(line)).is_ok())
                .count()
        })
    });
    group.bench_function("write_bytes", |b| {
        let mut out = String::with_capacity(bytes);
        b.iter(|| {
            out.clear();
            for response in black_box(&parsed) {
                response.write_line(&mut out);
                out.push('\n');
            }
            out.len()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = tokenizer, requests, responses
}
criterion_main!(benches);
