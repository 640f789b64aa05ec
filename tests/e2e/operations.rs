//! Operational endpoints: Prometheus metrics.

use serde_json::json;

use crate::fixtures;
use crate::support::{TestHub, token_secret};

/// The value of one sample line of a Prometheus text exposition.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (series, value) = l.rsplit_once(' ')?;
        let matches = series.starts_with(&format!("{name}{{")) || series == name;
        let labelled = labels.iter().all(|(k, v)| series.contains(&format!("{k}=\"{v}\"")));
        (matches && labelled).then(|| value.parse().ok()).flatten()
    })
}

#[tokio::test]
async fn metrics_count_requests_uploads_cache_and_suppression() {
    let hub = TestHub::start().await;
    let analyst = hub.analyst().await;
    hub.submit_csv("E09000001", "workforce", "2025-Q1", "ethnicity,headcount\nblack_african,2\nwhite_british,30\n")
        .await;
    let token = hub.submitter("E09000001").await;
    let r = hub.upload_csv(&token, "E09000001", "casework", "2025-Q1", "ethnicity,case_type,count\nnobody,x,1\n").await;
    assert_eq!(r.status(), 422);
    let r = hub.upload_csv(&token, "E09000001", "casework", "2025-Q1", fixtures::CASEWORK).await;
    assert_eq!(r.status(), 201);
    for _ in 0..2 {
        let r = hub.get("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black", &analyst).await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(hub.get("/api/v1/nothing-here", &analyst).await.status(), 404);

    let r = hub.client.get(hub.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    let route = "/api/v1/benchmarks/{metric}";
    assert_eq!(sample(&text, "edi_hub_http_requests_total", &[("route", route), ("status", "200")]), Some(2.0));
    assert_eq!(sample(&text, "edi_hub_http_requests_total", &[("route", "unmatched"), ("status", "404")]), Some(1.0));
    assert_eq!(sample(&text, "edi_hub_http_request_duration_seconds_count", &[("route", route)]), Some(2.0));
    assert_eq!(sample(&text, "edi_hub_uploads_total", &[("outcome", "accepted")]), Some(2.0));
    assert_eq!(sample(&text, "edi_hub_uploads_total", &[("outcome", "rejected")]), Some(1.0));
    assert_eq!(sample(&text, "edi_hub_answer_cache_total", &[("result", "miss")]), Some(1.0));
    assert_eq!(sample(&text, "edi_hub_answer_cache_total", &[("result", "hit")]), Some(1.0));
    // City's two Black African staff: numerator and value withheld, twice.
    assert!(sample(&text, "edi_hub_suppressed_cells_served_total", &[]).unwrap() >= 4.0);
}

#[tokio::test]
async fn the_audit_log_records_every_sensitive_action() {
    let hub = TestHub::start().await;
    let steward = hub.steward().await;
    let analyst = hub.analyst().await;
    let city = hub.submitter("E09000001").await;
    let accepted = hub.submit_csv("E09000001", "casework", "2025-Q1", fixtures::CASEWORK).await;
    let id = accepted["id"].as_str().unwrap();
    assert_eq!(hub.upload_csv(&city, "E09000001", "casework", "2025-Q1", "nonsense").await.status(), 422);
    assert_eq!(hub.get("/api/v1/benchmarks/workforce_share?period=2025-Q1", &city).await.status(), 200);
    hub.submit_csv("E09000001", "workforce", "2025-Q1", fixtures::WORKFORCE).await;
    assert_eq!(hub.get("/api/v1/benchmarks/workforce_share?period=2025-Q1", &city).await.status(), 200);
    let r = hub.withdraw(id, &city).await;
    assert_eq!(r.status(), 204);
    let population = "organisation,ethnicity,residents\nE09000001,white,100\n";
    let r = hub.put_file("/api/v1/reference/population", &steward, "text/csv", population.as_bytes().to_vec()).await;
    assert_eq!(r.status(), 200);
    let r = hub
        .client
        .post(hub.url("/api/v1/tokens"))
        .bearer_auth(&steward)
        .json(&serde_json::json!({"role": "analyst"}))
        .send()
        .await
        .unwrap();
    let minted: serde_json::Value = r.json().await.unwrap();

    let log = hub.get_json("/api/v1/audit", &steward).await;
    let events = log["events"].as_array().unwrap();
    let has = |action: &str, outcome: &str| events.iter().any(|e| e["action"] == action && e["outcome"] == outcome);
    for (action, outcome) in [
        ("upload", "success"),
        ("upload", "rejected"),
        ("withdraw", "success"),
        ("population", "success"),
        ("unredacted_read", "success"),
        ("token_create", "success"),
    ] {
        assert!(has(action, outcome), "{action} {outcome} missing from {log}");
    }
    let upload = events.iter().find(|e| e["submission_id"] == id && e["action"] == "upload").unwrap();
    assert_eq!((upload["role"].clone(), upload["organisation"].clone()), (json!("submitter"), json!("E09000001")));
    let text = log.to_string();
    for token in [&steward, &analyst, &city, &minted["token"].as_str().unwrap().to_string()] {
        assert!(!text.contains(token_secret(token)), "a token in the audit log");
    }

    let withdrawals = hub.get_json("/api/v1/audit?action=withdraw", &steward).await;
    assert_eq!(withdrawals["events"].as_array().unwrap().len(), 1);
    let rejected = hub.get_json("/api/v1/audit?outcome=rejected&organisation=E09000001", &steward).await;
    assert_eq!(rejected["events"].as_array().unwrap().len(), 1);
    let today = chrono::Utc::now().date_naive().to_string();
    let dated = hub.get_json(&format!("/api/v1/audit?from={today}&to={today}"), &steward).await;
    assert_eq!(dated["events"].as_array().unwrap().len(), events.len());
    let csv = hub.get("/api/v1/audit?format=csv&action=withdraw", &steward).await.text().await.unwrap();
    assert!(csv.starts_with("at,actor,role,organisation,action,outcome,target,submission_id,detail\n"));
    assert!(csv.contains(&format!("withdraw,success,,{id},")));
    assert_eq!(hub.get("/api/v1/audit", &analyst).await.status(), 403);
    assert_eq!(hub.get("/api/v1/audit?from=yesterday", &steward).await.status(), 422);
    assert_eq!(hub.get("/api/v1/audit?colour=red", &steward).await.status(), 422);
}

#[tokio::test]
async fn each_token_is_rate_limited_with_retry_after() {
    let hub = TestHub::start_with(edi_hub_api::ServerConfig { rate_limit: 5, ..Default::default() }).await;
    let busy = hub.analyst().await;
    let quiet = hub.analyst().await;
    // Twenty requests at once: at most five (one second's worth) get through.
    let answers = futures::future::join_all((0..20).map(|_| hub.get("/api/v1/coverage", &busy))).await;
    let ok = answers.iter().filter(|r| r.status() == 200).count();
    assert!((1..=6).contains(&ok), "{ok} requests got through");
    let limited = answers.into_iter().find(|r| r.status() == 429);
    let r = limited.expect("the sixth request within a second is over the limit");
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(hub.get("/api/v1/coverage", &quiet).await.status(), 200, "another token is not limited");
    assert_eq!(hub.client.get(hub.url("/healthz")).send().await.unwrap().status(), 200, "health is not limited");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(hub.get("/api/v1/coverage", &busy).await.status(), 200, "the bucket refills");
}

#[tokio::test]
async fn oversized_headers_and_slow_requests_are_cut_off() {
    use futures::StreamExt;
    let config = edi_hub_api::ServerConfig {
        rate_limit: 0,
        request_timeout: std::time::Duration::from_secs(1),
        ..Default::default()
    };
    let hub = TestHub::start_with(config).await;
    let token = hub.submitter("E09000004").await;
    // A 1 MB header is refused by the HTTP layer, and the hub carries on.
    let big = "x".repeat(1024 * 1024);
    let refused = hub.client.get(hub.url("/api/v1/coverage")).bearer_auth(&token).header("x-padding", big).send().await;
    match refused {
        Ok(r) => assert!(r.status().is_client_error(), "{}", r.status()),
        Err(e) => assert!(e.is_request() || e.is_connect() || e.is_body(), "{e}"),
    }
    assert_eq!(hub.get("/api/v1/coverage", &token).await.status(), 200);
    // An upload whose body stalls past the request time limit gets 408.
    let body =
        futures::stream::once(async { Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"ethnicity,headcount\n")) })
            .chain(futures::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"white,10\n"))
            }));
    let r = hub
        .client
        .put(hub.url("/api/v1/submissions/E09000004/workforce/2025-Q1"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 408);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(hub.data_files(), 0);
}

#[tokio::test]
async fn every_error_is_a_problem_document() {
    let hub = TestHub::start().await;
    let analyst = hub.analyst().await;
    let r = hub.client.post(hub.url("/api/v1/coverage")).bearer_auth(&analyst).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers().contains_key("allow"));
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], 405);
    let r = hub.get("/api/v1/benchmarks/workforce_share?period=%ZZ", &analyst).await;
    assert!(r.status().is_client_error());
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}
