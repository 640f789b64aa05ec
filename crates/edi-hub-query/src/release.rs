//! Publishing a quarter as a release: one protected pattern over the whole
//! quarter (every borough's tables and every comparison group's pooled
//! rows, aware of what earlier releases of the quarter showed), computed
//! once and stored with the release so every hub process serves the same.
//!
//! Publishing is a compare-and-set on the period's ledger: when another
//! process publishes first, the release is worked out again from the new
//! state, so a schedule publishes exactly once however many processes run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use edi_hub_core::disclosure::atoms::Atoms;
use edi_hub_core::disclosure::release::{Earlier, History, Round, protect_round};
use edi_hub_core::disclosure::{Policy, Pooled, ReleasePattern, TablePattern};
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_store::{DamagedLedger, ReleaseRecord, Snapshot, SubmissionRecord, Trigger, decode_parquet};
use futures::{StreamExt, TryStreamExt};

use crate::engine::Engine;
use crate::sources::LoadedRelease;
use crate::{Error, Result};

/// How many times a release is worked out again when other processes change the period meanwhile.
const MAX_ATTEMPTS: usize = 5;
/// Data files read at once while preparing a release.
const READ_CONCURRENCY: usize = 8;

/// What a request to publish did.
#[derive(Debug, Clone)]
pub enum Publication {
    Released {
        record: ReleaseRecord,
        stats: ReleaseStats,
    },
    /// Nothing changed since the latest release (or, for a schedule, its
    /// release was already made): nothing published.
    Unchanged,
}

/// Figures about a release's disclosure control.
#[derive(Debug, Clone, Default)]
pub struct ReleaseStats {
    pub tables: usize,
    pub primary: usize,
    pub secondary: usize,
    pub pooled_candidates: usize,
    pub pooled_withheld: usize,
    pub elapsed: Duration,
}

impl Engine {
    /// Publishes a release of `period` holding its current submissions.
    pub async fn publish(&self, period: Period, trigger: Trigger, by: Option<String>) -> Result<Publication> {
        for _ in 0..MAX_ATTEMPTS {
            let started = Instant::now();
            let snapshot = self.store().refresh().await?;
            let record = snapshot.period(period);
            if matches!(trigger, Trigger::Schedule { .. }) && record.is_some_and(|p| p.scheduled_release_done()) {
                return Ok(Publication::Unchanged);
            }
            refuse_if_damaged(&snapshot, period)?;
            let current: Vec<&SubmissionRecord> =
                snapshot.current().filter(|r| r.period == period && r.dataset != Dataset::Population).collect();
            let ids: BTreeSet<&str> = current.iter().map(|r| r.id.as_str()).collect();
            let latest = record.and_then(|p| p.latest());
            let unchanged = match latest {
                // The same submissions, protected under the hub's own smallest count.
                Some(l) => {
                    l.submissions.iter().map(String::as_str).collect::<BTreeSet<_>>() == ids
                        && self.releases.of(self.store(), l).await?.pattern.min_count == self.policy().min_count
                }
                None => ids.is_empty(),
            };
            if unchanged {
                return Ok(Publication::Unchanged);
            }
            let release = latest.map_or(1, |l| l.release + 1);
            let (pattern, mut stats) = self.protect_release(&snapshot, period, release).await?;
            let bytes = Bytes::from(serde_json::to_vec(&pattern).map_err(|e| Error::Layout(e.to_string()))?);
            let seen = record.map_or(0, |p| p.last_sequence);
            let submissions = ids.iter().map(|s| s.to_string()).collect();
            match self.store().publish_release(period, seen, submissions, bytes, trigger.clone(), by.clone()).await {
                Ok(record) => {
                    stats.elapsed = started.elapsed();
                    return Ok(Publication::Released { record, stats });
                }
                Err(edi_hub_store::Error::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(edi_hub_store::Error::Conflict(format!("period {period} kept changing while its release was prepared"))
            .into())
    }

    /// Works out the protected pattern of release `release` of `period`
    /// from the current submissions and every earlier release.
    async fn protect_release(
        &self,
        snapshot: &Arc<Snapshot>,
        period: Period,
        release: u32,
    ) -> Result<(ReleasePattern, ReleaseStats)> {
        let mut earlier: Vec<Arc<LoadedRelease>> = Vec::new();
        for r in snapshot.period(period).map(|p| p.releases.as_slice()).unwrap_or_default() {
            earlier.push(self.releases.of(self.store(), r).await?);
        }
        let current: Vec<String> = snapshot
            .current()
            .filter(|r| r.period == period && r.dataset != Dataset::Population)
            .map(|r| r.id.clone())
            .collect();
        let mut versions: Vec<String> =
            earlier.iter().flat_map(|e| e.pattern.tables.iter().map(|t| t.submission.clone())).collect();
        versions.extend(current.iter().cloned());
        versions.sort_unstable();
        versions.dedup();
        let atoms = Arc::new(self.atoms(snapshot, &versions).await?);
        let policy = self.policy();
        // One dataset per core at a time: each holds every view's span in memory.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let running = Arc::new(tokio::sync::Semaphore::new(cores));
        let mut tasks = Vec::new();
        for dataset in Dataset::ALL.into_iter().filter(|d| *d != Dataset::Population) {
            let (snapshot, atoms, earlier, current) =
                (snapshot.clone(), atoms.clone(), earlier.clone(), current.clone());
            let permit = running.clone().acquire_owned();
            tasks.push(tokio::spawn(async move {
                let _permit = permit.await.map_err(|e| Error::Layout(format!("release computation stopped: {e}")))?;
                tokio::task::spawn_blocking(move || {
                    protect_dataset(&snapshot, dataset, &atoms, &earlier, &current, policy)
                })
                .await
                .map_err(|e| Error::Layout(format!("release computation stopped: {e}")))?
            }));
        }
        let mut pattern =
            ReleasePattern { period, release, min_count: policy.min_count, tables: Vec::new(), pooled: Vec::new() };
        let mut stats = ReleaseStats::default();
        for task in tasks {
            let (tables, pooled) =
                task.await.map_err(|e| Error::Layout(format!("release computation stopped: {e}")))??;
            stats.tables += tables.len();
            stats.primary += tables.iter().map(|t| t.pattern.primary).sum::<usize>();
            stats.secondary += tables.iter().map(|t| t.pattern.secondary).sum::<usize>();
            stats.pooled_candidates += pooled.candidates;
            stats.pooled_withheld += pooled.withheld;
            pattern.tables.extend(tables);
            pattern.pooled.push(pooled);
        }
        Ok((pattern, stats))
    }

    /// The atoms of every submission named, read from the store.
    async fn atoms(&self, snapshot: &Snapshot, ids: &[String]) -> Result<HashMap<String, Atoms>> {
        let records: Vec<SubmissionRecord> = ids
            .iter()
            .map(|id| {
                snapshot.get(id).cloned().ok_or_else(|| Error::Layout(format!("submission {id} is not in the ledger")))
            })
            .collect::<Result<_>>()?;
        futures::stream::iter(records)
            .map(|record| async move {
                let parquet = self.store().read(&record.data_path).await?;
                let atoms = tokio::task::spawn_blocking(move || -> Result<Atoms> {
                    let batch = decode_parquet(parquet)?;
                    Atoms::of(record.dataset, &batch).map_err(|e| Error::Layout(e.to_string()))
                })
                .await
                .map_err(|e| Error::Layout(format!("reading a submission stopped: {e}")))??;
                Ok::<_, Error>((record.id, atoms))
            })
            .buffer_unordered(READ_CONCURRENCY)
            .try_collect()
            .await
    }
}

/// A release is not made while anything of its period's ledgers cannot be
/// read: what the damaged entry recorded is unknown (fails closed).
fn refuse_if_damaged(snapshot: &Snapshot, period: Period) -> Result<()> {
    let damaged: Vec<&str> = snapshot
        .damaged
        .iter()
        .filter(|d| match d.ledger {
            DamagedLedger::Submission { period: p, .. } => p == period,
            DamagedLedger::Population => false,
            _ => d.withholds_period(period) || matches!(d.ledger, DamagedLedger::Unknown),
        })
        .map(|d| d.path.as_str())
        .collect();
    if damaged.is_empty() {
        return Ok(());
    }
    Err(edi_hub_store::Error::Withheld(format!(
        "period {period} cannot be released while a ledger entry cannot be read ({}); a data steward must remove or restore it",
        damaged.join(", ")
    ))
    .into())
}

/// One dataset of a release: every borough's history of it, what earlier
/// releases showed, and this release's choice.
fn protect_dataset(
    snapshot: &Snapshot,
    dataset: Dataset,
    atoms: &HashMap<String, Atoms>,
    earlier: &[Arc<LoadedRelease>],
    current: &[String],
    policy: Policy,
) -> Result<(Vec<TablePattern>, Pooled)> {
    let of_dataset = |id: &String| snapshot.get(id).filter(|r| r.dataset == dataset);
    // Each organisation's versions, in the order releases showed them.
    let mut versions: BTreeMap<Organisation, Vec<&str>> = BTreeMap::new();
    let shown = earlier.iter().flat_map(|e| e.pattern.tables.iter().map(|t| &t.submission));
    for record in shown.chain(current.iter()).filter_map(of_dataset) {
        let v = versions.entry(record.organisation).or_default();
        if !v.contains(&record.id.as_str()) {
            v.push(record.id.as_str());
        }
    }
    let organisations: Vec<Organisation> = versions.keys().copied().collect();
    let position = |id: &str| -> Option<(usize, usize)> {
        let o = snapshot.get(id)?.organisation;
        let h = organisations.iter().position(|x| *x == o)?;
        Some((h, versions[&o].iter().position(|v| *v == id)?))
    };
    let mut histories = Vec::new();
    for (o, ids) in &versions {
        let found: Option<Vec<&Atoms>> = ids.iter().map(|id| atoms.get(*id)).collect();
        let versions = found.ok_or_else(|| Error::Layout(format!("a table of {o} could not be read")))?;
        histories.push(History { organisation: *o, versions });
    }
    let pooled: Vec<Pooled> = earlier.iter().map(|e| e.pattern.pooled(dataset)).collect();
    let mut rounds = Vec::new();
    for (e, pooled) in earlier.iter().zip(&pooled) {
        let mut tables = Vec::new();
        for t in e.pattern.tables.iter().filter(|t| t.dataset == dataset) {
            let (h, j) = position(&t.submission)
                .ok_or_else(|| Error::Layout(format!("submission {} is not in the ledger", t.submission)))?;
            tables.push((h, j, &t.pattern));
        }
        rounds.push(Earlier { tables, pooled });
    }
    let mut now = vec![None; histories.len()];
    for id in current.iter().filter(|id| of_dataset(id).is_some()) {
        if let Some((h, j)) = position(id) {
            now[h] = Some(j);
        }
    }
    let round = Round { dataset, histories, earlier: rounds, current: now.clone() };
    let chosen = protect_round(&round, policy);
    let mut tables = Vec::new();
    for ((o, ids), (j, pattern)) in versions.iter().zip(now.iter().zip(chosen.tables)) {
        if let (Some(j), Some(pattern)) = (j, pattern) {
            tables.push(TablePattern { submission: ids[*j].to_string(), organisation: *o, dataset, pattern });
        }
    }
    Ok((tables, chosen.pooled))
}
