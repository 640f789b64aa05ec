//! Releases in the benchmark: the time and memory to publish a quarter
//! (33 authorities x 6 datasets, disclosure control over the whole
//! quarter), and what working out pooled rows over the whole quarter gains
//! over pooling only the members whose figures are shown.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use edi_hub_core::Period;
use edi_hub_core::benchmark::{Row, Scope};
use edi_hub_core::disclosure::{Policy, Viewer};
use edi_hub_core::metrics::{CATALOGUE, MetricDef};
use edi_hub_query::{BenchmarkRequest, Engine, Publication, ReleaseStats};
use edi_hub_store::{Store, Trigger};

/// Peak and current resident memory of this process, in MiB (Linux).
pub fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Publishes every quarter; prints the time per quarter and the memory.
pub async fn publish_all(store: &Arc<Store>, periods: &[Period]) -> anyhow::Result<ReleaseStats> {
    let engine = Engine::new(store.clone(), Policy::default(), false)?;
    let (_, before) = memory();
    let mut times: Vec<Duration> = Vec::new();
    let mut last = ReleaseStats::default();
    for &period in periods {
        let t = Instant::now();
        if let Publication::Released { stats, .. } = engine.publish(period, Trigger::Steward, None).await? {
            last = stats;
        }
        times.push(t.elapsed());
    }
    times.sort();
    let (peak, after) = memory();
    println!(
        "releases: {} quarters published, one quarter (33 authorities x 6 datasets) in {:.0} ms median, {:.0} ms max; \
         resident memory {before:.0} MiB before, {after:.0} MiB after, peak {peak:.0} MiB",
        periods.len(),
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );
    Ok(last)
}

/// Summary rows over a set of questions, as an analyst sees them.
#[derive(Debug, Default)]
struct Summaries {
    rows: usize,
    with_numbers: usize,
    /// Shown, and pooled over every member a steward's pool has.
    exact: usize,
}

fn questions() -> Vec<(&'static MetricDef, BTreeMap<String, String>)> {
    let mut out = Vec::new();
    for metric in CATALOGUE {
        let groups = ["ethnic_minority", "black", "asian", "mixed", "other", "white_minority", "black_african"];
        let takes = |name: &str| metric.params.iter().any(|p| p.name == name);
        for group in groups.iter().filter(|_| takes("group")).map(|g| Some(*g)).chain((!takes("group")).then_some(None))
        {
            let bands: Vec<Option<String>> = if takes("pay_band") {
                std::iter::once(None).chain((1..=6).map(|b| Some(b.to_string()))).collect()
            } else {
                vec![None]
            };
            for band in bands {
                let mut given = BTreeMap::new();
                if let Some(g) = group {
                    given.insert("group".to_string(), g.to_string());
                }
                if let Some(b) = band {
                    given.insert("pay_band".to_string(), b);
                }
                out.push((metric, given));
            }
        }
    }
    out
}

async fn summaries(public: &Engine, steward: &Engine, period: Period) -> anyhow::Result<Summaries> {
    let mut s = Summaries::default();
    for (metric, given) in questions() {
        let Ok(params) = metric.resolve(&given) else { continue };
        let ask = |viewer| BenchmarkRequest { metric, params: params.clone(), periods: vec![period], viewer };
        let (shown, _) = public.benchmark(&ask(Viewer::Public)).await?;
        let (all, _) = steward.benchmark(&ask(Viewer::Steward)).await?;
        let summary = |rows: &[Row], scope: Scope| rows.iter().find(|r| r.scope == scope).cloned();
        for scope in Scope::summaries() {
            let (Some(p), Some(a)) = (summary(&shown.rows, scope), summary(&all.rows, scope)) else { continue };
            s.rows += 1;
            if p.value.is_some() {
                s.with_numbers += 1;
                if p.contributors == a.contributors {
                    s.exact += 1;
                }
            }
        }
    }
    Ok(s)
}

/// Summary rows of `period` with numbers, pooling shown members only vs
/// pooled sums worked out over the whole quarter.
pub async fn compare_pooling(store: &Arc<Store>, period: Period, stats: &ReleaseStats) -> anyhow::Result<()> {
    let policy = Policy::default();
    let before = Engine::new(store.clone(), policy, false)?.pooling_shown_members_only();
    let after = Engine::new(store.clone(), policy, false)?;
    let steward = Engine::new(store.clone(), policy, false)?;
    let b = summaries(&before, &steward, period).await?;
    let a = summaries(&after, &steward, period).await?;
    let pct = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 * 100.0 / of as f64 };
    println!(
        "\nsummary rows (London, inner/outer, partnerships) of {period} over {} questions, as analysts see them:",
        questions().len()
    );
    println!(
        "  pooling shown members only:  {:>5} of {} with numbers ({:.1}%), {} pooled over every member",
        b.with_numbers,
        b.rows,
        pct(b.with_numbers, b.rows),
        b.exact
    );
    println!(
        "  pooled over the whole quarter: {:>3} of {} with numbers ({:.1}%), {} pooled over every member",
        a.with_numbers,
        a.rows,
        pct(a.with_numbers, a.rows),
        a.exact
    );
    println!(
        "  the release: {} tables, {} primary and {} secondary suppressions in the tables (the same as each table on its own), \
         {} of {} pooled counts shown ({} withheld so that no small count can be worked out)",
        stats.tables,
        stats.primary,
        stats.secondary,
        stats.pooled_candidates - stats.pooled_withheld,
        stats.pooled_candidates,
        stats.pooled_withheld
    );
    Ok(())
}
