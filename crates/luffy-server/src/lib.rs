//! The Luffy server: configuration, the HTTP API and the wiring of every other crate.

pub mod api;
pub mod config;
pub mod secrets;
pub mod startup;
pub mod state;

pub use config::Config;
pub use startup::{Application, StartupError};
