//! The simulator: trades, notifications and keys behind one cloneable handle.
//!
//! Everything the HTTP layer does is a method here, so Rust tests can drive the simulator
//! in process (pay a trade, expire it, advance the clock, deliver notifications) without HTTP.

use crate::clock::VirtualClock;
use crate::ledger::{Ledger, PayRequest, RefundOutcome, Trade, TradeRef};
use crate::notify::{Attempt, NotifyFault, NotifyJob, NotifyKind, NotifyQueue};
use crate::{GatewayError, SimError};
use alipay_sdk::clock::china_timestamp;
use alipay_sdk::encode::encode_pairs;
use alipay_sdk::gateway;
use alipay_sdk::{PrivateKey, PublicKey, SignType, TradeStatus};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The seller id the simulator reports unless told otherwise.
pub const DEFAULT_SELLER_ID: &str = "2088102179075543";

/// A running simulator's state. Clones share it.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    alipay_key: PrivateKey,
    seller_id: String,
    apps: Mutex<HashMap<String, PublicKey>>,
    clock: VirtualClock,
    ledger: Mutex<Ledger>,
    queue: Mutex<NotifyQueue>,
    delivering: tokio::sync::Mutex<()>,
    notify_sequence: AtomicU64,
    http: reqwest::Client,
    gateway_faults: Mutex<crate::faults::GatewayFaults>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field(
                "alipay_public_key",
                &self.inner.alipay_key.public_key().fingerprint(),
            )
            .field("seller_id", &self.inner.seller_id)
            .finish_non_exhaustive()
    }
}

/// The outcome of a payment: the trade, and where the cashier sends the browser.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The paid trade.
    pub trade: Trade,
    /// `return_url` with the signed return parameters, when the request had a `return_url`.
    pub return_redirect: Option<String>,
    /// The signed return parameters (a query string), also when there is no `return_url`.
    pub return_query: String,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveryReport {
    /// The job.
    pub job_id: u64,
    /// Its `notify_id`.
    pub notify_id: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// What it reported.
    pub kind: NotifyKind,
    /// Copies sent in this attempt.
    pub copies: u32,
    /// The first copy's HTTP status, if any.
    pub status: Option<u16>,
    /// The first copy's answer or error.
    pub answer: String,
    /// Whether the merchant acknowledged it.
    pub acknowledged: bool,
}

impl Simulator {
    /// A simulator signing with `alipay_private_key` and reporting `seller_id`.
    pub fn new(
        alipay_private_key: PrivateKey,
        seller_id: impl Into<String>,
    ) -> Result<Self, SimError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .connect_timeout(std::time::Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| SimError::Http(err.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                alipay_key: alipay_private_key,
                seller_id: seller_id.into(),
                apps: Mutex::new(HashMap::new()),
                clock: VirtualClock::new(),
                ledger: Mutex::new(Ledger::default()),
                queue: Mutex::new(NotifyQueue::default()),
                delivering: tokio::sync::Mutex::new(()),
                notify_sequence: AtomicU64::new(0),
                http,
                gateway_faults: Mutex::default(),
            }),
        })
    }

    /// Makes the next calls of a gateway method fail (see [`crate::GatewayFault`]).
    pub fn inject_gateway_fault(&self, fault: crate::GatewayFault) {
        lock(&self.inner.gateway_faults).push(fault);
    }

    /// Takes one hit of a fault waiting for `method`.
    pub(crate) fn gateway_fault(&self, method: &str) -> Option<crate::GatewayFaultMode> {
        lock(&self.inner.gateway_faults).take(method)
    }

    /// Lets `app_id` call the gateway; its requests are verified with `app_public_key`.
    pub fn register_app(&self, app_id: impl Into<String>, app_public_key: PublicKey) {
        lock(&self.inner.apps).insert(app_id.into(), app_public_key);
    }

    /// The public half of the simulator's Alipay key: what merchants configure as
    /// "Alipay public key".
    pub fn alipay_public_key(&self) -> &PublicKey {
        self.inner.alipay_key.public_key()
    }

    /// The seller id put in notifications.
    pub fn seller_id(&self) -> &str {
        &self.inner.seller_id
    }

    /// The virtual clock.
    pub fn clock(&self) -> &VirtualClock {
        &self.inner.clock
    }

    /// Moves virtual time forward: trades expire and notification retries fall due.
    pub fn advance(&self, by: Duration) {
        self.inner.clock.advance(by);
    }

    /// Queues a fault for the next notification created.
    pub fn inject_fault(&self, fault: NotifyFault) {
        lock(&self.inner.queue).inject(fault);
    }

    pub(crate) fn app_public_key(&self, app_id: &str) -> Option<PublicKey> {
        lock(&self.inner.apps).get(app_id).cloned()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub(crate) fn with_ledger<T>(&self, work: impl FnOnce(&mut Ledger, DateTime<Utc>) -> T) -> T {
        let now = self.now();
        work(&mut lock(&self.inner.ledger), now)
    }

    /// Records a payment request (what page pay does before showing the cashier).
    pub fn request(&self, request: PayRequest) -> Result<Trade, GatewayError> {
        self.with_ledger(|ledger, now| ledger.request(request, now).cloned())
    }

    /// A buyer opens the cashier: the trade comes to exist, waiting for payment.
    pub fn open(&self, app_id: &str, out_trade_no: &str) -> Result<Trade, GatewayError> {
        self.with_ledger(|ledger, now| {
            ledger
                .open(app_id, TradeRef::OutTradeNo(out_trade_no), now)
                .cloned()
        })
    }

    /// The buyer pays: the trade becomes `TRADE_SUCCESS`, the async notification is queued and
    /// the signed return parameters are built.
    pub fn pay(&self, app_id: &str, out_trade_no: &str) -> Result<Payment, SimError> {
        let trade = self.with_ledger(|ledger, now| {
            ledger
                .pay(app_id, TradeRef::OutTradeNo(out_trade_no), now)
                .cloned()
        })?;
        self.queue_notify(&trade, NotifyKind::Payment, None)?;
        let return_query = self.signed_return_query(&trade)?;
        let return_redirect = trade.return_url.as_ref().map(|url| {
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}{return_query}")
        });
        Ok(Payment {
            trade,
            return_redirect,
            return_query,
        })
    }

    /// Closes a trade as if it had timed out (refused for a paid trade).
    pub fn expire(&self, app_id: &str, out_trade_no: &str) -> Result<Trade, GatewayError> {
        self.with_ledger(|ledger, _| {
            ledger
                .expire(app_id, TradeRef::OutTradeNo(out_trade_no))
                .cloned()
        })
    }

    /// Refunds part or all of a paid trade, idempotently per `out_request_no`, queueing the
    /// refund notification when money moved.
    pub fn refund(
        &self,
        app_id: &str,
        trade: TradeRef<'_>,
        amount: alipay_sdk::Amount,
        out_request_no: &str,
    ) -> Result<(RefundOutcome, Trade), SimError> {
        let (outcome, trade) = self.with_ledger(|ledger, now| {
            ledger
                .refund(app_id, trade, amount, out_request_no, now)
                .map(|(outcome, trade)| (outcome, trade.clone()))
        })?;
        if outcome.fund_change {
            let kind = if outcome.full {
                NotifyKind::FullRefund
            } else {
                NotifyKind::PartialRefund
            };
            self.queue_notify(&trade, kind, Some(&outcome))?;
        }
        Ok((outcome, trade))
    }

    /// The trade `out_trade_no` of `app_id`, whatever its stage.
    pub fn trade(&self, app_id: &str, out_trade_no: &str) -> Option<Trade> {
        self.with_ledger(|ledger, _| {
            ledger
                .get(app_id, TradeRef::OutTradeNo(out_trade_no))
                .cloned()
        })
    }

    /// Every trade, oldest first.
    pub fn trades(&self) -> Vec<Trade> {
        self.with_ledger(|ledger, _| ledger.all())
    }

    /// Every notification and its attempts, in creation order.
    pub fn deliveries(&self) -> Vec<NotifyJob> {
        lock(&self.inner.queue).jobs().to_vec()
    }

    /// Attempts every notification due now (virtual time), in order, and returns what happened.
    /// Calls are serialised, so a test and the background loop never send the same attempt twice.
    pub async fn deliver_pending(&self) -> Vec<DeliveryReport> {
        let _one_at_a_time = self.inner.delivering.lock().await;
        let due = lock(&self.inner.queue).due(self.now());
        let mut reports = Vec::with_capacity(due.len());
        for job in due {
            let copies = job.copies();
            let sends = (0..copies).map(|_| self.post(&job.url, job.body.clone()));
            let results = futures_util::future::join_all(sends).await;
            let acknowledged = results.iter().any(|(_, _, ack)| *ack);
            let (status, answer, _) =
                results
                    .into_iter()
                    .next()
                    .unwrap_or((None, String::new(), false));
            let at = self.now();
            lock(&self.inner.queue).record(
                job.id,
                Attempt {
                    at,
                    status,
                    answer: answer.clone(),
                    acknowledged,
                },
            );
            reports.push(DeliveryReport {
                job_id: job.id,
                notify_id: job.notify_id,
                out_trade_no: job.out_trade_no,
                kind: job.kind,
                copies,
                status,
                answer,
                acknowledged,
            });
        }
        reports
    }

    /// Delivers due notifications in the background every `every` of real time, for as long as
    /// the current Tokio runtime lives. Tests that want full control leave it off and call
    /// [`Simulator::deliver_pending`].
    pub fn spawn_auto_delivery(&self, every: std::time::Duration) -> Result<(), SimError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|err| SimError::Http(format!("auto delivery needs a Tokio runtime: {err}")))?;
        let sim = self.clone();
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                for report in sim.deliver_pending().await {
                    log::info!(
                        "alipay-sim: notify {} for {} → {} {:?}",
                        report.notify_id,
                        report.out_trade_no,
                        report
                            .status
                            .map_or_else(|| "no answer".to_owned(), |s| s.to_string()),
                        report.answer
                    );
                }
            }
        });
        Ok(())
    }

    async fn post(&self, url: &str, body: String) -> (Option<u16>, String, bool) {
        let sent = self
            .inner
            .http
            .post(url)
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                let acknowledged = status == 200 && text == alipay_sdk::NOTIFY_ACK;
                (Some(status), text.chars().take(200).collect(), acknowledged)
            }
            Err(err) => (None, err.to_string(), false),
        }
    }

    /// Signs a response body (a JSON object) for `method`.
    pub(crate) fn sign_response(&self, method: &str, body_json: &str) -> Result<String, SimError> {
        Ok(gateway::sign_response(
            method,
            body_json,
            &self.inner.alipay_key,
            SignType::Rsa2,
        )?)
    }

    fn signed_return_query(&self, trade: &Trade) -> Result<String, SimError> {
        let params = vec![
            pair("charset", "utf-8"),
            pair("out_trade_no", &trade.out_trade_no),
            pair("method", "alipay.trade.page.pay.return"),
            pair("total_amount", &trade.total_amount.to_string()),
            pair("trade_no", trade.trade_no.as_deref().unwrap_or_default()),
            pair("auth_app_id", &trade.app_id),
            pair("version", "1.0"),
            pair("app_id", &trade.app_id),
            pair("seller_id", &self.inner.seller_id),
            pair("timestamp", &china_timestamp(self.now())),
        ];
        Ok(gateway::sign_return(&params, &self.inner.alipay_key, SignType::Rsa2)?.encoded)
    }

    fn queue_notify(
        &self,
        trade: &Trade,
        kind: NotifyKind,
        refund: Option<&RefundOutcome>,
    ) -> Result<(), SimError> {
        let Some(url) = trade.notify_url.clone() else {
            return Ok(());
        };
        let now = self.now();
        let sequence = self.inner.notify_sequence.fetch_add(1, Ordering::SeqCst) + 1;
        let date: String = china_timestamp(now)
            .chars()
            .filter(char::is_ascii_digit)
            .take(8)
            .collect();
        let notify_id = format!("{date}00222{:020}", 120_105_000_000_000u64 + sequence);
        let amount = trade.total_amount.to_string();
        let status = match kind {
            NotifyKind::FullRefund => TradeStatus::TradeClosed,
            _ => TradeStatus::TradeSuccess,
        };
        let mut params = vec![
            pair("gmt_create", &china_timestamp(trade.created_at)),
            pair("charset", "utf-8"),
            pair("seller_email", "merchant@sandbox.example"),
            pair("subject", &trade.subject),
            pair("buyer_id", trade.buyer_id.as_deref().unwrap_or_default()),
            pair("invoice_amount", &amount),
            pair("notify_id", &notify_id),
            pair(
                "fund_bill_list",
                &format!(r#"[{{"amount":"{amount}","fundChannel":"ALIPAYACCOUNT"}}]"#),
            ),
            pair("notify_type", "trade_status_sync"),
            pair("trade_status", status.as_str()),
            pair("receipt_amount", &amount),
            pair("buyer_pay_amount", &amount),
            pair("app_id", &trade.app_id),
            pair("seller_id", &self.inner.seller_id),
            pair(
                "gmt_payment",
                &trade.paid_at.map(china_timestamp).unwrap_or_default(),
            ),
            pair("notify_time", &china_timestamp(now)),
            pair("version", "1.0"),
            pair("out_trade_no", &trade.out_trade_no),
            pair("total_amount", &amount),
            pair("trade_no", trade.trade_no.as_deref().unwrap_or_default()),
            pair("auth_app_id", &trade.app_id),
            pair(
                "buyer_logon_id",
                trade.buyer_logon_id.as_deref().unwrap_or_default(),
            ),
            pair("point_amount", "0.00"),
        ];
        if let Some(refund) = refund {
            params.push(pair("refund_fee", &refund.refund_fee.to_string()));
            params.push(pair(
                "gmt_refund",
                &format!("{}.000", china_timestamp(refund.refund.at)),
            ));
            params.push(pair("out_biz_no", &refund.refund.out_request_no));
        }
        let mut signed = gateway::sign_notify(&params, &self.inner.alipay_key, SignType::Rsa2)?;
        let mut queue = lock(&self.inner.queue);
        let corrupt = queue_next_fault_is(&queue, &NotifyFault::CorruptSignature);
        if corrupt {
            // A well-formed signature over other content: it decodes, but does not verify.
            let forged = alipay_sdk::crypto::sign(
                &self.inner.alipay_key,
                SignType::Rsa2,
                b"forged content",
            )?;
            if let Some(sign) = signed.pairs.iter_mut().find(|(key, _)| key == "sign") {
                sign.1 = forged;
            }
            signed.encoded =
                encode_pairs(signed.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        queue.push(
            kind,
            notify_id,
            trade.out_trade_no.clone(),
            url,
            signed.encoded,
            now,
        );
        Ok(())
    }
}

fn queue_next_fault_is(queue: &NotifyQueue, fault: &NotifyFault) -> bool {
    queue.next_fault() == Some(fault)
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
