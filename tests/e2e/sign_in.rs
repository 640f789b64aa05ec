//! Single sign-on end to end: the hub's real sign-in routes against a
//! stand-in OpenID provider. A mapped person's session acts exactly like a
//! token of their role; every ID token that fails a check, every forged or
//! garbled callback and every unmapped person is refused with a clear 4xx
//! (never a 500), and logged; cookies carry their attributes; requests
//! that change something need the session's CSRF token and the hub's
//! origin; sign-out ends the session on every process.

use edi_hub_store::{Grant, Role, Subject};
use serde_json::Value;

use crate::fixtures;
use crate::oidc::{Account, Fault, PUBLIC_URL, Provider, browser, set_cookies, sign_in, start};
use crate::support::{TestHub, logs};

pub(crate) async fn map(hub: &TestHub, email: &str, role: Role, organisation: Option<&str>) {
    let grant = Grant::new(role, organisation.map(|o| o.parse().unwrap())).unwrap();
    hub.store.users().set(Subject::email(email).unwrap(), grant, None).await.unwrap();
}

/// `GET path` with a session cookie.
async fn get_with(hub: &TestHub, path: &str, session: &str) -> reqwest::Response {
    browser().get(hub.url(path)).header("cookie", format!("edi-hub-session={session}")).send().await.unwrap()
}

pub(crate) async fn audit(hub: &TestHub, action: &str) -> Vec<Value> {
    let steward = hub.steward().await;
    let events = hub.get_json(&format!("/api/v1/audit?action={action}&limit=1000"), &steward).await;
    events["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_mapped_person_signs_in_and_acts_as_their_role() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    map(&hub, "Sam.Submitter@harrow.gov.uk", Role::Submitter, Some("E09000015")).await;
    let started = std::time::Instant::now();
    let signed = sign_in(&hub.base, &provider, &Account::new("sam.submitter@HARROW.gov.uk")).await;
    println!("sign-in round trip against the stand-in provider: {} ms", started.elapsed().as_millis());
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.location.as_deref(), Some("/"));
    let session = signed.session().expect("a session cookie");
    let (_, _, attributes) = signed.cookies.iter().find(|(n, _, _)| n == "edi-hub-session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
        assert!(attributes.contains(attribute), "{attributes}");
    }
    assert!(!attributes.contains("Secure"), "http public URL: not Secure ({attributes})");
    // The flow cookie is used once: deleted by the callback.
    assert!(signed.cookies.iter().any(|(n, v, a)| n == "edi-hub-sign-in" && v.is_empty() && a.contains("Max-Age=0")));

    let me: Value = get_with(&hub, "/api/v1/whoami", &session).await.json().await.unwrap();
    assert_eq!((me["role"].as_str(), me["organisation"].as_str()), (Some("submitter"), Some("E09000015")));
    assert_eq!(me["session"]["email"], "sam.submitter@harrow.gov.uk");
    let csrf = me["session"]["csrf_token"].as_str().unwrap().to_string();
    assert!(!me.to_string().contains(&session), "the session id is never echoed");

    // Reading: as a submitter token would (its own organisation's submissions).
    assert_eq!(get_with(&hub, "/api/v1/coverage", &session).await.status(), 200);
    assert_eq!(get_with(&hub, "/api/v1/tokens", &session).await.status(), 403, "not a steward");

    // Changing something: the CSRF token and the hub's own origin are both needed.
    let upload = |origin: Option<&'static str>, token: Option<String>| {
        let mut r = browser()
            .put(hub.url("/api/v1/submissions/E09000015/casework/2025-Q1"))
            .header("cookie", format!("edi-hub-session={session}"))
            .header("content-type", "text/csv")
            .body(fixtures::CASEWORK);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        r.send()
    };
    assert_eq!(upload(Some(PUBLIC_URL), None).await.unwrap().status(), 403, "no CSRF token");
    assert_eq!(upload(None, Some(csrf.clone())).await.unwrap().status(), 403, "no Origin");
    assert_eq!(upload(Some("https://evil.example"), Some(csrf.clone())).await.unwrap().status(), 403, "another origin");
    assert_eq!(upload(Some(PUBLIC_URL), Some("x".repeat(43))).await.unwrap().status(), 403, "a wrong token");
    let r = upload(Some(PUBLIC_URL), Some(csrf.clone())).await.unwrap();
    assert_eq!(r.status(), 201);
    let stored: Value = r.json().await.unwrap();
    let r = browser()
        .put(hub.url("/api/v1/submissions/E09000016/casework/2025-Q1"))
        .header("cookie", format!("edi-hub-session={session}"))
        .header("origin", PUBLIC_URL)
        .header("x-csrf-token", &csrf)
        .header("content-type", "text/csv")
        .body(fixtures::CASEWORK)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "another organisation's upload, as for a token");

    // The access log names the person: the sign-in, the CSRF refusals, the upload.
    let sign_ins = audit(&hub, "sign_in").await;
    assert!(sign_ins.iter().any(|e| e["actor"] == "sam.submitter@harrow.gov.uk" && e["outcome"] == "success"));
    assert!(audit(&hub, "csrf_refused").await.len() >= 4);
    let uploads = audit(&hub, "upload").await;
    assert!(uploads.iter().any(|e| e["submission_id"] == stored["id"] && e["actor"] == "sam.submitter@harrow.gov.uk"));

    // Sign-out: CSRF-protected, ends the session on the server, deletes the cookie.
    let logout = |token: Option<&str>| {
        let mut r = browser()
            .post(hub.url("/auth/logout"))
            .header("cookie", format!("edi-hub-session={session}"))
            .header("origin", PUBLIC_URL);
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        r.send()
    };
    assert_eq!(logout(None).await.unwrap().status(), 403);
    assert_eq!(get_with(&hub, "/api/v1/whoami", &session).await.status(), 200, "still signed in");
    let r = logout(Some(&csrf)).await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(set_cookies(&r).iter().any(|(n, v, a)| n == "edi-hub-session" && v.is_empty() && a.contains("Max-Age=0")));
    assert_eq!(get_with(&hub, "/api/v1/whoami", &session).await.status(), 401, "the session has ended");
    assert!(audit(&hub, "sign_out").await.iter().any(|e| e["actor"] == "sam.submitter@harrow.gov.uk"));

    // Neither the session id, nor its CSRF token, nor the flow cookie is ever logged.
    let text = logs();
    assert!(text.contains("sign-in") || text.contains("request"), "logs were captured");
    assert!(!text.contains(&session) && !text.contains(&csrf), "a session id or CSRF token appeared in the logs");
    let store_text = all_stored_text(&hub);
    assert!(!store_text.contains(&session) && !store_text.contains(&csrf), "a session id or CSRF token was stored");
}

/// Every object in the store as text (to look for secrets).
fn all_stored_text(hub: &TestHub) -> String {
    fn walk(dir: &std::path::Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            out.push_str(&p.to_string_lossy());
            if p.is_dir() {
                walk(&p, out);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    let mut out = String::new();
    walk(hub.dir.path(), &mut out);
    out
}

#[tokio::test]
async fn id_tokens_failing_a_check_are_refused() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    map(&hub, "ana@london.gov.uk", Role::Analyst, None).await;
    let ana = Account::new("ana@london.gov.uk");
    for (fault, status, reason) in [
        (Fault::WrongIssuer, 401, "issuer"),
        (Fault::WrongAudience, 401, "audience"),
        (Fault::Expired, 401, "expired"),
        (Fault::WrongNonce, 401, "nonce"),
        (Fault::BadSignature, 401, "signature"),
        (Fault::UnknownKey, 401, "no key of the provider matches"),
        (Fault::NoEmail, 403, "no email address"),
        (Fault::UnverifiedEmail, 403, "not verified"),
    ] {
        provider.set_fault(Some(fault));
        let signed = sign_in(&hub.base, &provider, &ana).await;
        assert_eq!(signed.status, status, "{fault:?}: {}", signed.body);
        assert!(signed.session().is_none(), "{fault:?} gave a session");
        assert!(signed.body.contains("<h1>"), "{fault:?}: a page for the person");
        let refusals = audit(&hub, "sign_in").await;
        assert!(
            refusals.iter().any(|e| e["outcome"] != "success" && e["detail"].as_str().unwrap_or("").contains(reason)),
            "{fault:?} is logged with its reason '{reason}': {refusals:?}"
        );
    }
    provider.set_fault(None);
    let signed = sign_in(&hub.base, &provider, &ana).await;
    assert_eq!(signed.status, 303, "the same person, with a sound ID token");
    assert!(signed.session().is_some());
}

#[tokio::test]
async fn an_unmapped_person_is_told_to_ask_the_steward_and_gets_nothing_else() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    let signed = sign_in(&hub.base, &provider, &Account::new("uma@camden.gov.uk")).await;
    assert_eq!(signed.status, 403);
    assert!(signed.session().is_none(), "no session for an unmapped person");
    assert!(signed.body.contains("Ask the hub&#39;s steward for access"), "{}", signed.body);
    assert!(signed.body.contains("uma@camden.gov.uk"));
    assert!(!signed.body.contains("<script"), "the page is the message and nothing else");
    let refusals = audit(&hub, "sign_in").await;
    assert!(refusals.iter().any(|e| e["actor"] == "uma@camden.gov.uk" && e["outcome"] == "denied"));
    // Once a steward maps them, the next sign-in works.
    map(&hub, "uma@camden.gov.uk", Role::Analyst, None).await;
    assert_eq!(sign_in(&hub.base, &provider, &Account::new("uma@camden.gov.uk")).await.status, 303);
}

#[tokio::test]
async fn forged_and_garbled_callbacks_are_clear_4xx() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    map(&hub, "ana@london.gov.uk", Role::Analyst, None).await;
    let ana = Account::new("ana@london.gov.uk");
    let client = browser();
    let get = |path: String, cookie: Option<String>| {
        let mut r = client.get(hub.url(&path));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send()
    };
    // No sign-in started in this browser, garbage, the provider's own error.
    for path in [
        "/auth/callback",
        "/auth/callback?code=abc",
        "/auth/callback?state=abc",
        "/auth/callback?code=abc&state=def",
        "/auth/callback?code=%FF%FE&state=%00",
        "/auth/callback?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C/script%3E",
        "/auth/callback?code=a&code=b&state=c&state=d",
    ] {
        let r = get(path.to_string(), None).await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(!body.contains("<script>"), "{path}: values are escaped");
    }
    let r = get("/auth/callback?error=x&error_description=Call%20this%20number".to_string(), None).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(!r.text().await.unwrap().contains("Call this number"), "no text of a crafted link on the hub's page");
    let long = format!("/auth/callback?code={}&state={}", "a".repeat(10_000), "b".repeat(10_000));
    assert_eq!(get(long, None).await.unwrap().status(), 400);

    // A forged flow cookie, another sign-in's state, a replayed code.
    let issued = provider.tokens_issued();
    let (location, flow) = start(&hub.base).await;
    let callback = provider.authorize(&location, &ana);
    let (name, value) = flow.split_once('=').unwrap();
    let forged = format!("{name}={}x", &value[..value.len() - 1]);
    assert_eq!(get(callback.clone(), Some(forged)).await.unwrap().status(), 400, "a forged flow cookie");
    let garbage = format!("{name}=%%%.%%%");
    assert_eq!(get(callback.clone(), Some(garbage)).await.unwrap().status(), 400, "a garbled flow cookie");
    let (_, other_flow) = start(&hub.base).await;
    assert_eq!(get(callback.clone(), Some(other_flow)).await.unwrap().status(), 400, "another sign-in's cookie");
    assert_eq!(provider.tokens_issued(), issued, "a callback the hub refused never reached the provider");
    let r = get(callback.clone(), Some(flow.clone())).await.unwrap();
    assert_eq!(r.status(), 303, "the sign-in itself works");
    assert_eq!(provider.tokens_issued(), issued + 1);
    let r = get(callback, Some(flow)).await.unwrap();
    assert_eq!(r.status(), 400, "a replayed code is refused by the provider");
    assert!(set_cookies(&r).iter().all(|(n, v, _)| n != "edi-hub-session" || v.is_empty()));

    // Garbled session cookies are simply not signed in.
    for cookie in ["edi-hub-session=", "edi-hub-session=%%%", "edi-hub-session=短い", "edi-hub-session=AAAA"] {
        let r = client.get(hub.url("/api/v1/whoami")).header("cookie", cookie).send().await.unwrap();
        assert_eq!(r.status(), 401, "{cookie}");
    }
    let r = client.post(hub.url("/auth/logout")).header("cookie", "edi-hub-session=nonsense").send().await.unwrap();
    assert_eq!(r.status(), 204, "nothing to end");
}

#[tokio::test]
async fn role_claim_values_map_groups_and_a_persons_own_mapping_wins() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    let steward = hub.steward().await;
    let put = |path: &str, body: Value| hub.client.put(hub.url(path)).bearer_auth(&steward).json(&body).send();
    let r = put("/api/v1/role-claims/hr-harrow", serde_json::json!({"role": "submitter", "organisation": "E09000015"}));
    assert_eq!(r.await.unwrap().status(), 200);
    assert_eq!(put("/api/v1/role-claims/dtg", serde_json::json!({"role": "analyst"})).await.unwrap().status(), 200);

    let hr = Account::in_groups("pat@harrow.gov.uk", &["all-staff", "hr-harrow"]);
    let signed = sign_in(&hub.base, &provider, &hr).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let me: Value = get_with(&hub, "/api/v1/whoami", &signed.session().unwrap()).await.json().await.unwrap();
    assert_eq!((me["role"].as_str(), me["organisation"].as_str()), (Some("submitter"), Some("E09000015")));

    let both = Account::in_groups("kim@harrow.gov.uk", &["hr-harrow", "dtg"]);
    let signed = sign_in(&hub.base, &provider, &both).await;
    assert_eq!(signed.status, 403, "groups that map to different roles");
    assert!(signed.body.contains("ambiguous"));
    // A person's own mapping wins over their groups'.
    let r = put("/api/v1/users/kim@harrow.gov.uk", serde_json::json!({"role": "steward"})).await.unwrap();
    assert_eq!(r.status(), 200);
    let signed = sign_in(&hub.base, &provider, &both).await;
    let me: Value = get_with(&hub, "/api/v1/whoami", &signed.session().unwrap()).await.json().await.unwrap();
    assert_eq!(me["role"], "steward");
}

#[tokio::test]
async fn sessions_follow_mapping_changes_and_end_on_every_replica() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    let replica = hub.replica_with(provider.hub_config()).await;
    map(&hub, "ana@london.gov.uk", Role::Analyst, None).await;
    let signed = sign_in(&hub.base, &provider, &Account::new("ana@london.gov.uk")).await;
    let session = signed.session().unwrap();
    assert_eq!(get_with(&replica, "/api/v1/whoami", &session).await.status(), 200, "a session works on every process");
    // A steward's change reaches the session (a token would need reissuing).
    map(&hub, "ana@london.gov.uk", Role::Steward, None).await;
    let me: Value = get_with(&hub, "/api/v1/whoami", &session).await.json().await.unwrap();
    assert_eq!(me["role"], "steward");
    let me: Value = get_with(&hub, "/api/v1/whoami", &session).await.json().await.unwrap();
    let csrf = me["session"]["csrf_token"].as_str().unwrap().to_string();
    let r = browser()
        .post(hub.url("/auth/logout"))
        .header("cookie", format!("edi-hub-session={session}"))
        .header("origin", PUBLIC_URL)
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let started = std::time::Instant::now();
    while get_with(&replica, "/api/v1/whoami", &session).await.status() != 401 {
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "the replica still accepts an ended session");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Removing a person's mapping stops their sessions at once.
    let signed = sign_in(&hub.base, &provider, &Account::new("ana@london.gov.uk")).await;
    let session = signed.session().unwrap();
    assert!(hub.store.users().remove(&Subject::email("ana@london.gov.uk").unwrap(), None).await.unwrap());
    let r = get_with(&hub, "/api/v1/whoami", &session).await;
    assert_eq!(r.status(), 401);
    let problem: Value = r.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("ask the hub's data steward"), "{problem}");
}

#[tokio::test]
async fn an_https_hub_sets_secure_host_cookies_and_sessions_expire() {
    let provider = Provider::start().await;
    let mut config = provider.hub_config();
    let mut sign_in_config = provider.config("https://edi-hub.example.gov.uk", None);
    sign_in_config.session_lifetime = std::time::Duration::from_secs(2);
    config.sign_in = Some(sign_in_config);
    let hub = TestHub::start_with(config).await;
    map(&hub, "ana@london.gov.uk", Role::Analyst, None).await;
    let r = browser().get(hub.url("/auth/login")).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("redirect_uri=https%3A%2F%2Fedi-hub.example.gov.uk%2Fauth%2Fcallback"), "{location}");
    let (name, value, attributes) = set_cookies(&r).into_iter().next().unwrap();
    assert_eq!(name, "__Host-edi-hub-sign-in");
    assert!(attributes.contains("Secure") && attributes.contains("HttpOnly") && attributes.contains("Max-Age=600"));
    let callback = provider.authorize(&location, &Account::new("ana@london.gov.uk"));
    let r = browser().get(hub.url(&callback)).header("cookie", format!("{name}={value}")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let cookies = set_cookies(&r);
    let (_, session, attributes) =
        cookies.iter().find(|(n, v, _)| n == "__Host-edi-hub-session" && !v.is_empty()).unwrap();
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2"] {
        assert!(attributes.contains(attribute), "{attributes}");
    }
    let who = |session: String| {
        browser().get(hub.url("/api/v1/whoami")).header("cookie", format!("__Host-edi-hub-session={session}")).send()
    };
    assert_eq!(who(session.clone()).await.unwrap().status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(who(session.clone()).await.unwrap().status(), 401, "the session's lifetime is over");
}

#[tokio::test]
async fn hubs_without_single_sign_on_say_so() {
    let hub = TestHub::start().await;
    let options: Value = hub.client.get(hub.url("/auth/config")).send().await.unwrap().json().await.unwrap();
    assert_eq!(options["single_sign_on"], false);
    assert!(options["sign_in_url"].is_null());
    let r = browser().get(hub.url("/auth/login")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(browser().get(hub.url("/auth/callback?code=a&state=b")).send().await.unwrap().status(), 404);
    // A session cookie means nothing to it.
    let r = browser().get(hub.url("/api/v1/whoami")).header("cookie", "edi-hub-session=abc").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    let options: Value = hub.client.get(hub.url("/auth/config")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (options["single_sign_on"].as_bool(), options["sign_in_url"].as_str()),
        (Some(true), Some("/auth/login"))
    );
    assert_eq!(options["issuer"], provider.issuer.as_str());
}

#[tokio::test]
async fn an_unreachable_provider_is_a_502_page_not_a_crash() {
    let provider = Provider::start().await;
    let mut config = provider.hub_config();
    drop(provider);
    if let Some(c) = config.sign_in.as_mut() {
        c.issuer = "http://127.0.0.1:9".into();
    }
    let hub = TestHub::start_with(config).await;
    let r = browser().get(hub.url("/auth/login")).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(r.text().await.unwrap().contains("Sign-in is not available just now"));
}
