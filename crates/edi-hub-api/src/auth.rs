//! Authentication: who the caller is, from a bearer token or (on a hub with
//! single sign-on) a session cookie. What each caller may do is the access
//! table's business ([`crate::access`]): a session acts exactly like a token
//! of the role and organisation its person is mapped to.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use chrono::{DateTime, Utc};
use edi_hub_core::Organisation;
use edi_hub_core::disclosure::Viewer;
use edi_hub_store::{AccessEvent, AccessOutcome, Grant, Resolution, Role, Session, TokenRecord};

use crate::app::AppState;
use crate::error::ApiError;
use crate::sign_in::cookies;

/// The authenticated caller of an `/api/v1` route.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token id, or a signed-in person's email address.
    id: String,
    role: Role,
    organisation: Option<Organisation>,
    label: Option<String>,
    session: Option<SessionCaller>,
}

/// A person signed in with single sign-on.
#[derive(Debug, Clone)]
pub struct SessionCaller {
    pub email: String,
    pub name: Option<String>,
    /// A prefix of the session id's hash (never the id).
    pub handle: String,
    pub expires_at: DateTime<Utc>,
    /// The session's CSRF token, for the dashboard (from `/api/v1/whoami`).
    pub csrf_token: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// The caller the access layer admitted. Fails closed: a handler reached
    /// without passing the layer has no caller and answers nothing.
    async fn from_request_parts(parts: &mut Parts, _app: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::internal("this route is not behind the access layer"))
    }
}

/// Who sent the request: its bearer token checked against the registry,
/// or, without an `Authorization` header, its session cookie.
pub async fn authenticate(parts: &Parts, app: &AppState) -> Result<Caller, ApiError> {
    if !parts.headers.contains_key(AUTHORIZATION)
        && let Some(provider) = app.sign_in.as_ref()
        && let Some(id) = cookies::read(&parts.headers, cookies::session_name(provider.config()))
    {
        return session_caller(app, id, &parts.method, &parts.headers).await;
    }
    let token = bearer(&parts.headers)?;
    let record = app
        .store
        .tokens()
        .authenticate(token)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::unauthorized("the bearer token is not valid (unknown, revoked or expired)"))?;
    Ok(Caller::from_token(record))
}

/// The caller of a session cookie: a live session of a person still mapped
/// to a role; a request that changes something also needs the hub's own
/// `Origin` and the session's CSRF token.
async fn session_caller(app: &AppState, id: &str, method: &Method, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let session = app
        .store
        .sessions()
        .authenticate(id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("your sign-in has ended (signed out or expired); sign in again"))?;
    let grant = match app.store.users().resolve(&session.record.email, &session.record.claims).await? {
        Resolution::Mapped(record) => record.grant,
        _ => {
            return Err(ApiError::unauthorized(format!(
                "{} no longer has access to this hub; ask the hub's data steward",
                session.record.email
            )));
        }
    };
    if cookies::changes_state(method)
        && let Some(config) = app.sign_in.as_ref().map(|p| p.config())
        && let Some(reason) = cookies::csrf_refusal(config, headers, id)
    {
        let event = AccessEvent {
            at: Utc::now(),
            actor: Some(session.record.email.clone()),
            role: Some(grant.role.name().to_string()),
            organisation: grant.organisation.map(|o| o.code().to_string()),
            action: "csrf_refused".into(),
            outcome: AccessOutcome::Denied,
            target: None,
            submission_id: None,
            detail: Some(format!("{method}: {reason}; session {}", session.handle)),
        };
        if let Err(e) = app.store.log_access(&event).await {
            tracing::warn!(error = %e, "could not write the access log");
        }
        return Err(ApiError::forbidden(reason));
    }
    Ok(Caller::from_session(&session, grant, id))
}

/// The token of an `Authorization: Bearer <token>` header (the scheme
/// name in any letter case, RFC 9110), never logged.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The bearer token of a request, or why it has none (401).
pub fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    if !headers.contains_key(AUTHORIZATION) {
        return Err(ApiError::unauthorized("send a token in the Authorization header: 'Bearer <token>'"));
    }
    bearer_token(headers).ok_or_else(|| ApiError::unauthorized("the Authorization header must be 'Bearer <token>'"))
}

impl Caller {
    /// The caller of a valid token.
    pub fn from_token(token: TokenRecord) -> Caller {
        Caller { id: token.id, role: token.role, organisation: token.organisation, label: token.label, session: None }
    }

    /// The caller of a live session (`id` the session id, for its CSRF token),
    /// with the role and organisation its person is mapped to.
    pub fn from_session(session: &Session, grant: Grant, id: &str) -> Caller {
        let record = &session.record;
        Caller {
            id: record.email.clone(),
            role: grant.role,
            organisation: grant.organisation,
            label: Some(record.name.clone().unwrap_or_else(|| record.email.clone())),
            session: Some(SessionCaller {
                email: record.email.clone(),
                name: record.name.clone(),
                handle: session.handle.clone(),
                expires_at: record.expires_at,
                csrf_token: cookies::csrf_token(id),
            }),
        }
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// The token id, or a signed-in person's email (for the access log).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The token's label, or a signed-in person's name.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The signed-in person, for a cookie session.
    pub fn session(&self) -> Option<&SessionCaller> {
        self.session.as_ref()
    }

    /// The organisation of a submitter.
    pub fn organisation(&self) -> Option<Organisation> {
        match self.role {
            Role::Submitter => self.organisation,
            _ => None,
        }
    }

    /// Disclosure-control class of the caller.
    pub fn viewer(&self) -> Viewer {
        match (self.role, self.organisation) {
            (Role::Steward, _) => Viewer::Steward,
            (Role::Submitter, Some(o)) => Viewer::Member(o),
            _ => Viewer::Public,
        }
    }
}
