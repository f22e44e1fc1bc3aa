//! Implementations of the domain's ports.

pub mod alipay;
pub mod sms;
pub mod storage;
