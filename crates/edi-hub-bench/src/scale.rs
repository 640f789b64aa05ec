//! `edi-hub bench-store`: a generated store at London or national scale,
//! every quarter published, for the side-by-side benchmark
//! (`bench/compare.py`), which serves it with `edi-hub serve` and reads the
//! same Parquet files with DuckDB. Prints one JSON document: what was
//! generated, how long it took, and the benchmark questions with the codes
//! each one counts (so the DuckDB side asks exactly the same).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use edi_hub_core::Period;
use edi_hub_core::ethnicity::Group;
use edi_hub_query::{Engine, Publication};
use edi_hub_store::{Store, StoreLocation, Trigger};
use edi_hub_synthetic::Scale;
use serde_json::json;

use crate::releases::memory;

/// Which data set to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScaleArg {
    /// 33 boroughs x the last 8 quarters, as the demo.
    London,
    /// The row volume of a national collection on the 33 codes: each
    /// quarter's workforce table holds 350 organisations' worth of rows
    /// (every row split by sex and age band), over every quarter from
    /// 2000-Q1 (about 10 million rows in all).
    National,
}

/// Options of `edi-hub bench-store`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchStoreArgs {
    #[arg(long, value_enum)]
    pub scale: ScaleArg,
    /// An empty (or absent) directory to create the store in.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Quarters of benchmark questions (the latest ones).
    #[arg(long, default_value_t = 8)]
    pub question_quarters: usize,
}

/// Generates and publishes the store; prints the JSON report.
pub async fn run(args: &BenchStoreArgs) -> anyhow::Result<()> {
    if args.data_dir.exists() && std::fs::read_dir(&args.data_dir)?.next().is_some() {
        bail!("{} is not empty", args.data_dir.display());
    }
    let store = Arc::new(Store::open(&StoreLocation::Directory(args.data_dir.clone()))?);
    let current = Period::containing(chrono::Utc::now().date_naive());
    let (scale, quarters) = match args.scale {
        ScaleArg::London => (Scale::London, 8),
        ScaleArg::National => (Scale::National, Period::EARLIEST.range_to(current.previous()).len()),
    };
    let periods = edi_hub_synthetic::last_quarters(current, quarters);
    let t = Instant::now();
    let (submissions, rows) = edi_hub_synthetic::load_at_scale(&store, &periods, 40, scale).await?;
    let load_seconds = t.elapsed().as_secs_f64();
    eprintln!("stored {submissions} submissions ({rows} rows) in {load_seconds:.1} s; publishing every quarter...");
    let engine = Engine::new(store.clone(), Default::default(), false)?;
    let t = Instant::now();
    let mut slowest: f64 = 0.0;
    for &period in &periods {
        let started = Instant::now();
        if let Publication::Unchanged = engine.publish(period, Trigger::Steward, Some("bench".into())).await? {
            bail!("{period} had nothing to publish");
        }
        slowest = slowest.max(started.elapsed().as_secs_f64());
    }
    let publish_seconds = t.elapsed().as_secs_f64();
    let snapshot = store.snapshot();
    let latest = periods[periods.len() - 1];
    let workforce_rows: u64 = snapshot.current_for(edi_hub_core::Dataset::Workforce, latest).map(|s| s.rows).sum();
    let asked = &periods[periods.len().saturating_sub(args.question_quarters)..];
    let report = json!({
        "scale": format!("{:?}", args.scale).to_lowercase(),
        "periods": periods.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "submissions": submissions,
        "rows": rows,
        "latest_workforce_rows": workforce_rows,
        "load_seconds": load_seconds,
        "publish_seconds": publish_seconds,
        "slowest_release_seconds": slowest,
        "generator_peak_rss_mib": memory().0,
        "questions": questions(asked),
    });
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Distinct `workforce_share` questions: every group x no band or one of
/// the six x each quarter, with the codes each counts.
fn questions(periods: &[Period]) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for period in periods {
        for group in Group::all().into_iter().filter(|g| !g.is_not_stated()) {
            for band in std::iter::once(None).chain((1..=6).map(Some)) {
                let mut path = format!("/api/v1/benchmarks/workforce_share?period={period}&group={}", group.id());
                if let Some(b) = band {
                    path.push_str(&format!("&pay_band={b}"));
                }
                out.push(json!({
                    "path": path,
                    "period": period.to_string(),
                    "group": group.id(),
                    "pay_band": band,
                    "inside": group.inside_codes(),
                    "straddling": group.straddling_codes(),
                }));
            }
        }
    }
    out
}
