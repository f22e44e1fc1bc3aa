#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod clock;
mod error;
mod faults;
mod gateway;
mod http;
pub mod keys;
pub mod ledger;
pub mod notify;
mod pages;
mod sim;

pub use clock::VirtualClock;
pub use error::{GatewayError, SimError};
pub use faults::{GatewayFault, GatewayFaultMode};
pub use gateway::GatewayReply;
pub use http::configure;
pub use ledger::{Refund, Trade, TradeRef, TradeState};
pub use notify::{NotifyFault, NotifyJob, NotifyKind, RETRY_SCHEDULE_SECS};
pub use sim::{DEFAULT_SELLER_ID, DeliveryReport, Payment, Simulator};

/// A simulator serving HTTP on its own port.
#[derive(Debug)]
pub struct RunningSimulator {
    /// The simulator, for in-process control.
    pub sim: Simulator,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// `<base_url>/gateway.do`: what a merchant configures as the gateway.
    pub gateway_url: String,
    handle: actix_web::dev::ServerHandle,
}

impl RunningSimulator {
    /// Stops the server (in-flight requests finish first).
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Serves `sim` on `bind` (`127.0.0.1:0` picks a free port) from the current actix/Tokio
/// runtime, with one worker. The server runs until stopped or the runtime ends.
pub fn start(sim: Simulator, bind: &str) -> Result<RunningSimulator, SimError> {
    let listener = std::net::TcpListener::bind(bind).map_err(|source| SimError::Io {
        context: format!("binding {bind}"),
        source,
    })?;
    let address = listener.local_addr().map_err(|source| SimError::Io {
        context: "reading the bound address".into(),
        source,
    })?;
    let routes = configure(sim.clone());
    let server =
        actix_web::HttpServer::new(move || actix_web::App::new().configure(routes.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .map_err(|source| SimError::Io {
                context: format!("listening on {address}"),
                source,
            })?
            .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let base_url = format!("http://{address}");
    Ok(RunningSimulator {
        gateway_url: format!("{base_url}/gateway.do"),
        base_url,
        sim,
        handle,
    })
}
