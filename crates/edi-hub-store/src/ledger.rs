//! Committing submissions: the data file is written first at a fresh path,
//! then a create-only ledger slot makes it visible. A crash before the slot
//! is written leaves an unreferenced file that nothing reads; racing writers
//! for one key each take the next free slot, so none is lost and all are
//! ordered.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use edi_hub_core::{Dataset, Organisation, Period};
use object_store::path::Path;
use rand::RngCore;

use crate::layout;
use crate::snapshot::{DamagedEntry, LedgerEvent, PopulationRecord, SubmissionRecord};
use crate::store::Store;
use crate::{Error, Result};

/// How many times a writer retries when other writers take the slot it aimed for.
const MAX_SLOT_ATTEMPTS: usize = 200;

/// An accepted upload ready to be stored.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub organisation: Organisation,
    pub dataset: Dataset,
    pub period: Period,
    /// The normalised Parquet file.
    pub parquet: Bytes,
    pub rows: u64,
    /// `sha256:<hex>` of the uploaded file as received.
    pub checksum: String,
    /// Token id of the uploader.
    pub by: Option<String>,
}

/// A data file written but not yet committed (see [`Store::write_data`]).
#[derive(Debug, Clone)]
pub struct Commit {
    pub id: String,
    pub data_path: String,
    pub received_at: DateTime<Utc>,
}

/// A fresh random identifier (128 bits, hex).
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn submitted(new: &NewSubmission, commit: &Commit) -> LedgerEvent {
    LedgerEvent::Submitted {
        id: commit.id.clone(),
        organisation: new.organisation,
        dataset: new.dataset,
        period: new.period,
        rows: new.rows,
        checksum: new.checksum.clone(),
        received_at: commit.received_at,
        data_path: commit.data_path.clone(),
        by: new.by.clone(),
    }
}

/// Refuses a new entry for a ledger with a damaged entry: what the damaged
/// entry recorded is unknown, so the new one could not safely be made
/// current; the submitter is told at once rather than stored and withheld.
pub(crate) fn refuse_if_damaged<'a>(what: &str, damage: impl Iterator<Item = &'a DamagedEntry>) -> Result<()> {
    let paths: Vec<&str> = damage.map(|d| d.path.as_str()).collect();
    if paths.is_empty() {
        return Ok(());
    }
    Err(Error::Withheld(format!(
        "nothing is accepted for {what} while its ledger has an entry that cannot be read ({}); \
         a data steward must remove or restore it in the store",
        paths.join(", ")
    )))
}

impl Store {
    /// Stores a submission atomically and returns its record.
    pub async fn submit(&self, new: &NewSubmission) -> Result<SubmissionRecord> {
        let commit = self.write_data(new).await?;
        self.commit_submission(new, &commit).await
    }

    /// Step 1 of [`Store::submit`]: writes the data file at a fresh path.
    /// Until [`Store::commit_submission`] runs, nothing can see it.
    pub async fn write_data(&self, new: &NewSubmission) -> Result<Commit> {
        let key = (new.organisation, new.dataset, new.period);
        refuse_if_damaged(&format!("{}/{}/{}", key.0, key.1, key.2), self.snapshot().damage_of(key))?;
        let id = new_id();
        let path = layout::data_file(new.dataset, new.period, new.organisation, &id);
        self.create(&path, new.parquet.clone()).await?;
        Ok(Commit { id, data_path: path.to_string(), received_at: Utc::now() })
    }

    /// Step 2 of [`Store::submit`]: the ledger slot that makes the data visible.
    pub async fn commit_submission(&self, new: &NewSubmission, commit: &Commit) -> Result<SubmissionRecord> {
        let event = submitted(new, commit);
        let ledger = layout::submission_ledger(new.organisation, new.dataset, new.period);
        let slot = self.append(&ledger, &event).await?;
        let snapshot = self.refresh_written(&[slot]).await?;
        snapshot.get(&commit.id).cloned().ok_or_else(|| Error::NotFound(format!("submission {}", commit.id)))
    }

    /// Stores many submissions (e.g. a generated data set), reading the
    /// ledger back once at the end rather than after each one.
    pub async fn submit_many(&self, all: &[NewSubmission]) -> Result<usize> {
        for new in all {
            let commit = self.write_data(new).await?;
            self.append(
                &layout::submission_ledger(new.organisation, new.dataset, new.period),
                &submitted(new, &commit),
            )
            .await?;
        }
        self.refresh().await?;
        Ok(all.len())
    }

    /// Withdraws a submission (kept in the history).
    pub async fn withdraw(&self, id: &str, by: Option<String>) -> Result<SubmissionRecord> {
        let snapshot = self.refresh_written(&[]).await?;
        let record = snapshot.get(id).ok_or_else(|| Error::NotFound(format!("submission {id}")))?;
        if record.status == crate::Status::Withdrawn {
            return Err(Error::AlreadyWithdrawn(id.to_string()));
        }
        let ledger = layout::submission_ledger(record.organisation, record.dataset, record.period);
        let event = LedgerEvent::Withdrawn { id: id.to_string(), at: Utc::now(), by };
        let slot = self.append(&ledger, &event).await?;
        let snapshot = self.refresh_written(&[slot]).await?;
        snapshot.get(id).cloned().ok_or_else(|| Error::NotFound(format!("submission {id}")))
    }

    /// Replaces the population reference table.
    pub async fn replace_population(&self, parquet: Bytes, rows: u64, checksum: String) -> Result<PopulationRecord> {
        refuse_if_damaged("the population table", self.snapshot().population_damage())?;
        let id = new_id();
        let path = layout::population_file(&id);
        self.create(&path, parquet).await?;
        let record = PopulationRecord { id, rows, checksum, received_at: Utc::now(), data_path: path.to_string() };
        let slot = self.append(&Path::from(layout::POPULATION_LEDGER), &record).await?;
        self.refresh_written(&[slot]).await?;
        Ok(record)
    }

    /// Writes `event` into the next free slot of `ledger` (and announces
    /// it); the slot written.
    pub(crate) async fn append<T: serde::Serialize>(&self, ledger: &Path, event: &T) -> Result<Path> {
        let body = Bytes::from(
            serde_json::to_vec(event)
                .map_err(|e| Error::Corrupt { path: ledger.to_string(), reason: e.to_string() })?,
        );
        let mut next = self.last_sequence(ledger).await? + 1;
        for _ in 0..MAX_SLOT_ATTEMPTS {
            let slot = layout::slot(ledger, next);
            match self.create_slot(&slot, body.clone()).await {
                Ok(()) => return Ok(slot),
                Err(object_store::Error::AlreadyExists { .. }) => {
                    next = (self.last_sequence(ledger).await? + 1).max(next + 1);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Contended)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Status, StoreLocation};

    fn new(org: &str, period: &str) -> NewSubmission {
        NewSubmission {
            organisation: org.parse().unwrap(),
            dataset: Dataset::Casework,
            period: period.parse().unwrap(),
            parquet: Bytes::from_static(b"not read by the ledger"),
            rows: 1,
            checksum: "sha256:00".into(),
            by: None,
        }
    }

    #[tokio::test]
    async fn supersede_and_withdraw_keep_history() {
        let store = Store::open(&StoreLocation::Memory).unwrap();
        let a = store.submit(&new("E09000001", "2025-Q1")).await.unwrap();
        let b = store.submit(&new("E09000001", "2025-Q1")).await.unwrap();
        assert_eq!(b.supersedes.as_deref(), Some(a.id.as_str()));
        let snap = store.snapshot();
        assert_eq!(snap.get(&a.id).unwrap().status, Status::Superseded);
        assert_eq!(snap.current().count(), 1);
        store.withdraw(&b.id, None).await.unwrap();
        let snap = store.snapshot();
        assert_eq!(snap.get(&b.id).unwrap().status, Status::Withdrawn);
        assert_eq!(snap.current().count(), 0);
        assert_eq!(snap.submissions.len(), 2);
        assert!(matches!(store.withdraw(&b.id, None).await, Err(Error::AlreadyWithdrawn(_))));
        assert!(matches!(store.withdraw("nope", None).await, Err(Error::NotFound(_))));
    }

    #[tokio::test]
    async fn racing_uploads_are_all_kept_in_order() {
        let objects: Arc<dyn object_store::ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let one = Arc::new(Store::with_objects(objects.clone(), "a".into()));
        let two = Arc::new(Store::with_objects(objects, "b".into()));
        let mut tasks = Vec::new();
        for i in 0..24 {
            let s = if i % 2 == 0 { one.clone() } else { two.clone() };
            tasks.push(tokio::spawn(async move { s.submit(&new("E09000002", "2025-Q2")).await.unwrap() }));
        }
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap().id);
        }
        let a = one.refresh().await.unwrap();
        let b = two.refresh().await.unwrap();
        assert_eq!(a.submissions.len(), 24);
        let mut sequences: Vec<u64> = a.submissions.iter().map(|s| s.sequence).collect();
        sequences.sort();
        assert_eq!(sequences, (1..=24).collect::<Vec<_>>());
        assert_eq!(a.current().count(), 1);
        assert_eq!(a.current().next().unwrap().id, b.current().next().unwrap().id);
        for id in ids {
            assert!(a.get(&id).is_some());
        }
    }

    #[tokio::test]
    async fn uncommitted_data_is_invisible() {
        let store = Store::open(&StoreLocation::Memory).unwrap();
        let n = new("E09000003", "2025-Q3");
        let orphan = store.write_data(&n).await.unwrap();
        assert!(store.refresh().await.unwrap().get(&orphan.id).is_none());
        let next = store.submit(&n).await.unwrap();
        assert_eq!(next.supersedes, None);
        assert_eq!(store.snapshot().submissions.len(), 1);
    }
}
