//! A stand-in OpenID provider for the end-to-end tests (the browser tests
//! use the certified `oidc-provider` from npm): discovery, JWKS and a token
//! endpoint that checks the client's secret, the code, the redirect URL and
//! the PKCE verifier, and returns an ID token signed with a test key. Its
//! faults make the ID token wrong in one way at a time. The "browser"
//! signs in through the hub's real routes, carrying cookies by hand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use edi_hub_api::ServerConfig;
use edi_hub_api::sign_in::{Secret, SignInConfig};
use openidconnect::core::CoreRsaPrivateSigningKey;
use openidconnect::core::{CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm};
use openidconnect::{
    AdditionalClaims, Audience, EndUserEmail, IdToken, IdTokenClaims, IssuerUrl, JsonWebKeyId, Nonce,
    PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "edi-hub-e2e";
pub const CLIENT_SECRET: &str = "e2e client secret, for the stand-in provider only";
/// The hub's public URL in these tests (the Origin its pages send).
pub const PUBLIC_URL: &str = "http://edi-hub.test";
const PROVIDER_KEY: &str = include_str!("keys/test-only-provider.pem");
const OTHER_KEY: &str = include_str!("keys/test-only-other.pem");
const KID: &str = "e2e-key-1";

/// One way to make the next ID token wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    WrongIssuer,
    WrongAudience,
    Expired,
    WrongNonce,
    /// Signed with another key under the published key's id.
    BadSignature,
    /// Signed with a key id the JWKS does not have.
    UnknownKey,
    NoEmail,
    UnverifiedEmail,
}

/// The role claim's values, as Entra ID and Keycloak send group ids.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Groups {
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<String>>,
}

impl AdditionalClaims for Groups {}

type TestIdToken = IdToken<Groups, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// A person at the provider.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub groups: Vec<String>,
}

impl Account {
    pub fn new(email: &str) -> Account {
        Account { email: email.into(), groups: Vec::new() }
    }

    pub fn in_groups(email: &str, groups: &[&str]) -> Account {
        Account { email: email.into(), groups: groups.iter().map(|g| g.to_string()).collect() }
    }
}

#[derive(Debug, Clone)]
struct Pending {
    account: Account,
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct Inner {
    issuer: String,
    codes: Mutex<HashMap<String, Pending>>,
    fault: Mutex<Option<Fault>>,
    tokens_issued: Mutex<usize>,
}

/// The stand-in provider, serving on a port of its own.
pub struct Provider {
    pub issuer: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn signing_key(pem: &str, kid: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(kid.into()))).unwrap()
}

impl Provider {
    pub async fn start() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Inner {
            issuer: issuer.clone(),
            codes: Mutex::new(HashMap::new()),
            fault: Mutex::new(None),
            tokens_issued: Mutex::new(0),
        });
        let app = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Provider { issuer, inner, task }
    }

    /// Single sign-on settings of a hub using this provider.
    pub fn config(&self, public_url: &str, role_claim: Option<&str>) -> SignInConfig {
        SignInConfig {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET.into()),
            public_url: public_url.parse().unwrap(),
            role_claim: role_claim.map(str::to_string),
            session_lifetime: std::time::Duration::from_secs(3600),
        }
    }

    /// A hub configuration (rate limits off) with single sign-on at this provider.
    pub fn hub_config(&self) -> ServerConfig {
        ServerConfig {
            rate_limit: 0,
            release_on_upload: true,
            sign_in: Some(self.config(PUBLIC_URL, Some("groups"))),
            ..ServerConfig::default()
        }
    }

    /// Makes the next ID tokens wrong in this way (or right again with `None`).
    pub fn set_fault(&self, fault: Option<Fault>) {
        *self.inner.fault.lock().unwrap() = fault;
    }

    pub fn tokens_issued(&self) -> usize {
        *self.inner.tokens_issued.lock().unwrap()
    }

    /// What the provider's sign-in page does: checks the authorization
    /// request the hub sent the browser to, and answers with the hub's
    /// callback URL holding a fresh code and the request's state.
    pub fn authorize(&self, authorize_url: &str, account: &Account) -> String {
        let url = url::Url::parse(authorize_url).unwrap();
        assert!(authorize_url.starts_with(&format!("{}/authorize?", self.issuer)), "{authorize_url}");
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], CLIENT_ID);
        assert_eq!(q["code_challenge_method"], "S256", "PKCE with S256");
        let scopes: Vec<&str> = q["scope"].split(' ').collect();
        for scope in ["openid", "email", "profile"] {
            assert!(scopes.contains(&scope), "{scopes:?}");
        }
        assert!(q["state"].len() >= 16 && q["nonce"].len() >= 16, "a random state and nonce");
        let code = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>());
        let pending = Pending {
            account: account.clone(),
            nonce: q["nonce"].clone(),
            challenge: q["code_challenge"].clone(),
            redirect_uri: q["redirect_uri"].clone(),
        };
        self.inner.codes.lock().unwrap().insert(code.clone(), pending);
        let state = url::form_urlencoded::byte_serialize(q["state"].as_bytes()).collect::<String>();
        format!("/auth/callback?code={code}&state={state}")
    }
}

async fn discovery(State(inner): State<Arc<Inner>>) -> Response {
    let base = &inner.issuer;
    axum::Json(serde_json::json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
    .into_response()
}

async fn jwks() -> Response {
    let key = signing_key(PROVIDER_KEY, KID).as_verification_key();
    axum::Json(serde_json::json!({ "keys": [key] })).into_response()
}

fn error(status: StatusCode, code: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": code }))).into_response()
}

async fn token(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: String) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let expected = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{}", urlencode(CLIENT_SECRET))));
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if field("grant_type") != "authorization_code" {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    // A code works once.
    let Some(pending) = inner.codes.lock().unwrap().remove(&field("code")) else {
        return error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
    if challenge != pending.challenge || field("redirect_uri") != pending.redirect_uri {
        return error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let fault = *inner.fault.lock().unwrap();
    let id_token = mint(&inner.issuer, &pending, fault);
    *inner.tokens_issued.lock().unwrap() += 1;
    axum::Json(serde_json::json!({
        "access_token": "e2e-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

/// The client secret as `client_secret_basic` encodes it (RFC 6749 2.3.1).
fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An ID token for `pending`, wrong in the way `fault` says.
fn mint(issuer: &str, pending: &Pending, fault: Option<Fault>) -> String {
    let now = Utc::now();
    let issuer = if fault == Some(Fault::WrongIssuer) { "https://impostor.example".to_string() } else { issuer.into() };
    let audience = if fault == Some(Fault::WrongAudience) { "another-client" } else { CLIENT_ID };
    let (issued, expires) = if fault == Some(Fault::Expired) {
        (now - Duration::hours(2), now - Duration::hours(1))
    } else {
        (now, now + Duration::minutes(5))
    };
    let mut standard = StandardClaims::new(SubjectIdentifier::new(format!("sub-{}", pending.account.email)));
    if fault != Some(Fault::NoEmail) {
        standard = standard
            .set_email(Some(EndUserEmail::new(pending.account.email.clone())))
            .set_email_verified(Some(fault != Some(Fault::UnverifiedEmail)));
    }
    let groups = Groups { groups: (!pending.account.groups.is_empty()).then(|| pending.account.groups.clone()) };
    let nonce = if fault == Some(Fault::WrongNonce) { "another-nonce".to_string() } else { pending.nonce.clone() };
    let claims = IdTokenClaims::new(
        IssuerUrl::new(issuer).unwrap(),
        vec![Audience::new(audience.into())],
        expires,
        issued,
        standard,
        groups,
    )
    .set_nonce(Some(Nonce::new(nonce)));
    let key = match fault {
        Some(Fault::BadSignature) => signing_key(OTHER_KEY, KID),
        Some(Fault::UnknownKey) => signing_key(OTHER_KEY, "e2e-key-unknown"),
        _ => signing_key(PROVIDER_KEY, KID),
    };
    let token = TestIdToken::new(claims, &key, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None).unwrap();
    token.to_string()
}

/// A cookie set by a response: (name, value, attributes).
pub fn set_cookies(response: &reqwest::Response) -> Vec<(String, String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let (pair, attributes) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=')?;
            Some((name.trim().to_string(), value.trim().to_string(), attributes.trim().to_string()))
        })
        .collect()
}

/// The result of a sign-in through the hub's routes.
pub struct SignedIn {
    /// The callback's answer.
    pub status: u16,
    pub location: Option<String>,
    pub cookies: Vec<(String, String, String)>,
    pub body: String,
}

impl SignedIn {
    /// The session cookie's value, when the sign-in set one.
    pub fn session(&self) -> Option<String> {
        self.cookies.iter().find(|(n, v, _)| n.ends_with("edi-hub-session") && !v.is_empty()).map(|(_, v, _)| v.clone())
    }
}

/// A client that does not follow redirects (a browser's steps, one at a time).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Starts a sign-in at the hub: the authorize URL and the flow cookie (`name=value`).
pub async fn start(base: &str) -> (String, String) {
    let r = browser().get(format!("{base}/auth/login")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (name, value, attributes) =
        set_cookies(&r).into_iter().find(|(n, _, _)| n.ends_with("edi-hub-sign-in")).expect("a flow cookie");
    assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Lax"), "{attributes}");
    (location, format!("{name}={value}"))
}

/// Signs `account` in at the hub `base` through `provider`, as a browser would.
pub async fn sign_in(base: &str, provider: &Provider, account: &Account) -> SignedIn {
    let (location, flow) = start(base).await;
    let callback = provider.authorize(&location, account);
    let r = browser().get(format!("{base}{callback}")).header("cookie", flow).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    let cookies = set_cookies(&r);
    let body = r.text().await.unwrap();
    SignedIn { status, location, cookies, body }
}
