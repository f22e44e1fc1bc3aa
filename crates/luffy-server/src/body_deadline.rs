//! Deadlines on request bodies. actix-web's `client_request_timeout` covers only the request
//! head, so a client that sends the head and then trickles (or withholds) the body would hold a
//! connection for as long as it likes. Every request body is read through a stream with a
//! deadline: the whole body within `LUFFY_BODY_TIMEOUT_SECS`, or, for the media upload (files of
//! gigabytes), no gap between two chunks longer than that. A body that misses its deadline ends
//! the request with 408 and the connection is closed.

use actix_web::HttpMessage;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Paths whose bodies may take as long as they keep arriving: the deadline is an idle gap.
const IDLE_GAP_PATHS: &[&str] = &["/api/v1/media/upload"];

/// How a body's deadline is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// The whole body must arrive within the duration.
    Total(Duration),
    /// No gap between two chunks (or before the first) may be longer than the duration.
    IdleGap(Duration),
}

/// Set when a request's body missed its deadline.
pub type TimedOut = Rc<Cell<bool>>;

/// Wraps the body of `req` (when it has one) in a stream with a deadline; the returned flag
/// tells afterwards whether the deadline was missed.
pub fn guard(req: &mut ServiceRequest, timeout: Duration) -> Option<TimedOut> {
    let headers = req.headers();
    let has_body = headers.contains_key(actix_web::http::header::TRANSFER_ENCODING)
        || headers
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim() != "0");
    if !has_body {
        return None;
    }
    // Routing ignores trailing slashes, and so does this.
    let path = req.path().trim_end_matches('/');
    let deadline = if IDLE_GAP_PATHS.contains(&path) {
        Deadline::IdleGap(timeout)
    } else {
        Deadline::Total(timeout)
    };
    let flag = TimedOut::default();
    let inner = req.take_payload();
    let stream = DeadlineStream::new(inner, deadline, Rc::clone(&flag));
    req.set_payload(Payload::Stream {
        payload: Box::pin(stream),
    });
    Some(flag)
}

/// A body stream that fails with a timeout once its deadline passes.
pub struct DeadlineStream<S> {
    inner: S,
    sleep: Pin<Box<Sleep>>,
    gap: Option<Duration>,
    timed_out: TimedOut,
    done: bool,
}

impl<S> std::fmt::Debug for DeadlineStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadlineStream")
            .field("gap", &self.gap)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<S> DeadlineStream<S> {
    /// `inner` with `deadline`, starting now; `timed_out` is set if it passes.
    pub fn new(inner: S, deadline: Deadline, timed_out: TimedOut) -> Self {
        let (duration, gap) = match deadline {
            Deadline::Total(duration) => (duration, None),
            Deadline::IdleGap(duration) => (duration, Some(duration)),
        };
        Self {
            inner,
            sleep: Box::pin(tokio::time::sleep(duration)),
            gap,
            timed_out,
            done: false,
        }
    }
}

impl<S> Stream for DeadlineStream<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(gap) = this.gap {
                    this.sleep.as_mut().reset(Instant::now() + gap);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err))),
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.done = true;
                    this.timed_out.set(true);
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body did not arrive in time",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[actix_web::test]
    async fn a_stalled_body_times_out_and_a_steady_one_does_not() {
        let stalled = futures_util::stream::pending::<Result<Bytes, PayloadError>>();
        let flag = TimedOut::default();
        let mut stream = DeadlineStream::new(
            stalled,
            Deadline::Total(Duration::from_millis(10)),
            Rc::clone(&flag),
        );
        assert!(matches!(
            stream.next().await,
            Some(Err(PayloadError::Io(_)))
        ));
        assert!(stream.next().await.is_none());
        assert!(flag.get());

        let steady = futures_util::stream::iter([Ok(Bytes::from_static(b"a"))]);
        let flag = TimedOut::default();
        let mut stream = DeadlineStream::new(
            steady,
            Deadline::IdleGap(Duration::from_secs(60)),
            Rc::clone(&flag),
        );
        assert_eq!(
            stream.next().await.unwrap().unwrap(),
            Bytes::from_static(b"a")
        );
        assert!(stream.next().await.is_none());
        assert!(!flag.get());
    }
}
