//! Black-box tests: the real server on port 0, against a fresh SQLite file and, when
//! `LUFFY_TEST_POSTGRES_URL` is set, a fresh PostgreSQL database — the same tests on both.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

#[macro_use]
mod helpers;
mod accounts;
mod admin;
mod banners;
mod catalog;
mod cors;
mod demo_media;
mod fixtures;
mod health;
mod http_surface;
mod media;
#[macro_use]
mod studio;
mod media_cli;
mod media_guards;
mod media_uploads;
#[macro_use]
mod shop;
mod group_commit;
mod money;
mod offline_purchase;
mod order_faults;
mod order_limits;
mod orders;
mod search;
mod slow_bodies;
mod text_input;
mod throttles;
mod tokens;
