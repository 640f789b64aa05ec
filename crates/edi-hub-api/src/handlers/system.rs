//! Health and readiness.

use axum::Json;
use axum::extract::State;
use edi_hub_store::DamagedEntry;
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

/// Damaged ledger entries named in the readiness answer (the rest are counted).
const NAMED_DAMAGE: usize = 20;

/// Readiness: the object store answers and every ledger entry can be read.
///
/// While a ledger entry cannot be read, the answer is 503 and its detail
/// names the damaged objects' paths (public identifiers only) for data
/// stewards: nothing of their keys is served until each is removed or
/// restored in the store.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "system",
    responses(
        (status = 200, description = "Ready to answer", body = Health),
        (status = 503, description = "The object store is not reachable, or a ledger entry cannot be read (the detail names the objects)", body = ProblemDetails, content_type = "application/problem+json")
    )
)]
pub async fn readyz(State(app): State<AppState>) -> ApiResult<Json<Health>> {
    match tokio::time::timeout(READY_TIMEOUT, app.store.check_reachable()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(ApiError::unavailable(format!("the object store is not reachable: {e}"))),
        Err(_) => return Err(ApiError::unavailable("the object store did not answer within 2 seconds")),
    }
    let snapshot = app.store.snapshot();
    if !snapshot.damaged.is_empty() {
        return Err(ApiError::unavailable(damage_detail(&snapshot.damaged)));
    }
    Ok(Json(Health { status: "ready".into() }))
}

/// "2 ledger entries cannot be read: ledger/...json, ...; ...".
fn damage_detail(damaged: &[DamagedEntry]) -> String {
    let n = damaged.len();
    let paths: Vec<&str> = damaged.iter().take(NAMED_DAMAGE).map(|d| d.path.as_str()).collect();
    let more = match n.saturating_sub(NAMED_DAMAGE) {
        0 => String::new(),
        more => format!(" and {more} more"),
    };
    let (entries, them) = if n == 1 { ("entry", "it") } else { ("entries", "them") };
    format!(
        "{n} ledger {entries} cannot be read: {}{more}; nothing of their organisation, dataset and period (or of \
         the population table) is served until a data steward removes or restores {them} in the object store",
        paths.join(", ")
    )
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
