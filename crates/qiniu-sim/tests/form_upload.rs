#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Form uploads from `qiniu-sdk` against the simulator.

mod common;

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{BUCKET, Env, MIB};
use qiniu_sdk::etag::{etag_of_bytes, etag_of_file};
use qiniu_sdk::{Credentials, Error, PutPolicy, Region, UploadParams};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_upload_stores_the_file_and_reports_progress() {
    let env = Env::start();
    let path = env.file("lesson.bin", 3 * MIB + 5, 1);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let params = UploadParams::new()
        .key("lessons/1.bin")
        .on_progress(move |p| {
            sink.lock().unwrap().push((p.uploaded, p.total));
            ControlFlow::Continue(())
        });
    let response = env
        .client()
        .upload_file(&env.key_token("lessons/1.bin"), &path, params)
        .await
        .unwrap();
    let local = etag_of_file(&path).unwrap();
    assert_eq!(response.hash(), Some(local.as_str()));
    assert_eq!(response.key(), Some("lessons/1.bin"));
    assert!(
        response
            .request_id
            .as_deref()
            .is_some_and(|id| id.starts_with("qsim"))
    );
    assert_eq!(
        env.sim.object_bytes(BUCKET, "lessons/1.bin").unwrap(),
        std::fs::read(&path).unwrap()
    );
    assert_eq!(env.sim.form_requests(), 1);
    assert_eq!(
        env.sim.parts_stored(),
        0,
        "small files go through the form path"
    );
    let seen = seen.lock().unwrap();
    assert!(seen.len() > 10, "byte-level progress, got {}", seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "monotonic");
    assert_eq!(*seen.last().unwrap(), (3 * MIB + 5, 3 * MIB + 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_body_magic_variables_and_bytes_upload() {
    let env = Env::start();
    let policy = PutPolicy::new(BUCKET).return_body(
        r#"{"key":"$(key)","hash":"$(etag)","fsize":$(fsize),"fname":"$(fname)","mime":"$(mimeType)","course":"$(x:course)","bucket":"$(bucket)"}"#,
    );
    let data = b"hello \"course\" video".to_vec();
    let params = UploadParams::new()
        .key("v/\"quoted\".txt")
        .file_name("orig.txt")
        .mime_type("text/plain")
        .custom_var("course", "rust 101")
        .metadata("teacher", "ann");
    let response = env
        .client()
        .upload_bytes(&env.token(&policy), data.clone(), params)
        .await
        .unwrap();
    let body = &response.body;
    assert_eq!(body["key"], "v/\"quoted\".txt");
    assert_eq!(body["hash"], etag_of_bytes(&data));
    assert_eq!(body["fsize"], data.len() as u64);
    assert_eq!(body["fname"], "orig.txt");
    assert_eq!(body["mime"], "text/plain");
    assert_eq!(body["course"], "rust 101");
    assert_eq!(body["bucket"], BUCKET);
    let stored = env.sim.object(BUCKET, "v/\"quoted\".txt").unwrap();
    assert_eq!(
        stored.metadata.get("x-qn-meta-teacher").map(String::as_str),
        Some("ann")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_file_and_key_from_hash() {
    let env = Env::start();
    let path = env.file("empty", 0, 0);
    let token = env.token(&PutPolicy::new(BUCKET));
    let response = env
        .client()
        .upload_file(&token, &path, UploadParams::new())
        .await
        .unwrap();
    assert_eq!(response.hash(), Some("Fto5o-5ea0sNMlW_75VgGJCv2AcJ"));
    assert_eq!(response.key(), Some("Fto5o-5ea0sNMlW_75VgGJCv2AcJ"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_server_errors_and_fails_over_to_the_next_host() {
    let env = Env::start();
    env.sim.fail_form_uploads(2, 503);
    let path = env.file("a", 1000, 2);
    let client = env.client();
    client
        .upload_file(&env.key_token("a"), &path, UploadParams::new().key("a"))
        .await
        .unwrap();
    assert_eq!(env.sim.form_requests(), 3);

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let region = Region::single_host(env.sim.base_url())
        .with_up_hosts([dead_url.as_str(), env.sim.base_url()]);
    let client = env.client_for_region(region, env.upload_config());
    client
        .upload_file(&env.key_token("b"), &path, UploadParams::new().key("b"))
        .await
        .unwrap();
    assert!(env.sim.object(BUCKET, "b").is_some());

    env.sim.fail_form_uploads(1, 579);
    let err = env
        .client()
        .upload_file(&env.key_token("c"), &path, UploadParams::new().key("c"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::CallbackFailed(_)),
        "579 is terminal: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_and_policy_violations_map_to_errors() {
    let env = Env::start();
    let client = env.client();
    let path = env.file("v.mp4", 2000, 3);
    let upload = |token: String, key: &'static str| {
        let client = client.clone();
        let path = path.clone();
        async move {
            client
                .upload_file(&token, &path, UploadParams::new().key(key))
                .await
        }
    };
    let forged = Credentials::new(common::AK, "wrong")
        .upload_token(&PutPolicy::for_key(BUCKET, "k"), Duration::from_secs(60))
        .unwrap();
    assert!(matches!(
        upload(forged, "k").await,
        Err(Error::Unauthorized(_))
    ));
    let expired = env
        .credentials()
        .upload_token_with_deadline(&PutPolicy::for_key(BUCKET, "k"), 1)
        .unwrap();
    let err = upload(expired, "k").await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized(a) if a.message == "token out of date"),
        "{err}"
    );
    assert!(matches!(
        upload(env.key_token("other"), "k").await,
        Err(Error::Forbidden(_))
    ));
    let prefixed = env.token(&PutPolicy::for_key_prefix(BUCKET, "videos/"));
    assert!(upload(prefixed.clone(), "videos/a.mp4").await.is_ok());
    assert!(matches!(
        upload(prefixed, "images/a.mp4").await,
        Err(Error::Forbidden(_))
    ));
    let insert_only = env.token(&PutPolicy::for_key(BUCKET, "once").insert_only());
    upload(insert_only.clone(), "once").await.unwrap();
    assert!(matches!(
        upload(insert_only, "once").await,
        Err(Error::AlreadyExists(_))
    ));
    let small_limit = env.token(&PutPolicy::for_key(BUCKET, "big").fsize_limit(1999));
    assert!(matches!(
        upload(small_limit, "big").await,
        Err(Error::SizeRefused(_))
    ));
    let images_only = env.token(&PutPolicy::for_key(BUCKET, "img").mime_limit("image/*"));
    assert!(matches!(
        upload(images_only, "img").await,
        Err(Error::Forbidden(_))
    ));
    let other_bucket = env.token(&PutPolicy::for_key("nope", "k"));
    assert!(matches!(
        upload(other_bucket, "k").await,
        Err(Error::NoSuchBucket(_))
    ));
    let overwrite = env.key_token("k");
    upload(overwrite.clone(), "k").await.unwrap();
    upload(overwrite, "k").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_callback_cancels_a_form_upload() {
    let env = Env::start();
    let path = env.file("c", 2 * MIB, 4);
    let params = UploadParams::new().key("c").on_progress(|p| {
        if p.uploaded > 256 * 1024 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let err = env
        .client()
        .upload_file(&env.key_token("c"), &path, params)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert!(env.sim.object(BUCKET, "c").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_hash_that_differs_from_the_local_etag_is_an_error() {
    let env = Env::start();
    let policy = PutPolicy::for_key(BUCKET, "h")
        .return_body(r#"{"hash":"FtamperedXXXXXXXXXXXXXXXXXXX","key":"$(key)"}"#);
    let err = env
        .client()
        .upload_bytes(
            &env.token(&policy),
            &b"data"[..],
            UploadParams::new().key("h"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::HashMismatch { local, .. } if *local == etag_of_bytes(b"data")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_is_not_retried() {
    let env = Env::start();
    let path = env.file("once", 2 * MIB, 5);
    let calls = Arc::new(Mutex::new(0u32));
    let counter = calls.clone();
    let params = UploadParams::new().key("once").on_progress(move |_| {
        *counter.lock().unwrap() += 1;
        ControlFlow::Break(())
    });
    let err = env
        .client()
        .upload_file(&env.key_token("once"), &path, params)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert_eq!(
        *calls.lock().unwrap(),
        1,
        "the callback is not asked again after cancelling"
    );
}
