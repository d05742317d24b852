//! The protocol's hot paths: encoding a frame of terminal bytes (every
//! frame the server sends), splitting a stream of frames on the client
//! (`FrameReader`, one `read` per wake-up), and encoding and decoding the
//! largest message, `ls` of 1 000 task records.
//!
//! `cargo bench --bench protocol`; CI compiles it with `cargo bench --no-run`.

use std::hint::black_box;
use std::time::Duration;

use bgmux::protocol::{self, FrameReader, FrameRef, ServerMsg};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// `ls` of `n` tasks, as the server answers it.
fn tasks(n: u64) -> ServerMsg {
    let records: Vec<String> = (1..=n)
        .map(|id| {
            format!(
                r#"{{"id":{id},"name":"build-{id}","command":["make","-j4","target-{id}"],"cwd":"/home/user/src/project",
                "pid":{pid},"size":{{"cols":80,"rows":24}},"started_at":"2026-11-24T10:00:00.000Z",
                "ended_at":"2026-11-24T10:05:00.000Z","status":"done","exit_code":0,"signal":null,
                "output_bytes":123456,"history_limit":10000,"log_incomplete":false,"server_pid":42,
                "attached_clients":0}}"#,
                pid = 1000 + id
            )
        })
        .collect();
    serde_json::from_str(&format!(r#"{{"Tasks":[{}]}}"#, records.join(","))).expect("records")
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("protocol");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(3));

    // A 16 KiB frame of terminal bytes, as a busy render produces.
    let data = vec![b'x'; 16 * 1024];
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("encode_data 16 KiB", |b| {
        let mut out = Vec::with_capacity(64 * 1024);
        b.iter(|| {
            out.clear();
            protocol::encode_data(black_box(&data), &mut out);
            black_box(out.len())
        });
    });

    // 64 frames of 1 KiB in one stream, read in 64 KiB pieces.
    let mut stream = Vec::new();
    for _ in 0..64 {
        protocol::encode_data(&data[..1024], &mut stream);
    }
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("FrameReader 64 x 1 KiB", |b| {
        let mut reader = FrameReader::default();
        b.iter(|| {
            let mut src = &stream[..];
            let mut seen = 0;
            while !src.is_empty() {
                reader.fill(&mut src).expect("fill");
                while let Some(frame) = reader.next_frame::<ServerMsg>().expect("frame") {
                    if let FrameRef::Data(d) = frame {
                        seen += d.len();
                    }
                }
            }
            black_box(seen)
        });
    });

    let list = tasks(1000);
    let mut wire = Vec::new();
    protocol::encode_msg(&list, &mut wire);
    group.throughput(Throughput::Elements(1000));
    group.bench_function("encode ls of 1000 tasks", |b| {
        let mut out = Vec::with_capacity(wire.len());
        b.iter(|| {
            out.clear();
            protocol::encode_msg(black_box(&list), &mut out);
            black_box(out.len())
        });
    });
    group.bench_function("decode ls of 1000 tasks", |b| {
        b.iter(|| {
            let mut reader = FrameReader::default();
            let mut src = &wire[..];
            while !src.is_empty() {
                reader.fill(&mut src).expect("fill");
            }
            let msg = reader.next_frame::<ServerMsg>().expect("frame");
            black_box(matches!(msg, Some(FrameRef::Msg(ServerMsg::Tasks(_)))))
        });
    });
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
