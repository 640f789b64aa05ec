//! A ledger entry that cannot be read fails closed.

use std::sync::Arc;

use bytes::Bytes;
use edi_hub_core::Dataset;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::snapshot::{DamagedEntry, DamagedLedger};
use crate::{Error, NewSubmission, Status, Store};

fn new(org: &str, period: &str) -> NewSubmission {
    NewSubmission {
        organisation: org.parse().unwrap(),
        dataset: Dataset::Workforce,
        period: period.parse().unwrap(),
        parquet: Bytes::from_static(b"not read by the ledger"),
        rows: 1,
        checksum: "sha256:00".into(),
        by: None,
    }
}

fn shared() -> (Arc<dyn ObjectStore>, Store) {
    let objects: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
    (objects.clone(), Store::with_objects(objects, "test".into()))
}

async fn put(objects: &Arc<dyn ObjectStore>, path: &str, body: &'static [u8]) {
    objects.put(&Path::from(path), PutPayload::from_static(body)).await.unwrap();
}

#[tokio::test]
async fn an_unreadable_withdrawal_withholds_its_key_until_removed() {
    let (objects, store) = shared();
    let kept = store.submit(&new("E09000015", "2025-Q1")).await.unwrap();
    let gone = store.submit(&new("E09000015", "2025-Q2")).await.unwrap();
    store.withdraw(&gone.id, None).await.unwrap();
    let generation = store.snapshot().generation;

    // The withdrawal (slot 2 of its key), already read, is damaged in the store.
    let withdrawal = "ledger/E09000015/workforce/2025-Q2/000000000002.json";
    put(&objects, withdrawal, b"{\"event\":\"withdr").await;
    let snap = store.refresh().await.unwrap();
    let key = (kept.organisation, Dataset::Workforce, gone.period);
    let damage = DamagedEntry {
        path: withdrawal.into(),
        ledger: DamagedLedger::Submission { organisation: key.0, dataset: key.1, period: key.2 },
    };
    assert_eq!(snap.damaged, std::slice::from_ref(&damage));
    assert!(snap.generation > generation);
    assert!(snap.current_of(key.0, key.1, key.2).is_none(), "the withdrawn data does not come back");
    assert_eq!(snap.get(&gone.id).unwrap().status, Status::Withheld);
    assert_eq!(snap.current().map(|s| s.id.as_str()).collect::<Vec<_>>(), [kept.id.as_str()]);
    assert_eq!(snap.damage_of(key).count(), 1);

    // Another process reading the store from scratch sees the same.
    let other = Store::with_objects(objects.clone(), "other".into());
    let fresh = other.refresh().await.unwrap();
    assert_eq!(fresh.damaged, [damage]);
    assert!(fresh.current_of(key.0, key.1, key.2).is_none());

    // A new upload for the key is refused rather than made current.
    let refused = store.submit(&new("E09000015", "2025-Q2")).await;
    assert!(matches!(&refused, Err(Error::Withheld(m)) if m.contains(withdrawal)), "{refused:?}");
    // Refreshing again changes nothing.
    let again = store.refresh().await.unwrap();
    assert_eq!(again.generation, snap.generation);

    // Removing the damaged object (the store is the system of record) is
    // noticed: the withdrawal is no longer recorded, so the key is served.
    objects.delete(&Path::from(withdrawal)).await.unwrap();
    let repaired = store.refresh().await.unwrap();
    assert!(repaired.damaged.is_empty());
    assert_eq!(repaired.current_of(key.0, key.1, key.2).map(|s| s.id.as_str()), Some(gone.id.as_str()));
    store.withdraw(&gone.id, None).await.unwrap();
    assert!(store.snapshot().current_of(key.0, key.1, key.2).is_none());
}

#[tokio::test]
async fn a_restored_entry_is_read_again() {
    let (objects, store) = shared();
    let first = store.submit(&new("E09000001", "2025-Q1")).await.unwrap();
    let second = store.submit(&new("E09000001", "2025-Q1")).await.unwrap();
    let slot = Path::from("ledger/E09000001/workforce/2025-Q1/000000000002.json");
    let original = objects.get(&slot).await.unwrap().bytes().await.unwrap();
    objects.put(&slot, PutPayload::from_static(b"\x00\x01 not json")).await.unwrap();
    let snap = store.refresh().await.unwrap();
    assert_eq!(snap.get(&second.id), None, "the damaged submission is not known");
    assert_eq!(snap.get(&first.id).unwrap().status, Status::Withheld);
    assert_eq!(snap.current().count(), 0);

    objects.put(&slot, PutPayload::from(original)).await.unwrap();
    let snap = store.refresh().await.unwrap();
    assert!(snap.damaged.is_empty());
    assert_eq!(snap.get(&first.id).unwrap().status, Status::Superseded);
    assert_eq!(snap.get(&second.id).unwrap().status, Status::Current);
}

#[tokio::test]
async fn an_entry_that_contradicts_its_path_is_damaged() {
    let (objects, store) = shared();
    store.submit(&new("E09000002", "2025-Q1")).await.unwrap();
    let elsewhere = store.submit(&new("E09000003", "2025-Q1")).await.unwrap();
    // A valid event of E09000002 copied into E09000003's ledger.
    let event = objects
        .get(&Path::from("ledger/E09000002/workforce/2025-Q1/000000000001.json"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let copied = "ledger/E09000003/workforce/2025-Q1/000000000002.json";
    objects.put(&Path::from(copied), PutPayload::from(event)).await.unwrap();
    let snap = store.refresh().await.unwrap();
    assert_eq!(snap.damaged.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), [copied]);
    assert_eq!(snap.get(&elsewhere.id).unwrap().status, Status::Withheld);
    assert_eq!(snap.current().count(), 1, "E09000002 is still served");
}

#[tokio::test]
async fn an_entry_of_no_known_key_withholds_every_key() {
    let (objects, store) = shared();
    store.submit(&new("E09000004", "2025-Q1")).await.unwrap();
    store.submit(&new("E09000005", "2025-Q1")).await.unwrap();
    let stray = "ledger/E09000004/workforce/000000000001.json";
    put(&objects, stray, b"{}").await;
    let snap = store.refresh().await.unwrap();
    assert_eq!(snap.damaged, [DamagedEntry { path: stray.into(), ledger: DamagedLedger::Unknown }]);
    assert_eq!(snap.current().count(), 0);
    assert!(snap.submissions.iter().all(|s| s.status == Status::Withheld));
    objects.delete(&Path::from(stray)).await.unwrap();
    assert_eq!(store.refresh().await.unwrap().current().count(), 2);
}

#[tokio::test]
async fn a_damaged_population_entry_leaves_no_population_table() {
    let (objects, store) = shared();
    store.replace_population(Bytes::from_static(b"one"), 1, "sha256:01".into()).await.unwrap();
    let latest = store.replace_population(Bytes::from_static(b"two"), 2, "sha256:02".into()).await.unwrap();
    let entry = "reference/population/ledger/000000000001.json";
    put(&objects, entry, b"[1, 2").await;
    let snap = store.refresh().await.unwrap();
    assert_eq!(snap.damaged, [DamagedEntry { path: entry.into(), ledger: DamagedLedger::Population }]);
    assert_eq!(snap.population, None);
    assert_eq!(snap.population_damage().count(), 1);
    let refused = store.replace_population(Bytes::from_static(b"three"), 3, "sha256:03".into()).await;
    assert!(matches!(refused, Err(Error::Withheld(_))));
    objects.delete(&Path::from(entry)).await.unwrap();
    assert_eq!(store.refresh().await.unwrap().population, Some(latest));
}

#[tokio::test]
async fn another_process_s_writes_are_read_by_their_notices_without_listing_the_ledgers() {
    let (objects, one) = shared();
    let two = Store::with_objects(objects.clone(), "two".into());
    one.submit(&new("E09000001", "2025-Q1")).await.unwrap();
    two.refresh().await.unwrap();
    assert_eq!(two.full_listings().await, 1);

    // A submission, a withdrawal, a schedule and a population table by the first process...
    let a = one.submit(&new("E09000002", "2025-Q1")).await.unwrap();
    let b = one.submit(&new("E09000003", "2025-Q1")).await.unwrap();
    one.withdraw(&b.id, None).await.unwrap();
    let at = chrono::Utc::now();
    one.schedule_period(a.period, at, at, None).await.unwrap();
    one.replace_population(Bytes::from_static(b"not read"), 1, "sha256:00".into()).await.unwrap();
    // ...are read by the second from their notices.
    let snap = two.refresh_recent().await.unwrap();
    assert_eq!(two.full_listings().await, 1, "the ledgers were not listed again");
    assert!(snap.current_of(a.organisation, a.dataset, a.period).is_some());
    assert_eq!(snap.get(&b.id).unwrap().status, Status::Withdrawn);
    assert!(snap.period(a.period).is_some_and(|p| p.schedule.is_some()));
    assert!(snap.population.is_some());
    assert_eq!(snap.current().count(), 2);
    // The same as the first process's view, and as a full listing's.
    let first = one.snapshot();
    let ids = |s: &crate::Snapshot| s.current().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&snap), ids(&first));
    let generation = snap.generation;
    let listed = two.refresh().await.unwrap();
    assert_eq!(ids(&listed), ids(&snap));
    assert_eq!(listed.generation, generation, "the full listing found nothing the notices missed");
    // Nothing new: no new snapshot.
    assert_eq!(two.refresh_recent().await.unwrap().generation, generation);
}

#[tokio::test]
async fn what_no_notice_names_is_read_by_the_next_full_listing() {
    let (objects, one) = shared();
    let two = Store::with_objects(objects.clone(), "two".into());
    let a = one.submit(&new("E09000001", "2025-Q1")).await.unwrap();
    two.refresh().await.unwrap();
    // A ledger slot written without a notice (say, its notice was lost): a withdrawal.
    let event = serde_json::json!({"event": "withdrawn", "id": a.id, "at": chrono::Utc::now(), "by": null});
    let body = Bytes::from(serde_json::to_vec(&event).unwrap());
    let slot = Path::from("ledger/E09000001/workforce/2025-Q1/000000000002.json");
    objects.put(&slot, PutPayload::from_bytes(body)).await.unwrap();
    // A notice naming no ledger slot is ignored.
    put(&objects, &format!("ledger-changes/{}/00-bad.json", chrono::Utc::now().format("%Y%m%dT%H%M")), b"{}").await;
    let recent = two.refresh_recent().await.unwrap();
    assert_eq!(recent.current().count(), 1, "not named by a notice: not read yet");
    let listed = two.refresh().await.unwrap();
    assert_eq!(listed.current().count(), 0, "the full listing read the withdrawal");
    assert_eq!(two.full_listings().await, 2);
}
