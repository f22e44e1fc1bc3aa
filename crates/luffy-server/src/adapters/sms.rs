//! SMS delivery.
//!
//! The only sender built in is [`LogSmsSender`], the default: it writes the code to the log, for
//! development. A real provider (Tencent Cloud SMS, as the original used) is another
//! implementation of [`SmsSender`]: an HTTP call with the provider's SDK app id, template id, sign
//! name and signed request, selected by a new `LUFFY_SMS_SENDER` value whose keys come from
//! `LUFFY_SMS_*` settings. There is no code that is accepted without being sent.

use luffy_domain::account::{Mobile, SmsCode, SmsError, SmsSender};

/// Writes each code to the log instead of sending it.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSmsSender;

impl SmsSender for LogSmsSender {
    fn send(&self, mobile: &Mobile, code: &SmsCode) -> Result<(), SmsError> {
        log::info!(
            "sms (log sender): verification code for {mobile} is {}",
            code.as_str()
        );
        Ok(())
    }
}
