//! `GET /{bucket}/{key}`: downloads, with private-URL checking.

use std::io::Read;

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::stream;
use percent_encoding::percent_decode_str;

use crate::error::SimError;
use crate::state::SimState;

/// Checks `e` and `token` the way a private bucket does (401 otherwise).
fn check_private_url(state: &SimState, req: &HttpRequest) -> Result<(), SimError> {
    let query = req.query_string();
    let (signed_query, token) = query
        .rsplit_once("&token=")
        .ok_or_else(|| SimError::new(401, "download token not specified"))?;
    let deadline = signed_query
        .rsplit('&')
        .find_map(|pair| pair.strip_prefix("e="))
        .and_then(|e| e.parse::<u64>().ok())
        .ok_or_else(|| SimError::new(401, "download token auth failed"))?;
    let host = req.connection_info().host().to_owned();
    let url = format!("http://{host}{}?{signed_query}", req.uri().path());
    if state.credentials.sign(url.as_bytes()) != token {
        return Err(SimError::new(401, "download token auth failed"));
    }
    if deadline < state.now_secs() {
        return Err(SimError::new(401, "token out of date"));
    }
    Ok(())
}

/// Serves an object's bytes, streamed from disk.
pub async fn download(
    state: web::Data<SimState>,
    req: HttpRequest,
) -> Result<HttpResponse, SimError> {
    if state.config.private_downloads {
        check_private_url(&state, &req)?;
    }
    let raw_path = req.uri().path().trim_start_matches('/');
    let (bucket, encoded_key) = raw_path
        .split_once('/')
        .ok_or_else(|| SimError::new(404, "not found"))?;
    let key = percent_decode_str(encoded_key)
        .decode_utf8()
        .map_err(|_| SimError::bad_request("invalid key encoding"))?;
    let object = state
        .object(bucket, &key)
        .ok_or_else(|| SimError::new(404, "no such file or directory"))?;
    let file = std::fs::File::open(&object.path)?;
    let chunks = stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(web::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    Ok(HttpResponse::Ok()
        .content_type(object.mime_type.as_str())
        .insert_header(("ETag", format!("\"{}\"", object.hash)))
        .no_chunking(object.fsize)
        .streaming(chunks))
}
