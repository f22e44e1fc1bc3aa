//! Building and running the server.

use crate::adapters::alipay::Payments;
use crate::adapters::sms::LogSmsSender;
use crate::adapters::storage::Storage;
use crate::auth::JwtKeys;
use crate::config::SmsSenderKind;
use crate::{api, config::Config, secrets, state::AppState};
use actix_web::dev::{Server, Service};
use actix_web::{App, HttpServer, middleware, web};
use luffy_db::{DbError, PoolOptions};
use luffy_domain::SystemClock;
use luffy_domain::account::{PasswordHasher, SmsSender};
use std::net::TcpListener;
use std::sync::Arc;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be reached or migrated.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {reason}")]
    Bind {
        /// The configured address.
        address: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Alipay could not be set up.
    #[error(transparent)]
    Payments(crate::adapters::alipay::PaymentError),
    /// The media storage could not be set up.
    #[error(transparent)]
    Storage(crate::adapters::storage::StorageError),
    /// The data dir could not be written.
    #[error("data dir {path}: {reason}")]
    DataDir {
        /// The folder.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
}

/// The built-in Alipay simulator's routes, when it plays the gateway; its notifies are
/// delivered in the background.
#[cfg(feature = "dev-sim")]
fn simulator_routes(
    state: &AppState,
) -> Option<impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static> {
    let sim = state.payments.simulator()?.clone();
    if let Err(err) = sim.spawn_auto_delivery(std::time::Duration::from_millis(200)) {
        log::warn!("alipay simulator: {err}");
    }
    log::info!(
        "no Alipay settings: the built-in simulator plays the gateway at {}{}",
        state.public_url,
        crate::adapters::alipay::SIMULATOR_PATH
    );
    Some(alipay_sim::configure(sim))
}

#[cfg(not(feature = "dev-sim"))]
fn simulator_routes(_: &AppState) -> Option<fn(&mut web::ServiceConfig)> {
    None
}

/// A server that is bound and ready to run.
pub struct Application {
    port: u16,
    state: AppState,
    server: Server,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Migrates the database, builds the pool, binds the listener (port 0 picks a free port)
    /// and prepares the server. Nothing is served until [`Application::run_until_stopped`].
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Like [`Application::build`], with another clock (tests move time forward).
    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn luffy_domain::Clock>,
    ) -> Result<Self, StartupError> {
        let url = config.database_url.clone();
        let pool_size = config.db_pool_size;
        let pool = web::block(move || {
            luffy_db::run_migrations(&url)?;
            let mut options = PoolOptions::for_backend(url.backend());
            if let Some(size) = pool_size {
                options.max_size = size;
            }
            luffy_db::build_pool(&url, options)
        })
        .await
        .map_err(|err| DbError::Pool(err.to_string()))??;

        let mut config = config;
        if config.jwt_secret.is_none() {
            let secret =
                secrets::load_or_create(&config.data_dir, "jwt_secret").map_err(|err| {
                    StartupError::DataDir {
                        path: config.data_dir.display().to_string(),
                        reason: err.to_string(),
                    }
                })?;
            config.jwt_secret = Some(secret);
        }

        let listener = TcpListener::bind(&config.bind).map_err(|err| StartupError::Bind {
            address: config.bind.clone(),
            reason: err.to_string(),
        })?;
        let address = listener.local_addr().map_err(|err| StartupError::Bind {
            address: config.bind.clone(),
            reason: err.to_string(),
        })?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let workers = config.workers;
        let jwt = match &config.jwt_secret {
            Some(secret) => JwtKeys::new(secret, config.jwt_ttl_secs),
            None => {
                return Err(StartupError::DataDir {
                    path: config.data_dir.display().to_string(),
                    reason: "no JWT secret".into(),
                });
            }
        };
        let sms: Arc<dyn SmsSender> = match config.sms_sender {
            SmsSenderKind::Log => Arc::new(LogSmsSender),
        };
        let payments =
            Payments::from_config(&config, &public_url).map_err(StartupError::Payments)?;
        let storage = Storage::from_config(&config, &public_url, Arc::clone(&clock))
            .map_err(StartupError::Storage)?;
        let state = AppState {
            storage: Arc::new(storage),
            payments: Arc::new(payments),
            pool,
            hasher: PasswordHasher::new(config.password_params),
            jwt: Arc::new(jwt),
            sms,
            clock,
            config: Arc::new(config),
            public_url,
            group_commit: Arc::default(),
            banners: Arc::default(),
        };

        let app_state = web::Data::new(state.clone());
        let simulator = simulator_routes(&state);
        let media_dir = state.config.media_dir.clone();
        let cors = crate::cors::ApiCors::new(state.config.cors_origins.clone());
        std::fs::create_dir_all(&media_dir).map_err(|err| StartupError::DataDir {
            path: media_dir.display().to_string(),
            reason: err.to_string(),
        })?;
        if let Some(interval) = state.config.sweeper_interval_secs.filter(|secs| *secs > 0) {
            crate::sweeper::spawn(app_state.clone(), std::time::Duration::from_secs(interval));
        }
        let mut server = HttpServer::new(move || {
            let mut app = App::new()
                .app_data(app_state.clone())
                .wrap(cors.clone())
                .wrap_fn(|mut req, service| {
                    crate::trim_slashes::trim_slashes(&mut req);
                    service.call(req)
                })
                .wrap(middleware::from_fn(crate::http_policy::apply))
                .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"));
            if let Some(routes) = simulator.clone() {
                app = app
                    .service(web::scope(crate::adapters::alipay::SIMULATOR_PATH).configure(routes));
            }
            app.configure(api::configure)
        })
        .shutdown_timeout(10);
        if let Some(workers) = workers {
            server = server.workers(workers.max(1));
        }
        let server = server
            .listen(listener)
            .map_err(|err| StartupError::Bind {
                address: address.to_string(),
                reason: err.to_string(),
            })?
            .run();
        Ok(Self {
            port: address.port(),
            state,
            server,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tests and background tasks.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the process receives SIGTERM or SIGINT (or the handle stops it); in-flight
    /// requests get up to 10 seconds to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
