#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod alipay;
pub mod amount;
pub mod cert;
#[cfg(feature = "client")]
pub mod client;
pub mod clock;
pub mod crypto;
pub mod doctor;
pub mod encode;
mod error;
pub mod gateway;
pub mod json;
pub mod keys;
pub mod model;
pub mod notify;
pub mod requests;
pub mod response;
pub mod responses;
pub mod sign;
pub mod testing;

pub use crate::alipay::{
    Alipay, AlipayBuilder, PRODUCTION_GATEWAY, SANDBOX_GATEWAY, SignedRequest,
};
pub use crate::amount::Amount;
pub use crate::cert::CertSerials;
#[cfg(feature = "client")]
pub use crate::client::{AlipayClient, AlipayClientBuilder};
pub use crate::clock::{Clock, FixedClock, SystemClock};
pub use crate::crypto::{Backend, SignType};
pub use crate::encode::FormParams;
pub use crate::error::{BusinessError, Error, KeyRole, Result, SignatureFailure};
pub use crate::keys::{KeyFormat, PrivateKey, PublicKey};
pub use crate::model::{OutTradeNo, TradeStatus};
pub use crate::notify::{NOTIFY_ACK, Notification, NotifyKind, RefundDetails, ReturnParams};
pub use crate::sign::SignMode;
