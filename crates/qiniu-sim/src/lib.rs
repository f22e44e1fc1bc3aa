#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod auth;
pub mod commit;
pub mod config;
pub mod download;
pub mod error;
pub mod form;
pub mod manage;
pub mod multipart;
pub mod receive;
pub mod state;

use std::net::{SocketAddr, TcpListener};
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use actix_web::dev::{ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, web};

pub use config::SimConfig;
pub use error::SimError;
pub use state::{SimState, StoredObject, StoredPart, Upload};

/// Registers every route on an actix `App`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let uploads = "/buckets/{bucket}/objects/{key}/uploads";
    cfg.route("/", web::post().to(form::upload))
        .route(uploads, web::post().to(multipart::init))
        .route(
            &format!("{uploads}/{{id}}"),
            web::post().to(multipart::complete),
        )
        .route(
            &format!("{uploads}/{{id}}"),
            web::delete().to(multipart::abort),
        )
        .route(
            &format!("{uploads}/{{id}}"),
            web::get().to(multipart::list_parts),
        )
        .route(
            &format!("{uploads}/{{id}}/{{part}}"),
            web::put().to(multipart::upload_part),
        )
        .route("/stat/{entry}", web::post().to(manage::stat))
        .route("/delete/{entry}", web::post().to(manage::delete))
        .route("/move/{src}/{dst}", web::post().to(manage::move_object))
        .route(
            "/move/{src}/{dst}/force/{force}",
            web::post().to(manage::move_object),
        )
        .route("/copy/{src}/{dst}", web::post().to(manage::copy_object))
        .route(
            "/copy/{src}/{dst}/force/{force}",
            web::post().to(manage::copy_object),
        )
        .route("/list", web::get().to(manage::list))
        .route("/list", web::post().to(manage::list))
        .route("/{bucket}/{key:.+}", web::get().to(download::download));
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct SimServer {
    base_url: String,
    addr: SocketAddr,
    state: Arc<SimState>,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Starts on `127.0.0.1` with a free port.
    pub fn start(config: SimConfig) -> std::io::Result<Self> {
        Self::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Starts on a given address (port 0 picks a free one).
    pub fn start_on(config: SimConfig, addr: SocketAddr) -> std::io::Result<Self> {
        let workers = config.workers.max(1);
        let state = Arc::new(SimState::new(config)?);
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let (sender, receiver) = std::sync::mpsc::channel();
        let app_state = state.clone();
        let thread = std::thread::Builder::new()
            .name("qiniu-sim".into())
            .spawn(move || {
                let system = actix_rt::System::new();
                system.block_on(async move {
                    let request_ids = Arc::new(AtomicU64::new(1));
                    let server = HttpServer::new(move || {
                        let ids = request_ids.clone();
                        App::new()
                            .app_data(web::Data::from(app_state.clone()))
                            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                            .configure(configure)
                            .default_service(web::to(|| async {
                                HttpResponse::NotFound()
                                    .json(serde_json::json!({"error": "not found", "code": 404}))
                            }))
                            .wrap_fn(move |req, srv| {
                                let id = ids.fetch_add(1, Ordering::Relaxed);
                                let fut = srv.call(req);
                                async move {
                                    let mut res = fut.await?;
                                    let headers = res.headers_mut();
                                    if let Ok(value) =
                                        HeaderValue::from_str(&format!("qsim{id:012x}"))
                                    {
                                        headers.insert(HeaderName::from_static("x-reqid"), value);
                                    }
                                    headers.insert(
                                        HeaderName::from_static("x-log"),
                                        HeaderValue::from_static("qiniu-sim"),
                                    );
                                    Ok(res)
                                }
                            })
                    })
                    .workers(workers)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .listen(listener);
                    match server {
                        Ok(server) => {
                            let server = server.run();
                            let _ = sender.send(Ok(server.handle()));
                            let _ = server.await;
                        }
                        Err(err) => {
                            let _ = sender.send(Err(err));
                        }
                    }
                });
            })?;
        let handle = receiver
            .recv()
            .map_err(|_| std::io::Error::other("simulator thread exited"))??;
        Ok(Self {
            base_url: format!("http://{addr}"),
            addr,
            state,
            handle,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Shared state: stored objects, counters and fault injection.
    pub fn state(&self) -> &Arc<SimState> {
        &self.state
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // The stop command is sent when `stop` is called; the returned future only awaits it.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Deref for SimServer {
    type Target = SimState;
    fn deref(&self) -> &SimState {
        &self.state
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
