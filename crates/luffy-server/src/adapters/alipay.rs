//! Alipay as the shop sees it: signing page-pay URLs, verifying notifies, and the trade calls
//! the order flows need. With no Alipay settings, a built-in simulator plays the gateway.

use crate::config::Config;
use alipay_sdk::requests::{PagePay, RefundQuery, TradeClose, TradeQuery, TradeRefund};
use alipay_sdk::{
    Alipay, AlipayClient, Amount, Notification, OutTradeNo, PrivateKey, PublicKey, TradeStatus,
};
use chrono::{DateTime, Utc};
use luffy_domain::Money;
use luffy_domain::order::{PaymentEvidence, ReportedTradeStatus};
use std::path::Path;
use std::sync::Arc;

/// The app id the built-in simulator accepts.
pub const SIMULATOR_APP_ID: &str = "2021000000000001";

/// Where the built-in simulator is mounted.
pub const SIMULATOR_PATH: &str = "/alipay-sim";

/// Why Alipay could not be set up or answered.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// A setting or key file is wrong.
    #[error("{0}")]
    Setup(String),
    /// Alipay answered with a business error.
    #[error("alipay: {0}")]
    Business(Box<alipay_sdk::BusinessError>),
    /// The call failed before an answer (timeout, connection, bad signature on the answer).
    #[error("alipay: {0}")]
    Transport(alipay_sdk::Error),
}

impl From<alipay_sdk::Error> for PaymentError {
    fn from(err: alipay_sdk::Error) -> Self {
        match err {
            alipay_sdk::Error::Business(business) => PaymentError::Business(business),
            other => PaymentError::Transport(other),
        }
    }
}

/// What `trade.query` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeLookup {
    /// No such trade at Alipay (for page pay: no buyer has opened the cashier yet).
    NotFound,
    /// The trade and its status.
    Found {
        /// Alipay's trade number.
        trade_no: String,
        /// The facts to check against the order.
        evidence: PaymentEvidence,
        /// The buyer, once paid.
        buyer_id: Option<String>,
        /// The raw response, for the audit trail.
        raw: String,
    },
}

/// What `trade.close` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseOutcome {
    /// The trade is closed (or never existed): it can no longer be paid.
    Closed,
    /// The trade could not be closed because of its status (typically: it was paid).
    StatusError,
}

/// The shop's Alipay connection.
pub struct Payments {
    alipay: Arc<Alipay>,
    client: AlipayClient,
    seller_id: Option<String>,
    #[cfg(feature = "dev-sim")]
    simulator: Option<alipay_sim::Simulator>,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("app_id", &self.alipay.app_id())
            .field("gateway", &self.alipay.gateway_url())
            .finish_non_exhaustive()
    }
}

impl Payments {
    /// Sets Alipay up from the configuration: the configured app and gateway, or, with no
    /// Alipay settings at all, the built-in simulator mounted at [`SIMULATOR_PATH`] with keys
    /// generated into the data dir.
    pub fn from_config(config: &Config, public_url: &str) -> Result<Self, PaymentError> {
        let settings = &config.alipay;
        let notify_url = settings
            .notify_url
            .clone()
            .unwrap_or_else(|| format!("{public_url}/api/v1/order/success/"));
        let return_url = settings
            .return_url
            .clone()
            .unwrap_or_else(|| format!("{public_url}/pay/success"));
        let configured = settings.app_id.is_some()
            || settings.app_private_key_file.is_some()
            || settings.public_key_file.is_some()
            || settings.gateway.is_some();
        if configured {
            let missing = |name: &str| {
                PaymentError::Setup(format!(
                    "{name} must be set when any LUFFY_ALIPAY_* setting is"
                ))
            };
            let app_id = settings
                .app_id
                .clone()
                .ok_or_else(|| missing("LUFFY_ALIPAY_APP_ID"))?;
            let key_file = settings
                .app_private_key_file
                .as_deref()
                .ok_or_else(|| missing("LUFFY_ALIPAY_APP_PRIVATE_KEY_FILE"))?;
            let public_file = settings
                .public_key_file
                .as_deref()
                .ok_or_else(|| missing("LUFFY_ALIPAY_PUBLIC_KEY_FILE"))?;
            let gateway = settings
                .gateway
                .clone()
                .unwrap_or_else(|| alipay_sdk::PRODUCTION_GATEWAY.to_owned());
            let app_key = read_private("LUFFY_ALIPAY_APP_PRIVATE_KEY_FILE", key_file)?;
            let alipay_key = read_public("LUFFY_ALIPAY_PUBLIC_KEY_FILE", public_file)?;
            let alipay = build(
                &app_id,
                app_key,
                alipay_key,
                &gateway,
                &notify_url,
                &return_url,
            )?;
            return Self::new(alipay, settings.seller_id.clone(), None);
        }
        Self::simulated(config, public_url, &notify_url, &return_url)
    }

    #[cfg(feature = "dev-sim")]
    fn simulated(
        config: &Config,
        public_url: &str,
        notify_url: &str,
        return_url: &str,
    ) -> Result<Self, PaymentError> {
        let setup = |err: alipay_sim::SimError| {
            PaymentError::Setup(format!("built-in Alipay simulator: {err}"))
        };
        let sim_key = alipay_sim::keys::load_or_generate(
            &config
                .data_dir
                .join("alipay-sim")
                .join("alipay_private_key.pem"),
        )
        .map_err(setup)?;
        let app_key =
            alipay_sim::keys::load_or_generate(&config.data_dir.join("alipay_app_private_key.pem"))
                .map_err(setup)?;
        let simulator =
            alipay_sim::Simulator::new(sim_key, alipay_sim::DEFAULT_SELLER_ID).map_err(setup)?;
        simulator.register_app(SIMULATOR_APP_ID, app_key.public_key().clone());
        let gateway = format!("{public_url}{SIMULATOR_PATH}/gateway.do");
        let alipay = build(
            SIMULATOR_APP_ID,
            app_key,
            simulator.alipay_public_key().clone(),
            &gateway,
            notify_url,
            return_url,
        )?;
        Self::new(
            alipay,
            Some(alipay_sim::DEFAULT_SELLER_ID.to_owned()),
            Some(simulator),
        )
    }

    #[cfg(not(feature = "dev-sim"))]
    fn simulated(_: &Config, _: &str, _: &str, _: &str) -> Result<Self, PaymentError> {
        Err(PaymentError::Setup(
            "no LUFFY_ALIPAY_* settings, and this build has no built-in simulator (feature dev-sim)".into(),
        ))
    }

    fn new(
        alipay: Alipay,
        seller_id: Option<String>,
        #[cfg_attr(not(feature = "dev-sim"), allow(unused_variables))] simulator: Option<
            SimulatorHandle,
        >,
    ) -> Result<Self, PaymentError> {
        let alipay = Arc::new(alipay);
        let client = AlipayClient::builder(alipay.clone())
            .connect_timeout(std::time::Duration::from_secs(3))
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Self {
            alipay,
            client,
            seller_id,
            #[cfg(feature = "dev-sim")]
            simulator,
        })
    }

    /// The built-in simulator, when it plays the gateway.
    #[cfg(feature = "dev-sim")]
    pub fn simulator(&self) -> Option<&alipay_sim::Simulator> {
        self.simulator.as_ref()
    }

    /// Our app id.
    pub fn app_id(&self) -> &str {
        self.alipay.app_id()
    }

    /// The seller id notifies must carry, when configured.
    pub fn seller_id(&self) -> Option<&str> {
        self.seller_id.as_deref()
    }

    /// The signed page-pay URL of an order, closing at `expires_at`.
    pub fn page_pay_url(
        &self,
        out_trade_no: &str,
        subject: &str,
        total: Money,
        expires_at: DateTime<Utc>,
    ) -> Result<String, PaymentError> {
        let mut request = PagePay::new(subject, OutTradeNo::new(out_trade_no)?, amount(total)?)?;
        request.time_expire = Some(alipay_sdk::clock::china_timestamp(expires_at));
        Ok(self.alipay.page_pay_url(&request)?)
    }

    /// Verifies an async notify's raw form body.
    pub fn verify_notify(&self, body: &[u8]) -> Result<Notification, alipay_sdk::Error> {
        self.alipay.verify_notify(body)
    }

    /// `alipay.trade.query`.
    pub async fn query(&self, out_trade_no: &str) -> Result<TradeLookup, PaymentError> {
        let request = TradeQuery::by_out_trade_no(OutTradeNo::new(out_trade_no)?);
        match self.client.query(&request).await {
            Ok(found) => Ok(TradeLookup::Found {
                raw: format!(
                    "trade_no={} trade_status={} total_amount={}",
                    found.trade_no, found.trade_status, found.total_amount
                ),
                trade_no: found.trade_no,
                evidence: PaymentEvidence {
                    app_id: self.app_id().to_owned(),
                    total_amount: money(found.total_amount)?,
                    seller_id: None,
                    status: reported(found.trade_status),
                },
                buyer_id: found.buyer_user_id,
            }),
            Err(alipay_sdk::Error::Business(err)) if err.is_trade_not_exist() => {
                Ok(TradeLookup::NotFound)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// `alipay.trade.close`.
    pub async fn close(&self, out_trade_no: &str) -> Result<CloseOutcome, PaymentError> {
        let request = TradeClose::by_out_trade_no(OutTradeNo::new(out_trade_no)?);
        match self.client.close(&request).await {
            Ok(_) => Ok(CloseOutcome::Closed),
            Err(alipay_sdk::Error::Business(err)) if err.is_trade_not_exist() => {
                Ok(CloseOutcome::Closed)
            }
            Err(alipay_sdk::Error::Business(err)) if err.is_trade_status_error() => {
                Ok(CloseOutcome::StatusError)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// `alipay.trade.refund` of `amount_to_refund` under `out_request_no`, which Alipay refunds
    /// at most once however often it is sent. An answer that moved no money (a repeat) is
    /// confirmed with `alipay.trade.fastpay.refund.query` for the same request.
    pub async fn refund(
        &self,
        out_trade_no: &str,
        amount_to_refund: Money,
        out_request_no: &str,
    ) -> Result<RefundReply, PaymentError> {
        let trade = OutTradeNo::new(out_trade_no)?;
        let request = TradeRefund::new(trade.clone(), amount(amount_to_refund)?, out_request_no)?;
        let answer = match self.client.refund(&request).await {
            Ok(answer) => answer,
            Err(alipay_sdk::Error::Business(err)) if !err.is_retryable() => {
                return Ok(RefundReply::Refused(format!(
                    "{}: {}",
                    err.sub_code.as_deref().unwrap_or(err.code.as_str()),
                    err.sub_msg.as_deref().unwrap_or(err.msg.as_str())
                )));
            }
            Err(err) => return Err(err.into()),
        };
        if answer.is_fund_changed() {
            return Ok(RefundReply::Refunded);
        }
        let query = RefundQuery::new(trade, out_request_no);
        let found = self.client.refund_query(&query).await?;
        Ok(if found.is_refund_success() {
            RefundReply::Refunded
        } else {
            RefundReply::Unconfirmed
        })
    }
}

/// Alipay's answer to one refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundReply {
    /// The request is refunded.
    Refunded,
    /// Alipay refused the request (the reason, for staff).
    Refused(String),
    /// Alipay answered but the refund is not confirmed yet: ask again later.
    Unconfirmed,
}

#[cfg(feature = "dev-sim")]
type SimulatorHandle = alipay_sim::Simulator;
#[cfg(not(feature = "dev-sim"))]
type SimulatorHandle = std::convert::Infallible;

fn build(
    app_id: &str,
    app_key: PrivateKey,
    alipay_key: PublicKey,
    gateway: &str,
    notify_url: &str,
    return_url: &str,
) -> Result<Alipay, PaymentError> {
    Alipay::builder(app_id, app_key, alipay_key)
        .gateway_url(gateway)
        .notify_url(notify_url)
        .return_url(return_url)
        .build()
        .map_err(|err| PaymentError::Setup(format!("Alipay: {err}")))
}

fn read_private(name: &str, path: &Path) -> Result<PrivateKey, PaymentError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| PaymentError::Setup(format!("{name} {}: {err}", path.display())))?;
    PrivateKey::parse(&text)
        .map_err(|err| PaymentError::Setup(format!("{name} {}: {err}", path.display())))
}

fn read_public(name: &str, path: &Path) -> Result<PublicKey, PaymentError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| PaymentError::Setup(format!("{name} {}: {err}", path.display())))?;
    PublicKey::parse(&text)
        .map_err(|err| PaymentError::Setup(format!("{name} {}: {err}", path.display())))
}

/// Money → Alipay amount (both are integer fen).
pub fn amount(money: Money) -> Result<Amount, PaymentError> {
    u64::try_from(money.fen())
        .map(Amount::from_fen)
        .map_err(|_| PaymentError::Setup(format!("negative amount {money}")))
}

/// Alipay amount → Money.
pub fn money(amount: Amount) -> Result<Money, PaymentError> {
    i64::try_from(amount.fen())
        .ok()
        .and_then(|fen| Money::from_fen(fen).ok())
        .ok_or_else(|| PaymentError::Setup(format!("amount {amount} out of range")))
}

/// Alipay trade status → the order domain's view of it.
pub fn reported(status: TradeStatus) -> ReportedTradeStatus {
    match status {
        TradeStatus::WaitBuyerPay => ReportedTradeStatus::WaitBuyerPay,
        TradeStatus::TradeSuccess => ReportedTradeStatus::TradeSuccess,
        TradeStatus::TradeFinished => ReportedTradeStatus::TradeFinished,
        TradeStatus::TradeClosed => ReportedTradeStatus::TradeClosed,
    }
}

/// The facts of a verified notify.
pub fn evidence(notice: &Notification) -> Result<PaymentEvidence, PaymentError> {
    Ok(PaymentEvidence {
        app_id: notice.app_id.clone(),
        total_amount: money(notice.total_amount)?,
        seller_id: notice.seller_id.clone(),
        status: reported(notice.trade_status),
    })
}
