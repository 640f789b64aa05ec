//! `edi-hub bench`: the performance benchmark of the hub's HTTP API on a
//! generated synthetic data set (33 authorities x N quarters, detailed codes).
//!
//! Reports, in one run and one process: (a) end-to-end HTTP p50/p99 latency
//! of every metric, uncached and cached; (b) the same metric's DataFusion
//! aggregations run directly on the same Parquet files, with the ratio of
//! uncached HTTP to direct DataFusion; (c) cached requests per second with
//! concurrent clients next to an axum hello-world route served by the same
//! process, with the ratio.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;
use edi_hub_core::Period;
use edi_hub_core::metrics::CATALOGUE;
use edi_hub_store::{NewToken, Role, Store, StoreLocation};
use tokio::net::TcpListener;

use edi_hub_api::{App, ServerConfig, router_with};

mod http;
mod releases;
mod scale;

pub use http::{HttpArgs, run as run_http};
pub use scale::{BenchStoreArgs, ScaleArg, run as run_store};

/// Settings of a benchmark run.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Quarters of generated data per authority.
    #[arg(long, default_value_t = 40)]
    pub quarters: usize,
    /// Requests per latency measurement.
    #[arg(long, default_value_t = 60)]
    pub requests: usize,
    /// Concurrent clients in the throughput test.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds per throughput measurement.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn spawn(app: Arc<App>, extra_hello: bool) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    // The hello-world route sits behind the same middleware as the API.
    let extra = if extra_hello {
        axum::Router::new().route("/hello", get(|| async { "Hello, World!" }))
    } else {
        axum::Router::new()
    };
    let mut r = router_with(app, extra);
    if extra_hello {
        // And a bare one, outside every middleware layer.
        r = r.route("/hello-bare", get(|| async { "Hello, World!" }));
    }
    tokio::spawn(async move {
        let _ = axum::serve(listener, r).await;
    });
    Ok(base)
}

async fn timed<F, Fut>(n: usize, mut f: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        out.push(t.elapsed());
    }
    out.sort();
    Ok(out)
}

async fn get_ok(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<()> {
    let r = client.get(url).bearer_auth(token).send().await?;
    if !r.status().is_success() {
        anyhow::bail!("{url}: {}", r.status());
    }
    r.bytes().await?;
    Ok(())
}

/// Requests per second of `clients` concurrent loops on `url` for `seconds`.
async fn throughput(url: String, token: String, clients: usize, seconds: u64) -> anyhow::Result<f64> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                get_ok(&client, &url, &token).await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// Runs the benchmark and prints the report.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new().prefix("edi-hub-bench-").tempdir()?;
    let store = Arc::new(Store::open(&StoreLocation::Directory(dir.path().to_path_buf()))?);
    let current = Period::containing(chrono::Utc::now().date_naive());
    let periods = edi_hub_synthetic::last_quarters(current, args.quarters);
    let latest = periods[periods.len() - 1];
    let t = Instant::now();
    let n = edi_hub_synthetic::load(&store, &periods, 40).await?;
    println!(
        "data set: {n} submissions (33 authorities x {} quarters x 6 datasets, detailed codes), generated and stored in {:.1} s",
        args.quarters,
        t.elapsed().as_secs_f64()
    );
    let stats = releases::publish_all(&store, &periods).await?;
    releases::compare_pooling(&store, latest, &stats).await?;
    let (_, token) = store
        .tokens()
        .create(NewToken { role: Role::Analyst, organisation: None, label: Some("bench".into()), expires_at: None })
        .await?;
    let config = ServerConfig { rate_limit: 0, ..ServerConfig::default() };
    let cached = App::new(store.clone(), config.clone())?;
    let uncached = App::new(store.clone(), ServerConfig { caching: false, ..config })?;
    let cached_base = spawn(cached, true).await?;
    let uncached_base = spawn(uncached.clone(), false).await?;
    let client = reqwest::Client::new();

    println!("\n(a, b) latency per metric, {} requests each, period {latest}, default parameters", args.requests);
    println!(
        "{:<22} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12} {:>9}",
        "metric", "uncached p50", "uncached p99", "cached p50", "cached p99", "direct p50", "direct p99", "ratio"
    );
    let mut worst: f64 = 0.0;
    for metric in CATALOGUE {
        let path = format!("/api/v1/benchmarks/{}?period={latest}", metric.id);
        let params = metric.resolve(&BTreeMap::new()).map_err(|e| anyhow::anyhow!("{}: {e:?}", metric.id))?;
        let raw_periods = vec![latest];
        let (uncached_url, cached_url) = (format!("{uncached_base}{path}"), format!("{cached_base}{path}"));
        // Warm the Parquet footer cache of both engines once.
        get_ok(&client, &uncached_url, &token).await?;
        get_ok(&client, &cached_url, &token).await?;
        let u = timed(args.requests, || get_ok(&client, &uncached_url, &token)).await?;
        let c = timed(args.requests, || get_ok(&client, &cached_url, &token)).await?;
        let d = timed(args.requests, || async {
            uncached.engine.raw_figures(metric, &params, &raw_periods).await.map(|_| ()).map_err(anyhow::Error::from)
        })
        .await?;
        let ratio = ms(percentile(&u, 0.5)) / ms(percentile(&d, 0.5));
        worst = worst.max(ratio);
        println!(
            "{:<22} {:>9.2} ms {:>9.2} ms {:>9.3} ms {:>9.3} ms {:>9.2} ms {:>9.2} ms {:>8.2}x",
            metric.id,
            ms(percentile(&u, 0.5)),
            ms(percentile(&u, 0.99)),
            ms(percentile(&c, 0.5)),
            ms(percentile(&c, 0.99)),
            ms(percentile(&d, 0.5)),
            ms(percentile(&d, 0.99)),
            ratio
        );
    }
    println!("worst uncached-HTTP / direct-DataFusion ratio (p50): {worst:.2}x (target <= 1.5x)");

    println!("\n(c) throughput, {} concurrent clients, {} s each", args.clients, args.seconds);
    let bench_url = format!("{cached_base}/api/v1/benchmarks/workforce_share?period={latest}");
    get_ok(&client, &bench_url, &token).await?;
    let cached_rps = throughput(bench_url, token.clone(), args.clients, args.seconds).await?;
    let hello_rps = throughput(format!("{cached_base}/hello"), token.clone(), args.clients, args.seconds).await?;
    let bare_rps = throughput(format!("{cached_base}/hello-bare"), token.clone(), args.clients, args.seconds).await?;
    println!("cached workforce_share:                     {cached_rps:>10.0} requests/s");
    println!("axum hello-world behind the hub middleware: {hello_rps:>10.0} requests/s");
    println!("axum hello-world with no middleware:        {bare_rps:>10.0} requests/s");
    println!(
        "ratio: {:.0}% of hello-world behind the same middleware, {:.0}% of bare hello-world (target >= 50%)",
        cached_rps / hello_rps * 100.0,
        cached_rps / bare_rps * 100.0
    );
    Ok(())
}
