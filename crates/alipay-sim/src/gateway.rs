//! `/gateway.do`: merchant requests verified and answered as the real gateway answers them.

use crate::ledger::{PayRequest, Trade, TradeRef};
use crate::{GatewayError, Simulator};
use alipay_sdk::clock::{china_offset, china_timestamp};
use alipay_sdk::{Amount, FormParams, OutTradeNo};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};

/// What the gateway answers.
#[derive(Debug)]
pub enum GatewayReply {
    /// A signed JSON response (server-to-server APIs).
    Json(String),
    /// The cashier page for a trade (page pay, wap pay).
    Cashier(Trade),
    /// An error shown to the buyer's browser (page pay, wap pay).
    ErrorPage(GatewayError),
    /// An injected fault: an HTTP error status and no answer.
    Fault(u16),
}

const BROWSER_METHODS: [&str; 3] = [
    "alipay.trade.page.pay",
    "alipay.trade.wap.pay",
    "alipay.trade.app.pay",
];

impl Simulator {
    /// Handles one gateway request. `base_url` is where this simulator is reachable (for the QR
    /// code and bill links it hands out).
    pub fn handle_gateway(&self, params: &FormParams, base_url: &str) -> GatewayReply {
        let method = params.get("method").unwrap_or_default().to_owned();
        let for_browser = BROWSER_METHODS.contains(&method.as_str());
        let fault = self.gateway_fault(&method);
        if fault == Some(crate::GatewayFaultMode::Unavailable) {
            return GatewayReply::Fault(503);
        }
        let reply = self.dispatch(&method, params, base_url);
        if fault == Some(crate::GatewayFaultMode::LostAnswer) {
            return GatewayReply::Fault(504);
        }
        match reply {
            Ok(reply) => reply,
            Err(err) if for_browser => GatewayReply::ErrorPage(err),
            Err(err) => self.json_error(&method, &err),
        }
    }

    fn dispatch(
        &self,
        method: &str,
        params: &FormParams,
        base_url: &str,
    ) -> Result<GatewayReply, GatewayError> {
        if method.is_empty() {
            return Err(GatewayError::missing("method"));
        }
        let app_id = params
            .get("app_id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| GatewayError::missing("app_id"))?;
        let app_key = self
            .app_public_key(app_id)
            .ok_or_else(|| GatewayError::invalid("isv.invalid-app-id", "无效的AppID参数"))?;
        alipay_sdk::gateway::verify_request(params, &app_key)
            .map_err(|err| GatewayError::invalid("isv.invalid-signature", err.sub_msg()))?;
        match params
            .get("charset")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("utf-8") => {}
            Some(other) => {
                return Err(GatewayError::invalid(
                    "isv.invalid-charset",
                    format!("不支持的字符集 {other}"),
                ));
            }
        }
        let timestamp = params
            .get("timestamp")
            .ok_or_else(|| GatewayError::missing("timestamp"))?;
        if NaiveDateTime::parse_from_str(timestamp, "%Y-%m-%d %H:%M:%S").is_err() {
            return Err(GatewayError::invalid(
                "isv.invalid-timestamp",
                "非法的时间戳参数",
            ));
        }
        let biz = biz_content(params)?;
        let app_id = app_id.to_owned();
        match method {
            "alipay.trade.page.pay" | "alipay.trade.wap.pay" | "alipay.trade.app.pay" => {
                let trade = self.request(pay_request(&app_id, &biz, params, self.now())?)?;
                Ok(GatewayReply::Cashier(trade))
            }
            "alipay.trade.precreate" => {
                let trade = self.request(pay_request(&app_id, &biz, params, self.now())?)?;
                let trade = self.open(&app_id, &trade.out_trade_no)?;
                let qr_code = format!("{base_url}/qr/{}/{}", trade.app_id, trade.out_trade_no);
                self.json_ok(
                    method,
                    json!({"out_trade_no": trade.out_trade_no, "qr_code": qr_code}),
                )
            }
            "alipay.trade.query" => {
                let trade = self.with_ledger(|ledger, now| {
                    ledger.query(&app_id, trade_ref(&biz)?, now).cloned()
                })?;
                self.json_ok(method, query_body(&trade))
            }
            "alipay.trade.close" => {
                let trade = self.with_ledger(|ledger, now| {
                    ledger.close(&app_id, trade_ref(&biz)?, now).cloned()
                })?;
                self.json_ok(
                    method,
                    json!({"out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}),
                )
            }
            "alipay.trade.refund" => self.refund_call(method, &app_id, &biz),
            "alipay.trade.fastpay.refund.query" => self.refund_query(method, &app_id, &biz),
            "alipay.data.dataservice.bill.downloadurl.query" => {
                let bill_type = text(&biz, "bill_type")?;
                let bill_date = text(&biz, "bill_date")?;
                if !matches!(bill_type.as_str(), "trade" | "signcustomer") {
                    return Err(GatewayError::invalid(
                        "isv.invalid-parameter",
                        "bill_type 只能是 trade 或 signcustomer",
                    ));
                }
                let url = format!(
                    "{base_url}/bill?app_id={app_id}&bill_type={bill_type}&bill_date={bill_date}"
                );
                self.json_ok(method, json!({"bill_download_url": url}))
            }
            _ => Err(GatewayError::invalid(
                "isv.invalid-method",
                format!("不存在的方法名 {method}"),
            )),
        }
    }

    fn refund_call(
        &self,
        method: &str,
        app_id: &str,
        biz: &Map<String, Value>,
    ) -> Result<GatewayReply, GatewayError> {
        let amount = amount(biz, "refund_amount")?;
        let out_request_no = match biz.get("out_request_no").and_then(Value::as_str) {
            Some(no) if !no.is_empty() => no.to_owned(),
            // Alipay's rule: without out_request_no, the refund is identified by the trade.
            _ => text(biz, "out_trade_no").or_else(|_| text(biz, "trade_no"))?,
        };
        let (outcome, trade) = self
            .refund(app_id, trade_ref(biz)?, amount, &out_request_no)
            .map_err(|err| match err {
                crate::SimError::Gateway(err) => err,
                other => GatewayError::business("ACQ.SYSTEM_ERROR", other.to_string()),
            })?;
        self.json_ok(
            method,
            json!({
                "trade_no": trade.trade_no,
                "out_trade_no": trade.out_trade_no,
                "buyer_logon_id": trade.buyer_logon_id,
                "fund_change": if outcome.fund_change { "Y" } else { "N" },
                "refund_fee": outcome.refund_fee.to_string(),
                "gmt_refund_pay": china_timestamp(outcome.refund.at),
                "buyer_user_id": trade.buyer_id,
            }),
        )
    }

    fn refund_query(
        &self,
        method: &str,
        app_id: &str,
        biz: &Map<String, Value>,
    ) -> Result<GatewayReply, GatewayError> {
        let out_request_no = text(biz, "out_request_no")?;
        let trade = self.with_ledger(|ledger, _| {
            ledger
                .get(app_id, trade_ref(biz)?)
                .cloned()
                .ok_or_else(GatewayError::trade_not_exist)
        })?;
        let mut body = json!({"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no});
        if let Some(refund) = trade
            .refunds
            .iter()
            .find(|r| r.out_request_no == out_request_no)
        {
            body["out_request_no"] = json!(refund.out_request_no);
            body["refund_amount"] = json!(refund.amount.to_string());
            body["total_amount"] = json!(trade.total_amount.to_string());
            body["refund_status"] = json!("REFUND_SUCCESS");
        }
        self.json_ok(method, body)
    }

    fn json_ok(&self, method: &str, fields: Value) -> Result<GatewayReply, GatewayError> {
        let mut body = Map::new();
        body.insert("code".into(), json!("10000"));
        body.insert("msg".into(), json!("Success"));
        if let Value::Object(fields) = fields {
            body.extend(fields.into_iter().filter(|(_, value)| !value.is_null()));
        }
        let body = Value::Object(body).to_string();
        self.sign_response(method, &body)
            .map(GatewayReply::Json)
            .map_err(|err| GatewayError::business("ACQ.SYSTEM_ERROR", err.to_string()))
    }

    fn json_error(&self, method: &str, err: &GatewayError) -> GatewayReply {
        let body = json!({"code": err.code, "msg": err.msg, "sub_code": err.sub_code, "sub_msg": err.sub_msg}).to_string();
        let method = if method.is_empty() { "error" } else { method };
        match self.sign_response(method, &body) {
            Ok(signed) => GatewayReply::Json(signed),
            Err(_) => GatewayReply::Json(format!("{{\"error_response\":{body}}}")),
        }
    }
}

fn query_body(trade: &Trade) -> Value {
    let paid = trade.status().is_some_and(alipay_sdk::TradeStatus::is_paid);
    json!({
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": trade.buyer_logon_id,
        "trade_status": trade.status().map(|s| s.as_str()),
        "total_amount": trade.total_amount.to_string(),
        "buyer_pay_amount": if paid { trade.total_amount.to_string() } else { "0.00".to_owned() },
        "receipt_amount": if paid { trade.total_amount.to_string() } else { "0.00".to_owned() },
        "send_pay_date": trade.paid_at.map(china_timestamp),
        "buyer_user_id": trade.buyer_id,
    })
}

fn biz_content(params: &FormParams) -> Result<Map<String, Value>, GatewayError> {
    let raw = params.get("biz_content").unwrap_or("{}");
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(GatewayError::invalid(
            "isv.invalid-parameter",
            "biz_content 不是合法的 JSON 对象",
        )),
    }
}

fn text(biz: &Map<String, Value>, field: &str) -> Result<String, GatewayError> {
    match biz.get(field) {
        Some(Value::String(value)) if !value.is_empty() => Ok(value.clone()),
        Some(Value::Number(value)) => Ok(value.to_string()),
        _ => Err(GatewayError::missing(field)),
    }
}

fn amount(biz: &Map<String, Value>, field: &str) -> Result<Amount, GatewayError> {
    let value = text(biz, field)?;
    Amount::parse_payment(&value).map_err(|_| {
        GatewayError::invalid(
            "isv.invalid-parameter",
            format!("{field} 必须是 0.01 到 100000000.00 之间、最多两位小数的金额，收到 {value}"),
        )
    })
}

fn trade_ref(biz: &Map<String, Value>) -> Result<TradeRef<'_>, GatewayError> {
    if let Some(Value::String(no)) = biz
        .get("out_trade_no")
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    {
        return Ok(TradeRef::OutTradeNo(no));
    }
    if let Some(Value::String(no)) = biz
        .get("trade_no")
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    {
        return Ok(TradeRef::TradeNo(no));
    }
    Err(GatewayError::invalid(
        "isv.missing-parameter",
        "out_trade_no 和 trade_no 不能同时为空",
    ))
}

fn pay_request(
    app_id: &str,
    biz: &Map<String, Value>,
    params: &FormParams,
    now: DateTime<Utc>,
) -> Result<PayRequest, GatewayError> {
    let out_trade_no = text(biz, "out_trade_no")?;
    OutTradeNo::new(out_trade_no.clone()).map_err(|_| {
        GatewayError::invalid(
            "isv.invalid-parameter",
            "out_trade_no 只能由字母、数字和下划线组成，且不超过64个字符",
        )
    })?;
    let subject = text(biz, "subject")?;
    if subject.chars().count() > 256 {
        return Err(GatewayError::invalid(
            "isv.invalid-parameter",
            "subject 不能超过256个字符",
        ));
    }
    let time_expire = match (
        biz.get("time_expire").and_then(Value::as_str),
        biz.get("timeout_express").and_then(Value::as_str),
    ) {
        (Some(at), _) => Some(parse_china_time(at)?),
        (None, Some(relative)) => Some(parse_timeout_express(relative, now)?),
        (None, None) => None,
    };
    Ok(PayRequest {
        app_id: app_id.to_owned(),
        out_trade_no,
        subject,
        total_amount: amount(biz, "total_amount")?,
        notify_url: params
            .get("notify_url")
            .filter(|url| !url.is_empty())
            .map(str::to_owned),
        return_url: params
            .get("return_url")
            .filter(|url| !url.is_empty())
            .map(str::to_owned),
        time_expire,
    })
}

fn parse_china_time(text: &str) -> Result<DateTime<Utc>, GatewayError> {
    let invalid = || {
        GatewayError::invalid(
            "isv.invalid-parameter",
            format!("time_expire 格式应为 yyyy-MM-dd HH:mm:ss，收到 {text}"),
        )
    };
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| invalid())?;
    china_offset()
        .from_local_datetime(&naive)
        .single()
        .map(|local| local.with_timezone(&Utc))
        .ok_or_else(invalid)
}

/// `timeout_express`: `1m`–`15d` in minutes (`m`), hours (`h`) or days (`d`), or `1c` for the end
/// of the current day.
fn parse_timeout_express(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, GatewayError> {
    let invalid = || {
        GatewayError::invalid(
            "isv.invalid-parameter",
            format!("timeout_express 取值范围 1m～15d，收到 {text}"),
        )
    };
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let count: i64 = number.parse().map_err(|_| invalid())?;
    let span = match unit {
        "m" => Duration::minutes(count),
        "h" => Duration::hours(count),
        "d" => Duration::days(count),
        "c" if count == 1 => {
            let local = now.with_timezone(&china_offset()).date_naive();
            let end = local.and_hms_opt(23, 59, 59).ok_or_else(invalid)?;
            let end = china_offset()
                .from_local_datetime(&end)
                .single()
                .ok_or_else(invalid)?;
            return Ok(end.with_timezone(&Utc));
        }
        _ => return Err(invalid()),
    };
    if span < Duration::minutes(1) || span > Duration::days(15) {
        return Err(invalid());
    }
    Ok(now + span)
}
