//! Who may sign in with single sign-on, for stewards: people (by email) and
//! values of the role claim (e.g. a group id), each mapped to a role and,
//! for submitters, an organisation.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use edi_hub_core::Organisation;
use edi_hub_store::{AccessOutcome, Grant, Role, Subject, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::log_access;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::upload::require_json;

/// The role a person (or a claim value) is given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// `steward`, `analyst` or `submitter`.
    #[schema(example = "submitter")]
    pub role: String,
    /// GSS code; required for submitters, not allowed for other roles.
    #[schema(example = "E09000015")]
    pub organisation: Option<String>,
}

/// A person's (or a claim value's) mapping.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    /// The person's email address (lowercase); null for a claim value's mapping.
    #[schema(nullable, example = "alex.jones@harrow.gov.uk")]
    pub email: Option<String>,
    /// The role claim's value (e.g. a group id); null for a person's mapping.
    #[schema(nullable)]
    pub claim_value: Option<String>,
    /// `steward`, `analyst` or `submitter`.
    pub role: String,
    /// GSS code of a submitter's organisation.
    #[schema(nullable)]
    pub organisation: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Who set it (a token id or a steward's email; null for the command line).
    #[schema(nullable)]
    pub updated_by: Option<String>,
}

/// Every mapping.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// People, by email.
    pub users: Vec<UserInfo>,
    /// Values of the role claim (`serve --oidc-role-claim`).
    pub role_claims: Vec<UserInfo>,
    /// Stored mappings that cannot be read (object paths): whoever they
    /// govern is refused until a steward sets their mapping again.
    pub damaged: Vec<String>,
}

impl From<&UserRecord> for UserInfo {
    fn from(r: &UserRecord) -> Self {
        let (email, claim_value) = match &r.subject {
            Subject::Email(e) => (Some(e.clone()), None),
            Subject::Claim(v) => (None, Some(v.clone())),
        };
        UserInfo {
            email,
            claim_value,
            role: r.grant.role.name().to_string(),
            organisation: r.grant.organisation.map(|o| o.code().to_string()),
            updated_at: r.updated_at,
            updated_by: r.updated_by.clone(),
        }
    }
}

fn parse_grant(headers: &HeaderMap, body: &[u8]) -> ApiResult<Grant> {
    require_json(headers, "the mapping")?;
    let request: GrantRequest =
        serde_json::from_slice(body).map_err(|e| ApiError::unprocessable(format!("the mapping is not valid: {e}")))?;
    let role = Role::parse(&request.role)
        .ok_or_else(|| ApiError::bad_parameter("role", "role must be steward, analyst or submitter"))?;
    let organisation = request
        .organisation
        .as_deref()
        .map(|o| o.parse::<Organisation>().map_err(|e| ApiError::bad_parameter("organisation", e.to_string())))
        .transpose()?;
    Grant::new(role, organisation).map_err(|e| ApiError::bad_parameter("organisation", e))
}

fn email_subject(email: &str) -> ApiResult<Subject> {
    Subject::email(email).map_err(|e| ApiError::bad_parameter("email", e))
}

fn claim_subject(value: &str) -> ApiResult<Subject> {
    Subject::claim(value).map_err(|e| ApiError::bad_parameter("value", e))
}

async fn set(app: &AppState, caller: &Caller, subject: Subject, grant: Grant) -> ApiResult<Json<UserInfo>> {
    let record = app.store.users().set(subject, grant, Some(caller.id().to_string())).await?;
    let info = UserInfo::from(&record);
    let target = info.email.clone().or_else(|| info.claim_value.as_ref().map(|v| format!("claim value {v}")));
    let detail =
        format!("role {}{}", info.role, info.organisation.as_ref().map(|o| format!(" of {o}")).unwrap_or_default());
    log_access(app, Some(caller), "user_set", AccessOutcome::Success, target, None, Some(detail)).await;
    Ok(Json(info))
}

async fn remove(app: &AppState, caller: &Caller, subject: Subject, target: String) -> ApiResult<StatusCode> {
    if !app.store.users().remove(&subject, Some(caller.id().to_string())).await? {
        return Err(ApiError::not_found(format!("{target} has no mapping")));
    }
    log_access(app, Some(caller), "user_remove", AccessOutcome::Success, Some(target), None, None).await;
    Ok(StatusCode::NO_CONTENT)
}

/// List who may sign in.
///
/// Stewards only: every person (by email) and every role-claim value
/// mapped to a role, and any stored mapping that cannot be read.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every mapping", body = UserList),
        (status = 401, description = "No valid token or session", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list_users(State(app): State<AppState>, _caller: Caller) -> ApiResult<Json<UserList>> {
    let (records, damaged) = app.store.users().list().await?;
    let (people, claims): (Vec<_>, Vec<_>) = records.iter().partition(|r| matches!(r.subject, Subject::Email(_)));
    Ok(Json(UserList {
        users: people.into_iter().map(UserInfo::from).collect(),
        role_claims: claims.into_iter().map(UserInfo::from).collect(),
        damaged,
    }))
}

/// Give a person a role.
///
/// Stewards only. Maps the person who signs in with this email address
/// (any letter case) to a role and, for a submitter, an organisation,
/// replacing any earlier mapping; a signed-in person's session follows the
/// change at once. A person's own mapping wins over their role-claim values'.
#[utoipa::path(
    put,
    path = "/api/v1/users/{email}",
    tag = "users",
    security(("bearer" = [])),
    params(("email" = String, Path, description = "The person's email address")),
    request_body(content = GrantRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The mapping as stored", body = UserInfo),
        (status = 401, description = "No valid token or session", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward, or a cross-site request", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The request is invalid (the problem names the field)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn put_user(
    State(app): State<AppState>,
    caller: Caller,
    Path(email): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<UserInfo>> {
    let subject = email_subject(&email)?;
    let grant = parse_grant(&headers, &body)?;
    set(&app, &caller, subject, grant).await
}

/// Take a person's role away.
///
/// Stewards only. Their sessions stop working at once (unless a role-claim
/// value still maps them).
#[utoipa::path(
    delete,
    path = "/api/v1/users/{email}",
    tag = "users",
    security(("bearer" = [])),
    params(("email" = String, Path, description = "The person's email address")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token or session", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward, or a cross-site request", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "This person has no mapping", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Not an email address", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn delete_user(
    State(app): State<AppState>,
    caller: Caller,
    Path(email): Path<String>,
) -> ApiResult<StatusCode> {
    let subject = email_subject(&email)?;
    let Subject::Email(target) = subject.clone() else {
        return Err(ApiError::bad_parameter("email", "not an email address"));
    };
    remove(&app, &caller, subject, target).await
}

/// Give everyone with a role-claim value a role.
///
/// Stewards only; for a hub started with `--oidc-role-claim CLAIM` (e.g.
/// `groups`): a person whose ID token's claim holds this value (e.g. a
/// group's id) gets this role. A person whose values map to different
/// roles or organisations is refused, unless mapped by email.
#[utoipa::path(
    put,
    path = "/api/v1/role-claims/{value}",
    tag = "users",
    security(("bearer" = [])),
    params(("value" = String, Path, description = "The role claim's value, e.g. a group id")),
    request_body(content = GrantRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The mapping as stored", body = UserInfo),
        (status = 401, description = "No valid token or session", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward, or a cross-site request", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The request is invalid (the problem names the field)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn put_role_claim(
    State(app): State<AppState>,
    caller: Caller,
    Path(value): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<UserInfo>> {
    let subject = claim_subject(&value)?;
    let grant = parse_grant(&headers, &body)?;
    set(&app, &caller, subject, grant).await
}

/// Remove a role-claim value's mapping.
///
/// Stewards only.
#[utoipa::path(
    delete,
    path = "/api/v1/role-claims/{value}",
    tag = "users",
    security(("bearer" = [])),
    params(("value" = String, Path, description = "The role claim's value, e.g. a group id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token or session", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward, or a cross-site request", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "This value has no mapping", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Not a claim value", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn delete_role_claim(
    State(app): State<AppState>,
    caller: Caller,
    Path(value): Path<String>,
) -> ApiResult<StatusCode> {
    let subject = claim_subject(&value)?;
    remove(&app, &caller, subject, format!("claim value {value}")).await
}
