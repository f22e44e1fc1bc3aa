#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Test controls: delayed part uploads and the simulator's clock offset.

mod common;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{BUCKET, Env, MIB};
use qiniu_sdk::resumable::record::UploadRecord;
use qiniu_sdk::{
    Client, Error, PutPolicy, Region, UploadConfig, UploadParams, UploadResponse,
    public_download_url,
};

/// Holds part uploads until the test releases them.
const HOLD: Duration = Duration::from_secs(3600);

/// Polls `condition` every 5 ms; panics after 60 s so a broken test fails instead of hanging.
async fn wait_for(what: &str, condition: impl Fn() -> bool) {
    let give_up = std::time::Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(
            std::time::Instant::now() < give_up,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn real_now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// One part at a time, 1 MiB parts.
fn one_mib_parts(env: &Env) -> UploadConfig {
    UploadConfig {
        concurrency: 1,
        part_size: Some(MIB),
        ..env.upload_config()
    }
}

/// The upload answered the stored object's hash and the stored bytes are the file's.
fn assert_stored(env: &Env, key: &str, path: &std::path::Path, response: &UploadResponse) {
    let stored = env.sim.object(BUCKET, key).unwrap();
    assert_eq!(response.hash(), Some(stored.hash.as_str()));
    assert_eq!(
        std::fs::read(&stored.path).unwrap(),
        std::fs::read(path).unwrap()
    );
}

/// Holds every part upload after part `part` has completed (parts are sent one at a time, so
/// the next part is only sent once this callback has returned).
fn hold_after_part(env: &Env, part: u32, key: &str) -> UploadParams {
    let state = env.sim.state().clone();
    UploadParams::new().key(key).on_progress(move |p| {
        if p.completed_part == Some(part) {
            state.delay_parts(HOLD);
        }
        ControlFlow::Continue(())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_parts_keep_a_multipart_upload_in_flight() {
    let env = Env::start();
    assert_eq!(env.sim.part_delay(), Duration::ZERO);
    let path = env.file("slow.bin", 3 * MIB, 21);
    let token = env.key_token("slow");
    // Part 1 waits 300 ms; once it is stored, the following parts are held.
    env.sim.delay_parts(Duration::from_millis(300));
    assert_eq!(env.sim.part_delay(), Duration::from_millis(300));
    let client = env.client_with(one_mib_parts(&env));
    let params = hold_after_part(&env, 1, "slow");
    let task = {
        let path = path.clone();
        tokio::spawn(async move { client.resumable_upload_file(&token, &path, params).await })
    };

    wait_for("part 2 to arrive", || env.sim.part_requests() == 2).await;
    assert_eq!(env.sim.parts_stored(), 1, "part 2 is waiting, not stored");
    assert!(!task.is_finished(), "the upload is still in flight");
    let ids = env.sim.upload_ids();
    assert_eq!(ids.len(), 1);
    let upload = env.sim.upload(&ids[0]).unwrap();
    assert_eq!(upload.parts.keys().copied().collect::<Vec<_>>(), [1]);
    assert!(env.sim.object(BUCKET, "slow").is_none());

    // Other requests are served while a part waits.
    let other = env.file("other.bin", 10, 22);
    env.client()
        .upload_file(
            &env.key_token("other"),
            &other,
            UploadParams::new().key("other"),
        )
        .await
        .unwrap();
    assert_eq!(env.sim.parts_stored(), 1);

    env.sim.delay_parts(Duration::ZERO);
    assert_eq!(env.sim.part_delay(), Duration::ZERO);
    let response = task.await.unwrap().unwrap();
    assert_stored(&env, "slow", &path, &response);
    assert_eq!(env.sim.parts_stored(), 3);
    assert_eq!(env.sim.part_requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_stopped_while_a_part_waits_resumes_with_the_missing_parts() {
    let env = Env::start();
    let path = env.file("stopped.bin", 4 * MIB, 23);
    let token = env.key_token("stopped");
    let client = env.client_with(one_mib_parts(&env));
    let params = hold_after_part(&env, 2, "stopped");
    let task = {
        let (token, path) = (token.clone(), path.clone());
        tokio::spawn(async move { client.resumable_upload_file(&token, &path, params).await })
    };
    wait_for("part 3 to arrive", || env.sim.part_requests() == 3).await;
    assert_eq!(env.sim.parts_stored(), 2);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let records = env.records();
    assert_eq!(records.len(), 1);
    let record: UploadRecord =
        serde_json::from_slice(&std::fs::read(&records[0]).unwrap()).unwrap();
    assert_eq!(record.parts.len(), 2, "parts 1 and 2 were recorded");

    env.sim.delay_parts(Duration::ZERO);
    env.sim.reset_counters();
    let response = env
        .client_with(one_mib_parts(&env))
        .resumable_upload_file(&token, &path, UploadParams::new().key("stopped"))
        .await
        .unwrap();
    assert_stored(&env, "stopped", &path, &response);
    assert_eq!(
        env.sim.part_requests(),
        2,
        "only parts 3 and 4 were sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_download_urls_expire_when_the_clock_moves_past_their_deadline() {
    let env = Env::start();
    env.client()
        .upload_bytes(
            &env.key_token("lecture.mp4"),
            b"lecture".to_vec(),
            UploadParams::new().key("lecture.mp4"),
        )
        .await
        .unwrap();
    let url = public_download_url(&format!("{}/{BUCKET}", env.sim.base_url()), "lecture.mp4");
    let signed = env
        .credentials()
        .private_download_url_with_deadline(&url, real_now_secs() + 100);
    let http = reqwest::Client::new();
    let get = |u: String| {
        let http = http.clone();
        async move {
            let response = http.get(u).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.bytes().await.unwrap())
        }
    };
    let (status, body) = get(signed.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_ref(), b"lecture");

    env.sim.set_clock_offset_secs(200);
    assert_eq!(env.sim.clock_offset_secs(), 200);
    assert!(env.sim.now_secs() >= real_now_secs() + 199);
    let (status, body) = get(signed.clone()).await;
    assert_eq!(status, 401);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"], "token out of date");

    env.sim.advance_clock(-150);
    assert_eq!(env.sim.clock_offset_secs(), 50);
    assert_eq!(get(signed.clone()).await.0, 200, "back before the deadline");
    env.sim.advance_clock(100);
    assert_eq!(get(signed.clone()).await.0, 401);
    env.sim.set_clock_offset_secs(0);
    assert_eq!(get(signed).await.0, 200, "real time again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_tokens_expire_when_the_clock_moves_past_their_deadline() {
    let env = Env::start();
    let token = env
        .credentials()
        .upload_token_with_deadline(
            &PutPolicy::for_key_prefix(BUCKET, "t/"),
            real_now_secs() + 100,
        )
        .unwrap();
    let client = env.client();
    let upload = |key: &'static str| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            client
                .upload_bytes(&token, b"data".to_vec(), UploadParams::new().key(key))
                .await
        }
    };
    upload("t/before").await.unwrap();

    env.sim.set_clock_offset_secs(200);
    let err = upload("t/after").await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized(a) if a.message == "token out of date"),
        "{err}"
    );
    let path = env.file("late.bin", 2 * MIB, 24);
    let err = env
        .client_with(one_mib_parts(&env))
        .resumable_upload_file(&token, &path, UploadParams::new().key("t/late"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized(a) if a.message == "token out of date"),
        "{err}"
    );
    assert!(env.sim.upload_ids().is_empty(), "no upload was started");
    assert!(env.sim.object(BUCKET, "t/after").is_none());

    env.sim.set_clock_offset_secs(0);
    upload("t/after").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_ids_expire_on_the_simulators_clock() {
    let env = Env::start_with(|mut c| {
        c.upload_id_ttl = Duration::from_secs(3600);
        c
    });
    let path = env.file("ttl.bin", 3 * MIB, 25);
    let policy = PutPolicy::for_key(BUCKET, "ttl");
    let token = env
        .credentials()
        .upload_token_with_deadline(&policy, real_now_secs() + 10 * 24 * 3600)
        .unwrap();
    let stop_after_first = {
        let stopped = AtomicBool::new(false);
        UploadParams::new().key("ttl").on_progress(move |p| {
            if p.completed_part.is_some() && !stopped.swap(true, Ordering::SeqCst) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
    };
    let first = env
        .client_with(one_mib_parts(&env))
        .resumable_upload_file(&token, &path, stop_after_first)
        .await;
    assert!(matches!(first, Err(Error::Cancelled)), "{first:?}");
    let ids = env.sim.upload_ids();
    assert_eq!(ids.len(), 1);
    let expire_at = env.sim.upload(&ids[0]).unwrap().expire_at;
    assert!(expire_at >= real_now_secs() + 3500 && expire_at <= real_now_secs() + 3600);

    env.sim.advance_clock(2 * 3600);
    env.sim.reset_counters();
    let response = env
        .client_with(one_mib_parts(&env))
        .resumable_upload_file(&token, &path, UploadParams::new().key("ttl"))
        .await
        .unwrap();
    assert_stored(&env, "ttl", &path, &response);
    assert_eq!(
        env.sim.part_requests(),
        3,
        "the expired upload id was replaced and every part sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_time_and_request_dates_follow_the_clock_offset() {
    let env = Env::start();
    let day = 24 * 3600;
    let token = env
        .credentials()
        .upload_token_with_deadline(
            &PutPolicy::for_key(BUCKET, "tomorrow"),
            real_now_secs() + 2 * day,
        )
        .unwrap();
    env.sim.set_clock_offset_secs(day as i64);
    let before = real_now_secs();
    env.client()
        .upload_bytes(&token, b"x".to_vec(), UploadParams::new().key("tomorrow"))
        .await
        .unwrap();
    let after = real_now_secs();
    let put_secs =
        u64::try_from(env.sim.object(BUCKET, "tomorrow").unwrap().put_time / 10_000_000).unwrap();
    assert!(
        (before + day..=after + day).contains(&put_secs),
        "{put_secs} not a day after {before}..={after}"
    );

    // Signed management requests carry the client's time, checked against the simulator's.
    let offset = 1200;
    env.sim.set_clock_offset_secs(offset);
    let on_real_time = env.client();
    assert!(matches!(
        on_real_time.stat(BUCKET, "tomorrow").await,
        Err(Error::Forbidden(_))
    ));
    let moved_along = Client::builder()
        .region(Region::single_host(env.sim.base_url()))
        .credentials(env.credentials())
        .clock(std::sync::Arc::new(qiniu_sdk::FixedClock::new(
            SystemTime::now() + Duration::from_secs(offset as u64),
        )))
        .build()
        .unwrap();
    assert_eq!(moved_along.stat(BUCKET, "tomorrow").await.unwrap().fsize, 1);
}
