//! Buyers purchasing through nginx while the chaos schedule kills replicas, restarts
//! PostgreSQL and the simulator mangles notifies.

use crate::Args;
use crate::cluster::{APP_ID, BUYER_PASSWORD, Cluster};
use alipay_sim::NotifyFault;
use luffy_load::{login, out_trade_no_of, priced_courses};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the drive did.
#[derive(Debug, Default)]
pub struct Driven {
    /// Orders whose pay URL was returned to a buyer.
    pub returned: Vec<String>,
    /// Of those, paid at Alipay.
    pub paid_at_alipay: Vec<String>,
    /// Of those, left unpaid (they must time out).
    pub left_unpaid: Vec<String>,
    /// Of those, cancelled by the buyer while the cashier was open, and not paid (they must end
    /// cancelled or timed out).
    pub cancelled: Vec<String>,
    /// Several identical pay requests of one buyer sent at once that got more than one order.
    pub split_purchases: Vec<Vec<String>>,
    /// `POST /order/pay/` calls that did not return a pay URL (during faults).
    pub failed_requests: u64,
    /// Injected notify faults, by kind.
    pub faults: HashMap<&'static str, u64>,
    /// Replicas killed with SIGKILL and restarted.
    pub replica_kills: u64,
    /// PostgreSQL restarts.
    pub postgres_restarts: u64,
    /// `students` of every course before the drive.
    pub students_before: HashMap<i64, i64>,
}

pub async fn drive(args: &Args, cluster: &mut Cluster) -> Result<Driven, String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| e.to_string())?;
    let courses = priced_courses(&client, &cluster.base).await?;
    let mut driven = Driven {
        students_before: crate::check::students(cluster)?,
        ..Driven::default()
    };
    let shared = Arc::new(Mutex::new(Driven::default()));
    let duration = Duration::from_secs(args.duration);
    let end = Instant::now() + duration;
    let mut buyers = Vec::new();
    for (index, name) in cluster.buyers.iter().enumerate() {
        let token = login(&client, &cluster.base, name, BUYER_PASSWORD, None).await?;
        buyers.push(buyer(
            client.clone(),
            cluster.base.clone(),
            cluster.sim.clone(),
            token,
            courses.clone(),
            index,
            args.seed + index as u64,
            end,
            shared.clone(),
        ));
    }
    let chaos = chaos(cluster, duration);
    let (_, chaos) =
        futures_util::future::join(futures_util::future::join_all(buyers), chaos).await;
    let (kills, restarts) = chaos?;
    let mut result = std::mem::take(&mut *shared.lock().map_err(|_| "poisoned")?);
    result.students_before = std::mem::take(&mut driven.students_before);
    result.replica_kills = kills;
    result.postgres_restarts = restarts;
    Ok(result)
}

#[allow(clippy::too_many_arguments)]
async fn buyer(
    client: reqwest::Client,
    base: String,
    sim: alipay_sim::Simulator,
    token: String,
    courses: Vec<(i64, String)>,
    offset: usize,
    seed: u64,
    end: Instant,
    shared: Arc<Mutex<Driven>>,
) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut next = offset;
    while Instant::now() < end && next < offset + courses.len() {
        // About ten purchases a second per buyer, so the faults land mid-traffic.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (course, price) = &courses[next % courses.len()];
        next += 1;
        // Sometimes the buyer presses "buy" three times at once: one order must come of it.
        let copies = if rng.gen_bool(0.15) { 3 } else { 1 };
        if copies > 1 {
            record(&shared, |d| {
                *d.faults.entry("duplicate_purchase").or_default() += 1
            });
        }
        let answers = futures_util::future::join_all((0..copies).map(|_| {
            client
                .post(format!("{base}/api/v1/order/pay/"))
                .header("authorization", format!("jwt {token}"))
                .json(&json!({"courses": [course], "total_amount": price}))
                .send()
        }))
        .await;
        let mut numbers = Vec::new();
        for answer in answers {
            let body: Option<Value> = match answer {
                Ok(response) => response.json().await.ok(),
                Err(_) => None,
            };
            if let Some(no) = body
                .as_ref()
                .and_then(|b| b["pay_url"].as_str())
                .and_then(out_trade_no_of)
            {
                numbers.push((no, body));
            }
        }
        let mut distinct: Vec<String> = numbers.iter().map(|(no, _)| no.clone()).collect();
        distinct.sort();
        distinct.dedup();
        if distinct.len() > 1 {
            record(&shared, |d| d.split_purchases.push(distinct.clone()));
        }
        let body = numbers.into_iter().next().and_then(|(_, body)| body);
        let Some(pay_url) = body.as_ref().and_then(|b| b["pay_url"].as_str()) else {
            record(&shared, |d| d.failed_requests += 1);
            // The course may be owned already, or the cluster is mid-fault: try the next.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Some(out_trade_no) = out_trade_no_of(pay_url) else {
            continue;
        };
        record(&shared, |d| d.returned.push(out_trade_no.clone()));
        if rng.gen_bool(0.15) {
            // The cashier page is open when the buyer cancels, and Pay is pressed at once.
            record(&shared, |d| {
                *d.faults.entry("cancel_vs_pay").or_default() += 1
            });
            let opened = client.get(pay_url).send().await.is_ok();
            let cancel = client
                .post(format!("{base}/api/v1/order/{out_trade_no}/cancel/"))
                .header("authorization", format!("jwt {token}"))
                .json(&json!({}))
                .send();
            let delay = Duration::from_millis(rng.gen_range(0..40));
            let pay = async {
                tokio::time::sleep(delay).await;
                opened && sim.pay(APP_ID, &out_trade_no).is_ok()
            };
            let (_, paid) = futures_util::future::join(cancel, pay).await;
            record(&shared, |d| {
                if paid {
                    d.paid_at_alipay.push(out_trade_no.clone());
                } else {
                    d.cancelled.push(out_trade_no.clone());
                }
            });
        } else if rng.gen_bool(0.7) {
            let fault = match rng.gen_range(0..10) {
                0 | 1 => Some(("drop", NotifyFault::Drop)),
                2 => Some(("duplicate", NotifyFault::Duplicate { copies: 3 })),
                3 => Some(("reorder", NotifyFault::Reorder)),
                4 => Some(("delay", NotifyFault::Delay { secs: 2 })),
                _ => None,
            };
            if let Some((name, fault)) = fault {
                sim.inject_fault(fault);
                record(&shared, |d| *d.faults.entry(name).or_default() += 1);
            }
            // The buyer opens the cashier (the page-pay request reaches Alipay), then pays.
            let opened = match client.get(pay_url).send().await {
                Ok(response) => response
                    .text()
                    .await
                    .is_ok_and(|html| html.contains("id=\"pay\"")),
                Err(_) => false,
            };
            let paid = opened
                && sim.open(APP_ID, &out_trade_no).is_ok()
                && sim.pay(APP_ID, &out_trade_no).is_ok();
            record(&shared, |d| {
                if paid {
                    d.paid_at_alipay.push(out_trade_no.clone());
                } else {
                    d.left_unpaid.push(out_trade_no.clone());
                }
            });
        } else {
            record(&shared, |d| d.left_unpaid.push(out_trade_no.clone()));
        }
    }
}

fn record(shared: &Arc<Mutex<Driven>>, change: impl FnOnce(&mut Driven)) {
    let mut driven = shared.lock().unwrap_or_else(|p| p.into_inner());
    change(&mut driven);
}

/// Kills a replica at 25 % of the run and another at 75 % (restarting each 2 s later), and
/// restarts PostgreSQL at 50 %.
async fn chaos(cluster: &mut Cluster, duration: Duration) -> Result<(u64, u64), String> {
    let step = duration / 4;
    let mut kills = 0;
    let mut restarts = 0;
    tokio::time::sleep(step).await;
    cluster.kill_replica(0);
    kills += 1;
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.restart_replica(0).await?;
    tokio::time::sleep(step.saturating_sub(Duration::from_secs(2))).await;
    if cluster.postgres_restarts {
        cluster.restart_postgres()?;
        restarts += 1;
    }
    tokio::time::sleep(step).await;
    let last = cluster.replicas.len() - 1;
    cluster.kill_replica(last);
    kills += 1;
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.restart_replica(last).await?;
    Ok((kills, restarts))
}
