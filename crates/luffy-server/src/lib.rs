//! The Luffy server: configuration, the HTTP API and the wiring of every other crate.

pub mod adapters;
pub mod api;
pub mod auth;
pub mod body_deadline;
pub mod client_addr;
pub mod commands;
pub mod config;
pub mod cors;
pub mod demo_media;
pub mod http_policy;
pub mod secrets;
pub mod service;
pub mod startup;
pub mod state;
pub mod sweeper;
pub mod trim_slashes;

pub use config::Config;
pub use startup::{Application, StartupError};
