//! `edi-hub bench-http`: times requests against running hubs, for the
//! side-by-side benchmark (`bench/compare.py`). Each request takes the next
//! path of the list (wrapping round), spread over the hubs given in turn,
//! by `clients` concurrent loops over kept-alive connections, until every
//! request is made or the time is up. Prints one JSON document: requests,
//! seconds, requests per second and latency percentiles.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::{ms, percentile};

/// Options of `edi-hub bench-http`.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Base URL of a hub (give it once per hub process).
    #[arg(long = "base", required = true)]
    pub bases: Vec<String>,
    /// Bearer token sent with every request.
    #[arg(long)]
    pub token: String,
    /// File of request paths, one per line.
    #[arg(long)]
    pub paths: PathBuf,
    /// Concurrent client loops.
    #[arg(long, default_value_t = 1)]
    pub clients: usize,
    /// Requests to make (default: each path once).
    #[arg(long)]
    pub requests: Option<usize>,
    /// Longest time to run, in seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
}

/// Runs the requests and prints the report.
pub async fn run(args: &HttpArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.paths).with_context(|| format!("reading {}", args.paths.display()))?;
    let paths: Arc<Vec<String>> = Arc::new(text.lines().filter(|l| !l.trim().is_empty()).map(String::from).collect());
    if paths.is_empty() {
        bail!("{} lists no paths", args.paths.display());
    }
    let total = args.requests.unwrap_or(paths.len());
    let clients = args.clients.max(1);
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let bases = Arc::new(args.bases.clone());
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, next, paths, bases, token) =
            (client.clone(), next.clone(), paths.clone(), bases.clone(), args.token.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() >= deadline {
                    break;
                }
                let url = format!("{}{}", bases[i % bases.len()], paths[i % paths.len()]);
                let t = Instant::now();
                let r = client.get(&url).bearer_auth(&token).send().await?;
                let status = r.status();
                r.bytes().await?;
                if !status.is_success() {
                    bail!("{url}: {status}");
                }
                times.push(t.elapsed());
            }
            anyhow::Ok(times)
        }));
    }
    let mut times = Vec::with_capacity(total);
    for t in tasks {
        times.extend(t.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    times.sort();
    let report = json!({
        "requests": times.len(),
        "seconds": seconds,
        "requests_per_second": times.len() as f64 / seconds,
        "p50_ms": ms(percentile(&times, 0.5)),
        "p90_ms": ms(percentile(&times, 0.9)),
        "p99_ms": ms(percentile(&times, 0.99)),
        "max_ms": ms(times.last().copied().unwrap_or_default()),
    });
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
