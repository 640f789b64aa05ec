//! The release audit over a store: submissions, releases and their pattern
//! objects written as the hub writes them, read back from the store alone.

use bytes::Bytes;
use edi_hub_core::Dataset;
use edi_hub_core::disclosure::TablePattern;
use edi_hub_core::disclosure::atoms::Atoms;
use edi_hub_core::disclosure::pattern::Pattern;
use edi_hub_core::disclosure::release::{Earlier, History, Round, RoundPattern, protect_round};
use edi_hub_store::{NewSubmission, StoreLocation, SubmissionRecord, Trigger, checksum, stored_parquet};

use super::*;
use crate::testing::{org, period, valid, workforce};

fn borough(white: i64, black: i64) -> String {
    workforce(&[("white_british", &[white, 47, 54]), ("black_african", &[black, 20, 12]), ("not_stated", &[4, 0, 11])])
}

fn histories(versions: Vec<Vec<&Atoms>>) -> Vec<History<'_>> {
    versions.into_iter().enumerate().map(|(i, v)| History { organisation: org(i), versions: v }).collect()
}

async fn submit(store: &Store, i: usize, csv: &str) -> (SubmissionRecord, Atoms) {
    let table = valid(csv);
    let parquet = stored_parquet(&table, Some((org(i), period()))).unwrap();
    let atoms = Atoms::of(Dataset::Workforce, &decode_parquet(parquet.clone()).unwrap()).unwrap();
    let new = NewSubmission {
        organisation: org(i),
        dataset: Dataset::Workforce,
        period: period(),
        parquet,
        rows: table.rows as u64,
        checksum: checksum(csv.as_bytes()),
        by: None,
    };
    (store.submit(&new).await.unwrap(), atoms)
}

/// Publishes a release showing `shown` (submission, organisation) with the round's choice.
async fn publish(store: &Store, number: u32, shown: &[&SubmissionRecord], round: &RoundPattern) {
    let tables = shown
        .iter()
        .zip(&round.tables)
        .map(|(s, p)| TablePattern {
            submission: s.id.clone(),
            organisation: s.organisation,
            dataset: s.dataset,
            pattern: p.clone().unwrap(),
        })
        .collect();
    let pattern =
        ReleasePattern { period: period(), release: number, min_count: 10, tables, pooled: vec![round.pooled.clone()] };
    let seen = store.snapshot().period(period()).map_or(0, |r| r.last_sequence);
    let ids = shown.iter().map(|s| s.id.clone()).collect();
    let body = Bytes::from(serde_json::to_vec(&pattern).unwrap());
    store.publish_release(period(), seen, ids, body, Trigger::Steward, None).await.unwrap();
}

#[tokio::test]
async fn a_quarter_published_twice_with_a_correction_passes() {
    let store = Store::open(&StoreLocation::Memory).unwrap();
    let policy = Policy::default();
    let mut records = Vec::new();
    let mut atoms = Vec::new();
    for i in 0..5 {
        let (r, a) = submit(&store, i, &borough(40, 3)).await;
        records.push(r);
        atoms.push(a);
    }
    let first = protect_round(
        &Round {
            dataset: Dataset::Workforce,
            histories: histories(atoms.iter().map(|a| vec![a]).collect()),
            earlier: Vec::new(),
            current: vec![Some(0); 5],
        },
        policy,
    );
    publish(&store, 1, &records.iter().collect::<Vec<_>>(), &first).await;
    // The first borough corrects band 1: 2 staff move from not stated to Black African.
    let (corrected, new) = submit(&store, 0, &borough(40, 5).replace("not_stated,1,4", "not_stated,1,2")).await;
    let earlier: Vec<(usize, usize, &Pattern)> =
        first.tables.iter().enumerate().map(|(i, p)| (i, 0, p.as_ref().unwrap())).collect();
    let mut versions: Vec<Vec<&Atoms>> = atoms.iter().map(|a| vec![a]).collect();
    versions[0].push(&new);
    let mut current = vec![Some(0); 5];
    current[0] = Some(1);
    let second = protect_round(
        &Round {
            dataset: Dataset::Workforce,
            histories: histories(versions),
            earlier: vec![Earlier { tables: earlier, pooled: &first.pooled }],
            current,
        },
        policy,
    );
    let mut shown: Vec<&SubmissionRecord> = records.iter().collect();
    shown[0] = &corrected;
    publish(&store, 2, &shown, &second).await;

    let report = audit_releases(&store, period(), policy, 1).await.unwrap();
    eprintln!("{}", report.render());
    assert_eq!(report.releases, [1, 2]);
    assert_eq!(report.organisations.len(), 5);
    assert_eq!(report.organisations[0].versions, 2);
    assert!(report.pooled.shown > 0);
    assert!(report.passed(), "{}", report.render());
    let one = audit_releases_for(&store, period(), policy, 1, Some(org(0))).await.unwrap();
    assert_eq!(one.organisations.len(), 1);
}

#[tokio::test]
async fn a_period_without_releases_is_refused() {
    let store = Store::open(&StoreLocation::Memory).unwrap();
    let err = audit_releases(&store, period(), Policy::default(), 1).await.unwrap_err();
    assert!(err.to_string().contains("has no release"), "{err}");
}
