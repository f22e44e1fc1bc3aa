//! Units of work that are more than one query: each runs on a blocking thread, called from one
//! `web::block` in a handler.

pub mod accounts;
pub mod admin;
pub mod banners;
pub mod group_commit;
pub mod media;
pub mod orders;
