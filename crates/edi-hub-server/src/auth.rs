//! Bearer-token authentication and the role checks of each route.

use axum::extract::FromRequestParts;
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

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let token = bearer(parts)?;
        let record = app
            .store
            .tokens()
            .authenticate(token)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::unauthorized("the bearer token is not valid (unknown, revoked or expired)"))?;
        let caller = Caller { token: record };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The bearer token of a request (never logged).
pub fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send a token in the Authorization header: 'Bearer <token>'"))?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be 'Bearer <token>'"))
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

    pub fn require_steward(&self) -> Result<(), ApiError> {
        if self.role() == Role::Steward {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("this needs a steward token; this token's role is {}", self.role().name())))
        }
    }

    /// Uploads: only a submitter of the organisation.
    pub fn require_submitter_for(&self, organisation: Organisation) -> Result<(), ApiError> {
        match (self.role(), self.organisation()) {
            (Role::Submitter, Some(own)) if own == organisation => Ok(()),
            (Role::Submitter, Some(own)) => Err(ApiError::forbidden(format!(
                "this token submits for {own} ({}), not for {organisation}",
                own.name()
            ))),
            (role, _) => Err(ApiError::forbidden(format!(
                "only a submitter token of {organisation} may do this; this token's role is {}",
                role.name()
            ))),
        }
    }

    /// Withdrawals: the organisation's submitter or a steward.
    pub fn require_owner_or_steward(&self, organisation: Organisation) -> Result<(), ApiError> {
        if self.role() == Role::Steward { Ok(()) } else { self.require_submitter_for(organisation) }
    }
}
