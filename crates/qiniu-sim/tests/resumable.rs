#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Resumable v2 uploads: concurrency, retries, resume after a crash, restart, changed files.

mod common;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use common::{BUCKET, Env, MIB};
use qiniu_sdk::etag::etag_of_file;
use qiniu_sdk::resumable::record::UploadRecord;
use qiniu_sdk::{Error, UploadConfig, UploadParams};

fn cancel_after(parts: u32) -> UploadParams {
    let done = Arc::new(AtomicU32::new(0));
    UploadParams::new().on_progress(move |p| {
        if p.completed_part.is_some() && done.fetch_add(1, Ordering::SeqCst) + 1 >= parts {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
}

fn read_record(env: &Env) -> UploadRecord {
    let records = env.records();
    assert_eq!(records.len(), 1, "one record: {records:?}");
    serde_json::from_slice(&std::fs::read(&records[0]).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_parts_hash_progress_and_record_cleanup() {
    let env = Env::start();
    let path = env.file("course.mp4", 10 * MIB + 123, 7);
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let params = UploadParams::new()
        .key("v/大视频.mp4")
        .mime_type("video/mp4")
        .custom_var("course", "7")
        .on_progress(move |p| {
            sink.lock().unwrap().push(*p);
            ControlFlow::Continue(())
        });
    let response = env
        .client()
        .upload_file(&env.key_token("v/大视频.mp4"), &path, params)
        .await
        .unwrap();
    let local = etag_of_file(&path).unwrap();
    assert_eq!(response.hash(), Some(local.as_str()));
    assert!(local.starts_with('l'), "4 MiB parts keep the v1 etag");
    let stored = env.sim.object(BUCKET, "v/大视频.mp4").unwrap();
    assert_eq!(stored.mime_type, "video/mp4");
    assert_eq!(stored.fname, "course.mp4");
    assert_eq!(
        std::fs::read(&stored.path).unwrap(),
        std::fs::read(&path).unwrap()
    );
    assert_eq!(env.sim.parts_stored(), 3);
    assert_eq!(env.sim.form_requests(), 0);
    let events = events.lock().unwrap();
    let mut parts: Vec<u32> = events.iter().filter_map(|p| p.completed_part).collect();
    parts.sort_unstable();
    assert_eq!(parts, [1, 2, 3]);
    assert!(events.windows(2).all(|w| w[0].uploaded <= w[1].uploaded));
    assert_eq!(events.last().unwrap().uploaded, 10 * MIB + 123);
    assert!(env.records().is_empty(), "record removed after success");
    assert!(env.sim.upload_ids().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_parts_give_a_v2_etag_that_matches_the_server() {
    let env = Env::start();
    let path = env.file("v2.bin", 3 * MIB + 10, 8);
    let config = UploadConfig {
        part_size: Some(MIB),
        ..env.upload_config()
    };
    let response = env
        .client_with(config)
        .resumable_upload_file(&env.key_token("v2"), &path, UploadParams::new().key("v2"))
        .await
        .unwrap();
    let hash = response.hash().unwrap();
    assert!(hash.starts_with('n'), "{hash}");
    assert_eq!(env.sim.parts_stored(), 4);
    assert_eq!(
        env.sim.object_bytes(BUCKET, "v2").unwrap(),
        std::fs::read(&path).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_parts_are_streamed_from_disk() {
    let env = Env::start();
    let path = env.file("streamed.bin", 5 * MIB + 1, 9);
    let config = UploadConfig {
        part_size: Some(2 * MIB),
        max_buffered_part: MIB,
        ..env.upload_config()
    };
    let response = env
        .client_with(config)
        .resumable_upload_file(&env.key_token("s"), &path, UploadParams::new().key("s"))
        .await
        .unwrap();
    assert!(response.hash().is_some());
    assert_eq!(
        env.sim.object_bytes(BUCKET, "s").unwrap(),
        std::fs::read(&path).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_part_is_retried_with_backoff() {
    let env = Env::start();
    let path = env.file("retry.bin", 9 * MIB, 10);
    env.sim.fail_part(2, 2, 503);
    env.client()
        .upload_file(&env.key_token("r"), &path, UploadParams::new().key("r"))
        .await
        .unwrap();
    assert_eq!(env.sim.parts_stored(), 3);
    assert_eq!(env.sim.part_requests(), 5, "part 2 was sent three times");

    env.sim.fail_part(1, 1, 400);
    let err = env
        .client()
        .upload_file(&env.key_token("r2"), &path, UploadParams::new().key("r2"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::BadRequest(_)),
        "4xx is not retried: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_cancel_sends_only_missing_parts() {
    let env = Env::start();
    let path = env.file("resume.bin", 30 * MIB + 7, 11);
    let token = env.key_token("resume");
    let config = UploadConfig {
        concurrency: 1,
        ..env.upload_config()
    };
    let err = env
        .client_with(config)
        .upload_file(&token, &path, cancel_after(3).key("resume"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert_eq!(env.sim.parts_stored(), 3);
    assert_eq!(read_record(&env).parts.len(), 3);
    env.sim.reset_counters();

    let response = env
        .client()
        .upload_file(&token, &path, UploadParams::new().key("resume"))
        .await
        .unwrap();
    assert_eq!(response.hash(), Some(etag_of_file(&path).unwrap().as_str()));
    assert_eq!(
        env.sim.part_requests(),
        8 - 3,
        "only the 5 missing parts were re-sent"
    );
    assert!(env.records().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_the_task_is_killed_mid_upload() {
    let env = Env::start();
    let path = env.file("killed.bin", 40 * MIB, 12);
    let token = env.key_token("killed");
    // Part 5 fails and then waits in a long backoff, so the upload cannot finish before the kill.
    env.sim.fail_part(5, 100, 503);
    let patient = qiniu_sdk::Client::builder()
        .region(qiniu_sdk::Region::single_host(env.sim.base_url()))
        .retry(qiniu_sdk::RetryPolicy {
            attempts_per_host: 3,
            base_delay: std::time::Duration::from_secs(60),
            max_delay: std::time::Duration::from_secs(60),
        })
        .upload_config(env.upload_config())
        .build()
        .unwrap();
    let task = {
        let (token, path) = (token.clone(), path.clone());
        tokio::spawn(async move {
            patient
                .upload_file(&token, &path, UploadParams::new().key("killed"))
                .await
        })
    };
    let recorded_parts = |env: &Env| {
        env.records()
            .first()
            .and_then(|r| std::fs::read(r).ok())
            .and_then(|b| serde_json::from_slice::<UploadRecord>(&b).ok())
            .map_or(0, |r| r.parts.len())
    };
    while recorded_parts(&env) < 9 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let recorded = read_record(&env).parts.len() as u64;
    assert_eq!(recorded, 9, "every part but the failing one was recorded");
    env.sim.fail_part(5, 0, 503);
    env.sim.reset_counters();

    env.client()
        .upload_file(&token, &path, UploadParams::new().key("killed"))
        .await
        .unwrap();
    assert_eq!(env.sim.part_requests(), 10 - recorded);
    assert_eq!(
        env.sim.object_bytes(BUCKET, "killed").unwrap(),
        std::fs::read(&path).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_file_does_not_resume() {
    let env = Env::start();
    let path = env.file("changing.bin", 12 * MIB, 13);
    let token = env.key_token("changing");
    let config = UploadConfig {
        concurrency: 1,
        ..env.upload_config()
    };
    let first = env
        .client_with(config)
        .upload_file(&token, &path, cancel_after(2).key("changing"))
        .await;
    assert!(matches!(first, Err(Error::Cancelled)));
    let old_upload = read_record(&env).upload_id;
    std::thread::sleep(std::time::Duration::from_millis(20));
    common::write_pattern(&path, 12 * MIB, 14);
    env.sim.reset_counters();

    let response = env
        .client()
        .upload_file(&token, &path, UploadParams::new().key("changing"))
        .await
        .unwrap();
    assert_eq!(response.hash(), Some(etag_of_file(&path).unwrap().as_str()));
    assert_eq!(env.sim.part_requests(), 3, "every part re-sent");
    assert_eq!(
        env.sim.upload_ids(),
        [old_upload],
        "a new upload id was used"
    );
    assert!(env.records().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_upload_id_restarts_the_upload() {
    let env = Env::start();
    let path = env.file("expired.bin", 12 * MIB, 15);
    let token = env.key_token("expired");
    let config = UploadConfig {
        concurrency: 1,
        ..env.upload_config()
    };
    let first = env
        .client_with(config.clone())
        .upload_file(&token, &path, cancel_after(2).key("expired"))
        .await;
    assert!(matches!(first, Err(Error::Cancelled)));
    env.sim.expire_all_uploads();
    env.sim.reset_counters();
    let response = env
        .client()
        .upload_file(&token, &path, UploadParams::new().key("expired"))
        .await
        .unwrap();
    assert_eq!(response.hash(), Some(etag_of_file(&path).unwrap().as_str()));
    assert_eq!(
        env.sim.parts_stored(),
        3,
        "all parts uploaded again under a new id"
    );

    // Expiring while parts are in flight also restarts.
    let state = env.sim.state().clone();
    let fired = std::sync::atomic::AtomicBool::new(false);
    let params = UploadParams::new().key("expired2").on_progress(move |p| {
        if p.completed_part == Some(1) && !fired.swap(true, Ordering::SeqCst) {
            state.expire_all_uploads();
        }
        ControlFlow::Continue(())
    });
    env.sim.reset_counters();
    let token = env.key_token("expired2");
    env.client_with(config)
        .upload_file(&token, &path, params)
        .await
        .unwrap();
    assert_eq!(
        env.sim.object_bytes(BUCKET, "expired2").unwrap(),
        std::fs::read(&path).unwrap()
    );
    assert!(env.sim.parts_stored() >= 4);
}

/// 1 GiB generated file through resumable v2: etag matches and memory stays bounded.
/// Slow in debug builds; run with
/// `cargo test --release -p qiniu-sim --test resumable -- --ignored one_gib`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "1 GiB of I/O; run in release mode"]
async fn one_gib_upload_with_bounded_memory() {
    let env = Env::start_with(|mut c| {
        c.workers = 1;
        c
    });
    let path = env.file("big.bin", 1024 * MIB, 16);
    let started = std::time::Instant::now();
    let response = env
        .client()
        .upload_file(&env.key_token("big"), &path, UploadParams::new().key("big"))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    let local = etag_of_file(&path).unwrap();
    assert_eq!(response.hash(), Some(local.as_str()));
    assert_eq!(env.sim.object(BUCKET, "big").unwrap().fsize, 1024 * MIB);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    eprintln!(
        "1 GiB upload in {elapsed:?}; peak RSS (client + simulator) {} MiB",
        hwm_kib / 1024
    );
    assert!(hwm_kib < 128 * 1024, "peak RSS {hwm_kib} KiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parts_fail_over_to_the_next_upload_host() {
    let env = Env::start();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let region = qiniu_sdk::Region::single_host(env.sim.base_url())
        .with_up_hosts([dead_url.as_str(), env.sim.base_url()]);
    let path = env.file("failover.bin", 9 * MIB, 17);
    let client = env.client_for_region(region, env.upload_config());
    let response = client
        .upload_file(&env.key_token("f"), &path, UploadParams::new().key("f"))
        .await
        .unwrap();
    assert_eq!(response.hash(), Some(etag_of_file(&path).unwrap().as_str()));
    assert_eq!(env.sim.parts_stored(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_checks_the_server_and_resends_a_lost_part() {
    let env = Env::start();
    let path = env.file("lost.bin", 30 * MIB, 18);
    let token = env.key_token("lost");
    let config = UploadConfig {
        concurrency: 1,
        ..env.upload_config()
    };
    let first = env
        .client_with(config)
        .upload_file(&token, &path, cancel_after(3).key("lost"))
        .await;
    assert!(matches!(first, Err(Error::Cancelled)));
    let upload_id = read_record(&env).upload_id;
    assert!(env.sim.drop_part(&upload_id, 2));
    env.sim.reset_counters();
    let response = env
        .client()
        .upload_file(&token, &path, UploadParams::new().key("lost"))
        .await
        .unwrap();
    assert_eq!(response.hash(), Some(etag_of_file(&path).unwrap().as_str()));
    assert_eq!(
        env.sim.part_requests(),
        8 - 3 + 1,
        "the lost part 2 was sent again"
    );
}
