//! The access log (`GET /api/v1/audit`, the audit log of SPEC section 7):
//! who uploaded, withdrew, read unredacted or changed tokens, for stewards,
//! in the four formats.

use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use edi_hub_store::AccessEvent;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::query::{QueryParams, page_limit};
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

/// Access-log events, oldest first, one page.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    pub events: Vec<AuditEntry>,
    /// Give as `page_token` for the next page; null on the last page.
    #[schema(nullable)]
    pub next_page_token: Option<String>,
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// `next_page_token` of the previous page (also sent as the
    /// `x-next-page-token` header, for the flat formats).
    page_token: Option<String>,
    /// `json`, `csv`, `arrow` or `parquet`; wins over `Accept`.
    format: Option<String>,
}

fn outcome_name(e: &AccessEvent) -> String {
    serde_json::to_value(e.outcome).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn day(name: &str, value: Option<&str>) -> ApiResult<Option<NaiveDate>> {
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
/// changes, unredacted reads and token changes, oldest first, with filters,
/// in pages (`limit`, `page_token`); only the days from `from` to `to` are read.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "audit_log",
    tag = "tokens",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "The events", headers(("x-next-page-token" = String, description = "The next page's token, when there is a next page")), content(
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
    query: QueryParams<AuditQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let q = &query.value;
    let format = negotiate(q.format.as_deref(), &headers)?;
    if let Some(o) = &q.outcome
        && !["success", "rejected", "denied"].contains(&o.as_str())
    {
        return Err(ApiError::bad_parameter("outcome", "outcome must be success, rejected or denied"));
    }
    let (from, to) = (day("from", q.from.as_deref())?, day("to", q.to.as_deref())?);
    let limit = page_limit(q.limit.as_deref())?;
    if let Some(t) = &q.page_token
        && !is_page_token(t)
    {
        return Err(ApiError::bad_parameter("page_token", "the page token is not valid"));
    }
    let same = |value: &Option<String>, wanted: &Option<String>| wanted.is_none() || value == wanted;
    let keep = |e: &AccessEvent| {
        q.action.as_ref().is_none_or(|a| &e.action == a)
            && q.outcome.as_ref().is_none_or(|o| &outcome_name(e) == o)
            && same(&e.actor, &q.actor)
            && same(&e.organisation, &q.organisation)
            && same(&e.submission_id, &q.submission_id)
    };
    let (events, next) = app.store.access_events(from, to, q.page_token.as_deref(), limit, keep).await?;
    let mut response = respond(&Events { events, next: next.clone() }, format, "audit")?;
    if let Some(v) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        response.headers_mut().insert("x-next-page-token", v);
    }
    Ok(response)
}

/// A page token names an event: `YYYY-MM-DD/<time>-<id>.json`.
fn is_page_token(t: &str) -> bool {
    t.len() < 100
        && t.split_once('/')
            .is_some_and(|(d, rest)| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() && !rest.contains('/'))
}

/// The events of an answer, in every format.
struct Events {
    events: Vec<AccessEvent>,
    next: Option<String>,
}

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
        AuditLog { events: self.events.iter().map(entry).collect(), next_page_token: self.next.clone() }
    }

    fn table(&self) -> ApiResult<Table> {
        let events = &self.events;
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
