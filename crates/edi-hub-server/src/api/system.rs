//! Health and readiness.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ProblemDetails};

/// Health or readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: String,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

/// Readiness: the object store answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "system",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "The object store is not reachable", body = ProblemDetails, content_type = "application/problem+json")
    )
)]
pub async fn readyz(State(app): State<AppState>) -> ApiResult<Json<Health>> {
    app.store
        .check_reachable()
        .await
        .map_err(|e| ApiError::unavailable(format!("the object store is not reachable: {e}")))?;
    Ok(Json(Health { status: "ready".into() }))
}
