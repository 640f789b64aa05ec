//! Who the caller is: the role and organisation of the token presented.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiResult, ProblemDetails};

/// The caller's token, as the hub sees it (never the token itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    /// `steward`, `analyst` or `submitter`.
    #[schema(example = "submitter")]
    pub role: String,
    /// GSS code of a submitter's organisation; null for other roles.
    #[schema(nullable, example = "E09000015")]
    pub organisation: Option<String>,
    /// Name of that organisation.
    #[schema(nullable, example = "Harrow")]
    pub organisation_name: Option<String>,
    /// The token's label.
    #[schema(nullable)]
    pub label: Option<String>,
    /// Whether benchmark answers show this caller every organisation's figures unredacted (stewards).
    pub sees_all_unredacted: bool,
    /// The person signed in with single sign-on (a session cookie); null for a token.
    #[schema(nullable)]
    pub session: Option<SessionInfo>,
}

/// A person signed in with single sign-on.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// The email address the provider vouched for.
    #[schema(example = "alex.jones@harrow.gov.uk")]
    pub email: String,
    /// Their name, when the provider gave one.
    #[schema(nullable)]
    pub name: Option<String>,
    /// When the session ends (sign in again then).
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Send this in `X-CSRF-Token` with every request that changes something
    /// (with the hub's own `Origin`); such requests without it are refused.
    pub csrf_token: String,
}

/// The caller: role and organisation of the token presented (or of the
/// person signed in).
///
/// Lets a client (such as the dashboard) show who is signed in, highlight a
/// submitter's own organisation and offer only what the role may do. Any
/// valid token may call it, and so may a signed-in person's session, whose
/// answer also carries the session's CSRF token.
#[utoipa::path(
    get,
    path = "/api/v1/whoami",
    tag = "tokens",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Who the caller is", body = WhoAmI),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn whoami(caller: Caller) -> ApiResult<Json<WhoAmI>> {
    let organisation = caller.organisation();
    Ok(Json(WhoAmI {
        role: caller.role().name().to_string(),
        organisation: organisation.map(|o| o.code().to_string()),
        organisation_name: organisation.map(|o| o.name().to_string()),
        label: caller.label().map(str::to_string),
        sees_all_unredacted: caller.role() == edi_hub_store::Role::Steward,
        session: caller.session().map(|s| SessionInfo {
            email: s.email.clone(),
            name: s.name.clone(),
            expires_at: s.expires_at,
            csrf_token: s.csrf_token.clone(),
        }),
    }))
}
