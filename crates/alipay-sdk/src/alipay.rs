//! The merchant-side core: builds signed requests and verifies what Alipay sends back.
//! No I/O here; [`crate::client::AlipayClient`] adds HTTP.

use std::fmt;
use std::sync::Arc;

use crate::cert::CertSerials;
use crate::clock::{Clock, SystemClock, china_timestamp};
use crate::crypto::{self, SignType};
use crate::encode::{FormParams, quote_plus};
use crate::error::{Error, Result};
use crate::json::to_python_json;
use crate::keys::{PrivateKey, PublicKey};
use crate::notify::{self, Notification, NotifyRule, ReturnParams};
use crate::requests::{AppPay, BizRequest, PagePay, WapPay};
use crate::response;
use crate::sign::{SignMode, content_to_sign};

/// Production gateway.
pub const PRODUCTION_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
/// The current sandbox gateway (since 2023; `openapi.alipaydev.com` is retired).
pub const SANDBOX_GATEWAY: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

/// Merchant configuration with keys parsed once. Cheap to share behind an `Arc`.
#[derive(Clone)]
pub struct Alipay {
    app_id: String,
    app_private_key: PrivateKey,
    alipay_public_key: PublicKey,
    sign_type: SignType,
    sign_mode: SignMode,
    gateway_url: String,
    notify_url: Option<String>,
    return_url: Option<String>,
    app_auth_token: Option<String>,
    cert_serials: Option<CertSerials>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Alipay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Alipay")
            .field("app_id", &self.app_id)
            .field("app_private_key", &self.app_private_key)
            .field("alipay_public_key", &self.alipay_public_key)
            .field("sign_type", &self.sign_type)
            .field("sign_mode", &self.sign_mode)
            .field("gateway_url", &self.gateway_url)
            .field("cert_serials", &self.cert_serials)
            .finish_non_exhaustive()
    }
}

/// Builder for [`Alipay`].
#[derive(Debug)]
pub struct AlipayBuilder {
    inner: Alipay,
}

impl AlipayBuilder {
    /// `RSA2` (default) or legacy `RSA`.
    pub fn sign_type(mut self, sign_type: SignType) -> Self {
        self.inner.sign_type = sign_type;
        self
    }

    /// Official (default) or python-alipay-sdk 3.4.0 compatible signing.
    pub fn sign_mode(mut self, sign_mode: SignMode) -> Self {
        self.inner.sign_mode = sign_mode;
        self
    }

    /// Gateway URL: [`PRODUCTION_GATEWAY`] (default), [`SANDBOX_GATEWAY`], or a local simulator.
    pub fn gateway_url(mut self, url: impl Into<String>) -> Self {
        self.inner.gateway_url = url.into();
        self
    }

    /// Default `notify_url` for pay/create requests.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.inner.notify_url = Some(url.into());
        self
    }

    /// Default `return_url` for page/wap pay.
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.inner.return_url = Some(url.into());
        self
    }

    /// `app_auth_token` for service-provider (ISV) calls on behalf of a merchant.
    pub fn app_auth_token(mut self, token: impl Into<String>) -> Self {
        self.inner.app_auth_token = Some(token.into());
        self
    }

    /// Certificate mode: sends `app_cert_sn` and `alipay_root_cert_sn` with every request.
    pub fn cert_serials(mut self, serials: CertSerials) -> Self {
        self.inner.cert_serials = Some(serials);
        self
    }

    /// Where `timestamp` comes from (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.inner.clock = clock;
        self
    }

    /// Checks the configuration and builds.
    ///
    /// Fails with [`Error::AppKeyInAlipaySlot`] when the Alipay public key is the public half of
    /// the app private key (the most common cause of "验签失败").
    pub fn build(self) -> Result<Alipay> {
        let alipay = self.inner;
        if alipay.app_id.is_empty() || !alipay.app_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidField {
                field: "app_id".to_owned(),
                value: alipay.app_id,
            });
        }
        if alipay.app_private_key.public_key() == &alipay.alipay_public_key {
            return Err(Error::AppKeyInAlipaySlot {
                fingerprint: alipay.alipay_public_key.fingerprint(),
            });
        }
        if alipay.sign_type == SignType::Rsa2 && alipay.app_private_key.bits() < 2048 {
            return Err(Error::Key {
                role: crate::error::KeyRole::PrivateKey,
                seen: format!("{} bits", alipay.app_private_key.bits()),
                expected: "at least 2048 bits for RSA2",
                problem: "Alipay issues 2048-bit keys for RSA2".to_owned(),
            });
        }
        Ok(alipay)
    }
}

/// Parameters of one signed request, sorted, plus the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    params: Vec<(String, String)>,
    content: String,
    sign: String,
}

impl SignedRequest {
    /// The sorted parameters without `sign`.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The exact string that was signed.
    pub fn content(&self) -> &str {
        &self.content
    }

    /// The base64 signature.
    pub fn sign(&self) -> &str {
        &self.sign
    }

    /// `k=quote_plus(v)` for the sorted parameters, then `&sign=…` last (python-alipay-sdk's order string).
    pub fn order_string(&self) -> String {
        let mut out =
            crate::encode::encode_pairs(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        out.push_str("&sign=");
        out.push_str(&quote_plus(&self.sign));
        out
    }

    /// `gateway?order_string`.
    pub fn url(&self, gateway_url: &str) -> String {
        let separator = if gateway_url.contains('?') { '&' } else { '?' };
        format!("{gateway_url}{separator}{}", self.order_string())
    }

    /// All parameters including `sign`, for a form body.
    pub fn form_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = self.params.clone();
        pairs.push(("sign".to_owned(), self.sign.clone()));
        pairs
    }
}

impl Alipay {
    /// Starts a configuration. Keys are parsed already ([`PrivateKey::parse`], [`PublicKey::parse`]).
    pub fn builder(
        app_id: impl Into<String>,
        app_private_key: PrivateKey,
        alipay_public_key: PublicKey,
    ) -> AlipayBuilder {
        AlipayBuilder {
            inner: Alipay {
                app_id: app_id.into(),
                app_private_key,
                alipay_public_key,
                sign_type: SignType::Rsa2,
                sign_mode: SignMode::Official,
                gateway_url: PRODUCTION_GATEWAY.to_owned(),
                notify_url: None,
                return_url: None,
                app_auth_token: None,
                cert_serials: None,
                clock: Arc::new(SystemClock),
            },
        }
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The gateway URL.
    pub fn gateway_url(&self) -> &str {
        &self.gateway_url
    }

    /// The configured sign type.
    pub fn sign_type(&self) -> SignType {
        self.sign_type
    }

    /// The configured signing mode.
    pub fn sign_mode(&self) -> SignMode {
        self.sign_mode
    }

    /// The Alipay public key responses and notifies are checked with.
    pub fn alipay_public_key(&self) -> &PublicKey {
        &self.alipay_public_key
    }

    /// The app private key (redacted in `Debug`).
    pub fn app_private_key(&self) -> &PrivateKey {
        &self.app_private_key
    }

    /// Builds and signs the parameters of `request`.
    pub fn sign_request<R: BizRequest>(&self, request: &R) -> Result<SignedRequest> {
        let biz_content = match self.sign_mode {
            SignMode::PythonCompat => to_python_json(request)?,
            SignMode::Official => serde_json::to_string(request)?,
        };
        let mut params: Vec<(String, String)> = vec![
            ("app_id".to_owned(), self.app_id.clone()),
            ("method".to_owned(), R::METHOD.to_owned()),
            ("charset".to_owned(), "utf-8".to_owned()),
            ("sign_type".to_owned(), self.sign_type.as_str().to_owned()),
            ("timestamp".to_owned(), china_timestamp(self.clock.now())),
            ("version".to_owned(), "1.0".to_owned()),
            ("biz_content".to_owned(), biz_content),
        ];
        let notify_url = request.notify_url().or(self.notify_url.as_deref());
        if let Some(url) = notify_url.filter(|url| R::SENDS_NOTIFY_URL && !url.is_empty()) {
            params.push(("notify_url".to_owned(), url.to_owned()));
        }
        let return_url = request.return_url().or(self.return_url.as_deref());
        if let Some(url) = return_url.filter(|url| R::SENDS_RETURN_URL && !url.is_empty()) {
            params.push(("return_url".to_owned(), url.to_owned()));
        }
        if let Some(token) = &self.app_auth_token {
            params.push(("app_auth_token".to_owned(), token.clone()));
        }
        if let Some(serials) = &self.cert_serials {
            params.push(("app_cert_sn".to_owned(), serials.app_cert_sn.clone()));
            params.push((
                "alipay_root_cert_sn".to_owned(),
                serials.alipay_root_cert_sn.clone(),
            ));
        }
        let skip_empty = self.sign_mode.skips_empty_values();
        if skip_empty {
            params.retain(|(_, value)| !value.is_empty());
        }
        params.sort_by(|left, right| left.0.cmp(&right.0));
        let content = content_to_sign(
            params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            skip_empty,
            &[],
        );
        let sign = crypto::sign(&self.app_private_key, self.sign_type, content.as_bytes())?;
        Ok(SignedRequest {
            params,
            content,
            sign,
        })
    }

    /// The full signed GET URL of the desktop cashier (`alipay.trade.page.pay`).
    pub fn page_pay_url(&self, request: &PagePay) -> Result<String> {
        Ok(self.sign_request(request)?.url(&self.gateway_url))
    }

    /// The full signed GET URL of the mobile-web cashier (`alipay.trade.wap.pay`).
    pub fn wap_pay_url(&self, request: &WapPay) -> Result<String> {
        Ok(self.sign_request(request)?.url(&self.gateway_url))
    }

    /// The order string for the Alipay app SDK (`alipay.trade.app.pay`).
    pub fn app_pay_order_string(&self, request: &AppPay) -> Result<String> {
        Ok(self.sign_request(request)?.order_string())
    }

    /// Verifies a raw async-notify body and returns the typed notification.
    ///
    /// Checks the signature only; then call [`Notification::check_order`] against your order.
    pub fn verify_notify(&self, body: &[u8]) -> Result<Notification> {
        let params = notify::verify_form_body(
            body,
            &self.alipay_public_key,
            NotifyRule::V1,
            Some(self.sign_type),
        )?;
        Notification::from_verified_params(params)
    }

    /// Verifies the query string of a return-URL request (with or without the leading `?`).
    pub fn verify_return(&self, query: &str) -> Result<ReturnParams> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let params = notify::verify_form_body(
            query.as_bytes(),
            &self.alipay_public_key,
            NotifyRule::V1,
            Some(self.sign_type),
        )?;
        ReturnParams::from_verified_params(params)
    }

    /// Verifies already-decoded notify parameters (when a framework decoded the body for you).
    pub fn verify_notify_params(&self, params: FormParams) -> Result<Notification> {
        notify::verify_params(
            &params,
            &self.alipay_public_key,
            NotifyRule::V1,
            Some(self.sign_type),
        )?;
        Notification::from_verified_params(params)
    }

    /// Verifies a synchronous response body and deserialises `R::Response` from the verified bytes.
    pub fn verify_response<R: BizRequest>(&self, body: &[u8]) -> Result<R::Response> {
        response::verify_response(body, R::METHOD, &self.alipay_public_key, self.sign_type)
    }
}
