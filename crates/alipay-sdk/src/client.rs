//! Async HTTP client (feature `client`, on by default) on `reqwest` with rustls.
//!
//! Every call POSTs all parameters as an `application/x-www-form-urlencoded;charset=utf-8` body,
//! then verifies the response signature over the exact bytes before deserialising.

use std::sync::Arc;
use std::time::Duration;

use crate::alipay::Alipay;
use crate::error::{Error, Result};
use crate::requests::{
    BillDownloadUrlQuery, BizRequest, Precreate, RefundQuery, TradeClose, TradeQuery, TradeRefund,
};
use crate::responses::{
    BillDownloadUrlResponse, PrecreateResponse, RefundQueryResponse, TradeCloseResponse,
    TradeQueryResponse, TradeRefundResponse,
};

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout per call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Calls the gateway configured in [`Alipay`] and verifies every answer.
#[derive(Debug, Clone)]
pub struct AlipayClient {
    alipay: Arc<Alipay>,
    http: reqwest::Client,
}

/// Builder for [`AlipayClient`].
#[derive(Debug)]
pub struct AlipayClientBuilder {
    alipay: Arc<Alipay>,
    connect_timeout: Duration,
    timeout: Duration,
    http: Option<reqwest::Client>,
}

impl AlipayClientBuilder {
    /// Connect timeout (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Total timeout per call (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Uses your own `reqwest::Client` (its timeouts apply instead).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<AlipayClient> {
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .user_agent(concat!("alipay-sdk-rust/", env!("CARGO_PKG_VERSION")))
                .build()?,
        };
        Ok(AlipayClient {
            alipay: self.alipay,
            http,
        })
    }
}

impl AlipayClient {
    /// Starts a client for `alipay` (which holds the gateway URL and keys).
    pub fn builder(alipay: impl Into<Arc<Alipay>>) -> AlipayClientBuilder {
        AlipayClientBuilder {
            alipay: alipay.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            http: None,
        }
    }

    /// The signing configuration.
    pub fn alipay(&self) -> &Alipay {
        &self.alipay
    }

    /// Signs, POSTs and verifies any request.
    pub async fn execute<R: BizRequest>(&self, request: &R) -> Result<R::Response> {
        let signed = self.alipay.sign_request(request)?;
        let body = crate::encode::encode_pairs(
            signed
                .form_pairs()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let response = self
            .http
            .post(self.alipay.gateway_url())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            let body_start: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
            return Err(Error::HttpStatus {
                status: status.as_u16(),
                body_start,
            });
        }
        self.alipay.verify_response::<R>(&bytes)
    }

    /// `alipay.trade.precreate`.
    pub async fn precreate(&self, request: &Precreate) -> Result<PrecreateResponse> {
        self.execute(request).await
    }

    /// `alipay.trade.query`. `ACQ.TRADE_NOT_EXIST` is normal for page pay before the buyer opens the cashier.
    pub async fn query(&self, request: &TradeQuery) -> Result<TradeQueryResponse> {
        self.execute(request).await
    }

    /// `alipay.trade.close`.
    pub async fn close(&self, request: &TradeClose) -> Result<TradeCloseResponse> {
        self.execute(request).await
    }

    /// `alipay.trade.refund`. On a retryable error, call again with the same `out_request_no`.
    pub async fn refund(&self, request: &TradeRefund) -> Result<TradeRefundResponse> {
        self.execute(request).await
    }

    /// `alipay.trade.fastpay.refund.query`.
    pub async fn refund_query(&self, request: &RefundQuery) -> Result<RefundQueryResponse> {
        self.execute(request).await
    }

    /// `alipay.data.dataservice.bill.downloadurl.query`.
    pub async fn bill_download_url(
        &self,
        request: &BillDownloadUrlQuery,
    ) -> Result<BillDownloadUrlResponse> {
        self.execute(request).await
    }
}
