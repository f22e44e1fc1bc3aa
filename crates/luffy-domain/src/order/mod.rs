//! Orders: the status machine, server-side pricing of a cart, order numbers, and the checks a
//! payment notification must pass before it moves an order.

mod cart;
mod out_trade_no;
mod payment;
mod refund;
mod status;

pub use cart::{
    CartError, CartItem, CourseForSale, MAX_CART_COURSES, PricedCart, cart_course_ids, price_cart,
};
pub use out_trade_no::{OutTradeNo, new_out_trade_no};
pub use payment::{
    AutoRefundReason, PaymentEvidence, PaymentMismatch, PaymentSettlement, ReportedTradeStatus,
    check_payment, settle_payment,
};
pub use refund::{automatic_refund_no, refundable, status_after_refunds};
pub use status::OrderStatus;
