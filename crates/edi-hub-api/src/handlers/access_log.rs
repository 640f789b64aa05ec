//! The access log (`GET /api/v1/audit`, the audit log of SPEC section 7):
//! who uploaded, withdrew, read unredacted or changed tokens, for stewards,
//! in the four formats.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use edi_hub_store::AccessEvent;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::format::{Table, Tabular, batch, negotiate, respond};

/// One audited action (never a token or uploaded data).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// Token id of the actor; null for the command line.
    #[schema(nullable)]
    pub actor: Option<String>,
    #[schema(nullable)]
    pub role: Option<String>,
    /// The actor's organisation (submitters).
    #[schema(nullable)]
    pub organisation: Option<String>,
    /// `upload`, `withdraw`, `population`, `unredacted_read`, `token_create`, `token_revoke`.
    pub action: String,
    /// `success`, `rejected` or `denied`.
    pub outcome: String,
    #[schema(nullable)]
    pub target: Option<String>,
    #[schema(nullable)]
    pub submission_id: Option<String>,
    #[schema(nullable)]
    pub detail: Option<String>,
}

/// Audit events, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    pub events: Vec<AuditEntry>,
}

/// Filters of the audit log.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditQuery {
    /// Only this action.
    action: Option<String>,
    /// Only this outcome: `success`, `rejected` or `denied`.
    outcome: Option<String>,
    /// Only this actor (token id).
    actor: Option<String>,
    /// Only this actor organisation (GSS code).
    organisation: Option<String>,
    /// Only this submission.
    submission_id: Option<String>,
    /// From this day (`YYYY-MM-DD`, inclusive).
    from: Option<String>,
    /// To this day (`YYYY-MM-DD`, inclusive).
    to: Option<String>,
    /// `json`, `csv`, `arrow` or `parquet`; wins over `Accept`.
    format: Option<String>,
}

fn outcome_name(e: &AccessEvent) -> String {
    serde_json::to_value(e.outcome).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn day(name: &str, value: Option<&String>) -> ApiResult<Option<NaiveDate>> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| ApiError::bad_parameter(name, format!("{name} must be a day, YYYY-MM-DD")))
        })
        .transpose()
}

/// The audit log.
///
/// Stewards only. Uploads (accepted and rejected), withdrawals, population
/// changes, unredacted reads and token changes, oldest first, with filters.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "audit_log",
    tag = "tokens",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "The events", content(
            (AuditLog = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.apache.arrow.stream"),
            (Vec<u8> = "application/vnd.apache.parquet"),
        )),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable format", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "A filter is invalid (the problem names it)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn access_log(
    State(app): State<AppState>,
    _caller: Caller,
    Query(mut q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let format = negotiate(q.remove("format").as_deref(), &headers)?;
    const KNOWN: [&str; 7] = ["action", "outcome", "actor", "organisation", "submission_id", "from", "to"];
    if let Some(unknown) = q.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::bad_parameter(
            unknown,
            format!("'{unknown}' is not a filter; filters are {}", KNOWN.join(", ")),
        ));
    }
    if let Some(o) = q.get("outcome")
        && !["success", "rejected", "denied"].contains(&o.as_str())
    {
        return Err(ApiError::bad_parameter("outcome", "outcome must be success, rejected or denied"));
    }
    let (from, to) = (day("from", q.get("from"))?, day("to", q.get("to"))?);
    let text = |e: &Option<String>, k: &str| q.get(k).is_none_or(|v| e.as_deref() == Some(v.as_str()));
    let events: Vec<AccessEvent> = app
        .store
        .access_events()
        .await?
        .into_iter()
        .filter(|e| q.get("action").is_none_or(|a| &e.action == a))
        .filter(|e| q.get("outcome").is_none_or(|o| &outcome_name(e) == o))
        .filter(|e| {
            text(&e.actor, "actor") && text(&e.organisation, "organisation") && text(&e.submission_id, "submission_id")
        })
        .filter(|e| from.is_none_or(|d| e.at.date_naive() >= d) && to.is_none_or(|d| e.at.date_naive() <= d))
        .collect();
    respond(&Events(events), format, "audit")
}

/// The events of an answer, in every format.
struct Events(Vec<AccessEvent>);

impl Tabular for Events {
    type Json<'a> = AuditLog;

    fn json(&self) -> AuditLog {
        let entry = |e: &AccessEvent| AuditEntry {
            at: e.at,
            actor: e.actor.clone(),
            role: e.role.clone(),
            organisation: e.organisation.clone(),
            action: e.action.clone(),
            outcome: outcome_name(e),
            target: e.target.clone(),
            submission_id: e.submission_id.clone(),
            detail: e.detail.clone(),
        };
        AuditLog { events: self.0.iter().map(entry).collect() }
    }

    fn table(&self) -> ApiResult<Table> {
        let events = &self.0;
        let column = |f: &dyn Fn(&AccessEvent) -> Option<String>| -> ArrayRef {
            Arc::new(events.iter().map(f).collect::<StringArray>())
        };
        Ok(Table {
            batch: batch(vec![
                ("at", column(&|e| Some(e.at.to_rfc3339()))),
                ("actor", column(&|e| e.actor.clone())),
                ("role", column(&|e| e.role.clone())),
                ("organisation", column(&|e| e.organisation.clone())),
                ("action", column(&|e| Some(e.action.clone()))),
                ("outcome", column(&|e| Some(outcome_name(e)))),
                ("target", column(&|e| e.target.clone())),
                ("submission_id", column(&|e| e.submission_id.clone())),
                ("detail", column(&|e| e.detail.clone())),
            ])?,
            suppressed: vec![Vec::new(); events.len()],
        })
    }
}
