//! `luffy-load`: a bounded HTTP load harness for measuring a Luffy server on this machine.
//!
//! It sends GET requests from `--concurrency` concurrent clients for `--duration` seconds (or
//! until `--max-requests`), then prints throughput and latency percentiles. It only talks to
//! loopback addresses and always stops by itself.
//!
//! ```text
//! luffy-load --base http://127.0.0.1:8000 --scenario search --concurrency 32 --duration 15
//! luffy-load --path '/api/v1/course/actual/?page_size=10' --duration 5
//! ```

use clap::{Parser, ValueEnum};
use luffy_load::{check_loopback, percentile};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The longest run allowed, in seconds.
const MAX_DURATION_SECS: u64 = 60;
/// The most concurrent clients allowed.
const MAX_CONCURRENCY: usize = 512;

/// Drive HTTP load at a Luffy server on loopback and report requests/s and latency.
#[derive(Debug, Parser)]
#[command(name = "luffy-load", version, about)]
struct Args {
    /// Base URL of the server (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:8000")]
    base: String,
    /// A path (with query) to request; repeat for several, requested in turn. Overrides --scenario.
    #[arg(long = "path")]
    paths: Vec<String>,
    /// A built-in set of paths.
    #[arg(long, value_enum, default_value_t = Scenario::Search)]
    scenario: Scenario,
    /// Concurrent clients (1 to 512).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds of measured load (1 to 60).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of unmeasured warm-up before the measurement.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Stop after this many measured requests.
    #[arg(long, default_value_t = 2_000_000)]
    max_requests: u64,
    /// Threads of the load generator itself.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

/// Built-in request mixes, shaped like the original client's calls.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scenario {
    /// The header search box: `course/search/?search=…&page_size=10`, many terms, Chinese too.
    Search,
    /// The course list: pages, orderings and categories.
    List,
    /// Both, alternating.
    Mixed,
}

fn scenario_paths(scenario: Scenario) -> Vec<String> {
    let terms = [
        "python",
        "Linux",
        "go语言",
        "入门",
        "py linux",
        "99",
        "微服务 go",
        "数据",
        "实战",
        "Docker容器",
        "redis",
        "第2期",
        "前端 vue",
        "算法",
    ];
    let search = terms.iter().map(|term| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("page_size", "10")
            .append_pair("page", "1")
            .append_pair("search", term)
            .finish();
        format!("/api/v1/course/search/?{query}")
    });
    let orderings = ["", "-price", "price", "-students", "-id"];
    let list = (1..=15).map(move |n| {
        let ordering = orderings[n % orderings.len()];
        let category = if n % 3 == 0 {
            format!("&course_category={}", n % 6 + 1)
        } else {
            String::new()
        };
        format!(
            "/api/v1/course/actual/?page={}&page_size=10&ordering={ordering}{category}",
            n * 7 % 50 + 1
        )
    });
    match scenario {
        Scenario::Search => search.collect(),
        Scenario::List => list.collect(),
        Scenario::Mixed => search.zip(list).flat_map(|(a, b)| [a, b]).collect(),
    }
}

#[derive(Debug, Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
}

async fn client_loop(
    client: reqwest::Client,
    urls: Arc<Vec<String>>,
    offset: usize,
    warmup_end: Instant,
    end: Instant,
    budget: Arc<AtomicU64>,
) -> Tally {
    let mut tally = Tally::default();
    let mut index = offset;
    loop {
        let started = Instant::now();
        if started >= end {
            break;
        }
        let measured = started >= warmup_end;
        if measured && budget.fetch_sub(1, Ordering::Relaxed) == 0 {
            budget.store(0, Ordering::Relaxed);
            break;
        }
        let url = &urls[index % urls.len()];
        index += 1;
        let ok = match client.get(url).send().await {
            Ok(response) => {
                let success = response.status().is_success();
                response.bytes().await.is_ok() && success
            }
            Err(_) => false,
        };
        if measured {
            let micros = started.elapsed().as_micros();
            tally
                .latencies_us
                .push(u32::try_from(micros).unwrap_or(u32::MAX));
            tally.errors += u64::from(!ok);
        }
    }
    tally
}

fn run(args: Args) -> Result<(), String> {
    let base = check_loopback(&args.base)?;
    if !(1..=MAX_CONCURRENCY).contains(&args.concurrency) {
        return Err(format!("--concurrency must be from 1 to {MAX_CONCURRENCY}"));
    }
    if !(1..=MAX_DURATION_SECS).contains(&args.duration) || args.warmup > 10 {
        return Err(format!(
            "--duration must be from 1 to {MAX_DURATION_SECS}, --warmup at most 10"
        ));
    }
    let paths = if args.paths.is_empty() {
        scenario_paths(args.scenario)
    } else {
        args.paths.clone()
    };
    let urls: Vec<String> = paths
        .iter()
        .map(|path| {
            base.join(path)
                .map(|url| url.to_string())
                .map_err(|err| format!("{path}: {err}"))
        })
        .collect::<Result<_, _>>()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.clamp(1, 16))
        .enable_all()
        .build()
        .map_err(|err| err.to_string())?;
    let (tally, elapsed) = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(args.concurrency)
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|err| err.to_string())?;
        let urls = Arc::new(urls);
        let budget = Arc::new(AtomicU64::new(args.max_requests));
        let warmup_end = Instant::now() + Duration::from_secs(args.warmup);
        let end = warmup_end + Duration::from_secs(args.duration);
        let tasks: Vec<_> = (0..args.concurrency)
            .map(|offset| {
                tokio::spawn(client_loop(
                    client.clone(),
                    urls.clone(),
                    offset,
                    warmup_end,
                    end,
                    budget.clone(),
                ))
            })
            .collect();
        let mut total = Tally::default();
        for task in tasks {
            let tally = task.await.map_err(|err| err.to_string())?;
            total.latencies_us.extend(tally.latencies_us);
            total.errors += tally.errors;
        }
        let measured = Instant::now().saturating_duration_since(warmup_end);
        Ok::<_, String>((total, measured.min(Duration::from_secs(args.duration))))
    })?;
    let mut latencies = tally.latencies_us;
    latencies.sort_unstable();
    let requests = latencies.len();
    let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
    let report = format!(
        "target      {base}\npaths       {}\nconcurrency {}\nduration    {:.1} s\nrequests    {requests}\nerrors      {}\nthroughput  {:.0} req/s\nlatency     p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n",
        paths.len(),
        args.concurrency,
        seconds,
        tally.errors,
        requests as f64 / seconds,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    std::io::stdout()
        .write_all(report.as_bytes())
        .map_err(|err| err.to_string())
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "luffy-load: error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_is_accepted() {
        assert!(check_loopback("http://127.0.0.1:8000").is_ok());
        assert!(check_loopback("http://127.8.9.1:8000").is_ok());
        assert!(check_loopback("http://localhost:8000").is_ok());
        assert!(check_loopback("http://[::1]:8000").is_ok());
        assert!(check_loopback("http://10.0.0.1:8000").is_err());
        assert!(check_loopback("http://example.com").is_err());
        assert!(check_loopback("https://127.0.0.1").is_err());
    }

    #[test]
    fn scenarios_have_paths_and_percentiles_are_nearest_rank() {
        assert!(scenario_paths(Scenario::Search).len() > 10);
        assert!(scenario_paths(Scenario::Mixed).len() > 20);
        let sorted: Vec<u32> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(percentile(&sorted, 0.5), 51.0);
        assert_eq!(percentile(&sorted, 1.0), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
