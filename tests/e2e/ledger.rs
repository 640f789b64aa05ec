//! History, coverage, withdrawal, listing, and the ledger's atomicity.

use edi_hub_api::ServerConfig;
use edi_hub_core::Dataset;
use edi_hub_store::{NewSubmission, Store, StoreLocation};

use crate::fixtures;
use crate::support::{TestHub, upload_all};

#[tokio::test]
async fn supersede_and_withdraw_show_in_history_and_coverage() {
    let hub = TestHub::start().await;
    let steward = hub.steward().await;
    let first = hub.submit_csv("E09000007", "casework", "2025-Q1", fixtures::CASEWORK).await;
    let second = hub.submit_csv("E09000007", "casework", "2025-Q1", fixtures::CASEWORK).await;
    assert_eq!(second["supersedes"], first["id"]);

    let list = hub.get_json("/api/v1/submissions?organisation=E09000007", &steward).await;
    let subs = list["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0]["id"], second["id"], "newest first");
    assert_eq!(subs[0]["status"], "current");
    assert_eq!(subs[1]["status"], "superseded");

    let coverage = hub.get_json("/api/v1/coverage", &steward).await;
    assert_eq!(
        coverage["coverage"],
        serde_json::json!([{"organisation": "E09000007", "dataset": "casework", "period": "2025-Q1", "submission_id": second["id"]}])
    );

    let submitter = hub.submitter("E09000007").await;
    let r = hub.withdraw(second["id"].as_str().unwrap(), &submitter).await;
    assert_eq!(r.status(), 204);
    let again = hub.withdraw(second["id"].as_str().unwrap(), &submitter).await;
    assert_eq!(again.status(), 409);

    let list = hub.get_json("/api/v1/submissions?organisation=E09000007", &steward).await;
    let statuses: Vec<&str> =
        list["submissions"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["withdrawn", "superseded"]);
    let coverage = hub.get_json("/api/v1/coverage", &steward).await;
    assert_eq!(coverage["coverage"], serde_json::json!([]));
    let withdrawn = hub.get_json("/api/v1/submissions?status=withdrawn", &steward).await;
    assert_eq!(withdrawn["submissions"].as_array().unwrap().len(), 1);

    // The next upload is current again and supersedes nothing current.
    let third = hub.submit_csv("E09000007", "casework", "2025-Q1", fixtures::CASEWORK).await;
    assert!(third["supersedes"].is_null());
    let coverage = hub.get_json("/api/v1/coverage", &steward).await;
    assert_eq!(coverage["coverage"][0]["submission_id"], third["id"]);
}

#[tokio::test]
async fn listing_filters_pages_and_submitter_scope() {
    let hub = TestHub::start().await;
    for org in ["E09000001", "E09000002", "E09000003"] {
        for period in ["2024-Q4", "2025-Q1"] {
            hub.submit_csv(org, "survey", period, fixtures::SURVEY).await;
        }
    }
    let analyst = hub.analyst().await;
    let all = hub.get_json("/api/v1/submissions", &analyst).await;
    assert_eq!(all["submissions"].as_array().unwrap().len(), 6);
    assert!(all["next_page_token"].is_null());

    let mut seen = Vec::new();
    let mut path = "/api/v1/submissions?limit=4".to_string();
    loop {
        let page = hub.get_json(&path, &analyst).await;
        seen.extend(page["submissions"].as_array().unwrap().iter().map(|s| s["id"].clone()));
        match page["next_page_token"].as_str() {
            Some(t) => path = format!("/api/v1/submissions?limit=4&page_token={t}"),
            None => break,
        }
    }
    let expected: Vec<_> = all["submissions"].as_array().unwrap().iter().map(|s| s["id"].clone()).collect();
    assert_eq!(seen, expected);

    let filtered = hub.get_json("/api/v1/submissions?period=2025-Q1&dataset=survey&status=current", &analyst).await;
    assert_eq!(filtered["submissions"].as_array().unwrap().len(), 3);

    let own = hub.submitter("E09000002").await;
    let mine = hub.get_json("/api/v1/submissions", &own).await;
    let orgs: Vec<&str> =
        mine["submissions"].as_array().unwrap().iter().map(|s| s["organisation"].as_str().unwrap()).collect();
    assert_eq!(orgs, ["E09000002", "E09000002"]);

    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("status=gone", "status"),
        ("organisation=E0900", "organisation"),
        ("period=2025Q1", "period"),
        ("dataset=people", "dataset"),
        ("page_token=nope", "page_token"),
        ("colour=red", "colour"),
    ] {
        let r = hub.get(&format!("/api/v1/submissions?{query}"), &analyst).await;
        assert_eq!(r.status(), 422, "{query}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["parameter"], parameter, "{query}");
    }
}

fn new_submission() -> NewSubmission {
    NewSubmission {
        organisation: "E09000011".parse().unwrap(),
        dataset: Dataset::Casework,
        period: "2025-Q1".parse().unwrap(),
        parquet: bytes::Bytes::from_static(b"PAR1 never committed PAR1"),
        rows: 3,
        checksum: "sha256:00".into(),
        by: None,
    }
}

#[tokio::test]
async fn a_crash_between_data_write_and_ledger_commit_leaves_nothing_visible() {
    let hub = TestHub::start().await;
    let steward = hub.steward().await;
    let dir = hub.stop().await;

    // A process writes the data file, then dies before the ledger commit.
    {
        let store = Store::open(&StoreLocation::Directory(dir.path().to_path_buf())).unwrap();
        store.write_data(&new_submission()).await.unwrap();
    }
    // A half-written ledger slot left by a crash mid-write (temporary name).
    let ledger = dir.path().join("ledger/E09000011/casework/2025-Q1");
    std::fs::create_dir_all(&ledger).unwrap();
    std::fs::write(ledger.join("000000000001.json#7"), b"{\"event\":\"submi").unwrap();

    let hub = TestHub::start_in(dir, ServerConfig { rate_limit: 0, ..ServerConfig::default() }).await;
    let list = hub.get_json("/api/v1/submissions", &steward).await;
    assert_eq!(list["submissions"], serde_json::json!([]));
    let coverage = hub.get_json("/api/v1/coverage", &steward).await;
    assert_eq!(coverage["coverage"], serde_json::json!([]));
    let analyst = hub.analyst().await;
    let r = hub.get("/api/v1/benchmarks/workforce_share?period=2025-Q1", &analyst).await;
    assert_eq!(r.status(), 200);

    // The next upload is fine and is the first in the history.
    let next = hub.submit_csv("E09000011", "casework", "2025-Q1", fixtures::CASEWORK).await;
    assert!(next["supersedes"].is_null());
    let list = hub.get_json("/api/v1/submissions", &steward).await;
    assert_eq!(list["submissions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_uploads_for_one_key_are_all_kept() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000020").await;
    let urls = vec![hub.url("/api/v1/submissions/E09000020/pay/2025-Q1"); 16];
    let ids = upload_all(&hub.client, urls, &token, fixtures::PAY).await;
    let steward = hub.steward().await;
    let list = hub.get_json("/api/v1/submissions?limit=1000", &steward).await;
    let subs = list["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 16);
    assert_eq!(subs.iter().filter(|s| s["status"] == "current").count(), 1);
    for id in &ids {
        assert!(subs.iter().any(|s| s["id"] == id.as_str()));
    }
    // Each superseded one is superseded by exactly one later upload.
    let supersedes: std::collections::HashSet<&str> = subs.iter().filter_map(|s| s["supersedes"].as_str()).collect();
    assert_eq!(supersedes.len(), 15);
}
