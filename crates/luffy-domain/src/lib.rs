//! Luffy's domain: the rules of the course shop, free of I/O.
//!
//! This crate knows nothing of HTTP, SQL or Alipay. It holds the value types (money, ids),
//! the business rules, and the ports (traits) that the outer crates implement.

pub mod account;
pub mod banner;
pub mod catalog;
pub mod clock;
pub mod error;
pub mod fields;
pub mod media;
pub mod money;
pub mod order;
pub mod pricing;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::DomainError;
pub use money::Money;
