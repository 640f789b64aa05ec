//! An answer reads one ledger snapshot from start to end: computed from a
//! snapshot taken before a re-upload, it has that snapshot's values and
//! that snapshot's protected pattern, whatever the store holds by then.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use edi_hub_core::Dataset;
use edi_hub_core::disclosure::Policy;
use edi_hub_core::metrics::MetricDef;
use edi_hub_core::validate::{Limits, UploadFormat, validate};
use edi_hub_store::{NewSubmission, Store, StoreLocation, checksum, stored_parquet};

use crate::Engine;

async fn upload(store: &Store, csv: &str) {
    let table =
        validate(Dataset::Workforce, UploadFormat::Csv, Bytes::from(csv.to_string()), &Limits::default()).unwrap();
    let (organisation, period) = ("E09000007".parse().unwrap(), "2025-Q1".parse().unwrap());
    store
        .submit(&NewSubmission {
            organisation,
            dataset: Dataset::Workforce,
            period,
            parquet: stored_parquet(&table, Some((organisation, period))).unwrap(),
            rows: table.rows as u64,
            checksum: checksum(csv.as_bytes()),
            by: None,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn figures_come_from_the_snapshot_they_began_with() {
    let store = Arc::new(Store::open(&StoreLocation::Memory).unwrap());
    let engine = Engine::new(store.clone(), Policy::default(), false).unwrap();
    // Version 1: band 6 black 2 (withheld); version 2: black 30.
    let v1 = "ethnicity,pay_band,headcount\nwhite,6,41\nblack,6,2\nasian,6,12\nnot_stated,6,1\n";
    let v2 = "ethnicity,pay_band,headcount\nwhite,6,13\nblack,6,30\nasian,6,12\nnot_stated,6,1\n";
    upload(&store, v1).await;
    let before = store.refresh().await.unwrap();
    upload(&store, v2).await;
    let after = store.refresh().await.unwrap();
    assert_ne!(before.generation, after.generation);
    let metric = MetricDef::find("workforce_share").unwrap();
    let given = BTreeMap::from([("group".to_string(), "black".to_string()), ("pay_band".to_string(), "6".to_string())]);
    let params = metric.resolve(&given).unwrap();
    let periods = ["2025-Q1".parse().unwrap()];
    let old = engine.figures(&before, metric, &params, &periods, crate::Source::Current).await.unwrap();
    let new = engine.figures(&after, metric, &params, &periods, crate::Source::Current).await.unwrap();
    // Values and flags of version 1, read after version 2 landed.
    assert_eq!(old[0].inputs, vec![2.0, 55.0]);
    assert!(old[0].hidden.input(0), "version 1's pattern withholds its black 2");
    assert_eq!(new[0].inputs, vec![30.0, 55.0]);
}
