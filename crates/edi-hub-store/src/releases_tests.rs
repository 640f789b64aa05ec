//! Schedules and releases: numbering, the compare-and-set between hub
//! processes, and damaged period-ledger entries failing closed.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use edi_hub_core::{Dataset, Period};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::snapshot::{DamagedEntry, DamagedLedger};
use crate::{Error, NewSubmission, PeriodEvent, PeriodState, Status, Store, StoreLocation, Trigger};

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

fn q(period: &str) -> Period {
    period.parse().unwrap()
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, day, 9, 0, 0).unwrap()
}

fn pattern() -> Bytes {
    Bytes::from_static(b"{\"opaque\": \"to the store\"}")
}

fn shared() -> (Arc<dyn ObjectStore>, Store, Store) {
    let objects: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
    (objects.clone(), Store::with_objects(objects.clone(), "one".into()), Store::with_objects(objects, "two".into()))
}

async fn count(objects: &Arc<dyn ObjectStore>, prefix: &str) -> usize {
    objects.list(Some(&Path::from(prefix))).try_collect::<Vec<_>>().await.unwrap().len()
}

async fn put(objects: &Arc<dyn ObjectStore>, path: &str, body: Bytes) {
    objects.put(&Path::from(path), PutPayload::from(body)).await.unwrap();
}

#[tokio::test]
async fn a_schedule_is_read_back_and_the_latest_one_counts() {
    let (_, store, other) = shared();
    let p = q("2025-Q2");
    let first = store.schedule_period(p, at(1), at(8), Some("steward".into())).await.unwrap();
    let record = store.snapshot().period(p).cloned().unwrap();
    assert_eq!(record.schedule.as_ref(), Some(&first));
    assert_eq!((record.state(), record.last_sequence, record.latest()), (PeriodState::Collecting, 1, None));
    assert!(!record.scheduled_release_done());

    let second = store.schedule_period(p, at(2), at(9), None).await.unwrap();
    assert_eq!((second.deadline, second.release_at, second.by.as_deref()), (at(2), at(9), None));
    let fresh = other.refresh().await.unwrap();
    assert_eq!(fresh.period(p).unwrap().schedule.as_ref(), Some(&second));
    assert_eq!(fresh.period(p).unwrap().last_sequence, 2);
    assert!(fresh.period(q("2025-Q3")).is_none());
    assert_eq!(fresh.periods_known().into_iter().collect::<Vec<_>>(), [p]);
}

#[tokio::test]
async fn events_are_stored_in_the_documented_shape() {
    let event = PeriodEvent::Released {
        period: q("2025-Q1"),
        release: 1,
        published_at: at(8),
        submissions: vec!["abc".into()],
        pattern_path: "release-patterns/2025-Q1/x.json".into(),
        trigger: Trigger::Schedule { release_at: at(8) },
        by: None,
    };
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["event"], "released");
    assert_eq!(json["period"], "2025-Q1");
    assert_eq!(json["trigger"], serde_json::json!({"kind": "schedule", "release_at": "2025-07-08T09:00:00Z"}));
    assert_eq!(serde_json::to_value(Trigger::Steward).unwrap(), serde_json::json!({"kind": "steward"}));
    assert_eq!(serde_json::from_value::<PeriodEvent>(json).unwrap(), event);
    assert_eq!(serde_json::to_value(PeriodState::Published).unwrap(), "published");
    assert_eq!(PeriodState::Collecting.name(), "collecting");
}

#[tokio::test]
async fn releases_are_numbered_from_one_and_the_period_is_then_published() {
    let store = Store::open(&StoreLocation::Memory).unwrap();
    let p = q("2025-Q1");
    let a = store.submit(&new("E09000001", "2025-Q1")).await.unwrap();
    assert!(store.snapshot().period(p).is_none());
    assert_eq!(store.snapshot().periods_known().into_iter().collect::<Vec<_>>(), [p]);

    let one = store.publish_release(p, 0, vec![a.id.clone()], pattern(), Trigger::Steward, None).await.unwrap();
    assert_eq!((one.period, one.release, one.trigger.clone()), (p, 1, Trigger::Steward));
    assert!(one.pattern_path.starts_with("release-patterns/2025-Q1/"), "{}", one.pattern_path);
    assert_eq!(store.read(&one.pattern_path).await.unwrap(), pattern());
    let record = store.snapshot().period(p).cloned().unwrap();
    assert_eq!((record.state(), record.last_sequence), (PeriodState::Published, 1));
    assert_eq!(record.latest(), Some(&one));

    let b = store.submit(&new("E09000002", "2025-Q1")).await.unwrap();
    let two = store
        .publish_release(p, 1, vec![a.id.clone(), b.id.clone()], pattern(), Trigger::Upload, Some("t".into()))
        .await
        .unwrap();
    assert_eq!(two.release, 2);
    let snap = store.snapshot();
    let record = snap.period(p).unwrap();
    assert_eq!(record.releases.iter().map(|r| r.release).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(record.latest(), Some(&two));
    let (number, released) = snap.released_submissions(p).unwrap();
    assert_eq!((number, released.iter().map(|s| s.id.as_str()).collect::<Vec<_>>()), (2, vec![&*a.id, &*b.id]));
}

#[tokio::test]
async fn a_stale_view_is_a_conflict_and_writes_nothing() {
    let (objects, store, _) = shared();
    let p = q("2025-Q1");
    store.publish_release(p, 0, vec![], pattern(), Trigger::Steward, None).await.unwrap();
    let (patterns, slots) = (count(&objects, "release-patterns").await, count(&objects, "periods").await);
    let stale = store.publish_release(p, 0, vec![], pattern(), Trigger::Steward, None).await;
    assert!(matches!(&stale, Err(Error::Conflict(m)) if m.contains("2025-Q1")), "{stale:?}");
    let ahead = store.publish_release(p, 5, vec![], pattern(), Trigger::Steward, None).await;
    assert!(matches!(ahead, Err(Error::Conflict(_))), "{ahead:?}");
    assert_eq!((count(&objects, "release-patterns").await, count(&objects, "periods").await), (patterns, slots));
    assert_eq!(store.refresh().await.unwrap().period(p).unwrap().releases.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hubs_publishing_from_one_view_publish_once() {
    let (objects, one, two) = shared();
    let p = q("2025-Q3");
    one.schedule_period(p, at(1), at(8), None).await.unwrap();
    let (one, two) = (Arc::new(one), Arc::new(two));
    let view = two.refresh().await.unwrap().period(p).cloned().unwrap();
    assert_eq!(view.last_sequence, 1);
    let trigger = Trigger::Schedule { release_at: view.schedule.as_ref().unwrap().release_at };
    let race = |store: Arc<Store>| {
        let trigger = trigger.clone();
        tokio::spawn(async move { store.publish_release(p, 1, vec![], pattern(), trigger, None).await })
    };
    let (a, b) = (race(one.clone()), race(two.clone()));
    let results = [a.await.unwrap(), b.await.unwrap()];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(r, Err(Error::Conflict(_)))), "{results:?}");
    assert_eq!(count(&objects, "periods/2025-Q3").await, 2, "the schedule and one release");

    // Each hub, reading the store again, sees the scheduled release done.
    for store in [&one, &two] {
        let record = store.refresh().await.unwrap().period(p).cloned().unwrap();
        assert_eq!(record.releases.len(), 1);
        assert_eq!(record.releases[0].release, 1);
        assert!(record.scheduled_release_done());
    }
    // A new schedule asks for a new release.
    one.schedule_period(p, at(9), at(10), None).await.unwrap();
    assert!(!one.snapshot().period(p).unwrap().scheduled_release_done());
}

#[tokio::test]
async fn released_submissions_keep_superseded_records() {
    let store = Store::open(&StoreLocation::Memory).unwrap();
    let p = q("2025-Q2");
    let old = store.submit(&new("E09000003", "2025-Q2")).await.unwrap();
    store.publish_release(p, 0, vec![old.id.clone()], pattern(), Trigger::Steward, None).await.unwrap();
    let newer = store.submit(&new("E09000003", "2025-Q2")).await.unwrap();
    assert_eq!(newer.supersedes.as_deref(), Some(old.id.as_str()));
    let snap = store.snapshot();
    let (release, records) = snap.released_submissions(p).unwrap();
    assert_eq!(release, 1);
    assert_eq!(records.len(), 1);
    assert_eq!((records[0].id.as_str(), records[0].status), (old.id.as_str(), Status::Superseded));
    assert!(snap.released_submissions(q("2025-Q1")).is_none());

    // A release naming a submission the snapshot does not know is not served.
    store.publish_release(p, 1, vec!["unknown".into()], pattern(), Trigger::Steward, None).await.unwrap();
    assert!(store.snapshot().released_submissions(p).is_none());
}

#[tokio::test]
async fn a_damaged_period_entry_withholds_the_period_until_removed() {
    let (objects, store, _) = shared();
    let (p, elsewhere) = (q("2025-Q1"), q("2025-Q2"));
    let a = store.submit(&new("E09000004", "2025-Q1")).await.unwrap();
    store.schedule_period(p, at(1), at(8), None).await.unwrap();
    store.publish_release(p, 1, vec![a.id.clone()], pattern(), Trigger::Steward, None).await.unwrap();
    store.publish_release(elsewhere, 0, vec![], pattern(), Trigger::Steward, None).await.unwrap();
    assert_eq!(store.snapshot().period(p).unwrap().state(), PeriodState::Published);
    let generation = store.snapshot().generation;

    let slot = "periods/2025-Q1/000000000002.json";
    let original = store.read(slot).await.unwrap();
    put(&objects, slot, Bytes::from_static(b"{\"event\":\"relea")).await;
    let snap = store.refresh().await.unwrap();
    assert!(snap.generation > generation);
    assert_eq!(snap.damaged, [DamagedEntry { path: slot.into(), ledger: DamagedLedger::Period(p) }]);
    assert_eq!(snap.period_damage(p).count(), 1);
    let record = snap.period(p).unwrap();
    assert_eq!((record.releases.len(), record.schedule.as_ref(), record.state()), (0, None, PeriodState::Collecting));
    assert!(snap.released_submissions(p).is_none(), "analysts see nothing of it");
    assert_eq!(snap.period(elsewhere).unwrap().releases.len(), 1, "other periods are served");
    assert_eq!(snap.current().count(), 1, "submissions are not withheld");
    assert_eq!(snap.get(&a.id).unwrap().status, Status::Current);

    let seen = record.last_sequence;
    let refused = store.publish_release(p, seen, vec![], pattern(), Trigger::Steward, None).await;
    assert!(matches!(&refused, Err(Error::Withheld(m)) if m.contains(slot)), "{refused:?}");
    let refused = store.schedule_period(p, at(2), at(9), None).await;
    assert!(matches!(refused, Err(Error::Withheld(_))), "{refused:?}");
    assert_eq!(count(&objects, "periods/2025-Q1").await, 2);

    put(&objects, slot, original).await;
    let repaired = store.refresh().await.unwrap();
    assert!(repaired.damaged.is_empty());
    assert_eq!(repaired.released_submissions(p).map(|(n, s)| (n, s.len())), Some((1, 1)));
}

#[tokio::test]
async fn a_release_numbered_out_of_turn_is_damage() {
    let (objects, store, _) = shared();
    let p = q("2025-Q4");
    let one = store.publish_release(p, 0, vec![], pattern(), Trigger::Steward, None).await.unwrap();
    let skipped = PeriodEvent::Released {
        period: p,
        release: 3,
        published_at: one.published_at,
        submissions: vec![],
        pattern_path: one.pattern_path.clone(),
        trigger: Trigger::Steward,
        by: None,
    };
    let slot = "periods/2025-Q4/000000000002.json";
    put(&objects, slot, Bytes::from(serde_json::to_vec(&skipped).unwrap())).await;
    let snap = store.refresh().await.unwrap();
    assert_eq!(snap.damaged, [DamagedEntry { path: slot.into(), ledger: DamagedLedger::Period(p) }]);
    assert!(snap.period(p).unwrap().releases.is_empty());
    assert_eq!(snap.period(p).unwrap().last_sequence, 2);
}

#[tokio::test]
async fn misplaced_period_entries_are_damage() {
    let (objects, store, _) = shared();
    let a = store.submit(&new("E09000005", "2025-Q1")).await.unwrap();
    store.publish_release(q("2025-Q1"), 0, vec![a.id.clone()], pattern(), Trigger::Steward, None).await.unwrap();
    // A valid event of 2025-Q1 copied into 2025-Q2's ledger.
    let copied = "periods/2025-Q2/000000000001.json";
    put(&objects, copied, store.read("periods/2025-Q1/000000000001.json").await.unwrap()).await;
    let snap = store.refresh().await.unwrap();
    assert_eq!(snap.damaged, [DamagedEntry { path: copied.into(), ledger: DamagedLedger::Period(q("2025-Q2")) }]);
    assert_eq!(snap.period(q("2025-Q1")).unwrap().releases.len(), 1);
    objects.delete(&Path::from(copied)).await.unwrap();

    // A slot of no known period withholds every period's releases, no submission.
    let stray = "periods/2025-Q1/extra/000000000001.json";
    put(&objects, stray, Bytes::from_static(b"{}")).await;
    let snap = store.refresh().await.unwrap();
    assert_eq!(snap.damaged, [DamagedEntry { path: stray.into(), ledger: DamagedLedger::UnknownPeriod }]);
    assert!(snap.period(q("2025-Q1")).unwrap().releases.is_empty());
    assert!(snap.period(q("2025-Q2")).is_none());
    assert_eq!(snap.period_damage(q("2030-Q1")).count(), 1);
    assert_eq!(snap.current().count(), 1);
    objects.delete(&Path::from(stray)).await.unwrap();
    assert_eq!(store.refresh().await.unwrap().period(q("2025-Q1")).unwrap().releases.len(), 1);
}
