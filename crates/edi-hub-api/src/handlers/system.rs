//! Health and readiness.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ProblemDetails};

/// How long readiness waits for the object store.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Health or readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: String,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

/// Readiness: the object store answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "system",
    responses(
        (status = 200, description = "Ready to answer", body = Health),
        (status = 503, description = "The object store is not reachable", body = ProblemDetails, content_type = "application/problem+json")
    )
)]
pub async fn readyz(State(app): State<AppState>) -> ApiResult<Json<Health>> {
    match tokio::time::timeout(READY_TIMEOUT, app.store.check_reachable()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(ApiError::unavailable(format!("the object store is not reachable: {e}"))),
        Err(_) => return Err(ApiError::unavailable("the object store did not answer within 2 seconds")),
    }
    Ok(Json(Health { status: "ready".into() }))
}

/// Operational metrics in the Prometheus text format.
///
/// Requests by route template, method and status; latency histograms by
/// route; uploads accepted and rejected; suppressed cells served; answer
/// cache hits and misses. Open to scrapers (no token), like the health routes.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    operation_id = "metrics",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain"))
)]
pub async fn prometheus_metrics(State(app): State<AppState>) -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], app.telemetry.render())
}
