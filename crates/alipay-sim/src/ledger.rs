//! Trades and refunds, with Alipay's status rules. Pure state: no I/O, time passed in.

use crate::GatewayError;
use alipay_sdk::{Amount, TradeStatus};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// Where a trade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TradeState {
    /// The merchant created a page-pay request, but no buyer has opened the cashier: as in
    /// production, the trade does not exist yet (`trade.query` answers `ACQ.TRADE_NOT_EXIST`).
    Requested,
    /// An Alipay trade with a status.
    Trade(TradeStatus),
}

/// One refund of a trade, identified by the merchant's `out_request_no`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refund {
    /// The merchant's refund request number.
    pub out_request_no: String,
    /// The amount refunded.
    pub amount: Amount,
    /// When it was made.
    pub at: DateTime<Utc>,
}

/// A trade as the simulator keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Trade {
    /// The merchant's app.
    pub app_id: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Alipay's trade number, assigned when the trade comes to exist.
    pub trade_no: Option<String>,
    /// What is bought.
    pub subject: String,
    /// The price.
    pub total_amount: Amount,
    /// Where it stands.
    pub state: TradeState,
    /// `notify_url` of the request, if any.
    pub notify_url: Option<String>,
    /// `return_url` of the request, if any.
    pub return_url: Option<String>,
    /// After this instant the trade can no longer be paid.
    pub time_expire: Option<DateTime<Utc>>,
    /// When the merchant requested it.
    pub created_at: DateTime<Utc>,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// The buyer's Alipay user id, once paid.
    pub buyer_id: Option<String>,
    /// The buyer's masked login, once paid.
    pub buyer_logon_id: Option<String>,
    /// Refunds so far, in order.
    pub refunds: Vec<Refund>,
}

impl Trade {
    /// The sum of all refunds.
    pub fn refunded(&self) -> Amount {
        Amount::from_fen(self.refunds.iter().map(|refund| refund.amount.fen()).sum())
    }

    /// The trade status, or `None` while the trade does not exist at Alipay.
    pub fn status(&self) -> Option<TradeStatus> {
        match self.state {
            TradeState::Requested => None,
            TradeState::Trade(status) => Some(status),
        }
    }

    fn expired(&self, now: DateTime<Utc>) -> bool {
        self.time_expire.is_some_and(|deadline| now > deadline)
    }
}

/// A merchant's request to pay, as the gateway parsed it.
#[derive(Debug, Clone)]
pub struct PayRequest {
    /// The merchant's app.
    pub app_id: String,
    /// The merchant's order number (already validated).
    pub out_trade_no: String,
    /// What is bought.
    pub subject: String,
    /// The price (already range-checked).
    pub total_amount: Amount,
    /// Where to send the async notify.
    pub notify_url: Option<String>,
    /// Where to send the browser after paying.
    pub return_url: Option<String>,
    /// The payment deadline, from `time_expire` or `timeout_express`.
    pub time_expire: Option<DateTime<Utc>>,
}

/// What a refund call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOutcome {
    /// The refund (new, or the earlier one with the same `out_request_no`).
    pub refund: Refund,
    /// Whether money moved now (`fund_change = "Y"`); a repeated request moves none.
    pub fund_change: bool,
    /// Total refunded on the trade after this call.
    pub refund_fee: Amount,
    /// Whether the trade is now fully refunded (and so closed).
    pub full: bool,
}

/// How a trade is named in a request.
#[derive(Debug, Clone, Copy)]
pub enum TradeRef<'a> {
    /// By the merchant's order number.
    OutTradeNo(&'a str),
    /// By Alipay's trade number.
    TradeNo(&'a str),
}

/// Every trade the simulator knows, per app.
#[derive(Debug, Default)]
pub struct Ledger {
    trades: HashMap<(String, String), Trade>,
    by_trade_no: HashMap<String, (String, String)>,
    sequence: u64,
}

impl Ledger {
    /// Records a page/wap/precreate request. Repeating the same request (same amount and
    /// subject) is allowed, as Alipay lets a buyer reopen the cashier; a different one under the
    /// same `out_trade_no` is `ACQ.CONTEXT_INCONSISTENT`, and a finished trade cannot be
    /// requested again.
    pub fn request(
        &mut self,
        request: PayRequest,
        now: DateTime<Utc>,
    ) -> Result<&Trade, GatewayError> {
        let key = (request.app_id.clone(), request.out_trade_no.clone());
        if let Some(existing) = self.trades.get(&key) {
            if existing.total_amount != request.total_amount || existing.subject != request.subject
            {
                return Err(GatewayError::business(
                    "ACQ.CONTEXT_INCONSISTENT",
                    "交易信息被篡改：同一订单号的金额或标题与之前不一致",
                ));
            }
            match existing.status() {
                Some(status) if status.is_paid() => return Err(GatewayError::trade_has_success()),
                Some(TradeStatus::TradeClosed) => return Err(GatewayError::trade_has_close()),
                _ => {}
            }
        } else {
            self.trades.insert(
                key.clone(),
                Trade {
                    app_id: request.app_id,
                    out_trade_no: request.out_trade_no,
                    trade_no: None,
                    subject: request.subject,
                    total_amount: request.total_amount,
                    state: TradeState::Requested,
                    notify_url: request.notify_url,
                    return_url: request.return_url,
                    time_expire: request.time_expire,
                    created_at: now,
                    paid_at: None,
                    buyer_id: None,
                    buyer_logon_id: None,
                    refunds: Vec::new(),
                },
            );
        }
        self.trades
            .get(&key)
            .ok_or_else(GatewayError::trade_not_exist)
    }

    /// A buyer opened the cashier and logged in: the trade now exists, waiting for payment.
    pub fn open(
        &mut self,
        app_id: &str,
        trade: TradeRef<'_>,
        now: DateTime<Utc>,
    ) -> Result<&Trade, GatewayError> {
        let key = self.locate(app_id, trade, now)?;
        if self
            .trades
            .get(&key)
            .is_some_and(|t| t.state == TradeState::Requested)
        {
            let trade_no = self.next_trade_no(now);
            if let Some(trade) = self.trades.get_mut(&key) {
                trade.trade_no = Some(trade_no.clone());
                trade.state = TradeState::Trade(TradeStatus::WaitBuyerPay);
            }
            self.by_trade_no.insert(trade_no, key.clone());
        }
        self.trades
            .get(&key)
            .ok_or_else(GatewayError::trade_not_exist)
    }

    /// The buyer pays. Refused when the trade is closed, expired or already paid.
    pub fn pay(
        &mut self,
        app_id: &str,
        trade: TradeRef<'_>,
        now: DateTime<Utc>,
    ) -> Result<&Trade, GatewayError> {
        let key = self.locate(app_id, trade, now)?;
        let current = self
            .trades
            .get(&key)
            .ok_or_else(GatewayError::trade_not_exist)?;
        if current.expired(now) {
            return Err(GatewayError::trade_has_close());
        }
        match current.state {
            TradeState::Trade(TradeStatus::TradeClosed) => {
                return Err(GatewayError::trade_has_close());
            }
            TradeState::Trade(status) if status.is_paid() => {
                return Err(GatewayError::trade_has_success());
            }
            _ => {}
        }
        self.open(app_id, TradeRef::OutTradeNo(&key.1), now)?;
        self.sequence += 1;
        let buyer_id = format!("2088{:012}", 102_169_481_075u64 + self.sequence);
        let trade = self
            .trades
            .get_mut(&key)
            .ok_or_else(GatewayError::trade_not_exist)?;
        trade.state = TradeState::Trade(TradeStatus::TradeSuccess);
        trade.paid_at = Some(now);
        trade.buyer_logon_id = Some(format!(
            "buy***@sandbox{}.com",
            buyer_id.get(12..).unwrap_or("0")
        ));
        trade.buyer_id = Some(buyer_id);
        Ok(trade)
    }

    /// `alipay.trade.close`: only a trade waiting for payment can be closed. A request no buyer
    /// has opened does not exist yet (`ACQ.TRADE_NOT_EXIST`), as in production; it can still
    /// not be paid after its `time_expire`.
    pub fn close(
        &mut self,
        app_id: &str,
        trade: TradeRef<'_>,
        now: DateTime<Utc>,
    ) -> Result<&Trade, GatewayError> {
        let key = self.locate(app_id, trade, now)?;
        let trade = self
            .trades
            .get_mut(&key)
            .ok_or_else(GatewayError::trade_not_exist)?;
        match trade.state {
            TradeState::Requested => Err(GatewayError::trade_not_exist()),
            TradeState::Trade(TradeStatus::WaitBuyerPay) => {
                trade.state = TradeState::Trade(TradeStatus::TradeClosed);
                Ok(trade)
            }
            TradeState::Trade(_) => Err(GatewayError::trade_status_error()),
        }
    }

    /// Closes a trade whatever its stage, as if it had timed out (a control action). A paid
    /// trade is refused.
    pub fn expire(&mut self, app_id: &str, trade: TradeRef<'_>) -> Result<&Trade, GatewayError> {
        let key = self
            .find_key(app_id, trade)
            .ok_or_else(GatewayError::trade_not_exist)?;
        let trade = self
            .trades
            .get_mut(&key)
            .ok_or_else(GatewayError::trade_not_exist)?;
        if trade.status().is_some_and(TradeStatus::is_paid) {
            return Err(GatewayError::trade_has_success());
        }
        trade.state = TradeState::Trade(TradeStatus::TradeClosed);
        Ok(trade)
    }

    /// `alipay.trade.query`.
    pub fn query(
        &mut self,
        app_id: &str,
        trade: TradeRef<'_>,
        now: DateTime<Utc>,
    ) -> Result<&Trade, GatewayError> {
        let key = self.locate(app_id, trade, now)?;
        let trade = self
            .trades
            .get(&key)
            .ok_or_else(GatewayError::trade_not_exist)?;
        if trade.state == TradeState::Requested {
            return Err(GatewayError::trade_not_exist());
        }
        Ok(trade)
    }

    /// `alipay.trade.refund`, idempotent per `out_request_no`: repeating a request refunds
    /// nothing more (`fund_change = N`); the same number with another amount is refused. A
    /// refund of the whole remainder closes the trade.
    pub fn refund(
        &mut self,
        app_id: &str,
        trade: TradeRef<'_>,
        amount: Amount,
        out_request_no: &str,
        now: DateTime<Utc>,
    ) -> Result<(RefundOutcome, &Trade), GatewayError> {
        let key = self
            .find_key(app_id, trade)
            .ok_or_else(GatewayError::trade_not_exist)?;
        let trade = self
            .trades
            .get_mut(&key)
            .ok_or_else(GatewayError::trade_not_exist)?;
        if let Some(earlier) = trade
            .refunds
            .iter()
            .find(|r| r.out_request_no == out_request_no)
        {
            if earlier.amount != amount {
                return Err(GatewayError::business(
                    "ACQ.CONTEXT_INCONSISTENT",
                    "同一退款请求号的退款金额与之前不一致",
                ));
            }
            let outcome = RefundOutcome {
                refund: earlier.clone(),
                fund_change: false,
                refund_fee: trade.refunded(),
                full: trade.refunded() == trade.total_amount,
            };
            return Ok((outcome, trade));
        }
        match trade.state {
            TradeState::Requested => return Err(GatewayError::trade_not_exist()),
            TradeState::Trade(TradeStatus::TradeSuccess) => {}
            TradeState::Trade(TradeStatus::TradeFinished) => {
                return Err(GatewayError::business(
                    "ACQ.TRADE_HAS_FINISHED",
                    "交易已完结",
                ));
            }
            TradeState::Trade(TradeStatus::TradeClosed) => {
                return Err(GatewayError::trade_has_close());
            }
            TradeState::Trade(TradeStatus::WaitBuyerPay) => {
                return Err(GatewayError::trade_status_error());
            }
        }
        if amount.fen() == 0 {
            return Err(GatewayError::invalid(
                "isv.invalid-parameter",
                "退款金额必须大于0",
            ));
        }
        let remaining = trade
            .total_amount
            .fen()
            .saturating_sub(trade.refunded().fen());
        if amount.fen() > remaining {
            return Err(GatewayError::business(
                "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                "退款金额超限",
            ));
        }
        let refund = Refund {
            out_request_no: out_request_no.to_owned(),
            amount,
            at: now,
        };
        trade.refunds.push(refund.clone());
        let full = trade.refunded() == trade.total_amount;
        if full {
            trade.state = TradeState::Trade(TradeStatus::TradeClosed);
        }
        let outcome = RefundOutcome {
            refund,
            fund_change: true,
            refund_fee: trade.refunded(),
            full,
        };
        Ok((outcome, trade))
    }

    /// The trade named by `trade`, whatever its stage.
    pub fn get(&self, app_id: &str, trade: TradeRef<'_>) -> Option<&Trade> {
        self.find_key(app_id, trade)
            .and_then(|key| self.trades.get(&key))
    }

    /// Every trade, oldest first.
    pub fn all(&self) -> Vec<Trade> {
        let mut trades: Vec<Trade> = self.trades.values().cloned().collect();
        trades.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then(a.out_trade_no.cmp(&b.out_trade_no))
        });
        trades
    }

    fn find_key(&self, app_id: &str, trade: TradeRef<'_>) -> Option<(String, String)> {
        match trade {
            TradeRef::OutTradeNo(out_trade_no) => {
                let key = (app_id.to_owned(), out_trade_no.to_owned());
                self.trades.contains_key(&key).then_some(key)
            }
            TradeRef::TradeNo(trade_no) => self
                .by_trade_no
                .get(trade_no)
                .filter(|key| key.0 == app_id)
                .cloned(),
        }
    }

    /// The key of the trade named by `trade`, after closing it if its deadline has passed.
    fn locate(
        &mut self,
        app_id: &str,
        trade: TradeRef<'_>,
        now: DateTime<Utc>,
    ) -> Result<(String, String), GatewayError> {
        let key = self
            .find_key(app_id, trade)
            .ok_or_else(GatewayError::trade_not_exist)?;
        self.expire_if_due(&key, now);
        Ok(key)
    }

    /// An unpaid trade past its deadline is closed, as Alipay closes it by itself.
    fn expire_if_due(&mut self, key: &(String, String), now: DateTime<Utc>) {
        if let Some(trade) = self.trades.get_mut(key)
            && trade.expired(now)
            && trade.state == TradeState::Trade(TradeStatus::WaitBuyerPay)
        {
            trade.state = TradeState::Trade(TradeStatus::TradeClosed);
        }
    }

    /// Alipay's trade numbers: the China date, a channel code and a sequence, 28 digits.
    fn next_trade_no(&mut self, now: DateTime<Utc>) -> String {
        self.sequence += 1;
        let date = alipay_sdk::clock::china_timestamp(now);
        let digits: String = date.chars().filter(char::is_ascii_digit).take(8).collect();
        format!(
            "{digits}22001{:015}",
            481_070_500_000_000u64 + self.sequence
        )
    }
}
