//! Request bodies that do not arrive: the server answers 408 and closes the connection once
//! the body deadline passes, whoever reads the body. A media upload that keeps arriving is not
//! cut off by the same deadline.

use crate::helpers::{TestApp, TestBackend, spawn_app_with};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Generous bound so that a broken server fails the test instead of hanging it.
const GIVE_UP: Duration = Duration::from_secs(30);

async fn spawn(backend: TestBackend) -> Option<TestApp> {
    spawn_app_with(backend, &[("LUFFY_BODY_TIMEOUT_SECS", "1")]).await
}

/// Sends the head of a request whose body claims `length` bytes, and one byte of it; then reads
/// until the server closes.
async fn stall(app: &TestApp, method_and_path: &str, content_type: &str, length: usize) -> String {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "{method_and_path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(GIVE_UP, stream.read_to_end(&mut answer))
        .await
        .expect("the server closes a stalled request")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

both_backends! {
    spawn = spawn;

    async fn a_stalled_body_is_answered_408_and_closed(app) {
        for (target, content_type, length) in [
            ("POST /api/v1/user/user/mul_login/", "application/json", 100_000),
            ("POST /api/v1/order/success/", "application/x-www-form-urlencoded", 4_000),
            ("POST /api/v1/media/upload/", "multipart/form-data; boundary=X", 100_000),
            ("POST /api/v1/media/upload", "multipart/form-data; boundary=X", 100_000),
        ] {
            let answer = stall(&app, target, content_type, length).await;
            assert!(answer.starts_with("HTTP/1.1 408"), "{target}: {answer}");
            assert!(answer.contains("\"code\":999"), "{target}: {answer}");
        }
        // The server still serves.
        assert_eq!(app.get_json("/healthz").await.0, 200);
    }

    async fn an_upload_that_keeps_arriving_outlives_the_deadline(app) {
        // A multipart body sent in pieces over about three times the deadline, each gap well
        // under it: not cut off (the form is read to its end, then refused for its missing file).
        let address = app.address.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let body = format!(
            "--X\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n{}\r\n--X--\r\n",
            "k".repeat(12)
        );
        let head = format!(
            "POST /api/v1/media/upload/ HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary=X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let bytes = body.as_bytes();
        let pieces = 12;
        let size = bytes.len().div_ceil(pieces);
        for piece in bytes.chunks(size) {
            stream.write_all(piece).await.unwrap();
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let mut answer = Vec::new();
        tokio::time::timeout(GIVE_UP, stream.read_to_end(&mut answer)).await.unwrap().unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("file is not specified"), "{answer}");
    }
}
