//! Action-plan targets: a borough records what it aims for (a metric at
//! given parameters, a value, by a quarter) and sees its latest figure and
//! whether the trend is on track, as the caller may see the figures.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use edi_hub_core::benchmark::Scope;
use edi_hub_core::metrics::MetricDef;
use edi_hub_core::targets::{self as core, Progress};
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_query::{BenchmarkRequest, Lookup};
use edi_hub_store::{AccessOutcome, NewTarget, Role, TargetRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::paths::{organisation_in_path, period_param};
use super::query::QueryParams;
use super::target_input;
use super::{log_access, log_unredacted};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::upload::require_json;

/// An organisation keeps at most this many targets (delete one to add another).
pub const MAX_TARGETS: usize = 100;

/// Who may see a target besides the organisation's submitters and stewards.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetVisibility {
    /// Only the organisation's submitters and data stewards (the default).
    Private,
    /// Every authenticated caller.
    Shared,
}

/// Where a target stands, judged from the values the caller may see.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// The latest value already meets the target.
    Achieved,
    /// A least-squares trend of the values reaches the target by its quarter.
    OnTrack,
    /// Neither achieved nor on track.
    OffTrack,
    /// No latest value (no data, or withheld from the caller).
    NoData,
}

/// The latest figure of a target's metric for the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LatestValue {
    /// The most recent quarter with data.
    #[schema(example = "2025-Q4")]
    pub period: String,
    /// The value, null when disclosure control withholds it from you (or it
    /// is undefined, e.g. a zero denominator).
    #[schema(nullable)]
    pub value: Option<f64>,
}

/// A target with its latest figure and status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Target {
    pub id: String,
    /// GSS code.
    #[schema(example = "E09000015")]
    pub organisation: String,
    #[schema(example = "workforce_share")]
    pub metric: String,
    /// The metric's parameters, defaults included.
    pub parameters: BTreeMap<String, String>,
    pub target: f64,
    /// The quarter by which to reach it.
    #[schema(example = "2026-Q4")]
    pub by: String,
    pub visibility: TargetVisibility,
    pub created_at: DateTime<Utc>,
    /// Null when the organisation has no data for the metric.
    #[schema(nullable)]
    pub latest: Option<LatestValue>,
    pub status: TargetStatus,
}

/// An organisation's targets that you may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetList {
    #[schema(example = "E09000015")]
    pub organisation: String,
    pub targets: Vec<Target>,
}

/// Query of the target list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    /// Judge progress as of this quarter (`YYYY-Qn`); the latest data when absent.
    #[param(pattern = r"^[0-9]{4}-Q[1-4]$", example = "2025-Q4")]
    period: Option<String>,
}

/// Whether `caller` may see `record`.
fn may_see(caller: &Caller, record: &TargetRecord) -> bool {
    record.visibility == core::Visibility::Shared
        || caller.role() == Role::Steward
        || caller.organisation() == Some(record.organisation)
}

/// The quarters up to `as_of` in which `organisation` has a current
/// submission of a dataset `metric` is built from.
fn periods_with_data(
    app: &AppState,
    organisation: Organisation,
    metric: &MetricDef,
    as_of: Option<Period>,
) -> Vec<Period> {
    let snapshot = app.store.snapshot();
    let periods: BTreeSet<Period> = snapshot
        .current()
        .filter(|s| s.organisation == organisation && s.dataset != Dataset::Population)
        .filter(|s| metric.datasets.contains(&s.dataset) && as_of.is_none_or(|p| s.period <= p))
        .map(|s| s.period)
        .collect();
    periods.into_iter().collect()
}

/// A target's progress for `caller`, from the benchmark answers the caller
/// would get for the target's metric and parameters (so a value withheld
/// from the caller is withheld here too).
async fn progress(
    app: &AppState,
    caller: &Caller,
    record: &TargetRecord,
    as_of: Option<Period>,
) -> ApiResult<Progress> {
    let no_data = Progress { latest: None, status: core::Status::NoData };
    let Some(metric) = MetricDef::find(&record.metric) else {
        return Ok(no_data);
    };
    let Ok(params) = metric.resolve(&record.parameters) else {
        return Ok(no_data);
    };
    let periods = periods_with_data(app, record.organisation, metric, as_of);
    if periods.is_empty() {
        return Ok(no_data);
    }
    let request = BenchmarkRequest { metric, params, periods, viewer: caller.viewer() };
    let (answer, lookup) = app.engine.benchmark(&request).await?;
    app.telemetry.cache(lookup == Lookup::Hit);
    let series: Vec<(Period, Option<f64>)> = answer
        .rows
        .iter()
        .filter(|r| r.scope == Scope::Organisation && r.organisation == Some(record.organisation))
        .map(|r| (r.period, r.value))
        .collect();
    Ok(core::progress(metric.direction, record.target, record.by, &series))
}

fn item(record: &TargetRecord, progress: Progress) -> Target {
    Target {
        id: record.id.clone(),
        organisation: record.organisation.code().to_string(),
        metric: record.metric.clone(),
        parameters: record.parameters.clone(),
        target: record.target,
        by: record.by.to_string(),
        visibility: match record.visibility {
            core::Visibility::Private => TargetVisibility::Private,
            core::Visibility::Shared => TargetVisibility::Shared,
        },
        created_at: record.created_at,
        latest: progress.latest.map(|(period, value)| LatestValue { period: period.to_string(), value }),
        status: match progress.status {
            core::Status::Achieved => TargetStatus::Achieved,
            core::Status::OnTrack => TargetStatus::OnTrack,
            core::Status::OffTrack => TargetStatus::OffTrack,
            core::Status::NoData => TargetStatus::NoData,
        },
    }
}

/// `organisation`'s targets that `caller` may see, each with its latest
/// figure as of `as_of` (the latest data when `None`). Reading values
/// unredacted (a steward, or the organisation's own submitter) is written to the access log.
pub(crate) async fn visible_targets(
    app: &AppState,
    caller: &Caller,
    organisation: Organisation,
    as_of: Option<Period>,
) -> ApiResult<Vec<Target>> {
    let records = app.store.targets(organisation).await?;
    let mut items = Vec::new();
    for record in records.iter().filter(|r| may_see(caller, r)) {
        items.push(item(record, progress(app, caller, record, as_of).await?));
    }
    let unredacted = items.iter().filter(|t| t.latest.as_ref().is_some_and(|l| l.value.is_some())).count();
    if unredacted > 0 && caller.viewer().sees_unredacted(organisation) {
        let detail = format!("{unredacted} target figures unredacted");
        log_unredacted(app, caller, format!("targets/{organisation}"), detail).await?;
    }
    Ok(items)
}

/// List an organisation's targets.
///
/// The targets you may see: every one for the organisation's submitters
/// and data stewards, the `shared` ones for everyone else. Each carries the
/// organisation's latest value of the metric (as benchmarks show it to you:
/// a value withheld from you is null and its status `no_data`) and a status:
/// `achieved` (the latest value meets the target in the metric's direction:
/// for `neutral` metrics in the direction from the first value towards the
/// target; for `closer_to_1` ratios at least as close to 1 as the target, so
/// 0.8 and 1.25 both mean "from 0.8 to 1.25"), `on_track` (a least-squares
/// line through the quarterly values, or their distances from 1, reaches
/// the target by its quarter; it needs two values), `off_track` or `no_data`.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{organisation}/targets",
    tag = "targets",
    security(("bearer" = [])),
    params(("organisation" = String, Path, description = "GSS code", example = "E09000015", pattern = r"^E090000(0[1-9]|[12][0-9]|3[0-3])$"), TargetQuery),
    responses(
        (status = 200, description = "The targets you may see, with their latest values and status", body = TargetList),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organisation", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is wrong (the problem names it)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The access log cannot be written, so figures you would see unredacted are not served", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list_targets(
    State(app): State<AppState>,
    caller: Caller,
    Path(organisation): Path<String>,
    query: QueryParams<TargetQuery>,
) -> ApiResult<Json<TargetList>> {
    let organisation = organisation_in_path(&organisation)?;
    let as_of = query.value.period.as_deref().map(|p| period_param("period", p)).transpose()?;
    let targets = visible_targets(&app, &caller, organisation, as_of).await?;
    Ok(Json(TargetList { organisation: organisation.code().to_string(), targets }))
}

/// Record a target.
///
/// For the organisation's submitters and data stewards. The metric's
/// parameters are checked as benchmark parameters are (defaults filled in);
/// every problem is listed, each naming its field (`parameters.pay_band`).
/// An organisation keeps at most 100 targets. The answer is the target
/// with its latest value and status.
#[utoipa::path(
    post,
    path = "/api/v1/organisations/{organisation}/targets",
    tag = "targets",
    security(("bearer" = [])),
    params(("organisation" = String, Path, description = "GSS code", example = "E09000015", pattern = r"^E090000(0[1-9]|[12][0-9]|3[0-3])$")),
    request_body(content = target_input::TargetRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Target),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not this organisation's submitter or a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organisation", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The organisation already has 100 targets", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The target is not valid (every problem listed, each naming its field)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn create_target(
    State(app): State<AppState>,
    caller: Caller,
    Path(organisation): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Target>)> {
    let organisation = organisation_in_path(&organisation)?;
    require_json(&headers, "the target")?;
    let path = format!("targets/{organisation}");
    let input = match target_input::parse(&body) {
        Ok(input) => input,
        Err(e) => {
            let detail = Some("invalid target".to_string());
            log_access(&app, Some(&caller), "target_create", AccessOutcome::Rejected, Some(path), None, detail).await;
            return Err(e);
        }
    };
    if app.store.targets(organisation).await?.len() >= MAX_TARGETS {
        return Err(ApiError::conflict(format!(
            "{organisation} already has {MAX_TARGETS} targets, the most an organisation keeps; delete one first"
        )));
    }
    let record = app
        .store
        .create_target(NewTarget {
            organisation,
            metric: input.metric.id.to_string(),
            parameters: input.parameters,
            target: input.target,
            by: input.by,
            visibility: input.visibility,
            created_by: Some(caller.id().to_string()),
        })
        .await?;
    let detail = format!("{} by {} ({})", record.metric, record.by, record.visibility);
    let target = Some(format!("{path}/{}", record.id));
    log_access(&app, Some(&caller), "target_create", AccessOutcome::Success, target, None, Some(detail)).await;
    let progress = progress(&app, &caller, &record, None).await?;
    Ok((StatusCode::CREATED, Json(item(&record, progress))))
}

/// Delete a target.
///
/// For the organisation's submitters and data stewards.
#[utoipa::path(
    delete,
    path = "/api/v1/organisations/{organisation}/targets/{id}",
    tag = "targets",
    security(("bearer" = [])),
    params(
        ("organisation" = String, Path, description = "GSS code", example = "E09000015", pattern = r"^E090000(0[1-9]|[12][0-9]|3[0-3])$"),
        ("id" = String, Path, description = "Target id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not this organisation's submitter or a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organisation, or no such target", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn delete_target(
    State(app): State<AppState>,
    caller: Caller,
    Path((organisation, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let organisation = organisation_in_path(&organisation)?;
    if !app.store.delete_target(organisation, &id, Some(caller.id().to_string())).await? {
        return Err(ApiError::not_found(format!(
            "{organisation} has no target with the id '{}'",
            id.chars().take(40).collect::<String>()
        )));
    }
    let target = Some(format!("targets/{organisation}/{id}"));
    log_access(&app, Some(&caller), "target_delete", AccessOutcome::Success, target, None, None).await;
    Ok(StatusCode::NO_CONTENT)
}
