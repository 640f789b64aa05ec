//! Authentication and roles on every route.

use crate::fixtures;
use crate::support::TestHub;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Nobody,
    BadToken,
    RevokedToken,
    OwnSubmitter,
    OtherSubmitter,
    Analyst,
    Steward,
}

const WHO: [Who; 7] =
    [Who::Nobody, Who::BadToken, Who::RevokedToken, Who::OwnSubmitter, Who::OtherSubmitter, Who::Analyst, Who::Steward];

/// (method, path, body content type, body, expected status per WHO entry; 0: checked separately)
type Route<'a> = (&'a str, String, Option<&'a str>, &'a str, [u16; 7]);

#[tokio::test]
async fn the_authorisation_matrix_holds() {
    let hub = TestHub::start().await;
    let own = hub.submitter("E09000012").await;
    let other = hub.submitter("E09000013").await;
    let analyst = hub.analyst().await;
    let steward = hub.steward().await;
    let revoked = hub.analyst().await;
    assert!(hub.store.tokens().revoke(revoked.split('_').nth(1).unwrap()).await.unwrap());
    let throwaway = hub.analyst().await;
    let existing = hub.submit_csv("E09000012", "casework", "2024-Q1", fixtures::CASEWORK).await;
    let population = "organisation,ethnicity,residents\nE09000012,white,1000\nE09000012,black,400\n";

    let withdraw_path = format!("/api/v1/submissions/{}", existing["id"].as_str().unwrap());
    let revoke_path = format!("/api/v1/tokens/{}", throwaway.split('_').nth(1).unwrap());
    let api = [401, 401, 401, 200, 200, 200, 200];
    let stewards = [401, 401, 401, 403, 403, 403, 200];
    let open = [200; 7];
    let routes: Vec<Route> = vec![
        (
            "PUT",
            "/api/v1/submissions/E09000012/casework/2025-Q1".into(),
            Some("text/csv"),
            fixtures::CASEWORK,
            [401, 401, 401, 201, 403, 403, 403],
        ),
        ("DELETE", withdraw_path, None, "", [401, 401, 401, 0, 403, 403, 0]),
        ("POST", "/api/v1/validate/casework".into(), Some("text/csv"), fixtures::CASEWORK, api),
        ("GET", "/api/v1/submissions".into(), None, "", api),
        ("GET", "/api/v1/coverage".into(), None, "", api),
        ("GET", "/api/v1/metrics".into(), None, "", api),
        ("GET", "/api/v1/benchmarks/workforce_share?period=2025-Q1".into(), None, "", api),
        ("GET", "/api/v1/organisations/E09000012/profile?period=2025-Q1".into(), None, "", api),
        ("PUT", "/api/v1/reference/population".into(), Some("text/csv"), population, stewards),
        (
            "POST",
            "/api/v1/tokens".into(),
            Some("application/json"),
            r#"{"role": "analyst"}"#,
            [401, 401, 401, 403, 403, 403, 201],
        ),
        ("GET", "/api/v1/tokens".into(), None, "", stewards),
        ("DELETE", revoke_path, None, "", [401, 401, 401, 403, 403, 403, 204]),
        ("GET", "/api/v1/audit".into(), None, "", stewards),
        ("GET", "/healthz".into(), None, "", open),
        ("GET", "/readyz".into(), None, "", open),
        ("GET", "/metrics".into(), None, "", open),
        ("GET", "/openapi.json".into(), None, "", open),
    ];
    let mut checked = 0;
    for (method, path, content_type, body, expected) in &routes {
        for (i, who) in WHO.iter().enumerate() {
            if expected[i] == 0 {
                continue;
            }
            let token = match who {
                Who::Nobody => None,
                Who::BadToken => Some("edi_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_string()),
                Who::RevokedToken => Some(revoked.clone()),
                Who::OwnSubmitter => Some(own.clone()),
                Who::OtherSubmitter => Some(other.clone()),
                Who::Analyst => Some(analyst.clone()),
                Who::Steward => Some(steward.clone()),
            };
            let mut request = hub.client.request(method.parse().unwrap(), hub.url(path));
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            if let Some(ct) = content_type {
                request = request.header("content-type", *ct).body(body.to_string());
            }
            let r = request.send().await.unwrap();
            assert_eq!(r.status().as_u16(), expected[i], "{method} {path} as {who:?}");
            if expected[i] == 401 {
                assert!(r.headers().contains_key("www-authenticate"));
            }
            checked += 1;
        }
    }
    // Withdrawal by the owner, then (on a fresh submission) by a steward.
    for token in [&own, &steward] {
        let s = hub.submit_csv("E09000012", "survey", "2024-Q2", fixtures::SURVEY).await;
        let r = hub.withdraw(s["id"].as_str().unwrap(), token).await;
        assert_eq!(r.status(), 204);
        checked += 1;
    }
    assert_eq!(checked, routes.len() * WHO.len());
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
