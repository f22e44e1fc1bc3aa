//! Accounts: who a user is, how they prove it, and how often they may try.

mod credentials;
mod password;
mod sms;
mod strength;
mod throttle;

pub use credentials::{Email, LoginName, Mobile, PlainPassword, SmsCode, Username};
pub use password::{PasswordHasher, PasswordParams};
pub use sms::{SMS_CODE_ATTEMPTS, SMS_CODE_TTL_SECS, SmsError, SmsSender};
pub use strength::check_new_password;
pub use throttle::{Throttle, ThrottleRule, account_key};
