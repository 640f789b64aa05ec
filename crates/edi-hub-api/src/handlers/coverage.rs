//! Who has submitted what.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, ProblemDetails};

/// One current submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageEntry {
    pub organisation: String,
    pub dataset: String,
    pub period: String,
    pub submission_id: String,
}

/// Every current submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct Coverage {
    pub coverage: Vec<CoverageEntry>,
}

/// Coverage: one entry per current submission.
///
/// Ordered by dataset, period and organisation. Any token may read it.
#[utoipa::path(
    get,
    path = "/api/v1/coverage",
    tag = "submissions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One entry per current submission", body = Coverage),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn coverage(State(app): State<AppState>, _caller: Caller) -> ApiResult<Json<Coverage>> {
    let snapshot = app.store.snapshot();
    let coverage = snapshot
        .current()
        .map(|s| CoverageEntry {
            organisation: s.organisation.code().to_string(),
            dataset: s.dataset.name().to_string(),
            period: s.period.to_string(),
            submission_id: s.id.clone(),
        })
        .collect();
    Ok(Json(Coverage { coverage }))
}
