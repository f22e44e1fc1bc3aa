#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Object management and private downloads against the simulator.

mod common;

use std::time::Duration;

use common::{BUCKET, Env};
use qiniu_sdk::{
    Client, Credentials, Error, ListOptions, Region, UploadParams, public_download_url,
};

async fn put(env: &Env, key: &str, data: &[u8]) {
    env.client()
        .upload_bytes(
            &env.key_token(key),
            data.to_vec(),
            UploadParams::new().key(key).mime_type("video/mp4"),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stat_copy_move_delete() {
    let env = Env::start();
    let client = env.client();
    put(&env, "a.mp4", b"aaaa").await;
    let info = client.stat(BUCKET, "a.mp4").await.unwrap();
    assert_eq!(info.fsize, 4);
    assert_eq!(info.hash, qiniu_sdk::etag_of_bytes(b"aaaa"));
    assert_eq!(info.mime_type, "video/mp4");
    assert!(info.put_time > 0);
    assert!(matches!(
        client.stat(BUCKET, "missing").await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        client.stat("nope", "a.mp4").await,
        Err(Error::NoSuchBucket(_))
    ));

    client
        .copy_object((BUCKET, "a.mp4"), ("archive", "a-copy.mp4"), false)
        .await
        .unwrap();
    assert_eq!(
        env.sim.object_bytes("archive", "a-copy.mp4").unwrap(),
        b"aaaa"
    );
    put(&env, "b.mp4", b"bb").await;
    let err = client
        .move_object((BUCKET, "b.mp4"), (BUCKET, "a.mp4"), false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists(_)), "{err}");
    client
        .move_object((BUCKET, "b.mp4"), (BUCKET, "a.mp4"), true)
        .await
        .unwrap();
    assert_eq!(env.sim.object_bytes(BUCKET, "a.mp4").unwrap(), b"bb");
    assert!(env.sim.object(BUCKET, "b.mp4").is_none());

    client.delete(BUCKET, "a.mp4").await.unwrap();
    assert!(matches!(
        client.stat(BUCKET, "a.mp4").await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        client.delete(BUCKET, "a.mp4").await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_with_prefix_marker_and_delimiter() {
    let env = Env::start();
    for key in ["c/1", "c/2", "c/3", "c/sub/4", "d/5"] {
        put(&env, key, key.as_bytes()).await;
    }
    let client = env.client();
    let mut keys = Vec::new();
    let mut options = ListOptions {
        prefix: Some("c/".into()),
        limit: Some(2),
        ..ListOptions::default()
    };
    let mut pages = 0;
    loop {
        let page = client.list(BUCKET, &options).await.unwrap();
        pages += 1;
        keys.extend(page.items.iter().map(|i| i.key.clone()));
        match page.marker {
            Some(marker) => options.marker = Some(marker),
            None => break,
        }
    }
    assert_eq!(keys, ["c/1", "c/2", "c/3", "c/sub/4"]);
    assert_eq!(pages, 2);
    let rolled = client
        .list(
            BUCKET,
            &ListOptions {
                prefix: Some("c/".into()),
                delimiter: Some("/".into()),
                ..ListOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rolled.items.len(), 3);
    assert_eq!(rolled.common_prefixes, ["c/sub/"]);
    assert_eq!(rolled.items[0].fsize, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_needs_valid_credentials() {
    let env = Env::start();
    let forged = Client::builder()
        .region(Region::single_host(env.sim.base_url()))
        .credentials(Credentials::new(common::AK, "wrong"))
        .build()
        .unwrap();
    assert!(matches!(
        forged.stat(BUCKET, "x").await,
        Err(Error::Unauthorized(_))
    ));
    let anonymous = Client::builder()
        .region(Region::single_host(env.sim.base_url()))
        .build()
        .unwrap();
    assert!(matches!(
        anonymous.stat(BUCKET, "x").await,
        Err(Error::InvalidArgument(_))
    ));
    // A clock 20 minutes off gives "request time too skewed".
    let skewed = Client::builder()
        .region(Region::single_host(env.sim.base_url()))
        .credentials(env.credentials())
        .clock(std::sync::Arc::new(qiniu_sdk::FixedClock::new(
            std::time::SystemTime::now() - Duration::from_secs(1200),
        )))
        .build()
        .unwrap();
    assert!(matches!(
        skewed.stat(BUCKET, "x").await,
        Err(Error::Forbidden(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_download_urls_are_checked() {
    let env = Env::start();
    put(&env, "课程/第 1 讲.mp4", b"lecture").await;
    let base = format!("{}/{BUCKET}", env.sim.base_url());
    let url = public_download_url(&base, "课程/第 1 讲.mp4");
    let credentials = env.credentials();
    let http = reqwest::Client::new();
    let signed = credentials.private_download_url(&url, Duration::from_secs(60));
    let response = http.get(&signed).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-reqid"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"lecture");

    let status = |u: String| {
        let http = http.clone();
        async move { http.get(u).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(url.clone()).await, 401, "no token");
    let forged =
        Credentials::new(common::AK, "wrong").private_download_url(&url, Duration::from_secs(60));
    assert_eq!(status(forged).await, 401);
    assert_eq!(
        status(credentials.private_download_url_with_deadline(&url, 1000)).await,
        401,
        "expired"
    );
    let tampered = signed.replace("e=", "e=9");
    assert_eq!(status(tampered).await, 401);
}
