//! Authentication and roles on every route.

use crate::fixtures;
use edi_hub_api::access::{CallerKind as Caller, Route, TABLE};

use crate::support::TestHub;

/// A private target of `organisation`, written straight to the store.
fn target_of(organisation: &str) -> edi_hub_store::NewTarget {
    edi_hub_store::NewTarget {
        organisation: organisation.parse().unwrap(),
        metric: "workforce_share".into(),
        parameters: [("group".to_string(), "ethnic_minority".to_string())].into(),
        target: 35.0,
        by: "2026-Q4".parse().unwrap(),
        visibility: edi_hub_core::targets::Visibility::Private,
        created_by: None,
    }
}

/// A concrete request for a route of the access table: path, content type and body.
fn request_for(
    route: &Route,
    submission: &str,
    token_id: &str,
    target: &str,
) -> (String, Option<&'static str>, String) {
    let population = "organisation,ethnicity,residents\nE09000012,white,1000\nE09000012,black,400\n";
    match (route.method, route.path) {
        ("PUT", "/api/v1/submissions/{organisation}/{dataset}/{period}") => {
            ("/api/v1/submissions/E09000012/casework/2025-Q1".into(), Some("text/csv"), fixtures::CASEWORK.into())
        }
        ("DELETE", "/api/v1/submissions/{id}") => (format!("/api/v1/submissions/{submission}"), None, String::new()),
        ("POST", "/api/v1/validate/{dataset}") => {
            ("/api/v1/validate/casework".into(), Some("text/csv"), fixtures::CASEWORK.into())
        }
        ("GET", "/api/v1/benchmarks/{metric}") => {
            ("/api/v1/benchmarks/workforce_share?period=2025-Q1".into(), None, String::new())
        }
        ("GET", "/api/v1/organisations/{organisation}/profile") => {
            ("/api/v1/organisations/E09000012/profile?period=2025-Q1".into(), None, String::new())
        }
        ("GET", "/api/v1/organisations/{organisation}/report") => {
            ("/api/v1/organisations/E09000012/report?period=2025-Q1".into(), None, String::new())
        }
        ("GET", "/api/v1/organisations/{organisation}/targets") => {
            ("/api/v1/organisations/E09000012/targets".into(), None, String::new())
        }
        ("POST", "/api/v1/organisations/{organisation}/targets") => (
            "/api/v1/organisations/E09000012/targets".into(),
            Some("application/json"),
            r#"{"metric": "workforce_share", "parameters": {"group": "black"}, "target": 30, "by": "2026-Q4"}"#.into(),
        ),
        ("DELETE", "/api/v1/organisations/{organisation}/targets/{id}") => {
            (format!("/api/v1/organisations/E09000012/targets/{target}"), None, String::new())
        }
        ("PUT", "/api/v1/periods/{period}/schedule") => (
            "/api/v1/periods/2024-Q2/schedule".into(),
            Some("application/json"),
            r#"{"deadline": "2025-07-01T00:00:00Z", "release_at": "2025-07-08T00:00:00Z"}"#.into(),
        ),
        ("POST", "/api/v1/periods/{period}/releases") => {
            ("/api/v1/periods/2024-Q2/releases".into(), None, String::new())
        }
        ("PUT", "/api/v1/reference/population") => (route.path.into(), Some("text/csv"), population.into()),
        ("POST", "/api/v1/tokens") => (route.path.into(), Some("application/json"), r#"{"role": "analyst"}"#.into()),
        ("DELETE", "/api/v1/tokens/{id}") => (format!("/api/v1/tokens/{token_id}"), None, String::new()),
        (_, path) => {
            assert!(!path.contains('{'), "no concrete request for {path}");
            (path.into(), None, String::new())
        }
    }
}

/// The access table, walked against the live router: every route x every kind of caller.
#[tokio::test]
async fn the_authorisation_matrix_holds() {
    let hub = TestHub::collecting().await;
    let own = hub.submitter("E09000012").await;
    let other = hub.submitter("E09000013").await;
    let analyst = hub.analyst().await;
    let steward = hub.steward().await;
    let revoked = hub.analyst().await;
    assert!(hub.store.tokens().revoke(revoked.split('_').nth(1).unwrap()).await.unwrap());
    // A published quarter, so that every caller may read its report.
    hub.submit_csv("E09000012", "workforce", "2025-Q1", fixtures::WORKFORCE).await;
    let r = hub.client.post(hub.url("/api/v1/periods/2025-Q1/releases")).bearer_auth(&steward).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let mut checked = 0;
    for route in TABLE {
        for caller in Caller::ALL {
            let token = match caller {
                Caller::NoToken => None,
                Caller::BadToken => {
                    Some("edi_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_string())
                }
                Caller::RevokedToken => Some(revoked.clone()),
                Caller::OwnSubmitter => Some(own.clone()),
                Caller::OtherSubmitter => Some(other.clone()),
                Caller::Analyst => Some(analyst.clone()),
                Caller::Steward => Some(steward.clone()),
            };
            // Withdrawals and revocations need something fresh to act on each time.
            let submission = hub.submit_csv("E09000012", "survey", "2024-Q2", fixtures::SURVEY).await;
            let throwaway = hub.analyst().await;
            let target = hub.store.create_target(target_of("E09000012")).await.unwrap();
            let (path, content_type, body) = request_for(
                route,
                submission["id"].as_str().unwrap(),
                throwaway.split('_').nth(1).unwrap(),
                &target.id,
            );
            let mut request = hub.client.request(route.method.parse().unwrap(), hub.url(&path));
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            if let Some(ct) = content_type {
                request = request.header("content-type", ct).body(body);
            }
            let r = request.send().await.unwrap();
            let expected = route.expected(caller);
            assert_eq!(r.status().as_u16(), expected, "{} {path} as {caller:?}", route.method);
            if expected == 401 {
                assert!(r.headers().contains_key("www-authenticate"));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, TABLE.len() * Caller::ALL.len());
    println!(
        "authorisation matrix: {checked} checks ({} routes x {} callers), all as specified",
        TABLE.len(),
        Caller::ALL.len()
    );
}

#[test]
fn the_access_table_covers_every_served_operation() {
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json")).unwrap(),
    )
    .unwrap();
    let mut in_spec = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            in_spec.push((method.to_uppercase(), path.clone()));
        }
    }
    for (method, path) in &in_spec {
        assert!(
            TABLE.iter().any(|r| r.method == method && r.path == path),
            "{method} {path} is not in the access table"
        );
    }
    for r in TABLE {
        let documented = in_spec.iter().any(|(m, p)| m == r.method && p == r.path);
        assert!(
            documented || ["/openapi.json", "/docs/", "/"].contains(&r.path),
            "{} {} is not served",
            r.method,
            r.path
        );
    }
}

#[tokio::test]
async fn malformed_authorization_headers_are_401() {
    let hub = TestHub::start().await;
    for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "token", "Bearer edi_short_x"] {
        let r = hub.client.get(hub.url("/api/v1/coverage")).header("authorization", value).send().await.unwrap();
        assert_eq!(r.status(), 401, "{value}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
}

#[tokio::test]
async fn revoked_tokens_are_refused() {
    let hub = TestHub::start().await;
    let analyst = hub.analyst().await;
    assert_eq!(hub.get("/api/v1/coverage", &analyst).await.status(), 200);
    let id = analyst.split('_').nth(1).unwrap();
    assert!(hub.store.tokens().revoke(id).await.unwrap());
    assert_eq!(hub.get("/api/v1/coverage", &analyst).await.status(), 401);
}
