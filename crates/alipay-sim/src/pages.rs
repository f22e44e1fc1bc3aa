//! The HTML the buyer sees: the cashier, and the pages after it.

use crate::GatewayError;
use crate::ledger::Trade;

/// Escapes text for HTML element content and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The pages' style sheet, served at `cashier.css` (next to `gateway.do`).
pub const STYLE: &str = include_str!("static/cashier.css");

/// The CSP of the pages: the style sheet of this origin, no script, no inline code, never
/// framed.
pub const CSP: &str =
    "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"cashier.css\"></head><body>{}</body></html>",
        escape(title),
        body
    )
}

/// The cashier: subject, amount, and Pay / Cancel. The forms post to paths relative to
/// `gateway.do`, so the page works wherever the simulator is mounted.
pub fn cashier(trade: &Trade) -> String {
    let hidden = format!(
        "<input type=\"hidden\" name=\"app_id\" value=\"{}\"><input type=\"hidden\" name=\"out_trade_no\" value=\"{}\">",
        escape(&trade.app_id),
        escape(&trade.out_trade_no)
    );
    let body = format!(
        "<h1>支付宝收银台（模拟）</h1>\
         <p>商品：<strong id=\"subject\">{subject}</strong></p>\
         <p>订单号：<code id=\"out_trade_no\">{out_trade_no}</code></p>\
         <p class=\"amount\">¥ <span id=\"total_amount\">{amount}</span></p>\
         <form method=\"post\" action=\"cashier/pay\" class=\"inline\">{hidden}<button type=\"submit\" id=\"pay\">确认付款 Pay</button></form>\
         <form method=\"post\" action=\"cashier/cancel\" class=\"inline\">{hidden}<button type=\"submit\" id=\"cancel\">取消 Cancel</button></form>\
         <p class=\"note\">This is Luffy's local Alipay simulator: no money moves.</p>",
        subject = escape(&trade.subject),
        out_trade_no = escape(&trade.out_trade_no),
        amount = trade.total_amount,
    );
    page("支付宝收银台", &body)
}

/// Shown after paying when the request had no `return_url`.
pub fn paid(trade: &Trade) -> String {
    page(
        "支付成功",
        &format!(
            "<h1>支付成功</h1><p>订单 <code>{}</code> 已支付 ¥ {}。</p>",
            escape(&trade.out_trade_no),
            trade.total_amount
        ),
    )
}

/// Shown after Cancel.
pub fn cancelled(out_trade_no: &str) -> String {
    page(
        "已取消",
        &format!(
            "<h1>已取消付款</h1><p>订单 <code>{}</code> 未支付。</p>",
            escape(out_trade_no)
        ),
    )
}

/// An error, the way Alipay shows request errors in the browser.
pub fn error(err: &GatewayError) -> String {
    page(
        "支付宝 - 错误",
        &format!(
            "<h1>抱歉，请求出错了</h1><p>错误代码 <code id=\"sub_code\">{}</code></p><p id=\"sub_msg\">{}</p><p class=\"note\">{} {}</p>",
            escape(&err.sub_code),
            escape(&err.sub_msg),
            escape(err.code),
            escape(err.msg)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
