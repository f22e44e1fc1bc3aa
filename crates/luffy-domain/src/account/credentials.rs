//! The values a user types: mobile numbers, usernames, emails, passwords and SMS codes.

use crate::DomainError;
use std::fmt;

/// A mainland China mobile number: `^1[3-9]\d{9}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mobile(String);

impl Mobile {
    /// Parses `text` (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let valid = bytes.len() == 11
            && bytes.first() == Some(&b'1')
            && bytes.get(1).is_some_and(|b| (b'3'..=b'9').contains(b))
            && bytes.iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid("mobile", "手机号不合法"))
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A username: 1 to 150 characters of letters, digits and `@.+-_` (Django's rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let valid = !text.is_empty()
            && text.chars().count() <= 150
            && text
                .chars()
                .all(|c| c.is_alphanumeric() || "@.+-_".contains(c));
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid(
                "username",
                "1 to 150 letters, digits or @.+-_",
            ))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address: one `@` with text on both sides and a dot in the domain; up to 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let valid = text.len() <= 254
            && !text.chars().any(|c| c.is_whitespace() || c.is_control())
            && text.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid("email", "not a valid email address"))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What `mul_login` accepts in its `username` field: a mobile, an email or a username, told
/// apart the way the original does (mobile pattern first, then `@`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginName {
    /// A mobile number.
    Mobile(Mobile),
    /// An email address.
    Email(Email),
    /// A username.
    Username(Username),
}

impl LoginName {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if let Ok(mobile) = Mobile::parse(text) {
            return Ok(Self::Mobile(mobile));
        }
        if text.contains('@')
            && let Ok(email) = Email::parse(text)
        {
            return Ok(Self::Email(email));
        }
        Username::parse(text).map(Self::Username)
    }

    /// The key the login throttle counts under.
    pub fn throttle_key(&self) -> String {
        match self {
            LoginName::Mobile(mobile) => format!("mobile:{}", mobile.as_str()),
            LoginName::Email(email) => format!("email:{}", email.as_str().to_lowercase()),
            LoginName::Username(name) => format!("username:{}", name.as_str()),
        }
    }
}

/// A password as typed: 6 to 128 characters. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainPassword(String);

impl PlainPassword {
    /// The shortest accepted password.
    pub const MIN_CHARS: usize = 6;

    /// Parses a new password (length rules apply).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let count = text.chars().count();
        if !(Self::MIN_CHARS..=128).contains(&count) {
            return Err(DomainError::invalid(
                "password",
                format!("{} to 128 characters", Self::MIN_CHARS),
            ));
        }
        crate::fields::check_no_control("password", text)?;
        Ok(Self(text.to_owned()))
    }

    /// A password given at login, checked against the stored hash only (no length rule, but
    /// bounded so that hashing stays cheap).
    pub fn for_login(text: &str) -> Result<Self, DomainError> {
        if text.is_empty() || text.len() > 1024 || crate::fields::has_control(text) {
            return Err(DomainError::invalid("password", "用户名或密码错误"));
        }
        Ok(Self(text.to_owned()))
    }

    /// The password text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PlainPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainPassword(<redacted>)")
    }
}

/// A six-digit SMS verification code.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsCode(String);

impl SmsCode {
    /// Parses a code typed by the user.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid("code", "验证码错误"))
        }
    }

    /// The code for a random number (taken modulo 1,000,000, zero-padded).
    pub fn from_random(value: u32) -> Self {
        Self(format!("{:06}", value % 1_000_000))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmsCode(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_follow_the_pattern() {
        assert!(Mobile::parse("13800138000").is_ok());
        assert!(Mobile::parse(" 19912345678 ").is_ok());
        for bad in [
            "12800138000",
            "1380013800",
            "138001380001",
            "1380013800a",
            "",
            "２3800138000",
        ] {
            assert!(Mobile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn login_names_are_told_apart() {
        assert!(matches!(
            LoginName::parse("13800138000"),
            Ok(LoginName::Mobile(_))
        ));
        assert!(matches!(
            LoginName::parse("a@b.cn"),
            Ok(LoginName::Email(_))
        ));
        assert!(matches!(
            LoginName::parse("alex"),
            Ok(LoginName::Username(_))
        ));
        assert!(LoginName::parse("").is_err());
    }

    #[test]
    fn secrets_do_not_print_and_codes_are_six_digits() {
        let password = PlainPassword::parse("secret-123").unwrap();
        assert!(!format!("{password:?}").contains("secret"));
        assert!(PlainPassword::parse("12345").is_err());
        assert_eq!(SmsCode::from_random(42).as_str(), "000042");
        assert!(SmsCode::parse("8888").is_err());
        assert!(!format!("{:?}", SmsCode::from_random(123_456)).contains("123456"));
    }
}
