//! Etag throughput against `sha1sum` on the same file, in the same run.
//!
//! `QINIU_BENCH_MIB` sets the file size (default 256 MiB).

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench_etag(c: &mut Criterion) {
    let mib: u64 = std::env::var("QINIU_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    let chunk: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for _ in 0..mib {
        if file.write_all(&chunk).is_err() {
            return;
        }
    }
    let path = file.path().to_path_buf();
    let mut group = c.benchmark_group("etag");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Bytes(mib * 1024 * 1024));
    group.bench_function("qiniu_sdk::etag_of_file (parallel)", |b| {
        b.iter(|| qiniu_sdk::etag::etag_of_file(&path))
    });
    group.bench_function("qiniu_sdk::etag_of_file_with_threads(1)", |b| {
        b.iter(|| qiniu_sdk::etag::etag_of_file_with_threads(&path, 1))
    });
    group.bench_function("sha1sum", |b| {
        b.iter(|| Command::new("sha1sum").arg(&path).output())
    });
    group.finish();
}

criterion_group!(benches, bench_etag);
criterion_main!(benches);
