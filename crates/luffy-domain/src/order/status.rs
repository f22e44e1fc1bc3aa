//! The order status machine. Terminal states never regress; every transition is a conditional
//! update in the database (`… WHERE status = <from>`), so racing replicas move an order once.

use crate::DomainError;
use std::fmt;
use std::str::FromStr;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Created, waiting for payment.
    Unpaid,
    /// Paid: the courses are granted.
    Paid,
    /// Cancelled by the buyer before payment.
    Cancelled,
    /// Not paid within the order timeout; the Alipay trade was closed.
    TimedOut,
    /// A refund was requested and has not completed yet.
    Refunding,
    /// Part of the amount was refunded; the courses stay granted.
    PartiallyRefunded,
    /// Fully refunded; the grant is revoked.
    Refunded,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Unpaid,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
        OrderStatus::TimedOut,
        OrderStatus::Refunding,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Refunded,
    ];

    /// The database and API code, e.g. `unpaid`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Unpaid => "unpaid",
            OrderStatus::Paid => "paid",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::TimedOut => "timed_out",
            OrderStatus::Refunding => "refunding",
            OrderStatus::PartiallyRefunded => "partially_refunded",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// The original system's `order_status` number (0 未支付, 1 已支付, 2 已取消, 3 超时取消),
    /// extended with 4 退款中, 5 部分退款, 6 已退款.
    pub fn code(self) -> i32 {
        match self {
            OrderStatus::Unpaid => 0,
            OrderStatus::Paid => 1,
            OrderStatus::Cancelled => 2,
            OrderStatus::TimedOut => 3,
            OrderStatus::Refunding => 4,
            OrderStatus::PartiallyRefunded => 5,
            OrderStatus::Refunded => 6,
        }
    }

    /// The Chinese name shown to buyers.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Unpaid => "未支付",
            OrderStatus::Paid => "已支付",
            OrderStatus::Cancelled => "已取消",
            OrderStatus::TimedOut => "超时取消",
            OrderStatus::Refunding => "退款中",
            OrderStatus::PartiallyRefunded => "部分退款",
            OrderStatus::Refunded => "已退款",
        }
    }

    /// Whether the buyer has paid (whatever was refunded since).
    pub fn was_paid(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::Refunding
                | OrderStatus::PartiallyRefunded
                | OrderStatus::Refunded
        )
    }

    /// The statuses an order may move to from `self`.
    ///
    /// A payment that arrives for a timed-out order is honoured (the money was taken; the event
    /// is flagged), so it may still become paid. A payment that cannot become a grant (the order
    /// was cancelled, or its course is owned already) moves the order straight to refunding.
    /// Nothing ever returns to unpaid, and a refunded order is final.
    pub fn successors(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Unpaid => &[Paid, Cancelled, TimedOut, Refunding],
            Cancelled | TimedOut => &[Paid, Refunding],
            Paid => &[Refunding, PartiallyRefunded, Refunded],
            Refunding => &[Paid, PartiallyRefunded, Refunded],
            PartiallyRefunded => &[Refunding, PartiallyRefunded, Refunded],
            Refunded => &[],
        }
    }

    /// Whether `self → next` is allowed.
    pub fn can_become(self, next: OrderStatus) -> bool {
        self.successors().contains(&next)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = DomainError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| DomainError::invalid("status", format!("unknown order status {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>().unwrap(), status);
        }
        assert!("paid ".parse::<OrderStatus>().is_err());
    }

    #[test]
    fn nothing_returns_to_unpaid_and_refunded_is_final() {
        for status in OrderStatus::ALL {
            assert!(!status.can_become(OrderStatus::Unpaid), "{status} → unpaid");
            assert!(
                !OrderStatus::Refunded.can_become(status),
                "refunded → {status}"
            );
        }
    }

    #[test]
    fn a_late_payment_is_honoured() {
        assert!(OrderStatus::TimedOut.can_become(OrderStatus::Paid));
        assert!(OrderStatus::Cancelled.can_become(OrderStatus::Paid));
        assert!(!OrderStatus::TimedOut.can_become(OrderStatus::Refunded));
        assert!(OrderStatus::Cancelled.can_become(OrderStatus::Refunding));
        assert!(OrderStatus::Unpaid.can_become(OrderStatus::TimedOut));
        assert!(!OrderStatus::Paid.can_become(OrderStatus::TimedOut));
    }
}
