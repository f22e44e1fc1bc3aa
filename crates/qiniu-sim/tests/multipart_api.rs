#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The raw resumable v2 API of the simulator: list parts, abort, validation.

mod common;

use common::{BUCKET, Env, MIB};
use md5::{Digest, Md5};
use serde_json::{Value, json};

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_parts_abort_and_validation() {
    let env = Env::start();
    let http = reqwest::Client::new();
    let auth = format!("UpToken {}", env.key_token("k"));
    let base = format!(
        "{}/buckets/{BUCKET}/objects/aw==/uploads",
        env.sim.base_url()
    );
    let init: Value = http
        .post(&base)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = init["uploadId"].as_str().unwrap().to_owned();
    assert!(init["expireAt"].as_u64().unwrap() > 1_700_000_000);

    let small = vec![7u8; 1000];
    let big = vec![9u8; MIB as usize];
    for (n, data) in [(1, &small), (2, &big)] {
        let res = http
            .put(format!("{base}/{id}/{n}"))
            .header("Authorization", &auth)
            .header("Content-MD5", md5_hex(data))
            .body(data.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["md5"], md5_hex(data));
    }
    let bad_md5 = http
        .put(format!("{base}/{id}/3"))
        .header("Authorization", &auth)
        .header("Content-MD5", md5_hex(b"other"))
        .body(small.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(bad_md5.status(), 406);
    let bad_number = http
        .put(format!("{base}/{id}/10001"))
        .header("Authorization", &auth)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_number.status(), 400);

    let page: Value = http
        .get(format!("{base}/{id}?max-parts=1"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["parts"].as_array().unwrap().len(), 1);
    assert_eq!(page["partNumberMarker"], 1);
    let rest: Value = http
        .get(format!("{base}/{id}?max-parts=1&part-number-marker=1"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["parts"][0]["partNumber"], 2);
    assert_eq!(rest["parts"][0]["size"], MIB);
    let etag1 = page["parts"][0]["etag"].clone();
    let etag2 = rest["parts"][0]["etag"].clone();

    // A non-last part under 1 MiB is refused at completion.
    let complete = |parts: Value| {
        let (http, auth, url) = (http.clone(), auth.clone(), format!("{base}/{id}"));
        async move {
            http.post(url)
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(&json!({"parts": parts, "fname": "f", "mimeType": null, "customVars": null, "metadata": null})).unwrap())
                .send()
                .await
                .unwrap()
        }
    };
    let res =
        complete(json!([{"etag": etag1, "partNumber": 1}, {"etag": etag2, "partNumber": 2}])).await;
    assert_eq!(res.status(), 400);
    let res =
        complete(json!([{"etag": etag2, "partNumber": 2}, {"etag": etag1, "partNumber": 1}])).await;
    assert_eq!(res.status(), 400, "descending order refused");
    let res = complete(json!([{"etag": "wrong", "partNumber": 2}])).await;
    assert_eq!(res.status(), 400);

    let aborted = http
        .delete(format!("{base}/{id}"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(aborted.status(), 200);
    let gone = http
        .get(format!("{base}/{id}"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 612);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["error"], "no such uploadId");

    let no_token = http.post(&base).send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    let wrong_bucket = http
        .post(format!(
            "{}/buckets/archive/objects/aw==/uploads",
            env.sim.base_url()
        ))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_bucket.status(), 403);
}
