//! Benchmark answers in JSON, CSV, Arrow and Parquet.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use edi_hub_core::Period;
use edi_hub_core::disclosure::Viewer;
use edi_hub_core::metrics::MetricDef;
use edi_hub_query::{Answer, BenchmarkRequest, Lookup};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::answer_rows::{answer_json, answer_table};
use super::log_unredacted;
use super::paths::period_param;
use super::query::QueryParams;
use crate::answer_cache::{EncodedKey, Shape};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::format::{Table, Tabular, binary, encode, negotiate};

/// One row of a benchmark answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenchmarkRow {
    /// `organisation`, `london`, `inner_london`, `outer_london`, or a sub-regional partnership.
    pub scope: String,
    /// GSS code for organisation rows, null for summaries.
    #[schema(nullable)]
    pub organisation: Option<String>,
    pub name: String,
    pub period: String,
    #[schema(nullable)]
    pub value: Option<f64>,
    #[schema(value_type = Option<f64>, nullable)]
    pub numerator: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>, nullable)]
    pub denominator: Option<serde_json::Number>,
    /// Organisation rows: 1 for the best value by the metric's direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, nullable)]
    pub rank: Option<Option<u32>>,
    /// Summary rows: organisations pooled that have a value (for callers
    /// other than stewards, those with no withheld figure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contributors: Option<u32>,
    /// Summary rows: distribution of the organisation values shown to you.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, nullable)]
    pub min: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, nullable)]
    pub q1: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, nullable)]
    pub median: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, nullable)]
    pub q3: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, nullable)]
    pub max: Option<Option<f64>>,
    /// 95% confidence interval of the value (method in the metric catalogue);
    /// null when the value is, or the metric has none.
    #[schema(nullable)]
    pub lower_ci: Option<f64>,
    #[schema(nullable)]
    pub upper_ci: Option<f64>,
    /// Organisation rows: `higher`, `similar` or `lower` than London's value
    /// (its interval wholly above, overlapping or wholly below); null when
    /// either has no interval or value shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable)]
    pub compared_with_london: Option<Option<String>>,
    /// Columns withheld by disclosure control (their value is null).
    pub suppressed: Vec<String>,
    /// The release of the quarter the row comes from; null when it is
    /// provisional (a borough's own data, or a steward's view, not yet released).
    #[schema(nullable)]
    pub release: Option<u32>,
    /// Whether the row differs from the quarter's previous release.
    pub revised: bool,
}

/// Where a quarter of an answer stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerPeriod {
    pub period: String,
    /// `collecting` (not yet published: analysts see none of its rows) or `published`.
    #[schema(example = "published")]
    pub state: String,
    /// Its latest release; null while collecting.
    #[schema(nullable)]
    pub release: Option<u32>,
    #[schema(nullable)]
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A benchmark answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenchmarkAnswer {
    pub metric: String,
    /// The period asked for (single-period answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// First period of a trend answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last period of a trend answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The parameters used, defaults included.
    pub parameters: BTreeMap<String, String>,
    pub unit: String,
    /// Per quarter asked: whether it is published and its latest release.
    pub releases: Vec<AnswerPeriod>,
    pub rows: Vec<BenchmarkRow>,
}

/// Query parameters of benchmarks (each metric takes the subset listed in the catalogue).
#[derive(Debug, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BenchmarkQuery {
    /// The quarter, `YYYY-Qn` (or give `from` and `to`).
    #[param(pattern = r"^[0-9]{4}-Q[1-4]$", example = "2025-Q1")]
    period: Option<String>,
    /// First quarter of a trend.
    #[param(pattern = r"^[0-9]{4}-Q[1-4]$")]
    from: Option<String>,
    /// Last quarter of a trend.
    #[param(pattern = r"^[0-9]{4}-Q[1-4]$")]
    to: Option<String>,
    /// Ethnic group: an ethnicity code, `ethnic_minority` or `white_minority` (default `ethnic_minority`).
    group: Option<String>,
    /// Pay band 1 to 6.
    #[param(pattern = r"^[1-6]$")]
    pay_band: Option<String>,
    /// `true` or `false`.
    senior_leadership: Option<String>,
    /// `true` or `false`.
    top_5_percent: Option<String>,
    /// Kind of formal case (casework_rl; default `disciplinary`).
    case_type: Option<String>,
    /// Progression event (progression_rl; default `promotion`).
    event: Option<String>,
    /// Staff survey question (survey_positive_rate; default `race_equality_approach`).
    question: Option<String>,
    /// `json`, `csv`, `arrow` or `parquet`; wins over `Accept`.
    #[param(pattern = r"^(json|csv|arrow|parquet)$")]
    format: Option<String>,
}

/// A benchmark: one row per organisation with data, then summary rows.
///
/// Summary rows for London, inner London, outer London and each
/// sub-regional partnership pool numerators and denominators; their
/// distribution columns summarise the organisation values shown to you.
/// For callers other than stewards a pool leaves out the organisations with
/// a withheld figure (`contributors` counts those pooled), so a pooled figure
/// minus the other organisations' never gives a withheld one back.
/// With `from` and `to` the answer holds the same rows for every quarter.
/// Suppressed cells are null (listed in `suppressed`) in JSON, `[c]` in CSV
/// and null in Arrow and Parquet; your own organisation is never redacted.
#[utoipa::path(
    get,
    path = "/api/v1/benchmarks/{metric}",
    tag = "benchmarks",
    security(("bearer" = [])),
    params(("metric" = String, Path, description = "A metric id from the catalogue", example = "workforce_share", pattern = r"^(declaration_rate|workforce_share|representation_ratio|pay_gap_mean|pay_gap_median|appointment_rl|shortlisting_rl|casework_rl|progression_rl|survey_positive_rate)$"), BenchmarkQuery),
    responses(
        (status = 200, description = "The answer", content(
            (BenchmarkAnswer = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.apache.arrow.stream"),
            (Vec<u8> = "application/vnd.apache.parquet"),
        )),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown metric", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable format", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is missing or wrong (the problem names it)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The access log cannot be written, so figures you would see unredacted are not served", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn benchmark(
    State(app): State<AppState>,
    caller: Caller,
    Path(metric): Path<String>,
    query: QueryParams<BenchmarkQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let metric = MetricDef::find(&metric).ok_or_else(|| {
        ApiError::not_found(format!(
            "'{}' is not a metric; see /api/v1/metrics",
            metric.chars().take(40).collect::<String>()
        ))
    })?;
    let q = &query.value;
    let (periods, single) = periods(q)?;
    let params =
        metric.resolve(&q.metric_parameters()).map_err(|e| ApiError::bad_parameter(&e.parameter, e.message))?;
    let format = negotiate(q.format.as_deref(), &headers)?;
    let viewer = caller.viewer();
    let shape = if single { Shape::Period } else { Shape::Trend };
    let name = format!("{}-{}", metric.id, periods.first().map(ToString::to_string).unwrap_or_default());
    let request = BenchmarkRequest { metric, params, periods, viewer };
    let key = EncodedKey {
        metric: metric.id,
        params: request.params.clone(),
        periods: request.periods.clone(),
        viewer,
        format,
        shape,
    };
    let generation = app.engine.generation();
    if let Some(bytes) = app.encoded.get(generation, &key) {
        app.telemetry.cache(true);
        if viewer != Viewer::Public {
            let (answer, _) = app.engine.benchmark(&request).await?;
            log_unredacted_read(&app, &caller, viewer, format!("benchmarks/{}", metric.id), &[&*answer]).await?;
        }
        return Ok(binary(format, &name, bytes));
    }
    let (answer, lookup) = app.engine.benchmark(&request).await?;
    app.telemetry.cache(lookup == Lookup::Hit);
    app.telemetry.suppressed_cells(answer.rows.iter().map(|r| r.suppressed.len()).sum());
    log_unredacted_read(&app, &caller, viewer, format!("benchmarks/{}", metric.id), &[&*answer]).await?;
    let bytes = encode(&Benchmark { answer: &answer, shape }, format)?;
    app.encoded.put(answer.generation, key, bytes.clone());
    Ok(binary(format, &name, bytes))
}

impl BenchmarkQuery {
    /// The metric's own parameters given: every field but the periods and format.
    fn metric_parameters(&self) -> BTreeMap<String, String> {
        let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) else { return BTreeMap::new() };
        fields
            .into_iter()
            .filter(|(name, _)| !["period", "from", "to", "format"].contains(&name.as_str()))
            .filter_map(|(name, value)| Some((name, value.as_str()?.to_string())))
            .collect()
    }
}

/// `period`, or `from` and `to`: the periods asked for, and whether it is one period.
fn periods(q: &BenchmarkQuery) -> ApiResult<(Vec<Period>, bool)> {
    match (&q.period, &q.from, &q.to) {
        (Some(p), None, None) => Ok((vec![period_param("period", p)?], true)),
        (Some(_), _, _) => Err(ApiError::bad_parameter("period", "give either period or from and to, not both")),
        (None, Some(f), Some(t)) => {
            let (f, t) = (period_param("from", f)?, period_param("to", t)?);
            if f > t {
                return Err(ApiError::bad_parameter("from", format!("from ({f}) is after to ({t})")));
            }
            Ok((f.range_to(t), false))
        }
        (None, Some(_), None) => Err(ApiError::bad_parameter("to", "a trend needs both from and to")),
        (None, None, Some(_)) => Err(ApiError::bad_parameter("from", "a trend needs both from and to")),
        (None, None, None) => Err(ApiError::bad_parameter("period", "period is required (or from and to for a trend)")),
    }
}

/// Writes one access-log event when `answers` show any organisation's figures
/// unredacted to the caller (a steward, or a submitter seeing its own);
/// when it cannot be written the answer is refused (503).
pub(crate) async fn log_unredacted_read(
    app: &AppState,
    caller: &Caller,
    viewer: Viewer,
    target: String,
    answers: &[&Answer],
) -> ApiResult<()> {
    let unredacted = answers
        .iter()
        .flat_map(|a| a.rows.iter())
        .filter(|r| r.organisation.is_some_and(|o| viewer.sees_unredacted(o)))
        .count();
    if unredacted > 0 {
        let detail = format!("{unredacted} organisation rows unredacted");
        log_unredacted(app, caller, target, detail).await?;
    }
    Ok(())
}

/// A benchmark answer in one shape, in every format.
pub struct Benchmark<'a> {
    pub answer: &'a Answer,
    pub shape: Shape,
}

impl Tabular for Benchmark<'_> {
    type Json<'b>
        = BenchmarkAnswer
    where
        Self: 'b;

    fn json(&self) -> BenchmarkAnswer {
        answer_json(self.answer, self.shape == Shape::Period)
    }

    fn table(&self) -> ApiResult<Table> {
        answer_table(self.answer)
    }
}
