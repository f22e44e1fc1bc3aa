//! `luffy-load-orders`: order creation (`POST /order/pay/`) and Alipay notifies
//! (`POST /order/success/`) under concurrent load, compared with the raw RSA-2048 signing rate
//! of this machine measured in the same run, then a count of the orders in the database: none
//! lost, none duplicated, every acknowledged notify paid.
//!
//! Against a server in its default mode (the built-in Alipay simulator), notifies are signed
//! with the simulator's key from the server's data dir:
//!
//! ```text
//! luffy-load-orders --base http://127.0.0.1:8000 --data-dir data \
//!     --database-url sqlite://luffy.db --username demo --password demo-pass --duration 10
//! ```

#![allow(
    clippy::print_stdout,
    reason = "the report on standard output is this program's purpose"
)]

use alipay_sdk::{PrivateKey, SignType};
use clap::Parser;
use luffy_load::{check_loopback, out_trade_no_of, percentile, priced_courses};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Load order creation and notifies; report rates against the raw signing rate.
#[derive(Debug, Parser)]
#[command(name = "luffy-load-orders", version, about)]
struct Args {
    /// Base URL of the server (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:8000")]
    base: String,
    /// The buyer.
    #[arg(long)]
    username: String,
    /// The buyer's password.
    #[arg(long)]
    password: String,
    /// The server's data dir (holds the simulator's Alipay key and the app key).
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// The server's database, to count orders afterwards.
    #[arg(long)]
    database_url: String,
    /// Concurrent clients (1 to 256).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds of order creation (1 to 60).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// The app id notifies carry.
    #[arg(long, default_value = "2021000000000001")]
    app_id: String,
    /// The seller id notifies carry.
    #[arg(long, default_value = "2088102179075543")]
    seller_id: String,
}

#[derive(Debug, Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    created: Vec<(String, String)>,
}

fn main() -> std::process::ExitCode {
    // One thread: the harness shares the machine with the server it measures, and a single
    // event loop drives a few dozen connections with no wake-ups across threads.
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(run(Args::parse())))
    {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(message) => {
            eprintln!("luffy-load-orders: error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn read_key(path: &std::path::Path) -> Result<PrivateKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    PrivateKey::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Single-thread RSA-2048 signatures per second with the server's backend, over ~1 s.
fn raw_sign_rate(key: &PrivateKey) -> Result<f64, String> {
    let content = "app_id=2021000000000001&biz_content={\"subject\":\"x\"}&charset=utf-8&method=alipay.trade.page.pay";
    let started = Instant::now();
    let mut count = 0u32;
    while started.elapsed() < Duration::from_secs(1) || count < 50 {
        alipay_sdk::crypto::sign(key, SignType::Rsa2, content.as_bytes())
            .map_err(|e| e.to_string())?;
        count += 1;
    }
    Ok(f64::from(count) / started.elapsed().as_secs_f64())
}

async fn run(args: Args) -> Result<bool, String> {
    let base = check_loopback(&args.base)?.to_string();
    let base = base.trim_end_matches('/').to_owned();
    if !(1..=256).contains(&args.concurrency) || !(1..=60).contains(&args.duration) {
        return Err("--concurrency 1..=256, --duration 1..=60".into());
    }
    let app_key = read_key(&args.data_dir.join("alipay_app_private_key.pem"))?;
    let alipay_key = read_key(
        &args
            .data_dir
            .join("alipay-sim")
            .join("alipay_private_key.pem"),
    )?;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let per_core = raw_sign_rate(&app_key)?;
    let raw_rate = per_core * cores as f64;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| e.to_string())?;
    let login: Value = client
        .post(format!("{base}/api/v1/user/user/mul_login/"))
        .json(&json!({"username": args.username, "password": args.password}))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let token = login["token"]
        .as_str()
        .ok_or_else(|| format!("login failed: {login}"))?
        .to_owned();
    let courses = priced_courses(&client, &base).await?;
    let database = luffy_db::DatabaseUrl::parse(&args.database_url).map_err(|e| e.to_string())?;
    let before = count_orders(&database)?;

    // Phase 1: order creation. The URL, the header and each course's body are built once.
    let pay_url =
        reqwest::Url::parse(&format!("{base}/api/v1/order/pay/")).map_err(|e| e.to_string())?;
    let authorization = reqwest::header::HeaderValue::from_str(&format!("jwt {token}"))
        .map_err(|e| e.to_string())?;
    let bodies: Arc<Vec<(String, String)>> = Arc::new(
        courses
            .iter()
            .map(|(course, price)| {
                let body = json!({"courses": [course], "total_amount": price}).to_string();
                (body, price.clone())
            })
            .collect(),
    );
    let tally = Arc::new(Mutex::new(Tally::default()));
    let end = Instant::now() + Duration::from_secs(args.duration);
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let (client, pay_url, authorization, bodies, tally) = (
                client.clone(),
                pay_url.clone(),
                authorization.clone(),
                bodies.clone(),
                tally.clone(),
            );
            tokio::spawn(async move {
                let mut next = worker;
                while Instant::now() < end {
                    let (body, price) = &bodies[next % bodies.len()];
                    next += 7;
                    let sent = Instant::now();
                    let answer = client
                        .post(pay_url.clone())
                        .header(reqwest::header::AUTHORIZATION, authorization.clone())
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    let body: Option<Value> = match answer {
                        Ok(response) => response.json().await.ok(),
                        Err(_) => None,
                    };
                    let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                    let created = body
                        .as_ref()
                        .and_then(|b| b["pay_url"].as_str())
                        .and_then(out_trade_no_of);
                    let mut tally = tally.lock().unwrap_or_else(|p| p.into_inner());
                    tally.latencies_us.push(micros);
                    match created {
                        Some(no) => tally.created.push((no, price.clone())),
                        None => tally.errors += 1,
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut tally = std::mem::take(&mut *tally.lock().map_err(|_| "poisoned")?);
    tally.latencies_us.sort_unstable();
    let orders_per_sec = tally.created.len() as f64 / elapsed;
    let after = count_orders(&database)?;

    // Phase 2: one signed TRADE_SUCCESS notify per created order. Signed off the event loop,
    // which meanwhile notices the server closing idle connections, so none is reused stale.
    let created = tally.created.clone();
    let (app_id, seller_id) = (args.app_id.clone(), args.seller_id.clone());
    let notify_bodies: Vec<String> = tokio::task::spawn_blocking(move || {
        created
            .iter()
            .enumerate()
            .map(|(n, (no, price))| signed_notify(&alipay_key, &app_id, &seller_id, no, price, n))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| e.to_string())??;
    let notify_bodies = Arc::new(notify_bodies);
    let acked = Arc::new(Mutex::new((Vec::<u32>::new(), 0u64)));
    let cursor = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let notify_started = Instant::now();
    let senders: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (client, base, bodies, acked, cursor) = (
                client.clone(),
                base.clone(),
                notify_bodies.clone(),
                acked.clone(),
                cursor.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let index = cursor.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(body) = bodies.get(index) else { break };
                    let sent = Instant::now();
                    let ok = match client
                        .post(format!("{base}/api/v1/order/success/"))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body.clone())
                        .send()
                        .await
                    {
                        Ok(response) => response.text().await.is_ok_and(|t| t == "success"),
                        Err(_) => false,
                    };
                    let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                    let mut acked = acked.lock().unwrap_or_else(|p| p.into_inner());
                    acked.0.push(micros);
                    acked.1 += u64::from(ok);
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.map_err(|e| e.to_string())?;
    }
    let notify_elapsed = notify_started.elapsed().as_secs_f64();
    let (mut notify_latencies, acknowledged) =
        std::mem::take(&mut *acked.lock().map_err(|_| "poisoned")?);
    notify_latencies.sort_unstable();
    let final_counts = count_orders(&database)?;

    let mut distinct: Vec<&String> = tally.created.iter().map(|(no, _)| no).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let stored = after.0 - before.0;
    let lost = tally.created.len() as i64 - stored;
    let duplicated = (tally.created.len() - distinct.len()) as i64 + (after.0 - after.1);
    let paid = final_counts.2 - before.2;
    println!(
        "machine        {cores} cores; raw RSA-2048 sign {per_core:.0}/s per core → {raw_rate:.0}/s"
    );
    println!(
        "POST /order/pay/   {} orders in {elapsed:.1} s = {orders_per_sec:.0}/s ({:.0} % of raw signing), {} errors, p50 {:.1} ms, p99 {:.1} ms",
        tally.created.len(),
        100.0 * orders_per_sec / raw_rate,
        tally.errors,
        percentile(&tally.latencies_us, 0.5),
        percentile(&tally.latencies_us, 0.99),
    );
    println!(
        "POST /order/success/ {} notifies in {notify_elapsed:.1} s = {:.0}/s, {acknowledged} acknowledged, p50 {:.1} ms, p99 {:.1} ms",
        notify_latencies.len(),
        notify_latencies.len() as f64 / notify_elapsed.max(f64::EPSILON),
        percentile(&notify_latencies, 0.5),
        percentile(&notify_latencies, 0.99),
    );
    println!(
        "database       {stored} new orders for {} pay URLs: {lost} lost, {duplicated} duplicated; {paid} paid for {acknowledged} acknowledged notifies",
        tally.created.len()
    );
    Ok(lost == 0
        && duplicated == 0
        && paid == acknowledged as i64
        && acknowledged as usize == notify_latencies.len())
}

/// (orders, distinct out_trade_no, paid orders).
fn count_orders(database: &luffy_db::DatabaseUrl) -> Result<(i64, i64, i64), String> {
    use diesel::prelude::*;
    use luffy_db::schema::luffy_order;
    let mut conn = luffy_db::DbConnection::open(database).map_err(|e| e.to_string())?;
    let all: i64 = luffy_order::table
        .count()
        .get_result(&mut conn)
        .map_err(|e| e.to_string())?;
    let numbers: Vec<String> = luffy_order::table
        .select(luffy_order::out_trade_no)
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    let distinct = i64::try_from(
        numbers
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
    )
    .unwrap_or(0);
    let paid: i64 = luffy_order::table
        .filter(luffy_order::status.eq("paid"))
        .count()
        .get_result(&mut conn)
        .map_err(|e| e.to_string())?;
    Ok((all, distinct, paid))
}

fn signed_notify(
    key: &PrivateKey,
    app_id: &str,
    seller_id: &str,
    out_trade_no: &str,
    total: &str,
    n: usize,
) -> Result<String, String> {
    // Alipay's trade numbers are unique: derive them from the (unique) order number.
    let trade_no = format!("T{out_trade_no}");
    let notify_id = format!("2026112700222{n:021}");
    let params: Vec<(String, String)> = [
        ("app_id", app_id),
        ("auth_app_id", app_id),
        ("charset", "utf-8"),
        ("notify_id", notify_id.as_str()),
        ("notify_time", "2026-11-27 12:00:00"),
        ("notify_type", "trade_status_sync"),
        ("out_trade_no", out_trade_no),
        ("seller_id", seller_id),
        ("total_amount", total),
        ("trade_no", trade_no.as_str()),
        ("trade_status", "TRADE_SUCCESS"),
        ("gmt_payment", "2026-11-27 12:00:00"),
        ("version", "1.0"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    alipay_sdk::gateway::sign_notify(&params, key, SignType::Rsa2)
        .map(|form| form.encoded)
        .map_err(|e| e.to_string())
}
