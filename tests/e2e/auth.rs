//! Authentication and roles on every route.

use crate::fixtures;
use edi_hub_api::ServerConfig;
use edi_hub_api::access::{Access, CallerKind as Caller, Route, TABLE};
use edi_hub_store::{Grant, Role, Subject};

use crate::oidc::{Account, PUBLIC_URL, Provider, browser, sign_in, start};
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

/// What a route of the access table acts on, fresh for each request.
struct Fresh {
    submission: String,
    token_id: String,
    target: String,
    /// A person and a role-claim value with a mapping (to remove).
    email: String,
    claim: String,
}

/// A concrete request for a route of the access table: path, content type and body.
fn request_for(route: &Route, fresh: &Fresh) -> (String, Option<&'static str>, String) {
    let (submission, token_id, target) = (&fresh.submission, &fresh.token_id, &fresh.target);
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
        ("PUT", "/api/v1/users/{email}") => (
            "/api/v1/users/new.person@harrow.gov.uk".into(),
            Some("application/json"),
            r#"{"role": "submitter", "organisation": "E09000015"}"#.into(),
        ),
        ("DELETE", "/api/v1/users/{email}") => (format!("/api/v1/users/{}", fresh.email), None, String::new()),
        ("PUT", "/api/v1/role-claims/{value}") => {
            ("/api/v1/role-claims/analysts".into(), Some("application/json"), r#"{"role": "analyst"}"#.into())
        }
        ("DELETE", "/api/v1/role-claims/{value}") => {
            (format!("/api/v1/role-claims/{}", fresh.claim), None, String::new())
        }
        (_, path) => {
            assert!(!path.contains('{'), "no concrete request for {path}");
            (path.into(), None, String::new())
        }
    }
}

/// How a caller of the matrix presents itself.
#[derive(Debug, Clone)]
enum Credential {
    None,
    Bearer(String),
    /// A session cookie and its CSRF token (sent with the hub's own Origin).
    Session(String, String),
}

/// Signs a mapped person in; returns the session id and its CSRF token.
async fn session_of(
    hub: &TestHub,
    provider: &Provider,
    email: &str,
    role: Role,
    organisation: Option<&str>,
) -> (String, String) {
    let grant = Grant::new(role, organisation.map(|o| o.parse().unwrap())).unwrap();
    hub.store.users().set(Subject::email(email).unwrap(), grant, None).await.unwrap();
    let signed = sign_in(&hub.base, provider, &Account::new(email)).await;
    let session = signed.session().expect("a session");
    let who: serde_json::Value = browser()
        .get(hub.url("/api/v1/whoami"))
        .header("cookie", format!("edi-hub-session={session}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (session, who["session"]["csrf_token"].as_str().unwrap().to_string())
}

/// The access table, walked against the live router: every route x every
/// kind of caller, each with a bearer token and (for routes that need one)
/// with a signed-in person's session cookie, which must act exactly alike.
#[tokio::test]
async fn the_authorisation_matrix_holds() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(ServerConfig {
        rate_limit: 0,
        refresh_interval: std::time::Duration::from_millis(200),
        sign_in: Some(provider.config(PUBLIC_URL, Some("groups"))),
        ..ServerConfig::default()
    })
    .await;
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
    let own_session = session_of(&hub, &provider, "own@e09000012.gov.uk", Role::Submitter, Some("E09000012")).await;
    let other_session = session_of(&hub, &provider, "other@e09000013.gov.uk", Role::Submitter, Some("E09000013")).await;
    let analyst_session = session_of(&hub, &provider, "analyst@london.gov.uk", Role::Analyst, None).await;
    let steward_session = session_of(&hub, &provider, "steward@london.gov.uk", Role::Steward, None).await;
    let ended = session_of(&hub, &provider, "ended@london.gov.uk", Role::Analyst, None).await;
    let r = browser()
        .post(hub.url("/auth/logout"))
        .header("cookie", format!("edi-hub-session={}", ended.0))
        .header("origin", PUBLIC_URL)
        .header("x-csrf-token", &ended.1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let session = |(id, csrf): &(String, String)| Credential::Session(id.clone(), csrf.clone());
    let mut checked = 0;
    for route in TABLE {
        for caller in Caller::ALL {
            let bearer = match caller {
                Caller::NoToken => Credential::None,
                Caller::BadToken => {
                    Credential::Bearer("edi_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_string())
                }
                Caller::RevokedToken => Credential::Bearer(revoked.clone()),
                Caller::OwnSubmitter => Credential::Bearer(own.clone()),
                Caller::OtherSubmitter => Credential::Bearer(other.clone()),
                Caller::Analyst => Credential::Bearer(analyst.clone()),
                Caller::Steward => Credential::Bearer(steward.clone()),
            };
            let cookie = match caller {
                Caller::NoToken => None,
                Caller::BadToken => Some(Credential::Session("A".repeat(43), "B".repeat(43))),
                Caller::RevokedToken => Some(session(&ended)),
                Caller::OwnSubmitter => Some(session(&own_session)),
                Caller::OtherSubmitter => Some(session(&other_session)),
                Caller::Analyst => Some(session(&analyst_session)),
                Caller::Steward => Some(session(&steward_session)),
            };
            // Open routes do not look at credentials; the others are tried both ways.
            let credentials = match cookie {
                Some(c) if route.access != Access::Open => vec![bearer, c],
                _ => vec![bearer],
            };
            for credential in credentials {
                let status = send(&hub, &provider, route, &credential).await;
                let expected = route.expected(caller);
                assert_eq!(status.0, expected, "{} {} as {caller:?} with {credential:?}", route.method, route.path);
                if expected == 401 {
                    assert!(status.1, "401 with WWW-Authenticate");
                }
                checked += 1;
            }
        }
    }
    let open = TABLE.iter().filter(|r| r.access == Access::Open).count();
    let expected_checks = TABLE.len() * Caller::ALL.len() + (TABLE.len() - open) * (Caller::ALL.len() - 1);
    assert_eq!(checked, expected_checks);
    println!(
        "authorisation matrix: {checked} checks ({} routes x {} callers, with tokens and with sign-in sessions), all as specified",
        TABLE.len(),
        Caller::ALL.len()
    );
}

/// One request of the matrix; its status and whether it carried `WWW-Authenticate`.
async fn send(hub: &TestHub, provider: &Provider, route: &Route, credential: &Credential) -> (u16, bool) {
    // Withdrawals, revocations and removals need something fresh to act on each time.
    let mut fresh = Fresh {
        submission: String::new(),
        token_id: String::new(),
        target: String::new(),
        email: String::new(),
        claim: String::new(),
    };
    let grant = Grant::new(Role::Analyst, None).unwrap();
    let n = rand::random::<u32>();
    match (route.method, route.path) {
        // A release needs a change since the last one.
        ("DELETE", "/api/v1/submissions/{id}") | ("POST", "/api/v1/periods/{period}/releases") => {
            let submission = hub.submit_csv("E09000012", "survey", "2024-Q2", fixtures::SURVEY).await;
            fresh.submission = submission["id"].as_str().unwrap().to_string();
        }
        ("DELETE", "/api/v1/tokens/{id}") => {
            fresh.token_id = hub.analyst().await.split('_').nth(1).unwrap().to_string();
        }
        ("DELETE", "/api/v1/organisations/{organisation}/targets/{id}") => {
            fresh.target = hub.store.create_target(target_of("E09000012")).await.unwrap().id;
        }
        ("DELETE", "/api/v1/users/{email}") => {
            fresh.email = format!("leaver{n}@harrow.gov.uk");
            hub.store.users().set(Subject::email(&fresh.email).unwrap(), grant, None).await.unwrap();
        }
        ("DELETE", "/api/v1/role-claims/{value}") => {
            fresh.claim = format!("group-{n}");
            hub.store.users().set(Subject::claim(&fresh.claim).unwrap(), grant, None).await.unwrap();
        }
        _ => {}
    }
    let (path, content_type, body) = request_for(route, &fresh);
    let client = browser();
    let mut request = client.request(route.method.parse().unwrap(), hub.url(&path));
    if (route.method, route.path) == ("GET", "/auth/callback") {
        // A sign-in this browser started, back from the provider.
        let (location, flow) = start(&hub.base).await;
        let callback = provider.authorize(&location, &Account::new("analyst@london.gov.uk"));
        request = client.get(hub.url(&callback)).header("cookie", flow);
    }
    match credential {
        Credential::None => {}
        Credential::Bearer(t) => request = request.bearer_auth(t),
        Credential::Session(id, csrf) => {
            request = request
                .header("cookie", format!("edi-hub-session={id}"))
                .header("origin", PUBLIC_URL)
                .header("x-csrf-token", csrf);
        }
    }
    if let Some(ct) = content_type {
        request = request.header("content-type", ct).body(body);
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.headers().contains_key("www-authenticate"))
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
