#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Upload callbacks: the simulator signs them with the `Qiniu` scheme and relays the answer.

mod common;

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use common::{BUCKET, Env};
use qiniu_sdk::{CallbackRequest, CallbackScheme, Credentials, Error, PutPolicy, UploadParams};

type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A callback server that verifies signatures with `qiniu-sdk` and echoes what it got.
fn start_receiver(credentials: Credentials) -> (String, Seen, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/qiniu/callback", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let state = (credentials, seen.clone(), url.clone());
    std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let state = state.clone();
                App::new().route(
                    "/qiniu/callback",
                    web::post().to(move |req: HttpRequest, body: web::Bytes| {
                        let (credentials, seen, url) = state.clone();
                        async move {
                            let headers: Vec<(String, String)> = req
                                .headers()
                                .iter()
                                .map(|(k, v)| {
                                    (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())
                                })
                                .collect();
                            let borrowed: Vec<(&str, &str)> = headers
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.as_str()))
                                .collect();
                            let request = CallbackRequest {
                                method: "POST",
                                url: &url,
                                headers: &borrowed,
                                body: &body,
                            };
                            let content_type =
                                request.header("content-type").unwrap_or("").to_owned();
                            seen.lock()
                                .unwrap()
                                .push((content_type, String::from_utf8_lossy(&body).into_owned()));
                            match credentials.verify_callback(&request) {
                                Ok(CallbackScheme::Qiniu) => {
                                    HttpResponse::Ok().json(serde_json::json!({
                                        "verified": true,
                                        "body": String::from_utf8_lossy(&body),
                                    }))
                                }
                                _ => HttpResponse::Unauthorized().finish(),
                            }
                        }
                    }),
                )
            })
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run();
            tx.send(server.handle()).unwrap();
            server.await.unwrap();
        });
    });
    (url, seen, rx.recv().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_json_callback_answer_is_relayed() {
    let env = Env::start();
    let (url, seen, handle) = start_receiver(env.credentials());
    let policy = PutPolicy::for_key(BUCKET, "v/a.mp4")
        .callback_url(format!("http://127.0.0.1:9/unreachable;{url}"))
        .callback_body(r#"{"key":"$(key)","hash":"$(etag)","size":$(fsize),"uid":"$(x:uid)"}"#)
        .callback_body_type("application/json");
    let response = env
        .client()
        .upload_bytes(
            &env.token(&policy),
            &b"video"[..],
            UploadParams::new().key("v/a.mp4").custom_var("uid", "42"),
        )
        .await
        .unwrap();
    assert_eq!(response.body["verified"], true);
    let body: serde_json::Value =
        serde_json::from_str(response.body["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["key"], "v/a.mp4");
    assert_eq!(body["hash"], qiniu_sdk::etag_of_bytes(b"video"));
    assert_eq!(body["size"], 5);
    assert_eq!(body["uid"], "42");
    assert_eq!(seen.lock().unwrap()[0].0, "application/json");
    assert_eq!(
        env.sim.callbacks_sent(),
        2,
        "first URL failed, second answered"
    );
    drop(handle.stop(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_encoded_callback_and_failed_callback_gives_579_but_stores() {
    let env = Env::start();
    let (url, seen, handle) = start_receiver(env.credentials());
    let policy = PutPolicy::new(BUCKET)
        .callback_url(url)
        .callback_body("key=$(key)&hash=$(etag)");
    let response = env
        .client()
        .upload_bytes(
            &env.token(&policy),
            &b"x"[..],
            UploadParams::new().key("v/b c.mp4"),
        )
        .await
        .unwrap();
    assert_eq!(response.body["verified"], true);
    let (content_type, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(content_type, "application/x-www-form-urlencoded");
    assert_eq!(
        body,
        format!("key=v%2Fb+c.mp4&hash={}", qiniu_sdk::etag_of_bytes(b"x"))
    );

    // The receiver refuses callbacks signed with other keys: the uploader sees 579, the file stays.
    let (other_url, _, other) = start_receiver(Credentials::new("someone", "else"));
    let policy = PutPolicy::for_key(BUCKET, "kept")
        .callback_url(other_url)
        .callback_body("k=$(key)");
    let err = env
        .client()
        .upload_bytes(
            &env.token(&policy),
            &b"y"[..],
            UploadParams::new().key("kept"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CallbackFailed(_)), "{err}");
    assert!(env.sim.object(BUCKET, "kept").is_some());
    drop(handle.stop(false));
    drop(other.stop(false));
}
