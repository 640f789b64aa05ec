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

/// The organisations with a row in the workforce_share benchmark of `period`.
async fn benchmarked(hub: &TestHub, period: &str, token: &str) -> Vec<String> {
    let answer = hub.get_json(&format!("/api/v1/benchmarks/workforce_share?period={period}&group=black"), token).await;
    let rows = answer["rows"].as_array().unwrap();
    rows.iter().filter(|r| r["scope"] == "organisation").map(|r| r["organisation"].as_str().unwrap().into()).collect()
}

/// `GET /readyz` (no token): the status and the problem's detail.
async fn readiness(hub: &TestHub) -> (u16, String) {
    let r = hub.client.get(hub.url("/readyz")).send().await.unwrap();
    let status = r.status().as_u16();
    if status == 200 {
        return (status, String::new());
    }
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.unwrap();
    (status, body["detail"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn an_unreadable_withdrawal_withholds_its_key_until_the_store_is_repaired() {
    let hub = TestHub::start().await;
    let steward = hub.steward().await;
    for period in ["2025-Q1", "2025-Q2"] {
        hub.submit_csv("E09000012", "workforce", period, fixtures::WORKFORCE).await;
    }
    let q1 = hub.submit_csv("E09000007", "workforce", "2025-Q1", fixtures::WORKFORCE).await;
    let q2 = hub.submit_csv("E09000007", "workforce", "2025-Q2", fixtures::WORKFORCE).await;
    let camden = hub.submitter("E09000007").await;
    assert_eq!(hub.withdraw(q2["id"].as_str().unwrap(), &camden).await.status(), 204);
    assert_eq!(benchmarked(&hub, "2025-Q2", &steward).await, ["E09000012"]);

    // The withdrawal's ledger object is damaged in the store (its text would
    // name the marker in a parser's message: it must never be logged).
    let slot = "ledger/E09000007/workforce/2025-Q2/000000000002.json";
    let file = hub.dir.path().join(slot);
    assert!(file.is_file(), "the withdrawal is the key's second ledger entry");
    std::fs::write(&file, br#"{"event":"tamper-3b1f"}"#).unwrap();
    hub.store.refresh().await.unwrap();
    let replica = hub.replica().await;

    // (The replica reads the store afresh; the first hub had read the
    // withdrawal before it was damaged.)
    for hub in [&replica, &hub] {
        // The withdrawn quarter does not come back; the other is served.
        assert_eq!(benchmarked(hub, "2025-Q2", &steward).await, ["E09000012"]);
        assert_eq!(benchmarked(hub, "2025-Q1", &steward).await, ["E09000007", "E09000012"]);
        let coverage = hub.get_json("/api/v1/coverage", &steward).await;
        let camden_keys: Vec<(&str, &str)> = coverage["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["organisation"] == "E09000007")
            .map(|c| (c["period"].as_str().unwrap(), c["submission_id"].as_str().unwrap()))
            .collect();
        assert_eq!(camden_keys, [("2025-Q1", q1["id"].as_str().unwrap())]);
        let list = hub.get_json("/api/v1/submissions?organisation=E09000007&period=2025-Q2", &steward).await;
        assert_eq!(list["submissions"][0]["status"], "withheld");
        let current = hub.get_json("/api/v1/submissions?organisation=E09000007&status=current", &steward).await;
        assert_eq!(current["submissions"].as_array().unwrap().len(), 1);

        let (status, detail) = readiness(hub).await;
        assert_eq!(status, 503);
        assert!(detail.starts_with(&format!("1 ledger entry cannot be read: {slot}")), "{detail}");
    }

    // A new upload cannot make the key current again while it is damaged.
    let r = hub.upload_csv(&camden, "E09000007", "workforce", "2025-Q2", fixtures::WORKFORCE).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains(slot));

    // Logged once, by path, however often the hub refreshes; never the content.
    hub.store.refresh().await.unwrap();
    hub.store.refresh().await.unwrap();
    let logs = crate::support::logs();
    let errors = logs.lines().filter(|l| l.contains("ERROR") && l.contains(slot)).count();
    assert_eq!(errors, 2, "once by each hub process");
    assert!(!logs.contains("tamper-3b1f"));

    // The steward removes the damaged object: both hubs are ready again and
    // serve the key as the store now records it (no withdrawal).
    std::fs::remove_file(&file).unwrap();
    for hub in [&hub, &replica] {
        hub.store.refresh().await.unwrap();
        assert_eq!(readiness(hub).await, (200, String::new()));
        assert_eq!(benchmarked(hub, "2025-Q2", &steward).await, ["E09000007", "E09000012"]);
    }
    // ...and withdraws it again.
    assert_eq!(hub.withdraw(q2["id"].as_str().unwrap(), &camden).await.status(), 204);
    replica.store.refresh().await.unwrap();
    assert_eq!(benchmarked(&replica, "2025-Q2", &steward).await, ["E09000012"]);
}
