//! Notices of ledger writes, so a process learns what others wrote without
//! listing every ledger.
//!
//! A full listing costs one entry per ledger object ever written (about
//! 21,000 at national scale: a third of a core every 2 s on a local disk,
//! 22 listing requests on S3). So every ledger slot the hub writes is
//! followed by a notice naming it, filed under the minute it was written
//! (`ledger-changes/{yyyymmddThhmm}/{ss.nnnnnnnnn}-{random}.json`, the slot
//! path only: nothing of the upload). A regular refresh lists the notices
//! of the last few minutes and reads only the slots they name, which it
//! has not read. The ledgers are still listed whole (the store is the
//! system of record) at start-up, whenever a refresh falls more than
//! [`BEHIND`] behind, by the writes that decide what is published, and
//! every [`FULL_EVERY`] by the background refresher: what no notice names
//! (a write whose notice was lost, an operator's change in the store, a
//! writer's clock far off) is seen within that time.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use serde::{Deserialize, Serialize};

use super::{LedgerCache, LedgerEntry, Slots, Version, read_versioned, settle};
use crate::store::Store;
use crate::{Result, layout};

/// How far back (by the reader's clock) a refresh lists notices: beyond
/// the refresh interval, for writers whose clocks are a little behind.
const LOOKBACK: TimeDelta = TimeDelta::minutes(3);
/// How far ahead it lists, for writers whose clocks are a little ahead.
const AHEAD: TimeDelta = TimeDelta::minutes(1);
/// A refresh this long after the last one lists the ledgers whole: the
/// notices written in between may be older than it lists.
pub(crate) const BEHIND: Duration = Duration::from_secs(90);
/// The background refresher lists the ledgers whole this often.
pub(crate) const FULL_EVERY: Duration = Duration::from_secs(60);

/// Notices read at once.
const READ_CONCURRENCY: usize = 16;

/// What a notice says: the ledger slot written.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    slot: String,
}

/// The notices in the store of the minutes a refresh at `now` lists.
pub(crate) async fn listed(objects: &Arc<dyn ObjectStore>, now: DateTime<Utc>) -> Result<BTreeSet<Path>> {
    let mut out = BTreeSet::new();
    let mut at = now - LOOKBACK;
    while at <= now + AHEAD {
        let found: Vec<Path> =
            objects.list(Some(&layout::notices_of_minute(at))).map_ok(|m| m.location).try_collect().await?;
        out.extend(found);
        at += TimeDelta::minutes(1);
    }
    Ok(out)
}

/// The ledger slot a notice names; `None` when it names none the hub
/// writes (the notice is ignored: a full listing reads the ledgers anyway).
async fn read_notice(objects: &Arc<dyn ObjectStore>, notice: &Path) -> Result<Option<Path>> {
    let bytes = match objects.get(notice).await {
        Ok(got) => got.bytes().await?,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let slot = serde_json::from_slice::<Notice>(&bytes).ok().and_then(|n| Path::parse(n.slot).ok());
    if slot.is_none() {
        tracing::warn!(notice = %notice, "a notice of a ledger write names no ledger slot; ignored");
    }
    Ok(slot)
}

impl Store {
    /// Tells other processes that `slot` was written. A lost notice only
    /// delays them until their next full listing, so it is logged, not an error.
    pub(crate) async fn announce(&self, slot: &Path) {
        let at = Utc::now();
        let path = layout::notice(at, &crate::ledger::new_id()[..8]);
        let body = serde_json::to_vec(&Notice { slot: slot.to_string() }).unwrap_or_default();
        if let Err(e) = self.create(&path, body.into()).await {
            tracing::warn!(slot = %slot, error = %e, "could not write the notice of a ledger write");
        }
    }
}

impl LedgerCache {
    /// Brings the ledgers in step with the store by the notices of recent
    /// writes, and reads the slots in `written` (this process's own
    /// writes, whether or not their notices were stored); lists the ledgers
    /// whole instead when none was listed yet, or when the last refresh is
    /// more than [`BEHIND`] ago, or, with `periodic`, the last full listing
    /// more than [`FULL_EVERY`] ago. A new snapshot if anything changed.
    pub(crate) async fn refresh_changes(
        &mut self,
        objects: &Arc<dyn ObjectStore>,
        written: &[Path],
        periodic: bool,
    ) -> Result<Option<crate::Snapshot>> {
        let stale = |t: Option<Instant>, limit: Duration| t.is_none_or(|t| t.elapsed() > limit);
        if stale(self.refreshed_at, BEHIND) || (periodic && stale(self.listed_at, FULL_EVERY)) {
            return self.refresh(objects).await;
        }
        let started = Instant::now();
        let listed = listed(objects, Utc::now()).await?;
        let fresh: Vec<Path> = listed.iter().filter(|n| !self.seen.contains(*n)).cloned().collect();
        let named: Vec<(Path, Result<Option<Path>>)> = futures::stream::iter(fresh)
            .map(|notice| async move {
                let slot = read_notice(objects, &notice).await;
                (notice, slot)
            })
            .buffer_unordered(READ_CONCURRENCY)
            .collect()
            .await;
        // Out of the window: forgotten.
        self.seen.retain(|n| listed.contains(n));
        let mut slots: BTreeSet<Path> = written.iter().cloned().collect();
        for (notice, slot) in named {
            match slot {
                Ok(slot) => {
                    slots.extend(slot);
                    self.seen.insert(notice);
                }
                // Read again at the next refresh.
                Err(e) => tracing::warn!(notice = %notice, error = %e, "could not read a notice of a ledger write"),
            }
        }
        for slot in slots {
            let dirty = if slot.prefix_matches(&Path::from(layout::POPULATION_LEDGER)) {
                read_new(objects, slot, &mut self.population).await
            } else if slot.prefix_matches(&Path::from(layout::PERIODS)) {
                read_new(objects, slot, &mut self.periods).await
            } else if slot.prefix_matches(&Path::from(layout::LEDGER)) {
                read_new(objects, slot, &mut self.submissions).await
            } else {
                tracing::warn!(slot = %slot, "a notice of a ledger write names no ledger; ignored");
                false
            };
            self.dirty |= dirty;
        }
        self.refreshed_at = Some(started);
        Ok(self.changed())
    }
}

/// Reads a slot not read before (or last found unreadable); whether that
/// changes the snapshot. A slot already read is left to the full listing,
/// which sees any rewrite.
async fn read_new<T: LedgerEntry>(objects: &Arc<dyn ObjectStore>, slot: Path, slots: &mut Slots<T>) -> bool {
    if slots.get(&slot).is_some_and(|s| !s.retry()) {
        return false;
    }
    let read = read_versioned::<T>(objects, &slot).await;
    settle(slots, slot, read.map(|(version, entry)| (version.unwrap_or_else(Version::unknown), entry)))
}
