//! A lean HTTP/1.1 keep-alive connection for the load harness.
//!
//! The harness shares the machine with the server it measures, so every microsecond it spends
//! is taken from the server. One connection per client task, requests encoded once and written
//! as they are, responses parsed with `httparse` and kept as bytes: what a full client adds
//! (pools, redirects, header maps, decoding) is left out.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Most header bytes accepted in a response.
const MAX_HEAD: usize = 16 * 1024;

/// One response: the status and the body.
#[derive(Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Encodes a request with a body once, to be sent many times.
pub fn encode_request(
    method: &str,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A keep-alive connection.
#[derive(Debug)]
pub struct Connection {
    address: SocketAddr,
    stream: Option<TcpStream>,
    buffer: Vec<u8>,
}

impl Connection {
    /// A connection to `address`, opened on first use (and again after the server closed it).
    pub fn new(address: SocketAddr) -> Self {
        Self {
            address,
            stream: None,
            buffer: Vec::with_capacity(4096),
        }
    }

    /// Sends one encoded request and reads its response. On any failure the connection is
    /// dropped (the next call opens a new one) and the request is not retried: a retried
    /// `POST` could create a second order.
    pub async fn exchange(&mut self, request: &[u8]) -> Result<Response, String> {
        let result = self.try_exchange(request).await;
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn try_exchange(&mut self, request: &[u8]) -> Result<Response, String> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.address)
                .await
                .map_err(|e| format!("connect {}: {e}", self.address))?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            self.stream = Some(stream);
            self.buffer.clear();
        }
        let stream = self.stream.as_mut().ok_or("no connection")?;
        stream.write_all(request).await.map_err(|e| e.to_string())?;
        let (status, head_len, body_len, close) = loop {
            if let Some(head) = parse_head(&self.buffer)? {
                break head;
            }
            if self.buffer.len() > MAX_HEAD {
                return Err("response head too large".into());
            }
            read_more(stream, &mut self.buffer).await?;
        };
        while self.buffer.len() < head_len + body_len {
            read_more(stream, &mut self.buffer).await?;
        }
        let body = self.buffer[head_len..head_len + body_len].to_vec();
        self.buffer.drain(..head_len + body_len);
        if close {
            self.stream = None;
        }
        Ok(Response { status, body })
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<(), String> {
    buffer.reserve(4096);
    let read = stream.read_buf(buffer).await.map_err(|e| e.to_string())?;
    if read == 0 {
        return Err("the server closed the connection".into());
    }
    Ok(())
}

/// (status, head length, body length, connection: close) once the head is complete.
fn parse_head(buffer: &[u8]) -> Result<Option<(u16, usize, usize, bool)>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(buffer).map_err(|e| e.to_string())? {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => return Ok(None),
    };
    let status = response.code.ok_or("no status")?;
    let mut body_len = None;
    let mut close = false;
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let text = std::str::from_utf8(header.value).map_err(|e| e.to_string())?;
            body_len = Some(text.trim().parse::<usize>().map_err(|e| e.to_string())?);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("chunked responses are not supported".into());
        } else if header.name.eq_ignore_ascii_case("connection") {
            close = header.value.eq_ignore_ascii_case(b"close");
        }
    }
    Ok(Some((status, head_len, body_len.unwrap_or(0), close)))
}

#[cfg(test)]
mod tests {
    use super::{encode_request, parse_head};

    #[test]
    fn requests_carry_their_length() {
        let request = encode_request(
            "POST",
            "127.0.0.1:8000",
            "/api/v1/order/pay/",
            &[("content-type", "application/json")],
            b"{}",
        );
        assert_eq!(
            std::str::from_utf8(&request).ok(),
            Some(
                "POST /api/v1/order/pay/ HTTP/1.1\r\nhost: 127.0.0.1:8000\r\n\
                 content-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
            )
        );
    }

    #[test]
    fn heads_are_parsed_once_complete() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nConnection: close\r\n\r\nhello";
        assert_eq!(parse_head(&head[..20]), Ok(None));
        assert_eq!(parse_head(head), Ok(Some((200, 57, 5, true))));
        let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        assert!(parse_head(chunked).is_err());
    }
}
