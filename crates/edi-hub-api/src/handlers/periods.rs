//! Collection rounds: each quarter's state, schedule, releases and
//! coverage; scheduling a quarter's release and publishing one now.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_query::Publication;
use edi_hub_store::{AccessOutcome, PeriodRecord, ReleaseRecord, Snapshot, Trigger};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::log_access;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::handlers::paths::latest_period;
use crate::upload::require_json;

/// One release of a quarter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseInfo {
    pub period: String,
    /// 1 for the quarter's first release, then 2, 3...
    pub release: u32,
    pub published_at: DateTime<Utc>,
    /// Ids of the submissions the release publishes.
    pub submissions: Vec<String>,
}

/// Who has a current submission of one dataset for the quarter.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetCoverage {
    pub dataset: String,
    /// Boroughs with a current submission.
    pub organisations: Vec<String>,
    /// Boroughs without one.
    pub missing: Vec<String>,
    /// Once the deadline has passed: boroughs that had submitted nothing
    /// by the deadline (null before it, or with no deadline).
    #[schema(nullable)]
    pub missing_at_deadline: Option<Vec<String>>,
}

/// A quarter's collection round.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodInfo {
    pub period: String,
    /// `collecting` until the first release, then `published`.
    #[schema(example = "collecting")]
    pub state: String,
    /// When boroughs are asked to have submitted (null: not scheduled).
    #[schema(nullable)]
    pub deadline: Option<DateTime<Utc>>,
    /// When the hub publishes the quarter by itself (null: not scheduled).
    #[schema(nullable)]
    pub release_at: Option<DateTime<Utc>>,
    /// Whether the scheduled release has been made.
    pub scheduled_release_done: bool,
    pub releases: Vec<ReleaseInfo>,
    /// Whether current submissions are not yet in a release (they are provisional).
    pub unreleased_changes: bool,
    pub coverage: Vec<DatasetCoverage>,
}

/// Every quarter with submissions or a schedule, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodList {
    pub periods: Vec<PeriodInfo>,
}

/// When to close and publish a quarter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// When boroughs are asked to have submitted (RFC 3339).
    pub deadline: DateTime<Utc>,
    /// When the hub publishes the quarter (RFC 3339; not before the deadline).
    pub release_at: DateTime<Utc>,
}

impl From<&ReleaseRecord> for ReleaseInfo {
    fn from(r: &ReleaseRecord) -> Self {
        ReleaseInfo {
            period: r.period.to_string(),
            release: r.release,
            published_at: r.published_at,
            submissions: r.submissions.clone(),
        }
    }
}

fn codes(orgs: impl Iterator<Item = Organisation>) -> Vec<String> {
    orgs.map(|o| o.code().to_string()).collect()
}

/// A quarter as the API shows it.
pub fn period_info(snapshot: &Snapshot, period: Period) -> PeriodInfo {
    let record: Option<&PeriodRecord> = snapshot.period(period);
    let schedule = record.and_then(|r| r.schedule.as_ref());
    let latest = record.and_then(|r| r.latest());
    let current: Vec<&str> = snapshot
        .current()
        .filter(|r| r.period == period && r.dataset != Dataset::Population)
        .map(|r| r.id.as_str())
        .collect();
    let unreleased_changes = match latest {
        Some(l) => {
            current.len() != l.submissions.len() || current.iter().any(|id| !l.submissions.iter().any(|s| s == id))
        }
        None => !current.is_empty(),
    };
    let deadline_passed = schedule.map(|s| s.deadline).filter(|d| *d <= Utc::now());
    let coverage = Dataset::SUBMITTED
        .into_iter()
        .map(|dataset| {
            let has = |o: &Organisation| snapshot.current_of(*o, dataset, period).is_some();
            let by_deadline = |o: &Organisation, deadline: DateTime<Utc>| {
                snapshot.submissions.iter().any(|s| {
                    s.organisation == *o && s.dataset == dataset && s.period == period && s.received_at <= deadline
                })
            };
            DatasetCoverage {
                dataset: dataset.name().to_string(),
                organisations: codes(Organisation::all().filter(has)),
                missing: codes(Organisation::all().filter(|o| !has(o))),
                missing_at_deadline: deadline_passed.map(|d| codes(Organisation::all().filter(|o| !by_deadline(o, d)))),
            }
        })
        .collect();
    PeriodInfo {
        period: period.to_string(),
        state: record.map_or("collecting", |r| r.state().name()).to_string(),
        deadline: schedule.map(|s| s.deadline),
        release_at: schedule.map(|s| s.release_at),
        scheduled_release_done: record.is_some_and(|r| r.scheduled_release_done()),
        releases: record.map(|r| r.releases.iter().map(ReleaseInfo::from).collect()).unwrap_or_default(),
        unreleased_changes,
        coverage,
    }
}

fn period_in_path(s: &str) -> ApiResult<Period> {
    Period::parse_until(s, latest_period()).map_err(|e| ApiError::not_found(e.to_string()))
}

/// List quarters.
///
/// Every quarter with a submission or a schedule, newest first: its state
/// (`collecting` until its first release, then `published`), deadline and
/// release time when scheduled, its releases, and its coverage per dataset.
/// Any token may read it.
#[utoipa::path(
    get,
    path = "/api/v1/periods",
    tag = "releases",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every quarter's collection round", body = PeriodList),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list_periods(State(app): State<AppState>, _caller: Caller) -> ApiResult<Json<PeriodList>> {
    let snapshot = app.store.snapshot();
    let periods = snapshot.periods_known().into_iter().rev().map(|p| period_info(&snapshot, p)).collect();
    Ok(Json(PeriodList { periods }))
}

/// Schedule a quarter.
///
/// Stewards only. Sets the quarter's deadline and release time; at the
/// release time the hub publishes the quarter by itself, once (whichever
/// hub process sharing the store gets there first).
#[utoipa::path(
    put,
    path = "/api/v1/periods/{period}/schedule",
    tag = "releases",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "Quarter, e.g. 2026-Q3")),
    request_body(content = ScheduleRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The quarter with its new schedule", body = PeriodInfo),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Not a quarter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The quarter's ledger has an entry that cannot be read", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The request is invalid (the problem names the field)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn schedule_period(
    State(app): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PeriodInfo>> {
    let period = period_in_path(&period)?;
    require_json(&headers, "the schedule")?;
    let request: ScheduleRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::unprocessable(format!("the schedule is not valid: {e}")))?;
    if request.release_at < request.deadline {
        return Err(ApiError::bad_parameter("release_at", "release_at must not be before the deadline"));
    }
    app.store.schedule_period(period, request.deadline, request.release_at, Some(caller.id().to_string())).await?;
    let detail = format!("deadline {}, release at {}", request.deadline.to_rfc3339(), request.release_at.to_rfc3339());
    log_access(
        &app,
        Some(&caller),
        "period_schedule",
        AccessOutcome::Success,
        Some(period.to_string()),
        None,
        Some(detail),
    )
    .await;
    Ok(Json(period_info(&app.store.snapshot(), period)))
}

/// Publish a quarter now.
///
/// Stewards only. Publishes a release holding the quarter's current
/// submissions, with disclosure control worked out over the whole quarter
/// and every earlier release of it. 409 when nothing changed since the
/// latest release.
#[utoipa::path(
    post,
    path = "/api/v1/periods/{period}/releases",
    tag = "releases",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "Quarter, e.g. 2026-Q3")),
    responses(
        (status = 201, description = "Published", body = ReleaseInfo),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Not a quarter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Nothing changed since the latest release, or a ledger entry of the quarter cannot be read", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn publish_release(
    State(app): State<AppState>,
    caller: Caller,
    Path(period): Path<String>,
) -> ApiResult<(StatusCode, Json<ReleaseInfo>)> {
    let period = period_in_path(&period)?;
    match app.engine.publish(period, Trigger::Steward, Some(caller.id().to_string())).await? {
        Publication::Released { record, stats } => {
            let detail = release_detail(&record, &stats);
            log_access(
                &app,
                Some(&caller),
                "release",
                AccessOutcome::Success,
                Some(period.to_string()),
                None,
                Some(detail),
            )
            .await;
            Ok((StatusCode::CREATED, Json(ReleaseInfo::from(&record))))
        }
        Publication::Unchanged => Err(ApiError::conflict(format!(
            "nothing changed in {period} since its latest release (or it has no submissions): nothing to publish"
        ))),
    }
}

/// What the access log says about a release.
pub fn release_detail(record: &ReleaseRecord, stats: &edi_hub_query::ReleaseStats) -> String {
    format!(
        "release {} of {}: {} submissions, {} secondary suppressions, {} of {} pooled counts shown, {} ms",
        record.release,
        record.period,
        record.submissions.len(),
        stats.secondary,
        stats.pooled_candidates - stats.pooled_withheld,
        stats.pooled_candidates,
        stats.elapsed.as_millis()
    )
}
