//! An organisation's profile: every metric at its default parameters beside
//! London, its inner/outer group and its sub-regional partnership.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use edi_hub_core::benchmark::{Row, Scope};
use edi_hub_core::disclosure::Viewer;
use edi_hub_core::metrics::CATALOGUE;
use edi_hub_core::{Organisation, Period};
use edi_hub_query::{Answer, BenchmarkRequest, Lookup};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::answer_rows::{answer_json, rows_table};
use super::benchmarks::{BenchmarkAnswer, log_unredacted_read};
use super::paths::{organisation_in_path, period_param};
use super::query::QueryParams;
use super::targets::{Target, visible_targets};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::format::{Format, Table, Tabular, negotiate, respond};

/// An organisation's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    /// GSS code.
    pub organisation: String,
    pub name: String,
    pub period: String,
    /// One benchmark answer per metric, holding only the organisation's row
    /// (absent when it has no data for the metric) and its comparators'.
    pub metrics: Vec<BenchmarkAnswer>,
    /// The organisation's action-plan targets that you may see, with
    /// progress as of the profile's quarter (JSON only).
    pub targets: Vec<Target>,
}

/// Query of the profile.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileQuery {
    /// The quarter, `YYYY-Qn`.
    #[param(pattern = r"^[0-9]{4}-Q[1-4]$", example = "2025-Q1")]
    period: String,
    /// `json`, `csv`, `arrow` or `parquet`; wins over `Accept`.
    #[param(pattern = r"^(json|csv|arrow|parquet)$")]
    format: Option<String>,
}

/// Whether a row belongs in `organisation`'s profile.
fn in_profile(organisation: Organisation, row: &Row) -> bool {
    match row.scope {
        Scope::Organisation => row.organisation == Some(organisation),
        scope => scope.includes(organisation),
    }
}

/// Every metric for one organisation beside its comparators.
///
/// Each metric at its default parameters, with the organisation's row
/// (value, numerator, denominator, rank among all organisations) and the
/// summary rows of London, its inner/outer London group and its sub-regional
/// partnership. The flat formats add a `metric` column. The JSON answer
/// also lists the organisation's targets you may see (as
/// `/api/v1/organisations/{organisation}/targets?period=` gives them), with
/// progress judged on the data up to the profile's quarter.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{organisation}/profile",
    tag = "benchmarks",
    security(("bearer" = [])),
    params(("organisation" = String, Path, description = "GSS code", example = "E09000015", pattern = r"^E090000(0[1-9]|[12][0-9]|3[0-3])$"), ProfileQuery),
    responses(
        (status = 200, description = "The profile", content(
            (Profile = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.apache.arrow.stream"),
            (Vec<u8> = "application/vnd.apache.parquet"),
        )),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organisation", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable format", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is missing or wrong (the problem names it)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The access log cannot be written, so figures you would see unredacted are not served", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn profile(
    State(app): State<AppState>,
    caller: Caller,
    Path(organisation): Path<String>,
    query: QueryParams<ProfileQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let organisation = organisation_in_path(&organisation)?;
    let period = period_param("period", &query.value.period)?;
    let format = negotiate(query.value.format.as_deref(), &headers)?;
    let viewer = caller.viewer();
    let answers = profile_answers(&app, viewer, organisation, period).await?;
    let read: Vec<&Answer> = answers.iter().collect();
    log_unredacted_read(&app, &caller, viewer, format!("profile/{organisation}"), &read).await?;
    // Targets are part of the JSON document only (the flat forms hold rows).
    let targets = if format == Format::Json {
        visible_targets(&app, &caller, organisation, Some(period)).await?
    } else {
        Vec::new()
    };
    let name = format!("profile-{organisation}-{period}");
    respond(&ProfileAnswer { organisation, period, answers, targets }, format, &name)
}

/// Every metric of the catalogue at its default parameters for one
/// organisation and quarter, as the benchmark API answers `viewer` (the
/// same engine answers, disclosure control and release rules), holding only
/// the organisation's row and its comparators'. The profile and the printable
/// report both read these.
pub(crate) async fn profile_answers(
    app: &AppState,
    viewer: Viewer,
    organisation: Organisation,
    period: Period,
) -> ApiResult<Vec<Answer>> {
    let mut answers: Vec<Answer> = Vec::with_capacity(CATALOGUE.len());
    for metric in CATALOGUE {
        let params = metric
            .resolve(&BTreeMap::new())
            .map_err(|e| ApiError::internal(format!("default parameters of {}: {e}", metric.id)))?;
        let request = BenchmarkRequest { metric, params, periods: vec![period], viewer };
        let (cached, lookup) = app.engine.benchmark(&request).await?;
        app.telemetry.cache(lookup == Lookup::Hit);
        let mut answer = Answer::clone(&cached);
        answer.rows.retain(|r| in_profile(organisation, r));
        app.telemetry.suppressed_cells(answer.rows.iter().map(|r| r.suppressed.len()).sum());
        answers.push(answer);
    }
    Ok(answers)
}

/// A profile in every format.
struct ProfileAnswer {
    organisation: Organisation,
    period: Period,
    answers: Vec<Answer>,
    targets: Vec<Target>,
}

impl Tabular for ProfileAnswer {
    type Json<'a> = Profile;

    fn json(&self) -> Profile {
        Profile {
            organisation: self.organisation.code().to_string(),
            name: self.organisation.name().to_string(),
            period: self.period.to_string(),
            metrics: self.answers.iter().map(|a| answer_json(a, true)).collect(),
            targets: self.targets.clone(),
        }
    }

    fn table(&self) -> ApiResult<Table> {
        let rows: Vec<(&str, &Row)> =
            self.answers.iter().flat_map(|a| a.rows.iter().map(move |r| (a.metric.id, r))).collect();
        rows_table(&rows, false, true)
    }
}
