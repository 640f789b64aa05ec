//! Bearer-token authentication: who the caller is. What each caller may do
//! is the access table's business ([`crate::access`]).

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use edi_hub_core::Organisation;
use edi_hub_core::disclosure::Viewer;
use edi_hub_store::{Role, TokenRecord};

use crate::app::AppState;
use crate::error::ApiError;

/// The authenticated caller of an `/api/v1` route.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: TokenRecord,
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

/// Who sent the request: its bearer token checked against the registry.
pub async fn authenticate(parts: &Parts, app: &AppState) -> Result<Caller, ApiError> {
    let token = bearer(&parts.headers)?;
    let record = app
        .store
        .tokens()
        .authenticate(token)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::unauthorized("the bearer token is not valid (unknown, revoked or expired)"))?;
    Ok(Caller { token: record })
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
    pub fn role(&self) -> Role {
        self.token.role
    }

    pub fn id(&self) -> &str {
        &self.token.id
    }

    /// The organisation of a submitter.
    pub fn organisation(&self) -> Option<Organisation> {
        match self.token.role {
            Role::Submitter => self.token.organisation,
            _ => None,
        }
    }

    /// Disclosure-control class of the caller.
    pub fn viewer(&self) -> Viewer {
        match (self.token.role, self.token.organisation) {
            (Role::Steward, _) => Viewer::Steward,
            (Role::Submitter, Some(o)) => Viewer::Member(o),
            _ => Viewer::Public,
        }
    }
}
