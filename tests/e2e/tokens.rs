//! Token management through the API, revocation across processes, and
//! tokens never appearing in logs.

use serde_json::{Value, json};

use crate::fixtures;
use crate::support::{TestHub, logs, token_secret};

async fn create(hub: &TestHub, steward: &str, body: Value) -> reqwest::Response {
    hub.client.post(hub.url("/api/v1/tokens")).bearer_auth(steward).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn stewards_create_list_and_revoke_tokens() {
    let hub = TestHub::start().await;
    let steward = hub.steward().await;
    let r =
        create(&hub, &steward, json!({"role": "submitter", "organisation": "E09000015", "label": "Harrow HR"})).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_string();
    assert_eq!((created["role"].clone(), created["organisation"].clone()), (json!("submitter"), json!("E09000015")));
    let r = hub.upload_csv(&token, "E09000015", "casework", "2025-Q1", fixtures::CASEWORK).await;
    assert_eq!(r.status(), 201);

    let list = hub.get_json("/api/v1/tokens", &steward).await;
    let listed = list["tokens"].as_array().unwrap();
    assert!(listed.iter().any(|t| t["id"] == created["id"] && t["revoked_at"].is_null()));
    assert!(!list.to_string().contains(&token), "a list never shows a token");

    let id = created["id"].as_str().unwrap();
    let r = hub.client.delete(hub.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&steward).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(hub.get("/api/v1/coverage", &token).await.status(), 401);
    let list = hub.get_json("/api/v1/tokens", &steward).await;
    assert!(list["tokens"].as_array().unwrap().iter().any(|t| t["id"] == id && t["revoked_at"].is_string()));
    let r = hub.client.delete(hub.url("/api/v1/tokens/ffffffffffffffff")).bearer_auth(&steward).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn token_requests_are_checked_and_stewards_only() {
    let hub = TestHub::start().await;
    let steward = hub.steward().await;
    let analyst = hub.analyst().await;
    for (body, parameter) in [
        (json!({"role": "owner"}), Some("role")),
        (json!({"role": "submitter"}), Some("organisation")),
        (json!({"role": "analyst", "organisation": "E09000001"}), Some("organisation")),
        (json!({"role": "submitter", "organisation": "E09000099"}), Some("organisation")),
        (json!({"role": "analyst", "expires_at": "2001-01-01T00:00:00Z"}), Some("expires_at")),
        (json!({"role": "analyst", "colour": "red"}), None),
        (json!(["analyst"]), None),
    ] {
        let r = create(&hub, &steward, body.clone()).await;
        assert_eq!(r.status(), 422, "{body}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["parameter"].as_str(), parameter, "{body}");
    }
    let r = hub
        .client
        .post(hub.url("/api/v1/tokens"))
        .bearer_auth(&steward)
        .header("content-type", "text/plain")
        .body("analyst")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(create(&hub, &analyst, json!({"role": "steward"})).await.status(), 403);
    assert_eq!(hub.get("/api/v1/tokens", &analyst).await.status(), 403);
    let r = create(&hub, &steward, json!({"role": "analyst", "expires_at": "2099-01-01T00:00:00Z"})).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn revocation_reaches_every_replica_within_five_seconds() {
    let hub = TestHub::start().await;
    let replica = hub.replica().await;
    let steward = hub.steward().await;
    let created: Value = create(&hub, &steward, json!({"role": "analyst"})).await.json().await.unwrap();
    let token = created["token"].as_str().unwrap();
    assert_eq!(replica.get("/api/v1/coverage", token).await.status(), 200, "a new token works on the replica at once");
    let id = created["id"].as_str().unwrap();
    let r = hub.client.delete(hub.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&steward).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let started = std::time::Instant::now();
    loop {
        if replica.get("/api/v1/coverage", token).await.status() == 401 {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "the replica still accepts a revoked token");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn tokens_never_appear_in_logs() {
    let hub = TestHub::start().await;
    let steward = hub.steward().await;
    let invalid = "edi_0123456789abcdef_NOTAREALTOKENNOTAREALTOKENNOTAREALTOKEN123";
    let created: Value = create(&hub, &steward, json!({"role": "analyst"})).await.json().await.unwrap();
    let minted = created["token"].as_str().unwrap().to_string();
    for token in [&steward, &minted, &invalid.to_string()] {
        let _ = hub.get("/api/v1/coverage", token).await;
        let _ = hub.get("/api/v1/benchmarks/workforce_share?period=2025-Q1", token).await;
        let _ = hub.upload_csv(token, "E09000001", "casework", "2025-Q1", "bad").await;
    }
    let text = logs();
    assert!(text.contains("request"), "logs were captured");
    for token in [&steward, &minted, &invalid.to_string()] {
        assert!(!text.contains(token_secret(token)), "a token appeared in the logs");
    }
}
