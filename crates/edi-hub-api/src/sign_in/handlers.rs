//! The sign-in routes: `GET /auth/config` (what the dashboard offers),
//! `GET /auth/login` (off to the provider), `GET /auth/callback` (back from
//! it: a session for a mapped person, a page for anyone else) and
//! `POST /auth/logout` (the session ends on the server).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use edi_hub_store::{AccessEvent, AccessOutcome, NewSession, Resolution};
use serde::Serialize;
use utoipa::ToSchema;

use super::cookies;
use super::flow::{Flow, FlowError};
use super::pages::{not_mapped, page};
use super::provider::{Identity, ProviderError};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ProblemDetails};
use crate::handlers::log_access;

/// How the dashboard signs people in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInOptions {
    /// Whether this hub offers single sign-on with an OpenID provider
    /// (pasting an API token always works).
    pub single_sign_on: bool,
    /// Where a browser starts a sign-in (null without single sign-on).
    #[schema(nullable, example = "/auth/login")]
    pub sign_in_url: Option<String>,
    /// The provider's issuer URL (null without single sign-on).
    #[schema(nullable)]
    pub issuer: Option<String>,
    /// The header state-changing requests under a session carry the CSRF token in.
    #[schema(example = "X-CSRF-Token")]
    pub csrf_header: String,
}

/// How this hub signs people in.
///
/// Needs no token: the dashboard reads it before anyone has signed in, to
/// offer "Sign in with your council account" when single sign-on is set up.
#[utoipa::path(
    get,
    path = "/auth/config",
    tag = "sign-in",
    responses((status = 200, description = "The hub's sign-in options", body = SignInOptions))
)]
pub async fn sign_in_options(State(app): State<AppState>) -> Json<SignInOptions> {
    let provider = app.sign_in.as_ref();
    Json(SignInOptions {
        single_sign_on: provider.is_some(),
        sign_in_url: provider.map(|_| "/auth/login".to_string()),
        issuer: provider.map(|p| p.config().issuer.clone()),
        csrf_header: "X-CSRF-Token".into(),
    })
}

/// Writes a sign-in event of a person (by email, when known) to the access log.
async fn log_person(app: &AppState, email: Option<&str>, action: &str, outcome: AccessOutcome, detail: String) {
    let event = AccessEvent {
        at: Utc::now(),
        actor: email.map(str::to_string),
        role: None,
        organisation: None,
        action: action.to_string(),
        outcome,
        target: None,
        submission_id: None,
        detail: Some(detail),
    };
    if let Err(e) = app.store.log_access(&event).await {
        tracing::warn!(error = %e, action, "could not write the access log");
    }
}

fn not_configured() -> Response {
    ApiError::not_found("this hub has no single sign-on; sign in with an API token").into_response()
}

/// Start signing in with your council account.
///
/// Sends the browser to the OpenID provider (authorization code flow with
/// PKCE, `state` and `nonce`), with a short-lived HttpOnly cookie holding
/// what the callback checks. 404 when the hub has no single sign-on.
#[utoipa::path(
    get,
    path = "/auth/login",
    tag = "sign-in",
    responses(
        (status = 303, description = "To the provider's sign-in page (Location)"),
        (status = 404, description = "This hub has no single sign-on", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 502, description = "The provider cannot be reached (an HTML page)", content_type = "text/html"),
    )
)]
pub async fn login(State(app): State<AppState>) -> Response {
    let Some(provider) = app.sign_in.as_ref() else {
        return not_configured();
    };
    let config = provider.config();
    let started = match provider.start().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "a sign-in could not start");
            return unavailable();
        }
    };
    let flow = Flow {
        state: started.state,
        nonce: started.nonce,
        pkce_verifier: started.pkce_verifier,
        started: Utc::now().timestamp(),
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(started.authorize_url.as_str()) {
        h.insert(header::LOCATION, location);
    }
    h.insert(header::SET_COOKIE, cookies::flow_cookie(config, &flow.seal(&config.client_secret)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn unavailable() -> Response {
    page(
        StatusCode::BAD_GATEWAY,
        "Sign-in is not available just now",
        &["The hub could not reach your council's sign-in service. Try again in a minute; if it keeps happening, \
           tell the hub's data steward."
            .to_string()],
        true,
    )
}

/// Back from the provider.
///
/// Checks the sign-in (the flow cookie's signature and age, `state`),
/// exchanges the code with the PKCE verifier, checks the ID token
/// (signature against the provider's keys, issuer, audience, expiry,
/// nonce) and looks the person up: a person a steward mapped to a role gets
/// a session cookie and is sent to the dashboard; anyone else sees a page
/// saying why (an unmapped person: to ask the hub's steward). Register
/// `{public-url}/auth/callback` as the redirect URL at the provider.
#[utoipa::path(
    get,
    path = "/auth/callback",
    tag = "sign-in",
    params(
        ("code" = Option<String>, Query, description = "The provider's authorization code"),
        ("state" = Option<String>, Query, description = "The sign-in's state"),
        ("error" = Option<String>, Query, description = "The provider's error, when it did not sign the person in"),
    ),
    responses(
        (status = 303, description = "Signed in: to the dashboard, with the session cookie"),
        (status = 400, description = "Not a sign-in this browser started (no, forged or expired flow cookie, wrong state), or the provider refused the code (an HTML page)", content_type = "text/html"),
        (status = 401, description = "The provider did not sign the person in, or its ID token failed a check (an HTML page)", content_type = "text/html"),
        (status = 403, description = "Signed in, but no steward has given this person access (an HTML page saying to ask the hub's steward)", content_type = "text/html"),
        (status = 404, description = "This hub has no single sign-on", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 502, description = "The provider cannot be reached (an HTML page)", content_type = "text/html"),
    )
)]
pub async fn callback(State(app): State<AppState>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let Some(provider) = app.sign_in.as_ref() else {
        return not_configured();
    };
    let config = provider.config();
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let mut response = finish(&app, &params, &headers).await;
    response.headers_mut().append(header::SET_COOKIE, cookies::clear_flow(config));
    response
}

/// A page saying the sign-in did not work and what to do.
fn refused(status: StatusCode, title: &str, reason: &str) -> Response {
    page(status, title, &[reason.to_string(), "Sign in again from the dashboard.".to_string()], true)
}

async fn finish(app: &AppState, params: &HashMap<String, String>, headers: &HeaderMap) -> Response {
    let Some(provider) = app.sign_in.as_ref() else {
        return not_configured();
    };
    let config = provider.config();
    let param = |name: &str| params.get(name).map(|v| v.chars().take(200).collect::<String>());
    if let Some(error) = param("error") {
        tracing::info!(error, "the provider did not sign a person in");
        // The provider's words are shown only for a sign-in this browser
        // started: a link anyone can craft puts no text of theirs on the hub's page.
        let flow_cookie = cookies::read(headers, cookies::flow_name(config));
        let ours = params.get("state").is_some_and(|s| Flow::open(flow_cookie, s, &config.client_secret).is_ok());
        let reason = if ours {
            let description = param("error_description").unwrap_or_default();
            format!("Your council's sign-in service did not sign you in ({error}). {description}")
        } else {
            "Your council's sign-in service did not sign you in.".to_string()
        };
        return refused(StatusCode::UNAUTHORIZED, "You are not signed in", reason.trim());
    }
    // RFC 9207: a provider that names itself must be the hub's.
    if params.get("iss").is_some_and(|iss| iss.trim_end_matches('/') != config.issuer.trim_end_matches('/')) {
        tracing::warn!("a sign-in callback names another issuer");
        return refused(
            StatusCode::BAD_REQUEST,
            "This sign-in could not be completed",
            "The answer comes from another sign-in service than this hub's.",
        );
    }
    let (Some(code), Some(state)) = (params.get("code"), params.get("state")) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "This is not a sign-in",
            "The sign-in service's answer has no code or state.",
        );
    };
    let flow = match Flow::open(cookies::read(headers, cookies::flow_name(config)), state, &config.client_secret) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(reason = ?e, "a sign-in callback was refused");
            let reason = match e {
                FlowError::Missing => "This sign-in was not started in this browser, or it was already used.",
                FlowError::Expired => "This sign-in took longer than 10 minutes.",
                FlowError::Forged | FlowError::WrongState => "This sign-in's answer does not belong to it.",
            };
            return refused(StatusCode::BAD_REQUEST, "This sign-in could not be completed", reason);
        }
    };
    let identity = match provider.finish(code, &flow.pkce_verifier, &flow.nonce).await {
        Ok(identity) => identity,
        Err(e) => return provider_refusal(app, e).await,
    };
    admit(app, identity).await
}

async fn provider_refusal(app: &AppState, e: ProviderError) -> Response {
    tracing::warn!(error = %e, "a sign-in was refused");
    match e {
        ProviderError::Unavailable(_) => unavailable(),
        ProviderError::CodeRefused(reason) => {
            log_person(app, None, "sign_in", AccessOutcome::Rejected, format!("code refused: {reason}")).await;
            refused(StatusCode::BAD_REQUEST, "This sign-in could not be completed", "The sign-in service refused it.")
        }
        ProviderError::InvalidIdToken(reason) => {
            log_person(app, None, "sign_in", AccessOutcome::Rejected, format!("ID token refused: {reason}")).await;
            refused(
                StatusCode::UNAUTHORIZED,
                "Your sign-in could not be verified",
                "The hub could not verify what your council's sign-in service sent.",
            )
        }
        ProviderError::NoEmail(reason) => {
            log_person(app, None, "sign_in", AccessOutcome::Denied, reason.clone()).await;
            refused(StatusCode::FORBIDDEN, "Your account has no email address the hub can use", &reason)
        }
    }
}

/// A person the provider vouched for: a session when mapped, else a page.
async fn admit(app: &AppState, identity: Identity) -> Response {
    let Some(provider) = app.sign_in.as_ref() else {
        return not_configured();
    };
    let config = provider.config();
    // The freshest mappings: a steward may have just added this person.
    if let Err(e) = app.store.users().refresh().await {
        return ApiError::from(e).into_response();
    }
    let email = identity.email.clone();
    let deny = |detail: &str| log_person(app, Some(&email), "sign_in", AccessOutcome::Denied, detail.to_string());
    let record = match app.store.users().resolve(&identity.email, &identity.claims).await {
        Ok(Resolution::Mapped(record)) => record,
        Ok(Resolution::Unmapped) => {
            deny("not mapped to a role").await;
            return not_mapped(&email);
        }
        Ok(Resolution::Damaged(path)) => {
            deny(&format!("the mapping {path} cannot be read")).await;
            return refused(
                StatusCode::FORBIDDEN,
                "Your access cannot be checked",
                "The hub's record of your access cannot be read. Ask the hub's data steward to set it again.",
            );
        }
        Ok(Resolution::Conflict) => {
            deny("the role claim's values map to different roles").await;
            return refused(
                StatusCode::FORBIDDEN,
                "Your access is ambiguous",
                "Your groups give you different roles on this hub. Ask the hub's data steward to set your role.",
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let new = NewSession {
        email: identity.email,
        name: identity.name,
        claims: identity.claims,
        issuer: identity.issuer,
        subject: identity.subject,
        lifetime: config.session_lifetime,
    };
    let (session, id) = match app.store.sessions().create(new).await {
        Ok(created) => created,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let caller = Caller::from_session(&session, record.grant, &id);
    let detail = format!("session {} until {}", session.handle, session.record.expires_at.to_rfc3339());
    log_access(app, Some(&caller), "sign_in", AccessOutcome::Success, None, None, Some(detail)).await;
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    h.insert(header::LOCATION, HeaderValue::from_static("/"));
    h.insert(header::SET_COOKIE, cookies::session_cookie(config, &id));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Sign out.
///
/// Ends the session of the cookie on the server (every hub process sharing
/// the store refuses it within a few seconds, this one at once) and deletes
/// the cookie. Under a session it needs the hub's own `Origin` and the
/// session's CSRF token in `X-CSRF-Token`, like every request that changes
/// something. Without a session there is nothing to end: 204 all the same.
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "sign-in",
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (from /api/v1/whoami)")),
    responses(
        (status = 204, description = "Signed out (the cookie is deleted)"),
        (status = 403, description = "A cross-site request: wrong Origin or no valid CSRF token", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(provider) = app.sign_in.as_ref() else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let config = provider.config();
    if let Some(id) = cookies::read(&headers, cookies::session_name(config)) {
        let session = match app.store.sessions().authenticate(id).await {
            Ok(s) => s,
            Err(e) => return ApiError::from(e).into_response(),
        };
        if let Some(session) = session {
            if let Some(reason) = cookies::csrf_refusal(config, &headers, id) {
                let detail = format!("POST /auth/logout: {reason}; session {}", session.handle);
                log_person(&app, Some(&session.record.email), "csrf_refused", AccessOutcome::Denied, detail).await;
                return ApiError::forbidden(reason).into_response();
            }
            if let Err(e) = app.store.sessions().end(id).await {
                return ApiError::from(e).into_response();
            }
            let detail = format!("session {}", session.handle);
            log_person(&app, Some(&session.record.email), "sign_out", AccessOutcome::Success, detail).await;
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookies::clear_session(config));
    response
}
