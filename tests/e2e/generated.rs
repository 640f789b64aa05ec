//! Committed generated files equal what the code generates; docs and
//! health routes answer.

use crate::support::TestHub;

#[test]
fn openapi_and_schemas_are_in_sync() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut stale = Vec::new();
    let files = edi_hub_api::spec::generated_files(&root);
    assert!(files.iter().any(|(p, _)| p == "README.md"), "the README has the access table markers");
    for (path, generated) in files {
        let committed = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        if committed != generated {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "generated files differ from the committed ones: {stale:?}; run `cargo run -p edi-hub -- spec`"
    );
}

#[tokio::test]
async fn served_spec_docs_and_health() {
    let hub = TestHub::start().await;
    let spec: serde_json::Value = hub.client.get(hub.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(spec, committed);
    for path in [
        "/api/v1/submissions/{organisation}/{dataset}/{period}",
        "/api/v1/validate/{dataset}",
        "/api/v1/submissions",
        "/api/v1/submissions/{id}",
        "/api/v1/coverage",
        "/api/v1/reference/population",
        "/api/v1/benchmarks/{metric}",
        "/api/v1/metrics",
        "/healthz",
        "/readyz",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path}");
    }
    let docs = hub.client.get(hub.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger"), "docs page");
    assert!(!html.contains("https://"), "the docs page loads nothing from the network");
    let ready: serde_json::Value = hub.client.get(hub.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let hub = TestHub::start().await;
    let r = hub.client.get(hub.url("/healthz")).send().await.unwrap();
    assert!(r.headers().contains_key("x-request-id"));
}
