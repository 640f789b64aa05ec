//! The ledger objects this process has read, kept in step with the store.
//!
//! A full refresh lists the three ledgers (submissions, population,
//! periods). An object not read before, or whose listed version (e-tag,
//! time, size) changed, is read; one no longer listed is dropped (the store
//! is the system of record). In between, a refresh reads only the slots
//! named by recent notices of ledger writes (see [`changes`]). An object
//! that cannot be
//! read, parsed, or contradicts its path is kept as damaged, never skipped:
//! the snapshot withholds what it could change until a steward removes or
//! restores it. Damage is logged once, when it is first seen, by path only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use serde::de::DeserializeOwned;

use crate::Result;
use crate::layout;
use crate::periods::{self, PeriodEvent};
use crate::snapshot::{DamagedEntry, DamagedLedger, LedgerEvent, PopulationRecord, Snapshot};

/// Ledger objects read at once.
const READ_CONCURRENCY: usize = 16;

/// How the listing describes an object: a change means it was rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    e_tag: Option<String>,
    last_modified: DateTime<Utc>,
    size: u64,
}

impl Version {
    fn of(meta: &ObjectMeta) -> Version {
        Version { e_tag: meta.e_tag.clone(), last_modified: meta.last_modified, size: meta.size }
    }

    /// For an object read without a version: the next full listing reads it again.
    fn unknown() -> Version {
        Version { e_tag: None, last_modified: DateTime::<Utc>::MIN_UTC, size: u64::MAX }
    }
}

/// What one ledger object says.
#[derive(Debug, Clone, PartialEq)]
enum Entry<T> {
    Read(T),
    /// Cannot be used: why (never the content), and whether reading failed
    /// (then it is read again at every refresh, whatever the listing says).
    Damaged {
        reason: String,
        retry: bool,
    },
}

#[derive(Debug)]
struct Slot<T> {
    version: Version,
    entry: Entry<T>,
}

impl<T> Slot<T> {
    /// Whether it is read again whatever its listed version: reading it failed.
    fn retry(&self) -> bool {
        matches!(self.entry, Entry::Damaged { retry: true, .. })
    }
}

/// The entries of one ledger by path (paths sort in sequence order).
type Slots<T> = BTreeMap<Path, Slot<T>>;

/// An entry type and the rules its objects' paths follow.
trait LedgerEntry: DeserializeOwned + PartialEq + Send + 'static {
    /// Why an object at `path` cannot be one of these entries, if so.
    fn misplaced(path: &Path) -> Option<&'static str>;
    /// Why this entry contradicts its path, if it does.
    fn contradicts(&self, path: &Path) -> Option<&'static str>;
}

impl LedgerEntry for LedgerEvent {
    fn misplaced(path: &Path) -> Option<&'static str> {
        match layout::submission_key(path) {
            None => Some("its path names no organisation, dataset and period"),
            Some((o, d, p)) if !layout::is_slot_of(&layout::submission_ledger(o, d, p), path) => {
                Some("its name is not a ledger slot the hub writes")
            }
            Some(_) => None,
        }
    }

    fn contradicts(&self, path: &Path) -> Option<&'static str> {
        match self {
            LedgerEvent::Submitted { organisation, dataset, period, .. }
                if layout::submission_key(path) != Some((*organisation, *dataset, *period)) =>
            {
                Some("its event names another organisation, dataset or period than its path")
            }
            _ => None,
        }
    }
}

impl LedgerEntry for PopulationRecord {
    fn misplaced(path: &Path) -> Option<&'static str> {
        (!layout::is_slot_of(&Path::from(layout::POPULATION_LEDGER), path))
            .then_some("its name is not a ledger slot the hub writes")
    }

    fn contradicts(&self, _path: &Path) -> Option<&'static str> {
        None
    }
}

impl LedgerEntry for PeriodEvent {
    fn misplaced(path: &Path) -> Option<&'static str> {
        match layout::period_of(path) {
            None => Some("its path names no period"),
            Some(p) if !layout::is_slot_of(&layout::period_ledger(p), path) => {
                Some("its name is not a ledger slot the hub writes")
            }
            Some(_) => None,
        }
    }

    fn contradicts(&self, path: &Path) -> Option<&'static str> {
        (layout::period_of(path) != Some(self.period())).then_some("its event names another period than its path")
    }
}

#[path = "ledger_changes.rs"]
pub(crate) mod changes;

/// The ledgers as read so far.
#[derive(Debug)]
pub(crate) struct LedgerCache {
    submissions: Slots<LedgerEvent>,
    population: Slots<PopulationRecord>,
    periods: Slots<PeriodEvent>,
    /// Something changed since the last snapshot was built.
    dirty: bool,
    generation: u64,
    /// The notices of ledger writes read (or known to name slots read),
    /// of the minutes a refresh lists.
    seen: BTreeSet<Path>,
    /// When the ledgers were last listed whole, and when last brought in step.
    listed_at: Option<Instant>,
    refreshed_at: Option<Instant>,
    /// Full listings so far (for tests and logs).
    pub(crate) full_listings: u64,
}

impl Default for LedgerCache {
    fn default() -> Self {
        LedgerCache {
            submissions: Slots::new(),
            population: Slots::new(),
            periods: Slots::new(),
            dirty: true,
            generation: 0,
            seen: BTreeSet::new(),
            listed_at: None,
            refreshed_at: None,
            full_listings: 0,
        }
    }
}

impl LedgerCache {
    /// Brings the ledgers in step with the store by listing them whole; a
    /// new snapshot if anything changed. A failed listing leaves the cache
    /// as it was.
    pub(crate) async fn refresh(&mut self, objects: &Arc<dyn ObjectStore>) -> Result<Option<Snapshot>> {
        let started = Instant::now();
        // The notices first: each names a slot written before it, so before these listings.
        let notices = changes::listed(objects, chrono::Utc::now()).await?;
        self.dirty |= sync(objects, &Path::from(layout::LEDGER), &mut self.submissions).await?;
        self.dirty |= sync(objects, &Path::from(layout::POPULATION_LEDGER), &mut self.population).await?;
        self.dirty |= sync(objects, &Path::from(layout::PERIODS), &mut self.periods).await?;
        self.seen = notices;
        self.listed_at = Some(started);
        self.refreshed_at = Some(started);
        self.full_listings += 1;
        Ok(self.changed())
    }

    /// A new snapshot if anything changed since the last one.
    fn changed(&mut self) -> Option<Snapshot> {
        if !std::mem::take(&mut self.dirty) {
            return None;
        }
        self.generation += 1;
        Some(self.build())
    }

    fn build(&self) -> Snapshot {
        let mut damaged = Vec::new();
        let mut ledgers: BTreeMap<_, Vec<(u64, &LedgerEvent)>> = BTreeMap::new();
        for (path, slot) in &self.submissions {
            match (&slot.entry, layout::submission_key(path)) {
                (Entry::Read(event), Some(key)) => {
                    ledgers.entry(key).or_default().push((layout::slot_sequence(path).unwrap_or(0), event));
                }
                (_, key) => damaged.push(DamagedEntry {
                    path: path.to_string(),
                    ledger: key.map_or(DamagedLedger::Unknown, |(organisation, dataset, period)| {
                        DamagedLedger::Submission { organisation, dataset, period }
                    }),
                }),
            }
        }
        let mut population = None;
        for (path, slot) in &self.population {
            match &slot.entry {
                Entry::Read(record) => population = Some(record.clone()),
                Entry::Damaged { .. } => {
                    damaged.push(DamagedEntry { path: path.to_string(), ledger: DamagedLedger::Population })
                }
            }
        }
        let period_slots = self.periods.iter().map(|(path, slot)| match &slot.entry {
            Entry::Read(event) => (path, Some(event)),
            Entry::Damaged { .. } => (path, None),
        });
        let periods = periods::replay(period_slots, &mut damaged);
        for events in ledgers.values_mut() {
            events.sort_by_key(|(sequence, _)| *sequence);
        }
        Snapshot::build(
            ledgers.into_iter().map(|(k, v)| (k, v.into_iter())),
            population,
            periods,
            damaged,
            self.generation,
        )
    }
}

/// Lists `prefix` and brings `slots` in step with it; whether anything
/// that the snapshot depends on changed.
async fn sync<T: LedgerEntry>(objects: &Arc<dyn ObjectStore>, prefix: &Path, slots: &mut Slots<T>) -> Result<bool> {
    let listed: BTreeMap<Path, Version> = objects
        .list(Some(prefix))
        .try_filter(|m| futures::future::ready(layout::slot_sequence(&m.location).is_some()))
        .map_ok(|m| (m.location.clone(), Version::of(&m)))
        .try_collect()
        .await?;
    let mut changed = false;
    slots.retain(|path, slot| {
        let keep = listed.contains_key(path);
        if !keep {
            removed(path, &slot.entry);
            changed = true;
        }
        keep
    });
    let stale: Vec<(Path, Version)> = listed
        .into_iter()
        .filter(|(path, version)| slots.get(path).is_none_or(|s| s.version != *version || s.retry()))
        .collect();
    let read: Vec<(Path, Version, Option<Entry<T>>)> = futures::stream::iter(stale)
        .map(|(path, version)| {
            let objects = objects.clone();
            async move {
                let entry = read_entry::<T>(&objects, &path).await;
                (path, version, entry)
            }
        })
        .buffer_unordered(READ_CONCURRENCY)
        .collect()
        .await;
    for (path, version, entry) in read {
        changed |= settle(slots, path, entry.map(|e| (version, e)));
    }
    Ok(changed)
}

/// Keeps what an object at `path` was read to say (`None`: it is no longer
/// there); whether that changes the snapshot.
fn settle<T: PartialEq>(slots: &mut Slots<T>, path: Path, read: Option<(Version, Entry<T>)>) -> bool {
    let Some((version, entry)) = read else {
        // Removed between the listing and the read.
        return slots.remove(&path).inspect(|old| removed(&path, &old.entry)).is_some();
    };
    let old = slots.get(&path).map(|s| &s.entry);
    let changed = old.is_none_or(|old| !same_meaning(old, &entry));
    report(&path, old, &entry);
    slots.insert(path, Slot { version, entry });
    changed
}

/// Whether two readings of one object give the same snapshot.
fn same_meaning<T: PartialEq>(a: &Entry<T>, b: &Entry<T>) -> bool {
    match (a, b) {
        (Entry::Read(a), Entry::Read(b)) => a == b,
        (Entry::Damaged { .. }, Entry::Damaged { .. }) => true,
        _ => false,
    }
}

/// Reads one ledger object; `None` when it is no longer there.
async fn read_entry<T: LedgerEntry>(objects: &Arc<dyn ObjectStore>, path: &Path) -> Option<Entry<T>> {
    read_versioned(objects, path).await.map(|(_, entry)| entry)
}

/// Reads one ledger object with the version the store gave with it (none
/// when it could not be read); `None` when it is no longer there.
async fn read_versioned<T: LedgerEntry>(
    objects: &Arc<dyn ObjectStore>,
    path: &Path,
) -> Option<(Option<Version>, Entry<T>)> {
    if let Some(reason) = T::misplaced(path) {
        return Some((None, Entry::Damaged { reason: reason.to_string(), retry: false }));
    }
    let got = match objects.get(path).await {
        Ok(got) => {
            let version = Version::of(&got.meta);
            got.bytes().await.map(|b| (version, b))
        }
        Err(e) => Err(e),
    };
    let (version, bytes) = match got {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return None,
        Err(e) => return Some((None, Entry::Damaged { reason: format!("it cannot be read: {e}"), retry: true })),
    };
    Some((Some(version), parse(path, &bytes)))
}

/// What the bytes of the ledger object at `path` say.
fn parse<T: LedgerEntry>(path: &Path, bytes: &[u8]) -> Entry<T> {
    match serde_json::from_slice::<T>(bytes) {
        // The parser's position and kind of error only: its message may quote the content.
        Err(e) => Entry::Damaged {
            reason: format!(
                "it is not a ledger entry ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
            retry: false,
        },
        Ok(entry) => match entry.contradicts(path) {
            Some(reason) => Entry::Damaged { reason: reason.to_string(), retry: false },
            None => Entry::Read(entry),
        },
    }
}

/// Logs a change in what an object says: damage once, when first seen.
fn report<T: PartialEq>(path: &Path, old: Option<&Entry<T>>, new: &Entry<T>) {
    match (old, new) {
        (None | Some(Entry::Read(_)), Entry::Damaged { reason, .. }) => tracing::error!(
            path = %path,
            reason = %reason,
            "a ledger entry cannot be read: what it could change is withheld and the hub is not ready \
             until a steward removes or restores the object in the store"
        ),
        (Some(Entry::Damaged { .. }), Entry::Read(_)) => {
            tracing::info!(path = %path, "a damaged ledger entry is readable again")
        }
        (Some(Entry::Read(a)), Entry::Read(b)) if a != b => {
            tracing::warn!(path = %path, "a ledger entry was rewritten in the store")
        }
        _ => {}
    }
}

fn removed<T>(path: &Path, old: &Entry<T>) {
    match old {
        Entry::Damaged { .. } => tracing::info!(path = %path, "a damaged ledger entry was removed from the store"),
        Entry::Read(_) => tracing::warn!(path = %path, "a ledger entry was removed from the store"),
    }
}

#[cfg(test)]
#[path = "ledger_cache_tests.rs"]
mod tests;
