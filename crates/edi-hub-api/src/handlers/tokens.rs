//! Token management for stewards: create, list, revoke.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use edi_hub_core::Organisation;
use edi_hub_store::{AccessOutcome, NewToken, Role, TokenRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::log_access;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::upload::require_json;

/// What to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `steward`, `analyst` or `submitter`.
    #[schema(example = "submitter")]
    pub role: String,
    /// GSS code; required for submitters, not allowed for other roles.
    #[schema(example = "E09000015")]
    pub organisation: Option<String>,
    /// Who holds the token (never the token itself).
    pub label: Option<String>,
    /// When the token stops working (RFC 3339); never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A token record (without the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub role: String,
    #[schema(nullable)]
    pub organisation: Option<String>,
    #[schema(nullable)]
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    #[schema(nullable)]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked; null while it is valid.
    #[schema(nullable)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token: shown once, never stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The bearer token; keep it secret, it is not shown again.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Every token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenInfo>,
}

impl From<&TokenRecord> for TokenInfo {
    fn from(r: &TokenRecord) -> Self {
        TokenInfo {
            id: r.id.clone(),
            role: r.role.name().to_string(),
            organisation: r.organisation.map(|o| o.code().to_string()),
            label: r.label.clone(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        }
    }
}

fn parse_request(headers: &HeaderMap, body: &[u8]) -> ApiResult<NewToken> {
    require_json(headers, "the token request")?;
    let request: TokenRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::unprocessable(format!("the token request is not valid: {e}")))?;
    let role = Role::parse(&request.role)
        .ok_or_else(|| ApiError::bad_parameter("role", "role must be steward, analyst or submitter"))?;
    let organisation = match (role, request.organisation.as_deref()) {
        (Role::Submitter, Some(o)) => {
            Some(o.parse::<Organisation>().map_err(|e| ApiError::bad_parameter("organisation", e.to_string()))?)
        }
        (Role::Submitter, None) => {
            return Err(ApiError::bad_parameter("organisation", "a submitter token needs an organisation"));
        }
        (_, Some(_)) => {
            return Err(ApiError::bad_parameter("organisation", "only submitter tokens have an organisation"));
        }
        (_, None) => None,
    };
    if request.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(ApiError::bad_parameter("expires_at", "expires_at must be in the future"));
    }
    if request.label.as_ref().is_some_and(|l| l.chars().count() > 200) {
        return Err(ApiError::bad_parameter("label", "a label has at most 200 characters"));
    }
    Ok(NewToken { role, organisation, label: request.label, expires_at: request.expires_at })
}

/// Create a token.
///
/// Stewards only. The token is in the answer once and never again: only its
/// hash is stored.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("bearer" = [])),
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = CreatedToken),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The request is invalid (the problem names the field)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn create_token(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let new = parse_request(&headers, &body)?;
    let (record, token) = app.store.tokens().create(new).await?;
    let detail = format!("role {}", record.role.name());
    log_access(
        &app,
        Some(&caller),
        "token_create",
        AccessOutcome::Success,
        Some(record.id.clone()),
        None,
        Some(detail),
    )
    .await;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, info: TokenInfo::from(&record) })))
}

/// List tokens.
///
/// Stewards only; newest first, revoked ones included. Never shows a token.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every token (never its secret)", body = TokenList),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list_tokens(State(app): State<AppState>, _caller: Caller) -> ApiResult<Json<TokenList>> {
    let tokens = app.store.tokens().list().await?;
    Ok(Json(TokenList { tokens: tokens.iter().map(TokenInfo::from).collect() }))
}

/// Revoke a token.
///
/// Stewards only. Every hub process sharing the store refuses the token
/// within a few seconds (at once on this one).
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_token(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !app.store.tokens().revoke(&id).await? {
        return Err(ApiError::not_found(format!("no token has the id '{}'", id.chars().take(40).collect::<String>())));
    }
    log_access(&app, Some(&caller), "token_revoke", AccessOutcome::Success, Some(id), None, None).await;
    Ok(StatusCode::NO_CONTENT)
}
