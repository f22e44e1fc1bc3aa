//! After the drive: wait for the reconciliation window, then check every invariant.

use crate::cluster::{APP_ID, Cluster, ORDER_TIMEOUT_SECS};
use crate::drive::Driven;
use diesel::prelude::*;
use luffy_db::schema::{
    luffy_course, luffy_enrollment, luffy_order, luffy_order_line, luffy_payment_event,
    luffy_refund,
};
use luffy_domain::order::OrderStatus;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

/// What the run did and found.
#[derive(Debug, Default)]
pub struct Report {
    pub purchases: usize,
    pub paid_at_alipay: usize,
    pub left_unpaid: usize,
    pub cancelled: usize,
    pub automatic_refunds: usize,
    pub failed_requests: u64,
    pub faults: Vec<(String, u64)>,
    pub replica_kills: u64,
    pub postgres_restarts: u64,
    pub invariants_checked: usize,
    pub violations: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "purchases driven      {} (pay URL returned)",
            self.purchases
        )?;
        writeln!(f, "  paid at Alipay      {}", self.paid_at_alipay)?;
        writeln!(f, "  left unpaid         {}", self.left_unpaid)?;
        writeln!(f, "  cancelled unpaid    {}", self.cancelled)?;
        writeln!(f, "automatic refunds     {}", self.automatic_refunds)?;
        writeln!(f, "  refused during faults {}", self.failed_requests)?;
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(f, "faults                {}", faults.join(", "))?;
        writeln!(
            f,
            "replicas killed       {} (SIGKILL, then restarted)",
            self.replica_kills
        )?;
        writeln!(f, "PostgreSQL restarts   {}", self.postgres_restarts)?;
        write!(f, "invariants checked    {}", self.invariants_checked)
    }
}

/// `students` of every course.
pub fn students(cluster: &Cluster) -> Result<HashMap<i64, i64>, String> {
    let mut conn = cluster.db()?;
    let rows: Vec<(i64, i32)> = luffy_course::table
        .select((luffy_course::id, luffy_course::students))
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    Ok(rows.into_iter().map(|(id, n)| (id, i64::from(n))).collect())
}

fn statuses(cluster: &Cluster) -> Result<HashMap<String, (OrderStatus, i64)>, String> {
    let mut conn = cluster.db()?;
    let rows: Vec<(String, String, i64)> = luffy_order::table
        .select((
            luffy_order::out_trade_no,
            luffy_order::status,
            luffy_order::id,
        ))
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .map(|(no, status, id)| (no, (status.parse().unwrap_or(OrderStatus::Unpaid), id)))
        .collect())
}

/// Refund requests: `(order id, amount, status, automatic)`.
fn refunds(cluster: &Cluster) -> Result<Vec<(i64, i64, String, bool)>, String> {
    let mut conn = cluster.db()?;
    luffy_refund::table
        .select((
            luffy_refund::order_id,
            luffy_refund::amount,
            luffy_refund::status,
            luffy_refund::automatic,
        ))
        .load(&mut conn)
        .map_err(|e| e.to_string())
}

pub async fn settle_and_check(cluster: &Cluster, driven: Driven) -> Result<Report, String> {
    // The reconciliation window: every paid trade paid here, every unpaid order timed out.
    let window = Duration::from_secs(ORDER_TIMEOUT_SECS + 45);
    let started = Instant::now();
    loop {
        let current = statuses(cluster)?;
        let settled = driven
            .paid_at_alipay
            .iter()
            .all(|no| current.get(no).is_some_and(|(s, _)| s.was_paid()))
            && driven
                .left_unpaid
                .iter()
                .chain(&driven.cancelled)
                .all(|no| {
                    current
                        .get(no)
                        .is_some_and(|(s, _)| *s != OrderStatus::Unpaid)
                })
            && refunds(cluster)?
                .iter()
                .all(|(_, _, status, automatic)| !automatic || status != "pending");
        if settled || started.elapsed() > window {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let mut report = Report {
        purchases: driven.returned.len(),
        paid_at_alipay: driven.paid_at_alipay.len(),
        left_unpaid: driven.left_unpaid.len(),
        cancelled: driven.cancelled.len(),
        failed_requests: driven.failed_requests,
        faults: {
            let mut faults: Vec<(String, u64)> = driven
                .faults
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect();
            faults.sort();
            faults
        },
        replica_kills: driven.replica_kills,
        postgres_restarts: driven.postgres_restarts,
        ..Report::default()
    };
    let current = statuses(cluster)?;
    let mut check = |ok: bool, violation: String| {
        report.invariants_checked += 1;
        if !ok {
            report.violations.push(violation);
        }
    };

    // 1. Every order whose pay URL was returned exists.
    for no in &driven.returned {
        check(
            current.contains_key(no),
            format!("order {no} was returned to a buyer but does not exist"),
        );
    }
    for split in &driven.split_purchases {
        check(
            false,
            format!("identical pay requests sent at once got several orders: {split:?}"),
        );
    }
    // 2. Every paid trade at Alipay is paid here; 3. no order timed out that Alipay reports paid.
    let trades: HashMap<String, alipay_sim::Trade> = cluster
        .sim
        .trades()
        .into_iter()
        .filter(|t| t.app_id == APP_ID)
        .map(|t| (t.out_trade_no.clone(), t))
        .collect();
    let alipay_paid: HashSet<String> = trades
        .values()
        .filter(|t| t.paid_at.is_some())
        .map(|t| t.out_trade_no.clone())
        .collect();
    for no in &alipay_paid {
        let status = current.get(no).map(|(s, _)| *s);
        check(
            status.is_some_and(OrderStatus::was_paid),
            format!("trade {no} is paid at Alipay but the order is {status:?}"),
        );
    }
    for (no, (status, _)) in &current {
        if *status == OrderStatus::TimedOut {
            check(
                !alipay_paid.contains(no),
                format!("order {no} timed out although Alipay reports it paid"),
            );
        }
        if status.was_paid() {
            check(
                alipay_paid.contains(no),
                format!("order {no} is paid here but not at Alipay"),
            );
        }
    }
    // Unpaid orders end: none is still unpaid after the window.
    for no in &driven.left_unpaid {
        let status = current.get(no).map(|(s, _)| *s);
        check(
            status == Some(OrderStatus::TimedOut),
            format!("unpaid order {no} did not time out: {status:?}"),
        );
    }
    for no in &driven.cancelled {
        let status = current.get(no).map(|(s, _)| *s);
        check(
            matches!(status, Some(OrderStatus::Cancelled | OrderStatus::TimedOut)),
            format!("order {no}, cancelled and not paid, is {status:?}"),
        );
    }

    let mut conn = cluster.db()?;
    // 4. No order paid twice: one payment transition (a grant or an automatic refund) at most
    // in the audit trail.
    let paid_events: Vec<String> = luffy_payment_event::table
        .filter(luffy_payment_event::outcome.eq_any(["paid", "paid_late", "refund_due"]))
        .select(luffy_payment_event::out_trade_no.assume_not_null())
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    let mut transitions: HashMap<String, usize> = HashMap::new();
    for no in paid_events {
        *transitions.entry(no).or_default() += 1;
    }
    for (no, (status, _)) in &current {
        let count = transitions.get(no).copied().unwrap_or(0);
        let expected = usize::from(status.was_paid());
        check(
            count == expected,
            format!("order {no} ({status}) has {count} paid transitions"),
        );
    }
    // 5. No grant twice: a paid order grants each of its courses exactly once.
    let lines: Vec<(i64, i64)> = luffy_order_line::table
        .select((luffy_order_line::order_id, luffy_order_line::course_id))
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    let grants: Vec<(i64, i64)> = luffy_enrollment::table
        .select((luffy_enrollment::order_id, luffy_enrollment::course_id))
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    let mut grant_count: HashMap<(i64, i64), usize> = HashMap::new();
    for grant in &grants {
        *grant_count.entry(*grant).or_default() += 1;
    }
    let refund_rows = refunds(cluster)?;
    let automatic: HashSet<i64> = refund_rows
        .iter()
        .filter(|(_, _, _, automatic)| *automatic)
        .map(|(order_id, ..)| *order_id)
        .collect();
    report.automatic_refunds = automatic.len();
    let paid_ids: HashSet<i64> = current
        .values()
        .filter(|(s, id)| s.was_paid() && !automatic.contains(id))
        .map(|(_, id)| *id)
        .collect();
    for line in &lines {
        let count = grant_count.get(line).copied().unwrap_or(0);
        let expected = usize::from(paid_ids.contains(&line.0));
        check(
            count == expected,
            format!(
                "order id {} course {} granted {count} times",
                line.0, line.1
            ),
        );
    }
    // 6. Students counted once per grant.
    let after = students(cluster)?;
    let mut granted_per_course: HashMap<i64, i64> = HashMap::new();
    for (_, course) in &grants {
        *granted_per_course.entry(*course).or_default() += 1;
    }
    for (course, before) in &driven.students_before {
        let delta = after.get(course).copied().unwrap_or(0) - before;
        let granted = granted_per_course.get(course).copied().unwrap_or(0);
        check(
            delta == granted,
            format!("course {course}: students +{delta}, grants {granted}"),
        );
    }
    // 7. Money: every captured payment is a grant or went back in full automatically; the
    // refund ledger equals Alipay's; a buyer keeps at most one price per course.
    let owners: Vec<(i64, i64)> = luffy_order::table
        .select((luffy_order::id, luffy_order::user_id))
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    let owners: HashMap<i64, i64> = owners.into_iter().collect();
    let mut kept_per_buyer_course: HashMap<(i64, i64), (u64, u64)> = HashMap::new();
    for (no, (_, id)) in &current {
        let Some(trade) = trades.get(no).filter(|t| t.paid_at.is_some()) else {
            continue;
        };
        let kept = trade.total_amount.fen() - trade.refunded().fen();
        let granted = paid_ids.contains(id);
        let returned = automatic.contains(id) && kept == 0;
        check(
            granted ^ returned,
            format!("payment of {no}: granted {granted}, refunded automatically {returned}"),
        );
        let succeeded: i64 = refund_rows
            .iter()
            .filter(|(order_id, _, status, _)| order_id == id && status == "succeeded")
            .map(|(_, amount, ..)| *amount)
            .sum();
        check(
            u64::try_from(succeeded).ok() == Some(trade.refunded().fen()),
            format!(
                "order {no}: refunds succeeded here {succeeded}, at Alipay {}",
                trade.refunded().fen()
            ),
        );
        for (order_id, course) in &lines {
            if order_id == id {
                let buyer = owners.get(id).copied().unwrap_or_default();
                let entry = kept_per_buyer_course.entry((buyer, *course)).or_default();
                entry.0 += kept;
                entry.1 = entry.1.max(trade.total_amount.fen());
            }
        }
    }
    for ((buyer, course), (kept, price)) in &kept_per_buyer_course {
        check(
            kept <= price,
            format!("buyer {buyer} course {course}: {kept} fen kept, one price is {price}"),
        );
    }
    Ok(report)
}
